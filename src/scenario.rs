//! Scenario files: the documented JSON contract, how it is read, and the bundled scenarios.
//!
//! Every error names its file, and where it can, the line, column and step.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, SyncSender};

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::{Actor, Command, Deploy, Money, OrderId, Status, Timestamp};
use crate::service::Question;

/// The bundled scenarios, embedded in the binary: (name, JSON text).
pub const BUNDLED: &[(&str, &str)] = &[
    ("bob", include_str!("../scenarios/bob.json")),
    (
        "wrong-payment",
        include_str!("../scenarios/wrong-payment.json"),
    ),
    (
        "cancellation",
        include_str!("../scenarios/cancellation.json"),
    ),
    (
        "many-customers",
        include_str!("../scenarios/many-customers.json"),
    ),
    ("history", include_str!("../scenarios/history.json")),
    ("time-travel", include_str!("../scenarios/time-travel.json")),
    (
        "crash-and-rebuild",
        include_str!("../scenarios/crash-and-rebuild.json"),
    ),
    ("lost-update", include_str!("../scenarios/lost-update.json")),
    (
        "new-question",
        include_str!("../scenarios/new-question.json"),
    ),
    ("exercise", include_str!("../scenarios/exercise.json")),
    (
        "schema-evolution",
        include_str!("../scenarios/schema-evolution.json"),
    ),
    ("snapshots", include_str!("../scenarios/snapshots.json")),
    (
        "own-read-model",
        include_str!("../scenarios/own-read-model.json"),
    ),
    ("audit", include_str!("../scenarios/audit.json")),
];

/// A scenario file is refused above this size: it is a hand-written story, not a data dump.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(
        default = "default_first_event_id",
        deserialize_with = "deserialize_event_id"
    )]
    pub first_event_id: u64,
    /// The flags this scenario was not written for, each with the reason: `eslab run` warns
    /// when run with one of them. Empty for a scenario whose expectations hold under all.
    #[serde(default)]
    pub not_for: BTreeMap<DesignFlag, String>,
    /// When the first step happens; each later step happens `STEP_SECONDS` after the one
    /// before, unless it says `at`. Times come from the scenario, never the clock.
    #[serde(default = "default_start", deserialize_with = "deserialize_start")]
    pub start: Timestamp,
    /// Who issues a command that does not say `by`.
    #[serde(default = "default_actor")]
    pub by: Actor,
    /// Empty when the scenario was read as a stream (`for_each_step`): each step was handed
    /// on as it was read instead.
    #[serde(deserialize_with = "deserialize_steps")]
    pub steps: Vec<Step>,
}

thread_local! {
    /// Where a streamed read (`for_each_step`) sends its steps as they are parsed, a batch
    /// at a time. Unset, the steps are collected into `Scenario::steps`.
    static STEP_SINK: RefCell<Option<SyncSender<Vec<Step>>>> = const { RefCell::new(None) };
}

thread_local! {
    /// What the text checker (`CheckedText`) refused, and where it started (serde_json
    /// reports where reading stopped, a megabyte later for a long string).
    static TEXT_PROBLEM: RefCell<Option<(usize, usize, String)>> = const { RefCell::new(None) };
}

thread_local! {
    /// What a read knows of the steps' times, to refuse as input a step whose default time
    /// would pass the year 9999 (as the run would), wherever `start` is in the file.
    static TIMES: Cell<StepTimes> = const {
        Cell::new(StepTimes {
            start: None,
            last_default: None,
            steps: 0,
        })
    };
}

/// The scenario's `start` once read, and the last step read that takes its time from it.
#[derive(Debug, Clone, Copy)]
struct StepTimes {
    start: Option<Timestamp>,
    /// The number and action name of the last command step without an `at`.
    last_default: Option<(usize, &'static str)>,
    /// How many steps were read.
    steps: usize,
}

/// Step `number`'s time when it does not say `at`: the scenario's `start` plus
/// `STEP_SECONDS` per step before it. `None` past the year 9999. The run (`runner::Clock`)
/// and the read that checks a file both use this.
pub fn step_time(start: Timestamp, number: usize) -> Option<Timestamp> {
    (number as i64 - 1)
        .checked_mul(STEP_SECONDS)
        .and_then(|offset| start.plus_seconds(offset))
}

/// Why a step's default time cannot be: said alike wherever it is found.
fn past_9999(action: &str, start: Timestamp) -> String {
    format!(
        "`{action}` would happen past the year 9999: counted from `start` ({start}), {STEP_SECONDS} s a step; give it an `at`, or the scenario an earlier `start`"
    )
}

/// Counts a step as read and, for a command that takes its time from `start`, refuses it
/// when that time would pass the year 9999 (if `start` is known yet; else `start` checks).
fn count_step(action: &Action, at: Option<Timestamp>) -> Result<(), String> {
    let mut times = TIMES.with(Cell::get);
    times.steps += 1;
    let number = times.steps;
    if matches!(action, Action::Command(_)) && at.is_none() {
        times.last_default = Some((number, action.name()));
    }
    TIMES.with(|cell| cell.set(times));
    match (times.start, times.last_default) {
        (Some(start), Some((last, name)))
            if last == number && step_time(start, number).is_none() =>
        {
            Err(past_9999(name, start))
        }
        _ => Ok(()),
    }
}

/// `start`, checked against the steps already read (a file may give it after them).
fn deserialize_start<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
    let start = Timestamp::deserialize(deserializer)?;
    let mut times = TIMES.with(Cell::get);
    times.start = Some(start);
    TIMES.with(|cell| cell.set(times));
    if let Some((number, action)) = times.last_default
        && step_time(start, number).is_none()
    {
        return Err(de::Error::custom(format!(
            "step {number}: {}",
            past_9999(action, start)
        )));
    }
    Ok(start)
}

