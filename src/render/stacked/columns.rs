//! The designs' columns of a block: side by side when there is room, else one under the other.

use textwrap::core::display_width;

use super::Marked;
use super::place::{Placed, wrap_placed};
use crate::narrate::{self, Mark};
use crate::service::Backend;

/// Below this many columns per design, the designs are shown one under the other.
const MIN_COLUMN: usize = 30;
const SEPARATOR: &str = " │ ";

/// The designs' columns, side by side when each gets `MIN_COLUMN` or more, else one under
/// the other (each then under its heading, always); `place` lays a column out at a depth.
pub(super) fn design_columns<F: FnOnce(usize) -> Vec<Placed>>(
    columns: Vec<(Backend, F)>,
    width: usize,
    headings: bool,
) -> Vec<Marked> {
    let n = columns.len();
    let side_by_side = n > 1 && (width.saturating_sub(SEPARATOR.len() * (n - 1))) / n >= MIN_COLUMN;
    let mut block = Vec::new();
    if side_by_side {
        let column = (width - display_width(SEPARATOR) * (n - 1)) / n;
        let wrapped: Vec<Vec<Marked>> = columns
            .into_iter()
            .map(|(backend, place)| {
                let mut col = Vec::new();
                if headings {
                    col.push((None, narrate::design_heading(backend).to_string()));
                }
                col.extend(wrap_placed(place(0), column));
                col
            })
            .collect();
        block.extend(side_by_side_rows(&wrapped, column));
    } else {
        for (backend, place) in columns {
            block.push((None, narrate::design_heading(backend).to_string()));
            block.extend(wrap_placed(place(2), width));
        }
    }
    block
}

/// Columns set side by side, `column` wide each; a row is coloured only when every cell in
/// it carries the same mark.
fn side_by_side_rows(wrapped: &[Vec<Marked>], column: usize) -> Vec<Marked> {
    let n = wrapped.len();
    let height = wrapped.iter().map(Vec::len).max().unwrap_or(0);
    let mut rows = Vec::with_capacity(height);
    for row in 0..height {
        let mut text = String::new();
        let mut marks: Vec<Option<Mark>> = Vec::new();
        for (i, col) in wrapped.iter().enumerate() {
            let (m, cell) = col.get(row).cloned().unwrap_or((None, String::new()));
            if !cell.is_empty() {
                marks.push(m);
            }
            if i > 0 {
                text.push_str(SEPARATOR);
            }
            text.push_str(&cell);
            if i + 1 < n {
                text.push_str(&" ".repeat(column.saturating_sub(display_width(&cell))));
            }
        }
        let mark = match marks.split_first() {
            Some((first, rest)) if rest.iter().all(|m| m == first) => *first,
            _ => None,
        };
        rows.push((mark, text.trim_end().to_string()));
    }
    rows
}
