//! No orphan when the provider dies mid-create.
//!
//! When the provider process is killed (SIGKILL, OOM) while AWS is creating a resource, the
//! engine records the create as failed, yet AWS may have made the resource. Without help the
//! next `up` would make a second one under a fresh auto-name and the first would run on,
//! unmanaged. Two marks prevent that:
//!
//! - **A journal of creates in flight** (one small file per URN under
//!   `$PULUMI_HOME/fargate/creates-in-flight/`), written just before the create call and
//!   removed when Create answers — success or error. A file left behind means the provider
//!   died mid-create. Check then reuses the name that create used, instead of a fresh
//!   auto-name, and Create looks for the resource under that name first.
//! - **A tag carrying the URN** ([`URN_TAG`]), set in the create request itself, so AWS
//!   makes the resource and its mark together. Only a resource with exactly our URN is
//!   adopted: never one of another stack (the URN names project and stack), of another
//!   resource of this stack (the URN names type and resource), nor one made outside Pulumi.
//!
//! Why the journal and not the tag alone: a create-before-delete replacement (also
//! `pulumi up --replace`) creates a new resource while the old one, with the same URN tag,
//! still exists; the engine tells the provider nothing that tells these apart. The journal
//! only ever names creates that never answered, so the old resource of a replacement is
//! never a candidate. The normal path costs no AWS call at all: the lookup (one read by name,
//! two where tags are a separate call: ELBv2, log groups, ECR) runs only when the journal names
//! an unfinished create of this URN.
//!
//! A task definition's update registers a new revision, an AWS object of its own: updates of
//! task definitions are journalled too, and after an interrupted create or update the
//! family's ACTIVE revisions that carry our mark but that the state does not hold are
//! deregistered.
//!
//! The journal lives on the machine that ran the failed `up` (the same `PULUMI_HOME`). A
//! retry elsewhere does not adopt; RELIABILITY.md gives the lookup by tag for that case.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::aws::{ec2 as ec2_api, ecs as ecs_api, ecs_service, elbv2 as elb_api};
use crate::context::Ctx;
use crate::error::Result;
use crate::resource::DynResource;

/// The tag that carries the URN of the Pulumi resource a create was for. Read paths leave it
/// out of `tagsAll` and the inputs: it is the provider's, not the program's.
pub const URN_TAG: &str = "fargate:urn";

/// AWS tag values (ECS, ELBv2) allow letters, digits, spaces and `_ . : / = + - @`, at most
/// 256 characters. A URN that fits is carried verbatim (readable in the console); one with
/// other characters (`$` between parent and child types) or too long is carried as a hash.
pub fn urn_tag_value(urn: &str) -> String {
    let allowed = |c: char| c.is_alphanumeric() || c == ' ' || "_.:/=+-@".contains(c);
    if urn.chars().count() <= 256 && urn.chars().all(allowed) {
        urn.to_string()
    } else {
        format!("urn-fnv64:{:016x}", fnv64(urn.as_bytes()))
    }
}

fn fnv64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The tags a create request sends: the resource's tags plus the URN mark.
pub fn marked(ctx: &Ctx, tags_all: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut tags = tags_all.clone();
    tags.insert(URN_TAG.to_string(), urn_tag_value(ctx.log.urn()));
    tags
}

/// One create in flight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InFlight {
    pub urn: String,
    #[serde(rename = "type")]
    pub type_token: String,
    /// The name (`name`, or `family` for task definitions) the create asked AWS for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// The journal of creates in flight: a directory with one JSON file per URN.
#[derive(Debug, Clone)]
pub struct Journal {
    dir: PathBuf,
}

impl Journal {
    /// `$PULUMI_HOME/fargate/creates-in-flight`, else `~/.pulumi/…` — where the CLI keeps its
    /// own files, so it is the same for every run of this user on this machine.
    pub fn from_env() -> Option<Journal> {
        let home = std::env::var_os("PULUMI_HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".pulumi")))?;
        Some(Journal::at(home.join("fargate").join("creates-in-flight")))
    }

    pub fn at(dir: PathBuf) -> Journal {
        Journal { dir }
    }

    fn file(&self, urn: &str) -> PathBuf {
        self.dir
            .join(format!("{:016x}.json", fnv64(urn.as_bytes())))
    }

    /// The unfinished create of `urn` a dead provider left, if any.
    pub fn in_flight(&self, urn: &str) -> Option<InFlight> {
        let text = std::fs::read(self.file(urn)).ok()?;
        serde_json::from_slice::<InFlight>(&text)
            .ok()
            .filter(|e| e.urn == urn)
    }

    /// Records a create about to be sent. Best effort: without the record a crash leaves an
    /// orphan, as before, so a failure is logged rather than failing the create.
    pub fn begin(&self, entry: &InFlight) {
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(&self.dir)?;
            let file = self.file(&entry.urn);
            // Write then rename: a reader never sees half a file.
            let tmp = file.with_extension(format!("tmp{}", std::process::id()));
            std::fs::write(&tmp, serde_json::to_vec(entry)?)?;
            std::fs::rename(&tmp, &file)
        };
        if let Err(e) = write() {
            tracing::warn!(
                "recording the create of {} in {:?}: {e}",
                entry.urn,
                self.dir
            );
        }
    }

