//! `eslab diff`: where the two designs answered differently, and where only one could.

use serde::Serialize;

use super::text::Cell;
use super::{Doc, Format, Style, html};
use crate::narrate::{self, Mark};
use crate::scenario::Action;
use crate::service::{Agreement, Backend, Outcome};
use crate::trace::{SCHEMA_VERSION, ScenarioInfo, StepRecord, Trace};

/// The JSON of `eslab diff`.
#[derive(Serialize)]
struct DiffDocument<'a> {
    schema_version: u32,
    scenario: &'a ScenarioInfo,
    identical: bool,
    /// Both designs answered, differently.
    differences: Vec<DiffEntry<'a>>,
    /// Only one design could answer: not a divergence.
    gaps: Vec<DiffEntry<'a>>,
}

#[derive(Serialize)]
struct DiffEntry<'a> {
    step: usize,
    action: &'a Action,
    crud: &'a Outcome,
    es: &'a Outcome,
}

pub fn diff(trace: &Trace, style: Style) -> String {
    if style.format == Format::Html {
        return html::diff_page(trace);
    }
    let differing = trace.steps_where(Agreement::Different);
    let gaps = trace.steps_where(Agreement::Gap);
    let mut doc = Doc::default();
    doc.text(narrate::diff_headline(&trace.scenario.name, &trace.summary));
    if !differing.is_empty() {
        doc.table(&HEADER, differing.iter().map(|s| side_by_side(s)).collect());
    }
    if !gaps.is_empty() {
        let steps: Vec<usize> = gaps.iter().map(|s| s.step).collect();
        doc.text(narrate::diff_gaps(&steps));
        doc.table(&HEADER, gaps.iter().map(|s| side_by_side(s)).collect());
    }
    style.print(
        &doc,
        &DiffDocument {
            schema_version: SCHEMA_VERSION,
            scenario: &trace.scenario,
            identical: differing.is_empty(),
            differences: diff_entries(&differing),
            gaps: diff_entries(&gaps),
        },
    )
}

fn diff_entries<'a>(steps: &[&'a StepRecord]) -> Vec<DiffEntry<'a>> {
    steps
        .iter()
        .filter_map(|step| {
            Some(DiffEntry {
                step: step.step,
                action: &step.action,
                crud: step.result(Backend::Crud)?,
                es: step.result(Backend::Es)?,
            })
        })
        .collect()
}

/// The diff's table: each step's two answers, side by side.
const HEADER: [&str; 4] = [
    "#",
    "Step",
    narrate::answers_heading(Backend::Crud),
    narrate::answers_heading(Backend::Es),
];

/// One step's two answers, side by side. What a design said of its storage comes first
/// where it explains the answer: a rejection, a refusal to answer, a caveat.
fn side_by_side(step: &StepRecord) -> Vec<Cell> {
    let side = |backend| -> Cell {
        let Some(outcome) = step.result(backend) else {
            return "".into();
        };
        let storage = narrate::storage(backend, outcome, &step.action);
        let lines = match outcome {
            Outcome::Rejected { .. } | Outcome::Unavailable { .. } => storage,
            _ => {
                let mut lines = narrate::answer(&step.action, outcome);
                lines.extend(
                    storage
                        .into_iter()
                        .filter(|line| line.mark == Some(Mark::Cannot)),
                );
                lines
            }
        };
        Cell::lines(&lines)
    };
    vec![
        step.step.to_string().into(),
        narrate::step(step).into(),
        side(Backend::Crud),
        side(Backend::Es),
    ]
}
