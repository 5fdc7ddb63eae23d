//! Validation of the inputs: every failure names the property, the value and what is valid.

use super::*;

pub(crate) fn prefixed_ids(
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
