//! `eslab run`: every step, both state histories and the summary.

use serde::{Serialize, Serializer};

use super::text::Cell;
use super::{Doc, Format, Layout, Style, mermaid, stacked, to_json};
use crate::domain::Question;
use crate::narrate::{self, Line, Mark};
use crate::scenario::{Action, Expect};
use crate::service::{Backend, OrderState, Outcome};
use crate::trace::{BackendHistory, ScenarioInfo, StepRecord, Summary, Trace};

/// The JSON of `eslab run`: the trace's facts, each result with its narrated words (so that
/// nothing reading the JSON words a fact again), the state histories and the summary.
#[derive(Serialize)]
struct RunDocument<'a> {
    schema_version: u32,
    scenario: &'a ScenarioInfo,
    backends: &'a [Backend],
    #[serde(serialize_with = "narrated_steps")]
    steps: &'a [StepRecord],
    summary: &'a Summary,
    histories: Vec<BackendHistory<'a>>,
    /// The summary as the table says it.
    summary_text: Vec<String>,
}

fn run_document(trace: &Trace) -> RunDocument<'_> {
    RunDocument {
        schema_version: trace.schema_version,
        scenario: &trace.scenario,
        backends: &trace.backends,
        steps: &trace.steps,
        summary: &trace.summary,
        histories: trace.histories(),
        summary_text: narrate::summary(trace),
    }
}

#[derive(Serialize)]
struct NarratedStep<'a> {
    step: usize,
    action: &'a Action,
    note: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expect: Option<&'a Expect>,
    results: Vec<NarratedResult<'a>>,
}

#[derive(Serialize)]
struct NarratedResult<'a> {
    backend: Backend,
    #[serde(flatten)]
    outcome: &'a Outcome,
    /// What the design stored (or where it read) and what it answered, in words.
    narration: Narration,
}

#[derive(Serialize)]
struct Narration {
    storage: Vec<Line>,
    answer: Vec<Line>,
}

/// Steps are narrated one at a time as they are written: a long run's words are never all
/// held in memory.
fn narrated_steps<S: Serializer>(steps: &&[StepRecord], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(steps.iter().map(|step| {
        NarratedStep {
            step: step.step,
            action: &step.action,
            note: step.note.as_deref(),
            expect: step.expect.as_deref(),
            results: step
                .results
                .iter()
                .map(|result| NarratedResult {
                    backend: result.backend,
                    outcome: &result.outcome,
                    narration: Narration {
                        storage: narrate::storage(result.backend, &result.outcome, &step.action),
                        answer: narrate::answer(&step.action, &result.outcome),
                    },
                })
                .collect(),
        }
    }))
}

/// Writes a run in the form asked for. JSON is streamed as it is made: a long run's document
/// (hundreds of megabytes at 100,000 steps) is never held whole in memory.
pub fn write_run(
    trace: &Trace,
    style: Style,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    match style.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &run_document(trace))?;
            out.write_all(b"\n")
        }
        _ => out.write_all(run(trace, style).as_bytes()),
    }
}

