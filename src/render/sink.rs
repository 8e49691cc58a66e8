//! One sink for a run: every output of `eslab run` takes the run's steps the same way, as
//! ripgrep's printers take its searcher's matches. `begin` before the first step, `step` as
//! each is done, `finish` with the summary. A sink that streams (JSON, a long run's table)
//! writes each step and lets it go; one that needs every step before it can lay out the first
//! (a legend of the marks used, the page, the diagram) keeps them. `app` picks one.

use std::io::Write;

use super::{Style, html, mermaid, run};
use crate::service::Backend;
use crate::trace::{SCHEMA_VERSION, ScenarioInfo, StepRecord, Summary, Trace};

pub trait RunSink {
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

/// The steps of a run kept whole, for the outputs that lay out every step at once.
#[derive(Default)]
struct Kept {
    scenario: Option<ScenarioInfo>,
    backends: Vec<Backend>,
    steps: Vec<StepRecord>,
}

impl Kept {
    fn begin(&mut self, scenario: &ScenarioInfo, backends: &[Backend]) {
        self.scenario = Some(scenario.clone());
        self.backends = backends.to_vec();
    }

    fn trace(&mut self, summary: &Summary) -> Trace {
        Trace {
            schema_version: SCHEMA_VERSION,
            scenario: self.scenario.take().expect("begun before finished"),
            backends: std::mem::take(&mut self.backends),
            steps: std::mem::take(&mut self.steps),
            summary: summary.clone(),
        }
    }
}

/// Implements `RunSink` for an output that keeps every step and writes `text` of the whole
/// trace at the end.
macro_rules! kept_sink {
    ($sink:ident, $what:literal, |$trace:ident, $style:ident| $text:expr) => {
        #[doc = $what]
        pub struct $sink<'w, W: Write> {
            out: &'w mut W,
            style: Style,
            kept: Kept,
        }

        impl<'w, W: Write> $sink<'w, W> {
            pub fn new(out: &'w mut W, style: Style) -> $sink<'w, W> {
                $sink {
                    out,
                    style,
                    kept: Kept::default(),
                }
            }
        }

        impl<W: Write> RunSink for $sink<'_, W> {
            fn begin(
                &mut self,
                scenario: &ScenarioInfo,
                backends: &[Backend],
            ) -> anyhow::Result<()> {
                self.kept.begin(scenario, backends);
                Ok(())
            }

            fn step(&mut self, step: StepRecord) -> anyhow::Result<()> {
                self.kept.steps.push(step);
                Ok(())
            }

            fn finish(&mut self, summary: &Summary) -> anyhow::Result<()> {
                let $trace = self.kept.trace(summary);
                let $style = self.style;
                let text: String = $text;
                Ok(self.out.write_all(text.as_bytes())?)
            }
        }
    };
}

kept_sink!(
    Document,
    "The run as a document: the wide table, the stacked blocks or markdown, as `style` says.",
    |trace, style| run::run(&trace, style)
);
kept_sink!(
    Page,
    "`--format html`: the page with its time scrubber.",
    |trace, _style| html::run_page(&trace)
);
kept_sink!(
    Diagram,
    "`--format mermaid`: the sequence diagram.",
    |trace, _style| mermaid::sequence_diagram(&trace)
);
