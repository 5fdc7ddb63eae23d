//! Just enough of moto's SSM API (JSON 1.1, `X-Amz-Target: AmazonSSM.<Action>`) to check and
//! change parameters behind Pulumi's back. Plain HTTP/1.0 on loopback; moto does not check
//! signatures, the `Authorization` header only routes the request to its SSM backend.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use serde_json::Value;

use crate::aws::{ACCESS_KEY_ID, REGION};

const TIMEOUT: Duration = Duration::from_secs(30);

/// One SSM call; the answer's JSON, or the error answer as text.
pub fn ssm_call(moto: SocketAddr, action: &str, body: &Value) -> Result<Value, String> {
    let body = body.to_string();
    let request = format!(
        "POST / HTTP/1.0\r\nHost: {moto}\r\n\
         Content-Type: application/x-amz-json-1.1\r\n\
         X-Amz-Target: AmazonSSM.{action}\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential={ACCESS_KEY_ID}/20260101/{REGION}/ssm/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let fail = |e: std::io::Error| format!("ssm:{action} to moto at {moto}: {e}");
    let mut stream = TcpStream::connect_timeout(&moto, TIMEOUT).map_err(fail)?;
    stream.set_read_timeout(Some(TIMEOUT)).map_err(fail)?;
    stream.set_write_timeout(Some(TIMEOUT)).map_err(fail)?;
    stream.write_all(request.as_bytes()).map_err(fail)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(fail)?;
    let response = String::from_utf8_lossy(&raw).into_owned();
    let (head, json) = response
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("ssm:{action}: not an HTTP response: {response:?}"))?;
    let status = head.split(' ').nth(1).unwrap_or_default();
    if status != "200" {
        return Err(format!("ssm:{action} answered {status}:\n{json}"));
    }
    serde_json::from_str(json).map_err(|e| format!("ssm:{action}: {e}: {json}"))
}
