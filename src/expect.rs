//! Self-checking scenarios: a step's `expect` checked against what each design did.

use serde::Serialize;

use crate::domain::Money;
use crate::scenario::Expect;
use crate::service::{Backend, OrderState, Outcome};

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

/// Checks one design's outcome at one step. A design that cannot answer is not held to it.
pub fn check(step: usize, backend: Backend, expect: &Expect, outcome: &Outcome) -> Vec<Failure> {
    evaluate(step, backend, expect, outcome).failures
}

/// Whether event sourcing applied a command while OrderView was down: the command is stored,
/// but the design answers no state until the view is rebuilt.
pub fn applied_while_view_down(backend: Backend, outcome: &Outcome) -> bool {
    backend == Backend::Es && matches!(outcome, Outcome::Applied { state: None, .. })
}

/// Checks one design's outcome at one step, and says whether anything was held against it.
pub fn evaluate(step: usize, backend: Backend, expect: &Expect, outcome: &Outcome) -> Checked {
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
    let described = |outcome: &Outcome| match outcome {
        Outcome::Applied { .. } => "applied".to_string(),
        Outcome::Rejected { reason, .. } => format!("rejected: {reason}"),
        _ => "answered".to_string(),
    };
    if matches!(
        outcome,
        Outcome::Unavailable { .. } | Outcome::NotApplicable { .. }
    ) {
        return Checked::default();
    }
    // `ok` and `rejected` still hold for a command applied while the view was down; its
    // state does not exist to check.
    let view_down = applied_while_view_down(backend, outcome);
    let checked = !(view_down
        && expect.expects_state()
        && expect.ok.is_none()
        && expect.rejected.is_none()
        && expect.row.is_none());
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
    if expect.expects_state() && !view_down {
        check_state(expect, outcome, &mut fail);
    }
    Checked { checked, failures }
}

/// Whether a report cell holds what an expectation wrote: the same text, with `->` standing
/// for `→` (`"5 -> 6"`); or, for a money cell (`$60.00`), the same amount however a scenario
/// writes money (`60`, `"60.00"`, `"$60.00"`).
pub fn cell_matches(cell: &str, expected: &str) -> bool {
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
    use crate::service::StorageChange;

    fn applied_while_down() -> Outcome {
        Outcome::Applied {
            storage: StorageChange::Append { events: Vec::new() },
            state: None,
            warning: None,
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
}
