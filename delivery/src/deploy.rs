//! `sotex-ci deploy`: `pulumi up` of one stack with the guard rails CI needs.
//!
//! - The image tag to deploy is an input (`--image-tag`), set as the stack's `imageTag` config
//!   before the update. Without it the stack keeps the image tag of its last recorded deploy, so
//!   an infrastructure change never rolls the API back to whatever tag a stack file names.
//! - Production is refused (exit [`EXIT_REFUSED`]) unless staging's record names the same commit
//!   (and, when given, the same image tag): production only ever runs what staging ran.
//! - The record is a stack tag, [`RECORD_TAG`], written after a successful update. It lives in
//!   the state backend next to the stack (S3 or Pulumi Cloud in CI, a file locally), survives
//!   CI runs and is inspectable: `pulumi stack tag get sotex:deployed --stack staging`. The
//!   pulumi CLI (v3.274.1) supports stack tags on the file/S3 backend
//!   (`<stack>.pulumi-tags` next to the checkpoint), and `pulumi up` never rewrites them. The
//!   record is one tag, so it is written atomically: a half-written record cannot let a commit
//!   through.
//! - Exit codes say what happened, and the last line of output is a one-paragraph summary.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::LazyLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use regex::Regex;

/// The stack tag recording a stack's last successful deploy.
pub const RECORD_TAG: &str = "sotex:deployed";
/// The stack tag recording a stack's last failed deploy (for people; the guard ignores it).
pub const FAILED_TAG: &str = "sotex:failed";

pub const EXIT_OK: i32 = 0;
/// Bad arguments.
pub const EXIT_USAGE: i32 = 2;
/// The guard refused: the commit (or image tag) has not run on the stack it must be verified on.
pub const EXIT_REFUSED: i32 = 3;
/// `pulumi up` failed (for a service: a failed or rolled-back rollout, with stop reasons).
pub const EXIT_DEPLOY_FAILED: i32 = 4;
/// The update succeeded but its record could not be written: later promotions will refuse it.
pub const EXIT_NOT_RECORDED: i32 = 5;
/// pulumi could not be run, or the config or the other stack's record could not be read.
pub const EXIT_ERROR: i32 = 6;

/// What to deploy where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployOptions {
    pub stack: String,
    pub commit: String,
    /// `None`: keep the stack's recorded (else configured) image tag.
    pub image_tag: Option<String>,
    /// The stack whose record must name this commit (`staging` for `production`).
    pub verified_on: Option<String>,
    /// The config key the program reads the image tag from, in the project's namespace.
    pub config_key: String,
    /// A CI run id or URL recorded with the deploy.
    pub run: Option<String>,
    /// Only run the guard (CI asks before it requests an approval): nothing is changed.
    pub check_only: bool,
}

/// What a stack last ran successfully, as stored in [`RECORD_TAG`]:
/// `commit=<sha> image=<tag> at=<UTC time> [run=<id>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub commit: String,
    pub image_tag: Option<String>,
    pub at: String,
    pub run: Option<String>,
}

/// The pulumi CLI's limit on a stack tag value.
const MAX_TAG_VALUE: usize = 256;

static COMMIT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[0-9a-f]{7,64}$").expect("valid regex"));
/// A Docker image tag, or a digest.
static IMAGE_TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|sha256:[0-9a-f]{64})$").expect("valid regex")
});
static RUN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9_.:/#@-]{1,120}$").expect("valid regex"));

impl Record {
    pub fn encode(&self) -> String {
        let mut s = format!("commit={}", self.commit);
        if let Some(t) = &self.image_tag {
            s.push_str(&format!(" image={t}"));
        }
        s.push_str(&format!(" at={}", self.at));
        if let Some(r) = &self.run {
            s.push_str(&format!(" run={r}"));
        }
        s
    }

    pub fn decode(s: &str) -> Result<Record, String> {
        let (mut commit, mut image_tag, mut at, mut run) = (None, None, None, None);
        for field in s.split_whitespace() {
            let (k, v) = field
                .split_once('=')
                .ok_or_else(|| format!("`{field}` is not key=value"))?;
            let slot = match k {
                "commit" => &mut commit,
                "image" => &mut image_tag,
                "at" => &mut at,
                "run" => &mut run,
                // Fields a later version adds are kept readable by this one.
                _ => continue,
            };
            *slot = Some(v.to_string());
        }
        Ok(Record {
            commit: commit.ok_or("no commit=")?,
            image_tag,
            at: at.unwrap_or_default(),
            run,
        })
    }

