//! The stack's configuration (`sotex-backend:<key>` in `Pulumi.<stack>.yaml`), read once,
//! typed and checked before anything is declared.
//!
//! [`StackConfig`] is the one description of the keys: serde reads the engine's config map into
//! it, and schemars turns the same type into `schema/stack-config.schema.json`, the JSON Schema
//! editors validate the stack files with (`--print-config-schema`, written by
//! `scripts/gen-schema`). Each value type below carries its rule twice from one definition: the
//! pattern or bounds in the schema, and the check with the message in the program's words.
//!
//! Every value that reaches a resource is checked here first, so a mistake fails the preview
//! once, naming the stack key and the stack file, instead of once per resource under a property
//! name the engineer never typed. Rules that span keys (cpu/memory, percentages, names in both
//! `environment` and `secrets`) are only here: a JSON Schema cannot express them.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::marker::PhantomData;

use pulumi_rs::fargate::ecs::ContainerInsights;
use pulumi_rs::{Config, Error};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value as Json};

pub const NAMESPACE: &str = "sotex-backend";
pub const DEFAULT_SSL_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/// The Application Load Balancer's predefined security policies (AWS, "Security policies for
/// your Application Load Balancer"); ALBs accept no custom policy, so any other name is refused
/// by CreateListener long after the preview.
pub const ALB_SSL_POLICIES: &[&str] = &[
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
    "ELBSecurityPolicy-TLS13-1-1-2021-06",
    "ELBSecurityPolicy-TLS13-1-0-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-0-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-1-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-0-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-RFC9151-FIPS-2023-07",
    "ELBSecurityPolicy-TLS13-1-2-Ext0-RFC9151-FIPS-2023-07",
    "ELBSecurityPolicy-TLS13-1-2-RFC9151-INTEROP1-FIPS-2023-07",
    "ELBSecurityPolicy-TLS13-1-2-RFC9151-INTEROP2-FIPS-2023-07",
    "ELBSecurityPolicy-TLS13-1-2-RFC9151-INTEROP3-FIPS-2023-07",
    "ELBSecurityPolicy-TLS13-1-2-RFC9151-INTEROP4-FIPS-2023-07",
    "ELBSecurityPolicy-TLS13-1-3-RFC9151-FIPS-2023-07",
    "ELBSecurityPolicy-FS-1-2-Res-2020-10",
    "ELBSecurityPolicy-FS-1-2-Res-2019-08",
    "ELBSecurityPolicy-FS-1-2-2019-08",
    "ELBSecurityPolicy-FS-1-1-2019-08",
    "ELBSecurityPolicy-FS-2018-06",
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
    "ELBSecurityPolicy-TLS-1-2-2017-01",
    "ELBSecurityPolicy-TLS-1-1-2017-01",
    "ELBSecurityPolicy-2016-08",
];

/// Fargate's task sizes: CPU units → valid memory in MiB (AWS, "Task CPU and memory").
fn fargate_memory_for(cpu: i64) -> Option<Vec<i64>> {
    let steps = |from: i64, to: i64, step: usize| (from..=to).step_by(step).collect();
    Some(match cpu {
        256 => vec![512, 1024, 2048],
        512 => steps(1024, 4096, 1024),
        1024 => steps(2048, 8192, 1024),
        2048 => steps(4096, 16384, 1024),
        4096 => steps(8192, 30720, 1024),
        8192 => steps(16384, 61440, 4096),
        16384 => steps(32768, 122880, 8192),
        _ => return None,
    })
}

/// Why `memory` MiB is not a Fargate size for `cpu` units; `None` when it is (or when the CPU
/// is not one Fargate knows, which its own bounds report).
fn task_size_problem(cpu: i64, memory: i64) -> Option<String> {
    let valid = fargate_memory_for(cpu)?;
    if valid.contains(&memory) {
        return None;
    }
    let listed = if valid.len() <= 4 {
        valid
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        format!(
            "{} to {} in steps of {}",
            valid[0],
            valid[valid.len() - 1],
            valid[1] - valid[0]
        )
    };
    Some(format!(
        "`{memory}` is not valid with cpu {cpu}: Fargate offers {listed} MiB for it"
    ))
}

// ---------------------------------------------------------------------------------------------
// The keys.

/// Settings of the Sotex-box backend stack, `sotex-backend:<key>` in `Pulumi.<stack>.yaml`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StackConfig {
    /// ECR repository of the API image, without tag or digest, in lowercase, e.g.
    /// `123456789012.dkr.ecr.eu-central-1.amazonaws.com/sotex-box-api`: the URL the owning
    /// stack exports as `imageRepositoryUrl`. Required unless this stack owns the repository
    /// (`ownsImageRepository`).
    #[serde(default)]
    pub image_repository: Option<Text<ImageRepository>>,
    /// The stack that owns the image repository, fully qualified
    /// (`<organization>/<project>/<stack>`, e.g. `organization/sotex-backend/production`): the
    /// repository URL is read from its `imageRepositoryUrl` output (a stack reference) instead
    /// of being copied into `imageRepository`.
    #[serde(default)]
    pub image_repository_stack: Option<Text<StackName>>,
    /// This stack creates the ECR image repository, protects it from deletion and exports its
    /// URL (`imageRepositoryUrl`). Exactly one stack owns it; the others set `imageRepository`.
    #[serde(default)]
    pub owns_image_repository: Flag,
    /// Name of the repository the owning stack creates (`ownsImageRepository`); lowercase.
    #[serde(default)]
    pub image_repository_name: Option<Text<RepositoryName>>,
    /// The image tag to run, e.g. `2026.11.27-3f9c2ab` (`sotex-ci deploy` sets it).
    pub image_tag: Text<ImageTag>,
    /// Task CPU units (1024 = 1 vCPU); `memory` must be a Fargate size for it.
    #[serde(default = "defaults::cpu")]
    pub cpu: Whole<CpuUnits>,
    /// Task memory in MiB: 512, 1024 or 2048 for cpu 256; 1024 to 4096 for 512; 2048 to 8192
    /// for 1024; 4096 to 16384 for 2048 (steps of 1024); more for larger CPUs.
    #[serde(default = "defaults::memory")]
    pub memory: Whole<MemoryMib>,
    /// How many tasks run; with autoscaling (`maxCount`) only the count the service starts with.
    #[serde(default = "defaults::desired_count")]
    pub desired_count: Whole<TaskCount>,
    /// Application Auto Scaling owns the task count after creation: `desiredCount` is used only
    /// when the service is created. Implied by `maxCount`; set it alone when a scaler outside
    /// this stack owns the count.
    #[serde(default)]
    pub desired_count_managed_by_autoscaler: Flag,
    /// Autoscaling: the most tasks. Setting it turns autoscaling on (with `cpuTarget` and/or
    /// `requestsPerTarget`); without it the service runs `desiredCount` tasks.
    #[serde(default)]
    pub max_count: Option<Whole<MaxCount>>,
    /// Autoscaling: the fewest tasks; `desiredCount` when not set.
    #[serde(default)]
    pub min_count: Option<Whole<TaskCount>>,
    /// Autoscaling: the average CPU utilisation, in percent, to keep the tasks at.
    #[serde(default)]
    pub cpu_target: Option<Whole<CpuTarget>>,
    /// Autoscaling: load balancer requests per task and minute to keep the tasks at.
    #[serde(default)]
    pub requests_per_target: Option<Whole<RequestsPerTarget>>,
    /// Autoscaling: seconds after a scale-in before the next scale-in (AWS's default 300).
    #[serde(default)]
    pub scale_in_cooldown_seconds: Option<Whole<CooldownSeconds>>,
    /// Autoscaling: seconds after a scale-out before the next scale-out (AWS's default 300).
    #[serde(default)]
    pub scale_out_cooldown_seconds: Option<Whole<CooldownSeconds>>,
    /// The API's TCP port: target group, security groups and container.
    #[serde(default = "defaults::container_port")]
    pub container_port: Whole<Port>,
    /// Path of the target group's health check.
    #[serde(default = "defaults::health_check_path")]
    pub health_check_path: Text<HealthCheckPath>,
    /// Container environment variables, name → value. Make sensitive values `secure:`
    /// (`pulumi config set --secret --path 'sotex-backend:environment.NAME' <value>`).
    #[serde(default)]
    pub environment: NamedMap<EnvName, SecretText>,
    /// Secret container variables, name → ARN of a Secrets Manager secret or SSM parameter
    /// (never the secret itself).
    #[serde(default)]
    pub secrets: NamedMap<EnvName, Text<SecretArn>>,
    /// ACM or IAM server certificate ARN: enables the HTTPS listener and the HTTP→HTTPS redirect.
    #[serde(default)]
    pub certificate_arn: Option<Text<CertificateArn>>,
    /// The HTTPS listener's predefined security policy (needs `certificateArn`).
    #[serde(default = "defaults::ssl_policy")]
    pub ssl_policy: SslPolicy,
    /// IPv4 CIDR blocks that may reach the load balancer's listener ports.
    #[serde(default = "defaults::allowed_cidrs")]
    pub allowed_cidrs: List<Text<Cidr>, 1>,
    /// The VPC; found by `getNetwork` (the default VPC) when not set.
    #[serde(default)]
    pub vpc_id: Option<Text<VpcId>>,
    /// The VPC's IPv4 CIDR block; with `vpcId` and `publicSubnetIds` too, the preview needs no
    /// network lookup at all.
    #[serde(default)]
    pub vpc_cidr: Option<Text<Cidr>>,
    /// Subnets of the load balancer, in at least two availability zones; one per zone of the
    /// VPC (two zones) when not set.
    #[serde(default)]
    pub public_subnet_ids: Option<List<Text<SubnetId>, 2>>,
    /// Subnets of the tasks; the public ones when not set.
    #[serde(default)]
    pub private_subnet_ids: Option<List<Text<SubnetId>, 1>>,
    /// Public IPs for the tasks (needed to pull images without a NAT gateway).
    #[serde(default)]
    pub assign_public_ip: Flag,
    /// Name of the CloudWatch Logs group the stack creates for the container's logs; default
    /// `/ecs/sotex-box-backend/<stack>`. A change replaces the group (its logs go with it).
    #[serde(default)]
    pub log_group: Option<Text<LogGroup>>,
    /// Days the log group keeps log events: one of CloudWatch's retention periods. Changes
    /// apply in place.
    #[serde(default = "defaults::log_retention_days")]
    pub log_retention_days: Whole<RetentionDays>,
    /// An existing IAM role ECS uses to pull the image, read `secrets` and write logs, instead
    /// of the one the stack creates (AWS's managed execution policy plus reading exactly the
    /// configured `secrets`).
    #[serde(default)]
    pub execution_role_arn: Option<Text<RoleArn>>,
    /// An existing IAM role the API's code runs as, instead of the one the stack creates.
    #[serde(default)]
    pub task_role_arn: Option<Text<RoleArn>>,
    /// Managed policy ARNs attached to the task role the stack creates (the API's own AWS
    /// permissions); none by default, so the API gets no AWS permission at all.
    #[serde(default)]
    pub task_role_policy_arns: List<Text<PolicyArn>, 0>,
    /// ARN of the customer managed KMS key that encrypts the `secrets`: the execution role the
    /// stack creates may decrypt with it. Not needed for AWS managed keys.
    #[serde(default)]
    pub secrets_kms_key_arn: Option<Text<KmsKeyArn>>,
    /// Rollout lower bound: percent of `desiredCount` kept running.
    #[serde(default = "defaults::minimum_healthy_percent")]
    pub minimum_healthy_percent: Whole<MinimumHealthyPercent>,
    /// Rollout upper bound: percent of `desiredCount` allowed to run at once.
    #[serde(default = "defaults::maximum_percent")]
    pub maximum_percent: Whole<MaximumPercent>,
    /// How long create/update wait for a steady rollout, e.g. `90s`, `15m` or `1h`.
    #[serde(default = "defaults::rollout_timeout")]
    pub rollout_timeout: Text<Duration>,
    /// CloudWatch Container Insights on the cluster; AWS's account default when not set.
    #[serde(default)]
    pub container_insights: Option<Insights>,
    /// The load balancer's deletion protection.
    #[serde(default)]
    pub deletion_protection: Flag,
    /// The load balancer's idle connection timeout in seconds.
    #[serde(default = "defaults::idle_timeout_seconds")]
    pub idle_timeout_seconds: Whole<IdleTimeoutSeconds>,
    /// Tags on every resource, besides `app`, `stack` and `fargate:defaultTags`.
    #[serde(default)]
    pub tags: Tags,
    /// Capacity providers of the cluster, `FARGATE` and/or `FARGATE_SPOT`; needed by every
    /// provider `capacityProviderStrategy` names.
    #[serde(default)]
    pub cluster_capacity_providers: Option<List<aws_options::Provider, 1>>,
    /// Run the service on capacity providers instead of the FARGATE launch type, e.g. one
    /// on-demand task as `base` on `FARGATE` and `weight` 3 on `FARGATE_SPOT` (staging).
    /// Changing between a strategy and none replaces the service.
    #[serde(default)]
    pub capacity_provider_strategy: Option<Vec<aws_options::StrategyEntry>>,
    /// More egress for the API's tasks (database, cache, SMTP): a `port` or `fromPort`/`toPort`,
    /// `protocol`, `cidrs` and/or `securityGroupIds`, and a `description`.
    #[serde(default)]
    pub extra_egress: Option<Vec<aws_options::EgressEntry>>,
    /// ECS Exec (`aws ecs execute-command`) into the API's tasks, for debugging staging; the
    /// task role needs the ssmmessages permissions (`exec::exec_statements`).
    #[serde(default)]
    pub enable_execute_command: Flag,
    /// CPU architecture of the tasks, `X86_64` (default) or `ARM64`; the image must be built
    /// for it.
    #[serde(default)]
    pub cpu_architecture: Option<aws_options::Architecture>,
    /// Background workers beside the API, name → `command`, `cpu`, `memory`, `desiredCount`:
    /// the same image, environment and secrets, their own roles, log group and service, no load
    /// balancer, e.g. `worker: {command: [dotnet, Sotex.Worker.dll]}`.
    #[serde(default)]
    pub workers: NamedMap<workers::WorkerName, workers::WorkerEntry>,
}

