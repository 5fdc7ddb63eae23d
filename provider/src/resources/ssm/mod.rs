//! `fargate:ssm:*` resources.

pub mod parameter;

use crate::resource::DynResource;

pub fn all() -> Vec<Box<dyn DynResource>> {
    vec![Box::new(parameter::Parameter)]
}
