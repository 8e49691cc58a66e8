//! A scenario read as a stream.

use super::{Clock, Run, RunEnd, Services};
use crate::scenario::{self, Fingerprint, Scenario, ScenarioSource};
use crate::trace::{ScenarioInfo, StepRecord};

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
