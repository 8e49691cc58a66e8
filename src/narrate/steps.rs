//! What a step asks and expects.

use crate::domain::{Command, Question};
use crate::expect::Failure;
use crate::sanitize::{clean, clean_prose};
use crate::scenario::{Action, DeployAction, Expect, ViewAction};
use crate::trace::StepRecord;

use super::*;

/// What a step does: its name and the order, then its arguments as details.
pub(crate) fn action(action: &Action) -> Vec<Line> {
    let name = action.name();
    let id = action
        .order_id()
        .map_or(String::new(), |id| format!(" {}", clean(id.as_str())));
    let title = match action {
        Action::Question(Question::Report(_)) | Action::View(_) | Action::Deploy(_) => {
            name.to_string()
        }
        _ => format!("{name}{id}"),
    };
    let mut lines = vec![Line::plain(title)];
    let details = arguments(action);
    lines.extend(
        details
            .into_iter()
            .map(|d| Line::plain(d).as_(Role::Detail)),
    );
    lines
}

/// An action's arguments, one a line: `Bob: 5 × Book @ $10.00`, `(read at version 2)`.
fn arguments(action: &Action) -> Vec<String> {
    let read_at = |version: Option<u64>| version.map(|v| format!("(read at version {v})"));
    match action {
        Action::Command(Command::PlaceOrder(c)) => vec![format!(
            "{}: {} × {} @ {}",
            clean(&c.customer),
            c.quantity,
            clean(&c.product),
            c.unit_price
        )],
        Action::Command(Command::ChangeQuantity(c)) => [Some(format!("quantity → {}", c.quantity))]
            .into_iter()
            .chain([c.reason.as_ref().map(|r| format!("reason: {}", clean(r)))])
            .chain([read_at(c.expected_version)])
            .flatten()
            .collect(),
        Action::Command(Command::Pay(c)) => [Some(format!("amount {}", c.amount))]
            .into_iter()
            .chain([read_at(c.expected_version)])
            .flatten()
            .collect(),
        Action::Command(Command::Cancel(c)) => [Some(format!("reason: {}", clean(&c.reason)))]
            .into_iter()
            .chain([read_at(c.expected_version)])
            .flatten()
            .collect(),
        Action::Question(Question::Query(q)) => q
            .as_of
            .map(|as_of| format!("as of event {}", event_id(as_of)))
            .into_iter()
            .collect(),
        Action::Question(Question::History(_)) => Vec::new(),
        Action::Question(Question::Report(r)) => vec![r.name.to_string()],
        Action::View(
            ViewAction::CrashView(_) | ViewAction::RebuildView(_) | ViewAction::Snapshot(_),
        ) => Vec::new(),
        Action::Deploy(DeployAction::Deploy(deploy)) => {
            vec![format!(
                "{} in {}",
                clean(&deploy.event),
                shape(deploy.version)
            )]
        }
    }
}

/// The heading of what a step reveals beside its outcome, in a table: its note and verdicts.
pub(crate) const NOTE_HEADING: &str = "Note and verdict";

/// What a room may see of a step before it runs: the action and the question it asks.
pub(crate) fn asks(record: &StepRecord) -> Vec<Line> {
    let mut lines = action(&record.action);
    if let Some(question) = &record.question {
        lines.push(Line::plain(clean_prose(question)).as_(Role::Question));
    }
    lines
}

/// What is said of a step once its outcome is shown: the note that narrates it and what the
/// step expects, marked ✓ when every design it was checked on held to it.
pub(crate) fn reveals(record: &StepRecord) -> Vec<Line> {
    let mut lines = Vec::new();
    if let Some(note) = &record.note {
        lines.push(Line::plain(clean_prose(note)).as_(Role::Note));
    }
    if let Some(expect) = record.expect.as_deref()
        && let Some(expected) = expectation(expect, &record.action)
    {
        let line = if record.expectation_held() {
            Line::marked(Mark::Held, expected)
        } else {
            Line::plain(expected)
        };
        lines.push(line.as_(Role::Expectation));
    }
    lines
}

/// A step's expectation on one line: `expect: applied, status Paid, quantity 5`;
/// `None` when it expects nothing. A report's row reads in the report's column order.
pub(crate) fn expectation(expect: &Expect, step: &Action) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    match expect.ok {
        Some(true) => parts.push("applied".into()),
        Some(false) => parts.push("rejected".into()),
        None => {}
    }
    if let Some(fragment) = &expect.rejected {
        parts.push(format!("rejected …{}…", clean(fragment)));
    }
    if let Some(id) = expect.event_id {
        parts.push(format!("event {}", event_id(id)));
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
    // Who last wrote the order, and when: the row's updated_by, the log's last event.
    match (&expect.last_changed_by, expect.last_changed_at) {
        (Some(by), Some(at)) => {
            parts.push(format!("last written by {} at {at}", clean(by.as_str())))
        }
        (Some(by), None) => parts.push(format!("last written by {}", clean(by.as_str()))),
        (None, Some(at)) => parts.push(format!("last written at {at}")),
        (None, None) => {}
    }
    if let Some(row) = &expect.row {
        let columns = match step {
            Action::Question(Question::Report(report)) => report.columns(),
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

/// A failed expectation, on the step and design where it failed.
pub(crate) fn failure(failure: &Failure) -> Line {
    Line::marked(
        Mark::Failed,
        format!(
            "expect {} {}, got {}",
            failure.field,
            clean_prose(&failure.expected),
            clean_prose(&failure.actual)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ReportName, ReportQuery};

    #[test]
    fn an_expectation_reads_as_one_line() {
        use crate::domain::{Money, Status};
        let report = Action::Question(Question::Report(ReportQuery::built_in(
            ReportName::QuantityChanges,
        )));
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
