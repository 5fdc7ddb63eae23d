//! Keys for what real AWS needs beyond the emulator: Fargate Spot (the cluster's capacity
//! providers and the service's strategy), the tasks' extra egress (the API's database, cache or
//! SMTP), ECS Exec and the CPU architecture. The types are the schema and the check, as in the
//! parent module; [`AwsOptions`] is what the program uses.

use super::*;
use pulumi_rs::fargate::ec2::RuleProtocol;
use pulumi_rs::fargate::ecs::{CapacityProvider, CapacityProviderItem, CpuArchitecture};

bounds!(
    StrategyWeight,
    0,
    1000,
    "a whole relative share of tasks from 0 to 1000"
);
bounds!(
    StrategyBase,
    0,
    100000,
    "a whole number of tasks from 0 to 100000 placed on this provider before the weights apply"
);
bounds!(AnyPort, 0, 65535, "a port, a whole number from 0 to 65535");
rule!(
    SecurityGroupId,
    r"^sg-(?:[0-9a-f]{8}|[0-9a-f]{17})$",
    "a security group id such as `sg-0abc1234`"
);
// EC2's rule descriptions: a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*, at most 255.
rule!(
    RuleDescription,
    r"^[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]{0,255}$",
    "at most 255 letters, digits, spaces and `._-:/()#,@[]+=&;{}!$*` (EC2's rule description characters)"
);

/// A Fargate capacity provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub enum Provider {
    /// On-demand Fargate.
    #[serde(rename = "FARGATE")]
    Fargate,
    /// Fargate Spot: up to 70% cheaper, tasks may be stopped with two minutes' notice.
    #[serde(rename = "FARGATE_SPOT")]
    FargateSpot,
}

impl Provider {
    fn name(self) -> &'static str {
        match self {
            Provider::Fargate => "FARGATE",
            Provider::FargateSpot => "FARGATE_SPOT",
        }
    }
}

impl<'de> Deserialize<'de> for Provider {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Json::deserialize(d)? {
            Json::String(s) if s == "FARGATE" => Ok(Provider::Fargate),
            Json::String(s) if s == "FARGATE_SPOT" => Ok(Provider::FargateSpot),
            other => Err(D::Error::custom(refused(
                &other_text(&other),
                true,
                "`FARGATE` or `FARGATE_SPOT`",
            ))),
        }
    }
}

/// One entry of the service's capacity provider strategy.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StrategyEntry {
    /// `FARGATE` or `FARGATE_SPOT`; must be in `clusterCapacityProviders`.
    pub capacity_provider: Provider,
    /// Relative share of the tasks above the base (0 to 1000; unset is 0).
    #[serde(default)]
    pub weight: Option<Whole<StrategyWeight>>,
    /// Tasks placed here first (0 to 100000); only one entry may have a base above 0.
    #[serde(default)]
    pub base: Option<Whole<StrategyBase>>,
}

/// The CPU architecture of the tasks.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, JsonSchema)]
pub enum Architecture {
    /// Intel/AMD (Fargate's default).
    #[serde(rename = "X86_64")]
    X86_64,
    /// AWS Graviton: cheaper per vCPU; the image must be built for linux/arm64.
    #[serde(rename = "ARM64")]
    Arm64,
}

impl<'de> Deserialize<'de> for Architecture {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Json::deserialize(d)? {
            Json::String(s) if s == "X86_64" => Ok(Architecture::X86_64),
            Json::String(s) if s == "ARM64" => Ok(Architecture::Arm64),
            other => Err(D::Error::custom(refused(
                &other_text(&other),
                true,
                "`X86_64` or `ARM64` (the image must be built for it)",
            ))),
        }
    }
}

/// Protocol of an egress rule.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum EgressProtocol {
    Tcp,
    Udp,
    /// Every protocol and port.
    All,
}

impl<'de> Deserialize<'de> for EgressProtocol {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Json::deserialize(d)? {
            Json::String(s) if s == "tcp" => Ok(EgressProtocol::Tcp),
            Json::String(s) if s == "udp" => Ok(EgressProtocol::Udp),
            Json::String(s) if s == "all" => Ok(EgressProtocol::All),
            other => Err(D::Error::custom(refused(
                &other_text(&other),
                true,
                "`tcp`, `udp` or `all`",
            ))),
        }
    }
}

