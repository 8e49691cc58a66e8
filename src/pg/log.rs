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

/// A command's events and the head moved past them, in one statement (one round trip): the
/// rows come as one array per column. The UPDATE waits for the INSERT (it counts what the
/// INSERT returned), so the head's trigger, which reads the log's last event, sees them.
const APPEND: &str = "WITH appended AS (INSERT INTO events \
     (event_id, stream_id, stream_version, event_type, payload, hash, schema_version, \
      recorded_at, actor, causation_id, correlation_id) \
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], \
         $6::bytea[], $7::bigint[], $8::text[], $9::text[], $10::text[], $11::text[]) \
     RETURNING 1) \
     UPDATE log_head SET next_id = $12, last_hash = $13, version = $14 \
     WHERE (SELECT count(*) FROM appended) = $15";

/// What begins every write transaction on the log, sent with its BEGIN in one round trip:
/// the head row locked (every writer takes its turn here, through its commit), then, in a
/// statement of its own so that it sees what committed while this one waited for the lock,
/// the shapes the last deploys left.
const LOCK_HEAD: &str = "SELECT next_id, encode(last_hash, 'hex'), version FROM log_head FOR UPDATE; \
     SELECT event_type, version FROM deployments ORDER BY event_type";

/// How an append's commit is made durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Commits {
    /// Each append's COMMIT waits for its WAL to reach the disk before its locks go: what
    /// anyone reads is durable. What a room uses.
    #[default]
    Durable,
    /// Each append commits with `synchronous_commit = off`, so its hold on the head row ends
    /// once its commit record is in the WAL buffers, and then commits a transaction of its own
    /// that waits for the WAL to reach the disk past it, before the command is reported. Ids
    /// stay gap-free and in commit order (the head row's lock order is the WAL's commit
    /// order, and a crash keeps a prefix of the WAL), and writers' flushes group; but between
    /// an append's commit and its flush, others can read an event that a crash would take
    /// back. Measured by `eslab bench --store`, never used by a room.
    Grouped,
}

/// The room's log, on its own connection. The client needs `&mut` to query; the read side of
/// a log is `&self`, so the connection sits in a `RefCell` (one thread, one query at a time).
pub struct PgLog {
    client: RefCell<Db>,
    first_event_id: u64,
    commits: Commits,
}

impl PgLog {
    pub fn new(client: Client, first_event_id: u64) -> PgLog {
        PgLog::with_commits(client, first_event_id, Commits::Durable)
    }

