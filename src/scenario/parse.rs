//! Reading a scenario's JSON: one `DeserializeSeed` over the whole document that checks as it
//! reads (each step strict, each default time within the year 9999), and errors that name
//! the file, line, column, step and field. What one read knows travels in its `Reading`,
//! never in a global.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::fingerprint::Fingerprint;
use super::reading::Reading;
use super::step::StepSeed;
use super::text::{BOM, CheckedText, TextRefused};
use super::{DesignFlag, Scenario, Step, default_actor, default_start};
use crate::domain::{Actor, Timestamp};

/// A read's result: the scenario, and its fingerprint when the read could take it on the way
/// (a streamed read whose title came before its steps).
pub(super) struct Parsed {
    pub scenario: Scenario,
    pub fingerprint: Option<String>,
}

/// The fields a scenario file may have, in the order the README documents them. Read as the
/// map's key, so that an unknown one is refused with its name as the error's place.
#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum Field {
    Title,
    Description,
    FirstEventId,
    NotFor,
    Start,
    By,
    Steps,
}

/// Reads a whole scenario document, only from an object of named fields.
struct ScenarioSeed<'r> {
    reading: &'r Reading,
}

impl<'de> DeserializeSeed<'de> for ScenarioSeed<'_> {
    type Value = (Scenario, Option<Fingerprint>);

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ScenarioSeed<'_> {
    type Value = (Scenario, Option<Fingerprint>);

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of named fields")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        fn once<T, E: de::Error>(slot: &Option<T>, field: &'static str) -> Result<(), E> {
            match slot {
                Some(_) => Err(E::duplicate_field(field)),
                None => Ok(()),
            }
        }
        let mut title: Option<String> = None;
        let mut description: Option<Option<String>> = None;
        let mut first_event_id: Option<u64> = None;
        let mut not_for: Option<BTreeMap<DesignFlag, String>> = None;
        let mut start: Option<Timestamp> = None;
        let mut by: Option<Actor> = None;
        let mut steps: Option<(Vec<Step>, Option<Fingerprint>)> = None;
        while let Some(key) = map.next_key::<Field>()? {
            match key {
                Field::Title => {
                    once(&title, "title")?;
                    title = Some(map.next_value()?);
                }
                Field::Description => {
                    once(&description, "description")?;
                    description = Some(map.next_value()?);
                }
                Field::FirstEventId => {
                    once(&first_event_id, "first_event_id")?;
                    first_event_id = Some(map.next_value_seed(EventIdSeed)?);
                }
                Field::NotFor => {
                    once(&not_for, "not_for")?;
                    not_for = Some(map.next_value()?);
                }
                Field::Start => {
                    once(&start, "start")?;
                    start = Some(map.next_value_seed(StartSeed {
                        reading: self.reading,
                    })?);
                }
                Field::By => {
                    once(&by, "by")?;
                    by = Some(map.next_value()?);
                }
                Field::Steps => {
                    once(&steps, "steps")?;
                    // A stream's steps are fingerprinted as they pass when the title is known.
                    let fingerprint = title
                        .as_deref()
                        .filter(|_| self.reading.sink.is_some())
                        .map(Fingerprint::new);
                    steps = Some(map.next_value_seed(StepsSeed {
                        reading: self.reading,
                        fingerprint,
                    })?);
                }
            }
        }
        let title = title.ok_or_else(|| de::Error::missing_field("title"))?;
        let (steps, fingerprint) = steps.ok_or_else(|| de::Error::missing_field("steps"))?;
        Ok((
            Scenario {
                title,
                description: description.flatten(),
                first_event_id: first_event_id.unwrap_or(1),
                not_for: not_for.unwrap_or_default(),
                start: start.unwrap_or_else(default_start),
                by: by.unwrap_or_else(default_actor),
                steps,
            },
            fingerprint,
        ))
    }
}

/// `start`, checked against the steps already read: refused inside its own value, so that
/// the error names the field.
struct StartSeed<'r> {
    reading: &'r Reading,
}

impl<'de> DeserializeSeed<'de> for StartSeed<'_> {
    type Value = Timestamp;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Timestamp, D::Error> {
        let start = Timestamp::deserialize(deserializer)?;
        self.reading.start(start).map_err(de::Error::custom)
    }
}

