//! `sotex-ci migrate`: from `pulumi stack export` of the stack `Program.cs` made on the bridged
//! AWS provider, the inputs of the switch to the Rust program (docs/MIGRATION.md):
//!
//! 1. an import file in the CLI's bulk format (`pulumi import --file`): every resource this
//!    provider manages today, under our type token, the logical name the stack program declares
//!    (so the import lands exactly where `sotex-stack` expects it) and the id our `Read` accepts;
//! 2. the stack-file values derivable from the old inputs (`sotex-backend:*`);
//! 3. a report: what was mapped, what was not and why (and what to do about it), and the
//!    `pulumi config set --secret` commands for values that must not be written in plain text.
//!
//! Nothing here talks to AWS or to pulumi: it reads one JSON document and writes three files.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json};

/// The stack program's project (`Pulumi.yaml` `name`), the namespace of its config keys.
pub const PROJECT: &str = "sotex-backend";

/// Descriptions the stack program gives its security groups. EC2 cannot change a group's
/// description, so a group described otherwise would be replaced: such a group is left out of
/// the import (a test checks these still match `program/src/bin/sotex-stack`).
pub const ALB_GROUP_DESCRIPTION: &str = "Sotex-box API load balancer: listener ports only";
pub const SERVICE_GROUP_DESCRIPTION: &str = "Sotex-box API tasks: the container port from the ALB";

/// The secret marker of Pulumi's state format (`sig.Secret`).
const SECRET_SIG: &str = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE: &str = "1b47061264138c4ac30d75fd1eb44270";

/// One resource of the import file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapped {
    pub old_urn: String,
    pub token: &'static str,
    pub name: &'static str,
    pub id: String,
}

/// A resource left out, with why and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmapped {
    pub urn: String,
    pub reason: String,
    pub action: String,
}

/// A command the operator runs by hand (secret values never leave the old state here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretCommand {
    pub command: String,
    pub why: String,
}

#[derive(Debug, Default)]
pub struct Migration {
    pub mapped: Vec<Mapped>,
    pub unmapped: Vec<Unmapped>,
    /// `sotex-backend:<key>` (or `fargate:<key>`) → value, for the new stack file.
    pub config: BTreeMap<String, Value>,
    pub secrets: Vec<SecretCommand>,
    /// Differences the first `pulumi up` will apply in place (tags, rules, ...).
    pub notes: Vec<String>,
}

/// One resource of the old state, with secrets unwrapped and remembered.
struct Old<'a> {
    urn: &'a str,
    module: String,
    kind: String,
    id: &'a str,
    inputs: &'a Value,
    outputs: &'a Value,
}

/// What a secret input reads as: nothing, so a secret never reaches a plain-text file.
static HIDDEN: Value = Value::Null;

impl Old<'_> {
    fn input(&self, key: &str) -> &Value {
        let v = match self.inputs.get(key) {
            Some(v) if !v.is_null() => v,
            _ => self.outputs.get(key).unwrap_or(&Value::Null),
        };
        if unwrap_secret(v).0 { &HIDDEN } else { v }
    }

    fn output(&self, key: &str) -> &Value {
        let v = match self.outputs.get(key) {
            Some(v) if !v.is_null() => v,
            _ => self.inputs.get(key).unwrap_or(&Value::Null),
        };
        if unwrap_secret(v).0 { &HIDDEN } else { v }
    }

    fn str(&self, key: &str) -> Option<&str> {
        self.input(key).as_str()
    }
}

/// `aws:ecs/cluster:Cluster` (or the short `aws:ecs:Cluster`) → (`ecs`, `Cluster`).
fn aws_type(token: &str) -> Option<(String, String)> {
    let mut parts = token.split(':');
    if parts.next()? != "aws" {
        return None;
    }
    let module = parts.next()?.split('/').next()?.to_string();
    let kind = parts.next()?.to_string();
    Some((module, kind))
}

/// Whether a state value is a secret, and its value when the export has it: with
/// `pulumi stack export --show-secrets`, `plaintext` is the value's JSON text.
fn unwrap_secret(v: &Value) -> (bool, Option<Value>) {
    if v.get(SECRET_SIG).and_then(Value::as_str) == Some(SECRET_VALUE) {
        let plain = v
            .get("plaintext")
            .and_then(Value::as_str)
            .and_then(|text| serde_json::from_str(text).ok());
        return (true, plain);
    }
    (false, Some(v.clone()))
}

/// A number the bridged provider may hold as a number or a string (`cpu = "256"`).
fn number(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_f64().map(|f| f as i64))
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

fn strings(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Environment names whose values are credentials by their name, so they go through
/// `pulumi config set --secret` even when the old state held them in plain text.
fn sensitive_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    [
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "TOKEN",
        "KEY",
        "DSN",
        "CREDENTIAL",
        "PRIVATE",
    ]
    .iter()
    .any(|w| upper.contains(w))
}

