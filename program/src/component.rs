//! Component resources: a type of our own (`sotex:backend:WebService`) that groups resources
//! under it, like `ComponentResource` in the other Pulumi SDKs.
//!
//! A component is registered with `custom = false`; its children name it as their parent
//! ([`ComponentResource::child_options`]), and when they are declared it registers its outputs
//! ([`ComponentResource::register_outputs`]). Options flow to children as in the other SDKs: the
//! engine (v3.274.1) applies a parent component's `protect`, `retainOnDelete`, `provider` /
//! `providers` to a child that leaves them unset, and multiplies a parent's aliases into each
//! child's, so a component moved or renamed keeps its children's identities too.
//!
//! ```no_run
//! use pulumi_rs::{ComponentResource, Context, Error, Output, ResourceOptions};
//! use pulumi_rs::fargate::ecs::{Cluster, ClusterArgs};
//!
//! pub struct WebService {
//!     pub component: ComponentResource,
//!     pub cluster: Cluster,
//! }
//!
//! impl WebService {
//!     pub fn new(ctx: &Context, name: &str, opts: ResourceOptions) -> Result<Self, Error> {
//!         let component = ComponentResource::new(ctx, "sotex:backend:WebService", name, opts)?;
//!         let cluster = Cluster::new(ctx, name, ClusterArgs::default(), component.child_options());
//!         component.register_outputs([("clusterArn", cluster.arn.to_json())]);
//!         Ok(Self { component, cluster })
//!     }
//! }
//! ```

use std::collections::BTreeMap;

use pulumi_rs_proto::pulumirpc::RegisterResourceOutputsRequest;
use pulumi_rs_proto::pulumirpc::alias::{self as rpc_alias, Spec};
use pulumi_rs_proto::value::json_to_struct;
use serde_json::{Map, Value as Json};

use crate::error::Error;
use crate::output::Output;
use crate::runtime::{Context, RegisteredResource, ResourceOptions};

/// A former identity of a resource. Unset parts mean "as it is now": an alias with only
/// `no_parent` says "this resource used to sit directly under the stack".
#[derive(Debug, Clone, Default)]
pub struct Alias {
    /// The complete former URN; the other fields are ignored when set.
    pub urn: Option<String>,
    /// The former name.
    pub name: Option<String>,
    /// The former type token.
    pub type_token: Option<String>,
    /// The former parent's URN.
    pub parent: Option<Output<String>>,
    /// The resource used to have no parent of its own (it was directly under the stack).
    pub no_parent: bool,
    /// The former stack, when the resource moved between stacks' names.
    pub stack: Option<String>,
    /// The former project.
    pub project: Option<String>,
}

impl Alias {
    /// A former URN, in full.
    pub fn urn(urn: impl Into<String>) -> Self {
        Self {
            urn: Some(urn.into()),
            ..Default::default()
        }
    }

    /// The resource used to sit directly under the stack (before it moved into a component).
    pub fn no_parent() -> Self {
        Self {
            no_parent: true,
            ..Default::default()
        }
    }

    /// The resource used to be called `name`.
    pub fn name(name: impl Into<String>) -> Self {
        Self {
            name: Some(name.into()),
            ..Default::default()
        }
    }

    /// The resource used to be a child of `parent` (a URN).
    pub fn parent(parent: Output<String>) -> Self {
        Self {
            parent: Some(parent),
            ..Default::default()
        }
    }

    /// The resource used to have the type `type_token`.
    pub fn with_type(mut self, type_token: impl Into<String>) -> Self {
        self.type_token = Some(type_token.into());
        self
    }

