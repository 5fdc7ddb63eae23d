//! `fargate:lb:TargetGroup` — where an Application Load Balancer sends traffic: the `ip` targets
//! of Fargate tasks, registered by the ECS service.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::types::{
    Matcher, ProtocolEnum, TargetGroup as AwsTargetGroup, TargetTypeEnum,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::load_balancer::{elb_auto_name, keep_default, validate_elb_name};
use crate::aws::elbv2 as api;
use crate::aws::retry::AttemptCounter;
use crate::context::Ctx;
use crate::error::{CheckFailure, ProviderError, Result, aws_error_code};
use crate::resource::{CheckContext, Resource, is_known};
use crate::validate;
use crate::validate::range;

pub struct TargetGroup;

/// A target group of Fargate task IPs behind an Application Load Balancer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "TargetGroupArgs")]
pub struct TargetGroupInputs {
    /// Name of the target group: 1 to 32 letters, digits and hyphens, not starting or ending
    /// with a hyphen. Defaults to the Pulumi resource name plus a random suffix (so a
    /// replacement can be created before the old one is deleted). Changing it replaces the
    /// target group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
    pub port: u32,
    /// VPC of the targets (`vpc-...`). Changing it replaces the target group.
    pub vpc_id: String,
    /// How the load balancer checks that a target is healthy. Changes apply in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check: Option<HealthCheck>,
    /// Seconds to let in-flight requests finish before a target is removed, 0 to 3600. AWS's
    /// default is 300.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
    pub port: Option<u32>,
    /// `HTTP` or `HTTPS`. Default: the target group's protocol.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<HttpProtocol>,
    /// Seconds between checks, 5 to 300. Default 30.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_seconds: Option<u32>,
    /// Seconds without a response that fail a check, 2 to 120 and less than the interval.
    /// Default 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u32>,
    /// Consecutive successes before an unhealthy target counts as healthy, 2 to 10. Default 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthy_threshold: Option<u32>,
    /// Consecutive failures before a target counts as unhealthy, 2 to 10. Default 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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

/// A health check with every value resolved (what is sent to AWS).
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedHealthCheck {
    pub path: String,
    /// `traffic-port` or a number.
    pub port: String,
    pub protocol: HttpProtocol,
    pub interval: u32,
    pub timeout: u32,
    pub healthy: u32,
    pub unhealthy: u32,
    pub matcher: String,
}

pub fn resolve_health_check(i: &TargetGroupInputs) -> ResolvedHealthCheck {
    let hc = i.health_check.clone().unwrap_or_default();
    ResolvedHealthCheck {
        path: hc.path.unwrap_or_else(|| DEFAULT_PATH.to_string()),
        port: hc
            .port
            .map(|p| p.to_string())
            .unwrap_or_else(|| "traffic-port".to_string()),
        protocol: hc.protocol.or(i.protocol).unwrap_or(HttpProtocol::Http),
        interval: hc.interval_seconds.unwrap_or(DEFAULT_INTERVAL),
        timeout: hc.timeout_seconds.unwrap_or(DEFAULT_TIMEOUT),
        healthy: hc.healthy_threshold.unwrap_or(DEFAULT_HEALTHY),
        unhealthy: hc.unhealthy_threshold.unwrap_or(DEFAULT_UNHEALTHY),
        matcher: hc.matcher.unwrap_or_else(|| DEFAULT_MATCHER.to_string()),
    }
}

fn valid_matcher(m: &str) -> bool {
    let code_ok = |c: &str| {
        c.len() == 3
            && c.chars().all(|d| d.is_ascii_digit())
            && (200..=499).contains(&c.parse::<u32>().unwrap_or(0))
    };
    !m.is_empty()
        && m.split(',').all(|part| match part.split_once('-') {
            Some((a, b)) => code_ok(a) && code_ok(b) && a <= b,
            None => code_ok(part),
        })
}

pub fn validate(i: &TargetGroupInputs) -> Vec<CheckFailure> {
    let mut f = Vec::new();
    if let Some(name) = &i.name {
        validate_elb_name(name, "target group", &mut f);
        if is_known(name) && name.contains("--") {
            f.push(CheckFailure::new(
                "name",
                format!("`{name}` is not a valid target group name: it must not contain `--`"),
            ));
        }
    }
    range(&mut f, "port", Some(i.port), 1, 65535, "a port");
    if is_known(&i.vpc_id) && !i.vpc_id.starts_with("vpc-") {
        f.push(CheckFailure::new(
            "vpcId",
            format!("`{}` is not a vpc-... id", i.vpc_id),
        ));
    }
    if let Some(hc) = &i.health_check {
        if let Some(p) = hc.path.as_deref().filter(|p| is_known(p))
            && (!p.starts_with('/') || p.len() > 1024)
        {
            f.push(CheckFailure::new(
                "healthCheck.path",
                format!("`{p}` is not a valid health check path: it must start with `/` (at most 1024 characters)"),
            ));
        }
        range(&mut f, "healthCheck.port", hc.port, 1, 65535, "a port");
        range(
            &mut f,
            "healthCheck.intervalSeconds",
            hc.interval_seconds,
            5,
            300,
            "the interval (seconds)",
        );
        range(
            &mut f,
            "healthCheck.timeoutSeconds",
            hc.timeout_seconds,
            2,
            120,
            "the timeout (seconds)",
        );
        range(
            &mut f,
            "healthCheck.healthyThreshold",
            hc.healthy_threshold,
            2,
            10,
            "the healthy threshold",
        );
        range(
            &mut f,
            "healthCheck.unhealthyThreshold",
            hc.unhealthy_threshold,
            2,
            10,
            "the unhealthy threshold",
        );
        let r = resolve_health_check(i);
        if r.timeout >= r.interval {
            f.push(CheckFailure::new(
                "healthCheck.timeoutSeconds",
                format!(
                    "the timeout ({}s) must be less than the interval ({}s)",
                    r.timeout, r.interval
                ),
            ));
        }
        if let Some(m) = hc.matcher.as_deref().filter(|m| is_known(m))
            && !valid_matcher(m)
        {
            f.push(CheckFailure::new(
                "healthCheck.matcher",
                format!("`{m}` is not a matcher: use HTTP codes 200-499 as `200`, `200,202` or `200-399`"),
            ));
        }
    }
    range(
        &mut f,
        "deregistrationDelaySeconds",
        i.deregistration_delay_seconds,
        0,
        3600,
        "the deregistration delay (seconds)",
    );
    if let Some(s) = &i.stickiness {
        range(
            &mut f,
            "stickiness.durationSeconds",
            s.duration_seconds,
            1,
            604_800,
            "the cookie duration (seconds)",
        );
    }
    validate::tags("tags", i.tags.as_ref(), &mut f);
    f
}

/// Target group attributes the inputs determine (AWS's defaults where unset).
pub fn desired_attributes(i: &TargetGroupInputs) -> BTreeMap<String, String> {
    let s = i.stickiness.clone();
    let enabled = s.as_ref().is_some_and(|s| s.enabled != Some(false));
    let mut a = BTreeMap::new();
    a.insert(
        "deregistration_delay.timeout_seconds".to_string(),
        i.deregistration_delay_seconds
            .unwrap_or(DEFAULT_DEREGISTRATION_DELAY)
            .to_string(),
    );
    a.insert("stickiness.enabled".to_string(), enabled.to_string());
    if enabled {
        a.insert("stickiness.type".to_string(), "lb_cookie".to_string());
        a.insert(
            "stickiness.lb_cookie.duration_seconds".to_string(),
            s.and_then(|s| s.duration_seconds)
                .unwrap_or(DEFAULT_STICKINESS_DURATION)
                .to_string(),
        );
    }
    a
}

fn with_attribute_defaults(actual: BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut a: BTreeMap<String, String> = [
        ("deregistration_delay.timeout_seconds", "300"),
        ("stickiness.enabled", "false"),
        ("stickiness.type", "lb_cookie"),
        ("stickiness.lb_cookie.duration_seconds", "86400"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    a.extend(actual);
    a
}

/// Inputs as AWS reports them, keeping the program's spelling where AWS reports a default.
pub fn inputs_from_aws(
    tg: &AwsTargetGroup,
    attributes: BTreeMap<String, String>,
    tags_all: &BTreeMap<String, String>,
    old: Option<&TargetGroupInputs>,
    default_tags: &BTreeMap<String, String>,
) -> TargetGroupInputs {
    let old = old.cloned().unwrap_or_default();
    let attrs = with_attribute_defaults(attributes);
    let protocol = tg
        .protocol()
        .and_then(|p| HttpProtocol::parse(p.as_str()))
        .unwrap_or(HttpProtocol::Http);
    let old_hc = old.health_check.clone().unwrap_or_default();
    let port = tg
        .health_check_port()
        .filter(|p| *p != "traffic-port")
        .and_then(|p| p.parse::<u32>().ok());
    let hc_protocol = tg
        .health_check_protocol()
        .and_then(|p| HttpProtocol::parse(p.as_str()))
        .unwrap_or(protocol);
    let hc = HealthCheck {
        path: keep_default(
            old_hc.path,
            tg.health_check_path().unwrap_or(DEFAULT_PATH).to_string(),
            DEFAULT_PATH.to_string(),
        ),
        port: match old_hc.port {
            None if port == Some(tg.port().unwrap_or(0) as u32) => None,
            _ => port,
        },
        protocol: keep_default(old_hc.protocol, hc_protocol, protocol),
        interval_seconds: keep_default(
            old_hc.interval_seconds,
            tg.health_check_interval_seconds()
                .map_or(DEFAULT_INTERVAL, |v| v as u32),
            DEFAULT_INTERVAL,
        ),
        timeout_seconds: keep_default(
            old_hc.timeout_seconds,
            tg.health_check_timeout_seconds()
                .map_or(DEFAULT_TIMEOUT, |v| v as u32),
            DEFAULT_TIMEOUT,
        ),
        healthy_threshold: keep_default(
            old_hc.healthy_threshold,
            tg.healthy_threshold_count()
                .map_or(DEFAULT_HEALTHY, |v| v as u32),
            DEFAULT_HEALTHY,
        ),
        unhealthy_threshold: keep_default(
            old_hc.unhealthy_threshold,
            tg.unhealthy_threshold_count()
                .map_or(DEFAULT_UNHEALTHY, |v| v as u32),
            DEFAULT_UNHEALTHY,
        ),
        matcher: keep_default(
            old_hc.matcher,
            tg.matcher()
                .and_then(|m| m.http_code())
                .unwrap_or(DEFAULT_MATCHER)
                .to_string(),
            DEFAULT_MATCHER.to_string(),
        ),
    };
    let health_check = match old.health_check {
        None if hc == HealthCheck::default() => None,
        _ => Some(hc),
    };
    let sticky = attrs["stickiness.enabled"] == "true";
    let duration: u32 = attrs["stickiness.lb_cookie.duration_seconds"]
        .parse()
        .unwrap_or(DEFAULT_STICKINESS_DURATION);
    let stickiness = match old.stickiness {
        None if !sticky => None,
        old_s => {
            let old_s = old_s.unwrap_or_default();
            Some(Stickiness {
                enabled: keep_default(old_s.enabled, sticky, true),
                duration_seconds: keep_default(
                    old_s.duration_seconds,
                    duration,
                    DEFAULT_STICKINESS_DURATION,
                ),
            })
        }
    };
    TargetGroupInputs {
        name: tg.target_group_name().map(str::to_string),
        target_type: Some(TargetType::Ip),
        protocol: Some(protocol),
        port: tg.port().unwrap_or(0) as u32,
        vpc_id: tg.vpc_id().unwrap_or_default().to_string(),
        health_check,
        deregistration_delay_seconds: keep_default(
            old.deregistration_delay_seconds,
            attrs["deregistration_delay.timeout_seconds"]
                .parse()
                .unwrap_or(DEFAULT_DEREGISTRATION_DELAY),
            DEFAULT_DEREGISTRATION_DELAY,
        ),
        stickiness,
        tags: crate::tags::own_tags(tags_all, old.tags.as_ref(), default_tags),
    }
}

fn arn_suffix(arn: &str) -> String {
    arn.split_once(":targetgroup/")
        .map(|(_, rest)| format!("targetgroup/{rest}"))
        .unwrap_or_default()
}

fn outputs(
    arn: &str,
    inputs: TargetGroupInputs,
    tags_all: BTreeMap<String, String>,
) -> TargetGroupOutputs {
    TargetGroupOutputs {
        inputs,
        arn: arn.to_string(),
        arn_suffix: arn_suffix(arn),
        tags_all,
    }
}

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
        let attempts = AttemptCounter::new();
        let created = client
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
            ))))
            .customize()
            .interceptor(attempts.clone())
            .send()
            .await;
        let tg = match created {
            Ok(out) => out.target_groups().first().cloned().ok_or_else(|| {
                ProviderError::internal("elasticloadbalancing:CreateTargetGroup returned nothing")
            })?,
            // The SDK retried, and an earlier attempt created the group before its answer was
            // lost (moto; AWS answers a repeat with the same settings with the group itself).
            Err(e)
                if aws_error_code(&e) == Some("DuplicateTargetGroupName") && attempts.retried() =>
            {
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
        let init_failed = |e: ProviderError| ProviderError::InitFailed {
            id: arn.clone(),
            outputs: crate::resource::to_json(&outs),
            reasons: vec![e.to_string()],
        };
        // A new target group has AWS's documented defaults: only what differs is sent, with no
        // read first (a wrong default would show as drift on the next refresh).
        let actual = with_attribute_defaults(BTreeMap::new());
        let changed = api::changed_entries(&actual, &desired_attributes(inputs));
        api::modify_target_group_attributes(client, &arn, &changed)
            .await
            .map_err(init_failed)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::{ChangeKind, Diff, DiffInput, DynResource};
    use serde_json::json;

    fn base() -> serde_json::Value {
        json!({"port": 8080, "vpcId": "vpc-1"})
    }

    fn ctx<'a>() -> CheckContext<'a> {
        CheckContext {
            name: "api",
            random_seed: b"s",
            proposed_name: None,
            has_unknowns: false,
        }
    }

    fn passes(v: serde_json::Value) -> serde_json::Value {
        DynResource::check(&TargetGroup, v, None, &ctx()).unwrap()
    }

    fn failure_for(v: serde_json::Value, property: &str) -> CheckFailure {
        let failures = DynResource::check(&TargetGroup, v, None, &ctx()).expect_err("should fail");
        failures
            .iter()
            .find(|f| f.property == property)
            .cloned()
            .unwrap_or_else(|| panic!("no failure for {property}: {failures:?}"))
    }

    fn with_hc(hc: serde_json::Value) -> serde_json::Value {
        let mut v = base();
        v["healthCheck"] = hc;
        v
    }

    #[test]
    fn defaults_and_auto_name() {
        let c = passes(base());
        assert_eq!(c["targetType"], json!("ip"));
        assert_eq!(c["protocol"], json!("HTTP"));
        let name = c["name"].as_str().unwrap();
        assert!(name.starts_with("api-") && name.len() <= 32, "{name}");
        let long = CheckContext {
            name: "very-long-service-name-for-a-target-group",
            ..ctx()
        };
        let c = DynResource::check(&TargetGroup, base(), None, &long).unwrap();
        let name = c["name"].as_str().unwrap();
        assert!(name.len() <= 32 && !name.ends_with('-'), "{name}");
    }

    #[test]
    fn top_level_rules() {
        let mut v = base();
        v["port"] = json!(0);
        assert!(failure_for(v, "port").reason.contains("1 to 65535"));
        let mut v = base();
        v["port"] = json!(65536);
        failure_for(v, "port");
        let mut v = base();
        v["vpcId"] = json!("subnet-1");
        failure_for(v, "vpcId");
        let mut v = base();
        v["targetType"] = json!("instance");
        let f = failure_for(v, "targetType");
        assert!(
            f.reason.contains("instance") && f.reason.contains("ip"),
            "{}",
            f.reason
        );
        let mut v = base();
        v["protocol"] = json!("TCP");
        failure_for(v, "protocol");
        let mut v = base();
        v["name"] = json!("a--b");
        failure_for(v, "name");
        let mut v = base();
        v["deregistrationDelaySeconds"] = json!(3601);
        failure_for(v, "deregistrationDelaySeconds");
        let mut v = base();
        v["deregistrationDelaySeconds"] = json!(0);
        passes(v);
        let mut v = base();
        v["stickiness"] = json!({"durationSeconds": 0});
        failure_for(v, "stickiness.durationSeconds");
        let mut v = base();
        v["stickiness"] = json!({"durationSeconds": 604800});
        passes(v);
    }

    #[test]
    fn health_check_rules() {
        let f = failure_for(with_hc(json!({"path": "health"})), "healthCheck.path");
        assert!(f.reason.contains("`health`"), "{}", f.reason);
        failure_for(with_hc(json!({"port": 70000})), "healthCheck.port");
        failure_for(
            with_hc(json!({"intervalSeconds": 4})),
            "healthCheck.intervalSeconds",
        );
        failure_for(
            with_hc(json!({"intervalSeconds": 301})),
            "healthCheck.intervalSeconds",
        );
        failure_for(
            with_hc(json!({"timeoutSeconds": 1})),
            "healthCheck.timeoutSeconds",
        );
        let f = failure_for(
            with_hc(json!({"intervalSeconds": 10, "timeoutSeconds": 10})),
            "healthCheck.timeoutSeconds",
        );
        assert!(f.reason.contains("less than the interval"), "{}", f.reason);
        failure_for(
            with_hc(json!({"healthyThreshold": 1})),
            "healthCheck.healthyThreshold",
        );
        failure_for(
            with_hc(json!({"unhealthyThreshold": 11})),
            "healthCheck.unhealthyThreshold",
        );
        for bad in ["ok", "600", "300-200", "200-", ""] {
            failure_for(with_hc(json!({"matcher": bad})), "healthCheck.matcher");
        }
        passes(with_hc(json!({
            "path": "/health", "port": 8081, "protocol": "HTTPS", "intervalSeconds": 10,
            "timeoutSeconds": 5, "healthyThreshold": 2, "unhealthyThreshold": 10,
            "matcher": "200-399"
        })));
        passes(with_hc(json!({"matcher": "200,202"})));
    }

    fn diff(old: serde_json::Value, new: serde_json::Value) -> Diff {
        let defaults = BTreeMap::new();
        Resource::diff(
            &TargetGroup,
            &DiffInput {
                old_inputs: &old,
                old_outputs: &json!({}),
                news: &new,
                default_tags: &defaults,
            },
        )
    }

    #[test]
    fn diff_classification() {
        let old = passes(base());
        for (k, v) in [
            ("port", json!(80)),
            ("protocol", json!("HTTPS")),
            ("vpcId", json!("vpc-2")),
            ("name", json!("other")),
        ] {
            let mut new = old.clone();
            new[k] = v;
            assert!(diff(old.clone(), new).is_replace(), "{k}");
        }
        for (k, v) in [
            ("healthCheck", json!({"path": "/health"})),
            ("deregistrationDelaySeconds", json!(10)),
            ("stickiness", json!({"enabled": true})),
            ("tags", json!({"a": "b"})),
        ] {
            let mut new = old.clone();
            new[k] = v;
            let d = diff(old.clone(), new);
            assert!(d.has_changes() && !d.is_replace(), "{k}");
        }
        let mut o = old.clone();
        o["healthCheck"] = json!({"path": "/a"});
        let mut n = old.clone();
        n["healthCheck"] = json!({"path": "/b"});
        assert_eq!(
            diff(o, n).changes.get("healthCheck.path"),
            Some(&ChangeKind::Update)
        );
    }

    fn aws_tg(hc: &ResolvedHealthCheck) -> AwsTargetGroup {
        AwsTargetGroup::builder()
            .target_group_arn(
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api-1/abc",
            )
            .target_group_name("api-1")
            .protocol(ProtocolEnum::Http)
            .port(8080)
            .vpc_id("vpc-1")
            .target_type(TargetTypeEnum::Ip)
            .health_check_path(&hc.path)
            .health_check_port(&hc.port)
            .health_check_protocol(hc.protocol.to_aws())
            .health_check_interval_seconds(hc.interval as i32)
            .health_check_timeout_seconds(hc.timeout as i32)
            .healthy_threshold_count(hc.healthy as i32)
            .unhealthy_threshold_count(hc.unhealthy as i32)
            .matcher(Matcher::builder().http_code(&hc.matcher).build())
            .build()
    }

    fn round_trip(v: serde_json::Value) {
        let checked: TargetGroupInputs = serde_json::from_value(passes(v)).unwrap();
        let hc = resolve_health_check(&checked);
        for attrs in [
            desired_attributes(&checked),
            with_attribute_defaults(desired_attributes(&checked)),
        ] {
            let read = inputs_from_aws(
                &aws_tg(&hc),
                attrs,
                &BTreeMap::new(),
                Some(&checked),
                &BTreeMap::new(),
            );
            let mut expected = checked.clone();
            expected.name = Some("api-1".into());
            assert_eq!(read, expected);
        }
    }

    #[test]
    fn read_back_matches_checked_inputs() {
        round_trip(base());
        round_trip(with_hc(json!({"path": "/health", "matcher": "200-399"})));
        // Explicit defaults stay as written.
        round_trip(with_hc(
            json!({"path": "/", "intervalSeconds": 30, "protocol": "HTTP"}),
        ));
        let mut v = with_hc(json!({"port": 9000, "timeoutSeconds": 10}));
        v["stickiness"] = json!({"enabled": true, "durationSeconds": 3600});
        v["deregistrationDelaySeconds"] = json!(30);
        round_trip(v);
        let mut v = base();
        v["stickiness"] = json!({"enabled": false});
        round_trip(v);
    }

    #[test]
    fn import_reports_only_non_defaults() {
        let checked: TargetGroupInputs = serde_json::from_value(passes(base())).unwrap();
        let mut hc = resolve_health_check(&checked);
        hc.path = "/health".into();
        let read = inputs_from_aws(
            &aws_tg(&hc),
            BTreeMap::new(),
            &BTreeMap::new(),
            None,
            &BTreeMap::new(),
        );
        assert_eq!(
            read.health_check,
            Some(HealthCheck {
                path: Some("/health".into()),
                ..Default::default()
            })
        );
        assert_eq!(read.stickiness, None);
        assert_eq!(read.deregistration_delay_seconds, None);
        assert_eq!(read.port, 8080);
    }

    #[test]
    fn arn_suffix_for_metrics() {
        assert_eq!(
            arn_suffix("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/abc"),
            "targetgroup/api/abc"
        );
    }
}
