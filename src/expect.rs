//! Self-checking scenarios: a step's `expect` checked against what each design did.

use serde::Serialize;

use crate::domain::Money;
use crate::scenario::Expect;
use crate::service::{Backend, OrderState, Outcome, StorageChange};

/// One expectation that did not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub step: usize,
    pub backend: Backend,
    pub field: String,
    pub expected: String,
    pub actual: String,
}

/// What checking one design's outcome at one step came to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checked {
    /// Whether the expectation was held against this outcome at all: false for a design
    /// that cannot answer, and for a state expectation on a command that event sourcing
    /// applied while its view was down (it answered no state then).
    pub checked: bool,
    pub failures: Vec<Failure>,
}

/// Checks one design's outcome at one step, and says whether anything was held against it. A
/// design that cannot answer is not held to it.
pub(crate) fn evaluate(
    step: usize,
    backend: Backend,
    expect: &Expect,
    outcome: &Outcome,
) -> Checked {
    let mut failures = Vec::new();
    let mut fail = |field: &str, expected: String, actual: String| {
        failures.push(Failure {
            step,
            backend,
            field: field.to_string(),
            expected,
            actual,
        })
    };
    if expect.expects_last_change() {
        let checked = check_last_change(expect, outcome, fail);
        return Checked { checked, failures };
    }
    if matches!(
        outcome,
        Outcome::Unavailable { .. } | Outcome::NotApplicable { .. }
    ) {
        return Checked::default();
    }
    // `ok` and `rejected` still hold for a command applied while the view was down; its
    // state does not exist to check.
    let view_down = backend == Backend::Es && outcome.applied_unseen();
    // An event id is held only against event sourcing: CRUD has none.
    let event_id = expect.event_id.filter(|_| backend == Backend::Es);
    let outcome_expected = expect.ok.is_some() || expect.rejected.is_some() || expect.row.is_some();
    let checked = outcome_expected
        || event_id.is_some()
        || (expect.expects_state() && !view_down)
        // An empty `expect` is counted, and holds.
        || (expect.event_id.is_none() && !expect.expects_state());
    check_outcome(expect, outcome, &mut fail);
    if let Some(wanted) = event_id {
        check_event_id(wanted, outcome, &mut fail);
    }
    if expect.expects_state() && !view_down {
        check_state(expect, outcome, &mut fail);
    }
    Checked { checked, failures }
}

/// How an outcome reads in a failed expectation.
fn described(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Applied { .. } => "applied".to_string(),
        Outcome::Rejected { reason, .. } => format!("rejected: {reason}"),
        _ => "answered".to_string(),
    }
}

/// `ok`, `rejected` and a report's `row`: what the step came to.
fn check_outcome(expect: &Expect, outcome: &Outcome, fail: &mut impl FnMut(&str, String, String)) {
    if let Some(ok) = expect.ok {
        let applied = matches!(outcome, Outcome::Applied { .. });
        if ok != applied {
            let expected = if ok { "applied" } else { "rejected" };
            fail("outcome", expected.into(), described(outcome));
        }
    }
    if let Some(fragment) = &expect.rejected {
        match outcome {
            Outcome::Rejected { reason, .. } if reason.contains(fragment.as_str()) => {}
            other => fail(
                "outcome",
                format!("rejected: …{fragment}…"),
                described(other),
            ),
        }
    }
    if let Some(wanted) = &expect.row {
        match outcome {
            Outcome::Report { report, .. } => {
                let found = report.records().iter().any(|record| {
                    wanted.iter().all(|(column, value)| {
                        record
                            .get(column.as_str())
                            .is_some_and(|cell| cell_matches(cell, value))
                    })
                });
                if !found {
                    fail(
                        "row",
                        format!("{wanted:?}"),
                        format!("rows {:?}", report.rows),
                    );
                }
            }
            other => fail("row", format!("{wanted:?}"), described(other)),
        }
    }
}

/// The id of the first event a command appended.
fn check_event_id(wanted: u64, outcome: &Outcome, fail: &mut impl FnMut(&str, String, String)) {
    match outcome {
        Outcome::Applied {
            storage: StorageChange::Append { events },
            ..
        } => match events.first() {
            Some(first) if first.event_id == wanted => {}
            Some(first) => fail("event_id", wanted.to_string(), first.event_id.to_string()),
            None => fail("event_id", wanted.to_string(), "no event appended".into()),
        },
        other => fail("event_id", wanted.to_string(), described(other)),
    }
}

