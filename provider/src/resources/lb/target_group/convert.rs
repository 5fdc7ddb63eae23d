//! Conversion between AWS shapes and our inputs/outputs, and the request builders.

use super::*;

/// A health check with every value resolved (what is sent to AWS).
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedHealthCheck {
    pub path: String,
    /// `traffic-port` or a number.
    pub port: String,
    pub protocol: HttpProtocol,
    pub interval: u32,
    pub timeout: u32,
    pub healthy: u32,
    pub unhealthy: u32,
    pub matcher: String,
}

pub fn resolve_health_check(i: &TargetGroupInputs) -> ResolvedHealthCheck {
    let hc = i.health_check.clone().unwrap_or_default();
    ResolvedHealthCheck {
        path: hc.path.unwrap_or_else(|| DEFAULT_PATH.to_string()),
        port: hc
            .port
            .map(|p| p.to_string())
            .unwrap_or_else(|| "traffic-port".to_string()),
        protocol: hc.protocol.or(i.protocol).unwrap_or(HttpProtocol::Http),
        interval: hc.interval_seconds.unwrap_or(DEFAULT_INTERVAL),
        timeout: hc.timeout_seconds.unwrap_or(DEFAULT_TIMEOUT),
        healthy: hc.healthy_threshold.unwrap_or(DEFAULT_HEALTHY),
        unhealthy: hc.unhealthy_threshold.unwrap_or(DEFAULT_UNHEALTHY),
        matcher: hc.matcher.unwrap_or_else(|| DEFAULT_MATCHER.to_string()),
    }
}

/// Target group attributes the inputs determine (AWS's defaults where unset).
pub fn desired_attributes(i: &TargetGroupInputs) -> BTreeMap<String, String> {
    let s = i.stickiness.clone();
    let enabled = s.as_ref().is_some_and(|s| s.enabled != Some(false));
    let mut a = BTreeMap::new();
    a.insert(
        "deregistration_delay.timeout_seconds".to_string(),
        i.deregistration_delay_seconds
            .unwrap_or(DEFAULT_DEREGISTRATION_DELAY)
            .to_string(),
    );
    a.insert("stickiness.enabled".to_string(), enabled.to_string());
    if enabled {
        a.insert("stickiness.type".to_string(), "lb_cookie".to_string());
        a.insert(
            "stickiness.lb_cookie.duration_seconds".to_string(),
            s.and_then(|s| s.duration_seconds)
                .unwrap_or(DEFAULT_STICKINESS_DURATION)
                .to_string(),
        );
    }
    a
}

