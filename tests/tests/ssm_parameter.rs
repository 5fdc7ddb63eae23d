//! `fargate:ssm:Parameter` through its whole life with the real `pulumi` CLI against moto:
//! create as a SecureString, no-change preview after up and after refresh, a value change
//! written in place as version 2 (same ARN) from a value the program passed *without* a secret
//! marker (stored as a secret all the same), a change made outside Pulumi seen by refresh and
//! undone by up, replacement on a name change, import, delete, delete of a parameter already
//! gone — and neither value anywhere in plaintext: not in the state, the backend's files,
//! `PULUMI_HOME`, nor anything the runs printed. Also a create whose read-back fails kept in
//! the state and finished by the next up.

use std::path::Path;

use fargate_e2e::faults::subject::{STACK, Subject, set_stack_config};
use fargate_e2e::faults::{FaultKind, FaultProxy, FaultRule};
use fargate_e2e::{AwsRecorder, Moto, PulumiProject, exported_resources, ssm_call};
use serde_json::{Value, json};

const PARAMETER: &str = "fargate:ssm:Parameter";
const EXPORTS: &[&str] = &["arn", "name", "version"];
/// The first value, passed as a secret by the program.
const FIRST: &str = "ssm-first-canary-2b7d41";
/// The second value, passed as plain text: the provider must still keep it secret.
const SECOND: &str = "ssm-second-canary-8e90c3";
const NAME: &str = "/sotex/e2e/SENTRY_DSN";

/// Plain `properties`, and `value` either as a secret (`secretProperties`) or plain.
fn configure(project: &mut PulumiProject, properties: Value, secret_value: Option<&str>) {
    set_stack_config(
        project,
        &[
            ("type".into(), json!(PARAMETER)),
            ("properties".into(), properties),
            ("exportProperties".into(), json!(EXPORTS)),
        ],
    );
    if let Some(value) = secret_value {
        project.config_set_secret("secretProperties", &json!({ "value": value }).to_string());
    }
}

/// `(arn, name, version)` from the stack outputs.
fn outputs(project: &mut PulumiProject) -> (String, String, i64) {
    let out = project.stack_output_json();
    let text = |k: &str| {
        out[k]
            .as_str()
            .unwrap_or_else(|| panic!("no {k} output: {out}"))
            .to_string()
    };
    let version = out["version"]
        .as_i64()
        .unwrap_or_else(|| panic!("no version output: {out}"));
    (text("arn"), text("name"), version)
}

/// moto's parameter: `(type, version, decrypted value)`, or `None` when it does not exist.
fn live(moto: &Moto, name: &str) -> Option<(String, i64, String)> {
    match ssm_call(
        moto.addr(),
        "GetParameter",
        &json!({"Name": name, "WithDecryption": true}),
    ) {
        Ok(out) => {
            let p = &out["Parameter"];
            Some((
                p["Type"].as_str().unwrap_or_default().to_string(),
                p["Version"].as_i64().unwrap_or_default(),
                p["Value"].as_str().unwrap_or_default().to_string(),
            ))
        }
        Err(e) if e.contains("ParameterNotFound") => None,
        Err(e) => panic!("{e}"),
    }
}

/// The parameter's state entry: its `value` must be stored encrypted, in inputs and outputs.
fn assert_value_stored_as_secret(project: &mut PulumiProject) -> Value {
    let export = project.stack_export();
    let resources = exported_resources(&export, PARAMETER);
    assert_eq!(resources.len(), 1, "{export}");
    let state = resources[0].clone();
    for part in ["inputs", "outputs"] {
        let value = &state[part]["value"];
        assert!(
            value.to_string().contains("ciphertext"),
            "{part}.value is not stored as a secret: {value}"
        );
    }
    state
}

/// Every file under `dir`, as text (lossy).
fn files_text(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_text(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((
                path.display().to_string(),
                String::from_utf8_lossy(&bytes).into_owned(),
            ));
        }
    }
    out
}

fn assert_no_plaintext(places: &[(String, String)], secrets: &[&str]) {
    let found: Vec<String> = places
        .iter()
        .flat_map(|(place, text)| {
            text.lines()
                .filter(|l| secrets.iter().any(|s| l.contains(s)))
                .map(move |l| format!("{place}: {}", l.chars().take(300).collect::<String>()))
        })
        .collect();
    println!(
        "RELIABILITY secrets scenario=ssm-parameter places_checked={} plaintext_hits={}",
        places.len(),
        found.len()
    );
    assert!(
        found.is_empty(),
        "a parameter value appears in plaintext:\n{}",
        found.join("\n")
    );
}

