//! `fargate:ecs:TaskDefinition` — a Fargate task definition family.
//!
//! Task definitions are immutable in ECS: a change registers a new revision. To the engine that
//! is an in-place update of one resource (id = family; outputs carry the new ARN and revision),
//! never a delete-then-create. Earlier revisions stay ACTIVE up to `keepRevisions`, for
//! rollback; older ones are deregistered. Delete deregisters every revision the resource owns.

mod convert;
mod fargate_sizes;
#[cfg(test)]
mod tests;
mod validation;

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::aws::ecs as ecs_api;
use crate::context::Ctx;
use crate::error::{CheckFailure, Result};
use crate::naming::auto_name;
use crate::resource::{CheckContext, Resource, is_known};
use crate::validate;
use convert::*;
use validation::*;

pub struct TaskDefinition;

/// How many earlier revisions stay ACTIVE for rollback when none is configured.
pub const DEFAULT_KEEP_REVISIONS: u32 = 3;

/// A Fargate task definition: what containers a task of the service runs, and with what
/// resources. A change registers a new revision (an in-place update).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "TaskDefinitionArgs")]
pub struct TaskDefinitionInputs {
    /// Family name. Defaults to the Pulumi resource name plus a random suffix. Changing it
    /// replaces the task definition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        pattern(crate::naming::ECS_NAME_PATTERN),
        title = "task definition family",
        extend("x-rule" = crate::naming::ECS_NAME_RULE)
    )]
    pub family: Option<String>,
    /// Task CPU units: 256, 512, 1024, 2048, 4096, 8192 or 16384 (1024 = 1 vCPU).
    pub cpu: u32,
    /// Task memory in MiB; the valid values depend on `cpu` (e.g. 512, 1024 or 2048 for 256).
    pub memory: u32,
    /// Operating system and CPU architecture; defaults to LINUX on X86_64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_platform: Option<RuntimePlatform>,
    /// IAM role ECS uses to pull the image, read secrets and write logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_role_arn: Option<String>,
    /// IAM role the application's code runs as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_role_arn: Option<String>,
    /// Ephemeral storage for the task in GiB, 21 to 200 (AWS default 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 21, max = 200), title = "ephemeral storage (GiB)")]
    pub ephemeral_storage_gib: Option<u32>,
    /// The task's containers; at least one must be essential.
    pub containers: Vec<ContainerDefinition>,
    /// Tags on each revision, merged over the provider's `defaultTags`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    /// How many earlier revisions stay ACTIVE for rollback (default 3); older ones are
    /// deregistered when a new revision is registered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_revisions: Option<u32>,
}

/// Operating system and CPU architecture of the task.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RuntimePlatform {
    /// CPU architecture: `X86_64` (default) or `ARM64` (Graviton).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_architecture: Option<CpuArchitecture>,
    /// Operating system family; Fargate services here run `LINUX`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operating_system_family: Option<OperatingSystemFamily>,
}

/// CPU architecture of a Fargate task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum CpuArchitecture {
    /// Intel/AMD 64-bit.
    #[serde(rename = "X86_64")]
    X86_64,
    /// AWS Graviton (ARM 64-bit).
    #[serde(rename = "ARM64")]
    Arm64,
}

/// Operating system family of a Fargate task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum OperatingSystemFamily {
    /// Linux.
    #[serde(rename = "LINUX")]
    Linux,
}

