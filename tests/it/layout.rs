//! Text that fits the screen: `eslab run` in the stacked layout (chosen below 120 columns)
//! keeps every line within the width and never breaks an identifier, an amount or a report's
//! name inside; every bundled scenario at 60–160 columns, and random names and notes.

use crate::common::library::{proptest_config, run_both_designs};
use crate::common::*;
use eslab::Scenario;
use eslab::StorageOptions;
use eslab::{Format, Layout, Style, Width};
use proptest::prelude::*;

/// Words eslab prints that a reader must see whole.
const IDENTIFIERS: &[&str] = &[
    "NewOrderEvent",
    "ModifyOrderEvent",
    "OrderPaymentEvent",
    "OrderCancelledEvent",
    "place_order",
    "change_quantity",
    "crash_view",
    "rebuild_view",
    "revenue-per-customer",
    "quantity-changes",
    "total_cents",
    "paid_cents",
];

/// What is wrong with a text laid out for `width`: a line too wide, or a line (or a column of
/// it) that ends in an identifier or an amount cut short, its rest on the next line.
fn problems(text: &str, width: usize) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        if display_width(line) > width {
            found.push(format!("wider than {width}: {line:?}"));
        }
        for cell in line.split(['│', '┆']) {
            let Some(last) = cell.split_whitespace().last() else {
                continue;
            };
            let last = last.trim_start_matches(['(', '#']);
            if let Some(whole) = IDENTIFIERS
                .iter()
                .find(|id| id.starts_with(last) && **id != last && last.len() > 1)
                && (last.ends_with(['_', '-'])
                    || last.chars().any(|c| c.is_uppercase())
                    || last.contains(['_', '-']))
            {
                found.push(format!("`{whole}` broken at `{last}`: {line:?}"));
            }
            if let Some(digits) = last.strip_prefix('$')
                && let Some((_, cents)) = digits.split_once('.')
                && cents.len() < 2
                && !cents.is_empty()
            {
                found.push(format!("amount broken at `{last}`: {line:?}"));
            }
        }
    }
    found
}

#[test]
fn the_check_finds_what_the_wide_table_breaks_at_80_columns() {
    let wide = ok(["run", "bob", "--width", "80", "--layout", "wide"]);
    let found = problems(&wide, 80);
    assert!(
        found.iter().any(|p| p.contains("`NewOrderEvent` broken")),
        "{found:#?}"
    );
}

#[test]
fn every_bundled_scenario_fits_every_width_without_breaking_a_word() {
    for name in bundled_names() {
        for width in [60, 80, 100, 120, 160] {
            let w = width.to_string();
            let text = ok(["run", name, "--width", &w, "--layout", "stacked"]);
            let found = problems(&text, width);
            assert!(
                found.is_empty(),
                "eslab run {name} --width {width} --layout stacked:\n{}",
                found.join("\n")
            );
        }
    }
}

#[test]
fn the_layout_is_chosen_by_width_and_bob_fits_a_projector() {
    let narrow = ok(["run", "bob", "--width", "80"]);
    assert_eq!(
        narrow,
        ok(["run", "bob", "--width", "80", "--layout", "stacked"])
    );
    assert_eq!(ok(["run", "bob"]), ok(["run", "bob", "--layout", "wide"]));
    // Every step of Bob is one block of at most 18 lines at 80 columns.
    let steps = narrow
        .split("\n\n")
        .filter(|block| block.starts_with(|c: char| c.is_ascii_digit()));
    let heights: Vec<usize> = steps.map(|block| block.lines().count()).collect();
    assert_eq!(heights.len(), 4, "{narrow}");
    assert!(heights.iter().all(|&h| h <= 18), "{heights:?}\n{narrow}");
    // Shorter than the old one-table output at 80 columns (71 lines), state histories included.
    assert!(
        narrow.lines().count() < 71,
        "bob at 80 columns is {} lines:\n{narrow}",
        narrow.lines().count()
    );
    assert!(
        narrow.contains("→ overwritten  v1") && narrow.contains("the row now    v3"),
        "one state history for both designs, side by side:\n{narrow}"
    );
}

