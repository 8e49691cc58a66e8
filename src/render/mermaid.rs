//! `--format mermaid`: the run as a Mermaid sequence diagram, in the spirit of the classic
//! side-by-side figure: the user, the order service, the CRUD database on one side, and the
//! event store with `OrderView` listening on the other.

use crate::scenario::{Action, ViewAction};
use crate::service::{Backend, OrderState, Outcome, Question, StorageChange};
use crate::trace::{StepRecord, Trace};

use super::text;

/// Message text made safe for Mermaid: one line (control characters escaped), no `;` or `#` (which Mermaid reads as syntax)
/// and no `<`/`>` (read as HTML).
fn safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text::clean_prose(text).chars() {
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

fn state_line(state: &OrderState) -> String {
    let version = state.version.map_or(String::new(), |v| format!(", v{v}"));
    format!(
        "{} {}: {} × {} = {}, paid {}{version}",
        state.order_id, state.status, state.quantity, state.unit_price, state.total, state.paid
    )
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
            warning,
        } => {
            match storage {
                StorageChange::Insert { row, .. } => {
                    out.push(format!("Service->>CRUD: INSERT {}", safe(&state_line(row))))
                }
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
                    out.push("Note over CRUD: old values overwritten".into());
                }
                StorageChange::Append { events } => {
                    for event in events {
                        out.push(format!(
                            "Service->>Store: append {} {}",
                            event.event_id,
                            event.event.event_type()
                        ));
                        out.push(format!(
                            "Store-->>View: publish {} {}",
                            event.event_id,
                            event.event.event_type()
                        ));
                    }
                }
            }
            if let Some(warning) = warning {
                out.push(format!("Note over {db}: ! {}", safe(warning)));
            }
            let answer = match (backend, state) {
                (_, Some(state)) => state_line(state),
                (Backend::Es, None) => "not visible: OrderView is down".into(),
                (Backend::Crud, None) => "no row".into(),
            };
            out.push(format!("Service-->>User: {db_name}: {}", safe(&answer)));
        }
        Outcome::Rejected { reason, .. } => {
            out.push(format!(
                "Service--xUser: {db_name}: rejected, {}",
                safe(reason)
            ));
        }
        Outcome::Answered { state, .. } => {
            let (reader, ask) = match (backend, &step.action) {
                (Backend::Es, Action::Question(Question::Query(q))) if q.as_of.is_some() => (
                    "Store",
                    format!("replay the stream up to {}", q.as_of.unwrap_or(0)),
                ),
                (Backend::Es, _) => ("View", "get".to_string()),
                (Backend::Crud, _) => ("CRUD", "SELECT".to_string()),
            };
            let id = step.action.order_id().map_or("", |id| id.as_str());
            let answer = state.as_ref().map_or(format!("no order {id}"), state_line);
            out.push(format!("Service->>{reader}: {ask} {}", safe(id)));
            out.push(format!("{reader}-->>Service: {}", safe(&answer)));
            out.push(format!("Service-->>User: {db_name}: {}", safe(&answer)));
        }
        Outcome::History { events, .. } => {
            let id = step.action.order_id().map_or("", |id| id.as_str());
            out.push(format!("Service->>Store: read stream {}", safe(id)));
            let types: Vec<String> = events
                .iter()
                .map(|e| format!("{} {}", e.event_id, e.event.event_type()))
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
            out.push(format!(
                "Service-->>User: {db_name}: {} ({} rows)",
                report.name,
                report.rows.len()
            ));
        }
        Outcome::Unavailable { reason, .. } => {
            let over = match backend {
                Backend::Crud => "CRUD",
                Backend::Es => "View",
            };
            out.push(format!("Note over {over}: cannot answer: {}", safe(reason)));
        }
        Outcome::ViewCrashed { .. } => {
            out.push("Note over View: ✗ crashed: its memory is gone, the log is not".into())
        }
        Outcome::ViewRebuilt { replayed, .. } => {
            out.push(format!("Store-->>View: replay all {replayed} events"));
            out.push("Note over View: rebuilt".into());
        }
        Outcome::NotApplicable { .. } => {
            if let Action::View(ViewAction::CrashView(_) | ViewAction::RebuildView(_)) = step.action
                && backend == Backend::Crud
            {
                out.push("Note over CRUD: no view to lose".into());
            }
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
}
