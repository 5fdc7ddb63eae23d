//! Conversion between AWS shapes and our inputs/outputs, and the request builders.

use super::*;

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
pub(crate) fn with_attribute_defaults(
    actual: BTreeMap<String, String>,
) -> BTreeMap<String, String> {
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

pub(crate) fn outputs_from(
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

pub(crate) fn map_subnet_error<E, R>(
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
