use super::*;
use crate::resource::DynResource;
use aws_sdk_applicationautoscaling::types::{
    MetricType, PolicyType, PredefinedMetricSpecification, ScalableDimension, ScalableTarget,
    ScalingPolicy, ServiceNamespace, TargetTrackingScalingPolicyConfiguration,
};
use aws_smithy_types::DateTime;
use pulumi_rs_proto::value::UNKNOWN;
use serde_json::{Value, json};

const LB: &str =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188";
const TG: &str =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/73e2d6bc24d8a067";
const LABEL: &str = "app/web/50dc6c495c0c9188/targetgroup/api/73e2d6bc24d8a067";
const RESOURCE_ID: &str = "service/main/api";

fn ctx<'a>(has_unknowns: bool) -> CheckContext<'a> {
    CheckContext {
        name: "scaling",
        random_seed: b"seed",
        proposed_name: None,
        has_unknowns,
    }
}

fn base() -> Value {
    json!({"clusterName": "main", "serviceName": "api", "minCount": 2, "maxCount": 6, "cpuTarget": 60})
}

fn with(changes: Value) -> Value {
    let mut v = base();
    for (k, x) in changes.as_object().unwrap() {
        if x.is_null() {
            v.as_object_mut().unwrap().remove(k);
        } else {
            v[k] = x.clone();
        }
    }
    v
}

fn check(inputs: Value) -> Result<Value, Vec<CheckFailure>> {
    let has_unknowns = pulumi_rs_proto::value::contains_unknowns(&inputs);
    DynResource::check(&ServiceScaling, inputs, None, &ctx(has_unknowns))
}

fn failure_on(inputs: Value, property: &str) -> CheckFailure {
    let failures = check(inputs).unwrap_err();
    failures
        .iter()
        .find(|f| f.property == property)
        .cloned()
        .unwrap_or_else(|| panic!("no failure on {property}: {failures:?}"))
}

#[test]
fn valid_inputs_pass_and_a_cluster_arn_becomes_its_name() {
    assert!(check(base()).is_ok());
    let checked = check(with(
        json!({"clusterName": "arn:aws:ecs:us-east-1:123456789012:cluster/main"}),
    ))
    .unwrap();
    assert_eq!(checked["clusterName"], "main");
    assert!(
        check(with(
            json!({"requestsPerTarget": 500, "loadBalancerArn": LB, "targetGroupArn": TG})
        ))
        .is_ok()
    );
}

#[test]
fn min_above_max_names_both_values() {
    let f = failure_on(with(json!({"minCount": 5, "maxCount": 3})), "maxCount");
    assert!(
        f.reason.contains("maxCount 3") && f.reason.contains("minCount 5"),
        "{}",
        f.reason
    );
    assert!(check(with(json!({"minCount": 4, "maxCount": 4}))).is_ok());
}

#[test]
fn counts_and_targets_are_bounded_by_the_schema_ranges() {
    let f = failure_on(with(json!({"maxCount": 5001})), "maxCount");
    assert!(
        f.reason.contains("5001") && f.reason.contains("0 to 5000"),
        "{}",
        f.reason
    );
    let f = failure_on(with(json!({"cpuTarget": 120})), "cpuTarget");
    assert!(
        f.reason.contains("120") && f.reason.contains("1 to 100"),
        "{}",
        f.reason
    );
    failure_on(with(json!({"cpuTarget": 0})), "cpuTarget");
    failure_on(with(json!({"memoryTarget": 101})), "memoryTarget");
    failure_on(
        with(json!({"requestsPerTarget": 0, "loadBalancerArn": LB, "targetGroupArn": TG})),
        "requestsPerTarget",
    );
    failure_on(
        with(json!({"scaleInCooldownSeconds": 90000})),
        "scaleInCooldownSeconds",
    );
    assert!(
        check(with(
            json!({"cpuTarget": 100, "scaleOutCooldownSeconds": 0})
        ))
        .is_ok()
    );
}

