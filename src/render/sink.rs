//! One sink for a run: every output of `eslab run` takes the run's steps the same way, as
//! ripgrep's printers take its searcher's matches. `begin` before the first step, `step` as
//! each is done, `finish` with the summary. A sink that streams (JSON, a long run's table)
//! writes each step and lets it go; one that needs every step before it can lay out the first
//! (a legend of the marks used, the page, the diagram) keeps them (`kept`). `app` picks one.

use crate::service::Backend;
use crate::trace::{ScenarioInfo, StepRecord, Summary};

pub(crate) trait RunSink {
    /// Before the first step: what runs, on which designs.
    fn begin(&mut self, scenario: &ScenarioInfo, backends: &[Backend]) -> anyhow::Result<()>;
    /// Each step, as soon as it is done.
    fn step(&mut self, step: StepRecord) -> anyhow::Result<()>;
    /// After the last step.
    fn finish(&mut self, summary: &Summary) -> anyhow::Result<()>;
    /// Instead of `finish`, when the run failed after `after_step` steps: a sink that has
    /// written part of a document ends it, saying where and why, never leaves it cut off. One
    /// that writes nothing before the end has nothing to end.
    fn stop(&mut self, after_step: usize, error: &str) -> anyhow::Result<()> {
        let _ = (after_step, error);
        Ok(())
    }
}
