//! The event-sourced design: commands are decided from each order's event stream, appended
//! to the log, and published to `OrderView`, which answers the queries.

pub mod chain;
pub(crate) mod deployments;
pub(crate) mod log;
mod orders;
pub(crate) mod row;
pub(crate) mod snapshot;
pub(crate) mod store;
pub(crate) mod view;

use anyhow::Context;
pub(crate) use log::{Log, LogReads, LogTx, StoredLog};
use orders::OrdersById;
pub(crate) use row::Tail;
pub(crate) use snapshot::LatestSnapshot;
pub use store::EventStore;
pub use view::OrderView;

use crate::db::{Location, StepMark};
pub(crate) use crate::domain::StoredEvent;
use crate::domain::{
    Command, Deploy, Metadata, OrderId, Question, Rejection, Shapes, apply, decide, report, upcast,
};
use crate::service::{
    Backend, Caveat, CommandOutcome, Evidence, Inapplicable, OrderService, OrderState, Outcome,
    ReadModel, ReportSource, SnapshotStart, Source, StorageChange, StorageSummary, Unanswerable,
};

/// The design over a log in any engine (`Log`): SQLite by default, or a room on a server.
pub struct EventSourcedService<L: Log = EventStore> {
    store: L,
    /// Subscribed to the store: receives every event once committed. `None` while down.
    view: Option<OrderView>,
    /// The view as it was when it went down, kept only to check a rebuild against it.
    lost_view: Option<OrderView>,
    /// The state each stream folded to when last seen, so a command need not read its stream.
    /// Trusted only while `known` is: another writer's events are never missed.
    aggregates: OrdersById,
    /// The log's tail as this connection left it, valid while no other connection has
    /// committed since. `None` when unknown: the next command reads it from the log.
    known: Option<Known>,
    /// The shape each event type is written in, as the store's `deployments` table says:
    /// read with the log's tail, so trusted on the same terms.
    shapes: Shapes,
}

/// What this connection knew of the log at the end of its last transaction.
#[derive(Debug, Clone, Copy)]
struct Known {
    /// The log's `LogTx::version` then: it changes only when another connection commits.
    data_version: i64,
    tail: Tail,
}

impl EventSourcedService {
    /// Opens the log and builds the view from it: the view is never stored.
    pub fn open(location: &Location, first_event_id: u64) -> anyhow::Result<EventSourcedService> {
        EventSourcedService::open_from(location, first_event_id, None)
    }

    /// Opens the log starting from `view`, a view already rebuilt from it (by the pass that
    /// verified it): only events appended since are read. Without one, the whole log is.
    pub fn open_from(
        location: &Location,
        first_event_id: u64,
        view: Option<OrderView>,
    ) -> anyhow::Result<EventSourcedService> {
        let store = EventStore::open(location, first_event_id)?;
        let mut view = view.unwrap_or_default();
        store
            .replay_into(&mut view, None)
            .with_context(|| format!("cannot build OrderView from the log {location}"))?;
        let shapes = LogReads::shapes(&store)
            .with_context(|| format!("cannot read what was deployed to the log {location}"))?;
        Ok(EventSourcedService::with(store, view, shapes))
    }
}

impl<L: Log> EventSourcedService<L> {
    /// The design over an open log, with the view built from it: the view is never stored.
    pub fn over(store: L) -> anyhow::Result<EventSourcedService<L>> {
        let view = OrderView::rebuild(&store, None)?;
        let shapes = store.shapes()?;
        Ok(EventSourcedService::with(store, view, shapes))
    }

    fn with(store: L, view: OrderView, shapes: Shapes) -> EventSourcedService<L> {
        EventSourcedService {
            store,
            view: Some(view),
            lost_view: None,
            aggregates: OrdersById::default(),
            known: None,
            shapes,
        }
    }

    /// The live view, unless it is down.
    pub fn view(&self) -> Option<&OrderView> {
        self.view.as_ref()
    }

    pub fn store(&self) -> &L {
        &self.store
    }

