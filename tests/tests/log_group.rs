//! `fargate:logs:LogGroup` through its whole life with the real `pulumi` CLI against moto:
//! create (retention set after CreateLogGroup, no AWS call at preview), no-change preview after
//! up and after refresh, in-place update of retention and tags keeping the ARN, retention
//! changed with the CloudWatch Logs API behind Pulumi's back (refresh records it, up restores
//! it), retention removed (DeleteRetentionPolicy), replacement on a name change, import,
//! delete, and delete of a group already gone.

use fargate_e2e::faults::subject::{STACK, Subject, set_stack_config};
use fargate_e2e::{AwsRecorder, Moto, PulumiProject, exported_resources, logs_call};
use serde_json::{Value, json};

const LOG_GROUP: &str = "fargate:logs:LogGroup";
const EXPORTS: &[&str] = &["arn", "name", "retentionInDays"];

fn configure(project: &PulumiProject, properties: Value) {
    set_stack_config(
        project,
        &[
            ("type".into(), json!(LOG_GROUP)),
            ("properties".into(), properties),
            ("exportProperties".into(), json!(EXPORTS)),
        ],
    );
}

fn show(recorder: &AwsRecorder, phase: &str) {
    println!("AWS calls during {phase}: {:?}\n", recorder.operations());
}

/// `(arn, name)` from the stack outputs.
fn outputs(project: &mut PulumiProject) -> (String, String) {
    let out = project.stack_output_json();
    let text = |k: &str| {
        out[k]
            .as_str()
            .unwrap_or_else(|| panic!("no {k} output: {out}"))
            .to_string()
    };
    (text("arn"), text("name"))
}