/// One container of the task.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContainerDefinition {
    /// Container name, unique within the task.
    #[schemars(
        pattern(crate::naming::ECS_NAME_PATTERN),
        title = "container name",
        extend("x-rule" = crate::naming::ECS_NAME_RULE)
    )]
    pub name: String,
    /// Image reference, e.g. `123456789012.dkr.ecr.eu-central-1.amazonaws.com/api:1.4.2`.
    pub image: String,
    /// CPU units reserved for this container (the containers' sum must fit the task's `cpu`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<u32>,
    /// Hard memory limit in MiB; the container is killed above it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<u32>,
    /// Soft memory reservation in MiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_reservation: Option<u32>,
    /// If this container stops, the whole task stops. Defaults to true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub essential: Option<bool>,
    /// Command (overrides the image's CMD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// Entry point (overrides the image's ENTRYPOINT).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_point: Option<Vec<String>>,
    /// Working directory inside the container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_directory: Option<String>,
    /// Ports the container listens on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_mappings: Option<Vec<PortMapping>>,
    /// Plain environment variables (name → value). Put credentials in `secrets` instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<BTreeMap<String, String>>,
    /// Secret environment variables: name → ARN of an SSM parameter or Secrets Manager secret.
    /// ECS injects the value at start; the value itself never passes through Pulumi.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrets: Option<BTreeMap<String, String>>,
    /// Where the container's stdout/stderr go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_configuration: Option<LogConfiguration>,
    /// Container health check run by ECS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check: Option<HealthCheck>,
    /// Containers that must reach a state before this one starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depends_on: Option<Vec<ContainerDependency>>,
    /// Mount the root filesystem read-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readonly_root_filesystem: Option<bool>,
    /// Seconds to wait after SIGTERM before SIGKILL, up to 120 on Fargate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        range(min = 0, max = 120),
        title = "the stop timeout on Fargate (seconds)"
    )]
    pub stop_timeout: Option<u32>,
}

/// A port the container listens on.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PortMapping {
    /// Port number inside the container, 1 to 65535.
    #[schemars(range(min = 1, max = 65535), title = "a port")]
    pub container_port: u32,
    /// `tcp` (default) or `udp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<PortProtocol>,
}

/// Transport protocol of a port mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PortProtocol {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

/// Log routing for a container (the `awslogs` driver, to CloudWatch Logs).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogConfiguration {
    /// CloudWatch Logs settings.
    pub awslogs: AwsLogs,
}

/// The `awslogs` log driver's options.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AwsLogs {
    /// Log group name, e.g. `/ecs/sotex-backend`.
    pub group: String,
    /// Region of the log group; defaults to the provider's region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Stream name prefix (required on Fargate), e.g. `api`.
    pub stream_prefix: String,
    /// Let ECS create the log group if it does not exist (needs logs:CreateLogGroup).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_group: Option<bool>,
}

/// A container health check.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HealthCheck {
    /// Command, starting with `CMD` or `CMD-SHELL`, e.g. `["CMD-SHELL", "curl -f http://localhost/health || exit 1"]`.
    pub command: Vec<String>,
    /// Seconds between checks, 5 to 300 (default 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 5, max = 300), title = "the interval (seconds)")]
    pub interval: Option<u32>,
    /// Seconds before a check counts as failed, 2 to 120 (default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 2, max = 120), title = "the timeout (seconds)")]
    pub timeout: Option<u32>,
    /// Consecutive failures before the container is unhealthy, 1 to 10 (default 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 10), title = "retries")]
    pub retries: Option<u32>,
    /// Grace period in seconds before failures count, 0 to 300 (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 300), title = "the start period (seconds)")]
    pub start_period: Option<u32>,
}

/// A start-order dependency on another container of the task.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContainerDependency {
    /// Name of the container depended on.
    pub container_name: String,
    /// `START`, `COMPLETE`, `SUCCESS` or `HEALTHY` (needs a health check on that container).
    pub condition: DependencyCondition,
}

/// When a dependency counts as satisfied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum DependencyCondition {
    /// The dependency has started.
    #[default]
    Start,
    /// The dependency ran to completion (any exit code).
    Complete,
    /// The dependency exited with code 0.
    Success,
    /// The dependency's health check passed.
    Healthy,
}

/// The registered task definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "TaskDefinitionState")]
pub struct TaskDefinitionOutputs {
    #[serde(flatten)]
    pub inputs: TaskDefinitionInputs,
    /// ARN of the current revision (`...:task-definition/<family>:<revision>`); services run it.
    pub arn: String,
    /// Number of the current revision.
    pub revision: i32,
    /// ARNs of earlier revisions kept ACTIVE for rollback, oldest first.
    #[serde(default)]
    pub previous_revisions: Vec<String>,
    /// Every tag on the revision, the provider's `defaultTags` included.
    #[serde(default)]
    pub tags_all: BTreeMap<String, String>,
}

