//! Rendering: every report is built from the trace (or the stored log) and printed as a
//! table, JSON, markdown or a Mermaid diagram. Nothing here runs a backend.

mod bench;
mod diff;
pub(crate) mod doc;
mod history;
mod html;
mod json_run;
mod kept;
mod lists;
mod log;
pub(crate) mod mermaid;
mod replay;
mod run;
mod sink;
pub(crate) mod stacked;
pub(crate) mod text;
mod verify;
mod volume;

use serde::Serialize;

pub(crate) use bench::bench;
pub(crate) use diff::DiffReport;
pub use doc::Width;
pub(crate) use doc::{DEFAULT_WIDTH, Doc};
pub(crate) use json_run::JsonRun;
pub(crate) use kept::{Diagram, Document, Kept, Page};
pub(crate) use lists::{ScenarioListing, reports, scenarios};
pub(crate) use log::{JsonLog, LoggedEvent, log};
pub(crate) use replay::replay;
pub use run::run;
pub(crate) use run::{run_closing, run_opening, run_step};
pub(crate) use sink::RunSink;
pub(crate) use verify::verdict;
pub(crate) use volume::{TABLE_STEPS, TableRun};

/// The most steps (or events) an output that keeps them all until it is written may be
/// given: a Mermaid diagram, a page, a live session (which keeps every step to go back to),
/// a log's table. Past it, memory would grow with the input (a 200,000-step page took
/// 1.25 GB), so such an output is refused before anything runs, naming the one that streams.
pub const MAX_HELD: usize = 20_000;

/// The one check of `MAX_HELD`: `count` steps or events (`unit`) for `output`, which holds
/// them all; `streams` names what to use instead.
pub(crate) fn check_held(
    output: &str,
    count: usize,
    unit: &str,
    instead: &str,
) -> anyhow::Result<()> {
    if count > MAX_HELD {
        anyhow::bail!(
            "{output} keeps all its {unit} in memory, and this has {count}, more than the {MAX_HELD} it takes: {instead}"
        );
    }
    Ok(())
}

/// An output form; each subcommand offers the ones it has (see `cli`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Markdown,
    /// A Mermaid sequence diagram (`eslab run` only).
    Mermaid,
    /// One self-contained page with a time scrubber (`eslab run` and `eslab diff`).
    Html,
}

/// How to print a report.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub format: Format,
    pub width: Width,
    /// Colour table cells by role; decided once from --color, NO_COLOR and the terminal.
    pub color: bool,
    /// How `eslab run` lays out its steps as text.
    pub layout: Layout,
}

/// How `eslab run` lays out its steps: one wide table, or one block per step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Wide,
    Stacked,
}

impl Layout {
    /// Below this width the wide table would break words inside: blocks fit instead.
    pub const WIDE_FROM: usize = 120;

    pub fn for_width(columns: usize) -> Layout {
        if columns >= Self::WIDE_FROM {
            Layout::Wide
        } else {
            Layout::Stacked
        }
    }
}

impl Style {
    fn print(&self, doc: &Doc, json: &impl Serialize) -> String {
        match self.format {
            // Only `eslab run` draws a diagram and only `run` and `diff` a page (each before
            // coming here); elsewhere a table is the closest picture.
            Format::Table | Format::Mermaid | Format::Html => {
                doc.to_terminal(self.width, self.color)
            }
            Format::Markdown => doc.to_markdown(),
            Format::Json => to_json(json),
        }
    }
}

pub(crate) fn to_json(value: &impl Serialize) -> String {
    let mut text =
        serde_json::to_string_pretty(value).expect("reports hold only strings, numbers and lists");
    text.push('\n');
    text
}

pub(crate) use crate::narrate::plural;
