//! The Sotex-box backend stack: replaces the team's `Program.cs`.
//!
//! The API runs as a Fargate service behind an internet-facing Application Load Balancer:
//! network (from config, else `getNetwork`), least-privilege security groups (the ALB open on its
//! listener ports to `allowedCidrs`; the tasks open only to the ALB, on the container port), the
//! ALB, a target group with the API's health check, an HTTP listener (redirecting to HTTPS when
//! a certificate is configured), the HTTPS listener, the tasks' IAM roles, their log group, the
//! image repository (in the one stack that owns it), the cluster, the task definition, the
//! service, which waits for its rollout to reach steady state, and its autoscaling. Nothing but
//! the certificate and DNS has to exist beforehand.
//!
//! One module per concern, in the order the resources depend on each other: `network` (VPC,
//! subnets, security groups), `cluster`, `lb` (load balancer and listeners), `secrets` (an SSM
//! parameter per secret variable), `image` (the repository, or another stack's), then one
//! `web_service::WebService` component per service — the API behind the load balancer, and each
//! of `workers` — holding its roles, log group, target group, task definition, service and
//! autoscaling; and `outputs`.

mod cluster;
mod exec;
mod image;
mod lb;
mod network;
mod outputs;
mod secrets;
mod settings;
mod web_service;

use std::collections::BTreeMap;
use std::process::ExitCode;

use pulumi_rs::{Context, Error, Output, run};

use settings::Settings;
use web_service::{Attachment, ServiceSpec, Shared, WebService};

/// The API's service: its component's name, container and log stream prefix.
const API: &str = "api";

fn main() -> ExitCode {
    // `scripts/gen-schema` writes schema/stack-config.schema.json from the settings types.
    if std::env::args().nth(1).as_deref() == Some("--print-config-schema") {
        print!("{}", settings::stack_file_schema_text());
        return ExitCode::SUCCESS;
    }
    run(program)
}

/// The whole stack, declared on `ctx` (the unit tests run it against mocks).
async fn program(ctx: Context) -> Result<(), Error> {
    let s = Settings::read(ctx.config(), ctx.stack())?;
    let mut tags = s.tags.clone();
    tags.entry("app".into())
        .or_insert_with(|| "sotex-box-backend".into());
    tags.entry("stack".into())
        .or_insert_with(|| ctx.stack().to_string());
    let tags = Output::new(tags);

    let net = network::network(&ctx, &s);
    let groups = network::security_groups(&ctx, &s, &net, &tags);
    let cluster = cluster::cluster(&ctx, &s, &tags);
    let alb = lb::load_balancer(&ctx, &s, &net, &groups, &tags);
    let secrets = secrets::secrets(&ctx, &s, &tags);
    let image = image::image(&ctx, &s, &tags)?;
    let shared = Shared {
        settings: &s,
        cluster: &cluster,
        task_subnets: net.task_subnets.clone(),
        security_group_id: groups.service.id(),
        repository_url: image.repository_url.clone(),
        secrets: &secrets,
        tags: &tags,
    };
    let api = WebService::new(&ctx, API, &shared, api_spec(&ctx, &s, &net, &alb, &tags))?;
    let mut workers = BTreeMap::new();
    for (name, worker) in &s.workers {
        let spec = ServiceSpec {
            label: format!("`{name}` worker"),
            command: worker.command.clone(),
            cpu: worker.cpu,
            memory: worker.memory,
            desired_count: worker.desired_count,
            desired_count_managed_by_autoscaler: false,
            autoscaling: None,
            log_group: format!("{}/{name}", s.log_group),
            load_balancer: None,
            moved_from_stack: false,
        };
        workers.insert(name.clone(), WebService::new(&ctx, name, &shared, spec)?);
    }
    outputs::export(&ctx, &s, &alb, &cluster, &api, &image);
    outputs::export_workers(&ctx, &workers);
    outputs::export_security_groups(&ctx, &groups);
    Ok(())
}

/// The API: behind the shared load balancer, its listeners routing to its target group, and
/// autoscaled when the stack file says so. Its resources sat directly under the stack before
/// the component existed: `moved_from_stack` keeps them.
fn api_spec<'a>(
    ctx: &'a Context,
    s: &'a Settings,
    net: &network::Network,
    alb: &'a pulumi_rs::fargate::lb::LoadBalancer,
    tags: &'a Output<BTreeMap<String, String>>,
) -> ServiceSpec<'a> {
    ServiceSpec {
        label: "API".into(),
        command: None,
        cpu: s.cpu,
        memory: s.memory,
        desired_count: s.desired_count,
        desired_count_managed_by_autoscaler: s.desired_count_managed_by_autoscaler,
        autoscaling: s.autoscaling.clone(),
        log_group: s.log_group.clone(),
        load_balancer: Some(Attachment {
            alb_arn: alb.arn.clone(),
            vpc_id: net.vpc_id.clone(),
            container_port: s.container_port,
            health_check_path: s.health_check_path.clone(),
            listeners: Box::new(move |target_group| lb::listeners(ctx, s, alb, target_group, tags)),
        }),
        moved_from_stack: true,
    }
}

#[cfg(test)]
mod tests;
