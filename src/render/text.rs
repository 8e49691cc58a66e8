//! A table cell: narrated text and the mark that colours it. The words come from `narrate`.

use serde::Serialize;

use crate::narrate::{self, Line, Mark, Role};

/// One entry of narration as a table cell, the JSON and the page set it: a title with its
/// details on the lines below it; an attribute or an item as an entry of its own, indented
/// two spaces; a note set apart by a blank line above it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Entry {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mark: Option<Mark>,
    pub text: String,
}

/// Narrated lines laid out as entries (see `Entry`).
pub(crate) fn entries(lines: &[Line]) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    for line in lines {
        let text = match line.role {
            Role::Detail => {
                if let Some(last) = out.last_mut() {
                    last.text.push('\n');
                    last.text.push_str(&line.text);
                    continue;
                }
                line.text.clone()
            }
            Role::Attribute | Role::Item => format!("  {}", line.text),
            // Set apart from what is above it; a cell that starts with it needs no gap.
            Role::Question | Role::Note if !out.is_empty() => format!("\n{}", line.text),
            Role::Title | Role::Expectation | Role::Caveat | Role::Question | Role::Note => {
                line.text.clone()
            }
        };
        out.push(Entry {
            mark: line.mark,
            text,
        });
    }
    out
}

/// Narrated lines as one block of text, laid out as entries, one a line.
pub(crate) fn joined(lines: &[Line]) -> String {
    let texts: Vec<String> = entries(lines).into_iter().map(|e| e.text).collect();
    texts.join("\n")
}

/// A cell's text and the mark it carries; the terminal colours a cell by its mark, and the
/// mark's symbol is in the text, so nothing depends on colour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cell {
    pub text: String,
    pub mark: Option<Mark>,
}

impl Cell {
    pub(crate) fn new(text: impl Into<String>, mark: Mark) -> Cell {
        Cell {
            text: text.into(),
            mark: Some(mark),
        }
    }

    /// Narrated lines as one cell, marked by the first mark among them.
    pub(crate) fn lines(lines: &[Line]) -> Cell {
        Cell {
            text: joined(lines),
            mark: narrate::first_mark(lines),
        }
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell { text, mark: None }
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::from(text.to_string())
    }
}

impl From<Vec<Line>> for Cell {
    fn from(lines: Vec<Line>) -> Cell {
        Cell::lines(&lines)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::narrate::Line;

    fn line(role: Role, text: &str) -> Line {
        Line {
            mark: None,
            role,
            text: text.into(),
        }
    }

    #[test]
    fn entries_are_laid_out_from_roles_not_from_the_words() {
        let lines = [
            line(Role::Title, "place_order A1"),
            line(Role::Detail, "Bob: 5 × Book @ $10.00"),
            line(Role::Note, "Bob orders."),
            line(Role::Title, "+ #2001 NewOrderEvent"),
            line(Role::Attribute, "A1 v1"),
            line(Role::Item, "#2002 ModifyOrderEvent (quantity 6)"),
        ];
        let texts: Vec<String> = entries(&lines).into_iter().map(|e| e.text).collect();
        assert_eq!(
            texts,
            [
                "place_order A1\nBob: 5 × Book @ $10.00",
                "\nBob orders.",
                "+ #2001 NewOrderEvent",
                "  A1 v1",
                "  #2002 ModifyOrderEvent (quantity 6)",
            ]
        );
        assert_eq!(
            joined(&lines[..3]),
            "place_order A1\nBob: 5 × Book @ $10.00\n\nBob orders."
        );
    }
}
