//! Auto-names: the Pulumi resource name plus a random suffix, so a replacement can be created
//! before the old resource is deleted without a name clash.

use std::hash::{BuildHasher, Hasher};

/// ECS names (clusters, services, task definition families, containers), declared on the
/// input structs with `pattern(..)` and `extend("x-rule" = ..)` (see `crate::bounds`).
pub const ECS_NAME_PATTERN: &str = r"^[A-Za-z0-9_-]{1,255}$";
pub const ECS_NAME_RULE: &str = "1 to 255 letters, digits, hyphens (-) and underscores (_)";

/// ELB names (load balancers, target groups); `internal-` and `--` are refused in code, as
/// the regex crate has no look-ahead.
pub const ELB_NAME_PATTERN: &str = r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$";
pub const ELB_NAME_RULE: &str =
    "1 to 32 letters, digits and hyphens (-), not starting or ending with a hyphen";

/// IAM names (roles).
pub const IAM_ROLE_NAME_PATTERN: &str = r"^[A-Za-z0-9+=,.@_-]{1,64}$";
pub const IAM_ROLE_NAME_RULE: &str = "1 to 64 letters, digits and + = , . @ _ -";

/// Length of the random suffix (hex digits) after the `-`.
pub const SUFFIX_LEN: usize = 7;

/// `<base>-<7 hex>`, with `base` sanitised by `allowed` and cut so the whole fits `max_len`.
/// The suffix derives from the engine's random seed, so every preview of one update agrees.
pub fn auto_name(
    base: &str,
    seed: &[u8],
    max_len: usize,
    allowed: impl Fn(char) -> bool,
) -> String {
    let sanitized: String = base
        .chars()
        .map(|c| if allowed(c) { c } else { '-' })
        .collect();
    let keep = max_len.saturating_sub(SUFFIX_LEN + 1);
    let prefix: String = sanitized.chars().take(keep).collect();
    let prefix = prefix.trim_end_matches('-');
    format!("{prefix}-{}", suffix(seed, base))
}

fn suffix(seed: &[u8], base: &str) -> String {
    let mut h: u64 = if seed.is_empty() {
        // Older engines send no seed: fall back to process randomness.
        std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
    } else {
        0xcbf2_9ce4_8422_2325
    };
    // FNV-1a over seed and name: stable for a given seed.
    for b in seed.iter().chain(base.as_bytes()) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")[..SUFFIX_LEN].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ecs_char(c: char) -> bool {
        c.is_ascii_alphanumeric() || c == '-' || c == '_'
    }

    #[test]
    fn same_seed_same_name() {
        let a = auto_name("api", b"seed-1", 255, ecs_char);
        assert_eq!(a, auto_name("api", b"seed-1", 255, ecs_char));
        assert_ne!(a, auto_name("api", b"seed-2", 255, ecs_char));
        assert!(a.starts_with("api-") && a.len() == 4 + SUFFIX_LEN, "{a}");
    }

    #[test]
    fn long_names_fit_the_limit() {
        let n = auto_name(&"x".repeat(100), b"s", 32, ecs_char);
        assert_eq!(n.len(), 32);
    }

    #[test]
    fn invalid_characters_are_replaced() {
        let n = auto_name("my api.v2", b"s", 255, ecs_char);
        assert!(n.starts_with("my-api-v2-"), "{n}");
    }
}
