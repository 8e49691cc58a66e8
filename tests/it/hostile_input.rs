//! Hostile input: whatever bytes a scenario file holds, reading it never panics and the CLI
//! answers 0 or 2; whatever commands a valid scenario holds (SQL, quotes, unicode in ids,
//! out-of-range numbers), both designs agree; and files and folders eslab is pointed at are
//! refused cleanly and left byte for byte as they were.
//!
//! tests/bad_input.rs covers the messages for most malformed files; this file adds the cases
//! it does not: property-based reading, values in every command's fields, `verify` on
//! strangers, damaged databases, and the input left unchanged.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::db::select;
use crate::common::library::{proptest_config, run_both_designs};
use crate::common::{
    Env, Output, cancels_crud_kept_short, dollars, folder_snapshot, path_str, place_order,
    results_of, run_in, run_json_in, write_generated,
};
use eslab::Scenario;
use eslab::StorageOptions;
use eslab::Trace;
use proptest::prelude::*;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------
// Helpers

/// `eslab ARGS` in the test's own environment, less RUST_BACKTRACE.
fn run(args: &[&str]) -> Output {
    run_in(Env::NoBacktrace, args)
}

/// `eslab ARGS` must fail as bad input does: exit 2, nothing on stdout, one `eslab: ` line
/// on stderr, no panic. Returns stderr.
#[track_caller]
fn refused(args: &[&str]) -> String {
    let out = run(args);
    let context = format!("eslab {args:?}: {out:?}");
    assert_eq!(out.code, Some(2), "{context}");
    assert!(out.stdout.is_empty(), "{context}");
    assert!(out.stderr.starts_with("eslab: "), "{context}");
    assert_eq!(out.stderr.lines().count(), 1, "{context}");
    assert!(!out.stderr.contains("panicked"), "{context}");
    out.stderr
}

/// `eslab ARGS` must succeed; returns stdout parsed as JSON.
#[track_caller]
fn ok_json(args: &[&str]) -> Value {
    run_json_in(Env::NoBacktrace, args)
}

/// A file's bytes, to show it was left as it was.
fn contents(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

/// `{"title": "hostile", "steps": STEPS}` as text.
fn scenario_text(steps: &[Value]) -> String {
    serde_json::to_string_pretty(&json!({"title": "hostile", "steps": steps})).unwrap()
}

/// A real event log of 1,000 events, and its folder.
fn real_database(tmp: &Path) -> PathBuf {
    let scenario = tmp.join("generated.json");
    write_generated(
        Env::NoBacktrace,
        &scenario,
        &["--orders", "200", "--changes", "3"],
    );
    let dir = tmp.join("real");
    let out = run(&[
        "run",
        path_str(&scenario),
        "--db-dir",
        path_str(&dir),
        "--format",
        "json",
    ]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    dir
}

/// Runs a scenario through both designs in memory, as the library does for `eslab run`.
fn run_in_memory(scenario: Scenario, crud_locking: bool) -> Result<Trace, TestCaseError> {
    let storage = StorageOptions {
        crud_locking,
        ..StorageOptions::default()
    };
    run_both_designs("generated", scenario, &storage)
        .map(|(trace, _services)| trace)
        .map_err(|e| TestCaseError::fail(format!("{e:#}")))
}

/// A file eslab must refuse (exit 2, naming it) through `check` and `run`, left unchanged.
fn assert_file_refused(path: &Path, why: &str) {
    let before = if path.is_dir() {
        folder_snapshot(path).into_values().flatten().collect()
    } else {
        contents(path)
    };
    for args in [
        vec!["check", path_str(path)],
        vec!["run", path_str(path)],
        vec!["diff", path_str(path), "--format", "json"],
    ] {
        let stderr = refused(&args);
        assert!(
            stderr.contains(path_str(path)),
            "{args:?} must name the file: {stderr}"
        );
        assert!(
            stderr.contains(why),
            "{args:?}: expected {why:?} in {stderr}"
        );
    }
    let after = if path.is_dir() {
        folder_snapshot(path).into_values().flatten().collect()
    } else {
        contents(path)
    };
    assert_eq!(after, before, "{path:?} was changed");
}

/// A step whose numeric `field` holds `number`, written as raw JSON text.
fn step_with(field: &str, number: &str) -> String {
    match field {
        "place_order.quantity" => format!(
            r#"{{"place_order": {{"order_id": "B1", "customer": "C", "product": "P", "quantity": {number}, "unit_price": 1}}}}"#
        ),
        "place_order.unit_price" => format!(
            r#"{{"place_order": {{"order_id": "B1", "customer": "C", "product": "P", "quantity": 1, "unit_price": {number}}}}}"#
        ),
        "change_quantity.quantity" => {
            format!(r#"{{"change_quantity": {{"order_id": "A1", "quantity": {number}}}}}"#)
        }
        "pay.amount" => format!(r#"{{"pay": {{"order_id": "A1", "amount": {number}}}}}"#),
        other => panic!("no field {other}"),
    }
}

/// Copies a database, zeroing 8 KiB in its middle: page 1 (the header) stays intact.
fn damage_past_the_header(from: &Path, to: &Path) {
    let mut bytes = std::fs::read(from).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle..middle + 8192].fill(0);
    std::fs::write(to, bytes).unwrap();
}

// ---------------------------------------------------------------------------------------
// a. Arbitrary bytes and JSON: reading never panics

/// A JSON-ish tree whose numbers are raw text, so it can hold what no `f64` or `u64` can.
#[derive(Debug, Clone)]
enum J {
    Null,
    Bool(bool),
    Number(String),
    Text(String),
    Array(Vec<J>),
    /// Keys may repeat, as JSON text allows.
    Object(Vec<(String, J)>),
}

impl J {
    fn text(&self) -> String {
        match self {
            J::Null => "null".into(),
            J::Bool(b) => b.to_string(),
            J::Number(n) => n.clone(),
            J::Text(t) => serde_json::to_string(t).unwrap(),
            J::Array(items) => format!(
                "[{}]",
                items.iter().map(J::text).collect::<Vec<_>>().join(",")
            ),
            J::Object(fields) => format!(
                "{{{}}}",
                fields
                    .iter()
                    .map(|(k, v)| format!("{}:{}", serde_json::to_string(k).unwrap(), v.text()))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        }
    }
}

/// Names a scenario uses, so generated objects often reach deep into the parser.
const KEYS: &[&str] = &[
    "title",
    "description",
    "first_event_id",
    "not_for",
    "steps",
    "note",
    "expect",
    "place_order",
    "change_quantity",
    "pay",
    "cancel",
    "query",
    "history",
    "report",
    "crash_view",
    "rebuild_view",
    "order_id",
    "customer",
    "product",
    "quantity",
    "unit_price",
    "amount",
    "reason",
    "expected_version",
    "as_of",
    "name",
    "ok",
    "rejected",
    "exists",
    "status",
    "total",
    "paid",
    "version",
    "event_id",
    "row",
];

const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "0.5",
    "10.125",
    "1e400",
    "-1e400",
    "1e-400",
    "1E2",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "-9223372036854775809",
    "123456789012345678901234567890",
    "1.7976931348623157e308",
    "5e-324",
    "1000000",
    "1000001",
    "999999999999999",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(KEYS).prop_map(String::from),
        1 => any::<String>(),
    ]
}

fn leaf() -> impl Strategy<Value = J> {
    prop_oneof![
        Just(J::Null),
        any::<bool>().prop_map(J::Bool),
        prop::sample::select(NUMBERS).prop_map(|n| J::Number(n.into())),
        any::<i64>().prop_map(|n| J::Number(n.to_string())),
        any::<u64>().prop_map(|n| J::Number(n.to_string())),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| J::Number(format!("{f:?}"))),
        // Any text, control characters and escapes included.
        any::<String>().prop_map(J::Text),
        prop::sample::select(&["A1", "", "Placed", "10.50", "revenue-per-customer"][..])
            .prop_map(|t| J::Text(t.into())),
    ]
}

fn json_tree() -> impl Strategy<Value = J> {
    leaf().prop_recursive(8, 96, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(J::Array),
            prop::collection::vec((key(), inner), 0..6).prop_map(J::Object),
        ]
    })
}

