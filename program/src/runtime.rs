//! The program side of a deployment: connects to the engine's resource monitor, registers the
//! stack and its resources (concurrently, up to the engine's parallelism), and reports exports.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use pulumi_rs_proto::pulumirpc::engine_client::EngineClient;
use pulumi_rs_proto::pulumirpc::register_resource_request::{
    CustomTimeouts as RpcTimeouts, PropertyDependencies,
};
use pulumi_rs_proto::pulumirpc::resource_monitor_client::ResourceMonitorClient;
use pulumi_rs_proto::pulumirpc::{
    LogRequest, LogSeverity, RegisterResourceOutputsRequest, RegisterResourceRequest,
    ResourceInvokeRequest,
};
use pulumi_rs_proto::value::{self, PropertyPath, is_unknown, json_to_struct, opt_struct_to_json};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value as Json};
use tokio::sync::Semaphore;
use tonic::transport::Channel;

use crate::config::Config;
use crate::error::Error;
use crate::output::{Output, Resolved};

/// Exit code that tells the language host the error was already reported (a "bail").
pub const EXIT_BAIL: u8 = 32;

use pulumi_rs_proto::MAX_MESSAGE_BYTES;

/// Timeouts for one resource's operations, e.g. `"10m"`.
#[derive(Debug, Clone, Default)]
pub struct CustomTimeouts {
    pub create: Option<String>,
    pub update: Option<String>,
    pub delete: Option<String>,
}

/// Options for one resource.
#[derive(Debug, Clone, Default)]
pub struct ResourceOptions {
    /// URN of the parent resource; the stack when absent.
    pub parent: Option<Output<String>>,
    /// Resources this one must wait for, beyond those its inputs already depend on.
    pub depends_on: Vec<Output<String>>,
    /// Provider reference (`<urn>::<id>`) for an explicit provider instance.
    pub provider: Option<Output<String>>,
    /// Package name → provider reference, for a component: its children of that package use
    /// it (the engine resolves this, as for the other SDKs).
    pub providers: BTreeMap<String, Output<String>>,
    /// Refuse to delete. Unset (false) inherits the parent component's setting.
    pub protect: bool,
    pub ignore_changes: Vec<String>,
    pub custom_timeouts: Option<CustomTimeouts>,
    pub delete_before_replace: bool,
    pub retain_on_delete: bool,
    /// Former identities of this resource (a URN, or name / type / parent that changed), so a
    /// rename or a move under a component is not a replacement. A component's aliases also
    /// apply to its children.
    pub aliases: Vec<crate::component::Alias>,
    /// Output properties to store as secrets.
    pub additional_secret_outputs: Vec<String>,
    /// Adopt an existing cloud resource with this id (`pulumi import` from code).
    pub import_id: Option<String>,
}

/// What the engine answered for one registration.
#[derive(Debug, Clone, Default)]
struct Registration {
    urn: Option<String>,
    id: Option<String>,
    state: Map<String, Json>,
}

/// A registered resource: its URN, id and output properties, as outputs.
#[derive(Clone)]
pub struct RegisteredResource {
    registration: Shared<BoxFuture<'static, Arc<Registration>>>,
}

impl RegisteredResource {
    /// The resource's URN, for `depends_on` and `parent`.
    pub fn urn(&self) -> Output<String> {
        let reg = self.registration.clone();
        Output::from_future(async move {
            let r = reg.await;
            Resolved {
                value: r.urn.clone(),
                secret: false,
                dependencies: r.urn.iter().cloned().collect(),
            }
        })
    }

    /// The provider-assigned id (unknown during a preview of a create).
    pub fn id(&self) -> Output<String> {
        let reg = self.registration.clone();
        Output::from_future(async move {
            let r = reg.await;
            Resolved {
                value: r.id.clone().filter(|id| !id.is_empty()),
                secret: false,
                dependencies: r.urn.iter().cloned().collect(),
            }
        })
    }

    /// One output property, typed. Unknown in preview when the provider cannot know it yet.
    pub fn output<T>(&self, name: &str) -> Output<T>
    where
        T: DeserializeOwned + Clone + Send + Sync + 'static,
    {
        let reg = self.registration.clone();
        let name = name.to_string();
        Output::from_nested_future(async move {
            let r = reg.await;
            let dependencies: BTreeSet<String> = r.urn.iter().cloned().collect();
            let mut raw = r.state.get(&name).cloned().unwrap_or(Json::Null);
            // A secret part stays secret at its place; only a secret whole makes all secret.
            let mut secret_paths = value::unwrap_secrets(&mut raw);
            let secret = secret_paths.iter().any(Vec::is_empty);
            secret_paths.retain(|p| !p.is_empty());
            let value = if is_unknown(&raw) || value::contains_unknowns(&raw) {
                None
            } else {
                serde_json::from_value(raw).ok()
            };
            let resolved = Resolved {
                value,
                secret,
                dependencies,
            };
            (resolved, secret_paths)
        })
    }
}

