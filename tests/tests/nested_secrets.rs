//! A secret inside a structured value hides only itself: a `cluster` example whose tags come
//! from a config map with one `secure:` entry (`pulumi config set --secret --path
//! tags.owner …`). The SDK puts the secret marker on that tag alone, so the preview shows the
//! other tags and their changes in plain text, the state encrypts that one tag only, and the
//! secret's plaintext appears nowhere Pulumi writes.

use fargate_e2e::{EcsProbe, Moto, PulumiProject, cluster_tags, exported_resources};

const SECRET: &str = "nested-canary-5b2e81";

fn set_secret_path(project: &mut PulumiProject, path: &str, value: &str) {
    let stack = project.stack().to_string();
    project.run_ok(&[
        "config", "set", "--secret", "--path", "--stack", &stack, "--", path, value,
    ]);
}

#[test]
fn a_secret_tag_hides_only_itself() {
    let moto = Moto::start();
    let mut project = PulumiProject::new("nested-secrets", "cluster", &moto.url());
    project.stack_init("dev");
    project.config_set_path("tags.team", "platform");
    set_secret_path(&mut project, "tags.owner", SECRET);
    let stack = project.stack().to_string();

    // The create preview lists the plain tag and hides the secret one.
    let preview = project.run_ok(&["preview", "--diff", "--stack", &stack]);
    assert!(
        preview.stdout.contains(r#"team : "platform""#)
            && preview.stdout.contains("owner: [secret]"),
        "the plain tag should show, the secret one as [secret]:\n{preview}"
    );

    project.up();
    let export = project.stack_export();
    let cluster = exported_resources(&export, "fargate:ecs:Cluster")[0];
    for side in ["inputs", "outputs"] {
        let tags = &cluster[side]["tags"];
        assert_eq!(tags["team"], "platform", "{side}: {tags}");
        assert!(
            tags["owner"].to_string().contains("ciphertext"),
            "{side}: the secret tag alone is encrypted: {tags}"
        );
    }
    // The value reached AWS (a tag is what the program asked for), so the searches below
    // are meaningful.
    let arn = cluster["outputs"]["arn"].as_str().unwrap();
    let live = EcsProbe::new(&moto.url())
        .describe_cluster(arn)
        .expect("the cluster in moto");
    assert_eq!(
        cluster_tags(&live).get("owner").map(String::as_str),
        Some(SECRET)
    );

    // A change of the plain tag shows old and new in plain text; the secret is untouched.
    project.config_set_path("tags.team", "web");
    let preview = project.run_ok(&["preview", "--diff", "--stack", &stack]);
    assert!(
        preview.stdout.contains(r#"~ team: "platform" => "web""#)
            && !preview.stdout.contains("owner"),
        "the plain change should show old and new:\n{preview}"
    );
    project.up();
    project.preview_expect_no_changes();

    let export = project.stack_export().to_string();
    let mut places = vec![
        ("stack export".to_string(), export),
        ("pulumi runs".to_string(), project.all_run_output()),
    ];
    for dir in [project.backend_dir(), project.home()] {
        places.extend(files_text(dir));
    }
    let hits: Vec<String> = places
        .iter()
        .flat_map(|(place, text)| {
            text.lines()
                .filter(|l| l.contains(SECRET))
                .map(move |l| format!("{place}: {}", l.chars().take(300).collect::<String>()))
        })
        .collect();
    assert!(hits.is_empty(), "plaintext secret in:\n{}", hits.join("\n"));
    project.destroy();
}

fn files_text(dir: &std::path::Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_text(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((
                path.display().to_string(),
                String::from_utf8_lossy(&bytes).into_owned(),
            ));
        }
    }
    out
}
