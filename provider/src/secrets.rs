//! Secret bookkeeping between the wire and the resources.
//!
//! The engine may mark a value secret at any depth (a tag value, one container's environment
//! entry), not only a whole top-level property. Resources work on plain JSON, so the server
//! unwraps every marker on the way in, remembers where each one was, and wraps exactly those
//! places again in what it returns (checked inputs, outputs, read results, init failures).
//!
//! Two things can move a secret away from its path between request and answer, and both would
//! leak it if only paths were re-wrapped:
//! - a copy in another output (`tagsAll.env` beside `tags.env`), and
//! - normalisation that reorders a list (a secret at `[1]` that sorts to `[0]`).
//!
//! So besides the paths, the texts under them are remembered, and any string equal to one (and
//! any list or object equal to a whole secret list or object) is wrapped wherever it appears.
//! That hides a same-valued neighbour too, which is the safe side; numbers and booleans are
//! matched by path only (a secret `443` must not hide every port).

use pulumi_rs_proto::value::{
    PathSegment, PropertyPath, is_secret, is_unknown, rewrap_secrets, secret, unwrap_secrets,
};
use serde_json::Value as Json;

/// Where a property map held secrets, and what they were.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SecretMarks {
    paths: Vec<PropertyPath>,
    /// Strings, lists and objects that were secret, to wrap wherever a copy appears.
    values: Vec<Json>,
    /// Every string and number under a secret path, longest first, to mask in messages.
    texts: Vec<String>,
}

impl SecretMarks {
    /// Unwraps every secret marker in `v` in place and remembers where they were.
    pub fn unwrap(v: &mut Json) -> SecretMarks {
        let paths = unwrap_secrets(v);
        let mut marks = SecretMarks::default();
        for path in paths {
            marks.add(v, path);
        }
        marks
    }

    /// Also secret: the top-level `properties` of `v` (a resource's always-secret inputs).
    pub fn with_properties(mut self, v: &Json, properties: &[&str]) -> SecretMarks {
        for p in properties {
            self.add(v, vec![PathSegment::Key(p.to_string())]);
        }
        self
    }

    /// Both sets of marks (e.g. old outputs' and new inputs').
    pub fn merge(mut self, other: SecretMarks) -> SecretMarks {
        for path in other.paths {
            if !self.paths.contains(&path) {
                self.paths.push(path);
            }
        }
        for value in other.values {
            if !self.values.contains(&value) {
                self.values.push(value);
            }
        }
        self.texts.extend(other.texts);
        self.sort_texts();
        self
    }

    fn add(&mut self, v: &Json, path: PropertyPath) {
        if let Some(value) = get_path(v, &path) {
            collect_texts(value, &mut self.texts);
            collect_values(value, &mut self.values);
            self.sort_texts();
        }
        if !self.paths.contains(&path) {
            self.paths.push(path);
        }
    }

    fn sort_texts(&mut self) {
        self.texts.sort_by_key(|s| std::cmp::Reverse(s.len()));
        self.texts.dedup();
    }

    pub fn paths(&self) -> &[PropertyPath] {
        &self.paths
    }

    /// `v` with the remembered paths, and every copy of a secret value, wrapped as secrets.
    pub fn wrap(&self, mut v: Json) -> Json {
        rewrap_secrets(&mut v, &self.paths);
        if !self.values.is_empty() {
            wrap_copies(&mut v, &self.values);
        }
        v
    }

    /// `text` with every secret text replaced by `[secret]`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.texts {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), "[secret]");
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }
}

fn get_path<'a>(v: &'a Json, path: &[PathSegment]) -> Option<&'a Json> {
    let mut at = v;
    for seg in path {
        at = match seg {
            PathSegment::Key(k) => at.get(k)?,
            PathSegment::Index(i) => at.get(*i)?,
        };
    }
    Some(at)
}

fn collect_texts(v: &Json, out: &mut Vec<String>) {
    match v {
        Json::String(s) if !s.is_empty() && !is_unknown(v) => out.push(s.clone()),
        Json::Number(n) => out.push(n.to_string()),
        Json::Array(a) => a.iter().for_each(|x| collect_texts(x, out)),
        Json::Object(m) => m.values().for_each(|x| collect_texts(x, out)),
        _ => {}
    }
}

/// The values a copy of which is wrapped: the secret itself when it is a non-empty string, list
/// or object, and every non-empty string inside it.
fn collect_values(v: &Json, out: &mut Vec<Json>) {
    let worth = match v {
        Json::String(s) => !s.is_empty() && !is_unknown(v),
        Json::Array(a) => !a.is_empty(),
        Json::Object(m) => !m.is_empty(),
        _ => false,
    };
    if worth && !out.contains(v) {
        out.push(v.clone());
    }
    match v {
        Json::Array(a) => a.iter().for_each(|x| collect_values(x, out)),
        Json::Object(m) => m.values().for_each(|x| collect_values(x, out)),
        _ => {}
    }
}

