//! One step as a block (or in two beats, asked then revealed), and a design's pane alone.

use textwrap::core::display_width;

use super::Marked;
use super::columns::design_columns;
use super::place::{Placed, place_answer, place_storage, wrap_placed, wrap_unpacked};
use super::table::report_tables;
use super::wrapping::wrap;
use crate::narrate::{self, Line, Mark, Role};
use crate::service::{Backend, Outcome};
use crate::trace::StepRecord;

/// What a step does on one line: its name and order, then its arguments, joined by ` · `.
pub(crate) fn action_title(action: &crate::scenario::Action) -> String {
    let texts: Vec<String> = narrate::action(action)
        .into_iter()
        .map(|line| line.text)
        .collect();
    texts.join(" · ")
}

/// The step's first line: its number and what it does.
pub(crate) fn step_title(record: &StepRecord) -> String {
    format!("{}. {}", record.step, action_title(&record.action))
}

/// What is said of a step under its title: what it asks (`step_asks`), then what it
/// reveals (`step_reveals`).
pub(crate) fn step_about(record: &StepRecord) -> Vec<Line> {
    let mut about = step_asks(record);
    about.extend(step_reveals(record));
    about
}

/// What is said of a step before its outcome: the question it asks (the action itself is
/// the title).
pub(crate) fn step_asks(record: &StepRecord) -> Vec<Line> {
    narrate::asks(record)
        .into_iter()
        .filter(|line| !matches!(line.role, Role::Title | Role::Detail))
        .collect()
}

/// What is said of a step with its outcome: the note, what it expects, and ≠ when the
/// designs answered differently.
pub(crate) fn step_reveals(record: &StepRecord) -> Vec<Line> {
    let mut reveals = narrate::reveals(record);
    reveals.extend(narrate::agreement(record.agreement()));
    reveals
}

/// What a design stored (or where it read), what it answered, and its failed expectations.
type Parts = (Vec<Line>, Vec<Line>, Vec<Line>);

fn design_parts(record: &StepRecord, backend: Backend, log_apart: bool) -> Parts {
    let Some(outcome) = record.result(backend) else {
        return Default::default();
    };
    let failed = record
        .failures(backend)
        .iter()
        .map(narrate::failure)
        .collect();
    let storage = if log_apart {
        narrate::storage_besides_log(backend, outcome, &record.action).0
    } else {
        narrate::step_storage(record, backend)
    };
    (storage, narrate::step_answer(record, backend), failed)
}

/// A design's column, placed at `depth`, from its parts (`design_parts`).
fn design_column(parts: Parts, depth: usize) -> Vec<Placed> {
    let (storage, answer, failed) = parts;
    let mut placed = place_storage(&storage, depth);
    placed.extend(place_answer(&answer, depth));
    placed.extend(place_storage(&failed, depth));
    placed
}

/// A design's column for a pane of its own `width` wide, beside a pane that shows the log
/// (so the events appended are left out): each line wrapped, none joined.
pub fn design_pane(record: &StepRecord, backend: Backend, width: usize) -> Vec<Marked> {
    wrap_unpacked(design_column(design_parts(record, backend, true), 0), width)
}

/// One step as a block of lines, none wider than `width`.
pub(crate) fn step_block(backends: &[Backend], record: &StepRecord, width: usize) -> Vec<Marked> {
    marked_step_block(backends, record, width).0
}

/// The marks some lines carry, each once, in the order they first appear.
pub(super) fn marks_of<'l>(lines: impl Iterator<Item = &'l Line>) -> Vec<Mark> {
    let mut used: Vec<Mark> = Vec::new();
    for mark in lines.filter_map(|line| line.mark) {
        if !used.contains(&mark) {
            used.push(mark);
        }
    }
    used
}

/// One step as a block, and the marks its words carry, in the order they first appear (a
/// row of two columns is coloured only when both agree, so the block's own marks say less):
/// what a legend over the blocks lists, without narrating the step again.
fn marked_step_block(
    backends: &[Backend],
    record: &StepRecord,
    width: usize,
) -> (Vec<Marked>, Vec<Mark>) {
    marked_step_block_with(backends, record, width, true, false)
}

/// `marked_step_block`, with the designs' headings over the columns or not (a block under
/// another whose columns were headed already needs none), and, `once`, an answer both
/// designs gave said once under both columns, an answer that says nothing left out (a whole
/// run's blocks, read one under the other).
pub(crate) fn marked_step_block_with(
    backends: &[Backend],
    record: &StepRecord,
    width: usize,
    headings: bool,
    once: bool,
) -> (Vec<Marked>, Vec<Mark>) {
    let Beats {
        mut ask,
        reveal,
        used,
    } = step_beats_with(backends, record, width, headings, once);
    ask.extend(reveal);
    (ask, used)
}

