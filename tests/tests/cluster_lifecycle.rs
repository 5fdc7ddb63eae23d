//! Walking skeleton: one `fargate:ecs:Cluster` through its whole life with the real `pulumi`
//! CLI, our provider and language host, against moto behind a recording proxy.

use std::collections::BTreeMap;

use fargate_e2e::{
    AwsRecorder, EcsProbe, Moto, PulumiProject, cluster_settings, cluster_tags, exported_resources,
};

const CLUSTER: &str = "fargate:ecs:Cluster";
/// The provider's crash-recovery mark (crate `adopt`): on the cluster in AWS, never in the
/// stack's tags, and kept through tag updates.
const URN: &str = "urn:pulumi:dev::skeleton::fargate:ecs:Cluster::main";

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Prints what the provider called since the last `clear` (shown when the test fails).
fn show(recorder: &AwsRecorder, phase: &str) {
    println!("AWS calls during {phase}: {:?}\n", recorder.operations());
}

fn outputs(project: &mut PulumiProject) -> (String, String) {
    let out = project.stack_output_json();
    let arn = out["clusterArn"]
        .as_str()
        .unwrap_or_else(|| panic!("no clusterArn output: {out}"));
    let name = out["clusterName"]
        .as_str()
        .unwrap_or_else(|| panic!("no clusterName output: {out}"));
    (arn.to_string(), name.to_string())
}

