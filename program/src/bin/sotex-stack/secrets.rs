//! Secret container variables. Every `secure:` entry of `sotex-backend:environment` becomes a
//! `fargate:ssm:Parameter` (a `SecureString`) named `/<project>/<stack>/<NAME>`, and the
//! container reads it through `secrets` (`valueFrom` = the parameter's ARN) when a task starts.
//! So the task definition registered in AWS never holds the value: whoever may call
//! `ecs:DescribeTaskDefinition` (read-only roles, the console) sees an ARN, not the secret.
//!
//! The execution role must be allowed to read exactly these parameters:
//! [`Secrets::parameter_arns`]. ECS reads `secrets` only when a task starts, so a new value (a
//! new parameter version) must start new tasks: [`Secrets::force_new_deployment`] feeds the
//! versions to the service's `forceNewDeployment`, which rolls the service in the same `up`
//! without a new task definition revision.

use std::collections::{BTreeMap, BTreeSet};

use pulumi_rs::fargate::ssm::{Parameter, ParameterArgs};
use pulumi_rs::output::all_map;
use pulumi_rs::{Config, Context, Output, ResourceOptions, all};

use crate::settings::Settings;

/// What the container gets: plain values in `environment`, secrets by reference.
pub struct Secrets {
    /// The container's environment: only the values that are not secret.
    pub environment: BTreeMap<String, String>,
    /// The container's `secrets`: variable name → ARN, the configured `sotex-backend:secrets`
    /// references and the stack's own parameters; `None` when there are none.
    pub references: Option<Output<BTreeMap<String, String>>>,
    /// The stack's parameters, by variable name.
    parameters: BTreeMap<String, Parameter>,
}

/// The names in `environment` whose values are secret: each `secure:` entry, or every entry
/// when the key is secret and the places inside it are not known (never less secret).
pub fn secret_names(config: &Config, environment: &BTreeMap<String, String>) -> BTreeSet<String> {
    let paths = config.secret_paths("environment");
    if paths.iter().any(Vec::is_empty) {
        return environment.keys().cloned().collect();
    }
    paths
        .iter()
        .filter_map(|path| match path.first() {
            Some(pulumi_rs_proto::value::PathSegment::Key(name)) => Some(name.clone()),
            _ => None,
        })
        .filter(|name| environment.contains_key(name))
        .collect()
}

/// One SSM parameter per secret variable; the rest of the environment stays plain.
pub fn secrets(ctx: &Context, s: &Settings, tags: &Output<BTreeMap<String, String>>) -> Secrets {
    let mut environment = BTreeMap::new();
    let mut parameters = BTreeMap::new();
    for (name, value) in &s.environment {
        if !s.secret_environment.contains(name) {
            environment.insert(name.clone(), value.clone());
            continue;
        }
        let parameter = Parameter::new(
            ctx,
            name,
            ParameterArgs {
                name: Some(Output::new(format!(
                    "/{}/{}/{name}",
                    ctx.project(),
                    ctx.stack()
                ))),
                value: Some(Output::secret(value.clone())),
                description: Some(Output::new(format!(
                    "`{name}` of the {} {} containers (`sotex-backend:environment.{name}`)",
                    ctx.project(),
                    ctx.stack()
                ))),
                tags: Some(tags.clone()),
                ..Default::default()
            },
            ResourceOptions::default(),
        );
        parameters.insert(name.clone(), parameter);
    }
    let mut references: BTreeMap<String, Output<String>> = s
        .secrets
        .iter()
        .map(|(name, arn)| (name.clone(), Output::new(arn.clone())))
        .collect();
    references.extend(
        parameters
            .iter()
            .map(|(name, p)| (name.clone(), p.arn.clone())),
    );
    Secrets {
        environment,
        references: (!references.is_empty()).then(|| all_map(references)),
        parameters,
    }
}

impl Secrets {
    /// ARNs of the stack's own parameters, for the execution role's policy (it must read them
    /// to start a task). Empty when no variable is secret.
    // The execution role (roles.rs, branch `stack`) takes these: connected at the merge.
    #[allow(dead_code)]
    pub fn parameter_arns(&self) -> Output<Vec<String>> {
        all(self.parameters.values().map(|p| p.arn.clone()).collect())
    }

    /// The service's `forceNewDeployment`: every parameter's version (`SENTRY_DSN=3`), so a
    /// new value of any of them starts new tasks, which read it. `None` without parameters.
    pub fn force_new_deployment(&self) -> Option<Output<String>> {
        if self.parameters.is_empty() {
            return None;
        }
        let names: Vec<String> = self.parameters.keys().cloned().collect();
        let versions = all(self
            .parameters
            .values()
            .map(|p| p.version.clone())
            .collect());
        Some(versions.map(move |versions| {
            names
                .iter()
                .zip(versions)
                .map(|(name, version)| format!("{name}={version}"))
                .collect::<Vec<_>>()
                .join(",")
        }))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap, HashSet};

    use pulumi_rs::Config;
    use pulumi_rs_proto::value::PathSegment;

    use super::secret_names;

    fn environment() -> BTreeMap<String, String> {
        [
            ("LOG_LEVEL", "Debug"),
            ("SENTRY_DSN", "dsn"),
            ("TOKEN", "t"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    fn config(secret: bool) -> Config {
        let values = HashMap::from([(
            "sotex-backend:environment".to_string(),
            serde_json::to_string(&environment()).unwrap(),
        )]);
        let secret_keys: HashSet<String> = if secret {
            HashSet::from(["sotex-backend:environment".to_string()])
        } else {
            HashSet::new()
        };
        Config::new("sotex-backend", "staging", values, secret_keys)
    }

    #[test]
    fn only_the_secure_entries_are_secret() {
        let c = config(true).with_secret_paths(HashMap::from([(
            "sotex-backend:environment".to_string(),
            vec![
                vec![PathSegment::Key("SENTRY_DSN".into())],
                vec![PathSegment::Key("TOKEN".into())],
            ],
        )]));
        assert_eq!(
            secret_names(&c, &environment()),
            ["SENTRY_DSN", "TOKEN"].map(String::from).into()
        );
    }

    #[test]
    fn unknown_places_make_every_entry_secret_and_plain_keys_none() {
        // The language host could not read the places: never less secret.
        assert_eq!(secret_names(&config(true), &environment()).len(), 3);
        assert!(secret_names(&config(false), &environment()).is_empty());
    }
}
