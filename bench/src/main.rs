//! The benchmark behind `BENCHMARKS.md`: footprint and start-up of the release provider, AWS
//! calls per operation (counted by the recording proxy in front of moto), wall and CPU time per
//! `pulumi` operation of the full stack split by process (engine, provider, language host,
//! program), peak RSS per process, optionally the build times. Run through `bench/run`.
//!
//! Usage: `fargate-bench [--runs N] [--build] [--out BENCHMARKS.md]`.

mod procs;
mod report;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fargate_e2e::{AwsRecorder, Moto, PulumiProject, default_network, tools};
use pulumi_rs_proto::pulumirpc::GetSchemaRequest;
use pulumi_rs_proto::pulumirpc::resource_provider_client::ResourceProviderClient;

use procs::{Role, Sampler, Usage};

/// One measured `pulumi` operation of the full-stack cycle.
#[derive(Debug, Clone)]
pub struct Step {
    pub name: &'static str,
    pub wall: Duration,
    pub calls: Vec<String>,
    pub usage: BTreeMap<Role, Usage>,
}

#[derive(Debug, Default)]
pub struct Footprint {
    pub binary_bytes: u64,
    pub ready: Vec<Duration>,
    pub get_schema_first: Vec<Duration>,
    pub get_schema_warm: Vec<Duration>,
    pub schema_bytes: usize,
}

/// `pulumi preview` (create) of the same stack from our Rust program and from Pulumi YAML,
/// alternating, in one run.
#[derive(Debug, Default)]
pub struct Languages {
    pub rust: Vec<Duration>,
    pub yaml: Vec<Duration>,
    pub unavailable: Option<String>,
}

#[derive(Debug, Default)]
pub struct Builds {
    pub clean_release: Option<Duration>,
    pub incremental_release: Option<Duration>,
    /// The developer loop: a debug build of the provider after touching one resource file, in
    /// the workspace's own (warm) target directory.
    pub incremental_debug: Option<Duration>,
    /// The longest compilation units of the clean build (crate, seconds), from cargo's timings.
    pub longest_units: Vec<(String, f64)>,
    /// The load average when the clean build started: other work on the machine skews it.
    pub load_before: String,
}

pub struct Args {
    pub runs: usize,
    pub build: bool,
    pub out: PathBuf,
}

fn parse_args() -> Args {
    let mut args = Args {
        runs: 5,
        build: false,
        out: tools::workspace_root().join("BENCHMARKS.md"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--runs" => {
                args.runs = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n > 0)
                    .expect("--runs takes a positive number")
            }
            "--build" => args.build = true,
            "--out" => args.out = PathBuf::from(it.next().expect("--out takes a path")),
            other => {
                eprintln!(
                    "unknown argument {other}; usage: fargate-bench [--runs N] [--build] [--out FILE]"
                );
                std::process::exit(2);
            }
        }
    }
    args
}

fn main() {
    let args = parse_args();
    let provider = tools::provider_bin();
    eprintln!("== footprint of {}", provider.display());
    let footprint = footprint(&provider, args.runs * 4);

    let mut cycles = Vec::new();
    for run in 1..=args.runs {
        eprintln!("== full-stack cycle {run}/{}", args.runs);
        cycles.push(full_stack_cycle());
    }

    eprintln!("== Rust program vs Pulumi YAML, preview");
    let languages = languages(args.runs);

    let builds = if args.build {
        eprintln!("== release builds");
        builds()
    } else {
        Builds::default()
    };

    let mut markdown = report::render(&args, &footprint, &cycles, &languages, &builds);
    if !args.build {
        // A run without `--build` keeps the build figures of the last `--build` run.
        let previous = std::fs::read_to_string(&args.out).ok();
        markdown = report::keep_build_section(&markdown, previous.as_deref());
    }
    std::fs::write(&args.out, markdown).expect("write the report");
    eprintln!("== wrote {}", args.out.display());
}

