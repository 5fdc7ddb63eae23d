//! Rules shared by the load balancer and the target group: ELB names and read-back defaults.

use crate::error::CheckFailure;
use crate::naming::auto_name;
use crate::resource::is_known;

/// ELB names (load balancers and target groups) are at most 32 characters.
pub(crate) const ELB_NAME_MAX: usize = 32;

pub(crate) fn elb_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

/// `<base>-<suffix>` within 32 characters, without doubled, leading or trailing hyphens and
/// never starting with `internal-`.
pub(crate) fn elb_auto_name(base: &str, seed: &[u8]) -> String {
    let mut cleaned = String::new();
    for c in base.chars() {
        let c = if elb_name_char(c) { c } else { '-' };
        if !(c == '-' && (cleaned.is_empty() || cleaned.ends_with('-'))) {
            cleaned.push(c);
        }
    }
    let mut cleaned = cleaned.trim_end_matches('-').to_string();
    while cleaned.to_ascii_lowercase().starts_with("internal-") {
        cleaned = cleaned["internal-".len()..].to_string();
    }
    if cleaned.is_empty() {
        cleaned = "lb".to_string();
    }
    auto_name(&cleaned, seed, ELB_NAME_MAX, elb_name_char)
}

/// ELB name rules; `what` is e.g. "load balancer".
pub(crate) fn validate_elb_name(name: &str, what: &str, failures: &mut Vec<CheckFailure>) {
    if !is_known(name) {
        return;
    }
    // Length, characters and hyphen positions are declared on the input struct (the
    // pattern); this is what a regular expression without look-ahead cannot say.
    let problem = if name.to_ascii_lowercase().starts_with("internal-") {
        Some("must not start with `internal-`".to_string())
    } else {
        None
    };
    if let Some(p) = problem {
        failures.push(CheckFailure::new(
            "name",
            format!("`{name}` is not a valid {what} name: it {p}"),
        ));
    }
}

/// The value to report for an optional input: the program's own choice when it made one,
/// otherwise nothing while AWS reports its default.
pub(crate) fn keep_default<T: PartialEq>(old: Option<T>, actual: T, default: T) -> Option<T> {
    match old {
        None if actual == default => None,
        _ => Some(actual),
    }
}
