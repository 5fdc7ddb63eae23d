//! Compiles our `.proto` files with protox (pure Rust, so no system `protoc` is needed) and
//! generates prost messages plus tonic clients and servers from the resulting descriptors.
//!
//! Well-known types are not compiled: `google.protobuf.Struct`/`Value`/`Any` map to
//! `prost_types`, and `google.protobuf.Empty` in RPC signatures maps to `()`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = [
        "proto/pulumi/plugin.proto",
        "proto/pulumi/alias.proto",
        "proto/pulumi/engine.proto",
        "proto/pulumi/provider.proto",
        "proto/pulumi/resource.proto",
        "proto/pulumi/language.proto",
        "proto/google/rpc/status.proto",
    ];
    println!("cargo:rerun-if-changed=proto");
    let descriptors = protox::compile(files, ["proto"])?;
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        // Every server trait method gets a default body returning UNIMPLEMENTED, which is how
        // the engine expects optional RPCs (Handshake, CheckConfig, Cancel, ...) to be declined.
        .generate_default_stubs(true)
        .compile_fds(descriptors)?;
    Ok(())
}
