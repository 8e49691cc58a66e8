//! The `orders` table in a room: the `crud::Rows` engine over PostgreSQL.

use std::cell::RefCell;
use std::collections::BTreeMap;

use postgres::Client;

use super::db::{Db, DbTx, Query};

use super::out_of_range;
use crate::crud::{
    COLUMNS, GroupKey, REASON_COLUMN, REASON_DEFAULT, RowColumns, Rows, RowsTx, order_from_row,
    sql_cents,
};
use crate::db::StepMark;
use crate::domain::report;
use crate::domain::{Metadata, Money, Order, OrderId};

/// The room's `orders` table, on its own connection (in a `RefCell`, as `PgLog`'s).
pub struct PgRows {
    client: RefCell<Db>,
}

impl PgRows {
    pub fn new(client: Client) -> PgRows {
        PgRows {
            client: RefCell::new(Db::new(client)),
        }
    }
}

/// The order's row. Every write in a room moves the version on; it is read only where the
/// writer checks it (`locking`), as the SQLite table without a version column reads 0.
fn load(
    client: &mut impl Query,
    order_id: &OrderId,
    locking: bool,
) -> anyhow::Result<Option<Order>> {
    let row = client.query_opt(
        &format!(
            "SELECT {COLUMNS}, CASE WHEN $2 THEN version ELSE 0 END FROM orders WHERE order_id = $1"
        ),
        &[&order_id.as_str(), &locking],
    )?;
    row.map(|row| {
        order_from_row(RowColumns {
            order_id: row.try_get(0)?,
            customer: row.try_get(1)?,
            product: row.try_get(2)?,
            quantity: row.try_get(3)?,
            unit_price_cents: row.try_get(4)?,
            total_cents: row.try_get(5)?,
            paid_cents: row.try_get(6)?,
            status: row.try_get(7)?,
            version: row.try_get(8)?,
        })
    })
    .transpose()
}

/// Records that a design did a scenario's step, inside the caller's transaction; progress
/// only moves forward, whoever writes it.
pub(super) fn record_progress(
    client: &mut impl Query,
    design: &str,
    mark: &StepMark,
) -> anyhow::Result<()> {
    let step = i64::try_from(mark.step).map_err(|_| out_of_range("the step"))?;
    client.execute(
        "INSERT INTO progress (design, scenario, steps_done) VALUES ($1, $2, $3) \
         ON CONFLICT (design, scenario) \
         DO UPDATE SET steps_done = greatest(progress.steps_done, excluded.steps_done)",
        &[&design, &mark.scenario, &step],
    )?;
    Ok(())
}

/// Whether a design has done a scenario's step (`db::is_done`, with a row per design).
pub(super) fn is_done(
    client: &mut impl Query,
    design: &str,
    mark: &StepMark,
) -> anyhow::Result<bool> {
    let done: Option<i64> = client
        .query_opt(
            "SELECT steps_done FROM progress WHERE design = $1 AND scenario = $2",
            &[&design, &mark.scenario],
        )?
        .map(|row| row.get(0));
    Ok(mark.done_by(done.unwrap_or(0) as u64))
}

fn has_reason_column(client: &mut impl Query) -> anyhow::Result<bool> {
    Ok(client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_attribute \
             WHERE attrelid = 'orders'::regclass AND attname = $1 AND NOT attisdropped)",
            &[&REASON_COLUMN],
        )?
        .get(0))
}

impl Rows for PgRows {
    type Tx<'a> = PgRowsTx<'a>;

