//! The words in the cells: how an action, a storage change, a rejection or a state reads,
//! and the role that colours it.

use crate::domain::{Command, Event};
use crate::es::StoredEvent;
use crate::scenario::{Action, Expect, ViewAction};
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

/// The step column: the action, then the note that narrates it, then what the step expects.
pub fn step(step: &Action, note: Option<&str>, expect: Option<&Expect>) -> String {
    let mut out = action(step);
    if let Some(note) = note {
        out.push_str("\n\n");
        out.push_str(&clean_prose(note));
    }
    if let Some(expected) = expect.and_then(|e| expectation(e, step)) {
        out.push('\n');
        out.push_str(&expected);
    }
    out
}

/// A step's expectation on one line: `expect: applied, status Paid, quantity 5`;
/// `None` when it expects nothing. A report's row reads in the report's column order.
pub fn expectation(expect: &Expect, step: &Action) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    match expect.ok {
        Some(true) => parts.push("applied".into()),
        Some(false) => parts.push("rejected".into()),
        None => {}
    }
    if let Some(fragment) = &expect.rejected {
        parts.push(format!("rejected …{}…", clean(fragment)));
    }
    match expect.exists {
        Some(true) => parts.push("exists".into()),
        Some(false) => parts.push("no such order".into()),
        None => {}
    }
    if let Some(status) = expect.status {
        parts.push(format!("status {status}"));
    }
    if let Some(customer) = &expect.customer {
        parts.push(format!("customer {}", clean(customer)));
    }
    if let Some(product) = &expect.product {
        parts.push(format!("product {}", clean(product)));
    }
    if let Some(quantity) = expect.quantity {
        parts.push(format!("quantity {quantity}"));
    }
    if let Some(unit_price) = expect.unit_price {
        parts.push(format!("unit price {unit_price}"));
    }
    if let Some(total) = expect.total {
        parts.push(format!("total {total}"));
    }
    if let Some(paid) = expect.paid {
        parts.push(format!("paid {paid}"));
    }
    if let Some(version) = expect.version {
        parts.push(format!("version {version}"));
    }
    if let Some(row) = &expect.row {
        let columns = match step {
            Action::Question(Question::Report(report)) => report.name.columns(),
            _ => Vec::new(),
        };
        let mut cells: Vec<(&String, &String)> = row.iter().collect();
        cells.sort_by_key(|(column, _)| {
            columns
                .iter()
                .position(|c| c == *column)
                .unwrap_or(columns.len())
        });
        let cells: Vec<String> = cells
            .iter()
            .map(|(column, value)| format!("{} {}", clean(column), clean(value)))
            .collect();
        parts.push(format!("row {}", cells.join(", ")));
    }
    (!parts.is_empty()).then(|| format!("expect: {}", parts.join(", ")))
}

/// An event's own attributes as `name{separator}value`, values made safe to print.
pub fn attributes(event: &Event, separator: &str) -> Vec<String> {
    event
        .attributes()
        .into_iter()
        .map(|(name, value)| format!("{name}{separator}{}", clean(&value)))
        .collect()
}

pub fn event(stored: &StoredEvent) -> String {
    format!(
        "+ {} {}\n  {} v{}\n  {}",
        stored.event_id,
        stored.event.event_type(),
        clean(stored.stream_id.as_str()),
        stored.stream_version,
        attributes(&stored.event, ": ").join("\n  ")
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
        Outcome::Answered { source, .. } | Outcome::History { source, .. } => {
            Cell::new(format!("read {}", clean_prose(source)), Role::Plain)
        }
        // A report's source says how it was computed: a query, or a new read model.
        Outcome::Report { source, .. } => {
            Cell::new(format!("built with {}", clean_prose(source)), Role::Plain)
        }
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
                    format!(
                        "v{} {} {}: {}",
                        e.stream_version,
                        e.event_id,
                        e.event.event_type(),
                        attributes(&e.event, " ").join(", ")
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

    #[test]
    fn an_expectation_reads_as_one_line() {
        use crate::domain::{Money, Status};
        use crate::reports::ReportName;
        use crate::service::ReportQuery;
        let report = Action::Question(Question::Report(ReportQuery {
            name: ReportName::QuantityChanges,
        }));
        assert_eq!(expectation(&Expect::default(), &report), None);
        let state = Expect {
            ok: Some(true),
            status: Some(Status::Paid),
            quantity: Some(5),
            paid: Some(Money::from_cents(4300)),
            ..Expect::default()
        };
        assert_eq!(
            expectation(&state, &report).unwrap(),
            "expect: applied, status Paid, quantity 5, paid $43.00"
        );
        let rejected = Expect {
            rejected: Some("does not\nmatch".into()),
            ..Expect::default()
        };
        assert_eq!(
            expectation(&rejected, &report).unwrap(),
            "expect: rejected …does not\\nmatch…"
        );
        let row = Expect {
            row: Some(
                [
                    ("paid", "yes"),
                    ("customer", "\u{1b}[31mBob"),
                    ("order", "A1"),
                ]
                .into_iter()
                .map(|(c, v)| (c.to_string(), v.to_string()))
                .collect(),
            ),
            ..Expect::default()
        };
        assert_eq!(
            expectation(&row, &report).unwrap(),
            "expect: row order A1, customer \\u{1b}[31mBob, paid yes"
        );
    }
}
