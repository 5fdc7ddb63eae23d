//! `fargate:iam:Role` — an IAM role (an ECS task or execution role by default): trust policy,
//! attached managed policies, inline policies as typed statements, tags.

mod convert;
#[cfg(test)]
mod tests;
mod validation;

use std::collections::BTreeMap;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::aws::iam as iam_api;
use crate::context::Ctx;
use crate::error::{CheckFailure, ProviderError, Result};
use crate::naming::auto_name;
use crate::resource::{CheckContext, Resource, init_failed};
use crate::validate;
pub(crate) use convert::*;
use validation::*;

pub struct Role;

/// Condition operator (`StringEquals`, `ArnLike`, …) → condition key (`aws:SourceAccount`) →
/// values (any of which matches).
pub type Conditions = BTreeMap<String, BTreeMap<String, Vec<String>>>;

/// An IAM role. Without `assumeRolePolicy` it trusts ECS tasks (`ecs-tasks.amazonaws.com`) of
/// this account only.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "RoleArgs")]
pub struct RoleInputs {
    /// Name of the role. Defaults to the Pulumi resource name plus a random suffix. Changing it
    /// replaces the role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        pattern(crate::naming::IAM_ROLE_NAME_PATTERN),
        title = "IAM role name",
        extend("x-rule" = crate::naming::IAM_ROLE_NAME_RULE)
    )]
    pub name: Option<String>,
    /// Path of the role: `/` (the default) or `/` + segments + `/`, at most 512 characters.
    /// Changing it replaces the role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Description of the role, at most 1000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1000), title = "the role description")]
    pub description: Option<String>,
    /// Who may assume the role (the trust policy), as statements. Defaults to ECS tasks
    /// (`ecs-tasks.amazonaws.com`) with an `aws:SourceAccount` condition on this account.
    /// Changes apply in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assume_role_policy: Option<Vec<TrustStatement>>,
    /// ARNs of managed policies attached to the role (AWS allows 10 by default, 20 with a raised
    /// quota). Changes attach and detach in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_policy_arns: Option<Vec<String>>,
    /// Inline policies: policy name → statements. At most 10,240 characters in all (IAM's
    /// limit on a role's inline policies). Changes apply in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inline_policies: Option<BTreeMap<String, Vec<PolicyStatement>>>,
    /// Longest session, in seconds, that assuming the role may ask for: 3600 (AWS's default) to
    /// 43200. Changes apply in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 3600, max = 43200), title = "the maximum session duration")]
    pub max_session_duration: Option<u32>,
    /// Tags on the role, merged over the provider's `defaultTags`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Allow or deny.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize, JsonSchema,
)]
pub enum Effect {
    #[default]
    Allow,
    Deny,
}

/// One statement of a permissions policy.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicyStatement {
    /// Statement id (letters and digits), optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// `Allow` (the default) or `Deny`.
    #[serde(default)]
    pub effect: Effect,
    /// Actions, `service:Action` (wildcards `*` and `?` allowed), or `*`.
    pub actions: Vec<String>,
    /// Resource ARNs (`arn:<partition>:<service>:<region>:<account>:<resource>`), or `*`.
    pub resources: Vec<String>,
    /// Conditions: operator → key → values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Conditions>,
}

/// One statement of the trust policy.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrustStatement {
    /// Statement id (letters and digits), optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// `Allow` (the default) or `Deny`.
    #[serde(default)]
    pub effect: Effect,
    /// Who the statement is about.
    pub principals: Principals,
    /// Actions; defaults to `sts:AssumeRole`.
    #[serde(default = "default_trust_actions")]
    pub actions: Vec<String>,
    /// Conditions: operator → key → values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Conditions>,
}

/// Principals of a trust statement.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Principals {
    /// AWS services, e.g. `ecs-tasks.amazonaws.com`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub services: Option<Vec<String>>,
    /// AWS accounts, roles or users (ARNs), or `*`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws: Option<Vec<String>>,
    /// Identity providers (OIDC or SAML provider ARNs, or e.g. `cognito-identity.amazonaws.com`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub federated: Option<Vec<String>>,
}

fn default_trust_actions() -> Vec<String> {
    vec!["sts:AssumeRole".to_string()]
}

/// The role as it exists in AWS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "RoleState")]
pub struct RoleOutputs {
    #[serde(flatten)]
    pub inputs: RoleInputs,
    /// ARN of the role.
    pub arn: String,
    /// IAM's unique id of the role (`AROA…`); a role made again under the same name has a new one.
    pub role_id: String,
    /// The trust policy in force, as IAM's JSON document.
    pub assume_role_policy_document: String,
    /// Every tag on the role, the provider's `defaultTags` included.
    #[serde(default)]
    pub tags_all: BTreeMap<String, String>,
}

