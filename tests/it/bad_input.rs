//! Bad input: every unusable file or folder is refused with exit 2 and one clear message
//! that names it (and the line, column and step where that applies), never a panic, and
//! nothing is touched. Values that are readable but break the rules are outcomes, not errors.

use std::path::Path;

use crate::common::*;
use serde_json::{Value, json};

/// `eslab run FILE` must be refused; returns stderr, which must name the file. `eslab check`
/// must refuse it with the same message.
fn refused(path: &Path) -> String {
    let stderr = input_error(["run", path_str(path)]);
    assert!(
        stderr.contains(path_str(path)),
        "the message must name the file:\n{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one message:\n{stderr}");
    let check = run(["check", path_str(path)]);
    assert_eq!(check.code, Some(2));
    assert!(check.stdout.is_empty(), "{check:?}");
    assert_eq!(
        check.stderr.trim_start_matches("eslab: ").trim_end(),
        stderr.trim_start_matches("eslab: error: ").trim_end(),
        "check and run give the same reason"
    );
    stderr
}

/// The 1-based line and column (in characters) of the first `needle` in `text`.
fn position_of(text: &str, needle: &str) -> (usize, usize) {
    let at = text.find(needle).expect("needle is in the text");
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// A scenario whose steps are these, as JSON text with one step per line, so that positions
/// in error messages point at a known line.
fn steps_text(steps: &[&str]) -> String {
    format!(
        "{{\n  \"title\": \"bad\",\n  \"steps\": [\n    {}\n  ]\n}}\n",
        steps.join(",\n    ")
    )
}

const PLACE: &str = r#"{"place_order": {"order_id": "A1", "customer": "Bob", "product": "Book", "quantity": 5, "unit_price": 10}}"#;

/// Refuses a scenario whose step `n` (from 1) is `bad`, and checks the message names the
/// file, the line of the bad step, and `step n`. Returns stderr.
fn refused_step(bad: &str, n: usize) -> String {
    let mut steps = vec![PLACE; n - 1];
    steps.push(bad);
    let text = steps_text(&steps);
    let (_dir, path) = file_with(&text);
    let stderr = refused(&path);
    let (line, _) = position_of(&text, bad);
    assert!(
        stderr.contains(&format!("{}:{line}:", path_str(&path))),
        "the message must point at line {line}:\n{stderr}"
    );
    assert!(stderr.contains(&format!(": step {n}: ")), "{stderr}");
    stderr
}

// ---------------------------------------------------------------------------------------
// Files that cannot be read as a scenario

#[test]
fn a_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.json");
    let stderr = refused(&path);
    assert!(stderr.contains("cannot read"), "{stderr}");
    assert!(!path.exists());
}

#[test]
fn a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let stderr = refused(dir.path());
    assert!(stderr.contains("directory"), "{stderr}");
}

#[test]
fn an_empty_file() {
    let (_dir, path) = file_with("");
    let stderr = refused(&path);
    assert!(
        stderr.contains(&format!("{}:1:", path_str(&path))),
        "{stderr}"
    );
    assert!(stderr.contains("EOF"), "{stderr}");
}

#[test]
fn bytes_that_are_not_utf8_are_located_by_line_and_column() {
    // Two lines; the bad byte follows multi-byte characters, so the column counts characters.
    let good = "{\"title\": \"t\",\n  \"description\": \"ñé ";
    let mut bytes = good.as_bytes().to_vec();
    bytes.extend([0xff, b'"', b'}']);
    let (_dir, path) = file_with(&bytes);
    let stderr = refused(&path);
    let line = good.matches('\n').count() + 1;
    let column = good.rsplit('\n').next().unwrap().chars().count() + 1;
    assert!(
        stderr.contains(&format!("{}:{line}:{column}:", path_str(&path))),
        "expected {line}:{column} in {stderr}"
    );
    assert_contains_all(&stderr, &["UTF-8", "0xff"]);
}

