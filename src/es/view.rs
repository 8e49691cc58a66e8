//! `OrderView`: the read model. It lives in memory only, is fed the events the store
//! publishes, and can always be rebuilt from the log.

use anyhow::bail;

use super::StoredEvent;
use super::log::LogReads;
use super::orders::OrdersById;
use crate::domain::{Event, Order, OrderId, create, evolve};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderView {
    orders: OrdersById,
    /// The id of the last event applied.
    checkpoint: Option<u64>,
}

impl OrderView {
    /// Replays the log (up to `until`, inclusive) into a new view.
    pub fn rebuild(
        store: &(impl LogReads + ?Sized),
        until: Option<u64>,
    ) -> anyhow::Result<OrderView> {
        let mut view = OrderView::default();
        store.replay_into(&mut view, until)?;
        Ok(view)
    }

    /// A view restored from a snapshot: these orders, having applied events up to `checkpoint`.
    pub fn restore(orders: Vec<Order>, checkpoint: Option<u64>) -> OrderView {
        OrderView {
            orders: orders
                .into_iter()
                .fold(OrdersById::default(), |mut by_id, order| {
                    by_id.insert(order);
                    by_id
                }),
            checkpoint,
        }
    }

    /// Applies one published event.
    pub fn apply(&mut self, stored: &StoredEvent) -> anyhow::Result<()> {
        self.apply_event(
            stored.event_id,
            stored.stream_id.as_str(),
            stored.stream_version,
            stored.event.clone(),
        )
    }

    /// Applies one event given as its parts. Events must arrive in event-id order and each
    /// stream's versions in sequence: anything else means the view and the log disagree.
    pub fn apply_event(
        &mut self,
        event_id: u64,
        stream_id: &str,
        stream_version: u64,
        event: Event,
    ) -> anyhow::Result<()> {
        if let Some(checkpoint) = self.checkpoint
            && event_id <= checkpoint
        {
            bail!("event {event_id} arrived after event {checkpoint}: event ids must increase");
        }
        let out_of_sequence = |held: u64| {
            anyhow::anyhow!(
                "event {event_id} is version {stream_version} of {stream_id}, but the view holds version {held}"
            )
        };
        let applied = match self.orders.get_mut(stream_id) {
            Some(order) => {
                if stream_version != order.version + 1 {
                    return Err(out_of_sequence(order.version));
                }
                evolve(order, &event)
            }
            None => {
                if stream_version != 1 {
                    return Err(out_of_sequence(0));
                }
                let order_id = OrderId::new(stream_id).map_err(anyhow::Error::msg)?;
                create(&order_id, event).map(|order| self.orders.insert(order))
            }
        };
        applied.map_err(|e| anyhow::anyhow!("event {event_id}: {e}"))?;
        self.checkpoint = Some(event_id);
        Ok(())
    }

    pub fn get(&self, order_id: &OrderId) -> Option<&Order> {
        self.orders.get(order_id.as_str())
    }

    /// How many orders the view holds.
    pub fn len(&self) -> usize {
        self.orders.len()
    }

    pub fn is_empty(&self) -> bool {
        self.orders.is_empty()
    }

    /// Every order, sorted by order id.
    pub fn orders(&self) -> impl Iterator<Item = &Order> {
        let mut orders: Vec<&Order> = self.orders.iter().collect();
        orders.sort_unstable_by(|a, b| a.order_id.cmp(&b.order_id));
        orders.into_iter()
    }

    /// Bytes the view holds: each order inline plus its strings. An estimate from sizes
    /// (allocator and hash-table overhead not counted), for `eslab bench`.
    pub fn approximate_bytes(&self) -> usize {
        self.orders
            .iter()
            .map(|order| {
                std::mem::size_of::<Order>()
                    + order.order_id.as_str().len()
                    + order.customer.capacity()
                    + order.product.capacity()
            })
            .sum()
    }

    pub fn checkpoint(&self) -> Option<u64> {
        self.checkpoint
    }
}
