//! The SDKs generated from `schema/schema.json` (`scripts/gen-sdks`: TypeScript, Python, Go)
//! compile against the pinned Pulumi SDKs and pass unit tests with Pulumi's mocks; the plugin
//! tarball (`scripts/package-plugin`) installs with `pulumi plugin install --file` and serves a
//! Rust stack whose `Pulumi.yaml` names no provider plugin.
//!
//! The SDKs are regenerated here, so a schema change that breaks any of them fails these tests.
//! Running them under `pulumi up` needs the Node.js / Python / Go language hosts, which are not
//! built here; the mocks stand in for the engine (see README, "SDKs").

use std::fs;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use fargate_e2e::tools;
use fargate_e2e::{Moto, PulumiProject};
use serde_json::Value;

/// Generous: a cold machine compiles the Pulumi Go SDK and installs npm / PyPI packages.
const STEP_TIMEOUT: Duration = Duration::from_secs(900);

/// The repository (this test's own build-time path, like the scripts it runs).
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// What a step printed.
struct Ran {
    success: bool,
    stdout: String,
    stderr: String,
}

/// Runs `cmd` (own process group, killed after [`STEP_TIMEOUT`]) and returns what it printed.
fn run(what: &str, cmd: &mut Command) -> Ran {
    let dir = tempfile::tempdir().expect("temp dir for step output");
    let (out_path, err_path) = (dir.path().join("stdout"), dir.path().join("stderr"));
    cmd.stdin(Stdio::null())
        .stdout(fs::File::create(&out_path).expect("stdout file"))
        .stderr(fs::File::create(&err_path).expect("stderr file"))
        .process_group(0);
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: cannot start {cmd:?}: {e}"));
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for step") {
            break status;
        }
        if started.elapsed() > STEP_TIMEOUT {
            // SAFETY: a plain syscall on our own child's process group.
            unsafe { libc::killpg(child.id() as libc::pid_t, libc::SIGKILL) };
            let _ = child.wait();
            panic!("{what}: did not finish within {STEP_TIMEOUT:?}; killed: {cmd:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let read = |p: &Path| String::from_utf8_lossy(&fs::read(p).unwrap_or_default()).into_owned();
    let ran = Ran {
        success: status.success(),
        stdout: read(&out_path),
        stderr: read(&err_path),
    };
    // Shown by the harness when the test fails.
    println!(
        "== {what} [{status}] ({:.1?})\n$ {cmd:?}\n--- stdout ---\n{}\n--- stderr ---\n{}\n",
        started.elapsed(),
        ran.stdout,
        ran.stderr
    );
    ran
}

fn run_ok(what: &str, cmd: &mut Command) -> Ran {
    let ran = run(what, cmd);
    assert!(
        ran.success,
        "{what} failed:\n{}\n{}",
        ran.stdout, ran.stderr
    );
    ran
}

fn script(name: &str) -> Command {
    Command::new(repo_root().join("scripts").join(name))
}

/// The SDKs generated once per test run, and the cached toolchains they are checked with.
struct Generated {
    sdk: PathBuf,
    node_modules: PathBuf,
    python_venv: PathBuf,
    schema: Value,
}

fn generated() -> &'static Generated {
    static GENERATED: OnceLock<Generated> = OnceLock::new();
    GENERATED.get_or_init(|| {
        let sdk = tools::target_profile_dir().join("sdk-tests/generated");
        run_ok(
            "scripts/gen-sdks",
            script("gen-sdks").arg("--out").arg(&sdk),
        );
        let tools_out = run_ok(
            "scripts/install-sdk-tools",
            &mut script("install-sdk-tools"),
        );
        let value = |key: &str| {
            tools_out
                .stdout
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{key}=")))
                .map(PathBuf::from)
                .unwrap_or_else(|| panic!("install-sdk-tools printed no {key}"))
        };
        let schema = fs::read_to_string(repo_root().join("schema/schema.json"))
            .expect("read schema/schema.json");
        Generated {
            sdk,
            node_modules: value("SDK_NODE_MODULES"),
            python_venv: value("SDK_PYTHON_VENV"),
            schema: serde_json::from_str(&schema).expect("schema is JSON"),
        }
    })
}

fn schema_version(g: &Generated) -> &str {
    g.schema["version"].as_str().expect("schema version")
}

