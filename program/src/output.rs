//! `Output<T>`: a value that a resource produces later, possibly unknown during preview,
//! possibly secret, and carrying the URNs it depends on.

use std::collections::BTreeSet;
use std::sync::Arc;

use futures::FutureExt;
use futures::future::{BoxFuture, Shared};

/// A resolved output: `value` is `None` when unknown (preview).
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved<T> {
    pub value: Option<T>,
    pub secret: bool,
    pub dependencies: BTreeSet<String>,
}

impl<T> Resolved<T> {
    pub fn known(value: T) -> Self {
        Self {
            value: Some(value),
            secret: false,
            dependencies: BTreeSet::new(),
        }
    }

    pub fn unknown() -> Self {
        Self {
            value: None,
            secret: false,
            dependencies: BTreeSet::new(),
        }
    }
}

/// A value that may not exist yet. Cheap to clone: clones share one computation.
#[derive(Clone)]
pub struct Output<T: Clone + Send + Sync + 'static> {
    inner: Shared<BoxFuture<'static, Arc<Resolved<T>>>>,
}

impl<T: Clone + Send + Sync + 'static> std::fmt::Debug for Output<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Output(..)")
    }
}

impl<T: Clone + Send + Sync + 'static> From<T> for Output<T> {
    fn from(value: T) -> Self {
        Output::new(value)
    }
}

impl From<&str> for Output<String> {
    fn from(value: &str) -> Self {
        Output::new(value.to_string())
    }
}

impl<T: Clone + Send + Sync + 'static> Output<T> {
    /// A known, plain value.
    pub fn new(value: T) -> Self {
        Self::from_resolved(Resolved::known(value))
    }

    /// A known value that must stay secret in state and logs.
    pub fn secret(value: T) -> Self {
        Self::from_resolved(Resolved {
            value: Some(value),
            secret: true,
            dependencies: BTreeSet::new(),
        })
    }

    /// A value not known until the deployment runs.
    pub fn unknown() -> Self {
        Self::from_resolved(Resolved::unknown())
    }

    pub fn from_resolved(resolved: Resolved<T>) -> Self {
        let resolved = Arc::new(resolved);
        Self {
            inner: async move { resolved }.boxed().shared(),
        }
    }

    pub fn from_future(fut: impl Future<Output = Resolved<T>> + Send + 'static) -> Self {
        Self {
            inner: fut.map(Arc::new).boxed().shared(),
        }
    }

    /// Waits for the value.
    pub async fn resolve(&self) -> Resolved<T> {
        (*self.inner.clone().await).clone()
    }

    /// Derives a new output; unknown stays unknown, secret stays secret.
    pub fn map<U, F>(&self, f: F) -> Output<U>
    where
        U: Clone + Send + Sync + 'static,
        F: FnOnce(T) -> U + Send + 'static,
    {
        let this = self.clone();
        Output::from_future(async move {
            let r = this.resolve().await;
            Resolved {
                value: r.value.map(f),
                secret: r.secret,
                dependencies: r.dependencies,
            }
        })
    }

    /// Derives an output from another output-producing function.
    pub fn apply<U, F>(&self, f: F) -> Output<U>
    where
        U: Clone + Send + Sync + 'static,
        F: FnOnce(T) -> Output<U> + Send + 'static,
    {
        let this = self.clone();
        Output::from_future(async move {
            let r = this.resolve().await;
            match r.value {
                None => Resolved {
                    value: None,
                    secret: r.secret,
                    dependencies: r.dependencies,
                },
                Some(v) => {
                    let inner = f(v).resolve().await;
                    let mut dependencies = r.dependencies;
                    dependencies.extend(inner.dependencies);
                    Resolved {
                        value: inner.value,
                        secret: r.secret || inner.secret,
                        dependencies,
                    }
                }
            }
        })
    }

    /// Combines two outputs into one of a pair.
    pub fn zip<U: Clone + Send + Sync + 'static>(&self, other: &Output<U>) -> Output<(T, U)> {
        let (a, b) = (self.clone(), other.clone());
        Output::from_future(async move {
            let (ra, rb) = futures::join!(a.resolve(), b.resolve());
            let mut dependencies = ra.dependencies;
            dependencies.extend(rb.dependencies);
            Resolved {
                value: ra.value.zip(rb.value),
                secret: ra.secret || rb.secret,
                dependencies,
            }
        })
    }

    /// Marks the value secret.
    pub fn as_secret(&self) -> Output<T> {
        let this = self.clone();
        Output::from_future(async move {
            let mut r = this.resolve().await;
            r.secret = true;
            r
        })
    }
}

/// Combines many outputs of one type into an output of a list.
pub fn all<T: Clone + Send + Sync + 'static>(outputs: Vec<Output<T>>) -> Output<Vec<T>> {
    Output::from_future(async move {
        let resolved = futures::future::join_all(outputs.iter().map(Output::resolve)).await;
        let mut out = Resolved {
            value: Some(Vec::with_capacity(resolved.len())),
            secret: false,
            dependencies: BTreeSet::new(),
        };
        for r in resolved {
            out.secret |= r.secret;
            out.dependencies.extend(r.dependencies);
            match (r.value, out.value.as_mut()) {
                (Some(v), Some(list)) => list.push(v),
                _ => out.value = None,
            }
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn map_keeps_secrecy_and_dependencies() {
        let mut r = Resolved::known(2);
        r.secret = true;
        r.dependencies.insert("urn:a".into());
        let o = Output::from_resolved(r).map(|v| v * 10);
        let got = o.resolve().await;
        assert_eq!(got.value, Some(20));
        assert!(got.secret);
        assert!(got.dependencies.contains("urn:a"));
    }

    #[tokio::test]
    async fn unknown_propagates() {
        let o: Output<i32> = Output::unknown();
        assert_eq!(o.map(|v| v + 1).resolve().await.value, None);
        assert_eq!(o.zip(&Output::new(1)).resolve().await.value, None);
        assert_eq!(all(vec![Output::new(1), o]).resolve().await.value, None);
    }

    #[tokio::test]
    async fn apply_and_all_combine() {
        let a = Output::new("dns".to_string());
        let url = a.apply(|d| Output::secret(format!("http://{d}")));
        let r = url.resolve().await;
        assert_eq!(r.value.as_deref(), Some("http://dns"));
        assert!(r.secret);
        let list = all(vec![Output::new(1), Output::new(2)]).resolve().await;
        assert_eq!(list.value, Some(vec![1, 2]));
    }
}
