//! The gRPC `ResourceProvider`: converts wire values to JSON, unwraps and re-wraps secrets, and
//! dispatches to the resource registry.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use prost::Message;
use prost_types::{Any, Struct};
use pulumi_rs_proto::google::rpc;
use pulumi_rs_proto::pulumirpc::resource_provider_server::ResourceProvider;
use pulumi_rs_proto::pulumirpc::{
    self as rpcs, CheckRequest, CheckResponse, ConfigureRequest, ConfigureResponse, CreateRequest,
    CreateResponse, DeleteRequest, DiffRequest, DiffResponse, ErrorResourceInitFailed,
    GetSchemaRequest, GetSchemaResponse, InvokeRequest, InvokeResponse, PluginInfo, PropertyDiff,
    ReadRequest, ReadResponse, UpdateRequest, UpdateResponse,
};
use pulumi_rs_proto::value::{
    contains_unknowns, json_to_struct, opt_struct_to_json, strip_unknowns,
};
use serde_json::Value as Json;
use tokio_util::sync::CancellationToken;
use tonic::{Code, Request, Response, Status};

use crate::aws::AwsClients;
use crate::config::ProviderConfig;
use crate::context::{Ctx, EngineLog, ResourceLog, timeout_from_seconds};
use crate::error::{CheckFailure, ProviderError};
use crate::function::{DynFunction, unknown_function};
use crate::resource::{ChangeKind, CheckContext, DiffInput, DynResource};
use crate::secrets::SecretMarks;

/// Configuration in force after `Configure`.
struct Configured {
    aws: Arc<AwsClients>,
    default_tags: BTreeMap<String, String>,
}

pub struct FargateProvider {
    resources: HashMap<&'static str, Box<dyn DynResource>>,
    functions: HashMap<&'static str, Box<dyn DynFunction>>,
    configured: RwLock<Option<Arc<Configured>>>,
    engine: EngineLog,
    cancel: CancellationToken,
}

impl FargateProvider {
    pub fn new(engine: EngineLog) -> Self {
        Self {
            resources: crate::resources::all()
                .into_iter()
                .map(|r| (r.token(), r))
                .collect(),
            functions: crate::functions::all()
                .into_iter()
                .map(|f| (f.token(), f))
                .collect(),
            configured: RwLock::new(None),
            engine,
            cancel: CancellationToken::new(),
        }
    }

    fn resource(&self, type_token: &str, urn: &str) -> Result<&dyn DynResource, Status> {
        let token = if type_token.is_empty() {
            urn_type(urn)
        } else {
            type_token
        };
        self.resources
            .get(token)
            .map(|r| r.as_ref())
            .ok_or_else(|| {
                let mut known: Vec<&str> = self.resources.keys().copied().collect();
                known.sort_unstable();
                Status::invalid_argument(format!(
                    "unknown resource type `{token}`; this provider serves: {}",
                    known.join(", ")
                ))
            })
    }

    fn configured(&self) -> Arc<Configured> {
        // Unconfigured use (e.g. a test) gets the SDK's defaults.
        self.configured
            .read()
            .expect("config lock")
            .clone()
            .unwrap_or_else(|| {
                Arc::new(Configured {
                    aws: Arc::new(AwsClients::new(ProviderConfig::default())),
                    default_tags: BTreeMap::new(),
                })
            })
    }

    fn ctx(&self, urn: &str, timeout_seconds: f64) -> Ctx {
        let configured = self.configured();
        Ctx {
            aws: configured.aws.clone(),
            log: ResourceLog::new(self.engine.clone(), urn),
            cancel: self.cancel.child_token(),
            timeout: timeout_from_seconds(timeout_seconds),
            default_tags: configured.default_tags.clone(),
        }
    }
}

/// The type token inside a URN: `urn:pulumi:stack::project::parent$type::name`.
pub fn urn_type(urn: &str) -> &str {
    urn.split("::")
        .nth(2)
        .map(|t| t.rsplit('$').next().unwrap_or(t))
        .unwrap_or_default()
}

