//! A small Rust SDK for Pulumi programs: outputs, stack configuration, resource registration,
//! and typed resources of the fargate provider.

pub mod codegen;
pub mod config;
pub mod error;
pub mod fargate;
pub mod output;
pub mod runtime;
mod sdk_names;

pub use config::Config;
pub use error::Error;
pub use output::{Output, Resolved, all};
pub use runtime::{Context, CustomTimeouts, ResourceOptions, run};
