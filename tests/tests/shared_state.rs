//! A team's shared state: the stack's state in an S3 bucket and its secrets encrypted with a
//! KMS key, both on moto, driven through the real `pulumi` CLI exactly as the README tells a
//! team (`PULUMI_BACKEND_URL=s3://…`, `pulumi stack init --secrets-provider awskms://…`).
//!
//! - A whole lifecycle works against that backend and no object version in the bucket holds
//!   a secret in plaintext.
//! - Two `pulumi up` of one stack started together: one runs, the other stops on the CLI's
//!   lock and changes nothing; the state stays intact and moto holds exactly what it holds.
//! - A run SIGKILLed mid-update leaves its lock behind: `pulumi cancel` removes it and the
//!   next `up` converges.
//!
//! Every line starting `RELIABILITY` is a figure for RELIABILITY.md.

use std::time::{Duration, Instant};

use fargate_e2e::faults::inventory::{SERVICE, reconcile};
use fargate_e2e::faults::process::{descendants, signal};
use fargate_e2e::faults::subject::{STACK, Subject, set_stack_config};
use fargate_e2e::faults::{FaultKind, FaultProxy, FaultRule};
use fargate_e2e::shared_state::{
    self, BUCKET, all_object_versions, backend_url, current_keys, secrets_provider,
};
use fargate_e2e::{Moto, PulumiProject};

const SECRET: &str = "kms-canary-51d0c7a2e9";
const LOCK_MESSAGE: &str = "the stack is currently locked by";

/// The `service` example (cluster, task definition, Fargate service) with one secret, its
/// state in the moto bucket. With `kms`, the stack is created with the KMS secrets provider;
/// without, with a passphrase (to be moved to KMS later). AWS calls of the provider go to
/// `provider_endpoint` (moto, or a fault proxy in front of it).
fn team_project(moto: &Moto, provider_endpoint: &str, kms: bool) -> PulumiProject {
    shared_state::set_up(&moto.url());
    let subject = Subject::service_example(moto);
    let mut project = PulumiProject::new("shared", &subject.program, provider_endpoint);
    project.set_env("PULUMI_BACKEND_URL", &backend_url(&moto.url()));
    if kms {
        // No passphrase anywhere: KMS alone protects the secrets.
        project.set_env("PULUMI_CONFIG_PASSPHRASE", "");
        project.stack_init_with(
            STACK,
            &["--secrets-provider", &secrets_provider(&moto.url())],
        );
        assert_uses_kms(&project);
    } else {
        project.stack_init(STACK);
    }
    set_stack_config(&project, &subject.config);
    project.config_set_secret("secretEnv", SECRET);
    project
}

fn stack_file(project: &PulumiProject) -> String {
    std::fs::read_to_string(project.dir().join(format!("Pulumi.{STACK}.yaml"))).expect("stack file")
}

fn assert_uses_kms(project: &PulumiProject) {
    let text = stack_file(project);
    assert!(
        text.contains("secretsprovider: awskms://alias/sotex-pulumi-secrets")
            && text.contains("encryptedkey:")
            && !text.contains("encryptionsalt:"),
        "the stack file should name the KMS key and hold the data key it wrapped:\n{text}"
    );
}

