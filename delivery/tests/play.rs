//! The Google Play rules (`sotex-ci play-check-upload` / `play-check-promote`) against answers
//! in the Play Developer API's documented shapes (`tests/fixtures/play/`): the rules through
//! the library, then the binary as the workflows call it (files, stdin, exit codes, the body).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};
use sotex_delivery::play::{
    Promotion, Rollout, Track, check_landed, check_upload, find_track, parse_tracks, plan_promotion,
};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/play")
        .join(name)
}

fn tracks(name: &str) -> Vec<Track> {
    parse_tracks(&std::fs::read_to_string(fixture(name)).unwrap()).unwrap()
}

fn promote(
    name: &str,
    version_code: u64,
    rollout: Rollout,
) -> Result<(String, Option<Value>), String> {
    plan_promotion(
        &tracks(name),
        &Promotion {
            version_code,
            from: "internal".into(),
            to: "production".into(),
            rollout,
        },
    )
    .map(|p| (p.summary, p.update))
}

#[test]
fn an_upload_must_be_higher_than_the_tracks_current_version_code() {
    let internal = tracks("internal-124.json");
    let internal = find_track(&internal, "internal").unwrap();
    assert!(
        check_upload(internal, 125)
            .unwrap()
            .contains("higher than the `internal` track's current version code 124")
    );
    for lower_or_equal in [124, 7] {
        let err = check_upload(internal, lower_or_equal).unwrap_err();
        assert!(
            err.contains(&format!(
                "version code {lower_or_equal} is not higher than the `internal` track's current \
                 version code 124 (release \"1.4.0\" (version code 124, completed))"
            )),
            "{err}"
        );
    }
    let empty = tracks("internal-empty.json");
    assert!(
        check_upload(&empty[0], 1)
            .unwrap()
            .contains("no releases yet")
    );
}

#[test]
fn the_highest_code_counts_whatever_its_status() {
    // A halted 125 on production still blocks an upload of 125 there.
    let list = tracks("list-halted-125.json");
    let production = find_track(&list, "production").unwrap();
    let err = check_upload(production, 125).unwrap_err();
    assert!(
        err.contains(
            "current version code 125 (release \"1.5.0\" (version code 125, halted at 10%))"
        ),
        "{err}"
    );
}

#[test]
fn after_an_upload_the_declared_code_must_be_on_the_track() {
    let internal = tracks("internal-124.json");
    assert!(
        check_landed(&internal[0], 124)
            .unwrap()
            .contains("now has release \"1.4.0\"")
    );
    let err = check_landed(&internal[0], 125).unwrap_err();
    assert!(err.contains("does not have version code 125 after the upload (it has release \"1.4.0\" (version code 124, completed))"), "{err}");
}

#[test]
fn promotion_takes_the_internal_release_to_production() {
    let (summary, body) = promote("list-internal-125.json", 125, Rollout::Staged(0.1)).unwrap();
    assert!(summary.contains("version code 125 (completed on `internal`) goes to `production` as a staged rollout to 10%"), "{summary}");
    assert_eq!(
        body.unwrap(),
        json!({"track": "production", "releases": [{
            "name": "1.5.0",
            "versionCodes": ["125"],
            "status": "inProgress",
            "userFraction": 0.1,
            "releaseNotes": [{"language": "en-US", "text": "Offline mode."}],
        }]})
    );
    let (_, body) = promote("list-internal-125.json", 125, Rollout::Complete).unwrap();
    let release = &body.unwrap()["releases"][0];
    assert_eq!(release["status"], "completed");
    assert!(release.get("userFraction").is_none());
}

#[test]
fn promotion_refuses_a_version_code_internal_does_not_run() {
    let err = promote("list-internal-125.json", 126, Rollout::Complete).unwrap_err();
    assert!(err.contains("version code 126 is not on the `internal` track (it has release \"1.5.0\" (version code 125, completed))"), "{err}");
    // 124 was on internal once, but internal has moved on: like a stack verified on staging,
    // production only takes what internal runs now.
    let err = promote("list-internal-125.json", 124, Rollout::Complete).unwrap_err();
    assert!(
        err.contains("version code 124 is not on the `internal` track"),
        "{err}"
    );
    let err = promote("list-internal-draft-126.json", 126, Rollout::Complete).unwrap_err();
    assert!(
        err.contains("version code 126 is only a draft on the `internal` track"),
        "{err}"
    );
}

#[test]
fn promotion_never_goes_below_production() {
    let err = promote("list-production-ahead.json", 125, Rollout::Complete).unwrap_err();
    assert!(err.contains("version code 125 is lower than the `production` track's version code 130 (release \"2.0.0\" (version code 130, completed))"), "{err}");
}

