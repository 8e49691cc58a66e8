//! What each subcommand does: load, run, render, and the exit code it earns.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::CommandFactory;

use crate::bench::{self, BenchOptions};
use crate::cli::{
    BackendChoice, BenchArgs, Cli, ColorChoice, Command, DiffArgs, LayoutChoice, LiveArgs,
    LogPlaceArgs, OutputArgs, RoomAction, RunArgs, StorageArgs, WorkloadArgs,
};
use crate::domain::Event;
use crate::es::store::RowRef;
use crate::es::{EventStore, OrderView, StoredLog};
use crate::live::{self, Session};
use crate::pg;
use crate::render::LoggedEvent;
use crate::render::{self, DEFAULT_WIDTH, Format, ScenarioListing, Style, Width};
use crate::runner::{self, Services, StorageOptions, StreamedScenario};
use crate::sanitize::clean_prose;
use crate::scenario::{self, DesignFlag, LoadedScenario, Scenario};
use crate::service::{Agreement, Backend};
use crate::trace::{SCHEMA_VERSION, ScenarioInfo, Trace};
use crate::verify::{self, Untrusted};
use crate::workload::Workload;

/// Exit codes, as diff(1): all good, differences (or failed expectations), trouble.
pub const SUCCESS: u8 = 0;
pub const DIFFERENT: u8 = 1;
pub const ERROR: u8 = 2;

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let color = use_color(cli.color);
    let code = match dispatch(cli.command, color) {
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

fn dispatch(command: Command, color: bool) -> anyhow::Result<u8> {
    Ok(match command {
        Command::Run(args) => run_command(args, color)?,
        Command::Live(args) => live(args, color)?,
        Command::Diff(args) => diff(args, color)?,
        Command::Bench(args) => bench(args, color)?,
        Command::Generate { workload: args } => generate(&args)?,
        Command::Reports(output) => reports(&output, color)?,
        Command::Scenarios(output) => scenarios(&output, color)?,
        Command::Show { name } => show(&name)?,
        Command::Check { files } => check(&files)?,
        Command::Log { at, trust, output } => log(&LogAt::of(&at)?, trust, &output, color)?,
        Command::Verify {
            at,
            expect_head,
            output,
        } => verify(&LogAt::of(&at)?, expect_head.as_deref(), &output, color)?,
        Command::Replay {
            at,
            trust,
            until,
            output,
        } => replay(&LogAt::of(&at)?, trust, until, &output, color)?,
        Command::Room {
            action: RoomAction::Create { url, room },
        } => room_create(&url, &room)?,
        Command::Completions { shell } => completions(shell)?,
        Command::Man { dir } => man(dir.as_deref())?,
    })
}

/// Past this many steps, a run without `--db-dir` keeps its databases in scratch files, not
/// in memory, where its log would grow with every step.
const SCRATCH_ABOVE_STEPS: usize = 20_000;

/// `eslab run`: exit 1 when an expectation failed.
fn run_command(args: RunArgs, color: bool) -> anyhow::Result<u8> {
    let backends = match args.backend {
        BackendChoice::Both => vec![Backend::Crud, Backend::Es],
        BackendChoice::Crud => vec![Backend::Crud],
        BackendChoice::Es => vec![Backend::Es],
    };
    let mut style = style(args.output.format, args.output.width, color);
    style.layout = match args.output.layout {
        Some(LayoutChoice::Wide) => render::Layout::Wide,
        Some(LayoutChoice::Stacked) => render::Layout::Stacked,
        // --step: one block a screen, whatever the width.
        None if args.step => render::Layout::Stacked,
        None => render::Layout::for_width(style.width.columns()),
    };
    let summary = if args.step {
        match run_step_by_step(&args.scenario, &backends, &args.storage, style)? {
            Some(trace) => trace.summary,
            None => return Ok(SUCCESS),
        }
    } else {
        let mut streamed = StreamedScenario::check(&args.scenario)?;
        as_attendee(&mut streamed.scenario, &args.storage)?;
        if let Some(name) = held_format(style.format) {
            render::check_held(
                &format!("--format {name}"),
                streamed.steps,
                "steps",
                "--format json, table or markdown writes any number as they run",
            )?;
        }
        let (mut services, _scratch) = open_streamed(&streamed, &backends, &args.storage)?;
        let fingerprint = fingerprint(&streamed, &args.storage)?;
        // A long run's JSON is gigabytes: written in large pieces.
        let mut stdout = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
        let summary = if style.format == Format::Json {
            // Written as the run goes: nothing of a step is kept once it is out.
            let mut json = render::JsonRun::begin(&mut stdout, &streamed.info(), &backends)?;
            let end = match streamed.run(&mut services, &fingerprint, |record| json.step(&record)) {
                Ok(end) => end,
                Err(e) => {
                    // The document already begun is ended, not cut off; the error is still
                    // the run's outcome.
                    let _ = json.stop(&clean_prose(&format!("{e:#}")));
                    let _ = stdout.flush();
                    return Err(e);
                }
            };
            json.finish(&end.summary)?;
            end.summary
        } else if streamed.steps > render::TABLE_STEPS
            && matches!(style.format, Format::Table | Format::Markdown)
        {
            // A table of a long run is printed as it runs, a chunk at a time.
            let mut table = render::TableRun::begin(
                &mut stdout,
                style,
                streamed.info(),
                &backends,
                streamed.steps,
            )?;
            let mut done = 0;
            let ran = streamed.run(&mut services, &fingerprint, |record| {
                done = record.step;
                table.step(record)
            });
            let end = match ran {
                Ok(end) => end,
                Err(e) => {
                    // As the JSON: the document begun is ended, saying where and why.
                    let _ = table.stop(done, &clean_prose(&format!("{e:#}")));
                    let _ = stdout.flush();
                    return Err(e);
                }
            };
            table.finish(&end.summary)?;
            end.summary
        } else {
            let mut steps = Vec::new();
            let end = streamed.run(&mut services, &fingerprint, |record| {
                steps.push(record);
                Ok(())
            })?;
            let trace = Trace {
                schema_version: SCHEMA_VERSION,
                scenario: streamed.info(),
                backends: end.backends,
                steps,
                summary: end.summary,
            };
            render::write_run(&trace, style, &mut stdout)?;
            trace.summary
        };
        stdout.flush()?;
        summary
    };
    // `eslab bench` measures a run's peak memory by asking the run itself.
    if std::env::var_os(bench::REPORT_PEAK_RSS).is_some()
        && let Some(bytes) = bench::peak_rss()
    {
        eprintln!("{}{bytes}", bench::PEAK_RSS_SAID);
    }
    let failures = summary.expectations.failures.len();
    if failures > 0 {
        eprintln!(
            "eslab: {failures} of {} expectations failed (see the summary)",
            summary.expectations.checked
        );
        return Ok(DIFFERENT);
    }
    Ok(SUCCESS)
}

/// The outputs that keep every step until they are written, by `--format` name.
fn held_format(format: Format) -> Option<&'static str> {
    match format {
        Format::Mermaid => Some("mermaid"),
        Format::Html => Some("html"),
        Format::Table | Format::Markdown | Format::Json => None,
    }
}

