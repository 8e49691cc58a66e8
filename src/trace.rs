//! The record of a run: what each backend did and answered at each step. The runner writes
//! it; every renderer only reads it; `diff` compares its two sides.
//!
//! Its JSON form is a documented contract (see README): bump `SCHEMA_VERSION` on any change.

use std::collections::HashMap;

use serde::Serialize;

use crate::domain::OrderId;
use crate::domain::Question;
use crate::expect::{Checked, Failure};
use crate::scenario::{Action, Expect, LoadedScenario, Scenario};
use crate::service::{Agreement, Backend, OrderState, Outcome, StorageSummary};

/// 2: outcomes are typed facts (a rejection names its rule, a source says where it read),
/// histories show every state answered and the steps the view was down.
/// 3: events carry the shape they were written in (`schema_version`); `deploy` steps, with
/// the outcomes `deployed` and `migrated`; a `not_kept` caveat may name the event `shape`;
/// `snapshot` steps (`snapshot_taken`), and a rebuild says the `snapshot` it started from.
/// 4: a `report` step may `define` its own read model: any name, CRUD's `sql` source gives
/// its `query`, and CRUD may be unable (`events_not_kept`, `field_overwritten`,
/// `no_event_order`).
/// 5: who and when: an event may carry `metadata` (`recorded_at`, `actor`, `causation_id`,
/// `correlation_id`); CRUD's `history_not_kept` may say the row's `last_write` (`at`, `by`).
/// 6: an update's `changes` list `updated_by` and `updated_at` where the command overwrote
/// who last wrote the row, or when.
pub const SCHEMA_VERSION: u32 = 6;

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
        ScenarioInfo::new(&loaded.name, &loaded.scenario)
    }

    pub fn new(name: &str, scenario: &Scenario) -> ScenarioInfo {
        ScenarioInfo {
            name: name.to_string(),
            title: scenario.title.clone(),
            description: scenario.description.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct StepRecord {
    /// Counted from 1.
    pub step: usize,
    pub action: Action,
    /// Asked before the step's outcome is shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expect: Option<Box<Expect>>,
    /// One per backend run, in the order of `Trace::backends`.
    pub results: Vec<StepResult>,
    /// Whether the scenario teaches who and when (it names who issues its commands, or a
    /// step so far said `by` or `at`): only then do the words say who wrote a row or an
    /// event, and when. The facts keep them always (the JSON's metadata and changes).
    #[serde(skip)]
    pub who_and_when: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepResult {
    pub backend: Backend,
    #[serde(flatten)]
    pub outcome: Outcome,
    /// The step's `expect` checked against this outcome, once, by the runner; `None` when
    /// the step expects nothing. Every view reads it here; the JSON lists the failures in
    /// its summary instead.
    #[serde(skip)]
    pub verdict: Option<Checked>,
}

#[derive(Debug, Clone, Default, Serialize)]
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
    /// Steps run. The counts below are for the summary's words, not the JSON.
    #[serde(skip)]
    pub steps: usize,
    /// Steps both designs answered, so that their answers could be compared.
    #[serde(skip)]
    pub steps_compared: usize,
    /// Question steps both designs answered.
    #[serde(skip)]
    pub questions_compared: usize,
    /// An earlier run did every command (a run carried on): only questions were asked again.
    #[serde(skip)]
    pub nothing_left: bool,
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

    /// The expectations that failed on `backend` at this step.
    pub fn failures(&self, backend: Backend) -> &[Failure] {
        self.results
            .iter()
            .find(|r| r.backend == backend)
            .and_then(|r| r.verdict.as_ref())
            .map_or(&[], |v| &v.failures[..])
    }

    /// Whether the step's expectation was checked on some design and held on every one.
    pub fn expectation_held(&self) -> bool {
        let verdicts = self.results.iter().filter_map(|r| r.verdict.as_ref());
        verdicts.clone().any(|v| v.checked) && verdicts.into_iter().all(|v| v.failures.is_empty())
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

/// The entry a step adds to an order's history on one design, if any: the state it answered
/// after a command or to a query about now, or, for a command stored while its view was
/// down, a `view_down` entry with no state.
pub(crate) fn history_entry(
    step: &StepRecord,
    backend: Backend,
) -> Option<(&OrderId, HistoryEntry<'_>)> {
    let outcome = step.result(backend)?;
    let is_now = match &step.action {
        Action::Question(Question::Query(query)) => query.as_of.is_none(),
        Action::Command(_) => true,
        _ => false,
    };
    let order_id = step.action.order_id().filter(|_| is_now)?;
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
        _ => return None,
    };
    Some((order_id, entry))
}

/// Whether `entry` only repeats what the history already shows: the same state as its last,
/// with the view up since.
/// `last` and `state` are what identifies a state: the state itself in memory, a hash of its
/// JSON in a spill.
pub(crate) fn repeats<S: PartialEq>(last: Option<(S, bool)>, state: Option<S>) -> bool {
    match (last, state) {
        (Some((last_state, last_view_down)), Some(state)) => !last_view_down && last_state == state,
        _ => false,
    }
}

impl Trace {
    /// The steps whose outcomes compare as `agreement`.
    pub fn steps_where(&self, agreement: Agreement) -> Vec<&StepRecord> {
        self.steps
            .iter()
            .filter(|s| s.agreement() == agreement)
            .collect()
    }

    /// Per design, each order's sequence of states (see `history_entry`), each once.
    pub fn histories(&self) -> Vec<BackendHistory<'_>> {
        self.backends
            .iter()
            .map(|&backend| {
                let mut orders: Vec<OrderHistory> = Vec::new();
                // Looked up by id; the output follows `orders`, so the map's own order never shows.
                let mut index: HashMap<&OrderId, usize> = HashMap::new();
                for step in &self.steps {
                    let Some((order_id, entry)) = history_entry(step, backend) else {
                        continue;
                    };
                    let slot = *index.entry(order_id).or_insert_with(|| {
                        orders.push(OrderHistory {
                            order_id,
                            states: Vec::new(),
                        });
                        orders.len() - 1
                    });
                    let states = &mut orders[slot].states;
                    let last_state = states.iter().rev().find_map(|e| e.state);
                    let last = last_state.zip(states.last().map(|e| e.view_down));
                    if !repeats(last, entry.state) {
                        states.push(entry);
                    }
                }
                BackendHistory { backend, orders }
            })
            .collect()
    }
}

/// The state histories of a run too long to keep: each entry is written to a temporary
/// SQLite database as its step is done, and read back, order by order, at the end. Memory
/// grows with the orders (each one's last state), not with the steps.
pub struct HistorySpill {
    db: rusqlite::Connection,
    /// Per design (`Backend as usize`) and order: when it first appeared, its entries so far,
    /// its last state and whether its last entry was a view-down one.
    orders: [HashMap<OrderId, SpilledOrder>; 2],
    /// Orders seen so far, on both designs: the next one's `first_seen`.
    seen: usize,
    /// A state's JSON, written here for each entry (kept between entries).
    state: Vec<u8>,
}

struct SpilledOrder {
    first_seen: usize,
    entries: usize,
    /// A hash of the last state written (its JSON), to tell a repeat: 8 bytes an order
    /// instead of the state itself.
    last_state: Option<u64>,
    last_view_down: bool,
}

/// One order's history as read back from a spill.
#[derive(Debug, Clone, Serialize)]
pub struct SpilledHistory {
    pub order_id: OrderId,
    pub states: Vec<SpilledEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SpilledEntry {
    pub step: usize,
    pub state: Option<OrderState>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub view_down: bool,
}

impl HistorySpill {
    pub fn new() -> anyhow::Result<HistorySpill> {
        // An empty name: SQLite's private temporary database, on disk, deleted on close.
        let db = rusqlite::Connection::open("")?;
        db.execute_batch(
            "PRAGMA cache_size = -2048;
             CREATE TABLE history (
                 backend INTEGER NOT NULL, first_seen INTEGER NOT NULL, seq INTEGER NOT NULL,
                 order_id TEXT NOT NULL, step INTEGER NOT NULL, state TEXT, view_down INTEGER NOT NULL
             );
             BEGIN;",
        )?;
        Ok(HistorySpill {
            db,
            orders: [HashMap::new(), HashMap::new()],
            seen: 0,
            state: Vec::new(),
        })
    }

    /// Adds what one step adds to the histories of `backends`.
    pub fn add(&mut self, step: &StepRecord, backends: &[Backend]) -> anyhow::Result<()> {
        for &backend in backends {
            let Some((order_id, entry)) = history_entry(step, backend) else {
                continue;
            };
            let orders = &mut self.orders[backend as usize];
            let order = match orders.get_mut(order_id) {
                Some(order) => order,
                None => {
                    self.seen += 1;
                    orders.entry(order_id.clone()).or_insert(SpilledOrder {
                        first_seen: self.seen - 1,
                        entries: 0,
                        last_state: None,
                        last_view_down: false,
                    })
                }
            };
            let state = match entry.state {
                Some(state) => {
                    self.state.clear();
                    serde_json::to_writer(&mut self.state, state)?;
                    Some(std::str::from_utf8(&self.state)?)
                }
                None => None,
            };
            let hash = state.map(|json| {
                // SipHash with its fixed keys: the same run gives the same hashes.
                let mut hasher = std::hash::DefaultHasher::new();
                std::hash::Hash::hash(json, &mut hasher);
                std::hash::Hasher::finish(&hasher)
            });
            if repeats(order.last_state.map(|h| (h, order.last_view_down)), hash) {
                continue;
            }
            self.db
                .prepare_cached("INSERT INTO history VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?
                .execute(rusqlite::params![
                    backend as i64,
                    order.first_seen as i64,
                    order.entries as i64,
                    order_id.as_str(),
                    entry.step as i64,
                    state,
                    entry.view_down,
                ])?;
            order.entries += 1;
            if hash.is_some() {
                order.last_state = hash;
            }
            order.last_view_down = entry.view_down;
        }
        Ok(())
    }

    /// Calls `each` with the histories of `backend`'s orders, in the order they first
    /// appeared, up to `limit` orders. Returns how many orders the design has in all.
    pub fn for_each_order(
        &self,
        backend: Backend,
        limit: Option<usize>,
        mut each: impl FnMut(SpilledHistory) -> anyhow::Result<()>,
    ) -> anyhow::Result<usize> {
        let mut current: Option<SpilledHistory> = None;
        let orders = self.for_each_entry(backend, limit, |row| {
            if row.first
                && let Some(done) = current.take()
            {
                each(done)?;
            }
            let history = match &mut current {
                Some(history) => history,
                None => current.insert(SpilledHistory {
                    order_id: OrderId::new(row.order_id).map_err(anyhow::Error::msg)?,
                    states: Vec::new(),
                }),
            };
            history.states.push(SpilledEntry {
                step: row.step,
                state: row.state.map(serde_json::from_str).transpose()?,
                view_down: row.view_down,
            });
            Ok(())
        })?;
        if let Some(done) = current {
            each(done)?;
        }
        Ok(orders)
    }

    /// Calls `each` with the compact JSON of every history `for_each_order` gives (the bytes
    /// `serde_json::to_vec` gives a `SpilledHistory`), written from the spilled states' own
    /// JSON: a long run's histories are written out without parsing a state back.
    pub fn for_each_order_json(
        &self,
        backend: Backend,
        mut each: impl FnMut(&[u8]) -> anyhow::Result<()>,
    ) -> anyhow::Result<usize> {
        use std::io::Write;
        let mut json: Vec<u8> = Vec::new();
        let orders = self.for_each_entry(backend, None, |row| {
            if row.first {
                if !json.is_empty() {
                    json.extend_from_slice(b"]}");
                    each(&json)?;
                    json.clear();
                }
                json.extend_from_slice(b"{\"order_id\":");
                serde_json::to_writer(&mut json, row.order_id)?;
                json.extend_from_slice(b",\"states\":[");
            } else {
                json.push(b',');
            }
            write!(json, "{{\"step\":{},\"state\":", row.step)?;
            json.extend_from_slice(row.state.unwrap_or("null").as_bytes());
            if row.view_down {
                json.extend_from_slice(b",\"view_down\":true");
            }
            json.push(b'}');
            Ok(())
        })?;
        if !json.is_empty() {
            json.extend_from_slice(b"]}");
            each(&json)?;
        }
        Ok(orders)
    }

    /// Calls `each` with every entry spilled for `backend`, order by order in the order they
    /// first appeared, each order's in the order its steps ran, up to `limit` orders. Returns
    /// how many orders the design has in all.
    fn for_each_entry(
        &self,
        backend: Backend,
        limit: Option<usize>,
        mut each: impl FnMut(SpilledRow<'_>) -> anyhow::Result<()>,
    ) -> anyhow::Result<usize> {
        // Entries go in in the order steps ran, each at the end of the table (an index kept
        // while writing would touch a page per order and step); the order they are read in is
        // indexed once, by a sort, when they are first read.
        self.db.execute_batch(
            "CREATE INDEX IF NOT EXISTS history_by_order ON history (backend, first_seen, seq)",
        )?;
        let mut select = self.db.prepare_cached(
            "SELECT first_seen, order_id, step, state, view_down FROM history
             WHERE backend = ?1 ORDER BY first_seen, seq",
        )?;
        let mut rows = select.query([backend as i64])?;
        let mut current: Option<i64> = None;
        let mut started = 0;
        while let Some(row) = rows.next()? {
            let first_seen: i64 = row.get(0)?;
            let first = current != Some(first_seen);
            if first {
                if limit.is_some_and(|limit| started >= limit) {
                    break;
                }
                started += 1;
                current = Some(first_seen);
            }
            each(SpilledRow {
                first,
                order_id: row.get_ref(1)?.as_str()?,
                step: row.get::<_, i64>(2)? as usize,
                state: row.get_ref(3)?.as_str_or_null()?,
                view_down: row.get(4)?,
            })?;
        }
        Ok(self.orders[backend as usize].len())
    }
}

/// One entry as read back from a spill, borrowed from its row.
struct SpilledRow<'r> {
    /// Whether it is its order's first.
    first: bool,
    order_id: &'r str,
    step: usize,
    /// The state's JSON, as serde_json wrote it.
    state: Option<&'r str>,
    view_down: bool,
}
