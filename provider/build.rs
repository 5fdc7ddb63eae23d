//! Release link settings of the provider binary.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").unwrap_or_default();
    let release = std::env::var("PROFILE").is_ok_and(|p| p == "release");
    // Identical code folding: the AWS SDK crates' many monomorphised serializers and builders
    // fold into one copy each (several MB of the binary). Only where the default linker is
    // rust-lld (x86_64 Linux since Rust 1.90), which knows the flag.
    if release && target == "x86_64-unknown-linux-gnu" {
        println!("cargo:rustc-link-arg-bins=-Wl,--icf=all");
    }
}
