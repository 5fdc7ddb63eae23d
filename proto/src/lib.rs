//! `pulumi-rs-proto`: the Pulumi gRPC wire protocol for this project, plus value encoding.
//!
//! Why this crate exists: the `pulumi` CLI talks to plugins (resource providers, language
//! hosts) and programs over gRPC. Rather than vendoring Pulumi's own `.proto` files, we keep our
//! own definitions of just the subset we use (under `proto/`), checked field by field against
//! upstream. Protobuf ignores fields a side does not declare and tonic answers UNIMPLEMENTED for
//! RPCs a server does not declare, so a correct subset interoperates with the real engine. The
//! protobuf package stays `pulumirpc` because gRPC method paths (`/pulumirpc.ResourceProvider/Check`)
//! and `Any` type URLs (`type.googleapis.com/pulumirpc.ErrorResourceInitFailed`) are built from it.
//!
//! Code is generated at build time by protox + tonic-prost-build (no system `protoc`).
//! `google.protobuf.Struct`/`Value` are [`prost_types`] types and `google.protobuf.Empty` is `()`
//! in RPC signatures. Every generated server trait method has a default body that returns
//! UNIMPLEMENTED, so servers override only the RPCs they support.

/// Pulumi's `pulumirpc` package: messages, clients (`*_client`) and servers (`*_server`).
#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub mod pulumirpc {
    tonic::include_proto!("pulumirpc");
}

/// The `google` protobuf packages we define ourselves.
pub mod google {
    /// `google.rpc.Status`, the rich error status that carries details such as
    /// `ErrorResourceInitFailed` and `ConfigureErrorMissingKeys`.
    #[allow(clippy::all, clippy::pedantic, missing_docs)]
    pub mod rpc {
        tonic::include_proto!("google.rpc");
    }
}

pub mod value;

/// gRPC messages between the engine, plugins and programs may be as large as the engine allows
/// (400 MiB); every client and server of this project sets this limit both ways.
pub const MAX_MESSAGE_BYTES: usize = 400 * 1024 * 1024;

/// The engine hands out plain `host:port` addresses; tonic wants a URI.
pub fn grpc_uri(address: &str) -> String {
    if address.contains("://") {
        address.to_string()
    } else {
        format!("http://{address}")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn addresses_become_uris_once() {
        assert_eq!(super::grpc_uri("127.0.0.1:5000"), "http://127.0.0.1:5000");
        assert_eq!(super::grpc_uri("http://[::1]:9"), "http://[::1]:9");
    }
}
