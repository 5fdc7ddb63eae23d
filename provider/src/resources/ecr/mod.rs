//! `fargate:ecr:*` resources.

pub mod repository;

use crate::resource::DynResource;

pub fn all() -> Vec<Box<dyn DynResource>> {
    vec![Box::new(repository::Repository)]
}
