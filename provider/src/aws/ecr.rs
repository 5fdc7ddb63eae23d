//! ECR access: the repository finder (None when gone), tag mutability, scan on push, the
//! lifecycle policy (as ECR's JSON text), tags and delete (which names what a refusal needs).

use std::collections::BTreeMap;

use aws_sdk_ecr::Client;
use aws_sdk_ecr::types::{ImageScanningConfiguration, ImageTagMutability, Repository, Tag};

use crate::error::{OrGone, ProviderError, Result, aws_error_code};

pub const REPOSITORY_NOT_FOUND: &[&str] = &["RepositoryNotFoundException"];
const POLICY_NOT_FOUND: &[&str] = &[
    "LifecyclePolicyNotFoundException",
    "RepositoryNotFoundException",
];
/// ListImages answers at most this many ids per page: enough to say how many images block a
/// delete with one call.
const IMAGES_PAGE: i32 = 1000;

pub fn to_ecr_tags(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| ProviderError::internal(format!("ECR tag `{k}`: {e}")))
        })
        .collect()
}

pub fn mutability(immutable: bool) -> ImageTagMutability {
    if immutable {
        ImageTagMutability::Immutable
    } else {
        ImageTagMutability::Mutable
    }
}

pub fn scanning(scan_on_push: bool) -> ImageScanningConfiguration {
    ImageScanningConfiguration::builder()
        .scan_on_push(scan_on_push)
        .build()
}

/// Creates the repository; its answer holds everything the outputs need (ARN, registry,
/// URI), so no describe follows.
pub async fn create_repository(
    client: &Client,
    name: &str,
    immutable: bool,
    scan_on_push: bool,
    tags: &BTreeMap<String, String>,
) -> Result<Repository> {
    let out = client
        .create_repository()
        .repository_name(name)
        .image_tag_mutability(mutability(immutable))
        .image_scanning_configuration(scanning(scan_on_push))
        .set_tags((!tags.is_empty()).then(|| to_ecr_tags(tags)).transpose()?)
        .send()
        .await
        .map_err(|e| match aws_error_code(&e) {
            Some("RepositoryAlreadyExistsException") => ProviderError::internal(format!(
                "an ECR repository named `{name}` already exists; choose another `name`, or adopt it with `pulumi import fargate:ecr:Repository <resource name> {name}`"
            )),
            _ => ProviderError::from_aws("ecr:CreateRepository", &e, &[]),
        })?;
    out.repository
        .ok_or_else(|| ProviderError::internal("ecr:CreateRepository returned no repository"))
}

/// The repository named `name` in this account's registry, or `None`.
pub async fn find_repository(client: &Client, name: &str) -> Result<Option<Repository>> {
    client
        .describe_repositories()
        .repository_names(name)
        .send()
        .await
        .map_err(|e| ProviderError::from_aws("ecr:DescribeRepositories", &e, REPOSITORY_NOT_FOUND))
        .or_gone()
        .map(|out| out.and_then(|o| o.repositories.unwrap_or_default().into_iter().next()))
}

/// The lifecycle policy text, or `None` when the repository has none.
pub async fn lifecycle_policy(client: &Client, name: &str) -> Result<Option<String>> {
    client
        .get_lifecycle_policy()
        .repository_name(name)
        .send()
        .await
        .map_err(|e| ProviderError::from_aws("ecr:GetLifecyclePolicy", &e, POLICY_NOT_FOUND))
        .or_gone()
        .map(|out| out.and_then(|o| o.lifecycle_policy_text))
}

/// Puts the lifecycle policy `text`, or deletes it (none is success) when `None`.
pub async fn set_lifecycle_policy(client: &Client, name: &str, text: Option<&str>) -> Result<()> {
    match text {
        Some(text) => client
            .put_lifecycle_policy()
            .repository_name(name)
            .lifecycle_policy_text(text)
            .send()
            .await
            .map(drop)
            .map_err(|e| ProviderError::from_aws("ecr:PutLifecyclePolicy", &e, &[])),
        None => client
            .delete_lifecycle_policy()
            .repository_name(name)
            .send()
            .await
            .map_err(|e| {
                ProviderError::from_aws(
                    "ecr:DeleteLifecyclePolicy",
                    &e,
                    &["LifecyclePolicyNotFoundException"],
                )
            })
            .or_gone()
            .map(drop),
    }
}

