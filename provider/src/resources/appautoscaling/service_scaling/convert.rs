//! Inputs ⇄ Application Auto Scaling: the metrics, the policy each input asks for, the ALB
//! resource label built from the two ARNs, and the read-back of a target and its policies in
//! the program's spelling (so an unchanged scaling never diffs).

use aws_sdk_applicationautoscaling::types::{MetricType, ScalableTarget, ScalingPolicy};

use super::*;
use crate::aws::appautoscaling::{
    TargetTracking, arn_scope, parse_ecs_resource_id, policy_name_of_arn,
};

/// AWS's cooldown (seconds) for an ECS service's policy that sets none.
pub(crate) const DEFAULT_COOLDOWN: u32 = 300;

/// The predefined metrics the inputs can track, one policy each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Metric {
    Cpu,
    Memory,
    Requests,
}

impl Metric {
    pub(crate) const ALL: [Metric; 3] = [Metric::Cpu, Metric::Memory, Metric::Requests];

    /// AWS's name of the predefined metric (also the key in `policyArns`).
    pub(crate) fn aws_name(self) -> &'static str {
        match self {
            Metric::Cpu => "ECSServiceAverageCPUUtilization",
            Metric::Memory => "ECSServiceAverageMemoryUtilization",
            Metric::Requests => "ALBRequestCountPerTarget",
        }
    }

    fn aws_type(self) -> MetricType {
        MetricType::from(self.aws_name())
    }

    /// Name of the policy the provider creates for this metric.
    pub(crate) fn default_policy_name(self) -> &'static str {
        match self {
            Metric::Cpu => "cpu-target-tracking",
            Metric::Memory => "memory-target-tracking",
            Metric::Requests => "requests-target-tracking",
        }
    }

    pub(crate) fn target(self, i: &ServiceScalingInputs) -> Option<u32> {
        match self {
            Metric::Cpu => i.cpu_target,
            Metric::Memory => i.memory_target,
            Metric::Requests => i.requests_per_target,
        }
    }

    fn set_target(self, i: &mut ServiceScalingInputs, value: Option<u32>) {
        match self {
            Metric::Cpu => i.cpu_target = value,
            Metric::Memory => i.memory_target = value,
            Metric::Requests => i.requests_per_target = value,
        }
    }

    fn of_policy(policy: &ScalingPolicy) -> Option<Metric> {
        let config = policy.target_tracking_scaling_policy_configuration()?;
        let kind = config
            .predefined_metric_specification()?
            .predefined_metric_type();
        Metric::ALL.into_iter().find(|m| m.aws_type() == *kind)
    }
}

/// Cluster ARNs become names (the scalable target's id uses the name).
pub(crate) fn normalise(mut inputs: ServiceScalingInputs) -> ServiceScalingInputs {
    if inputs.cluster_name.starts_with("arn:")
        && let Some((_, name)) = inputs.cluster_name.split_once(":cluster/")
    {
        inputs.cluster_name = name.to_string();
    }
    inputs
}

/// The resource part of an ARN (after the fifth `:`).
fn arn_resource(arn: &str) -> Option<&str> {
    arn.splitn(6, ':').nth(5)
}

/// `app/<name>/<id>` of an application load balancer ARN.
pub(crate) fn alb_label_part(arn: &str) -> Option<&str> {
    let part = arn_resource(arn)?.strip_prefix("loadbalancer/")?;
    let segments: Vec<&str> = part.split('/').collect();
    (segments.len() == 3 && segments[0] == "app" && segments[1..].iter().all(|s| !s.is_empty()))
        .then_some(part)
}

/// `targetgroup/<name>/<id>` of a target group ARN.
pub(crate) fn target_group_label_part(arn: &str) -> Option<&str> {
    let part = arn_resource(arn)?;
    let segments: Vec<&str> = part.split('/').collect();
    (segments.len() == 3
        && segments[0] == "targetgroup"
        && segments[1..].iter().all(|s| !s.is_empty()))
    .then_some(part)
}

/// ALBRequestCountPerTarget's resource label:
/// `app/<lb-name>/<lb-id>/targetgroup/<tg-name>/<tg-id>`.
pub(crate) fn resource_label(load_balancer_arn: &str, target_group_arn: &str) -> Option<String> {
    Some(format!(
        "{}/{}",
        alb_label_part(load_balancer_arn)?,
        target_group_label_part(target_group_arn)?
    ))
}

/// The policy the inputs ask for on `metric`, if any.
pub(crate) fn policy_spec(i: &ServiceScalingInputs, metric: Metric) -> Option<TargetTracking> {
    let target = metric.target(i)?;
    let resource_label = match metric {
        Metric::Requests => resource_label(
            i.load_balancer_arn.as_deref().unwrap_or_default(),
            i.target_group_arn.as_deref().unwrap_or_default(),
        ),
        _ => None,
    };
    Some(TargetTracking {
        metric: metric.aws_type(),
        resource_label,
        target_value: f64::from(target),
        scale_in_cooldown: i.scale_in_cooldown_seconds.map(|s| s as i32),
        scale_out_cooldown: i.scale_out_cooldown_seconds.map(|s| s as i32),
        disable_scale_in: i.disable_scale_in,
    })
}

/// The name of `metric`'s policy: the one AWS has (from its recorded ARN, e.g. of an imported
/// target), else the provider's.
pub(crate) fn policy_name(metric: Metric, arns: &BTreeMap<String, String>) -> String {
    arns.get(metric.aws_name())
        .and_then(|arn| policy_name_of_arn(arn))
        .unwrap_or(metric.default_policy_name())
        .to_string()
}

pub(crate) fn without_policies(i: &ServiceScalingInputs) -> ServiceScalingInputs {
    ServiceScalingInputs {
        cpu_target: None,
        memory_target: None,
        requests_per_target: None,
        ..i.clone()
    }
}

