//! `fargate:logs:LogGroup` — a CloudWatch Logs log group (where the awslogs driver of a task
//! writes): retention, KMS encryption, tags.

mod convert;
#[cfg(test)]
mod tests;
mod validation;

use std::collections::BTreeMap;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::aws::logs as logs_api;
use crate::context::Ctx;
use crate::error::{CheckFailure, ProviderError, Result};
use crate::naming::auto_name;
use crate::resource::{CheckContext, Resource, init_failed};
use crate::validate;
pub(crate) use convert::*;
use validation::*;

pub struct LogGroup;

/// A CloudWatch Logs log group, e.g. for the awslogs log driver of a task definition.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "LogGroupArgs")]
pub struct LogGroupInputs {
    /// Name of the log group: 1 to 512 letters, digits and `. - _ / #` (e.g. `/ecs/api`).
    /// Defaults to the Pulumi resource name plus a random suffix. Changing it replaces the log
    /// group (and its events are deleted with the old one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        length(min = 1, max = 512),
        regex(pattern = r"^[.\-_/#A-Za-z0-9]+$"),
        title = "a log group name (letters, digits and . - _ / #)"
    )]
    pub name: Option<String>,
    /// Days to keep log events: one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400,
    /// 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 (CloudWatch's allowed values).
    /// Absent: events never expire. Changes apply in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = RETENTION_DAYS), title = "the retention in days")]
    pub retention_in_days: Option<u32>,
    /// ARN of the KMS key that encrypts the log events
    /// (`arn:aws:kms:<region>:<account>:key/<id>`). Its key policy must allow the
    /// `logs.<region>.amazonaws.com` service principal. Changes apply in place (only events
    /// ingested afterwards use the new key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    /// Tags on the log group, merged over the provider's `defaultTags`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// The log group as it exists in AWS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "LogGroupState")]
pub struct LogGroupOutputs {
    #[serde(flatten)]
    pub inputs: LogGroupInputs,
    /// ARN of the log group, without the trailing `:*` (add `:*` for its log streams in IAM
    /// policies).
    pub arn: String,
    /// Every tag on the log group, the provider's `defaultTags` included.
    #[serde(default)]
    pub tags_all: BTreeMap<String, String>,
}

#[async_trait]
impl Resource for LogGroup {
    const TOKEN: &'static str = "fargate:logs:LogGroup";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["name"];
    type Inputs = LogGroupInputs;
    type Outputs = LogGroupOutputs;

    fn check(
        &self,
        mut news: LogGroupInputs,
        olds: Option<&LogGroupInputs>,
        ctx: &CheckContext<'_>,
    ) -> Result<LogGroupInputs, Vec<CheckFailure>> {
        if news.name.is_none() {
            // Keep an earlier auto-name so an unrelated change does not replace the group.
            news.name = Some(ctx.default_name(olds.and_then(|o| o.name.as_deref()), || {
                auto_name(ctx.name, ctx.random_seed, NAME_MAX, name_char)
            }));
        }
        if news.tags.as_ref().is_some_and(BTreeMap::is_empty) {
            news.tags = None;
        }
        let mut failures = Vec::new();
        validate_log_group(&news, &mut failures);
        validate::tags("tags", news.tags.as_ref(), &mut failures);
        if failures.is_empty() {
            Ok(news)
        } else {
            Err(failures)
        }
    }

    async fn create(
        &self,
        ctx: &Ctx,
        inputs: &LogGroupInputs,
    ) -> Result<(String, LogGroupOutputs)> {
        let logs = ctx.aws.logs().await?;
        let name = Self::name_of(inputs)?.to_string();
        let tags_all = ctx.tags_all(inputs.tags.as_ref());
        // The URN mark lets a retry after a crashed create find this group (crate::adopt).
        let marked = crate::adopt::marked(ctx, &tags_all);
        logs_api::create_log_group(logs, &name, inputs.kms_key_id.as_deref(), &marked).await?;
        // What exists so far: the group, without retention (CreateLogGroup takes none). A
        // failure below reports this, so the next `up` finishes this group.
        let mut outputs = LogGroupOutputs {
            inputs: LogGroupInputs {
                retention_in_days: None,
                ..inputs.clone()
            },
            arn: String::new(),
            tags_all,
        };
        let finish = async {
            // CreateLogGroup answers nothing: the ARN comes from one describe.
            outputs.arn = Self::arn_of(logs, &name).await?;
            if inputs.retention_in_days.is_some() {
                logs_api::set_retention(logs, &name, inputs.retention_in_days).await?;
                outputs.inputs.retention_in_days = inputs.retention_in_days;
            }
            Ok::<_, ProviderError>(())
        };
        if let Err(e) = finish.await {
            return Err(init_failed(
                &name,
                &outputs,
                vec![format!(
                    "CloudWatch log group `{name}` was created but is not finished: {e}"
                )],
            ));
        }
        ctx.log
            .status(format!("created CloudWatch log group {name}"))
            .await;
        Ok((name, outputs))
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: Option<(&LogGroupInputs, &LogGroupOutputs)>,
    ) -> Result<Option<(LogGroupInputs, LogGroupOutputs)>> {
        let logs = ctx.aws.logs().await?;
        let Some(group) = logs_api::find_log_group(logs, id).await? else {
            return Ok(None);
        };
        let arn = logs_api::group_arn(&group);
        let tags_all = logs_api::tags_of(logs, &arn).await?;
        let old_inputs = olds.map(|(i, _)| i.clone()).unwrap_or_default();
        let inputs = inputs_from_aws(&group, &tags_all, &old_inputs, &ctx.default_tags);
        let outputs = LogGroupOutputs {
            inputs: inputs.clone(),
            arn,
            tags_all,
        };
        Ok(Some((inputs, outputs)))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: &LogGroupOutputs,
        news: &LogGroupInputs,
    ) -> Result<LogGroupOutputs> {
        let logs = ctx.aws.logs().await?;
        let arn = match olds.arn.as_str() {
            // A create that failed before learning the ARN.
            "" => Self::arn_of(logs, id).await?,
            arn => arn.to_string(),
        };
        if news.retention_in_days != olds.inputs.retention_in_days {
            // None removes the retention policy: events never expire again.
            logs_api::set_retention(logs, id, news.retention_in_days).await?;
        }
        if news.kms_key_id != olds.inputs.kms_key_id {
            logs_api::set_kms_key(logs, id, news.kms_key_id.as_deref()).await?;
        }
        let tags_all = ctx.tags_all(news.tags.as_ref());
        if tags_all != olds.tags_all {
            logs_api::sync_tags(logs, &arn, &olds.tags_all, &tags_all).await?;
        }
        Ok(LogGroupOutputs {
            inputs: news.clone(),
            arn,
            tags_all,
        })
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _olds: &LogGroupOutputs) -> Result<()> {
        let logs = ctx.aws.logs().await?;
        logs_api::delete_log_group(logs, id).await
    }
}
