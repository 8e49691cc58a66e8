//! How the table reads.

use super::*;

// ---------------------------------------------------------------------------------------
// How the table reads

/// The ES state history has no state for commands applied while OrderView was down; a row
/// marked ↯ shows each such step, so nothing looks lost.
#[test]
fn the_es_history_says_which_steps_answered_no_state() {
    let table = ok(["run", "crash-and-rebuild", "--width", "1000"]);
    let history = table.split("State histories").nth(1).unwrap();
    // It is under the ES table, not the CRUD one: a row per step whose command ES stored
    // while OrderView was down, and a caption that says what the mark means.
    let es_table = history
        .find("Event sourcing: every state OrderView answered.")
        .unwrap();
    let (crud_part, es_part) = history.split_at(es_table);
    assert!(!crud_part.contains("view down"), "{history}");
    assert_contains_all(
        es_part,
        &[
            "↯ marks a step whose events waited in the log while OrderView was down: it \
           answered no state then",
        ],
    );
    assert_eq!(view_down_steps(es_part), [5, 6], "{es_part}");
    // The JSON already says as much: applied with no state, then the rebuild; and its
    // histories have the same two steps, state null.
    let trace = json(["run", "crash-and-rebuild", "--format", "json"]);
    let es = results_of(&trace, "es");
    for step in [5, 6] {
        assert_eq!(es[step - 1]["outcome"], "applied");
        assert!(es[step - 1]["state"].is_null());
    }
    assert_eq!(es[6]["outcome"], "view_rebuilt");
    let es_history = &trace["histories"][1];
    assert_eq!(es_history["backend"], "es");
    let mut down: Vec<u64> = Vec::new();
    for order in es_history["orders"].as_array().unwrap() {
        for entry in order["states"].as_array().unwrap() {
            if entry.get("view_down").is_some() {
                assert_eq!(entry["view_down"], true, "{entry}");
                assert!(entry["state"].is_null(), "{entry}");
                down.push(entry["step"].as_u64().unwrap());
            }
        }
    }
    down.sort();
    assert_eq!(down, [5, 6]);

    // One step, never rebuilt: the step still shows, as view down.
    let (_dir, path) = never_rebuilt_scenario();
    let table = ok(["run", &path, "--width", "1000"]);
    let history = table.split("State histories").nth(1).unwrap();
    assert_eq!(view_down_steps(history), [3], "{history}");
    // Nothing of the kind when the view never went down.
    let bob = ok(["run", "bob"]);
    assert!(!bob.contains("view down") && !bob.contains('↯'), "{bob}");
}

/// The steps of a state-history table that show `↯ view down`.
fn view_down_steps(history: &str) -> Vec<u64> {
    history
        .lines()
        .filter(|line| line.contains("↯ view down"))
        .map(|line| {
            let cells: Vec<&str> = line.split('┆').collect();
            cells[1].trim().parse().unwrap_or_else(|_| panic!("{line}"))
        })
        .collect()
}

/// A view dropped at step 2 and never rebuilt, with a payment stored while it was down.
fn never_rebuilt_scenario() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = write_scenario(
        dir.path(),
        "down.json",
        &json!({"title": "down", "steps": [
            {"place_order": {"order_id": "A1", "customer": "Bob", "product": "Book",
                "quantity": 5, "unit_price": 10}},
            {"crash_view": {}},
            {"pay": {"order_id": "A1", "amount": 50}}
        ]}),
    );
    let path = path.to_str().unwrap().to_string();
    (dir, path)
}

/// A view dropped and never rebuilt: its events are said to wait for `rebuild_view`, and
/// nothing claims the state came back.
#[test]
fn a_view_never_rebuilt_is_not_said_to_have_come_back() {
    let (_dir, path) = never_rebuilt_scenario();
    let table = ok(["run", &path, "--width", "1000"]);
    let history = table.split("State histories").nth(1).unwrap();
    assert!(!history.contains("came back with the rebuild"), "{history}");
    assert!(history.contains("rebuild_view"), "{history}");
}

