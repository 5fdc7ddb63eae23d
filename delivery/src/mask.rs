//! What the comment must never show. `pulumi preview --json` already prints secret values as
//! `"[secret]"` (or, in some documents, as the engine's secret signature object), but a value
//! that is secret by nature and was not marked secret in the program would still be printed:
//! a pull-request comment is readable by everyone with repository access, so anything that
//! looks secret (by its property name or by its shape) is masked too.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

/// What a masked value renders as (the same text pulumi uses).
pub const MASK: &str = "[secret]";

/// The engine's signature key and value for a secret (`sig.Secret`).
const SECRET_SIG_KEY: &str = "4dabf18193072939515e22adb298388d";
const SECRET_SIG: &str = "1b47061264138c4ac30d75fd1eb44270";

/// Property names whose values are credentials whatever their shape.
static SECRET_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(passw(or)?d|passphrase|secret|token|api[-_]?key|private[-_]?key|access[-_]?key|credential|auth|signature|cookie|session[-_]?key|connection[-_]?string|dsn)",
    )
    .expect("valid regex")
});

/// Shapes of well-known credentials: AWS access key ids, PEM keys, GitHub / Slack tokens,
/// JWTs, and URLs with a password in them.
static SECRET_SHAPE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"\b(AKIA|ASIA)[0-9A-Z]{16}\b",
        r"|-----BEGIN [A-Z ]*PRIVATE KEY-----",
        r"|\bgh[pousr]_[A-Za-z0-9]{20,}",
        r"|\bgithub_pat_[A-Za-z0-9_]{20,}",
        r"|\bxox[abprs]-[A-Za-z0-9-]{10,}",
        r"|\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.",
        r"|[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@",
    ))
    .expect("valid regex")
});

/// Whether a value is marked secret by pulumi (`"[secret]"` or a secret signature object).
pub fn is_marked_secret(v: &Value) -> bool {
    match v {
        Value::String(s) => s == MASK,
        Value::Object(m) => m.get(SECRET_SIG_KEY).and_then(Value::as_str) == Some(SECRET_SIG),
        _ => false,
    }
}

/// Whether a property name says its value is a credential.
pub fn is_secret_name(name: &str) -> bool {
    SECRET_NAME.is_match(name)
}

/// Whether a string looks like a credential: a known token shape, or a long random-looking
/// word (upper, lower and digits, no separators an identifier, ARN or URL would have).
pub fn looks_secret(s: &str) -> bool {
    if SECRET_SHAPE.is_match(s) {
        return true;
    }
    s.len() >= 32
        && !s.contains([' ', '/', ':', '.', '-'])
        && s.chars().any(|c| c.is_ascii_uppercase())
        && s.chars().any(|c| c.is_ascii_lowercase())
        && s.chars().any(|c| c.is_ascii_digit())
}

/// Whether a value (anywhere inside it) is marked secret or looks secret.
pub fn contains_secret(v: &Value) -> bool {
    if is_marked_secret(v) {
        return true;
    }
    match v {
        Value::String(s) => looks_secret(s),
        Value::Array(a) => a.iter().any(contains_secret),
        Value::Object(m) => m
            .iter()
            .any(|(k, v)| (is_secret_name(k) && !v.is_null()) || contains_secret(v)),
        _ => false,
    }
}

/// Masks secret-looking substrings in free text (diagnostic messages).
pub fn mask_text(text: &str) -> String {
    let masked = SECRET_SHAPE.replace_all(text, MASK);
    masked
        .split(' ')
        .map(|w| if looks_secret(w) { MASK } else { w })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pulumi_secret_markers() {
        assert!(is_marked_secret(&json!("[secret]")));
        assert!(is_marked_secret(
            &json!({SECRET_SIG_KEY: SECRET_SIG, "value": "hunter2"})
        ));
        assert!(!is_marked_secret(&json!("secret")));
        assert!(!is_marked_secret(&json!({"value": "x"})));
    }

    #[test]
    fn secret_names() {
        for name in [
            "DB_PASSWORD",
            "dbPassword",
            "apiKey",
            "API_KEY",
            "githubToken",
            "clientSecret",
            "privateKey",
            "AWS_SECRET_ACCESS_KEY",
            "DATABASE_DSN",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in ["image", "desiredCount", "MODE", "tags", "name", "family"] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn secret_shapes() {
        for s in [
            "AKIAIOSFODNN7EXAMPLE",
            "-----BEGIN RSA PRIVATE KEY-----\nMIIE",
            "ghp_abcdefghijklmnopqrstuvwxyz0123",
            "postgres://app:s3cr3t@db.internal:5432/app",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig",
            "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MEFCQ0RFRkdI",
        ] {
            assert!(looks_secret(s), "{s}");
        }
        for s in [
            "nginx:1.28",
            "arn:aws:ecs:us-east-1:123456789012:cluster/main-0000001",
            "0123456789abcdef0123456789abcdef01234567",
            "https://example.com/path",
            "subnet-00000000000000001",
            "The quick brown fox",
        ] {
            assert!(!looks_secret(s), "{s}");
        }
    }

    #[test]
    fn nested_secrets_are_found() {
        assert!(contains_secret(
            &json!({"environment": {"DB_PASSWORD": "x"}})
        ));
        assert!(contains_secret(&json!([{"value": "[secret]"}])));
        assert!(!contains_secret(
            &json!({"environment": {"MODE": "test"}, "image": "nginx"})
        ));
    }

    #[test]
    fn masks_free_text() {
        assert_eq!(
            mask_text("key AKIAIOSFODNN7EXAMPLE rejected"),
            "key [secret] rejected"
        );
        assert_eq!(
            mask_text("cannot reach postgres://app:pw@db/x"),
            "cannot reach [secret]db/x"
        );
        assert_eq!(mask_text("nothing to hide"), "nothing to hide");
    }
}
