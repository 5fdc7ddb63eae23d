//! Typed reading of stack configuration (`<project>:<key>` in `Pulumi.<stack>.yaml`).

use std::collections::{BTreeMap, HashMap, HashSet};

use pulumi_rs_proto::value::{PathSegment, PropertyPath};

use serde::de::DeserializeOwned;
use serde_json::Value as Json;

use crate::error::Error;
use crate::output::{Output, Resolved};

/// Environment variable the language host uses to hand the program the `secure:` places inside
/// structured secret keys: a JSON object `"<ns>:<key>"` → list of paths, each a list of keys
/// (strings) and list indices (numbers).
pub const SECRET_PATHS_ENV: &str = "PULUMI_CONFIG_SECRET_PATHS";

/// Encodes secret places for [`SECRET_PATHS_ENV`].
pub fn encode_secret_paths(paths: &BTreeMap<String, Vec<PropertyPath>>) -> String {
    let object: serde_json::Map<String, Json> = paths
        .iter()
        .map(|(key, paths)| {
            let list = paths
                .iter()
                .map(|p| {
                    Json::Array(
                        p.iter()
                            .map(|seg| match seg {
                                PathSegment::Key(k) => Json::String(k.clone()),
                                PathSegment::Index(i) => Json::from(*i),
                            })
                            .collect(),
                    )
                })
                .collect();
            (key.clone(), Json::Array(list))
        })
        .collect();
    Json::Object(object).to_string()
}

fn decode_secret_paths(text: &str) -> Result<HashMap<String, Vec<PropertyPath>>, String> {
    let raw: HashMap<String, Vec<Vec<Json>>> =
        serde_json::from_str(text).map_err(|e| e.to_string())?;
    raw.into_iter()
        .map(|(key, paths)| {
            let paths = paths
                .into_iter()
                .map(|p| {
                    p.into_iter()
                        .map(|seg| match seg {
                            Json::String(k) => Ok(PathSegment::Key(k)),
                            Json::Number(n) => n
                                .as_u64()
                                .map(|i| PathSegment::Index(i as usize))
                                .ok_or_else(|| format!("bad list index {n}")),
                            other => Err(format!("bad path segment {other}")),
                        })
                        .collect::<Result<PropertyPath, String>>()
                })
                .collect::<Result<Vec<_>, String>>()?;
            Ok((key, paths))
        })
        .collect()
}

/// The `secure:` places inside each structured value of a stack file's `config:` (`<ns>:<key>`
/// → paths into the value). A key whose whole value is `secure:` is not listed (it is secret
/// as a whole). Reads only where the ciphertexts sit, never decrypts.
pub fn secure_places_in_stack_file(
    text: &str,
) -> Result<BTreeMap<String, Vec<PropertyPath>>, String> {
    #[derive(serde::Deserialize)]
    struct StackFile {
        #[serde(default)]
        config: BTreeMap<String, Json>,
    }
    fn is_secure(v: &Json) -> bool {
        v.as_object()
            .is_some_and(|m| m.len() == 1 && m.get("secure").is_some_and(Json::is_string))
    }
    fn walk(v: &Json, at: &mut PropertyPath, out: &mut Vec<PropertyPath>) {
        if is_secure(v) {
            out.push(at.clone());
            return;
        }
        match v {
            Json::Object(m) => {
                for (k, item) in m {
                    at.push(PathSegment::Key(k.clone()));
                    walk(item, at, out);
                    at.pop();
                }
            }
            Json::Array(a) => {
                for (i, item) in a.iter().enumerate() {
                    at.push(PathSegment::Index(i));
                    walk(item, at, out);
                    at.pop();
                }
            }
            _ => {}
        }
    }
    let file: StackFile = serde_norway::from_str(text).map_err(|e| e.to_string())?;
    let mut places = BTreeMap::new();
    for (key, value) in file.config {
        if is_secure(&value) {
            continue;
        }
        let mut paths = Vec::new();
        walk(&value, &mut Vec::new(), &mut paths);
        if !paths.is_empty() {
            places.insert(key, paths);
        }
    }
    Ok(places)
}

