//! The AWS layer knows no resource: `src/aws/` may use the error type, the engine log and the
//! provider config, but never the resource mapping above it (`crate::resources`, the
//! `Resource` trait in `crate::resource`, or the per-operation `crate::context` that is built
//! on the AWS clients). A dependency that way round is how the old conversion cycle started.

use std::path::{Path, PathBuf};

const FORBIDDEN: &[&str] = &["crate::resources", "crate::resource::", "crate::context"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source directory") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn aws_layer_imports_nothing_from_resources() {
    let aws = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/aws");
    let mut files = Vec::new();
    rust_files(&aws, &mut files);
    assert!(files.len() >= 5, "found only {files:?} under {aws:?}");
    let offences: Vec<String> = files
        .iter()
        .flat_map(|file| {
            let text = std::fs::read_to_string(file).expect("readable source file");
            text.lines()
                .enumerate()
                .filter(|(_, line)| FORBIDDEN.iter().any(|f| line.contains(f)))
                .map(|(n, line)| format!("{}:{}: {}", file.display(), n + 1, line.trim()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        offences.is_empty(),
        "src/aws must not depend on the resource layer:\n{}",
        offences.join("\n")
    );
}