#[async_trait]
impl Resource for Role {
    const TOKEN: &'static str = "fargate:iam:Role";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["name", "path"];
    type Inputs = RoleInputs;
    type Outputs = RoleOutputs;

    fn check(
        &self,
        mut news: RoleInputs,
        olds: Option<&RoleInputs>,
        ctx: &CheckContext<'_>,
    ) -> Result<RoleInputs, Vec<CheckFailure>> {
        if news.name.is_none() {
            // Keep an earlier auto-name so an unrelated change does not replace the role.
            news.name = Some(ctx.default_name(olds.and_then(|o| o.name.as_deref()), || {
                auto_name(ctx.name, ctx.random_seed, NAME_MAX, name_char)
            }));
        }
        if news.tags.as_ref().is_some_and(BTreeMap::is_empty) {
            news.tags = None;
        }
        let mut failures = Vec::new();
        validate_role(&news, &mut failures);
        validate::tags("tags", news.tags.as_ref(), &mut failures);
        if failures.is_empty() {
            Ok(normalise(news))
        } else {
            Err(failures)
        }
    }

    async fn create(&self, ctx: &Ctx, inputs: &RoleInputs) -> Result<(String, RoleOutputs)> {
        let iam = ctx.aws.iam().await?;
        let name = Self::name_of(inputs)?.to_string();
        let trust = match &inputs.assume_role_policy {
            Some(statements) => trust_document(statements),
            None => {
                let account = ctx.aws.account().await?;
                trust_document(&default_trust(&account))
            }
        };
        let tags_all = ctx.tags_all(inputs.tags.as_ref());
        // The URN mark lets a retry after a crashed create find this role (crate::adopt).
        let marked = iam_api::to_iam_tags(&crate::adopt::marked(ctx, &tags_all))?;
        let out = iam
            .create_role()
            .role_name(&name)
            .set_path(inputs.path.clone())
            .assume_role_policy_document(&trust)
            .set_description(inputs.description.clone())
            .set_max_session_duration(inputs.max_session_duration.map(|s| s as i32))
            .set_tags(Some(marked))
            .send()
            .await
            .map_err(|e| match crate::error::aws_error_code(&e) {
                Some("EntityAlreadyExists") => ProviderError::internal(format!(
                    "an IAM role named `{name}` already exists; choose another `name`, or adopt it with `pulumi import fargate:iam:Role <resource name> {name}`"
                )),
                _ => ProviderError::from_aws("iam:CreateRole", &e, &[]),
            })?;
        let role = out
            .role()
            .ok_or_else(|| ProviderError::internal("iam:CreateRole returned no role"))?;
        // What exists so far: the role, no policies yet. A failure below reports this, so the
        // next `up` attaches what is missing to this role instead of making another.
        let mut outputs = RoleOutputs {
            inputs: RoleInputs {
                managed_policy_arns: None,
                inline_policies: None,
                ..inputs.clone()
            },
            arn: role.arn().to_string(),
            role_id: role.role_id().to_string(),
            assume_role_policy_document: trust,
            tags_all,
        };
        ctx.log
            .status(format!("created IAM role {}", outputs.arn))
            .await;
        if let Err(e) = apply_policies(ctx, iam, &name, &mut outputs.inputs, inputs).await {
            return Err(init_failed(
                &name,
                &outputs,
                vec![format!(
                    "IAM role `{name}` was created but its policies are not all in place: {e}"
                )],
            ));
        }
        Ok((name, outputs))
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: Option<(&RoleInputs, &RoleOutputs)>,
    ) -> Result<Option<(RoleInputs, RoleOutputs)>> {
        let iam = ctx.aws.iam().await?;
        let Some(role) = iam_api::find_role(iam, id).await? else {
            return Ok(None);
        };
        let managed = iam_api::attached_policy_arns(iam, id).await?;
        let inline = iam_api::inline_policies(iam, id).await?;
        let old_inputs = olds.map(|(i, _)| i.clone()).unwrap_or_default();
        let tags_all = iam_api::from_iam_tags(role.tags());
        let (inputs, trust_document) = inputs_from_aws(
            &role,
            managed,
            &inline,
            &old_inputs,
            &tags_all,
            &ctx.default_tags,
        )?;
        let outputs = RoleOutputs {
            inputs: inputs.clone(),
            arn: role.arn().to_string(),
            role_id: role.role_id().to_string(),
            assume_role_policy_document: trust_document,
            tags_all,
        };
        Ok(Some((inputs, outputs)))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: &RoleOutputs,
        news: &RoleInputs,
    ) -> Result<RoleOutputs> {
        let iam = ctx.aws.iam().await?;
        let mut outputs = olds.clone();
        if news.assume_role_policy != olds.inputs.assume_role_policy {
            let document = match &news.assume_role_policy {
                Some(statements) => trust_document(statements),
                None => {
                    let account = iam_api::account_of_arn(&olds.arn).ok_or_else(|| {
                        ProviderError::internal(format!("no account in role ARN `{}`", olds.arn))
                    })?;
                    trust_document(&default_trust(account))
                }
            };
            iam.update_assume_role_policy()
                .role_name(id)
                .policy_document(&document)
                .send()
                .await
                .map_err(|e| ProviderError::from_aws("iam:UpdateAssumeRolePolicy", &e, &[]))?;
            outputs.inputs.assume_role_policy = news.assume_role_policy.clone();
            outputs.assume_role_policy_document = document;
        }
        if news.description != olds.inputs.description
            || news.max_session_duration != olds.inputs.max_session_duration
        {
            // An absent description is cleared with an empty one; an absent maximum is AWS's
            // default of one hour.
            iam.update_role()
                .role_name(id)
                .description(news.description.clone().unwrap_or_default())
                .max_session_duration(
                    news.max_session_duration.unwrap_or(DEFAULT_MAX_SESSION) as i32
                )
                .send()
                .await
                .map_err(|e| ProviderError::from_aws("iam:UpdateRole", &e, &[]))?;
        }
        let tags_all = ctx.tags_all(news.tags.as_ref());
        if tags_all != olds.tags_all {
            iam_api::sync_tags(iam, id, &olds.tags_all, &tags_all).await?;
        }
        apply_policies(ctx, iam, id, &mut outputs.inputs, news).await?;
        outputs.inputs = news.clone();
        outputs.tags_all = tags_all;
        Ok(outputs)
    }

