//! Validation of the inputs: every failure names the property, the value and what is valid.

use super::*;

pub(crate) const NAME_MAX: usize = 255;

pub(crate) fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// The cluster's providers and default strategy: no duplicates, the strategy only names
/// associated providers, and the strategy itself is one AWS accepts.
pub(crate) fn validate_capacity_providers(i: &ClusterInputs, failures: &mut Vec<CheckFailure>) {
    let providers = i.capacity_providers.as_deref().unwrap_or_default();
    for (n, p) in providers.iter().enumerate() {
        if providers[..n].contains(p) {
            failures.push(CheckFailure::new(
                format!("capacityProviders[{n}]"),
                format!(
                    "`{}` is listed twice; list each capacity provider once",
                    provider_name(*p)
                ),
            ));
        }
    }
    let Some(strategy) = i.default_capacity_provider_strategy.as_deref() else {
        return;
    };
    for (n, item) in strategy.iter().enumerate() {
        if !providers.contains(&item.capacity_provider) {
            let listed = if providers.is_empty() {
                "none".to_string()
            } else {
                provider_names(providers).join(", ")
            };
            failures.push(CheckFailure::new(
                format!("defaultCapacityProviderStrategy[{n}].capacityProvider"),
                format!(
                    "`{}` is not among the cluster's `capacityProviders` (listed: {listed}); add it to `capacityProviders` or remove it from the strategy",
                    provider_name(item.capacity_provider)
                ),
            ));
        }
    }
    validate_strategy("defaultCapacityProviderStrategy", strategy, failures);
}

/// Rules of any capacity provider strategy (a cluster's default or a service's), from the
/// ECS API reference of CapacityProviderStrategyItem: each provider once, at most one entry
/// with a base above 0, and with several entries at least one weight above 0.
pub fn validate_strategy(
    path: &str,
    strategy: &[CapacityProviderItem],
    failures: &mut Vec<CheckFailure>,
) {
    for (n, item) in strategy.iter().enumerate() {
        if strategy[..n]
            .iter()
            .any(|o| o.capacity_provider == item.capacity_provider)
        {
            failures.push(CheckFailure::new(
                format!("{path}[{n}].capacityProvider"),
                format!(
                    "`{}` appears twice in the strategy; give each capacity provider one entry",
                    provider_name(item.capacity_provider)
                ),
            ));
        }
    }
    let with_base: Vec<usize> = strategy
        .iter()
        .enumerate()
        .filter(|(_, c)| c.base.unwrap_or(0) > 0)
        .map(|(n, _)| n)
        .collect();
    if let [_, second, ..] = with_base[..] {
        failures.push(CheckFailure::new(
            format!("{path}[{second}].base"),
            format!(
                "only one entry of a capacity provider strategy may have a base above 0 (entries {} have one); keep the base on the on-demand provider",
                with_base
                    .iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    if strategy.len() > 1 && strategy.iter().all(|c| c.weight.unwrap_or(0) == 0) {
        failures.push(CheckFailure::new(
            format!("{path}[0].weight"),
            "with several capacity providers at least one must have a weight above 0 (an unset weight is 0): AWS refuses services and tasks on such a strategy",
        ));
    }
}
