//! The help (keys and typed commands) and the legend, drawn over everything.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Text};
use ratatui::widgets::{Block, Clear, Paragraph};
use textwrap::core::display_width;

use crate::live::{command, keys};
use crate::render::stacked::wrap;

pub(super) const HELP_TITLE: &str = " ? keys and commands (? again: the legend · Esc closes) ";
pub(super) const LEGEND_TITLE: &str = " ? legend (? or Esc closes) ";

/// The keys, then the commands typed after `:`, one a line.
pub(super) fn help_text() -> String {
    let mut text = String::from(keys::HELP);
    text.push_str("\nCommands, typed after `:`\n");
    for command in command::USAGE.split(" · ") {
        text.push_str(&format!("  :{command}\n"));
    }
    text
}

pub(super) fn render_popup(frame: &mut Frame, area: Rect, title: &str, text: &str) {
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