    /// Hands committed events to the subscribed view, in order. While the view is down there
    /// is no subscriber: the events wait in the log. If another process appended since the
    /// view last looked, the view first reads those from the log, so it never skips one.
    fn publish(&mut self, committed: &[StoredEvent]) -> anyhow::Result<()> {
        let Some(view) = &mut self.view else {
            return Ok(());
        };
        let next = view
            .checkpoint()
            .map_or(self.store.first_event_id(), |checkpoint| checkpoint + 1);
        if committed
            .first()
            .is_some_and(|first| first.event_id == next)
        {
            for event in committed {
                view.apply(event)?;
            }
        } else {
            self.store.replay_into(view, None)?;
        }
        Ok(())
    }

    /// What a decided command came to, once committed: the events appended, published to the
    /// view; or the rejection, with the events a stale writer missed.
    fn answered(
        &mut self,
        order_id: &OrderId,
        decided: Result<Vec<StoredEvent>, Rejection>,
        caveats: Vec<Caveat>,
    ) -> anyhow::Result<CommandOutcome> {
        match decided {
            Ok(appended) => {
                self.publish(&appended)?;
                Ok(CommandOutcome::Applied {
                    change: StorageChange::Append { events: appended },
                    caveats,
                })
            }
            Err(rejection) => {
                let evidence = match &rejection {
                    Rejection::VersionConflict { expected, .. } => {
                        Some(self.missed_events(order_id, *expected)?)
                    }
                    _ => None,
                };
                Ok(CommandOutcome::Rejected {
                    rejection,
                    evidence,
                })
            }
        }
    }

    /// What the log can say about a stale write: the events appended since the version the
    /// writer read.
    fn missed_events(&self, order_id: &OrderId, expected: u64) -> anyhow::Result<Evidence> {
        let mut events = Vec::new();
        self.store
            .for_each_in_stream(order_id, None, &mut |stored| {
                if stored.stream_version > expected {
                    events.push(stored);
                }
                Ok(())
            })?;
        Ok(Evidence::MissedEvents { events })
    }
}

impl<L: Log> OrderService for EventSourcedService<L> {
    fn backend(&self) -> Backend {
        Backend::Es
    }

    fn execute(
        &mut self,
        command: &Command,
        metadata: Option<&Metadata>,
        mark: Option<&StepMark>,
    ) -> anyhow::Result<CommandOutcome> {
        let order_id = command.order_id();
        let first_event_id = self.store.first_event_id();
        let mut tx = self.store.begin()?;
        // Whether the step is done is asked here, inside the transaction that would do it:
        // another run on this log may have done it since this one started.
        if let Some(mark) = mark
            && tx.is_done(mark)?
        {
            return Ok(CommandOutcome::DoneEarlier);
        }
        // If no other connection has committed since this one last did, the cached tail,
        // aggregates and shapes are the log's own: a command then reads nothing back.
        // Otherwise they are dropped and read afresh, inside this write transaction, so
        // nothing is missed (another process's events, or its deploy).
        let data_version = tx.version()?;
        let tail = match self.known.take() {
            Some(known) if known.data_version == data_version => known.tail,
            _ => {
                self.aggregates.clear();
                self.shapes = tx.shapes()?;
                tx.tail(first_event_id)?
            }
        };
        // Decided from the stream, not the view: commands work even while the view is down.
        let current = match self.aggregates.remove(order_id.as_str()) {
            Some(order) => Some(order),
            None => tx.load_order(order_id)?,
        };
        let version = current.as_ref().map_or(0, |order| order.version);
        let mut caveats = Vec::new();
        let (decided, tail, order) = match decide(current.as_ref(), command) {
            Err(rejection) => (Err(rejection), tail, current),
            Ok(events) => {
                let mut next = current;
                for event in &events {
                    next = Some(apply(next, order_id, event)?);
                    let shape = self.shapes.version_of(event.event_type());
                    caveats.extend(upcast::dropped(event, shape).into_iter().map(
                        |(field, value)| Caveat::NotKept {
                            field,
                            value,
                            shape: Some(shape),
                        },
                    ));
                }
                let (appended, tail) =
                    tx.append(tail, order_id, version, events, &self.shapes, metadata)?;
                (Ok(appended), tail, next)
            }
        };
        // Applied or rejected, the step's progress commits with it, and what this commit left
        // (the log's tail, the order's state) is what the next command may trust.
        if let Some(mark) = mark {
            tx.record_progress(mark)?;
        }
        let data_version = tx.version_left(data_version, &tail);
        tx.commit()?;
        self.known = Some(Known { data_version, tail });
        if let Some(order) = order {
            self.aggregates.insert(order);
        }
        self.answered(order_id, decided, caveats)
    }

