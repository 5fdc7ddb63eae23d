//! `fargate:ecs:Service` — a Fargate service that keeps tasks running, optionally behind a
//! load balancer, with rollouts that are waited for and reported honestly.
//!
//! Create and update wait for steady state by default and stream progress to the CLI. A
//! rollback by the circuit breaker or tasks that cannot start fail the operation early with the
//! stop reasons; a failure after AWS accepted the change is reported as a partial update
//! (ErrorResourceInitFailed), so the next `up` continues from what exists.

mod convert;
#[cfg(test)]
mod tests;
mod validation;

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ecs::types as ecs;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::aws::ecs as ecs_api;
use crate::aws::ecs_service::{
    default_wait_timeout, delete_service, find_service, primary_deployment_id,
    wait_for_steady_state,
};
use crate::context::Ctx;
use crate::error::{CheckFailure, ProviderError, Result};
use crate::naming::auto_name;
use crate::resource::{
    CheckContext, Diff, DiffInput, Resource, diff_inputs, init_failed, is_known,
};
use crate::validate;
use convert::*;
use validation::*;

pub struct Service;

/// How long a delete waits for the service to drain when the program set no timeout.
const DEFAULT_DELETE_TIMEOUT: Duration = Duration::from_secs(600);

/// A Fargate service: keeps `desiredCount` tasks of a task definition running in your
/// subnets, registers them with load balancer target groups, and rolls out changes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "ServiceArgs")]
pub struct ServiceInputs {
    /// Service name, unique in the cluster. Defaults to the Pulumi resource name plus a random
    /// suffix. Changing it replaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        pattern(crate::naming::ECS_NAME_PATTERN),
        title = "service name",
        extend("x-rule" = crate::naming::ECS_NAME_RULE)
    )]
    pub name: Option<String>,
    /// ARN (or name) of the cluster to run in. Changing it replaces the service.
    pub cluster: String,
    /// ARN of the task definition revision to run.
    pub task_definition: String,
    /// Number of tasks to keep running (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 5000), title = "the desired count")]
    pub desired_count: Option<u32>,
    /// Leave `desiredCount` to an autoscaler: it is used only when the service is created, and
    /// afterwards the provider neither diffs nor resets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired_count_managed_by_autoscaler: Option<bool>,
    /// Subnets, security groups and public IP of the tasks.
    pub network: NetworkConfiguration,
    /// Target groups the service registers its tasks with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancers: Option<Vec<LoadBalancer>>,
    /// How rollouts replace tasks, and the circuit breaker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment: Option<DeploymentSettings>,
    /// Seconds to ignore failing load balancer health checks after a task starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 7200), title = "the grace period (seconds)")]
    pub health_check_grace_period_seconds: Option<u32>,
    /// Fargate platform version, `LATEST` by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_version: Option<String>,
    /// Run on FARGATE and/or FARGATE_SPOT capacity instead of the FARGATE launch type.
    /// Switching between the two modes replaces the service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_provider_strategy: Option<Vec<CapacityProviderItem>>,
    /// Allow `aws ecs execute-command` into the tasks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_execute_command: Option<bool>,
    /// Copy tags to tasks from the `SERVICE` or the `TASK_DEFINITION`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub propagate_tags: Option<PropagateTags>,
    /// Tags on the service, merged over the provider's `defaultTags`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    /// Any change of this value starts a new deployment (e.g. to pick up a re-pushed tag).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_new_deployment: Option<String>,
    /// Wait for the rollout to reach steady state (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_for_steady_state: Option<bool>,
}

/// Where the tasks run on the network.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkConfiguration {
    /// Subnet ids (`subnet-...`), 1 to 16.
    pub subnets: Vec<String>,
    /// Security group ids (`sg-...`), 1 to 5. Required: the VPC's default group is rarely
    /// what a service should get.
    pub security_groups: Vec<String>,
    /// Give tasks public IPs (needed in public subnets without a NAT to pull images).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assign_public_ip: Option<bool>,
}