/// `PULUMI_VERSION` as pinned in scripts/env.sh (the CLI's, and the Go SDK's the generator pins).
fn pinned_pulumi_version() -> String {
    read(&repo_root().join("scripts/env.sh"))
        .lines()
        .find_map(|l| l.trim().strip_prefix("export PULUMI_VERSION="))
        .map(|v| v.trim_matches('"').to_string())
        .expect("PULUMI_VERSION in scripts/env.sh")
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap_or_else(|e| panic!("create {}: {e}", to.display()));
    for entry in fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display())) {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target)
                .unwrap_or_else(|e| panic!("copy {}: {e}", entry.path().display()));
        }
    }
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Every resource's and input property's description (its first line, which each generator
/// keeps verbatim) reaches the generated source of that resource.
fn assert_descriptions(lang: &str, g: &Generated, source_of: impl Fn(&str, &str) -> PathBuf) {
    for (token, resource) in g.schema["resources"].as_object().expect("resources") {
        let mut parts = token.split(':').skip(1);
        let (module, name) = (parts.next().unwrap(), parts.next().unwrap());
        let source = read(&source_of(module, name));
        let mut descriptions = vec![("(resource)", &resource["description"])];
        for (prop, spec) in resource["inputProperties"].as_object().expect("inputs") {
            descriptions.push((prop, &spec["description"]));
        }
        for (prop, description) in descriptions {
            let first_line = description
                .as_str()
                .and_then(|d| d.lines().next())
                .filter(|l| !l.is_empty())
                .unwrap_or_else(|| panic!("{token} {prop} has no description"));
            assert!(
                source.contains(first_line),
                "{lang}: the description of {token} {prop} is missing from the SDK: {first_line:?}"
            );
        }
    }
}

fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn typescript_sdk_compiles_and_passes_its_mocked_unit_test() {
    let g = generated();
    let dir = tempfile::Builder::new()
        .prefix("sdk-ts-")
        .tempdir()
        .unwrap();
    let root = dir.path();
    // node_modules: the cached packages (linked, never written to) plus the SDK under its npm name.
    let node_modules = root.join("node_modules");
    fs::create_dir_all(node_modules.join("@sotex")).unwrap();
    for entry in fs::read_dir(&g.node_modules).expect("cached node_modules") {
        let entry = entry.unwrap();
        std::os::unix::fs::symlink(entry.path(), node_modules.join(entry.file_name())).unwrap();
    }
    let tsc = g.node_modules.join("typescript/bin/tsc");
    let node = |args: &[&dyn AsRef<std::ffi::OsStr>]| {
        let mut cmd = Command::new("node");
        for a in args {
            cmd.arg(a);
        }
        cmd.current_dir(root);
        cmd
    };

    let sdk = root.join("sdk");
    copy_dir(&g.sdk.join("nodejs"), &sdk);
    let package: Value = serde_json::from_str(&read(&sdk.join("package.json"))).unwrap();
    assert_eq!(package["name"], "@sotex/fargate");
    assert_eq!(package["version"], schema_version(g));
    assert_eq!(package["pulumi"]["name"], "fargate");
    assert_eq!(package["pulumi"]["version"], schema_version(g));
    assert_descriptions("typescript", g, |module, name| {
        sdk.join(module).join(format!("{}.ts", lower_first(name)))
    });

    // The SDK with its own generated tsconfig (strict), as `npm run build` would.
    run_ok("tsc: the generated SDK", &mut node(&[&tsc, &"-p", &sdk]));
    fs::copy(sdk.join("package.json"), sdk.join("bin/package.json")).unwrap();
    std::os::unix::fs::symlink(sdk.join("bin"), node_modules.join("@sotex/fargate")).unwrap();

    let fixtures = repo_root().join("tests/sdk/nodejs");
    let test = root.join("test");
    fs::create_dir_all(&test).unwrap();
    for file in [
        "program.ts",
        "mocks.test.ts",
        "example.ts",
        "wrong.ts",
        "tsconfig.json",
    ] {
        fs::copy(fixtures.join(file), test.join(file)).unwrap();
    }
    // Type errors must stop the build: each mistake in wrong.ts is reported by name.
    let wrong = run(
        "tsc --noEmit: wrong.ts",
        &mut node(&[
            &tsc,
            &"--noEmit",
            &"--skipLibCheck",
            &"--strict",
            &"--types",
            &"node",
            &"--module",
            &"commonjs",
            &"--moduleResolution",
            &"node10",
            &"--target",
            &"ES2022",
            &test.join("wrong.ts"),
        ]),
    );
    assert!(!wrong.success, "tsc accepted wrong.ts");
    for expected in [
        "wrong.ts(6,5): error TS2322: Type 'string' is not assignable to type 'Input<number>'",
        "'nmae' does not exist in type 'ClusterArgs'",
        "Property 'vpcId' is missing in type '{ port: number; }' but required in type 'TargetGroupArgs'",
        "Type '\"on\"' is not assignable to type 'Input<ContainerInsights | undefined>'",
    ] {
        assert!(
            wrong.stdout.contains(expected),
            "tsc did not report: {expected}\n{}",
            wrong.stdout
        );
    }
    // Strict, and any type error fails the step (emitting the JavaScript the unit test runs).
    run_ok(
        "tsc: example, program and unit test",
        &mut node(&[&tsc, &"-p", &test]),
    );
    let tested = run_ok(
        "node --test",
        &mut node(&[&"--test", &test.join("out/mocks.test.js")]),
    );
    assert!(
        tested.stdout.contains("# pass 1") && tested.stdout.contains("# fail 0"),
        "{}",
        tested.stdout
    );
}

#[test]
fn python_sdk_installs_and_passes_its_mocked_unit_tests() {
    let g = generated();
    let dir = tempfile::Builder::new()
        .prefix("sdk-py-")
        .tempdir()
        .unwrap();
    let root = dir.path();
    // A copy: building the package writes into its folder.
    let source = root.join("source");
    copy_dir(&g.sdk.join("python"), &source);
    let pyproject = read(&source.join("pyproject.toml"));
    assert!(
        pyproject.contains("name = \"sotex_fargate\""),
        "{pyproject}"
    );
    assert!(
        pyproject.contains("\"pulumi>=3.269.0,<4.0.0\""),
        "{pyproject}"
    );
    assert!(
        pyproject.contains(&format!("version = \"{}\"", schema_version(g))),
        "{pyproject}"
    );
    assert_descriptions("python", g, |module, name| {
        source
            .join("sotex_fargate")
            .join(module)
            .join(format!("{}.py", snake_case(name)))
    });

    // Installed as a user would (`pip install`), into a throw-away target so the cached venv
    // stays as pinned. Its dependencies (pulumi, semver, packaging) come from that venv.
    let site = root.join("site");
    let venv = &g.python_venv;
    run_ok(
        "pip install the generated package",
        Command::new(venv.join("bin/pip"))
            .args([
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "--no-build-isolation",
                "--no-index",
                "--target",
            ])
            .arg(&site)
            .arg(&source),
    );
    assert!(site.join("sotex_fargate/ecs/cluster.py").is_file());
    let tests = repo_root().join("tests/sdk/python/test_sdk.py");
    let tested = run_ok(
        "pytest",
        Command::new(venv.join("bin/python"))
            .args(["-m", "pytest", "-v", "-p", "no:cacheprovider"])
            .arg(&tests)
            .env("PYTHONPATH", &site)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .current_dir(root),
    );
    assert!(tested.stdout.contains("5 passed"), "{}", tested.stdout);
}

#[test]
fn go_sdk_builds_vets_and_passes_its_mocked_unit_test() {
    let g = generated();
    let dir = tempfile::Builder::new()
        .prefix("sdk-go-")
        .tempdir()
        .unwrap();
    let module = dir.path().join("module");
    copy_dir(&repo_root().join("tests/sdk/go"), &module);
    let sdk = g.sdk.join("go");
    let go_mod = read(&sdk.join("go.mod"));
    let pulumi_version = pinned_pulumi_version();
    assert!(
        go_mod.contains("module sotex.local/pulumi-fargate/sdk/go")
            && go_mod.contains(&format!("github.com/pulumi/pulumi/sdk/v3 {pulumi_version}")),
        "{go_mod}"
    );
    assert_descriptions("go", g, |module, name| {
        sdk.join("fargate")
            .join(module)
            .join(format!("{}.go", lower_first(name)))
    });

    let go = |args: &[&str]| {
        let mut cmd = Command::new("go");
        cmd.args(args).current_dir(&module);
        cmd
    };
    let replace = format!(
        "-replace=sotex.local/pulumi-fargate/sdk/go={}",
        sdk.display()
    );
    run_ok("go mod edit", &mut go(&["mod", "edit", &replace]));
    let packages = run_ok(
        "go list",
        &mut go(&["list", "sotex.local/pulumi-fargate/sdk/go/..."]),
    );
    for package in [
        "fargate",
        "fargate/config",
        "fargate/ec2",
        "fargate/ecs",
        "fargate/lb",
    ] {
        let path = format!("sotex.local/pulumi-fargate/sdk/go/{package}");
        assert!(
            packages.stdout.lines().any(|l| l == path),
            "{path} not in:\n{}",
            packages.stdout
        );
    }
    run_ok(
        "go build",
        &mut go(&["build", "sotex.local/pulumi-fargate/sdk/go/..."]),
    );
    run_ok(
        "go vet",
        &mut go(&["vet", "./...", "sotex.local/pulumi-fargate/sdk/go/..."]),
    );
    let tested = run_ok("go test", &mut go(&["test", "-count=1", "-v", "./..."]));
    assert!(
        tested
            .stdout
            .contains("--- PASS: TestResourcesRegisterAndOutputsFlow"),
        "{}",
        tested.stdout
    );
}

#[test]
fn plugin_tarball_installs_and_serves_a_stack_without_a_plugins_entry() {
    let g = generated();
    let dir = tempfile::Builder::new()
        .prefix("plugin-")
        .tempdir()
        .unwrap();
    // The debug build the other tests use; users get the release build (the script's default).
    let packed = run_ok(
        "scripts/package-plugin",
        script("package-plugin")
            .arg("--binary")
            .arg(tools::provider_bin())
            .arg("--out")
            .arg(dir.path()),
    );
    let tarball = PathBuf::from(packed.stdout.trim());
    let version = schema_version(g);
    // Pulumi's platform names: Go's GOOS / GOARCH.
    let os = std::env::consts::OS;
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    assert_eq!(
        tarball.file_name().unwrap().to_string_lossy(),
        format!("pulumi-resource-fargate-v{version}-{os}-{arch}.tar.gz")
    );

    let moto = Moto::start();
    let q = |p: &Path| serde_json::to_string(&p.to_string_lossy()).unwrap();
    // The language host is named; the provider is not: the engine must find the installed one.
    let yaml = format!(
        "name: plugin-install\nruntime:\n  name: rust\n  options:\n    binary: {}\nplugins:\n  languages:\n    - name: rust\n      path: {}\n",
        q(&tools::example_bin("cluster")),
        q(tools::language_host_bin().parent().unwrap()),
    );
    let mut project = PulumiProject::with_project_file("plugin-install", &yaml, &[], &moto.url());
    project.stack_init("dev");
    project.config_set_path("tags.team", "platform");

    // Before the install, nothing provides `fargate`, so the test cannot pass by another route.
    let missing = project.try_preview();
    assert!(!missing.success(), "preview without the plugin:\n{missing}");
    assert!(
        missing
            .combined()
            .contains("no resource plugin 'pulumi-resource-fargate' found"),
        "the failure names the plugin:\n{missing}"
    );

    let tarball_arg = tarball.to_string_lossy().into_owned();
    project.run_ok(&[
        "plugin",
        "install",
        "resource",
        "fargate",
        &format!("v{version}"),
        "--file",
        &tarball_arg,
    ]);
    let listed = project.run_ok(&["plugin", "ls", "--json"]);
    let plugins: Value = serde_json::from_str(&listed.stdout).expect("plugin ls --json");
    assert!(
        plugins.as_array().is_some_and(|all| all.iter().any(|p| {
            p["name"] == "fargate" && p["kind"] == "resource" && p["version"] == version
        })),
        "plugin ls: {plugins}"
    );
    let installed = project.home().join(format!(
        "plugins/resource-fargate-v{version}/pulumi-resource-fargate"
    ));
    assert!(installed.is_file(), "{} missing", installed.display());

    let preview = project.preview_json();
    let steps = preview.steps_of_type("fargate:ecs:Cluster");
    assert_eq!(steps.len(), 1, "steps: {:?}", preview.summary());
    assert_eq!(steps[0].op, "create");

    // And it really is the provider: `up` creates the cluster in moto.
    project.up();
    let outputs = project.stack_output_json();
    let arn = outputs["clusterArn"].as_str().unwrap_or_default();
    assert!(
        arn.starts_with("arn:aws:ecs:") && arn.contains(":cluster/main-"),
        "outputs: {outputs}"
    );
}

#[test]
fn readme_shows_the_examples_these_tests_compile() {
    let readme = read(&repo_root().join("README.md"));
    for example in [
        "tests/sdk/nodejs/example.ts",
        "tests/sdk/python/example.py",
        "tests/sdk/go/example/main.go",
    ] {
        let text = read(&repo_root().join(example));
        assert!(
            readme.contains(&text),
            "README.md does not show {example} verbatim: copy it into the SDK section"
        );
    }
}
