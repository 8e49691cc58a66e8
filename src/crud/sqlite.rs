//! The `orders` table on SQLite: its schema and upgrades, and the `Rows` engine over it.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{
    COLUMNS, CrudStore, GroupKey, REASON_COLUMN, REASON_DEFAULT, RowColumns, Rows, RowsTx,
    order_from_row, sql_cents,
};
use crate::db::{self, Location, Schema, StepMark, StoreKind, WriteTx};
use crate::domain::report;
use crate::domain::{Metadata, Money, Order, OrderId};

pub(crate) const SCHEMA: Schema = Schema {
    what: StoreKind::Crud,
    application_id: 0x4553_4c43, // "ESLC"
    // 3: money columns named for what they hold (`total_cents`).
    // 4: who last wrote each row, and when (`updated_at`, `updated_by`).
    version: 4,
    upgrades: &[(2, CENTS_NAMED), (3, WHO_AND_WHEN)],
    ddl: concat!(
        include_str!("schema.sql"),
        "\nALTER TABLE orders ADD COLUMN updated_at TEXT;\n\
         ALTER TABLE orders ADD COLUMN updated_by TEXT;\n"
    ),
    tables: &["orders", "progress"],
};

/// CRUD with locking: the same store with a version column. A different file format, so a
/// database made one way is never continued the other way.
pub(crate) const VERSIONED_SCHEMA: Schema = Schema {
    what: StoreKind::CrudVersioned,
    application_id: 0x4553_4c56, // "ESLV"
    version: 4,
    upgrades: &[(2, CENTS_NAMED), (3, WHO_AND_WHEN)],
    // The same table, plus the version column that `UPDATE … WHERE version = ?` checks; the
    // columns of schema 4 after it, where an upgrade from 3 puts them.
    ddl: concat!(
        include_str!("schema.sql"),
        "\nALTER TABLE orders ADD COLUMN version INTEGER NOT NULL DEFAULT 1;\n",
        "ALTER TABLE orders ADD COLUMN updated_at TEXT;\n\
         ALTER TABLE orders ADD COLUMN updated_by TEXT;\n"
    ),
    tables: &["orders", "progress"],
};

/// Schema 3: the money columns, which always held whole cents, named so. A rename only: the
/// values are exactly as eslab 0.1 (schema 2) wrote them.
const CENTS_NAMED: &str = "ALTER TABLE orders RENAME COLUMN unit_price TO unit_price_cents; \
     ALTER TABLE orders RENAME COLUMN total TO total_cents; \
     ALTER TABLE orders RENAME COLUMN paid TO paid_cents;";

/// Schema 4: who last wrote each row, and when (RFC 3339 UTC). Overwritten by every write;
/// NULL on rows written before, or by a command that said neither.
const WHO_AND_WHEN: &str = "ALTER TABLE orders ADD COLUMN updated_at TEXT; \
     ALTER TABLE orders ADD COLUMN updated_by TEXT;";

/// The `orders` table in SQLite: a file, or memory.
pub struct SqliteRows {
    pub(super) conn: Connection,
    /// A scratch table: each write is a savepoint in one standing transaction (`WriteTx`).
    standing: bool,
}

impl CrudStore {
    pub fn open(location: &Location, locking: bool) -> anyhow::Result<CrudStore> {
        let schema = if locking { &VERSIONED_SCHEMA } else { &SCHEMA };
        let conn = db::open(location, schema)?;
        conn.create_aggregate_function(
            REPORT_SUM,
            1,
            rusqlite::functions::FunctionFlags::SQLITE_UTF8
                | rusqlite::functions::FunctionFlags::SQLITE_DETERMINISTIC,
            ReportSum,
        )?;
        let standing = location.holds_standing_transaction();
        CrudStore::over(SqliteRows { conn, standing }, locking)
    }

    pub fn connection(&self) -> &Connection {
        &self.rows.conn
    }
}

impl Rows for SqliteRows {
    type Tx<'a> = WriteTx<'a>;

