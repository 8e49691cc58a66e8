//! The state histories' tables: each order's states step by step, per design or both side
//! by side. Read by the run's document, the long run's table and the HTML page (its rows).

use super::text::Cell;
use crate::narrate::{self, Mark};
use crate::service::{Backend, OrderState};
use crate::trace::BackendHistory;

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

/// Both designs' histories as one table, order by order and step by step: a state both
/// designs answered alike is one row with what each keeps of it (CRUD: overwritten or the
/// row now; ES: its version); a state only one answered, or answered differently, is a row
/// of its own with the other design's column empty.
pub(super) fn merged_history_rows(crud: &BackendHistory, es: &BackendHistory) -> Vec<Vec<Cell>> {
    use std::collections::BTreeMap;
    let mut orders: Vec<&crate::domain::OrderId> = Vec::new();
    for order in crud.orders.iter().chain(&es.orders) {
        if !orders.contains(&order.order_id) {
            orders.push(order.order_id);
        }
    }
    let mut rows = Vec::new();
    for id in orders {
        let crud_states = states_of(crud, id);
        let es_states = states_of(es, id);
        let mut steps: BTreeMap<usize, (Option<usize>, Option<usize>)> = BTreeMap::new();
        for (i, entry) in crud_states.iter().enumerate() {
            steps.entry(entry.step).or_default().0 = Some(i);
        }
        for (i, entry) in es_states.iter().enumerate() {
            steps.entry(entry.step).or_default().1 = Some(i);
        }
        let kept = |i: usize| {
            if i + 1 < crud_states.len() {
                Cell::new(narrate::overwritten_row(), Mark::Overwritten)
            } else {
                narrate::current_row().into()
            }
        };
        let state_cells = |state: &OrderState| {
            let mut cells = state_row(state);
            cells.truncate(5);
            cells.into_iter().map(Cell::from).collect::<Vec<_>>()
        };
        let mut first = true;
        for (step, (c, e)) in steps {
            let mut row = |cells: Vec<Cell>, crud_cell: Cell, es_cell: Cell| {
                let id = if first {
                    crate::sanitize::clean(id.as_str())
                } else {
                    String::new()
                };
                first = false;
                let mut row: Vec<Cell> = vec![id.into(), step.to_string().into()];
                row.extend(cells);
                row.extend([crud_cell, es_cell]);
                rows.push(row);
            };
            let crud_state = c.and_then(|i| crud_states[i].state);
            let es_entry = e.map(|i| &es_states[i]);
            let es_state = es_entry.and_then(|entry| entry.state);
            let version = |state: &OrderState| -> Cell {
                state
                    .version
                    .map_or(String::new(), |v| format!("v{v}"))
                    .into()
            };
            match (crud_state, es_state) {
                (Some(a), Some(b)) if state_cells(a) == state_cells(b) => {
                    row(state_cells(a), kept(c.expect("CRUD answered")), version(b));
                }
                _ => {
                    if let (Some(i), Some(state)) = (c, crud_state) {
                        row(state_cells(state), kept(i), "".into());
                    }
                    match (es_entry, es_state) {
                        (_, Some(state)) => row(state_cells(state), "".into(), version(state)),
                        // The caption says what the mark means; the row stays narrow.
                        (Some(_), None) => row(
                            (0..5).map(|_| Cell::from("")).collect(),
                            "".into(),
                            Cell::new(Mark::ViewDown.symbol(), Mark::ViewDown),
                        ),
                        (None, None) => {}
                    }
                }
            }
        }
    }
    rows
}

fn states_of<'h, 'a>(
    history: &'h BackendHistory<'a>,
    id: &crate::domain::OrderId,
) -> &'h [crate::trace::HistoryEntry<'a>] {
    history
        .orders
        .iter()
        .find(|o| o.order_id == id)
        .map_or(&[][..], |o| &o.states[..])
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
