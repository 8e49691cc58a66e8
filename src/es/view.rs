//! `OrderView`: the read model. It lives in memory only, is fed the events the store
//! publishes, and can always be rebuilt from the log.

use std::collections::BTreeMap;

use anyhow::bail;

use super::StoredEvent;
use super::store::EventStore;
use crate::domain::{Order, OrderId, apply};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderView {
    orders: BTreeMap<OrderId, Order>,
    /// The id of the last event applied.
    checkpoint: Option<u64>,
}

impl OrderView {
    /// Replays the log (up to `until`, inclusive) into a new view.
    pub fn rebuild(store: &EventStore, until: Option<u64>) -> anyhow::Result<OrderView> {
        let mut view = OrderView::default();
        store.for_each(until, |event| view.apply(&event))?;
        Ok(view)
    }

    /// Applies one event. Events must arrive in event-id order and each stream's versions in
    /// sequence: anything else means the view and the log disagree, and is an error.
    pub fn apply(&mut self, stored: &StoredEvent) -> anyhow::Result<()> {
        if let Some(checkpoint) = self.checkpoint
            && stored.event_id <= checkpoint
        {
            bail!(
                "event {} arrived after event {checkpoint}: event ids must increase",
                stored.event_id
            );
        }
        let current = self.orders.remove(&stored.stream_id);
        let current_version = current.as_ref().map_or(0, |o| o.version);
        if stored.stream_version != current_version + 1 {
            bail!(
                "event {} is version {} of {}, but the view holds version {current_version}",
                stored.event_id,
                stored.stream_version,
                stored.stream_id
            );
        }
        let next = apply(current, &stored.stream_id, &stored.event)
            .map_err(|e| anyhow::anyhow!("event {}: {e}", stored.event_id))?;
        self.orders.insert(stored.stream_id.clone(), next);
        self.checkpoint = Some(stored.event_id);
        Ok(())
    }

    pub fn get(&self, order_id: &OrderId) -> Option<&Order> {
        self.orders.get(order_id)
    }

    /// Every order, by order id.
    pub fn orders(&self) -> impl Iterator<Item = &Order> {
        self.orders.values()
    }

    pub fn checkpoint(&self) -> Option<u64> {
        self.checkpoint
    }
}
