//! `eslab bench`: what each design costs on this machine, measured through the product's own
//! code paths, next to the floor of what the disk and SQLite allow — with the targets the
//! issue tracker set, each a ratio measured in the same run.

use std::collections::HashMap;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rusqlite::{Connection, params};
use serde::Serialize;

use crate::crud::CrudStore;
use crate::db::Location;
use crate::domain::{Command, Event, Order, OrderId, apply, decide};
use crate::es::{EventSourcedService, EventStore, OrderView, chain};
use crate::runner;
use crate::service::{HistoryQuery, OrderQuery, OrderService, Question};
use crate::workload::{self, Workload};

#[derive(Debug, Clone)]
pub struct BenchOptions {
    pub workload: Workload,
    /// Commands in the synchronous=FULL phase (each waits for the disk).
    pub full_commands: u64,
    pub snapshot_every: u64,
    /// Steps of the smaller generated scenario `eslab run` is timed on (rounded down to whole
    /// orders of ten commands); the larger has 10×.
    pub run_steps: u64,
    /// Steps of the larger scenario `eslab run` is measured on at volume (time and peak
    /// memory), over `volume_steps / 100` orders; the smaller has a tenth, over the same
    /// orders. 0 leaves the phase out.
    pub volume_steps: u64,
    /// The eslab binary whose `run` is timed: this program, when it is eslab.
    pub eslab_binary: PathBuf,
    /// Where the databases go; a fresh temporary folder when `None`.
    pub db_dir: Option<PathBuf>,
    /// Show progress bars (only when stderr is a terminal).
    pub progress: bool,
    /// Measures `eslab live`'s redraws on a scenario: passed in by the caller, so the bench,
    /// which sits beside the runner, never imports the live view above it.
    pub measure_redraws: fn(crate::scenario::LoadedScenario) -> anyhow::Result<RedrawTimes>,
}

/// What a measurement of `eslab live`'s redraws comes to.
#[derive(Debug, Clone, Copy)]
pub struct RedrawTimes {
    /// Steps in the scenario measured.
    pub steps: usize,
    /// Key presses (and frames End ran steps in) timed.
    pub presses: usize,
    pub median: Duration,
    pub worst: Duration,
}

