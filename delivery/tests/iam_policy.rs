//! The least-privilege policy in `docs/iam/provider-policy.json` against the provider's code:
//! every AWS operation the provider names (its errors and retries name each call it makes,
//! e.g. `"ecs:CreateService"`) is allowed, nothing else from those services is, and no action
//! is a wildcard. A provider change that calls something new fails here, not in production.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use regex::Regex;
use serde_json::Value;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn policy(name: &str) -> Value {
    let path = workspace().join("docs/iam").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn actions(policy: &Value) -> BTreeSet<String> {
    let mut all = BTreeSet::new();
    for statement in policy["Statement"].as_array().expect("Statement list") {
        assert_eq!(statement["Effect"], "Allow", "{statement}");
        match &statement["Action"] {
            Value::String(a) => {
                all.insert(a.clone());
            }
            Value::Array(list) => all.extend(list.iter().map(|a| a.as_str().unwrap().to_string())),
            other => panic!("Action {other}"),
        }
    }
    all
}

/// `"ecs:Op"`, `"ec2:Op"`, `"elasticloadbalancing:Op"`, `"logs:Op"`, `"ecr:Op"` literals in
/// the provider's sources. Unit tests (`tests.rs`) are left out: their action strings are
/// example policy data (an IAM role's statements), not calls.
fn provider_operations() -> BTreeSet<String> {
    let re = Regex::new(r#""((?:ecs|ec2|elasticloadbalancing|logs|ecr):[A-Z][A-Za-z]+)""#).unwrap();
    let mut found = BTreeSet::new();
    let mut dirs = vec![workspace().join("provider/src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs")
                && path.file_name().is_some_and(|n| n != "tests.rs")
            {
                let text = std::fs::read_to_string(&path).unwrap();
                found.extend(re.captures_iter(&text).map(|c| c[1].to_string()));
            }
        }
    }
    found
}

#[test]
fn provider_policy_allows_exactly_what_the_provider_calls() {
    let allowed = actions(&policy("provider-policy.json"));
    let called = provider_operations();
    assert!(called.len() > 30, "too few operations found: {called:?}");
    let missing: Vec<_> = called.difference(&allowed).collect();
    assert!(
        missing.is_empty(),
        "the provider calls, the policy does not allow: {missing:?}"
    );
    let extra: Vec<_> = allowed
        .iter()
        .filter(|a| !a.starts_with("iam:") && !called.contains(*a))
        .collect();
    assert!(
        extra.is_empty(),
        "the policy allows, the provider never calls: {extra:?}"
    );
    assert!(
        allowed.iter().all(|a| !a.contains('*')),
        "wildcard actions: {allowed:?}"
    );
    assert_eq!(
        allowed
            .iter()
            .filter(|a| a.starts_with("iam:"))
            .collect::<Vec<_>>(),
        ["iam:CreateServiceLinkedRole", "iam:PassRole"]
    );
}

#[test]
fn preview_policy_only_reads() {
    let allowed = actions(&policy("preview-policy.json"));
    for a in &allowed {
        let op = a.split(':').nth(1).unwrap();
        assert!(
            op.starts_with("Describe") || op.starts_with("Get") || op.starts_with("List"),
            "{a} is not read-only"
        );
    }
}

#[test]
fn every_policy_document_is_well_formed() {
    for entry in std::fs::read_dir(workspace().join("docs/iam"))
        .unwrap()
        .flatten()
    {
        let name = entry.file_name().into_string().unwrap();
        if name.ends_with(".json") {
            let p = policy(&name);
            assert_eq!(p["Version"], "2012-10-17", "{name}");
            assert!(!actions(&p).is_empty(), "{name}");
        }
    }
}
