//! `fargate:lb:*` resources: Application Load Balancer, target groups, listeners.

use crate::resource::DynResource;

pub fn all() -> Vec<Box<dyn DynResource>> {
    vec![]
}
