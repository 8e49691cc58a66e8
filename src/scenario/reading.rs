//! What one read of a scenario knows as it goes: the steps counted, `start` once read, and
//! where a streamed read hands its steps. Carried through the read, never in a global.

use std::cell::Cell;
use std::sync::mpsc::SyncSender;

use super::{Action, STEP_SECONDS, Step, step_time};
use crate::domain::Timestamp;

/// What one read of a scenario knows as it goes.
pub(super) struct Reading {
    times: Cell<StepTimes>,
    /// Where a streamed read hands its steps, a batch at a time, instead of keeping them in
    /// `Scenario::steps`; it also fingerprints them as they pass, when the title came first.
    pub(super) sink: Option<SyncSender<Vec<Step>>>,
}

/// The scenario's `start` once read, and the last step read that takes its time from it.
#[derive(Debug, Clone, Copy, Default)]
struct StepTimes {
    start: Option<Timestamp>,
    /// The number and action name of the last command step without an `at`.
    last_default: Option<(usize, &'static str)>,
    /// How many steps were read.
    steps: usize,
}

impl Reading {
    pub(super) fn new(sink: Option<SyncSender<Vec<Step>>>) -> Reading {
        Reading {
            times: Cell::new(StepTimes::default()),
            sink,
        }
    }

    /// Counts a step as read and, for a command that takes its time from `start`, refuses it
    /// when that time would pass the year 9999 (if `start` is known yet; else `start` checks).
    pub(super) fn count_step(&self, action: &Action, at: Option<Timestamp>) -> Result<(), String> {
        let mut times = self.times.get();
        times.steps += 1;
        let number = times.steps;
        if matches!(action, Action::Command(_)) && at.is_none() {
            times.last_default = Some((number, action.name()));
        }
        self.times.set(times);
        match (times.start, times.last_default) {
            (Some(start), Some((last, name)))
                if last == number && step_time(start, number).is_none() =>
            {
                Err(past_9999(name, start))
            }
            _ => Ok(()),
        }
    }

    /// `start`, checked against the steps already read (a file may give it after them).
    pub(super) fn start(&self, start: Timestamp) -> Result<Timestamp, String> {
        let mut times = self.times.get();
        times.start = Some(start);
        self.times.set(times);
        match times.last_default {
            Some((number, action)) if step_time(start, number).is_none() => {
                Err(format!("step {number}: {}", past_9999(action, start)))
            }
            _ => Ok(start),
        }
    }
}

/// Why a step's default time cannot be: said alike wherever it is found.
fn past_9999(action: &str, start: Timestamp) -> String {
    format!(
        "`{action}` would happen past the year 9999: counted from `start` ({start}), {STEP_SECONDS} s a step; give it an `at`, or the scenario an earlier `start`"
    )
}
