//! The stacked layout: each step one block that fits the width. The step and its note at full
//! width, then what each design stored and answered, side by side when there is room and one
//! under the other when not. Text wraps at spaces only, so an identifier (`NewOrderEvent`,
//! `change_quantity`, `revenue-per-customer`) or an amount is never broken inside, unless a
//! single word is wider than the whole column. `eslab live` prints the same blocks.

use textwrap::core::display_width;
use textwrap::{Options, WordSeparator, WordSplitter};

use super::text::Cell;
use crate::narrate::{self, Line, Mark, Role};
use crate::service::{Backend, Outcome};
use crate::trace::StepRecord;

/// Below this many columns per design, the designs are shown one under the other.
const MIN_COLUMN: usize = 30;
const SEPARATOR: &str = " │ ";

/// One line of a block and the mark that colours it.
pub(crate) type Marked = (Option<Mark>, String);

/// Wraps text at spaces into lines no wider than `width` columns (display width); a line's
/// leading spaces indent its continuation lines too.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim_start_matches(' ');
        if trimmed.is_empty() {
            out.push(String::new());
            continue;
        }
        let indent = &line[..line.len() - trimmed.len()];
        let indent = if display_width(indent) * 2 > width {
            ""
        } else {
            indent
        };
        let options = Options::new(width)
            .word_separator(WordSeparator::AsciiSpace)
            .word_splitter(WordSplitter::NoHyphenation)
            .break_words(true)
            .initial_indent(indent)
            .subsequent_indent(indent);
        let mut lines: Vec<String> = textwrap::wrap(trimmed, options)
            .into_iter()
            .map(|l| l.trim_end().to_string())
            .collect();
        no_orphan(&mut lines, indent, width);
        out.extend(lines);
    }
    out
}

/// A wrapped text never ends on a lone word ("…version" / "1"): the word before it moves
/// down to keep it company, when that fits and leaves no lone word above.
fn no_orphan(lines: &mut [String], indent: &str, width: usize) {
    let n = lines.len();
    if n < 2 {
        return;
    }
    let (above, last) = (&lines[n - 2], &lines[n - 1]);
    let lone = last[indent.len().min(last.len())..].trim();
    if lone.is_empty() || lone.contains(' ') {
        return;
    }
    let body_start = above.len() - above.trim_start_matches(' ').len();
    let body = &above[body_start..];
    let words = body.split(' ').filter(|w| !w.is_empty()).count();
    // The first line may keep one word (a title's first); a continuation line needs two.
    let first_line = n == 2;
    if words < 2 || (!first_line && words < 3) {
        return;
    }
    let Some(cut) = above.rfind(' ').filter(|&cut| cut > body_start) else {
        return;
    };
    let moved = format!("{indent}{} {lone}", &above[cut + 1..]);
    if display_width(&moved) > width {
        return;
    }
    let kept = above[..cut].trim_end().to_string();
    lines[n - 2] = kept;
    lines[n - 1] = moved;
}

