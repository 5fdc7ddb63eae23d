//! `fargate:appautoscaling:ServiceScaling` — Application Auto Scaling of an ECS service's
//! desired count: the scalable target (`service/<cluster>/<service>`, bounds min..max) and one
//! target-tracking policy per metric (average CPU, average memory, ALB requests per target).

mod convert;
#[cfg(test)]
mod tests;
mod validation;

use std::collections::BTreeMap;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::aws::appautoscaling as scaling_api;
use crate::context::Ctx;
use crate::error::{CheckFailure, ProviderError, Result};
use crate::resource::{CheckContext, Diff, DiffInput, Resource, diff_inputs, init_failed};
use crate::validate;
pub(crate) use convert::*;
use validation::*;

pub struct ServiceScaling;

/// Scales an ECS service's desired count between `minCount` and `maxCount` with
/// target-tracking policies. The service must set `desiredCountManagedByAutoscaler: true`, so
/// its `desiredCount` is the initial count only and an `up` never resets what the scaler chose.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "ServiceScalingArgs")]
pub struct ServiceScalingInputs {
    /// Name of the ECS cluster the service runs in (a cluster ARN is accepted and stored as
    /// its name). Changing it replaces the scaling.
    pub cluster_name: String,
    /// Name of the ECS service to scale. Changing it replaces the scaling.
    pub service_name: String,
    /// Fewest tasks the scaler keeps running, 0 to 5000. Changes apply in place.
    #[schemars(range(min = 0, max = 5000), title = "the minimum count")]
    pub min_count: u32,
    /// Most tasks the scaler starts, at least `minCount` and at most 5000 (ECS's tasks per
    /// service). Changes apply in place.
    #[schemars(range(min = 0, max = 5000), title = "the maximum count")]
    pub max_count: u32,
    /// Keep the service's average CPU utilisation near this percentage (1 to 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 100), title = "the CPU target (percent)")]
    pub cpu_target: Option<u32>,
    /// Keep the service's average memory utilisation near this percentage (1 to 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 100), title = "the memory target (percent)")]
    pub memory_target: Option<u32>,
    /// Keep the ALB requests per task (per target, per minute) near this number (at least 1).
    /// Needs `loadBalancerArn` and `targetGroupArn`; the target group must be attached to the
    /// load balancer (by a listener rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1), title = "the requests per target")]
    pub requests_per_target: Option<u32>,
    /// ARN of the application load balancer in front of the service (for `requestsPerTarget`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer_arn: Option<String>,
    /// ARN of the target group the service's tasks are registered in (for
    /// `requestsPerTarget`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_group_arn: Option<String>,
    /// Seconds after a scale-in before another scale-in may start (AWS's default for ECS is
    /// 300), 0 to 86400. Applies to every policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 86400), title = "the scale-in cooldown (seconds)")]
    pub scale_in_cooldown_seconds: Option<u32>,
    /// Seconds after a scale-out before another scale-out may start (AWS's default for ECS is
    /// 300), 0 to 86400. Applies to every policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        range(min = 0, max = 86400),
        title = "the scale-out cooldown (seconds)"
    )]
    pub scale_out_cooldown_seconds: Option<u32>,
    /// Only ever scale out (the policies never remove tasks). Default false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_scale_in: Option<bool>,
}

/// The scaling as it exists in AWS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "ServiceScalingState")]
pub struct ServiceScalingOutputs {
    #[serde(flatten)]
    pub inputs: ServiceScalingInputs,
    /// The scalable target's resource id, `service/<clusterName>/<serviceName>`; also the
    /// resource's id (the id to `pulumi import`).
    pub resource_id: String,
    /// ARN of each target-tracking policy, by predefined metric
    /// (`ECSServiceAverageCPUUtilization`, `ECSServiceAverageMemoryUtilization`,
    /// `ALBRequestCountPerTarget`).
    #[serde(default)]
    pub policy_arns: BTreeMap<String, String>,
}

#[async_trait]
impl Resource for ServiceScaling {
    const TOKEN: &'static str = "fargate:appautoscaling:ServiceScaling";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["clusterName", "serviceName"];
    type Inputs = ServiceScalingInputs;
    type Outputs = ServiceScalingOutputs;

    fn check(
        &self,
        news: ServiceScalingInputs,
        _olds: Option<&ServiceScalingInputs>,
        _ctx: &CheckContext<'_>,
    ) -> Result<ServiceScalingInputs, Vec<CheckFailure>> {
        let news = normalise(news);
        let mut failures = Vec::new();
        validate_scaling(&news, &mut failures);
        if failures.is_empty() {
            Ok(news)
        } else {
            Err(failures)
        }
    }

    fn diff(&self, input: &DiffInput<'_>) -> Diff {
        let mut diff = diff_inputs(input.old_inputs, input.news, Self::REPLACE_ON_CHANGES);
        // One service has one scalable target: the old one goes before the new one is
        // registered, so a forced replacement of the same service does not find it taken.
        diff.delete_before_replace = diff.is_replace();
        diff
    }