/// Each step and the fields it takes.
const STEPS: &[(&str, &[&str])] = &[
    (
        "place_order",
        &["order_id", "customer", "product", "quantity", "unit_price"],
    ),
    (
        "change_quantity",
        &["order_id", "quantity", "expected_version"],
    ),
    ("pay", &["order_id", "amount", "expected_version"]),
    ("cancel", &["order_id", "reason", "expected_version"]),
    ("query", &["order_id", "as_of"]),
    ("history", &["order_id"]),
    ("report", &["name"]),
    ("crash_view", &[]),
    ("rebuild_view", &[]),
];

const EXPECT_KEYS: &[&str] = &[
    "ok", "rejected", "exists", "customer", "quantity", "total", "paid", "status", "version",
    "event_id", "row",
];

/// A value for a field: mostly of the field's type (so parsing goes deep), sometimes
/// extreme, sometimes anything.
fn field_value(field: &'static str) -> BoxedStrategy<J> {
    let small = |n: u64| (0..n).prop_map(|n| J::Number(n.to_string()));
    let extreme = || prop::sample::select(NUMBERS).prop_map(|n| J::Number(n.into()));
    match field {
        "order_id" => prop_oneof![
            8 => prop::sample::select(&["A1", "B2", "C3"][..]).prop_map(|t| J::Text(t.into())),
            1 => any::<String>().prop_map(J::Text),
            1 => leaf(),
        ]
        .boxed(),
        "quantity" => prop_oneof![6 => small(30), 2 => extreme(), 1 => leaf()].boxed(),
        "unit_price" | "amount" => prop_oneof![
            4 => small(100),
            3 => (0u64..10_000).prop_map(|c| J::Text(format!("{}.{:02}", c / 100, c % 100))),
            2 => extreme(),
            1 => leaf(),
        ]
        .boxed(),
        "expected_version" | "as_of" => {
            prop_oneof![4 => small(6), 1 => extreme(), 1 => leaf()].boxed()
        }
        "name" => prop_oneof![
            4 => prop::sample::select(&["revenue-per-customer", "quantity-changes"][..])
                .prop_map(|t| J::Text(t.into())),
            1 => leaf(),
        ]
        .boxed(),
        _ => prop_oneof![8 => any::<String>().prop_map(J::Text), 1 => leaf()].boxed(),
    }
}

/// One step: a step key with its fields (each usually there, rarely with a stranger), and
/// now and then a note or an expectation.
fn step_tree() -> impl Strategy<Value = J> {
    prop::sample::select(STEPS).prop_flat_map(|(name, fields)| {
        let fields: Vec<_> = fields
            .iter()
            .map(|&field| {
                (prop::bool::weighted(0.95), field_value(field))
                    .prop_map(move |(keep, value)| keep.then(|| (field.to_string(), value)))
            })
            .collect();
        let extra = prop_oneof![
            9 => Just(Vec::new()),
            1 => prop::collection::vec((key(), leaf()), 1..3),
        ];
        let note = prop::option::weighted(0.2, any::<String>().prop_map(J::Text));
        let expect = prop::option::weighted(
            0.2,
            prop::collection::vec((prop::sample::select(EXPECT_KEYS), leaf()), 0..3),
        );
        (fields, extra, note, expect).prop_map(move |(fields, extra, note, expect)| {
            let mut body: Vec<(String, J)> = fields.into_iter().flatten().collect();
            body.extend(extra);
            let mut step = vec![(name.to_string(), J::Object(body))];
            if let Some(note) = note {
                step.push(("note".into(), note));
            }
            if let Some(expect) = expect {
                let expect = expect
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect();
                step.push(("expect".into(), J::Object(expect)));
            }
            J::Object(step)
        })
    })
}

/// A scenario-shaped tree: a title and steps, mostly well-typed, with arbitrary values and
/// structure mixed in.
fn scenario_tree() -> impl Strategy<Value = J> {
    let title = prop_oneof![
        6 => "[A-Za-z ]{1,12}".prop_map(J::Text),
        1 => leaf(),
        1 => json_tree(),
    ];
    let step = prop_oneof![9 => step_tree(), 1 => json_tree()];
    let first_event_id = prop::option::weighted(
        0.3,
        prop_oneof![
            3 => (0u64..2_000_000).prop_map(|n| J::Number(n.to_string())),
            1 => prop::sample::select(NUMBERS).prop_map(|n| J::Number(n.into())),
            1 => leaf(),
        ],
    );
    (title, prop::collection::vec(step, 0..6), first_event_id).prop_map(
        |(title, steps, first_event_id)| {
            let mut fields = vec![
                ("title".to_string(), title),
                ("steps".to_string(), J::Array(steps)),
            ];
            if let Some(id) = first_event_id {
                fields.push(("first_event_id".into(), id));
            }
            J::Object(fields)
        },
    )
}

