//! The `OrderService` trait: what the runner asks of either design, and the facts they
//! answer with. Facts only: how a fact reads to people is `narrate`'s business, so no
//! sentence is written here or in the designs.

use std::fmt;

use serde::Serialize;

pub use crate::db::StepMark;
use crate::domain::{
    Command, Deploy, LastWrite, Metadata, Money, Order, OrderId, Rejection, Report, Status,
    StoredEvent,
};
pub(crate) use crate::domain::{HistoryQuery, OrderQuery, Question};

/// Which design answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    Crud,
    Es,
}

/// An order as a backend answers it. `version` is `None` where the design keeps no version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
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

/// A value in the `orders` row, as SQLite holds it (money in whole cents).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ColumnValue {
    Text(String),
    Integer(u64),
    Status(Status),
}

impl fmt::Display for ColumnValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnValue::Text(text) => f.write_str(text),
            ColumnValue::Integer(n) => write!(f, "{n}"),
            ColumnValue::Status(status) => write!(f, "{status}"),
        }
    }
}

/// What a command did to a design's storage.
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

/// Something a design could not do for a command it stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "caveat", rename_all = "snake_case")]
pub enum Caveat {
    /// The writer read `expected`, but the row keeps no version to check it against: the
    /// write replaced whatever was there.
    VersionUnchecked { expected: u64 },
    /// The command carried a value the design has no place for; it was dropped. `shape`: the
    /// event shape that has no field for it (event sourcing); none: the row has no column.
    NotKept {
        field: &'static str,
        value: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        shape: Option<u32>,
    },
}

/// What a design can add about a stale write it refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "evidence", rename_all = "snake_case")]
pub enum Evidence {
    /// The events appended since the version the writer read (none if it read a version
    /// that does not exist yet).
    MissedEvents { events: Vec<StoredEvent> },
    /// The row holds only its newest version: what the competing change was is gone.
    RowOnlyNewest,
}

/// What executing a command came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandOutcome {
    Applied {
        change: StorageChange,
        caveats: Vec<Caveat>,
    },
    Rejected {
        rejection: Rejection,
        evidence: Option<Evidence>,
    },
    /// The step this command belongs to was done already (by an earlier run, or another run
    /// at the same time), as the store said inside the transaction that would have done it;
    /// nothing was written.
    DoneEarlier,
}

/// Where a design read an order's state from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum Source {
    /// CRUD: the `orders` row.
    Row,
    /// Event sourcing: the in-memory read model, which has applied the log up to `checkpoint`.
    View { checkpoint: Option<u64> },
    /// Event sourcing: the order's stream replayed up to an event id (time travel).
    Replay { as_of: u64 },
}

/// How a design built a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum ReportSource {
    /// CRUD: one SQL query over its current rows; `query` is its text, for a read model
    /// defined in the scenario.
    Sql {
        #[serde(skip_serializing_if = "Option::is_none")]
        query: Option<String>,
    },
    /// Event sourcing: a new read model folded over the whole log.
    ReadModel { events: u64 },
}

/// Where a rebuild started: a snapshot at `checkpoint`, instead of the whole log of
/// `full_replay` events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SnapshotStart {
    pub checkpoint: u64,
    pub full_replay: u64,
}

/// Why a stored snapshot is not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotFault {
    /// It has no seal: written before eslab sealed snapshots, or its seal was removed.
    Unsealed,
    /// The log has no event at its checkpoint.
    NoSuchEvent,
    /// The log's event at its checkpoint has another hash: the log changed under it, or the
    /// snapshot came from another log.
    OtherHead,
    /// Its content does not match its digest: edited since it was taken.
    Edited,
    /// Its orders do not decode.
    DoesNotDecode,
    /// Its orders differ from the log replayed up to its checkpoint (found by `verify`).
    DiffersFromReplay,
}

/// A snapshot that was passed over, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct IgnoredSnapshot {
    pub checkpoint: i64,
    pub fault: SnapshotFault,
}

