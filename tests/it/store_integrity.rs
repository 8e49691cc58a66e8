//! A store eslab wrote stays openable, and what sits beside the log is checked: a log whose
//! last commits live only in its `-wal` (a writer killed, a disk that filled up mid-checkpoint)
//! opens, verifies and carries on; the reading commands read a log in a folder the user cannot
//! write; a snapshot that does not match the log is ignored with a warning, and `verify` says so.

use crate::common;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::common::db::{crud_file, events_file};
use crate::common::{Env, Output, folder_snapshot, path_str, run_in, write_generated};
use rusqlite::Connection;
use serde_json::Value;

/// `eslab ARGS` in the test's own environment less RUST_BACKTRACE; it must not panic.
fn run(args: &[&str]) -> Output {
    let out = run_in(Env::NoBacktrace, args);
    assert!(!out.stderr.contains("panicked"), "eslab {args:?}: {out:?}");
    out
}

#[track_caller]
fn json_of(args: &[&str]) -> Value {
    let out = run(args);
    assert_eq!(out.code, Some(0), "{}", out.describe(args));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn wal_file(dir: &Path) -> PathBuf {
    dir.join("events.sqlite3-wal")
}

/// The pages of a WAL file, the latest committed copy of each, by page number.
fn wal_pages(wal: &[u8]) -> (usize, std::collections::BTreeMap<u32, Vec<u8>>) {
    let page_size = u32::from_be_bytes(wal[8..12].try_into().unwrap()) as usize;
    let mut pages = std::collections::BTreeMap::new();
    let mut pending = Vec::new();
    let mut offset = 32;
    while offset + 24 + page_size <= wal.len() {
        let page = u32::from_be_bytes(wal[offset..offset + 4].try_into().unwrap());
        let commit = u32::from_be_bytes(wal[offset + 4..offset + 8].try_into().unwrap());
        pending.push((page, wal[offset + 24..offset + 24 + page_size].to_vec()));
        if commit != 0 {
            pages.extend(pending.drain(..));
        }
        offset += 24 + page_size;
    }
    (page_size, pages)
}

/// A folder like one a writer left when the disk filled up during a checkpoint: its log's
/// last commits live only in `events.sqlite3-wal`, and the checkpoint, which copies pages
/// into the file in ascending order, got as far as page 1. The file alone is then not a
/// consistent database; with its WAL it is. Returns the folder (inside `tmp`) and how many
/// events were committed.
fn log_living_in_its_wal(tmp: &Path) -> (PathBuf, i64) {
    let original = tmp.join("original");
    let out = run(&["run", "many-customers", "--db-dir", path_str(&original)]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    // Another connection stays open on the log, so the writer's close is not the last one
    // and leaves its commits in the WAL, as a killed writer does.
    let holder = Connection::open(events_file(&original)).unwrap();
    holder
        .query_row("SELECT count(*) FROM events", [], |r| r.get::<_, i64>(0))
        .unwrap();
    let more = tmp.join("more.json");
    write_generated(
        Env::NoBacktrace,
        &more,
        &["--orders", "40", "--changes", "3"],
    );
    let args = [
        "run",
        path_str(&more),
        "--db-dir",
        path_str(&original),
        "--continue",
        "--format",
        "json",
    ];
    let out = run(&args);
    assert_eq!(out.code, Some(0), "{}", out.describe(&args));
    let committed: i64 = holder
        .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
        .unwrap();
    assert!(committed > 100, "{committed}");

    let left = tmp.join("left");
    std::fs::create_dir(&left).unwrap();
    for file in [events_file(&original), wal_file(&original)] {
        std::fs::copy(&file, left.join(file.file_name().unwrap())).unwrap();
    }
    drop(holder);
    let wal = std::fs::read(wal_file(&left)).unwrap();
    let (page_size, pages) = wal_pages(&wal);
    let first = pages.get(&1).expect("the WAL holds page 1");
    let mut file = std::fs::read(events_file(&left)).unwrap();
    file[..page_size].copy_from_slice(first);
    std::fs::write(events_file(&left), file).unwrap();

    // The file on its own, as an `immutable` connection reads it, is not readable…
    let alone = Connection::open_with_flags(
        format!("file:{}?immutable=1", events_file(&left).display()),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI,
    )
    .unwrap();
    let error = alone
        .query_row("SELECT count(*) FROM events", [], |r| r.get::<_, i64>(0))
        .unwrap_err()
        .to_string();
    assert!(error.contains("malformed"), "{error}");
    // …while SQLite, reading its WAL too, finds every commit intact (on a copy: this test
    // must not be what repairs it).
    let check = tmp.join("check");
    std::fs::create_dir(&check).unwrap();
    for file in [events_file(&left), wal_file(&left)] {
        std::fs::copy(&file, check.join(file.file_name().unwrap())).unwrap();
    }
    let sqlite = Connection::open(events_file(&check)).unwrap();
    let (count, integrity): (i64, String) = (
        sqlite
            .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
            .unwrap(),
        sqlite
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap(),
    );
    assert_eq!((count, integrity.as_str()), (committed, "ok"));
    (left, committed)
}

#[test]
fn a_log_whose_last_commits_live_in_its_wal_opens_verifies_and_continues() {
    let tmp = tempfile::tempdir().unwrap();
    let (left, committed) = log_living_in_its_wal(tmp.path());
    let d = path_str(&left);

    let verdict = json_of(&["verify", "--db-dir", d, "--format", "json"]);
    assert_eq!(verdict["holds"], true, "{verdict}");
    assert_eq!(verdict["events"], committed, "{verdict}");
    let log = json_of(&["log", "--db-dir", d, "--format", "json"]);
    assert_eq!(log["events"].as_array().unwrap().len() as i64, committed);
    assert_eq!(
        log["events"].as_array().unwrap().last().unwrap()["hash"],
        verdict["head"]
    );
    json_of(&["replay", "--db-dir", d, "--format", "json"]);

    // And a run carries on from it, on the chain the WAL holds.
    let more = common::write_scenario(
        tmp.path(),
        "again.json",
        &serde_json::json!({"title": "One more order", "steps": [
            common::place_order("AFTER1", "Wal", 2, "3.00")
        ]}),
    );
    let out = run(&[
        "run",
        path_str(&more),
        "--db-dir",
        d,
        "--continue",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let after = json_of(&["verify", "--db-dir", d, "--format", "json"]);
    assert_eq!(after["holds"], true, "{after}");
    assert!(after["events"].as_i64().unwrap() > committed, "{after}");
}

/// Runs `eslab ARGS` as a user who cannot write `dir`: as root (where permissions do not
/// stop writes, as in CI) through `setpriv` as `nobody`; as anyone else, as themselves, once
/// `dir` and its files are made read-only.
fn run_unable_to_write(dir: &Path, args: &[&str]) -> Output {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|out| out.stdout == b"0\n")
        .unwrap_or(false);
    let eslab = assert_cmd::cargo::cargo_bin!("eslab");
    let mut command = if root {
        let mut setpriv = std::process::Command::new("setpriv");
        setpriv
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(eslab);
        setpriv
    } else {
        std::process::Command::new(eslab)
    };
    let out: Output = common::spawn_tool(
        command
            .args(args)
            .env_remove("RUST_BACKTRACE")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped()),
    )
    .wait_with_output()
    .unwrap()
    .into();
    assert!(!out.stderr.contains("panicked"), "eslab {args:?}: {out:?}");
    out
}

#[test]
fn reading_commands_read_a_log_in_a_folder_this_user_cannot_write() {
    let tmp = tempfile::tempdir().unwrap();
    // `nobody` must be able to reach the folders.
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let (left, _) = log_living_in_its_wal(tmp.path());
    let finished = tmp.path().join("original");
    assert!(!wal_file(&finished).exists());
    // A finished log, and one whose last commits live in its WAL (no `-shm` beside it).
    for (name, source) in [("finished", &finished), ("in-wal", &left)] {
        let dir = tmp.path().join(format!("read-only-{name}"));
        std::fs::create_dir(&dir).unwrap();
        for file in [events_file(source), wal_file(source), crud_file(source)] {
            if file.exists() {
                std::fs::copy(&file, dir.join(file.file_name().unwrap())).unwrap();
            }
        }
        let d = path_str(&dir);
        let commands: [&[&str]; 3] = [
            &["verify", "--db-dir", d, "--format", "json"],
            &["log", "--db-dir", d, "--format", "json"],
            &["replay", "--db-dir", d, "--format", "json"],
        ];
        // What a user who can write the folder is told, on a copy.
        let writable = tmp.path().join(format!("writable-{name}"));
        std::fs::create_dir(&writable).unwrap();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, writable.join(path.file_name().unwrap())).unwrap();
        }
        let before = folder_snapshot(&dir);
        for args in commands {
            let out = run_unable_to_write(&dir, args);
            assert_eq!(out.code, Some(0), "{name}: {}", out.describe(args));
            let mut same = args.to_vec();
            same[2] = path_str(&writable);
            let expected = json_of(&same);
            let read: Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(read, expected, "{name}: eslab {args:?}");
        }
        // Carrying on writes: refused, saying what can read it instead.
        let live = ["live", "--db-dir", d, "--continue", "--empty"];
        let out = run_unable_to_write(&dir, &live);
        assert_eq!(out.code, Some(2), "{name}: {}", out.describe(&live));
        assert!(out.stderr.contains("cannot write"), "{}", out.stderr);
        assert_eq!(folder_snapshot(&dir), before, "{name}: the folder changed");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

// ---------------------------------------------------------------------------------------
// Snapshots are sealed to the log

/// A folder where Bob's order (A1, 5 × $30 = $150) was placed, snapshotted at event 1 and
/// changed after: its snapshot table holds one snapshot, at checkpoint 1.
fn log_with_a_snapshot(tmp: &Path) -> PathBuf {
    let dir = tmp.join("db");
    let scenario = common::write_scenario(
        tmp,
        "first.json",
        &serde_json::json!({"title": "snapshot", "first_event_id": 1, "steps": [
            common::place_order("A1", "Bob", 5, "30.00"),
            {"snapshot": {}},
            {"change_quantity": {"order_id": "A1", "quantity": 6}},
        ]}),
    );
    let args = [
        "run",
        path_str(&scenario),
        "--db-dir",
        path_str(&dir),
        "--format",
        "json",
    ];
    let out = run(&args);
    assert_eq!(out.code, Some(0), "{}", out.describe(&args));
    let checkpoints: Vec<i64> = common::db::select(
        &events_file(&dir),
        "SELECT checkpoint FROM snapshots",
        |r| r.get(0),
    );
    assert_eq!(checkpoints, [1]);
    dir
}

/// Runs, on the folder, a view crash, a rebuild and a query of A1, and returns the rebuild's
/// ES result and the query's results by design.
fn rebuild_and_query(tmp: &Path, dir: &Path) -> (Value, Value, Value) {
    let scenario = common::write_scenario(
        tmp,
        "rebuild.json",
        &serde_json::json!({"title": "rebuild", "steps": [
            {"crash_view": {}},
            {"rebuild_view": {}},
            {"query": {"order_id": "A1"}},
        ]}),
    );
    let args = [
        "run",
        path_str(&scenario),
        "--db-dir",
        path_str(dir),
        "--continue",
        "--format",
        "json",
    ];
    let out = run(&args);
    assert_eq!(out.code, Some(0), "{}", out.describe(&args));
    let run: Value = serde_json::from_slice(&out.stdout).unwrap();
    let es = common::results_of(&run, "es");
    let crud = common::results_of(&run, "crud");
    (
        es[1].clone(),
        es[2]["state"].clone(),
        crud[2]["state"].clone(),
    )
}

#[test]
fn a_snapshot_that_matches_the_log_is_used_and_verified() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = log_with_a_snapshot(tmp.path());
    let verdict = json_of(&["verify", "--db-dir", path_str(&dir), "--format", "json"]);
    assert_eq!(verdict["holds"], true, "{verdict}");
    let snapshots = verdict["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "snapshots match the log")
        .unwrap();
    assert_eq!(snapshots["holds"], true);
    let (rebuilt, es, crud) = rebuild_and_query(tmp.path(), &dir);
    assert_eq!(rebuilt["snapshot"]["checkpoint"], 1, "{rebuilt}");
    assert_eq!(rebuilt["ignored_snapshot"], Value::Null, "{rebuilt}");
    assert_eq!(es["total"], "180.00");
    assert_eq!(es["total"], crud["total"]);
}

/// Each way of spoiling the snapshot: the SQL, and the fault a rebuild reports.
const SPOILED: [(&str, &str); 4] = [
    // An edited customer and price: the view would answer $6.00 where CRUD says $180.00.
    (
        "UPDATE snapshots SET orders = \
         replace(replace(replace(orders, 'Bob', 'Eve'), '\"30.00\"', '\"1.00\"'), '150.00', '5.00')",
        "edited",
    ),
    // Moved past the log's end: the view would wait for event 999 and never apply another.
    ("UPDATE snapshots SET checkpoint = 999", "no_such_event"),
    // Garbled: the rebuild would abort the run.
    ("UPDATE snapshots SET orders = '[{\"garbled'", "edited"),
    // Its seal removed, to pass the edit off as an old snapshot.
    (
        "UPDATE snapshots SET orders = replace(orders, '150.00', '5.00'), head = NULL, digest = NULL",
        "unsealed",
    ),
];

#[test]
fn a_snapshot_that_does_not_match_the_log_is_ignored_with_a_warning_and_verify_says_so() {
    for (sql, fault) in SPOILED {
        let tmp = tempfile::tempdir().unwrap();
        let dir = log_with_a_snapshot(tmp.path());
        let db = Connection::open(events_file(&dir)).unwrap();
        let orders = |db: &Connection| -> String {
            db.query_row("SELECT orders FROM snapshots", [], |r| r.get(0))
                .unwrap()
        };
        let before = orders(&db);
        db.execute_batch(sql).unwrap();
        if sql.contains("orders =") {
            assert_ne!(orders(&db), before, "{sql} changed nothing");
        }
        drop(db);
        let d = path_str(&dir);

        // verify: the log holds, the snapshot does not; exit 1, and not called intact.
        let args = ["verify", "--db-dir", d, "--format", "json"];
        let out = run(&args);
        assert_eq!(out.code, Some(1), "{sql}: {}", out.describe(&args));
        let verdict: Value = serde_json::from_slice(&out.stdout).unwrap();
        for check in verdict["checks"].as_array().unwrap() {
            let snapshots = check["name"] == "snapshots match the log";
            assert_eq!(check["holds"], !snapshots, "{sql}: {check}");
        }
        let text = run(&["verify", "--db-dir", d]);
        let last = String::from_utf8_lossy(&text.stdout)
            .trim_end()
            .lines()
            .last()
            .unwrap()
            .to_string();
        assert!(last.starts_with("broken"), "{sql}: {last}");
        // What reads the log is not refused: a rebuild ignores the snapshot.
        json_of(&["replay", "--db-dir", d, "--format", "json"]);

        // A rebuild replays the whole log instead, says why, and agrees with CRUD.
        let (rebuilt, es, crud) = rebuild_and_query(tmp.path(), &dir);
        assert_eq!(rebuilt["snapshot"], Value::Null, "{sql}: {rebuilt}");
        assert_eq!(rebuilt["replayed"], 2, "{sql}: {rebuilt}");
        let ignored = &rebuilt["ignored_snapshot"];
        assert_eq!(ignored["fault"], fault, "{sql}: {rebuilt}");
        let said = common::said(&rebuilt);
        assert!(said.contains("was ignored"), "{sql}: {said}");
        assert_eq!(
            (&es["customer"], &es["total"]),
            (&crud["customer"], &crud["total"])
        );
        assert_eq!(es["total"], "180.00", "{sql}");
    }
}

/// A snapshot taken before snapshots were sealed (a log from an older eslab): no rebuild
/// uses it, but while it equals the log where it was taken, verify holds.
#[test]
fn an_unsealed_snapshot_equal_to_the_log_is_not_used_but_passes_verify() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = log_with_a_snapshot(tmp.path());
    let db = Connection::open(events_file(&dir)).unwrap();
    db.execute_batch("UPDATE snapshots SET head = NULL, digest = NULL")
        .unwrap();
    drop(db);
    let verdict = json_of(&["verify", "--db-dir", path_str(&dir), "--format", "json"]);
    assert_eq!(verdict["holds"], true, "{verdict}");
    let check = verdict["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "snapshots match the log")
        .unwrap();
    assert!(
        check["detail"].as_str().unwrap().contains("1 taken before"),
        "{check}"
    );
    let (rebuilt, es, crud) = rebuild_and_query(tmp.path(), &dir);
    assert_eq!(
        rebuilt["ignored_snapshot"]["fault"], "unsealed",
        "{rebuilt}"
    );
    assert_eq!(es["total"], crud["total"]);
}
