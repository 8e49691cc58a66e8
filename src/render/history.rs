//! The state histories' tables: each order's states step by step, per design or both side
//! by side. Read by the run's document, the long run's table and the HTML page (its rows).

use std::collections::BTreeMap;

use super::text::Cell;
use crate::domain::OrderId;
use crate::narrate::{self, Mark};
use crate::service::{Backend, OrderState, Outcome, StorageChange};
use crate::timeline::{Frame, Timeline};
use crate::trace::{BackendHistory, StepRecord};

pub(super) fn history_header(backend: Backend) -> Vec<&'static str> {
    let mut header = vec![
        "Order", "Step", "Status", "Quantity", "Price", "Total", "Paid",
    ];
    header.push(match backend {
        Backend::Crud => "Kept",
        Backend::Es => "Version",
    });
    header
}

pub(super) fn state_row(state: &OrderState) -> Vec<String> {
    let mut row = vec![
        state.status.to_string(),
        state.quantity.to_string(),
        state.unit_price.to_string(),
        state.total.to_string(),
        state.paid.to_string(),
    ];
    if let Some(version) = state.version {
        row.push(version.to_string());
    }
    row
}

/// Both designs' histories as one table, built from the timeline's frames: a row for each
/// order a step changed on either design. Where both hold the same state after the step it
/// is one row, with what each keeps of it (CRUD: overwritten later, or the row now; ES: its
/// version); where they differ, each design's state has a row of its own, event sourcing's
/// second, its step marked ≠. A state event sourcing appended while OrderView was down is
/// in its log all the same: its version is marked ↯.
pub(super) fn merged_history(steps: &[StepRecord]) -> MergedHistory {
    let (orders, view_went_down) = merged_entries(steps);
    let mut rows = Vec::new();
    let mut differ = false;
    for (id, entries) in &orders {
        differ |= push_order_rows(&mut rows, id, entries);
    }
    MergedHistory {
        rows,
        view_went_down,
        differ,
    }
}

/// An order's state on each design right after a step that changed it on either.
struct MergedEntry {
    step: usize,
    crud: Option<OrderState>,
    /// CRUD wrote the order's row at this step.
    crud_changed: bool,
    es: Option<OrderState>,
    /// Event sourcing appended it while OrderView was down.
    es_down: bool,
}

/// Each design's latest state of every order, as the steps go by.
#[derive(Default)]
struct Latest {
    crud: BTreeMap<OrderId, OrderState>,
    es: BTreeMap<OrderId, OrderState>,
}

impl Latest {
    /// Takes in what a step changed (`frame` is its timeline frame), and returns the orders
    /// it touched in the order it touched them, each with whether CRUD wrote its row.
    fn take_step(&mut self, record: &StepRecord, frame: &Frame) -> Vec<(OrderId, bool)> {
        let mut touched: Vec<(OrderId, bool)> = Vec::new();
        if let Some(Outcome::Applied {
            state: Some(state),
            storage: StorageChange::Insert { .. } | StorageChange::Update { .. },
            ..
        }) = record.result(Backend::Crud)
        {
            self.crud.insert(state.order_id.clone(), state.clone());
            touched.push((state.order_id.clone(), true));
        }
        let answered = match record.result(Backend::Es) {
            Some(Outcome::Applied { state, .. }) => state.as_ref(),
            _ => None,
        };
        for appended in &frame.events {
            let id = &appended.event.stream_id;
            let state = appended
                .state
                .clone()
                .or_else(|| answered.filter(|s| &s.order_id == id).cloned());
            if let Some(state) = state {
                self.es.insert(id.clone(), state);
            }
            if !touched.iter().any(|(t, _)| t == id) {
                touched.push((id.clone(), false));
            }
        }
        touched
    }
}

/// Every order's merged entries, orders in the order first touched, and whether event
/// sourcing appended anything while OrderView was down.
fn merged_entries(steps: &[StepRecord]) -> (Vec<(OrderId, Vec<MergedEntry>)>, bool) {
    let mut timeline = Timeline::default();
    let mut latest = Latest::default();
    let mut orders: Vec<(OrderId, Vec<MergedEntry>)> = Vec::new();
    let mut view_went_down = false;
    for record in steps {
        let frame = timeline.push(record);
        let touched = latest.take_step(record, &frame);
        let es_down = frame.view_down && !frame.events.is_empty();
        view_went_down |= es_down;
        for (id, crud_changed) in touched {
            let entry = MergedEntry {
                step: record.step,
                crud: latest.crud.get(&id).cloned(),
                crud_changed,
                es: latest.es.get(&id).cloned(),
                es_down,
            };
            match orders.iter_mut().find(|(o, _)| *o == id) {
                Some((_, entries)) => entries.push(entry),
                None => orders.push((id, vec![entry])),
            }
        }
    }
    (orders, view_went_down)
}

