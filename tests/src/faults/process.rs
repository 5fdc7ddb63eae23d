//! Processes of one test's own `pulumi` run: tests run in parallel, so a test only ever
//! signals the CLI it started or that CLI's descendants, found through `/proc`.

/// Every live descendant of `root` (not `root` itself), from `/proc/<pid>/stat`'s parent field.
pub fn descendants(root: i32) -> Vec<i32> {
    let mut parent_of = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<i32>().ok())
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
                .and_then(|p| p.parse::<i32>().ok());
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

/// The program a process runs: the file name of `argv[0]`.
pub fn program_name(pid: i32) -> Option<String> {
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let argv0 = cmdline.split(|b| *b == 0).next()?;
    let argv0 = String::from_utf8_lossy(argv0).into_owned();
    Some(argv0.rsplit('/').next().unwrap_or(&argv0).to_string())
}

/// Whether the process exists and is not a zombie.
pub fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            !s.rsplit_once(')')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

/// Descendants of `root` running `program` (e.g. `pulumi-resource-fargate`).
pub fn descendants_named(root: i32, program: &str) -> Vec<i32> {
    descendants(root)
        .into_iter()
        .filter(|p| alive(*p) && program_name(*p).as_deref() == Some(program))
        .collect()
}

/// Sends `signal` (`libc::SIGKILL`, `libc::SIGINT`, ...) to one process.
pub fn signal(pid: i32, signal: i32) -> std::io::Result<()> {
    // SAFETY: a plain kill(2) on one pid.
    if unsafe { libc::kill(pid, signal) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_own_children_by_name() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let me = std::process::id() as i32;
        let pid = child.id() as i32;
        assert!(descendants(me).contains(&pid));
        assert_eq!(descendants_named(me, "sleep"), vec![pid]);
        assert!(descendants_named(me, "no-such-program").is_empty());
        signal(pid, libc::SIGKILL).unwrap();
        child.wait().unwrap();
        assert!(!alive(pid));
    }
}
