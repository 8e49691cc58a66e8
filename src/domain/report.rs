//! Questions nobody planned for: read models built after the fact from the whole log.
//! Each report is a pure fold over events; the CRUD store answers from its rows if it can.

use std::collections::BTreeMap;

use serde::Serialize;

use super::command::OrderId;
use super::event::{Event, StoredEvent};
use super::money::Money;
use super::question::{ReportKind, ReportName, ReportQuery};
pub use super::sum::SumTooLarge;
pub(crate) use super::sum::{MAX_SUM, add_to_sum};

/// A report's answer: a small table. Rows are sorted, so both designs' answers compare.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub name: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Report {
    /// The value of `column` in each row, as `column → value` maps, for expectations.
    pub fn records(&self) -> Vec<BTreeMap<&str, &str>> {
        self.rows
            .iter()
            .map(|row| {
                self.columns
                    .iter()
                    .map(String::as_str)
                    .zip(row.iter().map(String::as_str))
                    .collect()
            })
            .collect()
    }
}

/// Revenue per customer from aggregated figures: (customer, orders, paid).
pub(crate) fn revenue_report(per_customer: BTreeMap<String, (u64, Money)>) -> Report {
    Report {
        name: ReportName::RevenuePerCustomer.to_string(),
        columns: ReportName::RevenuePerCustomer.columns(),
        rows: per_customer
            .into_iter()
            .map(|(customer, (orders, paid))| vec![customer, orders.to_string(), paid.to_string()])
            .collect(),
    }
}

/// Builds the report a step asks for by folding the whole log, in event-id order: a
/// built-in one, or one defined as data, the same way.
pub fn answer<'a>(
    query: &ReportQuery,
    events: impl IntoIterator<Item = &'a StoredEvent>,
) -> Result<Report, SumTooLarge> {
    Ok(match query.kind() {
        ReportKind::BuiltIn(name) => from_events(name, events)?,
        ReportKind::Defined(projection) => Report {
            name: query.name.clone(),
            columns: projection.columns(),
            rows: projection.fold(events)?,
        },
    })
}

/// Builds a built-in report by folding the whole log, in event-id order.
pub(crate) fn from_events<'a>(
    name: ReportName,
    events: impl IntoIterator<Item = &'a StoredEvent>,
) -> Result<Report, SumTooLarge> {
    Ok(match name {
        ReportName::RevenuePerCustomer => {
            let mut customer_of: BTreeMap<&OrderId, &str> = BTreeMap::new();
            let mut per_customer: BTreeMap<String, (u64, Money)> = BTreeMap::new();
            for stored in events {
                match &stored.event {
                    Event::NewOrderEvent(e) => {
                        customer_of.insert(&stored.stream_id, &e.customer);
                        per_customer.entry(e.customer.clone()).or_default().0 += 1;
                    }
                    Event::OrderPaymentEvent(e) => {
                        if let Some(customer) = customer_of.get(&stored.stream_id) {
                            let entry = per_customer.entry(customer.to_string()).or_default();
                            entry.1 =
                                Money::from_cents(add_to_sum(entry.1.cents(), e.amount.cents())?);
                        }
                    }
                    _ => {}
                }
            }
            revenue_report(per_customer)
        }
        ReportName::QuantityChanges => {
            struct Changes {
                customer: String,
                quantities: Vec<u64>,
                paid: bool,
            }
            let mut orders: BTreeMap<&OrderId, Changes> = BTreeMap::new();
            for stored in events {
                let order = orders.get_mut(&stored.stream_id);
                match (&stored.event, order) {
                    (Event::NewOrderEvent(e), _) => {
                        orders.insert(
                            &stored.stream_id,
                            Changes {
                                customer: e.customer.clone(),
                                quantities: vec![e.quantity],
                                paid: false,
                            },
                        );
                    }
                    (Event::ModifyOrderEvent(e), Some(order)) if !order.paid => {
                        order.quantities.push(e.quantity)
                    }
                    (Event::OrderPaymentEvent(_), Some(order)) => order.paid = true,
                    _ => {}
                }
            }
            Report {
                name: name.to_string(),
                columns: name.columns(),
                rows: orders
                    .into_iter()
                    .map(|(order_id, changes)| {
                        let path: Vec<String> =
                            changes.quantities.iter().map(|q| q.to_string()).collect();
                        vec![
                            order_id.to_string(),
                            changes.customer,
                            (changes.quantities.len() - 1).to_string(),
                            path.join(" → "),
                            if changes.paid { "yes" } else { "no" }.to_string(),
                        ]
                    })
                    .collect(),
            }
        }
    })
}