#[test]
fn s3_state_and_kms_secrets_through_a_whole_lifecycle() {
    let moto = Moto::start_with_env(&[("MOTO_ECS_SERVICE_RUNNING", "1")]);
    // An existing stack on a passphrase, moved to KMS as the README says.
    let mut project = team_project(&moto, &moto.url(), false);
    project.preview();
    project.up();
    let stack = project.stack().to_string();
    let ciphertext_before = stack_file(&project);
    project.run_ok(&[
        "stack",
        "change-secrets-provider",
        "--stack",
        &stack,
        &secrets_provider(&moto.url()),
    ]);
    assert_uses_kms(&project);
    assert_ne!(ciphertext_before, stack_file(&project));
    // From here on there is no passphrase: KMS alone decrypts, and the value is unchanged.
    project.set_env("PULUMI_CONFIG_PASSPHRASE", "");
    let value = project.run_ok(&["config", "get", "secretEnv", "--stack", &stack]);
    assert_eq!(value.stdout.trim(), SECRET, "{value}");
    project.preview_expect_no_changes();
    project.refresh();
    project.preview_expect_no_changes();
    let export = project.stack_export();
    let rec = reconcile(moto.addr(), &export);
    assert!(rec.is_clean(), "{rec}");
    assert_eq!(rec.matched.iter().filter(|(t, _)| t == SERVICE).count(), 1);

    // The state is in the bucket, and no version of any object there holds the secret.
    let keys = current_keys(&moto.url(), ".pulumi/stacks/");
    assert!(
        keys.iter().any(|k| k.ends_with(&format!("{STACK}.json"))),
        "no state of stack {STACK} in s3://{BUCKET}: {keys:?}"
    );
    let objects = all_object_versions(&moto.url());
    let state_versions = objects
        .iter()
        .filter(|o| o.key.ends_with(&format!("{STACK}.json")))
        .count();
    assert!(
        state_versions >= 2,
        "versioning keeps every state write: {state_versions}"
    );
    let leaks: Vec<String> = objects
        .iter()
        .filter(|o| o.text.contains(SECRET))
        .map(|o| format!("{} ({})", o.key, o.version_id))
        .collect();
    assert!(leaks.is_empty(), "plaintext secret in {leaks:?}");
    // The secret is in the state, as KMS-protected ciphertext.
    let state_text = serde_json::to_string(&export).unwrap();
    assert!(
        state_text.contains("4dabf18193072939515e22adb298388d"),
        "the state should hold the secret as a secret value"
    );
    assert!(
        !stack_file(&project).contains(SECRET),
        "plaintext in the stack file"
    );
    let bytes: usize = objects.iter().map(|o| o.text.len()).sum();
    println!(
        "RELIABILITY scenario=s3-state-kms-secrets objects_searched={} bytes={bytes} plaintext_hits={}",
        objects.len(),
        leaks.len()
    );

    project.destroy();
    assert_eq!(reconcile(moto.addr(), &project.stack_export()).checked(), 0);
}

/// Starts two `pulumi up` together; returns their outputs once both ended.
fn two_ups_at_once(
    project: &mut PulumiProject,
) -> (fargate_e2e::CmdOutput, fargate_e2e::CmdOutput) {
    let a = project.spawn_stack(&["up", "--yes", "--skip-preview"]);
    let b = project.spawn_stack(&["up", "--yes", "--skip-preview"]);
    (a.wait(), b.wait())
}

#[test]
fn concurrent_ups_one_runs_the_other_stops_on_the_lock_and_a_stale_lock_is_cancelled() {
    let moto = Moto::start_with_env(&[("MOTO_ECS_SERVICE_RUNNING", "1")]);
    let proxy = FaultProxy::start(&moto.url());
    let mut project = team_project(&moto, &proxy.url(), true);

    // The CLI's lock is check, write, check again: two runs that start in the same instant may
    // both see the other's lock and both stop (safe, nothing changes). Retry the pair until
    // one of them got the stack, as two CI jobs would be retried.
    let mut rounds = 0;
    let (winner, loser) = loop {
        rounds += 1;
        let (a, b) = two_ups_at_once(&mut project);
        for out in [&a, &b] {
            assert!(
                out.success() || out.combined().contains(LOCK_MESSAGE),
                "a run failed for another reason than the lock:\n{out}"
            );
        }
        assert!(
            !(a.success() && b.success()),
            "both runs of one stack went through:\n{a}\n{b}"
        );
        if a.success() || b.success() {
            break if a.success() { (a, b) } else { (b, a) };
        }
        let rec = reconcile(moto.addr(), &project.stack_export());
        assert_eq!(
            rec.checked(),
            0,
            "both stopped, yet something changed: {rec}"
        );
        assert!(rounds < 4, "{rounds} rounds and neither run got the stack");
    };
    println!("winner:\n{winner}\nloser:\n{loser}");
    let stopped = loser.combined();
    assert!(
        stopped.contains(LOCK_MESSAGE) && stopped.contains("pulumi cancel"),
        "the second run should stop with the CLI's lock message:\n{loser}"
    );
    // No resource step at all (a step line names its type, `fargate:…`).
    assert!(
        !stopped.contains("fargate:") && !stopped.contains("Resources:"),
        "the stopped run touched resources:\n{loser}"
    );
    // The state is intact: it parses, nothing to change, and moto holds exactly what it holds.
    let export = project.stack_export();
    assert!(export["deployment"]["resources"].is_array(), "{export}");
    project.preview_expect_no_changes();
    let rec = reconcile(moto.addr(), &export);
    println!("after the concurrent runs: {rec}");
    assert!(rec.is_clean(), "{rec}");
    assert_eq!(rec.matched.iter().filter(|(t, _)| t == SERVICE).count(), 1);
    let lock_keys = current_keys(&moto.url(), ".pulumi/locks/");
    assert!(lock_keys.is_empty(), "locks left: {lock_keys:?}");
    println!(
        "RELIABILITY scenario=two-concurrent-ups rounds={rounds} one_ran=true other_stopped_on_lock=true resources_checked={} orphans={} lost={}",
        rec.checked(),
        rec.orphans.len(),
        rec.lost.len()
    );

    stale_lock_is_cleared_by_cancel(&moto, &proxy, &mut project);
}