/// File contents: raw bytes (mostly not UTF-8), JSON of any shape, scenario-shaped JSON,
/// and JSON with a byte spliced in.
fn file_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        json_tree().prop_map(|j| j.text().into_bytes()),
        scenario_tree().prop_map(|j| j.text().into_bytes()),
        (scenario_tree(), any::<prop::sample::Index>(), any::<u8>()).prop_map(|(j, at, byte)| {
            let mut bytes = j.text().into_bytes();
            let at = at.index(bytes.len() + 1);
            bytes.insert(at, byte);
            bytes
        }),
    ]
}

/// Reads the file as `eslab check` does, in process: never a panic; an error names the file.
fn read_in_process(path: &Path) -> Result<Scenario, String> {
    let source = path_str(path);
    let text = eslab::read_file(path).map_err(|e| e.to_string())?;
    Scenario::from_json(source, &text).map_err(|e| e.to_string())
}

proptest! {
    #![proptest_config(proptest_config(512))]

    #[test]
    fn reading_any_file_never_panics(bytes in file_bytes()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("any.json");
        std::fs::write(&path, &bytes).unwrap();
        match read_in_process(&path) {
            Ok(scenario) => {
                prop_assert!(!scenario.steps.is_empty());
                prop_assert!(!scenario.title.trim().is_empty());
                prop_assert_eq!(scenario.fingerprint().len(), 64);
            }
            Err(message) => prop_assert!(
                message.starts_with(path_str(&path)),
                "the error names the file: {}", message
            ),
        }
        prop_assert_eq!(std::fs::read(&path).unwrap(), bytes, "the file is left as it was");
    }

    /// Scenario-shaped JSON: parsing never panics, and whatever parses also runs through
    /// both designs (in memory) without an error.
    #[test]
    fn parsing_and_running_any_scenario_shaped_json_never_panics(tree in scenario_tree()) {
        let text = tree.text();
        match Scenario::from_json("tree.json", &text) {
            Err(e) => prop_assert!(e.to_string().starts_with("tree.json"), "{}", e),
            Ok(scenario) => {
                let trace = run_in_memory(scenario, false)?;
                prop_assert_eq!(trace.steps.len(), trace.steps.iter().map(|s| s.step).max().unwrap_or(0));
            }
        }
    }
}

proptest! {
    #![proptest_config(proptest_config(32))]

    /// Through the binary: `eslab check FILE` answers 0 or 2, never a panic, and agrees
    /// with the library on which files are valid.
    #[test]
    fn check_answers_0_or_2_for_any_file(bytes in file_bytes()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("any.json");
        std::fs::write(&path, &bytes).unwrap();
        let out = run(&["check", path_str(&path)]);
        prop_assert!(!out.stderr.contains("panicked"), "{:?}", out);
        let valid = read_in_process(&path).is_ok();
        prop_assert_eq!(out.code, Some(if valid { 0 } else { 2 }), "{:?}", out);
        if !valid {
            prop_assert!(out.stderr.starts_with("eslab: "), "{:?}", out);
            prop_assert!(out.stderr.contains(path_str(&path)), "{:?}", out);
            prop_assert!(out.stdout.is_empty());
        }
        prop_assert_eq!(std::fs::read(&path).unwrap(), bytes);
    }
}

// ---------------------------------------------------------------------------------------
// b. Any commands on hostile ids: both designs agree at every step

/// Ids that are valid, but hostile to anything building SQL or text by hand.
const IDS: &[&str] = &[
    "A1",
    "O'Brien \"quoted\"",
    "'; DROP TABLE orders; --",
    "Robert'); DROP TABLE events;--",
    "注文-№1 🚀",
    "\\' OR 1=1 --",
];

fn hostile_id() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(IDS).prop_map(String::from),
        1 => Just("x".repeat(100)),
        1 => Just("ü".repeat(100)), // 100 characters, 200 bytes
    ]
}

#[derive(Debug, Clone)]
enum Amount {
    /// The order's total as the test's model expects it.
    Total,
    Cents(u64),
}

#[derive(Debug, Clone)]
enum Op {
    Place {
        id: String,
        quantity: u64,
        price: u64,
    },
    Change {
        id: String,
        quantity: u64,
    },
    Pay {
        id: String,
        amount: Amount,
    },
    Cancel {
        id: String,
        reason: String,
    },
    Query {
        id: String,
    },
}

fn quantity() -> impl Strategy<Value = u64> {
    prop_oneof![
        3 => 1u64..=20,
        1 => Just(0u64),
        1 => Just(1_000_000u64),
        1 => Just(1_000_001u64),
        1 => 0u64..=1_000_001,
    ]
}

fn price() -> impl Strategy<Value = u64> {
    prop_oneof![
        3 => 0u64..=10_000,
        1 => Just(100_000_000u64),
        1 => Just(100_000_001u64),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (hostile_id(), quantity(), price())
            .prop_map(|(id, quantity, price)| Op::Place { id, quantity, price }),
        2 => (hostile_id(), quantity()).prop_map(|(id, quantity)| Op::Change { id, quantity }),
        2 => (hostile_id(), prop_oneof![
            3 => Just(Amount::Total),
            1 => (0u64..=1_000_000_000_000).prop_map(Amount::Cents),
        ])
            .prop_map(|(id, amount)| Op::Pay { id, amount }),
        1 => (hostile_id(), any::<String>()).prop_map(|(id, reason)| Op::Cancel { id, reason }),
        1 => hostile_id().prop_map(|id| Op::Query { id }),
    ]
}

/// The ops as scenario steps, followed by a query of every id. Paying `Total` pays what a
/// small model of the rules says the total is (a wrong model only makes a rejection).
fn steps_of(ops: &[Op]) -> Vec<Value> {
    let mut totals: BTreeMap<&str, (u64, u64)> = BTreeMap::new(); // id → (quantity, price)
    let valid_quantity = |q: u64| (1..=1_000_000).contains(&q);
    let mut steps: Vec<Value> = ops
        .iter()
        .map(|op| match op {
            Op::Place {
                id,
                quantity,
                price,
            } => {
                if !totals.contains_key(id.as_str())
                    && valid_quantity(*quantity)
                    && *price <= 100_000_000
                {
                    totals.insert(id, (*quantity, *price));
                }
                place_order(id, "Bob", json!(quantity), json!(dollars(*price)))
            }
            Op::Change { id, quantity } => {
                if let Some(order) = totals.get_mut(id.as_str())
                    && valid_quantity(*quantity)
                {
                    order.0 = *quantity;
                }
                json!({"change_quantity": {"order_id": id, "quantity": quantity}})
            }
            Op::Pay { id, amount } => {
                let cents = match amount {
                    Amount::Total => totals.get(id.as_str()).map_or(100, |(q, p)| q * p),
                    Amount::Cents(cents) => *cents,
                };
                json!({"pay": {"order_id": id, "amount": dollars(cents)}})
            }
            Op::Cancel { id, reason } => {
                json!({"cancel": {"order_id": id, "reason": reason}})
            }
            Op::Query { id } => json!({"query": {"order_id": id}}),
        })
        .collect();
    for id in IDS {
        steps.push(json!({"query": {"order_id": id}}));
    }
    steps
}

