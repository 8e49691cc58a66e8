//! The questions a class asks after Bob's order, each answered on both designs: what happens
//! when an event has to change shape (and whether logs written by an older eslab still
//! open), …

mod common;

use std::path::{Path, PathBuf};

use common::db::{events_file, select};
use common::*;
use rusqlite::Connection;
use serde_json::{Value, json};

/// The databases `eslab run bob` wrote before events had shapes (event log schema 3),
/// committed as they were made: a copy in a fresh folder, never the fixture itself.
fn old_bob() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("bob");
    std::fs::create_dir(&copy).unwrap();
    let fixture = manifest_dir().join("tests/fixtures/bob-v1");
    for file in ["events.sqlite3", "crud.sqlite3"] {
        std::fs::copy(fixture.join(file), copy.join(file)).unwrap();
    }
    (tmp, copy)
}

fn user_version(db_file: &Path) -> i64 {
    select(db_file, "PRAGMA user_version", |r| r.get(0))[0]
}

/// (event id, event type, shape) of every stored event.
fn shapes(dir: &Path) -> Vec<(i64, String, i64)> {
    select(
        &events_file(dir),
        "SELECT event_id, event_type, schema_version FROM events ORDER BY event_id",
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
}

#[test]
fn a_log_written_before_shapes_existed_reads_verifies_and_replays_unchanged() {
    let (_tmp, dir) = old_bob();
    let d = path_str(&dir);
    let before = folder_snapshot(&dir);
    assert_eq!(user_version(&events_file(&dir)), 3);

    let verdict = json(["verify", "--db-dir", d, "--format", "json"]);
    assert_eq!(verdict["holds"], true, "{verdict}");
    assert_eq!(verdict["events"], 3);
    let log = json(["log", "--db-dir", d, "--format", "json"]);
    let events = log["events"].as_array().unwrap();
    let read: Vec<(u64, u64)> = events
        .iter()
        .map(|e| {
            (
                e["event_id"].as_u64().unwrap(),
                e["schema_version"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(read, [(2001, 1), (2002, 1), (2003, 1)]);
    // The v1 ModifyOrderEvent reads in the newest shape, without the reason it never had.
    assert_eq!(events[1]["payload"], json!({"quantity": 6}));
    let replay = json(["replay", "--db-dir", d, "--format", "json"]);
    assert_eq!(replay["orders"][0]["quantity"], 6);
    assert_eq!(replay["orders"][0]["status"], "Paid");
    let table = ok(["log", "--db-dir", d]);
    assert_contains_all(&table, &["Shape", "v1 → v2"]);

    // Reading is not upgrading: the files are byte for byte as they were, and still schema 3.
    assert_eq!(folder_snapshot(&dir), before);
}

#[test]
fn a_log_written_before_shapes_existed_is_carried_on_and_still_verifies() {
    let (tmp, dir) = old_bob();
    let d = path_str(&dir);
    let old_rows = select(
        &events_file(&dir),
        "SELECT event_id, payload, hash FROM events ORDER BY event_id",
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Vec<u8>>(2)?,
            ))
        },
    );
    let scenario = write_scenario(
        tmp.path(),
        "more.json",
        &json!({"title": "Carol after Bob", "first_event_id": 2001, "steps": [
            place_order("B2", "Carol", 2, 30),
            {"change_quantity": {"order_id": "B2", "quantity": 3}},
            {"deploy": {"event": "ModifyOrderEvent", "version": 2}},
            {"change_quantity": {"order_id": "B2", "quantity": 1, "reason": "one is enough"},
             "expect": {"ok": true, "event_id": 2006, "quantity": 1}},
            {"query": {"order_id": "A1"}, "expect": {"status": "Paid", "quantity": 6}}
        ]}),
    );
    let run = json([
        "run",
        path_str(&scenario),
        "--db-dir",
        d,
        "--continue",
        "--format",
        "json",
    ]);
    assert_eq!(run["summary"]["expectations"]["failures"], json!([]));
    // The CRUD table was migrated in place: Bob's paid row got the default.
    let migrated = &results_of(&run, "crud")[2];
    assert_eq!(migrated["outcome"], "migrated");
    assert_eq!(migrated["rows_filled"], 2);

    // Upgraded in place to schema 4; the old rows are exactly as written, the new ones follow.
    assert_eq!(user_version(&events_file(&dir)), 4);
    let now = select(
        &events_file(&dir),
        "SELECT event_id, payload, hash FROM events ORDER BY event_id",
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Vec<u8>>(2)?,
            ))
        },
    );
    assert_eq!(now[..3], old_rows[..]);
    assert_eq!(
        shapes(&dir),
        [
            (2001, "NewOrderEvent".into(), 1),
            (2002, "ModifyOrderEvent".into(), 1),
            (2003, "OrderPaymentEvent".into(), 1),
            (2004, "NewOrderEvent".into(), 1),
            (2005, "ModifyOrderEvent".into(), 1),
            (2006, "ModifyOrderEvent".into(), 2),
        ]
    );
    assert_eq!(now[5].1, r#"{"quantity":1,"reason":"one is enough"}"#);
    let verdict = json(["verify", "--db-dir", d, "--format", "json"]);
    assert_eq!(verdict["holds"], true, "{verdict}");
    let replay = json(["replay", "--db-dir", d, "--format", "json"]);
    let quantities: Vec<u64> = field_u64s(&replay["orders"], "quantity");
    assert_eq!(quantities, [6, 1]);
}

