//! The event store: an append-only SQLite log, the source of truth.

use std::path::Path;

use anyhow::Context;
use rusqlite::types::ValueRef;
use rusqlite::{
    Connection, OptionalExtension, Transaction, TransactionBehavior, params, params_from_iter,
};

use super::log::{Log, LogReads, LogTx, StoredLog};
use super::snapshot::{LatestSnapshot, StoredSnapshot};
use super::{OrderView, StoredEvent, chain};
use crate::db::{self, Location, Schema, StepMark, StoreKind};
use crate::domain::{Actor, Deploy, Event, Metadata, Order, OrderId, Shapes, Timestamp, apply};

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

/// An `events` row exactly as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawEvent {
    pub event_id: i64,
    pub stream_id: String,
    pub stream_version: i64,
    pub event_type: String,
    pub payload: String,
    pub hash: Vec<u8>,
    pub schema_version: i64,
    /// `recorded_at`, `actor`, `causation_id`, `correlation_id` as stored: all NULL on an
    /// event written before envelopes kept them.
    pub metadata: [Option<String>; 4],
}

/// What an envelope holds beyond the first one, as the chain hashes it: `None` for an event
/// whose envelope is the first one's (shape 1, no metadata), which hashes as eslab always
/// did; an event of another shape without metadata hashes as it did before metadata existed.
pub fn extension(schema_version: i64, metadata: &[Option<&str>; 4]) -> Option<String> {
    if metadata.iter().all(Option::is_none) {
        return (schema_version != 1).then(|| format!("{{\"schema_version\":{schema_version}}}"));
    }
    // The JSON serde_json writes for the struct {schema_version, recorded_at, actor,
    // causation_id, correlation_id}, written by hand: it is hashed for every event read.
    let mut text =
        String::with_capacity(120 + metadata.iter().flatten().map(|m| m.len()).sum::<usize>());
    text.push_str("{\"schema_version\":");
    text.push_str(&schema_version.to_string());
    for (name, value) in ["recorded_at", "actor", "causation_id", "correlation_id"]
        .into_iter()
        .zip(metadata)
    {
        text.push_str(",\"");
        text.push_str(name);
        text.push_str("\":");
        match value {
            None => text.push_str("null"),
            Some(value) => push_json_string(&mut text, value),
        }
    }
    text.push('}');
    Some(text)
}

/// A JSON string as serde_json writes it: `"`, `\` and control characters escaped, nothing
/// else.
fn push_json_string(text: &mut String, value: &str) {
    if value.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        text.push_str(&serde_json::to_string(value).expect("a string serializes"));
    } else {
        text.push('"');
        text.push_str(value);
        text.push('"');
    }
}

/// The four metadata columns of an event about to be written, as `extension` takes them.
fn metadata_columns(metadata: Option<&Metadata>) -> [Option<String>; 4] {
    match metadata {
        None => [None, None, None, None],
        Some(m) => [
            Some(m.recorded_at.to_string()),
            Some(m.actor.to_string()),
            Some(m.causation_id.clone()),
            Some(m.correlation_id.clone()),
        ],
    }
}

fn borrowed(columns: &[Option<String>; 4]) -> [Option<&str>; 4] {
    [0, 1, 2, 3].map(|i| columns[i].as_deref())
}

/// Reads the metadata columns back: none at all, or all four, each well-formed.
fn read_metadata(columns: [Option<String>; 4]) -> anyhow::Result<Option<Metadata>> {
    match columns {
        [None, None, None, None] => Ok(None),
        [
            Some(at),
            Some(actor),
            Some(causation_id),
            Some(correlation_id),
        ] => Ok(Some(Metadata {
            recorded_at: Timestamp::parse(&at).map_err(anyhow::Error::msg)?,
            actor: Actor::new(actor).map_err(anyhow::Error::msg)?,
            causation_id,
            correlation_id,
        })),
        _ => anyhow::bail!("its metadata is partly missing"),
    }
}

impl RawEvent {
    /// The chain link this row should carry, given the previous row's hash.
    pub fn expected_hash(&self, previous: &chain::Hash) -> chain::Hash {
        chain::link(
            previous,
            self.event_id,
            &self.stream_id,
            self.stream_version,
            &self.event_type,
            &self.payload,
            extension(self.schema_version, &borrowed(&self.metadata)).as_deref(),
        )
    }

    pub fn decode(&self) -> anyhow::Result<StoredEvent> {
        decode_event(
            self.event_id,
            self.stream_id.clone(),
            self.stream_version,
            &self.event_type,
            self.schema_version,
            &self.payload,
            self.metadata.clone(),
        )
        .with_context(|| format!("event {} cannot be read", self.event_id))
    }
}

/// An `events` row as stored, borrowed from SQLite while a scan is on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowRef<'a> {
    pub event_id: i64,
    pub stream_id: &'a str,
    pub stream_version: i64,
    pub event_type: &'a str,
    pub payload: &'a str,
    pub hash: &'a [u8],
    pub schema_version: i64,
    pub metadata: [Option<&'a str>; 4],
}

