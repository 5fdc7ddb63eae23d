//! EC2 access: VPCs, subnets and security groups (finders, conversions, named retries).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::builders::IpPermissionBuilder;
use aws_sdk_ec2::types::{
    Filter, IpPermission, IpRange, Ipv6Range, SecurityGroup, Subnet, Tag, UserIdGroupPair, Vpc,
};
use tokio_util::sync::CancellationToken;

use super::retry::{RetryRule, retry};
use crate::error::{ProviderError, Result, aws_error_code};

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

/// VPCs by id, by tags (all must match), or the default VPC when neither is given.
pub async fn find_vpcs(
    client: &Client,
    vpc_id: Option<&str>,
    tags: Option<&BTreeMap<String, String>>,
) -> Result<Vec<Vpc>> {
    let mut request = client.describe_vpcs();
    match (vpc_id, tags) {
        (Some(id), _) => request = request.filters(filter("vpc-id", id)),
        (None, Some(tags)) => {
            for (k, v) in tags {
                request = request.filters(filter(&format!("tag:{k}"), v));
            }
        }
        (None, None) => request = request.filters(filter("is-default", "true")),
    }
    let out = request
        .send()
        .await
        .map_err(|e| ProviderError::from_aws("ec2:DescribeVpcs", &e, &["InvalidVpcID.NotFound"]))?;
    Ok(out.vpcs().to_vec())
}

/// Every subnet of a VPC (paginated).
pub async fn subnets_of(client: &Client, vpc_id: &str) -> Result<Vec<Subnet>> {
    let mut subnets = Vec::new();
    let mut pages = client
        .describe_subnets()
        .filters(filter("vpc-id", vpc_id))
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| ProviderError::from_aws("ec2:DescribeSubnets", &e, &[]))?;
        subnets.extend(page.subnets().iter().cloned());
    }
    Ok(subnets)
}

/// The `DescribeSecurityGroups` / `DeleteSecurityGroup` codes for a group that does not exist.
pub const SECURITY_GROUP_NOT_FOUND: &[&str] = &["InvalidGroup.NotFound", "InvalidGroupId.NotFound"];

/// Network interfaces of stopped Fargate tasks and deleted load balancers keep a security group
/// in use for minutes after their owner is gone; deletion waits for them.
pub const SECURITY_GROUP_STILL_IN_USE: RetryRule = RetryRule {
    name: "security group still in use by network interfaces (Fargate tasks or load balancers releasing them)",
    budget: Duration::from_secs(300),
    interval: Duration::from_secs(10),
};

pub fn to_ec2_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// Leaves out the provider's URN mark ([`crate::adopt::URN_TAG`]): it is not the program's.
pub fn from_ec2_tags(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter(|t| t.key() != Some(crate::adopt::URN_TAG))
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

/// A security group by id; `None` when it does not exist.
pub async fn find_security_group(client: &Client, id: &str) -> Result<Option<SecurityGroup>> {
    match client.describe_security_groups().group_ids(id).send().await {
        Ok(out) => Ok(out
            .security_groups()
            .iter()
            .find(|g| g.group_id() == Some(id))
            .cloned()),
        Err(e) if aws_error_code(&e).is_some_and(|c| SECURITY_GROUP_NOT_FOUND.contains(&c)) => {
            Ok(None)
        }
        Err(e) => Err(ProviderError::from_aws(
            "ec2:DescribeSecurityGroups",
            &e,
            SECURITY_GROUP_NOT_FOUND,
        )),
    }
}

/// Finds a security group by name within a VPC (names are unique per VPC).
pub async fn find_security_group_by_name(
    client: &Client,
    name: &str,
    vpc_id: &str,
) -> Result<Option<SecurityGroup>> {
    let filter = |key: &str, value: &str| Filter::builder().name(key).values(value).build();
    let found = client
        .describe_security_groups()
        .filters(filter("group-name", name))
        .filters(filter("vpc-id", vpc_id))
        .send()
        .await
        .map_err(|e| ProviderError::from_aws("ec2:DescribeSecurityGroups", &e, &[]))?;
    Ok(found.security_groups().first().cloned())
}

/// Makes an EC2 resource's tags equal `desired`.
pub async fn sync_tags(
    client: &Client,
    resource_id: &str,
    current: &BTreeMap<String, String>,
    desired: &BTreeMap<String, String>,
) -> Result<()> {
    super::tags::sync(
        current,
        desired,
        async |keys| {
            client
                .delete_tags()
                .resources(resource_id)
                .set_tags(Some(
                    keys.iter().map(|k| Tag::builder().key(k).build()).collect(),
                ))
                .send()
                .await
                .map(drop)
                .map_err(|e| ProviderError::from_aws("ec2:DeleteTags", &e, &[]))
        },
        async |tags| {
            client
                .create_tags()
                .resources(resource_id)
                .set_tags(Some(to_ec2_tags(&tags)))
                .send()
                .await
                .map(drop)
                .map_err(|e| ProviderError::from_aws("ec2:CreateTags", &e, &[]))
        },
    )
    .await
}

/// Which rule list of a security group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Ingress,
    Egress,
}

