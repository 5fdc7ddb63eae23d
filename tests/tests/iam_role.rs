//! `fargate:iam:Role` through its whole life with the real `pulumi` CLI against moto: create
//! (default ECS-tasks trust on the caller's account), no-change preview after up and after
//! refresh, in-place update of trust, inline and managed policies keeping the ARN, drift made
//! with the IAM API and restored, replacement on a name change, import, delete, delete of a
//! role already gone, and a create whose policy attachment fails continuing on the next up.

use fargate_e2e::faults::subject::{STACK, Subject, set_stack_config};
use fargate_e2e::{AwsRecorder, Moto, PulumiProject, exported_resources, iam_query, xml_values};
use serde_json::{Value, json};

const ROLE: &str = "fargate:iam:Role";
const EXECUTION_POLICY: &str =
    "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";
const S3_READ_POLICY: &str = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";
/// moto's account.
const ACCOUNT: &str = "123456789012";
const EXPORTS: &[&str] = &["arn", "name", "roleId", "assumeRolePolicyDocument"];

fn configure(project: &PulumiProject, properties: Value) {
    set_stack_config(
        project,
        &[
            ("type".into(), json!(ROLE)),
            ("properties".into(), properties),
            ("exportProperties".into(), json!(EXPORTS)),
        ],
    );
}

fn show(recorder: &AwsRecorder, phase: &str) {
    println!("AWS calls during {phase}: {:?}\n", recorder.operations());
}

/// `(arn, name, roleId)` from the stack outputs.
fn outputs(project: &mut PulumiProject) -> (String, String, String) {
    let out = project.stack_output_json();
    let text = |k: &str| {
        out[k]
            .as_str()
            .unwrap_or_else(|| panic!("no {k} output: {out}"))
            .to_string()
    };
    (text("arn"), text("name"), text("roleId"))
}

fn iam(moto: &Moto, action: &str, params: &[(&str, &str)]) -> String {
    iam_query(moto.addr(), action, params).unwrap_or_else(|e| panic!("{e}"))
}

/// IAM answers policy documents URL-encoded; moto may not.
fn url_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