/// Maps the export of the old stack (`pulumi stack export [--show-secrets]`).
pub fn plan(export: &Value) -> Result<Migration, String> {
    let resources = export["deployment"]["resources"]
        .as_array()
        .ok_or("not a `pulumi stack export` document: no `deployment.resources` list")?;
    let mut m = Migration::default();
    let olds = collect_olds(resources, &mut m);
    let mut used: Vec<&str> = Vec::new();

    // The service decides which task definition, target group and groups are "the" ones.
    let service = find(&olds, "ecs", "Service").first().copied();
    let lb_entry = service.and_then(|s| s.input("loadBalancers").as_array()?.first().cloned());
    let tg_arn = lb_entry
        .as_ref()
        .and_then(|l| l["targetGroupArn"].as_str().map(str::to_string));
    let container_name = lb_entry
        .as_ref()
        .and_then(|l| l["containerName"].as_str().map(str::to_string));

    map_cluster(&olds, service, &mut m, &mut used);
    map_task_definition(&olds, service, container_name.as_deref(), &mut m, &mut used);
    if let Some(s) = service {
        map_service(s, &olds, &mut m, &mut used);
    }
    // After the task definition: the target group is checked against its container port.
    map_target_group(&olds, tg_arn.as_deref(), &mut m, &mut used);
    let alb = map_load_balancer(&olds, &mut m, &mut used);
    let alb_arn = alb.and_then(|l| l.output("arn").as_str().or(Some(l.id)));
    map_listeners(&olds, alb_arn, &mut m, &mut used);
    map_security_groups(&olds, alb, service, &mut m, &mut used);

    note_secret_inputs_of_adopted(&olds, &used, &mut m);
    leave_unused(&olds, &used, &mut m);
    Ok(m)
}

/// The custom AWS resources of the export; everything else is either read for
/// settings (the stack, the AWS provider) or reported as unmapped right away.
fn collect_olds<'a>(resources: &'a [Value], m: &mut Migration) -> Vec<Old<'a>> {
    let mut olds = Vec::new();
    for r in resources {
        let urn = r["urn"].as_str().unwrap_or_default();
        let token = r["type"].as_str().unwrap_or_default();
        if token == "pulumi:pulumi:Stack" || token.starts_with("pulumi:providers:") {
            if token == "pulumi:providers:aws"
                && let Some(region) = r["inputs"]["region"].as_str()
            {
                m.config
                    .insert("fargate:region".into(), Value::String(region.into()));
            }
            continue;
        }
        if r["custom"] == Value::Bool(false) {
            // Components hold no cloud resource: nothing to adopt or to leave behind.
            continue;
        }
        if r["delete"] == Value::Bool(true) || r["pendingReplacement"] == Value::Bool(true) {
            m.unmapped.push(Unmapped {
                urn: urn.into(),
                reason: "the old state marks it for deletion or replacement (an interrupted update)".into(),
                action: "finish or refresh the old stack (`pulumi refresh`, `pulumi up`) before migrating".into(),
            });
            continue;
        }
        let Some((module, kind)) = aws_type(token) else {
            m.unmapped.push(Unmapped {
                urn: urn.into(),
                reason: format!("`{token}` is not an AWS resource of the bridged provider"),
                action: "left alone; move it to a stack of its own if it should stay managed"
                    .into(),
            });
            continue;
        };
        olds.push(Old {
            urn,
            module,
            kind,
            id: r["id"].as_str().unwrap_or_default(),
            inputs: &r["inputs"],
            outputs: &r["outputs"],
        });
    }
    olds
}

/// The old resources of one AWS type (`aws:<module>:<kind>`), in export order.
fn find<'o, 'a>(olds: &'o [Old<'a>], module: &str, kind: &str) -> Vec<&'o Old<'a>> {
    olds.iter()
        .filter(|o| o.module == module && o.kind == kind)
        .collect()
}

/// The cluster the service runs in (or the first one) becomes `backend`.
fn map_cluster<'a>(
    olds: &[Old<'a>],
    service: Option<&Old<'a>>,
    m: &mut Migration,
    used: &mut Vec<&'a str>,
) {
    let clusters = find(olds, "ecs", "Cluster");
    let service_cluster = service.and_then(|s| s.str("cluster"));
    let cluster = clusters
        .iter()
        .find(|c| Some(c.output("arn").as_str().unwrap_or(c.id)) == service_cluster)
        .or(clusters.first())
        .copied();
    let Some(c) = cluster else { return };
    let arn = c.output("arn").as_str().unwrap_or(c.id).to_string();
    m.mapped.push(Mapped {
        old_urn: c.urn.into(),
        token: "fargate:ecs:Cluster",
        name: "backend",
        id: arn,
    });
    used.push(c.urn);
    if let Some(settings) = c.input("settings").as_array() {
        for s in settings {
            if s["name"] == "containerInsights"
                && let Some(v) = s["value"].as_str()
            {
                m.config
                    .insert(format!("{PROJECT}:containerInsights"), json!(v));
            }
        }
    }
}

/// The service's task definition (or the first one) becomes `api`, imported by family.
fn map_task_definition<'a>(
    olds: &[Old<'a>],
    service: Option<&Old<'a>>,
    container_name: Option<&str>,
    m: &mut Migration,
    used: &mut Vec<&'a str>,
) {
    let task_definitions = find(olds, "ecs", "TaskDefinition");
    let service_td = service.and_then(|s| s.str("taskDefinition"));
    let td = task_definitions
        .iter()
        .find(|t| t.output("arn").as_str().is_some() && t.output("arn").as_str() == service_td)
        .or(task_definitions.first())
        .copied();
    let Some(t) = td else { return };
    let family = t.str("family").unwrap_or(t.id).to_string();
    m.mapped.push(Mapped {
        old_urn: t.urn.into(),
        token: "fargate:ecs:TaskDefinition",
        name: "api",
        id: family.clone(),
    });
    used.push(t.urn);
    m.notes.push(format!(
        "task definition family `{family}`: import reads its newest ACTIVE revision; the first `pulumi up` registers one new revision in the program's shape (container `api`, tags), the service rolls to it, and the earlier revisions stay for rollback"
    ));
    task_definition_config(t, container_name, m);
}

