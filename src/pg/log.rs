//! The event log in a room: the `es::Log` engine over PostgreSQL.

use std::cell::RefCell;

use anyhow::Context;
use postgres::Client;

use super::db::{Db, DbTx, Query};

use super::out_of_range;
use crate::db::StepMark;
use crate::domain::{Deploy, Event, Metadata, Order, OrderId, Shapes};
use crate::es::log::Refuses;
use crate::es::log::{Log, LogReads, LogTx, StoredLog};
use crate::es::row::{self, NewRow, RawEvent, RowRef};
use crate::es::snapshot::{LatestSnapshot, StoredSnapshot};
use crate::es::{OrderView, StoredEvent, Tail};
use crate::es::{chain, deployments};

pub(super) const SELECT_EVENTS: &str = "SELECT event_id, stream_id, stream_version, event_type, payload, \
     hash, schema_version, recorded_at, actor, causation_id, correlation_id FROM events";

const INSERT_EVENT: &str = "INSERT INTO events \
     (event_id, stream_id, stream_version, event_type, payload, hash, schema_version, \
      recorded_at, actor, causation_id, correlation_id) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

/// The room's log, on its own connection. The client needs `&mut` to query; the read side of
/// a log is `&self`, so the connection sits in a `RefCell` (one thread, one query at a time).
pub struct PgLog {
    client: RefCell<Db>,
    first_event_id: u64,
}

impl PgLog {
    pub fn new(client: Client, first_event_id: u64) -> PgLog {
        PgLog {
            client: RefCell::new(Db::new(client)),
            first_event_id,
        }
    }

    /// Every row as stored, hash included, in event-id order (`eslab verify` reads these),
    /// each as it arrives from the server.
    pub fn for_each_row(
        &self,
        mut visit: impl FnMut(RawEvent) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        self.for_each_row_ref(&mut |row| visit(row.into_owned()))
    }
}

impl StoredLog for PgLog {
    fn for_each_row_ref(
        &self,
        visit: &mut dyn FnMut(RowRef<'_>) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        // Streamed: the visitors (verify, log, replay) never call back into this log.
        self.client.borrow_mut().for_each(
            &format!("{SELECT_EVENTS} ORDER BY event_id"),
            &[],
            |row| visit(row_ref(row)?),
        )
    }

    fn snapshots(&self) -> anyhow::Result<Vec<StoredSnapshot>> {
        let rows = self
            .client
            .borrow_mut()
            .query(&format!("{SELECT_SNAPSHOTS} ORDER BY checkpoint"), &[])?;
        rows.iter().map(stored_snapshot).collect()
    }

    /// From the catalog: an enabled BEFORE trigger on the room's `events` for the operation,
    /// whose function raises. (Trying the rewrite, as a SQLite log is tried on a copy, would
    /// say nothing here: the attendees' role is refused it by its privileges before any
    /// trigger runs.)
    fn refuses_rewrites(&self) -> anyhow::Result<Refuses> {
        let row = self.client.borrow_mut().query_one(
            "SELECT coalesce(bool_or(t.tgtype & 16 <> 0), false), \
                    coalesce(bool_or(t.tgtype & 8 <> 0), false) \
             FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid \
             WHERE t.tgrelid = 'events'::regclass AND NOT t.tgisinternal \
               AND t.tgenabled <> 'D' AND t.tgtype & 2 <> 0 \
               AND p.prosrc ILIKE '%RAISE EXCEPTION%'",
            &[],
        )?;
        Ok(Refuses {
            update: row.try_get(0)?,
            delete: row.try_get(1)?,
        })
    }
}

const SELECT_SNAPSHOTS: &str = "SELECT checkpoint, orders, head, digest FROM snapshots";

fn stored_snapshot(row: &postgres::Row) -> anyhow::Result<StoredSnapshot> {
    Ok(StoredSnapshot {
        checkpoint: row.try_get(0)?,
        orders: row.try_get(1)?,
        head: row.try_get(2)?,
        digest: row.try_get(3)?,
    })
}

/// The hash the log holds for event `event_id`, if there is such an event.
fn hash_of(db: &mut impl Query, event_id: i64) -> anyhow::Result<Option<Vec<u8>>> {
    Ok(db
        .query_opt("SELECT hash FROM events WHERE event_id = $1", &[&event_id])?
        .map(|row| row.get(0)))
}

/// One `events` row exactly as stored, borrowed from the row.
pub(super) fn row_ref(row: &postgres::Row) -> anyhow::Result<RowRef<'_>> {
    Ok(RowRef {
        event_id: row.try_get(0)?,
        stream_id: row.try_get(1)?,
        stream_version: row.try_get(2)?,
        event_type: row.try_get(3)?,
        payload: row.try_get(4)?,
        hash: row.try_get(5)?,
        schema_version: row.try_get(6)?,
        metadata: [
            row.try_get(7)?,
            row.try_get(8)?,
            row.try_get(9)?,
            row.try_get(10)?,
        ],
    })
}