struct Inner {
    monitor: ResourceMonitorClient<Channel>,
    engine: Option<EngineClient<Channel>>,
    project: String,
    stack: String,
    dry_run: bool,
    config: Config,
    stack_urn: String,
    permits: Semaphore,
    pending: Mutex<Vec<tokio::task::JoinHandle<()>>>,
    exports: Mutex<Vec<(String, Output<Json>)>>,
    failed: AtomicBool,
}

/// Handle the program uses to declare resources, read config and export values.
#[derive(Clone)]
pub struct Context {
    inner: Arc<Inner>,
}

/// A resolved value as the engine expects it: wrapped when secret, the unknown sentinel when
/// not known (preview).
pub(crate) fn wire_value(v: Option<Json>, secret: bool) -> Json {
    wire_value_nested(v, secret, &[])
}

/// Like [`wire_value`], with a secret marker at each secret part's place only (the protocol
/// allows the marker at any depth), so the rest of the value stays readable in diffs.
pub(crate) fn wire_value_nested(
    v: Option<Json>,
    secret: bool,
    secret_paths: &[PropertyPath],
) -> Json {
    match v {
        Some(mut v) => {
            value::rewrap_secrets(&mut v, secret_paths);
            if secret { value::secret(v) } else { v }
        }
        None => value::unknown(),
    }
}

fn env(name: &str) -> Result<String, Error> {
    std::env::var(name).map_err(|_| {
        Error::Setup(format!(
            "{name} is not set: run this program through `pulumi preview` / `pulumi up` (runtime: rust)"
        ))
    })
}

fn channel(address: &str) -> Result<Channel, Error> {
    Ok(Channel::from_shared(pulumi_rs_proto::grpc_uri(address))
        .map_err(|e| Error::Setup(format!("bad engine address `{address}`: {e}")))?
        .connect_lazy())
}

/// Where a program runs: the engine's addresses and the deployment's settings (from the
/// language host's environment, or from a mock run).
pub(crate) struct RunSettings {
    pub monitor: String,
    pub engine: Option<String>,
    pub project: String,
    pub stack: String,
    pub dry_run: bool,
    pub parallel: usize,
    pub config: Config,
}

impl Context {
    async fn connect() -> Result<Self, Error> {
        let project = env("PULUMI_PROJECT")?;
        let stack = env("PULUMI_STACK")?;
        let config = Config::from_env(&project, &stack)?;
        Self::connect_to(RunSettings {
            monitor: env("PULUMI_MONITOR")?,
            engine: std::env::var("PULUMI_ENGINE")
                .ok()
                .filter(|a| !a.is_empty()),
            project,
            stack,
            dry_run: std::env::var("PULUMI_DRY_RUN").is_ok_and(|v| v == "true"),
            parallel: std::env::var("PULUMI_PARALLEL")
                .ok()
                .and_then(|p| p.parse::<usize>().ok())
                .filter(|p| *p > 0)
                .unwrap_or(16),
            config,
        })
        .await
    }

    pub(crate) async fn connect_to(settings: RunSettings) -> Result<Self, Error> {
        let RunSettings {
            monitor,
            engine,
            project,
            stack,
            dry_run,
            parallel,
            config,
        } = settings;
        let monitor = ResourceMonitorClient::new(channel(&monitor)?)
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES);
        let engine = engine
            .map(|a| channel(&a).map(EngineClient::new))
            .transpose()?;
        let mut inner = Inner {
            monitor,
            engine,
            project,
            stack,
            dry_run,
            config,
            stack_urn: String::new(),
            permits: Semaphore::new(parallel),
            pending: Mutex::new(Vec::new()),
            exports: Mutex::new(Vec::new()),
            failed: AtomicBool::new(false),
        };
        // The root resource must exist before anything can name it as parent.
        let response = inner
            .monitor
            .register_resource(RegisterResourceRequest {
                r#type: "pulumi:pulumi:Stack".into(),
                name: format!("{}-{}", inner.project, inner.stack),
                custom: false,
                object: Some(prost_types::Struct::default()),
                accept_secrets: true,
                supports_partial_values: true,
                ..Default::default()
            })
            .await
            .map_err(|e| Error::Engine(format!("registering the stack: {}", e.message())))?;
        inner.stack_urn = response.into_inner().urn;
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    pub fn project(&self) -> &str {
        &self.inner.project
    }

