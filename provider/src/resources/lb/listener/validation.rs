//! Validation of the inputs: every failure names the property, the value and what is valid.

use super::*;

pub(crate) const CONTENT_TYPES: &[&str] = &[
    "text/plain",
    "text/css",
    "text/html",
    "application/javascript",
    "application/json",
];

/// The Application Load Balancer's predefined security policies (AWS, "Security policies for
/// your Application Load Balancer"). ALBs accept no custom policy: CreateListener refuses any
/// other name, long after a preview.
pub const ALB_SSL_POLICIES: &[&str] = &[
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
    "ELBSecurityPolicy-TLS13-1-1-2021-06",
    "ELBSecurityPolicy-TLS13-1-0-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-0-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-1-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-0-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-RFC9151-FIPS-2023-07",
    "ELBSecurityPolicy-TLS13-1-2-Ext0-RFC9151-FIPS-2023-07",
    "ELBSecurityPolicy-TLS13-1-2-RFC9151-INTEROP1-FIPS-2023-07",
    "ELBSecurityPolicy-TLS13-1-2-RFC9151-INTEROP2-FIPS-2023-07",
    "ELBSecurityPolicy-TLS13-1-2-RFC9151-INTEROP3-FIPS-2023-07",
    "ELBSecurityPolicy-TLS13-1-2-RFC9151-INTEROP4-FIPS-2023-07",
    "ELBSecurityPolicy-TLS13-1-3-RFC9151-FIPS-2023-07",
    "ELBSecurityPolicy-FS-1-2-Res-2020-10",
    "ELBSecurityPolicy-FS-1-2-Res-2019-08",
    "ELBSecurityPolicy-FS-1-2-2019-08",
    "ELBSecurityPolicy-FS-1-1-2019-08",
    "ELBSecurityPolicy-FS-2018-06",
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
    "ELBSecurityPolicy-TLS-1-2-2017-01",
    "ELBSecurityPolicy-TLS-1-1-2017-01",
    "ELBSecurityPolicy-2016-08",
];

pub(crate) fn arn_rule(
    f: &mut Vec<CheckFailure>,
    property: &str,
    value: &str,
    marker: &str,
    what: &str,
    services: &[&str],
) {
    if is_known(value)
        && !(services.iter().any(|s| validate::is_arn_of(value, s)) && value.contains(marker))
    {
        f.push(CheckFailure::new(
            property,
            format!("`{value}` is not {what}"),
        ));
    }
}

pub fn validate(i: &ListenerInputs) -> Vec<CheckFailure> {
    let mut f = Vec::new();
    arn_rule(
        &mut f,
        "loadBalancerArn",
        &i.load_balancer_arn,
        ":loadbalancer/app/",
        "an Application Load Balancer ARN (arn:aws:elasticloadbalancing:...:loadbalancer/app/...)",
        &["elasticloadbalancing"],
    );
    validate_tls(i, &mut f);
    let a = &i.default_action;
    let count =
        a.forward.is_some() as u8 + a.redirect.is_some() as u8 + a.fixed_response.is_some() as u8;
    if count != 1 {
        f.push(CheckFailure::new(
            "defaultAction",
            format!("{count} actions given; set exactly one of forward, redirect or fixedResponse"),
        ));
    }
    if let Some(fw) = &a.forward {
        arn_rule(
            &mut f,
            "defaultAction.forward.targetGroupArn",
            &fw.target_group_arn,
            ":targetgroup/",
            "a target group ARN (arn:aws:elasticloadbalancing:...:targetgroup/...)",
            &["elasticloadbalancing"],
        );
    }
    if let Some(r) = &a.redirect {
        validate_redirect(r, &mut f);
    }
    if let Some(fr) = &a.fixed_response {
        validate_fixed_response(fr, &mut f);
    }
    validate::tags("tags", i.tags.as_ref(), &mut f);
    f
}

