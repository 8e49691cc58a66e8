//! OrderView snapshots: a cache kept beside the log (never in it), so a rebuild replays only
//! the events after the latest snapshot.

use anyhow::Context;
use rusqlite::{OptionalExtension, params};

use super::{EventStore, LogReads, OrderView};
use crate::domain::Order;

impl EventStore {
    /// Stores the view as a snapshot at its checkpoint.
    pub fn save_snapshot(&self, view: &OrderView) -> anyhow::Result<()> {
        let Some((checkpoint, orders)) = encode(view)? else {
            return Ok(()); // an empty view needs no snapshot
        };
        self.connection()
            .prepare_cached(
                "INSERT OR REPLACE INTO snapshots (checkpoint, orders) VALUES (?1, ?2)",
            )?
            .execute(params![checkpoint, orders])?;
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
            .map(|(checkpoint, orders)| decode(checkpoint, &orders))
            .transpose()
    }
}

/// A snapshot's row: the view's checkpoint and its orders as JSON; none for an empty view.
pub fn encode(view: &OrderView) -> anyhow::Result<Option<(i64, String)>> {
    let Some(checkpoint) = view.checkpoint() else {
        return Ok(None);
    };
    let orders: Vec<&Order> = view.orders().collect();
    Ok(Some((checkpoint as i64, serde_json::to_string(&orders)?)))
}

/// A snapshot's row, restored into a view.
pub fn decode(checkpoint: i64, orders: &str) -> anyhow::Result<OrderView> {
    let orders: Vec<Order> = serde_json::from_str(orders)
        .with_context(|| format!("the snapshot at event {checkpoint} does not decode"))?;
    Ok(OrderView::restore(orders, Some(checkpoint as u64)))
}

impl OrderView {
    /// Rebuilds the view from the latest snapshot plus the events after it (or the whole log).
    pub fn rebuild_from_snapshot(store: &impl LogReads) -> anyhow::Result<OrderView> {
        let mut view = store.latest_snapshot()?.unwrap_or_default();
        store.replay_into(&mut view, None)?;
        Ok(view)
    }
}
