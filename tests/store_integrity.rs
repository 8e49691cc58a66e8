//! A store eslab wrote stays openable, and what sits beside the log is checked: a log whose
//! last commits live only in its `-wal` (a writer killed, a disk that filled up mid-checkpoint)
//! opens, verifies and carries on; the reading commands read a log in a folder the user cannot
//! write; a snapshot that does not match the log is ignored with a warning, and `verify` says so.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::db::events_file;
use common::{Env, Output, folder_snapshot, path_str, run_in, write_generated};
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
        for file in [events_file(source), wal_file(source)] {
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
        assert_eq!(folder_snapshot(&dir), before, "{name}: the folder changed");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}
