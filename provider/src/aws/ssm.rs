//! SSM Parameter Store access: put (create or overwrite), finders (None when gone), tags and
//! delete. Values are handed to AWS and never logged, echoed or read back decrypted: reads use
//! `WithDecryption=false`, which is enough to see the version and the type.

use std::collections::BTreeMap;

use aws_sdk_ssm::Client;
use aws_sdk_ssm::types::{
    ParameterMetadata, ParameterStringFilter, ParameterTier, ParameterType, ResourceTypeForTagging,
    Tag,
};

use crate::error::{OrGone, ProviderError, Result, aws_error_code};

pub const PARAMETER_NOT_FOUND: &[&str] = &["ParameterNotFound"];
/// Tagging calls answer this code when the parameter does not exist.
const TAGGED_NOT_FOUND: &[&str] = &["InvalidResourceId", "ParameterNotFound"];

/// What a put asks for. The value is only ever sent, never formatted.
pub struct PutParameter<'a> {
    pub name: &'a str,
    pub value: &'a str,
    pub key_id: Option<&'a str>,
    pub description: Option<&'a str>,
    pub tier: ParameterTier,
    /// Only on a create: AWS refuses tags together with `Overwrite`.
    pub tags: Option<&'a BTreeMap<String, String>>,
    pub overwrite: bool,
}

/// The parameter as SSM describes it (metadata only, no value).
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterInfo {
    pub name: String,
    pub arn: String,
    pub version: i64,
    /// `SecureString`, `String` or `StringList`.
    pub parameter_type: String,
    pub key_id: Option<String>,
    pub description: Option<String>,
    pub tier: String,
}

pub fn to_ssm_tags(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| ProviderError::internal(format!("SSM tag `{k}`: {e}")))
        })
        .collect()
}

/// Puts a SecureString parameter and answers its new version. Errors name the parameter and
/// AWS's code and message; AWS's messages about the value state limits, never the value.
pub async fn put_parameter(client: &Client, put: &PutParameter<'_>) -> Result<i64> {
    let tags = put.tags.map(to_ssm_tags).transpose()?;
    let out = client
        .put_parameter()
        .name(put.name)
        .value(put.value)
        .r#type(ParameterType::SecureString)
        .set_key_id(put.key_id.map(str::to_string))
        .set_description(put.description.map(str::to_string))
        .tier(put.tier.clone())
        .set_tags(tags.filter(|t| !t.is_empty()))
        .overwrite(put.overwrite)
        .send()
        .await
        .map_err(|e| match aws_error_code(&e) {
            Some("ParameterAlreadyExists") => ProviderError::internal(format!(
                "an SSM parameter named `{}` already exists; choose another `name`, or adopt it with `pulumi import fargate:ssm:Parameter <resource name> {}`",
                put.name, put.name
            )),
            _ => ProviderError::from_aws("ssm:PutParameter", &e, &[]),
        })?;
    Ok(out.version())
}

/// ARN, version and type of the parameter named `name` (GetParameter without decryption), or
/// `None` when it does not exist.
pub async fn find_parameter(client: &Client, name: &str) -> Result<Option<(String, i64, String)>> {
    let out = client
        .get_parameter()
        .name(name)
        .with_decryption(false)
        .send()
        .await
        .map_err(|e| ProviderError::from_aws("ssm:GetParameter", &e, PARAMETER_NOT_FOUND))
        .or_gone()?;
    Ok(out.and_then(|o| o.parameter).map(|p| {
        (
            p.arn().unwrap_or_default().to_string(),
            p.version(),
            p.r#type()
                .map(|t| t.as_str().to_string())
                .unwrap_or_default(),
        )
    }))
}

/// The metadata of the parameter named `name` (DescribeParameters, exact name), or `None`.
async fn describe_parameter(client: &Client, name: &str) -> Result<Option<ParameterMetadata>> {
    let filter = ParameterStringFilter::builder()
        .key("Name")
        .option("Equals")
        .values(name)
        .build()
        .map_err(|e| ProviderError::internal(format!("SSM parameter filter: {e}")))?;
    let out = client
        .describe_parameters()
        .parameter_filters(filter)
        .send()
        .await
        .map_err(|e| ProviderError::from_aws("ssm:DescribeParameters", &e, &[]))?;
    Ok(out
        .parameters()
        .iter()
        .find(|p| p.name() == Some(name))
        .cloned())
}

/// Everything SSM says about the parameter but its value, or `None` when it is gone.
pub async fn parameter_info(client: &Client, name: &str) -> Result<Option<ParameterInfo>> {
    let Some((arn, version, parameter_type)) = find_parameter(client, name).await? else {
        return Ok(None);
    };
    let meta = describe_parameter(client, name).await?;
    let meta = meta.as_ref();
    Ok(Some(ParameterInfo {
        name: name.to_string(),
        arn,
        version,
        parameter_type,
        key_id: meta.and_then(|m| m.key_id()).map(str::to_string),
        description: meta
            .and_then(|m| m.description())
            .filter(|d| !d.is_empty())
            .map(str::to_string),
        tier: meta
            .and_then(|m| m.tier())
            .map(|t| t.as_str().to_string())
            .unwrap_or_else(|| "Standard".to_string()),
    }))
}

/// The parameter's tags, the provider's URN mark included (callers drop it).
pub async fn tags_of(client: &Client, name: &str) -> Result<BTreeMap<String, String>> {
    let out = client
        .list_tags_for_resource()
        .resource_type(ResourceTypeForTagging::Parameter)
        .resource_id(name)
        .send()
        .await
        .map_err(|e| ProviderError::from_aws("ssm:ListTagsForResource", &e, TAGGED_NOT_FOUND))?;
    Ok(out
        .tag_list()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect())
}

/// Makes the parameter's tags equal `desired` (the URN mark is not in either map and stays).
pub async fn sync_tags(
    client: &Client,
    name: &str,
    current: &BTreeMap<String, String>,
    desired: &BTreeMap<String, String>,
) -> Result<()> {
    super::tags::sync(
        current,
        desired,
        async |keys| {
            client
                .remove_tags_from_resource()
                .resource_type(ResourceTypeForTagging::Parameter)
                .resource_id(name)
                .set_tag_keys(Some(keys))
                .send()
                .await
                .map(drop)
                .map_err(|e| ProviderError::from_aws("ssm:RemoveTagsFromResource", &e, &[]))
        },
        async |tags| {
            client
                .add_tags_to_resource()
                .resource_type(ResourceTypeForTagging::Parameter)
                .resource_id(name)
                .set_tags(Some(to_ssm_tags(&tags)?))
                .send()
                .await
                .map(drop)
                .map_err(|e| ProviderError::from_aws("ssm:AddTagsToResource", &e, &[]))
        },
    )
    .await
}

/// Deletes the parameter (every version); already gone is success.
pub async fn delete_parameter(client: &Client, name: &str) -> Result<()> {
    client
        .delete_parameter()
        .name(name)
        .send()
        .await
        .map_err(|e| ProviderError::from_aws("ssm:DeleteParameter", &e, PARAMETER_NOT_FOUND))
        .or_gone()
        .map(drop)
}
