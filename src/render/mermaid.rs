//! `--format mermaid`: the run as a Mermaid sequence diagram, in the spirit of the classic
//! side-by-side figure: the user, the order service, the CRUD database on one side, and the
//! event store with `OrderView` listening on the other.

use crate::domain::Question;
use crate::narrate::{self as text, Mark, event_id};
use crate::scenario::Action;
use crate::service::{Backend, Outcome, StorageChange};
use crate::trace::{StepRecord, Trace};

use super::{all, plural};

/// Mermaid sizes a note's box by its text, and longer notes overflow it: a note says at most
/// this many characters (messages are kept whole).
const NOTE_MAX_CHARS: usize = 70;

/// Message text made safe for Mermaid: one line (control characters escaped), no `;` or `#` (which Mermaid reads as syntax)
/// and no `<`/`>` (read as HTML).
fn safe(text: &str) -> String {
    entities(&text::clean_prose(text))
}

/// A note over a participant, its text made safe and cut to `NOTE_MAX_CHARS`.
fn note(over: &str, text: &str) -> String {
    let text = cut(&text::clean_prose(text), NOTE_MAX_CHARS);
    format!("Note over {over}: {}", entities(&text))
}

/// `text` if it has at most `max` characters; otherwise cut with `…`, at a space if there is
/// one in its second half.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let kept: String = text.chars().take(max - 1).collect();
    let kept = match kept.rfind(' ') {
        Some(at) if kept[..at].chars().count() >= max / 2 => &kept[..at],
        _ => kept.as_str(),
    };
    format!("{}…", kept.trim_end_matches([' ', ',', ';', ':']))
}

/// Escapes what Mermaid would read as syntax or HTML.
fn entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            ';' => out.push_str("#59;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            c => out.push(c),
        }
    }
    out
}

fn one_line(action: &Action) -> String {
    text::action(action).replace('\n', ": ")
}

pub fn sequence_diagram(trace: &Trace) -> String {
    let crud = trace.backends.contains(&Backend::Crud);
    let es = trace.backends.contains(&Backend::Es);
    let mut out = String::new();
    let mut line = |text: String| {
        out.push_str("    ");
        out.push_str(&text);
        out.push('\n');
    };
    line(format!("title {}", safe(&trace.scenario.title)));
    line("actor User".into());
    line("participant Service as Order service".into());
    if crud {
        line("participant CRUD as CRUD database (orders)".into());
    }
    if es {
        line("participant Store as Event store (events)".into());
        line("participant View as OrderView (in memory)".into());
    }
    for step in &trace.steps {
        line(format!(
            "User->>Service: {}. {}",
            step.step,
            safe(&one_line(&step.action))
        ));
        for result in &step.results {
            for message in messages(step, result.backend, &result.outcome) {
                line(message);
            }
        }
    }
    format!("sequenceDiagram\n{out}")
}

