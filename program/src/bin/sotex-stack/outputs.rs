//! The stack outputs: where the API answers, and what was deployed.

use pulumi_rs::{Context, Output};

use crate::lb::Routing;
use crate::network::Groups;
use crate::service::App;
use crate::settings::Settings;

pub fn export(ctx: &Context, s: &Settings, routing: &Routing, app: &App) {
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
    ctx.export("image", &Output::new(s.image()));
}

/// The security groups, so another stack (the database's, a cache's) can let the API's tasks
/// and the load balancer in.
pub fn export_security_groups(ctx: &Context, groups: &Groups) {
    ctx.export("serviceSecurityGroupId", &groups.service.id());
    ctx.export("loadBalancerSecurityGroupId", &groups.alb.id());
}