/// Steps handed over at a time by a streamed read.
const STREAM_BATCH: usize = 256;

/// Said when the reader of a stream stopped taking steps (it failed, or had seen enough).
const STREAM_STOPPED: &str = "the run stopped reading the scenario";

fn deserialize_steps<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Step>, D::Error> {
    struct StepsVisitor;

    impl<'de> Visitor<'de> for StepsVisitor {
        type Value = Vec<Step>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of steps")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Step>, A::Error> {
            let sink = STEP_SINK.with(|sink| sink.borrow().clone());
            let mut steps = Vec::new();
            while let Some(step) = seq.next_element::<Step>()? {
                steps.push(step);
                // Handed over in batches: one wake-up of the reader per batch, not per step.
                if let Some(sink) = &sink
                    && steps.len() == STREAM_BATCH
                {
                    sink.send(std::mem::replace(
                        &mut steps,
                        Vec::with_capacity(STREAM_BATCH),
                    ))
                    .map_err(|_| de::Error::custom(STREAM_STOPPED))?;
                }
            }
            match &sink {
                Some(sink) if !steps.is_empty() => {
                    sink.send(steps)
                        .map_err(|_| de::Error::custom(STREAM_STOPPED))?;
                    Ok(Vec::new())
                }
                _ => Ok(steps),
            }
        }
    }

    deserializer.deserialize_seq(StepsVisitor)
}

/// A command-line choice that changes a design, as `not_for` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum DesignFlag {
    /// `--crud-locking`: CRUD keeps a version and refuses stale writes.
    #[serde(rename = "crud-locking")]
    CrudLocking,
    /// `--backend crud`: CRUD alone.
    #[serde(rename = "backend-crud")]
    BackendCrud,
    /// `--backend es`: event sourcing alone.
    #[serde(rename = "backend-es")]
    BackendEs,
}

impl DesignFlag {
    /// The flag as it is typed on the command line.
    pub fn cli(self) -> &'static str {
        match self {
            DesignFlag::CrudLocking => "--crud-locking",
            DesignFlag::BackendCrud => "--backend crud",
            DesignFlag::BackendEs => "--backend es",
        }
    }
}

fn default_first_event_id() -> u64 {
    1
}

/// The time of step 1 when a scenario gives no `start`.
pub const DEFAULT_START: &str = "2026-03-01T09:00:00Z";

/// Who issues a command when neither it nor the scenario says `by`.
pub const DEFAULT_ACTOR: &str = "clerk";

/// Seconds between one step's default time and the next's.
pub const STEP_SECONDS: i64 = 60;

pub fn default_start() -> Timestamp {
    Timestamp::parse(DEFAULT_START).expect("the default start is a time")
}

pub fn default_actor() -> Actor {
    Actor::new(DEFAULT_ACTOR).expect("the default actor is a name")
}

fn deserialize_event_id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    // Far below i64::MAX, so a log can never run out of ids halfway through a run.
    const MAX_FIRST_EVENT_ID: u64 = 1_000_000_000_000_000;
    let id = u64::deserialize(deserializer)?;
    if id == 0 || id > MAX_FIRST_EVENT_ID {
        return Err(de::Error::custom(format!(
            "first_event_id must be from 1 to {MAX_FIRST_EVENT_ID}, not {id}"
        )));
    }
    Ok(id)
}

/// What one step does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Action {
    Command(Command),
    Question(Question),
    View(ViewAction),
    /// A new release of the code, writing an event type in another shape.
    Deploy(DeployAction),
}

/// `{"deploy": {"event": …, "version": …}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeployAction {
    Deploy(Deploy),
}

/// Operations on the read model, to show what happens when it is lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ViewAction {
    CrashView(NoFields),
    RebuildView(NoFields),
    /// Stores a snapshot of the read model beside the log, for rebuilds to start from.
    Snapshot(NoFields),
}

/// `{}`: a step that takes no fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoFields {}

impl Action {
    /// The step's key in the file.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Command(Command::PlaceOrder(_)) => "place_order",
            Action::Command(Command::ChangeQuantity(_)) => "change_quantity",
            Action::Command(Command::Pay(_)) => "pay",
            Action::Command(Command::Cancel(_)) => "cancel",
            Action::Question(Question::Query(_)) => "query",
            Action::Question(Question::History(_)) => "history",
            Action::Question(Question::Report(_)) => "report",
            Action::View(ViewAction::CrashView(_)) => "crash_view",
            Action::View(ViewAction::RebuildView(_)) => "rebuild_view",
            Action::View(ViewAction::Snapshot(_)) => "snapshot",
            Action::Deploy(_) => "deploy",
        }
    }

    /// The order the step is about, if it is about one.
    pub fn order_id(&self) -> Option<&OrderId> {
        match self {
            Action::Command(command) => Some(command.order_id()),
            Action::Question(Question::Query(q)) => Some(&q.order_id),
            Action::Question(Question::History(q)) => Some(&q.order_id),
            Action::Question(Question::Report(_)) | Action::View(_) | Action::Deploy(_) => None,
        }
    }
}

