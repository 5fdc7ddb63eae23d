//! Provider configuration: the `fargate:*` keys of a stack.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::error::CheckFailure;

/// Settings of the fargate provider, from `fargate:*` stack configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProviderConfig {
    /// AWS region to deploy to, e.g. `eu-central-1`. Defaults to the AWS SDK's own lookup
    /// (`AWS_REGION`, then the profile).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Named profile from the shared AWS config files to take credentials from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Endpoint URL override for every AWS service, for local emulators such as moto
    /// (e.g. `http://127.0.0.1:5000`). `AWS_ENDPOINT_URL` works as well.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Tags applied to every resource that supports tags; a resource's own tags win on conflict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_tags: Option<BTreeMap<String, String>>,
}

impl ProviderConfig {
    /// Parses config arguments. Structured values may arrive JSON-encoded in a string (that is how
    /// stack configuration reaches a default provider), so those are decoded first.
    pub fn from_args(args: &Json) -> Result<Self, Vec<CheckFailure>> {
        let mut normalized = args.clone();
        if let Some(m) = normalized.as_object_mut() {
            // The engine's own bookkeeping keys are not ours to validate.
            m.retain(|k, _| !k.starts_with("__") && k != "version" && k != "pluginDownloadURL");
            if let Some(Json::String(s)) = m.get("defaultTags")
                && let Ok(decoded) = serde_json::from_str::<Json>(s)
            {
                m.insert("defaultTags".into(), decoded);
            }
        }
        let known = crate::typed::schema_property_names::<Self>();
        let unknown_keys: Vec<CheckFailure> = normalized
            .as_object()
            .into_iter()
            .flat_map(|m| m.keys())
            .filter(|k| !known.contains(k))
            .map(|k| {
                CheckFailure::new(
                    format!("fargate:{k}"),
                    format!(
                        "`fargate:{k}` is not a provider setting; valid settings are: {}",
                        known.join(", ")
                    ),
                )
            })
            .collect();
        if !unknown_keys.is_empty() {
            return Err(unknown_keys);
        }
        let config: Self = crate::typed::parse(normalized).map_err(|failures| {
            failures
                .into_iter()
                .map(|f| CheckFailure::new(format!("fargate:{}", f.property), f.reason))
                .collect::<Vec<_>>()
        })?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), Vec<CheckFailure>> {
        let mut failures = Vec::new();
        if let Some(region) = &self.region {
            let ok = regex::Regex::new(r"^[a-z]{2}(-[a-z]+)+-\d$")
                .expect("static regex")
                .is_match(region);
            if !ok {
                failures.push(CheckFailure::new(
                    "fargate:region",
                    format!("`{region}` is not an AWS region name; expected something like `us-east-1` or `eu-central-1`"),
                ));
            }
        }
        if let Some(endpoint) = &self.endpoint
            && !(endpoint.starts_with("http://") || endpoint.starts_with("https://"))
        {
            failures.push(CheckFailure::new(
                "fargate:endpoint",
                format!(
                    "`{endpoint}` is not an http(s) URL; expected e.g. `http://127.0.0.1:5000`"
                ),
            ));
        }
        // Checked once here, not again on every resource the tags reach.
        crate::validate::tags(
            "fargate:defaultTags",
            self.default_tags.as_ref(),
            &mut failures,
        );
        if failures.is_empty() {
            Ok(())
        } else {
            Err(failures)
        }
    }

    pub fn default_tags(&self) -> BTreeMap<String, String> {
        self.default_tags.clone().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn default_tags_may_arrive_as_a_json_string() {
        let c = ProviderConfig::from_args(
            &json!({"defaultTags": "{\"team\":\"api\"}", "region": "eu-west-1"}),
        )
        .unwrap();
        assert_eq!(c.default_tags()["team"], "api");
        assert_eq!(c.region.as_deref(), Some("eu-west-1"));
    }

    #[test]
    fn bad_region_and_endpoint_are_named() {
        let err = ProviderConfig::from_args(
            &json!({"region": "Frankfurt", "endpoint": "localhost:5000"}),
        )
        .unwrap_err();
        assert_eq!(err.len(), 2);
        assert_eq!(err[0].property, "fargate:region");
        assert!(err[0].reason.contains("Frankfurt"));
        assert_eq!(err[1].property, "fargate:endpoint");
    }

    #[test]
    fn misspelt_settings_are_rejected() {
        let err = ProviderConfig::from_args(&json!({"regoin": "eu-west-1"})).unwrap_err();
        assert_eq!(err[0].property, "fargate:regoin");
        assert!(err[0].reason.contains("region"));
    }

    #[test]
    fn engine_keys_are_ignored() {
        assert!(ProviderConfig::from_args(&json!({"version": "0.1.0", "__internal": "x"})).is_ok());
    }
}
