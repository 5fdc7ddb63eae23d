//! User-facing progress: messages to the engine's log (shown by `pulumi`), never to stdout.

use pulumi_rs_proto::pulumirpc::engine_client::EngineClient;
use pulumi_rs_proto::pulumirpc::{LogRequest, LogSeverity};
use tonic::transport::Channel;

/// User-facing messages go to the engine (shown by `pulumi`), never to stdout.
#[derive(Clone, Default)]
pub struct EngineLog {
    client: Option<EngineClient<Channel>>,
}

impl EngineLog {
    /// Connects lazily: no connection is made until the first message.
    pub fn connect(engine_address: Option<&str>) -> Self {
        let client = engine_address.and_then(|addr| {
            Channel::from_shared(pulumi_rs_proto::grpc_uri(addr))
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
