//! The one trait every resource implements, and the generic glue that turns property maps from
//! the engine into typed inputs and back.
//!
//! A resource file declares its inputs and outputs as serde + schemars structs and implements
//! [`Resource`]; everything untyped (unknowns, secrets, property paths) stays in this module and
//! in `server.rs`.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use pulumi_rs_proto::value::{contains_unknowns, is_unknown, unknown};
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value as Json};

use crate::context::Ctx;
use crate::error::{CheckFailure, ProviderError, Result};

/// What Check knows besides the inputs.
pub struct CheckContext<'a> {
    /// The Pulumi resource name (the program's logical name), base of auto-names.
    pub name: &'a str,
    /// Engine-provided seed so auto-names are stable across previews of one update.
    pub random_seed: &'a [u8],
    /// A name the engine proposes under its autonaming config, if any.
    pub proposed_name: Option<&'a str>,
    /// Some inputs are not known yet (preview): validations of those values are skipped.
    pub has_unknowns: bool,
}

impl CheckContext<'_> {
    /// The name for a resource whose program gave none: the earlier one (so an unrelated change
    /// does not replace it), else the engine's proposal, else a fresh auto-name.
    pub fn default_name(&self, old: Option<&str>, auto: impl FnOnce() -> String) -> String {
        match (old, self.proposed_name) {
            (Some(old), _) => old.to_string(),
            (None, Some(proposed)) => proposed.to_string(),
            (None, None) => auto(),
        }
    }
}

/// Old state and new inputs handed to Diff, as plain JSON (secrets unwrapped).
pub struct DiffInput<'a> {
    pub old_inputs: &'a Json,
    pub old_outputs: &'a Json,
    pub news: &'a Json,
    pub default_tags: &'a BTreeMap<String, String>,
}

/// How one property changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Add,
    Delete,
    Update,
}

/// A detailed diff: property path → change, plus which top-level properties force replacement.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Diff {
    pub changes: BTreeMap<String, ChangeKind>,
    pub replaces: BTreeSet<String>,
    pub delete_before_replace: bool,
}

impl Diff {
    /// Top-level property names that changed (what the engine calls `diffs`).
    pub fn changed_properties(&self) -> BTreeSet<String> {
        self.changes.keys().map(|p| top_level_key(p)).collect()
    }

    pub fn is_replace(&self) -> bool {
        !self.replaces.is_empty()
    }

    pub fn has_changes(&self) -> bool {
        !self.changes.is_empty()
    }

    pub fn record(&mut self, path: String, kind: ChangeKind) {
        self.changes.insert(path, kind);
    }
}

/// The top-level key of a property path (`tags["a.b"]` → `tags`, `containers[0].x` → `containers`).
pub fn top_level_key(path: &str) -> String {
    path.split(['.', '[']).next().unwrap_or(path).to_string()
}

/// One Pulumi resource type. Implementations live one per file under `resources/`.
#[async_trait]
pub trait Resource: Send + Sync + 'static {
    /// The type token, e.g. `fargate:ecs:Cluster`.
    const TOKEN: &'static str;
    /// Top-level input properties whose change replaces the resource.
    const REPLACE_ON_CHANGES: &'static [&'static str] = &[];

    /// Doc comments become the schema's descriptions.
    type Inputs: Serialize + DeserializeOwned + JsonSchema + Clone + Send + Sync;
    /// What the resource exports (conventionally the inputs plus computed values).
    type Outputs: Serialize + DeserializeOwned + JsonSchema + Send + Sync;

    /// Validates and normalises inputs (auto-names, defaults). Must not call AWS.
    fn check(
        &self,
        news: Self::Inputs,
        _olds: Option<&Self::Inputs>,
        _ctx: &CheckContext<'_>,
    ) -> Result<Self::Inputs, Vec<CheckFailure>> {
        Ok(news)
    }

    /// Compares old state with new inputs. The default compares inputs property by property and
    /// replaces on [`Self::REPLACE_ON_CHANGES`].
    fn diff(&self, input: &DiffInput<'_>) -> Diff {
        diff_inputs(input.old_inputs, input.news, Self::REPLACE_ON_CHANGES)
    }

    /// Outputs shown during a preview of a create: the inputs, with every computed output unknown.
    fn preview_create(&self, inputs: &Self::Inputs) -> Json {
        let mut out = to_json(inputs);
        for prop in output_property_names::<Self::Outputs>() {
            let obj = out.as_object_mut().expect("inputs serialise to an object");
            obj.entry(prop).or_insert_with(unknown);
        }
        out
    }

    /// Outputs shown during a preview of an update: old outputs with the new inputs laid over.
    fn preview_update(&self, old_outputs: &Json, news: &Json) -> Json {
        let mut out = old_outputs.clone();
        if let (Some(o), Some(n)) = (out.as_object_mut(), news.as_object()) {
            for (k, v) in n {
                o.insert(k.clone(), v.clone());
            }
        }
        out
    }

    async fn create(&self, ctx: &Ctx, inputs: &Self::Inputs) -> Result<(String, Self::Outputs)>;

    /// Reads the live resource. `olds` is absent on `pulumi import`. `Ok(None)` means it is gone.
    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: Option<(&Self::Inputs, &Self::Outputs)>,
    ) -> Result<Option<(Self::Inputs, Self::Outputs)>>;

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: &Self::Outputs,
        news: &Self::Inputs,
    ) -> Result<Self::Outputs>;

    /// Deletes the resource; one that is already gone counts as deleted.
    async fn delete(&self, ctx: &Ctx, id: &str, olds: &Self::Outputs) -> Result<()>;
}

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

