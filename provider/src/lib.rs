//! `pulumi-resource-fargate`: a native Pulumi provider for ECS Fargate behind an ALB.

pub mod adopt;
pub mod aws;
pub mod bounds;
pub mod config;
pub mod context;
pub mod diff;
pub mod error;
pub mod function;
pub mod functions;
pub mod hints;
pub mod log;
pub mod naming;
pub mod resource;
pub mod resources;
pub mod schema;
pub mod secrets;
pub mod server;
pub mod tags;
pub mod typed;
pub mod validate;

pub use pulumi_rs_proto::MAX_MESSAGE_BYTES;
