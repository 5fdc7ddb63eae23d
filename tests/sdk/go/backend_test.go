// Unit test of the generated Go SDK with Pulumi's mocks: the backend's resources register under
// their fargate tokens with the inputs given, and outputs flow from one resource into the next.
package sdktest

import (
	"fmt"
	"sort"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"sotex.local/pulumi-fargate/sdk/go/fargate"
	"sotex.local/pulumi-fargate/sdk/go/fargate/config"
	"sotex.local/pulumi-fargate/sdk/go/fargate/ec2"
	"sotex.local/pulumi-fargate/sdk/go/fargate/ecs"
	"sotex.local/pulumi-fargate/sdk/go/fargate/lb"
)

type mocks struct {
	mu         sync.Mutex
	registered map[string]resource.PropertyMap // "<type>/<name>" → inputs
}

func (m *mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	m.mu.Lock()
	m.registered[args.TypeToken+"/"+args.Name] = args.Inputs
	m.mu.Unlock()
	// What the provider would add: an ARN for everything, the ALB's DNS name.
	state := args.Inputs.Copy()
	state["arn"] = resource.NewStringProperty(fmt.Sprintf("arn:aws:mock:%s:%s", args.TypeToken, args.Name))
	if args.TypeToken == "fargate:lb:LoadBalancer" {
		state["dnsName"] = resource.NewStringProperty(args.Name + "-123.us-east-1.elb.amazonaws.com")
	}
	return args.Name + "-id", state, nil
}

func (m *mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return args.Args, nil
}

type backend struct {
	tasksSg        *ec2.SecurityGroup
	alb            *lb.LoadBalancer
	listener       *lb.Listener
	cluster        *ecs.Cluster
	taskDefinition *ecs.TaskDefinition
	service        *ecs.Service
	url            pulumi.StringOutput
}

func declareBackend(ctx *pulumi.Context) (*backend, error) {
	vpcID, subnets, port := pulumi.String("vpc-0abc"), pulumi.StringArray{pulumi.String("subnet-a"), pulumi.String("subnet-b")}, 8080
	albSg, err := ec2.NewSecurityGroup(ctx, "alb", &ec2.SecurityGroupArgs{
		VpcId:       vpcID,
		Description: pulumi.String("ALB: HTTP from anywhere"),
		Ingress: ec2.SecurityGroupRuleArray{ec2.SecurityGroupRuleArgs{
			Protocol: ec2.RuleProtocolTcp, FromPort: pulumi.Int(80), ToPort: pulumi.Int(80),
			CidrBlocks: pulumi.StringArray{pulumi.String("0.0.0.0/0")},
		}},
	})
	if err != nil {
		return nil, err
	}
	tasksSg, err := ec2.NewSecurityGroup(ctx, "tasks", &ec2.SecurityGroupArgs{
		VpcId: vpcID,
		Ingress: ec2.SecurityGroupRuleArray{ec2.SecurityGroupRuleArgs{
			Protocol: ec2.RuleProtocolTcp, FromPort: pulumi.Int(port), ToPort: pulumi.Int(port),
			SourceSecurityGroupId: albSg.ID().ToStringOutput(),
		}},
	})
	if err != nil {
		return nil, err
	}
	alb, err := lb.NewLoadBalancer(ctx, "alb", &lb.LoadBalancerArgs{
		Subnets:        subnets,
		SecurityGroups: pulumi.StringArray{albSg.ID().ToStringOutput()},
	})
	if err != nil {
		return nil, err
	}
	targetGroup, err := lb.NewTargetGroup(ctx, "api", &lb.TargetGroupArgs{
		Port:        pulumi.Int(port),
		VpcId:       vpcID,
		HealthCheck: lb.TargetGroupHealthCheckArgs{Path: pulumi.String("/health"), IntervalSeconds: pulumi.Int(15)},
	})
	if err != nil {
		return nil, err
	}
	listener, err := lb.NewListener(ctx, "http", &lb.ListenerArgs{
		LoadBalancerArn: alb.Arn,
		Port:            pulumi.Int(80),
		DefaultAction:   lb.DefaultActionArgs{Forward: lb.ForwardArgs{TargetGroupArn: targetGroup.Arn}},
	})
	if err != nil {
		return nil, err
	}
	// An explicit provider for the cluster; its region defaults to the stack's `fargate:region`.
	provider, err := fargate.NewProvider(ctx, "eu", &fargate.ProviderArgs{
		Region: pulumi.String(or(config.GetRegion(ctx), "eu-central-1")),
	})
	if err != nil {
		return nil, err
	}
	cluster, err := ecs.NewCluster(ctx, "main", &ecs.ClusterArgs{ContainerInsights: ecs.ContainerInsightsEnabled},
		pulumi.Provider(provider))
	if err != nil {
		return nil, err
	}
	taskDefinition, err := ecs.NewTaskDefinition(ctx, "api", &ecs.TaskDefinitionArgs{
		Cpu:    pulumi.Int(256),
		Memory: pulumi.Int(512),
		Containers: ecs.ContainerDefinitionArray{ecs.ContainerDefinitionArgs{
			Name:         pulumi.String("api"),
			Image:        pulumi.String("registry.example/api:1.2.3"),
			PortMappings: ecs.PortMappingArray{ecs.PortMappingArgs{ContainerPort: pulumi.Int(port)}},
		}},
	})
	if err != nil {
		return nil, err
	}
	service, err := ecs.NewService(ctx, "api", &ecs.ServiceArgs{
		Cluster:        cluster.Arn,
		TaskDefinition: taskDefinition.Arn,
		DesiredCount:   pulumi.Int(2),
		Network: ecs.NetworkConfigurationArgs{
			Subnets:        subnets,
			SecurityGroups: pulumi.StringArray{tasksSg.ID().ToStringOutput()},
		},
		LoadBalancers: ecs.LoadBalancerArray{ecs.LoadBalancerArgs{
			TargetGroupArn: targetGroup.Arn, ContainerName: pulumi.String("api"), ContainerPort: pulumi.Int(port),
		}},
	}, pulumi.DependsOn([]pulumi.Resource{listener}))
	if err != nil {
		return nil, err
	}
	url := pulumi.Sprintf("http://%s", alb.DnsName.Elem())
	return &backend{tasksSg, alb, listener, cluster, taskDefinition, service, url}, nil
}

