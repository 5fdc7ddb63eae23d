use super::*;
use crate::resource::{Diff, DiffInput, DynResource};
use serde_json::json;

const LB: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/1";
const TG: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/2";
const CERT: &str = "arn:aws:acm:us-east-1:123456789012:certificate/abc";

fn base() -> serde_json::Value {
    json!({"loadBalancerArn": LB, "port": 80, "defaultAction": {"forward": {"targetGroupArn": TG}}})
}

fn https() -> serde_json::Value {
    let mut v = base();
    v["port"] = json!(443);
    v["protocol"] = json!("HTTPS");
    v["certificateArn"] = json!(CERT);
    v["sslPolicy"] = json!("ELBSecurityPolicy-TLS13-1-2-2021-06");
    v
}

fn ctx<'a>() -> CheckContext<'a> {
    CheckContext {
        name: "http",
        random_seed: b"s",
        proposed_name: None,
        has_unknowns: false,
    }
}

fn passes(v: serde_json::Value) -> serde_json::Value {
    DynResource::check(&Listener, v, None, &ctx()).unwrap()
}

fn failure_for(v: serde_json::Value, property: &str) -> CheckFailure {
    let failures = DynResource::check(&Listener, v, None, &ctx()).expect_err("should fail");
    failures
        .iter()
        .find(|f| f.property == property)
        .cloned()
        .unwrap_or_else(|| panic!("no failure for {property}: {failures:?}"))
}

fn action(a: serde_json::Value) -> serde_json::Value {
    let mut v = base();
    v["defaultAction"] = a;
    v
}

#[test]
fn basic_rules() {
    assert_eq!(passes(base())["protocol"], json!("HTTP"));
    let mut v = base();
    v["loadBalancerArn"] =
        json!("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/x/1");
    failure_for(v, "loadBalancerArn");
    let mut v = base();
    v["port"] = json!(0);
    failure_for(v, "port");
    let mut v = base();
    v["protocol"] = json!("TCP");
    failure_for(v, "protocol");
    failure_for(
        action(json!({"forward": {"targetGroupArn": "api"}})),
        "defaultAction.forward.targetGroupArn",
    );
    let mut v = base();
    v["tags"] = json!({"aws:x": "y"});
    failure_for(v, "tags.aws:x");
}

#[test]
fn https_needs_certificate_and_policy() {
    passes(https());
    let mut v = https();
    v.as_object_mut().unwrap().remove("certificateArn");
    assert!(failure_for(v, "certificateArn").reason.contains("HTTPS"));
    let mut v = https();
    v.as_object_mut().unwrap().remove("sslPolicy");
    failure_for(v, "sslPolicy");
    let mut v = https();
    v["sslPolicy"] = json!("modern");
    assert!(failure_for(v, "sslPolicy").reason.contains("`modern`"));
    let mut v = https();
    v["certificateArn"] = json!("cert-1");
    failure_for(v, "certificateArn");
    let mut v = base();
    v["certificateArn"] = json!(CERT);
    assert!(failure_for(v, "certificateArn").reason.contains("HTTP"));
}

#[test]
fn exactly_one_action() {
    let f = failure_for(action(json!({})), "defaultAction");
    assert!(f.reason.contains("exactly one"), "{}", f.reason);
    failure_for(
        action(json!({"forward": {"targetGroupArn": TG}, "fixedResponse": {"statusCode": "404"}})),
        "defaultAction",
    );
}

#[test]
fn redirect_rules() {
    passes(action(
        json!({"redirect": {"protocol": "HTTPS", "port": 443, "statusCode": "HTTP_301"}}),
    ));
    failure_for(
        action(json!({"redirect": {"statusCode": "HTTP_301"}})),
        "defaultAction.redirect",
    );
    failure_for(
        action(json!({"redirect": {"port": 0, "statusCode": "HTTP_301"}})),
        "defaultAction.redirect.port",
    );
    failure_for(
        action(json!({"redirect": {"path": "x", "statusCode": "HTTP_302"}})),
        "defaultAction.redirect.path",
    );
    failure_for(
        action(json!({"redirect": {"host": "", "statusCode": "HTTP_302"}})),
        "defaultAction.redirect.host",
    );
    failure_for(
        action(json!({"redirect": {"port": 443, "statusCode": "HTTP_307"}})),
        "defaultAction.redirect.statusCode",
    );
}

#[test]
fn fixed_response_rules() {
    passes(action(
        json!({"fixedResponse": {"statusCode": "404", "contentType": "text/plain", "messageBody": "no"}}),
    ));
    failure_for(
        action(json!({"fixedResponse": {"statusCode": "600"}})),
        "defaultAction.fixedResponse.statusCode",
    );
    failure_for(
        action(json!({"fixedResponse": {"statusCode": "20"}})),
        "defaultAction.fixedResponse.statusCode",
    );
    failure_for(
        action(json!({"fixedResponse": {"statusCode": "200", "contentType": "text/xml"}})),
        "defaultAction.fixedResponse.contentType",
    );
    failure_for(
        action(json!({"fixedResponse": {"statusCode": "200", "messageBody": "x".repeat(1025)}})),
        "defaultAction.fixedResponse.messageBody",
    );
}

fn diff(old: serde_json::Value, new: serde_json::Value) -> Diff {
    let defaults = BTreeMap::new();
    Resource::diff(
        &Listener,
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
    new["loadBalancerArn"] =
        json!("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/other/2");
    assert!(diff(old.clone(), new).is_replace());
    for new in [
        passes(https()),
        passes(action(json!({"fixedResponse": {"statusCode": "404"}}))),
        {
            let mut v = old.clone();
            v["port"] = json!(8080);
            v
        },
    ] {
        let d = diff(old.clone(), new);
        assert!(d.has_changes() && !d.is_replace());
    }
}

fn round_trip(v: serde_json::Value) {
    let checked: ListenerInputs = serde_json::from_value(passes(v)).unwrap();
    let listener = AwsListener::builder()
        .listener_arn("arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/1/3")
        .load_balancer_arn(&checked.load_balancer_arn)
        .port(checked.port as i32)
        .protocol(checked.protocol.unwrap().to_aws())
        .set_certificates(certificates(&checked))
        .set_ssl_policy(checked.ssl_policy.clone())
        .default_actions(to_aws_action(&checked.default_action))
        .build();
    let read = inputs_from_aws(
        &listener,
        &BTreeMap::new(),
        Some(&checked),
        &BTreeMap::new(),
    )
    .unwrap();
    assert_eq!(read, checked);
}

#[test]
fn read_back_matches_checked_inputs() {
    round_trip(base());
    round_trip(https());
    round_trip(action(
        json!({"redirect": {"protocol": "HTTPS", "port": 443, "statusCode": "HTTP_301"}}),
    ));
    round_trip(action(
        json!({"redirect": {"host": "example.com", "path": "/new", "statusCode": "HTTP_302"}}),
    ));
    round_trip(action(
        json!({"fixedResponse": {"statusCode": "404", "contentType": "text/plain", "messageBody": "gone"}}),
    ));
}
