//! Rendering: every report is built from the trace (or the stored log) and printed as a
//! table, JSON, markdown or a Mermaid diagram. Nothing here runs a backend.

pub mod doc;
pub mod mermaid;
pub mod text;

use serde::Serialize;

use crate::bench::BenchReport;
use crate::es::{OrderView, StoredEvent};
use crate::expect::{self, Failure};
use crate::reports::ReportName;
use crate::scenario::Action;
use crate::service::{Agreement, Backend, OrderState, Outcome, Question};
use crate::trace::{BackendHistory, SCHEMA_VERSION, ScenarioInfo, StepRecord, Trace};
use crate::verify::Verdict;
pub use doc::{DEFAULT_WIDTH, Doc, Width};
use text::Cell;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Markdown,
    /// A Mermaid sequence diagram (`eslab run` only).
    Mermaid,
}

/// How to print a report.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub format: Format,
    pub width: Width,
    /// Colour table cells by role; decided once from --color, NO_COLOR and the terminal.
    pub color: bool,
}

impl Style {
    fn print(&self, doc: &Doc, json: &impl Serialize) -> String {
        match self.format {
            // Only `eslab run` draws a diagram; elsewhere a table is the closest picture.
            Format::Table | Format::Mermaid => doc.to_terminal(self.width, self.color),
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
            let mut state = state_row(entry.state);
            // CRUD with --crud-locking keeps a version too, but the table has no column for it.
            state.truncate(if history.backend == Backend::Es { 6 } else { 5 });
            row.extend(state);
            rows.push(row);
        }
    }
    rows
}