    /// ... and the name `name`.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

impl From<&str> for Alias {
    fn from(urn: &str) -> Self {
        Alias::urn(urn)
    }
}

impl From<String> for Alias {
    fn from(urn: String) -> Self {
        Alias::urn(urn)
    }
}

/// The aliases as the engine takes them (`RegisterResourceRequest.aliases`, with
/// `aliasSpecs = true`): a parent must be a known URN.
pub(crate) async fn wire_aliases(
    aliases: &[Alias],
) -> Result<Vec<pulumi_rs_proto::pulumirpc::Alias>, Error> {
    let mut wire = Vec::with_capacity(aliases.len());
    for alias in aliases {
        let kind = match &alias.urn {
            Some(urn) => rpc_alias::Alias::Urn(urn.clone()),
            None => {
                let parent = match &alias.parent {
                    Some(p) => match p.resolve().await.value {
                        Some(urn) => Some(rpc_alias::spec::Parent::ParentUrn(urn)),
                        None => {
                            return Err(Error::Program(
                                "an alias's `parent` must be a known URN, but it is unknown \
                                 (a resource not created yet?)"
                                    .into(),
                            ));
                        }
                    },
                    // Unset parent: the resource's current parent.
                    None => alias
                        .no_parent
                        .then_some(rpc_alias::spec::Parent::NoParent(true)),
                };
                rpc_alias::Alias::Spec(Spec {
                    name: alias.name.clone().unwrap_or_default(),
                    r#type: alias.type_token.clone().unwrap_or_default(),
                    stack: alias.stack.clone().unwrap_or_default(),
                    project: alias.project.clone().unwrap_or_default(),
                    parent,
                })
            }
        };
        wire.push(pulumi_rs_proto::pulumirpc::Alias { alias: Some(kind) });
    }
    Ok(wire)
}

/// A component's `providers` map, resolved (an unknown reference is left out).
pub(crate) async fn resolve_providers(
    providers: &BTreeMap<String, Output<String>>,
) -> std::collections::HashMap<String, String> {
    let mut out = std::collections::HashMap::new();
    for (package, reference) in providers {
        if let Some(r) = reference.resolve().await.value {
            out.insert(package.clone(), r);
        }
    }
    out
}

/// Checks a component type token: `<package>:<module>:<Type>`, three non-empty parts.
pub(crate) fn check_type_token(type_token: &str) -> Result<(), Error> {
    let parts: Vec<&str> = type_token.split(':').collect();
    let valid = parts.len() == 3
        && parts.iter().all(|p| !p.is_empty())
        && parts[0] != "pulumi"
        && parts[2].starts_with(|c: char| c.is_ascii_uppercase());
    if valid {
        Ok(())
    } else {
        Err(Error::Program(format!(
            "component type `{type_token}` is not valid: use `<package>:<module>:<Type>`, e.g. \
             `sotex:backend:WebService` (three non-empty parts, a package other than `pulumi`, \
             the type capitalised)"
        )))
    }
}

/// A registered component resource: the parent of the resources a component type declares.
#[derive(Clone)]
pub struct ComponentResource {
    ctx: Context,
    type_token: String,
    name: String,
    resource: RegisteredResource,
    /// Package → provider reference its children use (its own `providers` over its parent's).
    providers: BTreeMap<String, Output<String>>,
}

impl ComponentResource {
    /// Registers a component of type `type_token` (e.g. `sotex:backend:WebService`) named `name`.
    /// `options.parent` nests it in another component; `protect`, `providers` and `aliases`
    /// apply to its children too.
    pub fn new(
        ctx: &Context,
        type_token: &str,
        name: &str,
        options: ResourceOptions,
    ) -> Result<Self, Error> {
        check_type_token(type_token)?;
        if name.is_empty() {
            return Err(Error::Program(format!(
                "component `{type_token}`: the name is empty; give each instance a name unique \
                 in the stack, e.g. `api`"
            )));
        }
        let providers = options.providers.clone();
        let resource = ctx.register_resource(type_token, name, false, Vec::new(), options);
        Ok(Self {
            ctx: ctx.clone(),
            type_token: type_token.to_string(),
            name: name.to_string(),
            resource,
            providers,
        })
    }

    pub fn urn(&self) -> Output<String> {
        self.resource.urn()
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn type_token(&self) -> &str {
        &self.type_token
    }

    /// Options for a child: parented to this component (so it shows under it in the preview,
    /// and inherits its `protect`, `retain_on_delete`, provider and aliases, which the engine
    /// applies), with the component's `providers` (which the SDK applies, as the other SDKs do:
    /// a child of package `fargate` uses `providers["fargate"]` unless it names a provider).
    pub fn child_options(&self) -> ResourceOptions {
        ResourceOptions {
            parent: Some(self.urn()),
            providers: self.providers.clone(),
            ..Default::default()
        }
    }

    /// A child's name derived from the component's, `<component>-<suffix>`: children of two
    /// instances must not share a name, since a URN holds the parent's type but not its name.
    pub fn child_name(&self, suffix: &str) -> String {
        format!("{}-{suffix}", self.name)
    }

    /// Registers the component's outputs (what `pulumi stack export` shows on it), once its
    /// children are declared; the run waits for it. Call it once, at the end of the
    /// constructor, as `registerOutputs` in the other SDKs.
    pub fn register_outputs<I>(&self, outputs: I)
    where
        I: IntoIterator<Item = (&'static str, Output<Json>)>,
    {
        let outputs: Vec<(String, Output<Json>)> = outputs
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let urn = self.urn();
        let monitor = self.ctx.monitor();
        let label = format!("{} `{}`", self.type_token, self.name);
        self.ctx.spawn_tracked(async move {
            let Some(urn) = urn.resolve().await.value else {
                // Its registration failed, which is reported already.
                return Ok(());
            };
            let mut object = Map::new();
            for (key, output) in outputs {
                let r = output.resolve().await;
                object.insert(key, crate::runtime::wire_value(r.value, r.secret));
            }
            monitor
                .clone()
                .register_resource_outputs(RegisterResourceOutputsRequest {
                    urn,
                    outputs: Some(json_to_struct(&Json::Object(object))),
                })
                .await
                .map_err(|status| Error::Registration {
                    resource: label,
                    message: format!("registering outputs: {}", status.message()),
                    reported_by_engine: crate::runtime::is_shutdown(&status),
                })?;
            Ok(())
        });
    }
}

impl ResourceOptions {
    /// These options with `component` as the parent (and its `providers` under any of these
    /// options' own).
    pub fn child_of(mut self, component: &ComponentResource) -> Self {
        self.parent = Some(component.urn());
        for (package, reference) in &component.providers {
            self.providers
                .entry(package.clone())
                .or_insert_with(|| reference.clone());
        }
        self
    }
}

/// The package of a type token (`fargate:ecs:Cluster` → `fargate`).
pub(crate) fn package_of(type_token: &str) -> &str {
    type_token.split(':').next().unwrap_or_default()
}
