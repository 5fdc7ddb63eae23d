use super::*;
use crate::resource::DynResource;
use pulumi_rs_proto::value::UNKNOWN;
use serde_json::json;

fn ctx<'a>(name: &'a str, has_unknowns: bool) -> CheckContext<'a> {
    CheckContext {
        name,
        random_seed: b"seed",
        proposed_name: None,
        has_unknowns,
    }
}

fn check(inputs: serde_json::Value) -> Result<serde_json::Value, Vec<CheckFailure>> {
    DynResource::check(&Repository, inputs, None, &ctx("images", false))
}

/// The one failure `inputs` gets, which must be on `property`.
fn failure_on(inputs: serde_json::Value, property: &str) -> CheckFailure {
    let failures = check(inputs).unwrap_err();
    assert_eq!(failures.len(), 1, "one failure: {failures:?}");
    assert_eq!(failures[0].property, property, "{failures:?}");
    failures[0].clone()
}

fn name_pattern() -> regex::Regex {
    regex::Regex::new(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$").unwrap()
}

#[test]
fn defaults_are_immutable_no_scan_no_force_and_auto_name_is_lowercase() {
    let checked = check(json!({})).unwrap();
    assert_eq!(checked["imageTagMutability"], "IMMUTABLE");
    assert_eq!(checked["scanOnPush"], false);
    assert_eq!(checked["forceDelete"], false);
    let name = checked["name"].as_str().unwrap();
    assert!(
        name.starts_with("images-") && name_pattern().is_match(name),
        "{name}"
    );
    for base in ["Sotex API", "web..v2", "--x__y--", "A/B", "___"] {
        let n = repository_auto_name(base, b"seed");
        assert!(
            name_pattern().is_match(&n) && n.len() >= 2 && n.len() <= NAME_MAX,
            "{base} → {n}"
        );
    }
    assert!(repository_auto_name("Sotex API", b"s").starts_with("sotex-api-"));
    let kept = DynResource::check(
        &Repository,
        json!({"scanOnPush": true}),
        Some(checked.clone()),
        &ctx("images", false),
    )
    .unwrap();
    assert_eq!(kept["name"], checked["name"]);
}

#[test]
fn names_follow_ecr_rules() {
    for ok in ["ab", "sotex/api", "a.b_c-d/e1", "api-2"] {
        assert!(check(json!({"name": ok})).is_ok(), "{ok}");
    }
    let f = failure_on(json!({"name": "Sotex/API"}), "name");
    assert!(
        f.reason.contains("`Sotex/API`") && f.reason.contains("lowercase"),
        "{}",
        f.reason
    );
    for bad in ["a--b", "-api", "api/", "a//b", "api_"] {
        failure_on(json!({"name": bad}), "name");
    }
    let f = failure_on(json!({"name": "a"}), "name");
    assert!(f.reason.contains("2 to 256"), "{}", f.reason);
    failure_on(json!({"name": "a".repeat(257)}), "name");
    let f = failure_on(
        json!({"imageTagMutability": "immutable"}),
        "imageTagMutability",
    );
    assert!(f.reason.contains("IMMUTABLE"), "{}", f.reason);
}

#[test]
fn lifecycle_rules_are_checked_at_preview() {
    let f = failure_on(
        json!({"lifecycleRules": [{"tagStatus": "untagged", "keepLastCount": 0}]}),
        "lifecycleRules[0].keepLastCount",
    );
    assert!(f.reason.contains("at least 1"), "{}", f.reason);
    failure_on(
        json!({"lifecycleRules": [{"tagStatus": "untagged", "expireAfterDays": 0}]}),
        "lifecycleRules[0].expireAfterDays",
    );
    let f = failure_on(
        json!({"lifecycleRules": [{"tagStatus": "untagged", "keepLastCount": 5, "expireAfterDays": 7}]}),
        "lifecycleRules[0]",
    );
    assert!(
        f.reason.contains("exactly one") && f.reason.contains('5') && f.reason.contains('7'),
        "{}",
        f.reason
    );
    failure_on(
        json!({"lifecycleRules": [{"tagStatus": "untagged"}]}),
        "lifecycleRules[0]",
    );
    let f = failure_on(
        json!({"lifecycleRules": [{"tagStatus": "tagged", "keepLastCount": 10}]}),
        "lifecycleRules[0].tagPrefixes",
    );
    assert!(f.reason.contains("tagged"), "{}", f.reason);
    failure_on(
        json!({"lifecycleRules": [{"tagStatus": "untagged", "tagPrefixes": ["v"], "keepLastCount": 1}]}),
        "lifecycleRules[0].tagPrefixes",
    );
    failure_on(
        json!({"lifecycleRules": [
            {"tagStatus": "any", "keepLastCount": 100},
            {"tagStatus": "untagged", "expireAfterDays": 7}
        ]}),
        "lifecycleRules[0].tagStatus",
    );
    assert!(
        check(json!({"lifecycleRules": [
            {"tagStatus": "tagged", "tagPrefixes": ["v"], "keepLastCount": 10},
            {"tagStatus": "untagged", "expireAfterDays": 7},
            {"tagStatus": "any", "keepLastCount": 100}
        ]}))
        .is_ok()
    );
    let many: Vec<serde_json::Value> = (0..400)
        .map(|i| json!({"tagStatus": "tagged", "tagPrefixes": [format!("release-{i:04}-")], "keepLastCount": 1, "description": "keep the newest release image of this line"}))
        .collect();
    let f = failure_on(json!({"lifecycleRules": many}), "lifecycleRules");
    assert!(f.reason.contains("30720"), "{}", f.reason);
}

#[test]
fn unknown_values_wait_for_up() {
    let checked = DynResource::check(
        &Repository,
        json!({"name": UNKNOWN, "lifecycleRules": [{"tagStatus": "tagged", "tagPrefixes": [UNKNOWN], "keepLastCount": 3}]}),
        None,
        &ctx("images", true),
    );
    assert!(checked.is_ok(), "{checked:?}");
}

fn rules() -> Vec<LifecycleRule> {
    vec![
        LifecycleRule {
            description: Some("keep releases".into()),
            tag_status: TagStatus::Tagged,
            tag_prefixes: Some(vec!["release-".into(), "v".into()]),
            keep_last_count: Some(10),
            expire_after_days: None,
        },
        LifecycleRule {
            description: None,
            tag_status: TagStatus::Untagged,
            tag_prefixes: None,
            keep_last_count: None,
            expire_after_days: Some(7),
        },
    ]
}

#[test]
fn policy_text_round_trips_and_ecr_spelling_reads_the_same() {
    let rules = rules();
    let text = policy_text(&rules);
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["rules"][0]["rulePriority"], 1);
    assert_eq!(
        doc["rules"][0]["selection"]["countType"],
        "imageCountMoreThan"
    );
    assert_eq!(
        doc["rules"][1]["selection"]["countType"],
        "sinceImagePushed"
    );
    assert_eq!(doc["rules"][1]["selection"]["countUnit"], "days");
    assert_eq!(doc["rules"][1]["action"]["type"], "expire");
    assert_eq!(parse_policy(&text).unwrap(), rules);
    // ECR's answer: its own key order and spacing, rules out of order, gaps in priorities.
    let answered = r#"{
      "rules" : [ {
        "action" : { "type" : "expire" },
        "selection" : { "countNumber" : 7, "countUnit" : "days", "countType" : "sinceImagePushed", "tagStatus" : "untagged" },
        "rulePriority" : 20
      }, {
        "rulePriority" : 5, "description" : "keep releases",
        "selection" : { "tagStatus" : "tagged", "countType" : "imageCountMoreThan", "countNumber" : 10, "tagPrefixList" : [ "v", "release-" ] },
        "action" : { "type" : "expire" }
      } ]
    }"#;
    let parsed = parse_policy(answered).unwrap();
    let inputs = normalise(RepositoryInputs {
        lifecycle_rules: Some(parsed),
        ..Default::default()
    });
    assert_eq!(inputs.lifecycle_rules, Some(rules));
    // What the type cannot say is said, not dropped.
    let pattern = r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"tagged","tagPatternList":["prod*"],"countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}"#;
    assert!(
        parse_policy(pattern)
            .unwrap_err()
            .to_string()
            .contains("tagPatternList")
    );
}

