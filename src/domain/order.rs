//! The order and its rules: `decide` turns a command into events or a rejection, `apply`
//! folds an event into the state. Both backends use exactly these two functions.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::command::{Cancel, ChangeQuantity, Command, OrderId, Pay, PlaceOrder};
use super::event::{
    Event, ModifyOrderEvent, NewOrderEvent, OrderCancelledEvent, OrderPaymentEvent,
};
use super::money::Money;

pub(crate) const MIN_QUANTITY: u64 = 1;
pub(crate) const MAX_QUANTITY: u64 = 1_000_000;
pub(crate) const MAX_UNIT_PRICE: Money = Money::from_cents(100_000_000);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    Placed,
    Paid,
    Cancelled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Placed => "Placed",
            Status::Paid => "Paid",
            Status::Cancelled => "Cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        [Status::Placed, Status::Paid, Status::Cancelled]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The latest state of one order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub order_id: OrderId,
    pub customer: String,
    pub product: String,
    pub quantity: u64,
    pub unit_price: Money,
    pub total: Money,
    pub paid: Money,
    pub status: Status,
    /// How many events made this state: the stream version.
    pub version: u64,
}

/// Why a command was refused. A rejection is an outcome, shown to the user; never a crash.
/// Its text is the rule's own statement; its JSON names the rule and its values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Rejection {
    #[error("order {order_id} does not exist")]
    UnknownOrder { order_id: OrderId },
    #[error("order {order_id} already exists")]
    DuplicateOrder { order_id: OrderId },
    #[error("quantity must be from {MIN_QUANTITY} to {MAX_QUANTITY}, not {quantity}")]
    QuantityOutOfRange { quantity: u64 },
    #[error("unit price must be from $0.00 to {MAX_UNIT_PRICE}, not {unit_price}")]
    UnitPriceOutOfRange { unit_price: Money },
    #[error("order {order_id} is {status}: only a Placed order can {action}")]
    NotPlaced {
        order_id: OrderId,
        status: Status,
        action: &'static str,
    },
    #[error("payment of {amount} does not match the order total {total}")]
    WrongPayment { amount: Money, total: Money },
    #[error("{}", version_conflict(order_id, *expected, *actual))]
    VersionConflict {
        order_id: OrderId,
        expected: u64,
        actual: u64,
    },
}

/// A writer that read a version the order has not reached is not "late": it names a
/// version that does not exist yet, and says so.
fn version_conflict(order_id: &OrderId, expected: u64, actual: u64) -> String {
    if expected > actual {
        format!(
            "concurrency conflict on {order_id}: decided from version {expected}, which does not exist yet: {order_id} is at version {actual}"
        )
    } else {
        format!(
            "concurrency conflict on {order_id}: decided from version {expected}, but it is now at version {actual}"
        )
    }
}

fn check_quantity(quantity: u64) -> Result<(), Rejection> {
    if (MIN_QUANTITY..=MAX_QUANTITY).contains(&quantity) {
        Ok(())
    } else {
        Err(Rejection::QuantityOutOfRange { quantity })
    }
}

fn require_placed(order: &Order, action: &'static str) -> Result<(), Rejection> {
    if order.status == Status::Placed {
        Ok(())
    } else {
        Err(Rejection::NotPlaced {
            order_id: order.order_id.clone(),
            status: order.status,
            action,
        })
    }
}

/// The one rule set: given the order's current state (if any), what does this command produce?
pub(crate) fn decide(current: Option<&Order>, command: &Command) -> Result<Vec<Event>, Rejection> {
    let existing = || {
        let order = current.ok_or_else(|| Rejection::UnknownOrder {
            order_id: command.order_id().clone(),
        })?;
        // A write decided from a state that has moved on since is stale: refuse it.
        match command.expected_version() {
            Some(expected) if expected != order.version => Err(Rejection::VersionConflict {
                order_id: order.order_id.clone(),
                expected,
                actual: order.version,
            }),
            _ => Ok(order),
        }
    };
    let event = match command {
        Command::PlaceOrder(PlaceOrder {
            order_id,
            customer,
            product,
            quantity,
            unit_price,
        }) => {
            if current.is_some() {
                return Err(Rejection::DuplicateOrder {
                    order_id: order_id.clone(),
                });
            }
            check_quantity(*quantity)?;
            if *unit_price > MAX_UNIT_PRICE {
                return Err(Rejection::UnitPriceOutOfRange {
                    unit_price: *unit_price,
                });
            }
            Event::NewOrderEvent(NewOrderEvent {
                customer: customer.clone(),
                product: product.clone(),
                quantity: *quantity,
                unit_price: *unit_price,
            })
        }
        Command::ChangeQuantity(ChangeQuantity {
            quantity, reason, ..
        }) => {
            let order = existing()?;
            require_placed(order, "change its quantity")?;
            check_quantity(*quantity)?;
            Event::ModifyOrderEvent(ModifyOrderEvent {
                quantity: *quantity,
                reason: reason.clone(),
            })
        }
        Command::Pay(Pay { amount, .. }) => {
            let order = existing()?;
            require_placed(order, "be paid")?;
            if *amount != order.total {
                return Err(Rejection::WrongPayment {
                    amount: *amount,
                    total: order.total,
                });
            }
            Event::OrderPaymentEvent(OrderPaymentEvent { amount: *amount })
        }
        Command::Cancel(Cancel { reason, .. }) => {
            let order = existing()?;
            require_placed(order, "be cancelled")?;
            Event::OrderCancelledEvent(OrderCancelledEvent {
                reason: reason.clone(),
            })
        }
    };
    Ok(vec![event])
}

