//! `eslab live --predict`: what the room expects of each design, and how it went.

use crate::service::{Backend, Outcome};

use super::*;

/// What the room can predict of a design at a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guess {
    /// Stored the command, or answered the question.
    Applied,
    /// Refused the command by its rules.
    Rejected,
    /// Cannot answer: it does not keep what the question needs.
    CannotAnswer,
}

impl Guess {
    pub const ALL: [Guess; 3] = [Guess::Applied, Guess::Rejected, Guess::CannotAnswer];

    /// What a design did, as the room predicts it.
    pub fn of(outcome: &Outcome) -> Guess {
        match outcome {
            Outcome::Rejected { .. } => Guess::Rejected,
            Outcome::Unavailable { .. } => Guess::CannotAnswer,
            _ => Guess::Applied,
        }
    }

    /// The key that picks it.
    pub fn key(self) -> char {
        match self {
            Guess::Applied => 'a',
            Guess::Rejected => 'r',
            Guess::CannotAnswer => 'c',
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            Guess::Applied => "applied",
            Guess::Rejected => "rejected",
            Guess::CannotAnswer => "cannot answer",
        }
    }
}

/// The question before a step runs: what will `backend` do?
pub(crate) fn predict_question(backend: Backend) -> String {
    let keys: Vec<String> = Guess::ALL
        .iter()
        .map(|g| format!("{} {}", g.key(), g.words()))
        .collect();
    format!(
        "Predict: what will {} do? {} (Esc: don't run it)",
        short(backend),
        keys.join(" · ")
    )
}

/// A prediction against what the design did: `✓ CRUD applied` or `✘ ES rejected (it was
/// applied)`; a prediction is the room's own expectation, so it holds or fails like one.
pub(crate) fn prediction(backend: Backend, guess: Guess, actual: Guess) -> Line {
    if guess == actual {
        Line::marked(Mark::Held, format!("{} {}", short(backend), guess.words()))
    } else {
        Line::marked(
            Mark::Failed,
            format!(
                "{} {} (it was {})",
                short(backend),
                guess.words(),
                actual.words()
            ),
        )
    }
}

/// The room's score so far.
pub(crate) fn score(right: u64, asked: u64) -> String {
    format!("score {right} of {asked}")
}
