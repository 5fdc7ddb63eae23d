//! The `sotex-ci play-*` subcommands: arguments, reading the recorded track state (files or
//! stdin), exit codes and GitHub annotations. The rules themselves are in [`crate::play`].

use std::io::Read;

use crate::deploy::{EXIT_ERROR, EXIT_OK, EXIT_REFUSED, EXIT_USAGE};
use crate::play::{self, Promotion, Rollout, Track};

pub const USAGE: &str = "\
  sotex-ci play-check-upload --version-code N [--track NAME] [--landed] [TRACKS.json|-]...
      Reads the Play Developer API's track state (edits.tracks.get or edits.tracks.list
      answers; stdin when no file is given) and refuses (exit 3) an upload of version code N
      that is not higher than every version code on track NAME (default internal).
      --landed checks instead, after an upload, that track NAME's releases have N.
  sotex-ci play-check-promote --version-code N (--rollout FRACTION|complete | --halt)
                              [--from internal] [--to production] [--out FILE] [TRACKS.json|-]...
      Refuses (exit 3) to promote N to --to unless --from's current release has it (not as a
      draft), nothing higher is on --to, and no other staged rollout is open there. FRACTION is
      0.1 or 10% for a staged rollout; --halt stops N's staged rollout on --to. Writes the
      edits.tracks.update body to FILE (no file when nothing needs to change).
      Exit codes: 0 allowed, 2 usage, 3 refused, 6 the track state could not be read.";

/// Runs `play-check-upload` or `play-check-promote` with the arguments after the subcommand.
pub fn run(subcommand: &str, args: &[String]) -> i32 {
    let result = match subcommand {
        "play-check-upload" => check_upload(args),
        "play-check-promote" => check_promote(args),
        other => Err(Failure::Usage(format!("unknown subcommand {other}"))),
    };
    match result {
        Ok(summary) => {
            println!("{summary}");
            report(subcommand, &summary, false);
            EXIT_OK
        }
        Err(Failure::Usage(problem)) => {
            eprintln!("sotex-ci {subcommand}: {problem}\nusage:\n{USAGE}");
            EXIT_USAGE
        }
        Err(Failure::Refused(reason)) => {
            println!("{reason}");
            report(subcommand, &reason, true);
            EXIT_REFUSED
        }
        Err(Failure::State(problem)) => {
            let message = format!("the track state could not be used: {problem}");
            println!("{message}");
            report(subcommand, &message, true);
            EXIT_ERROR
        }
    }
}

enum Failure {
    Usage(String),
    Refused(String),
    State(String),
}

#[derive(Default)]
struct Options {
    version_code: Option<String>,
    track: Option<String>,
    from: Option<String>,
    to: Option<String>,
    rollout: Option<String>,
    out: Option<String>,
    landed: bool,
    halt: bool,
    files: Vec<String>,
}

fn parse(args: &[String], allowed: &[&str]) -> Result<Options, Failure> {
    let mut o = Options::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let Some(flag) = arg.strip_prefix("--") else {
            o.files.push(arg.clone());
            continue;
        };
        let (name, inline) = match flag.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (flag, None),
        };
        if !allowed.contains(&name) {
            return Err(Failure::Usage(format!("unknown option {arg}")));
        }
        let switch = match name {
            "landed" => Some(&mut o.landed),
            "halt" => Some(&mut o.halt),
            _ => None,
        };
        if let Some(switch) = switch {
            if inline.is_some() {
                return Err(Failure::Usage(format!("--{name} takes no value")));
            }
            *switch = true;
            continue;
        }
        let value = match inline {
            Some(v) => v,
            None => it
                .next()
                .cloned()
                .ok_or_else(|| Failure::Usage(format!("--{name} needs a value")))?,
        };
        let slot = match name {
            "version-code" => &mut o.version_code,
            "track" => &mut o.track,
            "from" => &mut o.from,
            "to" => &mut o.to,
            "rollout" => &mut o.rollout,
            _ => &mut o.out,
        };
        *slot = Some(value);
    }
    Ok(o)
}

fn version_code(o: &Options) -> Result<u64, Failure> {
    let raw = o
        .version_code
        .as_deref()
        .ok_or_else(|| Failure::Usage("--version-code is required".into()))?;
    play::parse_version_code(raw).map_err(|e| Failure::Usage(format!("--version-code: {e}")))
}

