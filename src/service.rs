//! The `OrderService` trait: what the runner asks of either backend, and what they answer.

use std::fmt;

use serde::Serialize;

use crate::domain::{Command, Money, Order, OrderId, Rejection, Status};
use crate::es::StoredEvent;

/// Which design answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    Crud,
    Es,
}

impl Backend {
    pub fn label(self) -> &'static str {
        match self {
            Backend::Crud => "CRUD",
            Backend::Es => "Event sourcing",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// An order as a backend answers it. `version` is `None` where the design keeps no version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderState {
    pub order_id: OrderId,
    pub customer: String,
    pub product: String,
    pub quantity: u64,
    pub unit_price: Money,
    pub total: Money,
    pub paid: Money,
    pub status: Status,
    pub version: Option<u64>,
}

impl OrderState {
    pub fn versioned(order: &Order) -> OrderState {
        OrderState {
            version: Some(order.version),
            ..OrderState::unversioned(order)
        }
    }

    pub fn unversioned(order: &Order) -> OrderState {
        OrderState {
            order_id: order.order_id.clone(),
            customer: order.customer.clone(),
            product: order.product.clone(),
            quantity: order.quantity,
            unit_price: order.unit_price,
            total: order.total,
            paid: order.paid,
            status: order.status,
            version: None,
        }
    }

    /// The same business answer, whatever the bookkeeping: versions exist on one side only.
    pub fn same_answer(&self, other: &OrderState) -> bool {
        OrderState {
            version: None,
            ..self.clone()
        } == OrderState {
            version: None,
            ..other.clone()
        }
    }
}

/// A column of the `orders` row whose value an UPDATE replaced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColumnChange {
    pub column: &'static str,
    pub old: ColumnValue,
    pub new: ColumnValue,
}

/// A value in the `orders` row, serialized as it reads in JSON elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ColumnValue {
    Text(String),
    Count(u64),
    Money(Money),
    Status(Status),
}

impl fmt::Display for ColumnValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnValue::Text(text) => f.write_str(text),
            ColumnValue::Count(count) => write!(f, "{count}"),
            ColumnValue::Money(money) => write!(f, "{money}"),
            ColumnValue::Status(status) => write!(f, "{status}"),
        }
    }
}

/// What a command did to a backend's storage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StorageChange {
    /// CRUD: a new row.
    Insert {
        table: &'static str,
        row: OrderState,
    },
    /// CRUD: the row updated in place; the old values are gone.
    Update {
        table: &'static str,
        order_id: OrderId,
        changes: Vec<ColumnChange>,
    },
    /// Event sourcing: events appended to the log.
    Append { events: Vec<StoredEvent> },
}

/// What executing a command came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandOutcome {
    Applied(StorageChange),
    Rejected(Rejection),
}

/// What a query answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueryAnswer {
    /// Where the answer came from, for people: `orders row`, `OrderView (checkpoint 2003)`.
    pub source: String,
    /// The order, or `None` when there is no such order.
    pub state: Option<OrderState>,
}

/// What a backend keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StorageSummary {
    pub backend: Backend,
    /// `rows` or `events`.
    pub unit: &'static str,
    pub count: u64,
}

/// One design of the order service. The runner drives every implementation identically.
pub trait OrderService {
    fn backend(&self) -> Backend;

    /// Decides and stores one command, in one transaction.
    fn execute(&mut self, command: &Command) -> anyhow::Result<CommandOutcome>;

    /// Answers the current state of one order, from wherever this design reads.
    fn query(&mut self, order_id: &OrderId) -> anyhow::Result<QueryAnswer>;

    /// What this design keeps in its storage.
    fn storage(&self) -> anyhow::Result<StorageSummary>;
}
