//! Google Play delivery rules for the Android app, checked against the track state that the
//! Play Developer API returns (`edits.tracks.get` / `edits.tracks.list`, API v3):
//!
//! ```json
//! {"track": "internal",
//!  "releases": [{"name": "1.4.0", "versionCodes": ["124"], "status": "completed",
//!                "releaseNotes": [{"language": "en-US", "text": "..."}]}]}
//! ```
//!
//! A list answer is `{"kind": "androidpublisher#tracksListResponse", "tracks": [Track...]}`.
//! Version codes are int64 sent as strings; `status` is one of `statusUnspecified`, `draft`,
//! `inProgress`, `halted`, `completed`; `userFraction` (0 < f < 1) only on `inProgress` and
//! `halted`. In a read, `releases` are the track's active releases.
//!
//! The rules, mirroring `sotex-ci deploy --verified-on` for stacks:
//! - [`check_upload`]: an upload's version code must be higher than every version code on the
//!   track it goes to.
//! - [`check_landed`]: after an upload, the track's releases name the version code the caller
//!   declared (so a wrong declaration cannot pass unnoticed).
//! - [`plan_promotion`]: production only takes a version code that the internal track's current
//!   (non-draft) release has, never lower than what production already serves, and gives the
//!   `edits.tracks.update` body that performs it (staged, complete, or halt).

use std::fmt;

use serde_json::{Map, Value, json};

/// A release's status as the API spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Unspecified,
    Draft,
    InProgress,
    Halted,
    Completed,
}

impl Status {
    const VALID: &'static str = "statusUnspecified, draft, inProgress, halted, completed";

    fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "statusUnspecified" => Status::Unspecified,
            "draft" => Status::Draft,
            "inProgress" => Status::InProgress,
            "halted" => Status::Halted,
            "completed" => Status::Completed,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Unspecified => "statusUnspecified",
            Status::Draft => "draft",
            Status::InProgress => "inProgress",
            Status::Halted => "halted",
            Status::Completed => "completed",
        }
    }
}

/// One release of a track.
#[derive(Debug, Clone, PartialEq)]
pub struct Release {
    pub name: Option<String>,
    pub version_codes: Vec<u64>,
    pub status: Status,
    pub user_fraction: Option<f64>,
    /// `LocalizedText` objects (`{"language", "text"}`), kept as the API sent them.
    pub release_notes: Vec<Value>,
}

impl Release {
    /// `name (124, completed)` or `124 (inProgress at 10%)`, for messages.
    pub fn describe(&self) -> String {
        let codes = self
            .version_codes
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let status = match (self.status, self.user_fraction) {
            (Status::InProgress | Status::Halted, Some(f)) => {
                format!("{} at {}", self.status.as_str(), percent(f))
            }
            (s, _) => s.as_str().to_string(),
        };
        match &self.name {
            Some(name) => format!("release \"{name}\" (version code {codes}, {status})"),
            None => format!("version code {codes} ({status})"),
        }
    }
}

/// A track and its active releases.
#[derive(Debug, Clone, PartialEq)]
pub struct Track {
    pub name: String,
    pub releases: Vec<Release>,
}

impl Track {
    /// The highest version code in any of the track's releases.
    pub fn highest(&self) -> Option<(u64, &Release)> {
        self.releases
            .iter()
            .flat_map(|r| r.version_codes.iter().map(move |&c| (c, r)))
            .max_by_key(|&(c, _)| c)
    }

    /// The release that names `version_code`.
    pub fn release_with(&self, version_code: u64) -> Option<&Release> {
        self.releases
            .iter()
            .find(|r| r.version_codes.contains(&version_code))
    }

