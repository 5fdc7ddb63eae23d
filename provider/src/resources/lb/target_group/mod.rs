//! `fargate:lb:TargetGroup` — where an Application Load Balancer sends traffic: the `ip` targets
//! of Fargate tasks, registered by the ECS service.

mod convert;
#[cfg(test)]
mod tests;
mod validation;

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::types::{
    Matcher, ProtocolEnum, TargetGroup as AwsTargetGroup, TargetTypeEnum,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{elb_auto_name, keep_default, validate_elb_name};
use crate::aws::elbv2 as api;
use crate::aws::retry::{Sent, send_create};
use crate::context::Ctx;
use crate::error::{CheckFailure, ProviderError, Result, aws_error_code};
use crate::resource::{CheckContext, Resource, is_known, unfinished};
use crate::validate;
use convert::*;
use validation::*;

pub struct TargetGroup;

/// A target group of Fargate task IPs behind an Application Load Balancer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "TargetGroupArgs")]
pub struct TargetGroupInputs {
    /// Name of the target group, without `--`. Defaults to the Pulumi resource name plus a
    /// random suffix (so a replacement can be created before the old one is deleted). Changing
    /// it replaces the target group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        pattern(crate::naming::ELB_NAME_PATTERN),
        title = "target group name",
        extend("x-rule" = crate::naming::ELB_NAME_RULE)
    )]
    pub name: Option<String>,
    /// Kind of targets: only `ip`, what Fargate tasks (awsvpc networking) register as.
    /// Changing it replaces the target group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_type: Option<TargetType>,
    /// Protocol from the load balancer to the targets: `HTTP` (default) or `HTTPS`. Changing it
    /// replaces the target group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<HttpProtocol>,
    /// Port the targets receive traffic on, 1 to 65535 (usually the container port). Changing it
    /// replaces the target group.
    #[schemars(range(min = 1, max = 65535), title = "a port")]
    pub port: u32,
    /// VPC of the targets (`vpc-...`). Changing it replaces the target group.
    pub vpc_id: String,
    /// How the load balancer checks that a target is healthy. Changes apply in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check: Option<HealthCheck>,
    /// Seconds to let in-flight requests finish before a target is removed, 0 to 3600. AWS's
    /// default is 300.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        range(min = 0, max = 3600),
        title = "the deregistration delay (seconds)"
    )]
    pub deregistration_delay_seconds: Option<u32>,
    /// Load-balancer-cookie stickiness.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stickiness: Option<Stickiness>,
    /// Tags on the target group, merged over the provider's `defaultTags`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Target type; Fargate tasks register by IP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TargetType {
    /// Targets are IP addresses (Fargate tasks).
    Ip,
}

/// HTTP or HTTPS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum HttpProtocol {
    #[serde(rename = "HTTP")]
    Http,
    #[serde(rename = "HTTPS")]
    Https,
}

impl HttpProtocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Http => "HTTP",
            Self::Https => "HTTPS",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "HTTP" => Some(Self::Http),
            "HTTPS" => Some(Self::Https),
            _ => None,
        }
    }

    pub fn to_aws(self) -> ProtocolEnum {
        ProtocolEnum::from(self.as_str())
    }
}

/// Health check settings; unset values take AWS's defaults for ALB `ip` target groups.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "TargetGroupHealthCheck")]
pub struct HealthCheck {
    /// Path requested, starting with `/`. Default `/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Port checked, 1 to 65535. Default: the port each target receives traffic on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 65535), title = "a port")]
    pub port: Option<u32>,
    /// `HTTP` or `HTTPS`. Default: the target group's protocol.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<HttpProtocol>,
    /// Seconds between checks, 5 to 300. Default 30.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 5, max = 300), title = "the interval (seconds)")]
    pub interval_seconds: Option<u32>,
    /// Seconds without a response that fail a check, 2 to 120 and less than the interval.
    /// Default 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 2, max = 120), title = "the timeout (seconds)")]
    pub timeout_seconds: Option<u32>,
    /// Consecutive successes before an unhealthy target counts as healthy, 2 to 10. Default 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 2, max = 10), title = "the healthy threshold")]
    pub healthy_threshold: Option<u32>,
    /// Consecutive failures before a target counts as unhealthy, 2 to 10. Default 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 2, max = 10), title = "the unhealthy threshold")]
    pub unhealthy_threshold: Option<u32>,
    /// HTTP codes meaning healthy: a code, a list (`200,202`) or a range (`200-399`), each 200
    /// to 499. Default `200`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matcher: Option<String>,
}

