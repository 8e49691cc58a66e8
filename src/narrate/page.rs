//! The HTML page's own words around the facts (`--format html`): its headings, its buttons,
//! and the labels its script shows. `render::html` lays them out and escapes them.

use crate::service::Backend;

use super::*;

/// The words the page's script shows (embedded in the page's data as `labels`); `L` is a
/// line as the page embeds one.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct PageLabels<L> {
    pub step: &'static str,
    pub of: &'static str,
    pub play: &'static str,
    pub pause: &'static str,
    pub no_rows: &'static str,
    pub no_events: &'static str,
    pub view_down: String,
    pub checkpoint: &'static str,
    pub view_empty: &'static str,
    pub as_of: &'static str,
    pub back_to_step: &'static str,
    /// What CRUD can say while OrderView travels back in time.
    pub crud_as_of: L,
    pub earlier_events: &'static str,
    pub differing: &'static str,
    /// Under a step asked, before its outcome is shown.
    pub reveal: &'static str,
    /// On the event of the log where the latest snapshot was taken.
    pub snapshot_here: &'static str,
    /// The toggle's words: each step asked first, or shown whole.
    pub ask_first: &'static str,
    pub show_whole: &'static str,
}

/// The labels the page's script shows; `line` sets a line of narration as the page embeds
/// it.
pub(crate) fn page_labels<L>(line: impl Fn(Line) -> L) -> PageLabels<L> {
    PageLabels {
        step: "Step",
        of: "of",
        play: "Play",
        pause: "Pause",
        no_rows: "(no rows)",
        no_events: "(no events yet)",
        view_down: view_down_row(),
        checkpoint: "checkpoint",
        view_empty: "(empty)",
        as_of: "OrderView as of event",
        back_to_step: "Back to the step",
        crud_as_of: line(row_keeps_latest()),
        earlier_events: "earlier events above",
        differing: Mark::Differs.symbol(),
        reveal: "What will each design do? → shows it.",
        snapshot_here: SNAPSHOT_HERE,
        ask_first: "Ask first",
        show_whole: "Show whole",
    }
}

/// On the event of the log where the latest snapshot of OrderView was taken (its
/// checkpoint), in the live view and on the page.
pub(crate) const SNAPSHOT_HERE: &str = "OrderView's snapshot taken here";

/// The page's frame: the scrubber's buttons, the panes' headings, the footer.
pub(crate) struct PageFrame {
    pub steps: &'static str,
    pub previous: &'static str,
    pub previous_key: &'static str,
    pub next: &'static str,
    pub next_key: &'static str,
    pub play_all: &'static str,
    pub marked_steps: &'static str,
    pub view: &'static str,
    pub legend: &'static str,
    pub summary: &'static str,
    pub keys: &'static str,
    pub needs_script: &'static str,
    pub ask_first: &'static str,
    pub ask_first_title: &'static str,
    /// How each side shows money: CRUD in whole cents, as SQLite stores it; OrderView in dollars.
    pub crud_money: &'static str,
    pub view_money: &'static str,
}

pub(crate) const PAGE_FRAME: PageFrame = PageFrame {
    steps: "Steps",
    previous: "Previous step",
    previous_key: "Previous step (←)",
    next: "Next step",
    next_key: "Next step (→)",
    play_all: "Play the steps",
    marked_steps: "Marked steps",
    view: "OrderView",
    legend: "Legend",
    summary: "Summary of the whole run",
    keys: "→ asks a step (its command and question, the panes as before it), → again shows what each design did · ← the step before · Home / End first and last · “Ask first” off shows each step whole · #step=N opens step N whole, #step=N&ask asks it · click an event to see OrderView as of it · print for a handout, one step a page",
    needs_script: "This page needs JavaScript to show its steps.",
    ask_first: "Ask first",
    ask_first_title: "Each step in two beats: its question first, then what each design did",
    crud_money: "Money as SQLite stores it: whole cents (6000 is $60.00).",
    view_money: "Money in dollars, as OrderView holds it.",
};

/// The heading over what a design did at the step: `What CRUD did`.
pub(crate) fn what_it_did(backend: Backend) -> String {
    let name = match backend {
        Backend::Crud => design_name(backend).to_string(),
        Backend::Es => design_name(backend).to_lowercase(),
    };
    format!("What {name} did")
}
