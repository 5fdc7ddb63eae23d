//! What moto cannot emulate — circuit-breaker rollbacks and tasks that fail to start — driven
//! through the real AWS SDK client with mocked responses, asserting the user-facing messages.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_ecs::Client;
use aws_sdk_ecs::operation::create_service::CreateServiceOutput;
use aws_sdk_ecs::operation::describe_services::DescribeServicesOutput;
use aws_sdk_ecs::operation::describe_tasks::DescribeTasksOutput;
use aws_sdk_ecs::operation::list_tasks::ListTasksOutput;
use aws_sdk_ecs::types::{Container, Deployment, DeploymentRolloutState, Service, Task};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use pulumi_resource_fargate::aws::AwsClients;
use pulumi_resource_fargate::aws::ecs_service::wait_for_steady_state;
use pulumi_resource_fargate::context::{Ctx, EngineLog, ResourceLog};
use pulumi_resource_fargate::error::ProviderError;
use pulumi_resource_fargate::resource::Resource;
use pulumi_resource_fargate::resources::ecs::service::{
    NetworkConfiguration, Service as ServiceResource, ServiceInputs,
};
use tokio_util::sync::CancellationToken;

const TD1: &str = "arn:aws:ecs:eu-central-1:123456789012:task-definition/api:1";
const TD2: &str = "arn:aws:ecs:eu-central-1:123456789012:task-definition/api:2";
const SERVICE_ARN: &str = "arn:aws:ecs:eu-central-1:123456789012:service/main/api";

fn deployment(
    id: &str,
    status: &str,
    td: &str,
    rollout: DeploymentRolloutState,
    reason: Option<&str>,
    failed: i32,
) -> Deployment {
    Deployment::builder()
        .id(id)
        .status(status)
        .task_definition(td)
        .rollout_state(rollout)
        .set_rollout_state_reason(reason.map(str::to_string))
        .failed_tasks(failed)
        .build()
}

fn service(running: i32, pending: i32, deployments: Vec<Deployment>) -> Service {
    Service::builder()
        .service_arn(SERVICE_ARN)
        .service_name("api")
        .cluster_arn("arn:aws:ecs:eu-central-1:123456789012:cluster/main")
        .status("ACTIVE")
        .desired_count(2)
        .running_count(running)
        .pending_count(pending)
        .set_deployments(Some(deployments))
        .build()
}

fn log() -> ResourceLog {
    ResourceLog::new(
        EngineLog::default(),
        "urn:pulumi:dev::p::fargate:ecs:Service::api",
    )
}

#[tokio::test(start_paused = true)]
async fn circuit_breaker_rollback_fails_the_update_with_its_reason() {
    let rolling = mock!(Client::describe_services).then_output(|| {
        DescribeServicesOutput::builder()
            .services(service(
                1,
                1,
                vec![
                    deployment(
                        "ecs-svc/2",
                        "PRIMARY",
                        TD2,
                        DeploymentRolloutState::InProgress,
                        None,
                        0,
                    ),
                    deployment(
                        "ecs-svc/1",
                        "ACTIVE",
                        TD1,
                        DeploymentRolloutState::Completed,
                        None,
                        0,
                    ),
                ],
            ))
            .build()
    });
    let rolled_back = mock!(Client::describe_services).then_output(|| {
        DescribeServicesOutput::builder()
            .services(service(
                2,
                0,
                vec![
                    deployment(
                        "ecs-svc/3",
                        "PRIMARY",
                        TD1,
                        DeploymentRolloutState::InProgress,
                        None,
                        0,
                    ),
                    deployment(
                        "ecs-svc/2",
                        "ACTIVE",
                        TD2,
                        DeploymentRolloutState::Failed,
                        Some("ECS deployment circuit breaker: tasks failed to start."),
                        0,
                    ),
                ],
            ))
            .build()
    });
    let client = mock_client!(aws_sdk_ecs, RuleMode::Sequential, &[&rolling, &rolled_back]);
    let reasons = wait_for_steady_state(
        &client,
        "main",
        "api",
        Some("ecs-svc/2"),
        Duration::from_secs(600),
        &log(),
        &CancellationToken::new(),
    )
    .await
    .expect_err("a rollback must fail the wait");
    assert_eq!(
        reasons,
        vec![
            format!("the deployment circuit breaker rolled the service back to {TD1}"),
            "rollout failed: ECS deployment circuit breaker: tasks failed to start.".to_string(),
        ]
    );
}

