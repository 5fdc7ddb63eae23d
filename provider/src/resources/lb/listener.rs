//! `fargate:lb:Listener` — a port an Application Load Balancer listens on, and what it does
//! with requests: forward to a target group, redirect, or answer with a fixed response.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, Certificate, FixedResponseActionConfig, Listener as AwsListener,
    RedirectActionConfig, RedirectActionStatusCodeEnum,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::target_group::HttpProtocol;
use crate::aws::elbv2 as api;
use crate::context::Ctx;
use crate::error::{CheckFailure, ProviderError, Result};
use crate::resource::{CheckContext, Resource, is_known};
use crate::validate;
use crate::validate::range;

pub struct Listener;

/// A listener on an Application Load Balancer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "ListenerArgs")]
pub struct ListenerInputs {
    /// ARN of the load balancer. Changing it replaces the listener.
    pub load_balancer_arn: String,
    /// Port to listen on, 1 to 65535. Changes apply in place.
    pub port: u32,
    /// `HTTP` (default) or `HTTPS`. Changes apply in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<HttpProtocol>,
    /// ACM (or IAM) certificate ARN; required for `HTTPS`, not allowed for `HTTP`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_arn: Option<String>,
    /// TLS security policy, e.g. `ELBSecurityPolicy-TLS13-1-2-2021-06`; required for `HTTPS`,
    /// not allowed for `HTTP`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssl_policy: Option<String>,
    /// What the listener does with requests no rule matches: exactly one of `forward`,
    /// `redirect` or `fixedResponse`. Changes apply in place.
    pub default_action: DefaultAction,
    /// Tags on the listener, merged over the provider's `defaultTags`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Exactly one of the fields.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DefaultAction {
    /// Send requests to a target group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forward: Option<Forward>,
    /// Redirect the client, e.g. HTTP to HTTPS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect: Option<Redirect>,
    /// Answer with a fixed response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_response: Option<FixedResponse>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Forward {
    /// ARN of the target group.
    pub target_group_arn: String,
}

/// A redirect; unset parts keep the request's own (`#{protocol}`, `#{port}`, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Redirect {
    /// `HTTP` or `HTTPS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<HttpProtocol>,
    /// Port, 1 to 65535.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Host name, at most 128 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Absolute path starting with `/`, at most 128 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `HTTP_301` (permanent) or `HTTP_302` (temporary).
    pub status_code: RedirectStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum RedirectStatus {
    #[serde(rename = "HTTP_301")]
    Http301,
    #[serde(rename = "HTTP_302")]
    Http302,
}

/// A fixed HTTP response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FixedResponse {
    /// HTTP status code, `2XX` to `5XX`, e.g. `404`.
    pub status_code: String,
    /// `text/plain`, `text/css`, `text/html`, `application/javascript` or `application/json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Body, at most 1024 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_body: Option<String>,
}

/// The listener as it exists in AWS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "ListenerState")]
pub struct ListenerOutputs {
    #[serde(flatten)]
    pub inputs: ListenerInputs,
    /// ARN of the listener; also the resource's id.
    pub arn: String,
    /// Every tag on the listener, the provider's `defaultTags` included.
    #[serde(default)]
    pub tags_all: BTreeMap<String, String>,
}

const CONTENT_TYPES: &[&str] = &[
    "text/plain",
    "text/css",
    "text/html",
    "application/javascript",
    "application/json",
];

fn arn_rule(
    f: &mut Vec<CheckFailure>,
    property: &str,
    value: &str,
    marker: &str,
    what: &str,
    services: &[&str],
) {
    if is_known(value)
        && !(services.iter().any(|s| validate::is_arn_of(value, s)) && value.contains(marker))
    {
        f.push(CheckFailure::new(
            property,
            format!("`{value}` is not {what}"),
        ));
    }
}