/// Every track from the given answers (later files win for a track named twice).
fn read_tracks(files: &[String]) -> Result<Vec<Track>, Failure> {
    let sources: Vec<&str> = if files.is_empty() {
        vec!["-"]
    } else {
        files.iter().map(String::as_str).collect()
    };
    let mut tracks: Vec<Track> = Vec::new();
    for source in sources {
        let text = if source == "-" {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| Failure::State(format!("read stdin: {e}")))?;
            s
        } else {
            std::fs::read_to_string(source)
                .map_err(|e| Failure::State(format!("read {source}: {e}")))?
        };
        let label = if source == "-" { "stdin" } else { source };
        for track in
            play::parse_tracks(&text).map_err(|e| Failure::State(format!("{label}: {e}")))?
        {
            tracks.retain(|t| t.name != track.name);
            tracks.push(track);
        }
    }
    Ok(tracks)
}

fn check_upload(args: &[String]) -> Result<String, Failure> {
    let o = parse(args, &["version-code", "track", "landed"])?;
    let vc = version_code(&o)?;
    let tracks = read_tracks(&o.files)?;
    let track = play::find_track(&tracks, o.track.as_deref().unwrap_or("internal"))
        .map_err(Failure::State)?;
    let verdict = if o.landed {
        play::check_landed(track, vc)
    } else {
        play::check_upload(track, vc)
    };
    verdict.map_err(Failure::Refused)
}

fn check_promote(args: &[String]) -> Result<String, Failure> {
    let o = parse(
        args,
        &["version-code", "from", "to", "rollout", "halt", "out"],
    )?;
    let vc = version_code(&o)?;
    let rollout = match (&o.rollout, o.halt) {
        (Some(_), true) => {
            return Err(Failure::Usage(
                "--rollout and --halt exclude each other".into(),
            ));
        }
        (None, false) => {
            return Err(Failure::Usage(
                "--rollout FRACTION|complete or --halt is required".into(),
            ));
        }
        (None, true) => Rollout::Halt,
        (Some(r), false) => {
            Rollout::parse(r).map_err(|e| Failure::Usage(format!("--rollout: {e}")))?
        }
    };
    let promotion = Promotion {
        version_code: vc,
        from: o.from.unwrap_or_else(|| "internal".into()),
        to: o.to.unwrap_or_else(|| "production".into()),
        rollout,
    };
    if promotion.from == promotion.to {
        return Err(Failure::Usage(format!(
            "--from and --to are both `{}`",
            promotion.to
        )));
    }
    // A body left from an earlier step must never be sent for this decision.
    if let Some(out) = &o.out {
        match std::fs::remove_file(out) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(Failure::State(format!("remove {out}: {e}")));
            }
            _ => {}
        }
    }
    let tracks = read_tracks(&o.files)?;
    let plan = play::plan_promotion(&tracks, &promotion).map_err(|e| {
        // A missing track is a state problem (wrong file, wrong app), not a refusal.
        if e.starts_with("the track state") {
            Failure::State(e)
        } else {
            Failure::Refused(e)
        }
    })?;
    // No file means no update.
    if let (Some(out), Some(body)) = (&o.out, &plan.update) {
        std::fs::write(out, format!("{body}\n"))
            .map_err(|e| Failure::State(format!("write {out}: {e}")))?;
    }
    Ok(plan.summary)
}

/// In GitHub Actions: an error annotation for a failure, and the line in the job summary.
fn report(subcommand: &str, text: &str, failed: bool) {
    if !std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        return;
    }
    if failed {
        let escaped = text
            .replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A");
        println!("::error title=sotex-ci {subcommand}::{escaped}");
    }
    if let Ok(path) = std::env::var("GITHUB_STEP_SUMMARY")
        && !path.is_empty()
    {
        use std::io::Write;
        let entry = format!("### `sotex-ci {subcommand}`\n\n{text}\n\n");
        let written = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&path)
            .and_then(|mut f| f.write_all(entry.as_bytes()));
        if let Err(e) = written {
            eprintln!("sotex-ci: could not write the job summary: {e}");
        }
    }
}
