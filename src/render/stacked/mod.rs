//! The stacked layout: each step one block that fits the width. The step and its note at full
//! width, then what each design stored and answered, side by side when there is room and one
//! under the other when not. Text wraps at spaces only, so an identifier (`NewOrderEvent`,
//! `change_quantity`, `revenue-per-customer`) or an amount is never broken inside, unless a
//! single word is wider than the whole column. `eslab live` prints the same blocks.

mod columns;
mod place;
mod step;
mod steps_run;
mod table;
mod wrapping;

use crate::narrate::Mark;

pub use step::design_pane;
pub(crate) use step::{
    action_title, marked_step_block_with, step_about, step_asks, step_beats, step_block,
    step_reveals, step_title,
};
pub(crate) use steps_run::steps_run_block;
pub(crate) use table::table;
pub(crate) use wrapping::pack_parts;
pub use wrapping::wrap;

/// One line of a block and the mark that colours it.
pub(crate) type Marked = (Option<Mark>, String);

/// A block as text, one line each.
pub(crate) fn block_text(block: &[Marked]) -> String {
    let mut out = String::new();
    for (_, line) in block {
        out.push_str(line);
        out.push('\n');
    }
    out
}
