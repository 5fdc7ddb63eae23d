//! What exists in moto compared with what the Pulumi state holds: after any run, every live
//! resource of ours must be in the state (no orphans) and every resource in the state must be
//! live (none lost).
//!
//! Identity per type: clusters, services, load balancers, target groups and listeners by ARN,
//! security groups by id, task definitions by revision ARN (the state's current revision plus
//! the earlier revisions it keeps for rollback), SSM parameters, IAM roles and log groups by
//! name.

use std::collections::BTreeSet;
use std::fmt;
use std::net::SocketAddr;

use aws_sdk_ecs::types::TaskDefinitionStatus;
use serde_json::Value;

use crate::aws::EcsProbe;
use crate::ec2::{ec2_query, elbv2_query, iam_query, xml_values};
use crate::json_api::logs_call;
use crate::ssm::ssm_call;

pub const CLUSTER: &str = "fargate:ecs:Cluster";
pub const TASK_DEFINITION: &str = "fargate:ecs:TaskDefinition";
pub const SERVICE: &str = "fargate:ecs:Service";
pub const SECURITY_GROUP: &str = "fargate:ec2:SecurityGroup";
pub const LOAD_BALANCER: &str = "fargate:lb:LoadBalancer";
pub const TARGET_GROUP: &str = "fargate:lb:TargetGroup";
pub const LISTENER: &str = "fargate:lb:Listener";
pub const PARAMETER: &str = "fargate:ssm:Parameter";
pub const ROLE: &str = "fargate:iam:Role";
pub const LOG_GROUP: &str = "fargate:logs:LogGroup";

/// One live resource: `(type token, identity)`.
pub type Item = (String, String);

/// The outcome of comparing moto with the state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reconciliation {
    /// Live in moto and in the state.
    pub matched: BTreeSet<Item>,
    /// Live in moto, not in the state.
    pub orphans: BTreeSet<Item>,
    /// In the state, not live in moto.
    pub lost: BTreeSet<Item>,
    /// Operations the state still marks pending (interrupted creates and the like).
    pub pending_operations: usize,
}

impl Reconciliation {
    /// Resources compared (each counted once).
    pub fn checked(&self) -> usize {
        self.matched.len() + self.orphans.len() + self.lost.len()
    }

    pub fn is_clean(&self) -> bool {
        self.orphans.is_empty() && self.lost.is_empty() && self.pending_operations == 0
    }
}

impl fmt::Display for Reconciliation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} checked, {} orphans, {} lost, {} pending operations",
            self.checked(),
            self.orphans.len(),
            self.lost.len(),
            self.pending_operations
        )?;
        for (what, set) in [
            ("matched", &self.matched),
            ("ORPHAN", &self.orphans),
            ("LOST", &self.lost),
        ] {
            for (ty, id) in set {
                writeln!(f, "  {what}: {ty} {id}")?;
            }
        }
        Ok(())
    }
}

/// Every live resource of the kinds our provider manages, straight from moto (not through any
/// proxy). moto's own defaults (the default VPC's `default` groups) are left out.
pub fn moto_inventory(moto: SocketAddr) -> BTreeSet<Item> {
    let url = format!("http://{moto}");
    let ecs = EcsProbe::new(&url);
    let mut items = BTreeSet::new();
    let item = |ty: &str, id: &str| (ty.to_string(), id.to_string());

    for cluster in ecs.active_clusters() {
        let Some(cluster_arn) = cluster.cluster_arn().map(str::to_string) else {
            continue;
        };
        items.insert(item(CLUSTER, &cluster_arn));
        let arns = ecs
            .block_on(ecs.client().list_services().cluster(&cluster_arn).send())
            .unwrap_or_else(|e| panic!("ListServices {cluster_arn}: {e:?}"))
            .service_arns
            .unwrap_or_default();
        for arn in arns {
            let live = ecs
                .describe_service(&cluster_arn, &arn)
                .is_some_and(|s| matches!(s.status(), Some("ACTIVE")));
            if live {
                items.insert(item(SERVICE, &arn));
            }
        }
    }
    for arn in ecs.task_definition_arns(TaskDefinitionStatus::Active) {
        items.insert(item(TASK_DEFINITION, &arn));
    }

    // Every group id (rules naming other groups only repeat ids of real groups), less the
    // VPCs' `default` groups.
    let groups = ec2_query(moto, "DescribeSecurityGroups", &[]).unwrap_or_else(|e| panic!("{e}"));
    let defaults = ec2_query(
        moto,
        "DescribeSecurityGroups",
        &[
            ("Filter.1.Name", "group-name"),
            ("Filter.1.Value.1", "default"),
        ],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let defaults = xml_values(&defaults, "groupId");
    for id in xml_values(&groups, "groupId") {
        if !defaults.contains(&id) {
            items.insert(item(SECURITY_GROUP, &id));
        }
    }

    let lbs = elbv2_query(moto, "DescribeLoadBalancers", &[]).unwrap_or_else(|e| panic!("{e}"));
    for lb in xml_values(&lbs, "LoadBalancerArn") {
        let listeners = elbv2_query(moto, "DescribeListeners", &[("LoadBalancerArn", &lb)])
            .unwrap_or_else(|e| panic!("{e}"));
        for l in xml_values(&listeners, "ListenerArn") {
            items.insert(item(LISTENER, &l));
        }
        items.insert(item(LOAD_BALANCER, &lb));
    }
    let tgs = elbv2_query(moto, "DescribeTargetGroups", &[]).unwrap_or_else(|e| panic!("{e}"));
    for tg in xml_values(&tgs, "TargetGroupArn") {
        items.insert(item(TARGET_GROUP, &tg));
    }
    for name in parameter_names(moto) {
        items.insert(item(PARAMETER, &name));
    }
    // Roles of ours (moto holds no others but AWS's service-linked ones).
    let roles =
        iam_query(moto, "ListRoles", &[("MaxItems", "1000")]).unwrap_or_else(|e| panic!("{e}"));
    for name in xml_values(&roles, "RoleName") {
        if !name.starts_with("AWSServiceRole") {
            items.insert(item(ROLE, &name));
        }
    }
    for name in log_group_names(moto) {
        items.insert(item(LOG_GROUP, &name));
    }
    items
}

/// Every CloudWatch Logs group's name.
fn log_group_names(moto: SocketAddr) -> Vec<String> {
    let mut names = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let mut body = serde_json::json!({"limit": 50});
        if let Some(token) = &next {
            body["nextToken"] = Value::String(token.clone());
        }
        let page = logs_call(moto, "DescribeLogGroups", &body).unwrap_or_else(|e| panic!("{e}"));
        for g in page["logGroups"].as_array().into_iter().flatten() {
            if let Some(name) = g["logGroupName"].as_str() {
                names.push(name.to_string());
            }
        }
        match page["nextToken"].as_str() {
            Some(token) if !token.is_empty() => next = Some(token.to_string()),
            _ => return names,
        }
    }
}

