//! When and by whom each step happens.

use anyhow::Context;

use crate::domain::{Actor, Metadata, Timestamp};
use crate::scenario::{self, Scenario, Step};

/// Where a run's times and actors come from: the scenario, never the clock, so that a run
/// writes the same thing every time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clock {
    start: Timestamp,
    by: Actor,
    /// `run-` and 12 hex digits of SHA-256 over the scenario's title: the same for every
    /// run of the scenario, in memory or in files, and known before its steps are read.
    correlation_id: String,
}

impl Clock {
    pub fn of(scenario: &Scenario) -> Clock {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(scenario.title.as_bytes());
        Clock {
            start: scenario.start,
            by: scenario.by.clone(),
            correlation_id: format!("run-{}", &hex::encode(digest)[..12]),
        }
    }

    /// Whether the scenario names who issues its commands (a `by` besides the default).
    pub fn names_actor(&self) -> bool {
        self.by.as_str() != scenario::DEFAULT_ACTOR
    }

    /// What step `number`'s command carries: its own `by` and `at`, else the scenario's actor
    /// and `start` plus `STEP_SECONDS` per step before it; caused by the step's command, in the
    /// scenario's run.
    pub fn metadata(&self, number: usize, step: &Step) -> anyhow::Result<Metadata> {
        let recorded_at = match step.at {
            Some(at) => at,
            None => scenario::step_time(self.start, number)
                .context("its time, counted from the scenario's start, is past the year 9999")?,
        };
        Ok(Metadata {
            recorded_at,
            actor: step.by.clone().unwrap_or_else(|| self.by.clone()),
            causation_id: format!("command-{number}"),
            correlation_id: self.correlation_id.clone(),
        })
    }
}
