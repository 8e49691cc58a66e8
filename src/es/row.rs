//! A log's rows, whatever engine keeps them: an event row as stored and as borrowed, the
//! canonical envelope its hash covers, the tail a new row chains to, and the one append and
//! fold every engine (SQLite here, PostgreSQL in `pg`) goes through.

use anyhow::Context;

use super::{StoredEvent, chain};
use crate::domain::{Actor, Event, Metadata, Order, OrderId, Shapes, Timestamp, apply};

/// An `events` row exactly as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawEvent {
    pub event_id: i64,
    pub stream_id: String,
    pub stream_version: i64,
    pub event_type: String,
    pub payload: String,
    pub hash: Vec<u8>,
    pub schema_version: i64,
    /// `recorded_at`, `actor`, `causation_id`, `correlation_id` as stored: all NULL on an
    /// event written before envelopes kept them.
    pub metadata: [Option<String>; 4],
}

/// What an envelope holds beyond the first one, as the chain hashes it: `None` for an event
/// whose envelope is the first one's (shape 1, no metadata), which hashes as eslab always
/// did; an event of another shape without metadata hashes as it did before metadata existed.
pub fn extension(schema_version: i64, metadata: &[Option<&str>; 4]) -> Option<String> {
    if metadata.iter().all(Option::is_none) {
        return (schema_version != 1).then(|| format!("{{\"schema_version\":{schema_version}}}"));
    }
    // The JSON serde_json writes for the struct {schema_version, recorded_at, actor,
    // causation_id, correlation_id}, written by hand: it is hashed for every event read.
    let mut text =
        String::with_capacity(120 + metadata.iter().flatten().map(|m| m.len()).sum::<usize>());
    text.push_str("{\"schema_version\":");
    text.push_str(&schema_version.to_string());
    for (name, value) in ["recorded_at", "actor", "causation_id", "correlation_id"]
        .into_iter()
        .zip(metadata)
    {
        text.push_str(",\"");
        text.push_str(name);
        text.push_str("\":");
        match value {
            None => text.push_str("null"),
            Some(value) => push_json_string(&mut text, value),
        }
    }
    text.push('}');
    Some(text)
}

/// A JSON string as serde_json writes it: `"`, `\` and control characters escaped, nothing
/// else.
fn push_json_string(text: &mut String, value: &str) {
    if value.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        text.push_str(&serde_json::to_string(value).expect("a string serializes"));
    } else {
        text.push('"');
        text.push_str(value);
        text.push('"');
    }
}

/// The four metadata columns of an event about to be written, as `extension` takes them.
fn metadata_columns(metadata: Option<&Metadata>) -> [Option<String>; 4] {
    match metadata {
        None => [None, None, None, None],
        Some(m) => [
            Some(m.recorded_at.to_string()),
            Some(m.actor.to_string()),
            Some(m.causation_id.clone()),
            Some(m.correlation_id.clone()),
        ],
    }
}

fn borrowed(columns: &[Option<String>; 4]) -> [Option<&str>; 4] {
    [0, 1, 2, 3].map(|i| columns[i].as_deref())
}

/// Reads the metadata columns back: none at all, or all four, each well-formed.
fn read_metadata(columns: [Option<String>; 4]) -> anyhow::Result<Option<Metadata>> {
    match columns {
        [None, None, None, None] => Ok(None),
        [
            Some(at),
            Some(actor),
            Some(causation_id),
            Some(correlation_id),
        ] => Ok(Some(Metadata {
            recorded_at: Timestamp::parse(&at).map_err(anyhow::Error::msg)?,
            actor: Actor::new(actor).map_err(anyhow::Error::msg)?,
            causation_id,
            correlation_id,
        })),
        _ => anyhow::bail!("its metadata is partly missing"),
    }
}

impl RawEvent {
    /// The chain link this row should carry, given the previous row's hash.
    pub fn expected_hash(&self, previous: &chain::Hash) -> chain::Hash {
        chain::link(
            previous,
            self.event_id,
            &self.stream_id,
            self.stream_version,
            &self.event_type,
            &self.payload,
            extension(self.schema_version, &borrowed(&self.metadata)).as_deref(),
        )
    }

    pub fn decode(&self) -> anyhow::Result<StoredEvent> {
        decode_event(
            self.event_id,
            self.stream_id.clone(),
            self.stream_version,
            &self.event_type,
            self.schema_version,
            &self.payload,
            self.metadata.clone(),
        )
        .with_context(|| format!("event {} cannot be read", self.event_id))
    }
}