proptest! {
    #![proptest_config(proptest_config(256))]

    #[test]
    fn both_designs_agree_on_any_commands(
        ops in prop::collection::vec(op(), 1..40),
        crud_locking in any::<bool>(),
    ) {
        let text = scenario_text(&steps_of(&ops));
        let scenario = Scenario::from_json("generated", &text)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let trace = run_in_memory(scenario, crud_locking)?;
        prop_assert!(
            trace.summary.differing_steps.is_empty(),
            "steps {:?} differ (crud_locking {})",
            trace.summary.differing_steps,
            crud_locking
        );
        // The one gap: a cancel both stored, whose reason CRUD has no column for (and says
        // so). Nothing else is answered by one design only.
        let value = serde_json::to_value(&trace).unwrap();
        let cancels_kept_short: Vec<usize> = cancels_crud_kept_short(&value)
            .into_iter()
            .map(|step| step as usize)
            .collect();
        prop_assert_eq!(&trace.summary.gap_steps, &cancels_kept_short);
        // The log holds one event per command event sourcing applied; CRUD a row per order.
        let applied = results_of(&value, "es")
            .iter()
            .filter(|r| r["outcome"] == "applied")
            .count();
        let placed = results_of(&value, "crud")
            .iter()
            .filter(|r| r["outcome"] == "applied" && r["storage"]["insert"].is_object())
            .count();
        let counts: Vec<u64> = trace.summary.storage.iter().map(|s| s.count).collect();
        prop_assert_eq!(counts, vec![placed as u64, applied as u64]);
    }
}

// ---------------------------------------------------------------------------------------
// c. Fixed cases

#[test]
fn unreadable_files_are_refused_and_left_as_they_were() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    assert_file_refused(&write("empty.json", b""), "EOF");
    assert_file_refused(&write("latin1.json", b"{\"title\": \"caf\xe9\"}"), "UTF-8");
    assert_file_refused(&write("bom16.json", b"\xff\xfe{\x00}\x00"), "UTF-8");
    assert_file_refused(&write("nul.json", b"\x00\x00\x00"), "1:1");
    assert_file_refused(dir.path(), "directory");

    // Valid JSON padded with spaces to ~50 MB: read as a stream, and valid.
    let valid = scenario_text(&[json!({"query": {"order_id": "A1"}})]);
    let mut big = valid.into_bytes();
    big.resize(50 * 1024 * 1024, b' ');
    let path = write("big.json", &big);
    drop(big);
    let check = run(&["check", path_str(&path)]);
    assert_eq!(check.code, Some(0), "{}", check.stderr);
    // And 50 MB of junk: refused at its first byte, not read to the end.
    let path = write("junk.bin", &vec![0xa5u8; 50 * 1024 * 1024]);
    assert_file_refused(&path, "1:1");
}

#[test]
fn json_nested_100000_deep_in_a_command_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let depth = 100_000;
    let objects = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
    let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    for (n, nested) in [objects, arrays].iter().enumerate() {
        for field in ["quantity", "unit_price", "order_id", "customer"] {
            let mut step = place_order("A1", "Bob", json!(1), json!(1));
            step["place_order"][field] = json!("NESTED");
            let text = scenario_text(&[step]).replace("\"NESTED\"", nested);
            let path = dir.path().join(format!("nested{n}-{field}.json"));
            std::fs::write(&path, &text).unwrap();
            assert_file_refused(&path, &format!("place_order.{field}"));
        }
    }
}

/// Numbers no integer or float holds, or with too many decimals, in every quantity and
/// money field: an input error naming the step and the field; `-0` reads as zero.
#[test]
fn extreme_numbers_in_quantities_and_amounts() {
    let dir = tempfile::tempdir().unwrap();
    let quantity = [
        ("1e400", "out of range"),
        ("18446744073709551616", "too large"),
        ("-1", "negative"),
        ("10.125", "not a whole number"),
        ("\"10.125\"", "invalid type"),
    ];
    let money = [
        ("1e400", "out of range"),
        ("18446744073709551616", "too large"),
        ("-1", "negative"),
        ("10.125", "more than two decimals"),
        ("\"10.125\"", "more than two decimals"),
    ];
    let fields = [
        ("place_order.quantity", &quantity),
        ("change_quantity.quantity", &quantity),
        ("place_order.unit_price", &money),
        ("pay.amount", &money),
    ];
    for (field, cases) in fields {
        for (number, why) in cases {
            let text = format!(
                r#"{{"title": "extreme", "steps": [
                    {{"place_order": {{"order_id": "A1", "customer": "C", "product": "P", "quantity": 2, "unit_price": 5}}}},
                    {}
                ]}}"#,
                step_with(field, number)
            );
            let path = dir.path().join("extreme.json");
            std::fs::write(&path, &text).unwrap();
            for command in ["check", "run"] {
                let stderr = refused(&[command, path_str(&path)]);
                assert!(
                    stderr.contains(&format!("step 2: {field}")),
                    "{number} in {field}: {stderr}"
                );
                assert!(
                    stderr.contains(*why),
                    "{number} in {field}: expected {why:?} in {stderr}"
                );
            }
            assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        }
    }

    // `-0` is zero: a quantity of 0 is refused by the rules, an amount of $0.00 is an amount.
    let path = dir.path().join("zero.json");
    let text = r#"{"title": "zero", "steps": [
        {"place_order": {"order_id": "Q", "customer": "C", "product": "P", "quantity": -0, "unit_price": 1}},
        {"place_order": {"order_id": "F", "customer": "C", "product": "P", "quantity": 3, "unit_price": -0}},
        {"change_quantity": {"order_id": "F", "quantity": -0}},
        {"pay": {"order_id": "F", "amount": -0}}
    ]}"#;
    std::fs::write(&path, text).unwrap();
    let trace = ok_json(&["run", path_str(&path), "--format", "json"]);
    for backend in ["crud", "es"] {
        let results = results_of(&trace, backend);
        assert_eq!(results[0]["outcome"], "rejected", "{}", results[0]);
        assert!(results[0]["reason"].as_str().unwrap().contains("not 0"));
        assert_eq!(
            results[1]["outcome"], "applied",
            "a free order: {}",
            results[1]
        );
        assert_eq!(results[1]["state"]["total"], "0.00");
        assert_eq!(results[2]["outcome"], "rejected", "{}", results[2]);
        assert_eq!(
            results[3]["outcome"], "applied",
            "$0.00 pays $0.00: {}",
            results[3]
        );
        assert_eq!(results[3]["state"]["status"], "Paid");
    }
    assert_eq!(trace["summary"]["differing_steps"], json!([]));
}