fn scenario(customer: &str, product: &str, note: &str) -> Scenario {
    let text = serde_json::json!({
        "title": note,
        "steps": [
            {"place_order": {"order_id": customer, "customer": customer, "product": product,
                             "quantity": 5, "unit_price": "1234.56"}, "note": note},
            {"change_quantity": {"order_id": customer, "quantity": 6}, "note": note},
            {"pay": {"order_id": customer, "amount": "7407.36"}},
            {"cancel": {"order_id": customer, "reason": note}},
            {"query": {"order_id": customer, "as_of": 1}},
            {"report": {"name": "revenue-per-customer"}},
            {"report": {"name": "quantity-changes"}},
        ]
    });
    Scenario::from_json("generated", &text.to_string()).unwrap()
}

proptest! {
    #![proptest_config(proptest_config(48))]

    #[test]
    fn random_names_and_notes_fit_any_width_from_40_to_200(
        customer in "[A-Za-z]{1,24}",
        product in "[a-z]{1,12}( [a-z]{1,12}){0,2}",
        note in "[A-Za-z,.?]{1,14}( [A-Za-z,.?]{1,14}){0,20}",
        width in 40usize..=200,
    ) {
        let (trace, _services) =
            run_both_designs("generated", scenario(&customer, &product, &note), &StorageOptions::default())
                .unwrap();
        let text = eslab::render_text(&trace, Style {
            format: Format::Table,
            width: Width::Fixed(width as u16),
            color: false,
            layout: Layout::Stacked,
        });
        let found = problems(&text, width);
        prop_assert!(found.is_empty(), "{}", found.join("\n"));
    }
}

/// `eslab log` and `eslab replay` follow the same rules as `run`: below 120 columns each
/// event or order is a block wrapped at spaces, so no type, amount, time or hash is split.
#[test]
fn log_and_replay_fit_every_width_without_breaking_a_word() {
    let tmp = tempfile::tempdir().unwrap();
    for name in ["audit", "schema-evolution", "snapshots", "many-customers"] {
        let dir = tmp.path().join(name);
        let d = path_str(&dir);
        ok(["run", name, "--db-dir", d]);
        let log = json(["log", "--db-dir", d, "--format", "json"]);
        // What must be seen whole: every time an event was recorded at, and every hash as
        // the log prints it (its first 12 digits).
        let mut whole: Vec<String> = Vec::new();
        for event in log["events"].as_array().unwrap() {
            if let Some(at) = event["recorded_at"].as_str() {
                whole.push(at.to_string());
            }
            whole.push(event["hash"].as_str().unwrap()[..12].to_string());
        }
        for width in [60, 80, 100, 119, 120, 160] {
            let w = width.to_string();
            let text = ok(["log", "--db-dir", d, "--width", &w]);
            let mut found = problems(&text, width);
            if width < 120 {
                found.extend(
                    whole
                        .iter()
                        .filter(|token| !text.contains(token.as_str()))
                        .map(|token| format!("`{token}` is not shown whole")),
                );
            }
            let replay = ok(["replay", "--db-dir", d, "--width", &w]);
            // (From 120 columns, the table's header `Order` would read as a broken
            // `OrderPaymentEvent` to this check: the wide table is checked by the goldens.)
            if width < 120 {
                found.extend(problems(&replay, width));
            }
            assert!(
                found.is_empty(),
                "eslab log/replay of {name} --width {width}:\n{}\n{text}\n{replay}",
                found.join("\n")
            );
        }
    }
}

/// The legend never parts a mark from its meaning: wrapped, each line starts with `Legend:`
/// or with a mark.
#[test]
fn the_legend_keeps_each_mark_with_its_meaning_at_every_width() {
    let marks = ['+', '→', '✗', '!', '↯', '⟳', '≠', '✓', '✘'];
    for name in bundled_names() {
        for width in [60, 80, 100] {
            let w = width.to_string();
            let text = ok(["run", name, "--width", &w]);
            let legend: Vec<&str> = text
                .lines()
                .skip_while(|line| !line.starts_with("Legend: "))
                .take_while(|line| !line.is_empty())
                .collect();
            assert!(!legend.is_empty(), "{name} at {width}: no legend\n{text}");
            for line in &legend[1..] {
                assert!(
                    line.starts_with(marks),
                    "{name} at {width}: a legend line starts without its mark: {line:?}\n{}",
                    legend.join("\n")
                );
            }
            for line in &legend {
                assert!(
                    !line.trim_end().ends_with(marks),
                    "{name} at {width}: a mark ends a line, its meaning on the next: {line:?}"
                );
            }
        }
    }
}

