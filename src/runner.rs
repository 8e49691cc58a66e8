//! Drives the backends through a scenario step by step, identically, and records the trace.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::crud::{self, CrudStore};
use crate::db::{self, Location, Schema};
use crate::es::{self, EventSourcedService};
use crate::expect;
use crate::scenario::{Action, LoadedScenario, Scenario, Step, ViewAction};
use crate::service::{
    Agreement, Backend, CommandOutcome, Inapplicable, OrderQuery, OrderService, Outcome, Question,
    StepMark, StorageSummary,
};
use crate::trace::{
    Expectations, SCHEMA_VERSION, ScenarioInfo, StepRecord, StepResult, Summary, Trace,
};

pub const CRUD_FILE: &str = "crud.sqlite3";
pub const EVENTS_FILE: &str = "events.sqlite3";

/// Where the databases live.
#[derive(Debug, Clone, Default)]
pub struct StorageOptions {
    /// Keep the databases as files here; in memory when `None`.
    pub db_dir: Option<PathBuf>,
    /// Carry on from databases already in `db_dir` instead of refusing them.
    pub resume: bool,
    /// Give the CRUD store a version column and refuse stale writes.
    pub crud_locking: bool,
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
        if dir.exists() && !dir.is_dir() {
            bail!("--db-dir {} is not a folder", dir.display());
        }
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
    /// Skip the steps each database records as done (`--continue`).
    resume: bool,
    /// Record each step as done: only files can be carried on from.
    marks: bool,
}

impl Services {
    pub fn open(
        backends: &[Backend],
        storage: &StorageOptions,
        first_event_id: u64,
    ) -> anyhow::Result<Services> {
        let wants = |b| backends.contains(&b);
        let files: Vec<(&str, &Schema)> = [
            (
                Backend::Crud,
                CRUD_FILE,
                if storage.crud_locking {
                    &crud::VERSIONED_SCHEMA
                } else {
                    &crud::SCHEMA
                },
            ),
            (Backend::Es, EVENTS_FILE, &es::store::SCHEMA),
        ]
        .into_iter()
        .filter(|(b, _, _)| wants(*b))
        .map(|(_, file, schema)| (file, schema))
        .collect();
        storage.prepare(&files)?;
        let open_crud = || -> anyhow::Result<Option<CrudStore>> {
            wants(Backend::Crud)
                .then(|| CrudStore::open(&storage.location(CRUD_FILE), storage.crud_locking))
                .transpose()
        };
        let open_es = || -> anyhow::Result<Option<EventSourcedService>> {
            wants(Backend::Es)
                .then(|| EventSourcedService::open(&storage.location(EVENTS_FILE), first_event_id))
                .transpose()
        };
        // Existing files first: if one of them cannot be read, nothing new has been created yet.
        let crud_is_new = storage
            .db_dir
            .as_ref()
            .is_some_and(|dir| !dir.join(CRUD_FILE).exists());
        let (crud, es) = if crud_is_new {
            let es = open_es()?;
            (open_crud()?, es)
        } else {
            let crud = open_crud()?;
            (crud, open_es()?)
        };
        Ok(Services {
            crud,
            es,
            resume: storage.resume,
            marks: storage.db_dir.is_some(),
        })
    }

    /// The designs open, in the order every step runs them.
    pub fn backends(&mut self) -> Vec<Backend> {
        self.each().iter().map(|s| s.backend()).collect()
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
    run_with(loaded, services, |_| Ok(()))
}

/// Like `run`, calling `after_step` with each step's record as soon as it is done
/// (for `eslab run --step`).
pub fn run_with(
    loaded: &LoadedScenario,
    services: &mut Services,
    mut after_step: impl FnMut(&StepRecord) -> anyhow::Result<()>,
) -> anyhow::Result<Trace> {
    let mut stepper = Stepper::start(&loaded.scenario, services)?;
    let mut steps = Vec::with_capacity(loaded.scenario.steps.len());
    for (index, step) in loaded.scenario.steps.iter().enumerate() {
        let record = stepper.step(services, index + 1, step)?;
        after_step(&record)?;
        steps.push(record);
    }
    stepper.finish(loaded, services, steps)
}

/// Runs a scenario's steps one at a time on open services: `run_with` is a loop over it, and
/// `eslab live` calls it for each step it is shown or typed, so a typed command runs exactly
/// as a scenario step would.
pub struct Stepper {
    fingerprint: String,
    /// Per design, how many steps an earlier run did (`--continue`).
    done: Vec<u64>,
    marks: bool,
    expectations: Expectations,
}

impl Stepper {
    /// Asks each database how far an earlier run got, with `--continue`.
    pub fn start(scenario: &Scenario, services: &mut Services) -> anyhow::Result<Stepper> {
        let fingerprint = scenario.fingerprint();
        // With --continue, each database says how far it got: a run killed between the two
        // designs' commits leaves them a step apart, and each carries on from its own.
        let done: Vec<u64> = if services.resume {
            services
                .each()
                .iter()
                .map(|s| s.steps_done(&fingerprint))
                .collect::<anyhow::Result<_>>()?
        } else {
            vec![0; services.each().len()]
        };
        Ok(Stepper {
            fingerprint,
            done,
            marks: services.marks,
            expectations: Expectations::default(),
        })
    }

