//! The event store: an append-only SQLite log, the source of truth.

use std::path::Path;

use anyhow::Context;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params, params_from_iter};

use super::log::Refuses;
use super::log::{Log, LogReads, LogTx, StoredLog};
use super::row::{Extension, NewRow, RawEvent, RowRef, Tail, append_with, decode_event, fold};
use super::snapshot::{LatestSnapshot, StoredSnapshot};
use super::{OrderView, StoredEvent, chain};
use crate::db::{self, Location, Schema, StepMark, StoreKind, WriteTx};
use crate::domain::{Deploy, Event, Metadata, Order, OrderId, Shapes};

pub const SCHEMA: Schema = Schema {
    what: StoreKind::EventStore,
    application_id: 0x4553_4c45, // "ESLE"
    // 4: `schema_version`, the shape each event's payload was written in.
    // 5: who and when: `recorded_at`, `actor`, `causation_id`, `correlation_id` (NULL on
    // events written before).
    // 6: `deployments`, the shape each event type is written in since the last deploy.
    // 7: snapshots sealed to the log: `head` and `digest` (NULL on snapshots taken before).
    version: 7,
    upgrades: &[
        (
            3,
            "ALTER TABLE events ADD COLUMN schema_version INTEGER NOT NULL DEFAULT 1 \
             CHECK (schema_version >= 1);",
        ),
        (
            4,
            "ALTER TABLE events ADD COLUMN recorded_at TEXT; \
             ALTER TABLE events ADD COLUMN actor TEXT; \
             ALTER TABLE events ADD COLUMN causation_id TEXT; \
             ALTER TABLE events ADD COLUMN correlation_id TEXT;",
        ),
        (
            5,
            "CREATE TABLE deployments ( \
                 event_type TEXT    PRIMARY KEY NOT NULL, \
                 version    INTEGER NOT NULL CHECK (version >= 1) \
             ) STRICT;",
        ),
        (
            6,
            "ALTER TABLE snapshots ADD COLUMN head BLOB; \
             ALTER TABLE snapshots ADD COLUMN digest BLOB;",
        ),
    ],
    ddl: include_str!("schema.sql"),
    tables: &["events", "snapshots", "progress"],
};

pub struct EventStore {
    conn: Connection,
    /// The id of the first event when the log is empty; afterwards ids continue from the log.
    first_event_id: u64,
    /// A scratch log: each append is a savepoint in one standing transaction (`WriteTx`).
    standing: bool,
}

/// Reads one `events` row; a payload that does not decode is an error naming its event id.
fn read_event(row: &rusqlite::Row) -> rusqlite::Result<anyhow::Result<StoredEvent>> {
    let event_id: i64 = row.get(0)?;
    let decoded = decode_event(
        event_id,
        row.get(1)?,
        row.get(2)?,
        &row.get::<_, String>(3)?,
        row.get(5)?,
        &row.get::<_, String>(4)?,
        [row.get(6)?, row.get(7)?, row.get(8)?, row.get(9)?],
    );
    Ok(decoded.with_context(|| format!("event {event_id} cannot be read")))
}

/// A row whose columns do not hold what the schema says (a NULL where NOT NULL, text where an
/// integer belongs) is damage that SQLite did not notice: said as such.
fn malformed(error: rusqlite::Error) -> anyhow::Error {
    match error {
        rusqlite::Error::InvalidColumnType(..) | rusqlite::Error::FromSqlConversionFailure(..) => {
            anyhow::anyhow!("the database disk image is malformed: {error}")
        }
        other => other.into(),
    }
}

/// Column `i` of `row`, borrowed as `read` takes it: text or a blob without a copy.
fn borrowed_column<'r, T: 'r>(
    row: &'r rusqlite::Row,
    i: usize,
    read: impl FnOnce(&rusqlite::types::ValueRef<'r>) -> rusqlite::types::FromSqlResult<T>,
) -> rusqlite::Result<T> {
    let value = row.get_ref(i)?;
    read(&value)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, value.data_type(), Box::new(e)))
}

/// An event id bound for SQL; `None` means no bound (the end of the log).
fn sql_id(id: Option<u64>) -> i64 {
    id.map_or(i64::MAX, |id| i64::try_from(id).unwrap_or(i64::MAX))
}

