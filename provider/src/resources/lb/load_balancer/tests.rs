use super::*;
use crate::resource::{ChangeKind, DynResource};
use aws_sdk_elasticloadbalancingv2::types::{AvailabilityZone, LoadBalancerState};
use serde_json::json;

fn base() -> serde_json::Value {
    json!({"subnets": ["subnet-b", "subnet-a"], "securityGroups": ["sg-1"]})
}

fn ctx<'a>() -> CheckContext<'a> {
    CheckContext {
        name: "web",
        random_seed: b"s",
        proposed_name: None,
        has_unknowns: false,
    }
}

fn failure_for(v: serde_json::Value, property: &str) -> CheckFailure {
    let failures = DynResource::check(&LoadBalancer, v, None, &ctx()).expect_err("should fail");
    failures
        .iter()
        .find(|f| f.property == property)
        .cloned()
        .unwrap_or_else(|| panic!("no failure for {property}: {failures:?}"))
}

fn passes(v: serde_json::Value) -> serde_json::Value {
    DynResource::check(&LoadBalancer, v, None, &ctx()).unwrap()
}

fn with(key: &str, value: serde_json::Value) -> serde_json::Value {
    let mut v = base();
    v[key] = value;
    v
}

#[test]
fn auto_name_fits_and_is_kept() {
    let checked = passes(base());
    let name = checked["name"].as_str().unwrap().to_string();
    assert!(name.starts_with("web-") && name.len() <= 32, "{name}");
    assert_eq!(checked["subnets"], json!(["subnet-a", "subnet-b"]));
    let again = DynResource::check(&LoadBalancer, base(), Some(checked.clone()), &ctx()).unwrap();
    assert_eq!(again["name"], checked["name"]);
}

#[test]
fn auto_names_are_always_valid() {
    let declared = regex::Regex::new(crate::naming::ELB_NAME_PATTERN).unwrap();
    for base in [
        "internal-api",
        &"x".repeat(80),
        "my..weird__name--",
        "-",
        "INTERNAL-internal-x",
    ] {
        let n = elb_auto_name(base, b"seed");
        let mut f = Vec::new();
        validate_elb_name(&n, "load balancer", &mut f);
        assert!(f.is_empty(), "{n}: {f:?}");
        assert!(declared.is_match(&n), "{n} breaks the declared pattern");
        assert!(!n.contains("--"), "{n}");
    }
}

#[test]
fn name_rules() {
    for bad in ["-a", "a-", "internal-a", "a_b", &"a".repeat(33)] {
        let f = failure_for(with("name", json!(bad)), "name");
        assert!(f.reason.contains(&format!("`{bad}`")), "{}", f.reason);
    }
    passes(with("name", json!("my-lb-1")));
}

#[test]
fn subnet_and_group_rules() {
    let f = failure_for(with("subnets", json!(["subnet-a"])), "subnets");
    assert!(f.reason.contains("subnet-a") && f.reason.contains("at least two"));
    failure_for(with("subnets", json!(["subnet-a", "vpc-1"])), "subnets[1]");
    failure_for(
        with("subnets", json!(["subnet-a", "subnet-a"])),
        "subnets[1]",
    );
    failure_for(with("securityGroups", json!(["x-1"])), "securityGroups[0]");
    failure_for(with("securityGroups", json!([])), "securityGroups");
    passes(with("securityGroups", json!(["sg-1", "sg-2"])));
}

#[test]
fn attribute_rules() {
    let f = failure_for(with("idleTimeoutSeconds", json!(0)), "idleTimeoutSeconds");
    assert!(f.reason.contains("1 to 4000"), "{}", f.reason);
    failure_for(
        with("idleTimeoutSeconds", json!(4001)),
        "idleTimeoutSeconds",
    );
    passes(with("idleTimeoutSeconds", json!(4000)));
    failure_for(
        with("accessLogs", json!({"bucket": "Bad_Bucket"})),
        "accessLogs.bucket",
    );
    failure_for(
        with("accessLogs", json!({"bucket": "logs", "prefix": "/x"})),
        "accessLogs.prefix",
    );
    passes(with(
        "accessLogs",
        json!({"bucket": "logs", "prefix": "alb"}),
    ));
    failure_for(with("tags", json!({"aws:x": "1"})), "tags.aws:x");
}

