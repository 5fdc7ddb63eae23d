//! The API's CloudWatch Logs group, declared by the stack (not left to the awslogs driver) so
//! its retention is set and it goes with the stack.

use std::collections::BTreeMap;

use pulumi_rs::fargate::logs::{LogGroup, LogGroupArgs};
use pulumi_rs::{Context, Output, ResourceOptions};

use crate::settings::Settings;

pub fn log_group(ctx: &Context, s: &Settings, tags: &Output<BTreeMap<String, String>>) -> LogGroup {
    LogGroup::new(
        ctx,
        "api",
        LogGroupArgs {
            name: Some(Output::new(s.log_group.clone())),
            retention_in_days: Some(Output::new(s.log_retention_days)),
            tags: Some(tags.clone()),
            ..Default::default()
        },
        ResourceOptions::default(),
    )
}
