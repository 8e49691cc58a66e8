//! The event-sourcing panes: the log as it grows (this step's events marked `+`, the one
//! selected while travelling) beside OrderView, one block per order.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Text};
use ratatui::widgets::{Block, Paragraph};

use super::{Paint, fit_blocks, focus_order, near};
use crate::live::state::App;
use crate::narrate::{self, Mark};
use crate::render::stacked::wrap;
use crate::service::Backend;

/// The event-sourcing panes, laid out before the room they get is known: the log, one
/// block of lines per event, and OrderView, a heading and one block per order.
pub(super) struct EsPanes {
    title: String,
    log: Vec<Vec<Line<'static>>>,
    /// The event selected, or the newest.
    log_focus: usize,
    view_heading: Vec<Line<'static>>,
    view: Vec<Vec<Line<'static>>>,
    view_focus: usize,
}

/// The log's share of the panes' width, in percent.
const LOG_SHARE: u16 = 58;

impl EsPanes {
    /// Only the blocks within `reach` of each pane's focus are built.
    pub(super) fn of(app: &App, width: usize, reach: usize, paint: &Paint) -> EsPanes {
        let log_width = (width * LOG_SHARE as usize / 100).saturating_sub(2);
        let view_width = width.saturating_sub(log_width + 4);
        let log_len = app.frame().map_or(0, |f| f.log_len);
        let (view_heading, view, view_focus) = view_blocks(app, view_width.max(1), reach, paint);
        let log_focus = app.cursor.unwrap_or(log_len.saturating_sub(1));
        let shown = near(log_len, log_focus, reach);
        EsPanes {
            title: format!(
                " {} ({log_len} {}) ",
                narrate::design_heading(Backend::Es),
                narrate::plural(log_len as u64, "events")
            ),
            log_focus: log_focus - shown.start,
            log: log_blocks(app, shown, log_width.max(1), paint),
            view_heading,
            view,
            view_focus,
        }
    }

    /// Borders and the larger of: the event in focus; OrderView's heading and its order.
    pub(super) fn least_height(&self) -> usize {
        let event = self.log.get(self.log_focus).map_or(1, Vec::len);
        let order = self.view.get(self.view_focus).map_or(0, Vec::len);
        2 + event.max(self.view_heading.len() + order).max(3)
    }

    pub(super) fn render(self, frame: &mut Frame, area: Rect) {
        let [log_area, view_area] = Layout::horizontal([
            Constraint::Percentage(LOG_SHARE),
            Constraint::Percentage(100 - LOG_SHARE),
        ])
        .areas(area);
        let block = Block::bordered().title(self.title);
        let room = block.inner(log_area).height as usize;
        let log = fit_blocks(self.log, self.log_focus, room);
        frame.render_widget(Paragraph::new(Text::from(log)).block(block), log_area);
        let block = Block::bordered();
        let room = (block.inner(view_area).height as usize).saturating_sub(self.view_heading.len());
        let mut lines = self.view_heading;
        lines.extend(fit_blocks(self.view, self.view_focus, room));
        frame.render_widget(Paragraph::new(Text::from(lines)).block(block), view_area);
    }
}

