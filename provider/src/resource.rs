//! The one trait every resource implements, and the generic glue that turns property maps from
//! the engine into typed inputs and back.
//!
//! A resource file declares its inputs and outputs as serde + schemars structs and implements
//! [`Resource`]; everything untyped (unknowns, secrets, property paths) stays in this module and
//! in `server.rs`.

use std::collections::BTreeSet;

use async_trait::async_trait;
use pulumi_rs_proto::value::{contains_unknowns, unknown};
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value as Json};

use crate::context::Ctx;
use crate::error::{CheckFailure, ProviderError, Result};
// Resources reach the diff and typed-JSON helpers through this module, beside the trait.
pub use crate::diff::{ChangeKind, Diff, DiffInput, diff_inputs, top_level_key};
pub use crate::typed::{is_known, parse, schema_of, schema_property_names, to_json};

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

/// One Pulumi resource type. Implementations live one per file under `resources/`.
#[async_trait]
pub trait Resource: Send + Sync + 'static {
    /// The type token, e.g. `fargate:ecs:Cluster`.
    const TOKEN: &'static str;
    /// Top-level input properties whose change replaces the resource.
    const REPLACE_ON_CHANGES: &'static [&'static str] = &[];
    /// Top-level input properties that are secret whatever the program says: the server wraps
    /// them as secrets in everything it returns (checked inputs, outputs, init failures) and
    /// masks their text in failure reasons.
    const SECRET_PROPERTIES: &'static [&'static str] = &[];

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

fn output_property_names<T: JsonSchema>() -> Vec<String> {
    schema_property_names::<T>()
}

/// For a create whose resource exists in AWS but did not finish (rules not set, not yet
/// active, rollout not steady): turns any error into an init failure carrying the id and the
/// outputs so far, so the engine records the resource and the next `up` continues from it.
///
/// Cancellation is no exception: the resource exists whether or not the user interrupted the
/// wait, and an interrupted create that reported only "cancelled" would leave it out of the
/// state, to be orphaned by the next `up` creating a twin. The reason says it was cancelled.
pub fn unfinished<O: Serialize>(
    id: &str,
    outputs: &O,
) -> impl FnOnce(ProviderError) -> ProviderError {
    move |e| init_failed(id, outputs, vec![e.to_string()])
}

/// The init failure of [`unfinished`], with reasons of the caller's own.
pub fn init_failed<O: Serialize>(id: &str, outputs: &O, reasons: Vec<String>) -> ProviderError {
    ProviderError::InitFailed {
        id: id.to_string(),
        outputs: to_json(outputs),
        reasons,
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
    fn secret_properties(&self) -> &'static [&'static str];
}

fn invalid_state(what: &str, failures: Vec<CheckFailure>) -> ProviderError {
    ProviderError::internal(format!(
        "stored {what} do not match this provider's types ({}); run `pulumi refresh`",
        ProviderError::Validation(failures)
    ))
}

/// A property the type does not declare is a typo: name the valid ones.
fn reject_unknown_properties<R: Resource>(news: &Json) -> Result<(), Vec<CheckFailure>> {
    let known_props = schema_property_names::<R::Inputs>();
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
    if unknown_props.is_empty() {
        Ok(())
    } else {
        Err(unknown_props)
    }
}

/// The bounds declared on the input struct, then the resource's own check; all failures.
fn check_typed<R: Resource>(
    resource: &R,
    typed: R::Inputs,
    olds: Option<&R::Inputs>,
    ctx: &CheckContext<'_>,
) -> Result<R::Inputs, Vec<CheckFailure>> {
    let mut failures = crate::bounds::check::<R::Inputs>(&to_json(&typed));
    match Resource::check(resource, typed, olds, ctx) {
        Ok(checked) if failures.is_empty() => Ok(checked),
        Ok(_) => Err(failures),
        Err(own) => {
            failures.extend(own);
            Err(failures)
        }
    }
}