/// Why a design cannot answer a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "why", rename_all = "snake_case")]
pub enum Unanswerable {
    /// CRUD asked for a past state: the row was overwritten since.
    Overwritten { as_of: u64 },
    /// CRUD asked for a history: only the latest row is kept.
    HistoryNotKept,
    /// CRUD asked for a report that needs what was overwritten.
    ReportNeedsHistory,
    /// CRUD asked for a read model over events of a type it never kept: what they said was
    /// written over the row (or, for a payment or a cancellation, summed into it).
    EventsNotKept { event_type: &'static str },
    /// CRUD asked for a field as the order was placed, which an UPDATE has since replaced.
    FieldOverwritten { field: &'static str },
    /// CRUD asked for event ids, or for which event came first or last: it has no events.
    NoEventOrder,
    /// Event sourcing while its read model is down: queries wait for a rebuild.
    ViewDown,
    /// A report whose sum passes `report::MAX_SUM`: refused alike by every design.
    SumTooLarge,
}

/// Why an operation does not apply to a design.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "why", rename_all = "snake_case")]
pub enum Inapplicable {
    /// CRUD has no read model to drop or rebuild: queries read the table.
    NoView,
    /// The read model was already down.
    ViewAlreadyDown,
    /// An earlier run did this step (a run carried on).
    DoneEarlier,
    /// The deploy asks nothing new of the table: it already has what the shape needs, or
    /// the shape adds nothing the row keeps.
    TableUnchanged,
}

/// What one design did at one step: the fact the trace keeps and `narrate` words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// A command was stored: how, and the order's state the design then answers (none
    /// while the event-sourced view is down).
    Applied {
        storage: StorageChange,
        state: Option<OrderState>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        caveats: Vec<Caveat>,
    },
    /// A command was refused by the rules; nothing was stored. `reason` is the rule's own
    /// statement of it, for scripts and expectations.
    Rejected {
        rejection: Rejection,
        reason: String,
        #[serde(flatten, skip_serializing_if = "Option::is_none")]
        evidence: Option<Evidence>,
    },
    /// A state query was answered (`state` is null when there is no such order).
    Answered {
        #[serde(flatten)]
        source: Source,
        state: Option<OrderState>,
    },
    /// An order's history: its events in order, from its stream in the log.
    History { events: Vec<StoredEvent> },
    /// A report was built.
    Report {
        #[serde(flatten)]
        source: ReportSource,
        report: Report,
    },
    /// This design cannot answer the question; `latest` is what it can still show, and
    /// `last_write` who wrote it last and when, where the row keeps that (a history).
    Unavailable {
        #[serde(flatten)]
        reason: Unanswerable,
        #[serde(skip_serializing_if = "Option::is_none")]
        latest: Option<OrderState>,
        #[serde(skip_serializing_if = "Option::is_none")]
        last_write: Option<LastWrite>,
    },
    /// The read model was dropped.
    ViewCrashed {
        orders_lost: usize,
        checkpoint: Option<u64>,
    },
    /// The read model was rebuilt by replaying the log (after a snapshot, if `snapshot`).
    ViewRebuilt {
        /// Events replayed: after the snapshot, or the whole log.
        replayed: u64,
        /// The snapshot the rebuild started from, and what a replay of the whole log reads.
        #[serde(skip_serializing_if = "Option::is_none")]
        snapshot: Option<SnapshotStart>,
        checkpoint: Option<u64>,
        /// Events appended while the view was down, which it had never seen.
        caught_up: u64,
        /// Whether the rebuilt view equals the one that would have been, had it never gone down.
        matches_live: bool,
        /// The latest snapshot, when it did not match the log and the whole log was replayed.
        #[serde(skip_serializing_if = "Option::is_none")]
        ignored_snapshot: Option<IgnoredSnapshot>,
    },
    /// A snapshot of the read model was stored beside the log: `orders` as of `checkpoint`.
    SnapshotTaken {
        checkpoint: Option<u64>,
        orders: usize,
    },
    /// Event sourcing: the writer switched to another shape of an event type. The log is
    /// untouched: `older_in_log` events of that type, written in an older shape, stay as
    /// written and are upcast whenever they are read.
    Deployed {
        event_type: String,
        from: u32,
        to: u32,
        older_in_log: u64,
    },
    /// CRUD: the table was migrated in place (`ALTER TABLE … ADD COLUMN`); every row it
    /// held got the column's default, whatever it really was.
    Migrated {
        table: &'static str,
        column: &'static str,
        default: &'static str,
        rows_filled: u64,
    },
    /// The step does not apply to this design.
    NotApplicable {
        #[serde(flatten)]
        why: Inapplicable,
    },
}

/// How two designs' outcomes at one step compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Agreement {
    /// Both gave the same answer.
    Same,
    /// Both answered the same question differently: a divergence.
    Different,
    /// Only one design could answer, or keep what the step said: a gap, not a divergence.
    Gap,
    /// Nothing to compare (a view operation, or one design ran).
    NotCompared,
}

