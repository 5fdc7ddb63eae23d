//! `Output<T>`: a value that a resource produces later, possibly unknown during preview,
//! possibly secret, and carrying the URNs it depends on.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use pulumi_rs_proto::value::{PathSegment, PropertyPath};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value as Json};

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

/// A resolved value with the places inside it that are secret (paths in its JSON form), so a
/// secret stays secret where it sits instead of hiding everything around it.
struct Settled<T> {
    resolved: Resolved<T>,
    secret_paths: Vec<PropertyPath>,
}

/// A value that may not exist yet. Cheap to clone: clones share one computation.
#[derive(Clone)]
pub struct Output<T: Clone + Send + Sync + 'static> {
    inner: Shared<BoxFuture<'static, Arc<Settled<T>>>>,
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
        Self::from_nested(resolved, Vec::new())
    }

    /// A resolved value whose parts at `secret_paths` (paths into its JSON form) are secret.
    pub fn from_nested(resolved: Resolved<T>, secret_paths: Vec<PropertyPath>) -> Self {
        let settled = Arc::new(Settled {
            resolved,
            secret_paths,
        });
        Self {
            inner: async move { settled }.boxed().shared(),
        }
    }

    pub fn from_future(fut: impl Future<Output = Resolved<T>> + Send + 'static) -> Self {
        Self::from_nested_future(fut.map(|resolved| (resolved, Vec::new())))
    }

    /// Like [`Output::from_future`], for a value with secret parts.
    pub fn from_nested_future(
        fut: impl Future<Output = (Resolved<T>, Vec<PropertyPath>)> + Send + 'static,
    ) -> Self {
        Self {
            inner: fut
                .map(|(resolved, secret_paths)| {
                    Arc::new(Settled {
                        resolved,
                        secret_paths,
                    })
                })
                .boxed()
                .shared(),
        }
    }

    /// Waits for the value. A value with a secret part reads as secret as a whole: code that
    /// sees only the whole value must not lose the secrecy of a part.
    pub async fn resolve(&self) -> Resolved<T> {
        let settled = self.inner.clone().await;
        let mut resolved = settled.resolved.clone();
        resolved.secret |= !settled.secret_paths.is_empty();
        resolved
    }

    /// Waits for the value and the paths of its secret parts (in its JSON form). `secret` is
    /// true only when the value is secret as a whole.
    pub async fn resolve_nested(&self) -> (Resolved<T>, Vec<PropertyPath>) {
        let settled = self.inner.clone().await;
        (settled.resolved.clone(), settled.secret_paths.clone())
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

impl<T: Serialize + Clone + Send + Sync + 'static> Output<T> {
    /// The value in JSON form, keeping its secret parts where they are.
    pub fn to_json(&self) -> Output<Json> {
        let this = self.clone();
        Output::from_nested_future(async move {
            let (r, paths) = this.resolve_nested().await;
            let resolved = Resolved {
                value: r
                    .value
                    .map(|v| serde_json::to_value(v).unwrap_or(Json::Null)),
                secret: r.secret,
                dependencies: r.dependencies,
            };
            (resolved, paths)
        })
    }
}

/// Where the secret parts of `child` sit once it is placed at `at` inside a parent.
fn nest(at: PathSegment, child_secret: bool, child_paths: Vec<PropertyPath>) -> Vec<PropertyPath> {
    if child_secret {
        return vec![vec![at]];
    }
    child_paths
        .into_iter()
        .map(|p| std::iter::once(at.clone()).chain(p).collect())
        .collect()
}

/// Combines many outputs of one type into an output of a list. A secret item stays secret at
/// its place in the list; the list itself is not secret for it.
pub fn all<T: Clone + Send + Sync + 'static>(outputs: Vec<Output<T>>) -> Output<Vec<T>> {
    Output::from_nested_future(async move {
        let resolved = futures::future::join_all(outputs.iter().map(Output::resolve_nested)).await;
        let mut out = Resolved {
            value: Some(Vec::with_capacity(resolved.len())),
            secret: false,
            dependencies: BTreeSet::new(),
        };
        let mut paths = Vec::new();
        for (i, (r, item_paths)) in resolved.into_iter().enumerate() {
            paths.extend(nest(PathSegment::Index(i), r.secret, item_paths));
            out.dependencies.extend(r.dependencies);
            match (r.value, out.value.as_mut()) {
                (Some(v), Some(list)) => list.push(v),
                _ => out.value = None,
            }
        }
        (out, paths)
    })
}

/// Combines a map of outputs into an output of a map (e.g. environment variables or tags). A
/// secret value stays secret under its key only.
pub fn all_map<V: Clone + Send + Sync + 'static>(
    outputs: BTreeMap<String, Output<V>>,
) -> Output<BTreeMap<String, V>> {
    Output::from_nested_future(async move {
        let resolved =
            futures::future::join_all(outputs.values().map(Output::resolve_nested)).await;
        let mut out = Resolved {
            value: Some(BTreeMap::new()),
            secret: false,
            dependencies: BTreeSet::new(),
        };
        let mut paths = Vec::new();
        for (key, (r, item_paths)) in outputs.into_keys().zip(resolved) {
            paths.extend(nest(PathSegment::Key(key.clone()), r.secret, item_paths));
            out.dependencies.extend(r.dependencies);
            match (r.value, out.value.as_mut()) {
                (Some(v), Some(map)) => {
                    map.insert(key, v);
                }
                _ => out.value = None,
            }
        }
        (out, paths)
    })
}

/// Builds a typed object from its fields (JSON name → value), keeping each field's secrecy at
/// that field. The generated `<Type>Args` input types build their plain type with this.
/// Unknown while any field is. A required field left out is a programming error, reported
/// with the type and field names when the value is used.
pub fn object<T>(
    type_name: &'static str,
    fields: Vec<(&'static str, Option<Output<Json>>)>,
) -> Output<T>
where
    T: DeserializeOwned + Clone + Send + Sync + 'static,
{
    Output::from_nested_future(async move {
        let present: Vec<(&'static str, Output<Json>)> = fields
            .into_iter()
            .filter_map(|(name, field)| field.map(|f| (name, f)))
            .collect();
        let resolved =
            futures::future::join_all(present.iter().map(|(_, f)| f.resolve_nested())).await;
        let mut object = Some(Map::new());
        let mut dependencies = BTreeSet::new();
        let mut paths = Vec::new();
        for ((name, _), (r, field_paths)) in present.iter().zip(resolved) {
            paths.extend(nest(
                PathSegment::Key(name.to_string()),
                r.secret,
                field_paths,
            ));
            dependencies.extend(r.dependencies);
            match (r.value, object.as_mut()) {
                (Some(v), Some(m)) => {
                    m.insert(name.to_string(), v);
                }
                _ => object = None,
            }
        }
        let value = object.map(|m| {
            serde_json::from_value::<T>(Json::Object(m))
                .unwrap_or_else(|e| panic!("{type_name}Args: {e}"))
        });
        let resolved = Resolved {
            value,
            secret: false,
            dependencies,
        };
        (resolved, paths)
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
