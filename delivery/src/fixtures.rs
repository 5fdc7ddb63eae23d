//! Making captured `pulumi preview --json` documents reproducible, so the end-to-end test can
//! compare a fresh capture's rendering with a committed golden file.
//!
//! Two captures of the same program differ only in what the emulator and the engine make up:
//! auto-name suffixes (`main-2c7c145`: a resource's logical name, a dash, 7 hex digits; other
//! values of that shape, such as an image tag `2026.11.27-3f9c2ab`, are left alone), EC2 ids
//! (`subnet-3e5d5fb3b6359ddc7`), load balancer ids and DNS names, provider UUIDs, timestamps and
//! the duration. [`stabilize`] sorts every object's keys, then
//! replaces each of those by a placeholder of the same shape numbered in order of first
//! appearance (`main-0000001`, `subnet-00000000000000001`, ...), the order taken with the steps
//! sorted by URN so the engine's step order (registrations run concurrently) does not matter.
//! The same resources in the same relations give the same bytes; applying it twice changes
//! nothing.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::{Captures, Regex};
use serde_json::{Map, Value};

use crate::preview::split_urn;
use crate::risk::UNKNOWN;

/// Everything an emulator or the engine makes up; the alternatives are tried left to right.
static RANDOM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?P<uuid>\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b)",
        r"|\b(?P<ec2>(?:subnet|sg|vpc|eni|igw|rtb|acl|nat|i)-(?:[0-9a-f]{17}|[0-9a-f]{8}))\b",
        r"|/(?P<elb>[0-9a-f]{16})\b",
        r"|-(?P<dns>[0-9]{6,12})\.[a-z0-9-]+\.elb\.amazonaws\.com\b",
        r"|\b(?P<pre>[A-Za-z0-9_][A-Za-z0-9_.-]*)-(?P<suffix>[0-9a-f]{7})\b",
    ))
    .expect("valid regex")
});

static URN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"urn:pulumi:[^"]+"#).expect("valid regex"));

static TIMESTAMP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#""\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})""#)
        .expect("valid regex")
});

const FIXED_TIME: &str = "\"2000-01-01T00:00:00Z\"";

/// A stabilised, pretty-printed copy of a `pulumi preview --json` document (with a final
/// newline).
pub fn stabilize(json: &str) -> Result<String, String> {
    let mut doc: Value = serde_json::from_str(json)
        .map_err(|e| format!("not a `pulumi preview --json` document: {e}"))?;
    if let Some(d) = doc.get_mut("duration") {
        *d = Value::from(0);
    }
    let doc = sorted(doc);
    let text = pretty(&doc)?;

    // Number the made-up values in a step-order-independent traversal.
    let mut by_urn = doc.clone();
    if let Some(steps) = by_urn.get_mut("steps").and_then(Value::as_array_mut) {
        steps.sort_by(|a, b| a["urn"].as_str().cmp(&b["urn"].as_str()));
    }
    // Auto-names start with a resource's logical name (or, where the name is truncated to fit
    // a length limit, a prefix of it); every resource named anywhere (steps, dependencies,
    // parents) counts, since an unchanged resource has no step but its name appears in others.
    let logical: Vec<String> = URN
        .find_iter(&text)
        .map(|m| split_urn(m.as_str()).1)
        .filter(|n| !n.is_empty())
        .collect();
    let made_up = |caps: &Captures| match caps.name("pre") {
        Some(pre) => logical.iter().any(|n| n.starts_with(pre.as_str())),
        None => true,
    };
    let mut names: HashMap<String, String> = HashMap::new();
    // One sequence per kind (and per EC2 id prefix: `subnet-...1`, `sg-...1`).
    let mut counters: HashMap<String, u64> = HashMap::new();
    for caps in RANDOM.captures_iter(&pretty(&by_urn)?) {
        let (class, token) = token_of(&caps);
        if token == UNKNOWN || names.contains_key(&token) || !made_up(&caps) {
            continue;
        }
        let kind = match class {
            "ec2" => token.split('-').next().unwrap_or(class).to_string(),
            _ => class.to_string(),
        };
        let n = counters.entry(kind).or_insert(0);
        *n += 1;
        names.insert(token.clone(), placeholder(class, &token, *n));
    }

    let text = RANDOM.replace_all(&text, |caps: &Captures| {
        if !made_up(caps) {
            return caps[0].to_string();
        }
        let (class, token) = token_of(caps);
        let replaced = names.get(&token).cloned().unwrap_or(token);
        let whole = &caps[0];
        match class {
            "elb" => format!("/{replaced}"),
            "dns" => whole.replacen(&caps["dns"], &replaced, 1),
            "suffix" => format!("{}-{replaced}", &caps["pre"]),
            _ => replaced,
        }
    });
    let text = TIMESTAMP.replace_all(&text, FIXED_TIME);
    Ok(format!("{text}\n"))
}

