//! `pulumi-language-rust`: the language host for `runtime: rust`.
//!
//! It runs a prebuilt program binary named by `runtime.options.binary` in `Pulumi.yaml`
//! (relative to the program directory), handing it the engine's addresses, the stack's
//! configuration and the dry-run flag through environment variables, and maps its exit code:
//! 0 success, 32 an error already reported ("bail"), anything else an error.
//!
//! For `pulumi import` it generates Rust declarations of the imported resources
//! (`GenerateProgram`, see `pulumi_rs::codegen`).

use std::io::Write;
use std::path::{Path, PathBuf};

use pulumi_rs::runtime::EXIT_BAIL;
use pulumi_rs_proto::pulumirpc::language_runtime_server::{LanguageRuntime, LanguageRuntimeServer};
use pulumi_rs_proto::pulumirpc::{
    GenerateProgramRequest, GenerateProgramResponse, GetRequiredPluginsRequest,
    GetRequiredPluginsResponse, PluginInfo, ProgramInfo, RunRequest, RunResponse,
};
use pulumi_rs_proto::value::opt_struct_to_json;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::{Request, Response, Status};

use pulumi_rs_proto::MAX_MESSAGE_BYTES;

struct RustLanguageHost {
    engine_address: Option<String>,
}

/// The program binary: `runtime.options.binary`, relative to the program directory.
fn program_binary(info: Option<&ProgramInfo>, pwd: &str) -> Result<PathBuf, String> {
    let options = opt_struct_to_json(info.and_then(|i| i.options.as_ref()));
    let binary = options
        .get("binary")
        .and_then(|b| b.as_str())
        .ok_or("Pulumi.yaml must name the program binary: `runtime: {name: rust, options: {binary: target/debug/<program>}}`")?;
    let base = info
        .map(|i| i.program_directory.as_str())
        .filter(|d| !d.is_empty())
        .unwrap_or(pwd);
    let path = Path::new(base).join(binary);
    if !path.is_file() {
        return Err(format!(
            "program binary `{}` does not exist; build it first (`cargo build`)",
            path.display()
        ));
    }
    Ok(path)
}

#[tonic::async_trait]
impl LanguageRuntime for RustLanguageHost {
    async fn get_required_plugins(
        &self,
        _: Request<GetRequiredPluginsRequest>,
    ) -> Result<Response<GetRequiredPluginsResponse>, Status> {
        // Providers are found through Pulumi.yaml `plugins`, never downloaded.
        Ok(Response::new(GetRequiredPluginsResponse {
            plugins: Vec::new(),
        }))
    }

    async fn get_plugin_info(&self, _: Request<()>) -> Result<Response<PluginInfo>, Status> {
        Ok(Response::new(PluginInfo {
            version: env!("CARGO_PKG_VERSION").to_string(),
        }))
    }

    /// `pulumi import`: the imported resources as PCL in, Rust declarations out. What cannot be
    /// translated fails the call with a message naming the resource (the CLI shows an error
    /// status's message, and ignores diagnostics).
    async fn generate_program(
        &self,
        req: Request<GenerateProgramRequest>,
    ) -> Result<Response<GenerateProgramResponse>, Status> {
        let req = req.into_inner();
        let mut source = std::collections::HashMap::new();
        // One PCL file per generated Rust file; `pulumi import` sends exactly one.
        for (name, pcl) in &req.source {
            let code = pulumi_rs::codegen::generate(pcl).map_err(Status::invalid_argument)?;
            let file = Path::new(name).with_extension("rs");
            source.insert(file.to_string_lossy().into_owned(), code.into_bytes());
        }
        Ok(Response::new(GenerateProgramResponse { source }))
    }

