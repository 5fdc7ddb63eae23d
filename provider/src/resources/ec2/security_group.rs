//! `fargate:ec2:SecurityGroup` — a VPC security group whose rules change in place.
//!
//! Rules are compared as atomic permissions (one protocol, port range and peer each), so AWS's
//! grouping of peers into `IpPermission`s never shows up as a difference, and a rule change
//! authorizes or revokes exactly the permissions that differ instead of recreating the group.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{Ipv4Addr, Ipv6Addr};

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::aws::ec2::{self as ec2_api, Direction, Peer, PermissionKey, Permissions};
use crate::aws::retry::AttemptCounter;
use crate::context::Ctx;
use crate::error::{CheckFailure, ProviderError, Result, aws_error_code};
use crate::naming::auto_name;
use crate::resource::{
    CheckContext, Diff, DiffInput, Resource, diff_inputs, is_known, to_json, top_level_key,
};
use crate::validate;

pub struct SecurityGroup;

/// A VPC security group. Rule changes apply in place; only `name`, `vpcId` and `description`
/// replace the group.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "SecurityGroupArgs")]
pub struct SecurityGroupInputs {
    /// Name of the group: up to 255 letters, digits, spaces and `._-:/()#,@[]+=&;{}!$*`, not
    /// starting with `sg-`. Defaults to the Pulumi resource name plus a random suffix. Changing
    /// it replaces the group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description of the group (same characters as `name`). Defaults to `Managed by Pulumi`.
    /// AWS cannot change it, so changing it replaces the group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// VPC the group belongs to (`vpc-...`). Changing it replaces the group.
    pub vpc_id: String,
    /// Inbound rules. The group allows exactly these; none means no inbound traffic.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ingress: Vec<SecurityGroupRule>,
    /// Outbound rules. Leave out to keep AWS's default (all outbound traffic allowed) unmanaged;
    /// give a list (even an empty one) to allow exactly those rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress: Option<Vec<SecurityGroupRule>>,
    /// Tags on the group, merged over the provider's `defaultTags`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// One security group rule: a protocol, a port range and one or more peers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SecurityGroupRule {
    /// `tcp`, `udp`, `icmp`, or `all` (every protocol and port).
    pub protocol: RuleProtocol,
    /// First port (0–65535) for `tcp`/`udp`, required there; the ICMP type (0–255, absent = all
    /// types) for `icmp`; absent (or 0) for `all`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_port: Option<i32>,
    /// Last port (0–65535, at least `fromPort`; defaults to `fromPort`) for `tcp`/`udp`; the ICMP
    /// code (0–255, absent = all codes) for `icmp`; absent (or 65535) for `all`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_port: Option<i32>,
    /// IPv4 CIDR blocks, e.g. `10.0.0.0/16`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cidr_blocks: Vec<String>,
    /// IPv6 CIDR blocks, e.g. `2001:db8::/32`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ipv6_cidr_blocks: Vec<String>,
    /// Another security group (`sg-...`): traffic from (ingress) or to (egress) its members.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_security_group_id: Option<String>,
    /// Description of the rule, up to 255 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// IP protocol of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RuleProtocol {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
    /// ICMP (IPv4).
    Icmp,
    /// Every protocol and port (AWS's `-1`).
    All,
}

impl RuleProtocol {
    fn aws(self) -> &'static str {
        match self {
            Self::Tcp => "tcp",
            Self::Udp => "udp",
            Self::Icmp => "icmp",
            Self::All => "-1",
        }
    }

    fn from_aws(s: &str) -> Option<Self> {
        match s {
            "tcp" => Some(Self::Tcp),
            "udp" => Some(Self::Udp),
            "icmp" => Some(Self::Icmp),
            "-1" => Some(Self::All),
            _ => None,
        }
    }
}

/// The security group as it exists in AWS. Its id (`sg-...`) is the resource's id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "SecurityGroupState")]
pub struct SecurityGroupOutputs {
    #[serde(flatten)]
    pub inputs: SecurityGroupInputs,
    /// ARN of the security group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// Every tag on the group, the provider's `defaultTags` included.
    #[serde(default)]
    pub tags_all: BTreeMap<String, String>,
}

const NAME_MAX: usize = 255;
const DEFAULT_DESCRIPTION: &str = "Managed by Pulumi";

/// Characters AWS allows in VPC security group names and descriptions.
fn text_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == ' ' || "._-:/()#,@[]+=&;{}!$*".contains(c)
}

fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

fn validate_text(property: &str, what: &str, value: &str, failures: &mut Vec<CheckFailure>) {
    if !is_known(value) {
        return;
    }
    let bad: BTreeSet<char> = value.chars().filter(|c| !text_char(*c)).collect();
    if value.is_empty() || value.chars().count() > NAME_MAX || !bad.is_empty() {
        failures.push(CheckFailure::new(
            property,
            format!(
                "`{value}` is not a valid security group {what}: use 1 to {NAME_MAX} letters, digits, spaces and ._-:/()#,@[]+=&;{{}}!$*{}",
                if bad.is_empty() {
                    String::new()
                } else {
                    format!(" (not allowed: {})", bad.into_iter().collect::<String>())
                }
            ),
        ));
    }
}

/// An IPv4 CIDR block in AWS's canonical form (no host bits set), or why not.
fn check_ipv4_cidr(value: &str) -> Result<(), String> {
    let invalid = || format!("`{value}` is not an IPv4 CIDR block such as `10.0.0.0/16`");
    let (addr, len) = value.split_once('/').ok_or_else(invalid)?;
    let addr: Ipv4Addr = addr.parse().map_err(|_| invalid())?;
    let len: u32 = len.parse().map_err(|_| invalid())?;
    if len > 32 {
        return Err(format!(
            "`{value}` has prefix length {len}; IPv4 allows 0 to 32"
        ));
    }
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    let network = Ipv4Addr::from(u32::from(addr) & mask);
    if network != addr {
        return Err(format!(
            "`{value}` has host bits set; write the network address `{network}/{len}`"
        ));
    }
    Ok(())
}

