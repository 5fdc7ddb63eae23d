//! Validation of the inputs. Failures about the name name the name and the rule; failures
//! about the value state its size and the tier's limit, never the value. Parameter Store's
//! rules: "Creating Parameter Store parameters" (naming constraints) and the PutParameter API
//! reference in the AWS Systems Manager documentation.

use super::*;
use crate::naming::auto_name;
use crate::resource::is_known;

/// AWS counts the name against 1011 characters (with the ARN around it; see docs/AWS-RULES.md).
pub(crate) const NAME_MAX: usize = 1011;
/// Levels of a hierarchical name (`/a/b/c` has three).
pub(crate) const LEVELS_MAX: usize = 15;
/// Auto-names stay short: they are read in consoles and IAM policies.
const AUTO_NAME_MAX: usize = 64;

/// Characters of one level of a name.
pub(crate) fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_.-".contains(c)
}

/// `/` plus the resource name and a random suffix (a prefix SSM reserves is moved aside).
pub(crate) fn auto_parameter_name(resource: &str, seed: &[u8]) -> String {
    let name = auto_name(resource, seed, AUTO_NAME_MAX - 1, name_char);
    if reserved_prefix(&name) {
        format!("/param-{name}")
    } else {
        format!("/{name}")
    }
}

fn fail(failures: &mut Vec<CheckFailure>, property: &str, reason: String) {
    failures.push(CheckFailure::new(property, reason));
}

/// `aws` and `ssm` (any case) start names AWS keeps for itself (`/aws/service/…` and the like).
fn reserved_prefix(name: &str) -> bool {
    let first = name.trim_start_matches('/').to_ascii_lowercase();
    first.starts_with("aws") || first.starts_with("ssm")
}

pub(crate) fn validate_parameter(inputs: &ParameterInputs, failures: &mut Vec<CheckFailure>) {
    if let Some(name) = inputs.name.as_deref().filter(|n| is_known(n)) {
        validate_name(name, failures);
    }
    if is_known(&inputs.value) {
        validate_value(&inputs.value, inputs.tier, failures);
    }
}

pub(crate) fn validate_name(name: &str, failures: &mut Vec<CheckFailure>) {
    let rule = "use letters, digits and `_ . -`, with `/` between the levels of a hierarchy (then starting with `/`, e.g. `/sotex/staging/SENTRY_DSN`)";
    if name.is_empty() {
        fail(failures, "name", format!("the name is empty: {rule}"));
        return;
    }
    if let Some(bad) = name.chars().find(|c| !name_char(*c) && *c != '/') {
        fail(
            failures,
            "name",
            format!("`{name}` is not a valid SSM parameter name: `{bad}` is not allowed; {rule}"),
        );
    }
    let length = name.chars().count();
    if length > NAME_MAX {
        fail(
            failures,
            "name",
            format!(
                "the name is {length} characters long; SSM allows at most {NAME_MAX} (hierarchy included)"
            ),
        );
    }
    if name.contains('/') && !name.starts_with('/') {
        fail(
            failures,
            "name",
            format!("`{name}` is hierarchical but does not start with `/`: write it as `/{name}`"),
        );
    }
    let levels: Vec<&str> = name.trim_start_matches('/').split('/').collect();
    if levels.iter().any(|l| l.is_empty()) || name.starts_with("//") {
        fail(
            failures,
            "name",
            format!(
                "`{name}` has an empty level (`//` or a trailing `/`): every level between slashes needs a name"
            ),
        );
    }
    if levels.len() > LEVELS_MAX {
        fail(
            failures,
            "name",
            format!(
                "`{name}` has {} levels; SSM allows at most {LEVELS_MAX} levels of hierarchy",
                levels.len()
            ),
        );
    }
    if reserved_prefix(name) {
        fail(
            failures,
            "name",
            format!(
                "`{name}` starts with `aws` or `ssm` (in any case), which AWS reserves for its own parameters; choose another name"
            ),
        );
    }
}

/// The size of the value against the tier's limit; the value itself is never quoted.
pub(crate) fn validate_value(value: &str, tier: Tier, failures: &mut Vec<CheckFailure>) {
    if value.is_empty() {
        fail(
            failures,
            "value",
            "the value is empty; SSM needs at least 1 character".to_string(),
        );
        return;
    }
    let size = value.len();
    let max = tier.max_value_bytes();
    if size > max {
        let hint = match tier {
            Tier::Standard => format!(
                "; set `tier: Advanced` for values up to {} bytes (8 KB)",
                Tier::Advanced.max_value_bytes()
            ),
            Tier::Advanced => String::new(),
        };
        fail(
            failures,
            "value",
            format!(
                "the value is {size} bytes; the {tier:?} tier allows at most {max} bytes ({} KB){hint}",
                max / 1024
            ),
        );
    }
}