#[test]
fn a_staged_rollout_grows_completes_or_halts() {
    let (summary, body) = promote("list-staged-125.json", 125, Rollout::Staged(0.5)).unwrap();
    assert!(
        summary.contains("(it was release \"1.5.0\" (version code 125, inProgress at 10%))"),
        "{summary}"
    );
    assert_eq!(body.unwrap()["releases"][0]["userFraction"], 0.5);
    let (_, body) = promote("list-staged-125.json", 125, Rollout::Complete).unwrap();
    assert_eq!(body.unwrap()["releases"][0]["status"], "completed");
    let err = promote("list-staged-125.json", 125, Rollout::Staged(0.05)).unwrap_err();
    assert!(
        err.contains("already rolled out to 10% of `production` users, more than the requested 5%"),
        "{err}"
    );
    let (summary, body) = promote("list-staged-125.json", 125, Rollout::Staged(0.1)).unwrap();
    assert!(summary.starts_with("nothing to do"), "{summary}");
    assert!(body.is_none());

    let (summary, body) = promote("list-staged-125.json", 125, Rollout::Halt).unwrap();
    assert!(
        summary.contains("is halted: no new users get it"),
        "{summary}"
    );
    let body = body.unwrap();
    assert_eq!(body["releases"][0]["status"], "halted");
    assert_eq!(body["releases"][0]["userFraction"], 0.1);
    assert_eq!(body["releases"][0]["versionCodes"], json!(["125"]));
}

#[test]
fn a_halted_rollout_resumes_and_a_completed_one_cannot_be_halted() {
    let (_, body) = promote("list-halted-125.json", 125, Rollout::Staged(0.2)).unwrap();
    let release = &body.unwrap()["releases"][0];
    assert_eq!(
        (release["status"].as_str(), release["userFraction"].as_f64()),
        (Some("inProgress"), Some(0.2))
    );
    let (summary, body) = promote("list-halted-125.json", 125, Rollout::Halt).unwrap();
    assert!(
        summary.contains("already halted") && body.is_none(),
        "{summary}"
    );
    let err = promote("list-internal-125.json", 124, Rollout::Halt).unwrap_err();
    assert!(
        err.contains("is completed, not a staged rollout in progress"),
        "{err}"
    );
    let err = promote("list-internal-125.json", 125, Rollout::Halt).unwrap_err();
    assert!(
        err.contains("version code 125 is not on the `production` track"),
        "{err}"
    );
}

#[test]
fn another_open_staged_rollout_blocks_a_promotion() {
    // Production rolls 125 out; internal has since moved to 126.
    let mut list = tracks("list-staged-125.json");
    let internal = list.iter_mut().find(|t| t.name == "internal").unwrap();
    internal.releases[0].version_codes = vec![126];
    let err = plan_promotion(
        &list,
        &Promotion {
            version_code: 126,
            from: "internal".into(),
            to: "production".into(),
            rollout: Rollout::Staged(0.1),
        },
    )
    .unwrap_err();
    assert!(err.contains("has a staged rollout of another version in progress, release \"1.5.0\" (version code 125, inProgress at 10%)"), "{err}");
}

#[test]
fn a_halted_rollout_is_fixed_forward_with_a_higher_version_code() {
    // Production halted 125; internal now runs the fix, 126.
    let mut list = tracks("list-halted-125.json");
    let internal = list.iter_mut().find(|t| t.name == "internal").unwrap();
    internal.releases[0].version_codes = vec![126];
    let plan = plan_promotion(
        &list,
        &Promotion {
            version_code: 126,
            from: "internal".into(),
            to: "production".into(),
            rollout: Rollout::Staged(0.1),
        },
    )
    .unwrap();
    assert_eq!(
        plan.update.unwrap()["releases"][0]["versionCodes"],
        json!(["126"])
    );
}

// --- the binary ---