    fn describe_releases(&self) -> String {
        if self.releases.is_empty() {
            return "no releases".into();
        }
        self.releases
            .iter()
            .map(Release::describe)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Parses one API answer: a `Track` (`edits.tracks.get`) or a `TracksListResponse`
/// (`edits.tracks.list`). Errors name the field, the value and what is valid.
pub fn parse_tracks(json: &str) -> Result<Vec<Track>, String> {
    let doc: Value = serde_json::from_str(json).map_err(|e| format!("not a JSON document: {e}"))?;
    let Some(obj) = doc.as_object() else {
        return Err("expected a Track or a TracksListResponse object".into());
    };
    if obj.contains_key("track") {
        return Ok(vec![parse_track(&doc, "")?]);
    }
    if obj.contains_key("error") {
        // An API error answer saved instead of a track; its message is the useful part.
        let message = doc
            .pointer("/error/message")
            .and_then(Value::as_str)
            .unwrap_or("(no message)");
        return Err(format!("the API answered with an error: {message}"));
    }
    match obj.get("tracks") {
        // An app without any track gets a list answer without `tracks`.
        None if obj.get("kind").and_then(Value::as_str)
            == Some("androidpublisher#tracksListResponse") =>
        {
            Ok(Vec::new())
        }
        None => {
            Err("expected a Track (with `track`) or a TracksListResponse (with `tracks`)".into())
        }
        Some(Value::Array(tracks)) => tracks
            .iter()
            .enumerate()
            .map(|(i, t)| parse_track(t, &format!("tracks[{i}].")))
            .collect(),
        Some(other) => Err(format!("`tracks` must be a list, got {other}")),
    }
}

fn parse_track(v: &Value, at: &str) -> Result<Track, String> {
    let name = v
        .get("track")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            format!(
                "`{at}track` must be a track name, got {}",
                shown(v.get("track"))
            )
        })?;
    let releases = match v.get("releases") {
        // A track without releases is sent without the field.
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, r)| parse_release(r, &format!("{at}releases[{i}].")))
            .collect::<Result<_, _>>()?,
        Some(other) => return Err(format!("`{at}releases` must be a list, got {other}")),
    };
    Ok(Track {
        name: name.to_string(),
        releases,
    })
}

fn parse_release(v: &Value, at: &str) -> Result<Release, String> {
    let version_codes = match v.get("versionCodes") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(codes)) => codes
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let parsed = match c {
                    Value::String(s) => parse_version_code(s).ok(),
                    Value::Number(n) => n.as_u64().filter(|&n| n > 0),
                    _ => None,
                };
                parsed.ok_or_else(|| {
                    format!(
                        "`{at}versionCodes[{i}]` must be a version code (a positive integer, \
                         sent as a string), got {c}"
                    )
                })
            })
            .collect::<Result<_, _>>()?,
        Some(other) => return Err(format!("`{at}versionCodes` must be a list, got {other}")),
    };
    let status = match v.get("status") {
        None | Some(Value::Null) => Status::Unspecified,
        Some(Value::String(s)) => Status::parse(s)
            .ok_or_else(|| format!("`{at}status` must be one of {}, got \"{s}\"", Status::VALID))?,
        Some(other) => {
            return Err(format!(
                "`{at}status` must be one of {}, got {other}",
                Status::VALID
            ));
        }
    };
    let user_fraction = match v.get("userFraction") {
        None | Some(Value::Null) => None,
        Some(f) => Some(
            f.as_f64()
                .filter(|f| *f > 0.0 && *f <= 1.0)
                .ok_or_else(|| {
                    format!("`{at}userFraction` must be a number between 0 and 1, got {f}")
                })?,
        ),
    };
    let release_notes = match v.get("releaseNotes") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(notes)) => notes.clone(),
        Some(other) => return Err(format!("`{at}releaseNotes` must be a list, got {other}")),
    };
    Ok(Release {
        name: v
            .get("name")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        version_codes,
        status,
        user_fraction,
        release_notes,
    })
}

fn shown(v: Option<&Value>) -> String {
    v.map_or_else(|| "nothing".into(), Value::to_string)
}

/// A version code as an input: a positive integer (Play's limit is 2100000000).
pub fn parse_version_code(s: &str) -> Result<u64, String> {
    const MAX: u64 = 2_100_000_000;
    match s.trim().parse::<u64>() {
        Ok(n) if (1..=MAX).contains(&n) => Ok(n),
        _ => Err(format!(
            "version code \"{s}\" is not valid: a whole number from 1 to {MAX}"
        )),
    }
}

/// Finds `name` among the tracks read from the API.
pub fn find_track<'a>(tracks: &'a [Track], name: &str) -> Result<&'a Track, String> {
    tracks.iter().find(|t| t.name == name).ok_or_else(|| {
        let names = tracks
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "the track state has no `{name}` track (it has: {})",
            if names.is_empty() { "none" } else { &names }
        )
    })
}

