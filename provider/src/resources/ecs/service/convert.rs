//! Conversion between AWS shapes and our inputs/outputs, and the request builders.

use super::*;

/// Deterministic per service: a create retried by the SDK or after a crash cannot make a twin.
pub(crate) fn client_token(cluster: &str, name: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in cluster.bytes().chain([0]).chain(name.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("pulumi-fargate-{h:016x}")
}

pub(crate) fn network(i: &ServiceInputs) -> ecs::NetworkConfiguration {
    let vpc = ecs::AwsVpcConfiguration::builder()
        .set_subnets(Some(i.network.subnets.clone()))
        .set_security_groups(Some(i.network.security_groups.clone()))
        .assign_public_ip(if i.network.assign_public_ip == Some(true) {
            ecs::AssignPublicIp::Enabled
        } else {
            ecs::AssignPublicIp::Disabled
        })
        .build()
        .expect("subnets are set");
    ecs::NetworkConfiguration::builder()
        .awsvpc_configuration(vpc)
        .build()
}

pub(crate) fn load_balancers(i: &ServiceInputs) -> Vec<ecs::LoadBalancer> {
    i.load_balancers
        .iter()
        .flatten()
        .map(|lb| {
            ecs::LoadBalancer::builder()
                .target_group_arn(&lb.target_group_arn)
                .container_name(&lb.container_name)
                .container_port(lb.container_port as i32)
                .build()
        })
        .collect()
}

pub(crate) fn deployment_configuration(i: &ServiceInputs) -> ecs::DeploymentConfiguration {
    let d = i.deployment.clone().unwrap_or_default();
    let breaker = d.circuit_breaker.unwrap_or(true);
    ecs::DeploymentConfiguration::builder()
        .minimum_healthy_percent(d.minimum_healthy_percent.unwrap_or(100) as i32)
        .maximum_percent(d.maximum_percent.unwrap_or(200) as i32)
        .deployment_circuit_breaker(
            ecs::DeploymentCircuitBreaker::builder()
                .enable(breaker)
                .rollback(breaker && d.rollback.unwrap_or(true))
                .build(),
        )
        .build()
}

pub(crate) fn capacity_providers(
    i: &ServiceInputs,
) -> Option<Vec<ecs::CapacityProviderStrategyItem>> {
    i.capacity_provider_strategy.as_ref().map(|items| {
        items
            .iter()
            .filter_map(|c| {
                ecs::CapacityProviderStrategyItem::builder()
                    .capacity_provider(match c.capacity_provider {
                        CapacityProvider::Fargate => "FARGATE",
                        CapacityProvider::FargateSpot => "FARGATE_SPOT",
                    })
                    .set_weight(c.weight.map(|w| w as i32))
                    .set_base(c.base.map(|b| b as i32))
                    .build()
                    .ok()
            })
            .collect()
    })
}

pub(crate) fn propagate(p: PropagateTags) -> ecs::PropagateTags {
    match p {
        PropagateTags::Service => ecs::PropagateTags::Service,
        PropagateTags::TaskDefinition => ecs::PropagateTags::TaskDefinition,
        PropagateTags::None => ecs::PropagateTags::None,
    }
}
