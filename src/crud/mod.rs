//! The CRUD design: one row per order in the SQLite table `orders`, updated in place.
//! Whatever a row said before an UPDATE is gone; nothing else is kept.

use anyhow::Context;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

use crate::db::{self, Location, Schema};
use crate::domain::{Command, Money, Order, OrderId, Status, apply, decide};
use crate::service::{
    Backend, ColumnChange, ColumnValue, CommandOutcome, OrderService, OrderState, QueryAnswer,
    StorageChange, StorageSummary,
};

pub const SCHEMA: Schema = Schema {
    what: "CRUD store",
    application_id: 0x4553_4c43, // "ESLC"
    version: 1,
    ddl: include_str!("schema.sql"),
};

pub struct CrudStore {
    conn: Connection,
}

const SELECT_ORDER: &str = "SELECT order_id, customer, product, quantity, unit_price, total, paid, status \
     FROM orders WHERE order_id = ?1";

impl CrudStore {
    pub fn open(location: &Location) -> anyhow::Result<CrudStore> {
        Ok(CrudStore {
            conn: db::open(location, &SCHEMA)?,
        })
    }

    fn load(conn: &Connection, order_id: &OrderId) -> anyhow::Result<Option<Order>> {
        let mut select = conn.prepare_cached(SELECT_ORDER)?;
        let row = select.query_row([order_id.as_str()], read_row).optional()?;
        row.transpose()
    }
}

/// Reads a row into an `Order`. The row keeps no version: this design has none.
fn read_row(row: &Row) -> rusqlite::Result<anyhow::Result<Order>> {
    let cents =
        |i| -> rusqlite::Result<Money> { Ok(Money::from_cents(row.get::<_, i64>(i)? as u64)) };
    let order_id = OrderId::new(row.get::<_, String>(0)?).map_err(anyhow::Error::msg);
    let status: String = row.get(7)?;
    let status =
        Status::parse(&status).with_context(|| format!("unknown status {status:?} in orders"));
    let order = Order {
        order_id: match order_id {
            Ok(id) => id,
            Err(e) => return Ok(Err(e)),
        },
        customer: row.get(1)?,
        product: row.get(2)?,
        quantity: row.get::<_, i64>(3)? as u64,
        unit_price: cents(4)?,
        total: cents(5)?,
        paid: cents(6)?,
        status: match status {
            Ok(status) => status,
            Err(e) => return Ok(Err(e)),
        },
        version: 0,
    };
    Ok(Ok(order))
}

/// The columns an UPDATE replaced, with their old and new values.
fn changed_columns(old: &Order, new: &Order) -> Vec<ColumnChange> {
    let mut changes = Vec::new();
    let mut compare = |column, old: ColumnValue, new: ColumnValue| {
        if old != new {
            changes.push(ColumnChange { column, old, new });
        }
    };
    use ColumnValue::{Count, Money as Cents, Status as State, Text};
    compare(
        "customer",
        Text(old.customer.clone()),
        Text(new.customer.clone()),
    );
    compare(
        "product",
        Text(old.product.clone()),
        Text(new.product.clone()),
    );
    compare("quantity", Count(old.quantity), Count(new.quantity));
    compare("unit_price", Cents(old.unit_price), Cents(new.unit_price));
    compare("total", Cents(old.total), Cents(new.total));
    compare("paid", Cents(old.paid), Cents(new.paid));
    compare("status", State(old.status), State(new.status));
    changes
}

fn sql_cents(money: Money) -> i64 {
    money.cents() as i64 // bounded far below i64::MAX by Money's parser and the rules
}

impl OrderService for CrudStore {
    fn backend(&self) -> Backend {
        Backend::Crud
    }

    fn execute(&mut self, command: &Command) -> anyhow::Result<CommandOutcome> {
        let order_id = command.order_id();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current = CrudStore::load(&tx, order_id)?;
        let events = match decide(current.as_ref(), command) {
            Ok(events) => events,
            Err(rejection) => return Ok(CommandOutcome::Rejected(rejection)),
        };
        // The same `apply` as event sourcing computes the new row; only the new row is kept.
        let mut next = current.clone();
        for event in &events {
            next = Some(apply(next, order_id, event)?);
        }
        let next = next.context("a command always leaves an order")?;
        let change = match &current {
            None => {
                tx.prepare_cached(
                    "INSERT INTO orders (order_id, customer, product, quantity, unit_price, total, paid, status) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )?
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
                StorageChange::Insert {
                    table: "orders",
                    row: OrderState::unversioned(&next),
                }
            }
            Some(old) => {
                tx.prepare_cached(
                    "UPDATE orders SET quantity = ?2, total = ?3, paid = ?4, status = ?5 \
                     WHERE order_id = ?1",
                )?
                .execute(params![
                    next.order_id.as_str(),
                    next.quantity as i64,
                    sql_cents(next.total),
                    sql_cents(next.paid),
                    next.status.as_str(),
                ])?;
                StorageChange::Update {
                    table: "orders",
                    order_id: order_id.clone(),
                    changes: changed_columns(old, &next),
                }
            }
        };
        tx.commit()?;
        Ok(CommandOutcome::Applied(change))
    }

    fn query(&mut self, order_id: &OrderId) -> anyhow::Result<QueryAnswer> {
        let order = CrudStore::load(&self.conn, order_id)?;
        Ok(QueryAnswer {
            source: "the orders row".into(),
            state: order.as_ref().map(OrderState::unversioned),
        })
    }

    fn storage(&self) -> anyhow::Result<StorageSummary> {
        let count: i64 = self
            .conn
            .query_row("SELECT count(*) FROM orders", [], |r| r.get(0))?;
        Ok(StorageSummary {
            backend: Backend::Crud,
            unit: "rows",
            count: count as u64,
        })
    }
}