impl RowRef<'_> {
    /// The chain link this row should carry, given the previous row's hash.
    pub fn expected_hash(&self, previous: &chain::Hash) -> chain::Hash {
        chain::link(
            previous,
            self.event_id,
            self.stream_id,
            self.stream_version,
            self.event_type,
            self.payload,
            extension(self.schema_version, &self.metadata).as_deref(),
        )
    }

    pub fn decode(&self) -> anyhow::Result<StoredEvent> {
        decode_event(
            self.event_id,
            self.stream_id.to_owned(),
            self.stream_version,
            self.event_type,
            self.schema_version,
            self.payload,
            self.metadata.map(|m| m.map(str::to_owned)),
        )
        .with_context(|| format!("event {} cannot be read", self.event_id))
    }

    /// The event, decoded, with the rest of the row checked as `decode` checks it, without
    /// copying the row: for a pass over the whole log that keeps only what it applies.
    pub fn decode_event(&self) -> anyhow::Result<Event> {
        (|| {
            let shape = u32::try_from(self.schema_version)?;
            match self.metadata {
                [None, None, None, None] => {}
                [Some(at), Some(actor), Some(_), Some(_)] => {
                    Timestamp::parse(at).map_err(anyhow::Error::msg)?;
                    Actor::new(actor).map_err(anyhow::Error::msg)?;
                }
                _ => anyhow::bail!("its metadata is partly missing"),
            }
            u64::try_from(self.event_id)?;
            u64::try_from(self.stream_version)?;
            Event::decode(self.event_type, shape, self.payload).map_err(anyhow::Error::msg)
        })()
        .with_context(|| format!("event {} cannot be read", self.event_id))
    }

    pub fn to_owned(&self) -> RawEvent {
        RawEvent {
            event_id: self.event_id,
            stream_id: self.stream_id.to_owned(),
            stream_version: self.stream_version,
            event_type: self.event_type.to_owned(),
            payload: self.payload.to_owned(),
            hash: self.hash.to_vec(),
            schema_version: self.schema_version,
            metadata: self.metadata.map(|m| m.map(str::to_owned)),
        }
    }
}

/// Where the log ends: the id the next event gets and the hash it chains to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tail {
    pub next_id: u64,
    pub hash: chain::Hash,
}

/// What a new row's envelope holds beyond the first envelope: its shape and who and when
/// (the four metadata columns, all `None` for an event written without them).
struct Extension<'a> {
    schema_version: u32,
    metadata: &'a [Option<String>; 4],
}

/// One event row about to be written, chained to the tail before it: what every engine
/// inserts, column for column.
pub struct NewRow<'a> {
    pub event_id: i64,
    pub stream_id: &'a str,
    pub stream_version: i64,
    pub event_type: &'a str,
    pub payload: &'a str,
    pub hash: chain::Hash,
    pub schema_version: i64,
    /// `recorded_at`, `actor`, `causation_id`, `correlation_id`.
    pub metadata: &'a [Option<String>; 4],
}

impl Tail {
    /// The row of one event at this tail, chained to it, and the tail after it.
    fn next_row<'a>(
        self,
        stream_id: &'a str,
        stream_version: u64,
        event_type: &'a str,
        payload: &'a str,
        Extension {
            schema_version,
            metadata,
        }: Extension<'a>,
    ) -> anyhow::Result<(NewRow<'a>, Tail)> {
        let id = i64::try_from(self.next_id).context("event ids are exhausted")?;
        let version = stream_version as i64;
        let shape = i64::from(schema_version);
        let hash = chain::link(
            &self.hash,
            id,
            stream_id,
            version,
            event_type,
            payload,
            extension(shape, &borrowed(metadata)).as_deref(),
        );
        let row = NewRow {
            event_id: id,
            stream_id,
            stream_version: version,
            event_type,
            payload,
            hash,
            schema_version: shape,
            metadata,
        };
        let next = Tail {
            next_id: self.next_id + 1,
            hash,
        };
        Ok((row, next))
    }
}

/// An order's state from its stream's events, as `each` hands them over in version order.
pub fn fold(
    order_id: &OrderId,
    each: impl FnOnce(&mut dyn FnMut(StoredEvent) -> anyhow::Result<()>) -> anyhow::Result<()>,
) -> anyhow::Result<Option<Order>> {
    let mut order = None;
    each(&mut |stored| {
        order = Some(
            apply(order.take(), order_id, &stored.event)
                .with_context(|| format!("event {} cannot be replayed", stored.event_id))?,
        );
        Ok(())
    })?;
    Ok(order)
}

/// The order's state right after event `as_of` (or now), in any log.
pub fn fold_stream(
    log: &impl LogReads,
    order_id: &OrderId,
    as_of: Option<u64>,
) -> anyhow::Result<Option<Order>> {
    fold(order_id, |visit| {
        log.for_each_in_stream(order_id, as_of, visit)
    })
}

