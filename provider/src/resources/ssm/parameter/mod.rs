//! `fargate:ssm:Parameter` — a secret value the stack owns, kept in SSM Parameter Store as a
//! `SecureString` (encrypted with a KMS key) for ECS to hand to containers through `secrets`.
//!
//! The value is a secret input: the server wraps it as a secret wherever it is returned (checked
//! inputs, outputs, init failures) whether or not the program marked it, and no log, error or
//! check failure quotes it. Reads never decrypt it (`WithDecryption=false`): a value changed
//! outside Pulumi shows as a new parameter version (see [`Parameter::read`]).

mod convert;
#[cfg(test)]
mod tests;
mod validation;

use std::collections::BTreeMap;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::aws::ssm as ssm_api;
use crate::context::Ctx;
use crate::error::{CheckFailure, OrGone, ProviderError, Result};
use crate::resource::{CheckContext, Diff, DiffInput, Resource, diff_inputs, init_failed};
use crate::validate;
pub(crate) use convert::*;
use validation::*;

pub struct Parameter;

/// A `SecureString` parameter in SSM Parameter Store. Changing the value writes a new version
/// of the same parameter (same ARN); changing the name replaces it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "ParameterArgs")]
pub struct ParameterInputs {
    /// Name of the parameter: letters, digits and `_.-`, with `/` between the levels of a
    /// hierarchy (then it must start with `/`, e.g. `/sotex/staging/SENTRY_DSN`); at most 15
    /// levels and 1011 characters; it may not start with `aws` or `ssm`. Defaults to `/` plus
    /// the Pulumi resource name and a random suffix. Changing it replaces the parameter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The secret value, stored as a `SecureString`: at most 4096 bytes in the Standard tier,
    /// 8192 in the Advanced tier. Always treated as a secret, even when the program passes it
    /// as plain text. A change writes a new version of the parameter in place.
    #[schemars(extend("x-secret" = true))]
    pub value: String,
    /// The KMS key that encrypts the value: key id, key ARN, alias name (`alias/…`) or alias
    /// ARN. Defaults to the account's AWS managed key for SSM (`alias/aws/ssm`). The tasks'
    /// execution role needs `kms:Decrypt` on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        length(min = 1, max = 256),
        regex(pattern = r"^[a-zA-Z0-9:/_-]+$"),
        title = "the KMS key id"
    )]
    pub key_id: Option<String>,
    /// Description of the parameter, at most 1024 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1024), title = "the parameter description")]
    pub description: Option<String>,
    /// `Standard` (the default, free, values up to 4 KB) or `Advanced` (charged per parameter
    /// and month, values up to 8 KB). Standard → Advanced is in place; AWS cannot take a
    /// parameter back to Standard, so Advanced → Standard replaces it (delete, then create).
    #[serde(default)]
    pub tier: Tier,
    /// Tags on the parameter, merged over the provider's `defaultTags`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Parameter Store's storage tiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub enum Tier {
    /// Values up to 4 KB, no charge.
    #[default]
    Standard,
    /// Values up to 8 KB, charged per parameter and month.
    Advanced,
}

/// The parameter as it exists in AWS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "ParameterState")]
pub struct ParameterOutputs {
    #[serde(flatten)]
    pub inputs: ParameterInputs,
    /// ARN of the parameter, for a container's `secrets[].valueFrom` and IAM policies.
    pub arn: String,
    /// The parameter's version: 1 when created, one more at each change of value, key,
    /// description or tier. Feed it to a service's `forceNewDeployment` so a new value reaches
    /// the running tasks.
    pub version: i64,
    /// Every tag on the parameter, the provider's `defaultTags` included.
    #[serde(default)]
    pub tags_all: BTreeMap<String, String>,
}

