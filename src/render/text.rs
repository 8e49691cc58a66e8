//! The words in the cells: how an action, a storage change, a rejection or a state reads.

use crate::domain::Command;
use crate::es::StoredEvent;
use crate::scenario::{Action, QueryStep};
use crate::service::{Backend, OrderState, StorageChange};
use crate::trace::Outcome;

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
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// A note or description: kept whole (it is narration), but control characters escaped.
pub fn clean_prose(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}

pub fn action(action: &Action) -> String {
    let name = action.name();
    let id = clean(action.order_id().as_str());
    match action {
        Action::Command(Command::PlaceOrder(c)) => format!(
            "{name} {id}\n{}: {} × {} @ {}",
            clean(&c.customer),
            c.quantity,
            clean(&c.product),
            c.unit_price
        ),
        Action::Command(Command::ChangeQuantity(c)) => {
            format!("{name} {id}\nquantity → {}", c.quantity)
        }
        Action::Command(Command::Pay(c)) => format!("{name} {id}\namount {}", c.amount),
        Action::Command(Command::Cancel(c)) => {
            format!("{name} {id}\nreason: {}", clean(&c.reason))
        }
        Action::Query(QueryStep::Query(_)) => format!("{name} {id}"),
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

/// What a backend did to its storage at a step.
pub fn storage(backend: Backend, outcome: &Outcome) -> String {
    match outcome {
        Outcome::Applied { storage, .. } => match storage {
            StorageChange::Insert { table, row } => format!(
                "INSERT INTO {table}\n{} {}: {} × {}\ntotal {} · {}",
                clean(row.order_id.as_str()),
                clean(&row.customer),
                row.quantity,
                clean(&row.product),
                row.total,
                row.status
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
                if !changes.is_empty() {
                    text.push_str("\n(old values overwritten)");
                }
                text
            }
            StorageChange::Append { events } => {
                let events: Vec<String> = events.iter().map(event).collect();
                events.join("\n")
            }
        },
        Outcome::Rejected { reason } => {
            let nothing = match backend {
                Backend::Crud => "row unchanged",
                Backend::Es => "nothing appended",
            };
            format!("✗ rejected: {}\n({nothing})", clean_prose(reason))
        }
        Outcome::Answered { source, .. } => format!("read {source}"),
    }
}

/// The state a backend answers at a step.
pub fn answer(action: &Action, outcome: &Outcome) -> String {
    match outcome {
        Outcome::Rejected { .. } => "(unchanged)".into(),
        _ => match outcome.state() {
            Some(state) => order_state(state),
            None => format!("no order {}", clean(action.order_id().as_str())),
        },
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
