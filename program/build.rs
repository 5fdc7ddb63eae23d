//! Generates the typed fargate SDK (`pulumi_rs::fargate`) from the provider's committed package
//! schema, so the program's argument types cannot drift from what the provider accepts.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use serde_json::Value as Json;

// `snake` and `pascal`: the SDK's naming, shared with the language host's code generator.
include!("src/sdk_names.rs");

fn doc(out: &mut String, indent: &str, text: Option<&str>) {
    for line in text.unwrap_or_default().lines() {
        let _ = writeln!(out, "{indent}/// {}", line.trim_end());
    }
}

fn token_parts(token: &str) -> (&str, &str) {
    let mut parts = token.split(':');
    let _pkg = parts.next();
    (
        parts.next().unwrap_or("index"),
        parts.next().unwrap_or(token),
    )
}

fn rust_type(spec: &Json) -> String {
    if let Some(r) = spec.get("$ref").and_then(Json::as_str) {
        if r == "pulumi.json#/Any" {
            return "serde_json::Value".into();
        }
        let (module, name) = token_parts(r.trim_start_matches("#/types/"));
        return format!("crate::fargate::{module}::{name}");
    }
    match spec.get("type").and_then(Json::as_str) {
        Some("string") => "String".into(),
        Some("integer") => "i64".into(),
        Some("number") => "f64".into(),
        Some("boolean") => "bool".into(),
        Some("array") => format!("Vec<{}>", rust_type(&spec["items"])),
        Some("object") => format!(
            "std::collections::BTreeMap<String, {}>",
            spec.get("additionalProperties")
                .map(rust_type)
                .unwrap_or_else(|| "serde_json::Value".into())
        ),
        _ => "serde_json::Value".into(),
    }
}

fn required(spec: &Json, key: &str) -> Vec<String> {
    spec.get(key)
        .and_then(Json::as_array)
        .map(|r| {
            r.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn props(spec: &Json, key: &str) -> Vec<(String, Json)> {
    spec.get(key)
        .and_then(Json::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// A plain data type (nested object or enum) from `types`.
fn gen_type(out: &mut String, name: &str, spec: &Json) {
    doc(out, "    ", spec.get("description").and_then(Json::as_str));
    if let Some(values) = spec.get("enum").and_then(Json::as_array) {
        let _ = writeln!(
            out,
            "    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]"
        );
        let _ = writeln!(out, "    pub enum {name} {{");
        for (i, v) in values.iter().enumerate() {
            if i == 0 {
                // Default only so that structs holding the enum can derive Default.
                let _ = writeln!(out, "        #[default]");
            }
            let value = v["value"].as_str().unwrap_or_default();
            doc(out, "        ", v.get("description").and_then(Json::as_str));
            let _ = writeln!(out, "        #[serde(rename = {value:?})]");
            let _ = writeln!(out, "        {},", pascal(value));
        }
        let _ = writeln!(out, "    }}\n");
        return;
    }
    let req = required(spec, "required");
    let _ = writeln!(
        out,
        "    #[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]"
    );
    let _ = writeln!(out, "    #[serde(rename_all = \"camelCase\")]");
    let _ = writeln!(out, "    pub struct {name} {{");
    for (prop, pspec) in props(spec, "properties") {
        doc(
            out,
            "        ",
            pspec.get("description").and_then(Json::as_str),
        );
        let ty = rust_type(&pspec);
        if req.contains(&prop) {
            let _ = writeln!(out, "        #[serde(rename = {prop:?})]");
            let _ = writeln!(out, "        pub {}: {ty},", snake(&prop));
        } else {
            let _ = writeln!(
                out,
                "        #[serde(rename = {prop:?}, default, skip_serializing_if = \"Option::is_none\")]"
            );
            let _ = writeln!(out, "        pub {}: Option<{ty}>,", snake(&prop));
        }
    }
    let _ = writeln!(out, "    }}\n");
}

/// `<Name>Args` for a plain object type: every field an optional output, so a secret (or a
/// not-yet-known value) can sit at any field and stays secret there only, the way Pulumi's other
/// SDKs accept inputs at every depth. `build()` (or `.into()`) gives the `Output<Name>` the
/// resource arguments take.
fn gen_type_args(out: &mut String, name: &str, args_name: &str, spec: &Json) {
    if spec.get("enum").is_some() {
        return;
    }
    let req = required(spec, "required");
    let fields = props(spec, "properties");
    let _ = writeln!(
        out,
        "    /// [`{name}`] with each field an output: a secret field stays secret at that field only."
    );
    let _ = writeln!(out, "    #[derive(Debug, Clone, Default)]");
    let _ = writeln!(out, "    pub struct {args_name} {{");
    for (prop, pspec) in &fields {
        let mut text = pspec
            .get("description")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_string();
        if req.contains(prop) {
            text.push_str(" (required)");
        }
        doc(out, "        ", Some(&text));
        let _ = writeln!(
            out,
            "        pub {}: Option<crate::Output<{}>>,",
            snake(prop),
            rust_type(pspec)
        );
    }
    let _ = writeln!(
        out,
        "    }}
"
    );
    let _ = writeln!(out, "    impl {args_name} {{");
    let _ = writeln!(
        out,
        "        pub fn build(self) -> crate::Output<{name}> {{"
    );
    let _ = writeln!(out, "            crate::output::object({name:?}, vec![");
    for (prop, _) in &fields {
        let _ = writeln!(
            out,
            "                ({prop:?}, self.{}.map(|o| o.to_json())),",
            snake(prop)
        );
    }
    let _ = writeln!(
        out,
        "            ])
        }}
    }}
"
    );
    let _ = writeln!(
        out,
        "    impl From<{args_name}> for crate::Output<{name}> {{
        fn from(args: {args_name}) -> Self {{
            args.build()
        }}
    }}
"
    );
}

