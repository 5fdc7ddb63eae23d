//! `fargate:ec2:*` resources: security groups.

pub mod security_group;

use crate::resource::DynResource;

pub fn all() -> Vec<Box<dyn DynResource>> {
    vec![Box::new(security_group::SecurityGroup)]
}