/// Appends a command's events to one stream after `tail`, in a write transaction in which the
/// stream stands at `expected_version`: the events get the versions after it, and
/// UNIQUE(stream_id, stream_version) refuses them should anything else have got there. Each
/// is written in the shape `shapes` names for its type, with the command's `metadata` in its
/// envelope, and chained to the one before; `write` inserts each row, whatever the engine.
/// Returns them as a reader of the log will get them back, and the log's new tail.
pub fn append_with(
    tail: Tail,
    stream_id: &OrderId,
    expected_version: u64,
    events: Vec<Event>,
    shapes: &Shapes,
    metadata: Option<&Metadata>,
    mut write: impl FnMut(NewRow) -> anyhow::Result<()>,
) -> anyhow::Result<(Vec<StoredEvent>, Tail)> {
    let columns = metadata_columns(metadata);
    let mut tail = tail;
    let mut appended = Vec::with_capacity(events.len());
    for (offset, event) in (1u64..).zip(events) {
        let event_type = event.event_type();
        let shape = shapes.version_of(event_type);
        let payload = event.payload_json_as(shape);
        // What was written, read back as any reader will: live and replay never differ.
        let stored = StoredEvent {
            event_id: tail.next_id,
            stream_id: stream_id.clone(),
            stream_version: expected_version + offset,
            schema_version: shape,
            event: Event::decode(event_type, shape, &payload).map_err(anyhow::Error::msg)?,
            metadata: metadata.cloned(),
        };
        let (row, next) = tail.next_row(
            stored.stream_id.as_str(),
            stored.stream_version,
            event_type,
            &payload,
            Extension {
                schema_version: shape,
                metadata: &columns,
            },
        )?;
        write(row)?;
        tail = next;
        appended.push(stored);
    }
    Ok((appended, tail))
}

/// Which rewrites of its events a log refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refuses {
    pub update: bool,
    pub delete: bool,
}

pub struct EventStore {
    conn: Connection,
    /// The id of the first event when the log is empty; afterwards ids continue from the log.
    first_event_id: u64,
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

fn decode_event(
    event_id: i64,
    stream_id: String,
    stream_version: i64,
    event_type: &str,
    schema_version: i64,
    payload: &str,
    metadata: [Option<String>; 4],
) -> anyhow::Result<StoredEvent> {
    let schema_version = u32::try_from(schema_version)?;
    Ok(StoredEvent {
        metadata: read_metadata(metadata)?,
        event_id: u64::try_from(event_id)?,
        stream_id: OrderId::new(stream_id).map_err(anyhow::Error::msg)?,
        stream_version: u64::try_from(stream_version)?,
        schema_version,
        event: Event::decode(event_type, schema_version, payload).map_err(anyhow::Error::msg)?,
    })
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
        })
    }

    /// Opens a stored log for reading only (`eslab log`, `eslab replay`).
    pub fn open_read_only(path: &Path) -> anyhow::Result<EventStore> {
        Ok(EventStore {
            conn: db::open_for_reading(path, &SCHEMA)?,
            first_event_id: 1,
        })
    }

    /// A write transaction, taken up front so that read-then-append never races another writer.
    pub fn begin(&mut self) -> anyhow::Result<Transaction<'_>> {
        Ok(self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?)
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
        tx: &Transaction,
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
        self.for_each_row_ref(|row| visit(row.to_owned()))
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
    type Tx<'a> = Transaction<'a>;

    fn begin(&mut self) -> anyhow::Result<Transaction<'_>> {
        EventStore::begin(self)
    }
}

/// SQLite's write transaction, taken IMMEDIATE: the whole file is the append lock.
impl LogTx for Transaction<'_> {
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
        Ok(Transaction::commit(self)?)
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

#[cfg(test)]
mod tests {
    use super::extension;

    /// The extension is hashed, so it must stay byte for byte what serde_json writes.
    #[test]
    fn the_extension_is_the_json_serde_writes() {
        #[derive(serde::Serialize)]
        struct WithMetadata<'a> {
            schema_version: i64,
            recorded_at: Option<&'a str>,
            actor: Option<&'a str>,
            causation_id: Option<&'a str>,
            correlation_id: Option<&'a str>,
        }
        let values = [
            None,
            Some(""),
            Some("2026-01-02T03:04:05Z"),
            Some("bob"),
            Some("quote\" back\\slash"),
            Some("tab\tnewline\ncontrol\u{1}del\u{7f}"),
            Some("é ü 東 \u{202e}"),
        ];
        for shape in [1, 2, 7] {
            for (i, a) in values.iter().enumerate() {
                let b = values[(i + 1) % values.len()];
                let c = values[(i + 3) % values.len()];
                let d = values[(i + 5) % values.len()];
                let metadata = [*a, b, c, d];
                if metadata.iter().all(Option::is_none) {
                    continue;
                }
                let expected = serde_json::to_string(&WithMetadata {
                    schema_version: shape,
                    recorded_at: metadata[0],
                    actor: metadata[1],
                    causation_id: metadata[2],
                    correlation_id: metadata[3],
                })
                .unwrap();
                assert_eq!(extension(shape, &metadata), Some(expected));
            }
        }
        assert_eq!(extension(1, &[None; 4]), None);
        assert_eq!(
            extension(2, &[None; 4]).as_deref(),
            Some(r#"{"schema_version":2}"#)
        );
    }
}
