//! Reading one step: exactly one action, its parts named, and the step's question, note,
//! expectation, `by` and `at`.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};

use super::expect::Expect;
use super::parse::Reading;
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
        struct StepVisitor<'r> {
            reading: &'r Reading,
        }

        impl<'de> Visitor<'de> for StepVisitor<'_> {
            type Value = Step;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "a step: an object with one of {}", STEP_NAMES.join(", "))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Step, A::Error> {
                let mut action: Option<Action> = None;
                let mut question: Option<String> = None;
                let mut note: Option<String> = None;
                let mut expect: Option<Expect> = None;
                let mut by: Option<Actor> = None;
                let mut at: Option<Timestamp> = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key == "by" {
                        if by.is_some() {
                            return Err(de::Error::duplicate_field("by"));
                        }
                        by = Some(map.next_value()?);
                        continue;
                    }
                    if key == "at" {
                        if at.is_some() {
                            return Err(de::Error::duplicate_field("at"));
                        }
                        at = Some(map.next_value()?);
                        continue;
                    }
                    if key == "question" {
                        if question.is_some() {
                            return Err(de::Error::duplicate_field("question"));
                        }
                        question = Some(map.next_value()?);
                        continue;
                    }
                    if key == "note" {
                        if note.is_some() {
                            return Err(de::Error::duplicate_field("note"));
                        }
                        note = Some(map.next_value()?);
                        continue;
                    }
                    if key == "expect" {
                        if expect.is_some() {
                            return Err(de::Error::duplicate_field("expect"));
                        }
                        expect = Some(map.next_value_seed(Fields::<Expect>::new())?);
                        continue;
                    }
                    if let Some(first) = &action {
                        return Err(de::Error::custom(format!(
                            "a step has exactly one action, this one has `{}` and `{key}`",
                            first.name()
                        )));
                    }
                    // Each action's fields are named: an object, never a list by position.
                    action = Some(match key.as_str() {
                        "place_order" => Action::Command(Command::PlaceOrder(
                            map.next_value_seed(Fields::new())?,
                        )),
                        "change_quantity" => Action::Command(Command::ChangeQuantity(
                            map.next_value_seed(Fields::new())?,
                        )),
                        "pay" => Action::Command(Command::Pay(map.next_value_seed(Fields::new())?)),
                        "cancel" => {
                            Action::Command(Command::Cancel(map.next_value_seed(Fields::new())?))
                        }
                        "query" => {
                            Action::Question(Question::Query(map.next_value_seed(Fields::new())?))
                        }
                        "history" => {
                            Action::Question(Question::History(map.next_value_seed(Fields::new())?))
                        }
                        "report" => {
                            Action::Question(Question::Report(map.next_value_seed(Fields::new())?))
                        }
                        "crash_view" => {
                            Action::View(ViewAction::CrashView(map.next_value_seed(Fields::new())?))
                        }
                        "rebuild_view" => Action::View(ViewAction::RebuildView(
                            map.next_value_seed(Fields::new())?,
                        )),
                        "snapshot" => {
                            Action::View(ViewAction::Snapshot(map.next_value_seed(Fields::new())?))
                        }
                        "deploy" => Action::Deploy(DeployAction::Deploy(
                            map.next_value_seed(Fields::new())?,
                        )),
                        other => {
                            return Err(de::Error::custom(format!(
                                "unknown step `{other}`: a step is one of {}, with an optional question, note and expect",
                                STEP_NAMES.join(", ")
                            )));
                        }
                    });
                }
                let action = action.ok_or_else(|| {
                    de::Error::custom(format!(
                        "this step has no action: give one of {}",
                        STEP_NAMES.join(", ")
                    ))
                })?;
                if let Some(expect) = &expect {
                    expect.fits(&action).map_err(de::Error::custom)?;
                }
                if !matches!(action, Action::Command(_)) && (by.is_some() || at.is_some()) {
                    return Err(de::Error::custom(format!(
                        "`by` and `at` say who issued a command and when: `{}` is not a command",
                        action.name()
                    )));
                }
                self.reading
                    .count_step(&action, at)
                    .map_err(de::Error::custom)?;
                Ok(Step {
                    action,
                    question,
                    note,
                    expect: expect.map(Box::new),
                    by,
                    at,
                })
            }
        }

        deserializer.deserialize_map(StepVisitor {
            reading: self.reading,
        })
    }
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
