//! Validation of the inputs: every failure names the property, the value and what is valid.

use super::*;

pub(crate) fn valid_matcher(m: &str) -> bool {
    let code_ok = |c: &str| {
        c.len() == 3
            && c.chars().all(|d| d.is_ascii_digit())
            && (200..=499).contains(&c.parse::<u32>().unwrap_or(0))
    };
    !m.is_empty()
        && m.split(',').all(|part| match part.split_once('-') {
            Some((a, b)) => code_ok(a) && code_ok(b) && a <= b,
            None => code_ok(part),
        })
}

pub fn validate(i: &TargetGroupInputs) -> Vec<CheckFailure> {
    let mut f = Vec::new();
    if let Some(name) = &i.name {
        validate_elb_name(name, "target group", &mut f);
        if is_known(name) && name.contains("--") {
            f.push(CheckFailure::new(
                "name",
                format!("`{name}` is not a valid target group name: it must not contain `--`"),
            ));
        }
    }
    if is_known(&i.vpc_id) && !i.vpc_id.starts_with("vpc-") {
        f.push(CheckFailure::new(
            "vpcId",
            format!("`{}` is not a vpc-... id", i.vpc_id),
        ));
    }
    if let Some(hc) = &i.health_check {
        if let Some(p) = hc.path.as_deref().filter(|p| is_known(p))
            && (!p.starts_with('/') || p.len() > 1024)
        {
            f.push(CheckFailure::new(
                "healthCheck.path",
                format!("`{p}` is not a valid health check path: it must start with `/` (at most 1024 characters)"),
            ));
        }
        let r = resolve_health_check(i);
        // Compared only when both are in range: an out-of-range one is its own single error.
        if (5..=300).contains(&r.interval)
            && (2..=120).contains(&r.timeout)
            && r.timeout >= r.interval
        {
            f.push(CheckFailure::new(
                "healthCheck.timeoutSeconds",
                format!(
                    "the timeout ({}s) must be less than the interval ({}s)",
                    r.timeout, r.interval
                ),
            ));
        }
        if let Some(m) = hc.matcher.as_deref().filter(|m| is_known(m))
            && !valid_matcher(m)
        {
            f.push(CheckFailure::new(
                "healthCheck.matcher",
                format!("`{m}` is not a matcher: use HTTP codes 200-499 as `200`, `200,202` or `200-399`"),
            ));
        }
    }
    validate::tags("tags", i.tags.as_ref(), &mut f);
    f
}