/// Version codes only grow: `Ok` says why the upload may go ahead, `Err` names both codes.
pub fn check_upload(track: &Track, version_code: u64) -> Result<String, String> {
    match track.highest() {
        None => Ok(format!(
            "version code {version_code} may be uploaded: the `{}` track has no releases yet",
            track.name
        )),
        Some((highest, _)) if version_code > highest => Ok(format!(
            "version code {version_code} may be uploaded: it is higher than the `{}` track's \
             current version code {highest}",
            track.name
        )),
        Some((highest, release)) => Err(format!(
            "refused: version code {version_code} is not higher than the `{}` track's current \
             version code {highest} ({}); version codes only grow, so raise `versionCode` in \
             the app's build and build again",
            track.name,
            release.describe()
        )),
    }
}

/// After an upload: the track's releases must name the version code the caller declared.
pub fn check_landed(track: &Track, version_code: u64) -> Result<String, String> {
    match track.release_with(version_code) {
        Some(release) => Ok(format!(
            "the `{}` track now has {}",
            track.name,
            release.describe()
        )),
        None => Err(format!(
            "the `{}` track does not have version code {version_code} after the upload (it \
             has {}): the declared version code does not match the uploaded bundle",
            track.name,
            track.describe_releases()
        )),
    }
}

/// What a promotion does to the target track.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rollout {
    /// A staged rollout to this fraction of users (0 < f < 1).
    Staged(f64),
    /// Everyone.
    Complete,
    /// Stop a staged rollout: no new users get it (installed copies stay).
    Halt,
}

impl Rollout {
    /// `0.1`, `10%`, `1`, `100%` or `complete`.
    pub fn parse(s: &str) -> Result<Rollout, String> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("complete") || t.eq_ignore_ascii_case("completed") {
            return Ok(Rollout::Complete);
        }
        let fraction = match t.strip_suffix('%') {
            Some(p) => p.trim().parse::<f64>().map(|p| p / 100.0),
            None => t.parse::<f64>(),
        };
        match fraction {
            Ok(f) if f > 0.0 && f < 1.0 => Ok(Rollout::Staged(f)),
            Ok(1.0) => Ok(Rollout::Complete),
            _ => Err(format!(
                "rollout \"{s}\" is not valid: a fraction of users above 0 and below 1 (0.1 or \
                 10%) for a staged rollout, or 1, 100% or `complete` for everyone"
            )),
        }
    }
}

impl fmt::Display for Rollout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rollout::Staged(x) => write!(f, "a staged rollout to {}", percent(*x)),
            Rollout::Complete => f.write_str("a complete rollout (100%)"),
            Rollout::Halt => f.write_str("halting the staged rollout"),
        }
    }
}

fn percent(f: f64) -> String {
    let p = (f * 10000.0).round() / 100.0;
    format!("{p}%")
}

/// A promotion request.
#[derive(Debug, Clone, PartialEq)]
pub struct Promotion {
    pub version_code: u64,
    /// The track that must have run it (internal).
    pub from: String,
    /// The track it goes to (production).
    pub to: String,
    pub rollout: Rollout,
}

/// The outcome of [`plan_promotion`] when it is allowed.
#[derive(Debug, Clone, PartialEq)]
pub struct PromotionPlan {
    pub summary: String,
    /// The `edits.tracks.update` body, or `None` when the target already is in that state.
    pub update: Option<Value>,
}

/// The promotion guard: may `p.version_code` go to `p.to`? `Err` says why not.
pub fn plan_promotion(tracks: &[Track], p: &Promotion) -> Result<PromotionPlan, String> {
    let to = find_track(tracks, &p.to)?;
    let vc = p.version_code;
    let current = to.release_with(vc);
    if p.rollout == Rollout::Halt {
        return plan_halt(to, vc, current);
    }
    let from = find_track(tracks, &p.from)?;
    let source = source_release(from, to, vc)?;
    check_not_lower_than_target(to, vc)?;
    check_no_other_rollout(to, vc)?;
    if let Some(current) = current
        && let Some(plan) = plan_against_current(to, vc, current, p.rollout)?
    {
        return Ok(plan);
    }
    let release = promoted_release(source, vc, p.rollout);
    let was = match current {
        Some(r) => format!(" (it was {})", r.describe()),
        None => String::new(),
    };
    Ok(PromotionPlan {
        summary: format!(
            "version code {vc} ({} on `{}`) goes to `{}` as {}{was}",
            source.status.as_str(),
            from.name,
            to.name,
            p.rollout
        ),
        update: Some(json!({ "track": to.name, "releases": [Value::Object(release)] })),
    })
}

