//! Unit tests of a program without an engine, like `setMocks` / `WithMocks` in the other
//! Pulumi SDKs.
//!
//! [`run_with_mocks`] runs a program's closure against an in-process resource monitor on
//! loopback: every resource and function call goes to a [`Mocks`] implementation (inputs in,
//! id and outputs out), and the run returns what the program declared — type, name, parent,
//! inputs as the engine would have received them (secrets still wrapped), options and stack
//! outputs — for a `#[test]` to assert. The program talks to it over the same wire code as to
//! the real engine, so what a test sees is what `pulumi up` would get.
//!
//! ```no_run
//! use pulumi_rs::mocks::{EchoMocks, MockSettings, run_with_mocks};
//! use pulumi_rs::fargate::ecs::{Cluster, ClusterArgs};
//! use pulumi_rs::ResourceOptions;
//!
//! let run = run_with_mocks(MockSettings::new("proj", "dev"), EchoMocks, |ctx| async move {
//!     Cluster::new(&ctx, "main", ClusterArgs::default(), ResourceOptions::default());
//!     Ok(())
//! })
//! .unwrap();
//! assert!(run.resource("fargate:ecs:Cluster", "main").is_some());
//! ```

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use pulumi_rs_proto::pulumirpc::engine_server::{Engine, EngineServer};
use pulumi_rs_proto::pulumirpc::resource_monitor_server::{ResourceMonitor, ResourceMonitorServer};
use pulumi_rs_proto::pulumirpc::{
    LogRequest, ReadResourceRequest, ReadResourceResponse, RegisterResourceOutputsRequest,
    RegisterResourceRequest, RegisterResourceResponse, ResourceInvokeRequest,
    ResourceInvokeResponse, SupportsFeatureRequest, SupportsFeatureResponse,
};
use pulumi_rs_proto::value::{self, json_to_struct, opt_struct_to_json};
use serde_json::{Map, Value as Json};
use tokio_stream::wrappers::TcpListenerStream;
use tonic::{Request, Response, Status};

use crate::config::Config;
use crate::error::Error;
use crate::runtime::{Context, RunSettings, run_program};

const STACK_TYPE: &str = "pulumi:pulumi:Stack";

/// A resource the program declared (or read), as the mock engine received it.
#[derive(Debug, Clone)]
pub struct MockResource {
    pub urn: String,
    pub type_token: String,
    pub name: String,
    /// The parent's URN (the stack's for a top-level resource).
    pub parent: String,
    /// False for a component.
    pub custom: bool,
    /// Inputs with secrets unwrapped (what a provider would see).
    pub inputs: Map<String, Json>,
    /// For a read (e.g. a stack reference): the id asked for.
    pub read_id: Option<String>,
}

/// A provider function the program called.
#[derive(Debug, Clone)]
pub struct MockCall {
    pub token: String,
    pub args: Map<String, Json>,
}

/// Answers for the program's resources and function calls.
pub trait Mocks: Send + Sync + 'static {
    /// A custom resource (or a read) was declared: its id and output properties.
    fn new_resource(&self, resource: &MockResource) -> Result<(String, Map<String, Json>), String>;

    /// A provider function was called: its result.
    fn call(&self, call: &MockCall) -> Result<Map<String, Json>, String>;
}

/// Mocks that give each resource the id `<name>-id` and its inputs as outputs, and each
/// function an empty result.
pub struct EchoMocks;

impl Mocks for EchoMocks {
    fn new_resource(&self, r: &MockResource) -> Result<(String, Map<String, Json>), String> {
        Ok((format!("{}-id", r.name), r.inputs.clone()))
    }

    fn call(&self, _: &MockCall) -> Result<Map<String, Json>, String> {
        Ok(Map::new())
    }
}

/// A registration the program made, with its options.
#[derive(Debug, Clone)]
pub struct Declared {
    pub urn: String,
    pub type_token: String,
    pub name: String,
    pub parent: String,
    pub custom: bool,
    /// Inputs on the wire: a secret is still wrapped as one.
    pub wire_inputs: Map<String, Json>,
    pub protect: Option<bool>,
    pub dependencies: Vec<String>,
    pub provider: String,
    pub providers: HashMap<String, String>,
    pub aliases: Vec<pulumi_rs_proto::pulumirpc::Alias>,
    pub ignore_changes: Vec<String>,
    pub delete_before_replace: bool,
    pub read: bool,
}

impl Declared {
    /// One input, secrets unwrapped.
    pub fn input(&self, key: &str) -> Option<Json> {
        let mut v = self.wire_inputs.get(key)?.clone();
        value::unwrap_secrets(&mut v);
        Some(v)
    }