fn failing_service() -> DescribeServicesOutput {
    DescribeServicesOutput::builder()
        .services(service(
            0,
            2,
            vec![deployment(
                "ecs-svc/2",
                "PRIMARY",
                TD2,
                DeploymentRolloutState::InProgress,
                None,
                1,
            )],
        ))
        .build()
}

fn pull_failure_rules() -> Vec<aws_smithy_mocks::Rule> {
    vec![
        mock!(Client::describe_services).then_output(failing_service),
        mock!(Client::list_tasks).then_output(|| {
            ListTasksOutput::builder()
                .task_arns("arn:aws:ecs:eu-central-1:123456789012:task/main/abc")
                .build()
        }),
        mock!(Client::describe_tasks).then_output(|| {
            DescribeTasksOutput::builder()
                .tasks(
                    Task::builder()
                        .started_by("ecs-svc/2")
                        .stopped_reason("CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to resolve ref 123456789012.dkr.ecr.eu-central-1.amazonaws.com/api:nope: not found")
                        .containers(Container::builder().name("api").reason("CannotPullContainerError: ref not found").build())
                        .build(),
                )
                .build()
        }),
    ]
}

#[tokio::test(start_paused = true)]
async fn image_pull_failure_fails_early_with_the_stop_reason() {
    let rules = pull_failure_rules();
    let client = mock_client!(aws_sdk_ecs, RuleMode::Sequential, &rules);
    let started = tokio::time::Instant::now();
    let reasons = wait_for_steady_state(
        &client,
        "main",
        "api",
        Some("ecs-svc/2"),
        Duration::from_secs(600),
        &log(),
        &CancellationToken::new(),
    )
    .await
    .expect_err("a task that cannot pull its image must fail the wait");
    assert_eq!(
        reasons,
        vec!["CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to resolve ref 123456789012.dkr.ecr.eu-central-1.amazonaws.com/api:nope: not found; container api: CannotPullContainerError: ref not found".to_string()]
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "failed on the first poll, not after a timeout"
    );
}

#[tokio::test(start_paused = true)]
async fn a_failed_create_is_reported_as_partially_created_with_its_id() {
    let create = mock!(Client::create_service).then_output(|| {
        CreateServiceOutput::builder()
            .service(service(
                0,
                2,
                vec![deployment(
                    "ecs-svc/2",
                    "PRIMARY",
                    TD2,
                    DeploymentRolloutState::InProgress,
                    None,
                    0,
                )],
            ))
            .build()
    });
    let mut rules = vec![create];
    rules.extend(pull_failure_rules());
    let client = mock_client!(aws_sdk_ecs, RuleMode::Sequential, &rules);
    let ctx = Ctx {
        aws: Arc::new(AwsClients::with_ecs(client, "eu-central-1")),
        log: log(),
        cancel: CancellationToken::new(),
        timeout: None,
        default_tags: BTreeMap::new(),
    };
    let inputs = ServiceInputs {
        name: Some("api".into()),
        cluster: "main".into(),
        task_definition: TD2.into(),
        desired_count: Some(2),
        network: NetworkConfiguration {
            subnets: vec!["subnet-1".into()],
            security_groups: vec!["sg-1".into()],
            assign_public_ip: None,
        },
        ..Default::default()
    };
    let err = ServiceResource
        .create(&ctx, &inputs)
        .await
        .expect_err("the rollout fails");
    let ProviderError::InitFailed {
        id,
        outputs,
        reasons,
    } = err
    else {
        panic!("expected a partial-create error, got {err:?}");
    };
    assert_eq!(id, SERVICE_ARN);
    assert_eq!(outputs["arn"], SERVICE_ARN);
    assert_eq!(outputs["taskDefinition"], TD2);
    assert!(
        reasons[0].starts_with(
            "service api creation did not reach steady state: CannotPullContainerError"
        ),
        "{reasons:?}"
    );
}