/// A target group the service's tasks are registered with.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoadBalancer {
    /// ARN of the target group (target type `ip`).
    pub target_group_arn: String,
    /// Container that receives the traffic.
    pub container_name: String,
    /// Port on that container, 1 to 65535.
    #[schemars(range(min = 1, max = 65535), title = "a port")]
    pub container_port: u32,
}

/// Rollout settings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentSettings {
    /// Lowest share of `desiredCount` kept running during a rollout, 0 to 100 (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 100), title = "the minimum healthy percent")]
    pub minimum_healthy_percent: Option<u32>,
    /// Highest share of `desiredCount` running during a rollout, 100 to 200 (default 200).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 100, max = 200), title = "the maximum percent")]
    pub maximum_percent: Option<u32>,
    /// Stop a failing rollout (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub circuit_breaker: Option<bool>,
    /// Roll back to the last good deployment when the circuit breaker trips (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback: Option<bool>,
    /// The target group's deregistration delay in seconds (default 300); only sizes the
    /// default wait timeout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deregistration_delay_seconds: Option<u32>,
}

/// One capacity provider and its share.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CapacityProviderItem {
    /// `FARGATE` or `FARGATE_SPOT`.
    pub capacity_provider: CapacityProvider,
    /// Relative share of tasks, 0 to 1000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 1000), title = "the weight")]
    pub weight: Option<u32>,
    /// Tasks placed here before weights apply, 0 to 100000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 100000), title = "the base")]
    pub base: Option<u32>,
}

/// Fargate capacity providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub enum CapacityProvider {
    /// On-demand Fargate.
    #[default]
    #[serde(rename = "FARGATE")]
    Fargate,
    /// Interruptible, cheaper Fargate Spot.
    #[serde(rename = "FARGATE_SPOT")]
    FargateSpot,
}

/// Where tasks take their tags from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum PropagateTags {
    /// The service's tags.
    #[serde(rename = "SERVICE")]
    Service,
    /// The task definition's tags.
    #[serde(rename = "TASK_DEFINITION")]
    TaskDefinition,
    /// No propagation.
    #[serde(rename = "NONE")]
    None,
}

/// The running service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "ServiceState")]
pub struct ServiceOutputs {
    #[serde(flatten)]
    pub inputs: ServiceInputs,
    /// ARN of the service; also the resource's id.
    pub arn: String,
    /// Tasks running at the end of the last operation.
    #[serde(default)]
    pub running_count: u32,
    /// Every tag on the service, the provider's `defaultTags` included.
    #[serde(default)]
    pub tags_all: BTreeMap<String, String>,
}

fn autoscaled(i: &ServiceInputs) -> bool {
    i.desired_count_managed_by_autoscaler == Some(true)
}

fn wait_timeout(ctx: &Ctx, i: &ServiceInputs) -> Duration {
    ctx.timeout.unwrap_or_else(|| {
        let d = i.deployment.clone().unwrap_or_default();
        default_wait_timeout(
            i.desired_count.unwrap_or(1),
            d.maximum_percent.unwrap_or(200),
            i.health_check_grace_period_seconds.unwrap_or(0),
            d.deregistration_delay_seconds.unwrap_or(300),
        )
    })
}

impl Service {
    fn outputs(
        inputs: &ServiceInputs,
        arn: String,
        running: i32,
        tags_all: BTreeMap<String, String>,
    ) -> ServiceOutputs {
        ServiceOutputs {
            inputs: inputs.clone(),
            arn,
            running_count: u32::try_from(running).unwrap_or(0),
            tags_all,
        }
    }

