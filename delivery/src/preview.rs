//! The document `pulumi preview --json` prints (pulumi v3.274.1, `display.PreviewDigest`):
//! `{"config", "steps": [{"op", "urn", "oldState", "newState", "diffReasons",
//! "replaceReasons", "detailedDiff"}], "diagnostics": [{"urn", "message", "severity"}],
//! "duration", "changeSummary": {"create": 2, ..}}`. `same` steps are omitted except the root
//! stack's, and a replacement shows as one `replace` step. A failed preview prints the same
//! document with error diagnostics (and possibly no `changeSummary`).

use std::collections::BTreeMap;

use serde_json::Value;

/// The root stack resource: its step is bookkeeping, not a change anyone reviews.
pub const STACK_TYPE: &str = "pulumi:pulumi:Stack";

/// How a step is grouped in the comment, in the order the comment lists them: what destroys
/// something first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Category {
    Replace,
    Delete,
    Update,
    Create,
    /// `read`, `import`, `refresh`, `discard`, ...: shown with their op.
    Other,
}

impl Category {
    pub fn of(op: &str) -> Option<Category> {
        Some(match op {
            "same" => return None,
            "replace" | "create-replacement" | "delete-replaced" | "import-replacement"
            | "read-replacement" | "discard-replaced" => Category::Replace,
            "delete" | "discard" => Category::Delete,
            "update" => Category::Update,
            "create" => Category::Create,
            _ => Category::Other,
        })
    }
}

/// One entry of `detailedDiff`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyDiff {
    /// The property path, e.g. `containers[0].image`.
    pub path: String,
    /// `add`, `delete` or `update`, without the `-replace` suffix.
    pub kind: String,
    pub replaces: bool,
    /// Whether the difference is between inputs (else between old outputs and new inputs).
    pub input_diff: bool,
}

#[derive(Debug, Clone)]
pub struct Step {
    pub op: String,
    pub category: Category,
    pub urn: String,
    /// e.g. `fargate:ecs:Service`.
    pub resource_type: String,
    /// The resource's logical name, e.g. `api`.
    pub name: String,
    /// Property differences: `detailedDiff` when the provider gave one, else `diffReasons`
    /// (as updates), sorted by path.
    pub diffs: Vec<PropertyDiff>,
    pub replace_reasons: Vec<String>,
    pub old_inputs: Option<Value>,
    pub old_outputs: Option<Value>,
    pub new_inputs: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: String,
    pub urn: Option<String>,
    pub message: String,
}

/// One stack's preview.
#[derive(Debug, Clone)]
pub struct StackPreview {
    /// The stack's name as the comment shows it.
    pub stack: String,
    /// Changed resources (the root stack and `same` steps left out), in the document's order.
    pub steps: Vec<Step>,
    /// `changeSummary`, or `None` when the preview failed before producing one.
    pub change_summary: Option<BTreeMap<String, u64>>,
    pub diagnostics: Vec<Diagnostic>,
}

impl StackPreview {
    /// Parses one document; `label` names the stack, else it is taken from the steps' URNs.
    pub fn parse(label: Option<&str>, json: &str) -> Result<StackPreview, String> {
        let raw: Value = serde_json::from_str(json)
            .map_err(|e| format!("not a `pulumi preview --json` document: {e}"))?;
        if !raw.is_object() {
            return Err("not a `pulumi preview --json` document: not a JSON object".into());
        }
        let all_steps = raw["steps"].as_array().map(Vec::as_slice).unwrap_or(&[]);
        let stack = label
            .map(str::to_string)
            .or_else(|| {
                all_steps
                    .iter()
                    .find_map(|s| s["urn"].as_str().and_then(stack_of_urn))
            })
            .unwrap_or_else(|| "(unknown stack)".to_string());
        let steps = all_steps.iter().filter_map(parse_step).collect();
        let change_summary = raw["changeSummary"].as_object().map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_u64()?)))
                .collect()
        });
        let diagnostics = raw["diagnostics"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .filter_map(|d| {
                Some(Diagnostic {
                    severity: d["severity"].as_str().unwrap_or("info").to_string(),
                    urn: d["urn"].as_str().map(str::to_string),
                    message: d["message"].as_str()?.to_string(),
                })
            })
            .collect();
        Ok(StackPreview {
            stack,
            steps,
            change_summary,
            diagnostics,
        })
    }

    /// A stack whose preview printed no document (pulumi failed before it could, or the file
    /// is missing): the comment still has its section, saying so.
    pub fn unavailable(stack: &str, reason: &str) -> StackPreview {
        StackPreview {
            stack: stack.to_string(),
            steps: Vec::new(),
            change_summary: None,
            diagnostics: vec![Diagnostic {
                severity: "error".into(),
                urn: None,
                message: format!("no `pulumi preview --json` document: {reason}; see the job log"),
            }],
        }
    }

    /// Whether the preview failed: an error diagnostic, or no summary at all.
    pub fn failed(&self) -> bool {
        self.change_summary.is_none() || self.diagnostics.iter().any(|d| d.severity == "error")
    }
}

