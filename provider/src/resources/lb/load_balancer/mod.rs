//! `fargate:lb:LoadBalancer` — an Application Load Balancer in front of Fargate services.

mod convert;
#[cfg(test)]
mod tests;
mod validation;

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::types::{
    LoadBalancer as AwsLoadBalancer, LoadBalancerSchemeEnum, LoadBalancerTypeEnum,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::*;
use crate::aws::elbv2 as api;
use crate::context::Ctx;
use crate::error::{CheckFailure, ProviderError, Result, aws_error_code};
use crate::resource::{CheckContext, Diff, DiffInput, Resource, diff_inputs, is_known, unfinished};
use crate::validate;
use convert::*;
use validation::*;

pub struct LoadBalancer;

/// An internet-facing or internal Application Load Balancer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "LoadBalancerArgs")]
pub struct LoadBalancerInputs {
    /// Name of the load balancer, not starting with `internal-`. Defaults to the Pulumi resource
    /// name plus a random suffix. Changing it replaces the load balancer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        pattern(crate::naming::ELB_NAME_PATTERN),
        title = "load balancer name",
        extend("x-rule" = crate::naming::ELB_NAME_RULE)
    )]
    pub name: Option<String>,
    /// `true` for an internal load balancer (private IPs only); `false` (the default) for an
    /// internet-facing one. Changing it replaces the load balancer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal: Option<bool>,
    /// Subnet ids (`subnet-...`), at least two, in different availability zones. Public subnets
    /// for an internet-facing load balancer. Changes apply in place.
    pub subnets: Vec<String>,
    /// Security group ids (`sg-...`, at most 5). Defaults to the VPC's default security group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_groups: Option<Vec<String>>,
    /// Seconds a connection may stay idle, 1 to 4000. AWS's default is 60.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 4000), title = "the idle timeout (seconds)")]
    pub idle_timeout_seconds: Option<u32>,
    /// When `true`, AWS refuses to delete the load balancer. Default `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_protection: Option<bool>,
    /// Access logs written to an S3 bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_logs: Option<AccessLogs>,
    /// Tags on the load balancer, merged over the provider's `defaultTags`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Where and whether the load balancer writes access logs.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessLogs {
    /// S3 bucket name; its policy must let Elastic Load Balancing write to it.
    pub bucket: String,
    /// Key prefix inside the bucket (no leading or trailing `/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// Whether logs are written. Default `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// The load balancer as it exists in AWS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "LoadBalancerState")]
pub struct LoadBalancerOutputs {
    #[serde(flatten)]
    pub inputs: LoadBalancerInputs,
    /// ARN of the load balancer; also the resource's id.
    pub arn: String,
    /// DNS name clients connect to (point a CNAME or alias record at it).
    #[serde(default)]
    pub dns_name: String,
    /// Route 53 hosted zone id for alias records to `dnsName`.
    #[serde(default)]
    pub canonical_hosted_zone_id: String,
    /// The VPC the load balancer's subnets belong to.
    #[serde(default)]
    pub vpc_id: String,
    /// Every tag on the load balancer, the provider's `defaultTags` included.
    #[serde(default)]
    pub tags_all: BTreeMap<String, String>,
}

const DEFAULT_IDLE_TIMEOUT: u32 = 60;

/// For diffing: unset booleans mean AWS's defaults.
fn normalise_for_diff(v: &serde_json::Value) -> serde_json::Value {
    let mut v = v.clone();
    if let Some(m) = v.as_object_mut() {
        if m.get("internal").is_none_or(serde_json::Value::is_null) {
            m.insert("internal".into(), serde_json::Value::Bool(false));
        }
        if m.get("idleTimeoutSeconds")
            .is_none_or(serde_json::Value::is_null)
        {
            m.insert("idleTimeoutSeconds".into(), DEFAULT_IDLE_TIMEOUT.into());
        }
        if m.get("deletionProtection")
            .is_none_or(serde_json::Value::is_null)
        {
            m.insert("deletionProtection".into(), serde_json::Value::Bool(false));
        }
    }
    v
}

#[async_trait]
impl Resource for LoadBalancer {
    const TOKEN: &'static str = "fargate:lb:LoadBalancer";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["name", "internal"];
    type Inputs = LoadBalancerInputs;
    type Outputs = LoadBalancerOutputs;

    fn check(
        &self,
        mut news: LoadBalancerInputs,
        olds: Option<&LoadBalancerInputs>,
        ctx: &CheckContext<'_>,
    ) -> Result<LoadBalancerInputs, Vec<CheckFailure>> {
        if news.name.is_none() {
            news.name = Some(ctx.default_name(olds.and_then(|o| o.name.as_deref()), || {
                elb_auto_name(ctx.name, ctx.random_seed)
            }));
        }
        // AWS reports subnets and groups in its own order: keep one canonical order.
        news.subnets.sort();
        if let Some(sgs) = &mut news.security_groups {
            sgs.sort();
        }
        if news.tags.as_ref().is_some_and(BTreeMap::is_empty) {
            news.tags = None;
        }
        let failures = validate(&news);
        if failures.is_empty() {
            Ok(news)
        } else {
            Err(failures)
        }
    }

    fn diff(&self, input: &DiffInput<'_>) -> Diff {
        diff_inputs(
            &normalise_for_diff(input.old_inputs),
            &normalise_for_diff(input.news),
            Self::REPLACE_ON_CHANGES,
        )
    }