/// Where the API's tasks may connect besides AWS's APIs on 443: a port (or range) to CIDR
/// blocks and/or security groups, e.g. the database's group on 5432.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EgressEntry {
    /// `tcp` (default), `udp` or `all` (every protocol and port; no ports then).
    #[serde(default)]
    pub protocol: Option<EgressProtocol>,
    /// One port, e.g. `5432`; or give `fromPort` and `toPort`.
    #[serde(default)]
    pub port: Option<Whole<AnyPort>>,
    /// First port of a range (with `toPort`).
    #[serde(default)]
    pub from_port: Option<Whole<AnyPort>>,
    /// Last port of a range (with `fromPort`).
    #[serde(default)]
    pub to_port: Option<Whole<AnyPort>>,
    /// Destination IPv4 CIDR blocks.
    #[serde(default)]
    pub cidrs: Option<List<Text<Cidr>, 1>>,
    /// Destination security groups (`sg-...`), e.g. the database's.
    #[serde(default)]
    pub security_group_ids: Option<List<Text<SecurityGroupId>, 1>>,
    /// What the rule is for, e.g. `PostgreSQL`.
    #[serde(default)]
    pub description: Option<Text<RuleDescription>>,
}

/// One egress rule as the program declares it (one destination group per rule, as EC2 has).
#[derive(Debug, Clone, PartialEq)]
pub struct Egress {
    pub protocol: RuleProtocol,
    pub from_port: Option<i64>,
    pub to_port: Option<i64>,
    pub cidrs: Option<Vec<String>>,
    pub security_group_id: Option<String>,
    pub description: String,
}

/// What the program uses of these keys.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    pub cluster_capacity_providers: Option<Vec<CapacityProvider>>,
    pub capacity_provider_strategy: Option<Vec<CapacityProviderItem>>,
    pub extra_egress: Vec<Egress>,
    pub enable_execute_command: bool,
    pub cpu_architecture: Option<CpuArchitecture>,
}

fn provider(p: Provider) -> CapacityProvider {
    match p {
        Provider::Fargate => CapacityProvider::Fargate,
        Provider::FargateSpot => CapacityProvider::FargateSpot,
    }
}

impl StackConfig {
    pub(super) fn aws_options(&self) -> AwsOptions {
        AwsOptions {
            cluster_capacity_providers: self
                .cluster_capacity_providers
                .as_ref()
                .map(|l| l.0.iter().map(|p| provider(*p)).collect()),
            capacity_provider_strategy: self.capacity_provider_strategy.as_ref().map(|l| {
                l.iter()
                    .map(|e| CapacityProviderItem {
                        capacity_provider: provider(e.capacity_provider),
                        weight: e.weight.map(|w| w.0),
                        base: e.base.map(|b| b.0),
                    })
                    .collect()
            }),
            extra_egress: self
                .extra_egress
                .iter()
                .flat_map(|l| l.iter().enumerate())
                .flat_map(|(n, e)| egress_rules(n, e))
                .collect(),
            enable_execute_command: self.enable_execute_command.0,
            cpu_architecture: self.cpu_architecture.map(|a| match a {
                Architecture::X86_64 => CpuArchitecture::X8664,
                Architecture::Arm64 => CpuArchitecture::Arm64,
            }),
        }
    }

    /// Rules between these keys: the strategy only names the cluster's providers, AWS's
    /// strategy rules, and each egress rule has a destination and ports that fit its protocol.
    pub(super) fn check_aws_options(&self, config: &Config) -> Result<(), Error> {
        if let Some(strategy) = &self.capacity_provider_strategy {
            check_strategy(strategy, self.cluster_capacity_providers.as_ref(), config)?;
        }
        for (n, e) in self.extra_egress.iter().flat_map(|l| l.iter().enumerate()) {
            check_egress(n, e, config)?;
        }
        self.check_certificate_region(config)
    }

    /// An ALB only uses an ACM certificate of its own region (CreateListener answers
    /// CertificateNotFound otherwise, during `up`); the region is `fargate:region`.
    fn check_certificate_region(&self, config: &Config) -> Result<(), Error> {
        let Some(arn) = &self.certificate_arn else {
            return Ok(());
        };
        let mut parts = arn.0.split(':');
        if parts.nth(2) != Some("acm") {
            return Ok(());
        }
        let certificate_region = parts.next().unwrap_or_default();
        let Some((_, region)) = config
            .namespace_values("fargate")
            .into_iter()
            .find(|(k, _)| *k == "region")
        else {
            return Ok(());
        };
        if certificate_region == region {
            return Ok(());
        }
        Err(config.problem(
            "certificateArn",
            &format!(
                "`{}` is an ACM certificate in {certificate_region}, but the load balancer is in {region} (`fargate:region`): a load balancer only uses certificates of its own region; request or import the certificate in {region} and use that ARN",
                arn.0
            ),
        ))
    }
}

