//! What the event-sourced design asks of the database that keeps its log. Two engines answer:
//! SQLite (`EventStore`, a file or memory) and PostgreSQL (`crate::pg::PgLog`, a room on a
//! server). The rules (`domain::decide`, `apply`), the hash chain (`chain`, `store::append_with`)
//! and `OrderView` are written once, above this trait: an engine only moves rows.

use super::row::{RawEvent, RowRef};
use super::snapshot::{LatestSnapshot, StoredSnapshot};
use super::{OrderView, StoredEvent, Tail};
use crate::db::StepMark;
use crate::domain::{Deploy, Event, Metadata, Order, OrderId, Shapes};

/// Which rewrites of its events a log refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refuses {
    pub update: bool,
    pub delete: bool,
}

/// The read side of a log, outside any write transaction.
pub trait LogReads {
    /// The id of the first event when the log is empty; afterwards ids continue from the log.
    fn first_event_id(&self) -> u64;

    /// One stream's events up to event `until` (inclusive), in version order.
    fn for_each_in_stream(
        &self,
        order_id: &OrderId,
        until: Option<u64>,
        visit: &mut dyn FnMut(StoredEvent) -> anyhow::Result<()>,
    ) -> anyhow::Result<()>;

    /// Every event after `after` and up to `until` (inclusive), in event-id order.
    fn for_each_between(
        &self,
        after: Option<u64>,
        until: Option<u64>,
        visit: &mut dyn FnMut(StoredEvent) -> anyhow::Result<()>,
    ) -> anyhow::Result<()>;

    /// Replays the events after the view's checkpoint (up to `until`) into it.
    fn replay_into(&self, view: &mut OrderView, until: Option<u64>) -> anyhow::Result<()>;

    /// How many events the log holds.
    fn count(&self) -> anyhow::Result<u64>;

    /// The latest snapshot of OrderView, if there is one, and whether its seal holds.
    fn latest_snapshot(&self) -> anyhow::Result<LatestSnapshot>;

    /// Stores the view as a snapshot at its checkpoint, beside the log.
    fn save_snapshot(&self, view: &OrderView) -> anyhow::Result<()>;

    /// Whether the log's database records the step as done (`db::is_done`).
    fn is_done(&self, mark: &StepMark) -> anyhow::Result<bool>;

    /// The shape the writer writes each event type in, as the last deploys left it.
    fn shapes(&self) -> anyhow::Result<Shapes>;

    /// The order's state right after event `as_of` (or now): its stream, folded.
    fn fold_stream(&self, order_id: &OrderId, as_of: Option<u64>) -> anyhow::Result<Option<Order>> {
        super::row::fold(order_id, |visit| {
            self.for_each_in_stream(order_id, as_of, visit)
        })
    }
}

/// A log that can be written: one write transaction at a time per connection.
pub trait Log: LogReads {
    type Tx<'a>: LogTx
    where
        Self: 'a;

    /// A write transaction that holds the log's append lock from its start, so that reading a
    /// stream, deciding and appending never race another writer.
    fn begin(&mut self) -> anyhow::Result<Self::Tx<'_>>;
}

/// What a command does inside its write transaction.
pub trait LogTx {
    /// A token that stays the same while no other connection has appended since this one
    /// last committed: while it does, what this connection remembers of the log holds.
    fn version(&mut self) -> anyhow::Result<i64>;

    /// The token this connection leaves behind once it commits, given the token at the
    /// transaction's start and the tail it leaves. SQLite's `data_version` does not move with
    /// a connection's own commits; a counter the transaction moved itself does.
    fn version_left(&self, at_start: i64, tail: &Tail) -> i64 {
        let _ = tail;
        at_start
    }

    /// Where the log ends now.
    fn tail(&mut self, first_event_id: u64) -> anyhow::Result<Tail>;

    /// The order's state now: its stream, folded.
    fn load_order(&mut self, order_id: &OrderId) -> anyhow::Result<Option<Order>>;

    /// Appends a command's events to one stream after `tail` (see `store::append_with`).
    #[allow(clippy::too_many_arguments)]
    fn append(
        &mut self,
        tail: Tail,
        stream_id: &OrderId,
        expected_version: u64,
        events: Vec<Event>,
        shapes: &Shapes,
        metadata: Option<&Metadata>,
    ) -> anyhow::Result<(Vec<StoredEvent>, Tail)>;

    /// Whether the step is done already, asked in this transaction (`db::is_done`).
    fn is_done(&mut self, mark: &StepMark) -> anyhow::Result<bool>;

    /// Records that a scenario's step is done, in this transaction.
    fn record_progress(&mut self, mark: &StepMark) -> anyhow::Result<()>;

    /// The shapes the last deploys left, read in this transaction.
    fn shapes(&mut self) -> anyhow::Result<Shapes>;

    /// Records that `deploy.event` is written in shape `deploy.version` from now on. Like an
    /// append, it moves `version`: other connections then read the shapes again.
    fn record_deploy(&mut self, deploy: &Deploy) -> anyhow::Result<()>;

    /// How many events of `event_type` the log holds in a shape older than `version`.
    fn count_older(&mut self, event_type: &str, version: u32) -> anyhow::Result<u64>;

    fn commit(self) -> anyhow::Result<()>;
}

/// A stored log as `eslab log`, `replay` and `verify` read it: every row exactly as stored,
/// hash included, without decoding (a damaged log must be readable too), the snapshots kept
/// beside it, and whether it refuses rewrites.
pub(crate) trait StoredLog: LogReads {
    /// Every row, in event-id order, borrowed for the length of the call.
    fn for_each_row_ref(
        &self,
        visit: &mut dyn FnMut(RowRef<'_>) -> anyhow::Result<()>,
    ) -> anyhow::Result<()>;

    /// Every row, in event-id order, copied.
    fn for_each_row(
        &self,
        visit: &mut dyn FnMut(RawEvent) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        self.for_each_row_ref(&mut |row| visit(row.into_owned()))
    }

    /// Every snapshot as stored, by checkpoint.
    fn snapshots(&self) -> anyhow::Result<Vec<StoredSnapshot>>;

    /// Whether the log refuses an UPDATE and a DELETE of its events.
    fn refuses_rewrites(&self) -> anyhow::Result<Refuses>;
}
