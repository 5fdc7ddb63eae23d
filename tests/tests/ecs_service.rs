//! A Fargate service through the real `pulumi` CLI against moto: the `service` example program
//! (cluster `main`, task definition `api`, service `api`) created, checked in ECS, changed in
//! place (new image = new revision; new desired count = service only), destroyed; a service
//! that never becomes steady fails within its custom timeout without losing state; an
//! impossible Fargate size fails at preview before any AWS call; a service on Fargate Spot
//! runs in a cluster with both Fargate capacity providers.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use aws_sdk_ecs::types::{LaunchType, Service, TaskDefinitionStatus};
use fargate_e2e::{
    AwsRecorder, DefaultNetwork, EcsProbe, Moto, Preview, PulumiProject, default_network,
    exported_resources,
};
use serde_json::{Value, json};

const CLUSTER: &str = "fargate:ecs:Cluster";
const TASK_DEFINITION: &str = "fargate:ecs:TaskDefinition";
const SERVICE: &str = "fargate:ecs:Service";

/// A project for the `service` example with image `nginx:1.27`, two default subnets and the
/// default security group of moto's default VPC.
fn service_project(moto: &Moto, endpoint: &str) -> (PulumiProject, DefaultNetwork) {
    let network = default_network(moto.addr());
    assert!(
        network.subnet_ids.len() >= 2,
        "moto's default VPC should have a subnet per zone: {network:?}"
    );
    let mut project = PulumiProject::new("ecs-service", "service", endpoint);
    project.stack_init("dev");
    project.config_set("image", "nginx:1.27");
    for (i, subnet) in network.subnet_ids.iter().take(2).enumerate() {
        project.config_set_path(&format!("subnets[{i}]"), subnet);
    }
    project.config_set_path("securityGroups[0]", &network.security_group_ids[0]);
    (project, network)
}

/// Prints what the provider called since the last `clear` (shown when the test fails).
fn show(recorder: &AwsRecorder, phase: &str) {
    println!("AWS calls during {phase}: {:?}\n", recorder.operations());
}

fn output_str(outputs: &Value, key: &str) -> String {
    outputs[key]
        .as_str()
        .unwrap_or_else(|| panic!("no string output {key}: {outputs}"))
        .to_string()
}

/// `(type, name, op)` of every step on a resource of ours that changes something (`same`
/// steps, the stack and the provider left out).
fn changes(preview: &Preview) -> BTreeSet<(String, String, String)> {
    preview
        .summary()
        .into_iter()
        .filter(|(ty, _, op)| op != "same" && ty.starts_with("fargate:"))
        .collect()
}

fn step(ty: &str, name: &str, op: &str) -> (String, String, String) {
    (ty.to_string(), name.to_string(), op.to_string())
}

/// The properties a preview step says changed: `diffReasons` plus the top-level keys of
/// `detailedDiff` (`desiredCount`, `containers[0].image` -> `containers`).
fn changed_properties(preview: &Preview, ty: &str) -> BTreeSet<String> {
    let steps = preview.steps_of_type(ty);
    let mut props = BTreeSet::new();
    for s in steps {
        props.extend(s.diff_reasons.iter().cloned());
        if let Some(d) = s.detailed_diff.as_object() {
            props.extend(d.keys().cloned());
        }
    }
    props
        .into_iter()
        .map(|p| p.split(['.', '[']).next().unwrap_or_default().to_string())
        .collect()
}

fn service_status(service: &Option<Service>) -> Option<String> {
    service
        .as_ref()
        .and_then(|s| s.status().map(str::to_string))
}

fn active_task_definitions(ecs: &EcsProbe) -> Vec<String> {
    ecs.task_definition_arns(TaskDefinitionStatus::Active)
}

/// The family of a task definition ARN `...:task-definition/<family>:<revision>`.
fn family_of(arn: &str) -> &str {
    arn.rsplit_once('/')
        .and_then(|(_, fr)| fr.rsplit_once(':'))
        .map(|(family, _)| family)
        .unwrap_or_else(|| panic!("not a task definition ARN: {arn}"))
}

