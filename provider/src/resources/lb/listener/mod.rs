//! `fargate:lb:Listener` — a port an Application Load Balancer listens on, and what it does
//! with requests: forward to a target group, redirect, or answer with a fixed response.

mod convert;
#[cfg(test)]
mod tests;
mod validation;

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
use convert::*;
use validation::*;

pub struct Listener;

/// A listener on an Application Load Balancer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "ListenerArgs")]
pub struct ListenerInputs {
    /// ARN of the load balancer. Changing it replaces the listener.
    pub load_balancer_arn: String,
    /// Port to listen on, 1 to 65535. Changes apply in place.
    #[schemars(range(min = 1, max = 65535), title = "a port")]
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
    #[schemars(range(min = 1, max = 65535), title = "a port")]
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
