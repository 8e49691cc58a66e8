//! `eslab verify`: does the stored log still keep the event store's one promise — what was
//! appended stays, in order, exactly as written?
//!
//! This file is the verdict and the one pass that reaches it; beside it, `verify/pipeline`
//! reads the log on one thread while another checks it, and `verify/pass` holds the checks
//! made a row at a time.

mod pass;
mod pipeline;

use serde::Serialize;

use self::pass::Pass;
use self::pipeline::check_while_reading;
use crate::domain::Event;
use crate::es::chain;
use crate::es::log::Refuses;
use crate::es::row::RowRef;
use crate::es::{OrderView, StoredLog};

/// One check and its verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Check {
    pub name: &'static str,
    pub holds: bool,
    /// The first event id where it fails.
    pub first_bad_event: Option<i64>,
    pub detail: String,
    /// A check of what is kept beside the log (snapshots), not of the log: failing it makes
    /// `verify` fail, but refuses no reading of the log, since a rebuild ignores what fails.
    #[serde(skip)]
    pub beside_the_log: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Verdict {
    pub events: u64,
    /// The last event's hash: write it down, and any rewrite of the whole chain shows too.
    pub head: Option<String>,
    pub checks: Vec<Check>,
}

impl std::error::Error for Untrusted {}

impl Verdict {
    pub(crate) fn holds(&self) -> bool {
        self.checks.iter().all(|c| c.holds)
    }

    /// The first bad event id over all checks.
    pub(crate) fn first_bad_event(&self) -> Option<i64> {
        self.checks.iter().filter_map(|c| c.first_bad_event).min()
    }
}

/// A stored log that does not verify, refused by the commands that would otherwise read it
/// as if nothing had happened (`log`, `replay`, a run carried on) unless told to trust it.
/// `narrate` words it, and says how to see every check or read the log anyway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Untrusted {
    pub path: String,
    /// Where the log is, as `eslab verify` takes it: `--db-dir DIR`, or `--store … --room …`.
    pub place: String,
    /// The first bad event and what is wrong with it, or the failing check with no event.
    pub problem: String,
}

impl Verdict {
    /// What is wrong, as `eslab verify` would put it first: the first bad event and the
    /// failing check's detail there, or (no event to name) the first failing check.
    pub(crate) fn problem(&self) -> Option<String> {
        let mut failing = self.checks.iter().filter(|c| !c.holds && !c.beside_the_log);
        Some(match self.first_bad_event() {
            Some(id) => {
                let check = failing.find(|c| c.first_bad_event == Some(id))?;
                let prefix = format!("event {id}: ");
                let detail = check.detail.strip_prefix(&prefix).unwrap_or(&check.detail);
                format!("the first bad event is {id}: {detail}")
            }
            None => failing.next()?.detail.clone(),
        })
    }
}

impl Verdict {
    /// `Ok` when the log verifies; else an error of type `Untrusted` naming the log at `path`
    /// (found by `eslab verify PLACE`), which the reading commands refuse.
    pub(crate) fn require_intact(&self, path: &str, place: &str) -> anyhow::Result<()> {
        match self.problem() {
            None => Ok(()),
            Some(problem) => Err(Untrusted {
                path: path.to_string(),
                place: place.to_string(),
                problem,
            }
            .into()),
        }
    }

    /// Adds the check of the head against one the user wrote down (`--expect-head`): the
    /// full hash or its first characters. What the chain alone cannot show — the last
    /// events deleted, or the whole chain rewritten — shows here.
    pub(crate) fn expect_head(&mut self, expected: &str) {
        let expected = expected.to_ascii_lowercase();
        let holds = self
            .head
            .as_deref()
            .is_some_and(|head| head.starts_with(&expected));
        let detail = match (&self.head, holds) {
            (Some(_), true) => format!("the log still ends at {expected}"),
            (Some(head), false) => format!(
                "the log ends at {}, not {expected}: events were removed, added or rewritten since",
                chain::short(&hex::decode(head).unwrap_or_default())
            ),
            (None, _) => {
                format!("the log is empty, not ending at {expected}: its events were removed")
            }
        };
        self.checks.push(Check {
            name: "head is the one expected",
            holds,
            first_bad_event: None,
            detail,
            beside_the_log: false,
        });
    }
}

/// Reads the whole log once and checks every promise.
pub(crate) fn verify(store: &(impl StoredLog + ?Sized)) -> anyhow::Result<Verdict> {
    Ok(read(store, None, |_, _| Ok(()))?.verdict)
}

/// What one pass over the log gives: the verdict on it, and the view it rebuilt.
pub(crate) struct Reading {
    pub verdict: Verdict,
    /// OrderView after every event up to `until` (the whole log when `None`) that applied.
    pub view: OrderView,
}

/// Reads the log once, checking every promise as it goes: each event is hashed, decoded,
/// handed to `visit` with its row as stored, and applied to a view. So a reader that checks
/// costs one pass, not two; it must use what it was handed only once the verdict holds.
///
/// The pass is split in two, as a pipeline: this thread reads the rows from SQLite and
/// decodes them, a batch at a time; another checks and applies each batch (ids, versions,
/// the chain's hashes, the view, the snapshots) while the next is read.
pub(crate) fn read(
    store: &(impl StoredLog + ?Sized),
    until: Option<u64>,
    mut visit: impl FnMut(&RowRef, &Event) -> anyhow::Result<()> + Send,
) -> anyhow::Result<Reading> {
    let snapshots = store.snapshots()?;
    let pass = check_while_reading(store, Pass::new(&snapshots, until), &mut visit)?;
    let triggers_check = triggers_check(store.refuses_rewrites()?);
    Ok(pass.finish(&snapshots, triggers_check))
}

/// Whether the log refuses an UPDATE and a DELETE of its events.
fn triggers_check(refuses: Refuses) -> Check {
    let missing: Vec<&str> = [("UPDATE", refuses.update), ("DELETE", refuses.delete)]
        .into_iter()
        .filter_map(|(operation, refused)| (!refused).then_some(operation))
        .collect();
    Check {
        name: "append-only triggers in place",
        holds: missing.is_empty(),
        first_bad_event: None,
        beside_the_log: false,
        detail: if missing.is_empty() {
            "UPDATE and DELETE on events are refused".into()
        } else {
            format!(
                "nothing refuses {} on events (tried on a copy of the schema)",
                missing.join(" or ")
            )
        },
    }
}
