//! `fargate:ecr:Repository` through its whole life with the real `pulumi` CLI against moto:
//! a create whose lifecycle policy fails (the repository is kept in the state and the next up
//! finishes it), no-change preview after up and after refresh, in-place update of mutability,
//! scan on push, lifecycle rules and tags keeping the ARN, the lifecycle policy deleted behind
//! Pulumi's back (refresh records it, up restores it), replacement on a name change, import,
//! a delete refused while images remain (`forceDelete` false, nothing lost), the delete with
//! `forceDelete: true`, and delete of a repository already gone.

use fargate_e2e::faults::subject::{STACK, Subject, set_stack_config};
use fargate_e2e::faults::{FaultKind, FaultProxy, FaultRule};
use fargate_e2e::{Moto, PulumiProject, ecr_call, exported_resources, is_mutating};
use serde_json::{Value, json};

const REPOSITORY: &str = "fargate:ecr:Repository";
const EXPORTS: &[&str] = &["arn", "name", "registryId", "repositoryUrl"];

fn configure(project: &PulumiProject, properties: Value) {
    set_stack_config(
        project,
        &[
            ("type".into(), json!(REPOSITORY)),
            ("properties".into(), properties),
            ("exportProperties".into(), json!(EXPORTS)),
        ],
    );
}

fn mutating(proxy: &FaultProxy) -> Vec<String> {
    let mut ops: Vec<String> = proxy
        .operations()
        .into_iter()
        .filter(|o| is_mutating(o))
        .collect();
    ops.sort();
    ops
}

/// `(arn, name, repositoryUrl)` from the stack outputs.
fn outputs(project: &mut PulumiProject) -> (String, String, String) {
    let out = project.stack_output_json();
    let text = |k: &str| {
        out[k]
            .as_str()
            .unwrap_or_else(|| panic!("no {k} output: {out}"))
            .to_string()
    };
    assert_eq!(out["registryId"], "123456789012", "{out}");
    (text("arn"), text("name"), text("repositoryUrl"))
}

fn repository(moto: &Moto, name: &str) -> Option<Value> {
    match ecr_call(
        moto.addr(),
        "DescribeRepositories",
        &json!({"repositoryNames": [name]}),
    ) {
        Ok(out) => out["repositories"].get(0).cloned(),
        Err(e) if e.contains("RepositoryNotFoundException") => None,
        Err(e) => panic!("{e}"),
    }
}

/// The lifecycle policy document in moto, or `None`.
fn policy(moto: &Moto, name: &str) -> Option<Value> {
    match ecr_call(
        moto.addr(),
        "GetLifecyclePolicy",
        &json!({"repositoryName": name}),
    ) {
        Ok(out) => {
            Some(serde_json::from_str(out["lifecyclePolicyText"].as_str().unwrap()).unwrap())
        }
        Err(e) if e.contains("LifecyclePolicyNotFoundException") => None,
        Err(e) => panic!("{e}"),
    }
}

fn assert_update_in_place(project: &mut PulumiProject) {
    let preview = project.preview_json();
    let steps = preview.steps_of_type(REPOSITORY);
    assert_eq!(steps.len(), 1, "steps: {:?}", preview.summary());
    assert_eq!(steps[0].op, "update", "{:?}", steps[0].raw);
    assert!(steps[0].replace_reasons.is_empty(), "{:?}", steps[0].raw);
}

fn first_version() -> Value {
    json!({
        "lifecycleRules": [
            {"description": "keep releases", "tagStatus": "tagged", "tagPrefixes": ["v"], "keepLastCount": 10},
            {"tagStatus": "untagged", "expireAfterDays": 7}
        ],
        "tags": {"team": "platform"}
    })
}

fn second_version(name: &str) -> Value {
    json!({
        "name": name,
        "imageTagMutability": "MUTABLE",
        "scanOnPush": true,
        "lifecycleRules": [
            {"tagStatus": "tagged", "tagPrefixes": ["v", "release-"], "keepLastCount": 5},
            {"tagStatus": "any", "expireAfterDays": 90}
        ],
        "tags": {"team": "api"}
    })
}