#[test]
fn cluster_lifecycle() {
    let moto = Moto::start();
    let recorder = AwsRecorder::start(&moto.url());
    // Checks go straight to moto, so they are not recorded.
    let ecs = EcsProbe::new(&moto.url());
    let mut project = PulumiProject::new("skeleton", "cluster", &recorder.url());

    project.stack_init("dev");
    project.config_set_path("tags.team", "platform");
    project.config_set_path("tags.env", "dev");
    project.config_set("containerInsights", "enabled");

    // Preview: one cluster to create, and not a single AWS call.
    recorder.clear();
    let preview = project.preview_json();
    show(&recorder, "the first preview");
    let steps = preview.steps_of_type(CLUSTER);
    assert_eq!(steps.len(), 1, "steps: {:?}", preview.summary());
    assert_eq!(
        (steps[0].op.as_str(), steps[0].name.as_str()),
        ("create", "main")
    );
    assert_eq!(
        recorder.operations(),
        Vec::<String>::new(),
        "preview called AWS"
    );
    assert!(
        ecs.active_clusters().is_empty(),
        "preview created a cluster"
    );

    // Up: the cluster exists with the tags and settings, and the outputs name it.
    recorder.clear();
    project.up();
    show(&recorder, "the first up");
    assert_eq!(
        recorder.count("ecs:CreateCluster"),
        1,
        "calls: {:?}",
        recorder.operations()
    );
    let (arn, name) = outputs(&mut project);
    assert!(
        name.starts_with("main-"),
        "auto-name from the resource name: {name}"
    );
    let cluster = ecs
        .describe_cluster(&arn)
        .expect("cluster from the clusterArn output exists in moto");
    assert_eq!(cluster.status(), Some("ACTIVE"));
    assert_eq!(cluster.cluster_arn(), Some(arn.as_str()));
    assert_eq!(cluster.cluster_name(), Some(name.as_str()));
    assert_eq!(
        cluster_tags(&cluster),
        map(&[("team", "platform"), ("env", "dev"), ("fargate:urn", URN)])
    );
    assert_eq!(
        cluster_settings(&cluster)
            .get("containerInsights")
            .map(String::as_str),
        Some("enabled")
    );
    assert_eq!(ecs.active_clusters().len(), 1);
    assert_eq!(
        exported_resources(&project.stack_export(), CLUSTER).len(),
        1
    );

    // Nothing to do on a second look.
    recorder.clear();
    project.preview_expect_no_changes();
    show(&recorder, "preview --expect-no-changes");
    assert_eq!(
        recorder.operations(),
        Vec::<String>::new(),
        "preview called AWS"
    );

    // Changing tags updates in place.
    project.config_set_path("tags.team", "infra");
    project.config_rm_path("tags.env");
    project.config_set_path("tags.owner", "sre");
    let preview = project.preview_json();
    let steps = preview.steps_of_type(CLUSTER);
    assert_eq!(steps.len(), 1, "steps: {:?}", preview.summary());
    assert_eq!(
        steps[0].op, "update",
        "a tag change must not replace: {:?}",
        steps[0].raw
    );
    assert!(steps[0].replace_reasons.is_empty(), "{:?}", steps[0].raw);
    recorder.clear();
    project.up();
    show(&recorder, "the tag update");
    let mutating = recorder.mutating_operations();
    assert!(
        !mutating
            .iter()
            .any(|o| o == "ecs:CreateCluster" || o == "ecs:DeleteCluster"),
        "in-place update created or deleted a cluster: {mutating:?}"
    );
    let (arn_after, name_after) = outputs(&mut project);
    assert_eq!(
        (arn_after.as_str(), name_after.as_str()),
        (arn.as_str(), name.as_str())
    );
    let cluster = ecs.describe_cluster(&arn).expect("cluster still exists");
    assert_eq!(cluster.status(), Some("ACTIVE"));
    assert_eq!(
        cluster_tags(&cluster),
        map(&[("team", "infra"), ("owner", "sre"), ("fargate:urn", URN)])
    );
    assert_eq!(ecs.active_clusters().len(), 1);
    project.preview_expect_no_changes();

    // Deleted behind Pulumi's back: refresh drops it from the state.
    ecs.delete_cluster(&arn);
    recorder.clear();
    project.refresh();
    show(&recorder, "refresh");
    assert_eq!(
        recorder.mutating_operations(),
        Vec::<String>::new(),
        "refresh changed AWS"
    );
    let export = project.stack_export();
    assert!(
        exported_resources(&export, CLUSTER).is_empty(),
        "refresh kept the deleted cluster: {}",
        export["deployment"]["resources"]
    );

    // Up recreates it.
    recorder.clear();
    project.up();
    show(&recorder, "the recreating up");
    assert_eq!(
        recorder.count("ecs:CreateCluster"),
        1,
        "calls: {:?}",
        recorder.operations()
    );
    let (arn_new, name_new) = outputs(&mut project);
    let cluster = ecs
        .describe_cluster(&arn_new)
        .expect("recreated cluster exists");
    assert_eq!(cluster.status(), Some("ACTIVE"));
    assert_eq!(cluster.cluster_name(), Some(name_new.as_str()));
    assert_eq!(
        cluster_tags(&cluster),
        map(&[("team", "infra"), ("owner", "sre"), ("fargate:urn", URN)])
    );
    let active: Vec<_> = ecs
        .active_clusters()
        .iter()
        .filter_map(|c| c.cluster_arn().map(str::to_string))
        .collect();
    assert_eq!(active, std::slice::from_ref(&arn_new));
    assert_eq!(
        exported_resources(&project.stack_export(), CLUSTER).len(),
        1
    );
    project.preview_expect_no_changes();

    // Destroy: nothing left in moto or in the state.
    recorder.clear();
    project.destroy();
    show(&recorder, "destroy");
    assert_eq!(
        recorder.count("ecs:DeleteCluster"),
        1,
        "calls: {:?}",
        recorder.operations()
    );
    assert!(
        ecs.active_clusters().is_empty(),
        "clusters left after destroy"
    );
    assert_eq!(
        ecs.describe_cluster(&arn_new)
            .and_then(|c| c.status().map(str::to_string))
            .as_deref(),
        Some("INACTIVE")
    );
    let export = project.stack_export();
    assert!(exported_resources(&export, CLUSTER).is_empty());
    assert_eq!(project.stack_output_json(), serde_json::json!({}));
}
