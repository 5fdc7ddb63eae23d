//! IAM access: role finders (None when gone), policy documents as IAM answers them
//! (URL-encoded), attachments, tag conversions and the named retry for IAM's eventual
//! consistency.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_iam::Client;
use aws_sdk_iam::types::{Role, Tag};
use tokio_util::sync::CancellationToken;

use super::retry::{RetryRule, retry};
use crate::error::{OrGone, ProviderError, Result, aws_error_code};

pub const NO_SUCH_ENTITY: &[&str] = &["NoSuchEntity"];

/// IAM is eventually consistent: a role just created may not yet be visible to the next call
/// (AWS's IAM troubleshooting guide, "changes that I make are not always immediately
/// visible"), which answers NoSuchEntity naming the role.
const ROLE_NOT_YET_VISIBLE: RetryRule = RetryRule {
    name: "role just created is not yet visible to IAM",
    budget: Duration::from_secs(30),
    interval: Duration::from_secs(2),
};

pub fn to_iam_tags(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| ProviderError::internal(format!("IAM tag `{k}`: {e}")))
        })
        .collect()
}

/// Leaves out the provider's URN mark ([`crate::adopt::URN_TAG`]): it is not the program's.
pub fn from_iam_tags(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter(|t| t.key() != crate::adopt::URN_TAG)
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

/// Whether the role carries `mark` as its URN tag.
pub fn has_mark(role: &Role, mark: &str) -> bool {
    role.tags()
        .iter()
        .any(|t| t.key() == crate::adopt::URN_TAG && t.value() == mark)
}

/// IAM answers policy documents URL-encoded (RFC 3986); emulators and older answers may send
/// plain JSON. Either way, the JSON text.
pub fn decode_policy_document(text: &str) -> String {
    if text.trim_start().starts_with('{') {
        return text.to_string();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The role named `name`, or `None` when it does not exist.
pub async fn find_role(client: &Client, name: &str) -> Result<Option<Role>> {
    client
        .get_role()
        .role_name(name)
        .send()
        .await
        .map_err(|e| ProviderError::from_aws("iam:GetRole", &e, NO_SUCH_ENTITY))
        .or_gone()
        .map(|out| out.and_then(|o| o.role))
}

/// ARNs of the managed policies attached to the role (every page).
pub async fn attached_policy_arns(client: &Client, role: &str) -> Result<Vec<String>> {
    let mut arns = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let out = client
            .list_attached_role_policies()
            .role_name(role)
            .set_marker(marker.take())
            .send()
            .await
            .map_err(|e| {
                ProviderError::from_aws("iam:ListAttachedRolePolicies", &e, NO_SUCH_ENTITY)
            })?;
        arns.extend(
            out.attached_policies()
                .iter()
                .filter_map(|p| p.policy_arn().map(str::to_string)),
        );
        match (out.is_truncated(), out.marker()) {
            (true, Some(m)) => marker = Some(m.to_string()),
            _ => return Ok(arns),
        }
    }
}

/// Names of the role's inline policies (every page).
pub async fn inline_policy_names(client: &Client, role: &str) -> Result<Vec<String>> {
    let mut names = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let out = client
            .list_role_policies()
            .role_name(role)
            .set_marker(marker.take())
            .send()
            .await
            .map_err(|e| ProviderError::from_aws("iam:ListRolePolicies", &e, NO_SUCH_ENTITY))?;
        names.extend(out.policy_names().iter().cloned());
        match (out.is_truncated(), out.marker()) {
            (true, Some(m)) => marker = Some(m.to_string()),
            _ => return Ok(names),
        }
    }
}

/// The role's inline policies: name → JSON document (decoded).
pub async fn inline_policies(client: &Client, role: &str) -> Result<BTreeMap<String, String>> {
    let mut policies = BTreeMap::new();
    for name in inline_policy_names(client, role).await? {
        let out = client
            .get_role_policy()
            .role_name(role)
            .policy_name(&name)
            .send()
            .await
            .map_err(|e| ProviderError::from_aws("iam:GetRolePolicy", &e, NO_SUCH_ENTITY))
            .or_gone()?;
        // Deleted between the listing and the read: not there.
        if let Some(out) = out {
            policies.insert(name, decode_policy_document(out.policy_document()));
        }
    }
    Ok(policies)
}

/// A NoSuchEntity that names the role (not a policy): the role is not visible yet.
fn role_not_visible<E: aws_smithy_types::error::metadata::ProvideErrorMetadata, R>(
    e: &aws_smithy_runtime_api::client::result::SdkError<E, R>,
) -> bool {
    aws_error_code(e) == Some("NoSuchEntity")
        && e.as_service_error()
            .and_then(|s| s.message())
            .is_some_and(|m| m.to_ascii_lowercase().contains("role"))
}

/// Puts (creates or replaces) one inline policy, waiting out a role not yet visible.
pub async fn put_role_policy(
    client: &Client,
    role: &str,
    name: &str,
    document: &str,
    cancel: &CancellationToken,
) -> Result<()> {
    retry(
        &ROLE_NOT_YET_VISIBLE,
        cancel,
        || {
            client
                .put_role_policy()
                .role_name(role)
                .policy_name(name)
                .policy_document(document)
                .send()
        },
        role_not_visible,
        |e| ProviderError::from_aws("iam:PutRolePolicy", &e, &[]),
    )
    .await
    .map(drop)
}

/// Deletes one inline policy; already gone is success.
pub async fn delete_role_policy(client: &Client, role: &str, name: &str) -> Result<()> {
    client
        .delete_role_policy()
        .role_name(role)
        .policy_name(name)
        .send()
        .await
        .map_err(|e| ProviderError::from_aws("iam:DeleteRolePolicy", &e, NO_SUCH_ENTITY))
        .or_gone()
        .map(drop)
}

/// Attaches a managed policy, waiting out a role not yet visible (a policy that does not
/// exist fails at once).
pub async fn attach_role_policy(
    client: &Client,
    role: &str,
    policy_arn: &str,
    cancel: &CancellationToken,
) -> Result<()> {
    retry(
        &ROLE_NOT_YET_VISIBLE,
        cancel,
        || {
            client
                .attach_role_policy()
                .role_name(role)
                .policy_arn(policy_arn)
                .send()
        },
        role_not_visible,
        |e| ProviderError::from_aws("iam:AttachRolePolicy", &e, &[]),
    )
    .await
    .map(drop)
}

/// Detaches a managed policy; not attached (or role gone) is success.
pub async fn detach_role_policy(client: &Client, role: &str, policy_arn: &str) -> Result<()> {
    client
        .detach_role_policy()
        .role_name(role)
        .policy_arn(policy_arn)
        .send()
        .await
        .map_err(|e| ProviderError::from_aws("iam:DetachRolePolicy", &e, NO_SUCH_ENTITY))
        .or_gone()
        .map(drop)
}

/// Makes a role's tags equal `desired`.
pub async fn sync_tags(
    client: &Client,
    role: &str,
    current: &BTreeMap<String, String>,
    desired: &BTreeMap<String, String>,
) -> Result<()> {
    super::tags::sync(
        current,
        desired,
        async |keys| {
            client
                .untag_role()
                .role_name(role)
                .set_tag_keys(Some(keys))
                .send()
                .await
                .map(drop)
                .map_err(|e| ProviderError::from_aws("iam:UntagRole", &e, &[]))
        },
        async |tags| {
            client
                .tag_role()
                .role_name(role)
                .set_tags(Some(to_iam_tags(&tags)?))
                .send()
                .await
                .map(drop)
                .map_err(|e| ProviderError::from_aws("iam:TagRole", &e, &[]))
        },
    )
    .await
}

/// Deletes a role: IAM refuses while managed policies are attached or inline policies exist
/// (DeleteConflict), so the ones the state names (`attached`, `inline`) go first; that is all a
/// role managed by Pulumi has, and costs no listing. Policies added behind Pulumi's back show
/// up as a DeleteConflict: then the role's own lists are read and emptied, and the delete
/// retried once. Already gone is success.
pub async fn delete_role(
    client: &Client,
    role: &str,
    attached: &[String],
    inline: &[String],
) -> Result<()> {
    detach_and_delete(client, role, attached, inline).await?;
    if send_delete_role(client, role).await? {
        return Ok(());
    }
    let Some(attached) = attached_policy_arns(client, role).await.or_gone()? else {
        return Ok(());
    };
    let Some(inline) = inline_policy_names(client, role).await.or_gone()? else {
        return Ok(());
    };
    detach_and_delete(client, role, &attached, &inline).await?;
    if send_delete_role(client, role).await? {
        return Ok(());
    }
    Err(ProviderError::internal(format!(
        "iam:DeleteRole failed: role `{role}` still has policies after they were detached and deleted (DeleteConflict); another process keeps adding them"
    )))
}

async fn detach_and_delete(
    client: &Client,
    role: &str,
    attached: &[String],
    inline: &[String],
) -> Result<()> {
    for arn in attached {
        detach_role_policy(client, role, arn).await?;
    }
    for name in inline {
        delete_role_policy(client, role, name).await?;
    }
    Ok(())
}

/// DeleteRole: `true` when deleted (or already gone), `false` when IAM refuses because the
/// role still has policies (DeleteConflict).
async fn send_delete_role(client: &Client, role: &str) -> Result<bool> {
    match client.delete_role().role_name(role).send().await {
        Ok(_) => Ok(true),
        Err(e) if aws_error_code(&e) == Some("DeleteConflict") => Ok(false),
        Err(e) => match ProviderError::from_aws("iam:DeleteRole", &e, NO_SUCH_ENTITY) {
            ProviderError::NotFound(_) => Ok(true),
            other => Err(other),
        },
    }
}

/// The account the credentials belong to (sts:GetCallerIdentity needs no permission).
pub async fn caller_account(sts: &aws_sdk_sts::Client) -> Result<String> {
    let out = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| ProviderError::from_aws("sts:GetCallerIdentity", &e, &[]))?;
    out.account()
        .map(str::to_string)
        .ok_or_else(|| ProviderError::internal("sts:GetCallerIdentity returned no account"))
}

/// The account of an IAM ARN (`arn:aws:iam::123456789012:role/x`).
pub fn account_of_arn(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_encoded_documents_are_decoded() {
        assert_eq!(
            decode_policy_document("%7B%22Version%22%3A%222012-10-17%22%7D"),
            r#"{"Version":"2012-10-17"}"#
        );
        assert_eq!(decode_policy_document(r#"{"a":"%41"}"#), r#"{"a":"%41"}"#);
        assert_eq!(decode_policy_document("%7B%2"), "{%2");
    }

    #[test]
    fn account_from_arn() {
        assert_eq!(
            account_of_arn("arn:aws:iam::123456789012:role/x"),
            Some("123456789012")
        );
        assert_eq!(account_of_arn("role/x"), None);
    }
}
