//! `fargate:ec2:*` resources: security groups.

use crate::resource::DynResource;

pub fn all() -> Vec<Box<dyn DynResource>> {
    vec![]
}