/// Does anything besides tags and the retention setting differ (i.e. is a new revision needed)?
pub fn needs_new_revision(old: &TaskDefinitionInputs, new: &TaskDefinitionInputs) -> bool {
    let strip = |i: &TaskDefinitionInputs| TaskDefinitionInputs {
        tags: None,
        keep_revisions: None,
        ..i.clone()
    };
    strip(old) != strip(new)
}

#[async_trait]
impl Resource for TaskDefinition {
    const TOKEN: &'static str = "fargate:ecs:TaskDefinition";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["family"];
    type Inputs = TaskDefinitionInputs;
    type Outputs = TaskDefinitionOutputs;

    fn check(
        &self,
        mut news: TaskDefinitionInputs,
        olds: Option<&TaskDefinitionInputs>,
        ctx: &CheckContext<'_>,
    ) -> Result<TaskDefinitionInputs, Vec<CheckFailure>> {
        if news.family.is_none() {
            news.family = Some(
                ctx.default_name(olds.and_then(|o| o.family.as_deref()), || {
                    auto_name(ctx.name, ctx.random_seed, NAME_MAX, name_char)
                }),
            );
        }
        normalize(&mut news);
        let failures = validate(&news);
        if failures.is_empty() {
            Ok(news)
        } else {
            Err(failures)
        }
    }

    /// A new revision gets a new ARN: show it unknown, so dependants (the service) preview their
    /// update too.
    fn preview_update(
        &self,
        old_outputs: &serde_json::Value,
        news: &serde_json::Value,
    ) -> serde_json::Value {
        let mut out = old_outputs.clone();
        let old_inputs: Option<TaskDefinitionInputs> =
            serde_json::from_value(old_outputs.clone()).ok();
        let new_inputs: Option<TaskDefinitionInputs> = serde_json::from_value(news.clone()).ok();
        let new_revision = match (old_inputs, new_inputs) {
            (Some(old), Some(new)) => {
                pulumi_rs_proto::value::contains_unknowns(news) || needs_new_revision(&old, &new)
            }
            _ => true,
        };
        if let (Some(o), Some(n)) = (out.as_object_mut(), news.as_object()) {
            for (k, v) in n {
                o.insert(k.clone(), v.clone());
            }
            if new_revision {
                for computed in ["arn", "revision", "previousRevisions"] {
                    o.insert(computed.into(), pulumi_rs_proto::value::unknown());
                }
            }
        }
        out
    }