/// The log group as moto describes it, or `None`.
fn group(moto: &Moto, name: &str) -> Option<Value> {
    let out = logs_call(
        moto.addr(),
        "DescribeLogGroups",
        &json!({"logGroupNamePrefix": name}),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    out["logGroups"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|g| g["logGroupName"] == name)
        .cloned()
}

fn tags(moto: &Moto, arn: &str) -> Value {
    logs_call(
        moto.addr(),
        "ListTagsForResource",
        &json!({"resourceArn": arn}),
    )
    .unwrap_or_else(|e| panic!("{e}"))["tags"]
        .clone()
}

fn assert_update_in_place(project: &mut PulumiProject) {
    let preview = project.preview_json();
    let steps = preview.steps_of_type(LOG_GROUP);
    assert_eq!(steps.len(), 1, "steps: {:?}", preview.summary());
    assert_eq!(steps[0].op, "update", "{:?}", steps[0].raw);
    assert!(steps[0].replace_reasons.is_empty(), "{:?}", steps[0].raw);
}

#[test]
fn log_group_lifecycle() {
    let moto = Moto::start();
    let recorder = AwsRecorder::start(&moto.url());
    let mut project = Subject::new("bad_input").project("log-group", &recorder.url());
    configure(
        &project,
        json!({"retentionInDays": 30, "tags": {"team": "platform"}}),
    );

    // Preview: one group to create, no AWS call.
    recorder.clear();
    let preview = project.preview_json();
    let steps = preview.steps_of_type(LOG_GROUP);
    assert_eq!(steps.len(), 1, "steps: {:?}", preview.summary());
    assert_eq!(steps[0].op, "create");
    assert_eq!(
        recorder.operations(),
        Vec::<String>::new(),
        "preview called AWS"
    );

    // Up: the group with its tags and URN mark, one describe for the ARN (CreateLogGroup
    // answers nothing), then the retention.
    recorder.clear();
    project.up();
    show(&recorder, "the first up");
    assert_eq!(
        recorder.operations(),
        vec![
            "logs:CreateLogGroup",
            "logs:DescribeLogGroups",
            "logs:PutRetentionPolicy"
        ]
    );
    let (arn, name) = outputs(&mut project);
    assert!(name.starts_with("subject-"), "auto-name: {name}");
    assert_eq!(
        arn,
        format!("arn:aws:logs:us-east-1:123456789012:log-group:{name}"),
        "the ARN without `:*`"
    );
    let live = group(&moto, &name).expect("the log group exists");
    assert_eq!(live["retentionInDays"], 30, "{live}");
    let live_tags = tags(&moto, &arn);
    assert_eq!(live_tags["team"], "platform", "{live_tags}");
    assert!(live_tags.get("fargate:urn").is_some(), "{live_tags}");

    // Nothing to do, without an AWS call; and after refresh.
    recorder.clear();
    project.preview_expect_no_changes();
    assert_eq!(
        recorder.operations(),
        Vec::<String>::new(),
        "preview called AWS"
    );
    recorder.clear();
    project.refresh();
    show(&recorder, "refresh");
    assert_eq!(recorder.mutating_operations(), Vec::<String>::new());
    project.preview_expect_no_changes();

    // In place: a longer retention and other tags; same ARN.
    configure(
        &project,
        json!({"name": name, "retentionInDays": 90, "tags": {"team": "api"}}),
    );
    assert_update_in_place(&mut project);
    recorder.clear();
    project.up();
    show(&recorder, "the in-place update");
    assert_eq!(
        recorder.mutating_operations(),
        vec!["logs:PutRetentionPolicy", "logs:TagResource"]
    );
    assert_eq!(outputs(&mut project), (arn.clone(), name.clone()));
    assert_eq!(group(&moto, &name).unwrap()["retentionInDays"], 90);
    assert_eq!(tags(&moto, &arn)["team"], "api");
    project.preview_expect_no_changes();

    // Drift: the retention shortened with the CloudWatch Logs API. Refresh records it; up
    // puts it back.
    logs_call(
        moto.addr(),
        "PutRetentionPolicy",
        &json!({"logGroupName": name, "retentionInDays": 7}),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    project.refresh();
    let export = project.stack_export();
    let state = &exported_resources(&export, LOG_GROUP)[0];
    assert_eq!(
        state["outputs"]["retentionInDays"], 7,
        "refresh did not record the retention set behind Pulumi's back: {state}"
    );
    assert_update_in_place(&mut project);
    recorder.clear();
    project.up();
    assert_eq!(
        recorder.mutating_operations(),
        vec!["logs:PutRetentionPolicy"]
    );
    assert_eq!(group(&moto, &name).unwrap()["retentionInDays"], 90);
    project.preview_expect_no_changes();

    // Retention removed: events never expire (DeleteRetentionPolicy), in place.
    configure(&project, json!({"name": name, "tags": {"team": "api"}}));
    assert_update_in_place(&mut project);
    recorder.clear();
    project.up();
    assert_eq!(
        recorder.mutating_operations(),
        vec!["logs:DeleteRetentionPolicy"]
    );
    let live = group(&moto, &name).unwrap();
    assert!(live.get("retentionInDays").is_none(), "{live}");
    project.preview_expect_no_changes();
    project.refresh();
    project.preview_expect_no_changes();

    // A new name replaces the group: a new one, the old one gone.
    let renamed = "/ecs/sotex-api";
    let third = json!({"name": renamed, "retentionInDays": 14, "tags": {"team": "api"}});
    configure(&project, third.clone());
    let preview = project.preview_json();
    let steps = preview.steps_of_type(LOG_GROUP);
    assert!(
        steps
            .iter()
            .any(|s| s.op == "replace" || s.op == "create-replacement"),
        "a name change must replace: {:?}",
        preview.summary()
    );
    project.up();
    let (new_arn, new_name) = outputs(&mut project);
    assert_eq!(new_name, renamed);
    assert_ne!(new_arn, arn);
    assert!(
        group(&moto, &name).is_none(),
        "the replaced group is still there"
    );
    assert_eq!(group(&moto, renamed).unwrap()["retentionInDays"], 14);
    project.preview_expect_no_changes();

    // Import into another stack: the group read back equals the program's inputs.
    let mut imported = Subject::new("bad_input").project("log-group-import", &recorder.url());
    configure(&imported, third);
    let out = imported.run(&[
        "import",
        LOG_GROUP,
        "subject",
        renamed,
        "--yes",
        "--protect=false",
        "--generate-code=false",
        "--stack",
        STACK,
    ]);
    assert!(out.success(), "pulumi import failed:\n{out}");
    let export = imported.stack_export();
    let groups = exported_resources(&export, LOG_GROUP);
    assert_eq!(groups.len(), 1, "{export}");
    assert_eq!(groups[0]["id"], renamed);
    assert_eq!(groups[0]["outputs"]["arn"], new_arn.as_str());
    imported.preview_expect_no_changes();

    // Delete; then the first stack's group is gone already: its delete succeeds too.
    recorder.clear();
    imported.destroy();
    assert_eq!(recorder.mutating_operations(), vec!["logs:DeleteLogGroup"]);
    assert!(group(&moto, renamed).is_none());
    project.destroy();
    assert!(exported_resources(&project.stack_export(), LOG_GROUP).is_empty());
}