    /// How the summary names it: `commit 1a2b3c4 (image v1.2) at 2026-...`.
    pub fn describe(&self) -> String {
        let image = self
            .image_tag
            .as_deref()
            .map(|t| format!(" with image tag `{t}`"))
            .unwrap_or_default();
        let at = if self.at.is_empty() {
            String::new()
        } else {
            format!(" (deployed {})", self.at)
        };
        format!("commit {}{image}{at}", short(&self.commit))
    }
}

/// Checks the inputs before anything runs.
pub fn validate(opts: &DeployOptions) -> Result<(), String> {
    if opts.stack.is_empty() {
        return Err("--stack is required".into());
    }
    if !COMMIT.is_match(&opts.commit) {
        return Err(format!(
            "`{}` is not a commit id (7 to 64 lowercase hex digits)",
            opts.commit
        ));
    }
    if let Some(t) = &opts.image_tag
        && !IMAGE_TAG.is_match(t)
    {
        return Err(format!(
            "`{t}` is not an image tag (letters, digits, `_`, `.`, `-`, up to 128, not starting \
             with `.` or `-`) nor a `sha256:` digest"
        ));
    }
    if let Some(r) = &opts.run
        && !RUN.is_match(r)
    {
        return Err(format!("`{r}` is not a run id"));
    }
    let longest = Record {
        commit: opts.commit.clone(),
        image_tag: opts.image_tag.clone(),
        at: format_utc(0),
        run: opts.run.clone(),
    };
    if longest.encode().len() > MAX_TAG_VALUE {
        return Err(format!(
            "the deploy record `{}` would exceed the {MAX_TAG_VALUE} characters a stack tag holds; \
             use a shorter image tag or run id",
            longest.encode()
        ));
    }
    if opts.verified_on.as_deref() == Some(opts.stack.as_str()) {
        return Err(format!(
            "stack `{}` cannot be verified on itself",
            opts.stack
        ));
    }
    Ok(())
}

/// The guard: may `commit` (and `image_tag`, when given) go to a stack that must first run on
/// `verified_on`, whose record is `record`? `Err` says why not, naming both sides.
pub fn check_promotion(
    commit: &str,
    image_tag: Option<&str>,
    verified_on: &str,
    record: Option<&Record>,
) -> Result<(), String> {
    let Some(record) = record else {
        return Err(format!(
            "commit {} has not been deployed to `{verified_on}` successfully: `{verified_on}` has \
             no record of any successful deploy (stack tag `{RECORD_TAG}`)",
            short(commit)
        ));
    };
    if !record.commit.eq_ignore_ascii_case(commit) {
        return Err(format!(
            "commit {} has not been deployed to `{verified_on}` successfully: `{verified_on}` last \
             ran {}",
            short(commit),
            record.describe()
        ));
    }
    if let Some(tag) = image_tag
        && record.image_tag.as_deref() != Some(tag)
    {
        return Err(format!(
            "image tag `{tag}` at commit {} has not been deployed to `{verified_on}` \
             successfully: `{verified_on}` last ran {}",
            short(commit),
            record.describe()
        ));
    }
    Ok(())
}

/// What a pulumi command printed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PulumiOutput {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the pulumi CLI (a fake in unit tests).
pub trait Pulumi {
    /// Runs `pulumi <args>`; `stream` copies its output to ours as it comes (for `up`, so the
    /// job log shows progress), and it is captured either way.
    fn run(&self, args: &[&str], stream: bool) -> io::Result<PulumiOutput>;
}

/// The real CLI: `$PULUMI_BIN`, else `pulumi` from `PATH`, run in the project directory with
/// this process's environment (backend, passphrase, credentials come from CI).
pub struct PulumiCli {
    pub bin: PathBuf,
    pub cwd: PathBuf,
}

impl Pulumi for PulumiCli {
    fn run(&self, args: &[&str], stream: bool) -> io::Result<PulumiOutput> {
        let mut child = Command::new(&self.bin)
            .args(["--non-interactive", "--color", "never"])
            .args(args)
            .current_dir(&self.cwd)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", self.bin.display())))?;
        let out = child.stdout.take().expect("piped stdout");
        let err = child.stderr.take().expect("piped stderr");
        let (stdout, stderr) = std::thread::scope(|s| {
            let o = s.spawn(move || tee(out, stream.then(io::stdout)));
            let e = s.spawn(move || tee(err, stream.then(io::stderr)));
            (
                o.join().expect("stdout reader"),
                e.join().expect("stderr reader"),
            )
        });
        let status = child.wait()?;
        Ok(PulumiOutput {
            success: status.success(),
            stdout: stdout?,
            stderr: stderr?,
        })
    }
}