/// The resource name at the end of a URN.
pub fn urn_name(urn: &str) -> &str {
    urn.split("::").nth(3).unwrap_or_default()
}

/// Plain JSON of a wire struct, with where its secrets were.
fn plain(s: Option<&Struct>) -> (Json, SecretMarks) {
    let mut v = opt_struct_to_json(s);
    let marks = SecretMarks::unwrap(&mut v);
    (v, marks)
}

/// A result for the engine: the remembered secrets wrapped again.
fn wire(v: Json, marks: &SecretMarks) -> Option<Struct> {
    Some(json_to_struct(&marks.wrap(v)))
}

fn is_empty_object(v: &Json) -> bool {
    v.as_object().is_none_or(|m| m.is_empty())
}

/// Masks secret texts in failure reasons as `[secret]`.
fn redact_failures(failures: Vec<CheckFailure>, marks: &SecretMarks) -> Vec<CheckFailure> {
    failures
        .into_iter()
        .map(|mut f| {
            f.reason = marks.redact(&f.reason);
            f
        })
        .collect()
}

/// The engine prints a failure's property together with that property's input value, which
/// for an always-secret property the program may have passed as plain text: such failures go
/// without a property, its name leading the reason instead.
fn unattributed_if_secret(failures: Vec<CheckFailure>, secret: &[&str]) -> Vec<CheckFailure> {
    failures
        .into_iter()
        .map(|f| {
            if secret.contains(&crate::resource::top_level_key(&f.property)) {
                CheckFailure::new("", format!("{}: {}", f.property, f.reason))
            } else {
                f
            }
        })
        .collect()
}

fn failures_to_rpc(failures: Vec<CheckFailure>) -> Vec<rpcs::CheckFailure> {
    failures
        .into_iter()
        .map(|f| rpcs::CheckFailure {
            property: f.property,
            reason: f.reason,
        })
        .collect()
}

/// Maps our error to a gRPC status; an init failure carries `ErrorResourceInitFailed` so the
/// engine records the half-created resource instead of losing it.
fn to_status(err: ProviderError, marks: &SecretMarks) -> Status {
    match err {
        ProviderError::InitFailed {
            id,
            outputs,
            reasons,
        } => {
            // AWS's messages may quote what was sent: never a secret of it.
            let reasons: Vec<String> = reasons.iter().map(|r| marks.redact(r)).collect();
            let message = reasons.join("; ");
            let detail = ErrorResourceInitFailed {
                id,
                properties: wire(outputs, marks),
                reasons,
                inputs: None,
            };
            let status = rpc::Status {
                code: Code::Unknown as i32,
                message: message.clone(),
                details: vec![Any {
                    type_url: "type.googleapis.com/pulumirpc.ErrorResourceInitFailed".into(),
                    value: detail.encode_to_vec(),
                }],
            };
            Status::with_details(Code::Unknown, message, status.encode_to_vec().into())
        }
        ProviderError::Validation(_) => Status::invalid_argument(marks.redact(&err.to_string())),
        ProviderError::NotFound(_) => Status::not_found(marks.redact(&err.to_string())),
        ProviderError::Cancelled => Status::cancelled(err.to_string()),
        ProviderError::Retryable(_) => Status::unavailable(marks.redact(&err.to_string())),
        ProviderError::Internal(_) => Status::unknown(marks.redact(&err.to_string())),
    }
}

#[tonic::async_trait]
impl ResourceProvider for FargateProvider {
    async fn get_plugin_info(&self, _: Request<()>) -> Result<Response<PluginInfo>, Status> {
        Ok(Response::new(PluginInfo {
            version: env!("CARGO_PKG_VERSION").to_string(),
        }))
    }

