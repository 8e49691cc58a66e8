//! What each subcommand does: load, run, render, and the exit code it earns. The command
//! line is resolved once into settings (`settings`); each subcommand, or group of them, has a
//! file: `run` (`run` and `diff`), `live`, `log` (`log`, `verify`, `replay`) and `info` (the
//! rest, `room create` too); `storage` opens the designs they run on.

mod info;
mod live;
mod log;
mod run;
mod settings;
mod storage;

use std::io::Write;
use std::process::ExitCode;

use crate::cli::{Cli, Command, RoomAction};
use crate::sanitize::clean_prose;
use crate::verify::Untrusted;
use log::LogAt;
use settings::{RunSettings, Settings};

/// Exit codes, as diff(1): all good, differences (or failed expectations), trouble.
pub const SUCCESS: u8 = 0;
pub(crate) const DIFFERENT: u8 = 1;
pub const ERROR: u8 = 2;

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let settings = Settings::new(cli.color);
    let code = match dispatch(cli.command, &settings) {
        Ok(code) => code,
        // A log that fails `eslab verify` is a finding, like a failed check: exit 1.
        Err(err) => match err.downcast::<Untrusted>() {
            Ok(untrusted) => {
                eprintln!("eslab: {}", clean_prose(&untrusted.to_string()));
                DIFFERENT
            }
            Err(err) => return Err(err),
        },
    };
    Ok(ExitCode::from(code))
}

fn dispatch(command: Command, settings: &Settings) -> anyhow::Result<u8> {
    Ok(match command {
        Command::Run(args) => run::run(RunSettings::resolve(args, settings))?,
        Command::Live(args) => live::live(args, settings)?,
        Command::Diff(args) => run::diff(args, settings)?,
        Command::Bench(args) => info::bench(args, settings)?,
        Command::Generate { workload: args } => info::generate(&args)?,
        Command::Reports(output) => info::reports(&output, settings)?,
        Command::Scenarios(output) => info::scenarios(&output, settings)?,
        Command::Show { name, handout } => info::show(&name, handout)?,
        Command::Check { files } => info::check(&files)?,
        Command::Log { at, trust, output } => log::log(&LogAt::of(&at)?, trust, &output, settings)?,
        Command::Verify {
            at,
            expect_head,
            output,
        } => log::verify(&LogAt::of(&at)?, expect_head.as_deref(), &output, settings)?,
        Command::Replay {
            at,
            trust,
            until,
            output,
        } => log::replay(&LogAt::of(&at)?, trust, until, &output, settings)?,
        Command::Room {
            action: RoomAction::Create { url, room },
        } => info::room_create(&url, &room)?,
        Command::Room {
            action: RoomAction::LateReader { url, room },
        } => info::late_reader(&url, &room)?,
        Command::Completions { shell } => info::completions(shell)?,
        Command::Man { dir } => info::man(dir.as_deref())?,
    })
}

/// Writes a result to stdout in one go; a closed pipe surfaces as an io error for main.
fn print(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(())
}
