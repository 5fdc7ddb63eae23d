//! Bad inputs, data-driven: every case of `tests/data/bad_inputs.json` (at least 40, across all
//! seven resources) is declared by the raw-resource example and run through `pulumi preview`,
//! which must fail with exactly one error line, naming the property path and the offending value, with the
//! recording proxy seeing no AWS call and moto holding nothing afterwards.
//!
//! Bad values of the stack program's own configuration (`Pulumi.<stack>.yaml`) are the table of
//! `bad_stack_yaml_fails_at_preview` in `tests/stack.rs`.

use std::path::PathBuf;

use fargate_e2e::faults::inventory::moto_inventory;
use fargate_e2e::faults::subject::{Subject, set_stack_config};
use fargate_e2e::{AwsRecorder, Moto, tools};
use serde_json::{Value, json};

/// One bad input.
#[derive(Debug, Clone)]
struct Case {
    id: String,
    type_token: String,
    properties: Value,
    unknown: Vec<String>,
    property: String,
    value: String,
    /// A text that must appear nowhere in the output (a secret input such as an SSM value).
    absent: Option<String>,
}

fn data_file(name: &str) -> PathBuf {
    tools::workspace_root().join("tests/data").join(name)
}

fn load_cases() -> Vec<Case> {
    let path = data_file("bad_inputs.json");
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = |v: &Value, what: &str| {
        v.as_str()
            .unwrap_or_else(|| panic!("case without {what}: {v}"))
            .to_string()
    };
    doc["cases"]
        .as_array()
        .expect("a `cases` list")
        .iter()
        .map(|c| {
            let type_token = text(&c["type"], "type");
            let mut properties = doc["bases"][&type_token].clone();
            assert!(properties.is_object(), "no base for {type_token}");
            for (k, v) in c["set"].as_object().expect("`set` object") {
                properties[k] = v.clone();
            }
            Case {
                id: text(&c["id"], "id"),
                type_token,
                properties,
                unknown: c["unknown"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|u| text(u, "unknown"))
                    .collect(),
                property: text(&c["property"], "property"),
                value: text(&c["value"], "value"),
                absent: c["absent"].as_str().map(str::to_string),
            }
        })
        .collect()
}

/// Whether one line of the output names `property` and `value` as a problem.
fn names_property_and_value(line: &str, property: &str, value: &str) -> bool {
    line.contains(value)
        && (line.contains(&format!("property {property} "))
            || line.contains(&format!("{property}: ")))
}

/// Runs every case of `type_token` (or of every type when `None`) against one moto, one
/// recorder and one project; reports all misses together.
fn run_cases(type_token: &str) {
    let cases: Vec<Case> = load_cases()
        .into_iter()
        .filter(|c| c.type_token == type_token)
        .collect();
    assert!(!cases.is_empty(), "no cases for {type_token}");
    let moto = Moto::start();
    let recorder = AwsRecorder::start(&moto.url());
    let mut project = Subject::new("bad_input").project("bad-inputs", &recorder.url());
    let mut misses = Vec::new();
    for case in &cases {
        set_stack_config(
            &project,
            &[
                ("type".into(), json!(case.type_token)),
                ("properties".into(), case.properties.clone()),
                ("unknownProperties".into(), json!(case.unknown)),
            ],
        );
        recorder.clear();
        let out = project.try_preview();
        let text = out.combined();
        // Exactly one error line, and it names the property and the value.
        let errors: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("error:"))
            .collect();
        let named =
            errors.len() == 1 && names_property_and_value(errors[0], &case.property, &case.value);
        let calls = recorder.operations();
        let echoed = case
            .absent
            .as_ref()
            .is_some_and(|a| text.contains(a.as_str()));
        if out.success() || !named || !calls.is_empty() || text.contains("panicked") || echoed {
            misses.push(format!(
                "{}: success={} one error line naming `{}` and `{}`={named} (error lines: {}) AWS calls={calls:?} echoed {:?}={echoed}\n{out}",
                case.id,
                out.success(),
                case.property,
                case.value,
                errors.len(),
                case.absent,
            ));
        }
    }
    let created = moto_inventory(moto.addr());
    println!(
        "RELIABILITY bad_inputs type={type_token} tried={} rejected_with_property_and_value={} aws_calls=0 created={}",
        cases.len(),
        cases.len() - misses.len(),
        created.len()
    );
    assert!(
        misses.is_empty(),
        "{} of {} bad inputs of {type_token} were not rejected as required:\n{}",
        misses.len(),
        cases.len(),
        misses.join("\n")
    );
    assert!(created.is_empty(), "previews created {created:?}");
}

