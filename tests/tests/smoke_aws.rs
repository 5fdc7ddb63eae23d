//! `scripts/smoke-aws` deploys to a real account, so it must refuse before doing anything unless
//! the caller's account (STS) is the one given with `--account-id`: without the option, without
//! credentials, with another account's credentials (moto's 123456789012 here), and with a
//! matching id but an endpoint override (not real AWS). "Anything" is checked: `cargo` and
//! `pulumi` on PATH are stand-ins that leave a mark when run, and moto holds no resource.

use std::path::Path;
use std::process::{Command, Output};

use fargate_e2e::{EcsProbe, Moto, tools};

/// Stand-ins for what the script would run after the check.
fn marking_tools(dir: &Path) {
    for tool in ["cargo", "pulumi"] {
        let path = dir.join(tool);
        std::fs::write(
            &path,
            format!("#!/bin/sh\necho {tool} >> {:?}\n", dir.join("ran")),
        )
        .unwrap();
        std::process::Command::new("chmod")
            .arg("+x")
            .arg(&path)
            .status()
            .unwrap();
    }
}

fn smoke(args: &[&str], env: &[(&str, &str)], bin: &Path, home: &Path) -> Output {
    let mut command = Command::new(tools::workspace_root().join("scripts/smoke-aws"));
    command
        .args(args)
        .env_clear()
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        // No credentials or profile of the machine's user can leak in.
        .env("HOME", home)
        .env("AWS_CONFIG_FILE", home.join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("none"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_REGION", "eu-central-1");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("run scripts/smoke-aws")
}

/// `(what, arguments, environment, the refusal expected)`.
type Case<'a> = (&'a str, Vec<&'a str>, Vec<(&'a str, &'a str)>, String);

fn has_aws_cli() -> bool {
    Command::new("sh")
        .args(["-c", "command -v aws"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn smoke_aws_refuses_without_the_matching_account_id() {
    let moto = Moto::start();
    let scratch = tempfile::tempdir().unwrap();
    let bin = scratch.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    marking_tools(&bin);
    let home = scratch.path();
    let moto_env = [
        ("AWS_ENDPOINT_URL", moto.url()),
        ("AWS_ACCESS_KEY_ID", "testing".to_string()),
        ("AWS_SECRET_ACCESS_KEY", "testing".to_string()),
    ];
    let fake_creds: Vec<(&str, &str)> = moto_env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let no_creds = [("AWS_ENDPOINT_URL", moto_env[0].1.as_str())];
    let aws = has_aws_cli();
    let cases: Vec<Case> = vec![
        (
            "no --account-id",
            vec![],
            fake_creds.clone(),
            "give the sandbox account explicitly: --account-id".into(),
        ),
        (
            "a malformed id",
            vec!["--account-id", "12345"],
            fake_creds.clone(),
            "is not a 12-digit AWS account id".into(),
        ),
        (
            "no credentials",
            vec!["--account-id", "123456789012"],
            no_creds.to_vec(),
            "cannot read the caller's account (no or expired credentials?)".into(),
        ),
        (
            "another account's credentials",
            vec!["--account-id", "111111111111"],
            fake_creds.clone(),
            "the credentials belong to account 123456789012, not --account-id 111111111111".into(),
        ),
        (
            "the matching id, but an emulator's endpoint",
            vec!["--account-id", "123456789012"],
            fake_creds.clone(),
            "AWS_ENDPOINT_URL is set".into(),
        ),
    ];
    for (case, args, env, expected) in cases {
        let out = smoke(&args, &env, &bin, home);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{case}: {stderr}");
        let expected = if aws || !args.iter().any(|a| a.len() == 12) {
            expected
        } else {
            "the aws CLI is not on PATH".to_string()
        };
        assert!(
            stderr.starts_with("smoke-aws: refusing to start:") && stderr.contains(&expected),
            "{case}: {stderr}"
        );
        assert!(out.stdout.is_empty(), "{case}: printed timings");
        assert!(
            !bin.join("ran").exists(),
            "{case}: ran {}",
            std::fs::read_to_string(bin.join("ran")).unwrap_or_default()
        );
    }
    assert!(
        EcsProbe::new(&moto.url()).list_cluster_arns().is_empty(),
        "something was deployed"
    );
}