fn xml_unescaped(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn role_exists(moto: &Moto, name: &str) -> bool {
    match iam_query(moto.addr(), "GetRole", &[("RoleName", name)]) {
        Ok(_) => true,
        Err(e) if e.contains("NoSuchEntity") => false,
        Err(e) => panic!("{e}"),
    }
}

fn attached(moto: &Moto, name: &str) -> Vec<String> {
    let mut arns = xml_values(
        &iam(moto, "ListAttachedRolePolicies", &[("RoleName", name)]),
        "PolicyArn",
    );
    arns.sort();
    arns
}

fn inline_names(moto: &Moto, name: &str) -> Vec<String> {
    let xml = iam(moto, "ListRolePolicies", &[("RoleName", name)]);
    let mut names = xml_values(&xml, "member");
    names.sort();
    names
}

fn inline_document(moto: &Moto, role: &str, policy: &str) -> Value {
    let xml = iam(
        moto,
        "GetRolePolicy",
        &[("RoleName", role), ("PolicyName", policy)],
    );
    let text = xml_values(&xml, "PolicyDocument")
        .pop()
        .unwrap_or_else(|| panic!("no PolicyDocument: {xml}"));
    serde_json::from_str(&url_decoded(&xml_unescaped(&text))).unwrap()
}

fn trust_document(moto: &Moto, role: &str) -> Value {
    let xml = iam(moto, "GetRole", &[("RoleName", role)]);
    let text = xml_values(&xml, "AssumeRolePolicyDocument")
        .pop()
        .unwrap_or_else(|| panic!("no AssumeRolePolicyDocument: {xml}"));
    serde_json::from_str(&url_decoded(&xml_unescaped(&text))).unwrap()
}

fn first_version() -> Value {
    json!({
        "managedPolicyArns": [EXECUTION_POLICY],
        "inlinePolicies": {
            "logs": [{
                "actions": ["logs:PutLogEvents", "logs:CreateLogStream"],
                "resources": [format!("arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/ecs/api:*")]
            }]
        },
        "tags": {"team": "platform"}
    })
}

/// Trust, inline and managed policies, description and session length changed; name kept.
fn second_version() -> Value {
    json!({
        "description": "task role of the api",
        "maxSessionDuration": 7200,
        "assumeRolePolicy": [{
            "principals": {"services": ["ecs-tasks.amazonaws.com"]},
            "conditions": {"ArnLike": {"aws:SourceArn": [format!("arn:aws:ecs:us-east-1:{ACCOUNT}:*")]}}
        }],
        "managedPolicyArns": [S3_READ_POLICY, EXECUTION_POLICY],
        "inlinePolicies": {
            "logs": [
                {"effect": "Deny", "actions": ["logs:DeleteLogGroup"], "resources": ["*"]},
                {
                    "actions": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "resources": [format!("arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/ecs/api:*")]
                }
            ],
            "secrets": [{
                "actions": ["ssm:GetParameters"],
                "resources": [format!("arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/api/db")]
            }]
        },
        "tags": {"team": "platform"}
    })
}

#[test]
fn iam_role_lifecycle() {
    let moto = Moto::start();
    let recorder = AwsRecorder::start(&moto.url());
    let mut project = Subject::new("bad_input").project("iam-role", &recorder.url());
    configure(&project, first_version());

    // Preview: one role to create, no AWS call (the account of the default trust stays unknown).
    recorder.clear();
    let preview = project.preview_json();
    show(&recorder, "the first preview");
    let steps = preview.steps_of_type(ROLE);
    assert_eq!(steps.len(), 1, "steps: {:?}", preview.summary());
    assert_eq!(steps[0].op, "create");
    assert_eq!(
        recorder.operations(),
        Vec::<String>::new(),
        "preview called AWS"
    );

    // Up: the role with the default trust on moto's account, the policy attached, the inline
    // policy put, tags and the URN mark set.
    recorder.clear();
    project.up();
    show(&recorder, "the first up");
    assert_eq!(recorder.count("iam:CreateRole"), 1);
    assert_eq!(recorder.count("sts:GetCallerIdentity"), 1);
    let (arn, name, role_id) = outputs(&mut project);
    assert!(name.starts_with("subject-"), "auto-name: {name}");
    assert_eq!(arn, format!("arn:aws:iam::{ACCOUNT}:role/{name}"));
    assert!(!role_id.is_empty());
    let trust = trust_document(&moto, &name);
    let statement = &trust["Statement"][0];
    assert!(
        statement["Principal"]["Service"]
            .to_string()
            .contains("ecs-tasks.amazonaws.com"),
        "{trust}"
    );
    assert!(
        statement["Condition"]["StringEquals"]["aws:SourceAccount"]
            .to_string()
            .contains(ACCOUNT),
        "{trust}"
    );
    assert_eq!(attached(&moto, &name), vec![EXECUTION_POLICY.to_string()]);
    assert_eq!(inline_names(&moto, &name), vec!["logs".to_string()]);
    let logs = inline_document(&moto, &name, "logs");
    assert!(logs.to_string().contains("logs:PutLogEvents"), "{logs}");
    let tags_xml = iam(&moto, "ListRoleTags", &[("RoleName", &name)]);
    let keys = xml_values(&tags_xml, "Key");
    assert!(
        keys.contains(&"team".to_string()) && keys.contains(&"fargate:urn".to_string()),
        "{tags_xml}"
    );

    // Nothing to do, without an AWS call; and after refresh (IAM's answers normalised).
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

    // In-place update: trust, inline and managed policies, description, session length.
    let mut second = second_version();
    second["name"] = json!(name);
    configure(&project, second);
    let preview = project.preview_json();
    let steps = preview.steps_of_type(ROLE);
    assert_eq!(steps.len(), 1, "steps: {:?}", preview.summary());
    assert_eq!(steps[0].op, "update", "{:?}", steps[0].raw);
    assert!(steps[0].replace_reasons.is_empty(), "{:?}", steps[0].raw);
    recorder.clear();
    project.up();
    show(&recorder, "the in-place update");
    let mutating = recorder.mutating_operations();
    for op in ["iam:CreateRole", "iam:DeleteRole"] {
        assert!(
            !mutating.iter().any(|o| o == op),
            "{op} in an update: {mutating:?}"
        );
    }
    for op in [
        "iam:UpdateAssumeRolePolicy",
        "iam:PutRolePolicy",
        "iam:AttachRolePolicy",
        "iam:UpdateRole",
    ] {
        assert!(mutating.iter().any(|o| o == op), "no {op}: {mutating:?}");
    }
    assert_eq!(
        outputs(&mut project),
        (arn.clone(), name.clone(), role_id.clone())
    );
    let mut both = vec![EXECUTION_POLICY.to_string(), S3_READ_POLICY.to_string()];
    both.sort();
    assert_eq!(attached(&moto, &name), both);
    assert_eq!(
        inline_names(&moto, &name),
        vec!["logs".to_string(), "secrets".to_string()]
    );
    assert!(
        inline_document(&moto, &name, "logs")
            .to_string()
            .contains("Deny")
    );
    let trust = trust_document(&moto, &name);
    assert!(trust.to_string().contains("aws:SourceArn"), "{trust}");
    let role_xml = iam(&moto, "GetRole", &[("RoleName", &name)]);
    assert_eq!(xml_values(&role_xml, "MaxSessionDuration"), vec!["7200"]);
    project.preview_expect_no_changes();
    project.refresh();
    project.preview_expect_no_changes();

    // Drift: a policy detached with the IAM API; refresh sees it, up attaches it again.
    iam(
        &moto,
        "DetachRolePolicy",
        &[("RoleName", &name), ("PolicyArn", S3_READ_POLICY)],
    );
    project.refresh();
    let export = project.stack_export();
    let state = &exported_resources(&export, ROLE)[0];
    assert_eq!(
        state["outputs"]["managedPolicyArns"],
        json!([EXECUTION_POLICY]),
        "refresh did not record the detached policy: {state}"
    );
    let preview = project.preview_json();
    let steps = preview.steps_of_type(ROLE);
    assert_eq!(steps[0].op, "update", "{:?}", steps[0].raw);
    recorder.clear();
    project.up();
    assert_eq!(
        recorder.count("iam:AttachRolePolicy"),
        1,
        "{:?}",
        recorder.operations()
    );
    assert_eq!(attached(&moto, &name), both);
    project.preview_expect_no_changes();

    // A new name replaces the role: a new one with the policies, the old one gone.
    let renamed = "api-task-role";
    let mut third = second_version();
    third["name"] = json!(renamed);
    configure(&project, third.clone());
    let preview = project.preview_json();
    let steps = preview.steps_of_type(ROLE);
    assert!(
        steps
            .iter()
            .any(|s| s.op == "replace" || s.op == "create-replacement"),
        "a name change must replace: {:?}",
        preview.summary()
    );
    project.up();
    let (new_arn, new_name, new_id) = outputs(&mut project);
    assert_eq!(new_name, renamed);
    assert_ne!(new_arn, arn);
    assert_ne!(new_id, role_id);
    assert!(
        !role_exists(&moto, &name),
        "the replaced role is still there"
    );
    assert_eq!(attached(&moto, renamed), both);
    project.preview_expect_no_changes();

    // Import into another stack: the role read back equals the program's inputs.
    let mut imported = Subject::new("bad_input").project("iam-role-import", &recorder.url());
    configure(&imported, third);
    let out = imported.run(&[
        "import",
        ROLE,
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
    let roles = exported_resources(&export, ROLE);
    assert_eq!(roles.len(), 1, "{export}");
    assert_eq!(roles[0]["id"], renamed);
    assert_eq!(roles[0]["outputs"]["arn"], new_arn.as_str());
    imported.preview_expect_no_changes();

    // Delete: attached and inline policies go first, then the role. One more inline policy,
    // put behind Pulumi's back, makes IAM refuse the delete (DeleteConflict): the role's own
    // policies are then listed and removed, and the delete goes through.
    let by_hand = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]});
    iam_query(
        moto.addr(),
        "PutRolePolicy",
        &[
            ("RoleName", renamed),
            ("PolicyName", "added-by-hand"),
            ("PolicyDocument", &by_hand.to_string()),
        ],
    )
    .unwrap();
    recorder.clear();
    imported.destroy();
    show(&recorder, "destroy of the imported role");
    assert_eq!(
        recorder.count("iam:ListRolePolicies"),
        1,
        "{:?}",
        recorder.operations()
    );
    let ops = recorder.mutating_operations();
    let position = |op: &str| ops.iter().position(|o| o == op);
    let delete_role = position("iam:DeleteRole").expect("DeleteRole called");
    assert!(
        position("iam:DetachRolePolicy").is_some_and(|p| p < delete_role),
        "{ops:?}"
    );
    assert!(
        position("iam:DeleteRolePolicy").is_some_and(|p| p < delete_role),
        "{ops:?}"
    );
    assert!(!role_exists(&moto, renamed));

    // The first stack's role is now gone already: its delete succeeds and empties the state.
    project.destroy();
    assert!(exported_resources(&project.stack_export(), ROLE).is_empty());
}

