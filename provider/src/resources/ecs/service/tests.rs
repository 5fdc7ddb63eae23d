use super::*;
use crate::resource::{ChangeKind, DynResource};
use serde_json::json;

fn base() -> serde_json::Value {
    json!({
        "cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/main",
        "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/api:3",
        "network": {"subnets": ["subnet-1", "subnet-2"], "securityGroups": ["sg-1"]},
        "loadBalancers": [{"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/abc", "containerName": "api", "containerPort": 8080}],
    })
}

fn ctx<'a>() -> CheckContext<'a> {
    CheckContext {
        name: "api",
        random_seed: b"s",
        proposed_name: None,
        has_unknowns: false,
    }
}

fn failure_for(v: serde_json::Value, property: &str) -> CheckFailure {
    let failures = DynResource::check(&Service, v, None, &ctx()).expect_err("should fail");
    failures
        .iter()
        .find(|f| f.property == property)
        .cloned()
        .unwrap_or_else(|| panic!("no failure for {property}: {failures:?}"))
}

#[test]
fn good_inputs_pass_with_defaults() {
    let checked = DynResource::check(&Service, base(), None, &ctx()).unwrap();
    assert_eq!(checked["desiredCount"], json!(1));
    assert!(checked["name"].as_str().unwrap().starts_with("api-"));
}

#[test]
fn validation_rules() {
    let mut v = base();
    v["network"]["subnets"] = json!([]);
    failure_for(v, "network.subnets");
    let mut v = base();
    v["network"]["subnets"] = json!(["vpc-1"]);
    assert!(
        failure_for(v, "network.subnets[0]")
            .reason
            .contains("vpc-1")
    );
    let mut v = base();
    v["loadBalancers"][0]["containerPort"] = json!(0);
    failure_for(v, "loadBalancers[0].containerPort");
    let mut v = base();
    v["loadBalancers"][0]["targetGroupArn"] = json!("my-tg");
    failure_for(v, "loadBalancers[0].targetGroupArn");
    let mut v = base();
    v["deployment"] = json!({"minimumHealthyPercent": 150});
    failure_for(v, "deployment.minimumHealthyPercent");
    let mut v = base();
    v["deployment"] = json!({"minimumHealthyPercent": 100, "maximumPercent": 100});
    failure_for(v, "deployment.maximumPercent");
    let mut v = base();
    v["taskDefinition"] = json!("api");
    failure_for(v, "taskDefinition");
    let mut v = base();
    v["capacityProviderStrategy"] = json!([{"capacityProvider": "SPOT"}]);
    assert!(
        failure_for(v, "capacityProviderStrategy[0].capacityProvider")
            .reason
            .contains("FARGATE_SPOT")
    );
    let mut v = base();
    v["platformVersion"] = json!("newest");
    failure_for(v, "platformVersion");
}

