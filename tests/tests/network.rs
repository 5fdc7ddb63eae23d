//! The traffic path through the real `pulumi` CLI against moto: the `network` example program
//! (getNetwork on the default VPC, ALB and service security groups, an ALB, target groups
//! `blue` and `green`, an HTTP listener redirecting to HTTPS, an HTTPS listener forwarding to
//! `blue`). Created, checked in moto, changed (health check in place; port = target groups
//! replaced and the listener re-pointed; security group rules in place), refreshed, destroyed.

use std::collections::BTreeSet;
use std::net::SocketAddr;

use fargate_e2e::{
    AwsRecorder, Moto, Preview, PulumiProject, default_network, ec2_query, elbv2_query, xml_values,
};
use serde_json::Value;

const SECURITY_GROUP: &str = "fargate:ec2:SecurityGroup";
const LOAD_BALANCER: &str = "fargate:lb:LoadBalancer";
const TARGET_GROUP: &str = "fargate:lb:TargetGroup";
const LISTENER: &str = "fargate:lb:Listener";

/// An IAM server certificate ARN: moto checks ACM certificate ARNs against ACM, not these.
const CERTIFICATE_ARN: &str = "arn:aws:iam::123456789012:server-certificate/sotex-test";

fn step(ty: &str, name: &str, op: &str) -> (String, String, String) {
    (ty.to_string(), name.to_string(), op.to_string())
}

/// `(type, name, op)` of every step on a resource of ours that changes something.
fn changes(preview: &Preview) -> BTreeSet<(String, String, String)> {
    preview
        .summary()
        .into_iter()
        .filter(|(ty, _, op)| op != "same" && ty.starts_with("fargate:"))
        .collect()
}

fn out(outputs: &Value, key: &str) -> String {
    outputs[key]
        .as_str()
        .unwrap_or_else(|| panic!("no string output {key}: {outputs}"))
        .to_string()
}

fn elbv2(moto: SocketAddr, action: &str, params: &[(&str, &str)]) -> String {
    elbv2_query(moto, action, params).unwrap_or_else(|e| panic!("{e}"))
}

fn ec2(moto: SocketAddr, action: &str, params: &[(&str, &str)]) -> String {
    ec2_query(moto, action, params).unwrap_or_else(|e| panic!("{e}"))
}

fn target_group_xml(moto: SocketAddr, arn: &str) -> String {
    elbv2(
        moto,
        "DescribeTargetGroups",
        &[("TargetGroupArns.member.1", arn)],
    )
}

fn all_target_group_arns(moto: SocketAddr) -> Vec<String> {
    xml_values(&elbv2(moto, "DescribeTargetGroups", &[]), "TargetGroupArn")
}

fn load_balancer_arns(moto: SocketAddr) -> Vec<String> {
    xml_values(
        &elbv2(moto, "DescribeLoadBalancers", &[]),
        "LoadBalancerArn",
    )
}

/// The ids of the security groups in `vpc` other than its `default` group.
fn our_security_groups(moto: SocketAddr, vpc: &str) -> Vec<String> {
    let xml = ec2(
        moto,
        "DescribeSecurityGroups",
        &[("Filter.1.Name", "vpc-id"), ("Filter.1.Value.1", vpc)],
    );
    let default = xml_values(
        &ec2(
            moto,
            "DescribeSecurityGroups",
            &[
                ("Filter.1.Name", "vpc-id"),
                ("Filter.1.Value.1", vpc),
                ("Filter.2.Name", "group-name"),
                ("Filter.2.Value.1", "default"),
            ],
        ),
        "groupId",
    );
    xml_values(&xml, "groupId")
        .into_iter()
        .filter(|g| !default.contains(g))
        .collect()
}

/// The `<ipPermissions>` (ingress) part of a DescribeSecurityGroups answer for one group.
fn ingress_of(xml: &str) -> &str {
    let start = xml
        .find("<ipPermissions>")
        .unwrap_or_else(|| panic!("no ingress rules: {xml}"));
    let end = xml[start..].find("</ipPermissions>").unwrap() + start;
    &xml[start..end]
}

fn security_group_xml(moto: SocketAddr, id: &str) -> String {
    ec2(moto, "DescribeSecurityGroups", &[("GroupId.1", id)])
}

