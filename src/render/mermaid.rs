//! `--format mermaid`: the run as a Mermaid sequence diagram, in the spirit of the classic
//! side-by-side figure: the user, the order service, the CRUD database on one side, and the
//! event store with `OrderView` listening on the other.

use crate::narrate::diagram::{self, Arrow, Party, Said};
use crate::sanitize::clean_prose;
use crate::trace::Trace;

/// Mermaid sizes a note's box by its text, and longer notes overflow it: a note says at most
/// this many characters (messages are kept whole).
const NOTE_MAX_CHARS: usize = 70;

/// Message text made safe for Mermaid: one line (control characters escaped), no `;` or `#` (which Mermaid reads as syntax)
/// and no `<`/`>` (read as HTML).
fn safe(text: &str) -> String {
    entities(&clean_prose(text))
}

/// A note over a participant, its text made safe and cut to `NOTE_MAX_CHARS`.
fn note(over: &str, text: &str) -> String {
    let text = cut(&clean_prose(text), NOTE_MAX_CHARS);
    format!("Note over {over}: {}", entities(&text))
}

/// `text` if it has at most `max` characters; otherwise cut with `…`, at a space if there is
/// one in its second half.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let kept: String = text.chars().take(max - 1).collect();
    let kept = match kept.rfind(' ') {
        Some(at) if kept[..at].chars().count() >= max / 2 => &kept[..at],
        _ => kept.as_str(),
    };
    format!("{}…", kept.trim_end_matches([' ', ',', ';', ':']))
}

/// Escapes what Mermaid would read as syntax or HTML.
fn entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            ';' => out.push_str("#59;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            c => out.push(c),
        }
    }
    out
}

/// The id a party goes by in the diagram's source.
fn id(party: Party) -> &'static str {
    match party {
        Party::User => "User",
        Party::Service => "Service",
        Party::Crud => "CRUD",
        Party::Store => "Store",
        Party::View => "View",
    }
}

/// One thing said, as a line of Mermaid.
fn said(said: &Said) -> String {
    match said {
        Said::Message {
            from,
            to,
            arrow,
            text,
        } => {
            let arrow = match arrow {
                Arrow::Call => "->>",
                Arrow::Reply => "-->>",
                Arrow::Refusal => "--x",
            };
            format!("{}{arrow}{}: {}", id(*from), id(*to), safe(text))
        }
        Said::Note { over, text } => note(id(*over), text),
    }
}

pub(crate) fn sequence_diagram(trace: &Trace) -> String {
    let mut out = String::new();
    let mut line = |text: String| {
        out.push_str("    ");
        out.push_str(&text);
        out.push('\n');
    };
    line(format!("title {}", safe(&trace.scenario.title)));
    for party in diagram::parties(&trace.backends) {
        line(match party {
            Party::User => format!("actor {}", id(party)),
            _ => format!("participant {} as {}", id(party), party.name()),
        });
    }
    for step in &trace.steps {
        line(said(&diagram::asked(step)));
        for result in &step.results {
            for message in diagram::said(step, result.backend, &result.outcome) {
                line(said(&message));
            }
        }
    }
    format!("sequenceDiagram\n{out}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_text_cannot_break_the_diagram() {
        assert_eq!(safe("a; b # c <d>"), "a#59; b #35; c #lt;d#gt;");
        assert_eq!(safe("two\nlines"), "two\\nlines");
    }

    #[test]
    fn long_notes_are_cut_and_stay_safe() {
        assert_eq!(note("View", "rebuilt"), "Note over View: rebuilt");
        let long = format!("{}; and then some more words", "word ".repeat(20));
        let cut = note("CRUD", &long);
        let said = cut.strip_prefix("Note over CRUD: ").unwrap();
        assert!(said.chars().count() <= NOTE_MAX_CHARS, "{said}");
        assert!(said.ends_with("word…"), "{said}");
        let unbroken = "x;".repeat(50);
        let said = note("CRUD", &unbroken);
        assert!(!said.contains("; "), "{said}");
        assert!(said.ends_with("x…"), "{said}");
        assert_eq!(said.matches("#59;").count(), 34, "{said}");
    }
}