    async fn create(
        &self,
        ctx: &Ctx,
        inputs: &TaskDefinitionInputs,
    ) -> Result<(String, TaskDefinitionOutputs)> {
        let ecs = ctx.aws.ecs().await?;
        let tags_all = ctx.tags_all(inputs.tags.as_ref());
        let region = ctx.aws.region().await?;
        let registered = ecs_api::register_task_definition(
            ecs,
            // The URN mark lets a retry after a crashed create find this revision (crate::adopt).
            task_definition_request(inputs, &crate::adopt::marked(ctx, &tags_all), &region),
            &[],
        )
        .await?;
        let family = inputs.family.clone().unwrap_or_default();
        ctx.log
            .status(format!("registered task definition {}", registered.arn))
            .await;
        Ok((
            family,
            TaskDefinitionOutputs {
                inputs: inputs.clone(),
                arn: registered.arn,
                revision: registered.revision,
                previous_revisions: Vec::new(),
                tags_all,
            },
        ))
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: Option<(&TaskDefinitionInputs, &TaskDefinitionOutputs)>,
    ) -> Result<Option<(TaskDefinitionInputs, TaskDefinitionOutputs)>> {
        let ecs = ctx.aws.ecs().await?;
        // Refresh reads the revision in state; import reads the family's newest ACTIVE one.
        let which = olds.map(|(_, o)| o.arn.as_str()).unwrap_or(id);
        let Some(found) = ecs_api::find_task_definition(ecs, which).await? else {
            return Ok(None);
        };
        let mut actual = task_definition_inputs(&found.definition, &found.tags);
        normalize(&mut actual);
        let tags_all = found.tags.clone();
        let old_inputs = olds.map(|(i, _)| i);
        // Keep what the program wrote where AWS says the same (defaults, retention, tag split).
        let inputs = match old_inputs {
            Some(old) => {
                let mut merged = actual.clone();
                merged.keep_revisions = old.keep_revisions;
                merged.tags =
                    crate::tags::own_tags(&tags_all, old.tags.as_ref(), &ctx.default_tags);
                merged.execution_role_arn = actual.execution_role_arn.clone();
                if let Some(l) = old
                    .containers
                    .iter()
                    .find_map(|c| c.log_configuration.as_ref())
                {
                    // AWS reports the region it filled in; keep the program's choice to leave it out.
                    for c in &mut merged.containers {
                        if let Some(ml) = &mut c.log_configuration
                            && l.awslogs.region.is_none()
                        {
                            ml.awslogs.region = None;
                        }
                    }
                }
                merged
            }
            None => {
                let mut imported = actual.clone();
                imported.tags = crate::tags::own_tags(&tags_all, None, &ctx.default_tags);
                for c in &mut imported.containers {
                    if let Some(l) = &mut c.log_configuration {
                        l.awslogs.region = None;
                    }
                }
                imported
            }
        };
        let outputs = TaskDefinitionOutputs {
            inputs: inputs.clone(),
            arn: found.arn,
            revision: found.revision,
            previous_revisions: olds
                .map(|(_, o)| o.previous_revisions.clone())
                .unwrap_or_default(),
            tags_all,
        };
        Ok(Some((inputs, outputs)))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        _id: &str,
        olds: &TaskDefinitionOutputs,
        news: &TaskDefinitionInputs,
    ) -> Result<TaskDefinitionOutputs> {
        let ecs = ctx.aws.ecs().await?;
        let tags_all = ctx.tags_all(news.tags.as_ref());
        if !needs_new_revision(&olds.inputs, news) {
            if tags_all != olds.tags_all {
                ecs_api::sync_tags(ecs, &olds.arn, &olds.tags_all, &tags_all).await?;
            }
            let mut previous = olds.previous_revisions.clone();
            prune_revisions(ctx, ecs, &mut previous, news.keep_revisions).await?;
            return Ok(TaskDefinitionOutputs {
                inputs: news.clone(),
                tags_all,
                previous_revisions: previous,
                ..olds.clone()
            });
        }
        let region = ctx.aws.region().await?;
        let known: Vec<String> = olds
            .previous_revisions
            .iter()
            .chain(std::iter::once(&olds.arn))
            .cloned()
            .collect();
        let registered = ecs_api::register_task_definition(
            ecs,
            // Marked like a create's: a revision is a new AWS object (crate::adopt).
            task_definition_request(news, &crate::adopt::marked(ctx, &tags_all), &region),
            &known,
        )
        .await?;
        ctx.log
            .info(format!(
                "registered revision {} of {}",
                registered.revision,
                news.family.as_deref().unwrap_or_default()
            ))
            .await;
        let mut previous = olds.previous_revisions.clone();
        previous.push(olds.arn.clone());
        prune_revisions(ctx, ecs, &mut previous, news.keep_revisions).await?;
        Ok(TaskDefinitionOutputs {
            inputs: news.clone(),
            arn: registered.arn,
            revision: registered.revision,
            previous_revisions: previous,
            tags_all,
        })
    }

    async fn delete(&self, ctx: &Ctx, _id: &str, olds: &TaskDefinitionOutputs) -> Result<()> {
        let ecs = ctx.aws.ecs().await?;
        for arn in olds
            .previous_revisions
            .iter()
            .chain(std::iter::once(&olds.arn))
        {
            ecs_api::deregister_task_definition(ecs, arn).await?;
        }
        Ok(())
    }
}

/// Deregisters the oldest kept revisions beyond the retention setting.
async fn prune_revisions(
    ctx: &Ctx,
    ecs: &aws_sdk_ecs::Client,
    previous: &mut Vec<String>,
    keep: Option<u32>,
) -> Result<()> {
    let keep = keep.unwrap_or(DEFAULT_KEEP_REVISIONS) as usize;
    while previous.len() > keep {
        let oldest = previous.remove(0);
        ecs_api::deregister_task_definition(ecs, &oldest).await?;
        ctx.log
            .info(format!("deregistered old revision {oldest}"))
            .await;
    }
    Ok(())
}
