//! The service's IAM roles, made by the stack so a fresh account needs nothing made by hand:
//! the execution role (ECS pulls the image, reads the `secrets` and writes the logs with it)
//! and the task role (what the service's own code may do in AWS: nothing, unless the stack
//! file attaches managed policies). `executionRoleArn` / `taskRoleArn` in the stack file name
//! existing roles instead; then the stack makes none. Each service has its own pair.

use std::collections::{BTreeMap, BTreeSet};

use pulumi_rs::fargate::iam::{PolicyStatement, Role, RoleArgs};
use pulumi_rs::{Context, Output};

use super::{Children, Shared};

/// AWS's managed policy for task execution: image pulls from ECR and the awslogs driver's
/// writes (`logs:CreateLogStream`, `logs:PutLogEvents`).
pub const EXECUTION_POLICY_ARN: &str =
    "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";

/// The name of the execution role's inline policy that reads the secrets.
pub const SECRETS_POLICY: &str = "read-secrets";

/// The roles' ARNs for the task definition.
pub struct Roles {
    pub execution_role_arn: Output<String>,
    pub task_role_arn: Output<String>,
}

pub(super) fn roles(
    ctx: &Context,
    children: &Children<'_>,
    shared: &Shared<'_>,
    label: &str,
) -> Roles {
    let s = shared.settings;
    let execution_role_arn = match &s.execution_role_arn {
        Some(arn) => Output::new(arn.clone()),
        None => execution_role(ctx, children, shared, label).arn,
    };
    let task_role_arn = match &s.task_role_arn {
        Some(arn) => Output::new(arn.clone()),
        None => task_role(ctx, children, shared, label).arn,
    };
    Roles {
        execution_role_arn,
        task_role_arn,
    }
}

fn execution_role(
    ctx: &Context,
    children: &Children<'_>,
    shared: &Shared<'_>,
    label: &str,
) -> Role {
    let (s, secrets) = (shared.settings, shared.secrets);
    // The configured references and the stack's own parameters (their ARNs are known once
    // they exist): exactly what the containers' `secrets` name.
    let configured: Vec<String> = s.secrets.values().cloned().collect();
    let kms_key = s.secrets_kms_key_arn.clone();
    let any_secret = !configured.is_empty() || secrets.has_parameters();
    let policies = secrets.parameter_arns().map(move |parameters| {
        let arns: Vec<String> = configured.iter().cloned().chain(parameters).collect();
        let statements = secret_read_statements(&arns, kms_key.as_deref());
        BTreeMap::from([(SECRETS_POLICY.to_string(), statements)])
    });
    Role::new(
        ctx,
        &children.component.child_name("execution"),
        RoleArgs {
            description: Some(Output::new(format!(
                "ECS pulls the {label} image, reads its secrets and writes its logs with this role"
            ))),
            managed_policy_arns: Some(Output::new(vec![EXECUTION_POLICY_ARN.to_string()])),
            inline_policies: any_secret.then_some(policies),
            tags: Some(shared.tags.clone()),
            ..Default::default()
        },
        children.options(),
    )
}

fn task_role(ctx: &Context, children: &Children<'_>, shared: &Shared<'_>, label: &str) -> Role {
    let s = shared.settings;
    Role::new(
        ctx,
        &children.component.child_name("task"),
        RoleArgs {
            description: Some(Output::new(format!(
                "The {label}'s own AWS permissions (its tasks run as this role)"
            ))),
            managed_policy_arns: (!s.task_role_policy_arns.is_empty())
                .then(|| Output::new(s.task_role_policy_arns.clone())),
            // ECS Exec opens its channels with the task role.
            inline_policies: s.aws.enable_execute_command.then(|| {
                Output::new(BTreeMap::from([(
                    crate::exec::EXEC_POLICY.to_string(),
                    crate::exec::exec_statements(),
                )]))
            }),
            tags: Some(shared.tags.clone()),
            ..Default::default()
        },
        children.options(),
    )
}

/// What the execution role needs to hand the containers their `secrets`, and nothing else:
/// `secretsmanager:GetSecretValue` on the Secrets Manager secrets, `ssm:GetParameters` on the
/// SSM parameters, and `kms:Decrypt` on the customer managed key when one is configured
/// (AWS managed keys need no grant). One statement per service, ARNs sorted and deduplicated.
pub fn secret_read_statements(arns: &[String], kms_key_arn: Option<&str>) -> Vec<PolicyStatement> {
    let mut secrets = BTreeSet::new();
    let mut parameters = BTreeSet::new();
    for arn in arns {
        match arn.split(':').nth(2) {
            Some("secretsmanager") => secrets.insert(secret_arn(arn)),
            _ => parameters.insert(arn.clone()),
        };
    }
    let statement = |action: &str, resources: Vec<String>| PolicyStatement {
        actions: vec![action.to_string()],
        resources,
        ..Default::default()
    };
    let mut statements = Vec::new();
    if !secrets.is_empty() {
        statements.push(statement(
            "secretsmanager:GetSecretValue",
            secrets.into_iter().collect(),
        ));
    }
    if !parameters.is_empty() {
        statements.push(statement(
            "ssm:GetParameters",
            parameters.into_iter().collect(),
        ));
    }
    if let Some(key) = kms_key_arn {
        statements.push(statement("kms:Decrypt", vec![key.to_string()]));
    }
    statements
}

/// The secret's own ARN: ECS's `valueFrom` may add `:json-key:version-stage:version-id` after
/// it, which IAM does not know as a resource. Secret names hold no `:`, so the ARN is the first
/// seven fields.
fn secret_arn(value_from: &str) -> String {
    value_from.split(':').take(7).collect::<Vec<_>>().join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_the_configured_secrets() {
        let arns = [
            "arn:aws:secretsmanager:eu-central-1:123456789012:secret:sotex/db-AbCdEf".to_string(),
            "arn:aws:secretsmanager:eu-central-1:123456789012:secret:sotex/db-AbCdEf:password::"
                .to_string(),
            "arn:aws:ssm:eu-central-1:123456789012:parameter/sotex/smtp".to_string(),
        ];
        let statements = secret_read_statements(&arns, None);
        let shown: Vec<(Vec<String>, Vec<String>)> = statements
            .iter()
            .map(|s| (s.actions.clone(), s.resources.clone()))
            .collect();
        assert_eq!(
            shown,
            [
                (
                    vec!["secretsmanager:GetSecretValue".to_string()],
                    vec![
                        "arn:aws:secretsmanager:eu-central-1:123456789012:secret:sotex/db-AbCdEf"
                            .to_string()
                    ]
                ),
                (
                    vec!["ssm:GetParameters".to_string()],
                    vec!["arn:aws:ssm:eu-central-1:123456789012:parameter/sotex/smtp".to_string()]
                ),
            ]
        );
        let key = "arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let with_key = secret_read_statements(&arns[2..], Some(key));
        assert_eq!(with_key.len(), 2);
        assert_eq!(with_key[1].actions, ["kms:Decrypt"]);
        assert_eq!(with_key[1].resources, [key]);
        assert!(secret_read_statements(&[], None).is_empty());
    }
}
