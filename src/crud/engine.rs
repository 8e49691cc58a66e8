//! What the design asks of an engine that holds its `orders` table (`Rows`, and `RowsTx` for
//! a write), and the row as every engine reads it.

use std::collections::BTreeMap;

use anyhow::Context;

use crate::db::StepMark;
use crate::domain::{Metadata, Money, Order, OrderId, Status};

pub(crate) const COLUMNS: &str =
    "order_id, customer, product, quantity, unit_price_cents, total_cents, paid_cents, status";

/// The key of a row of a grouped query: money in cents, or text.
pub enum GroupKey {
    Cents(i64),
    Text(String),
}

/// What the CRUD design asks of the database that holds its `orders` table: SQLite
/// (`SqliteRows`) or a room on a server (`crate::pg::PgRows`). The rules and what each write
/// reports are written once, in `CrudStore`: an engine only moves rows.
pub trait Rows {
    type Tx<'a>: RowsTx
    where
        Self: 'a;

    /// A write transaction.
    fn begin(&mut self) -> anyhow::Result<Self::Tx<'_>>;

    /// The order's row, with its version where `locking` (else version 0).
    fn load(&self, order_id: &OrderId, locking: bool) -> anyhow::Result<Option<Order>>;

    /// `updated_at`, `updated_by` of the order's row, if there is one.
    fn last_write(
        &self,
        order_id: &OrderId,
    ) -> anyhow::Result<Option<(Option<String>, Option<String>)>>;

    /// Customer, orders and the sum of what they paid, per customer, summed by the domain's
    /// one rule (`report::add_to_sum`); `None` when a sum passes what a report adds up to.
    fn revenue_per_customer(&self) -> anyhow::Result<Option<BTreeMap<String, (u64, Money)>>>;

    /// The rows of a grouped query (`projection_sql`): a key (cents when `key_is_money`),
    /// then `values` integers.
    fn grouped(
        &self,
        sql: &str,
        key_is_money: bool,
        values: usize,
    ) -> anyhow::Result<Vec<(GroupKey, Vec<i64>)>>;

    /// How many rows the table holds.
    fn count(&self) -> anyhow::Result<u64>;

    /// Whether the table has the column `deploy` adds (`REASON_COLUMN`).
    fn has_reason_column(&self) -> anyhow::Result<bool>;

    /// Whether the database records the step as done (`db::is_done`).
    fn is_done(&self, mark: &StepMark) -> anyhow::Result<bool>;
}

/// What a command does inside its write transaction.
pub trait RowsTx {
    fn load(&mut self, order_id: &OrderId, locking: bool) -> anyhow::Result<Option<Order>>;

    /// Inserts a new row (at version 1, where `locking`); false if a row with its id is
    /// there already (another writer's, committed since this one read).
    fn insert(&mut self, order: &Order, locking: bool) -> anyhow::Result<bool>;

    /// Writes the row's quantity, total, paid and status; with a `guard`, only if the row is
    /// still at that version, and then one version on. False if the guard refused it.
    fn update(&mut self, order: &Order, guard: Option<u64>) -> anyhow::Result<bool>;

    /// The row's `REASON_COLUMN`, and writing it.
    fn reason(&mut self, order_id: &OrderId) -> anyhow::Result<String>;
    fn set_reason(&mut self, order_id: &OrderId, reason: &str) -> anyhow::Result<()>;

    /// Who wrote the row, and when.
    fn set_written(&mut self, order_id: &OrderId, metadata: &Metadata) -> anyhow::Result<()>;

    /// The row's `updated_by` and `updated_at` as they stand (`None` where NULL).
    fn written(&mut self, order_id: &OrderId) -> anyhow::Result<(Option<String>, Option<String>)>;

    /// `update`, then, with `metadata`, who wrote the row and when (`set_written`), over what
    /// the row said: returned, `updated_by` and `updated_at` as they stood before (`None`
    /// without `metadata`). `None` if the guard refused the update. An engine may do it in
    /// fewer statements.
    #[allow(clippy::type_complexity)]
    fn update_written(
        &mut self,
        order: &Order,
        guard: Option<u64>,
        metadata: Option<&Metadata>,
    ) -> anyhow::Result<Option<Option<(Option<String>, Option<String>)>>> {
        if !self.update(order, guard)? {
            return Ok(None);
        }
        let Some(metadata) = metadata else {
            return Ok(Some(None));
        };
        let before = self.written(&order.order_id)?;
        self.set_written(&order.order_id, metadata)?;
        Ok(Some(Some(before)))
    }

    /// Whether the step is done already, asked in this transaction (`db::is_done`).
    fn is_done(&mut self, mark: &StepMark) -> anyhow::Result<bool>;

    /// Records that a scenario's step is done, in this transaction.
    fn record_progress(&mut self, mark: &StepMark) -> anyhow::Result<()>;

    /// Whether the table has `REASON_COLUMN` now.
    fn has_reason_column(&mut self) -> anyhow::Result<bool>;

    /// Adds `REASON_COLUMN`, filled with `REASON_DEFAULT`; returns how many rows it filled.
    fn add_reason_column(&mut self) -> anyhow::Result<u64>;

    fn commit(self) -> anyhow::Result<()>;
}

/// An `orders` row as any engine reads it: `COLUMNS` and a version.
pub(crate) struct RowColumns {
    pub order_id: String,
    pub customer: String,
    pub product: String,
    pub quantity: i64,
    pub unit_price_cents: i64,
    pub total_cents: i64,
    pub paid_cents: i64,
    pub status: String,
    pub version: i64,
}

/// The order a row holds; a row that holds no order (an unknown status, a bad id) is an error.
pub(crate) fn order_from_row(row: RowColumns) -> anyhow::Result<Order> {
    let cents = |value: i64| Money::from_cents(value as u64);
    let order_id = OrderId::new(row.order_id).map_err(anyhow::Error::msg)?;
    let status = Status::parse(&row.status)
        .with_context(|| format!("unknown status {:?} in orders", row.status))?;
    Ok(Order {
        order_id,
        customer: row.customer,
        product: row.product,
        quantity: row.quantity as u64,
        unit_price: cents(row.unit_price_cents),
        total: cents(row.total_cents),
        paid: cents(row.paid_cents),
        status,
        version: row.version as u64,
    })
}

pub(crate) fn sql_cents(money: Money) -> i64 {
    money.cents() as i64 // bounded far below i64::MAX by Money's parser and the rules
}
