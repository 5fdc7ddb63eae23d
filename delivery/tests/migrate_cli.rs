//! `sotex-ci migrate` / `migrate-gate` as CI and an operator run them: files written, exit codes.

use std::process::{Command, Output};

fn sotex_ci(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sotex-ci"))
        .args(args)
        .output()
        .expect("run sotex-ci")
}

/// A fresh scratch directory for one test.
fn scratch(test: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("sotex-ci-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/data/migrate/program-cs-export.json"
);

#[test]
fn migrate_writes_the_import_file_the_values_and_the_report() {
    let dir = scratch("migrate");
    let out = sotex_ci(&[
        "migrate",
        "--export",
        FIXTURE,
        "--out-dir",
        dir.as_path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{out:?}");
    let import: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.as_path().join("import.json")).unwrap())
            .unwrap();
    assert_eq!(import["resources"].as_array().unwrap().len(), 7);
    // The stack name comes from the export's URNs.
    let values =
        std::fs::read_to_string(dir.as_path().join("Pulumi.staging.migrated.yaml")).unwrap();
    assert!(values.contains("sotex-backend:cpu: \"256\""), "{values}");
    let report = std::fs::read_to_string(dir.as_path().join("migration-report.md")).unwrap();
    assert!(
        report.contains("aws:iam/role:Role::task-exec-role"),
        "{report}"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().next(),
        Some("# Migration report")
    );
}

#[test]
fn usage_errors_exit_2_and_a_refused_gate_exits_3() {
    assert_eq!(sotex_ci(&["migrate"]).status.code(), Some(2));
    assert_eq!(
        sotex_ci(&["migrate", "--bogus", "x"]).status.code(),
        Some(2)
    );
    assert_eq!(
        sotex_ci(&["migrate-gate", "preview.json"]).status.code(),
        Some(2)
    );
    let missing = sotex_ci(&["migrate", "--export", "/nonexistent/old.json"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/old.json"));

    let dir = scratch("gate");
    let import = dir.as_path().join("import.json");
    std::fs::write(
        &import,
        r#"{"resources": [{"type": "fargate:lb:LoadBalancer", "name": "api", "id": "arn:lb"}]}"#,
    )
    .unwrap();
    let preview = dir.as_path().join("preview.json");
    std::fs::write(
        &preview,
        r#"{"steps": [{"op": "replace", "urn": "urn:pulumi:staging::sotex-backend::fargate:lb:LoadBalancer::api"}], "changeSummary": {"replace": 1}}"#,
    )
    .unwrap();
    let refused = sotex_ci(&[
        "migrate-gate",
        "--import-file",
        import.to_str().unwrap(),
        preview.to_str().unwrap(),
    ]);
    assert_eq!(refused.status.code(), Some(3), "{refused:?}");
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .contains("refused: replace api (fargate:lb:LoadBalancer)")
    );
    let _ = std::fs::remove_dir_all(&dir);
}
