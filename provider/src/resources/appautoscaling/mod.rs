//! `fargate:appautoscaling:*` resources.

pub mod service_scaling;

use crate::resource::DynResource;

pub fn all() -> Vec<Box<dyn DynResource>> {
    vec![Box::new(service_scaling::ServiceScaling)]
}
