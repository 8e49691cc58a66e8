//! What happened to an order, named in the past tense as in the story. Each type keeps
//! only its own attributes; the envelope (id, stream, version) is the store's business.

use serde::{Deserialize, Serialize};

use super::command::OrderId;
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

    /// The payload as stored: this type's own attributes as a JSON object.
    pub fn payload_json(&self) -> String {
        let payload = match self {
            Event::NewOrderEvent(e) => serde_json::to_string(e),
            Event::ModifyOrderEvent(e) => serde_json::to_string(e),
            Event::OrderPaymentEvent(e) => serde_json::to_string(e),
            Event::OrderCancelledEvent(e) => serde_json::to_string(e),
        };
        payload.expect("event payloads are plain structs and always serialize")
    }

    /// Decodes a stored payload, dispatching on the stored type so each row is parsed once.
    pub fn decode(event_type: &str, payload: &str) -> Result<Event, String> {
        let event = match event_type {
            "NewOrderEvent" => serde_json::from_str(payload).map(Event::NewOrderEvent),
            "ModifyOrderEvent" => serde_json::from_str(payload).map(Event::ModifyOrderEvent),
            "OrderPaymentEvent" => serde_json::from_str(payload).map(Event::OrderPaymentEvent),
            "OrderCancelledEvent" => serde_json::from_str(payload).map(Event::OrderCancelledEvent),
            other => return Err(format!("unknown event type `{other}`")),
        };
        event.map_err(|e| format!("{event_type} payload does not decode: {e}"))
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
            Event::ModifyOrderEvent(e) => vec![("quantity", e.quantity.to_string())],
            Event::OrderPaymentEvent(e) => vec![("amount", e.amount.to_string())],
            Event::OrderCancelledEvent(e) => vec![("reason", e.reason.clone())],
        }
    }
}

/// An event in its envelope, as the log keeps it: the id that fixes its place in the log,
/// the stream (order) it belongs to and its version within that stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredEvent {
    pub event_id: u64,
    pub stream_id: OrderId,
    pub stream_version: u64,
    #[serde(flatten)]
    pub event: Event,
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
            Event::ModifyOrderEvent(ModifyOrderEvent { quantity: 6 }),
            Event::OrderPaymentEvent(OrderPaymentEvent {
                amount: Money::from_cents(6000),
            }),
            Event::OrderCancelledEvent(OrderCancelledEvent {
                reason: "changed mind".into(),
            }),
        ];
        for event in events {
            let decoded = Event::decode(event.event_type(), &event.payload_json()).unwrap();
            assert_eq!(decoded, event);
        }
    }

    #[test]
    fn a_payload_of_another_type_does_not_decode() {
        assert!(Event::decode("ModifyOrderEvent", r#"{"amount":"60.00"}"#).is_err());
        assert!(Event::decode("ShippedEvent", "{}").is_err());
        assert!(Event::decode("NewOrderEvent", "not json").is_err());
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
