//! The service's CloudWatch Logs group, declared by the stack (not left to the awslogs driver)
//! so its retention is set and it goes with the stack.

use std::collections::BTreeMap;

use pulumi_rs::fargate::logs::{LogGroup, LogGroupArgs};
use pulumi_rs::{Context, Output};

use super::Children;

pub(super) fn log_group(
    ctx: &Context,
    name: &str,
    children: &Children<'_>,
    group_name: &str,
    retention_in_days: i64,
    tags: &Output<BTreeMap<String, String>>,
) -> LogGroup {
    LogGroup::new(
        ctx,
        name,
        LogGroupArgs {
            name: Some(Output::new(group_name.to_string())),
            retention_in_days: Some(Output::new(retention_in_days)),
            tags: Some(tags.clone()),
            ..Default::default()
        },
        children.options(),
    )
}