/// Reads a stream to the end, copying each line to `copy` as it arrives.
fn tee(from: impl Read, mut copy: Option<impl Write>) -> io::Result<String> {
    let mut reader = BufReader::new(from);
    let mut all = Vec::new();
    let mut line = Vec::new();
    while reader.read_until(b'\n', &mut line)? > 0 {
        if let Some(w) = copy.as_mut() {
            w.write_all(&line)?;
            w.flush()?;
        }
        all.append(&mut line);
    }
    Ok(String::from_utf8_lossy(&all).into_owned())
}

/// The result of a deploy: its exit code and the one-paragraph summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub code: i32,
    pub summary: String,
}

/// Runs the deploy: guard, config, `pulumi up`, record.
pub fn deploy(opts: &DeployOptions, pulumi: &dyn Pulumi) -> Outcome {
    let started = Instant::now();
    let stack = opts.stack.as_str();
    let commit = format!("commit {}", short(&opts.commit));
    let what = match &opts.image_tag {
        Some(t) => format!("{commit} with image tag `{t}`"),
        None => commit.clone(),
    };
    if let Err(e) = validate(opts) {
        return Outcome {
            code: EXIT_USAGE,
            summary: format!("Deploy to `{stack}` not started: {e}."),
        };
    }
    // The guard, before anything changes.
    if let Err(refused) = guard(opts, pulumi, &what) {
        return refused;
    }
    if opts.check_only {
        let verified = match &opts.verified_on {
            Some(v) => format!("`{v}` last ran it"),
            None => "no other stack must run it first".to_string(),
        };
        return Outcome {
            code: EXIT_OK,
            summary: format!("Check passed: {what} may be deployed to `{stack}`: {verified}."),
        };
    }
    let image_tag = match set_image_tag(opts, pulumi, &what) {
        Ok(tag) => tag,
        Err(not_started) => return not_started,
    };
    let image_note = match &image_tag {
        Some((tag, how)) => format!("image tag `{tag}` ({how})"),
        None => format!(
            "the image tag in the stack's config (`{}`: no tag given and none recorded)",
            opts.config_key
        ),
    };
    let up = run_up(opts, pulumi, image_tag.as_ref().map(|(t, _)| t.as_str()));
    let ran = Ran {
        stack,
        commit: &commit,
        image_note: &image_note,
        elapsed: started.elapsed().as_secs(),
        record: Record {
            commit: opts.commit.clone(),
            image_tag: image_tag.as_ref().map(|(t, _)| t.clone()),
            at: utc_now(),
            run: opts.run.clone(),
        },
    };
    let up = match up {
        Ok(out) => out,
        Err(e) => {
            return Outcome {
                code: EXIT_ERROR,
                summary: format!("Deploy of {what} to `{stack}` not started: {e}."),
            };
        }
    };
    let text = format!("{}\n{}", up.stdout, up.stderr);
    if up.success {
        record_success(opts, pulumi, &ran, &text)
    } else {
        record_failure(pulumi, &ran, &text)
    }
}

/// The promotion guard: with `verifiedOn`, only what that stack last ran successfully.
fn guard(opts: &DeployOptions, pulumi: &dyn Pulumi, what: &str) -> Result<(), Outcome> {
    let stack = opts.stack.as_str();
    let Some(verified_on) = &opts.verified_on else {
        return Ok(());
    };
    let record = read_record(pulumi, verified_on).map_err(|e| Outcome {
        code: EXIT_ERROR,
        summary: format!(
            "Deploy of {what} to `{stack}` REFUSED: could not read what \
             `{verified_on}` last ran ({e}), and `{stack}` only takes what \
             `{verified_on}` ran."
        ),
    })?;
    check_promotion(
        &opts.commit,
        opts.image_tag.as_deref(),
        verified_on,
        record.as_ref(),
    )
    .map_err(|why| Outcome {
        code: EXIT_REFUSED,
        summary: format!(
            "Deploy of {what} to `{stack}` REFUSED: {why}. Deploy it to \
             `{verified_on}` first (and let it succeed), then promote the same commit."
        ),
    })
}

