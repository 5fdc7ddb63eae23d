//! `AwsRecorder`: a recording HTTP/1.1 proxy on loopback between an AWS client (our provider)
//! and the emulator. Each request is read whole, recorded as `service:Operation`, forwarded to
//! the upstream on a fresh connection and its response relayed back with a `Content-Length`, so
//! keep-alive connections of the AWS SDK work without the proxy tracking upstream connections.
//!
//! Fault injection will hook in at [`Route`]: today every request is forwarded.

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

use crate::http::{self, Head, NoLength};

/// One AWS API call seen by the proxy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsCall {
    /// SigV4 signing name: `ecs`, `ec2`, `elasticloadbalancing`, `iam`, `logs`, `sts`...
    pub service: String,
    /// API operation, e.g. `CreateCluster`.
    pub operation: String,
    /// Status the client got back; `None` while the call is in flight.
    pub status: Option<u16>,
}

impl AwsCall {
    /// `service:Operation`, e.g. `ecs:CreateCluster`.
    pub fn name(&self) -> String {
        format!("{}:{}", self.service, self.operation)
    }
}

/// Whether an operation name (`ecs:CreateCluster` or `CreateCluster`) changes anything:
/// everything except `Describe*`, `List*` and `Get*`.
pub fn is_mutating(operation: &str) -> bool {
    let op = operation.rsplit(':').next().unwrap_or(operation);
    !(op.starts_with("Describe") || op.starts_with("List") || op.starts_with("Get"))
}

/// What the proxy does with a request. Fault injection will add variants (a canned error
/// response, a delay, a dropped connection) chosen per request by a hook.
enum Route {
    Forward,
}

struct Shared {
    upstream: SocketAddr,
    calls: Mutex<Vec<AwsCall>>,
}

impl Shared {
    fn route(&self, _call: &AwsCall) -> Route {
        Route::Forward
    }
}

/// The recording proxy. Runs on its own thread with its own runtime, so it serves both plain
/// `#[test]`s and async tests; stopped on drop.
pub struct AwsRecorder {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl AwsRecorder {
    /// Starts a proxy on `127.0.0.1:<free port>` forwarding to `upstream`
    /// (`http://127.0.0.1:5000` or `127.0.0.1:5000`; loopback only).
    pub fn start(upstream: &str) -> AwsRecorder {
        let upstream = parse_upstream(upstream);
        assert!(
            upstream.ip().is_loopback(),
            "the recorder only forwards to loopback, not {upstream}"
        );
        let shared = Arc::new(Shared {
            upstream,
            calls: Mutex::new(Vec::new()),
        });
        let thread_shared = shared.clone();
        let (addr, tx, thread) = spawn_loopback_server("aws-recorder", move |listener| {
            accept_loop(listener, thread_shared)
        });
        AwsRecorder {
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

    /// Every call since start (or the last [`clear`](Self::clear)), in arrival order.
    pub fn calls(&self) -> Vec<AwsCall> {
        self.shared.calls.lock().unwrap().clone()
    }

    /// `service:Operation` of every call, e.g. `ecs:CreateCluster`.
    pub fn operations(&self) -> Vec<String> {
        self.calls().iter().map(AwsCall::name).collect()
    }

    /// The operations that are not `Describe*`/`List*`/`Get*`.
    pub fn mutating_operations(&self) -> Vec<String> {
        self.operations()
            .into_iter()
            .filter(|o| is_mutating(o))
            .collect()
    }

    /// How many times `op` (`ecs:CreateCluster`) was called.
    pub fn count(&self, op: &str) -> usize {
        self.operations().iter().filter(|o| *o == op).count()
    }

    pub fn clear(&self) {
        self.shared.calls.lock().unwrap().clear();
    }
}

/// Runs `serve` on a listener bound to `127.0.0.1:<free port>`, on its own thread with its own
/// current-thread runtime (so plain `#[test]`s and async tests can both use it). Sending on, or
/// dropping, the returned sender stops it; dropping the runtime cancels its connection tasks.
pub(crate) fn spawn_loopback_server<F, Fut>(
    name: &str,
    serve: F,
) -> (SocketAddr, oneshot::Sender<()>, JoinHandle<()>)
where
    F: FnOnce(TcpListener) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap_or_else(|e| panic!("bind the {name} on 127.0.0.1: {e}"));
    listener.set_nonblocking(true).expect("set_nonblocking");
    let addr = listener.local_addr().expect("local_addr");
    let (tx, rx) = oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name(format!("{name}-{}", addr.port()))
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("proxy runtime");
            rt.block_on(async move {
                let listener = TcpListener::from_std(listener).expect("tokio listener");
                tokio::select! {
                    _ = rx => {}
                    _ = serve(listener) => {}
                }
            });
        })
        .unwrap_or_else(|e| panic!("spawn the {name} thread: {e}"));
    (addr, tx, thread)
}