    /// Runs step `number` (from 1) on every design and records what each did and answered.
    pub fn step(
        &mut self,
        services: &mut Services,
        number: usize,
        step: &Step,
    ) -> anyhow::Result<StepRecord> {
        let mark = StepMark {
            scenario: self.fingerprint.clone(),
            step: number as u64,
        };
        let mut results = Vec::new();
        for (service, &done) in services.each().into_iter().zip(&self.done) {
            let backend = service.backend();
            if number as u64 <= done {
                results.push(StepResult {
                    backend,
                    outcome: Outcome::NotApplicable {
                        why: Inapplicable::DoneEarlier,
                    },
                });
                continue;
            }
            let mark = self.marks.then_some(&mark);
            let outcome = perform(service, &step.action, mark).with_context(|| {
                format!("step {number} ({}) failed on {backend}", step.action.name())
            })?;
            if let Some(expect) = &step.expect {
                let checked = expect::evaluate(number, backend, expect, &outcome);
                self.expectations.checked += usize::from(checked.checked);
                self.expectations.failures.extend(checked.failures);
            }
            results.push(StepResult { backend, outcome });
        }
        Ok(StepRecord {
            step: number,
            action: step.action.clone(),
            note: step.note.clone(),
            expect: step.expect.clone(),
            results,
        })
    }

    /// The trace of the steps run: what each design keeps now, and the summary.
    pub fn finish(
        &self,
        loaded: &LoadedScenario,
        services: &mut Services,
        steps: Vec<StepRecord>,
    ) -> anyhow::Result<Trace> {
        let storage = services
            .each()
            .iter()
            .map(|s| s.storage())
            .collect::<anyhow::Result<Vec<_>>>()?;
        let backends = services.backends();
        let summary = summarise(
            &steps,
            storage,
            backends.len() > 1,
            self.expectations.clone(),
        );
        Ok(Trace {
            schema_version: SCHEMA_VERSION,
            scenario: ScenarioInfo::of(loaded),
            backends,
            steps,
            summary,
        })
    }

    /// The expectations checked so far, and those that failed.
    pub fn expectations(&self) -> &Expectations {
        &self.expectations
    }
}

fn perform(
    service: &mut dyn OrderService,
    action: &Action,
    mark: Option<&StepMark>,
) -> anyhow::Result<Outcome> {
    Ok(match action {
        Action::Command(command) => match service.execute(command, mark)? {
            CommandOutcome::Applied { change, caveats } => {
                // What the design answers right after the command, from where it reads.
                let now = Question::Query(OrderQuery {
                    order_id: command.order_id().clone(),
                    as_of: None,
                });
                Outcome::Applied {
                    storage: change,
                    state: service.ask(&now)?.state().cloned(),
                    caveats,
                }
            }
            CommandOutcome::Rejected {
                rejection,
                evidence,
            } => Outcome::Rejected {
                reason: rejection.to_string(),
                rejection,
                evidence,
            },
        },
        Action::Question(question) => service.ask(question)?,
        Action::View(view_action) => match (service.read_model(), view_action) {
            (Some(view), ViewAction::CrashView(_)) => view.crash()?,
            (Some(view), ViewAction::RebuildView(_)) => view.rebuild()?,
            (None, _) => Outcome::NotApplicable {
                why: Inapplicable::NoView,
            },
        },
    })
}

fn summarise(
    steps: &[StepRecord],
    storage: Vec<StorageSummary>,
    compared: bool,
    expectations: Expectations,
) -> Summary {
    let is_question = |s: &&StepRecord| matches!(s.action, Action::Question(_));
    let steps_where = |agreement: Agreement| -> Vec<usize> {
        steps
            .iter()
            .filter(|s| s.agreement() == agreement)
            .map(|s| s.step)
            .collect()
    };
    let queries_identical = compared.then(|| {
        steps
            .iter()
            .filter(is_question)
            .all(|s| s.agreement() != Agreement::Different)
    });
    Summary {
        storage,
        queries: steps.iter().filter(is_question).count(),
        queries_identical,
        differing_steps: steps_where(Agreement::Different),
        gap_steps: steps_where(Agreement::Gap),
        expectations,
    }
}

/// The path of a database in a folder, for commands that read one (`log`, `replay`).
pub fn events_path(db_dir: &Path) -> PathBuf {
    db_dir.join(EVENTS_FILE)
}
