//! Property tests (the regular suite's stand-in for `cargo fuzz`, bounded to a few seconds):
//! arbitrary wire values — random nesting, the unknown sentinel, secret / output-value /
//! resource-reference objects, huge and non-finite numbers, wrong types, keys from the real
//! schemas — go through the protobuf `Struct` ↔ JSON decoding, the secret unwrap/rewrap, and
//! every resource's Check, Diff and preview Create/Update, directly and through the gRPC
//! server's Check. Nothing may panic. Inputs that once panicked are kept as regression tests
//! at the end of this file.

use std::collections::BTreeMap;
use std::sync::Arc;

use proptest::prelude::*;
use prost::Message;
use prost_types::value::Kind;
use prost_types::{ListValue, Struct, Value};
use pulumi_resource_fargate::aws::AwsClients;
use pulumi_resource_fargate::config::ProviderConfig;
use pulumi_resource_fargate::context::{Ctx, EngineLog, ResourceLog};
use pulumi_resource_fargate::resource::{CheckContext, DiffInput};
use pulumi_resource_fargate::server::FargateProvider;
use pulumi_rs_proto::pulumirpc::CheckRequest;
use pulumi_rs_proto::pulumirpc::resource_provider_server::ResourceProvider;
use pulumi_rs_proto::value::{
    OUTPUT_VALUE_SIG, RESOURCE_REF_SIG, SECRET_SIG, SIG_KEY, UNKNOWN, contains_unknowns,
    json_to_struct, rewrap_secrets, struct_to_json, unwrap_secrets,
};
use serde_json::{Map, Value as Json, json};

/// Cases per property in the regular suite; `FARGATE_PROPTEST_CASES` runs longer hunts.
fn cases() -> u32 {
    std::env::var("FARGATE_PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(192)
}

/// Keys the resources know (so generated objects reach deep into the typed inputs), plus junk.
const KEYS: &[&str] = &[
    "name",
    "tags",
    "containerInsights",
    "family",
    "cpu",
    "memory",
    "containers",
    "image",
    "portMappings",
    "containerPort",
    "environment",
    "secrets",
    "healthCheck",
    "command",
    "interval",
    "dependsOn",
    "containerName",
    "condition",
    "logConfiguration",
    "awslogs",
    "group",
    "streamPrefix",
    "keepRevisions",
    "cluster",
    "taskDefinition",
    "desiredCount",
    "network",
    "subnets",
    "securityGroups",
    "assignPublicIp",
    "loadBalancers",
    "targetGroupArn",
    "deployment",
    "maximumPercent",
    "capacityProviderStrategy",
    "capacityProvider",
    "port",
    "protocol",
    "vpcId",
    "path",
    "matcher",
    "intervalSeconds",
    "stickiness",
    "loadBalancerArn",
    "certificateArn",
    "sslPolicy",
    "defaultAction",
    "forward",
    "redirect",
    "fixedResponse",
    "statusCode",
    "ingress",
    "egress",
    "fromPort",
    "toPort",
    "cidrBlocks",
    "sourceSecurityGroupId",
    "internal",
    "idleTimeoutSeconds",
    "accessLogs",
    "prefix",
    "",
    "x.y",
    "[0]",
    "ünïcode",
];

/// `v` with every number as the wire's f64 holds it: whole numbers below 2^53 as integers,
/// others as floats (what `struct_to_json` gives back).
fn as_wire_numbers(v: &Json) -> Json {
    match v {
        Json::Number(n) => {
            let f = n.as_f64().unwrap_or(0.0);
            if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
                json!(f as i64)
            } else {
                serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number)
            }
        }
        Json::Array(items) => Json::Array(items.iter().map(as_wire_numbers).collect()),
        Json::Object(m) => Json::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), as_wire_numbers(x)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn scalar() -> impl Strategy<Value = Json> {
    prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        prop::num::f64::ANY.prop_map(|f| serde_json::Number::from_f64(f)
            .map(Json::Number)
            .unwrap_or(Json::Null)),
        Just(json!(1e300)),
        Just(json!(-0.0)),
        Just(json!(9_007_199_254_740_993u64)),
        Just(json!(UNKNOWN)),
        prop_oneof![
            Just("nginx:1.27".to_string()),
            Just("subnet-12345678".to_string()),
            Just("sg-12345678".to_string()),
            Just("vpc-12345678".to_string()),
            Just("arn:aws:ecs:us-east-1:123456789012:cluster/main".to_string()),
            Just("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/t/1".to_string()),
            Just("HTTP".to_string()),
            Just("HTTPS".to_string()),
            Just("tcp".to_string()),
            Just("all".to_string()),
            Just("FARGATE".to_string()),
            Just("10.0.0.0/8".to_string()),
            Just("0.0.0.0/0".to_string()),
            Just(String::new()),
            ".{0,40}",
        ]
        .prop_map(Json::String),
    ]
}

