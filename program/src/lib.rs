//! A small Rust SDK for Pulumi programs: outputs, stack configuration, resource registration,
//! component resources, stack references, a mock mode for unit tests, and typed resources of
//! the fargate provider.

pub mod codegen;
pub mod component;
pub mod config;
pub mod error;
pub mod fargate;
pub mod mocks;
pub mod output;
pub mod runtime;
mod sdk_names;
pub mod stack_reference;

pub use component::{Alias, ComponentResource};
pub use config::Config;
pub use error::Error;
pub use output::{Output, Resolved, all};
pub use runtime::{Context, CustomTimeouts, ResourceOptions, run};
pub use stack_reference::StackReference;