/// Load balancer cookie stickiness.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Stickiness {
    /// Whether requests from one client stick to one target. Default `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Cookie lifetime in seconds, 1 to 604800 (7 days). Default 86400.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 604800), title = "the cookie duration (seconds)")]
    pub duration_seconds: Option<u32>,
}

/// The target group as it exists in AWS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "TargetGroupState")]
pub struct TargetGroupOutputs {
    #[serde(flatten)]
    pub inputs: TargetGroupInputs,
    /// ARN of the target group; also the resource's id.
    pub arn: String,
    /// The part of the ARN CloudWatch metrics use (`targetgroup/<name>/<id>`).
    #[serde(default)]
    pub arn_suffix: String,
    /// Every tag on the target group, the provider's `defaultTags` included.
    #[serde(default)]
    pub tags_all: BTreeMap<String, String>,
}

const DEFAULT_PATH: &str = "/";

const DEFAULT_INTERVAL: u32 = 30;

const DEFAULT_TIMEOUT: u32 = 5;

const DEFAULT_HEALTHY: u32 = 5;

const DEFAULT_UNHEALTHY: u32 = 2;

const DEFAULT_MATCHER: &str = "200";

const DEFAULT_DEREGISTRATION_DELAY: u32 = 300;

const DEFAULT_STICKINESS_DURATION: u32 = 86_400;

