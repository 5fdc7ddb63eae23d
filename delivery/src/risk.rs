//! What a reviewer must not miss in a preview: changes that can take the API down, and how long
//! a service change will take to roll out.

use serde_json::Value;

use crate::path;
use crate::preview::{Category, Step};

/// The value pulumi puts where an input is unknown until the update runs.
pub const UNKNOWN: &str = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

pub const SERVICE: &str = "fargate:ecs:Service";
pub const CLUSTER: &str = "fargate:ecs:Cluster";
pub const LOAD_BALANCER: &str = "fargate:lb:LoadBalancer";
pub const LISTENER: &str = "fargate:lb:Listener";
pub const TARGET_GROUP: &str = "fargate:lb:TargetGroup";
pub const SECURITY_GROUP: &str = "fargate:ec2:SecurityGroup";
pub const ROLE: &str = "fargate:iam:Role";
pub const LOG_GROUP: &str = "fargate:logs:LogGroup";
pub const REPOSITORY: &str = "fargate:ecr:Repository";

/// Service properties whose change makes ECS start a new deployment (new tasks replace the
/// running ones). `desiredCount` only scales; tags and deployment settings start nothing.
const ROLLOUT_PROPERTIES: &[&str] = &[
    "taskDefinition",
    "network",
    "loadBalancers",
    "platformVersion",
    "capacityProviderStrategy",
    "forceNewDeployment",
    "enableExecuteCommand",
];

/// Seconds for a Fargate task to be placed, pull a small image and start: the part of a wave
/// no setting shortens.
const TASK_START_SECONDS: u64 = 60;
/// Seconds for a target group to see a new task healthy (two checks at the ALB's default
/// interval).
const LB_HEALTHY_SECONDS: u64 = 30;

/// Downtime risks of the changes, one sentence each, in step order (the caller sorts steps).
pub fn downtime_risks(steps: &[&Step]) -> Vec<String> {
    steps.iter().flat_map(|s| step_risks(s)).collect()
}

fn step_risks(step: &Step) -> Vec<String> {
    let who = format!("`{}` ({})", step.name, step.resource_type);
    let mut risks = Vec::new();
    match (step.resource_type.as_str(), step.category) {
        (SERVICE, Category::Replace) => risks.push(format!(
            "{who} is replaced: the new service starts from zero tasks and the old one is deleted, \
             so requests fail until the new tasks are healthy."
        )),
        (SERVICE, Category::Delete) => risks.push(format!(
            "{who} is deleted: its tasks stop and nothing serves its traffic."
        )),
        (SERVICE, Category::Update) => {
            let service = ServiceSettings::of(step);
            if starts_deployment(step) {
                if service.minimum_healthy == 0 && service.desired != Some(0) {
                    risks.push(format!(
                        "{who} rolls out with `deployment.minimumHealthyPercent` 0: ECS may stop \
                         every running task before the new ones are healthy."
                    ));
                }
                if service.wave().is_none() && service.desired != Some(0) {
                    risks.push(format!(
                        "{who} rolls out with `deployment.maximumPercent` {} and \
                         `minimumHealthyPercent` {}: no room for a new task, the rollout cannot \
                         progress.",
                        service.maximum, service.minimum_healthy
                    ));
                }
            }
            let old_desired = step
                .old_inputs
                .as_ref()
                .and_then(|i| i.get("desiredCount"))
                .and_then(Value::as_u64);
            if service.desired == Some(0) && old_desired.is_some_and(|d| d > 0) {
                risks.push(format!(
                    "{who} is scaled to 0 tasks: nothing serves its traffic."
                ));
            }
        }
        (LOAD_BALANCER, Category::Replace) => risks.push(format!(
            "{who} is replaced: it gets a new DNS name, and clients or DNS records using the old \
             name fail until they are updated."
        )),
        (LOAD_BALANCER, Category::Delete) => {
            risks.push(format!("{who} is deleted: all traffic through it stops."))
        }
        (LISTENER, Category::Replace | Category::Delete) => risks.push(format!(
            "{who} is {}: its port refuses connections until a listener is back.",
            verb(step.category)
        )),
        (TARGET_GROUP, Category::Replace | Category::Delete) => risks.push(format!(
            "{who} is {}: requests fail until tasks are registered and healthy in the group \
             that serves the listener.",
            verb(step.category)
        )),
        (CLUSTER, Category::Replace | Category::Delete) => risks.push(format!(
            "{who} is {}: ECS cannot move services between clusters, so every service in it \
             is replaced or deleted with it.",
            verb(step.category)
        )),
        (SECURITY_GROUP, Category::Replace | Category::Delete) => risks.push(format!(
            "{who} is {}: tasks and load balancers in it lose their rules until they are \
             attached to the new group.",
            verb(step.category)
        )),
        // Running tasks hold the old role's credentials (and ECS starts tasks with the old
        // role on a rollback); once it is gone they fail their AWS calls, image pulls and
        // secret reads.
        (ROLE, Category::Replace | Category::Delete) => risks.push(format!(
            "{who} is {}: tasks still running with the old role (or started with it by a \
             rollback) lose its permissions when it is deleted, so image pulls, secret reads \
             and the API's own AWS calls fail until every task runs with the new role.",
            verb(step.category)
        )),
        // The awslogs driver blocks the container's output by default when it cannot write,
        // and a task whose group is missing does not start.
        (LOG_GROUP, Category::Replace | Category::Delete) => risks.push(format!(
            "{who} is {}: its log events are deleted with it, and tasks still writing to it \
             (or started with the old task definition) fail to start or stall on logging until \
             every task uses the new group.",
            verb(step.category)
        )),
        (REPOSITORY, Category::Replace | Category::Delete) => risks.push(format!(
            "{who} is {}: its images are deleted with it, so no task can start (new \
             deployments, scaling out, replacing a failed task) until images are pushed again.",
            verb(step.category)
        )),
        _ => {}
    }
    risks
}

