//! State → screen: the header (title, step n / N, the note in full), the CRUD pane (the
//! `orders` table now, one line per row, an overwritten value old → new for its step), the
//! event-sourcing panes (the log as it grows, this step's events marked `+`, and OrderView),
//! what each design did at this step, and the footer. Every word comes from `narrate`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Clear, Paragraph};
use textwrap::core::display_width;

use super::keys::FOOTER;
use super::state::{App, Arrival, Mode};
use crate::narrate::{self, Mark};
use crate::render::stacked::{self, wrap};
use crate::service::Backend;

/// Draws the whole screen. `color` is decided once (NO_COLOR, TERM=dumb, --color).
pub fn render(app: &App, frame: &mut Frame, color: bool) {
    let area = frame.area();
    let paint = Paint { color };
    let width = area.width as usize;
    let header = header(app, width, &paint);
    let footer = footer(app, width, &paint);
    let crud_rows = visible_orders(app).len();
    let step_lines = step_lines(app, (width.saturating_sub(3) / 2).max(1), &paint);
    let [head, body, foot] = Layout::vertical([
        Constraint::Length(header.height() as u16),
        Constraint::Min(0),
        Constraint::Length(footer.height() as u16),
    ])
    .areas(area);
    let travel_lines = app.cursor.map_or(0, |c| {
        wrap(
            &narrate::row_as_of(app.model.log[c].event_id),
            width.saturating_sub(2),
        )
        .len()
    });
    let crud_height = 3 + crud_rows.max(1) as u16 + travel_lines as u16;
    let step_height = 2 + step_lines.0.len().max(step_lines.1.len()).max(1) as u16;
    // The CRUD table and this step's words take what they need, up to half the body each;
    // the log and OrderView keep at least five lines.
    let crud_height = crud_height.min(body.height / 2).max(4);
    let step_height = step_height
        .min(body.height / 2)
        .min(body.height.saturating_sub(crud_height + 5));
    let [crud, es, step] = Layout::vertical([
        Constraint::Length(crud_height),
        Constraint::Min(0),
        Constraint::Length(step_height),
    ])
    .areas(body);
    frame.render_widget(Paragraph::new(header), head);
    render_crud(app, frame, crud, &paint);
    render_es(app, frame, es, &paint);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(step);
    let title = |backend: Backend| match app.record() {
        Some(r) => format!(" step {}: {} ", r.step, narrate::short(backend)),
        None => format!(" {} ", narrate::short(backend)),
    };
    frame.render_widget(
        Paragraph::new(Text::from(step_lines.0))
            .block(Block::bordered().title(title(Backend::Crud))),
        left,
    );
    frame.render_widget(
        Paragraph::new(Text::from(step_lines.1)).block(Block::bordered().title(title(Backend::Es))),
        right,
    );
    frame.render_widget(Paragraph::new(footer), foot);
    if app.mode == Mode::Legend {
        render_legend(frame, area);
    }
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

fn header(app: &App, width: usize, paint: &Paint) -> Text<'static> {
    let title = crate::sanitize::clean(&app.session.loaded().scenario.title);
    let total = app.session.planned();
    let mut lines = Vec::new();
    let arrival = app.at.and_then(|at| app.model.arrival(at));
    let (step, about) = match app.record() {
        None if let Some(arrival) = arrival => (
            format!(
                "{title} · {}",
                narrate::arrival_title(arrival.events.len(), arrival.rows.len())
            ),
            Vec::new(),
        ),
        Some(record) => (
            format!(
                "{title} · step {}/{total} · {}",
                record.step,
                stacked::action_title(&record.action)
            ),
            stacked::step_about(record),
        ),
        None => (
            format!("{title} · step 0/{total} · press → for the first step"),
            Vec::new(),
        ),
    };
    for text in wrap(&step, width) {
        lines.push(Line::styled(
            text,
            Style::new().add_modifier(Modifier::BOLD),
        ));
    }
    for line in about {
        for text in wrap(&line.text, width) {
            lines.push(paint.line(line.mark, text));
        }
    }
    Text::from(lines)
}

