//! Stack references: another stack's outputs, read by its fully qualified name
//! (`organization/project/stack`; with the local file backend `organization` is the literal
//! `organization`), like `StackReference` in the other Pulumi SDKs.
//!
//! The engine reads the outputs with its built-in `pulumi:pulumi:StackReference` resource (a
//! read, not a create: `ReadResource` with id and input `name` = the stack's name); the answer
//! holds `outputs` (secret values wrapped as secrets) and `secretOutputNames`. Reads run during
//! previews too, so the values are known there.

use std::collections::BTreeSet;

use pulumi_rs_proto::pulumirpc::ReadResourceRequest;
use pulumi_rs_proto::value::{self, json_to_struct, opt_struct_to_json};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value as Json, json};

use crate::error::Error;
use crate::output::{Output, Resolved};
use crate::runtime::Context;

const TYPE: &str = "pulumi:pulumi:StackReference";

/// What the engine answered: the other stack's outputs and which of them are secret.
#[derive(Debug, Clone, Default)]
struct StackOutputs {
    urn: Option<String>,
    outputs: Map<String, Json>,
    secret_names: BTreeSet<String>,
}

/// Another stack's outputs.
#[derive(Clone)]
pub struct StackReference {
    ctx: Context,
    stack_name: String,
    read: Output<StackOutputs>,
}

impl StackReference {
    /// Reads the outputs of `stack_name` (`organization/project/stack`), registering the
    /// reference under the same name.
    pub fn new(ctx: &Context, stack_name: &str) -> Result<Self, Error> {
        Self::named(ctx, stack_name, stack_name)
    }

    /// As [`new`](Self::new), with a resource name of its own (`name`) for the reference.
    pub fn named(ctx: &Context, name: &str, stack_name: &str) -> Result<Self, Error> {
        if stack_name.split('/').count() != 3 || stack_name.split('/').any(str::is_empty) {
            return Err(Error::Program(format!(
                "stack reference `{stack_name}` is not a fully qualified stack name: use \
                 `<organization>/<project>/<stack>` (with the local file backend the \
                 organization is `organization`, e.g. `organization/sotex-ecr/shared`)"
            )));
        }
        let (tx, rx) = tokio::sync::oneshot::channel::<StackOutputs>();
        let request = ReadResourceRequest {
            id: stack_name.to_string(),
            r#type: TYPE.to_string(),
            name: name.to_string(),
            parent: ctx.stack_urn().to_string(),
            properties: Some(json_to_struct(&json!({ "name": stack_name }))),
            accept_secrets: true,
            ..Default::default()
        };
        let monitor = ctx.monitor();
        let label = format!("stack reference `{stack_name}`");
        ctx.spawn_tracked(async move {
            let response = monitor
                .clone()
                .read_resource(request)
                .await
                .map_err(|status| Error::Registration {
                    resource: label,
                    message: status.message().to_string(),
                    reported_by_engine: crate::runtime::is_shutdown(&status),
                })?
                .into_inner();
            let _ = tx.send(parse(response.urn, &response.properties));
            Ok(())
        });
        let read = Output::from_future(async move {
            match rx.await {
                Ok(outputs) => Resolved {
                    dependencies: outputs.urn.iter().cloned().collect(),
                    value: Some(outputs),
                    secret: false,
                },
                // The read failed; that is reported and fails the run.
                Err(_) => Resolved::unknown(),
            }
        });
        Ok(Self {
            ctx: ctx.clone(),
            stack_name: stack_name.to_string(),
            read,
        })
    }

    /// The referenced stack's fully qualified name.
    pub fn stack_name(&self) -> &str {
        &self.stack_name
    }

