//! A scenario written back as a file, in the field order the README documents: what
//! `eslab show --handout` hands out and what `:save` in `eslab live` keeps. Whatever is
//! written is read back before it is handed on, so a file that would not run as the steps it
//! came from is never written.

use std::collections::BTreeMap;

use anyhow::bail;
use serde::Serialize;

use super::{Action, DesignFlag, Expect, Scenario, Step, default_actor, default_start};
use crate::domain::{Actor, Timestamp};

/// Whether a written scenario keeps its answers: each step's note, which explains its
/// outcome, and what it expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answers {
    /// Kept: the scenario as it runs.
    Kept,
    /// Left out: what a room may see before it runs (a handout), each step's command and
    /// question.
    LeftOut,
}

/// `scenario` with `steps` in place of its own, as the JSON of a scenario file (ending in a
/// newline), with its answers or not; checked by reading it back.
pub(crate) fn to_json(
    scenario: &Scenario,
    steps: &[Step],
    answers: Answers,
) -> anyhow::Result<String> {
    let answers = answers == Answers::Kept;
    let file = ScenarioFile {
        title: &scenario.title,
        description: scenario.description.as_deref(),
        first_event_id: scenario.first_event_id,
        not_for: &scenario.not_for,
        start: Some(&scenario.start).filter(|start| **start != default_start()),
        by: Some(&scenario.by).filter(|by| **by != default_actor()),
        steps: steps
            .iter()
            .map(|step| StepFile {
                action: &step.action,
                by: step.by.as_ref(),
                at: step.at.as_ref(),
                question: step.question.as_deref(),
                note: step.note.as_deref().filter(|_| answers),
                expect: step.expect.as_deref().filter(|_| answers),
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&file)?;
    text.push('\n');
    let back = Scenario::from_json(&scenario.title, &text)?;
    let same = back.steps.len() == steps.len()
        && back.steps.iter().zip(steps).all(|(back, step)| {
            back.action == step.action
                && back.by == step.by
                && back.at == step.at
                && back.question == step.question
                && (!answers || (back.note == step.note && back.expect == step.expect))
        });
    if !same {
        bail!("the written scenario would not read back as the steps it came from");
    }
    Ok(text)
}

#[derive(Serialize)]
struct ScenarioFile<'a> {
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    first_event_id: u64,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    not_for: &'a BTreeMap<DesignFlag, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start: Option<&'a Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    by: Option<&'a Actor>,
    steps: Vec<StepFile<'a>>,
}

/// A step as a scenario file writes it: `{"pay": {…}, "by": …, "question": …, "expect": {…}}`.
#[derive(Serialize)]
struct StepFile<'a> {
    #[serde(flatten)]
    action: &'a Action,
    #[serde(skip_serializing_if = "Option::is_none")]
    by: Option<&'a Actor>,
    #[serde(skip_serializing_if = "Option::is_none")]
    at: Option<&'a Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    question: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expect: Option<&'a Expect>,
}
