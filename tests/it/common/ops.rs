//! The property tests' one generator of random scenario steps: commands on a few shared
//! orders (some refused by the rules), questions, the view going down and coming back,
//! snapshots and deploys, as each test's `Mix` asks; and the scenario they make, with a tiny
//! model that makes most payments exact. No assertion relies on the model.

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::{Value, json};

use super::dollars;

/// The orders every generated step is about: few, so that steps meet on them.
pub const ORDERS: [&str; 3] = ["A1", "B2", "C3"];
const CUSTOMERS: [&str; 3] = ["Ann", "Ben", "Cy"];
/// Unit prices in cents, a free one among them.
pub const PRICES: [u64; 6] = [100, 250, 999, 1000, 0, 1099];

/// How much to pay.
#[derive(Debug, Clone)]
pub enum Amount {
    /// The total the model expects: usually accepted.
    Total,
    /// The expected total plus this many cents: refused unless the model is off.
    TotalPlus(u64),
    Cents(u64),
}

#[derive(Debug, Clone)]
pub enum Op {
    /// A quantity of 0 is refused by the rules, as is placing an order twice.
    Place {
        order: usize,
        quantity: u64,
        price: usize,
    },
    Change {
        order: usize,
        quantity: u64,
        expected_version: Option<u64>,
        reason: Option<String>,
    },
    Pay {
        order: usize,
        amount: Amount,
    },
    Cancel {
        order: usize,
    },
    Query {
        order: usize,
        /// An offset from the first event id, for time travel.
        as_of: Option<u64>,
    },
    History {
        order: usize,
    },
    Report,
    Crash,
    Rebuild,
    /// A snapshot of OrderView: later rebuilds start from it.
    Snapshot,
    /// Switches the writer's ModifyOrderEvent shape: the log then mixes shapes.
    Deploy {
        version: u32,
    },
}

/// Which kinds of step a property wants besides commands and plain queries.
#[derive(Debug, Clone, Copy, Default)]
pub struct Mix {
    /// `crash_view` and `rebuild_view`.
    pub view_down: bool,
    pub deploys: bool,
    /// Queries `as_of` an earlier event.
    pub time_travel: bool,
    /// `history` and `report` steps.
    pub questions: bool,
    /// Changes with an `expected_version` (so conflicts, and CRUD's lost updates) and a reason.
    pub versions: bool,
}

/// One random step of the kinds `mix` asks for.
pub fn op(mix: Mix) -> BoxedStrategy<Op> {
    let order = || 0..ORDERS.len();
    let amount = prop_oneof![
        3 => Just(Amount::Total),
        1 => (1u64..500).prop_map(Amount::TotalPlus),
        1 => (0u64..5000).prop_map(Amount::Cents),
    ];
    let version = if mix.versions {
        prop::option::of(0u64..5).boxed()
    } else {
        Just(None).boxed()
    };
    let reason = if mix.versions {
        prop::option::of("[a-z]{1,6}").boxed()
    } else {
        Just(None).boxed()
    };
    let as_of = if mix.time_travel {
        prop::option::of(0u64..12).boxed()
    } else {
        Just(None).boxed()
    };
    let mut kinds: Vec<(u32, BoxedStrategy<Op>)> = vec![
        (
            3,
            (order(), 0u64..10, 0..PRICES.len())
                .prop_map(|(order, quantity, price)| Op::Place {
                    order,
                    quantity,
                    price,
                })
                .boxed(),
        ),
        (
            4,
            (order(), 0u64..10, version, reason)
                .prop_map(|(order, quantity, expected_version, reason)| Op::Change {
                    order,
                    quantity,
                    expected_version,
                    reason,
                })
                .boxed(),
        ),
        (
            3,
            (order(), amount)
                .prop_map(|(order, amount)| Op::Pay { order, amount })
                .boxed(),
        ),
        (1, order().prop_map(|order| Op::Cancel { order }).boxed()),
        (
            2,
            (order(), as_of)
                .prop_map(|(order, as_of)| Op::Query { order, as_of })
                .boxed(),
        ),
        (1, Just(Op::Snapshot).boxed()),
    ];
    if mix.questions {
        kinds.push((1, order().prop_map(|order| Op::History { order }).boxed()));
        kinds.push((1, Just(Op::Report).boxed()));
    }
    if mix.view_down {
        kinds.push((2, Just(Op::Crash).boxed()));
        kinds.push((2, Just(Op::Rebuild).boxed()));
    }
    if mix.deploys {
        kinds.push((
            1,
            (1u32..=2)
                .prop_map(|version| Op::Deploy { version })
                .boxed(),
        ));
    }
    prop::strategy::Union::new_weighted(kinds).boxed()
}