/// `eslab live`: the full-screen view on a terminal, else commands line by line from stdin
/// (exit 2 when a line was not a command, 1 when a scenario's expectation failed).
fn live(args: LiveArgs, color: bool) -> anyhow::Result<u8> {
    let terminal = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    if args.predict && !terminal {
        bail!(
            "--predict asks the room before each step and waits for its answer, so it needs a terminal; without one, `eslab live` runs the lines of stdin as a script"
        );
    }
    let backends = [Backend::Crud, Backend::Es];
    let (loaded, services) = if args.empty {
        let mut loaded = Session::blank_scenario();
        as_attendee(&mut loaded.scenario, &args.storage)?;
        let services = open_services(&loaded, &backends, &args.storage)?;
        (loaded, services)
    } else {
        let loaded = scenario::load(&args.scenario)?;
        live::check_steps(loaded.scenario.steps.len())?;
        let services = open_services(&loaded, &backends, &args.storage)?;
        (loaded, services)
    };
    let mut session = Session::open(loaded, services)?;
    if terminal {
        let mut app = live::state::App::new(session);
        if args.predict {
            app = app.predicting();
        }
        live::screen::run(&mut app, color)?;
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

/// `eslab diff`: exit 1 when the designs answered the same question differently. Only the
/// steps it reports are kept: where the designs differ, and the gaps.
fn diff(args: DiffArgs, color: bool) -> anyhow::Result<u8> {
    let backends = [Backend::Crud, Backend::Es];
    let mut streamed = StreamedScenario::check(&args.scenario)?;
    as_attendee(&mut streamed.scenario, &args.storage)?;
    let style = style(args.output.format, args.output.width, color);
    if let Some(name) = held_format(style.format) {
        render::check_held(
            &format!("`eslab diff --format {name}`"),
            streamed.steps,
            "steps",
            "--format table, markdown or json keeps only the steps where the designs differ",
        )?;
    }
    let (mut services, _scratch) = open_streamed(&streamed, &backends, &args.storage)?;
    let fingerprint = fingerprint(&streamed, &args.storage)?;
    // The page scrubs through every step; the other forms show only what differs.
    let every_step = style.format == Format::Html;
    let mut reported = Vec::new();
    let end = streamed.run(&mut services, &fingerprint, |record| {
        if every_step || matches!(record.agreement(), Agreement::Different | Agreement::Gap) {
            // Kept to be reported at the end: as many as an output that holds its steps takes.
            render::check_held(
                "`eslab diff`",
                reported.len() + 1,
                "differing steps",
                "`eslab run --format json` writes every step, each design's answer side by side, as it runs",
            )?;
            reported.push(record);
        }
        Ok(())
    })?;
    let identical = end.summary.differing_steps.is_empty();
    let trace = Trace {
        schema_version: SCHEMA_VERSION,
        scenario: streamed.info(),
        backends: end.backends,
        steps: reported,
        summary: end.summary,
    };
    print(&render::diff(&trace, style))?;
    Ok(if identical { SUCCESS } else { DIFFERENT })
}

/// Opens the designs for a streamed run: warns about flags the scenario was not written for,
/// refuses to carry on from a log that fails verification, and past `SCRATCH_ABOVE_STEPS`
/// puts in-memory databases in a scratch folder, returned to be kept until the run ends.
fn open_streamed(
    streamed: &StreamedScenario,
    backends: &[Backend],
    storage: &StorageArgs,
) -> anyhow::Result<(Services, Option<tempfile::TempDir>)> {
    warn_not_for(&streamed.name, &streamed.scenario, backends, storage);
    let verified_view = refuse_untrusted_log(backends, storage)?;
    let room = room_of(storage)?;
    let scratch =
        (storage.db_dir.is_none() && room.is_none() && streamed.steps > SCRATCH_ABOVE_STEPS)
            .then(|| tempfile::Builder::new().prefix("eslab-run-").tempdir())
            .transpose()
            .context("cannot make a scratch folder for a long run")?;
    let options = StorageOptions {
        db_dir: storage.db_dir.clone(),
        resume: storage.resume,
        crud_locking: storage.crud_locking,
        scratch_dir: scratch.as_ref().map(|dir| dir.path().to_path_buf()),
        store: room,
        verified_view,
    };
    let services = Services::open(backends, &options, streamed.scenario.first_event_id)?;
    Ok((services, scratch))
}

/// The fingerprint a run marks its steps with: needed only where they are recorded.
fn fingerprint(streamed: &StreamedScenario, storage: &StorageArgs) -> anyhow::Result<String> {
    match (&storage.db_dir, &storage.store) {
        (None, None) => Ok(String::new()),
        _ => streamed.fingerprint(),
    }
}

fn bench(args: BenchArgs, color: bool) -> anyhow::Result<u8> {
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
        volume_steps: args.volume_steps,
        eslab_binary: std::env::current_exe().context("cannot find the eslab binary")?,
        db_dir: args.db_dir.clone(),
        progress: std::io::stderr().is_terminal(),
    })?;
    print(&render::bench(
        &report,
        style(args.output.format, args.output.width, color),
    ))?;
    Ok(SUCCESS)
}

