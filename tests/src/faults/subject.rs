//! What a reliability test deploys: a program and its configuration. Every reliability test
//! (faults, a killed provider, cancel, secrets) takes a [`Subject`], so pointing them at the
//! full stack program is a one-line change where the test picks its subject.

use serde_json::{Value, json};

use crate::ec2::default_network;
use crate::moto::Moto;
use crate::pulumi::PulumiProject;

/// The stack every reliability project uses.
pub const STACK: &str = "dev";

#[derive(Debug, Clone)]
pub struct Subject {
    /// An example under `program/examples/`, or `sotex-stack` for the stack program.
    pub program: String,
    /// Plain configuration, project namespace: key → JSON value (strings, lists, maps).
    pub config: Vec<(String, Value)>,
    /// Secret configuration (`pulumi config set --secret`): key → plaintext.
    pub secret_config: Vec<(String, String)>,
}

impl Subject {
    pub fn new(program: &str) -> Subject {
        Subject {
            program: program.to_string(),
            config: Vec::new(),
            secret_config: Vec::new(),
        }
    }

    /// Adds a plain config value.
    pub fn with(mut self, key: &str, value: Value) -> Subject {
        self.config.retain(|(k, _)| k != key);
        self.config.push((key.to_string(), value));
        self
    }

    /// Adds a secret config value.
    pub fn with_secret(mut self, key: &str, plaintext: &str) -> Subject {
        self.secret_config.retain(|(k, _)| k != key);
        self.secret_config
            .push((key.to_string(), plaintext.to_string()));
        self
    }

    /// The `service` example (cluster `main`, task definition `api`, Fargate service `api`) in
    /// moto's default VPC: two default subnets and the default security group.
    pub fn service_example(moto: &Moto) -> Subject {
        let network = default_network(moto.addr());
        Subject::new("service")
            .with("image", json!("nginx:1.27"))
            .with("subnets", json!(network.subnet_ids[..2]))
            .with("securityGroups", json!(network.security_group_ids))
    }

    /// The stack program with the repository's `Pulumi.staging.yaml` (as `sotex-stack`
    /// subjects always are).
    pub fn full_stack() -> Subject {
        Subject::new("sotex-stack")
    }

    /// The `bad_input` example: one resource of `type_token` with raw `properties`.
    pub fn raw_resource(type_token: &str, properties: Value) -> Subject {
        Subject::new("bad_input")
            .with("type", json!(type_token))
            .with("properties", properties)
    }

    /// A project named `name` running this subject against `endpoint`, its stack created and
    /// configured ([`STACK`], or `staging` for the stack program).
    pub fn project(&self, name: &str, endpoint: &str) -> PulumiProject {
        if self.program == "sotex-stack" {
            // The committed staging stack, its region pointed at moto's default region where
            // the inventory looks.
            let mut project = PulumiProject::sotex_stack("staging", endpoint);
            project.config_set("fargate:region", "us-east-1");
            for (key, value) in &self.config {
                let text = match value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                project.config_set(key, &text);
            }
            // The stack program takes secrets only inside `environment`
            // (`environment.SENTRY_DSN`): a path.
            for (key, plaintext) in &self.secret_config {
                project.config_set_secret_path(key, plaintext);
            }
            return project;
        }
        let mut project = PulumiProject::new(name, &self.program, endpoint);
        project.stack_init(STACK);
        set_stack_config(&project, &self.config);
        for (key, plaintext) in &self.secret_config {
            project.config_set_secret(key, plaintext);
        }
        project
    }
}

/// Replaces the plain configuration of stack [`STACK`] of a project (not the stack program's)
/// by writing its stack file — one write instead of a CLI run per key. JSON values are YAML
/// flow values; scalars are stored as strings, as `pulumi config set` would. Secrets set
/// before are dropped with the rest of the old `config:` section.
pub fn set_stack_config(project: &PulumiProject, config: &[(String, Value)]) {
    let file = project.dir().join(format!("Pulumi.{STACK}.yaml"));
    let old = std::fs::read_to_string(&file).unwrap_or_default();
    // Keep what `stack init` wrote (the passphrase's `encryptionsalt`), drop the old config.
    let mut text: String = old
        .lines()
        .take_while(|l| !l.starts_with("config:"))
        .map(|l| format!("{l}\n"))
        .collect();
    if !config.is_empty() {
        text.push_str("config:\n");
        for (key, value) in config {
            let full = serde_json::to_string(&format!("{}:{key}", project.name())).unwrap();
            let value = match value {
                Value::String(_) => value.to_string(),
                Value::Number(_) | Value::Bool(_) => json!(value.to_string()).to_string(),
                other => other.to_string(),
            };
            text.push_str(&format!("  {full}: {value}\n"));
        }
    }
    std::fs::write(&file, text).expect("write the stack config");
}
