//! ECS through the real `pulumi` CLI against moto: a task definition and a Fargate service,
//! revisions as in-place updates, rollouts waited for, and a rollout that never settles.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use fargate_e2e::{AwsRecorder, EcsProbe, Moto, PulumiProject, exported_resources};

const SERVICE: &str = "fargate:ecs:Service";
const TASK_DEFINITION: &str = "fargate:ecs:TaskDefinition";

/// Ids from moto's default VPC through the EC2 query API (moto does not check signatures).
fn default_network(moto: &Moto) -> (String, String) {
    let ask = |action: &str| -> String {
        let body = format!("Action={action}&Version=2016-11-15");
        let mut stream = std::net::TcpStream::connect(moto.addr()).expect("moto answers");
        let request = format!(
            "POST / HTTP/1.0\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0\r\n\
             Content-Length: {}\r\n\r\n{body}",
            moto.addr(),
            body.len()
        );
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    };
    let first = |xml: &str, tag: &str| -> String {
        let open = format!("<{tag}>");
        let start = xml
            .find(&open)
            .unwrap_or_else(|| panic!("no {tag} in {xml}"))
            + open.len();
        xml[start..start + xml[start..].find('<').unwrap()].to_string()
    };
    (
        first(&ask("DescribeSubnets"), "subnetId"),
        first(&ask("DescribeSecurityGroups"), "groupId"),
    )
}

fn project_for(moto: &Moto, endpoint: &str) -> PulumiProject {
    let (subnet, group) = default_network(moto);
    let mut project = PulumiProject::new("ecs", "service", endpoint);
    project.stack_init("dev");
    project.config_set("image", "nginx:1.27");
    project.config_set_path("subnets[0]", &subnet);
    project.config_set_path("securityGroups[0]", &group);
    project
}

fn output(project: &mut PulumiProject, key: &str) -> serde_json::Value {
    let out = project.stack_output_json();
    out.get(key)
        .cloned()
        .unwrap_or_else(|| panic!("no output {key}: {out}"))
}

fn ops_of(preview: &fargate_e2e::Preview, resource_type: &str) -> Vec<String> {
    preview
        .steps_of_type(resource_type)
        .iter()
        .map(|s| s.op.clone())
        .collect()
}

#[test]
fn service_rollouts_are_updates_and_converge() {
    let moto = Moto::start_with_env(&[("MOTO_ECS_SERVICE_RUNNING", "1")]);
    let recorder = AwsRecorder::start(&moto.url());
    let ecs = EcsProbe::new(&moto.url());
    let mut project = project_for(&moto, &recorder.url());

    recorder.clear();
    let preview = project.preview_json();
    assert_eq!(
        ops_of(&preview, SERVICE),
        vec!["create"],
        "{:?}",
        preview.summary()
    );
    assert_eq!(
        recorder.mutating_operations(),
        Vec::<String>::new(),
        "preview must not change AWS"
    );

    project.up();
    let service_arn = output(&mut project, "serviceArn")
        .as_str()
        .unwrap()
        .to_string();
    let td1 = output(&mut project, "taskDefinitionArn")
        .as_str()
        .unwrap()
        .to_string();
    assert!(td1.ends_with(":1"), "{td1}");
    let cluster = output(&mut project, "clusterArn")
        .as_str()
        .unwrap()
        .to_string();
    let describe = |ecs: &EcsProbe| {
        ecs.block_on(
            ecs.client()
                .describe_services()
                .cluster(&cluster)
                .services(&service_arn)
                .send(),
        )
        .expect("describe services")
        .services()[0]
            .clone()
    };
    let svc = describe(&ecs);
    assert_eq!(svc.status(), Some("ACTIVE"));
    assert_eq!(svc.desired_count(), 1);
    assert_eq!(svc.task_definition(), Some(td1.as_str()));

    project.preview_expect_no_changes();
    project.refresh();
    project.preview_expect_no_changes();

    // A new image: a new revision, and the same service updated in place.
    project.config_set("image", "nginx:1.28");
    let preview = project.preview_json();
    assert_eq!(
        ops_of(&preview, TASK_DEFINITION),
        vec!["update"],
        "{:?}",
        preview.summary()
    );
    assert_eq!(
        ops_of(&preview, SERVICE),
        vec!["update"],
        "{:?}",
        preview.summary()
    );
    project.up();
    let td2 = output(&mut project, "taskDefinitionArn")
        .as_str()
        .unwrap()
        .to_string();
    assert!(td2.ends_with(":2"), "{td2}");
    assert_eq!(output(&mut project, "revision"), serde_json::json!(2));
    assert_eq!(
        output(&mut project, "serviceArn").as_str(),
        Some(service_arn.as_str())
    );
    assert_eq!(describe(&ecs).task_definition(), Some(td2.as_str()));
    project.preview_expect_no_changes();

    // Only the desired count: only the service changes.
    project.config_set("desiredCount", "2");
    let preview = project.preview_json();
    assert!(
        ops_of(&preview, TASK_DEFINITION)
            .iter()
            .all(|op| op == "same"),
        "{:?}",
        preview.summary()
    );
    assert_eq!(
        ops_of(&preview, SERVICE),
        vec!["update"],
        "{:?}",
        preview.summary()
    );
    project.up();
    let svc = describe(&ecs);
    assert_eq!(svc.desired_count(), 2);
    assert_eq!(svc.service_arn(), Some(service_arn.as_str()));
    project.preview_expect_no_changes();

    project.destroy();
    let active = ecs
        .block_on(
            ecs.client()
                .list_task_definitions()
                .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
                .send(),
        )
        .unwrap();
    assert!(
        active.task_definition_arns().is_empty(),
        "left ACTIVE: {:?}",
        active.task_definition_arns()
    );
    assert!(ecs.active_clusters().is_empty());
    let export = project.stack_export();
    assert!(exported_resources(&export, SERVICE).is_empty());
}

