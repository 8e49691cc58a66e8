//! The lesson only a shared store can teach (`eslab room late-reader`): a reader that follows
//! a log by "the events after the last id I saw" passes over an event for good when ids are
//! given out of commit order, as a sequence gives them; eslab's head row gives them in commit
//! order, and the same reader misses nothing. Both are played for real, on the server, by
//! three connections: a slow writer, a fast writer and the reader.
//!
//! It runs in a scratch room of its own, made for it and dropped after it: never in a room
//! people work in.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use postgres::Client;

use super::{PgLog, ROOM_DDL, ROOM_SCHEMA_VERSION, RoomName, Store, StoreUrl};
use crate::domain::event::NewOrderEvent;
use crate::domain::{Event, Money, OrderId, Shapes};
use crate::es::log::{Log, LogTx};

/// Events in the log before the writers start: the reader has read them all.
pub(crate) const READ_BEFORE: i64 = 6;

/// What happened to the reader with one way of giving ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReaderStory {
    /// The id the slow writer took first, and the fast writer's.
    pub slow: i64,
    pub fast: i64,
    /// Whether the fast writer had to wait for the slow one's commit before it got an id.
    pub fast_waited: bool,
    /// What the reader read while the slow writer had not committed (ids after `READ_BEFORE`).
    pub first_look: Vec<i64>,
    /// What it read after both committed, asking for the ids after the last it had read.
    pub second_look: Vec<i64>,
    /// Every id the log holds after `READ_BEFORE`, once both committed.
    pub in_log: Vec<i64>,
}

impl ReaderStory {
    /// The last id the reader remembers after a look.
    pub(crate) fn remembered(&self, look: &[i64], before: i64) -> i64 {
        look.last().copied().unwrap_or(before)
    }

    /// Ids in the log that the reader never read.
    pub(crate) fn missed(&self) -> Vec<i64> {
        self.in_log
            .iter()
            .copied()
            .filter(|id| !self.first_look.contains(id) && !self.second_look.contains(id))
            .collect()
    }
}

/// The lesson's two runs: ids from a sequence, then from eslab's head row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LateReader {
    pub sequence: ReaderStory,
    pub head_row: ReaderStory,
}

/// Plays the lesson in a scratch room named `room` on the server (made, then dropped).
pub(crate) fn late_reader(url: &StoreUrl, room: &RoomName) -> anyhow::Result<LateReader> {
    // The log as a sequence would number it: ids drawn by nextval().
    let sequence_log =
        "CREATE TABLE sequence_log (event_id bigserial PRIMARY KEY, stream_id text NOT NULL);";
    in_scratch_room(url, room, sequence_log, play)
}

/// Runs `play` in a scratch room named `room`, made with the room's tables and `extra` (DDL,
/// constant), as the URL's user, and dropped afterwards whatever happened. A room that
/// exists is refused: a scratch room is never one people work in.
pub(crate) fn in_scratch_room<T>(
    url: &StoreUrl,
    room: &RoomName,
    extra: &str,
    play: impl FnOnce(&Store) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let store = Store {
        url: url.clone(),
        room: room.clone(),
    };
    let mut admin = url.connect()?;
    make_scratch(&mut admin, &store, extra)?;
    let played = play(&store);
    let dropped = admin
        .batch_execute(&format!("DROP SCHEMA {} CASCADE", room.schema()))
        .with_context(|| format!("cannot drop the scratch room {room}"));
    let played = played?;
    dropped?;
    Ok(played)
}

fn make_scratch(admin: &mut Client, store: &Store, extra: &str) -> anyhow::Result<()> {
    let schema = store.room.schema();
    let mut tx = admin.transaction()?;
    let taken = tx
        .query_opt("SELECT 1 FROM pg_namespace WHERE nspname = $1", &[&schema])?
        .is_some();
    if taken {
        bail!(
            "room {} already exists on {}: this plays in a scratch room of its own, so name one that does not exist (--room)",
            store.room,
            store.url
        );
    }
    // `schema` is a checked identifier (`RoomName`); the rest is constant.
    tx.batch_execute(&format!(
        "CREATE SCHEMA {schema};\n\
         SET LOCAL search_path TO {schema};\n\
         {ROOM_DDL}\n\
         INSERT INTO room (schema_version) VALUES ({ROOM_SCHEMA_VERSION});\n\
         {extra}\n"
    ))
    .with_context(|| format!("cannot make a scratch room on {}", store.url))?;
    tx.commit()?;
    Ok(())
}

fn play(store: &Store) -> anyhow::Result<LateReader> {
    Ok(LateReader {
        sequence: with_a_sequence(store)?,
        head_row: with_the_head_row(store)?,
    })
}