#[test]
fn at_least_one_target_is_required() {
    let f = failure_on(with(json!({"cpuTarget": null})), "cpuTarget");
    assert!(
        f.reason.contains("memoryTarget") && f.reason.contains("requestsPerTarget"),
        "{}",
        f.reason
    );
    assert!(check(with(json!({"cpuTarget": null, "memoryTarget": 70}))).is_ok());
}

#[test]
fn requests_per_target_needs_both_arns_of_the_right_form() {
    let f = failure_on(with(json!({"requestsPerTarget": 100})), "loadBalancerArn");
    assert!(f.reason.contains("requestsPerTarget 100"), "{}", f.reason);
    failure_on(with(json!({"requestsPerTarget": 100})), "targetGroupArn");
    let f = failure_on(
        with(json!({"requestsPerTarget": 100, "loadBalancerArn": LB})),
        "targetGroupArn",
    );
    assert!(f.reason.contains("targetGroupArn"), "{}", f.reason);

    let nlb =
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/web/50dc6c495c0c9188";
    for bad in [
        nlb,
        "web",
        TG,
        "arn:aws:ecs:us-east-1:123456789012:loadbalancer/app/web/1",
    ] {
        let f = failure_on(
            with(json!({"requestsPerTarget": 100, "loadBalancerArn": bad, "targetGroupArn": TG})),
            "loadBalancerArn",
        );
        assert!(
            f.reason.contains(bad) && f.reason.contains("loadbalancer/app/"),
            "{}",
            f.reason
        );
    }
    for bad in [
        LB,
        "api",
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api",
    ] {
        let f = failure_on(
            with(json!({"requestsPerTarget": 100, "loadBalancerArn": LB, "targetGroupArn": bad})),
            "targetGroupArn",
        );
        assert!(f.reason.contains(bad), "{}", f.reason);
    }
    let other_region = TG.replace("us-east-1", "eu-west-1");
    let f = failure_on(
        with(
            json!({"requestsPerTarget": 100, "loadBalancerArn": LB, "targetGroupArn": other_region}),
        ),
        "targetGroupArn",
    );
    assert!(f.reason.contains("different regions"), "{}", f.reason);
    // A malformed ARN is refused even when no requests target uses it.
    failure_on(with(json!({"loadBalancerArn": "web"})), "loadBalancerArn");
}

#[test]
fn names_are_ecs_names() {
    let f = failure_on(with(json!({"serviceName": "api svc"})), "serviceName");
    assert!(f.reason.contains("`api svc`"), "{}", f.reason);
    failure_on(with(json!({"clusterName": ""})), "clusterName");
}

#[test]
fn unknowns_at_preview_do_not_trip_the_rules_between_values() {
    // The service (and load balancer) are created in the same up: their names are unknown.
    for unknown in ["serviceName", "maxCount", "minCount", "cpuTarget"] {
        let inputs = with(json!({(unknown): UNKNOWN}));
        assert!(check(inputs).is_ok(), "{unknown} unknown");
    }
    let inputs = with(
        json!({"cpuTarget": null, "requestsPerTarget": 100, "loadBalancerArn": UNKNOWN, "targetGroupArn": UNKNOWN}),
    );
    assert!(check(inputs).is_ok());
    // Known values are still checked.
    let inputs = with(json!({"serviceName": UNKNOWN, "minCount": 9, "maxCount": 3}));
    failure_on(inputs, "maxCount");
}

#[test]
fn resource_labels_are_built_from_the_two_arns() {
    assert_eq!(resource_label(LB, TG).as_deref(), Some(LABEL));
    assert_eq!(alb_label_part(LB), Some("app/web/50dc6c495c0c9188"));
    assert_eq!(
        target_group_label_part(TG),
        Some("targetgroup/api/73e2d6bc24d8a067")
    );
    assert_eq!(resource_label(TG, LB), None);
    assert_eq!(resource_label(LB, "x"), None);
}

