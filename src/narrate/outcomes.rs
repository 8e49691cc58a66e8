//! The facts a design reports about its storage, in words.

use crate::domain::projection::Keep;
use crate::domain::{OrderId, Rejection, ReportKind, ReportName, ReportQuery};
use crate::sanitize::{clean, clean_prose};
use crate::scenario::{Action, ViewAction};
use crate::service::{
    Backend, Caveat, Evidence, Inapplicable, Outcome, ReportSource, Source, StorageChange,
    Unanswerable,
};
use crate::trace::StepRecord;

use super::*;

/// The rule that refused a command, as the rule states it.
pub(crate) fn rejection(rejection: &Rejection) -> String {
    clean_prose(&rejection.to_string())
}

/// What a design could not do for a command it stored.
pub(crate) fn caveat(caveat: &Caveat) -> String {
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
            "the {field} is not kept: the writer writes {}, which has no field for it, so \"{}\" is gone",
            super::shape(*shape),
            clean(value)
        ),
    }
}

/// What a design can say about a stale write it refused.
pub(crate) fn evidence(evidence: &Evidence) -> Vec<Line> {
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
                    .map(|e| Line::under(Mark::Rejected, event_line(e)).as_(Role::Item)),
            );
            lines
        }
        Evidence::RowOnlyNewest => vec![
            Line::marked(
                Mark::Cannot,
                "the row holds only its newest version: what the competing change was, it cannot say",
            )
            .as_(Role::Caveat),
        ],
    }
}

/// Where a design read an answer from.
pub(crate) fn source(source: &Source, order_id: Option<&OrderId>) -> String {
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
pub(crate) fn report_source(source: &ReportSource) -> String {
    match source {
        ReportSource::Sql { query: None } => {
            "SELECT … GROUP BY customer on the orders table".into()
        }
        // Built by eslab from a validated read model: shown whole.
        ReportSource::Sql { query: Some(query) } => clean_prose(query),
        ReportSource::ReadModel { events } => format!(
            "a new read model over the whole log ({events} {})",
            plural(*events, "events")
        ),
    }
}

/// Why a design cannot answer.
/// Why OrderView answers nothing while down, naming the step that rebuilds it as the reader
/// writes it: `rebuild_view` in a scenario, `:rebuild` in the live view.
pub(crate) fn view_down_waits(rebuild: &str) -> String {
    format!("OrderView is down: queries wait for `{rebuild}`; the events are safe in the log")
}

pub(crate) fn unanswerable(reason: &Unanswerable, order_id: Option<&OrderId>) -> String {
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
        Unanswerable::ViewDown => view_down_waits("rebuild_view"),
        Unanswerable::SumTooLarge => format!(
            "a sum in this report passes {}, the most a report adds up to (a SQLite integer): no design answers it",
            crate::domain::Money::from_cents(crate::domain::report::MAX_SUM)
        ),
    }
}

/// What CRUD can say when asked how an order stood at an earlier event (the page's time
/// travel): nothing, its row keeps only the latest state.
pub(crate) fn row_keeps_latest() -> Line {
    Line::marked(
        Mark::Cannot,
        unanswerable(&Unanswerable::HistoryNotKept, None),
    )
}

