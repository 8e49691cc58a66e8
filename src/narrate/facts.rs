//! Small facts: ids, plurals, money and states, design names, events on one line.

use crate::domain::{Actor, Event, LastWrite, Metadata, StoredEvent, Timestamp};
use crate::sanitize::clean;
use crate::service::{Backend, OrderState, SnapshotFault};

use super::*;

/// Why a snapshot does not match the log, in words.
pub(crate) fn snapshot_fault(fault: SnapshotFault) -> &'static str {
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

/// A snapshot's fault in a sentence (`verify` says it so, below narration).
impl std::fmt::Display for SnapshotFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(snapshot_fault(*self))
    }
}

/// An event id, written as an id so that it never reads as a count: `#2001`.
pub(crate) fn event_id(id: u64) -> String {
    format!("#{id}")
}

/// `rows` → `row` for one; `queries` → `query`; `events` → `event`.
pub(crate) fn plural(count: u64, unit: &str) -> String {
    match (count, unit) {
        (1, "queries") => "query".into(),
        (1, unit) => unit.trim_end_matches('s').into(),
        (_, unit) => unit.into(),
    }
}

/// Every one of `count` things: "all 3 queries", but "both queries", "the one query" and
/// "no queries". An empty `unit` counts alone ("all 3", "both").
pub(crate) fn all(count: u64, unit: &str) -> String {
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

pub(crate) fn step_list(steps: &[usize]) -> String {
    let steps: Vec<String> = steps.iter().map(|s| s.to_string()).collect();
    steps.join(", ")
}

// The two designs' names, in one place.

/// A design's short name, for summaries: `CRUD`, `ES`.
pub(crate) fn short(backend: Backend) -> &'static str {
    match backend {
        Backend::Crud => "CRUD",
        Backend::Es => "ES",
    }
}

/// A design's name: `CRUD`, `Event sourcing`.
pub(crate) const fn design_name(backend: Backend) -> &'static str {
    match backend {
        Backend::Crud => "CRUD",
        Backend::Es => "Event sourcing",
    }
}

/// A design in a sentence (`failed on CRUD`) is its name; the layers below narration print
/// a `Backend` only through this.
impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(design_name(*self))
    }
}

/// A design as the heading of what it stores: `CRUD: orders table`.
pub(crate) const fn design_heading(backend: Backend) -> &'static str {
    match backend {
        Backend::Crud => "CRUD: orders table",
        Backend::Es => "Event sourcing: event log",
    }
}

/// The heading of what a design answered: `CRUD answers`.
pub(crate) const fn answers_heading(backend: Backend) -> &'static str {
    match backend {
        Backend::Crud => "CRUD answers",
        Backend::Es => "ES answers",
    }
}

/// An event's own attributes as `name{separator}value`, values made safe to print.
pub(crate) fn attributes(event: &Event, separator: &str) -> Vec<String> {
    event
        .attributes()
        .into_iter()
        .map(|(name, value)| format!("{name}{separator}{}", clean(&value)))
        .collect()
}

/// An event on one line: `#2002 ModifyOrderEvent (quantity 6)`.
pub(crate) fn event_line(stored: &StoredEvent) -> String {
    format!(
        "{} {} ({})",
        event_id(stored.event_id),
        stored.event.event_type(),
        attributes(&stored.event, " ").join(", ")
    )
}

/// Who and when, as a history says it: `by support at 2026-03-01T10:15:00Z`.
pub(crate) fn who_and_when(by: &Actor, at: &Timestamp) -> String {
    format!("by {} at {at}", clean(by.as_str()))
}

/// Who recorded an event and when, for a narrow table cell: the actor, the date and the
/// time, each a line (`support`, `2026-03-01`, `10:15:00Z`); `—` for an event written
/// before envelopes kept it.
pub(crate) fn recorded(metadata: Option<&Metadata>) -> Vec<String> {
    metadata.map_or(vec!["—".into()], |m| {
        let at = m.recorded_at.to_string();
        let (date, time) = at.split_once('T').unwrap_or((&at, ""));
        vec![clean(m.actor.as_str()), date.to_string(), time.to_string()]
    })
}

/// What a CRUD row says of its writers: the last one only.
pub(crate) fn last_write_line(written: &LastWrite) -> String {
    format!(
        "last written {}; who wrote before, and when, was overwritten",
        who_and_when(&written.by, &written.at)
    )
}

