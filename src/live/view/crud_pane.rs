//! The CRUD pane: the `orders` table as it stands, a window of rows around the step's order,
//! an overwritten cell old → new, and while travelling, what the table cannot say of the past.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Paragraph};
use textwrap::core::display_width;

use super::{Paint, fit_blocks, focus_order, near};
use crate::live::state::{AddedCell, App};
use crate::narrate::{self, Mark};
use crate::render::stacked::wrap;

/// The CRUD pane's lines: the column names, the rows seen so far (a window around the
/// step's order), and while travelling, what the table cannot say of the past.
pub(super) struct CrudLines {
    head: Line<'static>,
    /// Each row's lines: the row, then the columns a migration added.
    rows: Vec<Vec<Line<'static>>>,
    /// Which of `rows` is the step's order.
    focus: Option<usize>,
    /// Rows seen but left out, too far from the focus to be shown: the table's height counts them.
    unbuilt: usize,
    travel: Vec<Line<'static>>,
}

impl CrudLines {
    /// Borders, the column names, every row and the travel note.
    pub(super) fn height(&self) -> usize {
        let rows = self.rows.iter().map(Vec::len).sum::<usize>() + self.unbuilt;
        3 + rows.max(1) + self.travel.len()
    }

    /// Borders, the column names, the step's row and the travel note.
    pub(super) fn least_height(&self) -> usize {
        let row = self
            .focus
            .and_then(|f| self.rows.get(f))
            .map_or(1, Vec::len);
        3 + row + self.travel.len()
    }
}

/// The CRUD pane's lines, the rows within `reach` of the step's order (or of the last row).
pub(super) fn crud_lines(app: &App, width: usize, reach: usize, paint: &Paint) -> CrudLines {
    let at = app.panes_at();
    let orders = app.frame().map_or(0, |f| f.orders_seen);
    let changed = app.revealed_record().is_some();
    // The orders with a row (a cheap look each), then the rows of those near the focus.
    let held: Vec<usize> = (0..orders)
        .filter(|&order| at.is_some_and(|at| app.model.crud_row(order, at).is_some()))
        .collect();
    let focus_at = focus_order(app).and_then(|order| held.iter().position(|&o| o == order));
    let shown = near(held.len(), focus_at.unwrap_or(usize::MAX), reach);
    let focus = focus_at.map(|f| f - shown.start);
    let unbuilt = held.len() - shown.len();
    // Each cell: its value now and, for the step that overwrote it, the old one.
    let mut table: Vec<Vec<(String, Option<String>)>> = Vec::new();
    let mut extra: Vec<Vec<Line<'static>>> = Vec::new();
    for &order in &held[shown] {
        let Some((now, before, added)) = at.and_then(|at| app.model.crud_row(order, at)) else {
            continue;
        };
        extra.push(added_lines(&added, changed, width, paint));
        let before = before.filter(|_| changed).map(narrate::row_values);
        let cells = narrate::row_values(now)
            .into_iter()
            .enumerate()
            .map(|(i, value)| {
                let old = before
                    .as_ref()
                    .map(|b| b[i].clone())
                    .filter(|o| *o != value);
                (value, old)
            });
        table.push(cells.collect());
    }
    let (head, rows) = table_lines(&table, width, paint);
    // A column a migration added goes under its row, wrapped: the table keeps its width.
    let rows = rows
        .into_iter()
        .zip(extra)
        .map(|(row, extra)| std::iter::once(row).chain(extra).collect())
        .collect();
    let travel = app.cursor.map_or_else(Vec::new, |c| {
        let text = narrate::row_as_of(app.model.log[c].event_id);
        wrap(&text, width)
            .into_iter()
            .map(|t| paint.line(Some(Mark::Cannot), t))
            .collect()
    });
    CrudLines {
        head,
        rows,
        focus,
        unbuilt,
        travel,
    }
}

/// Columns the table leaves out, in this order, when it is wider than its pane: the customer
/// and the product never change once placed (the step line names them), while the columns
/// the lessons overwrite (quantity, total, paid, status) must stay whole.
const LEFT_OUT_FIRST: [&str; 2] = ["product", "customer"];