    pub fn stack(&self) -> &str {
        &self.inner.stack
    }

    /// The root stack resource's URN: the parent of resources declared without one.
    pub fn stack_urn(&self) -> &str {
        &self.inner.stack_urn
    }

    pub(crate) fn monitor(&self) -> ResourceMonitorClient<Channel> {
        self.inner.monitor.clone()
    }

    /// Runs `work` in the background; the run waits for it and fails if it fails.
    pub(crate) fn spawn_tracked(
        &self,
        work: impl Future<Output = Result<(), Error>> + Send + 'static,
    ) {
        let ctx = self.clone();
        let handle = tokio::spawn(async move {
            if let Err(e) = work.await {
                ctx.fail(&e).await;
            }
        });
        self.inner
            .pending
            .lock()
            .expect("pending lock")
            .push(handle);
    }

    /// True during `pulumi preview` (and the preview phase of `up`).
    pub fn is_dry_run(&self) -> bool {
        self.inner.dry_run
    }

    /// The stack's configuration (`<project>:<key>` values from `Pulumi.<stack>.yaml`).
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Adds a stack output (`pulumi stack output`).
    pub fn export<T: serde::Serialize + Clone + Send + Sync + 'static>(
        &self,
        name: &str,
        value: &Output<T>,
    ) {
        let json = value.map(|v| serde_json::to_value(v).unwrap_or(Json::Null));
        self.inner
            .exports
            .lock()
            .expect("exports lock")
            .push((name.to_string(), json));
    }

    /// Sends a message to the `pulumi` output.
    pub async fn log(&self, severity: LogSeverity, message: impl Into<String>) {
        let message = message.into();
        match &self.inner.engine {
            Some(engine) => {
                let _ = engine
                    .clone()
                    .log(LogRequest {
                        severity: severity as i32,
                        message,
                        ..Default::default()
                    })
                    .await;
            }
            None => eprintln!("{message}"),
        }
    }

    /// Calls a provider function (e.g. `fargate:ec2:getNetwork`). Functions run during previews
    /// too; the result is unknown only if an argument is.
    pub fn invoke(
        &self,
        token: &str,
        args: Vec<(String, Output<Json>)>,
    ) -> Output<Map<String, Json>> {
        let ctx = self.clone();
        let token = token.to_string();
        let (tx, rx) = tokio::sync::oneshot::channel::<Resolved<Map<String, Json>>>();
        let handle = tokio::spawn(async move {
            let resolved = match ctx.do_invoke(&token, args).await {
                Ok(r) => r,
                Err(e) => {
                    ctx.fail(&e).await;
                    Resolved::unknown()
                }
            };
            let _ = tx.send(resolved);
        });
        self.inner
            .pending
            .lock()
            .expect("pending lock")
            .push(handle);
        Output::from_future(async move { rx.await.unwrap_or_else(|_| Resolved::unknown()) })
    }

    async fn do_invoke(
        &self,
        token: &str,
        args: Vec<(String, Output<Json>)>,
    ) -> Result<Resolved<Map<String, Json>>, Error> {
        let mut object = Map::new();
        let mut secret = false;
        let mut dependencies = BTreeSet::new();
        for (key, output) in &args {
            let r = output.resolve().await;
            secret |= r.secret;
            dependencies.extend(r.dependencies);
            match r.value {
                Some(v) => {
                    object.insert(key.clone(), v);
                }
                None => {
                    return Ok(Resolved {
                        value: None,
                        secret,
                        dependencies,
                    });
                }
            }
        }
        let response = self
            .inner
            .monitor
            .clone()
            .invoke(ResourceInvokeRequest {
                tok: token.to_string(),
                args: Some(json_to_struct(&Json::Object(object))),
                ..Default::default()
            })
            .await
            .map_err(|status| Error::Registration {
                resource: token.to_string(),
                message: status.message().to_string(),
                // A call cut off because the engine is shutting down after another failure (it
                // closes its provider connections) is no error of its own.
                reported_by_engine: is_shutdown(&status),
            })?
            .into_inner();
        if response.unknown {
            // The engine declined to run it yet (dependencies pending in a preview).
            return Ok(Resolved {
                value: None,
                secret,
                dependencies,
            });
        }
        if !response.failures.is_empty() {
            let reasons: Vec<String> = response
                .failures
                .iter()
                .map(|f| format!("{}: {}", f.property, f.reason))
                .collect();
            return Err(Error::Program(format!(
                "{token}: invalid arguments: {}",
                reasons.join("; ")
            )));
        }
        let mut value = opt_struct_to_json(response.r#return.as_ref());
        secret |= !value::unwrap_secrets(&mut value).is_empty();
        Ok(Resolved {
            value: match value {
                Json::Object(m) => Some(m),
                _ => Some(Map::new()),
            },
            secret,
            dependencies,
        })
    }

    /// Registers a resource; returns immediately, the engine's answer arrives in the outputs.
    pub fn register_resource(
        &self,
        type_token: &str,
        name: &str,
        custom: bool,
        properties: Vec<(String, Output<Json>)>,
        options: ResourceOptions,
    ) -> RegisteredResource {
        let ctx = self.clone();
        let type_token = type_token.to_string();
        let name = name.to_string();
        let (tx, rx) = tokio::sync::oneshot::channel::<Registration>();
        let handle = tokio::spawn(async move {
            let result = ctx
                .do_register(&type_token, &name, custom, properties, options)
                .await;
            let registration = match result {
                Ok(r) => r,
                Err(e) => {
                    ctx.fail(&e).await;
                    Registration::default()
                }
            };
            let _ = tx.send(registration);
        });
        self.inner
            .pending
            .lock()
            .expect("pending lock")
            .push(handle);
        RegisteredResource {
            registration: async move { Arc::new(rx.await.unwrap_or_default()) }
                .boxed()
                .shared(),
        }
    }

    async fn do_register(
        &self,
        type_token: &str,
        name: &str,
        custom: bool,
        properties: Vec<(String, Output<Json>)>,
        options: ResourceOptions,
    ) -> Result<Registration, Error> {
        let mut object = Map::new();
        let mut property_dependencies = HashMap::new();
        let mut dependencies = BTreeSet::new();
        let resolved =
            futures::future::join_all(properties.iter().map(|(_, o)| o.resolve_nested())).await;
        for ((key, _), (r, secret_paths)) in properties.iter().zip(resolved) {
            object.insert(
                key.clone(),
                wire_value_nested(r.value, r.secret, &secret_paths),
            );
            dependencies.extend(r.dependencies.iter().cloned());
            property_dependencies.insert(
                key.clone(),
                PropertyDependencies {
                    urns: r.dependencies.into_iter().collect(),
                },
            );
        }
        for dep in &options.depends_on {
            dependencies.extend(dep.resolve().await.value);
        }
        let parent = match &options.parent {
            Some(p) => p.resolve().await.value.unwrap_or_default(),
            None => self.inner.stack_urn.clone(),
        };
        // A custom resource without its own provider takes its package's from the `providers`
        // its component passed down.
        let provider = match &options.provider {
            Some(p) => p.resolve().await.value.unwrap_or_default(),
            None if custom => match options
                .providers
                .get(crate::component::package_of(type_token))
            {
                Some(p) => p.resolve().await.value.unwrap_or_default(),
                None => String::new(),
            },
            None => String::new(),
        };
        let custom_timeouts = options.custom_timeouts.as_ref().map(|t| RpcTimeouts {
            create: t.create.clone().unwrap_or_default(),
            update: t.update.clone().unwrap_or_default(),
            delete: t.delete.clone().unwrap_or_default(),
        });
        let request = RegisterResourceRequest {
            r#type: type_token.to_string(),
            name: name.to_string(),
            parent,
            custom,
            object: Some(json_to_struct(&Json::Object(object))),
            // Unset rather than false, so the engine applies the parent component's setting.
            protect: options.protect.then_some(true),
            dependencies: dependencies.into_iter().collect(),
            provider,
            property_dependencies,
            delete_before_replace: options.delete_before_replace,
            ignore_changes: options.ignore_changes.clone(),
            accept_secrets: true,
            additional_secret_outputs: options.additional_secret_outputs.clone(),
            aliases: crate::component::wire_aliases(&options.aliases).await?,
            alias_specs: true,
            providers: crate::component::resolve_providers(&options.providers).await,
            import_id: options.import_id.clone().unwrap_or_default(),
            custom_timeouts,
            supports_partial_values: true,
            retain_on_delete: options.retain_on_delete.then_some(true),
            ..Default::default()
        };
        let _permit = self.inner.permits.acquire().await.expect("semaphore open");
        let response = self
            .inner
            .monitor
            .clone()
            .register_resource(request)
            .await
            .map_err(|status| Error::Registration {
                resource: format!("{type_token} `{name}`"),
                message: status.message().to_string(),
                // A failed step ends its registration with Unavailable after the engine has
                // shown the failure, and the registrations still in flight are cancelled; any
                // other answer is a refused request nobody has shown yet.
                reported_by_engine: is_shutdown(&status),
            })?
            .into_inner();
        Ok(Registration {
            urn: Some(response.urn),
            id: Some(response.id),
            state: match opt_struct_to_json(response.object.as_ref()) {
                Json::Object(m) => m,
                _ => Map::new(),
            },
        })
    }

    pub(crate) async fn fail(&self, e: &Error) {
        self.inner.failed.store(true, Ordering::SeqCst);
        // The engine shows a failed step itself; saying it again would only add noise.
        if !e.reported_by_engine() {
            self.log(LogSeverity::Error, e.to_string()).await;
        }
    }

    async fn finish(&self) -> Result<(), Error> {
        // Registrations can spawn more registrations (outputs feeding inputs): drain until empty.
        loop {
            let batch: Vec<_> =
                std::mem::take(&mut *self.inner.pending.lock().expect("pending lock"));
            if batch.is_empty() {
                break;
            }
            for handle in batch {
                // A panicked registration must fail the run, not vanish from it.
                if let Err(e) = handle.await {
                    let reason = match e.try_into_panic() {
                        Ok(payload) => payload
                            .downcast_ref::<String>()
                            .cloned()
                            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                            .unwrap_or_else(|| "a panic".to_string()),
                        Err(e) => e.to_string(),
                    };
                    self.fail(&Error::Program(format!(
                        "a resource registration of this program failed: {reason}"
                    )))
                    .await;
                }
            }
        }
        if self.inner.failed.load(Ordering::SeqCst) {
            return Err(Error::Bail);
        }
        let exports: Vec<_> =
            std::mem::take(&mut *self.inner.exports.lock().expect("exports lock"));
        let mut outputs = Map::new();
        for (name, output) in exports {
            let r = output.resolve().await;
            outputs.insert(name, wire_value(r.value, r.secret));
        }
        self.inner
            .monitor
            .clone()
            .register_resource_outputs(RegisterResourceOutputsRequest {
                urn: self.inner.stack_urn.clone(),
                outputs: Some(json_to_struct(&Json::Object(outputs))),
            })
            .await
            .map_err(|e| Error::Engine(format!("registering stack outputs: {}", e.message())))?;
        Ok(())
    }
}