#[test]
fn ssm_parameter_lifecycle() {
    let moto = Moto::start();
    let recorder = AwsRecorder::start(&moto.url());
    let mut project = Subject::new("bad_input").project("ssm-parameter", &recorder.url());
    let base =
        json!({"name": NAME, "description": "Sentry DSN of the api", "tags": {"team": "platform"}});
    configure(&mut project, base.clone(), Some(FIRST));

    // Preview: one parameter to create, no AWS call.
    recorder.clear();
    let preview = project.preview_json();
    let steps = preview.steps_of_type(PARAMETER);
    assert_eq!(steps.len(), 1, "steps: {:?}", preview.summary());
    assert_eq!(steps[0].op, "create");
    assert_eq!(
        recorder.operations(),
        Vec::<String>::new(),
        "preview called AWS"
    );

    // Up (verbose, so the provider's and engine's logs are searched too): a SecureString at
    // version 1 holding the value.
    let stack = project.stack().to_string();
    project.run_ok(&[
        "up",
        "--yes",
        "--skip-preview",
        "-v=9",
        "--logtostderr",
        "--stack",
        &stack,
    ]);
    assert_eq!(
        recorder.count("ssm:PutParameter"),
        1,
        "{:?}",
        recorder.operations()
    );
    let (arn, name, version) = outputs(&mut project);
    assert_eq!(name, NAME);
    assert_eq!(
        arn,
        format!("arn:aws:ssm:us-east-1:123456789012:parameter{NAME}")
    );
    assert_eq!(version, 1);
    let (kind, live_version, value) = live(&moto, NAME).expect("the parameter exists");
    assert_eq!((kind.as_str(), live_version), ("SecureString", 1));
    assert_eq!(value, FIRST, "the value reached SSM");
    assert_value_stored_as_secret(&mut project);

    // Nothing to do, without an AWS call; and after refresh.
    recorder.clear();
    project.preview_expect_no_changes();
    assert_eq!(
        recorder.operations(),
        Vec::<String>::new(),
        "preview called AWS"
    );
    recorder.clear();
    project.refresh();
    assert_eq!(recorder.mutating_operations(), Vec::<String>::new());
    project.preview_expect_no_changes();

    // A new value, given as plain text: an in-place update to version 2, same ARN, and stored
    // as a secret all the same.
    let mut second = base.clone();
    second["value"] = json!(SECOND);
    configure(&mut project, second, None);
    let preview = project.preview_json();
    let steps = preview.steps_of_type(PARAMETER);
    assert_eq!(steps[0].op, "update", "{:?}", steps[0].raw);
    assert!(steps[0].replace_reasons.is_empty(), "{:?}", steps[0].raw);
    recorder.clear();
    project.up();
    let mutating = recorder.mutating_operations();
    assert_eq!(
        mutating,
        vec!["ssm:PutParameter".to_string()],
        "{mutating:?}"
    );
    assert_eq!(outputs(&mut project), (arn.clone(), name.clone(), 2));
    assert_eq!(
        live(&moto, NAME).unwrap(),
        ("SecureString".into(), 2, SECOND.into())
    );
    assert_value_stored_as_secret(&mut project);
    project.preview_expect_no_changes();

    // Tags change in place without a new version.
    let mut tagged = base.clone();
    tagged["value"] = json!(SECOND);
    tagged["tags"] = json!({"team": "platform", "tier": "backend"});
    configure(&mut project, tagged.clone(), None);
    recorder.clear();
    project.up();
    let mutating = recorder.mutating_operations();
    assert_eq!(
        mutating,
        vec!["ssm:AddTagsToResource".to_string()],
        "{mutating:?}"
    );
    assert_eq!(outputs(&mut project).2, 2, "tags make no new version");

    // Changed outside Pulumi: refresh sees a version Pulumi did not write, up writes the
    // program's value again.
    ssm_call(
        moto.addr(),
        "PutParameter",
        &json!({"Name": NAME, "Value": "changed-outside", "Type": "SecureString", "Overwrite": true}),
    )
    .unwrap();
    project.refresh();
    let state = assert_value_stored_as_secret(&mut project);
    assert_eq!(state["outputs"]["version"], json!(3), "{state}");
    let preview = project.preview_json();
    let steps = preview.steps_of_type(PARAMETER);
    assert_eq!(steps[0].op, "update", "{:?}", steps[0].raw);
    project.up();
    assert_eq!(
        live(&moto, NAME).unwrap(),
        ("SecureString".into(), 4, SECOND.into())
    );
    project.preview_expect_no_changes();

    // A new name replaces the parameter: a new one at version 1, the old one gone.
    let renamed = "/sotex/e2e/SENTRY_DSN_V2";
    let mut third = tagged.clone();
    third["name"] = json!(renamed);
    configure(&mut project, third.clone(), None);
    let preview = project.preview_json();
    let steps = preview.steps_of_type(PARAMETER);
    assert!(
        steps
            .iter()
            .any(|s| s.op == "replace" || s.op == "create-replacement"),
        "a name change must replace: {:?}",
        preview.summary()
    );
    project.up();
    let (new_arn, new_name, new_version) = outputs(&mut project);
    assert_eq!((new_name.as_str(), new_version), (renamed, 1));
    assert_ne!(new_arn, arn);
    assert!(
        live(&moto, NAME).is_none(),
        "the replaced parameter is still there"
    );
    project.preview_expect_no_changes();

    // Import into another stack: found by name, its value stored as a secret; without
    // decrypting, the provider cannot know the value, so the first up writes the program's
    // value as a new version, and then nothing is left to do.
    let mut imported = Subject::new("bad_input").project("ssm-parameter-import", &recorder.url());
    configure(&mut imported, third, None);
    let out = imported.run(&[
        "import",
        PARAMETER,
        "subject",
        renamed,
        "--yes",
        "--protect=false",
        "--generate-code=false",
        "--stack",
        STACK,
    ]);
    assert!(out.success(), "pulumi import failed:\n{out}");
    let state = assert_value_stored_as_secret(&mut imported);
    assert_eq!(state["id"], renamed);
    assert_eq!(state["outputs"]["arn"], new_arn.as_str());
    imported.up();
    assert_eq!(
        live(&moto, renamed).unwrap(),
        ("SecureString".into(), 2, SECOND.into())
    );
    imported.preview_expect_no_changes();

    // Delete; then the first stack's parameter is gone already, and its delete succeeds.
    imported.destroy();
    assert!(live(&moto, renamed).is_none());
    project.destroy();
    assert!(exported_resources(&project.stack_export(), PARAMETER).is_empty());

    // Neither value in plaintext anywhere Pulumi keeps or prints things. The second value was
    // plain *configuration* of the test program, which Pulumi itself keeps and prints as such
    // (update history, `preview --json`'s config): that is no place of the provider's, so for
    // it those are left out; the state, its backups and everything else are searched.
    let mut everywhere = Vec::new();
    let mut outside_plain_config = Vec::new();
    for p in [&project, &imported] {
        let config_key = format!("\"{}:properties\"", p.name());
        let runs: String = p
            .all_run_output()
            .lines()
            .filter(|l| !l.contains(&config_key))
            .map(|l| format!("{l}\n"))
            .collect();
        everywhere.push((format!("{} runs", p.name()), p.all_run_output()));
        outside_plain_config.push((format!("{} runs", p.name()), runs));
        for (place, text) in files_text(p.backend_dir())
            .into_iter()
            .chain(files_text(p.home()))
        {
            if !place.contains("/history/") {
                outside_plain_config.push((place.clone(), text.clone()));
            }
            everywhere.push((place, text));
        }
    }
    assert_no_plaintext(&everywhere, &[FIRST]);
    assert_no_plaintext(&outside_plain_config, &[SECOND]);
}

