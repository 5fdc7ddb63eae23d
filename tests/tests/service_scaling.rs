//! `fargate:appautoscaling:ServiceScaling` through its whole life with the real `pulumi` CLI
//! against moto, on the `service` example (cluster, task definition, service, and the scaler of
//! the service's desired count): a create whose first policy fails is kept (init failure with
//! id and state) and finished by the next up; no-change preview without an AWS call and after
//! refresh; in-place updates of bounds, targets, cooldowns (same resource id); a policy
//! removed; drift made with the Application Auto Scaling API seen by refresh and restored; a
//! scale-out behind Pulumi's back followed by an image change keeps the count; import;
//! delete (policies before the target); delete of a scaling already gone.

use fargate_e2e::faults::subject::{STACK, Subject, set_stack_config};
use fargate_e2e::faults::{FaultKind, FaultProxy, FaultRule};
use fargate_e2e::{
    EcsProbe, Moto, PulumiProject, autoscaling_call, ecs_scalable_target, ecs_scaling_policies,
    exported_resources, is_mutating,
};
use serde_json::{Value, json};

const SCALING: &str = "fargate:appautoscaling:ServiceScaling";
const CPU: &str = "ECSServiceAverageCPUUtilization";
const MEMORY: &str = "ECSServiceAverageMemoryUtilization";

fn show(proxy: &FaultProxy, phase: &str) {
    println!("AWS calls during {phase}: {:?}\n", proxy.operations());
}

fn mutating(proxy: &FaultProxy) -> Vec<String> {
    proxy
        .operations()
        .into_iter()
        .filter(|o| is_mutating(o))
        .collect()
}

fn configure(project: &PulumiProject, subject: &Subject, scaling: Value) {
    set_stack_config(project, &subject.clone().with("scaling", scaling).config);
}

/// The target's `(min, max)` in moto.
fn bounds(moto: &Moto, resource_id: &str) -> Option<(i64, i64)> {
    ecs_scalable_target(moto.addr(), resource_id).map(|t| {
        (
            t["MinCapacity"].as_i64().unwrap(),
            t["MaxCapacity"].as_i64().unwrap(),
        )
    })
}

