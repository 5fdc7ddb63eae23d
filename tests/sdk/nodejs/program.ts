// A short program on the generated TypeScript SDK: the Sotex-box backend's resources, wired
// the way the Rust stack program wires them. Compiled with `tsc` (strict) in tests/tests/sdks.rs.
import * as pulumi from "@pulumi/pulumi";
import * as fargate from "@sotex/fargate";

export interface Settings {
    vpcId: string;
    subnetIds: string[];
    image: string;
    containerPort: number;
}

export function declareBackend(s: Settings) {
    const albSg = new fargate.ec2.SecurityGroup("alb", {
        vpcId: s.vpcId,
        description: "ALB: HTTP from anywhere",
        ingress: [{ protocol: fargate.ec2.RuleProtocol.Tcp, fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"] }],
    });
    const tasksSg = new fargate.ec2.SecurityGroup("tasks", {
        vpcId: s.vpcId,
        description: "tasks: the container port from the ALB only",
        ingress: [{ protocol: "tcp", fromPort: s.containerPort, toPort: s.containerPort, sourceSecurityGroupId: albSg.id }],
    });
    const alb = new fargate.lb.LoadBalancer("alb", { subnets: s.subnetIds, securityGroups: [albSg.id] });
    const targetGroup = new fargate.lb.TargetGroup("api", {
        port: s.containerPort,
        vpcId: s.vpcId,
        healthCheck: { path: "/health", intervalSeconds: 15 },
    });
    const listener = new fargate.lb.Listener("http", {
        loadBalancerArn: alb.arn,
        port: 80,
        defaultAction: { forward: { targetGroupArn: targetGroup.arn } },
    });
    const cluster = new fargate.ecs.Cluster("main", { containerInsights: fargate.ecs.ContainerInsights.Enabled });
    const taskDefinition = new fargate.ecs.TaskDefinition("api", {
        cpu: 256,
        memory: 512,
        containers: [{ name: "api", image: s.image, portMappings: [{ containerPort: s.containerPort }] }],
    });
    const service = new fargate.ecs.Service("api", {
        cluster: cluster.arn,
        taskDefinition: taskDefinition.arn,
        desiredCount: 2,
        network: { subnets: s.subnetIds, securityGroups: [tasksSg.id] },
        loadBalancers: [{ targetGroupArn: targetGroup.arn, containerName: "api", containerPort: s.containerPort }],
    }, { dependsOn: [listener] });
    const url: pulumi.Output<string> = pulumi.interpolate`http://${alb.dnsName}`;
    return { albSg, tasksSg, alb, targetGroup, listener, cluster, taskDefinition, service, url };
}
