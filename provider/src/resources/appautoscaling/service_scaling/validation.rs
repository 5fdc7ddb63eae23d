//! Validation of the inputs: every failure names the property, the value and what is valid.
//! Application Auto Scaling's rules (API reference of RegisterScalableTarget, PutScalingPolicy
//! and PredefinedMetricSpecification) and ECS's names. Ranges of single values are declared on
//! the input struct; here are the rules between values.
//!
//! Preview with unknowns: a property not known yet is checked against a stand-in value and
//! failures named after it are dropped, so each rule is reported on the property whose stand-in
//! cannot set it off wrongly (min > max on `maxCount`: an unknown `minCount` stands in as 0).

use super::*;
use crate::resource::is_known;

/// ECS cluster and service names: 1 to 255 letters, digits, hyphens and underscores.
const NAME_MAX: usize = 255;

fn ecs_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

fn fail(failures: &mut Vec<CheckFailure>, property: &str, reason: String) {
    failures.push(CheckFailure::new(property, reason));
}

pub(crate) fn validate_scaling(i: &ServiceScalingInputs, failures: &mut Vec<CheckFailure>) {
    for (property, what, name) in [
        ("clusterName", "cluster", &i.cluster_name),
        ("serviceName", "service", &i.service_name),
    ] {
        if is_known(name)
            && (name.is_empty() || name.len() > NAME_MAX || !name.chars().all(ecs_name_char))
        {
            fail(
                failures,
                property,
                format!(
                    "`{name}` is not an ECS {what} name: use 1 to {NAME_MAX} letters, digits, hyphens and underscores (the name, not the ARN)"
                ),
            );
        }
    }
    if i.max_count < i.min_count {
        fail(
            failures,
            "maxCount",
            format!(
                "maxCount {} is less than minCount {}: the maximum must be at least the minimum (raise maxCount or lower minCount)",
                i.max_count, i.min_count
            ),
        );
    }
    if Metric::ALL.iter().all(|m| m.target(i).is_none()) {
        fail(
            failures,
            "cpuTarget",
            "no target given: set at least one of cpuTarget, memoryTarget or requestsPerTarget (a scalable target without a policy never scales)".into(),
        );
    }
    validate_load_balancing(i, failures);
}

/// `requestsPerTarget` needs an application load balancer and a target group of the same
/// region and account; malformed ARNs are refused whether or not they are used.
fn validate_load_balancing(i: &ServiceScalingInputs, failures: &mut Vec<CheckFailure>) {
    let wants_requests = i.requests_per_target.is_some_and(|n| n >= 1);
    let lb = i.load_balancer_arn.as_deref().filter(|a| is_known(a));
    let tg = i.target_group_arn.as_deref().filter(|a| is_known(a));
    match lb {
        Some(arn)
            if alb_label_part(arn).is_none()
                || !validate::is_arn_of(arn, "elasticloadbalancing") =>
        {
            fail(
                failures,
                "loadBalancerArn",
                format!(
                    "`{arn}` is not an application load balancer ARN: use `arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<id>` (requests per target are counted by application load balancers only)"
                ),
            )
        }
        None if wants_requests && i.load_balancer_arn.is_none() => fail(
            failures,
            "loadBalancerArn",
            format!(
                "requestsPerTarget {} needs loadBalancerArn, the ARN of the application load balancer in front of the service (AWS's resource label names the load balancer and the target group)",
                i.requests_per_target.unwrap_or_default()
            ),
        ),
        _ => {}
    }
    match tg {
        Some(arn)
            if target_group_label_part(arn).is_none()
                || !validate::is_arn_of(arn, "elasticloadbalancing") =>
        {
            fail(
                failures,
                "targetGroupArn",
                format!(
                    "`{arn}` is not a target group ARN: use `arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>`"
                ),
            )
        }
        None if wants_requests && i.target_group_arn.is_none() => fail(
            failures,
            "targetGroupArn",
            format!(
                "requestsPerTarget {} needs targetGroupArn, the ARN of the target group the service's tasks are registered in",
                i.requests_per_target.unwrap_or_default()
            ),
        ),
        _ => {}
    }
    if let (Some(lb), Some(tg)) = (lb, tg)
        && resource_label(lb, tg).is_some()
    {
        let scope = |arn: &str| {
            crate::aws::appautoscaling::arn_scope(arn)
                .map(|(p, r, a)| (p.to_string(), r.to_string(), a.to_string()))
        };
        if scope(lb) != scope(tg) {
            fail(
                failures,
                "targetGroupArn",
                format!(
                    "target group `{tg}` and load balancer `{lb}` are in different regions or accounts: the target group must be attached to this load balancer"
                ),
            );
        }
    }
}
