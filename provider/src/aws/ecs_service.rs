//! ECS services: finder, the steady-state assessment, and the waiter that streams progress.

use std::collections::BTreeSet;
use std::time::Duration;

use aws_sdk_ecs::Client;
use aws_sdk_ecs::types::{DesiredStatus, Service, Task};
use tokio_util::sync::CancellationToken;

use super::wait::{Poll, PollRule, WaitError, Waiter};
use crate::error::{OrGone, ProviderError, Result};
use crate::log::ResourceLog;

const SERVICE_NOT_FOUND: &[&str] = &["ServiceNotFoundException", "ClusterNotFoundException"];

/// A service being deleted answers updates and deletes with "not active": it is going away.
const SERVICE_GONE: &[&str] = &[
    "ServiceNotFoundException",
    "ServiceNotActiveException",
    "ClusterNotFoundException",
];

/// Finds a service; `None` when missing or INACTIVE (deleted).
pub async fn find_service(
    client: &Client,
    cluster: &str,
    service: &str,
) -> Result<Option<Service>> {
    let Some(out) = client
        .describe_services()
        .cluster(cluster)
        .services(service)
        .include(aws_sdk_ecs::types::ServiceField::Tags)
        .send()
        .await
        .map_err(|e| ProviderError::from_aws("ecs:DescribeServices", &e, SERVICE_NOT_FOUND))
        .or_gone()?
    else {
        return Ok(None);
    };
    Ok(out
        .services()
        .iter()
        .find(|s| s.status() != Some("INACTIVE"))
        .cloned())
}

/// Where a rollout stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Rollout {
    /// ACTIVE, one deployment — the one our create/update started (by id; AWS always names a
    /// PRIMARY in its answer) — running == desired, and the rollout COMPLETED where reported.
    Steady,
    InProgress,
    /// Will not succeed: the reasons say why (rollback, failed rollout, stopped tasks).
    Failed(Vec<String>),
}

/// Stop reasons that will not fix themselves: fail at once rather than wait for a timeout.
fn is_hopeless(reason: &str) -> bool {
    [
        "CannotPullContainerError",
        "pull image manifest",
        "ResourceInitializationError",
        "CannotStartContainerError",
        "InvalidParameter",
    ]
    .iter()
    .any(|p| reason.contains(p))
}

/// Stopped tasks of the new deployment with essential-container exits before we give up.
const ESSENTIAL_EXITS_TOLERATED: usize = 2;

/// The deployment a rollout is about: the PRIMARY deployment named in the CreateService /
/// UpdateService answer. Waiting on its id (not on "whatever is primary now") keeps a stale
/// read right after the update from looking steady, and makes a rollback visible.
pub fn primary_deployment_id(service: &Service) -> Option<String> {
    service
        .deployments()
        .iter()
        .find(|d| d.status() == Some("PRIMARY"))
        .and_then(|d| d.id().map(str::to_string))
}

