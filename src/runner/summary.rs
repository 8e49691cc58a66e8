//! A run summed up as it goes.

use crate::scenario::Action;
use crate::service::{Agreement, StorageSummary};
use crate::trace::{Expectations, StepRecord, Summary};

/// The summary, added to one step at a time.
#[derive(Clone)]
pub(super) struct SummaryBuilder {
    compared: bool,
    queries: usize,
    any_question_differs: bool,
    questions_compared: usize,
    steps_compared: usize,
    steps: usize,
    commands: usize,
    commands_done_earlier: usize,
    differing_steps: Vec<usize>,
    gap_steps: Vec<usize>,
    pub(super) expectations: Expectations,
}

impl SummaryBuilder {
    pub(super) fn new(compared: bool) -> SummaryBuilder {
        SummaryBuilder {
            compared,
            queries: 0,
            any_question_differs: false,
            questions_compared: 0,
            steps_compared: 0,
            steps: 0,
            commands: 0,
            commands_done_earlier: 0,
            differing_steps: Vec::new(),
            gap_steps: Vec::new(),
            expectations: Expectations::default(),
        }
    }

    pub(super) fn add(&mut self, step: &StepRecord) {
        let agreement = step.agreement();
        self.steps += 1;
        match agreement {
            Agreement::Different => self.differing_steps.push(step.step),
            Agreement::Gap => self.gap_steps.push(step.step),
            _ => {}
        }
        self.steps_compared += usize::from(agreement.both_answered());
        match step.action {
            Action::Question(_) => {
                self.queries += 1;
                self.any_question_differs |= agreement == Agreement::Different;
                self.questions_compared += usize::from(agreement.both_answered());
            }
            Action::Command(_) => {
                self.commands += 1;
                let done_earlier = step.results.iter().all(|r| r.outcome.done_earlier());
                self.commands_done_earlier += usize::from(done_earlier);
            }
            Action::View(_) | Action::Deploy(_) => {}
        }
    }

    pub(super) fn finish(self, storage: Vec<StorageSummary>) -> Summary {
        Summary {
            storage,
            queries: self.queries,
            queries_identical: self.compared.then_some(!self.any_question_differs),
            differing_steps: self.differing_steps,
            gap_steps: self.gap_steps,
            expectations: self.expectations,
            steps: self.steps,
            steps_compared: self.steps_compared,
            questions_compared: self.questions_compared,
            nothing_left: self.commands > 0 && self.commands_done_earlier == self.commands,
        }
    }
}