pub fn validate(i: &ListenerInputs) -> Vec<CheckFailure> {
    let mut f = Vec::new();
    arn_rule(
        &mut f,
        "loadBalancerArn",
        &i.load_balancer_arn,
        ":loadbalancer/app/",
        "an Application Load Balancer ARN (arn:aws:elasticloadbalancing:...:loadbalancer/app/...)",
        &["elasticloadbalancing"],
    );
    range(&mut f, "port", Some(i.port), 1, 65535, "a port");
    match i.protocol.unwrap_or(HttpProtocol::Http) {
        HttpProtocol::Https => {
            if i.certificate_arn.is_none() {
                f.push(CheckFailure::new(
                    "certificateArn",
                    "an HTTPS listener needs a certificate: set certificateArn to an ACM certificate ARN",
                ));
            }
            if i.ssl_policy.is_none() {
                f.push(CheckFailure::new(
                    "sslPolicy",
                    "an HTTPS listener needs a TLS policy: set sslPolicy, e.g. ELBSecurityPolicy-TLS13-1-2-2021-06",
                ));
            }
        }
        HttpProtocol::Http => {
            for (prop, v) in [
                ("certificateArn", &i.certificate_arn),
                ("sslPolicy", &i.ssl_policy),
            ] {
                if let Some(v) = v {
                    f.push(CheckFailure::new(
                        prop,
                        format!("`{v}` is set but the protocol is HTTP; {prop} applies only to HTTPS listeners"),
                    ));
                }
            }
        }
    }
    if let Some(cert) = &i.certificate_arn {
        arn_rule(
            &mut f,
            "certificateArn",
            cert,
            "certificate",
            "an ACM or IAM certificate ARN (arn:aws:acm:...:certificate/...)",
            &["acm", "iam"],
        );
    }
    if let Some(p) = i.ssl_policy.as_deref().filter(|p| is_known(p))
        && !p.starts_with("ELBSecurityPolicy-")
    {
        f.push(CheckFailure::new(
            "sslPolicy",
            format!("`{p}` is not an ELB security policy name (ELBSecurityPolicy-...), e.g. ELBSecurityPolicy-TLS13-1-2-2021-06"),
        ));
    }
    let a = &i.default_action;
    let count =
        a.forward.is_some() as u8 + a.redirect.is_some() as u8 + a.fixed_response.is_some() as u8;
    if count != 1 {
        f.push(CheckFailure::new(
            "defaultAction",
            format!("{count} actions given; set exactly one of forward, redirect or fixedResponse"),
        ));
    }
    if let Some(fw) = &a.forward {
        arn_rule(
            &mut f,
            "defaultAction.forward.targetGroupArn",
            &fw.target_group_arn,
            ":targetgroup/",
            "a target group ARN (arn:aws:elasticloadbalancing:...:targetgroup/...)",
            &["elasticloadbalancing"],
        );
    }
    if let Some(r) = &a.redirect {
        range(
            &mut f,
            "defaultAction.redirect.port",
            r.port,
            1,
            65535,
            "a port",
        );
        if let Some(h) = r.host.as_deref().filter(|h| is_known(h))
            && (h.is_empty() || h.len() > 128)
        {
            f.push(CheckFailure::new(
                "defaultAction.redirect.host",
                format!("`{h}` is not a valid host: use 1 to 128 characters"),
            ));
        }
        if let Some(p) = r.path.as_deref().filter(|p| is_known(p))
            && (!p.starts_with('/') || p.len() > 128)
        {
            f.push(CheckFailure::new(
                "defaultAction.redirect.path",
                format!(
                    "`{p}` is not a valid path: it must start with `/` (at most 128 characters)"
                ),
            ));
        }
        if r.protocol.is_none() && r.port.is_none() && r.host.is_none() && r.path.is_none() {
            f.push(CheckFailure::new(
                "defaultAction.redirect",
                "a redirect to the same protocol, port, host and path would loop; set at least one of protocol, port, host or path",
            ));
        }
    }
    if let Some(fr) = &a.fixed_response {
        let s = &fr.status_code;
        if is_known(s)
            && !(s.len() == 3
                && s.chars().all(|c| c.is_ascii_digit())
                && ('2'..='5').contains(&s.chars().next().unwrap_or('0')))
        {
            f.push(CheckFailure::new(
                "defaultAction.fixedResponse.statusCode",
                format!("`{s}` is not an HTTP status code from 2XX to 5XX, e.g. `404`"),
            ));
        }
        if let Some(ct) = fr.content_type.as_deref().filter(|c| is_known(c))
            && !CONTENT_TYPES.contains(&ct)
        {
            f.push(CheckFailure::new(
                "defaultAction.fixedResponse.contentType",
                format!(
                    "`{ct}` is not supported; use one of {}",
                    CONTENT_TYPES.join(", ")
                ),
            ));
        }
        if let Some(body) = &fr.message_body
            && body.chars().count() > 1024
        {
            f.push(CheckFailure::new(
                "defaultAction.fixedResponse.messageBody",
                format!(
                    "the body is {} characters long; AWS allows at most 1024",
                    body.chars().count()
                ),
            ));
        }
    }
    validate::tags("tags", i.tags.as_ref(), &mut f);
    f
}

