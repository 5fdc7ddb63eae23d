//! Policy documents ⇄ typed statements, normalisation (so an unchanged policy never diffs),
//! and the read-back of a role.

use serde_json::{Map, Value as Json, json};

use super::*;

/// AWS's maximum session duration when none is set.
pub(crate) const DEFAULT_MAX_SESSION: u32 = 3600;
const POLICY_VERSION: &str = "2012-10-17";
const ECS_TASKS: &str = "ecs-tasks.amazonaws.com";

impl Role {
    pub(crate) fn name_of(inputs: &RoleInputs) -> Result<&str> {
        inputs
            .name
            .as_deref()
            .ok_or_else(|| ProviderError::internal("role name missing after check"))
    }
}

/// The default trust: ECS tasks of `account` only (the `aws:SourceAccount` condition keeps
/// another account's tasks from assuming it through the service — the confused deputy).
pub(crate) fn default_trust(account: &str) -> Vec<TrustStatement> {
    let mut condition = BTreeMap::new();
    condition.insert(
        "StringEquals".to_string(),
        BTreeMap::from([("aws:SourceAccount".to_string(), vec![account.to_string()])]),
    );
    vec![TrustStatement {
        sid: None,
        effect: Effect::Allow,
        principals: Principals {
            services: Some(vec![ECS_TASKS.to_string()]),
            aws: None,
            federated: None,
        },
        actions: default_trust_actions(),
        conditions: Some(condition),
    }]
}

fn sorted(mut values: Vec<String>) -> Vec<String> {
    values.sort();
    values.dedup();
    values
}

fn normalise_conditions(conditions: Option<Conditions>) -> Option<Conditions> {
    let conditions: Conditions = conditions?
        .into_iter()
        .map(|(op, keys)| (op, keys.into_iter().map(|(k, v)| (k, sorted(v))).collect()))
        .filter(|(_, keys): &(String, BTreeMap<String, Vec<String>>)| !keys.is_empty())
        .collect();
    (!conditions.is_empty()).then_some(conditions)
}

fn sorted_statements<T: Serialize>(mut statements: Vec<T>) -> Vec<T> {
    // Statement order carries no meaning in IAM; a stable order keeps diffs quiet.
    statements.sort_by_cached_key(|s| serde_json::to_string(s).unwrap_or_default());
    statements.dedup_by(|a, b| serde_json::to_string(a).ok() == serde_json::to_string(b).ok());
    statements
}

pub(crate) fn normalise_statements(statements: Vec<PolicyStatement>) -> Vec<PolicyStatement> {
    sorted_statements(
        statements
            .into_iter()
            .map(|s| PolicyStatement {
                sid: s.sid.filter(|x| !x.is_empty()),
                effect: s.effect,
                actions: sorted(s.actions),
                resources: sorted(s.resources),
                conditions: normalise_conditions(s.conditions),
            })
            .collect(),
    )
}

pub(crate) fn normalise_trust(statements: Vec<TrustStatement>) -> Vec<TrustStatement> {
    let list = |v: Option<Vec<String>>| v.map(sorted).filter(|v| !v.is_empty());
    sorted_statements(
        statements
            .into_iter()
            .map(|s| TrustStatement {
                sid: s.sid.filter(|x| !x.is_empty()),
                effect: s.effect,
                principals: Principals {
                    services: list(s.principals.services),
                    aws: list(s.principals.aws),
                    federated: list(s.principals.federated),
                },
                actions: sorted(s.actions),
                conditions: normalise_conditions(s.conditions),
            })
            .collect(),
    )
}

/// Sorted lists, empty collections as absent: the spelling `check` stores and `read` reports.
pub(crate) fn normalise(mut inputs: RoleInputs) -> RoleInputs {
    inputs.assume_role_policy = inputs.assume_role_policy.map(normalise_trust);
    inputs.managed_policy_arns = inputs
        .managed_policy_arns
        .map(sorted)
        .filter(|v| !v.is_empty());
    inputs.inline_policies = inputs
        .inline_policies
        .map(|p| {
            p.into_iter()
                .map(|(name, statements)| (name, normalise_statements(statements)))
                .collect::<BTreeMap<_, _>>()
        })
        .filter(|p| !p.is_empty());
    if inputs.description.as_deref() == Some("") {
        inputs.description = None;
    }
    inputs
}