    async fn create(
        &self,
        ctx: &Ctx,
        inputs: &LoadBalancerInputs,
    ) -> Result<(String, LoadBalancerOutputs)> {
        let client = ctx.aws.elbv2().await?;
        let name = inputs
            .name
            .clone()
            .ok_or_else(|| ProviderError::internal("load balancer name missing after check"))?;
        let tags_all = ctx.tags_all(inputs.tags.as_ref());
        let scheme = if inputs.internal == Some(true) {
            LoadBalancerSchemeEnum::Internal
        } else {
            LoadBalancerSchemeEnum::InternetFacing
        };
        let out = client
            .create_load_balancer()
            .name(&name)
            .r#type(LoadBalancerTypeEnum::Application)
            .scheme(scheme)
            .set_subnets(Some(inputs.subnets.clone()))
            .set_security_groups(inputs.security_groups.clone())
            // The URN mark lets a retry after a crashed create find it (crate::adopt).
            .set_tags(Some(api::to_elb_tags(&crate::adopt::marked(ctx, &tags_all))))
            .send()
            .await
            .map_err(|e| {
                if aws_error_code(&e) == Some("DuplicateLoadBalancerName") {
                    ProviderError::internal(format!(
                        "a load balancer named `{name}` already exists; choose another `name`, or adopt it with `pulumi import {} <resource name> <its ARN>`",
                        Self::TOKEN
                    ))
                } else {
                    map_subnet_error(
                        "elasticloadbalancing:CreateLoadBalancer",
                        &e,
                        &inputs.subnets,
                    )
                }
            })?;
        let lb = out.load_balancers().first().cloned().ok_or_else(|| {
            ProviderError::internal("elasticloadbalancing:CreateLoadBalancer returned nothing")
        })?;
        let arn = lb.load_balancer_arn().unwrap_or_default().to_string();
        let outputs = outputs_from(&lb, inputs.clone(), tags_all);
        ctx.log.status(format!("created load balancer {arn}")).await;
        let timeout = ctx.timeout.unwrap_or(api::DEFAULT_ACTIVE_TIMEOUT);
        let lb = api::wait_for_load_balancer_active(client, &arn, timeout, &ctx.log, &ctx.cancel)
            .await
            .map_err(unfinished(&arn, &outputs))?;
        // A new load balancer has AWS's documented defaults: only what differs is sent, with no
        // read first (a wrong default would show as drift on the next refresh).
        let actual = with_attribute_defaults(BTreeMap::new());
        let changed = api::changed_entries(&actual, &desired_attributes(inputs));
        api::modify_load_balancer_attributes(client, &arn, &changed)
            .await
            .map_err(unfinished(&arn, &outputs))?;
        Ok((arn, outputs_from(&lb, inputs.clone(), outputs.tags_all)))
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: Option<(&LoadBalancerInputs, &LoadBalancerOutputs)>,
    ) -> Result<Option<(LoadBalancerInputs, LoadBalancerOutputs)>> {
        let client = ctx.aws.elbv2().await?;
        let Some(lb) = api::find_load_balancer(client, id).await? else {
            return Ok(None);
        };
        if lb.r#type() != Some(&LoadBalancerTypeEnum::Application) {
            return Err(ProviderError::internal(format!(
                "{id} is a `{}` load balancer; {} manages Application Load Balancers only",
                lb.r#type().map(|t| t.as_str()).unwrap_or("unknown"),
                Self::TOKEN
            )));
        }
        let attributes = api::load_balancer_attributes(client, id).await?;
        let tags_all = api::tags_of(client, id).await?;
        let inputs = inputs_from_aws(
            &lb,
            attributes,
            &tags_all,
            olds.map(|(i, _)| i),
            &ctx.default_tags,
        );
        Ok(Some((inputs.clone(), outputs_from(&lb, inputs, tags_all))))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: &LoadBalancerOutputs,
        news: &LoadBalancerInputs,
    ) -> Result<LoadBalancerOutputs> {
        let client = ctx.aws.elbv2().await?;
        let old = &olds.inputs;
        if news.subnets != old.subnets {
            client
                .set_subnets()
                .load_balancer_arn(id)
                .set_subnets(Some(news.subnets.clone()))
                .send()
                .await
                .map_err(|e| {
                    map_subnet_error("elasticloadbalancing:SetSubnets", &e, &news.subnets)
                })?;
        }
        if news.security_groups != old.security_groups {
            match &news.security_groups {
                Some(sgs) => {
                    client
                        .set_security_groups()
                        .load_balancer_arn(id)
                        .set_security_groups(Some(sgs.clone()))
                        .send()
                        .await
                        .map_err(|e| {
                            ProviderError::from_aws(
                                "elasticloadbalancing:SetSecurityGroups",
                                &e,
                                &[],
                            )
                        })?;
                }
                None => {
                    ctx.log
                        .warn("securityGroups was removed: the load balancer keeps its current security groups (an Application Load Balancer always has at least one)")
                        .await;
                }
            }
        }
        let changed = api::changed_entries(&desired_attributes(old), &desired_attributes(news));
        api::modify_load_balancer_attributes(client, id, &changed).await?;
        let tags_all = ctx.tags_all(news.tags.as_ref());
        if tags_all != olds.tags_all {
            api::sync_tags(client, id, &olds.tags_all, &tags_all).await?;
        }
        Ok(LoadBalancerOutputs {
            inputs: news.clone(),
            tags_all,
            ..olds.clone()
        })
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _olds: &LoadBalancerOutputs) -> Result<()> {
        let client = ctx.aws.elbv2().await?;
        ctx.log.status(format!("deleting load balancer {id}")).await;
        api::delete_load_balancer(client, id, &ctx.cancel).await
    }
}