/// Binary size; exec → port printed; GetSchema on a fresh process and warm.
fn footprint(provider: &Path, runs: usize) -> Footprint {
    let mut f = Footprint {
        binary_bytes: std::fs::metadata(provider).expect("provider binary").len(),
        ..Default::default()
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for _ in 0..runs {
        let started = Instant::now();
        let mut child = Command::new(provider)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .spawn()
            .expect("start the provider");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("the port line");
        f.ready.push(started.elapsed());
        let port: u16 = line.trim().parse().expect("a port number");
        rt.block_on(async {
            let mut client = ResourceProviderClient::connect(format!("http://127.0.0.1:{port}"))
                .await
                .expect("connect")
                .max_decoding_message_size(64 << 20);
            for i in 0..3 {
                let t = Instant::now();
                let schema = client
                    .get_schema(GetSchemaRequest::default())
                    .await
                    .expect("GetSchema")
                    .into_inner()
                    .schema;
                let took = t.elapsed();
                f.schema_bytes = schema.len();
                if i == 0 {
                    f.get_schema_first.push(took);
                } else {
                    f.get_schema_warm.push(took);
                }
            }
        });
        let _ = child.kill();
        let _ = child.wait();
    }
    f
}

/// The committed staging stack, network pinned (as production pins it), through every kind of
/// operation; each step measured alone.
fn full_stack_cycle() -> Vec<Step> {
    let moto = Moto::start_with_env(&[("MOTO_ECS_SERVICE_RUNNING", "1")]);
    let recorder = AwsRecorder::start(&moto.url());
    let mut project = PulumiProject::sotex_stack("staging", &recorder.url());
    pin_network(&mut project, &moto);

    let roles = procs::roles();
    let mut steps = Vec::new();
    let mut measure = |name: &'static str, project: &mut PulumiProject, args: &[&str]| {
        recorder.clear();
        let sampler = Sampler::start(roles.clone());
        let started = Instant::now();
        project.run_ok(args);
        let wall = started.elapsed();
        let usage = sampler.stop();
        steps.push(Step {
            name,
            wall,
            calls: recorder.operations(),
            usage,
        });
    };
    let stack = ["--stack", "staging"];
    let with =
        |a: &[&'static str]| -> Vec<&'static str> { a.iter().chain(&stack).copied().collect() };
    measure("preview (create)", &mut project, &with(&["preview"]));
    measure(
        "up (create)",
        &mut project,
        &with(&["up", "--yes", "--skip-preview"]),
    );
    measure(
        "preview (no change)",
        &mut project,
        &with(&["preview", "--expect-no-changes"]),
    );
    measure(
        "up (no change)",
        &mut project,
        &with(&["up", "--yes", "--skip-preview"]),
    );
    project.config_set("imageTag", "2026.11.28-77e01bd");
    measure(
        "up (image tag only)",
        &mut project,
        &with(&["up", "--yes", "--skip-preview"]),
    );
    project.config_set("desiredCount", "2");
    measure(
        "up (desired count only)",
        &mut project,
        &with(&["up", "--yes", "--skip-preview"]),
    );
    measure(
        "destroy",
        &mut project,
        &with(&["destroy", "--yes", "--skip-preview"]),
    );
    steps
}

fn pin_network(project: &mut PulumiProject, moto: &Moto) {
    let network = default_network(moto.addr());
    project.config_set("fargate:region", "us-east-1");
    project.config_set("vpcId", &network.vpc_id);
    project.config_set("vpcCidr", "172.31.0.0/16");
    for (i, subnet) in network.subnet_ids.iter().take(2).enumerate() {
        project.config_set_path(&format!("publicSubnetIds[{i}]"), subnet);
    }
}

fn languages(runs: usize) -> Languages {
    let yaml_host_dir = std::env::var("PULUMI_YAML_DIR").unwrap_or_default();
    let yaml_host = Path::new(&yaml_host_dir).join("pulumi-language-yaml");
    if !yaml_host.is_file() {
        return Languages {
            unavailable: Some(format!(
                "no YAML language host at `{}`: run scripts/install-yaml-host",
                yaml_host.display()
            )),
            ..Default::default()
        };
    }
    let moto = Moto::start_with_env(&[("MOTO_ECS_SERVICE_RUNNING", "1")]);
    let mut rust = PulumiProject::sotex_stack("staging", &moto.url());
    pin_network(&mut rust, &moto);

    let q = |p: &Path| serde_json::to_string(&p.to_string_lossy()).unwrap();
    let project_file = format!(
        "name: sotex-backend\nruntime: yaml\nplugins:\n  providers:\n    - name: fargate\n      path: {}\n  languages:\n    - name: yaml\n      path: {}\n",
        q(tools::provider_bin().parent().unwrap()),
        q(Path::new(&yaml_host_dir)),
    );
    let program = std::fs::read_to_string(tools::workspace_root().join("bench/yaml/Main.yaml"))
        .expect("bench/yaml/Main.yaml");
    let mut yaml = PulumiProject::with_project_file(
        "sotex-backend",
        &project_file,
        &[("Main.yaml", &program)],
        &moto.url(),
    );
    yaml.stack_init("staging");
    pin_network(&mut yaml, &moto);

    let mut l = Languages::default();
    let preview = |p: &mut PulumiProject| {
        let t = Instant::now();
        p.run_ok(&["preview", "--stack", "staging"]);
        t.elapsed()
    };
    // One untimed round warms the page cache for both.
    preview(&mut rust);
    preview(&mut yaml);
    for _ in 0..runs.max(3) {
        l.rust.push(preview(&mut rust));
        l.yaml.push(preview(&mut yaml));
    }
    l
}

/// The resource file the incremental builds touch.
pub const TOUCHED: &str = "provider/src/resources/ecs/cluster/mod.rs";

/// Marks `TOUCHED` as modified, as an edit would.
fn touch(root: &Path) {
    let file = std::fs::File::options()
        .append(true)
        .open(root.join(TOUCHED))
        .expect("open a resource file");
    file.set_modified(std::time::SystemTime::now())
        .expect("touch");
}

/// What `scripts/up` builds: the binaries `pulumi up` runs (provider, language host, program).
pub const DEV_BUILD: &[&str] = &["-p", "pulumi-resource-fargate", "-p", "pulumi-rs", "--bins"];

/// One `cargo build` with `args`; its wall time.
fn cargo_build(root: &Path, args: &[&str], target: Option<&Path>) -> Duration {
    let t = Instant::now();
    let mut cmd = Command::new("cargo");
    cmd.arg("build").args(args).current_dir(root);
    if let Some(target) = target {
        cmd.env("CARGO_TARGET_DIR", target);
    }
    let status = cmd.status().expect("cargo");
    assert!(status.success(), "cargo build {args:?} failed");
    t.elapsed()
}

/// Clean release build of the provider in a fresh target directory, then an incremental
/// rebuild after touching one resource file; then the developer loop: what `scripts/up` builds,
/// after the same touch, in the workspace's target (warmed first).
fn builds() -> Builds {
    let root = tools::workspace_root();
    let target = std::env::temp_dir().join(format!("fargate-bench-target-{}", std::process::id()));
    let release = ["-p", "pulumi-resource-fargate", "--release", "--timings"];
    let load_before = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let clean = cargo_build(&root, &release, Some(&target));
    let longest_units = longest_units(&target.join("cargo-timings/cargo-timing.html"));
    touch(&root);
    let incremental = cargo_build(&root, &release, Some(&target));
    let _ = std::fs::remove_dir_all(&target);
    eprintln!("== incremental debug build");
    cargo_build(&root, DEV_BUILD, None);
    touch(&root);
    let incremental_debug = cargo_build(&root, DEV_BUILD, None);
    Builds {
        clean_release: Some(clean),
        incremental_release: Some(incremental),
        incremental_debug: Some(incremental_debug),
        longest_units,
        load_before: load_before
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// The five longest units of a `cargo build --timings` report (its `UNIT_DATA` array).
fn longest_units(report: &Path) -> Vec<(String, f64)> {
    let Ok(html) = std::fs::read_to_string(report) else {
        return Vec::new();
    };
    let Some(start) = html.find("const UNIT_DATA = ") else {
        return Vec::new();
    };
    let rest = &html[start + "const UNIT_DATA = ".len()..];
    let Some(end) = rest.find("];") else {
        return Vec::new();
    };
    let Ok(units) = serde_json::from_str::<Vec<serde_json::Value>>(&rest[..=end]) else {
        return Vec::new();
    };
    let mut units: Vec<(String, f64)> = units
        .iter()
        .filter_map(|u| {
            Some((
                format!(
                    "{}{}",
                    u["name"].as_str()?,
                    u["target"].as_str().unwrap_or_default()
                ),
                u["duration"].as_f64()?,
            ))
        })
        .collect();
    units.sort_by(|a, b| b.1.total_cmp(&a.1));
    units.truncate(5);
    units
}
