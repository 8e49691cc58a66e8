//! `eslab verify`: one line per check of the stored log.

use serde::Serialize;

use super::text::Cell;
use super::{Doc, Style, plural};
use crate::narrate::Mark;
use crate::trace::SCHEMA_VERSION;
use crate::verify::Verdict;

/// `eslab verify`: one line per check.
pub(crate) fn verdict(verdict: &Verdict, style: Style) -> String {
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
                crate::sanitize::clean_prose(&check.detail).into(),
            ]
        })
        .collect();
    doc.table(&["Check", "Verdict", "Detail"], rows);
    // "intact" only when every check holds: a failing check of no event still says broken.
    doc.text(
        match (verdict.first_bad_event(), verdict.holds(), &verdict.head) {
            (Some(id), _, _) => format!("broken: the first bad event is {id}."),
            (None, true, Some(head)) => format!(
                "intact: {} {}; head hash {head}.",
                verdict.events,
                plural(verdict.events, "events")
            ),
            (None, true, None) => "intact: the log is empty.".to_string(),
            (None, false, Some(head)) => {
                format!("broken: see the checks above; head hash {head}.")
            }
            (None, false, None) => "broken: see the checks above.".to_string(),
        },
    );
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
