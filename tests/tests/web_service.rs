//! The stack program's `sotex:backend:WebService` component through the real `pulumi` CLI
//! against moto: a stack deployed before the component existed upgrades without replacing or
//! deleting anything; the API and a worker deploy side by side, shown as a tree, and destroy
//! removes both; staging reads the image repository's URL from production's outputs with a
//! stack reference, and a reference to an output that is not there fails the preview by name.

use std::collections::BTreeSet;

use fargate_e2e::{EcsProbe, Moto, Preview, PulumiProject, iam_query, xml_values};
use serde_json::Value;

const COMPONENT: &str = "sotex:backend:WebService";

/// The committed staging stack, its region pointed at moto's default (where the probes look).
fn staging(endpoint: &str) -> PulumiProject {
    let mut project = PulumiProject::sotex_stack("staging", endpoint);
    project.config_set("fargate:region", "us-east-1");
    project
}

fn out(outputs: &Value, key: &str) -> String {
    outputs[key]
        .as_str()
        .unwrap_or_else(|| panic!("no output {key}: {outputs}"))
        .to_string()
}

/// The state the stack program left before the component existed: the same resources with
/// the same names and inputs, each directly under the stack. It is this run's state with the
/// component taken out: its children's URNs lose the `sotex:backend:WebService$` parent type
/// and their parent becomes the stack.
fn without_component(export: &Value) -> Value {
    let resources = export["deployment"]["resources"].as_array().unwrap();
    let stack_urn = resources
        .iter()
        .find(|r| r["type"] == "pulumi:pulumi:Stack")
        .unwrap()["urn"]
        .clone();
    let components: Vec<Value> = resources
        .iter()
        .filter(|r| r["type"] == COMPONENT)
        .map(|r| r["urn"].clone())
        .collect();
    assert_eq!(components.len(), 1, "one WebService: {components:?}");
    let mut flat = export.clone();
    let list = flat["deployment"]["resources"].as_array_mut().unwrap();
    list.retain(|r| r["type"] != COMPONENT);
    for r in list.iter_mut() {
        if components.contains(&r["parent"]) {
            r["parent"] = stack_urn.clone();
        }
        if let Some(object) = r.as_object_mut() {
            object.remove("aliases");
        }
    }
    let text = serde_json::to_string(&flat)
        .unwrap()
        .replace(&format!("{COMPONENT}$"), "");
    serde_json::from_str(&text).unwrap()
}

#[test]
fn a_stack_deployed_before_the_component_upgrades_without_replacing_anything() {
    let moto = Moto::start_with_env(&[("MOTO_ECS_SERVICE_RUNNING", "1")]);
    let mut project = staging(&moto.url());
    project.up();
    let before = project.stack_output_json();

    // Put the stack back in its pre-component shape and check it is that shape.
    let flat = without_component(&project.stack_export());
    let file = project.dir().join("flat-state.json");
    std::fs::write(&file, serde_json::to_string_pretty(&flat).unwrap()).unwrap();
    project.run_ok(&[
        "stack",
        "import",
        "--file",
        file.to_str().unwrap(),
        "--stack",
        "staging",
    ]);
    let export = project.stack_export();
    let urns: Vec<&str> = export["deployment"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["urn"].as_str())
        .collect();
    assert!(
        urns.contains(&"urn:pulumi:staging::sotex-backend::fargate:ecs:Service::api"),
        "{urns:#?}"
    );
    assert!(!urns.iter().any(|u| u.contains(COMPONENT)), "{urns:#?}");

    // The upgrade: the component is new; its children are the same resources, moved.
    let preview = project.preview_json();
    let expected = BTreeSet::from([(
        COMPONENT.to_string(),
        "api".to_string(),
        "create".to_string(),
    )]);
    assert_eq!(preview.changes(), expected, "{:?}", preview.summary());
    let up = project.up();
    for word in ["replaced", "deleted", "replacing", "deleting", "updated"] {
        assert!(!up.stdout.contains(word), "`up` {word} something:\n{up}");
    }
    let after = project.stack_output_json();
    for key in ["url", "serviceName", "taskDefinitionArn", "clusterName"] {
        assert_eq!(after[key], before[key], "{key}");
    }
    project.preview_expect_no_changes();
}

