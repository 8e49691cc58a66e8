//! Facts into words, once. The designs report typed facts (`service::Outcome`), the runner
//! records them in the trace; this module alone decides how each fact reads and which mark of
//! the legend it carries. Every output (table, markdown, Mermaid, and those to come) takes its
//! words from here, so the same fact always reads the same way.

use serde::Serialize;

use crate::domain::projection::Keep;
use crate::domain::{
    Actor, Command, Event, LastWrite, Metadata, OrderId, Question, Rejection, ReportKind,
    ReportName, ReportQuery, StoredEvent, Timestamp,
};
use crate::expect::Failure;
use crate::scenario::{Action, DeployAction, Expect, ViewAction};
use crate::service::{
    Agreement, Backend, Caveat, Evidence, Inapplicable, OrderState, Outcome, ReportSource,
    SnapshotFault, Source, StorageChange, Unanswerable,
};
use crate::trace::{StepRecord, Summary, Trace};

/// The legend: each mark means one thing in every output, and always comes with its symbol,
/// so no meaning rests on colour alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    /// An event appended to the log.
    Appended,
    /// A value replaced in place: the old one is gone.
    Overwritten,
    /// A command the rules refused: nothing was stored.
    Rejected,
    /// Something a design cannot answer, check or keep.
    Cannot,
    /// The read model dropped from memory.
    ViewDown,
    /// The read model rebuilt from the log.
    ViewBack,
    /// The two designs answered the same question differently.
    Differs,
    /// An expectation (or a check) that held.
    Held,
    /// An expectation (or a check) that did not hold.
    Failed,
}

impl Mark {
    pub const ALL: [Mark; 9] = [
        Mark::Appended,
        Mark::Overwritten,
        Mark::Rejected,
        Mark::Cannot,
        Mark::ViewDown,
        Mark::ViewBack,
        Mark::Differs,
        Mark::Held,
        Mark::Failed,
    ];

    pub fn symbol(self) -> &'static str {
        match self {
            Mark::Appended => "+",
            Mark::Overwritten => "→",
            Mark::Rejected => "✗",
            Mark::Cannot => "!",
            Mark::ViewDown => "↯",
            Mark::ViewBack => "⟳",
            Mark::Differs => "≠",
            Mark::Held => "✓",
            Mark::Failed => "✘",
        }
    }

    /// What the mark means, as the legend says it.
    pub fn meaning(self) -> &'static str {
        match self {
            Mark::Appended => "an event appended to the log",
            Mark::Overwritten => "a value overwritten in place: the old one is gone",
            Mark::Rejected => "a command the rules rejected: nothing was stored",
            Mark::Cannot => "what a design cannot answer, check or keep",
            Mark::ViewDown => "OrderView dropped from memory (the log is untouched)",
            Mark::ViewBack => "OrderView rebuilt by replaying the log",
            Mark::Differs => "the designs answered the same question differently",
            Mark::Held => "an expectation that held",
            Mark::Failed => "an expectation that failed",
        }
    }
}

/// The legend as `eslab run --help` prints it (kept in step with `Mark` by a test).
pub const LEGEND: &str = "\
Legend (the same in every output):
  +  an event appended to the log
  →  a value overwritten in place: the old one is gone
  ✗  a command the rules rejected: nothing was stored
  !  what a design cannot answer, check or keep
  ↯  OrderView dropped from memory (the log is untouched)
  ⟳  OrderView rebuilt by replaying the log
  ≠  the designs answered the same question differently
  ✓  an expectation that held
  ✘  an expectation that failed";

/// The legend's entries for the marks a run uses, on one line: "+ appended · → overwritten".
pub fn legend_line(marks: &[Mark]) -> String {
    let short = |mark: Mark| match mark {
        Mark::Appended => "appended",
        Mark::Overwritten => "overwritten",
        Mark::Rejected => "rejected",
        Mark::Cannot => "cannot answer or keep",
        Mark::ViewDown => "view down",
        Mark::ViewBack => "view rebuilt",
        Mark::Differs => "designs differ",
        Mark::Held => "expectation held",
        Mark::Failed => "expectation failed",
    };
    let used: Vec<String> = Mark::ALL
        .iter()
        .filter(|mark| marks.contains(mark))
        .map(|&mark| format!("{} {}", mark.symbol(), short(mark)))
        .collect();
    format!("Legend: {}", used.join(" · "))
}

/// One line of narration and the mark it carries (for colour); the symbol, where the line
/// has one, is already in its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mark: Option<Mark>,
    pub text: String,
}

impl Line {
    fn plain(text: impl Into<String>) -> Line {
        Line {
            mark: None,
            text: text.into(),
        }
    }

    fn marked(mark: Mark, text: impl AsRef<str>) -> Line {
        Line {
            mark: Some(mark),
            text: format!("{} {}", mark.symbol(), text.as_ref()),
        }
    }

    /// A line that belongs to a marked one above it: coloured like it, no symbol of its own.
    fn under(mark: Mark, text: impl Into<String>) -> Line {
        Line {
            mark: Some(mark),
            text: text.into(),
        }
    }
}

/// Lines joined as one block of text.
pub fn joined(lines: &[Line]) -> String {
    let texts: Vec<&str> = lines.iter().map(|line| line.text.as_str()).collect();
    texts.join("\n")
}

/// The first mark among the lines: what a block is, at a glance.
pub fn first_mark(lines: &[Line]) -> Option<Mark> {
    lines.iter().find_map(|line| line.mark)
}

// ---------------------------------------------------------------------------------------------
// Text from users' files, made safe to print.

/// Text from a user's file, made safe to print: control characters (ANSI escapes, newlines)
/// are shown escaped, never sent to the terminal, and very long text is cut.
pub fn clean(text: &str) -> String {
    const MAX_CHARS: usize = 60;
    let mut out = String::new();
    for (count, c) in text.chars().enumerate() {
        if count == MAX_CHARS {
            out.push('…');
            break;
        }
        push_escaped(&mut out, c);
    }
    out
}