/// Order ids that cannot be stored or shown are refused in every command that takes one;
/// tests/bad_input.rs covers `query`.
#[test]
fn unusable_order_ids_are_refused_in_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let long = "x".repeat(10_000);
    let cases: [(&str, &str); 12] = [
        ("", "must not be empty"),
        (&long, "at most 100 characters"),
        ("A\u{1b}[31m", "control characters"),
        ("A\n1", "control characters"),
        ("A\u{0}1", "control characters"),
        ("A\u{7f}", "control characters"),
        // Ids that print like another: spaces at the ends, zero-width and bidi characters.
        (" ", "must not start or end with a space"),
        ("A1 ", "must not start or end with a space"),
        (
            "A\u{200b}1",
            "invisible characters or spaces other than a plain one (U+200B)",
        ),
        (
            "\u{202e}1A",
            "invisible characters or spaces other than a plain one (U+202E)",
        ),
        ("A\u{a0}1", "(U+00A0)"),
        ("\u{feff}A1", "(U+FEFF)"),
    ];
    for (id, why) in cases {
        let steps = [
            ("place_order", place_order(id, "Bob", json!(1), json!(1))),
            (
                "change_quantity",
                json!({"change_quantity": {"order_id": id, "quantity": 2}}),
            ),
            ("pay", json!({"pay": {"order_id": id, "amount": 1}})),
            ("cancel", json!({"cancel": {"order_id": id, "reason": "x"}})),
            ("history", json!({"history": {"order_id": id}})),
        ];
        for (name, step) in steps {
            let path = dir.path().join("ids.json");
            std::fs::write(&path, scenario_text(&[step])).unwrap();
            let stderr = refused(&["run", path_str(&path)]);
            assert!(
                stderr.contains(&format!("step 1: {name}.order_id")),
                "{id:?} in {name}: {stderr}"
            );
            assert!(stderr.contains(why), "{id:?} in {name}: {stderr}");
            assert!(stderr.len() < 600, "the id is not echoed in full: {stderr}");
            assert!(!stderr.contains('\u{1b}'), "no raw ESC: {stderr:?}");
        }
    }
}

/// Ids made of SQL, quotes, unicode and 100 characters are just ids: stored as given in
/// both databases, which keep their tables, and the log verifies.
#[test]
fn hostile_but_valid_ids_are_stored_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let mut ids: Vec<String> = IDS.iter().map(|s| s.to_string()).collect();
    ids.push("x".repeat(100));
    ids.push("ü".repeat(100));
    ids.push("%s %n %x {} {0} $1 ?1 :id".into());
    let mut steps = Vec::new();
    for id in &ids {
        steps.push(place_order(id, "Bob", json!(2), json!("3.50")));
        steps.push(json!({"pay": {"order_id": id, "amount": "7.00"}}));
        steps.push(json!({"history": {"order_id": id}}));
    }
    let path = dir.path().join("ids.json");
    std::fs::write(&path, scenario_text(&steps)).unwrap();
    let db = dir.path().join("db");
    let trace = ok_json(&[
        "run",
        path_str(&path),
        "--db-dir",
        path_str(&db),
        "--format",
        "json",
    ]);
    assert_eq!(trace["summary"]["differing_steps"], json!([]));
    for backend in ["crud", "es"] {
        for result in results_of(&trace, backend)
            .iter()
            .filter(|r| r["outcome"] == "applied")
        {
            assert!(
                ids.iter()
                    .any(|id| result["state"]["order_id"] == id.as_str()),
                "{result}"
            );
        }
    }

    let mut stored: Vec<String> = select(
        &db.join("crud.sqlite3"),
        "SELECT order_id FROM orders WHERE status = 'Paid'",
        |r| r.get(0),
    );
    stored.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(stored, expected);
    let mut streams: Vec<String> = select(
        &db.join("events.sqlite3"),
        "SELECT DISTINCT stream_id FROM events",
        |r| r.get(0),
    );
    streams.sort();
    assert_eq!(streams, expected);
    let verdict = ok_json(&["verify", "--db-dir", path_str(&db), "--format", "json"]);
    assert_eq!(verdict["events"], 2 * ids.len());
    let replay = ok_json(&["replay", "--db-dir", path_str(&db), "--format", "json"]);
    assert_eq!(replay["orders"].as_array().unwrap().len(), ids.len());
}

/// `verify` on a folder whose events.sqlite3 is not ours: exit 2, naming the file, which is
/// left as it was (tests/bad_input.rs covers `run`, `log` and `replay`).
#[test]
fn verify_refuses_a_stranger_and_leaves_it_alone() {
    let tmp = tempfile::tempdir().unwrap();
    type Plant = fn(&Path);
    let plant: [(&str, Plant); 4] = [
        ("foreign SQLite", |p| {
            let db = rusqlite::Connection::open(p).unwrap();
            db.execute_batch("CREATE TABLE events(x); INSERT INTO events VALUES (1);")
                .unwrap();
        }),
        ("text", |p| {
            std::fs::write(p, "SQLite format 3\0 but not really\n").unwrap()
        }),
        ("empty", |p| std::fs::write(p, "").unwrap()),
        ("CRUD store", |p| {
            // eslab's own CRUD database under the event store's name.
            let dir = p.parent().unwrap().join("crud-source");
            let out = run(&["run", "bob", "--db-dir", path_str(&dir)]);
            assert_eq!(out.code, Some(0));
            std::fs::copy(dir.join("crud.sqlite3"), p).unwrap();
            std::fs::remove_dir_all(dir).unwrap();
        }),
    ];
    for (n, (what, plant)) in plant.into_iter().enumerate() {
        let dir = tmp.path().join(format!("stranger{n}"));
        std::fs::create_dir(&dir).unwrap();
        let events = dir.join("events.sqlite3");
        plant(&events);
        let before = folder_snapshot(&dir);
        for format in ["table", "json"] {
            let stderr = refused(&["verify", "--db-dir", path_str(&dir), "--format", format]);
            assert!(stderr.contains(path_str(&events)), "{what}: {stderr}");
            assert!(
                stderr.contains("not an eslab event store"),
                "{what}: {stderr}"
            );
        }
        assert_eq!(
            folder_snapshot(&dir),
            before,
            "{what}: verify changed the folder"
        );
    }
    // No folder, or no log in it: exit 2, naming what is missing, creating nothing.
    let missing = tmp.path().join("missing");
    let stderr = refused(&["verify", "--db-dir", path_str(&missing)]);
    assert!(stderr.contains("events.sqlite3"), "{stderr}");
    assert!(!missing.exists());
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    refused(&["verify", "--db-dir", path_str(&empty)]);
    assert_eq!(std::fs::read_dir(&empty).unwrap().count(), 0);
}

