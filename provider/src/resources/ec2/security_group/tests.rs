use super::*;
use crate::resource::DynResource;
use aws_sdk_ec2::types::{IpPermission, IpRange, UserIdGroupPair};
use pulumi_rs_proto::value::UNKNOWN;
use serde_json::json;

fn ctx<'a>(has_unknowns: bool) -> CheckContext<'a> {
    CheckContext {
        name: "web",
        random_seed: b"seed",
        proposed_name: None,
        has_unknowns,
    }
}

fn base() -> serde_json::Value {
    json!({
        "vpcId": "vpc-123",
        "ingress": [
            {"protocol": "tcp", "fromPort": 443, "cidrBlocks": ["0.0.0.0/0"]},
            {"protocol": "tcp", "fromPort": 8080, "toPort": 8081, "sourceSecurityGroupId": "sg-lb"},
        ],
    })
}

fn check(v: serde_json::Value) -> Result<serde_json::Value, Vec<CheckFailure>> {
    DynResource::check(&SecurityGroup, v, None, &ctx(false))
}

fn failure_for(v: serde_json::Value, property: &str) -> CheckFailure {
    let failures = check(v).expect_err("should fail");
    failures
        .iter()
        .find(|f| f.property == property)
        .cloned()
        .unwrap_or_else(|| panic!("no failure for {property}: {failures:?}"))
}

fn with(path: &[&str], value: serde_json::Value) -> serde_json::Value {
    let mut v = base();
    let mut at = &mut v;
    for p in path {
        at = match p.parse::<usize>() {
            Ok(i) => &mut at[i],
            Err(_) => &mut at[*p],
        };
    }
    *at = value;
    v
}

#[test]
fn good_inputs_pass_with_defaults() {
    let checked = check(base()).unwrap();
    assert!(checked["name"].as_str().unwrap().starts_with("web-"));
    assert_eq!(checked["description"], json!("Managed by Pulumi"));
    // A single port gets toPort = fromPort.
    assert_eq!(checked["ingress"][0]["toPort"], json!(443));
    assert!(checked.get("egress").is_none());
}

#[test]
fn auto_name_is_kept_unless_replacing() {
    let first = check(base()).unwrap();
    let name = first["name"].clone();
    let again =
        DynResource::check(&SecurityGroup, base(), Some(first.clone()), &ctx(false)).unwrap();
    assert_eq!(again["name"], name);
    let seeded = CheckContext {
        random_seed: b"other",
        ..ctx(false)
    };
    let moved = DynResource::check(
        &SecurityGroup,
        with(&["vpcId"], json!("vpc-456")),
        Some(first),
        &seeded,
    )
    .unwrap();
    assert_ne!(moved["name"], name);
}

#[test]
fn name_and_description_rules() {
    let f = failure_for(with(&["name"], json!("sg-web")), "name");
    assert!(
        f.reason.contains("`sg-web`") && f.reason.contains("sg-"),
        "{}",
        f.reason
    );
    let f = failure_for(with(&["name"], json!("web\u{e9}")), "name");
    assert!(f.reason.contains("not allowed"), "{}", f.reason);
    failure_for(with(&["name"], json!("x".repeat(256))), "name");
    failure_for(with(&["description"], json!("")), "description");
    failure_for(with(&["description"], json!("tab\there")), "description");
    assert!(check(with(&["name"], json!("web (prod) #1"))).is_ok());
    assert!(check(with(&["description"], json!("Web tier: 443/tcp"))).is_ok());
}

#[test]
fn vpc_and_source_group_ids() {
    let f = failure_for(with(&["vpcId"], json!("subnet-1")), "vpcId");
    assert!(f.reason.contains("subnet-1"));
    let f = failure_for(
        with(&["ingress", "1", "sourceSecurityGroupId"], json!("web")),
        "ingress[1].sourceSecurityGroupId",
    );
    assert!(f.reason.contains("`web`"));
    assert!(
        failure_for(json!({"ingress": []}), "")
            .reason
            .contains("vpcId")
    );
}

