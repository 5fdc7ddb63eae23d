//! The Pulumi package schema, assembled from the same structs that parse inputs (via schemars),
//! so it cannot drift from what the provider accepts.

use std::collections::BTreeMap;

use schemars::SchemaGenerator;
use serde_json::{Map, Value as Json, json};

use crate::config::ProviderConfig;
use crate::resources;

pub const PACKAGE: &str = "fargate";

/// The schema as pretty JSON with a trailing newline (the committed `schema/schema.json`).
pub fn package_schema_json() -> String {
    let mut s = serde_json::to_string_pretty(&sorted(package_schema())).expect("schema serialises");
    s.push('\n');
    s
}

/// Keys in sorted order whatever map type serde_json was built with (`preserve_order` may be
/// switched on by another crate in the build), so the committed file is byte-stable.
/// Empty `required` lists are left out, as the CLI itself prints schemas.
fn sorted(v: Json) -> Json {
    match v {
        Json::Object(m) => {
            let mut entries: Vec<(String, Json)> = m
                .into_iter()
                .filter(|(k, v)| {
                    !(k.starts_with("required") && v.as_array().is_some_and(Vec::is_empty))
                })
                .collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Json::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Json::Array(a) => Json::Array(a.into_iter().map(sorted).collect()),
        other => other,
    }
}

struct Converter {
    defs: Map<String, Json>,
    /// schemars definition name → Pulumi type token, assigned on first use.
    types: BTreeMap<String, (String, Json)>,
}

impl Converter {
    fn resolve<'a>(&'a self, schema: &'a Json) -> &'a Json {
        match schema.get("$ref").and_then(Json::as_str) {
            Some(r) => self
                .defs
                .get(r.trim_start_matches("#/$defs/"))
                .unwrap_or(schema),
            None => schema,
        }
    }

    /// Properties and required names of an object schema.
    fn object(&mut self, schema: &Json, module: &str) -> (Map<String, Json>, Vec<String>) {
        let schema = self.resolve(schema).clone();
        let mut props = Map::new();
        if let Some(p) = schema.get("properties").and_then(Json::as_object) {
            for (name, s) in p {
                props.insert(name.clone(), self.property(s, module));
            }
        }
        let required = schema
            .get("required")
            .and_then(Json::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        (props, required)
    }

    fn property(&mut self, schema: &Json, module: &str) -> Json {
        let mut out = self.type_of(schema, module);
        if let Some(d) = schema.get("description").and_then(Json::as_str) {
            out["description"] = match crate::bounds::in_words(schema) {
                Some(bounds) => Json::String(format!("{d}\n\nValid: {bounds}.")),
                None => Json::String(d.to_string()),
            };
        }
        // Pulumi schemas allow only scalar defaults.
        if let Some(d) = schema
            .get("default")
            .filter(|d| d.is_boolean() || d.is_number() || d.is_string())
        {
            out["default"] = d.clone();
        }
        // Bounds declared on the input structs (see `bounds.rs`), for SDK docs and IDEs.
        for keyword in crate::bounds::KEYWORDS {
            if let Some(bound) = schema.get(*keyword) {
                out[*keyword] = bound.clone();
            }
        }
        if schema.get("x-secret") == Some(&Json::Bool(true)) {
            out["secret"] = Json::Bool(true);
        }
        out
    }

    fn type_of(&mut self, schema: &Json, module: &str) -> Json {
        if let Some(r) = schema.get("$ref").and_then(Json::as_str) {
            let name = r.trim_start_matches("#/$defs/").to_string();
            return json!({"$ref": format!("#/types/{}", self.named_type(&name, module))});
        }
        if let Some(any) = schema.get("anyOf").and_then(Json::as_array) {
            // Option<T>: `anyOf: [T, null]`.
            if let Some(t) = any.iter().find(|s| s.get("type") != Some(&json!("null"))) {
                return self.type_of(t, module);
            }
        }
        let ty = match schema.get("type") {
            Some(Json::Array(types)) => types
                .iter()
                .find(|t| *t != "null")
                .cloned()
                .unwrap_or(Json::Null),
            Some(t) => t.clone(),
            None => Json::Null,
        };
        match ty.as_str() {
            Some("array") => {
                let items = schema.get("items").cloned().unwrap_or(json!({}));
                json!({"type": "array", "items": self.type_of(&items, module)})
            }
            Some("object") => {
                let values = schema
                    .get("additionalProperties")
                    .cloned()
                    .unwrap_or(json!({"type": "string"}));
                json!({"type": "object", "additionalProperties": self.type_of(&values, module)})
            }
            Some(t @ ("string" | "integer" | "number" | "boolean")) => json!({ "type": t }),
            _ => json!({"$ref": "pulumi.json#/Any"}),
        }
    }

    fn named_type(&mut self, def_name: &str, module: &str) -> String {
        if let Some((token, _)) = self.types.get(def_name) {
            return token.clone();
        }
        let token = format!("{PACKAGE}:{module}:{def_name}");
        // Reserve the token first: recursive types refer back to it.
        self.types
            .insert(def_name.to_string(), (token.clone(), Json::Null));
        let def = self.defs.get(def_name).cloned().unwrap_or(json!({}));
        let spec = if let Some(values) = enum_values(&def) {
            json!({"type": "string", "enum": values})
        } else {
            let (props, required) = self.object(&def, module);
            let mut spec = json!({"type": "object", "properties": props});
            if !required.is_empty() {
                spec["required"] = json!(required);
            }
            spec
        };
        let mut spec = spec;
        if let Some(d) = def.get("description") {
            spec["description"] = d.clone();
        }
        self.types
            .insert(def_name.to_string(), (token.clone(), spec));
        token
    }
}

/// Enum variants of a schemars string enum, with their doc comments.
fn enum_values(def: &Json) -> Option<Vec<Json>> {
    if let Some(values) = def.get("enum").and_then(Json::as_array) {
        return Some(values.iter().map(|v| json!({ "value": v })).collect());
    }
    let variants = def.get("oneOf")?.as_array()?;
    variants
        .iter()
        .map(|v| {
            let value = v.get("const").or_else(|| v.get("enum")?.get(0))?;
            let mut out = json!({ "value": value });
            if let Some(d) = v.get("description") {
                out["description"] = d.clone();
            }
            Some(out)
        })
        .collect()
}

fn module_of(token: &str) -> &str {
    token.split(':').nth(1).unwrap_or("index")
}

pub fn package_schema() -> Json {
    let mut generator = SchemaGenerator::default();
    let all = resources::all();
    let schemas: Vec<(Json, Json)> = all.iter().map(|r| r.json_schemas(&mut generator)).collect();
    let functions = crate::functions::all();
    let function_schemas: Vec<(Json, Json)> = functions
        .iter()
        .map(|f| f.json_schemas(&mut generator))
        .collect();
    let config_schema = generator.subschema_for::<ProviderConfig>().to_value();
    let defs: Map<String, Json> = generator
        .definitions()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut conv = Converter {
        defs,
        types: BTreeMap::new(),
    };

    let mut resources_spec = Map::new();
    for (resource, (inputs, outputs)) in all.iter().zip(&schemas) {
        let token = resource.token();
        let module = module_of(token);
        let (mut input_props, required_inputs) = conv.object(inputs, module);
        for name in resource.replace_on_changes() {
            if let Some(p) = input_props.get_mut(*name) {
                p["replaceOnChanges"] = Json::Bool(true);
                p["willReplaceOnChanges"] = Json::Bool(true);
            }
        }
        let (props, required) = conv.object(outputs, module);
        let description = conv
            .resolve(inputs)
            .get("description")
            .cloned()
            .unwrap_or(Json::String(String::new()));
        resources_spec.insert(
            token.to_string(),
            json!({
                "description": description,
                "inputProperties": input_props,
                "requiredInputs": required_inputs,
                "properties": props,
                "required": required,
            }),
        );
    }
    let mut functions_spec = Map::new();
    for (function, (args, output)) in functions.iter().zip(&function_schemas) {
        let token = function.token();
        let module = module_of(token);
        let (arg_props, required_args) = conv.object(args, module);
        let (out_props, required_out) = conv.object(output, module);
        let description = conv
            .resolve(args)
            .get("description")
            .cloned()
            .unwrap_or(Json::String(String::new()));
        functions_spec.insert(
            token.to_string(),
            json!({
                "description": description,
                "inputs": {"properties": arg_props, "required": required_args},
                "outputs": {"properties": out_props, "required": required_out},
            }),
        );
    }
    let (config_props, _) = conv.object(&config_schema, "index");
    let types: Map<String, Json> = conv.types.into_values().collect();

    json!({
        "name": PACKAGE,
        "displayName": "Fargate",
        "version": env!("CARGO_PKG_VERSION"),
        "description": "Deploy containerised services to AWS ECS Fargate behind an Application Load Balancer: a small, native provider with honest diffs and visible rollouts.",
        "keywords": ["pulumi", "aws", "ecs", "fargate", "category/cloud", "kind/native"],
        "license": "Apache-2.0",
        "config": {"variables": config_props},
        "provider": {
            "description": "The fargate provider: region, credentials profile, endpoint override and default tags.",
            "inputProperties": config_props,
        },
        "resources": resources_spec,
        "types": types,
        "functions": functions_spec,
        "language": sdk_languages(),
        // Versioned SDKs: each generated package carries the schema's version and so asks the
        // engine for exactly this plugin version; Go also gets its own go.mod.
        "meta": {"supportPack": true},
    })
}

/// Package names and metadata of the SDKs `scripts/gen-sdks` generates (TypeScript, Python, Go).
/// The Go path is a module path, not a download location: until the SDK is published, a Go
/// program points it at the generated folder with a `replace` directive.
fn sdk_languages() -> Json {
    json!({
        "nodejs": {
            "packageName": "@sotex/fargate",
            "packageDescription": "Pulumi SDK for the native fargate provider: ECS Fargate services behind an Application Load Balancer.",
            "dependencies": {"@pulumi/pulumi": "^3.269.0"},
        },
        "python": {
            "packageName": "sotex_fargate",
            "requires": {"pulumi": ">=3.269.0,<4.0.0"},
            "pyproject": {"enabled": true},
        },
        "go": {
            "importBasePath": "sotex.local/pulumi-fargate/sdk/go/fargate",
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_is_described_with_typed_properties() {
        let s = package_schema();
        let cluster = &s["resources"]["fargate:ecs:Cluster"];
        assert!(
            cluster["description"]
                .as_str()
                .unwrap()
                .contains("ECS cluster")
        );
        assert_eq!(cluster["inputProperties"]["name"]["type"], "string");
        assert_eq!(cluster["inputProperties"]["name"]["replaceOnChanges"], true);
        assert_eq!(
            cluster["inputProperties"]["tags"]["additionalProperties"]["type"],
            "string"
        );
        assert_eq!(
            cluster["inputProperties"]["containerInsights"]["$ref"],
            "#/types/fargate:ecs:ContainerInsights"
        );
        let ci = &s["types"]["fargate:ecs:ContainerInsights"];
        assert_eq!(ci["type"], "string");
        assert_eq!(ci["enum"].as_array().unwrap().len(), 3);
        assert_eq!(cluster["properties"]["arn"]["type"], "string");
        assert!(
            cluster["properties"]["name"].is_object(),
            "outputs include inputs: {cluster}"
        );
        assert!(
            cluster["required"]
                .as_array()
                .unwrap()
                .contains(&json!("arn"))
        );
        assert_eq!(s["config"]["variables"]["region"]["type"], "string");
    }

    #[test]
    fn every_property_has_a_description() {
        let s = package_schema();
        for (token, r) in s["resources"].as_object().unwrap() {
            for kind in ["inputProperties", "properties"] {
                for (name, p) in r[kind].as_object().unwrap() {
                    assert!(
                        p["description"].as_str().is_some_and(|d| !d.is_empty()),
                        "{token}.{kind}.{name} has no description"
                    );
                }
            }
        }
    }
}
