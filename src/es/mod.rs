//! The event-sourced design: commands are decided from each order's event stream, appended
//! to the log, and published to `OrderView`, which answers the queries.

pub mod store;
pub mod view;

use anyhow::Context;
use serde::Serialize;

pub use store::EventStore;
pub use view::OrderView;

use crate::db::Location;
use crate::domain::{Command, Event, OrderId, decide};
use crate::service::{
    Backend, CommandOutcome, OrderService, OrderState, QueryAnswer, StorageChange, StorageSummary,
};

/// An event in its envelope, as the log keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredEvent {
    pub event_id: u64,
    pub stream_id: OrderId,
    pub stream_version: u64,
    #[serde(flatten)]
    pub event: Event,
}

pub struct EventSourcedService {
    store: EventStore,
    /// Subscribed to the store: receives every event once committed.
    view: OrderView,
}

impl EventSourcedService {
    /// Opens the log and builds the view from it: the view is never stored.
    pub fn open(location: &Location, first_event_id: u64) -> anyhow::Result<EventSourcedService> {
        let store = EventStore::open(location, first_event_id)?;
        let view =
            OrderView::rebuild(&store, None).context("cannot build OrderView from the log")?;
        Ok(EventSourcedService { store, view })
    }

    pub fn view(&self) -> &OrderView {
        &self.view
    }

    pub fn store(&self) -> &EventStore {
        &self.store
    }

    /// Hands committed events to the subscribed view, in order.
    fn publish(&mut self, committed: &[StoredEvent]) -> anyhow::Result<()> {
        for event in committed {
            self.view.apply(event)?;
        }
        Ok(())
    }
}

impl OrderService for EventSourcedService {
    fn backend(&self) -> Backend {
        Backend::Es
    }

    fn execute(&mut self, command: &Command) -> anyhow::Result<CommandOutcome> {
        let order_id = command.order_id();
        let first_event_id = self.store.first_event_id();
        let tx = self.store.begin()?;
        let current = EventStore::load_order(&tx, order_id)?;
        let events = match decide(current.as_ref(), command) {
            Ok(events) => events,
            Err(rejection) => return Ok(CommandOutcome::Rejected(rejection)),
        };
        let version = current.map_or(0, |o| o.version);
        let appended = EventStore::append(&tx, first_event_id, order_id, version, events)?;
        tx.commit()?;
        self.publish(&appended)?;
        Ok(CommandOutcome::Applied(StorageChange::Append {
            events: appended,
        }))
    }

    fn query(&mut self, order_id: &OrderId) -> anyhow::Result<QueryAnswer> {
        let source = match self.view.checkpoint() {
            Some(checkpoint) => format!("OrderView (checkpoint {checkpoint})"),
            None => "OrderView (empty)".into(),
        };
        Ok(QueryAnswer {
            source,
            state: self.view.get(order_id).map(OrderState::versioned),
        })
    }

    fn storage(&self) -> anyhow::Result<StorageSummary> {
        Ok(StorageSummary {
            backend: Backend::Es,
            unit: "events",
            count: self.store.count()?,
        })
    }
}