fn generate(args: &WorkloadArgs) -> anyhow::Result<u8> {
    let mut stdout = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    workload(args).write_scenario(&mut stdout)?;
    stdout.flush()?;
    Ok(SUCCESS)
}

fn reports(output: &OutputArgs, color: bool) -> anyhow::Result<u8> {
    print(&render::reports(style(output.format, output.width, color)))?;
    Ok(SUCCESS)
}

fn scenarios(output: &OutputArgs, color: bool) -> anyhow::Result<u8> {
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
        style(output.format, output.width, color),
    ))?;
    Ok(SUCCESS)
}

fn show(name: &str) -> anyhow::Result<u8> {
    print(scenario::bundled(name)?)?;
    Ok(SUCCESS)
}

/// `eslab check`: exit 2 when any file is not a valid scenario.
fn check(files: &[String]) -> anyhow::Result<u8> {
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

/// Where a stored log is: a folder's `events.sqlite3`, or a room on a server.
enum LogAt {
    Dir(PathBuf),
    Room(Box<pg::Store>),
}

impl LogAt {
    fn of(args: &LogPlaceArgs) -> anyhow::Result<LogAt> {
        Ok(match (&args.db_dir, &args.store, &args.room) {
            (Some(dir), _, _) => LogAt::Dir(dir.clone()),
            (None, Some(url), Some(room)) => LogAt::Room(Box::new(pg::Store::new(url, room)?)),
            _ => bail!("say where the log is: --db-dir DIR, or --store URL --room NAME"),
        })
    }

    /// The log, as messages name it.
    fn path(&self) -> String {
        match self {
            LogAt::Dir(dir) => runner::events_path(dir).display().to_string(),
            LogAt::Room(store) => format!("room {} on {}", store.room, store.url),
        }
    }

    /// Where it is, as `eslab verify` takes it.
    fn place(&self) -> String {
        match self {
            LogAt::Dir(dir) => format!("--db-dir {}", dir.display()),
            LogAt::Room(store) => format!("--store {} --room {}", store.url, store.room),
        }
    }

    /// Opens it to read it.
    fn open(&self) -> anyhow::Result<Box<dyn StoredLog>> {
        Ok(match self {
            LogAt::Dir(dir) => Box::new(EventStore::open_read_only(&runner::events_path(dir))?),
            LogAt::Room(store) => Box::new(pg::PgLog::new(store.join()?, 1)),
        })
    }
}

/// Reads a stored log in one pass that verifies it too (`verify::read`), refusing
/// (`Untrusted`) one that does not verify: nothing read is used before the verdict.
fn read_verified(
    at: &LogAt,
    until: Option<u64>,
    visit: impl FnMut(&RowRef, &Event) -> anyhow::Result<()> + Send,
) -> anyhow::Result<verify::Reading> {
    let path = at.path();
    let store = at.open()?;
    let reading = verify::read(&*store, until, visit)
        .with_context(|| format!("cannot read the log in {path}"))?;
    reading
        .verdict
        .require_intact(&path, &at.place())
        .with_context(|| format!("cannot read the log in {path}"))?;
    Ok(reading)
}

fn log(at: &LogAt, trust: bool, output: &OutputArgs, color: bool) -> anyhow::Result<u8> {
    let style = style(output.format, output.width, color);
    let count = at.open()?.count()? as usize;
    if style.format == Format::Json && (trust || count > render::MAX_HELD) {
        // Too long to hold until the verdict: verified in a pass of its own first (the one
        // case that reads the log twice), then written as it is read.
        if !trust {
            read_verified(at, None, |_, _| Ok(()))?;
        }
        return stream_log_json(at);
    }
    render::check_held(
        "a log's table",
        count,
        "events",
        "`eslab log --format json` writes any number as it reads them",
    )?;
    let mut events = Vec::new();
    if trust {
        let store = at.open()?;
        store
            .for_each_row(&mut |row| {
                events.push(LoggedEvent {
                    event: row.decode()?,
                    hash: hex::encode(&row.hash),
                });
                Ok(())
            })
            .with_context(|| format!("cannot read the log in {}", at.path()))?;
    } else {
        read_verified(at, None, |row, _| {
            events.push(LoggedEvent {
                event: row.decode()?,
                hash: hex::encode(row.hash),
            });
            Ok(())
        })?;
    }
    print(&render::log(&events, style))?;
    Ok(SUCCESS)
}

/// `eslab log --format json`, written as it is read: a log of any length. A read that fails
/// midway ends the document it began, never leaves it cut off.
fn stream_log_json(at: &LogAt) -> anyhow::Result<u8> {
    let store = at.open()?;
    let mut stdout = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    let mut json = render::JsonLog::begin(&mut stdout)?;
    let read = store
        .for_each_row(&mut |row| {
            json.event(&LoggedEvent {
                event: row.decode()?,
                hash: hex::encode(&row.hash),
            })
        })
        .with_context(|| format!("cannot read the log in {}", at.path()));
    if let Err(e) = read {
        let _ = json.stop(&clean_prose(&format!("{e:#}")));
        let _ = stdout.flush();
        return Err(e);
    }
    json.finish()?;
    stdout.flush()?;
    Ok(SUCCESS)
}

/// `eslab verify`: exit 1 when the log does not verify, or does not end at `expect_head`.
fn verify(
    at: &LogAt,
    expect_head: Option<&str>,
    output: &OutputArgs,
    color: bool,
) -> anyhow::Result<u8> {
    let store = at.open()?;
    let mut verdict =
        verify::verify(&*store).with_context(|| format!("cannot read the log in {}", at.path()))?;
    if let Some(expected) = expect_head {
        verdict.expect_head(expected);
    }
    print(&render::verdict(
        &verdict,
        style(output.format, output.width, color),
    ))?;
    Ok(if verdict.holds() { SUCCESS } else { DIFFERENT })
}

fn replay(
    at: &LogAt,
    trust: bool,
    until: Option<u64>,
    output: &OutputArgs,
    color: bool,
) -> anyhow::Result<u8> {
    let view = if trust {
        let store = at.open()?;
        OrderView::rebuild(&*store, until)
            .with_context(|| format!("cannot replay the log in {}", at.path()))?
    } else {
        read_verified(at, until, |_, _| Ok(()))?.view
    };
    print(&render::replay(
        &view,
        until,
        style(output.format, output.width, color),
    ))?;
    Ok(SUCCESS)
}

/// `eslab completions SHELL`: the script clap_complete derives from the clap definitions.
fn completions(shell: clap_complete::Shell) -> anyhow::Result<u8> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "eslab", &mut script);
    print(&String::from_utf8(script).context("the completion script is not UTF-8")?)?;
    Ok(SUCCESS)
}