/// Assesses one poll: the service, the deployment we started (and whether an earlier poll saw
/// it: right after an update a read may still predate it), and stopped tasks of it.
pub fn assess(
    service: &Service,
    ours: Option<&str>,
    seen_ours_before: bool,
    stopped: &[Task],
) -> Rollout {
    if service.status() == Some("INACTIVE") || service.status() == Some("DRAINING") {
        return Rollout::Failed(vec![format!(
            "the service is {} (deleted outside Pulumi?)",
            service.status().unwrap_or_default()
        )]);
    }
    let deployments = service.deployments();
    let primary = deployments.iter().find(|d| d.status() == Some("PRIMARY"));
    let our = match ours {
        Some(id) => deployments.iter().find(|d| d.id() == Some(id)),
        None => primary,
    };
    let replaced = match (ours, primary) {
        (Some(id), Some(p)) => p.id() != Some(id),
        _ => false,
    };
    let mut reasons = Vec::new();
    let failed = our.is_some_and(|d| d.rollout_state().map(|r| r.as_str()) == Some("FAILED"));
    if failed || (replaced && our.is_none() && seen_ours_before) {
        if replaced && let Some(p) = primary {
            reasons.push(format!(
                "the deployment circuit breaker rolled the service back to {}",
                p.task_definition()
                    .unwrap_or("the previous task definition")
            ));
        }
        match our.and_then(|d| d.rollout_state_reason()) {
            Some(r) if failed => reasons.push(format!("rollout failed: {r}")),
            _ if failed => reasons.push("rollout failed".to_string()),
            _ => {}
        }
        if reasons.is_empty() {
            reasons.push(
                "our deployment was replaced by another one (changed outside Pulumi?)".into(),
            );
        }
    }
    let stop_reasons: Vec<String> = stopped.iter().map(describe_stopped_task).collect();
    let hopeless: Vec<String> = stop_reasons
        .iter()
        .filter(|r| is_hopeless(r))
        .cloned()
        .collect();
    let essential_exits = stop_reasons
        .iter()
        .filter(|r| r.contains("Essential container"))
        .count();
    if !reasons.is_empty() {
        reasons.extend(dedup(stop_reasons));
        return Rollout::Failed(reasons);
    }
    if !hopeless.is_empty() {
        return Rollout::Failed(dedup(hopeless));
    }
    if essential_exits > ESSENTIAL_EXITS_TOLERATED {
        return Rollout::Failed(dedup(stop_reasons));
    }
    let Some(p) = primary else {
        return Rollout::InProgress;
    };
    let rollout_done = p.rollout_state().is_none_or(|r| r.as_str() == "COMPLETED");
    if deployments.len() == 1
        && !replaced
        && service.running_count() == service.desired_count()
        && service.pending_count() <= 0
        && rollout_done
    {
        Rollout::Steady
    } else {
        Rollout::InProgress
    }
}

fn dedup(v: Vec<String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    v.into_iter().filter(|r| seen.insert(r.clone())).collect()
}

/// One line per stopped task: its stop reason and the failing containers' reasons.
pub fn describe_stopped_task(task: &Task) -> String {
    let mut parts = vec![task.stopped_reason().unwrap_or("stopped").to_string()];
    for c in task.containers() {
        if let Some(r) = c.reason() {
            parts.push(format!("container {}: {r}", c.name().unwrap_or("?")));
        } else if let Some(code) = c.exit_code().filter(|c| *c != 0) {
            parts.push(format!(
                "container {} exited with code {code}",
                c.name().unwrap_or("?")
            ));
        }
    }
    parts.join("; ")
}

/// A one-line progress summary for the CLI.
pub fn progress_line(service: &Service) -> String {
    let primary = service
        .deployments()
        .iter()
        .find(|d| d.status() == Some("PRIMARY"));
    let rollout = primary
        .and_then(|p| p.rollout_state())
        .map(|r| format!(", rollout {}", r.as_str()))
        .unwrap_or_default();
    format!(
        "{} running, {} pending of {} desired; {} deployment(s){rollout}",
        service.running_count(),
        service.pending_count(),
        service.desired_count(),
        service.deployments().len()
    )
}

/// Stopped tasks of the primary deployment, fetched only when ECS counts failed tasks.
async fn stopped_tasks(client: &Client, service: &Service) -> Result<Vec<Task>> {
    let Some(primary) = service
        .deployments()
        .iter()
        .find(|d| d.status() == Some("PRIMARY"))
    else {
        return Ok(Vec::new());
    };
    if primary.failed_tasks() == 0 {
        return Ok(Vec::new());
    }
    let cluster = service.cluster_arn().unwrap_or_default();
    let arns = client
        .list_tasks()
        .cluster(cluster)
        .service_name(service.service_name().unwrap_or_default())
        .desired_status(DesiredStatus::Stopped)
        .send()
        .await
        .map_err(|e| ProviderError::from_aws("ecs:ListTasks", &e, &[]))?
        .task_arns()
        .to_vec();
    if arns.is_empty() {
        return Ok(Vec::new());
    }
    let tasks = client
        .describe_tasks()
        .cluster(cluster)
        .set_tasks(Some(arns))
        .send()
        .await
        .map_err(|e| ProviderError::from_aws("ecs:DescribeTasks", &e, &[]))?
        .tasks()
        .to_vec();
    Ok(tasks
        .into_iter()
        .filter(|t| primary.id().is_none() || t.started_by() == primary.id())
        .collect())
}