/// An event that cannot follow the state it is applied to: only a damaged log holds one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{event_type} cannot apply to {state}")]
pub(crate) struct ApplyError {
    pub event_type: &'static str,
    pub state: &'static str,
}

/// Folds one event into the order's state. Pure and total over a valid log.
pub(crate) fn apply(
    current: Option<Order>,
    order_id: &OrderId,
    event: &Event,
) -> Result<Order, ApplyError> {
    match current {
        None => create(order_id, event.clone()),
        Some(mut order) => {
            evolve(&mut order, event)?;
            Ok(order)
        }
    }
}

/// The first event of a stream: only `NewOrderEvent` can start an order. Takes the event
/// by value, so a replay moves its strings into the order instead of copying them.
pub(crate) fn create(order_id: &OrderId, event: Event) -> Result<Order, ApplyError> {
    let event_type = event.event_type();
    let mismatch = |state| ApplyError { event_type, state };
    match event {
        Event::NewOrderEvent(e) => Ok(Order {
            order_id: order_id.clone(),
            total: line_total(e.quantity, e.unit_price).ok_or(mismatch("an order"))?,
            customer: e.customer,
            product: e.product,
            quantity: e.quantity,
            unit_price: e.unit_price,
            paid: Money::ZERO,
            status: Status::Placed,
            version: 1,
        }),
        _ => Err(mismatch("an order that does not exist")),
    }
}

/// Any later event, applied in place: replay touches no more memory than it must.
pub(crate) fn evolve(order: &mut Order, event: &Event) -> Result<(), ApplyError> {
    let mismatch = |state| ApplyError {
        event_type: event.event_type(),
        state,
    };
    match event {
        Event::NewOrderEvent(_) => return Err(mismatch("an existing order")),
        Event::ModifyOrderEvent(e) => {
            order.quantity = e.quantity;
            order.total = line_total(e.quantity, order.unit_price).ok_or(mismatch("an order"))?;
        }
        Event::OrderPaymentEvent(e) => {
            order.paid = e.amount;
            order.status = Status::Paid;
        }
        Event::OrderCancelledEvent(_) => order.status = Status::Cancelled,
    }
    order.version += 1;
    Ok(())
}

fn line_total(quantity: u64, unit_price: Money) -> Option<Money> {
    unit_price.checked_mul(quantity)
}

#[cfg(test)]
mod tests {
    //! Given / when / then over the pure rules.
    use super::*;

    fn id(s: &str) -> OrderId {
        OrderId::new(s).unwrap()
    }

    fn place(quantity: u64, dollars: u64) -> Command {
        Command::PlaceOrder(PlaceOrder {
            order_id: id("A1"),
            customer: "Bob".into(),
            product: "Book".into(),
            quantity,
            unit_price: Money::from_cents(dollars * 100),
        })
    }

    fn change(quantity: u64) -> Command {
        Command::ChangeQuantity(ChangeQuantity {
            order_id: id("A1"),
            quantity,
            expected_version: None,
            reason: None,
        })
    }

    fn pay(dollars: u64) -> Command {
        Command::Pay(Pay {
            order_id: id("A1"),
            amount: Money::from_cents(dollars * 100),
            expected_version: None,
        })
    }

    fn cancel() -> Command {
        Command::Cancel(Cancel {
            order_id: id("A1"),
            reason: "changed mind".into(),
            expected_version: None,
        })
    }

    /// Runs commands through decide + apply and returns the state and the last outcome.
    fn given(commands: &[Command]) -> Option<Order> {
        let mut state = None;
        for command in commands {
            let events = decide(state.as_ref(), command).expect("given commands are accepted");
            for event in &events {
                state = Some(apply(state, &id("A1"), event).unwrap());
            }
        }
        state
    }