/// The release of `vc` on the source track: it must be there, and released to its testers.
fn source_release<'t>(from: &'t Track, to: &Track, vc: u64) -> Result<&'t Release, String> {
    match from.release_with(vc) {
        Some(r) if r.status == Status::Draft => Err(format!(
            "refused: version code {vc} is only a draft on the `{}` track, so its testers \
             never got it; release it there first",
            from.name
        )),
        Some(r) => Ok(r),
        None => Err(format!(
            "refused: version code {vc} is not on the `{}` track (it has {}); `{}` only \
             takes the version code that `{}` runs, so upload it there first and test it",
            from.name,
            from.describe_releases(),
            to.name,
            from.name
        )),
    }
}

/// Never below what the target serves or rolls out: Play's users would be downgraded or
/// shadowed, and the version-code rule says releases only grow.
fn check_not_lower_than_target(to: &Track, vc: u64) -> Result<(), String> {
    if let Some((highest, release)) = to.highest()
        && highest > vc
    {
        return Err(format!(
            "refused: version code {vc} is lower than the `{}` track's version code {highest} \
             ({}); version codes only grow",
            to.name,
            release.describe()
        ));
    }
    Ok(())
}

/// Another version still rolling out: finishing or halting it is a decision of its own. A
/// halted one does not block: a higher version code is how a halted release is fixed forward.
fn check_no_other_rollout(to: &Track, vc: u64) -> Result<(), String> {
    if let Some(other) = to
        .releases
        .iter()
        .find(|r| r.status == Status::InProgress && !r.version_codes.contains(&vc))
    {
        return Err(format!(
            "refused: the `{}` track has a staged rollout of another version in progress, {}; \
             complete or halt it before promoting version code {vc}",
            to.name,
            other.describe()
        ));
    }
    Ok(())
}

/// When `vc` already is on the target: `Ok(Some(_))` if there is nothing to do, `Err` if the
/// request would shrink a staged rollout, `Ok(None)` to go on with the update.
fn plan_against_current(
    to: &Track,
    vc: u64,
    current: &Release,
    rollout: Rollout,
) -> Result<Option<PromotionPlan>, String> {
    match (current.status, rollout, current.user_fraction) {
        (Status::Completed, _, _) => Ok(Some(PromotionPlan {
            summary: format!(
                "nothing to do: version code {vc} is already completed on `{}` ({})",
                to.name,
                current.describe()
            ),
            update: None,
        })),
        (Status::InProgress, Rollout::Staged(f), Some(now)) if f < now => Err(format!(
            "refused: {} is already rolled out to {} of `{}` users, more than the \
             requested {}; a staged rollout only grows (halt it to stop it)",
            current.describe(),
            percent(now),
            to.name,
            percent(f)
        )),
        (Status::InProgress, Rollout::Staged(f), Some(now)) if f == now => {
            Ok(Some(PromotionPlan {
                summary: format!(
                    "nothing to do: version code {vc} is already rolling out to {} of `{}`",
                    percent(now),
                    to.name
                ),
                update: None,
            }))
        }
        _ => Ok(None),
    }
}

/// The release body for the target track: the source's name and notes, the requested rollout.
fn promoted_release(source: &Release, vc: u64, rollout: Rollout) -> Map<String, Value> {
    let mut release = Map::new();
    if let Some(name) = &source.name {
        release.insert("name".into(), json!(name));
    }
    release.insert("versionCodes".into(), json!([vc.to_string()]));
    match rollout {
        Rollout::Staged(f) => {
            release.insert("status".into(), json!("inProgress"));
            release.insert("userFraction".into(), json!(f));
        }
        _ => {
            release.insert("status".into(), json!("completed"));
        }
    }
    if !source.release_notes.is_empty() {
        release.insert(
            "releaseNotes".into(),
            Value::Array(source.release_notes.clone()),
        );
    }
    release
}

