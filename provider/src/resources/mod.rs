//! Every resource type the provider serves, one file each, listed in one registry.

pub mod ec2;
pub mod ecs;
pub mod lb;

use crate::resource::DynResource;

/// The registry: the server dispatches by type token, the schema lists these.
pub fn all() -> Vec<Box<dyn DynResource>> {
    let mut all: Vec<Box<dyn DynResource>> = vec![
        Box::new(ecs::cluster::Cluster),
        Box::new(ecs::task_definition::TaskDefinition),
        Box::new(ecs::service::Service),
    ];
    all.extend(lb::all());
    all.extend(ec2::all());
    all
}
