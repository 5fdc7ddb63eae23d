//! Just enough of moto's JSON-protocol APIs (CloudWatch Logs, ECR: `X-Amz-Target` header,
//! JSON body and answer) for tests to look at, or change behind Pulumi's back, what the
//! provider made. Plain HTTP/1.0 on loopback; moto does not check signatures, the
//! `Authorization` header only routes the request to the service's backend.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use serde_json::Value;

use crate::aws::{ACCESS_KEY_ID, REGION};

const TIMEOUT: Duration = Duration::from_secs(30);

/// One CloudWatch Logs call (`PutRetentionPolicy`, `DescribeLogGroups`, …): the JSON answer
/// of a 200, else the whole answer as the error.
pub fn logs_call(moto: SocketAddr, operation: &str, body: &Value) -> Result<Value, String> {
    json_call(moto, "logs", &format!("Logs_20140328.{operation}"), body)
}

/// One ECR call (`PutImage`, `GetLifecyclePolicy`, …), same shape as [`logs_call`].
pub fn ecr_call(moto: SocketAddr, operation: &str, body: &Value) -> Result<Value, String> {
    json_call(
        moto,
        "ecr",
        &format!("AmazonEC2ContainerRegistry_V20150921.{operation}"),
        body,
    )
}

/// A JSON 1.1 protocol call; `service` is the SigV4 scope moto routes on.
fn json_call(moto: SocketAddr, service: &str, target: &str, body: &Value) -> Result<Value, String> {
    let body = body.to_string();
    let request = format!(
        "POST / HTTP/1.0\r\nHost: {moto}\r\n\
         Content-Type: application/x-amz-json-1.1\r\n\
         X-Amz-Target: {target}\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential={ACCESS_KEY_ID}/20260101/{REGION}/{service}/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let fail = |e: std::io::Error| format!("{target} to moto at {moto}: {e}");
    let mut stream = TcpStream::connect_timeout(&moto, TIMEOUT).map_err(fail)?;
    stream.set_read_timeout(Some(TIMEOUT)).map_err(fail)?;
    stream.set_write_timeout(Some(TIMEOUT)).map_err(fail)?;
    stream.write_all(request.as_bytes()).map_err(fail)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(fail)?;
    let response = String::from_utf8_lossy(&raw).into_owned();
    let (head, answer) = response
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("{target}: not an HTTP response: {response:?}"))?;
    let status = head.split(' ').nth(1).unwrap_or_default();
    if status != "200" {
        return Err(format!("{target} answered {status}:\n{response}"));
    }
    if answer.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(answer)
        .map_err(|e| format!("{target}: answer is not JSON ({e}): {answer}"))
}
