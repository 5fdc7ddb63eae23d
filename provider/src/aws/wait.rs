//! The one waiter: polls a status function until it says done, fails, the timeout passes or
//! the user cancels. Every wait of the provider (service rollout, load balancer provisioning,
//! service deletion) is this loop with its own status function.
//!
//! Uses tokio time, so tests can pause the clock.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::error::ProviderError;
use crate::log::ResourceLog;

/// What one poll saw; `F` is the caller's failure verdict (an error, or a list of reasons).
pub enum Poll<T, F = ProviderError> {
    /// Done: the wait returns this.
    Ready(T),
    /// Not yet; the text says where it stands (used in the timeout message).
    Pending(String),
    /// Will not get there: the wait fails with this verdict at once.
    Fail(F),
}

/// How a wait ended without its value.
#[derive(Debug)]
pub enum WaitError<F = ProviderError> {
    /// The timeout passed; `last_status` is the last `Pending` text.
    TimedOut { last_status: String },
    /// The user interrupted the operation.
    Cancelled,
    /// A poll said `Fail`.
    Failed(F),
    /// Polling itself failed more often in a row than tolerated.
    PollFailed(ProviderError),
}

/// The rules of one wait.
pub struct PollRule<'a> {
    /// What is polled, for the status line after a failed poll ("the service").
    pub what: &'a str,
    pub timeout: Duration,
    /// Consecutive failed polls (each after the SDK's own retries) ridden out before failing:
    /// throttling, a 5xx or a dropped connection says nothing about what is being waited for.
    pub failed_polls_tolerated: u32,
}

/// Interval between polls: often enough to show progress, rarely enough to spare the API.
/// A twentieth of the timeout, between 1 and 15 seconds.
pub fn poll_interval(timeout: Duration) -> Duration {
    (timeout / 20).clamp(Duration::from_secs(1), Duration::from_secs(15))
}

/// One wait in progress. The caller polls in a loop and hands each result to
/// [`Waiter::poll_until`], which applies every rule: the value when ready, the verdict when
/// failed, tolerated failed polls, the interval, the deadline and cancellation.
///
/// ```ignore
/// let mut wait = Waiter::new(&rule, cancel, Some(log));
/// loop {
///     let polled = status(client).await;
///     if let Some(done) = wait.poll_until(polled).await? {
///         return Ok(done);
///     }
/// }
/// ```
///
/// (The loop stays with the caller so a status function can borrow the caller's state; a
/// closure doing that would not be `Send` inside the resource's async trait methods.)
pub struct Waiter<'a> {
    rule: &'a PollRule<'a>,
    cancel: &'a CancellationToken,
    log: Option<&'a ResourceLog>,
    deadline: tokio::time::Instant,
    interval: Duration,
    failed_polls: u32,
    last_status: String,
}

impl<'a> Waiter<'a> {
    /// Starts the clock: the deadline is `rule.timeout` from now.
    pub fn new(
        rule: &'a PollRule<'a>,
        cancel: &'a CancellationToken,
        log: Option<&'a ResourceLog>,
    ) -> Self {
        Self {
            rule,
            cancel,
            log,
            deadline: tokio::time::Instant::now() + rule.timeout,
            interval: poll_interval(rule.timeout),
            failed_polls: 0,
            last_status: String::new(),
        }
    }

