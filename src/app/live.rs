//! `eslab live`.

use std::io::{IsTerminal, Write};

use anyhow::bail;

use super::settings::Settings;
use super::settings::room_of;
use super::storage::{as_attendee, open_services};
use super::{DIFFERENT, ERROR, SUCCESS};
use crate::cli::LiveArgs;
use crate::live::{self, Session};
use crate::render::DEFAULT_WIDTH;
use crate::scenario;
use crate::service::Backend;

/// `eslab live`: the full-screen view on a terminal, else commands line by line from stdin
/// (exit 2 when a line was not a command, 1 when a scenario's expectation failed).
pub(super) fn live(args: LiveArgs, settings: &Settings) -> anyhow::Result<u8> {
    let terminal = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    if args.predict && !terminal {
        bail!(
            "--predict asks the room before each step and waits for its answer, so it needs a terminal; without one, `eslab live` runs the lines of stdin as a script"
        );
    }
    if args.watch && !terminal {
        bail!(
            "--watch shows the room on a terminal as it grows; without one, `eslab log --store URL --room NAME` prints its log"
        );
    }
    let backends: &[Backend] = if args.watch {
        &[] // it writes nothing, and opens no design
    } else {
        &[Backend::Crud, Backend::Es]
    };
    let (loaded, services) = if args.empty || args.watch {
        let mut loaded = Session::blank_scenario();
        as_attendee(&mut loaded.scenario, &args.storage)?;
        if let (true, Some(room)) = (args.watch, &args.storage.room.room) {
            loaded.scenario.title = format!("Watching room {}", crate::sanitize::clean(room));
        }
        let services = open_services(&loaded, backends, &args.storage)?;
        (loaded, services)
    } else {
        let loaded = scenario::load(&args.scenario)?;
        live::check_steps(loaded.scenario.steps.len())?;
        let services = open_services(&loaded, backends, &args.storage)?;
        (loaded, services)
    };
    let mut session = Session::open(loaded, services)?;
    if terminal {
        let mut app = live::state::App::new(session);
        if args.predict {
            app = app.predicting();
        }
        if let Some(room) = room_of(&args.storage.room)? {
            app = app.following(room.feed(args.storage.crud_locking)?)?;
        }
        if args.watch {
            app = app.watching();
        }
        live::screen::run(&mut app, settings.color)?;
        return Ok(SUCCESS);
    }
    let width = args.width.unwrap_or(DEFAULT_WIDTH) as usize;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let ended = live::lines::run(
        &mut session,
        std::io::stdin().lock(),
        &mut out,
        &mut std::io::stderr().lock(),
        width,
    )?;
    out.flush()?;
    if ended.bad_lines > 0 {
        eprintln!(
            "eslab: {} {} of stdin not run (see above)",
            ended.bad_lines,
            if ended.bad_lines == 1 {
                "line"
            } else {
                "lines"
            }
        );
        return Ok(ERROR);
    }
    Ok(if ended.failed_expectations > 0 {
        DIFFERENT
    } else {
        SUCCESS
    })
}
