//! Replay equals live: whatever commands a scenario holds, rebuilding OrderView from the
//! stored log gives exactly the states event sourcing answered while running, and CRUD
//! answered the same business states all along. Deploys between the commands make the log
//! mix event shapes, which replay reads through the upcasters. Stopped at random steps and
//! carried on, a run leaves the log one run leaves, hash for hash.

use crate::common;
use std::collections::BTreeMap;

use crate::common::library::{proptest_config, run_both_designs};
use crate::common::ops::{self, Mix, Op};
use crate::common::*;
use eslab::OrderView;
use eslab::Scenario;
use eslab::Trace;
use eslab::{Backend, OrderQuery, OrderService, OrderState, Question};
use eslab::{Clock, Run, Services, StorageOptions};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Value, json};

/// Commands, queries, snapshots and deploys: the log then mixes event shapes.
fn ops() -> impl Strategy<Value = Vec<Op>> {
    ops::ops(
        Mix {
            deploys: true,
            ..Mix::default()
        },
        30,
    )
}

fn steps_json(ops: &[Op]) -> Vec<Value> {
    ops::steps_json(1, ops)
}

fn scenario_json(ops: &[Op], first_event_id: u64) -> Value {
    ops::scenario_json("generated", first_event_id, ops)
}

/// The orders of a `replay --format json`, by order id.
fn replayed(replay: &Value) -> BTreeMap<String, Value> {
    replay["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["order_id"].as_str().unwrap().to_string(), o.clone()))
        .collect()
}

proptest! {
    #![proptest_config(proptest_config(32))]

    /// Through the binary: `run --db-dir`, then `replay`, whole and up to a cut.
    #[test]
    fn the_replayed_log_equals_what_the_run_answered(
        ops in ops(),
        first_event_id in 1u64..100_000,
        cut in any::<Index>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let file = write_scenario(dir.path(), "generated.json", &scenario_json(&ops, first_event_id));
        let db = dir.path().join("db");
        let (file, d) = (file.to_str().unwrap(), db.to_str().unwrap());

        let run = json(["run", file, "--db-dir", d, "--format", "json"]);
        prop_assert!(strict::<shape::RunDoc>(&run.to_string()).is_ok());
        prop_assert_eq!(&run["summary"]["differing_steps"], &json!([]));
        // Commands and queries of the present only: both designs answer every step, and
        // keep all a command says but a cancel's reason, which CRUD has no column for.
        prop_assert_eq!(&run["summary"]["gap_steps"], &json!(cancels_crud_kept_short(&run)));

        // Event ids count up from the scenario's first one, without gaps.
        let appended = appended_event_ids(&run);
        let expected_ids: Vec<u64> = (first_event_id..).take(appended.len()).collect();
        prop_assert_eq!(&appended, &expected_ids);

        // The whole log.
        let replay = json(["replay", "--db-dir", d, "--format", "json"]);
        prop_assert_eq!(replayed(&replay), last_es_states(&run));
        prop_assert_eq!(&replay["checkpoint"], &json!(appended.last()));

        // CRUD ends with the same business states, without versions.
        let crud_last: BTreeMap<String, Value> = results_of(&run, "crud")
            .into_iter()
            .filter(|r| r["state"].is_object())
            .map(|r| (r["state"]["order_id"].as_str().unwrap().to_string(), without_version(&r["state"])))
            .collect();
        let es_last: BTreeMap<String, Value> = last_es_states(&run)
            .into_iter()
            .map(|(id, state)| (id, without_version(&state)))
            .collect();
        prop_assert_eq!(crud_last, es_last);

        // Up to a cut: the log replayed to the last event of step k is the state after step k.
        let steps = run["steps"].as_array().unwrap();
        let k = cut.index(steps.len());
        let prefix = json!({"steps": steps[..=k]});
        let until = appended_event_ids(&prefix).last().copied().unwrap_or(first_event_id - 1);
        let partial = json(["replay", "--db-dir", d, "--until", &until.to_string(), "--format", "json"]);
        prop_assert_eq!(replayed(&partial), last_es_states(&prefix));
    }
}

/// Runs a scenario text on both backends, in memory or in `storage`.
fn run_library(text: &str, storage: &StorageOptions) -> (Trace, Services) {
    let scenario = Scenario::from_json("generated", text).expect("generated scenarios are valid");
    run_both_designs("generated", scenario, storage).unwrap()
}

/// Per order id, the last state the trace shows for one backend.
fn last_states(trace: &Trace, backend: Backend) -> BTreeMap<String, OrderState> {
    let mut states = BTreeMap::new();
    for step in &trace.steps {
        if let Some(state) = step.result(backend).and_then(|o| o.state()) {
            states.insert(state.order_id.to_string(), state.clone());
        }
    }
    states
}

fn view_states(view: &OrderView) -> BTreeMap<String, OrderState> {
    view.orders()
        .map(|order| (order.order_id.to_string(), OrderState::versioned(order)))
        .collect()
}

proptest! {
    #![proptest_config(proptest_config(64))]

    /// Through the library: the live OrderView, fed event by event, equals a rebuild.
    #[test]
    fn the_live_view_equals_a_rebuild_from_the_store(
        ops in ops(),
        first_event_id in 1u64..100_000,
    ) {
        let text = scenario_json(&ops, first_event_id).to_string();
        let (trace, mut services) = run_library(&text, &StorageOptions::default());
        prop_assert!(trace.summary.differing_steps.is_empty());
        let gaps: Vec<u64> = trace.summary.gap_steps.iter().map(|&s| s as u64).collect();
        prop_assert_eq!(gaps, cancels_crud_kept_short(&serde_json::to_value(&trace).unwrap()));

        let es = services.es.as_ref().unwrap();
        let live = es.view().expect("no scenario here crashes the view");
        let rebuilt = OrderView::rebuild(es.store(), None).unwrap();
        prop_assert_eq!(live, &rebuilt);
        // From the newest snapshot, taken at any point, plus the events after it: the same.
        let from_snapshot = OrderView::rebuild_from_snapshot(es.store()).unwrap();
        prop_assert_eq!(live, &from_snapshot);
        prop_assert_eq!(view_states(live), last_states(&trace, Backend::Es));
        let count = es.store().count().unwrap() as usize;
        prop_assert_eq!(rebuilt.checkpoint(), count.checked_sub(1).map(|n| first_event_id + n as u64));

        // Every order CRUD holds reads as the view holds it, versions aside.
        let crud = services.crud.as_mut().unwrap();
        for (id, state) in view_states(&rebuilt) {
            let question = Question::Query(OrderQuery { order_id: state.order_id.clone(), as_of: None });
            let answer = crud.ask(&question).unwrap();
            let row = answer.state().unwrap_or_else(|| panic!("CRUD has no {id}"));
            prop_assert!(row.same_answer(&state), "{:?} vs {:?}", row, state);
        }
    }

    /// Stopping half-way and carrying on from the stored databases changes nothing.
    #[test]
    fn carrying_on_from_disk_equals_one_run(
        ops in ops(),
        split in any::<Index>(),
        first_event_id in 1u64..100_000,
    ) {
        // Split the steps, not the ops: payment amounts depend on what came before.
        let steps = steps_json(&ops);
        let at = split.index(steps.len() + 1);
        let (head, tail) = steps.split_at(at);
        let text = |steps: &[Value]| {
            json!({"title": "generated", "first_event_id": first_event_id, "steps": steps}).to_string()
        };
        let (whole, _) = run_library(&text(&steps), &StorageOptions::default());

        let dir = tempfile::tempdir().unwrap();
        let mut storage = StorageOptions {
            db_dir: Some(dir.path().join("db")),
            ..StorageOptions::default()
        };
        let mut traces = Vec::new();
        for part in [head, tail] {
            if part.is_empty() {
                continue;
            }
            let (trace, services) = run_library(&text(part), &storage);
            drop(services);
            traces.push(trace);
            storage.resume = true;
        }
        let mut split_es = BTreeMap::new();
        let mut split_crud = BTreeMap::new();
        for trace in &traces {
            split_es.extend(last_states(trace, Backend::Es));
            split_crud.extend(last_states(trace, Backend::Crud));
            prop_assert!(trace.summary.differing_steps.is_empty());
        }
        prop_assert_eq!(&split_es, &last_states(&whole, Backend::Es));
        prop_assert_eq!(&split_crud, &last_states(&whole, Backend::Crud));

        // And reopening once more rebuilds the same view from the file.
        storage.resume = true;
        let services = Services::open(&[Backend::Es], &storage, first_event_id).unwrap();
        let view = services.es.as_ref().unwrap().view().expect("a reopened view is up");
        prop_assert_eq!(view_states(view), split_es);
    }
}

/// Runs the first `steps` steps of `scenario` on `backends`, in `storage`, as a run that is
/// then killed would have: each design's step committed, nothing after it.
fn run_until(scenario: &Scenario, backends: &[Backend], storage: &StorageOptions, steps: usize) {
    let mut services = Services::open(backends, storage, scenario.first_event_id).unwrap();
    let mut run = Run::start(&mut services, &scenario.fingerprint(), Clock::of(scenario)).unwrap();
    for step in scenario.steps.iter().take(steps) {
        run.step(&mut services, step.clone()).unwrap();
    }
}

/// Every CRUD row of a folder as text, in order.
fn crud_table(dir: &std::path::Path) -> Vec<String> {
    common::db::select(
        &common::db::crud_file(dir),
        "SELECT * FROM orders ORDER BY order_id",
        |r| {
            let columns = r.as_ref().column_count();
            let cells: Vec<String> = (0..columns)
                .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                .collect();
            Ok(cells.join(" | "))
        },
    )
}

proptest! {
    #![proptest_config(proptest_config(48))]

    /// Issue 16: the same scenario stopped after any steps, any number of times (at random
    /// with CRUD one step ahead of event sourcing, as a kill between their two commits
    /// leaves them), and carried on with `--continue`: the log is one uninterrupted run's,
    /// hash for hash, whatever was deployed before a stop; the CRUD table is its table; the
    /// carried-on run answers at every step it runs what the uninterrupted run answered;
    /// and replaying the log gives the states it answered.
    #[test]
    fn carrying_on_after_random_stops_equals_one_run(
        ops in ops(),
        stops in prop::collection::vec((any::<Index>(), any::<bool>()), 0..4),
        first_event_id in 1u64..100_000,
    ) {
        // Every change gives a reason: a shape-1 writer after a deploy would drop it.
        let mut steps = steps_json(&ops);
        for (n, step) in steps.iter_mut().enumerate() {
            if let Some(change) = step.get_mut("change_quantity") {
                change["reason"] = json!(format!("reason {n}"));
            }
        }
        let text = json!({"title": "resumed", "first_event_id": first_event_id, "steps": steps})
            .to_string();
        let scenario = Scenario::from_json("resumed", &text).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let storage = |name: &str, resume: bool| StorageOptions {
            db_dir: Some(tmp.path().join(name)),
            resume,
            ..StorageOptions::default()
        };
        let (whole, _) = run_library(&text, &storage("whole", false));

        let both = [Backend::Crud, Backend::Es];
        let mut stops: Vec<(usize, bool)> = stops
            .into_iter()
            .map(|(at, crud_ahead)| (at.index(scenario.steps.len() + 1), crud_ahead))
            .collect();
        stops.sort();
        for &(at, crud_ahead) in &stops {
            run_until(&scenario, &both, &storage("stopped", true), at);
            if crud_ahead && at < scenario.steps.len() {
                run_until(&scenario, &[Backend::Crud], &storage("stopped", true), at + 1);
            }
        }
        let (carried, services) = run_library(&text, &storage("stopped", true));

        let (whole_dir, stopped_dir) = (tmp.path().join("whole"), tmp.path().join("stopped"));
        prop_assert_eq!(common::db::event_rows(&stopped_dir), common::db::event_rows(&whole_dir));
        prop_assert_eq!(crud_table(&stopped_dir), crud_table(&whole_dir));
        for (got, want) in carried.steps.iter().zip(&whole.steps) {
            for (result, reference) in got.results.iter().zip(&want.results) {
                if !result.outcome.done_earlier() {
                    prop_assert_eq!(
                        serde_json::to_value(result).unwrap(),
                        serde_json::to_value(reference).unwrap(),
                        "step {}", got.step
                    );
                }
            }
        }
        let es = services.es.as_ref().unwrap();
        let rebuilt = OrderView::rebuild(es.store(), None).unwrap();
        prop_assert_eq!(view_states(&rebuilt), last_states(&whole, Backend::Es));
    }
}
