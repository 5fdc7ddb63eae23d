import pulumi
from sotex_fargate import ec2, ecs

config = pulumi.Config()
network = ec2.get_network_output()  # the default VPC and its subnets
tasks = ec2.SecurityGroup("tasks", vpc_id=network.vpc_id,
    egress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}])
cluster = ecs.Cluster("main", container_insights="enabled")
task = ecs.TaskDefinition("api", cpu=256, memory=512,
    containers=[{"name": "api", "image": config.require("image"), "port_mappings": [{"container_port": 8080}]}])
service = ecs.Service("api", cluster=cluster.arn, task_definition=task.arn,
    network={"subnets": network.subnet_ids, "security_groups": [tasks.id], "assign_public_ip": True})
pulumi.export("serviceArn", service.arn)