/// A report step prints one heading, the question once, then each design's table introduced
/// by its name and source, or one line saying why it could not answer.
#[test]
fn a_report_step_has_one_heading_and_a_table_per_design() {
    for format in ["table", "markdown"] {
        let out = ok(["run", "new-question", "--width", "1000", "--format", format]);
        assert_eq!(
            out.matches("Report at step 10: revenue-per-customer")
                .count(),
            1,
            "{out}"
        );
        assert_eq!(
            out.matches("Report at step 11: quantity-changes").count(),
            1
        );
        let question = "How many orders did each customer place, and how much have they paid?";
        assert_eq!(out.matches(question).count(), 1, "{out}");
        let order: Vec<usize> = [
            "Report at step 10: revenue-per-customer",
            question,
            "CRUD, built with SELECT … GROUP BY customer on the orders table:",
            "Event sourcing, built with a new read model over the whole log (9 events):",
            "Report at step 11: quantity-changes",
            "CRUD: ! cannot answer: the orders table holds only the current quantity: every \
             earlier value was overwritten, and nothing records when payment came",
            "Event sourcing, built with a new read model over the whole log (9 events):",
            "State histories",
        ]
        .iter()
        .scan(0, |from, needle| {
            let at = *from
                + out[*from..]
                    .find(needle)
                    .unwrap_or_else(|| panic!("no {needle:?} after byte {from}:\n{out}"));
            *from = at + needle.len();
            Some(at)
        })
        .collect();
        assert_eq!(order.len(), 8);
    }
}

/// A step is asked before it is revealed, in every text output: its number, command and
/// question come first; what each design did, then its note and verdict, after. In a block
/// the designs' columns (side by side at 80 and 120 columns, so each line of them holds a
/// `│`) come between the question and the note; in a table (markdown, `--layout wide`) the
/// note and verdict are the last column, after the designs'.
#[test]
fn every_text_output_asks_a_step_before_it_reveals_it() {
    let mut checked = 0;
    for name in bundled_names() {
        let steps = json(["run", name, "--format", "json"])["steps"].clone();
        let steps = steps.as_array().unwrap();
        for width in ["80", "120"] {
            let text = ok(["run", name, "--layout", "stacked", "--width", width]);
            let section = &text[text.find("Step by step").expect(&text)..];
            let section = &section[..section.find("State histories").unwrap_or(section.len())];
            for block in section.split("\n\n") {
                // A block starts with its step's number, or "Steps 3–12: …" for a run of steps.
                let first = block.lines().next().unwrap_or("");
                let number = first.trim_start_matches("Steps ");
                let digits: String = number.chars().take_while(char::is_ascii_digit).collect();
                let Ok(n) = digits.parse::<u64>() else {
                    continue;
                };
                let step = steps
                    .iter()
                    .find(|s| s["step"].as_u64() == Some(n))
                    .expect(block);
                let lines: Vec<&str> = block.lines().collect();
                let first_bar = lines.iter().position(|l| l.contains('│')).expect(block);
                let last_bar = lines.iter().rposition(|l| l.contains('│')).expect(block);
                let line_of = |words: &str| lines.iter().position(|l| l.contains(words));
                let opening = |text: &str| text.split(' ').take(3).collect::<Vec<_>>().join(" ");
                if let Some(question) = step["question"].as_str() {
                    let at = line_of(&opening(question)).expect(block);
                    assert!(
                        at < first_bar,
                        "{name} at {width}: the question after the outcome:\n{block}"
                    );
                }
                for said in [step["note"].as_str().map(opening), Some("expect: ".into())]
                    .into_iter()
                    .flatten()
                {
                    if let Some(at) = line_of(&said) {
                        assert!(
                            at > last_bar,
                            "{name} at {width}: {said:?} before the outcome:\n{block}"
                        );
                    }
                }
                checked += 1;
            }
        }
        let markdown = ok(["run", name, "--format", "markdown"]);
        let header = markdown
            .lines()
            .find(|line| line.starts_with("| #") && line.contains("| Step"))
            .expect(&markdown);
        assert!(
            header.split('|').map(str::trim).rev().nth(1) == Some("Note and verdict"),
            "{header}"
        );
        for row in markdown
            .lines()
            .filter(|line| line.starts_with("| ") && !line.starts_with("| #"))
        {
            let cells: Vec<&str> = row.split(" | ").collect();
            if cells.len() < 4 || cells[0].trim_start_matches("| ").parse::<u64>().is_err() {
                continue;
            }
            let before_last = &cells[..cells.len() - 1].join(" | ");
            assert!(
                !before_last.contains("expect: "),
                "{name}: a verdict before the outcome:\n{row}"
            );
        }
    }
    assert!(checked > 100, "only {checked} blocks were read");
}

