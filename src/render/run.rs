//! `eslab run`: every step, both state histories and the summary.

use serde::Serialize;

use super::text::{self, Cell};
use super::{Doc, Format, Style, all, mermaid, plural, to_json};
use crate::expect::{self, Failure};
use crate::scenario::Action;
use crate::service::{Agreement, Backend, OrderState, Outcome, Question};
use crate::trace::{BackendHistory, ScenarioInfo, StepRecord, Trace};

/// The JSON of `eslab run`: the trace plus the state histories the table shows.
#[derive(Serialize)]
struct RunDocument<'a> {
    #[serde(flatten)]
    trace: &'a Trace,
    histories: Vec<BackendHistory<'a>>,
}

fn run_document(trace: &Trace) -> RunDocument<'_> {
    RunDocument {
        trace,
        histories: trace.histories(),
    }
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
            doc.extend(steps_table(&trace.backends, &trace.steps));
            doc.extend(run_conclusion(trace));
            match style.format {
                Format::Markdown => doc.to_markdown(),
                _ => doc.to_terminal(style.width, style.color),
            }
        }
    }
}

/// `eslab run --step`: the title, before the first step.
pub fn run_opening(scenario: &ScenarioInfo, style: Style) -> String {
    run_heading(scenario).to_terminal(style.width, style.color)
}

/// `eslab run --step`: one step, as a one-row table.
pub fn run_step(backends: &[Backend], step: &StepRecord, style: Style) -> String {
    steps_table(backends, std::slice::from_ref(step)).to_terminal(style.width, style.color)
}

/// `eslab run --step`: the histories and summary, after the last step.
pub fn run_closing(trace: &Trace, style: Style) -> String {
    run_conclusion(trace).to_terminal(style.width, style.color)
}

fn run_heading(scenario: &ScenarioInfo) -> Doc {
    let mut doc = Doc::default();
    doc.heading(1, text::clean(&scenario.title));
    if let Some(description) = &scenario.description {
        doc.text(text::clean_prose(description));
    }
    doc
}

fn steps_table(backends: &[Backend], steps: &[StepRecord]) -> Doc {
    let mut header = vec!["#", "Step"];
    for &backend in backends {
        header.extend(match backend {
            Backend::Crud => ["CRUD: orders table", "CRUD answers"],
            Backend::Es => ["Event sourcing: event log", "ES answers"],
        });
    }
    let rows: Vec<Vec<Cell>> = steps
        .iter()
        .map(|step| {
            let mut row: Vec<Cell> = vec![
                step.step.to_string().into(),
                text::step(&step.action, step.note.as_deref(), step.expect.as_deref()).into(),
            ];
            for result in &step.results {
                row.push(text::storage(result.backend, &result.outcome));
                row.push(text::answer(&step.action, &result.outcome));
            }
            row
        })
        .collect();
    let mut doc = Doc::default();
    doc.table(&header, rows);
    doc
}

fn run_conclusion(trace: &Trace) -> Doc {
    let mut doc = Doc::default();
    for step in &trace.steps {
        doc.extend(report_section(step));
    }
    doc.heading(2, "State histories");
    for history in trace.histories() {
        doc.text(match history.backend {
            Backend::Crud => {
                "CRUD: the row after each step, as seen from outside. The table itself keeps only the last one."
            }
            Backend::Es => {
                "Event sourcing: the order as OrderView answered it after each step. Every state can be rebuilt from the log."
            }
        });
        doc.table(&history_header(history.backend), history_rows(&history));
        if history.backend == Backend::Es {
            for line in answered_while_view_down(trace) {
                doc.text(line);
            }
        }
    }
    doc.heading(2, "Summary");
    doc.text(summary_lines(trace).join("\n"));
    let failures = &trace.summary.expectations.failures;
    if !failures.is_empty() {
        doc.table(
            &["Step", "Design", "Field", "Expected", "Actual"],
            failures.iter().map(failure_row).collect(),
        );
    }
    doc
}

/// A report step: one heading, the question, then each design's table (or why it has none).
fn report_section(step: &StepRecord) -> Doc {
    let mut doc = Doc::default();
    let Action::Question(Question::Report(query)) = &step.action else {
        return doc;
    };
    doc.heading(2, format!("Report at step {}: {}", step.step, query.name));
    doc.text(query.name.question());
    for result in &step.results {
        match &result.outcome {
            Outcome::Report { source, report } => {
                doc.text(format!(
                    "{}, built with {}:",
                    result.backend,
                    text::clean_prose(source)
                ));
                let rows = report
                    .rows
                    .iter()
                    .map(|row| row.iter().map(|cell| text::clean(cell)).collect())
                    .collect();
                let columns: Vec<&str> = report.columns.iter().map(String::as_str).collect();
                doc.table(&columns, rows);
            }
            Outcome::Unavailable { reason, .. } => {
                doc.text(format!(
                    "{} cannot answer: {}.",
                    result.backend,
                    text::clean_prose(reason)
                ));
            }
            Outcome::NotApplicable { reason } => {
                doc.text(format!(
                    "{}: {}.",
                    result.backend,
                    text::clean_prose(reason)
                ));
            }
            _ => {}
        }
    }
    doc
}