/// A state's cells both designs show (CRUD with --crud-locking keeps a version too; the
/// merged table's last columns say what each keeps instead).
fn state_cells(state: &OrderState) -> Vec<Cell> {
    let mut cells = state_row(state);
    cells.truncate(5);
    cells.into_iter().map(Cell::from).collect()
}

/// What CRUD keeps of an entry's state: nothing new, the row now (`last`: its last write), or
/// a row overwritten later.
fn kept_cell(entry: &MergedEntry, last: bool) -> Cell {
    if !entry.crud_changed {
        Cell::from("")
    } else if last {
        narrate::current_row().into()
    } else {
        Cell::new(narrate::overwritten_row(), Mark::Overwritten)
    }
}

/// Event sourcing's version of a state, marked ↯ when OrderView was down.
fn version_cell(state: &OrderState, es_down: bool) -> Cell {
    let v = state.version.map_or(String::new(), |v| format!("v{v}"));
    if es_down {
        Cell::new(format!("{v} {}", Mark::ViewDown.symbol()), Mark::ViewDown)
    } else {
        v.into()
    }
}

/// One order's rows of the merged table, its id on the first only; true when the designs
/// held different states after one of its steps.
fn push_order_rows(rows: &mut Vec<Vec<Cell>>, id: &OrderId, entries: &[MergedEntry]) -> bool {
    let last_crud = entries.iter().rposition(|e| e.crud_changed);
    let mut first = true;
    let mut differ = false;
    for (i, entry) in entries.iter().enumerate() {
        let kept = kept_cell(entry, Some(i) == last_crud);
        let version = |state: &OrderState| version_cell(state, entry.es_down);
        let mut row = |step: Cell, cells: Vec<Cell>, crud: Cell, es: Cell| {
            let id = if std::mem::take(&mut first) {
                crate::sanitize::clean(id.as_str())
            } else {
                String::new()
            };
            let mut row: Vec<Cell> = vec![id.into(), step];
            row.extend(cells);
            row.extend([crud, es]);
            rows.push(row);
        };
        let step = || Cell::from(entry.step.to_string());
        match (&entry.crud, &entry.es) {
            (Some(a), Some(b)) if state_cells(a) == state_cells(b) => {
                row(step(), state_cells(a), kept, version(b));
            }
            (crud, es) => {
                if let Some(a) = crud {
                    row(step(), state_cells(a), kept, "".into());
                }
                if let Some(b) = es {
                    let step = if crud.is_some() {
                        differ = true;
                        Cell::new(Mark::Differs.symbol(), Mark::Differs)
                    } else {
                        step()
                    };
                    row(step, state_cells(b), "".into(), version(b));
                }
            }
        }
    }
    differ
}

/// Both designs' histories in one table (`merged_history`), and what its caption must say.
pub(super) struct MergedHistory {
    pub rows: Vec<Vec<Cell>>,
    /// A state event sourcing appended while OrderView was down (marked ↯).
    pub view_went_down: bool,
    /// A step after which the designs held different states (marked ≠).
    pub differ: bool,
}

pub(super) fn history_rows(history: &BackendHistory) -> Vec<Vec<Cell>> {
    let mut rows = Vec::new();
    for order in &history.orders {
        for (i, entry) in order.states.iter().enumerate() {
            let id = if i == 0 {
                crate::sanitize::clean(order.order_id.as_str())
            } else {
                String::new()
            };
            let mut row: Vec<Cell> = vec![id.into(), entry.step.to_string().into()];
            match entry.state {
                Some(state) => {
                    let mut cells = state_row(state);
                    // CRUD with --crud-locking keeps a version too; its column says where the
                    // state is instead.
                    cells.truncate(5);
                    row.extend(cells.into_iter().map(Cell::from));
                    row.push(match history.backend {
                        Backend::Es => state
                            .version
                            .map_or(String::new(), |v| v.to_string())
                            .into(),
                        Backend::Crud => {
                            if i + 1 < order.states.len() {
                                Cell::new(narrate::overwritten_row(), Mark::Overwritten)
                            } else {
                                narrate::current_row().into()
                            }
                        }
                    });
                }
                None => {
                    row.push(Cell::new(narrate::view_down_row(), Mark::ViewDown));
                    row.extend((0..5).map(|_| Cell::from("—")));
                }
            }
            rows.push(row);
        }
    }
    rows
}
