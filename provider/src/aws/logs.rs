//! CloudWatch Logs access: the log group finder (None when gone), retention, KMS key, tags and
//! delete. Tags go through the ARN-based TagResource / UntagResource / ListTagsForResource
//! (the log-group-name variants are deprecated), with the ARN without the trailing `:*`.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::types::LogGroup;

use crate::error::{OrGone, ProviderError, Result};

pub const NOT_FOUND: &[&str] = &["ResourceNotFoundException"];

fn to_logs_tags(tags: &BTreeMap<String, String>) -> HashMap<String, String> {
    tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// The ARN of a log group without the `:*` DescribeLogGroups' `arn` ends with (the form
/// TagResource and IAM resource names of the group itself take).
pub fn group_arn(group: &LogGroup) -> String {
    match group.log_group_arn() {
        Some(arn) => arn.to_string(),
        None => group
            .arn()
            .unwrap_or_default()
            .trim_end_matches(":*")
            .to_string(),
    }
}

/// Creates the log group with its tags (and the URN mark in them). Retention is a separate
/// call: CreateLogGroup takes none.
pub async fn create_log_group(
    client: &Client,
    name: &str,
    kms_key_id: Option<&str>,
    tags: &BTreeMap<String, String>,
) -> Result<()> {
    client
        .create_log_group()
        .log_group_name(name)
        .set_kms_key_id(kms_key_id.map(str::to_string))
        .set_tags((!tags.is_empty()).then(|| to_logs_tags(tags)))
        .send()
        .await
        .map_err(|e| match crate::error::aws_error_code(&e) {
            Some("ResourceAlreadyExistsException") => ProviderError::internal(format!(
                "a CloudWatch log group named `{name}` already exists; choose another `name`, or adopt it with `pulumi import fargate:logs:LogGroup <resource name> {name}`"
            )),
            _ => ProviderError::from_aws("logs:CreateLogGroup", &e, &[]),
        })
        .map(drop)
}

/// The log group named exactly `name`, or `None`. DescribeLogGroups filters by prefix and
/// answers in name order, so the exact name (a prefix of every other answer) comes first;
/// further pages are followed all the same.
pub async fn find_log_group(client: &Client, name: &str) -> Result<Option<LogGroup>> {
    let mut token: Option<String> = None;
    loop {
        let out = client
            .describe_log_groups()
            .log_group_name_prefix(name)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| ProviderError::from_aws("logs:DescribeLogGroups", &e, NOT_FOUND))
            .or_gone()?;
        let Some(out) = out else { return Ok(None) };
        if let Some(group) = out
            .log_groups()
            .iter()
            .find(|g| g.log_group_name() == Some(name))
        {
            return Ok(Some(group.clone()));
        }
        match out.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => return Ok(None),
        }
    }
}

/// Every tag on the log group, the URN mark included.
pub async fn raw_tags_of(client: &Client, arn: &str) -> Result<BTreeMap<String, String>> {
    let out = client
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| ProviderError::from_aws("logs:ListTagsForResource", &e, NOT_FOUND))?;
    Ok(out
        .tags()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect())
}

/// Every tag on the log group (URN mark left out).
pub async fn tags_of(client: &Client, arn: &str) -> Result<BTreeMap<String, String>> {
    let mut tags = raw_tags_of(client, arn).await?;
    tags.remove(crate::adopt::URN_TAG);
    Ok(tags)
}

/// Sets the retention, or removes it (never expire) when `days` is `None`.
pub async fn set_retention(client: &Client, name: &str, days: Option<u32>) -> Result<()> {
    match days {
        Some(days) => client
            .put_retention_policy()
            .log_group_name(name)
            .retention_in_days(days as i32)
            .send()
            .await
            .map(drop)
            .map_err(|e| ProviderError::from_aws("logs:PutRetentionPolicy", &e, &[])),
        None => client
            .delete_retention_policy()
            .log_group_name(name)
            .send()
            .await
            .map(drop)
            .map_err(|e| ProviderError::from_aws("logs:DeleteRetentionPolicy", &e, &[])),
    }
}

/// Encrypts new log data with `key` (a KMS key ARN), or stops encrypting when `None`.
pub async fn set_kms_key(client: &Client, name: &str, key: Option<&str>) -> Result<()> {
    match key {
        Some(key) => client
            .associate_kms_key()
            .log_group_name(name)
            .kms_key_id(key)
            .send()
            .await
            .map(drop)
            .map_err(|e| ProviderError::from_aws("logs:AssociateKmsKey", &e, &[])),
        None => client
            .disassociate_kms_key()
            .log_group_name(name)
            .send()
            .await
            .map(drop)
            .map_err(|e| ProviderError::from_aws("logs:DisassociateKmsKey", &e, &[])),
    }
}

/// Makes the log group's tags equal `desired`.
pub async fn sync_tags(
    client: &Client,
    arn: &str,
    current: &BTreeMap<String, String>,
    desired: &BTreeMap<String, String>,
) -> Result<()> {
    super::tags::sync(
        current,
        desired,
        async |keys| {
            client
                .untag_resource()
                .resource_arn(arn)
                .set_tag_keys(Some(keys))
                .send()
                .await
                .map(drop)
                .map_err(|e| ProviderError::from_aws("logs:UntagResource", &e, &[]))
        },
        async |tags| {
            client
                .tag_resource()
                .resource_arn(arn)
                .set_tags(Some(to_logs_tags(&tags)))
                .send()
                .await
                .map(drop)
                .map_err(|e| ProviderError::from_aws("logs:TagResource", &e, &[]))
        },
    )
    .await
}

/// Deletes the log group and its events; already gone is success.
pub async fn delete_log_group(client: &Client, name: &str) -> Result<()> {
    client
        .delete_log_group()
        .log_group_name(name)
        .send()
        .await
        .map_err(|e| ProviderError::from_aws("logs:DeleteLogGroup", &e, NOT_FOUND))
        .or_gone()
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_arn_drops_the_trailing_star() {
        let g = LogGroup::builder()
            .arn("arn:aws:logs:us-east-1:123456789012:log-group:/ecs/api:*")
            .build();
        assert_eq!(
            group_arn(&g),
            "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/api"
        );
        let g = LogGroup::builder()
            .arn("arn:aws:logs:us-east-1:123456789012:log-group:/ecs/api:*")
            .log_group_arn("arn:aws:logs:us-east-1:123456789012:log-group:/ecs/api")
            .build();
        assert_eq!(
            group_arn(&g),
            "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/api"
        );
    }
}
