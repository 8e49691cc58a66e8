//! The terminal: raw mode and the alternate screen on entry, restored on every way out
//! (quit, error, panic; Ctrl-C arrives as a key in raw mode and quits).

use std::io::Stdout;

use crossterm::event::{self, Event};
use crossterm::execute;
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use super::keys;
use super::state::{App, RUN_AHEAD_STEPS};
use super::view;

/// How long a view in a room waits for a key before it asks whether the room changed: a
/// notification is taken within this, so what others write shows at once.
const FOLLOW_TICK: std::time::Duration = std::time::Duration::from_millis(50);

/// Runs the full-screen view until `q`.
pub(crate) fn run(app: &mut App, color: bool) -> anyhow::Result<()> {
    let mut terminal = enter()?;
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = leave();
        previous(info);
    }));
    let result = event_loop(app, &mut terminal, color);
    let restored = leave();
    let _ = std::panic::take_hook();
    result.and(restored)
}

fn event_loop(
    app: &mut App,
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    color: bool,
) -> anyhow::Result<()> {
    while !app.quit {
        terminal.draw(|frame| view::render(app, frame, color))?;
        // While End runs steps, a frame's worth at a time, keys are looked for between
        // frames; otherwise the view waits for the next key.
        if app.busy() && !event::poll(std::time::Duration::ZERO)? {
            app.tick(RUN_AHEAD_STEPS)?;
            continue;
        }
        // In a room, the view also follows what others write: it looks between keys.
        if app.room.is_some() && !event::poll(FOLLOW_TICK)? {
            while !app.follow(std::time::Instant::now()) && !event::poll(FOLLOW_TICK)? {}
            continue;
        }
        if let Event::Key(key) = event::read()?
            && let Some(msg) = keys::message(&app.mode, key)
        {
            app.update(msg)?;
        }
    }
    Ok(())
}

fn enter() -> anyhow::Result<Terminal<CrosstermBackend<Stdout>>> {
    terminal::enable_raw_mode()?;
    if let Err(e) = execute!(std::io::stdout(), EnterAlternateScreen) {
        let _ = terminal::disable_raw_mode();
        return Err(e.into());
    }
    Ok(Terminal::new(CrosstermBackend::new(std::io::stdout()))?)
}

fn leave() -> anyhow::Result<()> {
    terminal::disable_raw_mode()?;
    execute!(
        std::io::stdout(),
        LeaveAlternateScreen,
        crossterm::cursor::Show
    )?;
    Ok(())
}
