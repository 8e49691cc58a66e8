//! The CRUD design: one row per order in the SQLite table `orders`, updated in place.
//! Whatever a row said before an UPDATE is gone; nothing else is kept. The design is written
//! over any engine that keeps rows (`Rows`); SQLite's is in `sqlite`, PostgreSQL's in `pg`.

mod sqlite;

use std::collections::BTreeMap;

use anyhow::Context;

use crate::db::StepMark;
use crate::domain::projection::{FieldKind, Keep, Projection};
use crate::domain::report::{self, Report, ReportName};
use crate::domain::{
    Actor, Command, Deploy, Event, LastWrite, Metadata, Money, Order, OrderId, Question, Rejection,
    ReportKind, Status, Timestamp, apply, decide,
};
use crate::service::{
    Backend, Caveat, ColumnChange, ColumnValue, CommandOutcome, Evidence, Inapplicable,
    OrderService, OrderState, Outcome, ReportSource, Source, StorageChange, StorageSummary,
    Unanswerable,
};

pub(crate) use sqlite::{SCHEMA, SqliteRows, VERSIONED_SCHEMA};

/// The design over an `orders` table in any engine (`Rows`): SQLite by default, or a room
/// on a server.
pub struct CrudStore<R: Rows = SqliteRows> {
    rows: R,
    /// Optimistic locking: keep a version per row and refuse stale writes.
    locking: bool,
    /// Whether the table has been migrated to keep why a quantity changed (`deploy`).
    reason_column: bool,
}

/// The column a `deploy` of ModifyOrderEvent shape 2 adds, and what every row then holds.
pub(crate) const REASON_COLUMN: &str = "change_reason";
pub(crate) const REASON_DEFAULT: &str = "not recorded";

pub(crate) const COLUMNS: &str =
    "order_id, customer, product, quantity, unit_price_cents, total_cents, paid_cents, status";

/// How many times a write is decided again when another writer changed the row between this
/// one's read and its write: each retry means another command committed, so they end. (Only
/// a server's row locks let this happen: SQLite's write transaction locks the whole file.)
const WRITE_ATTEMPTS: usize = 1000;

impl<R: Rows> CrudStore<R> {
    /// The design over an open table.
    pub fn over(rows: R, locking: bool) -> anyhow::Result<CrudStore<R>> {
        let reason_column = rows.has_reason_column()?;
        Ok(CrudStore {
            rows,
            locking,
            reason_column,
        })
    }

    /// Decides one command against the row and writes the result, inside `tx`. Decided again
    /// from the row as it then is should another writer have got to it first.
    fn write_command(
        tx: &mut R::Tx<'_>,
        locking: bool,
        reason_column: bool,
        command: &Command,
        metadata: Option<&Metadata>,
    ) -> anyhow::Result<CommandOutcome> {
        for _ in 0..WRITE_ATTEMPTS {
            if let Some(outcome) =
                CrudStore::<R>::try_write(tx, locking, reason_column, command, metadata)?
            {
                return Ok(outcome);
            }
        }
        anyhow::bail!(
            "the row of {} kept changing under this write",
            command.order_id()
        )
    }

