//! `FaultProxy`: a fault-injecting HTTP/1.1 proxy on loopback between the provider and the
//! emulator, built like [`AwsRecorder`](crate::AwsRecorder) (every request read whole, named
//! `service:Operation`, forwarded on a fresh upstream connection) with rules that replace the
//! answer to the first N matching requests:
//!
//! - [`FaultKind::Throttle`]: a throttling error **in the protocol's own format** — awsJson
//!   (`{"__type":"ThrottlingException"}` + `x-amzn-ErrorType`, ECS), query XML
//!   (`<ErrorResponse><Error><Code>Throttling</Code>`, ELBv2) or EC2's
//!   (`<Response><Errors><Error><Code>RequestLimitExceeded</Code>`). A bare 429 would not do:
//!   the SDK classifies throttling by error code, not by status.
//! - [`FaultKind::ServerError`] (500) and [`FaultKind::Unavailable`] (503), also in format.
//! - [`FaultKind::Reset`]: the connection is reset (RST) without an answer; the request never
//!   reached the emulator.
//! - [`FaultKind::ResponseLost`]: the request *is* forwarded and served, then the connection is
//!   reset: the client cannot know whether its call took effect (the idempotency case).
//! - [`FaultKind::Latency`]: the answer is delayed, then forwarded.
//!
//! Which faults fired is recorded ([`FaultProxy::fired`]), so a test can tell a run that
//! survived a fault from one that never met it.
//!
//! - [`inventory`]: what moto holds vs what the Pulumi state holds (orphans, lost resources).
//! - [`process`]: finding and signalling processes of one test's own `pulumi` run.

pub mod inventory;
pub mod process;
pub mod recovery;
pub mod subject;

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

use crate::http::{self, Head, NoLength};
use crate::recorder::{
    AwsCall, bad_gateway, forward, identify, parse_upstream, spawn_loopback_server,
};

/// What the proxy does instead of (or besides) forwarding a matching request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// HTTP 400 (503 for EC2) with the service's throttling error code.
    Throttle,
    /// HTTP 500 with the service's internal-error code.
    ServerError,
    /// HTTP 503 with the service's unavailable code.
    Unavailable,
    /// Connection reset before the request reaches the emulator.
    Reset,
    /// Request served by the emulator, then the connection reset before the answer.
    ResponseLost,
    /// The answer delayed by this long.
    Latency(Duration),
}

impl FaultKind {
    /// Short stable name, e.g. `throttle`, `latency-3s`.
    pub fn label(&self) -> String {
        match self {
            FaultKind::Throttle => "throttle".into(),
            FaultKind::ServerError => "http-500".into(),
            FaultKind::Unavailable => "http-503".into(),
            FaultKind::Reset => "connection-reset".into(),
            FaultKind::ResponseLost => "response-lost".into(),
            FaultKind::Latency(d) => format!("latency-{}ms", d.as_millis()),
        }
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// Apply `kind` to the first `count` requests matching `operation`: `ecs:CreateService`,
/// `CreateService` (any service) or `ecs:*` (every operation of a service).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    pub operation: String,
    pub kind: FaultKind,
    pub count: usize,
}

impl FaultRule {
    pub fn new(operation: &str, kind: FaultKind, count: usize) -> FaultRule {
        FaultRule {
            operation: operation.to_string(),
            kind,
            count,
        }
    }

    /// Whether a call (`service`, `operation`) matches this rule's operation pattern.
    pub fn matches(&self, call: &AwsCall) -> bool {
        match self.operation.split_once(':') {
            Some((service, "*")) => call.service == service,
            Some((service, op)) => call.service == service && call.operation == op,
            None => call.operation == self.operation,
        }
    }
}

impl fmt::Display for FaultRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ×{} on {}", self.kind, self.count, self.operation)
    }
}

/// A fault that was injected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiredFault {
    /// `service:Operation` of the request.
    pub operation: String,
    pub kind: FaultKind,
}

