//! Test program for component resources: `sotex:examples:WebService` instances, each a
//! component parenting a cluster and a task definition.
//!
//! Config (project namespace): `shape` = `flat` declares what an older version of the program
//! had — the api's cluster and task definition directly under the stack; anything else (the
//! default) declares the `api` and `worker` components, the api's resources moved under its
//! component and keeping their identity through an alias (`Alias::no_parent`).

use std::process::ExitCode;

use pulumi_rs::fargate::ecs::{
    Cluster, ClusterArgs, ContainerDefinition, TaskDefinition, TaskDefinitionArgs,
};
use pulumi_rs::{Alias, ComponentResource, Context, Error, Output, ResourceOptions, run};

/// A service's resources under one component of its own type.
struct WebService {
    component: ComponentResource,
    cluster: Cluster,
}

impl WebService {
    /// `moved`: its resources sat directly under the stack before (an earlier program).
    fn new(ctx: &Context, name: &str, moved: bool) -> Result<Self, Error> {
        let component =
            ComponentResource::new(ctx, "sotex:examples:WebService", name, Default::default())?;
        let child = || ResourceOptions {
            aliases: if moved {
                vec![Alias::no_parent()]
            } else {
                Vec::new()
            },
            ..component.child_options()
        };
        let (cluster, task_definition) = resources(ctx, name, child(), child());
        component.register_outputs([
            ("clusterName", cluster.name.to_json()),
            ("taskDefinitionArn", task_definition.arn.to_json()),
        ]);
        Ok(Self { component, cluster })
    }
}

fn resources(
    ctx: &Context,
    name: &str,
    cluster_options: ResourceOptions,
    task_options: ResourceOptions,
) -> (Cluster, TaskDefinition) {
    let cluster = Cluster::new(
        ctx,
        &format!("{name}-cluster"),
        ClusterArgs::default(),
        cluster_options,
    );
    let task_definition = TaskDefinition::new(
        ctx,
        &format!("{name}-task"),
        TaskDefinitionArgs {
            cpu: Some(Output::new(256)),
            memory: Some(Output::new(512)),
            containers: Some(Output::new(vec![ContainerDefinition {
                name: name.to_string(),
                image: "public.ecr.aws/nginx/nginx:1.27".into(),
                ..Default::default()
            }])),
            ..Default::default()
        },
        task_options,
    );
    (cluster, task_definition)
}

fn main() -> ExitCode {
    run(|ctx| async move {
        let shape: Option<String> = ctx.config().get("shape")?;
        if shape.as_deref() == Some("flat") {
            let (cluster, _) = resources(&ctx, "api", Default::default(), Default::default());
            ctx.export("apiCluster", &cluster.name);
            return Ok(());
        }
        let api = WebService::new(&ctx, "api", true)?;
        let worker = WebService::new(&ctx, "worker", false)?;
        ctx.export("apiCluster", &api.cluster.name);
        ctx.export("workerCluster", &worker.cluster.name);
        ctx.export("apiUrn", &api.component.urn());
        Ok(())
    })
}
