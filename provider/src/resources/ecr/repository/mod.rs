//! `fargate:ecr:Repository` — an ECR image repository: tag mutability, scan on push, lifecycle
//! rules as typed inputs (rendered to ECR's lifecycle policy JSON), tags, and a delete that
//! keeps images unless `forceDelete` says otherwise.

mod convert;
#[cfg(test)]
mod tests;
mod validation;

use std::collections::BTreeMap;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::aws::ecr as ecr_api;
use crate::context::Ctx;
use crate::error::{CheckFailure, ProviderError, Result};
use crate::resource::{CheckContext, Resource, init_failed};
use crate::validate;
pub(crate) use convert::*;
use validation::*;

pub struct Repository;

/// An ECR image repository.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "RepositoryArgs")]
pub struct RepositoryInputs {
    /// Name of the repository: 2 to 256 lowercase letters and digits, in parts separated by
    /// single `.`, `_` or `-`, optionally in namespaces with `/` (e.g. `sotex/api`). Defaults
    /// to the Pulumi resource name in lowercase plus a random suffix. Changing it replaces the
    /// repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        length(min = 2, max = 256),
        regex(pattern = r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$"),
        title = "an ECR repository name (lowercase letters and digits, parts joined by single `.` `_` `-`, namespaces by `/`)"
    )]
    pub name: Option<String>,
    /// `IMMUTABLE` (the default: a pushed tag can never point at another image) or `MUTABLE`.
    /// Changes apply in place.
    #[serde(default)]
    pub image_tag_mutability: TagMutability,
    /// Scan each image for vulnerabilities when it is pushed (basic scanning). Default false.
    /// Changes apply in place.
    #[serde(default)]
    pub scan_on_push: bool,
    /// Lifecycle rules, evaluated in the order given (ECR's rule priority 1, 2, …): each keeps
    /// the newest `keepLastCount` images or expires images older than `expireAfterDays` among
    /// the images it selects. A rule with `tagStatus: any` must be the last. Changes apply in
    /// place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle_rules: Option<Vec<LifecycleRule>>,
    /// Delete the repository even if it still holds images (they are deleted with it).
    /// Default false: deleting a repository with images fails, naming it, and nothing is lost.
    /// Changing it makes no AWS call.
    #[serde(default)]
    pub force_delete: bool,
    /// Tags on the repository, merged over the provider's `defaultTags`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Whether a pushed tag may later point at another image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TagMutability {
    /// Tags cannot be overwritten (a deployed tag always means the same image).
    #[default]
    Immutable,
    /// Tags may be pushed again and move to the new image.
    Mutable,
}

/// Which images a lifecycle rule selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TagStatus {
    /// Images with a tag starting with one of `tagPrefixes`.
    #[default]
    Tagged,
    /// Images without any tag.
    Untagged,
    /// Every image (the rule must be the last).
    Any,
}

/// One lifecycle rule: which images, and how many or how long to keep them. Give exactly one
/// of `keepLastCount` and `expireAfterDays`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LifecycleRule {
    /// What the rule is for, shown in the ECR console.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `tagged` (with `tagPrefixes`), `untagged` or `any`.
    pub tag_status: TagStatus,
    /// Tag prefixes the rule selects (an image with a tag starting with any of them); required
    /// for `tagged`, not allowed otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_prefixes: Option<Vec<String>>,
    /// Keep the newest this many selected images and expire the rest (at least 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1), title = "the number of images to keep")]
    pub keep_last_count: Option<u32>,
    /// Expire selected images pushed more than this many days ago (at least 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1), title = "the age in days after which images expire")]
    pub expire_after_days: Option<u32>,
}

/// The repository as it exists in AWS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "RepositoryState")]
pub struct RepositoryOutputs {
    #[serde(flatten)]
    pub inputs: RepositoryInputs,
    /// ARN of the repository.
    pub arn: String,
    /// The registry (account id) the repository is in.
    pub registry_id: String,
    /// Where to push and pull: `<account>.dkr.ecr.<region>.amazonaws.com/<name>`.
    pub repository_url: String,
    /// Every tag on the repository, the provider's `defaultTags` included.
    #[serde(default)]
    pub tags_all: BTreeMap<String, String>,
}

#[async_trait]
impl Resource for Repository {
    const TOKEN: &'static str = "fargate:ecr:Repository";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["name"];
    type Inputs = RepositoryInputs;
    type Outputs = RepositoryOutputs;

