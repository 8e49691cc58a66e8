//! What each subcommand does: load, run, render, and the exit code it earns.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Context;

use crate::cli::{BackendChoice, Cli, Command, OutputArgs, StorageArgs};
use crate::es::{EventStore, OrderView};
use crate::render::{self, DEFAULT_WIDTH, ScenarioListing, Style, Width};
use crate::runner::{self, Services, StorageOptions};
use crate::scenario::{self, Scenario};
use crate::service::Backend;
use crate::trace::Trace;

/// Exit codes, as diff(1): all good, differences (or failed expectations), trouble.
pub const SUCCESS: u8 = 0;
pub const DIFFERENT: u8 = 1;
pub const ERROR: u8 = 2;

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run(args) => {
            let backends = match args.backend {
                BackendChoice::Both => vec![Backend::Crud, Backend::Es],
                BackendChoice::Crud => vec![Backend::Crud],
                BackendChoice::Es => vec![Backend::Es],
            };
            let trace = run_scenario(&args.scenario, &backends, &args.storage)?;
            print(&render::run(&trace, style(&args.output)))?;
            Ok(ExitCode::from(SUCCESS))
        }
        Command::Diff(args) => {
            let trace = run_scenario(&args.scenario, &[Backend::Crud, Backend::Es], &args.storage)?;
            print(&render::diff(&trace, style(&args.output)))?;
            let identical = render::differing_steps(&trace).is_empty();
            Ok(ExitCode::from(if identical { SUCCESS } else { DIFFERENT }))
        }
        Command::Scenarios(output) => {
            let listing = scenario::BUNDLED
                .iter()
                .map(|(name, text)| {
                    let scenario = Scenario::from_json(name, text)?;
                    Ok(ScenarioListing {
                        name: name.to_string(),
                        title: scenario.title,
                        steps: scenario.steps.len(),
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            print(&render::scenarios(&listing, style(&output)))?;
            Ok(ExitCode::from(SUCCESS))
        }
        Command::Show { name } => {
            print(scenario::bundled(&name)?)?;
            Ok(ExitCode::from(SUCCESS))
        }
        Command::Check { files } => {
            let mut all_valid = true;
            for file in &files {
                match scenario::load(file) {
                    Ok(loaded) => print(&format!(
                        "ok: {} ({} steps)\n",
                        file,
                        loaded.scenario.steps.len()
                    ))?,
                    Err(e) => {
                        all_valid = false;
                        eprintln!("eslab: {e:#}");
                    }
                }
            }
            Ok(ExitCode::from(if all_valid { SUCCESS } else { ERROR }))
        }
        Command::Log { db_dir, output } => {
            let store = EventStore::open_read_only(&runner::events_path(&db_dir))?;
            let mut events = Vec::new();
            store.for_each(None, |event| {
                events.push(event);
                Ok(())
            })?;
            print(&render::log(&events, style(&output)))?;
            Ok(ExitCode::from(SUCCESS))
        }
        Command::Replay {
            db_dir,
            until,
            output,
        } => {
            let store = EventStore::open_read_only(&runner::events_path(&db_dir))?;
            let view = OrderView::rebuild(&store, until).context("cannot replay the log")?;
            print(&render::replay(&view, until, style(&output)))?;
            Ok(ExitCode::from(SUCCESS))
        }
    }
}

fn run_scenario(
    name_or_path: &str,
    backends: &[Backend],
    storage: &StorageArgs,
) -> anyhow::Result<Trace> {
    let loaded = scenario::load(name_or_path)?;
    let storage = StorageOptions {
        db_dir: storage.db_dir.clone(),
        resume: storage.resume,
    };
    let mut services = Services::open(backends, &storage, loaded.scenario.first_event_id)?;
    runner::run(&loaded, &mut services)
}

fn style(output: &OutputArgs) -> Style {
    let width = match output.width {
        Some(width) => Width::Fixed(width),
        None if std::io::stdout().is_terminal() => Width::Terminal,
        None => Width::Fixed(DEFAULT_WIDTH),
    };
    Style {
        format: output.format,
        width,
    }
}

/// Writes a result to stdout in one go; a closed pipe surfaces as an io error for main.
fn print(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(())
}