/// Target value by predefined metric, and every policy's configuration, in moto.
fn targets(moto: &Moto, resource_id: &str) -> Vec<(String, f64, Value)> {
    let mut out: Vec<(String, f64, Value)> = ecs_scaling_policies(moto.addr(), resource_id)
        .into_iter()
        .map(|p| {
            let config = p["TargetTrackingScalingPolicyConfiguration"].clone();
            (
                config["PredefinedMetricSpecification"]["PredefinedMetricType"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                config["TargetValue"].as_f64().unwrap_or_default(),
                config,
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn scaling_state(project: &mut PulumiProject) -> Value {
    let export = project.stack_export();
    let found = exported_resources(&export, SCALING);
    assert_eq!(found.len(), 1, "{export}");
    found[0].clone()
}

#[test]
fn service_scaling_lifecycle() {
    // UpdateService with a desired count makes moto report that many running, so a service
    // scaled out behind Pulumi's back is steady at its new count.
    let moto = Moto::start_with_env(&[("MOTO_ECS_SERVICE_RUNNING", "1")]);
    let proxy = FaultProxy::start(&moto.url());
    let subject = Subject::service_example(&moto);
    let mut project = subject
        .clone()
        .with(
            "scaling",
            json!({"minCount": 1, "maxCount": 3, "cpuTarget": 60}),
        )
        .project("service-scaling", &proxy.url());

    // Preview: the scaler is to be created, with no AWS call of its own.
    let preview = project.preview_json();
    let steps = preview.steps_of_type(SCALING);
    assert_eq!(steps.len(), 1, "steps: {:?}", preview.summary());
    assert_eq!(steps[0].op, "create");
    assert!(
        !proxy
            .operations()
            .iter()
            .any(|o| o.starts_with("application-autoscaling:")),
        "preview called Application Auto Scaling: {:?}",
        proxy.operations()
    );

    // Up with the first policy failing: the target is registered and kept in the state.
    proxy.add_rule(FaultRule::new(
        "PutScalingPolicy",
        FaultKind::ServerError,
        3,
    ));
    let out = project.try_up();
    assert!(
        !out.success(),
        "the policy failure must fail the up:\n{out}"
    );
    assert!(
        out.combined().contains("policies are not all in place"),
        "the error says what is missing:\n{out}"
    );
    let state = scaling_state(&mut project);
    let resource_id = state["id"].as_str().unwrap().to_string();
    assert!(resource_id.starts_with("service/"), "{state}");
    assert_eq!(bounds(&moto, &resource_id), Some((1, 3)));
    assert!(targets(&moto, &resource_id).is_empty());

    // The next up adds the missing policy to the same target.
    proxy.clear_rules();
    proxy.clear_calls();
    project.up();
    show(&proxy, "the up after the partial create");
    let ops = mutating(&proxy);
    assert!(
        !ops.iter().any(|o| o.ends_with("DeregisterScalableTarget")),
        "{ops:?}"
    );
    assert_eq!(
        proxy.count("application-autoscaling:PutScalingPolicy"),
        1,
        "{ops:?}"
    );
    let got = targets(&moto, &resource_id);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!((got[0].0.as_str(), got[0].1), (CPU, 60.0));
    let outputs = project.stack_output_json();
    assert_eq!(outputs["scalingResourceId"], resource_id.as_str());
    assert!(
        outputs["policyArns"][CPU]
            .as_str()
            .is_some_and(|a| a.ends_with("policyName/cpu-target-tracking")),
        "{outputs}"
    );

    // Nothing to do, without an AWS call; and after refresh.
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

    // In place: bounds, CPU target, a memory policy, cooldowns; the same target.
    configure(
        &project,
        &subject,
        json!({"minCount": 2, "maxCount": 6, "cpuTarget": 50, "memoryTarget": 70,
               "scaleInCooldownSeconds": 120, "disableScaleIn": true}),
    );
    let preview = project.preview_json();
    let steps = preview.steps_of_type(SCALING);
    assert_eq!(steps[0].op, "update", "{:?}", steps[0].raw);
    assert!(steps[0].replace_reasons.is_empty(), "{:?}", steps[0].raw);
    proxy.clear_calls();
    project.up();
    show(&proxy, "the in-place update");
    let ops = mutating(&proxy);
    assert_eq!(
        proxy.count("application-autoscaling:RegisterScalableTarget"),
        1,
        "{ops:?}"
    );
    assert_eq!(
        proxy.count("application-autoscaling:PutScalingPolicy"),
        2,
        "{ops:?}"
    );
    assert!(
        !ops.iter().any(|o| o.ends_with("DeregisterScalableTarget")),
        "{ops:?}"
    );
    assert_eq!(scaling_state(&mut project)["id"], resource_id.as_str());
    assert_eq!(bounds(&moto, &resource_id), Some((2, 6)));
    let got = targets(&moto, &resource_id);
    assert_eq!(
        got.iter()
            .map(|(m, v, _)| (m.as_str(), *v))
            .collect::<Vec<_>>(),
        vec![(CPU, 50.0), (MEMORY, 70.0)]
    );
    for (_, _, config) in &got {
        assert_eq!(config["ScaleInCooldown"], 120, "{config}");
        assert_eq!(config["DisableScaleIn"], true, "{config}");
    }
    project.preview_expect_no_changes();

    // The memory target removed: its policy goes, nothing else changes.
    let scaling = json!({"minCount": 2, "maxCount": 6, "cpuTarget": 50,
                         "scaleInCooldownSeconds": 120, "disableScaleIn": true});
    configure(&project, &subject, scaling.clone());
    proxy.clear_calls();
    project.up();
    assert_eq!(
        mutating(&proxy),
        vec!["application-autoscaling:DeleteScalingPolicy".to_string()]
    );
    assert_eq!(targets(&moto, &resource_id).len(), 1);
    project.preview_expect_no_changes();

    // Drift: the maximum raised and the CPU policy deleted with the API; refresh records it,
    // up restores it.
    autoscaling_call(
        moto.addr(),
        "RegisterScalableTarget",
        &json!({"ServiceNamespace": "ecs", "ResourceId": resource_id,
                "ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": 2, "MaxCapacity": 9}),
    )
    .unwrap();
    autoscaling_call(
        moto.addr(),
        "DeleteScalingPolicy",
        &json!({"ServiceNamespace": "ecs", "ResourceId": resource_id,
                "ScalableDimension": "ecs:service:DesiredCount", "PolicyName": "cpu-target-tracking"}),
    )
    .unwrap();
    project.refresh();
    let state = scaling_state(&mut project);
    assert_eq!(state["outputs"]["maxCount"], 9, "{state}");
    assert!(state["outputs"]["cpuTarget"].is_null(), "{state}");
    let preview = project.preview_json();
    assert_eq!(preview.steps_of_type(SCALING)[0].op, "update");
    project.up();
    assert_eq!(bounds(&moto, &resource_id), Some((2, 6)));
    assert_eq!(targets(&moto, &resource_id).len(), 1);
    project.preview_expect_no_changes();

    // A scale-out behind Pulumi's back: no diff; an image change in the same up as a
    // changed count rolls out the new revision and keeps the scaled count.
    let (cluster, service) = {
        let mut parts = resource_id.splitn(3, '/').skip(1);
        (
            parts.next().unwrap().to_string(),
            parts.next().unwrap().to_string(),
        )
    };
    let ecs = EcsProbe::new(&moto.url());
    ecs.block_on(
        ecs.client()
            .update_service()
            .cluster(&cluster)
            .service(&service)
            .desired_count(4)
            .send(),
    )
    .unwrap();
    project.preview_expect_no_changes();
    let mut newer = subject.clone().with("image", json!("nginx:1.28"));
    newer = newer.with("scaling", scaling.clone());
    set_stack_config(&project, &newer.config);
    proxy.clear_calls();
    project.up();
    show(&proxy, "the image change after a scale-out");
    let svc = ecs.describe_service(&cluster, &service).expect("service");
    assert_eq!(svc.desired_count(), 4, "the up reset the scaled count");
    let revision = project.stack_output_json()["taskDefinitionArn"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(svc.task_definition(), Some(revision.as_str()));
    assert!(revision.ends_with(":2"), "{revision}");
    project.preview_expect_no_changes();
    project.refresh();
    project.preview_expect_no_changes();

    // Import into another stack: the scaling read back equals the program's inputs.
    let mut properties = scaling.clone();
    properties["clusterName"] = json!(cluster);
    properties["serviceName"] = json!(service);
    let mut imported = Subject::raw_resource(SCALING, properties)
        .with("exportProperties", json!(["resourceId", "policyArns"]))
        .project("service-scaling-import", &proxy.url());
    let out = imported.run(&[
        "import",
        SCALING,
        "subject",
        &resource_id,
        "--yes",
        "--protect=false",
        "--generate-code=false",
        "--stack",
        STACK,
    ]);
    assert!(out.success(), "pulumi import failed:\n{out}");
    assert_eq!(scaling_state(&mut imported)["id"], resource_id.as_str());
    imported.preview_expect_no_changes();

    // Delete: the policy first, then the target.
    proxy.clear_calls();
    imported.destroy();
    let ops = mutating(&proxy);
    let position = |op: &str| ops.iter().position(|o| o.ends_with(op));
    let deregister = position("DeregisterScalableTarget").expect("target deregistered");
    assert!(
        position("DeleteScalingPolicy").is_some_and(|p| p < deregister),
        "{ops:?}"
    );
    assert_eq!(bounds(&moto, &resource_id), None);
    assert!(targets(&moto, &resource_id).is_empty());

    // The first stack's scaling is gone already: its delete succeeds, the service goes too.
    project.destroy();
    let export = project.stack_export();
    assert!(exported_resources(&export, SCALING).is_empty(), "{export}");
    assert!(
        ecs.describe_service(&cluster, &service)
            .is_none_or(|s| s.status() != Some("ACTIVE"))
    );
}