fn special(inner: Json) -> impl Strategy<Value = Json> {
    prop_oneof![
        Just(json!({SIG_KEY: SECRET_SIG, "value": inner.clone()})),
        Just(json!({SIG_KEY: SECRET_SIG})),
        Just(
            json!({SIG_KEY: OUTPUT_VALUE_SIG, "value": inner.clone(), "secret": true, "dependencies": ["urn:x"]})
        ),
        Just(json!({SIG_KEY: OUTPUT_VALUE_SIG, "dependencies": []})),
        Just(json!({SIG_KEY: OUTPUT_VALUE_SIG, "value": inner.clone(), "secret": "yes"})),
        Just(json!({SIG_KEY: RESOURCE_REF_SIG, "urn": "urn:x", "id": inner})),
        Just(json!({SIG_KEY: 42})),
    ]
}

/// Arbitrary JSON, biased to the schemas' keys, with Pulumi's special values inside.
fn value() -> impl Strategy<Value = Json> {
    scalar().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
            prop::collection::btree_map(prop::sample::select(KEYS), inner.clone(), 0..6).prop_map(
                |m| Json::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            ),
            inner.prop_flat_map(special),
        ]
    })
}

/// A property map: an object at the top, keys from the schemas.
fn properties() -> impl Strategy<Value = Json> {
    prop::collection::btree_map(prop::sample::select(KEYS), value(), 0..8)
        .prop_map(|m| Json::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()))
}

/// Arbitrary wire values, including what JSON cannot hold (NaN, infinities, absent kinds).
fn wire_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value { kind: None }),
        prop::num::f64::ANY.prop_map(|f| Value {
            kind: Some(Kind::NumberValue(f))
        }),
        Just(Value {
            kind: Some(Kind::NumberValue(f64::NAN))
        }),
        Just(Value {
            kind: Some(Kind::NumberValue(f64::INFINITY))
        }),
        ".{0,12}".prop_map(|s| Value {
            kind: Some(Kind::StringValue(s))
        }),
        Just(Value {
            kind: Some(Kind::StringValue(UNKNOWN.into()))
        }),
        any::<bool>().prop_map(|b| Value {
            kind: Some(Kind::BoolValue(b))
        }),
    ];
    leaf.prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|values| Value {
                kind: Some(Kind::ListValue(ListValue { values }))
            }),
            prop::collection::btree_map(prop::sample::select(KEYS), inner, 0..5).prop_map(|m| {
                Value {
                    kind: Some(Kind::StructValue(Struct {
                        fields: m.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
                    })),
                }
            }),
        ]
    })
}