    /// One attempt of `write_command`: `None` when the row changed between read and write.
    fn try_write(
        tx: &mut R::Tx<'_>,
        locking: bool,
        reason_column: bool,
        command: &Command,
        metadata: Option<&Metadata>,
    ) -> anyhow::Result<Option<CommandOutcome>> {
        let order_id = command.order_id();
        let current = tx.load(order_id, locking)?;
        // Without a version column there is nothing to check a read against.
        let mut caveats = Vec::new();
        let command = match (locking, command.expected_version()) {
            (false, Some(expected)) => {
                caveats.push(Caveat::VersionUnchecked { expected });
                command.without_expected_version()
            }
            _ => command.clone(),
        };
        let events = match decide(current.as_ref(), &command) {
            Ok(events) => events,
            Err(rejection) => {
                let evidence = matches!(rejection, Rejection::VersionConflict { .. })
                    .then_some(Evidence::RowOnlyNewest);
                return Ok(Some(CommandOutcome::Rejected {
                    rejection,
                    evidence,
                }));
            }
        };
        let change_reason = not_kept(&command, reason_column, &mut caveats);
        // The same `apply` as event sourcing computes the new row; only the new row is kept.
        let mut next = current.clone();
        for event in &events {
            next = Some(apply(next, order_id, event)?);
        }
        let next = next.context("a command always leaves an order")?;
        let change = match &current {
            None => {
                if !tx.insert(&next, locking)? {
                    return Ok(None);
                }
                // Who and when go on the new row too.
                if let Some(metadata) = metadata {
                    tx.set_written(order_id, metadata)?;
                }
                StorageChange::Insert {
                    table: "orders",
                    row: as_answered(&next, locking),
                }
            }
            Some(old) => {
                // The guard that holds even against another process: only the version read.
                let Some(written) =
                    tx.update_written(&next, locking.then_some(old.version), metadata)?
                else {
                    return Ok(None);
                };
                let mut changes = changed_columns(old, &next, locking);
                if let (Some(reason), true) = (change_reason, reason_column) {
                    let before = tx.reason(order_id)?;
                    tx.set_reason(order_id, reason)?;
                    if before != *reason {
                        changes.push(ColumnChange {
                            column: REASON_COLUMN,
                            old: ColumnValue::Text(before),
                            new: ColumnValue::Text(reason.clone()),
                        });
                    }
                }
                // Who and when go on the row too, over whoever wrote it before: an update
                // says so.
                if let (Some(metadata), Some((by, at))) = (metadata, written) {
                    changes.extend(who_and_when_overwritten(by, at, metadata));
                }
                StorageChange::Update {
                    table: "orders",
                    order_id: order_id.clone(),
                    changes,
                }
            }
        };
        Ok(Some(CommandOutcome::Applied { change, caveats }))
    }

    fn query_row(&self, order_id: &OrderId) -> anyhow::Result<Option<OrderState>> {
        Ok(self
            .rows
            .load(order_id, self.locking)?
            .map(|order| as_answered(&order, self.locking)))
    }

    /// Who last wrote the order's row, and when, if the row says.
    fn last_write(&self, order_id: &OrderId) -> anyhow::Result<Option<LastWrite>> {
        match self.rows.last_write(order_id)? {
            Some((Some(at), Some(by))) => Ok(Some(LastWrite {
                at: Timestamp::parse(&at).map_err(anyhow::Error::msg)?,
                by: Actor::new(by).map_err(anyhow::Error::msg)?,
            })),
            _ => Ok(None),
        }
    }

    /// Runs a read model's SQL (`projection_sql`): a key, then a count or a sum per kept
    /// column, read back as the event-sourced fold writes them.
    fn projection_rows(
        &self,
        projection: &Projection,
        sql: &str,
    ) -> anyhow::Result<Vec<Vec<String>>> {
        let money = |cents: i64| Money::from_cents(cents as u64).to_string();
        let key_is_money = projection.group_by == "unit_price";
        let mut rows: Vec<Vec<String>> = self
            .rows
            .grouped(sql, key_is_money, projection.keep.len())?
            .into_iter()
            .map(|(key, values)| {
                let key = match key {
                    GroupKey::Cents(cents) => money(cents),
                    GroupKey::Text(text) => text,
                };
                let mut cells = vec![key];
                for (kept, value) in projection.keep.iter().zip(values) {
                    cells.push(match &kept.keep {
                        Keep::Sum(field) if projection.sum_kind(field) == FieldKind::Amount => {
                            money(value)
                        }
                        _ => value.to_string(),
                    });
                }
                cells
            })
            .collect();
        // In the fold's order: by the key as text.
        rows.sort();
        Ok(rows)
    }
}

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

/// What the row has no column for: a cancellation's reason always, a change's reason until a
/// migration adds one. Returns the change's reason, which goes on the row where it can.
fn not_kept<'c>(
    command: &'c Command,
    reason_column: bool,
    caveats: &mut Vec<Caveat>,
) -> Option<&'c String> {
    let dropped = |value: &String| Caveat::NotKept {
        field: "reason",
        value: value.clone(),
        shape: None,
    };
    match command {
        Command::Cancel(cancel) => {
            caveats.push(dropped(&cancel.reason));
            None
        }
        Command::ChangeQuantity(change) => {
            if let (Some(reason), false) = (&change.reason, reason_column) {
                caveats.push(dropped(reason));
            }
            change.reason.as_ref()
        }
        _ => None,
    }
}

/// The row's `updated_by` and `updated_at` as a write overwrites them with `metadata`.
fn who_and_when_overwritten(
    by: Option<String>,
    at: Option<String>,
    metadata: &Metadata,
) -> Vec<ColumnChange> {
    let now = [
        ("updated_by", by, metadata.actor.as_str().to_string()),
        ("updated_at", at, metadata.recorded_at.to_string()),
    ];
    now.into_iter()
        .filter(|(_, old, new)| old.as_deref() != Some(new.as_str()))
        .map(|(column, old, new)| ColumnChange {
            column,
            old: ColumnValue::Text(old.unwrap_or_else(|| "NULL".into())),
            new: ColumnValue::Text(new),
        })
        .collect()
}