    fn begin(&mut self) -> anyhow::Result<PgRowsTx<'_>> {
        Ok(PgRowsTx {
            tx: self.client.get_mut().transaction()?,
        })
    }

    fn load(&self, order_id: &OrderId, locking: bool) -> anyhow::Result<Option<Order>> {
        load(&mut *self.client.borrow_mut(), order_id, locking)
    }

    fn last_write(
        &self,
        order_id: &OrderId,
    ) -> anyhow::Result<Option<(Option<String>, Option<String>)>> {
        Ok(self
            .client
            .borrow_mut()
            .query_opt(
                "SELECT updated_at, updated_by FROM orders WHERE order_id = $1",
                &[&order_id.as_str()],
            )?
            .map(|row| (row.get(0), row.get(1))))
    }

    /// Summed here, by the domain's one rule for a report's sums (`report::add_to_sum`), as
    /// SQLite sums with it: PostgreSQL's own `sum` would go on past it, in numeric.
    fn revenue_per_customer(&self) -> anyhow::Result<Option<BTreeMap<String, (u64, Money)>>> {
        let rows = self.client.borrow_mut().query(
            "SELECT customer, paid_cents FROM orders ORDER BY customer",
            &[],
        )?;
        let mut per_customer: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        for row in &rows {
            let paid: i64 = row.try_get(1)?;
            let entry = per_customer.entry(row.try_get(0)?).or_default();
            entry.0 += 1;
            match report::add_to_sum(entry.1, paid.max(0) as u64) {
                Ok(sum) => entry.1 = sum,
                Err(_) => return Ok(None),
            }
        }
        Ok(Some(
            per_customer
                .into_iter()
                .map(|(customer, (orders, paid))| (customer, (orders, Money::from_cents(paid))))
                .collect(),
        ))
    }

    /// The same query as SQLite runs, with two differences of dialect: PostgreSQL groups by
    /// the first column's position (it refuses a constant by value), and its sums are numeric,
    /// read as bigint.
    fn grouped(
        &self,
        sql: &str,
        key_is_money: bool,
        values: usize,
    ) -> anyhow::Result<Vec<(GroupKey, Vec<i64>)>> {
        let sql = match sql.rsplit_once(" GROUP BY ") {
            Some((select, _)) => format!("{select} GROUP BY 1"),
            None => sql.to_string(),
        };
        let names: Vec<String> = (1..=values).map(|i| format!("v{i}")).collect();
        let casts: Vec<String> = names.iter().map(|v| format!(", {v}::bigint")).collect();
        let wrapped = format!(
            "SELECT k{} FROM ({sql}) AS q(k{})",
            casts.concat(),
            names.iter().map(|v| format!(", {v}")).collect::<String>()
        );
        let rows = self.client.borrow_mut().query(&wrapped, &[])?;
        rows.iter()
            .map(|row| {
                let key = if key_is_money {
                    GroupKey::Cents(row.try_get(0)?)
                } else {
                    GroupKey::Text(row.try_get(0)?)
                };
                let values = (1..=values)
                    .map(|i| row.try_get(i))
                    .collect::<Result<_, _>>()?;
                Ok((key, values))
            })
            .collect()
    }

    fn count(&self) -> anyhow::Result<u64> {
        let count: i64 = self
            .client
            .borrow_mut()
            .query_one("SELECT count(*) FROM orders", &[])?
            .get(0);
        u64::try_from(count).map_err(|_| out_of_range("the count of rows"))
    }

    fn has_reason_column(&self) -> anyhow::Result<bool> {
        has_reason_column(&mut *self.client.borrow_mut())
    }

    fn is_done(&self, mark: &StepMark) -> anyhow::Result<bool> {
        is_done(&mut *self.client.borrow_mut(), "crud", mark)
    }
}

/// A write transaction on the room's `orders` table (READ COMMITTED: a row another writer
/// changed after this one read it is overwritten, unless a version guard refuses it).
pub struct PgRowsTx<'a> {
    tx: DbTx<'a>,
}

