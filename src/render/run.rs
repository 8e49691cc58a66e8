//! `eslab run`: every step, both state histories and the summary.

use std::io::Write;

use super::history::{history_header, history_rows, merged_history};
use super::json_run::JsonRun;
use super::sink::RunSink;
use super::text::{self, Cell};
use super::{Doc, Format, Layout, Style, html, mermaid, stacked};
use crate::domain::Question;
use crate::narrate::{self, Line, Mark};
use crate::scenario::Action;
use crate::service::{Backend, Outcome};
use crate::trace::{ScenarioInfo, StepRecord, Trace};

/// Writes a run in the form asked for.
pub(crate) fn write_run(trace: &Trace, style: Style, out: &mut impl Write) -> anyhow::Result<()> {
    match style.format {
        Format::Json => {
            let mut json = JsonRun::new(out)?;
            json.begin(&trace.scenario, &trace.backends)?;
            for step in &trace.steps {
                json.write_step(step)?;
            }
            json.finish(&trace.summary)
        }
        _ => Ok(out.write_all(run(trace, style).as_bytes())?),
    }
}

pub fn run(trace: &Trace, style: Style) -> String {
    // A run can be long: build only the form asked for.
    match style.format {
        Format::Mermaid => mermaid::sequence_diagram(trace),
        Format::Html => html::run_page(trace),
        Format::Json => {
            let mut bytes = Vec::new();
            write_run(trace, style, &mut bytes).expect("writing to memory only fails on a bug");
            String::from_utf8(bytes).expect("JSON is UTF-8")
        }
        Format::Table | Format::Markdown => {
            let mut doc = run_heading(&trace.scenario);
            doc.heading(2, "Step by step");
            if trace.summary.nothing_left {
                doc.text(narrate::nothing_left());
            }
            doc.extend(match (style.format, style.layout) {
                (Format::Table, Layout::Stacked) => {
                    steps_blocks(&trace.backends, &trace.steps, style.width.columns(), true)
                }
                _ => steps_doc(&trace.backends, &trace.steps),
            });
            doc.extend(run_conclusion(trace, style));
            match style.format {
                Format::Markdown => doc.to_markdown(),
                _ => doc.to_terminal(style.width, style.color),
            }
        }
    }
}

/// `eslab run --step`: the title, before the first step.
pub(crate) fn run_opening(scenario: &ScenarioInfo, style: Style) -> String {
    let mut doc = run_heading(scenario);
    doc.text(narrate::LEGEND);
    doc.to_terminal(style.width, style.color)
}

/// `eslab run --step`: one step in two beats, as its block or a one-row table. First what a
/// room may see before it runs (its number, command and question), then the rest: what each
/// design did and answered, the note and the verdicts.
pub(crate) fn run_step(backends: &[Backend], step: &StepRecord, style: Style) -> (String, String) {
    let (ask, reveal) = match style.layout {
        Layout::Stacked => {
            let beats = stacked::step_beats(backends, step, style.width.columns());
            let (mut asked, mut revealed) = (Doc::default(), Doc::default());
            asked.laid(beats.ask);
            revealed.laid(beats.reveal);
            (asked, revealed)
        }
        Layout::Wide => {
            let mut asked = Doc::default();
            asked.lines(
                std::iter::once(stacked::step_title(step))
                    .chain(stacked::step_asks(step).into_iter().map(|line| line.text))
                    .collect(),
            );
            (asked, steps_doc(backends, std::slice::from_ref(step)))
        }
    };
    (
        ask.to_terminal(style.width, style.color),
        reveal.to_terminal(style.width, style.color),
    )
}

