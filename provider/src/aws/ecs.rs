//! ECS access: finders (None when gone), tag conversions and named retries.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_ecs::Client;
use aws_sdk_ecs::types::{Cluster, ClusterField, ClusterSetting, ClusterSettingName, Tag};
use tokio_util::sync::CancellationToken;

use super::retry::{AttemptCounter, RetryRule, retry};
use crate::error::{OrGone, ProviderError, Result, aws_error_code};

const CLUSTER_NOT_FOUND: &[&str] = &["ClusterNotFoundException"];

/// Services and tasks take a while to drain after their own deletion; the cluster waits.
const CLUSTER_STILL_IN_USE: RetryRule = RetryRule {
    name: "cluster still has services or tasks draining",
    budget: Duration::from_secs(120),
    interval: Duration::from_secs(5),
};

pub fn to_ecs_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// Leaves out the provider's URN mark ([`crate::adopt::URN_TAG`]): it is not the program's.
pub fn from_ecs_tags(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter(|t| t.key() != Some(crate::adopt::URN_TAG))
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

pub fn container_insights_setting(value: &str) -> ClusterSetting {
    ClusterSetting::builder()
        .name(ClusterSettingName::ContainerInsights)
        .value(value)
        .build()
}

/// The `containerInsights` setting AWS reports for a cluster, if any.
pub fn container_insights_of(cluster: &Cluster) -> Option<String> {
    cluster
        .settings()
        .iter()
        .find(|s| s.name() == Some(&ClusterSettingName::ContainerInsights))
        .and_then(|s| s.value().map(str::to_string))
}

/// Finds a cluster by name or ARN; `None` when it does not exist or is INACTIVE (deleted).
pub async fn find_cluster(client: &Client, name_or_arn: &str) -> Result<Option<Cluster>> {
    let out = client
        .describe_clusters()
        .clusters(name_or_arn)
        .include(ClusterField::Tags)
        .include(ClusterField::Settings)
        .send()
        .await
        .map_err(|e| ProviderError::from_aws("ecs:DescribeClusters", &e, CLUSTER_NOT_FOUND))?;
    Ok(out
        .clusters()
        .iter()
        .find(|c| c.status() != Some("INACTIVE"))
        .cloned())
}

/// Makes an ECS resource's tags equal `desired`.
pub async fn sync_tags(
    client: &Client,
    arn: &str,
    current: &BTreeMap<String, String>,
    desired: &BTreeMap<String, String>,
) -> Result<()> {
    super::tags::sync(
        current,
        desired,
        async |keys| {
            client
                .untag_resource()
                .resource_arn(arn)
                .set_tag_keys(Some(keys))
                .send()
                .await
                .map(drop)
                .map_err(|e| ProviderError::from_aws("ecs:UntagResource", &e, &[]))
        },
        async |tags| {
            client
                .tag_resource()
                .resource_arn(arn)
                .set_tags(Some(to_ecs_tags(&tags)))
                .send()
                .await
                .map(drop)
                .map_err(|e| ProviderError::from_aws("ecs:TagResource", &e, &[]))
        },
    )
    .await
}

/// Deletes a cluster, waiting out services still draining; already gone is success.
pub async fn delete_cluster(client: &Client, arn: &str, cancel: &CancellationToken) -> Result<()> {
    let result = retry(
        &CLUSTER_STILL_IN_USE,
        cancel,
        || client.delete_cluster().cluster(arn).send(),
        |e| {
            matches!(
                aws_error_code(e),
                Some(
                    "ClusterContainsServicesException"
                        | "ClusterContainsTasksException"
                        | "UpdateInProgressException"
                )
            )
        },
        |e| ProviderError::from_aws("ecs:DeleteCluster", &e, CLUSTER_NOT_FOUND),
    )
    .await;
    result.or_gone().map(drop)
}

/// Everything RegisterTaskDefinition needs, as AWS shapes.
#[derive(Debug, Clone)]
pub struct TaskDefinitionSpec {
    pub family: String,
    pub cpu: String,
    pub memory: String,
    pub runtime_platform: Option<aws_sdk_ecs::types::RuntimePlatform>,
    pub execution_role_arn: Option<String>,
    pub task_role_arn: Option<String>,
    pub ephemeral_storage: Option<aws_sdk_ecs::types::EphemeralStorage>,
    pub containers: Vec<aws_sdk_ecs::types::ContainerDefinition>,
    pub tags: Vec<aws_sdk_ecs::types::Tag>,
}

/// A registered revision.
pub struct RegisteredTaskDefinition {
    pub arn: String,
    pub revision: i32,
}

/// Registers a revision. RegisterTaskDefinition takes no idempotency token: when the SDK had to
/// retry it (an answer lost to a reset connection or a timeout), an earlier attempt may have
/// registered a twin revision nobody knows of. Such twins — the revisions just below ours, not
/// in `known`, with exactly our definition — are deregistered, so a lost answer leaves no stray
/// ACTIVE revision behind.
pub async fn register_task_definition(
    client: &Client,
    spec: TaskDefinitionSpec,
    known: &[String],
) -> Result<RegisteredTaskDefinition> {
    let attempts = AttemptCounter::new();
    let out = client
        .register_task_definition()
        .family(spec.family)
        .cpu(spec.cpu)
        .memory(spec.memory)
        .network_mode(aws_sdk_ecs::types::NetworkMode::Awsvpc)
        .requires_compatibilities(aws_sdk_ecs::types::Compatibility::Fargate)
        .set_runtime_platform(spec.runtime_platform)
        .set_execution_role_arn(spec.execution_role_arn)
        .set_task_role_arn(spec.task_role_arn)
        .set_ephemeral_storage(spec.ephemeral_storage)
        .set_container_definitions(Some(spec.containers))
        .set_tags((!spec.tags.is_empty()).then_some(spec.tags))
        .customize()
        .interceptor(attempts.clone())
        .send()
        .await
        .map_err(|e| ProviderError::from_aws("ecs:RegisterTaskDefinition", &e, &[]))?;
    let td = out.task_definition().ok_or_else(|| {
        ProviderError::internal("ecs:RegisterTaskDefinition returned no task definition")
    })?;
    if attempts.retried() {
        deregister_twins(client, td, attempts.attempts() - 1, known).await;
    }
    Ok(RegisteredTaskDefinition {
        arn: td.task_definition_arn().unwrap_or_default().to_string(),
        revision: td.revision(),
    })
}

/// Deregisters up to `at_most` revisions just below `ours` that are identical to it and not
/// `known`: twins from retried registrations. Best effort: a failure is logged, not fatal.
async fn deregister_twins(
    client: &Client,
    ours: &aws_sdk_ecs::types::TaskDefinition,
    at_most: u32,
    known: &[String],
) {
    let Some(family) = ours.family() else { return };
    let revision = ours.revision();
    let lowest = (revision - at_most as i32).max(1);
    for candidate in lowest..revision {
        let name = format!("{family}:{candidate}");
        let found = match find_task_definition(client, &name).await {
            Ok(Some(found)) => found,
            Ok(None) => continue,
            Err(e) => {
                tracing::warn!("checking {name} for a twin of a retried registration: {e}");
                continue;
            }
        };
        let twin = !known.contains(&found.arn)
            && found.definition.container_definitions() == ours.container_definitions()
            && found.definition.cpu() == ours.cpu()
            && found.definition.memory() == ours.memory()
            && found.definition.task_role_arn() == ours.task_role_arn()
            && found.definition.execution_role_arn() == ours.execution_role_arn();
        if twin {
            tracing::info!(
                "deregistering {} (a twin left by a retried registration)",
                found.arn
            );
            if let Err(e) = deregister_task_definition(client, &found.arn).await {
                tracing::warn!("deregistering the twin {}: {e}", found.arn);
            }
        }
    }
}

/// A task definition revision with its tags.
pub struct FoundTaskDefinition {
    pub arn: String,
    pub revision: i32,
    pub definition: aws_sdk_ecs::types::TaskDefinition,
    pub tags: BTreeMap<String, String>,
}

/// ECS answers an unknown task definition with a generic ClientException.
fn is_missing_task_definition<E: aws_smithy_types::error::metadata::ProvideErrorMetadata, R>(
    err: &aws_smithy_runtime_api::client::result::SdkError<E, R>,
) -> bool {
    let Some(service) = err.as_service_error() else {
        return false;
    };
    service.code() == Some("ClientException")
        && service.message().is_some_and(|m| {
            let m = m.to_ascii_lowercase();
            m.contains("unable to describe")
                || m.contains("does not exist")
                || m.contains("not found")
                || m.contains("missing")
        })
}

/// Finds a task definition by ARN or family (newest ACTIVE revision); `None` when it does not
/// exist or was deregistered.
pub async fn find_task_definition(
    client: &Client,
    arn_or_family: &str,
) -> Result<Option<FoundTaskDefinition>> {
    let out = match client
        .describe_task_definition()
        .task_definition(arn_or_family)
        .include(aws_sdk_ecs::types::TaskDefinitionField::Tags)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) if is_missing_task_definition(&e) => return Ok(None),
        Err(e) => {
            return Err(ProviderError::from_aws(
                "ecs:DescribeTaskDefinition",
                &e,
                &[],
            ));
        }
    };
    let Some(td) = out.task_definition() else {
        return Ok(None);
    };
    if td.status() == Some(&aws_sdk_ecs::types::TaskDefinitionStatus::Inactive) {
        return Ok(None);
    }
    Ok(Some(FoundTaskDefinition {
        arn: td.task_definition_arn().unwrap_or_default().to_string(),
        revision: td.revision(),
        definition: td.clone(),
        tags: from_ecs_tags(out.tags()),
    }))
}