    pub fn with_commits(client: Client, first_event_id: u64, commits: Commits) -> PgLog {
        PgLog {
            client: RefCell::new(Db::new(client)),
            first_event_id,
            commits,
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
    /// BEGIN, the lock and the shapes are one round trip.
    fn begin(&mut self) -> anyhow::Result<PgLogTx<'_>> {
        let commits = self.commits;
        let sql = match commits {
            Commits::Durable => LOCK_HEAD.to_string(),
            Commits::Grouped => format!("SET LOCAL synchronous_commit = off; {LOCK_HEAD}"),
        };
        let (tx, results) = self.client.get_mut().transaction_with(&sql)?;
        let [.., head, deployed] = results.as_slice() else {
            anyhow::bail!("the server did not answer for the log's head");
        };
        let [head] = head.as_slice() else {
            anyhow::bail!("the log's head row is missing");
        };
        let next_id = head
            .try_get(0)?
            .map(str::parse::<i64>)
            .transpose()
            .map_err(|_| anyhow::anyhow!("the log's head holds a malformed next id"))?;
        let hash = head
            .try_get(1)?
            .and_then(|hex| hex::decode(hex).ok())
            .and_then(|bytes| chain::Hash::try_from(bytes.as_slice()).ok())
            .ok_or_else(|| anyhow::anyhow!("the log's head holds a malformed hash"))?;
        let version = head
            .try_get(2)?
            .and_then(|text| text.parse::<i64>().ok())
            .ok_or_else(|| anyhow::anyhow!("the log's head holds a malformed version"))?;
        let shapes = deployments::shapes_from(
            deployed
                .iter()
                .map(|row| {
                    let version = row.try_get(1)?.and_then(|v| v.parse::<i64>().ok());
                    match (row.try_get(0)?, version) {
                        (Some(event_type), Some(version)) => Ok((event_type.to_string(), version)),
                        _ => anyhow::bail!("a deployment row is malformed"),
                    }
                })
                .collect::<anyhow::Result<_>>()?,
        )?;
        Ok(PgLogTx {
            tx,
            next_id,
            hash,
            version,
            shapes: Some(shapes),
            commits,
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
    /// The shapes as read once the head was locked; none once this transaction deploys.
    shapes: Option<Shapes>,
    commits: Commits,
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

const SELECT_DEPLOYMENTS: &str = "SELECT event_type, version FROM deployments ORDER BY event_type";

impl PgLogTx<'_> {
    /// Appends each stream's events after the one before, from `tail`, in one statement that
    /// also moves the head (`LogTx::append` is one stream; `eslab bench --store` fills a log
    /// with many at a time).
    pub fn append_streams(
        &mut self,
        tail: Tail,
        streams: Vec<(&OrderId, u64, Vec<Event>)>,
        shapes: &Shapes,
        metadata: Option<&Metadata>,
    ) -> anyhow::Result<(Vec<StoredEvent>, Tail)> {
        let mut columns = Columns::default();
        let mut tail = tail;
        let mut appended = Vec::new();
        for (stream_id, expected_version, events) in streams {
            let (events, next) = row::append_with(
                tail,
                stream_id,
                expected_version,
                events,
                shapes,
                metadata,
                |row: NewRow| {
                    columns.push(&row);
                    Ok(())
                },
            )?;
            appended.extend(events);
            tail = next;
        }
        let next_id = i64::try_from(tail.next_id).map_err(|_| out_of_range("event ids"))?;
        // One statement writes the events and moves the head: the next id, the hash to chain
        // to, and its version.
        let version = self.version + 1;
        let rows = i64::try_from(appended.len()).map_err(|_| out_of_range("events"))?;
        let moved = self.tx.execute(
            APPEND,
            &[
                &columns.event_id,
                &columns.stream_id,
                &columns.stream_version,
                &columns.event_type,
                &columns.payload,
                &columns.hash,
                &columns.schema_version,
                &columns.metadata[0],
                &columns.metadata[1],
                &columns.metadata[2],
                &columns.metadata[3],
                &next_id,
                &tail.hash.as_slice(),
                &version,
                &rows,
            ],
        )?;
        if moved != 1 {
            anyhow::bail!("the log's head did not move past the events appended");
        }
        self.version = version;
        self.next_id = Some(next_id);
        self.hash = tail.hash;
        Ok((appended, tail))
    }
}

/// The shapes a room's `deployments` rows say.
fn shapes(client: &mut impl Query) -> anyhow::Result<Shapes> {
    let rows = client.query(SELECT_DEPLOYMENTS, &[])?;
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
        self.append_streams(
            tail,
            vec![(stream_id, expected_version, events)],
            shapes,
            metadata,
        )
    }

    fn is_done(&mut self, mark: &StepMark) -> anyhow::Result<bool> {
        super::rows::is_done(&mut self.tx, "es", mark)
    }

    fn record_progress(&mut self, mark: &StepMark) -> anyhow::Result<()> {
        super::rows::record_progress(&mut self.tx, "es", mark)
    }

    fn shapes(&mut self) -> anyhow::Result<Shapes> {
        match &self.shapes {
            Some(shapes) => Ok(shapes.clone()),
            None => shapes(&mut self.tx),
        }
    }

    fn record_deploy(&mut self, deploy: &Deploy) -> anyhow::Result<()> {
        self.shapes = None;
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
        match self.commits {
            Commits::Durable => self.tx.commit(),
            // The transaction after the COMMIT has an id of its own, so its commit (with
            // synchronous_commit back on) waits until the WAL is on disk up to its record,
            // which comes after this append's.
            Commits::Grouped => {
                self.tx.commit_then("SELECT pg_current_xact_id()")?;
                Ok(())
            }
        }
    }
}

/// A command's rows, one array per column, for `APPEND`.
#[derive(Default)]
struct Columns {
    event_id: Vec<i64>,
    stream_id: Vec<String>,
    stream_version: Vec<i64>,
    event_type: Vec<String>,
    payload: Vec<String>,
    hash: Vec<Vec<u8>>,
    schema_version: Vec<i64>,
    /// `recorded_at`, `actor`, `causation_id`, `correlation_id`.
    metadata: [Vec<Option<String>>; 4],
}

impl Columns {
    fn push(&mut self, row: &NewRow) {
        self.event_id.push(row.event_id);
        self.stream_id.push(row.stream_id.to_string());
        self.stream_version.push(row.stream_version);
        self.event_type.push(row.event_type.to_string());
        self.payload.push(row.payload.to_string());
        self.hash.push(row.hash.to_vec());
        self.schema_version.push(row.schema_version);
        for (column, value) in self.metadata.iter_mut().zip(row.metadata) {
            column.push(value.clone());
        }
    }
}
