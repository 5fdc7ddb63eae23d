//! The same three checks for every resource in the registry, in process against moto:
//! - a read of what was created (import, with no state; refresh, with state) gives back exactly
//!   the checked inputs, so neither `pulumi import` nor `pulumi refresh` invents a diff;
//! - the id `create` returns is the id `pulumi import` takes: importing it finds the resource;
//! - a read of a resource that does not exist returns no id (the engine then drops it), and a
//!   delete of one already gone succeeds.
//!
//! A resource added to the registry without a row here fails the test (its last assertion).

use std::collections::BTreeMap;
use std::sync::Arc;

use fargate_e2e::ec2::default_network;
use fargate_e2e::moto::Moto;
use pulumi_resource_fargate::aws::AwsClients;
use pulumi_resource_fargate::config::ProviderConfig;
use pulumi_resource_fargate::context::{Ctx, EngineLog, ResourceLog};
use pulumi_resource_fargate::resource::{CheckContext, DynResource};
use serde_json::{Value as Json, json};

/// One resource: its inputs (which may name what earlier rows created) and an id of the same
/// form that names nothing.
struct Row {
    token: &'static str,
    inputs: Json,
    missing_id: String,
    /// Inputs AWS never gives back (a secret value): an import cannot know them.
    write_only: &'static [&'static str],
}

fn resource(token: &str) -> Box<dyn DynResource> {
    pulumi_resource_fargate::resources::all()
        .into_iter()
        .find(|r| r.token() == token)
        .unwrap_or_else(|| panic!("{token} is not in the registry"))
}

fn ctx(moto: &Moto) -> Ctx {
    let config = ProviderConfig {
        region: Some("us-east-1".into()),
        endpoint: Some(moto.url()),
        ..ProviderConfig::default()
    };
    Ctx {
        aws: Arc::new(AwsClients::new(config)),
        log: ResourceLog::new(EngineLog::default(), "urn:pulumi:dev::p::t::subject"),
        cancel: tokio_util::sync::CancellationToken::new(),
        timeout: None,
        default_tags: BTreeMap::new(),
    }
}

/// Creates the row's resource and runs the three checks; returns its id and outputs.
async fn create_and_read_back(ctx: &Ctx, row: &Row) -> (String, Json) {
    let r = resource(row.token);
    let check_ctx = CheckContext {
        name: "subject",
        random_seed: b"seed",
        proposed_name: None,
        has_unknowns: false,
    };
    let checked = r
        .check(row.inputs.clone(), None, &check_ctx)
        .unwrap_or_else(|f| panic!("{}: check refused {f:?}", row.token));
    let (id, outputs) = r
        .create(ctx, checked.clone(), false)
        .await
        .unwrap_or_else(|e| panic!("{}: create failed: {e}", row.token));

    let (imported, _) = r
        .read(ctx, &id, None, None)
        .await
        .unwrap_or_else(|e| panic!("{}: import of `{id}` failed: {e}", row.token))
        .unwrap_or_else(|| panic!("{}: import of `{id}` found nothing", row.token));
    let without_write_only = |mut v: Json| {
        for key in row.write_only {
            v.as_object_mut().map(|o| o.remove(*key));
        }
        v
    };
    assert_eq!(
        without_write_only(imported),
        without_write_only(checked.clone()),
        "{}: an import reads back other inputs than were created",
        row.token
    );
    let (refreshed, _) = r
        .read(ctx, &id, Some(checked.clone()), Some(outputs.clone()))
        .await
        .unwrap_or_else(|e| panic!("{}: refresh failed: {e}", row.token))
        .unwrap_or_else(|| panic!("{}: refresh lost `{id}`", row.token));
    assert_eq!(
        refreshed, checked,
        "{}: a refresh reads back other inputs than were created",
        row.token
    );

    let missing = r
        .read(ctx, &row.missing_id, None, None)
        .await
        .unwrap_or_else(|e| panic!("{}: read of a missing id failed: {e}", row.token));
    assert!(
        missing.is_none(),
        "{}: a read of `{}` should find nothing, found {missing:?}",
        row.token,
        row.missing_id
    );
    (id, outputs)
}

#[test]
fn every_resource_reads_back_what_it_created_and_nothing_when_gone() {
    // Static fake credentials for the SDK's default chain, set before any other thread exists
    // (this binary holds this one test); no metadata lookup leaves the machine.
    for (key, value) in [
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ] {
        // SAFETY: no other thread runs yet; see above.
        unsafe { std::env::set_var(key, value) };
    }
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(contract());
}

