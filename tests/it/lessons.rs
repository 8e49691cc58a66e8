//! The questions a class asks after Bob's order, each answered on both designs: what happens
//! when an event has to change shape (and whether logs written by an older eslab still
//! open), whether replay gets slow (snapshots), and how to build your own read model
//! (projections as data, on both designs).

use std::path::{Path, PathBuf};

use crate::common::db::{events_file, select};
use crate::common::*;
use rusqlite::Connection;
use serde_json::{Value, json};

/// The databases `eslab run bob` wrote before events had shapes (event log schema 3),
/// committed as they were made: a copy in a fresh folder, never the fixture itself.
fn old_bob() -> (tempfile::TempDir, PathBuf) {
    fixture_copy("bob-v1")
}

/// A copy of a fixture's databases in a fresh folder, never the fixture itself.
fn fixture_copy(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("bob");
    std::fs::create_dir(&copy).unwrap();
    let fixture = manifest_dir().join("tests/fixtures").join(name);
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
    assert_contains_all(&table, &["Shape", "1 → 2"]);

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

    // Upgraded in place to the current schema; the old rows are exactly as written, the new
    // ones follow.
    assert_eq!(
        user_version(&events_file(&dir)),
        i64::from(eslab::EVENT_STORE_SCHEMA.version)
    );
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
            "the writer now writes ModifyOrderEvent in shape 2 (was shape 1)",
            "1 older event stays in the log as written (append-only): upcast to shape 2 whenever read",
            "ALTER TABLE orders ADD COLUMN change_reason",
            "→ 1 row filled with \"not recorded\", in place",
            "(written in shape 1, read as shape 2): quantity 6",
            "written as shape 2",
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

/// (shape, payload) of every stored event.
fn payloads(dir: &Path) -> Vec<(i64, String)> {
    select(
        &events_file(dir),
        "SELECT schema_version, payload FROM events ORDER BY event_id",
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

/// Issue 16, item 2: a deploy is a fact of the store. A later run on the folder, and
/// `eslab live` on it, write what was deployed; a store whose deployments say something this
/// eslab does not know is refused, naming it; a store of schema 5 (before deployments were
/// kept) is upgraded when carried on.
#[test]
fn a_deploy_is_kept_by_the_store_for_every_later_writer() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("D");
    let d = path_str(&dir);
    json(["run", "schema-evolution", "--db-dir", d, "--format", "json"]);
    let later = write_scenario(
        tmp.path(),
        "later.json",
        &json!({"title": "a later run", "first_event_id": 2001, "steps": [
            place_order("B2", "Carol", 2, 30),
            {"change_quantity": {"order_id": "B2", "quantity": 3, "reason": "a third pen"}}
        ]}),
    );
    let run = json([
        "run",
        path_str(&later),
        "--db-dir",
        d,
        "--continue",
        "--format",
        "json",
    ]);
    assert_eq!(
        run["summary"]["gap_steps"],
        json!([]),
        "both keep the reason"
    );
    let typed = eslab()
        .args(["live", "--empty", "--db-dir", d, "--continue"])
        .write_stdin("change B2 4\n")
        .output()
        .unwrap();
    assert!(typed.status.success(), "{typed:?}");
    let events = payloads(&dir);
    assert_eq!(
        events[4..],
        [
            (
                1,
                r#"{"customer":"Carol","product":"Book","quantity":2,"unit_price":"30.00"}"#.into()
            ),
            (2, r#"{"quantity":3,"reason":"a third pen"}"#.into()),
            (2, r#"{"quantity":4}"#.into()),
        ]
    );
    assert_eq!(
        json(["verify", "--db-dir", d, "--format", "json"])["holds"],
        true
    );

    // A deployments table naming a shape this eslab does not have is refused, not guessed.
    let bad = tmp.path().join("bad");
    std::fs::create_dir(&bad).unwrap();
    for file in ["events.sqlite3", "crud.sqlite3"] {
        std::fs::copy(dir.join(file), bad.join(file)).unwrap();
    }
    Connection::open(events_file(&bad))
        .unwrap()
        .execute("UPDATE deployments SET version = 9", [])
        .unwrap();
    let before = folder_snapshot(&bad);
    let stderr = input_error([
        "run",
        path_str(&later),
        "--db-dir",
        path_str(&bad),
        "--continue",
    ]);
    assert_contains_all(
        &stderr,
        &[
            "the deployments table says ModifyOrderEvent is written in shape 9",
            "ModifyOrderEvent has shapes 1 to 2, not 9",
        ],
    );
    assert_eq!(
        folder_snapshot(&bad),
        before,
        "a refused store is left as it was"
    );

    // A store of schema 5, as the eslab before deployments left it: no deployments table,
    // and snapshots without their seal.
    let old = tmp.path().join("old");
    let o = path_str(&old);
    json(["run", "bob", "--db-dir", o, "--format", "json"]);
    Connection::open(events_file(&old))
        .unwrap()
        .execute_batch(
            "DROP TABLE deployments; ALTER TABLE snapshots DROP COLUMN head; \
             ALTER TABLE snapshots DROP COLUMN digest; PRAGMA user_version = 5;",
        )
        .unwrap();
    assert_eq!(
        json(["verify", "--db-dir", o, "--format", "json"])["holds"],
        true
    );
    let deploy = write_scenario(
        tmp.path(),
        "deploy.json",
        &json!({"title": "deploy", "steps": [
            {"deploy": {"event": "ModifyOrderEvent", "version": 2}}
        ]}),
    );
    json([
        "run",
        path_str(&deploy),
        "--db-dir",
        o,
        "--continue",
        "--format",
        "json",
    ]);
    assert_eq!(
        user_version(&events_file(&old)),
        i64::from(eslab::EVENT_STORE_SCHEMA.version)
    );
    let deployed: Vec<(String, i64)> = select(
        &events_file(&old),
        "SELECT event_type, version FROM deployments",
        |r| Ok((r.get(0)?, r.get(1)?)),
    );
    assert_eq!(deployed, [("ModifyOrderEvent".to_string(), 2)]);
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

#[test]
fn your_own_read_model_is_backfilled_from_the_log_and_answered_by_crud_where_it_can() {
    let run = json(["run", "own-read-model", "--format", "json"]);
    assert_eq!(run["summary"]["expectations"]["failures"], json!([]));
    let (es, crud) = (results_of(&run, "es"), results_of(&run, "crud"));
    // Orders per product: each placed order is still a row, so SQL answers, and agrees.
    assert_eq!(
        crud[9]["query"],
        "SELECT product, count(*) FROM orders GROUP BY product"
    );
    assert_eq!(es[9]["from"], "read_model");
    assert_eq!(crud[9]["report"], es[9]["report"]);
    assert_eq!(
        es[9]["report"],
        json!({"name": "orders-per-product", "columns": ["product", "orders"],
                "rows": [["Book", "2"], ["Lamp", "1"]]})
    );
    // Changes per product: defined after every change, backfilled from the whole log.
    assert_eq!(
        es[10]["report"]["rows"],
        json!([["Book", "3", "1", "5007"], ["Lamp", "1", "3", "5005"]])
    );
    assert_eq!(
        (
            &crud[10]["outcome"],
            &crud[10]["why"],
            &crud[10]["event_type"]
        ),
        (
            &json!("unavailable"),
            &json!("events_not_kept"),
            &json!("ModifyOrderEvent")
        )
    );
    // Paid per customer is a sum over the rows as they stand (a row with paid_cents was
    // paid once, that much), as `new-question`'s revenue-per-customer is: CRUD answers it
    // with SQL, the same as the log (issue 18 §2: the two lessons agree).
    assert_eq!(crud[11]["outcome"], "report", "{run}");
    assert_eq!(crud[11]["report"], es[11]["report"]);
    assert_eq!(
        crud[11]["query"],
        "SELECT customer, count(*), sum(paid_cents) FROM orders WHERE paid_cents > 0 GROUP BY customer"
    );
    assert_eq!(
        es[11]["report"]["rows"],
        json!([["Bob", "1", "$40.00"], ["Dan", "1", "$10.00"]])
    );

    // In words, in every format.
    let markdown = ok(["run", "own-read-model", "--format", "markdown"]);
    assert_contains_all(
        &markdown,
        &[
            "Your own read model: ModifyOrderEvent per product, keeping changes (how many)",
            "built with SELECT product, count(*) FROM orders GROUP BY product",
            "the orders table keeps no changes: each new quantity overwrote the one before",
        ],
    );
    let mermaid = ok(["run", "own-read-model", "--format", "mermaid"]);
    assert_contains_all(&mermaid, &["changes-per-product"]);
    let reports = ok(["reports"]);
    assert_contains_all(
        &reports,
        &[
            "Or write your own",
            "\"define\"",
            "eslab run own-read-model",
        ],
    );
}

#[test]
fn crud_says_what_its_rows_cannot_know_for_each_kind_of_read_model() {
    let report = |define: Value| {
        json!({"title": "t", "steps": [
            {"place_order": {"order_id": "A1", "customer": "Bob", "product": "Book", "quantity": 5, "unit_price": 10}},
            {"change_quantity": {"order_id": "A1", "quantity": 6}},
            {"report": {"name": "mine", "define": define}}
        ]})
    };
    let tmp = tempfile::tempdir().unwrap();
    for (define, why, es_rows) in [
        (
            json!({"events": ["NewOrderEvent"], "group_by": "customer", "keep": [{"units": {"sum": "quantity"}}]}),
            json!({"why": "field_overwritten", "field": "quantity"}),
            json!([["Bob", "5"]]),
        ),
        (
            json!({"events": ["NewOrderEvent"], "group_by": "product", "keep": [{"first": "first_event_id"}]}),
            json!({"why": "no_event_order"}),
            json!([["Book", "1"]]),
        ),
        (
            json!({"events": ["OrderCancelledEvent"], "group_by": "reason", "keep": [{"n": "count"}]}),
            json!({"why": "events_not_kept", "event_type": "OrderCancelledEvent"}),
            json!([]),
        ),
        (
            json!({"events": ["NewOrderEvent", "ModifyOrderEvent"], "group_by": "order_id", "keep": [{"events": "count"}, {"now": {"latest": "quantity"}}]}),
            json!({"why": "events_not_kept", "event_type": "ModifyOrderEvent"}),
            json!([["A1", "2", "6"]]),
        ),
    ] {
        let path = write_scenario(tmp.path(), "mine", &report(define));
        let run = json(["run", path_str(&path), "--format", "json"]);
        let (es, crud) = (results_of(&run, "es"), results_of(&run, "crud"));
        assert_eq!(es[2]["report"]["rows"], es_rows, "{run}");
        assert_eq!(crud[2]["outcome"], "unavailable", "{run}");
        for (key, value) in why.as_object().unwrap() {
            assert_eq!(&crud[2][key], value, "{run}");
        }
    }
}

#[test]
fn a_bad_read_model_definition_is_an_input_error_naming_its_step() {
    for (report, expected) in [
        (
            r#"{"name": "mine", "define": {"events": ["ShippedEvent"], "group_by": "product"}}"#,
            "step 2: report.define: unknown event type `ShippedEvent`",
        ),
        (
            r#"{"name": "mine", "define": {"events": ["OrderPaymentEvent"], "group_by": "quantity"}}"#,
            "step 2: report.define: group_by: OrderPaymentEvent has no field `quantity`",
        ),
        (
            r#"{"name": "mine", "define": {"events": ["ModifyOrderEvent"], "group_by": "product", "keep": [{"r": {"sum": "reason"}}]}}"#,
            "step 2: report.define: keep `r`: `reason` is not a number or an amount",
        ),
        (
            r#"{"name": "mine"}"#,
            "step 2: report: no report named `mine`: the built-in ones are revenue-per-customer, quantity-changes",
        ),
        (
            r#"{"name": "quantity-changes", "define": {"events": ["ModifyOrderEvent"], "group_by": "product"}}"#,
            "step 2: report: `quantity-changes` is a built-in report",
        ),
        (
            r#"{"name": "My Report", "define": {"events": ["ModifyOrderEvent"], "group_by": "product"}}"#,
            "step 2: report: a report's name is lowercase letters",
        ),
    ] {
        let (_dir, path) = file_with(format!(
            "{{\"title\": \"t\", \"steps\": [\n{{\"query\": {{\"order_id\": \"A1\"}}}},\n{{\"report\": {report}}}\n]}}"
        ));
        let stderr = input_error(["run", path_str(&path)]);
        assert!(stderr.contains(expected), "{stderr}");
        assert!(stderr.contains("scenario.json:3:"), "{stderr}");
    }
}

mod own_read_model {
    use crate::common::library::{proptest_config, run_both_designs};
    use eslab::Scenario;
    use eslab::StorageOptions;
    use eslab::{Agreement, Outcome};
    use proptest::prelude::*;
    use serde_json::{Value, json};

    const ORDERS: [&str; 4] = ["A1", "B2", "C3", "D4"];
    const CUSTOMERS: [&str; 2] = ["Ann", "Ben"];
    const PRODUCTS: [&str; 3] = ["Book", "Lamp", "Pen"];
    const GROUP_BY: [&str; 5] = [
        "order_id",
        "customer",
        "product",
        "unit_price",
        "event_type",
    ];

    fn step() -> impl Strategy<Value = Value> {
        let order = || 0..ORDERS.len();
        prop_oneof![
            (order(), 0..CUSTOMERS.len(), 0..PRODUCTS.len(), 1u64..4, 1u64..4).prop_map(
                |(o, c, p, quantity, price)| json!({"place_order": {
                    "order_id": ORDERS[o], "customer": CUSTOMERS[c], "product": PRODUCTS[p],
                    "quantity": quantity, "unit_price": price * 5}})
            ),
            (order(), 1u64..6).prop_map(
                |(o, quantity)| json!({"change_quantity": {"order_id": ORDERS[o], "quantity": quantity}})
            ),
            order().prop_map(|o| json!({"cancel": {"order_id": ORDERS[o], "reason": "x"}})),
        ]
    }

    /// A read model over placed orders that CRUD's rows can answer.
    fn answerable() -> impl Strategy<Value = Value> {
        (0..GROUP_BY.len(), any::<bool>(), any::<bool>()).prop_map(|(g, count, sum)| {
            let mut keep = Vec::new();
            if count {
                keep.push(json!({"orders": "count"}));
            }
            if sum {
                keep.push(json!({"prices": {"sum": "unit_price"}}));
            }
            json!({"events": ["NewOrderEvent"], "group_by": GROUP_BY[g], "keep": keep})
        })
    }

    proptest! {
        #![proptest_config(proptest_config(48))]

        /// Wherever CRUD can answer a read model, it answers what the fold over the log does;
        /// wherever it cannot, event sourcing still answers.
        #[test]
        fn crud_agrees_with_the_fold_wherever_it_can_answer(
            steps in prop::collection::vec(step(), 0..14),
            define in answerable(),
        ) {
            let mut steps = steps;
            steps.push(json!({"report": {"name": "mine", "define": define}}));
            steps.push(json!({"report": {"name": "changes", "define":
                {"events": ["ModifyOrderEvent"], "group_by": "order_id", "keep": [{"n": "count"}]}}}));
            let text = json!({"title": "t", "steps": steps}).to_string();
            let scenario = Scenario::from_json("generated", &text).unwrap();
            let (trace, _) = run_both_designs("generated", scenario, &StorageOptions::default()).unwrap();
            let [.., mine, changes] = trace.steps.as_slice() else { unreachable!() };
            let (crud, es) = (&mine.results[0].outcome, &mine.results[1].outcome);
            prop_assert_eq!(crud.compare(es), Agreement::Same, "{:?} vs {:?}", crud, es);
            let crud_changes = &changes.results[0].outcome;
            let es_changes = &changes.results[1].outcome;
            prop_assert!(matches!(crud_changes, Outcome::Unavailable { .. }), "{:?}", crud_changes);
            prop_assert!(matches!(es_changes, Outcome::Report { .. }), "{:?}", es_changes);
        }
    }
}

// Lesson 2: who and when.

/// The results of one design at every step of a run's JSON.
fn step_result<'a>(run: &'a Value, step: usize, backend: &str) -> &'a Value {
    results_of(run, backend)[step - 1]
}

#[test]
fn every_event_keeps_who_and_when_and_the_crud_row_only_its_last_writer() {
    let run = json(["run", "audit", "--format", "json"]);
    assert_eq!(run["summary"]["expectations"]["failures"], json!([]));
    let correlation =
        step_result(&run, 1, "es")["storage"]["append"]["events"][0]["metadata"]["correlation_id"]
            .as_str()
            .unwrap()
            .to_string();
    assert!(
        correlation.starts_with("run-") && correlation.len() == 16,
        "{correlation}"
    );
    // Step 1 says neither: the scenario's `start` and `by`. Steps 2 and 3 say their own.
    let history = &step_result(&run, 4, "es")["events"];
    let said: Vec<Value> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["metadata"].clone())
        .collect();
    assert_eq!(
        said,
        [
            json!({"recorded_at": "2026-03-01T09:00:00Z", "actor": "bob",
                   "causation_id": "command-1", "correlation_id": correlation}),
            json!({"recorded_at": "2026-03-01T10:15:00Z", "actor": "support",
                   "causation_id": "command-2", "correlation_id": correlation}),
            json!({"recorded_at": "2026-03-01T10:20:00Z", "actor": "bob",
                   "causation_id": "command-3", "correlation_id": correlation}),
        ]
    );
    // The appended event is the one the history reads back.
    assert_eq!(
        step_result(&run, 2, "es")["storage"]["append"]["events"][0]["metadata"],
        said[1]
    );
    // CRUD: only the row's last writer, which was the payment, not the quantity change.
    let crud = step_result(&run, 4, "crud");
    assert_eq!(crud["why"], "history_not_kept");
    assert_eq!(
        crud["last_write"],
        json!({"at": "2026-03-01T10:20:00Z", "by": "bob"})
    );
    let table = ok(["run", "audit", "--format", "markdown"]);
    assert_contains_all(
        &table,
        &[
            "by support at",
            "2026-03-01T10:15:00Z",
            "last written by bob at",
        ],
    );
}

#[test]
fn without_by_and_at_times_come_from_the_scenario_never_the_clock() {
    let (_dir, path) = file_with(
        json!({"title": "t", "steps": [
            place_order("A1", "Bob", 5, 10),
            {"query": {"order_id": "A1"}},
            {"change_quantity": {"order_id": "A1", "quantity": 6}},
            {"change_quantity": {"order_id": "A1", "quantity": 7}, "at": "2026-02-01T08:00:00Z"},
            {"history": {"order_id": "A1"}}
        ]})
        .to_string(),
    );
    let first = json(["run", path_str(&path), "--format", "json"]);
    let events = step_result(&first, 5, "es")["events"].as_array().unwrap();
    let when: Vec<(&str, &str, &str)> = events
        .iter()
        .map(|e| {
            let m = &e["metadata"];
            (
                m["recorded_at"].as_str().unwrap(),
                m["actor"].as_str().unwrap(),
                m["causation_id"].as_str().unwrap(),
            )
        })
        .collect();
    // A minute per step from the default start, counting the query; an `at` may go back in
    // time (the log's order is its event ids), and the step after it does not follow it.
    assert_eq!(
        when,
        [
            ("2026-03-01T09:00:00Z", "clerk", "command-1"),
            ("2026-03-01T09:02:00Z", "clerk", "command-3"),
            ("2026-02-01T08:00:00Z", "clerk", "command-4"),
        ]
    );
    // Deterministic: a second run writes the same.
    assert_eq!(json(["run", path_str(&path), "--format", "json"]), first);
}

#[test]
fn who_and_when_are_stored_in_both_designs_and_covered_by_the_chain() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("db");
    let d = path_str(&dir);
    ok(["run", "audit", "--db-dir", d]);
    let rows: Vec<(Option<String>, Option<String>)> = select(
        &dir.join("crud.sqlite3"),
        "SELECT updated_at, updated_by FROM orders",
        |r| Ok((r.get(0)?, r.get(1)?)),
    );
    assert_eq!(
        rows,
        [(Some("2026-03-01T10:20:00Z".into()), Some("bob".into()))]
    );
    let table = ok(["log", "--db-dir", d]);
    assert_contains_all(&table, &["Recorded", "support", "2026-03-01", "10:15:00Z"]);
    let log = json(["log", "--db-dir", d, "--format", "json"]);
    assert_eq!(log["events"][1]["metadata"]["actor"], "support");
    assert_eq!(
        log["events"][1]["metadata"]["recorded_at"],
        "2026-03-01T10:15:00Z"
    );
    assert_eq!(
        json(["verify", "--db-dir", d, "--format", "json"])["holds"],
        true
    );
    // Rewrite who or when of event 2002, or drop all of it: the chain breaks there.
    for (name, set) in [
        ("actor", "actor = 'bob'"),
        ("time", "recorded_at = '2026-03-01T10:14:00Z'"),
        ("cause", "causation_id = 'command-3'"),
        ("run", "correlation_id = 'run-000000000000'"),
        (
            "none",
            "recorded_at = NULL, actor = NULL, causation_id = NULL, correlation_id = NULL",
        ),
    ] {
        let copy = tmp.path().join(format!("copy-{name}"));
        std::fs::create_dir(&copy).unwrap();
        for file in ["events.sqlite3", "crud.sqlite3"] {
            std::fs::copy(dir.join(file), copy.join(file)).unwrap();
        }
        let db = Connection::open(events_file(&copy)).unwrap();
        db.execute_batch(&format!(
            "DROP TRIGGER events_are_never_updated; UPDATE events SET {set} WHERE event_id = 2002;"
        ))
        .unwrap();
        drop(db);
        let out = run(["verify", "--db-dir", path_str(&copy), "--format", "json"]);
        assert_eq!(out.code, Some(1), "{name}: {}", out.stderr);
        let verdict: Value = serde_json::from_slice(&out.stdout).unwrap();
        let chain = verdict["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "tamper-evident chain holds")
            .unwrap();
        assert_eq!(chain["first_bad_event"], 2002, "{name}: {verdict}");
    }
}

#[test]
fn a_log_written_before_who_and_when_keeps_its_hashes_and_carries_on_with_them() {
    let (tmp, dir) = old_bob();
    let d = path_str(&dir);
    let hashes = |dir: &Path| -> Vec<Vec<u8>> {
        select(
            &events_file(dir),
            "SELECT hash FROM events ORDER BY event_id",
            |r| r.get(0),
        )
    };
    let old = hashes(&dir);
    let log = json(["log", "--db-dir", d, "--format", "json"]);
    assert!(
        log["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e.get("metadata").is_none()),
        "{log}"
    );
    let scenario = write_scenario(
        tmp.path(),
        "more.json",
        &json!({"title": "Support after Bob", "first_event_id": 2001, "steps": [
            {"place_order": {"order_id": "B2", "customer": "Carol", "product": "Pen",
                             "quantity": 2, "unit_price": 3},
             "by": "support", "at": "2026-03-02T11:00:00Z",
             "expect": {"ok": true, "event_id": 2004}},
            {"history": {"order_id": "A1"}},
            {"history": {"order_id": "B2"},
             "expect": {"last_changed_by": "support", "last_changed_at": "2026-03-02T11:00:00Z"}}
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
    assert_eq!(run["summary"]["expectations"]["checked"], 4);
    // Old events: as written, no metadata; Bob's old row does not say who wrote it either.
    let events = step_result(&run, 2, "es")["events"].as_array().unwrap();
    assert_eq!(events.len(), 3);
    assert!(events.iter().all(|e| e.get("metadata").is_none()), "{run}");
    assert!(step_result(&run, 2, "crud").get("last_write").is_none());
    let new = &step_result(&run, 3, "es")["events"][0]["metadata"];
    assert_eq!(new["actor"], "support");
    assert_eq!(hashes(&dir)[..3], old[..]);
    assert_eq!(user_version(&dir.join("crud.sqlite3")), 4);
    assert_eq!(
        json(["verify", "--db-dir", d, "--format", "json"])["holds"],
        true
    );
    let replay = json(["replay", "--db-dir", d, "--format", "json"]);
    assert_eq!(field_u64s(&replay["orders"], "quantity"), [6, 2]);
}

#[test]
fn bad_by_and_at_are_input_errors_naming_file_line_and_step() {
    let command = r#"{"change_quantity": {"order_id": "A1", "quantity": 6}"#;
    for (extra, expected) in [
        (
            r#""at": "2026-02-30T10:00:00Z""#,
            "step 2: at: \"2026-02-30T10:00:00Z\" is not an RFC 3339 time in UTC, like 2026-03-01T10:15:00Z: 2026-02 has no day 30",
        ),
        (
            r#""at": "2026-03-01T10:15:00+01:00""#,
            "step 2: at: \"2026-03-01T10:15:00+01:00\" is not an RFC 3339 time in UTC",
        ),
        (
            r#""at": "2026-03-01 10:15:00Z""#,
            "step 2: at: \"2026-03-01 10:15:00Z\" is not an RFC 3339 time in UTC",
        ),
        (r#""at": 1772360100"#, "step 2: at: invalid type: integer"),
        (
            r#""by": """#,
            "step 2: by: `by` must name someone, not be empty",
        ),
        (
            r#""by": "the boss""#,
            "step 2: by: `by` \"the boss\" may hold only letters, digits",
        ),
        (r#""by": "a", "by": "b""#, "step 2: duplicate field `by`"),
    ] {
        let (_dir, path) = file_with(format!(
            "{{\"title\": \"t\", \"steps\": [\n{{\"query\": {{\"order_id\": \"A1\"}}}},\n{command}, {extra}}}\n]}}"
        ));
        let stderr = input_error(["run", path_str(&path)]);
        assert!(stderr.contains(expected), "{extra}: {stderr}");
        assert!(stderr.contains("scenario.json:3:"), "{stderr}");
    }
    // Only a command is issued by someone at some time.
    let (_dir, path) = file_with(
        "{\"title\": \"t\", \"steps\": [\n{\"query\": {\"order_id\": \"A1\"}, \"by\": \"support\"}\n]}",
    );
    let stderr = input_error(["run", path_str(&path)]);
    assert!(
        stderr.contains(
            "step 1: `by` and `at` say who issued a command and when: `query` is not a command"
        ),
        "{stderr}"
    );
    // The scenario's own `start` and `by` are read as strictly, naming where.
    for (header, expected) in [
        (
            r#""start": "tomorrow""#,
            "start: \"tomorrow\" is not an RFC 3339 time in UTC",
        ),
        (
            r#""by": "", "start": "2026-03-01T09:00:00Z""#,
            "by: `by` must name someone",
        ),
    ] {
        let (_dir, path) = file_with(format!(
            "{{\"title\": \"t\",\n{header},\n\"steps\": [{{\"query\": {{\"order_id\": \"A1\"}}}}]}}"
        ));
        let stderr = input_error(["run", path_str(&path)]);
        assert!(stderr.contains(expected), "{header}: {stderr}");
        assert!(stderr.contains("scenario.json:2:"), "{stderr}");
    }
}

#[test]
fn a_log_of_two_shapes_written_before_who_and_when_verifies_and_carries_on() {
    // Written by the eslab of lesson 1: schema 4, a v2 event whose hash covers its shape.
    let (tmp, dir) = fixture_copy("schema-evolution-v4");
    let d = path_str(&dir);
    assert_eq!(user_version(&events_file(&dir)), 4);
    let before = folder_snapshot(&dir);
    let verdict = json(["verify", "--db-dir", d, "--format", "json"]);
    assert_eq!(verdict["holds"], true, "{verdict}");
    let head = verdict["head"].clone();
    let log = json(["log", "--db-dir", d, "--format", "json"]);
    let shapes: Vec<u64> = field_u64s(&log["events"], "schema_version");
    assert_eq!(shapes, [1, 1, 2, 1]);
    assert!(
        log["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e.get("metadata").is_none())
    );
    assert_eq!(folder_snapshot(&dir), before, "reading is not upgrading");

    let scenario = write_scenario(
        tmp.path(),
        "more.json",
        &json!({"title": "Carol, after the deploy", "first_event_id": 2001, "steps": [
            {"deploy": {"event": "ModifyOrderEvent", "version": 2}},
            place_order("B2", "Carol", 2, 30),
            {"change_quantity": {"order_id": "B2", "quantity": 3, "reason": "a third pen"},
             "by": "support", "at": "2026-03-05T16:00:00Z",
             "expect": {"ok": true, "event_id": 2006}},
            {"history": {"order_id": "B2"},
             "expect": {"last_changed_by": "support", "last_changed_at": "2026-03-05T16:00:00Z"}},
            {"history": {"order_id": "A1"}}
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
    assert_eq!(
        user_version(&events_file(&dir)),
        i64::from(eslab::EVENT_STORE_SCHEMA.version)
    );
    assert_eq!(user_version(&dir.join("crud.sqlite3")), 4);
    // The old events read back as written, with their shapes and no metadata.
    let old = step_result(&run, 5, "es")["events"].as_array().unwrap();
    assert_eq!(old.len(), 4);
    assert!(old.iter().all(|e| e.get("metadata").is_none()));
    assert!(step_result(&run, 5, "crud").get("last_write").is_none());
    let new = &step_result(&run, 4, "es")["events"][1];
    assert_eq!(new["schema_version"], 2);
    assert_eq!(new["metadata"]["actor"], "support");
    // The chain still holds, and the old head is still the fourth event's hash.
    let verdict = json(["verify", "--db-dir", d, "--format", "json"]);
    assert_eq!(verdict["holds"], true, "{verdict}");
    let log = json(["log", "--db-dir", d, "--format", "json"]);
    assert_eq!(log["events"][3]["hash"], head);
    let replay = json(["replay", "--db-dir", d, "--format", "json"]);
    assert_eq!(field_u64s(&replay["orders"], "quantity"), [4, 3]);
}

/// The columns of a CRUD table, in order.
fn columns(db_file: &Path) -> Vec<String> {
    select(
        db_file,
        "SELECT name FROM pragma_table_info('orders')",
        |r| r.get(0),
    )
}

/// A `--db-dir` kept by eslab 0.1 (CRUD schema 2, money columns not yet named `_cents`) is
/// carried on: its CRUD table is migrated forward in place, values exactly as they were, the
/// way the schema-evolution lesson shows CRUD migrating; its log reads, verifies and replays.
#[test]
fn a_db_dir_from_eslab_0_1_is_migrated_forward_and_carried_on() {
    let (tmp, dir) = fixture_copy("crud-v2/bob");
    let d = path_str(&dir);
    let crud = dir.join("crud.sqlite3");
    assert_eq!(user_version(&crud), 2);
    let before = folder_snapshot(&dir);

    // Reading the log changes nothing, the CRUD file least of all.
    assert_eq!(
        json(["verify", "--db-dir", d, "--format", "json"])["holds"],
        true
    );
    let log = json(["log", "--db-dir", d, "--format", "json"]);
    assert_eq!(log["events"].as_array().unwrap().len(), 3);
    let replay = json(["replay", "--db-dir", d, "--format", "json"]);
    assert_eq!(field_u64s(&replay["orders"], "quantity"), [6]);
    assert_eq!(
        folder_snapshot(&dir),
        before,
        "reading leaves the folder as it was"
    );

    // Bob's own run is done already: nothing runs twice.
    let again = json([
        "run",
        "bob",
        "--db-dir",
        d,
        "--continue",
        "--format",
        "json",
    ]);
    for backend in ["crud", "es"] {
        // Bob's three commands.
        for result in &results_of(&again, backend)[..3] {
            assert_eq!(result["why"], "done_earlier", "{result}");
        }
    }

    let scenario = write_scenario(
        tmp.path(),
        "more.json",
        &json!({"title": "Carol after Bob", "first_event_id": 2001, "steps": [
            place_order("B2", "Carol", 2, 30),
            {"pay": {"order_id": "B2", "amount": 60}},
            {"query": {"order_id": "A1"},
             "expect": {"status": "Paid", "quantity": 6, "paid": 60, "total": 60}},
            {"query": {"order_id": "B2"}, "expect": {"status": "Paid", "total": 60}}
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
    assert_eq!(user_version(&crud), 4);
    assert_eq!(
        columns(&crud),
        [
            "order_id",
            "customer",
            "product",
            "quantity",
            "unit_price_cents",
            "total_cents",
            "paid_cents",
            "status",
            "updated_at",
            "updated_by"
        ]
    );
    let rows: Vec<(String, i64, i64, i64)> = select(
        &crud,
        "SELECT order_id, unit_price_cents, total_cents, paid_cents FROM orders ORDER BY order_id",
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    );
    assert_eq!(
        rows,
        [
            ("A1".into(), 1000, 6000, 6000),
            ("B2".into(), 3000, 6000, 6000)
        ]
    );
    assert_eq!(
        json(["verify", "--db-dir", d, "--format", "json"])["holds"],
        true
    );
    let replay = json(["replay", "--db-dir", d, "--format", "json"]);
    assert_eq!(field_u64s(&replay["orders"], "quantity"), [6, 2]);
}

/// The same for a `--crud-locking` folder of eslab 0.1: its version column survives the
/// migration and still refuses a stale write.
#[test]
fn a_locking_db_dir_from_eslab_0_1_keeps_refusing_stale_writes() {
    let (tmp, dir) = fixture_copy("crud-v2/lost-update-locking");
    let d = path_str(&dir);
    let crud = dir.join("crud.sqlite3");
    assert_eq!(user_version(&crud), 2);
    let scenario = write_scenario(
        tmp.path(),
        "stale.json",
        &json!({"title": "Alice again", "first_event_id": 2001, "steps": [
            {"change_quantity": {"order_id": "A1", "quantity": 9, "expected_version": 1}},
            {"change_quantity": {"order_id": "A1", "quantity": 7, "expected_version": 2},
             "expect": {"ok": true, "quantity": 7}}
        ]}),
    );
    let run = json([
        "run",
        path_str(&scenario),
        "--db-dir",
        d,
        "--continue",
        "--crud-locking",
        "--format",
        "json",
    ]);
    assert_eq!(run["summary"]["expectations"]["failures"], json!([]));
    assert_eq!(results_of(&run, "crud")[0]["outcome"], "rejected");
    assert_eq!(user_version(&crud), 4);
    let rows: Vec<(i64, i64, i64)> = select(
        &crud,
        "SELECT quantity, total_cents, version FROM orders",
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    );
    assert_eq!(rows, [(7, 7000, 3)]);
}

/// Issue 18 §2: a report's rows read as a table with aligned columns, in text and markdown,
/// never as cells joined by pipes.
#[test]
fn report_results_are_tables_not_pipe_separated_text() {
    for name in ["new-question", "own-read-model"] {
        let text = ok(["run", name, "--width", "80"]);
        assert!(!text.contains(" | "), "{name}:\n{text}");
        assert!(
            text.contains("customer  "),
            "{name}: no report table\n{text}"
        );
        let markdown = ok(["run", name, "--format", "markdown"]);
        assert!(!markdown.contains("\\|"), "{name}:\n{markdown}");
        assert!(
            markdown.contains("see Report at step"),
            "{name}:\n{markdown}"
        );
    }
}

/// Issue 18 §2, who and when: where the audit lesson's payment writes over the row's last
/// writer, the block shows updated_by and updated_at overwritten (text and markdown), the
/// JSON's changes list them, each event says who issued it and when, and the history answers
/// both the row's last writer and who changed the quantity. A scenario that does not teach
/// who and when never says "by clerk at".
#[test]
fn who_and_when_is_shown_where_it_is_overwritten_and_only_where_it_is_taught() {
    let text = ok(["run", "audit", "--width", "80"]);
    let payment: String = text
        .split("\n\n")
        .find(|block| block.starts_with("3. pay A1"))
        .unwrap()
        .to_string();
    assert_contains_all(
        &payment,
        &[
            "updated_by: support → bob",
            "updated_at: 2026-03-01T10:15:00Z",
            "→ 2026-03-01T10:20:00Z",
            "by bob at 2026-03-01T10:20:00Z",
        ],
    );
    assert_contains_all(
        &text,
        &[
            "by support at 2026-03-01T10:15:00Z",
            "quantity last changed by support at",
            "expect: last written by bob at 2026-03-01T10:20:00Z",
        ],
    );
    let markdown = ok(["run", "audit", "--format", "markdown"]);
    assert_contains_all(&markdown, &["updated_by: support → bob"]);
    let run = json(["run", "audit", "--format", "json"]);
    let crud = results_of(&run, "crud");
    let changes = &crud[2]["storage"]["update"]["changes"];
    assert!(
        changes
            .as_array()
            .unwrap()
            .contains(&json!({"column": "updated_by", "old": "support", "new": "bob"})),
        "{changes}"
    );
    for name in bundled_names().into_iter().filter(|n| *n != "audit") {
        for width in ["80", "120"] {
            let text = ok(["run", name, "--width", width]);
            assert!(
                !text.contains(" by clerk at") && !text.contains("updated_by"),
                "{name} at {width} says who and when without teaching it:\n{text}"
            );
        }
    }
}

/// Issue 18 §2, schema evolution: a stream's version reads `v2`, an event's shape `shape 2`,
/// never the same word; the step says the reason Bob gave.
#[test]
fn a_shape_is_never_called_v_and_the_step_says_the_reason() {
    let text = ok(["run", "schema-evolution", "--width", "80"]);
    assert_contains_all(
        &text,
        &[
            "change_quantity A1 · quantity → 4 · reason: the gift is off",
            "deploy · ModifyOrderEvent in shape 2",
            "written as shape 2",
        ],
    );
    let markdown = ok(["run", "schema-evolution", "--format", "markdown"]);
    assert_contains_all(
        &markdown,
        &[
            "the writer writes shape 1, which has no field for it",
            "(written in shape 1, read as shape 2)",
            "the writer now writes ModifyOrderEvent in shape 2 (was shape 1)",
        ],
    );
    assert!(!text.contains("shape v"), "{text}");
    assert!(!text.contains("written v1"), "{text}");
}

/// Issue 18 §2, snapshots: `eslab log` marks where a snapshot of OrderView was taken, right
/// after the event it holds up to, in the stacked layout and under the wide table.
#[test]
fn the_log_marks_where_the_snapshot_was_taken() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("snapshots");
    let d = path_str(&dir);
    ok(["run", "snapshots", "--db-dir", d]);
    let mark = "── snapshot of OrderView at #2012: a rebuild starts here ──";
    let stacked = ok(["log", "--db-dir", d, "--width", "80"]);
    let at = stacked.find(mark).unwrap_or_else(|| panic!("{stacked}"));
    let (before, after) = (
        stacked.find("#2012 ").unwrap(),
        stacked.find("#2013 ").unwrap(),
    );
    assert!(before < at && at < after, "{stacked}");
    let table = ok(["log", "--db-dir", d, "--width", "160"]);
    assert!(table.contains(mark), "{table}");
}