/// Records in `current` that `metric`'s policy is now as `wanted` asks.
pub(crate) fn set_policy(
    current: &mut ServiceScalingInputs,
    wanted: &ServiceScalingInputs,
    metric: Metric,
) {
    metric.set_target(current, metric.target(wanted));
    current.scale_in_cooldown_seconds = wanted.scale_in_cooldown_seconds;
    current.scale_out_cooldown_seconds = wanted.scale_out_cooldown_seconds;
    current.disable_scale_in = wanted.disable_scale_in;
    if metric == Metric::Requests {
        current.load_balancer_arn = wanted.load_balancer_arn.clone();
        current.target_group_arn = wanted.target_group_arn.clone();
    }
}

pub(crate) fn clear_policy(current: &mut ServiceScalingInputs, metric: Metric) {
    metric.set_target(current, None);
}

/// A setting all policies share, read back: the program's spelling while every policy's
/// effective value equals the program's; else the first value that differs (drift to show).
fn read_shared<T: Copy + PartialEq>(effective: &[T], old: Option<T>, default: T) -> Option<T> {
    let program = old.unwrap_or(default);
    match effective.iter().find(|v| **v != program) {
        Some(v) => Some(*v),
        None => old,
    }
}

/// The load balancer and target group ARNs behind a resource label: the program's when they
/// give the same label, else rebuilt from the label and the policy ARN's partition, region
/// and account (on import).
fn arns_of_label(
    label: &str,
    policy_arn: &str,
    old: &ServiceScalingInputs,
) -> (Option<String>, Option<String>) {
    if let (Some(lb), Some(tg)) = (&old.load_balancer_arn, &old.target_group_arn)
        && resource_label(lb, tg).as_deref() == Some(label)
    {
        return (Some(lb.clone()), Some(tg.clone()));
    }
    let (Some((lb, tg)), Some((partition, region, account))) =
        (label.split_once("/targetgroup/"), arn_scope(policy_arn))
    else {
        return (None, None);
    };
    let prefix = format!("arn:{partition}:elasticloadbalancing:{region}:{account}");
    (
        Some(format!("{prefix}:loadbalancer/{lb}")),
        Some(format!("{prefix}:targetgroup/{tg}")),
    )
}

/// The policy the provider treats as `metric`'s: its own name first, else the first by name.
fn policy_of(policies: &[ScalingPolicy], metric: Metric) -> Option<&ScalingPolicy> {
    let mut matching: Vec<&ScalingPolicy> = policies
        .iter()
        .filter(|p| Metric::of_policy(p) == Some(metric))
        .collect();
    let key = |p: &ScalingPolicy| {
        (
            p.policy_name() != metric.default_policy_name(),
            p.policy_name().to_string(),
        )
    };
    matching.sort_by_key(|p| key(p));
    matching.first().copied()
}

/// The inputs a target and its policies correspond to, and the policy ARNs by metric.
/// Policies on other metrics or of other kinds (step scaling) are not this resource's and
/// are left out.
pub(crate) fn inputs_from_aws(
    target: &ScalableTarget,
    policies: &[ScalingPolicy],
    old: Option<&ServiceScalingInputs>,
) -> Result<(ServiceScalingInputs, BTreeMap<String, String>)> {
    let (cluster, service) = parse_ecs_resource_id(target.resource_id()).ok_or_else(|| {
        ProviderError::internal(format!(
            "scalable target `{}` is not an ECS service's",
            target.resource_id()
        ))
    })?;
    let empty = ServiceScalingInputs::default();
    let old = old.unwrap_or(&empty);
    let mut inputs = ServiceScalingInputs {
        cluster_name: cluster.to_string(),
        service_name: service.to_string(),
        min_count: u32::try_from(target.min_capacity()).unwrap_or(0),
        max_count: u32::try_from(target.max_capacity()).unwrap_or(0),
        // Kept while no requests policy says otherwise (they matter only to that policy).
        load_balancer_arn: old.load_balancer_arn.clone(),
        target_group_arn: old.target_group_arn.clone(),
        ..Default::default()
    };
    let mut arns = BTreeMap::new();
    let (mut scale_in, mut scale_out, mut disable) = (Vec::new(), Vec::new(), Vec::new());
    for metric in Metric::ALL {
        let Some(policy) = policy_of(policies, metric) else {
            continue;
        };
        let Some(config) = policy.target_tracking_scaling_policy_configuration() else {
            continue;
        };
        let value = config.target_value().round().max(0.0) as u32;
        metric.set_target(&mut inputs, Some(value));
        if metric == Metric::Requests {
            let label = config
                .predefined_metric_specification()
                .and_then(|m| m.resource_label())
                .unwrap_or_default();
            (inputs.load_balancer_arn, inputs.target_group_arn) =
                arns_of_label(label, policy.policy_arn(), old);
        }
        let seconds = |s: Option<i32>| s.map_or(DEFAULT_COOLDOWN, |s| s.max(0) as u32);
        scale_in.push(seconds(config.scale_in_cooldown()));
        scale_out.push(seconds(config.scale_out_cooldown()));
        disable.push(config.disable_scale_in().unwrap_or(false));
        arns.insert(
            metric.aws_name().to_string(),
            policy.policy_arn().to_string(),
        );
    }
    inputs.scale_in_cooldown_seconds =
        read_shared(&scale_in, old.scale_in_cooldown_seconds, DEFAULT_COOLDOWN);
    inputs.scale_out_cooldown_seconds =
        read_shared(&scale_out, old.scale_out_cooldown_seconds, DEFAULT_COOLDOWN);
    inputs.disable_scale_in = read_shared(&disable, old.disable_scale_in, false);
    Ok((inputs, arns))
}