/// The image tag (given, else what this stack last ran, else its config as it stands) and how
/// it was chosen, set in the stack's config.
fn set_image_tag(
    opts: &DeployOptions,
    pulumi: &dyn Pulumi,
    what: &str,
) -> Result<Option<(String, &'static str)>, Outcome> {
    let stack = opts.stack.as_str();
    let image_tag = match &opts.image_tag {
        Some(t) => Some((t.clone(), "given")),
        None => read_record(pulumi, stack)
            .map_err(|e| Outcome {
                code: EXIT_ERROR,
                summary: format!(
                    "Deploy of {what} to `{stack}` not started: could not read its last \
                     deploy record ({e})."
                ),
            })?
            .and_then(|r| r.image_tag)
            .map(|t| (t, "kept from its last deploy")),
    };
    if let Some((tag, _)) = &image_tag {
        let args = [
            "config",
            "set",
            "--stack",
            stack,
            "--",
            &opts.config_key,
            tag,
        ];
        checked(pulumi.run(&args, false)).map_err(|e| Outcome {
            code: EXIT_ERROR,
            summary: format!(
                "Deploy of {what} to `{stack}` not started: could not set config `{}`: {e}",
                opts.config_key
            ),
        })?;
    }
    Ok(image_tag)
}

fn run_up(
    opts: &DeployOptions,
    pulumi: &dyn Pulumi,
    image_tag: Option<&str>,
) -> io::Result<PulumiOutput> {
    let message = format!(
        "sotex-ci deploy: commit {}{}",
        opts.commit,
        image_tag.map(|t| format!(" image {t}")).unwrap_or_default()
    );
    let args = [
        "up",
        "--yes",
        "--skip-preview",
        "--stack",
        &opts.stack,
        "--message",
        &message,
    ];
    pulumi.run(&args, true)
}

/// What an `up` that ran leaves to report.
struct Ran<'a> {
    stack: &'a str,
    commit: &'a str,
    image_note: &'a str,
    elapsed: u64,
    record: Record,
}

/// A failed `up`: tagged for people looking at the stack later; the guard only trusts
/// successes, so the previous record stays.
fn record_failure(pulumi: &dyn Pulumi, ran: &Ran<'_>, text: &str) -> Outcome {
    let Ran {
        stack,
        commit,
        image_note,
        elapsed,
        record,
    } = ran;
    let encoded = record.encode();
    let args = [
        "stack", "tag", "set", "--stack", stack, FAILED_TAG, &encoded,
    ];
    let _ = pulumi.run(&args, false);
    let errors = error_lines(text);
    let errors = if errors.is_empty() {
        "pulumi printed no error line; see its output above".to_string()
    } else {
        errors.join(" | ")
    };
    Outcome {
        code: EXIT_DEPLOY_FAILED,
        summary: format!(
            "Deploy of {commit} to `{stack}` with {image_note} FAILED after {elapsed} s: \
             {errors}. The previous record stays in stack tag `{RECORD_TAG}`, so nothing \
             can be promoted from this attempt."
        ),
    }
}

/// A successful `up`: its record goes into the stack tag the guard reads.
fn record_success(opts: &DeployOptions, pulumi: &dyn Pulumi, ran: &Ran<'_>, text: &str) -> Outcome {
    let Ran {
        stack,
        commit,
        image_note,
        elapsed,
        record,
    } = ran;
    let changes = resource_counts(text).unwrap_or_else(|| "no resource summary".into());
    let encoded = record.encode();
    let args = [
        "stack", "tag", "set", "--stack", stack, RECORD_TAG, &encoded,
    ];
    let recorded = checked(pulumi.run(&args, false));
    let verified = opts
        .verified_on
        .as_deref()
        .map(|v| format!(" after checking that `{v}` ran it"))
        .unwrap_or_default();
    match recorded {
        Ok(()) => Outcome {
            code: EXIT_OK,
            summary: format!(
                "Deployed {commit} to `{stack}` with {image_note}{verified} in {elapsed} s: \
                 {changes}. Recorded in stack tag `{RECORD_TAG}` = `{encoded}` (`pulumi stack tag get \
                 {RECORD_TAG} --stack {stack}`)."
            ),
        },
        Err(e) => Outcome {
            code: EXIT_NOT_RECORDED,
            summary: format!(
                "Deployed {commit} to `{stack}` with {image_note}{verified} in {elapsed} s: \
                 {changes}; but its record could not be written ({e}), so it cannot be promoted \
                 until a deploy records it."
            ),
        },
    }
}

