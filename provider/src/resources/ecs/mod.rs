//! `fargate:ecs:*` resources.

pub mod cluster;
pub mod fargate_sizes;
pub mod service;
pub mod task_definition;
