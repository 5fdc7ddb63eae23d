//! `sotex:backend:WebService`: one service of the backend as a component resource. It holds
//! what each service has of its own: the task and execution roles, the log group, the target
//! group (behind the load balancer), the task definition, the ECS service and its autoscaling.
//! The stack declares what the services share (network, security groups, cluster, load
//! balancer and listeners, secret parameters, image repository) and one instance per service:
//! the API, and each of `workers` (no load balancer).
//!
//! The API's resources sat directly under the stack before this component existed; with
//! `moved_from_stack` each child carries `Alias::no_parent()`, so a deployed stack upgrades in
//! place: the same names under a new parent are the same resources, nothing is replaced.

mod logs;
pub mod roles;
mod scaling;
mod task;

use std::collections::BTreeMap;

use pulumi_rs::fargate::appautoscaling::ServiceScaling;
use pulumi_rs::fargate::ecs::{Cluster, Service, TaskDefinition};
use pulumi_rs::fargate::lb::{HttpProtocol, TargetGroup, TargetGroupArgs, TargetGroupHealthCheck};
use pulumi_rs::fargate::logs::LogGroup;
use pulumi_rs::{Alias, ComponentResource, Context, Error, Output, ResourceOptions};

use crate::secrets::Secrets;
use crate::settings::{Autoscaling, Settings};
pub use roles::Roles;

/// The component's type token.
pub const TYPE: &str = "sotex:backend:WebService";

/// What every service of the stack shares.
pub struct Shared<'a> {
    /// The stack-wide settings: rollout, roles, exec, capacity providers, platform.
    pub settings: &'a Settings,
    pub cluster: &'a Cluster,
    pub task_subnets: Output<Vec<String>>,
    pub security_group_id: Output<String>,
    /// The image repository's URL (the tag is `settings.image_tag`).
    pub repository_url: Output<String>,
    pub secrets: &'a Secrets,
    pub tags: &'a Output<BTreeMap<String, String>>,
}

/// What differs between the API and a worker.
pub struct ServiceSpec<'a> {
    /// How descriptions name the service, e.g. `API`.
    pub label: String,
    /// The container's command; the image's own when `None`.
    pub command: Option<Vec<String>>,
    pub cpu: i64,
    pub memory: i64,
    pub desired_count: i64,
    pub desired_count_managed_by_autoscaler: bool,
    pub autoscaling: Option<Autoscaling>,
    /// The CloudWatch Logs group's name.
    pub log_group: String,
    /// Behind the load balancer (the API); `None` for a worker.
    pub load_balancer: Option<Attachment<'a>>,
    /// The service's resources were declared directly under the stack before (the API).
    pub moved_from_stack: bool,
}

/// Declares the listeners routing to a target group; their URNs.
pub type DeclareListeners<'a> = Box<dyn FnOnce(&TargetGroup) -> Vec<Output<String>> + 'a>;

/// A service behind the shared load balancer.
pub struct Attachment<'a> {
    pub alb_arn: Output<String>,
    pub vpc_id: Output<String>,
    pub container_port: i64,
    pub health_check_path: String,
    /// Declares the shared listeners that route to the service's target group; returns their
    /// URNs, which the service waits for (ECS refuses a target group no listener routes to).
    pub listeners: DeclareListeners<'a>,
}

/// A declared service: what the stack's outputs name (its other children stay inside).
pub struct WebService {
    pub log_group: LogGroup,
    pub task_definition: TaskDefinition,
    pub service: Service,
    pub scaling: Option<ServiceScaling>,
}

/// Options of the component's children.
struct Children<'a> {
    component: &'a ComponentResource,
    moved_from_stack: bool,
}

impl Children<'_> {
    fn options(&self) -> ResourceOptions {
        ResourceOptions {
            aliases: if self.moved_from_stack {
                vec![Alias::no_parent()]
            } else {
                Vec::new()
            },
            ..self.component.child_options()
        }
    }
}

impl WebService {
    /// Declares the service `name` (its children are named after it: `api`, `api-execution`,
    /// …); `name` is also its container's name and log stream prefix.
    pub fn new(
        ctx: &Context,
        name: &str,
        shared: &Shared<'_>,
        mut spec: ServiceSpec<'_>,
    ) -> Result<Self, Error> {
        let component = ComponentResource::new(ctx, TYPE, name, ResourceOptions::default())?;
        let children = Children {
            component: &component,
            moved_from_stack: spec.moved_from_stack,
        };
        let roles = roles::roles(ctx, &children, shared, &spec.label);
        let log_group = logs::log_group(
            ctx,
            name,
            &children,
            &spec.log_group,
            shared.settings.log_retention_days,
            shared.tags,
        );
        let mut routing = None;
        let mut scaled_requests = None;
        if let Some(attachment) = spec.load_balancer.take() {
            let group = declare_target_group(ctx, name, &children, &attachment, shared.tags);
            routing = Some(task::Routing {
                target_group_arn: group.arn.clone(),
                container_port: attachment.container_port,
                listeners: (attachment.listeners)(&group),
            });
            scaled_requests = Some((attachment.alb_arn, group.arn.clone()));
        }
        let (task_definition, service) = task::declare(
            ctx,
            name,
            &children,
            shared,
            &spec,
            task::Dependencies {
                roles: &roles,
                log_group_name: log_group.name.map(|n| n.unwrap_or_default()),
                routing,
            },
        );
        let scaling = spec.autoscaling.as_ref().map(|a| {
            scaling::scaling(
                ctx,
                name,
                &children,
                a,
                shared.cluster,
                &service,
                scaled_requests,
            )
        });
        component.register_outputs([
            ("serviceName", service.name.to_json()),
            ("taskDefinitionArn", task_definition.arn.to_json()),
            ("logGroupName", log_group.name.to_json()),
            ("executionRoleArn", roles.execution_role_arn.to_json()),
            ("taskRoleArn", roles.task_role_arn.to_json()),
        ]);
        Ok(Self {
            log_group,
            task_definition,
            service,
            scaling,
        })
    }
}

/// The service's target group, with its health check, in the shared load balancer's VPC.
fn declare_target_group(
    ctx: &Context,
    name: &str,
    children: &Children<'_>,
    attachment: &Attachment<'_>,
    tags: &Output<BTreeMap<String, String>>,
) -> TargetGroup {
    TargetGroup::new(
        ctx,
        name,
        TargetGroupArgs {
            vpc_id: Some(attachment.vpc_id.clone()),
            port: Some(Output::new(attachment.container_port)),
            protocol: Some(Output::new(HttpProtocol::Http)),
            health_check: Some(Output::new(TargetGroupHealthCheck {
                path: Some(attachment.health_check_path.clone()),
                matcher: Some("200-299".into()),
                ..Default::default()
            })),
            deregistration_delay_seconds: Some(Output::new(30)),
            tags: Some(tags.clone()),
            ..Default::default()
        },
        children.options(),
    )
}
