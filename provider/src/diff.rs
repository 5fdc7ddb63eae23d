//! Detailed diffs: property paths and how each changed, compared on plain JSON.

use std::collections::{BTreeMap, BTreeSet};

use pulumi_rs_proto::value::{contains_unknowns, is_unknown};
use serde_json::{Map, Value as Json};

/// Old state and new inputs handed to Diff, as plain JSON (secrets unwrapped).
pub struct DiffInput<'a> {
    pub old_inputs: &'a Json,
    pub old_outputs: &'a Json,
    pub news: &'a Json,
    pub default_tags: &'a BTreeMap<String, String>,
}

/// How one property changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Add,
    Delete,
    Update,
}

/// A detailed diff: property path → change, plus which top-level properties force replacement.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Diff {
    pub changes: BTreeMap<String, ChangeKind>,
    pub replaces: BTreeSet<String>,
    pub delete_before_replace: bool,
}

impl Diff {
    /// Top-level property names that changed (what the engine calls `diffs`).
    pub fn changed_properties(&self) -> BTreeSet<String> {
        self.changes
            .keys()
            .map(|p| top_level_key(p).to_string())
            .collect()
    }

    pub fn is_replace(&self) -> bool {
        !self.replaces.is_empty()
    }

    pub fn has_changes(&self) -> bool {
        !self.changes.is_empty()
    }

    pub fn record(&mut self, path: String, kind: ChangeKind) {
        self.changes.insert(path, kind);
    }
}

/// The top-level key of a property path (`tags["a.b"]` → `tags`, `containers[0].x` → `containers`).
pub fn top_level_key(path: &str) -> &str {
    path.split(['.', '[']).next().unwrap_or(path)
}

/// Property-by-property comparison of inputs; `null` and absent are the same.
pub fn diff_inputs(old: &Json, new: &Json, replace_on_changes: &[&str]) -> Diff {
    let mut diff = Diff::default();
    let empty = Map::new();
    let old_map = old.as_object().unwrap_or(&empty);
    let new_map = new.as_object().unwrap_or(&empty);
    let keys: BTreeSet<&String> = old_map.keys().chain(new_map.keys()).collect();
    for key in keys {
        let path = format_key(None, key);
        diff_value(
            old_map.get(key).unwrap_or(&Json::Null),
            new_map.get(key).unwrap_or(&Json::Null),
            path,
            &mut diff,
        );
    }
    for top in diff.changed_properties() {
        if replace_on_changes.contains(&top.as_str()) {
            diff.replaces.insert(top);
        }
    }
    diff
}

fn diff_value(old: &Json, new: &Json, path: String, diff: &mut Diff) {
    if is_unknown(new) {
        // Unknown at preview: it may change, so say so.
        diff.record(path, ChangeKind::Update);
        return;
    }
    match (old, new) {
        (Json::Null, Json::Null) => {}
        (Json::Null, _) => diff.record(path, ChangeKind::Add),
        (_, Json::Null) => diff.record(path, ChangeKind::Delete),
        (Json::Object(o), Json::Object(n)) => {
            let keys: BTreeSet<&String> = o.keys().chain(n.keys()).collect();
            for key in keys {
                diff_value(
                    o.get(key).unwrap_or(&Json::Null),
                    n.get(key).unwrap_or(&Json::Null),
                    format_key(Some(&path), key),
                    diff,
                );
            }
        }
        (Json::Array(o), Json::Array(n)) if o.len() == n.len() => {
            for (i, (a, b)) in o.iter().zip(n).enumerate() {
                diff_value(a, b, format!("{path}[{i}]"), diff);
            }
        }
        (a, b) if a != b || contains_unknowns(b) => diff.record(path, ChangeKind::Update),
        _ => {}
    }
}

/// Formats one step of a Pulumi property path: `a.b` for simple keys, `a["x.y"]` otherwise.
fn format_key(parent: Option<&str>, key: &str) -> String {
    let simple = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
        && !key.starts_with(|c: char| c.is_ascii_digit());
    match (parent, simple) {
        (None, true) => key.to_string(),
        (None, false) => format!(
            "[{}]",
            serde_json::to_string(key).expect("strings serialise")
        ),
        (Some(p), true) => format!("{p}.{key}"),
        (Some(p), false) => format!(
            "{p}[{}]",
            serde_json::to_string(key).expect("strings serialise")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulumi_rs_proto::value::UNKNOWN;
    use serde_json::json;

    #[test]
    fn unchanged_inputs_have_no_diff() {
        let a = json!({"name": "x", "tags": {"a": "1"}});
        assert!(!diff_inputs(&a, &a, &["name"]).has_changes());
    }

    #[test]
    fn nested_changes_name_their_paths() {
        let old = json!({"name": "x", "tags": {"a": "1", "b": "2"}, "list": [{"p": 1}]});
        let new =
            json!({"name": "x", "tags": {"a": "9", "c": "3", "d.e": "4"}, "list": [{"p": 2}]});
        let d = diff_inputs(&old, &new, &["name"]);
        assert_eq!(d.changes.get("tags.a"), Some(&ChangeKind::Update));
        assert_eq!(d.changes.get("tags.b"), Some(&ChangeKind::Delete));
        assert_eq!(d.changes.get("tags.c"), Some(&ChangeKind::Add));
        assert_eq!(d.changes.get("tags[\"d.e\"]"), Some(&ChangeKind::Add));
        assert_eq!(d.changes.get("list[0].p"), Some(&ChangeKind::Update));
        assert!(!d.is_replace());
        assert_eq!(
            d.changed_properties().into_iter().collect::<Vec<_>>(),
            vec!["list", "tags"]
        );
    }

    #[test]
    fn replace_keys_force_replacement() {
        let d = diff_inputs(&json!({"name": "a"}), &json!({"name": "b"}), &["name"]);
        assert!(d.is_replace());
        assert!(d.replaces.contains("name"));
    }

    #[test]
    fn unknown_new_values_count_as_changes() {
        let d = diff_inputs(&json!({"name": "a"}), &json!({"name": UNKNOWN}), &["name"]);
        assert!(d.is_replace());
        let d = diff_inputs(&json!({"arn": "a"}), &json!({"arn": UNKNOWN}), &[]);
        assert_eq!(d.changes.get("arn"), Some(&ChangeKind::Update));
    }

    #[test]
    fn null_and_absent_are_equal() {
        let d = diff_inputs(&json!({"a": null}), &json!({}), &[]);
        assert!(!d.has_changes());
    }

    #[test]
    fn different_length_lists_change_as_a_whole() {
        let d = diff_inputs(&json!({"l": [1]}), &json!({"l": [1, 2]}), &[]);
        assert_eq!(d.changes.get("l"), Some(&ChangeKind::Update));
    }

    #[test]
    fn top_level_keys() {
        assert_eq!(top_level_key("tags[\"a.b\"]"), "tags");
        assert_eq!(top_level_key("containers[0].x"), "containers");
        assert_eq!(top_level_key("name"), "name");
        assert_eq!(top_level_key("network.subnets"), "network");
    }
}