fn wrap_copies(v: &mut Json, values: &[Json]) {
    if is_secret(v) || is_unknown(v) {
        return;
    }
    if values.contains(v) {
        *v = secret(v.take());
        return;
    }
    match v {
        Json::Array(a) => a.iter_mut().for_each(|x| wrap_copies(x, values)),
        // Special objects (resource references) keep their wire form.
        Json::Object(m) if !m.contains_key(pulumi_rs_proto::value::SIG_KEY) => {
            m.values_mut().for_each(|x| wrap_copies(x, values))
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(k: &str) -> PathSegment {
        PathSegment::Key(k.to_string())
    }

    #[test]
    fn a_nested_secret_is_secret_again_at_its_path_only() {
        let mut v = json!({"tags": {"team": "api", "token": secret(json!("s3cret-token"))}});
        let marks = SecretMarks::unwrap(&mut v);
        assert_eq!(v, json!({"tags": {"team": "api", "token": "s3cret-token"}}));
        assert_eq!(marks.paths(), &[vec![key("tags"), key("token")]]);
        let back = marks.wrap(v);
        assert!(is_secret(&back["tags"]["token"]), "{back}");
        assert!(!is_secret(&back["tags"]), "only the one tag: {back}");
        assert_eq!(back["tags"]["team"], json!("api"));
    }

    #[test]
    fn a_copy_of_a_secret_in_another_output_is_wrapped_too() {
        let mut inputs = json!({"tags": {"team": "api", "token": secret(json!("s3cret-token"))}});
        let marks = SecretMarks::unwrap(&mut inputs);
        let outputs = json!({
            "tags": {"team": "api", "token": "s3cret-token"},
            "tagsAll": {"team": "api", "token": "s3cret-token", "env": "prod"},
            "arn": "arn:x",
        });
        let back = marks.wrap(outputs);
        assert!(is_secret(&back["tags"]["token"]));
        assert!(is_secret(&back["tagsAll"]["token"]), "{back}");
        assert_eq!(back["tagsAll"]["team"], json!("api"));
        assert_eq!(back["arn"], json!("arn:x"));
    }

    #[test]
    fn a_secret_list_item_that_normalisation_moved_stays_secret() {
        let mut news = json!({"arns": ["arn:z", secret(json!("arn:a-secret"))]});
        let marks = SecretMarks::unwrap(&mut news);
        // Check sorts the list: the secret is now first.
        let checked = json!({"arns": ["arn:a-secret", "arn:z"]});
        let back = marks.wrap(checked);
        assert!(is_secret(&back["arns"][0]), "the moved secret: {back}");
        // The path is wrapped too (it held the secret): hiding a neighbour is the safe side.
        assert!(is_secret(&back["arns"][1]));
    }

    #[test]
    fn numbers_are_wrapped_by_path_only() {
        let mut v = json!({"a": secret(json!(443)), "port": 443});
        let marks = SecretMarks::unwrap(&mut v);
        let back = marks.wrap(v);
        assert!(is_secret(&back["a"]));
        assert_eq!(back["port"], json!(443));
    }

    #[test]
    fn always_secret_properties_are_wrapped_and_masked() {
        let v = json!({"value": "hunter2-canary", "name": "/p"});
        let marks = SecretMarks::default().with_properties(&v, &["value", "absent"]);
        let back = marks.wrap(v);
        assert!(is_secret(&back["value"]));
        assert_eq!(back["name"], json!("/p"));
        assert_eq!(
            marks.redact("AWS said: hunter2-canary is bad"),
            "AWS said: [secret] is bad"
        );
    }

    #[test]
    fn marks_of_old_outputs_and_new_inputs_merge() {
        let mut olds = json!({"tags": {"a": secret(json!("old-secret"))}});
        let mut news = json!({"tags": {"b": secret(json!("new-secret"))}});
        let marks = SecretMarks::unwrap(&mut olds).merge(SecretMarks::unwrap(&mut news));
        let back = marks.wrap(json!({"tags": {"a": "old-secret", "b": "new-secret", "c": "x"}}));
        assert!(is_secret(&back["tags"]["a"]) && is_secret(&back["tags"]["b"]));
        assert!(!is_secret(&back["tags"]["c"]));
        assert_eq!(marks.redact("new-secret/old-secret"), "[secret]/[secret]");
    }

    #[test]
    fn an_already_secret_parent_is_left_alone_and_unknowns_are_not_wrapped() {
        use pulumi_rs_proto::value::UNKNOWN;
        let mut v = json!({"whole": secret(json!({"x": "inner-secret"})), "arn": UNKNOWN});
        let marks = SecretMarks::unwrap(&mut v);
        let back = marks.wrap(v);
        assert!(is_secret(&back["whole"]));
        assert_eq!(back["whole"]["value"], json!({"x": "inner-secret"}));
        assert_eq!(back["arn"], json!(UNKNOWN));
    }
}