fn step_list(steps: &[usize]) -> String {
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

/// `rows` → `row` for one; `queries` → `query`; `events` → `event`.
fn plural(count: u64, unit: &str) -> String {
    match (count, unit) {
        (1, "queries") => "query".into(),
        (1, unit) => unit.trim_end_matches('s').into(),
        (_, unit) => unit.into(),
    }
}

/// Every one of `count` things: "all 3 queries", but "both queries", "the one query" and
/// "no queries". An empty `unit` counts alone ("all 3", "both").
fn all(count: u64, unit: &str) -> String {
    let phrase = match count {
        0 => "no".to_string(),
        1 => "the one".to_string(),
        2 => "both".to_string(),
        n => format!("all {n}"),
    };
    match (count, unit) {
        (_, "") => phrase,
        (0, unit) => format!("{phrase} {unit}"),
        (n, unit) => format!("{phrase} {}", plural(n, unit)),
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

/// The steps whose outcomes compare as `agreement`.
pub fn steps_where(trace: &Trace, agreement: Agreement) -> Vec<&StepRecord> {
    trace
        .steps
        .iter()
        .filter(|s| s.agreement() == agreement)
        .collect()
}

pub fn diff(trace: &Trace, style: Style) -> String {
    let differing = steps_where(trace, Agreement::Different);
    let gaps = steps_where(trace, Agreement::Gap);
    let name = text::clean(&trace.scenario.name);
    let steps = trace.steps.len();
    let mut doc = Doc::default();
    if differing.is_empty() {
        doc.text(format!(
            "identical: CRUD and event sourcing answered the same at every step of {name} that both could answer ({steps} steps)"
        ));
    } else {
        doc.text(format!(
            "different: CRUD and event sourcing answered differently at {} of {steps} steps of {name}; they part at step {}",
            differing.len(),
            differing[0].step
        ));
        doc.table(
            &["#", "Step", "CRUD answers", "ES answers"],
            differing.iter().map(|s| side_by_side(s)).collect(),
        );
    }
    if !gaps.is_empty() {
        doc.text(format!(
            "gaps: only one design could answer at {} {} (not a divergence)",
            plural(gaps.len() as u64, "steps"),
            step_list(&gaps.iter().map(|s| s.step).collect::<Vec<_>>())
        ));
        doc.table(
            &["#", "Step", "CRUD answers", "ES answers"],
            gaps.iter().map(|s| side_by_side(s)).collect(),
        );
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

/// One step's two answers, side by side. A rejection or a refusal to answer says why.
fn side_by_side(step: &StepRecord) -> Vec<Cell> {
    let side = |backend| -> Cell {
        match step.result(backend) {
            Some(outcome @ (Outcome::Rejected { .. } | Outcome::Unavailable { .. })) => {
                text::storage(backend, outcome)
            }
            Some(
                outcome @ Outcome::Applied {
                    warning: Some(warning),
                    ..
                },
            ) => {
                let answer = text::answer(&step.action, outcome).text;
                let warning = text::clean_prose(warning);
                text::Cell::new(format!("{answer}\n! {warning}"), text::Role::Warning)
            }
            Some(outcome) => text::answer(&step.action, outcome),
            None => "".into(),
        }
    };
    vec![
        step.step.to_string().into(),
        text::step(&step.action, step.note.as_deref(), step.expect.as_deref()).into(),
        side(Backend::Crud),
        side(Backend::Es),
    ]
}

/// A stored event with its link in the tamper-evident chain.
#[derive(Serialize)]
pub struct LoggedEvent {
    #[serde(flatten)]
    pub event: StoredEvent,
    /// SHA-256 over the previous event's hash and this event, in hex.
    pub hash: String,
}

#[derive(Serialize)]
struct LogDocument<'a> {
    schema_version: u32,
    events: &'a [LoggedEvent],
}

/// `eslab log`: the stored events, in event-id order.
pub fn log(events: &[LoggedEvent], style: Style) -> String {
    let mut doc = Doc::default();
    doc.heading(1, "Event log");
    let rows = events
        .iter()
        .map(|logged| {
            let e = &logged.event;
            vec![
                e.event_id.to_string(),
                text::clean(e.stream_id.as_str()),
                e.stream_version.to_string(),
                e.event.event_type().to_string(),
                payload_text(e),
                logged.hash.chars().take(12).collect(),
            ]
        })
        .collect();
    doc.table(
        &["Event id", "Stream", "Version", "Type", "Payload", "Hash"],
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

fn payload_text(stored: &StoredEvent) -> String {
    text::attributes(&stored.event, ": ").join("\n")
}

/// `eslab verify`: one line per check.
pub fn verdict(verdict: &Verdict, style: Style) -> String {
    let mut doc = Doc::default();
    doc.heading(1, "Event log verification");
    let rows = verdict
        .checks
        .iter()
        .map(|check| {
            let (mark, role) = if check.holds {
                ("✓ holds", text::Role::Added)
            } else {
                ("✗ fails", text::Role::Rejected)
            };
            vec![
                Cell::from(check.name),
                Cell::new(mark, role),
                text::clean_prose(&check.detail).into(),
            ]
        })
        .collect();
    doc.table(&["Check", "Verdict", "Detail"], rows);
    doc.text(match (verdict.first_bad_event(), &verdict.head) {
        (Some(id), _) => format!("broken: the first bad event is {id}."),
        (None, Some(head)) => format!(
            "intact: {} {}; head hash {head}.",
            verdict.events,
            plural(verdict.events, "events")
        ),
        (None, None) if verdict.holds() => "intact: the log is empty.".to_string(),
        (None, None) => "broken: see the checks above.".to_string(),
    });
    #[derive(Serialize)]
    struct VerifyDocument<'a> {
        schema_version: u32,
        holds: bool,
        first_bad_event: Option<i64>,
        #[serde(flatten)]
        verdict: &'a Verdict,
    }
    style.print(
        &doc,
        &VerifyDocument {
            schema_version: SCHEMA_VERSION,
            holds: verdict.holds(),
            first_bad_event: verdict.first_bad_event(),
            verdict,
        },
    )
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
        &[
            "Order",
            "Customer",
            "Product",
            "Status",
            "Quantity",
            "Unit price",
            "Total",
            "Paid",
            "Version",
        ],
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
    doc.table(&["Name", "Title", "Steps"], rows);
    doc.text(
        "Run one with `eslab run NAME`; print its JSON to copy and edit with `eslab show NAME`.",
    );
    style.print(&doc, &listing)
}

#[derive(Serialize)]
struct ReportListing {
    name: ReportName,
    question: &'static str,
    columns: Vec<String>,
    crud_can_answer: bool,
}

/// `eslab reports`: the read models a `report` step can build.
pub fn reports(style: Style) -> String {
    let listing: Vec<ReportListing> = ReportName::ALL
        .iter()
        .map(|&name| ReportListing {
            name,
            question: name.question(),
            columns: name.columns(),
            crud_can_answer: name.crud_can_answer(),
        })
        .collect();
    let mut doc = Doc::default();
    doc.table(
        &["Name", "Question", "CRUD can answer"],
        listing
            .iter()
            .map(|r| {
                vec![
                    r.name.to_string(),
                    r.question.to_string(),
                    if r.crud_can_answer {
                        "yes, from its rows".to_string()
                    } else {
                        format!("no: {}", r.name.crud_is_missing())
                    },
                ]
            })
            .collect(),
    );
    doc.text("Use one in a scenario step: {\"report\": {\"name\": \"quantity-changes\"}}");
    style.print(&doc, &listing)
}

/// `eslab bench`: the measurements, then the targets with their measured ratios.
pub fn bench(report: &BenchReport, style: Style) -> String {
    let mut doc = Doc::default();
    doc.heading(1, "What each design costs");
    doc.text(format!(
        "{} orders, each placed, changed {} times and paid: {} commands (seed {}){}.",
        report.orders,
        report.changes,
        report.commands,
        report.seed,
        if report.release_build {
            ""
        } else {
            ". DEBUG BUILD: these numbers mean little"
        }
    ));
    let number = |x: f64| {
        if x >= 100.0 {
            format!("{x:.0}")
        } else {
            format!("{x:.2}")
        }
    };
    doc.table(
        &["Phase", "Design", "Count", "Seconds", "Rate /s"],
        report
            .metrics
            .iter()
            .map(|m| {
                vec![
                    m.phase.to_string(),
                    m.design.to_string(),
                    format!("{} {}", m.count, m.unit),
                    format!("{:.3}", m.seconds),
                    number(m.rate),
                ]
            })
            .collect(),
    );
    doc.table(
        &["Query (event sourcing only)", "Count", "µs each"],
        report
            .latencies
            .iter()
            .map(|l| {
                vec![
                    l.query.to_string(),
                    l.count.to_string(),
                    number(l.microseconds_each),
                ]
            })
            .collect(),
    );
    let s = &report.storage;
    let kib = |bytes: u64| format!("{:.0} KiB", bytes as f64 / 1024.0);
    doc.table(
        &["Storage", "CRUD", "Event sourcing"],
        vec![
            vec![
                "kept".to_string(),
                format!("{} rows", s.crud_rows),
                format!("{} events", s.es_events),
            ],
            vec!["on disk".to_string(), kib(s.crud_bytes), kib(s.es_bytes)],
            vec![
                "bytes per order".to_string(),
                number(s.crud_bytes_per_order),
                number(s.es_bytes_per_order),
            ],
            vec![
                "pages written per command".to_string(),
                number(s.crud_pages_per_command),
                number(s.es_pages_per_command),
            ],
        ],
    );
    doc.text(format!(
        "Memory: peak resident {}; OrderView holds about {} bytes per order.",
        report
            .memory
            .peak_rss_bytes
            .map_or("unknown".to_string(), |b| format!(
                "{:.0} MiB",
                b as f64 / 1048576.0
            )),
        number(report.memory.view_bytes_per_order)
    ));
    doc.heading(2, "Targets");
    doc.table(
        &["Target", "Measured", "Required", "Met"],
        report
            .targets
            .iter()
            .map(|t| {
                vec![
                    Cell::from(t.name),
                    number(t.measured).into(),
                    format!(
                        "{} {}",
                        if t.at_most { "≤" } else { "≥" },
                        number(t.required)
                    )
                    .into(),
                    if t.met {
                        Cell::new("✓ yes", text::Role::Added)
                    } else {
                        Cell::new("✗ no", text::Role::Rejected)
                    },
                ]
            })
            .collect(),
    );
    style.print(&doc, report)
}
