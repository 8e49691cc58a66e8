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

use super::keys;
use super::state::{AddedCell, App, Arrival, Mode};
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
    let [head, body, foot] = Layout::vertical([
        Constraint::Length(header.height() as u16),
        Constraint::Min(0),
        Constraint::Length(footer.height() as u16),
    ])
    .areas(area);
    let crud = crud_lines(app, width.saturating_sub(2), &paint);
    let es = EsPanes::of(app, width, &paint);
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

fn render_step(app: &App, frame: &mut Frame, area: Rect, (crud, es): StepSides) {
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
    let total = app
        .session
        .planned()
        .max(app.asked().map_or(0, |a| a.number));
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut lines = Vec::new();
    let mut push = |text: &str, style: Style| {
        lines.extend(
            wrap(text, width)
                .into_iter()
                .map(|t| Line::styled(t, style)),
        );
    };
    if let Some(asked) = app.asked() {
        // The first beat: the command and its question, nothing of what came of it.
        let action = stacked::action_title(asked.action);
        push(
            &format!("{title} · step {}/{total} · {action}", asked.number),
            bold,
        );
        if let Some(question) = asked.question {
            let style = Style::new().add_modifier(Modifier::BOLD | Modifier::ITALIC);
            push(&crate::sanitize::clean_prose(question), style);
        }
    } else if let Some(record) = app.record() {
        let action = stacked::action_title(&record.action);
        push(
            &format!("{title} · step {}/{total} · {action}", record.step),
            bold,
        );
        for line in stacked::step_about(record) {
            push(&line.text, paint.mark(line.mark));
        }
    } else if let Some(arrival) = app.at.and_then(|at| app.model.arrival(at)) {
        let arrived = narrate::arrival_title(arrival.events.len(), arrival.rows.len());
        push(&format!("{title} · {arrived}"), bold);
    } else {
        push(&format!("{title} · step 0/{total} · {}", keys::START), bold);
    }
    Text::from(lines)
}

fn footer(app: &App, width: usize, paint: &Paint) -> Text<'static> {
    let keys = if app.cursor.is_some() {
        keys::FOOTER_TRAVEL
    } else {
        keys::FOOTER
    };
    let mut lines: Vec<Line> = wrap(keys, width)
        .into_iter()
        .map(|t| Line::styled(t, Style::new().add_modifier(Modifier::REVERSED)))
        .collect();
    let mut push = |text: &str, style: Style| {
        lines.extend(
            wrap(text, width)
                .into_iter()
                .map(|t| Line::styled(t, style)),
        );
    };
    match (&app.mode, &app.message) {
        (Mode::Command(typed), _) => push(&format!(":{typed}▏"), Style::new()),
        (Mode::Predict(prediction), _) => {
            // What the room said so far, and the design asked next.
            let backends = app.session.backends();
            let mut said: Vec<String> = backends
                .iter()
                .zip(&prediction.guesses)
                .map(|(b, g)| format!("{} {}", narrate::short(*b), g.words()))
                .collect();
            if let Some(&asked) = backends.get(prediction.guesses.len()) {
                said.push(narrate::predict_question(asked));
            }
            push(&said.join(" · "), Style::new());
        }
        (_, Some(message)) => {
            let mark = message.error.then_some(Mark::Rejected);
            push(
                &crate::sanitize::clean_prose(&message.text),
                paint.mark(mark),
            );
        }
        _ if app.asked().is_some() => push(keys::REVEAL, Style::new().add_modifier(Modifier::BOLD)),
        _ => push("", Style::new()),
    }
    Text::from(lines)
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

/// The CRUD pane's lines: the column names, the rows seen so far (a window around the
/// step's order), and while travelling, what the table cannot say of the past.
struct CrudLines {
    head: Line<'static>,
    /// Each row's lines: the row, then the columns a migration added.
    rows: Vec<Vec<Line<'static>>>,
    /// Which of `rows` is the step's order.
    focus: Option<usize>,
    travel: Vec<Line<'static>>,
}

impl CrudLines {
    /// Borders, the column names, every row and the travel note.
    fn height(&self) -> usize {
        3 + self.rows.iter().map(Vec::len).sum::<usize>().max(1) + self.travel.len()
    }

    /// Borders, the column names, the step's row and the travel note.
    fn least_height(&self) -> usize {
        let row = self
            .focus
            .and_then(|f| self.rows.get(f))
            .map_or(1, Vec::len);
        3 + row + self.travel.len()
    }
}

fn crud_lines(app: &App, width: usize, paint: &Paint) -> CrudLines {
    let at = app.panes_at();
    let orders = app.frame().map_or(0, |f| f.orders_seen);
    let changed = app.revealed_record().is_some();
    // Each cell: its value now and, for the step that overwrote it, the old one.
    let mut table: Vec<Vec<(String, Option<String>)>> = Vec::new();
    let mut extra: Vec<Vec<Line<'static>>> = Vec::new();
    let mut focus = None;
    for order in 0..orders {
        let Some((now, before, added)) = at.and_then(|at| app.model.crud_row(order, at)) else {
            continue;
        };
        if focus_order(app) == Some(order) {
            focus = Some(table.len());
        }
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
    let (head, rows) = table_lines(&table, paint);
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
        travel,
    }
}

