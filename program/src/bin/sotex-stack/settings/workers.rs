//! `workers`: background services of the same image (a queue consumer, a scheduler) that run
//! beside the API with their own command, size and count, and no load balancer. Each is one
//! more `WebService` instance (see `web_service`).

use super::*;

rule!(
    WorkerName,
    r"^[a-z][a-z0-9-]{0,18}[a-z0-9]$",
    "2 to 20 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen, e.g. `worker` (it names the worker's resources, container and log stream)"
);
rule!(
    CommandWord,
    r"^.{1,1024}$",
    "one word of the container's command, 1 to 1024 characters on one line"
);

/// A background worker.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkerEntry {
    /// The container's command, e.g. `["dotnet", "Sotex.Worker.dll"]`; the image's own when not
    /// set.
    #[serde(default)]
    pub command: Option<List<Text<CommandWord>, 1>>,
    /// Task CPU units; the API's `cpu` when not set.
    #[serde(default)]
    pub cpu: Option<Whole<CpuUnits>>,
    /// Task memory in MiB (a Fargate size for the worker's CPU); the API's `memory` when not set.
    #[serde(default)]
    pub memory: Option<Whole<MemoryMib>>,
    /// How many tasks run; 1 when not set.
    #[serde(default)]
    pub desired_count: Option<Whole<TaskCount>>,
}

/// A worker as the program declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct Worker {
    pub command: Option<Vec<String>>,
    pub cpu: i64,
    pub memory: i64,
    pub desired_count: i64,
}

/// The name the API's own service has; a worker cannot take it.
pub const API: &str = "api";

impl StackConfig {
    /// The workers, with the API's size where theirs is not set.
    pub(super) fn workers(&self) -> BTreeMap<String, Worker> {
        self.workers
            .0
            .iter()
            .map(|(name, w)| {
                let worker = Worker {
                    command: w.command.as_ref().map(|c| texts(c.0.clone())),
                    cpu: w.cpu.map_or(self.cpu.0, |c| c.0),
                    memory: w.memory.map_or(self.memory.0, |m| m.0),
                    desired_count: w.desired_count.map_or(1, |d| d.0),
                };
                (name.clone(), worker)
            })
            .collect()
    }

    /// A worker's name is not the API's, and its size is one Fargate offers.
    pub(super) fn check_workers(&self, config: &Config) -> Result<(), Error> {
        if self.workers.0.contains_key(API) {
            return Err(config.problem(
                &format!("workers.{API}"),
                "is the API's own name: give the worker another name, e.g. `worker`",
            ));
        }
        for (name, worker) in self.workers() {
            if let Some(problem) = task_size_problem(worker.cpu, worker.memory) {
                let key = if self.workers.0[&name].memory.is_some() {
                    format!("workers.{name}.memory")
                } else {
                    format!("workers.{name}.cpu")
                };
                return Err(config.problem(&key, &problem));
            }
        }
        Ok(())
    }
}
