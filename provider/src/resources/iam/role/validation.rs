//! Validation of the inputs: every failure names the property, the value and what is valid.
//! IAM's rules (IAM User Guide, "IAM and AWS STS quotas" and the CreateRole / PutRolePolicy
//! API references).

use super::*;
use crate::resource::is_known;

pub(crate) const NAME_MAX: usize = 64;
const PATH_MAX: usize = 512;
const POLICY_NAME_MAX: usize = 128;
/// All inline policies of a role together (not counting whitespace); a hard limit.
pub(crate) const INLINE_POLICIES_MAX_CHARS: usize = 10_240;
/// A trust policy may grow to 4,096 characters with a raised quota (2,048 by default).
pub(crate) const TRUST_POLICY_MAX_CHARS: usize = 4_096;
pub(crate) const TRUST_POLICY_DEFAULT_CHARS: usize = 2_048;
/// Managed policies per role: 10 by default, 20 with a raised quota.
pub(crate) const MANAGED_POLICIES_MAX: usize = 20;

/// Role names and inline policy names: letters, digits and `+=,.@_-`.
pub(crate) fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+=,.@_-".contains(c)
}

fn fail(failures: &mut Vec<CheckFailure>, property: impl Into<String>, reason: String) {
    failures.push(CheckFailure::new(property, reason));
}

pub(crate) fn validate_role(inputs: &RoleInputs, failures: &mut Vec<CheckFailure>) {
    if let Some(path) = inputs.path.as_deref().filter(|p| is_known(p)) {
        validate_path(path, failures);
    }
    if let Some(statements) = &inputs.assume_role_policy {
        validate_trust(statements, failures);
    }
    if let Some(arns) = &inputs.managed_policy_arns {
        validate_managed(arns, failures);
    }
    if let Some(policies) = &inputs.inline_policies {
        validate_inline(policies, failures);
    }
}

fn validate_path(path: &str, failures: &mut Vec<CheckFailure>) {
    let printable = path.chars().all(|c| ('\u{21}'..='\u{7e}').contains(&c));
    if !path.starts_with('/') || !path.ends_with('/') || path.len() > PATH_MAX || !printable {
        fail(
            failures,
            "path",
            format!(
                "`{path}` is not a valid IAM path: use `/`, or segments between slashes such as `/service/api/` (at most {PATH_MAX} printable ASCII characters, no spaces)"
            ),
        );
    }
}

/// `service:Action` (service in lowercase letters, digits and hyphens; action letters, digits
/// and the wildcards `*` `?`), or `*`.
pub(crate) fn is_action(action: &str) -> bool {
    if action == "*" {
        return true;
    }
    let Some((service, name)) = action.split_once(':') else {
        return false;
    };
    !service.is_empty()
        && service
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '*' || c == '?')
}

/// `arn:<partition>:<service>:<region>:<account>:<resource>` (region and account may be empty
/// or wildcards), or `*`.
pub(crate) fn is_resource_arn(value: &str) -> bool {
    if value == "*" {
        return true;
    }
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && (parts[1].starts_with("aws") || parts[1] == "*")
        && !parts[2].is_empty()
        && !parts[2].contains(char::is_whitespace)
        && !parts[5].is_empty()
}

/// `arn:<partition>:iam::<account or aws>:policy/<path/name>`.
pub(crate) fn is_managed_policy_arn(value: &str) -> bool {
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "iam"
        && parts[3].is_empty()
        && (parts[4] == "aws"
            || (parts[4].len() == 12 && parts[4].chars().all(|c| c.is_ascii_digit())))
        && parts[5]
            .strip_prefix("policy/")
            .is_some_and(|rest| !rest.is_empty() && !rest.ends_with('/'))
}

fn validate_actions(at: &str, actions: &[String], failures: &mut Vec<CheckFailure>) {
    if actions.is_empty() {
        fail(
            failures,
            at,
            "a statement needs at least one action (`service:Action`, or `*`)".into(),
        );
    }
    for (i, action) in actions.iter().enumerate() {
        if is_known(action) && !is_action(action) {
            fail(
                failures,
                format!("{at}[{i}]"),
                format!(
                    "`{action}` is not an IAM action: use `service:Action` such as `s3:GetObject` (wildcards `*` and `?` allowed, e.g. `logs:Create*`), or `*`"
                ),
            );
        }
    }
}

fn validate_conditions(
    at: &str,
    conditions: &Option<Conditions>,
    failures: &mut Vec<CheckFailure>,
) {
    for (op, keys) in conditions.iter().flatten() {
        if op.is_empty() || !op.chars().all(|c| c.is_ascii_alphanumeric() || c == ':') {
            fail(
                failures,
                format!("{at}.{op}"),
                format!(
                    "`{op}` is not an IAM condition operator: use one such as `StringEquals`, `ArnLike`, `Bool`, `ForAnyValue:StringLike`"
                ),
            );
        }
        for (key, values) in keys {
            if values.is_empty() {
                fail(
                    failures,
                    format!("{at}.{op}.{key}"),
                    format!("condition `{op}` on `{key}` has no values: give at least one"),
                );
            }
        }
    }
}

fn validate_sid(at: &str, sid: &Option<String>, failures: &mut Vec<CheckFailure>) {
    if let Some(sid) = sid.as_deref().filter(|s| is_known(s))
        && !sid.chars().all(|c| c.is_ascii_alphanumeric())
    {
        fail(
            failures,
            at,
            format!("`{sid}` is not a valid statement id: use letters and digits only"),
        );
    }
}