/// Why a step does not apply to a design.
pub(crate) fn inapplicable(why: &Inapplicable, action: &Action) -> String {
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
pub(crate) fn report_asks(query: &ReportQuery) -> String {
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
pub(crate) fn report_question(name: ReportName) -> &'static str {
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
pub(crate) fn crud_cannot_answer(name: ReportName) -> Option<String> {
    (!name.crud_can_answer()).then(|| unanswerable(&Unanswerable::ReportNeedsHistory, None))
}

/// What a design did to its storage (or how it answered) at a step, saying who wrote and
/// when where the step's scenario teaches it (`StepRecord::who_and_when`).
pub(crate) fn step_storage(record: &StepRecord, backend: Backend) -> Vec<Line> {
    record.result(backend).map_or_else(Vec::new, |outcome| {
        storage_as(backend, outcome, &record.action, record.who_and_when)
    })
}

/// What a design did to its storage (or how it answered) at a step; who and when left out.
pub(crate) fn storage(backend: Backend, outcome: &Outcome, action: &Action) -> Vec<Line> {
    storage_as(backend, outcome, action, false)
}

fn storage_as(backend: Backend, outcome: &Outcome, action: &Action, who: bool) -> Vec<Line> {
    let order_id = action.order_id();
    match outcome {
        Outcome::Applied {
            storage, caveats, ..
        } => {
            let mut lines = storage_change_as(storage, who);
            lines.extend(caveat_lines(caveats));
            lines
        }
        Outcome::Rejected {
            rejection: refused,
            evidence: seen,
            ..
        } => rejected(backend, refused, seen.as_ref()),
        Outcome::Answered { source: from, .. } => vec![Line::plain(source(from, order_id))],
        Outcome::History { .. } => vec![Line::plain(format!(
            "read the stream {} in the log",
            order_id.map_or(String::new(), |id| clean(id.as_str()))
        ))],
        Outcome::Report { source, .. } => {
            vec![Line::plain(format!("built with {}", report_source(source)))]
        }
        Outcome::Unavailable { reason, .. } => vec![
            Line::marked(
                Mark::Cannot,
                format!("cannot answer: {}", unanswerable(reason, order_id)),
            )
            .as_(Role::Caveat),
        ],
        Outcome::ViewCrashed {
            orders_lost,
            checkpoint,
        } => view_crashed(*orders_lost, *checkpoint),
        Outcome::ViewRebuilt { .. } => view_rebuilt(outcome),
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

/// What a design did to its storage, for a view that shows the log in a pane of its own:
/// the events appended at the step are there (marked new), so they are left out here, and
/// the flag says so.
pub(crate) fn storage_besides_log(
    backend: Backend,
    outcome: &Outcome,
    action: &Action,
) -> (Vec<Line>, bool) {
    match outcome {
        Outcome::Applied {
            storage: StorageChange::Append { .. },
            caveats,
            ..
        } => (caveat_lines(caveats), true),
        _ => (storage(backend, outcome, action), false),
    }
}

/// The columns that say who last wrote a row, and when.
const WHO_AND_WHEN: [&str; 2] = ["updated_by", "updated_at"];

/// What a store wrote: the row inserted, the columns an update overwrote, or the events
/// appended (each as the log shows it); with who wrote and when (`who`: an update's
/// `updated_by` and `updated_at` overwritten, an event's envelope) or without.
fn storage_change_as(change: &StorageChange, who: bool) -> Vec<Line> {
    match change {
        StorageChange::Insert { table, row } => vec![
            Line::plain(format!("INSERT INTO {table}")),
            Line::plain(format!(
                "{} {}: {} × {}",
                clean(row.order_id.as_str()),
                clean(&row.customer),
                row.quantity,
                clean(&row.product),
            ))
            .as_(Role::Detail),
            Line::plain(format!("total {} · {}", row.total, row.status)).as_(Role::Detail),
        ],
        StorageChange::Update {
            table,
            order_id,
            changes,
        } => {
            let mut lines = vec![Line::under(
                Mark::Overwritten,
                format!("UPDATE {table} {}, overwriting:", clean(order_id.as_str())),
            )];
            let shown = changes
                .iter()
                .filter(|change| who || !WHO_AND_WHEN.contains(&change.column));
            lines.extend(shown.map(|change| {
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
            lines
        }
        StorageChange::Append { events } => {
            events.iter().flat_map(|e| appended_as(e, who)).collect()
        }
    }
}

/// What a design could not do for a command it stored, a line each.
pub(crate) fn caveat_lines(caveats: &[Caveat]) -> Vec<Line> {
    caveats
        .iter()
        .map(|c| Line::marked(Mark::Cannot, caveat(c)).as_(Role::Caveat))
        .collect()
}

/// A command the rules refused: the rule, that nothing was stored, and what the design can
/// say of a stale write.
fn rejected(backend: Backend, refused: &Rejection, seen: Option<&Evidence>) -> Vec<Line> {
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

fn view_crashed(orders_lost: usize, checkpoint: Option<u64>) -> Vec<Line> {
    vec![
        Line::marked(
            Mark::ViewDown,
            format!(
                "OrderView dropped: {orders_lost} {} gone from memory{}",
                plural(orders_lost as u64, "orders"),
                checkpoint.map_or(String::new(), |c| format!(
                    " (it had applied up to {})",
                    event_id(c)
                ))
            ),
        ),
        Line::under(Mark::ViewDown, "the log is untouched"),
    ]
}

fn view_rebuilt(outcome: &Outcome) -> Vec<Line> {
    let Outcome::ViewRebuilt {
        replayed,
        snapshot,
        checkpoint,
        caught_up,
        matches_live,
        ignored_snapshot,
    } = outcome
    else {
        return Vec::new();
    };
    let mut lines = vec![Line::marked(
        Mark::ViewBack,
        format!(
            "OrderView rebuilt: replayed {replayed} {}{}",
            plural(*replayed, "events"),
            checkpoint.map_or(String::new(), |c| format!(" up to {}", event_id(c)))
        ),
    )];
    if let Some(ignored) = ignored_snapshot {
        lines.push(
            Line::marked(
                Mark::Cannot,
                format!(
                    "the snapshot at {} was ignored: {}; the whole log was replayed instead",
                    event_id(ignored.checkpoint.max(0) as u64),
                    snapshot_fault(ignored.fault)
                ),
            )
            .as_(Role::Caveat),
        );
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
    lines.push(Line::under(
        Mark::ViewBack,
        format!("{caught_up} of them appended while it was down"),
    ));
    lines.push(if *matches_live {
        Line::under(Mark::ViewBack, "equals the view it would have had")
    } else {
        Line::marked(Mark::Cannot, "differs from the view it would have had").as_(Role::Caveat)
    });
    lines
}

/// Event sourcing's side of a deploy: only the writer changes.
pub(crate) fn deployed(event_type: &str, from: u32, to: u32, older_in_log: u64) -> Vec<Line> {
    let mut lines = vec![Line::plain(format!(
        "the writer now writes {event_type} in {} (was {})",
        shape(to),
        shape(from)
    ))];
    lines.push(Line::plain(if older_in_log == 0 {
        format!("no event in the log is older than {}: nothing to upcast", shape(to))
    } else {
        format!(
            "{older_in_log} older {} in the log as written (append-only): upcast to {} whenever read",
            if older_in_log == 1 { "event stays" } else { "events stay" },
            shape(to)
        )
    }));
    lines
}

/// CRUD's side of a deploy: a migration, in place.
pub(crate) fn migrated(table: &str, column: &str, default: &str, rows_filled: u64) -> Vec<Line> {
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
