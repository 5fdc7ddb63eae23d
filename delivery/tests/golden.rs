//! The PR comment rendered from real `pulumi preview --json` documents: the fixtures captured
//! through the real CLI against moto by `tests/tests/preview_fixtures.rs` (stabilised), compared
//! byte for byte with `tests/golden/<name>.md`. `UPDATE_GOLDEN=1` rewrites the goldens; review
//! the diff like code, it is what reviewers will read.
//!
//! The other tests derive variants of the real documents (a service with minimum healthy
//! percent 0, a secret environment variable) for what the example programs cannot produce.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use sotex_delivery::render::{MARKER, StackPreview, render_comment};

fn dir(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(sub)
}

fn fixture(name: &str) -> String {
    let path = dir("fixtures").join(format!("{name}.json"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; capture it with UPDATE_FIXTURES=1 cargo test -p fargate-e2e --test preview_fixtures",
            path.display()
        )
    })
}

fn fixture_json(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

fn render(stacks: &[(Option<&str>, String)]) -> String {
    let previews: Vec<StackPreview> = stacks
        .iter()
        .map(|(label, json)| StackPreview::parse(*label, json).unwrap())
        .collect();
    render_comment(&previews)
}

/// Compares with (or, under `UPDATE_GOLDEN=1`, writes) `golden/<name>.md`.
fn check_golden(name: &str, rendered: &str) -> Result<(), String> {
    let path = dir("golden").join(format!("{name}.md"));
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(dir("golden")).unwrap();
        std::fs::write(&path, rendered).unwrap();
        return Ok(());
    }
    let golden = std::fs::read_to_string(&path)
        .map_err(|e| format!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()))?;
    if golden == rendered {
        Ok(())
    } else {
        Err(format!(
            "{name} renders differently from {} (UPDATE_GOLDEN=1 rewrites it):\n--- rendered ---\n{rendered}\n--- golden ---\n{golden}",
            path.display()
        ))
    }
}

fn fixture_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir("fixtures"))
        .expect("delivery/tests/fixtures")
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".json").map(str::to_string)
        })
        .collect();
    names.sort();
    names
}

