package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
	"sotex.local/pulumi-fargate/sdk/go/fargate/ec2"
	"sotex.local/pulumi-fargate/sdk/go/fargate/ecs"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		network := ec2.GetNetworkOutput(ctx, ec2.GetNetworkOutputArgs{}) // the default VPC and its subnets
		tasks, err := ec2.NewSecurityGroup(ctx, "tasks", &ec2.SecurityGroupArgs{VpcId: network.VpcId(),
			Egress: ec2.SecurityGroupRuleArray{ec2.SecurityGroupRuleArgs{Protocol: ec2.RuleProtocolTcp,
				FromPort: pulumi.Int(443), ToPort: pulumi.Int(443), CidrBlocks: pulumi.ToStringArray([]string{"0.0.0.0/0"})}}})
		if err != nil {
			return err
		}
		cluster, err := ecs.NewCluster(ctx, "main", &ecs.ClusterArgs{ContainerInsights: ecs.ContainerInsightsEnabled})
		if err != nil {
			return err
		}
		task, err := ecs.NewTaskDefinition(ctx, "api", &ecs.TaskDefinitionArgs{Cpu: pulumi.Int(256), Memory: pulumi.Int(512),
			Containers: ecs.ContainerDefinitionArray{ecs.ContainerDefinitionArgs{Name: pulumi.String("api"),
				Image: pulumi.String(config.Require(ctx, "image")), PortMappings: ecs.PortMappingArray{ecs.PortMappingArgs{ContainerPort: pulumi.Int(8080)}}}}})
		if err != nil {
			return err
		}
		service, err := ecs.NewService(ctx, "api", &ecs.ServiceArgs{Cluster: cluster.Arn, TaskDefinition: task.Arn,
			Network: ecs.NetworkConfigurationArgs{Subnets: network.SubnetIds(), SecurityGroups: pulumi.StringArray{tasks.ID()}, AssignPublicIp: pulumi.Bool(true)}})
		if err != nil {
			return err
		}
		ctx.Export("serviceArn", service.Arn)
		return nil
	})
}
