//! AWS rules that moto does not enforce and that can only be seen as an AWS error: each test
//! answers the provider's call with the HTTP response real AWS sends (status, error code and
//! message in the service's wire format, so the SDK's own error parsing runs) and asserts that
//! the message an engineer sees names the property and the fix. docs/AWS-RULES.md lists them.

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_sdk_ecs::Client as Ecs;
use aws_sdk_ecs::operation::update_service::UpdateServiceOutput;
use aws_sdk_ecs::types::Service;
use aws_sdk_elasticloadbalancingv2::Client as Elb;
use aws_smithy_mocks::{MockResponseInterceptor, Rule, RuleMode, mock, mock_client};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use pulumi_resource_fargate::aws::AwsClients;
use pulumi_resource_fargate::context::{Ctx, EngineLog, ResourceLog};
use pulumi_resource_fargate::error::ProviderError;
use pulumi_resource_fargate::resource::Resource;
use pulumi_resource_fargate::resources::ecs::cluster::{Cluster, ClusterInputs, ClusterOutputs};
use pulumi_resource_fargate::resources::ecs::service::{
    CapacityProvider, CapacityProviderItem, LoadBalancer, NetworkConfiguration, Service as Svc,
    ServiceInputs, ServiceOutputs,
};
use pulumi_resource_fargate::resources::lb::listener::{
    DefaultAction, Forward, Listener, ListenerInputs,
};
use pulumi_resource_fargate::resources::lb::load_balancer::{
    LoadBalancer as Alb, LoadBalancerInputs,
};
use pulumi_resource_fargate::resources::lb::target_group::HttpProtocol;
use tokio_util::sync::CancellationToken;

const REGION: &str = "eu-central-1";
const CLUSTER_ARN: &str = "arn:aws:ecs:eu-central-1:123456789012:cluster/main";
const SERVICE_ARN: &str = "arn:aws:ecs:eu-central-1:123456789012:service/main/api";
const TG_ARN: &str =
    "arn:aws:elasticloadbalancing:eu-central-1:123456789012:targetgroup/api/0123456789abcdef";
const LB_ARN: &str =
    "arn:aws:elasticloadbalancing:eu-central-1:123456789012:loadbalancer/app/api/0123456789abcdef";
const CERT_ARN: &str =
    "arn:aws:acm:us-east-1:123456789012:certificate/8e1c1e44-0e1b-4a51-9c6c-5e1f0a1b2c3d";

/// An ECS (awsJson 1.1) error as AWS sends it.
fn ecs_error(code: &'static str, message: &'static str) -> impl Fn() -> HttpResponse {
    move || {
        let body = serde_json::json!({"__type": code, "message": message}).to_string();
        HttpResponse::new(StatusCode::try_from(400).unwrap(), SdkBody::from(body))
    }
}

/// An Elastic Load Balancing (awsQuery) error as AWS sends it.
fn elb_error(status: u16, code: &'static str, message: &'static str) -> impl Fn() -> HttpResponse {
    move || {
        let body = format!(
            "<ErrorResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>4a5b6c7d-1111-2222-3333-444455556666</RequestId></ErrorResponse>"
        );
        HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::from(body))
    }
}

/// An EC2 (ec2Query) error as AWS sends it.
fn ec2_error(code: &'static str, message: &'static str) -> impl Fn() -> HttpResponse {
    move || {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>4a5b6c7d-1111-2222-3333-444455556666</RequestID></Response>"
        );
        HttpResponse::new(StatusCode::try_from(400).unwrap(), SdkBody::from(body))
    }
}

/// A client of `sdk` answered by `rules`, built without the SDK's `test-util` feature.
macro_rules! mocked {
    ($sdk:ident, $rules:expr) => {{
        let mut interceptor = MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny);
        for rule in $rules {
            interceptor = interceptor.with_rule(rule);
        }
        $sdk::Client::from_conf(
            $sdk::Config::builder()
                .behavior_version($sdk::config::BehaviorVersion::latest())
                .region($sdk::config::Region::new(REGION))
                .credentials_provider($sdk::config::Credentials::new(
                    "AKIDEXAMPLE",
                    "secret",
                    None,
                    None,
                    "mock",
                ))
                .http_client(aws_smithy_mocks::create_mock_http_client())
                .interceptor(interceptor)
                .build(),
        )
    }};
}

fn ctx(aws: AwsClients) -> Ctx {
    Ctx {
        aws: Arc::new(aws),
        log: ResourceLog::new(EngineLog::default(), "urn:pulumi:staging::sotex::t::r"),
        cancel: CancellationToken::new(),
        timeout: None,
        default_tags: BTreeMap::new(),
    }
}

fn ecs_ctx(rules: &[&Rule]) -> Ctx {
    ctx(AwsClients::with_ecs(
        mock_client!(aws_sdk_ecs, RuleMode::MatchAny, rules),
        REGION,
    ))
}

