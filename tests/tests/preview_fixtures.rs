//! Real `pulumi preview --json` documents for the PR comment renderer (`delivery/`), captured
//! through the real CLI against moto: per example program a create preview, then after `up`
//! one preview per change (each change is deployed before the next, so it is previewed against
//! a real state), ending where possible with a preview that deletes resources.
//!
//! `UPDATE_FIXTURES=1` writes the stabilised documents to `delivery/tests/fixtures/<name>.json`.
//! Otherwise the freshly captured documents, stabilised the same way, must render to the
//! committed `delivery/tests/golden/<name>.md` byte for byte: a CLI, provider or renderer change
//! that alters the comment shows up here, not first in a pull request.
//!
//! Stability: [`sotex_delivery::fixtures::stabilize`] replaces what differs between runs
//! (auto-name suffixes, moto's random resource ids, durations) with placeholders numbered in
//! order of appearance, so the same steps give the same bytes. The renderer itself sorts
//! everything it shows.
//!
//! Adding a program is one line in the `fixture_tests!` table at the bottom (plus, if it needs
//! them, its config and changes as a `Program`).

use std::path::{Path, PathBuf};

use fargate_e2e::tools::{example_bin, workspace_root};
use fargate_e2e::{Moto, PulumiProject, default_network};
use sotex_delivery::fixtures::stabilize;
use sotex_delivery::render::{StackPreview, render_comment};

/// The stack every capture runs on; the comment names it.
const STACK: &str = "staging";

/// One step after the first `up`.
enum Change {
    /// `pulumi config set --path` these values: fixture `<program>-<name>`; then `up`.
    Config(&'static str, &'static [(&'static str, &'static str)]),
    /// `pulumi config set --secret --path` these values: fixture `<program>-<name>`; then `up`.
    Secret(&'static str, &'static [(&'static str, &'static str)]),
    /// Point the project at another example program, so whatever it does not declare is
    /// deleted: fixture `<program>-<name>`; preview only (it comes last).
    Program(&'static str, &'static str),
}

