//! Just enough of moto's Application Auto Scaling API (awsJson 1.1, `AnyScaleFrontendService`)
//! for tests to look at and change scalable targets and policies behind Pulumi's back. Plain
//! HTTP/1.0 on loopback; moto does not check signatures, the `Authorization` header only routes
//! the request to its backend.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use serde_json::Value;

use crate::aws::{ACCESS_KEY_ID, REGION};

const TIMEOUT: Duration = Duration::from_secs(30);

/// One Application Auto Scaling call, e.g. `("DescribeScalableTargets", {"ServiceNamespace":
/// "ecs"})`; the JSON answer, or moto's whole answer as the error.
pub fn autoscaling_call(moto: SocketAddr, action: &str, body: &Value) -> Result<Value, String> {
    let body = body.to_string();
    let request = format!(
        "POST / HTTP/1.0\r\nHost: {moto}\r\n\
         Content-Type: application/x-amz-json-1.1\r\n\
         X-Amz-Target: AnyScaleFrontendService.{action}\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential={ACCESS_KEY_ID}/20260101/{REGION}/application-autoscaling/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let fail =
        |e: std::io::Error| format!("application-autoscaling:{action} to moto at {moto}: {e}");
    let mut stream = TcpStream::connect_timeout(&moto, TIMEOUT).map_err(fail)?;
    stream.set_read_timeout(Some(TIMEOUT)).map_err(fail)?;
    stream.set_write_timeout(Some(TIMEOUT)).map_err(fail)?;
    stream.write_all(request.as_bytes()).map_err(fail)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(fail)?;
    let response = String::from_utf8_lossy(&raw).into_owned();
    let (head, json) = response.split_once("\r\n\r\n").ok_or_else(|| {
        format!("application-autoscaling:{action}: not an HTTP response: {response:?}")
    })?;
    if head.split(' ').nth(1) != Some("200") {
        return Err(format!(
            "application-autoscaling:{action} failed:\n{response}"
        ));
    }
    if json.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(json).map_err(|e| format!("application-autoscaling:{action}: {e}: {json}"))
}

/// The ECS scalable target of `resource_id` (`service/<cluster>/<service>`), if registered.
pub fn ecs_scalable_target(moto: SocketAddr, resource_id: &str) -> Option<Value> {
    let out = autoscaling_call(
        moto,
        "DescribeScalableTargets",
        &serde_json::json!({"ServiceNamespace": "ecs", "ResourceIds": [resource_id]}),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    out["ScalableTargets"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["ResourceId"] == resource_id))
        .cloned()
}

/// The scaling policies of an ECS scalable target (exactly this resource id).
pub fn ecs_scaling_policies(moto: SocketAddr, resource_id: &str) -> Vec<Value> {
    let out = autoscaling_call(
        moto,
        "DescribeScalingPolicies",
        &serde_json::json!({"ServiceNamespace": "ecs", "ResourceId": resource_id}),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    out["ScalingPolicies"]
        .as_array()
        .map(|p| {
            p.iter()
                .filter(|p| p["ResourceId"] == resource_id)
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}
