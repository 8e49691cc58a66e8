//! A run of similar steps as one block: what each design stored over it, each order after it.

use super::Marked;
use super::columns::design_columns;
use super::place::{Placed, place_answer, place_storage, wrap_placed};
use super::step::{both_answered, lay_both, marks_of, step_asks, step_reveals};
use super::wrapping::wrap;
use crate::domain::OrderId;
use crate::narrate::{self, Line, Mark};
use crate::service::{Backend, Outcome};
use crate::trace::StepRecord;

/// A run of similar steps (`steps`, two or more) as one block: what they did, the first
/// one's note, what each design stored over the run, and each order's state after it.
pub(crate) fn steps_run_block(
    backends: &[Backend],
    steps: &[StepRecord],
    width: usize,
    headings: bool,
) -> (Vec<Marked>, Vec<Mark>) {
    let (Some(first), Some(last)) = (steps.first(), steps.last()) else {
        return Default::default();
    };
    let orders = run_orders(steps);
    let ids: Vec<&str> = orders.iter().map(|id| id.as_str()).collect();
    let title = narrate::steps_run_title(first.step, last.step, &first.action, &ids);
    let mut block: Vec<Marked> = wrap(&title, width).into_iter().map(|l| (None, l)).collect();
    let (asks, reveals) = (step_asks(first), step_reveals(first));
    // Each order's state after the run: said once when both designs answered it alike.
    let both: Vec<Vec<Line>> = orders
        .iter()
        .filter_map(|id| last_of(steps, id))
        .map(|step| both_answered(backends, step))
        .collect();
    let said_once = both.iter().all(|lines| !lines.is_empty());
    let columns: Vec<RunColumn> = backends
        .iter()
        .map(|&backend| RunColumn::new(backend, steps, &orders, said_once))
        .collect();
    let used = marks_of(
        asks.iter()
            .chain(columns.iter().flat_map(RunColumn::lines))
            .chain(reveals.iter()),
    );
    block.extend(wrap_placed(place_storage(&asks, 0), width));
    block.extend(design_columns(
        columns
            .into_iter()
            .map(|column| (column.backend, move |depth| column.place(depth)))
            .collect(),
        width,
        headings,
    ));
    if said_once {
        for lines in &both {
            block.extend(lay_both(lines, width));
        }
    }
    block.extend(wrap_placed(place_storage(&reveals, 0), width));
    (block, used)
}

/// The orders a run of steps acted on, each once, in the order it first came.
fn run_orders(steps: &[StepRecord]) -> Vec<&OrderId> {
    let mut orders: Vec<&OrderId> = Vec::new();
    for step in steps {
        if let Some(id) = step.action.order_id()
            && !orders.contains(&id)
        {
            orders.push(id);
        }
    }
    orders
}

/// The run's last step on an order.
fn last_of<'s>(steps: &'s [StepRecord], id: &OrderId) -> Option<&'s StepRecord> {
    steps.iter().rev().find(|s| s.action.order_id() == Some(id))
}

/// A design's column over a run: what it stored over the whole run, then what it answered
/// of each order after it (left out when both designs' answers are said once, under both).
struct RunColumn {
    backend: Backend,
    storage: Vec<Line>,
    answers: Vec<Vec<Line>>,
}

impl RunColumn {
    fn new(backend: Backend, steps: &[StepRecord], orders: &[&OrderId], said_once: bool) -> Self {
        let outcomes: Vec<&Outcome> = steps.iter().filter_map(|s| s.result(backend)).collect();
        let answers = if said_once {
            Vec::new()
        } else {
            orders
                .iter()
                .filter_map(|id| {
                    let step = last_of(steps, id)?;
                    Some(narrate::answer(&step.action, step.result(backend)?))
                })
                .collect()
        };
        RunColumn {
            backend,
            storage: narrate::run_storage(&outcomes),
            answers,
        }
    }

    /// Its lines, in the order the column shows them.
    fn lines(&self) -> impl Iterator<Item = &Line> {
        self.storage.iter().chain(self.answers.iter().flatten())
    }

    /// The column laid out at `depth`.
    fn place(self, depth: usize) -> Vec<Placed> {
        let mut placed = place_storage(&self.storage, depth);
        for answer in &self.answers {
            placed.extend(place_answer(answer, depth));
        }
        placed
    }
}
