//! The `OrderService` trait: what the runner asks of either backend, and what they answer.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::domain::{Command, Money, Order, OrderId, Rejection, Status};
use crate::es::StoredEvent;
use crate::reports::{Report, ReportName};

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
        let OrderState {
            order_id,
            customer,
            product,
            quantity,
            unit_price,
            total,
            paid,
            status,
            version: _,
        } = self;
        (
            order_id, customer, product, quantity, unit_price, total, paid, status,
        ) == (
            &other.order_id,
            &other.customer,
            &other.product,
            &other.quantity,
            &other.unit_price,
            &other.total,
            &other.paid,
            &other.status,
        )
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
    /// Stored. `warning` says what the design could not check.
    Applied {
        change: StorageChange,
        warning: Option<String>,
    },
    /// Refused by the rules. `detail` is what this design can add about why.
    Rejected {
        rejection: Rejection,
        detail: Option<String>,
    },
}

/// A scenario step, recorded as done in the transaction of its command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepMark {
    /// The scenario's fingerprint (`Scenario::fingerprint`).
    pub scenario: String,
    /// Counted from 1.
    pub step: u64,
}

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

/// What one design did at one step: the record the trace keeps and the renderers show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// A command was stored: how, and the order's state the design then answers.
    Applied {
        storage: StorageChange,
        state: Option<OrderState>,
        #[serde(skip_serializing_if = "Option::is_none")]
        warning: Option<String>,
    },
    /// A command was refused by the rules; nothing was stored.
    Rejected {
        reason: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
    },
    /// A state query was answered (`state` is null when there is no such order).
    Answered {
        source: String,
        state: Option<OrderState>,
    },
    /// An order's history: its events in order.
    History {
        source: String,
        events: Vec<StoredEvent>,
    },
    /// A report was built.
    Report { source: String, report: Report },
    /// This design cannot answer the question; `latest` is what it can still show.
    Unavailable {
        reason: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        latest: Option<OrderState>,
    },
    /// The read model was dropped.
    ViewCrashed {
        orders_lost: usize,
        checkpoint: Option<u64>,
    },
    /// The read model was rebuilt by replaying the log.
    ViewRebuilt {
        replayed: u64,
        checkpoint: Option<u64>,
        /// Events appended while the view was down, which it had never seen.
        caught_up: u64,
        /// Whether the rebuilt view equals the one that would have been, had it never gone down.
        matches_live: bool,
    },
    /// This design has no such thing (CRUD has no view to crash or rebuild).
    NotApplicable { reason: String },
}

/// How two designs' outcomes at one step compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Agreement {
    /// Both gave the same answer.
    Same,
    /// Both answered the same question differently: a divergence.
    Different,
    /// Only one design could answer: a gap, not a divergence.
    Gap,
    /// Nothing to compare (a view operation, or one design ran).
    NotCompared,
}

impl Outcome {
    /// The order state this outcome answers, if it answers one.
    pub fn state(&self) -> Option<&OrderState> {
        match self {
            Outcome::Applied { state, .. } | Outcome::Answered { state, .. } => state.as_ref(),
            _ => None,
        }
    }

    /// Whether two designs answered alike. How each stored it, versions that only one design
    /// keeps, and what each can add about a rejection are not part of the answer.
    pub fn compare(&self, other: &Outcome) -> Agreement {
        use Outcome::*;
        let same = |equal: bool| {
            if equal {
                Agreement::Same
            } else {
                Agreement::Different
            }
        };
        let same_state = |a: &Option<OrderState>, b: &Option<OrderState>| match (a, b) {
            (Some(a), Some(b)) => a.same_answer(b),
            (None, None) => true,
            _ => false,
        };
        match (self, other) {
            (Unavailable { .. }, _) | (_, Unavailable { .. }) => Agreement::Gap,
            (History { .. }, _) | (_, History { .. }) => Agreement::Gap,
            (NotApplicable { .. }, _) | (_, NotApplicable { .. }) => Agreement::NotCompared,
            (ViewCrashed { .. } | ViewRebuilt { .. }, _) => Agreement::NotCompared,
            // A command both stored, but one design could not show its result (view down).
            (Applied { state: None, .. }, Applied { .. })
            | (Applied { .. }, Applied { state: None, .. }) => Agreement::Gap,
            (Applied { state: a, .. }, Applied { state: b, .. })
            | (Answered { state: a, .. }, Answered { state: b, .. }) => same(same_state(a, b)),
            (Rejected { reason: a, .. }, Rejected { reason: b, .. }) => same(a == b),
            (Report { report: a, .. }, Report { report: b, .. }) => same(a == b),
            _ => Agreement::Different,
        }
    }
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

    /// Decides and stores one command, in one transaction. With a `mark`, the same transaction
    /// records that the step is done, so `--continue` can carry on after an interruption.
    fn execute(
        &mut self,
        command: &Command,
        mark: Option<&StepMark>,
    ) -> anyhow::Result<CommandOutcome>;

    /// How many steps of the scenario with this fingerprint this design's storage has done.
    fn steps_done(&self, scenario: &str) -> anyhow::Result<u64>;

    /// Answers a question from wherever this design reads, or says it cannot.
    fn ask(&mut self, question: &Question) -> anyhow::Result<Outcome>;

    /// Drops the read model, if the design has one.
    fn crash_view(&mut self) -> anyhow::Result<Outcome>;

    /// Rebuilds the read model from storage, if the design has one.
    fn rebuild_view(&mut self) -> anyhow::Result<Outcome>;

    /// What this design keeps in its storage.
    fn storage(&self) -> anyhow::Result<StorageSummary>;
}
