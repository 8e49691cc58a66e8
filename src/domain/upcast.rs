//! Schema evolution. Each event type's payload has numbered shapes; the log keeps every event
//! in the shape it was written in, forever (it is append-only), and these pure upcasters turn
//! an old shape into the newest when it is read. `Shapes` is the writer's side: which shape
//! each type is written in now, switched by a `deploy` step.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::event::{Event, ModifyOrderEvent};

/// An event written in a shape of its type, and read back from one: where shapes meet the
/// domain's events.
impl Event {
    /// The payload as the first shape of each type has it, which eslab wrote before shapes
    /// could change (and writes until a `deploy` says otherwise).
    pub fn payload_json(&self) -> String {
        self.payload_json_as(1)
    }

    /// The payload written in shape `version` of its type: this type's own attributes as a
    /// JSON object. A shape without a field for an attribute leaves it out (`dropped`
    /// says what); a version past the type's newest writes the newest.
    pub fn payload_json_as(&self, version: u32) -> String {
        let payload = match self {
            Event::NewOrderEvent(e) => serde_json::to_string(e),
            Event::ModifyOrderEvent(e) if version < 2 => {
                serde_json::to_string(&ModifyOrderEventV1 {
                    quantity: e.quantity,
                })
            }
            Event::ModifyOrderEvent(e) => serde_json::to_string(e),
            Event::OrderPaymentEvent(e) => serde_json::to_string(e),
            Event::OrderCancelledEvent(e) => serde_json::to_string(e),
        };
        payload.expect("event payloads are plain structs and always serialize")
    }

    /// Decodes a stored payload written in shape `version` of its type, upcasting an older
    /// shape to the newest; dispatched on the stored type so each row is parsed once.
    pub fn decode(event_type: &str, version: u32, payload: &str) -> Result<Event, String> {
        let latest =
            latest(event_type).ok_or_else(|| format!("unknown event type `{event_type}`"))?;
        if version == 0 || version > latest {
            return Err(format!(
                "{event_type} is written in shape {version}, but this eslab knows shapes 1 to {latest}: a newer eslab wrote it"
            ));
        }
        let event = match (event_type, version) {
            ("NewOrderEvent", _) => serde_json::from_str(payload).map(Event::NewOrderEvent),
            ("ModifyOrderEvent", 1) => serde_json::from_str(payload)
                .map(|v1| Event::ModifyOrderEvent(modify_order_v1_to_v2(v1))),
            ("ModifyOrderEvent", _) => serde_json::from_str(payload).map(Event::ModifyOrderEvent),
            ("OrderPaymentEvent", _) => serde_json::from_str(payload).map(Event::OrderPaymentEvent),
            (_, _) => serde_json::from_str(payload).map(Event::OrderCancelledEvent),
        };
        event.map_err(|e| format!("{event_type} payload (shape {version}) does not decode: {e}"))
    }
}

/// `ModifyOrderEvent` shape 1, as eslab wrote it before shapes could change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ModifyOrderEventV1 {
    pub quantity: u64,
}

/// Shape 1 → 2: shape 2 adds `reason`, which a shape-1 event never recorded.
pub(crate) fn modify_order_v1_to_v2(v1: ModifyOrderEventV1) -> ModifyOrderEvent {
    ModifyOrderEvent {
        quantity: v1.quantity,
        reason: None,
    }
}

/// The newest shape of an event type (`None`: no such type).
pub(crate) fn latest(event_type: &str) -> Option<u32> {
    match event_type {
        "ModifyOrderEvent" => Some(2),
        other => Event::TYPES.contains(&other).then_some(1),
    }
}

/// What writing `event` in shape `version` leaves out, as (attribute, value): the shape has no
/// field for it.
pub(crate) fn dropped(event: &Event, version: u32) -> Vec<(&'static str, String)> {
    match event {
        Event::ModifyOrderEvent(ModifyOrderEvent {
            reason: Some(reason),
            ..
        }) if version < 2 => vec![("reason", reason.clone())],
        _ => Vec::new(),
    }
}