pub async fn set_mutability(client: &Client, name: &str, immutable: bool) -> Result<()> {
    client
        .put_image_tag_mutability()
        .repository_name(name)
        .image_tag_mutability(mutability(immutable))
        .send()
        .await
        .map(drop)
        .map_err(|e| ProviderError::from_aws("ecr:PutImageTagMutability", &e, &[]))
}

pub async fn set_scan_on_push(client: &Client, name: &str, scan_on_push: bool) -> Result<()> {
    client
        .put_image_scanning_configuration()
        .repository_name(name)
        .image_scanning_configuration(scanning(scan_on_push))
        .send()
        .await
        .map(drop)
        .map_err(|e| ProviderError::from_aws("ecr:PutImageScanningConfiguration", &e, &[]))
}

/// Every tag on the repository, the URN mark included.
pub async fn raw_tags_of(client: &Client, arn: &str) -> Result<BTreeMap<String, String>> {
    let out = client
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| {
            ProviderError::from_aws("ecr:ListTagsForResource", &e, REPOSITORY_NOT_FOUND)
        })?;
    Ok(out
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect())
}

/// Every tag on the repository (URN mark left out).
pub async fn tags_of(client: &Client, arn: &str) -> Result<BTreeMap<String, String>> {
    let mut tags = raw_tags_of(client, arn).await?;
    tags.remove(crate::adopt::URN_TAG);
    Ok(tags)
}

/// Makes the repository's tags equal `desired`.
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
                .map_err(|e| ProviderError::from_aws("ecr:UntagResource", &e, &[]))
        },
        async |tags| {
            client
                .tag_resource()
                .resource_arn(arn)
                .set_tags(Some(to_ecr_tags(&tags)?))
                .send()
                .await
                .map(drop)
                .map_err(|e| ProviderError::from_aws("ecr:TagResource", &e, &[]))
        },
    )
    .await
}

/// How many images the repository holds, as "N" or "more than N" (one ListImages page).
async fn image_count(client: &Client, name: &str) -> Option<String> {
    let out = client
        .list_images()
        .repository_name(name)
        .max_results(IMAGES_PAGE)
        .send()
        .await
        .map_err(|e| ProviderError::from_aws("ecr:ListImages", &e, &[]))
        .ok()?;
    let n = out.image_ids().len();
    Some(match out.next_token() {
        Some(t) if !t.is_empty() => format!("more than {n}"),
        _ => n.to_string(),
    })
}

/// Deletes the repository; already gone is success. With `force` false ECR refuses while
/// images remain: the error names the repository, how many images it holds and the fix.
pub async fn delete_repository(client: &Client, name: &str, force: bool) -> Result<()> {
    let result = client
        .delete_repository()
        .repository_name(name)
        .force(force)
        .send()
        .await;
    match result {
        Ok(_) => Ok(()),
        Err(e) if aws_error_code(&e) == Some("RepositoryNotEmptyException") => {
            let images = match image_count(client, name).await {
                Some(n) => format!("{n} image(s)"),
                None => "images".to_string(),
            };
            Err(ProviderError::internal(format!(
                "ECR repository `{name}` still holds {images}, so it was not deleted (nothing was lost). To delete it with its images set `forceDelete: true` on it and run `pulumi up` before deleting, or remove the images first"
            )))
        }
        Err(e) => Err::<(), _>(ProviderError::from_aws(
            "ecr:DeleteRepository",
            &e,
            REPOSITORY_NOT_FOUND,
        ))
        .or_gone()
        .map(drop),
    }
}