/// `eslab man`: the man page clap_mangen derives from the clap definitions, in roff; with
/// `--dir`, every page (eslab.1 and one per subcommand, which eslab.1 refers to) as files.
fn man(dir: Option<&Path>) -> anyhow::Result<u8> {
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
    let mut loaded = scenario::load(name_or_path)?;
    as_attendee(&mut loaded.scenario, storage)?;
    let services = open_services(&loaded, backends, storage)?;
    Ok((loaded, services))
}

/// Opens the databases a scenario runs on, as --db-dir, --continue and --trust say.
fn open_services(
    loaded: &LoadedScenario,
    backends: &[Backend],
    storage: &StorageArgs,
) -> anyhow::Result<Services> {
    warn_not_for(&loaded.name, &loaded.scenario, backends, storage);
    let verified_view = refuse_untrusted_log(backends, storage)?;
    let storage = StorageOptions {
        db_dir: storage.db_dir.clone(),
        resume: storage.resume,
        crud_locking: storage.crud_locking,
        scratch_dir: None,
        store: room_of(storage)?,
        verified_view,
    };
    Services::open(backends, &storage, loaded.scenario.first_event_id)
}

/// `--as NAME`: the scenario's commands that name no one are issued by NAME.
fn as_attendee(scenario: &mut Scenario, storage: &StorageArgs) -> anyhow::Result<()> {
    if let Some(name) = &storage.attendee {
        scenario.by = crate::domain::Actor::new(name.as_str())
            .map_err(anyhow::Error::msg)
            .context("--as")?;
    }
    Ok(())
}