/// Adds permissions to a security group (one call; nothing to do for an empty list).
pub async fn authorize(
    client: &Client,
    group_id: &str,
    direction: Direction,
    permissions: Vec<IpPermission>,
) -> Result<()> {
    if permissions.is_empty() {
        return Ok(());
    }
    match direction {
        Direction::Ingress => client
            .authorize_security_group_ingress()
            .group_id(group_id)
            .set_ip_permissions(Some(permissions))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| ProviderError::from_aws("ec2:AuthorizeSecurityGroupIngress", &e, &[])),
        Direction::Egress => client
            .authorize_security_group_egress()
            .group_id(group_id)
            .set_ip_permissions(Some(permissions))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| ProviderError::from_aws("ec2:AuthorizeSecurityGroupEgress", &e, &[])),
    }
}

/// Removes permissions from a security group (one call; nothing to do for an empty list).
pub async fn revoke(
    client: &Client,
    group_id: &str,
    direction: Direction,
    permissions: Vec<IpPermission>,
) -> Result<()> {
    if permissions.is_empty() {
        return Ok(());
    }
    match direction {
        Direction::Ingress => client
            .revoke_security_group_ingress()
            .group_id(group_id)
            .set_ip_permissions(Some(permissions))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| ProviderError::from_aws("ec2:RevokeSecurityGroupIngress", &e, &[])),
        Direction::Egress => client
            .revoke_security_group_egress()
            .group_id(group_id)
            .set_ip_permissions(Some(permissions))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| ProviderError::from_aws("ec2:RevokeSecurityGroupEgress", &e, &[])),
    }
}

/// Sets the descriptions of existing permissions (matched by protocol, ports and source).
pub async fn update_descriptions(
    client: &Client,
    group_id: &str,
    direction: Direction,
    permissions: Vec<IpPermission>,
) -> Result<()> {
    if permissions.is_empty() {
        return Ok(());
    }
    match direction {
        Direction::Ingress => client
            .update_security_group_rule_descriptions_ingress()
            .group_id(group_id)
            .set_ip_permissions(Some(permissions))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                ProviderError::from_aws("ec2:UpdateSecurityGroupRuleDescriptionsIngress", &e, &[])
            }),
        Direction::Egress => client
            .update_security_group_rule_descriptions_egress()
            .group_id(group_id)
            .set_ip_permissions(Some(permissions))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                ProviderError::from_aws("ec2:UpdateSecurityGroupRuleDescriptionsEgress", &e, &[])
            }),
    }
}