/// The AWS default action for the inputs.
pub fn to_aws_action(a: &DefaultAction) -> Action {
    let mut b = Action::builder().order(1);
    if let Some(fw) = &a.forward {
        b = b
            .r#type(ActionTypeEnum::Forward)
            .target_group_arn(&fw.target_group_arn);
    } else if let Some(r) = &a.redirect {
        b = b.r#type(ActionTypeEnum::Redirect).redirect_config(
            RedirectActionConfig::builder()
                .protocol(r.protocol.map_or("#{protocol}", HttpProtocol::as_str))
                .port(
                    r.port
                        .map_or_else(|| "#{port}".to_string(), |p| p.to_string()),
                )
                .host(r.host.as_deref().unwrap_or("#{host}"))
                .path(r.path.as_deref().unwrap_or("/#{path}"))
                .query("#{query}")
                .status_code(match r.status_code {
                    RedirectStatus::Http301 => RedirectActionStatusCodeEnum::Http301,
                    RedirectStatus::Http302 => RedirectActionStatusCodeEnum::Http302,
                })
                .build(),
        );
    } else if let Some(fr) = &a.fixed_response {
        b = b
            .r#type(ActionTypeEnum::FixedResponse)
            .fixed_response_config(
                FixedResponseActionConfig::builder()
                    .status_code(&fr.status_code)
                    .set_content_type(fr.content_type.clone())
                    .set_message_body(fr.message_body.clone())
                    .build(),
            );
    }
    b.build()
}

/// Reads back a default action; `#{...}` placeholders mean "unset".
pub fn from_aws_action(a: &Action) -> Result<DefaultAction> {
    let unless =
        |v: Option<&str>, placeholder: &str| v.filter(|v| *v != placeholder).map(str::to_string);
    match a.r#type() {
        Some(ActionTypeEnum::Forward) => {
            let arn = a
                .target_group_arn()
                .map(str::to_string)
                .or_else(|| {
                    a.forward_config()
                        .and_then(|c| c.target_groups().first())
                        .and_then(|t| t.target_group_arn())
                        .map(str::to_string)
                })
                .unwrap_or_default();
            Ok(DefaultAction {
                forward: Some(Forward {
                    target_group_arn: arn,
                }),
                ..Default::default()
            })
        }
        Some(ActionTypeEnum::Redirect) => {
            let r = a.redirect_config().cloned().unwrap_or_else(|| {
                RedirectActionConfig::builder()
                    .status_code(RedirectActionStatusCodeEnum::Http301)
                    .build()
            });
            Ok(DefaultAction {
                redirect: Some(Redirect {
                    protocol: unless(r.protocol(), "#{protocol}")
                        .and_then(|p| HttpProtocol::parse(&p)),
                    port: unless(r.port(), "#{port}").and_then(|p| p.parse().ok()),
                    host: unless(r.host(), "#{host}"),
                    path: unless(r.path(), "/#{path}"),
                    status_code: if r.status_code() == Some(&RedirectActionStatusCodeEnum::Http302)
                    {
                        RedirectStatus::Http302
                    } else {
                        RedirectStatus::Http301
                    },
                }),
                ..Default::default()
            })
        }
        Some(ActionTypeEnum::FixedResponse) => {
            let c = a.fixed_response_config();
            Ok(DefaultAction {
                fixed_response: Some(FixedResponse {
                    status_code: c
                        .and_then(|c| c.status_code())
                        .unwrap_or_default()
                        .to_string(),
                    content_type: c.and_then(|c| c.content_type()).map(str::to_string),
                    message_body: c.and_then(|c| c.message_body()).map(str::to_string),
                }),
                ..Default::default()
            })
        }
        other => Err(ProviderError::internal(format!(
            "the listener's default action is of type `{}`, which {} does not manage (forward, redirect or fixed-response only)",
            other.map(|t| t.as_str()).unwrap_or("unknown"),
            Listener::TOKEN
        ))),
    }
}

