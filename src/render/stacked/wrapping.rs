//! Text wrapped at spaces to a width: a text (no lone last word), or parts joined by ` · `.

use textwrap::core::display_width;
use textwrap::{Options, WordSeparator, WordSplitter};

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
