//! End-to-end test harness: the real `pulumi` CLI, our provider and language host, and a moto
//! server per test, all on loopback.
//!
//! - [`tools`]: where the pinned CLI, moto and our built binaries are.
//! - [`Moto`]: a moto server on a free port, killed on drop.
//! - [`AwsRecorder`]: a recording proxy in front of moto (`ecs:CreateCluster`, ...).
//! - [`PulumiProject`]: a temp project, home and file backend; `pulumi` subcommands.
//! - [`EcsProbe`] / [`ecs_client`]: check the emulator directly with aws-sdk-ecs.
//! - [`default_network`]: the default VPC's subnets and security group, from moto's EC2 API.

pub mod aws;
pub mod ec2;
pub mod faults;
mod http;
pub mod json_api;
pub mod moto;
pub mod preview;
pub mod pulumi;
pub mod recorder;
pub mod rustc;
pub mod shared_state;
pub mod ssm;
pub mod tools;

pub use aws::{EcsProbe, cluster_settings, cluster_tags, ecs_client};
pub use ec2::{DefaultNetwork, default_network, ec2_query, elbv2_query, iam_query, xml_values};
pub use json_api::{ecr_call, logs_call};
pub use moto::Moto;
pub use preview::{Preview, PreviewStep, exported_resources};
pub use pulumi::{CmdOutput, PulumiProject};
pub use recorder::{AwsCall, AwsRecorder, is_mutating};
pub use ssm::ssm_call;
