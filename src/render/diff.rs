//! `eslab diff`: where the two designs answered differently, and where only one could.

use std::io::Write;

use serde::Serialize;

use super::kept::Kept;
use super::sink::RunSink;
use super::text::Cell;
use super::{Doc, Format, Style, check_held, html};
use crate::narrate::{self, Line, Mark};
use crate::scenario::Action;
use crate::service::{Agreement, Backend, Outcome};
use crate::trace::{SCHEMA_VERSION, ScenarioInfo, StepRecord, Summary, Trace};

/// `eslab diff` as the run's sink: it keeps only the steps it reports (where the designs
/// differ, and the gaps; every step for the page, which scrubs through them), as many as an
/// output that holds its steps takes, and writes the report when the run is done.
pub(crate) struct DiffReport<'w, W: Write> {
    out: &'w mut W,
    style: Style,
    reported: Kept,
}

impl<'w, W: Write> DiffReport<'w, W> {
    pub(crate) fn new(out: &'w mut W, style: Style) -> DiffReport<'w, W> {
        DiffReport {
            out,
            style,
            reported: Kept::default(),
        }
    }
}

impl<W: Write> RunSink for DiffReport<'_, W> {
    fn begin(&mut self, scenario: &ScenarioInfo, backends: &[Backend]) -> anyhow::Result<()> {
        self.reported.begin(scenario, backends);
        Ok(())
    }

    fn step(&mut self, step: StepRecord) -> anyhow::Result<()> {
        let every_step = self.style.format == Format::Html;
        if every_step || matches!(step.agreement(), Agreement::Different | Agreement::Gap) {
            check_held(
                "`eslab diff`",
                self.reported.steps.len() + 1,
                "differing steps",
                "`eslab run --format json` writes every step, each design's answer side by side, as it runs",
            )?;
            self.reported.steps.push(step);
        }
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> anyhow::Result<()> {
        let trace = self.reported.trace(summary);
        self.out.write_all(diff(&trace, self.style).as_bytes())?;
        Ok(self.out.flush()?)
    }
}

/// The JSON of `eslab diff`.
#[derive(Serialize)]
struct DiffDocument<'a> {
    schema_version: u32,
    scenario: &'a ScenarioInfo,
    identical: bool,
    /// Both designs answered, differently.
    differences: Vec<DiffEntry<'a>>,
    /// Only one design could answer: not a divergence.
    gaps: Vec<DiffEntry<'a>>,
}

#[derive(Serialize)]
struct DiffEntry<'a> {
    step: usize,
    action: &'a Action,
    crud: &'a Outcome,
    es: &'a Outcome,
}

pub(crate) fn diff(trace: &Trace, style: Style) -> String {
    if style.format == Format::Html {
        return html::diff_page(trace);
    }
    let differing = trace.steps_where(Agreement::Different);
    let gaps = trace.steps_where(Agreement::Gap);
    let mut doc = Doc::default();
    doc.text(narrate::diff_headline(&trace.scenario.name, &trace.summary));
    if !differing.is_empty() {
        side_by_side_table(&mut doc, &differing);
    }
    if !gaps.is_empty() {
        let steps: Vec<usize> = gaps.iter().map(|s| s.step).collect();
        doc.text(narrate::diff_gaps(&steps));
        side_by_side_table(&mut doc, &gaps);
    }
    style.print(
        &doc,
        &DiffDocument {
            schema_version: SCHEMA_VERSION,
            scenario: &trace.scenario,
            identical: differing.is_empty(),
            differences: diff_entries(&differing),
            gaps: diff_entries(&gaps),
        },
    )
}

fn diff_entries<'a>(steps: &[&'a StepRecord]) -> Vec<DiffEntry<'a>> {
    steps
        .iter()
        .filter_map(|step| {
            Some(DiffEntry {
                step: step.step,
                action: &step.action,
                crud: step.result(Backend::Crud)?,
                es: step.result(Backend::Es)?,
            })
        })
        .collect()
}

/// The diff's table: each step's two answers, side by side, read as a room reads a step: what
/// it asks, what each design answered, then its note and verdicts (a column only when some
/// step has them).
fn side_by_side_table(doc: &mut Doc, steps: &[&StepRecord]) {
    let mut header = vec![
        "#",
        "Step",
        narrate::answers_heading(Backend::Crud),
        narrate::answers_heading(Backend::Es),
    ];
    let revealed: Vec<Vec<Line>> = steps.iter().map(|step| narrate::reveals(step)).collect();
    let with_notes = revealed.iter().any(|lines| !lines.is_empty());
    if with_notes {
        header.push(narrate::NOTE_HEADING);
    }
    let rows = steps
        .iter()
        .zip(revealed)
        .map(|(step, revealed)| {
            let mut row = side_by_side(step);
            if with_notes {
                row.push(Cell::lines(&revealed));
            }
            row
        })
        .collect();
    doc.table(&header, rows);
}

/// One step's two answers, side by side. What a design said of its storage comes first
/// where it explains the answer: a rejection, a refusal to answer, a caveat.
fn side_by_side(step: &StepRecord) -> Vec<Cell> {
    let side = |backend| -> Cell {
        let Some(outcome) = step.result(backend) else {
            return "".into();
        };
        let storage = narrate::storage(backend, outcome, &step.action);
        let lines = match outcome {
            Outcome::Rejected { .. } | Outcome::Unavailable { .. } => storage,
            _ => {
                let mut lines = narrate::answer(&step.action, outcome);
                lines.extend(
                    storage
                        .into_iter()
                        .filter(|line| line.mark == Some(Mark::Cannot)),
                );
                lines
            }
        };
        Cell::lines(&lines)
    };
    vec![
        step.step.to_string().into(),
        Cell::lines(&narrate::asks(step)),
        side(Backend::Crud),
        side(Backend::Es),
    ]
}