/// The step names a file may use, in the order the README documents them.
pub const STEP_NAMES: &[&str] = &[
    "place_order",
    "change_quantity",
    "pay",
    "cancel",
    "query",
    "history",
    "report",
    "crash_view",
    "rebuild_view",
    "snapshot",
    "deploy",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub action: Action,
    /// What the room is asked before the step runs: shown with the command, before any
    /// outcome, so it must not give the outcome away.
    pub question: Option<String>,
    /// Narration shown with the step's outcome: it may explain what happened.
    pub note: Option<String>,
    /// What the step must come to, on every design that can answer. Boxed: most steps have
    /// none, and a long run keeps every step twice (here and in its trace).
    pub expect: Option<Box<Expect>>,
    /// Who issued the step's command (commands only); else the scenario's `by`.
    pub by: Option<Actor>,
    /// When the step's command was issued (commands only); else the scenario's time for the
    /// step. Need not be after the step before's: the log's order is its event ids.
    pub at: Option<Timestamp>,
}

/// A step's expectation. Commands take `ok` or `rejected`; commands and queries take the
/// order's fields; reports take a `row` that must be in the answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ok: Option<bool>,
    /// A substring of the rejection's reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected: Option<String>,
    /// Whether the order exists at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exists: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// Checked only where the design keeps a version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
    /// For commands: the id of the first event appended. Checked only against event
    /// sourcing, the design that has event ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<u64>,
    /// For reports: `column → value` of a row that must be in the report. A value is written
    /// as a string or a number (`"orders": 1`), kept as its text; see `expect::cell_matches`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "deserialize_row"
    )]
    pub row: Option<BTreeMap<String, String>>,
    /// For histories: who made the order's latest change. Both designs can say: the log's
    /// last event, the row's `updated_by`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_changed_by: Option<Actor>,
    /// For histories: when the order's latest change was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_changed_at: Option<Timestamp>,
}

/// A row's values: strings, or numbers kept as the text the file wrote.
fn deserialize_row<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<BTreeMap<String, String>>, D::Error> {
    struct CellText(String);

    impl<'de> Deserialize<'de> for CellText {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<CellText, D::Error> {
            struct CellVisitor;

            impl Visitor<'_> for CellVisitor {
                type Value = CellText;

                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a cell's value, as a string or a number")
                }

                fn visit_str<E: de::Error>(self, v: &str) -> Result<CellText, E> {
                    Ok(CellText(v.to_string()))
                }

                fn visit_u64<E: de::Error>(self, v: u64) -> Result<CellText, E> {
                    Ok(CellText(v.to_string()))
                }

                fn visit_i64<E: de::Error>(self, v: i64) -> Result<CellText, E> {
                    Ok(CellText(v.to_string()))
                }

                fn visit_f64<E: de::Error>(self, v: f64) -> Result<CellText, E> {
                    // The shortest text that reads back as this float: what the file said.
                    serde_json::Number::from_f64(v)
                        .map(|n| CellText(n.to_string()))
                        .ok_or_else(|| E::custom("a cell's value must be a finite number"))
                }
            }

            deserializer.deserialize_any(CellVisitor)
        }
    }

    let row = BTreeMap::<String, CellText>::deserialize(deserializer)?;
    Ok(Some(
        row.into_iter()
            .map(|(column, CellText(value))| (column, value))
            .collect(),
    ))
}

impl Expect {
    pub fn expects_state(&self) -> bool {
        self.exists.is_some()
            || self.customer.is_some()
            || self.product.is_some()
            || self.quantity.is_some()
            || self.unit_price.is_some()
            || self.total.is_some()
            || self.paid.is_some()
            || self.status.is_some()
            || self.version.is_some()
    }

    /// Whether the step expects who made the latest change, or when.
    pub fn expects_last_change(&self) -> bool {
        self.last_changed_by.is_some() || self.last_changed_at.is_some()
    }

    /// Which expectations make sense for which step.
    fn fits(&self, action: &Action) -> Result<(), String> {
        let outcome = self.ok.is_some() || self.rejected.is_some();
        let history = matches!(action, Action::Question(Question::History(_)));
        let problem = match action {
            _ if self.expects_last_change() && !history => {
                Some("`last_changed_by` and `last_changed_at` are for history steps")
            }
            Action::Question(Question::History(_))
                if outcome
                    || self.row.is_some()
                    || self.event_id.is_some()
                    || self.expects_state()
                    || !self.expects_last_change() =>
            {
                Some("a history expects `last_changed_by` or `last_changed_at`")
            }
            Action::Question(Question::History(_)) => None,
            Action::Command(_) if self.row.is_some() => Some("`row` is for report steps"),
            Action::Command(_) if self.ok.is_some() && self.rejected.is_some() => {
                Some("expect either `ok` or `rejected`, not both")
            }
            Action::Command(_) if self.rejected.is_some() && self.expects_state() => {
                Some("a rejected command leaves no new state to expect")
            }
            Action::Command(_)
                if self.event_id.is_some()
                    && (self.rejected.is_some() || self.ok == Some(false)) =>
            {
                Some("a rejected command appends no event to expect")
            }
            Action::Command(_) => None,
            _ if self.event_id.is_some() => Some("`event_id` is for command steps"),
            Action::Question(Question::Query(_)) if outcome || self.row.is_some() => {
                Some("a query expects the order's fields (status, quantity, total, …)")
            }
            Action::Question(Question::Query(_)) => None,
            Action::Question(Question::Report(_)) if outcome || self.expects_state() => {
                Some("a report expects a `row`")
            }
            Action::Question(Question::Report(_)) => None,
            Action::View(_) | Action::Deploy(_) => Some("this step takes no expectations"),
        };
        match problem {
            Some(problem) => Err(format!("expect: {problem}")),
            None => Ok(()),
        }
    }
}