/// One step's block in its two beats: what a room may see before it runs (its title and
/// question), then what it revealed (each design, the answers, the note, the verdicts).
pub(crate) struct Beats {
    pub ask: Vec<Marked>,
    pub reveal: Vec<Marked>,
    /// The marks the block's words carry, in the order they first appear.
    pub used: Vec<Mark>,
}

/// One step as its two beats, none wider than `width` (`eslab run --step` shows them a key
/// apart).
pub(crate) fn step_beats(backends: &[Backend], record: &StepRecord, width: usize) -> Beats {
    step_beats_with(backends, record, width, true, false)
}

/// `step_beats`, with the options of `marked_step_block_with`. Nothing of the outcome is in
/// the first beat: the title and the question are the step's own words.
fn step_beats_with(
    backends: &[Backend],
    record: &StepRecord,
    width: usize,
    headings: bool,
    once: bool,
) -> Beats {
    let mut ask: Vec<Marked> = wrap(&step_title(record), width)
        .into_iter()
        .map(|l| (None, l))
        .collect();
    let asks = step_asks(record);
    let reveals = step_reveals(record);
    let both = if once {
        both_answered(backends, record)
    } else {
        Vec::new()
    };
    let mut parts: Vec<(Backend, Parts)> = backends
        .iter()
        .map(|&backend| {
            let mut parts = design_parts(record, backend, false);
            match record.result(backend) {
                // A report's rows are laid out as a table under the columns.
                Some(Outcome::Report { report, .. }) => parts.1 = narrate::report_in_table(report),
                Some(outcome) if once && narrate::answers_nothing(outcome) => parts.1.clear(),
                _ => {}
            }
            (backend, parts)
        })
        .collect();
    let used = marks_of(
        asks.iter()
            .chain(both.iter())
            .chain(parts.iter().flat_map(|(_, (storage, answer, failed))| {
                storage.iter().chain(answer).chain(failed)
            }))
            .chain(reveals.iter()),
    );
    if !both.is_empty() {
        for (_, parts) in &mut parts {
            parts.1.clear();
        }
    }
    ask.extend(wrap_placed(place_storage(&asks, 0), width));
    let mut reveal = design_columns(
        parts
            .into_iter()
            .map(|(backend, parts)| (backend, move |depth| design_column(parts, depth)))
            .collect(),
        width,
        headings,
    );
    reveal.extend(lay_both(&both, width));
    reveal.extend(report_tables(record, width));
    reveal.extend(wrap_placed(place_storage(&reveals, 0), width));
    Beats { ask, reveal, used }
}

/// Both designs' answer, when they gave the same one (`narrate::both_answered`), to be said
/// once under both columns; empty otherwise, or when either failed an expectation there.
pub(super) fn both_answered(backends: &[Backend], record: &StepRecord) -> Vec<Line> {
    match (
        backends,
        record.result(Backend::Crud),
        record.result(Backend::Es),
    ) {
        // A report's rows are a table under the columns already.
        (_, Some(Outcome::Report { .. }), _) | (_, _, Some(Outcome::Report { .. })) => Vec::new(),
        ([_, _], Some(crud), Some(es))
            if record.agreement() == crate::service::Agreement::Same
                && record.failures(Backend::Crud).is_empty()
                && record.failures(Backend::Es).is_empty() =>
        {
            narrate::both_answered(crud, es, &record.action)
        }
        _ => Vec::new(),
    }
}

/// The answer both designs gave, under both columns: on one line when it fits the width,
/// else its first line with the rest indented under it.
pub(super) fn lay_both(lines: &[Line], width: usize) -> Vec<Marked> {
    let texts: Vec<&str> = lines.iter().map(|line| line.text.as_str()).collect();
    let joined = texts.join(" · ");
    if lines.is_empty() {
        return Vec::new();
    }
    let mark = narrate::first_mark(lines);
    if display_width(&joined) <= width {
        return vec![(mark, joined)];
    }
    let placed = lines
        .iter()
        .enumerate()
        .map(|(i, line)| match line.role {
            _ if i == 0 => Placed::new(line, 0, line.text.clone(), false),
            Role::Detail => Placed::new(line, 2, line.text.clone(), true),
            _ => Placed::new(line, 2, line.text.clone(), false),
        })
        .collect();
    wrap_placed(placed, width)
}