fn wire_struct() -> impl Strategy<Value = Struct> {
    prop::collection::btree_map(prop::sample::select(KEYS), wire_value(), 0..8).prop_map(|m| {
        Struct {
            fields: m.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        }
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn ctx() -> Ctx {
    Ctx {
        aws: Arc::new(AwsClients::new(ProviderConfig::default())),
        log: ResourceLog::new(EngineLog::default(), "urn:pulumi:dev::p::t::n"),
        cancel: tokio_util::sync::CancellationToken::new(),
        timeout: None,
        default_tags: BTreeMap::new(),
    }
}

/// What the server does with properties from the wire, then Check, Diff and the previews of
/// every resource type. Returns nothing: the property is "no panic".
fn drive(rt: &tokio::runtime::Runtime, news_wire: &Json, olds_wire: &Json) {
    let mut news = news_wire.clone();
    let paths = unwrap_secrets(&mut news);
    let mut olds = olds_wire.clone();
    unwrap_secrets(&mut olds);
    let tags = BTreeMap::from([("team".to_string(), "x".to_string())]);
    for resource in pulumi_resource_fargate::resources::all() {
        let check_ctx = CheckContext {
            name: "subject",
            random_seed: b"seed",
            proposed_name: None,
            has_unknowns: contains_unknowns(&news),
        };
        let olds_arg = olds
            .as_object()
            .is_some_and(|m| !m.is_empty())
            .then(|| olds.clone());
        let checked = resource.check(news.clone(), olds_arg, &check_ctx);
        let checked_or_raw = checked.clone().unwrap_or_else(|_| news.clone());
        // Diff against arbitrary old state and against the checked inputs.
        for (old_inputs, old_outputs) in [(&olds, &olds), (&checked_or_raw, &olds)] {
            let _ = resource.diff(&DiffInput {
                old_inputs,
                old_outputs,
                news: &checked_or_raw,
                default_tags: &tags,
            });
        }
        let c = ctx();
        let _ = rt.block_on(resource.create(&c, checked_or_raw.clone(), true));
        let _ = rt.block_on(resource.update(&c, "id", olds.clone(), checked_or_raw.clone(), true));
        if let Ok(ok) = checked {
            let mut again = ok.clone();
            rewrap_secrets(&mut again, &paths);
            let _ = struct_to_json(&json_to_struct(&again));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn json_struct_round_trip_gives_the_input_back(v in properties()) {
        let s = json_to_struct(&v);
        let bytes = s.encode_to_vec();
        let decoded = Struct::decode(bytes.as_slice()).expect("our own encoding decodes");
        let back = struct_to_json(&decoded);
        // The wire holds numbers as f64: the input as f64 would hold it is what must come back.
        prop_assert_eq!(&back, &as_wire_numbers(&v));
        let mut plain = back.clone();
        let paths = unwrap_secrets(&mut plain);
        let mut rewrapped = plain.clone();
        rewrap_secrets(&mut rewrapped, &paths);
        let _ = contains_unknowns(&rewrapped);
    }

    #[test]
    fn check_diff_and_previews_never_panic(news in properties(), olds in properties()) {
        let rt = runtime();
        drive(&rt, &news, &olds);
    }

    #[test]
    fn wire_values_through_the_server_never_panic(news in wire_struct(), olds in wire_struct(), ty in prop::sample::select(vec![
        "fargate:ecs:Cluster", "fargate:ecs:TaskDefinition", "fargate:ecs:Service",
        "fargate:lb:LoadBalancer", "fargate:lb:TargetGroup", "fargate:lb:Listener",
        "fargate:ec2:SecurityGroup", "fargate:no:Such",
    ])) {
        let rt = runtime();
        let provider = FargateProvider::new(EngineLog::default());
        let _ = rt.block_on(provider.check(tonic::Request::new(CheckRequest {
            urn: format!("urn:pulumi:dev::p::{ty}::subject"),
            r#type: ty.to_string(),
            news: Some(news.clone()),
            olds: Some(olds.clone()),
            random_seed: b"seed".to_vec(),
            ..Default::default()
        })));
        let _ = rt.block_on(provider.check_config(tonic::Request::new(CheckRequest {
            news: Some(news.clone()),
            ..Default::default()
        })));
        drive(&rt, &struct_to_json(&news), &struct_to_json(&olds));
    }
}

// --- Regression inputs ----------------------------------------------------------------------

/// Non-finite and huge wire numbers decode to something (null or a float), never a panic.
#[test]
fn non_finite_numbers_decode() {
    for f in [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        1e300,
        -1e300,
        9.007_199_254_740_993e15,
    ] {
        let s = Struct {
            fields: [(
                "cpu".to_string(),
                Value {
                    kind: Some(Kind::NumberValue(f)),
                },
            )]
            .into(),
        };
        let j = struct_to_json(&s);
        assert!(j["cpu"].is_null() || j["cpu"].is_number(), "{f}: {j}");
    }
}

/// Special objects without their payload, and a signature that is not a string.
#[test]
fn malformed_special_objects_are_handled() {
    let rt = runtime();
    let news = json!({
        "name": {SIG_KEY: SECRET_SIG},
        "tags": {SIG_KEY: OUTPUT_VALUE_SIG},
        "cluster": {SIG_KEY: 42},
        "containers": [{SIG_KEY: RESOURCE_REF_SIG}],
    });
    drive(&rt, &news, &Json::Object(Map::new()));
}
