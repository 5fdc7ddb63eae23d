//! Bounds declared once, on the input structs: `#[schemars(range(min = .., max = ..))]`,
//! `length(..)` and `regex(pattern = ..)` put `minimum` / `maximum` / `minLength` /
//! `maxLength` / `pattern` into the type's JSON schema, which becomes the package schema (so
//! SDK docs and IDEs show them) and is walked here to validate a value. A `title` on the field
//! names the bound in the message (`the desired count`); without one the property name does.
//! A scalar with a fixed set of allowed values that is not a Rust enum (CloudWatch's retention
//! days) declares them with `#[schemars(extend("enum" = LIST))]`; they are checked here too.

use pulumi_rs_proto::value::contains_unknowns;
use schemars::JsonSchema;
use serde_json::Value as Json;

use crate::error::CheckFailure;
use crate::typed::schema_of;

/// The JSON schema keywords this module enforces, which the package schema carries too.
pub const KEYWORDS: &[&str] = &["minimum", "maximum", "minLength", "maxLength", "pattern"];

/// A pattern's rule in words (`1 to 255 letters, digits, hyphens and underscores`), declared
/// beside it with `#[schemars(extend("x-rule" = ..))]`: the error and the schema description
/// say it instead of the regular expression.
pub const RULE: &str = "x-rule";

/// Every declared bound `value` breaks, named by property path. Unknowns are skipped (their
/// real value is checked at `up`).
pub fn check<T: JsonSchema>(value: &Json) -> Vec<CheckFailure> {
    let root = schema_of::<T>();
    let mut failures = Vec::new();
    walk(&root, &root, value, "", &mut failures);
    failures
}

fn walk(schema: &Json, root: &Json, value: &Json, path: &str, failures: &mut Vec<CheckFailure>) {
    if value.is_null() || contains_unknowns(value) && !value.is_object() && !value.is_array() {
        return;
    }
    if let Some(target) = schema
        .get("$ref")
        .and_then(Json::as_str)
        .and_then(|r| root.get("$defs")?.get(r.rsplit('/').next()?))
    {
        walk(target, root, value, path, failures);
    }
    for combinator in ["anyOf", "oneOf", "allOf"] {
        for branch in schema
            .get(combinator)
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            walk(branch, root, value, path, failures);
        }
    }
    allowed_values(schema, value, path, failures);
    match value {
        Json::Number(n) => number_bounds(schema, n, path, failures),
        Json::String(s) => string_bounds(schema, s, path, failures),
        Json::Object(map) => {
            for (key, sub) in schema
                .get("properties")
                .and_then(Json::as_object)
                .into_iter()
                .flatten()
            {
                if let Some(v) = map.get(key) {
                    let at = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    walk(sub, root, v, &at, failures);
                }
            }
        }
        Json::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, v) in items.iter().enumerate() {
                    walk(item_schema, root, v, &format!("{path}[{i}]"), failures);
                }
            }
        }
        _ => {}
    }
}

/// How a failure names the bounded value: the field's `title`, else its property name.
fn label(schema: &Json, path: &str) -> String {
    match schema.get("title").and_then(Json::as_str) {
        Some(title) => title.to_string(),
        None => format!("`{}`", path.rsplit(['.', '[']).next().unwrap_or(path)),
    }
}