fn input_schema<T: JsonSchema>() -> Json {
    let schema = schemars::generate::SchemaSettings::default()
        .into_generator()
        .into_root_schema_for::<T>();
    serde_json::to_value(schema).unwrap_or(Json::Null)
}

/// `containers[0].image` -> `containers`.
fn top_level_property(path: &str) -> &str {
    path.split(['.', '[']).next().unwrap_or_default()
}

/// The simplest value a JSON schema accepts (empty string, zero, first enum value, an object
/// of its required properties), standing in for an unknown during a preview's checks.
fn placeholder(schema: &Json, root: &Json) -> Json {
    if let Some(reference) = schema.get("$ref").and_then(Json::as_str) {
        let name = reference.rsplit('/').next().unwrap_or_default();
        let target = root
            .get("$defs")
            .and_then(|d| d.get(name))
            .unwrap_or(&Json::Null);
        return placeholder(target, root);
    }
    if let Some(value) = schema.get("const") {
        return value.clone();
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Json::as_array)
        .and_then(|e| e.iter().find(|v| !v.is_null()))
    {
        return first.clone();
    }
    for combinator in ["oneOf", "anyOf", "allOf"] {
        if let Some(first) = schema
            .get(combinator)
            .and_then(Json::as_array)
            .and_then(|branches| {
                branches
                    .iter()
                    .find(|b| b.get("type").and_then(Json::as_str) != Some("null"))
            })
        {
            return placeholder(first, root);
        }
    }
    let ty = match schema.get("type") {
        Some(Json::String(t)) => t.as_str(),
        Some(Json::Array(types)) => types
            .iter()
            .filter_map(Json::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ => "null",
    };
    match ty {
        "string" => Json::String(String::new()),
        "integer" | "number" => Json::from(0),
        "boolean" => Json::Bool(false),
        "array" => Json::Array(Vec::new()),
        "object" => {
            let mut object = Map::new();
            for name in schema
                .get("required")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .filter_map(Json::as_str)
            {
                let property = schema
                    .get("properties")
                    .and_then(|p| p.get(name))
                    .unwrap_or(&Json::Null);
                object.insert(name.to_string(), placeholder(property, root));
            }
            Json::Object(object)
        }
        _ => Json::Null,
    }
}

/// Top-level property names a type declares in its JSON schema.
pub fn schema_property_names<T: JsonSchema>() -> Vec<String> {
    let schema = schemars::generate::SchemaSettings::default()
        .into_generator()
        .into_root_schema_for::<T>();
    schema
        .get("properties")
        .and_then(Json::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

fn output_property_names<T: JsonSchema>() -> Vec<String> {
    schema_property_names::<T>()
}

/// Is this string a real value rather than the preview placeholder for an unknown?
pub fn is_known(s: &str) -> bool {
    s != pulumi_rs_proto::value::UNKNOWN
}

/// Property-by-property comparison of inputs; `null` and absent are the same.
pub fn diff_inputs(old: &Json, new: &Json, replace_on_changes: &[&str]) -> Diff {
    let mut diff = Diff::default();
    let empty = Map::new();
    let old_map = old.as_object().unwrap_or(&empty);
    let new_map = new.as_object().unwrap_or(&empty);
    let keys: BTreeSet<&String> = old_map.keys().chain(new_map.keys()).collect();
    for key in keys {
        let path = format_key(None, key);
        diff_value(
            old_map.get(key).unwrap_or(&Json::Null),
            new_map.get(key).unwrap_or(&Json::Null),
            path,
            &mut diff,
        );
    }
    for top in diff.changed_properties() {
        if replace_on_changes.contains(&top.as_str()) {
            diff.replaces.insert(top);
        }
    }
    diff
}

fn diff_value(old: &Json, new: &Json, path: String, diff: &mut Diff) {
    if is_unknown(new) {
        // Unknown at preview: it may change, so say so.
        diff.record(path, ChangeKind::Update);
        return;
    }
    match (old, new) {
        (Json::Null, Json::Null) => {}
        (Json::Null, _) => diff.record(path, ChangeKind::Add),
        (_, Json::Null) => diff.record(path, ChangeKind::Delete),
        (Json::Object(o), Json::Object(n)) => {
            let keys: BTreeSet<&String> = o.keys().chain(n.keys()).collect();
            for key in keys {
                diff_value(
                    o.get(key).unwrap_or(&Json::Null),
                    n.get(key).unwrap_or(&Json::Null),
                    format_key(Some(&path), key),
                    diff,
                );
            }
        }
        (Json::Array(o), Json::Array(n)) if o.len() == n.len() => {
            for (i, (a, b)) in o.iter().zip(n).enumerate() {
                diff_value(a, b, format!("{path}[{i}]"), diff);
            }
        }
        (a, b) if a != b || contains_unknowns(b) => diff.record(path, ChangeKind::Update),
        _ => {}
    }
}

/// Formats one step of a Pulumi property path: `a.b` for simple keys, `a["x.y"]` otherwise.
fn format_key(parent: Option<&str>, key: &str) -> String {
    let simple = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
        && !key.starts_with(|c: char| c.is_ascii_digit());
    match (parent, simple) {
        (None, true) => key.to_string(),
        (None, false) => format!(
            "[{}]",
            serde_json::to_string(key).expect("strings serialise")
        ),
        (Some(p), true) => format!("{p}.{key}"),
        (Some(p), false) => format!(
            "{p}[{}]",
            serde_json::to_string(key).expect("strings serialise")
        ),
    }
}

/// Object-safe view of a [`Resource`], working on plain JSON; what the server dispatches to.
#[async_trait]
pub trait DynResource: Send + Sync {
    fn token(&self) -> &'static str;
    fn input_property_names(&self) -> Vec<String>;
    fn check(
        &self,
        news: Json,
        olds: Option<Json>,
        ctx: &CheckContext<'_>,
    ) -> Result<Json, Vec<CheckFailure>>;
    fn diff(&self, input: &DiffInput<'_>) -> Diff;
    async fn create(&self, ctx: &Ctx, inputs: Json, preview: bool) -> Result<(String, Json)>;
    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        inputs: Option<Json>,
        outputs: Option<Json>,
    ) -> Result<Option<(Json, Json)>>;
    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: Json,
        news: Json,
        preview: bool,
    ) -> Result<Json>;
    async fn delete(&self, ctx: &Ctx, id: &str, olds: Json) -> Result<()>;
    /// JSON schemas of the inputs and outputs types, for the package schema.
    fn json_schemas(&self, generator: &mut schemars::SchemaGenerator) -> (Json, Json);
    fn replace_on_changes(&self) -> &'static [&'static str];
}

fn invalid_state(what: &str, failures: Vec<CheckFailure>) -> ProviderError {
    ProviderError::internal(format!(
        "stored {what} do not match this provider's types ({}); run `pulumi refresh`",
        ProviderError::Validation(failures)
    ))
}

#[async_trait]
impl<R: Resource> DynResource for R {
    fn token(&self) -> &'static str {
        R::TOKEN
    }

    fn input_property_names(&self) -> Vec<String> {
        schema_property_names::<R::Inputs>()
    }

    fn check(
        &self,
        news: Json,
        olds: Option<Json>,
        ctx: &CheckContext<'_>,
    ) -> Result<Json, Vec<CheckFailure>> {
        let known_props = self.input_property_names();
        let unknown_props: Vec<CheckFailure> = news
            .as_object()
            .into_iter()
            .flat_map(|m| m.keys())
            .filter(|k| !known_props.contains(k))
            .map(|k| {
                CheckFailure::new(
                    k.clone(),
                    format!(
                        "`{k}` is not a property of {}; valid properties are: {}",
                        R::TOKEN,
                        known_props.join(", ")
                    ),
                )
            })
            .collect();
        if !unknown_props.is_empty() {
            return Err(unknown_props);
        }
        if !ctx.has_unknowns {
            let typed: R::Inputs = parse(news)?;
            let olds: Option<R::Inputs> = olds.and_then(|o| parse(o).ok());
            return Ok(to_json(&Resource::check(self, typed, olds.as_ref(), ctx)?));
        }

        // Preview with unknowns: every known property is still validated. Each property holding
        // an unknown gets a well-typed placeholder so the rest can be parsed and checked, and
        // failures about those properties are dropped (their real value is checked at `up`).
        let pending: BTreeSet<String> = news
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(_, v)| contains_unknowns(v))
            .map(|(k, _)| k.clone())
            .collect();
        let about_known = |failures: Vec<CheckFailure>| -> Vec<CheckFailure> {
            failures
                .into_iter()
                .filter(|f| !pending.contains(top_level_property(&f.property)))
                .collect()
        };
        // The old value is the best placeholder: it passed these checks before, so defaults
        // computed from the rest (auto-names) come out as they will at `up`.
        let mut placeheld = news.clone();
        if let Some(m) = placeheld.as_object_mut() {
            let schema = input_schema::<R::Inputs>();
            for prop in &pending {
                let old = olds
                    .as_ref()
                    .and_then(|o| o.get(prop))
                    .filter(|v| !v.is_null() && !contains_unknowns(v));
                let value = match old {
                    Some(v) => v.clone(),
                    None => placeholder(
                        schema
                            .get("properties")
                            .and_then(|p| p.get(prop))
                            .unwrap_or(&Json::Null),
                        &schema,
                    ),
                };
                m.insert(prop.clone(), value);
            }
        }
        let typed: R::Inputs = match parse(placeheld) {
            Ok(t) => t,
            Err(failures) => {
                let failures = about_known(failures);
                return if failures.is_empty() {
                    Ok(news)
                } else {
                    Err(failures)
                };
            }
        };
        let olds: Option<R::Inputs> = olds.and_then(|o| parse(o).ok());
        let checked = match Resource::check(self, typed, olds.as_ref(), ctx) {
            Ok(checked) => to_json(&checked),
            Err(failures) => {
                let failures = about_known(failures);
                return if failures.is_empty() {
                    Ok(news)
                } else {
                    Err(failures)
                };
            }
        };
        // Keep unknowns as the engine sent them; take everything known from the checked form.
        let mut merged = news;
        if let (Some(m), Some(c)) = (merged.as_object_mut(), checked.as_object()) {
            for (k, v) in c {
                if !pending.contains(k) {
                    m.insert(k.clone(), v.clone());
                }
            }
        }
        Ok(merged)
    }

    fn diff(&self, input: &DiffInput<'_>) -> Diff {
        let mut diff = Resource::diff(self, input);
        crate::tags::record_default_tag_drift(input, &mut diff);
        diff
    }

    async fn create(&self, ctx: &Ctx, inputs: Json, preview: bool) -> Result<(String, Json)> {
        if preview {
            // Inputs with unknowns cannot be typed; show them as they are, outputs unknown.
            return Ok(match parse::<R::Inputs>(inputs.clone()) {
                Ok(typed) if !contains_unknowns(&inputs) => {
                    (String::new(), self.preview_create(&typed))
                }
                _ => {
                    let mut out = inputs;
                    if let Some(m) = out.as_object_mut() {
                        for prop in output_property_names::<R::Outputs>() {
                            m.entry(prop).or_insert_with(unknown);
                        }
                    }
                    (String::new(), out)
                }
            });
        }
        let typed: R::Inputs = parse(inputs).map_err(ProviderError::Validation)?;
        let (id, outputs) = Resource::create(self, ctx, &typed).await?;
        Ok((id, to_json(&outputs)))
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        inputs: Option<Json>,
        outputs: Option<Json>,
    ) -> Result<Option<(Json, Json)>> {
        // Import passes no state; a refresh passes both.
        let olds = match (inputs, outputs) {
            (Some(i), Some(o)) if i.as_object().is_some_and(|m| !m.is_empty()) => {
                let i: R::Inputs = parse(i).map_err(|f| invalid_state("inputs", f))?;
                let o: R::Outputs = parse(o).map_err(|f| invalid_state("outputs", f))?;
                Some((i, o))
            }
            _ => None,
        };
        let found = Resource::read(self, ctx, id, olds.as_ref().map(|(i, o)| (i, o))).await?;
        Ok(found.map(|(i, o)| (to_json(&i), to_json(&o))))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: Json,
        news: Json,
        preview: bool,
    ) -> Result<Json> {
        if preview {
            return Ok(self.preview_update(&olds, &news));
        }
        let olds: R::Outputs = parse(olds).map_err(|f| invalid_state("outputs", f))?;
        let news: R::Inputs = parse(news).map_err(ProviderError::Validation)?;
        Ok(to_json(
            &Resource::update(self, ctx, id, &olds, &news).await?,
        ))
    }

    async fn delete(&self, ctx: &Ctx, id: &str, olds: Json) -> Result<()> {
        let olds: R::Outputs = parse(olds).map_err(|f| invalid_state("outputs", f))?;
        Resource::delete(self, ctx, id, &olds).await
    }

    fn json_schemas(&self, generator: &mut schemars::SchemaGenerator) -> (Json, Json) {
        (
            generator.subschema_for::<R::Inputs>().to_value(),
            generator.subschema_for::<R::Outputs>().to_value(),
        )
    }

    fn replace_on_changes(&self) -> &'static [&'static str] {
        R::REPLACE_ON_CHANGES
    }
}

