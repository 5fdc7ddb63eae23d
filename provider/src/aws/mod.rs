//! AWS access, apart from resource mapping: lazily built clients, per-service finders and
//! waiters, and short named retries for eventual consistency.

pub mod appautoscaling;
pub mod ec2;
pub mod ecr;
pub mod ecs;
pub mod ecs_service;
pub mod elbv2;
pub mod iam;
pub mod logs;
pub mod retry;
pub mod ssm;
pub mod tags;
pub mod wait;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use tokio::sync::OnceCell;

use crate::config::ProviderConfig;
use crate::error::{ProviderError, Result};

/// One lazily built client per service, all from the same loaded config (region, endpoint
/// override, retry mode).
macro_rules! client {
    ($name:ident, $sdk:ident) => {
        pub async fn $name(&self) -> Result<&$sdk::Client> {
            let sdk = self.sdk_config().await?;
            Ok(self
                .$name
                .get_or_init(|| async { $sdk::Client::new(sdk) })
                .await)
        }
    };
}

/// Attempts per SDK call (standard retry mode): throttling and 5xx are retried by the SDK itself.
const SDK_MAX_ATTEMPTS: u32 = 3;

/// The one HTTP client of every AWS client (and of aws-config's credential providers: SSO, STS,
/// instance metadata): rustls on ring, with the platform's trusted roots. Plain `http://`
/// endpoints (the emulator) work through it too.
fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// Clients are built on first use, so starting, configuring and a no-change preview make no AWS
/// call and read no credentials.
pub struct AwsClients {
    config: ProviderConfig,
    sdk: OnceCell<SdkConfig>,
    ecs: OnceCell<aws_sdk_ecs::Client>,
    ec2: OnceCell<aws_sdk_ec2::Client>,
    elbv2: OnceCell<aws_sdk_elasticloadbalancingv2::Client>,
    iam: OnceCell<aws_sdk_iam::Client>,
    logs: OnceCell<aws_sdk_cloudwatchlogs::Client>,
    autoscaling: OnceCell<aws_sdk_applicationautoscaling::Client>,
    ecr: OnceCell<aws_sdk_ecr::Client>,
    ssm: OnceCell<aws_sdk_ssm::Client>,
    sts: OnceCell<aws_sdk_sts::Client>,
    /// The credentials' account, asked once per process (two roles created at once share it).
    account: OnceCell<String>,
}

impl AwsClients {
    pub fn new(config: ProviderConfig) -> Self {
        Self {
            config,
            sdk: OnceCell::new(),
            ecs: OnceCell::new(),
            ec2: OnceCell::new(),
            elbv2: OnceCell::new(),
            iam: OnceCell::new(),
            logs: OnceCell::new(),
            autoscaling: OnceCell::new(),
            ecr: OnceCell::new(),
            ssm: OnceCell::new(),
            sts: OnceCell::new(),
            account: OnceCell::new(),
        }
    }

    /// Clients made elsewhere (tests with mocked responses); no config is loaded.
    pub fn with_ecs(client: aws_sdk_ecs::Client, region: &str) -> Self {
        let sdk = SdkConfig::builder()
            .region(Region::new(region.to_string()))
            .behavior_version(BehaviorVersion::latest())
            .build();
        Self {
            config: ProviderConfig::default(),
            sdk: OnceCell::new_with(Some(sdk)),
            ecs: OnceCell::new_with(Some(client)),
            ec2: OnceCell::new(),
            elbv2: OnceCell::new(),
            iam: OnceCell::new(),
            logs: OnceCell::new(),
            autoscaling: OnceCell::new(),
            ecr: OnceCell::new(),
            ssm: OnceCell::new(),
            sts: OnceCell::new(),
            account: OnceCell::new(),
        }
    }

    /// A mocked load-balancing client beside [`Self::with_ecs`]'s (tests).
    pub fn and_elbv2(self, client: aws_sdk_elasticloadbalancingv2::Client) -> Self {
        Self {
            elbv2: OnceCell::new_with(Some(client)),
            ..self
        }
    }

    async fn sdk_config(&self) -> Result<&SdkConfig> {
        let sdk = self
            .sdk
            .get_or_init(|| async {
                let mut loader = aws_config::defaults(BehaviorVersion::latest())
                    .http_client(https_client())
                    .retry_config(RetryConfig::standard().with_max_attempts(SDK_MAX_ATTEMPTS));
                if let Some(region) = &self.config.region {
                    loader = loader.region(Region::new(region.clone()));
                }
                if let Some(profile) = &self.config.profile {
                    loader = loader.profile_name(profile);
                }
                if let Some(endpoint) = &self.config.endpoint {
                    loader = loader.endpoint_url(endpoint);
                }
                loader.load().await
            })
            .await;
        if sdk.region().is_none() {
            return Err(ProviderError::internal(
                "no AWS region configured: set `pulumi config set fargate:region <region>` or AWS_REGION",
            ));
        }
        Ok(sdk)
    }

    /// The region in force (for values AWS wants spelled out, such as the awslogs region).
    pub async fn region(&self) -> Result<String> {
        Ok(self
            .sdk_config()
            .await?
            .region()
            .map(|r| r.to_string())
            .unwrap_or_default())
    }

    client!(ecs, aws_sdk_ecs);
    client!(ec2, aws_sdk_ec2);
    client!(elbv2, aws_sdk_elasticloadbalancingv2);
    client!(iam, aws_sdk_iam);
    client!(logs, aws_sdk_cloudwatchlogs);
    client!(autoscaling, aws_sdk_applicationautoscaling);
    client!(ecr, aws_sdk_ecr);
    client!(ssm, aws_sdk_ssm);
    client!(sts, aws_sdk_sts);

    /// The account the credentials belong to (sts:GetCallerIdentity, once per process).
    pub async fn account(&self) -> Result<String> {
        let sts = self.sts().await?;
        self.account
            .get_or_try_init(|| iam::caller_account(sts))
            .await
            .cloned()
    }
}
