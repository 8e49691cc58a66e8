//! A table cell: narrated text and the mark that colours it. The words come from `narrate`.

use crate::narrate::{self, Line, Mark};

/// A cell's text and the mark it carries; the terminal colours a cell by its mark, and the
/// mark's symbol is in the text, so nothing depends on colour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    pub mark: Option<Mark>,
}

impl Cell {
    pub fn new(text: impl Into<String>, mark: Mark) -> Cell {
        Cell {
            text: text.into(),
            mark: Some(mark),
        }
    }

    /// Narrated lines as one cell, marked by the first mark among them.
    pub fn lines(lines: &[Line]) -> Cell {
        Cell {
            text: narrate::joined(lines),
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