fn sotex_ci(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sotex-ci"))
        .args(args)
        .env_remove("GITHUB_ACTIONS")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run sotex-ci");
    let mut input = child.stdin.take().unwrap();
    // A usage error exits before reading stdin; the broken pipe is then expected.
    let _ = input.write_all(stdin.unwrap_or("").as_bytes());
    drop(input);
    child.wait_with_output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn cli_check_upload_exit_codes() {
    let file = fixture("internal-124.json");
    let file = file.to_str().unwrap();
    let ok = sotex_ci(&["play-check-upload", "--version-code", "125", file], None);
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    let refused = sotex_ci(&["play-check-upload", "--version-code=124", file], None);
    assert_eq!(refused.status.code(), Some(3), "{refused:?}");
    assert!(stdout(&refused).contains(
        "version code 124 is not higher than the `internal` track's current version code 124"
    ));
    // From stdin, as `curl ... | sotex-ci play-check-upload` pipes it.
    let json = std::fs::read_to_string(fixture("list-internal-125.json")).unwrap();
    let piped = sotex_ci(
        &["play-check-upload", "--version-code", "125", "--landed"],
        Some(&json),
    );
    assert_eq!(piped.status.code(), Some(0), "{piped:?}");
    let production = sotex_ci(
        &[
            "play-check-upload",
            "--version-code",
            "124",
            "--track",
            "production",
            "-",
        ],
        Some(&json),
    );
    assert_eq!(production.status.code(), Some(3), "{production:?}");
}

#[test]
fn cli_unusable_state_exits_6_with_the_reason() {
    let forbidden = fixture("error-403.json");
    let out = sotex_ci(
        &[
            "play-check-upload",
            "--version-code",
            "1",
            forbidden.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(6), "{out:?}");
    assert!(
        stdout(&out)
            .contains("the API answered with an error: The caller does not have permission")
    );
    let out = sotex_ci(
        &[
            "play-check-upload",
            "--version-code",
            "1",
            "--track",
            "beta",
        ],
        Some(r#"{"track":"internal"}"#),
    );
    assert_eq!(out.status.code(), Some(6), "{out:?}");
    assert!(
        stdout(&out).contains("no `beta` track (it has: internal)"),
        "{out:?}"
    );
    let out = sotex_ci(&["play-check-upload", "--version-code", "1"], Some(""));
    assert_eq!(out.status.code(), Some(6), "{out:?}");
}

#[test]
fn cli_check_promote_writes_the_update_body_only_when_something_changes() {
    let dir = std::env::temp_dir().join(format!("sotex-ci-play-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let body = dir.join("body.json");
    let body_arg = body.to_str().unwrap();
    let list = fixture("list-internal-125.json");
    let out = sotex_ci(
        &[
            "play-check-promote",
            "--version-code",
            "125",
            "--rollout",
            "10%",
            "--out",
            body_arg,
            list.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&body).unwrap()).unwrap();
    assert_eq!(written["releases"][0]["userFraction"], 0.1);

    // Already completed: nothing to send, and the earlier body is gone.
    let staged = fixture("list-staged-125.json");
    let mut state: Value =
        serde_json::from_str(&std::fs::read_to_string(&staged).unwrap()).unwrap();
    state["tracks"][0]["releases"][1]["status"] = json!("completed");
    state["tracks"][0]["releases"][1]
        .as_object_mut()
        .unwrap()
        .remove("userFraction");
    let out = sotex_ci(
        &[
            "play-check-promote",
            "--version-code",
            "125",
            "--rollout",
            "complete",
            "--out",
            body_arg,
        ],
        Some(&state.to_string()),
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(stdout(&out).contains("nothing to do"), "{out:?}");
    assert!(!body.exists());

    let out = sotex_ci(
        &[
            "play-check-promote",
            "--version-code",
            "126",
            "--rollout",
            "1",
            "--out",
            body_arg,
            list.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(!body.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn cli_usage_errors_exit_2() {
    for args in [
        vec!["play-check-upload"],
        vec!["play-check-upload", "--version-code", "0"],
        vec!["play-check-upload", "--version-code", "12", "--frobnicate"],
        vec!["play-check-promote", "--version-code", "12"],
        vec![
            "play-check-promote",
            "--version-code",
            "12",
            "--rollout",
            "0.1",
            "--halt",
        ],
        vec![
            "play-check-promote",
            "--version-code",
            "12",
            "--rollout",
            "150%",
        ],
        vec![
            "play-check-promote",
            "--version-code",
            "12",
            "--rollout",
            "1",
            "--from",
            "production",
        ],
    ] {
        let out = sotex_ci(&args, Some("{}"));
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
    }
}

/// The workflows call the checks with flags the binary knows: a renamed flag fails here, not in
/// a release.
#[test]
fn the_play_workflows_use_only_known_flags() {
    let workflows = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.github/workflows");
    let usage = sotex_delivery::play_cli::USAGE;
    let mut calls = 0;
    for name in ["play-upload.yml", "play-promote.yml"] {
        let text = std::fs::read_to_string(workflows.join(name)).unwrap();
        // A call and its `\`-continued lines.
        let joined = text.replace("\\\n", " ");
        for line in joined
            .lines()
            .filter(|l| l.contains("target/debug/sotex-ci play-"))
        {
            calls += 1;
            let sub = line
                .split_whitespace()
                .skip_while(|w| *w != "target/debug/sotex-ci")
                .nth(1)
                .unwrap();
            let section = usage
                .split("\n  sotex-ci ")
                .find(|s| {
                    s.trim_start()
                        .trim_start_matches("sotex-ci ")
                        .starts_with(sub)
                })
                .unwrap_or_else(|| panic!("{name}: unknown subcommand {sub}"));
            for flag in line.split_whitespace().filter(|w| w.starts_with("--")) {
                assert!(
                    section.contains(flag),
                    "{name}: `{sub}` has no {flag}: {line}"
                );
            }
        }
    }
    // Upload: before and after; promote: check, then promote and its landed check.
    assert_eq!(calls, 5);
}
