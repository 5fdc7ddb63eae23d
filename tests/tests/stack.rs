//! The Sotex-box backend stack program (`sotex-stack`) with the repository's own
//! `Pulumi.staging.yaml`, through the real `pulumi` CLI against moto: the whole stack previewed,
//! created, checked in moto, changed by editing only the image tag or only the desired count,
//! its secret never in plaintext, bad stack YAML refused at preview, destroyed.

use std::collections::BTreeSet;

use aws_sdk_ecs::types::TaskDefinitionStatus;
use fargate_e2e::{
    AwsRecorder, EcsProbe, Moto, Preview, PulumiProject, default_network, ec2_query, elbv2_query,
    exported_resources, xml_values,
};
use serde_json::Value;

/// The plaintext of `sotex-backend:environment.SENTRY_DSN` in the repository's
/// `Pulumi.staging.yaml` (encrypted there with the local emulator passphrase).
const STAGING_SENTRY_DSN: &str = "https://f3a9c1d27e5b4a8c@o482113.ingest.sentry.io/5512347";
/// The part of it that is secret.
const SECRET_PART: &str = "f3a9c1d27e5b4a8c";

const EVERY_RESOURCE: [(&str, &str); 10] = [
    ("fargate:ec2:SecurityGroup", "alb"),
    ("fargate:ec2:SecurityGroup", "service"),
    ("fargate:lb:LoadBalancer", "api"),
    ("fargate:lb:TargetGroup", "api"),
    ("fargate:lb:Listener", "http"),
    ("fargate:lb:Listener", "https"),
    ("fargate:ecs:Cluster", "backend"),
    ("fargate:ecs:TaskDefinition", "api"),
    ("fargate:ecs:Service", "api"),
    ("pulumi:pulumi:Stack", "sotex-backend-staging"),
];

/// The staging stack as committed, against moto. The probes below speak to moto's default
/// region, so the stack's region is pointed there too; everything else is the file as is.
fn staging(endpoint: &str) -> PulumiProject {
    let mut project = PulumiProject::sotex_stack("staging", endpoint);
    project.config_set("fargate:region", "us-east-1");
    project
}

fn step(ty: &str, name: &str, op: &str) -> (String, String, String) {
    (ty.to_string(), name.to_string(), op.to_string())
}

/// `(type, name, op)` of every step that changes something.
fn changes(preview: &Preview) -> BTreeSet<(String, String, String)> {
    preview
        .summary()
        .into_iter()
        .filter(|(_, _, op)| op != "same")
        .collect()
}

fn out(outputs: &Value, key: &str) -> String {
    match &outputs[key] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => panic!("no output {key} ({other}): {outputs}"),
    }
}

