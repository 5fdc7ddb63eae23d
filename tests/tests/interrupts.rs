//! Interrupted runs: the provider SIGKILLed mid-`up` while each kind of resource is being
//! created (service, task definition, load balancer, target group, security group, cluster,
//! listener), the whole run SIGKILLed, and Ctrl-C (SIGINT to the CLI) during a steady-state
//! wait. Only processes of this test's own `pulumi` run are signalled (tests run in parallel).
//!
//! After a kill, the next `up` adopts what the interrupted create made (the provider's journal
//! of creates in flight plus the URN tag, `provider/src/adopt.rs`): no duplicate, no orphan,
//! nothing lost, checked against moto. After Ctrl-C the run ends promptly and the state is
//! consistent as it stands.

use std::time::{Duration, Instant};

use fargate_e2e::Moto;
use fargate_e2e::faults::inventory::{
    CLUSTER, Item, LISTENER, LOAD_BALANCER, SECURITY_GROUP, SERVICE, TARGET_GROUP, TASK_DEFINITION,
    reconcile,
};
use fargate_e2e::faults::process::{descendants, descendants_named, signal};
use fargate_e2e::faults::recovery::pending_creates;
use fargate_e2e::faults::subject::Subject;
use fargate_e2e::faults::{FaultKind, FaultProxy, FaultRule};
use fargate_e2e::pulumi::RunningPulumi;
use serde_json::json;

const PROVIDER: &str = "pulumi-resource-fargate";

/// How long the create under test is held in flight (the kill lands meanwhile).
const HOLD: Duration = Duration::from_secs(6);

/// The subject: change this one line to run against the full stack program.
fn subject(_moto: &Moto) -> Subject {
    Subject::full_stack()
}