#[test]
fn a_log_from_a_newer_eslab_is_refused_and_left_alone() {
    for file in ["events.sqlite3", "crud.sqlite3"] {
        let (tmp, dir) = old_bob();
        let d = path_str(&dir);
        Connection::open(dir.join(file))
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        let before = folder_snapshot(&dir);
        let mut attempts = vec![vec!["run", "bob", "--db-dir", d, "--continue"]];
        if file == "events.sqlite3" {
            attempts.extend([
                vec!["log", "--db-dir", d],
                vec!["verify", "--db-dir", d],
                vec!["replay", "--db-dir", d],
            ]);
        }
        for args in attempts {
            let stderr = input_error(&args);
            assert_contains_all(
                &stderr,
                &[
                    "was written by a newer eslab",
                    "schema version 99",
                    "Upgrade eslab",
                ],
            );
            assert_eq!(folder_snapshot(&dir), before, "{args:?} changed {file}");
        }
        drop(tmp);
    }
}

#[test]
fn an_events_shape_is_covered_by_the_chain() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("db");
    let d = path_str(&dir);
    ok(["run", "schema-evolution", "--db-dir", d]);
    assert_eq!(
        json(["verify", "--db-dir", d, "--format", "json"])["holds"],
        true
    );
    // Claim the v2 event was written as v1, or a v1 event as v2: the chain breaks there.
    for (event, shape) in [(2003, 1), (2002, 2)] {
        let copy = tmp.path().join(format!("copy-{event}"));
        std::fs::create_dir(&copy).unwrap();
        for file in ["events.sqlite3", "crud.sqlite3"] {
            std::fs::copy(dir.join(file), copy.join(file)).unwrap();
        }
        let db = Connection::open(events_file(&copy)).unwrap();
        db.execute_batch(&format!(
            "DROP TRIGGER events_are_never_updated; \
             UPDATE events SET schema_version = {shape} WHERE event_id = {event};"
        ))
        .unwrap();
        drop(db);
        let out = run(["verify", "--db-dir", path_str(&copy), "--format", "json"]);
        assert_eq!(out.code, Some(1), "{}", out.stderr);
        let verdict: Value = serde_json::from_slice(&out.stdout).unwrap();
        let chain = verdict["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "tamper-evident chain holds")
            .unwrap();
        assert_eq!(chain["first_bad_event"], event, "{verdict}");
    }
}

#[test]
fn schema_evolution_keeps_the_log_as_written_and_migrates_crud_in_place() {
    let run = json(["run", "schema-evolution", "--format", "json"]);
    let steps = run["steps"].as_array().unwrap();
    // The facts, without their narration (checked in words below).
    let facts = |backend| -> Vec<Value> {
        results_of(&run, backend)
            .into_iter()
            .map(|r| {
                let mut r = r.clone();
                r.as_object_mut().unwrap().remove("narration");
                r
            })
            .collect()
    };
    let (es, crud) = (facts("es"), facts("crud"));
    // Before the deploy, neither design keeps the reason; after it, both do.
    assert_eq!(es[1]["caveats"][0]["shape"], 1);
    assert_eq!(crud[1]["caveats"][0]["caveat"], "not_kept");
    assert_eq!(
        steps[2]["action"],
        json!({"deploy": {"event": "ModifyOrderEvent", "version": 2}})
    );
    assert_eq!(
        es[2],
        json!({"backend": "es", "outcome": "deployed", "event_type": "ModifyOrderEvent",
                "from": 1, "to": 2, "older_in_log": 1})
    );
    assert_eq!(
        crud[2],
        json!({"backend": "crud", "outcome": "migrated", "table": "orders",
                "column": "change_reason", "default": "not recorded", "rows_filled": 1})
    );
    assert!(es[3].get("caveats").is_none());
    assert_eq!(es[3]["storage"]["append"]["events"][0]["schema_version"], 2);
    let changes = &crud[3]["storage"]["update"]["changes"];
    assert!(
        changes
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["column"] == "change_reason"
                && c["old"] == "not recorded"
                && c["new"] == "the gift is off")
    );
    // The history reads the v1 event upcast, beside the v2 one.
    let history: Vec<(u64, Value)> = es[4]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["schema_version"].as_u64().unwrap(), e["payload"].clone()))
        .collect();
    assert_eq!(history[1], (1, json!({"quantity": 6})));
    assert_eq!(
        history[2],
        (2, json!({"quantity": 4, "reason": "the gift is off"}))
    );
    assert_eq!(es[7]["matches_live"], true);

    // In words, in every format.
    let markdown = ok(["run", "schema-evolution", "--format", "markdown"]);
    assert_contains_all(
        &markdown,
        &[
            "the writer now writes ModifyOrderEvent v2 (was v1)",
            "1 older event stays in the log as written (append-only): upcast to v2 whenever read",
            "ALTER TABLE orders ADD COLUMN change_reason",
            "→ 1 row filled with \"not recorded\", in place",
            "(written v1, read as v2): quantity 6",
            "written as shape v2",
        ],
    );
    let mermaid = ok(["run", "schema-evolution", "--format", "mermaid"]);
    assert_contains_all(
        &mermaid,
        &[
            "Note over CRUD: ALTER TABLE",
            "Note over Service: the writer now writes",
        ],
    );
}