#[cfg(test)]
mod tests {

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

    use super::*;
    use pulumi_rs_proto::value::UNKNOWN;
    use serde_json::json;

    fn service_check(news: Json) -> Result<Json, Vec<CheckFailure>> {
        let service = crate::resources::ecs::service::Service;
        let ctx = CheckContext {
            name: "api",
            random_seed: b"seed",
            proposed_name: None,
            has_unknowns: contains_unknowns(&news),
        };
        DynResource::check(&service, news, None, &ctx)
    }

    #[test]
    fn preview_with_unknowns_still_validates_known_values() {
        // The cluster and task definition come from resources not created yet.
        let base = json!({
            "cluster": UNKNOWN,
            "taskDefinition": UNKNOWN,
            "network": {"subnets": UNKNOWN, "securityGroups": ["sg-12345678"]},
            "desiredCount": 2,
        });
        let checked = service_check(base.clone()).expect("valid apart from unknowns");
        assert_eq!(checked["cluster"], json!(UNKNOWN), "unknowns stay unknown");
        assert_eq!(checked["desiredCount"], json!(2));

        let mut bad = base.clone();
        bad["desiredCount"] = json!(-1);
        let failures = service_check(bad).expect_err("a negative count is known to be wrong");
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert_eq!(failures[0].property, "desiredCount");

        let mut bad = base;
        bad["deployment"] = json!({"minimumHealthyPercent": 150, "maximumPercent": 100});
        let failures = service_check(bad).expect_err("impossible deployment settings");
        assert!(
            failures
                .iter()
                .all(|f| f.property.starts_with("deployment")),
            "{failures:?}"
        );
    }

