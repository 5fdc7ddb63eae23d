//! `PulumiProject`: a throw-away Pulumi project (own `PULUMI_HOME`, file backend, passphrase
//! secrets) whose program is one of our examples, driven through the real `pulumi` CLI.

use std::fmt;
use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::aws::{ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY};
use crate::moto::{clear_aws_env, kill_group};
use crate::preview::Preview;
use crate::tools;

pub const PASSPHRASE: &str = "fargate-e2e-test-passphrase";
/// The passphrase of the repository's `Pulumi.staging.yaml` / `Pulumi.production.yaml` secrets
/// (local emulator use only; real stacks use a KMS or cloud secrets provider).
pub const REPO_PASSPHRASE: &str = "sotex-local-emulator";
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// What a `pulumi` run printed.
#[derive(Debug, Clone)]
pub struct CmdOutput {
    pub command: String,
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl CmdOutput {
    pub fn success(&self) -> bool {
        self.status.success()
    }

    /// stdout then stderr.
    pub fn combined(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

impl fmt::Display for CmdOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "$ {}\n[{}]\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.command, self.status, self.stdout, self.stderr
        )
    }
}

pub struct PulumiProject {
    name: String,
    pulumi: PathBuf,
    project_dir: PathBuf,
    home: PathBuf,
    backend: PathBuf,
    logs: PathBuf,
    env: Vec<(String, String)>,
    stack: Option<String>,
    timeout: Duration,
    runs: usize,
    _root: tempfile::TempDir,
}

impl PulumiProject {
    /// A project `name` whose program is `target/debug/examples/<program>`, plugins from
    /// `target/debug`, and whose AWS calls go to `aws_endpoint` (the recorder or moto).
    /// Panics, pointing at `scripts/test`, if the CLI or a binary is missing.
    pub fn new(name: &str, program: &str, aws_endpoint: &str) -> PulumiProject {
        let program = tools::example_bin(program);
        // Both plugins must exist before pulumi looks for them in the directory.
        let provider_dir = tools::provider_bin().parent().unwrap().to_path_buf();
        let language_dir = tools::language_host_bin().parent().unwrap().to_path_buf();
        PulumiProject::with_binaries(name, &program, &provider_dir, &language_dir, aws_endpoint)
    }

    /// The real stack program `sotex-stack` (project `sotex-backend`) with the repository's own
    /// `Pulumi.<stack>.yaml` (its secrets use the repository's local passphrase), stack `stack`
    /// created and selected.
    pub fn sotex_stack(stack: &str, aws_endpoint: &str) -> PulumiProject {
        let provider = tools::provider_bin();
        let language_host = tools::language_host_bin();
        PulumiProject::sotex_stack_with(
            stack,
            &tools::workspace_bin("sotex-stack"),
            provider.parent().unwrap(),
            language_host.parent().unwrap(),
            aws_endpoint,
        )
    }

    /// [`sotex_stack`](Self::sotex_stack) with another program binary and plugin directories
    /// (the benchmark wraps each process to measure it).
    pub fn sotex_stack_with(
        stack: &str,
        program: &Path,
        provider_dir: &Path,
        language_dir: &Path,
        aws_endpoint: &str,
    ) -> PulumiProject {
        let mut project = PulumiProject::with_binaries(
            "sotex-backend",
            program,
            provider_dir,
            language_dir,
            aws_endpoint,
        );
        let file = format!("Pulumi.{stack}.yaml");
        std::fs::copy(
            tools::workspace_root().join(&file),
            project.project_dir.join(&file),
        )
        .unwrap_or_else(|e| panic!("copy {file}: {e}"));
        project.set_env("PULUMI_CONFIG_PASSPHRASE", REPO_PASSPHRASE);
        project.stack_init(stack);
        project
    }

    /// A project with an explicit program binary and plugin directories (which need not exist
    /// for commands that start no plugin, such as `stack init` or `config set`).
    pub fn with_binaries(
        name: &str,
        program: &Path,
        provider_dir: &Path,
        language_dir: &Path,
        aws_endpoint: &str,
    ) -> PulumiProject {
        let q = |p: &Path| serde_json::to_string(&p.to_string_lossy()).unwrap();
        let yaml = format!(
            "name: {name}\nruntime:\n  name: rust\n  options:\n    binary: {}\nplugins:\n  providers:\n    - name: fargate\n      path: {}\n  languages:\n    - name: rust\n      path: {}\n",
            q(program),
            q(provider_dir),
            q(language_dir),
        );
        PulumiProject::with_project_file(name, &yaml, &[], aws_endpoint)
    }

