//! Elastic Load Balancing v2 access: load balancers, target groups and listeners (finders,
//! waiters, conversions, named retries).

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_elasticloadbalancingv2::Client;
use aws_sdk_elasticloadbalancingv2::types::{
    Listener, LoadBalancer, LoadBalancerAttribute, LoadBalancerStateEnum, Tag, TargetGroup,
    TargetGroupAttribute,
};
use tokio_util::sync::CancellationToken;

use super::retry::{RetryRule, retry};
use super::wait::{Poll, PollRule, WaitError, Waiter};
use crate::error::{ProviderError, Result, aws_error_code};
use crate::log::ResourceLog;

pub const LOAD_BALANCER_NOT_FOUND: &[&str] = &["LoadBalancerNotFound"];
pub const TARGET_GROUP_NOT_FOUND: &[&str] = &["TargetGroupNotFound"];
pub const LISTENER_NOT_FOUND: &[&str] = &["ListenerNotFound"];

/// A listener being re-pointed to a replacement target group still references the old one for
/// a moment after ModifyListener returns.
const TARGET_GROUP_IN_USE: RetryRule = RetryRule {
    name: "target group still referenced by a listener or rule",
    budget: Duration::from_secs(60),
    interval: Duration::from_secs(3),
};

/// A deleted load balancer lingers briefly in DescribeLoadBalancers.
const LOAD_BALANCER_DELETION: RetryRule = RetryRule {
    name: "load balancer still listed after deletion",
    budget: Duration::from_secs(60),
    interval: Duration::from_secs(3),
};

/// Default wait for a new load balancer to become `active` when no customTimeouts is set.
pub const DEFAULT_ACTIVE_TIMEOUT: Duration = Duration::from_secs(600);

