//! State → screen: the header (title, step n / N, the note in full), the CRUD pane (the
//! `orders` table now, one line per row, an overwritten value old → new for its step), the
//! event-sourcing panes (the log as it grows, this step's events marked `+`, and OrderView),
//! what each design did at this step, and the footer. Every word comes from `narrate`.
//!
//! This file lays the screen out and holds what the parts share (colours by mark, the order
//! in focus, blocks fitted to their room); each part is drawn by its own file: `bars` (the
//! header and footer), `crud_pane`, `es_panes` (the log and OrderView), `step_panes` (what
//! each design did) and `popup` (the help and the legend, over everything).

mod bars;
mod crud_pane;
mod es_panes;
mod popup;
mod step_panes;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use self::bars::{footer, header};
use self::crud_pane::{CrudLines, crud_lines, render_crud};
use self::es_panes::EsPanes;
use self::popup::{HELP_TITLE, LEGEND_TITLE, help_text, render_popup};
use self::step_panes::{StepSides, render_step, step_lines};
use super::state::{App, Mode};
use crate::narrate::{self, Mark};

/// Draws the whole screen. `color` is decided once (NO_COLOR, TERM=dumb, --color).
pub fn render(app: &App, frame: &mut Frame, color: bool) {
    let area = frame.area();
    let paint = Paint { color };
    let width = area.width as usize;
    let header = header(app, width, &paint);
    let footer = footer(app, width, &paint);
    let [head, body, foot] = Layout::vertical([
        Constraint::Length(header.height() as u16),
        Constraint::Min(0),
        Constraint::Length(footer.height() as u16),
    ])
    .areas(area);
    // No pane shows more lines than the screen has, so none needs more blocks than that on
    // either side of its focus: a long run draws as fast as a short one.
    let reach = area.height as usize;
    let crud = crud_lines(app, width.saturating_sub(2), reach, &paint);
    let es = EsPanes::of(app, width, reach, &paint);
    let step = step_lines(app, (width.saturating_sub(3) / 2).max(1), &paint);
    let [crud_area, es_area, step_area] = body_areas(body, &crud, &es, step.as_ref());
    frame.render_widget(Paragraph::new(header), head);
    render_crud(frame, crud_area, crud);
    es.render(frame, es_area);
    if let Some(step) = step {
        render_step(app, frame, step_area, step);
    }
    frame.render_widget(Paragraph::new(footer), foot);
    match app.mode {
        Mode::Help => render_popup(frame, area, HELP_TITLE, &help_text()),
        Mode::Legend => render_popup(frame, area, LEGEND_TITLE, narrate::LEGEND),
        _ => {}
    }
}

/// The body's three bands: the CRUD table, the log and OrderView, and what each design did
/// at this step. What must be seen whole comes first: this step's answers (at the bottom of
/// the step panes), the event selected and the order it concerns, and the order's row; the
/// rest of each band is shown as room allows.
fn body_areas(body: Rect, crud: &CrudLines, es: &EsPanes, step: Option<&StepSides>) -> [Rect; 3] {
    let room = body.height as usize;
    let es_min = es.least_height();
    let crud_min = crud.least_height();
    let step_need = step.map_or(0, |s| 2 + s.0.len().max(s.1.len()));
    let step_height = step_need
        .min(room.saturating_sub(crud_min + es_min))
        .max(step_need.min(4));
    let crud_height = crud
        .height()
        .min(room.saturating_sub(step_height + es_min))
        .max(crud_min.min(room.saturating_sub(step_height)));
    Layout::vertical([
        Constraint::Length(crud_height as u16),
        Constraint::Min(0),
        Constraint::Length(step_height as u16),
    ])
    .areas(body)
}

/// Colours by mark, or none at all.
struct Paint {
    color: bool,
}

impl Paint {
    fn mark(&self, mark: Option<Mark>) -> Style {
        match mark {
            Some(mark) if self.color => Style::new().fg(mark_color(mark)),
            _ => Style::new(),
        }
    }

    fn line(&self, mark: Option<Mark>, text: String) -> Line<'static> {
        Line::styled(text, self.mark(mark))
    }
}