#[async_trait]
impl Resource for Parameter {
    const TOKEN: &'static str = "fargate:ssm:Parameter";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["name"];
    const SECRET_PROPERTIES: &'static [&'static str] = &["value"];
    type Inputs = ParameterInputs;
    type Outputs = ParameterOutputs;

    fn check(
        &self,
        mut news: ParameterInputs,
        olds: Option<&ParameterInputs>,
        ctx: &CheckContext<'_>,
    ) -> Result<ParameterInputs, Vec<CheckFailure>> {
        if news.name.is_none() {
            // Keep an earlier auto-name so an unrelated change does not replace the parameter.
            news.name = Some(ctx.default_name(olds.and_then(|o| o.name.as_deref()), || {
                auto_parameter_name(ctx.name, ctx.random_seed)
            }));
        }
        if news.tags.as_ref().is_some_and(BTreeMap::is_empty) {
            news.tags = None;
        }
        if news.description.as_deref() == Some("") {
            news.description = None;
        }
        let mut failures = Vec::new();
        validate_parameter(&news, &mut failures);
        validate::tags("tags", news.tags.as_ref(), &mut failures);
        if failures.is_empty() {
            Ok(news)
        } else {
            Err(failures)
        }
    }

    /// A new value (or key, description, tier) writes a new version: show `version` unknown, so
    /// what follows it (a service's `forceNewDeployment`) previews its change too.
    fn preview_update(
        &self,
        old_outputs: &serde_json::Value,
        news: &serde_json::Value,
    ) -> serde_json::Value {
        let mut out = old_outputs.clone();
        let old_inputs: Option<ParameterInputs> = serde_json::from_value(old_outputs.clone()).ok();
        let new_inputs: Option<ParameterInputs> = serde_json::from_value(news.clone()).ok();
        let new_version = match (old_inputs, new_inputs) {
            (Some(old), Some(new)) => {
                pulumi_rs_proto::value::contains_unknowns(news) || needs_put(&old, &new)
            }
            _ => true,
        };
        if let (Some(o), Some(n)) = (out.as_object_mut(), news.as_object()) {
            for (k, v) in n {
                o.insert(k.clone(), v.clone());
            }
            if new_version {
                o.insert("version".into(), pulumi_rs_proto::value::unknown());
            }
        }
        out
    }

    fn diff(&self, input: &DiffInput<'_>) -> Diff {
        let mut diff = diff_inputs(input.old_inputs, input.news, Self::REPLACE_ON_CHANGES);
        if is_tier_downgrade(input.old_inputs, input.news) {
            diff.replaces.insert("tier".to_string());
            // Same name: the old parameter must go before the new one can be made.
            diff.delete_before_replace = !diff.replaces.contains("name");
        }
        diff
    }

    async fn create(
        &self,
        ctx: &Ctx,
        inputs: &ParameterInputs,
    ) -> Result<(String, ParameterOutputs)> {
        let ssm = ctx.aws.ssm().await?;
        let name = Self::name_of(inputs)?.to_string();
        let tags_all = ctx.tags_all(inputs.tags.as_ref());
        // The tags go with the put (one request: no parameter without its tags); the URN mark
        // lets a retry after a crashed create find this parameter (crate::adopt).
        let marked = crate::adopt::marked(ctx, &tags_all);
        let version =
            ssm_api::put_parameter(ssm, &put_request(&name, inputs, Some(&marked), false)).await?;
        let mut outputs = ParameterOutputs {
            inputs: inputs.clone(),
            arn: String::new(),
            version,
            tags_all,
        };
        // The parameter exists from here on: a failure reports it, so the next `up` finishes it.
        match ssm_api::find_parameter(ssm, &name).await {
            Ok(Some((arn, version, _))) => {
                outputs.arn = arn;
                outputs.version = version;
            }
            Ok(None) => {
                return Err(init_failed(
                    &name,
                    &outputs,
                    vec![format!(
                        "SSM parameter `{name}` was put but is not visible yet; run `pulumi up` again"
                    )],
                ));
            }
            Err(e) => {
                return Err(init_failed(
                    &name,
                    &outputs,
                    vec![format!(
                        "SSM parameter `{name}` was put but reading its ARN failed: {e}"
                    )],
                ));
            }
        }
        ctx.log
            .status(format!(
                "created SSM parameter {} (version {})",
                outputs.arn, outputs.version
            ))
            .await;
        Ok((name, outputs))
    }

    /// Reads everything but the value (no decryption). The value cannot be compared, so a
    /// parameter whose version is not the one Pulumi wrote (or that is no longer a
    /// SecureString) was changed outside Pulumi: its value is recorded as unknown to Pulumi
    /// (empty, which SSM never holds), so the next `up` writes the program's value again as a
    /// new version. An import records it the same way.
    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: Option<(&ParameterInputs, &ParameterOutputs)>,
    ) -> Result<Option<(ParameterInputs, ParameterOutputs)>> {
        let ssm = ctx.aws.ssm().await?;
        let Some(info) = ssm_api::parameter_info(ssm, id).await? else {
            return Ok(None);
        };
        // Deleted between the two reads: gone.
        let Some(mut tags_all) = ssm_api::tags_of(ssm, id).await.or_gone()? else {
            return Ok(None);
        };
        tags_all.remove(crate::adopt::URN_TAG);
        let old_inputs = olds.map(|(i, _)| i.clone()).unwrap_or_default();
        let drifted = value_drifted(&info, olds.map(|(_, o)| o.version));
        if drifted && olds.is_some() {
            ctx.log
                .warn(format!(
                    "SSM parameter `{id}` was changed outside Pulumi (now version {}, type {}); the next `up` writes the program's value again as a new version",
                    info.version, info.parameter_type
                ))
                .await;
        }
        let inputs = inputs_from_aws(&info, &old_inputs, &tags_all, &ctx.default_tags, drifted);
        let outputs = ParameterOutputs {
            inputs: inputs.clone(),
            arn: info.arn,
            version: info.version,
            tags_all,
        };
        Ok(Some((inputs, outputs)))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: &ParameterOutputs,
        news: &ParameterInputs,
    ) -> Result<ParameterOutputs> {
        let ssm = ctx.aws.ssm().await?;
        let mut outputs = olds.clone();
        if needs_put(&olds.inputs, news) {
            // Overwrite writes a new version of the same parameter (same ARN).
            outputs.version =
                ssm_api::put_parameter(ssm, &put_request(id, news, None, true)).await?;
            outputs.inputs = ParameterInputs {
                tags: olds.inputs.tags.clone(),
                ..news.clone()
            };
            ctx.log
                .status(format!(
                    "wrote version {} of SSM parameter {id}",
                    outputs.version
                ))
                .await;
        }
        let finished = async {
            if outputs.arn.is_empty() {
                // A create that could not read its ARN left it out.
                if let Some((arn, version, _)) = ssm_api::find_parameter(ssm, id).await? {
                    outputs.arn = arn;
                    outputs.version = version;
                }
            }
            let tags_all = ctx.tags_all(news.tags.as_ref());
            ssm_api::sync_tags(ssm, id, &olds.tags_all, &tags_all).await?;
            outputs.tags_all = tags_all;
            outputs.inputs.tags = news.tags.clone();
            Ok::<_, ProviderError>(())
        }
        .await;
        if let Err(e) = finished {
            // The new version is in place: report it, so the state does not go back to the old.
            return Err(init_failed(
                id,
                &outputs,
                vec![format!(
                    "SSM parameter `{id}` is at version {} but its tags are not all in place: {e}",
                    outputs.version
                )],
            ));
        }
        Ok(outputs)
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _olds: &ParameterOutputs) -> Result<()> {
        let ssm = ctx.aws.ssm().await?;
        ssm_api::delete_parameter(ssm, id).await
    }
}
