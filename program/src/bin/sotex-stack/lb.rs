//! Load balancing, shared by the stack's services: the internet-facing ALB and its listeners
//! (HTTP, redirecting to HTTPS when a certificate is configured, and HTTPS), which route to the
//! API's target group (declared in the API's `WebService`).

use std::collections::BTreeMap;

use pulumi_rs::fargate::lb::{
    DefaultAction, Forward, HttpProtocol, Listener, ListenerArgs, LoadBalancer, LoadBalancerArgs,
    Redirect, RedirectStatus, TargetGroup,
};
use pulumi_rs::{Context, Output, ResourceOptions};

use crate::network::{Groups, Network};
use crate::settings::Settings;

pub fn load_balancer(
    ctx: &Context,
    s: &Settings,
    net: &Network,
    groups: &Groups,
    tags: &Output<BTreeMap<String, String>>,
) -> LoadBalancer {
    LoadBalancer::new(
        ctx,
        "api",
        LoadBalancerArgs {
            subnets: Some(net.public_subnets.clone()),
            security_groups: Some(groups.alb.id().map(|id| vec![id])),
            idle_timeout_seconds: Some(Output::new(s.idle_timeout_seconds)),
            deletion_protection: Some(Output::new(s.deletion_protection)),
            tags: Some(tags.clone()),
            ..Default::default()
        },
        ResourceOptions::default(),
    )
}

/// The listeners, routing to the API's target group; their URNs (the API's service waits for
/// them, as ECS refuses a target group that no listener routes to yet).
pub fn listeners(
    ctx: &Context,
    s: &Settings,
    alb: &LoadBalancer,
    target_group: &TargetGroup,
    tags: &Output<BTreeMap<String, String>>,
) -> Vec<Output<String>> {
    let forward = target_group.arn.map(|arn| DefaultAction {
        forward: Some(Forward {
            target_group_arn: arn,
        }),
        ..Default::default()
    });
    let to_https = DefaultAction {
        redirect: Some(Redirect {
            protocol: Some(HttpProtocol::Https),
            port: Some(443),
            status_code: RedirectStatus::Http301,
            ..Default::default()
        }),
        ..Default::default()
    };
    let http_listener = Listener::new(
        ctx,
        "http",
        ListenerArgs {
            load_balancer_arn: Some(alb.arn.clone()),
            port: Some(Output::new(80)),
            protocol: Some(Output::new(HttpProtocol::Http)),
            default_action: Some(if s.certificate_arn.is_some() {
                Output::new(to_https)
            } else {
                forward.clone()
            }),
            tags: Some(tags.clone()),
            ..Default::default()
        },
        ResourceOptions::default(),
    );
    let mut listeners = vec![http_listener.urn()];
    if let Some(certificate_arn) = &s.certificate_arn {
        let https_listener = Listener::new(
            ctx,
            "https",
            ListenerArgs {
                load_balancer_arn: Some(alb.arn.clone()),
                port: Some(Output::new(443)),
                protocol: Some(Output::new(HttpProtocol::Https)),
                certificate_arn: Some(Output::new(certificate_arn.clone())),
                ssl_policy: Some(Output::new(s.ssl_policy.clone())),
                default_action: Some(forward),
                tags: Some(tags.clone()),
            },
            ResourceOptions::default(),
        );
        listeners.push(https_listener.urn());
    }
    listeners
}