/// The stacked layout: the legend of the marks used, then one block per step, a run of
/// similar steps told as one block (`similar_runs`). The designs' headings head the first
/// block's columns only: every block below has its columns in the same places.
///
/// `collapse` off (a long run printed a chunk at a time), every step is a block of its own.
pub(super) fn steps_blocks(
    backends: &[Backend],
    steps: &[StepRecord],
    width: usize,
    collapse: bool,
) -> Doc {
    let mut blocks: Vec<Vec<stacked::Marked>> = Vec::with_capacity(steps.len());
    let mut used: Vec<Mark> = Vec::new();
    let runs = if collapse {
        similar_runs(steps)
    } else {
        steps.chunks(1).collect()
    };
    for run in runs {
        let headings = blocks.is_empty();
        let (block, marks) = match run {
            [step] => stacked::marked_step_block_with(backends, step, width, headings, true),
            run => stacked::steps_run_block(backends, run, width, headings),
        };
        blocks.push(block);
        for mark in marks {
            if !used.contains(&mark) {
                used.push(mark);
            }
        }
    }
    let mut doc = Doc::default();
    if !used.is_empty() {
        doc.parts(narrate::legend_line(&used));
    }
    for block in blocks {
        doc.laid(block);
    }
    doc
}

/// The fewest steps in a run told as one block.
const RUN_AT_LEAST: usize = 2;

/// The steps in runs: `RUN_AT_LEAST` or more consecutive commands of one kind that every
/// design applied without a caveat, that expect and ask nothing, and of which only the first
/// has a note, are one run; every other step is a run of its own.
fn similar_runs(steps: &[StepRecord]) -> Vec<&[StepRecord]> {
    let plain = |step: &StepRecord| {
        matches!(step.action, Action::Command(_))
            && step.expect.is_none()
            && step.question.is_none()
            && step.agreement() != crate::service::Agreement::Different
            && step.results.iter().all(|r| {
                matches!(&r.outcome, Outcome::Applied { caveats, state: Some(_), .. } if caveats.is_empty())
            })
    };
    let mut runs = Vec::new();
    let mut start = 0;
    while start < steps.len() {
        let mut end = start + 1;
        if plain(&steps[start]) {
            while end < steps.len()
                && plain(&steps[end])
                && steps[end].note.is_none()
                && steps[end].action.name() == steps[start].action.name()
            {
                end += 1;
            }
            if end - start < RUN_AT_LEAST {
                end = start + 1;
            }
        }
        runs.push(&steps[start..end]);
        start = end;
    }
    runs
}

/// `eslab run --step`: the histories and summary, after the last step.
pub(crate) fn run_closing(trace: &Trace, style: Style) -> String {
    run_conclusion(trace, style).to_terminal(style.width, style.color)
}

pub(super) fn run_heading(scenario: &ScenarioInfo) -> Doc {
    let mut doc = Doc::default();
    doc.heading(1, crate::sanitize::clean(&scenario.title));
    if let Some(description) = &scenario.description {
        doc.text(crate::sanitize::clean_prose(description));
    }
    doc
}

/// The steps table, under a legend of the marks it uses.
pub(super) fn steps_doc(backends: &[Backend], steps: &[StepRecord]) -> Doc {
    let mut header = vec!["#", "Step"];
    for &backend in backends {
        header.extend([
            narrate::design_heading(backend),
            narrate::answers_heading(backend),
        ]);
    }
    let mut used: Vec<Mark> = Vec::new();
    let mut note = |lines: &[Line]| {
        for mark in lines.iter().filter_map(|l| l.mark) {
            if !used.contains(&mark) {
                used.push(mark);
            }
        }
    };
    // Read left to right as a room sees a step: what it asks, what each design did, then
    // the note and the verdicts (a column only when some step has them).
    let revealed: Vec<Vec<Line>> = steps.iter().map(stacked::step_reveals).collect();
    let with_notes = revealed.iter().any(|lines| !lines.is_empty());
    if with_notes {
        header.push(narrate::NOTE_HEADING);
    }
    let rows: Vec<Vec<Cell>> = steps
        .iter()
        .zip(revealed)
        .map(|(step, reveals)| {
            let asks = narrate::asks(step);
            note(&asks);
            let mut row: Vec<Cell> = vec![step.step.to_string().into(), Cell::lines(&asks)];
            for result in &step.results {
                let storage = narrate::step_storage(step, result.backend);
                // A report's rows are a table of their own, in its section below.
                let mut answer = match &result.outcome {
                    Outcome::Report { report, .. } => narrate::report_in_section(step.step, report),
                    _ => narrate::step_answer(step, result.backend),
                };
                answer.extend(step.failures(result.backend).iter().map(narrate::failure));
                note(&storage);
                note(&answer);
                row.push(Cell::lines(&storage));
                row.push(Cell::lines(&answer));
            }
            note(&reveals);
            if with_notes {
                row.push(Cell::lines(&reveals));
            }
            row
        })
        .collect();
    let mut doc = Doc::default();
    if !used.is_empty() {
        doc.parts(narrate::legend_line(&used));
    }
    doc.table(&header, rows);
    doc
}

