use super::*;
use crate::resource::DynResource;
use pulumi_rs_proto::value::UNKNOWN;
use serde_json::json;

fn ctx<'a>(has_unknowns: bool) -> CheckContext<'a> {
    CheckContext {
        name: "task",
        random_seed: b"seed",
        proposed_name: None,
        has_unknowns,
    }
}

fn check(inputs: serde_json::Value) -> Result<serde_json::Value, Vec<CheckFailure>> {
    DynResource::check(&Role, inputs, None, &ctx(false))
}

fn failure_on(inputs: serde_json::Value, property: &str) -> CheckFailure {
    let failures = check(inputs).unwrap_err();
    failures
        .iter()
        .find(|f| f.property == property)
        .cloned()
        .unwrap_or_else(|| panic!("no failure on {property}: {failures:?}"))
}

#[test]
fn missing_name_is_auto_named_within_iam_rules_and_kept() {
    let checked = check(json!({})).unwrap();
    let name = checked["name"].as_str().unwrap().to_string();
    assert!(name.starts_with("task-") && name.len() <= 64, "{name}");
    let again = DynResource::check(
        &Role,
        json!({"description": "x"}),
        Some(checked),
        &ctx(false),
    )
    .unwrap();
    assert_eq!(again["name"], json!(name));
}

#[test]
fn bad_names_and_paths_name_value_and_rule() {
    let f = failure_on(json!({"name": "bad name"}), "name");
    assert!(
        f.reason.contains("`bad name`") && f.reason.contains("1 to 64"),
        "{}",
        f.reason
    );
    failure_on(json!({"name": "a".repeat(65)}), "name");
    assert!(check(json!({"name": "svc+role=a,b.c@d_e-f"})).is_ok());
    let f = failure_on(json!({"path": "service"}), "path");
    assert!(
        f.reason.contains("`service`") && f.reason.contains("`/`"),
        "{}",
        f.reason
    );
    failure_on(json!({"path": "/a b/"}), "path");
    failure_on(json!({"path": format!("/{}/", "a".repeat(520))}), "path");
    assert!(check(json!({"path": "/service/api/"})).is_ok());
}

#[test]
fn max_session_is_bounded_by_the_schema_range() {
    let f = failure_on(json!({"maxSessionDuration": 60}), "maxSessionDuration");
    assert!(f.reason.contains("3600"), "{}", f.reason);
    failure_on(json!({"maxSessionDuration": 43201}), "maxSessionDuration");
    assert!(check(json!({"maxSessionDuration": 43200})).is_ok());
}

#[test]
fn actions_resources_and_managed_arns_are_checked_for_form() {
    for action in [
        "s3:GetObject",
        "logs:Create*",
        "*",
        "ecr:Batch?etImage",
        "ssm:GetParameters",
    ] {
        assert!(is_action(action), "{action}");
    }
    for action in [
        "s3",
        "GetObject",
        "s3:",
        ":Get",
        "S3:GetObject",
        "s3:Get Object",
        "s3:Get:X",
    ] {
        assert!(!is_action(action), "{action}");
    }
    for arn in [
        "*",
        "arn:aws:s3:::bucket/*",
        "arn:aws:logs:*:*:log-group:/ecs/*",
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf",
    ] {
        assert!(is_resource_arn(arn), "{arn}");
    }
    for arn in [
        "bucket",
        "arn:aws:s3",
        "arn:aws::::x",
        "arn:aws:s3:::",
        "aws:s3:::bucket",
    ] {
        assert!(!is_resource_arn(arn), "{arn}");
    }
    assert!(is_managed_policy_arn(
        "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
    ));
    assert!(is_managed_policy_arn(
        "arn:aws:iam::123456789012:policy/team/read"
    ));
    for arn in [
        "AmazonECSTaskExecutionRolePolicy",
        "arn:aws:iam::aws:role/x",
        "arn:aws:iam::12:policy/x",
        "arn:aws:iam:us-east-1:aws:policy/x",
    ] {
        assert!(!is_managed_policy_arn(arn), "{arn}");
    }

    let f = failure_on(
        json!({"inlinePolicies": {"read": [{"actions": ["s3GetObject"], "resources": ["*"]}]}}),
        "inlinePolicies.read[0].actions[0]",
    );
    assert!(
        f.reason.contains("`s3GetObject`") && f.reason.contains("service:Action"),
        "{}",
        f.reason
    );
    let f = failure_on(
        json!({"inlinePolicies": {"read": [{"actions": ["s3:GetObject"], "resources": ["my-bucket"]}]}}),
        "inlinePolicies.read[0].resources[0]",
    );
    assert!(
        f.reason.contains("`my-bucket`") && f.reason.contains("arn:<partition>"),
        "{}",
        f.reason
    );
    let f = failure_on(
        json!({"managedPolicyArns": ["AmazonECSTaskExecutionRolePolicy"]}),
        "managedPolicyArns[0]",
    );
    assert!(
        f.reason.contains("arn:aws:iam::aws:policy/"),
        "{}",
        f.reason
    );
    failure_on(
        json!({"inlinePolicies": {"bad name": [{"actions": ["s3:GetObject"], "resources": ["*"]}]}}),
        "inlinePolicies.bad name",
    );
    let f = failure_on(
        json!({"inlinePolicies": {"p": [{"effect": "allow", "actions": ["s3:GetObject"], "resources": ["*"]}]}}),
        "inlinePolicies.p[0].effect",
    );
    assert!(f.reason.contains("allow"), "{}", f.reason);
    failure_on(
        json!({"assumeRolePolicy": [{"principals": {}, "actions": ["sts:AssumeRole"]}]}),
        "assumeRolePolicy[0].principals",
    );
    failure_on(
        json!({"assumeRolePolicy": [{"principals": {"aws": ["bob"]}}]}),
        "assumeRolePolicy[0].principals.aws[0]",
    );
}

