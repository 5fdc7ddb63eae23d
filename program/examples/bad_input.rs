//! Test program: one resource of any type with raw properties, through the SDK's low-level
//! `register_resource` — for data-driven tests of what the provider accepts and rejects, and
//! for fault and secret tests on resources the other examples do not declare.
//!
//! Config (project namespace):
//! - `type` (required): the type token, e.g. `fargate:ecs:Cluster`;
//! - `properties`: a JSON object, registered as the resource's inputs as given;
//! - `secretProperties`: a JSON object whose top-level entries are registered as secrets
//!   (set it with `pulumi config set --secret`);
//! - `unknownProperties`: a JSON list of property names registered as unknown (as during a
//!   preview, when they would come from resources not created yet);
//! - `name`: the resource name (default `subject`);
//! - `exportProperties`: a JSON list of output properties exported as stack outputs;
//! - `alsoGetNetwork`: `true` to call `fargate:ec2:getNetwork` first (exported as `vpcId`) and
//!   register the resource 3 s later, so a test can fail it while the call is in flight.
//!
//! Exports `id` and `urn`.

use std::process::ExitCode;

use pulumi_rs::{Output, ResourceOptions, run};
use serde_json::{Map, Value};

fn main() -> ExitCode {
    run(|ctx| async move {
        let config = ctx.config();
        let type_token: String = config.require("type")?;
        let name: String = config.get("name")?.unwrap_or_else(|| "subject".to_string());
        let properties: Map<String, Value> = config.get("properties")?.unwrap_or_default();
        let secrets: Map<String, Value> = config.get("secretProperties")?.unwrap_or_default();
        let unknown: Vec<String> = config.get("unknownProperties")?.unwrap_or_default();
        let exports: Vec<String> = config.get("exportProperties")?.unwrap_or_default();
        if config.get::<bool>("alsoGetNetwork")?.unwrap_or(false) {
            let network = pulumi_rs::fargate::ec2::get_network(&ctx, Default::default());
            ctx.export("vpcId", &network.map(|n| n.vpc_id));
            // Registered a moment later, so the call is surely under way when the check fails.
            tokio::time::sleep(std::time::Duration::from_secs(3)).await;
        }

        let mut props: Vec<(String, Output<Value>)> = properties
            .into_iter()
            .map(|(k, v)| (k, Output::new(v)))
            .collect();
        props.extend(secrets.into_iter().map(|(k, v)| (k, Output::secret(v))));
        props.extend(unknown.into_iter().map(|k| (k, Output::unknown())));

        let resource =
            ctx.register_resource(&type_token, &name, true, props, ResourceOptions::default());
        ctx.export("id", &resource.id());
        ctx.export("urn", &resource.urn());
        for property in exports {
            ctx.export(&property, &resource.output::<Value>(&property));
        }
        Ok(())
    })
}
