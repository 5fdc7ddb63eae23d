//! `sotex-ci`: CI's delivery steps, see the `sotex_delivery` crate.
//!
//! ```text
//! sotex-ci preview-comment [--out FILE] [STACK=]PREVIEW.json...
//! sotex-ci deploy --stack NAME [--image-tag TAG] [--commit SHA] [--cwd DIR]
//!                 [--verified-on STACK | --no-verification] [--config-key KEY] [--run ID]
//!                 [--check-only]
//! sotex-ci play-check-upload --version-code N [--track NAME] [--landed] [TRACKS.json|-]...
//! sotex-ci play-check-promote --version-code N (--rollout FRACTION|complete | --halt)
//!                             [--from internal] [--to production] [--out FILE] [TRACKS.json|-]...
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use sotex_delivery::deploy::{self, DeployOptions, EXIT_ERROR, EXIT_USAGE, PulumiCli};
use sotex_delivery::render::{StackPreview, render_comment};

const USAGE: &str = "usage:
  sotex-ci preview-comment [--out FILE] [STACK=]PREVIEW.json...
      Renders `pulumi preview --json` documents (one per stack, in the order given) as one
      Markdown PR comment on stdout (or FILE). STACK= names the stack; else the URNs do.
      An empty or unreadable file renders as a failed preview of that stack.
  sotex-ci deploy --stack NAME [--image-tag TAG] [--commit SHA] [--cwd DIR]
                  [--verified-on STACK | --no-verification] [--config-key KEY] [--run ID]
                  [--check-only]
      `pulumi up` of stack NAME in project DIR (default: the current directory) with config
      KEY (default imageTag) set to TAG (default: the tag of the stack's last deploy).
      Production (--stack production) is verified on staging unless told otherwise: it is
      refused unless staging's last successful deploy was the same commit (and TAG, if given).
      SHA defaults to `git rev-parse HEAD` in DIR, then $GITHUB_SHA; ID to the GitHub run.
      --check-only runs the guard and changes nothing.
      pulumi is $PULUMI_BIN, else `pulumi` on PATH.
      Exit codes: 0 deployed, 2 usage, 3 refused, 4 update failed, 5 deployed but not
      recorded, 6 pulumi or its state could not be used.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args.first().map(String::as_str) {
        Some("preview-comment") => preview_comment(&args[1..]),
        Some("deploy") => deploy_command(&args[1..]),
        Some(sub @ ("play-check-upload" | "play-check-promote")) => {
            sotex_delivery::play_cli::run(sub, &args[1..])
        }
        Some(sub @ ("migrate" | "migrate-gate")) => {
            sotex_delivery::migrate_cli::run(sub, &args[1..])
        }
        Some("-h" | "--help" | "help") => {
            println!(
                "{USAGE}\n{}\n{}",
                sotex_delivery::play_cli::USAGE,
                sotex_delivery::migrate_cli::USAGE
            );
            0
        }
        _ => usage("a subcommand is required"),
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

fn usage(problem: &str) -> i32 {
    eprintln!(
        "sotex-ci: {problem}\n{USAGE}\n{}",
        sotex_delivery::play_cli::USAGE
    );
    EXIT_USAGE
}

/// Splits `--flag value` / `--flag=value` options from positional arguments.
struct Args {
    options: Vec<(String, Option<String>)>,
    positional: Vec<String>,
}

fn parse(args: &[String], with_value: &[&str], switches: &[&str]) -> Result<Args, String> {
    let mut parsed = Args {
        options: Vec::new(),
        positional: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if let Some(flag) = a.strip_prefix("--") {
            let (name, inline) = match flag.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (flag, None),
            };
            if with_value.contains(&name) {
                let value = match inline {
                    Some(v) => v,
                    None => it
                        .next()
                        .ok_or_else(|| format!("--{name} needs a value"))?
                        .clone(),
                };
                parsed.options.push((name.to_string(), Some(value)));
            } else if switches.contains(&name) && inline.is_none() {
                parsed.options.push((name.to_string(), None));
            } else {
                return Err(format!("unknown option {a}"));
            }
        } else {
            parsed.positional.push(a.clone());
        }
    }
    Ok(parsed)
}

impl Args {
    fn value(&self, name: &str) -> Option<String> {
        self.options
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.clone())
    }

    fn has(&self, name: &str) -> bool {
        self.options.iter().any(|(n, _)| n == name)
    }
}