/// An `events` row as stored, borrowed from SQLite while a scan is on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowRef<'a> {
    pub event_id: i64,
    pub stream_id: &'a str,
    pub stream_version: i64,
    pub event_type: &'a str,
    pub payload: &'a str,
    pub hash: &'a [u8],
    pub schema_version: i64,
    pub metadata: [Option<&'a str>; 4],
}

impl RowRef<'_> {
    /// The chain link this row should carry, given the previous row's hash.
    pub fn expected_hash(&self, previous: &chain::Hash) -> chain::Hash {
        chain::link(
            previous,
            self.event_id,
            self.stream_id,
            self.stream_version,
            self.event_type,
            self.payload,
            extension(self.schema_version, &self.metadata).as_deref(),
        )
    }

    pub fn decode(&self) -> anyhow::Result<StoredEvent> {
        decode_event(
            self.event_id,
            self.stream_id.to_owned(),
            self.stream_version,
            self.event_type,
            self.schema_version,
            self.payload,
            self.metadata.map(|m| m.map(str::to_owned)),
        )
        .with_context(|| format!("event {} cannot be read", self.event_id))
    }

    /// The event, decoded, with the rest of the row checked as `decode` checks it, without
    /// copying the row: for a pass over the whole log that keeps only what it applies.
    pub fn decode_event(&self) -> anyhow::Result<Event> {
        (|| {
            let shape = u32::try_from(self.schema_version)?;
            match self.metadata {
                [None, None, None, None] => {}
                [Some(at), Some(actor), Some(_), Some(_)] => {
                    Timestamp::parse(at).map_err(anyhow::Error::msg)?;
                    Actor::new(actor).map_err(anyhow::Error::msg)?;
                }
                _ => anyhow::bail!("its metadata is partly missing"),
            }
            u64::try_from(self.event_id)?;
            u64::try_from(self.stream_version)?;
            Event::decode(self.event_type, shape, self.payload).map_err(anyhow::Error::msg)
        })()
        .with_context(|| format!("event {} cannot be read", self.event_id))
    }

    pub(crate) fn into_owned(self) -> RawEvent {
        RawEvent {
            event_id: self.event_id,
            stream_id: self.stream_id.to_owned(),
            stream_version: self.stream_version,
            event_type: self.event_type.to_owned(),
            payload: self.payload.to_owned(),
            hash: self.hash.to_vec(),
            schema_version: self.schema_version,
            metadata: self.metadata.map(|m| m.map(str::to_owned)),
        }
    }
}

/// Where the log ends: the id the next event gets and the hash it chains to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tail {
    pub next_id: u64,
    pub hash: chain::Hash,
}

/// What a new row's envelope holds beyond the first envelope: its shape and who and when
/// (the four metadata columns, all `None` for an event written without them).
pub(super) struct Extension<'a> {
    pub schema_version: u32,
    pub metadata: &'a [Option<String>; 4],
}

/// One event row about to be written, chained to the tail before it: what every engine
/// inserts, column for column.
pub(crate) struct NewRow<'a> {
    pub event_id: i64,
    pub stream_id: &'a str,
    pub stream_version: i64,
    pub event_type: &'a str,
    pub payload: &'a str,
    pub hash: chain::Hash,
    pub schema_version: i64,
    /// `recorded_at`, `actor`, `causation_id`, `correlation_id`.
    pub metadata: &'a [Option<String>; 4],
}

impl Tail {
    /// The row of one event at this tail, chained to it, and the tail after it.
    pub(super) fn next_row<'a>(
        self,
        stream_id: &'a str,
        stream_version: u64,
        event_type: &'a str,
        payload: &'a str,
        Extension {
            schema_version,
            metadata,
        }: Extension<'a>,
    ) -> anyhow::Result<(NewRow<'a>, Tail)> {
        let id = i64::try_from(self.next_id).context("event ids are exhausted")?;
        let version = stream_version as i64;
        let shape = i64::from(schema_version);
        let hash = chain::link(
            &self.hash,
            id,
            stream_id,
            version,
            event_type,
            payload,
            extension(shape, &borrowed(metadata)).as_deref(),
        );
        let row = NewRow {
            event_id: id,
            stream_id,
            stream_version: version,
            event_type,
            payload,
            hash,
            schema_version: shape,
            metadata,
        };
        let next = Tail {
            next_id: self.next_id + 1,
            hash,
        };
        Ok((row, next))
    }
}