fn plan_halt(to: &Track, vc: u64, current: Option<&Release>) -> Result<PromotionPlan, String> {
    let Some(current) = current else {
        return Err(format!(
            "refused: version code {vc} is not on the `{}` track (it has {}), so there is no \
             rollout of it to halt",
            to.name,
            to.describe_releases()
        ));
    };
    match current.status {
        Status::Halted => Ok(PromotionPlan {
            summary: format!(
                "nothing to do: the rollout of version code {vc} on `{}` is already halted",
                to.name
            ),
            update: None,
        }),
        Status::InProgress => {
            let mut release = Map::new();
            if let Some(name) = &current.name {
                release.insert("name".into(), json!(name));
            }
            release.insert("versionCodes".into(), json!([vc.to_string()]));
            release.insert("status".into(), json!("halted"));
            if let Some(f) = current.user_fraction {
                release.insert("userFraction".into(), json!(f));
            }
            if !current.release_notes.is_empty() {
                release.insert(
                    "releaseNotes".into(),
                    Value::Array(current.release_notes.clone()),
                );
            }
            Ok(PromotionPlan {
                summary: format!(
                    "the staged rollout of {} on `{}` is halted: no new users get it; users who \
                     have it keep it until a higher version code reaches them",
                    current.describe(),
                    to.name
                ),
                update: Some(json!({ "track": to.name, "releases": [Value::Object(release)] })),
            })
        }
        other => Err(format!(
            "refused: {} on `{}` is {}, not a staged rollout in progress; only an `inProgress` \
             release can be halted (a completed release is replaced by uploading and promoting \
             a higher version code)",
            current.describe(),
            to.name,
            other.as_str()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(json: &str) -> Track {
        parse_tracks(json).unwrap().remove(0)
    }

    #[test]
    fn parses_a_track_and_a_list() {
        let t = track(
            r#"{"track":"production","releases":[{"name":"1.2","versionCodes":["12","13"],
                "status":"inProgress","userFraction":0.25,
                "releaseNotes":[{"language":"en-US","text":"Fixes"}]}]}"#,
        );
        assert_eq!(t.name, "production");
        assert_eq!(t.releases[0].version_codes, vec![12, 13]);
        assert_eq!(t.releases[0].status, Status::InProgress);
        assert_eq!(t.releases[0].user_fraction, Some(0.25));
        assert_eq!(t.highest().unwrap().0, 13);
        let list = parse_tracks(
            r#"{"kind":"androidpublisher#tracksListResponse",
                "tracks":[{"track":"internal"},{"track":"beta","releases":[]}]}"#,
        )
        .unwrap();
        assert_eq!(list.len(), 2);
        assert!(list[0].releases.is_empty());
    }

    #[test]
    fn bad_answers_name_the_field_and_value() {
        for (json, expected) in [
            (
                r#"{"track":"internal","releases":[{"versionCodes":["12x"]}]}"#,
                "`releases[0].versionCodes[0]` must be a version code",
            ),
            (
                r#"{"track":"internal","releases":[{"status":"live"}]}"#,
                "`releases[0].status` must be one of statusUnspecified, draft, inProgress, halted, completed, got \"live\"",
            ),
            (
                r#"{"track":"internal","releases":[{"userFraction":2}]}"#,
                "`releases[0].userFraction` must be a number between 0 and 1, got 2",
            ),
            (
                r#"{"tracks":[{"track":""}]}"#,
                "`tracks[0].track` must be a track name",
            ),
            (
                r#"{"error":{"code":403,"message":"The caller does not have permission"}}"#,
                "the API answered with an error: The caller does not have permission",
            ),
            ("[]", "expected a Track or a TracksListResponse object"),
            ("{", "not a JSON document"),
        ] {
            let err = parse_tracks(json).unwrap_err();
            assert!(err.contains(expected), "{json}: {err}");
        }
    }

    #[test]
    fn version_codes_are_positive_and_bounded() {
        assert_eq!(parse_version_code("124"), Ok(124));
        for bad in ["0", "-1", "abc", "", "2100000001"] {
            let err = parse_version_code(bad).unwrap_err();
            assert!(err.contains(&format!("\"{bad}\"")), "{err}");
        }
    }

    #[test]
    fn rollouts_parse_fractions_percentages_and_complete() {
        assert_eq!(Rollout::parse("0.1"), Ok(Rollout::Staged(0.1)));
        assert_eq!(Rollout::parse("25%"), Ok(Rollout::Staged(0.25)));
        assert_eq!(Rollout::parse("1"), Ok(Rollout::Complete));
        assert_eq!(Rollout::parse("100%"), Ok(Rollout::Complete));
        assert_eq!(Rollout::parse("complete"), Ok(Rollout::Complete));
        for bad in ["0", "1.5", "150%", "-0.1", "half"] {
            assert!(Rollout::parse(bad).unwrap_err().contains(bad), "{bad}");
        }
    }
}
