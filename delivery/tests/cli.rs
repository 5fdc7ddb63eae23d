//! The `sotex-ci` binary as CI calls it: arguments, files, exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn sotex_ci(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sotex-ci"))
        .args(args)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_SHA")
        .output()
        .expect("run sotex-ci")
}

fn test_file(sub: &str, name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(sub)
        .join(name)
}

fn arg(label: &str, path: &Path) -> String {
    format!("{label}={}", path.display())
}

#[test]
fn preview_comment_prints_the_golden_comment() {
    let out = sotex_ci(&[
        "preview-comment",
        &arg("staging", &test_file("fixtures", "service-image.json")),
        &arg("production", &test_file("fixtures", "cluster-rename.json")),
    ]);
    assert!(out.status.success(), "{out:?}");
    let golden = std::fs::read_to_string(test_file("golden", "pr-comment-two-stacks.md")).unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), golden);
}

#[test]
fn preview_comment_writes_a_file_and_keeps_a_failed_stack() {
    let dir = std::env::temp_dir().join(format!("sotex-ci-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let empty = dir.join("production.json");
    std::fs::write(&empty, "").unwrap();
    let out_file = dir.join("comment.md");
    let out = sotex_ci(&[
        "preview-comment",
        "--out",
        &out_file.to_string_lossy(),
        &test_file("fixtures", "service-image.json").to_string_lossy(),
        &empty.to_string_lossy(),
    ]);
    assert!(out.status.success(), "{out:?}");
    let text = std::fs::read_to_string(&out_file).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        text.contains("### `staging`: 0 to create, 2 to update"),
        "{text}"
    );
    assert!(
        text.contains("### `production`: ❌ preview failed"),
        "the stack is named after its file:\n{text}"
    );
    assert!(text.contains("the file is empty"), "{text}");
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec![],
        vec!["nonsense"],
        vec!["preview-comment"],
        vec!["deploy"],
        vec!["deploy", "--stack"],
        vec!["deploy", "--stack", "production", "--no-verification"],
        vec!["deploy", "--stack", "staging", "--frobnicate"],
        vec!["deploy", "--stack", "staging", "--commit", "not-a-sha"],
    ] {
        let out = sotex_ci(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
    }
}