#[test]
fn service_lifecycle() {
    let moto = Moto::start_with_env(&[("MOTO_ECS_SERVICE_RUNNING", "1")]);
    let recorder = AwsRecorder::start(&moto.url());
    // Checks go straight to moto, so they are not recorded.
    let ecs = EcsProbe::new(&moto.url());
    let (mut project, network) = service_project(&moto, &recorder.url());
    let subnets: Vec<String> = network.subnet_ids[..2].to_vec();
    let groups = network.security_group_ids.clone();

    // Preview: three creates, and nothing changed in AWS.
    recorder.clear();
    let preview = project.preview_json();
    show(&recorder, "the first preview");
    assert_eq!(
        changes(&preview),
        BTreeSet::from([
            step(CLUSTER, "main", "create"),
            step(TASK_DEFINITION, "api", "create"),
            step(SERVICE, "api", "create"),
        ]),
        "steps: {:?}",
        preview.summary()
    );
    assert_eq!(
        recorder.mutating_operations(),
        Vec::<String>::new(),
        "preview changed AWS"
    );
    assert!(ecs.list_cluster_arns().is_empty(), "preview made a cluster");
    assert!(
        active_task_definitions(&ecs).is_empty(),
        "preview registered a task definition"
    );

    // Up: one of each, and the service runs the exported revision.
    recorder.clear();
    project.up();
    show(&recorder, "the first up");
    for op in [
        "ecs:CreateCluster",
        "ecs:RegisterTaskDefinition",
        "ecs:CreateService",
    ] {
        assert_eq!(
            recorder.count(op),
            1,
            "{op}; calls: {:?}",
            recorder.operations()
        );
    }
    let outputs = project.stack_output_json();
    let cluster_arn = output_str(&outputs, "clusterArn");
    let td1 = output_str(&outputs, "taskDefinitionArn");
    let service_arn = output_str(&outputs, "serviceArn");
    let service_name = output_str(&outputs, "serviceName");
    assert_eq!(outputs["revision"], json!(1), "{outputs}");
    assert!(td1.ends_with(":1"), "{td1}");
    assert!(
        service_name.starts_with("api-"),
        "auto-name from the resource name: {service_name}"
    );
    let family = family_of(&td1).to_string();
    assert!(family.starts_with("api-"), "auto-named family: {family}");

    let svc = ecs
        .describe_service(&cluster_arn, &service_arn)
        .expect("the exported service exists in moto");
    assert_eq!(svc.status(), Some("ACTIVE"));
    assert_eq!(svc.service_arn(), Some(service_arn.as_str()));
    assert_eq!(svc.service_name(), Some(service_name.as_str()));
    assert_eq!(svc.cluster_arn(), Some(cluster_arn.as_str()));
    assert_eq!(svc.desired_count(), 1);
    assert_eq!(svc.running_count(), 1);
    assert_eq!(svc.task_definition(), Some(td1.as_str()));
    assert_eq!(svc.launch_type(), Some(&LaunchType::Fargate));
    let vpc = svc
        .network_configuration()
        .and_then(|n| n.awsvpc_configuration())
        .expect("awsvpc network configuration");
    // AWS keeps subnets and groups as sets; the provider sends them sorted.
    let mut sorted_subnets = subnets.clone();
    sorted_subnets.sort();
    assert_eq!(vpc.subnets(), sorted_subnets.as_slice());
    assert_eq!(vpc.security_groups(), groups.as_slice());

    let td = ecs.describe_task_definition(&td1);
    assert_eq!(td.status(), Some(&TaskDefinitionStatus::Active));
    assert_eq!(td.family(), Some(family.as_str()));
    assert_eq!((td.cpu(), td.memory()), (Some("256"), Some("512")));
    let containers = td.container_definitions();
    assert_eq!(containers.len(), 1, "{containers:?}");
    assert_eq!(containers[0].name(), Some("api"));
    assert_eq!(containers[0].image(), Some("nginx:1.27"));
    assert_eq!(
        containers[0]
            .port_mappings()
            .iter()
            .map(|p| p.container_port())
            .collect::<Vec<_>>(),
        vec![Some(8080)]
    );
    assert_eq!(active_task_definitions(&ecs), std::slice::from_ref(&td1));

    // Nothing to do on a second look, nor after a refresh (which changes nothing in AWS).
    project.preview_expect_no_changes();
    recorder.clear();
    project.refresh();
    show(&recorder, "refresh");
    assert_eq!(
        recorder.mutating_operations(),
        Vec::<String>::new(),
        "refresh changed AWS"
    );
    project.preview_expect_no_changes();

    // A new image: a new revision and a rollout of the same service, both in place.
    project.config_set("image", "nginx:1.28");
    let preview = project.preview_json();
    assert_eq!(
        changes(&preview),
        BTreeSet::from([
            step(TASK_DEFINITION, "api", "update"),
            step(SERVICE, "api", "update"),
        ]),
        "a new image must update (not replace) the task definition and the service: {:?}",
        preview.summary()
    );
    for ty in [TASK_DEFINITION, SERVICE] {
        let s = preview.steps_of_type(ty);
        assert!(s[0].replace_reasons.is_empty(), "{:?}", s[0].raw);
    }
    assert!(
        changed_properties(&preview, SERVICE).contains("taskDefinition"),
        "{:?}",
        preview.steps_of_type(SERVICE)[0].raw
    );
    recorder.clear();
    project.up();
    show(&recorder, "the image update");
    assert_eq!(recorder.count("ecs:RegisterTaskDefinition"), 1);
    assert_eq!(recorder.count("ecs:UpdateService"), 1);
    let mutating = recorder.mutating_operations();
    for op in [
        "ecs:CreateService",
        "ecs:DeleteService",
        "ecs:CreateCluster",
        "ecs:DeleteCluster",
        "ecs:DeregisterTaskDefinition",
    ] {
        assert!(
            !mutating.iter().any(|o| o == op),
            "{op} during an in-place update: {mutating:?}"
        );
    }
    let outputs = project.stack_output_json();
    let td2 = output_str(&outputs, "taskDefinitionArn");
    assert_eq!(outputs["revision"], json!(2), "{outputs}");
    assert!(td2.ends_with(":2"), "{td2}");
    assert_eq!(family_of(&td2), family, "same family, next revision");
    assert_eq!(output_str(&outputs, "serviceArn"), service_arn);
    assert_eq!(output_str(&outputs, "serviceName"), service_name);
    assert_eq!(output_str(&outputs, "clusterArn"), cluster_arn);
    let svc = ecs
        .describe_service(&cluster_arn, &service_arn)
        .expect("service still exists");
    assert_eq!(svc.status(), Some("ACTIVE"));
    assert_eq!(svc.task_definition(), Some(td2.as_str()));
    assert_eq!(svc.desired_count(), 1);
    assert_eq!(
        ecs.describe_task_definition(&td2).container_definitions()[0].image(),
        Some("nginx:1.28")
    );
    // The previous revision stays ACTIVE for rollback (keepRevisions defaults to 3).
    assert_eq!(
        active_task_definitions(&ecs),
        vec![td1.clone(), td2.clone()]
    );
    project.preview_expect_no_changes();

    // Only the desired count: only the service changes, and no revision is registered.
    project.config_set("desiredCount", "2");
    let preview = project.preview_json();
    assert_eq!(
        changes(&preview),
        BTreeSet::from([step(SERVICE, "api", "update")]),
        "steps: {:?}",
        preview.summary()
    );
    assert_eq!(
        changed_properties(&preview, SERVICE),
        BTreeSet::from(["desiredCount".to_string()]),
        "{:?}",
        preview.steps_of_type(SERVICE)[0].raw
    );
    recorder.clear();
    project.up();
    show(&recorder, "the desired-count update");
    assert_eq!(recorder.count("ecs:UpdateService"), 1);
    assert_eq!(recorder.count("ecs:RegisterTaskDefinition"), 0);
    let outputs = project.stack_output_json();
    assert_eq!(output_str(&outputs, "serviceArn"), service_arn);
    assert_eq!(output_str(&outputs, "taskDefinitionArn"), td2);
    assert_eq!(outputs["revision"], json!(2), "{outputs}");
    let svc = ecs
        .describe_service(&cluster_arn, &service_arn)
        .expect("service still exists");
    assert_eq!(svc.service_arn(), Some(service_arn.as_str()));
    assert_eq!(svc.status(), Some("ACTIVE"));
    assert_eq!(svc.desired_count(), 2);
    assert_eq!(svc.running_count(), 2);
    assert_eq!(svc.task_definition(), Some(td2.as_str()));
    project.preview_expect_no_changes();

    // Destroy: the service deleted, every revision deregistered, the cluster deleted.
    recorder.clear();
    project.destroy();
    show(&recorder, "destroy");
    assert_eq!(recorder.count("ecs:DeleteService"), 1);
    assert_eq!(recorder.count("ecs:DeleteCluster"), 1);
    assert_eq!(
        active_task_definitions(&ecs),
        Vec::<String>::new(),
        "task definitions left ACTIVE after destroy"
    );
    assert_eq!(
        ecs.task_definition_arns(TaskDefinitionStatus::Inactive),
        vec![td1, td2]
    );
    let status = service_status(&ecs.describe_service(&cluster_arn, &service_arn));
    assert!(
        status.is_none() || status.as_deref() == Some("INACTIVE"),
        "service after destroy: {status:?}"
    );
    assert_eq!(
        ecs.describe_cluster(&cluster_arn)
            .and_then(|c| c.status().map(str::to_string))
            .as_deref(),
        Some("INACTIVE")
    );
    assert!(ecs.active_clusters().is_empty());
    let export = project.stack_export();
    for ty in [CLUSTER, TASK_DEFINITION, SERVICE] {
        assert!(
            exported_resources(&export, ty).is_empty(),
            "{ty} left in the state: {}",
            export["deployment"]["resources"]
        );
    }
    assert_eq!(project.stack_output_json(), json!({}));
}

