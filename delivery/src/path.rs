//! Pulumi property paths as they appear in `detailedDiff` keys: `desiredCount`,
//! `containers[0].image`, `tags["team.name"]`.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// Splits a property path into segments; `None` when it is malformed (the caller then shows
/// the path without values rather than guessing).
pub fn parse(path: &str) -> Option<Vec<Segment>> {
    let mut segments = Vec::new();
    let mut chars = path.chars().peekable();
    let mut key = String::new();
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                if !key.is_empty() {
                    segments.push(Segment::Key(std::mem::take(&mut key)));
                }
            }
            '[' => {
                if !key.is_empty() {
                    segments.push(Segment::Key(std::mem::take(&mut key)));
                }
                if chars.peek() == Some(&'"') {
                    chars.next();
                    let mut quoted = String::new();
                    loop {
                        match chars.next()? {
                            '\\' => quoted.push(chars.next()?),
                            '"' => break,
                            c => quoted.push(c),
                        }
                    }
                    if chars.next()? != ']' {
                        return None;
                    }
                    segments.push(Segment::Key(quoted));
                } else {
                    let mut digits = String::new();
                    loop {
                        match chars.next()? {
                            ']' => break,
                            c if c.is_ascii_digit() => digits.push(c),
                            _ => return None,
                        }
                    }
                    segments.push(Segment::Index(digits.parse().ok()?));
                }
            }
            c => key.push(c),
        }
    }
    if !key.is_empty() {
        segments.push(Segment::Key(key));
    }
    (!segments.is_empty()).then_some(segments)
}

/// The value at `path` inside `root`, if every step exists.
pub fn lookup<'a>(root: &'a Value, path: &[Segment]) -> Option<&'a Value> {
    path.iter().try_fold(root, |v, s| match s {
        Segment::Key(k) => v.as_object()?.get(k),
        Segment::Index(i) => v.as_array()?.get(*i),
    })
}

/// The value at `path`, or the first value on the way there that is marked secret (pulumi
/// marks a whole object or list secret when anything inside it is).
pub fn lookup_or_secret<'a>(
    root: &'a Value,
    path: &[Segment],
    is_secret: impl Fn(&Value) -> bool,
) -> Option<&'a Value> {
    let mut v = root;
    for s in path {
        if is_secret(v) {
            return Some(v);
        }
        v = match s {
            Segment::Key(k) => v.as_object()?.get(k)?,
            Segment::Index(i) => v.as_array()?.get(*i)?,
        };
    }
    Some(v)
}

/// The last key of a path (`containers[0].environment.DB_PASSWORD` -> `DB_PASSWORD`), which
/// names what the value is.
pub fn last_key(path: &[Segment]) -> Option<&str> {
    path.iter().rev().find_map(|s| match s {
        Segment::Key(k) => Some(k.as_str()),
        Segment::Index(_) => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(k: &str) -> Segment {
        Segment::Key(k.into())
    }

    #[test]
    fn parses_dots_indexes_and_quoted_keys() {
        assert_eq!(parse("desiredCount"), Some(vec![key("desiredCount")]));
        assert_eq!(
            parse("containers[0].image"),
            Some(vec![key("containers"), Segment::Index(0), key("image")])
        );
        assert_eq!(
            parse(r#"tags["team.name"]"#),
            Some(vec![key("tags"), key("team.name")])
        );
        assert_eq!(
            parse(r#"a["x\"y"][2]"#),
            Some(vec![key("a"), key("x\"y"), Segment::Index(2)])
        );
        assert_eq!(parse("a[x]"), None);
        assert_eq!(parse("a[0"), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn looks_up_values() {
        let v = json!({"containers": [{"image": "nginx:1.27"}], "tags": {"team.name": "x"}});
        assert_eq!(
            lookup(&v, &parse("containers[0].image").unwrap()),
            Some(&json!("nginx:1.27"))
        );
        assert_eq!(
            lookup(&v, &parse(r#"tags["team.name"]"#).unwrap()),
            Some(&json!("x"))
        );
        assert_eq!(lookup(&v, &parse("containers[1].image").unwrap()), None);
        let secret = json!({"containers": "[secret]"});
        assert_eq!(
            lookup_or_secret(&secret, &parse("containers[0].image").unwrap(), |v| v
                == "[secret]"),
            Some(&json!("[secret]"))
        );
        assert_eq!(
            last_key(&parse("containers[0].environment.DB_PASSWORD").unwrap()),
            Some("DB_PASSWORD")
        );
    }
}
