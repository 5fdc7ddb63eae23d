//! The Sotex-box backend stack program (`sotex-stack`) with the repository's own
//! `Pulumi.staging.yaml`, through the real `pulumi` CLI against moto: the whole stack previewed,
//! created on an empty account (roles and log group included), checked in moto, changed by
//! editing only the image tag or only the desired count, its secret never in plaintext, bad
//! stack YAML refused at preview, destroyed. And `Pulumi.production.yaml`: the image repository
//! it owns, its autoscaling, and an image rollout after a scale-out that keeps the count.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use aws_sdk_ecs::types::TaskDefinitionStatus;
use fargate_e2e::{
    AwsRecorder, EcsProbe, Moto, PulumiProject, default_network, ec2_query, elbv2_query,
    exported_resources, iam_query, xml_values,
};
use serde_json::{Value, json};

/// The secret part of `sotex-backend:environment.SENTRY_DSN` in the repository's
/// `Pulumi.staging.yaml` (encrypted there with the local emulator passphrase).
const SECRET_PART: &str = "f3a9c1d27e5b4a8c";

/// The one secret of `Pulumi.staging.yaml`'s `secrets`.
const STAGING_SECRET_ARN: &str =
    "arn:aws:secretsmanager:eu-central-1:123456789012:secret:sotex/staging/db-AbCdEf";
const EXECUTION_POLICY: &str =
    "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";

const EVERY_RESOURCE: [(&str, &str); 15] = [
    ("fargate:iam:Role", "api-execution"),
    ("fargate:iam:Role", "api-task"),
    ("fargate:logs:LogGroup", "api"),
    ("fargate:ec2:SecurityGroup", "alb"),
    ("fargate:ec2:SecurityGroup", "service"),
    ("fargate:lb:LoadBalancer", "api"),
    ("fargate:lb:TargetGroup", "api"),
    ("fargate:lb:Listener", "http"),
    ("fargate:lb:Listener", "https"),
    ("fargate:ecs:Cluster", "backend"),
    ("fargate:ecs:TaskDefinition", "api"),
    ("fargate:ecs:Service", "api"),
    ("fargate:ssm:Parameter", "SENTRY_DSN"),
    ("sotex:backend:WebService", "api"),
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
    let database_group = database_group(moto.addr(), &network.vpc_id);
    staging_options(&mut project, &database_group);

    // Preview: every resource to create, AWS untouched.
    recorder.clear();
    let preview = project.preview_json();
    let expected: BTreeSet<_> = EVERY_RESOURCE
        .iter()
        .map(|(ty, name)| step(ty, name, "create"))
        .collect();
    assert_eq!(preview.changes(), expected, "{:?}", preview.summary());
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
    // The secret reaches the container through SSM (tests/tests/stack_secrets.rs), never as
    // a plain variable.
    assert!(
        !format!("{environment:?}").contains(SECRET_PART),
        "the secret is in the container's environment: {environment:?}"
    );
    assert_eq!(
        container
            .secrets()
            .iter()
            .map(|s| s.name())
            .collect::<BTreeSet<_>>(),
        BTreeSet::from(["ConnectionStrings__Default", "SENTRY_DSN"])
    );
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
    let roles = check_roles_and_logs(&moto, &task_definition);

    check_staging_options(&moto, &ecs, &mut project, &cluster, &database_group);

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
    let steps: BTreeSet<_> = preview
        .changes()
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
    let steps: BTreeSet<_> = preview
        .changes()
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
    let mut groups = groups;
    groups.sort();
    assert_eq!(
        groups,
        ["database", "default"],
        "only the VPC's default group and the test's database group are left"
    );
    for role in roles {
        assert!(
            iam_query(moto.addr(), "GetRole", &[("RoleName", &role)])
                .is_err_and(|e| e.contains("NoSuchEntity")),
            "role {role} left behind"
        );
    }
    assert_eq!(
        log_groups(moto.addr(), "/ecs/sotex-box-backend/"),
        Vec::<Value>::new()
    );
}