/// The service becomes `api`, imported by the id create would have returned.
fn map_service<'a>(s: &Old<'a>, olds: &[Old<'a>], m: &mut Migration, used: &mut Vec<&'a str>) {
    let cluster_name = s
        .str("cluster")
        .and_then(|c| c.rsplit('/').next())
        .unwrap_or("default");
    let name = s.str("name").unwrap_or_default();
    let arn = s.output("arn").as_str().unwrap_or(s.id);
    // Long-format ARNs (`service/<cluster>/<name>`) are what create returns as the id;
    // old short ones do not name the cluster, so `<cluster>/<name>` is used instead.
    let id = if arn.starts_with("arn:") && arn.matches('/').count() == 2 {
        arn.to_string()
    } else {
        format!("{cluster_name}/{name}")
    };
    m.mapped.push(Mapped {
        old_urn: s.urn.into(),
        token: "fargate:ecs:Service",
        name: "api",
        id,
    });
    used.push(s.urn);
    service_config(s, olds, m);
}

/// Target group: the one the service sends traffic to, imported only if the program's
/// declaration could take it over without a replacement.
fn map_target_group<'a>(
    olds: &[Old<'a>],
    tg_arn: Option<&str>,
    m: &mut Migration,
    used: &mut Vec<&'a str>,
) {
    let target_groups = find(olds, "lb", "TargetGroup");
    let tg = target_groups
        .iter()
        .find(|t| t.output("arn").as_str().or(Some(t.id)) == tg_arn)
        .or(target_groups.first())
        .copied();
    let Some(t) = tg else { return };
    match target_group_problem(t, m) {
        Some(reason) => m.unmapped.push(Unmapped {
            urn: t.urn.into(),
            reason,
            action: "not imported: the program creates its own target group and the service and listeners move to it in place; delete the old one after the switch".into(),
        }),
        None => {
            m.mapped.push(Mapped {
                old_urn: t.urn.into(),
                token: "fargate:lb:TargetGroup",
                name: "api",
                id: t.output("arn").as_str().unwrap_or(t.id).to_string(),
            });
            if let Some(path) = t.input("healthCheck")["path"].as_str() {
                m.config
                    .insert(format!("{PROJECT}:healthCheckPath"), json!(path));
            }
            if let Some(vpc) = t.str("vpcId") {
                m.config.insert(format!("{PROJECT}:vpcId"), json!(vpc));
            }
        }
    }
    used.push(t.urn);
}

/// Why the old target group cannot be imported as the program's, if it cannot.
fn target_group_problem(t: &Old, m: &Migration) -> Option<String> {
    let container_port = m
        .config
        .get(&format!("{PROJECT}:containerPort"))
        .and_then(Value::as_i64);
    let port = number(t.input("port"));
    let protocol = t.str("protocol").unwrap_or("HTTP");
    let target_type = t.str("targetType").unwrap_or("instance");
    if target_type != "ip" {
        Some(format!(
            "its target type is `{target_type}`; Fargate tasks register as `ip` targets and the type cannot change"
        ))
    } else if protocol != "HTTP" {
        Some(format!(
            "its protocol is `{protocol}`; the program declares an HTTP target group"
        ))
    } else if port.is_some() && container_port.is_some() && port != container_port {
        Some(format!(
            "its port {} differs from the container port {}; the program declares the target group on the container port, and a port change replaces a target group",
            port.unwrap_or_default(),
            container_port.unwrap_or_default()
        ))
    } else {
        None
    }
}

/// Load balancer: the application load balancer (the program declares one).
/// Returns it, imported or not, since its listeners and groups are found through it.
fn map_load_balancer<'o, 'a>(
    olds: &'o [Old<'a>],
    m: &mut Migration,
    used: &mut Vec<&'a str>,
) -> Option<&'o Old<'a>> {
    let albs: Vec<&Old> = find(olds, "lb", "LoadBalancer")
        .into_iter()
        .chain(find(olds, "alb", "LoadBalancer"))
        .filter(|l| l.str("loadBalancerType").unwrap_or("application") == "application")
        .collect();
    let l = albs.first().copied()?;
    if l.input("internal") == &Value::Bool(true) {
        m.unmapped.push(Unmapped {
            urn: l.urn.into(),
            reason: "it is internal; the program declares an internet-facing load balancer, and the scheme cannot change".into(),
            action: "not imported: keep running it from the old program until the Rust program can declare internal load balancers".into(),
        });
    } else {
        m.mapped.push(Mapped {
            old_urn: l.urn.into(),
            token: "fargate:lb:LoadBalancer",
            name: "api",
            id: l.output("arn").as_str().unwrap_or(l.id).to_string(),
        });
        load_balancer_config(l, m);
    }
    used.push(l.urn);
    Some(l)
}

