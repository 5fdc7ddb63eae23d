//! `fargate:ecs:Cluster` — an ECS cluster, the namespace Fargate services run in.

use std::collections::BTreeMap;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::aws::ecs as ecs_api;
use crate::context::Ctx;
use crate::error::{CheckFailure, ProviderError, Result};
use crate::naming::auto_name;
use crate::resource::{CheckContext, Resource, is_known};
use crate::validate;

pub struct Cluster;

/// An ECS cluster that Fargate services and tasks run in.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "ClusterArgs")]
pub struct ClusterInputs {
    /// Name of the cluster: 1 to 255 letters, digits, hyphens and underscores. Defaults to the
    /// Pulumi resource name plus a random suffix. Changing it replaces the cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Tags on the cluster, merged over the provider's `defaultTags`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    /// CloudWatch Container Insights for the cluster's tasks: `enabled`, `enhanced` or
    /// `disabled` (AWS's default). Changes apply in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_insights: Option<ContainerInsights>,
}

/// CloudWatch Container Insights level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ContainerInsights {
    /// Standard metrics.
    Enabled,
    /// Detailed, per-container metrics.
    Enhanced,
    /// No Container Insights metrics.
    Disabled,
}

impl ContainerInsights {
    fn as_str(self) -> &'static str {
        match self {
            Self::Enabled => "enabled",
            Self::Enhanced => "enhanced",
            Self::Disabled => "disabled",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "enabled" => Some(Self::Enabled),
            "enhanced" => Some(Self::Enhanced),
            "disabled" => Some(Self::Disabled),
            _ => None,
        }
    }
}

/// The cluster as it exists in AWS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "ClusterState")]
pub struct ClusterOutputs {
    #[serde(flatten)]
    pub inputs: ClusterInputs,
    /// ARN of the cluster; also the resource's id.
    pub arn: String,
    /// Every tag on the cluster, the provider's `defaultTags` included.
    #[serde(default)]
    pub tags_all: BTreeMap<String, String>,
}

const NAME_MAX: usize = 255;

fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

fn validate_name(name: &str, failures: &mut Vec<CheckFailure>) {
    if !is_known(name) {
        return;
    }
    if name.is_empty() || name.len() > NAME_MAX || !name.chars().all(name_char) {
        failures.push(CheckFailure::new(
            "name",
            format!(
                "`{name}` is not a valid ECS cluster name: use 1 to {NAME_MAX} letters, digits, hyphens (-) and underscores (_)"
            ),
        ));
    }
}

impl Cluster {
    fn name_of(inputs: &ClusterInputs) -> Result<&str> {
        inputs
            .name
            .as_deref()
            .ok_or_else(|| ProviderError::internal("cluster name missing after check"))
    }

    fn outputs_from(
        cluster: &aws_sdk_ecs::types::Cluster,
        inputs: ClusterInputs,
    ) -> ClusterOutputs {
        ClusterOutputs {
            inputs,
            arn: cluster.cluster_arn().unwrap_or_default().to_string(),
            tags_all: ecs_api::from_ecs_tags(cluster.tags()),
        }
    }
}

#[async_trait]
impl Resource for Cluster {
    const TOKEN: &'static str = "fargate:ecs:Cluster";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["name"];
    type Inputs = ClusterInputs;
    type Outputs = ClusterOutputs;

    fn check(
        &self,
        mut news: ClusterInputs,
        olds: Option<&ClusterInputs>,
        ctx: &CheckContext<'_>,
    ) -> Result<ClusterInputs, Vec<CheckFailure>> {
        if news.name.is_none() {
            // Keep an earlier auto-name so an unrelated change does not replace the cluster.
            news.name = Some(ctx.default_name(olds.and_then(|o| o.name.as_deref()), || {
                auto_name(ctx.name, ctx.random_seed, NAME_MAX, name_char)
            }));
        }
        if news.tags.as_ref().is_some_and(BTreeMap::is_empty) {
            news.tags = None;
        }
        let mut failures = Vec::new();
        validate_name(news.name.as_deref().unwrap_or_default(), &mut failures);
        validate::tags("tags", news.tags.as_ref(), &mut failures);
        if failures.is_empty() {
            Ok(news)
        } else {
            Err(failures)
        }
    }

