//! Conversion between AWS shapes and our inputs/outputs, and the request builders.

use super::*;

impl RuleProtocol {
    pub(crate) fn aws(self) -> &'static str {
        match self {
            Self::Tcp => "tcp",
            Self::Udp => "udp",
            Self::Icmp => "icmp",
            Self::All => "-1",
        }
    }

    pub(crate) fn from_aws(s: &str) -> Option<Self> {
        match s {
            "tcp" => Some(Self::Tcp),
            "udp" => Some(Self::Udp),
            "icmp" => Some(Self::Icmp),
            "-1" => Some(Self::All),
            _ => None,
        }
    }
}

pub(crate) fn describe_key(key: &PermissionKey) -> String {
    let peer = match &key.peer {
        Peer::Ipv4(c) | Peer::Ipv6(c) => c.clone(),
        Peer::Group(g) => g.clone(),
    };
    match key.ports {
        None => format!("protocol {} with {peer}", key.protocol),
        Some((a, b)) => format!("{} {a}-{b} with {peer}", key.protocol),
    }
}

/// The atomic permissions of one rule.
pub(crate) fn rule_permissions(rule: &SecurityGroupRule) -> Permissions {
    let protocol = rule.protocol.aws().to_string();
    let ports = match rule.protocol {
        RuleProtocol::All => None,
        RuleProtocol::Icmp => Some((rule.from_port.unwrap_or(-1), rule.to_port.unwrap_or(-1))),
        RuleProtocol::Tcp | RuleProtocol::Udp => {
            let from = rule.from_port.unwrap_or(0);
            Some((from, rule.to_port.unwrap_or(from)))
        }
    };
    let peers = rule
        .cidr_blocks
        .iter()
        .map(|c| Peer::Ipv4(c.clone()))
        .chain(
            rule.ipv6_cidr_blocks
                .iter()
                .map(|c| Peer::Ipv6(canonical(c))),
        )
        .chain(
            rule.source_security_group_id
                .iter()
                .cloned()
                .map(Peer::Group),
        );
    peers
        .map(|peer| {
            (
                PermissionKey {
                    protocol: protocol.clone(),
                    ports,
                    peer,
                },
                rule.description.clone(),
            )
        })
        .collect()
}

/// The atomic permissions of a rule list.
pub fn permissions_of(rules: &[SecurityGroupRule]) -> Permissions {
    rules.iter().flat_map(rule_permissions).collect()
}

/// Rules for atomic permissions, grouped like a program would write them: one rule per protocol,
/// port range and description with all its CIDR blocks, one per source security group. Returns
/// also the protocols this resource cannot express (left out).
pub fn rules_from(perms: &Permissions) -> (Vec<SecurityGroupRule>, Vec<String>) {
    /// Protocol, ports and description.
    pub(crate) type Key = (String, Option<(i32, i32)>, Option<String>);
    /// IPv4 CIDRs, IPv6 CIDRs, group ids.
    pub(crate) type Peers = (Vec<String>, Vec<String>, Vec<String>);
    let mut groups: BTreeMap<Key, Peers> = BTreeMap::new();
    for (key, description) in perms {
        let g = groups
            .entry((key.protocol.clone(), key.ports, description.clone()))
            .or_default();
        match &key.peer {
            Peer::Ipv4(c) => g.0.push(c.clone()),
            Peer::Ipv6(c) => g.1.push(c.clone()),
            Peer::Group(id) => g.2.push(id.clone()),
        }
    }
    let mut rules = Vec::new();
    let mut unsupported = BTreeSet::new();
    for ((protocol, ports, description), (v4, v6, sgs)) in groups {
        let Some(p) = RuleProtocol::from_aws(&protocol) else {
            unsupported.insert(protocol);
            continue;
        };
        let (from_port, to_port) = match (p, ports) {
            (RuleProtocol::All, _) | (_, None) => (None, None),
            (RuleProtocol::Icmp, Some((t, c))) => ((t != -1).then_some(t), (c != -1).then_some(c)),
            (_, Some((a, b))) => (Some(a), Some(b)),
        };
        let rule = SecurityGroupRule {
            protocol: p,
            from_port,
            to_port,
            cidr_blocks: Vec::new(),
            ipv6_cidr_blocks: Vec::new(),
            source_security_group_id: None,
            description,
        };
        if !v4.is_empty() || !v6.is_empty() {
            rules.push(SecurityGroupRule {
                cidr_blocks: v4,
                ipv6_cidr_blocks: v6,
                ..rule.clone()
            });
        }
        for sg in sgs {
            rules.push(SecurityGroupRule {
                source_security_group_id: Some(sg),
                ..rule.clone()
            });
        }
    }
    (rules, unsupported.into_iter().collect())
}

/// The rules to report for what AWS has: the program's own rules when they mean the same
/// permissions (so a refresh shows no change), else AWS's rules.
pub fn normalise_rules(
    old: Option<&[SecurityGroupRule]>,
    actual: &Permissions,
) -> (Vec<SecurityGroupRule>, Vec<String>) {
    match old {
        Some(old) if permissions_of(old) == *actual => (old.to_vec(), Vec::new()),
        _ => rules_from(actual),
    }
}

/// AWS's default egress: everything out, to every IPv4 (and in IPv6 VPCs every IPv6) address.
pub(crate) fn is_default_egress(perms: &Permissions) -> bool {
    !perms.is_empty()
        && perms.iter().all(|(k, d)| {
            d.is_none()
                && k.protocol == "-1"
                && (k.peer == Peer::Ipv4("0.0.0.0/0".into()) || k.peer == Peer::Ipv6("::/0".into()))
        })
}

/// A security group as AWS creates it in a VPC: one rule, egress to everywhere.
pub(crate) fn new_vpc_group(id: &str, vpc_id: &str) -> aws_sdk_ec2::types::SecurityGroup {
    aws_sdk_ec2::types::SecurityGroup::builder()
        .group_id(id)
        .vpc_id(vpc_id)
        .ip_permissions_egress(
            aws_sdk_ec2::types::IpPermission::builder()
                .ip_protocol("-1")
                .ip_ranges(
                    aws_sdk_ec2::types::IpRange::builder()
                        .cidr_ip("0.0.0.0/0")
                        .build(),
                )
                .build(),
        )
        .build()
}
