//! Test program for ECS: a cluster, a task definition and a Fargate service, from config.
//! Config (project namespace): `image`, `desiredCount`, `cpu`, `memory`, `subnets` and
//! `securityGroups` (lists),
//! `createTimeout` (e.g. "20s"), `keepRevisions`.

use std::process::ExitCode;

use pulumi_rs::fargate::ecs::{Cluster, ClusterArgs};
use pulumi_rs::runtime::Properties;
use pulumi_rs::{CustomTimeouts, Output, ResourceOptions, run};
use serde_json::json;

fn main() -> ExitCode {
    run(|ctx| async move {
        let config = ctx.config();
        let image: String = config.require("image")?;
        let desired: u32 = config.get("desiredCount")?.unwrap_or(1);
        let cpu: u32 = config.get("cpu")?.unwrap_or(256);
        let memory: u32 = config.get("memory")?.unwrap_or(512);
        let subnets: Vec<String> = config.require("subnets")?;
        let security_groups: Vec<String> = config.require("securityGroups")?;
        let timeouts = config
            .get::<String>("createTimeout")?
            .map(|t| CustomTimeouts {
                create: Some(t.clone()),
                update: Some(t),
                delete: None,
            });

        let cluster = Cluster::new(
            &ctx,
            "main",
            ClusterArgs::default(),
            ResourceOptions::default(),
        );

        let mut td_props = Properties::new()
            .set("cpu", Some(&Output::new(cpu)))
            .set("memory", Some(&Output::new(memory)))
            .set(
                "containers",
                Some(&Output::new(json!([{
                    "name": "api",
                    "image": image,
                    "portMappings": [{"containerPort": 8080}],
                    "environment": {"MODE": "test"},
                }]))),
            );
        if let Some(keep) = config.get::<u32>("keepRevisions")? {
            td_props = td_props.set("keepRevisions", Some(&Output::new(keep)));
        }
        let task_definition = ctx.register_resource(
            "fargate:ecs:TaskDefinition",
            "api",
            true,
            td_props.into_vec(),
            ResourceOptions::default(),
        );
        let td_arn: Output<String> = task_definition.output("arn");

        let service = ctx.register_resource(
            "fargate:ecs:Service",
            "api",
            true,
            Properties::new()
                .set("cluster", Some(&cluster.arn))
                .set("taskDefinition", Some(&td_arn))
                .set("desiredCount", Some(&Output::new(desired)))
                .set(
                    "network",
                    Some(&Output::new(
                        json!({"subnets": subnets, "securityGroups": security_groups}),
                    )),
                )
                .into_vec(),
            ResourceOptions {
                custom_timeouts: timeouts,
                ..Default::default()
            },
        );
        ctx.export("clusterArn", &cluster.arn);
        ctx.export("taskDefinitionArn", &td_arn);
        ctx.export("revision", &task_definition.output::<i64>("revision"));
        ctx.export("serviceArn", &service.output::<String>("arn"));
        ctx.export("serviceName", &service.output::<String>("name"));
        Ok(())
    })
}