/// One `events` row exactly as stored, owned.
fn raw_event(row: &postgres::Row) -> anyhow::Result<RawEvent> {
    Ok(row_ref(row)?.into_owned())
}

/// An event id bound for SQL; `None` means no bound.
fn bound(id: Option<u64>, none: i64) -> i64 {
    id.map_or(none, |id| i64::try_from(id).unwrap_or(i64::MAX))
}

fn for_each_in_stream(
    client: &mut impl Query,
    order_id: &OrderId,
    until: Option<u64>,
    visit: &mut dyn FnMut(StoredEvent) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let rows = client.query(
        &format!("{SELECT_EVENTS} WHERE stream_id = $1 AND event_id <= $2 ORDER BY stream_version"),
        &[&order_id.as_str(), &bound(until, i64::MAX)],
    )?;
    for row in rows {
        visit(raw_event(&row)?.decode()?)?;
    }
    Ok(())
}

impl LogReads for PgLog {
    fn first_event_id(&self) -> u64 {
        self.first_event_id
    }

    fn for_each_in_stream(
        &self,
        order_id: &OrderId,
        until: Option<u64>,
        visit: &mut dyn FnMut(StoredEvent) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        for_each_in_stream(&mut *self.client.borrow_mut(), order_id, until, visit)
    }

    fn for_each_between(
        &self,
        after: Option<u64>,
        until: Option<u64>,
        visit: &mut dyn FnMut(StoredEvent) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        self.client.borrow_mut().for_each(
            &format!("{SELECT_EVENTS} WHERE event_id > $1 AND event_id <= $2 ORDER BY event_id"),
            &[&bound(after, i64::MIN), &bound(until, i64::MAX)],
            |row| visit(raw_event(row)?.decode()?),
        )
    }

    fn replay_into(&self, view: &mut OrderView, until: Option<u64>) -> anyhow::Result<()> {
        self.for_each_between(view.checkpoint(), until, &mut |stored| {
            let event_id = stored.event_id;
            view.apply_event(
                event_id,
                stored.stream_id.as_str(),
                stored.stream_version,
                stored.event,
            )
            .with_context(|| format!("event {event_id} cannot be replayed"))
        })
    }

    fn count(&self) -> anyhow::Result<u64> {
        let count: i64 = self
            .client
            .borrow_mut()
            .query_one("SELECT count(*) FROM events", &[])?
            .get(0);
        u64::try_from(count).map_err(|_| out_of_range("the count of events"))
    }

    fn latest_snapshot(&self) -> anyhow::Result<LatestSnapshot> {
        let mut db = self.client.borrow_mut();
        let latest = db.query_opt(
            &format!("{SELECT_SNAPSHOTS} ORDER BY checkpoint DESC LIMIT 1"),
            &[],
        )?;
        let Some(latest) = latest.as_ref().map(stored_snapshot).transpose()? else {
            return Ok(LatestSnapshot::None);
        };
        let logged = hash_of(&mut *db, latest.checkpoint)?;
        Ok(latest.latest(logged.as_deref()))
    }

    /// Sealed to the log's event at its checkpoint, as SQLite's snapshots are.
    fn save_snapshot(&self, view: &OrderView) -> anyhow::Result<()> {
        let Some(checkpoint) = view.checkpoint() else {
            return Ok(()); // an empty view needs no snapshot
        };
        let checkpoint = i64::try_from(checkpoint).map_err(|_| out_of_range("the checkpoint"))?;
        let mut db = self.client.borrow_mut();
        let head = hash_of(&mut *db, checkpoint)?;
        let sealed = StoredSnapshot::sealed(view, checkpoint, head)?;
        db.execute(
            "INSERT INTO snapshots (checkpoint, orders, head, digest) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (checkpoint) DO UPDATE SET orders = excluded.orders, \
             head = excluded.head, digest = excluded.digest",
            &[
                &sealed.checkpoint,
                &sealed.orders,
                &sealed.head,
                &sealed.digest,
            ],
        )?;
        Ok(())
    }

    fn is_done(&self, mark: &StepMark) -> anyhow::Result<bool> {
        super::rows::is_done(&mut *self.client.borrow_mut(), "es", mark)
    }

    fn shapes(&self) -> anyhow::Result<Shapes> {
        shapes(&mut *self.client.borrow_mut())
    }
}

impl Log for PgLog {
    type Tx<'a> = PgLogTx<'a>;

    /// Locks the log's head row first: every append takes its turn there, through its commit.
    fn begin(&mut self) -> anyhow::Result<PgLogTx<'_>> {
        let mut tx = self.client.get_mut().transaction()?;
        let head = tx.query_one(
            "SELECT next_id, last_hash, version FROM log_head FOR UPDATE",
            &[],
        )?;
        let next_id: Option<i64> = head.get(0);
        let hash: Vec<u8> = head.get(1);
        let hash = chain::Hash::try_from(hash.as_slice())
            .map_err(|_| anyhow::anyhow!("the log's head holds a malformed hash"))?;
        Ok(PgLogTx {
            tx,
            next_id,
            hash,
            version: head.get(2),
        })
    }
}