/// The room `--store` and `--room` name, checked, if they name one.
fn room_of(storage: &StorageArgs) -> anyhow::Result<Option<pg::Store>> {
    match (&storage.store, &storage.room) {
        (Some(url), Some(room)) => Ok(Some(pg::Store::new(url, room)?)),
        _ => Ok(None),
    }
}

/// `eslab room create URL --room NAME`: prints the line attendees type.
fn room_create(url: &str, room: &str) -> anyhow::Result<u8> {
    let store = pg::Store::new(url, room)?;
    let join = store.create()?;
    print(&format!(
        "room {} is ready on {}; attendees join with (each with their own name):\n  {join}\n",
        store.room, store.url
    ))?;
    Ok(SUCCESS)
}

/// Carrying on from a tampered log would build on events nobody can vouch for. The pass
/// that verifies it also rebuilds OrderView, which a run on SQLite then starts from (a room's
/// is verified, and its view built when the room is joined).
fn refuse_untrusted_log(
    backends: &[Backend],
    storage: &StorageArgs,
) -> anyhow::Result<Option<OrderView>> {
    if !storage.resume || storage.trust || !backends.contains(&Backend::Es) {
        return Ok(None);
    }
    if let Some(room) = room_of(storage)? {
        read_verified(&LogAt::Room(Box::new(room)), None, |_, _| Ok(()))?;
        return Ok(None);
    }
    if let Some(db_dir) = &storage.db_dir
        && runner::events_path(db_dir).try_exists().unwrap_or(true)
    {
        return Ok(Some(
            read_verified(&LogAt::Dir(db_dir.clone()), None, |_, _| Ok(()))?.view,
        ));
    }
    Ok(None)
}