#[test]
fn a_bad_deploy_is_an_input_error_naming_its_step() {
    for (deploy, expected) in [
        (
            r#"{"event": "ShippedEvent", "version": 2}"#,
            "step 2: deploy: unknown event type `ShippedEvent`",
        ),
        (
            r#"{"event": "ModifyOrderEvent", "version": 3}"#,
            "step 2: deploy: ModifyOrderEvent has shapes 1 to 2, not 3",
        ),
        (
            r#"{"event": "ModifyOrderEvent"}"#,
            "step 2: deploy: missing field `version`",
        ),
    ] {
        let (_dir, path) = file_with(format!(
            "{{\"title\": \"t\", \"steps\": [\n{{\"query\": {{\"order_id\": \"A1\"}}}},\n{{\"deploy\": {deploy}}}\n]}}"
        ));
        let stderr = input_error(["run", path_str(&path)]);
        assert!(stderr.contains(expected), "{stderr}");
        assert!(stderr.contains("scenario.json:3:"), "{stderr}");
    }
}

#[test]
fn a_rebuild_starts_from_the_newest_snapshot_and_equals_the_live_view() {
    let run = json(["run", "snapshots", "--format", "json"]);
    assert_eq!(run["summary"]["expectations"]["failures"], json!([]));
    let steps = run["steps"].as_array().unwrap();
    let at = |name: &str| {
        steps
            .iter()
            .position(|s| s["action"].get(name).is_some())
            .unwrap()
    };
    let (es, crud) = (results_of(&run, "es"), results_of(&run, "crud"));
    let taken = es[at("snapshot")];
    assert_eq!(
        (&taken["outcome"], &taken["checkpoint"], &taken["orders"]),
        (&json!("snapshot_taken"), &json!(2012), &json!(2))
    );
    assert_eq!(crud[at("snapshot")]["why"], "no_view");
    let rebuilt = es[at("rebuild_view")];
    assert_eq!(rebuilt["replayed"], 2);
    assert_eq!(
        rebuilt["snapshot"],
        json!({"checkpoint": 2012, "full_replay": 14})
    );
    assert_eq!(rebuilt["matches_live"], true);
    let markdown = ok(["run", "snapshots", "--format", "markdown"]);
    assert_contains_all(
        &markdown,
        &[
            "snapshot of OrderView stored at #2012: 2 orders, in its own table, never in the log",
            "⟳ OrderView rebuilt: replayed 2 events up to #2014",
            "from the snapshot at #2012: a full replay reads 14 events",
        ],
    );
    let mermaid = ok(["run", "snapshots", "--format", "mermaid"]);
    assert_contains_all(&mermaid, &["Store-->>View: load the snapshot at #35;2012"]);

    // Kept in its own table, beside the log: the log verifies and holds no trace of it.
    let tmp = tempfile::tempdir().unwrap();
    let d = path_str(tmp.path());
    ok(["run", "snapshots", "--db-dir", d]);
    let kept: Vec<i64> = select(
        &events_file(tmp.path()),
        "SELECT checkpoint FROM snapshots",
        |r| r.get(0),
    );
    assert_eq!(kept, [2012]);
    assert_eq!(
        json(["verify", "--db-dir", d, "--format", "json"])["events"],
        14
    );
}