#[test]
fn a_service_that_never_settles_fails_within_its_timeout_and_stays_in_state() {
    // Without MOTO_ECS_SERVICE_RUNNING no task ever runs.
    let moto = Moto::start();
    let ecs = EcsProbe::new(&moto.url());
    let mut project = project_for(&moto, &moto.url());
    project.config_set("createTimeout", "8s");

    let started = Instant::now();
    let out = project.try_up();
    let took = started.elapsed();
    let text = out.combined();
    assert!(!out.success(), "up should fail:\n{text}");
    assert!(took < Duration::from_secs(90), "took {took:?}");
    assert!(text.contains("did not reach steady state"), "{text}");
    assert!(text.contains("timed out after 8s"), "{text}");
    assert!(text.contains("0 running, 1 pending of 1 desired"), "{text}");

    // Nothing lost: the service is in the state with its id, and in moto.
    let export = project.stack_export();
    let services = exported_resources(&export, SERVICE);
    assert_eq!(services.len(), 1, "{export}");
    let id = services[0]["id"]
        .as_str()
        .expect("service id in state")
        .to_string();
    let cluster = services[0]["outputs"]["cluster"]
        .as_str()
        .unwrap()
        .to_string();
    let live = ecs
        .block_on(
            ecs.client()
                .describe_services()
                .cluster(&cluster)
                .services(&id)
                .send(),
        )
        .unwrap();
    assert_eq!(live.services()[0].status(), Some("ACTIVE"));

    project.destroy();
    assert!(ecs.active_clusters().is_empty());
}

#[test]
fn an_impossible_fargate_size_fails_at_preview_and_creates_nothing() {
    let moto = Moto::start();
    let recorder = AwsRecorder::start(&moto.url());
    let ecs = EcsProbe::new(&moto.url());
    let mut project = project_for(&moto, &recorder.url());
    project.config_set("memory", "4096");
    recorder.clear();
    let out = project.try_preview();
    let text = out.combined();
    assert!(!out.success(), "{text}");
    assert!(text.contains("memory") && text.contains("4096"), "{text}");
    assert!(text.contains("512, 1024, 2048"), "{text}");
    assert_eq!(recorder.operations(), Vec::<String>::new());
    assert!(ecs.active_clusters().is_empty());
}