/// A real database cut to half its size: every command that opens it fails cleanly, names
/// it, and leaves the folder as it was.
#[test]
fn a_truncated_database_is_refused_and_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let real = real_database(tmp.path());
    let scenario = tmp.path().join("generated.json");
    for file in ["events.sqlite3", "crud.sqlite3"] {
        let dir = tmp.path().join(format!("truncated-{file}"));
        std::fs::create_dir(&dir).unwrap();
        for name in ["events.sqlite3", "crud.sqlite3"] {
            std::fs::copy(real.join(name), dir.join(name)).unwrap();
        }
        let path = dir.join(file);
        let size = std::fs::metadata(&path).unwrap().len();
        assert!(size >= 8 * 4096, "a database of many pages: {size}");
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(size / 2)
            .unwrap();
        let before = folder_snapshot(&dir);
        let mut attempts = vec![
            vec![
                "run",
                path_str(&scenario),
                "--db-dir",
                path_str(&dir),
                "--continue",
            ],
            vec!["run", "bob", "--db-dir", path_str(&dir), "--continue"],
        ];
        if file == "events.sqlite3" {
            attempts.push(vec!["verify", "--db-dir", path_str(&dir)]);
            attempts.push(vec!["log", "--db-dir", path_str(&dir)]);
            attempts.push(vec!["replay", "--db-dir", path_str(&dir)]);
        }
        for args in attempts {
            let stderr = refused(&args);
            assert!(
                stderr.contains(path_str(&path)),
                "{args:?} must name {file}: {stderr}"
            );
            assert_eq!(folder_snapshot(&dir), before, "{args:?} changed the folder");
        }
    }
}

/// The part of a damaged database that SQLite only finds past its first page: every command
/// fails cleanly (exit 2, no panic) and the damaged file keeps its bytes.
#[test]
fn a_log_damaged_past_its_header_fails_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    let real = real_database(tmp.path());
    let dir = tmp.path().join("damaged");
    std::fs::create_dir(&dir).unwrap();
    let events = dir.join("events.sqlite3");
    damage_past_the_header(&real.join("events.sqlite3"), &events);
    let before = contents(&events);
    for args in [
        vec!["verify", "--db-dir", path_str(&dir)],
        vec!["log", "--db-dir", path_str(&dir)],
        vec!["replay", "--db-dir", path_str(&dir)],
        vec!["run", "bob", "--db-dir", path_str(&dir), "--continue"],
    ] {
        let stderr = refused(&args);
        assert!(stderr.contains("malformed"), "{args:?}: {stderr}");
        assert_eq!(
            contents(&events),
            before,
            "{args:?} changed the damaged log"
        );
    }
}

/// BUG (src/app.rs `Log`/`Replay`, src/runner.rs `Services::open`): a log damaged past its
/// header passes the identity check, then
/// - `eslab log`, `eslab replay` and `eslab run --continue` fail with
///   "eslab: error: database disk image is malformed: Error code 11: …" (or "cannot replay
///   the log: …", "cannot build OrderView from the log: …"), without naming the file, where
///   `eslab verify` names it ("cannot read the log in D/events.sqlite3: …");
/// - `eslab run bob --db-dir D --continue` (D holding only the damaged events.sqlite3)
///   creates D/crud.sqlite3 before opening the log fails, so the refused run does not leave
///   the folder as it found it.
///
/// The same happens with a file forged with eslab's application_id and user_version but no
/// tables (and that file is even switched to WAL mode).
/// Expected: exit 2 with the file named, and the folder unchanged.
#[test]
fn a_log_damaged_past_its_header_is_named_and_nothing_is_created() {
    let tmp = tempfile::tempdir().unwrap();
    let real = real_database(tmp.path());
    let forge = |path: &Path| {
        let db = rusqlite::Connection::open(path).unwrap();
        db.execute_batch(&format!(
            "PRAGMA application_id = {}; PRAGMA user_version = {}; CREATE TABLE t(x);",
            eslab::EVENT_STORE_SCHEMA.application_id,
            eslab::EVENT_STORE_SCHEMA.version
        ))
        .unwrap();
    };
    for (what, n) in [("damaged", 0), ("forged", 1)] {
        let dir = tmp.path().join(format!("{what}{n}"));
        std::fs::create_dir(&dir).unwrap();
        let events = dir.join("events.sqlite3");
        if n == 0 {
            damage_past_the_header(&real.join("events.sqlite3"), &events);
        } else {
            forge(&events);
        }
        let before = folder_snapshot(&dir);
        for args in [
            vec!["verify", "--db-dir", path_str(&dir)],
            vec!["log", "--db-dir", path_str(&dir)],
            vec!["replay", "--db-dir", path_str(&dir)],
            vec!["run", "bob", "--db-dir", path_str(&dir), "--continue"],
        ] {
            let stderr = refused(&args);
            assert!(
                stderr.contains(path_str(&events)),
                "{what}: {args:?} must name the file: {stderr}"
            );
            assert_eq!(
                folder_snapshot(&dir),
                before,
                "{what}: {args:?} changed the folder"
            );
        }
    }
}

/// A database file appears under its name only once it is whole: it is built under a
/// temporary name and hard-linked into place. So a kill can never leave a 0-byte
/// `events.sqlite3` for `--continue` to trip over, and no temporary file is left behind.
#[test]
fn a_database_file_appears_only_once_it_is_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("D");
    let out = run(&["run", "bob", "--db-dir", path_str(&dir), "--continue"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["crud.sqlite3", "events.sqlite3"]);
}