/// Each event of the log, wrapped to `width`: the ones this step appended marked `+` once
/// it is revealed, the selected one reversed, the ones after it dimmed; under the event
/// where the latest snapshot was taken, a line that says so. Only the events in `shown`.
fn log_blocks(
    app: &App,
    shown: std::ops::Range<usize>,
    width: usize,
    paint: &Paint,
) -> Vec<Vec<Line<'static>>> {
    let log_len = app.frame().map_or(0, |f| f.log_len);
    let snapshot = app.frame().and_then(|f| f.snapshot);
    let before = match (app.revealed_record(), app.at) {
        (Some(_), Some(at)) => at.checked_sub(1).map_or(0, |p| app.model.frames[p].log_len),
        _ => log_len,
    };
    shown
        .map(|i| {
            let new = i >= before;
            let lead = if new { Mark::Appended.symbol() } else { " " };
            let mut style = paint.mark(new.then_some(Mark::Appended));
            if app.cursor == Some(i) {
                style = style.add_modifier(Modifier::REVERSED);
            } else if app.cursor.is_some_and(|c| i > c) {
                style = style.add_modifier(Modifier::DIM);
            }
            let event = &app.model.log[i];
            let text = format!("{lead} {}", narrate::log_entry(event));
            let mut lines: Vec<Line> = hanging(&text, width)
                .into_iter()
                .map(|t| Line::styled(t, style))
                .collect();
            if snapshot == Some(event.event_id) {
                let here = format!("    ({})", narrate::page::SNAPSHOT_HERE);
                let bold = Style::new().add_modifier(Modifier::BOLD);
                lines.extend(
                    wrap(&here, width)
                        .into_iter()
                        .map(|t| Line::styled(t, bold)),
                );
            }
            lines
        })
        .collect()
}

/// Text wrapped to `width`, its continuation lines indented under the first.
fn hanging(text: &str, width: usize) -> Vec<String> {
    const INDENT: &str = "    ";
    let first = wrap(text, width);
    let Some(head) = first.first() else {
        return first;
    };
    let rest = match text.strip_prefix(head.as_str()) {
        Some(rest) if width > INDENT.len() * 2 && !rest.trim().is_empty() => rest.trim_start(),
        _ => return first,
    };
    let mut out = vec![head.clone()];
    out.extend(
        wrap(rest, width - INDENT.len())
            .into_iter()
            .map(|t| format!("{INDENT}{t}")),
    );
    out
}

/// OrderView: its heading (where it stands, as of the selected event, or that it is down),
/// each order's state as one block (those within `reach` of the order in focus), and which
/// block is the order in focus.
fn view_blocks(
    app: &App,
    width: usize,
    reach: usize,
    paint: &Paint,
) -> (Vec<Line<'static>>, Vec<Vec<Line<'static>>>, usize) {
    let step = app.frame();
    let (heading, shown_len) = match (app.cursor, step) {
        (Some(c), _) => (narrate::view_as_of(app.model.log[c].event_id), Some(c + 1)),
        (None, Some(f)) => (
            narrate::view_heading(f.checkpoint, f.view_down),
            (!f.view_down).then_some(f.log_len),
        ),
        (None, None) => (narrate::view_heading(None, false), Some(0)),
    };
    let down = shown_len.is_none();
    let heading_style = paint
        .mark(down.then_some(Mark::ViewDown))
        .add_modifier(Modifier::BOLD);
    let mut heading: Vec<Line> = wrap(&heading, width)
        .into_iter()
        .map(|t| Line::styled(t, heading_style))
        .collect();
    let Some(len) = shown_len else {
        let answers = wrap(&narrate::view_down_answers(), width);
        heading.extend(
            answers
                .into_iter()
                .map(|t| paint.line(Some(Mark::ViewDown), t)),
        );
        return (heading, Vec::new(), 0);
    };
    // The orders OrderView holds (a cheap look each), then the blocks of those near the focus.
    let held: Vec<usize> = (0..step.map_or(0, |f| f.orders_seen))
        .filter(|&order| app.model.view_state(order, len).is_some())
        .collect();
    let focus = focus_order(app)
        .and_then(|order| held.iter().position(|&o| o == order))
        .unwrap_or(0);
    let shown = near(held.len(), focus, reach);
    let at = focus.saturating_sub(shown.start);
    let blocks = held[shown]
        .iter()
        .filter_map(|&order| app.model.view_state(order, len))
        .map(|state| {
            let text = narrate::order_state_line(state);
            wrap(&text, width).into_iter().map(Line::from).collect()
        })
        .collect();
    (heading, blocks, at)
}