    /// Takes one poll's result: `Some` when ready, an error when the wait is over without a
    /// value, else `None` after sleeping until the next poll is due. Sleeps never run past the
    /// deadline, so the last poll happens at the deadline. A failed poll within the tolerance
    /// puts a status line on `log`.
    pub async fn poll_until<T, F>(
        &mut self,
        polled: Result<Poll<T, F>, ProviderError>,
    ) -> Result<Option<T>, WaitError<F>> {
        match polled {
            Ok(Poll::Ready(value)) => return Ok(Some(value)),
            Ok(Poll::Fail(verdict)) => return Err(WaitError::Failed(verdict)),
            Ok(Poll::Pending(status)) => {
                self.failed_polls = 0;
                self.last_status = status;
            }
            Err(e) if self.failed_polls < self.rule.failed_polls_tolerated => {
                self.failed_polls += 1;
                let what = self.rule.what;
                tracing::warn!("polling {what} failed ({}): {e}", self.failed_polls);
                if let Some(log) = self.log {
                    log.status(format!("polling {what} failed, retrying: {e}"))
                        .await;
                }
                if tokio::time::Instant::now() >= self.deadline {
                    return Err(WaitError::PollFailed(e));
                }
            }
            Err(e) if self.rule.failed_polls_tolerated == 0 => {
                return Err(WaitError::PollFailed(e));
            }
            Err(e) => {
                return Err(WaitError::PollFailed(ProviderError::Internal(format!(
                    "{e} (polling failed {} times in a row)",
                    self.failed_polls + 1
                ))));
            }
        }
        let now = tokio::time::Instant::now();
        if now >= self.deadline {
            return Err(WaitError::TimedOut {
                last_status: std::mem::take(&mut self.last_status),
            });
        }
        tokio::select! {
            _ = tokio::time::sleep(self.interval.min(self.deadline - now)) => Ok(None),
            _ = self.cancel.cancelled() => Err(WaitError::Cancelled),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: PollRule<'static> = PollRule {
        what: "the thing",
        timeout: Duration::from_secs(100),
        failed_polls_tolerated: 2,
    };

    /// Drives a waiter with a scripted status function.
    async fn run<T>(
        cancel: &CancellationToken,
        mut status: impl FnMut() -> Result<Poll<T>, ProviderError>,
    ) -> Result<T, WaitError> {
        let mut wait = Waiter::new(&RULE, cancel, None);
        loop {
            if let Some(done) = wait.poll_until(status()).await? {
                return Ok(done);
            }
        }
    }

    #[test]
    fn polls_scale_with_timeout() {
        assert_eq!(
            poll_interval(Duration::from_secs(600)),
            Duration::from_secs(15)
        );
        assert_eq!(
            poll_interval(Duration::from_secs(10)),
            Duration::from_secs(1)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn ready_after_some_polls() {
        let mut polls = 0;
        let start = tokio::time::Instant::now();
        let out = run(&CancellationToken::new(), || {
            polls += 1;
            Ok(if polls < 3 {
                Poll::Pending(format!("poll {polls}"))
            } else {
                Poll::Ready(polls)
            })
        })
        .await
        .unwrap();
        assert_eq!(out, 3);
        assert_eq!(
            start.elapsed(),
            Duration::from_secs(10),
            "two 5 s intervals"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn times_out_at_the_deadline_with_the_last_status() {
        let start = tokio::time::Instant::now();
        let err = run::<()>(&CancellationToken::new(), || {
            Ok(Poll::Pending("still provisioning".into()))
        })
        .await
        .unwrap_err();
        assert!(
            matches!(&err, WaitError::TimedOut { last_status } if last_status == "still provisioning"),
            "{err:?}"
        );
        assert_eq!(start.elapsed(), RULE.timeout);
    }

    #[tokio::test(start_paused = true)]
    async fn failed_polls_are_tolerated_up_to_the_limit() {
        let mut polls = 0;
        let out = run(&CancellationToken::new(), || {
            polls += 1;
            match polls {
                1 | 2 => Err(ProviderError::internal("throttled")),
                3 => Ok(Poll::Pending("up".into())),
                4 | 5 => Err(ProviderError::internal("throttled")),
                _ => Ok(Poll::Ready(polls)),
            }
        })
        .await
        .unwrap();
        assert_eq!(out, 6, "a good poll resets the count");

        let err = run::<()>(&CancellationToken::new(), || {
            Err(ProviderError::internal("throttled"))
        })
        .await
        .unwrap_err();
        let WaitError::PollFailed(e) = err else {
            panic!("{err:?}")
        };
        assert_eq!(e.to_string(), "throttled (polling failed 3 times in a row)");
    }

    #[tokio::test(start_paused = true)]
    async fn a_failing_verdict_ends_the_wait_at_once() {
        let err = run::<()>(&CancellationToken::new(), || {
            Ok(Poll::Fail(ProviderError::internal("rolled back")))
        })
        .await
        .unwrap_err();
        assert!(matches!(err, WaitError::Failed(e) if e.to_string() == "rolled back"));
    }

    #[tokio::test(start_paused = true)]
    async fn cancellation_interrupts_the_sleep() {
        let cancel = CancellationToken::new();
        let trigger = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(7)).await;
            trigger.cancel();
        });
        let start = tokio::time::Instant::now();
        let err = run::<()>(&cancel, || Ok(Poll::Pending(String::new())))
            .await
            .unwrap_err();
        assert!(matches!(err, WaitError::Cancelled), "{err:?}");
        assert_eq!(start.elapsed(), Duration::from_secs(7));
    }
}