fn check_ipv6_cidr(value: &str) -> Result<(), String> {
    let invalid = || format!("`{value}` is not an IPv6 CIDR block such as `2001:db8::/32`");
    let (addr, len) = value.split_once('/').ok_or_else(invalid)?;
    let addr: Ipv6Addr = addr.parse().map_err(|_| invalid())?;
    let len: u32 = len.parse().map_err(|_| invalid())?;
    if len > 128 {
        return Err(format!(
            "`{value}` has prefix length {len}; IPv6 allows 0 to 128"
        ));
    }
    let mask = if len == 0 {
        0
    } else {
        u128::MAX << (128 - len)
    };
    let network = Ipv6Addr::from(u128::from(addr) & mask);
    if network != addr {
        return Err(format!(
            "`{value}` has host bits set; write the network address `{network}/{len}`"
        ));
    }
    Ok(())
}

fn validate_rule(
    at: &str,
    rule: &SecurityGroupRule,
    ingress: bool,
    has_unknowns: bool,
    f: &mut Vec<CheckFailure>,
) {
    let port_range = |f: &mut Vec<CheckFailure>, prop: &str, v: Option<i32>, min, max, what| {
        if let Some(v) = v
            && !(min..=max).contains(&v)
        {
            f.push(CheckFailure::new(
                format!("{at}.{prop}"),
                format!("{v} is out of range: {what} must be {min} to {max}"),
            ));
        }
    };
    match rule.protocol {
        RuleProtocol::Tcp | RuleProtocol::Udp => {
            let proto = rule.protocol.aws();
            if rule.from_port.is_none() {
                f.push(CheckFailure::new(
                    format!("{at}.fromPort"),
                    format!("a `{proto}` rule needs fromPort (0 to 65535; with toPort for a range, e.g. fromPort 0 and toPort 65535 for every port)"),
                ));
            }
            port_range(f, "fromPort", rule.from_port, 0, 65535, "a port");
            port_range(f, "toPort", rule.to_port, 0, 65535, "a port");
            if let (Some(from), Some(to)) = (rule.from_port, rule.to_port)
                && from > to
            {
                f.push(CheckFailure::new(
                    format!("{at}.toPort"),
                    format!("toPort {to} is below fromPort {from}; a port range runs from fromPort up to toPort"),
                ));
            }
        }
        RuleProtocol::Icmp => {
            port_range(f, "fromPort", rule.from_port, -1, 255, "the ICMP type");
            port_range(f, "toPort", rule.to_port, -1, 255, "the ICMP code");
            if rule.from_port.unwrap_or(-1) == -1 && rule.to_port.is_some_and(|c| c != -1) {
                f.push(CheckFailure::new(
                    format!("{at}.toPort"),
                    "an ICMP code (toPort) needs an ICMP type (fromPort); leave both out for every ICMP message",
                ));
            }
        }
        RuleProtocol::All => {
            for (prop, v, all) in [
                ("fromPort", rule.from_port, 0),
                ("toPort", rule.to_port, 65535),
            ] {
                if let Some(v) = v
                    && v != all
                {
                    f.push(CheckFailure::new(
                        format!("{at}.{prop}"),
                        format!("protocol `all` covers every port, so {prop} {v} cannot apply: leave {prop} out (or use protocol tcp/udp for a port range)"),
                    ));
                }
            }
        }
    }
    let mut open_to_world = false;
    for (i, cidr) in rule.cidr_blocks.iter().enumerate() {
        if !is_known(cidr) {
            continue;
        }
        if let Err(reason) = check_ipv4_cidr(cidr) {
            f.push(CheckFailure::new(format!("{at}.cidrBlocks[{i}]"), reason));
        }
        open_to_world |= cidr == "0.0.0.0/0";
    }
    for (i, cidr) in rule.ipv6_cidr_blocks.iter().enumerate() {
        if !is_known(cidr) {
            continue;
        }
        if let Err(reason) = check_ipv6_cidr(cidr) {
            f.push(CheckFailure::new(
                format!("{at}.ipv6CidrBlocks[{i}]"),
                reason,
            ));
        }
        open_to_world |= canonical(cidr) == "::/0";
    }
    if let Some(sg) = rule
        .source_security_group_id
        .as_deref()
        .filter(|s| is_known(s))
        && !sg.starts_with("sg-")
    {
        f.push(CheckFailure::new(
            format!("{at}.sourceSecurityGroupId"),
            format!("`{sg}` is not a security group id (sg-...)"),
        ));
    }
    if !has_unknowns
        && rule.cidr_blocks.is_empty()
        && rule.ipv6_cidr_blocks.is_empty()
        && rule.source_security_group_id.is_none()
    {
        f.push(CheckFailure::new(
            at,
            format!(
                "the rule allows traffic {} nothing: give cidrBlocks, ipv6CidrBlocks or sourceSecurityGroupId",
                if ingress { "from" } else { "to" }
            ),
        ));
    }
    if ingress && open_to_world && rule.protocol == RuleProtocol::All {
        f.push(CheckFailure::new(
            at,
            "protocol `all` from the whole internet (0.0.0.0/0 or ::/0) opens every port of everything in the group; allow only what you serve (e.g. protocol tcp, fromPort 443), or a narrower CIDR block",
        ));
    }
    if let Some(d) = rule.description.as_deref().filter(|d| is_known(d))
        && d.chars().count() > NAME_MAX
    {
        f.push(CheckFailure::new(
            format!("{at}.description"),
            format!(
                "the description is {} characters long; AWS allows at most {NAME_MAX}",
                d.chars().count()
            ),
        ));
    }
}

fn canonical(cidr: &str) -> String {
    ec2_api::canonical_ipv6_cidr(cidr)
}

