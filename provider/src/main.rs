//! Entry point: serve the provider on a loopback port the engine reads from our first stdout
//! line, or print the package schema with `--print-schema`.

use std::io::Write;

use pulumi_resource_fargate::context::EngineLog;
use pulumi_resource_fargate::server::FargateProvider;
use pulumi_resource_fargate::{MAX_MESSAGE_BYTES, schema};
use pulumi_rs_proto::pulumirpc::resource_provider_server::ResourceProviderServer;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::TcpListenerStream;

struct Args {
    engine_address: Option<String>,
    verbosity: u32,
    print_schema: bool,
}

/// The engine passes flags (`--logtostderr`, `-v=N`, `--tracing <endpoint>`) and then its own
/// address as the last positional argument; unknown flags are ignored.
fn parse_args(args: impl Iterator<Item = String>) -> Args {
    let mut parsed = Args {
        engine_address: None,
        verbosity: 0,
        print_schema: false,
    };
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        if arg == "--tracing" {
            args.next();
        } else if let Some(v) = arg.strip_prefix("-v=") {
            parsed.verbosity = v.parse().unwrap_or(0);
        } else if arg == "--print-schema" {
            parsed.print_schema = true;
        } else if !arg.starts_with('-') {
            parsed.engine_address = Some(arg);
        }
    }
    parsed
}

fn init_tracing(verbosity: u32) {
    let default = match verbosity {
        0..=3 => "warn",
        4..=8 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("FARGATE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // stdout carries the port; logs go to stderr only.
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
}

async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args(std::env::args().skip(1));
    if args.print_schema {
        print!("{}", schema::package_schema_json());
        return Ok(());
    }
    init_tracing(args.verbosity);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let provider = FargateProvider::new(EngineLog::connect(args.engine_address.as_deref()));
    let service = ResourceProviderServer::new(provider)
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES);
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{port}")?;
        out.flush()?;
    }
    tonic::transport::Server::builder()
        .add_service(service)
        .serve_with_incoming_shutdown(
            // Small request/response RPCs: without TCP_NODELAY a reply can sit out the peer's
            // delayed ACK (~40 ms per call).
            TcpListenerStream::new(listener).map(|stream| {
                let stream = stream?;
                stream.set_nodelay(true)?;
                Ok::<_, std::io::Error>(stream)
            }),
            shutdown_signal(),
        )
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Args {
        parse_args(a.iter().map(|s| s.to_string()))
    }

    #[test]
    fn engine_address_is_the_last_positional() {
        let a = args(&[
            "--logtostderr",
            "-v=9",
            "--tracing",
            "http://t",
            "127.0.0.1:1234",
        ]);
        assert_eq!(a.engine_address.as_deref(), Some("127.0.0.1:1234"));
        assert_eq!(a.verbosity, 9);
        assert!(!a.print_schema);
    }
}