/// A note or description: kept whole (it is narration), but control characters escaped.
pub fn clean_prose(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    out
}

fn push_escaped(out: &mut String, c: char) {
    if c.is_control() {
        out.extend(c.escape_default());
    } else {
        out.push(c);
    }
}

// ---------------------------------------------------------------------------------------------
// Small facts.

/// Why a snapshot does not match the log, in words.
pub fn snapshot_fault(fault: SnapshotFault) -> &'static str {
    match fault {
        SnapshotFault::Unsealed => {
            "it has no seal (taken before eslab sealed snapshots, or its seal was removed)"
        }
        SnapshotFault::NoSuchEvent => "the log has no event at its checkpoint",
        SnapshotFault::OtherHead => {
            "the log's event at its checkpoint is not the one it was taken at"
        }
        SnapshotFault::Edited => "its content was changed after it was taken",
        SnapshotFault::DoesNotDecode => "its orders do not decode",
        SnapshotFault::DiffersFromReplay => {
            "its orders differ from the log replayed up to its checkpoint"
        }
    }
}

/// An event id, written as an id so that it never reads as a count: `#2001`.
pub fn event_id(id: u64) -> String {
    format!("#{id}")
}

/// `rows` → `row` for one; `queries` → `query`; `events` → `event`.
pub fn plural(count: u64, unit: &str) -> String {
    match (count, unit) {
        (1, "queries") => "query".into(),
        (1, unit) => unit.trim_end_matches('s').into(),
        (_, unit) => unit.into(),
    }
}

/// Every one of `count` things: "all 3 queries", but "both queries", "the one query" and
/// "no queries". An empty `unit` counts alone ("all 3", "both").
pub fn all(count: u64, unit: &str) -> String {
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

pub fn step_list(steps: &[usize]) -> String {
    let steps: Vec<String> = steps.iter().map(|s| s.to_string()).collect();
    steps.join(", ")
}

/// A design's short name, for summaries.
pub fn short(backend: Backend) -> &'static str {
    match backend {
        Backend::Crud => "CRUD",
        Backend::Es => "ES",
    }
}

/// An event's own attributes as `name{separator}value`, values made safe to print.
pub fn attributes(event: &Event, separator: &str) -> Vec<String> {
    event
        .attributes()
        .into_iter()
        .map(|(name, value)| format!("{name}{separator}{}", clean(&value)))
        .collect()
}

/// An event on one line: `#2002 ModifyOrderEvent (quantity 6)`.
pub fn event_line(stored: &StoredEvent) -> String {
    format!(
        "{} {} ({})",
        event_id(stored.event_id),
        stored.event.event_type(),
        attributes(&stored.event, " ").join(", ")
    )
}

/// Who and when, as a history says it: `by support at 2026-03-01T10:15:00Z`.
pub fn who_and_when(by: &Actor, at: &Timestamp) -> String {
    format!("by {} at {at}", clean(by.as_str()))
}

/// Who recorded an event and when, for a narrow table cell: the actor, then the date and
/// the time on lines of their own (`support`, `2026-03-01`, `10:15:00Z`); `—` for an event
/// written before envelopes kept it.
pub fn recorded(metadata: Option<&Metadata>) -> String {
    metadata.map_or("—".into(), |m| {
        let at = m.recorded_at.to_string();
        let (date, time) = at.split_once('T').unwrap_or((&at, ""));
        format!("{}\n{date}\n{time}", clean(m.actor.as_str()))
    })
}

/// What a CRUD row says of its writers: the last one only.
pub fn last_write_line(written: &LastWrite) -> String {
    format!(
        "last written {}; who wrote before, and when, was overwritten",
        who_and_when(&written.by, &written.at)
    )
}

/// ` (written v1, read as v2)` for an event stored in an older shape than its type's newest.
pub fn upcast_note(stored: &StoredEvent) -> String {
    let latest = crate::domain::upcast::latest(stored.event.event_type()).unwrap_or(1);
    if stored.schema_version < latest {
        format!(" (written v{}, read as v{latest})", stored.schema_version)
    } else {
        String::new()
    }
}

/// An event as a line of the log: id, type, stream and version, then its attributes:
/// `#2002 ModifyOrderEvent A1 v2 (quantity 6)`.
pub fn log_entry(stored: &StoredEvent) -> String {
    format!(
        "{} {} {} v{} ({})",
        event_id(stored.event_id),
        stored.event.event_type(),
        clean(stored.stream_id.as_str()),
        stored.stream_version,
        attributes(&stored.event, " ").join(", ")
    )
}

/// The heading of OrderView in the live view: where it stands, or that it is down.
pub fn view_heading(checkpoint: Option<u64>, down: bool) -> String {
    match (down, checkpoint) {
        (true, Some(c)) => format!(
            "{} OrderView down (it had applied up to {})",
            Mark::ViewDown.symbol(),
            event_id(c)
        ),
        (true, None) => format!("{} OrderView down", Mark::ViewDown.symbol()),
        (false, Some(c)) => format!("OrderView · checkpoint {}", event_id(c)),
        (false, None) => "OrderView (empty)".into(),
    }
}

/// OrderView's heading while the time-travel cursor is on an event.
pub fn view_as_of(event: u64) -> String {
    format!(
        "OrderView as of {}: the log replayed up to it",
        event_id(event)
    )
}

/// What CRUD can say while the time-travel cursor is on an event: nothing of the past.
pub fn row_as_of(event: u64) -> String {
    format!(
        "{} the orders table keeps only each order's latest row: how it stood as of {} was overwritten",
        Mark::Cannot.symbol(),
        event_id(event)
    )
}

/// OrderView while down: it answers nothing until it is rebuilt.
pub fn view_down_answers() -> String {
    unanswerable(&Unanswerable::ViewDown, None)
}

/// The column headings of the orders table as the live view shows each row.
pub const ROW_COLUMNS: [&str; 8] = [
    "order_id", "customer", "product", "quantity", "price", "total", "paid", "status",
];

