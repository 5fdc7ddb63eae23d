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

fn failures_of(inputs: serde_json::Value) -> Vec<CheckFailure> {
    DynResource::check(&Cluster, inputs, None, &ctx(false)).unwrap_err()
}

#[test]
fn default_strategy_may_only_name_associated_providers() {
    let err = failures_of(json!({
        "name": "a",
        "capacityProviders": ["FARGATE"],
        "defaultCapacityProviderStrategy": [
            {"capacityProvider": "FARGATE", "base": 1, "weight": 1},
            {"capacityProvider": "FARGATE_SPOT", "weight": 3}
        ]
    }));
    assert_eq!(
        err[0].property,
        "defaultCapacityProviderStrategy[1].capacityProvider"
    );
    assert!(
        err[0].reason.contains("`FARGATE_SPOT`")
            && err[0].reason.contains("listed: FARGATE")
            && err[0].reason.contains("add it to `capacityProviders`"),
        "{}",
        err[0].reason
    );
    let ok = json!({
        "name": "a",
        "capacityProviders": ["FARGATE", "FARGATE_SPOT"],
        "defaultCapacityProviderStrategy": [
            {"capacityProvider": "FARGATE", "base": 1, "weight": 1},
            {"capacityProvider": "FARGATE_SPOT", "weight": 3}
        ]
    });
    assert!(DynResource::check(&Cluster, ok, None, &ctx(false)).is_ok());
}

#[test]
fn strategy_rules_are_checked_at_preview() {
    let err = failures_of(json!({
        "name": "a",
        "capacityProviders": ["FARGATE", "FARGATE"],
    }));
    assert_eq!(err[0].property, "capacityProviders[1]");
    let err = failures_of(json!({
        "name": "a",
        "capacityProviders": ["FARGATE", "FARGATE_SPOT"],
        "defaultCapacityProviderStrategy": [
            {"capacityProvider": "FARGATE", "base": 1, "weight": 1},
            {"capacityProvider": "FARGATE_SPOT", "base": 2, "weight": 1}
        ]
    }));
    assert_eq!(err[0].property, "defaultCapacityProviderStrategy[1].base");
    assert!(
        err[0].reason.contains("only one entry"),
        "{}",
        err[0].reason
    );
    let err = failures_of(json!({
        "name": "a",
        "capacityProviders": ["FARGATE", "FARGATE_SPOT"],
        "defaultCapacityProviderStrategy": [
            {"capacityProvider": "FARGATE"},
            {"capacityProvider": "FARGATE_SPOT"}
        ]
    }));
    assert_eq!(err[0].property, "defaultCapacityProviderStrategy[0].weight");
    let err = failures_of(json!({
        "name": "a",
        "capacityProviders": ["FARGATE_SPOT"],
        "defaultCapacityProviderStrategy": [{"capacityProvider": "SPOT"}]
    }));
    assert!(
        err[0]
            .property
            .starts_with("defaultCapacityProviderStrategy"),
        "{err:?}"
    );
    assert!(err[0].reason.contains("FARGATE_SPOT"), "{}", err[0].reason);
}

fn reported(providers: &[&str], strategy: &[(&str, i32, i32)]) -> aws_sdk_ecs::types::Cluster {
    aws_sdk_ecs::types::Cluster::builder()
        .cluster_name("a")
        .set_capacity_providers(Some(providers.iter().map(|p| p.to_string()).collect()))
        .set_default_capacity_provider_strategy(Some(
            strategy
                .iter()
                .map(|(p, w, b)| {
                    aws_sdk_ecs::types::CapacityProviderStrategyItem::builder()
                        .capacity_provider(*p)
                        .weight(*w)
                        .base(*b)
                        .build()
                        .unwrap()
                })
                .collect(),
        ))
        .build()
}

/// What AWS answers (any order, unset numbers as 0) reads back as the program wrote it.
#[test]
fn providers_read_back_without_a_diff() {
    let program: ClusterInputs = serde_json::from_value(json!({
        "capacityProviders": ["FARGATE_SPOT", "FARGATE"],
        "defaultCapacityProviderStrategy": [
            {"capacityProvider": "FARGATE_SPOT", "weight": 3},
            {"capacityProvider": "FARGATE", "base": 1, "weight": 1}
        ]
    }))
    .unwrap();
    let aws = reported(
        &["FARGATE", "FARGATE_SPOT"],
        &[("FARGATE", 1, 1), ("FARGATE_SPOT", 3, 0)],
    );
    assert_eq!(
        convert::capacity_providers_of(&aws, &program),
        program.capacity_providers
    );
    assert_eq!(
        convert::default_strategy_of(&aws, &program),
        program.default_capacity_provider_strategy
    );
    // Unset in the program and none in AWS: still unset.
    let none = reported(&[], &[]);
    let unset = ClusterInputs::default();
    assert_eq!(convert::capacity_providers_of(&none, &unset), None);
    assert_eq!(convert::default_strategy_of(&none, &unset), None);
    // Added outside Pulumi: shows as a change to revert.
    assert_eq!(
        convert::capacity_providers_of(&reported(&["FARGATE_SPOT"], &[]), &unset),
        Some(vec![CapacityProvider::FargateSpot])
    );
}