/// Inputs as AWS reports them.
pub fn inputs_from_aws(
    l: &AwsListener,
    tags_all: &BTreeMap<String, String>,
    old: Option<&ListenerInputs>,
    default_tags: &BTreeMap<String, String>,
) -> Result<ListenerInputs> {
    let mut actions: Vec<&Action> = l.default_actions().iter().collect();
    actions.sort_by_key(|a| a.order().unwrap_or(i32::MAX));
    let action = actions
        .iter()
        .rev()
        .find(|a| {
            matches!(
                a.r#type(),
                Some(
                    ActionTypeEnum::Forward
                        | ActionTypeEnum::Redirect
                        | ActionTypeEnum::FixedResponse
                )
            )
        })
        .or(actions.last())
        .ok_or_else(|| ProviderError::internal("the listener has no default action"))?;
    let protocol = l
        .protocol()
        .and_then(|p| HttpProtocol::parse(p.as_str()))
        .unwrap_or(HttpProtocol::Http);
    let https = protocol == HttpProtocol::Https;
    Ok(ListenerInputs {
        load_balancer_arn: l.load_balancer_arn().unwrap_or_default().to_string(),
        port: l.port().unwrap_or(0) as u32,
        protocol: Some(protocol),
        certificate_arn: if https {
            l.certificates()
                .iter()
                .find(|c| c.is_default() != Some(false))
                .and_then(|c| c.certificate_arn())
                .map(str::to_string)
        } else {
            None
        },
        ssl_policy: if https {
            l.ssl_policy().map(str::to_string)
        } else {
            None
        },
        default_action: from_aws_action(action)?,
        tags: crate::tags::own_tags(tags_all, old.and_then(|o| o.tags.as_ref()), default_tags),
    })
}

fn certificates(i: &ListenerInputs) -> Option<Vec<Certificate>> {
    i.certificate_arn
        .as_ref()
        .map(|arn| vec![Certificate::builder().certificate_arn(arn).build()])
}

#[async_trait]
impl Resource for Listener {
    const TOKEN: &'static str = "fargate:lb:Listener";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["loadBalancerArn"];
    type Inputs = ListenerInputs;
    type Outputs = ListenerOutputs;

