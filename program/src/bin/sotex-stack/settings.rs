//! The stack's configuration (`sotex-backend:<key>` in `Pulumi.<stack>.yaml`), read once,
//! typed and checked before anything is declared, so a typo fails the preview naming its key.
//!
//! Keys that feed one resource property under the same name (`cpu`, `memory`, `desiredCount`,
//! `certificateArn`, `secrets`, ...) are checked by the provider, whose message names that
//! property and the value. Checked here: what only this program knows (image reference,
//! network ids, paths, CIDRs, timeouts) and what spans several resources (`containerPort`).

use std::collections::BTreeMap;

use pulumi_rs::fargate::ecs::ContainerInsights;
use pulumi_rs::{Config, Error, Output};

pub const DEFAULT_SSL_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/// Every setting of the stack; see the README's configuration table for each key.
#[derive(Debug, Clone)]
pub struct Settings {
    pub image_repository: String,
    pub image_tag: String,
    pub cpu: i64,
    pub memory: i64,
    pub desired_count: i64,
    pub desired_count_managed_by_autoscaler: bool,
    pub container_port: i64,
    pub health_check_path: String,
    /// Secret as a whole when any entry is `secure:`.
    pub environment: Output<BTreeMap<String, String>>,
    /// Container variable name → Secrets Manager / SSM parameter ARN.
    pub secrets: BTreeMap<String, String>,
    pub certificate_arn: Option<String>,
    pub ssl_policy: String,
    pub vpc_id: Option<String>,
    pub vpc_cidr: Option<String>,
    pub public_subnet_ids: Option<Vec<String>>,
    pub private_subnet_ids: Option<Vec<String>>,
    pub assign_public_ip: bool,
    pub allowed_cidrs: Vec<String>,
    pub log_group: String,
    pub execution_role_arn: Option<String>,
    pub task_role_arn: Option<String>,
    pub minimum_healthy_percent: i64,
    pub maximum_percent: i64,
    pub rollout_timeout: String,
    pub container_insights: Option<ContainerInsights>,
    pub deletion_protection: bool,
    pub idle_timeout_seconds: i64,
    pub tags: BTreeMap<String, String>,
}

impl Settings {
    pub fn image(&self) -> String {
        format!("{}:{}", self.image_repository, self.image_tag)
    }

