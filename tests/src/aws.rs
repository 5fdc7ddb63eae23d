//! AWS SDK clients for checking the emulator directly: static fake credentials, `us-east-1`,
//! an explicit endpoint, and no credential chain (so no profile files and no instance metadata).

use std::collections::BTreeMap;
use std::future::Future;

use aws_sdk_ecs::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_ecs::types::{Cluster, ClusterField, Service, TaskDefinition, TaskDefinitionStatus};

pub const REGION: &str = "us-east-1";
pub const ACCESS_KEY_ID: &str = "testing";
pub const SECRET_ACCESS_KEY: &str = "testing";

/// An ECS client for `endpoint_url` (moto, or the recorder in front of it).
pub fn ecs_client(endpoint_url: &str) -> aws_sdk_ecs::Client {
    let config = aws_sdk_ecs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new(
            ACCESS_KEY_ID,
            SECRET_ACCESS_KEY,
            None,
            None,
            "fargate-e2e-static",
        ))
        .endpoint_url(endpoint_url)
        .build();
    aws_sdk_ecs::Client::from_conf(config)
}

/// Blocking ECS checks for plain `#[test]`s: owns a small runtime, so do not create or drop it
/// inside an async context.
pub struct EcsProbe {
    rt: tokio::runtime::Runtime,
    client: aws_sdk_ecs::Client,
}

impl EcsProbe {
    pub fn new(endpoint_url: &str) -> EcsProbe {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime for the ECS probe");
        EcsProbe {
            rt,
            client: ecs_client(endpoint_url),
        }
    }

    pub fn client(&self) -> &aws_sdk_ecs::Client {
        &self.client
    }

    pub fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// `DescribeClusters` for one name or ARN, with tags and settings; `None` if moto reports it missing.
    pub fn describe_cluster(&self, name_or_arn: &str) -> Option<Cluster> {
        let out = self
            .block_on(
                self.client
                    .describe_clusters()
                    .clusters(name_or_arn)
                    .include(ClusterField::Tags)
                    .include(ClusterField::Settings)
                    .send(),
            )
            .unwrap_or_else(|e| panic!("DescribeClusters {name_or_arn}: {e:?}"));
        out.clusters.unwrap_or_default().into_iter().next()
    }

    /// Every cluster ARN `ListClusters` returns (moto keeps deleted clusters, as `INACTIVE`).
    pub fn list_cluster_arns(&self) -> Vec<String> {
        let out = self
            .block_on(self.client.list_clusters().send())
            .unwrap_or_else(|e| panic!("ListClusters: {e:?}"));
        out.cluster_arns.unwrap_or_default()
    }

    /// Clusters whose status is `ACTIVE`, described with tags and settings.
    pub fn active_clusters(&self) -> Vec<Cluster> {
        self.list_cluster_arns()
            .iter()
            .filter_map(|arn| self.describe_cluster(arn))
            .filter(|c| c.status() == Some("ACTIVE"))
            .collect()
    }

    /// `DescribeServices` for one service in a cluster; `None` if moto reports it missing.
    /// A deleted service is still described (status `INACTIVE`) while its cluster exists.
    pub fn describe_service(&self, cluster: &str, service: &str) -> Option<Service> {
        let out = self
            .block_on(
                self.client
                    .describe_services()
                    .cluster(cluster)
                    .services(service)
                    .send(),
            )
            .unwrap_or_else(|e| panic!("DescribeServices {service} in {cluster}: {e:?}"));
        out.services.unwrap_or_default().into_iter().next()
    }

    /// `DescribeTaskDefinition` of one revision (ARN or `family:revision`); panics if missing.
    pub fn describe_task_definition(&self, arn: &str) -> TaskDefinition {
        let out = self
            .block_on(
                self.client
                    .describe_task_definition()
                    .task_definition(arn)
                    .send(),
            )
            .unwrap_or_else(|e| panic!("DescribeTaskDefinition {arn}: {e:?}"));
        out.task_definition
            .unwrap_or_else(|| panic!("DescribeTaskDefinition {arn}: no task definition"))
    }

    /// ARNs of the task definition revisions with `status` (moto keeps deregistered ones as
    /// `INACTIVE`), sorted.
    pub fn task_definition_arns(&self, status: TaskDefinitionStatus) -> Vec<String> {
        let out = self
            .block_on(self.client.list_task_definitions().status(status).send())
            .unwrap_or_else(|e| panic!("ListTaskDefinitions: {e:?}"));
        let mut arns = out.task_definition_arns.unwrap_or_default();
        arns.sort();
        arns
    }

    /// Deletes a cluster behind Pulumi's back.
    pub fn delete_cluster(&self, name_or_arn: &str) {
        self.block_on(self.client.delete_cluster().cluster(name_or_arn).send())
            .unwrap_or_else(|e| panic!("DeleteCluster {name_or_arn}: {e:?}"));
    }
}

/// A cluster's tags as a map.
pub fn cluster_tags(cluster: &Cluster) -> BTreeMap<String, String> {
    cluster
        .tags()
        .iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// A cluster's settings (`containerInsights` -> `enabled`) as a map.
pub fn cluster_settings(cluster: &Cluster) -> BTreeMap<String, String> {
    cluster
        .settings()
        .iter()
        .map(|s| {
            (
                s.name().map(|n| n.as_str().to_string()).unwrap_or_default(),
                s.value().unwrap_or_default().to_string(),
            )
        })
        .collect()
}
