//! The API image's ECR repository. Exactly one stack owns it (`ownsImageRepository: true`):
//! that stack creates it, protects it from deletion (a `destroy` of the stack fails rather than
//! lose the images) and exports its URL; every other stack names it by URL in
//! `imageRepository`, or reads that URL from the owning stack's outputs with a stack reference
//! (`imageRepositoryStack`), so nobody copies it by hand.

use std::collections::BTreeMap;

use pulumi_rs::fargate::ecr::{Repository, RepositoryArgs};
use pulumi_rs::{Context, Error, Output, ResourceOptions, StackReference};

use crate::settings::{ImageSource, Settings};

/// The repository's URL (`<registry>/<name>`), and the repository when this stack owns it.
pub struct Image {
    pub repository_url: Output<String>,
    pub repository: Option<Repository>,
}

/// The output of the owning stack that holds the repository's URL.
pub const REPOSITORY_URL_OUTPUT: &str = "imageRepositoryUrl";

pub fn image(
    ctx: &Context,
    s: &Settings,
    tags: &Output<BTreeMap<String, String>>,
) -> Result<Image, Error> {
    Ok(match &s.image_source {
        ImageSource::Url(url) => Image {
            repository_url: Output::new(url.clone()),
            repository: None,
        },
        ImageSource::Stack(owner) => Image {
            // A missing output fails the preview, naming the stack and the output.
            repository_url: StackReference::new(ctx, owner)?
                .require_output::<String>(REPOSITORY_URL_OUTPUT),
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
    })
}
