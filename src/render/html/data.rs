//! The page's data, embedded as JSON: each step's lines, row change, events and flags.

use serde::Serialize;

use crate::narrate::page::PageLabels;
use crate::narrate::{self, Line, Mark};
use crate::render::history::state_row;
use crate::render::text::{Entry, entries};
use crate::service::{Agreement, Backend, ColumnValue};
use crate::timeline::{EventFrame, INSERT_COLUMNS, RowFrame, Timeline};
use crate::trace::{StepRecord, Trace};

/// OrderView's columns: the state histories' own (`run::history_header`), less the step.
const VIEW_COLUMNS: [&str; 7] = [
    "Order", "Status", "Quantity", "Price", "Total", "Paid", "Version",
];

/// The marks worth flagging on a step at a glance: what went wrong or differs.
const FLAGGED: [Mark; 6] = [
    Mark::Rejected,
    Mark::Cannot,
    Mark::ViewDown,
    Mark::ViewBack,
    Mark::Differs,
    Mark::Failed,
];

/// What a diff's page adds: its headline, and the steps where the designs part or only one
/// answers.
pub(super) fn diff_part(trace: &Trace) -> DiffPart {
    let steps_where = |agreement| -> Vec<usize> {
        trace
            .steps_where(agreement)
            .iter()
            .map(|s| s.step)
            .collect()
    };
    let differing = steps_where(Agreement::Different);
    let gaps = steps_where(Agreement::Gap);
    DiffPart {
        headline: narrate::diff_headline(&trace.scenario.name, &trace.summary),
        gaps_line: (!gaps.is_empty()).then(|| narrate::diff_gaps(&gaps)),
        differing,
        gaps,
    }
}

#[derive(Serialize)]
pub(super) struct PageData {
    pub(super) labels: PageLabels<PageLine>,
    /// `Mark::ALL` by name: a line's mark is an index into it.
    marks: Vec<Mark>,
    /// Each mark's symbol and meaning, as the legend gives them.
    symbols: Vec<&'static str>,
    meanings: Vec<&'static str>,
    crud_columns: Vec<&'static str>,
    /// The step from which each CRUD column shows: a column a migration added shows from
    /// the step that first wrote it.
    crud_column_from: Vec<usize>,
    view_columns: [&'static str; 7],
    pub(super) has_crud: bool,
    pub(super) has_es: bool,
    events: Vec<PageEvent>,
    steps: Vec<PageStep>,
    pub(super) summary: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) diff: Option<DiffPart>,
    /// The step the page opens at when its address names none.
    start: usize,
}

/// A line of narration: its mark (an index into `PageData::marks`) and its text.
#[derive(Serialize)]
pub(super) struct PageLine(Option<usize>, String);

impl From<Entry> for PageLine {
    fn from(entry: Entry) -> PageLine {
        PageLine(
            entry
                .mark
                .and_then(|mark| Mark::ALL.iter().position(|m| *m == mark)),
            entry.text,
        )
    }
}

/// Narrated lines laid out as the tables lay them out (`text::entries`).
fn lines(lines: &[Line]) -> Vec<PageLine> {
    entries(lines).into_iter().map(PageLine::from).collect()
}

/// An event of the log, embedded once, with the state of its order right after it.
#[derive(Serialize)]
struct PageEvent {
    id: u64,
    /// The id as eslab writes one: `#2002`.
    r#ref: String,
    /// The step that appended it.
    step: usize,
    order: String,
    /// As the log column shows it (`narrate::appended`).
    lines: Vec<String>,
    /// OrderView's row for its order as of this event (`VIEW_COLUMNS` less the order).
    state: Option<Vec<String>>,
}

#[derive(Serialize)]
struct PageStep {
    n: usize,
    /// What is asked before the outcome is shown: the action and the question.
    ask: Vec<PageLine>,
    /// What the reveal adds to it: the note, the expectation's verdict, and ≠ when the
    /// designs differ.
    about: Vec<PageLine>,
    /// Indexes of the flagged marks this step carries.
    flags: Vec<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    crud: Option<Side>,
    #[serde(skip_serializing_if = "Option::is_none")]
    es: Option<Side>,
    /// The CRUD row this step inserted or updated, as SQLite now holds it.
    #[serde(skip_serializing_if = "Option::is_none")]
    row: Option<RowChange>,
    /// A column a migration at this step added to every row (its index in the page's
    /// columns), and the default it filled in.
    #[serde(skip_serializing_if = "Option::is_none")]
    fill: Option<(usize, String)>,
    /// Events in the log after this step.
    log: usize,
    /// Events OrderView has applied after this step; `None` while it is down.
    view: Option<usize>,
    /// The event where the latest snapshot of OrderView was taken, if one was by this step.
    #[serde(skip_serializing_if = "Option::is_none")]
    snapshot: Option<u64>,
}