    async fn delete(&self, ctx: &Ctx, id: &str, olds: &RoleOutputs) -> Result<()> {
        let iam = ctx.aws.iam().await?;
        // What the state says is attached; anything added behind Pulumi's back is found by
        // IAM's DeleteConflict (see `delete_role`).
        let attached = olds.inputs.managed_policy_arns.clone().unwrap_or_default();
        let inline: Vec<String> = olds
            .inputs
            .inline_policies
            .iter()
            .flat_map(|m| m.keys().cloned())
            .collect();
        iam_api::delete_role(iam, id, &attached, &inline).await
    }
}

/// Brings the role's inline and managed policies from `current` to `wanted`, recording each
/// step in `current` (so a failure part way reports what is in place). New managed policies
/// are attached before old ones are detached: the role never has less than both share.
async fn apply_policies(
    ctx: &Ctx,
    iam: &aws_sdk_iam::Client,
    role: &str,
    current: &mut RoleInputs,
    wanted: &RoleInputs,
) -> Result<()> {
    let empty = BTreeMap::new();
    let wanted_inline = wanted.inline_policies.as_ref().unwrap_or(&empty);
    for (name, statements) in wanted_inline {
        let have = current.inline_policies.as_ref().and_then(|p| p.get(name));
        if have != Some(statements) {
            iam_api::put_role_policy(iam, role, name, &policy_document(statements), &ctx.cancel)
                .await?;
            current
                .inline_policies
                .get_or_insert_with(BTreeMap::new)
                .insert(name.clone(), statements.clone());
        }
    }
    let stale: Vec<String> = current
        .inline_policies
        .iter()
        .flatten()
        .map(|(name, _)| name.clone())
        .filter(|name| !wanted_inline.contains_key(name))
        .collect();
    for name in stale {
        iam_api::delete_role_policy(iam, role, &name).await?;
        if let Some(p) = current.inline_policies.as_mut() {
            p.remove(&name);
        }
    }
    if current
        .inline_policies
        .as_ref()
        .is_some_and(BTreeMap::is_empty)
    {
        current.inline_policies = None;
    }

    let wanted_managed = wanted.managed_policy_arns.clone().unwrap_or_default();
    for arn in &wanted_managed {
        let attached = current.managed_policy_arns.get_or_insert_with(Vec::new);
        if !attached.contains(arn) {
            iam_api::attach_role_policy(iam, role, arn, &ctx.cancel).await?;
            attached.push(arn.clone());
            attached.sort();
        }
    }
    let stale: Vec<String> = current
        .managed_policy_arns
        .iter()
        .flatten()
        .filter(|arn| !wanted_managed.contains(arn))
        .cloned()
        .collect();
    for arn in stale {
        iam_api::detach_role_policy(iam, role, &arn).await?;
        if let Some(a) = current.managed_policy_arns.as_mut() {
            a.retain(|x| *x != arn);
        }
    }
    if current
        .managed_policy_arns
        .as_ref()
        .is_some_and(Vec::is_empty)
    {
        current.managed_policy_arns = None;
    }
    Ok(())
}