/// A stack's [`RECORD_TAG`], `None` when it has none.
pub fn read_record(pulumi: &dyn Pulumi, stack: &str) -> Result<Option<Record>, String> {
    let out = pulumi
        .run(&["stack", "tag", "ls", "--json", "--stack", stack], false)
        .map_err(|e| e.to_string())?;
    if !out.success {
        return Err(first_line(&out.stderr, &out.stdout));
    }
    let tags: serde_json::Value = serde_json::from_str(&out.stdout)
        .map_err(|e| format!("`pulumi stack tag ls --json` printed no JSON: {e}"))?;
    match tags.get(RECORD_TAG).and_then(|v| v.as_str()) {
        None => Ok(None),
        Some(v) => Record::decode(v)
            .map(Some)
            .map_err(|e| format!("stack tag `{RECORD_TAG}` = `{v}` is malformed: {e}")),
    }
}

fn checked(out: io::Result<PulumiOutput>) -> Result<(), String> {
    let out = out.map_err(|e| e.to_string())?;
    if out.success {
        Ok(())
    } else {
        Err(first_line(&out.stderr, &out.stdout))
    }
}

fn first_line(a: &str, b: &str) -> String {
    a.lines()
        .chain(b.lines())
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("no output")
        .to_string()
}

/// The errors of a failed `pulumi up`, one line each: from its `Diagnostics:` section (the
/// whole output if it has none), each error with the resource it is about and its indented
/// continuation lines (where the provider lists a rollout's stop reasons) joined by `; `.
pub fn error_lines(output: &str) -> Vec<String> {
    let lines: Vec<&str> = output.lines().collect();
    let section: &[&str] = match lines.iter().position(|l| l.trim_end() == "Diagnostics:") {
        // The section ends at the next unindented line (`Resources:`, `Outputs:`, ...).
        Some(i) => {
            let rest = &lines[i + 1..];
            let end = rest
                .iter()
                .position(|l| !l.is_empty() && !l.starts_with(char::is_whitespace))
                .unwrap_or(rest.len());
            &rest[..end]
        }
        None => &lines,
    };
    struct Open {
        indent: usize,
        resource: Option<String>,
        parts: Vec<String>,
    }
    fn close(open: Option<Open>, errors: &mut Vec<String>) {
        let Some(open) = open else { return };
        // "1 error occurred:" only announces the list that follows.
        let parts: Vec<&str> = open
            .parts
            .iter()
            .map(String::as_str)
            .filter(|p| !(p.ends_with("occurred:") && p.contains("error")))
            .collect();
        let text = if parts.is_empty() {
            open.parts.join("; ")
        } else {
            parts.join("; ")
        };
        errors.push(match open.resource {
            Some(r) => format!("{r}: {text}"),
            None => text,
        });
    }
    let mut errors = Vec::new();
    let mut resource: Option<String> = None;
    let mut open: Option<Open> = None;
    for line in section {
        let trimmed = line.trim();
        let indent = line.len() - line.trim_start().len();
        if trimmed.is_empty() {
            close(open.take(), &mut errors);
            continue;
        }
        if let Some(pos) = trimmed.find("error: ") {
            close(open.take(), &mut errors);
            open = Some(Open {
                indent,
                resource: resource.clone(),
                parts: vec![trimmed[pos + "error: ".len()..].to_string()],
            });
            continue;
        }
        if let Some(o) = open.as_mut()
            && indent > o.indent
        {
            o.parts.push(
                trimmed
                    .trim_start_matches(['*', '-', ' ', '\t'])
                    .to_string(),
            );
            continue;
        }
        close(open.take(), &mut errors);
        if trimmed.ends_with(':') {
            resource = Some(trimmed.trim_end_matches(':').to_string());
        }
    }
    close(open, &mut errors);
    let mut seen = std::collections::BTreeSet::new();
    errors.retain(|e| seen.insert(e.clone()));
    // pulumi ends a failed update with a generic error on the stack that the others explain.
    if errors.len() > 1 {
        errors.retain(|e| !e.ends_with("update failed"));
    }
    errors
}

/// `pulumi up`'s `Resources:` block as one phrase: `+ 2 created, 3 unchanged`.
pub fn resource_counts(output: &str) -> Option<String> {
    let mut lines = output.lines().skip_while(|l| l.trim() != "Resources:");
    lines.next()?;
    let counts: Vec<String> = lines
        .map(str::trim)
        .take_while(|l| !l.is_empty())
        .map(|l| {
            l.trim_start_matches(['+', '-', '~', '+', '-', ' '])
                .to_string()
        })
        .collect();
    (!counts.is_empty()).then(|| counts.join(", "))
}

