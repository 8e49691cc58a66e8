//! A tiny document model (headings, paragraphs, tables) written out as terminal text or as
//! markdown, so each report is described once and printed either way.

use comfy_table::{Color, ContentArrangement, Table, presets};

use super::stacked::Marked;
use super::text::Cell;
use crate::narrate::Mark;

/// Width used when stdout is not a terminal and no `--width` was given: output stays
/// byte-for-byte reproducible wherever it is piped.
pub(crate) const DEFAULT_WIDTH: u16 = 120;

#[derive(Debug, Clone, Default)]
pub(crate) struct Doc {
    blocks: Vec<Block>,
}

#[derive(Debug, Clone)]
enum Block {
    Heading(u8, String),
    Text(String),
    /// Parts of one text (a legend's entries), joined by ` · `: on a terminal a part is
    /// never split where it fits on a line of its own.
    Parts(Vec<String>),
    /// Separate lines (a summary): each wraps on its own; in markdown, a list.
    Lines(Vec<String>),
    Table {
        header: Vec<String>,
        rows: Vec<Vec<Cell>>,
    },
    /// Lines already laid out to the width (the stacked layout's blocks), each with its mark.
    Laid(Vec<Marked>),
}

/// How wide the terminal output may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    /// Exactly this many columns.
    Fixed(u16),
    /// Whatever the terminal is (stdout is a terminal).
    Terminal,
}

impl Width {
    /// The columns this width comes to.
    pub fn columns(self) -> usize {
        match self {
            Width::Fixed(w) => w as usize,
            Width::Terminal => terminal_width().unwrap_or(DEFAULT_WIDTH) as usize,
        }
    }
}

impl Doc {
    pub(crate) fn heading(&mut self, level: u8, text: impl Into<String>) -> &mut Doc {
        self.blocks.push(Block::Heading(level, text.into()));
        self
    }

    pub(crate) fn text(&mut self, text: impl Into<String>) -> &mut Doc {
        self.blocks.push(Block::Text(text.into()));
        self
    }

    pub(crate) fn parts(&mut self, parts: Vec<String>) -> &mut Doc {
        self.blocks.push(Block::Parts(parts));
        self
    }

    pub(crate) fn lines(&mut self, lines: Vec<String>) -> &mut Doc {
        self.blocks.push(Block::Lines(lines));
        self
    }

