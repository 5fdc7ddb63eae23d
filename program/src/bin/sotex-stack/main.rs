//! The Sotex-box backend stack: replaces the team's `Program.cs`.
//!
//! The API runs as a Fargate service behind an internet-facing Application Load Balancer:
//! network (from config, else `getNetwork`), least-privilege security groups (the ALB open on its
//! listener ports to `allowedCidrs`; the tasks open only to the ALB, on the container port), the
//! ALB, a target group with the API's health check, an HTTP listener (redirecting to HTTPS when
//! a certificate is configured), the HTTPS listener, the cluster, the task definition and the
//! service, which waits for its rollout to reach steady state.

mod settings;

use std::collections::BTreeMap;
use std::process::ExitCode;

use pulumi_rs::fargate::ec2::{
    GetNetworkArgs, GetNetworkResult, RuleProtocol, SecurityGroup, SecurityGroupArgs,
    SecurityGroupRule, get_network,
};
use pulumi_rs::fargate::ecs::{
    AwsLogs, Cluster, ClusterArgs, ContainerDefinition, DeploymentSettings,
    LoadBalancer as ServiceLoadBalancer, LogConfiguration, NetworkConfiguration, PortMapping,
    Service, ServiceArgs, TaskDefinition, TaskDefinitionArgs,
};
use pulumi_rs::fargate::lb::{
    DefaultAction, Forward, HttpProtocol, Listener, ListenerArgs, LoadBalancer, LoadBalancerArgs,
    Redirect, RedirectStatus, TargetGroup, TargetGroupArgs, TargetGroupHealthCheck,
};
use pulumi_rs::{CustomTimeouts, Output, ResourceOptions, run};

use settings::Settings;

const CONTAINER: &str = "api";

