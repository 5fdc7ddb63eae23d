//! `fargate:lb:*` resources: Application Load Balancer, target groups, listeners.

mod common;
pub mod listener;
pub mod load_balancer;
pub mod target_group;

use crate::resource::DynResource;

pub fn all() -> Vec<Box<dyn DynResource>> {
    vec![
        Box::new(load_balancer::LoadBalancer),
        Box::new(target_group::TargetGroup),
        Box::new(listener::Listener),
    ]
}