/// The messages one design exchanges for one step.
fn messages(step: &StepRecord, backend: Backend, outcome: &Outcome) -> Vec<String> {
    let (db, db_name) = match backend {
        Backend::Crud => ("CRUD", "CRUD"),
        Backend::Es => ("Store", "ES"),
    };
    let mut out = Vec::new();
    match outcome {
        Outcome::Applied {
            storage,
            state,
            caveats,
        } => {
            match storage {
                StorageChange::Insert { row, .. } => out.push(format!(
                    "Service->>CRUD: INSERT {}",
                    safe(&text::order_state_line(row))
                )),
                StorageChange::Update {
                    order_id, changes, ..
                } => {
                    let changes: Vec<String> = changes
                        .iter()
                        .map(|c| format!("{} {} → {}", c.column, c.old, c.new))
                        .collect();
                    out.push(format!(
                        "Service->>CRUD: UPDATE {} SET {}",
                        safe(order_id.as_str()),
                        safe(&changes.join(", "))
                    ));
                    out.push(note("CRUD", "→ old values overwritten"));
                }
                StorageChange::Append { events } => {
                    // While OrderView is down nothing is published: the events wait in the log.
                    let view_down = outcome.applied_unseen();
                    for event in events {
                        let said =
                            format!("{} {}", event_id(event.event_id), event.event.event_type());
                        out.push(format!("Service->>Store: + append {}", safe(&said)));
                        if !view_down {
                            out.push(format!("Store-->>View: publish {}", safe(&said)));
                        }
                    }
                    if view_down && !events.is_empty() {
                        let ids: Vec<String> =
                            events.iter().map(|e| event_id(e.event_id)).collect();
                        let waits = if ids.len() == 1 { "waits" } else { "wait" };
                        out.push(note(
                            "Store",
                            &format!("↯ {} {waits} in the log: OrderView is down", ids.join(", ")),
                        ));
                    }
                }
            }
            for caveat in caveats {
                out.push(note(db, &format!("! {}", text::caveat(caveat))));
            }
            let answer = match (backend, state) {
                (_, Some(state)) => text::order_state_line(state),
                (Backend::Es, None) => "not visible: OrderView is down".into(),
                (Backend::Crud, None) => "no row".into(),
            };
            out.push(format!("Service-->>User: {db_name}: {}", safe(&answer)));
        }
        Outcome::Rejected { rejection, .. } => {
            out.push(format!(
                "Service--xUser: {db_name}: ✗ rejected, {}",
                safe(&text::rejection(rejection))
            ));
        }
        Outcome::Answered { state, .. } => {
            let id = step.action.order_id().map_or("", |id| id.as_str());
            let (reader, ask) = match (backend, &step.action) {
                (Backend::Es, Action::Question(Question::Query(q))) if q.as_of.is_some() => (
                    "Store",
                    format!("replay the stream of {id} up to {}", q.as_of.unwrap_or(0)),
                ),
                (Backend::Es, _) => ("View", format!("get {id}")),
                (Backend::Crud, _) => ("CRUD", format!("SELECT {id}")),
            };
            let answer = state
                .as_ref()
                .map_or(format!("no order {id}"), text::order_state_line);
            out.push(format!("Service->>{reader}: {}", safe(&ask)));
            out.push(format!("{reader}-->>Service: {}", safe(&answer)));
            out.push(format!("Service-->>User: {db_name}: {}", safe(&answer)));
        }
        Outcome::History { events } => {
            let id = step.action.order_id().map_or("", |id| id.as_str());
            out.push(format!("Service->>Store: read stream {}", safe(id)));
            let types: Vec<String> = events
                .iter()
                .map(|e| format!("{} {}", event_id(e.event_id), e.event.event_type()))
                .collect();
            out.push(format!("Store-->>Service: {}", safe(&types.join(", "))));
            out.push(format!("Service-->>User: ES: {} events", events.len()));
        }
        Outcome::Report { report, .. } => {
            let ask = match backend {
                Backend::Crud => "SELECT … GROUP BY",
                Backend::Es => "read every event",
            };
            out.push(format!("Service->>{db}: {ask}"));
            let rows = report.rows.len() as u64;
            out.push(format!(
                "Service-->>User: {db_name}: {} ({rows} {})",
                report.name,
                plural(rows, "rows")
            ));
        }
        Outcome::Unavailable { reason, .. } => {
            let over = match backend {
                Backend::Crud => "CRUD",
                Backend::Es => "View",
            };
            out.push(note(
                over,
                &format!(
                    "! cannot answer: {}",
                    text::unanswerable(reason, step.action.order_id())
                ),
            ));
        }
        Outcome::ViewCrashed { .. } => out.push(note(
            "View",
            &text::joined(&text::storage(backend, outcome, &step.action)).replace('\n', "; "),
        )),
        Outcome::ViewRebuilt {
            replayed, snapshot, ..
        } => {
            if let Some(start) = snapshot {
                out.push(format!(
                    "Store-->>View: load the snapshot at {}",
                    safe(&event_id(start.checkpoint))
                ));
            }
            out.push(format!(
                "Store-->>View: replay {}",
                all(*replayed, "events")
            ));
            out.push(note(
                "View",
                &format!("{} OrderView rebuilt", Mark::ViewBack.symbol()),
            ));
        }
        Outcome::SnapshotTaken { .. } => out.push(note(
            "View",
            &text::joined(&text::storage(backend, outcome, &step.action)).replace('\n', "; "),
        )),
        Outcome::Deployed { .. } => out.push(note(
            "Service",
            &text::joined(&text::storage(backend, outcome, &step.action)).replace('\n', "; "),
        )),
        Outcome::Migrated { .. } => out.push(note(
            "CRUD",
            &text::joined(&text::storage(backend, outcome, &step.action)).replace('\n', "; "),
        )),
        Outcome::NotApplicable { why } => {
            let over = match backend {
                Backend::Crud => "CRUD",
                Backend::Es => "View",
            };
            out.push(note(over, &text::inapplicable(why, &step.action)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_text_cannot_break_the_diagram() {
        assert_eq!(safe("a; b # c <d>"), "a#59; b #35; c #lt;d#gt;");
        assert_eq!(safe("two\nlines"), "two\\nlines");
    }

    #[test]
    fn long_notes_are_cut_and_stay_safe() {
        assert_eq!(note("View", "rebuilt"), "Note over View: rebuilt");
        let long = format!("{}; and then some more words", "word ".repeat(20));
        let cut = note("CRUD", &long);
        let said = cut.strip_prefix("Note over CRUD: ").unwrap();
        assert!(said.chars().count() <= NOTE_MAX_CHARS, "{said}");
        assert!(said.ends_with("word…"), "{said}");
        let unbroken = "x;".repeat(50);
        let said = note("CRUD", &unbroken);
        assert!(!said.contains("; "), "{said}");
        assert!(said.ends_with("x…"), "{said}");
        assert_eq!(said.matches("#59;").count(), 34, "{said}");
    }
}
