//! Validation of the inputs: every failure names the property, the value and what is valid.

use super::*;

pub(crate) const NAME_MAX: usize = 255;

pub(crate) fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// Fills ECS's defaults and drops empty collections, so inputs from the program and inputs
/// read back from AWS compare equal when they mean the same.
pub fn normalize(inputs: &mut TaskDefinitionInputs) {
    if let Some(p) = &mut inputs.runtime_platform {
        p.cpu_architecture.get_or_insert(CpuArchitecture::X86_64);
        p.operating_system_family
            .get_or_insert(OperatingSystemFamily::Linux);
    }
    if inputs.runtime_platform
        == Some(RuntimePlatform {
            cpu_architecture: Some(CpuArchitecture::X86_64),
            operating_system_family: Some(OperatingSystemFamily::Linux),
        })
    {
        inputs.runtime_platform = None;
    }
    if inputs.tags.as_ref().is_some_and(BTreeMap::is_empty) {
        inputs.tags = None;
    }
    for c in &mut inputs.containers {
        c.essential.get_or_insert(true);
        if c.cpu == Some(0) {
            c.cpu = None;
        }
        for list in [&mut c.command, &mut c.entry_point] {
            if list.as_ref().is_some_and(Vec::is_empty) {
                *list = None;
            }
        }
        for map in [&mut c.environment, &mut c.secrets] {
            if map.as_ref().is_some_and(BTreeMap::is_empty) {
                *map = None;
            }
        }
        if let Some(ports) = &mut c.port_mappings {
            for p in ports.iter_mut() {
                p.protocol.get_or_insert(PortProtocol::Tcp);
            }
            if ports.is_empty() {
                c.port_mappings = None;
            }
        }
        if c.depends_on.as_ref().is_some_and(Vec::is_empty) {
            c.depends_on = None;
        }
        if let Some(h) = &mut c.health_check {
            h.interval.get_or_insert(30);
            h.timeout.get_or_insert(5);
            h.retries.get_or_insert(3);
            h.start_period.get_or_insert(0);
        }
        if let Some(l) = &mut c.log_configuration
            && l.awslogs.create_group == Some(false)
        {
            l.awslogs.create_group = None;
        }
    }
}

pub(crate) fn check_arn(
    property: String,
    value: Option<&str>,
    service: &str,
    example: &str,
    failures: &mut Vec<CheckFailure>,
) {
    let Some(v) = value.filter(|v| is_known(v)) else {
        return;
    };
    let resource_prefix = example
        .splitn(6, ':')
        .nth(5)
        .and_then(|r| r.split_once('/'))
        .map(|(kind, _)| format!("{kind}/"))
        .unwrap_or_default();
    if !validate::is_arn_of_resource(v, service, &resource_prefix) {
        failures.push(CheckFailure::new(
            property,
            format!(
                "`{v}` is not an {service} {resource_prefix}... ARN; expected e.g. `{example}`"
            ),
        ));
    }
}

