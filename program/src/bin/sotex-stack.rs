//! The Sotex-box backend stack: replaces the team's `Program.cs`.
//!
//! For now it declares the ECS cluster; the ALB, task definition and service follow.

use std::collections::BTreeMap;
use std::process::ExitCode;

use pulumi_rs::fargate::ecs::{Cluster, ClusterArgs, ContainerInsights};
use pulumi_rs::{Output, ResourceOptions, run};

fn main() -> ExitCode {
    run(|ctx| async move {
        let config = ctx.config();
        let mut tags: BTreeMap<String, String> = config.get("tags")?.unwrap_or_default();
        tags.entry("app".into())
            .or_insert_with(|| "sotex-box-backend".into());
        tags.entry("stack".into())
            .or_insert_with(|| ctx.stack().to_string());
        let cluster = Cluster::new(
            &ctx,
            "backend",
            ClusterArgs {
                name: config.get_output::<String>("clusterName")?,
                tags: Some(Output::new(tags)),
                container_insights: config.get_output::<ContainerInsights>("containerInsights")?,
            },
            ResourceOptions::default(),
        );
        ctx.export("clusterName", &cluster.name);
        ctx.export("clusterArn", &cluster.arn);
        Ok(())
    })
}