/// A row's values, in `ROW_COLUMNS` order.
pub fn row_values(state: &OrderState) -> [String; 8] {
    [
        clean(state.order_id.as_str()),
        clean(&state.customer),
        clean(&state.product),
        state.quantity.to_string(),
        state.unit_price.to_string(),
        state.total.to_string(),
        state.paid.to_string(),
        state.status.to_string(),
    ]
}

/// An appended event as it shows in the log column: id and type, stream and version, then
/// its own attributes.
pub fn appended(stored: &StoredEvent) -> Vec<Line> {
    let mut lines = vec![
        Line::marked(
            Mark::Appended,
            format!(
                "{} {}",
                event_id(stored.event_id),
                stored.event.event_type()
            ),
        ),
        Line::under(
            Mark::Appended,
            format!(
                "  {} v{}",
                clean(stored.stream_id.as_str()),
                stored.stream_version
            ),
        ),
    ];
    if stored.schema_version > 1 {
        lines.push(Line::under(
            Mark::Appended,
            format!("  written as shape v{}", stored.schema_version),
        ));
    }
    lines.extend(
        attributes(&stored.event, ": ")
            .into_iter()
            .map(|attribute| Line::under(Mark::Appended, format!("  {attribute}"))),
    );
    lines
}

/// An order's state in three short lines.
pub fn order_state(state: &OrderState) -> String {
    let version = match state.version {
        Some(v) => format!(" · v{v}"),
        None => String::new(),
    };
    format!(
        "{} {}{version}\n{} × {} = {}\npaid {}",
        clean(state.order_id.as_str()),
        state.status,
        state.quantity,
        state.unit_price,
        state.total,
        state.paid,
    )
}

/// An order's state on one line.
pub fn order_state_line(state: &OrderState) -> String {
    let version = state.version.map_or(String::new(), |v| format!(", v{v}"));
    format!(
        "{} {}: {} × {} = {}, paid {}{version}",
        clean(state.order_id.as_str()),
        state.status,
        state.quantity,
        state.unit_price,
        state.total,
        state.paid
    )
}

// ---------------------------------------------------------------------------------------------
// What a step asks.

fn read_at(version: Option<u64>) -> String {
    version.map_or(String::new(), |v| format!("\n(read at version {v})"))
}

/// What a step does: its name, the order, and its arguments.
pub fn action(action: &Action) -> String {
    let name = action.name();
    let id = action
        .order_id()
        .map_or(String::new(), |id| format!(" {}", clean(id.as_str())));
    match action {
        Action::Command(Command::PlaceOrder(c)) => format!(
            "{name}{id}\n{}: {} × {} @ {}",
            clean(&c.customer),
            c.quantity,
            clean(&c.product),
            c.unit_price
        ),
        Action::Command(Command::ChangeQuantity(c)) => format!(
            "{name}{id}\nquantity → {}{}",
            c.quantity,
            read_at(c.expected_version)
        ),
        Action::Command(Command::Pay(c)) => format!(
            "{name}{id}\namount {}{}",
            c.amount,
            read_at(c.expected_version)
        ),
        Action::Command(Command::Cancel(c)) => format!(
            "{name}{id}\nreason: {}{}",
            clean(&c.reason),
            read_at(c.expected_version)
        ),
        Action::Question(Question::Query(q)) => match q.as_of {
            Some(as_of) => format!("{name}{id}\nas of event {}", event_id(as_of)),
            None => format!("{name}{id}"),
        },
        Action::Question(Question::History(_)) => format!("{name}{id}"),
        Action::Question(Question::Report(r)) => format!("{name}\n{}", r.name),
        Action::View(
            ViewAction::CrashView(_) | ViewAction::RebuildView(_) | ViewAction::Snapshot(_),
        ) => name.to_string(),
        Action::Deploy(DeployAction::Deploy(deploy)) => format!("{name}\n{deploy}"),
    }
}

/// The step column: the action, the note that narrates it, and what the step expects,
/// marked ✓ when every design it was checked on held to it.
pub fn step(record: &StepRecord) -> Vec<Line> {
    let mut lines = vec![Line::plain(action(&record.action))];
    if let Some(note) = &record.note {
        lines.push(Line::plain(format!("\n{}", clean_prose(note))));
    }
    if let Some(expect) = record.expect.as_deref()
        && let Some(expected) = expectation(expect, &record.action)
    {
        lines.push(if record.expectation_held() {
            Line::marked(Mark::Held, expected)
        } else {
            Line::plain(expected)
        });
    }
    lines
}

/// A step's expectation on one line: `expect: applied, status Paid, quantity 5`;
/// `None` when it expects nothing. A report's row reads in the report's column order.
pub fn expectation(expect: &Expect, step: &Action) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    match expect.ok {
        Some(true) => parts.push("applied".into()),
        Some(false) => parts.push("rejected".into()),
        None => {}
    }
    if let Some(fragment) = &expect.rejected {
        parts.push(format!("rejected …{}…", clean(fragment)));
    }
    if let Some(id) = expect.event_id {
        parts.push(format!("event {}", event_id(id)));
    }
    match expect.exists {
        Some(true) => parts.push("exists".into()),
        Some(false) => parts.push("no such order".into()),
        None => {}
    }
    if let Some(status) = expect.status {
        parts.push(format!("status {status}"));
    }
    if let Some(customer) = &expect.customer {
        parts.push(format!("customer {}", clean(customer)));
    }
    if let Some(product) = &expect.product {
        parts.push(format!("product {}", clean(product)));
    }
    if let Some(quantity) = expect.quantity {
        parts.push(format!("quantity {quantity}"));
    }
    if let Some(unit_price) = expect.unit_price {
        parts.push(format!("unit price {unit_price}"));
    }
    if let Some(total) = expect.total {
        parts.push(format!("total {total}"));
    }
    if let Some(paid) = expect.paid {
        parts.push(format!("paid {paid}"));
    }
    if let Some(version) = expect.version {
        parts.push(format!("version {version}"));
    }
    if let Some(by) = &expect.last_changed_by {
        parts.push(format!("last changed by {}", clean(by.as_str())));
    }
    if let Some(at) = expect.last_changed_at {
        parts.push(format!("last changed at {at}"));
    }
    if let Some(row) = &expect.row {
        let columns = match step {
            Action::Question(Question::Report(report)) => report.columns(),
            _ => Vec::new(),
        };
        let mut cells: Vec<(&String, &String)> = row.iter().collect();
        cells.sort_by_key(|(column, _)| {
            columns
                .iter()
                .position(|c| c == *column)
                .unwrap_or(columns.len())
        });
        let cells: Vec<String> = cells
            .iter()
            .map(|(column, value)| format!("{} {}", clean(column), clean(value)))
            .collect();
        parts.push(format!("row {}", cells.join(", ")));
    }
    (!parts.is_empty()).then(|| format!("expect: {}", parts.join(", ")))
}