    /// The create answered (whatever the outcome): nothing is in flight any more.
    pub fn finish(&self, urn: &str) {
        match std::fs::remove_file(self.file(urn)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!("clearing the create record of {urn}: {e}"),
        }
    }
}

/// The name-like input a create asks AWS for.
pub fn requested_name(inputs: &Json) -> Option<String> {
    ["name", "family"]
        .iter()
        .find_map(|k| inputs.get(*k).and_then(Json::as_str))
        .map(str::to_string)
}

/// The name Check should give a resource whose program set none: the one an unfinished
/// create of the same URN and type used, so a retry finds what that create made.
pub fn name_of_unfinished_create(urn: &str, type_token: &str) -> Option<String> {
    Journal::from_env()?
        .in_flight(urn)
        .filter(|e| e.type_token == type_token)
        .and_then(|e| e.name)
}

fn text<'a>(inputs: &'a Json, key: &str) -> Option<&'a str> {
    inputs
        .get(key)
        .and_then(Json::as_str)
        .filter(|s| !s.is_empty())
}

/// The id of a resource that carries `ctx`'s URN mark and matches `inputs`' name (and scope:
/// cluster, VPC, load balancer), or `None`.
pub async fn find_marked(ctx: &Ctx, type_token: &str, inputs: &Json) -> Result<Option<String>> {
    let mark = urn_tag_value(ctx.log.urn());
    let marked_ecs = |tags: &[aws_sdk_ecs::types::Tag]| {
        tags.iter()
            .any(|t| t.key() == Some(URN_TAG) && t.value() == Some(mark.as_str()))
    };
    match type_token {
        "fargate:ecs:Cluster" => {
            let Some(name) = text(inputs, "name") else {
                return Ok(None);
            };
            let ecs = ctx.aws.ecs().await?;
            Ok(ecs_api::find_cluster(ecs, name)
                .await?
                .filter(|c| c.status() == Some("ACTIVE") && marked_ecs(c.tags()))
                .and_then(|c| c.cluster_arn().map(str::to_string)))
        }
        "fargate:ecs:Service" => {
            let (Some(cluster), Some(name)) = (text(inputs, "cluster"), text(inputs, "name"))
            else {
                return Ok(None);
            };
            let ecs = ctx.aws.ecs().await?;
            // A DRAINING service is on its way out: not something to adopt.
            Ok(ecs_service::find_service(ecs, cluster, name)
                .await?
                .filter(|s| s.status() == Some("ACTIVE") && marked_ecs(s.tags()))
                .and_then(|s| s.service_arn().map(str::to_string)))
        }
        "fargate:ecs:TaskDefinition" => {
            let Some(family) = text(inputs, "family") else {
                return Ok(None);
            };
            let ecs = ctx.aws.ecs().await?;
            // The id of a task definition is its family.
            Ok(ecs_api::revision_if_tagged(ecs, family, URN_TAG, &mark)
                .await?
                .map(|_| family.to_string()))
        }
        "fargate:ec2:SecurityGroup" => {
            let (Some(vpc), Some(name)) = (text(inputs, "vpcId"), text(inputs, "name")) else {
                return Ok(None);
            };
            let ec2 = ctx.aws.ec2().await?;
            Ok(ec2_api::find_security_group_by_name(ec2, name, vpc)
                .await?
                .filter(|g| {
                    g.tags()
                        .iter()
                        .any(|t| t.key() == Some(URN_TAG) && t.value() == Some(mark.as_str()))
                })
                .and_then(|g| g.group_id().map(str::to_string)))
        }
        "fargate:lb:LoadBalancer" | "fargate:lb:TargetGroup" | "fargate:lb:Listener" => {
            let elb = ctx.aws.elbv2().await?;
            let arn = match type_token {
                "fargate:lb:LoadBalancer" => match text(inputs, "name") {
                    Some(name) => elb_api::load_balancer_arn_named(elb, name).await?,
                    None => None,
                },
                "fargate:lb:TargetGroup" => match text(inputs, "name") {
                    Some(name) => elb_api::target_group_arn_named(elb, name).await?,
                    None => None,
                },
                _ => match (
                    text(inputs, "loadBalancerArn"),
                    inputs.get("port").and_then(Json::as_u64),
                ) {
                    (Some(lb), Some(port)) => elb_api::listener_arn_on_port(elb, lb, port).await?,
                    _ => None,
                },
            };
            let Some(arn) = arn else { return Ok(None) };
            let tags = elb_api::raw_tags_of(elb, &arn).await?;
            Ok(tags
                .iter()
                .any(|t| t.key() == Some(URN_TAG) && t.value() == Some(mark.as_str()))
                .then_some(arn))
        }
        "fargate:iam:Role"
        | "fargate:logs:LogGroup"
        | "fargate:ecr:Repository"
        | "fargate:ssm:Parameter" => match text(inputs, "name") {
            Some(name) => find_marked_by_name(ctx, type_token, name, &mark).await,
            None => Ok(None),
        },
        _ => Ok(None),
    }
}

