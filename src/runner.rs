//! Drives the backends through a scenario step by step, identically, and records the trace.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::crud::{self, CrudStore};
use crate::db::{self, Location, Schema};
use crate::domain::{Actor, Metadata, Timestamp};
use crate::es::{self, EventSourcedService};
use crate::expect;
use crate::pg;
use crate::scenario::{
    self, Action, DeployAction, Fingerprint, LoadedScenario, Scenario, ScenarioSource, Step,
    ViewAction,
};
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
    /// Without `db_dir`: keep the databases as scratch files here instead of in memory (a
    /// long run's log would not fit).
    pub scratch_dir: Option<PathBuf>,
    /// Instead of SQLite: both designs in a room on a PostgreSQL server (`--store`, `--room`).
    pub store: Option<pg::Store>,
    /// OrderView as the pass that verified the log rebuilt it: the run starts from it
    /// instead of reading the log a second time.
    pub verified_view: Option<es::OrderView>,
}

impl StorageOptions {
    fn location(&self, file: &str) -> Location {
        match &self.db_dir {
            None => match &self.scratch_dir {
                Some(dir) => Location::Scratch(dir.join(file)),
                None => Location::InMemory,
            },
            Some(dir) if self.resume => Location::ExistingOrNewFile(dir.join(file)),
            Some(dir) => Location::NewFile(dir.join(file)),
        }
    }

    /// Refuses before anything is created if any database is already there, so a refused
    /// run leaves the folder exactly as it found it.
    /// When carrying on (`resume`), every existing file is checked to be ours before any is created.
    fn prepare(&self, files: &[(&str, &Schema)]) -> anyhow::Result<()> {
        let Some(dir) = &self.db_dir else {
            return Ok(());
        };
        if dir.exists() && !dir.is_dir() {
            bail!("--db-dir {} is not a folder", dir.display());
        }
        for (file, schema) in files {
            let path = dir.join(file);
            // A link to nowhere would be written through, or taken for a database that exists.
            if let (Ok(link), Err(_)) = (std::fs::symlink_metadata(&path), path.metadata())
                && link.file_type().is_symlink()
            {
                let target = std::fs::read_link(&path).unwrap_or_default();
                bail!(
                    "{} is a symbolic link to {}, which does not exist: eslab opens no database through it; remove the link, or point it at the database",
                    path.display(),
                    target.display()
                );
            }
            if self.resume {
                if path.try_exists().unwrap_or(true) {
                    db::check_identity(&path, schema)?;
                }
            } else if path.try_exists().unwrap_or(true) {
                return Err(db::AlreadyExists { path }.into());
            }
        }
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))
    }
}

/// A CRUD store to carry on from that was made with the other locking choice than the
/// run's: `versioned` when it has the version column. `narrate` words it, naming the flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherLocking {
    pub path: std::path::PathBuf,
    pub versioned: bool,
}

impl std::error::Error for OtherLocking {}

/// A new run of a scenario in a room that already holds steps of it (run before, by anyone
/// in the room). `narrate` words it, naming the flag that carries on from them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomHoldsSteps;

impl std::error::Error for RoomHoldsSteps {}

/// The backends of one run.
pub struct Services {
    pub crud: Option<CrudStore>,
    pub es: Option<EventSourcedService>,
    /// Both designs in a room on a server, instead of the two above.
    pub room: Option<pg::RoomServices>,
    /// Record each step as done, and skip those a database records as done: only files and
    /// rooms can be carried on from (`resume`), or written by two runs at once.
    marks: bool,
    /// A room not carried on from (`resume` off): a run refuses a scenario the room already
    /// holds steps of, as a folder not carried on from refuses files that exist.
    new_run_only: bool,
}

