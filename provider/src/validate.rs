//! Validation rules shared by several resources.

use std::collections::BTreeMap;

use crate::error::CheckFailure;
use crate::typed::is_known;

/// AWS tag rules (shared by ECS, ELB and EC2): at most 50 tags, keys 1–128 characters, values at
/// most 256, and the `aws:` prefix is reserved.
pub fn tags(
    property: &str,
    tags: Option<&BTreeMap<String, String>>,
    failures: &mut Vec<CheckFailure>,
) {
    let Some(tags) = tags else { return };
    if tags.len() > 50 {
        failures.push(CheckFailure::new(
            property,
            format!(
                "{} tags given; AWS allows at most 50 per resource",
                tags.len()
            ),
        ));
    }
    for (key, value) in tags {
        let at = format!("{property}.{key}");
        if key.is_empty() || key.chars().count() > 128 {
            failures.push(CheckFailure::new(
                &at,
                format!("tag key `{key}` must be 1 to 128 characters long"),
            ));
        }
        if key.to_ascii_lowercase().starts_with("aws:") {
            failures.push(CheckFailure::new(
                &at,
                format!("tag key `{key}` uses the `aws:` prefix, which AWS reserves for itself"),
            ));
        }
        if is_known(value) && value.chars().count() > 256 {
            failures.push(CheckFailure::new(
                &at,
                format!(
                    "tag value for `{key}` is {} characters long; AWS allows at most 256",
                    value.chars().count()
                ),
            ));
        }
    }
}

/// Is `value` an ARN of the given service (`arn:<partition>:<service>:<region>:<account>:<resource>`)?
pub fn is_arn_of(value: &str, service: &str) -> bool {
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == service
        && (parts[4].is_empty()
            || (parts[4].len() == 12 && parts[4].chars().all(|c| c.is_ascii_digit())))
        && !parts[5].is_empty()
}

/// An ARN of `service` whose resource part starts with `resource_prefix` (e.g. `role/`).
pub fn is_arn_of_resource(value: &str, service: &str, resource_prefix: &str) -> bool {
    is_arn_of(value, service)
        && value
            .splitn(6, ':')
            .nth(5)
            .is_some_and(|r| r.starts_with(resource_prefix) && r.len() > resource_prefix.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_of_a_resource_kind() {
        assert!(is_arn_of_resource(
            "arn:aws:iam::123456789012:role/x",
            "iam",
            "role/"
        ));
        assert!(!is_arn_of_resource(
            "arn:aws:iam::123456789012:user/x",
            "iam",
            "role/"
        ));
        assert!(!is_arn_of_resource(
            "arn:aws:iam::123456789012:role/",
            "iam",
            "role/"
        ));
    }

    #[test]
    fn arns() {
        assert!(is_arn_of("arn:aws:iam::123456789012:role/x", "iam"));
        assert!(is_arn_of(
            "arn:aws:ssm:eu-central-1:123456789012:parameter/a/b",
            "ssm"
        ));
        assert!(!is_arn_of("arn:aws:iam::123456789012:role/x", "ssm"));
        assert!(!is_arn_of("arn:aws:iam::12345:role/x", "iam"));
        assert!(!is_arn_of("role/x", "iam"));
        assert!(!is_arn_of("arn:aws:iam::123456789012:", "iam"));
    }

    #[test]
    fn tag_rules() {
        let mut f = Vec::new();
        let ok: BTreeMap<_, _> = [("team".to_string(), "api".to_string())].into();
        tags("tags", Some(&ok), &mut f);
        assert!(f.is_empty());
        let bad: BTreeMap<_, _> = [
            ("aws:owner".to_string(), "x".to_string()),
            ("k".to_string(), "v".repeat(300)),
        ]
        .into();
        tags("tags", Some(&bad), &mut f);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].property, "tags.aws:owner");
        assert!(f[1].reason.contains("300"));
    }
}
