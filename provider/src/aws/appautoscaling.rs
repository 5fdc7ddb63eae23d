//! Application Auto Scaling access for ECS services: the scalable target of a service's desired
//! count (finder, register, deregister) and its target-tracking policies (list, put, delete),
//! with "already gone" as an answer and the named retry for concurrent updates.

use std::time::Duration;

use aws_sdk_applicationautoscaling::Client;
use aws_sdk_applicationautoscaling::error::ProvideErrorMetadata;
use aws_sdk_applicationautoscaling::types::{
    MetricType, PolicyType, PredefinedMetricSpecification, ScalableDimension, ScalableTarget,
    ScalingPolicy, ServiceNamespace, TargetTrackingScalingPolicyConfiguration,
};
use aws_smithy_runtime_api::client::result::SdkError;
use tokio_util::sync::CancellationToken;

use super::retry::{RetryRule, retry};
use crate::error::{ProviderError, Result, aws_error_code};

/// AWS answers ObjectNotFoundException for a target or policy that does not exist; moto answers
/// ValidationException with these messages instead.
const NOT_FOUND: &str = "ObjectNotFoundException";
const MOTO_GONE_MESSAGES: &[&str] = &["No scalable target found", "No scaling policy found"];

/// "Concurrent updates caused an exception, for example, if you request an update to an
/// Application Auto Scaling resource that already has a pending update" (API reference of
/// RegisterScalableTarget / PutScalingPolicy / DeleteScalingPolicy): wait for the pending one.
const CONCURRENT_UPDATE: RetryRule = RetryRule {
    name: "another update of this scalable target is pending",
    budget: Duration::from_secs(60),
    interval: Duration::from_secs(3),
};

/// The resource id of an ECS service's scalable target.
pub fn ecs_resource_id(cluster: &str, service: &str) -> String {
    format!("service/{cluster}/{service}")
}

/// `(cluster, service)` of an ECS resource id `service/<cluster>/<service>`.
pub fn parse_ecs_resource_id(id: &str) -> Option<(&str, &str)> {
    let rest = id.strip_prefix("service/")?;
    let (cluster, service) = rest.split_once('/')?;
    (!cluster.is_empty() && !service.is_empty() && !service.contains('/'))
        .then_some((cluster, service))
}

fn is_gone<E: ProvideErrorMetadata>(err: &E) -> bool {
    err.code() == Some(NOT_FOUND)
        || (err.code() == Some("ValidationException")
            && err
                .message()
                .is_some_and(|m| MOTO_GONE_MESSAGES.iter().any(|g| m.starts_with(g))))
}

fn sdk_gone<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    err.as_service_error().is_some_and(is_gone)
}

fn concurrent<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    aws_error_code(err) == Some("ConcurrentUpdateException")
}

/// The scalable target of `resource_id`, or `None` when none is registered.
pub async fn find_target(client: &Client, resource_id: &str) -> Result<Option<ScalableTarget>> {
    let out = client
        .describe_scalable_targets()
        .service_namespace(ServiceNamespace::Ecs)
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .resource_ids(resource_id)
        .send()
        .await
        .map_err(|e| {
            ProviderError::from_aws("application-autoscaling:DescribeScalableTargets", &e, &[])
        })?;
    Ok(out
        .scalable_targets()
        .iter()
        .find(|t| t.resource_id() == resource_id)
        .cloned())
}

/// Registers the target, or changes its bounds when it exists (the same call does both).
pub async fn register_target(
    client: &Client,
    resource_id: &str,
    min: u32,
    max: u32,
    cancel: &CancellationToken,
) -> Result<()> {
    retry(
        &CONCURRENT_UPDATE,
        cancel,
        || {
            client
                .register_scalable_target()
                .service_namespace(ServiceNamespace::Ecs)
                .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
                .resource_id(resource_id)
                .min_capacity(min as i32)
                .max_capacity(max as i32)
                .send()
        },
        concurrent,
        |e| ProviderError::from_aws("application-autoscaling:RegisterScalableTarget", &e, &[]),
    )
    .await?;
    Ok(())
}