/// Where a program comes from.
enum Source {
    /// `target/debug/examples/<name>` in a fresh project.
    Example(&'static str),
    /// A project made by the harness (e.g. the real stack program with the repository's stack
    /// files), given the AWS endpoint, with stack [`STACK`] created and selected.
    Project(fn(&str) -> PulumiProject),
}

/// How one program is captured.
struct Program {
    /// The fixtures' name prefix.
    name: &'static str,
    source: Source,
    /// Extra moto settings (a service needs running tasks to become steady).
    moto_env: &'static [(&'static str, &'static str)],
    /// Stack configuration before the first preview (`--path` keys), given the moto server.
    config: fn(&Moto) -> Vec<(String, String)>,
    changes: &'static [Change],
}

fn no_config(_: &Moto) -> Vec<(String, String)> {
    Vec::new()
}

/// The `service` example's required config: an image, two default subnets, the default group.
fn service_config(moto: &Moto) -> Vec<(String, String)> {
    let network = default_network(moto.addr());
    let mut config = vec![("image".to_string(), "nginx:1.27".to_string())];
    for (i, subnet) in network.subnet_ids.iter().take(2).enumerate() {
        config.push((format!("subnets[{i}]"), subnet.clone()));
    }
    config.push((
        "securityGroups[0]".to_string(),
        network.security_group_ids[0].clone(),
    ));
    config
}

const CLUSTER: Program = Program {
    name: "cluster",
    source: Source::Example("cluster"),
    moto_env: &[],
    config: no_config,
    changes: &[
        Change::Config(
            "tags",
            &[("tags.team", "platform"), ("containerInsights", "enabled")],
        ),
        // A new name replaces the cluster.
        Change::Config("rename", &[("clusterName", "sotex-renamed")]),
    ],
};

const SERVICE: Program = Program {
    name: "service",
    source: Source::Example("service"),
    moto_env: &[("MOTO_ECS_SERVICE_RUNNING", "1")],
    config: service_config,
    changes: &[
        // A new task definition revision and a rollout of the service.
        Change::Config("image", &[("image", "nginx:1.28")]),
        // The service only: no new revision.
        Change::Config("desired-count", &[("desiredCount", "2")]),
        // The `cluster` example declares the same cluster and nothing else.
        Change::Program("delete", "cluster"),
    ],
};

/// The real stack program with the repository's `Pulumi.staging.yaml` (its secret
/// `SENTRY_DSN` included), pointed at moto's region like `tests/tests/stack.rs` does.
const SOTEX_STACK: Program = Program {
    name: "sotex-stack",
    source: Source::Project(|aws| {
        let mut project = PulumiProject::sotex_stack(STACK, aws);
        project.config_set("fargate:region", "us-east-1");
        project
    }),
    moto_env: &[("MOTO_ECS_SERVICE_RUNNING", "1")],
    config: no_config,
    changes: &[
        // What a backend rollout changes: the image tag only.
        Change::Config("image", &[("imageTag", "2026.11.28-4d5e6f7")]),
        // A pull request changing the image, the task size and the health check: all in
        // plain text, though the container has a secret variable.
        Change::Config(
            "pr",
            &[
                ("imageTag", "2026.11.29-9a8b7c6"),
                ("cpu", "512"),
                ("memory", "1024"),
                ("healthCheckPath", "/ready"),
            ],
        ),
        // Only the secret's value: its SSM parameter in place and a new deployment of the
        // service, the secret shown as `[secret]`.
        Change::Secret(
            "secret",
            &[(
                "environment.SENTRY_DSN",
                "https://0c7d15be9a2f4e61@o482113.ingest.sentry.io/5512347",
            )],
        ),
        Change::Config("desired-count", &[("desiredCount", "2")]),
        // A new container port: the target group is replaced, listener and rules follow.
        Change::Config("port", &[("containerPort", "8081")]),
    ],
};

fn fixtures_dir() -> PathBuf {
    workspace_root().join("delivery/tests/fixtures")
}

fn golden_dir() -> PathBuf {
    workspace_root().join("delivery/tests/golden")
}

/// `pulumi preview --json` on the project's stack, its stdout stabilised.
fn preview_json(project: &mut PulumiProject) -> String {
    let out = project.run_ok(&["preview", "--json", "--stack", STACK]);
    stabilize(&out.stdout).unwrap_or_else(|e| panic!("{e}\n{out}"))
}

/// Replaces the program binary in the project's `Pulumi.yaml`.
fn switch_program(project: &PulumiProject, from: &str, to: &str) {
    let q = |p: &Path| serde_json::to_string(&p.to_string_lossy()).unwrap();
    let file = project.dir().join("Pulumi.yaml");
    let yaml = std::fs::read_to_string(&file).expect("read Pulumi.yaml");
    let (old, new) = (q(&example_bin(from)), q(&example_bin(to)));
    assert!(yaml.contains(&old), "{old} not in {yaml}");
    std::fs::write(&file, yaml.replace(&old, &new)).expect("write Pulumi.yaml");
}

/// Captures every preview of `program`, then writes or checks each one.
fn capture(program: &Program) {
    let moto = Moto::start_with_env(program.moto_env);
    let mut project = match program.source {
        Source::Example(example) => {
            let mut p =
                PulumiProject::new(&format!("fixtures-{}", program.name), example, &moto.url());
            p.stack_init(STACK);
            p
        }
        Source::Project(open) => open(&moto.url()),
    };
    for (key, value) in (program.config)(&moto) {
        project.config_set_path(&key, &value);
    }
    let mut captured = vec![(
        format!("{}-create", program.name),
        preview_json(&mut project),
    )];
    project.up();
    for change in program.changes {
        match change {
            Change::Config(name, values) | Change::Secret(name, values) => {
                for (key, value) in *values {
                    if matches!(change, Change::Secret(..)) {
                        project.config_set_secret_path(key, value);
                    } else {
                        project.config_set_path(key, value);
                    }
                }
                captured.push((
                    format!("{}-{name}", program.name),
                    preview_json(&mut project),
                ));
                project.up();
            }
            Change::Program(name, other) => {
                let Source::Example(example) = program.source else {
                    panic!("{}: only an example program can be switched", program.name);
                };
                switch_program(&project, example, other);
                captured.push((
                    format!("{}-{name}", program.name),
                    preview_json(&mut project),
                ));
            }
        }
    }
    for (name, json) in captured {
        check_or_update(&name, &json);
    }
}

fn check_or_update(name: &str, json: &str) {
    let fixture = fixtures_dir().join(format!("{name}.json"));
    if std::env::var_os("UPDATE_FIXTURES").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(fixtures_dir()).expect("create fixtures dir");
        std::fs::write(&fixture, json).expect("write fixture");
        println!("wrote {}", fixture.display());
        return;
    }
    let preview = StackPreview::parse(None, json).unwrap_or_else(|e| panic!("{name}: {e}"));
    let rendered = render_comment(&[preview]);
    let golden_path = golden_dir().join(format!("{name}.md"));
    let golden = std::fs::read_to_string(&golden_path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with UPDATE_FIXTURES=1, then UPDATE_GOLDEN=1 cargo test -p sotex-delivery --test golden",
            golden_path.display()
        )
    });
    assert!(
        rendered == golden,
        "the fresh preview of {name} renders differently from {} \
         (UPDATE_FIXTURES=1 recaptures the fixtures, then UPDATE_GOLDEN=1 re-renders the goldens)\n\
         --- fresh ---\n{rendered}\n--- golden ---\n{golden}\n--- fresh JSON ---\n{json}",
        golden_path.display()
    );
}

/// One `#[test]` per program, so they run in parallel, each with its own moto.
macro_rules! fixture_tests {
    ($($test:ident => $program:expr,)*) => {
        $(
            #[test]
            fn $test() {
                capture(&$program);
            }
        )*
    };
}

fixture_tests! {
    cluster_previews => CLUSTER,
    service_previews => SERVICE,
    sotex_stack_previews => SOTEX_STACK,
}