    async fn run(&self, req: Request<RunRequest>) -> Result<Response<RunResponse>, Status> {
        let req = req.into_inner();
        let binary = match program_binary(req.info.as_ref(), &req.pwd) {
            Ok(b) => b,
            Err(error) => return Ok(Response::new(RunResponse { error, bail: false })),
        };
        let config =
            serde_json::to_string(&req.config).map_err(|e| Status::internal(e.to_string()))?;
        let secret_keys = serde_json::to_string(&req.config_secret_keys)
            .map_err(|e| Status::internal(e.to_string()))?;
        let root = req
            .info
            .as_ref()
            .map(|i| i.root_directory.clone())
            .unwrap_or_default();
        let secret_places = secret_places(&root, &req.stack, &req.config_secret_keys);
        let mut command = tokio::process::Command::new(&binary);
        command
            .args(&req.args)
            .current_dir(if req.pwd.is_empty() { "." } else { &req.pwd })
            .env("PULUMI_PROJECT", &req.project)
            .env("PULUMI_STACK", &req.stack)
            .env("PULUMI_ORGANIZATION", &req.organization)
            .env("PULUMI_CONFIG", config)
            .env("PULUMI_CONFIG_SECRET_KEYS", secret_keys)
            .env("PULUMI_DRY_RUN", req.dry_run.to_string())
            .env("PULUMI_PARALLEL", req.parallel.to_string())
            .env("PULUMI_MONITOR", &req.monitor_address)
            .env(
                "PULUMI_ENGINE",
                self.engine_address.as_deref().unwrap_or_default(),
            )
            .env("PULUMI_ROOT_DIRECTORY", &root)
            .env(pulumi_rs::config::SECRET_PATHS_ENV, secret_places)
            .kill_on_drop(true);
        let status = command
            .status()
            .await
            .map_err(|e| Status::internal(format!("starting {}: {e}", binary.display())))?;
        Ok(Response::new(match status.code() {
            Some(0) => RunResponse::default(),
            Some(code) if code == i32::from(EXIT_BAIL) => RunResponse {
                error: String::new(),
                bail: true,
            },
            Some(code) => RunResponse {
                error: format!("program {} exited with code {code}", binary.display()),
                bail: false,
            },
            None => RunResponse {
                error: format!("program {} was killed by a signal", binary.display()),
                bail: false,
            },
        }))
    }
}

fn engine_address(args: impl Iterator<Item = String>) -> Option<String> {
    let mut last = None;
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        if arg == "--tracing" || arg == "-root" || arg == "--root" {
            args.next();
        } else if !arg.starts_with('-') {
            last = Some(arg);
        }
    }
    last
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let host = RustLanguageHost {
        engine_address: engine_address(std::env::args().skip(1)),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{port}")?;
        out.flush()?;
    }
    let service = LanguageRuntimeServer::new(host)
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES);
    tonic::transport::Server::builder()
        .add_service(service)
        .serve_with_incoming_shutdown(TcpListenerStream::new(listener), async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

/// The `secure:` places inside the structured secret keys, read from the stack file: the engine
/// (pulumi v3.274.1) sends only which top-level keys are secret (`configSecretKeys`) and fills
/// no per-path map, so a map with one `secure:` entry would otherwise be secret as a whole.
/// Without a readable file the keys stay secret as a whole (never less secret).
fn secret_places(root: &str, stack: &str, secret_keys: &[String]) -> String {
    let root = Path::new(if root.is_empty() { "." } else { root });
    // `stackConfigDir` in Pulumi.yaml moves the stack files.
    let config_dir = std::fs::read_to_string(root.join("Pulumi.yaml"))
        .ok()
        .and_then(|text| serde_norway::from_str::<serde_json::Value>(&text).ok())
        .and_then(|p| p.get("stackConfigDir")?.as_str().map(str::to_string))
        .map_or_else(|| root.to_path_buf(), |dir| root.join(dir));
    // A qualified stack name (`org/project/stack`) names its file by the last part.
    let short = stack.rsplit('/').next().unwrap_or(stack);
    let file = config_dir.join(format!("Pulumi.{short}.yaml"));
    let mut places = std::fs::read_to_string(&file)
        .ok()
        .and_then(|text| pulumi_rs::config::secure_places_in_stack_file(&text).ok())
        .unwrap_or_default();
    places.retain(|key, _| secret_keys.contains(key));
    pulumi_rs::config::encode_secret_paths(&places)
}
