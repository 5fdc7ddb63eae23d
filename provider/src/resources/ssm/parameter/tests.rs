use super::*;
use crate::resource::DynResource;
use pulumi_rs_proto::value::UNKNOWN;
use serde_json::json;

const CANARY: &str = "value-canary-5e1f";

fn ctx<'a>(name: &'a str, has_unknowns: bool) -> CheckContext<'a> {
    CheckContext {
        name,
        random_seed: b"seed",
        proposed_name: None,
        has_unknowns,
    }
}

fn check(inputs: serde_json::Value) -> Result<serde_json::Value, Vec<CheckFailure>> {
    DynResource::check(&Parameter, inputs, None, &ctx("sentry-dsn", false))
}

/// The one failure on `property`; no failure may quote the value.
fn failure_on(inputs: serde_json::Value, property: &str) -> CheckFailure {
    let value = inputs["value"].as_str().unwrap_or_default().to_string();
    let failures = check(inputs).unwrap_err();
    for f in &failures {
        assert!(
            value.len() < 4 || !f.reason.contains(&value),
            "a failure quotes the value: {f:?}"
        );
    }
    failures
        .iter()
        .find(|f| f.property == property)
        .cloned()
        .unwrap_or_else(|| panic!("no failure on {property}: {failures:?}"))
}

#[test]
fn missing_name_is_auto_named_under_a_path_and_kept() {
    let checked = check(json!({"value": CANARY})).unwrap();
    let name = checked["name"].as_str().unwrap().to_string();
    assert!(name.starts_with("/sentry-dsn-"), "{name}");
    assert_eq!(checked["tier"], json!("Standard"), "the default tier");
    let again = DynResource::check(
        &Parameter,
        json!({"value": "other", "description": "x"}),
        Some(checked),
        &ctx("sentry-dsn", false),
    )
    .unwrap();
    assert_eq!(
        again["name"],
        json!(name),
        "an unrelated change keeps the name"
    );
    // A resource name SSM would refuse as a prefix is moved aside.
    let checked = DynResource::check(
        &Parameter,
        json!({"value": "v"}),
        None,
        &ctx("ssm-key", false),
    )
    .unwrap();
    let name = checked["name"].as_str().unwrap();
    assert!(name.starts_with("/param-ssm-key-"), "{name}");
}

#[test]
fn name_rules_name_the_name_and_the_rule() {
    let f = failure_on(json!({"name": "db password", "value": CANARY}), "name");
    assert!(
        f.reason.contains("`db password`") && f.reason.contains("` `"),
        "{}",
        f.reason
    );
    let f = failure_on(json!({"name": "sotex/db", "value": CANARY}), "name");
    assert!(f.reason.contains("`/sotex/db`"), "{}", f.reason);
    let deep = format!("/{}", vec!["l"; 16].join("/"));
    let f = failure_on(json!({"name": deep, "value": CANARY}), "name");
    assert!(
        f.reason.contains("16 levels") && f.reason.contains("15"),
        "{}",
        f.reason
    );
    let f = failure_on(json!({"name": "/a//b", "value": CANARY}), "name");
    assert!(f.reason.contains("empty level"), "{}", f.reason);
    for reserved in ["awsToken", "/AWS/x", "SSM-param", "/ssm/x"] {
        let f = failure_on(json!({"name": reserved, "value": CANARY}), "name");
        assert!(f.reason.contains("reserves"), "{reserved}: {}", f.reason);
    }
    let long = format!("/{}", "a".repeat(1011));
    let f = failure_on(json!({"name": long, "value": CANARY}), "name");
    assert!(
        f.reason.contains("1012") && f.reason.contains("1011"),
        "{}",
        f.reason
    );
    // Valid: flat, hierarchical at the limit, every allowed character.
    let fifteen = format!("/{}", vec!["l"; 15].join("/"));
    for good in [
        "DB_PASSWORD",
        "/sotex/staging/SENTRY_DSN",
        "a.b-c_d",
        fifteen.as_str(),
    ] {
        assert!(check(json!({"name": good, "value": "v"})).is_ok(), "{good}");
    }
}

