//! Rendering: every report is built from the trace (or the stored log) and printed as a
//! table, JSON or markdown. Nothing here runs a backend.

pub mod doc;
pub mod text;

use serde::Serialize;

use crate::domain::Event;
use crate::es::{OrderView, StoredEvent};
use crate::service::{Backend, OrderState};
use crate::trace::{BackendHistory, Outcome, SCHEMA_VERSION, StepRecord, Trace};
pub use doc::{DEFAULT_WIDTH, Doc, Width};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Markdown,
}

/// How to print a report.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub format: Format,
    pub width: Width,
}

impl Style {
    fn print(&self, doc: &Doc, json: &impl Serialize) -> String {
        match self.format {
            Format::Table => doc.to_terminal(self.width),
            Format::Markdown => doc.to_markdown(),
            Format::Json => to_json(json),
        }
    }
}

fn to_json(value: &impl Serialize) -> String {
    let mut text =
        serde_json::to_string_pretty(value).expect("reports hold only strings, numbers and lists");
    text.push('\n');
    text
}

/// The JSON of `eslab run`: the trace plus the state histories the table shows.
#[derive(Serialize)]
struct RunDocument<'a> {
    #[serde(flatten)]
    trace: &'a Trace,
    histories: Vec<BackendHistory>,
}

pub fn run(trace: &Trace, style: Style) -> String {
    let histories = trace.histories();
    let mut doc = Doc::default();
    doc.heading(1, text::clean(&trace.scenario.title));
    if let Some(description) = &trace.scenario.description {
        doc.text(text::clean_prose(description));
    }
    doc.heading(2, "Step by step");
    let mut header = vec!["#".to_string(), "Step".to_string()];
    for &backend in &trace.backends {
        header.push(match backend {
            Backend::Crud => "CRUD: orders table".to_string(),
            Backend::Es => "Event sourcing: event log".to_string(),
        });
        header.push(format!("{} answers", short(backend)));
    }
    let rows = trace
        .steps
        .iter()
        .map(|step| {
            let mut row = vec![
                step.step.to_string(),
                text::step(text::action(&step.action), step.note.as_deref()),
            ];
            for result in &step.results {
                row.push(text::storage(result.backend, &result.outcome));
                row.push(text::answer(&step.action, &result.outcome));
            }
            row
        })
        .collect();
    doc.table(header, rows);

    doc.heading(2, "State histories");
    for history in &histories {
        doc.text(match history.backend {
            Backend::Crud => {
                "CRUD: the row after each step, as seen from outside. The table itself keeps only the last one."
            }
            Backend::Es => {
                "Event sourcing: the order after each event. Every one of these can be rebuilt from the log."
            }
        });
        doc.table(history_header(history.backend), history_rows(history));
    }

    doc.heading(2, "Summary");
    doc.text(summary_lines(trace).join("\n"));
    style.print(&doc, &RunDocument { trace, histories })
}

fn short(backend: Backend) -> &'static str {
    match backend {
        Backend::Crud => "CRUD",
        Backend::Es => "ES",
    }
}

fn history_header(backend: Backend) -> Vec<String> {
    let mut header: Vec<String> = [
        "Order",
        "Step",
        "Status",
        "Quantity",
        "Unit price",
        "Total",
        "Paid",
    ]
    .map(String::from)
    .to_vec();
    if backend == Backend::Es {
        header.push("Version".into());
    }
    header
}

fn state_row(state: &OrderState) -> Vec<String> {
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
            row.extend(state_row(&entry.state));
            rows.push(row);
        }
    }
    rows
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
    let queries = summary.queries;
    lines.push(match summary.queries_identical {
        None => format!("Queries: {queries} answered by one design only."),
        Some(true) => format!(
            "Queries: both designs answered {} {queries} {} identically.",
            if queries == 1 { "the" } else { "all" },
            plural(queries as u64, "queries")
        ),
        Some(false) => "Queries: the designs answered differently (see `eslab diff`).".to_string(),
    });
    if !summary.differing_steps.is_empty() {
        let steps: Vec<String> = summary
            .differing_steps
            .iter()
            .map(|s| s.to_string())
            .collect();
        lines.push(format!("The designs part at step {}.", steps.join(", ")));
    }
    lines
}

/// `rows` → `row` for one; `queries` → `query`; `events` → `event`.
fn plural(count: u64, unit: &str) -> String {
    match (count, unit) {
        (1, "queries") => "query".into(),
        (1, unit) => unit.trim_end_matches('s').into(),
        (_, unit) => unit.into(),
    }
}

/// The JSON of `eslab diff`.
#[derive(Serialize)]
struct DiffDocument<'a> {
    schema_version: u32,
    scenario: &'a crate::trace::ScenarioInfo,
    identical: bool,
    differences: Vec<DiffEntry<'a>>,
}

#[derive(Serialize)]
struct DiffEntry<'a> {
    step: usize,
    action: &'a crate::scenario::Action,
    crud: &'a Outcome,
    es: &'a Outcome,
}

/// The steps where both backends ran and answered differently.
pub fn differing_steps(trace: &Trace) -> Vec<&StepRecord> {
    trace
        .steps
        .iter()
        .filter(|s| s.agrees() == Some(false))
        .collect()
}