    pub(crate) fn table<C: Into<Cell>>(&mut self, header: &[&str], rows: Vec<Vec<C>>) -> &mut Doc {
        self.blocks.push(Block::Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: rows
                .into_iter()
                .map(|row| row.into_iter().map(Into::into).collect())
                .collect(),
        });
        self
    }

    /// Lines laid out already, none wider than the width they were laid out for.
    pub(crate) fn laid(&mut self, lines: Vec<Marked>) -> &mut Doc {
        self.blocks.push(Block::Laid(lines));
        self
    }

    /// Appends another document's blocks.
    pub(crate) fn extend(&mut self, other: Doc) -> &mut Doc {
        self.blocks.extend(other.blocks);
        self
    }

    /// Terminal text; `color` styles cells by role (decided once, by the caller).
    pub(crate) fn to_terminal(&self, width: Width, color: bool) -> String {
        let wrap_width = width.columns();
        let mut out = String::new();
        for block in &self.blocks {
            match block {
                Block::Heading(level, text) => {
                    out.push_str(&terminal_heading(*level, text, wrap_width));
                    out.push('\n');
                }
                Block::Parts(parts) => {
                    for line in super::stacked::pack_parts(parts, "", wrap_width) {
                        out.push_str(&line);
                        out.push('\n');
                    }
                    out.push('\n');
                }
                Block::Text(text) => {
                    for line in super::stacked::wrap(text, wrap_width) {
                        out.push_str(&line);
                        out.push('\n');
                    }
                    out.push('\n');
                }
                Block::Lines(lines) => {
                    for line in lines {
                        for wrapped in super::stacked::wrap(line, wrap_width) {
                            out.push_str(&wrapped);
                            out.push('\n');
                        }
                    }
                    out.push('\n');
                }
                Block::Laid(lines) => {
                    out.push_str(&terminal_laid(lines, color));
                    out.push('\n');
                }
                Block::Table { header, rows } => {
                    out.push_str(&terminal_table(header, rows, width, color));
                    out.push_str("\n\n");
                }
            }
        }
        trim_end_newlines(out)
    }

    pub(crate) fn to_markdown(&self) -> String {
        let mut out = String::new();
        for block in &self.blocks {
            match block {
                Block::Heading(level, text) => {
                    out.push_str(&format!(
                        "{} {}\n\n",
                        "#".repeat(*level as usize),
                        markdown_text(text)
                    ));
                }
                Block::Laid(lines) => {
                    // Inside a fence nothing is markup, as long as no line can close it.
                    let fence = fence_for(lines.iter().map(|(_, line)| line.as_str()));
                    out.push_str(&format!("{fence}text\n"));
                    for (_, line) in lines {
                        out.push_str(line);
                        out.push('\n');
                    }
                    out.push_str(&format!("{fence}\n\n"));
                }
                // A line break inside a paragraph is kept as one (two trailing spaces).
                Block::Text(text) => out.push_str(&format!(
                    "{}\n\n",
                    markdown_text(text).replace('\n', "  \n")
                )),
                Block::Parts(parts) => {
                    out.push_str(&format!("{}\n\n", markdown_text(&parts.join(" · "))))
                }
                Block::Lines(lines) => {
                    for line in lines {
                        out.push_str(&format!("- {}\n", markdown_text(line)));
                    }
                    out.push('\n');
                }
                Block::Table { header, rows } => {
                    let cell = |text: &str| {
                        let lines: Vec<String> = text
                            .lines()
                            .map(|line| indented(&markdown_text(line).replace('|', "\\|")))
                            .collect();
                        lines.join("<br>")
                    };
                    let mut table = Table::new();
                    table
                        .load_style(presets::ASCII_MARKDOWN)
                        .set_content_arrangement(ContentArrangement::Disabled)
                        .force_no_tty()
                        .set_header(header.iter().map(|h| cell(h)).collect::<Vec<_>>())
                        .add_rows(
                            rows.iter()
                                .map(|row| row.iter().map(|c| cell(&c.text)).collect::<Vec<_>>()),
                        );
                    out.push_str(&table.to_string());
                    out.push_str("\n\n");
                }
            }
        }
        trim_end_newlines(out)
    }
}

/// A heading on a terminal: wrapped like any text (a word longer than the width is broken),
/// and underlined as wide as its widest line looks: a CJK character takes two columns.
fn terminal_heading(level: u8, text: &str, wrap_width: usize) -> String {
    let lines = super::stacked::wrap(text, wrap_width);
    let widest = lines
        .iter()
        .map(|line| textwrap::core::display_width(line))
        .max()
        .unwrap_or(0);
    let rule = if level <= 1 { "=" } else { "-" };
    let mut out = String::new();
    for line in &lines {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&rule.repeat(widest));
    out.push('\n');
    out
}

