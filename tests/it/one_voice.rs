//! What the room reads must be true: one test per output that taught the wrong thing (issue
//! "One voice", §2 and §3). Each fails on the outputs as they were before narration had one
//! home.

use crate::common::*;
use serde_json::{Value, json};

/// The table of a run at a width wide enough that no phrase below is wrapped.
fn table(args: &[&str]) -> String {
    let mut all = args.to_vec();
    all.extend(["--width", "200"]);
    let out = run(&all);
    assert!(
        matches!(out.code, Some(0) | Some(1)),
        "{}",
        out.describe(&all)
    );
    out.stdout_text()
}

/// The lines of a table section after `heading`, up to the next heading.
fn section<'a>(text: &'a str, heading: &str) -> &'a str {
    let start = text
        .find(heading)
        .unwrap_or_else(|| panic!("no {heading}:\n{text}"));
    let rest = &text[start + heading.len()..];
    let end = rest.find("\n\n## ").or_else(|| {
        rest.match_indices("\n\n").map(|(at, _)| at).find(|&at| {
            rest[at + 2..]
                .lines()
                .nth(1)
                .is_some_and(|l| l.starts_with("---"))
        })
    });
    &rest[..end.unwrap_or(rest.len())]
}

/// §3.1: the event-sourcing history goes on past a crash: every state answered, and the
/// steps the view was down marked.
#[test]
fn the_es_history_shows_every_state_answered_and_marks_the_view_down() {
    let run = json(["run", "crash-and-rebuild", "--format", "json"]);
    let es = &run["histories"][1];
    assert_eq!(es["backend"], "es");
    let b2 = es["orders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["order_id"] == "B2")
        .expect("B2 has a history");
    let steps: Vec<(u64, bool, Value)> = b2["states"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["step"].as_u64().unwrap(),
                e["view_down"].as_bool().unwrap_or(false),
                e["state"]["status"].clone(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            (2, false, json!("Placed")),
            (6, true, Value::Null),
            (9, false, json!("Paid")),
        ]
    );
    let text = table(&["run", "crash-and-rebuild"]);
    let histories = section(&text, "State histories");
    assert!(histories.contains("↯ view down"), "{histories}");
    assert!(
        histories
            .lines()
            .any(|l| l.contains(" 9 ") && l.contains("Paid") && l.contains(" 2 ")),
        "no B2 Paid v2 at step 9:\n{histories}"
    );
}

/// §3.2: CRUD's history says that only its last row is in the table.
#[test]
fn the_crud_history_says_earlier_rows_are_overwritten() {
    let text = table(&["run", "bob"]);
    let histories = section(&text, "State histories");
    assert!(histories.contains("Kept"), "{histories}");
    assert!(histories.contains("only the last state"), "{histories}");
    assert_eq!(histories.matches("→ overwritten").count(), 2, "{histories}");
    assert_eq!(histories.matches("┆ the row now").count(), 1, "{histories}");
}

/// §3.3: with --crud-locking both designs refuse Bob's stale write, and nothing says CRUD
/// overwrote it or that the designs disagree.
#[test]
fn lost_update_with_crud_locking_reads_true() {
    let text = table(&["run", "lost-update", "--crud-locking"]);
    for false_claim in ["overwrites Alice", "now disagree", "cannot tell"] {
        assert!(!text.contains(false_claim), "{false_claim:?} in:\n{text}");
    }
    assert_eq!(
        text.matches("✗ rejected: concurrency conflict").count(),
        2,
        "{text}"
    );
    assert!(!text.contains("Divergence"), "{text}");
}

/// §3.4: a writer that read a version the order has not reached is told it does not exist.
#[test]
fn an_expected_version_ahead_of_the_order_is_named_as_not_existing() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_scenario(
        dir.path(),
        "ahead.json",
        &json!({
            "title": "ahead",
            "steps": [
                place_order("A1", "Bob", 5, "10"),
                {"change_quantity": {"order_id": "A1", "quantity": 6, "expected_version": 7}}
            ]
        }),
    );
    let run = json(["run", path_str(&path), "--format", "json"]);
    let es = &run["steps"][1]["results"][1];
    let said: Vec<&str> = es["narration"]["storage"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        said,
        [
            "✗ rejected: concurrency conflict on A1: decided from version 7, which does not exist yet: A1 is at version 1",
            "(nothing appended)"
        ]
    );
}