/// An AWS API's wire protocol, which fixes the shape of its error answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// JSON 1.1 with `X-Amz-Target` (ECS, CloudWatch Logs, ...).
    AwsJson,
    /// The query protocol's `<ErrorResponse>` (ELBv2, IAM, STS, ...).
    QueryXml,
    /// EC2's own query dialect: `<Response><Errors>`.
    Ec2Query,
}

/// Picks the protocol from the request: a target header means awsJson; otherwise the SigV4
/// service decides between EC2's dialect and the plain query protocol.
pub fn protocol_of(head: &Head, call: &AwsCall) -> Protocol {
    if head.header("x-amz-target").is_some() {
        Protocol::AwsJson
    } else if call.service == "ec2" {
        Protocol::Ec2Query
    } else {
        Protocol::QueryXml
    }
}

/// The error answer for an error kind in a protocol's format: `(status, code, message)`.
fn error_code(protocol: Protocol, kind: FaultKind) -> Option<(u16, &'static str, &'static str)> {
    Some(match (protocol, kind) {
        (Protocol::AwsJson, FaultKind::Throttle) => (400, "ThrottlingException", "Rate exceeded"),
        (Protocol::QueryXml, FaultKind::Throttle) => (400, "Throttling", "Rate exceeded"),
        // EC2 answers its request limit with 503.
        (Protocol::Ec2Query, FaultKind::Throttle) => {
            (503, "RequestLimitExceeded", "Request limit exceeded.")
        }
        (Protocol::AwsJson, FaultKind::ServerError) => {
            (500, "ServerException", "Injected internal error")
        }
        (Protocol::QueryXml, FaultKind::ServerError) => {
            (500, "InternalFailure", "Injected internal error")
        }
        (Protocol::Ec2Query, FaultKind::ServerError) => {
            (500, "InternalError", "Injected internal error")
        }
        (Protocol::AwsJson, FaultKind::Unavailable) => (
            503,
            "ServiceUnavailableException",
            "Injected: service unavailable",
        ),
        (Protocol::QueryXml, FaultKind::Unavailable) => {
            (503, "ServiceUnavailable", "Injected: service unavailable")
        }
        (Protocol::Ec2Query, FaultKind::Unavailable) => {
            (503, "Unavailable", "Injected: service unavailable")
        }
        _ => return None,
    })
}

/// The complete HTTP response for an error kind (`Throttle`, `ServerError`, `Unavailable`) in
/// a protocol's format; `None` for the kinds that are not answers.
pub fn error_response(protocol: Protocol, kind: FaultKind, request_id: &str) -> Option<Vec<u8>> {
    let (status, code, message) = error_code(protocol, kind)?;
    let reason = match status {
        400 => "Bad Request",
        500 => "Internal Server Error",
        _ => "Service Unavailable",
    };
    let (content_type, body, mut headers) = match protocol {
        Protocol::AwsJson => (
            "application/x-amz-json-1.1",
            serde_json::json!({"__type": code, "message": message}).to_string(),
            vec![
                ("x-amzn-ErrorType".to_string(), code.to_string()),
                ("x-amzn-RequestId".to_string(), request_id.to_string()),
            ],
        ),
        Protocol::QueryXml => (
            "text/xml",
            format!(
                "<ErrorResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\"><Error><Type>{}</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>",
                if status < 500 { "Sender" } else { "Receiver" }
            ),
            vec![("x-amzn-RequestId".to_string(), request_id.to_string())],
        ),
        Protocol::Ec2Query => (
            "text/xml;charset=UTF-8",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>"
            ),
            Vec::new(),
        ),
    };
    headers.push(("Content-Type".to_string(), content_type.to_string()));
    let head = Head {
        start_line: format!("HTTP/1.1 {status} {reason}"),
        headers,
    };
    Some(http::serialize_with_length(head, body.as_bytes(), true))
}

struct Rule {
    rule: FaultRule,
    remaining: usize,
}