/// The first 7 characters of a commit id, as git shows it.
pub fn short(commit: &str) -> &str {
    commit.get(..7).unwrap_or(commit)
}

/// The current time as `2026-11-28T09:09:49Z`.
pub fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format_utc(secs)
}

/// Seconds since the epoch as an RFC 3339 UTC time (civil-from-days, proleptic Gregorian).
pub fn format_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::collections::BTreeMap;

    const C1: &str = "1111111111111111111111111111111111111111";
    const C2: &str = "2222222222222222222222222222222222222222";

    fn record(commit: &str, image: Option<&str>) -> Record {
        Record {
            commit: commit.into(),
            image_tag: image.map(str::to_string),
            at: "2026-01-02T03:04:05Z".into(),
            run: Some("42".into()),
        }
    }

    #[test]
    fn records_round_trip() {
        let r = record(C1, Some("v1.2.3"));
        assert_eq!(
            r.encode(),
            format!("commit={C1} image=v1.2.3 at=2026-01-02T03:04:05Z run=42")
        );
        assert_eq!(Record::decode(&r.encode()).unwrap(), r);
        let bare = Record::decode(&format!("commit={C1} future=x")).unwrap();
        assert_eq!(bare.image_tag, None);
        assert!(Record::decode("image=x").is_err());
        assert!(Record::decode("garbage").is_err());
    }

    #[test]
    fn promotion_needs_staging_to_have_run_the_commit() {
        let err = check_promotion(C1, None, "staging", None).unwrap_err();
        assert!(
            err.contains("commit 1111111 has not been deployed to `staging`"),
            "{err}"
        );
        assert!(err.contains("no record"), "{err}");

        let staging = record(C2, Some("v2"));
        let err = check_promotion(C1, None, "staging", Some(&staging)).unwrap_err();
        assert!(
            err.contains("`staging` last ran commit 2222222 with image tag `v2`"),
            "{err}"
        );

        assert_eq!(check_promotion(C2, None, "staging", Some(&staging)), Ok(()));
        assert_eq!(
            check_promotion(&C2.to_uppercase(), Some("v2"), "staging", Some(&staging)),
            Ok(())
        );
        let err = check_promotion(C2, Some("v3"), "staging", Some(&staging)).unwrap_err();
        assert!(err.contains("image tag `v3` at commit 2222222"), "{err}");
    }

    #[test]
    fn inputs_are_checked() {
        let ok = DeployOptions {
            stack: "production".into(),
            commit: C1.into(),
            image_tag: Some("v1.2.3".into()),
            verified_on: Some("staging".into()),
            config_key: "imageTag".into(),
            run: Some("https://github.com/o/r/actions/runs/1".into()),
            check_only: false,
        };
        assert_eq!(validate(&ok), Ok(()));
        for bad in [
            DeployOptions {
                commit: "main".into(),
                ..ok.clone()
            },
            DeployOptions {
                image_tag: Some("v1 --yes".into()),
                ..ok.clone()
            },
            DeployOptions {
                image_tag: Some("-flag".into()),
                ..ok.clone()
            },
            DeployOptions {
                verified_on: Some("production".into()),
                ..ok.clone()
            },
            DeployOptions {
                stack: String::new(),
                ..ok.clone()
            },
            DeployOptions {
                image_tag: Some("t".repeat(128)),
                run: Some("r".repeat(100)),
                ..ok.clone()
            },
        ] {
            assert!(validate(&bad).is_err(), "{bad:?}");
        }
    }

    /// A pulumi that keeps stack tags in memory and answers `up` as scripted.
    struct FakePulumi {
        tags: RefCell<BTreeMap<String, BTreeMap<String, String>>>,
        up: PulumiOutput,
        calls: RefCell<Vec<String>>,
    }

    impl FakePulumi {
        fn new(up_ok: bool, up_output: &str) -> FakePulumi {
            FakePulumi {
                tags: RefCell::default(),
                up: PulumiOutput {
                    success: up_ok,
                    stdout: up_output.into(),
                    stderr: String::new(),
                },
                calls: RefCell::default(),
            }
        }

        fn tag(&self, stack: &str, tag: &str) -> Option<String> {
            self.tags.borrow().get(stack)?.get(tag).cloned()
        }

        fn calls(&self) -> Vec<String> {
            self.calls.borrow().clone()
        }
    }

    impl Pulumi for FakePulumi {
        fn run(&self, args: &[&str], _stream: bool) -> io::Result<PulumiOutput> {
            self.calls.borrow_mut().push(args.join(" "));
            let ok = |stdout: String| PulumiOutput {
                success: true,
                stdout,
                stderr: String::new(),
            };
            let stack = args
                .iter()
                .position(|a| *a == "--stack")
                .map(|i| args[i + 1].to_string())
                .unwrap();
            Ok(match args {
                ["stack", "tag", "ls", ..] => ok(serde_json::to_string(
                    &self.tags.borrow().get(&stack).cloned().unwrap_or_default(),
                )
                .unwrap()),
                ["stack", "tag", "set", .., name, value] => {
                    self.tags
                        .borrow_mut()
                        .entry(stack)
                        .or_default()
                        .insert(name.to_string(), value.to_string());
                    ok(String::new())
                }
                ["config", "set", ..] => ok(String::new()),
                ["up", ..] => self.up.clone(),
                _ => panic!("unexpected pulumi {args:?}"),
            })
        }
    }

    fn opts(stack: &str, commit: &str, image: Option<&str>) -> DeployOptions {
        DeployOptions {
            stack: stack.into(),
            commit: commit.into(),
            image_tag: image.map(str::to_string),
            verified_on: (stack == "production").then(|| "staging".into()),
            config_key: "imageTag".into(),
            run: None,
            check_only: false,
        }
    }

    const UP_OK: &str = "Updating (staging):\n\nResources:\n    + 1 created\n    ~ 1 updated\n    2 unchanged\n\nDuration: 3s\n";

    #[test]
    fn production_only_after_staging_ran_the_same_commit() {
        let pulumi = FakePulumi::new(true, UP_OK);
        let refused = deploy(&opts("production", C1, Some("v1")), &pulumi);
        assert_eq!(refused.code, EXIT_REFUSED, "{refused:?}");
        assert!(refused.summary.contains("REFUSED"), "{refused:?}");
        assert!(
            !pulumi.calls().iter().any(|c| c.starts_with("up")),
            "refused, yet ran: {:?}",
            pulumi.calls()
        );

        let staged = deploy(&opts("staging", C1, Some("v1")), &pulumi);
        assert_eq!(staged.code, EXIT_OK, "{staged:?}");
        assert!(
            staged.summary.contains("1 created, 1 updated, 2 unchanged"),
            "{staged:?}"
        );
        let rec = Record::decode(&pulumi.tag("staging", RECORD_TAG).unwrap()).unwrap();
        assert_eq!(
            (rec.commit.as_str(), rec.image_tag.as_deref()),
            (C1, Some("v1"))
        );
        assert!(
            pulumi
                .calls()
                .contains(&"config set --stack staging -- imageTag v1".into())
        );

        // Another commit, or another image, is still refused.
        assert_eq!(
            deploy(&opts("production", C2, Some("v1")), &pulumi).code,
            EXIT_REFUSED
        );
        assert_eq!(
            deploy(&opts("production", C1, Some("v2")), &pulumi).code,
            EXIT_REFUSED
        );
        let promoted = deploy(&opts("production", C1, Some("v1")), &pulumi);
        assert_eq!(promoted.code, EXIT_OK, "{promoted:?}");
        assert!(
            promoted
                .summary
                .contains("after checking that `staging` ran it"),
            "{promoted:?}"
        );
        assert!(pulumi.tag("production", RECORD_TAG).is_some());
    }

    #[test]
    fn without_an_image_tag_the_stack_keeps_its_recorded_one() {
        let pulumi = FakePulumi::new(true, UP_OK);
        assert_eq!(
            deploy(&opts("staging", C1, Some("v7")), &pulumi).code,
            EXIT_OK
        );
        let infra = deploy(&opts("staging", C2, None), &pulumi);
        assert_eq!(infra.code, EXIT_OK, "{infra:?}");
        assert!(
            infra
                .summary
                .contains("image tag `v7` (kept from its last deploy)"),
            "{infra:?}"
        );
        assert_eq!(
            pulumi
                .calls()
                .iter()
                .filter(|c| *c == "config set --stack staging -- imageTag v7")
                .count(),
            2
        );
        // Production takes the infra commit without an image tag: its own stays.
        assert_eq!(deploy(&opts("production", C2, None), &pulumi).code, EXIT_OK);
    }

    #[test]
    fn a_failed_update_keeps_the_last_good_record() {
        let ok = FakePulumi::new(true, UP_OK);
        deploy(&opts("staging", C1, Some("v1")), &ok);
        let failing = FakePulumi {
            up: PulumiOutput {
                success: false,
                stdout: "Diagnostics:\n  fargate:ecs:Service (api):\n    error: resource partially updated: service api-1 update did not reach steady state: the deployment circuit breaker rolled the service back to td:1\n        rollout failed: tasks failed to start\n        CannotPullContainerError: image not found\n\n  pulumi:pulumi:Stack (p-staging):\n    error: update failed\n".into(),
                stderr: String::new(),
            },
            ..ok
        };
        let failed = deploy(&opts("staging", C2, Some("v2")), &failing);
        assert_eq!(failed.code, EXIT_DEPLOY_FAILED, "{failed:?}");
        assert!(
            failed.summary.contains("FAILED after 0 s: fargate:ecs:Service (api): resource partially updated: service api-1 update did not reach steady state: the deployment circuit breaker rolled the service back to td:1; rollout failed: tasks failed to start; CannotPullContainerError: image not found. The previous"),
            "{failed:?}"
        );
        assert!(!failed.summary.contains("update failed"), "{failed:?}");
        let rec = Record::decode(&failing.tag("staging", RECORD_TAG).unwrap()).unwrap();
        assert_eq!(rec.commit, C1, "the good record stays");
        assert!(failing.tag("staging", FAILED_TAG).unwrap().contains(C2));
        assert_eq!(
            deploy(&opts("production", C2, Some("v2")), &failing).code,
            EXIT_REFUSED
        );
    }

    #[test]
    fn a_check_runs_only_the_guard() {
        let pulumi = FakePulumi::new(true, UP_OK);
        let check = |p: &FakePulumi, stack: &str| {
            deploy(
                &DeployOptions {
                    check_only: true,
                    ..opts(stack, C1, Some("v1"))
                },
                p,
            )
        };
        assert_eq!(check(&pulumi, "production").code, EXIT_REFUSED);
        assert_eq!(check(&pulumi, "staging").code, EXIT_OK);
        assert!(
            pulumi.tag("staging", RECORD_TAG).is_none(),
            "a check deployed"
        );
        deploy(&opts("staging", C1, Some("v1")), &pulumi);
        let ok = check(&pulumi, "production");
        assert_eq!(ok.code, EXIT_OK, "{ok:?}");
        assert!(ok.summary.contains("`staging` last ran it"), "{ok:?}");
        assert!(
            !pulumi
                .calls()
                .iter()
                .any(|c| c.contains("--stack production") && !c.starts_with("stack tag ls")),
            "{:?}",
            pulumi.calls()
        );
    }

    #[test]
    fn bad_input_runs_nothing() {
        let pulumi = FakePulumi::new(true, UP_OK);
        let out = deploy(&opts("staging", "HEAD", None), &pulumi);
        assert_eq!(out.code, EXIT_USAGE);
        assert!(pulumi.calls().is_empty());
    }

    #[test]
    fn parses_pulumi_output() {
        assert_eq!(
            resource_counts(UP_OK).as_deref(),
            Some("1 created, 1 updated, 2 unchanged")
        );
        assert_eq!(resource_counts("nothing"), None);
        assert_eq!(
            error_lines("  error: a\n      reason 1\n  * reason 2\nerror: b\n"),
            ["a; reason 1", "b"]
        );
        // As pulumi v3.274.1 prints a service that never became steady.
        let up = concat!(
            " +  fargate:ecs:Service api creating (10s) error: 1 error occurred:\n",
            " +  pulumi:pulumi:Stack p-staging creating (10s) error: update failed\n",
            "Diagnostics:\n",
            "  fargate:ecs:Service (api):\n",
            "    error: 1 error occurred:\n",
            "    \t* service api-3f9985a creation did not reach steady state: timed out after 10s (0 running)\n",
            "\n",
            "  pulumi:pulumi:Stack (p-staging):\n",
            "    error: update failed\n",
            "\n",
            "  fargate:ecs:TaskDefinition (api):\n",
            "    registered task definition td:1\n",
            "\n",
            "Resources:\n",
            "    + 3 created\n",
            "    2 errored\n",
        );
        assert_eq!(
            error_lines(up),
            [
                "fargate:ecs:Service (api): service api-3f9985a creation did not reach steady state: timed out after 10s (0 running)"
            ]
        );
        assert_eq!(resource_counts(up).as_deref(), Some("3 created, 2 errored"));
    }

    #[test]
    fn formats_utc_times() {
        assert_eq!(format_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_utc(1_795_000_000), "2026-11-18T11:06:40Z");
    }
}
