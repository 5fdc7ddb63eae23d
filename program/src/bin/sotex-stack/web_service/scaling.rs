//! Autoscaling of the service's task count (Application Auto Scaling target tracking), when
//! the stack file sets `maxCount`. The service then leaves its count to the scaler
//! (`desiredCountManagedByAutoscaler`): `desiredCount` is only the count it starts with.

use pulumi_rs::fargate::appautoscaling::{ServiceScaling, ServiceScalingArgs};
use pulumi_rs::fargate::ecs::{Cluster, Service};
use pulumi_rs::{Context, Output};

use super::Children;
use crate::settings::Autoscaling;

/// `load_balancing`: the load balancer's and target group's ARNs, which label the ALB request
/// metric (`requestsPerTarget`).
pub(super) fn scaling(
    ctx: &Context,
    name: &str,
    children: &Children<'_>,
    a: &Autoscaling,
    cluster: &Cluster,
    service: &Service,
    load_balancing: Option<(Output<String>, Output<String>)>,
) -> ServiceScaling {
    let on_requests = a.requests_per_target.is_some();
    let (load_balancer_arn, target_group_arn) = match load_balancing {
        Some((alb, group)) if on_requests => (Some(alb), Some(group)),
        _ => (None, None),
    };
    ServiceScaling::new(
        ctx,
        name,
        ServiceScalingArgs {
            // Known once created (both are auto-named).
            cluster_name: Some(cluster.name.map(|n| n.unwrap_or_default())),
            service_name: Some(service.name.map(|n| n.unwrap_or_default())),
            min_count: Some(Output::new(a.min_count)),
            max_count: Some(Output::new(a.max_count)),
            cpu_target: a.cpu_target.map(Output::new),
            requests_per_target: a.requests_per_target.map(Output::new),
            load_balancer_arn,
            target_group_arn,
            scale_in_cooldown_seconds: a.scale_in_cooldown_seconds.map(Output::new),
            scale_out_cooldown_seconds: a.scale_out_cooldown_seconds.map(Output::new),
            ..Default::default()
        },
        children.options(),
    )
}