    #[test]
    fn bobs_story() {
        let order = given(&[place(5, 10), change(6), pay(60)]).unwrap();
        assert_eq!(order.quantity, 6);
        assert_eq!(order.total, Money::from_cents(6000));
        assert_eq!(order.paid, Money::from_cents(6000));
        assert_eq!(order.status, Status::Paid);
        assert_eq!(order.version, 3);
    }

    #[test]
    fn each_command_decides_its_own_event() {
        let placed = given(&[place(5, 10)]);
        let decided = |c: &Command| decide(placed.as_ref(), c).unwrap()[0].event_type();
        assert_eq!(
            decide(None, &place(5, 10)).unwrap()[0].event_type(),
            "NewOrderEvent"
        );
        assert_eq!(decided(&change(6)), "ModifyOrderEvent");
        assert_eq!(decided(&pay(50)), "OrderPaymentEvent");
        assert_eq!(decided(&cancel()), "OrderCancelledEvent");
    }

    #[test]
    fn quantity_must_be_in_range() {
        assert_eq!(
            decide(None, &place(0, 10)),
            Err(Rejection::QuantityOutOfRange { quantity: 0 })
        );
        assert_eq!(
            decide(None, &place(1_000_001, 10)),
            Err(Rejection::QuantityOutOfRange {
                quantity: 1_000_001
            })
        );
        assert!(decide(None, &place(1_000_000, 1_000_000)).is_ok());
        let placed = given(&[place(5, 10)]);
        assert_eq!(
            decide(placed.as_ref(), &change(0)),
            Err(Rejection::QuantityOutOfRange { quantity: 0 })
        );
    }

    #[test]
    fn unit_price_must_be_in_range() {
        assert!(decide(None, &place(1, 0)).is_ok());
        assert_eq!(
            decide(None, &place(1, 1_000_001)),
            Err(Rejection::UnitPriceOutOfRange {
                unit_price: Money::from_cents(100_000_100)
            })
        );
    }

    #[test]
    fn payment_must_be_the_exact_total() {
        let placed = given(&[place(5, 10), change(6)]);
        assert_eq!(
            decide(placed.as_ref(), &pay(50)),
            Err(Rejection::WrongPayment {
                amount: Money::from_cents(5000),
                total: Money::from_cents(6000)
            })
        );
        assert!(decide(placed.as_ref(), &pay(60)).is_ok());
    }

    #[test]
    fn only_a_placed_order_changes_pays_or_cancels() {
        for done in [
            given(&[place(5, 10), pay(50)]),
            given(&[place(5, 10), cancel()]),
        ] {
            for command in [change(6), pay(50), cancel()] {
                let refused = decide(done.as_ref(), &command).unwrap_err();
                assert!(matches!(refused, Rejection::NotPlaced { .. }), "{refused}");
            }
        }
    }

    #[test]
    fn unknown_and_duplicate_ids_are_refused() {
        for command in [change(6), pay(60), cancel()] {
            assert_eq!(
                decide(None, &command),
                Err(Rejection::UnknownOrder { order_id: id("A1") })
            );
        }
        let placed = given(&[place(5, 10)]);
        assert_eq!(
            decide(placed.as_ref(), &place(1, 1)),
            Err(Rejection::DuplicateOrder { order_id: id("A1") })
        );
    }

    #[test]
    fn a_stale_expected_version_is_a_conflict() {
        let changed = given(&[place(5, 10), change(6)]);
        let stale = Command::ChangeQuantity(ChangeQuantity {
            order_id: id("A1"),
            quantity: 7,
            expected_version: Some(1),
            reason: None,
        });
        assert_eq!(
            decide(changed.as_ref(), &stale),
            Err(Rejection::VersionConflict {
                order_id: id("A1"),
                expected: 1,
                actual: 2
            })
        );
        let fresh = Command::ChangeQuantity(ChangeQuantity {
            order_id: id("A1"),
            quantity: 7,
            expected_version: Some(2),
            reason: None,
        });
        assert!(decide(changed.as_ref(), &fresh).is_ok());
        assert!(decide(changed.as_ref(), &stale.without_expected_version()).is_ok());
    }

    #[test]
    fn rejections_read_as_sentences() {
        let placed = given(&[place(5, 10), pay(50)]);
        assert_eq!(
            decide(placed.as_ref(), &change(6)).unwrap_err().to_string(),
            "order A1 is Paid: only a Placed order can change its quantity"
        );
    }

    #[test]
    fn apply_refuses_events_that_cannot_follow() {
        let modify = Event::ModifyOrderEvent(ModifyOrderEvent {
            quantity: 2,
            reason: None,
        });
        assert!(apply(None, &id("A1"), &modify).is_err());
        let placed = given(&[place(5, 10)]);
        let new = decide(None, &place(5, 10)).unwrap().remove(0);
        assert!(apply(placed, &id("A1"), &new).is_err());
    }
}