#[derive(Debug, Clone, Serialize)]
pub struct Metric {
    pub phase: &'static str,
    pub design: &'static str,
    pub count: u64,
    pub unit: &'static str,
    pub seconds: f64,
    /// `unit`s per second.
    pub rate: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Target {
    pub name: &'static str,
    pub measured: f64,
    /// `measured` must be at least this (or at most, for `at_most` targets).
    pub required: f64,
    pub at_most: bool,
    pub met: bool,
    /// Pages each design writes to the WAL per command, beside the targets they explain.
    pub pages_per_command: Option<PagesWritten>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct PagesWritten {
    pub crud: f64,
    pub es: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Storage {
    pub crud_bytes: u64,
    pub es_bytes: u64,
    pub crud_rows: u64,
    pub es_events: u64,
    pub crud_bytes_per_order: f64,
    pub es_bytes_per_order: f64,
    /// Pages each command writes to the WAL (a commit writes every page it changed, whole).
    pub crud_pages_per_command: f64,
    pub es_pages_per_command: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Memory {
    /// Peak resident memory of this process, from /proc (null where the OS does not say).
    pub peak_rss_bytes: Option<u64>,
    /// `eslab run --format json` at volume: steps, peak resident memory and steps/s, for the
    /// smaller and the larger generated scenario (empty when the phase is left out).
    pub run_at_volume: Vec<RunAtVolume>,
    /// OrderView's heap and inline size per order, counted from its contents.
    pub view_bytes_per_order: f64,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct RunAtVolume {
    pub steps: u64,
    /// As the run said it (`REPORT_PEAK_RSS`); null where the OS does not say.
    pub peak_rss_bytes: Option<u64>,
    pub seconds: f64,
    pub steps_per_second: f64,
}

/// The live view's time from a key press to a drawn screen (`live::redraw`).
#[derive(Debug, Clone, Serialize)]
pub struct LiveRedraw {
    /// Steps of the generated scenario it was measured on.
    pub steps: u64,
    /// Key presses (and frames End ran steps in) measured.
    pub presses: u64,
    pub median_ms: f64,
    pub worst_ms: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub schema_version: u32,
    pub orders: u64,
    pub changes: u64,
    pub seed: u64,
    pub commands: u64,
    /// The snapshot interval used: `--snapshot-every`, fitted to a short workload.
    pub snapshot_every: u64,
    pub release_build: bool,
    pub metrics: Vec<Metric>,
    pub latencies: Vec<Latency>,
    pub storage: Storage,
    pub memory: Memory,
    pub live_redraw: LiveRedraw,
    pub targets: Vec<Target>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Latency {
    pub query: &'static str,
    pub count: u64,
    pub microseconds_each: f64,
}

fn metric(
    phase: &'static str,
    design: &'static str,
    count: u64,
    unit: &'static str,
    time: Duration,
) -> Metric {
    let seconds = time.as_secs_f64();
    Metric {
        phase,
        design,
        count,
        unit,
        seconds,
        rate: count as f64 / seconds.max(1e-9),
    }
}

fn at_least(name: &'static str, measured: f64, required: f64) -> Target {
    Target {
        name,
        measured,
        required,
        at_most: false,
        met: measured >= required,
        pages_per_command: None,
    }
}

fn at_most(name: &'static str, measured: f64, required: f64) -> Target {
    Target {
        name,
        measured,
        required,
        at_most: true,
        met: measured <= required,
        pages_per_command: None,
    }
}

/// A progress bar on stderr, or nothing.
fn bar(options: &BenchOptions, len: u64, message: &'static str) -> ProgressBar {
    if !options.progress {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{msg:>28} {bar:30} {pos}/{len} {per_sec}")
            .expect("the template is valid"),
    );
    bar.set_message(message);
    bar
}

/// The events the workload appends, decided in memory by the same rules: the input of the
/// bulk append and its floor.
fn decided_events(workload: &Workload) -> Vec<(OrderId, u64, Event)> {
    let mut orders: HashMap<OrderId, Order> = HashMap::new();
    let mut events = Vec::with_capacity(workload.commands_count() as usize);
    for command in workload.commands() {
        let id = command.order_id().clone();
        let current = orders.remove(&id);
        let decided = decide(current.as_ref(), &command).expect("generated commands are valid");
        let mut next = current;
        for event in decided {
            next = Some(apply(next, &id, &event).expect("decided events apply"));
            events.push((id.clone(), next.as_ref().map_or(0, |o| o.version), event));
        }
        if let Some(order) = next {
            orders.insert(id, order);
        }
    }
    events
}

/// Memory the bench holds per command of its workload. Peak resident memory grows by about
/// 2.0 KiB per command (measured at 50,000 and 400,000 commands): the commands, their decided
/// events and the log ten times as long that the snapshot phase builds are all in memory at
/// once. A quarter is added for other machines and allocators.
const BYTES_PER_COMMAND: u64 = 2_560;
/// What the bench holds whatever the workload: two 64 MiB page caches and the program.
const BYTES_AT_REST: u64 = 160 << 20;
/// Assumed free where the system does not say (no /proc/meminfo).
const BYTES_ASSUMED_FREE: u64 = 4 << 30;

/// Refuses, before anything is allocated or created, a workload whose estimated memory exceeds
/// what the machine has free: it would otherwise end in an abort on allocation (or the OOM
/// killer) minutes in, with nothing measured.
fn check_memory(workload: &Workload) -> anyhow::Result<()> {
    let commands = workload
        .orders
        .saturating_mul(workload.changes.saturating_add(2));
    let needed = commands
        .saturating_mul(BYTES_PER_COMMAND)
        .saturating_add(BYTES_AT_REST);
    let (free, source) = match memory_available() {
        Some(bytes) => (bytes, "available on this machine (MemAvailable)"),
        None => (
            BYTES_ASSUMED_FREE,
            "assumed free (this system does not say)",
        ),
    };
    if needed > free {
        let most = free.saturating_sub(BYTES_AT_REST) / BYTES_PER_COMMAND;
        anyhow::bail!(
            "--orders {} with --changes {} is {commands} commands, which would need about {} \
             of memory (about {:.1} KiB per command: the commands, their events and a log ten \
             times as long are held in memory), more than the {} {source}; use fewer \
             --orders or --changes (at most about {most} commands here)",
            workload.orders,
            workload.changes,
            human_bytes(needed),
            BYTES_PER_COMMAND as f64 / 1024.0,
            human_bytes(free),
        );
    }
    Ok(())
}

/// Memory the kernel says is available for new allocations, from /proc/meminfo.
fn memory_available() -> Option<u64> {
    let meminfo = fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib.saturating_mul(1024))
}

/// `bytes` in the largest binary unit that keeps it at or above 1.
fn human_bytes(bytes: u64) -> String {
    let mut value = bytes as f64;
    for unit in ["B", "KiB", "MiB", "GiB", "TiB"] {
        if value < 1024.0 || unit == "TiB" {
            return format!("{value:.1} {unit}");
        }
        value /= 1024.0;
    }
    unreachable!("the loop returns at its last unit")
}

pub fn run(options: &BenchOptions) -> anyhow::Result<BenchReport> {
    check_memory(&options.workload)?;
    let temp;
    let dir: &Path = match &options.db_dir {
        Some(dir) => {
            fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
            dir
        }
        None => {
            temp = tempfile::tempdir().context("cannot create a temporary folder")?;
            temp.path()
        }
    };
    let fresh = |name: &str| -> anyhow::Result<PathBuf> {
        let path = dir.join(name);
        // Never overwrite: every file this bench writes must be new.
        if path.exists() {
            anyhow::bail!(
                "{} already exists: refusing to overwrite it",
                path.display()
            );
        }
        fs::create_dir(&path).with_context(|| format!("cannot create {}", path.display()))?;
        Ok(path)
    };
    let workload = options.workload;
    let commands: Vec<Command> = workload.commands().collect();
    let mut metrics = Vec::new();
    let mut targets = Vec::new();

    // 1. Every command waiting for the disk (synchronous=FULL), next to the disk's own floor:
    //    measured first, while nothing else is waiting to be written (reported second).
    let full = fresh("full")?;
    // What one commit writes, measured on a sample: the floor writes as much per sync.
    let pages = pages_per_command(&fresh("pages")?, &workload)?;
    let full_phase = full_durability(&full, &workload, &pages, options)?;
    // 2. Commands, one transaction each, WAL + synchronous=NORMAL, through OrderService.
    let normal = fresh("commands")?;
    let mut crud = CrudStore::open(&Location::NewFile(normal.join(runner::CRUD_FILE)), false)?;
    let mut es =
        EventSourcedService::open(&Location::NewFile(normal.join(runner::EVENTS_FILE)), 1)?;
    // Alternating chunks, so both designs meet the same moods of the machine and the disk.
    let [crud_rate, es_rate] = drive_alternating(
        options,
        [&mut crud, &mut es],
        &commands,
        "commands (CRUD, ES alternating)",
    )?;
    metrics.push(metric(
        "commands (synchronous=NORMAL)",
        "CRUD",
        commands.len() as u64,
        "commands",
        crud_rate,
    ));
    metrics.push(metric(
        "commands (synchronous=NORMAL)",
        "ES",
        commands.len() as u64,
        "commands",
        es_rate,
    ));
    // The comparison that holds on any disk: every commit waits for it, as a system of
    // record's must, and both designs pay about one fsync per command.
    targets.push(at_least(
        "ES commands/s ÷ CRUD commands/s at synchronous=FULL (median of 5 rounds)",
        full_phase.es_to_crud,
        0.8,
    ));
    // At NORMAL a commit costs the pages it writes: ES writes about two where CRUD writes
    // one (the log's page and its stream index's), so the bar is lower, and the pages stand
    // beside it.
    targets.push(Target {
        pages_per_command: Some(PagesWritten {
            crud: pages.crud,
            es: pages.es,
        }),
        ..at_least(
            "ES commands/s ÷ CRUD commands/s at synchronous=NORMAL",
            crud_rate.as_secs_f64() / es_rate.as_secs_f64(),
            0.65,
        )
    });

    let n = full_phase.commands;
    metrics.push(metric(
        "commands (synchronous=FULL)",
        "CRUD",
        n,
        "commands",
        full_phase.crud,
    ));
    metrics.push(metric(
        "commands (synchronous=FULL)",
        "ES",
        n,
        "commands",
        full_phase.es,
    ));
    metrics.push(metric(
        "floor: write (as much as an ES commit) + fsync",
        "disk",
        n,
        "writes",
        full_phase.floor,
    ));
    targets.push(at_least(
        "FULL-durability ES commands/s ÷ raw write+fsync/s (median of 5 rounds)",
        full_phase.es_to_floor,
        0.8,
    ));

    // 3. Bulk append of the same events in large transactions, next to a bare INSERT loop.
    let events = decided_events(&workload);
    let bulk = fresh("bulk")?;
    let (mut bulk_time, mut floor_time) = (Duration::MAX, Duration::MAX);
    for round in 0..3 {
        let mut store = EventStore::open(
            &Location::NewFile(bulk.join(format!("events-{round}.sqlite3"))),
            1,
        )?;
        let started = Instant::now();
        store.import(
            events
                .iter()
                .map(|(id, version, event)| (id, *version, event)),
            10_000,
        )?;
        bulk_time = bulk_time.min(started.elapsed());
        let floor = insert_floor(&bulk.join(format!("floor-{round}.sqlite3")), &events)?;
        floor_time = floor_time.min(floor);
    }
    let count = events.len() as u64;
    metrics.push(metric("bulk append", "ES", count, "events", bulk_time));
    metrics.push(metric(
        "floor: bare prepare_cached INSERT",
        "SQLite",
        count,
        "events",
        floor_time,
    ));
    targets.push(at_least(
        "ES bulk append ÷ bare INSERT floor",
        floor_time.as_secs_f64() / bulk_time.as_secs_f64(),
        0.8,
    ));

    // 4. Full replay of the commands' log into a fresh OrderView, next to a bare decode loop.
    let mut view = OrderView::default();
    let (mut replay_time, mut replay_floor_time) = (Duration::MAX, Duration::MAX);
    // Each is timed right after the other's previous result is freed. Freeing 60,000 strings
    // leaves the allocator work that falls on whoever allocates next; this way both sides
    // meet it alike. (Timed right after freeing its own predecessor, the view lost a quarter.)
    let mut floor_orders = HashMap::new();
    for _ in 0..2 * RUNS {
        drop(std::mem::take(&mut floor_orders));
        let started = Instant::now();
        let rebuilt = OrderView::rebuild(es.store(), None)?;
        replay_time = replay_time.min(started.elapsed());
        drop(std::mem::replace(&mut view, rebuilt));
        let (elapsed, orders) = replay_floor(es.store().connection())?;
        replay_floor_time = replay_floor_time.min(elapsed);
        floor_orders = orders;
    }
    let replay_floor = replay_floor_time;
    let logged = es.store().count()?;
    metrics.push(metric(
        "full replay into OrderView",
        "ES",
        logged,
        "events",
        replay_time,
    ));
    metrics.push(metric(
        "floor: SELECT + decode + plain map",
        "SQLite",
        logged,
        "events",
        replay_floor,
    ));
    let replay_rate = logged as f64 / replay_time.as_secs_f64();
    targets.push(at_least(
        "full replay ÷ bare decode floor",
        replay_floor.as_secs_f64() / replay_time.as_secs_f64(),
        0.8,
    ));
    targets.push(at_least("full replay events/s", replay_rate, 1_000_000.0));

    // 4b. `eslab replay` as a user runs it: the log checked in the same pass that reads,
    //     decodes and applies it, next to `--trust`, which checks nothing. What checking costs.
    let (mut checked, mut trusted) = (Duration::MAX, Duration::MAX);
    for _ in 0..RUNS {
        trusted = trusted.min(measure_eslab_replay(&options.eslab_binary, &normal, true)?);
        checked = checked.min(measure_eslab_replay(&options.eslab_binary, &normal, false)?);
    }
    metrics.push(metric(
        "eslab replay (the log verified in the same pass)",
        "ES",
        logged,
        "events",
        checked,
    ));
    metrics.push(metric(
        "eslab replay --trust (not verified)",
        "ES",
        logged,
        "events",
        trusted,
    ));
    targets.push(at_most(
        "eslab replay ÷ eslab replay --trust (what verifying the log costs)",
        checked.as_secs_f64() / trusted.as_secs_f64(),
        1.3,
    ));

    // 5. Snapshots: rebuild from the latest snapshot plus the same tail, at two log sizes.
    let snapshots = fresh("snapshots")?;
    // The short log is the workload's own (one event per command). The interval is fitted to
    // it when it is too short for a snapshot and half an interval after it.
    let snapshot_every = options
        .snapshot_every
        .min((commands.len() as u64 / 2).max(2));
    let short = snapshot_log(
        &snapshots.join("short.sqlite3"),
        &workload,
        1,
        snapshot_every,
        options,
    )?;
    let long = snapshot_log(
        &snapshots.join("long.sqlite3"),
        &workload,
        10,
        snapshot_every,
        options,
    )?;
    // Taking turns, so both sizes meet the same moods of the machine; the fastest run counts.
    let (mut short_time, mut long_time) = (Duration::MAX, Duration::MAX);
    for _ in 0..2 * RUNS {
        short_time = short_time.min(short.time_rebuild()?);
        long_time = long_time.min(long.time_rebuild()?);
    }
    let short_log = (short_time, short.length);
    let long_log = (long_time, long.length);
    metrics.push(metric(
        "rebuild from snapshot + tail",
        "ES (log ×1)",
        short_log.1,
        "events in log",
        short_log.0,
    ));
    metrics.push(metric(
        "rebuild from snapshot + tail",
        "ES (log ×10)",
        long_log.1,
        "events in log",
        long_log.0,
    ));
    targets.push(at_most(
        "snapshot rebuild time at a 10× log ÷ at the short log (same tail)",
        long_log.0.as_secs_f64() / short_log.0.as_secs_f64(),
        1.3,
    ));

    // 6. Queries only the log can answer.
    let latencies = query_latencies(&mut es, &workload)?;

    // 7. `eslab run` itself, in a fresh process each time, on generated scenarios of N and 10×N
    //    steps (10,000 and 100,000 by default), taking turns; the fastest run of each counts.
    let runs = fresh("runs")?;
    let small_orders = (options.run_steps / 10).max(1);
    let (small_steps, large_steps) = (small_orders * 10, small_orders * 100);
    let small_file = generated_scenario(&runs, small_orders, workload.seed)?;
    let large_file = generated_scenario(&runs, small_orders * 10, workload.seed)?;
    let (mut small, mut large) = (Duration::MAX, Duration::MAX);
    for _ in 0..RUNS {
        small = small.min(measure_eslab_run(&options.eslab_binary, &small_file)?.0);
        large = large.min(measure_eslab_run(&options.eslab_binary, &large_file)?.0);
    }
    metrics.push(metric(
        "eslab run --format json, generated scenario",
        "both",
        small_steps,
        "steps",
        small,
    ));
    metrics.push(metric(
        "eslab run --format json, generated scenario",
        "both",
        large_steps,
        "steps",
        large,
    ));
    targets.push(at_most(
        "eslab run time at 10× the steps ÷ at 1× (100,000 and 10,000 by default)",
        large.as_secs_f64() / small.as_secs_f64(),
        12.0,
    ));

    // 7b. `eslab run` at volume: the same orders with ten times the steps (a tenth of
    //     `volume_steps`, then all of it: each order changed 8, then 98 times), one run each
    //     (a million-step run takes most of a minute), measuring time and peak memory. The
    //     orders stay the same so that what is compared is the steps: a run's memory may grow
    //     with its orders (OrderView holds each), not with its steps.
    let mut run_at_volume = Vec::new();
    if options.volume_steps > 0 {
        let orders = (options.volume_steps / 100).max(1);
        for changes in [8, 98] {
            let workload = Workload {
                orders,
                changes,
                seed: workload.seed,
            };
            let file = generated_scenario_of(&runs, workload)?;
            let (elapsed, peak) = measure_eslab_run(&options.eslab_binary, &file)?;
            fs::remove_file(&file)?;
            let steps = workload.commands_count();
            metrics.push(metric(
                "eslab run --format json at volume",
                "both",
                steps,
                "steps",
                elapsed,
            ));
            run_at_volume.push(RunAtVolume {
                steps,
                peak_rss_bytes: peak,
                seconds: elapsed.as_secs_f64(),
                steps_per_second: steps as f64 / elapsed.as_secs_f64().max(1e-9),
            });
        }
        let [small, large] = [run_at_volume[0], run_at_volume[1]];
        if let (Some(small_rss), Some(large_rss)) = (small.peak_rss_bytes, large.peak_rss_bytes) {
            targets.push(at_most(
                "eslab run peak memory at the larger scenario (1,000,000 steps by default), MB",
                large_rss as f64 / 1e6,
                150.0,
            ));
            targets.push(at_most(
                "eslab run peak memory at 10× the steps ÷ at 1×",
                large_rss as f64 / small_rss as f64,
                1.5,
            ));
        }
        targets.push(at_least(
            "eslab run steps/s at the larger scenario (1,000,000 steps by default)",
            large.steps_per_second,
            25_000.0,
        ));
    }

    // 8. The live view on the smaller generated scenario: every key press redrawn in a frame.
    let live_redraw = live_redraws(options, small_orders, workload.seed)?;
    targets.push(at_most(
        "live view: slowest key press → drawn screen, ms (80 × 24)",
        live_redraw.worst_ms,
        16.0,
    ));

    // 9. What it costs to keep.
    let crud_rows = crud.storage()?.count;
    let storage = Storage {
        crud_bytes: database_bytes(crud.connection())?,
        es_bytes: database_bytes(es.store().connection())?,
        crud_rows,
        es_events: logged,
        crud_bytes_per_order: 0.0,
        es_bytes_per_order: 0.0,
        crud_pages_per_command: pages.crud,
        es_pages_per_command: pages.es,
    };
    let storage = Storage {
        crud_bytes_per_order: storage.crud_bytes as f64 / workload.orders as f64,
        es_bytes_per_order: storage.es_bytes as f64 / workload.orders as f64,
        ..storage
    };
    let memory = Memory {
        peak_rss_bytes: peak_rss(),
        run_at_volume,
        view_bytes_per_order: view.approximate_bytes() as f64 / view.len().max(1) as f64,
    };

    Ok(BenchReport {
        // 3: the ES ÷ CRUD target split in two, FULL and NORMAL; targets gained
        // `pages_per_command`. 4: `memory.run_at_volume` and `live_redraw`, and their
        // targets.
        schema_version: 4,
        orders: workload.orders,
        changes: workload.changes,
        seed: workload.seed,
        commands: commands.len() as u64,
        snapshot_every,
        release_build: !cfg!(debug_assertions),
        metrics,
        latencies,
        storage,
        memory,
        live_redraw,
        targets,
    })
}

/// `eslab live` on a generated scenario of `orders` orders (ten steps each), keys pressed as
/// an instructor would, each timed from the key to the drawn screen (`measure_redraws`).
fn live_redraws(options: &BenchOptions, orders: u64, seed: u64) -> anyhow::Result<LiveRedraw> {
    let workload = Workload {
        orders,
        changes: 8,
        seed,
    };
    let scenario =
        crate::scenario::Scenario::from_json("generated", &workload.scenario_json().to_string())?;
    let times = (options.measure_redraws)(crate::scenario::LoadedScenario {
        name: "generated".into(),
        scenario,
    })?;
    Ok(LiveRedraw {
        steps: times.steps as u64,
        presses: times.presses as u64,
        median_ms: times.median.as_secs_f64() * 1e3,
        worst_ms: times.worst.as_secs_f64() * 1e3,
    })
}

/// The synchronous=FULL phase: both designs and the disk's floor, in total, and the ratios
/// they are judged by.
struct FullDurability {
    /// Commands each design ran (and writes the floor made), over all rounds.
    commands: u64,
    crud: Duration,
    es: Duration,
    floor: Duration,
    /// ES commands/s ÷ CRUD commands/s: the median of the rounds' medians of chunk ratios.
    es_to_crud: f64,
    /// ES commands/s ÷ the floor's writes/s, the same way.
    es_to_floor: f64,
}

/// Rounds of the synchronous=FULL phase, each on new files (the targets' names say 5).
const FULL_ROUNDS: usize = 5;

/// Runs `full_commands` of the workload's commands (in rounds of the first fifth) through both
/// designs with synchronous=FULL, every commit waiting for the disk, next to a floor that
/// writes as many bytes as an ES commit and fsyncs.
///
/// Measured on new files, ES ÷ CRUD came out near 0.75, 1.0 or 1.25 from run to run: a commit
/// that grows its file also pays for the blocks and the size it adds, and that cost differed
/// between two files by a quarter either way, for the file's life. A running system's WAL is
/// reused after each checkpoint, its commits overwrite it; so each round first grows both
/// WALs (and the floor's file) and checkpoints them, and the measured commits overwrite.
/// ES ÷ CRUD is then within a few hundredths of 1.0 in every round. What is left is stalls of
/// the (virtual) disk, a few milliseconds that fall on one design's chunk of ten commands: the
/// designs take turns chunk by chunk, each round's ratio is the median of its chunks' ratios,
/// and the phase's the median of its rounds'.
fn full_durability(
    dir: &Path,
    workload: &Workload,
    pages: &PagesPerCommand,
    options: &BenchOptions,
) -> anyhow::Result<FullDurability> {
    let per_round = options.full_commands / FULL_ROUNDS as u64;
    let few: Vec<Command> = Workload {
        orders: (per_round / (workload.changes + 2)).max(1),
        ..*workload
    }
    .commands()
    .collect();
    let commit_bytes = (pages.es * pages.frame_bytes as f64).round() as usize;
    let (mut crud_time, mut es_time, mut floor_time) =
        (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let (mut to_crud, mut to_floor) = (Vec::new(), Vec::new());
    let bar = bar(
        options,
        (few.len() * FULL_ROUNDS) as u64,
        "commands (synchronous=FULL)",
    );
    for round in 0..FULL_ROUNDS {
        let dir = dir.join(format!("round-{round}"));
        fs::create_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let mut crud = CrudStore::open(&Location::NewFile(dir.join(runner::CRUD_FILE)), false)?;
        crud.connection()
            .pragma_update(None, "synchronous", "FULL")?;
        let mut es =
            EventSourcedService::open(&Location::NewFile(dir.join(runner::EVENTS_FILE)), 1)?;
        es.store()
            .connection()
            .pragma_update(None, "synchronous", "FULL")?;
        // Room for every commit of the round, with a margin.
        let room = (few.len() as f64 * (pages.es + 1.0) * pages.frame_bytes as f64 * 1.5) as u64;
        grow_wal(crud.connection(), room)?;
        grow_wal(es.store().connection(), room)?;
        let mut floor = FsyncFloor::create(&dir.join("fsync-floor"), room)?;
        // ES's rate ÷ the other's, chunk by chunk: the other's time ÷ ES's.
        let (mut round_to_crud, mut round_to_floor) = (Vec::new(), Vec::new());
        for (i, chunk) in few.chunks(10).enumerate() {
            // Who goes first alternates: the first after the floor's fsync may find the disk
            // idle.
            let (crud_chunk, es_chunk) = if i % 2 == 0 {
                let crud_chunk = execute_all(&mut crud, chunk)?;
                (crud_chunk, execute_all(&mut es, chunk)?)
            } else {
                let es_chunk = execute_all(&mut es, chunk)?;
                (execute_all(&mut crud, chunk)?, es_chunk)
            };
            let floor_chunk = floor.commit(chunk.len() as u64, commit_bytes)?;
            let es_seconds = es_chunk.as_secs_f64().max(1e-9);
            round_to_crud.push(crud_chunk.as_secs_f64() / es_seconds);
            round_to_floor.push(floor_chunk.as_secs_f64() / es_seconds);
            crud_time += crud_chunk;
            es_time += es_chunk;
            floor_time += floor_chunk;
            bar.inc(chunk.len() as u64);
        }
        to_crud.push(median(&mut round_to_crud));
        to_floor.push(median(&mut round_to_floor));
    }
    bar.finish_and_clear();
    Ok(FullDurability {
        commands: (few.len() * FULL_ROUNDS) as u64,
        crud: crud_time,
        es: es_time,
        floor: floor_time,
        es_to_crud: median(&mut to_crud),
        es_to_floor: median(&mut to_floor),
    })
}

/// Runs every command through `service`, one transaction each; returns the time taken.
fn execute_all(service: &mut dyn OrderService, commands: &[Command]) -> anyhow::Result<Duration> {
    let started = Instant::now();
    for command in commands {
        service.execute(command, None, None)?;
    }
    Ok(started.elapsed())
}

/// The middle value (the mean of the two middle ones for an even count); 0 for none.
fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len().is_multiple_of(2) {
        (values[middle - 1] + values[middle]) / 2.0
    } else {
        values[middle]
    }
}

/// How often a short phase runs; the fastest run counts, the one least disturbed by the rest
/// of the machine.
const RUNS: usize = 5;

/// Executes every command through both services, one transaction each, in alternating chunks;
/// returns each one's total time.
fn drive_alternating(
    options: &BenchOptions,
    mut services: [&mut dyn OrderService; 2],
    commands: &[Command],
    label: &'static str,
) -> anyhow::Result<[Duration; 2]> {
    const CHUNK: usize = 1000;
    let bar = bar(options, commands.len() as u64, label);
    let mut times = [Duration::ZERO; 2];
    for (i, chunk) in commands.chunks(CHUNK).enumerate() {
        for (service, time) in services.iter_mut().zip(&mut times) {
            let started = Instant::now();
            for command in chunk {
                service.execute(command, None, None)?;
            }
            *time += started.elapsed();
        }
        bar.set_position(((i + 1) * CHUNK).min(commands.len()) as u64);
    }
    bar.finish_and_clear();
    Ok(times)
}

/// Grows the WAL of `conn` to at least `bytes` and checkpoints it: later commits overwrite it
/// from its start, as they do in a running system once its WAL has been checkpointed, instead
/// of growing the file.
fn grow_wal(conn: &Connection, bytes: u64) -> anyhow::Result<()> {
    conn.execute_batch("CREATE TABLE bench_scratch (b BLOB)")?;
    conn.execute(
        "INSERT INTO bench_scratch VALUES (zeroblob(?1))",
        [bytes as i64],
    )?;
    // Fully checkpointed and unread, the WAL is restarted by the next commit.
    conn.execute_batch("DROP TABLE bench_scratch; PRAGMA wal_checkpoint(PASSIVE);")?;
    Ok(())
}

/// The disk's floor for durable commits: write `bytes` (what one commit writes to the WAL)
/// over a file already that long, and fsync, as SQLite commits to a WAL it reuses. A commit
/// cannot cost less; more means extra syncs.
struct FsyncFloor {
    file: fs::File,
    length: u64,
    offset: u64,
}

impl FsyncFloor {
    /// A new file `length` bytes long, on disk.
    fn create(path: &Path, length: u64) -> anyhow::Result<FsyncFloor> {
        let mut file = OpenOptions::new()
            .create_new(true)
            .write(true)
            .open(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        // In pieces: a long phase's file runs to hundreds of MiB.
        let zeros = vec![0; 1 << 20];
        let mut left = length;
        while left > 0 {
            let piece = left.min(zeros.len() as u64);
            file.write_all(&zeros[..piece as usize])?;
            left -= piece;
        }
        file.sync_all()?;
        Ok(FsyncFloor {
            file,
            length,
            offset: 0,
        })
    }

    /// Times `count` commits of `bytes` each, from where the last one ended (from the start
    /// again when the file is full, as a WAL restarts).
    fn commit(&mut self, count: u64, bytes: usize) -> anyhow::Result<Duration> {
        use std::os::unix::fs::FileExt;
        let record = vec![b'x'; bytes.max(1)];
        let started = Instant::now();
        for _ in 0..count {
            if self.offset + record.len() as u64 > self.length {
                self.offset = 0;
            }
            self.file.write_all_at(&record, self.offset)?;
            self.file.sync_all()?;
            self.offset += record.len() as u64;
        }
        Ok(started.elapsed())
    }
}

/// Pages written to the WAL per command, for each design.
#[derive(Debug, Clone, Copy)]
struct PagesPerCommand {
    crud: f64,
    es: f64,
    /// Bytes of one WAL frame: a 24-byte header and one page.
    frame_bytes: u64,
}

/// Runs a sample of the workload (every command of its first orders, about 5,000 commands)
/// through both designs in `dir` and counts the WAL frames their commits wrote.
fn pages_per_command(dir: &Path, workload: &Workload) -> anyhow::Result<PagesPerCommand> {
    let sample: Vec<Command> = Workload {
        orders: workload.orders.min((5_000 / (workload.changes + 2)).max(1)),
        ..*workload
    }
    .commands()
    .collect();
    let mut crud = CrudStore::open(&Location::NewFile(dir.join(runner::CRUD_FILE)), false)?;
    let mut es = EventSourcedService::open(&Location::NewFile(dir.join(runner::EVENTS_FILE)), 1)?;
    // Empty WALs, and no checkpoint until counted: then the WAL holds every frame written.
    for conn in [crud.connection(), es.store().connection()] {
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA wal_autocheckpoint = 0;")?;
    }
    for command in &sample {
        crud.execute(command, None, None)?;
        es.execute(command, None, None)?;
    }
    let per_command = |conn: &Connection| -> anyhow::Result<f64> {
        // Returns (busy, frames in the WAL, frames checkpointed); it also copies the frames into
        // the database, which changes nothing this sample measures.
        let frames: i64 = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(1))?;
        Ok(frames as f64 / sample.len().max(1) as f64)
    };
    let page_size: i64 = es
        .store()
        .connection()
        .query_row("PRAGMA page_size", [], |r| r.get(0))?;
    Ok(PagesPerCommand {
        crud: per_command(crud.connection())?,
        es: per_command(es.store().connection())?,
        frame_bytes: 24 + page_size as u64,
    })
}

/// The floor of a bulk append: the same rows, already serialized and hashed, inserted by a
/// bare `prepare_cached` loop on the same schema and settings, in the same batches.
fn insert_floor(path: &Path, events: &[(OrderId, u64, Event)]) -> anyhow::Result<Duration> {
    let store = EventStore::open(&Location::NewFile(path.to_path_buf()), 1)?;
    let mut previous = chain::GENESIS;
    let rows: Vec<(i64, &str, i64, &str, String, chain::Hash)> = events
        .iter()
        .enumerate()
        .map(|(i, (id, version, event))| {
            let payload = event.payload_json();
            previous = chain::link(
                &previous,
                i as i64 + 1,
                id.as_str(),
                *version as i64,
                event.event_type(),
                &payload,
                None,
            );
            (
                i as i64 + 1,
                id.as_str(),
                *version as i64,
                event.event_type(),
                payload,
                previous,
            )
        })
        .collect();
    let conn = store.connection();
    let started = Instant::now();
    for batch in rows.chunks(10_000) {
        conn.execute_batch("BEGIN")?;
        let mut insert = conn.prepare_cached(
            "INSERT INTO events (event_id, stream_id, stream_version, event_type, payload, hash) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for (id, stream, version, event_type, payload, hash) in batch {
            insert.execute(params![
                id,
                stream,
                version,
                event_type,
                payload,
                hash.as_slice()
            ])?;
        }
        conn.execute_batch("COMMIT")?;
    }
    Ok(started.elapsed())
}

/// The facts OrderView keeps, in a plain tuple: customer, product, quantity, unit price in
/// cents, paid in cents, version.
type Plain = (String, String, u64, u64, u64, u64);

/// The floor of a replay: SELECT in event-id order, decode each payload into its typed
/// event, apply it to a plain map — nothing else. Returns the map, for the caller to free
/// outside the timing, as a replay's view is.
pub fn replay_floor(conn: &Connection) -> anyhow::Result<(Duration, HashMap<String, Plain>)> {
    let started = Instant::now();
    let mut orders: HashMap<String, Plain> = HashMap::new();
    let mut select =
        // The same rows a replay reads: envelope and payload, in event-id order.
        conn.prepare_cached(
            "SELECT event_id, stream_id, stream_version, event_type, payload, schema_version \
             FROM events ORDER BY event_id",
        )?;
    let mut rows = select.query([])?;
    while let Some(row) = rows.next()? {
        let (_id, _version): (i64, i64) = (row.get(0)?, row.get(2)?);
        let stream = row.get_ref(1)?.as_str()?;
        let shape = u32::try_from(row.get::<_, i64>(5)?)?;
        let event = Event::decode(row.get_ref(3)?.as_str()?, shape, row.get_ref(4)?.as_str()?)
            .map_err(anyhow::Error::msg)?;
        match event {
            Event::NewOrderEvent(e) => {
                let cents = e.unit_price.cents();
                orders.insert(
                    stream.to_string(),
                    (e.customer, e.product, e.quantity, cents, 0, 1),
                );
            }
            Event::ModifyOrderEvent(e) => {
                if let Some(order) = orders.get_mut(stream) {
                    order.2 = e.quantity;
                    order.5 += 1;
                }
            }
            Event::OrderPaymentEvent(e) => {
                if let Some(order) = orders.get_mut(stream) {
                    order.4 = e.amount.cents();
                    order.5 += 1;
                }
            }
            Event::OrderCancelledEvent(_) => {
                if let Some(order) = orders.get_mut(stream) {
                    order.5 += 1;
                }
            }
        }
    }
    Ok((started.elapsed(), orders))
}

/// A log with snapshots, and the view a rebuild of it must arrive at.
struct SnapshotLog {
    store: EventStore,
    view: OrderView,
    /// Events in the log.
    length: u64,
}

impl SnapshotLog {
    /// Times one rebuild from the latest snapshot plus the tail, and checks what it built.
    fn time_rebuild(&self) -> anyhow::Result<Duration> {
        let started = Instant::now();
        let rebuilt = OrderView::rebuild_from_snapshot(&self.store)?;
        let elapsed = started.elapsed();
        anyhow::ensure!(
            rebuilt == self.view,
            "the view rebuilt from a snapshot differs from the live one"
        );
        Ok(elapsed)
    }
}

/// Builds a log `factor` times the workload's length over the same orders (more changes per
/// order), with a snapshot every `snapshot_every` events and a tail of half a snapshot
/// interval after the latest one (or the whole log, if it is shorter than that).
fn snapshot_log(
    path: &Path,
    workload: &Workload,
    factor: u64,
    snapshot_every: u64,
    options: &BenchOptions,
) -> anyhow::Result<SnapshotLog> {
    let longer = Workload {
        changes: (workload.changes + 2) * factor - 2,
        ..*workload
    };
    let events = decided_events(&longer);
    let every = snapshot_every.max(1) as usize;
    let tail = (every / 2).min(events.len());
    // The longest prefix whose last snapshot sits exactly `tail` events before its end.
    let whole = (events.len().saturating_sub(tail) / every) * every;
    let length = whole + tail;
    let mut store = EventStore::open(&Location::NewFile(path.to_path_buf()), 1)?;
    // Building is not measured, only the rebuilds, which read: no sync is needed while the
    // log is written, and each snapshot interval goes in as one transaction. (In batches of
    // 10,000, every batch rewrote most of the stream index: nine seconds for the long log.)
    store
        .connection()
        .pragma_update(None, "synchronous", "OFF")?;
    let mut view = OrderView::default();
    let bar = bar(options, length as u64, "building snapshot logs");
    for (i, chunk) in events[..length].chunks(every).enumerate() {
        let first = store.count()?;
        store.import(
            chunk
                .iter()
                .map(|(id, version, event)| (id, *version, event)),
            every,
        )?;
        for (offset, (id, version, event)) in chunk.iter().enumerate() {
            view.apply_event(
                first + offset as u64 + 1,
                id.as_str(),
                *version,
                event.clone(),
            )?;
        }
        if chunk.len() == every {
            store.save_snapshot(&view)?;
        }
        bar.set_position(((i + 1) * every).min(length) as u64);
    }
    bar.finish_and_clear();
    // Fold the WAL into the file first: both logs are then read the same way, at rest.
    store
        .connection()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
    Ok(SnapshotLog {
        store,
        view,
        length: length as u64,
    })
}

fn query_latencies(
    es: &mut EventSourcedService,
    workload: &Workload,
) -> anyhow::Result<Vec<Latency>> {
    const QUERIES: u64 = 1000;
    let middle = es.store().count()? / 2;
    let mut latencies = Vec::new();
    for (label, question) in [
        ("time travel (as_of the middle of the log)", true),
        ("history of one order", false),
    ] {
        let started = Instant::now();
        for i in 0..QUERIES {
            let order_id = workload::order_id((i * 7919) % workload.orders);
            let question = if question {
                Question::Query(OrderQuery {
                    order_id,
                    as_of: Some(middle),
                })
            } else {
                Question::History(HistoryQuery { order_id })
            };
            std::hint::black_box(es.ask(&question)?);
        }
        latencies.push(Latency {
            query: label,
            count: QUERIES,
            microseconds_each: started.elapsed().as_secs_f64() * 1e6 / QUERIES as f64,
        });
    }
    Ok(latencies)
}

/// Writes a generated scenario of `orders` orders, each placed, changed eight times and paid
/// (ten steps each), as `eslab generate` would, to a new file in `dir`.
fn generated_scenario(dir: &Path, orders: u64, seed: u64) -> anyhow::Result<PathBuf> {
    generated_scenario_of(
        dir,
        Workload {
            orders,
            changes: 8,
            seed,
        },
    )
}

/// Writes a generated scenario of this workload into `dir`.
fn generated_scenario_of(dir: &Path, workload: Workload) -> anyhow::Result<PathBuf> {
    let path = dir.join(format!(
        "generated-{}-orders-{}-changes.json",
        workload.orders, workload.changes
    ));
    // The same workload is the same file: one written for an earlier phase serves again.
    if path.exists() {
        return Ok(path);
    }
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    workload.write_scenario(&mut out)?;
    out.flush()?;
    Ok(path)
}

/// Asks `eslab run` to say its own peak resident memory on stderr as it ends: the kernel's
/// count for a child (`wait4`) includes the memory of the parent it was spawned from, here the
/// bench's own hundreds of megabytes.
pub const REPORT_PEAK_RSS: &str = "ESLAB_REPORT_PEAK_RSS";

/// What `eslab run` says on stderr, with `REPORT_PEAK_RSS` set, before its peak in bytes.
pub const PEAK_RSS_SAID: &str = "eslab: peak resident memory, bytes: ";

/// Runs `eslab run --format json SCENARIO` in a fresh process, output discarded, and returns
/// its time (the whole command: reading the file, both designs, printing the JSON) and its
/// peak resident memory, which it reports itself (`REPORT_PEAK_RSS`).
fn measure_eslab_run(eslab: &Path, scenario: &Path) -> anyhow::Result<(Duration, Option<u64>)> {
    let started = Instant::now();
    let output = std::process::Command::new(eslab)
        .args(["run", "--format", "json"])
        .arg(scenario)
        .env(REPORT_PEAK_RSS, "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .with_context(|| format!("cannot start {}", eslab.display()))?;
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    anyhow::ensure!(
        output.status.success(),
        "`eslab run {}` failed ({}): {}",
        scenario.display(),
        output.status,
        stderr.trim()
    );
    let peak = stderr
        .lines()
        .find_map(|line| line.strip_prefix(PEAK_RSS_SAID))
        .and_then(|bytes| bytes.trim().parse().ok());
    Ok((elapsed, peak))
}

/// Runs `eslab replay --db-dir DIR --format json` (with `--trust` when `trust`) and times it.
fn measure_eslab_replay(eslab: &Path, db_dir: &Path, trust: bool) -> anyhow::Result<Duration> {
    let mut command = std::process::Command::new(eslab);
    command
        .args(["replay", "--format", "json", "--db-dir"])
        .arg(db_dir);
    if trust {
        command.arg("--trust");
    }
    let started = Instant::now();
    let output = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .with_context(|| format!("cannot start {}", eslab.display()))?;
    let elapsed = started.elapsed();
    anyhow::ensure!(
        output.status.success(),
        "`eslab replay --db-dir {}` failed ({}): {}",
        db_dir.display(),
        output.status,
        String::from_utf8_lossy(&output.stderr).trim()
    );
    Ok(elapsed)
}

/// Bytes the database occupies, after folding its WAL back in.
fn database_bytes(conn: &Connection) -> anyhow::Result<u64> {
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
    let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
    let size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
    Ok((pages * size) as u64)
}

/// Peak resident set size, from /proc/self/status (`VmHWM`), where the OS offers it.
pub fn peak_rss() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
