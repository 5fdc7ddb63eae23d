//! The staging stack's secret (`sotex-backend:environment.SENTRY_DSN`, a `secure:` value in the
//! committed `Pulumi.staging.yaml`) stays secret inside AWS too, and hides only itself:
//! - after `up` the task definition AWS answers with holds no secret value (the container
//!   names the SSM parameter's ARN in `secrets`), and the parameter holds the value as a
//!   `SecureString`;
//! - a pull request's preview (`--diff` and the rendered PR comment) shows the image, the
//!   task size and the health check in plain text;
//! - changing only the secret's value updates the parameter in place and rolls the service
//!   without a new task definition revision, and the next preview shows no changes.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ecs::types::TaskDefinitionStatus;
use fargate_e2e::{EcsProbe, Moto, PulumiProject, ssm_call};
use serde_json::{Value, json};
use sotex_delivery::render::{StackPreview, render_comment};

/// The plaintext of `environment.SENTRY_DSN` in the repository's `Pulumi.staging.yaml`.
const STAGING_SENTRY_DSN: &str = "https://f3a9c1d27e5b4a8c@o482113.ingest.sentry.io/5512347";
const SECRET_PART: &str = "f3a9c1d27e5b4a8c";
/// The value a later step rotates it to.
const ROTATED: &str = "https://0c7d15be9a2f4e61@o482113.ingest.sentry.io/5512347";
const ROTATED_PART: &str = "0c7d15be9a2f4e61";

const REPOSITORY: &str = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/sotex-box-api";
const PARAMETER: &str = "/sotex-backend/staging/SENTRY_DSN";

fn out(outputs: &Value, key: &str) -> String {
    match &outputs[key] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => panic!("no output {key} ({other}): {outputs}"),
    }
}

fn step(ty: &str, name: &str, op: &str) -> (String, String, String) {
    (ty.to_string(), name.to_string(), op.to_string())
}

/// The SSM parameter as moto holds it, decrypted.
fn parameter(moto: &Moto) -> Value {
    ssm_call(
        moto.addr(),
        "GetParameter",
        &json!({"Name": PARAMETER, "WithDecryption": true}),
    )
    .unwrap_or_else(|e| panic!("the parameter {PARAMETER}: {e}"))["Parameter"]
        .clone()
}

/// Every task definition revision moto knows, as AWS answers `DescribeTaskDefinition`.
fn task_definitions_text(ecs: &EcsProbe) -> String {
    let mut arns = ecs.task_definition_arns(TaskDefinitionStatus::Active);
    arns.extend(ecs.task_definition_arns(TaskDefinitionStatus::Inactive));
    assert!(!arns.is_empty(), "no task definition in moto");
    arns.iter()
        .map(|arn| format!("{:?}", ecs.describe_task_definition(arn)))
        .collect::<Vec<_>>()
        .join("\n")
}

fn primary_deployment(ecs: &EcsProbe, outputs: &Value) -> String {
    let service = ecs
        .describe_service(&out(outputs, "clusterName"), &out(outputs, "serviceName"))
        .expect("the service");
    service.deployments()[0]
        .id()
        .expect("a deployment id")
        .to_string()
}

