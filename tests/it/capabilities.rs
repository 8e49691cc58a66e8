//! End-to-end tests of eslab's capabilities, through the binary: history, time travel, the
//! view crashing and being rebuilt, expected versions, reports, expectations, `--step`,
//! colour and Mermaid diagrams. Each runs on both backends where it applies.

use crate::common;
use crate::common::{
    Env, assert_contains_all, eslab_in, field_u64s, file_with, path_str, place_order, said,
};
use serde_json::{Value, json};
use tempfile::TempDir;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// What one `eslab` invocation did.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// The stdout parsed as JSON.
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// Runs `eslab` with `args`, `set` environment variables added and `unset` ones removed.
fn eslab_env(args: &[&str], set: &[(&str, &str)], unset: &[&str]) -> Run {
    let mut cmd = eslab_in(Env::Inherited);
    cmd.args(args);
    for name in unset {
        cmd.env_remove(name);
    }
    for (name, value) in set {
        cmd.env(name, value);
    }
    let output = cmd.output().expect("eslab runs");
    Run {
        code: output.status.code().expect("eslab exits with a code"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

fn eslab(args: &[&str]) -> Run {
    eslab_env(args, &[], &[])
}

/// Runs `eslab`, checks the exit code and returns the JSON it printed.
fn eslab_json(args: &[&str], code: i32) -> Value {
    let run = eslab(args);
    assert_eq!(
        run.code, code,
        "eslab {args:?} exit code\nstdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    run.json()
}

/// The record of step `n` (from 1) in a run's JSON.
fn step(trace: &Value, n: usize) -> &Value {
    let record = &trace["steps"][n - 1];
    assert_eq!(record["step"], json!(n), "steps are numbered from 1");
    record
}

/// What `backend` ("crud" or "es") did at step `n`.
fn outcome<'a>(trace: &'a Value, n: usize, backend: &str) -> &'a Value {
    step(trace, n)["results"]
        .as_array()
        .expect("results is a list")
        .iter()
        .find(|r| r["backend"] == backend)
        .unwrap_or_else(|| panic!("no {backend} result at step {n}: {}", step(trace, n)))
}

/// The backends that answered step `n`, in order.
fn backends_at(trace: &Value, n: usize) -> Vec<String> {
    step(trace, n)["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["backend"].as_str().unwrap().to_string())
        .collect()
}

fn kind(outcome: &Value) -> &str {
    outcome["outcome"]
        .as_str()
        .unwrap_or_else(|| panic!("no outcome tag in {outcome}"))
}

fn text<'a>(value: &'a Value, field: &str) -> &'a str {
    value[field]
        .as_str()
        .unwrap_or_else(|| panic!("`{field}` is not a string in {value}"))
}

/// Whether a stored command carries a caveat of this kind.
fn has_caveat(outcome: &Value, caveat: &str) -> bool {
    outcome["caveats"]
        .as_array()
        .is_some_and(|all| all.iter().any(|c| c["caveat"] == caveat))
}

/// The events a command appended on the event-sourced side.
fn appended(outcome: &Value) -> &Vec<Value> {
    outcome["storage"]["append"]["events"]
        .as_array()
        .unwrap_or_else(|| panic!("no appended events in {outcome}"))
}

fn usizes(value: &Value) -> Vec<usize> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("{value} is not a list"))
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect()
}

/// A scenario file in a temporary folder; keep the folder alive while using the path.
fn scenario_file(scenario: &Value) -> (TempDir, String) {
    let (dir, path) = file_with(serde_json::to_string_pretty(scenario).unwrap());
    let path = path_str(&path).to_string();
    (dir, path)
}

const ESC: &str = "\u{1b}[";

// ---------------------------------------------------------------------------------------------
// 1. History
// ---------------------------------------------------------------------------------------------

