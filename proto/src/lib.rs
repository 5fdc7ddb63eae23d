//! `pulumi-rs-proto`: our own definitions of the subset of Pulumi's gRPC protocol this project
//! uses (provider, resource monitor, engine log, language host), generated at build time, plus
//! the value encoding shared by the provider and the program SDK.

/// Pulumi's `pulumirpc` package: messages, clients and servers.
#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub mod pulumirpc {
    tonic::include_proto!("pulumirpc");
}

/// `google.rpc.Status`, which carries rich error details such as ErrorResourceInitFailed.
pub mod google {
    #[allow(clippy::all, clippy::pedantic, missing_docs)]
    pub mod rpc {
        tonic::include_proto!("google.rpc");
    }
}

pub mod value;