/// A `deploy` step: from now on, write `event` in shape `version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, try_from = "RawDeploy")]
pub struct Deploy {
    pub event: String,
    pub version: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeploy {
    event: String,
    version: u32,
}

impl TryFrom<RawDeploy> for Deploy {
    type Error = String;

    fn try_from(raw: RawDeploy) -> Result<Deploy, String> {
        Deploy::new(raw.event, raw.version)
    }
}

impl Deploy {
    /// A deploy of a known event type to one of its shapes, or what is wrong with it.
    pub fn new(event: String, version: u32) -> Result<Deploy, String> {
        let latest = latest(&event).ok_or_else(|| {
            format!(
                "unknown event type `{event}`: one of {}",
                Event::TYPES.join(", ")
            )
        })?;
        if version == 0 || version > latest {
            return Err(format!("{event} has shapes 1 to {latest}, not {version}"));
        }
        Ok(Deploy { event, version })
    }
}

impl fmt::Display for Deploy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} v{}", self.event, self.version)
    }
}

/// The shape each event type is written in now. At first, shape 1 for every type: what
/// eslab has always written, so a log carried on keeps its shapes until a deploy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shapes {
    versions: [u32; Event::TYPES.len()],
}

impl Default for Shapes {
    fn default() -> Shapes {
        Shapes {
            versions: [1; Event::TYPES.len()],
        }
    }
}

impl Shapes {
    fn index(event_type: &str) -> usize {
        Event::TYPES
            .iter()
            .position(|t| *t == event_type)
            .expect("events name one of Event::TYPES")
    }

    /// The shape `event_type` is written in now.
    pub fn version_of(&self, event_type: &str) -> u32 {
        self.versions[Shapes::index(event_type)]
    }

    /// Switches the writer; returns the shape it wrote before.
    pub fn deploy(&mut self, deploy: &Deploy) -> u32 {
        std::mem::replace(
            &mut self.versions[Shapes::index(&deploy.event)],
            deploy.version,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_v1_payload_reads_as_v2_without_a_reason() {
        let event = Event::decode("ModifyOrderEvent", 1, r#"{"quantity":6}"#).unwrap();
        assert_eq!(
            event,
            Event::ModifyOrderEvent(ModifyOrderEvent {
                quantity: 6,
                reason: None
            })
        );
        // Written again in shape 1, it is byte for byte what eslab always wrote.
        assert_eq!(event.payload_json(), r#"{"quantity":6}"#);
    }

    #[test]
    fn the_writer_switches_shape_and_says_what_an_old_shape_drops() {
        let mut shapes = Shapes::default();
        let event = Event::ModifyOrderEvent(ModifyOrderEvent {
            quantity: 6,
            reason: Some("typo".into()),
        });
        assert_eq!(shapes.version_of("ModifyOrderEvent"), 1);
        assert_eq!(dropped(&event, 1), vec![("reason", "typo".to_string())]);
        let deploy: Deploy =
            serde_json::from_str(r#"{"event": "ModifyOrderEvent", "version": 2}"#).unwrap();
        assert_eq!(shapes.deploy(&deploy), 1);
        assert_eq!(shapes.version_of("ModifyOrderEvent"), 2);
        assert!(dropped(&event, 2).is_empty());
        assert_eq!(
            event.payload_json_as(2),
            r#"{"quantity":6,"reason":"typo"}"#
        );
    }

    #[test]
    fn a_deploy_names_a_known_type_and_shape() {
        for (text, expected) in [
            (
                r#"{"event": "ShippedEvent", "version": 1}"#,
                "unknown event type `ShippedEvent`",
            ),
            (
                r#"{"event": "ModifyOrderEvent", "version": 3}"#,
                "ModifyOrderEvent has shapes 1 to 2, not 3",
            ),
            (
                r#"{"event": "ModifyOrderEvent", "version": 2, "x": 1}"#,
                "unknown field `x`",
            ),
        ] {
            let error = serde_json::from_str::<Deploy>(text)
                .unwrap_err()
                .to_string();
            assert!(error.contains(expected), "{error}");
        }
    }
}
