//! Conversion between AWS shapes and our inputs/outputs, and the request builders.

use super::*;

impl ContainerInsights {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Enabled => "enabled",
            Self::Enhanced => "enhanced",
            Self::Disabled => "disabled",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "enabled" => Some(Self::Enabled),
            "enhanced" => Some(Self::Enhanced),
            "disabled" => Some(Self::Disabled),
            _ => None,
        }
    }
}

impl Cluster {
    pub(crate) fn name_of(inputs: &ClusterInputs) -> Result<&str> {
        inputs
            .name
            .as_deref()
            .ok_or_else(|| ProviderError::internal("cluster name missing after check"))
    }

    pub(crate) fn outputs_from(
        cluster: &aws_sdk_ecs::types::Cluster,
        inputs: ClusterInputs,
    ) -> ClusterOutputs {
        ClusterOutputs {
            inputs,
            arn: cluster.cluster_arn().unwrap_or_default().to_string(),
            tags_all: ecs_api::from_ecs_tags(cluster.tags()),
        }
    }
}