/// The rows of `eslab run NAME --width 80`'s state histories: each row's cells, split at
/// two or more spaces (an empty first cell where the order id is left out).
fn history_rows(name: &str) -> Vec<Vec<String>> {
    let text = ok(["run", name, "--width", "80"]);
    let table: Vec<&str> = text
        .lines()
        .skip_while(|line| *line != "State histories")
        .skip_while(|line| !line.starts_with("Order "))
        .skip(2)
        .take_while(|line| !line.is_empty())
        .collect();
    assert!(!table.is_empty(), "{name}: no state histories\n{text}");
    table
        .iter()
        .map(|line| {
            let cells: Vec<String> = line
                .split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(String::from)
                .collect();
            if line.starts_with(' ') {
                std::iter::once(String::new()).chain(cells).collect()
            } else {
                cells
            }
        })
        .collect()
}

/// Issue 18 §2: the stacked state history shows both designs on every row where they differ
/// (lost-update: CRUD's lost write of 7, and event sourcing still at 6, version 2), and no
/// step twice (crash-and-rebuild: a step whose event waited while OrderView was down is one
/// row, its version marked ↯; the query after the rebuild changed nothing, so has no row).
#[test]
fn the_state_history_shows_both_designs_where_they_differ_and_no_step_twice() {
    let rows = history_rows("lost-update");
    let last = rows.last().unwrap();
    assert_eq!(
        last[1..].to_vec(),
        ["≠", "Placed", "6", "$10.00", "$60.00", "$0.00", "v2"]
    );
    let before = &rows[rows.len() - 2];
    assert_eq!(before[1..4].to_vec(), ["4", "Placed", "7"]);
    assert_eq!(before.last().unwrap(), "the row now");

    for name in bundled_names() {
        let rows = history_rows(name);
        let mut seen: Vec<(String, String)> = Vec::new();
        let mut order = String::new();
        for row in &rows {
            if !row[0].is_empty() {
                order = row[0].clone();
            }
            if row[1] == "≠" {
                continue;
            }
            let key = (order.clone(), row[1].clone());
            assert!(!seen.contains(&key), "{name}: step {key:?} twice: {rows:?}");
            seen.push(key);
        }
    }
    let rows = history_rows("crash-and-rebuild");
    let a1: Vec<String> = rows
        .iter()
        .take(2)
        .map(|r| r.last().unwrap().clone())
        .collect();
    assert_eq!(a1, ["v1", "v2 ↯"]);
}

/// A line (or a column of a side-by-side line) that is one lone token continuing the text
/// above it: the tail of a wrapped phrase ("…version" / "1").
fn orphans(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut above: Vec<String> = Vec::new();
    for line in text.lines() {
        let cells: Vec<String> = line.split('│').map(|c| c.trim().to_string()).collect();
        for (i, cell) in cells.iter().enumerate() {
            let rule = cell.chars().all(|c| matches!(c, '=' | '-' | '─'));
            let continues = above.get(i).is_some_and(|a| !a.is_empty());
            if cell.split_whitespace().count() == 1 && continues && !rule {
                found.push(format!("{:?} under {:?}", cell, above[i]));
            }
        }
        above = cells;
    }
    found
}

/// Issue 18 §3: every bundled scenario reads in at most 120 lines at 80 columns (runs of
/// similar steps told as one block, the designs' headings once, an answer both designs gave
/// said once), and no wrapped phrase leaves a lone token on a line of its own.
#[test]
fn every_bundled_scenario_fits_120_lines_at_80_columns_without_an_orphan() {
    for name in bundled_names() {
        let text = ok(["run", name, "--width", "80"]);
        let lines = text.lines().count();
        assert!(lines <= 120, "{name}: {lines} lines at 80 columns\n{text}");
        let found = orphans(&text);
        assert!(found.is_empty(), "{name}: {}\n{text}", found.join("\n"));
    }
    // The check sees what it is for.
    assert_eq!(orphans("the stream B7 at version\n1\n").len(), 1);
    assert_eq!(orphans("a │ read OrderView at\n  │ #2001\n").len(), 1);
    assert!(orphans("Summary\n-------\n\nStorage: one row\n").is_empty());
}
