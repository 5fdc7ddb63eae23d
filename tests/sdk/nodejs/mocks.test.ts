// Unit test of the generated TypeScript SDK with Pulumi's mocks: every resource registers under
// its fargate token with the inputs given, and outputs flow from one resource into the next.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";

const registered = new Map<string, { type: string; inputs: any }>();

pulumi.runtime.setMocks({
    newResource(args: pulumi.runtime.MockResourceArgs) {
        registered.set(args.name + "/" + args.type, { type: args.type, inputs: args.inputs });
        // What the provider would add: an ARN for everything, the ALB's DNS name.
        const extra: Record<string, string> = { arn: `arn:aws:mock:${args.type}:${args.name}` };
        if (args.type === "fargate:lb:LoadBalancer") {
            extra.dnsName = `${args.name}-123.us-east-1.elb.amazonaws.com`;
        }
        return { id: `${args.name}-id`, state: { ...args.inputs, ...extra } };
    },
    call(args: pulumi.runtime.MockCallArgs) {
        return args.inputs;
    },
}, "sdk-test", "dev", false);

function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

test("the backend's resources register under their tokens and outputs flow between them", async () => {
    // Loaded after setMocks, as a program would be run by the engine.
    const { declareBackend } = await import("./program");
    const r = declareBackend({
        vpcId: "vpc-0abc",
        subnetIds: ["subnet-a", "subnet-b"],
        image: "registry.example/api:1.2.3",
        containerPort: 8080,
    });

    assert.equal(await valueOf(r.alb.dnsName), "alb-123.us-east-1.elb.amazonaws.com");
    assert.equal(await valueOf(r.url), "http://alb-123.us-east-1.elb.amazonaws.com");
    assert.equal(await valueOf(r.cluster.arn), "arn:aws:mock:fargate:ecs:Cluster:main");
    assert.equal(await valueOf(r.cluster.containerInsights), "enabled");
    assert.deepEqual(await valueOf(r.listener.defaultAction), {
        forward: { targetGroupArn: "arn:aws:mock:fargate:lb:TargetGroup:api" },
    });
    assert.equal(await valueOf(r.listener.loadBalancerArn), "arn:aws:mock:fargate:lb:LoadBalancer:alb");
    assert.equal(await valueOf(r.service.cluster), "arn:aws:mock:fargate:ecs:Cluster:main");
    assert.equal(await valueOf(r.service.taskDefinition), "arn:aws:mock:fargate:ecs:TaskDefinition:api");
    assert.deepEqual(await valueOf(r.service.network), {
        subnets: ["subnet-a", "subnet-b"],
        securityGroups: ["tasks-id"],
    });
    const [lb] = (await valueOf(r.service.loadBalancers))!;
    assert.equal(lb.targetGroupArn, "arn:aws:mock:fargate:lb:TargetGroup:api");
    assert.equal(lb.containerPort, 8080);
    const rules = (await valueOf(r.tasksSg.ingress))!;
    assert.equal(rules[0].sourceSecurityGroupId, "alb-id");
    const [container] = await valueOf(r.taskDefinition.containers);
    assert.equal(container.image, "registry.example/api:1.2.3");
    assert.equal(await valueOf(r.taskDefinition.cpu), 256);

    const types = [...registered.values()].map((v) => v.type).sort();
    assert.deepEqual(types, [
        "fargate:ec2:SecurityGroup",
        "fargate:ec2:SecurityGroup",
        "fargate:ecs:Cluster",
        "fargate:ecs:Service",
        "fargate:ecs:TaskDefinition",
        "fargate:lb:Listener",
        "fargate:lb:LoadBalancer",
        "fargate:lb:TargetGroup",
    ]);
    assert.equal(registered.get("api/fargate:ecs:Service")!.inputs.desiredCount, 2);
});