mod defaults {
    use super::*;

    pub fn cpu() -> Whole<CpuUnits> {
        Whole::new(256)
    }
    pub fn memory() -> Whole<MemoryMib> {
        Whole::new(512)
    }
    pub fn desired_count() -> Whole<TaskCount> {
        Whole::new(1)
    }
    pub fn container_port() -> Whole<Port> {
        Whole::new(8080)
    }
    pub fn health_check_path() -> Text<HealthCheckPath> {
        Text::new("/health")
    }
    pub fn ssl_policy() -> SslPolicy {
        SslPolicy(DEFAULT_SSL_POLICY.to_string())
    }
    pub fn allowed_cidrs() -> List<Text<Cidr>, 1> {
        List(vec![Text::new("0.0.0.0/0")])
    }
    pub fn minimum_healthy_percent() -> Whole<MinimumHealthyPercent> {
        Whole::new(100)
    }
    pub fn maximum_percent() -> Whole<MaximumPercent> {
        Whole::new(200)
    }
    pub fn rollout_timeout() -> Text<Duration> {
        Text::new("15m")
    }
    pub fn idle_timeout_seconds() -> Whole<IdleTimeoutSeconds> {
        Whole::new(60)
    }
    pub fn log_retention_days() -> Whole<RetentionDays> {
        Whole::new(30)
    }
}

// ---------------------------------------------------------------------------------------------
// Value types: each is its schema and its check.

/// A string that must match a pattern (the same regex in the schema and in the program).
pub trait Rule {
    const PATTERN: &'static str;
    /// What a valid value looks like, in the engineer's words.
    const EXPECTS: &'static str;
    const MAX_LENGTH: Option<u64> = None;
    /// Whether a refused value may be echoed (not for what may be a pasted secret).
    const SHOW_VALUE: bool = true;
    /// A hint for one particular refused value (e.g. the lowercase form).
    fn hint(_value: &str) -> Option<String> {
        None
    }
}

fn matches(pattern: &str, value: &str) -> bool {
    regex::Regex::new(pattern)
        .expect("the rule's pattern is a valid regex")
        .is_match(value)
}

/// The message of a refused value: "`value` is not valid: expectation".
fn refused(value: &str, show: bool, expects: &str) -> String {
    if show {
        format!("`{value}` is not valid: {expects}")
    } else {
        format!("the value is not valid: {expects}")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Text<R>(pub String, PhantomData<R>);

impl<R> Text<R> {
    fn new(s: &str) -> Self {
        Text(s.to_string(), PhantomData)
    }
}

impl<R: Rule> Text<R> {
    fn check(value: String) -> Result<Self, String> {
        let too_long = R::MAX_LENGTH.is_some_and(|max| value.chars().count() as u64 > max);
        if too_long || !matches(R::PATTERN, &value) {
            let mut message = refused(&value, R::SHOW_VALUE, R::EXPECTS);
            if let Some(hint) = R::hint(&value) {
                message = format!("{message} ({hint})");
            }
            return Err(message);
        }
        Ok(Text(value, PhantomData))
    }
}

impl<'de, R: Rule> Deserialize<'de> for Text<R> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Json::deserialize(d)? {
            Json::String(s) => Text::check(s).map_err(D::Error::custom),
            other => Err(D::Error::custom(refused(
                &other.to_string(),
                R::SHOW_VALUE,
                R::EXPECTS,
            ))),
        }
    }
}

impl<R> Serialize for Text<R> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<R: Rule> JsonSchema for Text<R> {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        Cow::Owned(format!("Text_{}", std::any::type_name::<R>()))
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let mut schema = json_schema!({"type": "string", "pattern": R::PATTERN});
        if let Some(max) = R::MAX_LENGTH {
            schema.insert("maxLength".into(), max.into());
        }
        schema
    }
}

macro_rules! rule {
    ($name:ident, $pattern:expr, $expects:expr $(, $item:item)*) => {
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name;
        impl Rule for $name {
            const PATTERN: &'static str = $pattern;
            const EXPECTS: &'static str = $expects;
            $($item)*
        }
    };
}

