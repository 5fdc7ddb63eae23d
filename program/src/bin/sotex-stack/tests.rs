//! Unit tests of the stack program's logic, run against mocks (no engine, no AWS): which
//! resources exist for which settings, the least-privilege rules, derived names, and that no
//! secret travels in plaintext. Each runs in milliseconds.

use std::collections::BTreeSet;

use pulumi_rs::mocks::{MockCall, MockResource, MockRun, MockSettings, Mocks, run_with_mocks};
use serde_json::{Map, Value as Json, json};

const REPOSITORY: &str = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/sotex-box-api";
const CERTIFICATE: &str = "arn:aws:iam::123456789012:server-certificate/sotex-staging";
const SENTRY_DSN: &str = "https://f3a9c1d27e5b4a8c@o482113.ingest.sentry.io/5512347";
const VPC_CIDR: &str = "172.31.0.0/16";

/// AWS as the mocks see it: the default VPC with two public subnets and a private one; each
/// resource gets the id `<name>-id`, an ARN and its inputs back.
struct Aws;

impl Mocks for Aws {
    fn new_resource(&self, r: &MockResource) -> Result<(String, Map<String, Json>), String> {
        if r.type_token == "pulumi:pulumi:StackReference" {
            // The production stack, which owns the image repository.
            let outputs = json!({"name": r.inputs["name"],
                                 "outputs": {"imageRepositoryUrl": REPOSITORY},
                                 "secretOutputNames": []});
            let id = r.read_id.clone().unwrap_or_default();
            return Ok((id, outputs.as_object().cloned().unwrap_or_default()));
        }
        let mut outputs = r.inputs.clone();
        let short = r.type_token.rsplit(':').next().unwrap_or_default();
        outputs.insert("arn".into(), json!(format!("arn:mock:{short}/{}", r.name)));
        outputs
            .entry("name".to_string())
            .or_insert_with(|| json!(format!("{}-name", r.name)));
        if short == "LoadBalancer" {
            outputs.insert("dnsName".into(), json!("api-123.elb.example"));
        }
        Ok((format!("{}-id", r.name), outputs))
    }

    fn call(&self, call: &MockCall) -> Result<Map<String, Json>, String> {
        if call.token != "fargate:ec2:getNetwork" {
            return Err(format!("unexpected call {}", call.token));
        }
        let subnet = |id: &str, zone: &str, public: bool| {
            json!({"id": id, "availabilityZone": zone, "cidrBlock": "172.31.0.0/20",
                   "mapPublicIpOnLaunch": public})
        };
        let result = json!({
            "vpcId": "vpc-default",
            "cidrBlock": VPC_CIDR,
            "subnetIds": ["subnet-a", "subnet-b", "subnet-c"],
            "subnets": [subnet("subnet-c", "eu-central-1a", false),
                        subnet("subnet-a", "eu-central-1a", true),
                        subnet("subnet-b", "eu-central-1b", true)],
            "availabilityZones": ["eu-central-1a", "eu-central-1b"],
        });
        Ok(result.as_object().cloned().unwrap_or_default())
    }
}

/// The staging stack's settings (as `Pulumi.staging.yaml`), the DSN secret.
fn staging() -> MockSettings {
    MockSettings::new("sotex-backend", "staging")
        .config("imageRepository", REPOSITORY)
        .config("imageTag", "2026.11.27-3f9c2ab")
        .config("certificateArn", CERTIFICATE)
        .secret_config(
            "environment",
            &json!({"ASPNETCORE_ENVIRONMENT": "Staging", "SENTRY_DSN": SENTRY_DSN}).to_string(),
        )
        .config(
            "secrets",
            &json!({"ConnectionStrings__Default":
                "arn:aws:secretsmanager:eu-central-1:123456789012:secret:sotex/staging/db-AbCdEf"})
            .to_string(),
        )
}

fn run(settings: MockSettings) -> MockRun {
    run_with_mocks(settings, Aws, super::program).unwrap_or_else(|e| panic!("{e}"))
}

