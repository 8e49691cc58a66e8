//! Phases 7 and 8: `eslab run` itself, in a fresh process, at 1× and 10× the steps and at
//! volume (time and peak memory); and the live view's redraws, measured by the caller's
//! function.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::Context;

use super::report::{LiveRedraw, RunAtVolume, at_least, at_most, metric};
use super::{Bench, BenchOptions, RUNS};
use crate::workload::Workload;

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
pub(crate) const REPORT_PEAK_RSS: &str = "ESLAB_REPORT_PEAK_RSS";

/// What `eslab run` says on stderr, with `REPORT_PEAK_RSS` set, before its peak in bytes.
pub(crate) const PEAK_RSS_SAID: &str = "eslab: peak resident memory, bytes: ";

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

/// Phase 7: `eslab run` at N and 10×N steps; returns the smaller scenario's orders, and the
/// folder the generated scenarios are in.
pub(super) fn scaling(bench: &mut Bench) -> anyhow::Result<(u64, PathBuf)> {
    let workload = bench.options.workload;
    // 7. `eslab run` itself, in a fresh process each time, on generated scenarios of N and 10×N
    //    steps (10,000 and 100,000 by default), taking turns; the fastest run of each counts.
    let runs = bench.fresh("runs")?;
    let small_orders = (bench.options.run_steps / 10).max(1);
    let (small_steps, large_steps) = (small_orders * 10, small_orders * 100);
    let small_file = generated_scenario(&runs, small_orders, workload.seed)?;
    let large_file = generated_scenario(&runs, small_orders * 10, workload.seed)?;
    let (mut small, mut large) = (Duration::MAX, Duration::MAX);
    for _ in 0..RUNS {
        small = small.min(measure_eslab_run(&bench.options.eslab_binary, &small_file)?.0);
        large = large.min(measure_eslab_run(&bench.options.eslab_binary, &large_file)?.0);
    }
    bench.metrics.push(metric(
        "eslab run --format json, generated scenario",
        "both",
        small_steps,
        "steps",
        small,
    ));
    bench.metrics.push(metric(
        "eslab run --format json, generated scenario",
        "both",
        large_steps,
        "steps",
        large,
    ));
    bench.targets.push(at_most(
        "eslab run time at 10× the steps ÷ at 1× (100,000 and 10,000 by default)",
        large.as_secs_f64() / small.as_secs_f64(),
        12.0,
    ));

    Ok((small_orders, runs))
}

/// Phase 7b: `eslab run` at volume, with its time and memory targets.
pub(super) fn at_volume(bench: &mut Bench, runs: &Path) -> anyhow::Result<Vec<RunAtVolume>> {
    let workload = bench.options.workload;
    // 7b. `eslab run` at volume: the same orders with ten times the steps (a tenth of
    //     `volume_steps`, then all of it: each order changed 8, then 98 times), one run each
    //     (a million-step run takes most of a minute), measuring time and peak memory. The
    //     orders stay the same so that what is compared is the steps: a run's memory may grow
    //     with its orders (OrderView holds each), not with its steps.
    let mut run_at_volume = Vec::new();
    if bench.options.volume_steps > 0 {
        let orders = (bench.options.volume_steps / 100).max(1);
        for changes in [8, 98] {
            let workload = Workload {
                orders,
                changes,
                seed: workload.seed,
            };
            let file = generated_scenario_of(runs, workload)?;
            let (elapsed, peak) = measure_eslab_run(&bench.options.eslab_binary, &file)?;
            fs::remove_file(&file)?;
            let steps = workload.commands_count();
            bench.metrics.push(metric(
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
            bench.targets.push(at_most(
                "eslab run peak memory at the larger scenario (1,000,000 steps by default), MB",
                large_rss as f64 / 1e6,
                150.0,
            ));
            bench.targets.push(at_most(
                "eslab run peak memory at 10× the steps ÷ at 1×",
                large_rss as f64 / small_rss as f64,
                1.5,
            ));
        }
        bench.targets.push(at_least(
            "eslab run steps/s at the larger scenario (1,000,000 steps by default)",
            large.steps_per_second,
            25_000.0,
        ));
    }

    Ok(run_at_volume)
}

/// Phase 8: the live view on the smaller generated scenario, every key press redrawn in a
/// frame.
pub(super) fn live(bench: &mut Bench, small_orders: u64) -> anyhow::Result<LiveRedraw> {
    // 8. The live view on the smaller generated scenario: every key press redrawn in a frame.
    let live_redraw = live_redraws(bench.options, small_orders, bench.options.workload.seed)?;
    bench.targets.push(at_most(
        "live view: slowest key press → drawn screen, ms (80 × 24)",
        live_redraw.worst_ms,
        16.0,
    ));

    Ok(live_redraw)
}