/// The SQL that answers a read model defined in a scenario from the `orders` rows, or what
/// the rows cannot tell. A row is an order as it stands now: it can stand in for the event
/// that placed it, for its payment (the rules take one payment per order, of exactly its
/// total, so a row with `paid_cents` was paid once, that much) and for its cancellation (a
/// `Cancelled` status), for the fields no UPDATE ever replaces, and nothing else: not a
/// change of quantity, which the next one overwrote, nor a cancellation's reason, nor which
/// event came first or last. A read model over several event types is not answered.
pub(crate) fn projection_sql(projection: &Projection) -> Result<String, Unanswerable> {
    let not_kept = |other: &str| Unanswerable::EventsNotKept {
        event_type: Event::TYPES
            .into_iter()
            .find(|t| *t == other)
            .unwrap_or("an event"),
    };
    let (event_type, rows) = match projection.events.as_slice() {
        [one] if one == "NewOrderEvent" => ("NewOrderEvent", None),
        [one] if one == "OrderPaymentEvent" => ("OrderPaymentEvent", Some("paid_cents > 0")),
        [one] if one == "OrderCancelledEvent" => {
            ("OrderCancelledEvent", Some("status = 'Cancelled'"))
        }
        events => {
            let other = events
                .iter()
                .find(|t| *t != "NewOrderEvent")
                .map_or("an event", String::as_str);
            return Err(not_kept(other));
        }
    };
    let column = |field: &str| match (event_type, field) {
        (_, "order_id" | "customer" | "product") => Ok(field.to_string()),
        (_, "event_type") => Ok(format!("'{event_type}'")),
        ("NewOrderEvent", "unit_price") => Ok("unit_price_cents".to_string()),
        ("OrderPaymentEvent", "amount") => Ok("paid_cents".to_string()),
        ("OrderCancelledEvent", "reason") => Err(not_kept(event_type)),
        // Checked when the scenario was read: `quantity` is the only other field.
        _ => Err(Unanswerable::FieldOverwritten { field: "quantity" }),
    };
    let mut select = vec![column(&projection.group_by)?];
    for kept in &projection.keep {
        select.push(match &kept.keep {
            Keep::Count => "count(*)".to_string(),
            Keep::Sum(field) => format!("sum({})", column(field)?),
            Keep::Latest(_) | Keep::FirstEventId | Keep::LastEventId => {
                return Err(Unanswerable::NoEventOrder);
            }
        });
    }
    let filter = rows.map_or(String::new(), |rows| format!(" WHERE {rows}"));
    Ok(format!(
        "SELECT {} FROM orders{filter} GROUP BY {}",
        select.join(", "),
        select[0]
    ))
}

