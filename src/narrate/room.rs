//! A room's own words: what others wrote, as a live view following the room shows it
//! (`eslab live --store … --room …`, and `--watch`).

use super::facts::{order_state_line, plural};
use super::marks::{Line, Mark};
use crate::domain::StoredEvent;
use crate::sanitize::clean;
use crate::service::OrderState;

/// The header of a frame that shows what others wrote, not a step of this session.
pub fn arrival_title(events: usize, rows: usize) -> String {
    let mut parts = Vec::new();
    if events > 0 {
        parts.push(format!("{events} {}", plural(events as u64, "events")));
    }
    if rows > 0 {
        parts.push(format!("{rows} {}", plural(rows as u64, "rows")));
    }
    format!("from the room: {}", parts.join(" and "))
}

/// What arrived in the CRUD table: each row as it is now, and who wrote it.
pub fn arrived_row(state: &OrderState, before: Option<&OrderState>, by: Option<&str>) -> Line {
    let by = by.map_or(String::new(), |by| format!(" (written by {})", clean(by)));
    match before {
        Some(_) => Line::marked(
            Mark::Overwritten,
            format!("UPDATE {}{by}", order_state_line(state)),
        ),
        None => Line::plain(format!("INSERT {}{by}", order_state_line(state))),
    }
}

/// What arrived in the log: each event, and who appended it.
pub fn arrived_event(event: &StoredEvent) -> Line {
    let by = event.metadata.as_ref().map_or(String::new(), |m| {
        format!(" by {}", clean(m.actor.as_str()))
    });
    Line::marked(
        Mark::Appended,
        format!("{} appended{by}", super::facts::event_id(event.event_id)),
    )
}

/// The footer's word when others wrote while this view showed an earlier step.
pub fn room_moved_on() -> String {
    "others wrote to the room: End shows what arrived".into()
}

/// `--watch` refuses what is typed.
pub fn watch_is_read_only() -> String {
    "--watch only shows the room: type commands in your own `eslab live … --as NAME`".into()
}