/// [`find_marked`] for the resources whose id is their name (role, log group, repository,
/// parameter): the name if that resource carries `mark`.
async fn find_marked_by_name(
    ctx: &Ctx,
    type_token: &str,
    name: &str,
    mark: &str,
) -> Result<Option<String>> {
    let marked = match type_token {
        "fargate:iam:Role" => {
            let iam = ctx.aws.iam().await?;
            crate::aws::iam::find_role(iam, name)
                .await?
                .is_some_and(|r| crate::aws::iam::has_mark(&r, mark))
        }
        "fargate:logs:LogGroup" => {
            let logs = ctx.aws.logs().await?;
            // Its tags are a separate call.
            match crate::aws::logs::find_log_group(logs, name).await? {
                Some(group) => {
                    let arn = crate::aws::logs::group_arn(&group);
                    let tags = crate::aws::logs::raw_tags_of(logs, &arn).await?;
                    tags.get(URN_TAG).is_some_and(|v| v == mark)
                }
                None => false,
            }
        }
        "fargate:ecr:Repository" => {
            let ecr = ctx.aws.ecr().await?;
            // Its tags are a separate call.
            match crate::aws::ecr::find_repository(ecr, name).await? {
                Some(repo) => {
                    let arn = repo.repository_arn().unwrap_or_default();
                    let tags = crate::aws::ecr::raw_tags_of(ecr, arn).await?;
                    tags.get(URN_TAG).is_some_and(|v| v == mark)
                }
                None => false,
            }
        }
        "fargate:ssm:Parameter" => {
            let ssm = ctx.aws.ssm().await?;
            if crate::aws::ssm::find_parameter(ssm, name).await?.is_none() {
                return Ok(None);
            }
            let tags = crate::aws::ssm::tags_of(ssm, name).await?;
            tags.get(URN_TAG).is_some_and(|v| v == mark)
        }
        _ => false,
    };
    Ok(marked.then(|| name.to_string()))
}

/// Create, or — when an earlier create of this URN never answered and made its resource —
/// adopt that resource and bring it to `inputs` (read, then the ordinary update).
pub async fn create_or_adopt(
    resource: &dyn DynResource,
    ctx: &Ctx,
    inputs: Json,
) -> Result<(String, Json)> {
    let urn = ctx.log.urn().to_string();
    let type_token = resource.token();
    let Some(journal) = Journal::from_env() else {
        return resource.create(ctx, inputs, false).await;
    };
    let unfinished = journal
        .in_flight(&urn)
        .filter(|e| e.type_token == type_token);
    journal.begin(&InFlight {
        urn: urn.clone(),
        type_token: type_token.to_string(),
        name: requested_name(&inputs),
    });
    let result = async {
        if unfinished.is_some()
            && let Some(id) = find_marked(ctx, type_token, &inputs).await?
            && let Some(adopted) = adopt(resource, ctx, &id, inputs.clone()).await?
        {
            return Ok(adopted);
        }
        resource.create(ctx, inputs, false).await
    }
    .await;
    if unfinished.is_some()
        && let Ok((_, outputs)) = &result
    {
        deregister_unknown_revisions(ctx, type_token, outputs).await;
    }
    journal.finish(&urn);
    result
}