/// The declared bounds of one property in words (`0 to 5000`, `1 to 255 characters long`,
/// `matching `^[a-z]+$``), for the package schema's descriptions: the CLI's schema model keeps
/// no `minimum` / `maximum`, so SDK docs would otherwise never show them.
pub fn in_words(schema: &Json) -> Option<String> {
    let num = |k: &str| schema.get(k).filter(|v| v.is_number()).map(Json::to_string);
    let mut parts = Vec::new();
    match (num("minimum"), num("maximum")) {
        (Some(min), Some(max)) => parts.push(format!("{min} to {max}")),
        (Some(min), None) => parts.push(format!("at least {min}")),
        (None, Some(max)) => parts.push(format!("at most {max}")),
        (None, None) => {}
    }
    match (num("minLength"), num("maxLength")) {
        (Some(min), Some(max)) => parts.push(format!("{min} to {max} characters long")),
        (Some(min), None) => parts.push(format!("at least {min} characters long")),
        (None, Some(max)) => parts.push(format!("at most {max} characters long")),
        (None, None) => {}
    }
    if let Some(rule) = schema.get(RULE).and_then(Json::as_str) {
        return Some(rule.to_string());
    }
    if let Some(pattern) = schema.get("pattern").and_then(Json::as_str) {
        parts.push(format!("matching `{pattern}`"));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

fn number_bounds(
    schema: &Json,
    n: &serde_json::Number,
    path: &str,
    failures: &mut Vec<CheckFailure>,
) {
    let (min, max) = (schema.get("minimum"), schema.get("maximum"));
    let v = n.as_f64().unwrap_or_default();
    let below = min.and_then(Json::as_f64).is_some_and(|m| v < m);
    let above = max.and_then(Json::as_f64).is_some_and(|m| v > m);
    if !(below || above) {
        return;
    }
    let what = label(schema, path);
    let valid = match (min, max) {
        (Some(min), Some(max)) => format!("{what} must be {min} to {max}"),
        (Some(min), None) => format!("{what} must be at least {min}"),
        (_, Some(max)) => format!("{what} must be at most {max}"),
        (None, None) => unreachable!("a bound was broken"),
    };
    failures.push(CheckFailure::new(
        path,
        format!("{n} is out of range: {valid}"),
    ));
}

/// A number or string outside the schema's `enum` list (numbers compared by value: the engine
/// sends every number as a float).
fn allowed_values(schema: &Json, value: &Json, path: &str, failures: &mut Vec<CheckFailure>) {
    let Some(allowed) = schema.get("enum").and_then(Json::as_array) else {
        return;
    };
    let same = |a: &Json| match (a, value) {
        (Json::Number(a), Json::Number(v)) => a.as_f64() == v.as_f64(),
        (a, v) => a == v,
    };
    if !(value.is_number() || value.is_string()) || allowed.iter().any(same) {
        return;
    }
    let list: Vec<String> = allowed
        .iter()
        .map(|a| a.as_str().map_or_else(|| a.to_string(), str::to_string))
        .collect();
    let shown = value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_string);
    failures.push(CheckFailure::new(
        path,
        format!(
            "`{shown}` is not valid: {} must be one of {}",
            label(schema, path),
            list.join(", ")
        ),
    ));
}

fn string_bounds(schema: &Json, s: &str, path: &str, failures: &mut Vec<CheckFailure>) {
    let chars = s.chars().count() as u64;
    let (min, max) = (
        schema.get("minLength").and_then(Json::as_u64),
        schema.get("maxLength").and_then(Json::as_u64),
    );
    if min.is_some_and(|m| chars < m) || max.is_some_and(|m| chars > m) {
        let what = label(schema, path);
        let valid = match (min, max) {
            (Some(min), Some(max)) => format!("{what} must be {min} to {max} characters long"),
            (Some(min), None) => format!("{what} must be at least {min} characters long"),
            (_, max) => format!(
                "{what} must be at most {} characters long",
                max.unwrap_or_default()
            ),
        };
        failures.push(CheckFailure::new(
            path,
            format!("`{s}` is {chars} characters long: {valid}"),
        ));
    }
    if let Some(pattern) = schema.get("pattern").and_then(Json::as_str)
        && !regex::Regex::new(pattern).is_ok_and(|re| re.is_match(s))
    {
        let what = label(schema, path);
        let message = match schema.get(RULE).and_then(Json::as_str) {
            Some(rule) => format!(
                "`{s}` is not a valid {}: use {rule}",
                what.trim_matches('`')
            ),
            None => format!("`{s}` is not valid: {what} must match `{pattern}`"),
        };
        failures.push(CheckFailure::new(path, message));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulumi_rs_proto::value::UNKNOWN;
    use serde_json::json;

    #[derive(serde::Deserialize, JsonSchema)]
    #[allow(dead_code)]
    struct Outer {
        #[schemars(range(min = 1, max = 10), title = "the count")]
        count: Option<u32>,
        #[schemars(range(min = -1))]
        offset: i32,
        #[schemars(length(min = 1, max = 3), regex(pattern = r"^[a-z]+$"))]
        code: Option<String>,
        #[schemars(
            regex(pattern = r"^[a-z]{1,8}$"),
            title = "tag name",
            extend("x-rule" = "1 to 8 lowercase letters")
        )]
        tag: Option<String>,
        items: Vec<Inner>,
        inner: Option<Inner>,
    }

    #[derive(serde::Deserialize, JsonSchema)]
    #[allow(dead_code)]
    struct Inner {
        #[schemars(range(min = 1, max = 65535), title = "a port")]
        port: u32,
    }

    #[test]
    fn numbers_name_the_path_the_value_and_the_range() {
        let f = check::<Outer>(&json!({
            "count": 11, "offset": -2, "items": [{"port": 80}, {"port": 0}], "inner": {"port": 70000}
        }));
        let got: Vec<(&str, &str)> = f
            .iter()
            .map(|f| (f.property.as_str(), f.reason.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("count", "11 is out of range: the count must be 1 to 10"),
                ("offset", "-2 is out of range: `offset` must be at least -1"),
                (
                    "items[1].port",
                    "0 is out of range: a port must be 1 to 65535"
                ),
                (
                    "inner.port",
                    "70000 is out of range: a port must be 1 to 65535"
                ),
            ]
        );
    }

    #[test]
    fn bounds_in_words_for_descriptions() {
        let words = |v: Json| in_words(&v);
        assert_eq!(
            words(json!({"minimum": 0, "maximum": 5000})).as_deref(),
            Some("0 to 5000")
        );
        assert_eq!(words(json!({"minimum": 1})).as_deref(), Some("at least 1"));
        assert_eq!(
            words(json!({"minLength": 1, "maxLength": 32, "pattern": "^[a-z]+$"})).as_deref(),
            Some("1 to 32 characters long, matching `^[a-z]+$`")
        );
        assert_eq!(words(json!({"type": "string"})), None);
    }

    #[test]
    fn strings_check_length_and_pattern() {
        let f = check::<Outer>(&json!({"offset": 0, "items": [], "code": "ABCD"}));
        assert_eq!(f.len(), 2, "{f:?}");
        assert_eq!(f[0].property, "code");
        assert!(f[0].reason.contains("4 characters long"), "{}", f[0].reason);
        assert!(f[1].reason.contains("must match"), "{}", f[1].reason);
    }

    #[derive(serde::Deserialize, JsonSchema)]
    #[allow(dead_code)]
    struct Retention {
        #[schemars(extend("enum" = [1, 3, 5]), title = "the retention")]
        days: Option<u32>,
    }

    #[test]
    fn allowed_values_are_listed() {
        let f = check::<Retention>(&json!({"days": 4}));
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].property, "days");
        assert_eq!(
            f[0].reason,
            "`4` is not valid: the retention must be one of 1, 3, 5"
        );
        assert!(check::<Retention>(&json!({"days": 3})).is_empty());
        assert!(check::<Retention>(&json!({"days": 3.0})).is_empty());
        assert!(check::<Retention>(&json!({})).is_empty());
        assert!(check::<Retention>(&json!({"days": UNKNOWN})).is_empty());
    }

    #[test]
    fn a_pattern_with_a_rule_says_the_rule() {
        let f = check::<Outer>(&json!({"offset": 0, "items": [], "tag": "Bad!"}));
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].property, "tag");
        assert_eq!(
            f[0].reason,
            "`Bad!` is not a valid tag name: use 1 to 8 lowercase letters"
        );
        let tag = &schema_of::<Outer>()["properties"]["tag"];
        assert_eq!(in_words(tag).as_deref(), Some("1 to 8 lowercase letters"));
    }

    #[test]
    fn values_in_bounds_and_unknowns_pass() {
        assert!(
            check::<Outer>(&json!({"count": 10, "offset": -1, "items": [{"port": 1}]})).is_empty()
        );
        assert!(
            check::<Outer>(
                &json!({"count": UNKNOWN, "offset": 0, "items": UNKNOWN, "code": UNKNOWN})
            )
            .is_empty()
        );
    }
}