/// The ARN of a revision (by ARN, or a family's newest) when it is ACTIVE and carries the tag
/// `key` = `value` (the URN mark of a create that never answered).
pub async fn revision_if_tagged(
    client: &Client,
    family_or_arn: &str,
    key: &str,
    value: &str,
) -> Result<Option<String>> {
    let out = match client
        .describe_task_definition()
        .task_definition(family_or_arn)
        .include(aws_sdk_ecs::types::TaskDefinitionField::Tags)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) if is_missing_task_definition(&e) => return Ok(None),
        Err(e) => {
            return Err(ProviderError::from_aws(
                "ecs:DescribeTaskDefinition",
                &e,
                &[],
            ));
        }
    };
    let marked = out
        .tags()
        .iter()
        .any(|t| t.key() == Some(key) && t.value() == Some(value));
    Ok(out
        .task_definition()
        .filter(|td| {
            marked && td.status() != Some(&aws_sdk_ecs::types::TaskDefinitionStatus::Inactive)
        })
        .and_then(|td| td.task_definition_arn().map(str::to_string)))
}

/// The ARNs of a family's ACTIVE revisions (exactly that family, not others it prefixes).
pub async fn active_revisions(client: &Client, family: &str) -> Result<Vec<String>> {
    let mut arns = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let out = client
            .list_task_definitions()
            .family_prefix(family)
            .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
            .set_next_token(next.take())
            .send()
            .await
            .map_err(|e| ProviderError::from_aws("ecs:ListTaskDefinitions", &e, &[]))?;
        arns.extend(
            out.task_definition_arns()
                .iter()
                .filter(|arn| {
                    arn.rsplit_once('/')
                        .and_then(|(_, fr)| fr.rsplit_once(':'))
                        .is_some_and(|(f, _)| f == family)
                })
                .cloned(),
        );
        match out.next_token() {
            Some(token) => next = Some(token.to_string()),
            None => return Ok(arns),
        }
    }
}

/// Deregisters one revision; one already gone or inactive counts as done.
pub async fn deregister_task_definition(client: &Client, arn: &str) -> Result<()> {
    match client
        .deregister_task_definition()
        .task_definition(arn)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if is_missing_task_definition(&e) => Ok(()),
        Err(e) => Err(ProviderError::from_aws(
            "ecs:DeregisterTaskDefinition",
            &e,
            &[],
        )),
    }
}
