//! Inputs ⇄ SSM requests and answers: the put request, what needs a new version, the read-back
//! in the program's spelling, and the tier rule of the diff.

use aws_sdk_ssm::types::ParameterTier;
use serde_json::Value as Json;

use super::*;

/// The key SSM uses when none is given; reported back by DescribeParameters.
pub(crate) const DEFAULT_KEY: &str = "alias/aws/ssm";

impl Parameter {
    pub(crate) fn name_of(inputs: &ParameterInputs) -> Result<&str> {
        inputs
            .name
            .as_deref()
            .ok_or_else(|| ProviderError::internal("parameter name missing after check"))
    }
}

impl Tier {
    pub(crate) fn to_ssm(self) -> ParameterTier {
        match self {
            Tier::Standard => ParameterTier::Standard,
            Tier::Advanced => ParameterTier::Advanced,
        }
    }

    /// The largest value the tier holds, in bytes (4 KB, 8 KB).
    pub(crate) fn max_value_bytes(self) -> usize {
        match self {
            Tier::Standard => 4096,
            Tier::Advanced => 8192,
        }
    }
}

pub(crate) fn put_request<'a>(
    name: &'a str,
    inputs: &'a ParameterInputs,
    tags: Option<&'a BTreeMap<String, String>>,
    overwrite: bool,
) -> ssm_api::PutParameter<'a> {
    ssm_api::PutParameter {
        name,
        value: &inputs.value,
        key_id: inputs.key_id.as_deref(),
        // An overwrite without a description keeps the old one: send an empty one to clear it.
        description: match (&inputs.description, overwrite) {
            (Some(d), _) => Some(d.as_str()),
            (None, true) => Some(""),
            (None, false) => None,
        },
        tier: inputs.tier.to_ssm(),
        tags,
        overwrite,
    }
}

/// Whether going from `old` to `new` needs a PutParameter (a new version). Tags do not: they
/// have calls of their own.
pub(crate) fn needs_put(old: &ParameterInputs, new: &ParameterInputs) -> bool {
    old.value != new.value
        || old.key_id != new.key_id
        || old.description != new.description
        || old.tier != new.tier
}

/// Was the value changed outside Pulumi? Another version than the one Pulumi wrote, or no
/// longer a SecureString. Without a recorded version (import) the value is unknown anyway.
pub(crate) fn value_drifted(info: &ssm_api::ParameterInfo, recorded: Option<i64>) -> bool {
    info.parameter_type != "SecureString" || recorded.is_none_or(|v| v != info.version)
}

/// The key as the program spelt it when AWS reports the same key (an alias may come back as
/// the alias's ARN), `None` for SSM's default key when the program set none.
fn key_in_program_spelling(aws: Option<&str>, old: Option<&str>) -> Option<String> {
    match (aws, old) {
        (Some(k), None) if k == DEFAULT_KEY => None,
        (Some(k), Some(o)) if k == o || k.ends_with(&format!(":{o}")) || k.ends_with(o) => {
            Some(o.to_string())
        }
        (k, _) => k.map(str::to_string),
    }
}

/// The inputs the parameter in AWS corresponds to. The value is the recorded one unless it
/// `drifted` (then empty, a value SSM never holds, so it differs from any program's value).
pub(crate) fn inputs_from_aws(
    info: &ssm_api::ParameterInfo,
    old: &ParameterInputs,
    tags_all: &BTreeMap<String, String>,
    default_tags: &BTreeMap<String, String>,
    drifted: bool,
) -> ParameterInputs {
    ParameterInputs {
        name: Some(info.name.clone()),
        value: if drifted {
            String::new()
        } else {
            old.value.clone()
        },
        key_id: key_in_program_spelling(info.key_id.as_deref(), old.key_id.as_deref()),
        description: info.description.clone(),
        tier: if info.tier == "Advanced" {
            Tier::Advanced
        } else {
            Tier::Standard
        },
        tags: crate::tags::own_tags(tags_all, old.tags.as_ref(), default_tags),
    }
}

/// Advanced → Standard: AWS cannot do it in place.
pub(crate) fn is_tier_downgrade(old_inputs: &Json, news: &Json) -> bool {
    let tier = |v: &Json| v.get("tier").and_then(Json::as_str).map(str::to_string);
    tier(old_inputs).as_deref() == Some("Advanced") && tier(news).as_deref() == Some("Standard")
}
