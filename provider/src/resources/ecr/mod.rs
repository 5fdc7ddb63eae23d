//! `fargate:ecr:*` resources.

use crate::resource::DynResource;

pub fn all() -> Vec<Box<dyn DynResource>> {
    vec![]
}