#[test]
fn changes_update_in_place_and_a_new_service_replaces() {
    let old = check(base()).unwrap();
    let same = DynResource::diff(
        &ServiceScaling,
        &DiffInput {
            old_inputs: &old,
            old_outputs: &old,
            news: &check(base()).unwrap(),
            default_tags: &BTreeMap::new(),
        },
    );
    assert!(!same.has_changes());
    let bounds = check(with(
        json!({"minCount": 3, "maxCount": 10, "cpuTarget": 50}),
    ))
    .unwrap();
    let d = DynResource::diff(
        &ServiceScaling,
        &DiffInput {
            old_inputs: &old,
            old_outputs: &old,
            news: &bounds,
            default_tags: &BTreeMap::new(),
        },
    );
    assert!(d.has_changes() && !d.is_replace(), "{d:?}");
    let moved = check(with(json!({"serviceName": "api2"}))).unwrap();
    let d = DynResource::diff(
        &ServiceScaling,
        &DiffInput {
            old_inputs: &old,
            old_outputs: &old,
            news: &moved,
            default_tags: &BTreeMap::new(),
        },
    );
    assert!(d.is_replace() && d.delete_before_replace, "{d:?}");
}

fn target(min: i32, max: i32) -> ScalableTarget {
    ScalableTarget::builder()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(RESOURCE_ID)
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .min_capacity(min)
        .max_capacity(max)
        .role_arn("arn:aws:iam::123456789012:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService")
        .creation_time(DateTime::from_secs(0))
        .build()
        .unwrap()
}

fn policy(
    name: &str,
    metric: &str,
    label: Option<&str>,
    value: f64,
    cooldowns: Option<(i32, i32)>,
    disable: Option<bool>,
) -> ScalingPolicy {
    let config = TargetTrackingScalingPolicyConfiguration::builder()
        .target_value(value)
        .predefined_metric_specification(
            PredefinedMetricSpecification::builder()
                .predefined_metric_type(MetricType::from(metric))
                .set_resource_label(label.map(str::to_string))
                .build()
                .unwrap(),
        )
        .set_scale_in_cooldown(cooldowns.map(|c| c.0))
        .set_scale_out_cooldown(cooldowns.map(|c| c.1))
        .set_disable_scale_in(disable)
        .build()
        .unwrap();
    ScalingPolicy::builder()
        .policy_arn(format!("arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:0b1c-2d3e:resource/ecs/{RESOURCE_ID}:policyName/{name}"))
        .policy_name(name)
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(RESOURCE_ID)
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .policy_type(PolicyType::TargetTrackingScaling)
        .target_tracking_scaling_policy_configuration(config)
        .creation_time(DateTime::from_secs(0))
        .build()
        .unwrap()
}

fn typed(v: Value) -> ServiceScalingInputs {
    serde_json::from_value(check(v).unwrap()).unwrap()
}

#[test]
fn read_back_equals_the_inputs_with_aws_defaults_spelled_out() {
    let inputs = typed(with(json!({"memoryTarget": 75})));
    // AWS reports the default cooldowns and scale-in flag; the program gave none.
    let policies = [
        policy(
            "cpu-target-tracking",
            "ECSServiceAverageCPUUtilization",
            None,
            60.0,
            Some((300, 300)),
            Some(false),
        ),
        policy(
            "memory-target-tracking",
            "ECSServiceAverageMemoryUtilization",
            None,
            75.0,
            None,
            None,
        ),
    ];
    let (read, arns) = inputs_from_aws(&target(2, 6), &policies, Some(&inputs)).unwrap();
    assert_eq!(read, inputs);
    assert_eq!(arns.len(), 2);
    assert!(arns["ECSServiceAverageCPUUtilization"].ends_with("policyName/cpu-target-tracking"));
    // The same on import (no old inputs).
    let (imported, _) = inputs_from_aws(&target(2, 6), &policies, None).unwrap();
    assert_eq!(imported, inputs);
}