/// A read-only folder: refused with exit 2, nothing created. Root writes anyway (CI runs as
/// root), so there eslab is run as an unprivileged user (`nobody`, 65534), for whom the
/// folder's permissions hold.
#[test]
fn a_read_only_folder_is_refused_cleanly() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let mode = |path: &Path, mode| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ro");
    std::fs::create_dir(&dir).unwrap();
    mode(&dir, 0o555);
    let probe = dir.join("probe");
    let as_nobody = std::fs::write(&probe, b"x").is_ok();
    let mut eslab = PathBuf::from(env!("CARGO_BIN_EXE_eslab"));
    if as_nobody {
        std::fs::remove_file(&probe).unwrap();
        // nobody must reach the folder and the binary: the binary's own folder may be private
        // (a checkout under /root), so it runs from the temporary folder.
        mode(tmp.path(), 0o755);
        let copy = tmp.path().join("eslab");
        if std::fs::hard_link(&eslab, &copy).is_err() {
            std::fs::copy(&eslab, &copy).unwrap();
        }
        eslab = copy;
    }
    for args in [
        vec!["run", "bob", "--db-dir", path_str(&dir)],
        vec!["run", "bob", "--db-dir", path_str(&dir), "--continue"],
    ] {
        let mut command = std::process::Command::new(&eslab);
        command.args(&args).env_remove("RUST_BACKTRACE");
        if as_nobody {
            command.uid(65534).gid(65534);
        }
        let out: Output = command
            .output()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {} (as nobody: {as_nobody}): {e}",
                    eslab.display()
                )
            })
            .into();
        let context = format!(
            "eslab {args:?} (as nobody: {as_nobody}): exit {:?}, stderr {:?}, stdout:\n{}",
            out.code,
            out.stderr,
            String::from_utf8_lossy(&out.stdout)
        );
        assert_eq!(out.code, Some(2), "{context}");
        assert!(out.stdout.is_empty(), "{context}");
        assert!(out.stderr.starts_with("eslab: "), "{context}");
        assert_eq!(out.stderr.lines().count(), 1, "{context}");
        assert!(out.stderr.contains(path_str(&dir)), "{context}");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "{context}");
    }
    mode(&dir, 0o755);
}

/// Markdown is rendered by whatever the reader pastes it into; what a user typed must show
/// as the characters typed, never as HTML that runs or a link that goes anywhere. Checked by
/// rendering every markdown eslab writes of a hostile scenario with a CommonMark renderer.
#[test]
fn markdown_shows_html_and_links_in_names_as_text() {
    let tmp = tempfile::tempdir().unwrap();
    let img = "<img src=x onerror=alert(1)>";
    let link = "[click](javascript:alert(2))";
    let script = "</td><script>alert(3)</script>&lt;";
    let mut place = place_order("A1", img, 2, "10.00");
    place["place_order"]["product"] = json!(link);
    let steps = vec![
        json!({"place_order": place["place_order"], "note": script}),
        json!({"query": {"order_id": "A1"}, "note": format!("{img} {link}")}),
        // A fence in a note must not close the stacked layout's code block.
        json!({"query": {"order_id": "A1"}, "note": format!("```\n{img}\n```")}),
        json!({"history": {"order_id": "A1"}, "expect": {"last_changed_by": "clerk"}}),
    ];
    let scenario = tmp.path().join("hostile.json");
    std::fs::write(&scenario, scenario_text(&steps)).unwrap();
    let db = tmp.path().join("db");
    let scenario = path_str(&scenario);
    let db = path_str(&db);
    let commands: [&[&str]; 5] = [
        &["run", scenario, "--format", "markdown", "--db-dir", db],
        &[
            "run", scenario, "--format", "markdown", "--layout", "stacked",
        ],
        &["diff", scenario, "--format", "markdown"],
        &["log", "--db-dir", db, "--format", "markdown"],
        &["replay", "--db-dir", db, "--format", "markdown"],
    ];
    for args in commands {
        let out = run(args);
        assert!(matches!(out.code, Some(0 | 1)), "{}", out.describe(args));
        let markdown = out.stdout_text();
        let mut html = String::new();
        pulldown_cmark::html::push_html(
            &mut html,
            pulldown_cmark::Parser::new_ext(&markdown, pulldown_cmark::Options::all()),
        );
        for raw in ["<img", "<script", "href=\"javascript:"] {
            assert!(
                !html.contains(raw),
                "eslab {args:?}: the rendered markdown holds {raw:?}:\n{markdown}"
            );
        }
        // The names are still there, shown as typed.
        assert!(
            html.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "eslab {args:?}: the customer is not shown as typed:\n{html}"
        );
    }
}

/// A customer's revenue past what an SQLite integer holds: CRUD's `sum` failed with "integer
/// overflow" (exit 2, the JSON cut off) where event sourcing answered. One rule now holds
/// for both: the same answer up to the most a report adds up to, and past it both say they
/// cannot. Reaching it through commands takes 184,469 steps (tests/scale.rs runs them, and
/// `ignored`); here each design is handed the paid amounts directly: CRUD as rows, event
/// sourcing as the events its report folds.
#[test]
fn revenue_past_an_sqlite_integer_is_refused_alike_by_both_designs() {
    use eslab::CrudStore;
    use eslab::Location;
    use eslab::{Event, Money, OrderId, ReportQuery, StoredEvent, SumTooLarge};
    use eslab::{NewOrderEvent, OrderPaymentEvent};
    use eslab::{Outcome, Question, Unanswerable};

    let max = i64::MAX as u64;
    let query = ReportQuery {
        name: "revenue-per-customer".into(),
        define: None,
    };
    let answers = |paid: &[u64]| -> (Outcome, Result<eslab::Report, SumTooLarge>) {
        let mut crud = CrudStore::open(&Location::InMemory, false).unwrap();
        let mut events = Vec::new();
        for (i, &cents) in paid.iter().enumerate() {
            let id = format!("A{i}");
            crud.connection()
                .execute(
                    "INSERT INTO orders (order_id, customer, product, quantity, unit_price_cents, total_cents, paid_cents, status) VALUES (?1, 'Bob', 'Book', 1, ?2, ?2, ?2, 'Paid')",
                    rusqlite::params![id, cents as i64],
                )
                .unwrap();
            let order_id = OrderId::new(id.clone()).unwrap();
            let stored = |event_id, event| StoredEvent {
                event_id,
                stream_id: order_id.clone(),
                stream_version: event_id % 2 + 1,
                schema_version: 1,
                event,
                metadata: None,
            };
            events.push(stored(
                2 * i as u64 + 1,
                Event::NewOrderEvent(NewOrderEvent {
                    customer: "Bob".into(),
                    product: "Book".into(),
                    quantity: 1,
                    unit_price: Money::from_cents(cents),
                }),
            ));
            events.push(stored(
                2 * i as u64 + 2,
                Event::OrderPaymentEvent(OrderPaymentEvent {
                    amount: Money::from_cents(cents),
                }),
            ));
        }
        let crud = eslab::OrderService::ask(&mut crud, &Question::Report(query.clone()))
            .unwrap_or_else(|e| panic!("CRUD failed on {paid:?}: {e:#}"));
        (crud, eslab::answer_report(&query, &events))
    };
    // Up to the most an SQLite integer holds, both answer, the same.
    let (crud, es) = answers(&[max - 7, 7]);
    let es = es.expect("event sourcing answers");
    match crud {
        Outcome::Report { report, .. } => assert_eq!(report, es),
        other => panic!("CRUD did not answer: {other:?}"),
    }
    assert_eq!(es.rows, [["Bob", "2", "$92233720368547758.07"]]);
    // One cent past it, neither does.
    let (crud, es) = answers(&[max - 7, 8]);
    assert_eq!(es, Err(SumTooLarge));
    assert!(
        matches!(
            crud,
            Outcome::Unavailable {
                reason: Unanswerable::SumTooLarge,
                ..
            }
        ),
        "{crud:?}"
    );
}

