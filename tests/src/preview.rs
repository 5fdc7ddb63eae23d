//! The document `pulumi preview --json` prints (pulumi v3.274.1, `display.PreviewDigest`):
//! `{"config": {..}, "steps": [{"op", "urn", "provider", "oldState", "newState", "diffReasons",
//! "replaceReasons", "detailedDiff"}], "diagnostics": [{"urn", "message", "severity"}],
//! "duration": ns, "changeSummary": {"create": 2, ..}}`.
//! `op` is one of `same`, `create`, `update`, `delete`, `replace`, `create-replacement`,
//! `delete-replaced`, `read`, `read-replacement`, `refresh`, `discard`, `discard-replaced`,
//! `remove-pending-replace`, `import`, `import-replacement`. `same` steps are omitted (except the
//! root stack's), and so are the non-logical halves of a replacement: a replace shows as one
//! `replace` step.

use std::collections::BTreeMap;

use serde_json::Value;

#[derive(Debug, Clone)]
pub struct PreviewStep {
    pub op: String,
    pub urn: String,
    /// Resource type from the URN, e.g. `fargate:ecs:Cluster`.
    pub resource_type: String,
    /// Resource name from the URN, e.g. `main`.
    pub name: String,
    pub diff_reasons: Vec<String>,
    pub replace_reasons: Vec<String>,
    pub detailed_diff: Value,
    pub raw: Value,
}

#[derive(Debug, Clone)]
pub struct Preview {
    pub steps: Vec<PreviewStep>,
    pub change_summary: BTreeMap<String, u64>,
    pub diagnostics: Vec<String>,
    pub raw: Value,
}

impl Preview {
    pub fn parse(json: &str) -> Result<Preview, String> {
        let raw: Value = serde_json::from_str(json)
            .map_err(|e| format!("preview --json output is not JSON: {e}"))?;
        let strings = |v: Option<&Value>| -> Vec<String> {
            v.and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let steps = raw["steps"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|s| {
                let urn = s["urn"].as_str().unwrap_or_default().to_string();
                let (resource_type, name) = split_urn(&urn);
                PreviewStep {
                    op: s["op"].as_str().unwrap_or_default().to_string(),
                    resource_type,
                    name,
                    urn,
                    diff_reasons: strings(s.get("diffReasons")),
                    replace_reasons: strings(s.get("replaceReasons")),
                    detailed_diff: s.get("detailedDiff").cloned().unwrap_or(Value::Null),
                    raw: s.clone(),
                }
            })
            .collect();
        let change_summary = raw["changeSummary"]
            .as_object()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_u64()?)))
                    .collect()
            })
            .unwrap_or_default();
        let diagnostics = raw["diagnostics"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter_map(|d| d["message"].as_str().map(str::to_string))
            .collect();
        Ok(Preview {
            steps,
            change_summary,
            diagnostics,
            raw,
        })
    }

    /// The steps on resources of one type.
    pub fn steps_of_type(&self, resource_type: &str) -> Vec<&PreviewStep> {
        self.steps
            .iter()
            .filter(|s| s.resource_type == resource_type)
            .collect()
    }

    /// `(type, name, op)` of every step that changes something (not `same`).
    pub fn changes(&self) -> std::collections::BTreeSet<(String, String, String)> {
        self.summary()
            .into_iter()
            .filter(|(_, _, op)| op != "same")
            .collect()
    }

    /// `(type, name, op)` of every step, for assertion messages.
    pub fn summary(&self) -> Vec<(String, String, String)> {
        self.steps
            .iter()
            .map(|s| (s.resource_type.clone(), s.name.clone(), s.op.clone()))
            .collect()
    }
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

/// Resources of `resource_type` in a `pulumi stack export` document.
pub fn exported_resources<'a>(export: &'a Value, resource_type: &str) -> Vec<&'a Value> {
    export["deployment"]["resources"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter(|r| r["type"] == resource_type)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_digest() {
        let json = r#"{
          "config": {"skeleton:clusterName": "x"},
          "steps": [
            {"op": "same", "urn": "urn:pulumi:dev::skeleton::pulumi:pulumi:Stack::skeleton-dev"},
            {"op": "create", "urn": "urn:pulumi:dev::skeleton::pulumi:providers:fargate::default"},
            {"op": "update", "urn": "urn:pulumi:dev::skeleton::pulumi:pulumi:Stack$fargate:ecs:Cluster::main",
             "diffReasons": ["tags"], "detailedDiff": {"tags.team": {"kind": "update", "inputDiff": true}}}
          ],
          "duration": 12, "changeSummary": {"same": 1, "update": 1}
        }"#;
        let p = Preview::parse(json).unwrap();
        let cluster = p.steps_of_type("fargate:ecs:Cluster");
        assert_eq!(cluster.len(), 1);
        assert_eq!(
            (cluster[0].op.as_str(), cluster[0].name.as_str()),
            ("update", "main")
        );
        assert_eq!(cluster[0].diff_reasons, ["tags"]);
        assert_eq!(p.change_summary["update"], 1);
        assert_eq!(
            p.steps_of_type("pulumi:providers:fargate")[0].name,
            "default"
        );
    }
}
