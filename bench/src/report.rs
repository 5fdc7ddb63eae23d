//! Renders the measurements as `BENCHMARKS.md`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

use crate::procs::Role;
use crate::{Args, Builds, Footprint, Languages, Step};

/// The fewest AWS calls each operation of the cycle needs, with why; the measured count is
/// compared against these.
pub fn minimal_calls(step: &str) -> &'static [(&'static str, usize)] {
    match step {
        "preview (create)" | "preview (no change)" | "up (no change)" => &[],
        "up (create)" => &[
            // Two groups: create, open ingress, replace AWS's allow-all egress with ours.
            ("ec2:CreateSecurityGroup", 2),
            ("ec2:AuthorizeSecurityGroupIngress", 2),
            ("ec2:RevokeSecurityGroupEgress", 2),
            ("ec2:AuthorizeSecurityGroupEgress", 2),
            ("elasticloadbalancing:CreateLoadBalancer", 1),
            // Waiting for `active` needs at least one look.
            ("elasticloadbalancing:DescribeLoadBalancers", 1),
            ("elasticloadbalancing:CreateTargetGroup", 1),
            // The deregistration delay (30 s) is not AWS's default (300 s).
            ("elasticloadbalancing:ModifyTargetGroupAttributes", 1),
            ("elasticloadbalancing:CreateListener", 2),
            // CreateCluster is idempotent by name: one look first, or an existing cluster would
            // be silently adopted.
            ("ecs:DescribeClusters", 1),
            ("ecs:CreateCluster", 1),
            ("ecs:RegisterTaskDefinition", 1),
            ("ecs:CreateService", 1),
            // Steady state needs at least one look.
            ("ecs:DescribeServices", 1),
            // The roles: the default trust names this account (one look per provider process,
            // shared by both roles; no permission needed);
            // the execution role gets AWS's managed policy and the inline `read-secrets`.
            ("sts:GetCallerIdentity", 1),
            ("iam:CreateRole", 2),
            ("iam:AttachRolePolicy", 1),
            ("iam:PutRolePolicy", 1),
            // The log group: CreateLogGroup answers nothing (one look for the ARN) and takes no
            // retention.
            ("logs:CreateLogGroup", 1),
            ("logs:DescribeLogGroups", 1),
            ("logs:PutRetentionPolicy", 1),
            // The `secure:` SENTRY_DSN's parameter: PutParameter answers no ARN.
            ("ssm:PutParameter", 1),
            ("ssm:GetParameter", 1),
        ],
        "up (image tag only)" => &[
            ("ecs:RegisterTaskDefinition", 1),
            ("ecs:UpdateService", 1),
            ("ecs:DescribeServices", 1),
        ],
        "up (desired count only)" => &[("ecs:UpdateService", 1), ("ecs:DescribeServices", 1)],
        "destroy" => &[
            ("elasticloadbalancing:DeleteListener", 2),
            ("elasticloadbalancing:DeleteTargetGroup", 1),
            ("elasticloadbalancing:DeleteLoadBalancer", 1),
            // Its groups cannot be deleted while the load balancer's interfaces exist.
            ("elasticloadbalancing:DescribeLoadBalancers", 1),
            ("ec2:DeleteSecurityGroup", 2),
            // The service: scale to 0 (its tasks drain as in any scale-in; no look first, as
            // UpdateService answers "gone" too), delete, confirm it is gone.
            ("ecs:UpdateService", 1),
            ("ecs:DeleteService", 1),
            ("ecs:DescribeServices", 1),
            // Two revisions exist after the image change.
            ("ecs:DeregisterTaskDefinition", 2),
            ("ecs:DeleteCluster", 1),
            // A role is deleted only without policies: detach and delete what the state names
            // (no listing; a policy added behind Pulumi's back surfaces as DeleteConflict, and
            // only then are the role's policies listed).
            ("iam:DetachRolePolicy", 1),
            ("iam:DeleteRolePolicy", 1),
            ("iam:DeleteRole", 2),
            ("logs:DeleteLogGroup", 1),
            ("ssm:DeleteParameter", 1),
        ],
        _ => &[],
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    v.sort();
    v[v.len() / 2]
}

fn median_u64(mut v: Vec<u64>) -> u64 {
    if v.is_empty() {
        return 0;
    }
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

/// CPU time comes in clock ticks (10 ms): zero means less than one tick.
fn cpu(d: Duration) -> String {
    if d.is_zero() {
        "< 10 ms".to_string()
    } else {
        ms(d)
    }
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn counts(calls: &[String]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for c in calls {
        *m.entry(c.clone()).or_insert(0) += 1;
    }
    m
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mem_kib: u64 = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0);
    format!(
        "{cores} cores ({cpu}), {:.0} GiB RAM",
        mem_kib as f64 / 1024.0 / 1024.0
    )
}

fn target(met: bool) -> &'static str {
    if met { "met" } else { "**missed**" }
}

pub fn render(
    args: &Args,
    f: &Footprint,
    cycles: &[Vec<Step>],
    languages: &Languages,
    builds: &Builds,
) -> String {
    let mut md = String::new();
    let runs = cycles.len();
    let _ = writeln!(md, "# Benchmarks\n");
    let _ = writeln!(
        md,
        "Measured on {} with `bench/run{}` ({} full-stack cycles; medians unless noted). \
         Everything runs locally: the pinned pulumi CLI, the release build of our binaries, \
         moto on loopback behind the recording proxy of the end-to-end tests. \
         Reproduce with:\n\n```sh\nbench/run            # footprint, AWS calls, timings; rewrites this file\nbench/run --build    # also the clean and incremental release builds and the incremental debug build (several minutes)\n```\n",
        machine(),
        if args.build { " --build" } else { "" },
        runs
    );

    // Footprint.
    let peak_provider = median_u64(
        cycles
            .iter()
            .map(|c| {
                c.iter()
                    .filter_map(|s| s.usage.get(&Role::Provider))
                    .map(|u| u.peak_rss_kib)
                    .max()
                    .unwrap_or(0)
            })
            .collect(),
    );
    let size_mb = f.binary_bytes as f64 / 1_000_000.0;
    let ready = median(f.ready.clone());
    let _ = writeln!(md, "## Provider footprint\n");
    let _ = writeln!(md, "| measure | value | target | |\n|---|---|---|---|");
    let _ = writeln!(
        md,
        "| release binary (stripped) | {size_mb:.1} MB | ≤ 30 MB | {} |",
        target(size_mb <= 30.0)
    );
    let _ = writeln!(
        md,
        "| exec → port printed ({} starts) | {} (max {}) | ≤ 50 ms | {} |",
        f.ready.len(),
        ms(ready),
        ms(f.ready.iter().max().copied().unwrap_or_default()),
        target(ready <= Duration::from_millis(50))
    );
    let _ = writeln!(
        md,
        "| GetSchema, first call on a fresh process ({} KiB schema) | {} | | |",
        f.schema_bytes / 1024,
        ms(median(f.get_schema_first.clone()))
    );
    let _ = writeln!(
        md,
        "| GetSchema, warm | {} | | |",
        ms(median(f.get_schema_warm.clone()))
    );
    let _ = writeln!(
        md,
        "| peak RSS of the provider across a full-stack cycle (create, no-change, image, count, destroy) | {} | ≤ 30 MiB | {} |",
        mib(peak_provider),
        target(peak_provider <= 30 * 1024)
    );
    let _ = writeln!(md);

    // AWS economy.
    let _ = writeln!(md, "## AWS calls per operation\n");
    let _ = writeln!(
        md,
        "Counted at the recording proxy in front of moto, full stack of `Pulumi.staging.yaml` (13 resources: roles, log group and the secret's SSM parameter included), network \
         pinned in the stack file (with the network discovered by `getNetwork` instead, every \
         preview and up adds its 2 reads: `DescribeVpcs`, `DescribeSubnets`). \"Minimal\" is the \
         fewest calls the operation needs (see `bench/src/report.rs` for why each is needed); \
         waits count every poll.\n"
    );
    let _ = writeln!(
        md,
        "| operation | calls (median) | minimal | over minimal | calls of the first run |\n|---|---|---|---|---|"
    );
    let first = &cycles[0];
    for (i, step) in first.iter().enumerate() {
        let n = median_u64(cycles.iter().map(|c| c[i].calls.len() as u64).collect());
        let minimal: usize = minimal_calls(step.name).iter().map(|(_, n)| n).sum();
        let over = if minimal == 0 {
            if n == 0 {
                "—".to_string()
            } else {
                format!("+{n}")
            }
        } else {
            format!(
                "{:+.0} %",
                (n as f64 - minimal as f64) / minimal as f64 * 100.0
            )
        };
        let detail = counts(&step.calls)
            .into_iter()
            .map(|(op, k)| if k == 1 { op } else { format!("{op} ×{k}") })
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            md,
            "| {} | {n} | {minimal} | {over} | {} |",
            step.name,
            if detail.is_empty() {
                "none".into()
            } else {
                detail
            }
        );
    }
    let _ = writeln!(md);

    // Time split.
    let _ = writeln!(md, "## Wall time and where the CPU goes\n");
    let _ = writeln!(
        md,
        "Wall time of each `pulumi` command on the full stack; CPU time (user + system) of each \
         process kind, sampled from `/proc` during the command; \"ours\" is the share of the CPU \
         used by our provider, language host and program. moto's time is not counted.\n"
    );
    let _ = writeln!(
        md,
        "| operation | wall | engine CPU | provider CPU | language host CPU | program CPU | ours |\n|---|---|---|---|---|---|---|"
    );
    for (i, step) in first.iter().enumerate() {
        let wall = median(cycles.iter().map(|c| c[i].wall).collect());
        let cpu_of = |role: Role| {
            median(
                cycles
                    .iter()
                    .map(|c| c[i].usage.get(&role).map(|u| u.cpu).unwrap_or_default())
                    .collect(),
            )
        };
        let (e, p, l, g) = (
            cpu_of(Role::Engine),
            cpu_of(Role::Provider),
            cpu_of(Role::LanguageHost),
            cpu_of(Role::Program),
        );
        let total = (e + p + l + g).as_secs_f64();
        let ours = if total > 0.0 {
            format!("{:.0} %", (p + l + g).as_secs_f64() / total * 100.0)
        } else {
            "—".into()
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {ours} |",
            step.name,
            secs(wall),
            cpu(e),
            cpu(p),
            cpu(l),
            cpu(g)
        );
    }
    let _ = writeln!(md);
    let _ = writeln!(
        md,
        "Peak RSS per process kind (largest of the cycle, median over runs):\n"
    );
    let _ = writeln!(md, "| process | peak RSS |\n|---|---|");
    for role in [
        Role::Engine,
        Role::Provider,
        Role::LanguageHost,
        Role::Program,
    ] {
        let peak = median_u64(
            cycles
                .iter()
                .map(|c| {
                    c.iter()
                        .filter_map(|s| s.usage.get(&role))
                        .map(|u| u.peak_rss_kib)
                        .max()
                        .unwrap_or(0)
                })
                .collect(),
        );
        let _ = writeln!(md, "| {} | {} |", role.label(), mib(peak));
    }
    let _ = writeln!(md);

    // Program language.
    let _ = writeln!(md, "## Program language: Rust vs Pulumi YAML\n");
    match &languages.unavailable {
        Some(why) => {
            let _ = writeln!(md, "Not measured: {why}.\n");
        }
        None => {
            let rust = median(languages.rust.clone());
            let yaml = median(languages.yaml.clone());
            let ratios: Vec<Duration> = languages
                .rust
                .iter()
                .zip(&languages.yaml)
                .map(|(r, y)| Duration::from_secs_f64(y.as_secs_f64() / r.as_secs_f64()))
                .collect();
            let _ = writeln!(
                md,
                "`pulumi preview` of the whole stack (10 creates) against an empty state, the \
                 Rust program (`sotex-stack`) and the same resources and inputs in Pulumi YAML \
                 (`bench/yaml/Main.yaml`, run by `pulumi-language-yaml` {} built from its Go \
                 module), alternating {} times in one run. TypeScript and Python are not \
                 possible here: their language hosts' Go modules are refused by the module \
                 proxy (see the SDK-generation issue), so YAML is the other language.\n\n\
                 | program | preview wall time |\n|---|---|\n| Rust | {} |\n| Pulumi YAML | {} |\n| ratio YAML / Rust (median of pairs) | {:.2} |\n",
                std::env::var("PULUMI_YAML_VERSION").unwrap_or_default(),
                languages.rust.len(),
                secs(rust),
                secs(yaml),
                median(ratios).as_secs_f64()
            );
        }
    }

    // Builds.
    let _ = writeln!(md, "## Build\n");
    match (builds.clean_release, builds.incremental_release) {
        (Some(clean), Some(incremental)) => {
            let _ = writeln!(
                md,
                "| build | time | target | |\n|---|---|---|---|\n\
                 | clean release build of the provider (fresh target directory) | {} | ≤ 8 min | {} |\n\
                 | incremental release rebuild after touching `{touched}` | {} | | |\n\
                 | incremental debug build after touching `{touched}` (the developer loop: `cargo build {dev}`, as `scripts/up`) | {} | ≤ 30 s | {} |\n",
                secs(clean),
                target(clean <= Duration::from_secs(480)),
                secs(incremental),
                builds.incremental_debug.map_or("not measured".into(), secs),
                builds
                    .incremental_debug
                    .map_or("", |d| target(d <= Duration::from_secs(30))),
                touched = crate::TOUCHED,
                dev = crate::DEV_BUILD.join(" "),
            );
            let _ = writeln!(
                md,
                "Load average when the clean build started: {} (anything else running on the \
                 2 cores shows up here). Longest compilation units of the clean build \
                 (`cargo build --timings`):\n",
                builds.load_before
            );
            for (unit, seconds) in &builds.longest_units {
                let _ = writeln!(md, "- `{}`: {seconds:.0} s", unit.trim());
            }
            let _ = writeln!(md);
        }
        _ => {
            let _ = writeln!(
                md,
                "Not measured in this run (`bench/run --build` measures it).\n"
            );
        }
    }
    md
}

