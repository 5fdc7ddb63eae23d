use super::*;
use crate::resource::{ChangeKind, Diff, DiffInput, DynResource};
use serde_json::json;

fn base() -> serde_json::Value {
    json!({"port": 8080, "vpcId": "vpc-1"})
}

fn ctx<'a>() -> CheckContext<'a> {
    CheckContext {
        name: "api",
        random_seed: b"s",
        proposed_name: None,
        has_unknowns: false,
    }
}

fn passes(v: serde_json::Value) -> serde_json::Value {
    DynResource::check(&TargetGroup, v, None, &ctx()).unwrap()
}

fn failure_for(v: serde_json::Value, property: &str) -> CheckFailure {
    let failures = DynResource::check(&TargetGroup, v, None, &ctx()).expect_err("should fail");
    failures
        .iter()
        .find(|f| f.property == property)
        .cloned()
        .unwrap_or_else(|| panic!("no failure for {property}: {failures:?}"))
}

fn with_hc(hc: serde_json::Value) -> serde_json::Value {
    let mut v = base();
    v["healthCheck"] = hc;
    v
}

#[test]
fn defaults_and_auto_name() {
    let c = passes(base());
    assert_eq!(c["targetType"], json!("ip"));
    assert_eq!(c["protocol"], json!("HTTP"));
    let name = c["name"].as_str().unwrap();
    assert!(name.starts_with("api-") && name.len() <= 32, "{name}");
    let long = CheckContext {
        name: "very-long-service-name-for-a-target-group",
        ..ctx()
    };
    let c = DynResource::check(&TargetGroup, base(), None, &long).unwrap();
    let name = c["name"].as_str().unwrap();
    assert!(name.len() <= 32 && !name.ends_with('-'), "{name}");
}

#[test]
fn top_level_rules() {
    let mut v = base();
    v["port"] = json!(0);
    assert!(failure_for(v, "port").reason.contains("1 to 65535"));
    let mut v = base();
    v["port"] = json!(65536);
    failure_for(v, "port");
    let mut v = base();
    v["vpcId"] = json!("subnet-1");
    failure_for(v, "vpcId");
    let mut v = base();
    v["targetType"] = json!("instance");
    let f = failure_for(v, "targetType");
    assert!(
        f.reason.contains("instance") && f.reason.contains("ip"),
        "{}",
        f.reason
    );
    let mut v = base();
    v["protocol"] = json!("TCP");
    failure_for(v, "protocol");
    let mut v = base();
    v["name"] = json!("a--b");
    failure_for(v, "name");
    let mut v = base();
    v["deregistrationDelaySeconds"] = json!(3601);
    failure_for(v, "deregistrationDelaySeconds");
    let mut v = base();
    v["deregistrationDelaySeconds"] = json!(0);
    passes(v);
    let mut v = base();
    v["stickiness"] = json!({"durationSeconds": 0});
    failure_for(v, "stickiness.durationSeconds");
    let mut v = base();
    v["stickiness"] = json!({"durationSeconds": 604800});
    passes(v);
}

#[test]
fn health_check_rules() {
    let f = failure_for(with_hc(json!({"path": "health"})), "healthCheck.path");
    assert!(f.reason.contains("`health`"), "{}", f.reason);
    failure_for(with_hc(json!({"port": 70000})), "healthCheck.port");
    failure_for(
        with_hc(json!({"intervalSeconds": 4})),
        "healthCheck.intervalSeconds",
    );
    failure_for(
        with_hc(json!({"intervalSeconds": 301})),
        "healthCheck.intervalSeconds",
    );
    failure_for(
        with_hc(json!({"timeoutSeconds": 1})),
        "healthCheck.timeoutSeconds",
    );
    let f = failure_for(
        with_hc(json!({"intervalSeconds": 10, "timeoutSeconds": 10})),
        "healthCheck.timeoutSeconds",
    );
    assert!(f.reason.contains("less than the interval"), "{}", f.reason);
    failure_for(
        with_hc(json!({"healthyThreshold": 1})),
        "healthCheck.healthyThreshold",
    );
    failure_for(
        with_hc(json!({"unhealthyThreshold": 11})),
        "healthCheck.unhealthyThreshold",
    );
    for bad in ["ok", "600", "300-200", "200-", ""] {
        failure_for(with_hc(json!({"matcher": bad})), "healthCheck.matcher");
    }
    passes(with_hc(json!({
        "path": "/health", "port": 8081, "protocol": "HTTPS", "intervalSeconds": 10,
        "timeoutSeconds": 5, "healthyThreshold": 2, "unhealthyThreshold": 10,
        "matcher": "200-399"
    })));
    passes(with_hc(json!({"matcher": "200,202"})));
}

