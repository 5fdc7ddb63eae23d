//! Validation of the inputs: every failure names the property, the value and what is valid.

use super::*;

pub(crate) const NAME_MAX: usize = 255;

/// Characters AWS allows in VPC security group names and descriptions.
pub(crate) fn text_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == ' ' || "._-:/()#,@[]+=&;{}!$*".contains(c)
}

pub(crate) fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

pub(crate) fn validate_text(
    property: &str,
    what: &str,
    value: &str,
    failures: &mut Vec<CheckFailure>,
) {
    if !is_known(value) {
        return;
    }
    let bad: BTreeSet<char> = value.chars().filter(|c| !text_char(*c)).collect();
    if value.is_empty() || value.chars().count() > NAME_MAX || !bad.is_empty() {
        failures.push(CheckFailure::new(
            property,
            format!(
                "`{value}` is not a valid security group {what}: use 1 to {NAME_MAX} letters, digits, spaces and ._-:/()#,@[]+=&;{{}}!$*{}",
                if bad.is_empty() {
                    String::new()
                } else {
                    format!(" (not allowed: {})", bad.into_iter().collect::<String>())
                }
            ),
        ));
    }
}

/// An IPv4 CIDR block in AWS's canonical form (no host bits set), or why not.
pub(crate) fn check_ipv4_cidr(value: &str) -> Result<(), String> {
    let invalid = || format!("`{value}` is not an IPv4 CIDR block such as `10.0.0.0/16`");
    let (addr, len) = value.split_once('/').ok_or_else(invalid)?;
    let addr: Ipv4Addr = addr.parse().map_err(|_| invalid())?;
    let len: u32 = len.parse().map_err(|_| invalid())?;
    if len > 32 {
        return Err(format!(
            "`{value}` has prefix length {len}; IPv4 allows 0 to 32"
        ));
    }
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    let network = Ipv4Addr::from(u32::from(addr) & mask);
    if network != addr {
        return Err(format!(
            "`{value}` has host bits set; write the network address `{network}/{len}`"
        ));
    }
    Ok(())
}

pub(crate) fn check_ipv6_cidr(value: &str) -> Result<(), String> {
    let invalid = || format!("`{value}` is not an IPv6 CIDR block such as `2001:db8::/32`");
    let (addr, len) = value.split_once('/').ok_or_else(invalid)?;
    let addr: Ipv6Addr = addr.parse().map_err(|_| invalid())?;
    let len: u32 = len.parse().map_err(|_| invalid())?;
    if len > 128 {
        return Err(format!(
            "`{value}` has prefix length {len}; IPv6 allows 0 to 128"
        ));
    }
    let mask = if len == 0 {
        0
    } else {
        u128::MAX << (128 - len)
    };
    let network = Ipv6Addr::from(u128::from(addr) & mask);
    if network != addr {
        return Err(format!(
            "`{value}` has host bits set; write the network address `{network}/{len}`"
        ));
    }
    Ok(())
}

pub(crate) fn validate_rule(
    at: &str,
    rule: &SecurityGroupRule,
    ingress: bool,
    has_unknowns: bool,
    f: &mut Vec<CheckFailure>,
) {
    validate_ports(at, rule, f);
    let open_to_world = validate_cidrs(at, rule, f);
    if let Some(sg) = rule
        .source_security_group_id
        .as_deref()
        .filter(|s| is_known(s))
        && !sg.starts_with("sg-")
    {
        f.push(CheckFailure::new(
            format!("{at}.sourceSecurityGroupId"),
            format!("`{sg}` is not a security group id (sg-...)"),
        ));
    }
    if !has_unknowns
        && rule.cidr_blocks.is_empty()
        && rule.ipv6_cidr_blocks.is_empty()
        && rule.source_security_group_id.is_none()
    {
        f.push(CheckFailure::new(
            at,
            format!(
                "the rule allows traffic {} nothing: give cidrBlocks, ipv6CidrBlocks or sourceSecurityGroupId",
                if ingress { "from" } else { "to" }
            ),
        ));
    }
    if ingress && open_to_world && rule.protocol == RuleProtocol::All {
        f.push(CheckFailure::new(
            at,
            "protocol `all` from the whole internet (0.0.0.0/0 or ::/0) opens every port of everything in the group; allow only what you serve (e.g. protocol tcp, fromPort 443), or a narrower CIDR block",
        ));
    }
    if let Some(d) = rule.description.as_deref().filter(|d| is_known(d))
        && d.chars().count() > NAME_MAX
    {
        f.push(CheckFailure::new(
            format!("{at}.description"),
            format!(
                "the description is {} characters long; AWS allows at most {NAME_MAX}",
                d.chars().count()
            ),
        ));
    }
}

