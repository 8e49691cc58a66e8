//! Your own read model: a projection written as data in a scenario, folded over the log
//! like the built-in reports. Which event types it listens to, the field it groups by, and
//! what it keeps per key. Pure: checked when the scenario is read, folded in the domain.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use super::command::OrderId;
use super::event::{Event, StoredEvent};
use super::money::Money;
use super::sum::{SumTooLarge, add_to_sum};

/// `"define"` of a `report` step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawProjection")]
pub struct Projection {
    /// The event types it listens to; every other event passes it by.
    pub events: Vec<String>,
    /// The field whose value is a row's key.
    pub group_by: String,
    /// The columns after the key, in order: what each row keeps.
    #[serde(default)]
    pub keep: Vec<Kept>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProjection {
    events: Vec<String>,
    group_by: String,
    #[serde(default)]
    keep: Vec<Kept>,
}

/// One column a projection keeps: `{"changes": "count"}`, `{"paid": {"sum": "amount"}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    pub column: String,
    pub keep: Keep,
}

/// What a column keeps per key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Keep {
    /// How many events the key got.
    Count,
    /// The sum of a number or an amount.
    Sum(String),
    /// The value the newest event gave a field.
    Latest(String),
    /// The id of the key's first event.
    FirstEventId,
    /// The id of the key's last event.
    LastEventId,
}

impl Keep {
    /// The field it reads, if it reads one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Keep::Sum(field) | Keep::Latest(field) => Some(field),
            Keep::Count | Keep::FirstEventId | Keep::LastEventId => None,
        }
    }
}

/// What a field holds: text, a whole number, or an amount of money.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Number,
    Amount,
}

/// Fields every event has: its envelope's stream, its type, and the customer and product
/// of the order it belongs to (from that order's `NewOrderEvent`).
pub(crate) const COMMON_FIELDS: [&str; 4] = ["order_id", "event_type", "customer", "product"];

/// The fields of an event type's own payload, with what each holds.
pub(crate) fn payload_fields(event_type: &str) -> &'static [(&'static str, FieldKind)] {
    match event_type {
        "NewOrderEvent" => &[
            ("customer", FieldKind::Text),
            ("product", FieldKind::Text),
            ("quantity", FieldKind::Number),
            ("unit_price", FieldKind::Amount),
        ],
        "ModifyOrderEvent" => &[("quantity", FieldKind::Number), ("reason", FieldKind::Text)],
        "OrderPaymentEvent" => &[("amount", FieldKind::Amount)],
        "OrderCancelledEvent" => &[("reason", FieldKind::Text)],
        _ => &[],
    }
}

/// What `field` holds on an event of `event_type`, if it has it.
pub(crate) fn field_kind(event_type: &str, field: &str) -> Option<FieldKind> {
    payload_fields(event_type)
        .iter()
        .find(|(name, _)| *name == field)
        .map(|(_, kind)| *kind)
        .or_else(|| COMMON_FIELDS.contains(&field).then_some(FieldKind::Text))
}

impl TryFrom<RawProjection> for Projection {
    type Error = String;

    fn try_from(raw: RawProjection) -> Result<Projection, String> {
        let RawProjection {
            events,
            group_by,
            keep,
        } = raw;
        if events.is_empty() {
            return Err("`events` names no event type: list the types it listens to".into());
        }
        let mut seen = BTreeSet::new();
        for event_type in &events {
            if !Event::TYPES.contains(&event_type.as_str()) {
                return Err(format!(
                    "unknown event type `{event_type}` (the types are {})",
                    Event::TYPES.join(", ")
                ));
            }
            if !seen.insert(event_type) {
                return Err(format!("`{event_type}` is listed twice in `events`"));
            }
        }
        let lacking = |field: &str| {
            events
                .iter()
                .find(|event_type| field_kind(event_type, field).is_none())
        };
        let unknown = |what: &str, field: &str, event_type: &str| {
            let own: Vec<&str> = payload_fields(event_type).iter().map(|(f, _)| *f).collect();
            format!(
                "{what}: {event_type} has no field `{field}` (it has {}; every event also has {})",
                own.join(", "),
                COMMON_FIELDS.join(", ")
            )
        };
        if let Some(event_type) = lacking(&group_by) {
            return Err(unknown("group_by", &group_by, event_type));
        }
        let mut columns = BTreeSet::from([group_by.as_str()]);
        for kept in &keep {
            if !columns.insert(kept.column.as_str()) {
                return Err(format!(
                    "keep: the column `{}` is named twice (the key column is named `{group_by}`)",
                    kept.column
                ));
            }
            let Some(field) = kept.keep.field() else {
                continue;
            };
            let what = format!("keep `{}`", kept.column);
            if let Some(event_type) = lacking(field) {
                return Err(unknown(&what, field, event_type));
            }
            if let Keep::Sum(_) = kept.keep {
                let kind = field_kind(&events[0], field);
                let alike = events
                    .iter()
                    .all(|event_type| field_kind(event_type, field) == kind);
                if !alike || kind == Some(FieldKind::Text) {
                    return Err(format!(
                        "{what}: `{field}` is not a number or an amount on every listed event, so it cannot be summed"
                    ));
                }
            }
        }
        Ok(Projection {
            events,
            group_by,
            keep,
        })
    }
}

