//! What each subcommand does: load, run, render, and the exit code it earns.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::bench::{self, BenchOptions};
use crate::cli::{
    BackendChoice, Cli, ColorChoice, Command, DiffArgs, OutputArgs, StorageArgs, WorkloadArgs,
};
use crate::es::{EventStore, OrderView};
use crate::render::LoggedEvent;
use crate::render::text::clean_prose;
use crate::render::{self, DEFAULT_WIDTH, Format, ScenarioListing, Style, Width};
use crate::runner::{self, Services, StorageOptions};
use crate::scenario::{self, LoadedScenario, Scenario};
use crate::service::{Agreement, Backend};
use crate::trace::{ScenarioInfo, Trace};
use crate::verify;
use crate::workload::Workload;

/// Exit codes, as diff(1): all good, differences (or failed expectations), trouble.
pub const SUCCESS: u8 = 0;
pub const DIFFERENT: u8 = 1;
pub const ERROR: u8 = 2;

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let color = use_color(cli.color);
    let style = |output: &OutputArgs| style(output, color);
    let report_format = match &cli.command {
        Command::Run(_)
        | Command::Show { .. }
        | Command::Check { .. }
        | Command::Generate { .. } => None,
        Command::Bench(args) => Some(args.output.format),
        Command::Diff(DiffArgs { output, .. })
        | Command::Scenarios(output)
        | Command::Reports(output)
        | Command::Log { output, .. }
        | Command::Verify { output, .. }
        | Command::Replay { output, .. } => Some(output.format),
    };
    if report_format == Some(Format::Mermaid) {
        bail!("--format mermaid draws a run: use it with `eslab run`");
    }
    match cli.command {
        Command::Run(args) => {
            let backends = match args.backend {
                BackendChoice::Both => vec![Backend::Crud, Backend::Es],
                BackendChoice::Crud => vec![Backend::Crud],
                BackendChoice::Es => vec![Backend::Es],
            };
            let style = style(&args.output);
            let trace = if args.step {
                run_step_by_step(&args.scenario, &backends, &args.storage, style)?
            } else {
                let trace = run_scenario(&args.scenario, &backends, &args.storage)?;
                let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
                render::write_run(&trace, style, &mut stdout)?;
                stdout.flush()?;
                trace
            };
            let failures = trace.summary.expectations.failures.len();
            if failures > 0 {
                eprintln!(
                    "eslab: {failures} of {} expectations failed (see the summary)",
                    trace.summary.expectations.checked
                );
                return Ok(ExitCode::from(DIFFERENT));
            }
            Ok(ExitCode::from(SUCCESS))
        }
        Command::Diff(args) => {
            let trace = run_scenario(&args.scenario, &[Backend::Crud, Backend::Es], &args.storage)?;
            print(&render::diff(&trace, style(&args.output)))?;
            let identical = render::steps_where(&trace, Agreement::Different).is_empty();
            Ok(ExitCode::from(if identical { SUCCESS } else { DIFFERENT }))
        }
        Command::Bench(args) => {
            if cfg!(debug_assertions) {
                eprintln!(
                    "eslab: this is a debug build: run `cargo run --release -- bench` for real numbers"
                );
            }
            let report = bench::run(&BenchOptions {
                workload: workload(&args.workload),
                full_commands: args.full_commands,
                snapshot_every: args.snapshot_every,
                run_steps: args.run_steps,
                eslab_binary: std::env::current_exe().context("cannot find the eslab binary")?,
                db_dir: args.db_dir.clone(),
                progress: std::io::stderr().is_terminal(),
            })?;
            print(&render::bench(&report, style(&args.output)))?;
            Ok(ExitCode::from(SUCCESS))
        }
        Command::Generate { workload: args } => {
            let mut text = serde_json::to_string_pretty(&workload(&args).scenario_json())?;
            text.push('\n');
            print(&text)?;
            Ok(ExitCode::from(SUCCESS))
        }
        Command::Reports(output) => {
            print(&render::reports(style(&output)))?;
            Ok(ExitCode::from(SUCCESS))
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
                    Ok(loaded) => {
                        let steps = loaded.scenario.steps.len();
                        print(&format!(
                            "ok: {} ({steps} {})\n",
                            clean_prose(file),
                            if steps == 1 { "step" } else { "steps" }
                        ))?
                    }
                    Err(e) => {
                        all_valid = false;
                        eprintln!("eslab: {}", clean_prose(&format!("{e:#}")));
                    }
                }
            }
            Ok(ExitCode::from(if all_valid { SUCCESS } else { ERROR }))
        }
        Command::Log { db_dir, output } => {
            let path = runner::events_path(&db_dir);
            let store = EventStore::open_read_only(&path)?;
            let mut events = Vec::new();
            store
                .for_each_row(|row| {
                    events.push(LoggedEvent {
                        event: row.decode()?,
                        hash: hex::encode(&row.hash),
                    });
                    Ok(())
                })
                .with_context(|| format!("cannot read the log in {}", path.display()))?;
            print(&render::log(&events, style(&output)))?;
            Ok(ExitCode::from(SUCCESS))
        }
        Command::Verify { db_dir, output } => {
            let path = runner::events_path(&db_dir);
            let store = EventStore::open_read_only(&path)?;
            let verdict = verify::verify(&store)
                .with_context(|| format!("cannot read the log in {}", path.display()))?;
            print(&render::verdict(&verdict, style(&output)))?;
            Ok(ExitCode::from(if verdict.holds() {
                SUCCESS
            } else {
                DIFFERENT
            }))
        }
        Command::Replay {
            db_dir,
            until,
            output,
        } => {
            let path = runner::events_path(&db_dir);
            let store = EventStore::open_read_only(&path)?;
            let view = OrderView::rebuild(&store, until)
                .with_context(|| format!("cannot replay the log in {}", path.display()))?;
            print(&render::replay(&view, until, style(&output)))?;
            Ok(ExitCode::from(SUCCESS))
        }
    }
}