impl RowsTx for PgRowsTx<'_> {
    fn load(&mut self, order_id: &OrderId, locking: bool) -> anyhow::Result<Option<Order>> {
        load(&mut self.tx, order_id, locking)
    }

    /// Another writer's new row with the same id wins: this one decides again.
    fn insert(&mut self, next: &Order, _locking: bool) -> anyhow::Result<bool> {
        let inserted = self.tx.execute(
            &format!(
                "INSERT INTO orders ({COLUMNS}, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1) \
                 ON CONFLICT (order_id) DO NOTHING"
            ),
            &[
                &next.order_id.as_str(),
                &next.customer,
                &next.product,
                &(next.quantity as i64),
                &sql_cents(next.unit_price),
                &sql_cents(next.total),
                &sql_cents(next.paid),
                &next.status.as_str(),
            ],
        )?;
        Ok(inserted == 1)
    }

    fn update(&mut self, next: &Order, guard: Option<u64>) -> anyhow::Result<bool> {
        let set = "UPDATE orders SET quantity = $2, total_cents = $3, paid_cents = $4, \
                   status = $5, version = version + 1";
        let id = next.order_id.as_str();
        let (quantity, status) = (next.quantity as i64, next.status.as_str());
        let (total, paid) = (sql_cents(next.total), sql_cents(next.paid));
        let updated = match guard {
            Some(version) => self.tx.execute(
                &format!("{set} WHERE order_id = $1 AND version = $6"),
                &[&id, &quantity, &total, &paid, &status, &(version as i64)],
            )?,
            None => self.tx.execute(
                &format!("{set} WHERE order_id = $1"),
                &[&id, &quantity, &total, &paid, &status],
            )?,
        };
        Ok(updated == 1)
    }

    fn reason(&mut self, order_id: &OrderId) -> anyhow::Result<String> {
        Ok(self
            .tx
            .query_one(
                &format!("SELECT {REASON_COLUMN} FROM orders WHERE order_id = $1"),
                &[&order_id.as_str()],
            )?
            .get(0))
    }

    fn set_reason(&mut self, order_id: &OrderId, reason: &str) -> anyhow::Result<()> {
        self.tx.execute(
            &format!("UPDATE orders SET {REASON_COLUMN} = $2 WHERE order_id = $1"),
            &[&order_id.as_str(), &reason],
        )?;
        Ok(())
    }

    fn set_written(&mut self, order_id: &OrderId, metadata: &Metadata) -> anyhow::Result<()> {
        self.tx.execute(
            "UPDATE orders SET updated_at = $2, updated_by = $3 WHERE order_id = $1",
            &[
                &order_id.as_str(),
                &metadata.recorded_at.to_string(),
                &metadata.actor.as_str(),
            ],
        )?;
        Ok(())
    }

    fn written(&mut self, order_id: &OrderId) -> anyhow::Result<(Option<String>, Option<String>)> {
        let row = self.tx.query_one(
            "SELECT updated_by, updated_at FROM orders WHERE order_id = $1",
            &[&order_id.as_str()],
        )?;
        Ok((row.get(0), row.get(1)))
    }

    fn is_done(&mut self, mark: &StepMark) -> anyhow::Result<bool> {
        is_done(&mut self.tx, "crud", mark)
    }

    fn record_progress(&mut self, mark: &StepMark) -> anyhow::Result<()> {
        record_progress(&mut self.tx, "crud", mark)
    }

    /// Asked holding a lock that only a migration of the table waits for (and another
    /// such question): two deploys at once, one migrates, the other then finds the column.
    fn has_reason_column(&mut self) -> anyhow::Result<bool> {
        self.tx
            .batch_execute("LOCK TABLE orders IN SHARE UPDATE EXCLUSIVE MODE")?;
        has_reason_column(&mut self.tx)
    }

    /// The migration, in place, once for the whole room.
    fn add_reason_column(&mut self) -> anyhow::Result<u64> {
        self.tx.batch_execute(&format!(
            "ALTER TABLE orders ADD COLUMN {REASON_COLUMN} text NOT NULL \
             DEFAULT '{REASON_DEFAULT}'"
        ))?;
        let rows: i64 = self
            .tx
            .query_one("SELECT count(*) FROM orders", &[])?
            .get(0);
        Ok(rows as u64)
    }

    fn commit(self) -> anyhow::Result<()> {
        self.tx.commit()
    }
}
