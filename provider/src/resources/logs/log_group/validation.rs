//! Validation of the inputs: every failure names the property, the value and what is valid.
//! CloudWatch Logs' rules (CreateLogGroup / PutRetentionPolicy / AssociateKmsKey API
//! references). The name's length and characters are bounds on the input struct.

use super::*;
use crate::resource::is_known;

pub(crate) const NAME_MAX: usize = 512;

/// The retention periods PutRetentionPolicy accepts, in days.
pub(crate) const RETENTION_DAYS: &[u32] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// Log group names: letters, digits and `. - _ / #`.
pub(crate) fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "._-/#".contains(c)
}

pub(crate) fn validate_log_group(inputs: &LogGroupInputs, failures: &mut Vec<CheckFailure>) {
    // The retention's allowed values are a bound on the struct (crate::bounds lists them).
    if let Some(key) = inputs.kms_key_id.as_deref().filter(|k| is_known(k))
        && !validate::is_arn_of_resource(key, "kms", "key/")
    {
        failures.push(CheckFailure::new(
            "kmsKeyId",
            format!(
                "`{key}` is not a KMS key ARN: CloudWatch Logs takes the key's full ARN, `arn:aws:kms:<region>:<account>:key/<key id>` (not a key id or alias)"
            ),
        ));
    }
}
