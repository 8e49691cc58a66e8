//! `eslab log`: the stored events with their hashes.

use serde::Serialize;

use super::{Doc, Style, plural};
use crate::es::StoredEvent;
use crate::narrate as text;
use crate::trace::SCHEMA_VERSION;

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
                format!("v{}{}", e.schema_version, upcast_mark(e)),
                payload_text(e),
                text::recorded(e.metadata.as_ref()).join("\n"),
                logged.hash.chars().take(12).collect(),
            ]
        })
        .collect();
    doc.table(
        &[
            "Event id", "Stream", "Version", "Type", "Shape", "Payload", "Recorded", "Hash",
        ],
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

/// `→ v2` when the event is read through an upcaster.
fn upcast_mark(stored: &StoredEvent) -> String {
    let latest = crate::domain::upcast::latest(stored.event.event_type()).unwrap_or(1);
    if stored.schema_version < latest {
        format!(" → v{latest}")
    } else {
        String::new()
    }
}

fn payload_text(stored: &StoredEvent) -> String {
    text::attributes(&stored.event, ": ").join("\n")
}
