//! What a design answers at a step, and how the designs' answers compare.

use crate::sanitize::clean;
use crate::scenario::Action;
use crate::service::{Agreement, Backend, OrderState, Outcome};
use crate::trace::StepRecord;

use super::*;

/// What a design answered at a step, saying who wrote and when where the step's scenario
/// teaches it (`StepRecord::who_and_when`).
pub(crate) fn step_answer(record: &StepRecord, backend: Backend) -> Vec<Line> {
    record.result(backend).map_or_else(Vec::new, |outcome| {
        answer_as(&record.action, outcome, record.who_and_when)
    })
}

/// What a design answers at a step: the order's state, a history (who and when with each
/// event), a report.
pub(crate) fn answer(action: &Action, outcome: &Outcome) -> Vec<Line> {
    answer_as(action, outcome, true)
}

fn answer_as(action: &Action, outcome: &Outcome, who: bool) -> Vec<Line> {
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
        } => order_state(None, state),
        Outcome::Answered { state: None, .. } => vec![no_order()],
        Outcome::History { events } if events.is_empty() => vec![no_order()],
        Outcome::History { events } => {
            // Which shape each event was written in matters once a stream mixes shapes.
            let mixed = events.iter().any(|e| e.schema_version > 1);
            let mut lines: Vec<Line> = events
                .iter()
                .map(|e| {
                    let who = match e.metadata.as_ref().filter(|_| who) {
                        Some(m) => format!(" · {}", who_and_when(&m.actor, &m.recorded_at)),
                        None => String::new(),
                    };
                    Line::plain(format!(
                        "v{} {} {}{}: {}{who}",
                        e.stream_version,
                        event_id(e.event_id),
                        e.event.event_type(),
                        if mixed { upcast_note(e) } else { String::new() },
                        attributes(&e.event, " ").join(", ")
                    ))
                })
                .collect();
            if who {
                lines.extend(quantity_changed(events));
            }
            lines
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
            let mut lines = vec![Line::marked(Mark::Cannot, "only the latest row:")];
            lines.extend(order_state(Some(Mark::Cannot), state));
            if let Some(written) = last_write.as_ref().filter(|_| who) {
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

/// What both designs answered, when they answered alike: said once, under both columns. The
/// state (without a version), then the version each design keeps of it; or, when neither
/// has a state (no such order, a rejection), the answer both gave.
pub(crate) fn both_answered(crud: &Outcome, es: &Outcome, action: &Action) -> Vec<Line> {
    let (crud_answer, es_answer) = (answer(action, crud), answer(action, es));
    let mut lines = match (crud.state(), es.state()) {
        (Some(crud), Some(es)) => {
            let mut lines = order_state(
                None,
                &OrderState {
                    version: None,
                    ..crud.clone()
                },
            );
            for (design, state) in [(Backend::Crud, crud), (Backend::Es, es)] {
                if let Some(v) = state.version {
                    lines.push(Line::plain(format!("{} at v{v}", short(design))).as_(Role::Detail));
                }
            }
            lines
        }
        _ if crud_answer == es_answer => crud_answer,
        _ => return Vec::new(),
    };
    if let Some(first) = lines.first_mut() {
        first.text = format!("both answer {}", first.text);
    }
    lines
}

/// A report's answer where its table is laid out right under the step: how many rows.
pub(crate) fn report_in_table(report: &crate::domain::Report) -> Vec<Line> {
    let rows = report.rows.len() as u64;
    vec![Line::plain(if rows == 0 {
        "no rows".to_string()
    } else {
        format!("{rows} {}, in the table below", plural(rows, "rows"))
    })]
}

/// A report's answer where its table is in a section of its own, after the steps.
pub(crate) fn report_in_section(step: usize, report: &crate::domain::Report) -> Vec<Line> {
    let rows = report.rows.len() as u64;
    vec![Line::plain(format!(
        "{rows} {}: see Report at step {step}",
        plural(rows, "rows")
    ))]
}

/// What heads a report's table under its step: the designs that answered with it.
pub(crate) fn report_answered_by(backends: &[Backend]) -> String {
    match backends {
        [one] => format!("{} answers:", design_name(*one)),
        _ => "Both designs answer:".into(),
    }
}

/// A run of similar steps told as one: `Steps 3–12: ten quantity changes · A1, B2`.
pub(crate) fn steps_run_title(
    first: usize,
    last: usize,
    action: &Action,
    orders: &[&str],
) -> String {
    let count = last + 1 - first;
    let what = match action.name() {
        "place_order" => "orders placed",
        "change_quantity" => "quantity changes",
        "pay" => "payments",
        "cancel" => "cancellations",
        other => other,
    };
    const LISTED: usize = 6;
    let ids = orders;
    let mut orders: Vec<String> = ids.iter().take(LISTED).map(|o| clean(o)).collect();
    let more = ids.len().saturating_sub(LISTED);
    if more > 0 {
        orders.push(format!("{more} more"));
    }
    format!(
        "Steps {first}–{last}: {} {what} · {}",
        count_word(count),
        orders.join(", ")
    )
}

/// A count in words up to twelve, in digits after.
fn count_word(count: usize) -> String {
    const WORDS: [&str; 13] = [
        "no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve",
    ];
    WORDS
        .get(count)
        .map_or_else(|| count.to_string(), |w| (*w).to_string())
}

/// What a design stored over a run of similar steps, in one line: the rows it inserted or
/// overwrote, or the events it appended.
pub(crate) fn run_storage(outcomes: &[&Outcome]) -> Vec<Line> {
    use crate::service::StorageChange;
    let (mut inserts, mut updates) = (0u64, 0u64);
    let mut events: Vec<&crate::domain::StoredEvent> = Vec::new();
    let mut table = "orders";
    for outcome in outcomes {
        if let Outcome::Applied { storage, .. } = outcome {
            match storage {
                StorageChange::Insert { table: t, .. } => {
                    inserts += 1;
                    table = t;
                }
                StorageChange::Update { table: t, .. } => {
                    updates += 1;
                    table = t;
                }
                StorageChange::Append { events: appended } => events.extend(appended),
            }
        }
    }
    let mut lines = Vec::new();
    if inserts > 0 {
        lines.push(Line::plain(format!("{inserts} × INSERT INTO {table}")));
    }
    if updates > 0 {
        lines.push(Line::under(
            Mark::Overwritten,
            format!("{updates} × UPDATE {table}"),
        ));
        lines.push(Line::under(Mark::Overwritten, "(old values overwritten)"));
    }
    if let (Some(first), Some(last)) = (events.first(), events.last()) {
        let mut types: Vec<&str> = Vec::new();
        for event in &events {
            if !types.contains(&event.event.event_type()) {
                types.push(event.event.event_type());
            }
        }
        let n = events.len() as u64;
        let what = match types[..] {
            [one] => format!("{n} × {one}"),
            _ => format!("{n} {}: {}", plural(n, "events"), types.join(", ")),
        };
        lines.push(Line::marked(
            Mark::Appended,
            format!("{}–{}", event_id(first.event_id), event_id(last.event_id)),
        ));
        lines.push(Line::under(Mark::Appended, what).as_(Role::Attribute));
    }
    lines
}

/// Whether a design's answer at a step says nothing (a view operation, a deploy): a layout
/// with room to spare shows "—", a tight one may leave it out.
pub(crate) fn answers_nothing(outcome: &Outcome) -> bool {
    matches!(
        outcome,
        Outcome::ViewRebuilt { .. }
            | Outcome::NotApplicable { .. }
            | Outcome::Deployed { .. }
            | Outcome::Migrated { .. }
            | Outcome::SnapshotTaken { .. }
    )
}

/// Who changed the order's quantity last, and when, as its log says: the last
/// ModifyOrderEvent's envelope (the last writer of the order may be someone else).
fn quantity_changed(events: &[crate::domain::StoredEvent]) -> Option<Line> {
    let changed = events
        .iter()
        .rev()
        .find(|e| e.event.event_type() == "ModifyOrderEvent")?;
    let m = changed.metadata.as_ref()?;
    Some(Line::plain(format!(
        "quantity last changed {} ({})",
        who_and_when(&m.actor, &m.recorded_at),
        event_id(changed.event_id)
    )))
}

/// How two designs' answers at a step compare, when that is worth saying on the step.
pub(crate) fn agreement(agreement: Agreement) -> Option<Line> {
    match agreement {
        Agreement::Different => Some(Line::marked(
            Mark::Differs,
            "the designs answered differently",
        )),
        _ => None,
    }
}
