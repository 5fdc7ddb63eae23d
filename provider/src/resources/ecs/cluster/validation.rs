//! Validation of the inputs: every failure names the property, the value and what is valid.

use super::*;

pub(crate) const NAME_MAX: usize = 255;

pub(crate) fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

pub(crate) fn validate_name(name: &str, failures: &mut Vec<CheckFailure>) {
    if !is_known(name) {
        return;
    }
    if name.is_empty() || name.len() > NAME_MAX || !name.chars().all(name_char) {
        failures.push(CheckFailure::new(
            "name",
            format!(
                "`{name}` is not a valid ECS cluster name: use 1 to {NAME_MAX} letters, digits, hyphens (-) and underscores (_)"
            ),
        ));
    }
}