    #[test]
    fn preview_of_an_update_with_unknowns_keeps_computed_defaults() {
        let olds = service_check(json!({
            "cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/main",
            "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/api:1",
            "network": {"subnets": ["subnet-12345678"], "securityGroups": ["sg-12345678"]},
        }))
        .unwrap();
        let mut news = olds.clone();
        news.as_object_mut().unwrap().remove("name");
        news["taskDefinition"] = json!(UNKNOWN);
        let service = crate::resources::ecs::service::Service;
        let ctx = CheckContext {
            name: "api",
            random_seed: b"other seed",
            proposed_name: None,
            has_unknowns: true,
        };
        let checked = DynResource::check(&service, news, Some(olds.clone()), &ctx).unwrap();
        assert_eq!(checked["name"], olds["name"], "the auto-name is kept");
        assert_eq!(checked["taskDefinition"], json!(UNKNOWN));
    }

    #[test]
    fn placeholders_follow_the_schema() {
        let root = json!({"$defs": {"Net": {"type": "object", "required": ["subnets"],
            "properties": {"subnets": {"type": "array"}, "x": {"type": "string"}}},
            "Mode": {"enum": ["a", "b"]}}});
        assert_eq!(
            placeholder(&json!({"$ref": "#/$defs/Net"}), &root),
            json!({"subnets": []})
        );
        assert_eq!(
            placeholder(&json!({"$ref": "#/$defs/Mode"}), &root),
            json!("a")
        );
        assert_eq!(
            placeholder(&json!({"type": ["integer", "null"]}), &root),
            json!(0)
        );
        assert_eq!(
            placeholder(
                &json!({"anyOf": [{"type": "null"}, {"type": "boolean"}]}),
                &root
            ),
            json!(false)
        );
        assert_eq!(top_level_property("containers[0].image"), "containers");
        assert_eq!(top_level_property("network.subnets"), "network");
    }

