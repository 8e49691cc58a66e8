//! `eslab log`: the stored events with their hashes.

use serde::Serialize;

use super::{Doc, Format, Layout, Style, plural};
use crate::es::StoredEvent;
use crate::narrate as text;
use crate::trace::SCHEMA_VERSION;

/// A stored event with its link in the tamper-evident chain.
#[derive(Serialize)]
pub(crate) struct LoggedEvent {
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

/// `eslab log --format json` written as the log is read, an event at a time, in the bytes
/// of the whole document pretty-printed at once: a long log is never held.
pub(crate) struct JsonLog<'w, W: std::io::Write> {
    out: &'w mut W,
    events: usize,
}

impl<'w, W: std::io::Write> JsonLog<'w, W> {
    pub(crate) fn begin(out: &'w mut W) -> anyhow::Result<JsonLog<'w, W>> {
        write!(
            out,
            "{{\n  \"schema_version\": {SCHEMA_VERSION},\n  \"events\": ["
        )?;
        Ok(JsonLog { out, events: 0 })
    }

    pub(crate) fn event(&mut self, event: &LoggedEvent) -> anyhow::Result<()> {
        self.out.write_all(if self.events == 0 {
            b"\n    "
        } else {
            b",\n    "
        })?;
        self.events += 1;
        crate::json::write_indented(&mut *self.out, 2, event)
    }

    pub(crate) fn finish(self) -> anyhow::Result<()> {
        self.out.write_all(if self.events == 0 {
            b"]\n}\n"
        } else {
            b"\n  ]\n}\n"
        })?;
        Ok(())
    }

    /// Ends the document of a log that could not be read to its end (a row that does not
    /// decode, read with --trust), as a whole document: the events read, then `"stopped"`
    /// with the error, as a failed run's JSON ends. The error is still reported as usual.
    pub(crate) fn stop(self, error: &str) -> anyhow::Result<()> {
        self.out.write_all(if self.events == 0 {
            b"],\n"
        } else {
            b"\n  ],\n"
        })?;
        self.out.write_all(b"  \"stopped\": ")?;
        crate::json::write_indented(
            &mut *self.out,
            1,
            &serde_json::json!({"after_event": self.events, "error": error}),
        )?;
        self.out.write_all(b"\n}\n")?;
        Ok(())
    }
}

/// `eslab log`: the stored events, in event-id order, each snapshot of OrderView marked
/// after the event it holds up to (`snapshots`: their checkpoints). The JSON lists events
/// only.
pub(crate) fn log(events: &[LoggedEvent], snapshots: &[u64], style: Style) -> String {
    let mut doc = Doc::default();
    doc.heading(1, "Event log");
    if stacked(style) {
        let width = style.width.columns();
        for logged in events {
            let mut block = record(logged, width);
            if snapshots.contains(&logged.event.event_id) {
                block.extend(
                    super::stacked::wrap(&text::snapshot_here(logged.event.event_id), width)
                        .into_iter()
                        .map(|line| (None, line)),
                );
            }
            doc.laid(block);
        }
    } else {
        log_table(&mut doc, events);
        if !snapshots.is_empty() {
            doc.lines(
                snapshots
                    .iter()
                    .map(|&at| text::snapshot_here(at))
                    .collect(),
            );
        }
    }
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

/// Whether a terminal table would be too narrow to show identifiers, amounts and times
/// whole: then each row is a block of lines wrapped at spaces, as `eslab run` stacks its
/// steps below the same width.
pub(super) fn stacked(style: Style) -> bool {
    style.format == Format::Table && Layout::for_width(style.width.columns()) == Layout::Stacked
}

/// One event as a block: id, type, stream and version, shape and hash; its attributes; who
/// recorded it and when. Each part stays whole on a line where it fits.
fn record(logged: &LoggedEvent, width: usize) -> Vec<super::stacked::Marked> {
    let e = &logged.event;
    let hash: String = logged.hash.chars().take(12).collect();
    let recorded = match &e.metadata {
        Some(m) => format!("recorded {}", text::who_and_when(&m.actor, &m.recorded_at)),
        None => "recorded — (before envelopes kept who and when)".to_string(),
    };
    let head = vec![
        format!("{} {}", text::event_id(e.event_id), e.event.event_type()),
        format!(
            "{} v{}",
            crate::sanitize::clean(e.stream_id.as_str()),
            e.stream_version
        ),
        format!("{}{}", text::shape(e.schema_version), upcast_mark(e)),
        format!("hash {hash}"),
    ];
    let mut lines = super::stacked::pack_parts(&head, "", width);
    lines.extend(super::stacked::pack_parts(
        &text::attributes(&e.event, ": "),
        "  ",
        width,
    ));
    lines.extend(super::stacked::pack_parts(&[recorded], "  ", width));
    lines.into_iter().map(|line| (None, line)).collect()
}

fn log_table(doc: &mut Doc, events: &[LoggedEvent]) {
    let rows = events
        .iter()
        .map(|logged| {
            let e = &logged.event;
            vec![
                e.event_id.to_string(),
                crate::sanitize::clean(e.stream_id.as_str()),
                e.stream_version.to_string(),
                e.event.event_type().to_string(),
                format!("{}{}", e.schema_version, upcast_mark(e)),
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
}

/// ` → 2` when the event is read through an upcaster (to that shape).
fn upcast_mark(stored: &StoredEvent) -> String {
    let latest = crate::domain::upcast::latest(stored.event.event_type()).unwrap_or(1);
    if stored.schema_version < latest {
        format!(" → {latest}")
    } else {
        String::new()
    }
}

fn payload_text(stored: &StoredEvent) -> String {
    text::attributes(&stored.event, ": ").join("\n")
}