/// `(provider, weight, base)` of a strategy as ECS reports it.
fn strategy(items: &[aws_sdk_ecs::types::CapacityProviderStrategyItem]) -> Vec<(String, i32, i32)> {
    let mut out: Vec<_> = items
        .iter()
        .map(|i| (i.capacity_provider().to_string(), i.weight(), i.base()))
        .collect();
    out.sort();
    out
}

/// `(provider, weight, base)` of the service's strategy in the stack's state.
fn service_strategy(project: &mut PulumiProject) -> Vec<(String, i32, i32)> {
    let export = project.stack_export();
    let services = exported_resources(&export, SERVICE);
    let items = services[0]["outputs"]["capacityProviderStrategy"]
        .as_array()
        .unwrap_or_else(|| panic!("no strategy in the state: {}", services[0]))
        .clone();
    let mut out: Vec<(String, i32, i32)> = items
        .iter()
        .map(|i| {
            let n = |k: &str| i[k].as_i64().unwrap_or(0) as i32;
            (
                i["capacityProvider"].as_str().unwrap().to_string(),
                n("weight"),
                n("base"),
            )
        })
        .collect();
    out.sort();
    out
}

fn spot_strategy(spot: i32) -> Vec<(String, i32, i32)> {
    vec![("FARGATE".into(), 1, 1), ("FARGATE_SPOT".into(), spot, 0)]
}

