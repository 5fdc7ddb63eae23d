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
