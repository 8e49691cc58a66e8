//! The whole run: histories' captions, the summary, `eslab diff`'s headline.

use crate::sanitize::clean;
use crate::service::{Backend, Outcome};
use crate::trace::{Summary, Trace};

use super::*;

/// What a state history shows, said above it; `view_went_down` when it has ↯ rows.
pub(crate) fn history_caption(backend: Backend, view_went_down: bool) -> &'static str {
    match (backend, view_went_down) {
        (Backend::Crud, _) => {
            "CRUD: what eslab saw of the row from outside after each step. The table keeps only the last state of each order (the row now): every earlier one was overwritten by the next and is gone."
        }
        (Backend::Es, false) => {
            "Event sourcing: every state OrderView answered. Each can be rebuilt from the log, which keeps every event."
        }
        (Backend::Es, true) => {
            "Event sourcing: every state OrderView answered. Each can be rebuilt from the log, which keeps every event. ↯ marks a step whose events waited in the log while OrderView was down: it answered no state then."
        }
    }
}

/// The caption of both designs' histories in one table (the stacked layout), a sentence a
/// line: what the table keeps, then what ↯ and ≠ mark, when the table has them, each line
/// starting with its mark.
pub(crate) fn histories_caption(view_went_down: bool, differ: bool) -> Vec<String> {
    let mut caption = vec![String::from(
        "CRUD keeps only the row now; event sourcing rebuilds any state from its log.",
    )];
    if view_went_down {
        caption.push(format!(
            "{} marks a state event sourcing appended to its log while OrderView was down: the view answered it only once rebuilt.",
            Mark::ViewDown.symbol()
        ));
    }
    if differ {
        caption.push(format!(
            "{} marks event sourcing's state after a step where the designs hold different ones.",
            Mark::Differs.symbol()
        ));
    }
    caption
}

/// The steps whose commands event sourcing stored while OrderView was down, and what became
/// of their events: one line per rebuild that replayed them (or none yet).
pub(crate) fn view_down_steps(trace: &Trace) -> Vec<String> {
    let rebuilt_after = |after: usize| {
        trace.steps.iter().find_map(|s| {
            (s.step > after && matches!(s.result(Backend::Es), Some(Outcome::ViewRebuilt { .. })))
                .then_some(s.step)
        })
    };
    let mut groups: Vec<(Option<usize>, Vec<usize>)> = Vec::new();
    for step in &trace.steps {
        if !step
            .result(Backend::Es)
            .is_some_and(Outcome::applied_unseen)
        {
            continue;
        }
        let rebuilt = rebuilt_after(step.step);
        match groups.last_mut() {
            Some((at, steps)) if *at == rebuilt => steps.push(step.step),
            _ => groups.push((rebuilt, vec![step.step])),
        }
    }
    groups
        .into_iter()
        .map(|(rebuilt, steps)| {
            let one = steps.len() == 1;
            let its = if one { "its" } else { "their" };
            let after = match rebuilt {
                Some(at) => format!(
                    "{its} events are in the log and were replayed at step {at} {} {}",
                    Mark::ViewBack.symbol(),
                    "(the state came back with the rebuild)"
                ),
                None => format!("{its} events are in the log, waiting for `rebuild_view`"),
            };
            format!(
                "{} {} {}: OrderView was down, so event sourcing answered no state then; {after}.",
                Mark::ViewDown.symbol(),
                if one { "Step" } else { "Steps" },
                step_list(&steps)
            )
        })
        .collect()
}

/// Under a long run's histories: how many orders were left out, and where they all are.
pub(crate) fn histories_left_out(orders: usize) -> String {
    format!(
        "… and {orders} more {}, left out here: `eslab run … --format json` has every state of every order.",
        plural(orders as u64, "orders")
    )
}

/// A CRUD history row that a later UPDATE replaced.
pub(crate) fn overwritten_row() -> String {
    format!("{} overwritten", Mark::Overwritten.symbol())
}

/// The CRUD history row the table holds now.
pub(crate) fn current_row() -> &'static str {
    "the row now"
}

/// An event-sourcing history row for a step the view was down.
pub(crate) fn view_down_row() -> String {
    format!("{} view down", Mark::ViewDown.symbol())
}

