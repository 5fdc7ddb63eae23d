//! Network: the VPC and subnets (configured, else looked up with `getNetwork`), and the two
//! least-privilege security groups.

use std::collections::BTreeMap;

use pulumi_rs::fargate::ec2::{
    GetNetworkArgs, GetNetworkResult, RuleProtocol, SecurityGroup, SecurityGroupArgs,
    SecurityGroupRule, get_network,
};
use pulumi_rs::{Context, Output, ResourceOptions};

use crate::settings::Settings;

/// Where the stack's resources go.
pub struct Network {
    pub vpc_id: Output<String>,
    pub vpc_cidr: Output<String>,
    /// The load balancer's (internet-facing) subnets.
    pub public_subnets: Output<Vec<String>>,
    /// The tasks' subnets: the private ones when configured, else the public ones.
    pub task_subnets: Output<Vec<String>>,
}

/// Configured ids win. getNetwork fills in the rest (and the VPC's CIDR, which the ALB's egress
/// rule needs); a fully pinned network (vpcId, vpcCidr and publicSubnetIds) needs no lookup, so
/// a no-change preview makes no AWS call at all.
pub fn network(ctx: &Context, s: &Settings) -> Network {
    let (vpc_id, vpc_cidr, public_subnets) = match (&s.vpc_id, &s.vpc_cidr, &s.public_subnet_ids) {
        (Some(vpc), Some(cidr), Some(subnets)) => (
            Output::new(vpc.clone()),
            Output::new(cidr.clone()),
            Output::new(subnets.clone()),
        ),
        _ => {
            let network = get_network(
                ctx,
                GetNetworkArgs {
                    vpc_id: s.vpc_id.clone().map(Output::new),
                    ..Default::default()
                },
            );
            let public_subnets = match &s.public_subnet_ids {
                Some(ids) => Output::new(ids.clone()),
                None => network.map(|n| one_subnet_per_zone(&n, 2)),
            };
            let vpc_cidr = match &s.vpc_cidr {
                Some(cidr) => Output::new(cidr.clone()),
                None => network.map(|n| n.cidr_block),
            };
            (network.map(|n| n.vpc_id), vpc_cidr, public_subnets)
        }
    };
    let task_subnets = match &s.private_subnet_ids {
        Some(ids) => Output::new(ids.clone()),
        None => public_subnets.clone(),
    };
    Network {
        vpc_id,
        vpc_cidr,
        public_subnets,
        task_subnets,
    }
}

/// The ports the load balancer listens on: 80, and 443 when a certificate is configured.
pub fn listener_ports(s: &Settings) -> Vec<i64> {
    if s.certificate_arn.is_some() {
        vec![80, 443]
    } else {
        vec![80]
    }
}

pub struct Groups {
    pub alb: SecurityGroup,
    pub service: SecurityGroup,
}

/// The ALB's group, open on its listener ports to `allowedCidrs` and out only to the tasks'
/// port in the VPC; the tasks' group, open only to the ALB and out only to AWS APIs.
pub fn security_groups(
    ctx: &Context,
    s: &Settings,
    net: &Network,
    tags: &Output<BTreeMap<String, String>>,
) -> Groups {
    let port = s.container_port;
    let allowed = s.allowed_cidrs.clone();
    let alb =
        SecurityGroup::new(
            ctx,
            "alb",
            SecurityGroupArgs {
                vpc_id: Some(net.vpc_id.clone()),
                description: Some("Sotex-box API load balancer: listener ports only".into()),
                ingress: Some(Output::new(
                    listener_ports(s)
                        .iter()
                        .map(|p| tcp_rule(*p, Some(allowed.clone()), None, "clients"))
                        .collect(),
                )),
                // Only towards the tasks' port inside the VPC.
                egress: Some(net.vpc_cidr.map(move |cidr| {
                    vec![tcp_rule(port, Some(vec![cidr]), None, "to the API tasks")]
                })),
                tags: Some(tags.clone()),
                ..Default::default()
            },
            ResourceOptions::default(),
        );
    let service = SecurityGroup::new(
        ctx,
        "service",
        SecurityGroupArgs {
            vpc_id: Some(net.vpc_id.clone()),
            description: Some("Sotex-box API tasks: the container port from the ALB".into()),
            ingress: Some(
                alb.id()
                    .map(move |alb| vec![tcp_rule(port, None, Some(alb), "from the ALB")]),
            ),
            // Image pulls, logs and secrets go to AWS APIs over HTTPS; `extraEgress` adds the
            // API's own dependencies (database, cache, SMTP).
            egress: Some(Output::new(
                std::iter::once(tcp_rule(
                    443,
                    Some(vec!["0.0.0.0/0".into()]),
                    None,
                    "AWS APIs over HTTPS",
                ))
                .chain(s.aws.extra_egress.iter().map(egress_rule))
                .collect(),
            )),
            tags: Some(tags.clone()),
            ..Default::default()
        },
        ResourceOptions::default(),
    );
    Groups { alb, service }
}

fn egress_rule(e: &crate::settings::Egress) -> SecurityGroupRule {
    SecurityGroupRule {
        protocol: e.protocol,
        from_port: e.from_port,
        to_port: e.to_port,
        cidr_blocks: e.cidrs.clone(),
        source_security_group_id: e.security_group_id.clone(),
        description: Some(e.description.clone()),
        ..Default::default()
    }
}

fn tcp_rule(
    port: i64,
    cidrs: Option<Vec<String>>,
    group: Option<String>,
    description: &str,
) -> SecurityGroupRule {
    SecurityGroupRule {
        protocol: RuleProtocol::Tcp,
        from_port: Some(port),
        to_port: Some(port),
        cidr_blocks: cidrs,
        source_security_group_id: group,
        description: Some(description.to_string()),
        ..Default::default()
    }
}

/// The first `count` subnets in distinct availability zones, public ones first (an
/// internet-facing ALB needs them).
fn one_subnet_per_zone(network: &GetNetworkResult, count: usize) -> Vec<String> {
    let mut subnets = network.subnets.clone();
    subnets.sort_by_key(|s| (!s.map_public_ip_on_launch, s.availability_zone.clone()));
    let mut zones: BTreeMap<String, String> = BTreeMap::new();
    let mut picked = Vec::new();
    for s in subnets {
        if picked.len() == count {
            break;
        }
        if !zones.contains_key(&s.availability_zone) {
            zones.insert(s.availability_zone.clone(), s.id.clone());
            picked.push(s.id);
        }
    }
    picked
}