/// The table's column names and rows in `width` columns, each column as wide as its widest
/// cell; an overwritten cell shows its old value struck through, `→`, and the new one.
fn table_lines(
    table: &[Vec<(String, Option<String>)>],
    width: usize,
    paint: &Paint,
) -> (Line<'static>, Vec<Line<'static>>) {
    let cell_width = |(new, old): &(String, Option<String>)| {
        display_width(new) + old.as_ref().map_or(0, |o| display_width(o) + 3)
    };
    let widths: Vec<usize> = narrate::ROW_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let cells = table.iter().map(|row| cell_width(&row[i]));
            cells.chain([display_width(h)]).max().unwrap_or(0)
        })
        .collect();
    let mut shown: Vec<usize> = (0..widths.len()).collect();
    let wide = |shown: &[usize]| shown.iter().map(|&i| widths[i] + 1).sum::<usize>() - 1;
    for column in LEFT_OUT_FIRST {
        if wide(&shown) <= width {
            break;
        }
        shown.retain(|&i| narrate::ROW_COLUMNS[i] != column);
    }
    let pad = |used: usize, width: usize| " ".repeat(width.saturating_sub(used));
    let head = shown
        .iter()
        .map(|&i| {
            let h = narrate::ROW_COLUMNS[i];
            format!("{h}{}", pad(display_width(h), widths[i]))
        })
        .collect::<Vec<_>>()
        .join(" ");
    let head = Line::styled(head, Style::new().add_modifier(Modifier::BOLD));
    let rows = table
        .iter()
        .map(|row| {
            let mut spans = Vec::new();
            for (n, &i) in shown.iter().enumerate() {
                if n > 0 {
                    spans.push(Span::raw(" "));
                }
                spans.extend(cell_spans(&row[i], paint));
                spans.push(Span::raw(pad(cell_width(&row[i]), widths[i])));
            }
            Line::from(spans)
        })
        .collect();
    (head, rows)
}

/// A row's cells in columns a migration added, one line each under the row: `column:
/// value`, an overwritten one `old → new` once the step is revealed.
fn added_lines(
    added: &[AddedCell],
    changed: bool,
    width: usize,
    paint: &Paint,
) -> Vec<Line<'static>> {
    added
        .iter()
        .flat_map(|cell| {
            let (text, mark) = match cell.old.as_ref().filter(|_| changed) {
                Some(old) => (
                    format!(
                        "  {}: {old} {} {}",
                        cell.column,
                        Mark::Overwritten.symbol(),
                        cell.value
                    ),
                    Some(Mark::Overwritten),
                ),
                None => (format!("  {}: {}", cell.column, cell.value), None),
            };
            wrap(&text, width)
                .into_iter()
                .map(move |t| paint.line(mark, t))
        })
        .collect()
}

fn cell_spans((new, old): &(String, Option<String>), paint: &Paint) -> Vec<Span<'static>> {
    let Some(old) = old else {
        return vec![Span::raw(new.clone())];
    };
    vec![
        Span::styled(
            old.clone(),
            Style::new().add_modifier(Modifier::DIM | Modifier::CROSSED_OUT),
        ),
        Span::styled(
            format!(" {} ", Mark::Overwritten.symbol()),
            paint.mark(Some(Mark::Overwritten)),
        ),
        Span::styled(new.clone(), Style::new().add_modifier(Modifier::BOLD)),
    ]
}

pub(super) fn render_crud(frame: &mut Frame, area: Rect, crud: CrudLines) {
    let block = Block::bordered().title(" CRUD: orders table (the row now) ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let room = (inner.height as usize).saturating_sub(1 + crud.travel.len());
    let mut lines = vec![crud.head];
    lines.extend(fit_blocks(
        crud.rows,
        crud.focus.unwrap_or(usize::MAX),
        room,
    ));
    lines.extend(crud.travel);
    frame.render_widget(Paragraph::new(Text::from(lines)), inner);
}
