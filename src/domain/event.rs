//! What happened to an order, named in the past tense as in the story. Each type keeps
//! only its own attributes; the envelope (id, stream, version, shape) is the store's business.
//!
//! A type's attributes may change shape over time (`upcast`): the types here are the newest
//! shapes, and an event written in an older one is upcast when read.

use serde::{Deserialize, Serialize};

use super::command::OrderId;
use super::metadata::Metadata;
use super::money::Money;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrderEvent {
    pub customer: String,
    pub product: String,
    pub quantity: u64,
    pub unit_price: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModifyOrderEvent {
    pub quantity: u64,
    /// Shape 2: why the quantity changed. `None` when the writer did not say, or wrote shape 1,
    /// which has no field for it; then the payload has no `reason` either.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderPaymentEvent {
    pub amount: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderCancelledEvent {
    pub reason: String,
}

/// One event. Serialized as `{"event_type": "...", "payload": {...}}`, the shape it has in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event_type", content = "payload")]
pub enum Event {
    NewOrderEvent(NewOrderEvent),
    ModifyOrderEvent(ModifyOrderEvent),
    OrderPaymentEvent(OrderPaymentEvent),
    OrderCancelledEvent(OrderCancelledEvent),
}

impl Event {
    pub const TYPES: [&'static str; 4] = [
        "NewOrderEvent",
        "ModifyOrderEvent",
        "OrderPaymentEvent",
        "OrderCancelledEvent",
    ];

    pub fn event_type(&self) -> &'static str {
        match self {
            Event::NewOrderEvent(_) => "NewOrderEvent",
            Event::ModifyOrderEvent(_) => "ModifyOrderEvent",
            Event::OrderPaymentEvent(_) => "OrderPaymentEvent",
            Event::OrderCancelledEvent(_) => "OrderCancelledEvent",
        }
    }

    /// The attributes as `name value` pairs, for people to read.
    pub fn attributes(&self) -> Vec<(&'static str, String)> {
        match self {
            Event::NewOrderEvent(e) => vec![
                ("customer", e.customer.clone()),
                ("product", e.product.clone()),
                ("quantity", e.quantity.to_string()),
                ("unit_price", e.unit_price.to_string()),
            ],
            Event::ModifyOrderEvent(e) => {
                let mut attributes = vec![("quantity", e.quantity.to_string())];
                if let Some(reason) = &e.reason {
                    attributes.push(("reason", reason.clone()));
                }
                attributes
            }
            Event::OrderPaymentEvent(e) => vec![("amount", e.amount.to_string())],
            Event::OrderCancelledEvent(e) => vec![("reason", e.reason.clone())],
        }
    }
}

/// An event in its envelope, as the log keeps it: the id that fixes its place in the log,
/// the stream (order) it belongs to, its version within that stream, and the shape its
/// payload was written in (`event` is always the newest shape, upcast when read), and who
/// recorded it when (`metadata`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredEvent {
    pub event_id: u64,
    pub stream_id: OrderId,
    pub stream_version: u64,
    pub schema_version: u32,
    #[serde(flatten)]
    pub event: Event,
    /// Who and when, and what caused it; `None` for an event written before envelopes kept
    /// it, or written without a command (a bulk import).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_round_trips_through_its_type() {
        let events = [
            Event::NewOrderEvent(NewOrderEvent {
                customer: "Bob".into(),
                product: "Book".into(),
                quantity: 5,
                unit_price: Money::from_cents(1000),
            }),
            Event::ModifyOrderEvent(ModifyOrderEvent {
                quantity: 6,
                reason: Some("typo".into()),
            }),
            Event::OrderPaymentEvent(OrderPaymentEvent {
                amount: Money::from_cents(6000),
            }),
            Event::OrderCancelledEvent(OrderCancelledEvent {
                reason: "changed mind".into(),
            }),
        ];
        for event in events {
            let latest = crate::domain::upcast::latest(event.event_type()).unwrap();
            let decoded =
                Event::decode(event.event_type(), latest, &event.payload_json_as(latest)).unwrap();
            assert_eq!(decoded, event);
        }
    }

    #[test]
    fn a_payload_of_another_type_does_not_decode() {
        assert!(Event::decode("ModifyOrderEvent", 1, r#"{"amount":"60.00"}"#).is_err());
        assert!(Event::decode("ShippedEvent", 1, "{}").is_err());
        assert!(Event::decode("NewOrderEvent", 1, "not json").is_err());
        // Shape 1 has no reason: a v1 row that carries one is not a v1 row.
        assert!(Event::decode("ModifyOrderEvent", 1, r#"{"quantity":6,"reason":"x"}"#).is_err());
        let newer = Event::decode("ModifyOrderEvent", 3, r#"{"quantity":6}"#).unwrap_err();
        assert!(newer.contains("a newer eslab wrote it"), "{newer}");
        assert!(Event::decode("ModifyOrderEvent", 0, r#"{"quantity":6}"#).is_err());
    }

    #[test]
    fn the_stored_shape_is_type_plus_own_attributes() {
        let event = Event::OrderPaymentEvent(OrderPaymentEvent {
            amount: Money::from_cents(6000),
        });
        assert_eq!(event.payload_json(), r#"{"amount":"60.00"}"#);
        assert_eq!(
            serde_json::to_string(&event).unwrap(),
            r#"{"event_type":"OrderPaymentEvent","payload":{"amount":"60.00"}}"#
        );
    }
}