// Docker's reference grammar: an optional registry host (with a dot or a port, or
// `localhost`), then lowercase path components; no tag, no digest.
rule!(
    ImageRepository,
    r"^(?:(?:localhost|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+)(?::[0-9]+)?/|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?:[0-9]+/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$",
    "a repository in lowercase, without tag or digest, e.g. `123456789012.dkr.ecr.eu-central-1.amazonaws.com/sotex-box-api`",
    const MAX_LENGTH: Option<u64> = Some(255);,
    fn hint(value: &str) -> Option<String> {
        let (host, path) = match value.split_once('/') {
            Some((h, p)) if h.contains(['.', ':']) || h == "localhost" => (format!("{h}/"), p),
            _ => (String::new(), value),
        };
        if path.contains(['@']) || path.rsplit('/').next().is_some_and(|l| l.contains(':')) {
            return Some("set the tag in `imageTag`".into());
        }
        (path.chars().any(|c| c.is_ascii_uppercase())).then(|| {
            format!(
                "image repositories are lowercase: `{host}{}`",
                path.to_lowercase()
            )
        })
    }
);
rule!(
    ImageTag,
    r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$",
    "1 to 128 letters, digits, `_`, `.` or `-`, not starting with `.` or `-` (e.g. `1.4.2` or a commit sha)"
);
rule!(
    HealthCheckPath,
    r"^/[^\s]{0,1023}$",
    "a path starting with `/`, without spaces, at most 1024 characters (e.g. `/health`)"
);
// POSIX's portable names, plus `.` and `-` that ECS passes through; `=` or a space can never
// be part of a variable name.
rule!(
    EnvName,
    r"^[A-Za-z_][A-Za-z0-9_.-]*$",
    "an environment variable name: letters, digits, `_`, `.` or `-`, not starting with a digit, no `=` or spaces (e.g. `LOG_LEVEL`)",
    const MAX_LENGTH: Option<u64> = Some(255);
);
rule!(
    SecretArn,
    r"^arn:aws[a-z-]*:(?:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+|ssm:[a-z0-9-]+:[0-9]{12}:parameter/.+)$",
    "the ARN of a Secrets Manager secret or SSM parameter, never the secret itself (e.g. `arn:aws:secretsmanager:eu-central-1:123456789012:secret:sotex/db-AbCdEf`)",
    const SHOW_VALUE: bool = false;
);
rule!(
    CertificateArn,
    r"^arn:aws[a-z-]*:(?:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+|iam::[0-9]{12}:server-certificate/.+)$",
    "an ACM or IAM server certificate ARN (e.g. `arn:aws:acm:eu-central-1:123456789012:certificate/…` or `arn:aws:iam::123456789012:server-certificate/sotex`)"
);
rule!(
    RoleArn,
    r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$",
    "an IAM role ARN, e.g. `arn:aws:iam::123456789012:role/sotex-box-api`"
);
rule!(
    Cidr,
    r"^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])/(?:3[0-2]|[12]?[0-9])$",
    "an IPv4 CIDR block such as `0.0.0.0/0` or `10.0.0.0/16`"
);
rule!(
    VpcId,
    r"^vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})$",
    "a VPC id such as `vpc-0abc1234`"
);
rule!(
    SubnetId,
    r"^subnet-(?:[0-9a-f]{8}|[0-9a-f]{17})$",
    "a subnet id such as `subnet-0abc1234`"
);
rule!(
    LogGroup,
    r"^[A-Za-z0-9_\-/.#]{1,512}$",
    "1 to 512 characters of letters, digits and `_ - / . #`"
);
// ECR's repository name grammar (CreateRepository): lowercase path components separated by
// `/`, each of letters and digits joined by `.`, `_` or `-`.
rule!(
    RepositoryName,
    r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$",
    "an ECR repository name: 2 to 256 lowercase letters, digits and `.`, `_`, `-` or `/` between them (e.g. `sotex-box-api`)",
    const MAX_LENGTH: Option<u64> = Some(256);,
    fn hint(value: &str) -> Option<String> {
        (value.chars().any(|c| c.is_ascii_uppercase()))
            .then(|| format!("repository names are lowercase: `{}`", value.to_lowercase()))
    }
);
rule!(
    StackName,
    r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$",
    "a fully qualified stack name `<organization>/<project>/<stack>`, e.g. `organization/sotex-backend/production` (`organization` with the file backend)"
);
rule!(
    PolicyArn,
    r"^arn:aws[a-z-]*:iam::(?:aws|[0-9]{12}):policy/(?:[A-Za-z0-9+=,.@_-]+/)*[A-Za-z0-9+=,.@_-]{1,128}$",
    "a managed IAM policy ARN, e.g. `arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess` or `arn:aws:iam::123456789012:policy/sotex-api`"
);
rule!(
    KmsKeyArn,
    r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]{1,128}$",
    "a KMS key ARN (not an alias: IAM grants decryption by key), e.g. `arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab`"
);
rule!(
    Duration,
    r"^[0-9]+[smh]$",
    "a duration such as `90s`, `15m` or `1h`"
);

/// A whole number within bounds, as a YAML number or a quoted string (`pulumi config set`
/// writes strings).
pub trait Bounds {
    const MIN: i64;
    const MAX: i64;
    const EXPECTS: &'static str;
    /// When only some values in the bounds are valid.
    const VALUES: &'static [i64] = &[];
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Whole<B>(pub i64, PhantomData<B>);

impl<B> Whole<B> {
    fn new(n: i64) -> Self {
        Whole(n, PhantomData)
    }
}

impl<'de, B: Bounds> Deserialize<'de> for Whole<B> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Json::deserialize(d)?;
        let shown = match &raw {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        };
        let n = match &raw {
            Json::Number(n) => n.as_i64(),
            // Canonical digits only, as the schema's pattern says: no sign, no leading zero.
            Json::String(s) => s.parse::<i64>().ok().filter(|n| n.to_string() == *s),
            _ => None,
        };
        match n {
            Some(n)
                if (B::MIN..=B::MAX).contains(&n)
                    && (B::VALUES.is_empty() || B::VALUES.contains(&n)) =>
            {
                Ok(Whole::new(n))
            }
            _ => Err(D::Error::custom(refused(&shown, true, B::EXPECTS))),
        }
    }
}

impl<B> Serialize for Whole<B> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<B: Bounds> JsonSchema for Whole<B> {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        Cow::Owned(format!("Whole_{}", std::any::type_name::<B>()))
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        if !B::VALUES.is_empty() {
            let strings: Vec<String> = B::VALUES.iter().map(i64::to_string).collect();
            return json_schema!({
                "anyOf": [
                    {"type": "integer", "enum": B::VALUES},
                    {"type": "string", "enum": strings},
                ]
            });
        }
        json_schema!({
            "anyOf": [
                {"type": "integer", "minimum": B::MIN, "maximum": B::MAX},
                {"type": "string", "pattern": format!("^(?:{})$", range_pattern(B::MIN as u64, B::MAX as u64))},
            ]
        })
    }
}

macro_rules! bounds {
    ($name:ident, $min:expr, $max:expr, $expects:expr $(, $values:expr)?) => {
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub struct $name;
        impl Bounds for $name {
            const MIN: i64 = $min;
            const MAX: i64 = $max;
            const EXPECTS: &'static str = $expects;
            $(const VALUES: &'static [i64] = $values;)?
        }
    };
}

bounds!(
    CpuUnits,
    256,
    16384,
    "a Fargate CPU size in units: 256, 512, 1024, 2048, 4096, 8192 or 16384 (1024 = 1 vCPU)",
    &[256, 512, 1024, 2048, 4096, 8192, 16384]
);
bounds!(
    MemoryMib,
    512,
    122880,
    "a whole number of MiB from 512 to 122880 that Fargate offers for the task's cpu (e.g. 512, 1024 or 2048 for cpu 256)"
);
bounds!(
    TaskCount,
    0,
    5000,
    "a whole number of tasks, 0 or more (at most 5000, ECS's limit per service)"
);
bounds!(Port, 1, 65535, "a TCP port, a whole number from 1 to 65535");
bounds!(
    MinimumHealthyPercent,
    0,
    100,
    "a whole percentage from 0 to 100"
);
bounds!(
    MaximumPercent,
    100,
    200,
    "a whole percentage from 100 to 200"
);
bounds!(
    MaxCount,
    1,
    5000,
    "a whole number of tasks from 1 to 5000 (ECS's limit per service)"
);
bounds!(
    CpuTarget,
    1,
    100,
    "a whole percentage of CPU utilisation from 1 to 100 (e.g. 70)"
);
bounds!(
    RequestsPerTarget,
    1,
    1000000,
    "a whole number of requests per task and minute from 1 to 1000000"
);
bounds!(
    CooldownSeconds,
    0,
    86400,
    "a whole number of seconds from 0 to 86400 (one day)"
);
bounds!(
    RetentionDays,
    1,
    3653,
    "one of CloudWatch Logs' retention periods in days: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653",
    &[
        1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
        2922, 3288, 3653
    ]
);
bounds!(
    IdleTimeoutSeconds,
    1,
    4000,
    "a whole number of seconds from 1 to 4000"
);

/// A regex for the decimal numbers `lo..=hi` without leading zeros (JSON Schema has no numeric
/// bounds for strings, and stack files hold numbers as quoted strings).
fn range_pattern(lo: u64, hi: u64) -> String {
    let mut alternatives = Vec::new();
    let (mut start, mut digits) = (lo, lo.to_string().len());
    while start <= hi {
        let top = 10u64.pow(digits as u32) - 1;
        let end = top.min(hi);
        alternatives.extend(same_length(&start.to_string(), &end.to_string()));
        start = end + 1;
        digits += 1;
    }
    alternatives.join("|")
}

/// Patterns for the equal-length decimal strings from `a` to `b`.
fn same_length(a: &str, b: &str) -> Vec<String> {
    if a.is_empty() {
        return vec![String::new()];
    }
    if a.bytes().all(|c| c == b'0') && b.bytes().all(|c| c == b'9') {
        return vec![format!("[0-9]{{{}}}", a.len())];
    }
    let (a0, a_rest) = (a.as_bytes()[0], &a[1..]);
    let (b0, b_rest) = (b.as_bytes()[0], &b[1..]);
    let digit = |c: u8| (c as char).to_string();
    if a0 == b0 {
        return same_length(a_rest, b_rest)
            .into_iter()
            .map(|p| format!("{}{p}", digit(a0)))
            .collect();
    }
    let n = a_rest.len();
    let mut out: Vec<String> = same_length(a_rest, &"9".repeat(n))
        .into_iter()
        .map(|p| format!("{}{p}", digit(a0)))
        .collect();
    if b0 - a0 > 1 {
        let middle = format!("[{}-{}]", digit(a0 + 1), digit(b0 - 1));
        out.push(if n == 0 {
            middle
        } else {
            format!("{middle}[0-9]{{{n}}}")
        });
    }
    out.extend(
        same_length(&"0".repeat(n), b_rest)
            .into_iter()
            .map(|p| format!("{}{p}", digit(b0))),
    );
    out
}

/// `true` or `false`, as a YAML boolean or a quoted string.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Flag(pub bool);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Json::deserialize(d)? {
            Json::Bool(b) => Ok(Flag(b)),
            Json::String(s) if s == "true" || s == "false" => Ok(Flag(s == "true")),
            Json::String(s) => Err(D::Error::custom(refused(&s, true, "`true` or `false`"))),
            other => Err(D::Error::custom(refused(
                &other.to_string(),
                true,
                "`true` or `false`",
            ))),
        }
    }
}

