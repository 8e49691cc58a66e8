//! `--db-dir`: databases kept in a folder, carried on, never overwritten.

use super::*;

// ---------------------------------------------------------------------------------------
// --db-dir

#[test]
fn db_dir_keeps_both_databases_and_log_and_replay_read_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let live = json(["run", "bob", "--db-dir", d, "--format", "json"]);
    assert!(dir.path().join("crud.sqlite3").is_file());
    assert!(dir.path().join("events.sqlite3").is_file());
    // Same story as in memory.
    assert_eq!(
        live["steps"],
        json(["run", "bob", "--format", "json"])["steps"]
    );

    // The databases are real SQLite files holding what the run said.
    let crud = rusqlite::Connection::open(dir.path().join("crud.sqlite3")).unwrap();
    let row: (String, i64, i64, i64, String) = crud
        .query_row(
            "SELECT order_id, quantity, total_cents, paid_cents, status FROM orders",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap();
    assert_eq!(row, ("A1".into(), 6, 6000, 6000, "Paid".into()));
    drop(crud);

    let log = ok(["log", "--db-dir", d]);
    for id in ["2001", "2002", "2003"] {
        assert!(
            log.lines().any(|l| l.contains(&format!("│ {id} "))),
            "{log}"
        );
    }
    let log = json(["log", "--db-dir", d, "--format", "json"]);
    let ids = field_u64s(&log["events"], "event_id");
    assert_eq!(ids, appended_event_ids(&live));
    assert_eq!(ids, [2001, 2002, 2003]);

    let replay = json([
        "replay", "--db-dir", d, "--until", "2002", "--format", "json",
    ]);
    assert_eq!(replay["until"], 2002);
    assert_eq!(replay["checkpoint"], 2002);
    let orders = replay["orders"].as_array().unwrap();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0]["order_id"], "A1");
    assert_eq!(orders[0]["quantity"], 6);
    assert_eq!(orders[0]["version"], 2);
    assert_eq!(orders[0]["status"], "Placed");
    assert_eq!(orders[0]["paid"], "0.00");
    // That is exactly the state ES answered after step 2.
    assert_eq!(orders[0], results_of(&live, "es")[1]["state"]);

    let whole = json(["replay", "--db-dir", d, "--format", "json"]);
    assert_eq!(whole["orders"][0], results_of(&live, "es")[3]["state"]);

    let before_first = json([
        "replay", "--db-dir", d, "--until", "2000", "--format", "json",
    ]);
    assert_eq!(before_first["checkpoint"], Value::Null);
    assert_eq!(before_first["orders"], json!([]));
}

#[test]
fn a_second_run_into_the_same_folder_is_refused_and_touches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    ok(["run", "bob", "--db-dir", d]);
    let before = folder_snapshot(dir.path());
    let names: Vec<_> = before.keys().cloned().collect();
    assert_eq!(
        names,
        [
            std::path::PathBuf::from("crud.sqlite3"),
            "events.sqlite3".into()
        ]
    );
    for args in [
        vec!["run", "bob", "--db-dir", d],
        vec!["run", "wrong-payment", "--db-dir", d, "--backend", "es"],
        vec!["run", "bob", "--db-dir", d, "--backend", "crud"],
        vec!["diff", "bob", "--db-dir", d],
    ] {
        let stderr = input_error(&args);
        assert!(stderr.contains("already exists"), "{args:?}: {stderr}");
        assert!(stderr.contains("--continue"), "{stderr}");
        assert_eq!(
            folder_snapshot(dir.path()),
            before,
            "{args:?} changed the folder"
        );
    }
}

#[test]
fn continue_carries_on_from_the_stored_databases() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    ok(["run", "bob", "--db-dir", d]);
    let log_before = json(["log", "--db-dir", d, "--format", "json"]);
    let last_id = log_before["events"].as_array().unwrap().last().unwrap()["event_id"]
        .as_u64()
        .unwrap();

    // wrong-payment's own ids would start at 1; carrying on, they follow the log's last one.
    let wrong = json([
        "run",
        "wrong-payment",
        "--db-dir",
        d,
        "--continue",
        "--format",
        "json",
    ]);
    let appended = appended_event_ids(&wrong);
    assert_eq!(appended.first(), Some(&(last_id + 1)));
    assert_eq!(appended.first(), Some(&2004));
    let expected: Vec<u64> = (last_id + 1..).take(appended.len()).collect();
    assert_eq!(appended, expected, "event ids are consecutive");
    assert_eq!(wrong["summary"]["differing_steps"], json!([]));
    assert_eq!(
        wrong["summary"]["storage"],
        json!([
            {"backend": "crud", "unit": "rows", "count": 2},
            {"backend": "es", "unit": "events", "count": 3 + appended.len()},
        ])
    );

    let log = json(["log", "--db-dir", d, "--format", "json"]);
    let ids = field_u64s(&log["events"], "event_id");
    let mut expected = vec![2001, 2002, 2003];
    expected.extend(&appended);
    assert_eq!(ids, expected);

    // Bob again: each database recorded bob's three commands as done, so they are skipped
    // (not refused, not appended again), and the query still answers what the first run left.
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
        let results = results_of(&again, backend);
        for result in &results[..3] {
            assert_eq!(result["outcome"], "not_applicable", "{result}");
            assert_eq!(result["why"], "done_earlier", "{result}");
            assert_eq!(
                result["narration"]["storage"],
                json!([{"text": "done by an earlier run: carried on after it (--continue)"}])
            );
        }
        assert_eq!(results[3]["outcome"], "answered");
        assert_eq!(results[3]["state"]["status"], "Paid");
        assert_eq!(results[3]["state"]["quantity"], 6);
    }
    assert_eq!(results_of(&again, "es")[3]["state"]["version"], 3);
    assert_eq!(appended_event_ids(&again), Vec::<u64>::new());
}

#[test]
fn the_event_log_is_append_only_in_sqlite_itself() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    ok(["run", "bob", "--db-dir", d]);
    let path = dir.path().join("events.sqlite3");
    let db = rusqlite::Connection::open(&path).unwrap();
    let count = |db: &rusqlite::Connection| -> i64 {
        db.query_row("SELECT count(*) FROM events", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(count(&db), 3);
    for sql in [
        "UPDATE events SET payload = '{\"amount\":\"1.00\"}' WHERE event_id = 2003",
        "UPDATE events SET event_type = 'OrderCancelledEvent'",
        "DELETE FROM events WHERE event_id = 2002",
        "DELETE FROM events",
    ] {
        let err = db
            .execute(sql, [])
            .expect_err(&format!("{sql} must be refused"));
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(count(&db), 3);
    let payload: String = db
        .query_row(
            "SELECT payload FROM events WHERE event_id = 2003",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(payload, r#"{"amount":"60.00"}"#);
}