/// Stack settings read from an imported load balancer.
fn load_balancer_config(l: &Old, m: &mut Migration) {
    let subnets = strings(l.input("subnets"));
    if !subnets.is_empty() {
        m.config
            .insert(format!("{PROJECT}:publicSubnetIds"), json!(subnets));
    }
    if let Some(t) = number(l.input("idleTimeout")) {
        m.config
            .insert(format!("{PROJECT}:idleTimeoutSeconds"), json!(t));
    }
    if let Some(p) = l.input("enableDeletionProtection").as_bool() {
        m.config
            .insert(format!("{PROJECT}:deletionProtection"), json!(p));
    }
    // The target group's VPC, when it was imported, wins.
    if let Some(vpc) = l.output("vpcId").as_str() {
        m.config
            .entry(format!("{PROJECT}:vpcId"))
            .or_insert(json!(vpc));
    }
}

/// Listeners of that load balancer: port 80 is `http`, the HTTPS one is `https`.
fn map_listeners<'a>(
    olds: &[Old<'a>],
    alb_arn: Option<&str>,
    m: &mut Migration,
    used: &mut Vec<&'a str>,
) {
    for l in find(olds, "lb", "Listener")
        .into_iter()
        .chain(find(olds, "alb", "Listener"))
    {
        if l.str("loadBalancerArn") != alb_arn {
            continue;
        }
        let protocol = l.str("protocol").unwrap_or("HTTP");
        let port = number(l.input("port"));
        let name = match (protocol, port) {
            ("HTTPS", _) => "https",
            ("HTTP", Some(80)) => "http",
            _ => {
                m.unmapped.push(Unmapped {
                    urn: l.urn.into(),
                    reason: format!(
                        "a {protocol} listener on port {}; the program declares HTTP on 80 and HTTPS on 443",
                        port.unwrap_or_default()
                    ),
                    action: "left alone in AWS (it keeps working); delete it by hand if it is not needed".into(),
                });
                used.push(l.urn);
                continue;
            }
        };
        if name == "https" {
            if let Some(c) = l.str("certificateArn") {
                m.config
                    .insert(format!("{PROJECT}:certificateArn"), json!(c));
            }
            if let Some(p) = l.str("sslPolicy") {
                m.config.insert(format!("{PROJECT}:sslPolicy"), json!(p));
            }
        }
        m.mapped.push(Mapped {
            old_urn: l.urn.into(),
            token: "fargate:lb:Listener",
            name,
            id: l.output("arn").as_str().unwrap_or(l.id).to_string(),
        });
        used.push(l.urn);
    }
}

/// Security groups: the ALB's and the service's, by where they are used.
fn map_security_groups<'a>(
    olds: &[Old<'a>],
    alb: Option<&Old<'a>>,
    service: Option<&Old<'a>>,
    m: &mut Migration,
    used: &mut Vec<&'a str>,
) {
    let alb_groups = alb
        .map(|l| strings(l.input("securityGroups")))
        .unwrap_or_default();
    let service_groups = service
        .map(|s| strings(&s.input("networkConfiguration")["securityGroups"]))
        .unwrap_or_default();
    for g in find(olds, "ec2", "SecurityGroup") {
        let (name, wanted) = if alb_groups.iter().any(|id| id == g.id) {
            ("alb", ALB_GROUP_DESCRIPTION)
        } else if service_groups.iter().any(|id| id == g.id) {
            ("service", SERVICE_GROUP_DESCRIPTION)
        } else {
            continue;
        };
        used.push(g.urn);
        let description = g.str("description").unwrap_or("Managed by Pulumi");
        if description != wanted {
            m.unmapped.push(Unmapped {
                urn: g.urn.into(),
                reason: format!(
                    "its description is {description:?}, the program's `{name}` group is described {wanted:?}, and EC2 cannot change a group's description (importing it would mean a replacement)"
                ),
                action: format!(
                    "not imported: the program creates its own `{name}` group and the {} switches to it in place (no downtime); after the switch delete the old group: `aws ec2 delete-security-group --group-id {}`",
                    if name == "alb" { "load balancer" } else { "service" },
                    g.id
                ),
            });
            continue;
        }
        if name == "alb" {
            alb_group_config(g, m);
        }
        m.mapped.push(Mapped {
            old_urn: g.urn.into(),
            token: "fargate:ec2:SecurityGroup",
            name,
            id: g.id.to_string(),
        });
        m.notes.push(format!(
            "security group `{name}` ({}): the first `pulumi up` replaces its rules with the program's least-privilege ones in place (authorize new first, then revoke old)",
            g.id
        ));
    }
}

/// The ALB group's ingress CIDRs become `allowedCidrs` (deduplicated, sorted).
fn alb_group_config(g: &Old, m: &mut Migration) {
    let cidrs: Vec<String> = g
        .input("ingress")
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|r| strings(&r["cidrBlocks"]))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if !cidrs.is_empty() {
        m.config
            .insert(format!("{PROJECT}:allowedCidrs"), json!(cidrs));
    }
}

/// Other secret inputs of adopted resources: never derived, so say so.
fn note_secret_inputs_of_adopted(olds: &[Old], used: &[&str], m: &mut Migration) {
    for o in olds.iter().filter(|o| used.contains(&o.urn)) {
        for (key, value) in o.inputs.as_object().into_iter().flatten() {
            if key != "containerDefinitions" && unwrap_secret(value).0 {
                m.secrets.push(SecretCommand {
                    command: format!(
                        "pulumi config set --secret <the stack setting fed by `{key}`> '<its value>'"
                    ),
                    why: format!(
                        "`{key}` of `{}` is a secret in the old stack, so nothing was derived from it",
                        o.urn
                    ),
                });
            }
        }
    }
}