/// The parent URN a preview step gives the resource `(ty, name)`.
fn parent_of(preview: &Preview, ty: &str, name: &str) -> String {
    let step = preview
        .steps
        .iter()
        .find(|s| s.resource_type == ty && s.name == name)
        .unwrap_or_else(|| panic!("no step for {ty} {name}: {:?}", preview.summary()));
    step.raw["newState"]["parent"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn the_api_and_a_worker_deploy_side_by_side_and_destroy_removes_both() {
    let moto = Moto::start_with_env(&[("MOTO_ECS_SERVICE_RUNNING", "1")]);
    let ecs = EcsProbe::new(&moto.url());
    let mut project = staging(&moto.url());
    project.config_set_path("workers.worker.command[0]", "dotnet");
    project.config_set_path("workers.worker.command[1]", "Sotex.Worker.dll");

    // The preview shows two components, each with its own children; shared ones under the stack.
    let preview = project.preview_json();
    let stack = "urn:pulumi:staging::sotex-backend::pulumi:pulumi:Stack::sotex-backend-staging";
    let component = |name: &str| format!("urn:pulumi:staging::sotex-backend::{COMPONENT}::{name}");
    for (ty, name, parent) in [
        (COMPONENT, "api", stack.to_string()),
        (COMPONENT, "worker", stack.to_string()),
        ("fargate:ecs:Service", "api", component("api")),
        ("fargate:lb:TargetGroup", "api", component("api")),
        ("fargate:iam:Role", "api-execution", component("api")),
        ("fargate:ecs:Service", "worker", component("worker")),
        ("fargate:ecs:TaskDefinition", "worker", component("worker")),
        ("fargate:logs:LogGroup", "worker", component("worker")),
        ("fargate:iam:Role", "worker-task", component("worker")),
        ("fargate:ecs:Cluster", "backend", stack.to_string()),
        ("fargate:lb:Listener", "https", stack.to_string()),
    ] {
        assert_eq!(parent_of(&preview, ty, name), parent, "{ty} {name}");
    }
    assert!(
        preview.steps_of_type("fargate:lb:TargetGroup").len() == 1,
        "the worker has no target group: {:?}",
        preview.summary()
    );

    project.up();
    let outputs = project.stack_output_json();
    let cluster = out(&outputs, "clusterName");
    let worker_service = outputs["workerServiceNames"]["worker"]
        .as_str()
        .unwrap_or_else(|| panic!("no workerServiceNames.worker: {outputs}"))
        .to_string();
    let api = ecs
        .describe_service(&cluster, &out(&outputs, "serviceName"))
        .expect("the API's service");
    let worker = ecs
        .describe_service(&cluster, &worker_service)
        .expect("the worker's service");
    for service in [&api, &worker] {
        assert_eq!(service.status(), Some("ACTIVE"));
        assert_eq!(service.running_count(), 1);
    }
    assert_eq!(api.load_balancers().len(), 1);
    assert!(worker.load_balancers().is_empty());
    let definition = ecs.describe_task_definition(worker.task_definition().unwrap());
    let container = &definition.container_definitions()[0];
    assert_eq!(container.name(), Some("worker"));
    assert_eq!(container.command(), ["dotnet", "Sotex.Worker.dll"]);
    assert!(container.port_mappings().is_empty());
    let roles = xml_values(
        &iam_query(moto.addr(), "ListRoles", &[]).unwrap(),
        "RoleName",
    );
    for prefix in [
        "api-execution",
        "api-task",
        "worker-execution",
        "worker-task",
    ] {
        assert!(
            roles.iter().any(|r| r.starts_with(prefix)),
            "no {prefix} role: {roles:?}"
        );
    }
    project.preview_expect_no_changes();

    project.destroy();
    for service in [out(&outputs, "serviceName"), worker_service] {
        let status = ecs
            .describe_service(&cluster, &service)
            .and_then(|s| s.status().map(String::from));
        assert_ne!(
            status.as_deref(),
            Some("ACTIVE"),
            "{service} is still active"
        );
    }
    let roles = xml_values(
        &iam_query(moto.addr(), "ListRoles", &[]).unwrap(),
        "RoleName",
    );
    assert!(
        !roles
            .iter()
            .any(|r| r.starts_with("api-") || r.starts_with("worker-")),
        "{roles:?}"
    );
}

#[test]
fn staging_reads_the_image_repository_from_production_by_stack_reference() {
    // Both stacks run three tasks per service (moto's running count for every service).
    let moto = Moto::start_with_env(&[("MOTO_ECS_SERVICE_RUNNING", "3")]);
    let mut project = PulumiProject::sotex_stack("production", &moto.url());
    project.config_set("fargate:region", "us-east-1");
    project.up();
    let repository_url = out(&project.stack_output_json(), "imageRepositoryUrl");

    // Staging, in the same backend, names production instead of copying its URL.
    std::fs::copy(
        fargate_e2e::tools::workspace_root().join("Pulumi.staging.yaml"),
        project.dir().join("Pulumi.staging.yaml"),
    )
    .unwrap();
    project.stack_init("staging");
    project.config_set("fargate:region", "us-east-1");
    project.config_set("desiredCount", "3");
    project.config_rm("imageRepository");

    // A stack without that output: the preview fails naming the stack and the output.
    project.config_set("imageRepositoryStack", "organization/sotex-backend/staging");
    let failed = project.try_preview();
    assert!(!failed.success(), "{failed}");
    assert!(
        failed.combined().contains(
            "stack `organization/sotex-backend/staging` has no output `imageRepositoryUrl`"
        ),
        "{failed}"
    );

    project.config_set(
        "imageRepositoryStack",
        "organization/sotex-backend/production",
    );
    project.up();
    let outputs = project.stack_output_json();
    assert_eq!(
        out(&outputs, "image"),
        format!("{repository_url}:{}", image_tag(&project))
    );
    let export = project.stack_export();
    let references = fargate_e2e::exported_resources(&export, "pulumi:pulumi:StackReference");
    assert_eq!(references.len(), 1, "{export}");
    project.preview_expect_no_changes();
}

/// The stack's `imageTag` as configured.
fn image_tag(project: &PulumiProject) -> String {
    let file = project
        .dir()
        .join(format!("Pulumi.{}.yaml", project.stack()));
    let text = std::fs::read_to_string(&file).unwrap();
    text.lines()
        .find_map(|l| l.trim().strip_prefix("sotex-backend:imageTag:"))
        .map(|t| t.trim().trim_matches('"').to_string())
        .unwrap_or_else(|| panic!("no imageTag in {}", file.display()))
}
