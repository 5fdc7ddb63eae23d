//! `fargate:ec2:getNetwork` — a VPC and its subnets, so a stack can run with no network ids
//! configured (the default VPC), or pick a VPC by id or tags.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::aws::ec2 as ec2_api;
use crate::context::Ctx;
use crate::error::{CheckFailure, ProviderError, Result};
use crate::function::Function;
use crate::resource::is_known;

pub struct GetNetwork;

/// Looks up a VPC and its subnets: the account's default VPC, or one chosen by id or tags.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "GetNetworkArgs")]
pub struct GetNetworkArgs {
    /// VPC id (`vpc-...`). Leave out (with `tags`) to use the default VPC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    /// Tags the VPC must carry (all of them), when not giving `vpcId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// A subnet of the VPC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubnetInfo {
    /// Subnet id.
    pub id: String,
    /// Availability zone, e.g. `eu-central-1a`.
    pub availability_zone: String,
    /// IPv4 CIDR block.
    pub cidr_block: String,
    /// Instances launched here get a public IP by default (a public subnet).
    pub map_public_ip_on_launch: bool,
}

/// The VPC found and its subnets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "GetNetworkResult")]
pub struct GetNetworkOutput {
    /// VPC id.
    pub vpc_id: String,
    /// IPv4 CIDR block of the VPC.
    pub cidr_block: String,
    /// Ids of the VPC's subnets, ordered by availability zone then id.
    pub subnet_ids: Vec<String>,
    /// The subnets with their availability zones.
    pub subnets: Vec<SubnetInfo>,
    /// Distinct availability zones of the subnets, sorted.
    pub availability_zones: Vec<String>,
}

#[async_trait]
impl Function for GetNetwork {
    const TOKEN: &'static str = "fargate:ec2:getNetwork";
    type Args = GetNetworkArgs;
    type Output = GetNetworkOutput;

    fn check(&self, args: &GetNetworkArgs) -> Vec<CheckFailure> {
        let mut failures = Vec::new();
        if let Some(id) = args.vpc_id.as_deref().filter(|v| is_known(v))
            && !id.starts_with("vpc-")
        {
            failures.push(CheckFailure::new(
                "vpcId",
                format!("`{id}` is not a VPC id (vpc-...)"),
            ));
        }
        if args.vpc_id.is_some() && args.tags.is_some() {
            failures.push(CheckFailure::new(
                "tags",
                "give either vpcId or tags, not both",
            ));
        }
        failures
    }

    async fn invoke(&self, ctx: &Ctx, args: GetNetworkArgs) -> Result<GetNetworkOutput> {
        let ec2 = ctx.aws.ec2().await?;
        let vpcs = ec2_api::find_vpcs(ec2, args.vpc_id.as_deref(), args.tags.as_ref()).await?;
        let what = match (&args.vpc_id, &args.tags) {
            (Some(id), _) => format!("VPC {id}"),
            (None, Some(tags)) => format!("a VPC tagged {tags:?}"),
            (None, None) => "the default VPC".to_string(),
        };
        let vpc = match vpcs.as_slice() {
            [one] => one.clone(),
            [] => {
                return Err(ProviderError::NotFound(format!(
                    "getNetwork: found no {what}{}",
                    if args.vpc_id.is_none() && args.tags.is_none() {
                        "; this account/region has none, so give vpcId or tags"
                    } else {
                        ""
                    }
                )));
            }
            many => {
                return Err(ProviderError::Validation(vec![CheckFailure::new(
                    "tags",
                    format!(
                        "{} VPCs match ({}); narrow the tags or give vpcId",
                        many.len(),
                        many.iter()
                            .map(|v| v.vpc_id().unwrap_or_default())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )]));
            }
        };
        let vpc_id = vpc.vpc_id().unwrap_or_default().to_string();
        let mut subnets: Vec<SubnetInfo> = ec2_api::subnets_of(ec2, &vpc_id)
            .await?
            .iter()
            .map(|s| SubnetInfo {
                id: s.subnet_id().unwrap_or_default().to_string(),
                availability_zone: s.availability_zone().unwrap_or_default().to_string(),
                cidr_block: s.cidr_block().unwrap_or_default().to_string(),
                map_public_ip_on_launch: s.map_public_ip_on_launch().unwrap_or(false),
            })
            .collect();
        subnets.sort_by(|a, b| (&a.availability_zone, &a.id).cmp(&(&b.availability_zone, &b.id)));
        let availability_zones: BTreeSet<String> = subnets
            .iter()
            .map(|s| s.availability_zone.clone())
            .collect();
        Ok(GetNetworkOutput {
            cidr_block: vpc.cidr_block().unwrap_or_default().to_string(),
            subnet_ids: subnets.iter().map(|s| s.id.clone()).collect(),
            availability_zones: availability_zones.into_iter().collect(),
            subnets,
            vpc_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argument_checks() {
        let bad = GetNetworkArgs {
            vpc_id: Some("subnet-1".into()),
            tags: Some(BTreeMap::new()),
        };
        let f = GetNetwork.check(&bad);
        assert_eq!(f[0].property, "vpcId");
        assert!(f[0].reason.contains("subnet-1"));
        assert_eq!(f[1].property, "tags");
        assert!(GetNetwork.check(&GetNetworkArgs::default()).is_empty());
    }
}