/// Every old resource nothing above took is reported, with why and what to do.
fn leave_unused(olds: &[Old], used: &[&str], m: &mut Migration) {
    for o in olds {
        if used.contains(&o.urn) {
            continue;
        }
        let (reason, action) = not_ours(o, m);
        m.unmapped.push(Unmapped {
            urn: o.urn.into(),
            reason,
            action,
        });
    }
}

/// Why a resource of the old stack has no place in the new one, and what to do.
fn not_ours(o: &Old, m: &Migration) -> (String, String) {
    let kind = format!("aws:{}:{}", o.module, o.kind);
    let config = |key: &str| m.config.contains_key(&format!("{PROJECT}:{key}"));
    match (o.module.as_str(), o.kind.as_str()) {
        ("iam", _) => (
            format!("{kind} is not imported by the migration"),
            format!(
                "left alone: it stays in AWS and in no stack's state once the old stack's state is dropped; the task definition keeps using it by ARN{} (`{}`). Do not delete it while tasks use it. Without executionRoleArn / taskRoleArn the stack creates its own roles (`fargate:iam:Role`) and the tasks move to them on the next rollout.",
                if config("executionRoleArn") || config("taskRoleArn") {
                    " (executionRoleArn / taskRoleArn in the stack file)"
                } else {
                    ""
                },
                o.id
            ),
        ),
        ("cloudwatch", "LogGroup") => (
            format!("{kind} is not imported by the migration"),
            format!(
                "the stack declares its log group (`fargate:logs:LogGroup` `api`, named by the stack file's `logGroup`): import this one into the new stack before the first `up` (`pulumi import fargate:logs:LogGroup api {}`), which would otherwise fail creating a group of the same name.",
                o.id
            ),
        ),
        ("ecr", _) => (
            format!("{kind} is not imported by the migration"),
            format!(
                "left alone with its images; `imageRepository` in the stack file points at it (`{}`). The one stack that owns the repository (`ownsImageRepository: true`, production) adopts it with `pulumi import fargate:ecr:Repository api <name>`.",
                o.id
            ),
        ),
        ("appautoscaling", _) => (
            format!("{kind} is not imported by the migration"),
            format!(
                "left alone: it addresses the service by `service/<cluster>/<name>`, which the switch keeps, so it keeps scaling it; `desiredCountManagedByAutoscaler: true` is set so `pulumi up` never resets the count (`{}`).",
                o.id
            ),
        ),
        _ => (
            format!("{kind} has no counterpart in the Rust stack program"),
            format!(
                "left alone in AWS and in no stack's state after the switch (`{}`); keep it in a stack of its own if it should stay managed, or delete it by hand",
                o.id
            ),
        ),
    }
}

/// Task size, image, port, environment, secrets, roles and log group from the task definition.
fn task_definition_config(t: &Old, container_name: Option<&str>, m: &mut Migration) {
    for (key, prop) in [("cpu", "cpu"), ("memory", "memory")] {
        if let Some(n) = number(t.input(prop)) {
            m.config.insert(format!("{PROJECT}:{key}"), json!(n));
        }
    }
    for key in ["executionRoleArn", "taskRoleArn"] {
        if let Some(arn) = t.str(key) {
            m.config.insert(format!("{PROJECT}:{key}"), json!(arn));
        }
    }
    // `containerDefinitions` is a JSON string in the bridged provider.
    let raw = t.inputs.get("containerDefinitions").unwrap_or(&Value::Null);
    let (secret, plain) = unwrap_secret(raw);
    let Some(plain) = plain.filter(|p| !p.is_null()) else {
        m.secrets.push(SecretCommand {
            command: "pulumi stack export --show-secrets --stack <old stack> > old-stack.json && sotex-ci migrate --export old-stack.json ...".into(),
            why: "the task definition's containerDefinitions are encrypted in this export, so image, port, environment and secrets could not be derived; re-run on an export with --show-secrets (the migration still never writes secret values)".into(),
        });
        return;
    };
    let containers: Vec<Value> = match &plain {
        Value::String(s) => serde_json::from_str(s).unwrap_or_default(),
        Value::Array(a) => a.clone(),
        _ => Vec::new(),
    };
    let container = containers
        .iter()
        .find(|c| container_name.is_some_and(|n| c["name"] == n))
        .or(containers.first());
    let Some(c) = container else {
        return;
    };
    if containers.len() > 1 {
        m.notes.push(format!(
            "the task definition has {} containers; the program runs one (`api`), from `{}`",
            containers.len(),
            c["name"].as_str().unwrap_or_default()
        ));
    }
    if let Some(image) = c["image"].as_str() {
        let (repository, tag) = split_image(image);
        m.config
            .insert(format!("{PROJECT}:imageRepository"), json!(repository));
        match tag {
            Some(tag) => {
                m.config.insert(format!("{PROJECT}:imageTag"), json!(tag));
            }
            None => m.notes.push(format!(
                "image `{image}` has no tag (a digest or `latest`): set `imageTag` to the tag it was built as"
            )),
        }
    }
    if let Some(port) = c["portMappings"][0]["containerPort"].as_i64() {
        m.config
            .insert(format!("{PROJECT}:containerPort"), json!(port));
    }
    if let Some(group) = c["logConfiguration"]["options"]["awslogs-group"].as_str() {
        m.config.insert(format!("{PROJECT}:logGroup"), json!(group));
    }
    let mut environment = serde_json::Map::new();
    for e in c["environment"].as_array().into_iter().flatten() {
        let (Some(name), Some(value)) = (e["name"].as_str(), e["value"].as_str()) else {
            continue;
        };
        if secret || sensitive_name(name) {
            m.secrets.push(SecretCommand {
                command: format!(
                    "pulumi config set --secret --path 'environment.{name}' '<the value of {name}>'"
                ),
                why: format!(
                    "environment variable `{name}` {}; its value is not written here",
                    if secret {
                        "was a secret in the old stack"
                    } else {
                        "looks like a credential"
                    }
                ),
            });
        } else {
            environment.insert(name.into(), json!(value));
        }
    }
    if !environment.is_empty() {
        m.config
            .insert(format!("{PROJECT}:environment"), Value::Object(environment));
    }
    let mut secrets = serde_json::Map::new();
    for s in c["secrets"].as_array().into_iter().flatten() {
        if let (Some(name), Some(from)) = (s["name"].as_str(), s["valueFrom"].as_str()) {
            // ARNs name where the secret lives; they are not secret themselves.
            secrets.insert(name.into(), json!(from));
        }
    }
    if !secrets.is_empty() {
        m.config
            .insert(format!("{PROJECT}:secrets"), Value::Object(secrets));
    }
}