/// Every validation rule; each failure names the property path and the value.
pub fn validate(inputs: &TaskDefinitionInputs) -> Vec<CheckFailure> {
    let mut failures = Vec::new();
    if let Some((property, reason)) = fargate_sizes::check(inputs.cpu, inputs.memory) {
        failures.push(CheckFailure::new(property, reason));
    }
    check_arn(
        "executionRoleArn".into(),
        inputs.execution_role_arn.as_deref(),
        "iam",
        "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
        &mut failures,
    );
    check_arn(
        "taskRoleArn".into(),
        inputs.task_role_arn.as_deref(),
        "iam",
        "arn:aws:iam::123456789012:role/api-task",
        &mut failures,
    );
    validate::tags("tags", inputs.tags.as_ref(), &mut failures);

    if inputs.containers.is_empty() {
        failures.push(CheckFailure::new(
            "containers",
            "at least one container is required",
        ));
    }
    let names: Vec<&str> = inputs.containers.iter().map(|c| c.name.as_str()).collect();
    let mut seen = BTreeSet::new();
    let mut cpu_sum = 0u32;
    let mut memory_sum = 0u32;
    for (i, c) in inputs.containers.iter().enumerate() {
        let at = |field: &str| format!("containers[{i}].{field}");
        // The name's form is declared on `ContainerDefinition`; here only its uniqueness.
        if is_known(&c.name) && !seen.insert(c.name.as_str()) {
            failures.push(CheckFailure::new(
                at("name"),
                format!(
                    "container name `{}` is used twice; names must be unique within a task",
                    c.name
                ),
            ));
        }
        if is_known(&c.image)
            && (c.image.trim().is_empty() || c.image.contains(char::is_whitespace))
        {
            failures.push(CheckFailure::new(
                at("image"),
                format!("`{}` is not an image reference; expected e.g. `123456789012.dkr.ecr.eu-central-1.amazonaws.com/api:1.4.2`", c.image),
            ));
        } else if is_known(&c.image)
            && let Some(lowercase) = repository_in_lowercase(&c.image)
        {
            // Such an image can never be pulled: the rollout would fail minutes later.
            failures.push(CheckFailure::new(
                at("image"),
                format!("`{}` is not a valid image reference: repository names are lowercase (`{lowercase}`)", c.image),
            ));
        }
        cpu_sum += c.cpu.unwrap_or(0);
        memory_sum += c.memory.or(c.memory_reservation).unwrap_or(0);
        if let (Some(hard), Some(soft)) = (c.memory, c.memory_reservation)
            && soft > hard
        {
            failures.push(CheckFailure::new(
                at("memoryReservation"),
                format!(
                    "{soft} MiB is more than the container's hard limit `memory` of {hard} MiB"
                ),
            ));
        }
        validate_secrets(i, c, &mut failures);
        validate_health_check(i, c, &mut failures);
        validate_depends_on(inputs, i, c, &names, &mut failures);
        validate_logs(i, c, &mut failures);
    }
    validate_totals(inputs, cpu_sum, memory_sum, &mut failures);
    failures
}

/// Secrets are references (never values), and no name is also an environment variable.
fn validate_secrets(i: usize, c: &ContainerDefinition, failures: &mut Vec<CheckFailure>) {
    for (name, arn) in c.secrets.iter().flatten() {
        if is_known(arn)
            && !(validate::is_arn_of(arn, "ssm") || validate::is_arn_of(arn, "secretsmanager"))
        {
            // Never echo what may be a plaintext secret.
            failures.push(CheckFailure::new(
                format!("containers[{i}].secrets.{name}"),
                format!("the value for `{name}` is not an SSM parameter or Secrets Manager ARN; give the ARN (e.g. `arn:aws:secretsmanager:eu-central-1:123456789012:secret:db-password`), never the secret itself"),
            ));
        }
    }
    validate_variable_names(i, c, failures);
    for name in c.environment.iter().flatten().map(|(k, _)| k) {
        if c.secrets.as_ref().is_some_and(|s| s.contains_key(name)) {
            failures.push(CheckFailure::new(
                format!("containers[{i}].environment.{name}"),
                format!("`{name}` is set both as an environment variable and as a secret"),
            ));
        }
    }
}

/// `=` or a space can never be part of a variable name (the container would not start with
/// it); names are POSIX's, plus `.` and `-` that ECS passes through.
fn validate_variable_names(i: usize, c: &ContainerDefinition, failures: &mut Vec<CheckFailure>) {
    let env_names = c
        .environment
        .iter()
        .flatten()
        .map(|(k, _)| ("environment", k));
    let secret_names = c.secrets.iter().flatten().map(|(k, _)| ("secrets", k));
    for (map, name) in env_names.chain(secret_names) {
        let mut chars = name.chars();
        let valid = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
            && name.len() <= 255;
        if !valid {
            failures.push(CheckFailure::new(
                format!("containers[{i}].{map}.{name}"),
                format!("`{name}` is not a valid environment variable name: letters, digits, `_`, `.` or `-`, not starting with a digit, no `=` or spaces (e.g. `LOG_LEVEL`)"),
            ));
        }
    }
}

/// The image reference with its repository in lowercase, when the repository has uppercase
/// letters (registry hosts may; repository paths may not). `None` when it is fine.
fn repository_in_lowercase(image: &str) -> Option<String> {
    let (host, rest) = match image.split_once('/') {
        Some((h, r)) if h.contains(['.', ':']) || h == "localhost" => (format!("{h}/"), r),
        _ => (String::new(), image),
    };
    let end = rest.find(['@', ':']).unwrap_or(rest.len());
    let (path, suffix) = rest.split_at(end);
    path.chars()
        .any(|c| c.is_ascii_uppercase())
        .then(|| format!("{host}{}{suffix}", path.to_lowercase()))
}

