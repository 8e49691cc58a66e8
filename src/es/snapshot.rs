//! OrderView snapshots: a cache kept beside the log (never in it), so a rebuild replays only
//! the events after the latest snapshot.

use anyhow::Context;
use rusqlite::{OptionalExtension, params};

use super::{EventStore, OrderView};
use crate::domain::Order;

impl EventStore {
    /// Stores the view as a snapshot at its checkpoint.
    pub fn save_snapshot(&self, view: &OrderView) -> anyhow::Result<()> {
        let Some(checkpoint) = view.checkpoint() else {
            return Ok(()); // an empty view needs no snapshot
        };
        let orders: Vec<&Order> = view.orders().collect();
        self.connection()
            .prepare_cached(
                "INSERT OR REPLACE INTO snapshots (checkpoint, orders) VALUES (?1, ?2)",
            )?
            .execute(params![checkpoint as i64, serde_json::to_string(&orders)?])?;
        Ok(())
    }

    /// The latest snapshot, restored into a view, if there is one.
    pub fn latest_snapshot(&self) -> anyhow::Result<Option<OrderView>> {
        let latest: Option<(i64, String)> = self
            .connection()
            .prepare_cached(
                "SELECT checkpoint, orders FROM snapshots ORDER BY checkpoint DESC LIMIT 1",
            )?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        latest
            .map(|(checkpoint, orders)| {
                let orders: Vec<Order> = serde_json::from_str(&orders).with_context(|| {
                    format!("the snapshot at event {checkpoint} does not decode")
                })?;
                Ok(OrderView::restore(orders, Some(checkpoint as u64)))
            })
            .transpose()
    }
}

impl OrderView {
    /// Rebuilds the view from the latest snapshot plus the events after it (or the whole log).
    pub fn rebuild_from_snapshot(store: &EventStore) -> anyhow::Result<OrderView> {
        let mut view = store.latest_snapshot()?.unwrap_or_default();
        store.replay_into(&mut view, None)?;
        Ok(view)
    }
}