#[test]
fn history_es_answers_every_event_in_order() {
    let trace = eslab_json(&["run", "history", "--format", "json"], 0);
    let es = outcome(&trace, 5, "es");
    assert_eq!(kind(es), "history");
    assert!(said(es).contains("read the stream A1 in the log"), "{es}");
    let events = es["events"].as_array().unwrap();
    let ids: Vec<u64> = events
        .iter()
        .map(|e| e["event_id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [2001, 2002, 2003, 2004]);
    let types: Vec<&str> = events.iter().map(|e| text(e, "event_type")).collect();
    assert_eq!(
        types,
        [
            "NewOrderEvent",
            "ModifyOrderEvent",
            "ModifyOrderEvent",
            "OrderPaymentEvent"
        ]
    );
    let versions: Vec<u64> = events
        .iter()
        .map(|e| e["stream_version"].as_u64().unwrap())
        .collect();
    assert_eq!(versions, [1, 2, 3, 4]);
    assert!(events.iter().all(|e| e["stream_id"] == "A1"));
    // The overwritten values are still there, in order: 5, then 6, then 4.
    assert_eq!(events[0]["payload"]["quantity"], 5);
    assert_eq!(events[1]["payload"]["quantity"], 6);
    assert_eq!(events[2]["payload"]["quantity"], 4);
    assert_eq!(events[3]["payload"]["amount"], "40.00");
    // The history is the same events the commands appended.
    let appended_ids: Vec<u64> = (1..=4)
        .flat_map(|n| appended(outcome(&trace, n, "es")).clone())
        .map(|e| e["event_id"].as_u64().unwrap())
        .collect();
    assert_eq!(appended_ids, ids);
}

#[test]
fn history_crud_is_unavailable_and_shows_only_the_latest_row() {
    let trace = eslab_json(&["run", "history", "--format", "json"], 0);
    let crud = outcome(&trace, 5, "crud");
    assert_eq!(kind(crud), "unavailable");
    assert_eq!(crud["why"], "history_not_kept", "{crud}");
    assert!(said(crud).contains("overwritten"), "{crud}");
    let latest = &crud["latest"];
    assert_eq!(latest["order_id"], "A1");
    assert_eq!(latest["quantity"], 4);
    assert_eq!(latest["total"], "40.00");
    assert_eq!(latest["paid"], "40.00");
    assert_eq!(latest["status"], "Paid");
    assert_eq!(latest["version"], Value::Null, "CRUD keeps no version");
    // A gap, not a divergence.
    assert_eq!(usizes(&trace["summary"]["gap_steps"]), [5]);
    assert!(usizes(&trace["summary"]["differing_steps"]).is_empty());
}

#[test]
fn history_on_each_backend_alone() {
    let es = eslab_json(
        &["run", "history", "--backend", "es", "--format", "json"],
        0,
    );
    assert_eq!(backends_at(&es, 5), ["es"]);
    assert_eq!(kind(outcome(&es, 5, "es")), "history");
    assert_eq!(outcome(&es, 5, "es")["events"].as_array().unwrap().len(), 4);
    assert_eq!(es["summary"]["queries_identical"], Value::Null);

    let crud = eslab_json(
        &["run", "history", "--backend", "crud", "--format", "json"],
        0,
    );
    assert_eq!(backends_at(&crud, 5), ["crud"]);
    assert_eq!(kind(outcome(&crud, 5, "crud")), "unavailable");
    assert_eq!(outcome(&crud, 5, "crud")["latest"]["quantity"], 4);
}

#[test]
fn diff_history_lists_the_history_step_as_a_gap() {
    let table = eslab(&["diff", "history"]);
    assert_eq!(table.code, 0, "{}{}", table.stdout, table.stderr);
    assert!(table.stdout.starts_with("identical"), "{}", table.stdout);
    assert!(
        table
            .stdout
            .contains("gaps: only one design could answer or keep it all at step 5"),
        "{}",
        table.stdout
    );

    let diff = eslab_json(&["diff", "history", "--format", "json"], 0);
    assert_eq!(diff["identical"], true);
    assert!(diff["differences"].as_array().unwrap().is_empty());
    let gaps = diff["gaps"].as_array().unwrap();
    assert_eq!(gaps.len(), 1, "{diff}");
    assert_eq!(gaps[0]["step"], 5);
    assert_eq!(gaps[0]["action"]["history"]["order_id"], "A1");
    assert_eq!(gaps[0]["crud"]["outcome"], "unavailable");
    assert_eq!(gaps[0]["es"]["outcome"], "history");
}

// ---------------------------------------------------------------------------------------------
// 2. Time travel
// ---------------------------------------------------------------------------------------------

#[test]
fn time_travel_es_answers_the_state_right_after_the_event() {
    let trace = eslab_json(&["run", "time-travel", "--format", "json"], 0);
    // as_of 2001: right after NewOrderEvent.
    let es = outcome(&trace, 4, "es");
    assert_eq!(kind(es), "answered");
    assert_eq!(
        (&es["from"], &es["as_of"]),
        (&json!("replay"), &json!(2001)),
        "{es}"
    );
    assert!(said(es).contains("up to #2001"), "{es}");
    assert_eq!(es["state"]["quantity"], 5);
    assert_eq!(es["state"]["total"], "50.00");
    assert_eq!(es["state"]["status"], "Placed");
    assert_eq!(es["state"]["version"], 1);
    // as_of 2002: right after ModifyOrderEvent, before the payment.
    let es = outcome(&trace, 5, "es");
    assert_eq!(es["state"]["quantity"], 6);
    assert_eq!(es["state"]["total"], "60.00");
    assert_eq!(es["state"]["paid"], "0.00");
    assert_eq!(es["state"]["status"], "Placed");
    assert_eq!(es["state"]["version"], 2);
    // Now, both agree.
    for backend in ["crud", "es"] {
        let now = outcome(&trace, 6, backend);
        assert_eq!(kind(now), "answered");
        assert_eq!(now["state"]["status"], "Paid");
        assert_eq!(now["state"]["quantity"], 6);
    }
    assert_eq!(usizes(&trace["summary"]["gap_steps"]), [4, 5]);
    assert!(usizes(&trace["summary"]["differing_steps"]).is_empty());
    assert!(
        trace["summary"]["expectations"]["failures"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn time_travel_crud_is_unavailable_and_shows_the_latest_row() {
    for locking in [false, true] {
        let mut args = vec!["run", "time-travel", "--format", "json"];
        if locking {
            args.push("--crud-locking");
        }
        let trace = eslab_json(&args, 0);
        for (n, as_of) in [(4, "2001"), (5, "2002")] {
            let crud = outcome(&trace, n, "crud");
            assert_eq!(kind(crud), "unavailable", "locking {locking}: {crud}");
            assert_eq!(crud["why"], "overwritten", "{crud}");
            let reason = said(crud);
            assert!(reason.contains("overwritten"), "{reason}");
            assert!(reason.contains(&format!("#{as_of}")), "{reason}");
            // What it can still show is now, not then.
            assert_eq!(crud["latest"]["status"], "Paid");
            assert_eq!(crud["latest"]["quantity"], 6);
        }
    }
}

#[test]
fn time_travel_before_the_order_and_while_the_view_is_down() {
    let (_dir, path) = scenario_file(&json!({
        "title": "time travel while the view is down",
        "first_event_id": 100,
        "steps": [
            place_order("A1", "Bob", 5, 10),                                        // 100
            place_order("B1", "Carol", 1, 30),                                      // 101
            {"change_quantity": {"order_id": "A1", "quantity": 6}},                 // 102
            {"crash_view": {}},
            {"change_quantity": {"order_id": "A1", "quantity": 7}},                 // 103
            {"query": {"order_id": "A1", "as_of": 99}},
            {"query": {"order_id": "A1", "as_of": 100}},
            {"query": {"order_id": "A1", "as_of": 101}},
            {"query": {"order_id": "A1", "as_of": 102}},
            {"query": {"order_id": "A1", "as_of": 103}},
            {"query": {"order_id": "B1", "as_of": 100}},
            {"query": {"order_id": "A1"}}
        ]
    }));
    let trace = eslab_json(&["run", &path, "--format", "json"], 0);
    // (step, expected quantity and version on ES, or None for "no order yet").
    let expected: [(usize, Option<(u64, u64)>); 6] = [
        (6, None),
        (7, Some((5, 1))),
        (8, Some((5, 1))), // event 101 is B1's: A1 is unchanged
        (9, Some((6, 2))),
        (10, Some((7, 3))), // appended while the view was down
        (11, None),         // B1 was placed at 101
    ];
    for (n, state) in expected {
        let es = outcome(&trace, n, "es");
        assert_eq!(kind(es), "answered", "step {n}: {es}");
        match state {
            None => assert_eq!(es["state"], Value::Null, "step {n}: {es}"),
            Some((quantity, version)) => {
                assert_eq!(es["state"]["quantity"], quantity, "step {n}: {es}");
                assert_eq!(es["state"]["version"], version, "step {n}: {es}");
            }
        }
        let crud = outcome(&trace, n, "crud");
        assert_eq!(kind(crud), "unavailable", "step {n}: {crud}");
    }
    // The present still needs the view.
    assert_eq!(kind(outcome(&trace, 12, "es")), "unavailable");
    assert_eq!(outcome(&trace, 12, "crud")["state"]["quantity"], 7);
}

// ---------------------------------------------------------------------------------------------
// 3. crash_view / rebuild_view
// ---------------------------------------------------------------------------------------------

#[test]
fn crash_and_rebuild_on_event_sourcing() {
    let trace = eslab_json(&["run", "crash-and-rebuild", "--format", "json"], 0);
    let es = |n| outcome(&trace, n, "es");

    assert_eq!(kind(es(3)), "view_crashed");
    assert_eq!(es(3)["orders_lost"], 2);
    assert_eq!(es(3)["checkpoint"], 2002);

    // While down, queries wait...
    assert_eq!(kind(es(4)), "unavailable");
    assert_eq!(es(4)["why"], "view_down", "{}", es(4));
    assert!(said(es(4)).contains("OrderView is down"), "{}", es(4));
    // ...but commands go on: events appended, no state visible.
    let mut appended_while_down = 0;
    for n in [5, 6] {
        assert_eq!(kind(es(n)), "applied", "step {n}");
        assert_eq!(es(n)["state"], Value::Null, "step {n}: the view is down");
        appended_while_down += appended(es(n)).len();
    }
    assert_eq!(appended(es(5))[0]["event_id"], 2003);
    assert_eq!(appended(es(5))[0]["event_type"], "ModifyOrderEvent");
    assert_eq!(appended(es(6))[0]["event_id"], 2004);
    assert_eq!(appended(es(6))[0]["event_type"], "OrderPaymentEvent");

    let total_events = trace["summary"]["storage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["backend"] == "es")
        .unwrap()["count"]
        .as_u64()
        .unwrap();
    assert_eq!(total_events, 4);
    let rebuilt = es(7);
    assert_eq!(kind(rebuilt), "view_rebuilt");
    assert_eq!(rebuilt["replayed"], total_events);
    assert_eq!(rebuilt["caught_up"], appended_while_down as u64);
    assert_eq!(rebuilt["caught_up"], 2);
    assert_eq!(rebuilt["checkpoint"], 2004);
    assert_eq!(rebuilt["matches_live"], true);

    // After the rebuild the view holds what the log says.
    assert_eq!(kind(es(8)), "answered");
    assert_eq!(es(8)["state"]["quantity"], 6);
    assert_eq!(es(8)["state"]["total"], "60.00");
    assert_eq!(es(8)["state"]["version"], 2);
    assert_eq!(es(9)["state"]["status"], "Paid");
    assert_eq!(es(9)["state"]["version"], 2);
    assert_eq!(
        (&es(9)["from"], &es(9)["checkpoint"]),
        (&json!("view"), &json!(2004))
    );
    assert!(
        trace["summary"]["expectations"]["failures"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn crash_and_rebuild_on_crud_do_not_apply() {
    let trace = eslab_json(&["run", "crash-and-rebuild", "--format", "json"], 0);
    for n in [3, 7] {
        let crud = outcome(&trace, n, "crud");
        assert_eq!(kind(crud), "not_applicable", "step {n}");
        assert_eq!(crud["why"], "no_view", "{crud}");
        assert!(said(crud).contains("no view to"), "{crud}");
    }
    // CRUD answers throughout, from its table.
    assert_eq!(outcome(&trace, 4, "crud")["state"]["quantity"], 5);
    assert_eq!(outcome(&trace, 5, "crud")["state"]["quantity"], 6);
    assert_eq!(outcome(&trace, 8, "crud")["state"]["quantity"], 6);
    // While ES is down, the query and the commands whose result it cannot show are gaps,
    // not divergences; after the rebuild both agree.
    assert_eq!(usizes(&trace["summary"]["gap_steps"]), [4, 5, 6]);
    assert!(usizes(&trace["summary"]["differing_steps"]).is_empty());

    let alone = eslab_json(
        &[
            "run",
            "crash-and-rebuild",
            "--backend",
            "crud",
            "--format",
            "json",
        ],
        0,
    );
    assert_eq!(backends_at(&alone, 3), ["crud"]);
    assert_eq!(kind(outcome(&alone, 3, "crud")), "not_applicable");
    assert_eq!(kind(outcome(&alone, 7, "crud")), "not_applicable");
}

#[test]
fn crash_and_rebuild_on_event_sourcing_alone() {
    let trace = eslab_json(
        &[
            "run",
            "crash-and-rebuild",
            "--backend",
            "es",
            "--format",
            "json",
        ],
        0,
    );
    assert_eq!(backends_at(&trace, 7), ["es"]);
    assert_eq!(outcome(&trace, 7, "es")["matches_live"], true);
    assert_eq!(outcome(&trace, 8, "es")["state"]["quantity"], 6);
}

/// Both designs applied the commands made while the view was down; only one can show the
/// result: a gap, not a divergence.
#[test]
fn diff_crash_and_rebuild_has_no_divergence() {
    let run = eslab(&["diff", "crash-and-rebuild", "--format", "json"]);
    let diff = run.json();
    assert!(
        diff["differences"].as_array().unwrap().is_empty(),
        "{}",
        run.stdout
    );
    assert_eq!(run.code, 0);
    assert_eq!(diff["identical"], true);
    let gaps = field_u64s(&diff["gaps"], "step");
    assert_eq!(gaps, [4, 5, 6]);
    assert_eq!(diff["gaps"][1]["es"]["state"], Value::Null);
    assert_eq!(diff["gaps"][1]["crud"]["state"]["quantity"], 6);
}

/// A state expectation on a command applied while the view is down is not held against ES:
/// the order exists, ES simply answers no state then. (It used to fail with "exists: false".)
#[test]
fn state_expectation_is_not_held_against_a_view_that_is_down() {
    let (_dir, path) = scenario_file(&json!({
        "title": "expect while down",
        "steps": [
            place_order("A1", "Bob", 5, 10),
            {"crash_view": {}},
            {"change_quantity": {"order_id": "A1", "quantity": 6}, "expect": {"quantity": 6}}
        ]
    }));
    let run = eslab(&["run", &path, "--format", "json"]);
    let trace = run.json();
    assert_eq!(
        trace["summary"]["expectations"]["failures"],
        json!([]),
        "{}",
        run.stdout
    );
    assert_eq!(run.code, 0);
}

/// While the view is down, `ok` and `rejected` still hold for ES; its state is not checked.
#[test]
fn outcome_expectations_still_hold_while_the_view_is_down() {
    let (_dir, path) = scenario_file(&json!({
        "title": "expect while down",
        "steps": [
            place_order("A1", "Bob", 5, 10),
            {"crash_view": {}},
            {"change_quantity": {"order_id": "A1", "quantity": 6},
                "expect": {"ok": false, "quantity": 7}},
            {"change_quantity": {"order_id": "A1", "quantity": 0},
                "expect": {"rejected": "no such thing"}}
        ]
    }));
    let run = eslab(&["run", &path, "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let trace = run.json();
    let failures: Vec<(u64, &str, &str)> = trace["summary"]["expectations"]["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["step"].as_u64().unwrap(),
                text(f, "backend"),
                text(f, "field"),
            )
        })
        .collect();
    assert_eq!(
        failures,
        [
            (3, "crud", "outcome"),
            (3, "crud", "quantity"),
            (3, "es", "outcome"),
            (4, "crud", "outcome"),
            (4, "es", "outcome"),
        ],
        "{}",
        run.stdout
    );
}

/// A state-only expectation on a command ES applied while its view was down checked nothing
/// on ES, so it is not counted: only CRUD's answer was checked.
#[test]
fn a_state_expectation_on_a_view_that_is_down_is_not_counted() {
    let (_dir, path) = scenario_file(&json!({
        "title": "expect while down",
        "steps": [
            place_order("A1", "Bob", 5, 10),
            {"crash_view": {}},
            {"change_quantity": {"order_id": "A1", "quantity": 6}, "expect": {"quantity": 6}},
            {"pay": {"order_id": "A1", "amount": 60}, "expect": {"ok": true, "status": "Paid"}}
        ]
    }));
    let trace = eslab_json(&["run", &path, "--format", "json"], 0);
    // Step 3: CRUD only. Step 4: both (ES for `ok`).
    assert_eq!(trace["summary"]["expectations"]["checked"], 3);
    assert_eq!(checkable(&trace), 3);
}

#[test]
fn rebuild_view_without_a_crash_matches_the_live_view() {
    let (_dir, path) = scenario_file(&json!({
        "title": "rebuild while up",
        "first_event_id": 500,
        "steps": [
            {"rebuild_view": {}},
            place_order("A1", "Bob", 5, 10),
            {"change_quantity": {"order_id": "A1", "quantity": 6}},
            {"rebuild_view": {}},
            {"query": {"order_id": "A1"}}
        ]
    }));
    let trace = eslab_json(&["run", &path, "--format", "json"], 0);
    // On an empty log: nothing to replay.
    let empty = outcome(&trace, 1, "es");
    assert_eq!(kind(empty), "view_rebuilt");
    assert_eq!(empty["replayed"], 0);
    assert_eq!(empty["caught_up"], 0);
    assert_eq!(empty["checkpoint"], Value::Null);
    assert_eq!(empty["matches_live"], true);

    let rebuilt = outcome(&trace, 4, "es");
    assert_eq!(kind(rebuilt), "view_rebuilt");
    assert_eq!(rebuilt["replayed"], 2);
    assert_eq!(rebuilt["caught_up"], 0, "the view never went down");
    assert_eq!(rebuilt["checkpoint"], 501);
    assert_eq!(rebuilt["matches_live"], true);

    let after = outcome(&trace, 5, "es");
    assert_eq!(after["state"]["quantity"], 6);
    assert_eq!(after["state"]["version"], 2);
    assert_eq!(kind(outcome(&trace, 4, "crud")), "not_applicable");
    assert_eq!(outcome(&trace, 5, "crud")["state"]["quantity"], 6);
    assert!(usizes(&trace["summary"]["differing_steps"]).is_empty());
}

#[test]
fn crash_view_twice_then_rebuild_twice() {
    let (_dir, path) = scenario_file(&json!({
        "title": "crash twice",
        "first_event_id": 1,
        "steps": [
            place_order("A1", "Bob", 5, 10),                             // 1
            {"crash_view": {}},
            {"crash_view": {}},
            {"change_quantity": {"order_id": "A1", "quantity": 6}},      // 2
            {"rebuild_view": {}},
            {"crash_view": {}},
            place_order("B1", "Carol", 1, 30),                           // 3
            {"pay": {"order_id": "B1", "amount": 30}},                   // 4
            {"rebuild_view": {}},
            {"query": {"order_id": "A1"}},
            {"query": {"order_id": "B1"}}
        ]
    }));
    let trace = eslab_json(&["run", &path, "--format", "json"], 0);
    let es = |n| outcome(&trace, n, "es");
    assert_eq!(kind(es(2)), "view_crashed");
    assert_eq!(es(2)["orders_lost"], 1);
    assert_eq!(es(2)["checkpoint"], 1);
    // A view that is already down cannot crash again.
    assert_eq!(kind(es(3)), "not_applicable");
    assert_eq!(es(3)["why"], "view_already_down", "{}", es(3));
    assert!(said(es(3)).contains("already down"), "{}", es(3));
    for n in [2, 3, 5, 6, 9] {
        assert_eq!(kind(outcome(&trace, n, "crud")), "not_applicable");
    }

    assert_eq!(kind(es(5)), "view_rebuilt");
    assert_eq!(es(5)["replayed"], 2);
    assert_eq!(es(5)["caught_up"], 1);
    assert_eq!(es(5)["matches_live"], true);

    assert_eq!(kind(es(6)), "view_crashed");
    assert_eq!(es(6)["orders_lost"], 1);
    assert_eq!(es(6)["checkpoint"], 2);

    // Only what came after the second crash is caught up.
    assert_eq!(kind(es(9)), "view_rebuilt");
    assert_eq!(es(9)["replayed"], 4);
    assert_eq!(es(9)["caught_up"], 2);
    assert_eq!(es(9)["checkpoint"], 4);
    assert_eq!(es(9)["matches_live"], true);

    assert_eq!(es(10)["state"]["quantity"], 6);
    assert_eq!(es(10)["state"]["version"], 2);
    assert_eq!(es(11)["state"]["status"], "Paid");
    assert_eq!(es(11)["state"]["version"], 2);
    for n in [10, 11] {
        assert_eq!(
            outcome(&trace, n, "crud")["state"]["quantity"],
            es(n)["state"]["quantity"]
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 4. expected_version
// ---------------------------------------------------------------------------------------------

const CONFLICT: &str =
    "concurrency conflict on A1: decided from version 1, but it is now at version 2";

#[test]
fn lost_update_es_rejects_the_stale_write_and_says_what_it_missed() {
    let trace = eslab_json(&["run", "lost-update", "--format", "json"], 0);
    let es = outcome(&trace, 4, "es");
    assert_eq!(kind(es), "rejected");
    let reason = text(es, "reason");
    assert!(
        reason.contains("version 1") && reason.contains("version 2"),
        "{reason}"
    );
    assert_eq!(reason, CONFLICT);
    assert_eq!(es["evidence"], "missed_events", "{es}");
    let missed: Vec<u64> = es["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_id"].as_u64().unwrap())
        .collect();
    assert_eq!(missed, [2002]);
    let detail = said(es);
    assert!(
        detail.contains("#2002 ModifyOrderEvent (quantity 6)"),
        "{detail}"
    );
    // Alice's change survives on the event-sourced side.
    let after = outcome(&trace, 5, "es");
    assert_eq!(after["state"]["quantity"], 6);
    assert_eq!(after["state"]["version"], 2);
}

#[test]
fn lost_update_crud_overwrites_with_a_warning() {
    let trace = eslab_json(&["run", "lost-update", "--format", "json"], 0);
    for n in [3, 4] {
        let crud = outcome(&trace, n, "crud");
        assert_eq!(kind(crud), "applied", "step {n}");
        assert_eq!(
            crud["caveats"],
            json!([{"caveat": "version_unchecked", "expected": 1}]),
            "step {n}"
        );
        let warning = said(crud);
        assert!(warning.contains("read version 1"), "{warning}");
        assert!(warning.contains("! no version kept"), "{warning}");
    }
    let crud = outcome(&trace, 4, "crud");
    assert_eq!(crud["state"]["quantity"], 7);
    assert_eq!(crud["state"]["total"], "70.00");
    assert_eq!(crud["state"]["version"], Value::Null);
    // ES has no caveat: it checked.
    assert_eq!(outcome(&trace, 3, "es").get("caveats"), None);
    assert_eq!(outcome(&trace, 5, "crud")["state"]["quantity"], 7);
    assert_eq!(usizes(&trace["summary"]["differing_steps"]), [4, 5]);
}

#[test]
fn diff_lost_update_parts_at_step_4() {
    let table = eslab(&["diff", "lost-update"]);
    assert_eq!(table.code, 1, "{}{}", table.stdout, table.stderr);
    assert!(
        table.stdout.contains("part at step 4 of lost-update"),
        "{}",
        table.stdout
    );

    let diff = eslab_json(&["diff", "lost-update", "--format", "json"], 1);
    assert_eq!(diff["identical"], false);
    let differences = diff["differences"].as_array().unwrap();
    assert_eq!(differences[0]["step"], 4);
    assert_eq!(differences[0]["crud"]["outcome"], "applied");
    assert_eq!(differences[0]["es"]["outcome"], "rejected");
    let steps: Vec<u64> = differences
        .iter()
        .map(|d| d["step"].as_u64().unwrap())
        .collect();
    assert_eq!(steps, [4, 5]);
}

#[test]
fn lost_update_with_crud_locking_rejects_on_both() {
    let trace = eslab_json(
        &["run", "lost-update", "--crud-locking", "--format", "json"],
        0,
    );
    let crud = outcome(&trace, 4, "crud");
    let es = outcome(&trace, 4, "es");
    assert_eq!(kind(crud), "rejected");
    assert_eq!(crud["reason"], es["reason"]);
    assert_eq!(text(crud, "reason"), CONFLICT);
    assert_eq!(crud["evidence"], "row_only_newest", "{crud}");
    let detail = said(crud);
    assert!(detail.contains("cannot say"), "{detail}");
    assert!(
        !detail.contains("2002"),
        "CRUD cannot name the event: {detail}"
    );
    // With a version column, CRUD's states carry a version, and no warning is needed.
    for (n, version) in [(1, 1), (2, 1), (3, 2), (5, 2)] {
        let crud = outcome(&trace, n, "crud");
        assert_eq!(crud["state"]["version"], version, "step {n}: {crud}");
        assert_eq!(crud.get("caveats"), None, "step {n}");
    }
    assert_eq!(outcome(&trace, 5, "crud")["state"]["quantity"], 6);
    assert!(usizes(&trace["summary"]["differing_steps"]).is_empty());

    let diff = eslab(&["diff", "lost-update", "--crud-locking"]);
    assert_eq!(diff.code, 0, "{}{}", diff.stdout, diff.stderr);
    assert!(diff.stdout.starts_with("identical"), "{}", diff.stdout);

    let alone = eslab_json(
        &[
            "run",
            "lost-update",
            "--backend",
            "crud",
            "--crud-locking",
            "--format",
            "json",
        ],
        0,
    );
    assert_eq!(kind(outcome(&alone, 4, "crud")), "rejected");
}

#[test]
fn a_fresh_expected_version_is_applied_on_both() {
    let (_dir, path) = scenario_file(&json!({
        "title": "fresh versions",
        "first_event_id": 2001,
        "steps": [
            place_order("A1", "Bob", 5, 10),
            {"change_quantity": {"order_id": "A1", "quantity": 6, "expected_version": 1}},
            {"pay": {"order_id": "A1", "amount": 60, "expected_version": 2}},
            place_order("B1", "Carol", 1, 30),
            {"cancel": {"order_id": "B1", "reason": "changed mind", "expected_version": 1}},
            {"query": {"order_id": "A1"}}
        ]
    }));
    for locking in [false, true] {
        let mut args = vec!["run", path.as_str(), "--format", "json"];
        if locking {
            args.push("--crud-locking");
        }
        let trace = eslab_json(&args, 0);
        for n in [2, 3, 5] {
            for backend in ["crud", "es"] {
                let result = outcome(&trace, n, backend);
                assert_eq!(
                    kind(result),
                    "applied",
                    "locking {locking}, step {n}: {result}"
                );
            }
            // Only CRUD without a version column warns that it could not check.
            assert_eq!(
                has_caveat(outcome(&trace, n, "crud"), "version_unchecked"),
                !locking,
                "locking {locking}, step {n}"
            );
        }
        assert_eq!(outcome(&trace, 3, "es")["state"]["version"], 3);
        assert_eq!(outcome(&trace, 5, "es")["state"]["status"], "Cancelled");
        let crud_version = &outcome(&trace, 6, "crud")["state"]["version"];
        if locking {
            assert_eq!(*crud_version, json!(3));
        } else {
            assert_eq!(*crud_version, Value::Null);
        }
        assert_eq!(outcome(&trace, 6, "crud")["state"]["status"], "Paid");
        assert!(usizes(&trace["summary"]["differing_steps"]).is_empty());
    }
}

#[test]
fn a_stale_expected_version_on_pay_and_cancel_is_refused_with_locking() {
    let (_dir, path) = scenario_file(&json!({
        "title": "stale pay and cancel",
        "first_event_id": 2001,
        "steps": [
            place_order("A1", "Bob", 5, 10),
            {"change_quantity": {"order_id": "A1", "quantity": 6}},
            {"pay": {"order_id": "A1", "amount": 60, "expected_version": 1}},
            {"cancel": {"order_id": "A1", "reason": "x", "expected_version": 1}},
            {"query": {"order_id": "A1"}}
        ]
    }));
    let trace = eslab_json(&["run", &path, "--crud-locking", "--format", "json"], 0);
    for n in [3, 4] {
        for backend in ["crud", "es"] {
            let result = outcome(&trace, n, backend);
            assert_eq!(kind(result), "rejected", "step {n}: {result}");
            assert_eq!(text(result, "reason"), CONFLICT);
        }
    }
    assert_eq!(outcome(&trace, 5, "crud")["state"]["status"], "Placed");
    assert!(usizes(&trace["summary"]["differing_steps"]).is_empty());

    // Without locking, CRUD cannot check: it takes the payment on a stale read (and then
    // refuses to cancel a paid order), while ES refuses both stale writes.
    let trace = eslab_json(&["run", &path, "--format", "json"], 0);
    assert_eq!(kind(outcome(&trace, 3, "crud")), "applied");
    assert!(has_caveat(outcome(&trace, 3, "crud"), "version_unchecked"));
    assert_eq!(kind(outcome(&trace, 3, "es")), "rejected");
    let crud = outcome(&trace, 4, "crud");
    assert_eq!(kind(crud), "rejected");
    assert!(
        text(crud, "reason").contains("only a Placed order"),
        "{crud}"
    );
    assert_eq!(text(outcome(&trace, 4, "es"), "reason"), CONFLICT);
    assert_eq!(outcome(&trace, 5, "crud")["state"]["status"], "Paid");
    assert_eq!(outcome(&trace, 5, "es")["state"]["status"], "Placed");
    assert_eq!(usizes(&trace["summary"]["differing_steps"]), [3, 4, 5]);
}

// ---------------------------------------------------------------------------------------------
// 5. Reports
// ---------------------------------------------------------------------------------------------

#[test]
fn new_question_revenue_per_customer_is_answered_identically() {
    let trace = eslab_json(&["run", "new-question", "--format", "json"], 0);
    let crud = outcome(&trace, 10, "crud");
    let es = outcome(&trace, 10, "es");
    assert_eq!(kind(crud), "report");
    assert_eq!(kind(es), "report");
    assert_eq!(crud["report"], es["report"]);
    assert_eq!(es["report"]["name"], "revenue-per-customer");
    assert_eq!(
        es["report"]["columns"],
        json!(["customer", "orders", "paid"])
    );
    assert_eq!(
        es["report"]["rows"],
        json!([["Bob", "2", "$43.00"], ["Carol", "1", "$0.00"]])
    );
    assert!(!usizes(&trace["summary"]["differing_steps"]).contains(&10));
}

#[test]
fn new_question_quantity_changes_only_event_sourcing_can_answer() {
    let trace = eslab_json(&["run", "new-question", "--format", "json"], 0);
    let es = outcome(&trace, 11, "es");
    assert_eq!(kind(es), "report");
    assert_eq!(es["report"]["name"], "quantity-changes");
    let rows = es["report"]["rows"].as_array().unwrap();
    let a1 = rows
        .iter()
        .find(|r| r[0] == "A1")
        .unwrap_or_else(|| panic!("no A1 row in {rows:?}"));
    assert_eq!(a1, &json!(["A1", "Bob", "2", "5 → 6 → 4", "yes"]));
    let c1 = rows.iter().find(|r| r[0] == "C1").unwrap();
    assert_eq!(c1[3], "1 → 3 → 2");
    assert_eq!(c1[4], "no");

    let crud = outcome(&trace, 11, "crud");
    assert_eq!(kind(crud), "unavailable");
    assert_eq!(crud["why"], "report_needs_history", "{crud}");
    let reason = said(crud);
    assert!(
        reason.contains("current quantity") && reason.contains("overwritten"),
        "{reason}"
    );
    assert_eq!(usizes(&trace["summary"]["gap_steps"]), [11]);
    assert!(usizes(&trace["summary"]["differing_steps"]).is_empty());
    let expectations = &trace["summary"]["expectations"];
    assert_eq!(expectations["failures"], json!([]));
    assert_eq!(expectations["checked"], 3, "2 designs at step 10, ES at 11");

    // The table prints the report too.
    let table = eslab(&["run", "new-question"]);
    assert_eq!(table.code, 0);
    assert!(table.stdout.contains("Report at step 11: quantity-changes"));
    assert!(table.stdout.contains("5 → 6 → 4"));
}

#[test]
fn reports_on_each_backend_alone() {
    let crud = eslab_json(
        &[
            "run",
            "new-question",
            "--backend",
            "crud",
            "--format",
            "json",
        ],
        0,
    );
    assert_eq!(kind(outcome(&crud, 10, "crud")), "report");
    assert_eq!(kind(outcome(&crud, 11, "crud")), "unavailable");
    let es = eslab_json(
        &["run", "new-question", "--backend", "es", "--format", "json"],
        0,
    );
    assert_eq!(kind(outcome(&es, 11, "es")), "report");
}

#[test]
fn eslab_reports_lists_both_reports() {
    let table = eslab(&["reports"]);
    assert_eq!(table.code, 0);
    assert!(table.stdout.contains("revenue-per-customer"));
    assert!(table.stdout.contains("quantity-changes"));

    let doc = eslab_json(&["reports", "--format", "json"], 0);
    assert_eq!(doc["schema_version"], eslab::SCHEMA_VERSION);
    let listing = &doc["reports"];
    let names: Vec<&str> = listing
        .as_array()
        .unwrap()
        .iter()
        .map(|r| text(r, "name"))
        .collect();
    assert_eq!(names, ["revenue-per-customer", "quantity-changes"]);
    assert_eq!(listing[0]["crud_can_answer"], true);
    assert_eq!(listing[1]["crud_can_answer"], false);
    assert_eq!(
        listing[1]["columns"],
        json!(["order", "customer", "changes", "quantities", "paid"])
    );
    assert!(
        listing
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["question"].is_string())
    );
}

#[test]
fn an_unknown_report_name_is_an_input_error() {
    let (_dir, path) = scenario_file(&json!({
        "title": "unknown report",
        "steps": [place_order("A1", "Bob", 5, 10), {"report": {"name": "profit-per-planet"}}]
    }));
    for command in ["run", "diff", "check"] {
        let run = eslab(&[command, &path]);
        assert_eq!(run.code, 2, "{command}: {}", run.stderr);
        assert!(run.stderr.contains("step 2"), "{}", run.stderr);
        assert!(run.stderr.contains("profit-per-planet"), "{}", run.stderr);
        assert!(
            run.stderr.contains("revenue-per-customer"),
            "{}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "nothing runs: {}", run.stdout);
    }
}

// ---------------------------------------------------------------------------------------------
// 6. Expectations
// ---------------------------------------------------------------------------------------------

/// Expectations are checked once per step with `expect`, per design that could answer; a
/// state-only expectation is not checked on a command ES applied while its view was down.
fn checkable(trace: &Value) -> usize {
    trace["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s.get("expect").is_some_and(|e| !e.is_null()))
        .flat_map(|s| {
            let expect = &s["expect"];
            let only_state = ["ok", "rejected", "row"]
                .iter()
                .all(|key| expect.get(key).is_none());
            s["results"].as_array().unwrap().iter().filter(move |r| {
                let view_down =
                    r["backend"] == "es" && kind(r) == "applied" && r["state"].is_null();
                !(only_state && view_down)
            })
        })
        .filter(|r| !matches!(kind(r), "unavailable" | "not_applicable"))
        .count()
}

#[test]
fn exercise_expectations_all_hold() {
    let run = eslab(&["run", "exercise", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    let trace = run.json();
    let expectations = &trace["summary"]["expectations"];
    assert_eq!(expectations["failures"], json!([]));
    let checked = expectations["checked"].as_u64().unwrap() as usize;
    assert!(checked > 0);
    assert_eq!(checked, checkable(&trace));

    let table = eslab(&["run", "exercise"]);
    assert_eq!(table.code, 0);
    assert!(
        table
            .stdout
            .contains(&format!("Expectations: all {checked} checked hold."))
    );
}

/// `eslab show exercise`, with one state expectation on a command and the version expected
/// of a present-state query made wrong.
fn broken_exercise() -> (Value, usize, usize) {
    let shown = eslab(&["show", "exercise"]);
    assert_eq!(shown.code, 0);
    let mut scenario: Value = serde_json::from_str(&shown.stdout).unwrap();
    let steps = scenario["steps"].as_array_mut().unwrap();
    let total_step = steps
        .iter()
        .position(|s| s.get("place_order").is_some() && s["expect"].get("total").is_some())
        .expect("the exercise expects a total of a new order");
    steps[total_step]["expect"]["total"] = json!("999.99");
    let version_step = steps
        .iter()
        .position(|s| {
            s.get("query").is_some_and(|q| q.get("as_of").is_none())
                && s["expect"].get("version").is_some()
        })
        .expect("the exercise expects a version of the present state");
    let version = steps[version_step]["expect"]["version"].as_u64().unwrap();
    steps[version_step]["expect"]["version"] = json!(version + 40);
    (scenario, total_step + 1, version_step + 1)
}

#[test]
fn a_wrong_expectation_fails_on_both_designs() {
    let (scenario, total_step, version_step) = broken_exercise();
    let (_dir, path) = scenario_file(&scenario);
    let run = eslab(&["run", &path, "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("expectations failed"), "{}", run.stderr);
    let trace = run.json();
    let failures = trace["summary"]["expectations"]["failures"]
        .as_array()
        .unwrap();
    let total: Vec<&Value> = failures
        .iter()
        .filter(|f| f["step"] == total_step)
        .collect();
    let designs: Vec<&str> = total.iter().map(|f| text(f, "backend")).collect();
    assert_eq!(designs, ["crud", "es"], "{failures:?}");
    for failure in &total {
        assert_eq!(failure["field"], "total");
        assert_eq!(failure["expected"], "$999.99");
        assert_eq!(failure["actual"], "$50.00");
    }
    // CRUD keeps no version, so only ES is held to it.
    let version: Vec<&Value> = failures
        .iter()
        .filter(|f| f["step"] == version_step)
        .collect();
    assert_eq!(version.len(), 1, "{failures:?}");
    assert_eq!(version[0]["backend"], "es");
    assert_eq!(version[0]["field"], "version");
    assert_eq!(failures.len(), 3, "{failures:?}");

    // The table says so too.
    let table = eslab(&["run", &path]);
    assert_eq!(table.code, 1);
    assert!(
        table.stdout.contains("Expectations: 3 of"),
        "{}",
        table.stdout
    );
    assert!(table.stdout.contains("$999.99"), "{}", table.stdout);
}

#[test]
fn a_version_expectation_is_checked_on_crud_only_with_locking() {
    let (scenario, _, version_step) = broken_exercise();
    let (_dir, path) = scenario_file(&scenario);
    let trace = eslab_json(&["run", &path, "--crud-locking", "--format", "json"], 1);
    let failures = trace["summary"]["expectations"]["failures"]
        .as_array()
        .unwrap();
    let version: Vec<&str> = failures
        .iter()
        .filter(|f| f["step"] == version_step)
        .map(|f| text(f, "backend"))
        .collect();
    assert_eq!(version, ["crud", "es"]);
}

#[test]
fn every_kind_of_failed_expectation_is_reported() {
    let (_dir, path) = scenario_file(&json!({
        "title": "wrong expectations",
        "first_event_id": 1,
        "steps": [
            {"place_order": {"order_id": "A1", "customer": "Bob", "product": "Book", "quantity": 5,
                "unit_price": 10}, "expect": {"ok": true, "customer": "Rob", "product": "Book"}},
            {"change_quantity": {"order_id": "A1", "quantity": 0}, "expect": {"ok": true}},
            {"pay": {"order_id": "A1", "amount": 10}, "expect": {"rejected": "no such rule"}},
            {"query": {"order_id": "Z9"}, "expect": {"status": "Placed"}},
            {"query": {"order_id": "A1", "as_of": 1}, "expect": {"quantity": 9}},
            {"report": {"name": "revenue-per-customer"},
                "expect": {"row": {"customer": "Bob", "paid": "$1.00"}}},
            {"report": {"name": "quantity-changes"}, "expect": {"row": {"order": "A1", "changes": "3"}}},
            {"query": {"order_id": "A1"}, "expect": {"exists": false}}
        ]
    }));
    let run = eslab(&["run", &path, "--format", "json"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("expectations failed"), "{}", run.stderr);
    let trace = run.json();
    let failures = trace["summary"]["expectations"]["failures"]
        .as_array()
        .unwrap();
    let found = |n: usize, backend: &str, field: &str| -> &Value {
        failures
            .iter()
            .find(|f| f["step"] == n && f["backend"] == backend && f["field"] == field)
            .unwrap_or_else(|| panic!("no {backend} {field} failure at step {n}: {failures:?}"))
    };
    for backend in ["crud", "es"] {
        let f = found(1, backend, "customer");
        assert_eq!((text(f, "expected"), text(f, "actual")), ("Rob", "Bob"));
        let f = found(2, backend, "outcome");
        assert_eq!(f["expected"], "applied");
        assert!(text(f, "actual").starts_with("rejected: quantity must be"));
        let f = found(3, backend, "outcome");
        assert!(text(f, "expected").contains("no such rule"));
        assert!(text(f, "actual").contains("does not match the order total"));
        let f = found(4, backend, "exists");
        assert_eq!(f["expected"], "true");
        found(6, backend, "row");
        let f = found(8, backend, "exists");
        assert_eq!((text(f, "expected"), text(f, "actual")), ("false", "true"));
    }
    // Time travel and quantity-changes: only ES answers, so only ES is held to them.
    let f = found(5, "es", "quantity");
    assert_eq!((text(f, "expected"), text(f, "actual")), ("9", "5"));
    found(7, "es", "row");
    assert!(
        !failures
            .iter()
            .any(|f| f["backend"] == "crud" && (f["step"] == 5 || f["step"] == 7))
    );
    assert_eq!(failures.len(), 2 * 6 + 2, "{failures:?}");
    assert_eq!(
        trace["summary"]["expectations"]["checked"]
            .as_u64()
            .unwrap() as usize,
        checkable(&trace)
    );
}

#[test]
fn expectations_that_do_not_fit_the_step_are_input_errors() {
    let query = json!({"order_id": "A1"});
    let command = json!({"order_id": "A1", "quantity": 6});
    let report = json!({"name": "revenue-per-customer"});
    let cases = [
        (
            "query",
            query.clone(),
            json!({"rejected": "x"}),
            "a query expects",
        ),
        (
            "query",
            query.clone(),
            json!({"ok": true}),
            "a query expects",
        ),
        (
            "query",
            query.clone(),
            json!({"row": {"customer": "Bob"}}),
            "a query expects",
        ),
        (
            "change_quantity",
            command.clone(),
            json!({"row": {"customer": "Bob"}}),
            "`row` is for report steps",
        ),
        (
            "change_quantity",
            command.clone(),
            json!({"ok": true, "rejected": "x"}),
            "not both",
        ),
        (
            "change_quantity",
            command.clone(),
            json!({"rejected": "x", "quantity": 6}),
            "a rejected command leaves no new state",
        ),
        (
            "report",
            report.clone(),
            json!({"status": "Paid"}),
            "a report expects a `row`",
        ),
        (
            "report",
            report.clone(),
            json!({"ok": true}),
            "a report expects a `row`",
        ),
        (
            "history",
            query.clone(),
            json!({"quantity": 5}),
            "a history expects `last_changed_by` or `last_changed_at`",
        ),
        (
            "history",
            query.clone(),
            json!({}),
            "a history expects `last_changed_by` or `last_changed_at`",
        ),
        (
            "query",
            query.clone(),
            json!({"last_changed_by": "support"}),
            "`last_changed_by` and `last_changed_at` are for history steps",
        ),
        (
            "crash_view",
            json!({}),
            json!({"ok": true}),
            "this step takes no expectations",
        ),
        (
            "rebuild_view",
            json!({}),
            json!({"exists": true}),
            "this step takes no expectations",
        ),
        (
            "query",
            query.clone(),
            json!({"colour": "red"}),
            "unknown field `colour`",
        ),
    ];
    for (action, fields, expect, message) in cases {
        let (_dir, path) = scenario_file(&json!({
            "title": "misfit",
            "steps": [place_order("A1", "Bob", 5, 10), {(action): fields, "expect": expect}]
        }));
        for command in ["run", "check"] {
            let run = eslab(&[command, &path]);
            assert_eq!(run.code, 2, "{command} {action} {expect}: {}", run.stderr);
            assert!(
                run.stderr.contains("step 2") && run.stderr.contains(message),
                "{command} {action} {expect}: {}",
                run.stderr
            );
        }
    }
}

/// Bob's order paid, queried and reported on, money and cells written as `money`, `orders`
/// and `quantities` say.
fn written_scenario(money: [Value; 3], orders: Value, quantities: &str) -> Value {
    let [unit_price, amount, expected] = money;
    json!({"title": "written", "steps": [
        {"place_order": {"order_id": "A1", "customer": "Bob", "product": "Book", "quantity": 5,
            "unit_price": unit_price}},
        {"change_quantity": {"order_id": "A1", "quantity": 6}},
        {"pay": {"order_id": "A1", "amount": amount}, "expect": {"ok": true, "paid": expected}},
        {"query": {"order_id": "A1"}, "expect": {"total": expected, "paid": expected,
            "unit_price": unit_price}},
        {"report": {"name": "revenue-per-customer"},
            "expect": {"row": {"customer": "Bob", "orders": orders, "paid": expected}}},
        {"report": {"name": "quantity-changes"},
            "expect": {"row": {"order": "A1", "changes": 1, "quantities": quantities}}}
    ]})
}

#[test]
fn money_and_cells_are_written_the_same_way_in_commands_and_expectations() {
    let spellings = |dollars: u64| {
        [
            json!(dollars),
            json!(format!("{dollars}.00")),
            json!(format!("${dollars}.00")),
        ]
    };
    let (prices, sixties) = (spellings(10), spellings(60));
    for i in 0..3 {
        let money = [
            prices[i].clone(),
            sixties[(i + 1) % 3].clone(),
            sixties[i].clone(),
        ];
        for orders in [json!(1), json!("1")] {
            for quantities in ["5 → 6", "5 -> 6"] {
                let scenario = written_scenario(money.clone(), orders.clone(), quantities);
                let (_dir, path) = scenario_file(&scenario);
                assert_eq!(eslab(&["check", &path]).code, 0, "{scenario}");
                let trace = eslab_json(&["run", &path, "--format", "json"], 0);
                let expectations = &trace["summary"]["expectations"];
                assert_eq!(expectations["failures"], json!([]), "{scenario}");
                // pay and query on both designs, revenue on both, quantity-changes on ES.
                assert_eq!(expectations["checked"], 7, "{scenario}");
            }
        }
    }
}

#[test]
fn a_wrong_value_still_fails_however_it_is_written() {
    // A wrong amount is expected at steps 3 (paid), 4 (total, paid) and 5 (the row's paid).
    let wrong_amount = [(3, "paid"), (4, "total"), (4, "paid"), (5, "row")];
    // The query expects this unit price where the scenario's says "$10.01".
    let wrong_unit_price = json!("$10.01");
    // (unit price, amount paid, amount expected), orders, quantities → the (step, field)s that fail.
    type Case<'a> = (Value, Value, &'a str, &'a [(u64, &'a str)]);
    let cases: [Case; 6] = [
        (json!([10, 60, "$61.00"]), json!(1), "5 -> 6", &wrong_amount),
        (json!([10, "$60", 61]), json!(1), "5 -> 6", &wrong_amount),
        (
            json!([10, "60", "60.01"]),
            json!(1),
            "5 -> 6",
            &wrong_amount,
        ),
        (
            json!([10, "$60.00", 60]),
            json!(1),
            "5 -> 6",
            &[(4, "unit_price")],
        ),
        (json!([10, 60, 60]), json!(2), "5 → 6", &[(5, "row")]),
        (json!([10, 60, 60]), json!("1"), "5 -> 7", &[(6, "row")]),
    ];
    for (money, orders, quantities, expected) in cases {
        let money: [Value; 3] = money.as_array().unwrap().clone().try_into().unwrap();
        let mut scenario = written_scenario(money, orders, quantities);
        if expected == [(4, "unit_price")] {
            scenario["steps"][3]["expect"]["unit_price"] = wrong_unit_price.clone();
        }
        let (_dir, path) = scenario_file(&scenario);
        let run = eslab(&["run", &path, "--format", "json"]);
        assert_eq!(run.code, 1, "{scenario}: {}", run.stderr);
        assert!(run.stderr.contains("expectations failed"), "{}", run.stderr);
        let trace = run.json();
        let failed: std::collections::BTreeSet<(u64, &str)> =
            trace["summary"]["expectations"]["failures"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| (f["step"].as_u64().unwrap(), text(f, "field")))
                .collect();
        let expected: std::collections::BTreeSet<(u64, &str)> = expected.iter().copied().collect();
        assert_eq!(failed, expected, "{scenario}");
    }
}

#[test]
fn a_row_value_that_is_neither_text_nor_number_is_an_input_error() {
    for value in [json!(null), json!(true), json!([1]), json!({"n": 1})] {
        let mut scenario = written_scenario([json!(10), json!(60), json!(60)], json!(1), "5");
        scenario["steps"][4]["expect"]["row"]["orders"] = value.clone();
        let (_dir, path) = scenario_file(&scenario);
        let run = eslab(&["check", &path]);
        assert_eq!(run.code, 2, "{value}");
        assert!(
            run.stderr
                .contains("step 5: expect.row.orders: invalid type"),
            "{value}: {}",
            run.stderr
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 7. --step
// ---------------------------------------------------------------------------------------------

#[test]
fn step_by_step_needs_a_terminal() {
    for args in [
        &["run", "--step"][..],
        &["run", "lost-update", "--step", "--format", "json"][..],
    ] {
        let run = eslab(args);
        assert_eq!(run.code, 2, "{args:?}");
        assert!(run.stderr.contains("--step"), "{}", run.stderr);
        assert!(run.stderr.contains("terminal"), "{}", run.stderr);
        assert!(run.stdout.is_empty(), "nothing is run: {}", run.stdout);
    }
}

#[test]
fn step_by_step_on_a_terminal_waits_for_enter_after_each_step() {
    // Two keys a step (ask, then reveal), none after the last step's reveal.
    let (code, shown) = eslab_on_a_terminal_typing(
        "run bob --step --color never --width 100",
        &[],
        "\n\n\n\n\n\n\n",
    );
    assert_eq!(code, 0, "{shown}");
    // Bob's steps each ask their own question, so the prompt asks nothing more.
    for n in 1..=4 {
        assert!(
            shown.contains(&format!("step {n}/4: Enter to reveal")),
            "no pause before step {n}'s outcome:\n{shown}"
        );
    }
    for n in 1..=3 {
        assert!(
            shown.contains(&format!("step {n}/4: Enter for the next step")),
            "no prompt after step {n}:\n{shown}"
        );
    }
    assert!(
        !shown.contains("step 4/4: Enter for the next step"),
        "{shown}"
    );
    assert!(shown.contains("Summary"), "{shown}");
    // One block of the stacked layout per step, even at 100 columns, each under a blank line
    // after the prompt, so the blocks accumulate on screen.
    assert!(
        shown.contains("q to quit… \r\n\r\n2. change_quantity A1")
            || shown.contains("q to quit… \n\n2. change_quantity A1"),
        "{shown:?}"
    );
    assert!(shown.contains("CRUD: orders table "), "{shown}");
    // q stops the run where it is: nothing more runs, nothing is summed up.
    let (code, shown) =
        eslab_on_a_terminal_typing("run bob --step --color never --width 100", &[], "\n\nq");
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains("2. change_quantity A1"), "{shown}");
    assert!(!shown.contains("3. pay A1"), "{shown}");
    assert!(!shown.contains("Summary"), "{shown}");
    // --step is a table: other formats are refused, even on a terminal.
    let (code, shown) = eslab_on_a_terminal_typing("run bob --step --format json", &[], "");
    assert_eq!(code, 2, "{shown}");
    assert!(shown.contains("leave out --format"), "{shown}");
}

/// `--step` asks before it reveals: a step's command and question are on screen, and
/// nothing of its outcome, until a key is pressed; then what each design did, the note and
/// the verdict. `q` stops at either beat. Every key typed is read before the next beat is
/// shown, so what is on screen when `q` stops the run is what the room saw at that beat.
#[test]
fn step_by_step_shows_the_question_then_on_a_key_the_outcome() {
    let (_dir, path) = scenario_file(&json!({
        "title": "ask, then reveal",
        "steps": [
            {"place_order": {"order_id": "A1", "customer": "Bob", "product": "Book", "quantity": 5,
                "unit_price": 10},
             "question": "Bob orders five books: what does each design store?",
             "note": "CRUD inserts a row; the log gains its first event.",
             "expect": {"ok": true, "event_id": 1}},
            {"pay": {"order_id": "A1", "amount": 40},
             "question": "Bob pays $40 of $50: what happens?",
             "note": "Both designs hold to the rule: the amount must match the total.",
             "expect": {"rejected": "does not match"}}
        ]
    }));
    let args = format!("run {path} --step --color never --width 100");
    let outcome = [
        "✓ expect",
        "+ #",
        "INSERT",
        "answers",
        "CRUD: orders table",
        "CRUD inserts a row",
    ];
    let asked = |shown: &str, question: &str, revealed: &[&str]| {
        assert!(shown.contains(question), "no question:\n{shown}");
        let hidden: Vec<&&str> = outcome
            .iter()
            .filter(|text| !revealed.iter().any(|r| r.contains(**text)))
            .filter(|text| shown.contains(**text))
            .collect();
        assert!(
            hidden.is_empty(),
            "{hidden:?} shown before the reveal:\n{shown}"
        );
    };
    // Before any key: step 1's command and question, no outcome.
    let (code, shown) = eslab_on_a_terminal_typing(&args, &[], "q");
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains("1. place_order A1"), "{shown}");
    assert!(shown.contains("step 1/2: Enter to reveal"), "{shown}");
    asked(
        &shown,
        "Bob orders five books: what does each design store?",
        &[],
    );
    // One key: step 1's outcome, its note and verdict, and nothing of step 2.
    let (code, shown) = eslab_on_a_terminal_typing(&args, &[], "\nq");
    assert_eq!(code, 0, "{shown}");
    assert_contains_all(
        &shown,
        &[
            "CRUD: orders table",
            "INSERT INTO orders",
            "+ #1 NewOrderEvent",
            "CRUD inserts a row",
            "✓ expect: applied, event #1",
            "step 1/2: Enter for the next step",
        ],
    );
    assert!(!shown.contains("2. pay A1"), "{shown}");
    // Two keys: step 2 asked, its outcome (a rejection) not yet shown.
    let (code, shown) = eslab_on_a_terminal_typing(&args, &[], "\n\nq");
    assert_eq!(code, 0, "{shown}");
    let step_2 = &shown[shown.find("2. pay A1").expect(&shown)..];
    asked(step_2, "Bob pays $40 of $50: what happens?", &[]);
    assert!(!step_2.contains("rejected"), "{step_2}");
    // Three keys: step 2 revealed, and the run ends with its summary.
    let (code, shown) = eslab_on_a_terminal_typing(&args, &[], "\n\n\n");
    assert_eq!(code, 0, "{shown}");
    let step_2 = &shown[shown.find("2. pay A1").expect(&shown)..];
    assert_contains_all(
        step_2,
        &[
            "✗ rejected",
            "Both designs hold to the rule",
            "✓ expect: rejected",
            "Summary",
        ],
    );
}

/// Each step's expectations are checked once, by the runner, and every output reads the verdict
/// off the step's record: `--step` shows a failed expectation in its block, as the whole run
/// does (it was handed no failures before, so its blocks never said one).
#[test]
fn step_by_step_shows_a_failed_expectation_in_its_block() {
    let (_dir, path) = scenario_file(&json!({
        "title": "a wrong guess",
        "steps": [
            {"place_order": {"order_id": "A1", "customer": "Bob", "product": "Book", "quantity": 5,
                "unit_price": 10}, "expect": {"quantity": 9}},
            {"pay": {"order_id": "A1", "amount": 50}}
        ]
    }));
    let whole = eslab(&["run", &path, "--layout", "stacked", "--width", "100"]);
    assert_eq!(whole.code, 1, "{}", whole.stderr);
    let said = "expect quantity 9, got 5";
    assert!(whole.stdout.contains(said), "{}", whole.stdout);
    let (code, shown) = eslab_on_a_terminal_typing(
        &format!("run {path} --step --color never --width 100"),
        &[],
        "\n\n\n",
    );
    assert_eq!(code, 1, "{shown}");
    let block = &shown[..shown
        .find("step 1/2: Enter for the next step")
        .expect(&shown)];
    assert!(
        block.contains(said),
        "the first block says no failure:\n{shown}"
    );
    // A step that asks no question of its own is asked what its command will do.
    assert!(
        block.contains("step 1/2: what will each design do? Enter to reveal"),
        "{shown}"
    );
}

// ---------------------------------------------------------------------------------------------
// 8. Colour
// ---------------------------------------------------------------------------------------------

#[test]
fn color_always_colours_the_table() {
    for args in [
        &["run", "bob", "--color", "always"][..],
        &["--color", "always", "diff", "lost-update"][..],
    ] {
        let run = eslab_env(args, &[("NO_COLOR", "1")], &[]);
        assert!(
            run.stdout.contains(ESC),
            "{args:?} has no escape:\n{}",
            run.stdout
        );
    }
    // Colour is for tables: JSON and Mermaid stay clean and parse.
    let json = eslab(&["run", "bob", "--color", "always", "--format", "json"]);
    assert!(!json.stdout.contains(ESC));
    json.json();
    for format in ["mermaid", "markdown"] {
        let run = eslab(&["run", "bob", "--color", "always", "--format", format]);
        assert_eq!(run.code, 0);
        assert!(!run.stdout.contains(ESC), "{format}:\n{}", run.stdout);
    }
}

#[test]
fn color_never_and_piped_output_have_no_escapes() {
    for args in [
        &["run", "bob", "--color", "never"][..],
        &["run", "bob"][..],
        &["run", "lost-update", "--color", "auto"][..],
        &["diff", "lost-update"][..],
        &["run", "new-question"][..],
    ] {
        let run = eslab_env(args, &[], &["NO_COLOR"]);
        assert!(!run.stdout.is_empty());
        assert!(
            !run.stdout.contains(ESC) && !run.stdout.contains('\u{1b}'),
            "{args:?}:\n{}",
            run.stdout
        );
    }
    let run = eslab_env(
        &["run", "bob", "--color", "auto"],
        &[("NO_COLOR", "1")],
        &[],
    );
    assert!(!run.stdout.is_empty());
    assert!(!run.stdout.contains('\u{1b}'), "{}", run.stdout);
}

/// Runs `eslab` on a pseudo-terminal with `script(1)`, so it sees a terminal on stdin and
/// stdout, typing `input`; returns the exit code and what the terminal showed. Without
/// `script` the test fails, saying how to install it.
pub(crate) fn eslab_on_a_terminal_typing(
    args: &str,
    env: &[(&str, &str)],
    input: &str,
) -> (i32, String) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_eslab"));
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &format!("{} {args}", bin.display()), "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("NO_COLOR")
        .env("TERM", "xterm");
    for (name, value) in env {
        cmd.env(name, value);
    }
    let mut child = common::spawn_tool(&mut cmd);
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input.as_bytes()).unwrap();
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// `eslab_on_a_terminal_typing` with nothing typed, for commands that must succeed.
fn eslab_on_a_terminal(args: &str, env: &[(&str, &str)]) -> String {
    let (code, shown) = eslab_on_a_terminal_typing(args, env, "");
    assert_eq!(code, 0, "eslab {args}:\n{shown}");
    shown
}

#[test]
fn color_auto_on_a_terminal_honours_no_color_and_dumb_terminals() {
    let coloured = eslab_on_a_terminal("run bob --width 120", &[]);
    assert!(
        coloured.contains(ESC),
        "a terminal is coloured:\n{coloured}"
    );
    let no_color = eslab_on_a_terminal("run bob --width 120", &[("NO_COLOR", "1")]);
    assert!(no_color.contains("Bob's order"), "{no_color}");
    assert!(!no_color.contains(ESC), "NO_COLOR:\n{no_color}");
    let dumb = eslab_on_a_terminal("run bob --width 120", &[("TERM", "dumb")]);
    assert!(!dumb.contains(ESC), "TERM=dumb:\n{dumb}");
    let never = eslab_on_a_terminal("run bob --width 120 --color never", &[]);
    assert!(!never.contains(ESC), "--color never:\n{never}");
}

// ---------------------------------------------------------------------------------------------
// 9. Mermaid
// ---------------------------------------------------------------------------------------------

fn mermaid(args: &[&str]) -> String {
    let run = eslab(args);
    assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    run.stdout
}

/// The `participant`/`actor` names a diagram declares.
fn participants(diagram: &str) -> Vec<String> {
    diagram
        .lines()
        .map(str::trim)
        .filter_map(|line| {
            line.strip_prefix("participant ")
                .or_else(|| line.strip_prefix("actor "))
        })
        .map(|rest| rest.split_whitespace().next().unwrap().to_string())
        .collect()
}

#[test]
fn bob_as_a_sequence_diagram() {
    let diagram = mermaid(&["run", "bob", "--format", "mermaid"]);
    assert!(diagram.starts_with("sequenceDiagram\n"), "{diagram}");
    assert_eq!(
        participants(&diagram),
        ["User", "Service", "CRUD", "Store", "View"]
    );
    let lines: Vec<&str> = diagram.lines().map(str::trim).collect();
    for (id, event) in [
        (2001, "NewOrderEvent"),
        (2002, "ModifyOrderEvent"),
        (2003, "OrderPaymentEvent"),
    ] {
        assert!(
            lines.contains(&format!("Service->>Store: + append #35;{id} {event}").as_str()),
            "no append of {id}:\n{diagram}"
        );
        assert!(
            lines.contains(&format!("Store-->>View: publish #35;{id} {event}").as_str()),
            "no publish of {id}:\n{diagram}"
        );
    }
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("Service->>CRUD: INSERT A1"))
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("Service->>CRUD: UPDATE A1"))
    );
}

#[test]
fn a_diagram_shows_only_the_designs_that_ran() {
    let es = mermaid(&["run", "bob", "--format", "mermaid", "--backend", "es"]);
    assert_eq!(participants(&es), ["User", "Service", "Store", "View"]);
    assert!(!es.contains("CRUD"), "{es}");
    let crud = mermaid(&["run", "bob", "--format", "mermaid", "--backend", "crud"]);
    assert_eq!(participants(&crud), ["User", "Service", "CRUD"]);
    assert!(!crud.contains("Store") && !crud.contains("View"), "{crud}");
}

#[test]
fn snapshot_bob_diagram() {
    insta::assert_snapshot!(
        "bob_mermaid",
        mermaid(&["run", "bob", "--format", "mermaid"])
    );
}

#[test]
fn snapshot_lost_update_diagram() {
    insta::assert_snapshot!(
        "lost_update_mermaid",
        mermaid(&["run", "lost-update", "--format", "mermaid"])
    );
}

#[test]
fn mermaid_is_offered_only_by_run() {
    for args in [
        &["diff", "--format", "mermaid"][..],
        &["diff", "lost-update", "--format", "mermaid"][..],
        &["reports", "--format", "mermaid"][..],
        &["scenarios", "--format", "mermaid"][..],
        &["replay", "--db-dir", "x", "--format", "mermaid"][..],
        &["log", "--db-dir", "x", "--format", "mermaid"][..],
        &["verify", "--db-dir", "x", "--format", "mermaid"][..],
        &["bench", "--format", "mermaid"][..],
    ] {
        let run = eslab(args);
        assert_eq!(run.code, 2, "{args:?}");
        // clap refuses it and lists what this subcommand does offer: `diff` draws a page too.
        let offered = if args[0] == "diff" {
            "[possible values: table, json, markdown, html]"
        } else {
            "[possible values: table, json, markdown]"
        };
        assert!(
            run.stderr.contains("invalid value 'mermaid'") && run.stderr.contains(offered),
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty());
    }
    let help = eslab(&["diff", "--help"]);
    assert!(!help.stdout.contains("mermaid"), "{}", help.stdout);
    let help = eslab(&["run", "--help"]);
    assert!(help.stdout.contains("mermaid"), "{}", help.stdout);
}

#[test]
fn every_db_dir_option_says_what_it_is() {
    for command in ["run", "diff", "replay", "log", "verify"] {
        let help = eslab(&[command, "--help"]);
        let line = help
            .stdout
            .lines()
            .find(|line| line.contains("--db-dir <DIR>"))
            .unwrap_or_else(|| panic!("{command} --help has no --db-dir: {}", help.stdout));
        assert!(
            line.trim_end().len() > "--db-dir <DIR>".len() + 4,
            "{command}: --db-dir has no help text: {line:?}"
        );
    }
}

/// The line with Mermaid's entity escapes (`#59;`, `#35;`, `#lt;`, …) taken out.
fn without_escapes(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find('#') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let name_len = after
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(after.len());
        if name_len > 0 && after[name_len..].starts_with(';') {
            rest = &after[name_len + 1..];
        } else {
            out.push('#');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn no_bundled_diagram_has_a_bare_semicolon() {
    assert_eq!(without_escapes("a#59; b #35; c #lt;d#gt;"), "a b  c d");
    assert_eq!(without_escapes("a; b"), "a; b");
    for (name, _) in eslab::BUNDLED {
        for extra in [&[][..], &["--crud-locking"][..], &["--backend", "es"][..]] {
            let mut args = vec!["run", name, "--format", "mermaid"];
            args.extend_from_slice(extra);
            let diagram = mermaid(&args);
            assert!(diagram.starts_with("sequenceDiagram\n"), "{name}");
            for line in diagram.lines() {
                assert!(
                    !without_escapes(line).contains(';'),
                    "{name} {extra:?}: a bare ';' breaks the diagram: {line}"
                );
                assert!(!line.contains('\u{1b}'));
            }
        }
    }
    // No bundled diagram still says a ';' (crash-and-rebuild's "view is down" reason had one
    // until long notes were cut): `text_from_the_scenario_cannot_break_the_diagram` exercises
    // the escape.
}

/// While OrderView is down there is no subscriber (the events wait in the log, says
/// `EventSourcedService::publish`): the diagram draws no `Store-->>View: publish` for the
/// events appended meanwhile, but a note that they wait. (It used to publish them.)
#[test]
fn the_diagram_publishes_nothing_to_a_view_that_is_down() {
    let diagram = mermaid(&["run", "crash-and-rebuild", "--format", "mermaid"]);
    for line in diagram.lines().map(str::trim) {
        assert!(
            !line.starts_with("Store-->>View: publish 2003")
                && !line.starts_with("Store-->>View: publish 2004"),
            "appended while the view was down: {line}"
        );
    }
    let lines: Vec<&str> = diagram.lines().map(str::trim).collect();
    for (id, event) in [(2003, "ModifyOrderEvent"), (2004, "OrderPaymentEvent")] {
        let append = format!("Service->>Store: + append #35;{id} {event}");
        let at = lines
            .iter()
            .position(|l| *l == append)
            .unwrap_or_else(|| panic!("no {append}:\n{diagram}"));
        assert_eq!(
            lines[at + 1],
            format!("Note over Store: ↯ #35;{id} waits in the log: OrderView is down"),
            "{diagram}"
        );
    }
    // Before the crash and after the rebuild, events are published as ever.
    assert!(lines.contains(&"Store-->>View: publish #35;2001 NewOrderEvent"));
}

/// The diagram's wording: counts agree with their nouns, CRUD has no view to rebuild (not
/// "to lose") at a rebuild, time travel names the stream before the event, and no note is
/// longer than Mermaid's box can hold.
#[test]
fn the_diagram_reads_well() {
    let (_dir, path) = scenario_file(&json!({
        "title": "wording",
        "first_event_id": 2001,
        "steps": [
            place_order("X1", "Bob", 5, 10),
            {"change_quantity": {"order_id": "X1", "quantity": 6}},
            {"query": {"order_id": "X1", "as_of": 2002}},
            {"report": {"name": "quantity-changes"}},
            {"crash_view": {}},
            {"rebuild_view": {}},
            {"rebuild_view": {}}
        ]
    }));
    let diagram = mermaid(&["run", &path, "--format", "mermaid"]);
    let lines: Vec<&str> = diagram.lines().map(str::trim).collect();
    assert!(
        lines.contains(&"Service-->>User: ES: quantity-changes (1 row)"),
        "{diagram}"
    );
    assert!(
        lines.contains(&"Service->>Store: replay the stream of X1 up to 2002"),
        "{diagram}"
    );
    assert!(
        lines.contains(&"Store-->>View: replay both events"),
        "{diagram}"
    );
    let crud_notes: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("Note over CRUD: no view"))
        .collect();
    assert_eq!(
        crud_notes,
        [
            "Note over CRUD: no view to lose: CRUD's queries read the orders table",
            "Note over CRUD: no view to rebuild: CRUD's queries read the orders table",
            "Note over CRUD: no view to rebuild: CRUD's queries read the orders table"
        ]
    );
    // The CRUD note on time travel is long: cut, with the messages left whole.
    let cut: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("Note over CRUD: ! cannot answer: the row keeps"))
        .collect();
    assert_eq!(cut.len(), 1, "{diagram}");
    assert!(cut[0].ends_with('…'), "{}", cut[0]);
    for (name, _) in eslab::BUNDLED {
        let diagram = mermaid(&["run", name, "--format", "mermaid", "--crud-locking"]);
        for line in diagram.lines().map(str::trim) {
            if let Some(note) = line.strip_prefix("Note over ") {
                let (_, said) = note.split_once(": ").unwrap();
                let said = without_escapes(said);
                assert!(said.chars().count() <= 70, "{name}: {line}");
            }
        }
    }
}

#[test]
fn text_from_the_scenario_cannot_break_the_diagram() {
    let id = "X;1<";
    let (_dir, path) = scenario_file(&json!({
        "title": "T; #1 <b>x</b>",
        "steps": [
            {"place_order": {"order_id": id, "customer": "a;b#c<d>", "product": "p;q",
                "quantity": 5, "unit_price": 10}},
            {"change_quantity": {"order_id": id, "quantity": 6}},
            {"cancel": {"order_id": id, "reason": "r;s#t<u>"}},
            {"cancel": {"order_id": id, "reason": "again;"}},
            {"history": {"order_id": id}},
            {"query": {"order_id": id, "as_of": 2}},
            {"report": {"name": "quantity-changes"}},
            {"crash_view": {}},
            {"query": {"order_id": id}},
            {"rebuild_view": {}}
        ]
    }));
    let diagram = mermaid(&["run", &path, "--format", "mermaid"]);
    let mut lines = diagram.lines();
    assert_eq!(lines.next(), Some("sequenceDiagram"));
    for line in lines {
        let line = line.trim();
        // What a line says, after the arrow or keyword that Mermaid parses.
        let said = match line.split_once(": ") {
            Some((_, said)) => said,
            None => line.strip_prefix("title ").unwrap_or(""),
        };
        let said = without_escapes(said);
        assert!(
            !said.contains([';', '#', '<', '>']),
            "unescaped syntax in {line:?}"
        );
    }
    assert!(diagram.contains("X#59;1#lt;"), "{diagram}");
}

#[test]
fn a_crashed_and_rebuilt_view_in_the_diagram() {
    let diagram = mermaid(&["run", "crash-and-rebuild", "--format", "mermaid"]);
    assert!(
        diagram.contains("Note over View: ↯ OrderView dropped"),
        "{diagram}"
    );
    assert!(
        diagram.contains("Store-->>View: replay all 4 events"),
        "{diagram}"
    );
    assert!(
        diagram.contains("Note over CRUD: no view to lose"),
        "{diagram}"
    );
    assert!(
        diagram.contains("not visible: OrderView is down"),
        "{diagram}"
    );
}
