//! How long the full-screen view takes from a key press to a drawn screen, measured on a
//! long scenario by `eslab bench`: the same update and render the terminal runs, into an
//! off-screen buffer of a projector's size.

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::Session;
use super::state::{App, Msg, RUN_AHEAD_STEPS};
use super::view;
use crate::runner::{Services, StorageOptions};
use crate::scenario::LoadedScenario;
use crate::service::Backend;

/// The screen the redraws are measured on: 80 × 24, the smallest the README promises.
pub(crate) const SIZE: (u16, u16) = (80, 24);

/// Every key press's time to a drawn screen, by what the key asked for.
#[derive(Debug, Clone, Default)]
pub(crate) struct Redraws {
    /// Steps in the scenario.
    pub steps: usize,
    /// Each key press: what it was and its time from the key to the drawn screen.
    pub presses: Vec<(&'static str, Duration)>,
}

impl Redraws {
    /// The median and the worst of all presses.
    pub(crate) fn median_and_worst(&self) -> (Duration, Duration) {
        let mut times: Vec<Duration> = self.presses.iter().map(|(_, t)| *t).collect();
        times.sort();
        let median = times.get(times.len() / 2).copied().unwrap_or_default();
        (median, times.last().copied().unwrap_or_default())
    }
}

/// Opens `loaded` on both designs in memory, as `eslab live` does, and presses keys as an
/// instructor would: the first steps forwards, End, back and forth there, travel over the
/// log, Home, and back to the end. Each press is timed from the key to the drawn screen;
/// frames the view draws on its own (while it runs steps ahead) count as presses too.
pub(crate) fn measure(loaded: LoadedScenario) -> anyhow::Result<Redraws> {
    let steps = loaded.scenario.steps.len();
    let services = Services::open(
        &[Backend::Crud, Backend::Es],
        &StorageOptions::default(),
        loaded.scenario.first_event_id,
    )?;
    let mut app = App::new(Session::open(loaded, services)?);
    let mut terminal = Terminal::new(TestBackend::new(SIZE.0, SIZE.1))?;
    let mut redraws = Redraws {
        steps,
        presses: Vec::new(),
    };
    let mut press = |app: &mut App, name: &'static str, msg: Msg| -> anyhow::Result<()> {
        let started = Instant::now();
        app.update(msg)?;
        terminal.draw(|frame| view::render(app, frame, false))?;
        redraws.presses.push((name, started.elapsed()));
        // The frames End runs steps in, as the terminal's loop draws them.
        while app.busy() {
            let started = Instant::now();
            app.tick(RUN_AHEAD_STEPS)?;
            terminal.draw(|frame| view::render(app, frame, false))?;
            redraws.presses.push(("End, running", started.elapsed()));
        }
        Ok(())
    };
    for _ in 0..20 {
        press(&mut app, "→", Msg::Next)?;
    }
    press(&mut app, "End", Msg::Last)?;
    for _ in 0..20 {
        press(&mut app, "←", Msg::Previous)?;
    }
    for _ in 0..10 {
        press(&mut app, "→", Msg::Next)?;
    }
    for _ in 0..10 {
        press(&mut app, "↑", Msg::Travel(-1))?;
    }
    press(&mut app, "Home", Msg::First)?;
    for _ in 0..10 {
        press(&mut app, "→", Msg::Next)?;
    }
    press(&mut app, "End", Msg::Last)?;
    Ok(redraws)
}