/// The row as this design answers it: with its version only when it keeps one.
fn as_answered(order: &Order, locking: bool) -> OrderState {
    if locking {
        OrderState::versioned(order)
    } else {
        OrderState::unversioned(order)
    }
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

/// The columns an UPDATE replaced, with their old and new values.
fn changed_columns(old: &Order, new: &Order, locking: bool) -> Vec<ColumnChange> {
    let mut changes = Vec::new();
    let mut compare = |column, old: ColumnValue, new: ColumnValue| {
        if old != new {
            changes.push(ColumnChange { column, old, new });
        }
    };
    use ColumnValue::{Integer, Status as State, Text};
    let cents = |money: Money| Integer(money.cents());
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
    compare("quantity", Integer(old.quantity), Integer(new.quantity));
    compare(
        "unit_price_cents",
        cents(old.unit_price),
        cents(new.unit_price),
    );
    compare("total_cents", cents(old.total), cents(new.total));
    compare("paid_cents", cents(old.paid), cents(new.paid));
    compare("status", State(old.status), State(new.status));
    if locking {
        compare("version", Integer(old.version), Integer(new.version));
    }
    changes
}

pub(crate) fn sql_cents(money: Money) -> i64 {
    money.cents() as i64 // bounded far below i64::MAX by Money's parser and the rules
}

impl<R: Rows> OrderService for CrudStore<R> {
    fn backend(&self) -> Backend {
        Backend::Crud
    }

    fn execute(
        &mut self,
        command: &Command,
        metadata: Option<&Metadata>,
        mark: Option<&StepMark>,
    ) -> anyhow::Result<CommandOutcome> {
        let mut tx = self.rows.begin()?;
        // Asked inside the transaction that would do the step: another run on this table
        // may have done it since this one started.
        if let Some(mark) = mark
            && tx.is_done(mark)?
        {
            return Ok(CommandOutcome::DoneEarlier);
        }
        // Another process may have migrated the table since this one looked: asked again
        // where it matters, a reason to keep and no column known for it.
        let has_reason = matches!(command, Command::ChangeQuantity(c) if c.reason.is_some());
        if has_reason && !self.reason_column {
            self.reason_column = tx.has_reason_column()?;
        }
        let (locking, reason_column) = (self.locking, self.reason_column);
        let outcome =
            CrudStore::<R>::write_command(&mut tx, locking, reason_column, command, metadata)?;
        if let Some(mark) = mark {
            tx.record_progress(mark)?;
        }
        tx.commit()?;
        Ok(outcome)
    }

    fn is_done(&self, mark: &StepMark) -> anyhow::Result<bool> {
        self.rows.is_done(mark)
    }

    fn ask(&mut self, question: &Question) -> anyhow::Result<Outcome> {
        Ok(match question {
            Question::Query(query) => match query.as_of {
                None => Outcome::Answered {
                    source: Source::Row,
                    state: self.query_row(&query.order_id)?,
                },
                Some(as_of) => Outcome::Unavailable {
                    reason: Unanswerable::Overwritten { as_of },
                    latest: self.query_row(&query.order_id)?,
                    last_write: None,
                },
            },
            Question::History(history) => Outcome::Unavailable {
                reason: Unanswerable::HistoryNotKept,
                latest: self.query_row(&history.order_id)?,
                last_write: self.last_write(&history.order_id)?,
            },
            Question::Report(query) => match query.kind() {
                ReportKind::BuiltIn(ReportName::RevenuePerCustomer) => {
                    match self.rows.revenue_per_customer()? {
                        Some(per_customer) => Outcome::Report {
                            source: ReportSource::Sql { query: None },
                            report: report::revenue_report(per_customer),
                        },
                        None => Outcome::Unavailable {
                            reason: Unanswerable::SumTooLarge,
                            latest: None,
                            last_write: None,
                        },
                    }
                }
                ReportKind::BuiltIn(ReportName::QuantityChanges) => Outcome::Unavailable {
                    reason: Unanswerable::ReportNeedsHistory,
                    latest: None,
                    last_write: None,
                },
                ReportKind::Defined(projection) => match projection_sql(projection) {
                    Ok(sql) => Outcome::Report {
                        report: Report {
                            name: query.name.clone(),
                            columns: projection.columns(),
                            rows: self.projection_rows(projection, &sql)?,
                        },
                        source: ReportSource::Sql { query: Some(sql) },
                    },
                    Err(reason) => Outcome::Unavailable {
                        reason,
                        latest: None,
                        last_write: None,
                    },
                },
            },
        })
    }

    fn storage(&self) -> anyhow::Result<StorageSummary> {
        Ok(StorageSummary {
            backend: Backend::Crud,
            unit: "rows",
            count: self.rows.count()?,
        })
    }

    /// A migration, in place: the new column is added to every row, filled with a default,
    /// since what each row would have said was never recorded. The column is the table's own
    /// record of the deploy: whoever writes next sees it.
    fn deploy(&mut self, deploy: &Deploy, mark: Option<&StepMark>) -> anyhow::Result<Outcome> {
        let needs_reason = deploy.event == "ModifyOrderEvent" && deploy.version >= 2;
        let mut tx = self.rows.begin()?;
        if let Some(mark) = mark
            && tx.is_done(mark)?
        {
            return Ok(Outcome::NotApplicable {
                why: Inapplicable::DoneEarlier,
            });
        }
        // Another process may have migrated the table since it was opened.
        let reason_column = tx.has_reason_column()?;
        let outcome = if !needs_reason || reason_column {
            Outcome::NotApplicable {
                why: Inapplicable::TableUnchanged,
            }
        } else {
            Outcome::Migrated {
                table: "orders",
                column: REASON_COLUMN,
                default: REASON_DEFAULT,
                rows_filled: tx.add_reason_column()?,
            }
        };
        if let Some(mark) = mark {
            tx.record_progress(mark)?;
        }
        tx.commit()?;
        self.reason_column = reason_column || needs_reason;
        Ok(outcome)
    }
}