    pub fn read(config: &Config, stack: &str) -> Result<Settings, Error> {
        let image_repository: String = config.require("imageRepository")?;
        if !is_image_repository(&image_repository) {
            return Err(config.invalid(
                "imageRepository",
                &image_repository,
                "a repository without tag or digest, e.g. `123456789012.dkr.ecr.eu-central-1.amazonaws.com/sotex-box-api`",
            ));
        }
        let image_tag: String = config.require("imageTag")?;
        if !is_image_tag(&image_tag) {
            return Err(config.invalid(
                "imageTag",
                &image_tag,
                "1 to 128 letters, digits, `_`, `.` or `-`, not starting with `.` or `-` (e.g. `1.4.2` or a commit sha)",
            ));
        }

        let container_port: i64 = config.get("containerPort")?.unwrap_or(8080);
        if !(1..=65535).contains(&container_port) {
            return Err(config.invalid(
                "containerPort",
                &container_port,
                "a TCP port from 1 to 65535",
            ));
        }
        let health_check_path: String = config
            .get("healthCheckPath")?
            .unwrap_or_else(|| "/health".to_string());
        if !health_check_path.starts_with('/') || health_check_path.len() > 1024 {
            return Err(config.invalid(
                "healthCheckPath",
                &health_check_path,
                "a path starting with `/`, at most 1024 characters (e.g. `/health`)",
            ));
        }

        let vpc_id: Option<String> = config.get("vpcId")?;
        if let Some(id) = &vpc_id
            && !is_aws_id(id, "vpc-")
        {
            return Err(config.invalid("vpcId", id, "a VPC id such as `vpc-0abc1234`"));
        }
        let vpc_cidr: Option<String> = config.get("vpcCidr")?;
        if let Some(cidr) = &vpc_cidr
            && !is_ipv4_cidr(cidr)
        {
            return Err(config.invalid(
                "vpcCidr",
                cidr,
                "the VPC's IPv4 CIDR block, e.g. `10.0.0.0/16`",
            ));
        }
        let public_subnet_ids = subnet_list(config, "publicSubnetIds", 2)?;
        let private_subnet_ids = subnet_list(config, "privateSubnetIds", 1)?;

        let allowed_cidrs: Vec<String> = config
            .get("allowedCidrs")?
            .unwrap_or_else(|| vec!["0.0.0.0/0".to_string()]);
        if allowed_cidrs.is_empty() {
            return Err(config.invalid(
                "allowedCidrs",
                &"[]",
                "at least one IPv4 CIDR block allowed to reach the load balancer",
            ));
        }
        if let Some(bad) = allowed_cidrs.iter().find(|c| !is_ipv4_cidr(c)) {
            return Err(config.invalid(
                "allowedCidrs",
                bad,
                "IPv4 CIDR blocks such as `0.0.0.0/0` or `10.0.0.0/8`",
            ));
        }

        let log_group: String = config
            .get("logGroup")?
            .unwrap_or_else(|| format!("/ecs/sotex-box-backend/{stack}"));
        if !is_log_group_name(&log_group) {
            return Err(config.invalid(
                "logGroup",
                &log_group,
                "1 to 512 characters of letters, digits and `_ - / . #`",
            ));
        }

        let rollout_timeout: String = config
            .get("rolloutTimeout")?
            .unwrap_or_else(|| "15m".to_string());
        if !is_duration(&rollout_timeout) {
            return Err(config.invalid(
                "rolloutTimeout",
                &rollout_timeout,
                "a duration such as `90s`, `15m` or `1h`",
            ));
        }

        let environment = config
            .get_output::<BTreeMap<String, String>>("environment")?
            .unwrap_or_else(|| Output::new(BTreeMap::new()));

        Ok(Settings {
            image_repository,
            image_tag,
            cpu: config.get("cpu")?.unwrap_or(256),
            memory: config.get("memory")?.unwrap_or(512),
            desired_count: config.get("desiredCount")?.unwrap_or(1),
            desired_count_managed_by_autoscaler: config
                .get("desiredCountManagedByAutoscaler")?
                .unwrap_or(false),
            container_port,
            health_check_path,
            environment,
            secrets: config.get("secrets")?.unwrap_or_default(),
            certificate_arn: config.get("certificateArn")?,
            ssl_policy: config
                .get("sslPolicy")?
                .unwrap_or_else(|| DEFAULT_SSL_POLICY.to_string()),
            vpc_id,
            vpc_cidr,
            public_subnet_ids,
            private_subnet_ids,
            assign_public_ip: config.get("assignPublicIp")?.unwrap_or(false),
            allowed_cidrs,
            log_group,
            execution_role_arn: config.get("executionRoleArn")?,
            task_role_arn: config.get("taskRoleArn")?,
            minimum_healthy_percent: config.get("minimumHealthyPercent")?.unwrap_or(100),
            maximum_percent: config.get("maximumPercent")?.unwrap_or(200),
            rollout_timeout,
            container_insights: config.get("containerInsights")?,
            deletion_protection: config.get("deletionProtection")?.unwrap_or(false),
            idle_timeout_seconds: config.get("idleTimeoutSeconds")?.unwrap_or(60),
            tags: config.get("tags")?.unwrap_or_default(),
        })
    }
}

fn subnet_list(config: &Config, key: &str, at_least: usize) -> Result<Option<Vec<String>>, Error> {
    let Some(ids) = config.get::<Vec<String>>(key)? else {
        return Ok(None);
    };
    if let Some(bad) = ids.iter().find(|id| !is_aws_id(id, "subnet-")) {
        return Err(config.invalid(key, bad, "subnet ids such as `subnet-0abc1234`"));
    }
    if ids.len() < at_least {
        return Err(config.invalid(
            key,
            &format!("{ids:?}"),
            &format!("at least {at_least} subnet id(s)"),
        ));
    }
    Ok(Some(ids))
}

/// `<prefix><8 or 17 hex digits>`, as AWS issues them.
fn is_aws_id(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix).is_some_and(|hex| {
        (hex.len() == 8 || hex.len() == 17) && hex.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

fn is_image_repository(repo: &str) -> bool {
    let last = repo.rsplit('/').next().unwrap_or_default();
    !repo.is_empty()
        && repo.len() <= 255
        && !repo.contains(char::is_whitespace)
        && !last.contains(':')
        && !repo.contains('@')
        && !last.is_empty()
}

/// Docker's tag grammar: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
fn is_image_tag(tag: &str) -> bool {
    let mut bytes = tag.bytes();
    tag.len() <= 128
        && bytes
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

fn is_ipv4_cidr(cidr: &str) -> bool {
    let Some((addr, len)) = cidr.split_once('/') else {
        return false;
    };
    addr.parse::<std::net::Ipv4Addr>().is_ok()
        && len.parse::<u8>().is_ok_and(|l| l <= 32)
        && !len.starts_with('+')
}

fn is_log_group_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 512
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'/' | b'.' | b'#'))
}