impl Drop for AwsRecorder {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

pub(crate) fn parse_upstream(upstream: &str) -> SocketAddr {
    let hostport = upstream
        .strip_prefix("http://")
        .unwrap_or(upstream)
        .trim_end_matches('/');
    let hostport = hostport.replacen("localhost", "127.0.0.1", 1);
    hostport
        .parse()
        .unwrap_or_else(|e| panic!("upstream {upstream:?} is not http://<ip>:<port>: {e}"))
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let shared = shared.clone();
                tokio::spawn(async move {
                    if let Err(e) = serve_connection(stream, &shared).await {
                        eprintln!("aws-recorder: connection ended with error: {e}");
                    }
                });
            }
            Err(e) => {
                eprintln!("aws-recorder: accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    }
}

/// Serves requests on one client connection until the client closes it or asks to.
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

        let call = identify(&head, &body);
        let index = {
            let mut calls = shared.calls.lock().unwrap();
            calls.push(call.clone());
            calls.len() - 1
        };
        let (status, response) = match shared.route(&call) {
            Route::Forward => match forward(shared.upstream, head, &body).await {
                Ok(r) => r,
                Err(e) => bad_gateway(&e),
            },
        };
        // `clear()` may have run meanwhile; only fill in the status of the same call.
        if let Some(c) = shared.calls.lock().unwrap().get_mut(index)
            && *c == call
        {
            c.status = Some(status);
        }
        wr.write_all(&response).await?;
        wr.flush().await?;
        if close {
            break;
        }
    }
    Ok(())
}

/// Sends one request to the upstream on a new connection and returns the status and the
/// response re-framed with a `Content-Length`.
pub(crate) async fn forward(
    upstream: SocketAddr,
    mut head: Head,
    body: &[u8],
) -> io::Result<(u16, Vec<u8>)> {
    let had_body = head.is_chunked() || head.header("content-length").is_some() || !body.is_empty();
    head.remove("connection");
    head.remove("keep-alive");
    head.set("Connection", "close");
    let is_head = head.method().eq_ignore_ascii_case("HEAD");
    let request = http::serialize_with_length(head, body, had_body);

    let mut up = TcpStream::connect(upstream).await?;
    up.set_nodelay(true)?;
    up.write_all(&request).await?;
    up.flush().await?;
    let mut up = BufReader::new(up);
    let response_head = loop {
        let h = http::read_head(&mut up).await?.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "upstream closed without a response",
            )
        })?;
        match h.status() {
            Some(s) if (100..200).contains(&s) => continue, // interim responses
            Some(_) => break h,
            None => return Err(http::invalid(format!("bad status line {:?}", h.start_line))),
        }
    };
    let status = response_head.status().unwrap_or(502);
    let bodyless = is_head || status == 204 || status == 304;
    let response_body = if bodyless {
        Vec::new()
    } else {
        http::read_body(&mut up, &response_head, NoLength::UntilClose).await?
    };
    let mut response_head = response_head;
    response_head.remove("connection");
    response_head.remove("keep-alive");
    if bodyless {
        // Keep the upstream's framing headers (a HEAD response's Content-Length describes the GET).
        return Ok((status, response_head.to_bytes()));
    }
    Ok((
        status,
        http::serialize_with_length(response_head, &response_body, true),
    ))
}

pub(crate) fn bad_gateway(e: &io::Error) -> (u16, Vec<u8>) {
    let body = format!("aws-recorder: forwarding to the emulator failed: {e}");
    let head = Head {
        start_line: "HTTP/1.1 502 Bad Gateway".into(),
        headers: vec![("Content-Type".into(), "text/plain".into())],
    };
    (
        502,
        http::serialize_with_length(head, body.as_bytes(), true),
    )
}