    async fn create(&self, ctx: &Ctx, inputs: &ClusterInputs) -> Result<(String, ClusterOutputs)> {
        let ecs = ctx.aws.ecs().await?;
        let name = Self::name_of(inputs)?;
        // CreateCluster returns an existing cluster of the same name as if it were new: refuse
        // to adopt one that Pulumi does not manage.
        if let Some(existing) = ecs_api::find_cluster(ecs, name).await? {
            return Err(ProviderError::internal(format!(
                "an ECS cluster named `{name}` already exists ({}); choose another `name`, or adopt it with `pulumi import fargate:ecs:Cluster <resource name> {}`",
                existing.cluster_arn().unwrap_or_default(),
                existing.cluster_arn().unwrap_or(name),
            )));
        }
        let tags_all = ctx.tags_all(inputs.tags.as_ref());
        let mut request = ecs.create_cluster().cluster_name(name);
        // The URN mark lets a retry after a crashed create find this cluster (crate::adopt).
        request = request.set_tags(Some(ecs_api::to_ecs_tags(&crate::adopt::marked(
            ctx, &tags_all,
        ))));
        if let Some(ci) = inputs.container_insights {
            request = request.settings(ecs_api::container_insights_setting(ci.as_str()));
        }
        let out = request
            .send()
            .await
            .map_err(|e| ProviderError::from_aws("ecs:CreateCluster", &e, &[]))?;
        let cluster = out
            .cluster()
            .ok_or_else(|| ProviderError::internal("ecs:CreateCluster returned no cluster"))?;
        let mut outputs = Self::outputs_from(cluster, inputs.clone());
        // CreateCluster's answer may omit tags; we just set them.
        outputs.tags_all = tags_all;
        ctx.log
            .status(format!("created ECS cluster {}", outputs.arn))
            .await;
        Ok((outputs.arn.clone(), outputs))
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: Option<(&ClusterInputs, &ClusterOutputs)>,
    ) -> Result<Option<(ClusterInputs, ClusterOutputs)>> {
        let ecs = ctx.aws.ecs().await?;
        let Some(cluster) = ecs_api::find_cluster(ecs, id).await? else {
            return Ok(None);
        };
        let tags_all = ecs_api::from_ecs_tags(cluster.tags());
        let old_inputs = olds.map(|(i, _)| i.clone()).unwrap_or_default();
        let actual_insights =
            ecs_api::container_insights_of(&cluster).and_then(|s| ContainerInsights::parse(&s));
        let container_insights = match (old_inputs.container_insights, actual_insights) {
            // AWS reports its default explicitly; an unset input means the same.
            (None, Some(ContainerInsights::Disabled)) | (None, None) => None,
            (_, actual) => actual,
        };
        let inputs = ClusterInputs {
            name: cluster.cluster_name().map(str::to_string),
            tags: crate::tags::own_tags(&tags_all, old_inputs.tags.as_ref(), &ctx.default_tags),
            container_insights,
        };
        let outputs = Self::outputs_from(&cluster, inputs.clone());
        Ok(Some((inputs, outputs)))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: &ClusterOutputs,
        news: &ClusterInputs,
    ) -> Result<ClusterOutputs> {
        let ecs = ctx.aws.ecs().await?;
        let tags_all = ctx.tags_all(news.tags.as_ref());
        if tags_all != olds.tags_all {
            ecs_api::sync_tags(ecs, id, &olds.tags_all, &tags_all).await?;
        }
        if news.container_insights != olds.inputs.container_insights {
            let value = news
                .container_insights
                .unwrap_or(ContainerInsights::Disabled);
            // UpdateCluster (not UpdateClusterSettings) also carries settings, and emulators know it.
            ecs.update_cluster()
                .cluster(id)
                .settings(ecs_api::container_insights_setting(value.as_str()))
                .send()
                .await
                .map_err(|e| ProviderError::from_aws("ecs:UpdateCluster", &e, &[]))?;
        }
        Ok(ClusterOutputs {
            inputs: news.clone(),
            arn: olds.arn.clone(),
            tags_all,
        })
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _olds: &ClusterOutputs) -> Result<()> {
        let ecs = ctx.aws.ecs().await?;
        ecs_api::delete_cluster(ecs, id, &ctx.cancel).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::{ChangeKind, Diff, DiffInput, DynResource};
    use pulumi_rs_proto::value::UNKNOWN;
    use serde_json::json;

    fn ctx<'a>(has_unknowns: bool) -> CheckContext<'a> {
        CheckContext {
            name: "main",
            random_seed: b"seed",
            proposed_name: None,
            has_unknowns,
        }
    }

    #[test]
    fn missing_name_is_auto_named_and_kept() {
        let checked = DynResource::check(&Cluster, json!({}), None, &ctx(false)).unwrap();
        let name = checked["name"].as_str().unwrap().to_string();
        assert!(name.starts_with("main-"), "{name}");
        // A later check with other inputs keeps the same name.
        let again = DynResource::check(
            &Cluster,
            json!({"tags": {"a": "b"}}),
            Some(checked),
            &ctx(false),
        )
        .unwrap();
        assert_eq!(again["name"], json!(name));
    }

    #[test]
    fn invalid_name_names_property_value_and_rule() {
        let err = DynResource::check(&Cluster, json!({"name": "bad name!"}), None, &ctx(false))
            .unwrap_err();
        assert_eq!(err[0].property, "name");
        assert!(err[0].reason.contains("`bad name!`"), "{}", err[0].reason);
        assert!(
            err[0].reason.contains("letters, digits, hyphens"),
            "{}",
            err[0].reason
        );
        let long = "a".repeat(256);
        assert!(DynResource::check(&Cluster, json!({ "name": long }), None, &ctx(false)).is_err());
        assert!(
            DynResource::check(&Cluster, json!({"name": "ok_name-1"}), None, &ctx(false)).is_ok()
        );
    }

    #[test]
    fn invalid_container_insights_lists_valid_values() {
        let err = DynResource::check(
            &Cluster,
            json!({"containerInsights": "on"}),
            None,
            &ctx(false),
        )
        .unwrap_err();
        assert_eq!(err[0].property, "containerInsights");
        assert!(
            err[0].reason.contains("`on`") && err[0].reason.contains("enabled"),
            "{}",
            err[0].reason
        );
    }

    #[test]
    fn misspelt_property_is_rejected() {
        let err =
            DynResource::check(&Cluster, json!({"nmae": "x"}), None, &ctx(false)).unwrap_err();
        assert_eq!(err[0].property, "nmae");
        assert!(err[0].reason.contains("name, tags"), "{}", err[0].reason);
    }

    #[test]
    fn unknown_name_passes_check_unchanged() {
        let checked = DynResource::check(
            &Cluster,
            json!({"name": UNKNOWN, "tags": {"a": "b"}}),
            None,
            &ctx(true),
        )
        .unwrap();
        assert_eq!(checked["name"], json!(UNKNOWN));
        assert_eq!(checked["tags"], json!({"a": "b"}));
    }

    fn diff(
        old_inputs: serde_json::Value,
        news: serde_json::Value,
        tags_all: serde_json::Value,
    ) -> Diff {
        let outputs = json!({"arn": "arn:x", "tagsAll": tags_all});
        let defaults = BTreeMap::from([("env".to_string(), "dev".to_string())]);
        DynResource::diff(
            &Cluster,
            &DiffInput {
                old_inputs: &old_inputs,
                old_outputs: &outputs,
                news: &news,
                default_tags: &defaults,
            },
        )
    }

    #[test]
    fn name_change_replaces_tag_change_updates() {
        let d = diff(
            json!({"name": "a"}),
            json!({"name": "b"}),
            json!({"env": "dev"}),
        );
        assert!(d.is_replace());
        let d = diff(
            json!({"name": "a", "tags": {"t": "1"}}),
            json!({"name": "a", "tags": {"t": "2"}}),
            json!({"env": "dev", "t": "1"}),
        );
        assert!(!d.is_replace());
        assert_eq!(d.changes.get("tags.t"), Some(&ChangeKind::Update));
    }

    #[test]
    fn default_tag_change_is_an_update() {
        let d = diff(
            json!({"name": "a"}),
            json!({"name": "a"}),
            json!({"env": "prod"}),
        );
        assert!(!d.is_replace());
        assert_eq!(d.changes.get("tags"), Some(&ChangeKind::Update));
        let same = diff(
            json!({"name": "a"}),
            json!({"name": "a"}),
            json!({"env": "dev"}),
        );
        assert!(!same.has_changes());
    }

    #[test]
    fn preview_create_leaves_computed_outputs_unknown() {
        let out = Cluster.preview_create(&ClusterInputs {
            name: Some("a".into()),
            ..Default::default()
        });
        assert_eq!(out["name"], json!("a"));
        assert_eq!(out["arn"], json!(UNKNOWN));
        assert_eq!(out["tagsAll"], json!(UNKNOWN));
    }
}