/// Lays parts out on lines of at most `width` columns, joined by ` · `, a part never split
/// where it fits on a line of its own (else wrapped at its spaces); every line starts with
/// `indent`. A legend keeps each mark with its meaning; a log keeps each id, amount and time
/// whole.
pub(crate) fn pack_parts(parts: &[String], indent: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for part in parts {
        if !line.is_empty() && display_width(&line) + 3 + display_width(part) <= width {
            line.push_str(" · ");
            line.push_str(part);
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        let mut wrapped = wrap(&format!("{indent}{part}"), width).into_iter();
        line = wrapped.next().unwrap_or_default();
        for more in wrapped {
            lines.push(std::mem::replace(&mut line, more));
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// A line of a design's column as the stacked layout sets it: how deep it is indented and
/// whether it may be joined to the line above it.
#[derive(Debug, Clone)]
struct Placed {
    mark: Option<Mark>,
    depth: usize,
    text: String,
    /// Continues the line above it (an amount, an attribute), so it may share its line.
    continues: bool,
    /// Another line was joined to it already.
    joined: bool,
}

impl Placed {
    fn new(line: &Line, depth: usize, text: String, continues: bool) -> Placed {
        Placed {
            mark: line.mark,
            depth,
            text,
            continues,
            joined: false,
        }
    }
}

/// What a design stored (or where it read), at `depth`: attributes and items under the
/// line they belong to; an action's or a row's details on lines of their own.
fn place_storage(lines: &[Line], depth: usize) -> Vec<Placed> {
    lines
        .iter()
        .map(|line| match line.role {
            Role::Attribute => Placed::new(line, depth + 2, line.text.clone(), true),
            Role::Item => Placed::new(line, depth + 2, line.text.clone(), false),
            Role::Detail => Placed::new(line, depth, line.text.clone(), true),
            _ => Placed::new(line, depth, line.text.clone(), false),
        })
        .collect()
}

/// What a design answered, at `depth`: set off by its heading's word, once, so it never
/// reads as storage; the rest of the answer indented under it.
fn place_answer(lines: &[Line], depth: usize) -> Vec<Placed> {
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| match line.role {
            _ if i == 0 => Placed::new(line, depth, format!("answers {}", line.text), false),
            Role::Detail => Placed::new(line, depth + 2, line.text.clone(), true),
            Role::Attribute | Role::Item => Placed::new(line, depth + 4, line.text.clone(), false),
            _ => Placed::new(line, depth + 2, line.text.clone(), false),
        })
        .collect()
}

/// Lines that continue the one above them, indented deeper (an answer's amounts, an appended
/// event's stream and attributes), joined to it with ` · ` while the whole fits `width`, so a
/// narrow block spends its height on what changed. Nothing is reworded: the words are
/// narrate's, only line breaks go. Separate lines of a history or a report stay one a line.
fn pack(placed: Vec<Placed>, width: usize) -> Vec<Placed> {
    let mut out: Vec<Placed> = Vec::new();
    // The depth of the line the current one continues.
    let mut head: Option<usize> = None;
    for line in placed {
        // An event's stream and version may join its id and type, as in the log (its
        // attributes then start a line of their own); an answer's amounts join each
        // other, never its first line.
        let appended = line.mark == Some(Mark::Appended);
        if let (Some(head_depth), Some(last)) = (head, out.last_mut())
            && line.continues
            && line.depth > head_depth
            && (last.depth > head_depth || (appended && !last.joined))
            && last.mark == line.mark
        {
            let joined = format!("{} · {}", last.text, line.text);
            if last.depth + display_width(&joined) <= width {
                last.text = joined;
                last.joined = true;
                continue;
            }
        }
        if head.is_none_or(|h| line.depth <= h) {
            head = Some(line.depth);
        }
        out.push(line);
    }
    out
}

/// Placed lines packed and wrapped to `width`, each indented by its depth.
fn wrap_placed(placed: Vec<Placed>, width: usize) -> Vec<Marked> {
    pack(placed, width)
        .into_iter()
        .flat_map(|line| {
            let text = format!("{}{}", " ".repeat(line.depth), line.text);
            wrap(&text, width)
                .into_iter()
                .map(move |text| (line.mark, text))
        })
        .collect()
}

/// What a step does on one line: its name and order, then its arguments, joined by ` · `.
pub(crate) fn action_title(action: &crate::scenario::Action) -> String {
    let texts: Vec<String> = narrate::action(action)
        .into_iter()
        .map(|line| line.text)
        .collect();
    texts.join(" · ")
}

/// The step's first line: its number and what it does.
pub(crate) fn step_title(record: &StepRecord) -> String {
    format!("{}. {}", record.step, action_title(&record.action))
}

/// What is said of a step under its title: what it asks (`step_asks`), then what it
/// reveals (`step_reveals`).
pub(crate) fn step_about(record: &StepRecord) -> Vec<Line> {
    let mut about = step_asks(record);
    about.extend(step_reveals(record));
    about
}

/// What is said of a step before its outcome: the question it asks (the action itself is
/// the title).
pub(crate) fn step_asks(record: &StepRecord) -> Vec<Line> {
    narrate::asks(record)
        .into_iter()
        .filter(|line| !matches!(line.role, Role::Title | Role::Detail))
        .collect()
}

/// What is said of a step with its outcome: the note, what it expects, and ≠ when the
/// designs answered differently.
pub(crate) fn step_reveals(record: &StepRecord) -> Vec<Line> {
    let mut reveals = narrate::reveals(record);
    reveals.extend(narrate::agreement(record.agreement()));
    reveals
}

/// What a design stored (or where it read), what it answered, and its failed expectations.
type Parts = (Vec<Line>, Vec<Line>, Vec<Line>);

fn design_parts(record: &StepRecord, backend: Backend, log_apart: bool) -> Parts {
    let Some(outcome) = record.result(backend) else {
        return Default::default();
    };
    let failed = record
        .failures(backend)
        .iter()
        .map(narrate::failure)
        .collect();
    let storage = if log_apart {
        narrate::storage_besides_log(backend, outcome, &record.action).0
    } else {
        narrate::step_storage(record, backend)
    };
    (storage, narrate::step_answer(record, backend), failed)
}

/// A design's column, placed at `depth`, from its parts (`design_parts`).
fn design_column(parts: Parts, depth: usize) -> Vec<Placed> {
    let (storage, answer, failed) = parts;
    let mut placed = place_storage(&storage, depth);
    placed.extend(place_answer(&answer, depth));
    placed.extend(place_storage(&failed, depth));
    placed
}

/// A design's column for a pane of its own `width` wide, beside a pane that shows the log
/// (so the events appended are left out): each line wrapped, none joined.
pub fn design_pane(record: &StepRecord, backend: Backend, width: usize) -> Vec<Marked> {
    design_column(design_parts(record, backend, true), 0)
        .into_iter()
        .flat_map(|line| {
            let text = format!("{}{}", " ".repeat(line.depth), line.text);
            wrap(&text, width)
                .into_iter()
                .map(move |text| (line.mark, text))
        })
        .collect()
}

/// One step as a block of lines, none wider than `width`.
pub(crate) fn step_block(backends: &[Backend], record: &StepRecord, width: usize) -> Vec<Marked> {
    marked_step_block(backends, record, width).0
}

/// The marks some lines carry, each once, in the order they first appear.
fn marks_of<'l>(lines: impl Iterator<Item = &'l Line>) -> Vec<Mark> {
    let mut used: Vec<Mark> = Vec::new();
    for mark in lines.filter_map(|line| line.mark) {
        if !used.contains(&mark) {
            used.push(mark);
        }
    }
    used
}

/// One step as a block, and the marks its words carry, in the order they first appear (a
/// row of two columns is coloured only when both agree, so the block's own marks say less):
/// what a legend over the blocks lists, without narrating the step again.
pub(crate) fn marked_step_block(
    backends: &[Backend],
    record: &StepRecord,
    width: usize,
) -> (Vec<Marked>, Vec<Mark>) {
    marked_step_block_with(backends, record, width, true, false)
}

/// `marked_step_block`, with the designs' headings over the columns or not (a block under
/// another whose columns were headed already needs none), and, `once`, an answer both
/// designs gave said once under both columns, an answer that says nothing left out (a whole
/// run's blocks, read one under the other).
pub(crate) fn marked_step_block_with(
    backends: &[Backend],
    record: &StepRecord,
    width: usize,
    headings: bool,
    once: bool,
) -> (Vec<Marked>, Vec<Mark>) {
    let Beats {
        mut ask,
        reveal,
        used,
    } = step_beats_with(backends, record, width, headings, once);
    ask.extend(reveal);
    (ask, used)
}

/// One step's block in its two beats: what a room may see before it runs (its title and
/// question), then what it revealed (each design, the answers, the note, the verdicts).
pub(crate) struct Beats {
    pub ask: Vec<Marked>,
    pub reveal: Vec<Marked>,
    /// The marks the block's words carry, in the order they first appear.
    pub used: Vec<Mark>,
}

/// One step as its two beats, none wider than `width` (`eslab run --step` shows them a key
/// apart).
pub(crate) fn step_beats(backends: &[Backend], record: &StepRecord, width: usize) -> Beats {
    step_beats_with(backends, record, width, true, false)
}

/// `step_beats`, with the options of `marked_step_block_with`. Nothing of the outcome is in
/// the first beat: the title and the question are the step's own words.
fn step_beats_with(
    backends: &[Backend],
    record: &StepRecord,
    width: usize,
    headings: bool,
    once: bool,
) -> Beats {
    let mut ask: Vec<Marked> = wrap(&step_title(record), width)
        .into_iter()
        .map(|l| (None, l))
        .collect();
    let asks = step_asks(record);
    let reveals = step_reveals(record);
    let both = if once {
        both_answered(backends, record)
    } else {
        Vec::new()
    };
    let mut parts: Vec<(Backend, Parts)> = backends
        .iter()
        .map(|&backend| {
            let mut parts = design_parts(record, backend, false);
            match record.result(backend) {
                // A report's rows are laid out as a table under the columns.
                Some(Outcome::Report { report, .. }) => parts.1 = narrate::report_in_table(report),
                Some(outcome) if once && narrate::answers_nothing(outcome) => parts.1.clear(),
                _ => {}
            }
            (backend, parts)
        })
        .collect();
    let used = marks_of(
        asks.iter()
            .chain(both.iter())
            .chain(parts.iter().flat_map(|(_, (storage, answer, failed))| {
                storage.iter().chain(answer).chain(failed)
            }))
            .chain(reveals.iter()),
    );
    if !both.is_empty() {
        for (_, parts) in &mut parts {
            parts.1.clear();
        }
    }
    ask.extend(wrap_placed(place_storage(&asks, 0), width));
    let mut reveal = design_columns(
        parts
            .into_iter()
            .map(|(backend, parts)| (backend, move |depth| design_column(parts, depth)))
            .collect(),
        width,
        headings,
    );
    reveal.extend(lay_both(&both, width));
    reveal.extend(report_tables(record, width));
    reveal.extend(wrap_placed(place_storage(&reveals, 0), width));
    Beats { ask, reveal, used }
}

/// Both designs' answer, when they gave the same one (`narrate::both_answered`), to be said
/// once under both columns; empty otherwise, or when either failed an expectation there.
fn both_answered(backends: &[Backend], record: &StepRecord) -> Vec<Line> {
    match (
        backends,
        record.result(Backend::Crud),
        record.result(Backend::Es),
    ) {
        // A report's rows are a table under the columns already.
        (_, Some(Outcome::Report { .. }), _) | (_, _, Some(Outcome::Report { .. })) => Vec::new(),
        ([_, _], Some(crud), Some(es))
            if record.agreement() == crate::service::Agreement::Same
                && record.failures(Backend::Crud).is_empty()
                && record.failures(Backend::Es).is_empty() =>
        {
            narrate::both_answered(crud, es, &record.action)
        }
        _ => Vec::new(),
    }
}

/// The answer both designs gave, under both columns: on one line when it fits the width,
/// else its first line with the rest indented under it.
fn lay_both(lines: &[Line], width: usize) -> Vec<Marked> {
    let texts: Vec<&str> = lines.iter().map(|line| line.text.as_str()).collect();
    let joined = texts.join(" · ");
    if lines.is_empty() {
        return Vec::new();
    }
    let mark = narrate::first_mark(lines);
    if display_width(&joined) <= width {
        return vec![(mark, joined)];
    }
    let placed = lines
        .iter()
        .enumerate()
        .map(|(i, line)| match line.role {
            _ if i == 0 => Placed::new(line, 0, line.text.clone(), false),
            Role::Detail => Placed::new(line, 2, line.text.clone(), true),
            _ => Placed::new(line, 2, line.text.clone(), false),
        })
        .collect();
    wrap_placed(placed, width)
}

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

/// The designs' columns, side by side when each gets `MIN_COLUMN` or more, else one under
/// the other (each then under its heading, always); `place` lays a column out at a depth.
fn design_columns<F: FnOnce(usize) -> Vec<Placed>>(
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

/// A report step's tables, under its columns: one when the designs that answered agree,
/// else one per design, each headed by who answered with it.
fn report_tables(record: &StepRecord, width: usize) -> Vec<Marked> {
    let mut answered: Vec<(Vec<Backend>, &crate::domain::Report)> = Vec::new();
    for result in &record.results {
        if let Outcome::Report { report, .. } = &result.outcome {
            match answered.iter_mut().find(|(_, r)| *r == report) {
                Some((backends, _)) => backends.push(result.backend),
                None => answered.push((vec![result.backend], report)),
            }
        }
    }
    let mut lines = Vec::new();
    for (backends, report) in answered {
        if report.rows.is_empty() {
            continue;
        }
        lines.push((None, String::new()));
        lines.extend(
            wrap(&narrate::report_answered_by(&backends), width)
                .into_iter()
                .map(|l| (None, l)),
        );
        let header: Vec<&str> = report.columns.iter().map(String::as_str).collect();
        let rows: Vec<Vec<Cell>> = report
            .rows
            .iter()
            .map(|row| {
                row.iter()
                    .map(|c| crate::sanitize::clean(c).into())
                    .collect()
            })
            .collect();
        lines.extend(table(&header, &rows, width));
    }
    lines
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

/// A block as text, one line each.
pub(crate) fn block_text(block: &[Marked]) -> String {
    let mut out = String::new();
    for (_, line) in block {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// A table without borders: columns two spaces apart when they fit the width; otherwise each
/// row as lines of `column value`, wrapped like any text, so no value is ever cut.
pub(crate) fn table(header: &[&str], rows: &[Vec<Cell>], width: usize) -> Vec<Marked> {
    let cell_width = |text: &str| text.lines().map(display_width).max().unwrap_or(0);
    let widths: Vec<usize> = header
        .iter()
        .enumerate()
        .map(|(i, h)| {
            rows.iter()
                .filter_map(|row| row.get(i))
                .map(|c| cell_width(&c.text))
                .chain([display_width(h)])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let single_line = rows.iter().flatten().all(|c| !c.text.contains('\n'));
    let total = widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
    let mut out = Vec::new();
    if single_line && total <= width {
        let line = |cells: Vec<&str>| {
            let mut text = String::new();
            for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
                if i > 0 {
                    text.push_str("  ");
                }
                text.push_str(cell);
                text.push_str(&" ".repeat(w.saturating_sub(display_width(cell))));
            }
            text.trim_end().to_string()
        };
        out.push((None, line(header.to_vec())));
        out.push((
            None,
            line(
                widths
                    .iter()
                    .map(|w| "─".repeat(*w))
                    .collect::<Vec<_>>()
                    .iter()
                    .map(String::as_str)
                    .collect(),
            ),
        ));
        for row in rows {
            let mark = row.iter().find_map(|c| c.mark);
            out.push((mark, line(row.iter().map(|c| c.text.as_str()).collect())));
        }
        return out;
    }
    for row in rows {
        let mark = row.iter().find_map(|c| c.mark);
        let pairs: Vec<String> = header
            .iter()
            .zip(row)
            .filter(|(_, c)| !c.text.is_empty())
            .map(|(h, c)| format!("{h} {}", c.text.replace('\n', " ")))
            .collect();
        for (n, text) in wrap(&pairs.join(" · "), width.saturating_sub(2))
            .into_iter()
            .enumerate()
        {
            let lead = if n == 0 { "- " } else { "  " };
            out.push((mark, format!("{lead}{text}")));
        }
    }
    out
}
