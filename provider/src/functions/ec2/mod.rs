//! `fargate:ec2:*` functions.

pub mod get_network;
