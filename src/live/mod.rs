//! `eslab live`: the same steps as `eslab run`, one at a time, with commands typed in between.
//! On a terminal, a full-screen view (`screen`, `keys`, `view`); otherwise, commands read line by
//! line from stdin and each result printed as a block of the stacked layout (`lines`).
//!
//! - `command`: a typed line → a scenario step (read by the scenario reader itself).
//! - `session`: runs steps through the runner and saves them as a scenario.
//! - `follow`: in a room, what others write, shown as it arrives.
//! - `lines`: the stdin mode.
//! - `state` (every step's screen, kept per step; the app and its messages), `keys` (keys →
//!   messages), `view` (state → screen), `screen` (the terminal, restored on every exit).

pub(crate) mod command;
pub(crate) mod keys;
pub(crate) mod lines;
pub(crate) mod redraw;
pub(crate) mod screen;
pub(crate) mod session;
pub(crate) mod state;
pub(crate) mod view;

pub use session::Session;

/// A session keeps every step, to go back to: `steps` is refused past what an output that
/// holds its steps takes (`render::check_held`, the one rule for all of them).
pub(crate) fn check_steps(steps: usize) -> anyhow::Result<()> {
    crate::render::check_held(
        "`eslab live`",
        steps,
        "steps",
        "`eslab run` writes any number as they run",
    )
}