/// A run killed mid-update (a lost CI runner) cannot release its lock: the next run stops on
/// it, `pulumi cancel` removes it, and `refresh` + `up` converge.
fn stale_lock_is_cleared_by_cancel(moto: &Moto, proxy: &FaultProxy, project: &mut PulumiProject) {
    let stack = project.stack().to_string();
    project.config_set("image", "nginx:1.28");
    proxy.add_rule(FaultRule::new(
        "ecs:RegisterTaskDefinition",
        FaultKind::Latency(Duration::from_secs(5)),
        1,
    ));
    let mut run = project.spawn_stack(&["up", "--yes", "--skip-preview"]);
    let started = Instant::now();
    while proxy.fired().is_empty() {
        assert!(
            !run.finished(),
            "the run ended early:\n{}",
            run.output_so_far()
        );
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no update started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let held_since = Instant::now();
    let cli = run.pid();
    let everything = descendants(cli);
    signal(cli, libc::SIGKILL).expect("SIGKILL the CLI");
    for pid in everything {
        let _ = signal(pid, libc::SIGKILL);
    }
    let killed = run.wait();
    assert!(!killed.success(), "{killed}");
    // The proxy still delivers the held RegisterTaskDefinition to moto after the kill, as AWS
    // would finish a request already sent. Let it land before the next run, so the recovery
    // below must find that revision rather than race it (it landed after the sweep otherwise
    // and was counted as left over after destroy).
    std::thread::sleep(Duration::from_secs(7).saturating_sub(held_since.elapsed()));
    let stale = current_keys(&moto.url(), ".pulumi/locks/");
    assert_eq!(
        stale.len(),
        1,
        "the killed run's lock should remain: {stale:?}"
    );

    let blocked = project.try_up();
    assert!(
        !blocked.success() && blocked.combined().contains(LOCK_MESSAGE),
        "the stale lock should stop the next run:\n{blocked}"
    );
    // The documented recovery: cancel removes the lock; refresh settles what the killed run
    // left pending; up converges.
    project.run_ok(&["cancel", "--yes", "--stack", &stack]);
    assert!(current_keys(&moto.url(), ".pulumi/locks/").is_empty());
    project.run_ok(&[
        "refresh",
        "--yes",
        "--skip-preview",
        "--clear-pending-creates",
        "--stack",
        &stack,
    ]);
    project.up();
    project.preview_expect_no_changes();
    let rec = reconcile(moto.addr(), &project.stack_export());
    println!("after cancel and up: {rec}");
    assert!(rec.is_clean(), "{rec}");
    assert_eq!(rec.matched.iter().filter(|(t, _)| t == SERVICE).count(), 1);
    println!(
        "RELIABILITY scenario=stale-lock-after-sigkill cancel_cleared=true resources_checked={} orphans={} lost={}",
        rec.checked(),
        rec.orphans.len(),
        rec.lost.len()
    );
    project.destroy();
    assert_eq!(reconcile(moto.addr(), &project.stack_export()).checked(), 0);
}