/// How long to wait by default for a rollout, from what drives its duration.
pub fn default_wait_timeout(
    desired_count: u32,
    maximum_percent: u32,
    health_check_grace_seconds: u32,
    deregistration_delay_seconds: u32,
) -> Duration {
    // Tasks start in batches of the surge that maxPercent allows above desired (at least one).
    let surge =
        ((u64::from(desired_count) * u64::from(maximum_percent.saturating_sub(100))) / 100).max(1);
    let batches = u64::from(desired_count).div_ceil(surge).max(1);
    // Per batch: image pull and start (~2 min), the health check grace, and draining old tasks.
    let per_batch =
        120 + u64::from(health_check_grace_seconds) + u64::from(deregistration_delay_seconds);
    let total = 120 + batches * per_batch;
    Duration::from_secs(total.clamp(5 * 60, 60 * 60))
}

/// Consecutive failed polls (each after the SDK's own retries) a wait rides out before it fails.
pub const FAILED_POLLS_TOLERATED: u32 = 3;

/// Polls until steady, failed, cancelled or timed out; streams progress and new service events.
pub async fn wait_for_steady_state(
    client: &Client,
    cluster: &str,
    service_name: &str,
    our_deployment: Option<&str>,
    timeout: Duration,
    log: &ResourceLog,
    cancel: &CancellationToken,
) -> std::result::Result<Service, Vec<String>> {
    let mut watch = RolloutWatch {
        client,
        cluster,
        service_name,
        our_deployment,
        log,
        started: aws_smithy_types::DateTime::from(std::time::SystemTime::now()),
        seen_events: BTreeSet::new(),
        seen_ours: false,
    };
    let rule = PollRule {
        what: "the service",
        timeout,
        failed_polls_tolerated: FAILED_POLLS_TOLERATED,
    };
    let mut wait = Waiter::new(&rule, cancel, Some(log));
    let waited = loop {
        match wait.poll_until(watch.poll().await).await {
            Ok(Some(service)) => break Ok(service),
            Ok(None) => {}
            Err(e) => break Err(e),
        }
    };
    waited.map_err(|e| match e {
        WaitError::Failed(reasons) => reasons,
        WaitError::PollFailed(e) => vec![e.to_string()],
        WaitError::Cancelled => vec!["cancelled while waiting for steady state".to_string()],
        WaitError::TimedOut { last_status } => vec![format!(
            "timed out after {}s waiting for steady state ({last_status}); raise customTimeouts or set waitForSteadyState: false",
            timeout.as_secs(),
        )],
    })
}

/// The status function of a rollout wait, with what it remembers between polls.
struct RolloutWatch<'a> {
    client: &'a Client,
    cluster: &'a str,
    service_name: &'a str,
    our_deployment: Option<&'a str>,
    log: &'a ResourceLog,
    started: aws_smithy_types::DateTime,
    seen_events: BTreeSet<String>,
    seen_ours: bool,
}

impl RolloutWatch<'_> {
    /// One poll: reads the service, streams its new events and progress, assesses the rollout.
    async fn poll(&mut self) -> Result<Poll<Service, Vec<String>>> {
        let Some(service) = find_service(self.client, self.cluster, self.service_name).await?
        else {
            return Ok(Poll::Fail(vec![format!(
                "service {} disappeared while waiting for it",
                self.service_name
            )]));
        };
        self.show_new_events(&service).await;
        self.log.status(progress_line(&service)).await;
        let stopped = match stopped_tasks(self.client, &service).await {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!("listing stopped tasks: {e}");
                Vec::new()
            }
        };
        let ours = self.our_deployment;
        let verdict = assess(&service, ours, self.seen_ours, &stopped);
        self.seen_ours |=
            ours.is_none_or(|id| service.deployments().iter().any(|d| d.id() == Some(id)));
        Ok(match verdict {
            Rollout::Steady => Poll::Ready(service),
            Rollout::Failed(reasons) => Poll::Fail(reasons),
            Rollout::InProgress => Poll::Pending(progress_line(&service)),
        })
    }

    /// Shows the service's events since the wait started, oldest first, each once.
    async fn show_new_events(&mut self, service: &Service) {
        let started = self.started.secs();
        // Newest events first in ECS.
        let mut fresh: Vec<String> = service
            .events()
            .iter()
            .filter(|e| e.created_at().is_none_or(|t| t.secs() >= started - 1))
            .filter(|e| {
                self.seen_events
                    .insert(e.id().unwrap_or_default().to_string())
            })
            .filter_map(|e| e.message().map(str::to_string))
            .collect();
        fresh.reverse();
        for message in fresh {
            self.log.info(message).await;
        }
    }
}

