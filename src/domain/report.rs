//! Questions nobody planned for: read models built after the fact from the whole log.
//! Each report is a pure fold over events; the CRUD store answers from its rows if it can.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::command::OrderId;
use super::event::{Event, StoredEvent};
use super::money::Money;
use super::question::{ReportKind, ReportQuery};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReportName {
    RevenuePerCustomer,
    QuantityChanges,
}

impl ReportName {
    pub const ALL: [ReportName; 2] = [ReportName::RevenuePerCustomer, ReportName::QuantityChanges];

    pub fn parse(name: &str) -> Option<ReportName> {
        ReportName::ALL
            .into_iter()
            .find(|report| report.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ReportName::RevenuePerCustomer => "revenue-per-customer",
            ReportName::QuantityChanges => "quantity-changes",
        }
    }

    /// Whether a store of latest states can answer it at all.
    pub fn crud_can_answer(self) -> bool {
        match self {
            ReportName::RevenuePerCustomer => true,
            ReportName::QuantityChanges => false,
        }
    }

    pub fn columns(self) -> Vec<String> {
        let columns: &[&str] = match self {
            ReportName::RevenuePerCustomer => &["customer", "orders", "paid"],
            ReportName::QuantityChanges => &["order", "customer", "changes", "quantities", "paid"],
        };
        columns.iter().map(|c| c.to_string()).collect()
    }
}

impl fmt::Display for ReportName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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

/// The largest sum a report adds up to (in cents, or units): what a SQLite integer holds, so
/// that every design keeps the same sums and a report past it is refused alike by all.
pub(crate) const MAX_SUM: u64 = i64::MAX as u64;

/// A report whose sum would pass `MAX_SUM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SumTooLarge;

/// The one rule for adding to a report's sum: refused past `MAX_SUM`.
pub(crate) fn add_to_sum(sum: u64, value: u64) -> Result<u64, SumTooLarge> {
    sum.checked_add(value)
        .filter(|&total| total <= MAX_SUM)
        .ok_or(SumTooLarge)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sum_stops_at_what_an_sqlite_integer_holds() {
        assert_eq!(add_to_sum(MAX_SUM - 1, 1), Ok(MAX_SUM));
        assert_eq!(add_to_sum(MAX_SUM, 1), Err(SumTooLarge));
        assert_eq!(add_to_sum(u64::MAX, 1), Err(SumTooLarge));
        assert_eq!(MAX_SUM, i64::MAX as u64);
    }
}