/// A run that fails after its JSON began (here the disk fills: a file-size limit, with the
/// signal ignored so that writes fail as on a full disk) still leaves one whole document on
/// stdout, saying where it stopped and why, besides the usual error and exit 2.
#[test]
fn a_run_that_fails_midway_leaves_a_whole_json_document() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("generated.json");
    write_generated(
        Env::NoBacktrace,
        &scenario,
        &["--orders", "300", "--changes", "2"],
    );
    let db = tmp.path().join("db");
    let script = format!(
        "trap '' XFSZ; ulimit -f 400; exec '{}' run '{}' --format json --db-dir '{}'",
        env!("CARGO_BIN_EXE_eslab"),
        path_str(&scenario),
        path_str(&db)
    );
    let out = std::process::Command::new("sh")
        .args(["-c", &script])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.starts_with("eslab: error: step "), "{stderr}");
    assert!(
        !out.stdout.is_empty(),
        "the run failed before its output began"
    );
    let document: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one whole JSON document ({e}); it ends with {:?}",
            String::from_utf8_lossy(&out.stdout[out.stdout.len().saturating_sub(200)..])
        )
    });
    let done = document["steps"].as_array().unwrap().len();
    assert!(done > 0 && done < 1500, "{done} steps");
    assert_eq!(document["stopped"]["after_step"], done);
    let error = document["stopped"]["error"].as_str().unwrap();
    assert!(
        stderr.contains(error),
        "{error:?} is not what stderr says: {stderr}"
    );
    assert!(document.get("summary").is_none());

    // A long table (over 1,000 steps, printed as it runs) ends saying where it stopped too,
    // not in the middle of a chunk.
    let db = tmp.path().join("db-markdown");
    let script = format!(
        "trap '' XFSZ; ulimit -f 400; exec '{}' run '{}' --format markdown --db-dir '{}'",
        env!("CARGO_BIN_EXE_eslab"),
        path_str(&scenario),
        path_str(&db)
    );
    let out = std::process::Command::new("sh")
        .args(["-c", &script])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let markdown = String::from_utf8(out.stdout).unwrap();
    let error = stderr.trim_end().trim_start_matches("eslab: error: ");
    let (_, last) = markdown.rsplit_once("\n## Stopped\n\n").unwrap_or_else(|| {
        panic!(
            "no closing section: {}",
            &markdown[markdown.len().saturating_sub(300)..]
        )
    });
    assert!(
        last.starts_with("The run stopped after step ") && last.trim_end().ends_with(error),
        "{last}"
    );
}

/// `events.sqlite3` as a link to nowhere: with --continue it was taken for a file that
/// exists ("use --continue"); now it is named as the link it is, with and without the flag,
/// and nothing is created through it.
#[test]
fn a_dangling_database_link_is_named_as_such() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    std::fs::create_dir(&db).unwrap();
    let target = tmp.path().join("elsewhere").join("events.sqlite3");
    std::os::unix::fs::symlink(&target, db.join("events.sqlite3")).unwrap();
    for args in [
        vec!["run", "bob", "--db-dir", path_str(&db), "--continue"],
        vec!["run", "bob", "--db-dir", path_str(&db)],
        vec!["live", "bob", "--db-dir", path_str(&db), "--continue"],
    ] {
        let stderr = refused(&args);
        assert!(
            stderr.contains(&format!(
                "events.sqlite3 is a symbolic link to {}, which does not exist",
                path_str(&target)
            )),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("use --continue"), "{stderr}");
        assert!(!target.exists() && !db.join("crud.sqlite3").exists());
    }
}

/// A CRUD store made with --crud-locking, carried on from without it (or the other way
/// round), was "not an eslab CRUD store (application_id is 1163086934)"; now the message
/// says which flag it was made with, and the folder is left as it was.
#[test]
fn a_crud_store_names_the_locking_flag_it_was_made_with() {
    let tmp = tempfile::tempdir().unwrap();
    for (made, carried_on, says) in [
        (true, false, "was made with --crud-locking: add the flag"),
        (
            false,
            true,
            "was made without --crud-locking: leave the flag out",
        ),
    ] {
        let db = tmp.path().join(format!("made-{made}"));
        let mut first = vec!["run", "bob", "--db-dir", path_str(&db)];
        if made {
            first.push("--crud-locking");
        }
        assert_eq!(run(&first).code, Some(0));
        let before = folder_snapshot(&db);
        let mut again = vec!["run", "bob", "--db-dir", path_str(&db), "--continue"];
        if carried_on {
            again.push("--crud-locking");
        }
        let stderr = refused(&again);
        assert!(
            stderr.contains(&format!("crud.sqlite3 {says} to carry on from it")),
            "{stderr}"
        );
        assert!(!stderr.contains("application_id"), "{stderr}");
        assert_eq!(folder_snapshot(&db), before);
    }
}