/// The reader's look: the ids after `after`, in id order.
fn look(reader: &mut Client, table: &str, after: i64) -> anyhow::Result<Vec<i64>> {
    // `table` is one of this module's two constants.
    Ok(reader
        .query(
            &format!("SELECT event_id FROM {table} WHERE event_id > $1 ORDER BY event_id"),
            &[&after],
        )?
        .iter()
        .map(|row| row.get(0))
        .collect())
}

fn with_a_sequence(store: &Store) -> anyhow::Result<ReaderStory> {
    let insert = "INSERT INTO sequence_log (stream_id) VALUES ($1) RETURNING event_id";
    let mut setup = store.join()?;
    for i in 1..=READ_BEFORE {
        setup.execute(
            "INSERT INTO sequence_log (stream_id) VALUES ($1)",
            &[&format!("A{i}")],
        )?;
    }
    let mut reader = store.join()?;
    let mut slow_client = store.join()?;
    let mut slow = slow_client.transaction()?;
    let slow_id: i64 = slow.query_one(insert, &[&"SLOW"])?.get(0);
    let fast_id: i64 = store.join()?.query_one(insert, &[&"FAST"])?.get(0);
    let first_look = look(&mut reader, "sequence_log", READ_BEFORE)?;
    slow.commit()?;
    let remembered = first_look.last().copied().unwrap_or(READ_BEFORE);
    let second_look = look(&mut reader, "sequence_log", remembered)?;
    Ok(ReaderStory {
        slow: slow_id,
        fast: fast_id,
        fast_waited: false,
        first_look,
        second_look,
        in_log: look(&mut reader, "sequence_log", READ_BEFORE)?,
    })
}

/// One event, placed in its own transaction, as a command appends it; its id.
fn append_one(log: &mut PgLog, order: &str) -> anyhow::Result<i64> {
    let mut tx = log.begin()?;
    let id = append_in(&mut tx, order)?;
    tx.commit()?;
    Ok(id)
}

fn append_in(tx: &mut impl LogTx, order: &str) -> anyhow::Result<i64> {
    let tail = tx.tail(1)?;
    let placed = Event::NewOrderEvent(NewOrderEvent {
        customer: order.to_string(),
        product: "Book".into(),
        quantity: 1,
        unit_price: Money::from_cents(1000),
    });
    let order = OrderId::new(order).map_err(anyhow::Error::msg)?;
    let (stored, _) = tx.append(tail, &order, 0, vec![placed], &Shapes::default(), None)?;
    Ok(stored[0].event_id as i64)
}

fn with_the_head_row(store: &Store) -> anyhow::Result<ReaderStory> {
    let mut setup = PgLog::new(store.join()?, 1);
    for i in 1..=READ_BEFORE {
        append_one(&mut setup, &format!("A{i}"))?;
    }
    let mut reader = store.join()?;
    let mut slow_log = PgLog::new(store.join()?, 1);
    let mut slow = slow_log.begin()?;
    let slow_id = append_in(&mut slow, "SLOW")?;
    let mut fast_client = store.join()?;
    let fast_pid: i32 = fast_client
        .query_one("SELECT pg_backend_pid()", &[])?
        .get(0);
    let fast = std::thread::spawn(move || append_one(&mut PgLog::new(fast_client, 1), "FAST"));
    let fast_waited = waits_for_a_lock(&mut reader, fast_pid)?;
    let first_look = look(&mut reader, "events", READ_BEFORE)?;
    slow.commit()?;
    let fast_id = fast
        .join()
        .map_err(|_| anyhow::anyhow!("the fast writer stopped"))??;
    let remembered = first_look.last().copied().unwrap_or(READ_BEFORE);
    let second_look = look(&mut reader, "events", remembered)?;
    Ok(ReaderStory {
        slow: slow_id,
        fast: fast_id,
        fast_waited,
        first_look,
        second_look,
        in_log: look(&mut reader, "events", READ_BEFORE)?,
    })
}

/// Whether the server process `pid` comes to wait for a lock (within 10 s): the fast
/// writer, queued behind the slow one's hold on the head row. Asked of the server, not timed.
fn waits_for_a_lock(reader: &mut Client, pid: i32) -> anyhow::Result<bool> {
    let until = Instant::now() + Duration::from_secs(10);
    while Instant::now() < until {
        let waiting: bool = reader
            .query_one(
                "SELECT coalesce(bool_or(wait_event_type = 'Lock'), false) \
                 FROM pg_stat_activity WHERE pid = $1",
                &[&pid],
            )?
            .get(0);
        if waiting {
            return Ok(true);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(false)
}