/// A write transaction holding the log's head row.
pub struct PgLogTx<'a> {
    tx: DbTx<'a>,
    /// The head as locked: the next event's id (none before the first event) and the hash it
    /// chains to.
    next_id: Option<i64>,
    hash: chain::Hash,
    /// The head's version, moved on by this transaction's append or deploy.
    version: i64,
}

impl PgLogTx<'_> {
    /// Moves the head's version on: others' caches of the log no longer hold.
    fn moved(&mut self) -> anyhow::Result<()> {
        self.version += 1;
        self.tx
            .execute("UPDATE log_head SET version = $1", &[&self.version])?;
        Ok(())
    }
}

/// The shapes a room's `deployments` rows say.
fn shapes(client: &mut impl Query) -> anyhow::Result<Shapes> {
    let rows = client.query(
        "SELECT event_type, version FROM deployments ORDER BY event_type",
        &[],
    )?;
    deployments::shapes_from(
        rows.iter()
            .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
            .collect::<Result<_, postgres::Error>>()?,
    )
}

impl LogTx for PgLogTx<'_> {
    /// The head's version: it moves when someone appends or deploys.
    fn version(&mut self) -> anyhow::Result<i64> {
        Ok(self.version)
    }

    /// This transaction's own append moved the version: what it leaves is its own.
    fn version_left(&self, _at_start: i64, _tail: &Tail) -> i64 {
        self.version
    }

    fn tail(&mut self, first_event_id: u64) -> anyhow::Result<Tail> {
        Ok(Tail {
            next_id: match self.next_id {
                Some(id) => u64::try_from(id).map_err(|_| out_of_range("the log's next id"))?,
                None => first_event_id,
            },
            hash: self.hash,
        })
    }

    fn load_order(&mut self, order_id: &OrderId) -> anyhow::Result<Option<Order>> {
        let tx = &mut self.tx;
        row::fold(order_id, |visit| {
            for_each_in_stream(tx, order_id, None, visit)
        })
    }

    fn append(
        &mut self,
        tail: Tail,
        stream_id: &OrderId,
        expected_version: u64,
        events: Vec<Event>,
        shapes: &Shapes,
        metadata: Option<&Metadata>,
    ) -> anyhow::Result<(Vec<StoredEvent>, Tail)> {
        let tx = &mut self.tx;
        let (appended, tail) = row::append_with(
            tail,
            stream_id,
            expected_version,
            events,
            shapes,
            metadata,
            |row: NewRow| {
                let [recorded_at, actor, causation_id, correlation_id] = row.metadata;
                tx.execute(
                    INSERT_EVENT,
                    &[
                        &row.event_id,
                        &row.stream_id,
                        &row.stream_version,
                        &row.event_type,
                        &row.payload,
                        &row.hash.as_slice(),
                        &row.schema_version,
                        recorded_at,
                        actor,
                        causation_id,
                        correlation_id,
                    ],
                )?;
                Ok(())
            },
        )?;
        let next_id = i64::try_from(tail.next_id).map_err(|_| out_of_range("event ids"))?;
        // One statement moves the head: the next id, the hash to chain to, and its version.
        self.version += 1;
        self.tx.execute(
            "UPDATE log_head SET next_id = $1, last_hash = $2, version = $3",
            &[&next_id, &tail.hash.as_slice(), &self.version],
        )?;
        self.next_id = Some(next_id);
        self.hash = tail.hash;
        Ok((appended, tail))
    }

    fn is_done(&mut self, mark: &StepMark) -> anyhow::Result<bool> {
        super::rows::is_done(&mut self.tx, "es", mark)
    }

    fn record_progress(&mut self, mark: &StepMark) -> anyhow::Result<()> {
        super::rows::record_progress(&mut self.tx, "es", mark)
    }

    fn shapes(&mut self) -> anyhow::Result<Shapes> {
        shapes(&mut self.tx)
    }

    fn record_deploy(&mut self, deploy: &Deploy) -> anyhow::Result<()> {
        self.tx.execute(
            "INSERT INTO deployments (event_type, version) VALUES ($1, $2) \
             ON CONFLICT (event_type) DO UPDATE SET version = excluded.version",
            &[&deploy.event, &i64::from(deploy.version)],
        )?;
        self.moved()
    }

    fn count_older(&mut self, event_type: &str, version: u32) -> anyhow::Result<u64> {
        let count: i64 = self
            .tx
            .query_one(
                "SELECT count(*) FROM events WHERE event_type = $1 AND schema_version < $2",
                &[&event_type, &i64::from(version)],
            )?
            .get(0);
        u64::try_from(count).map_err(|_| out_of_range("the count of events"))
    }

    fn commit(self) -> anyhow::Result<()> {
        self.tx.commit()
    }
}
