//! `fargate:ecs:Cluster` — an ECS cluster, the namespace Fargate services run in.

mod convert;
#[cfg(test)]
mod tests;
mod validation;

use std::collections::BTreeMap;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::aws::ecs as ecs_api;
use crate::context::Ctx;
use crate::error::{CheckFailure, ProviderError, Result};
use crate::naming::auto_name;
use crate::resource::{CheckContext, Resource};
use crate::resources::ecs::service::{CapacityProvider, CapacityProviderItem};
use crate::validate;
use convert::{
    capacity_providers_of, default_strategy_of, provider_name, provider_names, strategy_items,
};
pub(crate) use validation::validate_strategy;
use validation::*;

pub struct Cluster;

/// An ECS cluster that Fargate services and tasks run in.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "ClusterArgs")]
pub struct ClusterInputs {
    /// Name of the cluster. Defaults to the Pulumi resource name plus a random suffix.
    /// Changing it replaces the cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        pattern(crate::naming::ECS_NAME_PATTERN),
        title = "ECS cluster name",
        extend("x-rule" = crate::naming::ECS_NAME_RULE)
    )]
    pub name: Option<String>,
    /// Tags on the cluster, merged over the provider's `defaultTags`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    /// CloudWatch Container Insights for the cluster's tasks: `enabled`, `enhanced` or
    /// `disabled` (AWS's default). Changes apply in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_insights: Option<ContainerInsights>,
    /// Capacity providers associated with the cluster: `FARGATE` and/or `FARGATE_SPOT`. A
    /// service's `capacityProviderStrategy` may only name providers listed here (AWS refuses the
    /// service otherwise). Changes apply in place; a provider still used by a service cannot be
    /// removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_providers: Option<Vec<CapacityProvider>>,
    /// Strategy for services and tasks started with neither a launch type nor a strategy of
    /// their own. Names only providers in `capacityProviders`; at most one entry has a `base`
    /// above 0. Changes apply in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_capacity_provider_strategy: Option<Vec<CapacityProviderItem>>,
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
        validate::tags("tags", news.tags.as_ref(), &mut failures);
        validate_capacity_providers(&news, &mut failures);
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
        request = request
            .set_capacity_providers(
                inputs
                    .capacity_providers
                    .as_ref()
                    .map(|c| provider_names(c)),
            )
            .set_default_capacity_provider_strategy(
                inputs
                    .default_capacity_provider_strategy
                    .as_ref()
                    .map(|s| strategy_items(s)),
            );
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
            capacity_providers: capacity_providers_of(&cluster, &old_inputs),
            default_capacity_provider_strategy: default_strategy_of(&cluster, &old_inputs),
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
        if news.capacity_providers != olds.inputs.capacity_providers
            || news.default_capacity_provider_strategy
                != olds.inputs.default_capacity_provider_strategy
        {
            // PutClusterCapacityProviders replaces both lists at once; empty lists clear them.
            ecs.put_cluster_capacity_providers()
                .cluster(id)
                .set_capacity_providers(Some(provider_names(
                    news.capacity_providers.as_deref().unwrap_or_default(),
                )))
                .set_default_capacity_provider_strategy(Some(strategy_items(
                    news.default_capacity_provider_strategy
                        .as_deref()
                        .unwrap_or_default(),
                )))
                .send()
                .await
                .map_err(|e| ProviderError::from_aws("ecs:PutClusterCapacityProviders", &e, &[]))?;
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
