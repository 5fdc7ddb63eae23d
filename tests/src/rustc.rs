//! Type-checks generated Rust (what `pulumi import` prints) against the SDK this workspace
//! built: rustc with the built `pulumi_rs` rlib, like `cargo check` without a second cargo run.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::tools::target_profile_dir;

/// Panics with rustc's errors and the code unless `code` (a whole program) type-checks.
pub fn check_generated_rust(code: &str, dir: &Path) {
    let deps = target_profile_dir().join("deps");
    // The newest build of the library is the one the binaries of this run link.
    let rlib: PathBuf = std::fs::read_dir(&deps)
        .unwrap_or_else(|e| panic!("{}: {e}", deps.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name().is_some_and(|n| {
                let n = n.to_string_lossy();
                n.starts_with("libpulumi_rs-") && n.ends_with(".rlib")
            })
        })
        .max_by_key(|p| p.metadata().and_then(|m| m.modified()).ok())
        .expect("the pulumi-rs library is built (cargo build --workspace --bins)");
    let source = dir.join("imported.rs");
    std::fs::write(&source, code).expect("write the generated code");
    let out = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .args([
            "--edition",
            "2024",
            "--crate-type",
            "bin",
            "--emit=metadata",
        ])
        .arg("-o")
        .arg(dir.join("imported.rmeta"))
        .arg("--extern")
        .arg(format!("pulumi_rs={}", rlib.display()))
        .arg("-L")
        .arg(format!("dependency={}", deps.display()))
        .arg(&source)
        .output()
        .expect("run rustc");
    assert!(
        out.status.success(),
        "the generated code does not compile:\n{code}\n--- rustc ---\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
