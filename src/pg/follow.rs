//! Following a room: what others wrote since this reader last looked, the events appended to
//! the log and the `orders` rows changed. A live view asks it when the server wakes it
//! (LISTEN/NOTIFY: the room's triggers notify the room's channel in every transaction that
//! appends an event or writes a row), and at an interval behind that, since not every
//! PostgreSQL-compatible engine has NOTIFY (where LISTEN fails, the interval alone wakes it).
//!
//! The log is read by "the events after the last id I have": safe only because a room's ids
//! are gap-free and given in commit order (the head row, `room.sql`). Rows carry a version
//! every write moves on; a row whose version moved is read again.

use std::collections::HashMap;
use std::time::Duration;

use postgres::Client;
use postgres::fallible_iterator::FallibleIterator;

use super::db::{Db, Query};
use super::log::SELECT_EVENTS;
use crate::crud::{COLUMNS, RowColumns, order_from_row};
use crate::domain::StoredEvent;
use crate::service::OrderState;

/// How the reader is woken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// The server notifies it; it also looks every `POLL_LISTENING`, in case.
    Notified,
    /// The server cannot notify (LISTEN failed): it looks every `POLL_ALONE`.
    Polling,
}

/// How often a reader looks without being notified.
pub(crate) const POLL_LISTENING: Duration = Duration::from_secs(2);
pub(crate) const POLL_ALONE: Duration = Duration::from_millis(500);

/// A row another writer left: the order's state now, and who wrote it (`updated_by`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowWrite {
    pub state: OrderState,
    pub by: Option<String>,
}

/// What changed in the room since the reader last looked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// The events appended since, in id order.
    pub events: Vec<StoredEvent>,
    /// Rows whose version moved since, in order id order.
    pub rows: Vec<RowWrite>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.events.is_empty() && self.rows.is_empty()
    }
}

/// A reader of a room, on its own connection.
pub struct Feed {
    db: Db,
    wake: Wake,
    /// The last event id read (or told of: `read_to`).
    last_event: i64,
    /// Each row's version as last read.
    versions: HashMap<String, i64>,
    /// Whether rows are shown with their version (`--crud-locking`).
    versioned: bool,
}

impl Feed {
    /// `client` is in the room (`Store::join`); `channel` its schema, a checked identifier.
    pub(super) fn new(mut client: Client, channel: &str, versioned: bool) -> Feed {
        // `channel` is `RoomName::schema()`: nothing from input reaches SQL as text.
        let wake = match client.batch_execute(&format!("LISTEN {channel}")) {
            Ok(()) => Wake::Notified,
            Err(_) => Wake::Polling,
        };
        Feed {
            db: Db::new(client),
            wake,
            last_event: 0,
            versions: HashMap::new(),
            versioned,
        }
    }

    pub fn wake(&self) -> Wake {
        self.wake
    }

    /// Whether the server has said that something changed since the last call (never blocks).
    pub fn notified(&mut self) -> bool {
        let mut any = false;
        let mut notifications = self.db.client().notifications();
        let mut pending = notifications.iter();
        while let Ok(Some(_)) = pending.next() {
            any = true;
        }
        any
    }

    /// Takes the events up to `event_id` and the rows as they are now as already seen: what
    /// this reader's own session wrote (read the events before it first: `events_before`).
    pub fn seen_up_to(&mut self, event_id: Option<u64>) -> anyhow::Result<()> {
        if let Some(id) = event_id {
            self.last_event = self.last_event.max(i64::try_from(id)?);
        }
        Ok(())
    }

    /// The events after the last one read and before `event_id`: others' events committed
    /// before the one this session just appended (its id came after theirs).
    pub fn events_before(&mut self, event_id: u64) -> anyhow::Result<Vec<StoredEvent>> {
        let until = i64::try_from(event_id)? - 1;
        self.events_between(until)
    }

    fn events_between(&mut self, until: i64) -> anyhow::Result<Vec<StoredEvent>> {
        let rows = self.db.query(
            &format!("{SELECT_EVENTS} WHERE event_id > $1 AND event_id <= $2 ORDER BY event_id"),
            &[&self.last_event, &until],
        )?;
        let mut events = Vec::with_capacity(rows.len());
        for row in &rows {
            let event = super::log::row_ref(row)?.into_owned().decode()?;
            self.last_event = event.event_id as i64;
            events.push(event);
        }
        Ok(events)
    }

    /// Everything that changed since the last look.
    pub fn changes(&mut self) -> anyhow::Result<Changes> {
        let events = self.events_between(i64::MAX)?;
        let rows = self.db.query(
            &format!("SELECT {COLUMNS}, version, updated_by FROM orders ORDER BY order_id"),
            &[],
        )?;
        let mut written = Vec::new();
        for row in &rows {
            let version: i64 = row.try_get(8)?;
            let order_id: String = row.try_get(0)?;
            if self.versions.get(&order_id) == Some(&version) {
                continue;
            }
            self.versions.insert(order_id.clone(), version);
            let order = order_from_row(RowColumns {
                order_id,
                customer: row.try_get(1)?,
                product: row.try_get(2)?,
                quantity: row.try_get(3)?,
                unit_price_cents: row.try_get(4)?,
                total_cents: row.try_get(5)?,
                paid_cents: row.try_get(6)?,
                status: row.try_get(7)?,
                version,
            })?;
            written.push(RowWrite {
                state: if self.versioned {
                    OrderState::versioned(&order)
                } else {
                    OrderState::unversioned(&order)
                },
                by: row.try_get(9)?,
            });
        }
        Ok(Changes {
            events,
            rows: written,
        })
    }
}
