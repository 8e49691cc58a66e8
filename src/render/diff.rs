//! `eslab diff`: where the two designs answered differently, and where only one could.

use serde::Serialize;

use super::run::step_list;
use super::text::{self, Cell};
use super::{Doc, Style, plural};
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

/// The steps whose outcomes compare as `agreement`.
pub fn steps_where(trace: &Trace, agreement: Agreement) -> Vec<&StepRecord> {
    trace
        .steps
        .iter()
        .filter(|s| s.agreement() == agreement)
        .collect()
}

pub fn diff(trace: &Trace, style: Style) -> String {
    let differing = steps_where(trace, Agreement::Different);
    let gaps = steps_where(trace, Agreement::Gap);
    let name = text::clean(&trace.scenario.name);
    let steps = trace.steps.len();
    let mut doc = Doc::default();
    if differing.is_empty() {
        doc.text(format!(
            "identical: CRUD and event sourcing answered the same at every step of {name} that both could answer ({steps} steps)"
        ));
    } else {
        doc.text(format!(
            "different: CRUD and event sourcing answered differently at {} of {steps} steps of {name}; they part at step {}",
            differing.len(),
            differing[0].step
        ));
        doc.table(
            &["#", "Step", "CRUD answers", "ES answers"],
            differing.iter().map(|s| side_by_side(s)).collect(),
        );
    }
    if !gaps.is_empty() {
        doc.text(format!(
            "gaps: only one design could answer at {} {} (not a divergence)",
            plural(gaps.len() as u64, "steps"),
            step_list(&gaps.iter().map(|s| s.step).collect::<Vec<_>>())
        ));
        doc.table(
            &["#", "Step", "CRUD answers", "ES answers"],
            gaps.iter().map(|s| side_by_side(s)).collect(),
        );
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

/// One step's two answers, side by side. A rejection or a refusal to answer says why.
fn side_by_side(step: &StepRecord) -> Vec<Cell> {
    let side = |backend| -> Cell {
        match step.result(backend) {
            Some(outcome @ (Outcome::Rejected { .. } | Outcome::Unavailable { .. })) => {
                text::storage(backend, outcome)
            }
            Some(
                outcome @ Outcome::Applied {
                    warning: Some(warning),
                    ..
                },
            ) => {
                let answer = text::answer(&step.action, outcome).text;
                let warning = text::clean_prose(warning);
                text::Cell::new(format!("{answer}\n! {warning}"), text::Role::Warning)
            }
            Some(outcome) => text::answer(&step.action, outcome),
            None => "".into(),
        }
    };
    vec![
        step.step.to_string().into(),
        text::step(&step.action, step.note.as_deref(), step.expect.as_deref()).into(),
        side(Backend::Crud),
        side(Backend::Es),
    ]
}
