//! Short, named, operation-specific retries for AWS's eventual consistency (the SDK's standard
//! retry mode already covers throttling and server errors).

use std::future::Future;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use aws_smithy_runtime_api::client::result::SdkError;

use crate::error::{ProviderError, Result, aws_error_code};

/// A retry rule: which error, for how long, how often.
pub struct RetryRule {
    /// Shown in logs and errors, e.g. "cluster still has services draining".
    pub name: &'static str,
    pub budget: Duration,
    pub interval: Duration,
}

/// Runs `op` until it succeeds, fails with an error `retryable` rejects, or the budget is spent.
/// Uses tokio time, so tests can pause the clock.
pub async fn retry<T, E, F, Fut>(
    rule: &RetryRule,
    cancel: &CancellationToken,
    mut op: F,
    retryable: impl Fn(&E) -> bool,
    into_error: impl Fn(E) -> ProviderError,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = std::result::Result<T, E>>,
{
    let deadline = tokio::time::Instant::now() + rule.budget;
    loop {
        match op().await {
            Ok(v) => return Ok(v),
            Err(e) if retryable(&e) && tokio::time::Instant::now() + rule.interval <= deadline => {
                tracing::debug!(rule = rule.name, "retrying");
                tokio::select! {
                    _ = tokio::time::sleep(rule.interval) => {}
                    _ = cancel.cancelled() => return Err(ProviderError::Cancelled),
                }
            }
            Err(e) => {
                let err = into_error(e);
                return Err(if retryable_kind(&err) {
                    ProviderError::Retryable(format!(
                        "{err} (still failing after retrying for {:?}: {})",
                        rule.budget, rule.name
                    ))
                } else {
                    err
                });
            }
        }
    }
}

/// Counts the attempts the SDK makes for one call (its standard retry mode retries throttling,
/// 5xx and connection errors on its own). Attached to a create whose answer may have been lost:
/// more than one attempt means an earlier attempt may have taken effect unseen, so a "duplicate"
/// answer or a twin is our own doing and can be adopted or removed.
#[derive(Debug, Clone, Default)]
pub struct AttemptCounter(std::sync::Arc<std::sync::atomic::AtomicU32>);

impl AttemptCounter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Attempts so far (0 before the call is sent).
    pub fn attempts(&self) -> u32 {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Whether the SDK sent the request more than once.
    pub fn retried(&self) -> bool {
        self.attempts() > 1
    }
}

impl aws_smithy_runtime_api::client::interceptors::Intercept for AttemptCounter {
    fn name(&self) -> &'static str {
        "AttemptCounter"
    }

    fn read_before_attempt(
        &self,
        _context: &aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        _cfg: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> std::result::Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }
}

/// What a create that the SDK may have sent more than once came to.
pub enum Sent<T> {
    /// AWS answered: the resource is new.
    Created(T),
    /// AWS said "duplicate" after the SDK had retried: an earlier attempt created the resource
    /// and its answer was lost. The caller finds and adopts it rather than orphan it.
    TwinOfRetry,
}

/// Sends a create with an [`AttemptCounter`] attached (`send` puts it on the request). A
/// `duplicate_code` error counts as our own twin only when the SDK retried; on the first
/// attempt it is a real conflict and stays an error.
pub async fn send_create<T, E, R>(
    duplicate_code: &str,
    send: impl AsyncFnOnce(AttemptCounter) -> std::result::Result<T, SdkError<E, R>>,
) -> std::result::Result<Sent<T>, SdkError<E, R>>
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata,
{
    let attempts = AttemptCounter::new();
    match send(attempts.clone()).await {
        Ok(out) => Ok(Sent::Created(out)),
        Err(e) if aws_error_code(&e) == Some(duplicate_code) && attempts.retried() => {
            Ok(Sent::TwinOfRetry)
        }
        Err(e) => Err(e),
    }
}

fn retryable_kind(e: &ProviderError) -> bool {
    matches!(e, ProviderError::Retryable(_))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    const RULE: RetryRule = RetryRule {
        name: "test condition",
        budget: Duration::from_secs(10),
        interval: Duration::from_secs(1),
    };

    #[tokio::test(start_paused = true)]
    async fn retries_until_success() {
        let calls = AtomicU32::new(0);
        let out = retry(
            &RULE,
            &CancellationToken::new(),
            || async {
                let n = calls.fetch_add(1, Ordering::SeqCst);
                if n < 3 { Err("busy") } else { Ok(n) }
            },
            |e| *e == "busy",
            ProviderError::internal,
        )
        .await
        .unwrap();
        assert_eq!(out, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_after_the_budget() {
        let calls = AtomicU32::new(0);
        let start = tokio::time::Instant::now();
        let err = retry(
            &RULE,
            &CancellationToken::new(),
            || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err::<(), _>("busy")
            },
            |_| true,
            |e| ProviderError::Retryable(e.to_string()),
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("test condition"), "{err}");
        assert_eq!(calls.load(Ordering::SeqCst), 11);
        assert!(start.elapsed() <= Duration::from_secs(10));
    }

    #[tokio::test(start_paused = true)]
    async fn other_errors_are_not_retried() {
        let calls = AtomicU32::new(0);
        let _ = retry(
            &RULE,
            &CancellationToken::new(),
            || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err::<(), _>("fatal")
            },
            |e| *e == "busy",
            ProviderError::internal,
        )
        .await;
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