const INSERT_EVENT: &str = "INSERT INTO events \
     (event_id, stream_id, stream_version, event_type, payload, hash, schema_version, \
      recorded_at, actor, causation_id, correlation_id) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

fn insert_row(insert: &mut rusqlite::CachedStatement, row: &NewRow) -> anyhow::Result<()> {
    let [recorded_at, actor, causation_id, correlation_id] = row.metadata;
    insert.execute(params![
        row.event_id,
        row.stream_id,
        row.stream_version,
        row.event_type,
        row.payload,
        row.hash.as_slice(),
        row.schema_version,
        recorded_at,
        actor,
        causation_id,
        correlation_id,
    ])?;
    Ok(())
}

const SELECT_EVENTS: &str = "SELECT event_id, stream_id, stream_version, event_type, payload, \
     schema_version, recorded_at, actor, causation_id, correlation_id FROM events";

impl EventStore {
    pub fn open(location: &Location, first_event_id: u64) -> anyhow::Result<EventStore> {
        Ok(EventStore {
            conn: db::open(location, &SCHEMA)?,
            first_event_id,
            standing: location.holds_standing_transaction(),
        })
    }

    /// Opens a stored log for reading only (`eslab log`, `eslab replay`).
    pub fn open_read_only(path: &Path) -> anyhow::Result<EventStore> {
        Ok(EventStore {
            conn: db::open_for_reading(path, &SCHEMA)?,
            first_event_id: 1,
            standing: false,
        })
    }