fn names(run: &MockRun) -> BTreeSet<(String, String)> {
    run.resources
        .iter()
        .map(|r| (r.type_token.clone(), r.name.clone()))
        .collect()
}

fn input(run: &MockRun, ty: &str, name: &str, key: &str) -> Json {
    let r = run
        .resource(ty, name)
        .unwrap_or_else(|| panic!("no {ty} {name}: {:?}", names(run)));
    r.input(key).unwrap_or(Json::Null)
}

/// `(port, sources)` of each rule: CIDRs, or the source group's id.
fn rules(rules: &Json) -> Vec<(i64, Vec<String>)> {
    let mut out: Vec<(i64, Vec<String>)> = rules
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|r| {
            assert_eq!(r["protocol"], "tcp", "{r}");
            assert_eq!(r["fromPort"], r["toPort"], "a single port: {r}");
            let sources = match &r["sourceSecurityGroupId"] {
                Json::String(group) => vec![group.clone()],
                _ => serde_json::from_value(r["cidrBlocks"].clone()).unwrap_or_default(),
            };
            (r["fromPort"].as_i64().unwrap_or_default(), sources)
        })
        .collect();
    out.sort();
    out
}

fn pairs(list: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    list.iter()
        .map(|(t, n)| (t.to_string(), n.to_string()))
        .collect()
}

#[test]
fn staging_declares_every_resource_and_https_redirects() {
    let run = run(staging());
    assert_eq!(
        names(&run),
        pairs(&[
            ("fargate:ec2:SecurityGroup", "alb"),
            ("fargate:ec2:SecurityGroup", "service"),
            ("fargate:iam:Role", "api-execution"),
            ("fargate:iam:Role", "api-task"),
            ("fargate:logs:LogGroup", "api"),
            // The mock's `environment` is one secret key: every entry becomes a parameter.
            ("fargate:ssm:Parameter", "ASPNETCORE_ENVIRONMENT"),
            ("fargate:ssm:Parameter", "SENTRY_DSN"),
            ("fargate:lb:LoadBalancer", "api"),
            ("fargate:lb:TargetGroup", "api"),
            ("fargate:lb:Listener", "http"),
            ("fargate:lb:Listener", "https"),
            ("fargate:ecs:Cluster", "backend"),
            ("fargate:ecs:TaskDefinition", "api"),
            ("fargate:ecs:Service", "api"),
            ("sotex:backend:WebService", "api"),
        ])
    );
    let http = input(&run, "fargate:lb:Listener", "http", "defaultAction");
    assert_eq!(http["redirect"]["protocol"], "HTTPS", "{http}");
    assert_eq!(http["redirect"]["port"], 443, "{http}");
    let https = run.resource("fargate:lb:Listener", "https").unwrap();
    assert_eq!(https.input("certificateArn"), Some(json!(CERTIFICATE)));
    assert_eq!(
        https.input("defaultAction").unwrap()["forward"]["targetGroupArn"],
        "arn:mock:TargetGroup/api"
    );
    // The service waits for the listeners: ECS refuses a target group no listener uses.
    let service = run.resource("fargate:ecs:Service", "api").unwrap();
    for listener in ["http", "https"] {
        let urn = &run.resource("fargate:lb:Listener", listener).unwrap().urn;
        assert!(service.dependencies.contains(urn), "{listener}");
    }
    assert_eq!(
        run.output("url"),
        Some(json!("https://api-123.elb.example"))
    );
}

#[test]
fn without_a_certificate_http_forwards_and_there_is_no_https_listener() {
    let run = run(MockSettings::new("sotex-backend", "dev")
        .config("imageRepository", REPOSITORY)
        .config("imageTag", "v1"));
    assert!(run.resource("fargate:lb:Listener", "https").is_none());
    let http = input(&run, "fargate:lb:Listener", "http", "defaultAction");
    assert_eq!(
        http["forward"]["targetGroupArn"], "arn:mock:TargetGroup/api",
        "{http}"
    );
    assert_eq!(run.output("url"), Some(json!("http://api-123.elb.example")));
}