/// A step is an object with exactly one step key, plus an optional `question`, `note`,
/// `expect`, `by` and `at`. Read by hand so
/// that each error points at the offending key and the step's fields stay strict.
impl<'de> Deserialize<'de> for Step {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Step, D::Error> {
        struct StepVisitor;

        impl<'de> Visitor<'de> for StepVisitor {
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
                count_step(&action, at).map_err(de::Error::custom)?;
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

        deserializer.deserialize_map(StepVisitor)
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
    /// SHA-256 over the title and every step's action: the same scenario gets the same
    /// fingerprint wherever its file is, so `--continue` knows how far it got.
    pub fn fingerprint(&self) -> String {
        let mut fingerprint = Fingerprint::new(&self.title);
        for step in &self.steps {
            fingerprint.add(&step.action);
        }
        fingerprint.finish()
    }

    /// Parses and validates a scenario; `source` names it in errors.
    pub fn from_json(source: &str, text: &str) -> Result<Scenario, ScenarioError> {
        let scenario = parse_text(source, text)?;
        let steps = scenario.steps.len();
        scenario.checked(source, steps)
    }

    /// What every scenario must say, checked once its steps are counted.
    fn checked(self, source: &str, steps: usize) -> Result<Scenario, ScenarioError> {
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

/// A scenario's fingerprint, one step at a time: SHA-256 over the JSON of
/// `[title, [action, …]]`, fed as it would be written, so a streamed scenario gets the same
/// fingerprint as one read whole.
pub struct Fingerprint {
    hasher: Sha256,
    first: bool,
}

impl Fingerprint {
    pub fn new(title: &str) -> Fingerprint {
        let mut hasher = Sha256::new();
        hasher.update(b"[");
        hasher.update(serde_json::to_vec(title).expect("a string always serializes"));
        hasher.update(b",[");
        Fingerprint {
            hasher,
            first: true,
        }
    }

    pub fn add(&mut self, action: &Action) {
        if !self.first {
            self.hasher.update(b",");
        }
        self.first = false;
        self.hasher.update(
            serde_json::to_vec(action).expect("actions are plain data and always serialize"),
        );
    }

    pub fn finish(mut self) -> String {
        self.hasher.update(b"]]");
        hex::encode(self.hasher.finalize())
    }
}

/// Parses one scenario document, naming `source`, the line, column and step of any error.
/// Its steps are collected, or streamed when `STEP_SINK` is set on this thread.
fn parse<'de, R: serde_json::de::Read<'de>>(
    source: &str,
    mut json: serde_json::Deserializer<R>,
) -> Result<Scenario, ScenarioError> {
    let error = |position, step, message| ScenarioError {
        source: source.to_string(),
        position,
        step,
        message,
    };
    TIMES.with(|times| {
        times.set(StepTimes {
            start: None,
            last_default: None,
            steps: 0,
        })
    });
    let scenario: Scenario = serde_path_to_error::deserialize(&mut json)
        .map(|NamedFields(scenario)| scenario)
        .map_err(|e| {
            let inner = e.inner();
            let (step, field) = locate(e.path());
            // What the text checker refused, it located where it started.
            if let Some((line, column, mut message)) = TEXT_PROBLEM.with(|p| p.borrow_mut().take())
            {
                if let Some(field) = field {
                    message = format!("{field}: {message}");
                }
                return error(Some((line, column)), step, message);
            }
            let mut message = strip_position(&inner.to_string());
            if let Some(field) = field {
                message = format!("{field}: {message}");
            }
            error(Some((inner.line(), inner.column())), step, message)
        })?;
    json.end().map_err(|e| {
        error(
            Some((e.line(), e.column())),
            None,
            strip_position(&e.to_string()),
        )
    })?;
    Ok(scenario)
}

/// A whole scenario, read only from an object (as `Fields` reads a step's parts).
struct NamedFields<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for NamedFields<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<NamedFields<T>, D::Error> {
        deserializer.deserialize_map(Fields::new()).map(NamedFields)
    }
}

/// Where a scenario's text is.
#[derive(Debug, Clone)]
pub enum ScenarioSource {
    Bundled(&'static str),
    /// A regular file, read again for each pass over it.
    File(PathBuf),
    /// What a pipe, a FIFO or a device gave (`eslab run <(eslab show bob)`): it can be read
    /// only once, so it is copied as it comes into a spool file, deleted when the last clone
    /// of this source goes, and each pass reads that. `path` names it in errors.
    Spooled {
        path: PathBuf,
        spool: std::sync::Arc<tempfile::TempPath>,
    },
}

impl ScenarioSource {
    /// Finds a scenario by bundled name or path, as `load` does. A regular file is not read
    /// yet; anything else that is not a folder is read once, into a spool file, now.
    pub fn find(name_or_path: &str) -> anyhow::Result<ScenarioSource> {
        if is_bundled_name(name_or_path) {
            return Ok(ScenarioSource::Bundled(bundled(name_or_path)?));
        }
        let path = PathBuf::from(name_or_path);
        match std::fs::metadata(&path) {
            Ok(meta) if !meta.is_file() && !meta.is_dir() => Ok(ScenarioSource::Spooled {
                spool: std::sync::Arc::new(spool(&path)?),
                path,
            }),
            // A missing file or a folder is refused by the first pass, with its name.
            _ => Ok(ScenarioSource::File(path)),
        }
    }
}

/// Copies what `path` gives, to its end, into a new temporary file: the one read of a pipe.
fn spool(path: &Path) -> Result<tempfile::TempPath, ScenarioError> {
    let error = |message: String| ScenarioError {
        source: path.display().to_string(),
        position: None,
        step: None,
        message,
    };
    let mut input = std::fs::File::open(path).map_err(|e| error(format!("cannot read: {e}")))?;
    let mut spool = tempfile::Builder::new()
        .prefix("eslab-scenario-")
        .tempfile()
        .map_err(|e| error(format!("cannot make a spool file to read it into: {e}")))?;
    std::io::copy(&mut input, spool.as_file_mut())
        .map_err(|e| error(format!("cannot read: {e}")))?;
    Ok(spool.into_temp_path())
}

/// A scenario file above this size is read as a stream, one step at a time, with a cap on
/// each string instead of on the file. Smaller ones are read whole.
pub const STREAM_ABOVE_BYTES: u64 = 16 * 1024 * 1024;

/// The longest string a streamed scenario may hold: a name or a note, not a data dump.
pub const MAX_STRING_BYTES: usize = 1024 * 1024;

/// Reads a scenario without holding its steps: each is handed to `each` as soon as it is
/// parsed (a parsing thread reads ahead by a few steps). Returns the scenario with no steps,
/// and how many there were. `each`'s error stops the read and is returned as it is.
pub fn for_each_step(
    name: &str,
    source: &ScenarioSource,
    mut each: impl FnMut(Step) -> anyhow::Result<()>,
) -> anyhow::Result<(Scenario, usize)> {
    let shown = match source {
        ScenarioSource::Bundled(_) => format!("bundled scenario `{name}`"),
        ScenarioSource::File(path) | ScenarioSource::Spooled { path, .. } => {
            path.display().to_string()
        }
    };
    let (sink, batches) = mpsc::sync_channel::<Vec<Step>>(4);
    let parser = {
        let source = source.clone();
        let shown = shown.clone();
        std::thread::spawn(move || -> Result<Scenario, ScenarioError> {
            STEP_SINK.with(|slot| *slot.borrow_mut() = Some(sink));
            let parsed = match &source {
                ScenarioSource::Bundled(text) => parse_text(&shown, text),
                ScenarioSource::File(path) => read_streamed(&shown, path),
                ScenarioSource::Spooled { spool, .. } => read_streamed(&shown, spool),
            };
            STEP_SINK.with(|slot| slot.borrow_mut().take());
            parsed
        })
    };
    let mut count = 0;
    let mut stopped = None;
    'read: for batch in batches.iter() {
        for step in batch {
            count += 1;
            if let Err(e) = each(step) {
                stopped = Some(e);
                break 'read;
            }
        }
    }
    drop(batches);
    let parsed = parser
        .join()
        .map_err(|_| anyhow::anyhow!("the scenario reader of {shown} panicked"))?;
    if let Some(e) = stopped {
        return Err(e);
    }
    Ok((parsed?.checked(&shown, count)?, count))
}

/// Parses a file: whole when small (its encoding checked first, as `read_file` does), as a
/// stream with capped strings when large.
fn read_streamed(shown: &str, path: &Path) -> Result<Scenario, ScenarioError> {
    let error = |message: String| ScenarioError {
        source: shown.to_string(),
        position: None,
        step: None,
        message,
    };
    let file = std::fs::File::open(path).map_err(|e| error(format!("cannot read: {e}")))?;
    let size = file
        .metadata()
        .map_err(|e| error(format!("cannot read: {e}")))?
        .len();
    if size <= STREAM_ABOVE_BYTES {
        // Named as given, not as the spool file a pipe was read into.
        let text = read_file(path).map_err(|e| ScenarioError {
            source: shown.to_string(),
            ..e
        })?;
        return parse_text(shown, &text);
    }
    let mut reader = std::io::BufReader::with_capacity(1 << 16, file);
    // A byte order mark is dropped, as an editor shows it: as nothing.
    if std::io::BufRead::fill_buf(&mut reader)
        .map_err(|e| error(format!("cannot read: {e}")))?
        .starts_with(BOM.as_bytes())
    {
        std::io::BufRead::consume(&mut reader, BOM.len());
    }
    let reader = CheckedText::new(reader, MAX_STRING_BYTES);
    parse(shown, serde_json::Deserializer::from_reader(reader))
}

/// A UTF-8 byte order mark, which some editors put at the start of a file.
const BOM: &str = "\u{feff}";

/// Parses a whole text through the same checker as a streamed file (its strings uncapped:
/// the file's size is), its byte order mark dropped.
fn parse_text(shown: &str, text: &str) -> Result<Scenario, ScenarioError> {
    let text = text.strip_prefix(BOM).unwrap_or(text);
    // Checked first, on its own; parsed from the text, fast and placing errors as ever.
    let mut checked = CheckedText::new(text.as_bytes(), usize::MAX);
    if std::io::copy(&mut checked, &mut std::io::sink()).is_ok() {
        return parse(shown, serde_json::Deserializer::from_str(text));
    }
    let refused = TEXT_PROBLEM.with(|p| p.borrow_mut().take());
    // A number the checker refused: parsed again through it, so that the error names the
    // step and field too, unless the text goes wrong before that number.
    let through_checker = parse(
        shown,
        serde_json::Deserializer::from_reader(CheckedText::new(text.as_bytes(), usize::MAX)),
    );
    match (through_checker, refused) {
        (Err(e), Some((line, column, _))) if e.position == Some((line, column)) => Err(e),
        _ => parse(shown, serde_json::Deserializer::from_str(text)),
    }
}

/// What the text checker refused; its words and place are passed on in `TEXT_PROBLEM`.
#[derive(Debug)]
struct TextRefused;

impl fmt::Display for TextRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the scenario's text was refused")
    }
}

impl std::error::Error for TextRefused {}

/// Passes JSON text through to the parser, checking what the parser cannot: no string longer
/// than `max_string` bytes (so that a streamed file cannot make one value as big as the
/// file), and every number reads back exactly as written (`10.499999999999999` would be
/// read as 10.5, `5.0000000000000001` as 5, silently).
struct CheckedText<R> {
    inner: R,
    max_string: usize,
    in_string: bool,
    escaped: bool,
    length: usize,
    line: usize,
    column: usize,
    /// Where the string or number being read began.
    started: (usize, usize),
    /// The number literal being read (empty between numbers): one buffer, reused.
    number: String,
}

impl<R: std::io::Read> CheckedText<R> {
    fn new(inner: R, max_string: usize) -> CheckedText<R> {
        CheckedText {
            inner,
            max_string,
            in_string: false,
            escaped: false,
            length: 0,
            line: 1,
            column: 1,
            started: (1, 1),
            number: String::new(),
        }
    }