#[test]
fn malformed_json_is_located_by_line_and_column() {
    let text = "{\"title\": \"t\",\n  \"steps\": [}\n";
    let (_dir, path) = file_with(text);
    let stderr = refused(&path);
    let (line, column) = position_of(text, "}\n");
    assert!(
        stderr.contains(&format!("{}:{line}:{column}:", path_str(&path))),
        "expected {line}:{column} in {stderr}"
    );

    let text = "{\"title\": \"t\", \"steps\": [{\"query\": {\"order_id\": \"A1\"}}]} trailing";
    let (_dir, path) = file_with(text);
    let stderr = refused(&path);
    let (line, column) = position_of(text, "trailing");
    assert!(
        stderr.contains(&format!("{}:{line}:{column}:", path_str(&path))),
        "expected {line}:{column} in {stderr}"
    );
    assert!(stderr.contains("trailing"), "{stderr}");
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let depth = 100_000;
    let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let objects = format!("{}1{}", "{\"a\": ".repeat(depth), "}".repeat(depth));
    let in_a_step =
        format!(r#"{{"title": "t", "steps": [{{"query": {{"order_id": {nested}}}}}]}}"#);
    let in_a_note = format!(
        r#"{{"title": "t", "steps": [{{"query": {{"order_id": "A1"}}, "note": {nested}}}]}}"#
    );
    for text in [&nested, &objects, &in_a_step, &in_a_note] {
        let (_dir, path) = file_with(text);
        let stderr = refused(&path);
        assert!(stderr.len() < 500, "a short message: {stderr}");
    }
}

/// A file too big to read whole is read as a stream, with a cap on each string instead: one
/// string as big as the file is refused where it starts.
#[test]
fn a_huge_string_in_a_streamed_file_is_refused_where_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.json");
    let padding = "x".repeat(16 * 1024 * 1024);
    let text = format!(
        r#"{{"title": "t", "description": "{padding}", "steps": [{{"query": {{"order_id": "A1"}}}}]}}"#
    );
    std::fs::write(&path, &text).unwrap();
    assert!(text.len() as u64 > eslab::STREAM_ABOVE_BYTES);
    let stderr = refused(&path);
    let (line, column) = position_of(&text, "\"xxx");
    assert!(
        stderr.contains(&format!(
            "huge.json:{line}:{column}: description: a string longer than 1024 KiB"
        )),
        "{stderr}"
    );
}

// ---------------------------------------------------------------------------------------
// Scenario structure

