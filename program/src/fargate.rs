//! Typed arguments and outputs for the fargate provider's resources.

pub mod ecs {
    use std::collections::BTreeMap;

    use crate::output::Output;
    use crate::runtime::{Context, Properties, RegisteredResource, ResourceOptions};

    /// Arguments of `fargate:ecs:Cluster`.
    #[derive(Debug, Clone, Default)]
    pub struct ClusterArgs {
        /// Cluster name; auto-named from the resource name when absent. Changing it replaces.
        pub name: Option<Output<String>>,
        /// Tags, merged over the provider's default tags.
        pub tags: Option<Output<BTreeMap<String, String>>>,
        /// `enabled`, `enhanced` or `disabled`.
        pub container_insights: Option<Output<String>>,
    }

    /// An ECS cluster.
    #[derive(Clone)]
    pub struct Cluster {
        pub resource: RegisteredResource,
        pub name: Output<String>,
        pub arn: Output<String>,
        pub tags_all: Output<BTreeMap<String, String>>,
    }

    impl Cluster {
        pub const TYPE: &'static str = "fargate:ecs:Cluster";

        pub fn new(ctx: &Context, name: &str, args: ClusterArgs, options: ResourceOptions) -> Self {
            let props = Properties::new()
                .set("name", args.name.as_ref())
                .set("tags", args.tags.as_ref())
                .set("containerInsights", args.container_insights.as_ref());
            let resource = ctx.register_resource(Self::TYPE, name, true, props.into_vec(), options);
            Self {
                name: resource.output("name"),
                arn: resource.output("arn"),
                tags_all: resource.output("tagsAll"),
                resource,
            }
        }

        pub fn urn(&self) -> Output<String> {
            self.resource.urn()
        }
    }
}
