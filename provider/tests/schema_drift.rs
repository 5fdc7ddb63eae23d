//! The committed `schema/schema.json` is exactly what the Rust types generate, and exactly what
//! GetSchema answers.

use pulumi_resource_fargate::schema::package_schema_json;

const COMMITTED: &str = include_str!("../../schema/schema.json");

#[test]
fn committed_schema_matches_the_code() {
    assert!(
        package_schema_json() == COMMITTED,
        "schema/schema.json is stale: run scripts/gen-schema and commit the result"
    );
}

#[tokio::test]
async fn get_schema_answers_the_committed_file() {
    use pulumi_rs_proto::pulumirpc::GetSchemaRequest;
    use pulumi_rs_proto::pulumirpc::resource_provider_server::ResourceProvider;
    let provider = pulumi_resource_fargate::server::FargateProvider::new(Default::default());
    let schema = provider
        .get_schema(tonic::Request::new(GetSchemaRequest::default()))
        .await
        .unwrap()
        .into_inner()
        .schema;
    assert_eq!(schema, COMMITTED);
}
