//! `Moto`: a moto server of our own on a free loopback port, killed (with its process group)
//! on drop, also when the test panics.

use std::fs::File;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::tools;

/// How long moto may take to answer after start (Python imports are slow on a busy machine).
const STARTUP_TIMEOUT: Duration = Duration::from_secs(90);
const PORT_ATTEMPTS: usize = 5;

pub struct Moto {
    child: Child,
    port: u16,
    log_path: PathBuf,
    _dir: tempfile::TempDir,
}

impl Moto {
    /// Starts moto with its default settings.
    pub fn start() -> Moto {
        Moto::start_with_env(&[])
    }

    /// Starts moto with extra environment, e.g. `[("MOTO_ECS_SERVICE_RUNNING", "2")]`
    /// (an integer: the running count every `DescribeServices` reports; moto's default is 0).
    pub fn start_with_env(env: &[(&str, &str)]) -> Moto {
        let bin = tools::moto_server_bin();
        let mut last_log = String::new();
        for _ in 0..PORT_ATTEMPTS {
            let dir = tempfile::Builder::new()
                .prefix("moto-")
                .tempdir()
                .expect("temp dir for moto");
            let log_path = dir.path().join("moto.log");
            let log = File::create(&log_path).expect("create moto log");
            let port = free_port();
            let mut cmd = Command::new(&bin);
            cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("dup log"))
                .stderr(log)
                .process_group(0);
            clear_aws_env(&mut cmd);
            cmd.env("PYTHONUNBUFFERED", "1");
            // AWS managed policies (the ECS task execution policy) exist in every real account.
            cmd.env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true");
            for (k, v) in env {
                cmd.env(k, v);
            }
            let child = cmd
                .spawn()
                .unwrap_or_else(|e| panic!("start {}: {e}", bin.display()));
            let mut moto = Moto {
                child,
                port,
                log_path,
                _dir: dir,
            };
            match moto.wait_ready() {
                Ok(()) => return moto,
                Err(Exit::PortTaken(log)) => last_log = log, // dropped (killed); try another port
                Err(Exit::Failed(msg)) => panic!("{msg}"),
            }
        }
        panic!(
            "moto could not bind a free port in {PORT_ATTEMPTS} attempts; last log:\n{last_log}"
        );
    }

    fn wait_ready(&mut self) -> Result<(), Exit> {
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait moto") {
                let log = self.log();
                if log.contains("Address already in use") {
                    return Err(Exit::PortTaken(log));
                }
                return Err(Exit::Failed(format!(
                    "moto_server exited with {status} before answering on port {}; its output:\n{log}",
                    self.port
                )));
            }
            if http_request(
                self.addr(),
                "GET",
                "/moto-api/reset-auth",
                Duration::from_secs(2),
            )
            .is_ok()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(Exit::Failed(format!(
                    "moto_server did not answer on port {} within {STARTUP_TIMEOUT:?}; its output:\n{}",
                    self.port,
                    self.log()
                )));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr())
    }

    /// moto's stdout and stderr so far (one line per request it served).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// Forgets every resource in every service (`POST /moto-api/reset`).
    pub fn reset(&self) {
        let response = http_request(
            self.addr(),
            "POST",
            "/moto-api/reset",
            Duration::from_secs(30),
        )
        .unwrap_or_else(|e| panic!("reset moto: {e}"));
        assert!(
            response.starts_with("HTTP/1.1 200") || response.starts_with("HTTP/1.0 200"),
            "reset moto: {response}"
        );
    }

    /// Whether the server process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        kill_group(&mut self.child);
    }
}

enum Exit {
    PortTaken(String),
    Failed(String),
}

/// Kills a child started with `process_group(0)`, everything in its group and all its
/// descendants (pulumi starts plugins in process groups of their own), then reaps it.
pub(crate) fn kill_group(child: &mut Child) {
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        let mut victims = descendants(pid);
        victims.push(pid);
        // SAFETY: plain syscalls on our child's group and on processes descended from it.
        unsafe {
            libc::killpg(pid, libc::SIGKILL);
            for p in victims {
                libc::kill(p, libc::SIGKILL);
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Every live descendant of `root`, from `/proc/<pid>/stat`'s parent field.
fn descendants(root: libc::pid_t) -> Vec<libc::pid_t> {
    let mut parent_of = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<libc::pid_t>().ok())
            else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            // `pid (comm) state ppid ...`; comm may contain spaces and parentheses.
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse::<libc::pid_t>().ok());
            if let Some(ppid) = ppid {
                parent_of.push((pid, ppid));
            }
        }
    }
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            parent_of
                .iter()
                .filter(|(_, pp)| *pp == parent)
                .map(|(p, _)| *p),
        );
        i += 1;
    }
    found.remove(0);
    found
}

/// Removes inherited AWS settings (profiles, endpoints, credentials) from a command's environment.
pub(crate) fn clear_aws_env(cmd: &mut Command) {
    for (key, _) in std::env::vars_os() {
        if let Some(k) = key.to_str()
            && (k.starts_with("AWS_") || k.starts_with("PULUMI_") || k.starts_with("MOTO_"))
        {
            cmd.env_remove(k);
        }
    }
}

/// A port that was free a moment ago (the caller retries if someone takes it first).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

/// One HTTP/1.1 request with `Connection: close`; the whole response as text.
fn http_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    timeout: Duration,
) -> std::io::Result<String> {
    let mut s = TcpStream::connect_timeout(&addr, timeout)?;
    s.set_read_timeout(Some(timeout))?;
    s.set_write_timeout(Some(timeout))?;
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = Vec::new();
    s.read_to_end(&mut response)?;
    let text = String::from_utf8_lossy(&response).into_owned();
    if !text.starts_with("HTTP/1.") {
        return Err(std::io::Error::other(format!(
            "not an HTTP response: {text:?}"
        )));
    }
    Ok(text)
}