    /// Whether the input is secret, as a whole or anywhere inside.
    pub fn is_secret(&self, key: &str) -> bool {
        self.wire_inputs.get(key).is_some_and(|v| {
            let mut v = v.clone();
            !value::unwrap_secrets(&mut v).is_empty()
        })
    }

    /// Every string of the inputs that is not inside a secret: what would be stored and shown
    /// in plaintext. A test asserts a secret's value is not among them.
    pub fn plaintext_strings(&self) -> Vec<String> {
        let mut out = Vec::new();
        for v in self.wire_inputs.values() {
            collect_plaintext(v, &mut out);
        }
        out
    }
}

fn collect_plaintext(v: &Json, out: &mut Vec<String>) {
    if value::is_secret(v) {
        return;
    }
    match v {
        Json::String(s) => out.push(s.clone()),
        Json::Array(items) => items.iter().for_each(|i| collect_plaintext(i, out)),
        Json::Object(m) => m.values().for_each(|i| collect_plaintext(i, out)),
        _ => {}
    }
}

/// What a mock run declared.
#[derive(Debug, Clone, Default)]
pub struct MockRun {
    /// Every resource, component and read, in registration order (the stack excluded).
    pub resources: Vec<Declared>,
    /// The stack's outputs on the wire (secrets wrapped).
    pub stack_outputs: Map<String, Json>,
    /// Each component's registered outputs, by URN.
    pub component_outputs: HashMap<String, Map<String, Json>>,
    pub calls: Vec<MockCall>,
    /// Messages the program logged.
    pub logs: Vec<String>,
}

impl MockRun {
    pub fn resource(&self, type_token: &str, name: &str) -> Option<&Declared> {
        self.resources
            .iter()
            .find(|r| r.type_token == type_token && r.name == name)
    }

    pub fn of_type(&self, type_token: &str) -> Vec<&Declared> {
        self.resources
            .iter()
            .filter(|r| r.type_token == type_token)
            .collect()
    }

    /// The resources whose parent is `urn`.
    pub fn children_of(&self, urn: &str) -> Vec<&Declared> {
        self.resources.iter().filter(|r| r.parent == urn).collect()
    }

    /// A stack output, secrets unwrapped.
    pub fn output(&self, name: &str) -> Option<Json> {
        let mut v = self.stack_outputs.get(name)?.clone();
        value::unwrap_secrets(&mut v);
        Some(v)
    }

    pub fn output_is_secret(&self, name: &str) -> bool {
        self.stack_outputs.get(name).is_some_and(value::is_secret)
    }
}

/// The deployment a mock run pretends to be.
#[derive(Debug, Clone)]
pub struct MockSettings {
    pub project: String,
    pub stack: String,
    /// A preview (`pulumi preview`) rather than an update.
    pub dry_run: bool,
    config: HashMap<String, String>,
    secret_keys: HashSet<String>,
}

impl MockSettings {
    pub fn new(project: &str, stack: &str) -> Self {
        Self {
            project: project.to_string(),
            stack: stack.to_string(),
            dry_run: false,
            config: HashMap::new(),
            secret_keys: HashSet::new(),
        }
    }

    fn full_key(&self, key: &str) -> String {
        if key.contains(':') {
            key.to_string()
        } else {
            format!("{}:{key}", self.project)
        }
    }

    /// A config value as `pulumi config set` stores it (structured values as JSON text);
    /// `key` without a namespace is the project's.
    pub fn config(mut self, key: &str, value: &str) -> Self {
        self.config.insert(self.full_key(key), value.to_string());
        self
    }

    /// A secret config value (`pulumi config set --secret`).
    pub fn secret_config(mut self, key: &str, value: &str) -> Self {
        let key = self.full_key(key);
        self.secret_keys.insert(key.clone());
        self.config.insert(key, value.to_string());
        self
    }

    pub fn preview(mut self) -> Self {
        self.dry_run = true;
        self
    }
}

/// Why a mock run failed: the program's error and what it logged.
#[derive(Debug, Clone)]
pub struct MockError {
    pub message: String,
    pub run: Box<MockRun>,
}

impl std::fmt::Display for MockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.message)?;
        for log in &self.run.logs {
            write!(f, "\n  logged: {log}")?;
        }
        Ok(())
    }
}

impl std::error::Error for MockError {}

struct MockEngine {
    mocks: Arc<dyn Mocks>,
    project: String,
    stack: String,
    run: Mutex<MockRun>,
}