/// A failed expectation, on the step and design where it failed.
pub fn failure(failure: &Failure) -> Line {
    Line::marked(
        Mark::Failed,
        format!(
            "expect {} {}, got {}",
            failure.field,
            clean_prose(&failure.expected),
            clean_prose(&failure.actual)
        ),
    )
}

// ---------------------------------------------------------------------------------------------
// The facts a design reports, in words.

/// The rule that refused a command, as the rule states it.
pub fn rejection(rejection: &Rejection) -> String {
    clean_prose(&rejection.to_string())
}

/// What a design could not do for a command it stored.
pub fn caveat(caveat: &Caveat) -> String {
    match caveat {
        Caveat::VersionUnchecked { expected } => format!(
            "no version kept: the writer read version {expected}, but the row cannot tell whether it changed since, so this write replaced whatever was there"
        ),
        Caveat::NotKept {
            field,
            value,
            shape: None,
        } => format!(
            "the {field} is not kept: the row has no column for it, so \"{}\" is gone",
            clean(value)
        ),
        Caveat::NotKept {
            field,
            value,
            shape: Some(shape),
        } => format!(
            "the {field} is not kept: the writer writes shape v{shape}, which has no field for it, so \"{}\" is gone",
            clean(value)
        ),
    }
}

/// What a design can say about a stale write it refused.
pub fn evidence(evidence: &Evidence) -> Vec<Line> {
    match evidence {
        Evidence::MissedEvents { events } if events.is_empty() => Vec::new(),
        Evidence::MissedEvents { events } => {
            let mut lines = vec![Line::under(
                Mark::Rejected,
                "the log shows what changed since:",
            )];
            lines.extend(
                events
                    .iter()
                    .map(|e| Line::under(Mark::Rejected, format!("  {}", event_line(e)))),
            );
            lines
        }
        Evidence::RowOnlyNewest => vec![Line::marked(
            Mark::Cannot,
            "the row holds only its newest version: what the competing change was, it cannot say",
        )],
    }
}

/// Where a design read an answer from.
pub fn source(source: &Source, order_id: Option<&OrderId>) -> String {
    let id = order_id.map_or(String::new(), |id| clean(id.as_str()));
    match source {
        Source::Row => "read the orders row".into(),
        Source::View {
            checkpoint: Some(checkpoint),
        } => format!("read OrderView (checkpoint {})", event_id(*checkpoint)),
        Source::View { checkpoint: None } => "read OrderView (empty)".into(),
        Source::Replay { as_of } => {
            format!("replayed the stream {id} up to {}", event_id(*as_of))
        }
    }
}

/// How a design built a report.
pub fn report_source(source: &ReportSource) -> String {
    match source {
        ReportSource::Sql { query: None } => {
            "SELECT … GROUP BY customer on the orders table".into()
        }
        ReportSource::Sql { query: Some(query) } => clean(query),
        ReportSource::ReadModel { events } => format!(
            "a new read model over the whole log ({events} {})",
            plural(*events, "events")
        ),
    }
}

/// Why a design cannot answer.
pub fn unanswerable(reason: &Unanswerable, order_id: Option<&OrderId>) -> String {
    let id = order_id.map_or(String::new(), |id| clean(id.as_str()));
    match reason {
        Unanswerable::Overwritten { as_of } => format!(
            "the row keeps only the latest state: how {id} stood as of event {} was overwritten",
            event_id(*as_of)
        ),
        Unanswerable::HistoryNotKept => {
            "only the latest row is kept: every earlier value was overwritten".into()
        }
        Unanswerable::ReportNeedsHistory => {
            "the orders table holds only the current quantity: every earlier value was overwritten, and nothing records when payment came".into()
        }
        Unanswerable::EventsNotKept { event_type } => match *event_type {
            "ModifyOrderEvent" => "the orders table keeps no changes: each new quantity overwrote the one before, so they cannot be counted or grouped".into(),
            "OrderPaymentEvent" => "the orders table keeps no payments: each was summed into paid_cents, which says how much, not when or in how many".into(),
            "OrderCancelledEvent" => "the orders table keeps no cancellations: only the status says one happened, and the reason was dropped".into(),
            other => format!("the orders table keeps no {other}: an order's row holds only how it stands now"),
        },
        Unanswerable::FieldOverwritten { field } => format!(
            "the orders table holds only the current {field}: the {field} each order was placed with was overwritten"
        ),
        Unanswerable::NoEventOrder => {
            "the orders table keeps no events: no event ids, and no order to say which came first or last".into()
        }
        Unanswerable::ViewDown => {
            "OrderView is down: queries wait for `rebuild_view`; the events are safe in the log"
                .into()
        }
        Unanswerable::SumTooLarge => format!(
            "a sum in this report passes {}, the most a report adds up to (a SQLite integer): no design answers it",
            crate::domain::Money::from_cents(crate::domain::report::MAX_SUM)
        ),
    }
}