/// The last cell of a step's row ends with what the step expects, escaped like any text from
/// the file.
#[test]
fn the_step_cell_shows_what_the_step_expects() {
    let exercise = ok(["run", "exercise", "--width", "1000"]);
    assert_contains_all(
        &exercise,
        &[
            "expect: applied, status Placed, total $50.00",
            "✓ expect: rejected …does not match the order total…",
            "expect: applied, status Paid, paid $50.00",
            "expect: status Paid, quantity 5, version 2",
        ],
    );
    let report = ok(["run", "new-question", "--width", "1000"]);
    assert_contains_all(
        &report,
        &[
            "expect: row customer Bob, orders 2, paid $43.00",
            "expect: row order A1, changes 2, quantities 5 → 6 → 4",
        ],
    );
    let markdown = ok(["run", "exercise", "--format", "markdown"]);
    assert!(
        markdown.contains("<br>✓ expect: status Placed, version 1 |"),
        "{markdown}"
    );

    let dir = tempfile::tempdir().unwrap();
    let path = write_scenario(
        dir.path(),
        "evil.json",
        &json!({"title": "evil", "steps": [
            {"place_order": {"order_id": "A1", "customer": "Bob", "product": "Book",
                "quantity": 5, "unit_price": 10},
             "expect": {"customer": "\u{1b}[31mBob\nX"}}
        ]}),
    );
    let out = run(["run", path.to_str().unwrap(), "--width", "1000"]);
    assert_eq!(out.code, Some(1), "the customer is not that");
    let text = out.stdout_text();
    assert!(!text.contains('\u{1b}'), "{text}");
    assert!(
        text.contains(r"expect: customer \u{1b}[31mBob\nX"),
        "{text}"
    );
}

/// Counts read as words: "both", "the one", and "all N" only from three on; a report's
/// source reads naturally after what the design did.
#[test]
fn counts_and_sources_read_naturally() {
    let crash = ok(["run", "crash-and-rebuild", "--width", "1000"]);
    assert_contains_all(
        &crash,
        &["Queries: the two designs gave the same answer to both queries they could both answer."],
    );
    assert!(!crash.contains("all 2"), "{crash}");
    assert!(!crash.contains("all 1 "), "{crash}");

    let report = ok(["run", "new-question", "--width", "1000"]);
    assert_contains_all(
        &report,
        &[
            "built with SELECT … GROUP BY customer on the orders table",
            "built with a new read model over the whole log (9 events)",
        ],
    );
    assert!(!report.contains("read SELECT"), "{report}");
    assert!(!report.contains("read a new read model"), "{report}");

    // One expectation, checked on two designs, then on one.
    let dir = tempfile::tempdir().unwrap();
    let path = write_scenario(
        dir.path(),
        "counts.json",
        &json!({"title": "counts", "steps": [
            {"place_order": {"order_id": "A1", "customer": "Bob", "product": "Book",
                "quantity": 5, "unit_price": 10}, "expect": {"ok": true}}
        ]}),
    );
    let path = path.to_str().unwrap();
    assert_contains_all(&ok(["run", path]), &["Expectations: both checked hold."]);
    assert_contains_all(
        &ok(["run", path, "--backend", "es"]),
        &["Expectations: the one checked holds."],
    );
    assert_contains_all(
        &ok(["run", "exercise"]),
        &["Expectations: all 13 checked hold."],
    );
}