/// `first_event_id`: far below i64::MAX, so a log can never run out of ids halfway through
/// a run.
struct EventIdSeed;

impl<'de> DeserializeSeed<'de> for EventIdSeed {
    type Value = u64;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<u64, D::Error> {
        const MAX_FIRST_EVENT_ID: u64 = 1_000_000_000_000_000;
        let id = u64::deserialize(deserializer)?;
        if id == 0 || id > MAX_FIRST_EVENT_ID {
            return Err(de::Error::custom(format!(
                "first_event_id must be from 1 to {MAX_FIRST_EVENT_ID}, not {id}"
            )));
        }
        Ok(id)
    }
}

/// Steps handed over at a time by a streamed read.
const STREAM_BATCH: usize = 256;

/// Said when the reader of a stream stopped taking steps (it failed, or had seen enough).
const STREAM_STOPPED: &str = "the run stopped reading the scenario";

/// Reads the list of steps: kept, or handed on in batches as they are read.
struct StepsSeed<'r> {
    reading: &'r Reading,
    fingerprint: Option<Fingerprint>,
}

impl<'de> DeserializeSeed<'de> for StepsSeed<'_> {
    type Value = (Vec<Step>, Option<Fingerprint>);

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for StepsSeed<'_> {
    type Value = (Vec<Step>, Option<Fingerprint>);

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of steps")
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Self::Value, A::Error> {
        let sink = self.reading.sink.as_ref();
        let mut steps = Vec::new();
        while let Some(step) = seq.next_element_seed(StepSeed {
            reading: self.reading,
        })? {
            if let Some(fingerprint) = &mut self.fingerprint {
                fingerprint.add(&step.action);
            }
            steps.push(step);
            // Handed over in batches: one wake-up of the reader per batch, not per step.
            if let Some(sink) = sink
                && steps.len() == STREAM_BATCH
            {
                sink.send(std::mem::replace(
                    &mut steps,
                    Vec::with_capacity(STREAM_BATCH),
                ))
                .map_err(|_| de::Error::custom(STREAM_STOPPED))?;
            }
        }
        if let Some(sink) = sink
            && !steps.is_empty()
        {
            sink.send(std::mem::take(&mut steps))
                .map_err(|_| de::Error::custom(STREAM_STOPPED))?;
        }
        Ok((steps, self.fingerprint))
    }
}