/// `repo/name:tag` → (`repo/name`, `tag`); digests and untagged images have no tag.
fn split_image(image: &str) -> (String, Option<String>) {
    if let Some((repo, _digest)) = image.split_once('@') {
        return (repo.to_string(), None);
    }
    let last_slash = image.rfind('/').map_or(0, |i| i + 1);
    match image[last_slash..].rfind(':') {
        Some(i) => (
            image[..last_slash + i].to_string(),
            Some(image[last_slash + i + 1..].to_string()),
        ),
        None => (image.to_string(), None),
    }
}

/// Count, network, rollout bounds and autoscaling from the service.
fn service_config(s: &Old, olds: &[Old], m: &mut Migration) {
    if let Some(n) = number(s.input("desiredCount")) {
        m.config.insert(format!("{PROJECT}:desiredCount"), json!(n));
    }
    let network = s.input("networkConfiguration");
    let subnets = strings(&network["subnets"]);
    if !subnets.is_empty() {
        m.config
            .insert(format!("{PROJECT}:privateSubnetIds"), json!(subnets));
    }
    if let Some(public) = network["assignPublicIp"].as_bool() {
        m.config
            .insert(format!("{PROJECT}:assignPublicIp"), json!(public));
    }
    for (key, prop) in [
        ("minimumHealthyPercent", "deploymentMinimumHealthyPercent"),
        ("maximumPercent", "deploymentMaximumPercent"),
    ] {
        if let Some(n) = number(s.input(prop)) {
            m.config.insert(format!("{PROJECT}:{key}"), json!(n));
        }
    }
    let name = s.str("name").unwrap_or_default();
    let scaled = olds.iter().any(|o| {
        o.module == "appautoscaling"
            && o.kind == "Target"
            && o.str("resourceId")
                .is_some_and(|r| r.starts_with("service/") && r.ends_with(&format!("/{name}")))
    });
    if scaled {
        m.config.insert(
            format!("{PROJECT}:desiredCountManagedByAutoscaler"),
            json!(true),
        );
    }
}

impl Migration {
    /// The import file for `pulumi import --file` (pulumi v3.274.1 `importFile`).
    pub fn import_file(&self) -> Value {
        json!({
            "resources": self.mapped.iter().map(|r| json!({
                "type": r.token,
                "name": r.name,
                "id": r.id,
            })).collect::<Vec<_>>()
        })
    }

    /// The `config:` section for `Pulumi.<stack>.yaml`: plain values only.
    pub fn stack_file(&self, stack: &str) -> String {
        let mut out = format!(
            "# Derived from the old stack's inputs by `sotex-ci migrate`; review, then merge into\n\
             # Pulumi.{stack}.yaml. Secret values are not here: run the `pulumi config set --secret`\n\
             # commands of the report.\nconfig:\n"
        );
        for (key, value) in &self.config {
            // JSON is valid YAML flow syntax; numbers and booleans are quoted as the CLI writes
            // them (`pulumi config set cpu 256` stores "256").
            let text = match value {
                Value::Number(_) | Value::Bool(_) => format!("\"{value}\""),
                other => other.to_string(),
            };
            let _ = writeln!(out, "  {key}: {text}");
        }
        out
    }