/// Preview with unknowns: every known property is still validated. Each property holding an
/// unknown gets a well-typed placeholder so the rest can be parsed and checked, and failures
/// about those properties are dropped (their real value is checked at `up`).
fn check_with_unknowns<R: Resource>(
    resource: &R,
    news: Json,
    olds: Option<Json>,
    ctx: &CheckContext<'_>,
) -> Result<Json, Vec<CheckFailure>> {
    let pending: BTreeSet<String> = news
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, v)| contains_unknowns(v))
        .map(|(k, _)| k.clone())
        .collect();
    let about_known = |failures: Vec<CheckFailure>| -> Result<Json, Vec<CheckFailure>> {
        let failures: Vec<CheckFailure> = failures
            .into_iter()
            .filter(|f| !pending.contains(top_level_key(&f.property)))
            .collect();
        if failures.is_empty() {
            Ok(news.clone())
        } else {
            Err(failures)
        }
    };
    let placeheld = with_placeholders::<R::Inputs>(&news, olds.as_ref(), &pending);
    let typed: R::Inputs = match parse(placeheld) {
        Ok(t) => t,
        Err(failures) => return about_known(failures),
    };
    let olds: Option<R::Inputs> = olds.and_then(|o| parse(o).ok());
    let checked = match check_typed(resource, typed, olds.as_ref(), ctx) {
        Ok(checked) => to_json(&checked),
        Err(failures) => return about_known(failures),
    };
    // Keep unknowns as the engine sent them; take everything known from the checked form.
    let mut merged = news.clone();
    if let (Some(m), Some(c)) = (merged.as_object_mut(), checked.as_object()) {
        for (k, v) in c {
            if !pending.contains(k) {
                m.insert(k.clone(), v.clone());
            }
        }
    }
    Ok(merged)
}

