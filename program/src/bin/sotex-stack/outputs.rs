//! The stack outputs: where the API answers, and what was deployed.

use pulumi_rs::Context;

use pulumi_rs::fargate::appautoscaling::ServiceScaling;

use crate::image::Image;
use crate::lb::Routing;
use crate::network::Groups;
use crate::service::App;
use crate::settings::Settings;

pub fn export(
    ctx: &Context,
    s: &Settings,
    routing: &Routing,
    app: &App,
    image: &Image,
    scaling: Option<&ServiceScaling>,
) {
    let scheme = if s.certificate_arn.is_some() {
        "https"
    } else {
        "http"
    };
    let dns_name = routing.alb.dns_name.map(|d| d.unwrap_or_default());
    ctx.export("url", &dns_name.map(move |d| format!("{scheme}://{d}")));
    ctx.export("albDnsName", &dns_name);
    ctx.export("albZoneId", &routing.alb.canonical_hosted_zone_id);
    ctx.export("clusterName", &app.cluster.name);
    ctx.export("serviceName", &app.service.name);
    ctx.export("taskDefinitionArn", &app.task_definition.arn);
    ctx.export("taskDefinitionRevision", &app.task_definition.revision);
    let tag = s.image_tag.clone();
    ctx.export(
        "image",
        &image.repository_url.map(move |url| format!("{url}:{tag}")),
    );
    if image.repository.is_some() {
        // The URL the other stacks set as `imageRepository`.
        ctx.export("imageRepositoryUrl", &image.repository_url);
    }
    if let Some(scaling) = scaling {
        ctx.export("scalingResourceId", &scaling.resource_id);
    }
}

/// The security groups, so another stack (the database's, a cache's) can let the API's tasks
/// and the load balancer in.
pub fn export_security_groups(ctx: &Context, groups: &Groups) {
    ctx.export("serviceSecurityGroupId", &groups.service.id());
    ctx.export("loadBalancerSecurityGroupId", &groups.alb.id());
}