/// Lines laid out already, one a line, each coloured by its mark when colour is on.
fn terminal_laid(lines: &[Marked], color: bool) -> String {
    let mut out = String::new();
    for (mark, line) in lines {
        match mark {
            Some(mark) if color && !line.is_empty() => {
                use crossterm::style::Stylize;
                out.push_str(&line.as_str().with(ansi_color(*mark)).to_string());
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// A table drawn with borders to the width (the terminal's, when it is one).
fn terminal_table(header: &[String], rows: &[Vec<Cell>], width: Width, color: bool) -> String {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.to_vec())
        .add_rows(rows.iter().map(|row| {
            row.iter()
                .map(|cell| styled(cell, color))
                .collect::<Vec<_>>()
        }));
    match width {
        Width::Fixed(w) => {
            table.force_no_tty().set_width(w);
        }
        Width::Terminal => {
            table.force_no_tty();
            if let Some(w) = terminal_width() {
                table.set_width(w);
            }
        }
    }
    if color {
        table.enforce_styling();
    }
    table.to_string()
}

/// A table cell, coloured by its mark when colour is on. The eight base colours (`Dark…` in
/// comfy-table) are the ones a terminal's theme adapts to its background, so they read on a
/// light projector as on a dark terminal; the bright ones wash out on white.
fn styled(cell: &Cell, color: bool) -> comfy_table::Cell {
    let styled = comfy_table::Cell::new(&cell.text);
    match cell.mark.map(mark_color) {
        Some(c) if color => styled.fg(c),
        _ => styled,
    }
}

/// One colour per mark, decided here once.
pub(crate) fn mark_color(mark: Mark) -> Color {
    match mark {
        Mark::Appended | Mark::Held => Color::DarkGreen,
        Mark::Overwritten => Color::DarkYellow,
        Mark::Rejected | Mark::Failed | Mark::Differs => Color::DarkRed,
        Mark::Cannot => Color::DarkMagenta,
        Mark::ViewDown | Mark::ViewBack => Color::DarkCyan,
    }
}

/// `mark_color` for text written straight to the terminal.
fn ansi_color(mark: Mark) -> crossterm::style::Color {
    use crossterm::style::Color as C;
    match mark_color(mark) {
        Color::DarkGreen => C::DarkGreen,
        Color::DarkYellow => C::DarkYellow,
        Color::DarkRed => C::DarkRed,
        Color::DarkMagenta => C::DarkMagenta,
        Color::DarkCyan => C::DarkCyan,
        _ => C::Reset,
    }
}

/// Text as markdown shows it literally: what a renderer would take for HTML (a tag, an
/// entity) or for a link (`[text](javascript:…)`) is escaped, so a customer named
/// `<img src=x onerror=…>` reads as those characters and runs nothing. Text without such
/// characters comes out as it went in, and so does a code span (`` `a > b` ``) holding no
/// `<`, `[` or `]`: the characters that could make markup are escaped wherever they are, so
/// nothing depends on where a renderer thinks a code span ends.
pub(crate) fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '`' {
            let run = rest.len() - rest.trim_start_matches('`').len();
            let after = &rest[run..];
            let close = code_span_end(after, run);
            if let Some(end) = close.filter(|&end| !after[..end].contains(['<', '[', ']'])) {
                out.push_str(&rest[..run + end + run]);
                rest = &after[end + run..];
            } else {
                out.push_str(&rest[..run]);
                rest = after;
            }
            continue;
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '[' | ']' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Where a code span opened by `run` backticks closes in `text`: the start of the next run
/// of exactly that many.
fn code_span_end(text: &str, run: usize) -> Option<usize> {
    let mut at = 0;
    while let Some(found) = text[at..].find('`') {
        let start = at + found;
        let length = text[start..].len() - text[start..].trim_start_matches('`').len();
        if length == run {
            return Some(start);
        }
        at = start + length;
    }
    None
}

/// A code fence longer than any run of backticks in `lines`, so none of them can close it.
fn fence_for<'a>(lines: impl Iterator<Item = &'a str>) -> String {
    let longest = lines
        .flat_map(|line| line.split(|c| c != '`').map(str::len))
        .max()
        .unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// A line whose leading spaces markdown would drop keeps them as non-breaking spaces.
fn indented(line: &str) -> String {
    let text = line.trim_start_matches(' ');
    format!("{}{text}", "&nbsp;".repeat(line.len() - text.len()))
}

fn trim_end_newlines(mut out: String) -> String {
    while out.ends_with("\n\n") {
        out.pop();
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// The terminal's width, asked of the table library so we measure it the same way it does.
/// The terminal's width, unless it reports none: a pseudo-terminal that was never given a
/// size (script(1) in a pipe, some CI runners) says 0 columns, which means unknown, not one
/// character a line.
fn terminal_width() -> Option<u16> {
    Table::new().width().filter(|&w| w > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_text_escapes_markup_and_keeps_safe_code_spans() {
        assert_eq!(markdown_text("Bob: 5 × Book"), "Bob: 5 × Book");
        assert_eq!(
            markdown_text("<img src=x> & [a](b) \\"),
            "&lt;img src=x&gt; &amp; \\[a\\](b) \\\\"
        );
        // A code span shows its text as typed; one that could hold markup is escaped.
        assert_eq!(markdown_text("`eslab show x > y`"), "`eslab show x > y`");
        assert_eq!(markdown_text("`<b>`"), "`&lt;b&gt;`");
        assert_eq!(markdown_text("`` a ` <b> ``"), "`` a ` &lt;b&gt; ``");
        assert_eq!(markdown_text("a ` <b>"), "a ` &lt;b&gt;");
        assert_eq!(fence_for(["a", "x ```` y"].into_iter()), "`````");
        assert_eq!(fence_for(["plain"].into_iter()), "```");
    }
}
