//! Phases 1 and 2: every command one transaction, through both designs, at
//! synchronous=NORMAL and, waiting for the disk, at FULL next to the disk's own floor.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use rusqlite::Connection;

use super::report::{PagesWritten, Target, at_least, metric};
use super::{Bench, BenchOptions, bar};
use crate::crud::CrudStore;
use crate::db::Location;
use crate::domain::Command;
use crate::es::EventSourcedService;
use crate::runner;
use crate::service::OrderService;
use crate::workload::Workload;

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
pub(super) struct PagesPerCommand {
    pub crud: f64,
    pub es: f64,
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

/// What the command phases leave for the later ones: both designs' services with every
/// command run (NORMAL), the folder they are in, and the pages a commit writes.
pub(super) struct Commanded {
    pub crud: CrudStore,
    pub es: EventSourcedService,
    pub dir: std::path::PathBuf,
    pub pages: PagesPerCommand,
}

/// Phases 1 and 2, with their metrics and targets.
pub(super) fn commands(bench: &mut Bench, commands: &[Command]) -> anyhow::Result<Commanded> {
    let workload = bench.options.workload;
    // 1. Every command waiting for the disk (synchronous=FULL), next to the disk's own floor:
    //    measured first, while nothing else is waiting to be written (reported second).
    let full = bench.fresh("full")?;
    // What one commit writes, measured on a sample: the floor writes as much per sync.
    let pages = pages_per_command(&bench.fresh("pages")?, &workload)?;
    let full_phase = full_durability(&full, &workload, &pages, bench.options)?;
    // 2. Commands, one transaction each, WAL + synchronous=NORMAL, through OrderService.
    let normal = bench.fresh("commands")?;
    let mut crud = CrudStore::open(&Location::NewFile(normal.join(runner::CRUD_FILE)), false)?;
    let mut es =
        EventSourcedService::open(&Location::NewFile(normal.join(runner::EVENTS_FILE)), 1)?;
    // Alternating chunks, so both designs meet the same moods of the machine and the disk.
    let [crud_rate, es_rate] = drive_alternating(
        bench.options,
        [&mut crud, &mut es],
        commands,
        "commands (CRUD, ES alternating)",
    )?;
    bench.metrics.push(metric(
        "commands (synchronous=NORMAL)",
        "CRUD",
        commands.len() as u64,
        "commands",
        crud_rate,
    ));
    bench.metrics.push(metric(
        "commands (synchronous=NORMAL)",
        "ES",
        commands.len() as u64,
        "commands",
        es_rate,
    ));
    // The comparison that holds on any disk: every commit waits for it, as a system of
    // record's must, and both designs pay about one fsync per command.
    bench.targets.push(at_least(
        "ES commands/s ÷ CRUD commands/s at synchronous=FULL (median of 5 rounds)",
        full_phase.es_to_crud,
        0.8,
    ));
    // At NORMAL a commit costs the pages it writes: ES writes about two where CRUD writes
    // one (the log's page and its stream index's), so the bar is lower, and the pages stand
    // beside it.
    bench.targets.push(Target {
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

    report_full(bench, &full_phase);
    Ok(Commanded {
        crud,
        es,
        dir: normal,
        pages,
    })
}

/// The synchronous=FULL phase's metrics and its target against the disk's floor.
fn report_full(bench: &mut Bench, full_phase: &FullDurability) {
    let n = full_phase.commands;
    bench.metrics.push(metric(
        "commands (synchronous=FULL)",
        "CRUD",
        n,
        "commands",
        full_phase.crud,
    ));
    bench.metrics.push(metric(
        "commands (synchronous=FULL)",
        "ES",
        n,
        "commands",
        full_phase.es,
    ));
    bench.metrics.push(metric(
        "floor: write (as much as an ES commit) + fsync",
        "disk",
        n,
        "writes",
        full_phase.floor,
    ));
    bench.targets.push(at_least(
        "FULL-durability ES commands/s ÷ raw write+fsync/s (median of 5 rounds)",
        full_phase.es_to_floor,
        0.8,
    ));
}