const BUILD_HEADING: &str = "## Build\n";
const KEPT_NOTE: &str = "\nKept from the last `bench/run --build` (this run did not build).\n";

/// `fresh` with its build section replaced by the one in `previous` (the last report), when
/// `previous` has measured figures: a run without `--build` must not erase them.
pub fn keep_build_section(fresh: &str, previous: Option<&str>) -> String {
    let section = |md: &str| -> Option<(usize, usize)> {
        let start = md.find(BUILD_HEADING)?;
        let body = start + BUILD_HEADING.len();
        let end = md[body..].find("\n## ").map_or(md.len(), |i| body + i + 1);
        Some((start, end))
    };
    let Some(previous) = previous else {
        return fresh.to_string();
    };
    match (section(fresh), section(previous)) {
        (Some((start, end)), Some((p_start, p_end)))
            if previous[p_start..p_end].contains("| clean release build") =>
        {
            let body = previous[p_start + BUILD_HEADING.len()..p_end].replacen(KEPT_NOTE, "", 1);
            let kept = format!("{BUILD_HEADING}{KEPT_NOTE}{body}");
            format!("{}{kept}{}", &fresh[..start], &fresh[end..])
        }
        _ => fresh.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::keep_build_section;

    const MEASURED: &str = "# B\n\n## Footprint\n\nold\n\n## Build\n\n| build | time |\n| clean release build | 400 s |\n";

    #[test]
    fn a_run_without_build_keeps_the_last_build_figures() {
        let fresh = "# B\n\n## Footprint\n\nnew\n\n## Build\n\nNot measured in this run.\n";
        let kept = keep_build_section(fresh, Some(MEASURED));
        assert!(kept.contains("new") && !kept.contains("old"), "{kept}");
        assert!(kept.contains("| clean release build | 400 s |"), "{kept}");
        assert!(!kept.contains("Not measured"), "{kept}");
        // Kept twice stays one note.
        let again = keep_build_section(fresh, Some(&kept));
        assert_eq!(again.matches("Kept from the last").count(), 1, "{again}");
    }

    #[test]
    fn nothing_to_keep_leaves_the_fresh_report() {
        let fresh = "# B\n\n## Build\n\nNot measured in this run.\n";
        assert_eq!(keep_build_section(fresh, None), fresh);
        assert_eq!(keep_build_section(fresh, Some(fresh)), fresh);
    }
}
