//! `eslab verify`: one line per check of the stored log.

use serde::Serialize;

use super::text::Cell;
use super::{Doc, Style, plural};
use crate::narrate::{self as text, Mark};
use crate::trace::SCHEMA_VERSION;
use crate::verify::Verdict;

/// `eslab verify`: one line per check.
pub fn verdict(verdict: &Verdict, style: Style) -> String {
    let mut doc = Doc::default();
    doc.heading(1, "Event log verification");
    let rows = verdict
        .checks
        .iter()
        .map(|check| {
            let (mark, role) = if check.holds {
                ("✓ holds", Mark::Held)
            } else {
                ("✘ fails", Mark::Failed)
            };
            vec![
                Cell::from(check.name),
                Cell::new(mark, role),
                text::clean_prose(&check.detail).into(),
            ]
        })
        .collect();
    doc.table(&["Check", "Verdict", "Detail"], rows);
    doc.text(match (verdict.first_bad_event(), &verdict.head) {
        (Some(id), _) => format!("broken: the first bad event is {id}."),
        (None, Some(head)) => format!(
            "intact: {} {}; head hash {head}.",
            verdict.events,
            plural(verdict.events, "events")
        ),
        (None, None) if verdict.holds() => "intact: the log is empty.".to_string(),
        (None, None) => "broken: see the checks above.".to_string(),
    });
    #[derive(Serialize)]
    struct VerifyDocument<'a> {
        schema_version: u32,
        holds: bool,
        first_bad_event: Option<i64>,
        #[serde(flatten)]
        verdict: &'a Verdict,
    }
    style.print(
        &doc,
        &VerifyDocument {
            schema_version: SCHEMA_VERSION,
            holds: verdict.holds(),
            first_bad_event: verdict.first_bad_event(),
            verdict,
        },
    )
}