#[test]
fn ecr_repository_lifecycle() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto.url());
    let mut project = Subject::new("bad_input").project("ecr-repository", &proxy.url());
    configure(&project, first_version());

    // Preview: one repository to create, no AWS call.
    let preview = project.preview_json();
    let steps = preview.steps_of_type(REPOSITORY);
    assert_eq!(steps.len(), 1, "steps: {:?}", preview.summary());
    assert_eq!(steps[0].op, "create");
    assert_eq!(
        proxy.operations(),
        Vec::<String>::new(),
        "preview called AWS"
    );

    // Up with PutLifecyclePolicy failing (every SDK attempt): the repository exists and is in
    // the state, reported as created but unfinished; no describe after the create.
    proxy.add_rule(FaultRule::new(
        "ecr:PutLifecyclePolicy",
        FaultKind::ServerError,
        10,
    ));
    let out = project.try_up();
    assert!(!out.success(), "the policy put was made to fail:\n{out}");
    assert!(
        out.combined()
            .contains("was created but its lifecycle policy was not put"),
        "{out}"
    );
    let ops = proxy.operations();
    assert_eq!(proxy.count("ecr:CreateRepository"), 1, "{ops:?}");
    assert_eq!(proxy.count("ecr:DescribeRepositories"), 0, "{ops:?}");
    let export = project.stack_export();
    let repos = exported_resources(&export, REPOSITORY);
    assert_eq!(
        repos.len(),
        1,
        "the half-made repository is not in the state: {export}"
    );
    let name = repos[0]["id"].as_str().unwrap().to_string();
    assert!(name.starts_with("subject-"), "auto-name: {name}");
    assert!(repository(&moto, &name).is_some());
    assert_eq!(policy(&moto, &name), None);

    // The next up finishes the same repository: only the policy is put.
    proxy.clear_rules();
    proxy.clear_calls();
    project.up();
    assert_eq!(mutating(&proxy), vec!["ecr:PutLifecyclePolicy"]);
    let (arn, out_name, url) = outputs(&mut project);
    assert_eq!(out_name, name);
    assert_eq!(
        arn,
        format!("arn:aws:ecr:us-east-1:123456789012:repository/{name}")
    );
    assert_eq!(
        url,
        format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/{name}")
    );
    let live = repository(&moto, &name).unwrap();
    assert_eq!(live["imageTagMutability"], "IMMUTABLE", "{live}");
    let document = policy(&moto, &name).expect("a lifecycle policy");
    assert_eq!(
        document["rules"][0]["selection"]["tagPrefixList"],
        json!(["v"])
    );
    assert_eq!(document["rules"][1]["selection"]["countUnit"], "days");

    // Nothing to do, without an AWS call; and after refresh (ECR's policy text read back).
    proxy.clear_calls();
    project.preview_expect_no_changes();
    assert_eq!(
        proxy.operations(),
        Vec::<String>::new(),
        "preview called AWS"
    );
    project.refresh();
    assert_eq!(mutating(&proxy), Vec::<String>::new());
    project.preview_expect_no_changes();

    // In place: mutability, scan on push, rules and tags; same ARN.
    configure(&project, second_version(&name));
    assert_update_in_place(&mut project);
    proxy.clear_calls();
    project.up();
    assert_eq!(
        mutating(&proxy),
        vec![
            "ecr:PutImageScanningConfiguration",
            "ecr:PutImageTagMutability",
            "ecr:PutLifecyclePolicy",
            "ecr:TagResource"
        ]
    );
    assert_eq!(outputs(&mut project).0, arn);
    let live = repository(&moto, &name).unwrap();
    assert_eq!(live["imageTagMutability"], "MUTABLE", "{live}");
    assert_eq!(
        live["imageScanningConfiguration"]["scanOnPush"], true,
        "{live}"
    );
    let document = policy(&moto, &name).unwrap();
    assert_eq!(document["rules"][1]["selection"]["tagStatus"], "any");
    project.preview_expect_no_changes();

    // Drift: the lifecycle policy deleted with the ECR API. Refresh records it; up restores it.
    ecr_call(
        moto.addr(),
        "DeleteLifecyclePolicy",
        &json!({"repositoryName": name}),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    project.refresh();
    let export = project.stack_export();
    let state = &exported_resources(&export, REPOSITORY)[0];
    assert!(
        state["outputs"].get("lifecycleRules").is_none(),
        "refresh did not record the deleted policy: {state}"
    );
    assert_update_in_place(&mut project);
    proxy.clear_calls();
    project.up();
    assert_eq!(mutating(&proxy), vec!["ecr:PutLifecyclePolicy"]);
    assert!(policy(&moto, &name).is_some());
    project.preview_expect_no_changes();

    // A new name replaces the repository: a new one, the old (empty) one gone.
    let renamed = "sotex/api";
    let third = second_version(renamed);
    configure(&project, third.clone());
    let preview = project.preview_json();
    assert!(
        preview
            .steps_of_type(REPOSITORY)
            .iter()
            .any(|s| s.op == "replace" || s.op == "create-replacement"),
        "a name change must replace: {:?}",
        preview.summary()
    );
    project.up();
    let (new_arn, new_name, _) = outputs(&mut project);
    assert_eq!(new_name, renamed);
    assert_ne!(new_arn, arn);
    assert!(
        repository(&moto, &name).is_none(),
        "the replaced repository is still there"
    );
    project.preview_expect_no_changes();

    // Import into another stack: the repository read back equals the program's inputs.
    let mut imported = Subject::new("bad_input").project("ecr-repository-import", &proxy.url());
    configure(&imported, third.clone());
    let out = imported.run(&[
        "import",
        REPOSITORY,
        "subject",
        renamed,
        "--yes",
        "--protect=false",
        "--generate-code=false",
        "--stack",
        STACK,
    ]);
    assert!(out.success(), "pulumi import failed:\n{out}");
    let export = imported.stack_export();
    let repos = exported_resources(&export, REPOSITORY);
    assert_eq!(repos.len(), 1, "{export}");
    assert_eq!(repos[0]["id"], renamed);
    assert_eq!(repos[0]["outputs"]["arn"], new_arn.as_str());
    imported.preview_expect_no_changes();

    // An image pushed: without forceDelete the delete is refused, naming the repository, the
    // image count and the fix; the repository and its image stay.
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7023,
                   "digest": "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7"},
        "layers": []
    });
    ecr_call(
        moto.addr(),
        "PutImage",
        &json!({"repositoryName": renamed, "imageTag": "v1", "imageManifest": manifest.to_string()}),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = imported.run(&["destroy", "--yes", "--skip-preview", "--stack", STACK]);
    assert!(
        !out.success(),
        "a repository with images was deleted:\n{out}"
    );
    let text = out.combined();
    assert!(
        text.contains("`sotex/api` still holds 1 image") && text.contains("forceDelete: true"),
        "{out}"
    );
    assert!(
        repository(&moto, renamed).is_some(),
        "the repository was lost"
    );

    // forceDelete: true changes nothing in AWS; then the delete takes the images with it.
    let mut forced = third;
    forced["forceDelete"] = json!(true);
    configure(&imported, forced);
    assert_update_in_place(&mut imported);
    proxy.clear_calls();
    imported.up();
    assert_eq!(mutating(&proxy), Vec::<String>::new());
    imported.destroy();
    assert!(repository(&moto, renamed).is_none());

    // The first stack's repository is gone already: its delete succeeds and empties the state.
    project.destroy();
    assert!(exported_resources(&project.stack_export(), REPOSITORY).is_empty());
}