fn elb_ctx(rules: &[&Rule]) -> Ctx {
    let ecs = mock_client!(aws_sdk_ecs, RuleMode::MatchAny, &[] as &[&Rule]);
    ctx(AwsClients::with_ecs(ecs, REGION).and_elbv2(mocked!(aws_sdk_elasticloadbalancingv2, rules)))
}

fn spot_service() -> ServiceInputs {
    ServiceInputs {
        name: Some("api".into()),
        cluster: CLUSTER_ARN.into(),
        task_definition: "arn:aws:ecs:eu-central-1:123456789012:task-definition/api:1".into(),
        desired_count: Some(2),
        network: NetworkConfiguration {
            subnets: vec!["subnet-1".into()],
            security_groups: vec!["sg-1".into()],
            assign_public_ip: None,
        },
        capacity_provider_strategy: Some(vec![
            CapacityProviderItem {
                capacity_provider: CapacityProvider::Fargate,
                weight: Some(1),
                base: Some(1),
            },
            CapacityProviderItem {
                capacity_provider: CapacityProvider::FargateSpot,
                weight: Some(3),
                base: None,
            },
        ]),
        wait_for_steady_state: Some(false),
        ..Default::default()
    }
}

/// The message of an error, whatever its kind.
fn text(err: ProviderError) -> String {
    err.to_string()
}

fn assert_names(message: &str, parts: &[&str]) {
    for part in parts {
        assert!(message.contains(part), "`{part}` missing from: {message}");
    }
}

#[tokio::test]
async fn spot_strategy_on_a_cluster_without_the_provider() {
    let rule = mock!(Ecs::create_service).then_http_response(ecs_error(
        "InvalidParameterException",
        "The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.",
    ));
    let err = Svc
        .create(&ecs_ctx(&[&rule]), &spot_service())
        .await
        .expect_err("AWS refuses the service");
    assert_names(
        &text(err),
        &[
            "ecs:CreateService failed: InvalidParameterException",
            "`capacityProviderStrategy`",
            "cluster's `capacityProviders`",
            "fargate:ecs:Cluster",
            "FARGATE_SPOT",
        ],
    );
}

#[tokio::test]
async fn target_group_not_yet_attached_to_a_load_balancer() {
    let rule = mock!(Ecs::create_service).then_http_response(ecs_error(
        "InvalidParameterException",
        "The target group with targetGroupArn arn:aws:elasticloadbalancing:eu-central-1:123456789012:targetgroup/api/0123456789abcdef does not have an associated load balancer.",
    ));
    let inputs = ServiceInputs {
        capacity_provider_strategy: None,
        load_balancers: Some(vec![LoadBalancer {
            target_group_arn: TG_ARN.into(),
            container_name: "api".into(),
            container_port: 8080,
        }]),
        ..spot_service()
    };
    let err = Svc
        .create(&ecs_ctx(&[&rule]), &inputs)
        .await
        .expect_err("AWS refuses the service");
    assert_names(
        &text(err),
        &[
            "does not have an associated load balancer",
            "`loadBalancers[].targetGroupArn`",
            "fargate:lb:Listener",
            "`dependsOn`",
        ],
    );
}

#[tokio::test]
async fn missing_ecs_service_linked_role_on_a_fresh_account() {
    let rule = mock!(Ecs::create_service).then_http_response(ecs_error(
        "InvalidParameterException",
        "Unable to assume the service linked role. Please verify that the ECS service linked role exists.",
    ));
    let err = Svc
        .create(&ecs_ctx(&[&rule]), &spot_service())
        .await
        .expect_err("AWS refuses the service");
    assert_names(
        &text(err),
        &[
            "AWSServiceRoleForECS",
            "aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com",
            "iam:CreateServiceLinkedRole",
        ],
    );
}

/// Changing a service's strategy needs a new deployment: the provider forces one, so AWS's
/// refusal (answered here for any request without it) is never seen.
#[tokio::test]
async fn a_changed_strategy_forces_a_new_deployment() {
    let forced = mock!(Ecs::update_service)
        .match_requests(|r| r.force_new_deployment() == Some(true))
        .then_output(|| {
            UpdateServiceOutput::builder()
                .service(
                    Service::builder()
                        .service_arn(SERVICE_ARN)
                        .running_count(2)
                        .build(),
                )
                .build()
        });
    let refused = mock!(Ecs::update_service).then_http_response(ecs_error(
        "InvalidParameterException",
        "When switching from launch type to capacity provider strategy on an existing service, or making a change to a capacity provider strategy on a service that is already using one, you must force a new deployment.",
    ));
    let ctx = ecs_ctx(&[&forced, &refused]);
    let news = spot_service();
    let mut old_inputs = news.clone();
    old_inputs.capacity_provider_strategy.as_mut().unwrap()[1].weight = Some(1);
    let olds: ServiceOutputs = serde_json::from_value(serde_json::json!({
        "name": "api",
        "cluster": CLUSTER_ARN,
        "taskDefinition": news.task_definition,
        "desiredCount": 2,
        "network": {"subnets": ["subnet-1"], "securityGroups": ["sg-1"]},
        "capacityProviderStrategy": old_inputs.capacity_provider_strategy,
        "waitForSteadyState": false,
        "arn": SERVICE_ARN,
        "runningCount": 2,
        "tagsAll": {},
    }))
    .expect("service state");
    Svc.update(&ctx, SERVICE_ARN, &olds, &news)
        .await
        .expect("the update forces a new deployment");
    assert_eq!(forced.num_calls(), 1);
    assert_eq!(refused.num_calls(), 0);
}

