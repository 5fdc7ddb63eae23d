//! `fargate:logs:*` resources.

pub mod log_group;

use crate::resource::DynResource;

pub fn all() -> Vec<Box<dyn DynResource>> {
    vec![Box::new(log_group::LogGroup)]
}