#[test]
fn staging_secret_stays_out_of_the_task_definition_and_rolls_the_service() {
    let moto = Moto::start_with_env(&[("MOTO_ECS_SERVICE_RUNNING", "1")]);
    let ecs = EcsProbe::new(&moto.url());
    let mut project = PulumiProject::sotex_stack("staging", &moto.url());
    project.config_set("fargate:region", "us-east-1");
    let stack = project.stack().to_string();

    project.up();
    let outputs = project.stack_output_json();
    let td = ecs.describe_task_definition(&out(&outputs, "taskDefinitionArn"));
    let container = &td.container_definitions()[0];
    let environment: BTreeSet<&str> = container
        .environment()
        .iter()
        .filter_map(|kv| kv.name())
        .collect();
    assert_eq!(
        environment,
        BTreeSet::from(["ASPNETCORE_ENVIRONMENT", "LOG_LEVEL"]),
        "only the plain values are in the environment"
    );
    let secrets: BTreeMap<&str, &str> = container
        .secrets()
        .iter()
        .map(|s| (s.name(), s.value_from()))
        .collect();
    let ssm = parameter(&moto);
    let arn = ssm["ARN"].as_str().expect("the parameter's ARN");
    assert_eq!(
        secrets.get("SENTRY_DSN"),
        Some(&arn),
        "the container reads the secret from the parameter"
    );
    assert!(secrets.contains_key("ConnectionStrings__Default"));
    assert_eq!(ssm["Type"], "SecureString");
    assert_eq!(ssm["Value"], STAGING_SENTRY_DSN);
    assert_eq!(ssm["Version"], 1);
    let answers = task_definitions_text(&ecs);
    assert!(
        !answers.contains(SECRET_PART),
        "DescribeTaskDefinition shows the secret: {answers}"
    );

    // A pull request: new image, bigger task, another health check path.
    let old_image = format!("{REPOSITORY}:2026.11.27-3f9c2ab");
    let new_image = format!("{REPOSITORY}:2026.11.28-77e01bd");
    project.config_set("imageTag", "2026.11.28-77e01bd");
    project.config_set("cpu", "512");
    project.config_set("memory", "1024");
    project.config_set("healthCheckPath", "/ready");
    let diff = project.run_ok(&["preview", "--diff", "--stack", &stack]);
    for plain in [
        format!(r#"~ image: "{old_image}" => "{new_image}""#),
        "~ cpu       : 256 => 512".to_string(),
        "~ memory    : 512 => 1024".to_string(),
        r#"~ path: "/health" => "/ready""#.to_string(),
    ] {
        assert!(
            diff.stdout.contains(&plain),
            "the diff should show `{plain}`:\n{diff}"
        );
    }
    let json = project.run_ok(&["preview", "--json", "--stack", &stack]);
    let comment = render_comment(&[StackPreview::parse(None, &json.stdout).unwrap()]);
    assert!(
        comment.contains(&format!(
            "`containers[0].image`: `{old_image}` → `{new_image}`"
        )),
        "the PR comment should show the image change:\n{comment}"
    );
    for text in [&diff.stdout, &json.stdout, &comment] {
        assert!(!text.contains(SECRET_PART), "plaintext secret:\n{text}");
    }
    project.up();
    let outputs = project.stack_output_json();
    let revision = out(&outputs, "taskDefinitionRevision");
    assert_eq!(revision, "2");

    // Only the secret's value: the parameter updates in place and the service rolls out the
    // same task definition revision.
    let deployment = primary_deployment(&ecs, &outputs);
    project.run_ok(&[
        "config",
        "set",
        "--secret",
        "--path",
        "--stack",
        &stack,
        "--",
        "environment.SENTRY_DSN",
        ROTATED,
    ]);
    let preview = project.preview_json();
    assert_eq!(
        preview
            .changes()
            .into_iter()
            .filter(|(ty, _, _)| ty.starts_with("fargate:"))
            .collect::<BTreeSet<_>>(),
        BTreeSet::from([
            step("fargate:ssm:Parameter", "SENTRY_DSN", "update"),
            step("fargate:ecs:Service", "api", "update"),
        ]),
        "{:?}",
        preview.summary()
    );
    project.up();
    let outputs = project.stack_output_json();
    assert_eq!(out(&outputs, "taskDefinitionRevision"), revision);
    assert_ne!(
        primary_deployment(&ecs, &outputs),
        deployment,
        "a new deployment starts tasks that read the new value"
    );
    let ssm = parameter(&moto);
    assert_eq!(
        (ssm["Value"].as_str(), ssm["Version"].as_i64()),
        (Some(ROTATED), Some(2))
    );
    assert_eq!(ssm["ARN"], arn, "the same parameter, a new version");
    project.preview_expect_no_changes();
    let answers = task_definitions_text(&ecs);
    for part in [SECRET_PART, ROTATED_PART] {
        assert!(
            !answers.contains(part),
            "DescribeTaskDefinition shows a secret: {answers}"
        );
    }

    project.destroy();
    assert!(
        ssm_call(moto.addr(), "GetParameter", &json!({"Name": PARAMETER})).is_err(),
        "the parameter is deleted with the stack"
    );
}