#[test]
fn every_fixture_renders_its_golden() {
    let names = fixture_names();
    assert!(
        names.len() >= 6,
        "expected the captured fixtures, found {names:?}"
    );
    let failures: Vec<String> = names
        .iter()
        .filter_map(|name| check_golden(name, &render(&[(None, fixture(name))])).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// What CI posts: staging's and production's previews in one comment.
#[test]
fn two_stacks_in_one_comment() {
    let text = render(&[
        (Some("staging"), fixture("service-image")),
        (Some("production"), fixture("cluster-rename")),
    ]);
    assert_eq!(text.matches(MARKER).count(), 1, "{text}");
    let staging = text.find("### `staging`").expect("staging section");
    let production = text.find("### `production`").expect("production section");
    assert!(staging < production, "{text}");
    check_golden("pr-comment-two-stacks", &text).unwrap();
}

#[test]
fn rendering_is_stable() {
    for name in fixture_names() {
        let json = fixture(&name);
        assert_eq!(
            render(&[(None, json.clone())]),
            render(&[(None, json)]),
            "{name}"
        );
    }
}

/// The real image change, with the service's `deployment.minimumHealthyPercent` set to 0 as a
/// program could: the rollout may stop every task first.
#[test]
fn zero_minimum_healthy_on_a_real_rollout_is_a_downtime_risk() {
    let mut doc = fixture_json("service-image");
    let plain = render(&[(None, doc.to_string())]);
    assert!(plain.contains("**Downtime risk:** none found."), "{plain}");

    for step in doc["steps"].as_array_mut().unwrap() {
        if step["newState"]["type"] == "fargate:ecs:Service" {
            step["newState"]["inputs"]["deployment"] = json!({"minimumHealthyPercent": 0});
        }
    }
    let text = render(&[(None, doc.to_string())]);
    assert!(text.contains("> [!WARNING]"), "{text}");
    assert!(
        text.contains(
            "> - `api` (fargate:ecs:Service) rolls out with `deployment.minimumHealthyPercent` 0"
        ),
        "{text}"
    );
}

#[test]
fn real_replacements_and_deletions_are_called_out() {
    let rename = render(&[(None, fixture("cluster-rename"))]);
    assert!(
        rename.contains("**Replaced or deleted:** replace `main`"),
        "{rename}"
    );
    assert!(
        rename.contains("cannot move services between clusters"),
        "{rename}"
    );
    assert!(rename.contains("**(forces replacement)**"), "{rename}");

    let delete = render(&[(None, fixture("service-delete"))]);
    let rows: Vec<&str> = delete.lines().filter(|l| l.starts_with("| **")).collect();
    assert_eq!(rows.len(), 2, "{delete}");
    assert!(
        delete.contains("`api` (fargate:ecs:Service) is deleted"),
        "{delete}"
    );
}

#[test]
fn real_rollout_estimates() {
    let image = render(&[(None, fixture("service-image"))]);
    assert!(
        image.contains("service `api`: new deployment of 1 task in 1 wave, steady in ≈ 1 min"),
        "{image}"
    );
    let scale = render(&[(None, fixture("service-desired-count"))]);
    assert!(
        scale.contains("service `api`: scales from 1 to 2 tasks without a new deployment"),
        "{scale}"
    );
}

/// The real image change with a secret and a secret-looking environment variable added to the
/// task definition and a secret config value: none of their values reaches the comment.
#[test]
fn secrets_in_a_real_preview_are_masked() {
    let mut doc = fixture_json("service-image");
    doc["config"]["fixtures-service:dbPassword"] = json!("[secret]");
    for step in doc["steps"].as_array_mut().unwrap() {
        if step["newState"]["type"] != "fargate:ecs:TaskDefinition" {
            continue;
        }
        for (state, n) in [("oldState", 1), ("newState", 2)] {
            let env = &mut step[state]["inputs"]["containers"][0]["environment"];
            env["DB_PASSWORD"] = json!(format!("hunter{n}"));
            env["UPSTREAM_URL"] = json!(format!("https://svc:pa55w0rd{n}@upstream.internal/"));
        }
        let diff = step["detailedDiff"].as_object_mut().unwrap();
        for key in [
            "containers[0].environment.DB_PASSWORD",
            "containers[0].environment.UPSTREAM_URL",
        ] {
            diff.insert(key.into(), json!({"kind": "update", "inputDiff": true}));
        }
    }
    let text = render(&[(None, doc.to_string())]);
    for leaked in ["hunter", "pa55w0rd"] {
        assert!(!text.contains(leaked), "{leaked} leaked:\n{text}");
    }
    assert!(
        text.contains("`containers[0].environment.DB_PASSWORD`: `[secret]` → `[secret]`"),
        "{text}"
    );
    assert!(
        text.contains("`containers[0].environment.UPSTREAM_URL`: `[secret]` → `[secret]`"),
        "{text}"
    );
    assert!(
        text.contains("`containers[0].image`: `nginx:1.27` → `nginx:1.28`"),
        "{text}"
    );
}

/// The pull-request case on the real stack: its container has a secret variable
/// (`SENTRY_DSN`, kept in SSM and referenced by ARN), yet the image change, the task size and
/// the health check path show in plain text; the secret appears nowhere.
#[test]
fn the_real_stacks_pull_request_shows_the_image_in_plain_text() {
    let json = fixture("sotex-stack-pr");
    let text = render(&[(None, json.clone())]);
    for plain in [
        "`containers[0].image`: `123456789012.dkr.ecr.eu-central-1.amazonaws.com/sotex-box-api:2026.11.28-4d5e6f7` → `123456789012.dkr.ecr.eu-central-1.amazonaws.com/sotex-box-api:2026.11.29-9a8b7c6`",
        "`cpu`: `256` → `512`",
        "`memory`: `512` → `1024`",
        "`/ready`",
    ] {
        assert!(text.contains(plain), "{plain} missing:\n{text}");
    }
    assert!(!text.contains("[secret]"), "{text}");
    for secret in ["f3a9c1d27e5b4a8c", "sentry"] {
        assert!(!json.contains(secret), "{secret} in the preview JSON");
        assert!(!text.contains(secret), "{secret} leaked:\n{text}");
    }
}

/// Only the secret's value changes: its SSM parameter shows `[secret]` → `[secret]`, the
/// service rolls out, and neither value is anywhere in the preview or the comment.
#[test]
fn the_real_stacks_secret_rotation_shows_only_secret() {
    let json = fixture("sotex-stack-secret");
    let text = render(&[(None, json.clone())]);
    assert!(text.contains("`value`: `[secret]` → `[secret]`"), "{text}");
    assert!(text.contains("`fargate:ssm:Parameter`"), "{text}");
    assert!(!text.contains("`fargate:ecs:TaskDefinition`"), "{text}");
    for secret in ["f3a9c1d27e5b4a8c", "0c7d15be9a2f4e61"] {
        assert!(!json.contains(secret), "{secret} in the preview JSON");
        assert!(!text.contains(secret), "{secret} leaked:\n{text}");
    }
}

#[test]
fn the_real_stacks_target_group_replacement_is_a_risk() {
    let text = render(&[(None, fixture("sotex-stack-port"))]);
    assert!(
        text.contains("> - `api` (fargate:lb:TargetGroup) is replaced"),
        "{text}"
    );
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("| ")).collect();
    assert!(
        rows[1].starts_with("| **replace** | `api` | `fargate:lb:TargetGroup`"),
        "{text}"
    );
}
