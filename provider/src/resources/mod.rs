//! Every resource type the provider serves, one file each, listed in one registry.

pub mod appautoscaling;
pub mod ec2;
pub mod ecr;
pub mod ecs;
pub mod iam;
pub mod lb;
pub mod logs;
pub mod ssm;

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
    all.extend(iam::all());
    all.extend(logs::all());
    all.extend(ecr::all());
    all.extend(appautoscaling::all());
    all.extend(ssm::all());
    all
}