async fn contract() {
    let moto = Moto::start_with_env(&[("MOTO_ECS_SERVICE_RUNNING", "1")]);
    let net = default_network(moto.addr());
    let ctx = ctx(&moto);
    let acct_region = "us-east-1:123456789012";
    let mut created: Vec<(&'static str, String, Json)> = Vec::new();
    let mut run = async |row: Row| -> String {
        let (id, outputs) = create_and_read_back(&ctx, &row).await;
        // Later rows refer to a resource by its id, a task definition by its revision's ARN
        // (its id is the family).
        let reference = match row.token {
            "fargate:ecs:TaskDefinition" => outputs["arn"].as_str().expect("arn").to_string(),
            _ => id.clone(),
        };
        created.push((row.token, id, outputs));
        reference
    };

    let cluster = run(Row {
        token: "fargate:ecs:Cluster",
        inputs: json!({"name": "contract", "containerInsights": "enabled", "tags": {"team": "api"}}),
        missing_id: "no-such-cluster".into(),
        write_only: &[],
    })
    .await;
    let sg = run(Row {
        token: "fargate:ec2:SecurityGroup",
        inputs: json!({
            "name": "contract-tasks",
            "description": "tasks",
            "vpcId": net.vpc_id,
            "ingress": [{"protocol": "tcp", "fromPort": 8080, "toPort": 8080, "cidrBlocks": ["10.0.0.0/16"], "description": "app"}],
            "egress": [{"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"], "description": "https"}],
            "tags": {"team": "api"},
        }),
        missing_id: "sg-0123456789abcdef0".into(),
        write_only: &[],
    })
    .await;
    let tg = run(Row {
        token: "fargate:lb:TargetGroup",
        inputs: json!({"name": "contract-blue", "port": 8080, "vpcId": net.vpc_id, "tags": {"team": "api"}}),
        missing_id: format!("arn:aws:elasticloadbalancing:{acct_region}:targetgroup/gone/0123456789abcdef"),
        write_only: &[],
    })
    .await;
    let lb = run(Row {
        token: "fargate:lb:LoadBalancer",
        inputs: json!({"name": "contract", "subnets": net.subnet_ids[..2], "securityGroups": [sg], "tags": {"team": "api"}}),
        missing_id: format!("arn:aws:elasticloadbalancing:{acct_region}:loadbalancer/app/gone/0123456789abcdef"),
        write_only: &[],
    })
    .await;
    run(Row {
        token: "fargate:lb:Listener",
        inputs: json!({"loadBalancerArn": lb, "port": 80, "protocol": "HTTP", "defaultAction": {"forward": {"targetGroupArn": tg}}}),
        missing_id: format!("arn:aws:elasticloadbalancing:{acct_region}:listener/app/gone/0123456789abcdef/0123456789abcdef"),
        write_only: &[],
    })
    .await;
    let td = run(Row {
        token: "fargate:ecs:TaskDefinition",
        inputs: json!({
            "family": "contract",
            "cpu": 256,
            "memory": 512,
            "containers": [{"name": "api", "image": "public.ecr.aws/nginx/nginx:1.27", "portMappings": [{"containerPort": 8080}]}],
            "tags": {"team": "api"},
        }),
        missing_id: format!("arn:aws:ecs:{acct_region}:task-definition/gone:1"),
        write_only: &[],
    })
    .await;
    run(Row {
        token: "fargate:ecs:Service",
        inputs: json!({
            "name": "contract",
            // The cluster's id, its ARN, as programs pass it: an import reads the ARN back
            // (given a bare name, only a refresh keeps the name).
            "cluster": cluster,
            "taskDefinition": td,
            "desiredCount": 1,
            "network": {"subnets": net.subnet_ids[..2], "securityGroups": [sg]},
            "loadBalancers": [{"targetGroupArn": tg, "containerName": "api", "containerPort": 8080}],
            "tags": {"team": "api"},
        }),
        missing_id: format!("arn:aws:ecs:{acct_region}:service/contract/gone"),
        write_only: &[],
    })
    .await;

    run(Row {
        token: "fargate:iam:Role",
        inputs: json!({
            "name": "contract-role",
            "managedPolicyArns": ["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"],
            "inlinePolicies": {"read": [{"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::contract/*"]}]},
            "tags": {"team": "api"},
        }),
        missing_id: "no-such-role".into(),
        write_only: &[],
    })
    .await;

    run(Row {
        token: "fargate:logs:LogGroup",
        inputs: json!({"name": "/contract/api", "retentionInDays": 30, "tags": {"team": "api"}}),
        missing_id: "/contract/gone".into(),
        write_only: &[],
    })
    .await;
    run(Row {
        token: "fargate:ecr:Repository",
        inputs: json!({
            "name": "contract/api",
            "scanOnPush": true,
            "lifecycleRules": [
                {"tagStatus": "untagged", "expireAfterDays": 7},
                {"tagStatus": "tagged", "tagPrefixes": ["v"], "keepLastCount": 20},
            ],
            "tags": {"team": "api"},
        }),
        missing_id: "contract/gone".into(),
        write_only: &[],
    })
    .await;
    run(Row {
        token: "fargate:ssm:Parameter",
        inputs: json!({"name": "/contract/api/TOKEN", "value": "not-a-real-secret", "tags": {"team": "api"}}),
        missing_id: "/contract/gone".into(),
        write_only: &["value"],
    })
    .await;

    let tested: Vec<&str> = created.iter().map(|(t, _, _)| *t).collect();
    for (token, id, outputs) in created.iter().rev() {
        let r = resource(token);
        r.delete(&ctx, id, outputs.clone())
            .await
            .unwrap_or_else(|e| panic!("{token}: delete of `{id}` failed: {e}"));
        r.delete(&ctx, id, outputs.clone())
            .await
            .unwrap_or_else(|e| panic!("{token}: a delete of `{id}`, already gone, failed: {e}"));
    }
    let mut untested: Vec<&str> = pulumi_resource_fargate::resources::all()
        .iter()
        .map(|r| r.token())
        .filter(|t| !tested.contains(t))
        .collect();
    untested.sort();
    assert!(
        untested.is_empty(),
        "resources without a row in this test: {untested:?}"
    );
}
