//! The step panes at the bottom: what each design did at the step revealed, side by side, or
//! what others wrote to the room.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Text};
use ratatui::widgets::{Block, Paragraph};

use super::Paint;
use crate::live::state::{App, Arrival};
use crate::narrate;
use crate::render::stacked::{self, wrap};
use crate::service::Backend;

pub(super) fn render_step(app: &App, frame: &mut Frame, area: Rect, (crud, es): StepSides) {
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area);
    let title = |backend: Backend| match app.record() {
        Some(r) => format!(" step {}: {} ", r.step, narrate::short(backend)),
        None => format!(" {} ", narrate::short(backend)),
    };
    for (lines, backend, area) in [(crud, Backend::Crud, left), (es, Backend::Es, right)] {
        let block = Block::bordered().title(title(backend));
        let room = block.inner(area).height as usize;
        frame.render_widget(
            Paragraph::new(Text::from(tail(lines, room))).block(block),
            area,
        );
    }
}

/// The last `room` lines, the answers being last: what does not fit leaves at the top,
/// counted on the first line kept.
fn tail(mut lines: Vec<Line<'static>>, room: usize) -> Vec<Line<'static>> {
    if lines.len() <= room || room < 2 {
        return lines;
    }
    let hidden = lines.len() - room + 1;
    let kept = lines.split_off(hidden);
    let mut out = vec![Line::styled(
        format!(
            "⋮ {hidden} more {} above",
            narrate::plural(hidden as u64, "lines")
        ),
        Style::new().add_modifier(Modifier::DIM),
    )];
    out.extend(kept);
    out
}

/// What each design did at the step revealed, in narrate's words; the events appended are
/// in the log pane, marked `+`, so they are not repeated here. `None` while a step is asked.
/// A frame of what others wrote to a room shows what they wrote.
pub(super) type StepSides = (Vec<Line<'static>>, Vec<Line<'static>>);

pub(super) fn step_lines(app: &App, width: usize, paint: &Paint) -> Option<StepSides> {
    if let Some(arrival) = app.at.and_then(|at| app.model.arrival(at)) {
        return Some(arrival_lines(arrival, width, paint));
    }
    let record = app.revealed_record()?;
    let side = |backend: Backend| -> Vec<Line<'static>> {
        stacked::design_pane(record, backend, width)
            .into_iter()
            .map(|(mark, text)| paint.line(mark, text))
            .collect()
    };
    Some((side(Backend::Crud), side(Backend::Es)))
}

/// What others wrote to the room, in the panes a step's words take: the rows on CRUD's side,
/// the events (by whom) on event sourcing's.
fn arrival_lines(arrival: &Arrival, width: usize, paint: &Paint) -> StepSides {
    let lines = |said: Vec<narrate::Line>| -> Vec<Line<'static>> {
        said.into_iter()
            .flat_map(|line| {
                wrap(&line.text, width)
                    .into_iter()
                    .map(move |text| paint.line(line.mark, text))
            })
            .collect()
    };
    let rows = arrival
        .rows
        .iter()
        .map(|(now, before, by)| narrate::arrived_row(now, before.as_ref(), by.as_deref()))
        .collect();
    let events = arrival.events.iter().map(narrate::arrived_event).collect();
    (lines(rows), lines(events))
}