/// Fargate Spot: the cluster associates both Fargate capacity providers (AWS refuses a service
/// strategy naming a provider its cluster lacks; moto does not), the service runs on a Spot
/// strategy with an on-demand base, nothing drifts on read-back, and a new Spot share updates
/// the cluster (PutClusterCapacityProviders) and the service in place.
#[test]
fn spot_service_on_a_cluster_with_both_providers() {
    let moto = Moto::start_with_env(&[("MOTO_ECS_SERVICE_RUNNING", "1")]);
    let recorder = AwsRecorder::start(&moto.url());
    let ecs = EcsProbe::new(&moto.url());
    let (mut project, _) = service_project(&moto, &recorder.url());
    project.config_set("spotWeight", "3");

    project.up();
    let outputs = project.stack_output_json();
    let cluster_arn = output_str(&outputs, "clusterArn");
    let service_arn = output_str(&outputs, "serviceArn");
    let cluster = ecs.describe_cluster(&cluster_arn).expect("cluster exists");
    let mut providers = cluster.capacity_providers().to_vec();
    providers.sort();
    assert_eq!(providers, ["FARGATE", "FARGATE_SPOT"]);
    assert_eq!(
        strategy(cluster.default_capacity_provider_strategy()),
        spot_strategy(3)
    );
    // moto drops CreateService's strategy (its responses.py never reads it): the service's
    // strategy is checked in the state, what the provider sent and reads back.
    assert!(ecs.describe_service(&cluster_arn, &service_arn).is_some());
    assert_eq!(service_strategy(&mut project), spot_strategy(3));

    // AWS's answer (unset base reported as 0, any order) reads back without a diff.
    project.preview_expect_no_changes();
    project.refresh();
    project.preview_expect_no_changes();

    // A new Spot share: cluster and service updated in place.
    project.config_set("spotWeight", "4");
    let preview = project.preview_json();
    assert_eq!(
        changes(&preview),
        BTreeSet::from([
            step(CLUSTER, "main", "update"),
            step(SERVICE, "api", "update")
        ]),
        "steps: {:?}",
        preview.summary()
    );
    recorder.clear();
    project.up();
    show(&recorder, "the Spot share update");
    assert_eq!(recorder.count("ecs:PutClusterCapacityProviders"), 1);
    assert_eq!(recorder.count("ecs:CreateCluster"), 0);
    assert_eq!(recorder.count("ecs:CreateService"), 0);
    let cluster = ecs.describe_cluster(&cluster_arn).expect("same cluster");
    assert_eq!(
        strategy(cluster.default_capacity_provider_strategy()),
        spot_strategy(4)
    );
    assert_eq!(recorder.count("ecs:UpdateService"), 1);
    assert_eq!(service_strategy(&mut project), spot_strategy(4));
    project.preview_expect_no_changes();

    project.destroy();
    assert!(ecs.active_clusters().is_empty());
}

