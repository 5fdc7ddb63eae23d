//! `fargate:iam:*` resources.

pub mod role;

use crate::resource::DynResource;

pub fn all() -> Vec<Box<dyn DynResource>> {
    vec![Box::new(role::Role)]
}