#[test]
fn load_balancing_lifecycle() {
    let moto = Moto::start();
    let recorder = AwsRecorder::start(&moto.url());
    let network = default_network(moto.addr());
    let mut project = PulumiProject::new("network", "network", &recorder.url());
    project.stack_init("dev");
    project.config_set("certificateArn", CERTIFICATE_ARN);

    // Preview: seven creates; getNetwork reads, nothing is changed.
    recorder.clear();
    let preview = project.preview_json();
    assert_eq!(
        changes(&preview),
        BTreeSet::from([
            step(SECURITY_GROUP, "alb", "create"),
            step(SECURITY_GROUP, "service", "create"),
            step(LOAD_BALANCER, "web", "create"),
            step(TARGET_GROUP, "blue", "create"),
            step(TARGET_GROUP, "green", "create"),
            step(LISTENER, "http", "create"),
            step(LISTENER, "https", "create"),
        ]),
        "steps: {:?}",
        preview.summary()
    );
    assert_eq!(
        recorder.mutating_operations(),
        Vec::<String>::new(),
        "preview changed AWS; calls: {:?}",
        recorder.operations()
    );
    assert!(load_balancer_arns(moto.addr()).is_empty());

    // Up, then check what moto holds.
    project.up();
    let outputs = project.stack_output_json();
    assert_eq!(out(&outputs, "vpcId"), network.vpc_id, "getNetwork's VPC");
    let subnets: Vec<String> = serde_json::from_value(outputs["subnetIds"].clone()).unwrap();
    assert_eq!(subnets.len(), 2, "{outputs}");
    assert!(subnets.iter().all(|s| network.subnet_ids.contains(s)));
    let zones: Vec<String> = serde_json::from_value(outputs["availabilityZones"].clone()).unwrap();
    assert!(zones.len() >= 2, "{outputs}");

    let alb_arn = out(&outputs, "albArn");
    let lb_xml = elbv2(
        moto.addr(),
        "DescribeLoadBalancers",
        &[("LoadBalancerArns.member.1", &alb_arn)],
    );
    assert_eq!(
        xml_values(&lb_xml, "DNSName"),
        [out(&outputs, "albDnsName")],
        "{lb_xml}"
    );
    assert_eq!(xml_values(&lb_xml, "Code"), ["active"], "{lb_xml}");
    assert_eq!(
        xml_values(&lb_xml, "SecurityGroups").len(),
        1,
        "the ALB has its own group: {lb_xml}"
    );

    let blue_arn = out(&outputs, "blueArn");
    let blue_name = out(&outputs, "blueName");
    assert!(blue_name.len() <= 32, "{blue_name}");
    let blue_xml = target_group_xml(moto.addr(), &blue_arn);
    assert_eq!(xml_values(&blue_xml, "HealthCheckPath"), ["/health"]);
    assert_eq!(xml_values(&blue_xml, "Port"), ["8080"]);
    assert_eq!(xml_values(&blue_xml, "TargetType"), ["ip"]);
    assert_eq!(all_target_group_arns(moto.addr()).len(), 2);

    let listeners = elbv2(
        moto.addr(),
        "DescribeListeners",
        &[("LoadBalancerArn", &alb_arn)],
    );
    assert_eq!(
        xml_values(&listeners, "ListenerArn").len(),
        2,
        "{listeners}"
    );
    assert!(
        listeners.contains("HTTP_301"),
        "HTTP redirects with a 301: {listeners}"
    );
    let https_xml = elbv2(
        moto.addr(),
        "DescribeListeners",
        &[("ListenerArns.member.1", &out(&outputs, "httpsListenerArn"))],
    );
    assert!(
        https_xml.contains(&blue_arn),
        "HTTPS forwards to blue: {https_xml}"
    );
    assert!(https_xml.contains(CERTIFICATE_ARN), "{https_xml}");

    // Least privilege: the ALB's group opens 80 and 443 only; the service's group only admits
    // the ALB's group, on the application port.
    let alb_group = out(&outputs, "albSecurityGroupId");
    let service_group = out(&outputs, "serviceSecurityGroupId");
    let alb_sg = security_group_xml(moto.addr(), &alb_group);
    assert_eq!(
        xml_values(ingress_of(&alb_sg), "fromPort"),
        ["80", "443"],
        "{alb_sg}"
    );
    let service_sg = security_group_xml(moto.addr(), &service_group);
    assert!(
        service_sg.contains(&alb_group),
        "the service admits the ALB's group: {service_sg}"
    );
    assert_eq!(
        xml_values(ingress_of(&service_sg), "fromPort"),
        ["8080"],
        "{service_sg}"
    );
    assert!(
        !ingress_of(&service_sg).contains("<cidrIp>"),
        "{service_sg}"
    );

    recorder.clear();
    project.preview_expect_no_changes();
    assert_eq!(recorder.mutating_operations(), Vec::<String>::new());

    // Health check path: both target groups update in place, same ARNs.
    project.config_set("healthCheckPath", "/ready");
    let preview = project.preview_json();
    assert_eq!(
        changes(&preview),
        BTreeSet::from([
            step(TARGET_GROUP, "blue", "update"),
            step(TARGET_GROUP, "green", "update"),
        ]),
        "steps: {:?}",
        preview.summary()
    );
    recorder.clear();
    project.up();
    assert!(
        recorder
            .operations()
            .contains(&"elasticloadbalancing:ModifyTargetGroup".to_string()),
        "{:?}",
        recorder.operations()
    );
    let outputs = project.stack_output_json();
    assert_eq!(out(&outputs, "blueArn"), blue_arn, "updated in place");
    assert_eq!(
        xml_values(&target_group_xml(moto.addr(), &blue_arn), "HealthCheckPath"),
        ["/ready"]
    );

    // Application port: the target groups are replaced (create before delete, new random
    // names, so no DuplicateTargetGroupName), the HTTPS listener re-pointed, the rules naming
    // the port changed in place.
    project.config_set("appPort", "9090");
    let preview = project.preview_json();
    let steps = changes(&preview);
    for expected in [
        step(TARGET_GROUP, "blue", "replace"),
        step(TARGET_GROUP, "green", "replace"),
        step(SECURITY_GROUP, "alb", "update"),
        step(SECURITY_GROUP, "service", "update"),
    ] {
        assert!(
            steps.contains(&expected),
            "{expected:?} missing from {steps:?}"
        );
    }
    assert!(
        !steps.contains(&step(LOAD_BALANCER, "web", "replace")),
        "{steps:?}"
    );
    project.up();
    let outputs = project.stack_output_json();
    let new_blue = out(&outputs, "blueArn");
    assert_ne!(new_blue, blue_arn, "replaced");
    assert_ne!(out(&outputs, "blueName"), blue_name);
    let tgs = all_target_group_arns(moto.addr());
    assert_eq!(tgs.len(), 2, "old target groups deleted: {tgs:?}");
    assert!(tgs.contains(&new_blue));
    assert_eq!(
        xml_values(&target_group_xml(moto.addr(), &new_blue), "Port"),
        ["9090"]
    );
    let https_xml = elbv2(
        moto.addr(),
        "DescribeListeners",
        &[("ListenerArns.member.1", &out(&outputs, "httpsListenerArn"))],
    );
    assert!(
        https_xml.contains(&new_blue),
        "listener re-pointed: {https_xml}"
    );
    assert_eq!(out(&outputs, "albSecurityGroupId"), alb_group, "same group");
    assert_eq!(out(&outputs, "serviceSecurityGroupId"), service_group);
    let service_sg = security_group_xml(moto.addr(), &service_group);
    assert!(
        xml_values(ingress_of(&service_sg), "fromPort") == ["9090"],
        "{service_sg}"
    );

    // Security group rules: narrowed in place, the group id kept.
    project.config_set_path("allowedCidrs[0]", "10.20.0.0/16");
    let preview = project.preview_json();
    assert_eq!(
        changes(&preview),
        BTreeSet::from([step(SECURITY_GROUP, "alb", "update")]),
        "steps: {:?}",
        preview.summary()
    );
    recorder.clear();
    project.up();
    let ops = recorder.operations();
    assert!(
        ops.iter().any(|o| o == "ec2:AuthorizeSecurityGroupIngress")
            && ops.iter().any(|o| o == "ec2:RevokeSecurityGroupIngress"),
        "{ops:?}"
    );
    assert!(
        !ops.iter().any(|o| o.contains("CreateSecurityGroup")),
        "{ops:?}"
    );
    assert_eq!(
        out(&project.stack_output_json(), "albSecurityGroupId"),
        alb_group
    );
    let alb_sg = security_group_xml(moto.addr(), &alb_group);
    let ingress = ingress_of(&alb_sg);
    assert!(ingress.contains("10.20.0.0/16"), "{alb_sg}");
    assert!(!ingress.contains("0.0.0.0/0"), "{alb_sg}");

    // Refresh reads everything back the same.
    project.preview_expect_no_changes();
    project.refresh();
    recorder.clear();
    project.preview_expect_no_changes();
    assert_eq!(recorder.mutating_operations(), Vec::<String>::new());

    // Destroy leaves nothing of ours in moto.
    project.destroy();
    assert!(load_balancer_arns(moto.addr()).is_empty());
    assert!(all_target_group_arns(moto.addr()).is_empty());
    assert_eq!(
        our_security_groups(moto.addr(), &network.vpc_id),
        Vec::<String>::new()
    );
}
