//! Pulumi property values on the wire (`google.protobuf.Struct`) and as `serde_json::Value`.
//!
//! The wire form carries two things JSON lacks: *unknown* values (a sentinel string during
//! preview) and *special objects* (secrets, resource references, output values) marked by a
//! signature key. We keep both in their wire spelling inside JSON, so a round trip is lossless
//! and typed code decides what to do with them through the helpers below.

use prost_types::value::Kind;
use prost_types::{ListValue, Struct, Value};
use serde_json::{Map, Number, Value as Json};

/// The string the engine sends in place of a value that is not known yet (preview).
pub const UNKNOWN: &str = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/// Key that marks an object as a special Pulumi value.
pub const SIG_KEY: &str = "4dabf18193072939515e22adb298388d";
/// Signature of a secret: `{SIG_KEY: SECRET_SIG, "value": ...}`.
pub const SECRET_SIG: &str = "1b47061264138c4ac30d75fd1eb44270";
/// Signature of a resource reference.
pub const RESOURCE_REF_SIG: &str = "5cf8f73096256a8f31e491e813e4eb8e";
/// Signature of an output value (value, secret, dependencies).
pub const OUTPUT_VALUE_SIG: &str = "d0e6a833031e9bbcd3f4e8bde6ca49a4";

/// A path into a property value: object keys and list indices.
pub type PropertyPath = Vec<PathSegment>;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathSegment {
    Key(String),
    Index(usize),
}

/// Renders a path the way Pulumi and our error messages spell it: `containers[1].name`.
pub fn path_to_string(path: &[PathSegment]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            PathSegment::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            PathSegment::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// Wire `Struct` to a JSON object.
pub fn struct_to_json(s: &Struct) -> Json {
    Json::Object(
        s.fields
            .iter()
            .map(|(k, v)| (k.clone(), value_to_json(v)))
            .collect(),
    )
}

/// Optional wire `Struct` (absent means empty) to a JSON object.
pub fn opt_struct_to_json(s: Option<&Struct>) -> Json {
    s.map(struct_to_json)
        .unwrap_or_else(|| Json::Object(Map::new()))
}

/// Wire `Value` to JSON. Whole numbers become JSON integers so typed integer fields parse.
pub fn value_to_json(v: &Value) -> Json {
    match &v.kind {
        None | Some(Kind::NullValue(_)) => Json::Null,
        Some(Kind::BoolValue(b)) => Json::Bool(*b),
        Some(Kind::NumberValue(n)) => number_to_json(*n),
        Some(Kind::StringValue(s)) => Json::String(s.clone()),
        Some(Kind::ListValue(l)) => Json::Array(l.values.iter().map(value_to_json).collect()),
        Some(Kind::StructValue(s)) => struct_to_json(s),
    }
}

fn number_to_json(n: f64) -> Json {
    // 2^53: beyond it f64 no longer holds every integer, so keep it a float.
    if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
        Json::Number(Number::from(n as i64))
    } else {
        Number::from_f64(n).map(Json::Number).unwrap_or(Json::Null)
    }
}

/// JSON object to wire `Struct`; a non-object becomes an empty struct.
pub fn json_to_struct(j: &Json) -> Struct {
    match j {
        Json::Object(m) => Struct {
            fields: m
                .iter()
                .map(|(k, v)| (k.clone(), json_to_value(v)))
                .collect(),
        },
        _ => Struct::default(),
    }
}

/// JSON to wire `Value`.
pub fn json_to_value(j: &Json) -> Value {
    let kind = match j {
        Json::Null => Kind::NullValue(0),
        Json::Bool(b) => Kind::BoolValue(*b),
        Json::Number(n) => Kind::NumberValue(n.as_f64().unwrap_or(0.0)),
        Json::String(s) => Kind::StringValue(s.clone()),
        Json::Array(a) => Kind::ListValue(ListValue {
            values: a.iter().map(json_to_value).collect(),
        }),
        Json::Object(_) => Kind::StructValue(json_to_struct(j)),
    };
    Value { kind: Some(kind) }
}

/// The unknown sentinel as JSON.
pub fn unknown() -> Json {
    Json::String(UNKNOWN.to_string())
}