pub fn diff(trace: &Trace, style: Style) -> String {
    let differing = differing_steps(trace);
    let mut doc = Doc::default();
    if differing.is_empty() {
        doc.text(format!(
            "identical: CRUD and event sourcing answered the same at all {} steps of {}",
            trace.steps.len(),
            text::clean(&trace.scenario.name)
        ));
    } else {
        doc.text(format!(
            "different: CRUD and event sourcing answered differently at {} of {} steps of {}",
            differing.len(),
            trace.steps.len(),
            text::clean(&trace.scenario.name)
        ));
        let rows = differing
            .iter()
            .map(|step| {
                let side = |backend| {
                    step.result(backend)
                        .map(|outcome| {
                            let answer = text::answer(&step.action, outcome);
                            match outcome {
                                Outcome::Rejected { .. } => text::storage(backend, outcome),
                                _ => answer,
                            }
                        })
                        .unwrap_or_default()
                };
                vec![
                    step.step.to_string(),
                    text::step(text::action(&step.action), step.note.as_deref()),
                    side(Backend::Crud),
                    side(Backend::Es),
                ]
            })
            .collect();
        doc.table(
            ["#", "Step", "CRUD answers", "ES answers"]
                .map(String::from)
                .to_vec(),
            rows,
        );
    }
    let differences = differing
        .iter()
        .filter_map(|step| {
            Some(DiffEntry {
                step: step.step,
                action: &step.action,
                crud: step.result(Backend::Crud)?,
                es: step.result(Backend::Es)?,
            })
        })
        .collect();
    style.print(
        &doc,
        &DiffDocument {
            schema_version: SCHEMA_VERSION,
            scenario: &trace.scenario,
            identical: differing.is_empty(),
            differences,
        },
    )
}

#[derive(Serialize)]
struct LogDocument<'a> {
    schema_version: u32,
    events: &'a [StoredEvent],
}

/// `eslab log`: the stored events, in event-id order.
pub fn log(events: &[StoredEvent], style: Style) -> String {
    let mut doc = Doc::default();
    doc.heading(1, "Event log");
    let rows = events
        .iter()
        .map(|e| {
            vec![
                e.event_id.to_string(),
                text::clean(e.stream_id.as_str()),
                e.stream_version.to_string(),
                e.event.event_type().to_string(),
                payload_text(&e.event),
            ]
        })
        .collect();
    doc.table(
        ["Event id", "Stream", "Version", "Type", "Payload"]
            .map(String::from)
            .to_vec(),
        rows,
    );
    doc.text(format!(
        "{} {}.",
        events.len(),
        plural(events.len() as u64, "events")
    ));
    style.print(
        &doc,
        &LogDocument {
            schema_version: SCHEMA_VERSION,
            events,
        },
    )
}

fn payload_text(event: &Event) -> String {
    let attributes: Vec<String> = event
        .attributes()
        .into_iter()
        .map(|(name, value)| format!("{name}: {}", text::clean(&value)))
        .collect();
    attributes.join("\n")
}

#[derive(Serialize)]
struct ReplayDocument {
    schema_version: u32,
    until: Option<u64>,
    checkpoint: Option<u64>,
    orders: Vec<OrderState>,
}

/// `eslab replay`: the states a view rebuilt from the log holds.
pub fn replay(view: &OrderView, until: Option<u64>, style: Style) -> String {
    let orders: Vec<OrderState> = view.orders().map(OrderState::versioned).collect();
    let mut doc = Doc::default();
    doc.heading(1, "OrderView rebuilt from the log");
    doc.text(match (until, view.checkpoint()) {
        (_, None) => "The log holds no events up to there: the view is empty.".to_string(),
        (Some(until), Some(checkpoint)) => {
            format!("Replayed every event up to {until}; the last one applied is {checkpoint}.")
        }
        (None, Some(checkpoint)) => {
            format!("Replayed the whole log; the last event applied is {checkpoint}.")
        }
    });
    let rows = orders
        .iter()
        .map(|state| {
            let mut row = vec![
                text::clean(state.order_id.as_str()),
                text::clean(&state.customer),
                text::clean(&state.product),
            ];
            row.extend(state_row(state));
            row
        })
        .collect();
    doc.table(
        [
            "Order",
            "Customer",
            "Product",
            "Status",
            "Quantity",
            "Unit price",
            "Total",
            "Paid",
            "Version",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    );
    style.print(
        &doc,
        &ReplayDocument {
            schema_version: SCHEMA_VERSION,
            until,
            checkpoint: view.checkpoint(),
            orders,
        },
    )
}

#[derive(Serialize)]
pub struct ScenarioListing {
    pub name: String,
    pub title: String,
    pub steps: usize,
}

pub fn scenarios(listing: &[ScenarioListing], style: Style) -> String {
    let mut doc = Doc::default();
    let rows = listing
        .iter()
        .map(|s| vec![s.name.clone(), text::clean(&s.title), s.steps.to_string()])
        .collect();
    doc.table(["Name", "Title", "Steps"].map(String::from).to_vec(), rows);
    doc.text(
        "Run one with `eslab run NAME`; print its JSON to copy and edit with `eslab show NAME`.",
    );
    style.print(&doc, &listing)
}