    #[test]
    fn unchanged_inputs_have_no_diff() {
        let a = json!({"name": "x", "tags": {"a": "1"}});
        assert!(!diff_inputs(&a, &a, &["name"]).has_changes());
    }

    #[test]
    fn nested_changes_name_their_paths() {
        let old = json!({"name": "x", "tags": {"a": "1", "b": "2"}, "list": [{"p": 1}]});
        let new =
            json!({"name": "x", "tags": {"a": "9", "c": "3", "d.e": "4"}, "list": [{"p": 2}]});
        let d = diff_inputs(&old, &new, &["name"]);
        assert_eq!(d.changes.get("tags.a"), Some(&ChangeKind::Update));
        assert_eq!(d.changes.get("tags.b"), Some(&ChangeKind::Delete));
        assert_eq!(d.changes.get("tags.c"), Some(&ChangeKind::Add));
        assert_eq!(d.changes.get("tags[\"d.e\"]"), Some(&ChangeKind::Add));
        assert_eq!(d.changes.get("list[0].p"), Some(&ChangeKind::Update));
        assert!(!d.is_replace());
        assert_eq!(
            d.changed_properties().into_iter().collect::<Vec<_>>(),
            vec!["list", "tags"]
        );
    }

    #[test]
    fn replace_keys_force_replacement() {
        let d = diff_inputs(&json!({"name": "a"}), &json!({"name": "b"}), &["name"]);
        assert!(d.is_replace());
        assert!(d.replaces.contains("name"));
    }