impl MockEngine {
    fn urn(&self, type_token: &str, name: &str, parent: &str) -> String {
        // A child's URN holds its parent's type chain (not the stack's), as the engine's does.
        let parent_type = parent.split("::").nth(2).unwrap_or_default();
        let qualified = if parent_type.is_empty() || parent_type == STACK_TYPE {
            type_token.to_string()
        } else {
            format!("{parent_type}${type_token}")
        };
        format!(
            "urn:pulumi:{}::{}::{qualified}::{name}",
            self.stack, self.project
        )
    }

    fn record(&self) -> std::sync::MutexGuard<'_, MockRun> {
        self.run.lock().expect("mock run lock")
    }
}

/// The mock engine as a gRPC service (a local type: the service traits are foreign).
#[derive(Clone)]
struct MockServer(Arc<MockEngine>);

impl std::ops::Deref for MockServer {
    type Target = MockEngine;

    fn deref(&self) -> &MockEngine {
        &self.0
    }
}

fn object(s: Option<&prost_types::Struct>) -> Map<String, Json> {
    match opt_struct_to_json(s) {
        Json::Object(m) => m,
        _ => Map::new(),
    }
}

fn unwrapped(m: &Map<String, Json>) -> Map<String, Json> {
    let mut v = Json::Object(m.clone());
    value::unwrap_secrets(&mut v);
    match v {
        Json::Object(m) => m,
        _ => Map::new(),
    }
}

#[tonic::async_trait]
impl ResourceMonitor for MockServer {
    async fn supports_feature(
        &self,
        _: Request<SupportsFeatureRequest>,
    ) -> Result<Response<SupportsFeatureResponse>, Status> {
        Ok(Response::new(SupportsFeatureResponse { has_support: true }))
    }

    async fn invoke(
        &self,
        request: Request<ResourceInvokeRequest>,
    ) -> Result<Response<ResourceInvokeResponse>, Status> {
        let req = request.into_inner();
        let call = MockCall {
            token: req.tok,
            args: unwrapped(&object(req.args.as_ref())),
        };
        self.record().calls.push(call.clone());
        let result = self.mocks.call(&call).map_err(Status::unknown)?;
        Ok(Response::new(ResourceInvokeResponse {
            r#return: Some(json_to_struct(&Json::Object(result))),
            ..Default::default()
        }))
    }