/// §3.5: CRUD drops a cancel's reason and says so; the history step shows where it survives;
/// diff counts it as a gap.
#[test]
fn the_cancel_reason_survives_only_in_the_log() {
    let run = json(["run", "cancellation", "--format", "json"]);
    let cancel = &run["steps"][3]["results"];
    assert_eq!(
        cancel[0]["caveats"],
        json!([{"caveat": "not_kept", "field": "reason", "value": "found a cheaper chair"}])
    );
    assert_eq!(cancel[1].get("caveats"), None);
    assert!(
        said(&cancel[0]).contains("! the reason is not kept: the row has no column for it"),
        "{}",
        cancel[0]
    );
    let history = &run["steps"][6]["results"];
    assert_eq!(history[0]["why"], "history_not_kept");
    assert!(
        said(&history[1]).contains("OrderCancelledEvent: reason found a cheaper chair"),
        "{}",
        history[1]
    );
    let diff = run_json_in(Env::Clean, &["diff", "cancellation", "--format", "json"]);
    let gaps: Vec<u64> = diff["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["step"].as_u64().unwrap())
        .collect();
    assert!(gaps.contains(&4), "the cancel is not a gap: {diff}");
    assert!(
        gaps.iter().any(|&s| run["steps"][s as usize - 1]["action"]
            .get("history")
            .is_some()),
        "no history step among the gaps {gaps:?}"
    );
}

/// §3.6: with one design run, the summary claims nothing about agreement.
#[test]
fn one_design_alone_claims_nothing_about_agreement() {
    for backend in ["crud", "es"] {
        let text = table(&["run", "history", "--backend", backend]);
        let summary = section(&text, "Summary");
        assert!(
            !summary.contains("answered by one design only"),
            "{summary}"
        );
        assert!(
            summary.contains("one design ran, so there is nothing to compare"),
            "{summary}"
        );
    }
}

/// §3.7: an event id reads as an id, never as a count.
#[test]
fn event_ids_read_as_ids() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_scenario(
        dir.path(),
        "ids.json",
        &json!({"title": "ids", "steps": [place_order("A1", "Bob", 5, "10")]}),
    );
    let text = table(&["run", path_str(&path)]);
    assert!(text.contains("+ #1 NewOrderEvent"), "{text}");
    assert!(!text.contains("+ 1 NewOrderEvent"), "{text}");
}

/// §3.10: a failed expectation is marked on its own step and design, not only in the summary.
#[test]
fn a_failed_expectation_is_marked_on_its_step() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_scenario(
        dir.path(),
        "fails.json",
        &json!({"title": "fails", "steps": [
            {"place_order": {"order_id": "A1", "customer": "Bob", "product": "Book",
                             "quantity": 5, "unit_price": 10},
             "expect": {"total": 60}}
        ]}),
    );
    let out = run([
        "run",
        path_str(&path),
        "--width",
        "200",
        "--backend",
        "crud",
    ]);
    assert_eq!(out.code, Some(1));
    let text = out.stdout_text();
    let steps = section(&text, "Step by step");
    assert!(
        steps.contains("✘ expect total $60.00, got $50.00"),
        "{steps}"
    );
}

/// §3.12: diff counts only the steps both designs could answer.
#[test]
fn diff_counts_only_what_both_could_answer() {
    let out = run(["diff", "history", "--width", "200"]);
    assert_eq!(out.code, Some(0));
    let text = out.stdout_text();
    assert!(
        text.starts_with(
            "identical: CRUD and event sourcing answered the same at all 4 steps of history that both could answer"
        ),
        "{text}"
    );
}

/// §3.13: --continue with every step done says nothing was left to run.
#[test]
fn continuing_a_finished_run_says_nothing_was_left() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let db = path_str(&db);
    ok(["run", "bob", "--db-dir", db]);
    let text = ok(["run", "bob", "--db-dir", db, "--continue", "--width", "200"]);
    let said = "Nothing was left to run: an earlier run did every command of this scenario (--continue); only its questions were asked again.";
    assert_eq!(
        text.matches(said).count(),
        2,
        "above the steps and in the summary:\n{text}"
    );
    // The histories show what the designs answered to the question asked again.
    let histories = section(&text, "State histories");
    assert!(histories.contains("Paid"), "{histories}");
}

/// §3.15: CRUD's money columns say they hold cents.
#[test]
fn crud_money_columns_say_they_hold_cents() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    ok(["run", "bob", "--db-dir", path_str(&db)]);
    let conn = rusqlite::Connection::open(db.join("crud.sqlite3")).unwrap();
    let row: (i64, i64, i64) = conn
        .query_row(
            "SELECT unit_price_cents, total_cents, paid_cents FROM orders",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(row, (1000, 6000, 6000));
}

