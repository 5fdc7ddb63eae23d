//! What a run killed mid-`up` left in the state (see RELIABILITY.md): every pending create,
//! looked up in AWS by the name its inputs carry, so a test can tell whether the interrupted
//! create happened before the next `up` adopts it.

use std::net::SocketAddr;

use serde_json::Value;

use crate::aws::EcsProbe;
use crate::ec2::{ec2_query, elbv2_query, xml_values};
use crate::faults::inventory::{
    CLUSTER, LOAD_BALANCER, SECURITY_GROUP, SERVICE, TARGET_GROUP, TASK_DEFINITION,
    pending_operations,
};

/// One interrupted create: its URN, type, and the id found in AWS (`None`: it does not exist).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingCreate {
    pub urn: String,
    pub type_token: String,
    pub id: Option<String>,
}

fn input<'a>(resource: &'a Value, key: &str) -> Option<&'a str> {
    resource["inputs"][key].as_str().filter(|s| !s.is_empty())
}

/// The provider id of a resource whose create was interrupted, looked up by the name in its
/// inputs (what Check had settled before Create began).
fn find_id(moto: SocketAddr, resource: &Value) -> Option<String> {
    let ty = resource["type"].as_str()?;
    let ecs = || EcsProbe::new(&format!("http://{moto}"));
    match ty {
        CLUSTER => {
            let c = ecs().describe_cluster(input(resource, "name")?)?;
            (c.status() == Some("ACTIVE")).then(|| c.cluster_arn().map(str::to_string))?
        }
        SERVICE => {
            let s =
                ecs().describe_service(input(resource, "cluster")?, input(resource, "name")?)?;
            (s.status() == Some("ACTIVE")).then(|| s.service_arn().map(str::to_string))?
        }
        // The id of a task definition is its family.
        TASK_DEFINITION => {
            let family = input(resource, "family")?;
            let probe = ecs();
            let found = probe
                .block_on(
                    probe
                        .client()
                        .list_task_definitions()
                        .family_prefix(family)
                        .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
                        .send(),
                )
                .ok()?;
            found
                .task_definition_arns()
                .iter()
                .any(|arn| {
                    arn.rsplit_once('/')
                        .and_then(|(_, fr)| fr.rsplit_once(':'))
                        .map(|(f, _)| f)
                        == Some(family)
                })
                .then(|| family.to_string())
        }
        SECURITY_GROUP => {
            let xml = ec2_query(
                moto,
                "DescribeSecurityGroups",
                &[
                    ("Filter.1.Name", "group-name"),
                    ("Filter.1.Value.1", input(resource, "name")?),
                    ("Filter.2.Name", "vpc-id"),
                    ("Filter.2.Value.1", input(resource, "vpcId")?),
                ],
            )
            .ok()?;
            xml_values(&xml, "groupId").into_iter().next()
        }
        TARGET_GROUP => {
            let xml = elbv2_query(
                moto,
                "DescribeTargetGroups",
                &[("Names.member.1", input(resource, "name")?)],
            )
            .ok()?;
            xml_values(&xml, "TargetGroupArn").into_iter().next()
        }
        LOAD_BALANCER => {
            let xml = elbv2_query(
                moto,
                "DescribeLoadBalancers",
                &[("Names.member.1", input(resource, "name")?)],
            )
            .ok()?;
            xml_values(&xml, "LoadBalancerArn").into_iter().next()
        }
        _ => None,
    }
}

/// Every pending create of the state, with the id found in moto.
pub fn pending_creates(moto: SocketAddr, export: &Value) -> Vec<PendingCreate> {
    pending_operations(export)
        .iter()
        .filter(|op| op["type"] == "creating")
        .map(|op| {
            let resource = &op["resource"];
            PendingCreate {
                urn: resource["urn"].as_str().unwrap_or_default().to_string(),
                type_token: resource["type"].as_str().unwrap_or_default().to_string(),
                id: find_id(moto, resource),
            }
        })
        .collect()
}
