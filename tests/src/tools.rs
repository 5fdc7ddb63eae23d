//! Where the tools live: the pinned `pulumi` CLI and moto server (installed by `scripts/install-*`
//! into the cache named in `scripts/env.sh`) and this workspace's built binaries.

use std::path::{Path, PathBuf};

const RUN_SCRIPTS_TEST: &str = "run `scripts/test` (it installs the pinned pulumi CLI and moto, then builds every binary and example)";

/// The workspace root (the directory holding the workspace `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .expect("tests/ has a parent directory")
        .to_path_buf()
}

/// A `KEY="value"` assignment from `scripts/env.sh`, so versions are pinned in one place.
fn env_sh_value(key: &str) -> Option<String> {
    let text = std::fs::read_to_string(workspace_root().join("scripts/env.sh")).ok()?;
    let prefix = format!("export {key}=");
    text.lines()
        .filter_map(|l| l.trim().strip_prefix(&prefix))
        .map(|v| v.trim().trim_matches('"').to_string())
        .find(|v| !v.is_empty() && !v.contains('$'))
}

fn non_empty_env(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.is_empty())
}

/// `$SOTEX_CACHE`, else `$XDG_CACHE_HOME/pulumi-rs-fargate`, else `~/.cache/pulumi-rs-fargate` (as env.sh).
fn cache_dir() -> PathBuf {
    if let Some(dir) = non_empty_env("SOTEX_CACHE") {
        return PathBuf::from(dir);
    }
    let base = non_empty_env("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| non_empty_env("HOME").map(|h| Path::new(&h).join(".cache")))
        .expect("neither XDG_CACHE_HOME nor HOME is set");
    base.join("pulumi-rs-fargate")
}

fn require_file(path: PathBuf, what: &str) -> PathBuf {
    if !path.is_file() {
        panic!("{what} not found at {}: {RUN_SCRIPTS_TEST}", path.display());
    }
    path
}

/// The pinned `pulumi` CLI: `$PULUMI_CLI_DIR/pulumi`, else the cache path env.sh would export.
pub fn pulumi_bin() -> PathBuf {
    let dir = non_empty_env("PULUMI_CLI_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let version = env_sh_value("PULUMI_VERSION").expect("PULUMI_VERSION in scripts/env.sh");
            cache_dir().join("pulumi-cli").join(version)
        });
    require_file(dir.join("pulumi"), "the pulumi CLI")
}

/// The pinned `moto_server`: `$MOTO_VENV/bin/moto_server`, else the cache path env.sh would export.
pub fn moto_server_bin() -> PathBuf {
    let venv = non_empty_env("MOTO_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let version = env_sh_value("MOTO_VERSION").expect("MOTO_VERSION in scripts/env.sh");
            cache_dir().join("moto-venv").join(version)
        });
    require_file(venv.join("bin/moto_server"), "moto_server")
}

/// The directory cargo puts this profile's binaries in (`target/debug`). Honours
/// `CARGO_TARGET_DIR`, else the directory this test executable was built into
/// (`<target>/debug/deps/..`), or the directory of a tool built beside the binaries, else
/// `<workspace>/target/debug`.
pub fn target_profile_dir() -> PathBuf {
    if let Some(dir) = non_empty_env("CARGO_TARGET_DIR") {
        let dir = PathBuf::from(dir);
        let dir = if dir.is_absolute() {
            dir
        } else {
            workspace_root().join(dir)
        };
        return dir.join("debug");
    }
    if let Ok(exe) = std::env::current_exe()
        && let Some(dir) = exe.parent()
    {
        if dir.file_name().is_some_and(|n| n == "deps")
            && let Some(profile) = dir.parent()
        {
            return profile.to_path_buf();
        }
        // A tool built beside the binaries (the benchmark in `target/release`).
        if dir.join("pulumi-resource-fargate").is_file() {
            return dir.to_path_buf();
        }
    }
    workspace_root().join("target/debug")
}

/// A binary of this workspace in the target directory (e.g. `pulumi-resource-fargate`).
pub fn workspace_bin(name: &str) -> PathBuf {
    require_file(target_profile_dir().join(name), &format!("binary `{name}`"))
}

/// A built example program, `target/debug/examples/<name>`.
pub fn example_bin(name: &str) -> PathBuf {
    require_file(
        target_profile_dir().join("examples").join(name),
        &format!("example program `{name}`"),
    )
}

/// Our provider plugin, checked to exist.
pub fn provider_bin() -> PathBuf {
    workspace_bin("pulumi-resource-fargate")
}

/// Our language host plugin, checked to exist.
pub fn language_host_bin() -> PathBuf {
    workspace_bin("pulumi-language-rust")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_come_from_env_sh() {
        assert!(env_sh_value("PULUMI_VERSION").unwrap().starts_with('v'));
        assert!(!env_sh_value("MOTO_VERSION").unwrap().is_empty());
        assert_eq!(
            env_sh_value("SOTEX_CACHE"),
            None,
            "computed values are not pinned values"
        );
    }
}
