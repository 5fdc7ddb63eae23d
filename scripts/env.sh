# Sourced by every script: pinned versions, cache locations and the offline/loopback environment.
# shellcheck shell=bash
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO_ROOT
export PULUMI_VERSION="v3.274.1"
export MOTO_VERSION="5.2.5"
export PULUMI_YAML_VERSION="v1.25.0"
export ACTIONLINT_VERSION="v1.7.12"
export SOTEX_CACHE="${SOTEX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-rs-fargate}"
export PULUMI_CLI_DIR="$SOTEX_CACHE/pulumi-cli/$PULUMI_VERSION"
export MOTO_VENV="$SOTEX_CACHE/moto-venv/$MOTO_VERSION"
export PULUMI_YAML_DIR="$SOTEX_CACHE/pulumi-language-yaml/$PULUMI_YAML_VERSION"
export ACTIONLINT_DIR="$SOTEX_CACHE/actionlint/$ACTIONLINT_VERSION"

# Offline and loopback only: no update checks, no plugin downloads, no instance metadata.
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_IGNORE_AMBIENT_PLUGINS=true
export AWS_EC2_METADATA_DISABLED=true
# No AWS credentials, profile or region here: a user who sources this file to work by hand keeps
# their own. Only what starts the emulator sets fake ones (scripts/up, the test harness).
export PATH="$PULUMI_CLI_DIR:$ACTIONLINT_DIR:$PATH"
