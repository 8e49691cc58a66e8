//! Tamper evidence: a log edited behind eslab's back — with SQL, on a copy of a database made
//! by `eslab run many-customers --db-dir D` (events 5001–5007) — is caught by `eslab verify`,
//! which names the first bad event; an intact log verifies; and reading a log (`verify`,
//! `log`, `replay`) never changes a byte of its folder, tampered or not.

use crate::common;
use std::path::{Path, PathBuf};

use crate::common::db::{EventRow, events_file, read_events, select};
use crate::common::{Env, Output, folder_snapshot, path_str, run_in};
use rusqlite::Connection;
use serde_json::Value;

// ---------------------------------------------------------------------------------------
// Helpers

/// The schema eslab creates: the triggers are recreated from it exactly.
const SCHEMA_SQL: &str = include_str!("../../src/es/schema.sql");

/// `eslab ARGS` in the test's own environment less RUST_BACKTRACE; it must not panic.
fn run(args: &[&str]) -> Output {
    let out = run_in(Env::NoBacktrace, args);
    assert!(!out.stderr.contains("panicked"), "eslab {args:?}: {out:?}");
    out
}

/// A folder holding the log of `eslab run many-customers` (events 5001–5007), and a copy of
/// it to tamper with. Keep the TempDir alive while using the paths.
struct Fixture {
    _tmp: tempfile::TempDir,
    original: PathBuf,
    copy: PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        let original = tmp.path().join("original");
        let out = run(&["run", "many-customers", "--db-dir", path_str(&original)]);
        assert_eq!(out.code, Some(0), "{}", out.stderr);
        let copy = tmp.path().join("copy");
        std::fs::create_dir(&copy).unwrap();
        for entry in std::fs::read_dir(&original).unwrap() {
            let path = entry.unwrap().path();
            assert!(
                !path.to_string_lossy().ends_with("-wal"),
                "a finished run leaves no WAL: {path:?}"
            );
            std::fs::copy(&path, copy.join(path.file_name().unwrap())).unwrap();
        }
        Fixture {
            _tmp: tmp,
            original,
            copy,
        }
    }

    fn events(&self) -> PathBuf {
        events_file(&self.copy)
    }

    /// Runs SQL on the copy's log, as anyone with the file could.
    fn tamper(&self, sql: &str) {
        let db = Connection::open(self.events()).unwrap();
        db.execute_batch(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// The copy's rows: (event_id, stream_id, stream_version, event_type, payload, hash).
    fn rows(&self) -> Vec<EventRow> {
        read_events(&self.events())
    }
}

/// `eslab verify --format json` on a folder: exit code and verdict. Reading it must leave
/// the folder exactly as it was, as must `log` and `replay`.
fn verify(dir: &Path) -> (Option<i32>, Value) {
    let before = folder_snapshot(dir);
    let out = run(&["verify", "--db-dir", path_str(dir), "--format", "json"]);
    let verdict: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("verify prints JSON ({e}): {out:?}"));
    assert_eq!(verdict["holds"], out.code == Some(0), "{verdict}");
    for args in [
        vec!["log", "--db-dir", path_str(dir), "--format", "json"],
        vec!["log", "--db-dir", path_str(dir)],
        vec!["replay", "--db-dir", path_str(dir), "--format", "json"],
        vec!["verify", "--db-dir", path_str(dir)],
    ] {
        let out = run(&args);
        assert!(matches!(out.code, Some(0..=2)), "{args:?}: {out:?}");
    }
    assert_eq!(
        folder_snapshot(dir),
        before,
        "verify, log or replay changed the folder"
    );
    (out.code, verdict)
}

/// The check whose name contains `needle`.
fn check<'a>(verdict: &'a Value, needle: &str) -> &'a Value {
    verdict["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["name"].as_str().unwrap().contains(needle))
        .unwrap_or_else(|| panic!("no check named like {needle:?} in {verdict}"))
}

/// Asserts a tampered log fails verification (exit 1), first at `event_id`.
#[track_caller]
fn assert_caught(verdict: &(Option<i32>, Value), event_id: i64) {
    let (code, verdict) = verdict;
    assert_eq!(*code, Some(1), "{verdict}");
    assert_eq!(verdict["holds"], false, "{verdict}");
    assert_eq!(verdict["first_bad_event"], event_id, "{verdict}");
}