/// Deletes a service: scales it to 0, deletes it, and waits (boundedly) while ECS keeps it
/// DRAINING until its tasks stop. A service already gone counts as deleted.
pub async fn delete_service(
    client: &Client,
    cluster: &str,
    service: &str,
    timeout: Duration,
    log: &ResourceLog,
    cancel: &CancellationToken,
) -> Result<()> {
    // Scale to 0 first, so the tasks drain from the load balancer as in any scale-in; no look
    // first: UpdateService answers "gone" as well as DescribeServices would.
    log.status("scaling to 0 before deleting").await;
    let scaled = client
        .update_service()
        .cluster(cluster)
        .service(service)
        .desired_count(0)
        .send()
        .await
        .map_err(|e| ProviderError::from_aws("ecs:UpdateService", &e, SERVICE_GONE))
        .or_gone()?;
    if scaled.is_none() {
        return Ok(());
    }
    let deleted = client
        .delete_service()
        .cluster(cluster)
        .service(service)
        .force(true)
        .send()
        .await
        .map_err(|e| ProviderError::from_aws("ecs:DeleteService", &e, SERVICE_GONE))
        .or_gone()?;
    if deleted.is_none() {
        return Ok(());
    }
    let rule = PollRule {
        what: "the service",
        timeout,
        failed_polls_tolerated: 0,
    };
    let mut wait = Waiter::new(&rule, cancel, Some(log));
    loop {
        let polled = match find_service(client, cluster, service).await {
            Ok(None) => Ok(Poll::Ready(())),
            Ok(Some(s)) => {
                let status = format!(
                    "deleting: {} ({} running)",
                    s.status().unwrap_or("?"),
                    s.running_count()
                );
                log.status(status.clone()).await;
                Ok(Poll::Pending(status))
            }
            Err(e) => Err(e),
        };
        match wait.poll_until::<(), ProviderError>(polled).await {
            Ok(Some(())) => return Ok(()),
            Ok(None) => {}
            Err(WaitError::TimedOut { .. }) => {
                return Err(ProviderError::Retryable(format!(
                    "service {service} still draining after {}s; run `pulumi destroy` again to keep waiting",
                    timeout.as_secs()
                )));
            }
            Err(WaitError::Cancelled) => return Err(ProviderError::Cancelled),
            Err(WaitError::Failed(e) | WaitError::PollFailed(e)) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ecs::types::{Container, Deployment, DeploymentRolloutState};

    const TD1: &str = "arn:aws:ecs:us-east-1:123456789012:task-definition/api:1";
    const TD2: &str = "arn:aws:ecs:us-east-1:123456789012:task-definition/api:2";

    fn id(td: &str) -> String {
        format!("ecs-svc/{td}")
    }

    fn deployment(
        status: &str,
        td: &str,
        rollout: Option<DeploymentRolloutState>,
        reason: Option<&str>,
    ) -> Deployment {
        Deployment::builder()
            .id(id(td))
            .status(status)
            .task_definition(td)
            .set_rollout_state(rollout)
            .set_rollout_state_reason(reason.map(str::to_string))
            .build()
    }

    fn service(running: i32, desired: i32, pending: i32, deployments: Vec<Deployment>) -> Service {
        Service::builder()
            .status("ACTIVE")
            .running_count(running)
            .desired_count(desired)
            .pending_count(pending)
            .set_deployments(Some(deployments))
            .build()
    }

    #[test]
    fn steady_when_one_completed_deployment_runs_everything() {
        let s = service(
            2,
            2,
            0,
            vec![deployment(
                "PRIMARY",
                TD2,
                Some(DeploymentRolloutState::Completed),
                None,
            )],
        );
        assert_eq!(assess(&s, Some(&id(TD2)), false, &[]), Rollout::Steady);
    }

    #[test]
    fn in_progress_while_old_deployment_drains_or_tasks_start() {
        let s = service(
            2,
            2,
            0,
            vec![
                deployment(
                    "PRIMARY",
                    TD2,
                    Some(DeploymentRolloutState::InProgress),
                    None,
                ),
                deployment("ACTIVE", TD1, Some(DeploymentRolloutState::Completed), None),
            ],
        );
        assert_eq!(assess(&s, Some(&id(TD2)), false, &[]), Rollout::InProgress);
        let s = service(1, 2, 1, vec![deployment("PRIMARY", TD2, None, None)]);
        assert_eq!(assess(&s, Some(&id(TD2)), false, &[]), Rollout::InProgress);
    }

    #[test]
    fn circuit_breaker_rollback_fails_with_reasons() {
        let s = service(
            2,
            2,
            0,
            vec![
                deployment(
                    "PRIMARY",
                    TD1,
                    Some(DeploymentRolloutState::InProgress),
                    None,
                ),
                deployment(
                    "ACTIVE",
                    TD2,
                    Some(DeploymentRolloutState::Failed),
                    Some("ECS deployment circuit breaker: tasks failed to start."),
                ),
            ],
        );
        let Rollout::Failed(reasons) = assess(&s, Some(&id(TD2)), false, &[]) else {
            panic!("should fail")
        };
        assert!(
            reasons[0].contains("rolled the service back to") && reasons[0].contains(TD1),
            "{reasons:?}"
        );
        assert!(reasons[1].contains("tasks failed to start"), "{reasons:?}");
    }

    #[test]
    fn a_stale_read_of_the_old_deployment_is_not_steady() {
        let s = service(
            2,
            2,
            0,
            vec![deployment(
                "PRIMARY",
                TD1,
                Some(DeploymentRolloutState::Completed),
                None,
            )],
        );
        assert_eq!(assess(&s, Some(&id(TD2)), false, &[]), Rollout::InProgress);
        // Once seen, its disappearance under another primary is a rollback.
        assert!(matches!(
            assess(&s, Some(&id(TD2)), true, &[]),
            Rollout::Failed(_)
        ));
    }

    #[test]
    fn image_pull_errors_fail_at_once() {
        let s = service(
            0,
            1,
            1,
            vec![deployment(
                "PRIMARY",
                TD2,
                Some(DeploymentRolloutState::InProgress),
                None,
            )],
        );
        let task = Task::builder()
            .stopped_reason("CannotPullContainerError: pull image manifest has been retried 5 time(s): repository not found")
            .containers(Container::builder().name("api").reason("CannotPullContainerError: ref not found").build())
            .build();
        let Rollout::Failed(reasons) = assess(&s, Some(&id(TD2)), false, &[task]) else {
            panic!("should fail")
        };
        assert!(
            reasons[0].contains("CannotPullContainerError") && reasons[0].contains("container api"),
            "{reasons:?}"
        );
    }

    #[test]
    fn repeated_essential_container_exits_fail() {
        let s = service(
            0,
            1,
            1,
            vec![deployment(
                "PRIMARY",
                TD2,
                Some(DeploymentRolloutState::InProgress),
                None,
            )],
        );
        let crash = || {
            Task::builder()
                .stopped_reason("Essential container in task exited")
                .containers(Container::builder().name("api").exit_code(1).build())
                .build()
        };
        assert_eq!(
            assess(&s, Some(&id(TD2)), false, &[crash(), crash()]),
            Rollout::InProgress
        );
        let Rollout::Failed(reasons) =
            assess(&s, Some(&id(TD2)), false, &[crash(), crash(), crash()])
        else {
            panic!("should fail")
        };
        assert_eq!(
            reasons,
            vec!["Essential container in task exited; container api exited with code 1"]
        );
    }

    #[test]
    fn timeout_grows_with_batches_grace_and_draining() {
        let small = default_wait_timeout(1, 200, 0, 300);
        let big = default_wait_timeout(10, 150, 60, 300);
        assert_eq!(small, Duration::from_secs(540));
        assert!(big > small, "{big:?} vs {small:?}");
        assert_eq!(
            default_wait_timeout(100, 100, 300, 300),
            Duration::from_secs(3600)
        );
        assert_eq!(default_wait_timeout(1, 200, 0, 0), Duration::from_secs(300));
    }
}