fn conditions_json(conditions: &Conditions) -> Json {
    json!(conditions)
}

fn with_common(
    object: &mut Map<String, Json>,
    sid: &Option<String>,
    conditions: &Option<Conditions>,
) {
    if let Some(sid) = sid {
        object.insert("Sid".into(), json!(sid));
    }
    if let Some(c) = conditions {
        object.insert("Condition".into(), conditions_json(c));
    }
}

fn effect_str(effect: Effect) -> &'static str {
    match effect {
        Effect::Allow => "Allow",
        Effect::Deny => "Deny",
    }
}

/// The JSON document of a permissions policy (compact: IAM counts characters).
pub(crate) fn policy_document(statements: &[PolicyStatement]) -> String {
    let statements: Vec<Json> = statements
        .iter()
        .map(|s| {
            let mut o = Map::new();
            o.insert("Effect".into(), json!(effect_str(s.effect)));
            o.insert("Action".into(), json!(s.actions));
            o.insert("Resource".into(), json!(s.resources));
            with_common(&mut o, &s.sid, &s.conditions);
            Json::Object(o)
        })
        .collect();
    json!({"Version": POLICY_VERSION, "Statement": statements}).to_string()
}

/// The JSON document of a trust policy.
pub(crate) fn trust_document(statements: &[TrustStatement]) -> String {
    let statements: Vec<Json> = statements
        .iter()
        .map(|s| {
            let mut principal = Map::new();
            for (key, list) in [
                ("Service", &s.principals.services),
                ("AWS", &s.principals.aws),
                ("Federated", &s.principals.federated),
            ] {
                if let Some(list) = list {
                    principal.insert(key.into(), json!(list));
                }
            }
            let mut o = Map::new();
            o.insert("Effect".into(), json!(effect_str(s.effect)));
            o.insert("Principal".into(), Json::Object(principal));
            o.insert("Action".into(), json!(s.actions));
            with_common(&mut o, &s.sid, &s.conditions);
            Json::Object(o)
        })
        .collect();
    json!({"Version": POLICY_VERSION, "Statement": statements}).to_string()
}

/// A string or a list of strings (IAM writes a single value as a plain string); numbers and
/// booleans (allowed in condition values) as their text.
fn string_list(value: &Json, what: &str) -> Result<Vec<String>> {
    let one = |v: &Json| match v {
        Json::String(s) => Ok(s.clone()),
        Json::Bool(b) => Ok(b.to_string()),
        Json::Number(n) => Ok(n.to_string()),
        other => Err(ProviderError::internal(format!(
            "{what}: expected a string, IAM answered {other}"
        ))),
    };
    match value {
        Json::Array(items) => items.iter().map(one).collect(),
        Json::Null => Ok(Vec::new()),
        v => Ok(vec![one(v)?]),
    }
}

fn parse_conditions(value: Option<&Json>) -> Result<Option<Conditions>> {
    let Some(Json::Object(ops)) = value else {
        return Ok(None);
    };
    let mut conditions = Conditions::new();
    for (op, keys) in ops {
        let Json::Object(keys) = keys else {
            return Err(ProviderError::internal(format!(
                "condition `{op}` is not an object: {keys}"
            )));
        };
        let mut entry = BTreeMap::new();
        for (key, values) in keys {
            entry.insert(
                key.clone(),
                string_list(values, &format!("condition {op}.{key}"))?,
            );
        }
        conditions.insert(op.clone(), entry);
    }
    Ok(Some(conditions))
}

/// The statements of a policy document (a single statement object or a list).
fn statements_of(document: &str) -> Result<Vec<Map<String, Json>>> {
    let doc: Json = serde_json::from_str(document).map_err(|e| {
        ProviderError::internal(format!(
            "IAM answered a policy that is not JSON ({e}): {document}"
        ))
    })?;
    let items = match doc.get("Statement") {
        Some(Json::Array(items)) => items.clone(),
        Some(one @ Json::Object(_)) => vec![one.clone()],
        _ => Vec::new(),
    };
    items
        .into_iter()
        .map(|s| match s {
            Json::Object(o) => {
                for unsupported in ["NotAction", "NotResource", "NotPrincipal"] {
                    if o.contains_key(unsupported) {
                        return Err(ProviderError::internal(format!(
                            "the policy uses `{unsupported}`, which fargate:iam:Role does not model; manage this role's policy outside Pulumi or rewrite it with Action/Resource/Principal: {document}"
                        )));
                    }
                }
                Ok(o)
            }
            other => Err(ProviderError::internal(format!(
                "policy statement is not an object: {other}"
            ))),
        })
        .collect()
}

