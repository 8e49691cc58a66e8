//! OrderView snapshots: a cache kept beside the log (never in it), so a rebuild replays only
//! the events after the latest snapshot.
//!
//! A snapshot is sealed to the log: it keeps the hash of the event at its checkpoint (the
//! log's head when it was taken) and a digest over that head, its checkpoint and its orders.
//! A rebuild uses the latest snapshot only when its event is in the log with that hash and
//! its digest matches: a snapshot edited, moved past the log's end or left from another log
//! is ignored — a fact the rebuild reports — and the whole log is replayed instead.

use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};

use super::{EventStore, LogReads, OrderView};
use crate::domain::Order;
use crate::service::{IgnoredSnapshot, SnapshotFault};

/// A `snapshots` row as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSnapshot {
    pub checkpoint: i64,
    pub orders: String,
    pub head: Option<Vec<u8>>,
    pub digest: Option<Vec<u8>>,
}

/// SHA-256 over the head the snapshot was taken at, its checkpoint and its orders' text.
fn digest(head: &[u8], checkpoint: i64, orders: &str) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update((head.len() as u64).to_be_bytes());
    hasher.update(head);
    hasher.update(checkpoint.to_be_bytes());
    hasher.update(orders.as_bytes());
    hasher.finalize().to_vec()
}

impl StoredSnapshot {
    /// The row that stores `view` (whose checkpoint is `checkpoint`), sealed to `head`, the
    /// hash the log holds for that event (`None`: no such event, an error), in any engine.
    pub fn sealed(
        view: &OrderView,
        checkpoint: i64,
        head: Option<Vec<u8>>,
    ) -> anyhow::Result<StoredSnapshot> {
        let orders: Vec<&Order> = view.orders().collect();
        let orders = serde_json::to_string(&orders)?;
        let head = head.ok_or_else(|| {
            anyhow::anyhow!("the log has no event {checkpoint} to seal a snapshot to")
        })?;
        let digest = digest(&head, checkpoint, &orders);
        Ok(StoredSnapshot {
            checkpoint,
            orders,
            head: Some(head),
            digest: Some(digest),
        })
    }

    /// This snapshot as the latest, given `logged`, the hash the log holds at its
    /// checkpoint: a view to start from if its seal holds, else why it is ignored.
    pub fn latest(&self, logged: Option<&[u8]>) -> LatestSnapshot {
        match self.open(logged) {
            Ok(orders) => {
                LatestSnapshot::Usable(OrderView::restore(orders, Some(self.checkpoint as u64)))
            }
            Err(fault) => LatestSnapshot::Ignored(self.ignored(fault)),
        }
    }

    /// Checks its seal against `logged`, the hash the log holds at its checkpoint (`None`:
    /// no such event), and decodes it.
    pub fn open(&self, logged: Option<&[u8]>) -> Result<Vec<Order>, SnapshotFault> {
        let (Some(head), Some(sealed)) = (&self.head, &self.digest) else {
            return Err(SnapshotFault::Unsealed);
        };
        let Some(logged) = logged else {
            return Err(SnapshotFault::NoSuchEvent);
        };
        if logged != head.as_slice() {
            return Err(SnapshotFault::OtherHead);
        }
        if digest(head, self.checkpoint, &self.orders) != *sealed {
            return Err(SnapshotFault::Edited);
        }
        self.orders()
    }

    /// Its orders, decoded, seal or no seal.
    pub fn orders(&self) -> Result<Vec<Order>, SnapshotFault> {
        serde_json::from_str(&self.orders).map_err(|_| SnapshotFault::DoesNotDecode)
    }

    pub fn ignored(&self, fault: SnapshotFault) -> IgnoredSnapshot {
        IgnoredSnapshot {
            checkpoint: self.checkpoint,
            fault,
        }
    }
}

/// The latest snapshot a rebuild may start from, or why it may not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LatestSnapshot {
    None,
    Usable(OrderView),
    Ignored(IgnoredSnapshot),
}

impl EventStore {
    /// Stores the view as a snapshot at its checkpoint, sealed to the log's event there.
    pub fn save_snapshot(&self, view: &OrderView) -> anyhow::Result<()> {
        let Some(checkpoint) = view.checkpoint() else {
            return Ok(()); // an empty view needs no snapshot
        };
        let checkpoint = checkpoint as i64;
        let head = self.hash_of(checkpoint)?;
        let sealed = StoredSnapshot::sealed(view, checkpoint, head)?;
        self.connection()
            .prepare_cached(
                "INSERT OR REPLACE INTO snapshots (checkpoint, orders, head, digest) \
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                sealed.checkpoint,
                sealed.orders,
                sealed.head,
                sealed.digest
            ])?;
        Ok(())
    }

    /// The hash the log holds for event `event_id`, if there is such an event.
    fn hash_of(&self, event_id: i64) -> anyhow::Result<Option<Vec<u8>>> {
        Ok(self
            .connection()
            .prepare_cached("SELECT hash FROM events WHERE event_id = ?1")?
            .query_row([event_id], |r| r.get(0))
            .optional()?)
    }

    /// Every snapshot as stored, by checkpoint.
    pub fn snapshots(&self) -> anyhow::Result<Vec<StoredSnapshot>> {
        let mut select = self.connection().prepare_cached(
            "SELECT checkpoint, orders, head, digest FROM snapshots ORDER BY checkpoint",
        )?;
        let rows = select.query_map([], |r| {
            Ok(StoredSnapshot {
                checkpoint: r.get(0)?,
                orders: r.get(1)?,
                head: r.get(2)?,
                digest: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The latest snapshot, restored into a view if its seal holds against the log.
    pub fn latest_snapshot(&self) -> anyhow::Result<LatestSnapshot> {
        let latest: Option<StoredSnapshot> = self
            .connection()
            .prepare_cached(
                "SELECT checkpoint, orders, head, digest FROM snapshots \
                 ORDER BY checkpoint DESC LIMIT 1",
            )?
            .query_row([], |r| {
                Ok(StoredSnapshot {
                    checkpoint: r.get(0)?,
                    orders: r.get(1)?,
                    head: r.get(2)?,
                    digest: r.get(3)?,
                })
            })
            .optional()?;
        let Some(latest) = latest else {
            return Ok(LatestSnapshot::None);
        };
        let logged = self.hash_of(latest.checkpoint)?;
        Ok(latest.latest(logged.as_deref()))
    }
}

impl OrderView {
    /// Rebuilds the view from the latest snapshot plus the events after it, or from the
    /// whole log when there is none or it does not match the log.
    pub fn rebuild_from_snapshot(store: &(impl LogReads + ?Sized)) -> anyhow::Result<OrderView> {
        let mut view = match store.latest_snapshot()? {
            LatestSnapshot::Usable(view) => view,
            LatestSnapshot::None | LatestSnapshot::Ignored(_) => OrderView::default(),
        };
        store.replay_into(&mut view, None)?;
        Ok(view)
    }
}
