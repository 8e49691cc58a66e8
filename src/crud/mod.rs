//! The CRUD design: one row per order in the SQLite table `orders`, updated in place.
//! Whatever a row said before an UPDATE is gone; nothing else is kept. The design is written
//! over any engine that keeps rows (`Rows`); SQLite's is in `sqlite`, PostgreSQL's in `pg`.
//!
//! This file is the store and how it answers; `engine` is what it asks of an engine, `write`
//! the rules a command's write applies, `change` what the write does to the row and records
//! of it, and `report` the reports the rows can answer.

mod change;
mod engine;
mod report;
mod sqlite;
mod write;

use crate::db::StepMark;
use crate::domain::{
    Actor, Command, Deploy, LastWrite, Metadata, Order, OrderId, Question, Timestamp,
};
use crate::service::{
    Backend, CommandOutcome, Inapplicable, OrderService, OrderState, Outcome, Source,
    StorageSummary, Unanswerable,
};

pub(crate) use engine::{COLUMNS, GroupKey, RowColumns, Rows, RowsTx, order_from_row, sql_cents};
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
}

/// The row as this design answers it: with its version only when it keeps one.
fn as_answered(order: &Order, locking: bool) -> OrderState {
    if locking {
        OrderState::versioned(order)
    } else {
        OrderState::unversioned(order)
    }
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
        let outcome = write::write_command(&mut tx, locking, reason_column, command, metadata)?;
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
            Question::Report(query) => self.report(query)?,
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