/// Update, journalled like a create where an update makes a new AWS object (a task
/// definition's new revision): after an update the provider did not live to answer, the
/// revision it registered is found by its URN mark and deregistered.
pub async fn update_tracked(
    resource: &dyn DynResource,
    ctx: &Ctx,
    id: &str,
    olds: Json,
    news: Json,
) -> Result<Json> {
    let type_token = resource.token();
    let journal = Journal::from_env().filter(|_| type_token == TASK_DEFINITION);
    let Some(journal) = journal else {
        return resource.update(ctx, id, olds, news, false).await;
    };
    let urn = ctx.log.urn().to_string();
    let unfinished = journal.in_flight(&urn).is_some();
    journal.begin(&InFlight {
        urn: urn.clone(),
        type_token: type_token.to_string(),
        name: requested_name(&news),
    });
    let result = resource.update(ctx, id, olds, news, false).await;
    if unfinished && let Ok(outputs) = &result {
        deregister_unknown_revisions(ctx, type_token, outputs).await;
    }
    journal.finish(&urn);
    result
}

const TASK_DEFINITION: &str = "fargate:ecs:TaskDefinition";

/// Deregisters the family's ACTIVE revisions that carry this resource's URN mark but that its
/// outputs do not hold (current and kept revisions): what an interrupted registration left.
/// Runs only after an interrupted run; best effort (a failure is logged).
async fn deregister_unknown_revisions(ctx: &Ctx, type_token: &str, outputs: &Json) {
    if type_token != TASK_DEFINITION {
        return;
    }
    let Some(family) = text(outputs, "family") else {
        return;
    };
    let known: Vec<&str> = outputs
        .get("previousRevisions")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .chain(text(outputs, "arn"))
        .collect();
    let mark = urn_tag_value(ctx.log.urn());
    let sweep = async {
        let ecs = ctx.aws.ecs().await?;
        for arn in ecs_api::active_revisions(ecs, family).await? {
            if known.contains(&arn.as_str())
                || ecs_api::revision_if_tagged(ecs, &arn, URN_TAG, &mark)
                    .await?
                    .is_none()
            {
                continue;
            }
            ecs_api::deregister_task_definition(ecs, &arn).await?;
            ctx.log
                .warn(format!(
                    "deregistered {arn}: registered by an earlier run of this resource that was interrupted (its provider process ended before answering)"
                ))
                .await;
        }
        Ok::<_, crate::error::ProviderError>(())
    };
    if let Err(e) = sweep.await {
        tracing::warn!("looking for revisions of {family} an interrupted run left: {e}");
    }
}

async fn adopt(
    resource: &dyn DynResource,
    ctx: &Ctx,
    id: &str,
    inputs: Json,
) -> Result<Option<(String, Json)>> {
    let Some((_, found)) = resource.read(ctx, id, None, None).await? else {
        return Ok(None);
    };
    ctx.log
        .warn(format!(
            "adopting {id}: an earlier create of this resource was interrupted (its provider process ended before answering) after AWS made it"
        ))
        .await;
    let outputs = resource.update(ctx, id, found, inputs, false).await?;
    Ok(Some((id.to_string(), outputs)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urn_tag_value_is_the_urn_when_aws_allows_it() {
        let urn = "urn:pulumi:staging::sotex-backend::fargate:ecs:Service::api";
        assert_eq!(urn_tag_value(urn), urn);
        let nested = "urn:pulumi:staging::p::my:c:Comp$fargate:ecs:Service::api";
        let v = urn_tag_value(nested);
        assert!(v.starts_with("urn-fnv64:") && v.len() == 26, "{v}");
        assert_ne!(v, urn_tag_value(&nested.replace("api", "web")));
        assert!(urn_tag_value(&format!("urn:{}", "x".repeat(300))).starts_with("urn-fnv64:"));
    }

    #[test]
    fn journal_records_until_finished() {
        let dir = std::env::temp_dir().join(format!("fargate-journal-{}", std::process::id()));
        let journal = Journal::at(dir.clone());
        let urn = "urn:pulumi:dev::p::fargate:ecs:Cluster::main";
        assert_eq!(journal.in_flight(urn), None);
        let entry = InFlight {
            urn: urn.into(),
            type_token: "fargate:ecs:Cluster".into(),
            name: Some("main-1234567".into()),
        };
        journal.begin(&entry);
        assert_eq!(journal.in_flight(urn), Some(entry));
        assert_eq!(journal.in_flight(&format!("{urn}2")), None);
        journal.finish(urn);
        assert_eq!(journal.in_flight(urn), None);
        journal.finish(urn);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn requested_name_is_name_or_family() {
        assert_eq!(
            requested_name(&serde_json::json!({"name": "a"})),
            Some("a".into())
        );
        assert_eq!(
            requested_name(&serde_json::json!({"family": "f"})),
            Some("f".into())
        );
        assert_eq!(requested_name(&serde_json::json!({"port": 80})), None);
    }
}