pub(crate) fn with_attribute_defaults(
    actual: BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut a: BTreeMap<String, String> = [
        ("deregistration_delay.timeout_seconds", "300"),
        ("stickiness.enabled", "false"),
        ("stickiness.type", "lb_cookie"),
        ("stickiness.lb_cookie.duration_seconds", "86400"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    a.extend(actual);
    a
}

/// Inputs as AWS reports them, keeping the program's spelling where AWS reports a default.
pub fn inputs_from_aws(
    tg: &AwsTargetGroup,
    attributes: BTreeMap<String, String>,
    tags_all: &BTreeMap<String, String>,
    old: Option<&TargetGroupInputs>,
    default_tags: &BTreeMap<String, String>,
) -> TargetGroupInputs {
    let old = old.cloned().unwrap_or_default();
    let attrs = with_attribute_defaults(attributes);
    let protocol = tg
        .protocol()
        .and_then(|p| HttpProtocol::parse(p.as_str()))
        .unwrap_or(HttpProtocol::Http);
    let health_check = health_check_from_aws(tg, protocol, old.health_check.clone());
    let stickiness = stickiness_from_aws(&attrs, old.stickiness.clone());
    TargetGroupInputs {
        name: tg.target_group_name().map(str::to_string),
        target_type: Some(TargetType::Ip),
        protocol: Some(protocol),
        port: tg.port().unwrap_or(0) as u32,
        vpc_id: tg.vpc_id().unwrap_or_default().to_string(),
        health_check,
        deregistration_delay_seconds: keep_default(
            old.deregistration_delay_seconds,
            attrs["deregistration_delay.timeout_seconds"]
                .parse()
                .unwrap_or(DEFAULT_DEREGISTRATION_DELAY),
            DEFAULT_DEREGISTRATION_DELAY,
        ),
        stickiness,
        tags: crate::tags::own_tags(tags_all, old.tags.as_ref(), default_tags),
    }
}

/// The health check AWS reports, `None` when it is all defaults and the program set none.
fn health_check_from_aws(
    tg: &AwsTargetGroup,
    protocol: HttpProtocol,
    old: Option<HealthCheck>,
) -> Option<HealthCheck> {
    let old_hc = old.clone().unwrap_or_default();
    let port = tg
        .health_check_port()
        .filter(|p| *p != "traffic-port")
        .and_then(|p| p.parse::<u32>().ok());
    let hc_protocol = tg
        .health_check_protocol()
        .and_then(|p| HttpProtocol::parse(p.as_str()))
        .unwrap_or(protocol);
    let hc = HealthCheck {
        path: keep_default(
            old_hc.path,
            tg.health_check_path().unwrap_or(DEFAULT_PATH).to_string(),
            DEFAULT_PATH.to_string(),
        ),
        port: match old_hc.port {
            None if port == Some(tg.port().unwrap_or(0) as u32) => None,
            _ => port,
        },
        protocol: keep_default(old_hc.protocol, hc_protocol, protocol),
        interval_seconds: keep_default(
            old_hc.interval_seconds,
            tg.health_check_interval_seconds()
                .map_or(DEFAULT_INTERVAL, |v| v as u32),
            DEFAULT_INTERVAL,
        ),
        timeout_seconds: keep_default(
            old_hc.timeout_seconds,
            tg.health_check_timeout_seconds()
                .map_or(DEFAULT_TIMEOUT, |v| v as u32),
            DEFAULT_TIMEOUT,
        ),
        healthy_threshold: keep_default(
            old_hc.healthy_threshold,
            tg.healthy_threshold_count()
                .map_or(DEFAULT_HEALTHY, |v| v as u32),
            DEFAULT_HEALTHY,
        ),
        unhealthy_threshold: keep_default(
            old_hc.unhealthy_threshold,
            tg.unhealthy_threshold_count()
                .map_or(DEFAULT_UNHEALTHY, |v| v as u32),
            DEFAULT_UNHEALTHY,
        ),
        matcher: keep_default(
            old_hc.matcher,
            tg.matcher()
                .and_then(|m| m.http_code())
                .unwrap_or(DEFAULT_MATCHER)
                .to_string(),
            DEFAULT_MATCHER.to_string(),
        ),
    };
    match old {
        None if hc == HealthCheck::default() => None,
        _ => Some(hc),
    }
}

/// Stickiness from the attributes, `None` when off and the program set none.
fn stickiness_from_aws(
    attrs: &BTreeMap<String, String>,
    old: Option<Stickiness>,
) -> Option<Stickiness> {
    let sticky = attrs["stickiness.enabled"] == "true";
    let duration: u32 = attrs["stickiness.lb_cookie.duration_seconds"]
        .parse()
        .unwrap_or(DEFAULT_STICKINESS_DURATION);
    match old {
        None if !sticky => None,
        old_s => {
            let old_s = old_s.unwrap_or_default();
            Some(Stickiness {
                enabled: keep_default(old_s.enabled, sticky, true),
                duration_seconds: keep_default(
                    old_s.duration_seconds,
                    duration,
                    DEFAULT_STICKINESS_DURATION,
                ),
            })
        }
    }
}

pub(crate) fn arn_suffix(arn: &str) -> String {
    arn.split_once(":targetgroup/")
        .map(|(_, rest)| format!("targetgroup/{rest}"))
        .unwrap_or_default()
}

pub(crate) fn outputs(
    arn: &str,
    inputs: TargetGroupInputs,
    tags_all: BTreeMap<String, String>,
) -> TargetGroupOutputs {
    TargetGroupOutputs {
        inputs,
        arn: arn.to_string(),
        arn_suffix: arn_suffix(arn),
        tags_all,
    }
}
