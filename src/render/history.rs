//! The state histories' tables: each order's states step by step, per design or both side
//! by side. Read by the run's document, the long run's table and the HTML page (its rows).

use std::collections::BTreeMap;

use super::text::Cell;
use crate::domain::OrderId;
use crate::narrate::{self, Mark};
use crate::service::{Backend, OrderState, Outcome, StorageChange};
use crate::timeline::Timeline;
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
    struct Entry {
        step: usize,
        crud: Option<OrderState>,
        crud_changed: bool,
        es: Option<OrderState>,
        es_down: bool,
    }
    let mut timeline = Timeline::default();
    let mut orders: Vec<(OrderId, Vec<Entry>)> = Vec::new();
    let mut crud_now: BTreeMap<OrderId, OrderState> = BTreeMap::new();
    let mut es_now: BTreeMap<OrderId, OrderState> = BTreeMap::new();
    let mut view_went_down = false;
    for record in steps {
        let frame = timeline.push(record);
        let mut touched: Vec<(OrderId, bool)> = Vec::new();
        if let Some(Outcome::Applied {
            state: Some(state),
            storage: StorageChange::Insert { .. } | StorageChange::Update { .. },
            ..
        }) = record.result(Backend::Crud)
        {
            crud_now.insert(state.order_id.clone(), state.clone());
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
                es_now.insert(id.clone(), state);
            }
            if !touched.iter().any(|(t, _)| t == id) {
                touched.push((id.clone(), false));
            }
        }
        let es_down = frame.view_down && !frame.events.is_empty();
        view_went_down |= es_down;
        for (id, crud_changed) in touched {
            let entry = Entry {
                step: record.step,
                crud: crud_now.get(&id).cloned(),
                crud_changed,
                es: es_now.get(&id).cloned(),
                es_down,
            };
            match orders.iter_mut().find(|(o, _)| *o == id) {
                Some((_, entries)) => entries.push(entry),
                None => orders.push((id, vec![entry])),
            }
        }
    }
    let state_cells = |state: &OrderState| -> Vec<Cell> {
        let mut cells = state_row(state);
        cells.truncate(5);
        cells.into_iter().map(Cell::from).collect()
    };
    let mut rows = Vec::new();
    let mut differ = false;
    for (id, entries) in &orders {
        let last_crud = entries.iter().rposition(|e| e.crud_changed);
        let mut first = true;
        for (i, entry) in entries.iter().enumerate() {
            let kept = if !entry.crud_changed {
                Cell::from("")
            } else if Some(i) == last_crud {
                narrate::current_row().into()
            } else {
                Cell::new(narrate::overwritten_row(), Mark::Overwritten)
            };
            let version = |state: &OrderState| -> Cell {
                let v = state.version.map_or(String::new(), |v| format!("v{v}"));
                if entry.es_down {
                    Cell::new(format!("{v} {}", Mark::ViewDown.symbol()), Mark::ViewDown)
                } else {
                    v.into()
                }
            };
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
    }
    MergedHistory {
        rows,
        view_went_down,
        differ,
    }
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
