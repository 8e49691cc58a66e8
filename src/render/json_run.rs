//! `eslab run --format json`: the run's document, written as the run goes.

use std::io::Write;

use serde::Serialize;

use super::sink::RunSink;
use super::text::{Entry, entries};
use crate::json::{write_indented, write_reindented};
use crate::narrate;
use crate::scenario::{Action, Expect};
use crate::service::{Backend, Outcome};
use crate::trace::{HistorySpill, SCHEMA_VERSION, ScenarioInfo, StepRecord, Summary};

#[derive(Serialize)]
struct NarratedStep<'a> {
    step: usize,
    action: &'a Action,
    #[serde(skip_serializing_if = "Option::is_none")]
    question: Option<&'a str>,
    note: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expect: Option<&'a Expect>,
    results: Vec<NarratedResult<'a>>,
}

#[derive(Serialize)]
struct NarratedResult<'a> {
    backend: Backend,
    #[serde(flatten)]
    outcome: &'a Outcome,
    /// What the design stored (or where it read) and what it answered, in words.
    narration: Narration,
}

#[derive(Serialize)]
struct Narration {
    storage: Vec<Entry>,
    answer: Vec<Entry>,
}

/// A step's facts, each result with its narrated words, so that nothing reading the JSON
/// words a fact again.
fn narrated_step(step: &StepRecord) -> NarratedStep<'_> {
    NarratedStep {
        step: step.step,
        action: &step.action,
        question: step.question.as_deref(),
        note: step.note.as_deref(),
        expect: step.expect.as_deref(),
        results: step
            .results
            .iter()
            .map(|result| NarratedResult {
                backend: result.backend,
                outcome: &result.outcome,
                narration: Narration {
                    storage: entries(&narrate::storage(
                        result.backend,
                        &result.outcome,
                        &step.action,
                    )),
                    answer: entries(&narrate::answer(&step.action, &result.outcome)),
                },
            })
            .collect(),
    }
}

/// The run's JSON document written as the run goes: each step as soon as it is done, the
/// histories from a spill at the end. A long run's document (gigabytes at a million steps)
/// is never in memory, nor are its steps. The bytes are those of the whole document
/// pretty-printed at once.
pub(crate) struct JsonRun<'w, W: Write> {
    out: &'w mut W,
    backends: Vec<Backend>,
    steps: usize,
    histories: HistorySpill,
    /// Whether the document stands between two steps (no step half-written), where `stop`
    /// can end it.
    between_steps: bool,
}

impl<'w, W: Write> JsonRun<'w, W> {
    pub(crate) fn new(out: &'w mut W) -> anyhow::Result<JsonRun<'w, W>> {
        Ok(JsonRun {
            out,
            backends: Vec::new(),
            steps: 0,
            histories: HistorySpill::new()?,
            between_steps: true,
        })
    }

    /// One step, borrowed: a whole trace's steps are written without a copy.
    pub(crate) fn write_step(&mut self, step: &StepRecord) -> anyhow::Result<()> {
        self.between_steps = false;
        self.out.write_all(if self.steps == 0 {
            b"\n    "
        } else {
            b",\n    "
        })?;
        self.steps += 1;
        write_indented(&mut *self.out, 2, &narrated_step(step))?;
        self.between_steps = true;
        self.histories.add(step, &self.backends)
    }
}

impl<W: Write> RunSink for JsonRun<'_, W> {
    fn begin(&mut self, scenario: &ScenarioInfo, backends: &[Backend]) -> anyhow::Result<()> {
        let out = &mut *self.out;
        out.write_all(b"{\n")?;
        field(out, "schema_version", &SCHEMA_VERSION)?;
        field(out, "scenario", scenario)?;
        field(out, "backends", &backends)?;
        out.write_all(b"  \"steps\": [")?;
        self.backends = backends.to_vec();
        Ok(())
    }

    fn step(&mut self, step: StepRecord) -> anyhow::Result<()> {
        self.write_step(&step)
    }

    /// Ends the document of a run that failed after it began, so that stdout holds one whole
    /// JSON document, never one cut off: the steps done, then `"stopped"` with the error (in
    /// place of the summary and histories of a finished run). The error is still reported as
    /// usual (stderr, exit 2). Nothing is written if a step was left half-written: then the
    /// output itself was what failed.
    fn stop(&mut self, _after_step: usize, error: &str) -> anyhow::Result<()> {
        if !self.between_steps {
            return Ok(());
        }
        let out = &mut *self.out;
        out.write_all(if self.steps == 0 {
            b"],\n"
        } else {
            b"\n  ],\n"
        })?;
        out.write_all(b"  \"stopped\": ")?;
        indented(
            &mut *out,
            1,
            &serde_json::json!({"after_step": self.steps, "error": error}),
        )?;
        out.write_all(b"\n}\n")?;
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> anyhow::Result<()> {
        let out = &mut *self.out;
        out.write_all(if self.steps == 0 {
            b"],\n"
        } else {
            b"\n  ],\n"
        })?;
        field(out, "summary", summary)?;
        out.write_all(b"  \"histories\": [")?;
        for (i, &backend) in self.backends.iter().enumerate() {
            out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
            write!(
                out,
                "    {{\n      \"backend\": {},\n      \"orders\": [",
                serde_json::to_string(&backend)?
            )?;
            let mut orders = 0;
            self.histories.for_each_order_json(backend, |history| {
                out.write_all(if orders == 0 {
                    b"\n        "
                } else {
                    b",\n        "
                })?;
                orders += 1;
                Ok(write_reindented(&mut *out, 4, history)?)
            })?;
            out.write_all(if orders == 0 {
                b"]\n    }"
            } else {
                b"\n      ]\n    }"
            })?;
        }
        out.write_all(if self.backends.is_empty() {
            b"],\n"
        } else {
            b"\n  ],\n"
        })?;
        let text = narrate::summary(summary, &self.backends);
        out.write_all(b"  \"summary_text\": ")?;
        indented(&mut *out, 1, &text)?;
        out.write_all(b"\n}\n")?;
        Ok(())
    }
}

/// `  "name": value,` with the value pretty-printed one level in.
fn field(out: &mut impl Write, name: &str, value: &impl Serialize) -> anyhow::Result<()> {
    write!(out, "  {}: ", serde_json::to_string(name)?)?;
    indented(&mut *out, 1, value)?;
    out.write_all(b",\n")?;
    Ok(())
}

/// A value pretty-printed as if nested `depth` levels deep (see `json::write_indented`).
fn indented(out: &mut impl Write, depth: usize, value: &impl Serialize) -> anyhow::Result<()> {
    write_indented(out, depth, value)
}
