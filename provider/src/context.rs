//! What every resource operation gets: AWS clients, the engine's log, cancellation and timeout.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::aws::AwsClients;
pub use crate::log::{EngineLog, ResourceLog};

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