/// The engine's answer for a call it cut off while shutting down (after a failure it has shown):
/// the call is cancelled, or its provider connection was closing.
pub(crate) fn is_shutdown(status: &tonic::Status) -> bool {
    matches!(
        status.code(),
        tonic::Code::Unavailable | tonic::Code::Cancelled
    ) || status.message().ends_with("context canceled")
        || status
            .message()
            .contains("the client connection is closing")
}

/// Runs a Pulumi program: call it from `main` and return its exit code.
///
/// ```no_run
/// fn main() -> std::process::ExitCode {
///     pulumi_rs::run(|ctx| async move {
///         ctx.export("greeting", &pulumi_rs::Output::new("hello".to_string()));
///         Ok(())
///     })
/// }
/// ```
pub fn run<F, Fut>(program: F) -> ExitCode
where
    F: FnOnce(Context) -> Fut,
    Fut: Future<Output = Result<(), Error>>,
{
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: starting the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let ctx = match Context::connect().await {
            Ok(ctx) => ctx,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        match run_program(&ctx, program).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(Error::Bail) => ExitCode::from(EXIT_BAIL),
            Err(e) => {
                if !e.reported_by_engine() {
                    ctx.log(LogSeverity::Error, e.to_string()).await;
                }
                ExitCode::from(EXIT_BAIL)
            }
        }
    })
}