/// Is this value the unknown sentinel (or an output value with no known value)?
pub fn is_unknown(v: &Json) -> bool {
    match v {
        Json::String(s) => s == UNKNOWN,
        Json::Object(m) => {
            m.get(SIG_KEY).and_then(Json::as_str) == Some(OUTPUT_VALUE_SIG)
                && !m.contains_key("value")
        }
        _ => false,
    }
}

/// Does the value hold an unknown anywhere?
pub fn contains_unknowns(v: &Json) -> bool {
    if is_unknown(v) {
        return true;
    }
    match v {
        Json::Array(a) => a.iter().any(contains_unknowns),
        Json::Object(m) => m.values().any(contains_unknowns),
        _ => false,
    }
}

/// Wraps a value as a secret.
pub fn secret(v: Json) -> Json {
    let mut m = Map::new();
    m.insert(SIG_KEY.into(), Json::String(SECRET_SIG.into()));
    m.insert("value".into(), v);
    Json::Object(m)
}

fn special_sig(v: &Json) -> Option<&str> {
    v.as_object()?.get(SIG_KEY)?.as_str()
}

/// Is this value a secret wrapper?
pub fn is_secret(v: &Json) -> bool {
    special_sig(v) == Some(SECRET_SIG)
}

/// Replaces every secret wrapper and output value by its plain value, returning the paths that
/// were secret so [`rewrap_secrets`] can restore them on the way out. Unknown output values
/// become the unknown sentinel.
pub fn unwrap_secrets(v: &mut Json) -> Vec<PropertyPath> {
    let mut paths = Vec::new();
    unwrap_at(v, &mut Vec::new(), &mut paths);
    paths
}

fn unwrap_at(v: &mut Json, at: &mut PropertyPath, paths: &mut Vec<PropertyPath>) {
    match special_sig(v) {
        Some(SECRET_SIG) => {
            let inner = v.get_mut("value").map(Json::take).unwrap_or(Json::Null);
            *v = inner;
            paths.push(at.clone());
        }
        Some(OUTPUT_VALUE_SIG) => {
            let m = v.as_object_mut().expect("special values are objects");
            if m.get("secret").and_then(Json::as_bool) == Some(true) {
                paths.push(at.clone());
            }
            *v = m.remove("value").unwrap_or_else(unknown);
        }
        _ => {}
    }
    match v {
        Json::Array(a) => {
            for (i, item) in a.iter_mut().enumerate() {
                at.push(PathSegment::Index(i));
                unwrap_at(item, at, paths);
                at.pop();
            }
        }
        // Resource references keep their wire form.
        Json::Object(m) if !m.contains_key(SIG_KEY) => {
            for (k, item) in m.iter_mut() {
                at.push(PathSegment::Key(k.clone()));
                unwrap_at(item, at, paths);
                at.pop();
            }
        }
        _ => {}
    }
}

/// Wraps the values at `paths` as secrets again. A path that no longer exists is skipped; a
/// path whose prefix is already secret is left alone.
pub fn rewrap_secrets(v: &mut Json, paths: &[PropertyPath]) {
    // Deepest first, so wrapping a parent does not hide a child's path.
    let mut sorted: Vec<&PropertyPath> = paths.iter().collect();
    sorted.sort_by_key(|p| std::cmp::Reverse(p.len()));
    for path in sorted {
        if let Some(target) = get_path_mut(v, path)
            && !is_secret(target)
        {
            let plain = target.take();
            *target = secret(plain);
        }
    }
}

fn get_path_mut<'a>(v: &'a mut Json, path: &[PathSegment]) -> Option<&'a mut Json> {
    let mut cur = v;
    for seg in path {
        cur = match seg {
            PathSegment::Key(k) => cur.as_object_mut()?.get_mut(k)?,
            PathSegment::Index(i) => cur.as_array_mut()?.get_mut(*i)?,
        };
    }
    Some(cur)
}

