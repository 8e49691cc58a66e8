//! The table of a run too long to read whole: its steps printed as they run, a chunk at a
//! time, and the state histories of its first orders only, saying what was left out and
//! where to find all of it. Memory stays that of a chunk, whatever the number of steps.

use std::io::Write;

use super::history::{history_header, history_rows};
use super::run::{report_section, run_heading, steps_blocks, steps_doc, table};
use super::sink::RunSink;
use super::{Doc, Format, Layout, Style};
use crate::domain::Question;
use crate::narrate;
use crate::scenario::Action;
use crate::service::Backend;
use crate::trace::{
    BackendHistory, HistoryEntry, HistorySpill, OrderHistory, ScenarioInfo, SpilledHistory,
    StepRecord, Summary,
};

/// Past this many steps, `eslab run` prints its table this way.
pub(crate) const TABLE_STEPS: usize = 1_000;

/// Steps per printed chunk.
const CHUNK: usize = 100;

/// Orders whose state histories are printed, per design.
const HISTORY_ORDERS: usize = 20;

/// A long run's table, written as the run goes.
pub(crate) struct TableRun<'w, W: Write> {
    out: &'w mut W,
    style: Style,
    /// Steps in the run, said before the first.
    steps: usize,
    backends: Vec<Backend>,
    chunk: Vec<StepRecord>,
    /// Report steps, printed after the steps as in a short run (a scenario has few).
    reports: Vec<StepRecord>,
    histories: HistorySpill,
}

impl<'w, W: Write> TableRun<'w, W> {
    /// A table of `steps` steps, written to `out`.
    pub(crate) fn new(
        out: &'w mut W,
        style: Style,
        steps: usize,
    ) -> anyhow::Result<TableRun<'w, W>> {
        Ok(TableRun {
            out,
            style,
            steps,
            backends: Vec::new(),
            chunk: Vec::with_capacity(CHUNK),
            reports: Vec::new(),
            histories: HistorySpill::new()?,
        })
    }
    /// Prints the steps gathered so far, as a short run prints its steps.
    fn flush_chunk(&mut self) -> anyhow::Result<()> {
        if self.chunk.is_empty() {
            return Ok(());
        }
        let steps = std::mem::take(&mut self.chunk);
        let doc = match (self.style.format, self.style.layout) {
            (Format::Table, Layout::Stacked) => {
                steps_blocks(&self.backends, &steps, self.style.width.columns(), false)
            }
            _ => steps_doc(&self.backends, &steps),
        };
        self.print(&doc)?;
        self.chunk = Vec::with_capacity(CHUNK);
        Ok(())
    }

    fn print(&mut self, doc: &Doc) -> anyhow::Result<()> {
        let text = match self.style.format {
            Format::Markdown => doc.to_markdown(),
            _ => doc.to_terminal(self.style.width, self.style.color),
        };
        self.out.write_all(text.as_bytes())?;
        // Blocks are separated by a blank line, as in a short run's document.
        self.out.write_all(b"\n")?;
        Ok(())
    }
}

impl<W: Write> RunSink for TableRun<'_, W> {
    fn begin(&mut self, scenario: &ScenarioInfo, backends: &[Backend]) -> anyhow::Result<()> {
        let steps = self.steps;
        let mut doc = run_heading(scenario);
        doc.heading(2, "Step by step");
        doc.text(format!(
            "This run has {steps} steps: they are printed as they run, {CHUNK} at a time, and the state histories show the first {HISTORY_ORDERS} orders of each design. `--format json` has every state of every order."
        ));
        self.backends = backends.to_vec();
        self.print(&doc)
    }

    fn step(&mut self, step: StepRecord) -> anyhow::Result<()> {
        self.histories.add(&step, &self.backends)?;
        if matches!(step.action, Action::Question(Question::Report(_))) {
            self.reports.push(step.clone());
        }
        self.chunk.push(step);
        if self.chunk.len() == CHUNK {
            self.flush_chunk()?;
        }
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> anyhow::Result<()> {
        self.flush_chunk()?;
        let fits = (self.style.layout == Layout::Stacked && self.style.format == Format::Table)
            .then(|| self.style.width.columns());
        let mut doc = Doc::default();
        for step in &self.reports {
            doc.extend(report_section(step, fits));
        }
        doc.heading(2, "State histories");
        for &backend in &self.backends {
            let mut spilled: Vec<SpilledHistory> = Vec::new();
            let orders =
                self.histories
                    .for_each_order(backend, Some(HISTORY_ORDERS), |history| {
                        spilled.push(history);
                        Ok(())
                    })?;
            let history = borrowed(backend, &spilled);
            let view_went_down = spilled
                .iter()
                .any(|order| order.states.iter().any(|entry| entry.view_down));
            doc.text(narrate::history_caption(backend, view_went_down));
            table(
                &mut doc,
                &history_header(backend),
                history_rows(&history),
                fits,
            );
            if orders > spilled.len() {
                doc.text(narrate::histories_left_out(orders - spilled.len()));
            }
        }
        doc.heading(2, "Summary");
        doc.lines(narrate::summary(summary, &self.backends));
        self.print(&doc)
    }

    /// Ends the document of a run that failed after it began: the steps done, then where
    /// and why it stopped, instead of a table cut off mid-chunk. The error is still reported
    /// as usual (stderr, exit 2).
    fn stop(&mut self, after_step: usize, error: &str) -> anyhow::Result<()> {
        self.flush_chunk()?;
        let mut doc = Doc::default();
        doc.heading(2, "Stopped");
        doc.text(format!(
            "The run stopped after step {after_step}, on an error: {error}"
        ));
        self.print(&doc)
    }
}

/// A spilled history as the renderers read one.
fn borrowed(backend: Backend, spilled: &[SpilledHistory]) -> BackendHistory<'_> {
    BackendHistory {
        backend,
        orders: spilled
            .iter()
            .map(|order| OrderHistory {
                order_id: &order.order_id,
                states: order
                    .states
                    .iter()
                    .map(|entry| HistoryEntry {
                        step: entry.step,
                        state: entry.state.as_ref(),
                        view_down: entry.view_down,
                    })
                    .collect(),
            })
            .collect(),
    }
}