/// The class of a match and the part of it that is made up.
fn token_of(caps: &Captures) -> (&'static str, String) {
    for class in ["uuid", "ec2", "elb", "dns", "suffix"] {
        if let Some(m) = caps.name(class) {
            return (class, m.as_str().to_string());
        }
    }
    unreachable!("every alternative has a named group")
}

/// The `n`th placeholder of a class, the same shape as `token`.
fn placeholder(class: &str, token: &str, n: u64) -> String {
    match class {
        "uuid" => format!("00000000-0000-4000-8000-{n:012x}"),
        "ec2" => {
            let (prefix, id) = token.split_once('-').expect("ec2 ids have a dash");
            format!("{prefix}-{n:0width$x}", width = id.len())
        }
        "elb" => format!("{n:016x}"),
        "dns" => format!("{n:0width$}", width = token.len()),
        _ => format!("{n:07x}"),
    }
}

/// The same value with every object's keys in sorted order, whatever map type serde_json was
/// built with.
fn sorted(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(String, Value)> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, sorted(v)))
                    .collect::<Map<_, _>>(),
            )
        }
        Value::Array(a) => Value::Array(a.into_iter().map(sorted).collect()),
        v => v,
    }
}

fn pretty(v: &Value) -> Result<String, String> {
    serde_json::to_string_pretty(v).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{
      "duration": 123456,
      "steps": [
        {"urn": "urn:pulumi:s::p::fargate:ecs:Service::api", "op": "update",
         "newState": {"created": "2026-11-28T09:09:49.902154451Z",
                      "inputs": {"cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/main-2066092",
                                 "name": "api-fbe517d", "taskDefinition": "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
                                 "network": {"subnets": ["subnet-3e5d5fb3b6359ddc7"], "securityGroups": ["sg-1234abcd"]}},
                      "provider": "urn:pulumi:s::p::pulumi:providers:fargate::default::4efd704e-6a42-461f-aba2-23c63a078eca"}},
        {"urn": "urn:pulumi:s::p::fargate:ecs:Cluster::main", "op": "update",
         "newState": {"inputs": {"name": "main-2066092", "image": "api:2026.11.27-3f9c2ab",
                                 "dns": "api-abcdef0-1234567890.us-east-1.elb.amazonaws.com",
                                 "lb": "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/api-abcdef0/50dc6c495c0c9188"}}}
      ]
    }"#;

    #[test]
    fn replaces_made_up_values_by_numbered_placeholders() {
        let s = stabilize(DOC).unwrap();
        for gone in [
            "2066092",
            "fbe517d",
            "3e5d5fb3b6359ddc7",
            "1234abcd",
            "4efd704e",
            "50dc6c495c0c9188",
            "abcdef0",
            "2026-11-28",
        ] {
            assert!(!s.contains(gone), "{gone} left in\n{s}");
        }
        // Numbered by first appearance with steps in URN order and keys sorted: the cluster's
        // `dns` and `lb` (the load balancer `api-...`), then its `name`, then the service.
        assert!(
            s.contains("loadbalancer/app/api-0000001/0000000000000001"),
            "{s}"
        );
        assert!(s.contains(r#""name": "main-0000002""#), "{s}");
        assert!(s.contains("cluster/main-0000002"), "{s}");
        assert!(s.contains(r#""name": "api-0000003""#), "{s}");
        assert!(s.contains("subnet-00000000000000001"), "{s}");
        assert!(s.contains("sg-00000001"), "{s}");
        assert!(
            s.contains("default::00000000-0000-4000-8000-000000000001"),
            "{s}"
        );
        assert!(s.contains(UNKNOWN), "the unknown marker is kept:\n{s}");
        assert!(
            s.contains("api:2026.11.27-3f9c2ab"),
            "not an auto-name: kept\n{s}"
        );
        assert!(
            s.contains("api-0000001-0000000001.us-east-1.elb.amazonaws.com"),
            "{s}"
        );
        assert!(s.contains(r#""created": "2000-01-01T00:00:00Z""#), "{s}");
        assert!(s.contains(r#""duration": 0"#), "{s}");
    }

    #[test]
    fn is_idempotent_and_independent_of_step_order() {
        let once = stabilize(DOC).unwrap();
        assert_eq!(stabilize(&once).unwrap(), once);
        let mut doc: Value = serde_json::from_str(DOC).unwrap();
        doc["steps"].as_array_mut().unwrap().reverse();
        let reversed = stabilize(&doc.to_string()).unwrap();
        // The steps stay in the document's order; the placeholders do not depend on it.
        let steps = |s: &str| -> Vec<Value> {
            let mut v: Vec<Value> = serde_json::from_str::<Value>(s).unwrap()["steps"]
                .as_array()
                .unwrap()
                .clone();
            v.sort_by(|a, b| a["urn"].as_str().cmp(&b["urn"].as_str()));
            v
        };
        assert_eq!(steps(&reversed), steps(&once));
    }
}