    /// Refuses the text: `message`, placed where the string or number began.
    fn refuse(&self, message: String) -> std::io::Error {
        let (line, column) = self.started;
        TEXT_PROBLEM.with(|p| *p.borrow_mut() = Some((line, column, message)));
        std::io::Error::new(std::io::ErrorKind::InvalidData, TextRefused)
    }

    /// Takes in one byte of the text.
    fn see(&mut self, byte: u8) -> std::io::Result<()> {
        if self.in_string {
            self.length += 1;
            if self.length > self.max_string {
                return Err(self.refuse(format!(
                    "a string longer than {} KiB: a scenario holds names and notes, not data",
                    self.max_string / 1024
                )));
            }
            match (self.escaped, byte) {
                (true, _) => self.escaped = false,
                (false, b'\\') => self.escaped = true,
                (false, b'"') => self.in_string = false,
                _ => {}
            }
        } else if matches!(byte, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') {
            if self.number.is_empty() {
                self.started = (self.line, self.column);
            }
            // Longer than any number written by hand: left to the parser.
            if self.number.len() <= 400 {
                self.number.push(byte as char);
            }
        } else {
            self.end_number()?;
            if byte == b'"' {
                self.in_string = true;
                self.length = 0;
                self.started = (self.line, self.column);
            }
        }
        if byte == b'\n' {
            self.line += 1;
            self.column = 1;
        } else if byte & 0xC0 != 0x80 {
            // Columns count characters, as serde_json's do: not UTF-8 continuation bytes.
            self.column += 1;
        }
        Ok(())
    }

