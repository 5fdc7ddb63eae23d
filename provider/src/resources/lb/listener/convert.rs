//! Conversion between AWS shapes and our inputs/outputs, and the request builders.

use super::*;

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

pub(crate) fn certificates(i: &ListenerInputs) -> Option<Vec<Certificate>> {
    i.certificate_arn
        .as_ref()
        .map(|arn| vec![Certificate::builder().certificate_arn(arn).build()])
}
