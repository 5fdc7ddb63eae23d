//! What every resource operation gets: AWS clients, the engine's log, cancellation and timeout.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use pulumi_rs_proto::pulumirpc::engine_client::EngineClient;
use pulumi_rs_proto::pulumirpc::{LogRequest, LogSeverity};
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;

use crate::aws::AwsClients;

/// User-facing messages go to the engine (shown by `pulumi`), never to stdout.
#[derive(Clone, Default)]
pub struct EngineLog {
    client: Option<EngineClient<Channel>>,
}

impl EngineLog {
    /// Connects lazily: no connection is made until the first message.
    pub fn connect(engine_address: Option<&str>) -> Self {
        let client = engine_address.and_then(|addr| {
            let uri = if addr.contains("://") {
                addr.to_string()
            } else {
                format!("http://{addr}")
            };
            Channel::from_shared(uri)
                .ok()
                .map(|endpoint| EngineClient::new(endpoint.connect_lazy()))
        });
        Self { client }
    }

    async fn send(&self, severity: LogSeverity, urn: &str, message: String, ephemeral: bool) {
        let Some(client) = &self.client else {
            tracing::info!(urn, "{message}");
            return;
        };
        let request = LogRequest {
            severity: severity as i32,
            message,
            urn: urn.to_string(),
            stream_id: 0,
            ephemeral,
        };
        if let Err(e) = client.clone().log(request).await {
            tracing::warn!("engine log failed: {e}");
        }
    }
}

/// Log handle bound to one resource.
#[derive(Clone)]
pub struct ResourceLog {
    engine: EngineLog,
    urn: String,
}

impl ResourceLog {
    pub fn new(engine: EngineLog, urn: impl Into<String>) -> Self {
        Self {
            engine,
            urn: urn.into(),
        }
    }

    /// The URN of the resource this log is bound to.
    pub fn urn(&self) -> &str {
        &self.urn
    }

    /// A transient status line (the CLI shows it beside the resource while it works).
    pub async fn status(&self, message: impl Into<String>) {
        self.engine
            .send(LogSeverity::Info, &self.urn, message.into(), true)
            .await;
    }

    pub async fn info(&self, message: impl Into<String>) {
        self.engine
            .send(LogSeverity::Info, &self.urn, message.into(), false)
            .await;
    }

    pub async fn warn(&self, message: impl Into<String>) {
        self.engine
            .send(LogSeverity::Warning, &self.urn, message.into(), false)
            .await;
    }
}

/// Everything a resource operation may use.
#[derive(Clone)]
pub struct Ctx {
    pub aws: Arc<AwsClients>,
    pub log: ResourceLog,
    pub cancel: CancellationToken,
    /// The engine's customTimeouts for this operation, when the program set one.
    pub timeout: Option<Duration>,
    pub default_tags: BTreeMap<String, String>,
}

impl Ctx {
    /// Tags sent to AWS: provider default tags overlaid by the resource's own.
    pub fn tags_all(&self, own: Option<&BTreeMap<String, String>>) -> BTreeMap<String, String> {
        let mut all = self.default_tags.clone();
        if let Some(own) = own {
            all.extend(own.clone());
        }
        all
    }
}

/// Converts the engine's timeout (seconds, 0 = unset) to a duration.
pub fn timeout_from_seconds(seconds: f64) -> Option<Duration> {
    (seconds > 0.0).then(|| Duration::from_secs_f64(seconds))
}