    /// A number literal ended: refused if it does not read back as written.
    fn end_number(&mut self) -> std::io::Result<()> {
        if !self.number.is_empty() && inexact(&self.number) {
            return Err(self.refuse(format!(
                "`{}` has more digits than a number can hold exactly: write the value meant (an amount as a string, like \"10.50\")",
                self.number
            )));
        }
        self.number.clear();
        Ok(())
    }
}

impl<R: std::io::Read> std::io::Read for CheckedText<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 {
            // The end of the text ends a number too.
            self.end_number()?;
        }
        for &byte in &buf[..n] {
            self.see(byte)?;
        }
        Ok(n)
    }
}

/// Whether a number literal would not be read as exactly what it says: false for an
/// integer, a decimal that reads back as written, or no number at all (which the parser
/// refuses).
fn inexact(literal: &str) -> bool {
    // An integer is read exactly, or refused as too large by the reader of its field.
    if literal.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        return false;
    }
    match literal.parse::<f64>() {
        // Too large for any number: the reader of its field says so.
        Ok(value) if value.is_finite() => decimal(literal) != decimal(&value.to_string()),
        _ => false,
    }
}

/// A decimal as (negative, significant digits, power of ten), so that `10.50`, `1.05e1` and
/// `10.5` compare equal; `None` when it is not a decimal.
fn decimal(text: &str) -> Option<(bool, String, i64)> {
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exponent) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i64>().ok()?),
        None => (text, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if !whole
        .bytes()
        .chain(fraction.bytes())
        .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let digits = format!("{whole}{fraction}");
    let digits = digits.trim_start_matches('0');
    let significant = digits.trim_end_matches('0');
    if significant.is_empty() {
        return Some((false, String::new(), 0));
    }
    let power = exponent - fraction.len() as i64 + (digits.len() - significant.len()) as i64;
    Some((negative, significant.to_string(), power))
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

/// A scenario and the name it was found under.
#[derive(Debug, Clone)]
pub struct LoadedScenario {
    /// The bundled name, or the path as given.
    pub name: String,
    pub scenario: Scenario,
}

/// Finds a scenario by bundled name or path. A bare word (no `/`, no `.`) is a bundled name;
/// anything else is a path, so `eslab run ./bob` always means the file.
pub fn load(name_or_path: &str) -> anyhow::Result<LoadedScenario> {
    if is_bundled_name(name_or_path) {
        let text = bundled(name_or_path)?;
        let scenario = Scenario::from_json(&format!("bundled scenario `{name_or_path}`"), text)?;
        return Ok(LoadedScenario {
            name: name_or_path.to_string(),
            scenario,
        });
    }
    let text = read_file(Path::new(name_or_path))?;
    let scenario = Scenario::from_json(name_or_path, &text)?;
    Ok(LoadedScenario {
        name: name_or_path.to_string(),
        scenario,
    })
}

fn is_bundled_name(name_or_path: &str) -> bool {
    !name_or_path.is_empty() && !name_or_path.contains(['/', '\\', '.'])
}

/// The JSON text of a bundled scenario. The error says what the name most likely meant: a
/// file to run, or a bundled name it is close to.
pub fn bundled(name: &str) -> anyhow::Result<&'static str> {
    BUNDLED
        .iter()
        .find(|(bundled, _)| *bundled == name)
        .map(|(_, text)| *text)
        .ok_or_else(|| anyhow::anyhow!("{}", not_bundled(name)))
}