    fn check(
        &self,
        mut news: RepositoryInputs,
        olds: Option<&RepositoryInputs>,
        ctx: &CheckContext<'_>,
    ) -> Result<RepositoryInputs, Vec<CheckFailure>> {
        if news.name.is_none() {
            // Keep an earlier auto-name so an unrelated change does not replace the repository.
            news.name = Some(ctx.default_name(olds.and_then(|o| o.name.as_deref()), || {
                repository_auto_name(ctx.name, ctx.random_seed)
            }));
        }
        if news.tags.as_ref().is_some_and(BTreeMap::is_empty) {
            news.tags = None;
        }
        let news = normalise(news);
        let mut failures = Vec::new();
        validate_rules(
            news.lifecycle_rules.as_deref().unwrap_or_default(),
            &mut failures,
        );
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
        inputs: &RepositoryInputs,
    ) -> Result<(String, RepositoryOutputs)> {
        let ecr = ctx.aws.ecr().await?;
        let name = Self::name_of(inputs)?.to_string();
        let tags_all = ctx.tags_all(inputs.tags.as_ref());
        // The URN mark lets a retry after a crashed create find this repository (crate::adopt).
        let marked = crate::adopt::marked(ctx, &tags_all);
        let immutable = inputs.image_tag_mutability == TagMutability::Immutable;
        let repo =
            ecr_api::create_repository(ecr, &name, immutable, inputs.scan_on_push, &marked).await?;
        // What exists so far: the repository without lifecycle rules. A failure below reports
        // this, so the next `up` puts the policy on this repository instead of making another.
        let outputs = Self::outputs_from(
            &repo,
            RepositoryInputs {
                lifecycle_rules: None,
                ..inputs.clone()
            },
            tags_all,
        );
        ctx.log
            .status(format!("created ECR repository {}", outputs.repository_url))
            .await;
        let Some(rules) = &inputs.lifecycle_rules else {
            return Ok((name, outputs));
        };
        if let Err(e) = ecr_api::set_lifecycle_policy(ecr, &name, Some(&policy_text(rules))).await {
            return Err(init_failed(
                &name,
                &outputs,
                vec![format!(
                    "ECR repository `{name}` was created but its lifecycle policy was not put: {e}"
                )],
            ));
        }
        let mut outputs = outputs;
        outputs.inputs.lifecycle_rules = inputs.lifecycle_rules.clone();
        Ok((name, outputs))
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: Option<(&RepositoryInputs, &RepositoryOutputs)>,
    ) -> Result<Option<(RepositoryInputs, RepositoryOutputs)>> {
        let ecr = ctx.aws.ecr().await?;
        let Some(repo) = ecr_api::find_repository(ecr, id).await? else {
            return Ok(None);
        };
        let policy = ecr_api::lifecycle_policy(ecr, id).await?;
        let arn = repo.repository_arn().unwrap_or_default();
        let tags_all = ecr_api::tags_of(ecr, arn).await?;
        let old_inputs = olds.map(|(i, _)| i.clone()).unwrap_or_default();
        let inputs = inputs_from_aws(
            &repo,
            policy.as_deref(),
            &tags_all,
            &old_inputs,
            &ctx.default_tags,
        )?;
        let outputs = Self::outputs_from(&repo, inputs.clone(), tags_all);
        Ok(Some((inputs, outputs)))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: &RepositoryOutputs,
        news: &RepositoryInputs,
    ) -> Result<RepositoryOutputs> {
        let ecr = ctx.aws.ecr().await?;
        let old = &olds.inputs;
        if news.image_tag_mutability != old.image_tag_mutability {
            let immutable = news.image_tag_mutability == TagMutability::Immutable;
            ecr_api::set_mutability(ecr, id, immutable).await?;
        }
        if news.scan_on_push != old.scan_on_push {
            ecr_api::set_scan_on_push(ecr, id, news.scan_on_push).await?;
        }
        if news.lifecycle_rules != old.lifecycle_rules {
            let text = news.lifecycle_rules.as_deref().map(policy_text);
            ecr_api::set_lifecycle_policy(ecr, id, text.as_deref()).await?;
        }
        let tags_all = ctx.tags_all(news.tags.as_ref());
        if tags_all != olds.tags_all {
            ecr_api::sync_tags(ecr, &olds.arn, &olds.tags_all, &tags_all).await?;
        }
        // `forceDelete` is ours alone: it only changes what delete asks ECR.
        Ok(RepositoryOutputs {
            inputs: news.clone(),
            tags_all,
            ..olds.clone()
        })
    }

    async fn delete(&self, ctx: &Ctx, id: &str, olds: &RepositoryOutputs) -> Result<()> {
        let ecr = ctx.aws.ecr().await?;
        ecr_api::delete_repository(ecr, id, olds.inputs.force_delete).await
    }
}