/// Runs the program's closure, then waits for everything it declared and registers the stack
/// outputs.
pub(crate) async fn run_program<F, Fut>(ctx: &Context, program: F) -> Result<(), Error>
where
    F: FnOnce(Context) -> Fut,
    Fut: Future<Output = Result<(), Error>>,
{
    match program(ctx.clone()).await {
        Ok(()) => ctx.finish().await,
        Err(e) => {
            // Let registrations already under way finish so state stays accurate.
            let _ = ctx.finish().await;
            Err(e)
        }
    }
}

/// Helper to build a property list for [`Context::register_resource`].
#[derive(Default)]
pub struct Properties(Vec<(String, Output<Json>)>);

impl Properties {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a property when present.
    pub fn set<T>(mut self, key: &str, value: Option<&Output<T>>) -> Self
    where
        T: serde::Serialize + Clone + Send + Sync + 'static,
    {
        if let Some(v) = value {
            self.0.push((key.to_string(), v.to_json()));
        }
        self
    }

    pub fn into_vec(self) -> Vec<(String, Output<Json>)> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use pulumi_rs_proto::value::{SECRET_SIG, SIG_KEY};
    use serde_json::json;

    use super::*;
    use crate::fargate::ecs::{ContainerDefinitionArgs, HealthCheckArgs, TaskDefinitionArgs};
    use crate::output::{all, all_map};