/// Why `name` names no bundled scenario, and what to type instead.
fn not_bundled(name: &str) -> String {
    let names: Vec<&str> = BUNDLED.iter().map(|(name, _)| *name).collect();
    let listed = format!("bundled: {}", names.join(", "));
    if !is_bundled_name(name) {
        let path = Path::new(name);
        // `scenarios/bob.json` is most likely the file of a bundled scenario.
        let stem = path
            .file_stem()
            .and_then(|stem| stem.to_str())
            .filter(|stem| names.contains(stem));
        let show_stem = stem
            .map(|stem| format!("; `eslab show {stem}` prints the bundled `{stem}`"))
            .unwrap_or_default();
        return if path.is_file() {
            format!(
                "`{name}` is a file, not a bundled scenario: run it with `eslab run {name}`, or print it with `cat {name}`{show_stem}"
            )
        } else {
            format!("no bundled scenario named `{name}`, and no such file ({listed}){show_stem}")
        };
    }
    let lowercase = name.to_lowercase();
    let mut close: Vec<(f64, &str)> = names
        .iter()
        .map(|bundled| (strsim::jaro_winkler(&lowercase, bundled), *bundled))
        .filter(|(similarity, _)| *similarity > 0.8)
        .collect();
    close.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut message = format!("no bundled scenario named `{name}`");
    if let Some((_, closest)) = close.first() {
        message.push_str(&format!(": did you mean `{closest}`?"));
    }
    message.push_str(&format!(" ({listed})"));
    let file = [format!("./{name}.json"), format!("./{name}")]
        .into_iter()
        .find(|file| Path::new(file).is_file());
    match file {
        Some(file) => message.push_str(&format!("; to use the file, give its path: {file}")),
        None => message.push_str("; to run a file, give its path (with a `/` or a `.` in it)"),
    }
    message
}

