//! `eslab verify`: does the stored log still keep the event store's one promise — what was
//! appended stays, in order, exactly as written?

use std::collections::HashMap;

use serde::Serialize;

use crate::domain::Event;
use crate::es::chain::{self, Hash};
use crate::es::log::Refuses;
use crate::es::row::RowRef;
use crate::es::snapshot::StoredSnapshot;
use crate::es::{OrderView, StoredLog};
use crate::service::{IgnoredSnapshot, SnapshotFault};

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
                beside_the_log: false,
            },
            None => Check {
                name: self.name,
                holds: true,
                first_bad_event: None,
                detail: self.ok_detail,
                beside_the_log: false,
            },
        }
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
    let Pass {
        ids,
        versions,
        payloads,
        links,
        replay,
        previous_hash,
        view,
        view_at_until,
        events,
        pending,
        mut bad_snapshots,
        unsealed,
        ..
    } = pass;
    bad_snapshots.extend(pending.map(|s| s.ignored(SnapshotFault::NoSuchEvent)));
    let snapshots_check = snapshots_check(&snapshots, &bad_snapshots, unsealed);
    let triggers_check = triggers_check(store.refuses_rewrites()?);

    let verdict = Verdict {
        events,
        head: (events > 0).then(|| hex::encode(previous_hash)),
        checks: vec![
            ids.finish(),
            versions.finish(),
            payloads.finish(),
            triggers_check,
            links.finish(),
            replay.finish(),
            snapshots_check,
        ],
    };
    Ok(Reading {
        verdict,
        view: view_at_until.unwrap_or(view),
    })
}

/// Reads the log once, checking each row on a second thread while this one reads and
/// decodes the next batch, and handing each row and its event to `visit`.
fn check_while_reading<'s>(
    store: &(impl StoredLog + ?Sized),
    mut pass: Pass<'s>,
    visit: &mut (impl FnMut(&RowRef, &Event) -> anyhow::Result<()> + Send),
) -> anyhow::Result<Pass<'s>> {
    let (pass, read) = std::thread::scope(|scope| {
        let (full, batches) = std::sync::mpsc::sync_channel::<Batch>(2);
        let (emptied, empties) = std::sync::mpsc::sync_channel::<Batch>(3);
        let checker = scope.spawn(move || -> anyhow::Result<Pass> {
            for mut batch in batches {
                let mut rows = std::mem::take(&mut batch.rows);
                for copied in rows.drain(..) {
                    let row = batch.row(&copied);
                    pass.check(&row, copied.decoded, &mut *visit)?;
                }
                batch.rows = rows;
                batch.text.clear();
                batch.hashes.clear();
                let _ = emptied.try_send(batch);
            }
            Ok(pass)
        });
        let mut batch = Batch::default();
        let read = store.for_each_row_ref(&mut |row| {
            batch.push(&row, row.decode_event());
            if batch.rows.len() == BATCH_ROWS {
                let next = empties.try_recv().unwrap_or_default();
                // The checker stopped: its error is the one to report.
                full.send(std::mem::replace(&mut batch, next))
                    .map_err(|_| anyhow::anyhow!("the check of the log stopped"))?;
            }
            Ok(())
        });
        if !batch.rows.is_empty() {
            let _ = full.send(batch);
        }
        drop(full);
        let checked = checker
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (checked, read)
    });
    let pass = pass?;
    read?;
    Ok(pass)
}