#[test]
fn value_size_is_checked_against_the_tier_without_quoting_it() {
    let big = format!("{CANARY}{}", "x".repeat(5000));
    let f = failure_on(json!({"name": "/p", "value": big}), "value");
    assert!(
        f.reason.contains("5017 bytes")
            && f.reason.contains("4096")
            && f.reason.contains("Advanced"),
        "{}",
        f.reason
    );
    assert!(!f.reason.contains(CANARY), "{}", f.reason);
    assert!(check(json!({"name": "/p", "value": big, "tier": "Advanced"})).is_ok());
    let huge = "y".repeat(8193);
    let f = failure_on(
        json!({"name": "/p", "value": huge, "tier": "Advanced"}),
        "value",
    );
    assert!(
        f.reason.contains("8193 bytes") && f.reason.contains("8192"),
        "{}",
        f.reason
    );
    // Bytes, not characters: 2000 two-byte characters are 4000 bytes.
    assert!(check(json!({"name": "/p", "value": "é".repeat(2000)})).is_ok());
    assert!(check(json!({"name": "/p", "value": "é".repeat(2049)})).is_err());
    let f = failure_on(json!({"name": "/p", "value": ""}), "value");
    assert!(f.reason.contains("empty"), "{}", f.reason);
}

#[test]
fn key_description_tier_and_tags_are_checked() {
    failure_on(json!({"value": "v", "keyId": "alias/my key"}), "keyId");
    failure_on(
        json!({"value": "v", "description": "d".repeat(1025)}),
        "description",
    );
    let failures = check(json!({"value": "v", "tier": "Intelligent-Tiering"})).unwrap_err();
    assert_eq!(failures[0].property, "tier", "{failures:?}");
    failure_on(json!({"value": "v", "tags": {"aws:x": "1"}}), "tags.aws:x");
    assert!(check(json!({"value": "v", "keyId": "alias/sotex-secrets"})).is_ok());
}

#[test]
fn an_unknown_value_waits_for_up() {
    let checked = DynResource::check(
        &Parameter,
        json!({"name": "/p", "value": UNKNOWN}),
        None,
        &ctx("p", true),
    )
    .unwrap();
    assert_eq!(checked["value"], json!(UNKNOWN));
}

fn diff(old: serde_json::Value, new: serde_json::Value) -> Diff {
    let defaults = BTreeMap::new();
    Resource::diff(
        &Parameter,
        &DiffInput {
            old_inputs: &old,
            old_outputs: &old,
            news: &new,
            default_tags: &defaults,
        },
    )
}

#[test]
fn value_changes_update_names_replace_and_advanced_to_standard_replaces_first() {
    let old = json!({"name": "/p", "value": "a", "tier": "Standard"});
    let d = diff(
        old.clone(),
        json!({"name": "/p", "value": "b", "tier": "Standard"}),
    );
    assert!(d.changes.contains_key("value") && !d.is_replace(), "{d:?}");
    let d = diff(
        old.clone(),
        json!({"name": "/q", "value": "a", "tier": "Standard"}),
    );
    assert!(
        d.replaces.contains("name") && !d.delete_before_replace,
        "{d:?}"
    );
    let d = diff(
        old.clone(),
        json!({"name": "/p", "value": "a", "tier": "Advanced"}),
    );
    assert!(!d.is_replace(), "Standard → Advanced is in place: {d:?}");
    let advanced = json!({"name": "/p", "value": "a", "tier": "Advanced"});
    let d = diff(advanced, old.clone());
    assert!(
        d.replaces.contains("tier") && d.delete_before_replace,
        "{d:?}"
    );
    assert!(!diff(old.clone(), old).has_changes());
}

#[test]
fn only_value_key_description_or_tier_need_a_new_version() {
    let old = ParameterInputs {
        name: Some("/p".into()),
        value: "a".into(),
        ..Default::default()
    };
    let mut tagged = old.clone();
    tagged.tags = Some(BTreeMap::from([("team".into(), "api".into())]));
    assert!(!needs_put(&old, &tagged));
    for change in [
        ParameterInputs {
            value: "b".into(),
            ..old.clone()
        },
        ParameterInputs {
            key_id: Some("alias/k".into()),
            ..old.clone()
        },
        ParameterInputs {
            description: Some("d".into()),
            ..old.clone()
        },
        ParameterInputs {
            tier: Tier::Advanced,
            ..old.clone()
        },
    ] {
        assert!(needs_put(&old, &change), "{change:?}");
    }
}

