//! The tamper-evident chain: each event's hash covers the previous event's hash and its own
//! envelope and payload, so an edit, a deletion or a reordering breaks every link after it.

use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

/// The "previous hash" of the first event in a log.
pub const GENESIS: Hash = [0; 32];

/// SHA-256 over the previous hash and the event as stored. Text fields are length-prefixed so
/// that no two different events can produce the same input.
///
/// The envelope has grown since the first logs were written. What it holds beyond the first
/// envelope goes in `extension` (canonical text, see `store::RawEvent::extension`), hashed
/// after the payload, length-prefixed; an event with nothing beyond it (`None`) hashes exactly
/// as eslab always hashed, so old logs verify unchanged. The payload's own length prefix
/// fixes where it ends, so an extension can never pass for part of a payload.
pub fn link(
    previous: &Hash,
    event_id: i64,
    stream_id: &str,
    stream_version: i64,
    event_type: &str,
    payload: &str,
    extension: Option<&str>,
) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update(previous);
    hasher.update(event_id.to_be_bytes());
    for text in [stream_id, event_type] {
        hasher.update((text.len() as u64).to_be_bytes());
        hasher.update(text.as_bytes());
    }
    hasher.update(stream_version.to_be_bytes());
    hasher.update((payload.len() as u64).to_be_bytes());
    hasher.update(payload.as_bytes());
    if let Some(extension) = extension {
        hasher.update((extension.len() as u64).to_be_bytes());
        hasher.update(extension.as_bytes());
    }
    hasher.finalize().into()
}

/// The first characters of a hash, for people (`eslab log`).
pub fn short(hash: &[u8]) -> String {
    hex::encode(hash).chars().take(12).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_and_the_previous_hash_change_the_link() {
        let base = link(
            &GENESIS,
            1,
            "A1",
            1,
            "ModifyOrderEvent",
            r#"{"quantity":6}"#,
            None,
        );
        assert_eq!(
            base,
            link(
                &GENESIS,
                1,
                "A1",
                1,
                "ModifyOrderEvent",
                r#"{"quantity":6}"#,
                None
            )
        );
        let others = [
            link(
                &base,
                1,
                "A1",
                1,
                "ModifyOrderEvent",
                r#"{"quantity":6}"#,
                None,
            ),
            link(
                &GENESIS,
                2,
                "A1",
                1,
                "ModifyOrderEvent",
                r#"{"quantity":6}"#,
                None,
            ),
            link(
                &GENESIS,
                1,
                "A2",
                1,
                "ModifyOrderEvent",
                r#"{"quantity":6}"#,
                None,
            ),
            link(
                &GENESIS,
                1,
                "A1",
                2,
                "ModifyOrderEvent",
                r#"{"quantity":6}"#,
                None,
            ),
            link(
                &GENESIS,
                1,
                "A1",
                1,
                "NewOrderEvent",
                r#"{"quantity":6}"#,
                None,
            ),
            link(
                &GENESIS,
                1,
                "A1",
                1,
                "ModifyOrderEvent",
                r#"{"quantity":7}"#,
                None,
            ),
            // Moving a character between fields must not give the same input.
            link(
                &GENESIS,
                1,
                "A1M",
                1,
                "odifyOrderEvent",
                r#"{"quantity":6}"#,
                None,
            ),
        ];
        // The envelope's extension is covered too, and an empty one is not the same as none.
        let extended = [
            link(
                &GENESIS,
                1,
                "A1",
                1,
                "ModifyOrderEvent",
                r#"{"quantity":6}"#,
                Some(""),
            ),
            link(
                &GENESIS,
                1,
                "A1",
                1,
                "ModifyOrderEvent",
                r#"{"quantity":6}"#,
                Some("2"),
            ),
        ];
        assert_ne!(extended[0], extended[1]);
        for other in others.iter().chain(&extended) {
            assert_ne!(*other, base);
        }
        for other in others {
            assert_ne!(other, base);
        }
        assert_eq!(short(&base).len(), 12);
    }
}