    async fn get_schema(
        &self,
        _: Request<GetSchemaRequest>,
    ) -> Result<Response<GetSchemaResponse>, Status> {
        // Generated once per process: the engine may ask for it more than once.
        static SCHEMA: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        Ok(Response::new(GetSchemaResponse {
            schema: SCHEMA
                .get_or_init(crate::schema::package_schema_json)
                .clone(),
        }))
    }

    async fn check_config(
        &self,
        req: Request<CheckRequest>,
    ) -> Result<Response<CheckResponse>, Status> {
        let req = req.into_inner();
        let (news, _) = plain(req.news.as_ref());
        let failures = if contains_unknowns(&news) {
            Vec::new()
        } else {
            ProviderConfig::from_args(&news).err().unwrap_or_default()
        };
        Ok(Response::new(CheckResponse {
            inputs: req.news,
            failures: failures_to_rpc(failures),
        }))
    }

    async fn diff_config(
        &self,
        req: Request<DiffRequest>,
    ) -> Result<Response<DiffResponse>, Status> {
        let req = req.into_inner();
        let (olds, _) = plain(req.old_inputs.as_ref().or(req.olds.as_ref()));
        let (news, _) = plain(req.news.as_ref());
        // Another region or account endpoint means other resources: replace them.
        let diff = crate::resource::diff_inputs(&olds, &news, &["region", "endpoint", "profile"]);
        Ok(Response::new(diff_response(diff, &req.ignore_changes)))
    }

    async fn configure(
        &self,
        req: Request<ConfigureRequest>,
    ) -> Result<Response<ConfigureResponse>, Status> {
        let req = req.into_inner();
        let (mut args, _) = plain(req.args.as_ref());
        if req.args.is_none() {
            // Older engines send `variables` as `fargate:config:<key>` strings.
            let vars: serde_json::Map<String, Json> = req
                .variables
                .iter()
                .map(|(k, v)| {
                    (
                        k.rsplit(':').next().unwrap_or(k).to_string(),
                        Json::String(v.clone()),
                    )
                })
                .collect();
            args = Json::Object(vars);
        }
        // Unknown settings (preview with a computed provider config) are left to the SDK defaults.
        strip_unknowns(&mut args);
        let config = ProviderConfig::from_args(&args)
            .map_err(|f| Status::invalid_argument(ProviderError::Validation(f).to_string()))?;
        let configured = Configured {
            default_tags: config.default_tags(),
            aws: Arc::new(AwsClients::new(config)),
        };
        *self.configured.write().expect("config lock") = Some(Arc::new(configured));
        Ok(Response::new(ConfigureResponse {
            accept_secrets: true,
            supports_preview: true,
            accept_resources: false,
            accept_outputs: false,
            supports_autonaming_configuration: false,
        }))
    }