/// Every validation rule; each failure names the property path and the value.
pub fn validate(i: &SecurityGroupInputs, has_unknowns: bool) -> Vec<CheckFailure> {
    let mut f = Vec::new();
    if let Some(name) = i.name.as_deref() {
        validate_text("name", "name", name, &mut f);
        if is_known(name) && name.to_ascii_lowercase().starts_with("sg-") {
            f.push(CheckFailure::new(
                "name",
                format!("`{name}` starts with `sg-`, which AWS reserves for security group ids"),
            ));
        }
    }
    if let Some(d) = i.description.as_deref() {
        validate_text("description", "description", d, &mut f);
    }
    if is_known(&i.vpc_id) && !i.vpc_id.starts_with("vpc-") {
        f.push(CheckFailure::new(
            "vpcId",
            format!("`{}` is not a VPC id (vpc-...)", i.vpc_id),
        ));
    }
    let lists = [
        ("ingress", true, Some(&i.ingress)),
        ("egress", false, i.egress.as_ref()),
    ];
    for (prop, ingress, rules) in lists {
        let mut seen: BTreeMap<PermissionKey, usize> = BTreeMap::new();
        for (n, rule) in rules.into_iter().flatten().enumerate() {
            let at = format!("{prop}[{n}]");
            let before = f.len();
            validate_rule(&at, rule, ingress, has_unknowns, &mut f);
            if f.len() > before || has_unknowns {
                continue;
            }
            for key in rule_permissions(rule).into_keys() {
                if let Some(first) = seen.insert(key.clone(), n)
                    && first != n
                {
                    f.push(CheckFailure::new(
                        &at,
                        format!(
                            "{} is already allowed by {prop}[{first}]; AWS keeps each protocol, port range and peer once",
                            describe_key(&key)
                        ),
                    ));
                }
            }
        }
    }
    validate::tags("tags", i.tags.as_ref(), &mut f);
    f
}