impl Serialize for Flag {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl JsonSchema for Flag {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "Flag".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"anyOf": [{"type": "boolean"}, {"type": "string", "enum": ["true", "false"]}]})
    }
}

/// A value that may be given as a `secure:` entry in the stack file (the program receives it
/// decrypted). Never echoed in a message.
#[derive(Debug, Clone, PartialEq)]
pub struct SecretText(pub String);

impl<'de> Deserialize<'de> for SecretText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Json::deserialize(d)? {
            Json::String(s) => Ok(SecretText(s)),
            Json::Number(n) => Ok(SecretText(n.to_string())),
            Json::Bool(b) => Ok(SecretText(b.to_string())),
            _ => Err(D::Error::custom(
                "the value is not valid: a text value (or a `secure:` one)",
            )),
        }
    }
}

impl Serialize for SecretText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl JsonSchema for SecretText {
    fn schema_name() -> Cow<'static, str> {
        "SecretText".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A value, or a `secure:` entry written by `pulumi config set --secret`.",
            "anyOf": [
                {"type": ["string", "number", "boolean"]},
                {
                    "type": "object",
                    "properties": {"secure": {"type": "string", "minLength": 1}},
                    "required": ["secure"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

/// A map whose names follow rule `K` (e.g. environment variable names).
#[derive(Debug, Clone, PartialEq)]
pub struct NamedMap<K, V>(pub BTreeMap<String, V>, PhantomData<K>);

impl<K, V> Default for NamedMap<K, V> {
    fn default() -> Self {
        NamedMap(BTreeMap::new(), PhantomData)
    }
}

impl<'de, K: Rule, V: Deserialize<'de>> Deserialize<'de> for NamedMap<K, V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = match Json::deserialize(d)? {
            Json::Object(m) => m,
            _ => {
                return Err(D::Error::custom(
                    "the value is not valid: a map of names to values (one `NAME: value` per line)",
                ));
            }
        };
        let mut out = BTreeMap::new();
        for (name, value) in map {
            if let Err(e) = Text::<K>::check(name.clone()) {
                return Err(D::Error::custom(format!("name {e}")));
            }
            let value = V::deserialize(value)
                .map_err(|e| D::Error::custom(format!("entry `{name}`: {e}")))?;
            out.insert(name, value);
        }
        Ok(NamedMap(out, PhantomData))
    }
}

impl<K, V: Serialize> Serialize for NamedMap<K, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<K: Rule, V: JsonSchema> JsonSchema for NamedMap<K, V> {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        Cow::Owned(format!("Map_{}", std::any::type_name::<K>()))
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let mut names = json_schema!({"pattern": K::PATTERN});
        if let Some(max) = K::MAX_LENGTH {
            names.insert("maxLength".into(), max.into());
        }
        json_schema!({
            "type": "object",
            "propertyNames": names,
            "additionalProperties": generator.subschema_for::<V>(),
        })
    }
}

/// A list with at least `MIN` entries.
#[derive(Debug, Clone, PartialEq)]
pub struct List<T, const MIN: usize>(pub Vec<T>);

impl<T> Default for List<T, 0> {
    fn default() -> Self {
        List(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>, const MIN: usize> Deserialize<'de> for List<T, MIN> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let items = match Json::deserialize(d)? {
            Json::Array(items) => items,
            other => {
                return Err(D::Error::custom(refused(
                    &other_text(&other),
                    true,
                    "a list (`[a, b]`, or one `- item` per line)",
                )));
            }
        };
        if items.len() < MIN {
            return Err(D::Error::custom(format!(
                "{} entries given; at least {MIN} needed",
                items.len()
            )));
        }
        items
            .into_iter()
            .map(|item| T::deserialize(item).map_err(D::Error::custom))
            .collect::<Result<Vec<T>, D::Error>>()
            .map(List)
    }
}

fn other_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl<T: Serialize, const MIN: usize> Serialize for List<T, MIN> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<T: JsonSchema, const MIN: usize> JsonSchema for List<T, MIN> {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        Cow::Owned(format!("List_{MIN}_{}", T::schema_name()))
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "array",
            "items": generator.subschema_for::<T>(),
            "minItems": MIN,
        })
    }
}

/// One of the load balancer's predefined security policies.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SslPolicy(pub String);

impl<'de> Deserialize<'de> for SslPolicy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Json::deserialize(d)?;
        match raw {
            Json::String(s) if ALB_SSL_POLICIES.contains(&s.as_str()) => Ok(SslPolicy(s)),
            other => Err(D::Error::custom(refused(
                &other_text(&other),
                true,
                &format!(
                    "one of the load balancer's predefined security policies (custom policies are not supported), e.g. `{DEFAULT_SSL_POLICY}`; all: {}",
                    ALB_SSL_POLICIES.join(", ")
                ),
            ))),
        }
    }
}

impl JsonSchema for SslPolicy {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "SslPolicy".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "string", "enum": ALB_SSL_POLICIES})
    }
}

/// CloudWatch Container Insights level.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Insights {
    Enabled,
    Enhanced,
    Disabled,
}

impl<'de> Deserialize<'de> for Insights {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Json::deserialize(d)? {
            Json::String(s) if s == "enabled" => Ok(Insights::Enabled),
            Json::String(s) if s == "enhanced" => Ok(Insights::Enhanced),
            Json::String(s) if s == "disabled" => Ok(Insights::Disabled),
            other => Err(D::Error::custom(refused(
                &other_text(&other),
                true,
                "`enabled`, `enhanced` or `disabled`",
            ))),
        }
    }
}

/// Resource tags: AWS allows keys of 1 to 128 characters (not starting with the reserved
/// `aws:`) and values of at most 256; the stack adds `app` and `stack` to at most 50.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Tags(pub BTreeMap<String, String>);

const MAX_OWN_TAGS: usize = 48;

impl<'de> Deserialize<'de> for Tags {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let Json::Object(map) = Json::deserialize(d)? else {
            return Err(D::Error::custom(
                "the value is not valid: a map of tag names to values (one `name: value` per line)",
            ));
        };
        if map.len() > MAX_OWN_TAGS {
            return Err(D::Error::custom(format!(
                "{} tags given; at most {MAX_OWN_TAGS} (AWS allows 50 per resource and the stack adds `app` and `stack`)",
                map.len()
            )));
        }
        let mut out = BTreeMap::new();
        for (key, value) in map {
            let chars = key.chars().count();
            if chars == 0 || chars > 128 || key.to_ascii_lowercase().starts_with("aws:") {
                return Err(D::Error::custom(format!(
                    "tag key `{key}` is not valid: 1 to 128 characters, not starting with `aws:` (reserved by AWS)"
                )));
            }
            let value = match value {
                Json::String(s) => s,
                Json::Number(n) => n.to_string(),
                Json::Bool(b) => b.to_string(),
                other => {
                    return Err(D::Error::custom(format!(
                        "tag `{key}`: `{other}` is not valid: a text value"
                    )));
                }
            };
            if value.chars().count() > 256 {
                return Err(D::Error::custom(format!(
                    "tag `{key}`: the value is {} characters long; AWS allows at most 256",
                    value.chars().count()
                )));
            }
            out.insert(key, value);
        }
        Ok(Tags(out))
    }
}

impl JsonSchema for Tags {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "Tags".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "object",
            "maxProperties": MAX_OWN_TAGS,
            "propertyNames": {"minLength": 1, "maxLength": 128, "not": {"pattern": "^[Aa][Ww][Ss]:"}},
            "additionalProperties": {"type": ["string", "number", "boolean"], "maxLength": 256},
        })
    }
}