    async fn check(&self, req: Request<CheckRequest>) -> Result<Response<CheckResponse>, Status> {
        let req = req.into_inner();
        let resource = self.resource(&req.r#type, &req.urn)?;
        let (news, marks) = plain(req.news.as_ref());
        let marks = marks.with_properties(&news, resource.secret_properties());
        let (olds, _) = plain(req.olds.as_ref());
        let name = if req.name.is_empty() {
            urn_name(&req.urn)
        } else {
            &req.name
        };
        // A create of this URN that never answered (the provider died) chose a name: reuse it,
        // so the retry finds what that create made instead of making a twin.
        let unfinished_name = crate::adopt::name_of_unfinished_create(&req.urn, resource.token());
        let proposed_name = unfinished_name.as_deref().or(req
            .autonaming
            .as_ref()
            .filter(|a| !a.proposed_name.is_empty())
            .map(|a| a.proposed_name.as_str()));
        let ctx = CheckContext {
            name,
            random_seed: &req.random_seed,
            proposed_name,
            has_unknowns: contains_unknowns(&news),
        };
        let olds = (!is_empty_object(&olds)).then_some(olds);
        Ok(Response::new(match resource.check(news, olds, &ctx) {
            // The inputs the engine stores: secret where the program said, and wherever the
            // resource says a property is always secret (so even a plain value is stored
            // encrypted).
            Ok(checked) => CheckResponse {
                inputs: wire(checked, &marks),
                failures: Vec::new(),
            },
            // Failure reasons quote the offending value: never a secret one.
            Err(failures) => CheckResponse {
                inputs: req.news,
                failures: failures_to_rpc(redact_failures(
                    unattributed_if_secret(failures, resource.secret_properties()),
                    &marks,
                )),
            },
        }))
    }

    async fn diff(&self, req: Request<DiffRequest>) -> Result<Response<DiffResponse>, Status> {
        let req = req.into_inner();
        let resource = self.resource(&req.r#type, &req.urn)?;
        let (old_outputs, _) = plain(req.olds.as_ref());
        let (old_inputs, _) = plain(req.old_inputs.as_ref());
        let (news, _) = plain(req.news.as_ref());
        // States written before old inputs were sent hold only outputs.
        let old_inputs = if req.old_inputs.is_some() {
            old_inputs
        } else {
            old_outputs.clone()
        };
        let default_tags = self.configured().default_tags.clone();
        let diff = resource.diff(&DiffInput {
            old_inputs: &old_inputs,
            old_outputs: &old_outputs,
            news: &news,
            default_tags: &default_tags,
        });
        Ok(Response::new(diff_response(diff, &req.ignore_changes)))
    }

    async fn create(
        &self,
        req: Request<CreateRequest>,
    ) -> Result<Response<CreateResponse>, Status> {
        let req = req.into_inner();
        let resource = self.resource(&req.r#type, &req.urn)?;
        let (inputs, marks) = plain(req.properties.as_ref());
        let marks = marks.with_properties(&inputs, resource.secret_properties());
        let ctx = self.ctx(&req.urn, req.timeout);
        let created = if req.preview {
            resource.create(&ctx, inputs, true).await
        } else {
            crate::adopt::create_or_adopt(resource, &ctx, inputs).await
        };
        let (id, outputs) = created.map_err(|e| to_status(e, &marks))?;
        Ok(Response::new(CreateResponse {
            id,
            properties: wire(outputs, &marks),
        }))
    }

    async fn read(&self, req: Request<ReadRequest>) -> Result<Response<ReadResponse>, Status> {
        let req = req.into_inner();
        let resource = self.resource(&req.r#type, &req.urn)?;
        let (outputs, output_marks) = plain(req.properties.as_ref());
        let (inputs, input_marks) = plain(req.inputs.as_ref());
        let marks = output_marks
            .merge(input_marks)
            .with_properties(&inputs, resource.secret_properties())
            .with_properties(&outputs, resource.secret_properties());
        let ctx = self.ctx(&req.urn, 0.0);
        let found = resource
            .read(
                &ctx,
                &req.id,
                (!is_empty_object(&inputs)).then_some(inputs),
                (!is_empty_object(&outputs)).then_some(outputs),
            )
            .await
            .map_err(|e| to_status(e, &marks))?;
        Ok(Response::new(match found {
            Some((inputs, outputs)) => {
                // An import has no marks yet: the always-secret properties of what was read.
                let marks = marks
                    .with_properties(&inputs, resource.secret_properties())
                    .with_properties(&outputs, resource.secret_properties());
                ReadResponse {
                    id: req.id,
                    properties: wire(outputs, &marks),
                    inputs: wire(inputs, &marks),
                }
            }
            // An empty id tells the engine the resource is gone.
            None => ReadResponse::default(),
        }))
    }

    async fn update(
        &self,
        req: Request<UpdateRequest>,
    ) -> Result<Response<UpdateResponse>, Status> {
        let req = req.into_inner();
        let resource = self.resource(&req.r#type, &req.urn)?;
        let (olds, old_marks) = plain(req.olds.as_ref());
        let (news, news_marks) = plain(req.news.as_ref());
        let marks = old_marks
            .merge(news_marks)
            .with_properties(&olds, resource.secret_properties())
            .with_properties(&news, resource.secret_properties());
        let ctx = self.ctx(&req.urn, req.timeout);
        let updated = if req.preview {
            resource.update(&ctx, &req.id, olds, news, true).await
        } else {
            crate::adopt::update_tracked(resource, &ctx, &req.id, olds, news).await
        };
        let outputs = updated.map_err(|e| to_status(e, &marks))?;
        Ok(Response::new(UpdateResponse {
            properties: wire(outputs, &marks),
        }))
    }

    async fn delete(&self, req: Request<DeleteRequest>) -> Result<Response<()>, Status> {
        let req = req.into_inner();
        let resource = self.resource(&req.r#type, &req.urn)?;
        let (olds, marks) = plain(req.properties.as_ref());
        let marks = marks.with_properties(&olds, resource.secret_properties());
        let ctx = self.ctx(&req.urn, req.timeout);
        resource
            .delete(&ctx, &req.id, olds)
            .await
            .map_err(|e| to_status(e, &marks))?;
        Ok(Response::new(()))
    }

    async fn invoke(
        &self,
        req: Request<InvokeRequest>,
    ) -> Result<Response<InvokeResponse>, Status> {
        let req = req.into_inner();
        let Some(function) = self.functions.get(req.tok.as_str()) else {
            let mut known: Vec<&str> = self.functions.keys().copied().collect();
            known.sort_unstable();
            return Err(to_status(
                unknown_function(&req.tok, &known),
                &SecretMarks::default(),
            ));
        };
        let (args, marks) = plain(req.args.as_ref());
        let ctx = self.ctx("", 0.0);
        Ok(Response::new(
            match function
                .invoke(&ctx, args)
                .await
                .map_err(|e| to_status(e, &marks))?
            {
                Ok(output) => InvokeResponse {
                    r#return: wire(output, &SecretMarks::default()),
                    failures: Vec::new(),
                },
                Err(failures) => InvokeResponse {
                    r#return: None,
                    failures: failures_to_rpc(failures),
                },
            },
        ))
    }

    async fn cancel(&self, _: Request<()>) -> Result<Response<()>, Status> {
        // Waiters and retries watch this token and stop promptly.
        self.cancel.cancel();
        Ok(Response::new(()))
    }
}

fn diff_response(diff: crate::resource::Diff, ignore_changes: &[String]) -> DiffResponse {
    use rpcs::diff_response::DiffChanges;
    use rpcs::property_diff::Kind;
    let ignored = |path: &str| {
        ignore_changes.iter().any(|i| {
            path == i || path.starts_with(&format!("{i}.")) || path.starts_with(&format!("{i}["))
        })
    };
    let mut detailed_diff = HashMap::new();
    for (path, kind) in &diff.changes {
        if ignored(path) {
            continue;
        }
        let replace = diff.replaces.contains(crate::resource::top_level_key(path));
        let kind = match (kind, replace) {
            (ChangeKind::Add, false) => Kind::Add,
            (ChangeKind::Add, true) => Kind::AddReplace,
            (ChangeKind::Delete, false) => Kind::Delete,
            (ChangeKind::Delete, true) => Kind::DeleteReplace,
            (ChangeKind::Update, false) => Kind::Update,
            (ChangeKind::Update, true) => Kind::UpdateReplace,
        };
        detailed_diff.insert(
            path.clone(),
            PropertyDiff {
                kind: kind as i32,
                input_diff: true,
            },
        );
    }
    let diffs: Vec<String> = {
        let mut keys: Vec<String> = detailed_diff
            .keys()
            .map(|p| crate::resource::top_level_key(p).to_string())
            .collect();
        keys.sort();
        keys.dedup();
        keys
    };
    let replaces: Vec<String> = diff
        .replaces
        .iter()
        .filter(|r| diffs.contains(r))
        .cloned()
        .collect();
    DiffResponse {
        replaces,
        stables: Vec::new(),
        delete_before_replace: diff.delete_before_replace,
        changes: if diffs.is_empty() {
            DiffChanges::DiffNone
        } else {
            DiffChanges::DiffSome
        } as i32,
        diffs,
        detailed_diff,
        has_detailed_diff: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urn_parts() {
        let urn = "urn:pulumi:dev::skeleton::pulumi:pulumi:Stack$fargate:ecs:Cluster::main";
        assert_eq!(urn_type(urn), "fargate:ecs:Cluster");
        assert_eq!(urn_name(urn), "main");
        assert_eq!(
            urn_type("urn:pulumi:dev::p::fargate:ecs:Cluster::x"),
            "fargate:ecs:Cluster"
        );
    }

    #[test]
    fn init_failure_carries_id_and_secret_outputs_for_the_engine() {
        let marks = SecretMarks::default()
            .with_properties(&serde_json::json!({"token": "s3cret"}), &["token"]);
        let status = to_status(
            ProviderError::InitFailed {
                id: "arn:svc".into(),
                outputs: serde_json::json!({"arn": "arn:svc", "token": "s3cret"}),
                reasons: vec!["did not reach steady state".into()],
            },
            &marks,
        );
        assert_eq!(status.message(), "did not reach steady state");
        let details = rpc::Status::decode(status.details()).unwrap();
        assert_eq!(
            details.details[0].type_url,
            "type.googleapis.com/pulumirpc.ErrorResourceInitFailed"
        );
        let init = ErrorResourceInitFailed::decode(details.details[0].value.as_slice()).unwrap();
        assert_eq!(init.id, "arn:svc");
        assert_eq!(init.reasons, vec!["did not reach steady state"]);
        let props = pulumi_rs_proto::value::opt_struct_to_json(init.properties.as_ref());
        assert!(
            pulumi_rs_proto::value::is_secret(&props["token"]),
            "secrets stay secret: {props}"
        );
    }

    #[tokio::test]
    async fn check_failures_never_quote_a_secret_value() {
        use pulumi_rs_proto::value::{json_to_struct, secret};
        let provider = FargateProvider::new(EngineLog::default());
        let news = serde_json::json!({"name": secret(serde_json::json!("bad secret name!"))});
        let response = provider
            .check(Request::new(CheckRequest {
                urn: "urn:pulumi:dev::p::fargate:ecs:Cluster::main".into(),
                r#type: "fargate:ecs:Cluster".into(),
                news: Some(json_to_struct(&news)),
                random_seed: b"seed".to_vec(),
                ..Default::default()
            }))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(response.failures.len(), 1, "{:?}", response.failures);
        let f = &response.failures[0];
        assert_eq!(f.property, "name");
        assert!(!f.reason.contains("bad secret name!"), "{}", f.reason);
        assert!(f.reason.contains("[secret]"), "{}", f.reason);
    }

    #[test]
    fn secret_texts_come_from_secret_paths_only() {
        use pulumi_rs_proto::value::secret;
        let mut v = serde_json::json!({"a": "plain", "s": {"x": secret(serde_json::json!("hidden")), "n": [secret(serde_json::json!(8443))]}});
        let marks = SecretMarks::unwrap(&mut v);
        assert_eq!(marks.redact("plain hidden 8443"), "plain [secret] [secret]");
    }

    #[test]
    fn ignored_paths_leave_the_diff() {
        let mut d = crate::resource::Diff::default();
        d.record("tags.a".into(), ChangeKind::Update);
        d.record("name".into(), ChangeKind::Update);
        d.replaces.insert("name".into());
        let r = diff_response(d.clone(), &["tags".into()]);
        assert_eq!(r.diffs, vec!["name"]);
        assert_eq!(r.replaces, vec!["name"]);
        let r = diff_response(d, &["name".into(), "tags".into()]);
        assert!(r.diffs.is_empty() && r.replaces.is_empty());
        assert_eq!(r.changes, rpcs::diff_response::DiffChanges::DiffNone as i32);
    }
}