fn workload(args: &WorkloadArgs) -> Workload {
    Workload {
        orders: args.orders,
        changes: args.changes,
        seed: args.seed,
    }
}

fn open_scenario(
    name_or_path: &str,
    backends: &[Backend],
    storage: &StorageArgs,
) -> anyhow::Result<(LoadedScenario, Services)> {
    let loaded = scenario::load(name_or_path)?;
    let storage = StorageOptions {
        db_dir: storage.db_dir.clone(),
        resume: storage.resume,
        crud_locking: storage.crud_locking,
    };
    let services = Services::open(backends, &storage, loaded.scenario.first_event_id)?;
    Ok((loaded, services))
}

fn run_scenario(
    name_or_path: &str,
    backends: &[Backend],
    storage: &StorageArgs,
) -> anyhow::Result<Trace> {
    let (loaded, mut services) = open_scenario(name_or_path, backends, storage)?;
    runner::run(&loaded, &mut services)
}

/// `eslab run --step`: print each step as it is done and wait for Enter.
fn run_step_by_step(
    name_or_path: &str,
    backends: &[Backend],
    storage: &StorageArgs,
    style: Style,
) -> anyhow::Result<Trace> {
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        bail!("--step waits for Enter after each step, so it needs a terminal on stdin and stdout");
    }
    if style.format != Format::Table {
        bail!("--step shows each step as a table: leave out --format");
    }
    let (loaded, mut services) = open_scenario(name_or_path, backends, storage)?;
    print(&render::run_opening(&ScenarioInfo::of(&loaded), style))?;
    let steps = loaded.scenario.steps.len();
    let trace = runner::run_with(&loaded, &mut services, |record| {
        print(&render::run_step(backends, record, style))?;
        if record.step < steps {
            eprint!(
                "step {}/{steps}: press Enter for the next one… ",
                record.step
            );
            std::io::stdin().read_line(&mut String::new())?;
        }
        Ok(())
    })?;
    print(&render::run_closing(&trace, style))?;
    Ok(trace)
}

/// Colour is decided once: `always`/`never` are final; `auto` colours only a terminal, and
/// not when NO_COLOR is set and non-empty, or TERM is dumb.
fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
                && std::io::stdout().is_terminal()
        }
    }
}

fn style(output: &OutputArgs, color: bool) -> Style {
    let width = match output.width {
        Some(width) => Width::Fixed(width),
        None if std::io::stdout().is_terminal() => Width::Terminal,
        None => Width::Fixed(DEFAULT_WIDTH),
    };
    Style {
        format: output.format,
        width,
        color,
    }
}

/// Writes a result to stdout in one go; a closed pipe surfaces as an io error for main.
fn print(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(())
}
