//! What to do about AWS errors whose own text does not say: rules real AWS enforces and the
//! emulator does not (docs/AWS-RULES.md lists each with its test). [`crate::error::ProviderError::from_aws`]
//! appends the hint for `(operation, code, message)` to the error the engineer sees; the engine
//! prefixes it with the resource's URN, so the hint names the property and the fix.

struct Hint {
    operations: &'static [&'static str],
    code: &'static str,
    /// Every one of these appears in AWS's message (lower-cased).
    message_contains: &'static [&'static str],
    hint: &'static str,
}

const HINTS: &[Hint] = &[
    Hint {
        operations: &["ecs:CreateService", "ecs:UpdateService"],
        code: "InvalidParameterException",
        message_contains: &["capacity provider", "not associated"],
        hint: "the service's `capacityProviderStrategy` names a capacity provider its cluster does not have: add it to the cluster's `capacityProviders` (fargate:ecs:Cluster, e.g. [\"FARGATE\", \"FARGATE_SPOT\"]) or remove it from the service's strategy",
    },
    Hint {
        operations: &["ecs:CreateService", "ecs:UpdateService"],
        code: "InvalidParameterException",
        message_contains: &["does not have an associated load balancer"],
        hint: "the service's `loadBalancers[].targetGroupArn` is not attached to a load balancer yet: a listener (fargate:lb:Listener) must forward to the target group before a service can use it — pass the listener as `dependsOn` of the service so it is created first",
    },
    Hint {
        operations: &[
            "ecs:CreateCluster",
            "ecs:CreateService",
            "ecs:UpdateService",
            "ecs:PutClusterCapacityProviders",
        ],
        code: "InvalidParameterException",
        message_contains: &["service linked role"],
        hint: "this account has no ECS service-linked role (AWSServiceRoleForECS) yet, as on a fresh account: create it once with `aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com` (or give the deploying identity iam:CreateServiceLinkedRole), then run `pulumi up` again",
    },
    Hint {
        operations: &["elasticloadbalancing:CreateLoadBalancer"],
        code: "AccessDenied",
        message_contains: &["createservicelinkedrole"],
        hint: "the first load balancer of an account creates the AWSServiceRoleForElasticLoadBalancing role: give the deploying identity iam:CreateServiceLinkedRole (docs/iam/provider-policy.json has it) or create the role once with `aws iam create-service-linked-role --aws-service-name elasticloadbalancing.amazonaws.com`",
    },
    Hint {
        operations: &[
            "elasticloadbalancing:CreateListener",
            "elasticloadbalancing:ModifyListener",
        ],
        code: "CertificateNotFound",
        message_contains: &[],
        hint: "the listener's `certificateArn` was not found: an ACM certificate must be ISSUED and in the same account and region as the load balancer (a certificate for CloudFront in us-east-1 does not serve an ALB elsewhere) — request or import it in this region and use that ARN",
    },
    Hint {
        operations: &["ecs:PutClusterCapacityProviders"],
        code: "ResourceInUseException",
        message_contains: &[],
        hint: "a capacity provider removed from the cluster's `capacityProviders` is still used by a service's `capacityProviderStrategy`: move the service off it first (one `up`), then remove it from the cluster",
    },
    Hint {
        operations: &[
            "ec2:AuthorizeSecurityGroupIngress",
            "ec2:AuthorizeSecurityGroupEgress",
        ],
        code: "RulesPerSecurityGroupLimitExceeded",
        message_contains: &[],
        hint: "the security group reached its rules quota (60 inbound and 60 outbound per group by default; a rule with several CIDRs counts each): merge CIDRs into wider ranges, reference a security group or prefix list instead, or raise the 'Inbound or outbound rules per security group' quota",
    },
];

/// The fix for this AWS error, if it is one we know.
pub fn hint(operation: &str, code: Option<&str>, message: Option<&str>) -> Option<&'static str> {
    let code = code?;
    let message = message.unwrap_or_default().to_lowercase();
    HINTS
        .iter()
        .find(|h| {
            h.code == code
                && h.operations.contains(&operation)
                && h.message_contains.iter().all(|m| message.contains(m))
        })
        .map(|h| h.hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_operation_code_and_message() {
        assert!(
            hint(
                "ecs:CreateService",
                Some("InvalidParameterException"),
                Some("The target group with targetGroupArn arn:x does not have an associated load balancer.")
            )
            .unwrap()
            .contains("dependsOn")
        );
        // Same code, other message: no guess.
        assert_eq!(
            hint(
                "ecs:CreateService",
                Some("InvalidParameterException"),
                Some("something else")
            ),
            None
        );
        assert_eq!(hint("ecs:CreateService", None, None), None);
    }
}