/// Deletes a security group, waiting (boundedly) while network interfaces still use it and
/// reporting each wait through `on_wait`; already gone is success.
pub async fn delete_security_group<W, WF>(
    client: &Client,
    id: &str,
    rule: &RetryRule,
    cancel: &CancellationToken,
    on_wait: W,
) -> Result<()>
where
    W: Fn(u32) -> WF,
    WF: Future<Output = ()>,
{
    let attempt = AtomicU32::new(0);
    let result = retry(
        rule,
        cancel,
        || async {
            let n = attempt.fetch_add(1, Ordering::SeqCst);
            if n > 0 {
                on_wait(n).await;
            }
            client.delete_security_group().group_id(id).send().await
        },
        |e| aws_error_code(e) == Some("DependencyViolation"),
        |e| {
            let err = ProviderError::from_aws("ec2:DeleteSecurityGroup", &e, SECURITY_GROUP_NOT_FOUND);
            match (aws_error_code(&e), err) {
                // Still in use after the budget: say so, the next `destroy` can wait again.
                (Some("DependencyViolation"), ProviderError::Internal(m)) => ProviderError::Retryable(
                    format!("{m}; something still uses the group (network interfaces of Fargate tasks or load balancers, or another security group's rule referencing it)"),
                ),
                (_, err) => err,
            }
        },
    )
    .await;
    match result {
        Ok(_) | Err(ProviderError::NotFound(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Where a permission lets traffic come from (ingress) or go to (egress).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Peer {
    Ipv4(String),
    Ipv6(String),
    Group(String),
}

/// One atomic permission: a protocol, a port range and a single peer. AWS groups several peers
/// of one protocol and port range into an `IpPermission`; comparing atomic permissions makes
/// that grouping irrelevant.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PermissionKey {
    /// `tcp`, `udp`, `icmp`, `-1` (all), or another protocol as AWS names it.
    pub protocol: String,
    /// Port range (ICMP: type and code, -1 = all); `None` for protocols without ports.
    pub ports: Option<(i32, i32)>,
    pub peer: Peer,
}

/// Atomic permissions with their descriptions.
pub type Permissions = BTreeMap<PermissionKey, Option<String>>;

/// AWS's spelling of a protocol, normalised: numbers of named protocols become names.
pub fn normalise_protocol(p: &str) -> String {
    match p.to_ascii_lowercase().as_str() {
        "6" | "tcp" => "tcp".into(),
        "17" | "udp" => "udp".into(),
        "1" | "icmp" => "icmp".into(),
        "-1" | "all" => "-1".into(),
        other => other.to_string(),
    }
}

/// The ports of a permission as compared: none for "all", -1 for unset ICMP type/code.
fn normalise_ports(protocol: &str, from: Option<i32>, to: Option<i32>) -> Option<(i32, i32)> {
    match protocol {
        "-1" => None,
        "icmp" => Some((from.unwrap_or(-1), to.unwrap_or(-1))),
        _ => match (from, to) {
            (None, None) => None,
            (f, t) => Some((f.or(t).unwrap_or(-1), t.or(f).unwrap_or(-1))),
        },
    }
}

/// IPv6 addresses compared in their canonical (compressed, lowercase) form.
pub fn canonical_ipv6_cidr(cidr: &str) -> String {
    match cidr.split_once('/') {
        Some((addr, len)) => match addr.parse::<std::net::Ipv6Addr>() {
            Ok(a) => format!("{a}/{len}"),
            Err(_) => cidr.to_string(),
        },
        None => cidr.to_string(),
    }
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.filter(|d| !d.is_empty()).map(str::to_string)
}

/// Splits AWS's grouped permissions into atomic ones.
pub fn permissions_from_aws(perms: &[IpPermission]) -> Permissions {
    let mut out = Permissions::new();
    for p in perms {
        let protocol = normalise_protocol(p.ip_protocol().unwrap_or("-1"));
        let ports = normalise_ports(&protocol, p.from_port(), p.to_port());
        let mut add = |peer: Peer, description: Option<String>| {
            out.insert(
                PermissionKey {
                    protocol: protocol.clone(),
                    ports,
                    peer,
                },
                description,
            );
        };
        for r in p.ip_ranges() {
            if let Some(cidr) = r.cidr_ip() {
                add(Peer::Ipv4(cidr.to_string()), non_empty(r.description()));
            }
        }
        for r in p.ipv6_ranges() {
            if let Some(cidr) = r.cidr_ipv6() {
                add(
                    Peer::Ipv6(canonical_ipv6_cidr(cidr)),
                    non_empty(r.description()),
                );
            }
        }
        for g in p.user_id_group_pairs() {
            if let Some(id) = g.group_id() {
                add(Peer::Group(id.to_string()), non_empty(g.description()));
            }
        }
    }
    out
}

/// Groups atomic permissions the way AWS does: one `IpPermission` per protocol and port range.
pub fn to_ip_permissions<'a>(
    perms: impl IntoIterator<Item = (&'a PermissionKey, &'a Option<String>)>,
) -> Vec<IpPermission> {
    let mut grouped: BTreeMap<(String, Option<(i32, i32)>), IpPermissionBuilder> = BTreeMap::new();
    for (key, description) in perms {
        let builder = grouped
            .remove(&(key.protocol.clone(), key.ports))
            .unwrap_or_else(|| {
                let b = IpPermission::builder().ip_protocol(&key.protocol);
                match key.ports {
                    Some((from, to)) => b.from_port(from).to_port(to),
                    None => b,
                }
            });
        let builder = match &key.peer {
            Peer::Ipv4(cidr) => builder.ip_ranges(
                IpRange::builder()
                    .cidr_ip(cidr)
                    .set_description(description.clone())
                    .build(),
            ),
            Peer::Ipv6(cidr) => builder.ipv6_ranges(
                Ipv6Range::builder()
                    .cidr_ipv6(cidr)
                    .set_description(description.clone())
                    .build(),
            ),
            Peer::Group(id) => builder.user_id_group_pairs(
                UserIdGroupPair::builder()
                    .group_id(id)
                    .set_description(description.clone())
                    .build(),
            ),
        };
        grouped.insert((key.protocol.clone(), key.ports), builder);
    }
    grouped.into_values().map(|b| b.build()).collect()
}

/// What to change to turn `current` into `desired`.
#[derive(Debug, Default, PartialEq)]
pub struct PermissionChanges {
    pub authorize: Permissions,
    pub revoke: Permissions,
    /// Present on both sides, only the description differs (changed in place).
    pub redescribe: Permissions,
}

impl PermissionChanges {
    pub fn is_empty(&self) -> bool {
        self.authorize.is_empty() && self.revoke.is_empty() && self.redescribe.is_empty()
    }
}

pub fn permission_changes(current: &Permissions, desired: &Permissions) -> PermissionChanges {
    let mut changes = PermissionChanges::default();
    for (key, description) in desired {
        match current.get(key) {
            None => {
                changes.authorize.insert(key.clone(), description.clone());
            }
            Some(d) if d != description => {
                changes.redescribe.insert(key.clone(), description.clone());
            }
            Some(_) => {}
        }
    }
    for (key, description) in current {
        if !desired.contains_key(key) {
            changes.revoke.insert(key.clone(), description.clone());
        }
    }
    changes
}

/// Applies `changes` to one rule list: new permissions first, so traffic allowed before and
/// after is never interrupted, then descriptions, then removals.
pub async fn apply_permission_changes(
    client: &Client,
    group_id: &str,
    direction: Direction,
    changes: &PermissionChanges,
) -> Result<()> {
    authorize(
        client,
        group_id,
        direction,
        to_ip_permissions(&changes.authorize),
    )
    .await?;
    update_descriptions(
        client,
        group_id,
        direction,
        to_ip_permissions(&changes.redescribe),
    )
    .await?;
    revoke(
        client,
        group_id,
        direction,
        to_ip_permissions(&changes.revoke),
    )
    .await
}

/// The group's ARN: as AWS reports it, else built from region and owner.
pub fn security_group_arn(group: &SecurityGroup, region: &str) -> Option<String> {
    if let Some(arn) = group.security_group_arn() {
        return Some(arn.to_string());
    }
    let owner = group.owner_id().filter(|o| !o.is_empty())?;
    let id = group.group_id()?;
    let partition = if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    };
    Some(format!(
        "arn:{partition}:ec2:{region}:{owner}:security-group/{id}"
    ))
}
