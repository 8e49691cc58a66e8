//! Drives the backends through a scenario step by step, identically, and records the trace.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::crud::{self, CrudStore};
use crate::db::{self, Location, Schema};
use crate::es::{self, EventSourcedService};
use crate::scenario::{Action, LoadedScenario, QueryStep};
use crate::service::{Backend, CommandOutcome, OrderService};
use crate::trace::{Outcome, SCHEMA_VERSION, ScenarioInfo, StepRecord, StepResult, Summary, Trace};

pub const CRUD_FILE: &str = "crud.sqlite3";
pub const EVENTS_FILE: &str = "events.sqlite3";

/// Where the databases live.
#[derive(Debug, Clone, Default)]
pub struct StorageOptions {
    /// Keep the databases as files here; in memory when `None`.
    pub db_dir: Option<PathBuf>,
    /// Carry on from databases already in `db_dir` instead of refusing them.
    pub resume: bool,
}

impl StorageOptions {
    fn location(&self, file: &str) -> Location {
        match &self.db_dir {
            None => Location::InMemory,
            Some(dir) if self.resume => Location::ExistingOrNewFile(dir.join(file)),
            Some(dir) => Location::NewFile(dir.join(file)),
        }
    }

    /// Refuses before anything is created if any database is already there, so a refused
    /// run leaves the folder exactly as it found it.
    /// With `--continue`, every existing file is checked to be ours before any is created.
    fn prepare(&self, files: &[(&str, &Schema)]) -> anyhow::Result<()> {
        let Some(dir) = &self.db_dir else {
            return Ok(());
        };
        for (file, schema) in files {
            let path = dir.join(file);
            if self.resume {
                if path.try_exists().unwrap_or(true) {
                    db::check_identity(&path, schema)?;
                }
            } else if path.try_exists().unwrap_or(true) {
                bail!(
                    "{} already exists: refusing to overwrite it (use --continue to carry on from it)",
                    path.display()
                );
            }
        }
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))
    }
}

/// The backends of one run.
pub struct Services {
    pub crud: Option<CrudStore>,
    pub es: Option<EventSourcedService>,
}

impl Services {
    pub fn open(
        backends: &[Backend],
        storage: &StorageOptions,
        first_event_id: u64,
    ) -> anyhow::Result<Services> {
        let wants = |b| backends.contains(&b);
        let files: Vec<(&str, &Schema)> = [
            (Backend::Crud, CRUD_FILE, &crud::SCHEMA),
            (Backend::Es, EVENTS_FILE, &es::store::SCHEMA),
        ]
        .into_iter()
        .filter(|(b, _, _)| wants(*b))
        .map(|(_, file, schema)| (file, schema))
        .collect();
        storage.prepare(&files)?;
        let crud = match wants(Backend::Crud) {
            true => Some(CrudStore::open(&storage.location(CRUD_FILE))?),
            false => None,
        };
        let es = match wants(Backend::Es) {
            true => Some(EventSourcedService::open(
                &storage.location(EVENTS_FILE),
                first_event_id,
            )?),
            false => None,
        };
        Ok(Services { crud, es })
    }

    fn each(&mut self) -> Vec<&mut dyn OrderService> {
        let mut services: Vec<&mut dyn OrderService> = Vec::new();
        if let Some(crud) = &mut self.crud {
            services.push(crud);
        }
        if let Some(es) = &mut self.es {
            services.push(es);
        }
        services
    }
}

/// Runs every step on every backend and records what each did and answered.
pub fn run(loaded: &LoadedScenario, services: &mut Services) -> anyhow::Result<Trace> {
    let scenario = &loaded.scenario;
    let mut steps = Vec::with_capacity(scenario.steps.len());
    for (index, step) in scenario.steps.iter().enumerate() {
        let number = index + 1;
        let mut results = Vec::new();
        for service in services.each() {
            let backend = service.backend();
            let outcome = perform(service, &step.action).with_context(|| {
                format!("step {number} ({}) failed on {backend}", step.action.name())
            })?;
            results.push(StepResult { backend, outcome });
        }
        steps.push(StepRecord {
            step: number,
            action: step.action.clone(),
            note: step.note.clone(),
            results,
        });
    }
    let storage = services
        .each()
        .iter()
        .map(|s| s.storage())
        .collect::<anyhow::Result<Vec<_>>>()?;
    let backends: Vec<Backend> = services.each().iter().map(|s| s.backend()).collect();
    let summary = summarise(&steps, storage, backends.len() > 1);
    Ok(Trace {
        schema_version: SCHEMA_VERSION,
        scenario: ScenarioInfo {
            name: loaded.name.clone(),
            title: scenario.title.clone(),
            description: scenario.description.clone(),
        },
        backends,
        steps,
        summary,
    })
}

fn perform(service: &mut dyn OrderService, action: &Action) -> anyhow::Result<Outcome> {
    Ok(match action {
        Action::Command(command) => match service.execute(command)? {
            CommandOutcome::Applied(storage) => Outcome::Applied {
                storage,
                // What the design answers right after the command, from where it reads.
                state: service.query(command.order_id())?.state,
            },
            CommandOutcome::Rejected(rejection) => Outcome::Rejected {
                reason: rejection.to_string(),
            },
        },
        Action::Query(QueryStep::Query(query)) => {
            let answer = service.query(&query.order_id)?;
            Outcome::Answered {
                source: answer.source,
                state: answer.state,
            }
        }
    })
}

fn summarise(
    steps: &[StepRecord],
    storage: Vec<crate::service::StorageSummary>,
    compared: bool,
) -> Summary {
    let is_query = |s: &&StepRecord| matches!(s.action, Action::Query(_));
    let differing_steps: Vec<usize> = steps
        .iter()
        .filter(|s| s.agrees() == Some(false))
        .map(|s| s.step)
        .collect();
    let queries_identical = compared.then(|| {
        steps
            .iter()
            .filter(is_query)
            .all(|s| s.agrees() != Some(false))
    });
    Summary {
        storage,
        queries: steps.iter().filter(is_query).count(),
        queries_identical,
        differing_steps,
    }
}

/// The path of a database in a folder, for commands that read one (`log`, `replay`).
pub fn events_path(db_dir: &Path) -> PathBuf {
    db_dir.join(EVENTS_FILE)
}