/// The table's column names and rows, each column as wide as its widest cell; an
/// overwritten cell shows its old value struck through, `→`, and the new one.
fn table_lines(
    table: &[Vec<(String, Option<String>)>],
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
    let pad = |used: usize, width: usize| " ".repeat(width.saturating_sub(used));
    let head = narrate::ROW_COLUMNS
        .iter()
        .zip(&widths)
        .map(|(h, w)| format!("{h}{}", pad(display_width(h), *w)))
        .collect::<Vec<_>>()
        .join(" ");
    let head = Line::styled(head, Style::new().add_modifier(Modifier::BOLD));
    let rows = table
        .iter()
        .map(|row| {
            let mut spans = Vec::new();
            for (i, (cell, width)) in row.iter().zip(&widths).enumerate() {
                if i > 0 {
                    spans.push(Span::raw(" "));
                }
                spans.extend(cell_spans(cell, paint));
                spans.push(Span::raw(pad(cell_width(cell), *width)));
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

fn render_crud(frame: &mut Frame, area: Rect, crud: CrudLines) {
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

/// The event-sourcing panes, laid out before the room they get is known: the log, one
/// block of lines per event, and OrderView, a heading and one block per order.
struct EsPanes {
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
    fn of(app: &App, width: usize, paint: &Paint) -> EsPanes {
        let log_width = (width * LOG_SHARE as usize / 100).saturating_sub(2);
        let view_width = width.saturating_sub(log_width + 4);
        let log_len = app.frame().map_or(0, |f| f.log_len);
        let (view_heading, view, view_focus) = view_blocks(app, view_width.max(1), paint);
        EsPanes {
            title: format!(
                " {} ({log_len} {}) ",
                narrate::design_heading(Backend::Es),
                narrate::plural(log_len as u64, "events")
            ),
            log: log_blocks(app, log_width.max(1), paint),
            log_focus: app.cursor.unwrap_or(log_len.saturating_sub(1)),
            view_heading,
            view,
            view_focus,
        }
    }

    /// Borders and the larger of: the event in focus; OrderView's heading and its order.
    fn least_height(&self) -> usize {
        let event = self.log.get(self.log_focus).map_or(1, Vec::len);
        let order = self.view.get(self.view_focus).map_or(0, Vec::len);
        2 + event.max(self.view_heading.len() + order).max(3)
    }

    fn render(self, frame: &mut Frame, area: Rect) {
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
/// where the latest snapshot was taken, a line that says so.
fn log_blocks(app: &App, width: usize, paint: &Paint) -> Vec<Vec<Line<'static>>> {
    let log_len = app.frame().map_or(0, |f| f.log_len);
    let snapshot = app.frame().and_then(|f| f.snapshot);
    let before = match (app.revealed_record(), app.at) {
        (Some(_), Some(at)) => at.checked_sub(1).map_or(0, |p| app.model.frames[p].log_len),
        _ => log_len,
    };
    (0..log_len)
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
/// each order's state as one block, and the block of the order in focus.
fn view_blocks(
    app: &App,
    width: usize,
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
    let focus = focus_order(app);
    let mut blocks = Vec::new();
    let mut at = 0;
    for order in 0..step.map_or(0, |f| f.orders_seen) {
        if let Some(state) = app.model.view_state(order, len) {
            if focus == Some(order) {
                at = blocks.len();
            }
            let text = narrate::order_state_line(&state);
            blocks.push(wrap(&text, width).into_iter().map(Line::from).collect());
        }
    }
    (heading, blocks, at)
}

/// What each design did at the step revealed, in narrate's words; the events appended are
/// in the log pane, marked `+`, so they are not repeated here. `None` while a step is asked.
/// A frame of what others wrote to a room shows what they wrote.
type StepSides = (Vec<Line<'static>>, Vec<Line<'static>>);

fn step_lines(app: &App, width: usize, paint: &Paint) -> Option<StepSides> {
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

const HELP_TITLE: &str = " ? keys and commands (? again: the legend · Esc closes) ";
const LEGEND_TITLE: &str = " ? legend (? or Esc closes) ";

/// The keys, then the commands typed after `:`, one a line.
fn help_text() -> String {
    let mut text = String::from(keys::HELP);
    text.push_str("\nCommands, typed after `:`\n");
    for command in super::command::USAGE.split(" · ") {
        text.push_str(&format!("  :{command}\n"));
    }
    text
}

fn render_popup(frame: &mut Frame, area: Rect, title: &str, text: &str) {
    let inner_width = area.width.saturating_sub(4).max(1) as usize;
    let lines: Vec<Line> = text
        .lines()
        .flat_map(|l| wrap(l, inner_width))
        .map(Line::from)
        .collect();
    let widest = lines.iter().map(Line::width).max().unwrap_or(0);
    let width = (widest.max(display_width(title)) as u16 + 4).min(area.width);
    let height = (lines.len() as u16 + 2).min(area.height);
    let popup = Rect {
        x: area.x + area.width.saturating_sub(width) / 2,
        y: area.y + area.height.saturating_sub(height) / 2,
        width,
        height,
    };
    frame.render_widget(Clear, popup);
    let block = Block::bordered().title(title.to_string());
    frame.render_widget(Paragraph::new(Text::from(lines)).block(block), popup);
}
