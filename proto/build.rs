//! Compiles our .proto files with protox (pure Rust) and generates tonic clients and servers:
//! no system `protoc` is needed.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = [
        "proto/pulumi/plugin.proto",
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
        .compile_fds(descriptors)?;
    Ok(())
}
