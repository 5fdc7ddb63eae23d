//! `pulumi-resource-fargate`: a native Pulumi provider for ECS Fargate behind an ALB.

pub mod adopt;
pub mod aws;
pub mod config;
pub mod context;
pub mod error;
pub mod function;
pub mod functions;
pub mod naming;
pub mod resource;
pub mod resources;
pub mod schema;
pub mod server;
pub mod tags;
pub mod validate;

/// gRPC messages from the engine may be as large as it allows (400 MiB).
pub const MAX_MESSAGE_BYTES: usize = 400 * 1024 * 1024;