fn preview_comment(args: &[String]) -> i32 {
    let args = match parse(args, &["out"], &[]) {
        Ok(a) => a,
        Err(e) => return usage(&e),
    };
    if args.positional.is_empty() {
        return usage("preview-comment needs at least one preview file");
    }
    let mut stacks = Vec::new();
    for arg in &args.positional {
        // `staging=preview.json` names the stack; a bare path takes the name from the URNs.
        let (label, file) = match arg.split_once('=') {
            Some((l, f)) if !l.is_empty() && !l.contains('/') => (Some(l), f),
            _ => (None, arg.as_str()),
        };
        // A failed preview may print nothing: its stack still gets a section saying so, so
        // the comment never silently drops a stack.
        let name = || {
            label.map(str::to_string).unwrap_or_else(|| {
                std::path::Path::new(file)
                    .file_stem()
                    .map_or_else(|| file.to_string(), |s| s.to_string_lossy().into_owned())
            })
        };
        let preview = match std::fs::read_to_string(file) {
            Ok(json) if json.trim().is_empty() => {
                StackPreview::unavailable(&name(), "the file is empty")
            }
            Ok(json) => StackPreview::parse(label, &json)
                .unwrap_or_else(|e| StackPreview::unavailable(&name(), &e)),
            Err(e) => StackPreview::unavailable(&name(), &format!("cannot read {file}: {e}")),
        };
        if preview.failed() {
            eprintln!("sotex-ci: the preview of `{}` failed", preview.stack);
        }
        stacks.push(preview);
    }
    let comment = render_comment(&stacks);
    match args.value("out") {
        Some(out) => {
            if let Err(e) = std::fs::write(&out, comment) {
                eprintln!("sotex-ci: write {out}: {e}");
                return EXIT_ERROR;
            }
        }
        None => print!("{comment}"),
    }
    0
}

fn deploy_command(args: &[String]) -> i32 {
    let args = match parse(
        args,
        &[
            "stack",
            "image-tag",
            "commit",
            "cwd",
            "verified-on",
            "config-key",
            "run",
        ],
        &["no-verification", "check-only"],
    ) {
        Ok(a) => a,
        Err(e) => return usage(&e),
    };
    if !args.positional.is_empty() {
        return usage(&format!("unexpected argument {}", args.positional[0]));
    }
    let Some(stack) = args.value("stack") else {
        return usage("deploy needs --stack");
    };
    let cwd = args
        .value("cwd")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    let Some(commit) = args
        .value("commit")
        .or_else(|| git_head(&cwd))
        .or_else(|| env("GITHUB_SHA"))
    else {
        return usage("no commit: pass --commit, run in a git checkout, or set GITHUB_SHA");
    };
    if args.has("verified-on") && args.has("no-verification") {
        return usage("--verified-on and --no-verification exclude each other");
    }
    // Production is verified on staging unless the caller says otherwise, so a workflow that
    // forgets the flag cannot skip the guard.
    let verified_on = if args.has("no-verification") {
        if stack == "production" {
            return usage("production is always verified on another stack");
        }
        None
    } else {
        args.value("verified-on")
            .or_else(|| (stack == "production").then(|| "staging".to_string()))
    };
    let run = args.value("run").or_else(|| {
        let id = env("GITHUB_RUN_ID")?;
        Some(match env("GITHUB_RUN_ATTEMPT") {
            Some(a) => format!("{id}.{a}"),
            None => id,
        })
    });
    let opts = DeployOptions {
        stack,
        commit: commit.to_ascii_lowercase(),
        image_tag: args.value("image-tag").filter(|t| !t.is_empty()),
        verified_on,
        config_key: args
            .value("config-key")
            .unwrap_or_else(|| "imageTag".into()),
        run,
        check_only: args.has("check-only"),
    };
    let pulumi = PulumiCli {
        bin: env("PULUMI_BIN").map_or_else(|| PathBuf::from("pulumi"), PathBuf::from),
        cwd,
    };
    let outcome = deploy::deploy(&opts, &pulumi);
    println!("\n{}", outcome.summary);
    if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        if outcome.code != 0 {
            // An annotation puts the reason on the run's summary page, not only in the log.
            println!(
                "::error title=sotex-ci deploy {}::{}",
                opts.stack,
                escape_annotation(&outcome.summary)
            );
        }
        if let Some(path) = env("GITHUB_STEP_SUMMARY") {
            let entry = format!(
                "### `sotex-ci deploy` to `{}`\n\n{}\n\n",
                opts.stack, outcome.summary
            );
            if let Err(e) = append(&path, &entry) {
                eprintln!("sotex-ci: could not write the job summary: {e}");
            }
        }
    }
    outcome.code
}

fn env(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.is_empty())
}

fn git_head(dir: &std::path::Path) -> Option<String> {
    let out = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(dir)
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let head = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !head.is_empty()).then_some(head)
}

fn append(path: &str, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)?
        .write_all(text.as_bytes())
}

/// Workflow commands end at a newline and treat `%` specially.
fn escape_annotation(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}