/// Whether every stored snapshot is sealed to its event and equal to the log replayed up to
/// it.
fn snapshots_check(
    snapshots: &[StoredSnapshot],
    bad_snapshots: &[IgnoredSnapshot],
    unsealed: usize,
) -> Check {
    Check {
        name: "snapshots match the log",
        holds: bad_snapshots.is_empty(),
        first_bad_event: None,
        detail: match bad_snapshots.first() {
            None if snapshots.is_empty() => "no snapshot is stored".into(),
            None if unsealed == 0 => format!(
                "{} sealed to its event and equal to the log replayed up to it",
                if snapshots.len() == 1 {
                    "the snapshot is".to_string()
                } else {
                    format!("each of {} snapshots is", snapshots.len())
                }
            ),
            None => format!(
                "{} equal to the log replayed up to it; {unsealed} taken before eslab sealed snapshots, which rebuilds do not use",
                if snapshots.len() == 1 {
                    "the snapshot is".to_string()
                } else {
                    format!("each of {} snapshots is", snapshots.len())
                }
            ),
            Some(bad) => format!(
                "the snapshot at event {} does not match the log: {}; rebuilds ignore it{}",
                bad.checkpoint,
                bad.fault,
                match bad_snapshots.len() - 1 {
                    0 => String::new(),
                    more => format!(" ({more} more do not match either)"),
                }
            ),
        },
        beside_the_log: true,
    }
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

/// Rows a batch carries from the thread that reads them to the one that checks them.
const BATCH_ROWS: usize = 1024;

/// Rows copied out of SQLite: their text in one string, their hashes in one buffer.
#[derive(Default)]
struct Batch {
    text: String,
    hashes: Vec<u8>,
    rows: Vec<Copied>,
}

/// One row of a batch: its numbers, where its texts and hash are, and its decoded event.
struct Copied {
    event_id: i64,
    stream_version: i64,
    schema_version: i64,
    /// stream_id, event_type, payload and the four metadata columns (`None`: NULL).
    texts: [Option<(usize, usize)>; 7],
    hash: (usize, usize),
    decoded: anyhow::Result<Event>,
}

impl Batch {
    fn push(&mut self, row: &RowRef, decoded: anyhow::Result<Event>) {
        let mut text = |value: Option<&str>| {
            value.map(|value| {
                let start = self.text.len();
                self.text.push_str(value);
                (start, self.text.len())
            })
        };
        let [m0, m1, m2, m3] = row.metadata;
        let texts = [
            text(Some(row.stream_id)),
            text(Some(row.event_type)),
            text(Some(row.payload)),
            text(m0),
            text(m1),
            text(m2),
            text(m3),
        ];
        let start = self.hashes.len();
        self.hashes.extend_from_slice(row.hash);
        self.rows.push(Copied {
            event_id: row.event_id,
            stream_version: row.stream_version,
            schema_version: row.schema_version,
            texts,
            hash: (start, self.hashes.len()),
            decoded,
        });
    }

    fn row(&self, copied: &Copied) -> RowRef<'_> {
        let text = |i: usize| copied.texts[i].map(|(from, to)| &self.text[from..to]);
        RowRef {
            event_id: copied.event_id,
            stream_id: text(0).unwrap_or_default(),
            stream_version: copied.stream_version,
            event_type: text(1).unwrap_or_default(),
            payload: text(2).unwrap_or_default(),
            hash: &self.hashes[copied.hash.0..copied.hash.1],
            schema_version: copied.schema_version,
            metadata: [text(3), text(4), text(5), text(6)],
        }
    }
}

/// The checks of one pass, fed a row at a time in event-id order.
struct Pass<'s> {
    ids: Tally,
    versions: Tally,
    payloads: Tally,
    links: Tally,
    replay: Tally,
    previous_id: Option<i64>,
    previous_hash: Hash,
    /// Looked up by stream, never iterated: its order cannot reach the output.
    stream_versions: HashMap<String, i64>,
    view: OrderView,
    view_at_until: Option<OrderView>,
    until: Option<u64>,
    events: u64,
    /// Each snapshot is checked where the pass reaches its checkpoint: sealed to the event
    /// there, and equal to the view replayed up to it.
    pending: std::iter::Peekable<std::slice::Iter<'s, StoredSnapshot>>,
    bad_snapshots: Vec<IgnoredSnapshot>,
    /// Snapshots without a seal that equal the log where they were taken.
    unsealed: usize,
}