fn diff(old: serde_json::Value, new: serde_json::Value) -> Diff {
    let defaults = BTreeMap::new();
    Resource::diff(
        &LoadBalancer,
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
    let mut new = old.clone();
    new["internal"] = json!(true);
    assert!(diff(old.clone(), new).is_replace());
    let mut new = old.clone();
    new["name"] = json!("other");
    assert!(diff(old.clone(), new).is_replace());
    let mut new = old.clone();
    new["internal"] = json!(false);
    new["idleTimeoutSeconds"] = json!(60);
    assert!(!diff(old.clone(), new).has_changes());
    let mut new = old.clone();
    new["subnets"] = json!(["subnet-a", "subnet-c"]);
    let d = diff(old.clone(), new);
    assert!(!d.is_replace());
    assert_eq!(d.changes.get("subnets[1]"), Some(&ChangeKind::Update));
    for (k, v) in [
        ("securityGroups", json!(["sg-2"])),
        ("idleTimeoutSeconds", json!(120)),
        ("deletionProtection", json!(true)),
        ("accessLogs", json!({"bucket": "logs"})),
    ] {
        let mut new = old.clone();
        new[k] = v;
        let d = diff(old.clone(), new);
        assert!(d.has_changes() && !d.is_replace(), "{k}");
    }
}

fn aws_lb(internal: bool) -> AwsLoadBalancer {
    AwsLoadBalancer::builder()
        .load_balancer_arn(
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/1",
        )
        .load_balancer_name("web-1234567")
        .dns_name("web.elb.amazonaws.com")
        .scheme(if internal {
            LoadBalancerSchemeEnum::Internal
        } else {
            LoadBalancerSchemeEnum::InternetFacing
        })
        .r#type(LoadBalancerTypeEnum::Application)
        .state(
            LoadBalancerState::builder()
                .code(LoadBalancerStateEnum::Active)
                .build(),
        )
        .availability_zones(AvailabilityZone::builder().subnet_id("subnet-b").build())
        .availability_zones(AvailabilityZone::builder().subnet_id("subnet-a").build())
        .security_groups("sg-1")
        .build()
}

use aws_sdk_elasticloadbalancingv2::types::LoadBalancerStateEnum;

#[test]
fn read_back_matches_checked_inputs() {
    let mut checked: LoadBalancerInputs = serde_json::from_value(passes(base())).unwrap();
    checked.name = Some("web-1234567".into());
    let mut tags_all = BTreeMap::new();
    tags_all.insert("env".to_string(), "dev".to_string());
    let defaults = tags_all.clone();
    // AWS (and emulators) may leave attributes out or report the defaults.
    for attrs in [
        BTreeMap::new(),
        desired_attributes(&checked),
        with_attribute_defaults(BTreeMap::new()),
    ] {
        let read = inputs_from_aws(&aws_lb(false), attrs, &tags_all, Some(&checked), &defaults);
        assert_eq!(read, checked);
    }
    // Explicit values the program set survive, even when they equal AWS's defaults.
    let mut explicit = checked.clone();
    explicit.internal = Some(false);
    explicit.idle_timeout_seconds = Some(60);
    explicit.access_logs = Some(AccessLogs {
        bucket: "logs".into(),
        prefix: None,
        enabled: None,
    });
    let read = inputs_from_aws(
        &aws_lb(false),
        desired_attributes(&explicit),
        &tags_all,
        Some(&explicit),
        &defaults,
    );
    assert_eq!(read, explicit);
}

#[test]
fn import_reports_what_differs_from_defaults() {
    let mut attrs = BTreeMap::new();
    attrs.insert(
        "idle_timeout.timeout_seconds".to_string(),
        "120".to_string(),
    );
    let read = inputs_from_aws(
        &aws_lb(true),
        attrs,
        &BTreeMap::new(),
        None,
        &BTreeMap::new(),
    );
    assert_eq!(read.internal, Some(true));
    assert_eq!(read.idle_timeout_seconds, Some(120));
    assert_eq!(read.deletion_protection, None);
    assert_eq!(read.security_groups, Some(vec!["sg-1".to_string()]));
    assert_eq!(read.subnets, vec!["subnet-a", "subnet-b"]);
    assert_eq!(read.name.as_deref(), Some("web-1234567"));
}

#[test]
fn only_changed_attributes_are_sent() {
    let old = LoadBalancerInputs::default();
    let mut new = old.clone();
    new.idle_timeout_seconds = Some(120);
    let changed = api::changed_entries(&desired_attributes(&old), &desired_attributes(&new));
    assert_eq!(changed.len(), 1);
    assert_eq!(changed["idle_timeout.timeout_seconds"], "120");
    assert!(
        api::changed_entries(
            &with_attribute_defaults(BTreeMap::new()),
            &desired_attributes(&old)
        )
        .is_empty()
    );
}
