//! The questions a step can ask of a design: an order's state (now or as of an event),
//! its history, or a report built after the fact.

use serde::{Deserialize, Serialize};

use super::command::OrderId;
use super::report::ReportName;

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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    pub name: ReportName,
}