#[derive(Serialize)]
struct Side {
    storage: Vec<PageLine>,
    answer: Vec<PageLine>,
    /// What the page shows right under the step once revealed (`payoff`), when it is not
    /// simply `answer` (most steps): embedded once.
    #[serde(skip_serializing_if = "Option::is_none")]
    payoff: Option<Vec<PageLine>>,
    /// The storage lines began with the events appended at this step, as the log shows
    /// them (marked new there), so they are left out here: said once, and embedded once.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    in_log: bool,
}

#[derive(Serialize)]
struct RowChange {
    /// The row's place in the table (rows show in the order they were inserted, as a
    /// `SELECT` without `ORDER BY` returns them).
    i: usize,
    cells: Vec<String>,
    /// The columns an UPDATE overwrote: index and old value.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    old: Vec<(usize, String)>,
}

#[derive(Serialize)]
pub(super) struct DiffPart {
    pub(super) headline: String,
    pub(super) differing: Vec<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) gaps_line: Option<String>,
    pub(super) gaps: Vec<usize>,
}

pub(super) fn page_data(trace: &Trace, diff: Option<DiffPart>) -> PageData {
    let has = |backend| trace.backends.contains(&backend);
    let mut columns = Columns {
        names: INSERT_COLUMNS.to_vec(),
        from: vec![1; INSERT_COLUMNS.len()],
    };
    let mut timeline = Timeline::default();
    let mut events: Vec<PageEvent> = Vec::new();
    let mut steps = Vec::with_capacity(trace.steps.len());
    for step in &trace.steps {
        let frame = timeline.push(step);
        let ask = narrate::asks(step);
        let mut about = narrate::reveals(step);
        about.extend(narrate::agreement(step.agreement()));
        let crud = side(step, Backend::Crud);
        let es = side(step, Backend::Es);
        let (ask, about) = (lines(&ask), lines(&about));
        let flags = flags(&about, [&crud, &es]);
        let row = frame
            .row
            .as_ref()
            .map(|row| row_change(row, &mut columns, step));
        let fill = frame
            .migrated
            .map(|(column, default)| migrated_column(column, default, &mut columns, step));
        events.extend(frame.events.iter().map(|e| page_event(e, step.step)));
        steps.push(PageStep {
            n: step.step,
            ask,
            about,
            flags,
            crud,
            es,
            row,
            fill,
            log: frame.log_len,
            view: (!frame.view_down).then_some(frame.log_len),
            snapshot: frame.latest_snapshot,
        });
    }
    let start = diff
        .as_ref()
        .and_then(|d| d.differing.first().or(d.gaps.first()).copied())
        .unwrap_or(1);
    PageData {
        labels: narrate::page::page_labels(|line| {
            PageLine::from(Entry {
                mark: line.mark,
                text: line.text,
            })
        }),
        marks: Mark::ALL.to_vec(),
        symbols: Mark::ALL.iter().map(|m| m.symbol()).collect(),
        meanings: Mark::ALL.iter().map(|m| m.meaning()).collect(),
        crud_columns: columns.names,
        crud_column_from: columns.from,
        view_columns: VIEW_COLUMNS,
        has_crud: has(Backend::Crud),
        has_es: has(Backend::Es),
        events,
        steps,
        summary: narrate::summary(&trace.summary, &trace.backends),
        diff,
        start,
    }
}

/// What one design stored and answered at a step, in narrate's words; the events it
/// appended are left to the log, which shows them.
fn side(step: &StepRecord, backend: Backend) -> Option<Side> {
    let outcome = step.result(backend)?;
    let (storage, in_log) = narrate::storage_besides_log(backend, outcome, &step.action);
    let answer = narrate::answer(&step.action, outcome);
    let failures: Vec<Line> = step
        .failures(backend)
        .iter()
        .map(narrate::failure)
        .collect();
    let mut said = payoff(&storage, &answer);
    said.extend(failures.iter().cloned());
    let mut answer = answer;
    answer.extend(failures);
    Some(Side {
        storage: lines(&storage),
        payoff: (said != answer).then(|| lines(&said)),
        answer: lines(&answer),
        in_log,
    })
}

