//! Delivery automation for the Sotex-box backend, kept in Rust so CI's logic is tested here and
//! not only in workflow YAML. The binary `sotex-ci` has these subcommands:
//!
//! - `preview-comment`: renders `pulumi preview --json` documents (one per stack) as one
//!   Markdown pull-request comment ([`render`]): counts, changed resources and property paths
//!   with replacements and deletions first, downtime risks ([`risk`]), a service's estimated
//!   rollout time, secrets masked ([`mask`]), and a hidden marker so CI edits one comment.
//! - `deploy`: `pulumi up` of a stack with CI's guard rails ([`deploy`]): the image tag as an
//!   input, production refused for a commit staging has not run (the record is a stack tag in
//!   the state backend), distinct exit codes and a one-paragraph summary.
//! - `play-check-upload` / `play-check-promote`: the Google Play rules for the Android app
//!   ([`play`], CLI in [`play_cli`]): version codes only grow, and production only takes the
//!   version code the internal track runs.
//! - `migrate` / `migrate-gate`: moving a stack made by `Program.cs` on the bridged AWS provider
//!   onto this provider without downtime ([`migrate`], CLI in [`migrate_cli`], procedure in
//!   docs/MIGRATION.md).

pub mod deploy;
pub mod fixtures;
pub mod mask;
pub mod migrate;
pub mod migrate_cli;
pub mod path;
pub mod play;
pub mod play_cli;
pub mod preview;
pub mod render;
pub mod risk;