    fn is_done(&self, mark: &StepMark) -> anyhow::Result<bool> {
        self.store.is_done(mark)
    }

    fn ask(&mut self, question: &Question) -> anyhow::Result<Outcome> {
        Ok(match question {
            Question::Query(query) => match (query.as_of, &self.view) {
                (Some(as_of), _) => Outcome::Answered {
                    source: Source::Replay { as_of },
                    state: self
                        .store
                        .fold_stream(&query.order_id, Some(as_of))?
                        .as_ref()
                        .map(OrderState::versioned),
                },
                (None, Some(view)) => Outcome::Answered {
                    source: Source::View {
                        checkpoint: view.checkpoint(),
                    },
                    state: view.get(&query.order_id).map(OrderState::versioned),
                },
                (None, None) => Outcome::Unavailable {
                    reason: Unanswerable::ViewDown,
                    latest: None,
                    last_write: None,
                },
            },
            Question::History(history) => {
                let mut events = Vec::new();
                self.store
                    .for_each_in_stream(&history.order_id, None, &mut |stored| {
                        events.push(stored);
                        Ok(())
                    })?;
                Outcome::History { events }
            }
            Question::Report(query) => {
                let mut events = Vec::new();
                self.store.for_each_between(None, None, &mut |stored| {
                    events.push(stored);
                    Ok(())
                })?;
                match report::answer(query, &events) {
                    Ok(report) => Outcome::Report {
                        source: ReportSource::ReadModel {
                            events: events.len() as u64,
                        },
                        report,
                    },
                    Err(report::SumTooLarge) => Outcome::Unavailable {
                        reason: Unanswerable::SumTooLarge,
                        latest: None,
                        last_write: None,
                    },
                }
            }
        })
    }

    fn storage(&self) -> anyhow::Result<StorageSummary> {
        Ok(StorageSummary {
            backend: Backend::Es,
            unit: "events",
            count: self.store.count()?,
        })
    }

    fn read_model(&mut self) -> Option<&mut dyn ReadModel> {
        Some(self)
    }

    /// Only the writer changes: nothing in the log is rewritten. Which shape it writes is
    /// stored beside the log, in the same transaction as the step's progress.
    fn deploy(&mut self, deploy: &Deploy, mark: Option<&StepMark>) -> anyhow::Result<Outcome> {
        let mut tx = self.store.begin()?;
        if let Some(mark) = mark
            && tx.is_done(mark)?
        {
            return Ok(Outcome::NotApplicable {
                why: Inapplicable::DoneEarlier,
            });
        }
        let mut shapes = tx.shapes()?;
        let from = shapes.deploy(deploy);
        tx.record_deploy(deploy)?;
        let older_in_log = tx.count_older(&deploy.event, deploy.version)?;
        if let Some(mark) = mark {
            tx.record_progress(mark)?;
        }
        tx.commit()?;
        self.shapes = shapes;
        Ok(Outcome::Deployed {
            event_type: deploy.event.clone(),
            from,
            to: deploy.version,
            older_in_log,
        })
    }
}

/// OrderView: in memory only, rebuilt from the log whenever it is lost.
impl<L: Log> ReadModel for EventSourcedService<L> {
    fn crash(&mut self) -> anyhow::Result<Outcome> {
        Ok(match self.view.take() {
            Some(view) => {
                let outcome = Outcome::ViewCrashed {
                    orders_lost: view.len(),
                    checkpoint: view.checkpoint(),
                };
                self.lost_view = Some(view);
                outcome
            }
            None => Outcome::NotApplicable {
                why: Inapplicable::ViewAlreadyDown,
            },
        })
    }