/// An order's state from its stream's events, as `each` hands them over in version order.
pub(crate) fn fold(
    order_id: &OrderId,
    each: impl FnOnce(&mut dyn FnMut(StoredEvent) -> anyhow::Result<()>) -> anyhow::Result<()>,
) -> anyhow::Result<Option<Order>> {
    let mut order = None;
    each(&mut |stored| {
        order = Some(
            apply(order.take(), order_id, &stored.event)
                .with_context(|| format!("event {} cannot be replayed", stored.event_id))?,
        );
        Ok(())
    })?;
    Ok(order)
}

/// Appends a command's events to one stream after `tail`, in a write transaction in which the
/// stream stands at `expected_version`: the events get the versions after it, and
/// UNIQUE(stream_id, stream_version) refuses them should anything else have got there. Each
/// is written in the shape `shapes` names for its type, with the command's `metadata` in its
/// envelope, and chained to the one before; `write` inserts each row, whatever the engine.
/// Returns them as a reader of the log will get them back, and the log's new tail.
pub(crate) fn append_with(
    tail: Tail,
    stream_id: &OrderId,
    expected_version: u64,
    events: Vec<Event>,
    shapes: &Shapes,
    metadata: Option<&Metadata>,
    mut write: impl FnMut(NewRow) -> anyhow::Result<()>,
) -> anyhow::Result<(Vec<StoredEvent>, Tail)> {
    let columns = metadata_columns(metadata);
    let mut tail = tail;
    let mut appended = Vec::with_capacity(events.len());
    for (offset, event) in (1u64..).zip(events) {
        let event_type = event.event_type();
        let shape = shapes.version_of(event_type);
        let payload = event.payload_json_as(shape);
        // What was written, read back as any reader will: live and replay never differ.
        let stored = StoredEvent {
            event_id: tail.next_id,
            stream_id: stream_id.clone(),
            stream_version: expected_version + offset,
            schema_version: shape,
            event: Event::decode(event_type, shape, &payload).map_err(anyhow::Error::msg)?,
            metadata: metadata.cloned(),
        };
        let (row, next) = tail.next_row(
            stored.stream_id.as_str(),
            stored.stream_version,
            event_type,
            &payload,
            Extension {
                schema_version: shape,
                metadata: &columns,
            },
        )?;
        write(row)?;
        tail = next;
        appended.push(stored);
    }
    Ok((appended, tail))
}

/// An event from its row's columns.
pub(super) fn decode_event(
    event_id: i64,
    stream_id: String,
    stream_version: i64,
    event_type: &str,
    schema_version: i64,
    payload: &str,
    metadata: [Option<String>; 4],
) -> anyhow::Result<StoredEvent> {
    let schema_version = u32::try_from(schema_version)?;
    Ok(StoredEvent {
        metadata: read_metadata(metadata)?,
        event_id: u64::try_from(event_id)?,
        stream_id: OrderId::new(stream_id).map_err(anyhow::Error::msg)?,
        stream_version: u64::try_from(stream_version)?,
        schema_version,
        event: Event::decode(event_type, schema_version, payload).map_err(anyhow::Error::msg)?,
    })
}

#[cfg(test)]
mod tests {
    use super::extension;

    /// The extension is hashed, so it must stay byte for byte what serde_json writes.
    #[test]
    fn the_extension_is_the_json_serde_writes() {
        #[derive(serde::Serialize)]
        struct WithMetadata<'a> {
            schema_version: i64,
            recorded_at: Option<&'a str>,
            actor: Option<&'a str>,
            causation_id: Option<&'a str>,
            correlation_id: Option<&'a str>,
        }
        let values = [
            None,
            Some(""),
            Some("2026-01-02T03:04:05Z"),
            Some("bob"),
            Some("quote\" back\\slash"),
            Some("tab\tnewline\ncontrol\u{1}del\u{7f}"),
            Some("é ü 東 \u{202e}"),
        ];
        for shape in [1, 2, 7] {
            for (i, a) in values.iter().enumerate() {
                let b = values[(i + 1) % values.len()];
                let c = values[(i + 3) % values.len()];
                let d = values[(i + 5) % values.len()];
                let metadata = [*a, b, c, d];
                if metadata.iter().all(Option::is_none) {
                    continue;
                }
                let expected = serde_json::to_string(&WithMetadata {
                    schema_version: shape,
                    recorded_at: metadata[0],
                    actor: metadata[1],
                    causation_id: metadata[2],
                    correlation_id: metadata[3],
                })
                .unwrap();
                assert_eq!(extension(shape, &metadata), Some(expected));
            }
        }
        assert_eq!(extension(1, &[None; 4]), None);
        assert_eq!(
            extension(2, &[None; 4]).as_deref(),
            Some(r#"{"schema_version":2}"#)
        );
    }
}