    fn check(
        &self,
        mut news: ListenerInputs,
        _olds: Option<&ListenerInputs>,
        _ctx: &CheckContext<'_>,
    ) -> Result<ListenerInputs, Vec<CheckFailure>> {
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
        inputs: &ListenerInputs,
    ) -> Result<(String, ListenerOutputs)> {
        let client = ctx.aws.elbv2().await?;
        let tags_all = ctx.tags_all(inputs.tags.as_ref());
        let protocol = inputs.protocol.unwrap_or(HttpProtocol::Http);
        let out = client
            .create_listener()
            .load_balancer_arn(&inputs.load_balancer_arn)
            .port(inputs.port as i32)
            .protocol(protocol.to_aws())
            .set_certificates(certificates(inputs))
            .set_ssl_policy(inputs.ssl_policy.clone())
            .default_actions(to_aws_action(&inputs.default_action))
            // The URN mark lets a retry after a crashed create find it (crate::adopt).
            .set_tags(Some(api::to_elb_tags(&crate::adopt::marked(ctx, &tags_all))))
            .send()
            .await
            .map_err(|e| match crate::error::aws_error_code(&e) {
                Some("DuplicateListener") => ProviderError::internal(format!(
                    "the load balancer already has a listener on port {}; choose another `port`, or adopt that listener with `pulumi import {} <resource name> <its ARN>`",
                    inputs.port,
                    Self::TOKEN
                )),
                _ => ProviderError::from_aws("elasticloadbalancing:CreateListener", &e, &[]),
            })?;
        let arn = out
            .listeners()
            .first()
            .and_then(|l| l.listener_arn())
            .ok_or_else(|| {
                ProviderError::internal("elasticloadbalancing:CreateListener returned nothing")
            })?
            .to_string();
        ctx.log.status(format!("created listener {arn}")).await;
        Ok((
            arn.clone(),
            ListenerOutputs {
                inputs: inputs.clone(),
                arn,
                tags_all,
            },
        ))
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: Option<(&ListenerInputs, &ListenerOutputs)>,
    ) -> Result<Option<(ListenerInputs, ListenerOutputs)>> {
        let client = ctx.aws.elbv2().await?;
        let Some(l) = api::find_listener(client, id).await? else {
            return Ok(None);
        };
        let tags_all = api::tags_of(client, id).await?;
        let inputs = inputs_from_aws(&l, &tags_all, olds.map(|(i, _)| i), &ctx.default_tags)?;
        Ok(Some((
            inputs.clone(),
            ListenerOutputs {
                inputs,
                arn: id.to_string(),
                tags_all,
            },
        )))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: &ListenerOutputs,
        news: &ListenerInputs,
    ) -> Result<ListenerOutputs> {
        let client = ctx.aws.elbv2().await?;
        let old = &olds.inputs;
        // Only what changed is sent: AWS re-validates every certificate it is given, and an
        // unchanged listener setting is not worth that call's failure modes.
        let protocol_changed = old.protocol != news.protocol;
        let tls_changed = protocol_changed
            || old.certificate_arn != news.certificate_arn
            || old.ssl_policy != news.ssl_policy;
        let action_changed = old.default_action != news.default_action;
        if old.port != news.port || protocol_changed || tls_changed || action_changed {
            let protocol = news.protocol.unwrap_or(HttpProtocol::Http);
            let mut request = client.modify_listener().listener_arn(id);
            if old.port != news.port {
                request = request.port(news.port as i32);
            }
            if protocol_changed {
                request = request.protocol(protocol.to_aws());
            }
            if tls_changed && protocol == HttpProtocol::Https {
                request = request
                    .set_certificates(certificates(news))
                    .set_ssl_policy(news.ssl_policy.clone());
            }
            if action_changed {
                request = request.default_actions(to_aws_action(&news.default_action));
            }
            request.send().await.map_err(|e| {
                ProviderError::from_aws("elasticloadbalancing:ModifyListener", &e, &[])
            })?;
        }
        let tags_all = ctx.tags_all(news.tags.as_ref());
        if tags_all != olds.tags_all {
            api::sync_tags(client, id, &olds.tags_all, &tags_all).await?;
        }
        Ok(ListenerOutputs {
            inputs: news.clone(),
            arn: id.to_string(),
            tags_all,
        })
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _olds: &ListenerOutputs) -> Result<()> {
        let client = ctx.aws.elbv2().await?;
        api::delete_listener(client, id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::{Diff, DiffInput, DynResource};
    use serde_json::json;

    const LB: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/1";
    const TG: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/2";
    const CERT: &str = "arn:aws:acm:us-east-1:123456789012:certificate/abc";

    fn base() -> serde_json::Value {
        json!({"loadBalancerArn": LB, "port": 80, "defaultAction": {"forward": {"targetGroupArn": TG}}})
    }

    fn https() -> serde_json::Value {
        let mut v = base();
        v["port"] = json!(443);
        v["protocol"] = json!("HTTPS");
        v["certificateArn"] = json!(CERT);
        v["sslPolicy"] = json!("ELBSecurityPolicy-TLS13-1-2-2021-06");
        v
    }

    fn ctx<'a>() -> CheckContext<'a> {
        CheckContext {
            name: "http",
            random_seed: b"s",
            proposed_name: None,
            has_unknowns: false,
        }
    }

    fn passes(v: serde_json::Value) -> serde_json::Value {
        DynResource::check(&Listener, v, None, &ctx()).unwrap()
    }

    fn failure_for(v: serde_json::Value, property: &str) -> CheckFailure {
        let failures = DynResource::check(&Listener, v, None, &ctx()).expect_err("should fail");
        failures
            .iter()
            .find(|f| f.property == property)
            .cloned()
            .unwrap_or_else(|| panic!("no failure for {property}: {failures:?}"))
    }

    fn action(a: serde_json::Value) -> serde_json::Value {
        let mut v = base();
        v["defaultAction"] = a;
        v
    }

    #[test]
    fn basic_rules() {
        assert_eq!(passes(base())["protocol"], json!("HTTP"));
        let mut v = base();
        v["loadBalancerArn"] =
            json!("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/x/1");
        failure_for(v, "loadBalancerArn");
        let mut v = base();
        v["port"] = json!(0);
        failure_for(v, "port");
        let mut v = base();
        v["protocol"] = json!("TCP");
        failure_for(v, "protocol");
        failure_for(
            action(json!({"forward": {"targetGroupArn": "api"}})),
            "defaultAction.forward.targetGroupArn",
        );
        let mut v = base();
        v["tags"] = json!({"aws:x": "y"});
        failure_for(v, "tags.aws:x");
    }

    #[test]
    fn https_needs_certificate_and_policy() {
        passes(https());
        let mut v = https();
        v.as_object_mut().unwrap().remove("certificateArn");
        assert!(failure_for(v, "certificateArn").reason.contains("HTTPS"));
        let mut v = https();
        v.as_object_mut().unwrap().remove("sslPolicy");
        failure_for(v, "sslPolicy");
        let mut v = https();
        v["sslPolicy"] = json!("modern");
        assert!(failure_for(v, "sslPolicy").reason.contains("`modern`"));
        let mut v = https();
        v["certificateArn"] = json!("cert-1");
        failure_for(v, "certificateArn");
        let mut v = base();
        v["certificateArn"] = json!(CERT);
        assert!(failure_for(v, "certificateArn").reason.contains("HTTP"));
    }

    #[test]
    fn exactly_one_action() {
        let f = failure_for(action(json!({})), "defaultAction");
        assert!(f.reason.contains("exactly one"), "{}", f.reason);
        failure_for(
            action(
                json!({"forward": {"targetGroupArn": TG}, "fixedResponse": {"statusCode": "404"}}),
            ),
            "defaultAction",
        );
    }

    #[test]
    fn redirect_rules() {
        passes(action(
            json!({"redirect": {"protocol": "HTTPS", "port": 443, "statusCode": "HTTP_301"}}),
        ));
        failure_for(
            action(json!({"redirect": {"statusCode": "HTTP_301"}})),
            "defaultAction.redirect",
        );
        failure_for(
            action(json!({"redirect": {"port": 0, "statusCode": "HTTP_301"}})),
            "defaultAction.redirect.port",
        );
        failure_for(
            action(json!({"redirect": {"path": "x", "statusCode": "HTTP_302"}})),
            "defaultAction.redirect.path",
        );
        failure_for(
            action(json!({"redirect": {"host": "", "statusCode": "HTTP_302"}})),
            "defaultAction.redirect.host",
        );
        failure_for(
            action(json!({"redirect": {"port": 443, "statusCode": "HTTP_307"}})),
            "defaultAction.redirect.statusCode",
        );
    }

    #[test]
    fn fixed_response_rules() {
        passes(action(
            json!({"fixedResponse": {"statusCode": "404", "contentType": "text/plain", "messageBody": "no"}}),
        ));
        failure_for(
            action(json!({"fixedResponse": {"statusCode": "600"}})),
            "defaultAction.fixedResponse.statusCode",
        );
        failure_for(
            action(json!({"fixedResponse": {"statusCode": "20"}})),
            "defaultAction.fixedResponse.statusCode",
        );
        failure_for(
            action(json!({"fixedResponse": {"statusCode": "200", "contentType": "text/xml"}})),
            "defaultAction.fixedResponse.contentType",
        );
        failure_for(
            action(
                json!({"fixedResponse": {"statusCode": "200", "messageBody": "x".repeat(1025)}}),
            ),
            "defaultAction.fixedResponse.messageBody",
        );
    }

    fn diff(old: serde_json::Value, new: serde_json::Value) -> Diff {
        let defaults = BTreeMap::new();
        Resource::diff(
            &Listener,
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
        let mut new = old.clone();
        new["loadBalancerArn"] =
            json!("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/other/2");
        assert!(diff(old.clone(), new).is_replace());
        for new in [
            passes(https()),
            passes(action(json!({"fixedResponse": {"statusCode": "404"}}))),
            {
                let mut v = old.clone();
                v["port"] = json!(8080);
                v
            },
        ] {
            let d = diff(old.clone(), new);
            assert!(d.has_changes() && !d.is_replace());
        }
    }

    fn round_trip(v: serde_json::Value) {
        let checked: ListenerInputs = serde_json::from_value(passes(v)).unwrap();
        let listener = AwsListener::builder()
            .listener_arn(
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/1/3",
            )
            .load_balancer_arn(&checked.load_balancer_arn)
            .port(checked.port as i32)
            .protocol(checked.protocol.unwrap().to_aws())
            .set_certificates(certificates(&checked))
            .set_ssl_policy(checked.ssl_policy.clone())
            .default_actions(to_aws_action(&checked.default_action))
            .build();
        let read = inputs_from_aws(
            &listener,
            &BTreeMap::new(),
            Some(&checked),
            &BTreeMap::new(),
        )
        .unwrap();
        assert_eq!(read, checked);
    }

    #[test]
    fn read_back_matches_checked_inputs() {
        round_trip(base());
        round_trip(https());
        round_trip(action(
            json!({"redirect": {"protocol": "HTTPS", "port": 443, "statusCode": "HTTP_301"}}),
        ));
        round_trip(action(
            json!({"redirect": {"host": "example.com", "path": "/new", "statusCode": "HTTP_302"}}),
        ));
        round_trip(action(
            json!({"fixedResponse": {"statusCode": "404", "contentType": "text/plain", "messageBody": "gone"}}),
        ));
    }
}
