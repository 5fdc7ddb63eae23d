//! Fargate's valid task CPU / memory combinations, and the message that lists them.

/// (CPU units, valid memory values in MiB) for Fargate tasks.
pub fn valid_memory_for_cpu(cpu: u32) -> Option<Vec<u32>> {
    let range =
        |from: u32, to: u32, step: u32| (from..=to).step_by(step as usize).collect::<Vec<_>>();
    Some(match cpu {
        256 => vec![512, 1024, 2048],
        512 => range(1024, 4096, 1024),
        1024 => range(2048, 8192, 1024),
        2048 => range(4096, 16384, 1024),
        4096 => range(8192, 30720, 1024),
        8192 => range(16384, 61440, 4096),
        16384 => range(32768, 122880, 8192),
        _ => return None,
    })
}

pub const VALID_CPU: [u32; 7] = [256, 512, 1024, 2048, 4096, 8192, 16384];

fn list(values: &[u32]) -> String {
    if values.len() <= 4 {
        values
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        let step = values[1] - values[0];
        format!(
            "{} to {} in steps of {step}",
            values[0],
            values[values.len() - 1]
        )
    }
}

/// `None` when valid, else a message naming the values and what would be valid.
pub fn check(cpu: u32, memory: u32) -> Option<(&'static str, String)> {
    match valid_memory_for_cpu(cpu) {
        None => Some((
            "cpu",
            format!(
                "{cpu} is not a Fargate CPU size; valid values are {} (1024 = 1 vCPU)",
                VALID_CPU
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
        Some(valid) if !valid.contains(&memory) => Some((
            "memory",
            format!(
                "{memory} MiB is not a valid Fargate memory size for cpu {cpu}; valid values are {} MiB",
                list(&valid)
            ),
        )),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_combinations_pass() {
        for (cpu, mem) in [
            (256, 512),
            (256, 2048),
            (512, 3072),
            (1024, 8192),
            (4096, 30720),
            (8192, 20480),
            (16384, 122880),
        ] {
            assert_eq!(check(cpu, mem), None, "{cpu}/{mem}");
        }
    }

    #[test]
    fn invalid_memory_lists_valid_values_for_the_cpu() {
        let (prop, msg) = check(256, 4096).unwrap();
        assert_eq!(prop, "memory");
        assert!(
            msg.contains("4096") && msg.contains("512, 1024, 2048"),
            "{msg}"
        );
        let (_, msg) = check(1024, 1000).unwrap();
        assert!(msg.contains("2048 to 8192 in steps of 1024"), "{msg}");
    }

    #[test]
    fn invalid_cpu_lists_valid_cpus() {
        let (prop, msg) = check(300, 512).unwrap();
        assert_eq!(prop, "cpu");
        assert!(msg.contains("300") && msg.contains("256, 512"), "{msg}");
    }
}