#[test]
fn security_groups_open_only_what_the_traffic_path_needs() {
    let run = run(staging().config("allowedCidrs", r#"["203.0.113.0/24"]"#));
    let group = "fargate:ec2:SecurityGroup";
    let clients = vec!["203.0.113.0/24".to_string()];
    assert_eq!(
        rules(&input(&run, group, "alb", "ingress")),
        vec![(80, clients.clone()), (443, clients)]
    );
    assert_eq!(
        rules(&input(&run, group, "alb", "egress")),
        vec![(8080, vec![VPC_CIDR.to_string()])]
    );
    // The tasks: the container port from the ALB's group only, out to AWS APIs over HTTPS.
    assert_eq!(
        rules(&input(&run, group, "service", "ingress")),
        vec![(8080, vec!["alb-id".to_string()])]
    );
    assert_eq!(
        rules(&input(&run, group, "service", "egress")),
        vec![(443, vec!["0.0.0.0/0".to_string()])]
    );
    let network = input(&run, "fargate:ecs:Service", "api", "network");
    assert_eq!(network["securityGroups"], json!(["service-id"]));
}

#[test]
fn the_secret_environment_never_travels_in_plaintext() {
    let run = run(staging());
    // Each entry of a secret `environment` becomes an SSM parameter whose value is secret on
    // the wire; the container names it by ARN and its environment keeps no secret.
    let dsn = run.resource("fargate:ssm:Parameter", "SENTRY_DSN").unwrap();
    assert!(dsn.is_secret("value"));
    assert_eq!(dsn.input("value").unwrap(), SENTRY_DSN);
    let task = run.resource("fargate:ecs:TaskDefinition", "api").unwrap();
    let containers = task.input("containers").unwrap();
    assert_eq!(containers[0]["environment"].get("SENTRY_DSN"), None);
    assert_eq!(
        containers[0]["secrets"]["SENTRY_DSN"],
        "arn:mock:Parameter/SENTRY_DSN"
    );
    for r in &run.resources {
        let plaintext = r.plaintext_strings().join("\n");
        assert!(
            !plaintext.contains("f3a9c1d27e5b4a8c"),
            "{} {}",
            r.type_token,
            r.name
        );
    }
    // The execution role reads exactly what the container names: the configured secret and
    // the stack's own parameters.
    let policies = input(&run, "fargate:iam:Role", "api-execution", "inlinePolicies");
    assert_eq!(
        policies["read-secrets"],
        json!([
            {"actions": ["secretsmanager:GetSecretValue"],
             "resources": ["arn:aws:secretsmanager:eu-central-1:123456789012:secret:sotex/staging/db-AbCdEf"]},
            {"actions": ["ssm:GetParameters"],
             "resources": ["arn:mock:Parameter/ASPNETCORE_ENVIRONMENT", "arn:mock:Parameter/SENTRY_DSN"]},
        ])
    );
    let outputs = serde_json::to_string(&run.stack_outputs).unwrap();
    assert!(!outputs.contains("f3a9c1d27e5b4a8c"), "{outputs}");
    // Secrets by reference stay references.
    assert_eq!(
        containers[0]["secrets"]["ConnectionStrings__Default"],
        "arn:aws:secretsmanager:eu-central-1:123456789012:secret:sotex/staging/db-AbCdEf"
    );
}

#[test]
fn names_and_tags_are_derived_from_the_stack() {
    let run = run(staging().config("tags", r#"{"team": "sotex-box"}"#));
    let containers = input(&run, "fargate:ecs:TaskDefinition", "api", "containers");
    assert_eq!(
        containers[0]["logConfiguration"]["awslogs"]["group"],
        "/ecs/sotex-box-backend/staging"
    );
    assert_eq!(
        containers[0]["image"],
        format!("{REPOSITORY}:2026.11.27-3f9c2ab")
    );
    assert_eq!(run.output("image"), Some(containers[0]["image"].clone()));
    for r in run.resources.iter().filter(|r| r.custom) {
        assert_eq!(
            r.input("tags"),
            Some(json!({"app": "sotex-box-backend", "stack": "staging", "team": "sotex-box"})),
            "{} {}",
            r.type_token,
            r.name
        );
    }
}

#[test]
fn a_pinned_network_needs_no_lookup_and_tasks_use_private_subnets() {
    let run = run(staging()
        .config("vpcId", "vpc-0abc1234")
        .config("vpcCidr", "10.20.0.0/16")
        .config(
            "publicSubnetIds",
            r#"["subnet-0aaa1111", "subnet-0aaa2222"]"#,
        )
        .config(
            "privateSubnetIds",
            r#"["subnet-0bbb1111", "subnet-0bbb2222"]"#,
        )
        .config("assignPublicIp", "false"));
    assert!(run.calls.is_empty(), "{:?}", run.calls);
    assert_eq!(
        input(&run, "fargate:lb:LoadBalancer", "api", "subnets"),
        json!(["subnet-0aaa1111", "subnet-0aaa2222"])
    );
    let network = input(&run, "fargate:ecs:Service", "api", "network");
    assert_eq!(
        network["subnets"],
        json!(["subnet-0bbb1111", "subnet-0bbb2222"])
    );
    assert_eq!(network["assignPublicIp"], false);
    assert_eq!(
        input(&run, "fargate:lb:TargetGroup", "api", "vpcId"),
        "vpc-0abc1234"
    );
}

#[test]
fn the_default_network_spreads_the_load_balancer_over_public_subnets_in_two_zones() {
    let run = run(staging());
    assert_eq!(run.calls.len(), 1);
    assert_eq!(
        input(&run, "fargate:lb:LoadBalancer", "api", "subnets"),
        json!(["subnet-a", "subnet-b"])
    );
}

/// The URN of the only `sotex:backend:WebService` named `name`.
fn component_urn(run: &MockRun, name: &str) -> String {
    run.resource("sotex:backend:WebService", name)
        .unwrap_or_else(|| panic!("no WebService {name}: {:?}", names(run)))
        .urn
        .clone()
}

/// `(type, name)` of the resources whose parent is `parent`.
fn children_of(run: &MockRun, parent: &str) -> BTreeSet<(String, String)> {
    run.resources
        .iter()
        .filter(|r| r.parent == parent)
        .map(|r| (r.type_token.clone(), r.name.clone()))
        .collect()
}

#[test]
fn the_api_is_a_web_service_component_and_shared_resources_stay_under_the_stack() {
    let run = run(staging().config("maxCount", "4").config("cpuTarget", "70"));
    let api = component_urn(&run, "api");
    assert_eq!(
        children_of(&run, &api),
        pairs(&[
            ("fargate:iam:Role", "api-execution"),
            ("fargate:iam:Role", "api-task"),
            ("fargate:logs:LogGroup", "api"),
            ("fargate:lb:TargetGroup", "api"),
            ("fargate:ecs:TaskDefinition", "api"),
            ("fargate:ecs:Service", "api"),
            ("fargate:appautoscaling:ServiceScaling", "api"),
        ])
    );
    // Each child used to sit directly under the stack: an alias without a parent keeps it.
    for r in run.resources.iter().filter(|r| r.parent == api) {
        let moved = r.aliases.iter().any(|a| {
            matches!(&a.alias, Some(pulumi_rs_proto::pulumirpc::alias::Alias::Spec(spec))
                if matches!(spec.parent, Some(pulumi_rs_proto::pulumirpc::alias::spec::Parent::NoParent(true))))
        });
        assert!(
            moved,
            "{} {} has no alias to its place under the stack",
            r.type_token, r.name
        );
    }
    // Shared: network, cluster, load balancer and listeners, parameters.
    let stack = run
        .resource("sotex:backend:WebService", "api")
        .unwrap()
        .parent
        .clone();
    for (ty, name) in [
        ("fargate:ec2:SecurityGroup", "alb"),
        ("fargate:ec2:SecurityGroup", "service"),
        ("fargate:ecs:Cluster", "backend"),
        ("fargate:lb:LoadBalancer", "api"),
        ("fargate:lb:Listener", "http"),
        ("fargate:lb:Listener", "https"),
        ("fargate:ssm:Parameter", "SENTRY_DSN"),
    ] {
        assert_eq!(run.resource(ty, name).unwrap().parent, stack, "{ty} {name}");
    }
    let outputs = &run.component_outputs[&api];
    assert_eq!(outputs["serviceName"], "api-name");
    assert_eq!(outputs["taskDefinitionArn"], "arn:mock:TaskDefinition/api");
}

#[test]
fn a_worker_is_a_second_web_service_without_load_balancer() {
    let run = run(staging().config(
        "workers",
        r#"{"worker": {"command": ["dotnet", "Sotex.Worker.dll"], "memory": 1024}}"#,
    ));
    let worker = component_urn(&run, "worker");
    assert_eq!(
        children_of(&run, &worker),
        pairs(&[
            ("fargate:iam:Role", "worker-execution"),
            ("fargate:iam:Role", "worker-task"),
            ("fargate:logs:LogGroup", "worker"),
            ("fargate:ecs:TaskDefinition", "worker"),
            ("fargate:ecs:Service", "worker"),
        ])
    );
    let container = &input(&run, "fargate:ecs:TaskDefinition", "worker", "containers")[0];
    assert_eq!(container["name"], "worker");
    assert_eq!(container["command"], json!(["dotnet", "Sotex.Worker.dll"]));
    assert_eq!(container["portMappings"], Json::Null, "{container}");
    assert_eq!(
        container["image"],
        format!("{REPOSITORY}:2026.11.27-3f9c2ab")
    );
    assert_eq!(
        container["logConfiguration"]["awslogs"]["group"],
        "/ecs/sotex-box-backend/staging/worker"
    );
    // The same secrets as the API, read with the worker's own execution role.
    assert_eq!(
        container["secrets"]["SENTRY_DSN"],
        "arn:mock:Parameter/SENTRY_DSN"
    );
    let policies = input(
        &run,
        "fargate:iam:Role",
        "worker-execution",
        "inlinePolicies",
    );
    assert_eq!(
        policies,
        input(&run, "fargate:iam:Role", "api-execution", "inlinePolicies")
    );
    assert_eq!(
        input(&run, "fargate:ecs:TaskDefinition", "worker", "memory"),
        1024
    );
    let service = run.resource("fargate:ecs:Service", "worker").unwrap();
    assert_eq!(service.input("loadBalancers"), None);
    assert_eq!(service.input("healthCheckGracePeriodSeconds"), None);
    assert!(
        !service.dependencies.iter().any(|d| d.contains("Listener")),
        "{:?}",
        service.dependencies
    );
    // No alias: the worker never sat under the stack.
    assert!(
        run.resources
            .iter()
            .filter(|r| r.parent == worker)
            .all(|r| r.aliases.is_empty())
    );
    assert_eq!(
        run.output("workerServiceNames"),
        Some(json!({"worker": "worker-name"}))
    );
}

#[test]
fn the_image_repository_url_comes_from_the_owning_stack() {
    let run = run(MockSettings::new("sotex-backend", "staging")
        .config(
            "imageRepositoryStack",
            "organization/sotex-backend/production",
        )
        .config("imageTag", "v7"));
    let reference = &run.of_type("pulumi:pulumi:StackReference")[0];
    assert_eq!(
        reference.input("name"),
        Some(json!("organization/sotex-backend/production"))
    );
    let containers = input(&run, "fargate:ecs:TaskDefinition", "api", "containers");
    assert_eq!(containers[0]["image"], format!("{REPOSITORY}:v7"));
    assert!(run.resource("fargate:ecr:Repository", "api").is_none());
}