/// The roles and the log group the stack made on the empty account: the execution role has
/// AWS's execution policy and reads exactly the configured secret, the task role may do
/// nothing, the container logs to the group (30 days) the stack made. The roles' names.
fn check_roles_and_logs(
    moto: &Moto,
    task_definition: &aws_sdk_ecs::types::TaskDefinition,
) -> Vec<String> {
    let name_of = |arn: Option<&str>| {
        let arn = arn.expect("the task definition names the role");
        arn.rsplit('/').next().unwrap().to_string()
    };
    let execution = name_of(task_definition.execution_role_arn());
    let task = name_of(task_definition.task_role_arn());
    assert_eq!(
        attached(moto, &execution),
        [EXECUTION_POLICY],
        "execution role policies"
    );
    assert_eq!(inline_names(moto, &execution), ["read-secrets"]);
    let document = inline_document(moto, &execution, "read-secrets");
    let statements: Vec<Value> = match &document["Statement"] {
        Value::Array(items) => items.clone(),
        one => vec![one.clone()],
    };
    let strings = |v: &Value| -> BTreeSet<String> {
        match v {
            Value::Array(items) => items
                .iter()
                .map(|i| i.as_str().unwrap().to_string())
                .collect(),
            Value::String(one) => BTreeSet::from([one.clone()]),
            other => panic!("{other}"),
        }
    };
    let granted: BTreeSet<(String, String)> = statements
        .iter()
        .flat_map(|st| {
            assert_eq!(st["Effect"], "Allow", "{document}");
            let resources = strings(&st["Resource"]);
            strings(&st["Action"])
                .into_iter()
                .flat_map(move |a| resources.clone().into_iter().map(move |r| (a.clone(), r)))
        })
        .collect();
    // The stack's own parameter (the `secure:` SENTRY_DSN), as the container names it.
    let parameter_arn = task_definition.container_definitions()[0]
        .secrets()
        .iter()
        .find(|secret| secret.name() == "SENTRY_DSN")
        .map(|secret| secret.value_from().to_string())
        .expect("SENTRY_DSN among the container's secrets");
    assert_eq!(
        granted,
        BTreeSet::from([
            (
                "secretsmanager:GetSecretValue".to_string(),
                STAGING_SECRET_ARN.to_string()
            ),
            ("ssm:GetParameters".to_string(), parameter_arn),
        ]),
        "the execution role reads exactly the container's secrets: {document}"
    );
    assert_eq!(attached(moto, &task), Vec::<String>::new(), "task role");
    // Staging turns on ECS Exec (see `staging_options`): the task role may open its channels.
    assert_eq!(inline_names(moto, &task), ["ecs-exec"], "task role");

    let groups = log_groups(moto.addr(), "/ecs/sotex-box-backend/staging");
    assert_eq!(groups.len(), 1, "{groups:?}");
    assert_eq!(groups[0]["retentionInDays"], 30, "{groups:?}");
    let options = task_definition.container_definitions()[0]
        .log_configuration()
        .and_then(|l| l.options())
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        options.get("awslogs-group").map(String::as_str),
        Some("/ecs/sotex-box-backend/staging")
    );
    assert!(
        !options.contains_key("awslogs-create-group"),
        "the driver creates no group: {options:?}"
    );
    vec![execution, task]
}

/// The production stack as committed (owning the image repository, scaling 3 to 10 tasks on
/// CPU): created on an empty moto that runs 3 tasks per service; the repository is protected
/// and its URL exported; the scalable target and its CPU policy have the file's bounds. Then
/// the autoscaler scales out (simulated: the count set in ECS), the image tag changes: the
/// new revision rolls out, the count stays, and nothing is left to change.
#[test]
fn production_stack_scales() {
    let moto = Moto::start_with_env(&[("MOTO_ECS_SERVICE_RUNNING", "3")]);
    let ecs = EcsProbe::new(&moto.url());
    let mut project = PulumiProject::sotex_stack("production", &moto.url());
    project.config_set("fargate:region", "us-east-1");
    project.up();
    let outputs = project.stack_output_json();

    // The repository: created, protected, its URL exported and used for the image.
    let url = out(&outputs, "imageRepositoryUrl");
    assert!(url.ends_with("/sotex-box-api"), "{url}");
    assert_eq!(out(&outputs, "image"), format!("{url}:2026.11.20-a41d9e0"));
    let repositories = aws_json(
        moto.addr(),
        "ecr",
        "AmazonEC2ContainerRegistry_V20150921.DescribeRepositories",
        json!({"repositoryNames": ["sotex-box-api"]}),
    )
    .unwrap();
    assert_eq!(
        repositories["repositories"][0]["repositoryUri"], url,
        "{repositories}"
    );
    let export = project.stack_export();
    let repository = &exported_resources(&export, "fargate:ecr:Repository")[0];
    assert_eq!(repository["protect"], true, "{repository}");

    // The scaling: the service's count between 3 and 10, tracking 70 % CPU.
    let cluster = out(&outputs, "clusterName");
    let service_name = out(&outputs, "serviceName");
    let resource_id = format!("service/{cluster}/{service_name}");
    let targets = aws_json(
        moto.addr(),
        "application-autoscaling",
        "AnyScaleFrontendService.DescribeScalableTargets",
        json!({"ServiceNamespace": "ecs", "ResourceIds": [resource_id]}),
    )
    .unwrap();
    let target = &targets["ScalableTargets"][0];
    assert_eq!(
        (&target["MinCapacity"], &target["MaxCapacity"]),
        (&json!(3), &json!(10)),
        "{targets}"
    );
    assert_eq!(target["ScalableDimension"], "ecs:service:DesiredCount");
    let policies = aws_json(
        moto.addr(),
        "application-autoscaling",
        "AnyScaleFrontendService.DescribeScalingPolicies",
        json!({"ServiceNamespace": "ecs", "ResourceId": resource_id}),
    )
    .unwrap();
    let policies = policies["ScalingPolicies"].as_array().unwrap().clone();
    assert_eq!(policies.len(), 1, "{policies:?}");
    let tracking = &policies[0]["TargetTrackingScalingPolicyConfiguration"];
    assert_eq!(tracking["TargetValue"].as_f64(), Some(70.0), "{policies:?}");
    assert_eq!(
        tracking["PredefinedMetricSpecification"]["PredefinedMetricType"],
        "ECSServiceAverageCPUUtilization"
    );
    let service = ecs.describe_service(&cluster, &service_name).unwrap();
    assert_eq!(service.desired_count(), 3);

    // The autoscaler scales out; the stack does not see it as a change.
    ecs.block_on(
        ecs.client()
            .update_service()
            .cluster(&cluster)
            .service(&service_name)
            .desired_count(5)
            .send(),
    )
    .unwrap();
    project.preview_expect_no_changes();

    // A new image: a new revision rolls out, the scaled-out count stays.
    let before = out(&outputs, "taskDefinitionRevision");
    project.config_set("imageTag", "2026.11.28-77e01bd");
    project.up();
    let outputs = project.stack_output_json();
    assert_ne!(out(&outputs, "taskDefinitionRevision"), before);
    let service = ecs.describe_service(&cluster, &service_name).unwrap();
    assert_eq!(
        service.task_definition(),
        Some(out(&outputs, "taskDefinitionArn").as_str())
    );
    assert_eq!(service.desired_count(), 5, "the scaled-out count stays");
    project.preview_expect_no_changes();
}

