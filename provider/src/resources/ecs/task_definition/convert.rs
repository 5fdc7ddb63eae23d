//! Conversion between AWS's task definition shapes and our inputs: the RegisterTaskDefinition
//! request, and a described revision read back as inputs.

use std::collections::HashMap;

use aws_sdk_ecs::types as ecs;

use super::*;
use crate::aws::ecs::TaskDefinitionSpec;

fn i32_of(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

fn u32_of(v: i32) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

/// Our inputs (already checked) to a RegisterTaskDefinition request. `region` fills the
/// awslogs region that AWS requires when the program left it out.
pub(crate) fn task_definition_request(
    inputs: &TaskDefinitionInputs,
    tags_all: &BTreeMap<String, String>,
    region: &str,
) -> TaskDefinitionSpec {
    TaskDefinitionSpec {
        family: inputs.family.clone().unwrap_or_default(),
        cpu: inputs.cpu.to_string(),
        memory: inputs.memory.to_string(),
        runtime_platform: inputs.runtime_platform.as_ref().map(|p| {
            ecs::RuntimePlatform::builder()
                .cpu_architecture(
                    match p.cpu_architecture.unwrap_or(CpuArchitecture::X86_64) {
                        CpuArchitecture::X86_64 => ecs::CpuArchitecture::X8664,
                        CpuArchitecture::Arm64 => ecs::CpuArchitecture::Arm64,
                    },
                )
                .operating_system_family(ecs::OsFamily::Linux)
                .build()
        }),
        execution_role_arn: inputs.execution_role_arn.clone(),
        task_role_arn: inputs.task_role_arn.clone(),
        ephemeral_storage: inputs.ephemeral_storage_gib.map(|g| {
            ecs::EphemeralStorage::builder()
                .size_in_gib(i32_of(g))
                .build()
        }),
        containers: inputs
            .containers
            .iter()
            .map(|c| container_request(c, region))
            .collect(),
        tags: ecs_api::to_ecs_tags(tags_all),
    }
}

fn container_request(c: &ContainerDefinition, region: &str) -> ecs::ContainerDefinition {
    let mut b = ecs::ContainerDefinition::builder()
        .name(&c.name)
        .image(&c.image)
        .essential(c.essential.unwrap_or(true))
        .set_cpu(c.cpu.map(i32_of))
        .set_memory(c.memory.map(i32_of))
        .set_memory_reservation(c.memory_reservation.map(i32_of))
        .set_command(c.command.clone())
        .set_entry_point(c.entry_point.clone())
        .set_working_directory(c.working_directory.clone())
        .set_readonly_root_filesystem(c.readonly_root_filesystem)
        .set_stop_timeout(c.stop_timeout.map(i32_of));
    for p in c.port_mappings.iter().flatten() {
        b = b.port_mappings(
            ecs::PortMapping::builder()
                .container_port(i32_of(p.container_port))
                .protocol(match p.protocol.unwrap_or(PortProtocol::Tcp) {
                    PortProtocol::Tcp => ecs::TransportProtocol::Tcp,
                    PortProtocol::Udp => ecs::TransportProtocol::Udp,
                })
                .build(),
        );
    }
    for (name, value) in c.environment.iter().flatten() {
        b = b.environment(ecs::KeyValuePair::builder().name(name).value(value).build());
    }
    for (name, arn) in c.secrets.iter().flatten() {
        if let Ok(secret) = ecs::Secret::builder().name(name).value_from(arn).build() {
            b = b.secrets(secret);
        }
    }
    if let Some(l) = &c.log_configuration {
        let mut options = HashMap::from([
            ("awslogs-group".to_string(), l.awslogs.group.clone()),
            (
                "awslogs-region".to_string(),
                l.awslogs
                    .region
                    .clone()
                    .unwrap_or_else(|| region.to_string()),
            ),
            (
                "awslogs-stream-prefix".to_string(),
                l.awslogs.stream_prefix.clone(),
            ),
        ]);
        if l.awslogs.create_group == Some(true) {
            options.insert("awslogs-create-group".into(), "true".into());
        }
        if let Ok(log) = ecs::LogConfiguration::builder()
            .log_driver(ecs::LogDriver::Awslogs)
            .set_options(Some(options))
            .build()
        {
            b = b.log_configuration(log);
        }
    }
    if let Some(h) = &c.health_check
        && let Ok(hc) = ecs::HealthCheck::builder()
            .set_command(Some(h.command.clone()))
            .set_interval(h.interval.map(i32_of))
            .set_timeout(h.timeout.map(i32_of))
            .set_retries(h.retries.map(i32_of))
            .set_start_period(h.start_period.map(i32_of))
            .build()
    {
        b = b.health_check(hc);
    }
    for d in c.depends_on.iter().flatten() {
        let condition = match d.condition {
            DependencyCondition::Start => ecs::ContainerCondition::Start,
            DependencyCondition::Complete => ecs::ContainerCondition::Complete,
            DependencyCondition::Success => ecs::ContainerCondition::Success,
            DependencyCondition::Healthy => ecs::ContainerCondition::Healthy,
        };
        if let Ok(dep) = ecs::ContainerDependency::builder()
            .container_name(&d.container_name)
            .condition(condition)
            .build()
        {
            b = b.depends_on(dep);
        }
    }
    b.build()
}

/// A task definition as AWS reports it, back to our inputs (before normalisation).
pub(crate) fn task_definition_inputs(
    td: &ecs::TaskDefinition,
    tags: &BTreeMap<String, String>,
) -> TaskDefinitionInputs {
    TaskDefinitionInputs {
        family: td.family().map(str::to_string),
        cpu: td.cpu().and_then(|c| c.parse().ok()).unwrap_or(0),
        memory: td.memory().and_then(|m| m.parse().ok()).unwrap_or(0),
        runtime_platform: td.runtime_platform().map(|p| RuntimePlatform {
            cpu_architecture: p.cpu_architecture().map(|a| match a {
                ecs::CpuArchitecture::Arm64 => CpuArchitecture::Arm64,
                _ => CpuArchitecture::X86_64,
            }),
            operating_system_family: p
                .operating_system_family()
                .map(|_| OperatingSystemFamily::Linux),
        }),
        execution_role_arn: td.execution_role_arn().map(str::to_string),
        task_role_arn: td.task_role_arn().map(str::to_string),
        ephemeral_storage_gib: td.ephemeral_storage().map(|e| u32_of(e.size_in_gib())),
        containers: td
            .container_definitions()
            .iter()
            .map(container_inputs)
            .collect(),
        tags: (!tags.is_empty()).then(|| tags.clone()),
        keep_revisions: None,
    }
}

fn container_inputs(c: &ecs::ContainerDefinition) -> ContainerDefinition {
    let non_empty = |v: &[String]| (!v.is_empty()).then(|| v.to_vec());
    ContainerDefinition {
        name: c.name().unwrap_or_default().to_string(),
        image: c.image().unwrap_or_default().to_string(),
        cpu: Some(u32_of(c.cpu())).filter(|v| *v > 0),
        memory: c.memory().map(u32_of),
        memory_reservation: c.memory_reservation().map(u32_of),
        essential: c.essential(),
        command: non_empty(c.command()),
        entry_point: non_empty(c.entry_point()),
        working_directory: c.working_directory().map(str::to_string),
        port_mappings: Some(
            c.port_mappings()
                .iter()
                .map(|p| PortMapping {
                    container_port: p.container_port().map(u32_of).unwrap_or(0),
                    protocol: p.protocol().map(|t| match t {
                        ecs::TransportProtocol::Udp => PortProtocol::Udp,
                        _ => PortProtocol::Tcp,
                    }),
                })
                .collect(),
        ),
        environment: Some(
            c.environment()
                .iter()
                .filter_map(|kv| {
                    Some((
                        kv.name()?.to_string(),
                        kv.value().unwrap_or_default().to_string(),
                    ))
                })
                .collect(),
        ),
        secrets: Some(
            c.secrets()
                .iter()
                .map(|s| (s.name().to_string(), s.value_from().to_string()))
                .collect(),
        ),
        log_configuration: c.log_configuration().and_then(|l| {
            let o = l.options()?;
            Some(LogConfiguration {
                awslogs: AwsLogs {
                    group: o.get("awslogs-group").cloned().unwrap_or_default(),
                    region: o.get("awslogs-region").cloned(),
                    stream_prefix: o.get("awslogs-stream-prefix").cloned().unwrap_or_default(),
                    create_group: o.get("awslogs-create-group").map(|v| v == "true"),
                },
            })
        }),
        health_check: c.health_check().map(|h| HealthCheck {
            command: h.command().to_vec(),
            interval: h.interval().map(u32_of),
            timeout: h.timeout().map(u32_of),
            retries: h.retries().map(u32_of),
            start_period: h.start_period().map(u32_of),
        }),
        depends_on: Some(
            c.depends_on()
                .iter()
                .map(|d| ContainerDependency {
                    container_name: d.container_name().to_string(),
                    condition: match d.condition() {
                        ecs::ContainerCondition::Complete => DependencyCondition::Complete,
                        ecs::ContainerCondition::Success => DependencyCondition::Success,
                        ecs::ContainerCondition::Healthy => DependencyCondition::Healthy,
                        _ => DependencyCondition::Start,
                    },
                })
                .collect(),
        ),
        readonly_root_filesystem: c.readonly_root_filesystem(),
        stop_timeout: c.stop_timeout().map(u32_of),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> TaskDefinitionInputs {
        let mut i: TaskDefinitionInputs = serde_json::from_value(serde_json::json!({
            "family": "api-1234567",
            "cpu": 512,
            "memory": 1024,
            "executionRoleArn": "arn:aws:iam::123456789012:role/exec",
            "containers": [{
                "name": "api",
                "image": "nginx:1.27",
                "cpu": 256,
                "portMappings": [{"containerPort": 8080}],
                "environment": {"B": "2", "A": "1"},
                "secrets": {"DB": "arn:aws:ssm:eu-central-1:123456789012:parameter/db"},
                "logConfiguration": {"awslogs": {"group": "/ecs/api", "region": "eu-central-1", "streamPrefix": "api"}},
                "healthCheck": {"command": ["CMD", "true"], "interval": 10},
                "dependsOn": [{"containerName": "api", "condition": "START"}],
                "stopTimeout": 30,
            }],
        }))
        .unwrap();
        normalize(&mut i);
        i
    }

    #[test]
    fn request_and_read_back_round_trip_after_normalisation() {
        let inputs = sample();
        let spec = task_definition_request(&inputs, &BTreeMap::new(), "eu-central-1");
        // What AWS would echo back.
        let td = ecs::TaskDefinition::builder()
            .family(&spec.family)
            .cpu(&spec.cpu)
            .memory(&spec.memory)
            .set_execution_role_arn(spec.execution_role_arn.clone())
            .set_container_definitions(Some(spec.containers.clone()))
            .build();
        let mut back = task_definition_inputs(&td, &BTreeMap::new());
        normalize(&mut back);
        assert_eq!(back, inputs);
    }

    #[test]
    fn awslogs_region_defaults_to_the_provider_region() {
        let mut inputs = sample();
        inputs.containers[0]
            .log_configuration
            .as_mut()
            .unwrap()
            .awslogs
            .region = None;
        let spec = task_definition_request(&inputs, &BTreeMap::new(), "us-west-2");
        let opts = spec.containers[0]
            .log_configuration()
            .unwrap()
            .options()
            .unwrap();
        assert_eq!(opts["awslogs-region"], "us-west-2");
    }
}