#[test]
fn an_unknown_step_names_its_step() {
    let stderr = refused_step(r#"{"ship": {"order_id": "A1"}}"#, 2);
    assert_contains_all(&stderr, &["unknown step `ship`", "place_order"]);
}

#[test]
fn an_unknown_field_is_named() {
    // `as_of` is a query's field now; a misspelling of it is not.
    let stderr = refused_step(r#"{"query": {"order_id": "A1", "as_off": 3}}"#, 2);
    assert_contains_all(&stderr, &["query.as_off", "unknown field `as_off`"]);

    let text = r#"{"title": "t", "author": "me", "steps": [{"query": {"order_id": "A1"}}]}"#;
    let (_dir, path) = file_with(text);
    let stderr = refused(&path);
    assert!(stderr.contains("unknown field `author`"), "{stderr}");
}

#[test]
fn two_actions_in_one_step() {
    let stderr = refused_step(
        r#"{"query": {"order_id": "A1"}, "cancel": {"order_id": "A1", "reason": "x"}}"#,
        3,
    );
    assert_contains_all(&stderr, &["exactly one action", "`query`", "`cancel`"]);
}

#[test]
fn a_step_without_an_action() {
    let stderr = refused_step(r#"{"note": "just a note"}"#, 1);
    assert!(stderr.contains("no action"), "{stderr}");
}

#[test]
fn a_missing_title() {
    let (_dir, path) = file_with(r#"{"steps": [{"query": {"order_id": "A1"}}]}"#);
    let stderr = refused(&path);
    assert!(stderr.contains("missing field `title`"), "{stderr}");
}

#[test]
fn a_blank_title() {
    let (_dir, path) = file_with(r#"{"title": "  ", "steps": [{"query": {"order_id": "A1"}}]}"#);
    let stderr = refused(&path);
    assert!(stderr.contains("title"), "{stderr}");
}

#[test]
fn no_steps() {
    for text in [r#"{"title": "t", "steps": []}"#, r#"{"title": "t"}"#] {
        let (_dir, path) = file_with(text);
        let stderr = refused(&path);
        assert!(stderr.contains("step"), "{stderr}");
    }
}

#[test]
fn a_not_for_flag_that_does_not_exist_is_named_with_the_ones_that_do() {
    let text = "{\"title\": \"t\",\n \"not_for\": {\"locking\": \"x\"},\n \"steps\": [{\"query\": {\"order_id\": \"A1\"}}]}";
    let (_dir, path) = file_with(text);
    let stderr = refused(&path);
    assert_contains_all(
        &stderr,
        &[
            &format!("{}:2:", path_str(&path)),
            "not_for: unknown variant `locking`",
            "`crud-locking`, `backend-crud`, `backend-es`",
        ],
    );
}

#[test]
fn not_for_needs_a_reason_for_each_flag() {
    for not_for in [
        r#"["crud-locking"]"#,
        r#"{"crud-locking": ""}"#,
        r#"{"backend-es": 1}"#,
    ] {
        let text = format!(
            r#"{{"title": "t", "not_for": {not_for}, "steps": [{{"query": {{"order_id": "A1"}}}}]}}"#
        );
        let (_dir, path) = file_with(&text);
        let stderr = refused(&path);
        assert!(stderr.contains("not_for"), "{stderr}");
    }
}

// ---------------------------------------------------------------------------------------
// Values that cannot be read

fn pay_step(amount: &str) -> String {
    format!(r#"{{"pay": {{"order_id": "A1", "amount": {amount}}}}}"#)
}

#[test]
fn amounts_that_are_not_dollars_and_cents() {
    let cases: [(&str, &str); 13] = [
        ("10.123", "more than two decimals"),
        ("\"10.123\"", "more than two decimals"),
        ("-1", "negative"),
        ("-0.5", "negative"),
        ("\"-3\"", "negative"),
        ("\"NaN\"", "not an amount"),
        ("\"nan\"", "not an amount"),
        ("\"inf\"", "not an amount"),
        ("\"Infinity\"", "not an amount"),
        ("\"ten\"", "not an amount"),
        ("\"\"", "not an amount"),
        ("1e400", "out of range"),
        ("null", "invalid type"),
    ];
    for (amount, why) in cases {
        let stderr = refused_step(&pay_step(amount), 2);
        assert_contains_all(&stderr, &["pay.amount", why]);
    }
    // Too large for any amount: refused, and called so.
    for amount in ["18446744073709551616", "\"99999999999999999999\"", "1e20"] {
        let stderr = refused_step(&pay_step(amount), 2);
        assert_contains_all(&stderr, &["pay.amount", "too large"]);
    }
    let stderr = refused_step(
        r#"{"place_order": {"order_id": "B1", "customer": "C", "product": "P", "quantity": 1, "unit_price": 1.001}}"#,
        1,
    );
    assert!(stderr.contains("place_order.unit_price"), "{stderr}");
}

fn change_step(quantity: &str) -> String {
    format!(r#"{{"change_quantity": {{"order_id": "A1", "quantity": {quantity}}}}}"#)
}

#[test]
fn quantities_that_are_not_whole_numbers_of_items() {
    for (quantity, why) in [
        ("-1", "negative"),
        ("-0.5", "negative"),
        ("2.5", "not a whole number"),
        ("0.1", "not a whole number"),
        ("18446744073709551616", "too large"),
        ("\"6\"", "invalid type"),
    ] {
        let stderr = refused_step(&change_step(quantity), 2);
        assert_contains_all(&stderr, &["change_quantity.quantity", why]);
    }
}

fn query_step(order_id: &str) -> String {
    json!({"query": {"order_id": order_id}}).to_string()
}

#[test]
fn order_ids_that_cannot_be_stored_or_shown() {
    let stderr = refused_step(&query_step(""), 2);
    assert_contains_all(&stderr, &["query.order_id", "must not be empty"]);

    let long = "x".repeat(10_000);
    let stderr = refused_step(&query_step(&long), 2);
    assert_contains_all(&stderr, &["query.order_id", "at most 100 characters"]);
    assert!(stderr.len() < 500, "the id is not echoed in full: {stderr}");

    for id in ["A\u{1b}[31m1", "A\n1", "A\u{7}1", "A\u{0}1"] {
        let stderr = refused_step(&query_step(id), 2);
        assert_contains_all(&stderr, &["query.order_id", "control characters"]);
        assert!(!stderr.contains('\u{1b}'), "no raw ESC: {stderr:?}");
        assert!(!stderr.contains('\u{7}'), "no raw BEL: {stderr:?}");
    }
}

// ---------------------------------------------------------------------------------------
// check

#[test]
fn check_reports_each_file_on_its_own_stream() {
    let dir = tempfile::tempdir().unwrap();
    let good = write_scenario(
        dir.path(),
        "good.json",
        &json!({"title": "t", "steps": [{"query": {"order_id": "A1"}}]}),
    );
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, steps_text(&[PLACE, &pay_step("-1")])).unwrap();
    let out = run(["check", path_str(&good), path_str(&bad)]);
    assert_eq!(out.code, Some(2), "{out:?}");
    let stdout = out.stdout_text();
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(
        stdout.starts_with(&format!("ok: {} (1 step", path_str(&good))),
        "{stdout}"
    );
    assert!(out.stderr.starts_with("eslab: "), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert_contains_all(&out.stderr, &[path_str(&bad), "step 2", "negative"]);
    assert!(!out.stderr.contains(path_str(&good)));

    // Both bad: both reported, in order; nothing on stdout.
    let out = run(["check", path_str(&bad), "nonesuch", path_str(&good)]);
    assert_eq!(out.code, Some(2));
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", out.stderr);
    assert!(lines[0].contains(path_str(&bad)));
    assert!(lines[1].contains("nonesuch"));
    assert_eq!(out.stdout_text().lines().count(), 1);
}

// ---------------------------------------------------------------------------------------
// --db-dir holding something that is not ours

#[derive(Clone, Copy, Debug)]
enum Stranger {
    ForeignSqlite,
    TextFile,
    EmptyFile,
}

fn plant(path: &Path, stranger: Stranger) {
    match stranger {
        Stranger::ForeignSqlite => {
            let db = rusqlite::Connection::open(path).unwrap();
            db.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (42);")
                .unwrap();
        }
        Stranger::TextFile => std::fs::write(path, "not a database\n").unwrap(),
        Stranger::EmptyFile => std::fs::write(path, "").unwrap(),
    }
}

#[test]
fn a_db_dir_holding_files_that_are_not_ours_is_left_exactly_as_it_was() {
    for file in ["crud.sqlite3", "events.sqlite3"] {
        for stranger in [
            Stranger::ForeignSqlite,
            Stranger::TextFile,
            Stranger::EmptyFile,
        ] {
            let dir = tempfile::tempdir().unwrap();
            let d = path_str(dir.path());
            plant(&dir.path().join(file), stranger);
            let before = folder_snapshot(dir.path());
            let mut attempts = vec![
                vec!["run", "bob", "--db-dir", d, "--continue"],
                vec!["run", "bob", "--db-dir", d],
                vec!["diff", "bob", "--db-dir", d, "--continue"],
            ];
            let backend = if file == "crud.sqlite3" { "crud" } else { "es" };
            attempts.push(vec![
                "run",
                "bob",
                "--db-dir",
                d,
                "--continue",
                "--backend",
                backend,
            ]);
            if file == "events.sqlite3" {
                attempts.push(vec!["log", "--db-dir", d]);
                attempts.push(vec!["replay", "--db-dir", d]);
            }
            for args in attempts {
                let stderr = input_error(&args);
                assert!(
                    stderr.contains(file),
                    "{stranger:?} {file}, {args:?}: {stderr}"
                );
                if args.contains(&"--continue") || args[0] != "run" && args[0] != "diff" {
                    assert!(stderr.contains("not an eslab"), "{args:?}: {stderr}");
                } else {
                    assert!(stderr.contains("already exists"), "{args:?}: {stderr}");
                }
                assert_eq!(
                    folder_snapshot(dir.path()),
                    before,
                    "{stranger:?} as {file}: eslab {args:?} changed the folder"
                );
            }
        }
    }
}

#[test]
fn a_db_dir_with_a_foreign_database_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.sqlite3");
    plant(&path, Stranger::ForeignSqlite);
    input_error(["run", "bob", "--db-dir", path_str(dir.path()), "--continue"]);
    let db = rusqlite::Connection::open(&path).unwrap();
    let x: i64 = db.query_row("SELECT x FROM t", [], |r| r.get(0)).unwrap();
    assert_eq!(x, 42);
    let tables: i64 = db
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .unwrap();
    assert_eq!(tables, 1, "no eslab table was added");
}

// ---------------------------------------------------------------------------------------
// Readable values that break the rules: outcomes, not errors

/// Runs a scenario of these steps (as JSON values) and returns the run's JSON.
fn run_steps(steps: Value) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = write_scenario(
        dir.path(),
        "rules.json",
        &json!({"title": "rules", "steps": steps}),
    );
    json(["run", path_str(&path), "--format", "json"])
}

/// The step's results must be the same rejection on both backends; returns the reason.
fn rejected(run: &Value, step: usize) -> String {
    let results = run["steps"][step - 1]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    for result in results {
        assert_eq!(result["outcome"], "rejected", "step {step}: {result}");
    }
    assert_eq!(results[0]["reason"], results[1]["reason"]);
    results[0]["reason"].as_str().unwrap().to_string()
}

#[test]
fn rule_breaking_values_are_rejected_by_both_designs() {
    let run = run_steps(json!([
        place_order("Q0", "Bob", 0, "10"),
        place_order("QM", "Bob", 2_000_000, "10"),
        place_order("A1", "Bob", 5, "10"),
        {"change_quantity": {"order_id": "A1", "quantity": 0}},
        {"change_quantity": {"order_id": "A1", "quantity": 1_000_001}},
        {"pay": {"order_id": "A1", "amount": "49.99"}},
        {"cancel": {"order_id": "A1", "reason": "changed mind"}},
        {"pay": {"order_id": "A1", "amount": "50.00"}},
        {"pay": {"order_id": "NOPE", "amount": 1}},
        {"cancel": {"order_id": "NOPE", "reason": "x"}},
        place_order("A1", "Bob", 1, "1"),
        {"query": {"order_id": "A1"}},
        {"query": {"order_id": "Q0"}},
    ]));
    assert!(rejected(&run, 1).contains("quantity must be from 1 to 1000000, not 0"));
    assert!(rejected(&run, 2).contains("not 2000000"));
    assert!(rejected(&run, 4).contains("not 0"));
    assert!(rejected(&run, 5).contains("not 1000001"));
    let wrong = rejected(&run, 6);
    assert_contains_all(&wrong, &["$49.99", "$50.00", "does not match"]);
    let cancelled = rejected(&run, 8);
    assert_contains_all(&cancelled, &["A1", "Cancelled", "paid"]);
    assert!(rejected(&run, 9).contains("order NOPE does not exist"));
    assert!(rejected(&run, 10).contains("order NOPE does not exist"));
    assert!(rejected(&run, 11).contains("order A1 already exists"));

    // Nothing a rejection touched was stored: A1 is as placed, then cancelled.
    for result in run["steps"][11]["results"].as_array().unwrap() {
        let state = &result["state"];
        assert_eq!(
            (
                &state["quantity"],
                &state["total"],
                &state["paid"],
                &state["status"]
            ),
            (
                &json!(5),
                &json!("50.00"),
                &json!("0.00"),
                &json!("Cancelled")
            )
        );
    }
    for result in run["steps"][12]["results"].as_array().unwrap() {
        assert_eq!(result["outcome"], "answered");
        assert_eq!(result["state"], Value::Null, "Q0 was never placed");
    }
    assert_eq!(
        run["summary"]["storage"],
        json!([
            {"backend": "crud", "unit": "rows", "count": 1},
            {"backend": "es", "unit": "events", "count": 2},
        ])
    );
    assert_eq!(run["summary"]["differing_steps"], json!([]));
}

#[test]
fn an_order_id_made_of_sql_is_just_an_id() {
    let id = "'; DROP TABLE orders; --";
    let dir = tempfile::tempdir().unwrap();
    let path = write_scenario(
        dir.path(),
        "sql.json",
        &json!({"title": "sql", "steps": [
            place_order(id, "Bob", 2, "3.50"),
            {"pay": {"order_id": id, "amount": "7.00"}},
            {"query": {"order_id": id}},
        ]}),
    );
    let db = dir.path().join("db");
    let run = json([
        "run",
        path_str(&path),
        "--db-dir",
        path_str(&db),
        "--format",
        "json",
    ]);
    for result in run["steps"][2]["results"].as_array().unwrap() {
        assert_eq!(result["state"]["order_id"], id);
        assert_eq!(result["state"]["status"], "Paid");
    }
    assert_eq!(run["summary"]["differing_steps"], json!([]));
    let crud = rusqlite::Connection::open(db.join("crud.sqlite3")).unwrap();
    let stored: String = crud
        .query_row("SELECT order_id FROM orders", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, id);
    let log = json(["log", "--db-dir", path_str(&db), "--format", "json"]);
    assert_eq!(log["events"][0]["stream_id"], id);
    let table = ok(["run", path_str(&path)]);
    assert!(table.contains(id), "{table}");
}

#[test]
fn control_characters_in_text_never_reach_the_terminal() {
    let evil = "\u{1b}[31mEvil\nName\u{7}";
    let dir = tempfile::tempdir().unwrap();
    let path = write_scenario(
        dir.path(),
        "ansi.json",
        &json!({
            "title": "Title \u{1b}[2J",
            "description": "About \u{1b}[31m red\nlines",
            "steps": [
                {"place_order": {"order_id": "A1", "customer": evil,
                                 "product": "Book\u{1b}[0m", "quantity": 1, "unit_price": 1},
                 "note": "note \u{1b}]0;title\u{7}"},
                {"cancel": {"order_id": "A1", "reason": evil}},
                {"query": {"order_id": "A1"}},
            ]
        }),
    );
    let db = dir.path().join("db");
    let p = path_str(&path);
    let d = path_str(&db);
    let table = ok(["run", p, "--db-dir", d]);
    let outputs = [
        table.clone(),
        ok(["run", p, "--width", "1000"]),
        ok(["run", p, "--format", "markdown"]),
        ok(["run", p, "--format", "json"]),
        ok(["diff", p]),
        ok(["log", "--db-dir", d]),
        ok(["log", "--db-dir", d, "--format", "markdown"]),
        ok(["replay", "--db-dir", d]),
    ];
    for out in &outputs {
        assert!(!out.contains('\u{1b}'), "a raw ESC reached stdout:\n{out}");
        assert!(!out.contains('\u{7}'), "a raw BEL reached stdout:\n{out}");
    }
    // Shown escaped, newline included, so the reader sees what the file holds.
    let wide = &outputs[1];
    assert!(wide.contains(r"\u{1b}[31mEvil\nName\u{7}"), "{wide}");
    assert!(wide.contains(r"Book\u{1b}[0m"), "{wide}");
    assert!(wide.contains(r"About \u{1b}[31m red\nlines"), "{wide}");
    // Markdown escapes the backslashes and brackets, so a renderer shows them as written.
    let markdown = &outputs[2];
    assert!(
        markdown.contains(r"\\u{1b}\[31mEvil\\nName\\u{7}"),
        "{markdown}"
    );
    // JSON keeps the exact text, escaped as JSON.
    let run: Value = serde_json::from_str(&outputs[3]).unwrap();
    assert_eq!(run["steps"][2]["results"][0]["state"]["customer"], evil);
    assert!(outputs[3].contains(r"\u001b[31mEvil\nName\u0007"));
    let log = &outputs[5];
    assert!(log.contains(r"\u{1b}[31mEvil\nName"), "{log}");
}

// ---------------------------------------------------------------------------------------
// Bugs once found in src/ and since fixed: each test keeps its bug from coming back.

/// A whole number written as a float (`5.0`, `1e3`) is a quantity, as `60.0` is an amount;
/// it was once refused as `quantity 5 is too large`.
#[test]
fn a_whole_quantity_written_as_a_float_is_a_quantity() {
    for (quantity, expected) in [("5.0", 5), ("1e3", 1000)] {
        let text = steps_text(&[PLACE, &change_step(quantity)]);
        let (_dir, path) = file_with(&text);
        let out = run(["run", path_str(&path), "--format", "json"]);
        assert_eq!(out.code, Some(0), "{quantity}: {}", out.stderr);
        assert!(
            !out.stderr.contains("too large"),
            "{quantity}: {}",
            out.stderr
        );
        let run: Value = serde_json::from_slice(&out.stdout).unwrap();
        for result in run["steps"][1]["results"].as_array().unwrap() {
            assert_eq!(result["outcome"], "applied", "{quantity}: {result}");
            assert_eq!(
                result["state"]["quantity"], expected,
                "{quantity}: {result}"
            );
        }
    }
}

/// An amount past any integer is called too large, in the file's own words; it was once
/// reported as "`1.8446744073709552e+19` is not an amount".
#[test]
fn an_amount_too_large_for_any_integer_is_called_too_large() {
    let stderr = refused_step(&pay_step("18446744073709551616"), 2);
    assert!(stderr.contains("too large"), "{stderr}");
    assert!(
        !stderr.contains("e+19"),
        "shows a number the file does not hold: {stderr}"
    );
}

/// `eslab check` escapes a file name's control characters; it once printed them raw.
#[test]
fn check_escapes_control_characters_in_file_names() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_scenario(
        dir.path(),
        "evil\u{1b}[31m.json",
        &json!({"title": "t", "steps": [{"query": {"order_id": "A1"}}]}),
    );
    let out = ok(["check", path_str(&path)]);
    assert!(!out.contains('\u{1b}'), "a raw ESC reached stdout: {out:?}");
}

/// `check` and `run` agree on `first_event_id`: an id `check` refuses, `run` refuses before
/// creating anything; an id `check` accepts runs, or fails without leaving the CRUD row and
/// the event log disagreeing on disk. (Ids up to i64::MAX once passed `check`, then the run
/// failed half-way and split the stores.)
#[test]
fn a_scenario_that_check_accepts_runs_or_fails_without_splitting_the_stores() {
    let dir = tempfile::tempdir().unwrap();
    let huge: [u64; 6] = [
        i64::MAX as u64,
        i64::MAX as u64 - 1,
        1 << 62,
        1_000_000_000_000_000_000,
        1_000_000_000_000_001,
        1_000_000_000_000_000,
    ];
    let mut accepted = 0;
    for (n, first_event_id) in huge.into_iter().enumerate() {
        let path = write_scenario(
            dir.path(),
            &format!("max{n}.json"),
            &json!({"title": "t", "first_event_id": first_event_id, "steps": [
                place_order("A1", "Bob", 1, "1"),
                {"cancel": {"order_id": "A1", "reason": "x"}},
            ]}),
        );
        let db = dir.path().join(format!("db{n}"));
        let check = run(["check", path_str(&path)]);
        if check.code != Some(0) {
            assert_eq!(check.code, Some(2), "{first_event_id}: {check:?}");
            let stderr = input_error(["run", path_str(&path), "--db-dir", path_str(&db)]);
            assert!(stderr.contains(path_str(&path)), "name the file: {stderr}");
            assert!(
                !db.exists(),
                "{first_event_id}: a refused run created {db:?}"
            );
            continue;
        }
        accepted += 1;
        let out = run(["run", path_str(&path), "--db-dir", path_str(&db)]);
        if out.code != Some(0) {
            assert!(
                out.stderr.contains(path_str(&path)),
                "name the file: {}",
                out.stderr
            );
        }
        if !db.join("crud.sqlite3").exists() {
            continue;
        }
        let crud = rusqlite::Connection::open(db.join("crud.sqlite3")).unwrap();
        let crud_status: Option<String> = crud
            .query_row("SELECT status FROM orders", [], |r| r.get(0))
            .ok();
        let replay = json(["replay", "--db-dir", path_str(&db), "--format", "json"]);
        let es_status = replay["orders"][0]["status"].as_str().map(String::from);
        assert_eq!(
            es_status, crud_status,
            "first_event_id {first_event_id}: the two stores disagree (exit {:?})",
            out.code
        );
    }
    assert!(
        accepted > 0,
        "none of {huge:?} is accepted: the test checks nothing"
    );
}

/// `check` refuses whatever `run` would: a step whose time, counted from a `start` near the
/// year 9999, would pass it. Pointed at by line and column wherever `start` is in the file:
/// at the step when `start` comes first, at `start` when it comes after the steps.
#[test]
fn a_step_time_past_9999_is_refused_by_check_as_by_run() {
    let query = r#"{"query": {"order_id": "A1"}}"#;
    let at = r#"{"pay": {"order_id": "A1", "amount": 50}, "at": "9999-12-31T23:59:59Z"}"#;
    let cancel = r#"{"cancel": {"order_id": "A1", "reason": "late"}}"#;
    let steps = [PLACE, query, at, cancel].join(",\n    ");
    let start = r#""start": "9999-12-31T23:58:00Z""#;
    // Step 3 says its own time and step 2 is no command: step 4 is the first past 9999.
    let first =
        format!("{{\n  \"title\": \"late\",\n  {start},\n  \"steps\": [\n    {steps}\n  ]\n}}\n");
    let (_dir, path) = file_with(&first);
    let stderr = refused(&path);
    let (line, column) = position_of(&first, cancel);
    // At the step's closing brace, where it was read whole.
    let column = column + cancel.chars().count() - 1;
    assert!(
        stderr.contains(&format!("{}:{line}:{column}: step 4: ", path_str(&path))),
        "{stderr}"
    );
    assert_contains_all(
        &stderr,
        &["`cancel` would happen past the year 9999", "`at`"],
    );
    let last =
        format!("{{\n  \"title\": \"late\",\n  \"steps\": [\n    {steps}\n  ],\n  {start}\n}}\n");
    let (_dir, path) = file_with(&last);
    let stderr = refused(&path);
    let (line, _) = position_of(&last, start);
    assert!(
        stderr.contains(&format!("{}:{line}:", path_str(&path)))
            || stderr.contains(&format!("{}:{}:", path_str(&path), line + 1)),
        "{stderr}"
    );
    assert_contains_all(
        &stderr,
        &[
            "start: ",
            "step 4: `cancel` would happen past the year 9999",
        ],
    );
    // One step less, and it fits: check and run both take it.
    let fits = first.replace(&format!(",\n    {cancel}"), "");
    let (_dir, path) = file_with(&fits);
    assert!(ok(["check", path_str(&path)]).contains("(3 steps)"));
    assert_eq!(run(["run", path_str(&path)]).code, Some(0));
}

/// A step's parts are named fields: a list by position is refused, as is a step that takes
/// no fields given as an empty list (`{"snapshot": []}` was taken as `{}`), and a whole
/// scenario or an expectation given as a list.
#[test]
fn values_by_position_are_refused_where_fields_are_named() {
    for (bad, what) in [
        (r#"{"pay": ["A1", 60]}"#, "pay"),
        (
            r#"{"place_order": ["A1", "Bob", "Book", 5, 10]}"#,
            "place_order",
        ),
        (r#"{"snapshot": []}"#, "snapshot"),
        (r#"{"crash_view": []}"#, "crash_view"),
        (r#"{"query": ["A1"]}"#, "query"),
        (
            r#"{"query": {"order_id": "A1"}, "expect": [true]}"#,
            "expect",
        ),
    ] {
        let stderr = refused_step(bad, 2);
        assert!(
            stderr.contains(&format!(
                "step 2: {what}: invalid type: sequence, expected an object of named fields"
            )),
            "{bad}: {stderr}"
        );
    }
    let (_dir, path) = file_with(r#"["t", null, 1, {}, "2026-03-01T09:00:00Z", "clerk", []]"#);
    let stderr = refused(&path);
    assert!(
        stderr.contains("invalid type: sequence, expected an object of named fields"),
        "{stderr}"
    );
}

/// A number with more digits than a float holds was read as another value, silently
/// (`10.499999999999999` stored as $10.50, `5.0000000000000001` as 5); an error quoted
/// `10.494999999999999` as `10.495`. Now each is refused, quoted as written, at its line
/// and column, in a small file and in a streamed one alike.
#[test]
fn numbers_that_cannot_be_read_exactly_are_refused_as_written() {
    for (field, bad, step) in [
        ("unit_price", "10.499999999999999", "place_order.unit_price"),
        ("quantity", "5.0000000000000001", "place_order.quantity"),
        ("amount", "10.494999999999999", "pay.amount"),
    ] {
        let bad_step = match field {
            "amount" => format!(r#"{{"pay": {{"order_id": "A1", "amount": {bad}}}}}"#),
            _ => PLACE
                .replace(
                    r#""quantity": 5"#,
                    &format!(
                        r#""quantity": {}"#,
                        if field == "quantity" { bad } else { "5" }
                    ),
                )
                .replace(
                    r#""unit_price": 10"#,
                    &format!(
                        r#""unit_price": {}"#,
                        if field == "unit_price" { bad } else { "10" }
                    ),
                ),
        };
        let text = steps_text(&[PLACE, &bad_step]);
        let (_dir, path) = file_with(&text);
        let stderr = refused(&path);
        let (line, column) = position_of(&text, bad);
        assert!(
            stderr.contains(&format!(
                "{}:{line}:{column}: step 2: {step}: `{bad}` has more digits than a number can hold exactly",
                path_str(&path)
            )),
            "{stderr}"
        );
    }
    // The same numbers written as they are meant are taken.
    let fine = steps_text(&[
        &PLACE.replace(r#""unit_price": 10"#, r#""unit_price": 1.05e1"#),
        r#"{"pay": {"order_id": "A1", "amount": "52.50"}}"#,
    ]);
    let (_dir, path) = file_with(&fine);
    assert!(ok(["check", path_str(&path)]).contains("(2 steps)"));
}

/// A file over the streaming size is read by the same checker: a number deep in it is
/// refused where it is; and a UTF-8 byte order mark at the start (some editors write one)
/// is taken as the nothing it shows as, in a streamed file as in a small one.
#[test]
fn a_streamed_file_is_checked_alike_and_a_byte_order_mark_is_taken() {
    let note = "n".repeat(1000 * 1024);
    let noted = format!(r#"{{"query": {{"order_id": "A1"}}, "note": "{note}"}}"#);
    let mut steps = vec![PLACE];
    steps.extend(std::iter::repeat_n(noted.as_str(), 17));
    let bad = r#"{"pay": {"order_id": "A1", "amount": 50.000000000000001}}"#;
    steps.push(bad);
    let text = format!("\u{feff}{}", steps_text(&steps));
    assert!(text.len() as u64 > eslab::STREAM_ABOVE_BYTES);
    let (_dir, path) = file_with(&text);
    let stderr = refused(&path);
    let (line, column) = position_of(&text, "50.000000000000001");
    assert!(
        stderr.contains(&format!(
            "{}:{line}:{column}: step 19: pay.amount: `50.000000000000001` has more digits",
            path_str(&path)
        )),
        "{stderr}"
    );
    let good = text.replace("50.000000000000001", "50");
    std::fs::write(&path, &good).unwrap();
    assert!(ok(["check", path_str(&path)]).contains("(19 steps)"));
    let (_dir, small) = file_with(format!("\u{feff}{}", steps_text(&[PLACE])));
    assert!(ok(["check", path_str(&small)]).contains("(1 step)"));
}
