//! The checks of one pass over the log, fed a row at a time: ids, each stream's versions,
//! the chain's hashes, the replay into OrderView and the snapshots, each keeping its first
//! failure.

use std::collections::HashMap;

use super::{Check, Reading, Verdict};
use crate::domain::Event;
use crate::es::OrderView;
use crate::es::chain::{self, Hash};
use crate::es::row::RowRef;
use crate::es::snapshot::StoredSnapshot;
use crate::service::{IgnoredSnapshot, SnapshotFault};

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

/// The checks of one pass, fed a row at a time in event-id order.
pub(super) struct Pass<'s> {
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
    pub(super) fn new(snapshots: &'s [StoredSnapshot], until: Option<u64>) -> Pass<'s> {
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
    pub(super) fn check(
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

    /// What the pass found, once every row is read: the verdict, its checks in the order
    /// `verify` reports them (with `triggers_check`, of the schema, among them), and the view
    /// as of `until`. A snapshot whose checkpoint the pass never reached names no event.
    pub(super) fn finish(self, snapshots: &[StoredSnapshot], triggers_check: Check) -> Reading {
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
        } = self;
        bad_snapshots.extend(pending.map(|s| s.ignored(SnapshotFault::NoSuchEvent)));
        let snapshots_check = snapshots_check(snapshots, &bad_snapshots, unsealed);
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
        Reading {
            verdict,
            view: view_at_until.unwrap_or(view),
        }
    }
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
