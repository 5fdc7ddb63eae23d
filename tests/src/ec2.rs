//! Just enough of moto's EC2 and ELBv2 query APIs (`Action=...&Version=2016-11-15`, XML answers) to find
//! the default VPC's subnets and security group, which ECS services must name. Plain HTTP/1.0
//! on loopback; moto does not check signatures, the `Authorization` header only routes the
//! request to its EC2 backend.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use crate::aws::{ACCESS_KEY_ID, REGION};

const EC2_API_VERSION: &str = "2016-11-15";
const ELBV2_API_VERSION: &str = "2015-12-01";
const TIMEOUT: Duration = Duration::from_secs(30);

/// moto's default VPC in `us-east-1`: one default subnet per availability zone and the VPC's
/// `default` security group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultNetwork {
    pub vpc_id: String,
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
}

/// Looks up the default VPC, its subnets and its `default` security group; panics with moto's
/// answer if any is missing.
pub fn default_network(moto: SocketAddr) -> DefaultNetwork {
    let vpcs = ec2_query(
        moto,
        "DescribeVpcs",
        &[
            ("Filter.1.Name", "is-default"),
            ("Filter.1.Value.1", "true"),
        ],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let vpc_id = xml_values(&vpcs, "vpcId")
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("moto has no default VPC:\n{vpcs}"));
    let subnets = ec2_query(
        moto,
        "DescribeSubnets",
        &[("Filter.1.Name", "vpc-id"), ("Filter.1.Value.1", &vpc_id)],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let subnet_ids = xml_values(&subnets, "subnetId");
    assert!(
        !subnet_ids.is_empty(),
        "no subnets in the default VPC {vpc_id}:\n{subnets}"
    );
    let groups = ec2_query(
        moto,
        "DescribeSecurityGroups",
        &[
            ("Filter.1.Name", "vpc-id"),
            ("Filter.1.Value.1", &vpc_id),
            ("Filter.2.Name", "group-name"),
            ("Filter.2.Value.1", "default"),
        ],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // The default group's ingress rule names the group itself: ids are deduplicated.
    let security_group_ids = xml_values(&groups, "groupId");
    assert!(
        security_group_ids.len() == 1,
        "expected one default security group in {vpc_id}, got {security_group_ids:?}:\n{groups}"
    );
    DefaultNetwork {
        vpc_id,
        subnet_ids,
        security_group_ids,
    }
}

/// One EC2 query-API call; the XML body of a 200 answer, else the whole answer as the error.
pub fn ec2_query(
    moto: SocketAddr,
    action: &str,
    params: &[(&str, &str)],
) -> Result<String, String> {
    query(moto, "ec2", EC2_API_VERSION, action, params)
}

/// One Elastic Load Balancing v2 query-API call (same shape as [`ec2_query`]).
pub fn elbv2_query(
    moto: SocketAddr,
    action: &str,
    params: &[(&str, &str)],
) -> Result<String, String> {
    query(
        moto,
        "elasticloadbalancing",
        ELBV2_API_VERSION,
        action,
        params,
    )
}

/// One IAM query-API call (same shape as [`ec2_query`]).
pub fn iam_query(
    moto: SocketAddr,
    action: &str,
    params: &[(&str, &str)],
) -> Result<String, String> {
    query(moto, "iam", "2010-05-08", action, params)
}

/// A query-protocol call; `service` is the SigV4 scope moto routes on.
fn query(
    moto: SocketAddr,
    service: &str,
    version: &str,
    action: &str,
    params: &[(&str, &str)],
) -> Result<String, String> {
    let mut body = format!("Action={action}&Version={version}");
    for (k, v) in params {
        body.push('&');
        body.push_str(&form_encode(k));
        body.push('=');
        body.push_str(&form_encode(v));
    }
    let request = format!(
        "POST / HTTP/1.0\r\nHost: {moto}\r\n\
         Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential={ACCESS_KEY_ID}/20260101/{REGION}/{service}/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let fail = |e: std::io::Error| format!("{service}:{action} to moto at {moto}: {e}");
    let mut stream = TcpStream::connect_timeout(&moto, TIMEOUT).map_err(fail)?;
    stream.set_read_timeout(Some(TIMEOUT)).map_err(fail)?;
    stream.set_write_timeout(Some(TIMEOUT)).map_err(fail)?;
    stream.write_all(request.as_bytes()).map_err(fail)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(fail)?;
    let response = String::from_utf8_lossy(&raw).into_owned();
    let (head, xml) = response
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("{service}:{action}: not an HTTP response: {response:?}"))?;
    let status = head.split(' ').nth(1).unwrap_or_default();
    if status != "200" {
        return Err(format!("{service}:{action} answered {status}:\n{response}"));
    }
    Ok(xml.to_string())
}

/// The text of every `<tag>...</tag>` element, in document order, without duplicates.
pub fn xml_values(xml: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut out: Vec<String> = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        rest = &rest[start + open.len()..];
        let Some(end) = rest.find(&close) else { break };
        let value = rest[..end].trim().to_string();
        rest = &rest[end + close.len()..];
        if !out.contains(&value) {
            out.push(value);
        }
    }
    out
}

/// `application/x-www-form-urlencoded` for the ASCII identifiers used here.
fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_in_order_without_duplicates() {
        let xml = "<a><item><groupId>sg-1</groupId><ipPermissions><item><groupId>sg-1</groupId></item></ipPermissions></item>\
                   <item><groupId> sg-2 </groupId></item></a>";
        assert_eq!(xml_values(xml, "groupId"), ["sg-1", "sg-2"]);
        assert!(xml_values(xml, "subnetId").is_empty());
        assert_eq!(xml_values("<x>1</x><x>", "x"), ["1"]);
    }

    #[test]
    fn form_encoding() {
        assert_eq!(form_encode("Filter.1.Value.1"), "Filter.1.Value.1");
        assert_eq!(form_encode("a b/c"), "a%20b%2Fc");
    }
}