fn run_conclusion(trace: &Trace, style: Style) -> Doc {
    let mut doc = Doc::default();
    // Stacked, a table is laid out to fit the width, or its rows become lines.
    let fits = (style.layout == Layout::Stacked && style.format == Format::Table)
        .then(|| style.width.columns());
    // Stacked, each report's table is under its step's block already.
    if fits.is_none() {
        for step in &trace.steps {
            doc.extend(report_section(step, fits));
        }
    }
    doc.heading(2, "State histories");
    let histories = trace.histories();
    if let (Some(width), [crud, es]) = (fits, &histories[..])
        && crud.backend == Backend::Crud
        && es.backend == Backend::Es
    {
        // Stacked, one table for both designs, from the timeline's frames: a state both
        // hold is one line, what each keeps of it side by side.
        let merged = merged_history(&trace.steps);
        let view_went_down = merged.view_went_down;
        doc.lines(narrate::histories_caption(view_went_down, merged.differ));
        doc.laid(stacked::table(
            &[
                "Order", "Step", "Status", "Quantity", "Price", "Total", "Paid", "CRUD", "ES",
            ],
            &merged.rows,
            width,
        ));
        if view_went_down {
            doc.lines(narrate::view_down_steps(trace));
        }
        doc.heading(2, "Summary");
        doc.lines(narrate::summary(&trace.summary, &trace.backends));
        return doc;
    }
    for history in histories {
        let view_went_down = history
            .orders
            .iter()
            .any(|order| order.states.iter().any(|entry| entry.view_down));
        doc.text(narrate::history_caption(history.backend, view_went_down));
        table(
            &mut doc,
            &history_header(history.backend),
            history_rows(&history),
            fits,
        );
        if history.backend == Backend::Es && view_went_down {
            doc.lines(narrate::view_down_steps(trace));
        }
    }
    doc.heading(2, "Summary");
    doc.lines(narrate::summary(&trace.summary, &trace.backends));
    doc
}

/// A report step: one heading, the question, then each design's table (or why it has none).
pub(super) fn report_section(step: &StepRecord, fits: Option<usize>) -> Doc {
    let mut doc = Doc::default();
    let Action::Question(Question::Report(query)) = &step.action else {
        return doc;
    };
    doc.heading(2, format!("Report at step {}: {}", step.step, query.name));
    doc.text(narrate::report_asks(query));
    for result in &step.results {
        match &result.outcome {
            Outcome::Report { source, report } => {
                doc.text(format!(
                    "{}, built with {}:",
                    result.backend,
                    narrate::report_source(source)
                ));
                let rows = report
                    .rows
                    .iter()
                    .map(|row| {
                        row.iter()
                            .map(|cell| crate::sanitize::clean(cell))
                            .collect()
                    })
                    .collect();
                let columns: Vec<&str> = report.columns.iter().map(String::as_str).collect();
                table(&mut doc, &columns, rows, fits);
            }
            outcome => {
                let said = narrate::storage(result.backend, outcome, &step.action);
                doc.text(format!("{}: {}", result.backend, text::joined(&said)));
            }
        }
    }
    doc
}

/// A table: drawn with borders, or (`fits`) laid out to that width.
pub(super) fn table<C: Into<Cell>>(
    doc: &mut Doc,
    header: &[&str],
    rows: Vec<Vec<C>>,
    fits: Option<usize>,
) {
    match fits {
        Some(width) => {
            let rows: Vec<Vec<Cell>> = rows
                .into_iter()
                .map(|row| row.into_iter().map(Into::into).collect())
                .collect();
            doc.laid(stacked::table(header, &rows, width));
        }
        None => {
            doc.table(header, rows);
        }
    }
}