pub fn to_elb_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// Leaves out the provider's URN mark ([`crate::adopt::URN_TAG`]): it is not the program's.
pub fn from_elb_tags(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter(|t| t.key() != Some(crate::adopt::URN_TAG))
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

/// Tags on any ELBv2 resource (load balancer, target group, listener).
pub async fn tags_of(client: &Client, arn: &str) -> Result<BTreeMap<String, String>> {
    let out = client
        .describe_tags()
        .resource_arns(arn)
        .send()
        .await
        .map_err(|e| {
            ProviderError::from_aws(
                "elasticloadbalancing:DescribeTags",
                &e,
                &[
                    "LoadBalancerNotFound",
                    "TargetGroupNotFound",
                    "ListenerNotFound",
                ],
            )
        })?;
    Ok(out
        .tag_descriptions()
        .iter()
        .find(|d| d.resource_arn() == Some(arn))
        .or_else(|| out.tag_descriptions().first())
        .map(|d| from_elb_tags(d.tags()))
        .unwrap_or_default())
}

/// Tags on any ELBv2 resource as AWS returns them, the provider's own marks included.
pub async fn raw_tags_of(client: &Client, arn: &str) -> Result<Vec<Tag>> {
    let out = client
        .describe_tags()
        .resource_arns(arn)
        .send()
        .await
        .map_err(|e| ProviderError::from_aws("elasticloadbalancing:DescribeTags", &e, &[]))?;
    Ok(out
        .tag_descriptions()
        .iter()
        .find(|d| d.resource_arn() == Some(arn))
        .map(|d| d.tags().to_vec())
        .unwrap_or_default())
}

/// The ARN of the load balancer named `name`; `None` when there is none.
pub async fn load_balancer_arn_named(client: &Client, name: &str) -> Result<Option<String>> {
    match client.describe_load_balancers().names(name).send().await {
        Ok(out) => Ok(out
            .load_balancers()
            .first()
            .and_then(|lb| lb.load_balancer_arn().map(str::to_string))),
        Err(e) if aws_error_code(&e).is_some_and(|c| LOAD_BALANCER_NOT_FOUND.contains(&c)) => {
            Ok(None)
        }
        Err(e) => Err(ProviderError::from_aws(
            "elasticloadbalancing:DescribeLoadBalancers",
            &e,
            LOAD_BALANCER_NOT_FOUND,
        )),
    }
}

/// The ARN of the target group named `name`; `None` when there is none.
pub async fn target_group_arn_named(client: &Client, name: &str) -> Result<Option<String>> {
    match client.describe_target_groups().names(name).send().await {
        Ok(out) => Ok(out
            .target_groups()
            .first()
            .and_then(|tg| tg.target_group_arn().map(str::to_string))),
        Err(e) if aws_error_code(&e).is_some_and(|c| TARGET_GROUP_NOT_FOUND.contains(&c)) => {
            Ok(None)
        }
        Err(e) => Err(ProviderError::from_aws(
            "elasticloadbalancing:DescribeTargetGroups",
            &e,
            TARGET_GROUP_NOT_FOUND,
        )),
    }
}

/// The ARN of the load balancer's listener on `port` (one per port); `None` when there is none.
pub async fn listener_arn_on_port(
    client: &Client,
    load_balancer_arn: &str,
    port: u64,
) -> Result<Option<String>> {
    match client
        .describe_listeners()
        .load_balancer_arn(load_balancer_arn)
        .send()
        .await
    {
        Ok(out) => Ok(out
            .listeners()
            .iter()
            .find(|l| l.port().and_then(|p| u64::try_from(p).ok()) == Some(port))
            .and_then(|l| l.listener_arn().map(str::to_string))),
        Err(e) if aws_error_code(&e).is_some_and(|c| LOAD_BALANCER_NOT_FOUND.contains(&c)) => {
            Ok(None)
        }
        Err(e) => Err(ProviderError::from_aws(
            "elasticloadbalancing:DescribeListeners",
            &e,
            LOAD_BALANCER_NOT_FOUND,
        )),
    }
}

/// Makes a load-balancing resource's tags equal `desired`.
pub async fn sync_tags(
    client: &Client,
    arn: &str,
    current: &BTreeMap<String, String>,
    desired: &BTreeMap<String, String>,
) -> Result<()> {
    super::tags::sync(
        current,
        desired,
        async |keys| {
            client
                .remove_tags()
                .resource_arns(arn)
                .set_tag_keys(Some(keys))
                .send()
                .await
                .map(drop)
                .map_err(|e| ProviderError::from_aws("elasticloadbalancing:RemoveTags", &e, &[]))
        },
        async |tags| {
            client
                .add_tags()
                .resource_arns(arn)
                .set_tags(Some(to_elb_tags(&tags)))
                .send()
                .await
                .map(drop)
                .map_err(|e| ProviderError::from_aws("elasticloadbalancing:AddTags", &e, &[]))
        },
    )
    .await
}

pub use super::tags::changed_entries;

// ---- load balancers ----

/// Finds a load balancer by ARN; `None` when it does not exist.
pub async fn find_load_balancer(client: &Client, arn: &str) -> Result<Option<LoadBalancer>> {
    match client
        .describe_load_balancers()
        .load_balancer_arns(arn)
        .send()
        .await
    {
        Ok(out) => Ok(out.load_balancers().first().cloned()),
        Err(e) if aws_error_code(&e).is_some_and(|c| LOAD_BALANCER_NOT_FOUND.contains(&c)) => {
            Ok(None)
        }
        Err(e) => Err(ProviderError::from_aws(
            "elasticloadbalancing:DescribeLoadBalancers",
            &e,
            LOAD_BALANCER_NOT_FOUND,
        )),
    }
}

pub async fn load_balancer_attributes(
    client: &Client,
    arn: &str,
) -> Result<BTreeMap<String, String>> {
    let out = client
        .describe_load_balancer_attributes()
        .load_balancer_arn(arn)
        .send()
        .await
        .map_err(|e| {
            ProviderError::from_aws(
                "elasticloadbalancing:DescribeLoadBalancerAttributes",
                &e,
                LOAD_BALANCER_NOT_FOUND,
            )
        })?;
    Ok(out
        .attributes()
        .iter()
        .filter_map(|a| Some((a.key()?.to_string(), a.value()?.to_string())))
        .collect())
}

/// Sets the given attributes; does nothing (and makes no call) when `attributes` is empty.
pub async fn modify_load_balancer_attributes(
    client: &Client,
    arn: &str,
    attributes: &BTreeMap<String, String>,
) -> Result<()> {
    if attributes.is_empty() {
        return Ok(());
    }
    let attrs = attributes
        .iter()
        .map(|(k, v)| LoadBalancerAttribute::builder().key(k).value(v).build())
        .collect();
    client
        .modify_load_balancer_attributes()
        .load_balancer_arn(arn)
        .set_attributes(Some(attrs))
        .send()
        .await
        .map_err(|e| {
            ProviderError::from_aws("elasticloadbalancing:ModifyLoadBalancerAttributes", &e, &[])
        })?;
    Ok(())
}

/// Polls until the load balancer is `active`. Fails when it reaches `failed`, disappears, or
/// the timeout passes; progress goes to the CLI's status line.
pub async fn wait_for_load_balancer_active(
    client: &Client,
    arn: &str,
    timeout: Duration,
    log: &ResourceLog,
    cancel: &CancellationToken,
) -> Result<LoadBalancer> {
    let rule = PollRule {
        what: "the load balancer",
        timeout,
        failed_polls_tolerated: 0,
    };
    let mut wait = Waiter::new(&rule, cancel, Some(log));
    loop {
        let polled = match find_load_balancer(client, arn).await {
            Ok(Some(lb)) => Ok(load_balancer_status(lb, log).await),
            Ok(None) => Ok(Poll::Fail(ProviderError::internal(format!(
                "load balancer {arn} disappeared while waiting for it to become active"
            )))),
            Err(e) => Err(e),
        };
        match wait.poll_until(polled).await {
            Ok(Some(lb)) => return Ok(lb),
            Ok(None) => {}
            Err(WaitError::TimedOut { last_status }) => {
                return Err(ProviderError::Retryable(format!(
                    "load balancer {arn} was still `{last_status}` after {}s; it usually takes 2-5 minutes (raise customTimeouts.create to wait longer)",
                    timeout.as_secs()
                )));
            }
            Err(WaitError::Cancelled) => return Err(ProviderError::Cancelled),
            Err(WaitError::Failed(e) | WaitError::PollFailed(e)) => return Err(e),
        }
    }
}

/// Where a load balancer being provisioned stands.
async fn load_balancer_status(lb: LoadBalancer, log: &ResourceLog) -> Poll<LoadBalancer> {
    let arn = lb.load_balancer_arn().unwrap_or_default().to_string();
    let state = lb.state().and_then(|s| s.code()).cloned();
    match state {
        Some(LoadBalancerStateEnum::Active) => Poll::Ready(lb),
        Some(LoadBalancerStateEnum::Failed) => Poll::Fail(ProviderError::internal(format!(
            "load balancer {arn} failed to provision: {}",
            lb.state()
                .and_then(|s| s.reason())
                .unwrap_or("no reason given")
        ))),
        _ => {
            let state = state.as_ref().map_or("unknown", |s| s.as_str()).to_string();
            log.status(format!(
                "waiting for load balancer to become active (now `{state}`)"
            ))
            .await;
            Poll::Pending(state)
        }
    }
}

/// Deletes a load balancer (already gone is success) and waits until it is no longer listed.
pub async fn delete_load_balancer(
    client: &Client,
    arn: &str,
    cancel: &CancellationToken,
) -> Result<()> {
    match client
        .delete_load_balancer()
        .load_balancer_arn(arn)
        .send()
        .await
    {
        Ok(_) => {}
        Err(e) if aws_error_code(&e).is_some_and(|c| LOAD_BALANCER_NOT_FOUND.contains(&c)) => {
            return Ok(());
        }
        Err(e) if aws_error_code(&e) == Some("OperationNotPermitted") => {
            return Err(ProviderError::internal(format!(
                "cannot delete load balancer {arn}: deletion protection is on; set `deletionProtection: false` and run `pulumi up` first ({})",
                ProviderError::from_aws("elasticloadbalancing:DeleteLoadBalancer", &e, &[])
            )));
        }
        Err(e) => {
            return Err(ProviderError::from_aws(
                "elasticloadbalancing:DeleteLoadBalancer",
                &e,
                LOAD_BALANCER_NOT_FOUND,
            ));
        }
    }
    retry(
        &LOAD_BALANCER_DELETION,
        cancel,
        || async {
            match find_load_balancer(client, arn).await {
                Ok(None) => Ok(()),
                Ok(Some(_)) => Err(None),
                Err(e) => Err(Some(e)),
            }
        },
        Option::is_none,
        |e| {
            e.unwrap_or_else(|| {
                ProviderError::Retryable(format!("load balancer {arn} is still listed"))
            })
        },
    )
    .await
}

/// Turns AWS's answer to bad subnets into a failure that names `subnets` and the values given.
pub fn subnets_error(
    operation: &str,
    code: Option<&str>,
    message: &str,
    subnets: &[String],
) -> Option<ProviderError> {
    let lower = message.to_ascii_lowercase();
    let reason = match code {
        Some("SubnetNotFound") => "at least one of these subnets does not exist".to_string(),
        Some("InvalidSubnet") => format!("AWS rejected these subnets: {message}"),
        Some("InvalidConfigurationRequest" | "ValidationError")
            if lower.contains("availability zone") || lower.contains("subnet") =>
        {
            format!(
                "an Application Load Balancer needs subnets in at least two different availability zones, and at most one subnet per zone ({operation}: {message})"
            )
        }
        _ => return None,
    };
    Some(ProviderError::Validation(vec![
        crate::error::CheckFailure::new("subnets", format!("[{}]: {reason}", subnets.join(", "))),
    ]))
}

// ---- target groups ----

/// Finds a target group by ARN; `None` when it does not exist.
pub async fn find_target_group(client: &Client, arn: &str) -> Result<Option<TargetGroup>> {
    match client
        .describe_target_groups()
        .target_group_arns(arn)
        .send()
        .await
    {
        Ok(out) => Ok(out.target_groups().first().cloned()),
        Err(e) if aws_error_code(&e).is_some_and(|c| TARGET_GROUP_NOT_FOUND.contains(&c)) => {
            Ok(None)
        }
        Err(e) => Err(ProviderError::from_aws(
            "elasticloadbalancing:DescribeTargetGroups",
            &e,
            TARGET_GROUP_NOT_FOUND,
        )),
    }
}

pub async fn target_group_attributes(
    client: &Client,
    arn: &str,
) -> Result<BTreeMap<String, String>> {
    let out = client
        .describe_target_group_attributes()
        .target_group_arn(arn)
        .send()
        .await
        .map_err(|e| {
            ProviderError::from_aws(
                "elasticloadbalancing:DescribeTargetGroupAttributes",
                &e,
                TARGET_GROUP_NOT_FOUND,
            )
        })?;
    Ok(out
        .attributes()
        .iter()
        .filter_map(|a| Some((a.key()?.to_string(), a.value()?.to_string())))
        .collect())
}

/// Sets the given attributes; does nothing (and makes no call) when `attributes` is empty.
pub async fn modify_target_group_attributes(
    client: &Client,
    arn: &str,
    attributes: &BTreeMap<String, String>,
) -> Result<()> {
    if attributes.is_empty() {
        return Ok(());
    }
    let attrs = attributes
        .iter()
        .map(|(k, v)| TargetGroupAttribute::builder().key(k).value(v).build())
        .collect();
    client
        .modify_target_group_attributes()
        .target_group_arn(arn)
        .set_attributes(Some(attrs))
        .send()
        .await
        .map_err(|e| {
            ProviderError::from_aws("elasticloadbalancing:ModifyTargetGroupAttributes", &e, &[])
        })?;
    Ok(())
}

/// Deletes a target group, waiting briefly while a listener still references it; already gone
/// is success.
pub async fn delete_target_group(
    client: &Client,
    arn: &str,
    cancel: &CancellationToken,
) -> Result<()> {
    let result = retry(
        &TARGET_GROUP_IN_USE,
        cancel,
        || client.delete_target_group().target_group_arn(arn).send(),
        |e| aws_error_code(e) == Some("ResourceInUse"),
        |e| {
            ProviderError::from_aws(
                "elasticloadbalancing:DeleteTargetGroup",
                &e,
                TARGET_GROUP_NOT_FOUND,
            )
        },
    )
    .await;
    match result {
        Ok(_) | Err(ProviderError::NotFound(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

// ---- listeners ----

/// Finds a listener by ARN; `None` when it (or its load balancer) does not exist.
pub async fn find_listener(client: &Client, arn: &str) -> Result<Option<Listener>> {
    match client.describe_listeners().listener_arns(arn).send().await {
        Ok(out) => Ok(out.listeners().first().cloned()),
        Err(e)
            if aws_error_code(&e)
                .is_some_and(|c| c == "ListenerNotFound" || c == "LoadBalancerNotFound") =>
        {
            Ok(None)
        }
        Err(e) => Err(ProviderError::from_aws(
            "elasticloadbalancing:DescribeListeners",
            &e,
            LISTENER_NOT_FOUND,
        )),
    }
}

/// Deletes a listener; already gone (or its load balancer gone) is success.
pub async fn delete_listener(client: &Client, arn: &str) -> Result<()> {
    match client.delete_listener().listener_arn(arn).send().await {
        Ok(_) => Ok(()),
        Err(e)
            if aws_error_code(&e)
                .is_some_and(|c| c == "ListenerNotFound" || c == "LoadBalancerNotFound") =>
        {
            Ok(())
        }
        Err(e) => Err(ProviderError::from_aws(
            "elasticloadbalancing:DeleteListener",
            &e,
            LISTENER_NOT_FOUND,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip() {
        let tags: BTreeMap<String, String> = [("a".to_string(), "1".to_string())].into();
        assert_eq!(from_elb_tags(&to_elb_tags(&tags)), tags);
    }

    #[test]
    fn changed_entries_are_new_or_different() {
        let cur: BTreeMap<String, String> =
            [("a".into(), "1".into()), ("b".into(), "2".into())].into();
        let want: BTreeMap<String, String> = [
            ("a".into(), "1".into()),
            ("b".into(), "3".into()),
            ("c".into(), "4".into()),
        ]
        .into();
        let changed = changed_entries(&cur, &want);
        assert_eq!(changed.len(), 2);
        assert_eq!(changed["b"], "3");
    }

    #[test]
    fn same_zone_subnet_errors_name_subnets() {
        let subnets = vec!["subnet-a".to_string(), "subnet-b".to_string()];
        let e = subnets_error(
            "elasticloadbalancing:CreateLoadBalancer",
            Some("InvalidConfigurationRequest"),
            "A load balancer cannot be attached to multiple subnets in the same Availability Zone",
            &subnets,
        )
        .unwrap();
        let ProviderError::Validation(f) = e else {
            panic!("not a validation error")
        };
        assert_eq!(f[0].property, "subnets");
        assert!(
            f[0].reason.contains("subnet-a, subnet-b"),
            "{}",
            f[0].reason
        );
        assert!(f[0].reason.contains("different availability zones"));
        assert!(subnets_error("x", Some("AccessDenied"), "no", &subnets).is_none());
    }
}