pub fn run(trace: &Trace, style: Style) -> String {
    // A run can be long: build only the form asked for.
    match style.format {
        Format::Mermaid => mermaid::sequence_diagram(trace),
        Format::Json => to_json(&run_document(trace)),
        Format::Table | Format::Markdown => {
            let mut doc = run_heading(&trace.scenario);
            doc.heading(2, "Step by step");
            if narrate::nothing_left(trace) {
                doc.text(narrate::summary(trace)[0].clone());
            }
            doc.extend(match (style.format, style.layout) {
                (Format::Table, Layout::Stacked) => steps_blocks(trace, style.width.columns()),
                _ => steps_table(trace, &trace.steps),
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
pub fn run_opening(scenario: &ScenarioInfo, style: Style) -> String {
    let mut doc = run_heading(scenario);
    doc.text(narrate::LEGEND);
    doc.to_terminal(style.width, style.color)
}

/// `eslab run --step`: one step, as its block or a one-row table.
pub fn run_step(backends: &[Backend], step: &StepRecord, style: Style) -> String {
    let doc = match style.layout {
        Layout::Stacked => {
            let mut doc = Doc::default();
            doc.laid(stacked::step_block(
                backends,
                step,
                &[],
                style.width.columns(),
            ));
            doc
        }
        Layout::Wide => steps_doc(backends, std::slice::from_ref(step), &[]),
    };
    doc.to_terminal(style.width, style.color)
}

/// The stacked layout: the legend of the marks used, then one block per step.
fn steps_blocks(trace: &Trace, width: usize) -> Doc {
    let failures = &trace.summary.expectations.failures;
    let blocks: Vec<Vec<stacked::Marked>> = trace
        .steps
        .iter()
        .map(|step| stacked::step_block(&trace.backends, step, failures, width))
        .collect();
    // The marks the blocks use, read from their words (a row of two columns is coloured only
    // when both agree, so its own mark says less).
    let words = trace.steps.iter().flat_map(|step| {
        let mut lines = narrate::step(step);
        lines.extend(narrate::agreement(step.agreement()));
        for &backend in &trace.backends {
            lines.extend(stacked::design_lines(step, backend, failures));
        }
        lines
    });
    let mut used: Vec<Mark> = Vec::new();
    for mark in words.filter_map(|line| line.mark) {
        if !used.contains(&mark) {
            used.push(mark);
        }
    }
    let mut doc = Doc::default();
    if !used.is_empty() {
        doc.text(narrate::legend_line(&used));
    }
    for block in blocks {
        doc.laid(block);
    }
    doc
}

/// `eslab run --step`: the histories and summary, after the last step.
pub fn run_closing(trace: &Trace, style: Style) -> String {
    run_conclusion(trace, style).to_terminal(style.width, style.color)
}

fn run_heading(scenario: &ScenarioInfo) -> Doc {
    let mut doc = Doc::default();
    doc.heading(1, narrate::clean(&scenario.title));
    if let Some(description) = &scenario.description {
        doc.text(narrate::clean_prose(description));
    }
    doc
}

/// The steps table, under a legend of the marks it uses.
fn steps_table(trace: &Trace, steps: &[StepRecord]) -> Doc {
    steps_doc(&trace.backends, steps, &trace.summary.expectations.failures)
}

fn steps_doc(
    backends: &[Backend],
    steps: &[StepRecord],
    failures: &[crate::expect::Failure],
) -> Doc {
    let mut header = vec!["#", "Step"];
    for &backend in backends {
        header.extend(match backend {
            Backend::Crud => ["CRUD: orders table", "CRUD answers"],
            Backend::Es => ["Event sourcing: event log", "ES answers"],
        });
    }
    let mut used: Vec<Mark> = Vec::new();
    let mut note = |lines: &[Line]| {
        for mark in lines.iter().filter_map(|l| l.mark) {
            if !used.contains(&mark) {
                used.push(mark);
            }
        }
    };
    let rows: Vec<Vec<Cell>> = steps
        .iter()
        .map(|step| {
            let mut about = narrate::step(step);
            about.extend(narrate::agreement(step.agreement()));
            note(&about);
            let mut row: Vec<Cell> = vec![step.step.to_string().into(), Cell::lines(&about)];
            for result in &step.results {
                let storage = narrate::storage(result.backend, &result.outcome, &step.action);
                let mut answer = narrate::answer(&step.action, &result.outcome);
                answer.extend(
                    failures
                        .iter()
                        .filter(|f| f.step == step.step && f.backend == result.backend)
                        .map(narrate::failure),
                );
                note(&storage);
                note(&answer);
                row.push(Cell::lines(&storage));
                row.push(Cell::lines(&answer));
            }
            row
        })
        .collect();
    let mut doc = Doc::default();
    if !used.is_empty() {
        doc.text(narrate::legend_line(&used));
    }
    doc.table(&header, rows);
    doc
}

fn run_conclusion(trace: &Trace, style: Style) -> Doc {
    let mut doc = Doc::default();
    // Stacked, a table is laid out to fit the width, or its rows become lines.
    let fits = (style.layout == Layout::Stacked && style.format == Format::Table)
        .then(|| style.width.columns());
    for step in &trace.steps {
        doc.extend(report_section(step, fits));
    }
    doc.heading(2, "State histories");
    for history in trace.histories() {
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
    doc.lines(narrate::summary(trace));
    doc
}

/// A report step: one heading, the question, then each design's table (or why it has none).
fn report_section(step: &StepRecord, fits: Option<usize>) -> Doc {
    let mut doc = Doc::default();
    let Action::Question(Question::Report(query)) = &step.action else {
        return doc;
    };
    doc.heading(2, format!("Report at step {}: {}", step.step, query.name));
    doc.text(narrate::report_question(query.name));
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
                    .map(|row| row.iter().map(|cell| narrate::clean(cell)).collect())
                    .collect();
                let columns: Vec<&str> = report.columns.iter().map(String::as_str).collect();
                table(&mut doc, &columns, rows, fits);
            }
            outcome => {
                let said = narrate::storage(result.backend, outcome, &step.action);
                doc.text(format!("{}: {}", result.backend, narrate::joined(&said)));
            }
        }
    }
    doc
}

/// A table: drawn with borders, or (`fits`) laid out to that width.
fn table<C: Into<Cell>>(doc: &mut Doc, header: &[&str], rows: Vec<Vec<C>>, fits: Option<usize>) {
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

fn history_header(backend: Backend) -> Vec<&'static str> {
    let mut header = vec![
        "Order", "Step", "Status", "Quantity", "Price", "Total", "Paid",
    ];
    header.push(match backend {
        Backend::Crud => "Kept",
        Backend::Es => "Version",
    });
    header
}

pub(super) fn state_row(state: &OrderState) -> Vec<String> {
    let mut row = vec![
        state.status.to_string(),
        state.quantity.to_string(),
        state.unit_price.to_string(),
        state.total.to_string(),
        state.paid.to_string(),
    ];
    if let Some(version) = state.version {
        row.push(version.to_string());
    }
    row
}

fn history_rows(history: &BackendHistory) -> Vec<Vec<Cell>> {
    let mut rows = Vec::new();
    for order in &history.orders {
        for (i, entry) in order.states.iter().enumerate() {
            let id = if i == 0 {
                narrate::clean(order.order_id.as_str())
            } else {
                String::new()
            };
            let mut row: Vec<Cell> = vec![id.into(), entry.step.to_string().into()];
            match entry.state {
                Some(state) => {
                    let mut cells = state_row(state);
                    // CRUD with --crud-locking keeps a version too; its column says where the
                    // state is instead.
                    cells.truncate(5);
                    row.extend(cells.into_iter().map(Cell::from));
                    row.push(match history.backend {
                        Backend::Es => state
                            .version
                            .map_or(String::new(), |v| v.to_string())
                            .into(),
                        Backend::Crud => {
                            if i + 1 < order.states.len() {
                                Cell::new(narrate::overwritten_row(), Mark::Overwritten)
                            } else {
                                narrate::current_row().into()
                            }
                        }
                    });
                }
                None => {
                    row.push(Cell::new(narrate::view_down_row(), Mark::ViewDown));
                    row.extend((0..5).map(|_| Cell::from("—")));
                }
            }
            rows.push(row);
        }
    }
    rows
}