fn footer(app: &App, width: usize, paint: &Paint) -> Text<'static> {
    let mut lines: Vec<Line> = wrap(FOOTER, width)
        .into_iter()
        .map(|t| Line::styled(t, Style::new().add_modifier(Modifier::REVERSED)))
        .collect();
    match (&app.mode, &app.message) {
        (Mode::Command(typed), _) => lines.push(Line::from(format!(":{typed}▏"))),
        (Mode::Predict(prediction), _) => {
            // The step to come, as its block would title it, and the design asked next.
            if let Some(step) = app.predicted_step() {
                let mut about = format!("next: {}", stacked::action_title(&step.action));
                if let Some(note) = &step.note {
                    about.push_str(&format!(" · {}", crate::sanitize::clean_prose(note)));
                }
                for text in wrap(&about, width) {
                    lines.push(Line::styled(
                        text,
                        Style::new().add_modifier(Modifier::BOLD),
                    ));
                }
            }
            let backends = app.session.backends();
            let mut said: Vec<String> = backends
                .iter()
                .zip(&prediction.guesses)
                .map(|(b, g)| format!("{} {}", narrate::short(*b), g.words()))
                .collect();
            if let Some(&asked) = backends.get(prediction.guesses.len()) {
                said.push(narrate::predict_question(asked));
            }
            for text in wrap(&said.join(" · "), width) {
                lines.push(Line::from(text));
            }
        }
        (_, Some(message)) => {
            let mark = message.error.then_some(Mark::Rejected);
            for text in wrap(&crate::sanitize::clean_prose(&message.text), width) {
                lines.push(paint.line(mark, text));
            }
        }
        _ => lines.push(Line::from("")),
    }
    Text::from(lines)
}

/// The orders to show: those seen so far, a window around this step's order.
fn visible_orders(app: &App) -> Vec<usize> {
    let Some(frame) = app.frame() else {
        return Vec::new();
    };
    (0..frame.orders_seen).collect()
}

fn window(len: usize, rows: usize, focus: Option<usize>) -> std::ops::Range<usize> {
    if len <= rows {
        return 0..len;
    }
    let end = match focus {
        Some(f) => (f + rows / 2 + 1).clamp(rows, len),
        None => len,
    };
    end - rows..end
}

fn render_crud(app: &App, frame: &mut Frame, area: Rect, paint: &Paint) {
    let block = Block::bordered().title(" CRUD: orders table (the row now) ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let (Some(at), Some(step)) = (app.at, app.frame()) else {
        return;
    };
    let traveling = app.cursor.map(|c| app.model.log[c].event_id);
    let rows_room = (inner.height as usize).saturating_sub(1 + usize::from(traveling.is_some()));
    let focus = app
        .record()
        .and_then(|r| r.action.order_id())
        .and_then(|id| app.model.order_index(id));
    let range = window(step.orders_seen, rows_room, focus);
    // Each cell: its value now and, for the step that overwrote it, the old one.
    let mut table: Vec<Vec<(String, Option<String>)>> = Vec::new();
    for order in range {
        let Some((now, before)) = app.model.crud_row(order, at) else {
            continue;
        };
        let now = narrate::row_values(now);
        let before = before.map(narrate::row_values);
        table.push(
            now.into_iter()
                .enumerate()
                .map(|(i, value)| {
                    let old = before
                        .as_ref()
                        .map(|b| b[i].clone())
                        .filter(|o| *o != value);
                    (value, old)
                })
                .collect(),
        );
    }
    let widths: Vec<usize> = narrate::ROW_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, h)| {
            table
                .iter()
                .map(|row| {
                    let (new, old) = &row[i];
                    display_width(new) + old.as_ref().map_or(0, |o| display_width(o) + 3)
                })
                .chain([display_width(h)])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let pad = |text: &str, width: usize| " ".repeat(width.saturating_sub(display_width(text)));
    let mut lines = vec![Line::styled(
        narrate::ROW_COLUMNS
            .iter()
            .zip(&widths)
            .map(|(h, w)| format!("{h}{}", pad(h, *w)))
            .collect::<Vec<_>>()
            .join(" "),
        Style::new().add_modifier(Modifier::BOLD),
    )];
    for row in &table {
        let mut spans = Vec::new();
        for (i, ((new, old), width)) in row.iter().zip(&widths).enumerate() {
            if i > 0 {
                spans.push(Span::raw(" "));
            }
            let mut used = display_width(new);
            if let Some(old) = old {
                spans.push(Span::styled(
                    old.clone(),
                    Style::new().add_modifier(Modifier::DIM | Modifier::CROSSED_OUT),
                ));
                spans.push(Span::styled(
                    format!(" {} ", Mark::Overwritten.symbol()),
                    paint.mark(Some(Mark::Overwritten)),
                ));
                used += display_width(old) + 3;
            }
            spans.push(Span::styled(
                new.clone(),
                if old.is_some() {
                    Style::new().add_modifier(Modifier::BOLD)
                } else {
                    Style::new()
                },
            ));
            spans.push(Span::raw(" ".repeat(width.saturating_sub(used))));
        }
        lines.push(Line::from(spans));
    }
    if let Some(event) = traveling {
        for text in wrap(&narrate::row_as_of(event), inner.width as usize) {
            lines.push(paint.line(Some(Mark::Cannot), text));
        }
    }
    frame.render_widget(Paragraph::new(Text::from(lines)), inner);
}

