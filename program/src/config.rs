//! Typed reading of stack configuration (`<project>:<key>` in `Pulumi.<stack>.yaml`).

use std::collections::{HashMap, HashSet};

use serde::de::DeserializeOwned;
use serde_json::Value as Json;

use crate::error::Error;
use crate::output::Output;

/// The stack's configuration as the engine handed it to the program.
#[derive(Debug, Clone, Default)]
pub struct Config {
    project: String,
    stack: String,
    values: HashMap<String, String>,
    secret_keys: HashSet<String>,
}

impl Config {
    pub fn new(
        project: &str,
        stack: &str,
        values: HashMap<String, String>,
        secret_keys: HashSet<String>,
    ) -> Self {
        Self {
            project: project.to_string(),
            stack: stack.to_string(),
            values,
            secret_keys,
        }
    }

    pub(crate) fn from_env(project: &str, stack: &str) -> Result<Self, Error> {
        let values: HashMap<String, String> = match std::env::var("PULUMI_CONFIG") {
            Ok(s) if !s.is_empty() => serde_json::from_str(&s).map_err(|e| {
                Error::Setup(format!(
                    "PULUMI_CONFIG is not a JSON object of strings: {e}"
                ))
            })?,
            _ => HashMap::new(),
        };
        let secret_keys: HashSet<String> = match std::env::var("PULUMI_CONFIG_SECRET_KEYS") {
            Ok(s) if !s.is_empty() => serde_json::from_str(&s).map_err(|e| {
                Error::Setup(format!(
                    "PULUMI_CONFIG_SECRET_KEYS is not a JSON array of strings: {e}"
                ))
            })?,
            _ => HashSet::new(),
        };
        Ok(Self::new(project, stack, values, secret_keys))
    }

    fn full_key(&self, key: &str) -> String {
        if key.contains(':') {
            key.to_string()
        } else {
            format!("{}:{key}", self.project)
        }
    }

    /// `Pulumi.<stack>.yaml`, the file the engineer edits.
    pub fn stack_file(&self) -> String {
        format!("Pulumi.{}.yaml", self.stack)
    }

    /// Every `<namespace>:<key>` value as `(key, raw value)`, sorted by key (to find keys the
    /// program does not know).
    pub fn namespace_values(&self, namespace: &str) -> Vec<(&str, &str)> {
        let prefix = format!("{namespace}:");
        let mut values: Vec<(&str, &str)> = self
            .values
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix(&prefix)?, v.as_str())))
            .collect();
        values.sort();
        values
    }

    /// An error about `path` (a key, or a path into one such as `secrets.DB`): names the key and
    /// the stack file; `message` says what is wrong and what is valid (never a secret's value).
    pub fn problem(&self, path: &str, message: &str) -> Error {
        let separator = if message.starts_with("is ") {
            " "
        } else {
            ": "
        };
        Error::Config(format!(
            "config key `{}` in {}{separator}{message}",
            self.full_key(path),
            self.stack_file()
        ))
    }

    /// The error for a required key that is not set.
    pub fn missing(&self, key: &str) -> Error {
        Error::Config(format!(
            "missing required config key `{}`: set it in {} (`pulumi config set {} <value>`)",
            self.full_key(key),
            self.stack_file(),
            key
        ))
    }

    /// Is this key set in the stack's configuration?
    pub fn contains(&self, key: &str) -> bool {
        self.values.contains_key(&self.full_key(key))
    }

    pub fn is_secret(&self, key: &str) -> bool {
        self.secret_keys.contains(&self.full_key(key))
    }

    /// Reads an optional value of any deserialisable type. Structured values arrive as JSON;
    /// plain strings are accepted for string-typed keys.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, Error> {
        let full = self.full_key(key);
        let Some(raw) = self.values.get(&full) else {
            return Ok(None);
        };
        let parsed =
            serde_json::from_str::<Json>(raw).unwrap_or_else(|_| Json::String(raw.clone()));
        match serde_json::from_value::<T>(parsed) {
            Ok(v) => Ok(Some(v)),
            // A JSON-looking string (e.g. "123" for a string key) is still a string.
            Err(first) => serde_json::from_value::<T>(Json::String(raw.clone()))
                .map(Some)
                .map_err(|_| {
                    // serde's message quotes the value: never show it for a secret key.
                    let expected = in_our_words(&first.to_string());
                    let detail = if self.is_secret(key) {
                        format!("the secret value is not valid: {expected}")
                    } else {
                        format!("`{raw}` is not valid: {expected}")
                    };
                    Error::Config(format!(
                        "config key `{full}` in {}: {detail}",
                        self.stack_file()
                    ))
                }),
        }
    }

    /// Reads a required value; a missing key names the key and the stack file.
    pub fn require<T: DeserializeOwned>(&self, key: &str) -> Result<T, Error> {
        self.get(key)?.ok_or_else(|| self.missing(key))
    }

    /// An error for a value the program cannot use: names the key, the stack file, the value
    /// (unless the key is secret) and what would be valid.
    pub fn invalid(&self, key: &str, value: &dyn std::fmt::Display, expected: &str) -> Error {
        let shown = if self.is_secret(key) {
            "the secret value".to_string()
        } else {
            format!("`{value}`")
        };
        Error::Config(format!(
            "config key `{}` in {}: {shown} is not valid: {expected}",
            self.full_key(key),
            self.stack_file()
        ))
    }

    /// Reads an optional value as an output that is secret when the key is secret.
    pub fn get_output<T>(&self, key: &str) -> Result<Option<Output<T>>, Error>
    where
        T: DeserializeOwned + Clone + Send + Sync + 'static,
    {
        Ok(self.get::<T>(key)?.map(|v| {
            if self.is_secret(key) {
                Output::secret(v)
            } else {
                Output::new(v)
            }
        }))
    }
}