fn parse_step(s: &Value) -> Option<Step> {
    let op = s["op"].as_str()?.to_string();
    let category = Category::of(&op)?;
    let urn = s["urn"].as_str()?.to_string();
    let (urn_type, name) = split_urn(&urn);
    let resource_type = s["newState"]["type"]
        .as_str()
        .or_else(|| s["oldState"]["type"].as_str())
        .map(str::to_string)
        .unwrap_or(urn_type);
    if resource_type == STACK_TYPE {
        return None;
    }
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let replace_reasons = strings(&s["replaceReasons"]);
    let mut diffs: Vec<PropertyDiff> = match s["detailedDiff"].as_object() {
        Some(d) => d
            .iter()
            .map(|(path, diff)| {
                let kind = diff["kind"].as_str().unwrap_or("update");
                let (kind, replaces) = match kind.strip_suffix("-replace") {
                    Some(k) => (k, true),
                    None => (kind, false),
                };
                PropertyDiff {
                    path: path.clone(),
                    kind: kind.to_string(),
                    replaces: replaces || replace_reasons.contains(path),
                    input_diff: diff["inputDiff"].as_bool().unwrap_or(false),
                }
            })
            .collect(),
        None => strings(&s["diffReasons"])
            .into_iter()
            .map(|path| PropertyDiff {
                replaces: replace_reasons.contains(&path),
                path,
                kind: "update".into(),
                input_diff: true,
            })
            .collect(),
    };
    diffs.sort_by(|a, b| a.path.cmp(&b.path));
    let object = |v: &Value| v.is_object().then(|| v.clone());
    Some(Step {
        op,
        category,
        urn,
        resource_type,
        name,
        diffs,
        replace_reasons,
        old_inputs: object(&s["oldState"]["inputs"]),
        old_outputs: object(&s["oldState"]["outputs"]),
        new_inputs: object(&s["newState"]["inputs"]),
    })
}

/// `urn:pulumi:<stack>::<project>::<parent$type>::<name>` -> (`type`, `name`).
pub fn split_urn(urn: &str) -> (String, String) {
    let mut parts = urn.splitn(4, "::");
    let _stack = parts.next();
    let _project = parts.next();
    let qualified = parts.next().unwrap_or_default();
    let name = parts.next().unwrap_or_default();
    let ty = qualified.rsplit('$').next().unwrap_or_default();
    (ty.to_string(), name.to_string())
}

/// The stack named in a URN (`urn:pulumi:<stack>::...`).
pub fn stack_of_urn(urn: &str) -> Option<String> {
    urn.strip_prefix("urn:pulumi:")?
        .split("::")
        .next()
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{
      "steps": [
        {"op": "same", "urn": "urn:pulumi:prod::p::pulumi:pulumi:Stack::p-prod"},
        {"op": "replace", "urn": "urn:pulumi:prod::p::fargate:ecs:Cluster::main",
         "newState": {"type": "fargate:ecs:Cluster", "inputs": {"name": "b"}},
         "oldState": {"type": "fargate:ecs:Cluster", "inputs": {"name": "a"}},
         "replaceReasons": ["name"],
         "detailedDiff": {"name": {"kind": "update-replace", "inputDiff": true},
                          "tags.team": {"kind": "add", "inputDiff": true}}},
        {"op": "update", "urn": "urn:pulumi:prod::p::pulumi:pulumi:Stack$x:y:Z::legacy",
         "diffReasons": ["b", "a"]}
      ],
      "diagnostics": [{"severity": "warning", "message": "careful"}],
      "changeSummary": {"replace": 1, "update": 1, "same": 1}
    }"#;

    #[test]
    fn parses_steps_diffs_and_stack() {
        let p = StackPreview::parse(None, DOC).unwrap();
        assert_eq!(p.stack, "prod");
        assert!(!p.failed());
        assert_eq!(p.steps.len(), 2, "the root stack's step is left out");
        let cluster = &p.steps[0];
        assert_eq!(cluster.category, Category::Replace);
        assert_eq!(
            (cluster.resource_type.as_str(), cluster.name.as_str()),
            ("fargate:ecs:Cluster", "main")
        );
        assert_eq!(
            cluster
                .diffs
                .iter()
                .map(|d| (d.path.as_str(), d.kind.as_str(), d.replaces))
                .collect::<Vec<_>>(),
            [("name", "update", true), ("tags.team", "add", false)]
        );
        let legacy = &p.steps[1];
        assert_eq!(legacy.resource_type, "x:y:Z", "type from the URN");
        assert_eq!(
            legacy
                .diffs
                .iter()
                .map(|d| d.path.as_str())
                .collect::<Vec<_>>(),
            ["a", "b"],
            "diffReasons when there is no detailedDiff, sorted"
        );
        assert_eq!(p.diagnostics[0].message, "careful");
    }

    #[test]
    fn label_overrides_and_failures() {
        let p = StackPreview::parse(Some("production"), DOC).unwrap();
        assert_eq!(p.stack, "production");
        let failed = StackPreview::parse(
            Some("staging"),
            r#"{"steps": [], "diagnostics": [{"severity": "error", "message": "boom"}]}"#,
        )
        .unwrap();
        assert!(failed.failed());
        assert!(StackPreview::parse(None, "[]").is_err());
        assert!(StackPreview::parse(None, "not json").is_err());
    }
}