fn diff(old: serde_json::Value, new: serde_json::Value) -> Diff {
    let defaults = BTreeMap::new();
    Resource::diff(
        &Service,
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
    let old = DynResource::check(&Service, base(), None, &ctx()).unwrap();
    let mut new = old.clone();
    new["desiredCount"] = json!(3);
    let d = diff(old.clone(), new);
    assert!(!d.is_replace());
    assert_eq!(d.changes.get("desiredCount"), Some(&ChangeKind::Update));
    let mut new = old.clone();
    new["taskDefinition"] = json!("arn:aws:ecs:us-east-1:123456789012:task-definition/api:4");
    assert!(!diff(old.clone(), new).is_replace());
    let mut new = old.clone();
    new["cluster"] = json!("other");
    assert!(diff(old.clone(), new).is_replace());
    let mut new = old.clone();
    new["name"] = json!("renamed");
    assert!(diff(old.clone(), new).is_replace());
    let mut new = old.clone();
    new["capacityProviderStrategy"] = json!([{"capacityProvider": "FARGATE_SPOT"}]);
    assert!(diff(old.clone(), new).is_replace());
}

#[test]
fn autoscaled_desired_count_is_never_diffed() {
    let mut old = DynResource::check(&Service, base(), None, &ctx()).unwrap();
    old["desiredCountManagedByAutoscaler"] = json!(true);
    let mut new = old.clone();
    new["desiredCount"] = json!(7);
    assert!(!diff(old, new).has_changes());
}

#[test]
fn client_token_is_stable_and_short() {
    let t = client_token("c", "svc");
    assert_eq!(t, client_token("c", "svc"));
    assert_ne!(t, client_token("c", "svc2"));
    assert!(t.len() <= 36);
}

fn service_check(news: serde_json::Value) -> Result<serde_json::Value, Vec<CheckFailure>> {
    let service = Service;
    let ctx = CheckContext {
        name: "api",
        random_seed: b"seed",
        proposed_name: None,
        has_unknowns: pulumi_rs_proto::value::contains_unknowns(&news),
    };
    crate::resource::DynResource::check(&service, news, None, &ctx)
}

#[test]
fn preview_with_unknowns_still_validates_known_values() {
    // The cluster and task definition come from resources not created yet.
    let base = json!({
        "cluster": pulumi_rs_proto::value::UNKNOWN,
        "taskDefinition": pulumi_rs_proto::value::UNKNOWN,
        "network": {"subnets": pulumi_rs_proto::value::UNKNOWN, "securityGroups": ["sg-12345678"]},
        "desiredCount": 2,
    });
    let checked = service_check(base.clone()).expect("valid apart from unknowns");
    assert_eq!(
        checked["cluster"],
        json!(pulumi_rs_proto::value::UNKNOWN),
        "unknowns stay unknown"
    );
    assert_eq!(checked["desiredCount"], json!(2));

    let mut bad = base.clone();
    bad["desiredCount"] = json!(-1);
    let failures = service_check(bad).expect_err("a negative count is known to be wrong");
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0].property, "desiredCount");

    let mut bad = base;
    bad["deployment"] = json!({"minimumHealthyPercent": 150, "maximumPercent": 100});
    let failures = service_check(bad).expect_err("impossible deployment settings");
    assert!(
        failures
            .iter()
            .all(|f| f.property.starts_with("deployment")),
        "{failures:?}"
    );
}

#[test]
fn preview_of_an_update_with_unknowns_keeps_computed_defaults() {
    let olds = service_check(json!({
        "cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/main",
        "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/api:1",
        "network": {"subnets": ["subnet-12345678"], "securityGroups": ["sg-12345678"]},
    }))
    .unwrap();
    let mut news = olds.clone();
    news.as_object_mut().unwrap().remove("name");
    news["taskDefinition"] = json!(pulumi_rs_proto::value::UNKNOWN);
    let service = Service;
    let ctx = CheckContext {
        name: "api",
        random_seed: b"other seed",
        proposed_name: None,
        has_unknowns: true,
    };
    let checked =
        crate::resource::DynResource::check(&service, news, Some(olds.clone()), &ctx).unwrap();
    assert_eq!(checked["name"], olds["name"], "the auto-name is kept");
    assert_eq!(
        checked["taskDefinition"],
        json!(pulumi_rs_proto::value::UNKNOWN)
    );
}

#[test]
fn exec_and_spot_need_a_recent_platform_version() {
    let mut v = base();
    v["enableExecuteCommand"] = json!(true);
    v["platformVersion"] = json!("1.3.0");
    let reason = failure_for(v.clone(), "platformVersion").reason;
    assert!(
        reason.contains("`1.3.0`")
            && reason.contains("enableExecuteCommand")
            && reason.contains("1.4.0"),
        "{reason}"
    );
    v["platformVersion"] = json!("1.4.0");
    assert!(DynResource::check(&Service, v.clone(), None, &ctx()).is_ok());
    v["enableExecuteCommand"] = json!(false);
    v["capacityProviderStrategy"] = json!([{"capacityProvider": "FARGATE_SPOT", "weight": 1}]);
    v["platformVersion"] = json!("1.2.0");
    assert!(
        failure_for(v.clone(), "platformVersion")
            .reason
            .contains("FARGATE_SPOT")
    );
    v["platformVersion"] = json!("LATEST");
    assert!(DynResource::check(&Service, v, None, &ctx()).is_ok());
}
