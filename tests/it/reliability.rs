//! Reliability: a run killed at any moment leaves both stores consistent and `--continue`
//! finishes it exactly as an uninterrupted run would; several processes writing one folder
//! at once keep the log whole; `--continue` creates what is missing and a plain run refuses
//! what is there.
//!
//! Nothing here asserts a duration: kill moments are spread over a measured run, and every
//! assertion holds wherever the kill lands.

use crate::common;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::db::{EventRow, crud_file, event_rows, events_file, select};
use crate::common::{
    Env, Output, dollars, folder_snapshot, path_str, results_of, run_in, run_json_in,
    write_generated, write_json,
};
use rusqlite::Connection;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------
// Helpers

/// Runs `eslab ARGS`, in the test's own environment less RUST_BACKTRACE, to completion and
/// captures everything.
fn run(args: &[&str]) -> Output {
    run_in(Env::NoBacktrace, args)
}

/// Runs `eslab ARGS`, which must exit 0, and parses stdout as JSON.
fn run_json(args: &[&str]) -> Value {
    run_json_in(Env::NoBacktrace, args)
}

/// `eslab ARGS` as a process to start by hand (to kill it, or to run several at once).
fn spawn(args: &[&str], stdout: Stdio) -> Child {
    Command::new(env!("CARGO_BIN_EXE_eslab"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .expect("eslab starts")
}

/// Waits for processes started together, reading their output concurrently so none blocks
/// on a full pipe.
fn wait_all(children: Vec<Child>) -> Vec<Output> {
    let waiting: Vec<_> = children
        .into_iter()
        .map(|child| std::thread::spawn(move || child.wait_with_output().expect("wait")))
        .collect();
    waiting
        .into_iter()
        .map(|handle| handle.join().expect("waiting thread").into())
        .collect()
}

/// A CRUD `orders` row: order_id, customer, product, quantity, unit_price_cents, total_cents,
/// paid_cents (money in cents, as the columns say), status.
type CrudRow = (String, String, String, i64, i64, i64, i64, String);

/// Every CRUD row by order id; none when there is no CRUD file.
fn crud_rows(dir: &Path) -> BTreeMap<String, CrudRow> {
    let path = crud_file(dir);
    if !path.exists() {
        return BTreeMap::new();
    }
    let rows: Vec<CrudRow> = select(
        &path,
        "SELECT order_id, customer, product, quantity, unit_price_cents, total_cents, paid_cents, status \
         FROM orders ORDER BY order_id",
        |r| CrudRow::try_from(r),
    );
    rows.into_iter().map(|row| (row.0.clone(), row)).collect()
}

/// The steps a database records as done for a scenario (0 without the file or a record).
fn progress(db_file: &Path, fingerprint: &str) -> u64 {
    if !db_file.exists() {
        return 0;
    }
    let db = Connection::open(db_file).unwrap();
    db.query_row(
        "SELECT coalesce(max(steps_done), 0) FROM progress WHERE scenario = ?1",
        [fingerprint],
        |r| r.get::<_, i64>(0),
    )
    .unwrap() as u64
}

/// `progress` of a database another process may be creating right now: 0 until it can
/// be read.
fn progress_so_far(db_file: &Path, fingerprint: &str) -> u64 {
    let read = || -> rusqlite::Result<i64> {
        let db = Connection::open_with_flags(db_file, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        db.query_row(
            "SELECT coalesce(max(steps_done), 0) FROM progress WHERE scenario = ?1",
            [fingerprint],
            |r| r.get(0),
        )
    };
    if db_file.exists() {
        read().unwrap_or(0) as u64
    } else {
        0
    }
}

/// `"428.51"` → 42851.
fn cents(dollars: &Value) -> i64 {
    let text = dollars.as_str().expect("money is a string of dollars");
    let (whole, fraction) = text.split_once('.').expect("dollars and cents");
    whole.parse::<i64>().unwrap() * 100 + fraction.parse::<i64>().unwrap()
}

/// A state from a trace or `eslab replay`, as a CRUD row.
fn state_as_row(state: &Value) -> CrudRow {
    (
        state["order_id"].as_str().unwrap().to_string(),
        state["customer"].as_str().unwrap().to_string(),
        state["product"].as_str().unwrap().to_string(),
        state["quantity"].as_i64().unwrap(),
        cents(&state["unit_price"]),
        cents(&state["total"]),
        cents(&state["paid"]),
        state["status"].as_str().unwrap().to_string(),
    )
}

/// The CRUD table a run's trace implies after its first `k` steps: each order's row as the
/// last command on it left it.
fn crud_state_after(trace: &Value, k: usize) -> BTreeMap<String, CrudRow> {
    let mut rows = BTreeMap::new();
    for result in results_of(trace, "crud").into_iter().take(k) {
        assert_eq!(result["outcome"], "applied", "{result}");
        let row = state_as_row(&result["state"]);
        rows.insert(row.0.clone(), row);
    }
    rows
}

/// An appended event as a run's trace reports it, comparable with a stored row.
type ReportedEvent = (i64, String, i64, String, Value);

/// Every event a run's trace says event sourcing appended.
fn appended_events(trace: &Value) -> Vec<ReportedEvent> {
    results_of(trace, "es")
        .into_iter()
        .filter(|r| r["outcome"] == "applied")
        .flat_map(|r| {
            r["storage"]["append"]["events"]
                .as_array()
                .expect("an applied ES command appends events")
                .clone()
        })
        .map(|e| {
            (
                e["event_id"].as_i64().unwrap(),
                e["stream_id"].as_str().unwrap().to_string(),
                e["stream_version"].as_i64().unwrap(),
                e["event_type"].as_str().unwrap().to_string(),
                e["payload"].clone(),
            )
        })
        .collect()
}

/// A stored row in the trace's terms (the payload parsed, the hash left out).
fn as_reported(row: &EventRow) -> ReportedEvent {
    (
        row.0,
        row.1.clone(),
        row.2,
        row.3.clone(),
        serde_json::from_str(&row.4).expect("a stored payload is JSON"),
    )
}

fn fingerprint_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    eslab::Scenario::from_json(path_str(path), &text)
        .expect("the test's scenario is valid")
        .fingerprint()
}

/// `eslab verify --format json` on a folder: its exit code and verdict.
fn verify(dir: &Path) -> (Option<i32>, Option<Value>) {
    let out = run(&["verify", "--db-dir", path_str(dir), "--format", "json"]);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    (out.code, serde_json::from_slice(&out.stdout).ok())
}

/// Writer `w`'s scenario: orders W{w}-{i} placed, changed three times and paid, in rounds
/// (every order placed, then every order's first change, …), so streams interleave.
fn writer_scenario(w: usize, orders: usize) -> Value {
    let id = |i: usize| format!("W{w}-{i}");
    let price = |i: usize| 100 * (w as u64 + 1) + i as u64; // cents
    let quantity = |i: usize, round: usize| ((i + round * 3 + w) % 9 + 1) as u64;
    let mut steps = Vec::new();
    for i in 0..orders {
        steps.push(json!({"place_order": {
            "order_id": id(i), "customer": format!("Writer {w}"), "product": format!("P{i}"),
            "quantity": quantity(i, 0), "unit_price": dollars(price(i)),
        }}));
    }
    for round in 1..=3 {
        for i in 0..orders {
            steps.push(
                json!({"change_quantity": {"order_id": id(i), "quantity": quantity(i, round)}}),
            );
        }
    }
    for i in 0..orders {
        let total = price(i) * quantity(i, 3);
        steps.push(json!({"pay": {"order_id": id(i), "amount": dollars(total)}}));
    }
    json!({"title": format!("writer {w}"), "steps": steps})
}

/// Creates both databases in `dir` with a run that writes nothing.
fn initialise_folder(dir: &Path, tmp: &Path) {
    let setup = tmp.join("setup.json");
    write_json(
        &setup,
        &json!({"title": "setup", "steps": [{"query": {"order_id": "nobody"}}]}),
    );
    run_json(&[
        "run",
        path_str(&setup),
        "--db-dir",
        path_str(dir),
        "--continue",
        "--format",
        "json",
    ]);
    assert!(events_file(dir).exists() && crud_file(dir).exists());
}

/// Starts one `eslab run FILE --db-dir DIR --continue --format json` per file, all at once,
/// and waits for them all; each must exit 0 without a word on stderr. Returns the traces.
fn run_at_once(files: &[PathBuf], dir: &Path) -> Vec<Value> {
    let children: Vec<Child> = files
        .iter()
        .map(|file| {
            spawn(
                &[
                    "run",
                    path_str(file),
                    "--db-dir",
                    path_str(dir),
                    "--continue",
                    "--format",
                    "json",
                ],
                Stdio::piped(),
            )
        })
        .collect();
    wait_all(children)
        .into_iter()
        .zip(files)
        .map(|(out, file)| {
            assert_eq!(
                out.code,
                Some(0),
                "{}",
                out.describe(&["run", path_str(file), "--continue"])
            );
            assert_eq!(out.stderr, "", "{}", path_str(file));
            serde_json::from_slice(&out.stdout).expect("a run's JSON trace")
        })
        .collect()
}

/// Checks the log in `dir` is exactly the `setup` events a setup run appended followed by
/// what the traces report appended, once each, in one gap-free chain that verifies.
fn assert_log_is_the_union_of(dir: &Path, setup: usize, traces: &[Value]) -> Vec<EventRow> {
    let rows = event_rows(dir);
    let stored: Vec<ReportedEvent> = rows.iter().skip(setup).map(as_reported).collect();
    let mut reported: Vec<ReportedEvent> = traces.iter().flat_map(appended_events).collect();
    reported.sort_by_key(|e| e.0);
    assert_eq!(
        reported.len(),
        stored.len(),
        "every stored event was reported by exactly one writer"
    );
    assert_eq!(
        reported, stored,
        "each reported event is stored once, as reported"
    );
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let expected: Vec<i64> = (1..=rows.len() as i64).collect();
    assert_eq!(ids, expected, "event ids from 1, without gaps");
    let versions: BTreeSet<(&str, i64)> = rows.iter().map(|r| (r.1.as_str(), r.2)).collect();
    assert_eq!(versions.len(), rows.len(), "no (stream, version) repeats");
    let (code, verdict) = verify(dir);
    assert_eq!(code, Some(0), "{verdict:?}");
    let verdict = verdict.unwrap();
    assert_eq!(verdict["events"], rows.len());
    assert_eq!(
        verdict["head"].as_str().unwrap(),
        hex::encode(&rows.last().unwrap().5)
    );
    rows
}

/// Places HOT0..HOT{n-1} at version 1, then starts three writers at once, each changing
/// every HOT order's quantity having read version 1. Returns the folder and the traces.
fn contend(n: usize, tmp: &Path) -> (PathBuf, Vec<Value>, Vec<PathBuf>) {
    let dir = tmp.join("D");
    let place = tmp.join("place.json");
    let steps: Vec<Value> = (0..n)
        .map(|j| {
            json!({"place_order": {"order_id": format!("HOT{j}"), "customer": "C",
                                        "product": "P", "quantity": 1, "unit_price": 1}})
        })
        .collect();
    write_json(
        &place,
        &json!({"title": "place the hot orders", "steps": steps}),
    );
    run_json(&[
        "run",
        path_str(&place),
        "--db-dir",
        path_str(&dir),
        "--continue",
        "--format",
        "json",
    ]);
    let files: Vec<PathBuf> = (0..3)
        .map(|w| {
            let steps: Vec<Value> = (0..n)
                .map(|j| {
                    json!({"change_quantity": {"order_id": format!("HOT{j}"),
                                                    "quantity": 10 * (w + 1) + j,
                                                    "expected_version": 1}})
                })
                .collect();
            let path = tmp.join(format!("contender{w}.json"));
            write_json(
                &path,
                &json!({"title": format!("contender {w}"), "steps": steps}),
            );
            path
        })
        .collect();
    let traces = run_at_once(&files, &dir);
    (dir, traces, files)
}

// ---------------------------------------------------------------------------------------
// a. Crash safety: SIGKILL at many moments, then --continue

#[test]
fn a_run_killed_at_any_moment_leaves_a_prefix_and_continue_finishes_it_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("generated.json");
    write_generated(
        Env::NoBacktrace,
        &scenario,
        &["--orders", "500", "--changes", "3", "--seed", "11"],
    );
    let file = path_str(&scenario);
    let fingerprint = fingerprint_of(&scenario);
    let commands = 500 * (3 + 2);

    // The reference: the same run, never interrupted. How long its steps take (until its
    // progress reaches the last step; rendering the trace comes after) spreads the kills.
    let reference_dir = tmp.path().join("A");
    let started = Instant::now();
    let child = spawn(
        &[
            "run",
            file,
            "--db-dir",
            path_str(&reference_dir),
            "--format",
            "json",
        ],
        Stdio::piped(),
    );
    let output = std::thread::spawn(move || child.wait_with_output().expect("wait"));
    let mut reference_duration = None;
    while !output.is_finished() {
        if progress_so_far(&events_file(&reference_dir), &fingerprint) == commands as u64 {
            reference_duration = Some(started.elapsed());
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let output = output.join().unwrap();
    let reference_duration = reference_duration.unwrap_or_else(|| started.elapsed());
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let reference: Value = serde_json::from_slice(&output.stdout).unwrap();
    let reference_events = event_rows(&reference_dir);
    let reference_crud = crud_rows(&reference_dir);
    assert_eq!(reference_events.len(), commands, "one event per command");
    assert_eq!(reference_crud.len(), 500);
    assert_eq!(reference["summary"]["differing_steps"], json!([]));
    assert_eq!(crud_state_after(&reference, commands), reference_crud);

    // Kill moments spread from 50 ms to the reference run's length.
    let first = Duration::from_millis(50);
    let span = reference_duration.saturating_sub(first);
    let kills = 15u32;
    let delays: Vec<Duration> = (0..kills).map(|i| first + span * i / (kills - 1)).collect();

    let mut landed = Vec::new();
    for (i, delay) in delays.iter().enumerate() {
        let dir = tmp.path().join(format!("B{i}"));
        let d = path_str(&dir);
        let mut child = spawn(
            &["run", file, "--db-dir", d, "--format", "json"],
            Stdio::null(),
        );
        std::thread::sleep(*delay);
        let _ = child.kill(); // SIGKILL; it may have finished already
        let killed = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&killed.stderr);
        assert!(
            killed.status.success() || killed.status.code().is_none(),
            "kill {i}: the run failed on its own: {stderr}"
        );
        let context = format!("kill {i} after {delay:?}");

        // The log verifies, or was never created.
        let (code, verdict) = verify(&dir);
        if events_file(&dir).exists() {
            assert_eq!(
                code,
                Some(0),
                "{context}: verify on a killed run's log: {verdict:?} (a 0-byte or \
                 uninitialised events.sqlite3 means the kill landed between creating the \
                 file and writing its schema)"
            );
            assert_eq!(verdict.unwrap()["holds"], true, "{context}");
        } else {
            assert_eq!(
                code,
                Some(2),
                "{context}: no events file, nothing to verify"
            );
        }

        // The log is a prefix of the reference log, row by row, hashes included.
        let events = event_rows(&dir);
        assert!(events.len() <= reference_events.len(), "{context}");
        for (n, (got, want)) in events.iter().zip(&reference_events).enumerate() {
            assert_eq!(
                got, want,
                "{context}: event row {n} differs from the reference"
            );
        }
        // Each command appends exactly one event, recorded with its step: any prefix ends
        // on a command boundary, and the ES progress is the number of events.
        let es_done = progress(&events_file(&dir), &fingerprint);
        assert_eq!(es_done, events.len() as u64, "{context}: ES progress");

        // The two stores are separate files committed one after the other: at most one
        // command apart, and the CRUD table is the reference's after its own progress.
        let crud_done = progress(&crud_file(&dir), &fingerprint);
        assert!(
            crud_done.abs_diff(es_done) <= 1,
            "{context}: CRUD did {crud_done} steps, ES {es_done}"
        );
        assert_eq!(
            crud_rows(&dir),
            crud_state_after(&reference, crud_done as usize),
            "{context}: the CRUD table after {crud_done} commands"
        );
        landed.push((es_done, crud_done));

        // Carrying on does exactly the steps each store had not done, once.
        let carried = run_json(&["run", file, "--db-dir", d, "--continue", "--format", "json"]);
        for (backend, done) in [("crud", crud_done), ("es", es_done)] {
            for (n, result) in results_of(&carried, backend).into_iter().enumerate() {
                let expected = if (n as u64) < done {
                    "not_applicable"
                } else {
                    "applied"
                };
                assert_eq!(
                    result["outcome"],
                    expected,
                    "{context}: {backend} step {} after --continue",
                    n + 1
                );
            }
        }
        assert_eq!(
            event_rows(&dir),
            reference_events,
            "{context}: the continued log is the reference log"
        );
        assert_eq!(
            crud_rows(&dir),
            reference_crud,
            "{context}: the continued CRUD table is the reference's"
        );
        assert_eq!(progress(&events_file(&dir), &fingerprint), commands as u64);
        assert_eq!(progress(&crud_file(&dir), &fingerprint), commands as u64);
        assert_eq!(verify(&dir).0, Some(0), "{context}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
    eprintln!("reference run {reference_duration:?}; kills landed at (ES, CRUD) steps {landed:?}");
    // The kills must have tested something: at least one landed mid-run.
    assert!(
        landed.iter().any(|&(es, _)| es > 0 && es < commands as u64),
        "no kill landed mid-run: {landed:?}"
    );
}

// ---------------------------------------------------------------------------------------
// b. Several writers on one folder

#[test]
fn four_writers_at_once_keep_one_whole_log() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("D");
    initialise_folder(&dir, tmp.path());
    let orders = 30; // 150 commands each
    let files: Vec<PathBuf> = (0..4)
        .map(|w| {
            let path = tmp.path().join(format!("writer{w}.json"));
            write_json(&path, &writer_scenario(w, orders));
            path
        })
        .collect();
    let traces = run_at_once(&files, &dir);

    for (w, trace) in traces.iter().enumerate() {
        assert_eq!(trace["summary"]["differing_steps"], json!([]), "writer {w}");
        for backend in ["crud", "es"] {
            for result in results_of(trace, backend) {
                assert_eq!(
                    result["outcome"], "applied",
                    "writer {w} {backend}: {result}"
                );
            }
        }
        assert_eq!(appended_events(trace).len(), orders * 5, "writer {w}");
    }
    let rows = assert_log_is_the_union_of(&dir, 0, &traces);
    assert_eq!(rows.len(), 4 * orders * 5);

    // Both stores end in the same place: every order paid, CRUD rows as the log replays.
    let replay = run_json(&["replay", "--db-dir", path_str(&dir), "--format", "json"]);
    let replayed: BTreeMap<String, CrudRow> = replay["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|state| {
            let row = state_as_row(state);
            (row.0.clone(), row)
        })
        .collect();
    let crud = crud_rows(&dir);
    assert_eq!(crud.len(), 4 * orders);
    assert!(crud.values().all(|row| row.7 == "Paid"));
    assert_eq!(crud, replayed);

    // Each writer's own progress is recorded in both stores.
    for file in &files {
        let fingerprint = fingerprint_of(file);
        assert_eq!(progress(&events_file(&dir), &fingerprint), 150);
        assert_eq!(progress(&crud_file(&dir), &fingerprint), 150);
    }
}

#[test]
fn writers_contending_for_one_version_one_wins_the_others_see_a_conflict() {
    let tmp = tempfile::tempdir().unwrap();
    let n = 10;
    let (dir, traces, _) = contend(n, tmp.path());

    let replay = run_json(&["replay", "--db-dir", path_str(&dir), "--format", "json"]);
    for j in 0..n {
        let mut winners = Vec::new();
        for (w, trace) in traces.iter().enumerate() {
            let es = results_of(trace, "es")[j];
            match es["outcome"].as_str().unwrap() {
                "applied" => {
                    let events = es["storage"]["append"]["events"].as_array().unwrap();
                    assert_eq!(events.len(), 1);
                    assert_eq!(events[0]["stream_version"], 2, "HOT{j}");
                    winners.push(w);
                }
                "rejected" => {
                    assert_eq!(es["rejection"]["rule"], "version_conflict", "{es}");
                    assert_eq!(
                        (&es["rejection"]["expected"], &es["rejection"]["actual"]),
                        (&json!(1), &json!(2)),
                        "HOT{j}, writer {w}: {es}"
                    );
                    let reason = es["reason"].as_str().unwrap();
                    assert!(
                        reason.contains("concurrency conflict"),
                        "HOT{j}, writer {w}: {reason}"
                    );
                    assert!(reason.contains("decided from version 1"), "{reason}");
                }
                other => panic!("HOT{j}, writer {w}: ES {other}: {es}"),
            }
            // CRUD keeps no version: every write lands, with a caveat that it could not check.
            let crud = results_of(trace, "crud")[j];
            assert_eq!(crud["outcome"], "applied", "{crud}");
            assert_eq!(
                crud["caveats"],
                json!([{"caveat": "version_unchecked", "expected": 1}]),
                "{crud}"
            );
        }
        assert_eq!(
            winners.len(),
            1,
            "HOT{j}: exactly one writer wins version 1"
        );
        let winning_quantity = 10 * (winners[0] + 1) + j;
        let state = replay["orders"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["order_id"] == format!("HOT{j}"))
            .unwrap();
        assert_eq!(state["quantity"], winning_quantity, "HOT{j}");
        assert_eq!(state["version"], 2, "HOT{j}");
        let crud_quantity = crud_rows(&dir)[&format!("HOT{j}")].3 as usize;
        assert!(
            (0..3).any(|w| crud_quantity == 10 * (w + 1) + j),
            "HOT{j}: CRUD holds one of the writes"
        );
    }
    let rows = assert_log_is_the_union_of(&dir, n, &traces);
    assert_eq!(
        rows.len(),
        2 * n,
        "one placing and one winning change per order"
    );
}

/// BUG (src/es/mod.rs, `EventSourcedService::publish` / src/es/view.rs `apply_event`): each
/// process's OrderView hears only its own appends. When another process appended to a
/// stream since this one built its view, this process's next successful append to that
/// stream is published to a view a version behind, `apply_event` refuses it ("event N is
/// version 3 of X, but the view holds version 1"), and the run exits 2 — although the
/// command was decided against the stream's real version and its event and progress are
/// already committed. Expected: the run succeeds (the view catches up from the log, or is
/// fed every committed event).
///
/// Made deterministic by order, not timing: a long writer is started and the test waits
/// until it has recorded progress (its view is built), a short writer then changes X to
/// version 2 and finishes, and the long writer's last step changes X from version 2. Should
/// the long writer finish first all the same (a machine fast enough, or a short writer slow to
/// start), nothing was tested: the race is run again with a writer ten times longer, and the
/// test fails if it never happens, rather than pass having checked nothing.
#[test]
fn a_writer_whose_view_is_behind_another_process_still_succeeds() {
    for orders in [400, 4_000, 40_000] {
        if let Some((dir, out, _tmp)) = long_writer_behind_a_short_one(orders) {
            let x: Vec<i64> = event_rows(&dir)
                .iter()
                .filter(|r| r.1 == "X")
                .map(|r| r.2)
                .collect();
            assert_eq!(x, vec![1, 2, 3], "both changes to X are in the log");
            assert_eq!(
                out.code,
                Some(0),
                "the long writer's last change was decided from the stream's real version 2 \
                 and committed, yet the run failed: {}",
                out.stderr
            );
            return;
        }
        eprintln!("note: the long writer ({orders} orders) finished first; trying a longer one");
    }
    panic!("the long writer always finished before the short one: the race never happened");
}

/// Places X, then runs a long writer (`orders` orders of five commands, then a change of X
/// from version 2) and, once it has made progress, a short one that changes X to version 2.
/// Returns the folder, the long writer's output and the folder's owner; `None` when the long
/// writer finished before the short one, so its last change never met a view behind.
fn long_writer_behind_a_short_one(orders: usize) -> Option<(PathBuf, Output, tempfile::TempDir)> {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("D");
    let place = tmp.path().join("place.json");
    write_json(
        &place,
        &json!({"title": "place X", "steps": [{"place_order": {"order_id": "X",
            "customer": "C", "product": "P", "quantity": 1, "unit_price": 2}}]}),
    );
    run_json(&[
        "run",
        path_str(&place),
        "--db-dir",
        path_str(&dir),
        "--format",
        "json",
    ]);

    let mut long = writer_scenario(0, orders); // five commands per order, on other orders
    long["steps"]
        .as_array_mut()
        .unwrap()
        .push(json!({"change_quantity": {"order_id": "X", "quantity": 7, "expected_version": 2}}));
    let long_file = tmp.path().join("long.json");
    write_json(&long_file, &long);
    let long_steps = long["steps"].as_array().unwrap().len() as u64;
    let long_fingerprint = fingerprint_of(&long_file);
    let short_file = tmp.path().join("short.json");
    write_json(
        &short_file,
        &json!({"title": "short", "steps": [{"change_quantity": {"order_id": "X",
            "quantity": 5, "expected_version": 1}}]}),
    );

    let long_run = spawn(
        &[
            "run",
            path_str(&long_file),
            "--db-dir",
            path_str(&dir),
            "--continue",
            "--format",
            "json",
        ],
        Stdio::null(),
    );
    // Wait (bounded) until the long writer has done a step: its view is built by then.
    let mut waited = 0;
    while progress_so_far(&events_file(&dir), &long_fingerprint) == 0 {
        assert!(waited < 3_000, "the long writer never started");
        std::thread::sleep(Duration::from_millis(5));
        waited += 1;
    }
    run_json(&[
        "run",
        path_str(&short_file),
        "--db-dir",
        path_str(&dir),
        "--continue",
        "--format",
        "json",
    ]);
    let long_finished_first = progress(&events_file(&dir), &long_fingerprint) >= long_steps;
    let out = wait_all(vec![long_run]).pop().unwrap();
    (!long_finished_first).then_some((dir, out, tmp))
}

/// BUG (src/runner.rs `StorageOptions::prepare` + src/db.rs `open`/`create_file`): with
/// `--continue`, several processes started at once on a folder without databases race to
/// create them. One creates `crud.sqlite3`; another, between `create_new` and the schema's
/// commit, sees a file whose `application_id` is 0 and refuses it ("is not an eslab CRUD
/// store (application_id is 0)"), or its own `create_new` loses the race ("already exists:
/// refusing to overwrite it (use --continue …)", although --continue was given). Seen in
/// 23 of 32 processes over 8 tries of 4. Expected: all succeed, as they do once the
/// databases exist (`four_writers_at_once_keep_one_whole_log`).
#[test]
fn writers_starting_at_once_on_an_empty_folder_all_succeed() {
    for attempt in 0..5 {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("D");
        let files: Vec<PathBuf> = (0..4)
            .map(|w| {
                let path = tmp.path().join(format!("writer{w}.json"));
                write_json(&path, &writer_scenario(w, 2));
                path
            })
            .collect();
        let children: Vec<Child> = files
            .iter()
            .map(|file| {
                spawn(
                    &[
                        "run",
                        path_str(file),
                        "--db-dir",
                        path_str(&dir),
                        "--continue",
                    ],
                    Stdio::null(),
                )
            })
            .collect();
        for out in wait_all(children) {
            assert_eq!(out.code, Some(0), "attempt {attempt}: {}", out.stderr);
        }
        assert_eq!(event_rows(&dir).len(), 4 * 2 * 5);
    }
}

// ---------------------------------------------------------------------------------------
// c. --continue creates what is missing; a plain run refuses what is there

#[test]
fn continue_on_an_empty_folder_creates_both_databases() {
    let tmp = tempfile::tempdir().unwrap();
    let existing = tmp.path().join("empty");
    std::fs::create_dir(&existing).unwrap();
    let missing = tmp.path().join("not").join("yet");
    for dir in [existing, missing] {
        let d = path_str(&dir);
        let trace = run_json(&[
            "run",
            "bob",
            "--db-dir",
            d,
            "--continue",
            "--format",
            "json",
        ]);
        assert!(crud_file(&dir).is_file() && events_file(&dir).is_file());
        assert_eq!(trace["summary"]["differing_steps"], json!([]));
        let events = event_rows(&dir);
        assert_eq!(events.len(), 3);
        assert_eq!(events[0].0, 2001, "bob's first_event_id");
        assert_eq!(crud_rows(&dir)["A1"].7, "Paid");
        assert_eq!(verify(&dir).0, Some(0));

        // Carrying on from a finished run does nothing more.
        let again = run_json(&[
            "run",
            "bob",
            "--db-dir",
            d,
            "--continue",
            "--format",
            "json",
        ]);
        assert_eq!(appended_events(&again), Vec::new());
        assert_eq!(event_rows(&dir), events);
    }
}

#[test]
fn without_continue_a_second_run_refuses_and_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("D");
    let d = path_str(&dir);
    run_json(&["run", "bob", "--db-dir", d, "--format", "json"]);
    let before = folder_snapshot(&dir);
    for args in [
        vec!["run", "bob", "--db-dir", d],
        vec!["run", "many-customers", "--db-dir", d, "--format", "json"],
        vec!["diff", "bob", "--db-dir", d],
        vec!["run", "bob", "--db-dir", d, "--crud-locking"],
    ] {
        let out = run(&args);
        assert_eq!(out.code, Some(2), "{}", out.describe(&args));
        assert!(out.stdout.is_empty(), "{}", out.describe(&args));
        assert!(out.stderr.contains("already exists"), "{}", out.stderr);
        assert!(out.stderr.contains("--continue"), "{}", out.stderr);
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
        assert_eq!(folder_snapshot(&dir), before, "{args:?} changed the folder");
    }
}

// ---------------------------------------------------------------------------------------
// d. Each step once: what a deploy left, two runs of one scenario at once, typed commands
// (issue 16, items 1 to 3)

/// Kills `child` as soon as the database `db_file` records `at_least` steps of the scenario
/// with this fingerprint done; returns the steps done then, or `None` if it finished first.
fn kill_once_done(
    mut child: Child,
    db_file: &Path,
    fingerprint: &str,
    at_least: u64,
) -> Option<u64> {
    loop {
        if progress_so_far(db_file, fingerprint) >= at_least {
            let _ = child.kill(); // SIGKILL; it may have finished meanwhile
            let killed = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&killed.stderr);
            assert!(
                killed.status.success() || killed.status.code().is_none(),
                "it failed on its own: {stderr}"
            );
            return killed
                .status
                .code()
                .is_none()
                .then(|| progress(db_file, fingerprint));
        }
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "it failed on its own");
            return None;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// One order placed, then `changes` quantity changes, each with its reason; after the place,
/// `deploy` if given.
fn changes_scenario(title: &str, changes: usize, deploy: bool) -> Value {
    let mut steps = vec![json!({"place_order": {"order_id": "A1", "customer": "Bob",
        "product": "Book", "quantity": 1, "unit_price": 10}})];
    if deploy {
        steps.push(json!({"deploy": {"event": "ModifyOrderEvent", "version": 2}}));
    }
    for i in 0..changes {
        steps.push(
            json!({"change_quantity": {"order_id": "A1", "quantity": i % 97 + 2,
            "reason": format!("change {i}")}}),
        );
    }
    json!({"title": title, "steps": steps})
}

/// Issue 16, item 2: a run killed after a `deploy` and carried on writes what was deployed,
/// and its log is the uninterrupted run's, hash for hash. The kill waits for the deploy and
/// a change after it to be committed; a run that finished first is tried again, longer.
#[test]
fn a_run_killed_after_a_deploy_carries_on_in_the_deployed_shape() {
    for changes in [2_000, 20_000, 100_000] {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("deploy.json");
        write_json(
            &file,
            &changes_scenario("deploy, then change", changes, true),
        );
        let fingerprint = fingerprint_of(&file);
        let (reference, killed) = (tmp.path().join("A"), tmp.path().join("B"));
        let f = path_str(&file);
        fn args<'a>(f: &'a str, dir: &'a Path) -> Vec<&'a str> {
            vec!["run", f, "--db-dir", path_str(dir), "--format", "json"]
        }
        run_json(&args(f, &reference));
        let child = spawn(&args(f, &killed), Stdio::null());
        // Step 2 is the deploy: wait until a change after it is in.
        let Some(done) = kill_once_done(child, &events_file(&killed), &fingerprint, 3) else {
            eprintln!("note: the run of {changes} changes finished first; trying a longer one");
            continue;
        };
        assert!(
            done >= 3 && done < changes as u64 + 2,
            "killed after {done} steps"
        );
        let mut continued = args(f, &killed);
        continued.push("--continue");
        let carried = run_json(&continued);
        assert_eq!(
            carried["summary"]["gap_steps"],
            json!([]),
            "both keep every reason"
        );

        let stored = event_rows(&killed);
        assert_eq!(stored.len(), changes + 1);
        for (n, row) in stored.iter().enumerate().skip(1) {
            assert_eq!(
                row.4,
                json!({"quantity": (n - 1) % 97 + 2, "reason": format!("change {}", n - 1)})
                    .to_string(),
                "event {} is written in the deployed shape, its reason kept",
                row.0
            );
        }
        assert_eq!(
            stored,
            event_rows(&reference),
            "the uninterrupted run's log"
        );
        let (code, verdict) = verify(&killed);
        assert_eq!(code, Some(0));
        assert_eq!(
            verdict.unwrap()["head"],
            verify(&reference).1.unwrap()["head"]
        );
        let reasons = |dir: &Path| -> Vec<String> {
            select(&crud_file(dir), "SELECT change_reason FROM orders", |r| {
                r.get(0)
            })
        };
        assert_eq!(reasons(&killed), [format!("change {}", changes - 1)]);
        return;
    }
    panic!("every run finished before it could be killed after its deploy");
}

/// Issue 16, item 3: two `eslab run same.json --continue` at once on one folder do each step
/// once between them: every step is applied by exactly one of the two, on each design, and
/// the log holds exactly the events the scenario asks for. Tried again, longer, until the two
/// runs overlap (each applied some steps); the assertions hold whether or not they do.
#[test]
fn two_runs_of_one_scenario_at_once_do_each_step_once() {
    for changes in [300, 3_000, 30_000] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("ss");
        let file = tmp.path().join("same.json");
        write_json(&file, &changes_scenario("same", changes, false));
        let traces = run_at_once(&[file.clone(), file.clone()], &dir);
        let steps = changes + 1;
        for backend in ["crud", "es"] {
            let outcomes: Vec<Vec<&Value>> = traces
                .iter()
                .map(|trace| results_of(trace, backend))
                .collect();
            for step in 0..steps {
                let applied: Vec<bool> = outcomes
                    .iter()
                    .map(|results| {
                        let outcome = &results[step];
                        assert!(
                            outcome["outcome"] == "applied" || outcome["why"] == "done_earlier",
                            "{backend} step {}: {outcome}",
                            step + 1
                        );
                        outcome["outcome"] == "applied"
                    })
                    .collect();
                assert_eq!(
                    applied.iter().filter(|&&a| a).count(),
                    1,
                    "{backend} step {} applied by exactly one run: {applied:?}",
                    step + 1
                );
            }
        }
        let rows = assert_log_is_the_union_of(&dir, 0, &traces);
        assert_eq!(rows.len(), steps, "one event per step, none twice");
        let quantities: Vec<Value> = rows
            .iter()
            .skip(1)
            .map(|row| serde_json::from_str::<Value>(&row.4).unwrap()["quantity"].clone())
            .collect();
        let asked: Vec<Value> = (0..changes).map(|i| json!(i % 97 + 2)).collect();
        assert_eq!(quantities, asked, "the changes in the scenario's order");
        assert_eq!(crud_rows(&dir)["A1"].3, ((changes - 1) % 97 + 2) as i64);
        let alone = tmp.path().join("alone");
        run_json(&[
            "run",
            path_str(&file),
            "--db-dir",
            path_str(&alone),
            "--format",
            "json",
        ]);
        assert_eq!(
            rows,
            event_rows(&alone),
            "the log of one run alone, hash for hash"
        );
        let applied_by = |trace: &Value| appended_events(trace).len();
        if traces.iter().all(|trace| applied_by(trace) > 0) {
            return;
        }
        eprintln!("note: one run of {changes} changes did every step; trying a longer one");
    }
    panic!("the two runs never overlapped: the race was never exercised");
}