    fn begin(&mut self) -> anyhow::Result<WriteTx<'_>> {
        Ok(WriteTx::begin(&mut self.conn, self.standing)?)
    }

    fn load(&self, order_id: &OrderId, locking: bool) -> anyhow::Result<Option<Order>> {
        load(&self.conn, order_id, locking)
    }

    fn last_write(
        &self,
        order_id: &OrderId,
    ) -> anyhow::Result<Option<(Option<String>, Option<String>)>> {
        Ok(self
            .conn
            .prepare_cached("SELECT updated_at, updated_by FROM orders WHERE order_id = ?1")?
            .query_row([order_id.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    /// Each customer's orders and what they paid, summed by `REPORT_SUM`; `None` when a sum
    /// passes what a report adds up to.
    fn revenue_per_customer(&self) -> anyhow::Result<Option<BTreeMap<String, (u64, Money)>>> {
        let mut select = self.conn.prepare_cached(&format!(
            "SELECT customer, count(*), {REPORT_SUM}(paid_cents) FROM orders GROUP BY customer"
        ))?;
        let rows = select.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, i64>(1)? as u64,
                row.get::<_, Option<i64>>(2)?,
            ))
        })?;
        let mut per_customer = BTreeMap::new();
        for row in rows {
            let (customer, orders, paid) = row?;
            let Some(paid) = paid else {
                return Ok(None);
            };
            per_customer.insert(customer, (orders, Money::from_cents(paid as u64)));
        }
        Ok(Some(per_customer))
    }

    fn grouped(
        &self,
        sql: &str,
        key_is_money: bool,
        values: usize,
    ) -> anyhow::Result<Vec<(GroupKey, Vec<i64>)>> {
        let mut select = self.conn.prepare(sql)?;
        let rows = select.query_map([], |row| {
            let key = if key_is_money {
                GroupKey::Cents(row.get(0)?)
            } else {
                GroupKey::Text(row.get(0)?)
            };
            let values = (1..=values)
                .map(|i| row.get(i))
                .collect::<rusqlite::Result<_>>()?;
            Ok((key, values))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn count(&self) -> anyhow::Result<u64> {
        let count: i64 = self
            .conn
            .query_row("SELECT count(*) FROM orders", [], |r| r.get(0))?;
        Ok(count as u64)
    }

    fn has_reason_column(&self) -> anyhow::Result<bool> {
        has_column(&self.conn, "orders", REASON_COLUMN)
    }

    fn is_done(&self, mark: &StepMark) -> anyhow::Result<bool> {
        db::is_done(&self.conn, mark)
    }
}

fn load(conn: &Connection, order_id: &OrderId, locking: bool) -> anyhow::Result<Option<Order>> {
    let version = if locking { "version" } else { "0" };
    let mut select = conn.prepare_cached(&format!(
        "SELECT {COLUMNS}, {version} FROM orders WHERE order_id = ?1"
    ))?;
    let row = select.query_row([order_id.as_str()], read_row).optional()?;
    row.transpose()
}

/// SQLite's write transaction (`WriteTx`): IMMEDIATE on a file, so nobody else writes it
/// meanwhile; a savepoint in a scratch table nobody else opens.
impl RowsTx for WriteTx<'_> {
    fn load(&mut self, order_id: &OrderId, locking: bool) -> anyhow::Result<Option<Order>> {
        load(self, order_id, locking)
    }

    fn insert(&mut self, next: &Order, locking: bool) -> anyhow::Result<bool> {
        // A new row starts at version 1, where a version is kept.
        let (version, first) = if locking {
            (", version", ", 1")
        } else {
            ("", "")
        };
        self.prepare_cached(&format!(
            "INSERT INTO orders ({COLUMNS}{version}) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8{first})"
        ))?
        .execute(params![
            next.order_id.as_str(),
            next.customer,
            next.product,
            next.quantity as i64,
            sql_cents(next.unit_price),
            sql_cents(next.total),
            sql_cents(next.paid),
            next.status.as_str(),
        ])?;
        Ok(true)
    }

    fn update(&mut self, next: &Order, guard: Option<u64>) -> anyhow::Result<bool> {
        let set = "UPDATE orders SET quantity = ?2, total_cents = ?3, paid_cents = ?4, status = ?5";
        let id = next.order_id.as_str();
        let (quantity, status) = (next.quantity as i64, next.status.as_str());
        let (total, paid) = (sql_cents(next.total), sql_cents(next.paid));
        let updated = match guard {
            Some(version) => self
                .prepare_cached(&format!(
                    "{set}, version = version + 1 WHERE order_id = ?1 AND version = ?6"
                ))?
                .execute(params![id, quantity, total, paid, status, version as i64])?,
            None => self
                .prepare_cached(&format!("{set} WHERE order_id = ?1"))?
                .execute(params![id, quantity, total, paid, status])?,
        };
        if updated != 1 {
            anyhow::bail!("the row of {id} changed under this transaction");
        }
        Ok(true)
    }

    /// One writer at a time (the transaction is IMMEDIATE): what the row says of its last
    /// writer is read first, then one UPDATE writes the order, who and when.
    fn update_written(
        &mut self,
        next: &Order,
        guard: Option<u64>,
        metadata: Option<&Metadata>,
    ) -> anyhow::Result<Option<Option<(Option<String>, Option<String>)>>> {
        let Some(metadata) = metadata else {
            return Ok(self.update(next, guard)?.then_some(None));
        };
        let before = self.written(&next.order_id)?;
        let set = "UPDATE orders SET quantity = ?2, total_cents = ?3, paid_cents = ?4, status = ?5, \
                   updated_at = ?6, updated_by = ?7";
        let id = next.order_id.as_str();
        let (quantity, status) = (next.quantity as i64, next.status.as_str());
        let (total, paid) = (sql_cents(next.total), sql_cents(next.paid));
        let (at, by) = (metadata.recorded_at.to_string(), metadata.actor.as_str());
        let updated = match guard {
            Some(version) => self
                .prepare_cached(&format!(
                    "{set}, version = version + 1 WHERE order_id = ?1 AND version = ?8"
                ))?
                .execute(params![
                    id,
                    quantity,
                    total,
                    paid,
                    status,
                    at,
                    by,
                    version as i64
                ])?,
            None => self
                .prepare_cached(&format!("{set} WHERE order_id = ?1"))?
                .execute(params![id, quantity, total, paid, status, at, by])?,
        };
        if updated != 1 {
            anyhow::bail!("the row of {id} changed under this transaction");
        }
        Ok(Some(Some(before)))
    }

    fn reason(&mut self, order_id: &OrderId) -> anyhow::Result<String> {
        Ok(self
            .prepare_cached(&format!(
                "SELECT {REASON_COLUMN} FROM orders WHERE order_id = ?1"
            ))?
            .query_row([order_id.as_str()], |r| r.get(0))?)
    }

    fn set_reason(&mut self, order_id: &OrderId, reason: &str) -> anyhow::Result<()> {
        self.prepare_cached(&format!(
            "UPDATE orders SET {REASON_COLUMN} = ?2 WHERE order_id = ?1"
        ))?
        .execute(params![order_id.as_str(), reason])?;
        Ok(())
    }

    fn set_written(&mut self, order_id: &OrderId, metadata: &Metadata) -> anyhow::Result<()> {
        self.prepare_cached(
            "UPDATE orders SET updated_at = ?2, updated_by = ?3 WHERE order_id = ?1",
        )?
        .execute(params![
            order_id.as_str(),
            metadata.recorded_at.to_string(),
            metadata.actor.as_str()
        ])?;
        Ok(())
    }

    fn written(&mut self, order_id: &OrderId) -> anyhow::Result<(Option<String>, Option<String>)> {
        Ok(self
            .prepare_cached("SELECT updated_by, updated_at FROM orders WHERE order_id = ?1")?
            .query_row([order_id.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))?)
    }

    fn is_done(&mut self, mark: &StepMark) -> anyhow::Result<bool> {
        db::is_done(self, mark)
    }

    fn record_progress(&mut self, mark: &StepMark) -> anyhow::Result<()> {
        db::record_progress(self, mark)
    }

    fn has_reason_column(&mut self) -> anyhow::Result<bool> {
        has_column(self, "orders", REASON_COLUMN)
    }

    fn add_reason_column(&mut self) -> anyhow::Result<u64> {
        self.execute_batch(&format!(
            "ALTER TABLE orders ADD COLUMN {REASON_COLUMN} TEXT NOT NULL DEFAULT '{REASON_DEFAULT}'"
        ))?;
        let rows: i64 = self.query_row("SELECT count(*) FROM orders", [], |r| r.get(0))?;
        Ok(rows as u64)
    }

    fn commit(self) -> anyhow::Result<()> {
        Ok(WriteTx::commit(self)?)
    }
}

/// The SQL aggregate a report sums with: SQLite's `sum`, by the domain's one rule for a
/// report's sums (`report::add_to_sum`), and NULL past it rather than SQLite's own error.
const REPORT_SUM: &str = "report_sum";

struct ReportSum;

impl rusqlite::functions::Aggregate<Option<u64>, Option<i64>> for ReportSum {
    fn init(&self, _: &mut rusqlite::functions::Context<'_>) -> rusqlite::Result<Option<u64>> {
        Ok(Some(0))
    }

    fn step(
        &self,
        ctx: &mut rusqlite::functions::Context<'_>,
        sum: &mut Option<u64>,
    ) -> rusqlite::Result<()> {
        let value = ctx.get::<i64>(0)?;
        *sum = sum.and_then(|sum| report::add_to_sum(sum, value.max(0) as u64).ok());
        Ok(())
    }

    fn finalize(
        &self,
        _: &mut rusqlite::functions::Context<'_>,
        sum: Option<Option<u64>>,
    ) -> rusqlite::Result<Option<i64>> {
        // `MAX_SUM` fits an SQLite integer.
        Ok(sum.unwrap_or(Some(0)).map(|sum| sum as i64))
    }
}

/// Reads `COLUMNS` and a version into an `Order`.
fn read_row(row: &Row) -> rusqlite::Result<anyhow::Result<Order>> {
    Ok(order_from_row(RowColumns {
        order_id: row.get(0)?,
        customer: row.get(1)?,
        product: row.get(2)?,
        quantity: row.get(3)?,
        unit_price_cents: row.get(4)?,
        total_cents: row.get(5)?,
        paid_cents: row.get(6)?,
        status: row.get(7)?,
        version: row.get(8)?,
    }))
}

fn has_column(conn: &Connection, table: &str, column: &str) -> anyhow::Result<bool> {
    Ok(conn
        .prepare_cached("SELECT count(*) > 0 FROM pragma_table_info(?1) WHERE name = ?2")?
        .query_row([table, column], |r| r.get(0))?)
}