/// A step's payoff for one design: what it stored that is flagged (a rejection, what it
/// cannot answer, the view going down or coming back), then its answer; where it answers
/// nothing (a rebuild, a deploy) what it did.
fn payoff(storage: &[Line], answer: &[Line]) -> Vec<Line> {
    let flagged = |line: &&Line| line.mark.is_some_and(|m| FLAGGED.contains(&m));
    let mut said: Vec<Line> = storage.iter().filter(flagged).cloned().collect();
    // "—", "! —" or "(unchanged)": an answer that says there is none.
    let nothing =
        matches!(answer, [only] if only.text.ends_with('—') || only.text == "(unchanged)");
    if !nothing {
        said.extend(answer.iter().cloned());
    }
    if said.is_empty() {
        said = storage.to_vec();
    }
    said
}

/// Indexes of the flagged marks a step's lines carry, in `Mark::ALL` order.
fn flags(about: &[PageLine], sides: [&Option<Side>; 2]) -> Vec<usize> {
    let mut flags: Vec<usize> = Vec::new();
    let all_lines = about.iter().chain(
        sides
            .into_iter()
            .flatten()
            .flat_map(|s| s.storage.iter().chain(&s.answer)),
    );
    for line in all_lines {
        if let Some(i) = line.0
            && FLAGGED.contains(&Mark::ALL[i])
            && !flags.contains(&i)
        {
            flags.push(i);
        }
    }
    flags.sort_unstable();
    flags
}

/// An appended event as the page embeds it, with OrderView's row for its order after it.
fn page_event(appended: &EventFrame, step: usize) -> PageEvent {
    let stored = appended.event;
    let lead = format!("{} ", Mark::Appended.symbol());
    PageEvent {
        id: stored.event_id,
        r#ref: narrate::event_id(stored.event_id),
        step,
        order: crate::sanitize::clean(stored.stream_id.as_str()),
        // The `+` is the page's to show, on the events of the step shown only.
        lines: entries(&narrate::appended(stored))
            .into_iter()
            .enumerate()
            .map(|(i, entry)| match entry.text.strip_prefix(&lead) {
                Some(head) if i == 0 => head.to_string(),
                _ => entry.text,
            })
            .collect(),
        state: appended.state.as_ref().map(state_row),
    }
}

/// The CRUD table's columns as the page shows them, and the step each shows from.
struct Columns {
    names: Vec<&'static str>,
    from: Vec<usize>,
}

/// The row a step wrote, in the page's columns, as SQLite holds it (money in whole cents);
/// a column first written here (one a migration added, or `version` under `--crud-locking`)
/// joins the page's columns from this step on. Who and when (`updated_by`, `updated_at`)
/// join only where the scenario teaches them (`who_and_when`): elsewhere they would push what
/// the step is about (a migrated column, the status) out of a projected pane.
fn row_change(row: &RowFrame, columns: &mut Columns, step: &StepRecord) -> RowChange {
    for (name, value) in &row.after {
        let who_or_when = matches!(*name, "updated_by" | "updated_at");
        if value.is_some() && !columns.names.contains(name) && (step.who_and_when || !who_or_when) {
            columns.names.push(name);
            columns.from.push(step.step);
        }
    }
    let text = |value: &ColumnValue| crate::sanitize::clean(&value.to_string());
    RowChange {
        i: row.i,
        cells: columns
            .names
            .iter()
            .map(|c| row.get(c).map_or(String::new(), text))
            .collect(),
        old: row
            .changed
            .iter()
            .filter_map(|change| {
                let c = columns.names.iter().position(|c| *c == change.column)?;
                Some((c, text(&change.old)))
            })
            .collect(),
    }
}

/// A column a migration at `step` added to every row: it joins the page's columns from this
/// step on, each row holding `default` until a write says otherwise.
fn migrated_column(
    column: &'static str,
    default: &str,
    columns: &mut Columns,
    step: &StepRecord,
) -> (usize, String) {
    let at = match columns.names.iter().position(|c| *c == column) {
        Some(at) => at,
        None => {
            columns.names.push(column);
            columns.from.push(step.step);
            columns.names.len() - 1
        }
    };
    (at, crate::sanitize::clean(default))
}