/// Deregisters the target (AWS deletes any policies left on it); one already gone is done.
pub async fn deregister_target(
    client: &Client,
    resource_id: &str,
    cancel: &CancellationToken,
) -> Result<()> {
    let sent = retry(
        &CONCURRENT_UPDATE,
        cancel,
        || {
            client
                .deregister_scalable_target()
                .service_namespace(ServiceNamespace::Ecs)
                .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
                .resource_id(resource_id)
                .send()
        },
        concurrent,
        |e| {
            if sdk_gone(&e) {
                ProviderError::NotFound(resource_id.to_string())
            } else {
                ProviderError::from_aws("application-autoscaling:DeregisterScalableTarget", &e, &[])
            }
        },
    )
    .await;
    match sent {
        Ok(_) | Err(ProviderError::NotFound(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Every scaling policy of `resource_id` (all pages; only this exact resource id).
pub async fn policies(client: &Client, resource_id: &str) -> Result<Vec<ScalingPolicy>> {
    let mut all = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = client
            .describe_scaling_policies()
            .service_namespace(ServiceNamespace::Ecs)
            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
            .resource_id(resource_id)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| {
                ProviderError::from_aws("application-autoscaling:DescribeScalingPolicies", &e, &[])
            })?;
        all.extend(
            out.scaling_policies()
                .iter()
                .filter(|p| p.resource_id() == resource_id)
                .cloned(),
        );
        match out.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => return Ok(all),
        }
    }
}

/// A target-tracking policy on a predefined metric, as the provider writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetTracking {
    pub metric: MetricType,
    /// `app/<lb>/<id>/targetgroup/<tg>/<id>` for ALBRequestCountPerTarget.
    pub resource_label: Option<String>,
    pub target_value: f64,
    pub scale_in_cooldown: Option<i32>,
    pub scale_out_cooldown: Option<i32>,
    pub disable_scale_in: Option<bool>,
}

fn configuration(spec: &TargetTracking) -> Result<TargetTrackingScalingPolicyConfiguration> {
    let metric = PredefinedMetricSpecification::builder()
        .predefined_metric_type(spec.metric.clone())
        .set_resource_label(spec.resource_label.clone())
        .build()
        .map_err(|e| ProviderError::internal(format!("predefined metric: {e}")))?;
    TargetTrackingScalingPolicyConfiguration::builder()
        .target_value(spec.target_value)
        .predefined_metric_specification(metric)
        .set_scale_in_cooldown(spec.scale_in_cooldown)
        .set_scale_out_cooldown(spec.scale_out_cooldown)
        .set_disable_scale_in(spec.disable_scale_in)
        .build()
        .map_err(|e| ProviderError::internal(format!("target tracking configuration: {e}")))
}

/// Creates or replaces the policy `name` of the target; its ARN.
pub async fn put_target_tracking(
    client: &Client,
    resource_id: &str,
    name: &str,
    spec: &TargetTracking,
    cancel: &CancellationToken,
) -> Result<String> {
    let config = configuration(spec)?;
    let out = retry(
        &CONCURRENT_UPDATE,
        cancel,
        || {
            client
                .put_scaling_policy()
                .policy_name(name)
                .service_namespace(ServiceNamespace::Ecs)
                .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
                .resource_id(resource_id)
                .policy_type(PolicyType::TargetTrackingScaling)
                .target_tracking_scaling_policy_configuration(config.clone())
                .send()
        },
        concurrent,
        |e| ProviderError::from_aws("application-autoscaling:PutScalingPolicy", &e, &[]),
    )
    .await?;
    Ok(out.policy_arn().to_string())
}

/// Deletes the policy `name` of the target; one already gone is done.
pub async fn delete_policy(
    client: &Client,
    resource_id: &str,
    name: &str,
    cancel: &CancellationToken,
) -> Result<()> {
    let sent = retry(
        &CONCURRENT_UPDATE,
        cancel,
        || {
            client
                .delete_scaling_policy()
                .policy_name(name)
                .service_namespace(ServiceNamespace::Ecs)
                .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
                .resource_id(resource_id)
                .send()
        },
        concurrent,
        |e| {
            if sdk_gone(&e) {
                ProviderError::NotFound(name.to_string())
            } else {
                ProviderError::from_aws("application-autoscaling:DeleteScalingPolicy", &e, &[])
            }
        },
    )
    .await;
    match sent {
        Ok(_) | Err(ProviderError::NotFound(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// The policy name at the end of a policy ARN
/// (`arn:aws:autoscaling:<region>:<account>:scalingPolicy:<uuid>:resource/ecs/service/<c>/<s>:policyName/<name>`).
pub fn policy_name_of_arn(arn: &str) -> Option<&str> {
    arn.rsplit_once(":policyName/").map(|(_, name)| name)
}

/// `(partition, region, account)` of an ARN.
pub fn arn_scope(arn: &str) -> Option<(&str, &str, &str)> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    (parts.len() == 6 && parts[0] == "arn").then(|| (parts[1], parts[3], parts[4]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_ids_and_policy_arns() {
        assert_eq!(ecs_resource_id("main", "api"), "service/main/api");
        assert_eq!(
            parse_ecs_resource_id("service/main/api"),
            Some(("main", "api"))
        );
        for bad in ["main/api", "service/main", "service//api", "service/a/b/c"] {
            assert_eq!(parse_ecs_resource_id(bad), None, "{bad}");
        }
        let arn = "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:0b1c:resource/ecs/service/main/api:policyName/cpu-target-tracking";
        assert_eq!(policy_name_of_arn(arn), Some("cpu-target-tracking"));
        assert_eq!(arn_scope(arn), Some(("aws", "us-east-1", "123456789012")));
    }
}