#[test]
fn port_rules() {
    failure_for(
        with(&["ingress", "0", "fromPort"], json!(70000)),
        "ingress[0].fromPort",
    );
    failure_for(
        with(&["ingress", "0", "fromPort"], json!(-1)),
        "ingress[0].fromPort",
    );
    let f = failure_for(
        with(&["ingress", "1", "toPort"], json!(80)),
        "ingress[1].toPort",
    );
    assert!(f.reason.contains("below fromPort 8080"), "{}", f.reason);
    let mut v = base();
    v["ingress"][0].as_object_mut().unwrap().remove("fromPort");
    failure_for(v, "ingress[0].fromPort");
    // `all`: ports absent, or exactly 0 and 65535 (dropped by check).
    let all = |from: serde_json::Value, to: serde_json::Value| {
        json!({"vpcId": "vpc-1", "ingress": [
            {"protocol": "all", "fromPort": from, "toPort": to, "cidrBlocks": ["10.0.0.0/8"]}
        ]})
    };
    let ok = check(all(json!(0), json!(65535))).unwrap();
    assert!(ok["ingress"][0].get("fromPort").is_none());
    let f = failure_for(all(json!(80), json!(80)), "ingress[0].fromPort");
    assert!(f.reason.contains("protocol `all`"), "{}", f.reason);
    failure_for(all(json!(0), json!(80)), "ingress[0].toPort");
    // ICMP: type/code 0-255 or -1; a code needs a type.
    let icmp = |rule: serde_json::Value| json!({"vpcId": "vpc-1", "ingress": [rule]});
    assert!(
        check(icmp(
            json!({"protocol": "icmp", "fromPort": 8, "toPort": 0, "cidrBlocks": ["10.0.0.0/8"]})
        ))
        .is_ok()
    );
    assert!(
        check(icmp(
            json!({"protocol": "icmp", "cidrBlocks": ["10.0.0.0/8"]})
        ))
        .is_ok()
    );
    failure_for(
        icmp(json!({"protocol": "icmp", "fromPort": 300, "cidrBlocks": ["10.0.0.0/8"]})),
        "ingress[0].fromPort",
    );
    failure_for(
        icmp(json!({"protocol": "icmp", "toPort": 4, "cidrBlocks": ["10.0.0.0/8"]})),
        "ingress[0].toPort",
    );
}

#[test]
fn protocol_must_be_known() {
    let f = failure_for(
        with(&["ingress", "0", "protocol"], json!("sctp")),
        "ingress[0].protocol",
    );
    assert!(
        f.reason.contains("sctp") && f.reason.contains("tcp"),
        "{}",
        f.reason
    );
}

#[test]
fn cidr_rules() {
    let f = failure_for(
        with(
            &["ingress", "0", "cidrBlocks"],
            json!(["10.0.0.0/8", "10.0.0.1/16"]),
        ),
        "ingress[0].cidrBlocks[1]",
    );
    assert!(f.reason.contains("10.0.0.0/16"), "{}", f.reason);
    failure_for(
        with(&["ingress", "0", "cidrBlocks"], json!(["10.0.0.0"])),
        "ingress[0].cidrBlocks[0]",
    );
    failure_for(
        with(&["ingress", "0", "cidrBlocks"], json!(["10.0.0.0/33"])),
        "ingress[0].cidrBlocks[0]",
    );
    failure_for(
        with(&["ingress", "0", "cidrBlocks"], json!(["300.0.0.0/8"])),
        "ingress[0].cidrBlocks[0]",
    );
    failure_for(
        with(&["ingress", "0", "ipv6CidrBlocks"], json!(["10.0.0.0/8"])),
        "ingress[0].ipv6CidrBlocks[0]",
    );
    let f = failure_for(
        with(
            &["ingress", "0", "ipv6CidrBlocks"],
            json!(["2001:db8::1/32"]),
        ),
        "ingress[0].ipv6CidrBlocks[0]",
    );
    assert!(f.reason.contains("2001:db8::/32"), "{}", f.reason);
    assert!(
        check(with(
            &["ingress", "0", "ipv6CidrBlocks"],
            json!(["2001:db8::/32", "::/0"])
        ))
        .is_ok()
    );
}

