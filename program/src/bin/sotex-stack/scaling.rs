//! Autoscaling of the service's task count (Application Auto Scaling target tracking), when
//! the stack file sets `maxCount`. The service then leaves its count to the scaler
//! (`desiredCountManagedByAutoscaler`): `desiredCount` is only the count it starts with.

use pulumi_rs::fargate::appautoscaling::{ServiceScaling, ServiceScalingArgs};
use pulumi_rs::{Context, Output, ResourceOptions};

use crate::lb::Routing;
use crate::service::App;
use crate::settings::Settings;

pub fn scaling(
    ctx: &Context,
    s: &Settings,
    routing: &Routing,
    app: &App,
) -> Option<ServiceScaling> {
    let a = s.autoscaling.as_ref()?;
    let on_requests = a.requests_per_target.is_some();
    Some(ServiceScaling::new(
        ctx,
        "api",
        ServiceScalingArgs {
            // Known once created (both are auto-named).
            cluster_name: Some(app.cluster.name.map(|n| n.unwrap_or_default())),
            service_name: Some(app.service.name.map(|n| n.unwrap_or_default())),
            min_count: Some(Output::new(a.min_count)),
            max_count: Some(Output::new(a.max_count)),
            cpu_target: a.cpu_target.map(Output::new),
            requests_per_target: a.requests_per_target.map(Output::new),
            // The ALB request metric is labelled by the load balancer and target group.
            load_balancer_arn: on_requests.then(|| routing.alb.arn.clone()),
            target_group_arn: on_requests.then(|| routing.target_group.arn.clone()),
            scale_in_cooldown_seconds: a.scale_in_cooldown_seconds.map(Output::new),
            scale_out_cooldown_seconds: a.scale_out_cooldown_seconds.map(Output::new),
            ..Default::default()
        },
        ResourceOptions::default(),
    ))
}