#[tokio::test]
async fn removing_a_capacity_provider_a_service_still_uses() {
    let rule = mock!(Ecs::put_cluster_capacity_providers).then_http_response(ecs_error(
        "ResourceInUseException",
        "The specified capacity provider is in use and cannot be removed.",
    ));
    let ctx = ecs_ctx(&[&rule]);
    let old_inputs = ClusterInputs {
        name: Some("main".into()),
        capacity_providers: Some(vec![
            CapacityProvider::Fargate,
            CapacityProvider::FargateSpot,
        ]),
        ..Default::default()
    };
    let olds = ClusterOutputs {
        inputs: old_inputs.clone(),
        arn: CLUSTER_ARN.into(),
        tags_all: BTreeMap::new(),
    };
    let news = ClusterInputs {
        capacity_providers: Some(vec![CapacityProvider::Fargate]),
        ..old_inputs
    };
    let err = Cluster
        .update(&ctx, CLUSTER_ARN, &olds, &news)
        .await
        .expect_err("AWS refuses while a service uses FARGATE_SPOT");
    assert_names(
        &text(err),
        &[
            "ecs:PutClusterCapacityProviders failed: ResourceInUseException",
            "`capacityProviders`",
            "`capacityProviderStrategy`",
            "move the service off it first",
        ],
    );
}

#[tokio::test]
async fn certificate_from_another_region() {
    let rule = mock!(Elb::create_listener).then_http_response(elb_error(
        400,
        "CertificateNotFound",
        "Certificate 'arn:aws:acm:us-east-1:123456789012:certificate/8e1c1e44-0e1b-4a51-9c6c-5e1f0a1b2c3d' not found",
    ));
    let inputs = ListenerInputs {
        load_balancer_arn: LB_ARN.into(),
        port: 443,
        protocol: Some(HttpProtocol::Https),
        certificate_arn: Some(CERT_ARN.into()),
        default_action: DefaultAction {
            forward: Some(Forward {
                target_group_arn: TG_ARN.into(),
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let err = Listener
        .create(&elb_ctx(&[&rule]), &inputs)
        .await
        .expect_err("AWS refuses the listener");
    assert_names(
        &text(err),
        &[
            "elasticloadbalancing:CreateListener failed: CertificateNotFound",
            "`certificateArn`",
            "same account and region as the load balancer",
        ],
    );
}

#[tokio::test]
async fn first_load_balancer_of_an_account_needs_the_service_linked_role() {
    let rule = mock!(Elb::create_load_balancer).then_http_response(elb_error(
        403,
        "AccessDenied",
        "User: arn:aws:iam::123456789012:user/deploy is not authorized to perform: iam:CreateServiceLinkedRole on resource: arn:aws:iam::123456789012:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing",
    ));
    let inputs = LoadBalancerInputs {
        name: Some("api".into()),
        subnets: vec!["subnet-1".into(), "subnet-2".into()],
        ..Default::default()
    };
    let err = Alb
        .create(&elb_ctx(&[&rule]), &inputs)
        .await
        .expect_err("AWS refuses the load balancer");
    assert_names(
        &text(err),
        &[
            "AccessDenied",
            "AWSServiceRoleForElasticLoadBalancing",
            "iam:CreateServiceLinkedRole",
            "aws iam create-service-linked-role --aws-service-name elasticloadbalancing.amazonaws.com",
        ],
    );
}

#[tokio::test]
async fn security_group_rules_quota() {
    use pulumi_resource_fargate::aws::ec2::{Direction, authorize};
    let rule =
        mock!(aws_sdk_ec2::Client::authorize_security_group_egress).then_http_response(ec2_error(
            "RulesPerSecurityGroupLimitExceeded",
            "The maximum number of rules per security group has been reached.",
        ));
    let ec2 = mocked!(aws_sdk_ec2, [&rule]);
    let permission = aws_sdk_ec2::types::IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(5432)
        .to_port(5432)
        .build();
    let err = authorize(&ec2, "sg-1", Direction::Egress, vec![permission])
        .await
        .expect_err("AWS refuses the 61st rule");
    assert_names(
        &text(err),
        &[
            "ec2:AuthorizeSecurityGroupEgress failed: RulesPerSecurityGroupLimitExceeded",
            "60 inbound and 60 outbound",
            "prefix list",
        ],
    );
}