    /// Waits for the rollout; a failure keeps id and outputs in state (ErrorResourceInitFailed).
    async fn settle(
        ctx: &Ctx,
        client: &aws_sdk_ecs::Client,
        inputs: &ServiceInputs,
        outputs: ServiceOutputs,
        deployment: Option<String>,
        verb: &str,
    ) -> Result<ServiceOutputs> {
        if inputs.wait_for_steady_state == Some(false) {
            return Ok(outputs);
        }
        let timeout = wait_timeout(ctx, inputs);
        ctx.log
            .status(format!(
                "waiting up to {}s for the {verb} to reach steady state",
                timeout.as_secs()
            ))
            .await;
        let name = inputs.name.clone().unwrap_or_default();
        match wait_for_steady_state(
            client,
            &inputs.cluster,
            &name,
            deployment.as_deref(),
            timeout,
            &ctx.log,
            &ctx.cancel,
        )
        .await
        {
            Ok(service) => {
                let mut outputs = outputs;
                outputs.running_count = u32::try_from(service.running_count()).unwrap_or(0);
                Ok(outputs)
            }
            Err(reasons) => {
                let reasons = reasons
                    .into_iter()
                    .enumerate()
                    .map(|(n, r)| {
                        if n == 0 {
                            format!("service {name} {verb} did not reach steady state: {r}")
                        } else {
                            r
                        }
                    })
                    .collect();
                Err(init_failed(&outputs.arn, &outputs, reasons))
            }
        }
    }
}

#[async_trait]
impl Resource for Service {
    const TOKEN: &'static str = "fargate:ecs:Service";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["name", "cluster"];
    type Inputs = ServiceInputs;
    type Outputs = ServiceOutputs;

    fn check(
        &self,
        mut news: ServiceInputs,
        olds: Option<&ServiceInputs>,
        ctx: &CheckContext<'_>,
    ) -> Result<ServiceInputs, Vec<CheckFailure>> {
        if news.name.is_none() {
            news.name = Some(ctx.default_name(olds.and_then(|o| o.name.as_deref()), || {
                auto_name(ctx.name, ctx.random_seed, NAME_MAX, name_char)
            }));
        }
        news.desired_count.get_or_insert(1);
        // AWS keeps subnets and groups as sets: their order is no change.
        news.network.subnets.sort();
        news.network.security_groups.sort();
        if news.tags.as_ref().is_some_and(BTreeMap::is_empty) {
            news.tags = None;
        }
        let failures = validate(&news);
        if failures.is_empty() {
            Ok(news)
        } else {
            Err(failures)
        }
    }

    fn diff(&self, input: &DiffInput<'_>) -> Diff {
        let mut old = input.old_inputs.clone();
        let mut new = input.news.clone();
        if input.news.get("desiredCountManagedByAutoscaler") == Some(&serde_json::Value::Bool(true))
        {
            // The autoscaler owns the count: never diff it.
            for v in [&mut old, &mut new] {
                if let Some(m) = v.as_object_mut() {
                    m.remove("desiredCount");
                }
            }
        }
        let mut diff = diff_inputs(&old, &new, Self::REPLACE_ON_CHANGES);
        // Launch type vs capacity providers is fixed at creation.
        let has_cps = |v: &serde_json::Value| {
            v.get("capacityProviderStrategy")
                .is_some_and(|c| !c.is_null())
        };
        if has_cps(&old) != has_cps(&new) {
            diff.replaces.insert("capacityProviderStrategy".into());
        }
        diff
    }