fn render_es(app: &App, frame: &mut Frame, area: Rect, paint: &Paint) {
    let [log_area, view_area] =
        Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(area);
    let step = app.frame();
    let log_len = step.map_or(0, |f| f.log_len);
    let before = app
        .at
        .and_then(|at| at.checked_sub(1))
        .map_or(0, |p| app.model.frames[p].log_len);
    let block = Block::bordered().title(format!(
        " {} ({log_len} {}) ",
        narrate::design_heading(Backend::Es),
        narrate::plural(log_len as u64, "events")
    ));
    let inner = block.inner(log_area);
    frame.render_widget(block, log_area);
    // Each event wrapped to the pane, newest at the bottom; the window keeps the cursor (or
    // the newest event) in sight, counting the lines each event takes.
    let width = inner.width as usize;
    let focus = app.cursor.unwrap_or(log_len.saturating_sub(1));
    let mut blocks: Vec<Vec<Line>> = Vec::new();
    let mut height = 0;
    let mut i = log_len.min(focus + 1 + inner.height as usize);
    while i > 0 && (height < inner.height as usize || i > focus) {
        i -= 1;
        let event = &app.model.log[i];
        let new = i >= before;
        let mark = if new { Some(Mark::Appended) } else { None };
        let lead = if new { Mark::Appended.symbol() } else { " " };
        let mut style = paint.mark(mark);
        if app.cursor == Some(i) {
            style = style.add_modifier(Modifier::REVERSED);
        } else if app.cursor.is_some_and(|c| i > c) {
            style = style.add_modifier(Modifier::DIM);
        }
        let text = format!("{lead} {}", narrate::log_entry(event));
        let mut wrapped: Vec<Line> = wrap(&text, width)
            .into_iter()
            .enumerate()
            .map(|(n, t)| {
                let t = if n == 0 {
                    t
                } else {
                    format!("    {}", t.trim_start())
                };
                Line::styled(t, style)
            })
            .collect();
        // A continuation may come out wider once indented: wrap it again if so.
        if wrapped.iter().any(|l| l.width() > width) {
            wrapped = wrap(&text, width)
                .into_iter()
                .map(|t| Line::styled(t, style))
                .collect();
        }
        height += wrapped.len();
        blocks.push(wrapped);
    }
    blocks.reverse();
    // Whole events leave at the top while they do not fit; the last one kept is cut only if
    // it alone is taller than the pane.
    let room = inner.height as usize;
    while blocks.len() > 1 && blocks.iter().map(Vec::len).sum::<usize>() > room {
        blocks.remove(0);
    }
    let mut lines: Vec<Line> = blocks.into_iter().flatten().collect();
    lines.truncate(room);
    frame.render_widget(Paragraph::new(Text::from(lines)), inner);

    // OrderView: each order's state now (or as of the cursor), or that it is down.
    let (heading, shown_len) = match (app.cursor, step) {
        (Some(c), _) => (narrate::view_as_of(app.model.log[c].event_id), Some(c + 1)),
        (None, Some(f)) => (
            narrate::view_heading(f.checkpoint, f.view_down),
            (!f.view_down).then_some(f.log_len),
        ),
        (None, None) => (narrate::view_heading(None, false), Some(0)),
    };
    let block = Block::bordered();
    let inner = block.inner(view_area);
    frame.render_widget(block, view_area);
    let width = inner.width as usize;
    let down = step.is_some_and(|f| f.view_down) && app.cursor.is_none();
    let heading_mark = if down { Some(Mark::ViewDown) } else { None };
    let mut lines: Vec<Line> = wrap(&heading, width)
        .into_iter()
        .map(|t| {
            paint
                .line(heading_mark, t)
                .patch_style(Style::new().add_modifier(Modifier::BOLD))
        })
        .collect();
    match shown_len {
        None => {
            for text in wrap(&narrate::view_down_answers(), width) {
                lines.push(paint.line(Some(Mark::ViewDown), text));
            }
        }
        Some(len) => {
            let seen = step.map_or(0, |f| f.orders_seen);
            let focus = app
                .record()
                .and_then(|r| r.action.order_id())
                .and_then(|id| app.model.order_index(id));
            let room = (inner.height as usize).saturating_sub(lines.len());
            for order in window(seen, room, focus) {
                if let Some(state) = app.model.view_state(order, len) {
                    for text in wrap(&narrate::order_state_line(&state), width) {
                        lines.push(Line::from(text));
                    }
                }
            }
        }
    }
    frame.render_widget(Paragraph::new(Text::from(lines)), inner);
}

