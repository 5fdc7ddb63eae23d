//! `check-stack-files [--schema FILE] [STACK_FILE...]`: validates stack files (default: every
//! `Pulumi.<stack>.yaml` in the current directory) against the JSON Schema each names in its
//! `# yaml-language-server: $schema=<path>` line (relative to the file), or `--schema`. The
//! schema itself is checked against the draft-07 meta-schema first. Needs no provider build:
//! CI runs it before `pulumi preview`, engineers before a push.
//!
//! Exit codes: 0 all valid, 1 a file is invalid, 2 usage or unreadable input.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value as Json;

const MODELINE: &str = "# yaml-language-server: $schema=";

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            eprintln!("check-stack-files: {message}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<bool, String> {
    let mut schema_override: Option<PathBuf> = None;
    let mut files: Vec<PathBuf> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--schema" => {
                schema_override = Some(args.next().ok_or("--schema needs a file")?.into());
            }
            "-h" | "--help" => {
                println!("usage: check-stack-files [--schema FILE] [STACK_FILE...]");
                return Ok(true);
            }
            other if other.starts_with('-') => return Err(format!("unknown option {other}")),
            file => files.push(file.into()),
        }
    }
    if files.is_empty() {
        files = stack_files_in(Path::new("."))?;
        if files.is_empty() {
            return Err("no Pulumi.<stack>.yaml in the current directory".into());
        }
    }
    let mut all_valid = true;
    for file in &files {
        let problems = check_file(file, schema_override.as_deref())?;
        if problems.is_empty() {
            println!("{}: valid", file.display());
        } else {
            all_valid = false;
            for p in problems {
                println!("{}: {p}", file.display());
            }
        }
    }
    Ok(all_valid)
}

fn stack_files_in(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.starts_with("Pulumi.") && n.ends_with(".yaml") && n != "Pulumi.yaml"
            })
        })
        .collect();
    files.sort();
    Ok(files)
}

/// The problems of one stack file, each naming the key (as a path into the file).
fn check_file(file: &Path, schema_override: Option<&Path>) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let schema_path = match schema_override {
        Some(p) => p.to_path_buf(),
        None => {
            let named = text
                .lines()
                .find_map(|l| l.strip_prefix(MODELINE))
                .map(str::trim)
                .ok_or_else(|| {
                    format!(
                        "{}: no `{MODELINE}<path>` line naming the schema (or pass --schema)",
                        file.display()
                    )
                })?;
            file.parent().unwrap_or(Path::new(".")).join(named)
        }
    };
    let schema: Json = serde_json::from_str(
        &std::fs::read_to_string(&schema_path)
            .map_err(|e| format!("{}: {e}", schema_path.display()))?,
    )
    .map_err(|e| format!("{}: {e}", schema_path.display()))?;
    jsonschema::draft7::meta::validate(&schema).map_err(|e| {
        format!(
            "{} is not a valid draft-07 JSON Schema: {e} (at {})",
            schema_path.display(),
            e.instance_path()
        )
    })?;
    let validator =
        jsonschema::draft7::new(&schema).map_err(|e| format!("{}: {e}", schema_path.display()))?;

    let instance: Json = match serde_norway::from_str::<Json>(&text) {
        Ok(Json::Null) => Json::Object(Default::default()),
        Ok(v) => v,
        Err(e) => return Ok(vec![format!("not valid YAML: {e}")]),
    };
    let keys = &schema["properties"]["config"]["properties"];
    Ok(validator
        .iter_errors(&instance)
        .map(|e| {
            let at = e.instance_path().to_string();
            let segments: Vec<String> = at
                .trim_start_matches('/')
                .split('/')
                .filter(|s| !s.is_empty())
                .map(unescape_pointer)
                .collect();
            // A key name refused by `config`'s propertyNames: a key our namespaces do not have.
            let message = e.to_string();
            if segments == ["config"] && e.schema_path().to_string().contains("propertyNames")
                && let Some(name) = message.split('"').nth(1)
            {
                let at = segments.join(".");
                return format!(
                    "`{at}.{name}`: `{name}` is not a key of this stack or provider (the schema lists the valid keys)"
                );
            }
            let path = segments.join(".");
            // What the key accepts, from the schema's description of it.
            let accepts = segments
                .get(1)
                .and_then(|k| keys[k]["description"].as_str())
                .map(|d| format!(" — {}", d.replace('\n', " ")))
                .unwrap_or_default();
            if path.is_empty() {
                format!("{e}")
            } else {
                format!("`{path}`: {e}{accepts}")
            }
        })
        .collect())
}

/// JSON Pointer escapes (`~1` is `/`, `~0` is `~`).
fn unescape_pointer(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}