/// What CRUD can say when asked how an order stood at an earlier event (the page's time
/// travel): nothing, its row keeps only the latest state.
pub fn row_keeps_latest() -> Line {
    Line::marked(
        Mark::Cannot,
        unanswerable(&Unanswerable::HistoryNotKept, None),
    )
}

/// Why a step does not apply to a design.
pub fn inapplicable(why: &Inapplicable, action: &Action) -> String {
    match why {
        Inapplicable::NoView => {
            let to = match action {
                Action::View(ViewAction::RebuildView(_)) => "rebuild",
                Action::View(ViewAction::Snapshot(_)) => "snapshot",
                _ => "lose",
            };
            format!("no view to {to}: CRUD's queries read the orders table")
        }
        Inapplicable::ViewAlreadyDown => "OrderView is already down".into(),
        Inapplicable::DoneEarlier => {
            "done by an earlier run: carried on after it (--continue)".into()
        }
        Inapplicable::TableUnchanged => {
            "no migration: the orders table already keeps what this shape needs".into()
        }
    }
}

/// What a report step asks: a built-in report's question, or what a read model defined in
/// the scenario keeps.
pub fn report_asks(query: &ReportQuery) -> String {
    match query.kind() {
        ReportKind::BuiltIn(name) => report_question(name).to_string(),
        ReportKind::Defined(projection) => {
            let kept: Vec<String> = projection
                .keep
                .iter()
                .map(|kept| {
                    let what = match &kept.keep {
                        Keep::Count => "how many".to_string(),
                        Keep::Sum(field) => format!("the sum of {}", clean(field)),
                        Keep::Latest(field) => format!("the latest {}", clean(field)),
                        Keep::FirstEventId => "the first event's id".to_string(),
                        Keep::LastEventId => "the last event's id".to_string(),
                    };
                    format!("{} ({what})", clean(&kept.column))
                })
                .collect();
            let mut asks = format!(
                "Your own read model: {} per {}",
                projection.events.join(" or "),
                clean(&projection.group_by)
            );
            if !kept.is_empty() {
                asks.push_str(&format!(", keeping {}", kept.join(", ")));
            }
            asks.push('.');
            asks
        }
    }
}

/// What a built-in report answers, for `eslab reports` and report sections.
pub fn report_question(name: ReportName) -> &'static str {
    match name {
        ReportName::RevenuePerCustomer => {
            "How many orders did each customer place, and how much have they paid?"
        }
        ReportName::QuantityChanges => {
            "How often did each order's quantity change before payment, and through which values?"
        }
    }
}

/// What CRUD lacks for a report it cannot answer (`None` when it can answer it).
pub fn crud_cannot_answer(name: ReportName) -> Option<String> {
    (!name.crud_can_answer()).then(|| unanswerable(&Unanswerable::ReportNeedsHistory, None))
}

/// What a design did to its storage (or how it answered) at a step.
pub fn storage(backend: Backend, outcome: &Outcome, action: &Action) -> Vec<Line> {
    let order_id = action.order_id();
    match outcome {
        Outcome::Applied {
            storage, caveats, ..
        } => {
            let mut lines = match storage {
                StorageChange::Insert { table, row } => vec![Line::plain(format!(
                    "INSERT INTO {table}\n{} {}: {} × {}\ntotal {} · {}",
                    clean(row.order_id.as_str()),
                    clean(&row.customer),
                    row.quantity,
                    clean(&row.product),
                    row.total,
                    row.status
                ))],
                StorageChange::Update {
                    table,
                    order_id,
                    changes,
                } => {
                    let mut lines = vec![Line::under(
                        Mark::Overwritten,
                        format!("UPDATE {table} {}", clean(order_id.as_str())),
                    )];
                    lines.extend(changes.iter().map(|change| {
                        Line::under(
                            Mark::Overwritten,
                            format!(
                                "{}: {} → {}",
                                change.column,
                                clean(&change.old.to_string()),
                                clean(&change.new.to_string())
                            ),
                        )
                    }));
                    lines.push(Line::under(Mark::Overwritten, "(old values overwritten)"));
                    lines
                }
                StorageChange::Append { events } => events.iter().flat_map(appended).collect(),
            };
            lines.extend(
                caveats
                    .iter()
                    .map(|c| Line::marked(Mark::Cannot, caveat(c))),
            );
            lines
        }
        Outcome::Rejected {
            rejection: refused,
            evidence: seen,
            ..
        } => {
            let nothing = match backend {
                Backend::Crud => "(row unchanged)",
                Backend::Es => "(nothing appended)",
            };
            let mut lines = vec![
                Line::marked(Mark::Rejected, format!("rejected: {}", rejection(refused))),
                Line::under(Mark::Rejected, nothing),
            ];
            if let Some(seen) = seen {
                lines.extend(evidence(seen));
            }
            lines
        }
        Outcome::Answered { source: from, .. } => vec![Line::plain(source(from, order_id))],
        Outcome::History { .. } => vec![Line::plain(format!(
            "read the stream {} in the log",
            order_id.map_or(String::new(), |id| clean(id.as_str()))
        ))],
        Outcome::Report { source, .. } => {
            vec![Line::plain(format!("built with {}", report_source(source)))]
        }
        Outcome::Unavailable { reason, .. } => vec![Line::marked(
            Mark::Cannot,
            format!("cannot answer: {}", unanswerable(reason, order_id)),
        )],
        Outcome::ViewCrashed {
            orders_lost,
            checkpoint,
        } => vec![
            Line::marked(
                Mark::ViewDown,
                format!(
                    "OrderView dropped: {orders_lost} {} gone from memory{}",
                    plural(*orders_lost as u64, "orders"),
                    checkpoint.map_or(String::new(), |c| format!(
                        " (it had applied up to {})",
                        event_id(c)
                    ))
                ),
            ),
            Line::under(Mark::ViewDown, "the log is untouched"),
        ],
        Outcome::ViewRebuilt {
            replayed,
            snapshot,
            checkpoint,
            caught_up,
            matches_live,
            ignored_snapshot,
        } => {
            let mut lines = vec![Line::marked(
                Mark::ViewBack,
                format!(
                    "OrderView rebuilt: replayed {replayed} {}{}",
                    plural(*replayed, "events"),
                    checkpoint.map_or(String::new(), |c| format!(" up to {}", event_id(c)))
                ),
            )];
            if let Some(ignored) = ignored_snapshot {
                lines.push(Line::marked(
                    Mark::Cannot,
                    format!(
                        "the snapshot at {} was ignored: {}; the whole log was replayed instead",
                        event_id(ignored.checkpoint.max(0) as u64),
                        snapshot_fault(ignored.fault)
                    ),
                ));
            }
            if let Some(start) = snapshot {
                lines.push(Line::under(
                    Mark::ViewBack,
                    format!(
                        "from the snapshot at {}: a full replay reads {} {}",
                        event_id(start.checkpoint),
                        start.full_replay,
                        plural(start.full_replay, "events")
                    ),
                ));
            }
            lines.extend([Line::under(
                Mark::ViewBack,
                format!("{caught_up} of them appended while it was down"),
            )]);
            lines.push(if *matches_live {
                Line::under(Mark::ViewBack, "equals the view it would have had")
            } else {
                Line::marked(Mark::Cannot, "differs from the view it would have had")
            });
            lines
        }
        Outcome::SnapshotTaken { checkpoint, orders } => vec![Line::plain(match checkpoint {
            Some(c) => format!(
                "snapshot of OrderView stored at {}: {orders} {}, in its own table, never in the log",
                event_id(*c),
                plural(*orders as u64, "orders")
            ),
            None => "OrderView is empty: nothing to snapshot".into(),
        })],
        Outcome::Deployed {
            event_type,
            from,
            to,
            older_in_log,
        } => deployed(event_type, *from, *to, *older_in_log),
        Outcome::Migrated {
            table,
            column,
            default,
            rows_filled,
        } => migrated(table, column, default, *rows_filled),
        Outcome::NotApplicable { why } => vec![Line::plain(inapplicable(why, action))],
    }
}

