//! The provider over real gRPC, in process: what the engine sees, without AWS.

use pulumi_resource_fargate::context::EngineLog;
use pulumi_resource_fargate::server::FargateProvider;
use pulumi_rs_proto::pulumirpc::resource_provider_client::ResourceProviderClient;
use pulumi_rs_proto::pulumirpc::resource_provider_server::ResourceProviderServer;
use pulumi_rs_proto::pulumirpc::{
    CheckRequest, ConfigureRequest, CreateRequest, DiffRequest, GetSchemaRequest,
};
use pulumi_rs_proto::value::{UNKNOWN, is_secret, json_to_struct, opt_struct_to_json, secret};
use serde_json::json;
use tonic::transport::Channel;

const URN: &str = "urn:pulumi:dev::proj::fargate:ecs:Cluster::main";

async fn provider() -> ResourceProviderClient<Channel> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(ResourceProviderServer::new(FargateProvider::new(
                EngineLog::default(),
            )))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );
    ResourceProviderClient::connect(format!("http://{addr}"))
        .await
        .unwrap()
}

#[tokio::test]
async fn plugin_info_and_schema() {
    let mut p = provider().await;
    let info = p.get_plugin_info(()).await.unwrap().into_inner();
    assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
    let schema = p
        .get_schema(GetSchemaRequest::default())
        .await
        .unwrap()
        .into_inner()
        .schema;
    let schema: serde_json::Value = serde_json::from_str(&schema).unwrap();
    for token in [
        "fargate:ecs:Cluster",
        "fargate:ecs:TaskDefinition",
        "fargate:ecs:Service",
    ] {
        assert!(schema["resources"][token].is_object(), "{token} missing");
    }
}

