//! `fargate:ecs:TaskDefinition` — a Fargate task definition family.
//!
//! Task definitions are immutable in ECS: a change registers a new revision. To the engine that
//! is an in-place update of one resource (id = family; outputs carry the new ARN and revision),
//! never a delete-then-create. Earlier revisions stay ACTIVE up to `keepRevisions`, for
//! rollback; older ones are deregistered. Delete deregisters every revision the resource owns.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::fargate_sizes;
use crate::aws::{convert, ecs as ecs_api};
use crate::context::Ctx;
use crate::error::{CheckFailure, Result};
use crate::naming::auto_name;
use crate::resource::{CheckContext, Resource, is_known};
use crate::validate;

pub struct TaskDefinition;

/// How many earlier revisions stay ACTIVE for rollback when none is configured.
pub const DEFAULT_KEEP_REVISIONS: u32 = 3;

/// A Fargate task definition: what containers a task of the service runs, and with what
/// resources. A change registers a new revision (an in-place update).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "TaskDefinitionArgs")]
pub struct TaskDefinitionInputs {
    /// Family name: up to 255 letters, digits, hyphens and underscores. Defaults to the Pulumi
    /// resource name plus a random suffix. Changing it replaces the task definition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
    /// Container name, unique within the task: up to 255 letters, digits, hyphens, underscores.
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
    pub stop_timeout: Option<u32>,
}

/// A port the container listens on.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PortMapping {
    /// Port number inside the container, 1 to 65535.
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
    pub interval: Option<u32>,
    /// Seconds before a check counts as failed, 2 to 120 (default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u32>,
    /// Consecutive failures before the container is unhealthy, 1 to 10 (default 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
    /// Grace period in seconds before failures count, 0 to 300 (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
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

const NAME_MAX: usize = 255;

fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= NAME_MAX && name.chars().all(name_char)
}

/// Fills ECS's defaults and drops empty collections, so inputs from the program and inputs
/// read back from AWS compare equal when they mean the same.
pub fn normalize(inputs: &mut TaskDefinitionInputs) {
    if let Some(p) = &mut inputs.runtime_platform {
        p.cpu_architecture.get_or_insert(CpuArchitecture::X86_64);
        p.operating_system_family
            .get_or_insert(OperatingSystemFamily::Linux);
    }
    if inputs.runtime_platform
        == Some(RuntimePlatform {
            cpu_architecture: Some(CpuArchitecture::X86_64),
            operating_system_family: Some(OperatingSystemFamily::Linux),
        })
    {
        inputs.runtime_platform = None;
    }
    if inputs.tags.as_ref().is_some_and(BTreeMap::is_empty) {
        inputs.tags = None;
    }
    for c in &mut inputs.containers {
        c.essential.get_or_insert(true);
        if c.cpu == Some(0) {
            c.cpu = None;
        }
        for list in [&mut c.command, &mut c.entry_point] {
            if list.as_ref().is_some_and(Vec::is_empty) {
                *list = None;
            }
        }
        for map in [&mut c.environment, &mut c.secrets] {
            if map.as_ref().is_some_and(BTreeMap::is_empty) {
                *map = None;
            }
        }
        if let Some(ports) = &mut c.port_mappings {
            for p in ports.iter_mut() {
                p.protocol.get_or_insert(PortProtocol::Tcp);
            }
            if ports.is_empty() {
                c.port_mappings = None;
            }
        }
        if c.depends_on.as_ref().is_some_and(Vec::is_empty) {
            c.depends_on = None;
        }
        if let Some(h) = &mut c.health_check {
            h.interval.get_or_insert(30);
            h.timeout.get_or_insert(5);
            h.retries.get_or_insert(3);
            h.start_period.get_or_insert(0);
        }
        if let Some(l) = &mut c.log_configuration
            && l.awslogs.create_group == Some(false)
        {
            l.awslogs.create_group = None;
        }
    }
}

/// `validate::range` with the path built by the caller.
fn check_range(
    property: String,
    value: Option<u32>,
    min: u32,
    max: u32,
    what: &str,
    failures: &mut Vec<CheckFailure>,
) {
    validate::range(failures, &property, value, min, max, what);
}

