//! The stack outputs: where the API answers, and what was deployed.

use std::collections::BTreeMap;

use pulumi_rs::fargate::ecs::Cluster;
use pulumi_rs::fargate::lb::LoadBalancer;
use pulumi_rs::output::all_map;
use pulumi_rs::{Context, Output};

use crate::image::{Image, REPOSITORY_URL_OUTPUT};
use crate::network::Groups;
use crate::settings::Settings;
use crate::web_service::WebService;

pub fn export(
    ctx: &Context,
    s: &Settings,
    alb: &LoadBalancer,
    cluster: &Cluster,
    api: &WebService,
    image: &Image,
) {
    let scheme = if s.certificate_arn.is_some() {
        "https"
    } else {
        "http"
    };
    let dns_name = alb.dns_name.map(|d| d.unwrap_or_default());
    ctx.export("url", &dns_name.map(move |d| format!("{scheme}://{d}")));
    ctx.export("albDnsName", &dns_name);
    ctx.export("albZoneId", &alb.canonical_hosted_zone_id);
    ctx.export("clusterName", &cluster.name);
    ctx.export("serviceName", &api.service.name);
    ctx.export("logGroupName", &api.log_group.name);
    ctx.export("taskDefinitionArn", &api.task_definition.arn);
    ctx.export("taskDefinitionRevision", &api.task_definition.revision);
    let tag = s.image_tag.clone();
    ctx.export(
        "image",
        &image.repository_url.map(move |url| format!("{url}:{tag}")),
    );
    if image.repository.is_some() {
        // The URL the other stacks read (`imageRepositoryStack`) or set (`imageRepository`).
        ctx.export(REPOSITORY_URL_OUTPUT, &image.repository_url);
    }
    if let Some(scaling) = &api.scaling {
        ctx.export("scalingResourceId", &scaling.resource_id);
    }
}

/// The workers' ECS service names, by worker (with `aws ecs describe-services` in mind).
pub fn export_workers(ctx: &Context, workers: &BTreeMap<String, WebService>) {
    if workers.is_empty() {
        return;
    }
    let names: BTreeMap<String, Output<String>> = workers
        .iter()
        .map(|(name, w)| (name.clone(), w.service.name.map(|n| n.unwrap_or_default())))
        .collect();
    ctx.export("workerServiceNames", &all_map(names));
}

/// The security groups, so another stack (the database's, a cache's) can let the API's tasks
/// and the load balancer in.
pub fn export_security_groups(ctx: &Context, groups: &Groups) {
    ctx.export("serviceSecurityGroupId", &groups.service.id());
    ctx.export("loadBalancerSecurityGroupId", &groups.alb.id());
}