struct Shared {
    upstream: SocketAddr,
    calls: Mutex<Vec<AwsCall>>,
    rules: Mutex<Vec<Rule>>,
    fired: Mutex<Vec<FiredFault>>,
    request_ids: std::sync::atomic::AtomicU64,
}

impl Shared {
    /// The fault for this call, consuming one of the first matching rule's count.
    fn take_fault(&self, call: &AwsCall) -> Option<FaultKind> {
        let mut rules = self.rules.lock().unwrap();
        let rule = rules
            .iter_mut()
            .find(|r| r.remaining > 0 && r.rule.matches(call))?;
        rule.remaining -= 1;
        let kind = rule.rule.kind;
        self.fired.lock().unwrap().push(FiredFault {
            operation: call.name(),
            kind,
        });
        Some(kind)
    }
}

/// The fault-injecting proxy; its own thread and runtime, stopped on drop.
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FaultProxy {
    /// Starts a proxy on `127.0.0.1:<free port>` forwarding to `upstream` (loopback only).
    pub fn start(upstream: &str) -> FaultProxy {
        let upstream = parse_upstream(upstream);
        assert!(
            upstream.ip().is_loopback(),
            "the fault proxy only forwards to loopback, not {upstream}"
        );
        let shared = Arc::new(Shared {
            upstream,
            calls: Mutex::new(Vec::new()),
            rules: Mutex::new(Vec::new()),
            fired: Mutex::new(Vec::new()),
            request_ids: std::sync::atomic::AtomicU64::new(1),
        });
        let thread_shared = shared.clone();
        let (addr, tx, thread) = spawn_loopback_server("fault-proxy", move |listener| {
            accept_loop(listener, thread_shared)
        });
        FaultProxy {
            addr,
            shared,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:<port>`: use as `AWS_ENDPOINT_URL`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Adds a rule after those already set (the first matching rule with count left applies).
    pub fn add_rule(&self, rule: FaultRule) {
        let remaining = rule.count;
        self.shared
            .rules
            .lock()
            .unwrap()
            .push(Rule { rule, remaining });
    }

    /// Removes every rule: from now on every request is forwarded untouched.
    pub fn clear_rules(&self) {
        self.shared.rules.lock().unwrap().clear();
    }

    /// Every fault injected so far, in order.
    pub fn fired(&self) -> Vec<FiredFault> {
        self.shared.fired.lock().unwrap().clone()
    }

    /// Every call seen so far (faulted or not), in arrival order.
    pub fn calls(&self) -> Vec<AwsCall> {
        self.shared.calls.lock().unwrap().clone()
    }

    /// `service:Operation` of every call.
    pub fn operations(&self) -> Vec<String> {
        self.calls().iter().map(AwsCall::name).collect()
    }

    /// How many times `op` (`ecs:CreateCluster`) was called, faulted attempts included.
    pub fn count(&self, op: &str) -> usize {
        self.operations().iter().filter(|o| *o == op).count()
    }

    pub fn clear_calls(&self) {
        self.shared.calls.lock().unwrap().clear();
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let shared = shared.clone();
                tokio::spawn(async move {
                    if let Err(e) = serve_connection(stream, &shared).await {
                        eprintln!("fault-proxy: connection ended with error: {e}");
                    }
                });
            }
            Err(e) => {
                eprintln!("fault-proxy: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// Resets the connection: SO_LINGER 0, so closing sends RST instead of FIN.
fn reset(stream: TcpStream) {
    let std = stream.into_std();
    if let Ok(std) = std {
        // SAFETY: setsockopt on a socket we own, with a correctly sized `linger`.
        unsafe {
            use std::os::fd::AsRawFd;
            let linger = libc::linger {
                l_onoff: 1,
                l_linger: 0,
            };
            libc::setsockopt(
                std.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_LINGER,
                (&linger as *const libc::linger).cast(),
                std::mem::size_of::<libc::linger>() as libc::socklen_t,
            );
        }
        drop(std);
    }
}

async fn serve_connection(stream: TcpStream, shared: &Shared) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let (rd, mut wr) = stream.into_split();
    let mut rd = BufReader::new(rd);
    while let Some(mut head) = http::read_head(&mut rd).await? {
        if head.has_token("expect", "100-continue") {
            wr.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await?;
            head.remove("expect");
        }
        let body = http::read_body(&mut rd, &head, NoLength::Empty).await?;
        let close = head.has_token("connection", "close") || head.is_http10();
        let mut call = identify(&head, &body);
        let fault = shared.take_fault(&call);
        let protocol = protocol_of(&head, &call);
        let request_id = format!(
            "fault-{:08}",
            shared
                .request_ids
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        );

        let response = match fault {
            Some(FaultKind::Reset) => {
                shared.calls.lock().unwrap().push(call);
                reset(rd.into_inner().reunite(wr).map_err(io::Error::other)?);
                return Ok(());
            }
            Some(FaultKind::ResponseLost) => {
                let _ = forward(shared.upstream, head, &body).await;
                shared.calls.lock().unwrap().push(call);
                reset(rd.into_inner().reunite(wr).map_err(io::Error::other)?);
                return Ok(());
            }
            Some(
                kind @ (FaultKind::Throttle | FaultKind::ServerError | FaultKind::Unavailable),
            ) => {
                let (status, _, _) = error_code(protocol, kind).expect("an error kind");
                call.status = Some(status);
                error_response(protocol, kind, &request_id).expect("an error kind")
            }
            Some(FaultKind::Latency(delay)) => {
                tokio::time::sleep(delay).await;
                let (status, response) = forwarded(shared.upstream, head, &body).await;
                call.status = Some(status);
                response
            }
            None => {
                let (status, response) = forwarded(shared.upstream, head, &body).await;
                call.status = Some(status);
                response
            }
        };
        shared.calls.lock().unwrap().push(call);
        wr.write_all(&response).await?;
        wr.flush().await?;
        if close {
            break;
        }
    }
    Ok(())
}

async fn forwarded(upstream: SocketAddr, head: Head, body: &[u8]) -> (u16, Vec<u8>) {
    match forward(upstream, head, body).await {
        Ok(r) => r,
        Err(e) => bad_gateway(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    fn head(headers: &[(&str, &str)]) -> Head {
        Head {
            start_line: "POST / HTTP/1.1".into(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn auth(service: &str) -> String {
        format!(
            "AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=abc"
        )
    }

    fn text(bytes: &[u8]) -> String {
        String::from_utf8_lossy(bytes).into_owned()
    }

    #[test]
    fn ecs_gets_aws_json_throttling() {
        let auth = auth("ecs");
        let h = head(&[
            ("Authorization", &auth),
            (
                "X-Amz-Target",
                "AmazonEC2ContainerServiceV20141113.CreateService",
            ),
        ]);
        let call = identify(&h, b"{}");
        assert_eq!(protocol_of(&h, &call), Protocol::AwsJson);
        let r = text(&error_response(Protocol::AwsJson, FaultKind::Throttle, "r1").unwrap());
        assert!(r.starts_with("HTTP/1.1 400 "), "{r}");
        assert!(r.contains("x-amzn-ErrorType: ThrottlingException"), "{r}");
        assert!(
            r.contains("Content-Type: application/x-amz-json-1.1"),
            "{r}"
        );
        let body: serde_json::Value =
            serde_json::from_str(r.split("\r\n\r\n").nth(1).unwrap()).unwrap();
        assert_eq!(body["__type"], "ThrottlingException");
        assert_eq!(body["message"], "Rate exceeded");
    }

    #[test]
    fn elbv2_gets_query_xml_throttling() {
        let auth = auth("elasticloadbalancing");
        let h = head(&[("Authorization", &auth)]);
        let call = identify(&h, b"Action=CreateTargetGroup&Version=2015-12-01");
        assert_eq!(call.name(), "elasticloadbalancing:CreateTargetGroup");
        assert_eq!(protocol_of(&h, &call), Protocol::QueryXml);
        let r = text(&error_response(Protocol::QueryXml, FaultKind::Throttle, "r2").unwrap());
        assert!(r.starts_with("HTTP/1.1 400 "), "{r}");
        assert!(
            r.contains("<Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r2</RequestId>"),
            "{r}"
        );
        let r = text(&error_response(Protocol::QueryXml, FaultKind::ServerError, "r3").unwrap());
        assert!(r.starts_with("HTTP/1.1 500 "), "{r}");
        assert!(
            r.contains("<Type>Receiver</Type><Code>InternalFailure</Code>"),
            "{r}"
        );
    }

    #[test]
    fn ec2_gets_its_own_error_dialect() {
        let auth = auth("ec2");
        let h = head(&[("Authorization", &auth)]);
        let call = identify(&h, b"Action=CreateSecurityGroup&Version=2016-11-15");
        assert_eq!(protocol_of(&h, &call), Protocol::Ec2Query);
        let r = text(&error_response(Protocol::Ec2Query, FaultKind::Throttle, "r4").unwrap());
        assert!(r.starts_with("HTTP/1.1 503 "), "{r}");
        assert!(
            r.contains("<Response><Errors><Error><Code>RequestLimitExceeded</Code>"),
            "{r}"
        );
        assert!(r.contains("<RequestID>r4</RequestID>"), "{r}");
        let r = text(&error_response(Protocol::Ec2Query, FaultKind::Unavailable, "r5").unwrap());
        assert!(r.starts_with("HTTP/1.1 503 ") && r.contains("<Code>Unavailable</Code>"));
    }

    #[test]
    fn connection_faults_are_not_answers() {
        for kind in [
            FaultKind::Reset,
            FaultKind::ResponseLost,
            FaultKind::Latency(Duration::from_millis(1)),
        ] {
            assert!(error_response(Protocol::AwsJson, kind, "x").is_none());
        }
    }

    #[test]
    fn rules_match_by_operation_service_or_wildcard() {
        let call = AwsCall {
            service: "ecs".into(),
            operation: "CreateService".into(),
            status: None,
        };
        assert!(FaultRule::new("ecs:CreateService", FaultKind::Throttle, 1).matches(&call));
        assert!(FaultRule::new("CreateService", FaultKind::Throttle, 1).matches(&call));
        assert!(FaultRule::new("ecs:*", FaultKind::Throttle, 1).matches(&call));
        assert!(!FaultRule::new("ec2:*", FaultKind::Throttle, 1).matches(&call));
        assert!(!FaultRule::new("ecs:CreateCluster", FaultKind::Throttle, 1).matches(&call));
    }

    /// A one-request-per-connection upstream answering `200 {"ok":true}`, counting requests.
    fn fake_upstream() -> (SocketAddr, Arc<std::sync::atomic::AtomicUsize>) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let served = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = served.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut s) = stream else { continue };
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                // Read the head and a Content-Length body.
                loop {
                    let n = s.read(&mut chunk).unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let t = String::from_utf8_lossy(&buf).to_string();
                    if let Some((h, b)) = t.split_once("\r\n\r\n") {
                        let len = h
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if b.len() >= len {
                            break;
                        }
                    }
                }
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let _ = s.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 11\r\n\r\n{\"ok\":true}",
                );
            }
        });
        (addr, served)
    }

    fn post(proxy: SocketAddr, target: &str) -> io::Result<String> {
        let mut s = std::net::TcpStream::connect(proxy)?;
        s.set_read_timeout(Some(Duration::from_secs(10)))?;
        write!(
            s,
            "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AmazonEC2ContainerServiceV20141113.{target}\r\nAuthorization: {}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}",
            auth("ecs")
        )?;
        let mut out = Vec::new();
        s.read_to_end(&mut out)?;
        Ok(text(&out))
    }

    #[test]
    fn first_n_matching_requests_are_faulted_then_forwarded() {
        let (upstream, served) = fake_upstream();
        let proxy = FaultProxy::start(&format!("http://{upstream}"));
        proxy.add_rule(FaultRule::new("ecs:CreateService", FaultKind::Throttle, 2));
        proxy.add_rule(FaultRule::new("ecs:CreateCluster", FaultKind::Reset, 1));
        proxy.add_rule(FaultRule::new(
            "ecs:DeleteService",
            FaultKind::ResponseLost,
            1,
        ));

        for _ in 0..2 {
            let r = post(proxy.addr(), "CreateService").unwrap();
            assert!(r.contains("ThrottlingException"), "{r}");
        }
        assert!(
            post(proxy.addr(), "CreateService")
                .unwrap()
                .contains("{\"ok\":true}")
        );
        assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), 1);

        // A reset: no answer at all, and the upstream never saw it.
        let r = post(proxy.addr(), "CreateCluster");
        assert!(r.as_ref().map(|t| t.is_empty()).unwrap_or(true), "{r:?}");
        assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(
            post(proxy.addr(), "CreateCluster")
                .unwrap()
                .contains("200 OK")
        );

        // A lost response: served upstream, but no answer.
        let r = post(proxy.addr(), "DeleteService");
        assert!(r.as_ref().map(|t| t.is_empty()).unwrap_or(true), "{r:?}");
        assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), 3);

        assert_eq!(
            proxy.fired(),
            vec![
                FiredFault {
                    operation: "ecs:CreateService".into(),
                    kind: FaultKind::Throttle
                },
                FiredFault {
                    operation: "ecs:CreateService".into(),
                    kind: FaultKind::Throttle
                },
                FiredFault {
                    operation: "ecs:CreateCluster".into(),
                    kind: FaultKind::Reset
                },
                FiredFault {
                    operation: "ecs:DeleteService".into(),
                    kind: FaultKind::ResponseLost
                },
            ]
        );
        assert_eq!(proxy.count("ecs:CreateService"), 3);
    }

    #[test]
    fn latency_delays_the_answer() {
        let (upstream, _) = fake_upstream();
        let proxy = FaultProxy::start(&format!("http://{upstream}"));
        proxy.add_rule(FaultRule::new(
            "ecs:ListClusters",
            FaultKind::Latency(Duration::from_millis(600)),
            1,
        ));
        let started = std::time::Instant::now();
        assert!(
            post(proxy.addr(), "ListClusters")
                .unwrap()
                .contains("200 OK")
        );
        assert!(started.elapsed() >= Duration::from_millis(600));
    }

    /// The SDK reads our awsJson throttling answer as `ThrottlingException` (and retries it:
    /// with one attempt allowed, the error surfaces with that code).
    #[test]
    fn the_aws_sdk_understands_the_injected_throttling() {
        use aws_sdk_ecs::config::{BehaviorVersion, Credentials, Region};
        use aws_sdk_ecs::error::ProvideErrorMetadata;
        let (upstream, _) = fake_upstream();
        let proxy = FaultProxy::start(&format!("http://{upstream}"));
        proxy.add_rule(FaultRule::new("ecs:ListClusters", FaultKind::Throttle, 10));
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let make = |attempts: u32| {
            let config = aws_sdk_ecs::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(Region::new("us-east-1"))
                .credentials_provider(Credentials::new("testing", "testing", None, None, "t"))
                .endpoint_url(proxy.url())
                .retry_config(
                    aws_sdk_ecs::config::retry::RetryConfig::standard()
                        .with_max_attempts(attempts)
                        .with_initial_backoff(Duration::from_millis(1)),
                )
                .build();
            aws_sdk_ecs::Client::from_conf(config)
        };
        let err = rt
            .block_on(make(1).list_clusters().send())
            .expect_err("throttled");
        assert_eq!(err.code(), Some("ThrottlingException"), "{err:?}");
        assert_eq!(proxy.count("ecs:ListClusters"), 1);
        proxy.clear_calls();
        let _ = rt.block_on(make(3).list_clusters().send());
        assert_eq!(
            proxy.count("ecs:ListClusters"),
            3,
            "the SDK retries throttling"
        );
    }
}
