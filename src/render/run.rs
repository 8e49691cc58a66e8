//! `eslab run`: every step, both state histories and the summary.

use std::io::Write;

use serde::Serialize;

use super::text::{self, Cell, Entry, entries};
use super::{Doc, Format, Layout, Style, html, mermaid, stacked};
use crate::domain::Question;
use crate::json::write_indented;
use crate::narrate::{self, Line, Mark};
use crate::scenario::{Action, Expect};
use crate::service::{Backend, OrderState, Outcome};
use crate::trace::{
    BackendHistory, HistorySpill, SCHEMA_VERSION, ScenarioInfo, StepRecord, Summary, Trace,
};

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
    storage: Vec<Entry>,
    answer: Vec<Entry>,
}

/// A step's facts, each result with its narrated words, so that nothing reading the JSON
/// words a fact again.
fn narrated_step(step: &StepRecord) -> NarratedStep<'_> {
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
                    storage: entries(&narrate::storage(
                        result.backend,
                        &result.outcome,
                        &step.action,
                    )),
                    answer: entries(&narrate::answer(&step.action, &result.outcome)),
                },
            })
            .collect(),
    }
}

/// Writes a run in the form asked for.
pub fn write_run(trace: &Trace, style: Style, out: &mut impl Write) -> anyhow::Result<()> {
    match style.format {
        Format::Json => {
            let mut json = JsonRun::begin(out, &trace.scenario, &trace.backends)?;
            for step in &trace.steps {
                json.step(step)?;
            }
            json.finish(&trace.summary)
        }
        _ => Ok(out.write_all(run(trace, style).as_bytes())?),
    }
}

/// The run's JSON document written as the run goes: each step as soon as it is done, the
/// histories from a spill at the end. A long run's document (gigabytes at a million steps)
/// is never in memory, nor are its steps. The bytes are those of the whole document
/// pretty-printed at once.
pub struct JsonRun<'w, W: Write> {
    out: &'w mut W,
    backends: Vec<Backend>,
    steps: usize,
    histories: HistorySpill,
    buffer: Vec<u8>,
    /// Whether the document stands between two steps (no step half-written), where `stop`
    /// can end it.
    between_steps: bool,
}

impl<'w, W: Write> JsonRun<'w, W> {
    pub fn begin(
        out: &'w mut W,
        scenario: &ScenarioInfo,
        backends: &[Backend],
    ) -> anyhow::Result<JsonRun<'w, W>> {
        out.write_all(b"{\n")?;
        field(out, "schema_version", &SCHEMA_VERSION)?;
        field(out, "scenario", scenario)?;
        field(out, "backends", &backends)?;
        out.write_all(b"  \"steps\": [")?;
        Ok(JsonRun {
            out,
            backends: backends.to_vec(),
            steps: 0,
            histories: HistorySpill::new()?,
            buffer: Vec::new(),
            between_steps: true,
        })
    }

    pub fn step(&mut self, step: &StepRecord) -> anyhow::Result<()> {
        self.between_steps = false;
        self.out.write_all(if self.steps == 0 {
            b"\n    "
        } else {
            b",\n    "
        })?;
        self.steps += 1;
        write_indented(&mut self.buffer, &mut *self.out, 2, &narrated_step(step))?;
        self.between_steps = true;
        self.histories.add(step, &self.backends)
    }

    /// Ends the document of a run that failed after it began, so that stdout holds one whole
    /// JSON document, never one cut off: the steps done, then `"stopped"` with the error (in
    /// place of the summary and histories of a finished run). The error is still reported as
    /// usual (stderr, exit 2). Nothing is written if a step was left half-written: then the
    /// output itself was what failed.
    pub fn stop(self, error: &str) -> anyhow::Result<()> {
        if !self.between_steps {
            return Ok(());
        }
        let out = self.out;
        out.write_all(if self.steps == 0 {
            b"],\n"
        } else {
            b"\n  ],\n"
        })?;
        out.write_all(b"  \"stopped\": ")?;
        indented(
            &mut *out,
            1,
            &serde_json::json!({"after_step": self.steps, "error": error}),
        )?;
        out.write_all(b"\n}\n")?;
        Ok(())
    }

    pub fn finish(self, summary: &Summary) -> anyhow::Result<()> {
        let out = self.out;
        out.write_all(if self.steps == 0 {
            b"],\n"
        } else {
            b"\n  ],\n"
        })?;
        field(out, "summary", summary)?;
        out.write_all(b"  \"histories\": [")?;
        for (i, &backend) in self.backends.iter().enumerate() {
            out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
            write!(
                out,
                "    {{\n      \"backend\": {},\n      \"orders\": [",
                serde_json::to_string(&backend)?
            )?;
            let mut orders = 0;
            self.histories.for_each_order(backend, None, |history| {
                out.write_all(if orders == 0 {
                    b"\n        "
                } else {
                    b",\n        "
                })?;
                orders += 1;
                indented(&mut *out, 4, &history)
            })?;
            out.write_all(if orders == 0 {
                b"]\n    }"
            } else {
                b"\n      ]\n    }"
            })?;
        }
        out.write_all(if self.backends.is_empty() {
            b"],\n"
        } else {
            b"\n  ],\n"
        })?;
        let text = narrate::summary(summary, &self.backends);
        out.write_all(b"  \"summary_text\": ")?;
        indented(&mut *out, 1, &text)?;
        out.write_all(b"\n}\n")?;
        Ok(())
    }
}

/// `  "name": value,` with the value pretty-printed one level in.
fn field(out: &mut impl Write, name: &str, value: &impl Serialize) -> anyhow::Result<()> {
    write!(out, "  {}: ", serde_json::to_string(name)?)?;
    indented(&mut *out, 1, value)?;
    out.write_all(b",\n")?;
    Ok(())
}

