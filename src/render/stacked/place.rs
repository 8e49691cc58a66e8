//! A design's lines placed at their depths, continuation lines joined while they fit, wrapped.

use textwrap::core::display_width;

use super::Marked;
use super::wrapping::wrap;
use crate::narrate::{Line, Mark, Role};

/// A line of a design's column as the stacked layout sets it: how deep it is indented and
/// whether it may be joined to the line above it.
#[derive(Debug, Clone)]
pub(super) struct Placed {
    mark: Option<Mark>,
    depth: usize,
    text: String,
    /// Continues the line above it (an amount, an attribute), so it may share its line.
    continues: bool,
    /// Another line was joined to it already.
    joined: bool,
}

impl Placed {
    pub(super) fn new(line: &Line, depth: usize, text: String, continues: bool) -> Placed {
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
pub(super) fn place_storage(lines: &[Line], depth: usize) -> Vec<Placed> {
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
pub(super) fn place_answer(lines: &[Line], depth: usize) -> Vec<Placed> {
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
pub(super) fn wrap_placed(placed: Vec<Placed>, width: usize) -> Vec<Marked> {
    wrap_unpacked(pack(placed, width), width)
}

/// Placed lines wrapped to `width` as they are, each indented by its depth: none joined.
pub(super) fn wrap_unpacked(placed: Vec<Placed>, width: usize) -> Vec<Marked> {
    placed
        .into_iter()
        .flat_map(|line| {
            let text = format!("{}{}", " ".repeat(line.depth), line.text);
            wrap(&text, width)
                .into_iter()
                .map(move |text| (line.mark, text))
        })
        .collect()
}
