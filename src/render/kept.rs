//! The outputs of a run that lay out every step at once: they keep the steps, and write the
//! whole document when the run is done.

use std::io::Write;

use super::sink::RunSink;
use super::{Style, html, mermaid, run};
use crate::service::Backend;
use crate::trace::{SCHEMA_VERSION, ScenarioInfo, StepRecord, Summary, Trace};

/// The steps of a run kept whole, for the outputs that lay out every step at once (and the
/// ones that keep some: `eslab diff`, `run --step`).
#[derive(Default)]
pub(crate) struct Kept {
    scenario: Option<ScenarioInfo>,
    backends: Vec<Backend>,
    pub steps: Vec<StepRecord>,
}

impl Kept {
    pub(crate) fn begin(&mut self, scenario: &ScenarioInfo, backends: &[Backend]) {
        self.scenario = Some(scenario.clone());
        self.backends = backends.to_vec();
    }

    /// The run as a trace of the steps kept, with its summary: taken out of `self`.
    pub(crate) fn trace(&mut self, summary: &Summary) -> Trace {
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
        pub(crate) struct $sink<'w, W: Write> {
            out: &'w mut W,
            style: Style,
            kept: Kept,
        }

        impl<'w, W: Write> $sink<'w, W> {
            pub(crate) fn new(out: &'w mut W, style: Style) -> $sink<'w, W> {
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