/// Who made an order's latest change, and when, as a history answers it: the log's last
/// event, or the row's last writer. A design whose answer does not say is not held to it.
fn check_last_change(
    expect: &Expect,
    outcome: &Outcome,
    mut fail: impl FnMut(&str, String, String),
) -> bool {
    let last = match outcome {
        Outcome::History { events } => events
            .last()
            .and_then(|e| e.metadata.as_ref())
            .map(|m| (&m.actor, m.recorded_at)),
        Outcome::Unavailable {
            last_write: Some(written),
            ..
        } => Some((&written.by, written.at)),
        _ => None,
    };
    let Some((by, at)) = last else {
        return false;
    };
    if let Some(wanted) = &expect.last_changed_by
        && wanted != by
    {
        fail("last_changed_by", wanted.to_string(), by.to_string());
    }
    if let Some(wanted) = expect.last_changed_at
        && wanted != at
    {
        fail("last_changed_at", wanted.to_string(), at.to_string());
    }
    true
}

/// Whether a report cell holds what an expectation wrote: the same text, with `->` standing
/// for `→` (`"5 -> 6"`); or, for a money cell (`$60.00`), the same amount however a scenario
/// writes money (`60`, `"60.00"`, `"$60.00"`).
pub(crate) fn cell_matches(cell: &str, expected: &str) -> bool {
    if cell == expected || cell == expected.replace("->", "→") {
        return true;
    }
    let money_cell = cell
        .strip_prefix('$')
        .and_then(|dollars| Money::parse_dollars(dollars).ok());
    match money_cell {
        Some(amount) => Money::parse_written(expected) == Ok(amount),
        None => false,
    }
}

