//! The subcommands around a run: `bench`, `generate`, `reports`, `scenarios`, `show`,
//! `check`, `completions` and `man`.

use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::Context;
use clap::CommandFactory;

use super::settings::{Settings, workload};
use super::{ERROR, SUCCESS, print};
use crate::bench::{self, BenchOptions};
use crate::cli::{BenchArgs, Cli, OutputArgs, WorkloadArgs};
use crate::pg;
use crate::render::{self, ScenarioListing};
use crate::runner::StreamedScenario;
use crate::sanitize::clean_prose;
use crate::scenario::{self, Scenario};

pub(super) fn bench(args: BenchArgs, settings: &Settings) -> anyhow::Result<u8> {
    if cfg!(debug_assertions) {
        eprintln!(
            "eslab: this is a debug build: run `cargo run --release -- bench` for real numbers"
        );
    }
    if let Some(url) = &args.store {
        return bench_store(url, &args.room, args.store_commands);
    }
    let report = bench::run(&BenchOptions {
        workload: workload(&args.workload),
        full_commands: args.full_commands,
        snapshot_every: args.snapshot_every,
        run_steps: args.run_steps,
        volume_steps: args.volume_steps,
        eslab_binary: std::env::current_exe().context("cannot find the eslab binary")?,
        db_dir: args.db_dir.clone(),
        progress: std::io::stderr().is_terminal(),
        measure_redraws,
    })?;
    print(&render::bench(
        &report,
        settings.style(args.output.format, args.output.width),
    ))?;
    Ok(SUCCESS)
}

/// `eslab live`'s redraws, measured for the bench (which does not import the live view).
fn measure_redraws(loaded: scenario::LoadedScenario) -> anyhow::Result<bench::RedrawTimes> {
    let redraws = crate::live::redraw::measure(loaded)?;
    let (median, worst) = redraws.median_and_worst();
    Ok(bench::RedrawTimes {
        steps: redraws.steps,
        presses: redraws.presses.len(),
        median,
        worst,
    })
}

pub(super) fn generate(args: &WorkloadArgs) -> anyhow::Result<u8> {
    let mut stdout = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    workload(args).write_scenario(&mut stdout)?;
    stdout.flush()?;
    Ok(SUCCESS)
}

pub(super) fn reports(output: &OutputArgs, settings: &Settings) -> anyhow::Result<u8> {
    print(&render::reports(
        settings.style(output.format, output.width),
    ))?;
    Ok(SUCCESS)
}

pub(super) fn scenarios(output: &OutputArgs, settings: &Settings) -> anyhow::Result<u8> {
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
    print(&render::scenarios(
        &listing,
        settings.style(output.format, output.width),
    ))?;
    Ok(SUCCESS)
}

/// `eslab show`: a bundled scenario's text as it is bundled; with `handout`, a scenario (bundled
/// or a file) written again without its answers.
pub(super) fn show(name: &str, handout: bool) -> anyhow::Result<u8> {
    if handout {
        let loaded = scenario::load(name)?;
        let scenario = &loaded.scenario;
        print(&scenario::to_json(
            scenario,
            &scenario.steps,
            scenario::Answers::LeftOut,
        )?)?;
    } else {
        print(scenario::bundled(name)?)?;
    }
    Ok(SUCCESS)
}

/// `eslab check`: exit 2 when any file is not a valid scenario.
pub(super) fn check(files: &[String]) -> anyhow::Result<u8> {
    let mut all_valid = true;
    for file in files {
        match StreamedScenario::check(file) {
            Ok(streamed) => {
                let steps = streamed.steps;
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
    Ok(if all_valid { SUCCESS } else { ERROR })
}

/// `eslab completions SHELL`: the script clap_complete derives from the clap definitions.
pub(super) fn completions(shell: clap_complete::Shell) -> anyhow::Result<u8> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "eslab", &mut script);
    print(&String::from_utf8(script).context("the completion script is not UTF-8")?)?;
    Ok(SUCCESS)
}

/// `eslab man`: the man page clap_mangen derives from the clap definitions, in roff; with
/// `--dir`, every page (eslab.1 and one per subcommand, which eslab.1 refers to) as files.
pub(super) fn man(dir: Option<&Path>) -> anyhow::Result<u8> {
    let Some(dir) = dir else {
        // As `generate_to` renders eslab.1: `eslab help` has no page of its own to refer to.
        let mut command = Cli::command().disable_help_subcommand(true);
        command.build();
        let mut page = Vec::new();
        clap_mangen::Man::new(command).render(&mut page)?;
        print(&String::from_utf8(page).context("the man page is not UTF-8")?)?;
        return Ok(SUCCESS);
    };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    clap_mangen::generate_to(Cli::command(), dir)
        .with_context(|| format!("cannot write the man pages into {}", dir.display()))?;
    print(&format!(
        "wrote the man pages into {}\n",
        clean_prose(&dir.display().to_string())
    ))?;
    Ok(SUCCESS)
}

/// `eslab room create URL --room NAME`: prints the line attendees type.
pub(super) fn room_create(url: &str, room: &str) -> anyhow::Result<u8> {
    let store = pg::Store::new(url, room)?;
    let join = store.create()?;
    print(&format!(
        "room {} is ready on {}; attendees join with (each with their own name):\n  {join}\n",
        store.room, store.url
    ))?;
    Ok(SUCCESS)
}

/// `eslab room late-reader`: the lesson, played on the server, in narrate's words.
pub(super) fn late_reader(url: &str, room: &str) -> anyhow::Result<u8> {
    let store = pg::Store::new(url, room)?;
    let lesson = pg::late_reader(&store.url, &store.room)?;
    let mut text = String::new();
    for line in crate::narrate::late_reader(&lesson) {
        // Each line wrapped to the default width, its continuation under its own indent.
        let indent = " ".repeat(line.len() - line.trim_start().len());
        let options = textwrap::Options::new(crate::render::DEFAULT_WIDTH as usize)
            .subsequent_indent(&indent);
        text.push_str(&textwrap::fill(&line, options));
        text.push('\n');
    }
    print(&text)?;
    Ok(SUCCESS)
}

/// `eslab bench --store URL`: a room's commands per second and its log read back
/// (`bench::store`), as a table.
fn bench_store(url: &str, room: &str, per_writer: u64) -> anyhow::Result<u8> {
    let report = crate::bench::store::run(url, room, per_writer)?;
    print(&report.table(&crate::pg::redact(url)))?;
    Ok(SUCCESS)
}
