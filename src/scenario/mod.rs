//! Scenario files: the documented JSON contract (this file's types), how a file is read and
//! checked (`parse`, `text`), where its text comes from (`source`, `bundled`), and its
//! fingerprint.
//!
//! Every error names its file, and where it can, the line, column and step.

mod bundled;
mod expect;
mod fingerprint;
mod parse;
mod reading;
mod source;
mod step;
#[cfg(test)]
mod tests;
mod text;
mod write;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::{Actor, Command, Deploy, OrderId, Timestamp};
use crate::service::Question;

pub use bundled::{BUNDLED, bundled};
pub(crate) use expect::Expect;
pub(crate) use parse::ScenarioError;
pub use source::STREAM_ABOVE_BYTES;
pub(crate) use source::{StepSource, open};
pub use text::read_file;
pub(crate) use write::{Answers, to_json};

/// A scenario file. Read by `parse` (a `DeserializeSeed` that checks as it reads), never by
/// a derived `Deserialize`: the read carries what it knows of the steps' times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    pub title: String,
    pub description: Option<String>,
    /// 1 unless the file says otherwise.
    pub first_event_id: u64,
    /// The flags this scenario was not written for, each with the reason: `eslab run` warns
    /// when run with one of them. Empty for a scenario whose expectations hold under all.
    pub not_for: BTreeMap<DesignFlag, String>,
    /// When the first step happens; each later step happens `STEP_SECONDS` after the one
    /// before, unless it says `at`. Times come from the scenario, never the clock.
    pub start: Timestamp,
    /// Who issues a command that does not say `by`.
    pub by: Actor,
    /// Empty when the scenario was read as a stream (`ScenarioSteps`): each step was handed
    /// on as it was read instead.
    pub steps: Vec<Step>,
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

/// The time of step 1 when a scenario gives no `start`.
pub(crate) const DEFAULT_START: &str = "2026-03-01T09:00:00Z";

/// Who issues a command when neither it nor the scenario says `by`.
pub(crate) const DEFAULT_ACTOR: &str = "clerk";

/// Seconds between one step's default time and the next's.
pub(crate) const STEP_SECONDS: i64 = 60;

pub(crate) fn default_start() -> Timestamp {
    Timestamp::parse(DEFAULT_START).expect("the default start is a time")
}

pub(crate) fn default_actor() -> Actor {
    Actor::new(DEFAULT_ACTOR).expect("the default actor is a name")
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

/// Step `number`'s time when it does not say `at`: the scenario's `start` plus
/// `STEP_SECONDS` per step before it. `None` past the year 9999. The run (`runner::Clock`)
/// and the read that checks a file both use this.
pub(crate) fn step_time(start: Timestamp, number: usize) -> Option<Timestamp> {
    (number as i64 - 1)
        .checked_mul(STEP_SECONDS)
        .and_then(|offset| start.plus_seconds(offset))
}

/// The step names a file may use, in the order the README documents them.
pub(crate) const STEP_NAMES: &[&str] = &[
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
    if bundled::is_bundled_name(name_or_path) {
        let text = bundled(name_or_path)?;
        let scenario = Scenario::from_json(&format!("bundled scenario `{name_or_path}`"), text)?;
        return Ok(LoadedScenario {
            name: name_or_path.to_string(),
            scenario,
        });
    }
    let text = read_file(std::path::Path::new(name_or_path))?;
    let scenario = Scenario::from_json(name_or_path, &text)?;
    Ok(LoadedScenario {
        name: name_or_path.to_string(),
        scenario,
    })
}