#[test]
fn service_that_never_becomes_steady_fails_within_its_timeout() {
    // Without MOTO_ECS_SERVICE_RUNNING no task ever runs: the service never becomes steady.
    let moto = Moto::start();
    let recorder = AwsRecorder::start(&moto.url());
    let ecs = EcsProbe::new(&moto.url());
    let (mut project, _) = service_project(&moto, &recorder.url());
    project.config_set("createTimeout", "15s");

    recorder.clear();
    let started = Instant::now();
    let out = project.try_up();
    let took = started.elapsed();
    show(&recorder, "the failing up");
    let text = out.combined();
    assert!(!out.success(), "up should fail:\n{out}");
    assert!(
        took < Duration::from_secs(90),
        "the 15s timeout was not honoured: up took {took:?}"
    );
    assert!(
        took >= Duration::from_secs(15),
        "up failed after {took:?}, before the 15s timeout could run out:\n{out}"
    );
    assert!(text.contains("did not reach steady state"), "{out}");
    assert!(text.contains("timed out"), "{out}");
    assert!(
        text.contains("0 running"),
        "the error should say how far the rollout got:\n{out}"
    );
    assert_eq!(
        recorder.count("ecs:CreateService"),
        1,
        "calls: {:?}",
        recorder.operations()
    );

    // Nothing lost: the service is in the state with its id, and exists in moto.
    let export = project.stack_export();
    let services = exported_resources(&export, SERVICE);
    assert_eq!(services.len(), 1, "{}", export["deployment"]["resources"]);
    let id = services[0]["id"]
        .as_str()
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| panic!("service without id in the state: {}", services[0]))
        .to_string();
    assert_eq!(
        services[0]["outputs"]["arn"].as_str(),
        Some(id.as_str()),
        "{}",
        services[0]
    );
    // Recorded as a partial failure, so the next `up` continues from what exists.
    let init_errors = services[0]["initErrors"].to_string();
    assert!(
        init_errors.contains("did not reach steady state"),
        "initErrors: {init_errors}"
    );
    assert_eq!(exported_resources(&export, TASK_DEFINITION).len(), 1);
    let clusters = exported_resources(&export, CLUSTER);
    assert_eq!(clusters.len(), 1);
    let cluster_arn = clusters[0]["id"]
        .as_str()
        .or_else(|| clusters[0]["outputs"]["arn"].as_str())
        .expect("cluster id")
        .to_string();
    let live = ecs
        .describe_service(&cluster_arn, &id)
        .unwrap_or_else(|| panic!("service {id} from the state is not in moto"));
    assert_eq!(live.service_arn(), Some(id.as_str()));
    assert_eq!(live.status(), Some("ACTIVE"));
    assert_eq!((live.desired_count(), live.running_count()), (1, 0));

    // Destroy cleans up what the failed up left.
    project.destroy();
    let status = service_status(&ecs.describe_service(&cluster_arn, &id));
    assert!(
        status.is_none() || status.as_deref() == Some("INACTIVE"),
        "service after destroy: {status:?}"
    );
    assert_eq!(active_task_definitions(&ecs), Vec::<String>::new());
    assert!(ecs.active_clusters().is_empty());
    let export = project.stack_export();
    for ty in [CLUSTER, TASK_DEFINITION, SERVICE] {
        assert!(exported_resources(&export, ty).is_empty(), "{ty} left");
    }
}

#[test]
fn bad_task_definition_fails_at_preview() {
    let moto = Moto::start();
    let recorder = AwsRecorder::start(&moto.url());
    let ecs = EcsProbe::new(&moto.url());
    let (mut project, _) = service_project(&moto, &recorder.url());
    // 4096 MiB is not a Fargate size for 0.25 vCPU.
    project.config_set("cpu", "256");
    project.config_set("memory", "4096");

    recorder.clear();
    let out = project.try_preview();
    show(&recorder, "the failing preview");
    assert!(
        !out.success(),
        "preview accepted cpu 256 / memory 4096:\n{out}"
    );
    let text = out.combined();
    assert!(
        text.lines()
            .any(|l| l.contains("memory") && l.contains("4096") && l.contains("512, 1024, 2048")),
        "one error line should name `memory`, the value 4096 and the valid sizes:\n{out}"
    );
    assert_eq!(
        recorder.operations(),
        Vec::<String>::new(),
        "preview called AWS"
    );
    assert!(ecs.list_cluster_arns().is_empty(), "a cluster was created");
    assert!(
        active_task_definitions(&ecs).is_empty()
            && ecs
                .task_definition_arns(TaskDefinitionStatus::Inactive)
                .is_empty(),
        "a task definition was registered"
    );
}
