//! Validation of the inputs: every failure names the property, the value and what is valid.

use super::*;

pub(crate) const NAME_MAX: usize = 255;

pub(crate) fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

pub(crate) fn prefixed_ids(
    failures: &mut Vec<CheckFailure>,
    property: &str,
    ids: &[String],
    prefix: &str,
) {
    for (i, id) in ids.iter().enumerate() {
        if is_known(id) && !id.starts_with(prefix) {
            failures.push(CheckFailure::new(
                format!("{property}[{i}]"),
                format!("`{id}` is not a {prefix}... id"),
            ));
        }
    }
}

/// Every validation rule; each failure names the property path and the value.
pub fn validate(i: &ServiceInputs) -> Vec<CheckFailure> {
    let mut f = Vec::new();
    if is_known(&i.cluster) && i.cluster.trim().is_empty() {
        f.push(CheckFailure::new(
            "cluster",
            "a cluster ARN or name is required",
        ));
    }
    if is_known(&i.task_definition)
        && !validate::is_arn_of(&i.task_definition, "ecs")
        && !i.task_definition.contains(':')
    {
        f.push(CheckFailure::new(
            "taskDefinition",
            format!(
                "`{}` is not a task definition ARN or `family:revision`",
                i.task_definition
            ),
        ));
    }
    let subnets = &i.network.subnets;
    if subnets.is_empty() || subnets.len() > 16 {
        f.push(CheckFailure::new(
            "network.subnets",
            format!("{} subnets given; a service needs 1 to 16", subnets.len()),
        ));
    }
    prefixed_ids(&mut f, "network.subnets", subnets, "subnet-");
    let sgs = &i.network.security_groups;
    if sgs.is_empty() || sgs.len() > 5 {
        f.push(CheckFailure::new(
            "network.securityGroups",
            format!(
                "{} security groups given; a service needs 1 to 5",
                sgs.len()
            ),
        ));
    }
    prefixed_ids(&mut f, "network.securityGroups", sgs, "sg-");
    for (n, lb) in i.load_balancers.iter().flatten().enumerate() {
        if is_known(&lb.target_group_arn)
            && !validate::is_arn_of(&lb.target_group_arn, "elasticloadbalancing")
        {
            f.push(CheckFailure::new(
                format!("loadBalancers[{n}].targetGroupArn"),
                format!("`{}` is not a target group ARN (arn:aws:elasticloadbalancing:...:targetgroup/...)", lb.target_group_arn),
            ));
        }
    }
    if let Some(d) = &i.deployment {
        if d.rollback == Some(true) && d.circuit_breaker == Some(false) {
            f.push(CheckFailure::new(
                "deployment.rollback",
                "rollback needs the circuit breaker; set circuitBreaker: true",
            ));
        }
        if d.minimum_healthy_percent == Some(100) && d.maximum_percent == Some(100) {
            f.push(CheckFailure::new(
                "deployment.maximumPercent",
                "with minimumHealthyPercent 100, maximumPercent 100 leaves no room to start a new task: a rollout could never proceed",
            ));
        }
    }
    if i.capacity_provider_strategy
        .as_ref()
        .is_some_and(|cps| cps.is_empty())
    {
        f.push(CheckFailure::new(
            "capacityProviderStrategy",
            "give at least one capacity provider, or leave it out for the FARGATE launch type",
        ));
    }
    if let Some(strategy) = &i.capacity_provider_strategy {
        crate::resources::ecs::cluster::validate_strategy(
            "capacityProviderStrategy",
            strategy,
            &mut f,
        );
    }
    if let Some(v) = i.platform_version.as_deref().filter(|v| is_known(v))
        && v != "LATEST"
        && !v
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    {
        f.push(CheckFailure::new(
            "platformVersion",
            format!("`{v}` is not a platform version; use LATEST or e.g. 1.4.0"),
        ));
    }
    validate_platform_needs(i, &mut f);
    validate::tags("tags", i.tags.as_ref(), &mut f);
    f
}

/// Fargate features that need a recent platform version (AWS, "Fargate Linux platform
/// versions"): ECS Exec needs 1.4.0, Fargate Spot 1.3.0. AWS refuses older ones only when the
/// service is created or updated.
fn validate_platform_needs(i: &ServiceInputs, f: &mut Vec<CheckFailure>) {
    let Some(v) = i.platform_version.as_deref().filter(|v| is_known(v)) else {
        return;
    };
    let Some(version) = v
        .split('.')
        .map(|p| p.parse::<u32>().ok())
        .collect::<Option<Vec<u32>>>()
    else {
        return;
    };
    let spot = i
        .capacity_provider_strategy
        .iter()
        .flatten()
        .any(|c| c.capacity_provider == CapacityProvider::FargateSpot);
    let needs = [
        (
            i.enable_execute_command == Some(true),
            [1, 4, 0],
            "enableExecuteCommand",
        ),
        (spot, [1, 3, 0], "FARGATE_SPOT in capacityProviderStrategy"),
    ];
    if let Some((_, min, what)) = needs
        .iter()
        .find(|(used, min, _)| *used && version.as_slice() < min.as_slice())
    {
        f.push(CheckFailure::new(
            "platformVersion",
            format!(
                "`{v}` is too old for {what}, which needs platform version {} or later: use LATEST or leave platformVersion unset",
                min.map(|n| n.to_string()).join(".")
            ),
        ));
    }
}
