//! Lifecycle rules ⇄ ECR's lifecycle policy JSON (normalised on read, so ECR's own key order,
//! spacing and priority numbers never show as a diff), auto-names, and the read-back.

use serde_json::{Map, Value as Json, json};

use super::*;

impl Repository {
    pub(crate) fn name_of(inputs: &RepositoryInputs) -> Result<&str> {
        inputs
            .name
            .as_deref()
            .ok_or_else(|| ProviderError::internal("repository name missing after check"))
    }

    pub(crate) fn outputs_from(
        repo: &aws_sdk_ecr::types::Repository,
        inputs: RepositoryInputs,
        tags_all: BTreeMap<String, String>,
    ) -> RepositoryOutputs {
        RepositoryOutputs {
            inputs,
            arn: repo.repository_arn().unwrap_or_default().to_string(),
            registry_id: repo.registry_id().unwrap_or_default().to_string(),
            repository_url: repo.repository_uri().unwrap_or_default().to_string(),
            tags_all,
        }
    }
}

fn is_separator(c: char) -> bool {
    matches!(c, '.' | '_' | '-')
}

/// The Pulumi resource name in lowercase plus a random suffix, within ECR's rules: characters
/// ECR does not take become `-`, runs of separators one `-`, none at either end of a part.
pub(crate) fn repository_auto_name(base: &str, seed: &[u8]) -> String {
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || is_separator(c);
    let raw = crate::naming::auto_name(&base.to_ascii_lowercase(), seed, NAME_MAX, allowed);
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if is_separator(c) {
            if out.is_empty() {
                continue;
            }
            if out.ends_with(is_separator) {
                out.pop();
                out.push('-');
                continue;
            }
        }
        out.push(c);
    }
    out
}

fn sorted(mut values: Vec<String>) -> Vec<String> {
    values.sort();
    values.dedup();
    values
}

/// Sorted, deduplicated tag prefixes and empty collections as absent: the spelling `check`
/// stores and `read` reports. Rule order is kept: it is the rules' priority.
pub(crate) fn normalise(mut inputs: RepositoryInputs) -> RepositoryInputs {
    inputs.lifecycle_rules = inputs
        .lifecycle_rules
        .map(|rules| {
            rules
                .into_iter()
                .map(|r| LifecycleRule {
                    description: r.description.filter(|d| !d.is_empty()),
                    tag_prefixes: r.tag_prefixes.map(sorted).filter(|p| !p.is_empty()),
                    ..r
                })
                .collect::<Vec<_>>()
        })
        .filter(|r| !r.is_empty());
    inputs
}

impl TagStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Tagged => "tagged",
            Self::Untagged => "untagged",
            Self::Any => "any",
        }
    }
}

/// ECR's lifecycle policy document for `rules`, priorities 1, 2, … in list order (compact:
/// ECR limits its length).
pub(crate) fn policy_text(rules: &[LifecycleRule]) -> String {
    let rules: Vec<Json> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut selection = Map::new();
            selection.insert("tagStatus".into(), json!(r.tag_status.as_str()));
            if let Some(prefixes) = &r.tag_prefixes {
                selection.insert("tagPrefixList".into(), json!(prefixes));
            }
            match (r.keep_last_count, r.expire_after_days) {
                (Some(count), _) => {
                    selection.insert("countType".into(), json!("imageCountMoreThan"));
                    selection.insert("countNumber".into(), json!(count));
                }
                (None, days) => {
                    selection.insert("countType".into(), json!("sinceImagePushed"));
                    selection.insert("countUnit".into(), json!("days"));
                    selection.insert("countNumber".into(), json!(days.unwrap_or(1)));
                }
            }
            let mut rule = Map::new();
            rule.insert("rulePriority".into(), json!(i + 1));
            if let Some(d) = &r.description {
                rule.insert("description".into(), json!(d));
            }
            rule.insert("selection".into(), Json::Object(selection));
            rule.insert("action".into(), json!({"type": "expire"}));
            Json::Object(rule)
        })
        .collect();
    json!({ "rules": rules }).to_string()
}