/// `news` with each `pending` property replaced by a stand-in. The old value is the best one:
/// it passed these checks before, so defaults computed from the rest (auto-names) come out as
/// they will at `up`; else the simplest value the schema accepts.
fn with_placeholders<T: JsonSchema>(
    news: &Json,
    olds: Option<&Json>,
    pending: &BTreeSet<String>,
) -> Json {
    let mut placeheld = news.clone();
    if let Some(m) = placeheld.as_object_mut() {
        let schema = schema_of::<T>();
        for prop in pending {
            let old = olds
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
    placeheld
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
        reject_unknown_properties::<R>(&news)?;
        if !ctx.has_unknowns {
            let typed: R::Inputs = parse(news)?;
            let olds: Option<R::Inputs> = olds.and_then(|o| parse(o).ok());
            return Ok(to_json(&check_typed(self, typed, olds.as_ref(), ctx)?));
        }
        check_with_unknowns(self, news, olds, ctx)
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

    fn secret_properties(&self) -> &'static [&'static str] {
        R::SECRET_PROPERTIES
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulumi_rs_proto::value::UNKNOWN;
    use serde_json::json;

    /// A small resource of the generic layer's own: a required reference, an auto-name, a
    /// bounded number and a nested object, which is all the layer deals with.
    struct Widget;

    #[derive(Debug, Clone, Serialize, serde::Deserialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    struct WidgetInputs {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        parent: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        size: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        placement: Option<Placement>,
    }

    #[derive(Debug, Clone, Serialize, serde::Deserialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    struct Placement {
        zones: Vec<String>,
        spread: u32,
    }

    #[derive(Debug, Serialize, serde::Deserialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    struct WidgetOutputs {
        #[serde(flatten)]
        inputs: WidgetInputs,
        arn: String,
    }

    #[async_trait]
    impl Resource for Widget {
        const TOKEN: &'static str = "test:index:Widget";
        type Inputs = WidgetInputs;
        type Outputs = WidgetOutputs;

        fn check(
            &self,
            mut news: WidgetInputs,
            olds: Option<&WidgetInputs>,
            ctx: &CheckContext<'_>,
        ) -> Result<WidgetInputs, Vec<CheckFailure>> {
            if news.name.is_none() {
                news.name = Some(ctx.default_name(olds.and_then(|o| o.name.as_deref()), || {
                    crate::naming::auto_name(ctx.name, ctx.random_seed, 32, |c| {
                        c.is_ascii_alphanumeric() || c == '-'
                    })
                }));
            }
            let mut failures = Vec::new();
            if let Some(size) = news.size.filter(|s| !(0..=10).contains(s)) {
                failures.push(CheckFailure::new("size", format!("{size} is not 0 to 10")));
            }
            if let Some(p) = &news.placement
                && p.spread > p.zones.len() as u32
            {
                failures.push(CheckFailure::new("placement.spread", "more than the zones"));
            }
            if failures.is_empty() {
                Ok(news)
            } else {
                Err(failures)
            }
        }

        async fn create(&self, _: &Ctx, _: &WidgetInputs) -> Result<(String, WidgetOutputs)> {
            unreachable!("the generic layer's tests only check")
        }

        async fn read(
            &self,
            _: &Ctx,
            _: &str,
            _: Option<(&WidgetInputs, &WidgetOutputs)>,
        ) -> Result<Option<(WidgetInputs, WidgetOutputs)>> {
            unreachable!("the generic layer's tests only check")
        }

        async fn update(
            &self,
            _: &Ctx,
            _: &str,
            _: &WidgetOutputs,
            _: &WidgetInputs,
        ) -> Result<WidgetOutputs> {
            unreachable!("the generic layer's tests only check")
        }

        async fn delete(&self, _: &Ctx, _: &str, _: &WidgetOutputs) -> Result<()> {
            unreachable!("the generic layer's tests only check")
        }
    }

    fn widget_check(
        news: Json,
        olds: Option<Json>,
        seed: &[u8],
    ) -> Result<Json, Vec<CheckFailure>> {
        let ctx = CheckContext {
            name: "box",
            random_seed: seed,
            proposed_name: None,
            has_unknowns: contains_unknowns(&news),
        };
        DynResource::check(&Widget, news, olds, &ctx)
    }

    #[test]
    fn preview_with_unknowns_still_validates_known_values() {
        // The parent and the zones come from resources not created yet.
        let base = json!({
            "parent": UNKNOWN,
            "placement": {"zones": UNKNOWN, "spread": 1},
            "size": 2,
        });
        let checked = widget_check(base.clone(), None, b"seed").expect("valid apart from unknowns");
        assert_eq!(checked["parent"], json!(UNKNOWN), "unknowns stay unknown");
        assert_eq!(checked["placement"]["zones"], json!(UNKNOWN));
        assert_eq!(checked["size"], json!(2));
        assert!(checked["name"].as_str().unwrap().starts_with("box-"));

        let mut bad = base.clone();
        bad["size"] = json!(-1);
        let failures =
            widget_check(bad, None, b"seed").expect_err("a negative size is known to be wrong");
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert_eq!(failures[0].property, "size");

        let mut bad = base;
        bad["size"] = json!("big");
        let failures = widget_check(bad, None, b"seed").expect_err("a string is no size");
        assert_eq!(failures[0].property, "size", "{failures:?}");
    }

    #[test]
    fn failures_about_a_property_holding_an_unknown_wait_for_up() {
        // The spread exceeds the zones only because the zones are a placeholder at preview.
        let news = json!({"parent": "p", "placement": {"zones": UNKNOWN, "spread": 2}});
        assert!(widget_check(news, None, b"seed").is_ok());
        let known = json!({"parent": "p", "placement": {"zones": ["a"], "spread": 2}});
        let failures = widget_check(known, None, b"seed").unwrap_err();
        assert_eq!(failures[0].property, "placement.spread");
    }

    #[test]
    fn preview_of_an_update_with_unknowns_keeps_computed_defaults() {
        let olds = widget_check(json!({"parent": "p1"}), None, b"seed").unwrap();
        let mut news = olds.clone();
        news.as_object_mut().unwrap().remove("name");
        news["parent"] = json!(UNKNOWN);
        let checked = widget_check(news, Some(olds.clone()), b"other seed").unwrap();
        assert_eq!(checked["name"], olds["name"], "the auto-name is kept");
        assert_eq!(checked["parent"], json!(UNKNOWN));
    }

    #[test]
    fn misspelt_properties_name_the_valid_ones() {
        let failures = widget_check(json!({"parent": "p", "sise": 1}), None, b"seed").unwrap_err();
        assert_eq!(failures[0].property, "sise");
        assert!(
            failures[0].reason.contains("name, parent, size, placement"),
            "{}",
            failures[0].reason
        );
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
}