fn verb(category: Category) -> &'static str {
    match category {
        Category::Replace => "replaced",
        Category::Delete => "deleted",
        _ => "changed",
    }
}

/// Whether an update of a service makes ECS start a new deployment.
fn starts_deployment(step: &Step) -> bool {
    step.diffs.iter().any(|d| {
        let top = path::parse(&d.path)
            .and_then(|p| match p.first() {
                Some(path::Segment::Key(k)) => Some(k.clone()),
                _ => None,
            })
            .unwrap_or_default();
        ROLLOUT_PROPERTIES.contains(&top.as_str())
    })
}

/// The settings that size a rollout, from the service's new inputs with the provider's
/// defaults (desired 1, maximum 200 %, minimum healthy 100 %, no grace, 300 s draining).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSettings {
    /// `None` when unknown until the update runs.
    pub desired: Option<u64>,
    pub maximum: u64,
    pub minimum_healthy: u64,
    pub grace_seconds: u64,
    pub deregistration_delay_seconds: u64,
    pub load_balanced: bool,
}

impl ServiceSettings {
    pub fn of(step: &Step) -> ServiceSettings {
        let inputs = step.new_inputs.as_ref().unwrap_or(&Value::Null);
        let number = |v: &Value| v.as_u64();
        let deployment = &inputs["deployment"];
        ServiceSettings {
            desired: match inputs.get("desiredCount") {
                None | Some(Value::Null) => Some(1),
                Some(v) => number(v),
            },
            maximum: number(&deployment["maximumPercent"]).unwrap_or(200),
            minimum_healthy: number(&deployment["minimumHealthyPercent"]).unwrap_or(100),
            grace_seconds: number(&inputs["healthCheckGracePeriodSeconds"]).unwrap_or(0),
            deregistration_delay_seconds: number(&deployment["deregistrationDelaySeconds"])
                .unwrap_or(300),
            load_balanced: inputs["loadBalancers"]
                .as_array()
                .is_some_and(|a| !a.is_empty())
                || inputs["loadBalancers"].as_str() == Some(UNKNOWN),
        }
    }

    /// New tasks ECS can start at once: what `maximumPercent` allows above the tasks
    /// `minimumHealthyPercent` keeps (rounded as ECS does); `None` when that is nothing.
    pub fn wave(&self) -> Option<u64> {
        let desired = self.desired?;
        let most = desired * self.maximum / 100;
        let kept = (desired * self.minimum_healthy).div_ceil(100);
        most.checked_sub(kept).filter(|w| *w > 0)
    }

