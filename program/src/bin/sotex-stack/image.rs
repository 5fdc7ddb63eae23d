//! The API image's ECR repository. Exactly one stack owns it (`ownsImageRepository: true`):
//! that stack creates it, protects it from deletion (a `destroy` of the stack fails rather than
//! lose the images) and exports its URL; every other stack names it by URL in
//! `imageRepository`.

use std::collections::BTreeMap;

use pulumi_rs::fargate::ecr::{Repository, RepositoryArgs};
use pulumi_rs::{Context, Output, ResourceOptions};

use crate::settings::{ImageSource, Settings};

/// The repository's URL (`<registry>/<name>`), and the repository when this stack owns it.
pub struct Image {
    pub repository_url: Output<String>,
    pub repository: Option<Repository>,
}

pub fn image(ctx: &Context, s: &Settings, tags: &Output<BTreeMap<String, String>>) -> Image {
    match &s.image_source {
        ImageSource::Url(url) => Image {
            repository_url: Output::new(url.clone()),
            repository: None,
        },
        ImageSource::Owned { name } => {
            let repository = Repository::new(
                ctx,
                "api",
                RepositoryArgs {
                    name: Some(Output::new(name.clone())),
                    scan_on_push: Some(Output::new(true)),
                    tags: Some(tags.clone()),
                    ..Default::default()
                },
                ResourceOptions {
                    // The images of every stack live here.
                    protect: true,
                    ..Default::default()
                },
            );
            Image {
                repository_url: repository.repository_url.clone(),
                repository: Some(repository),
            }
        }
    }
}