/// The same colour per mark as the tables (`render::doc::mark_color`): the base eight colours.
fn mark_color(mark: Mark) -> Color {
    match mark {
        Mark::Appended | Mark::Held => Color::Green,
        Mark::Overwritten => Color::Yellow,
        Mark::Rejected | Mark::Failed | Mark::Differs => Color::Red,
        Mark::Cannot => Color::Magenta,
        Mark::ViewDown | Mark::ViewBack => Color::Cyan,
    }
}

/// The order a step concerns, as an index into `Model::orders`.
fn order_of(app: &App, action: &crate::scenario::Action) -> Option<usize> {
    action.order_id().and_then(|id| app.model.order_index(id))
}

/// The order the screen is about: the one the selected event belongs to, or the step's.
fn focus_order(app: &App) -> Option<usize> {
    if let Some(c) = app.cursor {
        return app.model.order_index(&app.model.log[c].stream_id);
    }
    match (app.asked(), app.record()) {
        (Some(asked), _) => order_of(app, asked.action),
        (None, Some(record)) => order_of(app, &record.action),
        _ => None,
    }
}

/// The positions `0..len` a pane builds blocks for: `focus` and up to `reach` on each side
/// (every block is at least a line, so `fit_blocks` never reaches further). A `focus` past
/// the end stands for the last position.
fn near(len: usize, focus: usize, reach: usize) -> std::ops::Range<usize> {
    let focus = focus.min(len.saturating_sub(1));
    focus.saturating_sub(reach)..len.min(focus.saturating_add(reach + 1))
}

/// Blocks of lines laid into `room` lines: the focused block whole (cut only if it alone is
/// taller), then its neighbours, newer and older in turn, as long as each fits whole. Blocks
/// keep their order.
fn fit_blocks(blocks: Vec<Vec<Line<'static>>>, focus: usize, room: usize) -> Vec<Line<'static>> {
    if blocks.is_empty() {
        return Vec::new();
    }
    let focus = focus.min(blocks.len() - 1);
    let (mut first, mut last) = (focus, focus);
    let mut used = blocks[focus].len();
    let (mut older, mut newer) = (true, true);
    while older || newer {
        if newer {
            newer = last + 1 < blocks.len() && used + blocks[last + 1].len() <= room;
            if newer {
                last += 1;
                used += blocks[last].len();
            }
        }
        if older {
            older = first > 0 && used + blocks[first - 1].len() <= room;
            if older {
                first -= 1;
                used += blocks[first].len();
            }
        }
    }
    let mut lines: Vec<Line> = blocks
        .into_iter()
        .take(last + 1)
        .skip(first)
        .flatten()
        .collect();
    lines.truncate(room);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn blocks(heights: &[usize]) -> Vec<Vec<Line<'static>>> {
        heights
            .iter()
            .enumerate()
            .map(|(b, &h)| (0..h).map(|l| Line::from(format!("{b}.{l}"))).collect())
            .collect()
    }

    proptest! {
        // Cheap enough to search afresh each run: no regressions file at the project's top.
        #![proptest_config(ProptestConfig {
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// Building only the blocks `near` the focus lays out the same lines as building
        /// them all, whenever the room is no taller than the reach (the screen's height).
        #[test]
        fn the_blocks_near_the_focus_fit_as_all_of_them_do(
            heights in prop::collection::vec(1usize..4, 1..120),
            focus in 0usize..130,
            room in 0usize..30,
            slack in 0usize..5,
        ) {
            let reach = room + slack;
            let all = blocks(&heights);
            let shown = near(heights.len(), focus, reach);
            let start = shown.start;
            let kept = blocks(&heights)[shown].to_vec();
            let anchored = focus.min(heights.len() - 1) - start;
            prop_assert_eq!(fit_blocks(all, focus, room), fit_blocks(kept, anchored, room));
        }
    }

    #[test]
    fn near_keeps_the_focus_and_reach_on_each_side() {
        assert_eq!(near(100, 50, 10), 40..61);
        assert_eq!(near(100, 3, 10), 0..14);
        assert_eq!(near(100, usize::MAX, 10), 89..100);
        assert_eq!(near(0, 0, 10), 0..0);
    }
}