    /// A write transaction, taken up front so that read-then-append never races another writer.
    pub(crate) fn begin(&mut self) -> anyhow::Result<WriteTx<'_>> {
        Ok(WriteTx::begin(&mut self.conn, self.standing)?)
    }

    /// The order's state right after event `as_of` (or now): its stream, folded up to there.
    pub fn load_order_as_of(
        conn: &Connection,
        order_id: &OrderId,
        as_of: Option<u64>,
    ) -> anyhow::Result<Option<Order>> {
        fold(order_id, |visit| {
            EventStore::for_each_in_stream(conn, order_id, as_of, visit)
        })
    }

    /// SQLite's count of commits by *other* connections (`PRAGMA data_version`): while it is
    /// unchanged, what this connection remembers of the log is still true.
    pub fn data_version(conn: &Connection) -> anyhow::Result<i64> {
        Ok(conn
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |r| r.get(0))?)
    }

    /// One stream's events up to event `until` (inclusive), in version order.
    pub fn for_each_in_stream(
        conn: &Connection,
        order_id: &OrderId,
        until: Option<u64>,
        mut visit: impl FnMut(StoredEvent) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        // `= +?1` rather than `= ?1`: with STAT4 (on in bundled SQLite) a plan that looks at a
        // bound value is re-prepared for every new value, which cost a quarter of each command.
        // The `+` keeps the value out of planning; the index is used just the same.
        let mut select = conn.prepare_cached(&format!(
            "{SELECT_EVENTS} WHERE stream_id = +?1 AND event_id <= +?2 ORDER BY stream_version"
        ))?;
        let mut rows = select.query(params![order_id.as_str(), sql_id(until)])?;
        while let Some(row) = rows.next()? {
            visit(read_event(row).map_err(malformed)??)?;
        }
        Ok(())
    }

    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Appends a command's events to one stream after `tail`, inside the caller's write
    /// transaction (see `append_with`).
    pub fn append(
        tx: &Connection,
        tail: Tail,
        stream_id: &OrderId,
        expected_version: u64,
        events: Vec<Event>,
        shapes: &Shapes,
        metadata: Option<&Metadata>,
    ) -> anyhow::Result<(Vec<StoredEvent>, Tail)> {
        let mut insert = tx.prepare_cached(INSERT_EVENT)?;
        append_with(
            tail,
            stream_id,
            expected_version,
            events,
            shapes,
            metadata,
            |row| insert_row(&mut insert, &row),
        )
    }

    pub fn first_event_id(&self) -> u64 {
        self.first_event_id
    }

    /// Every event up to `until` (inclusive), in event-id order: one scan of the log.
    pub fn for_each(
        &self,
        until: Option<u64>,
        visit: impl FnMut(StoredEvent) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        self.for_each_between(None, until, visit)
    }

    /// Every event after `after` and up to `until` (inclusive), in event-id order.
    pub fn for_each_between(
        &self,
        after: Option<u64>,
        until: Option<u64>,
        mut visit: impl FnMut(StoredEvent) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let after = after.map_or(i64::MIN, |id| sql_id(Some(id)));
        let mut select = self.conn.prepare_cached(&format!(
            "{SELECT_EVENTS} WHERE event_id > ?1 AND event_id <= ?2 ORDER BY event_id"
        ))?;
        let mut rows = select.query(params![after, sql_id(until)])?;
        while let Some(row) = rows.next()? {
            visit(read_event(row).map_err(malformed)??)?;
        }
        Ok(())
    }

    /// Bulk import: appends already-decided events (stream, version, event) in transactions of
    /// `batch` events, in shape 1, chaining hashes as `append` does. For loading a known-good log fast;
    /// it does not re-check versions, which the caller decided.
    pub fn import<'a>(
        &mut self,
        events: impl IntoIterator<Item = (&'a OrderId, u64, &'a Event)>,
        batch: usize,
    ) -> anyhow::Result<()> {
        let mut events = events.into_iter().peekable();
        while events.peek().is_some() {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut tail = EventStore::tail(&tx, self.first_event_id)?;
            {
                let mut insert = tx.prepare_cached(INSERT_EVENT)?;
                for (stream_id, version, event) in events.by_ref().take(batch.max(1)) {
                    let payload = event.payload_json();
                    let (row, next) = tail.next_row(
                        stream_id.as_str(),
                        version,
                        event.event_type(),
                        &payload,
                        Extension {
                            schema_version: 1,
                            metadata: &[None, None, None, None],
                        },
                    )?;
                    insert_row(&mut insert, &row)?;
                    tail = next;
                }
            }
            tx.commit()?;
        }
        Ok(())
    }

    /// Where the log ends now: read from its last row.
    pub fn tail(conn: &Connection, first_event_id: u64) -> anyhow::Result<Tail> {
        let last: Option<(i64, Vec<u8>)> = conn
            .prepare_cached("SELECT event_id, hash FROM events ORDER BY event_id DESC LIMIT 1")?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(match last {
            Some((id, hash)) => Tail {
                next_id: id as u64 + 1,
                hash: chain::Hash::try_from(hash.as_slice())
                    .map_err(|_| anyhow::anyhow!("event {id} has a malformed hash"))?,
            },
            None => Tail {
                next_id: first_event_id,
                hash: chain::GENESIS,
            },
        })
    }

    /// Replays events after the view's checkpoint (up to `until`) into it: one scan in
    /// event-id order, strings borrowed from SQLite, decoding dispatched on the stored type.
    pub fn replay_into(&self, view: &mut OrderView, until: Option<u64>) -> anyhow::Result<()> {
        let after = view.checkpoint().map_or(i64::MIN, |id| sql_id(Some(id)));
        // The lower bound is one seek; an upper bound is a test on every row, so a replay to
        // the end of the log (the common case) goes without one.
        let until = until.map(|id| sql_id(Some(id)));
        let mut select = self.conn.prepare_cached(&match until {
            Some(_) => {
                format!("{SELECT_EVENTS} WHERE event_id > ?1 AND event_id <= ?2 ORDER BY event_id")
            }
            None => format!("{SELECT_EVENTS} WHERE event_id > ?1 ORDER BY event_id"),
        })?;
        let mut rows = select.query(params_from_iter(std::iter::once(after).chain(until)))?;
        while let Some(row) = rows.next()? {
            let event_id: i64 = row.get(0).map_err(malformed)?;
            let replayed = (|| {
                let stream_id = row.get_ref(1)?.as_str()?;
                let stream_version: i64 = row.get(2)?;
                let shape = u32::try_from(row.get::<_, i64>(5)?)?;
                let event =
                    Event::decode(row.get_ref(3)?.as_str()?, shape, row.get_ref(4)?.as_str()?)
                        .map_err(anyhow::Error::msg)?;
                view.apply_event(event_id as u64, stream_id, stream_version as u64, event)
            })();
            replayed.with_context(|| format!("event {event_id} cannot be replayed"))?;
        }
        Ok(())
    }

    /// Every row as stored, hash included, in event-id order, without decoding anything:
    /// for `eslab log` and `eslab verify`, which must read a damaged log too.
    pub fn for_each_row(
        &self,
        mut visit: impl FnMut(RawEvent) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        self.for_each_row_ref(|row| visit(row.into_owned()))
    }

    /// Every row as stored, borrowed from SQLite for the length of the call: one scan in
    /// event-id order, nothing copied that the visitor does not copy.
    pub fn for_each_row_ref(
        &self,
        mut visit: impl FnMut(RowRef<'_>) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let mut select = self.conn.prepare_cached(
            "SELECT event_id, stream_id, stream_version, event_type, payload, hash, schema_version, \
             recorded_at, actor, causation_id, correlation_id FROM events ORDER BY event_id",
        )?;
        let mut rows = select.query([])?;
        while let Some(row) = rows.next()? {
            let raw = (|| {
                Ok(RowRef {
                    event_id: row.get(0)?,
                    stream_id: borrowed_column(row, 1, ValueRef::as_str)?,
                    stream_version: row.get(2)?,
                    event_type: borrowed_column(row, 3, ValueRef::as_str)?,
                    payload: borrowed_column(row, 4, ValueRef::as_str)?,
                    hash: borrowed_column(row, 5, ValueRef::as_blob)?,
                    schema_version: row.get(6)?,
                    metadata: [
                        borrowed_column(row, 7, ValueRef::as_str_or_null)?,
                        borrowed_column(row, 8, ValueRef::as_str_or_null)?,
                        borrowed_column(row, 9, ValueRef::as_str_or_null)?,
                        borrowed_column(row, 10, ValueRef::as_str_or_null)?,
                    ],
                })
            })()
            .map_err(malformed)?;
            visit(raw)?;
        }
        Ok(())
    }

    /// Whether the log refuses an UPDATE and a DELETE of its events, found by trying them,
    /// never by reading the triggers' text: on a copy in memory of the database's schema
    /// (every table and trigger exactly as stored) holding the log's first and last events
    /// (one made-up event when the log is empty), each inside a transaction rolled back. A
    /// write is refused when it fails or leaves the rows as they were. The file is only read.
    pub fn refuses_rewrites(&self) -> anyhow::Result<Refuses> {
        let copy = Connection::open_in_memory()?;
        let mut schema = self.conn.prepare(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' \
             ORDER BY type = 'trigger', rowid",
        )?;
        let statements = schema.query_map([], |r| r.get::<_, String>(0))?;
        for sql in statements {
            copy.execute_batch(&sql?)?;
        }
        let mut rows = self.conn.prepare(
            "SELECT * FROM events WHERE event_id IN \
             ((SELECT min(event_id) FROM events), (SELECT max(event_id) FROM events))",
        )?;
        let columns = rows.column_count();
        let insert = format!(
            "INSERT INTO events VALUES ({})",
            vec!["?"; columns].join(", ")
        );
        let mut copied = 0;
        let mut found = rows.query([])?;
        while let Some(row) = found.next()? {
            let values = (0..columns)
                .map(|i| row.get::<_, rusqlite::types::Value>(i))
                .collect::<rusqlite::Result<Vec<_>>>()?;
            copy.execute(&insert, params_from_iter(values))?;
            copied += 1;
        }
        if copied == 0 {
            copy.execute(
                "INSERT INTO events (event_id, stream_id, stream_version, event_type, payload, hash) \
                 VALUES (1, 'probe', 1, 'NewOrderEvent', '{}', zeroblob(32))",
                [],
            )?;
        }
        let contents = |conn: &Connection| -> rusqlite::Result<String> {
            conn.query_row(
                "SELECT count(*) || ':' || coalesce(group_concat(event_id || ',' || stream_id || ',' \
                 || stream_version || ',' || event_type || ',' || payload || ',' || hex(hash), ';'), '') \
                 FROM (SELECT * FROM events ORDER BY event_id)",
                [],
                |r| r.get(0),
            )
        };
        let before = contents(&copy)?;
        let refused = |sql: &str| -> anyhow::Result<bool> {
            copy.execute_batch("SAVEPOINT attempt")?;
            let failed = copy.execute_batch(sql).is_err();
            let unchanged = contents(&copy)? == before;
            copy.execute_batch("ROLLBACK TO attempt; RELEASE attempt")?;
            Ok(failed || unchanged)
        };
        Ok(Refuses {
            update: refused("UPDATE events SET payload = payload || ' '")?,
            delete: refused("DELETE FROM events")?,
        })
    }

    pub fn count(&self) -> anyhow::Result<u64> {
        let count: i64 = self
            .conn
            .query_row("SELECT count(*) FROM events", [], |r| r.get(0))?;
        Ok(count as u64)
    }
}

