//! Validation of the inputs: every failure names the property, the value and what is valid.

use super::*;

pub(crate) const NAME_MAX: usize = 255;

pub(crate) fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}
