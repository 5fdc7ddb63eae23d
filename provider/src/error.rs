//! The one error type of the provider, with the kinds the Pulumi engine understands.

use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde_json::Value as Json;

/// One input problem, reported to the engine as a `CheckFailure`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckFailure {
    /// Property path, e.g. `containers[1].portMappings[0].containerPort`.
    pub property: String,
    /// What is wrong: names the value and what would be valid.
    pub reason: String,
}

impl CheckFailure {
    pub fn new(property: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            property: property.into(),
            reason: reason.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// Bad input; at preview these become CheckFailures.
    #[error("invalid inputs: {}", render_failures(.0))]
    Validation(Vec<CheckFailure>),
    /// The resource does not exist (Read answers with an empty id).
    #[error("not found: {0}")]
    NotFound(String),
    /// A transient condition that outlasted its retries.
    #[error("{0}")]
    Retryable(String),
    /// AWS created the resource but it did not become ready: the engine keeps id and outputs
    /// (ErrorResourceInitFailed) so the next `up` continues instead of orphaning it.
    #[error("{}", .reasons.join("; "))]
    InitFailed {
        id: String,
        /// Outputs as far as known, in plain JSON (secrets are re-wrapped by the caller).
        outputs: Json,
        reasons: Vec<String>,
    },
    /// The user interrupted the operation (Cancel RPC).
    #[error("operation cancelled")]
    Cancelled,
    /// Anything else: an AWS error we do not classify, or a bug.
    #[error("{0}")]
    Internal(String),
}

pub type Result<T, E = ProviderError> = std::result::Result<T, E>;

fn render_failures(failures: &[CheckFailure]) -> String {
    failures
        .iter()
        .map(|f| format!("{}: {}", f.property, f.reason))
        .collect::<Vec<_>>()
        .join("; ")
}

impl ProviderError {
    pub fn internal(msg: impl Into<String>) -> Self {
        Self::Internal(msg.into())
    }

    /// Classifies an AWS SDK error: `not_found_codes` are the service's "does not exist" codes.
    pub fn from_aws<E, R>(
        operation: &str,
        err: &aws_smithy_runtime_api::client::result::SdkError<E, R>,
        not_found_codes: &[&str],
    ) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug + 'static,
    {
        let code = aws_error_code(err);
        // A service error reads best as its code and message; anything else (network, timeout)
        // needs the whole chain of causes.
        let mut message = match err.as_service_error() {
            Some(e) => format!(
                "{operation} failed: {}: {}",
                e.code().unwrap_or("error"),
                e.message().unwrap_or("no message")
            ),
            None => format!("{operation} failed: {}", error_chain(err)),
        };
        // Rules real AWS enforces whose error text does not say what to change.
        if let Some(e) = err.as_service_error()
            && let Some(hint) = crate::hints::hint(operation, e.code(), e.message())
        {
            message.push_str(" — ");
            message.push_str(hint);
        }
        match code {
            Some(c) if not_found_codes.contains(&c) => Self::NotFound(message),
            Some(c) if is_throttling(c) => Self::Retryable(message),
            _ => Self::Internal(message),
        }
    }
}

/// "Not found" is one path: AWS errors are classified once (by [`ProviderError::from_aws`] with
/// the service's not-found codes), and a caller for whom "gone" is an answer asks for it here.
pub trait OrGone<T> {
    /// `Ok(None)` when the resource does not exist.
    fn or_gone(self) -> Result<Option<T>>;
}

impl<T> OrGone<T> for Result<T> {
    fn or_gone(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(ProviderError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// An error and its causes on one line, without the SDK's debug dump of the raw response.
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts.dedup();
    parts.join(": ")
}

/// The service error code (e.g. `ClusterNotFoundException`), if the error came from AWS.
pub fn aws_error_code<E: ProvideErrorMetadata, R>(
    err: &aws_smithy_runtime_api::client::result::SdkError<E, R>,
) -> Option<&str> {
    err.as_service_error().and_then(ProvideErrorMetadata::code)
}

fn is_throttling(code: &str) -> bool {
    matches!(
        code,
        "Throttling" | "ThrottlingException" | "RequestLimitExceeded" | "TooManyRequestsException"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_message_lists_every_failure() {
        let e = ProviderError::Validation(vec![
            CheckFailure::new("name", "bad"),
            CheckFailure::new("tags.x", "worse"),
        ]);
        assert_eq!(e.to_string(), "invalid inputs: name: bad; tags.x: worse");
    }
}