#[async_trait]
impl Resource for TargetGroup {
    const TOKEN: &'static str = "fargate:lb:TargetGroup";
    const REPLACE_ON_CHANGES: &'static [&'static str] =
        &["name", "targetType", "protocol", "port", "vpcId"];
    type Inputs = TargetGroupInputs;
    type Outputs = TargetGroupOutputs;

    fn check(
        &self,
        mut news: TargetGroupInputs,
        olds: Option<&TargetGroupInputs>,
        ctx: &CheckContext<'_>,
    ) -> Result<TargetGroupInputs, Vec<CheckFailure>> {
        if news.name.is_none() {
            news.name = Some(ctx.default_name(olds.and_then(|o| o.name.as_deref()), || {
                elb_auto_name(ctx.name, ctx.random_seed)
            }));
        }
        news.target_type.get_or_insert(TargetType::Ip);
        news.protocol.get_or_insert(HttpProtocol::Http);
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

    async fn create(
        &self,
        ctx: &Ctx,
        inputs: &TargetGroupInputs,
    ) -> Result<(String, TargetGroupOutputs)> {
        let client = ctx.aws.elbv2().await?;
        let name = inputs
            .name
            .clone()
            .ok_or_else(|| ProviderError::internal("target group name missing after check"))?;
        let tags_all = ctx.tags_all(inputs.tags.as_ref());
        let hc = resolve_health_check(inputs);
        let request = client
            .create_target_group()
            .name(&name)
            .target_type(TargetTypeEnum::Ip)
            .protocol(inputs.protocol.unwrap_or(HttpProtocol::Http).to_aws())
            .port(inputs.port as i32)
            .vpc_id(&inputs.vpc_id)
            .health_check_enabled(true)
            .health_check_path(&hc.path)
            .health_check_port(&hc.port)
            .health_check_protocol(hc.protocol.to_aws())
            .health_check_interval_seconds(hc.interval as i32)
            .health_check_timeout_seconds(hc.timeout as i32)
            .healthy_threshold_count(hc.healthy as i32)
            .unhealthy_threshold_count(hc.unhealthy as i32)
            .matcher(Matcher::builder().http_code(&hc.matcher).build())
            // The URN mark lets a retry after a crashed create find it (crate::adopt).
            .set_tags(Some(api::to_elb_tags(&crate::adopt::marked(
                ctx, &tags_all,
            ))));
        // A repeat with the same settings: AWS answers with the group itself, moto with a
        // duplicate error, which after a retry is our own twin.
        let created = send_create("DuplicateTargetGroupName", async |attempts| {
            request.customize().interceptor(attempts).send().await
        })
        .await;
        let tg = match created {
            Ok(Sent::Created(out)) => out.target_groups().first().cloned().ok_or_else(|| {
                ProviderError::internal("elasticloadbalancing:CreateTargetGroup returned nothing")
            })?,
            Ok(Sent::TwinOfRetry) => {
                client
                    .describe_target_groups()
                    .names(&name)
                    .send()
                    .await
                    .map_err(|e| {
                        ProviderError::from_aws("elasticloadbalancing:DescribeTargetGroups", &e, &[])
                    })?
                    .target_groups()
                    .iter()
                    .find(|t| {
                        t.vpc_id() == Some(inputs.vpc_id.as_str())
                            && t.port() == Some(inputs.port as i32)
                    })
                    .cloned()
                    .ok_or_else(|| {
                        ProviderError::internal(format!(
                            "a target group named `{name}` appeared during a retried create, with other settings"
                        ))
                    })?
            }
            Err(e) => {
                return Err(if aws_error_code(&e) == Some("DuplicateTargetGroupName") {
                    ProviderError::internal(format!(
                        "a target group named `{name}` already exists; choose another `name` (or leave it out for a unique auto-name), or adopt it with `pulumi import {} <resource name> <its ARN>`",
                        Self::TOKEN
                    ))
                } else {
                    ProviderError::from_aws("elasticloadbalancing:CreateTargetGroup", &e, &[])
                });
            }
        };
        let arn = tg.target_group_arn().unwrap_or_default().to_string();
        ctx.log.status(format!("created target group {arn}")).await;
        let outs = outputs(&arn, inputs.clone(), tags_all);
        // A new target group has AWS's documented defaults: only what differs is sent, with no
        // read first (a wrong default would show as drift on the next refresh).
        let actual = with_attribute_defaults(BTreeMap::new());
        let changed = api::changed_entries(&actual, &desired_attributes(inputs));
        api::modify_target_group_attributes(client, &arn, &changed)
            .await
            .map_err(unfinished(&arn, &outs))?;
        Ok((arn, outs))
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: Option<(&TargetGroupInputs, &TargetGroupOutputs)>,
    ) -> Result<Option<(TargetGroupInputs, TargetGroupOutputs)>> {
        let client = ctx.aws.elbv2().await?;
        let Some(tg) = api::find_target_group(client, id).await? else {
            return Ok(None);
        };
        if tg.target_type() != Some(&TargetTypeEnum::Ip) {
            return Err(ProviderError::internal(format!(
                "target group {id} has target type `{}`; {} manages `ip` target groups (Fargate) only",
                tg.target_type().map(|t| t.as_str()).unwrap_or("unknown"),
                Self::TOKEN
            )));
        }
        let attributes = api::target_group_attributes(client, id).await?;
        let tags_all = api::tags_of(client, id).await?;
        let inputs = inputs_from_aws(
            &tg,
            attributes,
            &tags_all,
            olds.map(|(i, _)| i),
            &ctx.default_tags,
        );
        Ok(Some((inputs.clone(), outputs(id, inputs, tags_all))))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: &TargetGroupOutputs,
        news: &TargetGroupInputs,
    ) -> Result<TargetGroupOutputs> {
        let client = ctx.aws.elbv2().await?;
        let hc = resolve_health_check(news);
        if hc != resolve_health_check(&olds.inputs) {
            client
                .modify_target_group()
                .target_group_arn(id)
                .health_check_enabled(true)
                .health_check_path(&hc.path)
                .health_check_port(&hc.port)
                .health_check_protocol(hc.protocol.to_aws())
                .health_check_interval_seconds(hc.interval as i32)
                .health_check_timeout_seconds(hc.timeout as i32)
                .healthy_threshold_count(hc.healthy as i32)
                .unhealthy_threshold_count(hc.unhealthy as i32)
                .matcher(Matcher::builder().http_code(&hc.matcher).build())
                .send()
                .await
                .map_err(|e| {
                    ProviderError::from_aws("elasticloadbalancing:ModifyTargetGroup", &e, &[])
                })?;
        }
        let changed =
            api::changed_entries(&desired_attributes(&olds.inputs), &desired_attributes(news));
        api::modify_target_group_attributes(client, id, &changed).await?;
        let tags_all = ctx.tags_all(news.tags.as_ref());
        if tags_all != olds.tags_all {
            api::sync_tags(client, id, &olds.tags_all, &tags_all).await?;
        }
        Ok(outputs(id, news.clone(), tags_all))
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _olds: &TargetGroupOutputs) -> Result<()> {
        let client = ctx.aws.elbv2().await?;
        api::delete_target_group(client, id, &ctx.cancel).await
    }
}