    /// The report: mapped, left out (why, what to do), secret commands, expected in-place changes.
    pub fn report(&self) -> String {
        let mut out = String::from("# Migration report\n\n## Imported (type, name, id)\n\n");
        for r in &self.mapped {
            let _ = writeln!(
                out,
                "- `{}` `{}` id `{}` (was `{}`)",
                r.token, r.name, r.id, r.old_urn
            );
        }
        out.push_str("\n## Not imported\n\n");
        if self.unmapped.is_empty() {
            out.push_str("Nothing: every resource of the old stack has a place in the new one.\n");
        }
        for u in &self.unmapped {
            let _ = writeln!(
                out,
                "- `{}`\n  - why: {}\n  - what to do: {}",
                u.urn, u.reason, u.action
            );
        }
        out.push_str("\n## Secrets to set by hand (values never written by the migration)\n\n");
        if self.secrets.is_empty() {
            out.push_str("None.\n");
        }
        for s in &self.secrets {
            let _ = writeln!(out, "- {}\n  ```sh\n  {}\n  ```", s.why, s.command);
        }
        out.push_str("\n## Changes the first `pulumi up` makes in place\n\n");
        for n in &self.notes {
            let _ = writeln!(out, "- {n}");
        }
        out.push_str("- tags: the program's `app` / `stack` tags (and `fargate:defaultTags`) are added to every imported resource\n");
        out
    }
}

/// What the gate found in `pulumi preview --json` of the new stack.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct GateResult {
    /// `op name (type)` of every step that would replace, delete or create an imported resource.
    pub violations: Vec<String>,
    pub updates: Vec<String>,
    /// Creates of resources that were not imported (e.g. a security group left out).
    pub other_creates: Vec<String>,
}