impl<'s> Pass<'s> {
    fn new(snapshots: &'s [StoredSnapshot], until: Option<u64>) -> Pass<'s> {
        Pass {
            ids: Tally::new(
                "event ids strictly increasing, without gaps",
                "every id is the previous one plus 1",
            ),
            versions: Tally::new(
                "each stream's versions contiguous from 1",
                "every stream counts 1, 2, 3 …",
            ),
            payloads: Tally::new(
                "every payload decodes into its event type",
                "all payloads decode",
            ),
            links: Tally::new(
                "tamper-evident chain holds",
                "every hash covers the previous one and its own event",
            ),
            replay: Tally::new(
                "replaying the log into OrderView succeeds",
                "the rebuilt view applied every event",
            ),
            previous_id: None,
            previous_hash: chain::GENESIS,
            stream_versions: HashMap::new(),
            view: OrderView::default(),
            view_at_until: None,
            until,
            events: 0,
            pending: snapshots.iter().peekable(),
            bad_snapshots: Vec::new(),
            unsealed: 0,
        }
    }

    /// Checks one row, and applies its event (`decoded`) to the view.
    fn check(
        &mut self,
        row: &RowRef,
        decoded: anyhow::Result<Event>,
        visit: &mut impl FnMut(&RowRef, &Event) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        self.events += 1;
        let id = row.event_id;
        self.check_id(id);
        self.check_version(row);
        self.check_link(row);
        if let Some(until) = self.until
            && id > until as i64
            && self.view_at_until.is_none()
        {
            self.view_at_until = Some(self.view.clone());
        }
        self.apply(row, decoded, visit)?;
        self.check_snapshots(row);
        Ok(())
    }

    /// Each id is the one before it plus 1.
    fn check_id(&mut self, id: i64) {
        if let Some(previous) = self.previous_id
            && id != previous + 1
        {
            self.ids
                .fail(id, format!("event {id} follows event {previous}"));
        }
        self.previous_id = Some(id);
    }

    /// Each stream's versions count 1, 2, 3 …
    fn check_version(&mut self, row: &RowRef) {
        let id = row.event_id;
        let last = match self.stream_versions.get_mut(row.stream_id) {
            Some(last) => last,
            None => self
                .stream_versions
                .entry(row.stream_id.to_owned())
                .or_insert(0),
        };
        if row.stream_version != *last + 1 {
            self.versions.fail(
                id,
                format!(
                    "event {id} is version {} of {}, after version {last}",
                    row.stream_version, row.stream_id
                ),
            );
        }
        *last = row.stream_version;
    }

    /// The row's hash covers the previous one and its own event.
    fn check_link(&mut self, row: &RowRef) {
        let id = row.event_id;
        let expected = row.expected_hash(&self.previous_hash);
        if row.hash != expected {
            self.links.fail(
                id,
                format!(
                    "event {id}: stored hash {} but its content and the previous hash give {} (it, or an event before it, was edited, deleted or moved)",
                    chain::short(row.hash),
                    chain::short(&expected)
                ),
            );
        }
        // Follow the chain as stored, so one break is reported once, where it is.
        self.previous_hash = Hash::try_from(row.hash).unwrap_or(expected);
    }

    /// Hands the row's event to `visit` and applies it to the view; an event that does not
    /// decode fails the payloads and the replay.
    fn apply(
        &mut self,
        row: &RowRef,
        decoded: anyhow::Result<Event>,
        visit: &mut impl FnMut(&RowRef, &Event) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let id = row.event_id;
        match decoded {
            Ok(event) => {
                visit(row, &event)?;
                if let Err(e) = self.view.apply_event(
                    id as u64,
                    row.stream_id,
                    row.stream_version as u64,
                    event,
                ) {
                    self.replay.fail(id, format!("{e:#}"));
                }
            }
            Err(e) => {
                self.payloads.fail(id, format!("{e:#}"));
                self.replay.fail(
                    id,
                    format!("event {id} cannot be replayed: it does not decode"),
                );
            }
        }
        Ok(())
    }

    /// The snapshots whose checkpoint the pass has reached, each against the view replayed
    /// up to this row.
    fn check_snapshots(&mut self, row: &RowRef) {
        let id = row.event_id;
        while let Some(snapshot) = self.pending.next_if(|s| s.checkpoint <= id) {
            let logged = (snapshot.checkpoint == id).then_some(row.hash);
            let fault = match snapshot.open(logged) {
                // Taken before snapshots were sealed: no rebuild uses it, and it is no fault
                // while it equals the log replayed up to its checkpoint.
                Err(SnapshotFault::Unsealed) => {
                    let equal = logged.is_some()
                        && snapshot.orders().is_ok_and(|orders| {
                            OrderView::restore(orders, Some(id as u64)) == self.view
                        });
                    self.unsealed += usize::from(equal);
                    (!equal).then_some(SnapshotFault::Unsealed)
                }
                Err(fault) => Some(fault),
                Ok(orders) => (OrderView::restore(orders, Some(id as u64)) != self.view)
                    .then_some(SnapshotFault::DiffersFromReplay),
            };
            self.bad_snapshots
                .extend(fault.map(|fault| snapshot.ignored(fault)));
        }
    }
}
