//! The switch from `Program.cs` (bridged AWS provider) to the Rust program, end to end on moto:
//! the test builds the world the C# program left behind, fills the fixture of its stack export
//! with moto's ids, runs `sotex-ci migrate`, `pulumi import --file` into a new stack, the gate
//! (`sotex-ci migrate-gate` on `pulumi preview --json`), `pulumi up` and
//! `pulumi preview --expect-no-changes` (docs/MIGRATION.md).

use std::path::Path;
use std::process::Command;

use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, Compatibility, ContainerDefinition, KeyValuePair,
    LaunchType, LoadBalancer, NetworkConfiguration, NetworkMode, PortMapping, Secret,
};
use fargate_e2e::rustc::check_generated_rust;
use fargate_e2e::tools::{language_host_bin, provider_bin, workspace_bin, workspace_root};
use fargate_e2e::{
    EcsProbe, Moto, PulumiProject, default_network, ec2_query, elbv2_query, iam_query, xml_values,
};
use serde_json::Value;

const SENTRY_DSN: &str = "https://0c1d2e3f@o1.ingest.sentry.io/2";

/// What `Program.cs` created, by fixture placeholder.
struct OldWorld {
    values: Vec<(&'static str, String)>,
}

impl OldWorld {
    fn get(&self, key: &str) -> &str {
        &self.values.iter().find(|(k, _)| *k == key).unwrap().1
    }
}

fn first(xml: &str, tag: &str) -> String {
    xml_values(xml, tag)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no <{tag}> in:\n{xml}"))
}

fn ok(r: Result<String, String>) -> String {
    r.unwrap_or_else(|e| panic!("{e}"))
}

/// The C# program's resources, as its `pulumi up` would have left them.
fn build_old_world(moto: &Moto, ecs: &EcsProbe) -> OldWorld {
    let addr = moto.addr();
    let network = default_network(addr);
    let (subnet_1, subnet_2) = (network.subnet_ids[0].clone(), network.subnet_ids[1].clone());
    let vpc = network.vpc_id.clone();

    let alb_sg = first(
        &ok(ec2_query(
            addr,
            "CreateSecurityGroup",
            &[
                ("GroupName", "web-sg-1a2b3c4"),
                (
                    "GroupDescription",
                    "Sotex-box API load balancer: listener ports only",
                ),
                ("VpcId", &vpc),
            ],
        )),
        "groupId",
    );
    ok(ec2_query(
        addr,
        "AuthorizeSecurityGroupIngress",
        &[
            ("GroupId", &alb_sg),
            ("IpPermissions.1.IpProtocol", "tcp"),
            ("IpPermissions.1.FromPort", "80"),
            ("IpPermissions.1.ToPort", "80"),
            ("IpPermissions.1.IpRanges.1.CidrIp", "0.0.0.0/0"),
        ],
    ));
    let service_sg = first(
        &ok(ec2_query(
            addr,
            "CreateSecurityGroup",
            &[
                ("GroupName", "task-sg-2b3c4d5"),
                ("GroupDescription", "Managed by Pulumi"),
                ("VpcId", &vpc),
            ],
        )),
        "groupId",
    );
    ok(ec2_query(
        addr,
        "AuthorizeSecurityGroupIngress",
        &[
            ("GroupId", &service_sg),
            ("IpPermissions.1.IpProtocol", "tcp"),
            ("IpPermissions.1.FromPort", "8080"),
            ("IpPermissions.1.ToPort", "8080"),
            ("IpPermissions.1.Groups.1.GroupId", &alb_sg),
        ],
    ));

    let lb = ok(elbv2_query(
        addr,
        "CreateLoadBalancer",
        &[
            ("Name", "web-lb-4f1e2d3"),
            ("Subnets.member.1", &subnet_1),
            ("Subnets.member.2", &subnet_2),
            ("SecurityGroups.member.1", &alb_sg),
            ("Scheme", "internet-facing"),
            ("Type", "application"),
        ],
    ));
    let (alb_arn, alb_dns) = (first(&lb, "LoadBalancerArn"), first(&lb, "DNSName"));
    let tg_arn = first(
        &ok(elbv2_query(
            addr,
            "CreateTargetGroup",
            &[
                ("Name", "web-tg-9c8b7a6"),
                ("Protocol", "HTTP"),
                ("Port", "8080"),
                ("VpcId", &vpc),
                ("TargetType", "ip"),
                ("HealthCheckPath", "/health"),
                ("Matcher.HttpCode", "200"),
            ],
        )),
        "TargetGroupArn",
    );
    let listener_arn = first(
        &ok(elbv2_query(
            addr,
            "CreateListener",
            &[
                ("LoadBalancerArn", &alb_arn),
                ("Protocol", "HTTP"),
                ("Port", "80"),
                ("DefaultActions.member.1.Type", "forward"),
                ("DefaultActions.member.1.TargetGroupArn", &tg_arn),
            ],
        )),
        "ListenerArn",
    );
    let role_arn = first(
        &ok(iam_query(
            addr,
            "CreateRole",
            &[
                ("RoleName", "task-exec-role-8a7b6c5"),
                (
                    "AssumeRolePolicyDocument",
                    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
                ),
            ],
        )),
        "Arn",
    );

    let (cluster_arn, task_definition_arn, service_arn) = ecs.block_on(async {
        let client = ecs.client();
        let cluster_arn = client
            .create_cluster()
            .cluster_name("cluster-5d4c3b2")
            .send()
            .await
            .unwrap()
            .cluster
            .unwrap()
            .cluster_arn
            .unwrap();
        // Two revisions: the migration must adopt the family without losing its history.
        let mut task_definition_arn = String::new();
        for tag in ["2026.11.13-1a2b3c4", "2026.11.20-9e1d2c3"] {
            let container = ContainerDefinition::builder()
                .name("app")
                .image(format!(
                    "123456789012.dkr.ecr.us-east-1.amazonaws.com/sotex-box-api:{tag}"
                ))
                .essential(true)
                .port_mappings(PortMapping::builder().container_port(8080).build())
                .environment(
                    KeyValuePair::builder()
                        .name("ASPNETCORE_ENVIRONMENT")
                        .value("Staging")
                        .build(),
                )
                .environment(
                    KeyValuePair::builder()
                        .name("SENTRY_DSN")
                        .value(SENTRY_DSN)
                        .build(),
                )
                .secrets(
                    Secret::builder()
                        .name("ConnectionStrings__Default")
                        .value_from("arn:aws:secretsmanager:us-east-1:123456789012:secret:sotex/staging/db-AbCdEf")
                        .build()
                        .unwrap(),
                )
                .log_configuration(
                    aws_sdk_ecs::types::LogConfiguration::builder()
                        .log_driver(aws_sdk_ecs::types::LogDriver::Awslogs)
                        .options("awslogs-group", "/ecs/sotex-box-staging")
                        .options("awslogs-region", "us-east-1")
                        .options("awslogs-stream-prefix", "app")
                        .build()
                        .unwrap(),
                )
                .build();
            task_definition_arn = client
                .register_task_definition()
                .family("app-task-1f2e3d4")
                .cpu("256")
                .memory("512")
                .network_mode(NetworkMode::Awsvpc)
                .requires_compatibilities(Compatibility::Fargate)
                .execution_role_arn(&role_arn)
                .container_definitions(container)
                .send()
                .await
                .unwrap()
                .task_definition
                .unwrap()
                .task_definition_arn
                .unwrap();
        }
        let service_arn = client
            .create_service()
            .cluster(&cluster_arn)
            .service_name("app-svc-7e6d5c4")
            .task_definition(&task_definition_arn)
            .desired_count(2)
            .launch_type(LaunchType::Fargate)
            .network_configuration(
                NetworkConfiguration::builder()
                    .awsvpc_configuration(
                        AwsVpcConfiguration::builder()
                            .subnets(&subnet_1)
                            .subnets(&subnet_2)
                            .security_groups(&service_sg)
                            .assign_public_ip(AssignPublicIp::Enabled)
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .load_balancers(
                LoadBalancer::builder()
                    .target_group_arn(&tg_arn)
                    .container_name("app")
                    .container_port(8080)
                    .build(),
            )
            .send()
            .await
            .unwrap()
            .service
            .unwrap()
            .service_arn
            .unwrap();
        (cluster_arn, task_definition_arn, service_arn)
    });

    OldWorld {
        values: vec![
            ("VPC_ID", vpc),
            ("SUBNET_1", subnet_1),
            ("SUBNET_2", subnet_2),
            ("ALB_SG", alb_sg),
            ("SERVICE_SG", service_sg),
            ("ALB_ARN", alb_arn),
            ("ALB_DNS", alb_dns),
            ("TARGET_GROUP_ARN", tg_arn),
            ("LISTENER_ARN", listener_arn),
            ("ROLE_ARN", role_arn),
            ("CLUSTER_ARN", cluster_arn),
            ("TASK_DEFINITION_ARN", task_definition_arn),
            ("SERVICE_ARN", service_arn),
        ],
    }
}

fn sotex_ci(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(workspace_bin("sotex-ci"))
        .args(args)
        .output()
        .expect("run sotex-ci");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    println!(
        "$ sotex-ci {}\n[{}]\n{stdout}\n{stderr}",
        args.join(" "),
        out.status
    );
    (out.status.success(), stdout, stderr)
}

/// The new stack file: the values `sotex-ci migrate` derived, plus the passphrase salt
/// `pulumi stack init` wrote.
fn write_stack_file(project: &PulumiProject, migrated: &Path) {
    let file = project.dir().join("Pulumi.staging.yaml");
    let initial = std::fs::read_to_string(&file).unwrap_or_default();
    let salt: String = initial
        .lines()
        .filter(|l| l.starts_with("encryptionsalt:"))
        .collect();
    let values = std::fs::read_to_string(migrated).unwrap();
    std::fs::write(&file, format!("{values}{salt}\n")).unwrap();
}

/// How many resources of the new stack's state are protected.
fn protected(project: &mut PulumiProject) -> usize {
    let export = project.stack_export();
    export["deployment"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["protect"] == Value::Bool(true))
        .count()
}

#[test]
fn program_cs_stack_moves_to_the_rust_program_without_replacing_anything() {
    // The service runs two tasks (moto reports this many running for every service).
    let moto = Moto::start_with_env(&[("MOTO_ECS_SERVICE_RUNNING", "2")]);
    let ecs = EcsProbe::new(&moto.url());
    let world = build_old_world(&moto, &ecs);

    let mut project = PulumiProject::with_binaries(
        "sotex-backend",
        &workspace_bin("sotex-stack"),
        provider_bin().parent().unwrap(),
        language_host_bin().parent().unwrap(),
        &moto.url(),
    );
    let work = project.dir().join("migration");
    std::fs::create_dir_all(&work).unwrap();

    // 1. The old stack's export, with moto's ids.
    let mut export =
        std::fs::read_to_string(workspace_root().join("tests/data/migrate/program-cs-export.json"))
            .unwrap();
    for (key, value) in &world.values {
        export = export.replace(&format!("{{{{{key}}}}}"), value);
    }
    assert!(!export.contains("{{"), "a placeholder is left:\n{export}");
    let export_path = work.join("old-stack.json");
    std::fs::write(&export_path, &export).unwrap();

    // 2. Migrate.
    let (success, report, _) = sotex_ci(&[
        "migrate",
        "--export",
        export_path.to_str().unwrap(),
        "--out-dir",
        work.to_str().unwrap(),
    ]);
    assert!(success);
    let import: Value =
        serde_json::from_str(&std::fs::read_to_string(work.join("import.json")).unwrap()).unwrap();
    let mut imported: Vec<(String, String, String)> = import["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["type"].as_str().unwrap().to_string(),
                r["name"].as_str().unwrap().to_string(),
                r["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    imported.sort();
    let expected = |t: &str, n: &str, id: &str| (t.to_string(), n.to_string(), id.to_string());
    assert_eq!(
        imported,
        vec![
            expected("fargate:ec2:SecurityGroup", "alb", world.get("ALB_SG")),
            expected("fargate:ecs:Cluster", "backend", world.get("CLUSTER_ARN")),
            expected("fargate:ecs:Service", "api", world.get("SERVICE_ARN")),
            expected("fargate:ecs:TaskDefinition", "api", "app-task-1f2e3d4"),
            expected("fargate:lb:Listener", "http", world.get("LISTENER_ARN")),
            expected("fargate:lb:LoadBalancer", "api", world.get("ALB_ARN")),
            expected(
                "fargate:lb:TargetGroup",
                "api",
                world.get("TARGET_GROUP_ARN")
            ),
        ]
    );
    // Unmappable resources are reported with what to do; the secret is never written.
    for urn_part in [
        "aws:iam/role:Role::task-exec-role",
        "aws:cloudwatch/logGroup:LogGroup::api-logs",
        "aws:ecr/repository:Repository::api",
        "aws:appautoscaling/target:Target::app-scaling",
        "aws:ec2/securityGroup:SecurityGroup::task-sg",
    ] {
        assert!(
            report.contains(urn_part),
            "{urn_part} not reported:\n{report}"
        );
    }
    assert!(
        report.contains("pulumi config set --secret --path 'environment.SENTRY_DSN'"),
        "{report}"
    );
    let migrated = work.join("Pulumi.staging.migrated.yaml");
    let stack_values = std::fs::read_to_string(&migrated).unwrap();
    for file in [
        "import.json",
        "migration-report.md",
        "Pulumi.staging.migrated.yaml",
    ] {
        let text = std::fs::read_to_string(work.join(file)).unwrap();
        assert!(
            !text.contains(SENTRY_DSN),
            "{file} holds the secret:\n{text}"
        );
    }
    for line in [
        "sotex-backend:cpu: \"256\"",
        "sotex-backend:desiredCount: \"2\"",
        "sotex-backend:desiredCountManagedByAutoscaler: \"true\"",
        "sotex-backend:containerPort: \"8080\"",
        "sotex-backend:healthCheckPath: \"/health\"",
        "sotex-backend:imageRepository: \"123456789012.dkr.ecr.us-east-1.amazonaws.com/sotex-box-api\"",
        "sotex-backend:imageTag: \"2026.11.20-9e1d2c3\"",
        "sotex-backend:logGroup: \"/ecs/sotex-box-staging\"",
        "sotex-backend:environment: {\"ASPNETCORE_ENVIRONMENT\":\"Staging\"}",
    ] {
        assert!(
            stack_values.contains(line),
            "no `{line}` in:\n{stack_values}"
        );
    }

    // 3. A new stack of the same name in the Rust program's project; the secret by hand.
    project.stack_init("staging");
    write_stack_file(&project, &migrated);
    project.run_ok(&[
        "config",
        "set",
        "--secret",
        "--path",
        "environment.SENTRY_DSN",
        SENTRY_DSN,
        "--stack",
        "staging",
    ]);

    // 4. Import. MIGRATION.md imports with `--generate-code=false` (the program declares these
    // resources already); the test also asks for the code, to check the host generates Rust
    // that compiles for the whole set, references between the resources included.
    let code_path = work.join("imported.rs");
    project.run_ok(&[
        "import",
        "--file",
        work.join("import.json").to_str().unwrap(),
        "--out",
        code_path.to_str().unwrap(),
        "--yes",
        "--stack",
        "staging",
    ]);
    let code = std::fs::read_to_string(&code_path).unwrap();
    check_generated_rust(&code, &work);
    assert!(
        code.contains("security_groups: Some(alb.id().map("),
        "the ALB's group should be a reference to the imported group:\n{code}"
    );
    assert_eq!(
        protected(&mut project),
        7,
        "the import protects what it adopted"
    );

    // 5. The gate: no imported resource replaced, deleted or created. First it must refuse a
    // stack file that would replace the target group (another port)...
    let gate = |project: &mut PulumiProject, file: &str| {
        let preview = project.run_ok(&["preview", "--json", "--stack", "staging"]);
        let preview_path = work.join(file);
        std::fs::write(&preview_path, &preview.stdout).unwrap();
        sotex_ci(&[
            "migrate-gate",
            "--import-file",
            work.join("import.json").to_str().unwrap(),
            preview_path.to_str().unwrap(),
        ])
    };
    project.config_set("containerPort", "9090");
    let (passed, _, refused) = gate(&mut project, "preview-wrong-port.json");
    assert!(!passed, "the gate let a replacement through");
    assert!(
        refused.contains("refused: replace api (fargate:lb:TargetGroup)"),
        "{refused}"
    );
    // ... and pass the migrated values.
    project.config_set("containerPort", "8080");
    let (passed, gate, refused) = gate(&mut project, "preview.json");
    assert!(passed, "the gate refused:\n{gate}\n{refused}");
    assert!(
        gate.contains("new (not imported): create service (fargate:ec2:SecurityGroup)"),
        "{gate}"
    );

    // 6. `up` updates in place; the load balancer's DNS name and the service's ARN stay.
    let up = project.run_ok(&["up", "--yes", "--skip-preview", "--stack", "staging"]);
    for word in ["replaced", "deleted", "replacing", "deleting"] {
        assert!(!up.stdout.contains(word), "`up` {word} something:\n{up}");
    }
    assert!(up.stdout.contains("7 updated"), "{up}");
    let outputs = project.stack_output_json();
    assert_eq!(outputs["albDnsName"], world.get("ALB_DNS"), "{outputs}");
    let lbs = ok(elbv2_query(moto.addr(), "DescribeLoadBalancers", &[]));
    assert_eq!(xml_values(&lbs, "LoadBalancerArn"), [world.get("ALB_ARN")]);
    let service = ecs
        .describe_service(world.get("CLUSTER_ARN"), "app-svc-7e6d5c4")
        .expect("the service still exists");
    assert_eq!(service.service_arn(), Some(world.get("SERVICE_ARN")));
    assert_eq!(service.status(), Some("ACTIVE"));
    let td = service.task_definition().unwrap_or_default().to_string();
    assert!(
        td.starts_with(
            &world.get("TASK_DEFINITION_ARN")[..world.get("TASK_DEFINITION_ARN").len() - 1]
        ) && td.ends_with(":3"),
        "the service should run revision 3 of the same family: {td}"
    );
    assert_eq!(outputs["clusterName"], "cluster-5d4c3b2", "{outputs}");
    assert_eq!(outputs["serviceName"], "app-svc-7e6d5c4", "{outputs}");

    // The program does not ask for protection, so the first `up` clears the import's flag.
    assert_eq!(protected(&mut project), 0);

    // 7. And then nothing to do.
    project.run_ok(&["preview", "--expect-no-changes", "--stack", "staging"]);

    // The group left out is still there (its deletion is the operator's, after the switch),
    // and the service no longer uses it.
    let groups = ok(ec2_query(
        moto.addr(),
        "DescribeSecurityGroups",
        &[("GroupId.1", world.get("SERVICE_SG"))],
    ));
    assert_eq!(
        first(&groups, "groupId"),
        world.get("SERVICE_SG"),
        "{groups}"
    );
    let service_groups = service
        .network_configuration()
        .and_then(|n| n.awsvpc_configuration())
        .map(|v| v.security_groups().to_vec())
        .unwrap_or_default();
    assert!(
        !service_groups.contains(&world.get("SERVICE_SG").to_string()),
        "{service_groups:?}"
    );

    // The role was left alone.
    let role = ok(iam_query(
        moto.addr(),
        "GetRole",
        &[("RoleName", "task-exec-role-8a7b6c5")],
    ));
    assert_eq!(first(&role, "Arn"), world.get("ROLE_ARN"));
}