/// HTTPS needs a certificate and a TLS policy; HTTP takes neither.
fn validate_tls(i: &ListenerInputs, f: &mut Vec<CheckFailure>) {
    match i.protocol.unwrap_or(HttpProtocol::Http) {
        HttpProtocol::Https => {
            if i.certificate_arn.is_none() {
                f.push(CheckFailure::new(
                    "certificateArn",
                    "an HTTPS listener needs a certificate: set certificateArn to an ACM certificate ARN",
                ));
            }
            if i.ssl_policy.is_none() {
                f.push(CheckFailure::new(
                    "sslPolicy",
                    "an HTTPS listener needs a TLS policy: set sslPolicy, e.g. ELBSecurityPolicy-TLS13-1-2-2021-06",
                ));
            }
        }
        HttpProtocol::Http => {
            for (prop, v) in [
                ("certificateArn", &i.certificate_arn),
                ("sslPolicy", &i.ssl_policy),
            ] {
                if let Some(v) = v {
                    f.push(CheckFailure::new(
                        prop,
                        format!("`{v}` is set but the protocol is HTTP; {prop} applies only to HTTPS listeners"),
                    ));
                }
            }
        }
    }
    if let Some(cert) = &i.certificate_arn {
        arn_rule(
            f,
            "certificateArn",
            cert,
            "certificate",
            "an ACM or IAM certificate ARN (arn:aws:acm:...:certificate/...)",
            &["acm", "iam"],
        );
    }
    if let Some(p) = i.ssl_policy.as_deref().filter(|p| is_known(p))
        && !ALB_SSL_POLICIES.contains(&p)
    {
        f.push(CheckFailure::new(
            "sslPolicy",
            format!("`{p}` is not one of the load balancer's predefined security policies (custom policies are not supported), e.g. ELBSecurityPolicy-TLS13-1-2-2021-06; all: {}", ALB_SSL_POLICIES.join(", ")),
        ));
    }
}

fn validate_redirect(r: &Redirect, f: &mut Vec<CheckFailure>) {
    if let Some(h) = r.host.as_deref().filter(|h| is_known(h))
        && (h.is_empty() || h.len() > 128)
    {
        f.push(CheckFailure::new(
            "defaultAction.redirect.host",
            format!("`{h}` is not a valid host: use 1 to 128 characters"),
        ));
    }
    if let Some(p) = r.path.as_deref().filter(|p| is_known(p))
        && (!p.starts_with('/') || p.len() > 128)
    {
        f.push(CheckFailure::new(
            "defaultAction.redirect.path",
            format!("`{p}` is not a valid path: it must start with `/` (at most 128 characters)"),
        ));
    }
    if r.protocol.is_none() && r.port.is_none() && r.host.is_none() && r.path.is_none() {
        f.push(CheckFailure::new(
            "defaultAction.redirect",
            "a redirect to the same protocol, port, host and path would loop; set at least one of protocol, port, host or path",
        ));
    }
}

fn validate_fixed_response(fr: &FixedResponse, f: &mut Vec<CheckFailure>) {
    let s = &fr.status_code;
    if is_known(s)
        && !(s.len() == 3
            && s.chars().all(|c| c.is_ascii_digit())
            && ('2'..='5').contains(&s.chars().next().unwrap_or('0')))
    {
        f.push(CheckFailure::new(
            "defaultAction.fixedResponse.statusCode",
            format!("`{s}` is not an HTTP status code from 2XX to 5XX, e.g. `404`"),
        ));
    }
    if let Some(ct) = fr.content_type.as_deref().filter(|c| is_known(c))
        && !CONTENT_TYPES.contains(&ct)
    {
        f.push(CheckFailure::new(
            "defaultAction.fixedResponse.contentType",
            format!(
                "`{ct}` is not supported; use one of {}",
                CONTENT_TYPES.join(", ")
            ),
        ));
    }
    if let Some(body) = &fr.message_body
        && body.chars().count() > 1024
    {
        f.push(CheckFailure::new(
            "defaultAction.fixedResponse.messageBody",
            format!(
                "the body is {} characters long; AWS allows at most 1024",
                body.chars().count()
            ),
        ));
    }
}