#[test]
fn staging_stack_lifecycle() {
    let moto = Moto::start_with_env(&[("MOTO_ECS_SERVICE_RUNNING", "1")]);
    let recorder = AwsRecorder::start(&moto.url());
    let ecs = EcsProbe::new(&moto.url());
    let network = default_network(moto.addr());
    let mut project = staging(&recorder.url());

    // Preview: every resource to create, AWS untouched.
    recorder.clear();
    let preview = project.preview_json();
    let expected: BTreeSet<_> = EVERY_RESOURCE
        .iter()
        .map(|(ty, name)| step(ty, name, "create"))
        .collect();
    assert_eq!(changes(&preview), expected, "{:?}", preview.summary());
    assert_eq!(
        recorder.mutating_operations(),
        Vec::<String>::new(),
        "preview changed AWS; calls: {:?}",
        recorder.operations()
    );

    // Up: the URL is the ALB's DNS name in moto; the service runs the exported revision
    // behind the target group.
    project.up();
    let outputs = project.stack_output_json();
    let lbs = elbv2_query(moto.addr(), "DescribeLoadBalancers", &[]).unwrap();
    let dns_names = xml_values(&lbs, "DNSName");
    assert_eq!(dns_names.len(), 1, "{lbs}");
    assert_eq!(out(&outputs, "url"), format!("https://{}", dns_names[0]));
    assert_eq!(out(&outputs, "albDnsName"), dns_names[0]);
    let cluster = out(&outputs, "clusterName");
    let service = ecs
        .describe_service(&cluster, &out(&outputs, "serviceName"))
        .expect("the service exists");
    assert_eq!(service.status(), Some("ACTIVE"));
    assert_eq!(service.running_count(), 1);
    let task_definition_arn = out(&outputs, "taskDefinitionArn");
    assert_eq!(
        service.task_definition(),
        Some(task_definition_arn.as_str())
    );
    assert_eq!(out(&outputs, "taskDefinitionRevision"), "1");
    let target_groups = xml_values(
        &elbv2_query(moto.addr(), "DescribeTargetGroups", &[]).unwrap(),
        "TargetGroupArn",
    );
    assert_eq!(
        service
            .load_balancers()
            .iter()
            .filter_map(|l| l.target_group_arn())
            .collect::<Vec<_>>(),
        target_groups.iter().map(String::as_str).collect::<Vec<_>>()
    );
    let task_definition = ecs.describe_task_definition(&task_definition_arn);
    let container = &task_definition.container_definitions()[0];
    assert_eq!(
        container.image(),
        Some("123456789012.dkr.ecr.eu-central-1.amazonaws.com/sotex-box-api:2026.11.27-3f9c2ab")
    );
    let environment: BTreeSet<(String, String)> = container
        .environment()
        .iter()
        .map(|kv| {
            (
                kv.name().unwrap_or_default().to_string(),
                kv.value().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert!(
        environment.contains(&("SENTRY_DSN".to_string(), STAGING_SENTRY_DSN.to_string())),
        "the secret reaches the container: {environment:?}"
    );
    assert_eq!(container.secrets().len(), 1);
    assert_eq!(
        (task_definition.cpu(), task_definition.memory()),
        (Some("256"), Some("512"))
    );
    let network_config = service
        .network_configuration()
        .and_then(|n| n.awsvpc_configuration())
        .expect("awsvpc");
    assert!(
        network_config
            .subnets()
            .iter()
            .all(|s| network.subnet_ids.contains(s))
    );

    // A no-change preview changes nothing; with the network discovered it only reads it.
    recorder.clear();
    project.preview_expect_no_changes();
    let reads = recorder.operations();
    assert!(
        reads
            .iter()
            .all(|op| op == "ec2:DescribeVpcs" || op == "ec2:DescribeSubnets"),
        "a no-change preview calls AWS only for getNetwork: {reads:?}"
    );
    // With the network pinned in the stack file (as production would), not even that; and
    // pinning the same network is no change.
    let export = project.stack_export();
    let alb = &exported_resources(&export, "fargate:lb:LoadBalancer")[0]["inputs"];
    for (i, subnet) in alb["subnets"].as_array().unwrap().iter().enumerate() {
        project.config_set_path(&format!("publicSubnetIds[{i}]"), subnet.as_str().unwrap());
    }
    project.config_set("vpcId", &network.vpc_id);
    project.config_set("vpcCidr", "172.31.0.0/16");
    recorder.clear();
    project.preview_expect_no_changes();
    assert_eq!(
        recorder.operations(),
        Vec::<String>::new(),
        "a no-change preview of a pinned network calls AWS"
    );

    // Only the image tag: the task definition updates (AWS registers a new revision; the old
    // ones are kept for rollback) and the service rolls out; nothing else.
    project.config_set("imageTag", "2026.11.28-77e01bd");
    let preview = project.preview_json();
    let steps: BTreeSet<_> = changes(&preview)
        .into_iter()
        .filter(|(ty, _, _)| ty.starts_with("fargate:"))
        .collect();
    assert_eq!(
        steps,
        BTreeSet::from([
            step("fargate:ecs:TaskDefinition", "api", "update"),
            step("fargate:ecs:Service", "api", "update"),
        ]),
        "{:?}",
        preview.summary()
    );
    project.up();
    let outputs = project.stack_output_json();
    assert_eq!(out(&outputs, "taskDefinitionRevision"), "2");
    let service = ecs
        .describe_service(&cluster, &out(&outputs, "serviceName"))
        .unwrap();
    assert_eq!(
        service.task_definition(),
        Some(out(&outputs, "taskDefinitionArn").as_str())
    );

    // Only the desired count: the service alone.
    project.config_set("desiredCount", "3");
    let preview = project.preview_json();
    let steps: BTreeSet<_> = changes(&preview)
        .into_iter()
        .filter(|(ty, _, _)| ty.starts_with("fargate:"))
        .collect();
    assert_eq!(
        steps,
        BTreeSet::from([step("fargate:ecs:Service", "api", "update")]),
        "{:?}",
        preview.summary()
    );
    // moto runs exactly one task per service here; a count of 3 would never be steady.
    project.config_set("desiredCount", "1");
    project.preview_expect_no_changes();

    // The secret: not in the state, the backend's files or anything any run printed.
    let export = serde_json::to_string(&project.stack_export()).unwrap();
    assert!(
        !export.contains(SECRET_PART),
        "plaintext secret in the state"
    );
    let mut backend_files = 0;
    for entry in walk(project.backend_dir()) {
        backend_files += 1;
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(SECRET_PART),
            "plaintext secret in {}",
            entry.display()
        );
    }
    assert!(backend_files > 0);
    assert!(
        !project.all_run_output().contains(SECRET_PART),
        "plaintext secret in a pulumi run's output"
    );

    // Destroy: nothing of the stack left in moto.
    project.destroy();
    assert!(
        xml_values(
            &elbv2_query(moto.addr(), "DescribeLoadBalancers", &[]).unwrap(),
            "LoadBalancerArn"
        )
        .is_empty()
    );
    assert!(
        xml_values(
            &elbv2_query(moto.addr(), "DescribeTargetGroups", &[]).unwrap(),
            "TargetGroupArn"
        )
        .is_empty()
    );
    assert!(
        ecs.active_clusters().is_empty(),
        "{:?}",
        ecs.active_clusters()
    );
    assert_eq!(
        ecs.task_definition_arns(TaskDefinitionStatus::Active),
        Vec::<String>::new()
    );
    let groups = xml_values(
        &ec2_query(
            moto.addr(),
            "DescribeSecurityGroups",
            &[
                ("Filter.1.Name", "vpc-id"),
                ("Filter.1.Value.1", &network.vpc_id),
            ],
        )
        .unwrap(),
        "groupName",
    );
    assert_eq!(groups, ["default"], "only the VPC's default group is left");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// The stack file with `sotex-backend:<key>` set to `value` (a YAML scalar or flow value),
/// replacing the key's block if it is there.
fn with_key(original: &str, key: &str, value: &str) -> String {
    let line = format!("  sotex-backend:{key}:");
    let mut out = Vec::new();
    let mut lines = original.lines().peekable();
    let mut replaced = false;
    while let Some(l) = lines.next() {
        if l.starts_with(&line) {
            out.push(format!("{line} {value}"));
            while lines.peek().is_some_and(|next| next.starts_with("    ")) {
                lines.next();
            }
            replaced = true;
        } else {
            out.push(l.to_string());
        }
    }
    let mut text = out.join("\n");
    if !replaced {
        text = text.replacen("config:\n", &format!("config:\n{line} {value}\n"), 1);
    }
    text
}

/// Bad stack YAML, one edit at a time on the committed staging file: each preview fails naming
/// the key (or the property it feeds under the same name) and the value, and AWS sees no
/// mutating call.
#[test]
fn bad_stack_yaml_fails_at_preview() {
    let moto = Moto::start();
    let recorder = AwsRecorder::start(&moto.url());
    let mut project = staging(&recorder.url());
    let stack_file = project.dir().join("Pulumi.staging.yaml");
    let original = std::fs::read_to_string(&stack_file).unwrap();

    // (key, YAML value, texts the error must contain)
    let cases: &[(&str, &str, &[&str])] = &[
        ("cpu", "big", &["sotex-backend:cpu", "big"]),
        ("cpu", "300", &["cpu", "300", "256"]),
        ("memory", "4096", &["memory", "4096"]),
        ("desiredCount", "-1", &["desiredCount", "-1"]),
        (
            "containerPort",
            "70000",
            &["sotex-backend:containerPort", "70000", "65535"],
        ),
        (
            "certificateArn",
            "not-an-arn",
            &["certificateArn", "not-an-arn"],
        ),
        (
            "healthCheckPath",
            "health",
            &["sotex-backend:healthCheckPath", "health"],
        ),
        (
            "imageTag",
            "\"v1 beta\"",
            &["sotex-backend:imageTag", "v1 beta"],
        ),
        (
            "imageRepository",
            "sotex/api:latest",
            &["sotex-backend:imageRepository", "sotex/api:latest"],
        ),
        (
            "allowedCidrs",
            "[\"10.0.0.0/33\"]",
            &["sotex-backend:allowedCidrs", "10.0.0.0/33"],
        ),
        (
            "publicSubnetIds",
            "[\"subnet-xyz\"]",
            &["sotex-backend:publicSubnetIds", "subnet-xyz"],
        ),
        ("vpcId", "vpc-nope", &["sotex-backend:vpcId", "vpc-nope"]),
        (
            "rolloutTimeout",
            "soon",
            &["sotex-backend:rolloutTimeout", "soon"],
        ),
        (
            "containerInsights",
            "sometimes",
            &["sotex-backend:containerInsights", "sometimes"],
        ),
        (
            "assignPublicIp",
            "maybe",
            &["sotex-backend:assignPublicIp", "maybe"],
        ),
        // The value may be the secret itself, so it is named by path, never echoed.
        (
            "secrets",
            "{DB: not-an-arn}",
            &["secrets.DB", "not an SSM parameter or Secrets Manager ARN"],
        ),
        (
            "minimumHealthyPercent",
            "150",
            &["minimumHealthyPercent", "150"],
        ),
        (
            "executionRoleArn",
            "arn:aws:iam::123456789012:user/deploy",
            &["executionRoleArn", "user/deploy"],
        ),
    ];
    let mut failures = Vec::new();
    for (key, value, expected) in cases {
        let edited = with_key(&original, key, value);
        std::fs::write(&stack_file, edited).unwrap();
        recorder.clear();
        let run = project.try_preview();
        let text = run.combined();
        if run.success() {
            failures.push(format!("{key}: {value}: the preview passed"));
        } else if let Some(missing) = expected.iter().find(|e| !text.contains(*e)) {
            failures.push(format!("{key}: {value}: no `{missing}` in:\n{text}"));
        }
        if !recorder.mutating_operations().is_empty() {
            failures.push(format!(
                "{key}: {value}: AWS changed: {:?}",
                recorder.mutating_operations()
            ));
        }
    }
    // A required key missing altogether.
    std::fs::write(
        &stack_file,
        original
            .lines()
            .filter(|l| !l.starts_with("  sotex-backend:imageTag:"))
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .unwrap();
    let run = project.try_preview();
    let text = run.combined();
    if run.success()
        || !text.contains("missing required config key `sotex-backend:imageTag`")
        || !text.contains("Pulumi.staging.yaml")
    {
        failures.push(format!("missing imageTag:\n{text}"));
    }
    std::fs::write(&stack_file, &original).unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} bad inputs were not refused as expected:\n{}",
        failures.len(),
        cases.len() + 1,
        failures.join("\n\n")
    );
    assert!(
        elbv2_query(moto.addr(), "DescribeLoadBalancers", &[])
            .map(|x| xml_values(&x, "LoadBalancerArn").is_empty())
            .unwrap(),
        "nothing created"
    );
}