/// Asserts one check fails, first at `event_id` (`None`: a check of no event).
#[track_caller]
fn assert_fails(verdict: &Value, needle: &str, event_id: Option<i64>) {
    let check = check(verdict, needle);
    assert_eq!(check["holds"], false, "{check}");
    assert_eq!(
        check["first_bad_event"],
        serde_json::json!(event_id),
        "{check}"
    );
}

#[track_caller]
fn assert_holds(verdict: &Value, needle: &str) {
    let check = check(verdict, needle);
    assert_eq!(check["holds"], true, "{check}");
    assert_eq!(check["first_bad_event"], Value::Null, "{check}");
}

/// The schema's trigger on `operation` ("UPDATE" or "DELETE"): its name and its full
/// `CREATE TRIGGER … END;` statement, exactly as in src/es/schema.sql.
fn trigger(operation: &str) -> (String, String) {
    let mut rest = SCHEMA_SQL;
    while let Some(start) = rest.find("CREATE TRIGGER") {
        let end = rest[start..]
            .find("END;")
            .expect("a trigger ends with END;")
            + start
            + 4;
        let statement = &rest[start..end];
        if statement.contains(&format!("BEFORE {operation} ON events")) {
            let name = statement["CREATE TRIGGER".len()..]
                .split_whitespace()
                .next()
                .unwrap();
            return (name.to_string(), statement.to_string());
        }
        rest = &rest[end..];
    }
    panic!("src/es/schema.sql has no trigger BEFORE {operation} ON events");
}

fn drop_trigger(operation: &str) -> String {
    format!("DROP TRIGGER {};", trigger(operation).0)
}

// ---------------------------------------------------------------------------------------
// The triggers refuse what verify would otherwise have to catch

#[test]
fn the_triggers_refuse_update_and_delete() {
    let fixture = Fixture::new();
    let before = fixture.rows();
    let db = Connection::open(fixture.events()).unwrap();
    for sql in [
        "UPDATE events SET payload = '{\"quantity\":7}' WHERE event_id = 5003",
        "DELETE FROM events WHERE event_id = 5004",
        "UPDATE events SET event_id = event_id + 1000",
    ] {
        let error = db.execute(sql, []).unwrap_err().to_string();
        assert!(error.contains("append-only"), "{sql}: {error}");
    }
    drop(db);
    assert_eq!(fixture.rows(), before);
}

// ---------------------------------------------------------------------------------------
// (e) An intact log

