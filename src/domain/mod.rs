//! The pure domain: orders, commands, events and the rules. No I/O lives here.

pub mod command;
pub mod event;
pub mod metadata;
pub mod money;
pub mod order;
pub mod projection;
pub mod question;
pub mod report;
pub mod upcast;

pub use command::{Cancel, ChangeQuantity, Command, OrderId, Pay, PlaceOrder};
pub use event::{Event, StoredEvent};
pub use metadata::{Actor, LastWrite, Metadata, Timestamp};
pub use money::Money;
pub use order::{Order, Rejection, Status, apply, create, decide, evolve};
pub use projection::Projection;
pub use question::{HistoryQuery, OrderQuery, Question, ReportKind, ReportQuery};
pub use report::{Report, ReportName};
pub use upcast::{Deploy, Shapes};
