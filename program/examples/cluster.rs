//! Test program for the walking skeleton: one cluster from config, name and ARN exported.
//! Config (project namespace): `clusterName`, `tags` (map), `containerInsights`.

use std::collections::BTreeMap;
use std::process::ExitCode;

use pulumi_rs::fargate::ecs::{Cluster, ClusterArgs, ContainerInsights};
use pulumi_rs::{ResourceOptions, run};

fn main() -> ExitCode {
    run(|ctx| async move {
        let config = ctx.config();
        let cluster = Cluster::new(
            &ctx,
            "main",
            ClusterArgs {
                name: config.get_output::<String>("clusterName")?,
                tags: config.get_output::<BTreeMap<String, String>>("tags")?,
                container_insights: config.get_output::<ContainerInsights>("containerInsights")?,
                ..Default::default()
            },
            ResourceOptions::default(),
        );
        ctx.export("clusterName", &cluster.name);
        ctx.export("clusterArn", &cluster.arn);
        Ok(())
    })
}