/// The steps whose commands event sourcing applied while OrderView was down: they have no
/// state in its history, though nothing was lost. One line per rebuild that replayed them.
fn answered_while_view_down(trace: &Trace) -> Vec<String> {
    let rebuilt_at = |after: usize| {
        trace.steps.iter().find_map(|s| {
            (s.step > after && matches!(s.result(Backend::Es), Some(Outcome::ViewRebuilt { .. })))
                .then_some(s.step)
        })
    };
    let mut groups: Vec<(Option<usize>, Vec<usize>)> = Vec::new();
    for step in &trace.steps {
        let Some(outcome) = step.result(Backend::Es) else {
            continue;
        };
        if !expect::applied_while_view_down(Backend::Es, outcome) {
            continue;
        }
        let rebuilt = rebuilt_at(step.step);
        match groups.last_mut() {
            Some((at, steps)) if *at == rebuilt => steps.push(step.step),
            _ => groups.push((rebuilt, vec![step.step])),
        }
    }
    groups
        .into_iter()
        .map(|(rebuilt, steps)| {
            let one = steps.len() == 1;
            let its = if one { "its" } else { "their" };
            let after = match rebuilt {
                Some(at) => format!("{its} events are in the log and were replayed at step {at}"),
                None => format!("{its} events are in the log, waiting for `rebuild_view`"),
            };
            format!(
                "{} {}: OrderView was down, so event sourcing answered no state then; {after}.",
                if one { "Step" } else { "Steps" },
                step_list(&steps)
            )
        })
        .collect()
}

fn failure_row(failure: &Failure) -> Vec<Cell> {
    vec![
        failure.step.to_string().into(),
        failure.backend.label().into(),
        failure.field.clone().into(),
        text::clean_prose(&failure.expected).into(),
        Cell::new(text::clean_prose(&failure.actual), text::Role::Rejected),
    ]
}

fn short(backend: Backend) -> &'static str {
    match backend {
        Backend::Crud => "CRUD",
        Backend::Es => "ES",
    }
}

fn history_header(backend: Backend) -> Vec<&'static str> {
    let mut header = vec![
        "Order",
        "Step",
        "Status",
        "Quantity",
        "Unit price",
        "Total",
        "Paid",
    ];
    if backend == Backend::Es {
        header.push("Version");
    }
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

fn history_rows(history: &BackendHistory) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for order in &history.orders {
        for (i, entry) in order.states.iter().enumerate() {
            let id = if i == 0 {
                text::clean(order.order_id.as_str())
            } else {
                String::new()
            };
            let mut row = vec![id, entry.step.to_string()];
            let mut state = state_row(entry.state);
            // CRUD with --crud-locking keeps a version too, but the table has no column for it.
            state.truncate(if history.backend == Backend::Es { 6 } else { 5 });
            row.extend(state);
            rows.push(row);
        }
    }
    rows
}

pub(super) fn step_list(steps: &[usize]) -> String {
    let steps: Vec<String> = steps.iter().map(|s| s.to_string()).collect();
    steps.join(", ")
}

fn summary_lines(trace: &Trace) -> Vec<String> {
    let summary = &trace.summary;
    let kept: Vec<String> = summary
        .storage
        .iter()
        .map(|s| {
            format!(
                "{} keeps {} {}",
                short(s.backend),
                s.count,
                plural(s.count, s.unit)
            )
        })
        .collect();
    let mut lines = vec![format!("Storage: {}.", kept.join("; "))];
    let answered_by_both = trace
        .steps
        .iter()
        .filter(|s| matches!(s.action, Action::Question(_)))
        .filter(|s| matches!(s.agreement(), Agreement::Same | Agreement::Different))
        .count();
    let queries = |n: usize| format!("{n} {}", plural(n as u64, "queries"));
    lines.push(match summary.queries_identical {
        None => format!(
            "Queries: {} answered by one design only.",
            queries(summary.queries)
        ),
        Some(_) if answered_by_both == 0 => {
            "Queries: none that both designs could answer.".to_string()
        }
        Some(true) => format!(
            "Queries: the two designs gave the same answer to {} they could both answer.",
            all(answered_by_both as u64, "queries")
        ),
        Some(false) => "Queries: the designs answered differently (see `eslab diff`).".to_string(),
    });
    if !summary.differing_steps.is_empty() {
        lines.push(format!(
            "Divergence: the designs answered differently at {} {}; they part at step {}.",
            plural(summary.differing_steps.len() as u64, "steps"),
            step_list(&summary.differing_steps),
            summary.differing_steps[0]
        ));
    }
    if !summary.gap_steps.is_empty() {
        lines.push(format!(
            "Gaps: only one design could answer at {} {}.",
            plural(summary.gap_steps.len() as u64, "steps"),
            step_list(&summary.gap_steps)
        ));
    }
    let expectations = &summary.expectations;
    if expectations.checked > 0 || !expectations.failures.is_empty() {
        lines.push(if expectations.failures.is_empty() {
            match expectations.checked {
                1 => "Expectations: the one checked holds.".to_string(),
                n => format!("Expectations: {} checked hold.", all(n as u64, "")),
            }
        } else {
            format!(
                "Expectations: {} of {} checked failed.",
                expectations.failures.len(),
                expectations.checked
            )
        });
    }
    lines
}