/// A scenario that cannot be used, with where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    pub source: String,
    /// Line and column, when the problem has a place in the text.
    pub position: Option<(usize, usize)>,
    /// The step (from 1) the problem is in, when it is in one.
    pub step: Option<usize>,
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.source)?;
        if let Some((line, column)) = self.position {
            write!(f, ":{line}:{column}")?;
        }
        if let Some(step) = self.step {
            write!(f, ": step {step}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ScenarioError {}

impl Scenario {
    /// Parses and validates a scenario; `source` names it in errors.
    pub fn from_json(source: &str, text: &str) -> Result<Scenario, ScenarioError> {
        let scenario = parse_text(source, &Reading::new(None), text)?.scenario;
        let steps = scenario.steps.len();
        scenario.checked(source, steps)
    }

    /// What every scenario must say, checked once its steps are counted.
    pub(super) fn checked(self, source: &str, steps: usize) -> Result<Scenario, ScenarioError> {
        let error = |message: String| ScenarioError {
            source: source.to_string(),
            position: None,
            step: None,
            message,
        };
        if self.title.trim().is_empty() {
            return Err(error("the title must not be empty".into()));
        }
        if let Some(flag) = self
            .not_for
            .iter()
            .find_map(|(flag, reason)| reason.trim().is_empty().then_some(flag))
        {
            return Err(error(format!(
                "not_for: say why the scenario is not meant for {}",
                flag.cli()
            )));
        }
        if steps == 0 {
            return Err(error("a scenario needs at least one step".into()));
        }
        Ok(self)
    }
}

/// Parses one scenario document with `reading`, naming `source`, the line, column and step
/// of any error.
fn parse<'de, R: serde_json::de::Read<'de>>(
    source: &str,
    reading: &Reading,
    mut json: serde_json::Deserializer<R>,
) -> Result<Parsed, ScenarioError> {
    let error = |position, step, message| ScenarioError {
        source: source.to_string(),
        position,
        step,
        message,
    };
    let mut track = serde_path_to_error::Track::new();
    let read = ScenarioSeed { reading }.deserialize(serde_path_to_error::Deserializer::new(
        &mut json, &mut track,
    ));
    let (scenario, fingerprint) = read.map_err(|inner| {
        let (step, field) = locate(&track.path());
        let with_field = |message: String| match &field {
            Some(field) => format!("{field}: {message}"),
            None => message,
        };
        let position = (inner.line(), inner.column());
        let message = strip_position(&inner.to_string());
        // What the text checker refused, it placed where the string or number started.
        if inner.is_io() {
            let io = std::io::Error::from(inner);
            if let Some(refused) = io.get_ref().and_then(|e| e.downcast_ref::<TextRefused>()) {
                return error(
                    Some((refused.line, refused.column)),
                    step,
                    with_field(refused.message.clone()),
                );
            }
        }
        error(Some(position), step, with_field(message))
    })?;
    json.end().map_err(|e| {
        error(
            Some((e.line(), e.column())),
            None,
            strip_position(&e.to_string()),
        )
    })?;
    Ok(Parsed {
        scenario,
        fingerprint: fingerprint.map(Fingerprint::finish),
    })
}

/// Parses a whole text through the same checker as a streamed file (its strings uncapped:
/// the file's size is), its byte order mark dropped.
pub(super) fn parse_text(
    shown: &str,
    reading: &Reading,
    text: &str,
) -> Result<Parsed, ScenarioError> {
    let text = text.strip_prefix(BOM).unwrap_or(text);
    // Checked first, on its own; parsed from the text, fast and placing errors as ever.
    let mut checked = CheckedText::new(text.as_bytes(), usize::MAX);
    let refused = match std::io::copy(&mut checked, &mut std::io::sink()) {
        Ok(_) => return parse(shown, reading, serde_json::Deserializer::from_str(text)),
        Err(e) => e
            .get_ref()
            .and_then(|e| e.downcast_ref::<TextRefused>())
            .map(|refused| (refused.line, refused.column)),
    };
    // A number the checker refused: parsed again through it, so that the error names the
    // step and field too, unless the text goes wrong before that number.
    let through_checker = parse(
        shown,
        &Reading::new(None),
        serde_json::Deserializer::from_reader(CheckedText::new(text.as_bytes(), usize::MAX)),
    );
    match (through_checker, refused) {
        (Err(e), Some(place)) if e.position == Some(place) => Err(e),
        _ => parse(shown, reading, serde_json::Deserializer::from_str(text)),
    }
}

/// Parses a stream of JSON text (already through the checker), naming `shown` in errors.
pub(super) fn parse_reader<R: std::io::Read>(
    shown: &str,
    reading: &Reading,
    reader: R,
) -> Result<Parsed, ScenarioError> {
    parse(
        shown,
        reading,
        serde_json::Deserializer::from_reader(reader),
    )
}

/// Splits a path like `steps[2].pay.amount` into the step number (3) and the field (`pay.amount`).
fn locate(path: &serde_path_to_error::Path) -> (Option<usize>, Option<String>) {
    use serde_path_to_error::Segment;
    let segments: Vec<&Segment> = path.iter().collect();
    match segments.as_slice() {
        [Segment::Map { key }, Segment::Seq { index }, rest @ ..] if key == "steps" => {
            let field: Vec<String> = rest
                .iter()
                .filter_map(|s| match s {
                    Segment::Map { key } => Some(key.clone()),
                    Segment::Seq { index } => Some(index.to_string()),
                    _ => None,
                })
                .collect();
            (
                Some(index + 1),
                (!field.is_empty()).then(|| field.join(".")),
            )
        }
        [Segment::Map { key }, ..] if key != "steps" => (None, Some(key.clone())),
        _ => (None, None),
    }
}

/// serde_json appends " at line L column C"; we print the position ourselves, up front.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}