/// What serde expected, in the engineer's words: "invalid value: integer `-1`, expected u32"
/// becomes "a whole number, 0 or more".
fn in_our_words(serde_message: &str) -> String {
    let expected = serde_message
        .rsplit_once("expected ")
        .map_or(serde_message, |(_, e)| e)
        .trim_end_matches(|c: char| c == '.' || c.is_whitespace());
    match expected {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a whole number, 0 or more".into(),
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "a whole number".into(),
        "f32" | "f64" => "a number".into(),
        "a boolean" => "`true` or `false`".into(),
        "a sequence" => "a list (`[a, b]`, or one `- item` per line)".into(),
        "a map" => "a map (one `key: value` per line)".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn config(pairs: &[(&str, &str)], secret: &[&str]) -> Config {
        Config::new(
            "proj",
            "dev",
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            secret.iter().map(|s| s.to_string()).collect(),
        )
    }

    #[test]
    fn typed_values() {
        let c = config(
            &[
                ("proj:count", "3"),
                ("proj:name", "api"),
                ("proj:tags", r#"{"a":"b"}"#),
                ("proj:on", "true"),
                ("proj:num", "42"),
            ],
            &[],
        );
        assert_eq!(c.require::<u32>("count").unwrap(), 3);
        assert_eq!(c.require::<String>("name").unwrap(), "api");
        assert_eq!(c.require::<String>("num").unwrap(), "42");
        assert!(c.require::<bool>("on").unwrap());
        let tags: BTreeMap<String, String> = c.require("tags").unwrap();
        assert_eq!(tags["a"], "b");
        assert_eq!(c.get::<String>("absent").unwrap(), None);
    }

    #[test]
    fn errors_name_key_file_and_expectation() {
        let c = config(&[("proj:count", "three")], &[]);
        let e = c.require::<u32>("count").unwrap_err().to_string();
        assert!(
            e.contains("proj:count") && e.contains("Pulumi.dev.yaml") && e.contains("three"),
            "{e}"
        );
        assert_eq!(
            e,
            "config key `proj:count` in Pulumi.dev.yaml: `three` is not valid: a whole number, 0 or more"
        );
        let c2 = config(&[("proj:size", "512.5"), ("proj:on", "maybe")], &[]);
        let e = c2.require::<i64>("size").unwrap_err().to_string();
        assert!(e.ends_with("`512.5` is not valid: a whole number"), "{e}");
        let e = c2.require::<bool>("on").unwrap_err().to_string();
        assert!(
            e.ends_with("`maybe` is not valid: `true` or `false`"),
            "{e}"
        );
        let e = c.require::<u32>("missing").unwrap_err().to_string();
        assert!(
            e.contains("proj:missing") && e.contains("Pulumi.dev.yaml"),
            "{e}"
        );
    }

    #[test]
    fn secret_values_are_not_echoed() {
        let c = config(&[("proj:token", "hunter2")], &["proj:token"]);
        let e = c.require::<u32>("token").unwrap_err().to_string();
        assert!(!e.contains("hunter2"), "{e}");
        let e = c.invalid("token", &"hunter2", "32 characters").to_string();
        assert!(!e.contains("hunter2") && e.contains("proj:token"), "{e}");
    }

    #[test]
    fn invalid_values_name_key_file_value_and_expectation() {
        let c = config(&[("proj:path", "health")], &[]);
        let e = c
            .invalid("path", &"health", "a path starting with `/`")
            .to_string();
        assert_eq!(
            e,
            "config key `proj:path` in Pulumi.dev.yaml: `health` is not valid: a path starting with `/`"
        );
    }
}
