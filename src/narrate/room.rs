//! A room's own words: what others wrote, as a live view following the room shows it
//! (`eslab live --store … --room …`, and `--watch`).

use super::facts::{event_id, order_state_line, plural};
use super::marks::{Line, Mark};
use crate::domain::StoredEvent;
use crate::pg::{LateReader, READ_BEFORE, ReaderStory};
use crate::sanitize::clean;
use crate::service::OrderState;

/// The header of a frame that shows what others wrote, not a step of this session.
pub(crate) fn arrival_title(events: usize, rows: usize) -> String {
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
pub(crate) fn arrived_row(
    state: &OrderState,
    before: Option<&OrderState>,
    by: Option<&str>,
) -> Line {
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
pub(crate) fn arrived_event(event: &StoredEvent) -> Line {
    let by = event.metadata.as_ref().map_or(String::new(), |m| {
        format!(" by {}", clean(m.actor.as_str()))
    });
    Line::marked(
        Mark::Appended,
        format!("{} appended{by}", event_id(event.event_id)),
    )
}

/// The footer's word when others wrote while this view showed an earlier step.
pub(crate) fn room_moved_on() -> String {
    "others wrote to the room: End shows what arrived".into()
}

/// `--watch` refuses what is typed.
pub(crate) fn watch_is_read_only() -> String {
    "--watch only shows the room: type commands in your own `eslab live … --as NAME`".into()
}

/// `eslab room late-reader`: the question before the outcome, each way of giving ids as it
/// played out on the server, then the note.
pub(crate) fn late_reader(lesson: &LateReader) -> Vec<String> {
    let title = "The late reader: when ids are given out of commit order";
    let mut lines = vec![
        title.to_string(),
        "=".repeat(title.chars().count()),
        String::new(),
        format!(
            "A reader follows the log as a projection does: it remembers the last event id it \
             read and asks for the events after it. It has read up to {}.",
            event_id(READ_BEFORE as u64)
        ),
        String::new(),
        "Question: a slow writer takes the next id and has not committed yet; a fast writer \
         takes the id after it and commits first. The reader looks, the slow writer commits, \
         and the reader looks again. Will the reader ever read the slow writer's event?"
            .into(),
        String::new(),
        "1. Ids from a sequence (nextval, as an identity or serial column draws them)".into(),
    ];
    let seq = &lesson.sequence;
    lines.push(format!(
        "   slow writer: took {}, not committed yet",
        event_id(seq.slow as u64)
    ));
    lines.push(format!(
        "   fast writer: took {}, committed",
        event_id(seq.fast as u64)
    ));
    lines.extend(reader_lines(seq));
    lines.push(String::new());
    lines.push(
        "2. eslab's room: the next id taken from the log's head row, locked inside the \
         append's transaction"
            .into(),
    );
    let head = &lesson.head_row;
    lines.push(format!(
        "   slow writer: took {}, not committed yet (it holds the head row)",
        event_id(head.slow as u64)
    ));
    lines.push(if head.fast_waited {
        "   fast writer: waits for the head row".into()
    } else {
        "   fast writer: did not wait for the head row".into()
    });
    lines.extend(reader_lines(head));
    lines.push(String::new());
    lines.push(
        "Note: a sequence gives an id when it is drawn, not when it commits, so a higher id \
         can be read before a lower one is visible; the reader then asks only for ids after \
         the higher one and passes over the lower one for good. eslab takes the next id from \
         one head row that each append locks until it commits: writers take turns through \
         their commits, so an id is readable only once every lower one is, and none is ever \
         skipped. The price: appends to a room commit one at a time."
            .into(),
    );
    lines
}

/// The reader's two looks, the slow writer's commit between them, and the verdict.
fn reader_lines(story: &ReaderStory) -> Vec<String> {
    let ids = |ids: &[i64]| match ids {
        [] => "nothing".to_string(),
        ids => ids
            .iter()
            .map(|&id| event_id(id as u64))
            .collect::<Vec<_>>()
            .join(", "),
    };
    let first = story.remembered(&story.first_look, READ_BEFORE);
    let second = story.remembered(&story.second_look, first);
    let mut lines = vec![
        format!(
            "   reader, after {}: reads {} → remembers {}",
            event_id(READ_BEFORE as u64),
            ids(&story.first_look),
            event_id(first as u64)
        ),
        format!(
            "   slow writer: commits {}{}",
            event_id(story.slow as u64),
            if story.fast_waited {
                format!(
                    "; fast writer: takes {}, commits",
                    event_id(story.fast as u64)
                )
            } else {
                String::new()
            }
        ),
        format!(
            "   reader, after {}: reads {} → remembers {}",
            event_id(first as u64),
            ids(&story.second_look),
            event_id(second as u64)
        ),
    ];
    let missed = story.missed();
    lines.push(if missed.is_empty() {
        format!(
            "   {} the log holds {}; the reader read every one",
            Mark::Held.symbol(),
            ids(&story.in_log)
        )
    } else {
        format!(
            "   {} the log holds {}; the reader never read {}, and never will: it asks only for ids after {}",
            Mark::Rejected.symbol(),
            ids(&story.in_log),
            ids(&missed),
            event_id(second as u64)
        )
    });
    lines
}
