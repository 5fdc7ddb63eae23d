//! The documented recovery after a provider was killed mid-`up` (see RELIABILITY.md): every
//! pending create in the state is looked up in AWS by the name its inputs carry; the ones that
//! exist are imported (`pulumi refresh --import-pending-creates <urn> <id>`), the rest cleared
//! (`--clear-pending-creates`: their create never reached AWS).

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

/// The name at the end of a URN (`urn:pulumi:dev::proj::fargate:ecs:Service::api` → `api`).
pub fn urn_name(urn: &str) -> &str {
    urn.rsplit("::").next().unwrap_or(urn)
}

/// The `pulumi import` commands that adopt the interrupted creates which happened, under the
/// program's own names (so the next `up` finds them at their URNs):
/// `import <type> <name> <id> --yes --skip-preview --protect=false --generate-code=false`.
/// Run after `pulumi refresh --clear-pending-creates` (this CLI's
/// `--import-pending-creates` turns the operation into an import the refresh then drops).
pub fn import_commands(pending: &[PendingCreate]) -> Vec<Vec<String>> {
    pending
        .iter()
        .filter_map(|p| {
            let id = p.id.as_ref()?;
            Some(
                [
                    "import",
                    &p.type_token,
                    urn_name(&p.urn),
                    id,
                    "--yes",
                    "--skip-preview",
                    "--protect=false",
                    "--generate-code=false",
                ]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            )
        })
        .collect()
}

/// The recovery when only the provider died: the engine records the interrupted create as
/// failed (`error reading from server: EOF`, "exited prematurely"), so nothing is pending, yet
/// the create may have happened. What moto holds beyond the state (see
/// [`reconcile`](crate::faults::inventory::reconcile)) is what the interrupted run made; this
/// deletes it, as an operator would with the AWS CLI, before the next `up`.
pub fn delete_orphans(moto: SocketAddr, orphans: &std::collections::BTreeSet<(String, String)>) {
    let probe = EcsProbe::new(&format!("http://{moto}"));
    let client = probe.client().clone();
    // Dependents first: services before clusters, listeners before load balancers.
    let order = [
        SERVICE,
        TASK_DEFINITION,
        CLUSTER,
        crate::faults::inventory::LISTENER,
        LOAD_BALANCER,
        TARGET_GROUP,
        SECURITY_GROUP,
    ];
    for ty in order {
        for (_, id) in orphans.iter().filter(|(t, _)| t == ty) {
            let result = match ty {
                SERVICE => {
                    // arn:aws:ecs:<region>:<account>:service/<cluster>/<name>
                    let cluster = id.rsplit('/').nth(1).unwrap_or_default().to_string();
                    probe
                        .block_on(
                            client
                                .delete_service()
                                .cluster(cluster)
                                .service(id)
                                .force(true)
                                .send(),
                        )
                        .map(|_| ())
                        .map_err(|e| format!("{e:?}"))
                }
                TASK_DEFINITION => probe
                    .block_on(
                        client
                            .deregister_task_definition()
                            .task_definition(id)
                            .send(),
                    )
                    .map(|_| ())
                    .map_err(|e| format!("{e:?}")),
                CLUSTER => probe
                    .block_on(client.delete_cluster().cluster(id).send())
                    .map(|_| ())
                    .map_err(|e| format!("{e:?}")),
                SECURITY_GROUP => {
                    ec2_query(moto, "DeleteSecurityGroup", &[("GroupId", id)]).map(|_| ())
                }
                TARGET_GROUP => {
                    elbv2_query(moto, "DeleteTargetGroup", &[("TargetGroupArn", id)]).map(|_| ())
                }
                LOAD_BALANCER => {
                    elbv2_query(moto, "DeleteLoadBalancer", &[("LoadBalancerArn", id)]).map(|_| ())
                }
                _ => elbv2_query(moto, "DeleteListener", &[("ListenerArn", id)]).map(|_| ()),
            };
            if let Err(e) = result {
                panic!("deleting the orphan {ty} {id}: {e}");
            }
        }
    }
}