fn check_strategy(
    strategy: &[StrategyEntry],
    cluster: Option<&List<Provider, 1>>,
    config: &Config,
) -> Result<(), Error> {
    if strategy.is_empty() {
        return Err(config.problem(
            "capacityProviderStrategy",
            "is empty: give at least one entry, or leave the key out for the FARGATE launch type",
        ));
    }
    let associated: &[Provider] = cluster.map(|l| l.0.as_slice()).unwrap_or_default();
    for (n, e) in strategy.iter().enumerate() {
        if !associated.contains(&e.capacity_provider) {
            let listed = if associated.is_empty() {
                "it is not set".to_string()
            } else {
                format!(
                    "it lists {}",
                    associated
                        .iter()
                        .map(|p| p.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            return Err(config.problem(
                &format!("capacityProviderStrategy[{n}].capacityProvider"),
                &format!(
                    "`{}` is not among the cluster's providers in `sotex-backend:clusterCapacityProviders` ({listed}); AWS refuses a service strategy naming a provider its cluster lacks: add `{}` to `sotex-backend:clusterCapacityProviders`",
                    e.capacity_provider.name(),
                    e.capacity_provider.name()
                ),
            ));
        }
        if strategy[..n]
            .iter()
            .any(|o| o.capacity_provider == e.capacity_provider)
        {
            return Err(config.problem(
                &format!("capacityProviderStrategy[{n}].capacityProvider"),
                &format!(
                    "`{}` is listed twice; give each provider one entry",
                    e.capacity_provider.name()
                ),
            ));
        }
    }
    let bases = strategy
        .iter()
        .filter(|e| e.base.is_some_and(|b| b.0 > 0))
        .count();
    if bases > 1 {
        return Err(config.problem(
            "capacityProviderStrategy",
            "only one entry may have a base above 0 (keep the base on `FARGATE`, the on-demand tasks that always run)",
        ));
    }
    if strategy.iter().all(|e| e.weight.is_none_or(|w| w.0 == 0)) && strategy.len() > 1 {
        return Err(config.problem(
            "capacityProviderStrategy",
            "at least one entry needs a weight above 0 (an unset weight is 0), e.g. `weight: 3` on `FARGATE_SPOT`",
        ));
    }
    Ok(())
}

fn check_egress(n: usize, e: &EgressEntry, config: &Config) -> Result<(), Error> {
    let key = format!("extraEgress[{n}]");
    if e.cidrs.is_none() && e.security_group_ids.is_none() {
        return Err(config.problem(
            &key,
            "gives neither `cidrs` nor `securityGroupIds`: say where the tasks may connect, e.g. `securityGroupIds: [sg-0abc1234]` (the database's group) or `cidrs: [10.0.0.0/16]`",
        ));
    }
    let all = e.protocol == Some(EgressProtocol::All);
    let ports = (e.port, e.from_port, e.to_port);
    match ports {
        (None, None, None) if all => Ok(()),
        (_, _, _) if all => Err(config.problem(
            &key,
            "protocol `all` opens every port: leave out `port`, `fromPort` and `toPort`",
        )),
        (Some(_), None, None) => Ok(()),
        (None, Some(from), Some(to)) if from.0 <= to.0 => Ok(()),
        (None, Some(from), Some(to)) => Err(config.problem(
            &format!("{key}.toPort"),
            &format!(
                "`{}` is below `fromPort` {}: a range runs from `fromPort` up to `toPort`",
                to.0, from.0
            ),
        )),
        (Some(_), _, _) => Err(config.problem(
            &key,
            "gives `port` and a range: use `port` for one port, or `fromPort` and `toPort` for a range",
        )),
        _ => Err(config.problem(
            &key,
            "needs `port` (e.g. `5432`), or both `fromPort` and `toPort` for a range",
        )),
    }
}

/// One EC2 rule per destination security group, plus one for the CIDR blocks.
fn egress_rules(n: usize, e: &EgressEntry) -> Vec<Egress> {
    let protocol = match e.protocol {
        None | Some(EgressProtocol::Tcp) => RuleProtocol::Tcp,
        Some(EgressProtocol::Udp) => RuleProtocol::Udp,
        Some(EgressProtocol::All) => RuleProtocol::All,
    };
    let (from_port, to_port) = match (e.port, e.from_port, e.to_port) {
        (Some(p), _, _) => (Some(p.0), Some(p.0)),
        (None, from, to) => (from.map(|p| p.0), to.map(|p| p.0)),
    };
    let description = e
        .description
        .as_ref()
        .map_or_else(|| format!("extraEgress[{n}]"), |d| d.0.clone());
    let rule = |cidrs, group| Egress {
        protocol,
        from_port,
        to_port,
        cidrs,
        security_group_id: group,
        description: description.clone(),
    };
    let mut rules: Vec<Egress> = e
        .cidrs
        .iter()
        .map(|c| rule(Some(texts(c.0.clone())), None))
        .collect();
    rules.extend(
        e.security_group_ids
            .iter()
            .flat_map(|l| l.0.iter())
            .map(|g| rule(None, Some(g.0.clone()))),
    );
    rules
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    fn read(pairs: &[(&str, &str)]) -> Result<Settings, String> {
        let mut values: HashMap<String, String> = HashMap::from([
            (
                "sotex-backend:imageRepository".to_string(),
                "example.com/sotex/api".to_string(),
            ),
            ("sotex-backend:imageTag".to_string(), "1.0.0".to_string()),
        ]);
        for (k, v) in pairs {
            values.insert(format!("sotex-backend:{k}"), v.to_string());
        }
        let config = Config::new("sotex-backend", "staging", values, HashSet::new());
        Settings::read(&config, "staging").map_err(|e| e.to_string())
    }

    const SPOT: &str = r#"[{"capacityProvider":"FARGATE","base":1,"weight":1},{"capacityProvider":"FARGATE_SPOT","weight":3}]"#;

    #[test]
    fn staging_on_spot_with_an_on_demand_base() {
        let s = read(&[
            ("clusterCapacityProviders", r#"["FARGATE","FARGATE_SPOT"]"#),
            ("capacityProviderStrategy", SPOT),
            ("enableExecuteCommand", "true"),
            ("cpuArchitecture", "ARM64"),
        ])
        .unwrap();
        assert_eq!(
            s.aws.cluster_capacity_providers,
            Some(vec![
                CapacityProvider::Fargate,
                CapacityProvider::FargateSpot
            ])
        );
        let strategy = s.aws.capacity_provider_strategy.unwrap();
        assert_eq!(
            (strategy[0].base, strategy[0].weight, strategy[1].weight),
            (Some(1), Some(1), Some(3))
        );
        assert!(s.aws.enable_execute_command);
        assert_eq!(s.aws.cpu_architecture, Some(CpuArchitecture::Arm64));
        let plain = read(&[]).unwrap();
        assert!(
            plain.aws.capacity_provider_strategy.is_none() && !plain.aws.enable_execute_command
        );
        assert!(plain.aws.extra_egress.is_empty() && plain.aws.cpu_architecture.is_none());
    }

    #[test]
    fn strategy_naming_a_provider_the_cluster_lacks_names_both_keys() {
        let e = read(&[
            ("clusterCapacityProviders", r#"["FARGATE"]"#),
            ("capacityProviderStrategy", SPOT),
        ])
        .unwrap_err();
        assert_eq!(
            e,
            "config key `sotex-backend:capacityProviderStrategy[1].capacityProvider` in Pulumi.staging.yaml: `FARGATE_SPOT` is not among the cluster's providers in `sotex-backend:clusterCapacityProviders` (it lists FARGATE); AWS refuses a service strategy naming a provider its cluster lacks: add `FARGATE_SPOT` to `sotex-backend:clusterCapacityProviders`"
        );
        let e = read(&[("capacityProviderStrategy", SPOT)]).unwrap_err();
        assert!(
            e.contains("sotex-backend:clusterCapacityProviders` (it is not set)"),
            "{e}"
        );
    }

    #[test]
    fn each_refusal_names_key_value_and_what_is_valid() {
        for (key, value, path, expected) in [
            (
                "cpuArchitecture",
                "ARM",
                "cpuArchitecture",
                "`ARM` is not valid: `X86_64` or `ARM64`",
            ),
            (
                "clusterCapacityProviders",
                r#"["SPOT"]"#,
                "clusterCapacityProviders",
                "`FARGATE` or `FARGATE_SPOT`",
            ),
            (
                "capacityProviderStrategy",
                r#"[{"capacityProvider":"FARGATE","base":1,"weight":1},{"capacityProvider":"FARGATE","weight":1}]"#,
                "capacityProviderStrategy[1].capacityProvider",
                "listed twice",
            ),
            (
                "capacityProviderStrategy",
                r#"[{"capacityProvider":"FARGATE","weight":1001}]"#,
                "capacityProviderStrategy[0].weight",
                "0 to 1000",
            ),
            (
                "extraEgress",
                r#"[{"port":5432}]"#,
                "extraEgress[0]",
                "neither `cidrs` nor `securityGroupIds`",
            ),
            (
                "extraEgress",
                r#"[{"cidrs":["10.0.0.0/16"]}]"#,
                "extraEgress[0]",
                "needs `port`",
            ),
            (
                "extraEgress",
                r#"[{"fromPort":6000,"toPort":5000,"cidrs":["10.0.0.0/16"]}]"#,
                "extraEgress[0].toPort",
                "below `fromPort` 6000",
            ),
            (
                "extraEgress",
                r#"[{"protocol":"icmp","port":1,"cidrs":["10.0.0.0/16"]}]"#,
                "extraEgress[0].protocol",
                "`tcp`, `udp` or `all`",
            ),
            (
                "extraEgress",
                r#"[{"port":5432,"securityGroupIds":["db"]}]"#,
                "extraEgress[0].securityGroupIds",
                "security group id",
            ),
            (
                "extraEgress",
                r#"[{"prot":5432,"cidrs":["10.0.0.0/16"]}]"#,
                "extraEgress[0]",
                "unknown field `prot`",
            ),
        ] {
            let both = r#"["FARGATE","FARGATE_SPOT"]"#;
            let e = read(&[("clusterCapacityProviders", both), (key, value)]).unwrap_err();
            assert!(
                e.starts_with(&format!("config key `sotex-backend:{path}")) && e.contains(expected),
                "{key}={value}: {e}"
            );
        }
    }

    #[test]
    fn certificate_from_another_region_is_refused() {
        let arn =
            "arn:aws:acm:us-east-1:123456789012:certificate/8e1c1e44-0e1b-4a51-9c6c-5e1f0a1b2c3d";
        let mut values: HashMap<String, String> = HashMap::from([
            (
                "sotex-backend:imageRepository".into(),
                "example.com/sotex/api".into(),
            ),
            ("sotex-backend:imageTag".into(), "1.0.0".into()),
            ("sotex-backend:certificateArn".into(), arn.into()),
            ("fargate:region".into(), "eu-central-1".into()),
        ]);
        let read = |values: &HashMap<String, String>| {
            let config = Config::new("sotex-backend", "staging", values.clone(), HashSet::new());
            Settings::read(&config, "staging").map_err(|e| e.to_string())
        };
        let e = read(&values).unwrap_err();
        assert!(
            e.starts_with("config key `sotex-backend:certificateArn`")
                && e.contains(
                    "in us-east-1, but the load balancer is in eu-central-1 (`fargate:region`)"
                ),
            "{e}"
        );
        values.insert("fargate:region".into(), "us-east-1".into());
        assert!(read(&values).is_ok());
    }

    #[test]
    fn egress_to_a_database_group_and_a_cidr_range() {
        let s = read(&[(
            "extraEgress",
            r#"[{"port":5432,"securityGroupIds":["sg-0abc1234","sg-0def5678"],"description":"PostgreSQL"},{"protocol":"udp","fromPort":5000,"toPort":5010,"cidrs":["10.1.0.0/16"]}]"#,
        )])
        .unwrap();
        let e = &s.aws.extra_egress;
        assert_eq!(e.len(), 3, "{e:?}");
        assert_eq!(e[0].security_group_id.as_deref(), Some("sg-0abc1234"));
        assert_eq!(e[1].security_group_id.as_deref(), Some("sg-0def5678"));
        assert_eq!((e[0].from_port, e[0].to_port), (Some(5432), Some(5432)));
        assert_eq!(e[0].description, "PostgreSQL");
        assert_eq!(e[2].protocol, RuleProtocol::Udp);
        assert_eq!((e[2].from_port, e[2].to_port), (Some(5000), Some(5010)));
        assert_eq!(e[2].cidrs, Some(vec!["10.1.0.0/16".to_string()]));
        assert_eq!(e[2].description, "extraEgress[1]");
    }
}
