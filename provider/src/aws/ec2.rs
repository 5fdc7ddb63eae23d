//! EC2 access: VPCs, subnets and security groups (finders, conversions, named retries).

use std::collections::BTreeMap;

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{Filter, Subnet, Vpc};

use crate::error::{ProviderError, Result};

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

/// VPCs by id, by tags (all must match), or the default VPC when neither is given.
pub async fn find_vpcs(
    client: &Client,
    vpc_id: Option<&str>,
    tags: Option<&BTreeMap<String, String>>,
) -> Result<Vec<Vpc>> {
    let mut request = client.describe_vpcs();
    match (vpc_id, tags) {
        (Some(id), _) => request = request.filters(filter("vpc-id", id)),
        (None, Some(tags)) => {
            for (k, v) in tags {
                request = request.filters(filter(&format!("tag:{k}"), v));
            }
        }
        (None, None) => request = request.filters(filter("is-default", "true")),
    }
    let out = request
        .send()
        .await
        .map_err(|e| ProviderError::from_aws("ec2:DescribeVpcs", &e, &["InvalidVpcID.NotFound"]))?;
    Ok(out.vpcs().to_vec())
}

/// Every subnet of a VPC (paginated).
pub async fn subnets_of(client: &Client, vpc_id: &str) -> Result<Vec<Subnet>> {
    let mut subnets = Vec::new();
    let mut pages = client
        .describe_subnets()
        .filters(filter("vpc-id", vpc_id))
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| ProviderError::from_aws("ec2:DescribeSubnets", &e, &[]))?;
        subnets.extend(page.subnets().iter().cloned());
    }
    Ok(subnets)
}
