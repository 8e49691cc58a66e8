//! A set of orders keyed by their own ids, for OrderView and the command path's cache.

use std::hash::{BuildHasher, RandomState};

use hashbrown::HashTable;

use crate::domain::Order;

/// Orders found by the id each one holds: the id is stored once, in the order, not again as
/// a key. Never iterated unsorted where it shows, so the table's order never reaches output.
#[derive(Clone, Default)]
pub(super) struct OrdersById {
    table: HashTable<Order>,
    hasher: RandomState,
}

impl OrdersById {
    fn hash(&self, order_id: &str) -> u64 {
        self.hasher.hash_one(order_id)
    }

    pub(super) fn get(&self, order_id: &str) -> Option<&Order> {
        self.table
            .find(self.hash(order_id), |o| o.order_id.as_str() == order_id)
    }

    /// The order, to change in place; its `order_id` must stay as it is, or it is lost.
    pub(super) fn get_mut(&mut self, order_id: &str) -> Option<&mut Order> {
        let hash = self.hash(order_id);
        self.table
            .find_mut(hash, |o| o.order_id.as_str() == order_id)
    }

    /// Adds an order, replacing any with the same id.
    pub(super) fn insert(&mut self, order: Order) {
        let hash = self.hash(order.order_id.as_str());
        let OrdersById { table, hasher } = self;
        let entry = table.entry(
            hash,
            |o| o.order_id == order.order_id,
            |o| hasher.hash_one(o.order_id.as_str()),
        );
        entry.insert(order);
    }

    /// Takes an order out.
    pub(super) fn remove(&mut self, order_id: &str) -> Option<Order> {
        let hash = self.hash(order_id);
        let found = self
            .table
            .find_entry(hash, |o| o.order_id.as_str() == order_id);
        found.ok().map(|entry| entry.remove().0)
    }

    pub(super) fn clear(&mut self) {
        self.table.clear();
    }

    /// Every order, in no particular order.
    pub(super) fn iter(&self) -> impl Iterator<Item = &Order> {
        self.table.iter()
    }

    pub(super) fn len(&self) -> usize {
        self.table.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.table.is_empty()
    }
}

impl PartialEq for OrdersById {
    fn eq(&self, other: &OrdersById) -> bool {
        self.len() == other.len()
            && self
                .table
                .iter()
                .all(|order| other.get(order.order_id.as_str()) == Some(order))
    }
}

impl Eq for OrdersById {}

impl std::fmt::Debug for OrdersById {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut orders: Vec<&Order> = self.table.iter().collect();
        orders.sort_unstable_by(|a, b| a.order_id.cmp(&b.order_id));
        f.debug_list().entries(orders).finish()
    }
}
