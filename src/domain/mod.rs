//! The pure domain: orders, commands, events and the rules. No I/O lives here.

pub(crate) mod command;
pub(crate) mod event;
pub(crate) mod metadata;
pub(crate) mod money;
pub(crate) mod order;
pub(crate) mod projection;
pub(crate) mod question;
pub(crate) mod report;
mod sum;
pub(crate) mod upcast;

pub use command::{ChangeQuantity, Command, OrderId, Pay, PlaceOrder};
pub use event::{Event, StoredEvent};
pub(crate) use metadata::LastWrite;
pub use metadata::{Actor, Metadata, Timestamp};
pub use money::Money;
pub use order::Rejection;
pub(crate) use order::{Order, Status, apply, create, decide, evolve};
pub(crate) use question::ReportKind;
pub(crate) use question::ReportName;
pub use question::{HistoryQuery, OrderQuery, Question, ReportQuery};
pub use report::Report;
pub use upcast::Deploy;
pub(crate) use upcast::Shapes;