/// Checks a preview of the new stack against the import file: an imported resource may be
/// updated in place, never replaced, deleted or created again.
pub fn gate(import_file: &Value, preview_json: &str) -> Result<GateResult, String> {
    let preview = crate::preview::StackPreview::parse(None, preview_json)?;
    if preview.failed() {
        let errors: Vec<&str> = preview
            .diagnostics
            .iter()
            .filter(|d| d.severity == "error")
            .map(|d| d.message.as_str())
            .collect();
        return Err(format!("the preview failed: {}", errors.join("; ")));
    }
    let imported: Vec<(String, String)> = import_file["resources"]
        .as_array()
        .ok_or("the import file has no `resources` list")?
        .iter()
        .map(|r| {
            (
                r["type"].as_str().unwrap_or_default().to_string(),
                r["name"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let mut result = GateResult::default();
    for step in &preview.steps {
        let label = format!("{} {} ({})", step.op, step.name, step.resource_type);
        let is_imported = imported
            .iter()
            .any(|(t, n)| *t == step.resource_type && *n == step.name);
        use crate::preview::Category;
        match (step.category, is_imported) {
            (Category::Update, _) => result.updates.push(label),
            (Category::Create, false) => result.other_creates.push(label),
            // An imported resource is only ever updated in place.
            (_, true) => result.violations.push(label),
            // Replacing or deleting anything at the switch is not what a migration may do.
            (Category::Replace | Category::Delete, false) => result.violations.push(label),
            // Reads and the like change nothing.
            (Category::Other, false) => {}
        }
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> Value {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/data/migrate/program-cs-export.json"
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    /// The fixture with the task definition's containers marked secret, as `--show-secrets`
    /// (`plaintext`) or a plain export (`ciphertext`) writes them.
    fn with_secret_containers(show_secrets: bool) -> (Value, String) {
        let mut export = fixture();
        let resources = export["deployment"]["resources"].as_array_mut().unwrap();
        let td = resources
            .iter_mut()
            .find(|r| r["type"] == "aws:ecs/taskDefinition:TaskDefinition")
            .unwrap();
        let containers = td["inputs"]["containerDefinitions"].clone();
        let mut secret = json!({SECRET_SIG: SECRET_VALUE});
        if show_secrets {
            secret["plaintext"] = json!(containers.to_string());
        } else {
            secret["ciphertext"] = json!("v1:ZW5jcnlwdGVk");
        }
        td["inputs"]["containerDefinitions"] = secret;
        (export, containers.as_str().unwrap().to_string())
    }

    fn everything_written(m: &Migration) -> String {
        format!(
            "{}{}{}",
            m.import_file(),
            m.stack_file("staging"),
            m.report()
        )
    }

    #[test]
    fn the_fixture_maps_to_the_stack_programs_names() {
        let m = plan(&fixture()).unwrap();
        let mapped: Vec<(&str, &str)> = m.mapped.iter().map(|r| (r.token, r.name)).collect();
        assert_eq!(
            mapped,
            [
                ("fargate:ecs:Cluster", "backend"),
                ("fargate:ecs:TaskDefinition", "api"),
                ("fargate:ecs:Service", "api"),
                ("fargate:lb:TargetGroup", "api"),
                ("fargate:lb:LoadBalancer", "api"),
                ("fargate:lb:Listener", "http"),
                ("fargate:ec2:SecurityGroup", "alb"),
            ]
        );
        let unmapped: Vec<&str> = m
            .unmapped
            .iter()
            .map(|u| u.urn.rsplit("::").next().unwrap())
            .collect();
        assert_eq!(
            unmapped,
            [
                "task-sg",
                "task-exec-role",
                "api-logs",
                "api",
                "app-scaling"
            ]
        );
        assert_eq!(m.secrets.len(), 1, "{:?}", m.secrets);
        assert!(m.secrets[0].command.contains("environment.SENTRY_DSN"));
        assert!(!everything_written(&m).contains("0c1d2e3f@o1.ingest"));
        assert_eq!(
            m.config["sotex-backend:environment"],
            json!({"ASPNETCORE_ENVIRONMENT": "Staging"})
        );
    }

    #[test]
    fn secret_containers_are_read_but_no_value_is_written() {
        let (export, _) = with_secret_containers(true);
        let m = plan(&export).unwrap();
        // Derived where not secret-bearing: image, port, log group.
        assert_eq!(
            m.config["sotex-backend:imageTag"],
            json!("2026.11.20-9e1d2c3")
        );
        assert_eq!(m.config["sotex-backend:containerPort"], json!(8080));
        // Every environment value becomes a command to run, none a value in a file.
        assert!(!m.config.contains_key("sotex-backend:environment"));
        let commands: Vec<&str> = m.secrets.iter().map(|s| s.command.as_str()).collect();
        assert_eq!(commands.len(), 2, "{commands:?}");
        assert!(commands[0].contains("environment.ASPNETCORE_ENVIRONMENT"));
        let written = everything_written(&m);
        assert!(!written.contains("0c1d2e3f@o1.ingest"), "{written}");
        assert!(!written.contains("\"Staging\""), "{written}");
    }

    #[test]
    fn encrypted_containers_ask_for_an_export_with_secrets() {
        let (export, _) = with_secret_containers(false);
        let m = plan(&export).unwrap();
        assert!(!m.config.contains_key("sotex-backend:imageRepository"));
        assert_eq!(m.secrets.len(), 1);
        assert!(
            m.secrets[0].command.contains("--show-secrets"),
            "{:?}",
            m.secrets
        );
        // The resources are still adopted: the ids do not depend on the secret.
        assert_eq!(m.mapped.len(), 7);
    }

    #[test]
    fn https_listener_certificate_and_a_target_group_on_another_port() {
        let mut export = fixture();
        let resources = export["deployment"]["resources"].as_array_mut().unwrap();
        let https = json!({
            "urn": "urn:pulumi:staging::sotex-box::aws:lb/listener:Listener::web-https",
            "custom": true,
            "id": "arn:listener-https",
            "type": "aws:lb/listener:Listener",
            "inputs": {
                "loadBalancerArn": "{{ALB_ARN}}",
                "port": 443,
                "protocol": "HTTPS",
                "certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
                "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06"
            }
        });
        resources.push(https);
        let tg = resources
            .iter_mut()
            .find(|r| r["type"] == "aws:lb/targetGroup:TargetGroup")
            .unwrap();
        tg["inputs"]["port"] = json!(80);
        let m = plan(&export).unwrap();
        assert!(
            m.mapped
                .iter()
                .any(|r| r.name == "https" && r.id == "arn:listener-https"),
            "{:?}",
            m.mapped
        );
        assert_eq!(
            m.config["sotex-backend:certificateArn"],
            json!("arn:aws:acm:us-east-1:123456789012:certificate/abc")
        );
        let tg = m
            .unmapped
            .iter()
            .find(|u| u.urn.ends_with("::web-tg"))
            .unwrap();
        assert!(
            tg.reason
                .contains("port 80 differs from the container port 8080"),
            "{tg:?}"
        );
        assert!(!m.mapped.iter().any(|r| r.token == "fargate:lb:TargetGroup"));
    }

    #[test]
    fn images_split_into_repository_and_tag() {
        assert_eq!(
            split_image("123.dkr.ecr.eu-central-1.amazonaws.com/sotex/api:1.4.2"),
            (
                "123.dkr.ecr.eu-central-1.amazonaws.com/sotex/api".into(),
                Some("1.4.2".into())
            )
        );
        assert_eq!(
            split_image("localhost:5000/api"),
            ("localhost:5000/api".into(), None)
        );
        assert_eq!(
            split_image("repo/api@sha256:abc"),
            ("repo/api".into(), None)
        );
    }

    #[test]
    fn descriptions_match_the_stack_program() {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../program/src/bin/sotex-stack"
        );
        let source: String = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "rs"))
            .map(|e| std::fs::read_to_string(e.path()).unwrap())
            .collect();
        for d in [ALB_GROUP_DESCRIPTION, SERVICE_GROUP_DESCRIPTION] {
            assert!(
                source.contains(&format!("{d:?}")),
                "the stack program no longer describes a group as {d:?}"
            );
        }
    }

    #[test]
    fn the_gate_refuses_replacements_deletes_and_recreates() {
        let import = json!({"resources": [
            {"type": "fargate:ecs:Cluster", "name": "backend", "id": "arn"},
            {"type": "fargate:lb:LoadBalancer", "name": "api", "id": "arn2"}
        ]});
        let urn = |t: &str, n: &str| format!("urn:pulumi:staging::sotex-backend::{t}::{n}");
        let preview = json!({"steps": [
            {"op": "update", "urn": urn("fargate:ecs:Cluster", "backend")},
            {"op": "replace", "urn": urn("fargate:lb:LoadBalancer", "api")},
            {"op": "create", "urn": urn("fargate:ec2:SecurityGroup", "alb")},
        ], "changeSummary": {"update": 1, "replace": 1, "create": 1}});
        let result = gate(&import, &preview.to_string()).unwrap();
        assert_eq!(result.violations, ["replace api (fargate:lb:LoadBalancer)"]);
        assert_eq!(result.updates, ["update backend (fargate:ecs:Cluster)"]);
        assert_eq!(
            result.other_creates,
            ["create alb (fargate:ec2:SecurityGroup)"]
        );
    }
}