/// Removes every object entry whose value is unknown, so typed parsing can see what is known.
pub fn strip_unknowns(v: &mut Json) {
    match v {
        Json::Object(m) => {
            m.retain(|_, item| !is_unknown(item));
            m.values_mut().for_each(strip_unknowns);
        }
        Json::Array(a) => a.iter_mut().for_each(strip_unknowns),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn round_trip(j: Json) -> Json {
        struct_to_json(&json_to_struct(&j))
    }

    #[test]
    fn nested_values_round_trip() {
        let j = json!({
            "name": "api",
            "count": 3,
            "ratio": 0.5,
            "on": true,
            "nothing": null,
            "list": [1, "two", [3], {"four": 4}],
            "map": {"a": {"b": ["c"]}},
        });
        assert_eq!(round_trip(j.clone()), j);
    }

    #[test]
    fn whole_numbers_come_back_as_integers() {
        let v = value_to_json(&Value {
            kind: Some(Kind::NumberValue(512.0)),
        });
        assert_eq!(v, json!(512));
        assert!(v.is_i64());
        let f = value_to_json(&Value {
            kind: Some(Kind::NumberValue(0.25)),
        });
        assert_eq!(f, json!(0.25));
    }

    #[test]
    fn unknowns_survive_the_wire_and_are_detected() {
        let j = json!({"arn": UNKNOWN, "tags": {"a": "b"}, "list": ["x", UNKNOWN]});
        let back = round_trip(j.clone());
        assert_eq!(back, j);
        assert!(is_unknown(&back["arn"]));
        assert!(!is_unknown(&back["tags"]));
        assert!(contains_unknowns(&back));
        assert!(!contains_unknowns(&back["tags"]));
        assert!(contains_unknowns(&back["list"]));
    }

    #[test]
    fn strip_unknowns_removes_unknown_entries_only() {
        let mut j = json!({"arn": UNKNOWN, "name": "n", "inner": {"x": UNKNOWN, "y": 1}});
        strip_unknowns(&mut j);
        assert_eq!(j, json!({"name": "n", "inner": {"y": 1}}));
    }

    #[test]
    fn secrets_unwrap_and_rewrap_at_the_same_paths() {
        let original = json!({
            "env": {"TOKEN": secret(json!("s3cr3t")), "MODE": "prod"},
            "list": [secret(json!(1)), 2],
            "whole": secret(json!({"a": "b"})),
        });
        let wire = round_trip(original.clone());
        let mut plain = wire.clone();
        let paths = unwrap_secrets(&mut plain);
        assert_eq!(
            plain,
            json!({"env": {"TOKEN": "s3cr3t", "MODE": "prod"}, "list": [1, 2], "whole": {"a": "b"}})
        );
        assert_eq!(paths.len(), 3);
        let mut again = plain.clone();
        rewrap_secrets(&mut again, &paths);
        assert_eq!(again, original);
        assert!(is_secret(&again["env"]["TOKEN"]));
        assert!(!is_secret(&again["env"]["MODE"]));
    }

    #[test]
    fn rewrap_skips_paths_that_disappeared() {
        let mut v = json!({"a": 1});
        rewrap_secrets(
            &mut v,
            &[
                vec![PathSegment::Key("gone".into())],
                vec![PathSegment::Key("a".into())],
            ],
        );
        assert_eq!(v, json!({"a": secret(json!(1))}));
    }

    #[test]
    fn output_values_unwrap_to_their_value_or_unknown() {
        let mut v = json!({
            "known": {SIG_KEY: OUTPUT_VALUE_SIG, "value": "x", "secret": true, "dependencies": ["urn:a"]},
            "unknown": {SIG_KEY: OUTPUT_VALUE_SIG, "dependencies": []},
        });
        assert!(is_unknown(&v["unknown"]));
        let paths = unwrap_secrets(&mut v);
        assert_eq!(v, json!({"known": "x", "unknown": UNKNOWN}));
        assert_eq!(paths, vec![vec![PathSegment::Key("known".into())]]);
    }

    #[test]
    fn paths_render_like_property_paths() {
        let p = vec![
            PathSegment::Key("containers".into()),
            PathSegment::Index(1),
            PathSegment::Key("portMappings".into()),
            PathSegment::Index(0),
            PathSegment::Key("containerPort".into()),
        ];
        assert_eq!(
            path_to_string(&p),
            "containers[1].portMappings[0].containerPort"
        );
    }
}