/// Reads a scenario file as UTF-8 text, refusing directories, huge files and other encodings.
pub fn read_file(path: &Path) -> Result<String, ScenarioError> {
    let source = path.display().to_string();
    let error = |position, message: String| ScenarioError {
        source: source.clone(),
        position,
        step: None,
        message,
    };
    let file = std::fs::File::open(path).map_err(|e| error(None, format!("cannot read: {e}")))?;
    let meta = file
        .metadata()
        .map_err(|e| error(None, format!("cannot read: {e}")))?;
    if meta.is_dir() {
        return Err(error(None, "is a directory, not a scenario file".into()));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| error(None, format!("cannot read: {e}")))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(error(
            None,
            format!(
                "is larger than {} MiB: a scenario file is a story, not a data dump",
                MAX_FILE_BYTES / 1024 / 1024
            ),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&valid[line_start..])
            .chars()
            .count()
            + 1;
        let byte = e.as_bytes()[valid.len()];
        error(
            Some((line, column)),
            format!("is not UTF-8 text (byte 0x{byte:02x})"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Scenario, String> {
        Scenario::from_json("test.json", text).map_err(|e| e.to_string())
    }

    #[test]
    fn every_bundled_scenario_parses() {
        for (name, text) in BUNDLED {
            Scenario::from_json(name, text).unwrap_or_else(|e| panic!("{e}"));
        }
    }

    #[test]
    fn a_step_has_one_action_and_an_optional_question_and_note() {
        let scenario = parse(
            r#"{"title": "t", "steps": [
                {"place_order": {"order_id": "A1", "customer": "Bob", "product": "Book", "quantity": 5, "unit_price": 10}, "note": "hi"},
                {"query": {"order_id": "A1"}, "question": "what is kept?"}
            ]}"#,
        )
        .unwrap();
        assert_eq!(scenario.first_event_id, 1);
        assert_eq!(scenario.steps[0].action.name(), "place_order");
        assert_eq!(scenario.steps[0].note.as_deref(), Some("hi"));
        assert_eq!(scenario.steps[0].question, None);
        assert_eq!(scenario.steps[1].action.name(), "query");
        assert_eq!(scenario.steps[1].question.as_deref(), Some("what is kept?"));
        assert_eq!(scenario.steps[1].note, None);
        let twice = parse(
            r#"{"title": "t", "steps": [{"query": {"order_id": "A1"}, "question": "a", "question": "b"}]}"#,
        )
        .unwrap_err();
        assert!(
            format!("{twice:#}").contains("duplicate field `question`"),
            "{twice:#}"
        );
    }

    #[test]
    fn errors_name_the_place_and_the_step() {
        let text = "{\"title\": \"t\", \"steps\": [\n  {\"query\": {\"order_id\": \"A1\"}},\n  {\"pay\": {\"order_id\": \"A1\", \"amount\": 10.123}}\n]}";
        assert_eq!(
            parse(text).unwrap_err(),
            "test.json:3:45: step 2: pay.amount: `10.123` has more than two decimals: amounts are dollars and cents"
        );
    }

    #[test]
    fn unknown_steps_fields_and_double_actions_are_errors() {
        let cases = [
            (
                r#"{"title": "t", "steps": [{"ship": {}}]}"#,
                "step 1: unknown step `ship`",
            ),
            (
                r#"{"title": "t", "steps": [{"query": {"order_id": "A1", "as_off": 3}}]}"#,
                "step 1: query.as_off: unknown field `as_off`",
            ),
            (
                r#"{"title": "t", "steps": [{"query": {"order_id": "A1"}, "cancel": {"order_id": "A1", "reason": "x"}}]}"#,
                "step 1: a step has exactly one action, this one has `query` and `cancel`",
            ),
            (
                r#"{"title": "t", "steps": [{"note": "x"}]}"#,
                "step 1: this step has no action",
            ),
            (
                r#"{"title": "t", "steps": [], "author": "me"}"#,
                "author: unknown field `author`",
            ),
            (r#"{"steps": []}"#, "missing field `title`"),
            (r#"{"title": "t", "steps": []}"#, "at least one step"),
            (
                r#"{"title": "t", "first_event_id": 0, "steps": []}"#,
                "first_event_id must be from 1",
            ),
            (
                r#"{"title": "t", "steps": [{"query": {"order_id": ""}}]}"#,
                "must not be empty",
            ),
            (
                r#"{"title": "t", "steps": [{"query": {"order_id": "A1"}}]} x"#,
                "trailing characters",
            ),
        ];
        for (text, expected) in cases {
            let message = parse(text).unwrap_err();
            assert!(
                message.contains(expected),
                "{message:?} should contain {expected:?}"
            );
        }
    }

    #[test]
    fn not_for_names_known_flags_each_with_a_reason() {
        let scenario = parse(
            r#"{"title": "t", "not_for": {"crud-locking": "it shows CRUD without a version"},
                "steps": [{"query": {"order_id": "A1"}}]}"#,
        )
        .unwrap();
        assert_eq!(
            scenario
                .not_for
                .get(&DesignFlag::CrudLocking)
                .map(String::as_str),
            Some("it shows CRUD without a version")
        );
        assert!(
            parse(r#"{"title": "t", "steps": [{"query": {"order_id": "A1"}}]}"#)
                .unwrap()
                .not_for
                .is_empty()
        );
        let cases = [
            (
                r#"{"title": "t", "not_for": {"locking": "x"}, "steps": [{"query": {"order_id": "A1"}}]}"#,
                "not_for: unknown variant `locking`, expected one of `crud-locking`, `backend-crud`, `backend-es`",
            ),
            (
                r#"{"title": "t", "not_for": ["crud-locking"], "steps": [{"query": {"order_id": "A1"}}]}"#,
                "not_for: invalid type: sequence",
            ),
            (
                r#"{"title": "t", "not_for": {"backend-es": " "}, "steps": [{"query": {"order_id": "A1"}}]}"#,
                "not_for: say why the scenario is not meant for --backend es",
            ),
        ];
        for (text, expected) in cases {
            let message = parse(text).unwrap_err();
            assert!(
                message.contains(expected),
                "{message:?} should contain {expected:?}"
            );
        }
    }

    #[test]
    fn an_event_id_is_expected_of_a_command_that_appends() {
        let step = |step: &str| parse(&format!(r#"{{"title": "t", "steps": [{step}]}}"#));
        let ok = step(
            r#"{"pay": {"order_id": "A1", "amount": 60}, "expect": {"ok": true, "event_id": 2003}}"#,
        )
        .unwrap();
        assert_eq!(ok.steps[0].expect.as_ref().unwrap().event_id, Some(2003));
        for (bad, expected) in [
            (
                r#"{"query": {"order_id": "A1"}, "expect": {"event_id": 1}}"#,
                "`event_id` is for command steps",
            ),
            (
                r#"{"pay": {"order_id": "A1", "amount": 60}, "expect": {"rejected": "x", "event_id": 1}}"#,
                "a rejected command appends no event",
            ),
            (
                r#"{"pay": {"order_id": "A1", "amount": 60}, "expect": {"ok": false, "event_id": 1}}"#,
                "a rejected command appends no event",
            ),
        ] {
            let message = step(bad).unwrap_err();
            assert!(
                message.contains(expected),
                "{message:?} should contain {expected:?}"
            );
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let inside =
            format!(r#"{{"title": "t", "steps": [{{"query": {{"order_id": {nested}}}}}]}}"#);
        for text in [nested.as_str(), inside.as_str()] {
            assert!(parse(text).unwrap_err().contains("invalid type: sequence"));
        }
    }

    #[test]
    fn a_number_is_exact_when_it_reads_back_as_written() {
        for exact in [
            "5", "-3", "10.5", "10.50", "1.05e1", "0.1", "1e300", "0.000", "60",
        ] {
            assert!(!inexact(exact), "{exact}");
        }
        for lossy in [
            "10.499999999999999",
            "5.0000000000000001",
            "10.494999999999999",
        ] {
            assert!(inexact(lossy), "{lossy}");
        }
        assert_eq!(decimal("10.50"), decimal("1.05e1"));
        assert_eq!(decimal("0.0"), decimal("0"));
        assert_ne!(decimal("-1"), decimal("1"));
    }

    #[test]
    fn bare_words_are_bundled_names_and_anything_else_is_a_path() {
        assert!(is_bundled_name("bob"));
        assert!(is_bundled_name("lost-update"));
        assert!(!is_bundled_name("./bob"));
        assert!(!is_bundled_name("bob.json"));
        assert!(!is_bundled_name(""));
        assert!(
            load("nonesuch")
                .unwrap_err()
                .to_string()
                .contains("bundled: bob")
        );
    }
}
