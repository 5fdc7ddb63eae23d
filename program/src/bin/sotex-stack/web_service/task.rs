//! The service's task definition and its Fargate service, which waits for its rollout to reach
//! steady state.

use pulumi_rs::fargate::ecs::{
    AwsLogs, ContainerDefinition, ContainerDefinitionArgs, DeploymentSettings,
    LoadBalancer as ServiceLoadBalancer, LogConfiguration, NetworkConfiguration, PortMapping,
    RuntimePlatform, Service, ServiceArgs, TaskDefinition, TaskDefinitionArgs,
};
use pulumi_rs::{Context, CustomTimeouts, Output, ResourceOptions, all};

use super::{Children, Roles, ServiceSpec, Shared};

/// Where a service behind the load balancer gets its traffic.
pub(super) struct Routing {
    pub target_group_arn: Output<String>,
    pub container_port: i64,
    /// URNs of the listeners that route to the target group.
    pub listeners: Vec<Output<String>>,
}

/// What the task definition and service take from the component's other children.
pub(super) struct Dependencies<'a> {
    pub roles: &'a Roles,
    pub log_group_name: Output<String>,
    pub routing: Option<Routing>,
}

pub(super) fn declare(
    ctx: &Context,
    name: &str,
    children: &Children<'_>,
    shared: &Shared<'_>,
    spec: &ServiceSpec<'_>,
    deps: Dependencies<'_>,
) -> (TaskDefinition, Service) {
    let task_definition = task_definition(ctx, name, children, shared, spec, &deps);
    let service = service(
        ctx,
        name,
        children,
        shared,
        spec,
        &task_definition,
        deps.routing,
    );
    (task_definition, service)
}

fn task_definition(
    ctx: &Context,
    name: &str,
    children: &Children<'_>,
    shared: &Shared<'_>,
    spec: &ServiceSpec<'_>,
    deps: &Dependencies<'_>,
) -> TaskDefinition {
    let s = shared.settings;
    TaskDefinition::new(
        ctx,
        name,
        TaskDefinitionArgs {
            containers: Some(containers(name, shared, spec, deps)),
            cpu: Some(Output::new(spec.cpu)),
            memory: Some(Output::new(spec.memory)),
            execution_role_arn: Some(deps.roles.execution_role_arn.clone()),
            task_role_arn: Some(deps.roles.task_role_arn.clone()),
            keep_revisions: Some(Output::new(5)),
            runtime_platform: s.aws.cpu_architecture.map(|cpu_architecture| {
                Output::new(RuntimePlatform {
                    cpu_architecture: Some(cpu_architecture),
                    ..Default::default()
                })
            }),
            tags: Some(shared.tags.clone()),
            ..Default::default()
        },
        children.options(),
    )
}

fn service(
    ctx: &Context,
    name: &str,
    children: &Children<'_>,
    shared: &Shared<'_>,
    spec: &ServiceSpec<'_>,
    task_definition: &TaskDefinition,
    routing: Option<Routing>,
) -> Service {
    let s = shared.settings;
    let container = name.to_string();
    let (load_balancers, health_check_grace_period_seconds, listeners) = match routing {
        Some(r) => {
            let port = r.container_port;
            let load_balancers = r.target_group_arn.map(move |arn| {
                vec![ServiceLoadBalancer {
                    container_name: container.clone(),
                    container_port: port,
                    target_group_arn: arn,
                }]
            });
            (Some(load_balancers), Some(Output::new(30)), r.listeners)
        }
        // ECS takes a grace period only for a service behind a load balancer.
        None => (None, None, Vec::new()),
    };
    Service::new(
        ctx,
        name,
        ServiceArgs {
            cluster: Some(shared.cluster.arn.clone()),
            task_definition: Some(task_definition.arn.clone()),
            desired_count: Some(Output::new(spec.desired_count)),
            desired_count_managed_by_autoscaler: Some(Output::new(
                spec.desired_count_managed_by_autoscaler,
            )),
            network: Some(shared.task_subnets.zip(&shared.security_group_id).map({
                let assign_public_ip = s.assign_public_ip;
                move |(subnets, group)| NetworkConfiguration {
                    subnets,
                    security_groups: vec![group],
                    assign_public_ip: Some(assign_public_ip),
                }
            })),
            load_balancers,
            health_check_grace_period_seconds,
            deployment: Some(Output::new(DeploymentSettings {
                minimum_healthy_percent: Some(s.minimum_healthy_percent),
                maximum_percent: Some(s.maximum_percent),
                circuit_breaker: Some(true),
                rollback: Some(true),
                ..Default::default()
            })),
            // A new secret value reaches the tasks only when they start.
            force_new_deployment: shared.secrets.force_new_deployment(),
            wait_for_steady_state: Some(Output::new(true)),
            capacity_provider_strategy: s.aws.capacity_provider_strategy.clone().map(Output::new),
            enable_execute_command: s.aws.enable_execute_command.then(|| Output::new(true)),
            tags: Some(shared.tags.clone()),
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
            ..children.options()
        },
    )
}

/// The service's one container, named after the service: its command, its port (behind the
/// load balancer), the plain environment, secrets by reference (SSM parameter ARNs, see
/// `secrets.rs`), and logs to the service's log group. Built field by field, so a secret field
/// would stay secret at that field only. (A field not known yet, a new parameter's ARN in the
/// first preview, leaves the whole container unknown until the parameter exists.)
fn containers(
    name: &str,
    shared: &Shared<'_>,
    spec: &ServiceSpec<'_>,
    deps: &Dependencies<'_>,
) -> Output<Vec<ContainerDefinition>> {
    let secrets = shared.secrets;
    let environment = secrets.environment.clone();
    let tag = shared.settings.image_tag.clone();
    let stream_prefix = name.to_string();
    let container = ContainerDefinitionArgs {
        name: Some(name.into()),
        image: Some(shared.repository_url.map(move |r| format!("{r}:{tag}"))),
        essential: Some(Output::new(true)),
        command: spec.command.clone().map(Output::new),
        port_mappings: deps.routing.as_ref().map(|r| {
            Output::new(vec![PortMapping {
                container_port: r.container_port,
                ..Default::default()
            }])
        }),
        environment: (!environment.is_empty()).then(|| Output::new(environment)),
        secrets: secrets.references.clone(),
        log_configuration: Some(deps.log_group_name.map(move |group| LogConfiguration {
            // The stack declares the group (with its retention): the driver creates none.
            awslogs: AwsLogs {
                group,
                stream_prefix: stream_prefix.clone(),
                create_group: None,
                region: None,
            },
        })),
        ..Default::default()
    };
    all(vec![container.build()])
}
