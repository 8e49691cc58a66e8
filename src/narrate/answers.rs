//! What a design answers at a step, and how the designs' answers compare.

use crate::sanitize::clean;
use crate::scenario::Action;
use crate::service::{Agreement, Outcome};

use super::*;

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
        } => order_state(None, state),
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
            let mut lines = vec![Line::marked(Mark::Cannot, "only the latest row:")];
            lines.extend(order_state(Some(Mark::Cannot), state));
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
