//! Validation of the lifecycle rules: every failure names the property, the value and what is
//! valid. ECR's rules (ECR User Guide, "Lifecycle policy properties"). The repository name's
//! length and form and the counts' minimum are bounds on the input structs.

use super::*;
use crate::resource::is_known;

pub(crate) const NAME_MAX: usize = 256;
/// PutLifecyclePolicy's limit on the policy text.
pub(crate) const POLICY_MAX_CHARS: usize = 30_720;

fn fail(failures: &mut Vec<CheckFailure>, property: impl Into<String>, reason: String) {
    failures.push(CheckFailure::new(property, reason));
}

fn shown(value: Option<u32>) -> String {
    value.map_or_else(|| "absent".to_string(), |v| v.to_string())
}

fn validate_rule(at: &str, rule: &LifecycleRule, last: bool, failures: &mut Vec<CheckFailure>) {
    if rule.keep_last_count.is_some() == rule.expire_after_days.is_some() {
        fail(
            failures,
            at,
            format!(
                "give exactly one of `keepLastCount` (keep the newest N images) and `expireAfterDays` (expire images pushed more than D days ago); keepLastCount is {} and expireAfterDays is {}",
                shown(rule.keep_last_count),
                shown(rule.expire_after_days)
            ),
        );
    }
    let prefixes = rule.tag_prefixes.as_deref().unwrap_or_default();
    match rule.tag_status {
        TagStatus::Tagged if prefixes.is_empty() => fail(
            failures,
            format!("{at}.tagPrefixes"),
            "a rule with tagStatus `tagged` needs `tagPrefixes` (e.g. [\"v\"] for tags v1, v2, …); use tagStatus `any` for every image".into(),
        ),
        TagStatus::Untagged | TagStatus::Any if !prefixes.is_empty() => fail(
            failures,
            format!("{at}.tagPrefixes"),
            format!(
                "[{}] given on a rule with tagStatus `{}`: only rules with tagStatus `tagged` take tagPrefixes",
                prefixes.join(", "),
                if rule.tag_status == TagStatus::Any { "any" } else { "untagged" }
            ),
        ),
        _ => {}
    }
    for (i, prefix) in prefixes.iter().enumerate() {
        if is_known(prefix) && prefix.trim().is_empty() {
            fail(
                failures,
                format!("{at}.tagPrefixes[{i}]"),
                format!(
                    "`{prefix}` is not a tag prefix: give the start of the tags to select, e.g. `v` or `release-`"
                ),
            );
        }
    }
    if rule.tag_status == TagStatus::Any && !last {
        fail(
            failures,
            format!("{at}.tagStatus"),
            "`any` is only allowed on the last rule: ECR evaluates a rule for every image after all others (it needs the highest priority); move it to the end".into(),
        );
    }
}

pub(crate) fn validate_rules(rules: &[LifecycleRule], failures: &mut Vec<CheckFailure>) {
    for (i, rule) in rules.iter().enumerate() {
        validate_rule(
            &format!("lifecycleRules[{i}]"),
            rule,
            i + 1 == rules.len(),
            failures,
        );
    }
    let chars = policy_text(rules).chars().count();
    if chars > POLICY_MAX_CHARS {
        fail(
            failures,
            "lifecycleRules",
            format!(
                "the lifecycle policy these rules make is {chars} characters long; ECR allows at most {POLICY_MAX_CHARS}"
            ),
        );
    }
}