impl Projection {
    /// The report's columns: the key, then what it keeps.
    pub fn columns(&self) -> Vec<String> {
        std::iter::once(self.group_by.clone())
            .chain(self.keep.iter().map(|kept| kept.column.clone()))
            .collect()
    }

    /// Whether the projection listens to events of this type.
    pub fn listens_to(&self, event_type: &str) -> bool {
        self.events.iter().any(|listened| listened == event_type)
    }

    /// Folds the whole log, in event-id order, into rows sorted by key.
    pub fn fold<'a>(
        &self,
        events: impl IntoIterator<Item = &'a StoredEvent>,
    ) -> Result<Vec<Vec<String>>, SumTooLarge> {
        #[derive(Default)]
        struct Row {
            count: u64,
            sums: Vec<u64>,
            latest: Vec<Option<String>>,
            first: u64,
            last: u64,
        }
        let mut placed: BTreeMap<&OrderId, (&str, &str)> = BTreeMap::new();
        let mut rows: BTreeMap<String, Row> = BTreeMap::new();
        for stored in events {
            if let Event::NewOrderEvent(e) = &stored.event {
                placed.insert(&stored.stream_id, (&e.customer, &e.product));
            }
            if !self.listens_to(stored.event.event_type()) {
                continue;
            }
            let order = placed.get(&stored.stream_id).copied();
            let value = |field: &str| value(stored, order, field);
            let key = value(&self.group_by).unwrap_or_else(|| NONE.to_string());
            let row = rows.entry(key).or_insert_with(|| Row {
                sums: vec![0; self.keep.len()],
                latest: vec![None; self.keep.len()],
                first: stored.event_id,
                ..Row::default()
            });
            row.count += 1;
            row.last = stored.event_id;
            for (i, kept) in self.keep.iter().enumerate() {
                match &kept.keep {
                    Keep::Sum(field) => {
                        row.sums[i] = add_to_sum(row.sums[i], number(stored, field))?
                    }
                    Keep::Latest(field) => {
                        if let Some(v) = value(field) {
                            row.latest[i] = Some(v);
                        }
                    }
                    Keep::Count | Keep::FirstEventId | Keep::LastEventId => {}
                }
            }
        }
        Ok(rows
            .into_iter()
            .map(|(key, row)| {
                let mut cells = vec![key];
                for (i, kept) in self.keep.iter().enumerate() {
                    cells.push(match &kept.keep {
                        Keep::Count => row.count.to_string(),
                        Keep::Sum(field) => match self.sum_kind(field) {
                            FieldKind::Amount => Money::from_cents(row.sums[i]).to_string(),
                            _ => row.sums[i].to_string(),
                        },
                        Keep::Latest(_) => row.latest[i].clone().unwrap_or_else(|| NONE.into()),
                        Keep::FirstEventId => row.first.to_string(),
                        Keep::LastEventId => row.last.to_string(),
                    });
                }
                cells
            })
            .collect())
    }

    /// What a summed field holds (checked alike on every listened type when read).
    pub fn sum_kind(&self, field: &str) -> FieldKind {
        self.events
            .first()
            .and_then(|event_type| field_kind(event_type, field))
            .unwrap_or(FieldKind::Number)
    }
}

/// A cell whose event did not say (a change without a reason).
pub(crate) const NONE: &str = "(none)";

/// A field's value on one event, as a cell shows it.
fn value(stored: &StoredEvent, order: Option<(&str, &str)>, field: &str) -> Option<String> {
    let attribute = stored
        .event
        .attributes()
        .into_iter()
        .find(|(name, _)| *name == field)
        .map(|(_, value)| value);
    attribute.or_else(|| match field {
        "order_id" => Some(stored.stream_id.to_string()),
        "event_type" => Some(stored.event.event_type().to_string()),
        "customer" => order.map(|(customer, _)| customer.to_string()),
        "product" => order.map(|(_, product)| product.to_string()),
        _ => None,
    })
}

/// A number or an amount (in cents) on one event, for a sum.
fn number(stored: &StoredEvent, field: &str) -> u64 {
    match (&stored.event, field) {
        (Event::NewOrderEvent(e), "quantity") => e.quantity,
        (Event::NewOrderEvent(e), "unit_price") => e.unit_price.cents(),
        (Event::ModifyOrderEvent(e), "quantity") => e.quantity,
        (Event::OrderPaymentEvent(e), "amount") => e.amount.cents(),
        _ => 0,
    }
}

impl Serialize for Kept {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(&self.column, &self.keep)?;
        map.end()
    }
}

impl<'de> Deserialize<'de> for Kept {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Kept, D::Error> {
        struct KeptVisitor;

