//! A run of similar steps as one block: what they did, what each design stored over the run,
//! and each order's state after it.

use super::Marked;
use super::columns::design_columns;
use super::place::{place_answer, place_storage, wrap_placed};
use super::step::{both_answered, lay_both, marks_of, step_asks, step_reveals};
use super::wrapping::wrap;
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
    let mut orders: Vec<&crate::domain::OrderId> = Vec::new();
    for step in steps {
        if let Some(id) = step.action.order_id()
            && !orders.contains(&id)
        {
            orders.push(id);
        }
    }
    let ids: Vec<&str> = orders.iter().map(|id| id.as_str()).collect();
    let title = narrate::steps_run_title(first.step, last.step, &first.action, &ids);
    let mut block: Vec<Marked> = wrap(&title, width).into_iter().map(|l| (None, l)).collect();
    let (asks, reveals) = (step_asks(first), step_reveals(first));
    // Each order's state after the run: said once when both designs answered it alike.
    let last_of =
        |id: &crate::domain::OrderId| steps.iter().rev().find(|s| s.action.order_id() == Some(id));
    let both: Vec<Vec<Line>> = orders
        .iter()
        .filter_map(|id| last_of(id))
        .map(|step| both_answered(backends, step))
        .collect();
    let said_once = both.iter().all(|lines| !lines.is_empty());
    let columns: Vec<(Backend, Vec<Line>, Vec<Vec<Line>>)> = backends
        .iter()
        .map(|&backend| {
            let outcomes: Vec<&Outcome> = steps.iter().filter_map(|s| s.result(backend)).collect();
            let answers = if said_once {
                Vec::new()
            } else {
                orders
                    .iter()
                    .filter_map(|id| {
                        let step = last_of(id)?;
                        Some(narrate::answer(&step.action, step.result(backend)?))
                    })
                    .collect()
            };
            (backend, narrate::run_storage(&outcomes), answers)
        })
        .collect();
    let used =
        marks_of(
            asks.iter()
                .chain(columns.iter().flat_map(|(_, storage, answers)| {
                    storage.iter().chain(answers.iter().flatten())
                }))
                .chain(reveals.iter()),
        );
    block.extend(wrap_placed(place_storage(&asks, 0), width));
    block.extend(design_columns(
        columns
            .into_iter()
            .map(|(backend, storage, answers)| {
                (backend, move |depth| {
                    let mut placed = place_storage(&storage, depth);
                    for answer in &answers {
                        placed.extend(place_answer(answer, depth));
                    }
                    placed
                })
            })
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