    fn rebuild(&mut self) -> anyhow::Result<Outcome> {
        // A snapshot that does not match the log is passed over: the whole log is replayed.
        let (snapshot, ignored_snapshot) = match self.store.latest_snapshot()? {
            LatestSnapshot::Usable(view) => (Some(view), None),
            LatestSnapshot::Ignored(ignored) => (None, Some(ignored)),
            LatestSnapshot::None => (None, None),
        };
        let from = snapshot.as_ref().and_then(OrderView::checkpoint);
        let mut rebuilt = snapshot.unwrap_or_default();
        let mut replayed = 0;
        self.store.for_each_between(from, None, &mut |stored| {
            replayed += 1;
            rebuilt.apply(&stored)
        })?;
        // What the view would hold had it never gone down: its state at the crash, caught up
        // with the events appended since. (If it never went down, the live view itself.)
        let mut would_have_been = match (self.lost_view.take(), &self.view) {
            (Some(lost), _) => lost,
            (None, Some(live)) => live.clone(),
            (None, None) => OrderView::default(),
        };
        let mut caught_up = 0;
        self.store
            .for_each_between(would_have_been.checkpoint(), None, &mut |stored| {
                caught_up += 1;
                would_have_been.apply(&stored)
            })?;
        let full_replay = self.store.count()?;
        let outcome = Outcome::ViewRebuilt {
            replayed,
            snapshot: from.map(|checkpoint| SnapshotStart {
                checkpoint,
                full_replay,
            }),
            checkpoint: rebuilt.checkpoint(),
            caught_up,
            matches_live: rebuilt == would_have_been,
            ignored_snapshot,
        };
        self.view = Some(rebuilt);
        Ok(outcome)
    }

    fn snapshot(&mut self) -> anyhow::Result<Outcome> {
        Ok(match &self.view {
            Some(view) => {
                self.store.save_snapshot(view)?;
                Outcome::SnapshotTaken {
                    checkpoint: view.checkpoint(),
                    orders: view.len(),
                }
            }
            None => Outcome::NotApplicable {
                why: Inapplicable::ViewAlreadyDown,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    //! The command path trusts its cached tail and aggregates only while no other connection
    //! has written: two services on one file, taking turns on the same order, must each see
    //! the other's events.
    use super::*;
    use crate::domain::{ChangeQuantity, Money, PlaceOrder};

    fn change(quantity: u64, expected_version: Option<u64>) -> Command {
        Command::ChangeQuantity(ChangeQuantity {
            order_id: OrderId::new("A1").unwrap(),
            quantity,
            expected_version,
            reason: None,
        })
    }

    fn applied(outcome: CommandOutcome) -> Vec<StoredEvent> {
        match outcome {
            CommandOutcome::Applied {
                change: StorageChange::Append { events },
                ..
            } => events,
            other => panic!("expected an append, got {other:?}"),
        }
    }

    #[test]
    fn writers_on_one_log_see_each_others_events() {
        let dir = tempfile::tempdir().unwrap();
        let location = Location::ExistingOrNewFile(dir.path().join("events.sqlite3"));
        let mut first = EventSourcedService::open(&location, 2001).unwrap();
        let mut second = EventSourcedService::open(&location, 2001).unwrap();
        let place = Command::PlaceOrder(PlaceOrder {
            order_id: OrderId::new("A1").unwrap(),
            customer: "Bob".into(),
            product: "Book".into(),
            quantity: 5,
            unit_price: Money::from_cents(1000),
        });
        let placed = applied(first.execute(&place, None, None).unwrap());
        assert_eq!((placed[0].event_id, placed[0].stream_version), (2001, 1));
        // `first` caches the order at version 1; `second` appends version 2 behind its back.
        let changed = applied(second.execute(&change(6, Some(1)), None, None).unwrap());
        assert_eq!((changed[0].event_id, changed[0].stream_version), (2002, 2));
        // A stale write from `first` is refused: it must know the stream is at version 2 now.
        match first.execute(&change(7, Some(1)), None, None).unwrap() {
            CommandOutcome::Rejected {
                rejection: Rejection::VersionConflict { .. },
                ..
            } => {}
            other => panic!("expected a version conflict, got {other:?}"),
        }
        // And an unconditional one lands after `second`'s event, on the chain it left.
        let again = applied(first.execute(&change(8, None), None, None).unwrap());
        assert_eq!((again[0].event_id, again[0].stream_version), (2003, 3));
        let verdict = crate::verify::verify(first.store()).unwrap();
        assert!(verdict.holds(), "{verdict:?}");
        let view = first
            .view()
            .unwrap()
            .get(&OrderId::new("A1").unwrap())
            .unwrap();
        assert_eq!((view.quantity, view.version), (8, 3));
    }
}