/// Event sourcing's side of a deploy: only the writer changes.
pub fn deployed(event_type: &str, from: u32, to: u32, older_in_log: u64) -> Vec<Line> {
    let mut lines = vec![Line::plain(format!(
        "the writer now writes {event_type} v{to} (was v{from})"
    ))];
    lines.push(Line::plain(if older_in_log == 0 {
        format!("no event in the log is older than v{to}: nothing to upcast")
    } else {
        format!(
            "{older_in_log} older {} in the log as written (append-only): upcast to v{to} whenever read",
            if older_in_log == 1 { "event stays" } else { "events stay" }
        )
    }));
    lines
}

/// CRUD's side of a deploy: a migration, in place.
pub fn migrated(table: &str, column: &str, default: &str, rows_filled: u64) -> Vec<Line> {
    vec![
        Line::under(
            Mark::Overwritten,
            format!("ALTER TABLE {table} ADD COLUMN {column}"),
        ),
        Line::marked(
            Mark::Overwritten,
            format!(
                "{rows_filled} {} filled with \"{default}\", in place: what each would have said was never recorded",
                plural(rows_filled, "rows")
            ),
        ),
    ]
}

/// What a design answers at a step: the order's state, a history, a report.
pub fn answer(action: &Action, outcome: &Outcome) -> Vec<Line> {
    let no_order = || {
        let id = action.order_id().map_or("", |id| id.as_str());
        Line::plain(format!("no order {}", clean(id)))
    };
    match outcome {
        Outcome::Rejected { .. } => vec![Line::plain("(unchanged)")],
        Outcome::Applied { state: None, .. } => vec![Line::marked(
            Mark::ViewDown,
            "not visible until OrderView is rebuilt",
        )],
        Outcome::Applied {
            state: Some(state), ..
        }
        | Outcome::Answered {
            state: Some(state), ..
        } => vec![Line::plain(order_state(state))],
        Outcome::Answered { state: None, .. } => vec![no_order()],
        Outcome::History { events } if events.is_empty() => vec![no_order()],
        Outcome::History { events } => {
            // Which shape each event was written in matters once a stream mixes shapes.
            let mixed = events.iter().any(|e| e.schema_version > 1);
            events
                .iter()
                .map(|e| {
                    let who = e.metadata.as_ref().map_or(String::new(), |m| {
                        format!(" · {}", who_and_when(&m.actor, &m.recorded_at))
                    });
                    Line::plain(format!(
                        "v{} {} {}{}: {}{who}",
                        e.stream_version,
                        event_id(e.event_id),
                        e.event.event_type(),
                        if mixed { upcast_note(e) } else { String::new() },
                        attributes(&e.event, " ").join(", ")
                    ))
                })
                .collect()
        }
        Outcome::Report { report, .. } => {
            let mut lines = vec![Line::plain(report.columns.join(" | "))];
            lines.extend(report.rows.iter().map(|row| {
                let cells: Vec<String> = row.iter().map(|c| clean(c)).collect();
                Line::plain(cells.join(" | "))
            }));
            lines
        }
        Outcome::Unavailable {
            latest: Some(state),
            last_write,
            ..
        } => {
            let mut lines = vec![
                Line::marked(Mark::Cannot, "only the latest row:"),
                Line::under(Mark::Cannot, order_state(state)),
            ];
            if let Some(written) = last_write {
                lines.push(Line::under(Mark::Cannot, last_write_line(written)));
            }
            lines
        }
        Outcome::Unavailable { latest: None, .. } => vec![Line::marked(Mark::Cannot, "—")],
        Outcome::ViewCrashed { .. } => {
            vec![Line::marked(Mark::ViewDown, "queries unavailable")]
        }
        Outcome::ViewRebuilt { .. }
        | Outcome::NotApplicable { .. }
        | Outcome::Deployed { .. }
        | Outcome::Migrated { .. }
        | Outcome::SnapshotTaken { .. } => vec![Line::plain("—")],
    }
}