    fn secret(v: Json) -> Json {
        json!({SIG_KEY: SECRET_SIG, "value": v})
    }

    /// The properties exactly as `do_register` puts them on the wire.
    async fn wire_object(properties: Vec<(String, Output<Json>)>) -> Json {
        let mut object = Map::new();
        for (key, output) in properties {
            let (r, paths) = output.resolve_nested().await;
            object.insert(key, wire_value_nested(r.value, r.secret, &paths));
        }
        Json::Object(object)
    }

    #[tokio::test]
    async fn a_nested_secret_is_secret_on_the_wire_at_its_place_only() {
        let environment = all_map(BTreeMap::from([
            ("LOG_LEVEL".to_string(), Output::new("info".to_string())),
            (
                "SENTRY_DSN".to_string(),
                Output::secret("https://key@sentry.example".to_string()),
            ),
        ]));
        let container = ContainerDefinitionArgs {
            name: Some("api".into()),
            image: Some("repo/api:1.4.2".into()),
            cpu: Some(Output::new(256)),
            environment: Some(environment),
            health_check: Some(
                HealthCheckArgs {
                    command: Some(Output::secret(vec!["CMD".to_string(), "probe".to_string()])),
                    ..Default::default()
                }
                .into(),
            ),
            ..Default::default()
        }
        .build();
        let tags = all_map(BTreeMap::from([
            ("team".to_string(), Output::new("backend".to_string())),
            ("owner".to_string(), Output::secret("alice".to_string())),
        ]));
        let args = TaskDefinitionArgs {
            containers: Some(all(vec![container])),
            cpu: Some(Output::new(512)),
            memory: Some(Output::secret(1024)),
            tags: Some(tags),
            ..Default::default()
        };
        let wire = wire_object(args.properties().into_vec()).await;
        assert_eq!(
            wire,
            json!({
                "containers": [{
                    "name": "api",
                    "image": "repo/api:1.4.2",
                    "cpu": 256,
                    "environment": {
                        "LOG_LEVEL": "info",
                        "SENTRY_DSN": secret(json!("https://key@sentry.example")),
                    },
                    "healthCheck": {"command": secret(json!(["CMD", "probe"]))},
                }],
                "cpu": 512,
                "memory": secret(json!(1024)),
                "tags": {"owner": secret(json!("alice")), "team": "backend"},
            })
        );
    }

    #[tokio::test]
    async fn a_value_seen_only_as_a_whole_stays_secret() {
        let list = all(vec![Output::new(1), Output::secret(2)]);
        assert!(
            list.resolve().await.secret,
            "resolve sees the list as secret"
        );
        let (whole, paths) = list.resolve_nested().await;
        assert!(!whole.secret);
        assert_eq!(paths, vec![vec![value::PathSegment::Index(1)]]);
        // A derived value cannot say where the secret went: secret as a whole.
        let (sum, paths) = list.map(|v| v.iter().sum::<i32>()).resolve_nested().await;
        assert!(sum.secret && paths.is_empty());
        assert_eq!(
            wire_value_nested(sum.value.map(|v| json!(v)), sum.secret, &paths),
            secret(json!(3))
        );
    }

    #[tokio::test]
    async fn an_unknown_field_makes_the_object_unknown_on_the_wire() {
        let container = ContainerDefinitionArgs {
            name: Some("api".into()),
            image: Some(Output::unknown()),
            ..Default::default()
        }
        .build();
        let wire = wire_object(vec![("c".into(), container.to_json())]).await;
        assert_eq!(wire, json!({"c": value::unknown()}));
    }
}
