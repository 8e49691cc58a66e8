//! `eslab bench` end to end, on a workload small enough for a debug build: what it reports
//! and where it writes, never how fast anything is (speed lives in the benchmark itself).

use crate::common;
use std::path::Path;

use crate::common::{Env, input_error, run_in, run_json_in};
use serde_json::{Value, json};

/// A bench run small enough for a test: a few orders, short phases.
const TINY: &[&str] = &[
    "bench",
    "--orders",
    "30",
    "--changes",
    "2",
    "--full-commands",
    "20",
    "--run-steps",
    "25",
    "--volume-steps",
    "300",
];

/// `eslab bench` on the tiny workload, with `options`, into `db_dir`, as JSON.
fn tiny_bench(db_dir: &Path, options: &[&str]) -> Value {
    let mut args = TINY.to_vec();
    args.extend(options);
    args.extend(["--db-dir", db_dir.to_str().unwrap(), "--format", "json"]);
    run_json_in(Env::NoBacktrace, &args)
}

fn metric<'a>(report: &'a Value, phase: &str, design: &str) -> &'a Value {
    report["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["phase"] == phase && m["design"] == design)
        .unwrap_or_else(|| panic!("no metric {phase} / {design} in {report:#}"))
}

#[test]
fn bench_reports_every_phase_and_target_with_what_each_design_writes() {
    let dir = tempfile::tempdir().unwrap();
    let report = tiny_bench(dir.path(), &["--snapshot-every", "40"]);
    assert_eq!(report["schema_version"], 4);
    // `eslab run` at volume: 3 orders changed 8 and 98 times (30 and 300 steps), each run
    // with its peak memory and pace, and the targets on them.
    let volume = report["memory"]["run_at_volume"].as_array().unwrap();
    let steps: Vec<u64> = volume
        .iter()
        .map(|r| r["steps"].as_u64().unwrap())
        .collect();
    assert_eq!(steps, [30, 300]);
    for run in volume {
        assert!(run["peak_rss_bytes"].as_u64().unwrap() > 1_000_000, "{run}");
        assert!(run["steps_per_second"].as_f64().unwrap() > 0.0, "{run}");
    }
    let targets: Vec<&str> = report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for name in [
        "eslab run peak memory at the larger scenario (1,000,000 steps by default), MB",
        "eslab run peak memory at 10× the steps ÷ at 1×",
        "eslab run steps/s at the larger scenario (1,000,000 steps by default)",
        "eslab replay ÷ eslab replay --trust (what verifying the log costs)",
    ] {
        assert!(targets.contains(&name), "{name} not in {targets:?}");
    }
    // The live view, on the smaller generated scenario (--run-steps 25: two orders, 20 steps),
    // its median and worst press beside a target row; how fast is the bench's to say.
    let live = &report["live_redraw"];
    assert_eq!(live["steps"], 20, "{live:#}");
    assert!(live["presses"].as_u64().unwrap() > 20, "{live:#}");
    assert!(live["median_ms"].as_f64().unwrap() <= live["worst_ms"].as_f64().unwrap());
    assert!(
        report["targets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"].as_str().unwrap().starts_with("live view")
                && t["required"] == 16.0
                && t["at_most"] == true),
        "{report:#}"
    );
    // 30 orders, each placed, changed twice and paid.
    assert_eq!(report["commands"], 120);
    for design in ["CRUD", "ES"] {
        let commands = metric(&report, "commands (synchronous=NORMAL)", design);
        assert_eq!(commands["count"], 120);
        assert!(commands["rate"].as_f64().unwrap() > 0.0);
    }
    // --full-commands 20: five rounds of one order's four commands, each round on new files.
    for design in ["CRUD", "ES"] {
        assert_eq!(
            metric(&report, "commands (synchronous=FULL)", design)["count"],
            20
        );
    }
    for round in 0..5 {
        let round = dir.path().join(format!("full/round-{round}"));
        for file in ["crud.sqlite3", "events.sqlite3", "fsync-floor"] {
            assert!(
                round.join(file).is_file(),
                "no {file} in {}",
                round.display()
            );
        }
    }
    assert_eq!(metric(&report, "bulk append", "ES")["count"], 120);
    assert_eq!(
        metric(&report, "full replay into OrderView", "ES")["count"],
        120
    );
    // `eslab run` on whole orders of ten steps: --run-steps 25 means 20 steps, and 10× that.
    let run_counts: Vec<&Value> = report["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["phase"] == "eslab run --format json, generated scenario")
        .map(|m| &m["count"])
        .collect();
    assert_eq!(run_counts, [20, 200]);

    // What each design keeps and writes, counted rather than timed.
    let storage = &report["storage"];
    assert_eq!(storage["crud_rows"], 30);
    assert_eq!(storage["es_events"], 120);
    let crud_pages = storage["crud_pages_per_command"].as_f64().unwrap();
    let es_pages = storage["es_pages_per_command"].as_f64().unwrap();
    // A CRUD update rewrites its row's page; an append writes the log's page and its index's.
    assert!(crud_pages >= 1.0, "{storage:#}");
    assert!(es_pages >= 2.0, "{storage:#}");
    assert!(es_pages > crud_pages, "{storage:#}");

    let targets = report["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 13, "{targets:#?}");
    // ES ÷ CRUD is held to two bars: 0.8 where every commit waits for the disk, 0.65 at
    // NORMAL, where the pages each design writes stand beside it.
    let target = |name: &str| {
        targets
            .iter()
            .find(|t| t["name"].as_str().unwrap().contains(name))
            .unwrap_or_else(|| panic!("no target {name:?} in {targets:#?}"))
    };
    let full = target("ES commands/s ÷ CRUD commands/s at synchronous=FULL");
    assert_eq!(full["required"], 0.8, "{full:#}");
    assert_eq!(full["pages_per_command"], Value::Null, "{full:#}");
    let normal = target("ES commands/s ÷ CRUD commands/s at synchronous=NORMAL");
    assert_eq!(normal["required"], 0.65, "{normal:#}");
    assert_eq!(normal["at_most"], false, "{normal:#}");
    assert_eq!(
        normal["pages_per_command"],
        json!({"crud": crud_pages, "es": es_pages}),
        "{normal:#}"
    );
    for target in targets {
        let (measured, required) = (target["measured"].as_f64(), target["required"].as_f64());
        let (measured, required) = (measured.unwrap(), required.unwrap());
        assert!(measured.is_finite() && measured > 0.0, "{target:#}");
        let met = if target["at_most"] == true {
            measured <= required
        } else {
            measured >= required
        };
        assert_eq!(target["met"], met, "{target:#}");
    }
}

#[test]
fn bench_writes_only_new_folders_in_its_db_dir() {
    let dir = tempfile::tempdir().unwrap();
    let kept = dir.path().join("commands");
    std::fs::create_dir(&kept).unwrap();
    std::fs::write(kept.join("crud.sqlite3"), "someone's file").unwrap();
    let mut args = TINY.to_vec();
    args.extend(["--db-dir", dir.path().to_str().unwrap()]);
    let error = input_error(&args);
    assert!(
        error.contains("commands") && error.contains("refusing to overwrite"),
        "{error}"
    );
    let left = std::fs::read_to_string(kept.join("crud.sqlite3")).unwrap();
    assert_eq!(left, "someone's file");
}

#[test]
fn bench_table_shows_the_targets_and_the_pages_per_command() {
    let dir = tempfile::tempdir().unwrap();
    let mut args = TINY.to_vec();
    args.extend(["--db-dir", dir.path().to_str().unwrap()]);
    let out = run_in(Env::NoBacktrace, &args);
    assert_eq!(out.code, Some(0), "{}", out.describe(&args));
    let table = out.stdout_text();
    for expected in [
        "Targets",
        "pages written per command",
        "full replay events/s",
        "at synchronous=FULL",
        "at synchronous=NORMAL",
        "(pages written per command: ES ",
    ] {
        assert!(table.contains(expected), "no {expected:?} in\n{table}");
    }
}

#[test]
fn bench_refuses_workloads_it_cannot_run() {
    for (option, value) in [
        ("--orders", "0"),
        ("--snapshot-every", "1"),
        ("--run-steps", "5"),
        ("--full-commands", "100001"),
    ] {
        let out = common::run(["bench", option, value]);
        assert_eq!(out.code, Some(2), "{out:?}");
        assert!(
            out.stdout.is_empty() && out.stderr.contains(option),
            "{out:?}"
        );
    }
}

/// A workload no machine holds (ten billion commands) is refused before anything is allocated
/// or created, saying what it would need and why; it used to abort on allocation.
#[test]
fn bench_refuses_a_workload_too_large_for_memory_before_starting() {
    let dir = tempfile::tempdir().unwrap();
    let db_dir = dir.path().join("bench");
    let error = input_error([
        "bench",
        "--orders",
        "10000000",
        "--changes",
        "1000",
        "--db-dir",
        db_dir.to_str().unwrap(),
    ]);
    for expected in [
        "10020000000 commands",
        "TiB of memory",
        "KiB per command",
        "held in memory",
        "use fewer --orders or --changes",
    ] {
        assert!(error.contains(expected), "no {expected:?} in {error}");
    }
    assert!(
        !error.contains("panicked") && !error.contains("abort"),
        "{error}"
    );
    assert!(!db_dir.exists(), "nothing is created: {error}");
}

#[test]
fn bench_fits_the_snapshot_interval_to_a_short_workload() {
    // The default interval (100,000 events) is longer than this workload's whole log.
    let dir = tempfile::tempdir().unwrap();
    let report = tiny_bench(dir.path(), &[]);
    assert_eq!(report["snapshot_every"], 60, "{report:#}");
    let short = metric(&report, "rebuild from snapshot + tail", "ES (log ×1)");
    // One snapshot at 60 events, then a tail of 30.
    assert_eq!(short["count"], 90);
}

/// A generated scenario the bench already wrote for one phase is the same file for another:
/// with these sizes the run-time phase's smaller scenario (10 orders, changed 8 times) is the
/// volume phase's smaller one too.
#[test]
fn bench_reuses_a_generated_scenario_it_already_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let mut args: Vec<&str> = TINY.iter().copied().take(7).collect();
    let db_dir = dir.path().join("bench");
    args.extend([
        "--run-steps",
        "100",
        "--volume-steps",
        "1000",
        "--db-dir",
        db_dir.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let report = run_json_in(Env::NoBacktrace, &args);
    let steps: Vec<u64> = report["memory"]["run_at_volume"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["steps"].as_u64().unwrap())
        .collect();
    assert_eq!(steps, [100, 1000]);
}
