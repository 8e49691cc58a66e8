//! The record of a run: what each backend did and answered at each step. The runner writes
//! it; every renderer only reads it; `diff` compares its two sides.
//!
//! Its JSON form is a documented contract (see README): bump `SCHEMA_VERSION` on any change.

use std::collections::HashMap;

use serde::Serialize;

use crate::domain::OrderId;
use crate::domain::Question;
use crate::expect::Failure;
use crate::scenario::{Action, Expect, LoadedScenario};
use crate::service::{Agreement, Backend, OrderState, Outcome, StorageSummary};

/// 2: outcomes are typed facts (a rejection names its rule, a source says where it read),
/// histories show every state answered and the steps the view was down.
/// 3: events carry the shape they were written in (`schema_version`); `deploy` steps, with
/// the outcomes `deployed` and `migrated`; a `not_kept` caveat may name the event `shape`;
/// `snapshot` steps (`snapshot_taken`), and a rebuild says the `snapshot` it started from.
pub const SCHEMA_VERSION: u32 = 3;

#[derive(Debug, Clone, Serialize)]
pub struct Trace {
    pub schema_version: u32,
    pub scenario: ScenarioInfo,
    pub backends: Vec<Backend>,
    pub steps: Vec<StepRecord>,
    pub summary: Summary,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScenarioInfo {
    /// The bundled name or the path given.
    pub name: String,
    pub title: String,
    pub description: Option<String>,
}

impl ScenarioInfo {
    pub fn of(loaded: &LoadedScenario) -> ScenarioInfo {
        ScenarioInfo {
            name: loaded.name.clone(),
            title: loaded.scenario.title.clone(),
            description: loaded.scenario.description.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct StepRecord {
    /// Counted from 1.
    pub step: usize,
    pub action: Action,
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expect: Option<Box<Expect>>,
    /// One per backend run, in the order of `Trace::backends`.
    pub results: Vec<StepResult>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepResult {
    pub backend: Backend,
    #[serde(flatten)]
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub storage: Vec<StorageSummary>,
    /// Question steps in the scenario (query, history, report).
    pub queries: usize,
    /// Whether both backends answered every question both could answer the same; null when
    /// only one ran.
    pub queries_identical: Option<bool>,
    /// Steps where the two backends answered the same thing differently: divergences.
    pub differing_steps: Vec<usize>,
    /// Steps only one backend could answer: gaps, not divergences.
    pub gap_steps: Vec<usize>,
    pub expectations: Expectations,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Expectations {
    /// Expectations checked: one per step with `expect`, per backend that could answer.
    pub checked: usize,
    pub failures: Vec<Failure>,
}

impl StepRecord {
    pub fn result(&self, backend: Backend) -> Option<&Outcome> {
        self.results
            .iter()
            .find(|r| r.backend == backend)
            .map(|r| &r.outcome)
    }

    /// How the two backends' outcomes compare; `NotCompared` when only one ran.
    pub fn agreement(&self) -> Agreement {
        match (self.result(Backend::Crud), self.result(Backend::Es)) {
            (Some(crud), Some(es)) => crud.compare(es),
            _ => Agreement::NotCompared,
        }
    }
}

/// The states one order went through on one design, with the step that produced each.
/// Borrowed from the trace's steps: a history is a view of the run, not a copy of it.
#[derive(Debug, Clone, Serialize)]
pub struct OrderHistory<'a> {
    pub order_id: &'a OrderId,
    pub states: Vec<HistoryEntry<'a>>,
}

/// One state a design answered for an order, or (`state` null, `view_down` true) a step
/// whose command it stored while its read model was down, so it answered no state then.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry<'a> {
    pub step: usize,
    pub state: Option<&'a OrderState>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub view_down: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct BackendHistory<'a> {
    pub backend: Backend,
    /// Orders in the order they first appear.
    pub orders: Vec<OrderHistory<'a>>,
}

impl Trace {
    /// Per design, each order's sequence of states: every state it answered, after a command
    /// or to a query about now, each once (a query answering the state already shown adds
    /// nothing), and the steps it could not answer because its view was down.
    pub fn histories(&self) -> Vec<BackendHistory<'_>> {
        self.backends
            .iter()
            .map(|&backend| {
                let mut orders: Vec<OrderHistory> = Vec::new();
                // Looked up by id; the output follows `orders`, so the map's own order never shows.
                let mut index: HashMap<&OrderId, usize> = HashMap::new();
                for step in &self.steps {
                    let Some(outcome) = step.result(backend) else {
                        continue;
                    };
                    let is_now = match &step.action {
                        Action::Question(Question::Query(query)) => query.as_of.is_none(),
                        Action::Command(_) => true,
                        _ => false,
                    };
                    let (Some(order_id), true) = (step.action.order_id(), is_now) else {
                        continue;
                    };
                    let entry = match outcome {
                        Outcome::Applied {
                            state: Some(state), ..
                        }
                        | Outcome::Answered {
                            state: Some(state), ..
                        } => HistoryEntry {
                            step: step.step,
                            state: Some(state),
                            view_down: false,
                        },
                        Outcome::Applied { state: None, .. } => HistoryEntry {
                            step: step.step,
                            state: None,
                            view_down: true,
                        },
                        _ => continue,
                    };
                    let slot = *index.entry(order_id).or_insert_with(|| {
                        orders.push(OrderHistory {
                            order_id,
                            states: Vec::new(),
                        });
                        orders.len() - 1
                    });
                    let states = &mut orders[slot].states;
                    let repeats = entry.state.is_some()
                        && states
                            .iter()
                            .rev()
                            .find_map(|e| e.state)
                            .is_some_and(|last| Some(last) == entry.state)
                        && states.last().is_some_and(|last| !last.view_down);
                    if !repeats {
                        states.push(entry);
                    }
                }
                BackendHistory { backend, orders }
            })
            .collect()
    }
}