#[test]
fn the_table_is_big_and_covers_every_resource() {
    let cases = load_cases();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let mut ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), cases.len(), "case ids must be unique");
    for token in [
        "fargate:ecs:Cluster",
        "fargate:ecs:TaskDefinition",
        "fargate:ecs:Service",
        "fargate:lb:LoadBalancer",
        "fargate:lb:TargetGroup",
        "fargate:lb:Listener",
        "fargate:ec2:SecurityGroup",
    ] {
        assert!(
            cases.iter().filter(|c| c.type_token == token).count() >= 3,
            "fewer than 3 cases for {token}"
        );
    }
}

#[test]
fn property_and_value_matching_is_strict() {
    let line = "error: fargate:ecs:Service resource 'subject': property desiredCount value {-1} has a problem: invalid value: integer `-1`, expected u32";
    assert!(names_property_and_value(line, "desiredCount", "-1"));
    assert!(!names_property_and_value(line, "desiredCount", "-2"));
    assert!(!names_property_and_value(line, "name", "-1"));
}

#[test]
fn bad_cluster_inputs() {
    run_cases("fargate:ecs:Cluster");
}

#[test]
fn bad_task_definition_inputs() {
    run_cases("fargate:ecs:TaskDefinition");
}

#[test]
fn bad_service_inputs() {
    run_cases("fargate:ecs:Service");
}

#[test]
fn bad_load_balancer_inputs() {
    run_cases("fargate:lb:LoadBalancer");
}

#[test]
fn bad_target_group_inputs() {
    run_cases("fargate:lb:TargetGroup");
}

#[test]
fn bad_listener_inputs() {
    run_cases("fargate:lb:Listener");
}

#[test]
fn bad_iam_role_inputs() {
    run_cases("fargate:iam:Role");
}

#[test]
fn bad_log_group_inputs() {
    run_cases("fargate:logs:LogGroup");
}

#[test]
fn bad_ecr_repository_inputs() {
    run_cases("fargate:ecr:Repository");
}

#[test]
fn bad_ssm_parameter_inputs() {
    run_cases("fargate:ssm:Parameter");
}

#[test]
fn bad_security_group_inputs() {
    run_cases("fargate:ec2:SecurityGroup");
}

/// A resource whose check fails while `getNetwork` is still running (its AWS call held back by
/// the proxy): the engine shuts down and cuts the call off, and the run shows the real error
/// only — no second error about the closing connection.
#[test]
fn a_failed_check_during_an_invoke_is_the_only_error() {
    use fargate_e2e::faults::{FaultKind, FaultProxy, FaultRule};
    use std::time::Duration;

    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto.url());
    proxy.add_rule(FaultRule::new(
        "ec2:DescribeVpcs",
        FaultKind::Latency(Duration::from_secs(10)),
        10,
    ));
    let mut project = Subject::new("bad_input").project("invoke-cut-off", &proxy.url());
    set_stack_config(
        &project,
        &[
            ("type".into(), json!("fargate:ecs:Cluster")),
            ("properties".into(), json!({"name": "bad name!"})),
            ("alsoGetNetwork".into(), json!(true)),
        ],
    );
    let out = project.try_preview();
    let text = out.combined();
    let errors: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("error:"))
        .collect();
    assert!(!out.success(), "{text}");
    // The held-back call reached the proxy (a fault fires when a request arrives).
    assert!(
        !proxy.fired().is_empty(),
        "getNetwork was not in flight:\n{text}"
    );
    assert_eq!(errors.len(), 1, "exactly one error line:\n{text}");
    assert!(
        names_property_and_value(errors[0], "name", "bad name!"),
        "{}",
        errors[0]
    );
    assert!(!text.contains("connection is closing"), "{text}");
}
