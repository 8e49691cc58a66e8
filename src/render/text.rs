//! The words in the cells: how an action, a storage change, a rejection or a state reads,
//! and the role that colours it.

use crate::domain::Command;
use crate::es::StoredEvent;
use crate::scenario::{Action, ViewAction};
use crate::service::{Backend, OrderState, Outcome, Question, StorageChange};

/// What a cell shows, by meaning; the terminal renderer picks a colour per role. Every role
/// that is coloured also carries a symbol (`+`, `→`, `✗`, `!`), so nothing depends on colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Role {
    #[default]
    Plain,
    /// Appended to the log.
    Added,
    /// Overwritten in place.
    Overwritten,
    /// Refused.
    Rejected,
    /// Cannot answer, or a write that could not be checked.
    Warning,
}

/// A cell's text and role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    pub role: Role,
}

impl Cell {
    pub fn new(text: impl Into<String>, role: Role) -> Cell {
        Cell {
            text: text.into(),
            role,
        }
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell::new(text, Role::Plain)
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::new(text, Role::Plain)
    }
}

/// Text from a user's file, made safe to print: control characters (ANSI escapes, newlines)
/// are shown escaped, never sent to the terminal, and very long text is cut.
pub fn clean(text: &str) -> String {
    const MAX_CHARS: usize = 60;
    let mut out = String::new();
    for (count, c) in text.chars().enumerate() {
        if count == MAX_CHARS {
            out.push('…');
            break;
        }
        push_escaped(&mut out, c);
    }
    out
}

/// A note or description: kept whole (it is narration), but control characters escaped.
pub fn clean_prose(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    out
}

fn push_escaped(out: &mut String, c: char) {
    if c.is_control() {
        out.extend(c.escape_default());
    } else {
        out.push(c);
    }
}

fn expected_version(version: Option<u64>) -> String {
    version.map_or(String::new(), |v| format!("\n(read at version {v})"))
}

pub fn action(action: &Action) -> String {
    let name = action.name();
    let id = action
        .order_id()
        .map_or(String::new(), |id| format!(" {}", clean(id.as_str())));
    match action {
        Action::Command(Command::PlaceOrder(c)) => format!(
            "{name}{id}\n{}: {} × {} @ {}",
            clean(&c.customer),
            c.quantity,
            clean(&c.product),
            c.unit_price
        ),
        Action::Command(Command::ChangeQuantity(c)) => format!(
            "{name}{id}\nquantity → {}{}",
            c.quantity,
            expected_version(c.expected_version)
        ),
        Action::Command(Command::Pay(c)) => format!(
            "{name}{id}\namount {}{}",
            c.amount,
            expected_version(c.expected_version)
        ),
        Action::Command(Command::Cancel(c)) => format!(
            "{name}{id}\nreason: {}{}",
            clean(&c.reason),
            expected_version(c.expected_version)
        ),
        Action::Question(Question::Query(q)) => match q.as_of {
            Some(as_of) => format!("{name}{id}\nas of event {as_of}"),
            None => format!("{name}{id}"),
        },
        Action::Question(Question::History(_)) => format!("{name}{id}"),
        Action::Question(Question::Report(r)) => format!("{name}\n{}", r.name),
        Action::View(ViewAction::CrashView(_) | ViewAction::RebuildView(_)) => name.to_string(),
    }
}

/// The step column: the action, then the note that narrates it.
pub fn step(action_text: String, note: Option<&str>) -> String {
    match note {
        Some(note) => format!("{action_text}\n\n{}", clean_prose(note)),
        None => action_text,
    }
}

pub fn event(stored: &StoredEvent) -> String {
    let attributes: Vec<String> = stored
        .event
        .attributes()
        .into_iter()
        .map(|(name, value)| format!("{name}: {}", clean(&value)))
        .collect();
    format!(
        "+ {} {}\n  {} v{}\n  {}",
        stored.event_id,
        stored.event.event_type(),
        clean(stored.stream_id.as_str()),
        stored.stream_version,
        attributes.join("\n  ")
    )
}

