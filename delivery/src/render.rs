//! The pull-request comment: one Markdown document for the previews of one or more stacks.
//!
//! Stable: the same documents give the same bytes (everything shown is sorted; nothing depends
//! on the JSON's key order, the clock or the machine), so CI can skip editing an unchanged
//! comment and the golden tests can compare bytes. The first line is a hidden marker CI looks
//! for to update its own comment instead of adding one per push.

pub use crate::preview::StackPreview;

use serde_json::Value;

use crate::mask;
use crate::path;
use crate::preview::{Category, PropertyDiff, Step};
use crate::risk::{self, UNKNOWN};

/// The first line of every comment; CI finds its comment by it.
pub const MARKER: &str = "<!-- sotex-ci:preview-comment -->";

/// GitHub refuses comments over 65536 characters; past this the tables are cut.
const MAX_COMMENT_CHARS: usize = 60_000;
/// Longer values are shortened in the table (an ARN fits).
const MAX_VALUE_CHARS: usize = 100;

/// Renders the comment for these stacks, in the order given.
pub fn render_comment(stacks: &[StackPreview]) -> String {
    let mut out = String::new();
    out.push_str(MARKER);
    out.push_str("\n## Infrastructure preview\n");
    for stack in stacks {
        out.push('\n');
        render_stack(stack, &mut out);
    }
    out.push_str(
        "\n<sub>Rendered by `sotex-ci preview-comment` from `pulumi preview --json`. \
         Secret and secret-looking values are masked. \
         This comment is updated on every push.</sub>\n",
    );
    if out.chars().count() > MAX_COMMENT_CHARS {
        let cut: String = out.chars().take(MAX_COMMENT_CHARS).collect();
        let cut = cut.rsplit_once('\n').map(|(keep, _)| keep).unwrap_or(&cut);
        return format!(
            "{cut}\n\n**The preview is too long for a comment and was cut here;** the full \
             output is in the job log.\n"
        );
    }
    out
}

fn render_stack(stack: &StackPreview, out: &mut String) {
    let title = format!("### `{}`", inline(&stack.stack));
    let Some(summary) = &stack.change_summary else {
        out.push_str(&format!("{title}: ❌ preview failed\n"));
        render_diagnostics(stack, out);
        return;
    };
    let failed = if stack.failed() {
        " — ❌ preview failed"
    } else {
        ""
    };
    out.push_str(&format!(
        "{title}: {}{failed}\n",
        counts(summary).join(", ")
    ));

    let mut steps: Vec<&Step> = stack.steps.iter().collect();
    steps.sort_by(|a, b| {
        (a.category, &a.resource_type, &a.name, &a.urn).cmp(&(
            b.category,
            &b.resource_type,
            &b.name,
            &b.urn,
        ))
    });
    if steps.is_empty() {
        out.push_str("\nNo resource changes.\n");
        render_diagnostics(stack, out);
        return;
    }
    render_risks(&steps, out);
    render_destructive(&steps, out);
    let rollouts = risk::rollout_estimates(&steps);
    if !rollouts.is_empty() {
        out.push_str("\n**Rollout:**\n");
        for r in &rollouts {
            out.push_str(&format!("- {r}\n"));
        }
    }
    render_table(&steps, out);
    render_diagnostics(stack, out);
}

/// The change counts of a stack, every operation pulumi counted included.
fn counts(summary: &std::collections::BTreeMap<String, u64>) -> Vec<String> {
    let count = |keys: &[&str]| -> u64 { keys.iter().filter_map(|k| summary.get(*k)).sum() };
    let mut counts = vec![
        format!("{} to create", count(&["create"])),
        format!("{} to update", count(&["update"])),
        format!("{} to replace", count(&["replace", "create-replacement"])),
        format!("{} to delete", count(&["delete"])),
        format!("{} unchanged", count(&["same"])),
    ];
    // Anything else pulumi counted (imports, reads, ...), so the totals add up.
    let known = [
        "create",
        "update",
        "replace",
        "create-replacement",
        "delete-replaced",
        "delete",
        "same",
    ];
    for (op, n) in summary {
        if !known.contains(&op.as_str()) && *n > 0 {
            counts.push(format!("{n} to {op}"));
        }
    }
    counts
}