/// `<Name>Args` with every input as an optional output (the provider reports missing required
/// ones at preview, naming the property).
fn gen_args(
    out: &mut String,
    name: &str,
    description: Option<&str>,
    inputs: &[(String, Json)],
    required: &[String],
) {
    doc(out, "    ", description);
    let _ = writeln!(out, "    #[derive(Debug, Clone, Default)]");
    let _ = writeln!(out, "    pub struct {name} {{");
    for (prop, pspec) in inputs {
        let mut text = pspec
            .get("description")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_string();
        if required.contains(prop) {
            text.push_str(" (required)");
        }
        doc(out, "        ", Some(&text));
        let _ = writeln!(
            out,
            "        pub {}: Option<crate::Output<{}>>,",
            snake(prop),
            rust_type(pspec)
        );
    }
    let _ = writeln!(out, "    }}\n");
    let _ = writeln!(out, "    impl {name} {{");
    let _ = writeln!(
        out,
        "        pub(crate) fn properties(&self) -> crate::runtime::Properties {{"
    );
    let _ = writeln!(out, "            crate::runtime::Properties::new()");
    for (prop, _) in inputs {
        let _ = writeln!(
            out,
            "                .set({prop:?}, self.{}.as_ref())",
            snake(prop)
        );
    }
    let _ = writeln!(out, "        }}\n    }}\n");
}

fn gen_resource(out: &mut String, token: &str, spec: &Json) {
    let (_, name) = token_parts(token);
    let inputs = props(spec, "inputProperties");
    gen_args(
        out,
        &format!("{name}Args"),
        spec.get("description").and_then(Json::as_str),
        &inputs,
        &required(spec, "requiredInputs"),
    );
    let outputs = props(spec, "properties");
    let req = required(spec, "required");
    doc(out, "    ", spec.get("description").and_then(Json::as_str));
    let _ = writeln!(out, "    #[derive(Clone)]");
    let _ = writeln!(out, "    pub struct {name} {{");
    let _ = writeln!(
        out,
        "        pub resource: crate::runtime::RegisteredResource,"
    );
    for (prop, pspec) in &outputs {
        doc(
            out,
            "        ",
            pspec.get("description").and_then(Json::as_str),
        );
        let ty = rust_type(pspec);
        let ty = if req.contains(prop) {
            ty
        } else {
            format!("Option<{ty}>")
        };
        let _ = writeln!(out, "        pub {}: crate::Output<{ty}>,", snake(prop));
    }
    let _ = writeln!(out, "    }}\n");
    let _ = writeln!(out, "    impl {name} {{");
    let _ = writeln!(out, "        pub const TYPE: &'static str = {token:?};\n");
    let _ = writeln!(
        out,
        "        pub fn new(ctx: &crate::Context, name: &str, args: {name}Args, options: crate::ResourceOptions) -> Self {{"
    );
    let _ = writeln!(
        out,
        "            let resource = ctx.register_resource(Self::TYPE, name, true, args.properties().into_vec(), options);"
    );
    let _ = writeln!(out, "            Self {{");
    for (prop, _) in &outputs {
        let _ = writeln!(
            out,
            "                {}: resource.output({prop:?}),",
            snake(prop)
        );
    }
    let _ = writeln!(
        out,
        "                resource,\n            }}\n        }}\n"
    );
    let _ = writeln!(
        out,
        "        /// The resource's URN (for `depends_on` and `parent`)."
    );
    let _ = writeln!(
        out,
        "        pub fn urn(&self) -> crate::Output<String> {{\n            self.resource.urn()\n        }}\n"
    );
    let _ = writeln!(out, "        /// The provider-assigned id.");
    let _ = writeln!(
        out,
        "        pub fn id(&self) -> crate::Output<String> {{\n            self.resource.id()\n        }}"
    );
    let _ = writeln!(out, "    }}\n");
}