/// What a backend did (to its storage, or to answer) at a step.
pub fn storage(backend: Backend, outcome: &Outcome) -> Cell {
    match outcome {
        Outcome::Applied {
            storage, warning, ..
        } => {
            let mut cell = match storage {
                StorageChange::Insert { table, row } => Cell::new(
                    format!(
                        "+ INSERT INTO {table}\n{} {}: {} × {}\ntotal {} · {}",
                        clean(row.order_id.as_str()),
                        clean(&row.customer),
                        row.quantity,
                        clean(&row.product),
                        row.total,
                        row.status
                    ),
                    Role::Plain,
                ),
                StorageChange::Update {
                    table,
                    order_id,
                    changes,
                } => {
                    let mut text = format!("UPDATE {table} {}", clean(order_id.as_str()));
                    for change in changes {
                        text.push_str(&format!(
                            "\n{}: {} → {}",
                            change.column,
                            clean(&change.old.to_string()),
                            clean(&change.new.to_string())
                        ));
                    }
                    text.push_str("\n(old values overwritten)");
                    Cell::new(text, Role::Overwritten)
                }
                StorageChange::Append { events } => {
                    let events: Vec<String> = events.iter().map(event).collect();
                    Cell::new(events.join("\n"), Role::Added)
                }
            };
            if let Some(warning) = warning {
                cell.text.push_str(&format!("\n! {warning}"));
                cell.role = Role::Warning;
            }
            cell
        }
        Outcome::Rejected { reason, detail } => {
            let nothing = match backend {
                Backend::Crud => "row unchanged",
                Backend::Es => "nothing appended",
            };
            let mut text = format!("✗ rejected: {}\n({nothing})", clean_prose(reason));
            if let Some(detail) = detail {
                text.push_str(&format!("\n{}", clean_prose(detail)));
            }
            Cell::new(text, Role::Rejected)
        }
        Outcome::Answered { source, .. }
        | Outcome::History { source, .. }
        | Outcome::Report { source, .. } => Cell::new(format!("read {source}"), Role::Plain),
        Outcome::Unavailable { reason, .. } => Cell::new(
            format!("! cannot answer: {}", clean_prose(reason)),
            Role::Warning,
        ),
        Outcome::ViewCrashed {
            orders_lost,
            checkpoint,
        } => Cell::new(
            format!(
                "✗ OrderView dropped: {orders_lost} orders gone from memory{}\nthe log is untouched",
                checkpoint.map_or(String::new(), |c| format!(" (it had applied up to {c})"))
            ),
            Role::Rejected,
        ),
        Outcome::ViewRebuilt {
            replayed,
            checkpoint,
            caught_up,
            matches_live,
        } => Cell::new(
            format!(
                "+ OrderView rebuilt: replayed {replayed} events{}\n{caught_up} of them appended while it was down\n{}",
                checkpoint.map_or(String::new(), |c| format!(" up to {c}")),
                if *matches_live {
                    "equals the view it would have had"
                } else {
                    "! differs from the view it would have had"
                }
            ),
            Role::Added,
        ),
        Outcome::NotApplicable { reason } => Cell::new(clean_prose(reason), Role::Plain),
    }
}

/// What a backend answers at a step: the order's state, a history, a report.
pub fn answer(action: &Action, outcome: &Outcome) -> Cell {
    let no_order = || {
        let id = action.order_id().map_or("", |id| id.as_str());
        format!("no order {}", clean(id))
    };
    match outcome {
        Outcome::Rejected { .. } => Cell::new("(unchanged)", Role::Plain),
        Outcome::Applied { state: None, .. } => {
            Cell::new("(not visible until OrderView is rebuilt)", Role::Warning)
        }
        Outcome::Applied {
            state: Some(state), ..
        }
        | Outcome::Answered {
            state: Some(state), ..
        } => order_state(state).into(),
        Outcome::Answered { state: None, .. } => no_order().into(),
        Outcome::History { events, .. } if events.is_empty() => no_order().into(),
        Outcome::History { events, .. } => {
            let lines: Vec<String> = events
                .iter()
                .map(|e| {
                    let attributes: Vec<String> = e
                        .event
                        .attributes()
                        .into_iter()
                        .map(|(name, value)| format!("{name} {}", clean(&value)))
                        .collect();
                    format!(
                        "v{} {} {}: {}",
                        e.stream_version,
                        e.event_id,
                        e.event.event_type(),
                        attributes.join(", ")
                    )
                })
                .collect();
            lines.join("\n").into()
        }
        Outcome::Report { report, .. } => {
            let mut lines = vec![report.columns.join(" | ")];
            lines.extend(report.rows.iter().map(|row| {
                let cells: Vec<String> = row.iter().map(|c| clean(c)).collect();
                cells.join(" | ")
            }));
            lines.join("\n").into()
        }
        Outcome::Unavailable {
            latest: Some(state),
            ..
        } => Cell::new(
            format!("only the latest row:\n{}", order_state(state)),
            Role::Warning,
        ),
        Outcome::Unavailable { latest: None, .. } => Cell::new("—", Role::Warning),
        Outcome::ViewCrashed { .. } => Cell::new("queries unavailable", Role::Warning),
        Outcome::ViewRebuilt { .. } | Outcome::NotApplicable { .. } => "—".into(),
    }
}

pub fn order_state(state: &OrderState) -> String {
    let version = match state.version {
        Some(v) => format!(" · v{v}"),
        None => String::new(),
    };
    format!(
        "{} {}{version}\n{} × {} = {}\npaid {}",
        clean(state.order_id.as_str()),
        state.status,
        state.quantity,
        state.unit_price,
        state.total,
        state.paid,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_long_text_is_cut() {
        assert_eq!(clean("Bob"), "Bob");
        assert_eq!(clean("\u{1b}[31mEvil"), "\\u{1b}[31mEvil");
        assert_eq!(clean("two\nlines"), "two\\nlines");
        let long = "x".repeat(200);
        assert_eq!(clean(&long).chars().count(), 61);
        assert!(clean(&long).ends_with('…'));
        assert_eq!(clean_prose("a\u{7}b"), "a\\u{7}b");
    }
}