fn render_risks(steps: &[&Step], out: &mut String) {
    let risks = risk::downtime_risks(steps);
    out.push('\n');
    if risks.is_empty() {
        out.push_str("**Downtime risk:** none found.\n");
    } else {
        out.push_str("> [!WARNING]\n> **Downtime risk**\n");
        for r in &risks {
            out.push_str(&format!("> - {r}\n"));
        }
    }
}

/// One line naming every replaced or deleted resource, with why it is replaced.
fn render_destructive(steps: &[&Step], out: &mut String) {
    let destructive: Vec<&&Step> = steps
        .iter()
        .filter(|s| matches!(s.category, Category::Replace | Category::Delete))
        .collect();
    if destructive.is_empty() {
        return;
    }
    out.push_str("\n**Replaced or deleted:** ");
    let items: Vec<String> = destructive
        .iter()
        .map(|s| {
            let why = if s.replace_reasons.is_empty() {
                String::new()
            } else {
                let mut reasons = s.replace_reasons.clone();
                reasons.sort();
                format!(
                    " (because of {})",
                    reasons
                        .iter()
                        .map(|r| format!("`{}`", inline(r)))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            format!(
                "{} `{}` ({}){why}",
                s.op,
                inline(&s.name),
                inline(&s.resource_type)
            )
        })
        .collect();
    out.push_str(&items.join("; "));
    out.push('\n');
}

fn render_table(steps: &[&Step], out: &mut String) {
    out.push_str("\n| Change | Resource | Type | Changed properties |\n|---|---|---|---|\n");
    for s in steps {
        let op = match s.category {
            Category::Replace | Category::Delete => format!("**{}**", s.op),
            _ => s.op.clone(),
        };
        let props: Vec<String> = s.diffs.iter().map(|d| property(s, d)).collect();
        let props = if props.is_empty() {
            "—".to_string()
        } else {
            props.join("<br>")
        };
        out.push_str(&format!(
            "| {op} | `{}` | `{}` | {props} |\n",
            cell(&s.name),
            cell(&s.resource_type),
        ));
    }
}

fn render_diagnostics(stack: &StackPreview, out: &mut String) {
    let mut shown: Vec<_> = stack
        .diagnostics
        .iter()
        .filter(|d| matches!(d.severity.as_str(), "error" | "warning"))
        .collect();
    if shown.is_empty() {
        return;
    }
    // Errors first; then as pulumi printed them.
    shown.sort_by_key(|d| d.severity != "error");
    out.push_str("\n**Diagnostics:**\n\n```text\n");
    for d in shown {
        let resource = d
            .urn
            .as_deref()
            .map(|u| {
                let (ty, name) = crate::preview::split_urn(u);
                format!(" {ty} {name}")
            })
            .unwrap_or_default();
        let message = mask::mask_text(d.message.trim_end()).replace("```", "'''");
        out.push_str(&format!("{}{resource}: {message}\n", d.severity));
    }
    out.push_str("```\n");
}

/// One changed property: its path, and for a scalar its old and new value.
fn property(step: &Step, diff: &PropertyDiff) -> String {
    let mut text = format!("`{}`", cell(&diff.path));
    let segments = path::parse(&diff.path);
    let secret_name = segments
        .as_deref()
        .and_then(path::last_key)
        .is_some_and(mask::is_secret_name);
    let value_at = |root: &Option<Value>| -> Option<Value> {
        let segments = segments.as_ref()?;
        path::lookup_or_secret(root.as_ref()?, segments, mask::is_marked_secret).cloned()
    };
    // Input diffs compare inputs; others compare the old outputs with the new inputs.
    let old = if diff.input_diff {
        value_at(&step.old_inputs)
    } else {
        value_at(&step.old_outputs).or_else(|| value_at(&step.old_inputs))
    };
    let new = value_at(&step.new_inputs);
    let shown = |v: &Option<Value>| -> Option<String> {
        let v = v.as_ref()?;
        if secret_name || mask::contains_secret(v) {
            return Some(format!("`{}`", mask::MASK));
        }
        scalar(v)
    };
    match diff.kind.as_str() {
        "add" => {
            if let Some(n) = shown(&new) {
                text.push_str(&format!(" added: {n}"));
            } else {
                text.push_str(" added");
            }
        }
        "delete" => {
            if let Some(o) = shown(&old) {
                text.push_str(&format!(" removed (was {o})"));
            } else {
                text.push_str(" removed");
            }
        }
        _ => match (shown(&old), shown(&new)) {
            (Some(o), Some(n)) => text.push_str(&format!(": {o} → {n}")),
            (None, Some(n)) => text.push_str(&format!(" → {n}")),
            _ => {}
        },
    }
    if diff.replaces {
        text.push_str(" **(forces replacement)**");
    }
    text
}

/// A scalar value as a table cell; `None` for objects and arrays (their paths say enough).
fn scalar(v: &Value) -> Option<String> {
    Some(match v {
        Value::String(s) if s == UNKNOWN => "_(known after deploy)_".to_string(),
        Value::String(s) => {
            let short: String = s.chars().take(MAX_VALUE_CHARS).collect();
            let ellipsis = if short.len() < s.len() { "…" } else { "" };
            format!("`{}{ellipsis}`", cell(&short))
        }
        Value::Number(n) => format!("`{n}`"),
        Value::Bool(b) => format!("`{b}`"),
        Value::Null => "_(none)_".to_string(),
        Value::Array(_) | Value::Object(_) => return None,
    })
}

/// Text inside a table cell's code span: no pipes, backticks or line breaks.
fn cell(s: &str) -> String {
    inline(s).replace('|', "\\|")
}

/// Text inside an inline code span: no backticks or line breaks.
fn inline(s: &str) -> String {
    s.replace('`', "'").replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(steps: &str) -> StackPreview {
        let json =
            format!(r#"{{"steps": [{steps}], "changeSummary": {{"update": 1, "same": 2}}}}"#);
        StackPreview::parse(Some("staging"), &json).unwrap()
    }

    #[test]
    fn starts_with_the_marker_and_is_stable() {
        let p = doc(
            r#"{"op": "update", "urn": "urn:pulumi:staging::p::fargate:ecs:Cluster::main",
                "detailedDiff": {"tags.b": {"kind": "add", "inputDiff": true},
                                 "tags.a": {"kind": "update", "inputDiff": true}},
                "oldState": {"type": "fargate:ecs:Cluster", "inputs": {"tags": {"a": "1"}}},
                "newState": {"type": "fargate:ecs:Cluster", "inputs": {"tags": {"a": "2", "b": "x"}}}}"#,
        );
        let text = render_comment(std::slice::from_ref(&p));
        assert!(text.starts_with(MARKER), "{text}");
        assert_eq!(text, render_comment(&[p]));
        assert!(
            text.contains(
                "| update | `main` | `fargate:ecs:Cluster` | `tags.a`: `1` → `2`<br>`tags.b` added: `x` |"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "### `staging`: 0 to create, 1 to update, 0 to replace, 0 to delete, 2 unchanged"
            ),
            "{text}"
        );
        assert!(text.contains("**Downtime risk:** none found."), "{text}");
    }

    #[test]
    fn secrets_never_reach_the_comment() {
        let p = doc(
            r#"{"op": "update", "urn": "urn:pulumi:staging::p::fargate:ecs:TaskDefinition::api",
                "detailedDiff": {
                  "containers[0].environment.DB_PASSWORD": {"kind": "update", "inputDiff": true},
                  "containers[0].environment.LEGACY_ID": {"kind": "update", "inputDiff": true},
                  "containers[0].environment.MODE": {"kind": "update", "inputDiff": true},
                  "apiKey": {"kind": "add", "inputDiff": true},
                  "marked": {"kind": "update", "inputDiff": true},
                  "signed": {"kind": "update", "inputDiff": true}},
                "oldState": {"type": "fargate:ecs:TaskDefinition", "inputs": {
                  "containers": [{"environment": {"DB_PASSWORD": "old-pw-1", "LEGACY_ID": "AKIAIOSFODNN7EXAMPLE", "MODE": "a"}}],
                  "marked": "[secret]",
                  "signed": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": "plain-old"}}},
                "newState": {"type": "fargate:ecs:TaskDefinition", "inputs": {
                  "containers": [{"environment": {"DB_PASSWORD": "new-pw-2", "LEGACY_ID": "AKIAI44QH8DHBEXAMPLE", "MODE": "b"}}],
                  "apiKey": "k-123",
                  "marked": "[secret]",
                  "signed": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": "plain-new"}}}}"#,
        );
        let text = render_comment(&[p]);
        for leaked in [
            "old-pw-1",
            "new-pw-2",
            "AKIA",
            "k-123",
            "plain-old",
            "plain-new",
        ] {
            assert!(!text.contains(leaked), "{leaked} leaked:\n{text}");
        }
        assert!(
            text.contains("`containers[0].environment.DB_PASSWORD`: `[secret]` → `[secret]`"),
            "{text}"
        );
        assert!(text.contains("`apiKey` added: `[secret]`"), "{text}");
        assert!(
            text.contains("`containers[0].environment.MODE`: `a` → `b`"),
            "{text}"
        );
    }

    #[test]
    fn replacements_and_deletions_come_first() {
        let p = doc(
            r#"{"op": "create", "urn": "urn:pulumi:staging::p::fargate:ecs:Cluster::a"},
               {"op": "update", "urn": "urn:pulumi:staging::p::fargate:ecs:Cluster::b", "diffReasons": ["tags"]},
               {"op": "delete", "urn": "urn:pulumi:staging::p::fargate:ecs:Service::c"},
               {"op": "replace", "urn": "urn:pulumi:staging::p::fargate:lb:LoadBalancer::d",
                "replaceReasons": ["internal"],
                "detailedDiff": {"internal": {"kind": "update-replace", "inputDiff": true}},
                "oldState": {"inputs": {"internal": false}}, "newState": {"inputs": {"internal": true}}}"#,
        );
        let text = render_comment(&[p]);
        let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("| ")).collect();
        assert_eq!(rows.len(), 5, "{text}");
        assert!(rows[1].starts_with("| **replace** | `d`"), "{text}");
        assert!(rows[1].contains("`internal`: `false` → `true` **(forces replacement)**"));
        assert!(rows[2].starts_with("| **delete** | `c`"), "{text}");
        assert!(rows[3].starts_with("| update | `b`"), "{text}");
        assert!(rows[4].starts_with("| create | `a`"), "{text}");
        assert!(text.contains("**Replaced or deleted:** replace `d` (fargate:lb:LoadBalancer) (because of `internal`); delete `c` (fargate:ecs:Service)"), "{text}");
        assert!(text.contains("> [!WARNING]"), "{text}");
        assert!(text.contains("new DNS name"), "{text}");
    }

    #[test]
    fn failed_previews_show_their_errors() {
        let p = StackPreview::parse(
            Some("production"),
            r#"{"steps": [], "diagnostics": [
                {"severity": "info", "message": "noise"},
                {"severity": "error", "urn": "urn:pulumi:production::p::fargate:ecs:Service::api",
                 "message": "desiredCount: -1 is not allowed; key AKIAIOSFODNN7EXAMPLE"}]}"#,
        )
        .unwrap();
        let text = render_comment(&[p]);
        assert!(
            text.contains("### `production`: ❌ preview failed"),
            "{text}"
        );
        assert!(
            text.contains(
                "error fargate:ecs:Service api: desiredCount: -1 is not allowed; key [secret]"
            ),
            "{text}"
        );
        assert!(!text.contains("noise"), "{text}");
    }

    #[test]
    fn table_cells_are_escaped() {
        assert_eq!(cell("a|b`c\nd"), "a\\|b'c d");
        assert_eq!(
            scalar(&Value::String(UNKNOWN.into())).unwrap(),
            "_(known after deploy)_"
        );
        let long = "x".repeat(150);
        assert_eq!(
            scalar(&Value::String(long)).unwrap(),
            format!("`{}…`", "x".repeat(100))
        );
    }
}
