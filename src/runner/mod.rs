//! Drives the backends through a scenario step by step, identically, and records the trace:
//! `storage` opens the designs, `streamed` reads a scenario as a stream, `clock` says when
//! and by whom each step happens, `summary` sums a run up as it goes. Each step's
//! expectations are checked here, once, and kept on its record.

mod clock;
mod storage;
mod streamed;
mod summary;

use anyhow::Context;

use crate::domain::Metadata;
use crate::expect;
use crate::scenario::{Action, DeployAction, LoadedScenario, Step, ViewAction};
use crate::service::{
    Backend, CommandOutcome, Inapplicable, OrderQuery, OrderService, Outcome, Question, StepMark,
};
use crate::trace::{
    Expectations, SCHEMA_VERSION, ScenarioInfo, StepRecord, StepResult, Summary, Trace,
};
pub use clock::Clock;
pub(crate) use storage::{CRUD_FILE, OtherLocking, RoomHoldsSteps, events_path};
pub use storage::{EVENTS_FILE, Services, StorageOptions};
pub(crate) use streamed::StreamedScenario;
use summary::SummaryBuilder;

/// Runs every step on every backend and records what each did and answered.
pub fn run(loaded: &LoadedScenario, services: &mut Services) -> anyhow::Result<Trace> {
    let scenario = &loaded.scenario;
    let mut run = Run::start(services, &scenario.fingerprint(), Clock::of(scenario))?;
    let mut steps = Vec::with_capacity(scenario.steps.len());
    for step in &scenario.steps {
        steps.push(run.step(services, step.clone())?);
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
    /// A step so far said `by` or `at` (see `StepRecord::who_and_when`).
    said_who: bool,
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
            said_who: false,
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
        self.said_who |= step.by.is_some() || step.at.is_some();
        let who_and_when = self.said_who || self.clock.names_actor();
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
            // Checked once, here: every view reads the verdict off the record.
            let verdict = step
                .expect
                .as_ref()
                .map(|expect| expect::evaluate(number, backend, expect, &outcome));
            if let Some(checked) = verdict.as_ref().filter(|_| !outcome.done_earlier()) {
                self.summary.expectations.checked += usize::from(checked.checked);
                self.summary
                    .expectations
                    .failures
                    .extend(checked.failures.iter().cloned());
            }
            results.push(StepResult {
                backend,
                outcome,
                verdict,
            });
        }
        let record = StepRecord {
            step: number,
            action: step.action,
            question: step.question,
            note: step.note,
            expect: step.expect,
            results,
            who_and_when,
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
