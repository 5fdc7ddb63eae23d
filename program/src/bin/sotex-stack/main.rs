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
//! subnets, security groups), `lb` (load balancer, target group, listeners), `secrets` (an SSM
//! parameter per secret variable), `roles`
//! (execution and task roles), `logs` (the log group), `image` (the repository), `service`
//! (cluster, task definition, service), `scaling` (autoscaling) and `outputs`.

mod exec;
mod image;
mod lb;
mod logs;
mod network;
mod outputs;
mod roles;
mod scaling;
mod secrets;
mod service;
mod settings;

use std::process::ExitCode;

use pulumi_rs::{Context, Error, Output, run};

use settings::Settings;

/// The one container of the task definition, which the load balancer routes to.
const CONTAINER: &str = "api";

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
    let routing = lb::load_balancing(&ctx, &s, &net, &groups, &tags);
    let secrets = secrets::secrets(&ctx, &s, &tags);
    let roles = roles::roles(&ctx, &s, &secrets, &tags);
    let log_group = logs::log_group(&ctx, &s, &tags);
    let image = image::image(&ctx, &s, &tags);
    let task = service::TaskInputs {
        roles: &roles,
        log_group_name: log_group.name.map(|n| n.unwrap_or_default()),
        image: &image,
        secrets: &secrets,
    };
    let app = service::service(&ctx, &s, &net, &groups, &routing, task, &tags);
    let scaling = scaling::scaling(&ctx, &s, &routing, &app);
    outputs::export(&ctx, &s, &routing, &app, &image, scaling.as_ref());
    outputs::export_security_groups(&ctx, &groups);
    Ok(())
}

#[cfg(test)]
mod tests;