/// The stack's configuration as the engine handed it to the program.
#[derive(Debug, Clone, Default)]
pub struct Config {
    project: String,
    stack: String,
    values: HashMap<String, String>,
    secret_keys: HashSet<String>,
    /// For a secret key whose stack-file value is a map or list: the places inside it that are
    /// `secure:` (the engine sends only the key as secret, so the language host reads the
    /// places from the stack file). A secret key without an entry is secret as a whole.
    secret_paths: HashMap<String, Vec<PropertyPath>>,
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
            secret_paths: HashMap::new(),
        }
    }

    /// The same configuration, with the `secure:` places inside structured secret keys
    /// (`<namespace>:<key>` → paths into the key's value).
    pub fn with_secret_paths(mut self, secret_paths: HashMap<String, Vec<PropertyPath>>) -> Self {
        self.secret_paths = secret_paths;
        self
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
        let secret_paths = match std::env::var(SECRET_PATHS_ENV) {
            Ok(s) if !s.is_empty() => decode_secret_paths(&s)
                .map_err(|e| Error::Setup(format!("{SECRET_PATHS_ENV} is not valid: {e}")))?,
            _ => HashMap::new(),
        };
        Ok(Self::new(project, stack, values, secret_keys).with_secret_paths(secret_paths))
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

    /// The secret places inside a key's value: empty when the key is not secret, `[[]]` (the
    /// whole value) when the key is secret and the places are not known, else one path per
    /// `secure:` leaf (`environment.SENTRY_DSN` → `[[SENTRY_DSN]]`).
    pub fn secret_paths(&self, key: &str) -> Vec<PropertyPath> {
        if !self.is_secret(key) {
            return Vec::new();
        }
        match self.secret_paths.get(&self.full_key(key)) {
            Some(paths) if !paths.is_empty() => paths.clone(),
            _ => vec![Vec::new()],
        }
    }

    /// `value` (read from `key`) as an output whose secure leaves only are secret: a map with one
    /// `secure:` entry keeps its other entries readable in diffs.
    pub fn output_of<T>(&self, key: &str, value: T) -> Output<T>
    where
        T: Clone + Send + Sync + 'static,
    {
        let paths = self.secret_paths(key);
        if paths.iter().any(Vec::is_empty) {
            return Output::secret(value);
        }
        Output::from_nested(Resolved::known(value), paths)
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

    /// Reads an optional value as an output that is secret where the stack file has `secure:`
    /// values: as a whole for a secret scalar, at its secure leaves for a map or list.
    pub fn get_output<T>(&self, key: &str) -> Result<Option<Output<T>>, Error>
    where
        T: DeserializeOwned + Clone + Send + Sync + 'static,
    {
        Ok(self.get::<T>(key)?.map(|v| self.output_of(key, v)))
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

    #[test]
    fn secure_places_are_read_from_the_stack_file() {
        let text = "config:\n  app:token:\n    secure: v1:abc\n  app:environment:\n    LOG_LEVEL: Debug\n    SENTRY_DSN:\n      secure: v1:def\n  app:list:\n    - plain\n    - secure: v1:ghi\n  app:plain: x\n";
        let places = secure_places_in_stack_file(text).unwrap();
        assert_eq!(
            places,
            BTreeMap::from([
                (
                    "app:environment".to_string(),
                    vec![vec![PathSegment::Key("SENTRY_DSN".into())]]
                ),
                ("app:list".to_string(), vec![vec![PathSegment::Index(1)]]),
            ])
        );
        let round = decode_secret_paths(&encode_secret_paths(&places)).unwrap();
        assert_eq!(round.len(), 2);
        assert_eq!(round["app:list"], places["app:list"]);
    }

    #[tokio::test]
    async fn a_map_with_one_secure_entry_is_secret_at_that_entry_only() {
        let c = config(
            &[
                (
                    "proj:environment",
                    r#"{"LOG_LEVEL":"Debug","SENTRY_DSN":"dsn"}"#,
                ),
                ("proj:token", "t"),
            ],
            &["proj:environment", "proj:token"],
        )
        .with_secret_paths(HashMap::from([(
            "proj:environment".to_string(),
            vec![vec![PathSegment::Key("SENTRY_DSN".into())]],
        )]));
        let env = c
            .get_output::<BTreeMap<String, String>>("environment")
            .unwrap()
            .unwrap();
        let (whole, paths) = env.resolve_nested().await;
        assert!(!whole.secret);
        assert_eq!(paths, vec![vec![PathSegment::Key("SENTRY_DSN".into())]]);
        // Seen as a whole it is still secret; a key without places is secret as a whole.
        assert!(env.resolve().await.secret);
        let token = c.get_output::<String>("token").unwrap().unwrap();
        assert!(token.resolve_nested().await.0.secret);
    }
}
