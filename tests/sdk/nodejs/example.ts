import * as pulumi from "@pulumi/pulumi";
import * as fargate from "@sotex/fargate";

const config = new pulumi.Config();
const network = fargate.ec2.getNetworkOutput(); // the default VPC and its subnets
const tasks = new fargate.ec2.SecurityGroup("tasks", { vpcId: network.vpcId,
    egress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }] });
const cluster = new fargate.ecs.Cluster("main", { containerInsights: "enabled" });
const task = new fargate.ecs.TaskDefinition("api", { cpu: 256, memory: 512,
    containers: [{ name: "api", image: config.require("image"), portMappings: [{ containerPort: 8080 }] }] });
const service = new fargate.ecs.Service("api", { cluster: cluster.arn, taskDefinition: task.arn,
    network: { subnets: network.subnetIds, securityGroups: [tasks.id], assignPublicIp: true } });
export const serviceArn = service.arn;