    /// One output, typed; secret when the other stack keeps it secret. A missing output (or
    /// one of another type) fails the run — the preview too — with an error naming the stack
    /// and the output.
    pub fn require_output<T>(&self, name: &str) -> Output<T>
    where
        T: DeserializeOwned + Clone + Send + Sync + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel::<Resolved<T>>();
        let read = self.read.clone();
        let name = name.to_string();
        let stack = self.stack_name.clone();
        self.ctx.spawn_tracked(async move {
            let r = read.resolve().await;
            let Some(outputs) = r.value else {
                let _ = tx.send(Resolved::unknown());
                return Ok(());
            };
            let found = lookup::<T>(&outputs, &stack, &name, r.dependencies);
            let (resolved, result) = match found {
                Ok(resolved) => (resolved, Ok(())),
                Err(e) => (Resolved::unknown(), Err(e)),
            };
            let _ = tx.send(resolved);
            result
        });
        Output::from_future(async move { rx.await.unwrap_or_else(|_| Resolved::unknown()) })
    }

    /// One output when the other stack has it, else `None`.
    pub fn output<T>(&self, name: &str) -> Output<Option<T>>
    where
        T: DeserializeOwned + Clone + Send + Sync + 'static,
    {
        let read = self.read.clone();
        let name = name.to_string();
        let stack = self.stack_name.clone();
        Output::from_future(async move {
            let r = read.resolve().await;
            let Some(outputs) = r.value else {
                return Resolved::unknown();
            };
            if !outputs.outputs.contains_key(&name) {
                return Resolved {
                    value: Some(None),
                    secret: false,
                    dependencies: r.dependencies,
                };
            }
            match lookup::<T>(&outputs, &stack, &name, r.dependencies) {
                Ok(found) => Resolved {
                    value: found.value.map(Some),
                    secret: found.secret,
                    dependencies: found.dependencies,
                },
                Err(_) => Resolved::unknown(),
            }
        })
    }

    /// The names of the other stack's outputs.
    pub fn output_names(&self) -> Output<Vec<String>> {
        self.read.map(|o| o.outputs.keys().cloned().collect())
    }
}

fn parse(urn: String, properties: &Option<prost_types::Struct>) -> StackOutputs {
    let state = opt_struct_to_json(properties.as_ref());
    let outputs = match state.get("outputs") {
        Some(Json::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    let secret_names = match state.get("secretOutputNames") {
        Some(Json::Array(names)) => names
            .iter()
            .filter_map(|n| n.as_str().map(str::to_string))
            .collect(),
        _ => BTreeSet::new(),
    };
    StackOutputs {
        urn: (!urn.is_empty()).then_some(urn),
        outputs,
        secret_names,
    }
}

fn lookup<T: DeserializeOwned>(
    outputs: &StackOutputs,
    stack: &str,
    name: &str,
    dependencies: BTreeSet<String>,
) -> Result<Resolved<T>, Error> {
    let Some(raw) = outputs.outputs.get(name) else {
        let mut names: Vec<&str> = outputs.outputs.keys().map(String::as_str).collect();
        names.sort_unstable();
        return Err(Error::Program(format!(
            "stack `{stack}` has no output `{name}`; its outputs are: {}",
            if names.is_empty() {
                "none (is it deployed?)".to_string()
            } else {
                names.join(", ")
            }
        )));
    };
    let mut raw = raw.clone();
    let wrapped = !value::unwrap_secrets(&mut raw).is_empty();
    let secret = wrapped || outputs.secret_names.contains(name);
    if value::is_unknown(&raw) || value::contains_unknowns(&raw) {
        return Ok(Resolved {
            value: None,
            secret,
            dependencies,
        });
    }
    let value = serde_json::from_value(raw).map_err(|e| {
        // serde's message quotes the value, which must not leak a secret.
        let reason = if secret {
            "(a secret; its value is not shown)".to_string()
        } else {
            e.to_string()
        };
        Error::Program(format!(
            "stack `{stack}` output `{name}` is not of the expected type: {reason}"
        ))
    })?;
    Ok(Resolved {
        value: Some(value),
        secret,
        dependencies,
    })
}
