//! Tag bookkeeping shared by every taggable resource.

use std::collections::BTreeMap;

use crate::diff::{ChangeKind, Diff, DiffInput};

/// A change of the provider's `defaultTags` shows only in a resource's `tagsAll` output: record
/// it as a `tags` update so the next `up` re-tags the resource.
pub fn record_default_tag_drift(input: &DiffInput<'_>, diff: &mut Diff) {
    let Some(actual) = input.old_outputs.get("tagsAll") else {
        return;
    };
    let actual: BTreeMap<String, String> =
        serde_json::from_value(actual.clone()).unwrap_or_default();
    let mut expected = input.default_tags.clone();
    if let Some(own) = input.news.get("tags").and_then(|t| t.as_object()) {
        for (k, v) in own {
            if pulumi_rs_proto::value::is_unknown(v) {
                // Unknown at preview: it may change, which the input diff already says.
                return;
            }
            expected.insert(k.clone(), v.as_str().unwrap_or_default().to_string());
        }
    }
    if expected != actual && !diff.changed_properties().contains("tags") {
        diff.record("tags".into(), ChangeKind::Update);
    }
}

/// The tags that belong in a resource's inputs when reading it back: every tag on the cloud
/// resource except the provider's default tags, unless the program set that key itself.
/// Check drops empty tag maps, so "no tags" is always `None`.
pub fn own_tags(
    all: &BTreeMap<String, String>,
    own: Option<&BTreeMap<String, String>>,
    defaults: &BTreeMap<String, String>,
) -> Option<BTreeMap<String, String>> {
    let kept: BTreeMap<String, String> = all
        .iter()
        .filter(|(k, v)| own.is_some_and(|o| o.contains_key(*k)) || defaults.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    (!kept.is_empty()).then_some(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_left_out_unless_the_program_set_them() {
        let all = map(&[("env", "dev"), ("team", "api")]);
        let defaults = map(&[("env", "dev")]);
        assert_eq!(
            own_tags(&all, None, &defaults),
            Some(map(&[("team", "api")]))
        );
        let own = map(&[("env", "dev"), ("team", "api")]);
        assert_eq!(own_tags(&all, Some(&own), &defaults), Some(own.clone()));
        assert_eq!(own_tags(&map(&[("env", "dev")]), None, &defaults), None);
    }
}
