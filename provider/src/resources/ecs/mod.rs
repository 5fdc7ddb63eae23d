//! `fargate:ecs:*` resources.

pub mod cluster;
pub mod service;
pub mod task_definition;
