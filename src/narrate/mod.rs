//! Facts into words, once. The designs report typed facts (`service::Outcome`), the runner
//! records them in the trace; this module alone decides how each fact reads and which mark of
//! the legend it carries. Every output (table, markdown, Mermaid, and those to come) takes its
//! words from here, so the same fact always reads the same way.
//!
//! One file per part: `marks` (the legend, and `Line` with its role), `facts` (ids, plurals,
//! states, design names), `steps` (what a step asks and expects), `outcomes` (what a design
//! did to its storage), `answers`, `summary` (the whole run), `diagram` (the Mermaid
//! figure's words), `page` (the HTML page's own words) and `predict` (`eslab live --predict`). Text from users' files is made
//! safe by `crate::sanitize`, below every layer.

mod answers;
pub mod diagram;
mod errors;
mod facts;
mod marks;
mod outcomes;
pub mod page;
mod predict;
mod steps;
mod summary;

pub use crate::sanitize::{clean, clean_prose};
pub use answers::*;
pub use facts::*;
pub use marks::*;
pub use outcomes::*;
pub use predict::*;
pub use steps::*;
pub use summary::*;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Question, ReportName};
    use crate::scenario::{Action, Expect};

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
    fn the_legend_names_every_mark_once_with_its_own_symbol() {
        let mut symbols: Vec<&str> = Mark::ALL.iter().map(|m| m.symbol()).collect();
        symbols.sort();
        symbols.dedup();
        assert_eq!(symbols.len(), Mark::ALL.len(), "a symbol means two things");
        for mark in Mark::ALL {
            let line = format!("  {}  {}", mark.symbol(), mark.meaning());
            assert!(LEGEND.lines().any(|l| l == line), "LEGEND lacks {line:?}");
        }
        assert_eq!(LEGEND.lines().count(), Mark::ALL.len() + 1);
    }

    #[test]
    fn an_event_id_never_reads_as_a_count() {
        assert_eq!(event_id(1), "#1");
        assert_eq!(event_id(2001), "#2001");
    }

    #[test]
    fn an_expectation_reads_as_one_line() {
        use crate::domain::{Money, ReportQuery, Status};
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