fn check_arn(
    property: String,
    value: Option<&str>,
    service: &str,
    example: &str,
    failures: &mut Vec<CheckFailure>,
) {
    let Some(v) = value.filter(|v| is_known(v)) else {
        return;
    };
    let resource_prefix = example
        .splitn(6, ':')
        .nth(5)
        .and_then(|r| r.split_once('/'))
        .map(|(kind, _)| format!("{kind}/"))
        .unwrap_or_default();
    if !validate::is_arn_of_resource(v, service, &resource_prefix) {
        failures.push(CheckFailure::new(
            property,
            format!(
                "`{v}` is not an {service} {resource_prefix}... ARN; expected e.g. `{example}`"
            ),
        ));
    }
}

/// Every validation rule; each failure names the property path and the value.
pub fn validate(inputs: &TaskDefinitionInputs) -> Vec<CheckFailure> {
    let mut failures = Vec::new();
    if let Some(family) = inputs.family.as_deref().filter(|f| is_known(f))
        && !valid_name(family)
    {
        failures.push(CheckFailure::new(
            "family",
            format!("`{family}` is not a valid task definition family: use 1 to {NAME_MAX} letters, digits, hyphens and underscores"),
        ));
    }
    if let Some((property, reason)) = fargate_sizes::check(inputs.cpu, inputs.memory) {
        failures.push(CheckFailure::new(property, reason));
    }
    check_arn(
        "executionRoleArn".into(),
        inputs.execution_role_arn.as_deref(),
        "iam",
        "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
        &mut failures,
    );
    check_arn(
        "taskRoleArn".into(),
        inputs.task_role_arn.as_deref(),
        "iam",
        "arn:aws:iam::123456789012:role/api-task",
        &mut failures,
    );
    check_range(
        "ephemeralStorageGib".into(),
        inputs.ephemeral_storage_gib,
        21,
        200,
        "ephemeral storage (GiB)",
        &mut failures,
    );
    validate::tags("tags", inputs.tags.as_ref(), &mut failures);

    if inputs.containers.is_empty() {
        failures.push(CheckFailure::new(
            "containers",
            "at least one container is required",
        ));
    }
    let names: Vec<&str> = inputs.containers.iter().map(|c| c.name.as_str()).collect();
    let mut seen = BTreeSet::new();
    let mut cpu_sum = 0u32;
    let mut memory_sum = 0u32;
    for (i, c) in inputs.containers.iter().enumerate() {
        let at = |field: &str| format!("containers[{i}].{field}");
        if !valid_name(&c.name) {
            failures.push(CheckFailure::new(
                at("name"),
                format!("`{}` is not a valid container name: use 1 to {NAME_MAX} letters, digits, hyphens and underscores", c.name),
            ));
        } else if !seen.insert(c.name.as_str()) {
            failures.push(CheckFailure::new(
                at("name"),
                format!(
                    "container name `{}` is used twice; names must be unique within a task",
                    c.name
                ),
            ));
        }
        if is_known(&c.image)
            && (c.image.trim().is_empty() || c.image.contains(char::is_whitespace))
        {
            failures.push(CheckFailure::new(
                at("image"),
                format!("`{}` is not an image reference; expected e.g. `123456789012.dkr.ecr.eu-central-1.amazonaws.com/api:1.4.2`", c.image),
            ));
        }
        cpu_sum += c.cpu.unwrap_or(0);
        memory_sum += c.memory.or(c.memory_reservation).unwrap_or(0);
        if let (Some(hard), Some(soft)) = (c.memory, c.memory_reservation)
            && soft > hard
        {
            failures.push(CheckFailure::new(
                at("memoryReservation"),
                format!(
                    "{soft} MiB is more than the container's hard limit `memory` of {hard} MiB"
                ),
            ));
        }
        for (j, p) in c.port_mappings.iter().flatten().enumerate() {
            check_range(
                format!("containers[{i}].portMappings[{j}].containerPort"),
                Some(p.container_port),
                1,
                65535,
                "a port",
                &mut failures,
            );
        }
        for (name, arn) in c.secrets.iter().flatten() {
            if is_known(arn)
                && !(validate::is_arn_of(arn, "ssm") || validate::is_arn_of(arn, "secretsmanager"))
            {
                // Never echo what may be a plaintext secret.
                failures.push(CheckFailure::new(
                    format!("containers[{i}].secrets.{name}"),
                    format!("the value for `{name}` is not an SSM parameter or Secrets Manager ARN; give the ARN (e.g. `arn:aws:secretsmanager:eu-central-1:123456789012:secret:db-password`), never the secret itself"),
                ));
            }
        }
        for name in c.environment.iter().flatten().map(|(k, _)| k) {
            if c.secrets.as_ref().is_some_and(|s| s.contains_key(name)) {
                failures.push(CheckFailure::new(
                    format!("containers[{i}].environment.{name}"),
                    format!("`{name}` is set both as an environment variable and as a secret"),
                ));
            }
        }
        if let Some(h) = &c.health_check {
            let at_h = |f: &str| format!("containers[{i}].healthCheck.{f}");
            if !matches!(
                h.command.first().map(String::as_str),
                Some("CMD" | "CMD-SHELL")
            ) || h.command.len() < 2
            {
                failures.push(CheckFailure::new(
                    at_h("command"),
                    format!("{:?} must start with `CMD` or `CMD-SHELL` followed by the command, e.g. [\"CMD-SHELL\", \"curl -f http://localhost:8080/health || exit 1\"]", h.command),
                ));
            }
            check_range(
                at_h("interval"),
                h.interval,
                5,
                300,
                "the interval (seconds)",
                &mut failures,
            );
            check_range(
                at_h("timeout"),
                h.timeout,
                2,
                120,
                "the timeout (seconds)",
                &mut failures,
            );
            check_range(at_h("retries"), h.retries, 1, 10, "retries", &mut failures);
            check_range(
                at_h("startPeriod"),
                h.start_period,
                0,
                300,
                "the start period (seconds)",
                &mut failures,
            );
            if let (Some(t), Some(iv)) = (h.timeout, h.interval)
                && t >= iv
            {
                failures.push(CheckFailure::new(
                    at_h("timeout"),
                    format!("{t} seconds must be shorter than the interval of {iv} seconds"),
                ));
            }
        }
        for (j, d) in c.depends_on.iter().flatten().enumerate() {
            let at_d = format!("containers[{i}].dependsOn[{j}].containerName");
            match inputs
                .containers
                .iter()
                .find(|o| o.name == d.container_name)
            {
                None => failures.push(CheckFailure::new(
                    at_d,
                    format!(
                        "`{}` is not a container of this task; containers are: {}",
                        d.container_name,
                        names.join(", ")
                    ),
                )),
                Some(o) if o.name == c.name => failures.push(CheckFailure::new(
                    at_d,
                    format!("container `{}` cannot depend on itself", c.name),
                )),
                Some(o)
                    if d.condition == DependencyCondition::Healthy && o.health_check.is_none() =>
                {
                    failures.push(CheckFailure::new(
                        at_d,
                        format!(
                            "condition HEALTHY needs a healthCheck on container `{}`",
                            o.name
                        ),
                    ))
                }
                Some(_) => {}
            }
        }
        if let Some(l) = &c.log_configuration {
            if l.awslogs.group.trim().is_empty() {
                failures.push(CheckFailure::new(
                    at("logConfiguration.awslogs.group"),
                    "a log group name is required",
                ));
            }
            if l.awslogs.stream_prefix.trim().is_empty() {
                failures.push(CheckFailure::new(
                    at("logConfiguration.awslogs.streamPrefix"),
                    "a stream prefix is required on Fargate",
                ));
            }
        }
        check_range(
            at("stopTimeout"),
            c.stop_timeout,
            0,
            120,
            "the stop timeout on Fargate (seconds)",
            &mut failures,
        );
    }
    if !inputs.containers.is_empty()
        && !inputs
            .containers
            .iter()
            .any(|c| c.essential.unwrap_or(true))
    {
        failures.push(CheckFailure::new(
            "containers",
            "at least one container must be essential",
        ));
    }
    if cpu_sum > inputs.cpu {
        failures.push(CheckFailure::new(
            "containers",
            format!(
                "the containers reserve {cpu_sum} CPU units in all, more than the task's cpu of {}",
                inputs.cpu
            ),
        ));
    }
    if memory_sum > inputs.memory {
        failures.push(CheckFailure::new(
            "containers",
            format!("the containers reserve {memory_sum} MiB in all, more than the task's memory of {} MiB", inputs.memory),
        ));
    }
    failures
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
            convert::task_definition_request(
                inputs,
                &crate::adopt::marked(ctx, &tags_all),
                &region,
            ),
            &[],
        )
        .await?;
        let family = inputs.family.clone().unwrap_or_default();
        ctx.log
            .info(format!("registered task definition {}", registered.arn))
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
        let mut actual = convert::task_definition_inputs(&found.definition, &found.tags);
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
            convert::task_definition_request(news, &crate::adopt::marked(ctx, &tags_all), &region),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::DynResource;
    use serde_json::json;

    fn ctx<'a>() -> CheckContext<'a> {
        CheckContext {
            name: "api",
            random_seed: b"seed",
            proposed_name: None,
            has_unknowns: false,
        }
    }

    fn base() -> serde_json::Value {
        json!({
            "cpu": 256,
            "memory": 512,
            "containers": [{
                "name": "api",
                "image": "nginx:1.27",
                "portMappings": [{"containerPort": 8080}],
                "environment": {"MODE": "prod"},
                "secrets": {"DB_PASSWORD": "arn:aws:secretsmanager:eu-central-1:123456789012:secret:db-AbCdEf"},
                "logConfiguration": {"awslogs": {"group": "/ecs/api", "streamPrefix": "api"}},
                "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"]},
            }],
        })
    }

    fn check(v: serde_json::Value) -> std::result::Result<serde_json::Value, Vec<CheckFailure>> {
        DynResource::check(&TaskDefinition, v, None, &ctx())
    }

    fn failure_for(v: serde_json::Value, property: &str) -> CheckFailure {
        let failures = check(v).expect_err("should fail");
        failures
            .iter()
            .find(|f| f.property == property)
            .cloned()
            .unwrap_or_else(|| panic!("no failure for {property}: {failures:?}"))
    }

    #[test]
    fn a_good_definition_passes_and_is_normalised() {
        let checked = check(base()).unwrap();
        assert!(checked["family"].as_str().unwrap().starts_with("api-"));
        assert_eq!(checked["containers"][0]["essential"], json!(true));
        assert_eq!(
            checked["containers"][0]["portMappings"][0]["protocol"],
            json!("tcp")
        );
        assert_eq!(
            checked["containers"][0]["healthCheck"]["interval"],
            json!(30)
        );
    }

    #[test]
    fn invalid_memory_for_cpu_lists_valid_values() {
        let mut v = base();
        v["memory"] = json!(4096);
        let f = failure_for(v, "memory");
        assert!(f.reason.contains("512, 1024, 2048"), "{}", f.reason);
    }

    #[test]
    fn invalid_cpu() {
        let mut v = base();
        v["cpu"] = json!(100);
        assert!(failure_for(v, "cpu").reason.contains("100"));
    }

    #[test]
    fn port_out_of_range_names_the_path() {
        let mut v = base();
        v["containers"][0]["portMappings"][0]["containerPort"] = json!(70000);
        let f = failure_for(v, "containers[0].portMappings[0].containerPort");
        assert!(f.reason.contains("70000"), "{}", f.reason);
    }

    #[test]
    fn duplicate_container_names() {
        let mut v = base();
        let c = v["containers"][0].clone();
        v["containers"].as_array_mut().unwrap().push(c);
        assert!(
            failure_for(v, "containers[1].name")
                .reason
                .contains("twice")
        );
    }

    #[test]
    fn no_essential_container() {
        let mut v = base();
        v["containers"][0]["essential"] = json!(false);
        assert!(failure_for(v, "containers").reason.contains("essential"));
    }

    #[test]
    fn plaintext_secret_is_rejected_without_echoing_it() {
        let mut v = base();
        v["containers"][0]["secrets"]["DB_PASSWORD"] = json!("hunter2");
        let f = failure_for(v, "containers[0].secrets.DB_PASSWORD");
        assert!(!f.reason.contains("hunter2"), "{}", f.reason);
        assert!(f.reason.contains("ARN"));
    }

    #[test]
    fn ssm_parameter_arn_is_accepted() {
        let mut v = base();
        v["containers"][0]["secrets"]["DB_PASSWORD"] =
            json!("arn:aws:ssm:eu-central-1:123456789012:parameter/prod/db");
        assert!(check(v).is_ok());
    }

    #[test]
    fn health_check_bounds() {
        let mut v = base();
        v["containers"][0]["healthCheck"]["interval"] = json!(400);
        assert!(
            failure_for(v, "containers[0].healthCheck.interval")
                .reason
                .contains("400")
        );
        let mut v = base();
        v["containers"][0]["healthCheck"]["retries"] = json!(0);
        failure_for(v, "containers[0].healthCheck.retries");
        let mut v = base();
        v["containers"][0]["healthCheck"]["command"] = json!(["curl", "x"]);
        failure_for(v, "containers[0].healthCheck.command");
        let mut v = base();
        v["containers"][0]["healthCheck"]["timeout"] = json!(40);
        failure_for(v, "containers[0].healthCheck.timeout");
    }

    #[test]
    fn container_sums_fit_the_task() {
        let mut v = base();
        v["containers"][0]["cpu"] = json!(512);
        assert!(failure_for(v, "containers").reason.contains("512"));
        let mut v = base();
        v["containers"][0]["memory"] = json!(1024);
        assert!(failure_for(v, "containers").reason.contains("1024"));
    }

    #[test]
    fn depends_on_must_name_a_container() {
        let mut v = base();
        v["containers"][0]["dependsOn"] =
            json!([{"containerName": "sidecar", "condition": "START"}]);
        assert!(
            failure_for(v, "containers[0].dependsOn[0].containerName")
                .reason
                .contains("sidecar")
        );
    }

    #[test]
    fn bad_role_arn() {
        let mut v = base();
        v["executionRoleArn"] = json!("ecsTaskExecutionRole");
        assert!(
            failure_for(v, "executionRoleArn")
                .reason
                .contains("ecsTaskExecutionRole")
        );
    }

    #[test]
    fn ephemeral_storage_and_stop_timeout_bounds() {
        let mut v = base();
        v["ephemeralStorageGib"] = json!(10);
        failure_for(v, "ephemeralStorageGib");
        let mut v = base();
        v["containers"][0]["stopTimeout"] = json!(500);
        failure_for(v, "containers[0].stopTimeout");
    }

    #[test]
    fn bad_architecture_lists_valid_values() {
        let mut v = base();
        v["runtimePlatform"] = json!({"cpuArchitecture": "ARM"});
        let f = failure_for(v, "runtimePlatform.cpuArchitecture");
        assert!(f.reason.contains("ARM64"), "{}", f.reason);
    }

    #[test]
    fn tag_and_retention_changes_need_no_new_revision() {
        let a: TaskDefinitionInputs = serde_json::from_value(check(base()).unwrap()).unwrap();
        let mut b = a.clone();
        b.tags = Some(BTreeMap::from([("x".into(), "y".into())]));
        b.keep_revisions = Some(1);
        assert!(!needs_new_revision(&a, &b));
        b.containers[0].image = "nginx:1.28".into();
        assert!(needs_new_revision(&a, &b));
    }

    #[test]
    fn preview_of_a_new_revision_leaves_the_arn_unknown() {
        let inputs = check(base()).unwrap();
        let mut olds = inputs.clone();
        olds["arn"] = json!("arn:aws:ecs:us-east-1:123456789012:task-definition/api:1");
        olds["revision"] = json!(1);
        let mut news = inputs.clone();
        news["containers"][0]["image"] = json!("nginx:1.28");
        let out = TaskDefinition.preview_update(&olds, &news);
        assert!(pulumi_rs_proto::value::is_unknown(&out["arn"]));
        // Tags alone keep the ARN.
        let mut news = inputs;
        news["tags"] = json!({"a": "b"});
        let out = TaskDefinition.preview_update(&olds, &news);
        assert_eq!(out["revision"], json!(1));
    }

    #[test]
    fn normalisation_is_idempotent() {
        let mut a: TaskDefinitionInputs = serde_json::from_value(check(base()).unwrap()).unwrap();
        let before = a.clone();
        normalize(&mut a);
        assert_eq!(a, before);
    }
}