    async fn create(
        &self,
        ctx: &Ctx,
        inputs: &ServiceScalingInputs,
    ) -> Result<(String, ServiceScalingOutputs)> {
        let client = ctx.aws.autoscaling().await?;
        let resource_id = scaling_api::ecs_resource_id(&inputs.cluster_name, &inputs.service_name);
        // Registering is also how a target's bounds change: without this look, a create
        // would silently take over a target that another stack (or the console) manages.
        if scaling_api::find_target(client, &resource_id)
            .await?
            .is_some()
        {
            return Err(ProviderError::internal(format!(
                "service {resource_id} already has a scalable target (made outside this stack or by another resource); adopt it with `pulumi import {} <resource name> {resource_id}`, or deregister it first",
                Self::TOKEN
            )));
        }
        scaling_api::register_target(
            client,
            &resource_id,
            inputs.min_count,
            inputs.max_count,
            &ctx.cancel,
        )
        .await
        .map_err(|e| with_service_hint(e, &resource_id))?;
        ctx.log
            .status(format!(
                "registered scalable target {resource_id} ({}..{} tasks)",
                inputs.min_count, inputs.max_count
            ))
            .await;
        // What exists so far: the target, no policy yet. A failure below reports this, so the
        // next `up` adds the missing policies to this target.
        let mut outputs = ServiceScalingOutputs {
            inputs: without_policies(inputs),
            resource_id: resource_id.clone(),
            policy_arns: BTreeMap::new(),
        };
        if let Err(e) = apply_policies(ctx, client, &mut outputs, inputs).await {
            return Err(init_failed(
                &resource_id,
                &outputs,
                vec![format!(
                    "scalable target {resource_id} was registered but its policies are not all in place: {e}"
                )],
            ));
        }
        Ok((resource_id, outputs))
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: Option<(&ServiceScalingInputs, &ServiceScalingOutputs)>,
    ) -> Result<Option<(ServiceScalingInputs, ServiceScalingOutputs)>> {
        if scaling_api::parse_ecs_resource_id(id).is_none() {
            return Err(ProviderError::internal(format!(
                "`{id}` is not the id of an ECS service's scalable target: use `service/<cluster name>/<service name>`"
            )));
        }
        let client = ctx.aws.autoscaling().await?;
        let Some(target) = scaling_api::find_target(client, id).await? else {
            return Ok(None);
        };
        let policies = scaling_api::policies(client, id).await?;
        let (inputs, policy_arns) = inputs_from_aws(&target, &policies, olds.map(|(i, _)| i))?;
        let outputs = ServiceScalingOutputs {
            inputs: inputs.clone(),
            resource_id: id.to_string(),
            policy_arns,
        };
        Ok(Some((inputs, outputs)))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: &ServiceScalingOutputs,
        news: &ServiceScalingInputs,
    ) -> Result<ServiceScalingOutputs> {
        let client = ctx.aws.autoscaling().await?;
        let mut outputs = olds.clone();
        if (news.min_count, news.max_count) != (olds.inputs.min_count, olds.inputs.max_count) {
            scaling_api::register_target(client, id, news.min_count, news.max_count, &ctx.cancel)
                .await?;
            ctx.log
                .status(format!(
                    "scalable target {id} now {}..{} tasks",
                    news.min_count, news.max_count
                ))
                .await;
            outputs.inputs.min_count = news.min_count;
            outputs.inputs.max_count = news.max_count;
        }
        apply_policies(ctx, client, &mut outputs, news).await?;
        outputs.inputs = news.clone();
        Ok(outputs)
    }

    async fn delete(&self, ctx: &Ctx, id: &str, olds: &ServiceScalingOutputs) -> Result<()> {
        let client = ctx.aws.autoscaling().await?;
        // Policies first (their alarms go with them), then the target; gone counts as done.
        for metric in Metric::ALL {
            let name = policy_name(metric, &olds.policy_arns);
            if olds.policy_arns.contains_key(metric.aws_name()) {
                scaling_api::delete_policy(client, id, &name, &ctx.cancel).await?;
            }
        }
        scaling_api::deregister_target(client, id, &ctx.cancel).await
    }
}

/// Brings the policies from those recorded in `current` to those `wanted` asks for: puts the
/// new and changed ones, deletes the ones no longer asked for, recording each step in
/// `current` (so a failure part way reports what is in place).
async fn apply_policies(
    ctx: &Ctx,
    client: &aws_sdk_applicationautoscaling::Client,
    current: &mut ServiceScalingOutputs,
    wanted: &ServiceScalingInputs,
) -> Result<()> {
    let id = current.resource_id.clone();
    // Cooldowns are shared by the policies: compare each against what was in place before any
    // of them changed.
    let before = current.inputs.clone();
    for metric in Metric::ALL {
        let have = policy_spec(&before, metric);
        let want = policy_spec(wanted, metric);
        let name = policy_name(metric, &current.policy_arns);
        let recorded = current.policy_arns.contains_key(metric.aws_name());
        match want {
            Some(spec) if have.as_ref() != Some(&spec) || !recorded => {
                let arn = scaling_api::put_target_tracking(client, &id, &name, &spec, &ctx.cancel)
                    .await?;
                ctx.log
                    .status(format!("target tracking on {}: {arn}", metric.aws_name()))
                    .await;
                current
                    .policy_arns
                    .insert(metric.aws_name().to_string(), arn);
                set_policy(&mut current.inputs, wanted, metric);
            }
            Some(_) => {}
            None if recorded || have.is_some() => {
                scaling_api::delete_policy(client, &id, &name, &ctx.cancel).await?;
                current.policy_arns.remove(metric.aws_name());
                clear_policy(&mut current.inputs, metric);
            }
            None => {}
        }
    }
    Ok(())
}

/// moto (and AWS) refuse a scalable target for a service that does not exist: say which.
fn with_service_hint(e: ProviderError, resource_id: &str) -> ProviderError {
    match e {
        ProviderError::Internal(m) if m.contains("ValidationException") => {
            ProviderError::Internal(format!(
                "{m} (is `{resource_id}` an existing ECS service? `clusterName` and `serviceName` must name it)"
            ))
        }
        other => other,
    }
}