fn info(version: i64, parameter_type: &str, key: Option<&str>) -> ssm_api::ParameterInfo {
    ssm_api::ParameterInfo {
        name: "/p".into(),
        arn: "arn:aws:ssm:us-east-1:123456789012:parameter/p".into(),
        version,
        parameter_type: parameter_type.into(),
        key_id: key.map(str::to_string),
        description: None,
        tier: "Standard".into(),
    }
}

#[test]
fn a_version_pulumi_did_not_write_reads_as_an_unknown_value() {
    let old = ParameterInputs {
        name: Some("/p".into()),
        value: "mine".into(),
        ..Default::default()
    };
    let none = BTreeMap::new();
    let same = info(3, "SecureString", Some(DEFAULT_KEY));
    assert!(!value_drifted(&same, Some(3)));
    let read = inputs_from_aws(&same, &old, &none, &none, false);
    assert_eq!(
        read, old,
        "unchanged parameter reads back as the program wrote it"
    );
    assert!(
        value_drifted(&same, Some(2)),
        "a version Pulumi did not write"
    );
    assert!(
        value_drifted(&info(3, "String", None), Some(3)),
        "no longer a SecureString"
    );
    assert!(value_drifted(&same, None), "import: the value is not known");
    let drifted = inputs_from_aws(&same, &old, &none, &none, true);
    assert_eq!(
        drifted.value, "",
        "differs from any value a program can give"
    );
}

#[test]
fn keys_read_back_in_the_programs_spelling() {
    let none = BTreeMap::new();
    let mut old = ParameterInputs {
        value: "v".into(),
        key_id: Some("alias/sotex".into()),
        ..Default::default()
    };
    let arn = "arn:aws:kms:us-east-1:123456789012:alias/sotex";
    let read = inputs_from_aws(
        &info(1, "SecureString", Some(arn)),
        &old,
        &none,
        &none,
        false,
    );
    assert_eq!(read.key_id.as_deref(), Some("alias/sotex"));
    old.key_id = None;
    let read = inputs_from_aws(
        &info(1, "SecureString", Some(DEFAULT_KEY)),
        &old,
        &none,
        &none,
        false,
    );
    assert_eq!(read.key_id, None);
    let read = inputs_from_aws(
        &info(1, "SecureString", Some("alias/other")),
        &old,
        &none,
        &none,
        false,
    );
    assert_eq!(read.key_id.as_deref(), Some("alias/other"), "drift shows");
}

#[test]
fn the_value_is_secret_in_the_schema() {
    let schema = crate::schema::package_schema();
    let resource = &schema["resources"]["fargate:ssm:Parameter"];
    assert_eq!(
        resource["inputProperties"]["value"]["secret"],
        json!(true),
        "{resource}"
    );
    assert_eq!(resource["properties"]["value"]["secret"], json!(true));
    assert_eq!(
        resource["inputProperties"]["name"]["replaceOnChanges"],
        json!(true)
    );
}

/// A previewed value change shows `version` unknown (what follows the version, a service's
/// `forceNewDeployment`, previews its change); a tags-only change keeps it.
#[test]
fn preview_of_a_new_value_leaves_the_version_unknown() {
    let olds = json!({
        "name": "/sotex/staging/SENTRY_DSN", "value": CANARY, "tier": "Standard",
        "arn": "arn:aws:ssm:us-east-1:123456789012:parameter/sotex/staging/SENTRY_DSN",
        "version": 3, "tagsAll": {},
    });
    let news = |value: &str, tags: serde_json::Value| json!({"name": "/sotex/staging/SENTRY_DSN", "value": value, "tier": "Standard", "tags": tags});
    let changed = Parameter.preview_update(&olds, &news("rotated", json!(null)));
    assert_eq!(changed["version"], json!(UNKNOWN));
    assert_eq!(changed["arn"], olds["arn"]);
    let tagged = Parameter.preview_update(&olds, &news(CANARY, json!({"team": "api"})));
    assert_eq!(tagged["version"], 3);
}
