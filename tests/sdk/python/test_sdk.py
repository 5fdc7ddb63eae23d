"""Unit test of the generated Python SDK with Pulumi's mocks (run by tests/tests/sdks.rs).

The backend's resources register under their fargate tokens with the inputs given, outputs flow
from one resource into the next, and the typed argument classes refuse unknown keywords.
"""

import pathlib
import runpy

import pulumi
import pytest

registered = {}


class Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        registered[(args.typ, args.name)] = args.inputs
        # What the provider would add: an ARN for everything, the ALB's DNS name.
        extra = {"arn": f"arn:aws:mock:{args.typ}:{args.name}"}
        if args.typ == "fargate:lb:LoadBalancer":
            extra["dnsName"] = f"{args.name}-123.us-east-1.elb.amazonaws.com"
        return [f"{args.name}-id", {**args.inputs, **extra}]

    def call(self, args: pulumi.runtime.MockCallArgs):
        if args.token == "fargate:ec2:getNetwork":
            return {"vpcId": "vpc-default", "cidrBlock": "172.31.0.0/16", "subnetIds": ["subnet-1", "subnet-2"],
                    "subnets": [], "availabilityZones": ["us-east-1a", "us-east-1b"]}
        return {}


pulumi.runtime.set_mocks(Mocks(), project="sdk-test", stack="dev", preview=False)

# Imported after set_mocks, as a program is run by the engine.
import sotex_fargate as fargate  # noqa: E402
from sotex_fargate import ec2, ecs, lb  # noqa: E402


def declare_backend():
    vpc_id, subnets, port = "vpc-0abc", ["subnet-a", "subnet-b"], 8080
    alb_sg = ec2.SecurityGroup(
        "alb",
        vpc_id=vpc_id,
        description="ALB: HTTP from anywhere",
        ingress=[ec2.SecurityGroupRuleArgs(protocol=ec2.RuleProtocol.TCP, from_port=80, to_port=80, cidr_blocks=["0.0.0.0/0"])],
    )
    tasks_sg = ec2.SecurityGroup(
        "tasks",
        ec2.SecurityGroupArgs(
            vpc_id=vpc_id,
            ingress=[{"protocol": "tcp", "from_port": port, "to_port": port, "source_security_group_id": alb_sg.id}],
        ),
    )
    alb = lb.LoadBalancer("alb", subnets=subnets, security_groups=[alb_sg.id])
    target_group = lb.TargetGroup(
        "api", port=port, vpc_id=vpc_id, health_check=lb.TargetGroupHealthCheckArgs(path="/health", interval_seconds=15)
    )
    listener = lb.Listener(
        "http",
        load_balancer_arn=alb.arn,
        port=80,
        default_action=lb.DefaultActionArgs(forward=lb.ForwardArgs(target_group_arn=target_group.arn)),
    )
    cluster = ecs.Cluster("main", container_insights=ecs.ContainerInsights.ENABLED)
    task_definition = ecs.TaskDefinition(
        "api",
        cpu=256,
        memory=512,
        containers=[ecs.ContainerDefinitionArgs(name="api", image="registry.example/api:1.2.3", port_mappings=[ecs.PortMappingArgs(container_port=port)])],
    )
    service = ecs.Service(
        "api",
        cluster=cluster.arn,
        task_definition=task_definition.arn,
        desired_count=2,
        network=ecs.NetworkConfigurationArgs(subnets=subnets, security_groups=[tasks_sg.id]),
        load_balancers=[ecs.LoadBalancerArgs(target_group_arn=target_group.arn, container_name="api", container_port=port)],
        opts=pulumi.ResourceOptions(depends_on=[listener]),
    )
    url = pulumi.Output.concat("http://", alb.dns_name)
    return alb_sg, tasks_sg, alb, target_group, listener, cluster, task_definition, service, url


