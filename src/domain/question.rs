//! The questions a step can ask of a design: an order's state (now or as of an event),
//! its history, or a report built after the fact.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::command::OrderId;
use super::projection::Projection;

/// Questions a step can ask a design.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Question {
    /// An order's state: now, or `as_of` an event id.
    Query(OrderQuery),
    /// Everything that happened to an order.
    History(HistoryQuery),
    /// A read model built after the fact.
    Report(ReportQuery),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderQuery {
    pub order_id: OrderId,
    /// Answer the state right after this event id (time travel).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    pub order_id: OrderId,
}

/// A report: a built-in one by name, or your own, named and defined as data (`define`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawReportQuery")]
pub struct ReportQuery {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub define: Option<Projection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReportQuery {
    name: String,
    #[serde(default)]
    define: Option<Projection>,
}

/// Which read model a report step asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind<'a> {
    BuiltIn(ReportName),
    Defined(&'a Projection),
}

impl ReportQuery {
    pub fn built_in(name: ReportName) -> ReportQuery {
        ReportQuery {
            name: name.as_str().to_string(),
            define: None,
        }
    }

    pub fn kind(&self) -> ReportKind<'_> {
        match (&self.define, ReportName::parse(&self.name)) {
            (Some(projection), _) => ReportKind::Defined(projection),
            (None, Some(name)) => ReportKind::BuiltIn(name),
            (None, None) => unreachable!("a report query is checked when it is read"),
        }
    }

    /// The report's columns, as its answer will have them.
    pub fn columns(&self) -> Vec<String> {
        match self.kind() {
            ReportKind::BuiltIn(name) => name.columns(),
            ReportKind::Defined(projection) => projection.columns(),
        }
    }
}

impl TryFrom<RawReportQuery> for ReportQuery {
    type Error = String;

    fn try_from(raw: RawReportQuery) -> Result<ReportQuery, String> {
        let RawReportQuery { name, define } = raw;
        let built_in = ReportName::parse(&name).is_some();
        let names = ReportName::ALL.map(ReportName::as_str).join(", ");
        match (&define, built_in) {
            (None, false) => Err(format!(
                "no report named `{name}`: the built-in ones are {names}; to build your own, name it and `define` it"
            )),
            (Some(_), true) => Err(format!(
                "`{name}` is a built-in report: give your own another name"
            )),
            (Some(_), false) if !is_report_name(&name) => Err(format!(
                "a report's name is lowercase letters, digits and dashes, like `changes-per-product`, not `{name}`"
            )),
            _ => Ok(ReportQuery { name, define }),
        }
    }
}

/// A name as the built-in reports have them: `changes-per-product`.
fn is_report_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
}

/// The reports eslab builds in, by the name a step asks for.
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
