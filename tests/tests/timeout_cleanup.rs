//! A hung `pulumi` run is killed after its timeout together with the plugins and program it
//! started, so a stuck test leaves no processes behind.

use std::time::{Duration, Instant};

use fargate_e2e::{PulumiProject, tools};

fn alive(pid: i32) -> bool {
    // A zombie (reaped later by init) counts as gone.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            !s.rsplit_once(')')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

#[test]
fn hung_program_is_killed_with_its_plugins() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let program = dir.path().join("hang");
    // Records its own pid and its parent's (the language host), then hangs.
    std::fs::write(
        &program,
        format!(
            "#!/bin/sh\necho $$ $PPID > '{}'\nexec sleep 600\n",
            pids.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        &program,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();

    let bin_dir = tools::language_host_bin().parent().unwrap().to_path_buf();
    let _ = tools::provider_bin();
    let mut project =
        PulumiProject::with_binaries("hang", &program, &bin_dir, &bin_dir, "http://127.0.0.1:9");
    project.stack_init("dev");
    project.set_timeout(Duration::from_secs(5));

    let started = Instant::now();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| project.preview()));
    let message = result.expect_err("a hung preview must fail the test");
    let message = message
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(message.contains("did not finish within"), "{message}");
    assert!(started.elapsed() < Duration::from_secs(60));

    let text = std::fs::read_to_string(&pids).expect("the program ran");
    let pids: Vec<i32> = text
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    for pid in &pids {
        assert!(
            !alive(*pid),
            "process {pid} survived the timeout: {}",
            std::fs::read_to_string(format!("/proc/{pid}/cmdline"))
                .unwrap_or_default()
                .replace('\0', " ")
        );
    }
}