fn validate_trust(statements: &[TrustStatement], failures: &mut Vec<CheckFailure>) {
    if statements.is_empty() {
        fail(
            failures,
            "assumeRolePolicy",
            "a trust policy needs at least one statement; leave `assumeRolePolicy` out for the ECS tasks default".into(),
        );
    }
    for (i, s) in statements.iter().enumerate() {
        let at = format!("assumeRolePolicy[{i}]");
        validate_sid(&format!("{at}.sid"), &s.sid, failures);
        validate_actions(&format!("{at}.actions"), &s.actions, failures);
        validate_conditions(&format!("{at}.conditions"), &s.conditions, failures);
        let p = &s.principals;
        let count = [&p.services, &p.aws, &p.federated]
            .iter()
            .map(|l| l.as_ref().map_or(0, Vec::len))
            .sum::<usize>();
        if count == 0 {
            fail(
                failures,
                format!("{at}.principals"),
                "a trust statement needs at least one principal: `services` (e.g. `ecs-tasks.amazonaws.com`), `aws` (account or role ARNs) or `federated`".into(),
            );
        }
        for (j, arn) in p.aws.iter().flatten().enumerate() {
            let account = arn.len() == 12 && arn.chars().all(|c| c.is_ascii_digit());
            if is_known(arn) && !(arn == "*" || account || validate::is_arn_of(arn, "iam")) {
                fail(
                    failures,
                    format!("{at}.principals.aws[{j}]"),
                    format!(
                        "`{arn}` is not an AWS principal: use a 12-digit account id, an IAM ARN (`arn:aws:iam::123456789012:role/name`) or `*`"
                    ),
                );
            }
        }
    }
    let chars = non_whitespace_chars(&trust_document(&normalise_trust(statements.to_vec())));
    if chars > TRUST_POLICY_MAX_CHARS {
        fail(
            failures,
            "assumeRolePolicy",
            format!(
                "the trust policy is {chars} characters long; IAM allows {TRUST_POLICY_DEFAULT_CHARS} (at most {TRUST_POLICY_MAX_CHARS} with a raised quota)"
            ),
        );
    }
}

fn validate_managed(arns: &[String], failures: &mut Vec<CheckFailure>) {
    for (i, arn) in arns.iter().enumerate() {
        if is_known(arn) && !is_managed_policy_arn(arn) {
            fail(
                failures,
                format!("managedPolicyArns[{i}]"),
                format!(
                    "`{arn}` is not a managed policy ARN: use `arn:aws:iam::aws:policy/<name>` (AWS managed) or `arn:aws:iam::123456789012:policy/<path><name>`"
                ),
            );
        }
    }
    if arns.len() > MANAGED_POLICIES_MAX {
        fail(
            failures,
            "managedPolicyArns",
            format!(
                "{} managed policies given; IAM attaches at most 10 to a role by default, {MANAGED_POLICIES_MAX} with a raised quota",
                arns.len()
            ),
        );
    }
}

fn validate_inline(
    policies: &BTreeMap<String, Vec<PolicyStatement>>,
    failures: &mut Vec<CheckFailure>,
) {
    let mut total = 0;
    for (name, statements) in policies {
        let at = format!("inlinePolicies.{name}");
        if name.is_empty() || name.len() > POLICY_NAME_MAX || !name.chars().all(name_char) {
            fail(
                failures,
                &at,
                format!(
                    "`{name}` is not a valid inline policy name: use 1 to {POLICY_NAME_MAX} letters, digits and + = , . @ _ -"
                ),
            );
        }
        if statements.is_empty() {
            fail(
                failures,
                &at,
                format!("inline policy `{name}` has no statements: give at least one"),
            );
        }
        for (i, s) in statements.iter().enumerate() {
            let at = format!("{at}[{i}]");
            validate_sid(&format!("{at}.sid"), &s.sid, failures);
            validate_actions(&format!("{at}.actions"), &s.actions, failures);
            validate_conditions(&format!("{at}.conditions"), &s.conditions, failures);
            if s.resources.is_empty() {
                fail(
                    failures,
                    format!("{at}.resources"),
                    "a statement needs at least one resource (an ARN, or `*`)".into(),
                );
            }
            for (j, arn) in s.resources.iter().enumerate() {
                if is_known(arn) && !is_resource_arn(arn) {
                    fail(
                        failures,
                        format!("{at}.resources[{j}]"),
                        format!(
                            "`{arn}` is not a resource ARN: use `arn:<partition>:<service>:<region>:<account>:<resource>` such as `arn:aws:s3:::bucket/*`, or `*`"
                        ),
                    );
                }
            }
        }
        total += non_whitespace_chars(&policy_document(&normalise_statements(statements.clone())));
    }
    if total > INLINE_POLICIES_MAX_CHARS {
        fail(
            failures,
            "inlinePolicies",
            format!(
                "the inline policies are {total} characters long together; IAM allows at most {INLINE_POLICIES_MAX_CHARS} per role (use a managed policy for more)"
            ),
        );
    }
}

/// IAM's size limits do not count whitespace.
pub(crate) fn non_whitespace_chars(document: &str) -> usize {
    document.chars().filter(|c| !c.is_whitespace()).count()
}
