//! `sotex-ci deploy` driving the real `pulumi` CLI against moto: production is refused for a
//! commit staging has not run, a staging deploy records what it ran in a stack tag, production
//! then takes that commit; a failed rollout exits with its own code, names the provider's stop
//! reasons and leaves the last good record in place.

use std::process::{Command, Output, Stdio};

use fargate_e2e::pulumi::PASSPHRASE;
use fargate_e2e::tools::{pulumi_bin, workspace_bin};
use fargate_e2e::{EcsProbe, Moto, PulumiProject, default_network};
use sotex_delivery::deploy::{
    EXIT_DEPLOY_FAILED, EXIT_OK, EXIT_REFUSED, FAILED_TAG, RECORD_TAG, Record,
};

const C1: &str = "1111111111111111111111111111111111111111";
const C2: &str = "2222222222222222222222222222222222222222";

/// Runs `sotex-ci deploy <args> --cwd <project>` with the project's backend, passphrase and
/// home and moto as AWS, as CI would with its own settings.
fn sotex_ci(project: &PulumiProject, aws: &str, args: &[&str]) -> Output {
    let mut cmd = Command::new(workspace_bin("sotex-ci"));
    cmd.arg("deploy")
        .args(args)
        .args(["--cwd", &project.dir().to_string_lossy()])
        .stdin(Stdio::null());
    // Nothing from the developer's or CI's environment: only what this project uses.
    for (key, _) in std::env::vars_os() {
        if let Some(k) = key.to_str()
            && ["AWS_", "PULUMI_", "GITHUB_"]
                .iter()
                .any(|p| k.starts_with(p))
        {
            cmd.env_remove(k);
        }
    }
    let no_file = |name: &str| project.home().join(name).to_string_lossy().into_owned();
    cmd.envs([
        ("PULUMI_BIN", pulumi_bin().to_string_lossy().into_owned()),
        ("PULUMI_HOME", project.home().to_string_lossy().into_owned()),
        (
            "PULUMI_BACKEND_URL",
            format!("file://{}", project.backend_dir().display()),
        ),
        ("PULUMI_CONFIG_PASSPHRASE", PASSPHRASE.into()),
        ("PULUMI_SKIP_UPDATE_CHECK", "true".into()),
        ("PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION", "true".into()),
        ("PULUMI_IGNORE_AMBIENT_PLUGINS", "true".into()),
        ("AWS_ENDPOINT_URL", aws.into()),
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_DEFAULT_REGION", "us-east-1".into()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ("AWS_CONFIG_FILE", no_file("no-aws-config")),
        ("AWS_SHARED_CREDENTIALS_FILE", no_file("no-aws-credentials")),
    ]);
    let out = cmd.output().expect("run sotex-ci");
    println!(
        "$ sotex-ci deploy {}\n[{}]\n--- stdout ---\n{}\n--- stderr ---\n{}\n",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("sotex-ci exited normally")
}

/// The summary paragraph: the last non-empty line sotex-ci printed.
fn summary(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .to_string()
}

/// A stack tag through the CLI, as a person would inspect it.
fn tag(project: &mut PulumiProject, stack: &str, name: &str) -> Option<String> {
    let out = project.run(&["stack", "tag", "get", name, "--stack", stack]);
    out.success().then(|| out.stdout.trim().to_string())
}

fn record(project: &mut PulumiProject, stack: &str) -> Option<Record> {
    tag(project, stack, RECORD_TAG).map(|t| Record::decode(&t).unwrap())
}

fn config(project: &mut PulumiProject, stack: &str, key: &str) -> String {
    project
        .run_ok(&["config", "get", key, "--stack", stack])
        .stdout
        .trim()
        .to_string()
}

#[test]
fn production_only_takes_what_staging_ran() {
    let moto = Moto::start();
    let ecs = EcsProbe::new(&moto.url());
    let mut project = PulumiProject::new("deploy-guard", "cluster", &moto.url());
    project.stack_init("staging");
    project.stack_init("production");

    // Nothing has run on staging: production is refused, and nothing is created.
    let out = sotex_ci(
        &project,
        &moto.url(),
        &["--stack", "production", "--commit", C1, "--image-tag", "v1"],
    );
    assert_eq!(code(&out), EXIT_REFUSED, "{}", summary(&out));
    let text = summary(&out);
    assert!(
        text.contains("commit 1111111 has not been deployed to `staging` successfully"),
        "{text}"
    );
    assert!(
        text.contains("no record of any successful deploy"),
        "{text}"
    );
    assert!(ecs.active_clusters().is_empty(), "a refused deploy ran");
    assert_eq!(record(&mut project, "production"), None);

    // Staging: deployed with the image tag as config, and recorded in a stack tag.
    let out = sotex_ci(
        &project,
        &moto.url(),
        &["--stack", "staging", "--commit", C1, "--image-tag", "v1"],
    );
    assert_eq!(code(&out), EXIT_OK, "{}", summary(&out));
    let text = summary(&out);
    assert!(
        text.contains("Deployed commit 1111111 to `staging` with image tag `v1` (given)"),
        "{text}"
    );
    assert!(text.contains("created"), "{text}");
    let staging = record(&mut project, "staging").expect("staging's record");
    assert_eq!(
        (staging.commit.as_str(), staging.image_tag.as_deref()),
        (C1, Some("v1"))
    );
    assert_eq!(config(&mut project, "staging", "imageTag"), "v1");
    assert_eq!(ecs.active_clusters().len(), 1);

    // Another commit, or the same commit with another image, is still refused.
    let out = sotex_ci(
        &project,
        &moto.url(),
        &["--stack", "production", "--commit", C2, "--image-tag", "v1"],
    );
    assert_eq!(code(&out), EXIT_REFUSED, "{}", summary(&out));
    assert!(
        summary(&out).contains("`staging` last ran commit 1111111 with image tag `v1`"),
        "{}",
        summary(&out)
    );
    let out = sotex_ci(
        &project,
        &moto.url(),
        &["--stack", "production", "--commit", C1, "--image-tag", "v2"],
    );
    assert_eq!(code(&out), EXIT_REFUSED, "{}", summary(&out));
    assert_eq!(ecs.active_clusters().len(), 1);

    // The commit staging ran: production deploys it and records it too.
    let out = sotex_ci(
        &project,
        &moto.url(),
        &["--stack", "production", "--commit", C1, "--image-tag", "v1"],
    );
    assert_eq!(code(&out), EXIT_OK, "{}", summary(&out));
    assert!(
        summary(&out).contains("after checking that `staging` ran it"),
        "{}",
        summary(&out)
    );
    assert_eq!(ecs.active_clusters().len(), 2);
    assert_eq!(record(&mut project, "production").unwrap().commit, C1);

    // An infrastructure change without an image tag keeps staging's image; the record moves
    // on, survives the update, and production now refuses the older commit.
    let out = sotex_ci(
        &project,
        &moto.url(),
        &["--stack", "staging", "--commit", C2],
    );
    assert_eq!(code(&out), EXIT_OK, "{}", summary(&out));
    assert!(
        summary(&out).contains("image tag `v1` (kept from its last deploy)"),
        "{}",
        summary(&out)
    );
    let staging = record(&mut project, "staging").unwrap();
    assert_eq!(
        (staging.commit.as_str(), staging.image_tag.as_deref()),
        (C2, Some("v1"))
    );
    assert_eq!(record(&mut project, "production").unwrap().commit, C1);
    let out = sotex_ci(
        &project,
        &moto.url(),
        &["--stack", "production", "--commit", C1],
    );
    assert_eq!(code(&out), EXIT_REFUSED, "{}", summary(&out));
    assert!(
        summary(&out).contains("`staging` last ran commit 2222222"),
        "{}",
        summary(&out)
    );
}

#[test]
fn a_failed_rollout_fails_with_its_reasons_and_keeps_the_last_good_record() {
    // Without MOTO_ECS_SERVICE_RUNNING no task ever runs: the rollout cannot become steady.
    let moto = Moto::start();
    let network = default_network(moto.addr());
    let mut project = PulumiProject::new("deploy-failure", "service", &moto.url());
    project.stack_init("staging");
    project.config_set("image", "nginx:1.27");
    for (i, subnet) in network.subnet_ids.iter().take(2).enumerate() {
        project.config_set_path(&format!("subnets[{i}]"), subnet);
    }
    project.config_set_path("securityGroups[0]", &network.security_group_ids[0]);
    project.config_set("createTimeout", "10s");

    let out = sotex_ci(
        &project,
        &moto.url(),
        &["--stack", "staging", "--commit", C1, "--image-tag", "v1"],
    );
    assert_eq!(code(&out), EXIT_DEPLOY_FAILED, "{}", summary(&out));
    let text = summary(&out);
    assert!(
        text.contains("Deploy of commit 1111111 to `staging` with image tag `v1` (given) FAILED"),
        "{text}"
    );
    // The provider's reasons, not only pulumi's "update failed".
    assert!(text.contains("did not reach steady state"), "{text}");
    assert!(text.contains("0 running"), "{text}");
    assert_eq!(record(&mut project, "staging"), None);
    assert!(
        tag(&mut project, "staging", FAILED_TAG)
            .unwrap()
            .contains(C1)
    );
}