/// How two designs' answers at a step compare, when that is worth saying on the step.
pub fn agreement(agreement: Agreement) -> Option<Line> {
    match agreement {
        Agreement::Different => Some(Line::marked(
            Mark::Differs,
            "the designs answered differently",
        )),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// The whole run.

/// What a state history shows, said above it; `view_went_down` when it has ↯ rows.
pub fn history_caption(backend: Backend, view_went_down: bool) -> &'static str {
    match (backend, view_went_down) {
        (Backend::Crud, _) => {
            "CRUD: what eslab saw of the row from outside after each step. The table keeps only the last state of each order (the row now): every earlier one was overwritten by the next and is gone."
        }
        (Backend::Es, false) => {
            "Event sourcing: every state OrderView answered. Each can be rebuilt from the log, which keeps every event."
        }
        (Backend::Es, true) => {
            "Event sourcing: every state OrderView answered. Each can be rebuilt from the log, which keeps every event. ↯ marks a step whose events waited in the log while OrderView was down: it answered no state then."
        }
    }
}

/// The caption of both designs' histories in one table (the stacked layout).
pub fn histories_caption(view_went_down: bool) -> &'static str {
    if view_went_down {
        "CRUD keeps only the row now; event sourcing rebuilds any state from its log. ↯ marks a step whose events waited in the log while OrderView was down: it answered no state then."
    } else {
        "CRUD keeps only the row now; event sourcing rebuilds any state from its log."
    }
}

/// The steps whose commands event sourcing stored while OrderView was down, and what became
/// of their events: one line per rebuild that replayed them (or none yet).
pub fn view_down_steps(trace: &Trace) -> Vec<String> {
    let rebuilt_after = |after: usize| {
        trace.steps.iter().find_map(|s| {
            (s.step > after && matches!(s.result(Backend::Es), Some(Outcome::ViewRebuilt { .. })))
                .then_some(s.step)
        })
    };
    let mut groups: Vec<(Option<usize>, Vec<usize>)> = Vec::new();
    for step in &trace.steps {
        if !step
            .result(Backend::Es)
            .is_some_and(Outcome::applied_unseen)
        {
            continue;
        }
        let rebuilt = rebuilt_after(step.step);
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
                Some(at) => format!(
                    "{its} events are in the log and were replayed at step {at} {} {}",
                    Mark::ViewBack.symbol(),
                    "(the state came back with the rebuild)"
                ),
                None => format!("{its} events are in the log, waiting for `rebuild_view`"),
            };
            format!(
                "{} {} {}: OrderView was down, so event sourcing answered no state then; {after}.",
                Mark::ViewDown.symbol(),
                if one { "Step" } else { "Steps" },
                step_list(&steps)
            )
        })
        .collect()
}

/// Under a long run's histories: how many orders were left out, and where they all are.
pub fn histories_left_out(orders: usize) -> String {
    format!(
        "… and {orders} more {}, left out here: `eslab run … --format json` has every state of every order.",
        plural(orders as u64, "orders")
    )
}

/// A CRUD history row that a later UPDATE replaced.
pub fn overwritten_row() -> String {
    format!("{} overwritten", Mark::Overwritten.symbol())
}

/// The CRUD history row the table holds now.
pub fn current_row() -> &'static str {
    "the row now"
}

/// An event-sourcing history row for a step the view was down.
pub fn view_down_row() -> String {
    format!("{} view down", Mark::ViewDown.symbol())
}

/// The summary of a run of `backends`, one line per subject.
pub fn summary(summary: &Summary, backends: &[Backend]) -> Vec<String> {
    let mut lines = Vec::new();
    if summary.nothing_left {
        lines.push(
            "Nothing was left to run: an earlier run did every command of this scenario (--continue); only its questions were asked again."
                .to_string(),
        );
    }
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
    lines.push(format!("Storage: {}.", kept.join("; ")));
    let answered_by_both = summary.questions_compared;
    let queries = |n: usize| format!("{n} {}", plural(n as u64, "queries"));
    lines.push(match (summary.queries_identical, backends) {
        (None, [only]) => format!(
            "Queries: {} asked of {} alone: one design ran, so there is nothing to compare.",
            queries(summary.queries),
            only.label()
        ),
        (None, _) => format!("Queries: {}.", queries(summary.queries)),
        (Some(_), _) if answered_by_both == 0 => {
            "Queries: none that both designs could answer.".to_string()
        }
        (Some(true), _) => format!(
            "Queries: the two designs gave the same answer to {} they could both answer.",
            all(answered_by_both as u64, "queries")
        ),
        (Some(false), _) => {
            "Queries: the designs answered differently (see `eslab diff`).".to_string()
        }
    });
    if !summary.differing_steps.is_empty() {
        lines.push(format!(
            "{} Divergence: the designs answered differently at {} {}; they part at step {}.",
            Mark::Differs.symbol(),
            plural(summary.differing_steps.len() as u64, "steps"),
            step_list(&summary.differing_steps),
            summary.differing_steps[0]
        ));
    }
    if !summary.gap_steps.is_empty() {
        lines.push(format!(
            "{} Gaps: only one design could answer or keep it all at {} {} (not a divergence).",
            Mark::Cannot.symbol(),
            plural(summary.gap_steps.len() as u64, "steps"),
            step_list(&summary.gap_steps)
        ));
    }
    let expectations = &summary.expectations;
    if expectations.checked > 0 || !expectations.failures.is_empty() {
        lines.push(if expectations.failures.is_empty() {
            match expectations.checked {
                1 => format!(
                    "{} Expectations: the one checked holds.",
                    Mark::Held.symbol()
                ),
                n => format!(
                    "{} Expectations: {} checked hold.",
                    Mark::Held.symbol(),
                    all(n as u64, "")
                ),
            }
        } else {
            format!(
                "{} Expectations: {} of {} checked failed.",
                Mark::Failed.symbol(),
                expectations.failures.len(),
                expectations.checked
            )
        });
    }
    lines
}

