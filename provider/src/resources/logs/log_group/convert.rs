//! The read-back of a log group: AWS's answer as inputs in the program's spelling.

use super::*;

impl LogGroup {
    pub(crate) fn name_of(inputs: &LogGroupInputs) -> Result<&str> {
        inputs
            .name
            .as_deref()
            .ok_or_else(|| ProviderError::internal("log group name missing after check"))
    }

    /// The ARN (without `:*`) of the group named `name`, which must exist.
    pub(crate) async fn arn_of(
        logs: &aws_sdk_cloudwatchlogs::Client,
        name: &str,
    ) -> Result<String> {
        logs_api::find_log_group(logs, name)
            .await?
            .map(|g| logs_api::group_arn(&g))
            .ok_or_else(|| {
                ProviderError::internal(format!(
                    "CloudWatch log group `{name}` is not visible to DescribeLogGroups"
                ))
            })
    }
}

/// The inputs a log group in AWS corresponds to. Tags are the group's own (the provider's
/// default tags left out unless the program set them).
pub(crate) fn inputs_from_aws(
    group: &aws_sdk_cloudwatchlogs::types::LogGroup,
    tags_all: &BTreeMap<String, String>,
    old: &LogGroupInputs,
    default_tags: &BTreeMap<String, String>,
) -> LogGroupInputs {
    LogGroupInputs {
        name: group.log_group_name().map(str::to_string),
        retention_in_days: group
            .retention_in_days()
            .filter(|d| *d > 0)
            .map(|d| d as u32),
        kms_key_id: group
            .kms_key_id()
            .filter(|k| !k.is_empty())
            .map(str::to_string),
        tags: crate::tags::own_tags(tags_all, old.tags.as_ref(), default_tags),
    }
}
