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
