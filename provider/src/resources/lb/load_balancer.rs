//! `fargate:lb:LoadBalancer` — an Application Load Balancer in front of Fargate services.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::types::{
    LoadBalancer as AwsLoadBalancer, LoadBalancerSchemeEnum, LoadBalancerTypeEnum,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::aws::elbv2 as api;
use crate::context::Ctx;
use crate::error::{CheckFailure, ProviderError, Result, aws_error_code};
use crate::naming::auto_name;
use crate::resource::{CheckContext, Diff, DiffInput, Resource, diff_inputs, is_known, to_json};
use crate::validate::{self, range};

pub struct LoadBalancer;

/// An internet-facing or internal Application Load Balancer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "LoadBalancerArgs")]
pub struct LoadBalancerInputs {
    /// Name of the load balancer: 1 to 32 letters, digits and hyphens, not starting or ending
    /// with a hyphen nor starting with `internal-`. Defaults to the Pulumi resource name plus a
    /// random suffix. Changing it replaces the load balancer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `true` for an internal load balancer (private IPs only); `false` (the default) for an
    /// internet-facing one. Changing it replaces the load balancer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal: Option<bool>,
    /// Subnet ids (`subnet-...`), at least two, in different availability zones. Public subnets
    /// for an internet-facing load balancer. Changes apply in place.
    pub subnets: Vec<String>,
    /// Security group ids (`sg-...`, at most 5). Defaults to the VPC's default security group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_groups: Option<Vec<String>>,
    /// Seconds a connection may stay idle, 1 to 4000. AWS's default is 60.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout_seconds: Option<u32>,
    /// When `true`, AWS refuses to delete the load balancer. Default `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_protection: Option<bool>,
    /// Access logs written to an S3 bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_logs: Option<AccessLogs>,
    /// Tags on the load balancer, merged over the provider's `defaultTags`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Where and whether the load balancer writes access logs.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessLogs {
    /// S3 bucket name; its policy must let Elastic Load Balancing write to it.
    pub bucket: String,
    /// Key prefix inside the bucket (no leading or trailing `/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// Whether logs are written. Default `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// The load balancer as it exists in AWS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "LoadBalancerState")]
pub struct LoadBalancerOutputs {
    #[serde(flatten)]
    pub inputs: LoadBalancerInputs,
    /// ARN of the load balancer; also the resource's id.
    pub arn: String,
    /// DNS name clients connect to (point a CNAME or alias record at it).
    #[serde(default)]
    pub dns_name: String,
    /// Route 53 hosted zone id for alias records to `dnsName`.
    #[serde(default)]
    pub canonical_hosted_zone_id: String,
    /// The VPC the load balancer's subnets belong to.
    #[serde(default)]
    pub vpc_id: String,
    /// Every tag on the load balancer, the provider's `defaultTags` included.
    #[serde(default)]
    pub tags_all: BTreeMap<String, String>,
}

/// ELB names (load balancers and target groups) are at most 32 characters.
pub(super) const ELB_NAME_MAX: usize = 32;
const DEFAULT_IDLE_TIMEOUT: u32 = 60;

pub(super) fn elb_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

/// `<base>-<suffix>` within 32 characters, without doubled, leading or trailing hyphens and
/// never starting with `internal-`.
pub(super) fn elb_auto_name(base: &str, seed: &[u8]) -> String {
    let mut cleaned = String::new();
    for c in base.chars() {
        let c = if elb_name_char(c) { c } else { '-' };
        if !(c == '-' && (cleaned.is_empty() || cleaned.ends_with('-'))) {
            cleaned.push(c);
        }
    }
    let mut cleaned = cleaned.trim_end_matches('-').to_string();
    while cleaned.to_ascii_lowercase().starts_with("internal-") {
        cleaned = cleaned["internal-".len()..].to_string();
    }
    if cleaned.is_empty() {
        cleaned = "lb".to_string();
    }
    auto_name(&cleaned, seed, ELB_NAME_MAX, elb_name_char)
}

/// ELB name rules; `what` is e.g. "load balancer".
pub(super) fn validate_elb_name(name: &str, what: &str, failures: &mut Vec<CheckFailure>) {
    if !is_known(name) {
        return;
    }
    let problem = if name.is_empty() || name.len() > ELB_NAME_MAX {
        Some(format!("must be 1 to {ELB_NAME_MAX} characters long"))
    } else if !name.chars().all(elb_name_char) {
        Some("may contain only letters, digits and hyphens (-)".to_string())
    } else if name.starts_with('-') || name.ends_with('-') {
        Some("must not start or end with a hyphen".to_string())
    } else if name.to_ascii_lowercase().starts_with("internal-") {
        Some("must not start with `internal-`".to_string())
    } else {
        None
    };
    if let Some(p) = problem {
        failures.push(CheckFailure::new(
            "name",
            format!("`{name}` is not a valid {what} name: it {p}"),
        ));
    }
}

pub(super) fn prefixed_ids(
    failures: &mut Vec<CheckFailure>,
    property: &str,
    ids: &[String],
    prefix: &str,
) {
    for (i, id) in ids.iter().enumerate() {
        if is_known(id) && !id.starts_with(prefix) {
            failures.push(CheckFailure::new(
                format!("{property}[{i}]"),
                format!("`{id}` is not a {prefix}... id"),
            ));
        }
        if is_known(id) && ids[..i].contains(id) {
            failures.push(CheckFailure::new(
                format!("{property}[{i}]"),
                format!("`{id}` is listed twice"),
            ));
        }
    }
}

/// The value to report for an optional input: the program's own choice when it made one,
/// otherwise nothing while AWS reports its default.
pub(super) fn keep_default<T: PartialEq>(old: Option<T>, actual: T, default: T) -> Option<T> {
    match old {
        None if actual == default => None,
        _ => Some(actual),
    }
}

pub fn validate(i: &LoadBalancerInputs) -> Vec<CheckFailure> {
    let mut f = Vec::new();
    if let Some(name) = &i.name {
        validate_elb_name(name, "load balancer", &mut f);
    }
    if i.subnets.len() < 2 {
        f.push(CheckFailure::new(
            "subnets",
            format!(
                "{} subnet(s) given ([{}]); an Application Load Balancer needs at least two, in different availability zones",
                i.subnets.len(),
                i.subnets.join(", ")
            ),
        ));
    }
    prefixed_ids(&mut f, "subnets", &i.subnets, "subnet-");
    if let Some(sgs) = &i.security_groups {
        if sgs.is_empty() || sgs.len() > 5 {
            f.push(CheckFailure::new(
                "securityGroups",
                format!(
                    "{} security groups given; give 1 to 5, or leave it out for the VPC's default group",
                    sgs.len()
                ),
            ));
        }
        prefixed_ids(&mut f, "securityGroups", sgs, "sg-");
    }
    range(
        &mut f,
        "idleTimeoutSeconds",
        i.idle_timeout_seconds,
        1,
        4000,
        "the idle timeout (seconds)",
    );
    if let Some(logs) = &i.access_logs {
        if is_known(&logs.bucket)
            && (logs.bucket.len() < 3
                || logs.bucket.len() > 63
                || !logs
                    .bucket
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.'))
        {
            f.push(CheckFailure::new(
                "accessLogs.bucket",
                format!(
                    "`{}` is not an S3 bucket name: 3 to 63 lowercase letters, digits, dots and hyphens",
                    logs.bucket
                ),
            ));
        }
        if let Some(p) = logs.prefix.as_deref().filter(|p| is_known(p))
            && (p.starts_with('/') || p.ends_with('/') || p.contains("AWSLogs"))
        {
            f.push(CheckFailure::new(
                "accessLogs.prefix",
                format!("`{p}` is not a valid prefix: it must not start or end with `/` nor contain `AWSLogs`"),
            ));
        }
    }
    validate::tags("tags", i.tags.as_ref(), &mut f);
    f
}

/// The ALB attributes the inputs determine (AWS's defaults where unset).
pub fn desired_attributes(i: &LoadBalancerInputs) -> BTreeMap<String, String> {
    let mut a = BTreeMap::new();
    a.insert(
        "idle_timeout.timeout_seconds".into(),
        i.idle_timeout_seconds
            .unwrap_or(DEFAULT_IDLE_TIMEOUT)
            .to_string(),
    );
    a.insert(
        "deletion_protection.enabled".into(),
        i.deletion_protection.unwrap_or(false).to_string(),
    );
    match &i.access_logs {
        Some(logs) if logs.enabled != Some(false) => {
            a.insert("access_logs.s3.enabled".into(), "true".into());
            a.insert("access_logs.s3.bucket".into(), logs.bucket.clone());
            a.insert(
                "access_logs.s3.prefix".into(),
                logs.prefix.clone().unwrap_or_default(),
            );
        }
        _ => {
            a.insert("access_logs.s3.enabled".into(), "false".into());
        }
    }
    a
}

/// AWS's values for attributes it may leave out of DescribeLoadBalancerAttributes.
fn with_attribute_defaults(actual: BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut a: BTreeMap<String, String> = [
        ("idle_timeout.timeout_seconds", "60"),
        ("deletion_protection.enabled", "false"),
        ("access_logs.s3.enabled", "false"),
        ("access_logs.s3.bucket", ""),
        ("access_logs.s3.prefix", ""),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    a.extend(actual);
    a
}

/// Inputs as AWS reports them, keeping the program's spelling where AWS reports a default.
pub fn inputs_from_aws(
    lb: &AwsLoadBalancer,
    attributes: BTreeMap<String, String>,
    tags_all: &BTreeMap<String, String>,
    old: Option<&LoadBalancerInputs>,
    default_tags: &BTreeMap<String, String>,
) -> LoadBalancerInputs {
    let old = old.cloned().unwrap_or_default();
    let attrs = with_attribute_defaults(attributes);
    let mut subnets: Vec<String> = lb
        .availability_zones()
        .iter()
        .filter_map(|z| z.subnet_id().map(str::to_string))
        .collect();
    subnets.sort();
    let mut sgs: Vec<String> = lb.security_groups().to_vec();
    sgs.sort();
    let security_groups = match &old.security_groups {
        // AWS picked the VPC's default group: nothing the program chose.
        None if !old.subnets.is_empty() => None,
        _ => (!sgs.is_empty()).then_some(sgs),
    };
    let internal = lb.scheme() == Some(&LoadBalancerSchemeEnum::Internal);
    let idle: u32 = attrs["idle_timeout.timeout_seconds"]
        .parse()
        .unwrap_or(DEFAULT_IDLE_TIMEOUT);
    let logs_enabled = attrs["access_logs.s3.enabled"] == "true";
    let bucket = attrs["access_logs.s3.bucket"].clone();
    let prefix = attrs["access_logs.s3.prefix"].clone();
    let access_logs = match &old.access_logs {
        None if !logs_enabled => None,
        old_logs => {
            let old_logs = old_logs.clone().unwrap_or_default();
            Some(AccessLogs {
                bucket,
                prefix: match (old_logs.prefix, prefix.is_empty()) {
                    (None, true) => None,
                    (_, _) => Some(prefix),
                },
                enabled: keep_default(old_logs.enabled, logs_enabled, true),
            })
        }
    };
    LoadBalancerInputs {
        name: lb.load_balancer_name().map(str::to_string),
        internal: keep_default(old.internal, internal, false),
        subnets,
        security_groups,
        idle_timeout_seconds: keep_default(old.idle_timeout_seconds, idle, DEFAULT_IDLE_TIMEOUT),
        deletion_protection: keep_default(
            old.deletion_protection,
            attrs["deletion_protection.enabled"] == "true",
            false,
        ),
        access_logs,
        tags: crate::tags::own_tags(tags_all, old.tags.as_ref(), default_tags),
    }
}

/// For diffing: unset booleans mean AWS's defaults.
fn normalise_for_diff(v: &serde_json::Value) -> serde_json::Value {
    let mut v = v.clone();
    if let Some(m) = v.as_object_mut() {
        if m.get("internal").is_none_or(serde_json::Value::is_null) {
            m.insert("internal".into(), serde_json::Value::Bool(false));
        }
        if m.get("idleTimeoutSeconds")
            .is_none_or(serde_json::Value::is_null)
        {
            m.insert("idleTimeoutSeconds".into(), DEFAULT_IDLE_TIMEOUT.into());
        }
        if m.get("deletionProtection")
            .is_none_or(serde_json::Value::is_null)
        {
            m.insert("deletionProtection".into(), serde_json::Value::Bool(false));
        }
    }
    v
}

fn outputs_from(
    lb: &AwsLoadBalancer,
    inputs: LoadBalancerInputs,
    tags_all: BTreeMap<String, String>,
) -> LoadBalancerOutputs {
    LoadBalancerOutputs {
        inputs,
        arn: lb.load_balancer_arn().unwrap_or_default().to_string(),
        dns_name: lb.dns_name().unwrap_or_default().to_string(),
        canonical_hosted_zone_id: lb
            .canonical_hosted_zone_id()
            .unwrap_or_default()
            .to_string(),
        vpc_id: lb.vpc_id().unwrap_or_default().to_string(),
        tags_all,
    }
}

fn map_subnet_error<E, R>(
    operation: &str,
    err: &aws_smithy_runtime_api::client::result::SdkError<E, R>,
    subnets: &[String],
) -> ProviderError
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    let message = err
        .as_service_error()
        .and_then(|e| e.message())
        .unwrap_or_default();
    api::subnets_error(operation, aws_error_code(err), message, subnets)
        .unwrap_or_else(|| ProviderError::from_aws(operation, err, &[]))
}

#[async_trait]
impl Resource for LoadBalancer {
    const TOKEN: &'static str = "fargate:lb:LoadBalancer";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["name", "internal"];
    type Inputs = LoadBalancerInputs;
    type Outputs = LoadBalancerOutputs;

    fn check(
        &self,
        mut news: LoadBalancerInputs,
        olds: Option<&LoadBalancerInputs>,
        ctx: &CheckContext<'_>,
    ) -> Result<LoadBalancerInputs, Vec<CheckFailure>> {
        if news.name.is_none() {
            news.name = Some(ctx.default_name(olds.and_then(|o| o.name.as_deref()), || {
                elb_auto_name(ctx.name, ctx.random_seed)
            }));
        }
        // AWS reports subnets and groups in its own order: keep one canonical order.
        news.subnets.sort();
        if let Some(sgs) = &mut news.security_groups {
            sgs.sort();
        }
        if news.tags.as_ref().is_some_and(BTreeMap::is_empty) {
            news.tags = None;
        }
        let failures = validate(&news);
        if failures.is_empty() {
            Ok(news)
        } else {
            Err(failures)
        }
    }

    fn diff(&self, input: &DiffInput<'_>) -> Diff {
        diff_inputs(
            &normalise_for_diff(input.old_inputs),
            &normalise_for_diff(input.news),
            Self::REPLACE_ON_CHANGES,
        )
    }

    async fn create(
        &self,
        ctx: &Ctx,
        inputs: &LoadBalancerInputs,
    ) -> Result<(String, LoadBalancerOutputs)> {
        let client = ctx.aws.elbv2().await?;
        let name = inputs
            .name
            .clone()
            .ok_or_else(|| ProviderError::internal("load balancer name missing after check"))?;
        let tags_all = ctx.tags_all(inputs.tags.as_ref());
        let scheme = if inputs.internal == Some(true) {
            LoadBalancerSchemeEnum::Internal
        } else {
            LoadBalancerSchemeEnum::InternetFacing
        };
        let out = client
            .create_load_balancer()
            .name(&name)
            .r#type(LoadBalancerTypeEnum::Application)
            .scheme(scheme)
            .set_subnets(Some(inputs.subnets.clone()))
            .set_security_groups(inputs.security_groups.clone())
            // The URN mark lets a retry after a crashed create find it (crate::adopt).
            .set_tags(Some(api::to_elb_tags(&crate::adopt::marked(ctx, &tags_all))))
            .send()
            .await
            .map_err(|e| {
                if aws_error_code(&e) == Some("DuplicateLoadBalancerName") {
                    ProviderError::internal(format!(
                        "a load balancer named `{name}` already exists; choose another `name`, or adopt it with `pulumi import {} <resource name> <its ARN>`",
                        Self::TOKEN
                    ))
                } else {
                    map_subnet_error(
                        "elasticloadbalancing:CreateLoadBalancer",
                        &e,
                        &inputs.subnets,
                    )
                }
            })?;
        let lb = out.load_balancers().first().cloned().ok_or_else(|| {
            ProviderError::internal("elasticloadbalancing:CreateLoadBalancer returned nothing")
        })?;
        let arn = lb.load_balancer_arn().unwrap_or_default().to_string();
        let outputs = outputs_from(&lb, inputs.clone(), tags_all);
        ctx.log.status(format!("created load balancer {arn}")).await;
        let init_failed = |e: ProviderError| match e {
            ProviderError::Cancelled => ProviderError::Cancelled,
            e => ProviderError::InitFailed {
                id: arn.clone(),
                outputs: to_json(&outputs),
                reasons: vec![e.to_string()],
            },
        };
        let timeout = ctx.timeout.unwrap_or(api::DEFAULT_ACTIVE_TIMEOUT);
        let lb = api::wait_for_load_balancer_active(client, &arn, timeout, &ctx.log, &ctx.cancel)
            .await
            .map_err(init_failed)?;
        // A new load balancer has AWS's documented defaults: only what differs is sent, with no
        // read first (a wrong default would show as drift on the next refresh).
        let actual = with_attribute_defaults(BTreeMap::new());
        let changed = api::changed_entries(&actual, &desired_attributes(inputs));
        api::modify_load_balancer_attributes(client, &arn, &changed)
            .await
            .map_err(init_failed)?;
        Ok((arn, outputs_from(&lb, inputs.clone(), outputs.tags_all)))
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: Option<(&LoadBalancerInputs, &LoadBalancerOutputs)>,
    ) -> Result<Option<(LoadBalancerInputs, LoadBalancerOutputs)>> {
        let client = ctx.aws.elbv2().await?;
        let Some(lb) = api::find_load_balancer(client, id).await? else {
            return Ok(None);
        };
        if lb.r#type() != Some(&LoadBalancerTypeEnum::Application) {
            return Err(ProviderError::internal(format!(
                "{id} is a `{}` load balancer; {} manages Application Load Balancers only",
                lb.r#type().map(|t| t.as_str()).unwrap_or("unknown"),
                Self::TOKEN
            )));
        }
        let attributes = api::load_balancer_attributes(client, id).await?;
        let tags_all = api::tags_of(client, id).await?;
        let inputs = inputs_from_aws(
            &lb,
            attributes,
            &tags_all,
            olds.map(|(i, _)| i),
            &ctx.default_tags,
        );
        Ok(Some((inputs.clone(), outputs_from(&lb, inputs, tags_all))))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: &LoadBalancerOutputs,
        news: &LoadBalancerInputs,
    ) -> Result<LoadBalancerOutputs> {
        let client = ctx.aws.elbv2().await?;
        let old = &olds.inputs;
        if news.subnets != old.subnets {
            client
                .set_subnets()
                .load_balancer_arn(id)
                .set_subnets(Some(news.subnets.clone()))
                .send()
                .await
                .map_err(|e| {
                    map_subnet_error("elasticloadbalancing:SetSubnets", &e, &news.subnets)
                })?;
        }
        if news.security_groups != old.security_groups {
            match &news.security_groups {
                Some(sgs) => {
                    client
                        .set_security_groups()
                        .load_balancer_arn(id)
                        .set_security_groups(Some(sgs.clone()))
                        .send()
                        .await
                        .map_err(|e| {
                            ProviderError::from_aws(
                                "elasticloadbalancing:SetSecurityGroups",
                                &e,
                                &[],
                            )
                        })?;
                }
                None => {
                    ctx.log
                        .warn("securityGroups was removed: the load balancer keeps its current security groups (an Application Load Balancer always has at least one)")
                        .await;
                }
            }
        }
        let changed = api::changed_entries(&desired_attributes(old), &desired_attributes(news));
        api::modify_load_balancer_attributes(client, id, &changed).await?;
        let tags_all = ctx.tags_all(news.tags.as_ref());
        if tags_all != olds.tags_all {
            api::sync_tags(client, id, &olds.tags_all, &tags_all).await?;
        }
        Ok(LoadBalancerOutputs {
            inputs: news.clone(),
            tags_all,
            ..olds.clone()
        })
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _olds: &LoadBalancerOutputs) -> Result<()> {
        let client = ctx.aws.elbv2().await?;
        ctx.log.status(format!("deleting load balancer {id}")).await;
        api::delete_load_balancer(client, id, &ctx.cancel).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::{ChangeKind, DynResource};
    use aws_sdk_elasticloadbalancingv2::types::{AvailabilityZone, LoadBalancerState};
    use serde_json::json;

    fn base() -> serde_json::Value {
        json!({"subnets": ["subnet-b", "subnet-a"], "securityGroups": ["sg-1"]})
    }

    fn ctx<'a>() -> CheckContext<'a> {
        CheckContext {
            name: "web",
            random_seed: b"s",
            proposed_name: None,
            has_unknowns: false,
        }
    }

    fn failure_for(v: serde_json::Value, property: &str) -> CheckFailure {
        let failures = DynResource::check(&LoadBalancer, v, None, &ctx()).expect_err("should fail");
        failures
            .iter()
            .find(|f| f.property == property)
            .cloned()
            .unwrap_or_else(|| panic!("no failure for {property}: {failures:?}"))
    }

    fn passes(v: serde_json::Value) -> serde_json::Value {
        DynResource::check(&LoadBalancer, v, None, &ctx()).unwrap()
    }

    fn with(key: &str, value: serde_json::Value) -> serde_json::Value {
        let mut v = base();
        v[key] = value;
        v
    }

    #[test]
    fn auto_name_fits_and_is_kept() {
        let checked = passes(base());
        let name = checked["name"].as_str().unwrap().to_string();
        assert!(name.starts_with("web-") && name.len() <= 32, "{name}");
        assert_eq!(checked["subnets"], json!(["subnet-a", "subnet-b"]));
        let again =
            DynResource::check(&LoadBalancer, base(), Some(checked.clone()), &ctx()).unwrap();
        assert_eq!(again["name"], checked["name"]);
    }

    #[test]
    fn auto_names_are_always_valid() {
        for base in [
            "internal-api",
            &"x".repeat(80),
            "my..weird__name--",
            "-",
            "INTERNAL-internal-x",
        ] {
            let n = elb_auto_name(base, b"seed");
            let mut f = Vec::new();
            validate_elb_name(&n, "load balancer", &mut f);
            assert!(f.is_empty(), "{n}: {f:?}");
            assert!(!n.contains("--"), "{n}");
        }
    }

    #[test]
    fn name_rules() {
        for bad in ["-a", "a-", "internal-a", "a_b", &"a".repeat(33)] {
            let f = failure_for(with("name", json!(bad)), "name");
            assert!(f.reason.contains(&format!("`{bad}`")), "{}", f.reason);
        }
        passes(with("name", json!("my-lb-1")));
    }

    #[test]
    fn subnet_and_group_rules() {
        let f = failure_for(with("subnets", json!(["subnet-a"])), "subnets");
        assert!(f.reason.contains("subnet-a") && f.reason.contains("at least two"));
        failure_for(with("subnets", json!(["subnet-a", "vpc-1"])), "subnets[1]");
        failure_for(
            with("subnets", json!(["subnet-a", "subnet-a"])),
            "subnets[1]",
        );
        failure_for(with("securityGroups", json!(["x-1"])), "securityGroups[0]");
        failure_for(with("securityGroups", json!([])), "securityGroups");
        passes(with("securityGroups", json!(["sg-1", "sg-2"])));
    }

    #[test]
    fn attribute_rules() {
        let f = failure_for(with("idleTimeoutSeconds", json!(0)), "idleTimeoutSeconds");
        assert!(f.reason.contains("1 to 4000"), "{}", f.reason);
        failure_for(
            with("idleTimeoutSeconds", json!(4001)),
            "idleTimeoutSeconds",
        );
        passes(with("idleTimeoutSeconds", json!(4000)));
        failure_for(
            with("accessLogs", json!({"bucket": "Bad_Bucket"})),
            "accessLogs.bucket",
        );
        failure_for(
            with("accessLogs", json!({"bucket": "logs", "prefix": "/x"})),
            "accessLogs.prefix",
        );
        passes(with(
            "accessLogs",
            json!({"bucket": "logs", "prefix": "alb"}),
        ));
        failure_for(with("tags", json!({"aws:x": "1"})), "tags.aws:x");
    }

    fn diff(old: serde_json::Value, new: serde_json::Value) -> Diff {
        let defaults = BTreeMap::new();
        Resource::diff(
            &LoadBalancer,
            &DiffInput {
                old_inputs: &old,
                old_outputs: &json!({}),
                news: &new,
                default_tags: &defaults,
            },
        )
    }

    #[test]
    fn diff_classification() {
        let old = passes(base());
        let mut new = old.clone();
        new["internal"] = json!(true);
        assert!(diff(old.clone(), new).is_replace());
        let mut new = old.clone();
        new["name"] = json!("other");
        assert!(diff(old.clone(), new).is_replace());
        let mut new = old.clone();
        new["internal"] = json!(false);
        new["idleTimeoutSeconds"] = json!(60);
        assert!(!diff(old.clone(), new).has_changes());
        let mut new = old.clone();
        new["subnets"] = json!(["subnet-a", "subnet-c"]);
        let d = diff(old.clone(), new);
        assert!(!d.is_replace());
        assert_eq!(d.changes.get("subnets[1]"), Some(&ChangeKind::Update));
        for (k, v) in [
            ("securityGroups", json!(["sg-2"])),
            ("idleTimeoutSeconds", json!(120)),
            ("deletionProtection", json!(true)),
            ("accessLogs", json!({"bucket": "logs"})),
        ] {
            let mut new = old.clone();
            new[k] = v;
            let d = diff(old.clone(), new);
            assert!(d.has_changes() && !d.is_replace(), "{k}");
        }
    }

    fn aws_lb(internal: bool) -> AwsLoadBalancer {
        AwsLoadBalancer::builder()
            .load_balancer_arn(
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/1",
            )
            .load_balancer_name("web-1234567")
            .dns_name("web.elb.amazonaws.com")
            .scheme(if internal {
                LoadBalancerSchemeEnum::Internal
            } else {
                LoadBalancerSchemeEnum::InternetFacing
            })
            .r#type(LoadBalancerTypeEnum::Application)
            .state(
                LoadBalancerState::builder()
                    .code(LoadBalancerStateEnum::Active)
                    .build(),
            )
            .availability_zones(AvailabilityZone::builder().subnet_id("subnet-b").build())
            .availability_zones(AvailabilityZone::builder().subnet_id("subnet-a").build())
            .security_groups("sg-1")
            .build()
    }

    use aws_sdk_elasticloadbalancingv2::types::LoadBalancerStateEnum;

    #[test]
    fn read_back_matches_checked_inputs() {
        let mut checked: LoadBalancerInputs = serde_json::from_value(passes(base())).unwrap();
        checked.name = Some("web-1234567".into());
        let mut tags_all = BTreeMap::new();
        tags_all.insert("env".to_string(), "dev".to_string());
        let defaults = tags_all.clone();
        // AWS (and emulators) may leave attributes out or report the defaults.
        for attrs in [
            BTreeMap::new(),
            desired_attributes(&checked),
            with_attribute_defaults(BTreeMap::new()),
        ] {
            let read = inputs_from_aws(&aws_lb(false), attrs, &tags_all, Some(&checked), &defaults);
            assert_eq!(read, checked);
        }
        // Explicit values the program set survive, even when they equal AWS's defaults.
        let mut explicit = checked.clone();
        explicit.internal = Some(false);
        explicit.idle_timeout_seconds = Some(60);
        explicit.access_logs = Some(AccessLogs {
            bucket: "logs".into(),
            prefix: None,
            enabled: None,
        });
        let read = inputs_from_aws(
            &aws_lb(false),
            desired_attributes(&explicit),
            &tags_all,
            Some(&explicit),
            &defaults,
        );
        assert_eq!(read, explicit);
    }

    #[test]
    fn import_reports_what_differs_from_defaults() {
        let mut attrs = BTreeMap::new();
        attrs.insert(
            "idle_timeout.timeout_seconds".to_string(),
            "120".to_string(),
        );
        let read = inputs_from_aws(
            &aws_lb(true),
            attrs,
            &BTreeMap::new(),
            None,
            &BTreeMap::new(),
        );
        assert_eq!(read.internal, Some(true));
        assert_eq!(read.idle_timeout_seconds, Some(120));
        assert_eq!(read.deletion_protection, None);
        assert_eq!(read.security_groups, Some(vec!["sg-1".to_string()]));
        assert_eq!(read.subnets, vec!["subnet-a", "subnet-b"]);
        assert_eq!(read.name.as_deref(), Some("web-1234567"));
    }

    #[test]
    fn only_changed_attributes_are_sent() {
        let old = LoadBalancerInputs::default();
        let mut new = old.clone();
        new.idle_timeout_seconds = Some(120);
        let changed = api::changed_entries(&desired_attributes(&old), &desired_attributes(&new));
        assert_eq!(changed.len(), 1);
        assert_eq!(changed["idle_timeout.timeout_seconds"], "120");
        assert!(
            api::changed_entries(
                &with_attribute_defaults(BTreeMap::new()),
                &desired_attributes(&old)
            )
            .is_empty()
        );
    }
}
