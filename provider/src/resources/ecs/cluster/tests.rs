use super::*;
use crate::resource::{ChangeKind, Diff, DiffInput, DynResource};
use pulumi_rs_proto::value::UNKNOWN;
use serde_json::json;

fn ctx<'a>(has_unknowns: bool) -> CheckContext<'a> {
    CheckContext {
        name: "main",
        random_seed: b"seed",
        proposed_name: None,
        has_unknowns,
    }
}

#[test]
fn missing_name_is_auto_named_and_kept() {
    let checked = DynResource::check(&Cluster, json!({}), None, &ctx(false)).unwrap();
    let name = checked["name"].as_str().unwrap().to_string();
    assert!(name.starts_with("main-"), "{name}");
    // A later check with other inputs keeps the same name.
    let again = DynResource::check(
        &Cluster,
        json!({"tags": {"a": "b"}}),
        Some(checked),
        &ctx(false),
    )
    .unwrap();
    assert_eq!(again["name"], json!(name));
}

#[test]
fn invalid_name_names_property_value_and_rule() {
    let err =
        DynResource::check(&Cluster, json!({"name": "bad name!"}), None, &ctx(false)).unwrap_err();
    assert_eq!(err[0].property, "name");
    assert!(err[0].reason.contains("`bad name!`"), "{}", err[0].reason);
    assert!(
        err[0].reason.contains("letters, digits, hyphens"),
        "{}",
        err[0].reason
    );
    let long = "a".repeat(256);
    assert!(DynResource::check(&Cluster, json!({ "name": long }), None, &ctx(false)).is_err());
    assert!(DynResource::check(&Cluster, json!({"name": "ok_name-1"}), None, &ctx(false)).is_ok());
}

#[test]
fn invalid_container_insights_lists_valid_values() {
    let err = DynResource::check(
        &Cluster,
        json!({"containerInsights": "on"}),
        None,
        &ctx(false),
    )
    .unwrap_err();
    assert_eq!(err[0].property, "containerInsights");
    assert!(
        err[0].reason.contains("`on`") && err[0].reason.contains("enabled"),
        "{}",
        err[0].reason
    );
}

#[test]
fn misspelt_property_is_rejected() {
    let err = DynResource::check(&Cluster, json!({"nmae": "x"}), None, &ctx(false)).unwrap_err();
    assert_eq!(err[0].property, "nmae");
    assert!(err[0].reason.contains("name, tags"), "{}", err[0].reason);
}

#[test]
fn unknown_name_passes_check_unchanged() {
    let checked = DynResource::check(
        &Cluster,
        json!({"name": UNKNOWN, "tags": {"a": "b"}}),
        None,
        &ctx(true),
    )
    .unwrap();
    assert_eq!(checked["name"], json!(UNKNOWN));
    assert_eq!(checked["tags"], json!({"a": "b"}));
}

fn diff(
    old_inputs: serde_json::Value,
    news: serde_json::Value,
    tags_all: serde_json::Value,
) -> Diff {
    let outputs = json!({"arn": "arn:x", "tagsAll": tags_all});
    let defaults = BTreeMap::from([("env".to_string(), "dev".to_string())]);
    DynResource::diff(
        &Cluster,
        &DiffInput {
            old_inputs: &old_inputs,
            old_outputs: &outputs,
            news: &news,
            default_tags: &defaults,
        },
    )
}

#[test]
fn name_change_replaces_tag_change_updates() {
    let d = diff(
        json!({"name": "a"}),
        json!({"name": "b"}),
        json!({"env": "dev"}),
    );
    assert!(d.is_replace());
    let d = diff(
        json!({"name": "a", "tags": {"t": "1"}}),
        json!({"name": "a", "tags": {"t": "2"}}),
        json!({"env": "dev", "t": "1"}),
    );
    assert!(!d.is_replace());
    assert_eq!(d.changes.get("tags.t"), Some(&ChangeKind::Update));
}

#[test]
fn default_tag_change_is_an_update() {
    let d = diff(
        json!({"name": "a"}),
        json!({"name": "a"}),
        json!({"env": "prod"}),
    );
    assert!(!d.is_replace());
    assert_eq!(d.changes.get("tags"), Some(&ChangeKind::Update));
    let same = diff(
        json!({"name": "a"}),
        json!({"name": "a"}),
        json!({"env": "dev"}),
    );
    assert!(!same.has_changes());
}

#[test]
fn preview_create_leaves_computed_outputs_unknown() {
    let out = Cluster.preview_create(&ClusterInputs {
        name: Some("a".into()),
        ..Default::default()
    });
    assert_eq!(out["name"], json!("a"));
    assert_eq!(out["arn"], json!(UNKNOWN));
    assert_eq!(out["tagsAll"], json!(UNKNOWN));
}