    /// Expected seconds for a rollout of every task: per wave a task start, the health-check
    /// grace and (behind a load balancer) the target group's health checks, then, when tasks
    /// are replaced (not for a new service), draining of the last old tasks.
    pub fn rollout_seconds(&self, replacing: bool) -> Option<u64> {
        let desired = self.desired?;
        if desired == 0 {
            return Some(0);
        }
        let waves = desired.div_ceil(self.wave()?);
        let lb = if self.load_balanced {
            LB_HEALTHY_SECONDS
        } else {
            0
        };
        let draining = if self.load_balanced && replacing {
            self.deregistration_delay_seconds
        } else {
            0
        };
        Some(waves * (TASK_START_SECONDS + self.grace_seconds + lb) + draining)
    }

    /// How long the provider waits by default before failing the operation; the same formula
    /// as the provider's `default_wait_timeout` (`customTimeouts` in the program override it).
    pub fn provider_timeout_seconds(&self) -> u64 {
        let desired = self.desired.unwrap_or(1);
        let surge = (desired * self.maximum.saturating_sub(100) / 100).max(1);
        let batches = desired.div_ceil(surge).max(1);
        let per_batch = 120 + self.grace_seconds + self.deregistration_delay_seconds;
        (120 + batches * per_batch).clamp(5 * 60, 60 * 60)
    }
}

/// One line per changed service: what ECS will do and how long it should take.
pub fn rollout_estimates(steps: &[&Step]) -> Vec<String> {
    steps
        .iter()
        .filter(|s| s.resource_type == SERVICE)
        .filter_map(|s| rollout_estimate(s))
        .collect()
}

fn rollout_estimate(step: &Step) -> Option<String> {
    let service = ServiceSettings::of(step);
    let tasks = match service.desired {
        Some(1) => "1 task".to_string(),
        Some(n) => format!("{n} tasks"),
        None => "an unknown number of tasks".to_string(),
    };
    let limit = format!(
        "the provider waits at most {} by default",
        minutes(service.provider_timeout_seconds())
    );
    let estimate = |s: &ServiceSettings| {
        s.rollout_seconds(step.category != Category::Create)
            .map(|secs| format!("≈ {}", minutes(secs)))
            .unwrap_or_else(|| "no estimate".to_string())
    };
    let who = format!("service `{}`", step.name);
    Some(match step.category {
        Category::Create => format!(
            "{who}: created with {tasks}, steady in {} ({limit}).",
            estimate(&service)
        ),
        Category::Replace => format!(
            "{who}: replaced, the new one starts {tasks}, steady in {} ({limit}).",
            estimate(&service)
        ),
        Category::Update if starts_deployment(step) => {
            let waves = match (service.desired, service.wave()) {
                (Some(d), Some(w)) if d > 0 => {
                    let n = d.div_ceil(w);
                    format!(" in {n} wave{}", if n == 1 { "" } else { "s" })
                }
                _ => String::new(),
            };
            format!(
                "{who}: new deployment of {tasks}{waves}, steady in {} ({limit}).",
                estimate(&service)
            )
        }
        Category::Update => {
            let old = step
                .old_inputs
                .as_ref()
                .and_then(|i| i.get("desiredCount"))
                .and_then(Value::as_u64);
            match (old, service.desired) {
                (Some(old), Some(new)) if old != new => {
                    let secs = if new > old {
                        TASK_START_SECONDS
                            + service.grace_seconds
                            + if service.load_balanced {
                                LB_HEALTHY_SECONDS
                            } else {
                                0
                            }
                    } else if service.load_balanced {
                        service.deregistration_delay_seconds
                    } else {
                        0
                    };
                    format!(
                        "{who}: scales from {old} to {tasks} without a new deployment, steady in ≈ {}.",
                        minutes(secs)
                    )
                }
                _ => format!("{who}: settings only, no new deployment."),
            }
        }
        Category::Delete | Category::Other => return None,
    })
}