#[tokio::test]
async fn check_reports_failures_with_property_and_value() {
    let mut p = provider().await;
    let resp = p
        .check(CheckRequest {
            urn: URN.into(),
            news: Some(json_to_struct(&json!({"name": "bad name!"}))),
            random_seed: b"seed".to_vec(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resp.failures.len(), 1);
    assert_eq!(resp.failures[0].property, "name");
    assert!(resp.failures[0].reason.contains("`bad name!`"));
}

#[tokio::test]
async fn check_keeps_secrets_and_unknowns() {
    let mut p = provider().await;
    let resp = p
        .check(CheckRequest {
            urn: URN.into(),
            news: Some(json_to_struct(
                &json!({"name": UNKNOWN, "tags": {"token": secret(json!("s3cret"))}}),
            )),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(resp.failures.is_empty(), "{:?}", resp.failures);
    let inputs = opt_struct_to_json(resp.inputs.as_ref());
    assert_eq!(inputs["name"], json!(UNKNOWN));
    assert!(is_secret(&inputs["tags"]["token"]), "{inputs}");
}

#[tokio::test]
async fn preview_create_needs_no_aws_and_leaves_outputs_unknown() {
    let mut p = provider().await;
    // An endpoint nothing listens on: any AWS call would fail the test.
    p.configure(ConfigureRequest {
        args: Some(json_to_struct(
            &json!({"region": "eu-central-1", "endpoint": "http://127.0.0.1:9"}),
        )),
        accept_secrets: true,
        ..Default::default()
    })
    .await
    .unwrap();
    let resp = p
        .create(CreateRequest {
            urn: URN.into(),
            properties: Some(json_to_struct(&json!({"name": "main-1"}))),
            preview: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resp.id, "");
    let outputs = opt_struct_to_json(resp.properties.as_ref());
    assert_eq!(outputs["name"], json!("main-1"));
    assert_eq!(outputs["arn"], json!(UNKNOWN));
}

#[tokio::test]
async fn diff_names_paths_and_replacements() {
    let mut p = provider().await;
    let old = json!({"name": "a", "tags": {"t": "1"}});
    let resp = p
        .diff(DiffRequest {
            urn: URN.into(),
            id: "arn:x".into(),
            olds: Some(json_to_struct(
                &json!({"name": "a", "tags": {"t": "1"}, "arn": "arn:x", "tagsAll": {"t": "1"}}),
            )),
            old_inputs: Some(json_to_struct(&old)),
            news: Some(json_to_struct(&json!({"name": "b", "tags": {"t": "2"}}))),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resp.replaces, vec!["name"]);
    assert_eq!(resp.diffs, vec!["name", "tags"]);
    assert!(resp.detailed_diff.contains_key("tags.t"));
    assert!(resp.has_detailed_diff);
}

#[tokio::test]
async fn bad_provider_config_is_a_check_failure() {
    let mut p = provider().await;
    let resp = p
        .check_config(CheckRequest {
            urn: "urn:pulumi:dev::proj::pulumi:providers:fargate::default".into(),
            news: Some(json_to_struct(&json!({"region": "mars-1"}))),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resp.failures[0].property, "fargate:region");
    assert!(resp.failures[0].reason.contains("mars-1"));
}

const ROLE_URN: &str = "urn:pulumi:dev::proj::fargate:iam:Role::task";
const PARAMETER_URN: &str = "urn:pulumi:dev::proj::fargate:ssm:Parameter::dsn";

/// A secret inside a property (one tag value) comes back secret at that place only, through
/// Check, a preview Create and a preview Update, and Diff sees no change from markers alone.
#[tokio::test]
async fn a_nested_secret_stays_secret_at_its_path_only() {
    let mut p = provider().await;
    let news =
        json!({"name": "task-role", "tags": {"team": "api", "token": secret(json!("s3cret-tag"))}});
    let resp = p
        .check(CheckRequest {
            urn: ROLE_URN.into(),
            r#type: "fargate:iam:Role".into(),
            news: Some(json_to_struct(&news)),
            random_seed: b"seed".to_vec(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(resp.failures.is_empty(), "{:?}", resp.failures);
    let checked = opt_struct_to_json(resp.inputs.as_ref());
    assert!(is_secret(&checked["tags"]["token"]), "{checked}");
    assert!(!is_secret(&checked["tags"]), "only the one tag: {checked}");
    assert_eq!(checked["tags"]["team"], json!("api"));
    assert_eq!(checked["name"], json!("task-role"));

    // The engine sends the checked inputs back: a preview of the create keeps the marker there
    // and adds none elsewhere.
    let created = p
        .create(CreateRequest {
            urn: ROLE_URN.into(),
            r#type: "fargate:iam:Role".into(),
            properties: resp.inputs.clone(),
            preview: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let outputs = opt_struct_to_json(created.properties.as_ref());
    assert!(is_secret(&outputs["tags"]["token"]), "{outputs}");
    assert_eq!(outputs["tags"]["team"], json!("api"));
    assert!(!is_secret(&outputs["name"]));

    // Old state with the tag plain (written before it was secret) against the same value now
    // secret: no change. A real change of the secret tag is a change at that path.
    let old = json!({"name": "task-role", "tags": {"team": "api", "token": "s3cret-tag"}});
    let diff = |news: serde_json::Value| DiffRequest {
        urn: ROLE_URN.into(),
        r#type: "fargate:iam:Role".into(),
        id: "task-role".into(),
        olds: Some(json_to_struct(&old)),
        old_inputs: Some(json_to_struct(&old)),
        news: Some(json_to_struct(&news)),
        ..Default::default()
    };
    let same = p.diff(diff(checked.clone())).await.unwrap().into_inner();
    assert!(
        same.diffs.is_empty(),
        "markers alone made a diff: {:?}",
        same.diffs
    );
    let mut changed = checked.clone();
    changed["tags"]["token"] = secret(json!("another"));
    let resp = p.diff(diff(changed)).await.unwrap().into_inner();
    assert_eq!(resp.diffs, vec!["tags"]);
    assert!(
        resp.detailed_diff.contains_key("tags.token"),
        "{:?}",
        resp.detailed_diff
    );

    // A preview of the update: the secret tag (and its copy) secret, nothing else.
    let updated = p
        .update(pulumi_rs_proto::pulumirpc::UpdateRequest {
            urn: ROLE_URN.into(),
            r#type: "fargate:iam:Role".into(),
            id: "task-role".into(),
            olds: Some(json_to_struct(
                &json!({"name": "task-role", "tags": {"team": "api"}, "arn": "arn:aws:iam::1:role/task-role", "tagsAll": {"team": "api", "token": "s3cret-tag"}}),
            )),
            news: resp_inputs(&checked),
            preview: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let outputs = opt_struct_to_json(updated.properties.as_ref());
    assert!(is_secret(&outputs["tags"]["token"]), "{outputs}");
    assert!(
        is_secret(&outputs["tagsAll"]["token"]),
        "the copy: {outputs}"
    );
    assert_eq!(outputs["tagsAll"]["team"], json!("api"));
    assert_eq!(outputs["arn"], json!("arn:aws:iam::1:role/task-role"));
}

fn resp_inputs(v: &serde_json::Value) -> Option<prost_types::Struct> {
    Some(json_to_struct(v))
}

/// An SSM parameter's value is secret in what Check returns even when the program sent it
/// plain, and a failure about it names neither the value nor lets the engine print it.
#[tokio::test]
async fn a_parameter_value_is_always_secret_and_never_quoted() {
    let mut p = provider().await;
    let check = |news: serde_json::Value| CheckRequest {
        urn: PARAMETER_URN.into(),
        r#type: "fargate:ssm:Parameter".into(),
        news: Some(json_to_struct(&news)),
        random_seed: b"seed".to_vec(),
        ..Default::default()
    };
    let resp = p
        .check(check(
            json!({"name": "/sotex/dsn", "value": "plain-canary-1"}),
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(resp.failures.is_empty(), "{:?}", resp.failures);
    let checked = opt_struct_to_json(resp.inputs.as_ref());
    assert!(is_secret(&checked["value"]), "{checked}");
    assert!(!is_secret(&checked["name"]));

    let big = format!("plain-canary-2{}", "x".repeat(5000));
    let resp = p
        .check(check(json!({"name": "/sotex/dsn", "value": big})))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resp.failures.len(), 1, "{:?}", resp.failures);
    let f = &resp.failures[0];
    // No property: the engine would print the (plain) input beside it.
    assert_eq!(f.property, "");
    assert!(
        f.reason.starts_with("value: ") && f.reason.contains("5014 bytes"),
        "{}",
        f.reason
    );
    assert!(!f.reason.contains("plain-canary-2"), "{}", f.reason);

    // Preview of the create: the value secret in the outputs, the version unknown.
    let created = p
        .create(CreateRequest {
            urn: PARAMETER_URN.into(),
            r#type: "fargate:ssm:Parameter".into(),
            properties: Some(json_to_struct(
                &json!({"name": "/sotex/dsn", "value": "plain-canary-1", "tier": "Standard"}),
            )),
            preview: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let outputs = opt_struct_to_json(created.properties.as_ref());
    assert!(is_secret(&outputs["value"]), "{outputs}");
    assert_eq!(outputs["version"], json!(UNKNOWN));
}