        impl<'de> Visitor<'de> for KeptVisitor {
            type Value = Kept;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "one column as {\"name\": what}: \"count\", {\"sum\": field}, {\"latest\": field}, \"first_event_id\" or \"last_event_id\"",
                )
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Kept, A::Error> {
                let Some(column) = map.next_key::<String>()? else {
                    return Err(de::Error::custom("a kept column needs a name"));
                };
                if column.trim().is_empty() {
                    return Err(de::Error::custom("a column's name must not be empty"));
                }
                let keep = map.next_value::<Keep>()?;
                if let Some(other) = map.next_key::<String>()? {
                    return Err(de::Error::custom(format!(
                        "one column per entry: `{column}` and `{other}` share one"
                    )));
                }
                Ok(Kept { column, keep })
            }
        }

        deserializer.deserialize_map(KeptVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::{ModifyOrderEvent, NewOrderEvent, OrderPaymentEvent};

    fn define(json: &str) -> Result<Projection, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    fn stored(event_id: u64, order: &str, event: Event) -> StoredEvent {
        StoredEvent {
            event_id,
            stream_id: OrderId::new(order.to_string()).unwrap(),
            stream_version: 1,
            schema_version: 1,
            event,
            metadata: None,
        }
    }

    fn placed(customer: &str, product: &str, quantity: u64) -> Event {
        Event::NewOrderEvent(NewOrderEvent {
            customer: customer.into(),
            product: product.into(),
            quantity,
            unit_price: Money::from_cents(1000),
        })
    }

    fn changed(quantity: u64) -> Event {
        Event::ModifyOrderEvent(ModifyOrderEvent {
            quantity,
            reason: None,
        })
    }

    #[test]
    fn changes_per_product_counts_modify_events_by_the_orders_product() {
        let projection = define(
            r#"{"events": ["ModifyOrderEvent"], "group_by": "product",
                "keep": [{"changes": "count"}, {"last_quantity": {"latest": "quantity"}},
                         {"first": "first_event_id"}, {"last": "last_event_id"}]}"#,
        )
        .unwrap();
        let log = [
            stored(1, "A1", placed("Bob", "Book", 5)),
            stored(2, "C1", placed("Carol", "Lamp", 1)),
            stored(3, "A1", changed(6)),
            stored(4, "C1", changed(3)),
            stored(5, "A1", changed(4)),
            stored(
                6,
                "A1",
                Event::OrderPaymentEvent(OrderPaymentEvent {
                    amount: Money::from_cents(4000),
                }),
            ),
        ];
        assert_eq!(
            projection.columns(),
            ["product", "changes", "last_quantity", "first", "last"]
        );
        assert_eq!(
            projection.fold(&log).unwrap(),
            [
                ["Book", "2", "4", "3", "5"].map(String::from).to_vec(),
                ["Lamp", "1", "3", "4", "4"].map(String::from).to_vec(),
            ]
        );
        let paid = define(
            r#"{"events": ["OrderPaymentEvent"], "group_by": "customer", "keep": [{"paid": {"sum": "amount"}}]}"#,
        )
        .unwrap();
        assert_eq!(
            paid.fold(&log).unwrap(),
            [["Bob", "$40.00"].map(String::from).to_vec()]
        );
    }

    #[test]
    fn a_definition_round_trips_as_written() {
        let text = r#"{"events":["ModifyOrderEvent"],"group_by":"product","keep":[{"changes":"count"},{"units":{"sum":"quantity"}}]}"#;
        assert_eq!(serde_json::to_string(&define(text).unwrap()).unwrap(), text);
    }

    #[test]
    fn unknown_types_and_fields_are_refused() {
        for (json, expected) in [
            (
                r#"{"events": ["ShippedEvent"], "group_by": "product"}"#,
                "unknown event type `ShippedEvent`",
            ),
            (
                r#"{"events": [], "group_by": "product"}"#,
                "names no event type",
            ),
            (
                r#"{"events": ["ModifyOrderEvent"], "group_by": "colour"}"#,
                "group_by: ModifyOrderEvent has no field `colour`",
            ),
            (
                r#"{"events": ["ModifyOrderEvent", "OrderPaymentEvent"], "group_by": "product", "keep": [{"q": {"latest": "quantity"}}]}"#,
                "keep `q`: OrderPaymentEvent has no field `quantity`",
            ),
            (
                r#"{"events": ["NewOrderEvent"], "group_by": "product", "keep": [{"s": {"sum": "customer"}}]}"#,
                "cannot be summed",
            ),
            (
                r#"{"events": ["NewOrderEvent"], "group_by": "product", "keep": [{"product": "count"}]}"#,
                "named twice",
            ),
            (
                r#"{"events": ["NewOrderEvent"], "group_by": "product", "keep": [{"n": "average"}]}"#,
                "unknown variant `average`",
            ),
            (
                r#"{"events": ["NewOrderEvent"], "group_by": "product", "keep": [{"n": "count", "m": "count"}]}"#,
                "one column per entry",
            ),
            (
                r#"{"events": ["NewOrderEvent"], "group_by": "product", "colour": 1}"#,
                "unknown field `colour`",
            ),
        ] {
            let message = define(json).unwrap_err();
            assert!(
                message.contains(expected),
                "{message:?} should contain {expected:?}"
            );
        }
    }
}