fn iam(moto: &Moto, action: &str, params: &[(&str, &str)]) -> String {
    iam_query(moto.addr(), action, params).unwrap_or_else(|e| panic!("{e}"))
}

fn attached(moto: &Moto, role: &str) -> Vec<String> {
    let mut arns = xml_values(
        &iam(moto, "ListAttachedRolePolicies", &[("RoleName", role)]),
        "PolicyArn",
    );
    arns.sort();
    arns
}

fn inline_names(moto: &Moto, role: &str) -> Vec<String> {
    let mut names = xml_values(
        &iam(moto, "ListRolePolicies", &[("RoleName", role)]),
        "member",
    );
    names.sort();
    names
}

/// An inline policy's document: IAM answers it URL-encoded inside XML.
fn inline_document(moto: &Moto, role: &str, policy: &str) -> Value {
    let xml = iam(
        moto,
        "GetRolePolicy",
        &[("RoleName", role), ("PolicyName", policy)],
    );
    let text = xml_values(&xml, "PolicyDocument")
        .pop()
        .unwrap_or_else(|| panic!("no PolicyDocument: {xml}"));
    let text = text
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    serde_json::from_str(&url_decoded(&text)).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn url_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// The log groups whose names start with `prefix`, as CloudWatch Logs describes them.
fn log_groups(moto: SocketAddr, prefix: &str) -> Vec<Value> {
    let answer = aws_json(
        moto,
        "logs",
        "Logs_20140328.DescribeLogGroups",
        json!({"logGroupNamePrefix": prefix}),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    answer["logGroups"].as_array().cloned().unwrap_or_default()
}

/// One call of an AWS JSON-protocol API (`X-Amz-Target`) on moto, which routes by the
/// credential scope's service and checks no signature.
fn aws_json(moto: SocketAddr, service: &str, target: &str, body: Value) -> Result<Value, String> {
    let body = body.to_string();
    let request = format!(
        "POST / HTTP/1.0\r\nHost: {moto}\r\n\
         Content-Type: application/x-amz-json-1.1\r\nX-Amz-Target: {target}\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let fail = |e: std::io::Error| format!("{target} to moto at {moto}: {e}");
    let mut stream = TcpStream::connect(moto).map_err(fail)?;
    stream.write_all(request.as_bytes()).map_err(fail)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(fail)?;
    let response = String::from_utf8_lossy(&raw).into_owned();
    let (head, json) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    if !head.starts_with("HTTP/1.0 200") && !head.starts_with("HTTP/1.1 200") {
        return Err(format!("{target}: {response}"));
    }
    serde_json::from_str(json).map_err(|e| format!("{target}: {e}: {json}"))
}

/// A security group standing for the database's (another stack's), in the default VPC.
fn database_group(moto: std::net::SocketAddr, vpc_id: &str) -> String {
    let created = ec2_query(
        moto,
        "CreateSecurityGroup",
        &[
            ("GroupName", "database"),
            ("GroupDescription", "the database of another stack"),
            ("VpcId", vpc_id),
        ],
    )
    .unwrap();
    xml_values(&created, "groupId").remove(0)
}

/// Staging's options from issue 19: Fargate Spot with one on-demand task as base, egress to
/// the database's security group on 5432, ECS Exec, and Graviton (ARM64).
fn staging_options(project: &mut PulumiProject, database_group: &str) {
    for (path, value) in [
        ("clusterCapacityProviders[0]", "FARGATE"),
        ("clusterCapacityProviders[1]", "FARGATE_SPOT"),
        ("capacityProviderStrategy[0].capacityProvider", "FARGATE"),
        ("capacityProviderStrategy[0].base", "1"),
        ("capacityProviderStrategy[0].weight", "1"),
        (
            "capacityProviderStrategy[1].capacityProvider",
            "FARGATE_SPOT",
        ),
        ("capacityProviderStrategy[1].weight", "3"),
        ("extraEgress[0].port", "5432"),
        ("extraEgress[0].securityGroupIds[0]", database_group),
        ("extraEgress[0].description", "PostgreSQL"),
    ] {
        project.config_set_path(path, value);
    }
    project.config_set("enableExecuteCommand", "true");
    project.config_set("cpuArchitecture", "ARM64");
}

/// What those options made: the cluster's providers, the tasks' egress to the database, the
/// exported groups, ARM64 on the task definition, exec and the strategy on the service.
fn check_staging_options(
    moto: &Moto,
    ecs: &EcsProbe,
    project: &mut PulumiProject,
    cluster: &str,
    database_group: &str,
) {
    let mut providers = ecs
        .describe_cluster(cluster)
        .expect("the cluster exists")
        .capacity_providers()
        .to_vec();
    providers.sort();
    assert_eq!(providers, ["FARGATE", "FARGATE_SPOT"]);
    let outputs = project.stack_output_json();
    let service_group = out(&outputs, "serviceSecurityGroupId");
    let alb_group = out(&outputs, "loadBalancerSecurityGroupId");
    assert!(
        service_group.starts_with("sg-")
            && alb_group.starts_with("sg-")
            && service_group != alb_group
    );
    let service = ecs
        .describe_service(cluster, &out(&outputs, "serviceName"))
        .unwrap();
    let vpc = service
        .network_configuration()
        .and_then(|n| n.awsvpc_configuration())
        .unwrap();
    assert_eq!(vpc.security_groups(), std::slice::from_ref(&service_group));
    let described = ec2_query(
        moto.addr(),
        "DescribeSecurityGroups",
        &[("GroupId.1", &service_group)],
    )
    .unwrap();
    let egress = &described[described
        .find("<ipPermissionsEgress>")
        .expect("egress rules")..];
    assert!(
        egress.contains(&format!("<groupId>{database_group}</groupId>"))
            && egress.contains("<fromPort>5432</fromPort>")
            && egress.contains("<fromPort>443</fromPort>"),
        "the tasks may reach the database on 5432 and AWS on 443: {egress}"
    );
    let task_definition = ecs.describe_task_definition(&out(&outputs, "taskDefinitionArn"));
    assert_eq!(
        task_definition
            .runtime_platform()
            .and_then(|p| p.cpu_architecture())
            .map(|a| a.as_str()),
        Some("ARM64")
    );
    // moto keeps neither a service's exec flag nor its strategy: the state holds what the
    // provider sent.
    let export = project.stack_export();
    let state = &exported_resources(&export, "fargate:ecs:Service")[0]["outputs"];
    assert_eq!(state["enableExecuteCommand"], true, "{state}");
    assert_eq!(
        state["capacityProviderStrategy"][1]["capacityProvider"], "FARGATE_SPOT",
        "{state}"
    );
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

/// Bad stack YAML: `(key, YAML value, the one error line the preview must print)`. Every
/// mistake is refused by the stack program before anything is declared, naming the stack key
/// and file, the value (never a secret's) and what is valid; cases that only the program can
/// judge (cross-key rules) are marked in `schema_can_tell` below.
pub const BAD_STACK_YAML: &[(&str, &str, &str)] = &[
    // Types, in our words.
    (
        "cpu",
        "big",
        "config key `sotex-backend:cpu` in Pulumi.staging.yaml: `big` is not valid: a Fargate CPU size in units: 256, 512, 1024, 2048, 4096, 8192 or 16384 (1024 = 1 vCPU)",
    ),
    (
        "cpu",
        "300",
        "config key `sotex-backend:cpu` in Pulumi.staging.yaml: `300` is not valid: a Fargate CPU size in units: 256, 512, 1024, 2048, 4096, 8192 or 16384 (1024 = 1 vCPU)",
    ),
    (
        "memory",
        "512.5",
        "config key `sotex-backend:memory` in Pulumi.staging.yaml: `512.5` is not valid: a whole number of MiB from 512 to 122880 that Fargate offers for the task's cpu (e.g. 512, 1024 or 2048 for cpu 256)",
    ),
    (
        "desiredCount",
        "\"-1\"",
        "config key `sotex-backend:desiredCount` in Pulumi.staging.yaml: `-1` is not valid: a whole number of tasks, 0 or more (at most 5000, ECS's limit per service)",
    ),
    (
        "containerPort",
        "70000",
        "config key `sotex-backend:containerPort` in Pulumi.staging.yaml: `70000` is not valid: a TCP port, a whole number from 1 to 65535",
    ),
    (
        "containerPort",
        "\"0\"",
        "config key `sotex-backend:containerPort` in Pulumi.staging.yaml: `0` is not valid: a TCP port, a whole number from 1 to 65535",
    ),
    (
        "assignPublicIp",
        "maybe",
        "config key `sotex-backend:assignPublicIp` in Pulumi.staging.yaml: `maybe` is not valid: `true` or `false`",
    ),
    (
        "deletionProtection",
        "\"yes\"",
        "config key `sotex-backend:deletionProtection` in Pulumi.staging.yaml: `yes` is not valid: `true` or `false`",
    ),
    (
        "desiredCountManagedByAutoscaler",
        "\"1\"",
        "config key `sotex-backend:desiredCountManagedByAutoscaler` in Pulumi.staging.yaml: `1` is not valid: `true` or `false`",
    ),
    (
        "privateSubnetIds",
        "[]",
        "config key `sotex-backend:privateSubnetIds` in Pulumi.staging.yaml: 0 entries given; at least 1 needed",
    ),
    // Bounds and allowed values.
    (
        "minimumHealthyPercent",
        "150",
        "config key `sotex-backend:minimumHealthyPercent` in Pulumi.staging.yaml: `150` is not valid: a whole percentage from 0 to 100",
    ),
    (
        "idleTimeoutSeconds",
        "\"0\"",
        "config key `sotex-backend:idleTimeoutSeconds` in Pulumi.staging.yaml: `0` is not valid: a whole number of seconds from 1 to 4000",
    ),
    (
        "containerInsights",
        "sometimes",
        "config key `sotex-backend:containerInsights` in Pulumi.staging.yaml: `sometimes` is not valid: `enabled`, `enhanced` or `disabled`",
    ),
    ("sslPolicy", "ELBSecurityPolicy-Modern", "SSL_POLICY_LINE"),
    // Patterns: what AWS would refuse minutes later.
    (
        "imageRepository",
        "123456789012.dkr.ecr.eu-central-1.amazonaws.com/Sotex-Box-API",
        "config key `sotex-backend:imageRepository` in Pulumi.staging.yaml: `123456789012.dkr.ecr.eu-central-1.amazonaws.com/Sotex-Box-API` is not valid: a repository in lowercase, without tag or digest, e.g. `123456789012.dkr.ecr.eu-central-1.amazonaws.com/sotex-box-api` (image repositories are lowercase: `123456789012.dkr.ecr.eu-central-1.amazonaws.com/sotex-box-api`)",
    ),
    (
        "imageRepository",
        "sotex/api:latest",
        "config key `sotex-backend:imageRepository` in Pulumi.staging.yaml: `sotex/api:latest` is not valid: a repository in lowercase, without tag or digest, e.g. `123456789012.dkr.ecr.eu-central-1.amazonaws.com/sotex-box-api` (set the tag in `imageTag`)",
    ),
    (
        "imageTag",
        "\"v1 beta\"",
        "config key `sotex-backend:imageTag` in Pulumi.staging.yaml: `v1 beta` is not valid: 1 to 128 letters, digits, `_`, `.` or `-`, not starting with `.` or `-` (e.g. `1.4.2` or a commit sha)",
    ),
    (
        "environment",
        "{\"MY VAR\": x}",
        "config key `sotex-backend:environment` in Pulumi.staging.yaml: name `MY VAR` is not valid: an environment variable name: letters, digits, `_`, `.` or `-`, not starting with a digit, no `=` or spaces (e.g. `LOG_LEVEL`)",
    ),
    (
        "environment",
        "{\"A=B\": x}",
        "config key `sotex-backend:environment` in Pulumi.staging.yaml: name `A=B` is not valid: an environment variable name: letters, digits, `_`, `.` or `-`, not starting with a digit, no `=` or spaces (e.g. `LOG_LEVEL`)",
    ),
    (
        "secrets",
        "{\"DB PASSWORD\": \"arn:aws:ssm:eu-central-1:123456789012:parameter/db\"}",
        "config key `sotex-backend:secrets` in Pulumi.staging.yaml: name `DB PASSWORD` is not valid: an environment variable name: letters, digits, `_`, `.` or `-`, not starting with a digit, no `=` or spaces (e.g. `LOG_LEVEL`)",
    ),
    // The value may be the secret itself: named by entry, never echoed.
    (
        "secrets",
        "{DB: not-an-arn}",
        "config key `sotex-backend:secrets` in Pulumi.staging.yaml: entry `DB`: the value is not valid: the ARN of a Secrets Manager secret or SSM parameter, never the secret itself (e.g. `arn:aws:secretsmanager:eu-central-1:123456789012:secret:sotex/db-AbCdEf`)",
    ),
    (
        "certificateArn",
        "not-an-arn",
        "config key `sotex-backend:certificateArn` in Pulumi.staging.yaml: `not-an-arn` is not valid: an ACM or IAM server certificate ARN (e.g. `arn:aws:acm:eu-central-1:123456789012:certificate/…` or `arn:aws:iam::123456789012:server-certificate/sotex`)",
    ),
    (
        "executionRoleArn",
        "arn:aws:iam::123456789012:user/deploy",
        "config key `sotex-backend:executionRoleArn` in Pulumi.staging.yaml: `arn:aws:iam::123456789012:user/deploy` is not valid: an IAM role ARN, e.g. `arn:aws:iam::123456789012:role/sotex-box-api`",
    ),
    (
        "taskRoleArn",
        "sotex-box-api",
        "config key `sotex-backend:taskRoleArn` in Pulumi.staging.yaml: `sotex-box-api` is not valid: an IAM role ARN, e.g. `arn:aws:iam::123456789012:role/sotex-box-api`",
    ),
    (
        "healthCheckPath",
        "health",
        "config key `sotex-backend:healthCheckPath` in Pulumi.staging.yaml: `health` is not valid: a path starting with `/`, without spaces, at most 1024 characters (e.g. `/health`)",
    ),
    (
        "allowedCidrs",
        "[\"10.0.0.0/33\"]",
        "config key `sotex-backend:allowedCidrs` in Pulumi.staging.yaml: `10.0.0.0/33` is not valid: an IPv4 CIDR block such as `0.0.0.0/0` or `10.0.0.0/16`",
    ),
    (
        "vpcCidr",
        "10.0.0.0",
        "config key `sotex-backend:vpcCidr` in Pulumi.staging.yaml: `10.0.0.0` is not valid: an IPv4 CIDR block such as `0.0.0.0/0` or `10.0.0.0/16`",
    ),
    (
        "publicSubnetIds",
        "[\"subnet-xyz\", \"subnet-0123abcd\"]",
        "config key `sotex-backend:publicSubnetIds` in Pulumi.staging.yaml: `subnet-xyz` is not valid: a subnet id such as `subnet-0abc1234`",
    ),
    (
        "vpcId",
        "vpc-nope",
        "config key `sotex-backend:vpcId` in Pulumi.staging.yaml: `vpc-nope` is not valid: a VPC id such as `vpc-0abc1234`",
    ),
    (
        "rolloutTimeout",
        "soon",
        "config key `sotex-backend:rolloutTimeout` in Pulumi.staging.yaml: `soon` is not valid: a duration such as `90s`, `15m` or `1h`",
    ),
    (
        "logGroup",
        "\"logs with spaces\"",
        "config key `sotex-backend:logGroup` in Pulumi.staging.yaml: `logs with spaces` is not valid: 1 to 512 characters of letters, digits and `_ - / . #`",
    ),
    (
        "tags",
        "{\"aws:owner\": me}",
        "config key `sotex-backend:tags` in Pulumi.staging.yaml: tag key `aws:owner` is not valid: 1 to 128 characters, not starting with `aws:` (reserved by AWS)",
    ),
    // The keys of the stack's own roles, log group, repository and autoscaling.
    (
        "logRetentionDays",
        "10",
        "config key `sotex-backend:logRetentionDays` in Pulumi.staging.yaml: `10` is not valid: one of CloudWatch Logs' retention periods in days: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653",
    ),
    (
        "maxCount",
        "\"0\"",
        "config key `sotex-backend:maxCount` in Pulumi.staging.yaml: `0` is not valid: a whole number of tasks from 1 to 5000 (ECS's limit per service)",
    ),
    (
        "cpuTarget",
        "101",
        "config key `sotex-backend:cpuTarget` in Pulumi.staging.yaml: `101` is not valid: a whole percentage of CPU utilisation from 1 to 100 (e.g. 70)",
    ),
    (
        "requestsPerTarget",
        "0",
        "config key `sotex-backend:requestsPerTarget` in Pulumi.staging.yaml: `0` is not valid: a whole number of requests per task and minute from 1 to 1000000",
    ),
    (
        "scaleOutCooldownSeconds",
        "\"-1\"",
        "config key `sotex-backend:scaleOutCooldownSeconds` in Pulumi.staging.yaml: `-1` is not valid: a whole number of seconds from 0 to 86400 (one day)",
    ),
    (
        "ownsImageRepository",
        "maybe",
        "config key `sotex-backend:ownsImageRepository` in Pulumi.staging.yaml: `maybe` is not valid: `true` or `false`",
    ),
    (
        "imageRepositoryName",
        "Sotex-Box-API",
        "config key `sotex-backend:imageRepositoryName` in Pulumi.staging.yaml: `Sotex-Box-API` is not valid: an ECR repository name: 2 to 256 lowercase letters, digits and `.`, `_`, `-` or `/` between them (e.g. `sotex-box-api`) (repository names are lowercase: `sotex-box-api`)",
    ),
    (
        "taskRolePolicyArns",
        "[AmazonS3ReadOnlyAccess]",
        "config key `sotex-backend:taskRolePolicyArns` in Pulumi.staging.yaml: `AmazonS3ReadOnlyAccess` is not valid: a managed IAM policy ARN, e.g. `arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess` or `arn:aws:iam::123456789012:policy/sotex-api`",
    ),
    (
        "secretsKmsKeyArn",
        "alias/sotex",
        "config key `sotex-backend:secretsKmsKeyArn` in Pulumi.staging.yaml: `alias/sotex` is not valid: a KMS key ARN (not an alias: IAM grants decryption by key), e.g. `arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab`",
    ),
    // Unknown keys in our namespace.
    (
        "desiredCont",
        "\"2\"",
        "config key `sotex-backend:desiredCont` in Pulumi.staging.yaml is not a setting of this stack; did you mean `sotex-backend:desiredCount`?",
    ),
    (
        "sslpolicy",
        "ELBSecurityPolicy-TLS13-1-2-2021-06",
        "config key `sotex-backend:sslpolicy` in Pulumi.staging.yaml is not a setting of this stack; did you mean `sotex-backend:sslPolicy`?",
    ),
    (
        "cpuArchitecture",
        "ARM",
        "config key `sotex-backend:cpuArchitecture` in Pulumi.staging.yaml: `ARM` is not valid: `X86_64` or `ARM64` (the image must be built for it)",
    ),
    // Rules across keys (only the program can judge these).
    (
        "extraEgress",
        "[{port: 5432}]",
        "config key `sotex-backend:extraEgress[0]` in Pulumi.staging.yaml: gives neither `cidrs` nor `securityGroupIds`: say where the tasks may connect, e.g. `securityGroupIds: [sg-0abc1234]` (the database's group) or `cidrs: [10.0.0.0/16]`",
    ),
    (
        "capacityProviderStrategy",
        "[{capacityProvider: FARGATE_SPOT, weight: 1}]",
        "config key `sotex-backend:capacityProviderStrategy[0].capacityProvider` in Pulumi.staging.yaml: `FARGATE_SPOT` is not among the cluster's providers in `sotex-backend:clusterCapacityProviders` (it is not set); AWS refuses a service strategy naming a provider its cluster lacks: add `FARGATE_SPOT` to `sotex-backend:clusterCapacityProviders`",
    ),
    (
        "memory",
        "4096",
        "config key `sotex-backend:memory` in Pulumi.staging.yaml: `4096` is not valid with cpu 256: Fargate offers 512, 1024, 2048 MiB for it",
    ),
    (
        "maximumPercent",
        "\"100\"",
        "config key `sotex-backend:maximumPercent` in Pulumi.staging.yaml: `100` is not valid with minimumHealthyPercent 100: a rollout could never start a new task; use more than 100",
    ),
    (
        "environment",
        "{ConnectionStrings__Default: x}",
        "config key `sotex-backend:secrets.ConnectionStrings__Default` in Pulumi.staging.yaml: `ConnectionStrings__Default` is also in `sotex-backend:environment`; a variable is either plain or a secret",
    ),
    (
        "minCount",
        "\"2\"",
        "config key `sotex-backend:minCount` in Pulumi.staging.yaml: applies only with autoscaling, which `sotex-backend:maxCount` turns on: set maxCount (the most tasks) or remove it",
    ),
    (
        "maxCount",
        "\"5\"",
        "config key `sotex-backend:maxCount` in Pulumi.staging.yaml: `5` turns autoscaling on, which needs what to scale on: set `sotex-backend:cpuTarget` (percent CPU, e.g. 70) and/or `sotex-backend:requestsPerTarget` (requests per task and minute)",
    ),
    // Three keys at once (the value carries the other two lines).
    (
        "minCount",
        MIN_ABOVE_MAX,
        "config key `sotex-backend:minCount` in Pulumi.staging.yaml: `5` is not valid with maxCount 4: the fewest tasks must be at most the most, 4",
    ),
    (
        "imageRepositoryName",
        "sotex-box-api",
        "config key `sotex-backend:imageRepositoryName` in Pulumi.staging.yaml: applies only to the stack that owns the image repository (`sotex-backend:ownsImageRepository: true`); the other stacks give its URL in imageRepository",
    ),
    (
        "ownsImageRepository",
        "\"true\"",
        "config key `sotex-backend:imageRepository` in Pulumi.staging.yaml: `123456789012.dkr.ecr.eu-central-1.amazonaws.com/sotex-box-api` is not valid with ownsImageRepository true: this stack creates the repository and runs images from it; remove imageRepository (name the repository with imageRepositoryName)",
    ),
];

const MIN_ABOVE_MAX: &str =
    "\"5\"\n  sotex-backend:maxCount: \"4\"\n  sotex-backend:cpuTarget: \"70\"";

/// Whether a JSON Schema can tell the case is wrong (the rest are rules across keys).
pub fn schema_can_tell(key: &str, value: &str) -> bool {
    !matches!(
        (key, value),
        ("memory", "4096")
            | ("maximumPercent", "\"100\"")
            | ("environment", "{ConnectionStrings__Default: x}")
            | ("minCount", "\"2\"")
            | ("maxCount", "\"5\"")
            | ("minCount", MIN_ABOVE_MAX)
            | ("imageRepositoryName", "sotex-box-api")
            | ("ownsImageRepository", "\"true\"")
            | ("extraEgress", "[{port: 5432}]")
            | (
                "capacityProviderStrategy",
                "[{capacityProvider: FARGATE_SPOT, weight: 1}]"
            )
    )
}

/// The lines of a run's output that report an error.
fn error_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| l.starts_with("error:"))
        .map(str::to_string)
        .collect()
}

/// Bad stack YAML, one edit at a time on the committed staging file: each preview fails with
/// exactly one error line, the one in the table; AWS sees no call at all and nothing is created.
#[test]
fn bad_stack_yaml_fails_at_preview() {
    let moto = Moto::start();
    let recorder = AwsRecorder::start(&moto.url());
    let mut project = staging(&recorder.url());
    let stack_file = project.dir().join("Pulumi.staging.yaml");
    let original = std::fs::read_to_string(&stack_file).unwrap();
    let ssl_policy_line = format!(
        "config key `sotex-backend:sslPolicy` in Pulumi.staging.yaml: `ELBSecurityPolicy-Modern` is not valid: one of the load balancer's predefined security policies (custom policies are not supported), e.g. `ELBSecurityPolicy-TLS13-1-2-2021-06`; all: {}",
        alb_ssl_policies().join(", ")
    );

    let mut failures = Vec::new();
    let mut check =
        |what: String, run: &fargate_e2e::CmdOutput, expected: &str, calls: Vec<String>| {
            let text = run.combined();
            let errors = error_lines(&text);
            let expected = format!("error: {expected}");
            if run.success() {
                failures.push(format!("{what}: the preview passed"));
            } else if errors != [expected.clone()] {
                failures.push(format!(
                    "{what}:\n  expected: {expected}\n  got: {errors:#?}"
                ));
            }
            if !calls.is_empty() {
                failures.push(format!("{what}: AWS calls {calls:?}"));
            }
        };
    for (key, value, expected) in BAD_STACK_YAML {
        let expected = if *expected == "SSL_POLICY_LINE" {
            ssl_policy_line.as_str()
        } else {
            expected
        };
        std::fs::write(&stack_file, with_key(&original, key, value)).unwrap();
        recorder.clear();
        let run = project.try_preview();
        check(
            format!("{key}: {value}"),
            &run,
            expected,
            recorder.operations(),
        );
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
    recorder.clear();
    let run = project.try_preview();
    check(
        "missing imageTag".into(),
        &run,
        "missing required config key `sotex-backend:imageTag`: set it in Pulumi.staging.yaml (`pulumi config set imageTag <value>`)",
        recorder.operations(),
    );
    std::fs::write(&stack_file, &original).unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} bad inputs were not refused as expected:\n{}",
        failures.len(),
        BAD_STACK_YAML.len() + 1,
        failures.join("\n\n")
    );
    assert!(
        fargate_e2e::faults::inventory::moto_inventory(moto.addr()).is_empty(),
        "nothing created"
    );
}

/// The SSL policies the stack accepts (AWS's predefined ALB policies), from the committed
/// stack-file schema the program generates.
fn alb_ssl_policies() -> Vec<String> {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            fargate_e2e::tools::workspace_root().join("schema/stack-config.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    schema["properties"]["config"]["properties"]["sotex-backend:sslPolicy"]["enum"]
        .as_array()
        .expect("sslPolicy enum")
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect()
}

/// `check-stack-files` over a copy of the staging file with one edit.
fn schema_check(edited: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("Pulumi.staging.yaml");
    std::fs::write(&file, edited).unwrap();
    let schema = fargate_e2e::tools::workspace_root().join("schema/stack-config.schema.json");
    let out = std::process::Command::new(fargate_e2e::tools::workspace_bin("check-stack-files"))
        .arg("--schema")
        .arg(&schema)
        .arg(&file)
        .output()
        .expect("run check-stack-files (built by `cargo build --workspace --bins`)");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// The committed stack files validate against the schema their modeline names (which the
/// checker first validates against the draft-07 meta-schema); every table case a schema can
/// express fails it with a message naming the key, and the cross-key ones are the program's.
#[test]
fn stack_files_are_checked_against_their_schema() {
    let root = fargate_e2e::tools::workspace_root();
    let out = std::process::Command::new(fargate_e2e::tools::workspace_bin("check-stack-files"))
        .current_dir(&root)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for file in ["Pulumi.production.yaml", "Pulumi.staging.yaml"] {
        assert!(text.contains(&format!("{file}: valid")), "{text}");
        let first = std::fs::read_to_string(root.join(file)).unwrap();
        assert_eq!(
            first.lines().next(),
            Some("# yaml-language-server: $schema=schema/stack-config.schema.json"),
            "{file} names its schema by relative path on its first line"
        );
    }

    let original = std::fs::read_to_string(root.join("Pulumi.staging.yaml")).unwrap();
    let mut misses = Vec::new();
    let mut program_only = Vec::new();
    let extra: &[(&str, &str)] = &[
        // A `secure:` value where no secret may be given.
        ("imageTag", "{secure: \"v1:abc:def\"}"),
    ];
    let cases = BAD_STACK_YAML
        .iter()
        .map(|(k, v, _)| (*k, *v))
        .chain(extra.iter().copied());
    for (key, value) in cases {
        let (valid, report) = schema_check(&with_key(&original, key, value));
        if !schema_can_tell(key, value) {
            program_only.push(format!("{key}: {value}"));
            if !valid {
                misses.push(format!("{key}: {value}: expected only the program to refuse it, the schema did:\n{report}"));
            }
            continue;
        }
        if valid || !report.contains(&format!("`config.sotex-backend:{key}")) {
            misses.push(format!(
                "{key}: {value}: not refused naming the key:\n{report}"
            ));
        }
    }
    let without_tag: String = original
        .lines()
        .filter(|l| !l.starts_with("  sotex-backend:imageTag:"))
        .collect::<Vec<_>>()
        .join("\n");
    let (valid, report) = schema_check(&without_tag);
    if valid || !report.contains("sotex-backend:imageTag") {
        misses.push(format!("missing imageTag:\n{report}"));
    }
    println!("only the program can judge: {program_only:?}");
    assert_eq!(program_only.len(), 10, "{program_only:?}");
    assert!(misses.is_empty(), "{}", misses.join("\n\n"));
}