/// Warns on stderr when the scenario says it was not written for a flag it is run with: its
/// expectations and notes may not hold then.
fn warn_not_for(name: &str, scenario: &Scenario, backends: &[Backend], storage: &StorageArgs) {
    let used = [
        (
            DesignFlag::CrudLocking,
            storage.crud_locking && backends.contains(&Backend::Crud),
        ),
        (DesignFlag::BackendCrud, backends == [Backend::Crud]),
        (DesignFlag::BackendEs, backends == [Backend::Es]),
    ];
    for (flag, on) in used {
        if let Some(reason) = scenario.not_for.get(&flag).filter(|_| on) {
            eprintln!(
                "eslab: warning: {} was not written for {}: {}",
                clean_prose(name),
                flag.cli(),
                clean_prose(reason)
            );
        }
    }
}

/// `eslab run --step`: print each step as it is done, as one block of the stacked layout
/// under the ones before, and wait for a key; `q` (or Esc, Ctrl-C) stops the run there
/// (`None`: nothing more runs, nothing is summed up).
fn run_step_by_step(
    name_or_path: &str,
    backends: &[Backend],
    storage: &StorageArgs,
    style: Style,
) -> anyhow::Result<Option<Trace>> {
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        bail!("--step waits for Enter after each step, so it needs a terminal on stdin and stdout");
    }
    if style.format != Format::Table {
        bail!("--step shows each step as a table: leave out --format");
    }
    let (loaded, mut services) = open_scenario(name_or_path, backends, storage)?;
    print(&render::run_opening(&ScenarioInfo::of(&loaded), style))?;
    print("\n")?;
    let steps = loaded.scenario.steps.len();
    let ran = runner::run_with(&loaded, &mut services, |record| {
        print(&render::run_step(backends, record, style))?;
        if record.step < steps {
            eprint!(
                "step {}/{steps}: press Enter for the next one, q to quit… ",
                record.step
            );
            let go_on = next_key()?;
            // The prompt ends, and a blank line sets it apart from the next block.
            eprintln!("\n");
            if !go_on {
                return Err(StoppedByKey.into());
            }
        }
        Ok(())
    });
    let trace = match ran {
        Err(e) if e.is::<StoppedByKey>() => return Ok(None),
        ran => ran?,
    };
    print(&render::run_closing(&trace, style))?;
    Ok(Some(trace))
}

/// `q` pressed during `run --step`.
#[derive(Debug)]
struct StoppedByKey;

impl std::fmt::Display for StoppedByKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("stopped by a key")
    }
}

impl std::error::Error for StoppedByKey {}

/// One key, read in raw mode (restored before returning, whatever happened): false for `q`,
/// Esc or Ctrl-C, true for any other.
fn next_key() -> anyhow::Result<bool> {
    use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
    crossterm::terminal::enable_raw_mode()?;
    let key = loop {
        match event::read() {
            Ok(Event::Key(key)) if key.kind != KeyEventKind::Release => break Ok(key),
            Ok(_) => {}
            Err(e) => break Err(e),
        }
    };
    crossterm::terminal::disable_raw_mode()?;
    let key = key?;
    let ctrl_c = key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c');
    Ok(!(ctrl_c || matches!(key.code, KeyCode::Char('q') | KeyCode::Esc)))
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

fn style(format: impl Into<Format>, width: Option<u16>, color: bool) -> Style {
    let width = match width {
        Some(width) => Width::Fixed(width),
        None if std::io::stdout().is_terminal() => Width::Terminal,
        None => Width::Fixed(DEFAULT_WIDTH),
    };
    Style {
        format: format.into(),
        width,
        color,
        layout: render::Layout::Wide,
    }
}

/// Writes a result to stdout in one go; a closed pipe surfaces as an io error for main.
fn print(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(())
}