/// From one to `most` random steps.
pub fn ops(mix: Mix, most: usize) -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(op(mix), 1..most)
}

/// The order as the model expects it: quantity, unit price in cents, still Placed.
#[derive(Debug, Clone, Copy)]
struct Modelled {
    quantity: u64,
    price: u64,
    placed: bool,
}

/// The steps as scenario JSON.
pub fn steps_json(first_event_id: u64, ops: &[Op]) -> Vec<Value> {
    let mut model: BTreeMap<usize, Modelled> = BTreeMap::new();
    ops.iter()
        .map(|op| step_json(first_event_id, op, &mut model))
        .collect()
}

fn step_json(first_event_id: u64, op: &Op, model: &mut BTreeMap<usize, Modelled>) -> Value {
    match op {
        Op::Place {
            order,
            quantity,
            price,
        } => {
            if !model.contains_key(order) && *quantity >= 1 {
                let price = PRICES[*price];
                let (quantity, placed) = (*quantity, true);
                model.insert(
                    *order,
                    Modelled {
                        quantity,
                        price,
                        placed,
                    },
                );
            }
            json!({"place_order": {"order_id": ORDERS[*order], "customer": CUSTOMERS[*order],
                "product": "Pen", "quantity": quantity, "unit_price": dollars(PRICES[*price])}})
        }
        Op::Change {
            order,
            quantity,
            expected_version,
            reason,
        } => {
            if let Some(m) = model.get_mut(order)
                && m.placed
                && *quantity >= 1
                && expected_version.is_none()
            {
                m.quantity = *quantity;
            }
            let mut change = json!({"order_id": ORDERS[*order], "quantity": quantity});
            if let Some(expected) = expected_version {
                change["expected_version"] = json!(expected);
            }
            if let Some(reason) = reason {
                change["reason"] = json!(reason);
            }
            json!({ "change_quantity": change })
        }
        Op::Pay { order, amount } => {
            let total = model.get(order).map_or(0, |m| m.quantity * m.price);
            let cents = match amount {
                Amount::Total => total,
                Amount::TotalPlus(extra) => total + extra,
                Amount::Cents(cents) => *cents,
            };
            if let Some(m) = model.get_mut(order)
                && cents == total
            {
                m.placed = false;
            }
            json!({"pay": {"order_id": ORDERS[*order], "amount": dollars(cents)}})
        }
        Op::Cancel { order } => {
            if let Some(m) = model.get_mut(order) {
                m.placed = false;
            }
            json!({"cancel": {"order_id": ORDERS[*order], "reason": "changed mind"}})
        }
        Op::Query { order, as_of } => match as_of {
            Some(offset) => {
                json!({"query": {"order_id": ORDERS[*order], "as_of": first_event_id + offset}})
            }
            None => json!({"query": {"order_id": ORDERS[*order]}}),
        },
        Op::History { order } => json!({"history": {"order_id": ORDERS[*order]}}),
        Op::Report => json!({"report": {"name": "revenue-per-customer"}}),
        Op::Crash => json!({"crash_view": {}}),
        Op::Rebuild => json!({"rebuild_view": {}}),
        Op::Snapshot => json!({"snapshot": {}}),
        Op::Deploy { version } => {
            json!({"deploy": {"event": "ModifyOrderEvent", "version": version}})
        }
    }
}

/// A whole scenario of these steps.
pub fn scenario_json(title: &str, first_event_id: u64, ops: &[Op]) -> Value {
    json!({"title": title, "first_event_id": first_event_id, "steps": steps_json(first_event_id, ops)})
}