/// Waits until `done` holds, or panics after `limit` with the run's output.
fn wait_until(
    run: &mut RunningPulumi,
    limit: Duration,
    what: &str,
    mut done: impl FnMut() -> bool,
) {
    let started = Instant::now();
    while !done() {
        assert!(
            !run.finished(),
            "the run ended before {what}:\n{}",
            run.output_so_far()
        );
        assert!(
            started.elapsed() < limit,
            "no {what} within {limit:?}:\n{}",
            run.output_so_far()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whom a kill hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Victim {
    /// Only the provider plugin: the engine sees its create fail ("exited prematurely").
    Provider,
    /// The whole run, CLI first (a crashed machine or CI runner): the state keeps the
    /// interrupted create as a pending operation.
    WholeRun,
}

/// SIGKILLs `victim` while `operation` is held in flight by a long latency fault (the emulator
/// serves it after the kill: the create happened, unseen), then checks that the next `up`
/// adopts what that create made: no orphan, nothing lost, one service — with no manual step
/// beyond what the CLI itself needs after a killed run (`cancel` for its lock and
/// `refresh --clear-pending-creates` for its pending operations).
fn killed_during(victim: Victim, operation: &str, interrupted_type: &str) {
    let moto = Moto::start_with_env(&[("MOTO_ECS_SERVICE_RUNNING", "1")]);
    let proxy = FaultProxy::start(&moto.url());
    let mut project = subject(&moto).project("killed", &proxy.url());
    proxy.add_rule(FaultRule::new(operation, FaultKind::Latency(HOLD), 1));

    kill_mid_operation(&mut project, &proxy, victim, operation);
    let export = project.stack_export();
    let before = reconcile(moto.addr(), &export);
    println!("after the kill: {before}");
    let pending = pending_creates(moto.addr(), &export);
    println!("pending creates: {pending:?}");
    // What the killed create made, unknown to the state: the orphan the retry must adopt.
    let twins: Vec<Item> = match victim {
        Victim::Provider => {
            assert!(pending.is_empty(), "{pending:?}");
            before.orphans.iter().cloned().collect()
        }
        Victim::WholeRun => {
            let ours = pending
                .iter()
                .find(|p| p.type_token == interrupted_type)
                .unwrap_or_else(|| panic!("no pending create of {interrupted_type}: {pending:?}"));
            assert!(
                ours.id.is_some(),
                "the interrupted create happened, so it must be found: {pending:?}"
            );
            before.orphans.iter().cloned().collect()
        }
    };
    assert!(
        twins.iter().any(|(t, _)| t == interrupted_type),
        "the unseen create should have left a {interrupted_type} the state does not hold: {before}"
    );

    let stack = project.stack().to_string();
    if victim == Victim::WholeRun {
        // The killed CLI could not release its lock, and its pending creates stay in the state
        // until `refresh --clear-pending-creates` drops them (`up` only warns); the `up` then
        // adopts what they made.
        project.run_ok(&["cancel", "--yes", "--stack", &stack]);
        project.run_ok(&[
            "refresh",
            "--yes",
            "--skip-preview",
            "--clear-pending-creates",
            "--stack",
            &stack,
        ]);
    }
    let retry = project.up();
    assert!(
        retry.combined().contains("adopting"),
        "the retry should say what it adopted:\n{retry}"
    );
    project.preview_expect_no_changes();

    let rec = reconcile(moto.addr(), &project.stack_export());
    println!("after the next up: {rec}");
    assert!(rec.is_clean(), "after the next up:\n{rec}");
    let services = rec.matched.iter().filter(|(t, _)| t == SERVICE).count();
    assert_eq!(services, 1, "exactly one service: {rec}");
    let adopted = twins.iter().filter(|t| rec.matched.contains(*t)).count();
    assert!(
        twins
            .iter()
            .filter(|(t, _)| t == interrupted_type)
            .all(|t| rec.matched.contains(t)),
        "the interrupted {interrupted_type} should be adopted, not replaced: twins {twins:?}\n{rec}"
    );
    println!(
        "RELIABILITY scenario=killed-{victim:?}-during-{operation} pending_creates={} orphans_after_kill={} adopted={adopted} resources_checked={} orphans={} lost={}",
        pending.len(),
        before.orphans.len(),
        rec.checked(),
        rec.orphans.len(),
        rec.lost.len()
    );
    project.destroy();
    assert_eq!(reconcile(moto.addr(), &project.stack_export()).checked(), 0);
}

/// Starts `up`, SIGKILLs `victim` while `operation` is held in flight, and waits until the
/// emulator has served that request (the create happened, unseen).
fn kill_mid_operation(
    project: &mut fargate_e2e::PulumiProject,
    proxy: &FaultProxy,
    victim: Victim,
    operation: &str,
) {
    let mut run = project.spawn_stack(&["up", "--yes", "--skip-preview"]);
    let cli = run.pid();
    wait_until(&mut run, Duration::from_secs(120), operation, || {
        !proxy.fired().is_empty()
    });
    let held_since = Instant::now();
    let providers = descendants_named(cli, PROVIDER);
    assert!(
        !providers.is_empty(),
        "no {PROVIDER} among the descendants of our pulumi ({cli})"
    );
    if victim == Victim::WholeRun {
        let everything = descendants(cli);
        signal(cli, libc::SIGKILL).expect("SIGKILL the CLI");
        for pid in everything {
            let _ = signal(pid, libc::SIGKILL);
        }
    } else {
        for pid in &providers {
            signal(*pid, libc::SIGKILL).expect("SIGKILL the provider");
        }
    }
    let out = run.wait();
    assert!(!out.success(), "up survived the kill:\n{out}");
    if victim == Victim::Provider {
        assert!(
            out.combined().contains("exited prematurely"),
            "the failure should say the provider died:\n{out}"
        );
    }

    // The held request was in flight: the emulator serves it once the delay is over. Requests
    // of the same operation that were not held (a second listener, a second group) are done
    // long before; the held one is the call counted after that.
    let almost = HOLD - Duration::from_millis(500);
    if let Some(rest) = almost.checked_sub(held_since.elapsed()) {
        std::thread::sleep(rest);
    }
    let served_before = proxy.count(operation);
    let started = Instant::now();
    while proxy.count(operation) == served_before {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the held {operation} never reached moto"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn provider_killed_while_the_service_is_created() {
    killed_during(Victim::Provider, "ecs:CreateService", SERVICE);
}

#[test]
fn provider_killed_while_the_task_definition_is_registered() {
    killed_during(
        Victim::Provider,
        "ecs:RegisterTaskDefinition",
        TASK_DEFINITION,
    );
}

#[test]
fn provider_killed_while_the_load_balancer_is_created() {
    killed_during(
        Victim::Provider,
        "elasticloadbalancing:CreateLoadBalancer",
        LOAD_BALANCER,
    );
}

#[test]
fn provider_killed_while_the_target_group_is_created() {
    killed_during(
        Victim::Provider,
        "elasticloadbalancing:CreateTargetGroup",
        TARGET_GROUP,
    );
}

#[test]
fn provider_killed_while_a_security_group_is_created() {
    killed_during(Victim::Provider, "ec2:CreateSecurityGroup", SECURITY_GROUP);
}

#[test]
fn provider_killed_while_the_cluster_is_created() {
    killed_during(Victim::Provider, "ecs:CreateCluster", CLUSTER);
}

#[test]
fn provider_killed_while_a_listener_is_created() {
    killed_during(
        Victim::Provider,
        "elasticloadbalancing:CreateListener",
        LISTENER,
    );
}

#[test]
fn whole_run_killed_while_the_service_is_created() {
    killed_during(Victim::WholeRun, "ecs:CreateService", SERVICE);
}

#[test]
fn whole_run_killed_while_the_task_definition_is_registered() {
    killed_during(
        Victim::WholeRun,
        "ecs:RegisterTaskDefinition",
        TASK_DEFINITION,
    );
}

#[test]
fn ctrl_c_during_the_steady_state_wait_stops_promptly() {
    // No task ever runs in this moto: the service never becomes steady.
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto.url());
    let mut project = subject(&moto)
        .with("rolloutTimeout", json!("10m"))
        .project("cancel", &proxy.url());

    let mut run = project.spawn_stack(&["up", "--yes", "--skip-preview"]);
    let cli = run.pid();
    wait_until(
        &mut run,
        Duration::from_secs(120),
        "steady-state polling",
        || proxy.count("ecs:DescribeServices") >= 2,
    );
    signal(cli, libc::SIGINT).expect("SIGINT the CLI");
    let signalled = Instant::now();
    let out = run.wait();
    let took = signalled.elapsed();
    println!("the run ended {took:?} after SIGINT:\n{out}");
    assert!(
        took < Duration::from_secs(15),
        "the run took {took:?} to stop after Ctrl-C:\n{out}"
    );
    assert!(!out.success(), "a cancelled up reported success:\n{out}");

    // Consistent: the service is in the state with its id, nothing pending, moto agrees.
    let export = project.stack_export();
    let rec = reconcile(moto.addr(), &export);
    println!("after Ctrl-C: {rec}");
    assert!(rec.is_clean(), "after Ctrl-C:\n{rec}");
    assert!(
        rec.matched.iter().any(|(t, _)| t == SERVICE),
        "the created service must be in the state: {rec}"
    );
    println!(
        "RELIABILITY scenario=ctrl-c-during-steady-state-wait stopped_after_ms={} resources_checked={} orphans={} lost={} pending={}",
        took.as_millis(),
        rec.checked(),
        rec.orphans.len(),
        rec.lost.len(),
        rec.pending_operations
    );

    // And the stack is still usable: destroy removes everything.
    project.destroy();
    assert_eq!(reconcile(moto.addr(), &project.stack_export()).checked(), 0);
}