#[test]
fn a_rule_needs_a_source() {
    let f = failure_for(
        with(&["ingress", "0", "cidrBlocks"], json!([])),
        "ingress[0]",
    );
    assert!(f.reason.contains("cidrBlocks"), "{}", f.reason);
    let v = json!({"vpcId": "vpc-1", "egress": [{"protocol": "all"}]});
    assert!(failure_for(v, "egress[0]").reason.contains("to nothing"));
}

#[test]
fn all_traffic_from_the_internet_is_refused_on_ingress_only() {
    let open = json!({"protocol": "all", "cidrBlocks": ["0.0.0.0/0"]});
    let f = failure_for(json!({"vpcId": "vpc-1", "ingress": [open]}), "ingress[0]");
    assert!(
        f.reason.contains("least") || f.reason.contains("every port"),
        "{}",
        f.reason
    );
    let open6 = json!({"protocol": "all", "ipv6CidrBlocks": ["::/0"]});
    failure_for(json!({"vpcId": "vpc-1", "ingress": [open6]}), "ingress[0]");
    assert!(check(json!({"vpcId": "vpc-1", "egress": [open]})).is_ok());
    let narrow = json!({"protocol": "all", "cidrBlocks": ["10.0.0.0/8"]});
    assert!(check(json!({"vpcId": "vpc-1", "ingress": [narrow]})).is_ok());
}

#[test]
fn duplicate_permissions_are_refused() {
    let v = json!({"vpcId": "vpc-1", "ingress": [
        {"protocol": "tcp", "fromPort": 443, "cidrBlocks": ["10.0.0.0/8"]},
        {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["10.0.0.0/8"], "description": "again"},
    ]});
    let f = failure_for(v, "ingress[1]");
    assert!(
        f.reason.contains("ingress[0]") && f.reason.contains("10.0.0.0/8"),
        "{}",
        f.reason
    );
}

#[test]
fn description_and_tags_rules() {
    failure_for(
        with(&["ingress", "0", "description"], json!("d".repeat(256))),
        "ingress[0].description",
    );
    failure_for(with(&["tags"], json!({"aws:x": "y"})), "tags.aws:x");
}

#[test]
fn unknowns_skip_value_rules() {
    let v = json!({"vpcId": UNKNOWN, "ingress": [
        {"protocol": "tcp", "fromPort": 443, "sourceSecurityGroupId": UNKNOWN}
    ]});
    let checked = DynResource::check(&SecurityGroup, v, None, &ctx(true)).unwrap();
    assert_eq!(checked["vpcId"], json!(UNKNOWN));
}

fn rule(v: serde_json::Value) -> SecurityGroupRule {
    serde_json::from_value(v).unwrap()
}

fn key(protocol: &str, ports: Option<(i32, i32)>, peer: Peer) -> PermissionKey {
    PermissionKey {
        protocol: protocol.into(),
        ports,
        peer,
    }
}

#[test]
fn rules_split_into_atomic_permissions() {
    let perms = permissions_of(&[
        rule(
            json!({"protocol": "tcp", "fromPort": 80, "toPort": 80, "cidrBlocks": ["10.0.0.0/8", "192.168.0.0/16"], "ipv6CidrBlocks": ["2001:DB8:0::/32"]}),
        ),
        rule(json!({"protocol": "all", "sourceSecurityGroupId": "sg-1", "description": "lb"})),
        rule(json!({"protocol": "icmp", "cidrBlocks": ["10.0.0.0/8"]})),
    ]);
    assert_eq!(perms.len(), 5);
    assert!(perms.contains_key(&key(
        "tcp",
        Some((80, 80)),
        Peer::Ipv6("2001:db8::/32".into())
    )));
    assert_eq!(
        perms.get(&key("-1", None, Peer::Group("sg-1".into()))),
        Some(&Some("lb".to_string()))
    );
    assert!(perms.contains_key(&key(
        "icmp",
        Some((-1, -1)),
        Peer::Ipv4("10.0.0.0/8".into())
    )));
}