fn check_state(expect: &Expect, outcome: &Outcome, fail: &mut impl FnMut(&str, String, String)) {
    let state: Option<&OrderState> = match outcome {
        Outcome::Applied { state, .. } | Outcome::Answered { state, .. } => state.as_ref(),
        Outcome::Rejected { reason, .. } => {
            fail("outcome", "applied".into(), format!("rejected: {reason}"));
            return;
        }
        _ => return,
    };
    let exists = expect.exists.unwrap_or(true);
    let Some(state) = state else {
        if exists {
            fail("exists", "true".into(), "false: no such order".into());
        }
        return;
    };
    if !exists {
        fail("exists", "false".into(), "true".into());
    }
    let mut field = |name: &str, expected: Option<String>, actual: String| {
        if let Some(expected) = expected
            && expected != actual
        {
            fail(name, expected, actual);
        }
    };
    field("customer", expect.customer.clone(), state.customer.clone());
    field("product", expect.product.clone(), state.product.clone());
    field(
        "quantity",
        expect.quantity.map(|q| q.to_string()),
        state.quantity.to_string(),
    );
    field(
        "unit_price",
        expect.unit_price.map(|m| m.to_string()),
        state.unit_price.to_string(),
    );
    field(
        "total",
        expect.total.map(|m| m.to_string()),
        state.total.to_string(),
    );
    field(
        "paid",
        expect.paid.map(|m| m.to_string()),
        state.paid.to_string(),
    );
    field(
        "status",
        expect.status.map(|s| s.to_string()),
        state.status.to_string(),
    );
    // A design that keeps no version is not asked for one.
    if let Some(version) = state.version {
        field(
            "version",
            expect.version.map(|v| v.to_string()),
            version.to_string(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_matches_its_text_arrows_either_way_and_money_however_written() {
        assert!(cell_matches("Bob", "Bob"));
        assert!(!cell_matches("Bob", "bob"));
        assert!(cell_matches("5 → 6 → 4", "5 -> 6 -> 4"));
        assert!(cell_matches("5 → 6 → 4", "5 → 6 -> 4"));
        assert!(!cell_matches("5 → 6", "5 -> 7"));
        for written in ["60", "60.0", "60.00", "$60.00", "$60"] {
            assert!(cell_matches("$60.00", written), "{written}");
        }
        for wrong in ["61", "$60.01", "6000", "sixty", ""] {
            assert!(!cell_matches("$60.00", wrong), "{wrong}");
        }
        // Only a money cell is compared as an amount.
        assert!(!cell_matches("1", "1.00"));
        assert!(!cell_matches("1", "$1"));
    }

    fn applied_while_down() -> Outcome {
        Outcome::Applied {
            storage: StorageChange::Append { events: Vec::new() },
            state: None,
            caveats: Vec::new(),
        }
    }

    #[test]
    fn a_view_that_is_down_is_not_held_to_state_expectations() {
        let state_only = Expect {
            quantity: Some(6),
            ..Expect::default()
        };
        let checked = evaluate(3, Backend::Es, &state_only, &applied_while_down());
        assert_eq!(checked, Checked::default());

        // `ok` still applies, and is what is counted.
        let with_ok = Expect {
            ok: Some(true),
            ..state_only.clone()
        };
        let checked = evaluate(3, Backend::Es, &with_ok, &applied_while_down());
        assert!(checked.checked);
        assert!(checked.failures.is_empty(), "{:?}", checked.failures);
        let refused = Expect {
            ok: Some(false),
            ..state_only.clone()
        };
        let checked = evaluate(3, Backend::Es, &refused, &applied_while_down());
        assert!(checked.checked);
        assert_eq!(checked.failures.len(), 1);
        assert_eq!(checked.failures[0].field, "outcome");

        // CRUD answering no state after a command is a real failure, not a view that is down.
        let checked = evaluate(3, Backend::Crud, &state_only, &applied_while_down());
        assert!(checked.checked);
        assert_eq!(checked.failures.len(), 1);
        assert_eq!(checked.failures[0].field, "exists");
    }

    fn appended(event_id: u64) -> Outcome {
        use crate::domain::event::ModifyOrderEvent;
        use crate::domain::{Event, OrderId};
        use crate::es::StoredEvent;
        Outcome::Applied {
            storage: StorageChange::Append {
                events: vec![StoredEvent {
                    event_id,
                    stream_id: OrderId::new("A1").unwrap(),
                    stream_version: 2,
                    schema_version: 1,
                    event: Event::ModifyOrderEvent(ModifyOrderEvent {
                        quantity: 6,
                        reason: None,
                    }),
                    metadata: None,
                }],
            },
            state: None,
            caveats: Vec::new(),
        }
    }

    #[test]
    fn an_event_id_is_held_against_event_sourcing_only() {
        let expect = Expect {
            event_id: Some(2002),
            ..Expect::default()
        };
        let checked = evaluate(2, Backend::Es, &expect, &appended(2002));
        assert!(checked.checked);
        assert!(checked.failures.is_empty(), "{:?}", checked.failures);

        let checked = evaluate(2, Backend::Es, &expect, &appended(2003));
        assert!(checked.checked);
        assert_eq!(checked.failures.len(), 1);
        assert_eq!(checked.failures[0].field, "event_id");
        assert_eq!(checked.failures[0].expected, "2002");
        assert_eq!(checked.failures[0].actual, "2003");

        let conflict = crate::domain::Rejection::VersionConflict {
            order_id: crate::domain::OrderId::new("A1").unwrap(),
            expected: 1,
            actual: 2,
        };
        let rejected = Outcome::Rejected {
            reason: conflict.to_string(),
            rejection: conflict,
            evidence: None,
        };
        let checked = evaluate(2, Backend::Es, &expect, &rejected);
        assert_eq!(checked.failures.len(), 1);
        assert!(
            checked.failures[0]
                .actual
                .starts_with("rejected: concurrency conflict"),
            "{:?}",
            checked.failures
        );

        // CRUD has no event ids: an expectation of nothing else is not held against it.
        let updated = Outcome::Applied {
            storage: StorageChange::Update {
                table: "orders",
                order_id: crate::domain::OrderId::new("A1").unwrap(),
                changes: Vec::new(),
            },
            state: None,
            caveats: Vec::new(),
        };
        assert_eq!(
            evaluate(2, Backend::Crud, &expect, &updated),
            Checked::default()
        );
        assert_eq!(
            evaluate(2, Backend::Crud, &expect, &rejected),
            Checked::default()
        );
        // Beside `ok`, CRUD is held to the rest.
        let with_ok = Expect {
            ok: Some(true),
            ..expect
        };
        let checked = evaluate(2, Backend::Crud, &with_ok, &rejected);
        assert!(checked.checked);
        assert_eq!(checked.failures.len(), 1);
        assert_eq!(checked.failures[0].field, "outcome");
    }
}