fn unsupported(what: &str, text: &str) -> ProviderError {
    ProviderError::internal(format!(
        "the repository's lifecycle policy uses {what}, which fargate:ecr:Repository does not model; change the policy in ECR or manage this repository outside Pulumi: {text}"
    ))
}

fn parse_rule(rule: &Json, text: &str) -> Result<(i64, LifecycleRule)> {
    let priority = rule["rulePriority"].as_i64().unwrap_or(i64::MAX);
    let selection = &rule["selection"];
    if let Some(action) = rule["action"]["type"].as_str().filter(|a| *a != "expire") {
        return Err(unsupported(&format!("the action `{action}`"), text));
    }
    if selection.get("tagPatternList").is_some() {
        return Err(unsupported("`tagPatternList`", text));
    }
    let tag_status = match selection["tagStatus"].as_str() {
        Some("tagged") => TagStatus::Tagged,
        Some("untagged") => TagStatus::Untagged,
        Some("any") => TagStatus::Any,
        other => return Err(unsupported(&format!("the tag status {other:?}"), text)),
    };
    let count = selection["countNumber"]
        .as_u64()
        .and_then(|n| u32::try_from(n).ok());
    let (keep_last_count, expire_after_days) = match selection["countType"].as_str() {
        Some("imageCountMoreThan") => (count, None),
        Some("sinceImagePushed") if selection["countUnit"].as_str().unwrap_or("days") == "days" => {
            (None, count)
        }
        _ => {
            return Err(unsupported(
                "a count type or unit other than images or days",
                text,
            ));
        }
    };
    let tag_prefixes = selection["tagPrefixList"].as_array().map(|list| {
        list.iter()
            .filter_map(Json::as_str)
            .map(str::to_string)
            .collect()
    });
    Ok((
        priority,
        LifecycleRule {
            description: rule["description"].as_str().map(str::to_string),
            tag_status,
            tag_prefixes,
            keep_last_count,
            expire_after_days,
        },
    ))
}

/// The rules of an ECR lifecycle policy, in priority order, whatever ECR's key order, spacing
/// and priority numbers.
pub(crate) fn parse_policy(text: &str) -> Result<Vec<LifecycleRule>> {
    let doc: Json = serde_json::from_str(text).map_err(|e| {
        ProviderError::internal(format!(
            "ECR answered a lifecycle policy that is not JSON ({e}): {text}"
        ))
    })?;
    let mut rules = doc["rules"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| parse_rule(r, text))
        .collect::<Result<Vec<_>>>()?;
    rules.sort_by_key(|(priority, _)| *priority);
    Ok(rules.into_iter().map(|(_, r)| r).collect())
}

/// The inputs a repository in AWS corresponds to; `forceDelete` (not an AWS setting) is kept
/// from the earlier inputs.
pub(crate) fn inputs_from_aws(
    repo: &aws_sdk_ecr::types::Repository,
    policy: Option<&str>,
    tags_all: &BTreeMap<String, String>,
    old: &RepositoryInputs,
    default_tags: &BTreeMap<String, String>,
) -> Result<RepositoryInputs> {
    use aws_sdk_ecr::types::ImageTagMutability as M;
    let image_tag_mutability = match repo.image_tag_mutability() {
        Some(M::Immutable) => TagMutability::Immutable,
        Some(M::Mutable) | None => TagMutability::Mutable,
        Some(other) => {
            return Err(ProviderError::internal(format!(
                "the repository's image tag mutability is `{}`, which fargate:ecr:Repository does not model (IMMUTABLE or MUTABLE)",
                other.as_str()
            )));
        }
    };
    Ok(normalise(RepositoryInputs {
        name: repo.repository_name().map(str::to_string),
        image_tag_mutability,
        scan_on_push: repo
            .image_scanning_configuration()
            .is_some_and(|c| c.scan_on_push()),
        lifecycle_rules: policy.map(parse_policy).transpose()?,
        force_delete: old.force_delete,
        tags: crate::tags::own_tags(tags_all, old.tags.as_ref(), default_tags),
    }))
}