#[test]
fn difference_authorizes_revokes_and_redescribes_only_what_changed() {
    let current = permissions_of(&[
        rule(
            json!({"protocol": "tcp", "fromPort": 80, "toPort": 80, "cidrBlocks": ["10.0.0.0/8", "10.1.0.0/16"]}),
        ),
        rule(
            json!({"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["10.0.0.0/8"], "description": "old"}),
        ),
    ]);
    let desired = permissions_of(&[
        rule(
            json!({"protocol": "tcp", "fromPort": 80, "toPort": 80, "cidrBlocks": ["10.0.0.0/8", "10.2.0.0/16"]}),
        ),
        rule(
            json!({"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["10.0.0.0/8"], "description": "new"}),
        ),
    ]);
    let c = ec2_api::permission_changes(&current, &desired);
    assert_eq!(
        c.authorize.keys().cloned().collect::<Vec<_>>(),
        vec![key("tcp", Some((80, 80)), Peer::Ipv4("10.2.0.0/16".into()))]
    );
    assert_eq!(
        c.revoke.keys().cloned().collect::<Vec<_>>(),
        vec![key("tcp", Some((80, 80)), Peer::Ipv4("10.1.0.0/16".into()))]
    );
    assert_eq!(c.redescribe.len(), 1);
    assert!(ec2_api::permission_changes(&desired, &desired).is_empty());
    // Grouped for the API: one IpPermission per protocol and port range.
    let grouped = ec2_api::to_ip_permissions(&desired);
    assert_eq!(grouped.len(), 2);
    assert_eq!(grouped[0].ip_ranges().len(), 2);
}

fn aws_permission(
    protocol: &str,
    ports: Option<(i32, i32)>,
    cidrs: &[&str],
    groups: &[&str],
) -> IpPermission {
    let mut b = IpPermission::builder().ip_protocol(protocol);
    if let Some((f, t)) = ports {
        b = b.from_port(f).to_port(t);
    }
    for c in cidrs {
        b = b.ip_ranges(IpRange::builder().cidr_ip(*c).build());
    }
    for g in groups {
        b = b.user_id_group_pairs(
            UserIdGroupPair::builder()
                .group_id(*g)
                .user_id("123456789012")
                .build(),
        );
    }
    b.build()
}

#[test]
fn grouped_aws_permissions_normalise_to_the_programs_rules() {
    // The program wrote three rules; AWS reports one grouped permission for tcp/443.
    let program = vec![
        rule(
            json!({"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["10.0.0.0/8"]}),
        ),
        rule(
            json!({"protocol": "tcp", "fromPort": 443, "toPort": 443, "sourceSecurityGroupId": "sg-1"}),
        ),
        rule(
            json!({"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["10.1.0.0/16"]}),
        ),
    ];
    let aws = ec2_api::permissions_from_aws(&[aws_permission(
        "tcp",
        Some((443, 443)),
        &["10.1.0.0/16", "10.0.0.0/8"],
        &["sg-1"],
    )]);
    let (rules, unsupported) = normalise_rules(Some(&program), &aws);
    assert_eq!(rules, program);
    assert!(unsupported.is_empty());
    // Drift: AWS lost a CIDR and gained an `all` rule; AWS's rules are reported.
    let drifted = ec2_api::permissions_from_aws(&[
        aws_permission("tcp", Some((443, 443)), &["10.0.0.0/8"], &["sg-1"]),
        aws_permission("-1", None, &["10.9.0.0/16"], &[]),
        aws_permission("50", None, &["10.0.0.0/8"], &[]),
    ]);
    let (rules, unsupported) = normalise_rules(Some(&program), &drifted);
    assert_eq!(unsupported, vec!["50".to_string()]);
    assert_eq!(
        rules,
        vec![
            rule(json!({"protocol": "all", "cidrBlocks": ["10.9.0.0/16"]})),
            rule(
                json!({"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["10.0.0.0/8"]})
            ),
            rule(
                json!({"protocol": "tcp", "fromPort": 443, "toPort": 443, "sourceSecurityGroupId": "sg-1"})
            ),
        ]
    );
    // The rules reported for drift mean exactly what AWS has.
    assert_eq!(permissions_of(&rules).len(), drifted.len() - 1);
}

#[test]
fn default_egress_is_recognised() {
    let default = ec2_api::permissions_from_aws(&[aws_permission("-1", None, &["0.0.0.0/0"], &[])]);
    assert!(is_default_egress(&default));
    let custom = ec2_api::permissions_from_aws(&[aws_permission(
        "tcp",
        Some((443, 443)),
        &["0.0.0.0/0"],
        &[],
    )]);
    assert!(!is_default_egress(&custom));
    assert!(!is_default_egress(&Permissions::new()));
}

fn diff(old: serde_json::Value, new: serde_json::Value) -> Diff {
    let defaults = BTreeMap::new();
    let outputs = json!({"tagsAll": old.get("tags").cloned().unwrap_or(json!({}))});
    Resource::diff(
        &SecurityGroup,
        &DiffInput {
            old_inputs: &old,
            old_outputs: &outputs,
            news: &new,
            default_tags: &defaults,
        },
    )
}

#[test]
fn diff_classification() {
    let old = check(base()).unwrap();
    assert!(!diff(old.clone(), old.clone()).has_changes());
    for (prop, value) in [
        ("name", json!("other")),
        ("vpcId", json!("vpc-9")),
        ("description", json!("other")),
    ] {
        let mut new = old.clone();
        new[prop] = value;
        let d = diff(old.clone(), new);
        assert!(d.replaces.contains(prop), "{prop}: {d:?}");
    }
    // Same name and VPC: the old group must go first.
    let mut new = old.clone();
    new["description"] = json!("other");
    assert!(diff(old.clone(), new).delete_before_replace);
    let mut new = old.clone();
    new["name"] = json!("other");
    assert!(!diff(old.clone(), new).delete_before_replace);
    // Rules and tags update in place.
    let mut new = old.clone();
    new["ingress"][0]["fromPort"] = json!(8443);
    new["ingress"][0]["toPort"] = json!(8443);
    let d = diff(old.clone(), new);
    assert!(
        !d.is_replace() && d.changed_properties().contains("ingress"),
        "{d:?}"
    );
    let mut new = old.clone();
    new["egress"] = json!([{"protocol": "all", "cidrBlocks": ["0.0.0.0/0"]}]);
    let d = diff(old.clone(), new);
    assert!(
        !d.is_replace() && d.changed_properties().contains("egress"),
        "{d:?}"
    );
    let mut new = old.clone();
    new["tags"] = json!({"team": "web"});
    let d = diff(old.clone(), new);
    assert!(
        !d.is_replace() && d.changed_properties().contains("tags"),
        "{d:?}"
    );
}

#[test]
fn reordered_or_regrouped_rules_are_no_change() {
    let old = check(json!({"vpcId": "vpc-1", "ingress": [
        {"protocol": "tcp", "fromPort": 443, "cidrBlocks": ["10.0.0.0/8", "10.1.0.0/16"]},
        {"protocol": "tcp", "fromPort": 80, "cidrBlocks": ["10.0.0.0/8"]},
    ]}))
    .unwrap();
    let mut new = old.clone();
    new["ingress"] = json!([
        {"protocol": "tcp", "fromPort": 80, "toPort": 80, "cidrBlocks": ["10.0.0.0/8"]},
        {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["10.1.0.0/16"]},
        {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["10.0.0.0/8"]},
    ]);
    assert!(!diff(old.clone(), new).has_changes());
    // Unmanaged egress vs an empty list is a change (the empty list removes AWS's default).
    let mut new = old.clone();
    new["egress"] = json!([]);
    assert!(diff(old, new).changed_properties().contains("egress"));
}

#[test]
fn preview_create_leaves_computed_outputs_unknown() {
    let inputs: SecurityGroupInputs = serde_json::from_value(check(base()).unwrap()).unwrap();
    let out = SecurityGroup.preview_create(&inputs);
    assert_eq!(out["vpcId"], json!("vpc-123"));
    assert_eq!(out["arn"], json!(UNKNOWN));
    assert_eq!(out["tagsAll"], json!(UNKNOWN));
}
