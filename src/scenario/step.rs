//! Reading one step: exactly one action, its parts named, and the step's question, note,
//! expectation, `by` and `at`.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};

use super::expect::Expect;
use super::reading::Reading;
use super::{Action, DeployAction, STEP_NAMES, Step, ViewAction};
use crate::domain::{Actor, Command, Timestamp};
use crate::service::Question;

/// A step is an object with exactly one step key, plus an optional `question`, `note`,
/// `expect`, `by` and `at`. Read by hand so that each error points at the offending key and
/// the step's fields stay strict.
impl<'de> Deserialize<'de> for Step {
    /// One step on its own (as `live` types it): no scenario around it to check its time by.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Step, D::Error> {
        StepSeed {
            reading: &Reading::new(None),
        }
        .deserialize(deserializer)
    }
}

/// Reads one step of a scenario, counting it in the reading.
pub(super) struct StepSeed<'r> {
    pub(super) reading: &'r Reading,
}

impl<'de> de::DeserializeSeed<'de> for StepSeed<'_> {
    type Value = Step;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Step, D::Error> {
        deserializer.deserialize_map(StepVisitor {
            reading: self.reading,
        })
    }
}

/// A step's object, read a key at a time: its parts, and its one action.
struct StepVisitor<'r> {
    reading: &'r Reading,
}

impl<'de> Visitor<'de> for StepVisitor<'_> {
    type Value = Step;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a step: an object with one of {}", STEP_NAMES.join(", "))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Step, A::Error> {
        let mut parts = Parts::default();
        let mut action: Option<Action> = None;
        while let Some(key) = map.next_key::<String>()? {
            if parts.read(&key, &mut map)? {
                continue;
            }
            if let Some(first) = &action {
                return Err(de::Error::custom(format!(
                    "a step has exactly one action, this one has `{}` and `{key}`",
                    first.name()
                )));
            }
            action = Some(read_action(&key, &mut map)?);
        }
        parts.into_step(action, self.reading)
    }
}

/// What a step says besides its action, each at most once.
#[derive(Default)]
struct Parts {
    question: Option<String>,
    note: Option<String>,
    expect: Option<Expect>,
    by: Option<Actor>,
    at: Option<Timestamp>,
}

impl Parts {
    /// Reads the value of `key` when it names a part; false, the value left unread, for any
    /// other key (an action's, or an unknown one).
    fn read<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "by" => once(&mut self.by, "by", || map.next_value())?,
            "at" => once(&mut self.at, "at", || map.next_value())?,
            "question" => once(&mut self.question, "question", || map.next_value())?,
            "note" => once(&mut self.note, "note", || map.next_value())?,
            "expect" => once(&mut self.expect, "expect", || {
                map.next_value_seed(Fields::<Expect>::new())
            })?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The step, once every key is read: it has an action, its expectation fits it, only a
    /// command says `by` and `at`, and it is counted in the reading.
    fn into_step<E: de::Error>(self, action: Option<Action>, reading: &Reading) -> Result<Step, E> {
        let action = action.ok_or_else(|| {
            E::custom(format!(
                "this step has no action: give one of {}",
                STEP_NAMES.join(", ")
            ))
        })?;
        if let Some(expect) = &self.expect {
            expect.fits(&action).map_err(E::custom)?;
        }
        if !matches!(action, Action::Command(_)) && (self.by.is_some() || self.at.is_some()) {
            return Err(E::custom(format!(
                "`by` and `at` say who issued a command and when: `{}` is not a command",
                action.name()
            )));
        }
        reading.count_step(&action, self.at).map_err(E::custom)?;
        Ok(Step {
            action,
            question: self.question,
            note: self.note,
            expect: self.expect.map(Box::new),
            by: self.by,
            at: self.at,
        })
    }
}

/// A part read once; a second time is an error that names it.
fn once<T, E: de::Error>(
    slot: &mut Option<T>,
    name: &'static str,
    read: impl FnOnce() -> Result<T, E>,
) -> Result<(), E> {
    if slot.is_some() {
        return Err(E::duplicate_field(name));
    }
    *slot = Some(read()?);
    Ok(())
}

/// The action `key` names, read from its value.
fn read_action<'de, A: MapAccess<'de>>(key: &str, map: &mut A) -> Result<Action, A::Error> {
    // Each action's fields are named: an object, never a list by position.
    Ok(match key {
        "place_order" => Action::Command(Command::PlaceOrder(map.next_value_seed(Fields::new())?)),
        "change_quantity" => {
            Action::Command(Command::ChangeQuantity(map.next_value_seed(Fields::new())?))
        }
        "pay" => Action::Command(Command::Pay(map.next_value_seed(Fields::new())?)),
        "cancel" => Action::Command(Command::Cancel(map.next_value_seed(Fields::new())?)),
        "query" => Action::Question(Question::Query(map.next_value_seed(Fields::new())?)),
        "history" => Action::Question(Question::History(map.next_value_seed(Fields::new())?)),
        "report" => Action::Question(Question::Report(map.next_value_seed(Fields::new())?)),
        "crash_view" => Action::View(ViewAction::CrashView(map.next_value_seed(Fields::new())?)),
        "rebuild_view" => {
            Action::View(ViewAction::RebuildView(map.next_value_seed(Fields::new())?))
        }
        "snapshot" => Action::View(ViewAction::Snapshot(map.next_value_seed(Fields::new())?)),
        "deploy" => Action::Deploy(DeployAction::Deploy(map.next_value_seed(Fields::new())?)),
        other => {
            return Err(de::Error::custom(format!(
                "unknown step `{other}`: a step is one of {}, with an optional question, note and expect",
                STEP_NAMES.join(", ")
            )));
        }
    })
}

/// Reads a `T` only from an object of named fields. serde reads a struct from a list too,
/// by position (`{"pay": ["A1", 60]}`, `{"snapshot": []}`): a file that says which value is
/// which is the contract, so a list is refused, as "expected an object of named fields".
struct Fields<T>(std::marker::PhantomData<T>);

impl<T> Fields<T> {
    fn new() -> Fields<T> {
        Fields(std::marker::PhantomData)
    }
}

impl<'de, T: Deserialize<'de>> de::DeserializeSeed<'de> for Fields<T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for Fields<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of named fields")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map))
    }
}
