//! ECS Exec (`aws ecs execute-command`): the task role's permissions it needs. The ECS agent in
//! the task opens the session's channels to Systems Manager with the task role; without these
//! the command fails with "TargetNotConnectedException" although the service says exec is on.

use pulumi_rs::fargate::iam::PolicyStatement;

/// The name of the task role's inline policy for ECS Exec.
pub const EXEC_POLICY: &str = "ecs-exec";

/// The task role's statement for ECS Exec (AWS, "Using Amazon ECS Exec": IAM permissions
/// required). The actions have no resource-level permissions, hence `*`.
pub fn exec_statements() -> Vec<PolicyStatement> {
    vec![PolicyStatement {
        actions: [
            "ssmmessages:CreateControlChannel",
            "ssmmessages:CreateDataChannel",
            "ssmmessages:OpenControlChannel",
            "ssmmessages:OpenDataChannel",
        ]
        .map(String::from)
        .to_vec(),
        resources: vec!["*".to_string()],
        ..Default::default()
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_four_ssmmessages_actions_on_any_resource() {
        let s = exec_statements();
        assert_eq!(s.len(), 1);
        assert_eq!(
            s[0].actions,
            [
                "ssmmessages:CreateControlChannel",
                "ssmmessages:CreateDataChannel",
                "ssmmessages:OpenControlChannel",
                "ssmmessages:OpenDataChannel",
            ]
        );
        assert_eq!(s[0].resources, ["*"]);
    }
}