/// A value pretty-printed as if nested `depth` levels deep (see `json::write_indented`).
fn indented(out: &mut impl Write, depth: usize, value: &impl Serialize) -> anyhow::Result<()> {
    write_indented(&mut Vec::new(), out, depth, value)
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
pub(super) fn steps_blocks(trace: &Trace, width: usize) -> Doc {
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

pub(super) fn run_heading(scenario: &ScenarioInfo) -> Doc {
    let mut doc = Doc::default();
    doc.heading(1, crate::sanitize::clean(&scenario.title));
    if let Some(description) = &scenario.description {
        doc.text(crate::sanitize::clean_prose(description));
    }
    doc
}

/// The steps table, under a legend of the marks it uses.
fn steps_table(trace: &Trace, steps: &[StepRecord]) -> Doc {
    steps_doc(&trace.backends, steps, &trace.summary.expectations.failures)
}

pub(super) fn steps_doc(
    backends: &[Backend],
    steps: &[StepRecord],
    failures: &[crate::expect::Failure],
) -> Doc {
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
    let histories = trace.histories();
    if let (Some(width), [crud, es]) = (fits, &histories[..])
        && crud.backend == Backend::Crud
        && es.backend == Backend::Es
    {
        // Stacked, one table for both designs: a state both answered is one line, what
        // each keeps of it side by side.
        let view_went_down = es
            .orders
            .iter()
            .any(|order| order.states.iter().any(|entry| entry.view_down));
        doc.text(narrate::histories_caption(view_went_down));
        doc.laid(stacked::table(
            &[
                "Order", "Step", "Status", "Quantity", "Price", "Total", "Paid", "CRUD", "ES",
            ],
            &merged_history_rows(crud, es),
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

pub(super) fn history_header(backend: Backend) -> Vec<&'static str> {
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

/// Both designs' histories as one table, order by order and step by step: a state both
/// designs answered alike is one row with what each keeps of it (CRUD: overwritten or the
/// row now; ES: its version); a state only one answered, or answered differently, is a row
/// of its own with the other design's column empty.
fn merged_history_rows(crud: &BackendHistory, es: &BackendHistory) -> Vec<Vec<Cell>> {
    use std::collections::BTreeMap;
    let mut orders: Vec<&crate::domain::OrderId> = Vec::new();
    for order in crud.orders.iter().chain(&es.orders) {
        if !orders.contains(&order.order_id) {
            orders.push(order.order_id);
        }
    }
    let mut rows = Vec::new();
    for id in orders {
        let crud_states = states_of(crud, id);
        let es_states = states_of(es, id);
        let mut steps: BTreeMap<usize, (Option<usize>, Option<usize>)> = BTreeMap::new();
        for (i, entry) in crud_states.iter().enumerate() {
            steps.entry(entry.step).or_default().0 = Some(i);
        }
        for (i, entry) in es_states.iter().enumerate() {
            steps.entry(entry.step).or_default().1 = Some(i);
        }
        let kept = |i: usize| {
            if i + 1 < crud_states.len() {
                Cell::new(narrate::overwritten_row(), Mark::Overwritten)
            } else {
                narrate::current_row().into()
            }
        };
        let state_cells = |state: &OrderState| {
            let mut cells = state_row(state);
            cells.truncate(5);
            cells.into_iter().map(Cell::from).collect::<Vec<_>>()
        };
        let mut first = true;
        for (step, (c, e)) in steps {
            let mut row = |cells: Vec<Cell>, crud_cell: Cell, es_cell: Cell| {
                let id = if first {
                    crate::sanitize::clean(id.as_str())
                } else {
                    String::new()
                };
                first = false;
                let mut row: Vec<Cell> = vec![id.into(), step.to_string().into()];
                row.extend(cells);
                row.extend([crud_cell, es_cell]);
                rows.push(row);
            };
            let crud_state = c.and_then(|i| crud_states[i].state);
            let es_entry = e.map(|i| &es_states[i]);
            let es_state = es_entry.and_then(|entry| entry.state);
            let version = |state: &OrderState| -> Cell {
                state
                    .version
                    .map_or(String::new(), |v| format!("v{v}"))
                    .into()
            };
            match (crud_state, es_state) {
                (Some(a), Some(b)) if state_cells(a) == state_cells(b) => {
                    row(state_cells(a), kept(c.expect("CRUD answered")), version(b));
                }
                _ => {
                    if let (Some(i), Some(state)) = (c, crud_state) {
                        row(state_cells(state), kept(i), "".into());
                    }
                    match (es_entry, es_state) {
                        (_, Some(state)) => row(state_cells(state), "".into(), version(state)),
                        // The caption says what the mark means; the row stays narrow.
                        (Some(_), None) => row(
                            (0..5).map(|_| Cell::from("")).collect(),
                            "".into(),
                            Cell::new(Mark::ViewDown.symbol(), Mark::ViewDown),
                        ),
                        (None, None) => {}
                    }
                }
            }
        }
    }
    rows
}

fn states_of<'h, 'a>(
    history: &'h BackendHistory<'a>,
    id: &crate::domain::OrderId,
) -> &'h [crate::trace::HistoryEntry<'a>] {
    history
        .orders
        .iter()
        .find(|o| o.order_id == id)
        .map_or(&[][..], |o| &o.states[..])
}

pub(super) fn history_rows(history: &BackendHistory) -> Vec<Vec<Cell>> {
    let mut rows = Vec::new();
    for order in &history.orders {
        for (i, entry) in order.states.iter().enumerate() {
            let id = if i == 0 {
                crate::sanitize::clean(order.order_id.as_str())
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
