use super::*;
use crate::resource::DynResource;
use pulumi_rs_proto::value::UNKNOWN;
use serde_json::json;

fn ctx<'a>(has_unknowns: bool) -> CheckContext<'a> {
    CheckContext {
        name: "api logs",
        random_seed: b"seed",
        proposed_name: None,
        has_unknowns,
    }
}

fn check(inputs: serde_json::Value) -> Result<serde_json::Value, Vec<CheckFailure>> {
    DynResource::check(&LogGroup, inputs, None, &ctx(false))
}

fn failure_on(inputs: serde_json::Value, property: &str) -> CheckFailure {
    let failures = check(inputs).unwrap_err();
    assert_eq!(failures.len(), 1, "one failure: {failures:?}");
    failures
        .iter()
        .find(|f| f.property == property)
        .cloned()
        .unwrap_or_else(|| panic!("no failure on {property}: {failures:?}"))
}

#[test]
fn missing_name_is_auto_named_within_the_rules_and_kept() {
    let checked = check(json!({})).unwrap();
    let name = checked["name"].as_str().unwrap().to_string();
    assert!(name.starts_with("api-logs-"), "{name}");
    assert!(name.chars().all(name_char));
    let again = DynResource::check(
        &LogGroup,
        json!({"retentionInDays": 30}),
        Some(checked),
        &ctx(false),
    )
    .unwrap();
    assert_eq!(again["name"], json!(name));
}

#[test]
fn retention_must_be_an_allowed_value_and_the_error_lists_them() {
    for days in RETENTION_DAYS {
        assert!(check(json!({"retentionInDays": days})).is_ok(), "{days}");
    }
    let f = failure_on(json!({"retentionInDays": 45}), "retentionInDays");
    assert!(f.reason.contains("`45`"), "{}", f.reason);
    assert!(
        f.reason
            .contains("1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653"),
        "{}",
        f.reason
    );
    failure_on(json!({"retentionInDays": 0}), "retentionInDays");
}

#[test]
fn names_and_kms_keys_name_value_and_rule() {
    let f = failure_on(json!({"name": "/ecs/api logs"}), "name");
    assert!(f.reason.contains("`/ecs/api logs`"), "{}", f.reason);
    failure_on(json!({"name": "a".repeat(513)}), "name");
    assert!(check(json!({"name": ""})).is_err());
    assert!(check(json!({"name": "/ecs/api_v2.logs#1-x"})).is_ok());

    let f = failure_on(json!({"kmsKeyId": "alias/logs"}), "kmsKeyId");
    assert!(
        f.reason.contains("`alias/logs`") && f.reason.contains("arn:aws:kms:"),
        "{}",
        f.reason
    );
    assert!(
        check(json!({"kmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}))
            .is_ok()
    );
}

#[test]
fn unknown_values_wait_for_up() {
    let checked = DynResource::check(
        &LogGroup,
        json!({"retentionInDays": UNKNOWN, "kmsKeyId": UNKNOWN}),
        None,
        &ctx(true),
    );
    assert!(checked.is_ok(), "{checked:?}");
}

fn diff(old: serde_json::Value, news: serde_json::Value) -> crate::resource::Diff {
    DynResource::diff(
        &LogGroup,
        &crate::resource::DiffInput {
            old_inputs: &old,
            old_outputs: &old,
            news: &news,
            default_tags: &BTreeMap::new(),
        },
    )
}

#[test]
fn name_replaces_retention_kms_and_tags_update_in_place() {
    let old = json!({"name": "/ecs/api", "retentionInDays": 30});
    assert!(
        !diff(
            old.clone(),
            json!({"name": "/ecs/web", "retentionInDays": 30})
        )
        .replaces
        .is_empty()
    );
    for news in [
        json!({"name": "/ecs/api", "retentionInDays": 90}),
        json!({"name": "/ecs/api"}),
        json!({"name": "/ecs/api", "retentionInDays": 30, "kmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/k"}),
        json!({"name": "/ecs/api", "retentionInDays": 30, "tags": {"team": "api"}}),
    ] {
        let d = diff(old.clone(), news.clone());
        assert!(
            d.replaces.is_empty() && !d.changes.is_empty(),
            "{news}: {d:?}"
        );
    }
    assert!(
        diff(old.clone(), old.clone()).changes.is_empty(),
        "no change, no diff"
    );
}

fn group(retention: Option<i32>, kms: Option<&str>) -> aws_sdk_cloudwatchlogs::types::LogGroup {
    aws_sdk_cloudwatchlogs::types::LogGroup::builder()
        .log_group_name("/ecs/api")
        .arn("arn:aws:logs:us-east-1:123456789012:log-group:/ecs/api:*")
        .set_retention_in_days(retention)
        .set_kms_key_id(kms.map(str::to_string))
        .build()
}

#[test]
fn read_of_what_create_made_equals_the_checked_inputs() {
    let key = "arn:aws:kms:us-east-1:123456789012:key/k";
    let checked: LogGroupInputs = serde_json::from_value(
        check(json!({"name": "/ecs/api", "retentionInDays": 30, "kmsKeyId": key, "tags": {"team": "api"}}))
            .unwrap(),
    )
    .unwrap();
    let defaults = BTreeMap::from([("env".to_string(), "staging".to_string())]);
    let mut tags_all = defaults.clone();
    tags_all.insert("team".into(), "api".into());
    let read = inputs_from_aws(&group(Some(30), Some(key)), &tags_all, &checked, &defaults);
    assert_eq!(read, checked);
    // Import (no earlier inputs) reads the same.
    let imported = inputs_from_aws(
        &group(Some(30), Some(key)),
        &tags_all,
        &LogGroupInputs::default(),
        &defaults,
    );
    assert_eq!(imported, checked);
    // No retention (never expire) reads back as absent; a change behind Pulumi's back shows.
    let never = inputs_from_aws(&group(None, None), &BTreeMap::new(), &checked, &defaults);
    assert_eq!(never.retention_in_days, None);
    assert_eq!(never.kms_key_id, None);
    let drifted = inputs_from_aws(&group(Some(7), Some(key)), &tags_all, &checked, &defaults);
    assert_eq!(drifted.retention_in_days, Some(7));
}
