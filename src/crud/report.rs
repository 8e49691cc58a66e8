//! Reports from the `orders` rows: the built-in ones by SQL, and a read model defined in a
//! scenario as the SQL that answers it, where a row as it stands now can tell it.

use super::CrudStore;
use super::engine::{GroupKey, Rows};
use crate::domain::ReportName;
use crate::domain::projection::{FieldKind, Keep, Projection};
use crate::domain::report::{self, Report};
use crate::domain::{Event, Money, ReportKind, ReportQuery};
use crate::service::{Outcome, ReportSource, Unanswerable};

impl<R: Rows> CrudStore<R> {
    /// A report as the rows answer it, or what they cannot tell.
    pub(super) fn report(&self, query: &ReportQuery) -> anyhow::Result<Outcome> {
        Ok(match query.kind() {
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
        })
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

/// The SQL that answers a read model defined in a scenario from the `orders` rows, or what
/// the rows cannot tell. A row is an order as it stands now: it can stand in for the event
/// that placed it, for its payment (the rules take one payment per order, of exactly its
/// total, so a row with `paid_cents` was paid once, that much) and for its cancellation (a
/// `Cancelled` status), for the fields no UPDATE ever replaces, and nothing else: not a
/// change of quantity, which the next one overwrote, nor a cancellation's reason, nor which
/// event came first or last. A read model over several event types is not answered.
fn projection_sql(projection: &Projection) -> Result<String, Unanswerable> {
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