/// A run carried on after one that did every command: said first, above its steps, and in
/// its summary.
pub(crate) fn nothing_left() -> &'static str {
    "Nothing was left to run: an earlier run did every command of this scenario (--continue); only its questions were asked again."
}

/// The summary of a run of `backends`, one line per subject.
pub(crate) fn summary(summary: &Summary, backends: &[Backend]) -> Vec<String> {
    let mut lines = Vec::new();
    if summary.nothing_left {
        lines.push(nothing_left().to_string());
    }
    let kept: Vec<String> = summary
        .storage
        .iter()
        .map(|s| {
            format!(
                "{} keeps {} {}",
                short(s.backend),
                s.count,
                plural(s.count, s.unit)
            )
        })
        .collect();
    lines.push(format!("Storage: {}.", kept.join("; ")));
    let answered_by_both = summary.questions_compared;
    let queries = |n: usize| format!("{n} {}", plural(n as u64, "queries"));
    lines.push(match (summary.queries_identical, backends) {
        (None, [only]) => format!(
            "Queries: {} asked of {} alone: one design ran, so there is nothing to compare.",
            queries(summary.queries),
            design_name(*only)
        ),
        (None, _) => format!("Queries: {}.", queries(summary.queries)),
        (Some(_), _) if answered_by_both == 0 => {
            "Queries: none that both designs could answer.".to_string()
        }
        (Some(true), _) => format!(
            "Queries: the two designs gave the same answer to {} they could both answer.",
            all(answered_by_both as u64, "queries")
        ),
        (Some(false), _) => {
            "Queries: the designs answered differently (see `eslab diff`).".to_string()
        }
    });
    if !summary.differing_steps.is_empty() {
        lines.push(format!(
            "{} Divergence: the designs answered differently at {} {}; they part at step {}.",
            Mark::Differs.symbol(),
            plural(summary.differing_steps.len() as u64, "steps"),
            step_list(&summary.differing_steps),
            summary.differing_steps[0]
        ));
    }
    if !summary.gap_steps.is_empty() {
        lines.push(format!(
            "{} Gaps: only one design could answer or keep it all at {} {} (not a divergence).",
            Mark::Cannot.symbol(),
            plural(summary.gap_steps.len() as u64, "steps"),
            step_list(&summary.gap_steps)
        ));
    }
    lines.extend(expectations_line(summary));
    lines
}

/// How the expectations went, when any were checked.
fn expectations_line(summary: &Summary) -> Option<String> {
    let expectations = &summary.expectations;
    if expectations.checked == 0 && expectations.failures.is_empty() {
        return None;
    }
    Some(if expectations.failures.is_empty() {
        match expectations.checked {
            1 => format!(
                "{} Expectations: the one checked holds.",
                Mark::Held.symbol()
            ),
            n => format!(
                "{} Expectations: {} checked hold.",
                Mark::Held.symbol(),
                all(n as u64, "")
            ),
        }
    } else {
        format!(
            "{} Expectations: {} of {} checked failed.",
            Mark::Failed.symbol(),
            expectations.failures.len(),
            expectations.checked
        )
    })
}

/// `eslab diff`'s first line, for the scenario run under `name`.
pub(crate) fn diff_headline(name: &str, summary: &Summary) -> String {
    let name = clean(name);
    let differing = &summary.differing_steps;
    let both = summary.steps_compared as u64;
    if differing.is_empty() {
        format!(
            "identical: CRUD and event sourcing answered the same at {} of {name} that both could answer",
            match both {
                0 => "no step".to_string(),
                1 => "the one step".to_string(),
                2 => "both steps".to_string(),
                n => format!("all {n} steps"),
            }
        )
    } else {
        format!(
            "different: CRUD and event sourcing part at step {} of {name}; they differ at {} of the {both} {} both answered",
            differing[0],
            differing.len(),
            plural(both, "steps")
        )
    }
}

/// `eslab diff`'s line above its gaps.
pub(crate) fn diff_gaps(steps: &[usize]) -> String {
    format!(
        "gaps: only one design could answer or keep it all at {} {} (not a divergence)",
        plural(steps.len() as u64, "steps"),
        step_list(steps)
    )
}
