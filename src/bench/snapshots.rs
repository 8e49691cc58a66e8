//! Phase 5: rebuilds from the latest snapshot plus the same tail, at two log sizes.

use std::path::Path;
use std::time::{Duration, Instant};

use super::append::decided_events;
use super::report::{at_most, metric};
use super::{Bench, BenchOptions, RUNS, bar};
use crate::db::Location;
use crate::es::{EventStore, OrderView};
use crate::workload::Workload;

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

/// Phase 5: returns the snapshot interval used.
pub(super) fn rebuilds(bench: &mut Bench, commands: u64) -> anyhow::Result<u64> {
    let workload = bench.options.workload;
    // 5. Snapshots: rebuild from the latest snapshot plus the same tail, at two log sizes.
    let snapshots = bench.fresh("snapshots")?;
    // The short log is the workload's own (one event per command). The interval is fitted to
    // it when it is too short for a snapshot and half an interval after it.
    let snapshot_every = bench.options.snapshot_every.min((commands / 2).max(2));
    let short = snapshot_log(
        &snapshots.join("short.sqlite3"),
        &workload,
        1,
        snapshot_every,
        bench.options,
    )?;
    let long = snapshot_log(
        &snapshots.join("long.sqlite3"),
        &workload,
        10,
        snapshot_every,
        bench.options,
    )?;
    // Taking turns, so both sizes meet the same moods of the machine; the fastest run counts.
    let (mut short_time, mut long_time) = (Duration::MAX, Duration::MAX);
    for _ in 0..2 * RUNS {
        short_time = short_time.min(short.time_rebuild()?);
        long_time = long_time.min(long.time_rebuild()?);
    }
    let short_log = (short_time, short.length);
    let long_log = (long_time, long.length);
    bench.metrics.push(metric(
        "rebuild from snapshot + tail",
        "ES (log ×1)",
        short_log.1,
        "events in log",
        short_log.0,
    ));
    bench.metrics.push(metric(
        "rebuild from snapshot + tail",
        "ES (log ×10)",
        long_log.1,
        "events in log",
        long_log.0,
    ));
    bench.targets.push(at_most(
        "snapshot rebuild time at a 10× log ÷ at the short log (same tail)",
        long_log.0.as_secs_f64() / short_log.0.as_secs_f64(),
        1.3,
    ));

    Ok(snapshot_every)
}