impl LogReads for EventStore {
    fn first_event_id(&self) -> u64 {
        self.first_event_id
    }

    fn for_each_in_stream(
        &self,
        order_id: &OrderId,
        until: Option<u64>,
        visit: &mut dyn FnMut(StoredEvent) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        EventStore::for_each_in_stream(&self.conn, order_id, until, visit)
    }

    fn for_each_between(
        &self,
        after: Option<u64>,
        until: Option<u64>,
        visit: &mut dyn FnMut(StoredEvent) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        EventStore::for_each_between(self, after, until, visit)
    }

    fn replay_into(&self, view: &mut OrderView, until: Option<u64>) -> anyhow::Result<()> {
        EventStore::replay_into(self, view, until)
    }

    fn count(&self) -> anyhow::Result<u64> {
        EventStore::count(self)
    }

    fn latest_snapshot(&self) -> anyhow::Result<LatestSnapshot> {
        EventStore::latest_snapshot(self)
    }

    fn save_snapshot(&self, view: &OrderView) -> anyhow::Result<()> {
        EventStore::save_snapshot(self, view)
    }

    fn is_done(&self, mark: &StepMark) -> anyhow::Result<bool> {
        db::is_done(&self.conn, mark)
    }

    fn shapes(&self) -> anyhow::Result<Shapes> {
        EventStore::shapes(&self.conn)
    }
}

