//! The ECS cluster every service of the stack runs in.

use std::collections::BTreeMap;

use pulumi_rs::fargate::ecs::{Cluster, ClusterArgs};
use pulumi_rs::{Context, Output, ResourceOptions};

use crate::settings::Settings;

pub fn cluster(ctx: &Context, s: &Settings, tags: &Output<BTreeMap<String, String>>) -> Cluster {
    Cluster::new(
        ctx,
        "backend",
        ClusterArgs {
            container_insights: s.container_insights.map(Output::new),
            capacity_providers: s.aws.cluster_capacity_providers.clone().map(Output::new),
            tags: Some(tags.clone()),
            ..Default::default()
        },
        ResourceOptions::default(),
    )
}