/// Issue 16, item 1, and the kill test of `eslab live`: sessions of a scenario on one folder,
/// the first killed, the second (carrying on) killed too, the third finishing it: the log is
/// the one `eslab run` writes uninterrupted, hash for hash. Then commands typed in two more
/// continued sessions are each stored once, none taken for a step an earlier session did.
#[test]
fn live_sessions_killed_while_carrying_on_finish_exactly_and_run_what_is_typed() {
    for orders in [100, 1_000, 10_000] {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("generated.json");
        let o = orders.to_string();
        write_generated(
            Env::NoBacktrace,
            &file,
            &["--orders", &o, "--changes", "2", "--seed", "7"],
        );
        let (f, fingerprint) = (path_str(&file), fingerprint_of(&file));
        let steps = orders as u64 * 4;
        let reference = tmp.path().join("R");
        run_json(&[
            "run",
            f,
            "--db-dir",
            path_str(&reference),
            "--format",
            "json",
        ]);
        let reference_rows = event_rows(&reference);
        let dir = tmp.path().join("D");
        let d = path_str(&dir);

        let first = spawn(&["live", f, "--db-dir", d], Stdio::null());
        let Some(first_done) = kill_once_done(first, &events_file(&dir), &fingerprint, 1) else {
            eprintln!("note: a session of {steps} steps finished first; trying a longer one");
            continue;
        };
        let second = spawn(&["live", f, "--db-dir", d, "--continue"], Stdio::null());
        let Some(second_done) =
            kill_once_done(second, &events_file(&dir), &fingerprint, first_done + 5)
        else {
            eprintln!("note: a session of {steps} steps finished first; trying a longer one");
            continue;
        };
        assert!(
            second_done < steps,
            "killed after {second_done} of {steps} steps"
        );
        let rows = event_rows(&dir);
        assert_eq!(
            rows[..],
            reference_rows[..rows.len()],
            "a prefix of the reference"
        );
        assert_eq!(verify(&dir).0, Some(0));

        let live = |input: &str| {
            let out = common::eslab_in(Env::NoBacktrace)
                .args(["live", f, "--db-dir", d, "--continue"])
                .write_stdin(input)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout).unwrap()
        };
        let said = live("place Z1 Zed Zip 1 2\n");
        assert!(said.contains("answers Z1 Placed"), "{said}");
        let rows = event_rows(&dir);
        assert_eq!(
            rows[..reference_rows.len()],
            reference_rows[..],
            "the reference log"
        );
        assert_eq!(
            rows.len(),
            reference_rows.len() + 1,
            "and the typed command, once"
        );
        let said = live("pay Z1 2\n");
        assert!(said.contains("Z1 Paid"), "{said}");
        let stored: Vec<(String, String)> = event_rows(&dir)[reference_rows.len()..]
            .iter()
            .map(|row| (row.1.clone(), row.3.clone()))
            .collect();
        assert_eq!(
            stored,
            [
                ("Z1".to_string(), "NewOrderEvent".to_string()),
                ("Z1".to_string(), "OrderPaymentEvent".to_string())
            ]
        );
        assert_eq!(crud_rows(&dir)["Z1"].7, "Paid");
        assert_eq!(verify(&dir).0, Some(0));
        return;
    }
    panic!("every session finished before it could be killed");
}