/// §3.16: markdown keeps the summary's lines apart and a cell's indentation.
#[test]
fn markdown_keeps_lines_and_indentation() {
    let text = ok(["run", "bob", "--format", "markdown"]);
    assert!(text.contains("\n- Storage: "), "{text}");
    assert!(text.contains("\n- Queries: "), "{text}");
    assert!(text.contains("<br>&nbsp;&nbsp;A1 v1"), "{text}");
}

/// §2: every mark has its own symbol, the legend is in `eslab run --help`, and a run's
/// table says which marks it uses; the view's marks are not the command marks.
#[test]
fn one_legend_everywhere() {
    let help = ok(["run", "--help"]);
    for line in [
        "+  an event appended to the log",
        "→  a value overwritten in place",
        "✗  a command the rules rejected",
        "!  what a design cannot answer",
        "↯  OrderView dropped from memory",
        "⟳  OrderView rebuilt by replaying the log",
    ] {
        assert!(help.contains(line), "{line:?} not in:\n{help}");
    }
    let text = table(&["run", "crash-and-rebuild"]);
    assert!(text.contains("↯ OrderView dropped"), "{text}");
    assert!(text.contains("⟳ OrderView rebuilt"), "{text}");
    assert!(!text.contains("✗ OrderView dropped"), "{text}");
    assert!(!text.contains("+ OrderView rebuilt"), "{text}");
    assert!(text.contains("Legend: + appended"), "{text}");
    // A CRUD INSERT is not an appended event.
    assert!(!text.contains("+ INSERT"), "{text}");
}

/// §2: colours are the base ones a terminal adapts to its background (no bright 38;5;9–15),
/// and a caveat does not recolour the → of the same cell.
#[test]
fn colours_read_on_light_and_dark_backgrounds() {
    let out = run(["run", "lost-update", "--color", "always", "--width", "200"]);
    let text = out.stdout_text();
    for bright in 9..=15 {
        assert!(
            !text.contains(&format!("38;5;{bright}m")),
            "bright colour {bright} in:\n{text}"
        );
    }
    // The UPDATE with a caveat keeps the overwritten colour (dark yellow, 3).
    let update = text
        .lines()
        .find(|l| l.contains("UPDATE orders A1") && l.contains("┆"))
        .unwrap_or_else(|| panic!("no UPDATE line:\n{text}"));
    let cell = update.split('┆').nth(2).unwrap();
    assert!(cell.contains("38;5;3m"), "{cell:?}");
}

/// The source files of the layers below narration (the stores, their plumbing, the runner
/// and its record): `src/crud/…`, `src/db.rs`, and so on.
fn lower_layer_sources() -> Vec<(std::path::PathBuf, String)> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for dir in ["crud", "es", "domain", "runner", "verify"] {
        for entry in std::fs::read_dir(src.join(dir)).unwrap() {
            files.push(entry.unwrap().path());
        }
    }
    for file in [
        "db.rs",
        "service.rs",
        "verify.rs",
        "trace.rs",
        "timeline.rs",
    ] {
        files.push(src.join(file));
    }
    files
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect()
}

/// Issue 17 §3: the flags that carry on, lock or trust are named by the CLI and by narration
/// only; the stores, their plumbing and the runner return facts (`db::AlreadyExists`,
/// `db::StoreKind`, `verify::Untrusted`) that narrate words.
#[test]
fn flag_names_are_said_only_by_the_cli_and_narration() {
    for (path, text) in lower_layer_sources() {
        for flag in ["--crud-locking", "--trust", "--continue"] {
            assert!(
                !text.contains(flag),
                "{} names {flag}: say it in narrate/ or the CLI",
                path.display()
            );
        }
    }
    // And the words still reach the user: a database already there names the flag that
    // carries on from it.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let args = ["run", "bob", "--db-dir", db.to_str().unwrap()];
    assert_eq!(run(args).code, Some(0));
    let again = run(args);
    assert_eq!(again.code, Some(2), "{}", again.describe(&args));
    assert_contains_all(
        &again.stderr,
        &["already exists: refusing to overwrite it (use --continue to carry on from it)"],
    );
}

/// Issue 17 §3: narration is one folder of parts, none too long to read.
#[test]
fn narration_is_a_folder_of_short_parts() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/narrate");
    let mut parts = 0;
    for entry in std::fs::read_dir(&dir).expect("src/narrate is a folder") {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        let lines = code
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with("//"))
            .count();
        assert!(lines <= 500, "{} has {lines} lines of code", path.display());
        parts += 1;
    }
    assert!(parts >= 8, "narrate/ has {parts} files");
}
