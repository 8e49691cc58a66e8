//! `eslab verify`: does the stored log still keep the event store's one promise — what was
//! appended stays, in order, exactly as written?

use std::collections::BTreeMap;

use serde::Serialize;

use crate::es::chain::{self, Hash};
use crate::es::store::RawEvent;
use crate::es::{OrderView, StoredLog};

/// One check and its verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub holds: bool,
    /// The first event id where it fails.
    pub first_bad_event: Option<i64>,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub events: u64,
    /// The last event's hash: write it down, and any rewrite of the whole chain shows too.
    pub head: Option<String>,
    pub checks: Vec<Check>,
}

impl Verdict {
    pub fn holds(&self) -> bool {
        self.checks.iter().all(|c| c.holds)
    }

    /// The first bad event id over all checks.
    pub fn first_bad_event(&self) -> Option<i64> {
        self.checks.iter().filter_map(|c| c.first_bad_event).min()
    }
}

/// A stored log that does not verify, refused by the commands that would otherwise read it
/// as if nothing had happened (`log`, `replay`, `run --continue`) unless given `--trust`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the log in {path} does not verify: {problem}. `eslab verify {place}` shows every check; --trust reads the log anyway"
)]
pub struct Untrusted {
    pub path: String,
    /// Where the log is, as `eslab verify` takes it: `--db-dir DIR`, or `--store … --room …`.
    pub place: String,
    /// The first bad event and what is wrong with it, or the failing check with no event.
    pub problem: String,
}

impl Verdict {
    /// What is wrong, as `eslab verify` would put it first: the first bad event and the
    /// failing check's detail there, or (no event to name) the first failing check.
    pub fn problem(&self) -> Option<String> {
        let mut failing = self.checks.iter().filter(|c| !c.holds);
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

/// Verifies the log at `path` (found by `eslab verify PLACE`); an error of type `Untrusted`
/// when it fails.
pub fn require_intact(
    store: &(impl StoredLog + ?Sized),
    path: &str,
    place: &str,
) -> anyhow::Result<()> {
    let verdict = verify(store)?;
    match verdict.problem() {
        None => Ok(()),
        Some(problem) => Err(Untrusted {
            path: path.to_string(),
            place: place.to_string(),
            problem,
        }
        .into()),
    }
}

/// A check that records only its first failure.
struct Tally {
    name: &'static str,
    failure: Option<(i64, String)>,
    ok_detail: String,
}

impl Tally {
    fn new(name: &'static str, ok_detail: &str) -> Tally {
        Tally {
            name,
            failure: None,
            ok_detail: ok_detail.to_string(),
        }
    }

    fn fail(&mut self, event_id: i64, detail: String) {
        if self.failure.is_none() {
            self.failure = Some((event_id, detail));
        }
    }

    fn finish(self) -> Check {
        match self.failure {
            Some((event_id, detail)) => Check {
                name: self.name,
                holds: false,
                first_bad_event: Some(event_id),
                detail,
            },
            None => Check {
                name: self.name,
                holds: true,
                first_bad_event: None,
                detail: self.ok_detail,
            },
        }
    }
}

/// Reads the whole log once and checks every promise.
pub fn verify(store: &(impl StoredLog + ?Sized)) -> anyhow::Result<Verdict> {
    let mut ids = Tally::new(
        "event ids strictly increasing, without gaps",
        "every id is the previous one plus 1",
    );
    let mut versions = Tally::new(
        "each stream's versions contiguous from 1",
        "every stream counts 1, 2, 3 …",
    );
    let mut payloads = Tally::new(
        "every payload decodes into its event type",
        "all payloads decode",
    );
    let mut links = Tally::new(
        "tamper-evident chain holds",
        "every hash covers the previous one and its own event",
    );
    let mut replay = Tally::new(
        "replaying the log into OrderView succeeds",
        "the rebuilt view applied every event",
    );
    let mut previous_id: Option<i64> = None;
    let mut previous_hash: Hash = chain::GENESIS;
    let mut stream_versions: BTreeMap<String, i64> = BTreeMap::new();
    let mut view = OrderView::default();
    let mut events = 0u64;
    store.for_each_row(&mut |row: RawEvent| {
        events += 1;
        let id = row.event_id;
        if let Some(previous) = previous_id
            && id != previous + 1
        {
            ids.fail(id, format!("event {id} follows event {previous}"));
        }
        previous_id = Some(id);

        let last = stream_versions.entry(row.stream_id.clone()).or_insert(0);
        if row.stream_version != *last + 1 {
            versions.fail(
                id,
                format!(
                    "event {id} is version {} of {}, after version {last}",
                    row.stream_version, row.stream_id
                ),
            );
        }
        *last = row.stream_version;

        let expected = row.expected_hash(&previous_hash);
        if row.hash != expected {
            links.fail(
                id,
                format!(
                    "event {id}: stored hash {} but its content and the previous hash give {} (it, or an event before it, was edited, deleted or moved)",
                    chain::short(&row.hash),
                    chain::short(&expected)
                ),
            );
        }
        // Follow the chain as stored, so one break is reported once, where it is.
        previous_hash = Hash::try_from(row.hash.as_slice()).unwrap_or(expected);

        match row.decode() {
            Ok(stored) => {
                if let Err(e) = view.apply(&stored) {
                    replay.fail(id, format!("{e:#}"));
                }
            }
            Err(e) => {
                payloads.fail(id, format!("{e:#}"));
                replay.fail(id, format!("event {id} cannot be replayed: it does not decode"));
            }
        }
        Ok(())
    })?;

    let triggers = store.triggers()?;
    let guarded = |operation: &str| {
        triggers.iter().any(|(_, sql)| {
            let sql = sql.to_uppercase();
            // SQLite's triggers RAISE(ABORT, …); a room's run a function that RAISEs EXCEPTION.
            sql.contains(&format!("BEFORE {operation} ON EVENTS"))
                && (sql.contains("RAISE(ABORT") || sql.contains("RAISE EXCEPTION"))
        })
    };
    let missing: Vec<&str> = ["UPDATE", "DELETE"]
        .into_iter()
        .filter(|op| !guarded(op))
        .collect();
    let triggers_check = Check {
        name: "append-only triggers in place",
        holds: missing.is_empty(),
        first_bad_event: None,
        detail: if missing.is_empty() {
            "UPDATE and DELETE on events are refused".into()
        } else {
            format!("nothing refuses {} on events", missing.join(" or "))
        },
    };

    Ok(Verdict {
        events,
        head: (events > 0).then(|| hex::encode(previous_hash)),
        checks: vec![
            ids.finish(),
            versions.finish(),
            payloads.finish(),
            triggers_check,
            links.finish(),
            replay.finish(),
        ],
    })
}
