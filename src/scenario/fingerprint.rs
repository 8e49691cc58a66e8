//! A scenario's fingerprint: the same scenario gets the same one wherever its file is, so
//! `--continue` knows which of its steps are done.

use sha2::{Digest, Sha256};

use super::{Action, Scenario};

impl Scenario {
    /// SHA-256 over the title and every step's action.
    pub fn fingerprint(&self) -> String {
        let mut fingerprint = Fingerprint::new(&self.title);
        for step in &self.steps {
            fingerprint.add(&step.action);
        }
        fingerprint.finish()
    }
}

/// A scenario's fingerprint, one step at a time: SHA-256 over the JSON of
/// `[title, [action, …]]`, fed as it would be written, so a streamed scenario gets the same
/// fingerprint as one read whole.
pub(crate) struct Fingerprint {
    hasher: Sha256,
    first: bool,
}

impl Fingerprint {
    pub(crate) fn new(title: &str) -> Fingerprint {
        let mut hasher = Sha256::new();
        hasher.update(b"[");
        hasher.update(serde_json::to_vec(title).expect("a string always serializes"));
        hasher.update(b",[");
        Fingerprint {
            hasher,
            first: true,
        }
    }

    pub(crate) fn add(&mut self, action: &Action) {
        if !self.first {
            self.hasher.update(b",");
        }
        self.first = false;
        self.hasher.update(
            serde_json::to_vec(action).expect("actions are plain data and always serialize"),
        );
    }

    pub(crate) fn finish(mut self) -> String {
        self.hasher.update(b"]]");
        hex::encode(self.hasher.finalize())
    }
}