/// `eslab diff`'s first line, for the scenario run under `name`.
pub fn diff_headline(name: &str, summary: &Summary) -> String {
    let name = clean(name);
    let differing = &summary.differing_steps;
    let both = summary.steps_compared as u64;
    if differing.is_empty() {
        format!(
            "identical: CRUD and event sourcing answered the same at {} of {name} that both could answer",
            match both {
                0 => "no step".to_string(),
                1 => "the one step".to_string(),
                2 => "both steps".to_string(),
                n => format!("all {n} steps"),
            }
        )
    } else {
        format!(
            "different: CRUD and event sourcing part at step {} of {name}; they differ at {} of the {both} {} both answered",
            differing[0],
            differing.len(),
            plural(both, "steps")
        )
    }
}

/// `eslab diff`'s line above its gaps.
pub fn diff_gaps(steps: &[usize]) -> String {
    format!(
        "gaps: only one design could answer or keep it all at {} {} (not a divergence)",
        plural(steps.len() as u64, "steps"),
        step_list(steps)
    )
}

// ---------------------------------------------------------------------------------------------
// `eslab live --predict`: what the room expects of each design, and how it went.

/// What the room can predict of a design at a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guess {
    /// Stored the command, or answered the question.
    Applied,
    /// Refused the command by its rules.
    Rejected,
    /// Cannot answer: it does not keep what the question needs.
    CannotAnswer,
}

impl Guess {
    pub const ALL: [Guess; 3] = [Guess::Applied, Guess::Rejected, Guess::CannotAnswer];

    /// What a design did, as the room predicts it.
    pub fn of(outcome: &Outcome) -> Guess {
        match outcome {
            Outcome::Rejected { .. } => Guess::Rejected,
            Outcome::Unavailable { .. } => Guess::CannotAnswer,
            _ => Guess::Applied,
        }
    }

    /// The key that picks it.
    pub fn key(self) -> char {
        match self {
            Guess::Applied => 'a',
            Guess::Rejected => 'r',
            Guess::CannotAnswer => 'c',
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            Guess::Applied => "applied",
            Guess::Rejected => "rejected",
            Guess::CannotAnswer => "cannot answer",
        }
    }
}

/// The question before a step runs: what will `backend` do?
pub fn predict_question(backend: Backend) -> String {
    let keys: Vec<String> = Guess::ALL
        .iter()
        .map(|g| format!("{} {}", g.key(), g.words()))
        .collect();
    format!(
        "Predict: what will {} do? {} (Esc: don't run it)",
        short(backend),
        keys.join(" · ")
    )
}

/// A prediction against what the design did: `✓ CRUD applied` or `✘ ES rejected (it was
/// applied)`; a prediction is the room's own expectation, so it holds or fails like one.
pub fn prediction(backend: Backend, guess: Guess, actual: Guess) -> Line {
    if guess == actual {
        Line::marked(Mark::Held, format!("{} {}", short(backend), guess.words()))
    } else {
        Line::marked(
            Mark::Failed,
            format!(
                "{} {} (it was {})",
                short(backend),
                guess.words(),
                actual.words()
            ),
        )
    }
}

/// The room's score so far.
pub fn score(right: u64, asked: u64) -> String {
    format!("score {right} of {asked}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_long_text_is_cut() {
        assert_eq!(clean("Bob"), "Bob");
        assert_eq!(clean("\u{1b}[31mEvil"), "\\u{1b}[31mEvil");
        assert_eq!(clean("two\nlines"), "two\\nlines");
        let long = "x".repeat(200);
        assert_eq!(clean(&long).chars().count(), 61);
        assert!(clean(&long).ends_with('…'));
        assert_eq!(clean_prose("a\u{7}b"), "a\\u{7}b");
    }

    #[test]
    fn the_legend_names_every_mark_once_with_its_own_symbol() {
        let mut symbols: Vec<&str> = Mark::ALL.iter().map(|m| m.symbol()).collect();
        symbols.sort();
        symbols.dedup();
        assert_eq!(symbols.len(), Mark::ALL.len(), "a symbol means two things");
        for mark in Mark::ALL {
            let line = format!("  {}  {}", mark.symbol(), mark.meaning());
            assert!(LEGEND.lines().any(|l| l == line), "LEGEND lacks {line:?}");
        }
        assert_eq!(LEGEND.lines().count(), Mark::ALL.len() + 1);
    }

    #[test]
    fn an_event_id_never_reads_as_a_count() {
        assert_eq!(event_id(1), "#1");
        assert_eq!(event_id(2001), "#2001");
    }

    #[test]
    fn an_expectation_reads_as_one_line() {
        use crate::domain::{Money, ReportQuery, Status};
        let report = Action::Question(Question::Report(ReportQuery::built_in(
            ReportName::QuantityChanges,
        )));
        assert_eq!(expectation(&Expect::default(), &report), None);
        let state = Expect {
            ok: Some(true),
            status: Some(Status::Paid),
            quantity: Some(5),
            paid: Some(Money::from_cents(4300)),
            ..Expect::default()
        };
        assert_eq!(
            expectation(&state, &report).unwrap(),
            "expect: applied, status Paid, quantity 5, paid $43.00"
        );
        let rejected = Expect {
            rejected: Some("does not\nmatch".into()),
            ..Expect::default()
        };
        assert_eq!(
            expectation(&rejected, &report).unwrap(),
            "expect: rejected …does not\\nmatch…"
        );
        let row = Expect {
            row: Some(
                [
                    ("paid", "yes"),
                    ("customer", "\u{1b}[31mBob"),
                    ("order", "A1"),
                ]
                .into_iter()
                .map(|(c, v)| (c.to_string(), v.to_string()))
                .collect(),
            ),
            ..Expect::default()
        };
        assert_eq!(
            expectation(&row, &report).unwrap(),
            "expect: row order A1, customer \\u{1b}[31mBob, paid yes"
        );
    }
}