#[test]
fn a_parameter_whose_read_back_fails_is_kept_and_finished_by_the_next_up() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto.url());
    // Every attempt of the read after the put fails (the SDK makes three).
    proxy.add_rule(FaultRule::new(
        "ssm:GetParameter",
        FaultKind::ServerError,
        3,
    ));
    let mut project = Subject::new("bad_input").project("ssm-partial", &proxy.url());
    configure(
        &mut project,
        json!({"name": "/sotex/e2e/partial"}),
        Some(FIRST),
    );
    let out = project.try_up();
    assert!(!out.success(), "the failed read must fail the up:\n{out}");
    assert!(
        out.combined()
            .contains("was put but reading its ARN failed"),
        "{out}"
    );
    assert!(live(&moto, "/sotex/e2e/partial").is_some());
    let export = project.stack_export();
    let resources = exported_resources(&export, PARAMETER);
    assert_eq!(
        resources.len(),
        1,
        "the parameter is not in the state: {export}"
    );
    assert_eq!(resources[0]["id"], "/sotex/e2e/partial");

    // The next up continues with the same parameter and fills in its ARN.
    project.up();
    let (arn, _, version) = outputs(&mut project);
    assert!(arn.ends_with("parameter/sotex/e2e/partial"), "{arn}");
    assert_eq!(version, 1, "no second put");
    project.preview_expect_no_changes();
    project.destroy();
    assert!(live(&moto, "/sotex/e2e/partial").is_none());
    let places = vec![("pulumi runs".to_string(), project.all_run_output())];
    assert_no_plaintext(&places, &[FIRST]);
}