#[test]
fn sizes_over_iam_limits_are_rejected_at_preview() {
    let resources: Vec<String> = (0..400)
        .map(|i| format!("arn:aws:s3:::bucket-number-{i:04}/*"))
        .collect();
    let f = failure_on(
        json!({"inlinePolicies": {"big": [{"actions": ["s3:GetObject"], "resources": resources}]}}),
        "inlinePolicies",
    );
    assert!(f.reason.contains("10240"), "{}", f.reason);
    let arns: Vec<String> = (0..21)
        .map(|i| format!("arn:aws:iam::123456789012:policy/p{i}"))
        .collect();
    failure_on(json!({"managedPolicyArns": arns}), "managedPolicyArns");
    let services: Vec<String> = (0..200)
        .map(|i| format!("svc{i:03}.amazonaws.com"))
        .collect();
    let f = failure_on(
        json!({"assumeRolePolicy": [{"principals": {"services": services}}]}),
        "assumeRolePolicy",
    );
    assert!(f.reason.contains("2048"), "{}", f.reason);
}

#[test]
fn unknown_values_are_not_checked() {
    let checked = DynResource::check(
        &Role,
        json!({"managedPolicyArns": [UNKNOWN], "inlinePolicies": {"p": [{"actions": ["s3:GetObject"], "resources": [UNKNOWN]}]}}),
        None,
        &ctx(true),
    );
    assert!(checked.is_ok(), "{checked:?}");
}

#[test]
fn check_normalises_order_and_duplicates() {
    let checked = check(json!({
        "managedPolicyArns": ["arn:aws:iam::aws:policy/b", "arn:aws:iam::aws:policy/a", "arn:aws:iam::aws:policy/a"],
        "inlinePolicies": {"p": [
            {"actions": ["s3:PutObject", "s3:GetObject"], "resources": ["arn:aws:s3:::b/*", "arn:aws:s3:::a/*"]},
            {"effect": "Deny", "actions": ["s3:DeleteObject"], "resources": ["*"]}
        ]},
        "tags": {}
    }))
    .unwrap();
    assert_eq!(
        checked["managedPolicyArns"],
        json!(["arn:aws:iam::aws:policy/a", "arn:aws:iam::aws:policy/b"])
    );
    let reordered = check(json!({
        "name": checked["name"],
        "managedPolicyArns": ["arn:aws:iam::aws:policy/a", "arn:aws:iam::aws:policy/b"],
        "inlinePolicies": {"p": [
            {"effect": "Deny", "actions": ["s3:DeleteObject"], "resources": ["*"]},
            {"effect": "Allow", "actions": ["s3:GetObject", "s3:PutObject"], "resources": ["arn:aws:s3:::a/*", "arn:aws:s3:::b/*"]}
        ]}
    }))
    .unwrap();
    assert_eq!(checked, reordered);
    assert!(checked.get("tags").is_none());
}

#[test]
fn documents_read_back_in_any_spelling_equal_the_inputs() {
    let statements = normalise_statements(vec![
        PolicyStatement {
            sid: None,
            effect: Effect::Allow,
            actions: vec!["ssm:GetParameters".into(), "kms:Decrypt".into()],
            resources: vec!["arn:aws:ssm:us-east-1:123456789012:parameter/db".into()],
            conditions: None,
        },
        PolicyStatement {
            sid: Some("Logs".into()),
            effect: Effect::Allow,
            actions: vec!["logs:PutLogEvents".into()],
            resources: vec!["*".into()],
            conditions: Some(BTreeMap::from([(
                "StringEquals".to_string(),
                BTreeMap::from([(
                    "aws:RequestedRegion".to_string(),
                    vec!["us-east-1".to_string()],
                )]),
            )])),
        },
    ]);
    // Our own document round-trips.
    assert_eq!(
        parse_policy(&policy_document(&statements)).unwrap(),
        statements
    );
    // IAM's answer: single values as strings, another statement order, URL-encoded, spaces.
    let answered = r#"{ "Version": "2012-10-17", "Statement": [
        {"Sid": "Logs", "Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*",
         "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}},
        {"Effect": "Allow", "Action": ["kms:Decrypt", "ssm:GetParameters"],
         "Resource": "arn:aws:ssm:us-east-1:123456789012:parameter/db"} ] }"#;
    let encoded: String = answered
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    let decoded = crate::aws::iam::decode_policy_document(&encoded);
    assert_eq!(parse_policy(&decoded).unwrap(), statements);
    // A single statement object rather than a list.
    let single =
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}"#;
    assert_eq!(parse_policy(single).unwrap()[0].effect, Effect::Deny);
    // What we cannot model is said, not dropped.
    let not_action = r#"{"Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}"#;
    assert!(
        parse_policy(not_action)
            .unwrap_err()
            .to_string()
            .contains("NotAction")
    );
}

