use super::*;
use crate::resource::DynResource;
use serde_json::json;

fn ctx<'a>() -> CheckContext<'a> {
    CheckContext {
        name: "api",
        random_seed: b"seed",
        proposed_name: None,
        has_unknowns: false,
    }
}

fn base() -> serde_json::Value {
    json!({
        "cpu": 256,
        "memory": 512,
        "containers": [{
            "name": "api",
            "image": "nginx:1.27",
            "portMappings": [{"containerPort": 8080}],
            "environment": {"MODE": "prod"},
            "secrets": {"DB_PASSWORD": "arn:aws:secretsmanager:eu-central-1:123456789012:secret:db-AbCdEf"},
            "logConfiguration": {"awslogs": {"group": "/ecs/api", "streamPrefix": "api"}},
            "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"]},
        }],
    })
}

fn check(v: serde_json::Value) -> std::result::Result<serde_json::Value, Vec<CheckFailure>> {
    DynResource::check(&TaskDefinition, v, None, &ctx())
}

fn failure_for(v: serde_json::Value, property: &str) -> CheckFailure {
    let failures = check(v).expect_err("should fail");
    failures
        .iter()
        .find(|f| f.property == property)
        .cloned()
        .unwrap_or_else(|| panic!("no failure for {property}: {failures:?}"))
}

#[test]
fn a_good_definition_passes_and_is_normalised() {
    let checked = check(base()).unwrap();
    assert!(checked["family"].as_str().unwrap().starts_with("api-"));
    assert_eq!(checked["containers"][0]["essential"], json!(true));
    assert_eq!(
        checked["containers"][0]["portMappings"][0]["protocol"],
        json!("tcp")
    );
    assert_eq!(
        checked["containers"][0]["healthCheck"]["interval"],
        json!(30)
    );
}

#[test]
fn invalid_memory_for_cpu_lists_valid_values() {
    let mut v = base();
    v["memory"] = json!(4096);
    let f = failure_for(v, "memory");
    assert!(f.reason.contains("512, 1024, 2048"), "{}", f.reason);
}

#[test]
fn invalid_cpu() {
    let mut v = base();
    v["cpu"] = json!(100);
    assert!(failure_for(v, "cpu").reason.contains("100"));
}

#[test]
fn port_out_of_range_names_the_path() {
    let mut v = base();
    v["containers"][0]["portMappings"][0]["containerPort"] = json!(70000);
    let f = failure_for(v, "containers[0].portMappings[0].containerPort");
    assert!(f.reason.contains("70000"), "{}", f.reason);
}

#[test]
fn duplicate_container_names() {
    let mut v = base();
    let c = v["containers"][0].clone();
    v["containers"].as_array_mut().unwrap().push(c);
    assert!(
        failure_for(v, "containers[1].name")
            .reason
            .contains("twice")
    );
}

#[test]
fn no_essential_container() {
    let mut v = base();
    v["containers"][0]["essential"] = json!(false);
    assert!(failure_for(v, "containers").reason.contains("essential"));
}

#[test]
fn plaintext_secret_is_rejected_without_echoing_it() {
    let mut v = base();
    v["containers"][0]["secrets"]["DB_PASSWORD"] = json!("hunter2");
    let f = failure_for(v, "containers[0].secrets.DB_PASSWORD");
    assert!(!f.reason.contains("hunter2"), "{}", f.reason);
    assert!(f.reason.contains("ARN"));
}

#[test]
fn ssm_parameter_arn_is_accepted() {
    let mut v = base();
    v["containers"][0]["secrets"]["DB_PASSWORD"] =
        json!("arn:aws:ssm:eu-central-1:123456789012:parameter/prod/db");
    assert!(check(v).is_ok());
}

#[test]
fn health_check_bounds() {
    let mut v = base();
    v["containers"][0]["healthCheck"]["interval"] = json!(400);
    assert!(
        failure_for(v, "containers[0].healthCheck.interval")
            .reason
            .contains("400")
    );
    let mut v = base();
    v["containers"][0]["healthCheck"]["retries"] = json!(0);
    failure_for(v, "containers[0].healthCheck.retries");
    let mut v = base();
    v["containers"][0]["healthCheck"]["command"] = json!(["curl", "x"]);
    failure_for(v, "containers[0].healthCheck.command");
    let mut v = base();
    v["containers"][0]["healthCheck"]["timeout"] = json!(40);
    failure_for(v, "containers[0].healthCheck.timeout");
}

#[test]
fn container_sums_fit_the_task() {
    let mut v = base();
    v["containers"][0]["cpu"] = json!(512);
    assert!(failure_for(v, "containers").reason.contains("512"));
    let mut v = base();
    v["containers"][0]["memory"] = json!(1024);
    assert!(failure_for(v, "containers").reason.contains("1024"));
}

#[test]
fn depends_on_must_name_a_container() {
    let mut v = base();
    v["containers"][0]["dependsOn"] = json!([{"containerName": "sidecar", "condition": "START"}]);
    assert!(
        failure_for(v, "containers[0].dependsOn[0].containerName")
            .reason
            .contains("sidecar")
    );
}

#[test]
fn bad_role_arn() {
    let mut v = base();
    v["executionRoleArn"] = json!("ecsTaskExecutionRole");
    assert!(
        failure_for(v, "executionRoleArn")
            .reason
            .contains("ecsTaskExecutionRole")
    );
}

#[test]
fn ephemeral_storage_and_stop_timeout_bounds() {
    let mut v = base();
    v["ephemeralStorageGib"] = json!(10);
    failure_for(v, "ephemeralStorageGib");
    let mut v = base();
    v["containers"][0]["stopTimeout"] = json!(500);
    failure_for(v, "containers[0].stopTimeout");
}

#[test]
fn bad_architecture_lists_valid_values() {
    let mut v = base();
    v["runtimePlatform"] = json!({"cpuArchitecture": "ARM"});
    let f = failure_for(v, "runtimePlatform.cpuArchitecture");
    assert!(f.reason.contains("ARM64"), "{}", f.reason);
}

#[test]
fn tag_and_retention_changes_need_no_new_revision() {
    let a: TaskDefinitionInputs = serde_json::from_value(check(base()).unwrap()).unwrap();
    let mut b = a.clone();
    b.tags = Some(BTreeMap::from([("x".into(), "y".into())]));
    b.keep_revisions = Some(1);
    assert!(!needs_new_revision(&a, &b));
    b.containers[0].image = "nginx:1.28".into();
    assert!(needs_new_revision(&a, &b));
}

#[test]
fn preview_of_a_new_revision_leaves_the_arn_unknown() {
    let inputs = check(base()).unwrap();
    let mut olds = inputs.clone();
    olds["arn"] = json!("arn:aws:ecs:us-east-1:123456789012:task-definition/api:1");
    olds["revision"] = json!(1);
    let mut news = inputs.clone();
    news["containers"][0]["image"] = json!("nginx:1.28");
    let out = TaskDefinition.preview_update(&olds, &news);
    assert!(pulumi_rs_proto::value::is_unknown(&out["arn"]));
    // Tags alone keep the ARN.
    let mut news = inputs;
    news["tags"] = json!({"a": "b"});
    let out = TaskDefinition.preview_update(&olds, &news);
    assert_eq!(out["revision"], json!(1));
}

#[test]
fn normalisation_is_idempotent() {
    let mut a: TaskDefinitionInputs = serde_json::from_value(check(base()).unwrap()).unwrap();
    let before = a.clone();
    normalize(&mut a);
    assert_eq!(a, before);
}
