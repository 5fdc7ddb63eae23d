//! The trait every provider function (invoke) implements, and its JSON glue — the counterpart
//! of `resource.rs` for data lookups such as `fargate:ec2:getNetwork`.

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value as Json;

use crate::context::Ctx;
use crate::error::{CheckFailure, ProviderError, Result};
use crate::resource::{parse, schema_property_names, to_json};

/// One provider function. Implementations live one per file under `functions/`.
#[async_trait]
pub trait Function: Send + Sync + 'static {
    /// The function token, e.g. `fargate:ec2:getNetwork`.
    const TOKEN: &'static str;
    /// Doc comments become the schema's descriptions.
    type Args: DeserializeOwned + JsonSchema + Send + Sync;
    type Output: Serialize + JsonSchema + Send + Sync;

    /// Validates arguments; failures are reported to the program with property and value.
    fn check(&self, _args: &Self::Args) -> Vec<CheckFailure> {
        Vec::new()
    }

    /// Looks the data up. Functions only read: they run during previews too.
    async fn invoke(&self, ctx: &Ctx, args: Self::Args) -> Result<Self::Output>;
}

/// Object-safe view of a [`Function`], on plain JSON.
#[async_trait]
pub trait DynFunction: Send + Sync {
    fn token(&self) -> &'static str;
    /// `Ok(Err(failures))` for bad arguments, `Err` when the lookup itself failed.
    async fn invoke(
        &self,
        ctx: &Ctx,
        args: Json,
    ) -> Result<std::result::Result<Json, Vec<CheckFailure>>>;
    fn json_schemas(&self, generator: &mut schemars::SchemaGenerator) -> (Json, Json);
}

#[async_trait]
impl<F: Function> DynFunction for F {
    fn token(&self) -> &'static str {
        F::TOKEN
    }

    async fn invoke(
        &self,
        ctx: &Ctx,
        args: Json,
    ) -> Result<std::result::Result<Json, Vec<CheckFailure>>> {
        let known = schema_property_names::<F::Args>();
        let unknown: Vec<CheckFailure> = args
            .as_object()
            .into_iter()
            .flat_map(|m| m.keys())
            .filter(|k| !known.contains(k))
            .map(|k| {
                CheckFailure::new(
                    k.clone(),
                    format!(
                        "`{k}` is not an argument of {}; valid arguments are: {}",
                        F::TOKEN,
                        known.join(", ")
                    ),
                )
            })
            .collect();
        if !unknown.is_empty() {
            return Ok(Err(unknown));
        }
        let typed: F::Args = match parse(args) {
            Ok(t) => t,
            Err(failures) => return Ok(Err(failures)),
        };
        let failures = self.check(&typed);
        if !failures.is_empty() {
            return Ok(Err(failures));
        }
        Ok(Ok(to_json(&Function::invoke(self, ctx, typed).await?)))
    }

    fn json_schemas(&self, generator: &mut schemars::SchemaGenerator) -> (Json, Json) {
        (
            generator.subschema_for::<F::Args>().to_value(),
            generator.subschema_for::<F::Output>().to_value(),
        )
    }
}

/// A function token the provider does not serve.
pub fn unknown_function(token: &str, known: &[&str]) -> ProviderError {
    ProviderError::Validation(vec![CheckFailure::new(
        "tok",
        format!(
            "unknown function `{token}`; this provider serves: {}",
            known.join(", ")
        ),
    )])
}