/// What each design did at this step, in narrate's words; the events appended are in the log
/// pane, marked `+`, so they are not repeated here.
fn step_lines(app: &App, width: usize, paint: &Paint) -> (Vec<Line<'static>>, Vec<Line<'static>>) {
    if let Some(arrival) = app.at.and_then(|at| app.model.arrival(at)) {
        return arrival_lines(arrival, width, paint);
    }
    let Some(record) = app.record() else {
        return (Vec::new(), Vec::new());
    };
    let side = |backend: Backend| -> Vec<Line<'static>> {
        stacked::design_pane(record, backend, width)
            .into_iter()
            .map(|(mark, text)| paint.line(mark, text))
            .collect()
    };
    (side(Backend::Crud), side(Backend::Es))
}

/// What others wrote to the room, in the panes a step's words take: the rows on CRUD's side,
/// the events (by whom) on event sourcing's.
fn arrival_lines(
    arrival: &Arrival,
    width: usize,
    paint: &Paint,
) -> (Vec<Line<'static>>, Vec<Line<'static>>) {
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

fn render_legend(frame: &mut Frame, area: Rect) {
    let lines: Vec<&str> = narrate::LEGEND.lines().collect();
    let width = lines.iter().map(|l| display_width(l)).max().unwrap_or(0) as u16 + 4;
    let height = lines.len() as u16 + 2;
    let popup = Rect {
        x: area.x + area.width.saturating_sub(width) / 2,
        y: area.y + area.height.saturating_sub(height) / 2,
        width: width.min(area.width),
        height: height.min(area.height),
    };
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(Text::from(
            lines
                .into_iter()
                .map(|l| Line::from(l.to_string()))
                .collect::<Vec<_>>(),
        ))
        .block(Block::bordered().title(" ? legend (? or Esc closes) ")),
        popup,
    );
}
