//! `fargate:ec2:SecurityGroup` — a VPC security group whose rules change in place.
//!
//! Rules are compared as atomic permissions (one protocol, port range and peer each), so AWS's
//! grouping of peers into `IpPermission`s never shows up as a difference, and a rule change
//! authorizes or revokes exactly the permissions that differ instead of recreating the group.

mod convert;
#[cfg(test)]
mod tests;
mod validation;

use std::collections::{BTreeMap, BTreeSet};
use std::net::{Ipv4Addr, Ipv6Addr};

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::aws::ec2::{self as ec2_api, Direction, Peer, PermissionKey, Permissions};
use crate::aws::retry::{Sent, send_create};
use crate::context::Ctx;
use crate::error::{CheckFailure, ProviderError, Result};
use crate::naming::auto_name;
use crate::resource::{
    CheckContext, Diff, DiffInput, Resource, diff_inputs, is_known, top_level_key, unfinished,
};
use crate::validate;
use convert::*;
use validation::*;

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

const DEFAULT_DESCRIPTION: &str = "Managed by Pulumi";

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
        let created = send_create("InvalidGroup.Duplicate", async |attempts| {
            request.customize().interceptor(attempts).send().await
        })
        .await;
        let (id, arn) = match created {
            Ok(Sent::Created(out)) => (
                out.group_id()
                    .ok_or_else(|| {
                        ProviderError::internal("ec2:CreateSecurityGroup returned no id")
                    })?
                    .to_string(),
                out.security_group_arn().map(str::to_string),
            ),
            Ok(Sent::TwinOfRetry) => {
                let found = ec2_api::find_security_group_by_name(ec2, name, &inputs.vpc_id).await?;
                let group = found.ok_or_else(|| {
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
        let group = new_vpc_group(&id, &inputs.vpc_id);
        Self::sync_rules(ctx, &group, inputs)
            .await
            .map_err(|e| {
                ProviderError::internal(format!("setting the security group's rules failed: {e}"))
            })
            .map_err(unfinished(&id, &outputs))?;
        let region = ctx.aws.region().await.unwrap_or_default();
        if outputs.arn.is_none() {
            outputs.arn = ec2_api::security_group_arn(&group, &region);
        }
        Ok((id, outputs))
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
