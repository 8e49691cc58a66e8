//! `eslab bench`: what each design costs on this machine, measured through the product's own
//! code paths, next to the floor of what the disk and SQLite allow — with the targets the
//! issue tracker set, each a ratio measured in the same run.

//!
//! `run` is the phase sequence; each group of phases is a file, and `report` what they come to.
//! The live view's redraws are measured by a function the caller passes in: the bench sits
//! beside the runner and never imports a layer above it.

mod append;
mod durability;
mod memory;
mod replay;
mod report;
mod runs;
mod snapshots;
pub(crate) mod store;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rusqlite::Connection;

use crate::domain::Command;
use crate::service::OrderService;
use crate::workload::Workload;

pub(crate) use memory::peak_rss;
pub(crate) use report::{BenchReport, Memory, Metric, Storage, Target};
pub(crate) use runs::{PEAK_RSS_SAID, REPORT_PEAK_RSS};

#[derive(Debug, Clone)]
pub(crate) struct BenchOptions {
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
pub(crate) struct RedrawTimes {
    /// Steps in the scenario measured.
    pub steps: usize,
    /// Key presses (and frames End ran steps in) timed.
    pub presses: usize,
    pub median: Duration,
    pub worst: Duration,
}

/// What the phases share: the options, the folder every file goes in, and what they measured.
struct Bench<'o> {
    options: &'o BenchOptions,
    dir: &'o Path,
    metrics: Vec<Metric>,
    targets: Vec<Target>,
}

impl Bench<'_> {
    /// A new folder `name` for a phase's files. Never overwrites: every file this bench
    /// writes must be new.
    fn fresh(&self, name: &str) -> anyhow::Result<PathBuf> {
        let path = self.dir.join(name);
        if path.exists() {
            anyhow::bail!(
                "{} already exists: refusing to overwrite it",
                path.display()
            );
        }
        fs::create_dir(&path).with_context(|| format!("cannot create {}", path.display()))?;
        Ok(path)
    }
}

/// How often a short phase runs; the fastest run counts, the one least disturbed by the rest
/// of the machine.
const RUNS: usize = 5;

/// Runs every phase, in order, and reports what each measured and the targets it met.
pub(crate) fn run(options: &BenchOptions) -> anyhow::Result<BenchReport> {
    memory::check_memory(&options.workload)?;
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
    let mut bench = Bench {
        options,
        dir,
        metrics: Vec::new(),
        targets: Vec::new(),
    };
    let workload = options.workload;
    let commands: Vec<Command> = workload.commands().collect();
    // 1–2. Commands one transaction each, at FULL (first, while nothing else waits to be
    //      written) and at NORMAL.
    let durability::Commanded {
        crud,
        mut es,
        dir: normal,
        pages,
    } = durability::commands(&mut bench, &commands)?;
    // 3. Bulk append.
    append::bulk(&mut bench)?;
    // 4. Full replay, and `eslab replay` verified and trusted.
    let (view, logged) = replay::replay(&mut bench, &es, &normal)?;
    // 5. Snapshots.
    let snapshot_every = snapshots::rebuilds(&mut bench, commands.len() as u64)?;
    // 6. Queries only the log can answer.
    let latencies = replay::query_latencies(&mut es, &workload)?;
    // 7. `eslab run` at 1× and 10×, and at volume; 8. the live view's redraws.
    let (small_orders, runs) = runs::scaling(&mut bench)?;
    let run_at_volume = runs::at_volume(&mut bench, &runs)?;
    let live_redraw = runs::live(&mut bench, small_orders)?;
    // 9. What it costs to keep.
    let storage = storage(&crud, &es, logged, &pages, &workload)?;
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
        metrics: bench.metrics,
        latencies,
        storage,
        memory,
        live_redraw,
        targets: bench.targets,
    })
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

/// Bytes the database occupies, after folding its WAL back in.
fn database_bytes(conn: &Connection) -> anyhow::Result<u64> {
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
    let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
    let size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
    Ok((pages * size) as u64)
}

/// What each design's files take, after the command phases.
fn storage(
    crud: &crate::crud::CrudStore,
    es: &crate::es::EventSourcedService,
    logged: u64,
    pages: &durability::PagesPerCommand,
    workload: &Workload,
) -> anyhow::Result<Storage> {
    let crud_bytes = database_bytes(crud.connection())?;
    let es_bytes = database_bytes(es.store().connection())?;
    Ok(Storage {
        crud_bytes,
        es_bytes,
        crud_rows: crud.storage()?.count,
        es_events: logged,
        crud_bytes_per_order: crud_bytes as f64 / workload.orders as f64,
        es_bytes_per_order: es_bytes as f64 / workload.orders as f64,
        crud_pages_per_command: pages.crud,
        es_pages_per_command: pages.es,
    })
}
