//! The stacked layout: each step one block that fits the width. The step and its note at full
//! width, then what each design stored and answered, side by side when there is room and one
//! under the other when not. Text wraps at spaces only, so an identifier (`NewOrderEvent`,
//! `change_quantity`, `revenue-per-customer`) or an amount is never broken inside, unless a
//! single word is wider than the whole column. `eslab live` prints the same blocks.

use textwrap::core::display_width;
use textwrap::{Options, WordSeparator, WordSplitter};

use super::text::Cell;
use crate::narrate::{self, Line, Mark};
use crate::service::Backend;
use crate::trace::StepRecord;

/// Below this many columns per design, the designs are shown one under the other.
const MIN_COLUMN: usize = 30;
const SEPARATOR: &str = " │ ";

/// One line of a block and the mark that colours it.
pub type Marked = (Option<Mark>, String);

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
        out.extend(
            textwrap::wrap(trimmed, options)
                .into_iter()
                .map(|l| l.trim_end().to_string()),
        );
    }
    out
}

fn wrap_lines(lines: &[Line], width: usize) -> Vec<Marked> {
    pack(lines, width)
        .iter()
        .flat_map(|line| {
            wrap(&line.text, width)
                .into_iter()
                .map(move |text| (line.mark, text))
        })
        .collect()
}

/// Lines that continue the one above them, indented deeper (an answer's amounts, an appended
/// event's stream and attributes), joined to it with ` · ` while the whole fits `width`, so a
/// narrow block spends its height on what changed. Nothing is reworded: the words are
/// narrate's, only line breaks go. Separate lines of a history or a report stay one a line.
pub fn pack(lines: &[Line], width: usize) -> Vec<Line> {
    let indent = |text: &str| text.len() - text.trim_start_matches(' ').len();
    let mut out: Vec<Line> = Vec::new();
    // The indent of the line the current one continues.
    let mut head: Option<usize> = None;
    for line in lines {
        for (part, text) in line.text.split('\n').enumerate() {
            let depth = indent(text);
            // An event's stream and version may join its id and type, as in the log (its
            // attributes then start a line of their own); an answer's amounts join each
            // other, never its first line.
            let appended = line.mark == Some(Mark::Appended);
            if let (Some(head_depth), Some(last)) = (head, out.last_mut())
                && (part > 0 || appended)
                && depth > head_depth
                && (indent(&last.text) > head_depth || (appended && !last.text.contains(" · ")))
                && last.mark == line.mark
            {
                let joined = format!("{} · {}", last.text, text.trim_start());
                if display_width(&joined) <= width {
                    last.text = joined;
                    continue;
                }
            }
            if head.is_none_or(|h| depth <= h) {
                head = Some(depth);
            }
            out.push(Line {
                mark: line.mark,
                text: text.to_string(),
            });
        }
    }
    out
}

/// The step's first line: its number and what it does, the action's lines joined.
pub fn step_title(record: &StepRecord) -> String {
    let action = narrate::action(&record.action);
    let parts: Vec<&str> = action.lines().collect();
    format!("{}. {}", record.step, parts.join(" · "))
}

/// The column heading of a design in a block.
pub fn design_heading(backend: Backend) -> &'static str {
    match backend {
        Backend::Crud => "CRUD: orders table",
        Backend::Es => "Event sourcing: event log",
    }
}

/// What a design stored (or where it read) and what it answered, as lines of one column.
pub fn design_lines(record: &StepRecord, backend: Backend) -> Vec<Line> {
    let Some(outcome) = record.result(backend) else {
        return Vec::new();
    };
    let mut lines = narrate::storage(backend, outcome, &record.action);
    let answer = narrate::answer(&record.action, outcome);
    // The answer is set off by its heading's word, once, so it never reads as storage.
    for (i, line) in answer.into_iter().enumerate() {
        let text = line.text.replace('\n', "\n  ");
        lines.push(Line {
            mark: line.mark,
            text: if i == 0 {
                format!("answers {text}")
            } else {
                format!("  {text}")
            },
        });
    }
    lines.extend(record.failures(backend).iter().map(narrate::failure));
    lines
}

/// One step as a block of lines, none wider than `width`.
pub fn step_block(backends: &[Backend], record: &StepRecord, width: usize) -> Vec<Marked> {
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
pub fn marked_step_block(
    backends: &[Backend],
    record: &StepRecord,
    width: usize,
) -> (Vec<Marked>, Vec<Mark>) {
    let mut about = narrate::step(record);
    // The action is the title; the note and the expectation follow it.
    about.remove(0);
    about.extend(narrate::agreement(record.agreement()));
    let mut block: Vec<Marked> = wrap(&step_title(record), width)
        .into_iter()
        .map(|l| (None, l))
        .collect();
    for line in &mut about {
        line.text = line.text.trim_start_matches('\n').to_string();
    }
    block.extend(wrap_lines(&about, width));
    let columns: Vec<(Backend, Vec<Line>)> = backends
        .iter()
        .map(|&b| (b, design_lines(record, b)))
        .collect();
    let used = marks_of(
        about
            .iter()
            .chain(columns.iter().flat_map(|(_, lines)| lines)),
    );
    let side_by_side = columns.len() > 1
        && (width.saturating_sub(SEPARATOR.len() * (columns.len() - 1))) / columns.len()
            >= MIN_COLUMN;
    if side_by_side {
        let n = columns.len();
        let column = (width - display_width(SEPARATOR) * (n - 1)) / n;
        let wrapped: Vec<Vec<Marked>> = columns
            .iter()
            .map(|(backend, lines)| {
                let mut col = vec![(None, design_heading(*backend).to_string())];
                col.extend(wrap_lines(lines, column));
                col
            })
            .collect();
        let height = wrapped.iter().map(Vec::len).max().unwrap_or(0);
        for row in 0..height {
            let mut text = String::new();
            // A row is coloured only when every cell in it carries the same mark.
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
            block.push((mark, text.trim_end().to_string()));
        }
    } else {
        for (backend, lines) in &columns {
            block.push((None, design_heading(*backend).to_string()));
            let indented: Vec<Line> = lines
                .iter()
                .map(|l| Line {
                    mark: l.mark,
                    text: format!("  {}", l.text.replace('\n', "\n  ")),
                })
                .collect();
            block.extend(wrap_lines(&indented, width));
        }
    }
    (block, used)
}

/// A block as text, one line each.
pub fn block_text(block: &[Marked]) -> String {
    let mut out = String::new();
    for (_, line) in block {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// A table without borders: columns two spaces apart when they fit the width; otherwise each
/// row as lines of `column value`, wrapped like any text, so no value is ever cut.
pub fn table(header: &[&str], rows: &[Vec<Cell>], width: usize) -> Vec<Marked> {
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