fn main() -> ExitCode {
    // `scripts/gen-schema` writes schema/stack-config.schema.json from the settings types.
    if std::env::args().nth(1).as_deref() == Some("--print-config-schema") {
        print!("{}", settings::stack_file_schema_text());
        return ExitCode::SUCCESS;
    }
    run(|ctx| async move {
        let s = Settings::read(ctx.config(), ctx.stack())?;
        let mut tags = s.tags.clone();
        tags.entry("app".into())
            .or_insert_with(|| "sotex-box-backend".into());
        tags.entry("stack".into())
            .or_insert_with(|| ctx.stack().to_string());
        let tags = Output::new(tags);

        // Network: configured ids win. getNetwork fills in the rest (and the VPC's CIDR, which
        // the ALB's egress rule needs); a fully pinned network (vpcId, vpcCidr and
        // publicSubnetIds) needs no lookup, so a no-change preview makes no AWS call at all.
        let (vpc_id, vpc_cidr, public_subnets) =
            match (&s.vpc_id, &s.vpc_cidr, &s.public_subnet_ids) {
                (Some(vpc), Some(cidr), Some(subnets)) => (
                    Output::new(vpc.clone()),
                    Output::new(cidr.clone()),
                    Output::new(subnets.clone()),
                ),
                _ => {
                    let network = get_network(
                        &ctx,
                        GetNetworkArgs {
                            vpc_id: s.vpc_id.clone().map(Output::new),
                            ..Default::default()
                        },
                    );
                    let public_subnets = match &s.public_subnet_ids {
                        Some(ids) => Output::new(ids.clone()),
                        None => network.map(|n| one_subnet_per_zone(&n, 2)),
                    };
                    let vpc_cidr = match &s.vpc_cidr {
                        Some(cidr) => Output::new(cidr.clone()),
                        None => network.map(|n| n.cidr_block),
                    };
                    (network.map(|n| n.vpc_id), vpc_cidr, public_subnets)
                }
            };
        let task_subnets = match &s.private_subnet_ids {
            Some(ids) => Output::new(ids.clone()),
            None => public_subnets.clone(),
        };

        let https = s.certificate_arn.is_some();
        let mut listener_ports = vec![80];
        if https {
            listener_ports.push(443);
        }
        let port = s.container_port;
        let allowed = s.allowed_cidrs.clone();
        let alb_group = SecurityGroup::new(
            &ctx,
            "alb",
            SecurityGroupArgs {
                vpc_id: Some(vpc_id.clone()),
                description: Some("Sotex-box API load balancer: listener ports only".into()),
                ingress: Some(Output::new(
                    listener_ports
                        .iter()
                        .map(|p| tcp_rule(*p, Some(allowed.clone()), None, "clients"))
                        .collect(),
                )),
                // Only towards the tasks' port inside the VPC.
                egress: Some(vpc_cidr.map(move |cidr| {
                    vec![tcp_rule(port, Some(vec![cidr]), None, "to the API tasks")]
                })),
                tags: Some(tags.clone()),
                ..Default::default()
            },
            ResourceOptions::default(),
        );
        let service_group = SecurityGroup::new(
            &ctx,
            "service",
            SecurityGroupArgs {
                vpc_id: Some(vpc_id.clone()),
                description: Some("Sotex-box API tasks: the container port from the ALB".into()),
                ingress: Some(
                    alb_group
                        .id()
                        .map(move |alb| vec![tcp_rule(port, None, Some(alb), "from the ALB")]),
                ),
                // Image pulls, logs and secrets go to AWS APIs over HTTPS.
                egress: Some(Output::new(vec![tcp_rule(
                    443,
                    Some(vec!["0.0.0.0/0".into()]),
                    None,
                    "AWS APIs over HTTPS",
                )])),
                tags: Some(tags.clone()),
                ..Default::default()
            },
            ResourceOptions::default(),
        );

        let alb = LoadBalancer::new(
            &ctx,
            "api",
            LoadBalancerArgs {
                subnets: Some(public_subnets),
                security_groups: Some(alb_group.id().map(|id| vec![id])),
                idle_timeout_seconds: Some(Output::new(s.idle_timeout_seconds)),
                deletion_protection: Some(Output::new(s.deletion_protection)),
                tags: Some(tags.clone()),
                ..Default::default()
            },
            ResourceOptions::default(),
        );
        let target_group = TargetGroup::new(
            &ctx,
            "api",
            TargetGroupArgs {
                vpc_id: Some(vpc_id.clone()),
                port: Some(Output::new(port)),
                protocol: Some(Output::new(HttpProtocol::Http)),
                health_check: Some(Output::new(TargetGroupHealthCheck {
                    path: Some(s.health_check_path.clone()),
                    matcher: Some("200-299".into()),
                    ..Default::default()
                })),
                deregistration_delay_seconds: Some(Output::new(30)),
                tags: Some(tags.clone()),
                ..Default::default()
            },
            ResourceOptions::default(),
        );
        let forward = target_group.arn.map(|arn| DefaultAction {
            forward: Some(Forward {
                target_group_arn: arn,
            }),
            ..Default::default()
        });

        let http_listener = Listener::new(
            &ctx,
            "http",
            ListenerArgs {
                load_balancer_arn: Some(alb.arn.clone()),
                port: Some(Output::new(80)),
                protocol: Some(Output::new(HttpProtocol::Http)),
                default_action: Some(if https {
                    Output::new(DefaultAction {
                        redirect: Some(Redirect {
                            protocol: Some(HttpProtocol::Https),
                            port: Some(443),
                            status_code: RedirectStatus::Http301,
                            ..Default::default()
                        }),
                        ..Default::default()
                    })
                } else {
                    forward.clone()
                }),
                tags: Some(tags.clone()),
                ..Default::default()
            },
            ResourceOptions::default(),
        );
        let mut listeners = vec![http_listener.urn()];
        if let Some(certificate_arn) = &s.certificate_arn {
            let https_listener = Listener::new(
                &ctx,
                "https",
                ListenerArgs {
                    load_balancer_arn: Some(alb.arn.clone()),
                    port: Some(Output::new(443)),
                    protocol: Some(Output::new(HttpProtocol::Https)),
                    certificate_arn: Some(Output::new(certificate_arn.clone())),
                    ssl_policy: Some(Output::new(s.ssl_policy.clone())),
                    default_action: Some(forward),
                    tags: Some(tags.clone()),
                },
                ResourceOptions::default(),
            );
            listeners.push(https_listener.urn());
        }

        let cluster = Cluster::new(
            &ctx,
            "backend",
            ClusterArgs {
                container_insights: s.container_insights.map(Output::new),
                tags: Some(tags.clone()),
                ..Default::default()
            },
            ResourceOptions::default(),
        );

        let container = {
            let image = s.image();
            let secrets = s.secrets.clone();
            let log_group = s.log_group.clone();
            s.environment.map(move |environment| {
                vec![ContainerDefinition {
                    name: CONTAINER.into(),
                    image: image.clone(),
                    essential: Some(true),
                    port_mappings: Some(vec![PortMapping {
                        container_port: port,
                        ..Default::default()
                    }]),
                    environment: (!environment.is_empty()).then_some(environment),
                    secrets: (!secrets.is_empty()).then(|| secrets.clone()),
                    log_configuration: Some(LogConfiguration {
                        awslogs: AwsLogs {
                            group: log_group.clone(),
                            stream_prefix: CONTAINER.into(),
                            create_group: Some(true),
                            region: None,
                        },
                    }),
                    ..Default::default()
                }]
            })
        };
        let task_definition = TaskDefinition::new(
            &ctx,
            "api",
            TaskDefinitionArgs {
                containers: Some(container),
                cpu: Some(Output::new(s.cpu)),
                memory: Some(Output::new(s.memory)),
                execution_role_arn: s.execution_role_arn.clone().map(Output::new),
                task_role_arn: s.task_role_arn.clone().map(Output::new),
                keep_revisions: Some(Output::new(5)),
                tags: Some(tags.clone()),
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
                desired_count: Some(Output::new(s.desired_count)),
                desired_count_managed_by_autoscaler: Some(Output::new(
                    s.desired_count_managed_by_autoscaler,
                )),
                network: Some(task_subnets.zip(&service_group.id()).map({
                    let assign_public_ip = s.assign_public_ip;
                    move |(subnets, group)| NetworkConfiguration {
                        subnets,
                        security_groups: vec![group],
                        assign_public_ip: Some(assign_public_ip),
                    }
                })),
                load_balancers: Some(target_group.arn.map(move |arn| {
                    vec![ServiceLoadBalancer {
                        container_name: CONTAINER.into(),
                        container_port: port,
                        target_group_arn: arn,
                    }]
                })),
                health_check_grace_period_seconds: Some(Output::new(30)),
                deployment: Some(Output::new(DeploymentSettings {
                    minimum_healthy_percent: Some(s.minimum_healthy_percent),
                    maximum_percent: Some(s.maximum_percent),
                    circuit_breaker: Some(true),
                    rollback: Some(true),
                    ..Default::default()
                })),
                wait_for_steady_state: Some(Output::new(true)),
                tags: Some(tags.clone()),
                ..Default::default()
            },
            ResourceOptions {
                // ECS refuses a target group that no listener routes to yet.
                depends_on: listeners,
                custom_timeouts: Some(CustomTimeouts {
                    create: Some(s.rollout_timeout.clone()),
                    update: Some(s.rollout_timeout.clone()),
                    delete: None,
                }),
                ..Default::default()
            },
        );

        let scheme = if https { "https" } else { "http" };
        let dns_name = alb.dns_name.map(|d| d.unwrap_or_default());
        ctx.export("url", &dns_name.map(move |d| format!("{scheme}://{d}")));
        ctx.export("albDnsName", &dns_name);
        ctx.export("albZoneId", &alb.canonical_hosted_zone_id);
        ctx.export("clusterName", &cluster.name);
        ctx.export("serviceName", &service.name);
        ctx.export("taskDefinitionArn", &task_definition.arn);
        ctx.export("taskDefinitionRevision", &task_definition.revision);
        ctx.export("image", &Output::new(s.image()));
        Ok(())
    })
}

fn tcp_rule(
    port: i64,
    cidrs: Option<Vec<String>>,
    group: Option<String>,
    description: &str,
) -> SecurityGroupRule {
    SecurityGroupRule {
        protocol: RuleProtocol::Tcp,
        from_port: Some(port),
        to_port: Some(port),
        cidr_blocks: cidrs,
        source_security_group_id: group,
        description: Some(description.to_string()),
        ..Default::default()
    }
}

/// The first `count` subnets in distinct availability zones, public ones first (an
/// internet-facing ALB needs them).
fn one_subnet_per_zone(network: &GetNetworkResult, count: usize) -> Vec<String> {
    let mut subnets = network.subnets.clone();
    subnets.sort_by_key(|s| (!s.map_public_ip_on_launch, s.availability_zone.clone()));
    let mut zones: BTreeMap<String, String> = BTreeMap::new();
    let mut picked = Vec::new();
    for s in subnets {
        if picked.len() == count {
            break;
        }
        if !zones.contains_key(&s.availability_zone) {
            zones.insert(s.availability_zone.clone(), s.id.clone());
            picked.push(s.id);
        }
    }
    picked
}
