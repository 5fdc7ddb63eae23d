// Must NOT compile: the SDK's argument types are real types, not `any`. tests/tests/sdks.rs
// expects tsc to reject each marked line by the property it names.
import * as fargate from "@sotex/fargate";

new fargate.ecs.TaskDefinition("wrong-type", {
    cpu: "a lot", // cpu is a number
    memory: 512,
    containers: [{ name: "api", image: "api:1" }],
});
new fargate.ecs.Cluster("unknown-property", { nmae: "typo" });
new fargate.lb.TargetGroup("missing-required", { port: 80 }); // vpcId is required
new fargate.ecs.Cluster("wrong-enum", { containerInsights: "on" });