fn parse_effect(o: &Map<String, Json>) -> Effect {
    match o.get("Effect").and_then(Json::as_str) {
        Some("Deny") => Effect::Deny,
        _ => Effect::Allow,
    }
}

fn sid_of(o: &Map<String, Json>) -> Option<String> {
    o.get("Sid").and_then(Json::as_str).map(str::to_string)
}

pub(crate) fn parse_policy(document: &str) -> Result<Vec<PolicyStatement>> {
    let statements = statements_of(document)?
        .iter()
        .map(|o| {
            Ok(PolicyStatement {
                sid: sid_of(o),
                effect: parse_effect(o),
                actions: string_list(o.get("Action").unwrap_or(&Json::Null), "Action")?,
                resources: string_list(o.get("Resource").unwrap_or(&Json::Null), "Resource")?,
                conditions: parse_conditions(o.get("Condition"))?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(normalise_statements(statements))
}

pub(crate) fn parse_trust(document: &str) -> Result<Vec<TrustStatement>> {
    let statements = statements_of(document)?
        .iter()
        .map(|o| {
            let mut principals = Principals::default();
            match o.get("Principal") {
                // `"Principal": "*"` is the same as `{"AWS": "*"}`.
                Some(Json::String(s)) => principals.aws = Some(vec![s.clone()]),
                Some(Json::Object(p)) => {
                    let list = |key: &str| -> Result<Option<Vec<String>>> {
                        p.get(key)
                            .map(|v| string_list(v, &format!("Principal.{key}")))
                            .transpose()
                    };
                    principals.services = list("Service")?;
                    principals.aws = list("AWS")?;
                    principals.federated = list("Federated")?;
                }
                _ => {}
            }
            Ok(TrustStatement {
                sid: sid_of(o),
                effect: parse_effect(o),
                principals,
                actions: string_list(o.get("Action").unwrap_or(&Json::Null), "Action")?,
                conditions: parse_conditions(o.get("Condition"))?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(normalise_trust(statements))
}

/// The inputs a role in AWS corresponds to, in the program's spelling where AWS reports a
/// default (path `/`, one-hour sessions, the default trust policy), and the trust document.
pub(crate) fn inputs_from_aws(
    role: &aws_sdk_iam::types::Role,
    managed: Vec<String>,
    inline: &BTreeMap<String, String>,
    old: &RoleInputs,
    tags_all: &BTreeMap<String, String>,
    default_tags: &BTreeMap<String, String>,
) -> Result<(RoleInputs, String)> {
    let trust_text =
        iam_api::decode_policy_document(role.assume_role_policy_document().unwrap_or("{}"));
    let trust = parse_trust(&trust_text)?;
    let is_default = iam_api::account_of_arn(role.arn())
        .is_some_and(|account| normalise_trust(default_trust(account)) == trust);
    let assume_role_policy = match (&old.assume_role_policy, is_default) {
        (None, true) => None,
        _ => Some(trust.clone()),
    };
    let path = match (role.path(), &old.path) {
        ("/", None) | ("", _) => None,
        (p, _) => Some(p.to_string()),
    };
    let max_session_duration = match (role.max_session_duration(), old.max_session_duration) {
        (Some(s), None) if s as u32 == DEFAULT_MAX_SESSION => None,
        (s, _) => s.map(|s| s as u32),
    };
    let mut inline_policies = BTreeMap::new();
    for (name, document) in inline {
        inline_policies.insert(name.clone(), parse_policy(document)?);
    }
    let inputs = normalise(RoleInputs {
        name: Some(role.role_name().to_string()),
        path,
        description: role.description().map(str::to_string),
        assume_role_policy,
        managed_policy_arns: Some(managed),
        inline_policies: Some(inline_policies),
        max_session_duration,
        tags: crate::tags::own_tags(tags_all, old.tags.as_ref(), default_tags),
    });
    Ok((inputs, trust_document(&trust)))
}