fn diff(old: serde_json::Value, new: serde_json::Value) -> Diff {
    let defaults = BTreeMap::new();
    Resource::diff(
        &TargetGroup,
        &DiffInput {
            old_inputs: &old,
            old_outputs: &json!({}),
            news: &new,
            default_tags: &defaults,
        },
    )
}

#[test]
fn diff_classification() {
    let old = passes(base());
    for (k, v) in [
        ("port", json!(80)),
        ("protocol", json!("HTTPS")),
        ("vpcId", json!("vpc-2")),
        ("name", json!("other")),
    ] {
        let mut new = old.clone();
        new[k] = v;
        assert!(diff(old.clone(), new).is_replace(), "{k}");
    }
    for (k, v) in [
        ("healthCheck", json!({"path": "/health"})),
        ("deregistrationDelaySeconds", json!(10)),
        ("stickiness", json!({"enabled": true})),
        ("tags", json!({"a": "b"})),
    ] {
        let mut new = old.clone();
        new[k] = v;
        let d = diff(old.clone(), new);
        assert!(d.has_changes() && !d.is_replace(), "{k}");
    }
    let mut o = old.clone();
    o["healthCheck"] = json!({"path": "/a"});
    let mut n = old.clone();
    n["healthCheck"] = json!({"path": "/b"});
    assert_eq!(
        diff(o, n).changes.get("healthCheck.path"),
        Some(&ChangeKind::Update)
    );
}

fn aws_tg(hc: &ResolvedHealthCheck) -> AwsTargetGroup {
    AwsTargetGroup::builder()
        .target_group_arn(
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api-1/abc",
        )
        .target_group_name("api-1")
        .protocol(ProtocolEnum::Http)
        .port(8080)
        .vpc_id("vpc-1")
        .target_type(TargetTypeEnum::Ip)
        .health_check_path(&hc.path)
        .health_check_port(&hc.port)
        .health_check_protocol(hc.protocol.to_aws())
        .health_check_interval_seconds(hc.interval as i32)
        .health_check_timeout_seconds(hc.timeout as i32)
        .healthy_threshold_count(hc.healthy as i32)
        .unhealthy_threshold_count(hc.unhealthy as i32)
        .matcher(Matcher::builder().http_code(&hc.matcher).build())
        .build()
}

fn round_trip(v: serde_json::Value) {
    let checked: TargetGroupInputs = serde_json::from_value(passes(v)).unwrap();
    let hc = resolve_health_check(&checked);
    for attrs in [
        desired_attributes(&checked),
        with_attribute_defaults(desired_attributes(&checked)),
    ] {
        let read = inputs_from_aws(
            &aws_tg(&hc),
            attrs,
            &BTreeMap::new(),
            Some(&checked),
            &BTreeMap::new(),
        );
        let mut expected = checked.clone();
        expected.name = Some("api-1".into());
        assert_eq!(read, expected);
    }
}

#[test]
fn read_back_matches_checked_inputs() {
    round_trip(base());
    round_trip(with_hc(json!({"path": "/health", "matcher": "200-399"})));
    // Explicit defaults stay as written.
    round_trip(with_hc(
        json!({"path": "/", "intervalSeconds": 30, "protocol": "HTTP"}),
    ));
    let mut v = with_hc(json!({"port": 9000, "timeoutSeconds": 10}));
    v["stickiness"] = json!({"enabled": true, "durationSeconds": 3600});
    v["deregistrationDelaySeconds"] = json!(30);
    round_trip(v);
    let mut v = base();
    v["stickiness"] = json!({"enabled": false});
    round_trip(v);
}

#[test]
fn import_reports_only_non_defaults() {
    let checked: TargetGroupInputs = serde_json::from_value(passes(base())).unwrap();
    let mut hc = resolve_health_check(&checked);
    hc.path = "/health".into();
    let read = inputs_from_aws(
        &aws_tg(&hc),
        BTreeMap::new(),
        &BTreeMap::new(),
        None,
        &BTreeMap::new(),
    );
    assert_eq!(
        read.health_check,
        Some(HealthCheck {
            path: Some("/health".into()),
            ..Default::default()
        })
    );
    assert_eq!(read.stickiness, None);
    assert_eq!(read.deregistration_delay_seconds, None);
    assert_eq!(read.port, 8080);
}

#[test]
fn arn_suffix_for_metrics() {
    assert_eq!(
        arn_suffix("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/abc"),
        "targetgroup/api/abc"
    );
}