/// Names the AWS operation of a request: the service from the SigV4 credential scope (or the
/// `X-Amz-Target` prefix), the operation from `X-Amz-Target` (JSON protocols) or the `Action`
/// parameter (query protocol, in the form body or the URL).
pub(crate) fn identify(head: &Head, body: &[u8]) -> AwsCall {
    let target = head.header("x-amz-target");
    let service = head
        .header("authorization")
        .and_then(service_from_authorization)
        .or_else(|| target.and_then(service_from_target))
        .unwrap_or_else(|| "unknown".to_string());
    let operation = target
        .and_then(|t| t.rsplit('.').next())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .or_else(|| form_param(std::str::from_utf8(body).unwrap_or(""), "Action"))
        .or_else(|| {
            let query = head.target().split_once('?').map(|(_, q)| q).unwrap_or("");
            form_param(query, "Action")
        })
        .unwrap_or_else(|| format!("{} {}", head.method(), head.target()));
    AwsCall {
        service,
        operation,
        status: None,
    }
}

/// `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/ecs/aws4_request, ...` -> `ecs`.
fn service_from_authorization(auth: &str) -> Option<String> {
    let cred = auth.split("Credential=").nth(1)?;
    let scope = cred.split([',', ' ']).next()?;
    let parts: Vec<&str> = scope.split('/').collect();
    (parts.len() >= 5).then(|| parts[parts.len() - 2].to_string())
}

fn service_from_target(target: &str) -> Option<String> {
    let prefix = target.split('.').next()?;
    Some(
        if prefix.starts_with("AmazonEC2ContainerService") {
            "ecs"
        } else if prefix.starts_with("Logs_") {
            "logs"
        } else {
            prefix
        }
        .to_string(),
    )
}

/// A parameter of an `application/x-www-form-urlencoded` string (values are AWS identifiers,
/// so only `+` and `%XX` escapes are decoded).
fn form_param(form: &str, key: &str) -> Option<String> {
    form.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| percent_decode(v))
    })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%' && i + 2 < bytes.len())
            .then(|| std::str::from_utf8(&bytes[i + 1..i + 3]).ok())
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (bytes[i], escaped) {
            (_, Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'+', None) => {
                out.push(b' ');
                i += 1;
            }
            (b, None) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(headers: &[(&str, &str)], target: &str) -> Head {
        Head {
            start_line: format!("POST {target} HTTP/1.1"),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    const AUTH_ECS: &str = "AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/ecs/aws4_request, SignedHeaders=host, Signature=abc";

    #[test]
    fn json_protocol_uses_the_target() {
        let h = head(
            &[
                ("Authorization", AUTH_ECS),
                (
                    "X-Amz-Target",
                    "AmazonEC2ContainerServiceV20141113.CreateCluster",
                ),
            ],
            "/",
        );
        assert_eq!(identify(&h, b"{}").name(), "ecs:CreateCluster");
        let h = head(
            &[(
                "X-Amz-Target",
                "AmazonEC2ContainerServiceV20141113.ListClusters",
            )],
            "/",
        );
        assert_eq!(identify(&h, b"{}").name(), "ecs:ListClusters");
    }

    #[test]
    fn query_protocol_uses_the_action() {
        let auth = AUTH_ECS.replace("/ecs/", "/elasticloadbalancing/");
        let h = head(&[("authorization", auth.as_str())], "/");
        let call = identify(
            &h,
            b"Action=CreateLoadBalancer&Version=2015-12-01&Name=a%2Db",
        );
        assert_eq!(call.name(), "elasticloadbalancing:CreateLoadBalancer");
        let auth = AUTH_ECS.replace("/ecs/", "/ec2/");
        let h = head(
            &[("authorization", auth.as_str())],
            "/?Version=2016-11-15&Action=DescribeVpcs",
        );
        assert_eq!(identify(&h, b"").name(), "ec2:DescribeVpcs");
    }

    #[test]
    fn mutating_filter() {
        assert!(is_mutating("ecs:CreateCluster"));
        assert!(is_mutating("ecs:TagResource"));
        assert!(!is_mutating("ecs:DescribeClusters"));
        assert!(!is_mutating("ecs:ListTagsForResource"));
        assert!(!is_mutating("sts:GetCallerIdentity"));
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%2Db+c%"), "a-b c%");
        assert_eq!(
            form_param("x=1&Action=Do%41", "Action").as_deref(),
            Some("DoA")
        );
    }
}
