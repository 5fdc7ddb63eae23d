//! `fargate:appautoscaling:*` resources.

use crate::resource::DynResource;

pub fn all() -> Vec<Box<dyn DynResource>> {
    vec![]
}
