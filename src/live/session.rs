//! A live session: the scenario's steps and the typed ones, run one at a time on both designs
//! through the runner, as `eslab run` runs them, and kept in the order they ran so that
//! `save` writes a scenario `eslab run` reproduces exactly.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};

use crate::runner::{Clock, Run, Services};

use crate::scenario::{self, Answers, LoadedScenario, Scenario, Step};
use crate::service::Backend;
use crate::trace::{StepRecord, Trace};

pub struct Session {
    loaded: LoadedScenario,
    services: Services,
    stepper: Run,
    backends: Vec<Backend>,
    /// Every step run, in the order it ran: the scenario's and the typed ones.
    steps: Vec<Step>,
    records: Vec<StepRecord>,
    /// The scenario's next step not yet run.
    next: usize,
}

impl Session {
    pub fn open(loaded: LoadedScenario, mut services: Services) -> anyhow::Result<Session> {
        let stepper = Run::start(
            &mut services,
            &loaded.scenario.fingerprint(),
            Clock::of(&loaded.scenario),
        )?;
        let backends = services.backends();
        Ok(Session {
            loaded,
            services,
            stepper,
            backends,
            steps: Vec::new(),
            records: Vec::new(),
            next: 0,
        })
    }

    /// A session that starts with no steps: only what is typed.
    pub fn blank_scenario() -> LoadedScenario {
        LoadedScenario {
            name: "typed".into(),
            scenario: Scenario {
                title: "Typed in eslab live".into(),
                description: None,
                first_event_id: 1,
                not_for: Default::default(),
                start: crate::scenario::default_start(),
                by: crate::scenario::default_actor(),
                steps: Vec::new(),
            },
        }
    }

    pub fn loaded(&self) -> &LoadedScenario {
        &self.loaded
    }

    pub fn backends(&self) -> &[Backend] {
        &self.backends
    }

    /// Every step run so far, in order.
    pub fn records(&self) -> &[StepRecord] {
        &self.records
    }

    /// Steps run plus the scenario's steps still to come.
    pub fn planned(&self) -> usize {
        self.records.len() + self.loaded.scenario.steps.len() - self.next
    }

    /// The scenario's next step, not run yet.
    pub fn next_step(&self) -> Option<&Step> {
        self.loaded.scenario.steps.get(self.next)
    }

    /// The scenario's steps not run yet.
    pub fn left(&self) -> usize {
        self.loaded.scenario.steps.len() - self.next
    }

    pub fn expectation_failures(&self) -> &[crate::expect::Failure] {
        &self.stepper.expectations().failures
    }

    /// Runs the scenario's next step; `None` when every one has run.
    pub fn run_next(&mut self) -> anyhow::Result<Option<&StepRecord>> {
        let Some(step) = self.loaded.scenario.steps.get(self.next).cloned() else {
            return Ok(None);
        };
        self.next += 1;
        self.run(step, false).map(Some)
    }

    /// Runs a typed step now, on both designs, as the next step. It is no step of the
    /// scenario: never skipped as done by an earlier run, even with `--continue`.
    pub fn run_typed(&mut self, step: Step) -> anyhow::Result<&StepRecord> {
        self.run(step, true)
    }

    fn run(&mut self, step: Step, typed: bool) -> anyhow::Result<&StepRecord> {
        let record = if typed {
            self.stepper.typed(&mut self.services, step.clone())?
        } else {
            self.stepper.step(&mut self.services, step.clone())?
        };
        self.steps.push(step);
        self.records.push(record);
        Ok(self.records.last().expect("just pushed"))
    }

    /// The run so far as a trace: what each design keeps, and the summary.
    pub fn trace(&mut self) -> anyhow::Result<Trace> {
        let end = self.stepper.finish(&mut self.services)?;
        Ok(Trace {
            schema_version: crate::trace::SCHEMA_VERSION,
            scenario: crate::trace::ScenarioInfo::of(&self.loaded),
            backends: end.backends,
            steps: self.records.clone(),
            summary: end.summary,
        })
    }

    /// Writes every step run so far as a scenario file, never over an existing file. The text
    /// is read back first: a file that would not reproduce the session is never written.
    pub fn save(&self, path: &Path) -> anyhow::Result<usize> {
        if self.steps.is_empty() {
            bail!("nothing has run yet: a scenario needs at least one step");
        }
        let text = scenario::to_json(&self.loaded.scenario, &self.steps, Answers::Kept)?;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => anyhow::anyhow!(
                    "{} already exists: refusing to overwrite it",
                    path.display()
                ),
                _ => anyhow::Error::new(e).context(format!("cannot create {}", path.display())),
            })?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(self.steps.len())
    }
}