#[test]
fn a_role_whose_policy_cannot_be_attached_is_kept_and_finished_by_the_next_up() {
    let moto = Moto::start();
    let mut project = Subject::new("bad_input").project("iam-role-partial", &moto.url());
    let missing = format!("arn:aws:iam::{ACCOUNT}:policy/does-not-exist");
    configure(
        &project,
        json!({"name": "partial-role", "managedPolicyArns": [EXECUTION_POLICY, missing]}),
    );
    let out = project.try_up();
    assert!(
        !out.success(),
        "attaching a missing policy must fail:\n{out}"
    );
    assert!(
        out.combined().contains("does-not-exist"),
        "the error names the policy:\n{out}"
    );
    // The role exists and is in the state, so nothing is orphaned.
    assert!(role_exists(&moto, "partial-role"));
    let export = project.stack_export();
    let roles = exported_resources(&export, ROLE);
    assert_eq!(
        roles.len(),
        1,
        "the half-made role is not in the state: {export}"
    );
    assert_eq!(roles[0]["id"], "partial-role");

    // Fixed: the next up continues with the same role.
    configure(
        &project,
        json!({"name": "partial-role", "managedPolicyArns": [EXECUTION_POLICY]}),
    );
    project.up();
    assert_eq!(
        attached(&moto, "partial-role"),
        vec![EXECUTION_POLICY.to_string()]
    );
    project.preview_expect_no_changes();
    project.destroy();
    assert!(!role_exists(&moto, "partial-role"));
}