#[test]
fn read_back_of_a_requests_policy_keeps_or_rebuilds_the_arns() {
    let inputs = typed(json!({
        "clusterName": "main", "serviceName": "api", "minCount": 1, "maxCount": 4,
        "requestsPerTarget": 1000, "loadBalancerArn": LB, "targetGroupArn": TG,
        "scaleInCooldownSeconds": 120, "disableScaleIn": true
    }));
    let policies = [policy(
        "requests-target-tracking",
        "ALBRequestCountPerTarget",
        Some(LABEL),
        1000.0,
        Some((120, 300)),
        Some(true),
    )];
    let (read, _) = inputs_from_aws(&target(1, 4), &policies, Some(&inputs)).unwrap();
    assert_eq!(read, inputs);
    let (imported, _) = inputs_from_aws(&target(1, 4), &policies, None).unwrap();
    assert_eq!(imported.load_balancer_arn.as_deref(), Some(LB));
    assert_eq!(imported.target_group_arn.as_deref(), Some(TG));
    assert_eq!(imported, inputs);
}

#[test]
fn drift_behind_pulumis_back_shows_as_a_difference() {
    let inputs = typed(with(
        json!({"memoryTarget": 75, "scaleOutCooldownSeconds": 60}),
    ));
    let policies = [
        // Someone set the CPU policy's cooldown to 30 and deleted the memory policy.
        policy(
            "cpu-target-tracking",
            "ECSServiceAverageCPUUtilization",
            None,
            60.0,
            Some((300, 30)),
            None,
        ),
    ];
    let (read, arns) = inputs_from_aws(&target(2, 9), &policies, Some(&inputs)).unwrap();
    assert_eq!(read.max_count, 9);
    assert_eq!(read.memory_target, None);
    assert_eq!(read.scale_out_cooldown_seconds, Some(30));
    assert_eq!(arns.len(), 1);
}

#[test]
fn policies_not_of_this_resource_are_left_out_and_imported_names_are_kept() {
    let policies = [
        policy(
            "custom-cpu",
            "ECSServiceAverageCPUUtilization",
            None,
            55.0,
            None,
            None,
        ),
        policy(
            "hi-res",
            "ECSServiceAverageCPUUtilizationHighResolution",
            None,
            10.0,
            None,
            None,
        ),
    ];
    let (read, arns) = inputs_from_aws(&target(1, 2), &policies, None).unwrap();
    assert_eq!(read.cpu_target, Some(55));
    assert_eq!(read.memory_target, None);
    assert_eq!(arns.len(), 1);
    // The imported policy keeps its name on update.
    assert_eq!(policy_name(Metric::Cpu, &arns), "custom-cpu");
    assert_eq!(
        policy_name(Metric::Memory, &arns),
        Metric::Memory.default_policy_name()
    );
}

#[test]
fn policy_specs_follow_the_inputs() {
    let inputs = typed(json!({
        "clusterName": "main", "serviceName": "api", "minCount": 1, "maxCount": 4,
        "cpuTarget": 70, "requestsPerTarget": 1000, "loadBalancerArn": LB, "targetGroupArn": TG,
        "scaleInCooldownSeconds": 120
    }));
    let cpu = policy_spec(&inputs, Metric::Cpu).unwrap();
    assert_eq!(cpu.target_value, 70.0);
    assert_eq!(cpu.resource_label, None);
    assert_eq!(cpu.scale_in_cooldown, Some(120));
    let requests = policy_spec(&inputs, Metric::Requests).unwrap();
    assert_eq!(requests.resource_label.as_deref(), Some(LABEL));
    assert_eq!(policy_spec(&inputs, Metric::Memory), None);
    // A shared setting changes every policy.
    let mut slower = inputs.clone();
    slower.scale_in_cooldown_seconds = Some(600);
    for m in [Metric::Cpu, Metric::Requests] {
        assert_ne!(policy_spec(&inputs, m), policy_spec(&slower, m));
    }
}
