//! The service: the ECS cluster, the API's task definition and the Fargate service behind the
//! target group, which waits for its rollout to reach steady state.

use std::collections::BTreeMap;

use pulumi_rs::fargate::ecs::{
    AwsLogs, Cluster, ClusterArgs, ContainerDefinition, ContainerDefinitionArgs,
    DeploymentSettings, LoadBalancer as ServiceLoadBalancer, LogConfiguration,
    NetworkConfiguration, PortMapping, RuntimePlatform, Service, ServiceArgs, TaskDefinition,
    TaskDefinitionArgs,
};
use pulumi_rs::{Context, CustomTimeouts, Output, ResourceOptions, all};

use crate::CONTAINER;
use crate::image::Image;
use crate::lb::Routing;
use crate::network::{Groups, Network};
use crate::roles::Roles;
use crate::secrets::Secrets;
use crate::settings::Settings;

/// What the task definition takes from the stack's other resources.
pub struct TaskInputs<'a> {
    pub roles: &'a Roles,
    pub log_group_name: Output<String>,
    pub image: &'a Image,
    pub secrets: &'a Secrets,
}

pub struct App {
    pub cluster: Cluster,
    pub task_definition: TaskDefinition,
    pub service: Service,
}

pub fn service(
    ctx: &Context,
    s: &Settings,
    net: &Network,
    groups: &Groups,
    routing: &Routing,
    task: TaskInputs<'_>,
    tags: &Output<BTreeMap<String, String>>,
) -> App {
    let cluster = Cluster::new(
        ctx,
        "backend",
        ClusterArgs {
            container_insights: s.container_insights.map(Output::new),
            capacity_providers: s.aws.cluster_capacity_providers.clone().map(Output::new),
            tags: Some(tags.clone()),
            ..Default::default()
        },
        ResourceOptions::default(),
    );
    let task_definition = TaskDefinition::new(
        ctx,
        "api",
        TaskDefinitionArgs {
            containers: Some(containers(s, &task)),
            cpu: Some(Output::new(s.cpu)),
            memory: Some(Output::new(s.memory)),
            execution_role_arn: Some(task.roles.execution_role_arn.clone()),
            task_role_arn: Some(task.roles.task_role_arn.clone()),
            keep_revisions: Some(Output::new(5)),
            runtime_platform: s.aws.cpu_architecture.map(|cpu_architecture| {
                Output::new(RuntimePlatform {
                    cpu_architecture: Some(cpu_architecture),
                    ..Default::default()
                })
            }),
            tags: Some(tags.clone()),
            ..Default::default()
        },
        ResourceOptions::default(),
    );
    let port = s.container_port;
    let service = Service::new(
        ctx,
        "api",
        ServiceArgs {
            cluster: Some(cluster.arn.clone()),
            task_definition: Some(task_definition.arn.clone()),
            desired_count: Some(Output::new(s.desired_count)),
            desired_count_managed_by_autoscaler: Some(Output::new(
                s.desired_count_managed_by_autoscaler,
            )),
            network: Some(net.task_subnets.zip(&groups.service.id()).map({
                let assign_public_ip = s.assign_public_ip;
                move |(subnets, group)| NetworkConfiguration {
                    subnets,
                    security_groups: vec![group],
                    assign_public_ip: Some(assign_public_ip),
                }
            })),
            load_balancers: Some(routing.target_group.arn.map(move |arn| {
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
            // A new secret value reaches the tasks only when they start.
            force_new_deployment: task.secrets.force_new_deployment(),
            wait_for_steady_state: Some(Output::new(true)),
            capacity_provider_strategy: s.aws.capacity_provider_strategy.clone().map(Output::new),
            enable_execute_command: s.aws.enable_execute_command.then(|| Output::new(true)),
            tags: Some(tags.clone()),
            ..Default::default()
        },
        ResourceOptions {
            // ECS refuses a target group that no listener routes to yet.
            depends_on: routing.listeners.clone(),
            custom_timeouts: Some(CustomTimeouts {
                create: Some(s.rollout_timeout.clone()),
                update: Some(s.rollout_timeout.clone()),
                delete: None,
            }),
            ..Default::default()
        },
    );
    App {
        cluster,
        task_definition,
        service,
    }
}

/// The API container: its port, the plain environment, secrets by reference (SSM parameter
/// ARNs, see `secrets.rs`), and logs to the stack's log group. Built field by field, so a secret field
/// would stay secret at that field only. (A field not known yet, a new parameter's ARN in the
/// first preview, leaves the whole container unknown until the parameter exists.)
fn containers(s: &Settings, task: &TaskInputs<'_>) -> Output<Vec<ContainerDefinition>> {
    let secrets = task.secrets;
    let environment = secrets.environment.clone();
    let tag = s.image_tag.clone();
    let container = ContainerDefinitionArgs {
        name: Some(CONTAINER.into()),
        image: Some(task.image.repository_url.map(move |r| format!("{r}:{tag}"))),
        essential: Some(Output::new(true)),
        port_mappings: Some(Output::new(vec![PortMapping {
            container_port: s.container_port,
            ..Default::default()
        }])),
        environment: (!environment.is_empty()).then(|| Output::new(environment)),
        secrets: secrets.references.clone(),
        log_configuration: Some(task.log_group_name.map(|group| LogConfiguration {
            // The stack declares the group (with its retention): the driver creates none.
            awslogs: AwsLogs {
                group,
                stream_prefix: CONTAINER.into(),
                create_group: None,
                region: None,
            },
        })),
        ..Default::default()
    };
    all(vec![container.build()])
}
