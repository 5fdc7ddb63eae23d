//! `sotex-ci migrate` and `sotex-ci migrate-gate`: the command-line side of [`crate::migrate`].

use std::path::{Path, PathBuf};

use crate::migrate::{gate, plan};

pub const USAGE: &str = "  sotex-ci migrate --export OLD.json [--stack NAME] [--out-dir DIR]
      Reads `pulumi stack export --show-secrets` of the stack Program.cs made and writes to DIR
      (default: the current directory): import.json (for `pulumi import --file`),
      Pulumi.NAME.migrated.yaml (stack-file values derived from the old inputs, no secrets) and
      migration-report.md (what was imported, what was not and what to do, the
      `pulumi config set --secret` commands to run), and prints the report. NAME defaults to
      the stack named in the export's URNs. Exit codes: 0 written, 2 usage, 1 error.
  sotex-ci migrate-gate --import-file import.json PREVIEW.json
      Checks `pulumi preview --json` of the new stack: an imported resource may be updated in
      place, never replaced, deleted or created; nothing may be replaced or deleted at all.
      Exit codes: 0 the switch may go on, 3 refused (the steps are listed), 2 usage, 1 error.";

const EXIT_USAGE: i32 = 2;
const EXIT_REFUSED: i32 = 3;

fn usage(problem: &str) -> i32 {
    eprintln!("sotex-ci: {problem}\n{USAGE}");
    EXIT_USAGE
}

/// `(flag, value)` pairs and positional arguments.
type Parsed = (Vec<(String, String)>, Vec<String>);

/// `--flag value` / `--flag=value` pairs and positional arguments.
fn split(args: &[String], flags: &[&str]) -> Result<Parsed, String> {
    let mut options = Vec::new();
    let mut positional = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let Some(flag) = a.strip_prefix("--") else {
            positional.push(a.clone());
            continue;
        };
        let (name, value) = match flag.split_once('=') {
            Some((n, v)) => (n.to_string(), v.to_string()),
            None => (
                flag.to_string(),
                it.next()
                    .ok_or_else(|| format!("--{flag} needs a value"))?
                    .clone(),
            ),
        };
        if !flags.contains(&name.as_str()) {
            return Err(format!("unknown option --{name}"));
        }
        options.push((name, value));
    }
    Ok((options, positional))
}

fn option(options: &[(String, String)], name: &str) -> Option<String> {
    options
        .iter()
        .rev()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
}

fn read_json(path: &str) -> Result<serde_json::Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("{path} is not JSON: {e}"))
}

pub fn run(sub: &str, args: &[String]) -> i32 {
    let result = match sub {
        "migrate" => migrate(args),
        _ => migrate_gate(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sotex-ci {sub}: {e}");
            1
        }
    }
}

fn migrate(args: &[String]) -> Result<i32, String> {
    let (options, positional) = match split(args, &["export", "stack", "out-dir"]) {
        Ok(p) => p,
        Err(e) => return Ok(usage(&e)),
    };
    if let Some(extra) = positional.first() {
        return Ok(usage(&format!("unexpected argument {extra}")));
    }
    let Some(export_path) = option(&options, "export") else {
        return Ok(usage("migrate needs --export OLD.json"));
    };
    let export = read_json(&export_path)?;
    let stack = option(&options, "stack")
        .or_else(|| {
            export["deployment"]["resources"]
                .as_array()?
                .iter()
                .find_map(|r| crate::preview::stack_of_urn(r["urn"].as_str()?))
        })
        .ok_or("no stack name: pass --stack")?;
    let out_dir = option(&options, "out-dir").map_or_else(|| PathBuf::from("."), PathBuf::from);
    std::fs::create_dir_all(&out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
    let migration = plan(&export)?;
    let write = |name: &str, text: &str| -> Result<PathBuf, String> {
        let path = out_dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("write {}: {e}", path.display()))?;
        Ok(path)
    };
    let import =
        serde_json::to_string_pretty(&migration.import_file()).map_err(|e| e.to_string())?;
    let import_path = write("import.json", &import)?;
    let config_path = write(
        &format!("Pulumi.{stack}.migrated.yaml"),
        &migration.stack_file(&stack),
    )?;
    let report = migration.report();
    let report_path = write("migration-report.md", &report)?;
    print!("{report}");
    println!(
        "\nWritten: {} ({} resources), {}, {}",
        show(&import_path),
        migration.mapped.len(),
        show(&config_path),
        show(&report_path)
    );
    Ok(0)
}

fn show(path: &Path) -> String {
    path.display().to_string()
}

fn migrate_gate(args: &[String]) -> Result<i32, String> {
    let (options, positional) = match split(args, &["import-file"]) {
        Ok(p) => p,
        Err(e) => return Ok(usage(&e)),
    };
    let (Some(import_path), [preview_path]) = (option(&options, "import-file"), &positional[..])
    else {
        return Ok(usage(
            "migrate-gate needs --import-file import.json and one PREVIEW.json",
        ));
    };
    let import = read_json(&import_path)?;
    let preview = std::fs::read_to_string(preview_path)
        .map_err(|e| format!("cannot read {preview_path}: {e}"))?;
    let result = gate(&import, &preview)?;
    for u in &result.updates {
        println!("in place: {u}");
    }
    for c in &result.other_creates {
        println!("new (not imported): {c}");
    }
    if result.violations.is_empty() {
        println!(
            "gate passed: no imported resource is replaced, deleted or created; {} in-place updates",
            result.updates.len()
        );
        return Ok(0);
    }
    for v in &result.violations {
        eprintln!("refused: {v}");
    }
    eprintln!(
        "sotex-ci migrate-gate: {} step(s) would replace, delete or recreate resources; do not run `pulumi up` on the new stack. See docs/MIGRATION.md (rollback of the import step).",
        result.violations.len()
    );
    Ok(EXIT_REFUSED)
}