func or(value, fallback string) string {
	if value == "" {
		return fallback
	}
	return value
}

// await resolves an output inside the mocked program.
func await[T any](t *testing.T, out pulumi.Output) T {
	t.Helper()
	ch := make(chan T, 1)
	out.ApplyT(func(v T) T { ch <- v; return v })
	return <-ch
}

func TestResourcesRegisterAndOutputsFlow(t *testing.T) {
	m := &mocks{registered: map[string]resource.PropertyMap{}}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		b, err := declareBackend(ctx)
		if err != nil {
			return err
		}
		eq := func(what string, got, want any) {
			t.Helper()
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s = %v, want %v", what, got, want)
			}
		}
		eq("alb dnsName", *await[*string](t, b.alb.DnsName), "alb-123.us-east-1.elb.amazonaws.com")
		eq("url", await[string](t, b.url), "http://alb-123.us-east-1.elb.amazonaws.com")
		eq("cluster arn", await[string](t, b.cluster.Arn), "arn:aws:mock:fargate:ecs:Cluster:main")
		eq("containerInsights", *await[*ecs.ContainerInsights](t, b.cluster.ContainerInsights), "enabled")
		action := await[lb.DefaultAction](t, b.listener.DefaultAction)
		eq("listener forward", action.Forward.TargetGroupArn, "arn:aws:mock:fargate:lb:TargetGroup:api")
		eq("listener lb", await[string](t, b.listener.LoadBalancerArn), "arn:aws:mock:fargate:lb:LoadBalancer:alb")
		eq("service cluster", await[string](t, b.service.Cluster), "arn:aws:mock:fargate:ecs:Cluster:main")
		eq("service taskDefinition", await[string](t, b.service.TaskDefinition), "arn:aws:mock:fargate:ecs:TaskDefinition:api")
		network := await[ecs.NetworkConfiguration](t, b.service.Network)
		eq("service subnets", network.Subnets, []string{"subnet-a", "subnet-b"})
		eq("service security groups", network.SecurityGroups, []string{"tasks-id"})
		lbs := await[[]ecs.LoadBalancer](t, b.service.LoadBalancers)
		eq("service target group", lbs[0].TargetGroupArn, "arn:aws:mock:fargate:lb:TargetGroup:api")
		eq("service container port", lbs[0].ContainerPort, 8080)
		rules := await[[]ec2.SecurityGroupRule](t, b.tasksSg.Ingress)
		eq("tasks ingress source", *rules[0].SourceSecurityGroupId, "alb-id")
		containers := await[[]ecs.ContainerDefinition](t, b.taskDefinition.Containers)
		eq("image", containers[0].Image, "registry.example/api:1.2.3")
		eq("cpu", await[int](t, b.taskDefinition.Cpu), 256)
		return nil
	}, pulumi.WithMocks("sdk-test", "dev", m))
	if err != nil {
		t.Fatal(err)
	}

	var types []string
	for key := range m.registered {
		types = append(types, key)
	}
	sort.Strings(types)
	want := []string{
		"fargate:ec2:SecurityGroup/alb", "fargate:ec2:SecurityGroup/tasks", "fargate:ecs:Cluster/main",
		"fargate:ecs:Service/api", "fargate:ecs:TaskDefinition/api", "fargate:lb:Listener/http",
		"fargate:lb:LoadBalancer/alb", "fargate:lb:TargetGroup/api", "pulumi:providers:fargate/eu",
	}
	if fmt.Sprint(types) != fmt.Sprint(want) {
		t.Errorf("registered %v, want %v", types, want)
	}
	if got := m.registered["fargate:ecs:Service/api"]["desiredCount"]; !got.IsNumber() || got.NumberValue() != 2 {
		t.Errorf("service desiredCount input = %v, want 2", got)
	}
	if got := m.registered["pulumi:providers:fargate/eu"]["region"]; !got.IsString() || got.StringValue() != "eu-central-1" {
		t.Errorf("provider region input = %v, want eu-central-1", got)
	}
}