/// Ports by protocol: TCP/UDP port ranges, ICMP type and code, none for `all`.
fn validate_ports(at: &str, rule: &SecurityGroupRule, f: &mut Vec<CheckFailure>) {
    let port_range = |f: &mut Vec<CheckFailure>, prop: &str, v: Option<i32>, min, max, what| {
        if let Some(v) = v
            && !(min..=max).contains(&v)
        {
            f.push(CheckFailure::new(
                format!("{at}.{prop}"),
                format!("{v} is out of range: {what} must be {min} to {max}"),
            ));
        }
    };
    match rule.protocol {
        RuleProtocol::Tcp | RuleProtocol::Udp => {
            let proto = rule.protocol.aws();
            if rule.from_port.is_none() {
                f.push(CheckFailure::new(
                    format!("{at}.fromPort"),
                    format!("a `{proto}` rule needs fromPort (0 to 65535; with toPort for a range, e.g. fromPort 0 and toPort 65535 for every port)"),
                ));
            }
            port_range(f, "fromPort", rule.from_port, 0, 65535, "a port");
            // A single port (toPort filled in from fromPort) is one mistake, said once.
            if rule.to_port != rule.from_port {
                port_range(f, "toPort", rule.to_port, 0, 65535, "a port");
            }
            if let (Some(from), Some(to)) = (rule.from_port, rule.to_port)
                && from > to
            {
                f.push(CheckFailure::new(
                    format!("{at}.toPort"),
                    format!("toPort {to} is below fromPort {from}; a port range runs from fromPort up to toPort"),
                ));
            }
        }
        RuleProtocol::Icmp => {
            port_range(f, "fromPort", rule.from_port, -1, 255, "the ICMP type");
            port_range(f, "toPort", rule.to_port, -1, 255, "the ICMP code");
            if rule.from_port.unwrap_or(-1) == -1 && rule.to_port.is_some_and(|c| c != -1) {
                f.push(CheckFailure::new(
                    format!("{at}.toPort"),
                    "an ICMP code (toPort) needs an ICMP type (fromPort); leave both out for every ICMP message",
                ));
            }
        }
        RuleProtocol::All => {
            for (prop, v, all) in [
                ("fromPort", rule.from_port, 0),
                ("toPort", rule.to_port, 65535),
            ] {
                if let Some(v) = v
                    && v != all
                {
                    f.push(CheckFailure::new(
                        format!("{at}.{prop}"),
                        format!("protocol `all` covers every port, so {prop} {v} cannot apply: leave {prop} out (or use protocol tcp/udp for a port range)"),
                    ));
                }
            }
        }
    }
}

/// The CIDR blocks are network addresses; whether one is the whole internet.
fn validate_cidrs(at: &str, rule: &SecurityGroupRule, f: &mut Vec<CheckFailure>) -> bool {
    let mut open_to_world = false;
    for (i, cidr) in rule.cidr_blocks.iter().enumerate() {
        if !is_known(cidr) {
            continue;
        }
        if let Err(reason) = check_ipv4_cidr(cidr) {
            f.push(CheckFailure::new(format!("{at}.cidrBlocks[{i}]"), reason));
        }
        open_to_world |= cidr == "0.0.0.0/0";
    }
    for (i, cidr) in rule.ipv6_cidr_blocks.iter().enumerate() {
        if !is_known(cidr) {
            continue;
        }
        if let Err(reason) = check_ipv6_cidr(cidr) {
            f.push(CheckFailure::new(
                format!("{at}.ipv6CidrBlocks[{i}]"),
                reason,
            ));
        }
        open_to_world |= canonical(cidr) == "::/0";
    }
    open_to_world
}

pub(crate) fn canonical(cidr: &str) -> String {
    ec2_api::canonical_ipv6_cidr(cidr)
}

/// Every validation rule; each failure names the property path and the value.
pub fn validate(i: &SecurityGroupInputs, has_unknowns: bool) -> Vec<CheckFailure> {
    let mut f = Vec::new();
    if let Some(name) = i.name.as_deref() {
        validate_text("name", "name", name, &mut f);
        if is_known(name) && name.to_ascii_lowercase().starts_with("sg-") {
            f.push(CheckFailure::new(
                "name",
                format!("`{name}` starts with `sg-`, which AWS reserves for security group ids"),
            ));
        }
    }
    if let Some(d) = i.description.as_deref() {
        validate_text("description", "description", d, &mut f);
    }
    if is_known(&i.vpc_id) && !i.vpc_id.starts_with("vpc-") {
        f.push(CheckFailure::new(
            "vpcId",
            format!("`{}` is not a VPC id (vpc-...)", i.vpc_id),
        ));
    }
    let lists = [
        ("ingress", true, Some(&i.ingress)),
        ("egress", false, i.egress.as_ref()),
    ];
    for (prop, ingress, rules) in lists {
        let mut seen: BTreeMap<PermissionKey, usize> = BTreeMap::new();
        for (n, rule) in rules.into_iter().flatten().enumerate() {
            let at = format!("{prop}[{n}]");
            let before = f.len();
            validate_rule(&at, rule, ingress, has_unknowns, &mut f);
            if f.len() > before || has_unknowns {
                continue;
            }
            for key in rule_permissions(rule).into_keys() {
                if let Some(first) = seen.insert(key.clone(), n)
                    && first != n
                {
                    f.push(CheckFailure::new(
                        &at,
                        format!(
                            "{} is already allowed by {prop}[{first}]; AWS keeps each protocol, port range and peer once",
                            describe_key(&key)
                        ),
                    ));
                }
            }
        }
    }
    validate::tags("tags", i.tags.as_ref(), &mut f);
    f
}