#[test]
fn default_trust_reads_back_as_absent_and_star_principal_as_aws_star() {
    let document = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"}}}]}"#;
    assert_eq!(
        parse_trust(document).unwrap(),
        default_trust("123456789012")
    );
    assert_eq!(
        parse_trust(&trust_document(&default_trust("123456789012"))).unwrap(),
        default_trust("123456789012")
    );
    let star = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}"#;
    assert_eq!(
        parse_trust(star).unwrap()[0].principals.aws,
        Some(vec!["*".to_string()])
    );
}

fn role(trust: &str, path: &str, max_session: i32) -> aws_sdk_iam::types::Role {
    aws_sdk_iam::types::Role::builder()
        .role_name("task-1")
        .role_id("AROAEXAMPLE")
        .arn("arn:aws:iam::123456789012:role/task-1")
        .path(path)
        .create_date(aws_smithy_types::DateTime::from_secs(0))
        .assume_role_policy_document(trust)
        .max_session_duration(max_session)
        .build()
        .unwrap()
}

#[test]
fn read_of_what_create_made_equals_the_checked_inputs() {
    let checked: RoleInputs = serde_json::from_value(
        check(json!({
            "name": "task-1",
            "managedPolicyArns": ["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"],
            "inlinePolicies": {"secrets": [{"actions": ["ssm:GetParameters"], "resources": ["arn:aws:ssm:us-east-1:123456789012:parameter/db"]}]}
        }))
        .unwrap(),
    )
    .unwrap();
    let trust = trust_document(&default_trust("123456789012"));
    let encoded = trust
        .replace('{', "%7B")
        .replace('}', "%7D")
        .replace('"', "%22");
    let inline = checked
        .inline_policies
        .iter()
        .flatten()
        .map(|(n, s)| (n.clone(), policy_document(s)))
        .collect();
    let (inputs, document) = inputs_from_aws(
        &role(&encoded, "/", 3600),
        checked.managed_policy_arns.clone().unwrap(),
        &inline,
        &checked,
        &BTreeMap::new(),
        &BTreeMap::new(),
    )
    .unwrap();
    assert_eq!(inputs, checked);
    assert_eq!(document, trust);
    // Import (no earlier inputs) of the same role reads the same.
    let (imported, _) = inputs_from_aws(
        &role(&encoded, "/", 3600),
        checked.managed_policy_arns.clone().unwrap(),
        &inline,
        &RoleInputs::default(),
        &BTreeMap::new(),
        &BTreeMap::new(),
    )
    .unwrap();
    assert_eq!(imported, checked);
    // A trust changed behind Pulumi's back shows up as a value.
    let other = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let (drifted, _) = inputs_from_aws(
        &role(other, "/", 7200),
        vec![],
        &BTreeMap::new(),
        &checked,
        &BTreeMap::new(),
        &BTreeMap::new(),
    )
    .unwrap();
    assert!(drifted.assume_role_policy.is_some());
    assert_eq!(drifted.max_session_duration, Some(7200));
    assert_eq!(drifted.managed_policy_arns, None);
}

#[test]
fn name_and_path_replace_policies_update_in_place() {
    let old = json!({"name": "a", "managedPolicyArns": ["arn:aws:iam::aws:policy/x"]});
    let diff = |news: serde_json::Value| {
        DynResource::diff(
            &Role,
            &crate::resource::DiffInput {
                old_inputs: &old,
                old_outputs: &old,
                news: &news,
                default_tags: &BTreeMap::new(),
            },
        )
    };
    assert!(
        !diff(json!({"name": "b", "managedPolicyArns": ["arn:aws:iam::aws:policy/x"]}))
            .replaces
            .is_empty()
    );
    assert!(
        !diff(
            json!({"name": "a", "path": "/x/", "managedPolicyArns": ["arn:aws:iam::aws:policy/x"]})
        )
        .replaces
        .is_empty()
    );
    let update = diff(json!({"name": "a", "managedPolicyArns": ["arn:aws:iam::aws:policy/y"]}));
    assert!(
        update.replaces.is_empty() && !update.changes.is_empty(),
        "{update:?}"
    );
}