fn repo(mutability: &str, scan: bool) -> aws_sdk_ecr::types::Repository {
    aws_sdk_ecr::types::Repository::builder()
        .repository_name("sotex/api")
        .repository_arn("arn:aws:ecr:us-east-1:123456789012:repository/sotex/api")
        .registry_id("123456789012")
        .repository_uri("123456789012.dkr.ecr.us-east-1.amazonaws.com/sotex/api")
        .image_tag_mutability(aws_sdk_ecr::types::ImageTagMutability::from(mutability))
        .image_scanning_configuration(crate::aws::ecr::scanning(scan))
        .build()
}

#[test]
fn read_of_what_create_made_equals_the_checked_inputs() {
    let checked: RepositoryInputs = serde_json::from_value(
        check(json!({
            "name": "sotex/api",
            "forceDelete": true,
            "lifecycleRules": [
                {"description": "keep releases", "tagStatus": "tagged", "tagPrefixes": ["v", "release-", "v"], "keepLastCount": 10},
                {"tagStatus": "untagged", "expireAfterDays": 7, "description": ""}
            ],
            "tags": {"team": "api"}
        }))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(checked.lifecycle_rules, Some(rules()), "check normalises");
    let tags_all = BTreeMap::from([("team".to_string(), "api".to_string())]);
    let text = policy_text(checked.lifecycle_rules.as_deref().unwrap());
    let read = inputs_from_aws(
        &repo("IMMUTABLE", false),
        Some(&text),
        &tags_all,
        &checked,
        &BTreeMap::new(),
    )
    .unwrap();
    assert_eq!(read, checked);
    // Import: no earlier inputs, so forceDelete is its default.
    let imported = inputs_from_aws(
        &repo("IMMUTABLE", false),
        Some(&text),
        &tags_all,
        &RepositoryInputs::default(),
        &BTreeMap::new(),
    )
    .unwrap();
    assert_eq!(
        imported,
        RepositoryInputs {
            force_delete: false,
            ..checked.clone()
        }
    );
    // Changes behind Pulumi's back show as values.
    let drifted = inputs_from_aws(
        &repo("MUTABLE", true),
        None,
        &BTreeMap::new(),
        &checked,
        &BTreeMap::new(),
    )
    .unwrap();
    assert_eq!(drifted.image_tag_mutability, TagMutability::Mutable);
    assert!(drifted.scan_on_push);
    assert_eq!(drifted.lifecycle_rules, None);
    assert_eq!(drifted.tags, None);
    assert!(
        inputs_from_aws(
            &repo("IMMUTABLE_WITH_EXCLUSION", false),
            None,
            &BTreeMap::new(),
            &checked,
            &BTreeMap::new()
        )
        .is_err()
    );
}

#[test]
fn name_replaces_everything_else_updates_in_place() {
    let old = check(json!({"name": "sotex/api"})).unwrap();
    let diff = |news: serde_json::Value| {
        let news = check(news).unwrap();
        DynResource::diff(
            &Repository,
            &crate::resource::DiffInput {
                old_inputs: &old,
                old_outputs: &old,
                news: &news,
                default_tags: &BTreeMap::new(),
            },
        )
    };
    assert!(!diff(json!({"name": "sotex/web"})).replaces.is_empty());
    for news in [
        json!({"name": "sotex/api", "imageTagMutability": "MUTABLE"}),
        json!({"name": "sotex/api", "scanOnPush": true}),
        json!({"name": "sotex/api", "forceDelete": true}),
        json!({"name": "sotex/api", "tags": {"a": "b"}}),
        json!({"name": "sotex/api", "lifecycleRules": [{"tagStatus": "untagged", "expireAfterDays": 1}]}),
    ] {
        let d = diff(news.clone());
        assert!(
            d.replaces.is_empty() && !d.changes.is_empty(),
            "{news}: {d:?}"
        );
    }
    assert!(diff(json!({"name": "sotex/api"})).changes.is_empty());
}