impl Agreement {
    /// Whether both designs answered, so their answers could be compared.
    pub fn both_answered(self) -> bool {
        matches!(self, Agreement::Same | Agreement::Different)
    }
}

impl Outcome {
    /// Whether the step was skipped: an earlier run, or another one at the same time, did it.
    pub fn done_earlier(&self) -> bool {
        matches!(
            self,
            Outcome::NotApplicable {
                why: Inapplicable::DoneEarlier
            }
        )
    }

    /// The order state this outcome answers, if it answers one.
    pub fn state(&self) -> Option<&OrderState> {
        match self {
            Outcome::Applied { state, .. } | Outcome::Answered { state, .. } => state.as_ref(),
            _ => None,
        }
    }

    /// Whether a command was stored while the read model was down: it is in storage, but
    /// the design answers no state until the view is rebuilt.
    pub fn applied_unseen(&self) -> bool {
        matches!(self, Outcome::Applied { state: None, .. })
    }

    /// Whether the design dropped part of what the command said.
    fn dropped_something(&self) -> bool {
        match self {
            Outcome::Applied { caveats, .. } => caveats
                .iter()
                .any(|caveat| matches!(caveat, Caveat::NotKept { .. })),
            _ => false,
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
            (ViewCrashed { .. } | ViewRebuilt { .. } | SnapshotTaken { .. }, _) => {
                Agreement::NotCompared
            }
            (Deployed { .. } | Migrated { .. }, _) | (_, Deployed { .. } | Migrated { .. }) => {
                Agreement::NotCompared
            }
            // A command both stored, but one design could not show its result (view down),
            // or kept less of it than the other.
            (Applied { .. }, Applied { .. })
                if self.applied_unseen()
                    || other.applied_unseen()
                    || self.dropped_something() != other.dropped_something() =>
            {
                Agreement::Gap
            }
            (Applied { state: a, .. }, Applied { state: b, .. })
            | (Answered { state: a, .. }, Answered { state: b, .. }) => same(same_state(a, b)),
            (Rejected { rejection: a, .. }, Rejected { rejection: b, .. }) => same(a == b),
            (Report { report: a, .. }, Report { report: b, .. }) => same(a == b),
            _ => Agreement::Different,
        }
    }
}

/// What a design keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StorageSummary {
    pub backend: Backend,
    /// `rows` or `events`.
    pub unit: &'static str,
    pub count: u64,
}

/// One design of the order service: what both designs do. The runner drives every
/// implementation identically.
pub trait OrderService {
    fn backend(&self) -> Backend;

    /// Decides and stores one command, in one transaction, with who issued it and when
    /// (`metadata`: none for a bare command, as a benchmark sends). With a `mark`, the same
    /// transaction first asks whether the step is done already (then it writes nothing and
    /// answers `DoneEarlier`), and records that it is done, so a run carried on starts after
    /// an interruption and two runs at once never do a step twice.
    fn execute(
        &mut self,
        command: &Command,
        metadata: Option<&Metadata>,
        mark: Option<&StepMark>,
    ) -> anyhow::Result<CommandOutcome>;

    /// Whether this design's storage records the step as done (`db::is_done`).
    fn is_done(&self, mark: &StepMark) -> anyhow::Result<bool>;

    /// Answers a question from wherever this design reads, or says it cannot.
    fn ask(&mut self, question: &Question) -> anyhow::Result<Outcome>;

    /// What this design keeps in its storage.
    fn storage(&self) -> anyhow::Result<StorageSummary>;

    /// A new release of the code: from now on, `deploy.event` is written in shape
    /// `deploy.version`. Each design does what it must to keep the new shape, in its storage,
    /// so that whoever writes next writes that shape. A `mark` works as for `execute`.
    fn deploy(&mut self, deploy: &Deploy, mark: Option<&StepMark>) -> anyhow::Result<Outcome>;

    /// The read model this design answers queries from, if it has one that can go down
    /// and be rebuilt. CRUD has none: its queries read the table.
    fn read_model(&mut self) -> Option<&mut dyn ReadModel> {
        None
    }
}

/// A read model kept apart from storage: it can be lost and rebuilt from storage.
pub trait ReadModel {
    /// Drops the read model, as a crash would.
    fn crash(&mut self) -> anyhow::Result<Outcome>;

    /// Rebuilds it from storage: from the newest snapshot, if there is one.
    fn rebuild(&mut self) -> anyhow::Result<Outcome>;

    /// Stores a snapshot of it beside storage, never in it.
    fn snapshot(&mut self) -> anyhow::Result<Outcome>;
}