    async fn read_resource(
        &self,
        request: Request<ReadResourceRequest>,
    ) -> Result<Response<ReadResourceResponse>, Status> {
        let req = request.into_inner();
        let urn = self.urn(&req.r#type, &req.name, &req.parent);
        let wire_inputs = object(req.properties.as_ref());
        let resource = MockResource {
            urn: urn.clone(),
            type_token: req.r#type.clone(),
            name: req.name.clone(),
            parent: req.parent.clone(),
            custom: true,
            inputs: unwrapped(&wire_inputs),
            read_id: Some(req.id.clone()),
        };
        let (_, outputs) = self
            .mocks
            .new_resource(&resource)
            .map_err(Status::unknown)?;
        self.record().resources.push(Declared {
            urn: urn.clone(),
            type_token: req.r#type,
            name: req.name,
            parent: req.parent,
            custom: true,
            wire_inputs,
            protect: None,
            dependencies: req.dependencies,
            provider: req.provider,
            providers: HashMap::new(),
            aliases: Vec::new(),
            ignore_changes: Vec::new(),
            delete_before_replace: false,
            read: true,
        });
        Ok(Response::new(ReadResourceResponse {
            urn,
            properties: Some(json_to_struct(&Json::Object(outputs))),
        }))
    }

    async fn register_resource(
        &self,
        request: Request<RegisterResourceRequest>,
    ) -> Result<Response<RegisterResourceResponse>, Status> {
        let req = request.into_inner();
        let urn = self.urn(&req.r#type, &req.name, &req.parent);
        if req.r#type == STACK_TYPE {
            return Ok(Response::new(RegisterResourceResponse {
                urn,
                ..Default::default()
            }));
        }
        let wire_inputs = object(req.object.as_ref());
        if self.record().resources.iter().any(|r| r.urn == urn) {
            return Err(Status::already_exists(format!(
                "Duplicate resource URN '{urn}'; try giving it a unique name"
            )));
        }
        let (id, outputs) = if req.custom {
            self.mocks
                .new_resource(&MockResource {
                    urn: urn.clone(),
                    type_token: req.r#type.clone(),
                    name: req.name.clone(),
                    parent: req.parent.clone(),
                    custom: true,
                    inputs: unwrapped(&wire_inputs),
                    read_id: None,
                })
                .map_err(Status::unknown)?
        } else {
            (String::new(), Map::new())
        };
        self.record().resources.push(Declared {
            urn: urn.clone(),
            type_token: req.r#type,
            name: req.name,
            parent: req.parent,
            custom: req.custom,
            wire_inputs,
            protect: req.protect,
            dependencies: req.dependencies,
            provider: req.provider,
            providers: req.providers,
            aliases: req.aliases,
            ignore_changes: req.ignore_changes,
            delete_before_replace: req.delete_before_replace,
            read: false,
        });
        Ok(Response::new(RegisterResourceResponse {
            urn,
            id,
            object: Some(json_to_struct(&Json::Object(outputs))),
            ..Default::default()
        }))
    }

    async fn register_resource_outputs(
        &self,
        request: Request<RegisterResourceOutputsRequest>,
    ) -> Result<Response<()>, Status> {
        let req = request.into_inner();
        let outputs = object(req.outputs.as_ref());
        let mut run = self.record();
        if req.urn.split("::").nth(2) == Some(STACK_TYPE) {
            run.stack_outputs = outputs;
        } else {
            run.component_outputs.insert(req.urn, outputs);
        }
        Ok(Response::new(()))
    }
}

#[tonic::async_trait]
impl Engine for MockServer {
    async fn log(&self, request: Request<LogRequest>) -> Result<Response<()>, Status> {
        self.record().logs.push(request.into_inner().message);
        Ok(Response::new(()))
    }
}

/// Runs `program` against `mocks`, without an engine, and returns what it declared; or its
/// error with what it logged.
pub fn run_with_mocks<M, F, Fut>(
    settings: MockSettings,
    mocks: M,
    program: F,
) -> Result<MockRun, MockError>
where
    M: Mocks,
    F: FnOnce(Context) -> Fut,
    Fut: Future<Output = Result<(), Error>>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime for the mock run");
    let engine = Arc::new(MockEngine {
        mocks: Arc::new(mocks),
        project: settings.project.clone(),
        stack: settings.stack.clone(),
        run: Mutex::new(MockRun::default()),
    });
    let result = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| Error::Setup(format!("mock engine: binding loopback: {e}")))?;
        let address = listener
            .local_addr()
            .map_err(|e| Error::Setup(format!("mock engine: {e}")))?
            .to_string();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(
            tonic::transport::Server::builder()
                .add_service(ResourceMonitorServer::new(MockServer(engine.clone())))
                .add_service(EngineServer::new(MockServer(engine.clone())))
                .serve_with_incoming_shutdown(TcpListenerStream::new(listener), async {
                    let _ = stopped.await;
                }),
        );
        let config = Config::new(
            &settings.project,
            &settings.stack,
            settings.config.clone(),
            settings.secret_keys.clone(),
        );
        let ctx = Context::connect_to(RunSettings {
            monitor: address.clone(),
            engine: Some(address),
            project: settings.project.clone(),
            stack: settings.stack.clone(),
            dry_run: settings.dry_run,
            parallel: 16,
            config,
        })
        .await?;
        let result = run_program(&ctx, program).await;
        let _ = stop.send(());
        let _ = server.await;
        result
    });
    let run = engine.record().clone();
    match result {
        Ok(()) => Ok(run),
        Err(e) => Err(MockError {
            message: e.to_string(),
            run: Box::new(run),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::component::{Alias, ComponentResource};
    use crate::fargate::ecs::{Cluster, ClusterArgs};
    use crate::output::Output;
    use crate::runtime::ResourceOptions;
    use crate::stack_reference::StackReference;

    #[test]
    fn records_resources_parents_and_secret_inputs() {
        let run = run_with_mocks(MockSettings::new("p", "dev"), EchoMocks, |ctx| async move {
            let web = ComponentResource::new(
                &ctx,
                "sotex:backend:WebService",
                "api",
                ResourceOptions {
                    protect: true,
                    aliases: vec![Alias::name("old-api")],
                    ..Default::default()
                },
            )?;
            let cluster = Cluster::new(
                &ctx,
                &web.child_name("cluster"),
                ClusterArgs {
                    tags: Some(Output::secret(
                        [("owner".to_string(), "s3cr3t-owner".to_string())].into(),
                    )),
                    ..Default::default()
                },
                web.child_options(),
            );
            web.register_outputs([("clusterArn", cluster.arn.to_json())]);
            ctx.export("name", &cluster.name.as_secret());
            Ok(())
        })
        .unwrap();
        let web = run.resource("sotex:backend:WebService", "api").unwrap();
        assert!(!web.custom);
        assert_eq!(web.protect, Some(true));
        assert_eq!(web.aliases.len(), 1);
        assert_eq!(web.parent, "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev");
        let cluster = run.resource("fargate:ecs:Cluster", "api-cluster").unwrap();
        assert_eq!(cluster.parent, web.urn);
        assert_eq!(
            cluster.urn,
            "urn:pulumi:dev::p::sotex:backend:WebService$fargate:ecs:Cluster::api-cluster"
        );
        // Unset, so the engine applies the component's protect.
        assert_eq!(cluster.protect, None);
        assert!(cluster.is_secret("tags"));
        assert_eq!(
            cluster.input("tags"),
            Some(serde_json::json!({"owner": "s3cr3t-owner"}))
        );
        assert!(
            !cluster
                .plaintext_strings()
                .contains(&"s3cr3t-owner".to_string())
        );
        assert_eq!(run.children_of(&web.urn).len(), 1);
        assert!(run.component_outputs.contains_key(&web.urn));
        assert!(run.output_is_secret("name"));
    }

    #[test]
    fn a_components_providers_reach_its_children_and_nested_components() {
        const EU: &str = "urn:pulumi:dev::p::pulumi:providers:fargate::eu::eu-id";
        let run = run_with_mocks(MockSettings::new("p", "dev"), EchoMocks, |ctx| async move {
            let outer = ComponentResource::new(
                &ctx,
                "sotex:backend:Region",
                "eu",
                ResourceOptions {
                    providers: [("fargate".to_string(), Output::new(EU.to_string()))].into(),
                    ..Default::default()
                },
            )?;
            let inner = ComponentResource::new(
                &ctx,
                "sotex:backend:WebService",
                "api",
                outer.child_options(),
            )?;
            Cluster::new(&ctx, "a", ClusterArgs::default(), inner.child_options());
            let own = "urn:pulumi:dev::p::pulumi:providers:fargate::us::us-id";
            Cluster::new(
                &ctx,
                "b",
                ClusterArgs::default(),
                ResourceOptions {
                    provider: Some(Output::new(own.to_string())),
                    ..Default::default()
                }
                .child_of(&inner),
            );
            Ok(())
        })
        .unwrap();
        let a = run.resource("fargate:ecs:Cluster", "a").unwrap();
        assert_eq!(a.provider, EU);
        assert_eq!(
            a.urn,
            "urn:pulumi:dev::p::sotex:backend:Region$sotex:backend:WebService$fargate:ecs:Cluster::a"
        );
        let b = run.resource("fargate:ecs:Cluster", "b").unwrap();
        assert!(b.provider.ends_with("::us::us-id"), "{}", b.provider);
    }

    #[test]
    fn a_bad_component_type_is_an_error_naming_it() {
        let err = run_with_mocks(MockSettings::new("p", "dev"), EchoMocks, |ctx| async move {
            ComponentResource::new(&ctx, "WebService", "api", ResourceOptions::default())?;
            Ok(())
        })
        .unwrap_err();
        assert!(err.message.contains("`WebService`"), "{err}");
    }

    struct OtherStack;

    impl Mocks for OtherStack {
        fn new_resource(&self, r: &MockResource) -> Result<(String, Map<String, Json>), String> {
            let outputs = serde_json::json!({
                "name": r.inputs["name"],
                "outputs": {"url": "http://x", "token": value::secret("s3cr3t".into())},
                "secretOutputNames": ["token"],
            });
            Ok((
                r.read_id.clone().unwrap_or_default(),
                outputs.as_object().unwrap().clone(),
            ))
        }

        fn call(&self, _: &MockCall) -> Result<Map<String, Json>, String> {
            Ok(Map::new())
        }
    }

    #[test]
    fn stack_reference_outputs_keep_secrecy_and_a_missing_one_names_stack_and_output() {
        let run = run_with_mocks(
            MockSettings::new("p", "dev"),
            OtherStack,
            |ctx| async move {
                let other = StackReference::new(&ctx, "organization/a/dev")?;
                ctx.export("url", &other.require_output::<String>("url"));
                ctx.export("token", &other.require_output::<String>("token"));
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(run.output("url"), Some(Json::from("http://x")));
        assert!(!run.output_is_secret("url"));
        assert!(run.output_is_secret("token"));
        let reference = &run.of_type("pulumi:pulumi:StackReference")[0];
        assert_eq!(
            reference.input("name"),
            Some(Json::from("organization/a/dev"))
        );

        let err = run_with_mocks(
            MockSettings::new("p", "dev"),
            OtherStack,
            |ctx| async move {
                let other = StackReference::new(&ctx, "organization/a/dev")?;
                ctx.export("db", &other.require_output::<String>("databaseUrl"));
                Ok(())
            },
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("stack `organization/a/dev` has no output `databaseUrl`"),
            "{text}"
        );
    }
}
