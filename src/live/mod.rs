//! `eslab live`: the same steps as `eslab run`, one at a time, with commands typed in between.
//! On a terminal, a full-screen view (`screen`, `keys`, `view`); otherwise, commands read line by
//! line from stdin and each result printed as a block of the stacked layout (`lines`).
//!
//! - `command`: a typed line → a scenario step (read by the scenario reader itself).
//! - `session`: runs steps through the runner and saves them as a scenario.
//! - `lines`: the stdin mode.

pub mod command;
pub mod lines;
pub mod session;

pub use session::Session;
