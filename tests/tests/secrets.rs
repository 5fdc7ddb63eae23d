//! Secrets never appear in plaintext: not in the state (`stack export` and the raw backend
//! files), not in any output or log of `preview` / `up` / `refresh` / `destroy` at `-v=9
//! --logtostderr` (the engine's, the language host's, the program's and the provider's logs all
//! end up there), not in `preview --json` (what CI renders the PR comment from), not in AWS's
//! own answers (every task definition revision moto returns from `DescribeTaskDefinition`, the
//! parameters' metadata) — the secret reaches the container through an SSM `SecureString`
//! parameter named in `secrets` — and not in error messages, also when a secret value is
//! invalid.
//!
//! Every line starting `RELIABILITY` is a figure for RELIABILITY.md.

use std::path::Path;

use aws_sdk_ecs::types::TaskDefinitionStatus;
use fargate_e2e::faults::FaultProxy;
use fargate_e2e::faults::subject::Subject;
use fargate_e2e::{Moto, exported_resources, ssm_call};
use serde_json::json;

const VERBOSE: [&str; 2] = ["-v=9", "--logtostderr"];

/// The subject: the full stack program with the committed staging file, its container
/// secret `environment.SENTRY_DSN` set to the canary.
fn subject(_moto: &Moto, secret: &str) -> Subject {
    Subject::full_stack().with_secret("environment.SENTRY_DSN", secret)
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

/// Where `needle` occurs: `(place, line)` pairs.
fn hits(places: &[(String, String)], needle: &str) -> Vec<String> {
    places
        .iter()
        .flat_map(|(place, text)| {
            text.lines()
                .filter(|l| l.contains(needle))
                .map(move |l| format!("{place}: {}", l.chars().take(300).collect::<String>()))
        })
        .collect()
}

#[test]
fn secret_config_never_appears_in_plaintext() {
    let secret = "plaintext-canary-7f3a9c1e";
    let moto = Moto::start_with_env(&[("MOTO_ECS_SERVICE_RUNNING", "1")]);
    let proxy = FaultProxy::start(&moto.url());
    let mut project = subject(&moto, secret).project("secrets", &proxy.url());
    let stack = project.stack().to_string();
    let with_stack = |args: &[&str]| {
        let mut v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        v.extend(VERBOSE.iter().map(|s| s.to_string()));
        v.extend(["--stack".to_string(), stack.clone()]);
        v
    };
    let run_ok = |project: &mut fargate_e2e::PulumiProject, args: &[&str]| {
        let args = with_stack(args);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        project.run_ok(&args)
    };

    run_ok(&mut project, &["preview"]);
    let preview_json = run_ok(&mut project, &["preview", "--json"]).stdout;
    run_ok(&mut project, &["up", "--yes", "--skip-preview"]);
    assert!(
        proxy.count("ecs:RegisterTaskDefinition") == 1,
        "{:?}",
        proxy.operations()
    );
    run_ok(&mut project, &["refresh", "--yes", "--skip-preview"]);
    run_ok(&mut project, &["preview", "--expect-no-changes"]);

    let export = project.stack_export();
    let export_text = export.to_string();
    let outputs = project.run_ok(&["stack", "output", "--json", "--stack", &stack]);
    // The state does hold it, encrypted: the parameter's value is a secret.
    let parameter = exported_resources(&export, "fargate:ssm:Parameter")[0];
    assert!(
        parameter["inputs"]["value"]
            .to_string()
            .contains("ciphertext"),
        "the parameter's value should be stored as a secret: {parameter}"
    );

    // The canary did flow to AWS, into the SSM parameter only, so the searches are
    // meaningful; AWS's own answers are searched too: every task definition revision
    // (`DescribeTaskDefinition`, what read-only roles and the console see) and the
    // parameter's metadata (`DescribeParameters`, no decryption).
    let name = parameter["outputs"]["name"]
        .as_str()
        .expect("parameter name");
    let stored = ssm_call(
        moto.addr(),
        "GetParameter",
        &json!({"Name": name, "WithDecryption": true}),
    )
    .expect("the parameter in moto");
    assert_eq!(stored["Parameter"]["Value"], secret);
    assert_eq!(stored["Parameter"]["Type"], "SecureString");
    let ecs = fargate_e2e::EcsProbe::new(&moto.url());
    let task_definitions: Vec<(String, String)> = ecs
        .task_definition_arns(TaskDefinitionStatus::Active)
        .into_iter()
        .map(|arn| {
            let answer = format!("{:?}", ecs.describe_task_definition(&arn));
            (format!("moto DescribeTaskDefinition {arn}"), answer)
        })
        .collect();
    assert!(!task_definitions.is_empty(), "no task definition in moto");
    let described = ssm_call(moto.addr(), "DescribeParameters", &json!({}))
        .expect("DescribeParameters")
        .to_string();
    let mut aws_answers = task_definitions;
    aws_answers.push(("moto DescribeParameters".to_string(), described));
    let aws_hits = hits(&aws_answers, secret);
    println!(
        "RELIABILITY secrets scenario=aws-answers places_checked={} bytes_checked={} plaintext_hits={}",
        aws_answers.len(),
        aws_answers.iter().map(|(_, t)| t.len()).sum::<usize>(),
        aws_hits.len()
    );

    run_ok(&mut project, &["destroy", "--yes", "--skip-preview"]);

    let mut places = vec![
        ("stack export".to_string(), export_text),
        ("stack output".to_string(), outputs.combined()),
        ("preview --json".to_string(), preview_json),
        ("pulumi runs".to_string(), project.all_run_output()),
    ];
    places.extend(files_text(project.backend_dir()));
    places.extend(files_text(project.home()));
    places.extend(aws_answers);
    let found = hits(&places, secret);
    println!(
        "RELIABILITY secrets scenario=secret-config places_checked={} bytes_checked={} plaintext_hits={}",
        places.len(),
        places.iter().map(|(_, t)| t.len()).sum::<usize>(),
        found.len()
    );
    assert!(
        found.is_empty(),
        "the secret appears in plaintext:\n{}",
        found.join("\n")
    );
}

#[test]
fn an_invalid_secret_value_is_not_echoed() {
    let secret = "bad secret name canary-41d0";
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto.url());
    let subject = Subject::raw_resource("fargate:ecs:Cluster", json!({}))
        .with_secret("secretProperties", &json!({"name": secret}).to_string());
    let mut project = subject.project("secret-errors", &proxy.url());
    let stack = project.stack().to_string();
    let out = project.run(&["preview", "-v=9", "--logtostderr", "--stack", &stack]);
    assert!(!out.success(), "an invalid name was accepted:\n{out}");
    assert!(
        out.combined().contains("property name"),
        "the error should still name the property:\n{out}"
    );
    let export = project.stack_export().to_string();
    let mut places = vec![
        ("preview".to_string(), project.all_run_output()),
        ("stack export".to_string(), export),
    ];
    places.extend(files_text(project.backend_dir()));
    let found = hits(&places, secret);
    println!(
        "RELIABILITY secrets scenario=invalid-secret-input places_checked={} plaintext_hits={}",
        places.len(),
        found.len()
    );
    assert!(
        found.is_empty(),
        "the invalid secret is echoed:\n{}",
        found.join("\n")
    );
    assert!(proxy.operations().is_empty(), "{:?}", proxy.operations());
}
