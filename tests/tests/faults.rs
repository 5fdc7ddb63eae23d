//! Faults between the provider and AWS: for each fault kind (throttling in each protocol's own
//! format, 500, 503, connection reset, lost response, latency) on a chosen operation and count,
//! `pulumi up` through the fault proxy either succeeds through retries or fails with a clear
//! message; the next `up` without faults converges (`preview --expect-no-changes`), and moto then
//! holds exactly the resources in the Pulumi state: no orphans, none lost.
//!
//! Every line starting `RELIABILITY` is a figure for RELIABILITY.md (run with `--nocapture`).

use std::time::Duration;

use fargate_e2e::Moto;
use fargate_e2e::faults::inventory::reconcile;
use fargate_e2e::faults::subject::Subject;
use fargate_e2e::faults::{FaultKind, FaultProxy, FaultRule};
use serde_json::json;

/// The subject of the ECS scenarios: change this one line to run them against the full stack
/// program (`Subject::new("sotex-stack")`).
fn subject(_moto: &Moto) -> Subject {
    Subject::full_stack()
}

/// What the first `up` under faults must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// The SDK's or the provider's retries absorb the fault.
    Succeeds,
    /// The fault outlasts the retries: `up` fails, and its output names the operation and
    /// contains every one of these (the error code or the cause).
    FailsNaming(&'static str, &'static [&'static str]),
}

/// Runs one scenario and asserts everything; returns nothing, prints a `RELIABILITY` line.
fn scenario(
    label: &str,
    make_subject: impl FnOnce(&Moto) -> Subject,
    rules: &[FaultRule],
    expect: Expect,
) {
    let moto = Moto::start_with_env(&[("MOTO_ECS_SERVICE_RUNNING", "1")]);
    let proxy = FaultProxy::start(&moto.url());
    let subject = make_subject(&moto);
    let mut project = subject.project("faults", &proxy.url());
    for rule in rules {
        proxy.add_rule(rule.clone());
    }

    let first = project.try_up();
    let fired = proxy.fired();
    println!("faults fired: {fired:?}\ncalls: {:?}\n", proxy.operations());
    assert!(
        !fired.is_empty(),
        "{label}: no fault fired, so the scenario tested nothing; calls: {:?}",
        proxy.operations()
    );
    let text = first.combined();
    assert!(
        !text.contains("panicked") && !text.contains("RUST_BACKTRACE"),
        "{label}: a panic:\n{first}"
    );
    match expect {
        Expect::Succeeds => assert!(
            first.success(),
            "{label}: `up` should have survived {rules:?}:\n{first}"
        ),
        Expect::FailsNaming(operation, needles) => {
            assert!(
                !first.success(),
                "{label}: `up` should have failed under {rules:?}:\n{first}"
            );
            let clear = text
                .lines()
                .any(|l| l.contains(operation) && needles.iter().all(|n| l.contains(n)));
            assert!(
                clear,
                "{label}: one error line should name {operation} and {needles:?}:\n{first}"
            );
        }
    }
    let after_first = reconcile(moto.addr(), &project.stack_export());
    println!("after the first up: {after_first}");

    // No faults now: the next `up` converges and a preview finds nothing to do.
    proxy.clear_rules();
    project.up();
    project.preview_expect_no_changes();
    let export = project.stack_export();
    let rec = reconcile(moto.addr(), &export);
    println!("after convergence: {rec}");
    assert!(
        rec.is_clean(),
        "{label}: moto and the state disagree after convergence:\n{rec}"
    );
    assert!(rec.checked() > 0, "{label}: nothing was deployed:\n{rec}");
    println!(
        "RELIABILITY scenario={label} program={} faults_fired={} first_up={} converged=yes resources_checked={} orphans={} lost={} orphans_after_first_up={} lost_after_first_up={}",
        subject.program,
        fired.len(),
        if first.success() {
            "succeeded"
        } else {
            "failed-clearly"
        },
        rec.checked(),
        rec.orphans.len(),
        rec.lost.len(),
        after_first.orphans.len(),
        after_first.lost.len(),
    );

    // And everything goes away again.
    project.destroy();
    let gone = reconcile(moto.addr(), &project.stack_export());
    assert!(
        gone.checked() == 0,
        "{label}: left behind after destroy:\n{gone}"
    );
}

fn rule(op: &str, kind: FaultKind, count: usize) -> FaultRule {
    FaultRule::new(op, kind, count)
}

// --- ECS (awsJson) ------------------------------------------------------------------------

#[test]
fn throttled_create_service_is_retried() {
    scenario(
        "ecs-throttle-create-service-x2",
        subject,
        &[rule("ecs:CreateService", FaultKind::Throttle, 2)],
        Expect::Succeeds,
    );
}

#[test]
fn persistent_throttling_fails_clearly_then_converges() {
    scenario(
        "ecs-throttle-register-task-definition-x3",
        subject,
        &[rule("ecs:RegisterTaskDefinition", FaultKind::Throttle, 3)],
        Expect::FailsNaming("ecs:RegisterTaskDefinition", &["ThrottlingException"]),
    );
}

#[test]
fn server_errors_are_retried() {
    scenario(
        "ecs-500-create-cluster-x2",
        subject,
        &[rule("ecs:CreateCluster", FaultKind::ServerError, 2)],
        Expect::Succeeds,
    );
}

#[test]
fn persistent_server_errors_fail_clearly_then_converge() {
    scenario(
        "ecs-500-create-service-x3",
        subject,
        &[rule("ecs:CreateService", FaultKind::ServerError, 3)],
        Expect::FailsNaming("ecs:CreateService", &["ServerException"]),
    );
}

#[test]
fn unavailable_while_waiting_for_steady_state() {
    // The steady-state poll keeps going through a few failed polls.
    scenario(
        "ecs-503-describe-services-x4",
        subject,
        &[rule("ecs:DescribeServices", FaultKind::Unavailable, 4)],
        Expect::Succeeds,
    );
}

#[test]
fn connection_reset_is_retried() {
    scenario(
        "ecs-reset-register-task-definition-x1",
        subject,
        &[rule("ecs:RegisterTaskDefinition", FaultKind::Reset, 1)],
        Expect::Succeeds,
    );
}

#[test]
fn persistent_connection_resets_fail_clearly_then_converge() {
    scenario(
        "ecs-reset-create-cluster-x3",
        subject,
        &[rule("ecs:CreateCluster", FaultKind::Reset, 3)],
        Expect::FailsNaming("ecs:CreateCluster", &["dispatch failure"]),
    );
}

#[test]
fn lost_register_response_leaves_no_stray_revision() {
    // The first RegisterTaskDefinition is served but its answer lost: the SDK registers again,
    // and the stray first revision must not outlive the run.
    scenario(
        "ecs-response-lost-register-task-definition-x1",
        subject,
        &[rule(
            "ecs:RegisterTaskDefinition",
            FaultKind::ResponseLost,
            1,
        )],
        Expect::Succeeds,
    );
}

#[test]
fn lost_create_service_response_makes_no_twin() {
    scenario(
        "ecs-response-lost-create-service-x1",
        subject,
        &[rule("ecs:CreateService", FaultKind::ResponseLost, 1)],
        Expect::Succeeds,
    );
}

#[test]
fn latency_is_tolerated() {
    scenario(
        "ecs-latency-3s-create-service-and-describe",
        subject,
        &[
            rule(
                "ecs:CreateService",
                FaultKind::Latency(Duration::from_secs(3)),
                1,
            ),
            rule(
                "ecs:DescribeServices",
                FaultKind::Latency(Duration::from_secs(3)),
                2,
            ),
        ],
        Expect::Succeeds,
    );
}

// --- EC2 (EC2 query dialect) and ELBv2 (query XML), through the raw-resource example ----------

fn security_group(moto: &Moto) -> Subject {
    let network = fargate_e2e::default_network(moto.addr());
    Subject::raw_resource(
        "fargate:ec2:SecurityGroup",
        json!({
            "vpcId": network.vpc_id,
            "description": "fault injection",
            "ingress": [{"protocol": "tcp", "fromPort": 8080, "toPort": 8080, "cidrBlocks": ["10.0.0.0/16"]}],
        }),
    )
}

fn target_group(moto: &Moto) -> Subject {
    let network = fargate_e2e::default_network(moto.addr());
    Subject::raw_resource(
        "fargate:lb:TargetGroup",
        json!({"port": 8080, "protocol": "HTTP", "vpcId": network.vpc_id}),
    )
}

#[test]
fn ec2_request_limit_is_retried() {
    scenario(
        "ec2-throttle-create-security-group-x2",
        security_group,
        &[rule("ec2:CreateSecurityGroup", FaultKind::Throttle, 2)],
        Expect::Succeeds,
    );
}

#[test]
fn ec2_unavailable_after_create_keeps_the_group() {
    // The group exists when its rules fail: it stays in the state, and the next up adds them.
    scenario(
        "ec2-503-authorize-ingress-x3",
        security_group,
        &[rule(
            "ec2:AuthorizeSecurityGroupIngress",
            FaultKind::Unavailable,
            3,
        )],
        Expect::FailsNaming("ec2:AuthorizeSecurityGroupIngress", &["Unavailable"]),
    );
}

#[test]
fn elbv2_throttling_is_retried() {
    scenario(
        "elbv2-throttle-create-target-group-x2",
        target_group,
        &[rule(
            "elasticloadbalancing:CreateTargetGroup",
            FaultKind::Throttle,
            2,
        )],
        Expect::Succeeds,
    );
}

#[test]
fn elbv2_persistent_throttling_fails_clearly_then_converges() {
    scenario(
        "elbv2-throttle-create-target-group-x3",
        target_group,
        &[rule(
            "elasticloadbalancing:CreateTargetGroup",
            FaultKind::Throttle,
            3,
        )],
        Expect::FailsNaming("elasticloadbalancing:CreateTargetGroup", &["Throttling"]),
    );
}

#[test]
fn ec2_lost_create_response_adopts_the_group() {
    // The retry meets InvalidGroup.Duplicate: the group our first attempt made is adopted.
    scenario(
        "ec2-response-lost-create-security-group-x1",
        security_group,
        &[rule("ec2:CreateSecurityGroup", FaultKind::ResponseLost, 1)],
        Expect::Succeeds,
    );
}

#[test]
fn elbv2_lost_create_response_adopts_the_target_group() {
    scenario(
        "elbv2-response-lost-create-target-group-x1",
        target_group,
        &[rule(
            "elasticloadbalancing:CreateTargetGroup",
            FaultKind::ResponseLost,
            1,
        )],
        Expect::Succeeds,
    );
}