    #[test]
    fn unknown_new_values_count_as_changes() {
        let d = diff_inputs(&json!({"name": "a"}), &json!({"name": UNKNOWN}), &["name"]);
        assert!(d.is_replace());
        let d = diff_inputs(&json!({"arn": "a"}), &json!({"arn": UNKNOWN}), &[]);
        assert_eq!(d.changes.get("arn"), Some(&ChangeKind::Update));
    }

    #[test]
    fn null_and_absent_are_equal() {
        let d = diff_inputs(&json!({"a": null}), &json!({}), &[]);
        assert!(!d.has_changes());
    }

    #[test]
    fn different_length_lists_change_as_a_whole() {
        let d = diff_inputs(&json!({"l": [1]}), &json!({"l": [1, 2]}), &[]);
        assert_eq!(d.changes.get("l"), Some(&ChangeKind::Update));
    }

    #[test]
    fn parse_failures_name_the_path() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Inner {
            port: u16,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Outer {
            items: Vec<Inner>,
        }
        let err = parse::<Outer>(json!({"items": [{"port": 80}, {"port": 70000}]})).unwrap_err();
        assert_eq!(err[0].property, "items[1].port");
        assert!(err[0].reason.contains("70000"), "{}", err[0].reason);
    }

    #[test]
    fn top_level_keys() {
        assert_eq!(top_level_key("tags[\"a.b\"]"), "tags");
        assert_eq!(top_level_key("containers[0].x"), "containers");
        assert_eq!(top_level_key("name"), "name");
    }
}