/// Where a snapshot of OrderView was taken, marked in the log after the event it holds up
/// to: a rebuild starts there and replays only the events after it.
pub(crate) fn snapshot_here(checkpoint: u64) -> String {
    format!(
        "── snapshot of OrderView at {}: a rebuild starts here ──",
        event_id(checkpoint)
    )
}

/// An event's shape: the version of its payload's layout, which a deploy changes. Written
/// `shape 2`, never `v2`: `v2` is a stream's version (the second event of an order).
pub(crate) fn shape(version: u32) -> String {
    format!("shape {version}")
}

/// ` (written in shape 1, read as shape 2)` for an event stored in an older shape than its
/// type's newest.
pub(crate) fn upcast_note(stored: &StoredEvent) -> String {
    let latest = crate::domain::upcast::latest(stored.event.event_type()).unwrap_or(1);
    if stored.schema_version < latest {
        format!(
            " (written in {}, read as {})",
            shape(stored.schema_version),
            shape(latest)
        )
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
pub(crate) fn view_heading(checkpoint: Option<u64>, down: bool) -> String {
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
pub(crate) fn view_as_of(event: u64) -> String {
    format!(
        "OrderView as of {}: the log replayed up to it",
        event_id(event)
    )
}

/// What CRUD can say while the time-travel cursor is on an event: nothing of the past.
pub(crate) fn row_as_of(event: u64) -> String {
    format!(
        "{} the orders table keeps only each order's latest row: how it stood as of {} was overwritten",
        Mark::Cannot.symbol(),
        event_id(event)
    )
}

/// OrderView while down, in the live view: it answers nothing until `:rebuild`, the key
/// the room types.
pub(crate) fn view_down_answers() -> String {
    view_down_waits(":rebuild")
}

/// The column headings of the orders table as the live view shows each row.
pub(crate) const ROW_COLUMNS: [&str; 8] = [
    "order_id", "customer", "product", "quantity", "price", "total", "paid", "status",
];

/// A row's values, in `ROW_COLUMNS` order.
pub(crate) fn row_values(state: &OrderState) -> [String; 8] {
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

/// An appended event as it shows in the log column: id and type, then as its attributes
/// its stream and version, the shape it was written in (past the first) and its own
/// attributes.
pub(crate) fn appended(stored: &StoredEvent) -> Vec<Line> {
    appended_as(stored, false)
}

/// `appended`, with (`who`) who issued the event's command and when, as its last attribute.
pub(crate) fn appended_as(stored: &StoredEvent, who: bool) -> Vec<Line> {
    let attribute = |text: String| Line::under(Mark::Appended, text).as_(Role::Attribute);
    let mut lines = vec![
        Line::marked(
            Mark::Appended,
            format!(
                "{} {}",
                event_id(stored.event_id),
                stored.event.event_type()
            ),
        ),
        attribute(format!(
            "{} v{}",
            clean(stored.stream_id.as_str()),
            stored.stream_version
        )),
    ];
    if stored.schema_version > 1 {
        lines.push(attribute(format!(
            "written as {}",
            shape(stored.schema_version)
        )));
    }
    lines.extend(attributes(&stored.event, ": ").into_iter().map(attribute));
    if let Some(m) = stored.metadata.as_ref().filter(|_| who) {
        lines.push(attribute(who_and_when(&m.actor, &m.recorded_at)));
    }
    lines
}

/// An order's state in three short lines: the order, its status and version; its amounts;
/// what it has paid. `mark` colours them all.
pub(crate) fn order_state(mark: Option<Mark>, state: &OrderState) -> Vec<Line> {
    let version = match state.version {
        Some(v) => format!(" · v{v}"),
        None => String::new(),
    };
    let line = |role: Role, text: String| Line { mark, role, text };
    vec![
        line(
            Role::Title,
            format!(
                "{} {}{version}",
                clean(state.order_id.as_str()),
                state.status
            ),
        ),
        line(
            Role::Detail,
            format!(
                "{} × {} = {}",
                state.quantity, state.unit_price, state.total
            ),
        ),
        line(Role::Detail, format!("paid {}", state.paid)),
    ]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_id_never_reads_as_a_count() {
        assert_eq!(event_id(1), "#1");
        assert_eq!(event_id(2001), "#2001");
    }
}