fn gen_function(out: &mut String, token: &str, spec: &Json) {
    let (_, fname) = token_parts(token);
    let type_name = pascal(fname);
    let inputs = props(&spec["inputs"], "properties");
    gen_args(
        out,
        &format!("{type_name}Args"),
        spec.get("description").and_then(Json::as_str),
        &inputs,
        &required(&spec["inputs"], "required"),
    );
    gen_type(out, &format!("{type_name}Result"), &spec["outputs"]);
    doc(out, "    ", spec.get("description").and_then(Json::as_str));
    let _ = writeln!(
        out,
        "    pub fn {}(ctx: &crate::Context, args: {type_name}Args) -> crate::Output<{type_name}Result> {{",
        snake(fname)
    );
    let _ = writeln!(
        out,
        "        ctx.invoke({token:?}, args.properties().into_vec()).map(|m| {{"
    );
    let _ = writeln!(
        out,
        "            serde_json::from_value(serde_json::Value::Object(m)).expect(\"the provider answers {token} in its schema's shape\")"
    );
    let _ = writeln!(out, "        }})\n    }}\n");
}

fn main() {
    let manifest =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let schema_path = manifest.join("../schema/schema.json");
    println!("cargo:rerun-if-changed={}", schema_path.display());
    println!("cargo:rerun-if-changed=src/sdk_names.rs");
    let schema: Json = serde_json::from_str(
        &std::fs::read_to_string(&schema_path).expect("schema/schema.json is readable"),
    )
    .expect("schema/schema.json is JSON");

    let mut modules: BTreeMap<String, String> = BTreeMap::new();
    // `<Name>Args` is taken by resources and functions; a type of the same name gets
    // `<Name>InputArgs` instead.
    let taken: Vec<String> = schema["resources"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(t, _)| t.clone())
        .chain(
            schema["functions"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(t, _)| {
                    let (module, name) = token_parts(t);
                    format!("fargate:{module}:{}", pascal(name))
                }),
        )
        .collect();
    for (token, spec) in schema["types"].as_object().into_iter().flatten() {
        let (module, name) = token_parts(token);
        let body = modules.entry(module.to_string()).or_default();
        gen_type(body, name, spec);
        let args_name = if taken.iter().any(|t| t == token) {
            format!("{name}InputArgs")
        } else {
            format!("{name}Args")
        };
        gen_type_args(body, name, &args_name, spec);
    }
    for (token, spec) in schema["resources"].as_object().into_iter().flatten() {
        let (module, _) = token_parts(token);
        gen_resource(modules.entry(module.to_string()).or_default(), token, spec);
    }
    for (token, spec) in schema["functions"].as_object().into_iter().flatten() {
        let (module, _) = token_parts(token);
        gen_function(modules.entry(module.to_string()).or_default(), token, spec);
    }
    let mut out =
        String::from("// Generated by program/build.rs from schema/schema.json. Do not edit.\n\n");
    for (module, body) in modules {
        let _ = writeln!(
            out,
            "/// `fargate:{module}:*`\npub mod {module} {{\n{body}}}\n"
        );
    }
    let dest =
        PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("fargate.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}