impl Services {
    pub fn open(
        backends: &[Backend],
        storage: &StorageOptions,
        first_event_id: u64,
    ) -> anyhow::Result<Services> {
        let wants = |b| backends.contains(&b);
        if let Some(store) = &storage.store {
            // A room is shared and kept: every step is recorded as done.
            let room = pg::RoomServices {
                crud: wants(Backend::Crud)
                    .then(|| store.crud(storage.crud_locking))
                    .transpose()?,
                es: wants(Backend::Es)
                    .then(|| store.es(first_event_id))
                    .transpose()?,
            };
            return Ok(Services {
                crud: None,
                es: None,
                room: Some(room),
                marks: true,
                new_run_only: !storage.resume,
            });
        }
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
        storage.prepare(&files).map_err(|e| {
            // A CRUD store made with the other locking choice: narrate says which flag opens it.
            let crud = storage.db_dir.as_ref().map(|dir| dir.join(CRUD_FILE));
            let other = if storage.crud_locking {
                &crud::SCHEMA
            } else {
                &crud::VERSIONED_SCHEMA
            };
            match crud {
                Some(path)
                    if storage.resume
                        && wants(Backend::Crud)
                        && path.is_file()
                        && db::check_identity(&path, other).is_ok() =>
                {
                    OtherLocking {
                        path,
                        versioned: !storage.crud_locking,
                    }
                    .into()
                }
                _ => e,
            }
        })?;
        let open_crud = || -> anyhow::Result<Option<CrudStore>> {
            wants(Backend::Crud)
                .then(|| CrudStore::open(&storage.location(CRUD_FILE), storage.crud_locking))
                .transpose()
        };
        let open_es = || -> anyhow::Result<Option<EventSourcedService>> {
            wants(Backend::Es)
                .then(|| {
                    EventSourcedService::open_from(
                        &storage.location(EVENTS_FILE),
                        first_event_id,
                        storage.verified_view.clone(),
                    )
                })
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
            room: None,
            marks: storage.db_dir.is_some(),
            new_run_only: false,
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
        if let Some(room) = &mut self.room {
            if let Some(crud) = &mut room.crud {
                services.push(crud);
            }
            if let Some(es) = &mut room.es {
                services.push(es);
            }
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
    let scenario = &loaded.scenario;
    let mut run = Run::start(services, &scenario.fingerprint(), Clock::of(scenario))?;
    let mut steps = Vec::with_capacity(scenario.steps.len());
    for step in &scenario.steps {
        let record = run.step(services, step.clone())?;
        after_step(&record)?;
        steps.push(record);
    }
    let end = run.finish(services)?;
    Ok(Trace {
        schema_version: SCHEMA_VERSION,
        scenario: ScenarioInfo::of(loaded),
        backends: end.backends,
        steps,
        summary: end.summary,
    })
}

/// A scenario read as a stream: checked whole, step by step, before anything runs, then
/// run without ever holding its steps, so a generated million-step file runs in the memory
/// of a short one.
pub struct StreamedScenario {
    /// The bundled name or the path given.
    pub name: String,
    pub source: ScenarioSource,
    /// The scenario without its steps.
    pub scenario: Scenario,
    pub steps: usize,
}

impl StreamedScenario {
    /// Reads the whole scenario once to check it: a bad step anywhere is an input error
    /// before any database is touched.
    pub fn check(name_or_path: &str) -> anyhow::Result<StreamedScenario> {
        let source = ScenarioSource::find(name_or_path)?;
        let (scenario, steps) = scenario::for_each_step(name_or_path, &source, |_| Ok(()))?;
        Ok(StreamedScenario {
            name: name_or_path.to_string(),
            source,
            scenario,
            steps,
        })
    }

    pub fn info(&self) -> ScenarioInfo {
        ScenarioInfo::new(&self.name, &self.scenario)
    }

    /// The scenario's fingerprint (`Scenario::fingerprint`), read in one more pass: the
    /// title may come after the steps.
    pub fn fingerprint(&self) -> anyhow::Result<String> {
        let mut fingerprint = Fingerprint::new(&self.scenario.title);
        scenario::for_each_step(&self.name, &self.source, |step| {
            fingerprint.add(&step.action);
            Ok(())
        })?;
        Ok(fingerprint.finish())
    }

    /// Runs every step on `services`, handing each record to `each` as soon as it is done.
    pub fn run(
        &self,
        services: &mut Services,
        fingerprint: &str,
        mut each: impl FnMut(StepRecord) -> anyhow::Result<()>,
    ) -> anyhow::Result<RunEnd> {
        let mut run = Run::start(services, fingerprint, Clock::of(&self.scenario))?;
        scenario::for_each_step(&self.name, &self.source, |step| {
            each(run.step(services, step)?)
        })?;
        run.finish(services)
    }
}

/// Where a run's times and actors come from: the scenario, never the clock, so that a run
/// writes the same thing every time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clock {
    start: Timestamp,
    by: Actor,
    /// `run-` and 12 hex digits of SHA-256 over the scenario's title: the same for every
    /// run of the scenario, in memory or in files, and known before its steps are read.
    correlation_id: String,
}

impl Clock {
    pub fn of(scenario: &Scenario) -> Clock {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(scenario.title.as_bytes());
        Clock {
            start: scenario.start,
            by: scenario.by.clone(),
            correlation_id: format!("run-{}", &hex::encode(digest)[..12]),
        }
    }

    /// What step `number`'s command carries: its own `by` and `at`, else the scenario's actor
    /// and `start` plus `STEP_SECONDS` per step before it; caused by the step's command, in the
    /// scenario's run.
    pub fn metadata(&self, number: usize, step: &Step) -> anyhow::Result<Metadata> {
        let recorded_at = match step.at {
            Some(at) => at,
            None => scenario::step_time(self.start, number)
                .context("its time, counted from the scenario's start, is past the year 9999")?,
        };
        Ok(Metadata {
            recorded_at,
            actor: step.by.clone().unwrap_or_else(|| self.by.clone()),
            causation_id: format!("command-{number}"),
            correlation_id: self.correlation_id.clone(),
        })
    }
}

/// A run in progress, one step at a time: each step runs on every design and comes back as
/// its record, which the caller keeps or writes out and drops. Only the summary is kept, so
/// a run's memory does not grow with its steps. The designs are passed to each call, so a
/// live session can own both them and its run.
///
/// A step of the scenario is known by its number in the scenario, under the scenario's
/// fingerprint: each design records it as done in the transaction that does it, and skips it
/// if its database says it is done, asked in that same transaction. A step typed in
/// `eslab live` is no step of the scenario: it is always new, so always run, and never
/// recorded as one.
pub struct Run {
    fingerprint: String,
    clock: Clock,
    marks: bool,
    /// The number of the step to run next, from 1, typed or not: what the step is shown as,
    /// and where its time and causation come from.
    next: usize,
    /// The scenario's steps run so far, typed ones left out.
    scenario_steps: u64,
    summary: SummaryBuilder,
}

/// What a finished run comes to, besides its steps.
pub struct RunEnd {
    pub backends: Vec<Backend>,
    pub summary: Summary,
}

impl Run {
    /// Starts a run of the scenario with this fingerprint (`Scenario::fingerprint`): it marks
    /// each step done under it, and skips what the databases say is done. Each database says
    /// so for itself, step by step: a run killed between the two designs' commits leaves
    /// them a step apart, and each carries on from its own.
    pub fn start(services: &mut Services, fingerprint: &str, clock: Clock) -> anyhow::Result<Run> {
        if services.new_run_only {
            let first = StepMark {
                scenario: fingerprint.to_string(),
                step: 1,
            };
            for service in services.each() {
                if service.is_done(&first)? {
                    return Err(RoomHoldsSteps.into());
                }
            }
        }
        let compared = services.each().len() > 1;
        Ok(Run {
            fingerprint: fingerprint.to_string(),
            clock,
            marks: services.marks,
            next: 1,
            scenario_steps: 0,
            summary: SummaryBuilder::new(compared),
        })
    }

    /// Runs the scenario's next step on every design.
    pub fn step(&mut self, services: &mut Services, step: Step) -> anyhow::Result<StepRecord> {
        self.scenario_steps += 1;
        let mark = self.marks.then(|| StepMark {
            scenario: self.fingerprint.clone(),
            step: self.scenario_steps,
        });
        self.run_step(services, step, mark)
    }

    /// Runs a step typed in `eslab live` on every design, as the next step: never skipped as
    /// done, never recorded as a step of the scenario.
    pub fn typed(&mut self, services: &mut Services, step: Step) -> anyhow::Result<StepRecord> {
        self.run_step(services, step, None)
    }

    fn run_step(
        &mut self,
        services: &mut Services,
        step: Step,
        mark: Option<StepMark>,
    ) -> anyhow::Result<StepRecord> {
        let number = self.next;
        self.next += 1;
        let metadata = match &step.action {
            Action::Command(_) => Some(
                self.clock
                    .metadata(number, &step)
                    .with_context(|| format!("step {number} ({})", step.action.name()))?,
            ),
            _ => None,
        };
        let mut results = Vec::new();
        for service in services.each() {
            let backend = service.backend();
            let outcome = perform(service, &step.action, metadata.as_ref(), mark.as_ref())
                .with_context(|| {
                    format!("step {number} ({}) failed on {backend}", step.action.name())
                })?;
            if let Some(expect) = step.expect.as_ref().filter(|_| !outcome.done_earlier()) {
                let checked = expect::evaluate(number, backend, expect, &outcome);
                self.summary.expectations.checked += usize::from(checked.checked);
                self.summary.expectations.failures.extend(checked.failures);
            }
            results.push(StepResult { backend, outcome });
        }
        let record = StepRecord {
            step: number,
            action: step.action,
            note: step.note,
            expect: step.expect,
            results,
        };
        self.summary.add(&record);
        Ok(record)
    }

    /// The number the next step will have.
    pub fn next_step(&self) -> usize {
        self.next
    }

    /// The expectations checked so far, and those that failed.
    pub fn expectations(&self) -> &Expectations {
        &self.summary.expectations
    }

    /// Where the run stands: what each design keeps, and the summary of the steps so far.
    pub fn finish(&self, services: &mut Services) -> anyhow::Result<RunEnd> {
        let storage = services
            .each()
            .iter()
            .map(|s| s.storage())
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(RunEnd {
            backends: services.backends(),
            summary: self.summary.clone().finish(storage),
        })
    }
}

/// Does one step on one design. A command and a deploy ask their design, inside the
/// transaction that does them, whether the step is done already; a question and a view
/// operation, which write nothing the step's progress covers, ask it just before.
fn perform(
    service: &mut dyn OrderService,
    action: &Action,
    metadata: Option<&Metadata>,
    mark: Option<&StepMark>,
) -> anyhow::Result<Outcome> {
    let done_earlier = Outcome::NotApplicable {
        why: Inapplicable::DoneEarlier,
    };
    if let (Action::Question(_) | Action::View(_), Some(mark)) = (action, mark)
        && service.is_done(mark)?
    {
        return Ok(done_earlier);
    }
    Ok(match action {
        Action::Command(command) => match service.execute(command, metadata, mark)? {
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
            CommandOutcome::DoneEarlier => done_earlier,
        },
        Action::Question(question) => service.ask(question)?,
        Action::View(view_action) => match (service.read_model(), view_action) {
            (Some(view), ViewAction::CrashView(_)) => view.crash()?,
            (Some(view), ViewAction::RebuildView(_)) => view.rebuild()?,
            (Some(view), ViewAction::Snapshot(_)) => view.snapshot()?,
            (None, _) => Outcome::NotApplicable {
                why: Inapplicable::NoView,
            },
        },
        Action::Deploy(DeployAction::Deploy(deploy)) => service.deploy(deploy, mark)?,
    })
}

/// The summary, added to one step at a time.
#[derive(Clone)]
struct SummaryBuilder {
    compared: bool,
    queries: usize,
    any_question_differs: bool,
    questions_compared: usize,
    steps_compared: usize,
    steps: usize,
    commands: usize,
    commands_done_earlier: usize,
    differing_steps: Vec<usize>,
    gap_steps: Vec<usize>,
    expectations: Expectations,
}

impl SummaryBuilder {
    fn new(compared: bool) -> SummaryBuilder {
        SummaryBuilder {
            compared,
            queries: 0,
            any_question_differs: false,
            questions_compared: 0,
            steps_compared: 0,
            steps: 0,
            commands: 0,
            commands_done_earlier: 0,
            differing_steps: Vec::new(),
            gap_steps: Vec::new(),
            expectations: Expectations::default(),
        }
    }

    fn add(&mut self, step: &StepRecord) {
        let agreement = step.agreement();
        self.steps += 1;
        match agreement {
            Agreement::Different => self.differing_steps.push(step.step),
            Agreement::Gap => self.gap_steps.push(step.step),
            _ => {}
        }
        self.steps_compared += usize::from(agreement.both_answered());
        match step.action {
            Action::Question(_) => {
                self.queries += 1;
                self.any_question_differs |= agreement == Agreement::Different;
                self.questions_compared += usize::from(agreement.both_answered());
            }
            Action::Command(_) => {
                self.commands += 1;
                let done_earlier = step.results.iter().all(|r| r.outcome.done_earlier());
                self.commands_done_earlier += usize::from(done_earlier);
            }
            Action::View(_) | Action::Deploy(_) => {}
        }
    }

    fn finish(self, storage: Vec<StorageSummary>) -> Summary {
        Summary {
            storage,
            queries: self.queries,
            queries_identical: self.compared.then_some(!self.any_question_differs),
            differing_steps: self.differing_steps,
            gap_steps: self.gap_steps,
            expectations: self.expectations,
            steps: self.steps,
            steps_compared: self.steps_compared,
            questions_compared: self.questions_compared,
            nothing_left: self.commands > 0 && self.commands_done_earlier == self.commands,
        }
    }
}

/// The path of a database in a folder, for commands that read one (`log`, `replay`).
pub fn events_path(db_dir: &Path) -> PathBuf {
    db_dir.join(EVENTS_FILE)
}