fn validate_health_check(i: usize, c: &ContainerDefinition, failures: &mut Vec<CheckFailure>) {
    if let Some(h) = &c.health_check {
        let at_h = |f: &str| format!("containers[{i}].healthCheck.{f}");
        if !matches!(
            h.command.first().map(String::as_str),
            Some("CMD" | "CMD-SHELL")
        ) || h.command.len() < 2
        {
            failures.push(CheckFailure::new(
                at_h("command"),
                format!("{:?} must start with `CMD` or `CMD-SHELL` followed by the command, e.g. [\"CMD-SHELL\", \"curl -f http://localhost:8080/health || exit 1\"]", h.command),
            ));
        }
        // Compared only when both are in range: an out-of-range one is its own error.
        if let (Some(t), Some(iv)) = (h.timeout, h.interval)
            && (5..=300).contains(&iv)
            && (2..=120).contains(&t)
            && t >= iv
        {
            failures.push(CheckFailure::new(
                at_h("timeout"),
                format!("{t} seconds must be shorter than the interval of {iv} seconds"),
            ));
        }
    }
}

/// Each dependency names another container of the task, and HEALTHY one with a health check.
fn validate_depends_on(
    inputs: &TaskDefinitionInputs,
    i: usize,
    c: &ContainerDefinition,
    names: &[&str],
    failures: &mut Vec<CheckFailure>,
) {
    for (j, d) in c.depends_on.iter().flatten().enumerate() {
        let at_d = format!("containers[{i}].dependsOn[{j}].containerName");
        match inputs
            .containers
            .iter()
            .find(|o| o.name == d.container_name)
        {
            None => failures.push(CheckFailure::new(
                at_d,
                format!(
                    "`{}` is not a container of this task; containers are: {}",
                    d.container_name,
                    names.join(", ")
                ),
            )),
            Some(o) if o.name == c.name => failures.push(CheckFailure::new(
                at_d,
                format!("container `{}` cannot depend on itself", c.name),
            )),
            Some(o) if d.condition == DependencyCondition::Healthy && o.health_check.is_none() => {
                failures.push(CheckFailure::new(
                    at_d,
                    format!(
                        "condition HEALTHY needs a healthCheck on container `{}`",
                        o.name
                    ),
                ))
            }
            Some(_) => {}
        }
    }
}

fn validate_logs(i: usize, c: &ContainerDefinition, failures: &mut Vec<CheckFailure>) {
    let at = |field: &str| format!("containers[{i}].{field}");
    if let Some(l) = &c.log_configuration {
        if l.awslogs.group.trim().is_empty() {
            failures.push(CheckFailure::new(
                at("logConfiguration.awslogs.group"),
                "a log group name is required",
            ));
        }
        if l.awslogs.stream_prefix.trim().is_empty() {
            failures.push(CheckFailure::new(
                at("logConfiguration.awslogs.streamPrefix"),
                "a stream prefix is required on Fargate",
            ));
        }
    }
}

/// What holds for the containers together: one is essential, and their reservations fit the task.
fn validate_totals(
    inputs: &TaskDefinitionInputs,
    cpu_sum: u32,
    memory_sum: u32,
    failures: &mut Vec<CheckFailure>,
) {
    if !inputs.containers.is_empty()
        && !inputs
            .containers
            .iter()
            .any(|c| c.essential.unwrap_or(true))
    {
        failures.push(CheckFailure::new(
            "containers",
            "at least one container must be essential",
        ));
    }
    if cpu_sum > inputs.cpu {
        failures.push(CheckFailure::new(
            "containers",
            format!(
                "the containers reserve {cpu_sum} CPU units in all, more than the task's cpu of {}",
                inputs.cpu
            ),
        ));
    }
    if memory_sum > inputs.memory {
        failures.push(CheckFailure::new(
            "containers",
            format!("the containers reserve {memory_sum} MiB in all, more than the task's memory of {} MiB", inputs.memory),
        ));
    }
}