#[test]
fn an_intact_log_verifies_and_its_head_is_the_last_hash() {
    let fixture = Fixture::new();
    let (code, verdict) = verify(&fixture.copy);
    assert_eq!(code, Some(0), "{verdict}");
    assert_eq!(verdict["holds"], true);
    assert_eq!(verdict["first_bad_event"], Value::Null);
    assert_eq!(verdict["events"], 7);
    for check in verdict["checks"].as_array().unwrap() {
        assert_eq!(check["holds"], true, "{check}");
    }
    let log = run(&[
        "log",
        "--db-dir",
        path_str(&fixture.copy),
        "--format",
        "json",
    ]);
    assert_eq!(log.code, Some(0), "{}", log.stderr);
    let log: Value = serde_json::from_slice(&log.stdout).unwrap();
    let events = log["events"].as_array().unwrap();
    let ids: Vec<i64> = events
        .iter()
        .map(|e| e["event_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, (5001..=5007).collect::<Vec<_>>());
    assert_eq!(verdict["head"], events.last().unwrap()["hash"]);
    assert_eq!(
        verdict["head"].as_str().unwrap(),
        hex::encode(&fixture.rows().last().unwrap().5)
    );
}

// ---------------------------------------------------------------------------------------
// (a) An edited payload

#[test]
fn an_edited_payload_breaks_the_chain_at_that_event() {
    let fixture = Fixture::new();
    fixture.tamper(&format!(
        "{} UPDATE events SET payload = '{{\"quantity\":7}}' WHERE event_id = 5003;",
        drop_trigger("UPDATE")
    ));
    assert_eq!(
        fixture.rows()[2].4,
        r#"{"quantity":7}"#,
        "the edit is stored"
    );
    let verdict = verify(&fixture.copy);
    assert_caught(&verdict, 5003);
    let verdict = &verdict.1;
    assert_fails(verdict, "chain", Some(5003));
    assert_fails(verdict, "triggers", None);
    assert!(
        check(verdict, "triggers")["detail"]
            .as_str()
            .unwrap()
            .contains("UPDATE"),
        "{verdict}"
    );
    // The edit itself is well-formed: ids, versions and payloads still hold.
    assert_holds(verdict, "ids");
    assert_holds(verdict, "versions");
    assert_holds(verdict, "payload");
    // The original, never touched, still verifies.
    assert_eq!(verify(&fixture.original).0, Some(0));
}

/// The same edit through the real `sqlite3` shell, as someone would do it by hand.
#[test]
fn an_edit_made_with_the_sqlite3_shell_is_caught() {
    let fixture = Fixture::new();
    let sql = format!(
        "{} UPDATE events SET payload = '{{\"quantity\":7}}' WHERE event_id = 5003;",
        drop_trigger("UPDATE")
    );
    let shell = common::spawn_tool(
        std::process::Command::new("sqlite3")
            .arg(fixture.events())
            .arg(&sql)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped()),
    )
    .wait_with_output()
    .expect("sqlite3 runs to its end");
    assert!(
        shell.status.success(),
        "sqlite3: {}",
        String::from_utf8_lossy(&shell.stderr)
    );
    assert_eq!(fixture.rows()[2].4, r#"{"quantity":7}"#);
    let verdict = verify(&fixture.copy);
    assert_caught(&verdict, 5003);
    assert_fails(&verdict.1, "chain", Some(5003));
    assert_fails(&verdict.1, "triggers", None);
}

// ---------------------------------------------------------------------------------------
// (b) A deleted event

#[test]
fn a_deleted_event_is_named_by_the_event_after_it() {
    let fixture = Fixture::new();
    fixture.tamper(&format!(
        "{} DELETE FROM events WHERE event_id = 5004;",
        drop_trigger("DELETE")
    ));
    assert_eq!(fixture.rows().len(), 6);
    let verdict = verify(&fixture.copy);
    assert_caught(&verdict, 5005);
    let verdict = &verdict.1;
    assert_fails(verdict, "ids", Some(5005));
    assert_fails(verdict, "chain", Some(5005));
    assert_fails(verdict, "triggers", None);
    assert!(
        check(verdict, "triggers")["detail"]
            .as_str()
            .unwrap()
            .contains("DELETE"),
        "{verdict}"
    );
    // F9's stream lost its version 1 (event 5004): its next event is out of sequence.
    assert_fails(verdict, "versions", Some(5006));
}

// ---------------------------------------------------------------------------------------
// (c) Two events swapped

#[test]
fn two_swapped_events_are_named_by_the_first_moved_id() {
    let fixture = Fixture::new();
    let (_, update_trigger) = trigger("UPDATE");
    fixture.tamper(&format!(
        "{}
         UPDATE events SET event_id = -1 WHERE event_id = 5002;
         UPDATE events SET event_id = 5002 WHERE event_id = 5003;
         UPDATE events SET event_id = 5003 WHERE event_id = -1;
         {update_trigger}",
        drop_trigger("UPDATE")
    ));
    let rows = fixture.rows();
    assert_eq!((rows[1].1.as_str(), rows[1].2), ("B7", 2), "swapped");
    assert_eq!((rows[2].1.as_str(), rows[2].2), ("E3", 1), "swapped");
    let verdict = verify(&fixture.copy);
    assert_caught(&verdict, 5002);
    let verdict = &verdict.1;
    assert_fails(verdict, "chain", Some(5002));
    // Everything else about the swapped log looks fine: only the chain can tell.
    for needle in ["ids", "versions", "payload", "triggers", "replay"] {
        assert_holds(verdict, needle);
    }
}

// ---------------------------------------------------------------------------------------
// (d) An edit with the triggers put back exactly as they were

#[test]
fn an_edit_hidden_by_recreating_the_triggers_is_still_caught() {
    let fixture = Fixture::new();
    let (_, update_trigger) = trigger("UPDATE");
    let (_, delete_trigger) = trigger("DELETE");
    let triggers_before: Vec<(String, String)> = select(
        &fixture.events(),
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name",
        |r| Ok((r.get(0)?, r.get(1)?)),
    );
    fixture.tamper(&format!(
        "{} {}
         UPDATE events SET payload = '{{\"reason\":\"customer asked\"}}' WHERE event_id = 5006;
         {update_trigger}
         {delete_trigger}",
        drop_trigger("UPDATE"),
        drop_trigger("DELETE")
    ));
    let triggers_after: Vec<(String, String)> = select(
        &fixture.events(),
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name",
        |r| Ok((r.get(0)?, r.get(1)?)),
    );
    assert_eq!(
        triggers_after, triggers_before,
        "the triggers are back exactly"
    );
    let verdict = verify(&fixture.copy);
    assert_caught(&verdict, 5006);
    assert_fails(&verdict.1, "chain", Some(5006));
    assert_holds(&verdict.1, "triggers");
}

// ---------------------------------------------------------------------------------------
// (f) A payload that no longer decodes

#[test]
fn a_payload_that_does_not_decode_is_named() {
    for (payload, event_id) in [
        (r#"{"quantity":"many"}"#, 5003),
        ("not json at all", 5003),
        (r#"{"amount":"12.50","extra":1}"#, 5005),
        ("", 5007),
    ] {
        let fixture = Fixture::new();
        fixture.tamper(&format!(
            "{} UPDATE events SET payload = '{payload}' WHERE event_id = {event_id};",
            drop_trigger("UPDATE")
        ));
        let verdict = verify(&fixture.copy);
        assert_caught(&verdict, event_id);
        let verdict = &verdict.1;
        assert_fails(verdict, "payload", Some(event_id));
        assert!(
            check(verdict, "payload")["detail"]
                .as_str()
                .unwrap()
                .contains(&event_id.to_string()),
            "{verdict}"
        );
        assert_fails(verdict, "chain", Some(event_id));
        assert_fails(verdict, "replay", Some(event_id));
        // `log` refuses such a log, naming the event.
        let log = run(&["log", "--db-dir", path_str(&fixture.copy)]);
        assert_eq!(log.code, Some(1), "{log:?}");
        assert!(
            log.stderr
                .contains(&format!("the first bad event is {event_id}")),
            "{log:?}"
        );
        // Trusted, it cannot show such a row: it says which one, and fails cleanly.
        let log = run(&["log", "--db-dir", path_str(&fixture.copy), "--trust"]);
        if log.code != Some(0) {
            assert_eq!(log.code, Some(2), "{log:?}");
            assert!(log.stderr.contains(&event_id.to_string()), "{log:?}");
        }
        // As JSON, written as it is read, the document is still whole: it says where it
        // stopped and why.
        let args = [
            "log",
            "--db-dir",
            path_str(&fixture.copy),
            "--trust",
            "--format",
            "json",
        ];
        let log = run(&args);
        let document: Value = serde_json::from_slice(&log.stdout)
            .unwrap_or_else(|e| panic!("not one JSON document ({e}): {}", log.describe(&args)));
        if log.code != Some(0) {
            assert_eq!(log.code, Some(2), "{log:?}");
            let stopped = &document["stopped"];
            assert_eq!(
                stopped["after_event"],
                document["events"].as_array().unwrap().len()
            );
            assert!(
                stopped["error"]
                    .as_str()
                    .unwrap()
                    .contains(&event_id.to_string()),
                "{document}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// More edits: the hash column itself, and what only the head can show

#[test]
fn an_edited_hash_breaks_the_chain_once_where_it_is() {
    let fixture = Fixture::new();
    fixture.tamper(&format!(
        "{} UPDATE events SET hash = zeroblob(32) WHERE event_id = 5004;",
        drop_trigger("UPDATE")
    ));
    let verdict = verify(&fixture.copy);
    assert_caught(&verdict, 5004);
    let chain = check(&verdict.1, "chain");
    assert_eq!(chain["first_bad_event"], 5004, "{chain}");
    assert!(
        chain["detail"].as_str().unwrap().contains("5004"),
        "{chain}"
    );
}

/// A log rewritten whole — every hash recomputed after an edit — or cut short at its end is
/// internally consistent: verify cannot see it, which is what the head is for. The head
/// written down before differs from the head after.
#[test]
fn a_rewritten_or_shortened_log_shows_only_in_its_head() {
    let fixture = Fixture::new();
    let (code, verdict) = verify(&fixture.copy);
    assert_eq!(code, Some(0));
    let head = verdict["head"].as_str().unwrap().to_string();

    // Rewrite: edit 5003 and recompute every hash from there on, as a careful forger would.
    let (_, update_trigger) = trigger("UPDATE");
    fixture.tamper(&format!(
        "{} UPDATE events SET payload = '{{\"quantity\":7}}' WHERE event_id = 5003;",
        drop_trigger("UPDATE")
    ));
    let mut previous = eslab::chain::GENESIS;
    let db = Connection::open(fixture.events()).unwrap();
    for (id, stream, version, event_type, payload, _) in fixture.rows() {
        // The envelope beyond the first one (shape, who and when) is hashed too.
        let (shape, metadata): (i64, [Option<String>; 4]) = db
            .query_row(
                "SELECT schema_version, recorded_at, actor, causation_id, correlation_id \
                 FROM events WHERE event_id = ?1",
                [id],
                |r| Ok((r.get(0)?, [r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?])),
            )
            .unwrap();
        let extension =
            eslab::event_extension(shape, &[0, 1, 2, 3].map(|i| metadata[i].as_deref()));
        previous = eslab::chain::link(
            &previous,
            id,
            &stream,
            version,
            &event_type,
            &payload,
            extension.as_deref(),
        );
        db.execute(
            "UPDATE events SET hash = ?1 WHERE event_id = ?2",
            rusqlite::params![previous.as_slice(), id],
        )
        .unwrap();
    }
    db.execute_batch(&update_trigger).unwrap();
    drop(db);
    let (code, rewritten) = verify(&fixture.copy);
    // Payment 5007 of $60 no longer matches 7 × $10, yet replay does not judge payments.
    assert_eq!(
        code,
        Some(0),
        "a consistent rewrite passes every check: {rewritten}"
    );
    assert_ne!(
        rewritten["head"].as_str().unwrap(),
        head,
        "but not the head"
    );

    // Shorten: drop the last event, and put the trigger back.
    let fixture = Fixture::new();
    let (_, delete_trigger) = trigger("DELETE");
    fixture.tamper(&format!(
        "{} DELETE FROM events WHERE event_id = 5007; {delete_trigger}",
        drop_trigger("DELETE")
    ));
    let (code, shortened) = verify(&fixture.copy);
    assert_eq!(shortened["events"], 6);
    assert_eq!(
        code,
        Some(0),
        "a log cut at its end passes every check: {shortened}"
    );
    assert_ne!(
        shortened["head"].as_str().unwrap(),
        head,
        "but not the head"
    );
}

// ---------------------------------------------------------------------------------------
// (g) Reading never writes

#[test]
fn reading_a_tampered_log_leaves_its_folder_byte_for_byte() {
    // `verify` (the helper) snapshots the folder around verify, log and replay; here every
    // kind of damage above, plus a log whose triggers are both gone, goes through it.
    let fixture = Fixture::new();
    fixture.tamper(&format!(
        "{} {} DELETE FROM events WHERE event_id = 5002;
         UPDATE events SET stream_version = 9 WHERE event_id = 5005;",
        drop_trigger("UPDATE"),
        drop_trigger("DELETE")
    ));
    let files_before: Vec<PathBuf> = folder_snapshot(&fixture.copy).into_keys().collect();
    let verdict = verify(&fixture.copy);
    assert_caught(&verdict, 5003);
    assert_fails(&verdict.1, "versions", Some(5005));
    let files_after: Vec<PathBuf> = folder_snapshot(&fixture.copy).into_keys().collect();
    assert_eq!(files_after, files_before, "no -wal, -shm or journal left");
    assert_eq!(verify(&fixture.original).0, Some(0));
}

// ---------------------------------------------------------------------------------------
// (h) What reads the log as true refuses one that does not verify, unless trusted

/// Asserts `eslab ARGS` refused the log: exit 1, nothing on stdout, the reason on stderr.
#[track_caller]
fn assert_refused(args: &[&str], problem: &str) {
    let out = run(args);
    assert_eq!(out.code, Some(1), "eslab {args:?}: {out:?}");
    assert!(out.stdout.is_empty(), "eslab {args:?} printed: {out:?}");
    for needle in [
        "does not verify",
        problem,
        "eslab verify --db-dir",
        "--trust",
    ] {
        assert!(out.stderr.contains(needle), "{needle:?} in {}", out.stderr);
    }
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
}

#[test]
fn log_replay_and_continue_refuse_a_tampered_log_unless_trusted() {
    let fixture = Fixture::new();
    fixture.tamper(&format!(
        "{} UPDATE events SET payload = '{{\"quantity\":7}}' WHERE event_id = 5003;",
        drop_trigger("UPDATE")
    ));
    let d = path_str(&fixture.copy);
    let before = folder_snapshot(&fixture.copy);
    let first_bad = "the first bad event is 5003: stored hash";
    assert_refused(&["log", "--db-dir", d], first_bad);
    assert_refused(&["log", "--db-dir", d, "--format", "json"], first_bad);
    assert_refused(&["replay", "--db-dir", d], first_bad);
    assert_refused(&["replay", "--db-dir", d, "--until", "5002"], first_bad);
    for command in ["run", "diff"] {
        assert_refused(
            &[command, "many-customers", "--db-dir", d, "--continue"],
            first_bad,
        );
    }
    assert_eq!(
        folder_snapshot(&fixture.copy),
        before,
        "a refused --continue writes nothing"
    );

    // Trusted, the edit is read as stored.
    let log = run(&["log", "--db-dir", d, "--trust", "--format", "json"]);
    assert_eq!(log.code, Some(0), "{log:?}");
    let log: Value = serde_json::from_slice(&log.stdout).unwrap();
    assert_eq!(log["events"][2]["event_id"], 5003);
    assert_eq!(log["events"][2]["payload"]["quantity"], 7, "{log}");
    let replay = run(&["replay", "--db-dir", d, "--trust", "--format", "json"]);
    assert_eq!(replay.code, Some(0), "{replay:?}");
    let replay: Value = serde_json::from_slice(&replay.stdout).unwrap();
    assert_eq!(replay["checkpoint"], 5007);
    let out = run(&[
        "run",
        "many-customers",
        "--db-dir",
        d,
        "--continue",
        "--trust",
        "--format",
        "json",
    ]);
    // Trusted, it carries on from the edited log; the scenario's own expectations then see
    // the edit (exit 1), but nothing refuses to run.
    assert!(matches!(out.code, Some(0) | Some(1)), "{}", out.stderr);
    assert!(!out.stderr.contains("refus"), "{}", out.stderr);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema_version"], eslab::SCHEMA_VERSION);
    // --trust belongs to --continue.
    assert_eq!(run(&["run", "bob", "--trust"]).code, Some(2));

    // The same log, untouched, is read as before.
    let d = path_str(&fixture.original);
    for args in [
        vec!["log", "--db-dir", d],
        vec!["replay", "--db-dir", d],
        vec!["run", "many-customers", "--db-dir", d, "--continue"],
    ] {
        let out = run(&args);
        assert_eq!(out.code, Some(0), "eslab {args:?}: {out:?}");
        assert_eq!(out.stderr, "", "eslab {args:?}");
    }
}

#[test]
fn a_dropped_trigger_alone_is_refused_too() {
    let fixture = Fixture::new();
    fixture.tamper(&drop_trigger("DELETE"));
    let d = path_str(&fixture.copy);
    let problem = "nothing refuses DELETE on events";
    assert_refused(&["log", "--db-dir", d], problem);
    assert_refused(&["replay", "--db-dir", d], problem);
    assert_refused(
        &["run", "many-customers", "--db-dir", d, "--continue"],
        problem,
    );
    for args in [
        vec!["log", "--db-dir", d, "--trust"],
        vec!["replay", "--db-dir", d, "--trust"],
        vec![
            "run",
            "many-customers",
            "--db-dir",
            d,
            "--continue",
            "--trust",
        ],
    ] {
        assert_eq!(run(&args).code, Some(0), "eslab {args:?}");
    }
    // Only event sourcing reads the log: CRUD alone carries on.
    let out = run(&[
        "run",
        "many-customers",
        "--db-dir",
        d,
        "--continue",
        "--backend",
        "crud",
    ]);
    assert_eq!(out.code, Some(0), "{out:?}");
}

// ---------------------------------------------------------------------------------------
// (i) The triggers are judged by what they do, not by how they read

/// Both triggers recreated with `WHEN 0`: they read as before (BEFORE UPDATE/DELETE ON events,
/// RAISE(ABORT …)) but never fire. Verify must see that nothing refuses a rewrite, and its last
/// line must not call the log intact — neither then, nor after a DELETE the triggers let through.
#[test]
fn triggers_that_never_fire_fail_verify_and_the_log_is_not_called_intact() {
    let fixture = Fixture::new();
    let disarmed = |operation: &str| {
        let (_, statement) = trigger(operation);
        statement.replacen("\nBEGIN", " WHEN 0\nBEGIN", 1)
    };
    fixture.tamper(&format!(
        "{} {} {} {}",
        drop_trigger("UPDATE"),
        drop_trigger("DELETE"),
        disarmed("UPDATE"),
        disarmed("DELETE")
    ));
    let triggers: Vec<String> = select(
        &fixture.events(),
        "SELECT sql FROM sqlite_master WHERE type = 'trigger'",
        |r| r.get(0),
    );
    assert_eq!(triggers.len(), 2);
    assert!(
        triggers.iter().all(|sql| sql.contains("WHEN 0")),
        "{triggers:?}"
    );
    let d = path_str(&fixture.copy);
    for delete in [false, true] {
        if delete {
            // The disarmed trigger lets anyone delete an event.
            fixture.tamper("DELETE FROM events WHERE event_id = 5007");
            assert_eq!(fixture.rows().len(), 6);
        }
        let (code, verdict) = verify(&fixture.copy);
        assert_eq!(code, Some(1), "{verdict}");
        assert_fails(&verdict, "triggers", None);
        let detail = check(&verdict, "triggers")["detail"].as_str().unwrap();
        assert!(detail.contains("UPDATE or DELETE"), "{detail}");
        let text = run(&["verify", "--db-dir", d]);
        assert_eq!(text.code, Some(1), "{text:?}");
        let last = String::from_utf8_lossy(&text.stdout)
            .trim_end()
            .lines()
            .last()
            .unwrap()
            .to_string();
        assert!(!last.contains("intact"), "{last}");
        assert!(last.starts_with("broken"), "{last}");
        assert_refused(
            &["replay", "--db-dir", d],
            "nothing refuses UPDATE or DELETE",
        );
    }
}

// ---------------------------------------------------------------------------------------
// (j) A head written down shows what the chain alone cannot: the last event deleted

#[test]
fn verify_expect_head_catches_the_last_event_deleted() {
    let fixture = Fixture::new();
    let d = path_str(&fixture.copy);
    let (_, verdict) = verify(&fixture.copy);
    let head = verdict["head"].as_str().unwrap().to_string();
    let short = &head[..12];
    for expected in [head.as_str(), short, &head.to_uppercase()] {
        let out = run(&["verify", "--db-dir", d, "--expect-head", expected]);
        assert_eq!(out.code, Some(0), "{out:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout)
                .contains(&format!("intact: 7 events; head hash {head}."))
        );
    }

    let (_, delete_trigger) = trigger("DELETE");
    fixture.tamper(&format!(
        "{} DELETE FROM events WHERE event_id = 5007; {delete_trigger}",
        drop_trigger("DELETE")
    ));
    // The chain alone cannot tell.
    assert_eq!(verify(&fixture.copy).0, Some(0));
    let out = run(&[
        "verify",
        "--db-dir",
        d,
        "--expect-head",
        &head,
        "--format",
        "json",
    ]);
    assert_eq!(out.code, Some(1), "{out:?}");
    let verdict: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(verdict["holds"], false);
    assert_fails(&verdict, "head is the one expected", None);
    let detail = check(&verdict, "head is the one expected")["detail"]
        .as_str()
        .unwrap();
    let now = verdict["head"].as_str().unwrap();
    assert_ne!(now, head);
    assert!(
        detail.contains(&format!("ends at {}, not {head}", &now[..12])),
        "{detail}"
    );
    let text = run(&["verify", "--db-dir", d, "--expect-head", short]);
    assert_eq!(text.code, Some(1));
    let last = String::from_utf8_lossy(&text.stdout)
        .trim_end()
        .lines()
        .last()
        .unwrap()
        .to_string();
    assert!(last.starts_with("broken"), "{last}");

    // Not a hash: refused as bad input, before anything is read.
    for bad in ["64bf", "not-a-hash-at-all", &format!("{head}0")] {
        let out = run(&["verify", "--db-dir", d, "--expect-head", bad]);
        assert_eq!(out.code, Some(2), "{bad}: {out:?}");
        assert!(out.stderr.contains("hexadecimal"), "{}", out.stderr);
    }
}