    /// A project from a complete `Pulumi.yaml` text plus other files of the project directory
    /// (e.g. a Pulumi YAML program's `Main.yaml`).
    pub fn with_project_file(
        name: &str,
        pulumi_yaml: &str,
        files: &[(&str, &str)],
        aws_endpoint: &str,
    ) -> PulumiProject {
        let pulumi = tools::pulumi_bin();
        let root = tempfile::Builder::new()
            .prefix(&format!("pulumi-{name}-"))
            .tempdir()
            .expect("temp dir for the project");
        let project_dir = root.path().join("project");
        let home = root.path().join("home");
        let backend = root.path().join("backend");
        let logs = root.path().join("logs");
        for d in [&project_dir, &home, &backend, &logs] {
            std::fs::create_dir_all(d).expect("create project dirs");
        }
        std::fs::write(project_dir.join("Pulumi.yaml"), pulumi_yaml).expect("write Pulumi.yaml");
        for (file, text) in files {
            std::fs::write(project_dir.join(file), text).expect("write a project file");
        }

        let env = vec![
            ("PULUMI_HOME", home.to_string_lossy().into_owned()),
            (
                "PULUMI_BACKEND_URL",
                format!("file://{}", backend.display()),
            ),
            ("PULUMI_CONFIG_PASSPHRASE", PASSPHRASE.to_string()),
            ("PULUMI_SKIP_UPDATE_CHECK", "true".into()),
            ("PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION", "true".into()),
            ("PULUMI_IGNORE_AMBIENT_PLUGINS", "true".into()),
            ("AWS_ENDPOINT_URL", aws_endpoint.to_string()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID.into()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY.into()),
            ("AWS_REGION", REGION.into()),
            ("AWS_DEFAULT_REGION", REGION.into()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
            // No shared config or credentials files from the user's home.
            (
                "AWS_CONFIG_FILE",
                root.path()
                    .join("no-aws-config")
                    .to_string_lossy()
                    .into_owned(),
            ),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                root.path()
                    .join("no-aws-credentials")
                    .to_string_lossy()
                    .into_owned(),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();

        let timeout = std::env::var("FARGATE_E2E_TIMEOUT_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .map(Duration::from_secs)
            .unwrap_or(DEFAULT_TIMEOUT);

        PulumiProject {
            name: name.to_string(),
            pulumi,
            project_dir,
            home,
            backend,
            logs,
            env,
            stack: None,
            timeout,
            runs: 0,
            _root: root,
        }
    }

    /// Adds or overrides an environment variable for every later `pulumi` run.
    pub fn set_env(&mut self, key: &str, value: &str) -> &mut Self {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    /// How long one `pulumi` run may take before it and its plugins are killed.
    pub fn set_timeout(&mut self, timeout: Duration) -> &mut Self {
        self.timeout = timeout;
        self
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn dir(&self) -> &Path {
        &self.project_dir
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    /// Everything every `pulumi` run of this project printed so far, stdout and stderr.
    pub fn all_run_output(&self) -> String {
        let mut names: Vec<_> = std::fs::read_dir(&self.logs)
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        names.sort();
        names.iter().map(|p| read(p)).collect::<Vec<_>>().join("\n")
    }

    pub fn backend_dir(&self) -> &Path {
        &self.backend
    }

    /// The selected stack (after [`stack_init`](Self::stack_init)).
    pub fn stack(&self) -> &str {
        self.stack
            .as_deref()
            .expect("no stack yet: call stack_init first")
    }

    /// Runs `pulumi --color never --non-interactive <args>` in the project directory and
    /// returns what it printed, whatever its exit status. Killed after the timeout
    /// (`FARGATE_E2E_TIMEOUT_SECS`, default 300 s).
    pub fn run(&mut self, args: &[&str]) -> CmdOutput {
        self.runs += 1;
        let stdout_path = self.logs.join(format!("{:03}.stdout", self.runs));
        let stderr_path = self.logs.join(format!("{:03}.stderr", self.runs));
        let mut cmd = Command::new(&self.pulumi);
        cmd.args(["--color", "never", "--non-interactive"])
            .args(args)
            .current_dir(&self.project_dir)
            .stdin(Stdio::null())
            .stdout(File::create(&stdout_path).expect("stdout file"))
            .stderr(File::create(&stderr_path).expect("stderr file"))
            .process_group(0);
        clear_aws_env(&mut cmd);
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        let command = format!("pulumi {}", args.join(" "));
        let started = Instant::now();
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", self.pulumi.display()));
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for pulumi") {
                break status;
            }
            if started.elapsed() > self.timeout {
                kill_group(&mut child);
                let out = read(&stdout_path);
                let err = read(&stderr_path);
                panic!(
                    "`{command}` did not finish within {:?}; killed.\n--- stdout ---\n{out}\n--- stderr ---\n{err}",
                    self.timeout
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let output = CmdOutput {
            command,
            status,
            stdout: read(&stdout_path),
            stderr: read(&stderr_path),
        };
        // Shown by the test harness when the test fails.
        println!("{output}\n({:.1?})\n", started.elapsed());
        output
    }

    /// Starts `pulumi --color never --non-interactive <args> --stack <selected>` in the
    /// background (its own process group, like [`run`](Self::run)), for tests that signal the
    /// CLI or its plugins while it works. Killed with its plugins when dropped unfinished.
    pub fn spawn_stack(&mut self, args: &[&str]) -> RunningPulumi {
        let stack = self.stack().to_string();
        let mut full: Vec<&str> = args.to_vec();
        full.extend(["--stack", &stack]);
        self.runs += 1;
        let stdout_path = self.logs.join(format!("{:03}.stdout", self.runs));
        let stderr_path = self.logs.join(format!("{:03}.stderr", self.runs));
        let mut cmd = Command::new(&self.pulumi);
        cmd.args(["--color", "never", "--non-interactive"])
            .args(&full)
            .current_dir(&self.project_dir)
            .stdin(Stdio::null())
            .stdout(File::create(&stdout_path).expect("stdout file"))
            .stderr(File::create(&stderr_path).expect("stderr file"))
            .process_group(0);
        clear_aws_env(&mut cmd);
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", self.pulumi.display()));
        RunningPulumi {
            child: Some(child),
            command: format!("pulumi {}", full.join(" ")),
            stdout_path,
            stderr_path,
            started: Instant::now(),
            timeout: self.timeout,
        }
    }

    /// [`run`](Self::run) that panics with the full output unless pulumi exits 0.
    pub fn run_ok(&mut self, args: &[&str]) -> CmdOutput {
        let out = self.run(args);
        if !out.success() {
            panic!("expected success:\n{out}");
        }
        out
    }

    /// [`run`](Self::run) that panics with the full output if pulumi exits 0.
    pub fn run_err(&mut self, args: &[&str]) -> CmdOutput {
        let out = self.run(args);
        if out.success() {
            panic!("expected failure:\n{out}");
        }
        out
    }

    /// Runs a stack command with `--stack <selected>` appended.
    fn run_stack(&mut self, args: &[&str], expect_ok: bool) -> CmdOutput {
        let stack = self.stack().to_string();
        let mut full: Vec<&str> = args.to_vec();
        full.extend(["--stack", &stack]);
        if expect_ok {
            self.run_ok(&full)
        } else {
            self.run(&full)
        }
    }

    pub fn stack_init(&mut self, stack: &str) -> CmdOutput {
        self.stack_init_with(stack, &[])
    }

    /// `pulumi stack init <stack> <extra…>`, e.g. `--secrets-provider awskms://…`.
    pub fn stack_init_with(&mut self, stack: &str, extra: &[&str]) -> CmdOutput {
        let mut args = vec!["stack", "init", stack];
        args.extend_from_slice(extra);
        let out = self.run_ok(&args);
        self.stack = Some(stack.to_string());
        out
    }

    /// `pulumi config set <key> <value>`; a key without `:` is in the project's namespace.
    pub fn config_set(&mut self, key: &str, value: &str) -> CmdOutput {
        let stack = self.stack().to_string();
        self.run_ok(&["config", "set", "--stack", &stack, "--", key, value])
    }

    /// `pulumi config set --path <path> <value>`, e.g. `tags.team platform`.
    pub fn config_set_path(&mut self, path: &str, value: &str) -> CmdOutput {
        let stack = self.stack().to_string();
        self.run_ok(&[
            "config", "set", "--path", "--stack", &stack, "--", path, value,
        ])
    }

    /// `pulumi config set --secret <key> <value>`.
    pub fn config_set_secret(&mut self, key: &str, value: &str) -> CmdOutput {
        let stack = self.stack().to_string();
        self.run_ok(&[
            "config", "set", "--secret", "--stack", &stack, "--", key, value,
        ])
    }

    /// `pulumi config set --secret --path <path> <value>`, e.g. `environment.SENTRY_DSN`.
    pub fn config_set_secret_path(&mut self, path: &str, value: &str) -> CmdOutput {
        let stack = self.stack().to_string();
        self.run_ok(&[
            "config", "set", "--secret", "--path", "--stack", &stack, "--", path, value,
        ])
    }

    pub fn config_rm(&mut self, key: &str) -> CmdOutput {
        let stack = self.stack().to_string();
        self.run_ok(&["config", "rm", "--stack", &stack, "--", key])
    }

    /// `pulumi config rm --path <path>`, e.g. `tags.env`.
    pub fn config_rm_path(&mut self, path: &str) -> CmdOutput {
        let stack = self.stack().to_string();
        self.run_ok(&["config", "rm", "--path", "--stack", &stack, "--", path])
    }

    /// `pulumi preview`, expected to succeed.
    pub fn preview(&mut self) -> CmdOutput {
        self.run_stack(&["preview"], true)
    }

    /// `pulumi preview`, whatever its outcome.
    pub fn try_preview(&mut self) -> CmdOutput {
        self.run_stack(&["preview"], false)
    }

    /// `pulumi preview --json`, expected to succeed, parsed.
    pub fn preview_json(&mut self) -> Preview {
        let out = self.run_stack(&["preview", "--json"], true);
        Preview::parse(&out.stdout).unwrap_or_else(|e| panic!("{e}\n{out}"))
    }

    /// `pulumi preview --expect-no-changes`: fails the test if anything would change.
    pub fn preview_expect_no_changes(&mut self) -> CmdOutput {
        self.run_stack(&["preview", "--expect-no-changes"], true)
    }

    /// `pulumi up --yes --skip-preview`.
    pub fn up(&mut self) -> CmdOutput {
        self.run_stack(&["up", "--yes", "--skip-preview"], true)
    }

    /// `pulumi up --yes --skip-preview`, whatever its outcome.
    pub fn try_up(&mut self) -> CmdOutput {
        self.run_stack(&["up", "--yes", "--skip-preview"], false)
    }

    /// `pulumi refresh --yes --skip-preview`.
    pub fn refresh(&mut self) -> CmdOutput {
        self.run_stack(&["refresh", "--yes", "--skip-preview"], true)
    }

    /// `pulumi destroy --yes --skip-preview`.
    pub fn destroy(&mut self) -> CmdOutput {
        self.run_stack(&["destroy", "--yes", "--skip-preview"], true)
    }

    /// `pulumi stack output --json --show-secrets`.
    pub fn stack_output_json(&mut self) -> Value {
        let out = self.run_stack(&["stack", "output", "--json", "--show-secrets"], true);
        serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("stack output is not JSON: {e}\n{out}"))
    }

    /// `pulumi stack export` (the deployment document).
    pub fn stack_export(&mut self) -> Value {
        let out = self.run_stack(&["stack", "export"], true);
        serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("stack export is not JSON: {e}\n{out}"))
    }
}

/// A `pulumi` run in the background, from [`PulumiProject::spawn_stack`].
pub struct RunningPulumi {
    child: Option<std::process::Child>,
    command: String,
    stdout_path: PathBuf,
    stderr_path: PathBuf,
    started: Instant,
    timeout: Duration,
}

impl RunningPulumi {
    /// The CLI's process id (also its process group id).
    pub fn pid(&self) -> i32 {
        self.child.as_ref().map(|c| c.id() as i32).unwrap_or(0)
    }

    /// stdout then stderr, as far as written.
    pub fn output_so_far(&self) -> String {
        format!("{}\n{}", read(&self.stdout_path), read(&self.stderr_path))
    }

    /// Whether the CLI has exited.
    pub fn finished(&mut self) -> bool {
        self.child
            .as_mut()
            .is_none_or(|c| matches!(c.try_wait(), Ok(Some(_))))
    }

    /// Waits for the CLI to exit (killing it and its plugins after the project's timeout, then
    /// panicking) and returns what it printed.
    pub fn wait(mut self) -> CmdOutput {
        let mut child = self.child.take().expect("not waited yet");
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for pulumi") {
                break status;
            }
            if self.started.elapsed() > self.timeout {
                kill_group(&mut child);
                panic!(
                    "`{}` did not finish within {:?}; killed.\n{}",
                    self.command,
                    self.timeout,
                    self.output_so_far()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let output = CmdOutput {
            command: self.command.clone(),
            status,
            stdout: read(&self.stdout_path),
            stderr: read(&self.stderr_path),
        };
        println!("{output}\n({:.1?})\n", self.started.elapsed());
        output
    }
}

impl Drop for RunningPulumi {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            kill_group(&mut child);
        }
    }
}

fn read(path: &Path) -> String {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}