mod aws_options;
mod workers;
pub use aws_options::{AwsOptions, Egress};
pub use workers::Worker;

// ---------------------------------------------------------------------------------------------
// Reading.

/// What the program uses, derived from [`StackConfig`] after every check passed.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where the image comes from: the URL of a repository another stack owns, or the name of
    /// the one this stack creates.
    pub image_source: ImageSource,
    pub image_tag: String,
    pub cpu: i64,
    pub memory: i64,
    pub desired_count: i64,
    pub desired_count_managed_by_autoscaler: bool,
    pub container_port: i64,
    pub health_check_path: String,
    /// Container environment variables, name → value, the secret ones included.
    pub environment: BTreeMap<String, String>,
    /// The names in `environment` whose values are `secure:` (they go to SSM, see `secrets.rs`).
    pub secret_environment: BTreeSet<String>,
    /// Container variable name → Secrets Manager / SSM parameter ARN.
    pub secrets: BTreeMap<String, String>,
    pub certificate_arn: Option<String>,
    pub ssl_policy: String,
    pub vpc_id: Option<String>,
    pub vpc_cidr: Option<String>,
    pub public_subnet_ids: Option<Vec<String>>,
    pub private_subnet_ids: Option<Vec<String>>,
    pub assign_public_ip: bool,
    pub allowed_cidrs: Vec<String>,
    pub log_group: String,
    pub log_retention_days: i64,
    /// Overrides: without them the stack creates the roles (`roles.rs`).
    pub execution_role_arn: Option<String>,
    pub task_role_arn: Option<String>,
    pub task_role_policy_arns: Vec<String>,
    pub secrets_kms_key_arn: Option<String>,
    /// `None`: the service runs `desired_count` tasks.
    pub autoscaling: Option<Autoscaling>,
    pub minimum_healthy_percent: i64,
    pub maximum_percent: i64,
    pub rollout_timeout: String,
    pub container_insights: Option<ContainerInsights>,
    pub deletion_protection: bool,
    pub idle_timeout_seconds: i64,
    pub tags: BTreeMap<String, String>,
    /// Spot, extra egress, ECS Exec and the CPU architecture.
    pub aws: AwsOptions,
    /// Background workers beside the API, by name.
    pub workers: BTreeMap<String, Worker>,
}

/// Where the API image comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum ImageSource {
    /// The repository's URL (another stack owns it).
    Url(String),
    /// This stack creates and owns the repository of this name.
    Owned { name: String },
    /// The `imageRepositoryUrl` output of this stack (fully qualified name), which owns it.
    Stack(String),
}

/// The name of the repository the owning stack creates when the stack file names none.
pub const DEFAULT_REPOSITORY_NAME: &str = "sotex-box-api";

/// Target tracking of the service's task count (Application Auto Scaling).
#[derive(Debug, Clone, PartialEq)]
pub struct Autoscaling {
    pub min_count: i64,
    pub max_count: i64,
    pub cpu_target: Option<i64>,
    pub requests_per_target: Option<i64>,
    pub scale_in_cooldown_seconds: Option<i64>,
    pub scale_out_cooldown_seconds: Option<i64>,
}

fn texts<R>(list: Vec<Text<R>>) -> Vec<String> {
    list.into_iter().map(|t| t.0).collect()
}

impl Settings {
    pub fn read(config: &Config, stack: &str) -> Result<Settings, Error> {
        let c = StackConfig::read(config)?;
        c.check_across_keys(config)?;
        c.check_aws_options(config)?;
        let aws = c.aws_options();
        let workers = c.workers();
        let environment: BTreeMap<String, String> =
            c.environment.0.into_iter().map(|(k, v)| (k, v.0)).collect();
        let image_source = match (
            c.owns_image_repository.0,
            c.image_repository,
            c.image_repository_stack,
        ) {
            (true, _, _) => ImageSource::Owned {
                name: c
                    .image_repository_name
                    .map_or_else(|| DEFAULT_REPOSITORY_NAME.to_string(), |t| t.0),
            },
            (false, Some(url), _) => ImageSource::Url(url.0),
            (false, None, Some(stack)) => ImageSource::Stack(stack.0),
            (false, None, None) => {
                unreachable!("check_across_keys requires imageRepository or imageRepositoryStack")
            }
        };
        let autoscaling = c.max_count.map(|max| Autoscaling {
            min_count: c.min_count.map_or(c.desired_count.0, |m| m.0),
            max_count: max.0,
            cpu_target: c.cpu_target.map(|t| t.0),
            requests_per_target: c.requests_per_target.map(|t| t.0),
            scale_in_cooldown_seconds: c.scale_in_cooldown_seconds.map(|t| t.0),
            scale_out_cooldown_seconds: c.scale_out_cooldown_seconds.map(|t| t.0),
        });
        Ok(Settings {
            image_source,
            image_tag: c.image_tag.0,
            cpu: c.cpu.0,
            memory: c.memory.0,
            desired_count: c.desired_count.0,
            desired_count_managed_by_autoscaler: c.desired_count_managed_by_autoscaler.0
                || autoscaling.is_some(),
            container_port: c.container_port.0,
            health_check_path: c.health_check_path.0,
            secret_environment: crate::secrets::secret_names(config, &environment),
            environment,
            secrets: c.secrets.0.into_iter().map(|(k, v)| (k, v.0)).collect(),
            certificate_arn: c.certificate_arn.map(|t| t.0),
            ssl_policy: c.ssl_policy.0,
            vpc_id: c.vpc_id.map(|t| t.0),
            vpc_cidr: c.vpc_cidr.map(|t| t.0),
            public_subnet_ids: c.public_subnet_ids.map(|l| texts(l.0)),
            private_subnet_ids: c.private_subnet_ids.map(|l| texts(l.0)),
            assign_public_ip: c.assign_public_ip.0,
            allowed_cidrs: texts(c.allowed_cidrs.0),
            log_group: c
                .log_group
                .map_or_else(|| format!("/ecs/sotex-box-backend/{stack}"), |t| t.0),
            log_retention_days: c.log_retention_days.0,
            execution_role_arn: c.execution_role_arn.map(|t| t.0),
            task_role_arn: c.task_role_arn.map(|t| t.0),
            task_role_policy_arns: texts(c.task_role_policy_arns.0),
            secrets_kms_key_arn: c.secrets_kms_key_arn.map(|t| t.0),
            autoscaling,
            minimum_healthy_percent: c.minimum_healthy_percent.0,
            maximum_percent: c.maximum_percent.0,
            rollout_timeout: c.rollout_timeout.0,
            container_insights: c.container_insights.map(|i| match i {
                Insights::Enabled => ContainerInsights::Enabled,
                Insights::Enhanced => ContainerInsights::Enhanced,
                Insights::Disabled => ContainerInsights::Disabled,
            }),
            deletion_protection: c.deletion_protection.0,
            idle_timeout_seconds: c.idle_timeout_seconds.0,
            tags: c.tags.0,
            aws,
            workers,
        })
    }
}

