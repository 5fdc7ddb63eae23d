//! Conversion between AWS shapes and our inputs/outputs, and the request builders.

use super::*;

impl ContainerInsights {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Enabled => "enabled",
            Self::Enhanced => "enhanced",
            Self::Disabled => "disabled",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "enabled" => Some(Self::Enabled),
            "enhanced" => Some(Self::Enhanced),
            "disabled" => Some(Self::Disabled),
            _ => None,
        }
    }
}

impl Cluster {
    pub(crate) fn name_of(inputs: &ClusterInputs) -> Result<&str> {
        inputs
            .name
            .as_deref()
            .ok_or_else(|| ProviderError::internal("cluster name missing after check"))
    }

    pub(crate) fn outputs_from(
        cluster: &aws_sdk_ecs::types::Cluster,
        inputs: ClusterInputs,
    ) -> ClusterOutputs {
        ClusterOutputs {
            inputs,
            arn: cluster.cluster_arn().unwrap_or_default().to_string(),
            tags_all: ecs_api::from_ecs_tags(cluster.tags()),
        }
    }
}

pub(crate) fn provider_name(p: CapacityProvider) -> &'static str {
    match p {
        CapacityProvider::Fargate => "FARGATE",
        CapacityProvider::FargateSpot => "FARGATE_SPOT",
    }
}

fn parse_provider(s: &str) -> Option<CapacityProvider> {
    match s {
        "FARGATE" => Some(CapacityProvider::Fargate),
        "FARGATE_SPOT" => Some(CapacityProvider::FargateSpot),
        _ => None,
    }
}

pub(crate) fn provider_names(providers: &[CapacityProvider]) -> Vec<String> {
    providers
        .iter()
        .map(|p| provider_name(*p).to_string())
        .collect()
}

pub(crate) fn strategy_items(
    items: &[CapacityProviderItem],
) -> Vec<aws_sdk_ecs::types::CapacityProviderStrategyItem> {
    items
        .iter()
        .filter_map(|c| {
            aws_sdk_ecs::types::CapacityProviderStrategyItem::builder()
                .capacity_provider(provider_name(c.capacity_provider))
                .set_weight(c.weight.map(|w| w as i32))
                .set_base(c.base.map(|b| b as i32))
                .build()
                .ok()
        })
        .collect()
}

/// The providers AWS reports, in the program's spelling: none reported reads as unset when the
/// program left them unset. Providers that are not Fargate's (an EC2 Auto Scaling provider added
/// outside Pulumi) cannot be expressed here and are left out.
pub(crate) fn capacity_providers_of(
    cluster: &aws_sdk_ecs::types::Cluster,
    old: &ClusterInputs,
) -> Option<Vec<CapacityProvider>> {
    let mut actual: Vec<CapacityProvider> = cluster
        .capacity_providers()
        .iter()
        .filter_map(|p| parse_provider(p))
        .collect();
    let before = old.capacity_providers.as_deref().unwrap_or_default();
    if actual.is_empty() && before.is_empty() {
        return old.capacity_providers.clone();
    }
    // AWS keeps no order: the program's order, so a reordered answer is not a diff.
    actual.sort_by_key(|p| position(before.iter().map(|b| *b == *p)));
    Some(actual)
}

/// Where an item stood in the program's list (unlisted ones last).
fn position(mut same: impl Iterator<Item = bool>) -> usize {
    same.position(|x| x).unwrap_or(usize::MAX)
}

/// The default strategy AWS reports. AWS answers an unset weight or base with 0: where the
/// program left one unset and AWS reports 0, keep it unset so a refresh shows no diff.
pub(crate) fn default_strategy_of(
    cluster: &aws_sdk_ecs::types::Cluster,
    old: &ClusterInputs,
) -> Option<Vec<CapacityProviderItem>> {
    let reported = cluster.default_capacity_provider_strategy();
    let old_items = old.default_capacity_provider_strategy.as_deref();
    if reported.is_empty() && old_items.is_none_or(<[_]>::is_empty) {
        return old.default_capacity_provider_strategy.clone();
    }
    let mut items: Vec<CapacityProviderItem> = reported
        .iter()
        .filter_map(|item| {
            let provider = parse_provider(item.capacity_provider())?;
            let before = old_items.and_then(|o| o.iter().find(|o| o.capacity_provider == provider));
            let keep = |actual: i32, old: Option<u32>| match (actual, old) {
                (0, None) => None,
                (v, _) => Some(v.max(0) as u32),
            };
            Some(CapacityProviderItem {
                capacity_provider: provider,
                weight: keep(item.weight(), before.and_then(|b| b.weight)),
                base: keep(item.base(), before.and_then(|b| b.base)),
            })
        })
        .collect();
    let before = old_items.unwrap_or_default();
    items.sort_by_key(|i| {
        position(
            before
                .iter()
                .map(|b| b.capacity_provider == i.capacity_provider),
        )
    });
    Some(items)
}
