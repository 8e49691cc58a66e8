//! A scenario run step by step, without holding its steps when it is too large to.

use super::{Clock, Run, RunEnd, Services};
use crate::scenario::{self, Scenario, StepSource};
use crate::trace::{ScenarioInfo, StepRecord};

/// A scenario checked whole before anything runs, then run a step at a time: a generated
/// million-step file runs in the memory of a short one.
pub(crate) struct StreamedScenario {
    /// The bundled name or the path given.
    pub name: String,
    /// The scenario without its steps.
    pub scenario: Scenario,
    pub steps: usize,
    source: StepSource,
}

impl StreamedScenario {
    /// Reads the whole scenario to check it: a bad step anywhere is an input error before any
    /// database is touched. A small one is read once and held.
    pub(crate) fn check(name_or_path: &str) -> anyhow::Result<StreamedScenario> {
        let (scenario, source) = scenario::open(name_or_path)?;
        Ok(StreamedScenario {
            name: name_or_path.to_string(),
            scenario,
            steps: source.count(),
            source,
        })
    }

    pub(crate) fn info(&self) -> ScenarioInfo {
        ScenarioInfo::new(&self.name, &self.scenario)
    }

    /// The scenario's fingerprint (`Scenario::fingerprint`).
    pub(crate) fn fingerprint(&self) -> anyhow::Result<String> {
        self.source.fingerprint(&self.scenario.title)
    }

    /// Runs every step on `services`, handing each record to `each` as soon as it is done.
    pub(crate) fn run(
        &self,
        services: &mut Services,
        fingerprint: &str,
        mut each: impl FnMut(StepRecord) -> anyhow::Result<()>,
    ) -> anyhow::Result<RunEnd> {
        let mut run = Run::start(services, fingerprint, Clock::of(&self.scenario))?;
        self.source
            .for_each(|step| each(run.step(services, step)?))?;
        run.finish(services)
    }
}