    async fn create(&self, ctx: &Ctx, inputs: &ServiceInputs) -> Result<(String, ServiceOutputs)> {
        let client = ctx.aws.ecs().await?;
        let name = inputs.name.clone().unwrap_or_default();
        let tags_all = ctx.tags_all(inputs.tags.as_ref());
        let cps = capacity_providers(inputs);
        let mut request = client
            .create_service()
            .cluster(&inputs.cluster)
            .service_name(&name)
            .task_definition(&inputs.task_definition)
            .desired_count(inputs.desired_count.unwrap_or(1) as i32)
            .network_configuration(network(inputs))
            .set_load_balancers(
                inputs
                    .load_balancers
                    .as_ref()
                    .map(|_| load_balancers(inputs)),
            )
            .deployment_configuration(deployment_configuration(inputs))
            .set_health_check_grace_period_seconds(
                inputs.health_check_grace_period_seconds.map(|s| s as i32),
            )
            .set_platform_version(inputs.platform_version.clone())
            .set_enable_execute_command(inputs.enable_execute_command)
            .set_propagate_tags(inputs.propagate_tags.map(propagate))
            // The URN mark lets a retry after a crashed create find this service (crate::adopt).
            .set_tags(Some(ecs_api::to_ecs_tags(&crate::adopt::marked(
                ctx, &tags_all,
            ))))
            .client_token(client_token(&inputs.cluster, &name));
        request = match cps {
            Some(items) => request.set_capacity_provider_strategy(Some(items)),
            None => request.launch_type(ecs::LaunchType::Fargate),
        };
        let out = request
            .send()
            .await
            .map_err(|e| ProviderError::from_aws("ecs:CreateService", &e, &[]))?;
        let service = out
            .service()
            .ok_or_else(|| ProviderError::internal("ecs:CreateService returned no service"))?;
        let arn = service.service_arn().unwrap_or_default().to_string();
        ctx.log.status(format!("created service {arn}")).await;
        let outputs = Self::outputs(inputs, arn.clone(), service.running_count(), tags_all);
        let outputs = Self::settle(
            ctx,
            client,
            inputs,
            outputs,
            primary_deployment_id(service),
            "creation",
        )
        .await?;
        Ok((arn, outputs))
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: Option<(&ServiceInputs, &ServiceOutputs)>,
    ) -> Result<Option<(ServiceInputs, ServiceOutputs)>> {
        let client = ctx.aws.ecs().await?;
        // Import ids may be `cluster/service`; refresh has the cluster in state.
        let (cluster, service_id) = match olds {
            Some((i, _)) => (i.cluster.clone(), id.to_string()),
            None => match id.split_once('/') {
                Some((c, s)) if !id.starts_with("arn:") => (c.to_string(), s.to_string()),
                _ => {
                    // arn:aws:ecs:region:acct:service/cluster/name
                    let parts: Vec<&str> = id.rsplit('/').collect();
                    (
                        parts.get(1).copied().unwrap_or("default").to_string(),
                        id.to_string(),
                    )
                }
            },
        };
        let Some(svc) = find_service(client, &cluster, &service_id).await? else {
            return Ok(None);
        };
        let tags_all = ecs_api::from_ecs_tags(svc.tags());
        let mut inputs = olds
            .map(|(i, _)| i.clone())
            .unwrap_or_else(|| ServiceInputs {
                cluster: svc.cluster_arn().unwrap_or(&cluster).to_string(),
                ..Default::default()
            });
        // Overlay what AWS reports; what it leaves out keeps the program's value.
        inputs.name = svc.service_name().map(str::to_string).or(inputs.name);
        if let Some(td) = svc.task_definition() {
            inputs.task_definition = td.to_string();
        }
        if !autoscaled(&inputs) || olds.is_none() {
            inputs.desired_count = Some(u32::try_from(svc.desired_count()).unwrap_or(0));
        }
        if let Some(vpc) = svc
            .network_configuration()
            .and_then(|n| n.awsvpc_configuration())
        {
            inputs.network.subnets = vpc.subnets().to_vec();
            inputs.network.subnets.sort();
            inputs.network.security_groups = vpc.security_groups().to_vec();
            inputs.network.security_groups.sort();
            if let Some(ip) = vpc.assign_public_ip() {
                let public = *ip == ecs::AssignPublicIp::Enabled;
                if public || inputs.network.assign_public_ip.is_some() {
                    inputs.network.assign_public_ip = Some(public);
                }
            }
        }
        let lbs: Vec<LoadBalancer> = svc
            .load_balancers()
            .iter()
            .map(|lb| LoadBalancer {
                target_group_arn: lb.target_group_arn().unwrap_or_default().to_string(),
                container_name: lb.container_name().unwrap_or_default().to_string(),
                container_port: lb.container_port().map(|p| p as u32).unwrap_or(0),
            })
            .collect();
        if !lbs.is_empty() || inputs.load_balancers.is_some() {
            inputs.load_balancers = Some(lbs);
        }
        inputs.tags = crate::tags::own_tags(&tags_all, inputs.tags.as_ref(), &ctx.default_tags);
        let outputs = Self::outputs(
            &inputs,
            svc.service_arn().unwrap_or(id).to_string(),
            svc.running_count(),
            tags_all,
        );
        Ok(Some((inputs, outputs)))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: &ServiceOutputs,
        news: &ServiceInputs,
    ) -> Result<ServiceOutputs> {
        let client = ctx.aws.ecs().await?;
        let name = news.name.clone().unwrap_or_default();
        let tags_all = ctx.tags_all(news.tags.as_ref());
        if tags_all != olds.tags_all {
            ecs_api::sync_tags(client, id, &olds.tags_all, &tags_all).await?;
        }
        let old = &olds.inputs;
        let service_changed = {
            let strip = |i: &ServiceInputs| ServiceInputs {
                tags: None,
                wait_for_steady_state: None,
                desired_count: if autoscaled(news) {
                    None
                } else {
                    i.desired_count
                },
                ..i.clone()
            };
            strip(old) != strip(news)
        };
        let mut outputs =
            Self::outputs(news, olds.arn.clone(), olds.running_count as i32, tags_all);
        if !service_changed {
            return Ok(outputs);
        }
        let mut request = client
            .update_service()
            .cluster(&news.cluster)
            .service(&name)
            .task_definition(&news.task_definition)
            .network_configuration(network(news))
            .deployment_configuration(deployment_configuration(news))
            .set_health_check_grace_period_seconds(
                news.health_check_grace_period_seconds.map(|s| s as i32),
            )
            .set_platform_version(news.platform_version.clone())
            // Unset after being set means off again: AWS keeps an omitted value as it was.
            .set_enable_execute_command(
                news.enable_execute_command
                    .or(old.enable_execute_command.map(|_| false)),
            )
            .set_propagate_tags(news.propagate_tags.map(propagate))
            .set_capacity_provider_strategy(capacity_providers(news));
        if !autoscaled(news) {
            request = request.desired_count(news.desired_count.unwrap_or(1) as i32);
        }
        if news.load_balancers != old.load_balancers {
            request = request.set_load_balancers(Some(load_balancers(news)));
        }
        // AWS refuses a changed capacity provider strategy without a new deployment
        // (InvalidParameterException "...you must force a new deployment"); moto does not.
        if (news.force_new_deployment != old.force_new_deployment
            && news.force_new_deployment.is_some())
            || news.capacity_provider_strategy != old.capacity_provider_strategy
        {
            request = request.force_new_deployment(true);
        }
        let out = request
            .send()
            .await
            .map_err(|e| ProviderError::from_aws("ecs:UpdateService", &e, &[]))?;
        let deployment = out.service().and_then(primary_deployment_id);
        if let Some(s) = out.service() {
            outputs.running_count = u32::try_from(s.running_count()).unwrap_or(0);
        }
        ctx.log.status(format!("updated service {name}")).await;
        Self::settle(ctx, client, news, outputs, deployment, "update").await
    }

    async fn delete(&self, ctx: &Ctx, id: &str, olds: &ServiceOutputs) -> Result<()> {
        let client = ctx.aws.ecs().await?;
        let timeout = ctx.timeout.unwrap_or(DEFAULT_DELETE_TIMEOUT);
        delete_service(
            client,
            &olds.inputs.cluster,
            id,
            timeout,
            &ctx.log,
            &ctx.cancel,
        )
        .await
    }
}
