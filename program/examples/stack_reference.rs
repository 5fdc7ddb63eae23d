//! Test program for stack references. Config (project namespace):
//! - `reference` unset: this is the stack others read; it exports `plain` (the config value
//!   `plain`) and `secret` (the config value `secret`, set with `--secret`).
//! - `reference` = a fully qualified stack name (`organization/<project>/<stack>`): it reads
//!   that stack's `plain` and `secret` and exports them as `plainCopy` and `secretCopy`, plus
//!   the output named by config `extra` as `extraCopy` when set (a missing one fails the run).

use std::process::ExitCode;

use pulumi_rs::{StackReference, run};

fn main() -> ExitCode {
    run(|ctx| async move {
        let config = ctx.config();
        let Some(reference) = config.get::<String>("reference")? else {
            let plain = config.get_output::<String>("plain")?;
            let secret = config.get_output::<String>("secret")?;
            if let Some(plain) = plain {
                ctx.export("plain", &plain);
            }
            if let Some(secret) = secret {
                ctx.export("secret", &secret);
            }
            return Ok(());
        };
        let other = StackReference::new(&ctx, &reference)?;
        ctx.export("plainCopy", &other.require_output::<String>("plain"));
        ctx.export("secretCopy", &other.require_output::<String>("secret"));
        if let Some(extra) = config.get::<String>("extra")? {
            ctx.export("extraCopy", &other.require_output::<String>(&extra));
        }
        Ok(())
    })
}
