//! `scripts/env.sh`, which the README tells a user to `source` when working by hand, must leave
//! their AWS credentials, profile and region alone (pointing at real AWS afterwards must use
//! them), and must not invent any either: only what starts the emulator sets fake ones.

use std::process::Command;

use fargate_e2e::tools;

const AWS_VARIABLES: [&str; 6] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
];

/// Sources env.sh in a clean bash with `preset` and prints each AWS variable as `NAME=value`
/// (`NAME unset` when it is not set).
fn after_sourcing(preset: &[(&str, &str)]) -> Vec<String> {
    let env_sh = tools::workspace_root().join("scripts/env.sh");
    let report: String = AWS_VARIABLES
        .iter()
        .map(|v| format!("if [[ -v {v} ]]; then echo \"{v}=${v}\"; else echo \"{v} unset\"; fi; "))
        .collect();
    let mut command = Command::new("bash");
    command
        .arg("-c")
        .arg(format!("source {:?} && {report}", env_sh))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", std::env::var("HOME").unwrap_or_default());
    for (k, v) in preset {
        command.env(k, v);
    }
    let out = command.output().expect("run bash");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn env_sh_keeps_the_users_credentials_profile_and_region() {
    let preset = [
        ("AWS_ACCESS_KEY_ID", "AKIAREALUSERKEY00000"),
        ("AWS_SECRET_ACCESS_KEY", "real-secret"),
        ("AWS_SESSION_TOKEN", "real-session"),
        ("AWS_PROFILE", "sotex-admin"),
        ("AWS_REGION", "eu-central-1"),
        ("AWS_DEFAULT_REGION", "eu-west-1"),
    ];
    let expected: Vec<String> = preset.iter().map(|(k, v)| format!("{k}={v}")).collect();
    assert_eq!(after_sourcing(&preset), expected);
}

#[test]
fn env_sh_sets_no_fake_credentials_or_region() {
    // A user with only a profile: the profile's credentials and region must win.
    let lines = after_sourcing(&[("AWS_PROFILE", "sotex-admin")]);
    let expected: Vec<String> = AWS_VARIABLES
        .iter()
        .map(|v| {
            if *v == "AWS_PROFILE" {
                "AWS_PROFILE=sotex-admin".to_string()
            } else {
                format!("{v} unset")
            }
        })
        .collect();
    assert_eq!(lines, expected);
}
