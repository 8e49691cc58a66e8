//! What `eslab bench` reports: each measurement, the targets it is judged by, and the
//! storage and memory it costs.

use serde::Serialize;
use std::time::Duration;

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Metric {
    pub phase: &'static str,
    pub design: &'static str,
    pub count: u64,
    pub unit: &'static str,
    pub seconds: f64,
    /// `unit`s per second.
    pub rate: f64,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Target {
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
pub(crate) struct PagesWritten {
    pub crud: f64,
    pub es: f64,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Storage {
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
pub(crate) struct Memory {
    /// Peak resident memory of this process, from /proc (null where the OS does not say).
    pub peak_rss_bytes: Option<u64>,
    /// `eslab run --format json` at volume: steps, peak resident memory and steps/s, for the
    /// smaller and the larger generated scenario (empty when the phase is left out).
    pub run_at_volume: Vec<RunAtVolume>,
    /// OrderView's heap and inline size per order, counted from its contents.
    pub view_bytes_per_order: f64,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct RunAtVolume {
    pub steps: u64,
    /// As the run said it (`REPORT_PEAK_RSS`); null where the OS does not say.
    pub peak_rss_bytes: Option<u64>,
    pub seconds: f64,
    pub steps_per_second: f64,
}

/// The live view's time from a key press to a drawn screen (`live::redraw`).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct LiveRedraw {
    /// Steps of the generated scenario it was measured on.
    pub steps: u64,
    /// Key presses (and frames End ran steps in) measured.
    pub presses: u64,
    pub median_ms: f64,
    pub worst_ms: f64,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct BenchReport {
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
pub(crate) struct Latency {
    pub query: &'static str,
    pub count: u64,
    pub microseconds_each: f64,
}

pub(super) fn metric(
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

pub(super) fn at_least(name: &'static str, measured: f64, required: f64) -> Target {
    Target {
        name,
        measured,
        required,
        at_most: false,
        met: measured >= required,
        pages_per_command: None,
    }
}

pub(super) fn at_most(name: &'static str, measured: f64, required: f64) -> Target {
    Target {
        name,
        measured,
        required,
        at_most: true,
        met: measured <= required,
        pages_per_command: None,
    }
}
