//! Typed values and their JSON form: parsing property maps into resource structs (failures
//! name the property path), serialising back, and reading a type's own JSON schema.

use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value as Json;

use crate::error::CheckFailure;

/// Serialises a typed value to JSON, leaving out absent optional values.
pub fn to_json<T: Serialize>(value: &T) -> Json {
    let mut v = serde_json::to_value(value).expect("resource types serialise to JSON");
    remove_nulls(&mut v);
    v
}

fn remove_nulls(v: &mut Json) {
    match v {
        Json::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(remove_nulls);
        }
        Json::Array(a) => a.iter_mut().for_each(remove_nulls),
        _ => {}
    }
}

/// Parses a typed value; a failure names the property path and what serde expected.
pub fn parse<T: DeserializeOwned>(v: Json) -> Result<T, Vec<CheckFailure>> {
    serde_path_to_error::deserialize::<_, T>(v).map_err(|e| {
        let path = e.path().to_string();
        let property = if path == "." { String::new() } else { path };
        vec![CheckFailure::new(
            property,
            in_our_words(e.inner().to_string()),
        )]
    })
}

/// serde's type errors in the engineer's words: "invalid value: integer `-1`, expected u32"
/// becomes "`-1` is not valid: a whole number, 0 or more". Other messages stay as they are.
fn in_our_words(message: String) -> String {
    let Some((got, expected)) = message.split_once(", expected ") else {
        return message;
    };
    let words = match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number, 0 or more",
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number",
        "f32" | "f64" => "a number",
        "a boolean" => "`true` or `false`",
        "a string" => "a text value",
        "a sequence" => "a list",
        _ => return message,
    };
    match got.split(['`', '"']).nth(1) {
        Some(value) => format!("`{value}` is not valid: {words}"),
        None => format!(
            "a {} is not valid: {words}",
            got.trim_start_matches("invalid type: ")
        ),
    }
}

pub fn schema_of<T: JsonSchema>() -> Json {
    let schema = schemars::generate::SchemaSettings::default()
        .into_generator()
        .into_root_schema_for::<T>();
    serde_json::to_value(schema).unwrap_or(Json::Null)
}

/// Top-level property names a type declares in its JSON schema.
pub fn schema_property_names<T: JsonSchema>() -> Vec<String> {
    schema_of::<T>()
        .get("properties")
        .and_then(Json::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// Is this string a real value rather than the preview placeholder for an unknown?
pub fn is_known(s: &str) -> bool {
    s != pulumi_rs_proto::value::UNKNOWN
}

#[cfg(test)]
mod tests {
    use super::in_our_words;

    #[test]
    fn type_errors_in_our_words() {
        assert_eq!(
            in_our_words("invalid value: integer `-1`, expected u32".into()),
            "`-1` is not valid: a whole number, 0 or more"
        );
        assert_eq!(
            in_our_words("invalid type: string \"lots\", expected u32".into()),
            "`lots` is not valid: a whole number, 0 or more"
        );
        assert_eq!(
            in_our_words("invalid type: floating point `512.5`, expected i64".into()),
            "`512.5` is not valid: a whole number"
        );
        let other = "unknown variant `EC2`, expected `FARGATE` or `FARGATE_SPOT`";
        assert_eq!(in_our_words(other.into()), other);
    }
}