fn describe_key(key: &PermissionKey) -> String {
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
fn rule_permissions(rule: &SecurityGroupRule) -> Permissions {
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
    type Key = (String, Option<(i32, i32)>, Option<String>);
    /// IPv4 CIDRs, IPv6 CIDRs, group ids.
    type Peers = (Vec<String>, Vec<String>, Vec<String>);
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
fn is_default_egress(perms: &Permissions) -> bool {
    !perms.is_empty()
        && perms.iter().all(|(k, d)| {
            d.is_none()
                && k.protocol == "-1"
                && (k.peer == Peer::Ipv4("0.0.0.0/0".into()) || k.peer == Peer::Ipv6("::/0".into()))
        })
}

impl SecurityGroup {
    fn outputs_from(
        group: &aws_sdk_ec2::types::SecurityGroup,
        inputs: SecurityGroupInputs,
        region: &str,
    ) -> SecurityGroupOutputs {
        SecurityGroupOutputs {
            inputs,
            arn: ec2_api::security_group_arn(group, region),
            tags_all: ec2_api::from_ec2_tags(group.tags()),
        }
    }

    /// Makes the group's rules equal the inputs' (egress only when managed).
    async fn sync_rules(
        ctx: &Ctx,
        group: &aws_sdk_ec2::types::SecurityGroup,
        inputs: &SecurityGroupInputs,
    ) -> Result<()> {
        let ec2 = ctx.aws.ec2().await?;
        let id = group.group_id().unwrap_or_default();
        let current = ec2_api::permissions_from_aws(group.ip_permissions());
        let changes = ec2_api::permission_changes(&current, &permissions_of(&inputs.ingress));
        if !changes.is_empty() {
            ctx.log
                .status(format!(
                    "ingress: +{} -{} ~{} permissions",
                    changes.authorize.len(),
                    changes.revoke.len(),
                    changes.redescribe.len()
                ))
                .await;
            ec2_api::apply_permission_changes(ec2, id, Direction::Ingress, &changes).await?;
        }
        if let Some(egress) = &inputs.egress {
            let current = ec2_api::permissions_from_aws(group.ip_permissions_egress());
            let changes = ec2_api::permission_changes(&current, &permissions_of(egress));
            if !changes.is_empty() {
                ctx.log
                    .status(format!(
                        "egress: +{} -{} ~{} permissions",
                        changes.authorize.len(),
                        changes.revoke.len(),
                        changes.redescribe.len()
                    ))
                    .await;
                ec2_api::apply_permission_changes(ec2, id, Direction::Egress, &changes).await?;
            }
        }
        Ok(())
    }

    async fn describe(ctx: &Ctx, id: &str) -> Result<aws_sdk_ec2::types::SecurityGroup> {
        let ec2 = ctx.aws.ec2().await?;
        ec2_api::find_security_group(ec2, id)
            .await?
            .ok_or_else(|| ProviderError::NotFound(format!("security group {id} does not exist")))
    }
}

/// Removes from `diff` the changes of a rule list whose old and new rules mean the same
/// permissions (reordered or regrouped rules change nothing in AWS).
fn drop_equivalent_rule_changes(diff: &mut Diff, old: &serde_json::Value, new: &serde_json::Value) {
    for prop in ["ingress", "egress"] {
        let parse = |v: &serde_json::Value| -> Option<Option<Vec<SecurityGroupRule>>> {
            match v.get(prop) {
                None | Some(serde_json::Value::Null) => Some(None),
                Some(rules) => serde_json::from_value(rules.clone()).ok().map(Some),
            }
        };
        let (Some(o), Some(n)) = (parse(old), parse(new)) else {
            continue;
        };
        let same = match (&o, &n) {
            (Some(o), Some(n)) => permissions_of(o) == permissions_of(n),
            // An absent ingress is an empty one; an absent egress is unmanaged.
            (None, Some(r)) | (Some(r), None) => prop == "ingress" && r.is_empty(),
            (None, None) => true,
        };
        if same {
            diff.changes.retain(|path, _| top_level_key(path) != prop);
        }
    }
}

#[async_trait]
impl Resource for SecurityGroup {
    const TOKEN: &'static str = "fargate:ec2:SecurityGroup";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["name", "vpcId", "description"];
    type Inputs = SecurityGroupInputs;
    type Outputs = SecurityGroupOutputs;

    fn check(
        &self,
        mut news: SecurityGroupInputs,
        olds: Option<&SecurityGroupInputs>,
        ctx: &CheckContext<'_>,
    ) -> Result<SecurityGroupInputs, Vec<CheckFailure>> {
        news.description
            .get_or_insert_with(|| DEFAULT_DESCRIPTION.to_string());
        if news.name.is_none() {
            // Keep an earlier auto-name so an unrelated change does not replace the group; a
            // replacement gets a fresh one, so the new group can exist beside the old.
            let replacing =
                olds.is_some_and(|o| o.vpc_id != news.vpc_id || o.description != news.description);
            let old = olds.and_then(|o| o.name.as_deref()).filter(|_| !replacing);
            news.name = Some(ctx.default_name(old, || {
                auto_name(ctx.name, ctx.random_seed, NAME_MAX, name_char)
            }));
        }
        for rules in std::iter::once(&mut news.ingress).chain(news.egress.as_mut()) {
            for rule in rules.iter_mut() {
                match rule.protocol {
                    // A single port needs no toPort.
                    RuleProtocol::Tcp | RuleProtocol::Udp if rule.to_port.is_none() => {
                        rule.to_port = rule.from_port;
                    }
                    // 0 to 65535 is what `all` means anyway.
                    RuleProtocol::All
                        if rule.from_port.is_none_or(|p| p == 0)
                            && rule.to_port.is_none_or(|p| p == 65535) =>
                    {
                        rule.from_port = None;
                        rule.to_port = None;
                    }
                    _ => {}
                }
            }
        }
        if news.tags.as_ref().is_some_and(BTreeMap::is_empty) {
            news.tags = None;
        }
        let failures = validate(&news, ctx.has_unknowns);
        if failures.is_empty() {
            Ok(news)
        } else {
            Err(failures)
        }
    }

    fn diff(&self, input: &DiffInput<'_>) -> Diff {
        let mut diff = diff_inputs(input.old_inputs, input.news, Self::REPLACE_ON_CHANGES);
        drop_equivalent_rule_changes(&mut diff, input.old_inputs, input.news);
        // The same name in the same VPC cannot exist twice: delete the old group first.
        if diff.is_replace()
            && input.old_inputs.get("name") == input.news.get("name")
            && input.old_inputs.get("vpcId") == input.news.get("vpcId")
        {
            diff.delete_before_replace = true;
        }
        diff
    }

    async fn create(
        &self,
        ctx: &Ctx,
        inputs: &SecurityGroupInputs,
    ) -> Result<(String, SecurityGroupOutputs)> {
        let ec2 = ctx.aws.ec2().await?;
        let name = inputs
            .name
            .as_deref()
            .ok_or_else(|| ProviderError::internal("security group name missing after check"))?;
        let tags_all = ctx.tags_all(inputs.tags.as_ref());
        let mut request = ec2
            .create_security_group()
            .group_name(name)
            .description(inputs.description.as_deref().unwrap_or(DEFAULT_DESCRIPTION))
            .vpc_id(&inputs.vpc_id);
        // The URN mark lets a retry after a crashed create find this group (crate::adopt).
        request = request.tag_specifications(
            aws_sdk_ec2::types::TagSpecification::builder()
                .resource_type(aws_sdk_ec2::types::ResourceType::SecurityGroup)
                .set_tags(Some(ec2_api::to_ec2_tags(&crate::adopt::marked(
                    ctx, &tags_all,
                ))))
                .build(),
        );
        let attempts = AttemptCounter::new();
        let created = request
            .customize()
            .interceptor(attempts.clone())
            .send()
            .await;
        let (id, arn) = match created {
            Ok(out) => (
                out.group_id()
                    .ok_or_else(|| {
                        ProviderError::internal("ec2:CreateSecurityGroup returned no id")
                    })?
                    .to_string(),
                out.security_group_arn().map(str::to_string),
            ),
            // The SDK retried, and an earlier attempt created the group before its answer was
            // lost: adopt it rather than orphan it.
            Err(e)
                if aws_error_code(&e) == Some("InvalidGroup.Duplicate") && attempts.retried() =>
            {
                let found = ec2
                    .describe_security_groups()
                    .filters(
                        aws_sdk_ec2::types::Filter::builder()
                            .name("group-name")
                            .values(name)
                            .build(),
                    )
                    .filters(
                        aws_sdk_ec2::types::Filter::builder()
                            .name("vpc-id")
                            .values(&inputs.vpc_id)
                            .build(),
                    )
                    .send()
                    .await
                    .map_err(|e| ProviderError::from_aws("ec2:DescribeSecurityGroups", &e, &[]))?;
                let group = found.security_groups().first().ok_or_else(|| {
                    ProviderError::internal(format!(
                        "ec2:CreateSecurityGroup: `{name}` is a duplicate, yet no such group is in {}",
                        inputs.vpc_id
                    ))
                })?;
                (
                    group.group_id().unwrap_or_default().to_string(),
                    group.security_group_arn().map(str::to_string),
                )
            }
            Err(e) => {
                return Err(ProviderError::from_aws(
                    "ec2:CreateSecurityGroup",
                    &e,
                    &["InvalidVpcID.NotFound"],
                ));
            }
        };
        ctx.log.status(format!("created security group {id}")).await;
        let mut outputs = SecurityGroupOutputs {
            inputs: inputs.clone(),
            arn,
            tags_all,
        };
        // The group exists now: a failure from here on keeps it in the state (init failure),
        // so the next `up` fixes its rules instead of orphaning it.
        // AWS gives every new VPC group exactly one rule, egress to everywhere; starting from
        // that saves a read per group.
        let group = aws_sdk_ec2::types::SecurityGroup::builder()
            .group_id(&id)
            .vpc_id(&inputs.vpc_id)
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
            .build();
        let finish = async {
            Self::sync_rules(ctx, &group, inputs).await?;
            Ok::<_, ProviderError>(group)
        };
        match finish.await {
            Ok(group) => {
                let region = ctx.aws.region().await.unwrap_or_default();
                if outputs.arn.is_none() {
                    outputs.arn = ec2_api::security_group_arn(&group, &region);
                }
                Ok((id, outputs))
            }
            Err(e) => Err(ProviderError::InitFailed {
                outputs: to_json(&outputs),
                id,
                reasons: vec![format!("setting the security group's rules failed: {e}")],
            }),
        }
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: Option<(&SecurityGroupInputs, &SecurityGroupOutputs)>,
    ) -> Result<Option<(SecurityGroupInputs, SecurityGroupOutputs)>> {
        let ec2 = ctx.aws.ec2().await?;
        let Some(group) = ec2_api::find_security_group(ec2, id).await? else {
            return Ok(None);
        };
        let old = olds.map(|(i, _)| i);
        let tags_all = ec2_api::from_ec2_tags(group.tags());
        let (ingress, mut unsupported) = normalise_rules(
            old.map(|o| o.ingress.as_slice()),
            &ec2_api::permissions_from_aws(group.ip_permissions()),
        );
        let actual_egress = ec2_api::permissions_from_aws(group.ip_permissions_egress());
        let egress = match old {
            // Egress left unmanaged by the program stays so.
            Some(o) if o.egress.is_none() => None,
            Some(o) => {
                let (rules, u) = normalise_rules(o.egress.as_deref(), &actual_egress);
                unsupported.extend(u);
                Some(rules)
            }
            // Import: AWS's default egress means "unmanaged".
            None if is_default_egress(&actual_egress) => None,
            None => {
                let (rules, u) = rules_from(&actual_egress);
                unsupported.extend(u);
                Some(rules)
            }
        };
        if !unsupported.is_empty() {
            ctx.log
                .warn(format!(
                    "security group {id} has rules for protocols this resource does not model ({}); they are left out of its rules and the next update removes them",
                    unsupported.join(", ")
                ))
                .await;
        }
        let inputs = SecurityGroupInputs {
            name: group.group_name().map(str::to_string),
            description: group.description().map(str::to_string),
            vpc_id: group.vpc_id().unwrap_or_default().to_string(),
            ingress,
            egress,
            tags: crate::tags::own_tags(
                &tags_all,
                old.and_then(|o| o.tags.as_ref()),
                &ctx.default_tags,
            ),
        };
        let region = ctx.aws.region().await.unwrap_or_default();
        let outputs = Self::outputs_from(&group, inputs.clone(), &region);
        Ok(Some((inputs, outputs)))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: &SecurityGroupOutputs,
        news: &SecurityGroupInputs,
    ) -> Result<SecurityGroupOutputs> {
        let ec2 = ctx.aws.ec2().await?;
        let tags_all = ctx.tags_all(news.tags.as_ref());
        if tags_all != olds.tags_all {
            ec2_api::sync_tags(ec2, id, &olds.tags_all, &tags_all).await?;
        }
        // Compare with what AWS has now, not with the last outputs, so drift is repaired too.
        let group = Self::describe(ctx, id).await?;
        Self::sync_rules(ctx, &group, news).await?;
        Ok(SecurityGroupOutputs {
            inputs: news.clone(),
            arn: olds.arn.clone(),
            tags_all,
        })
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _olds: &SecurityGroupOutputs) -> Result<()> {
        let ec2 = ctx.aws.ec2().await?;
        let rule = crate::aws::retry::RetryRule {
            budget: ctx
                .timeout
                .unwrap_or(ec2_api::SECURITY_GROUP_STILL_IN_USE.budget),
            ..ec2_api::SECURITY_GROUP_STILL_IN_USE
        };
        ec2_api::delete_security_group(ec2, id, &rule, &ctx.cancel, |attempt| {
            ctx.log.status(format!(
                "security group {id} is still in use (network interfaces of Fargate tasks or load balancers take minutes to go); retrying deletion ({attempt})"
            ))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::DynResource;
    use aws_sdk_ec2::types::{IpPermission, IpRange, UserIdGroupPair};
    use pulumi_rs_proto::value::UNKNOWN;
    use serde_json::json;

    fn ctx<'a>(has_unknowns: bool) -> CheckContext<'a> {
        CheckContext {
            name: "web",
            random_seed: b"seed",
            proposed_name: None,
            has_unknowns,
        }
    }

    fn base() -> serde_json::Value {
        json!({
            "vpcId": "vpc-123",
            "ingress": [
                {"protocol": "tcp", "fromPort": 443, "cidrBlocks": ["0.0.0.0/0"]},
                {"protocol": "tcp", "fromPort": 8080, "toPort": 8081, "sourceSecurityGroupId": "sg-lb"},
            ],
        })
    }

    fn check(v: serde_json::Value) -> Result<serde_json::Value, Vec<CheckFailure>> {
        DynResource::check(&SecurityGroup, v, None, &ctx(false))
    }

    fn failure_for(v: serde_json::Value, property: &str) -> CheckFailure {
        let failures = check(v).expect_err("should fail");
        failures
            .iter()
            .find(|f| f.property == property)
            .cloned()
            .unwrap_or_else(|| panic!("no failure for {property}: {failures:?}"))
    }

    fn with(path: &[&str], value: serde_json::Value) -> serde_json::Value {
        let mut v = base();
        let mut at = &mut v;
        for p in path {
            at = match p.parse::<usize>() {
                Ok(i) => &mut at[i],
                Err(_) => &mut at[*p],
            };
        }
        *at = value;
        v
    }

    #[test]
    fn good_inputs_pass_with_defaults() {
        let checked = check(base()).unwrap();
        assert!(checked["name"].as_str().unwrap().starts_with("web-"));
        assert_eq!(checked["description"], json!("Managed by Pulumi"));
        // A single port gets toPort = fromPort.
        assert_eq!(checked["ingress"][0]["toPort"], json!(443));
        assert!(checked.get("egress").is_none());
    }

    #[test]
    fn auto_name_is_kept_unless_replacing() {
        let first = check(base()).unwrap();
        let name = first["name"].clone();
        let again =
            DynResource::check(&SecurityGroup, base(), Some(first.clone()), &ctx(false)).unwrap();
        assert_eq!(again["name"], name);
        let seeded = CheckContext {
            random_seed: b"other",
            ..ctx(false)
        };
        let moved = DynResource::check(
            &SecurityGroup,
            with(&["vpcId"], json!("vpc-456")),
            Some(first),
            &seeded,
        )
        .unwrap();
        assert_ne!(moved["name"], name);
    }

    #[test]
    fn name_and_description_rules() {
        let f = failure_for(with(&["name"], json!("sg-web")), "name");
        assert!(
            f.reason.contains("`sg-web`") && f.reason.contains("sg-"),
            "{}",
            f.reason
        );
        let f = failure_for(with(&["name"], json!("web\u{e9}")), "name");
        assert!(f.reason.contains("not allowed"), "{}", f.reason);
        failure_for(with(&["name"], json!("x".repeat(256))), "name");
        failure_for(with(&["description"], json!("")), "description");
        failure_for(with(&["description"], json!("tab\there")), "description");
        assert!(check(with(&["name"], json!("web (prod) #1"))).is_ok());
        assert!(check(with(&["description"], json!("Web tier: 443/tcp"))).is_ok());
    }

    #[test]
    fn vpc_and_source_group_ids() {
        let f = failure_for(with(&["vpcId"], json!("subnet-1")), "vpcId");
        assert!(f.reason.contains("subnet-1"));
        let f = failure_for(
            with(&["ingress", "1", "sourceSecurityGroupId"], json!("web")),
            "ingress[1].sourceSecurityGroupId",
        );
        assert!(f.reason.contains("`web`"));
        assert!(
            failure_for(json!({"ingress": []}), "")
                .reason
                .contains("vpcId")
        );
    }

    #[test]
    fn port_rules() {
        failure_for(
            with(&["ingress", "0", "fromPort"], json!(70000)),
            "ingress[0].fromPort",
        );
        failure_for(
            with(&["ingress", "0", "fromPort"], json!(-1)),
            "ingress[0].fromPort",
        );
        let f = failure_for(
            with(&["ingress", "1", "toPort"], json!(80)),
            "ingress[1].toPort",
        );
        assert!(f.reason.contains("below fromPort 8080"), "{}", f.reason);
        let mut v = base();
        v["ingress"][0].as_object_mut().unwrap().remove("fromPort");
        failure_for(v, "ingress[0].fromPort");
        // `all`: ports absent, or exactly 0 and 65535 (dropped by check).
        let all = |from: serde_json::Value, to: serde_json::Value| {
            json!({"vpcId": "vpc-1", "ingress": [
                {"protocol": "all", "fromPort": from, "toPort": to, "cidrBlocks": ["10.0.0.0/8"]}
            ]})
        };
        let ok = check(all(json!(0), json!(65535))).unwrap();
        assert!(ok["ingress"][0].get("fromPort").is_none());
        let f = failure_for(all(json!(80), json!(80)), "ingress[0].fromPort");
        assert!(f.reason.contains("protocol `all`"), "{}", f.reason);
        failure_for(all(json!(0), json!(80)), "ingress[0].toPort");
        // ICMP: type/code 0-255 or -1; a code needs a type.
        let icmp = |rule: serde_json::Value| json!({"vpcId": "vpc-1", "ingress": [rule]});
        assert!(check(icmp(json!({"protocol": "icmp", "fromPort": 8, "toPort": 0, "cidrBlocks": ["10.0.0.0/8"]}))).is_ok());
        assert!(
            check(icmp(
                json!({"protocol": "icmp", "cidrBlocks": ["10.0.0.0/8"]})
            ))
            .is_ok()
        );
        failure_for(
            icmp(json!({"protocol": "icmp", "fromPort": 300, "cidrBlocks": ["10.0.0.0/8"]})),
            "ingress[0].fromPort",
        );
        failure_for(
            icmp(json!({"protocol": "icmp", "toPort": 4, "cidrBlocks": ["10.0.0.0/8"]})),
            "ingress[0].toPort",
        );
    }

    #[test]
    fn protocol_must_be_known() {
        let f = failure_for(
            with(&["ingress", "0", "protocol"], json!("sctp")),
            "ingress[0].protocol",
        );
        assert!(
            f.reason.contains("sctp") && f.reason.contains("tcp"),
            "{}",
            f.reason
        );
    }

    #[test]
    fn cidr_rules() {
        let f = failure_for(
            with(
                &["ingress", "0", "cidrBlocks"],
                json!(["10.0.0.0/8", "10.0.0.1/16"]),
            ),
            "ingress[0].cidrBlocks[1]",
        );
        assert!(f.reason.contains("10.0.0.0/16"), "{}", f.reason);
        failure_for(
            with(&["ingress", "0", "cidrBlocks"], json!(["10.0.0.0"])),
            "ingress[0].cidrBlocks[0]",
        );
        failure_for(
            with(&["ingress", "0", "cidrBlocks"], json!(["10.0.0.0/33"])),
            "ingress[0].cidrBlocks[0]",
        );
        failure_for(
            with(&["ingress", "0", "cidrBlocks"], json!(["300.0.0.0/8"])),
            "ingress[0].cidrBlocks[0]",
        );
        failure_for(
            with(&["ingress", "0", "ipv6CidrBlocks"], json!(["10.0.0.0/8"])),
            "ingress[0].ipv6CidrBlocks[0]",
        );
        let f = failure_for(
            with(
                &["ingress", "0", "ipv6CidrBlocks"],
                json!(["2001:db8::1/32"]),
            ),
            "ingress[0].ipv6CidrBlocks[0]",
        );
        assert!(f.reason.contains("2001:db8::/32"), "{}", f.reason);
        assert!(
            check(with(
                &["ingress", "0", "ipv6CidrBlocks"],
                json!(["2001:db8::/32", "::/0"])
            ))
            .is_ok()
        );
    }

    #[test]
    fn a_rule_needs_a_source() {
        let f = failure_for(
            with(&["ingress", "0", "cidrBlocks"], json!([])),
            "ingress[0]",
        );
        assert!(f.reason.contains("cidrBlocks"), "{}", f.reason);
        let v = json!({"vpcId": "vpc-1", "egress": [{"protocol": "all"}]});
        assert!(failure_for(v, "egress[0]").reason.contains("to nothing"));
    }

    #[test]
    fn all_traffic_from_the_internet_is_refused_on_ingress_only() {
        let open = json!({"protocol": "all", "cidrBlocks": ["0.0.0.0/0"]});
        let f = failure_for(json!({"vpcId": "vpc-1", "ingress": [open]}), "ingress[0]");
        assert!(
            f.reason.contains("least") || f.reason.contains("every port"),
            "{}",
            f.reason
        );
        let open6 = json!({"protocol": "all", "ipv6CidrBlocks": ["::/0"]});
        failure_for(json!({"vpcId": "vpc-1", "ingress": [open6]}), "ingress[0]");
        assert!(check(json!({"vpcId": "vpc-1", "egress": [open]})).is_ok());
        let narrow = json!({"protocol": "all", "cidrBlocks": ["10.0.0.0/8"]});
        assert!(check(json!({"vpcId": "vpc-1", "ingress": [narrow]})).is_ok());
    }

    #[test]
    fn duplicate_permissions_are_refused() {
        let v = json!({"vpcId": "vpc-1", "ingress": [
            {"protocol": "tcp", "fromPort": 443, "cidrBlocks": ["10.0.0.0/8"]},
            {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["10.0.0.0/8"], "description": "again"},
        ]});
        let f = failure_for(v, "ingress[1]");
        assert!(
            f.reason.contains("ingress[0]") && f.reason.contains("10.0.0.0/8"),
            "{}",
            f.reason
        );
    }

    #[test]
    fn description_and_tags_rules() {
        failure_for(
            with(&["ingress", "0", "description"], json!("d".repeat(256))),
            "ingress[0].description",
        );
        failure_for(with(&["tags"], json!({"aws:x": "y"})), "tags.aws:x");
    }

    #[test]
    fn unknowns_skip_value_rules() {
        let v = json!({"vpcId": UNKNOWN, "ingress": [
            {"protocol": "tcp", "fromPort": 443, "sourceSecurityGroupId": UNKNOWN}
        ]});
        let checked = DynResource::check(&SecurityGroup, v, None, &ctx(true)).unwrap();
        assert_eq!(checked["vpcId"], json!(UNKNOWN));
    }

    fn rule(v: serde_json::Value) -> SecurityGroupRule {
        serde_json::from_value(v).unwrap()
    }

    fn key(protocol: &str, ports: Option<(i32, i32)>, peer: Peer) -> PermissionKey {
        PermissionKey {
            protocol: protocol.into(),
            ports,
            peer,
        }
    }

    #[test]
    fn rules_split_into_atomic_permissions() {
        let perms = permissions_of(&[
            rule(
                json!({"protocol": "tcp", "fromPort": 80, "toPort": 80, "cidrBlocks": ["10.0.0.0/8", "192.168.0.0/16"], "ipv6CidrBlocks": ["2001:DB8:0::/32"]}),
            ),
            rule(json!({"protocol": "all", "sourceSecurityGroupId": "sg-1", "description": "lb"})),
            rule(json!({"protocol": "icmp", "cidrBlocks": ["10.0.0.0/8"]})),
        ]);
        assert_eq!(perms.len(), 5);
        assert!(perms.contains_key(&key(
            "tcp",
            Some((80, 80)),
            Peer::Ipv6("2001:db8::/32".into())
        )));
        assert_eq!(
            perms.get(&key("-1", None, Peer::Group("sg-1".into()))),
            Some(&Some("lb".to_string()))
        );
        assert!(perms.contains_key(&key(
            "icmp",
            Some((-1, -1)),
            Peer::Ipv4("10.0.0.0/8".into())
        )));
    }

    #[test]
    fn difference_authorizes_revokes_and_redescribes_only_what_changed() {
        let current = permissions_of(&[
            rule(
                json!({"protocol": "tcp", "fromPort": 80, "toPort": 80, "cidrBlocks": ["10.0.0.0/8", "10.1.0.0/16"]}),
            ),
            rule(
                json!({"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["10.0.0.0/8"], "description": "old"}),
            ),
        ]);
        let desired = permissions_of(&[
            rule(
                json!({"protocol": "tcp", "fromPort": 80, "toPort": 80, "cidrBlocks": ["10.0.0.0/8", "10.2.0.0/16"]}),
            ),
            rule(
                json!({"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["10.0.0.0/8"], "description": "new"}),
            ),
        ]);
        let c = ec2_api::permission_changes(&current, &desired);
        assert_eq!(
            c.authorize.keys().cloned().collect::<Vec<_>>(),
            vec![key("tcp", Some((80, 80)), Peer::Ipv4("10.2.0.0/16".into()))]
        );
        assert_eq!(
            c.revoke.keys().cloned().collect::<Vec<_>>(),
            vec![key("tcp", Some((80, 80)), Peer::Ipv4("10.1.0.0/16".into()))]
        );
        assert_eq!(c.redescribe.len(), 1);
        assert!(ec2_api::permission_changes(&desired, &desired).is_empty());
        // Grouped for the API: one IpPermission per protocol and port range.
        let grouped = ec2_api::to_ip_permissions(&desired);
        assert_eq!(grouped.len(), 2);
        assert_eq!(grouped[0].ip_ranges().len(), 2);
    }

    fn aws_permission(
        protocol: &str,
        ports: Option<(i32, i32)>,
        cidrs: &[&str],
        groups: &[&str],
    ) -> IpPermission {
        let mut b = IpPermission::builder().ip_protocol(protocol);
        if let Some((f, t)) = ports {
            b = b.from_port(f).to_port(t);
        }
        for c in cidrs {
            b = b.ip_ranges(IpRange::builder().cidr_ip(*c).build());
        }
        for g in groups {
            b = b.user_id_group_pairs(
                UserIdGroupPair::builder()
                    .group_id(*g)
                    .user_id("123456789012")
                    .build(),
            );
        }
        b.build()
    }

    #[test]
    fn grouped_aws_permissions_normalise_to_the_programs_rules() {
        // The program wrote three rules; AWS reports one grouped permission for tcp/443.
        let program = vec![
            rule(
                json!({"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["10.0.0.0/8"]}),
            ),
            rule(
                json!({"protocol": "tcp", "fromPort": 443, "toPort": 443, "sourceSecurityGroupId": "sg-1"}),
            ),
            rule(
                json!({"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["10.1.0.0/16"]}),
            ),
        ];
        let aws = ec2_api::permissions_from_aws(&[aws_permission(
            "tcp",
            Some((443, 443)),
            &["10.1.0.0/16", "10.0.0.0/8"],
            &["sg-1"],
        )]);
        let (rules, unsupported) = normalise_rules(Some(&program), &aws);
        assert_eq!(rules, program);
        assert!(unsupported.is_empty());
        // Drift: AWS lost a CIDR and gained an `all` rule; AWS's rules are reported.
        let drifted = ec2_api::permissions_from_aws(&[
            aws_permission("tcp", Some((443, 443)), &["10.0.0.0/8"], &["sg-1"]),
            aws_permission("-1", None, &["10.9.0.0/16"], &[]),
            aws_permission("50", None, &["10.0.0.0/8"], &[]),
        ]);
        let (rules, unsupported) = normalise_rules(Some(&program), &drifted);
        assert_eq!(unsupported, vec!["50".to_string()]);
        assert_eq!(
            rules,
            vec![
                rule(json!({"protocol": "all", "cidrBlocks": ["10.9.0.0/16"]})),
                rule(
                    json!({"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["10.0.0.0/8"]})
                ),
                rule(
                    json!({"protocol": "tcp", "fromPort": 443, "toPort": 443, "sourceSecurityGroupId": "sg-1"})
                ),
            ]
        );
        // The rules reported for drift mean exactly what AWS has.
        assert_eq!(permissions_of(&rules).len(), drifted.len() - 1);
    }

    #[test]
    fn default_egress_is_recognised() {
        let default =
            ec2_api::permissions_from_aws(&[aws_permission("-1", None, &["0.0.0.0/0"], &[])]);
        assert!(is_default_egress(&default));
        let custom = ec2_api::permissions_from_aws(&[aws_permission(
            "tcp",
            Some((443, 443)),
            &["0.0.0.0/0"],
            &[],
        )]);
        assert!(!is_default_egress(&custom));
        assert!(!is_default_egress(&Permissions::new()));
    }

    fn diff(old: serde_json::Value, new: serde_json::Value) -> Diff {
        let defaults = BTreeMap::new();
        let outputs = json!({"tagsAll": old.get("tags").cloned().unwrap_or(json!({}))});
        Resource::diff(
            &SecurityGroup,
            &DiffInput {
                old_inputs: &old,
                old_outputs: &outputs,
                news: &new,
                default_tags: &defaults,
            },
        )
    }

    #[test]
    fn diff_classification() {
        let old = check(base()).unwrap();
        assert!(!diff(old.clone(), old.clone()).has_changes());
        for (prop, value) in [
            ("name", json!("other")),
            ("vpcId", json!("vpc-9")),
            ("description", json!("other")),
        ] {
            let mut new = old.clone();
            new[prop] = value;
            let d = diff(old.clone(), new);
            assert!(d.replaces.contains(prop), "{prop}: {d:?}");
        }
        // Same name and VPC: the old group must go first.
        let mut new = old.clone();
        new["description"] = json!("other");
        assert!(diff(old.clone(), new).delete_before_replace);
        let mut new = old.clone();
        new["name"] = json!("other");
        assert!(!diff(old.clone(), new).delete_before_replace);
        // Rules and tags update in place.
        let mut new = old.clone();
        new["ingress"][0]["fromPort"] = json!(8443);
        new["ingress"][0]["toPort"] = json!(8443);
        let d = diff(old.clone(), new);
        assert!(
            !d.is_replace() && d.changed_properties().contains("ingress"),
            "{d:?}"
        );
        let mut new = old.clone();
        new["egress"] = json!([{"protocol": "all", "cidrBlocks": ["0.0.0.0/0"]}]);
        let d = diff(old.clone(), new);
        assert!(
            !d.is_replace() && d.changed_properties().contains("egress"),
            "{d:?}"
        );
        let mut new = old.clone();
        new["tags"] = json!({"team": "web"});
        let d = diff(old.clone(), new);
        assert!(
            !d.is_replace() && d.changed_properties().contains("tags"),
            "{d:?}"
        );
    }

    #[test]
    fn reordered_or_regrouped_rules_are_no_change() {
        let old = check(json!({"vpcId": "vpc-1", "ingress": [
            {"protocol": "tcp", "fromPort": 443, "cidrBlocks": ["10.0.0.0/8", "10.1.0.0/16"]},
            {"protocol": "tcp", "fromPort": 80, "cidrBlocks": ["10.0.0.0/8"]},
        ]}))
        .unwrap();
        let mut new = old.clone();
        new["ingress"] = json!([
            {"protocol": "tcp", "fromPort": 80, "toPort": 80, "cidrBlocks": ["10.0.0.0/8"]},
            {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["10.1.0.0/16"]},
            {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["10.0.0.0/8"]},
        ]);
        assert!(!diff(old.clone(), new).has_changes());
        // Unmanaged egress vs an empty list is a change (the empty list removes AWS's default).
        let mut new = old.clone();
        new["egress"] = json!([]);
        assert!(diff(old, new).changed_properties().contains("egress"));
    }

    #[test]
    fn preview_create_leaves_computed_outputs_unknown() {
        let inputs: SecurityGroupInputs = serde_json::from_value(check(base()).unwrap()).unwrap();
        let out = SecurityGroup.preview_create(&inputs);
        assert_eq!(out["vpcId"], json!("vpc-123"));
        assert_eq!(out["arn"], json!(UNKNOWN));
        assert_eq!(out["tagsAll"], json!(UNKNOWN));
    }
}
