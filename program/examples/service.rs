//! Test program for ECS: a cluster, a task definition and a Fargate service, from config.
//! Config (project namespace): `image`, `desiredCount`, `cpu`, `memory`, `subnets` and
//! `securityGroups` (lists), `createTimeout` (customTimeouts for create and update, e.g. "20s"),
//! `keepRevisions`, `secretEnv` (set with `--secret`: the container's `API_TOKEN`, which makes
//! the task definition's `containers` secret), `scaling` (a JSON object of
//! `fargate:appautoscaling:ServiceScaling` inputs other than the cluster and service names: the
//! service is then scaled by it and sets `desiredCountManagedByAutoscaler`), `spotWeight` (a cluster with both Fargate
//! capacity providers, one on-demand task as base, the rest this many Spot to one on-demand, for
//! the cluster's default strategy and the service's).

use std::process::ExitCode;

use pulumi_rs::fargate::appautoscaling::{ServiceScaling, ServiceScalingArgs};
use pulumi_rs::fargate::ecs::{
    CapacityProvider, CapacityProviderItem, Cluster, ClusterArgs, ContainerDefinition,
    NetworkConfiguration, PortMapping, Service, ServiceArgs, TaskDefinition, TaskDefinitionArgs,
};
use pulumi_rs::{CustomTimeouts, Output, ResourceOptions, run};
use serde_json::{Map, Value};

fn main() -> ExitCode {
    run(|ctx| async move {
        let config = ctx.config();
        let image: String = config.require("image")?;
        let desired: i64 = config.get("desiredCount")?.unwrap_or(1);
        let scaling: Option<Map<String, Value>> = config.get("scaling")?;
        let timeouts = config
            .get::<String>("createTimeout")?
            .map(|t| CustomTimeouts {
                create: Some(t.clone()),
                update: Some(t),
                delete: None,
            });

        let strategy = config.get::<i64>("spotWeight")?.map(spot_strategy);
        let cluster = Cluster::new(
            &ctx,
            "main",
            ClusterArgs {
                capacity_providers: strategy.as_ref().map(|_| {
                    Output::new(vec![
                        CapacityProvider::Fargate,
                        CapacityProvider::FargateSpot,
                    ])
                }),
                default_capacity_provider_strategy: strategy.clone().map(Output::new),
                ..Default::default()
            },
            ResourceOptions::default(),
        );
        let container = move |token: Option<String>| {
            let mut environment =
                std::collections::BTreeMap::from([("MODE".to_string(), "test".to_string())]);
            environment.extend(token.map(|t| ("API_TOKEN".to_string(), t)));
            vec![ContainerDefinition {
                name: "api".into(),
                image,
                port_mappings: Some(vec![PortMapping {
                    container_port: 8080,
                    ..Default::default()
                }]),
                environment: Some(environment),
                ..Default::default()
            }]
        };
        let containers = match config.get_output::<String>("secretEnv")? {
            Some(token) => token.map(move |t| container(Some(t))),
            None => Output::new(container(None)),
        };
        let task_definition = TaskDefinition::new(
            &ctx,
            "api",
            TaskDefinitionArgs {
                cpu: Some(Output::new(config.get("cpu")?.unwrap_or(256))),
                memory: Some(Output::new(config.get("memory")?.unwrap_or(512))),
                keep_revisions: config.get_output("keepRevisions")?,
                containers: Some(containers),
                ..Default::default()
            },
            ResourceOptions::default(),
        );
        let service = Service::new(
            &ctx,
            "api",
            ServiceArgs {
                cluster: Some(cluster.arn.clone()),
                task_definition: Some(task_definition.arn.clone()),
                desired_count: Some(Output::new(desired)),
                desired_count_managed_by_autoscaler: scaling.is_some().then(|| Output::new(true)),
                network: Some(Output::new(NetworkConfiguration {
                    subnets: config.require("subnets")?,
                    security_groups: config.require("securityGroups")?,
                    assign_public_ip: None,
                })),
                capacity_provider_strategy: strategy.map(Output::new),
                ..Default::default()
            },
            ResourceOptions {
                custom_timeouts: timeouts,
                ..Default::default()
            },
        );
        ctx.export("clusterArn", &cluster.arn);
        ctx.export("taskDefinitionArn", &task_definition.arn);
        ctx.export("revision", &task_definition.revision);
        ctx.export("serviceArn", &service.arn);
        ctx.export("serviceName", &service.name);
        if let Some(scaling) = scaling {
            let int = |k: &str| scaling.get(k).and_then(Value::as_i64).map(Output::new);
            let text = |k: &str| {
                scaling
                    .get(k)
                    .and_then(Value::as_str)
                    .map(|s| Output::new(s.to_string()))
            };
            let scaler = ServiceScaling::new(
                &ctx,
                "api",
                ServiceScalingArgs {
                    cluster_name: Some(cluster.name.clone().map(Option::unwrap_or_default)),
                    service_name: Some(service.name.clone().map(Option::unwrap_or_default)),
                    min_count: int("minCount"),
                    max_count: int("maxCount"),
                    cpu_target: int("cpuTarget"),
                    memory_target: int("memoryTarget"),
                    requests_per_target: int("requestsPerTarget"),
                    load_balancer_arn: text("loadBalancerArn"),
                    target_group_arn: text("targetGroupArn"),
                    scale_in_cooldown_seconds: int("scaleInCooldownSeconds"),
                    scale_out_cooldown_seconds: int("scaleOutCooldownSeconds"),
                    disable_scale_in: scaling
                        .get("disableScaleIn")
                        .and_then(Value::as_bool)
                        .map(Output::new),
                },
                ResourceOptions::default(),
            );
            ctx.export("scalingResourceId", &scaler.resource_id);
            ctx.export("policyArns", &scaler.policy_arns);
        }
        Ok(())
    })
}

/// One on-demand task as base, then `spot` Spot tasks to each on-demand one.
fn spot_strategy(spot: i64) -> Vec<CapacityProviderItem> {
    vec![
        CapacityProviderItem {
            capacity_provider: CapacityProvider::Fargate,
            base: Some(1),
            weight: Some(1),
        },
        CapacityProviderItem {
            capacity_provider: CapacityProvider::FargateSpot,
            base: None,
            weight: Some(spot),
        },
    ]
}
