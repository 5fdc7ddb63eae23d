//! Per-process CPU time and peak RSS, sampled from `/proc` while a `pulumi` command runs.
//! Processes are told apart by their executable: the pinned CLI (the engine), our provider, our
//! language host, our stack program. The kernel keeps the peak RSS (`VmHWM`) itself, so a
//! sample every few milliseconds sees the true peak of every process that lives that long;
//! CPU time is the last sample's `utime + stime` (at most one interval short).

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use fargate_e2e::tools;

const INTERVAL: Duration = Duration::from_millis(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Engine,
    Provider,
    LanguageHost,
    Program,
}

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Role::Engine => "engine (pulumi CLI)",
            Role::Provider => "provider",
            Role::LanguageHost => "language host",
            Role::Program => "program",
        }
    }
}

/// What the processes of one role used during one command.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    pub cpu: Duration,
    pub peak_rss_kib: u64,
    pub processes: usize,
}

pub fn roles() -> Arc<Vec<(PathBuf, Role)>> {
    let canonical = |p: PathBuf| p.canonicalize().unwrap_or(p);
    Arc::new(vec![
        (canonical(tools::pulumi_bin()), Role::Engine),
        (canonical(tools::provider_bin()), Role::Provider),
        (canonical(tools::language_host_bin()), Role::LanguageHost),
        (
            canonical(tools::workspace_bin("sotex-stack")),
            Role::Program,
        ),
    ])
}

pub struct Sampler {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<HashMap<u32, (Role, u64, u64)>>,
}

impl Sampler {
    pub fn start(roles: Arc<Vec<(PathBuf, Role)>>) -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            // pid → (role, peak RSS KiB, CPU ticks)
            let mut seen: HashMap<u32, (Role, u64, u64)> = HashMap::new();
            while !flag.load(Ordering::Relaxed) {
                sample(&roles, &mut seen);
                std::thread::sleep(INTERVAL);
            }
            sample(&roles, &mut seen);
            seen
        });
        Sampler { stop, thread }
    }

    pub fn stop(self) -> BTreeMap<Role, Usage> {
        self.stop.store(true, Ordering::Relaxed);
        let seen = self.thread.join().expect("sampler thread");
        let ticks_per_second = clock_ticks();
        let mut usage: BTreeMap<Role, Usage> = BTreeMap::new();
        for (role, peak, ticks) in seen.into_values() {
            let u = usage.entry(role).or_default();
            u.cpu += Duration::from_secs_f64(ticks as f64 / ticks_per_second);
            u.peak_rss_kib = u.peak_rss_kib.max(peak);
            u.processes += 1;
        }
        usage
    }
}

fn sample(roles: &[(PathBuf, Role)], seen: &mut HashMap<u32, (Role, u64, u64)>) {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return;
    };
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(exe) = std::fs::read_link(entry.path().join("exe")) else {
            continue;
        };
        let Some(role) = roles.iter().find(|(p, _)| *p == exe).map(|(_, r)| *r) else {
            continue;
        };
        let (Some(peak), Some(ticks)) = (peak_rss_kib(pid), cpu_ticks(pid)) else {
            continue;
        };
        let e = seen.entry(pid).or_insert((role, 0, 0));
        e.1 = e.1.max(peak);
        e.2 = e.2.max(ticks);
    }
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// `utime + stime` of the process itself (fields 14 and 15 of `/proc/<pid>/stat`).
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // after_name starts at field 3 (state): utime is field 14, stime field 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}