/// The keys of [`StackConfig`], as written after `sotex-backend:`.
pub fn known_keys() -> Vec<String> {
    let schema = schemars::schema_for!(StackConfig);
    schema
        .get("properties")
        .and_then(Json::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

/// Levenshtein distance, to name the key a typo meant.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let replace = previous[j] + usize::from(ca != cb);
            current.push(replace.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

fn closest<'a>(key: &str, known: &'a [String]) -> Option<&'a String> {
    known
        .iter()
        .map(|k| (distance(key, k), k))
        .filter(|(d, k)| *d <= 3.max(k.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Structured values arrive as JSON text; scalars stay the text the stack file holds (a tag
/// `1.10` must not become the number 1.1).
fn config_value(raw: &str) -> Json {
    match serde_json::from_str::<Json>(raw) {
        Ok(v @ (Json::Object(_) | Json::Array(_))) => v,
        _ => Json::String(raw.to_string()),
    }
}

/// Replaces every backquoted leaf value of a secret key in `message` (names stay).
fn redact(message: &str, value: &Json) -> String {
    let mut leaves = Vec::new();
    fn collect(v: &Json, out: &mut Vec<String>) {
        match v {
            Json::Object(m) => m.values().for_each(|v| collect(v, out)),
            Json::Array(a) => a.iter().for_each(|v| collect(v, out)),
            Json::String(s) => out.push(s.clone()),
            other => out.push(other.to_string()),
        }
    }
    collect(value, &mut leaves);
    let mut out = message.to_string();
    for leaf in leaves {
        out = out.replace(&format!("`{leaf}`"), "the secret value");
    }
    out
}

impl StackConfig {
    /// Reads `sotex-backend:*` from the engine's config map: unknown keys and the first bad
    /// value fail with the key, the stack file, the value and what is valid.
    pub fn read(config: &Config) -> Result<StackConfig, Error> {
        let known = known_keys();
        let mut object = Map::new();
        let mut unknown = Vec::new();
        for (key, raw) in config.namespace_values(NAMESPACE) {
            if known.iter().any(|k| *k == key) {
                object.insert(key.to_string(), config_value(raw));
            } else {
                unknown.push(key.to_string());
            }
        }
        if let Some(key) = unknown.first() {
            let suggestion = match closest(key, &known) {
                Some(k) => format!("did you mean `{NAMESPACE}:{k}`?"),
                None => format!("the keys are: {}", known.join(", ")),
            };
            let more = if unknown.len() > 1 {
                format!(
                    " (also unknown: {})",
                    unknown[1..]
                        .iter()
                        .map(|k| format!("`{NAMESPACE}:{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            } else {
                String::new()
            };
            return Err(config.problem(
                key,
                &format!("is not a setting of this stack; {suggestion}{more}"),
            ));
        }
        // Only environment values may be secrets (the schema allows `secure:` there alone):
        // any other value appears in resource names, properties or outputs in plain text.
        if let Some(key) = object
            .keys()
            .find(|k| config.is_secret(k) && *k != "environment")
        {
            return Err(config.problem(
                key,
                "is a `secure:` value, but only `sotex-backend:environment` entries may be secret (this value ends up in plain resource properties): set it in plain text, or move it to `environment`",
            ));
        }
        let values = Json::Object(object.clone());
        serde_path_to_error::deserialize::<_, StackConfig>(values).map_err(|e| {
            let path = e.path().to_string();
            let key = path
                .split(['.', '['])
                .next()
                .unwrap_or_default()
                .to_string();
            if key.is_empty() || key == "?" {
                // A required key is missing: serde names it in its message.
                let inner = e.inner().to_string();
                let missing = inner.split('`').nth(1).unwrap_or("imageTag").to_string();
                return config.missing(&missing);
            }
            let mut message = e.inner().to_string();
            if config.is_secret(&key)
                && let Some(v) = object.get(&key)
            {
                message = redact(&message, v);
            }
            config.problem(&path, &message)
        })
    }

    /// Rules between keys, which no schema expresses.
    fn check_across_keys(&self, config: &Config) -> Result<(), Error> {
        if let Some(problem) = task_size_problem(self.cpu.0, self.memory.0) {
            return Err(config.problem("memory", &problem));
        }
        if self.minimum_healthy_percent.0 == 100 && self.maximum_percent.0 == 100 {
            return Err(config.problem(
                "maximumPercent",
                "`100` is not valid with minimumHealthyPercent 100: a rollout could never start a new task; use more than 100",
            ));
        }
        if config.contains("sslPolicy") && self.certificate_arn.is_none() {
            return Err(config.problem(
                "sslPolicy",
                "applies only to the HTTPS listener, which needs `sotex-backend:certificateArn`: set the certificate or remove sslPolicy",
            ));
        }
        let both: BTreeSet<&String> = self
            .environment
            .0
            .keys()
            .filter(|k| self.secrets.0.contains_key(*k))
            .collect();
        if let Some(name) = both.first() {
            return Err(config.problem(
                &format!("secrets.{name}"),
                &format!(
                    "`{name}` is also in `sotex-backend:environment`; a variable is either plain or a secret"
                ),
            ));
        }
        self.check_image_repository(config)?;
        self.check_workers(config)?;
        self.check_roles(config)?;
        self.check_autoscaling(config)
    }

    /// Exactly one stack owns the repository: it names it, the others give its URL or the
    /// owning stack's name.
    fn check_image_repository(&self, config: &Config) -> Result<(), Error> {
        if self.owns_image_repository.0 {
            let other = [
                (
                    "imageRepository",
                    self.image_repository.as_ref().map(|t| &t.0),
                ),
                (
                    "imageRepositoryStack",
                    self.image_repository_stack.as_ref().map(|t| &t.0),
                ),
            ];
            if let Some((key, Some(value))) = other.iter().find(|(_, v)| v.is_some()) {
                return Err(config.problem(
                    key,
                    &format!(
                        "`{value}` is not valid with ownsImageRepository true: this stack creates the repository and runs images from it; remove {key} (name the repository with imageRepositoryName)"
                    ),
                ));
            }
            return Ok(());
        }
        if self.image_repository_name.is_some() {
            return Err(config.problem(
                "imageRepositoryName",
                "applies only to the stack that owns the image repository (`sotex-backend:ownsImageRepository: true`); the other stacks give its URL in imageRepository",
            ));
        }
        match (&self.image_repository, &self.image_repository_stack) {
            (Some(_), Some(stack)) => Err(config.problem(
                "imageRepositoryStack",
                &format!(
                    "`{}` is not valid with imageRepository: give the repository either by URL (imageRepository) or by the stack that owns it (imageRepositoryStack), not both",
                    stack.0
                ),
            )),
            (None, None) => Err(Error::Config(format!(
                "{} — the URL the stack owning the repository exports as `imageRepositoryUrl`, or that stack's name in `sotex-backend:imageRepositoryStack` (or set `sotex-backend:ownsImageRepository: true` in the one stack that owns it)",
                config.missing("imageRepository")
            ))),
            _ => Ok(()),
        }
    }

    /// Settings of the roles the stack creates are refused next to a role given instead.
    fn check_roles(&self, config: &Config) -> Result<(), Error> {
        if self.task_role_arn.is_some() && !self.task_role_policy_arns.0.is_empty() {
            return Err(config.problem(
                "taskRolePolicyArns",
                "applies only to the task role the stack creates, but `sotex-backend:taskRoleArn` names another role: attach the policies to that role, or remove taskRoleArn",
            ));
        }
        if self.execution_role_arn.is_some() && self.secrets_kms_key_arn.is_some() {
            return Err(config.problem(
                "secretsKmsKeyArn",
                "applies only to the execution role the stack creates, but `sotex-backend:executionRoleArn` names another role: grant kms:Decrypt on that role, or remove executionRoleArn",
            ));
        }
        Ok(())
    }

    /// Autoscaling is on with `maxCount`; its other keys need it, and the bounds must hold the
    /// count the service starts with.
    fn check_autoscaling(&self, config: &Config) -> Result<(), Error> {
        let Some(max) = self.max_count.map(|m| m.0) else {
            let set = [
                ("minCount", self.min_count.is_some()),
                ("cpuTarget", self.cpu_target.is_some()),
                ("requestsPerTarget", self.requests_per_target.is_some()),
                (
                    "scaleInCooldownSeconds",
                    self.scale_in_cooldown_seconds.is_some(),
                ),
                (
                    "scaleOutCooldownSeconds",
                    self.scale_out_cooldown_seconds.is_some(),
                ),
            ];
            if let Some((key, _)) = set.iter().find(|(_, set)| *set) {
                return Err(config.problem(
                    key,
                    "applies only with autoscaling, which `sotex-backend:maxCount` turns on: set maxCount (the most tasks) or remove it",
                ));
            }
            return Ok(());
        };
        if self.cpu_target.is_none() && self.requests_per_target.is_none() {
            return Err(config.problem(
                "maxCount",
                &format!(
                    "`{max}` turns autoscaling on, which needs what to scale on: set `sotex-backend:cpuTarget` (percent CPU, e.g. 70) and/or `sotex-backend:requestsPerTarget` (requests per task and minute)"
                ),
            ));
        }
        if config.contains("desiredCountManagedByAutoscaler")
            && !self.desired_count_managed_by_autoscaler.0
        {
            return Err(config.problem(
                "desiredCountManagedByAutoscaler",
                "`false` is not valid with maxCount: the stack's autoscaling owns the task count; remove desiredCountManagedByAutoscaler",
            ));
        }
        let desired = self.desired_count.0;
        let min = self.min_count.map_or(desired, |m| m.0);
        if min > max {
            let (key, what) = if self.min_count.is_some() {
                ("minCount", "")
            } else {
                ("desiredCount", " (minCount defaults to it)")
            };
            return Err(config.problem(
                key,
                &format!(
                    "`{min}` is not valid with maxCount {max}{what}: the fewest tasks must be at most the most, {max}"
                ),
            ));
        }
        if !(min..=max).contains(&desired) {
            return Err(config.problem(
                "desiredCount",
                &format!(
                    "`{desired}` is not valid with minCount {min} and maxCount {max}: the count the service starts with must be from {min} to {max}"
                ),
            ));
        }
        Ok(())
    }
}

/// The JSON Schema of the stack files: `sotex-backend:*` from [`StackConfig`], `fargate:*` from
/// the provider's config type (the package schema's `config.variables`, generated from it).
pub fn stack_file_schema() -> Json {
    let settings = schemars::generate::SchemaSettings::draft07();
    let mut root = serde_json::to_value(
        settings
            .into_generator()
            .into_root_schema_for::<StackConfig>(),
    )
    .expect("schema to JSON");
    without_null(&mut root);
    let package: Json = serde_json::from_str(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../schema/schema.json"
    )))
    .expect("schema/schema.json is JSON");

    let mut keys = Map::new();
    for (name, schema) in root["properties"].as_object().into_iter().flatten() {
        keys.insert(format!("{NAMESPACE}:{name}"), schema.clone());
    }
    for (name, schema) in package["config"]["variables"]
        .as_object()
        .into_iter()
        .flatten()
    {
        let mut schema = schema.clone();
        // Structured stack values may also arrive as JSON text (`pulumi config set`).
        if schema["type"] == "object" {
            schema = serde_json::json!({
                "description": schema["description"],
                "anyOf": [schema_without_description(&schema), {"type": "string"}],
            });
        }
        keys.insert(format!("fargate:{name}"), schema);
    }
    let required: Vec<Json> = root["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .map(|k| Json::String(format!("{NAMESPACE}:{k}")))
        .collect();
    // Sorted: `keys` keeps insertion order when serde_json's `preserve_order` is on.
    let mut known: Vec<&String> = keys.keys().collect();
    known.sort();
    let config = serde_json::json!({
        "type": "object",
        "description": "Stack configuration: `sotex-backend:*` (the stack program) and `fargate:*` (the provider). Other packages' keys are allowed.",
        "properties": keys,
        "required": required,
        // Our namespaces are closed: a misspelt key is flagged; other namespaces stay open.
        "propertyNames": {
            "anyOf": [
                {"enum": known},
                {"not": {"pattern": format!("^(?:{NAMESPACE}|fargate):")}},
            ],
        },
    });
    let mut document = serde_json::json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://sotex.invalid/schema/stack-config.schema.json",
        "title": "Pulumi.<stack>.yaml of the Sotex-box backend",
        "description": "Generated from the stack program's settings types (program/src/bin/sotex-stack/settings.rs) and the provider's config type by scripts/gen-schema; do not edit.",
        "type": "object",
        "properties": {
            "config": config,
            "secretsprovider": {"type": "string", "description": "Secrets provider of the stack, e.g. `awskms://alias/sotex-pulumi?region=eu-central-1`."},
            "encryptedkey": {"type": "string", "description": "The data key, encrypted by the secrets provider."},
            "encryptionsalt": {"type": "string", "description": "Salt of the passphrase secrets provider."},
            "environment": {"description": "Pulumi ESC environments imported by the stack."},
        },
        "additionalProperties": false,
    });
    if let Some(defs) = root.get("definitions") {
        document["definitions"] = defs.clone();
    }
    document
}

/// An absent key takes its default; `null` is never a value of a stack key, so the `Option`s'
/// null alternatives go.
fn without_null(schema: &mut Json) {
    match schema {
        Json::Object(m) => {
            if m.get("default") == Some(&Json::Null) {
                m.remove("default");
            }
            if let Some(Json::Array(types)) = m.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let only = types[0].clone();
                    m.insert("type".into(), only);
                }
            }
            if let Some(Json::Array(options)) = m.get_mut("anyOf") {
                options.retain(|o| o != &serde_json::json!({"type": "null"}));
                if options.len() == 1 {
                    let only = options.remove(0);
                    m.remove("anyOf");
                    if let Json::Object(inner) = only {
                        m.extend(inner);
                    }
                }
            }
            m.values_mut().for_each(without_null);
        }
        Json::Array(items) => items.iter_mut().for_each(without_null),
        _ => {}
    }
}

fn schema_without_description(schema: &Json) -> Json {
    let mut s = schema.clone();
    if let Some(m) = s.as_object_mut() {
        m.remove("description");
    }
    s
}

/// The schema as committed: pretty JSON with a trailing newline.
pub fn stack_file_schema_text() -> String {
    let mut text =
        serde_json::to_string_pretty(&key_sorted(stack_file_schema())).expect("schema JSON");
    text.push('\n');
    text
}

/// Keys in sorted order, so the committed text is the same whether or not some dependency
/// turns on serde_json's `preserve_order` in this build.
fn key_sorted(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => {
            let sorted: std::collections::BTreeMap<_, _> = map.into_iter().collect();
            serde_json::Value::Object(
                sorted
                    .into_iter()
                    .map(|(k, v)| (k, key_sorted(v)))
                    .collect(),
            )
        }
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(key_sorted).collect())
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    fn config_with(pairs: &[(&str, &str)], secret: &[&str]) -> Config {
        let mut values: HashMap<String, String> = [
            ("sotex-backend:imageRepository", "example.com/sotex/api"),
            ("sotex-backend:imageTag", "1.0.0"),
            ("fargate:region", "eu-central-1"),
            ("other:key", "x"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        // An empty value unsets the key (e.g. the base `imageRepository`).
        for (k, v) in pairs {
            let key = format!("sotex-backend:{k}");
            if v.is_empty() {
                values.remove(&key);
            } else {
                values.insert(key, v.to_string());
            }
        }
        Config::new(
            "sotex-backend",
            "staging",
            values,
            secret
                .iter()
                .map(|k| format!("sotex-backend:{k}"))
                .collect(),
        )
    }

    fn config(pairs: &[(&str, &str)]) -> Config {
        config_with(pairs, &[])
    }

    fn error_for(pairs: &[(&str, &str)]) -> String {
        Settings::read(&config(pairs), "staging")
            .expect_err("should be refused")
            .to_string()
    }

    #[test]
    fn defaults() {
        let s = Settings::read(&config(&[]), "staging").unwrap();
        assert_eq!(
            s.image_source,
            ImageSource::Url("example.com/sotex/api".into())
        );
        assert_eq!(s.image_tag, "1.0.0");
        assert_eq!(s.log_retention_days, 30);
        assert!(s.autoscaling.is_none());
        assert!(s.execution_role_arn.is_none() && s.task_role_arn.is_none());
        assert!(s.task_role_policy_arns.is_empty() && s.secrets_kms_key_arn.is_none());
        assert_eq!((s.cpu, s.memory, s.desired_count), (256, 512, 1));
        assert_eq!(s.container_port, 8080);
        assert_eq!(s.health_check_path, "/health");
        assert_eq!(s.allowed_cidrs, ["0.0.0.0/0"]);
        assert_eq!(s.log_group, "/ecs/sotex-box-backend/staging");
        assert_eq!(s.rollout_timeout, "15m");
        assert_eq!(s.ssl_policy, DEFAULT_SSL_POLICY);
        assert_eq!((s.minimum_healthy_percent, s.maximum_percent), (100, 200));
        assert!(!s.assign_public_ip && !s.desired_count_managed_by_autoscaler);
    }

    #[test]
    fn the_committed_stack_files_read() {
        // Values as the engine hands them over: scalars as text, maps as JSON.
        let s = Settings::read(
            &config(&[
                ("cpu", "1024"),
                ("memory", "2048"),
                ("desiredCount", "3"),
                ("assignPublicIp", "true"),
                (
                    "certificateArn",
                    "arn:aws:iam::123456789012:server-certificate/sotex-production",
                ),
                (
                    "environment",
                    r#"{"LOG_LEVEL":"Information","SENTRY_DSN":"https://x@y/1"}"#,
                ),
                (
                    "secrets",
                    r#"{"ConnectionStrings__Default":"arn:aws:secretsmanager:eu-central-1:123456789012:secret:sotex/production/db-GhIjKl"}"#,
                ),
                ("containerInsights", "enabled"),
                ("rolloutTimeout", "20m"),
                ("tags", r#"{"team":"sotex-box"}"#),
                ("imageTag", "1.10"),
                ("imageRepository", ""),
                ("ownsImageRepository", "true"),
                ("imageRepositoryName", "sotex-box-api"),
                ("minCount", "3"),
                ("maxCount", "10"),
                ("cpuTarget", "70"),
                ("logRetentionDays", "90"),
            ]),
            "production",
        )
        .unwrap();
        assert_eq!(
            s.image_source,
            ImageSource::Owned {
                name: "sotex-box-api".into()
            }
        );
        assert_eq!(
            s.autoscaling,
            Some(Autoscaling {
                min_count: 3,
                max_count: 10,
                cpu_target: Some(70),
                requests_per_target: None,
                scale_in_cooldown_seconds: None,
                scale_out_cooldown_seconds: None,
            })
        );
        assert!(s.desired_count_managed_by_autoscaler);
        assert_eq!(s.log_retention_days, 90);
        assert_eq!((s.cpu, s.memory, s.desired_count), (1024, 2048, 3));
        assert_eq!(s.image_tag, "1.10");
        assert_eq!(s.container_insights, Some(ContainerInsights::Enabled));
        assert_eq!(s.tags["team"], "sotex-box");
    }

    /// Each mistake: one message naming the key, the stack file, the value and what is valid.
    #[test]
    fn each_refusal_names_key_value_and_what_is_valid() {
        for (key, value, expected) in [
            ("imageRepository", "repo:latest", "`imageTag`"),
            (
                "imageRepository",
                "Sotex.io/Api",
                "lowercase: `Sotex.io/api`",
            ),
            ("imageTag", "-bad", "letters, digits"),
            ("cpu", "300", "256, 512"),
            ("cpu", "big", "Fargate CPU size"),
            ("memory", "512.5", "whole number of MiB"),
            ("memory", "4096", "Fargate offers 512, 1024, 2048 MiB"),
            ("desiredCount", "-1", "a whole number of tasks, 0 or more"),
            ("containerPort", "70000", "1 to 65535"),
            ("containerPort", "080", "1 to 65535"),
            ("healthCheckPath", "health", "starting with `/`"),
            ("vpcId", "vpc-xyz", "VPC id"),
            ("publicSubnetIds", r#"["subnet-0123abcd"]"#, "at least 2"),
            ("privateSubnetIds", r#"["sub-0123abcd"]"#, "subnet id"),
            ("allowedCidrs", r#"["10.0.0.0/33"]"#, "CIDR"),
            ("allowedCidrs", "[]", "at least 1"),
            ("logGroup", "logs with spaces", "512 characters"),
            ("rolloutTimeout", "soon", "duration"),
            ("assignPublicIp", "yes", "`true` or `false`"),
            ("containerInsights", "sometimes", "`enabled`"),
            ("sslPolicy", "modern", "predefined security policies"),
            ("environment", r#"{"MY VAR":"1"}"#, "no `=` or spaces"),
            ("environment", r#"{"A=B":"1"}"#, "no `=` or spaces"),
            ("secrets", r#"{"DB":"hunter2"}"#, "never the secret itself"),
            (
                "executionRoleArn",
                "arn:aws:iam::123456789012:user/deploy",
                "IAM role ARN",
            ),
            ("certificateArn", "not-an-arn", "certificate ARN"),
            ("minimumHealthyPercent", "150", "0 to 100"),
            ("maximumPercent", "100", "more than 100"),
            ("idleTimeoutSeconds", "0", "1 to 4000"),
            ("tags", r#"{"aws:owner":"me"}"#, "reserved by AWS"),
            (
                "desiredCont",
                "2",
                "did you mean `sotex-backend:desiredCount`?",
            ),
            ("logRetentionDays", "10", "1, 3, 5, 7, 14, 30"),
            ("maxCount", "0", "from 1 to 5000"),
            ("cpuTarget", "101", "from 1 to 100"),
            ("requestsPerTarget", "0", "from 1 to 1000000"),
            ("scaleInCooldownSeconds", "-5", "from 0 to 86400"),
            ("imageRepositoryName", "Sotex", "lowercase: `sotex`"),
            (
                "taskRolePolicyArns",
                r#"["AmazonS3ReadOnlyAccess"]"#,
                "managed IAM policy ARN",
            ),
            ("secretsKmsKeyArn", "alias/sotex", "not an alias"),
            ("minCount", "2", "turns on: set maxCount"),
            ("maxCount", "5", "needs what to scale on"),
            ("imageRepositoryName", "api", "owns the image repository"),
            (
                "imageRepositoryStack",
                "production",
                "a fully qualified stack name `<organization>/<project>/<stack>`",
            ),
            (
                "imageRepositoryStack",
                "organization/sotex-backend/production",
                "not both",
            ),
            ("workers", r#"{"api": {}}"#, "is the API's own name"),
            (
                "workers",
                r#"{"Queue_Worker": {}}"#,
                "2 to 20 lowercase letters",
            ),
            (
                "workers",
                r#"{"worker": {"cpu": 1024, "memory": 512}}"#,
                "`512` is not valid with cpu 1024",
            ),
            (
                "workers",
                r#"{"worker": {"commands": ["x"]}}"#,
                "unknown field `commands`",
            ),
            ("workers", r#"{"worker": {"command": []}}"#, "at least 1"),
        ] {
            let e = error_for(&[(key, value)]);
            assert!(
                e.starts_with(&format!("config key `sotex-backend:{key}"))
                    && e.contains("Pulumi.staging.yaml")
                    && e.contains(expected),
                "{key}={value}: {e}"
            );
            assert!(!e.contains("hunter2"), "{e}");
        }
    }

    #[test]
    fn a_refusal_reads_as_one_sentence() {
        let e = error_for(&[("desiredCount", "-1")]);
        assert_eq!(
            e,
            "config key `sotex-backend:desiredCount` in Pulumi.staging.yaml: `-1` is not valid: a whole number of tasks, 0 or more (at most 5000, ECS's limit per service)"
        );
    }

    /// Rules across keys: each refusal names the key it is reported on and why.
    #[test]
    fn refusals_across_keys_name_the_key_and_the_other() {
        for (pairs, key, expected) in [
            (
                &[("maxCount", "4"), ("minCount", "5"), ("cpuTarget", "70")][..],
                "minCount",
                "`5` is not valid with maxCount 4: the fewest tasks must be at most the most, 4",
            ),
            (
                &[
                    ("maxCount", "4"),
                    ("desiredCount", "6"),
                    ("cpuTarget", "70"),
                ][..],
                "desiredCount",
                "`6` is not valid with maxCount 4 (minCount defaults to it)",
            ),
            (
                &[
                    ("maxCount", "4"),
                    ("minCount", "2"),
                    ("desiredCount", "1"),
                    ("cpuTarget", "70"),
                ],
                "desiredCount",
                "must be from 2 to 4",
            ),
            (
                &[
                    ("maxCount", "4"),
                    ("cpuTarget", "70"),
                    ("desiredCountManagedByAutoscaler", "false"),
                ],
                "desiredCountManagedByAutoscaler",
                "the stack's autoscaling owns the task count",
            ),
            (
                &[("ownsImageRepository", "true")],
                "imageRepository",
                "remove imageRepository",
            ),
            (
                &[
                    ("taskRoleArn", "arn:aws:iam::123456789012:role/x"),
                    (
                        "taskRolePolicyArns",
                        r#"["arn:aws:iam::aws:policy/ReadOnlyAccess"]"#,
                    ),
                ],
                "taskRolePolicyArns",
                "names another role",
            ),
            (
                &[
                    ("executionRoleArn", "arn:aws:iam::123456789012:role/x"),
                    (
                        "secretsKmsKeyArn",
                        "arn:aws:kms:eu-central-1:123456789012:key/abcd",
                    ),
                ],
                "secretsKmsKeyArn",
                "names another role",
            ),
        ] {
            let e = error_for(pairs);
            assert!(
                e.starts_with(&format!(
                    "config key `sotex-backend:{key}` in Pulumi.staging.yaml"
                )) && e.contains(expected),
                "{pairs:?}: {e}"
            );
        }
    }

    #[test]
    fn autoscaling_and_repository_defaults_and_dependencies() {
        let e = error_for(&[("imageRepository", "")]);
        assert!(
            e.starts_with("missing required config key `sotex-backend:imageRepository`")
                && e.contains("ownsImageRepository"),
            "{e}"
        );
        let s = Settings::read(
            &config(&[("maxCount", "4"), ("requestsPerTarget", "500")]),
            "staging",
        )
        .unwrap();
        let a = s.autoscaling.unwrap();
        assert_eq!(
            (a.min_count, a.max_count, a.requests_per_target),
            (1, 4, Some(500))
        );
        let e = error_for(&[("sslPolicy", DEFAULT_SSL_POLICY)]);
        assert!(e.contains("sotex-backend:certificateArn"), "{e}");
        let e = error_for(&[
            ("environment", r#"{"DB":"x"}"#),
            (
                "secrets",
                r#"{"DB":"arn:aws:ssm:eu-central-1:123456789012:parameter/db"}"#,
            ),
        ]);
        assert!(
            e.contains("secrets.DB") && e.contains("either plain"),
            "{e}"
        );
    }

    #[test]
    fn secret_values_are_never_shown() {
        let c = config_with(
            &[("environment", r#"{"TOKEN":{"x":"hunter2"}}"#)],
            &["environment"],
        );
        let e = Settings::read(&c, "staging").unwrap_err().to_string();
        assert!(
            !e.contains("hunter2") && e.contains("sotex-backend:environment"),
            "{e}"
        );
        let c = config_with(&[("imageTag", "hunter 2")], &["imageTag"]);
        let e = Settings::read(&c, "staging").unwrap_err().to_string();
        assert!(
            !e.contains("hunter 2") && e.contains("only `sotex-backend:environment`"),
            "{e}"
        );
        let c = config_with(
            &[("environment", r#"{"TOKEN":"hunter2"}"#)],
            &["environment"],
        );
        assert!(Settings::read(&c, "staging").is_ok());
    }

    #[test]
    fn missing_keys_name_the_key_and_file() {
        let c = Config::new(
            "sotex-backend",
            "production",
            HashMap::new(),
            HashSet::new(),
        );
        let e = Settings::read(&c, "production").unwrap_err().to_string();
        assert!(
            e.contains("missing required config key `sotex-backend:imageTag`")
                && e.contains("Pulumi.production.yaml"),
            "{e}"
        );
    }

    #[test]
    fn range_patterns_match_exactly_the_range() {
        for (lo, hi) in [(0, 5000), (1, 65535), (100, 200), (512, 122880), (1, 4000)] {
            let re = regex::Regex::new(&format!("^(?:{})$", range_pattern(lo, hi))).unwrap();
            for n in (0..130_000u64).step_by(7).chain([lo, hi, hi + 1]) {
                assert_eq!(
                    re.is_match(&n.to_string()),
                    (lo..=hi).contains(&n),
                    "{lo}..{hi}: {n}"
                );
            }
            assert!(!re.is_match("08") && !re.is_match("-1") && !re.is_match("1.5"));
        }
    }

    #[test]
    fn closest_key_for_typos() {
        let known = known_keys();
        assert_eq!(closest("desiredCont", &known).unwrap(), "desiredCount");
        assert_eq!(closest("imagetag", &known).unwrap(), "imageTag");
        assert_eq!(closest("sslpolicy", &known).unwrap(), "sslPolicy");
        assert!(closest("somethingElseEntirely", &known).is_none());
    }

    /// The committed schema is what the types generate: change a key, run scripts/gen-schema.
    #[test]
    fn committed_stack_file_schema_is_current() {
        let committed = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../schema/stack-config.schema.json"
        ));
        assert!(
            stack_file_schema_text() == committed,
            "schema/stack-config.schema.json is stale: run scripts/gen-schema and commit the result"
        );
    }

    #[test]
    fn every_key_is_in_the_schema_with_a_description() {
        let schema = stack_file_schema();
        let properties = schema["properties"]["config"]["properties"]
            .as_object()
            .unwrap();
        for key in known_keys() {
            let entry = &properties[&format!("sotex-backend:{key}")];
            assert!(entry["description"].is_string(), "{key}: {entry}");
        }
        for key in ["region", "profile", "endpoint", "defaultTags"] {
            assert!(properties.contains_key(&format!("fargate:{key}")), "{key}");
        }
    }
}
