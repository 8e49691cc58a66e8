//! The legend and its marks, and `Line`: one line of narration and the mark it carries.

use serde::Serialize;

/// The legend: each mark means one thing in every output, and always comes with its symbol,
/// so no meaning rests on colour alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    /// An event appended to the log.
    Appended,
    /// A value replaced in place: the old one is gone.
    Overwritten,
    /// A command the rules refused: nothing was stored.
    Rejected,
    /// Something a design cannot answer, check or keep.
    Cannot,
    /// The read model dropped from memory.
    ViewDown,
    /// The read model rebuilt from the log.
    ViewBack,
    /// The two designs answered the same question differently.
    Differs,
    /// An expectation (or a check) that held.
    Held,
    /// An expectation (or a check) that did not hold.
    Failed,
}

impl Mark {
    pub const ALL: [Mark; 9] = [
        Mark::Appended,
        Mark::Overwritten,
        Mark::Rejected,
        Mark::Cannot,
        Mark::ViewDown,
        Mark::ViewBack,
        Mark::Differs,
        Mark::Held,
        Mark::Failed,
    ];

    pub fn symbol(self) -> &'static str {
        match self {
            Mark::Appended => "+",
            Mark::Overwritten => "→",
            Mark::Rejected => "✗",
            Mark::Cannot => "!",
            Mark::ViewDown => "↯",
            Mark::ViewBack => "⟳",
            Mark::Differs => "≠",
            Mark::Held => "✓",
            Mark::Failed => "✘",
        }
    }

    /// What the mark means, as the legend says it.
    pub fn meaning(self) -> &'static str {
        match self {
            Mark::Appended => "an event appended to the log",
            Mark::Overwritten => "a value overwritten in place: the old one is gone",
            Mark::Rejected => "a command the rules rejected: nothing was stored",
            Mark::Cannot => "what a design cannot answer, check or keep",
            Mark::ViewDown => "OrderView dropped from memory (the log is untouched)",
            Mark::ViewBack => "OrderView rebuilt by replaying the log",
            Mark::Differs => "the designs answered the same question differently",
            Mark::Held => "an expectation that held",
            Mark::Failed => "an expectation that failed",
        }
    }
}

/// The legend as `eslab run --help` prints it (kept in step with `Mark` by a test).
pub(crate) const LEGEND: &str = "\
Legend (the same in every output):
  +  an event appended to the log
  →  a value overwritten in place: the old one is gone
  ✗  a command the rules rejected: nothing was stored
  !  what a design cannot answer, check or keep
  ↯  OrderView dropped from memory (the log is untouched)
  ⟳  OrderView rebuilt by replaying the log
  ≠  the designs answered the same question differently
  ✓  an expectation that held
  ✘  an expectation that failed";

/// The legend's entries for the marks a run uses, on one line: "+ appended · → overwritten".
/// The legend of the marks used, as entries: `Legend: + appended`, `→ overwritten`, …; a
/// renderer joins them with ` · ` and never parts a mark from its meaning.
pub(crate) fn legend_line(marks: &[Mark]) -> Vec<String> {
    let short = |mark: Mark| match mark {
        Mark::Appended => "appended",
        Mark::Overwritten => "overwritten",
        Mark::Rejected => "rejected",
        Mark::Cannot => "cannot answer or keep",
        Mark::ViewDown => "view down",
        Mark::ViewBack => "view rebuilt",
        Mark::Differs => "designs differ",
        Mark::Held => "expectation held",
        Mark::Failed => "expectation failed",
    };
    let mut used: Vec<String> = Mark::ALL
        .iter()
        .filter(|mark| marks.contains(mark))
        .map(|&mark| format!("{} {}", mark.symbol(), short(mark)))
        .collect();
    if let Some(first) = used.first_mut() {
        first.insert_str(0, "Legend: ");
    }
    used
}

/// What a line is to the lines around it. Narration says what a line is; each renderer decides
/// from that how to lay it out (indent it, join it to the line above, set it apart), so no
/// line carries a newline or an indent of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Role {
    /// Heads an entry: an action, a statement, an event, a state, a fact of its own.
    #[default]
    Title,
    /// Continues the entry above on its next line: an action's arguments, an inserted row,
    /// an order's amounts.
    Detail,
    /// A property of the entry above, set under it: an event's stream, shape, attributes.
    Attribute,
    /// One of a list under the line above: the events a stale writer missed.
    Item,
    /// What the room is asked before a step's outcome is shown, set apart from its action.
    Question,
    /// The note that narrates a step, set apart from its action.
    Note,
    /// What a step expects.
    Expectation,
    /// What a design cannot answer, check or keep.
    Caveat,
}

/// One line of narration: what it is to the lines around it, the mark it carries (for
/// colour), and its words; the symbol, where the line has one, is already in its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    pub mark: Option<Mark>,
    pub role: Role,
    pub text: String,
}

impl Line {
    pub(super) fn plain(text: impl Into<String>) -> Line {
        Line {
            mark: None,
            role: Role::Title,
            text: text.into(),
        }
    }

    pub(super) fn marked(mark: Mark, text: impl AsRef<str>) -> Line {
        Line {
            mark: Some(mark),
            role: Role::Title,
            text: format!("{} {}", mark.symbol(), text.as_ref()),
        }
    }

    /// A line that belongs to a marked one above it: coloured like it, no symbol of its own.
    pub(super) fn under(mark: Mark, text: impl Into<String>) -> Line {
        Line {
            mark: Some(mark),
            role: Role::Title,
            text: text.into(),
        }
    }

    /// The same line in another role.
    pub(super) fn as_(self, role: Role) -> Line {
        Line { role, ..self }
    }
}

/// The first mark among the lines: what a block is, at a glance.
pub(crate) fn first_mark(lines: &[Line]) -> Option<Mark> {
    lines.iter().find_map(|line| line.mark)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_legend_names_every_mark_once_with_its_own_symbol() {
        let mut symbols: Vec<&str> = Mark::ALL.iter().map(|m| m.symbol()).collect();
        symbols.sort();
        symbols.dedup();
        assert_eq!(symbols.len(), Mark::ALL.len(), "a symbol means two things");
        for mark in Mark::ALL {
            let line = format!("  {}  {}", mark.symbol(), mark.meaning());
            assert!(LEGEND.lines().any(|l| l == line), "LEGEND lacks {line:?}");
        }
        assert_eq!(LEGEND.lines().count(), Mark::ALL.len() + 1);
    }
}
