//! Test program for the traffic path: `getNetwork` (the default VPC), an ALB security group open
//! only on the listener ports, a service security group open only to the ALB's group on the
//! application port, an internet-facing ALB, two target groups (`blue` serving, `green` idle),
//! an HTTP listener redirecting to HTTPS and an HTTPS listener forwarding to `blue`.
//!
//! Config (project namespace): `certificateArn` (required), `appPort` (default 8080, the target
//! groups' port), `healthCheckPath` (default `/health`), `allowedCidrs` (list, default
//! `["0.0.0.0/0"]`: who may reach the ALB's listeners).

use std::process::ExitCode;

use pulumi_rs::fargate::ec2::{
    GetNetworkArgs, RuleProtocol, SecurityGroup, SecurityGroupArgs, SecurityGroupRule, get_network,
};
use pulumi_rs::fargate::lb::{
    DefaultAction, Forward, HttpProtocol, Listener, ListenerArgs, LoadBalancer, LoadBalancerArgs,
    Redirect, RedirectStatus, TargetGroup, TargetGroupArgs, TargetGroupHealthCheck,
};
use pulumi_rs::{Output, ResourceOptions, run};

fn tcp_from_cidrs(port: i64, cidrs: &[String], description: &str) -> SecurityGroupRule {
    SecurityGroupRule {
        protocol: RuleProtocol::Tcp,
        from_port: Some(port),
        to_port: Some(port),
        cidr_blocks: Some(cidrs.to_vec()),
        description: Some(description.to_string()),
        ..Default::default()
    }
}

fn main() -> ExitCode {
    run(|ctx| async move {
        let config = ctx.config();
        let certificate_arn: String = config.require("certificateArn")?;
        let app_port: i64 = config.get("appPort")?.unwrap_or(8080);
        let health_check_path: String = config
            .get("healthCheckPath")?
            .unwrap_or_else(|| "/health".to_string());
        let allowed_cidrs: Vec<String> = config
            .get("allowedCidrs")?
            .unwrap_or_else(|| vec!["0.0.0.0/0".to_string()]);

        let network = get_network(&ctx, GetNetworkArgs::default());
        let vpc_id = network.map(|n| n.vpc_id);
        let vpc_cidr = network.map(|n| n.cidr_block);
        // One subnet per zone, two zones: the ALB's minimum.
        let subnets = network.map(|n| {
            let mut seen = Vec::new();
            n.subnets
                .into_iter()
                .filter(|s| {
                    let new = !seen.contains(&s.availability_zone);
                    seen.push(s.availability_zone.clone());
                    new
                })
                .take(2)
                .map(|s| s.id)
                .collect::<Vec<_>>()
        });

        let alb_group = SecurityGroup::new(
            &ctx,
            "alb",
            SecurityGroupArgs {
                vpc_id: Some(vpc_id.clone()),
                description: Some("ALB: HTTP and HTTPS from the allowed networks".into()),
                ingress: Some(Output::new(vec![
                    tcp_from_cidrs(80, &allowed_cidrs, "HTTP, redirected to HTTPS"),
                    tcp_from_cidrs(443, &allowed_cidrs, "HTTPS"),
                ])),
                egress: Some(vpc_cidr.map(move |cidr| {
                    vec![tcp_from_cidrs(
                        app_port,
                        &[cidr],
                        "to the service's tasks in the VPC",
                    )]
                })),
                ..Default::default()
            },
            ResourceOptions::default(),
        );
        let service_group = SecurityGroup::new(
            &ctx,
            "service",
            SecurityGroupArgs {
                vpc_id: Some(vpc_id.clone()),
                description: Some("API tasks: the application port from the ALB only".into()),
                ingress: Some(alb_group.id().map(move |alb| {
                    vec![SecurityGroupRule {
                        protocol: RuleProtocol::Tcp,
                        from_port: Some(app_port),
                        to_port: Some(app_port),
                        source_security_group_id: Some(alb),
                        description: Some("from the ALB".into()),
                        ..Default::default()
                    }]
                })),
                ..Default::default()
            },
            ResourceOptions::default(),
        );

        let alb = LoadBalancer::new(
            &ctx,
            "web",
            LoadBalancerArgs {
                subnets: Some(subnets.clone()),
                security_groups: Some(alb_group.id().map(|id| vec![id])),
                idle_timeout_seconds: Some(Output::new(60)),
                ..Default::default()
            },
            ResourceOptions::default(),
        );
        let target_group = |name: &str| {
            TargetGroup::new(
                &ctx,
                name,
                TargetGroupArgs {
                    vpc_id: Some(vpc_id.clone()),
                    port: Some(Output::new(app_port)),
                    protocol: Some(Output::new(HttpProtocol::Http)),
                    health_check: Some(Output::new(TargetGroupHealthCheck {
                        path: Some(health_check_path.clone()),
                        matcher: Some("200-299".into()),
                        ..Default::default()
                    })),
                    deregistration_delay_seconds: Some(Output::new(30)),
                    ..Default::default()
                },
                ResourceOptions::default(),
            )
        };
        let blue = target_group("blue");
        let green = target_group("green");

        let http = Listener::new(
            &ctx,
            "http",
            ListenerArgs {
                load_balancer_arn: Some(alb.arn.clone()),
                port: Some(Output::new(80)),
                protocol: Some(Output::new(HttpProtocol::Http)),
                default_action: Some(Output::new(DefaultAction {
                    redirect: Some(Redirect {
                        protocol: Some(HttpProtocol::Https),
                        port: Some(443),
                        status_code: RedirectStatus::Http301,
                        ..Default::default()
                    }),
                    ..Default::default()
                })),
                ..Default::default()
            },
            ResourceOptions::default(),
        );
        let https = Listener::new(
            &ctx,
            "https",
            ListenerArgs {
                load_balancer_arn: Some(alb.arn.clone()),
                port: Some(Output::new(443)),
                protocol: Some(Output::new(HttpProtocol::Https)),
                certificate_arn: Some(Output::new(certificate_arn)),
                ssl_policy: Some("ELBSecurityPolicy-TLS13-1-2-2021-06".into()),
                default_action: Some(blue.arn.map(|arn| DefaultAction {
                    forward: Some(Forward {
                        target_group_arn: arn,
                    }),
                    ..Default::default()
                })),
                ..Default::default()
            },
            ResourceOptions::default(),
        );

        ctx.export("vpcId", &vpc_id);
        ctx.export("subnetIds", &subnets);
        ctx.export("availabilityZones", &network.map(|n| n.availability_zones));
        ctx.export("albSecurityGroupId", &alb_group.id());
        ctx.export("serviceSecurityGroupId", &service_group.id());
        ctx.export("albArn", &alb.arn);
        ctx.export("albDnsName", &alb.dns_name);
        ctx.export("blueArn", &blue.arn);
        ctx.export("blueName", &blue.name);
        ctx.export("greenArn", &green.arn);
        ctx.export("httpListenerArn", &http.arn);
        ctx.export("httpsListenerArn", &https.arn);
        Ok(())
    })
}