/// Whole minutes, rounded up, at least one ("≈ 1 min" reads better than "≈ 0 min").
fn minutes(seconds: u64) -> String {
    format!("{} min", seconds.div_ceil(60).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preview::PropertyDiff;
    use serde_json::json;

    fn step(ty: &str, category: Category, diffs: &[&str], old: Value, new: Value) -> Step {
        Step {
            op: format!("{category:?}").to_lowercase(),
            category,
            urn: format!("urn:pulumi:s::p::{ty}::api"),
            resource_type: ty.to_string(),
            name: "api".to_string(),
            diffs: diffs
                .iter()
                .map(|p| PropertyDiff {
                    path: p.to_string(),
                    kind: "update".into(),
                    replaces: false,
                    input_diff: true,
                })
                .collect(),
            replace_reasons: Vec::new(),
            old_inputs: Some(old),
            old_outputs: None,
            new_inputs: Some(new),
        }
    }

    #[test]
    fn zero_minimum_healthy_is_downtime_only_when_it_rolls_out() {
        let new = json!({"desiredCount": 2, "taskDefinition": UNKNOWN,
                         "deployment": {"minimumHealthyPercent": 0}});
        let rollout = step(
            SERVICE,
            Category::Update,
            &["taskDefinition"],
            json!({"desiredCount": 2}),
            new.clone(),
        );
        let risks = downtime_risks(&[&rollout]);
        assert_eq!(risks.len(), 1, "{risks:?}");
        assert!(risks[0].contains("minimumHealthyPercent` 0"), "{risks:?}");

        let tags_only = step(
            SERVICE,
            Category::Update,
            &["tags.team"],
            json!({"desiredCount": 2}),
            new,
        );
        assert_eq!(downtime_risks(&[&tags_only]), Vec::<String>::new());
    }

    #[test]
    fn replacements_and_deletions_of_traffic_resources_are_risks() {
        for (ty, category, needle) in [
            (LOAD_BALANCER, Category::Replace, "new DNS name"),
            (LOAD_BALANCER, Category::Delete, "all traffic"),
            (SERVICE, Category::Replace, "starts from zero"),
            (SERVICE, Category::Delete, "nothing serves"),
            (LISTENER, Category::Replace, "refuses connections"),
            (TARGET_GROUP, Category::Delete, "requests fail"),
            (CLUSTER, Category::Replace, "cannot move services"),
            (SECURITY_GROUP, Category::Replace, "lose their rules"),
            (ROLE, Category::Replace, "lose its permissions"),
            (ROLE, Category::Delete, "lose its permissions"),
            (LOG_GROUP, Category::Replace, "log events are deleted"),
            (LOG_GROUP, Category::Delete, "log events are deleted"),
            (REPOSITORY, Category::Delete, "no task can start"),
        ] {
            let s = step(ty, category, &[], json!({}), json!({}));
            let risks = downtime_risks(&[&s]);
            assert!(
                risks.len() == 1 && risks[0].contains(needle),
                "{ty} {category:?}: {risks:?}"
            );
        }
        for (ty, category) in [
            (LOAD_BALANCER, Category::Update),
            (LOAD_BALANCER, Category::Create),
            (CLUSTER, Category::Update),
            ("fargate:ecs:TaskDefinition", Category::Delete),
            // Policies change in place: the same role, no task restarts.
            (ROLE, Category::Update),
            (ROLE, Category::Create),
            (LOG_GROUP, Category::Create),
            (REPOSITORY, Category::Update),
            ("fargate:appautoscaling:ServiceScaling", Category::Delete),
        ] {
            let s = step(ty, category, &["x"], json!({}), json!({}));
            assert_eq!(
                downtime_risks(&[&s]),
                Vec::<String>::new(),
                "{ty} {category:?}"
            );
        }
    }

    /// A retention change updates the group in place: no risk; a new name replaces it: a risk.
    #[test]
    fn log_retention_changes_are_not_risks_but_a_new_group_is() {
        let retention = step(
            LOG_GROUP,
            Category::Update,
            &["retentionInDays"],
            json!({"name": "/ecs/api", "retentionInDays": 30}),
            json!({"name": "/ecs/api", "retentionInDays": 90}),
        );
        assert_eq!(downtime_risks(&[&retention]), Vec::<String>::new());
        let renamed = step(
            LOG_GROUP,
            Category::Replace,
            &["name"],
            json!({"name": "/ecs/api"}),
            json!({"name": "/ecs/api-2"}),
        );
        let risks = downtime_risks(&[&renamed]);
        assert!(
            risks.len() == 1 && risks[0].starts_with("`api` (fargate:logs:LogGroup) is replaced"),
            "{risks:?}"
        );
    }

    #[test]
    fn scaling_to_zero_and_stuck_rollouts_are_risks() {
        let to_zero = step(
            SERVICE,
            Category::Update,
            &["desiredCount"],
            json!({"desiredCount": 3}),
            json!({"desiredCount": 0}),
        );
        assert!(downtime_risks(&[&to_zero])[0].contains("scaled to 0"));
        let stuck = step(
            SERVICE,
            Category::Update,
            &["taskDefinition"],
            json!({"desiredCount": 1}),
            json!({"desiredCount": 1, "deployment": {"maximumPercent": 100}}),
        );
        assert!(downtime_risks(&[&stuck])[0].contains("cannot progress"));
    }

    #[test]
    fn rollout_waves_and_times() {
        let s = |desired, max, min, grace, lb| ServiceSettings {
            desired,
            maximum: max,
            minimum_healthy: min,
            grace_seconds: grace,
            deregistration_delay_seconds: 300,
            load_balanced: lb,
        };
        // The defaults: one new task per running task, one wave.
        assert_eq!(s(Some(4), 200, 100, 0, false).wave(), Some(4));
        assert_eq!(
            s(Some(4), 200, 100, 0, false).rollout_seconds(true),
            Some(60)
        );
        // 150 % of 4 = 6 running at most, 4 kept: waves of 2.
        assert_eq!(s(Some(4), 150, 100, 0, false).wave(), Some(2));
        assert_eq!(
            s(Some(4), 150, 100, 30, true).rollout_seconds(true),
            Some(2 * 120 + 300)
        );
        // A new service drains nothing.
        assert_eq!(
            s(Some(4), 150, 100, 30, true).rollout_seconds(false),
            Some(2 * 120)
        );
        // Minimum healthy 50 % frees half the tasks even without surge.
        assert_eq!(s(Some(4), 100, 50, 0, false).wave(), Some(2));
        assert_eq!(s(Some(1), 100, 100, 0, false).wave(), None);
        assert_eq!(s(Some(1), 100, 100, 0, false).rollout_seconds(true), None);
        assert_eq!(s(None, 200, 100, 0, false).rollout_seconds(true), None);
        // The provider's default wait: 120 + 1 batch * (120 + 300), within 5..60 min.
        assert_eq!(
            s(Some(1), 200, 100, 0, false).provider_timeout_seconds(),
            540
        );
        assert_eq!(
            s(Some(100), 101, 100, 600, true).provider_timeout_seconds(),
            3600
        );
    }

    #[test]
    fn estimates_name_the_kind_of_change() {
        let image = step(
            SERVICE,
            Category::Update,
            &["taskDefinition"],
            json!({"desiredCount": 2}),
            json!({"desiredCount": 2, "taskDefinition": UNKNOWN}),
        );
        assert_eq!(
            rollout_estimates(&[&image]),
            [
                "service `api`: new deployment of 2 tasks in 1 wave, steady in ≈ 1 min (the provider waits at most 9 min by default)."
            ]
        );
        let scale = step(
            SERVICE,
            Category::Update,
            &["desiredCount"],
            json!({"desiredCount": 1}),
            json!({"desiredCount": 3}),
        );
        assert_eq!(
            rollout_estimates(&[&scale]),
            [
                "service `api`: scales from 1 to 3 tasks without a new deployment, steady in ≈ 1 min."
            ]
        );
        let unknown = step(
            SERVICE,
            Category::Create,
            &[],
            json!({}),
            json!({"desiredCount": UNKNOWN}),
        );
        assert!(rollout_estimates(&[&unknown])[0].contains("an unknown number of tasks"));
        let deleted = step(SERVICE, Category::Delete, &[], json!({}), json!({}));
        assert_eq!(rollout_estimates(&[&deleted]), Vec::<String>::new());
    }
}
