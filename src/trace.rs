//! The record of a run: what each backend did and answered at each step. The runner writes
//! it; every renderer only reads it; `diff` compares its two sides.
//!
//! Its JSON form is a documented contract (see README): bump `SCHEMA_VERSION` on any change.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::domain::OrderId;
use crate::scenario::Action;
use crate::service::{Backend, OrderState, StorageChange, StorageSummary};

pub const SCHEMA_VERSION: u32 = 1;

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

#[derive(Debug, Clone, Serialize)]
pub struct StepRecord {
    /// Counted from 1.
    pub step: usize,
    pub action: Action,
    pub note: Option<String>,
    /// One per backend run, in the order of `Trace::backends`.
    pub results: Vec<StepResult>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepResult {
    pub backend: Backend,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// What one backend did at one step. Only the order the step touched is recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// A command was stored: how, and the order's state the backend then answers.
    Applied {
        storage: StorageChange,
        state: Option<OrderState>,
    },
    /// A command was refused by the rules; nothing was stored.
    Rejected { reason: String },
    /// A query was answered (`state` is null when there is no such order).
    Answered {
        source: String,
        state: Option<OrderState>,
    },
}

impl Outcome {
    /// The state this outcome answers, if it answers one.
    pub fn state(&self) -> Option<&OrderState> {
        match self {
            Outcome::Applied { state, .. } | Outcome::Answered { state, .. } => state.as_ref(),
            Outcome::Rejected { .. } => None,
        }
    }

    /// Whether two backends gave the same answer. How each stored it, and versions that only
    /// one design keeps, are not part of the answer.
    pub fn same_answer(&self, other: &Outcome) -> bool {
        let same_state = |a: Option<&OrderState>, b: Option<&OrderState>| match (a, b) {
            (Some(a), Some(b)) => a.same_answer(b),
            (None, None) => true,
            _ => false,
        };
        match (self, other) {
            (Outcome::Applied { state: a, .. }, Outcome::Applied { state: b, .. })
            | (Outcome::Answered { state: a, .. }, Outcome::Answered { state: b, .. }) => {
                same_state(a.as_ref(), b.as_ref())
            }
            (Outcome::Rejected { reason: a }, Outcome::Rejected { reason: b }) => a == b,
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub storage: Vec<StorageSummary>,
    /// Query steps in the scenario.
    pub queries: usize,
    /// Whether both backends answered every query the same; null when only one ran.
    pub queries_identical: Option<bool>,
    /// Steps where the two backends answered differently (commands and queries).
    pub differing_steps: Vec<usize>,
}

impl StepRecord {
    pub fn result(&self, backend: Backend) -> Option<&Outcome> {
        self.results
            .iter()
            .find(|r| r.backend == backend)
            .map(|r| &r.outcome)
    }

    /// `Some(true)` when both backends ran and answered alike, `None` with one backend.
    pub fn agrees(&self) -> Option<bool> {
        match (self.result(Backend::Crud), self.result(Backend::Es)) {
            (Some(crud), Some(es)) => Some(crud.same_answer(es)),
            _ => None,
        }
    }
}

/// The states one order went through on one backend, with the step that produced each.
#[derive(Debug, Clone, Serialize)]
pub struct OrderHistory {
    pub order_id: OrderId,
    pub states: Vec<HistoryEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    pub step: usize,
    pub state: OrderState,
}

#[derive(Debug, Clone, Serialize)]
pub struct BackendHistory {
    pub backend: Backend,
    /// Orders in the order they first appear.
    pub orders: Vec<OrderHistory>,
}

impl Trace {
    /// Per backend, each order's sequence of states: every state a command left it in.
    pub fn histories(&self) -> Vec<BackendHistory> {
        self.backends
            .iter()
            .map(|&backend| {
                let mut orders: Vec<OrderHistory> = Vec::new();
                let mut index: BTreeMap<&OrderId, usize> = BTreeMap::new();
                for step in &self.steps {
                    let Some(Outcome::Applied {
                        state: Some(state), ..
                    }) = step.result(backend)
                    else {
                        continue;
                    };
                    let slot = *index.entry(&state.order_id).or_insert_with(|| {
                        orders.push(OrderHistory {
                            order_id: state.order_id.clone(),
                            states: Vec::new(),
                        });
                        orders.len() - 1
                    });
                    orders[slot].states.push(HistoryEntry {
                        step: step.step,
                        state: state.clone(),
                    });
                }
                BackendHistory { backend, orders }
            })
            .collect()
    }
}