impl Log for EventStore {
    type Tx<'a> = WriteTx<'a>;

    fn begin(&mut self) -> anyhow::Result<WriteTx<'_>> {
        EventStore::begin(self)
    }
}

/// SQLite's write transaction (`WriteTx`): IMMEDIATE on a file, the whole file the append
/// lock; a savepoint in a scratch log nobody else opens.
impl LogTx for WriteTx<'_> {
    fn version(&mut self) -> anyhow::Result<i64> {
        EventStore::data_version(self)
    }

    fn tail(&mut self, first_event_id: u64) -> anyhow::Result<Tail> {
        EventStore::tail(self, first_event_id)
    }

    fn load_order(&mut self, order_id: &OrderId) -> anyhow::Result<Option<Order>> {
        EventStore::load_order_as_of(self, order_id, None)
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
        EventStore::append(
            self,
            tail,
            stream_id,
            expected_version,
            events,
            shapes,
            metadata,
        )
    }

    fn is_done(&mut self, mark: &StepMark) -> anyhow::Result<bool> {
        db::is_done(self, mark)
    }

    fn record_progress(&mut self, mark: &StepMark) -> anyhow::Result<()> {
        db::record_progress(self, mark)
    }

    fn shapes(&mut self) -> anyhow::Result<Shapes> {
        EventStore::shapes(self)
    }

    fn record_deploy(&mut self, deploy: &Deploy) -> anyhow::Result<()> {
        EventStore::record_deploy(self, deploy)
    }

    fn count_older(&mut self, event_type: &str, version: u32) -> anyhow::Result<u64> {
        let older: i64 = self.query_row(
            "SELECT count(*) FROM events WHERE event_type = ?1 AND schema_version < ?2",
            params![event_type, version],
            |r| r.get(0),
        )?;
        Ok(older as u64)
    }

    fn commit(self) -> anyhow::Result<()> {
        Ok(WriteTx::commit(self)?)
    }
}

impl StoredLog for EventStore {
    fn for_each_row_ref(
        &self,
        visit: &mut dyn FnMut(RowRef<'_>) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        EventStore::for_each_row_ref(self, visit)
    }

    fn snapshots(&self) -> anyhow::Result<Vec<StoredSnapshot>> {
        EventStore::snapshots(self)
    }

    fn refuses_rewrites(&self) -> anyhow::Result<Refuses> {
        EventStore::refuses_rewrites(self)
    }
}