/// Every SSM parameter's name (the stack program keeps its secrets there; moto's
/// DescribeParameters answers no ARN).
fn parameter_names(moto: SocketAddr) -> Vec<String> {
    let mut names = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let mut body = serde_json::json!({"MaxResults": 50});
        if let Some(token) = &next {
            body["NextToken"] = Value::String(token.clone());
        }
        let page = ssm_call(moto, "DescribeParameters", &body).unwrap_or_else(|e| panic!("{e}"));
        for p in page["Parameters"].as_array().into_iter().flatten() {
            if let Some(name) = p["Name"].as_str() {
                names.push(name.to_string());
            }
        }
        match page["NextToken"].as_str() {
            Some(token) if !token.is_empty() => next = Some(token.to_string()),
            _ => return names,
        }
    }
}

fn plain_str(v: &Value) -> Option<&str> {
    v.as_str().filter(|s| !s.is_empty())
}

/// Every resource of ours the state (`pulumi stack export`) holds, by the same identities.
pub fn state_inventory(export: &Value) -> BTreeSet<Item> {
    let mut items = BTreeSet::new();
    let resources = export["deployment"]["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for r in &resources {
        let Some(ty) = r["type"].as_str().filter(|t| t.starts_with("fargate:")) else {
            continue;
        };
        if ty.starts_with("pulumi:providers:") || r["delete"] == Value::Bool(true) {
            continue;
        }
        let outputs = &r["outputs"];
        match ty {
            TASK_DEFINITION => {
                if let Some(arn) = plain_str(&outputs["arn"]) {
                    items.insert((ty.to_string(), arn.to_string()));
                }
                for prev in outputs["previousRevisions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(plain_str)
                {
                    items.insert((ty.to_string(), prev.to_string()));
                }
            }
            PARAMETER | ROLE | LOG_GROUP => {
                if let Some(name) = plain_str(&outputs["name"]) {
                    items.insert((ty.to_string(), name.to_string()));
                }
            }
            SECURITY_GROUP => {
                if let Some(id) = plain_str(&r["id"]) {
                    items.insert((ty.to_string(), id.to_string()));
                }
            }
            _ => {
                if let Some(arn) = plain_str(&outputs["arn"]).or_else(|| plain_str(&r["id"])) {
                    items.insert((ty.to_string(), arn.to_string()));
                }
            }
        }
    }
    items
}

/// Pending operations recorded in the state (`pending_operations`).
pub fn pending_operations(export: &Value) -> Vec<Value> {
    export["deployment"]["pending_operations"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Compares moto with the state.
pub fn reconcile(moto: SocketAddr, export: &Value) -> Reconciliation {
    let live = moto_inventory(moto);
    let state = state_inventory(export);
    Reconciliation {
        matched: live.intersection(&state).cloned().collect(),
        orphans: live.difference(&state).cloned().collect(),
        lost: state.difference(&live).cloned().collect(),
        pending_operations: pending_operations(export).len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn state_identities_by_type() {
        let export = json!({"deployment": {"resources": [
            {"type": "pulumi:pulumi:Stack", "urn": "s"},
            {"type": "pulumi:providers:fargate", "id": "p"},
            {"type": CLUSTER, "id": "arn:c", "outputs": {"arn": "arn:c"}},
            {"type": TASK_DEFINITION, "id": "fam", "outputs": {"arn": "arn:td:2", "previousRevisions": ["arn:td:1"]}},
            {"type": SECURITY_GROUP, "id": "sg-1", "outputs": {"arn": "arn:sg"}},
            {"type": SERVICE, "id": "arn:s", "outputs": {"arn": "arn:s"}, "delete": true},
        ], "pending_operations": [{"type": "creating"}]}});
        let items = state_inventory(&export);
        let ids: Vec<&str> = items.iter().map(|(_, id)| id.as_str()).collect();
        assert_eq!(ids, vec!["sg-1", "arn:c", "arn:td:1", "arn:td:2"]);
        assert_eq!(pending_operations(&export).len(), 1);
    }
}