@pulumi.runtime.test
def test_resources_register_and_outputs_flow():
    alb_sg, tasks_sg, alb, target_group, listener, cluster, task_definition, service, url = declare_backend()

    # Nested outputs arrive as dicts keyed by the Python (snake_case) names.
    def check(values):
        (dns_name, url, cluster_arn, insights, action, lb_arn, svc_cluster, svc_task_def,
         network, svc_lbs, tasks_ingress, containers, cpu) = values
        assert dns_name == "alb-123.us-east-1.elb.amazonaws.com"
        assert url == "http://alb-123.us-east-1.elb.amazonaws.com"
        assert cluster_arn == "arn:aws:mock:fargate:ecs:Cluster:main"
        assert insights == "enabled"
        assert action["forward"]["target_group_arn"] == "arn:aws:mock:fargate:lb:TargetGroup:api"
        assert lb_arn == "arn:aws:mock:fargate:lb:LoadBalancer:alb"
        assert svc_cluster == cluster_arn
        assert svc_task_def == "arn:aws:mock:fargate:ecs:TaskDefinition:api"
        assert network["subnets"] == ["subnet-a", "subnet-b"]
        assert network["security_groups"] == ["tasks-id"]
        assert svc_lbs[0]["target_group_arn"] == "arn:aws:mock:fargate:lb:TargetGroup:api"
        assert svc_lbs[0]["container_port"] == 8080
        assert tasks_ingress[0]["source_security_group_id"] == "alb-id"
        assert containers[0]["image"] == "registry.example/api:1.2.3"
        assert containers[0]["port_mappings"] == [{"container_port": 8080}]
        assert cpu == 256
        types = sorted(t for (t, _name) in registered)
        assert types == [
            "fargate:ec2:SecurityGroup",
            "fargate:ec2:SecurityGroup",
            "fargate:ecs:Cluster",
            "fargate:ecs:Service",
            "fargate:ecs:TaskDefinition",
            "fargate:lb:Listener",
            "fargate:lb:LoadBalancer",
            "fargate:lb:TargetGroup",
        ]
        # Wire names are the schema's camelCase, whatever the Python spelling.
        assert registered[("fargate:ecs:Service", "api")]["desiredCount"] == 2

    return pulumi.Output.all(
        alb.dns_name, url, cluster.arn, cluster.container_insights, listener.default_action,
        listener.load_balancer_arn, service.cluster, service.task_definition, service.network,
        service.load_balancers, tasks_sg.ingress, task_definition.containers, task_definition.cpu,
    ).apply(check)


def test_typed_args_reject_an_unknown_keyword():
    with pytest.raises(TypeError, match="nmae"):
        ecs.ClusterArgs(nmae="typo")
    with pytest.raises(TypeError, match="container_prot"):
        ecs.PortMappingArgs(container_prot=8080)
    with pytest.raises(TypeError, match="vpc_idd"):
        ec2.SecurityGroup("typo", vpc_idd="vpc-0abc")


def test_required_args_are_required():
    with pytest.raises(TypeError, match="vpc_id"):
        lb.TargetGroupArgs(port=80)


def test_package_metadata():
    assert fargate._utilities.get_version() == "0.1.0"
    assert [e.value for e in ecs.ContainerInsights] == ["enabled", "enhanced", "disabled"]


@pulumi.runtime.test
def test_readme_example():
    """The README's Python example, run as a program: getNetwork feeds the service."""
    registered.clear()
    pulumi.runtime.set_all_config({"sdk-test:image": "registry.example/api:1.2.3"})
    example = runpy.run_path(str(pathlib.Path(__file__).with_name("example.py")))

    def check(values):
        subnets, cluster, image = values
        assert subnets == ["subnet-1", "subnet-2"]
        assert cluster == "arn:aws:mock:fargate:ecs:Cluster:main"
        assert image == "registry.example/api:1.2.3"
        assert registered[("fargate:ec2:SecurityGroup", "tasks")]["vpcId"] == "vpc-default"

    service, task = example["service"], example["task"]
    return pulumi.Output.all(
        service.network.apply(lambda n: n["subnets"]), service.cluster, task.containers.apply(lambda c: c[0]["image"])
    ).apply(check)