/// What the engine accepts in customTimeouts: a number and a unit.
fn is_duration(s: &str) -> bool {
    let digits = s.trim_end_matches(['s', 'm', 'h']);
    let unit = &s[digits.len()..];
    unit.len() == 1 && !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    fn config(pairs: &[(&str, &str)]) -> Config {
        let mut values: HashMap<String, String> = [
            ("sotex-backend:imageRepository", "example.com/sotex/api"),
            ("sotex-backend:imageTag", "1.0.0"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for (k, v) in pairs {
            values.insert(format!("sotex-backend:{k}"), v.to_string());
        }
        Config::new("sotex-backend", "staging", values, HashSet::new())
    }

    fn error_for(pairs: &[(&str, &str)]) -> String {
        Settings::read(&config(pairs), "staging")
            .expect_err("should be refused")
            .to_string()
    }

    #[test]
    fn defaults() {
        let s = Settings::read(&config(&[]), "staging").unwrap();
        assert_eq!(s.image(), "example.com/sotex/api:1.0.0");
        assert_eq!((s.cpu, s.memory, s.desired_count), (256, 512, 1));
        assert_eq!(s.container_port, 8080);
        assert_eq!(s.health_check_path, "/health");
        assert_eq!(s.allowed_cidrs, ["0.0.0.0/0"]);
        assert_eq!(s.log_group, "/ecs/sotex-box-backend/staging");
        assert_eq!(s.rollout_timeout, "15m");
        assert!(!s.assign_public_ip && !s.desired_count_managed_by_autoscaler);
    }

    #[test]
    fn each_refusal_names_key_value_and_what_is_valid() {
        for (key, value, expected) in [
            ("imageRepository", "repo:latest", "without tag"),
            ("imageTag", "-bad", "letters, digits"),
            ("containerPort", "70000", "1 to 65535"),
            ("healthCheckPath", "health", "starting with `/`"),
            ("vpcId", "vpc-xyz", "VPC id"),
            ("publicSubnetIds", r#"["subnet-0123abcd"]"#, "at least 2"),
            ("privateSubnetIds", r#"["sub-0123abcd"]"#, "subnet ids"),
            ("allowedCidrs", r#"["10.0.0.0/33"]"#, "CIDR"),
            ("logGroup", "logs with spaces", "512 characters"),
            ("rolloutTimeout", "soon", "duration"),
        ] {
            let e = error_for(&[(key, value)]);
            let shown = value.trim_start_matches(r#"[""#).trim_end_matches(r#""]"#);
            assert!(
                e.contains(&format!("sotex-backend:{key}"))
                    && e.contains("Pulumi.staging.yaml")
                    && e.contains(expected)
                    && (e.contains(shown) || key == "publicSubnetIds"),
                "{key}={value}: {e}"
            );
        }
    }

    #[test]
    fn wrong_types_and_missing_keys_name_the_key() {
        let e = error_for(&[("cpu", "big")]);
        assert!(e.contains("sotex-backend:cpu") && e.contains("big"), "{e}");
        let c = Config::new(
            "sotex-backend",
            "production",
            HashMap::new(),
            HashSet::new(),
        );
        let e = Settings::read(&c, "production").unwrap_err().to_string();
        assert!(
            e.contains("sotex-backend:imageRepository") && e.contains("Pulumi.production.yaml"),
            "{e}"
        );
    }

    #[test]
    fn value_grammars() {
        assert!(is_aws_id("subnet-0123456789abcdef0", "subnet-"));
        assert!(is_aws_id("vpc-1234abcd", "vpc-"));
        assert!(!is_aws_id("subnet-123", "subnet-"));
        assert!(is_image_tag("1.4.2") && is_image_tag("a1b2c3d") && is_image_tag("_x"));
        assert!(!is_image_tag("") && !is_image_tag(".x") && !is_image_tag("a b"));
        assert!(is_ipv4_cidr("0.0.0.0/0") && !is_ipv4_cidr("10.0.0.0") && !is_ipv4_cidr("::/0"));
        assert!(is_duration("90s") && is_duration("15m") && !is_duration("m") && !is_duration("5"));
        assert!(is_image_repository(
            "123.dkr.ecr.eu-central-1.amazonaws.com/sotex-box-api"
        ));
        assert!(is_image_repository("localhost:5000/api"));
        assert!(!is_image_repository("api@sha256:abc"));
    }
}
