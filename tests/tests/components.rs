//! Component resources through the real `pulumi` CLI against moto, with the `component`
//! example: an older program's resources directly under the stack move under a component
//! without being replaced (aliases), the preview shows the tree, two instances deploy side by
//! side, and destroy removes both.

use aws_sdk_ecs::types::TaskDefinitionStatus;
use fargate_e2e::{EcsProbe, Moto, Preview, PulumiProject, exported_resources};

const COMPONENT: &str = "sotex:examples:WebService";

/// `(type, name, op)` of every step that changes something.
fn changes(preview: &Preview) -> Vec<(String, String, String)> {
    let mut steps: Vec<_> = preview
        .summary()
        .into_iter()
        .filter(|(_, _, op)| op != "same")
        .collect();
    steps.sort();
    steps
}

fn step(ty: &str, name: &str, op: &str) -> (String, String, String) {
    (ty.to_string(), name.to_string(), op.to_string())
}

/// The indentation of the `pulumi stack` resource tree's line for `name` (its depth).
fn depth(tree: &str, ty: &str, name: &str) -> usize {
    let line = tree
        .lines()
        .find(|l| l.contains(ty) && l.split_whitespace().any(|w| w == name))
        .unwrap_or_else(|| panic!("no line for {ty} {name} in:\n{tree}"));
    line.find(ty).expect("type on its line")
}

/// The parent URN a preview step gives the resource `name`.
fn parent_in_preview(preview: &Preview, name: &str) -> String {
    let step = preview
        .steps
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no step for {name}: {:?}", preview.summary()));
    step.raw["newState"]["parent"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn components_move_without_replacement_deploy_side_by_side_and_destroy() {
    let moto = Moto::start();
    let ecs = EcsProbe::new(&moto.url());
    let mut project = PulumiProject::new("components", "component", &moto.url());
    project.stack_init("dev");

    // The older program: the api's cluster and task definition directly under the stack.
    project.config_set("shape", "flat");
    project.up();
    let flat_cluster = project.stack_output_json()["apiCluster"]
        .as_str()
        .expect("apiCluster output")
        .to_string();

    // The components: the api's resources keep their identity (aliases); only the components
    // and the worker's resources are new.
    project.config_rm("shape");
    let preview = project.preview_json();
    assert_eq!(
        changes(&preview),
        vec![
            step("fargate:ecs:Cluster", "worker-cluster", "create"),
            step("fargate:ecs:TaskDefinition", "worker-task", "create"),
            step(COMPONENT, "api", "create"),
            step(COMPONENT, "worker", "create"),
        ],
        "{:?}",
        preview.summary()
    );
    for op in ["replace", "delete", "create-replacement", "delete-replaced"] {
        assert_eq!(preview.change_summary.get(op), None, "{op}: {preview:?}");
    }

    // The preview shows the tree: each new child under its component.
    let worker_urn = "urn:pulumi:dev::components::sotex:examples:WebService::worker";
    for child in ["worker-cluster", "worker-task"] {
        assert_eq!(parent_in_preview(&preview, child), worker_urn);
    }

    // Two instances side by side; the api's cluster is the one the flat program created.
    project.up();
    let outputs = project.stack_output_json();
    assert_eq!(outputs["apiCluster"], flat_cluster.as_str(), "{outputs}");
    let worker_cluster = outputs["workerCluster"].as_str().expect("workerCluster");
    let mut active: Vec<String> = ecs
        .active_clusters()
        .iter()
        .filter_map(|c| c.cluster_name().map(str::to_string))
        .collect();
    active.sort();
    let mut expected = vec![flat_cluster.clone(), worker_cluster.to_string()];
    expected.sort();
    assert_eq!(active, expected);
    assert_eq!(
        ecs.task_definition_arns(TaskDefinitionStatus::Active).len(),
        2
    );

    // In the state, each child's parent is its component, which holds its registered outputs.
    let export = project.stack_export();
    let api_urn = outputs["apiUrn"].as_str().expect("apiUrn");
    let api = exported_resources(&export, COMPONENT)
        .into_iter()
        .find(|r| r["urn"] == api_urn)
        .expect("the api component in the state");
    assert_eq!(api["outputs"]["clusterName"], flat_cluster.as_str());
    let clusters = exported_resources(&export, "fargate:ecs:Cluster");
    let api_cluster = clusters
        .iter()
        .find(|r| r["outputs"]["name"] == flat_cluster.as_str())
        .expect("the api cluster in the state");
    assert_eq!(api_cluster["parent"], api_urn);
    project.preview_expect_no_changes();

    // `pulumi stack` draws the tree: each child indented under its component.
    let tree = project.run_ok(&["stack", "--stack", "dev"]).stdout;
    for name in ["api", "worker"] {
        let component = depth(&tree, COMPONENT, name);
        let cluster = depth(&tree, "fargate:ecs:Cluster", &format!("{name}-cluster"));
        let task = depth(&tree, "fargate:ecs:TaskDefinition", &format!("{name}-task"));
        assert!(
            cluster > component && task > component,
            "{name}'s children are not under it:\n{tree}"
        );
    }

    // Destroy removes both instances.
    project.destroy();
    assert!(ecs.active_clusters().is_empty());
    assert!(
        ecs.task_definition_arns(TaskDefinitionStatus::Active)
            .is_empty()
    );
}
