//! End-to-end tests of the `eslab` command line: golden output, Bob's story, the JSON
//! contract, determinism, the backends side by side, the subcommands and `--db-dir`.

use std::io::Read;
use std::process::Stdio;

use crate::common::shape::{self, Payload, Storage};
use crate::common::*;
use serde_json::{Value, json};

const FORMATS: [&str; 3] = ["table", "json", "markdown"];

/// Snapshots `text` under `name`, recording the command that printed it.
fn golden(name: &str, command: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_description(command);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

// ---------------------------------------------------------------------------------------
// Golden output

#[test]
fn golden_run_default_is_bobs_table() {
    let default = ok(["run"]);
    golden("run_default", "eslab run", &default);
    assert_eq!(
        default,
        ok(["run", "bob"]),
        "`eslab run` is `eslab run bob`"
    );
    assert_eq!(
        default,
        ok(["run", "bob", "--format", "table"]),
        "the default format is the table"
    );
}

#[test]
fn golden_run_every_bundled_scenario_in_every_format() {
    for name in bundled_names() {
        for format in FORMATS {
            let out = ok(["run", name, "--format", format]);
            golden(
                &format!("run_{name}_{format}"),
                &format!("eslab run {name} --format {format}"),
                &out,
            );
        }
    }
}

#[test]
fn golden_run_bob_at_width_80() {
    let out = ok(["run", "--width", "80"]);
    golden("run_bob_width_80", "eslab run --width 80", &out);
}

#[test]
fn golden_scenarios_and_reports_listings() {
    golden("scenarios_table", "eslab scenarios", &ok(["scenarios"]));
    golden("reports_table", "eslab reports", &ok(["reports"]));
}

#[test]
fn golden_log_verify_and_replay_of_bob() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    ok(["run", "bob", "--db-dir", d]);
    golden(
        "log_bob_table",
        "eslab log --db-dir D",
        &ok(["log", "--db-dir", d]),
    );
    golden(
        "replay_bob_table",
        "eslab replay --db-dir D",
        &ok(["replay", "--db-dir", d]),
    );
    golden(
        "verify_bob_table",
        "eslab verify --db-dir D",
        &ok(["verify", "--db-dir", d]),
    );
}

// ---------------------------------------------------------------------------------------
// Width

#[test]
fn off_a_terminal_output_is_120_columns_wide() {
    for name in bundled_names() {
        let default = ok(["run", name]);
        assert_eq!(
            default,
            ok(["run", name, "--width", "120"]),
            "{name}: without --width, output off a terminal is --width 120"
        );
        assert!(max_line_width(&default) <= 120, "{name}:\n{default}");
    }
}

#[test]
fn width_80_narrows_every_line_to_80_columns() {
    for name in bundled_names() {
        let wide = ok(["run", name]);
        let narrow = ok(["run", name, "--width", "80"]);
        assert!(
            max_line_width(&wide) > 80,
            "{name}: the default table is wider than 80 columns, so --width 80 must change it"
        );
        assert_ne!(wide, narrow, "{name}");
        for (number, line) in narrow.lines().enumerate() {
            assert!(
                display_width(line) <= 80,
                "{name}: line {} is {} columns wide: {line:?}",
                number + 1,
                display_width(line)
            );
        }
        assert_eq!(
            ok(["run", name, "--format", "markdown"]),
            ok(["run", name, "--format", "markdown", "--width", "80"]),
            "{name}: --width only concerns the table format"
        );
    }
}

#[test]
fn width_below_40_is_refused() {
    let out = run(["run", "--width", "39"]);
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stdout.is_empty());
    assert!(out.stderr.contains("--width"), "{}", out.stderr);
    let narrowest = ok(["run", "--width", "40"]);
    assert!(max_line_width(&narrowest) <= 40, "{narrowest}");
}

// ---------------------------------------------------------------------------------------
// Bob's story, from the JSON

#[test]
fn bobs_story_from_the_json() {
    let run = json(["run", "bob", "--format", "json"]);
    assert_eq!(run["schema_version"], eslab::SCHEMA_VERSION);
    assert_eq!(run["scenario"]["name"], "bob");
    assert_eq!(run["backends"], json!(["crud", "es"]));

    // Event sourcing appends one event per command, numbered from the scenario's 2001.
    let es = results_of(&run, "es");
    let events: Vec<(u64, &str, u64)> = es
        .iter()
        .filter_map(|r| r["storage"]["append"]["events"].as_array())
        .flatten()
        .map(|e| {
            (
                e["event_id"].as_u64().unwrap(),
                e["event_type"].as_str().unwrap(),
                e["stream_version"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        events,
        [
            (2001, "NewOrderEvent", 1),
            (2002, "ModifyOrderEvent", 2),
            (2003, "OrderPaymentEvent", 3),
        ]
    );
    let payloads: Vec<&Value> = es
        .iter()
        .filter_map(|r| r["storage"]["append"]["events"].as_array())
        .flatten()
        .map(|e| &e["payload"])
        .collect();
    assert_eq!(
        payloads,
        [
            &json!({"customer": "Bob", "product": "Book", "quantity": 5, "unit_price": "10.00"}),
            &json!({"quantity": 6}),
            &json!({"amount": "60.00"}),
        ]
    );

    // The final query: both answer the same order; only ES has a version.
    let last = run["steps"].as_array().unwrap().last().unwrap();
    assert_eq!(last["action"], json!({"query": {"order_id": "A1"}}));
    for result in last["results"].as_array().unwrap() {
        assert_eq!(result["outcome"], "answered", "{result}");
        let state = &result["state"];
        assert_eq!(state["order_id"], "A1");
        assert_eq!(state["customer"], "Bob");
        assert_eq!(state["quantity"], 6);
        assert_eq!(state["unit_price"], "10.00");
        assert_eq!(state["total"], "60.00");
        assert_eq!(state["paid"], "60.00");
        assert_eq!(state["status"], "Paid");
        let version = if result["backend"] == "es" {
            json!(3)
        } else {
            Value::Null
        };
        assert_eq!(state["version"], version, "{result}");
        // Where each read it: CRUD its row, ES its view, which has applied the log to #2003.
        if result["backend"] == "es" {
            assert_eq!(
                (&result["from"], &result["checkpoint"]),
                (&json!("view"), &json!(2003)),
                "{result}"
            );
        } else {
            assert_eq!(result["from"], "row", "{result}");
            assert!(result.get("checkpoint").is_none(), "{result}");
        }
    }

    // CRUD: one INSERT, then UPDATEs that list what they overwrote.
    let crud = results_of(&run, "crud");
    assert_eq!(crud[0]["outcome"], "applied");
    let row = &crud[0]["storage"]["insert"]["row"];
    assert_eq!(crud[0]["storage"]["insert"]["table"], "orders");
    assert_eq!(
        (&row["quantity"], &row["total"]),
        (&json!(5), &json!("50.00"))
    );
    assert_eq!(
        crud[1]["storage"]["update"],
        json!({
            "table": "orders",
            "order_id": "A1",
            "changes": [
                {"column": "quantity", "old": 5, "new": 6},
                {"column": "total_cents", "old": 5000, "new": 6000},
                // Who last wrote the row stays the clerk; when is overwritten.
                {"column": "updated_at", "old": "2026-03-01T09:00:00Z", "new": "2026-03-01T09:01:00Z"},
            ]
        })
    );
    assert_eq!(
        crud[2]["storage"]["update"]["changes"],
        json!([
            {"column": "paid_cents", "old": 0, "new": 6000},
            {"column": "status", "old": "Placed", "new": "Paid"},
            {"column": "updated_at", "old": "2026-03-01T09:01:00Z", "new": "2026-03-01T09:02:00Z"},
        ])
    );
    assert_eq!(crud[3]["outcome"], "answered");

    let summary = &run["summary"];
    assert_eq!(summary["queries"], 1);
    assert_eq!(summary["queries_identical"], true);
    assert_eq!(summary["differing_steps"], json!([]));
    assert_eq!(
        summary["storage"],
        json!([
            {"backend": "crud", "unit": "rows", "count": 1},
            {"backend": "es", "unit": "events", "count": 3},
        ])
    );

    // The histories: CRUD's row and ES's order after each of the three commands.
    let histories = run["histories"].as_array().unwrap();
    assert_eq!(histories.len(), 2);
    for history in histories {
        let states = &history["orders"][0]["states"];
        let steps = field_u64s(states, "step");
        assert_eq!(steps, [1, 2, 3], "{history}");
        assert_eq!(states[0]["state"]["quantity"], 5);
        assert_eq!(states[1]["state"]["quantity"], 6);
        assert_eq!(states[2]["state"]["status"], "Paid");
    }
}

#[test]
fn bobs_table_tells_the_same_story() {
    // Wide enough that no cell wraps.
    let table = ok(["run", "--width", "1000"]);
    assert_contains_all(
        &table,
        &[
            "Bob's order",
            "INSERT INTO orders",
            "UPDATE orders A1",
            "quantity: 5 → 6",
            "total_cents: 5000 → 6000",
            "+ #2001 NewOrderEvent",
            "OrderPaymentEvent",
            "A1 Paid · v3",
            "Storage: CRUD keeps 1 row; ES keeps 3 events.",
            "Queries: the two designs gave the same answer to the one query they could both answer.",
        ],
    );
}

// ---------------------------------------------------------------------------------------
// The JSON contract

#[test]
fn run_json_of_every_bundled_scenario_has_exactly_the_documented_shape() {
    use shape::{Action, Backend, Outcome};
    for name in bundled_names() {
        let text = ok(["run", name, "--format", "json"]);
        let doc: shape::RunDoc =
            strict(&text).unwrap_or_else(|e| panic!("{name}: the run JSON changed shape: {e}"));
        assert_eq!(doc.schema_version, eslab::SCHEMA_VERSION, "{name}");
        assert_eq!(doc.scenario.name, name);
        assert_eq!(doc.backends, [Backend::Crud, Backend::Es]);
        // Between `crash_view` and `rebuild_view`, ES's OrderView is down.
        let mut view_down = false;
        // The shape ES writes ModifyOrderEvent in, and whether CRUD has migrated for it.
        let mut es_shape = 1;
        let mut snapshot_at: Option<u64> = None;
        let mut crud_reason_column = false;
        let mut checked = 0;
        let mut gaps = Vec::new();
        for (index, step) in doc.steps.iter().enumerate() {
            let at = format!("{name} step {}", step.step);
            assert_eq!(step.step, index + 1, "{name}: steps are numbered from 1");
            let backends: Vec<_> = step.results.iter().map(|r| r.backend).collect();
            assert_eq!(backends, doc.backends, "{at}");
            let order_id = step.action.order_id();
            for result in &step.results {
                let outcome = &result.outcome;
                // A design that cannot answer is not held to it, except that CRUD's history
                // still says who wrote the row last, which `last_changed_by` checks.
                let answers = !matches!(
                    outcome,
                    Outcome::Unavailable {
                        last_write: None,
                        ..
                    } | Outcome::NotApplicable { .. }
                );
                if step.expect.is_some() && answers {
                    checked += 1;
                }
                // Whatever state a step answers is the state of the order it is about.
                if let Some(state) = outcome.state() {
                    assert_eq!(Some(state.order_id.as_str()), order_id, "{at}");
                    // Only ES versions its states (no --crud-locking here).
                    assert_eq!(state.version.is_some(), result.backend == Backend::Es);
                }
                match (result.backend, outcome) {
                    (_, Outcome::Applied { .. }) => {
                        assert!(step.action.is_command(), "{at}: {outcome:?}")
                    }
                    (
                        backend,
                        Outcome::Rejected {
                            rejection,
                            evidence,
                            ..
                        },
                    ) => {
                        assert!(step.action.is_command(), "{at}: {outcome:?}");
                        // Evidence is about a stale write, which only a version can catch:
                        // CRUD keeps none here; ES shows the events the writer missed.
                        let stale = matches!(rejection, shape::Rejection::VersionConflict { .. });
                        match (backend, evidence) {
                            (Backend::Crud, None) => assert!(!stale, "{at}"),
                            (Backend::Es, None) => assert!(!stale, "{at}: no missed events"),
                            (Backend::Es, Some(shape::Evidence::MissedEvents { events })) => {
                                assert!(stale, "{at}: evidence for {rejection:?}");
                                for event in events {
                                    assert_eq!(Some(event.stream_id.as_str()), order_id, "{at}");
                                }
                            }
                            (backend, Some(evidence)) => {
                                panic!("{at}: {backend:?} cannot add {evidence:?}")
                            }
                        }
                    }
                    (backend, Outcome::Answered { source, .. }) => {
                        let Action::Query { as_of, .. } = &step.action else {
                            panic!("{at}: an answer to {:?}", step.action);
                        };
                        // CRUD reads its row, ES its view; a past state only ES can replay.
                        match (backend, as_of) {
                            (Backend::Crud, None) => {
                                assert_eq!(source, &shape::Source::Row {}, "{at}")
                            }
                            (Backend::Es, None) => assert!(
                                matches!(
                                    source,
                                    shape::Source::View {
                                        checkpoint: Some(_)
                                    }
                                ),
                                "{at}: {source:?}"
                            ),
                            (Backend::Es, Some(as_of)) => {
                                assert_eq!(source, &shape::Source::Replay { as_of: *as_of }, "{at}")
                            }
                            (Backend::Crud, Some(_)) => {
                                panic!("{at}: CRUD answered a past state")
                            }
                        }
                    }
                    (backend, Outcome::Report { report, source }) => {
                        let Action::Report {
                            name: asked,
                            define,
                        } = &step.action
                        else {
                            panic!("{at}: a report for {:?}", step.action);
                        };
                        assert_eq!(&report.name, asked, "{at}");
                        match backend {
                            // A defined read model is answered by SQL that CRUD shows.
                            Backend::Crud => assert!(
                                matches!(source, shape::ReportSource::Sql { query } if query.is_some() == define.is_some()),
                                "{at}: {source:?}"
                            ),
                            Backend::Es => assert!(
                                matches!(source, shape::ReportSource::ReadModel { events } if *events > 0),
                                "{at}: {source:?}"
                            ),
                        }
                    }
                    (Backend::Es, Outcome::History { events, .. }) => {
                        assert!(matches!(step.action, Action::History { .. }), "{at}");
                        // The whole stream, in version order.
                        let versions: Vec<u64> = events.iter().map(|e| e.stream_version).collect();
                        let expected: Vec<u64> = (1..=events.len() as u64).collect();
                        assert_eq!(versions, expected, "{at}");
                        for event in events {
                            assert_eq!(Some(event.stream_id.as_str()), order_id, "{at}");
                        }
                    }
                    // CRUD cannot tell a history or a past state, but shows its latest row.
                    (Backend::Crud, Outcome::Unavailable { latest, why, .. }) => {
                        assert!(step.action.is_question(), "{at}");
                        let fits = match (&step.action, why) {
                            (
                                Action::Query {
                                    as_of: Some(asked), ..
                                },
                                shape::Unanswerable::Overwritten { as_of },
                            ) => asked == as_of,
                            (Action::History { .. }, shape::Unanswerable::HistoryNotKept {}) => {
                                true
                            }
                            (
                                Action::Report { define: None, .. },
                                shape::Unanswerable::ReportNeedsHistory {},
                            ) => true,
                            (
                                Action::Report {
                                    define: Some(_), ..
                                },
                                shape::Unanswerable::EventsNotKept { .. }
                                | shape::Unanswerable::FieldOverwritten { .. }
                                | shape::Unanswerable::NoEventOrder {},
                            ) => true,
                            _ => false,
                        };
                        assert!(fits, "{at}: CRUD cannot answer because {why:?}");
                        if let Some(latest) = latest {
                            assert_eq!(Some(latest.order_id.as_str()), order_id, "{at}");
                            assert_eq!(latest.version, None, "{at}");
                        }
                    }
                    // ES cannot answer only while its view is down.
                    (Backend::Es, Outcome::Unavailable { latest, why, .. }) => {
                        assert!(view_down, "{at}: ES unavailable with its view up");
                        assert_eq!(why, &shape::Unanswerable::ViewDown {}, "{at}");
                        assert!(latest.is_none(), "{at}");
                    }
                    (Backend::Es, Outcome::ViewCrashed { .. }) => {
                        assert!(matches!(step.action, Action::CrashView {}), "{at}");
                        view_down = true;
                    }
                    (
                        Backend::Es,
                        Outcome::ViewRebuilt {
                            matches_live,
                            snapshot,
                            ..
                        },
                    ) => {
                        assert!(matches!(step.action, Action::RebuildView {}), "{at}");
                        // A rebuild starts from the newest snapshot the run stored.
                        assert_eq!(snapshot.as_ref().map(|s| s.checkpoint), snapshot_at, "{at}");
                        assert!(
                            matches_live,
                            "{at}: the rebuilt view differs from the live one"
                        );
                        view_down = false;
                    }
                    (Backend::Es, Outcome::SnapshotTaken { checkpoint, .. }) => {
                        assert!(matches!(step.action, Action::Snapshot {}), "{at}");
                        assert!(!view_down, "{at}: a snapshot of a downed view");
                        snapshot_at = *checkpoint;
                    }
                    // A deploy: ES switches its writer and rewrites nothing; CRUD migrates
                    // its table, once.
                    (Backend::Es, Outcome::Deployed { event_type, to, .. }) => {
                        let Action::Deploy { event, version } = &step.action else {
                            panic!("{at}: deployed without a deploy step");
                        };
                        assert_eq!(format!("{event_type:?}{to}"), format!("{event:?}{version}"));
                        if matches!(event, shape::EventType::Modify) {
                            es_shape = *version;
                        }
                    }
                    (Backend::Crud, Outcome::Migrated { column, .. }) => {
                        assert!(matches!(step.action, Action::Deploy { .. }), "{at}");
                        assert!(!crud_reason_column, "{at}: migrated twice");
                        assert_eq!(column, "change_reason");
                        crud_reason_column = true;
                    }
                    (
                        Backend::Crud,
                        Outcome::NotApplicable {
                            why: shape::Inapplicable::TableUnchanged {},
                        },
                    ) => assert!(matches!(step.action, Action::Deploy { .. }), "{at}"),
                    // CRUD has no view to crash or rebuild.
                    (Backend::Crud, Outcome::NotApplicable { why }) => {
                        assert!(
                            matches!(
                                step.action,
                                Action::CrashView {} | Action::RebuildView {} | Action::Snapshot {}
                            ),
                            "{at}"
                        );
                        assert_eq!(why, &shape::Inapplicable::NoView {}, "{at}");
                    }
                    (backend, outcome) => panic!("{at}: {backend:?} cannot have {outcome:?}"),
                }
                // CRUD stores rows; ES appends the events named for each command.
                let Outcome::Applied {
                    storage,
                    state,
                    caveats,
                } = outcome
                else {
                    continue;
                };
                match result.backend {
                    Backend::Crud => {
                        assert!(
                            matches!(storage, Storage::Insert { .. } | Storage::Update { .. }),
                            "{at}"
                        );
                        assert!(state.is_some(), "{at}: CRUD reads back every row it stores");
                        // CRUD says what it could not do: check a version it does not keep,
                        // or keep a cancel's reason it has no column for. Nothing else.
                        let mut owed = Vec::new();
                        if let Some(expected) = match &step.action {
                            Action::ChangeQuantity {
                                expected_version, ..
                            }
                            | Action::Pay {
                                expected_version, ..
                            }
                            | Action::Cancel {
                                expected_version, ..
                            } => *expected_version,
                            _ => None,
                        } {
                            owed.push(shape::Caveat::VersionUnchecked { expected });
                        }
                        if let Action::Cancel { reason, .. } = &step.action {
                            owed.push(shape::Caveat::NotKept {
                                field: "reason".into(),
                                value: reason.clone(),
                                shape: None,
                            });
                        }
                        if let Action::ChangeQuantity {
                            reason: Some(reason),
                            ..
                        } = &step.action
                            && !crud_reason_column
                        {
                            owed.push(shape::Caveat::NotKept {
                                field: "reason".into(),
                                value: reason.clone(),
                                shape: None,
                            });
                        }
                        let mut said = caveats.clone();
                        said.sort_by_key(|c| format!("{c:?}"));
                        owed.sort_by_key(|c| format!("{c:?}"));
                        assert_eq!(said, owed, "{at}");
                    }
                    Backend::Es => {
                        let Storage::Append { events } = storage else {
                            panic!("{at}: ES stores by appending: {storage:?}");
                        };
                        assert!(!events.is_empty());
                        // ES checks every expected version, and keeps all that the shape
                        // it writes has a field for.
                        let owed: Vec<shape::Caveat> = match &step.action {
                            Action::ChangeQuantity {
                                reason: Some(reason),
                                ..
                            } if es_shape < 2 => vec![shape::Caveat::NotKept {
                                field: "reason".into(),
                                value: reason.clone(),
                                shape: Some(es_shape),
                            }],
                            _ => Vec::new(),
                        };
                        assert_eq!(caveats, &owed, "{at}");
                        for event in events {
                            assert_eq!(Some(event.stream_id.as_str()), order_id, "{at}");
                            let fits = matches!(
                                (&step.action, &event.payload),
                                (Action::PlaceOrder { .. }, Payload::NewOrder(_))
                                    | (Action::ChangeQuantity { .. }, Payload::Modify(_))
                                    | (Action::Pay { .. }, Payload::Payment(_))
                                    | (Action::Cancel { .. }, Payload::Cancelled(_))
                            );
                            assert!(fits, "{at}: {event:?}");
                        }
                        // The view answers the new state, unless it is down.
                        match state {
                            Some(state) => {
                                assert!(!view_down, "{at}: an answer from a downed view");
                                assert_eq!(
                                    state.version,
                                    Some(events.last().unwrap().stream_version)
                                );
                            }
                            None => assert!(view_down, "{at}: ES answered no state"),
                        }
                    }
                }
            }
            // A gap: one design could answer and the other could not.
            // Or both stored a command, and one kept less of it than the other.
            let dropped = |r: &shape::StepResult| match &r.outcome {
                Outcome::Applied { caveats, .. } => caveats
                    .iter()
                    .any(|c| matches!(c, shape::Caveat::NotKept { .. })),
                _ => false,
            };
            let is_gap = step.results.iter().any(|r| {
                matches!(
                    r.outcome,
                    Outcome::Unavailable { .. }
                        | Outcome::History { .. }
                        | Outcome::Applied { state: None, .. }
                )
            }) || step.results.iter().any(dropped) != step.results.iter().all(dropped);
            if is_gap {
                gaps.push(step.step);
            }
        }
        assert!(
            !view_down,
            "{name}: every bundled scenario ends with its view up"
        );

        let summary = &doc.summary;
        let questions: Vec<usize> = doc
            .steps
            .iter()
            .filter(|s| s.action.is_question())
            .map(|s| s.step)
            .collect();
        assert_eq!(summary.queries, questions.len(), "{name}");
        // Only lost-update diverges, by design: CRUD lets the stale write through.
        let differing: &[usize] = if name == "lost-update" { &[4, 5] } else { &[] };
        assert_eq!(summary.differing_steps, differing, "{name}");
        let question_differs = differing.iter().any(|s| questions.contains(s));
        assert_eq!(summary.queries_identical, Some(!question_differs), "{name}");
        assert_eq!(summary.gap_steps, gaps, "{name}");
        assert!(
            gaps.iter().all(|s| !differing.contains(s)),
            "{name}: a step is a gap or a divergence, not both"
        );
        assert_eq!(summary.expectations.checked, checked, "{name}");
        assert!(
            summary.expectations.failures.is_empty(),
            "{name}: {:?}",
            summary.expectations.failures
        );
        assert_eq!(doc.histories.len(), 2, "{name}");
        // A history shows only what its design answered at that step about now, or that its
        // view was down when it stored a command there.
        for history in &doc.histories {
            for order in &history.orders {
                for entry in &order.states {
                    let at = format!("{name} {:?} step {}", history.backend, entry.step);
                    let step = &doc.steps[entry.step - 1];
                    assert_eq!(
                        step.action.order_id(),
                        Some(order.order_id.as_str()),
                        "{at}"
                    );
                    assert!(
                        !matches!(step.action, Action::Query { as_of: Some(_), .. }),
                        "{at}: a past state is not a step of the history"
                    );
                    let outcome = step.result(history.backend).unwrap();
                    match &entry.state {
                        Some(state) => assert_eq!(outcome.state(), Some(state), "{at}"),
                        None => assert!(
                            entry.view_down
                                && matches!(outcome, Outcome::Applied { state: None, .. }),
                            "{at}"
                        ),
                    }
                }
            }
        }
    }
}

#[test]
fn the_strict_shape_refuses_any_unannounced_change() {
    // Each edit of a run's JSON must make the strict structs refuse it: this is what
    // makes the test above able to fail.
    type Edit = fn(&mut Value);
    let refuses = |name: &str, edits: &[(&str, Edit)]| {
        let original: Value = serde_json::from_str(&ok(["run", name, "--format", "json"])).unwrap();
        assert!(strict::<shape::RunDoc>(&original.to_string()).is_ok());
        for (what, edit) in edits {
            let mut edited = original.clone();
            edit(&mut edited);
            assert_ne!(edited, original, "{name}: {what} changed nothing");
            assert!(
                strict::<shape::RunDoc>(&edited.to_string()).is_err(),
                "{name}: the strict shape accepted {what}"
            );
        }
    };
    refuses(
        "bob",
        &[
            ("a new top-level field", |v| {
                v["generated_at"] = json!("now")
            }),
            ("no histories", |v| {
                v.as_object_mut().unwrap().remove("histories");
            }),
            ("a new scenario field", |v| {
                v["scenario"]["author"] = json!("me")
            }),
            ("a missing nullable note", |v| {
                v["steps"][0].as_object_mut().unwrap().remove("note");
            }),
            ("a null expect", |v| v["steps"][0]["expect"] = Value::Null),
            ("a new action field", |v| {
                v["steps"][3]["action"]["query"]["at"] = json!(1)
            }),
            ("a null as_of", |v| {
                v["steps"][3]["action"]["query"]["as_of"] = Value::Null
            }),
            ("a null expected_version", |v| {
                v["steps"][1]["action"]["change_quantity"]["expected_version"] = Value::Null
            }),
            ("a new result field", |v| {
                v["steps"][0]["results"][0]["took_ms"] = json!(3)
            }),
            ("a result without its backend", |v| {
                v["steps"][0]["results"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("backend");
            }),
            ("a renamed outcome", |v| {
                v["steps"][0]["results"][0]["outcome"] = json!("ok")
            }),
            ("null caveats", |v| {
                v["steps"][1]["results"][0]["caveats"] = Value::Null
            }),
            ("an empty list of caveats", |v| {
                v["steps"][1]["results"][0]["caveats"] = json!([])
            }),
            ("the old warning", |v| {
                v["steps"][1]["results"][0]["warning"] = json!("no version kept")
            }),
            ("a result without its narration", |v| {
                v["steps"][0]["results"][1]
                    .as_object_mut()
                    .unwrap()
                    .remove("narration");
            }),
            ("a new narration field", |v| {
                v["steps"][0]["results"][1]["narration"]["extra"] = json!([])
            }),
            ("a narration line with a new field", |v| {
                v["steps"][0]["results"][1]["narration"]["storage"][0]["colour"] = json!("green")
            }),
            ("an unknown mark", |v| {
                v["steps"][0]["results"][1]["narration"]["storage"][0]["mark"] = json!("added")
            }),
            ("a null mark", |v| {
                v["steps"][0]["results"][1]["narration"]["answer"][0]["mark"] = Value::Null
            }),
            ("the old source sentence", |v| {
                v["steps"][3]["results"][0]["source"] = json!("read the orders row")
            }),
            ("an answer without where it was read", |v| {
                v["steps"][3]["results"][1]
                    .as_object_mut()
                    .unwrap()
                    .remove("from");
            }),
            ("a row read with a checkpoint", |v| {
                v["steps"][3]["results"][0]["checkpoint"] = json!(2003)
            }),
            ("a view read without its checkpoint", |v| {
                v["steps"][3]["results"][1]
                    .as_object_mut()
                    .unwrap()
                    .remove("checkpoint");
            }),
            ("an unknown source", |v| {
                v["steps"][3]["results"][1]["from"] = json!("cache")
            }),
            ("no summary_text", |v| {
                v.as_object_mut().unwrap().remove("summary_text");
            }),
            ("a summary_text that is not lines", |v| {
                v["summary_text"] = json!("Storage: …")
            }),
            ("a history entry without its state", |v| {
                v["histories"][0]["orders"][0]["states"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("state");
            }),
            ("a history entry with view_down false", |v| {
                v["histories"][1]["orders"][0]["states"][0]["view_down"] = json!(false)
            }),
            ("a history entry with a state and view_down", |v| {
                v["histories"][1]["orders"][0]["states"][0]["view_down"] = json!(true)
            }),
            ("the old source on a history entry", |v| {
                v["histories"][1]["orders"][0]["states"][0]["source"] = json!("view")
            }),
            ("a new state field", |v| {
                v["steps"][3]["results"][1]["state"]["currency"] = json!("USD")
            }),
            ("money as a number", |v| {
                v["steps"][3]["results"][1]["state"]["total"] = json!(60)
            }),
            ("a missing version", |v| {
                v["steps"][3]["results"][0]["state"]
                    .as_object_mut()
                    .unwrap()
                    .remove("version");
            }),
            ("a new event envelope field", |v| {
                v["steps"][0]["results"][1]["storage"]["append"]["events"][0]["at"] = json!(1)
            }),
            ("a payload of another type", |v| {
                v["steps"][0]["results"][1]["storage"]["append"]["events"][0]["payload"] =
                    json!({"quantity": 5})
            }),
            ("a new summary field", |v| {
                v["summary"]["elapsed"] = json!(0)
            }),
            ("no gap_steps", |v| {
                v["summary"].as_object_mut().unwrap().remove("gap_steps");
            }),
            ("a new expectations field", |v| {
                v["summary"]["expectations"]["skipped"] = json!(0)
            }),
        ],
    );
    // The outcomes only the newer scenarios have.
    refuses(
        "time-travel",
        &[
            ("a null latest", |v| {
                v["steps"][3]["results"][0]["latest"] = Value::Null
            }),
            ("the old reason sentence on unavailable", |v| {
                v["steps"][3]["results"][0]["reason"] = json!("overwritten")
            }),
            ("an overwritten without its as_of", |v| {
                v["steps"][3]["results"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("as_of");
            }),
            ("an unknown why", |v| {
                v["steps"][3]["results"][0]["why"] = json!("gone")
            }),
            ("a replay without its as_of", |v| {
                v["steps"][3]["results"][1]
                    .as_object_mut()
                    .unwrap()
                    .remove("as_of");
            }),
            ("a new expect field", |v| {
                v["steps"][3]["expect"]["colour"] = json!("red")
            }),
        ],
    );
    refuses(
        "crash-and-rebuild",
        &[
            ("a view_crashed without its checkpoint", |v| {
                v["steps"][2]["results"][1]
                    .as_object_mut()
                    .unwrap()
                    .remove("checkpoint");
            }),
            ("a view_rebuilt without matches_live", |v| {
                v["steps"][6]["results"][1]
                    .as_object_mut()
                    .unwrap()
                    .remove("matches_live");
            }),
            ("a field on a view step", |v| {
                v["steps"][2]["action"]["crash_view"]["hard"] = json!(true)
            }),
            ("a field beside a why that has none", |v| {
                v["steps"][2]["results"][0]["checkpoint"] = json!(2002)
            }),
            ("the old reason sentence on not_applicable", |v| {
                v["steps"][2]["results"][0]["reason"] = json!("no view")
            }),
            ("a view-down history entry without view_down", |v| {
                v["histories"][1]["orders"][0]["states"][1]
                    .as_object_mut()
                    .unwrap()
                    .remove("view_down");
            }),
        ],
    );
    refuses(
        "new-question",
        &[
            ("a report whose SQL is null", |v| {
                v["steps"][9]["results"][0]["query"] = json!(null)
            }),
            ("a report without its name", |v| {
                v["steps"][10]["results"][1]["report"]
                    .as_object_mut()
                    .unwrap()
                    .remove("name");
            }),
            ("a report from SQL that counts events", |v| {
                v["steps"][9]["results"][0]["events"] = json!(9)
            }),
            ("a report from a read model without its events", |v| {
                v["steps"][9]["results"][1]
                    .as_object_mut()
                    .unwrap()
                    .remove("events");
            }),
            ("a report row missing a cell", |v| {
                v["steps"][10]["results"][1]["report"]["rows"][0]
                    .as_array_mut()
                    .unwrap()
                    .pop();
            }),
        ],
    );
    refuses(
        "lost-update",
        &[
            ("the old detail", |v| {
                v["steps"][3]["results"][1]["detail"] = json!("the log shows")
            }),
            ("a null evidence", |v| {
                v["steps"][3]["results"][1]["evidence"] = Value::Null
            }),
            ("missed events without their events", |v| {
                v["steps"][3]["results"][1]
                    .as_object_mut()
                    .unwrap()
                    .remove("events");
            }),
            ("events without the evidence they are", |v| {
                v["steps"][3]["results"][1]
                    .as_object_mut()
                    .unwrap()
                    .remove("evidence");
            }),
            ("a rejection without its reason", |v| {
                v["steps"][3]["results"][1]
                    .as_object_mut()
                    .unwrap()
                    .remove("reason");
            }),
            ("a rejection that names no rule", |v| {
                v["steps"][3]["results"][1]["rejection"]
                    .as_object_mut()
                    .unwrap()
                    .remove("rule");
            }),
            ("an unknown rule", |v| {
                v["steps"][3]["results"][1]["rejection"]["rule"] = json!("stale")
            }),
            ("a rule without one of its values", |v| {
                v["steps"][3]["results"][1]["rejection"]
                    .as_object_mut()
                    .unwrap()
                    .remove("actual");
            }),
            ("a rule with a new value", |v| {
                v["steps"][3]["results"][1]["rejection"]["by"] = json!("Bob")
            }),
            ("a caveat with a new field", |v| {
                v["steps"][3]["results"][0]["caveats"][0]["why"] = json!("no column")
            }),
            ("an unknown caveat", |v| {
                v["steps"][3]["results"][0]["caveats"][0]["caveat"] = json!("unchecked")
            }),
        ],
    );
    refuses(
        "cancellation",
        &[
            ("a not_kept caveat without its value", |v| {
                v["steps"][3]["results"][0]["caveats"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("value");
            }),
            ("a not_placed rule without its status", |v| {
                v["steps"][4]["results"][0]["rejection"]
                    .as_object_mut()
                    .unwrap()
                    .remove("status");
            }),
            ("a money column in dollars", |v| {
                v["steps"][1]["results"][0]["storage"]["update"]["changes"][1]["old"] =
                    json!("50.00")
            }),
            ("a money column under its old name", |v| {
                v["steps"][1]["results"][0]["storage"]["update"]["changes"][1]["column"] =
                    json!("total")
            }),
        ],
    );

    // The optional fields, present, are part of the documented shape.
    let mut bob: Value = serde_json::from_str(&ok(["run", "bob", "--format", "json"])).unwrap();
    bob["steps"][3]["action"]["query"]["as_of"] = json!(2002);
    bob["steps"][1]["action"]["change_quantity"]["expected_version"] = json!(1);
    bob["steps"][3]["expect"] = json!({"status": "Paid", "version": 3});
    bob["steps"][1]["results"][0]["caveats"] =
        json!([{"caveat": "version_unchecked", "expected": 1}]);
    strict::<shape::RunDoc>(&bob.to_string()).unwrap();
}

#[test]
fn other_json_outputs_have_their_documented_shape() {
    let doc: shape::ScenariosDoc = strict(&ok(["scenarios", "--format", "json"])).unwrap();
    assert_eq!(doc.schema_version, eslab::SCHEMA_VERSION);
    let listing = doc.scenarios;
    let names: Vec<&str> = listing.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, bundled_names());
    for (entry, (name, text)) in listing.iter().zip(eslab::BUNDLED) {
        let scenario = eslab::Scenario::from_json(name, text).unwrap();
        assert_eq!(entry.title, scenario.title);
        assert_eq!(entry.steps, scenario.steps.len());
    }

    let doc: shape::ReportsDoc = strict(&ok(["reports", "--format", "json"])).unwrap();
    assert_eq!(doc.schema_version, eslab::SCHEMA_VERSION);
    let reports = doc.reports;
    let names: Vec<shape::ReportName> = reports.iter().map(|r| r.name).collect();
    assert_eq!(
        names,
        [
            shape::ReportName::RevenuePerCustomer,
            shape::ReportName::QuantityChanges
        ]
    );

    for name in bundled_names() {
        // lost-update diverges by design, so its diff exits 1; it prints the same shape.
        let out = run(["diff", name, "--format", "json"]);
        let code = if name == "lost-update" { 1 } else { 0 };
        assert_eq!(out.code, Some(code), "{name}: {out:?}");
        assert_eq!(out.stderr, "", "{name}");
        let diff: shape::DiffDoc = strict(&out.stdout_text()).unwrap();
        assert_eq!(diff.schema_version, eslab::SCHEMA_VERSION);
        assert_eq!(diff.scenario.name, name);
    }

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    ok(["run", "many-customers", "--db-dir", d]);
    let log: shape::LogDoc = strict(&ok(["log", "--db-dir", d, "--format", "json"])).unwrap();
    assert_eq!(log.schema_version, eslab::SCHEMA_VERSION);
    assert!(!log.events.is_empty());
    let replay: shape::ReplayDoc =
        strict(&ok(["replay", "--db-dir", d, "--format", "json"])).unwrap();
    assert_eq!(replay.schema_version, eslab::SCHEMA_VERSION);
    assert_eq!(replay.until, None);
    assert_eq!(
        replay.checkpoint,
        log.events.last().map(|e| e.event.event_id)
    );
    let verify: shape::VerifyDoc =
        strict(&ok(["verify", "--db-dir", d, "--format", "json"])).unwrap();
    assert_eq!(verify.schema_version, eslab::SCHEMA_VERSION);
    assert!(verify.holds, "{verify:?}");
    assert_eq!(verify.first_bad_event, None);
    assert!(
        verify
            .checks
            .iter()
            .all(|c| c.holds && c.first_bad_event.is_none())
    );
    assert_eq!(verify.events, log.events.len() as u64);
    assert_eq!(verify.head, log.events.last().map(|e| e.hash.clone()));
}

#[test]
fn every_json_document_carries_the_one_schema_version() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    ok(["run", "bob", "--db-dir", d]);
    let commands: [&[&str]; 7] = [
        &["run", "bob"],
        &["diff", "bob"],
        &["scenarios"],
        &["reports"],
        &["log", "--db-dir", d],
        &["replay", "--db-dir", d],
        &["verify", "--db-dir", d],
    ];
    for args in commands {
        let doc: Value =
            serde_json::from_str(&ok(args.iter().chain(&["--format", "json"]))).unwrap();
        assert_eq!(
            doc["schema_version"],
            json!(eslab::SCHEMA_VERSION),
            "eslab {args:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Determinism

#[test]
fn the_same_scenario_prints_the_same_bytes_every_time() {
    for name in bundled_names() {
        for format in FORMATS.into_iter().chain(["mermaid"]) {
            let first = run(["run", name, "--format", format]);
            let second = run(["run", name, "--format", format]);
            assert_eq!(first.code, Some(0));
            assert_eq!(
                first.stdout, second.stdout,
                "eslab run {name} --format {format} is not reproducible"
            );
        }
        for format in FORMATS {
            assert_eq!(
                run(["diff", name, "--format", format]).stdout,
                run(["diff", name, "--format", format]).stdout
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// One backend at a time

#[test]
fn each_backend_alone_reports_only_itself_and_both_answer_the_same_states() {
    for name in bundled_names() {
        let both = json(["run", name, "--format", "json"]);
        let mut alone = Vec::new();
        for backend in ["crud", "es"] {
            let run = json(["run", name, "--backend", backend, "--format", "json"]);
            assert_eq!(run["backends"], json!([backend]), "{name}");
            for step in run["steps"].as_array().unwrap() {
                let results = step["results"].as_array().unwrap();
                assert_eq!(results.len(), 1, "{name}: {step}");
                assert_eq!(results[0]["backend"], backend);
            }
            let storage = run["summary"]["storage"].as_array().unwrap();
            assert_eq!(storage.len(), 1);
            assert_eq!(storage[0]["backend"], backend);
            assert_eq!(run["summary"]["queries_identical"], Value::Null, "{name}");
            // Alone, there is nothing to differ from or to fill a gap.
            assert_eq!(run["summary"]["differing_steps"], json!([]), "{name}");
            assert_eq!(run["summary"]["gap_steps"], json!([]), "{name}");
            let histories = run["histories"].as_array().unwrap();
            assert_eq!(histories.len(), 1);
            assert_eq!(histories[0]["backend"], backend);
            // Running alone changes nothing about what this backend does.
            assert_eq!(
                results_of(&run, backend),
                results_of(&both, backend),
                "{name} --backend {backend}"
            );
            alone.push(run);
        }
        // Both designs answer alike, except where the run says they differ (a divergence)
        // or only one could answer (a gap), and at view steps, which CRUD has none of.
        let summary = &both["summary"];
        let set_apart: Vec<u64> = summary["differing_steps"]
            .as_array()
            .unwrap()
            .iter()
            .chain(summary["gap_steps"].as_array().unwrap())
            .map(|s| s.as_u64().unwrap())
            .collect();
        let (crud, es) = (&alone[0], &alone[1]);
        let crud_results = results_of(crud, "crud");
        let es_results = results_of(es, "es");
        assert_eq!(crud_results.len(), es_results.len());
        let mut compared = 0;
        for (index, (c, e)) in crud_results.iter().zip(&es_results).enumerate() {
            let step = index + 1;
            // A deploy: CRUD migrates, ES switches its writer; different facts by design.
            if set_apart.contains(&(step as u64))
                || c["outcome"] == "not_applicable"
                || e["outcome"] == "deployed"
            {
                continue;
            }
            compared += 1;
            assert_eq!(c["outcome"], e["outcome"], "{name} step {step}");
            assert_eq!(
                without_version(&c["state"]),
                without_version(&e["state"]),
                "{name} step {step}: CRUD and ES answer different states"
            );
            assert_eq!(c["rejection"], e["rejection"], "{name} step {step}");
            assert_eq!(c["reason"], e["reason"], "{name} step {step}");
            assert_eq!(c["report"], e["report"], "{name} step {step}");
        }
        assert!(compared > 0, "{name}: no step compared");
    }
}

// ---------------------------------------------------------------------------------------
// diff

#[test]
fn diff_of_every_bundled_scenario_but_lost_update_is_identical() {
    // lost-update is the divergence on purpose: CRUD lets a stale write through at step 4.
    assert!(bundled_names().contains(&"lost-update"));
    for name in bundled_names() {
        let gap_steps = json(["run", name, "--format", "json"])["summary"]["gap_steps"].clone();
        let table = run(["diff", name]);
        let out = run(["diff", name, "--format", "json"]);
        let (table_text, code) = (table.stdout_text(), table.code);
        assert_eq!(out.code, code, "{name}: both formats exit alike");
        assert_eq!((table.stderr.as_str(), out.stderr.as_str()), ("", ""));
        let doc: Value = serde_json::from_str(&out.stdout_text()).unwrap();
        let first = table_text.lines().next().unwrap();
        if name == "lost-update" {
            assert_eq!(code, Some(1), "{name}: {table_text}");
            assert!(first.starts_with("different"), "{name}: {table_text}");
            assert!(
                first.contains("part at step 4 of lost-update;")
                    && first.ends_with("they differ at 2 of the 5 steps both answered"),
                "{first}"
            );
            assert_eq!(doc["identical"], false, "{name}");
            let steps = field_u64s(&doc["differences"], "step");
            assert_eq!(steps, [4, 5], "{name}");
        } else {
            assert_eq!(code, Some(0), "{name}: {table_text}");
            assert!(first.starts_with("identical"), "{name}: {table_text}");
            assert_eq!(doc["identical"], true, "{name}");
            assert_eq!(doc["differences"], json!([]), "{name}");
        }
        // Gaps, where only one design could answer, are listed apart: not a divergence.
        let gaps: Vec<Value> = doc["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["step"].clone())
            .collect();
        assert_eq!(Value::from(gaps), gap_steps, "{name}");
        assert_eq!(
            table_text.contains("gaps: only one design could answer"),
            gap_steps != json!([]),
            "{name}: {table_text}"
        );
    }
}

#[test]
fn diff_exits_1_and_names_the_steps_where_the_designs_part() {
    // CRUD alone runs Bob's commands into the folder first, as another scenario (so
    // `--continue` has no step of `bob` to skip); then both carry on from it. The CRUD row is
    // already Paid, so CRUD refuses steps 1–3 which ES (an empty log) applies. At the query
    // both answer A1 Paid, 6 × $10.00: the designs agree again at step 4.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let bob: Value = serde_json::from_str(&ok(["show", "bob"])).unwrap();
    let commands = write_scenario(
        dir.path(),
        "bob-commands.json",
        &json!({"title": "Bob's commands, earlier", "steps": bob["steps"].as_array().unwrap()[..3]}),
    );
    ok([
        "run",
        commands.to_str().unwrap(),
        "--backend",
        "crud",
        "--db-dir",
        d,
    ]);
    let copy = tempfile::tempdir().unwrap();
    std::fs::copy(
        dir.path().join("crud.sqlite3"),
        copy.path().join("crud.sqlite3"),
    )
    .unwrap();

    let out = run(["diff", "bob", "--db-dir", d, "--continue"]);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert_eq!(out.stderr, "");
    let text = out.stdout_text();
    assert!(text.starts_with("different"), "{text}");
    assert!(
        text.contains("they differ at 3 of the 4 steps both answered"),
        "{text}"
    );

    let c = copy.path().to_str().unwrap();
    let out = run([
        "diff",
        "bob",
        "--db-dir",
        c,
        "--continue",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, Some(1), "{out:?}");
    let doc: shape::DiffDoc = strict(&out.stdout_text()).unwrap();
    assert!(!doc.identical);
    let steps: Vec<usize> = doc.differences.iter().map(|d| d.step).collect();
    assert_eq!(steps, [1, 2, 3]);
    assert!(doc.gaps.is_empty(), "{:?}", doc.gaps);
    for difference in &doc.differences {
        assert!(matches!(difference.crud, shape::Outcome::Rejected { .. }));
        assert!(matches!(difference.es, shape::Outcome::Applied { .. }));
    }
}

// ---------------------------------------------------------------------------------------
// scenarios, show, check

#[test]
fn scenarios_lists_every_bundled_name() {
    let table = ok(["scenarios"]);
    for (name, text) in eslab::BUNDLED {
        let scenario = eslab::Scenario::from_json(name, text).unwrap();
        let row = table
            .lines()
            .find(|line| line.contains(&format!(" {name} ")))
            .unwrap_or_else(|| panic!("{name} is not listed:\n{table}"));
        assert!(row.contains(&scenario.title), "{row}");
    }
    let markdown = ok(["scenarios", "--format", "markdown"]);
    for name in bundled_names() {
        assert!(markdown.contains(&format!("| {name} ")), "{markdown}");
    }
}

#[test]
fn show_prints_the_bundled_file() {
    for name in bundled_names() {
        let shown: Value = serde_json::from_str(&ok(["show", name])).unwrap();
        let path = manifest_dir()
            .join("scenarios")
            .join(format!("{name}.json"));
        let file: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(
            shown,
            file,
            "eslab show {name} differs from {}",
            path.display()
        );
    }
    let stderr = input_error(["show", "nonesuch"]);
    assert_contains_all(&stderr, &["nonesuch", "bob"]);
    assert!(!stderr.contains("did you mean"), "{stderr}");
}

#[test]
fn show_says_what_a_name_that_is_not_bundled_most_likely_meant() {
    // A file that exists: run it or read it, never `./scenarios/bob.json.json`.
    let stderr = input_error(["show", "scenarios/bob.json"]);
    assert_contains_all(
        &stderr,
        &[
            "`scenarios/bob.json` is a file, not a bundled scenario",
            "`eslab run scenarios/bob.json`",
            "`cat scenarios/bob.json`",
            "`eslab show bob`",
        ],
    );
    assert!(!stderr.contains(".json.json"), "{stderr}");

    // A path that does not exist says so.
    let stderr = input_error(["show", "nowhere/story.json"]);
    assert_contains_all(&stderr, &["no such file", "bundled: bob"]);
    assert!(!stderr.contains("eslab run"), "{stderr}");

    // A name close to a bundled one suggests it, for `show` and `run` alike.
    for command in ["show", "run"] {
        let stderr = input_error([command, "lost-updte"]);
        assert_contains_all(&stderr, &["did you mean `lost-update`?"]);
        let stderr = input_error([command, "Bob"]);
        assert_contains_all(&stderr, &["did you mean `bob`?"]);
    }

    // A bare name with a file of that name beside it points at the file.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("mine.json"), "{}").unwrap();
    let out = eslab()
        .current_dir(dir.path())
        .args(["show", "mine"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_contains_all(&stderr, &["give its path: ./mine.json"]);
}

#[test]
fn check_accepts_every_bundled_file() {
    let mut files: Vec<String> = std::fs::read_dir(manifest_dir().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| format!("scenarios/{}", p.file_name().unwrap().to_str().unwrap()))
        .collect();
    files.sort();
    assert!(files.len() >= bundled_names().len());
    let mut args = vec!["check".to_string()];
    args.extend(files.iter().cloned());
    let out = ok(&args);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), files.len(), "{out}");
    for (line, file) in lines.iter().zip(&files) {
        let text = std::fs::read_to_string(manifest_dir().join(file)).unwrap();
        let steps = eslab::Scenario::from_json(file, &text).unwrap().steps.len();
        assert_eq!(*line, format!("ok: {file} ({steps} steps)"));
    }
    assert_eq!(ok(["check", "bob"]), "ok: bob (4 steps)\n");
}

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

// ---------------------------------------------------------------------------------------
// Pipes, usage, exit codes

/// Starts `eslab ARGS` with stdout on a pipe, reads `keep` bytes (none: closes the pipe
/// before eslab gets to write), closes the pipe, and returns the exit code and stderr.
fn run_into_closed_pipe(args: &[&str], keep: usize) -> (Option<i32>, String) {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("eslab"))
        .args(args)
        .current_dir(manifest_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    if keep > 0 {
        let mut head = vec![0; keep];
        stdout.read_exact(&mut head).unwrap();
    }
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    (status.code(), stderr)
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    // `eslab run many-customers | head -c 16`, and a reader gone before the first byte.
    // Both must end quietly with 0, whether or not eslab was still writing by then; the
    // next test makes sure it was.
    for keep in [16, 0] {
        let (code, stderr) = run_into_closed_pipe(&["run", "many-customers"], keep);
        assert_eq!(code, Some(0), "{stderr}");
        assert!(!stderr.contains("error"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn a_closed_pipe_is_always_hit_when_the_output_outgrows_the_pipe() {
    // Far more output than a pipe buffers: whatever the scheduling, eslab is still writing
    // when the reader goes away, so it does meet the closed pipe.
    let dir = tempfile::tempdir().unwrap();
    let steps: Vec<Value> = (0..1000)
        .map(|i| {
            json!({"place_order": {
                "order_id": format!("O{i}"), "customer": "Bob", "product": "Book",
                "quantity": 1 + i % 9, "unit_price": 10
            }, "note": "x ".repeat(100)})
        })
        .collect();
    let file = write_scenario(
        dir.path(),
        "long.json",
        &json!({"title": "Long", "steps": steps}),
    );
    let file = file.to_str().unwrap();
    let full = run(["run", file, "--format", "json"]);
    assert!(
        full.stdout.len() > 2 * 1024 * 1024,
        "{} bytes",
        full.stdout.len()
    );
    let (code, stderr) = run_into_closed_pipe(&["run", file, "--format", "json"], 16);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stderr, "");
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["bogus"],
        vec!["run", "--bogus"],
        vec!["run", "--format", "xml"],
        vec!["run", "--backend", "nosql"],
        vec!["run", "--continue"],
        vec!["run", "bob", "extra"],
        vec!["replay"],
        vec!["replay", "--db-dir", ".", "--until", "-1"],
        vec!["check"],
        vec!["diff", "--format", "mermaid"],
        vec!["scenarios", "--format", "mermaid"],
        vec![],
    ] {
        let out = run(&args);
        assert_eq!(out.code, Some(2), "eslab {args:?}: {out:?}");
        assert!(out.stdout.is_empty(), "eslab {args:?}: {out:?}");
        assert!(!out.stderr.is_empty(), "eslab {args:?}");
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    }
    let help = ok(["--help"]);
    assert!(help.contains("Usage: eslab"), "{help}");
    for command in [
        "run",
        "diff",
        "scenarios",
        "reports",
        "show",
        "check",
        "log",
        "verify",
        "replay",
    ] {
        assert!(help.contains(command), "{command} is not in --help");
    }
    assert!(ok(["--version"]).starts_with("eslab "));
}

#[test]
fn log_and_replay_need_a_stored_log() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    for args in [["log", "--db-dir", d], ["replay", "--db-dir", d]] {
        let stderr = input_error(args);
        assert!(stderr.contains("events.sqlite3"), "{stderr}");
    }
    assert_eq!(folder_snapshot(dir.path()).len(), 0, "nothing was created");
    let missing = dir.path().join("missing");
    let stderr = input_error(["log", "--db-dir", missing.to_str().unwrap()]);
    assert!(stderr.contains("missing"), "{stderr}");
    assert!(!missing.exists());
}

// ---------------------------------------------------------------------------------------
// Bugs once found in src/ and since fixed: each test keeps its bug from coming back.

/// Reading a stored log (`log`, `verify`, `replay`) leaves the folder byte for byte as it
/// was; `log` and `replay` once left events.sqlite3-wal and -shm behind.
#[test]
fn reading_the_log_leaves_the_folder_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    ok(["run", "bob", "--db-dir", d]);
    let before = folder_snapshot(dir.path());
    ok(["log", "--db-dir", d]);
    ok(["verify", "--db-dir", d]);
    ok(["replay", "--db-dir", d]);
    let after = folder_snapshot(dir.path());
    let names = |m: &std::collections::BTreeMap<std::path::PathBuf, Vec<u8>>| {
        m.keys().cloned().collect::<Vec<_>>()
    };
    assert_eq!(names(&after), names(&before));
    assert_eq!(after, before);
}

/// `--db-dir` naming a regular file is refused as such, and the file is left alone; it was
/// once said to hold a database (`crud.sqlite3 already exists`).
#[test]
fn a_db_dir_that_is_a_file_is_not_said_to_hold_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain.txt");
    std::fs::write(&file, "hello").unwrap();
    let stderr = input_error(["run", "bob", "--db-dir", file.to_str().unwrap()]);
    assert!(!stderr.contains("already exists"), "{stderr}");
    assert_eq!(std::fs::read(&file).unwrap(), b"hello");
}

/// Every line of the table fits `--width`, headings included, whatever the title.
#[test]
fn width_bounds_every_line_whatever_the_title() {
    let dir = tempfile::tempdir().unwrap();
    for title in ["T".repeat(60), "山田".repeat(30)] {
        let path = write_scenario(
            dir.path(),
            "title.json",
            &json!({"title": title, "steps": [{"query": {"order_id": "A1"}}]}),
        );
        for width in ["40", "80"] {
            let out = ok(["run", path.to_str().unwrap(), "--width", width]);
            let limit: usize = width.parse().unwrap();
            assert!(max_line_width(&out) <= limit, "--width {width}:\n{out}");
        }
    }
}

/// A wrapped heading is underlined as wide as its widest line looks on screen.
#[test]
fn a_wrapped_heading_is_underlined_to_its_display_width() {
    let dir = tempfile::tempdir().unwrap();
    // 60 double-width characters: 120 columns.
    let path = write_scenario(
        dir.path(),
        "title.json",
        &json!({"title": "山田".repeat(30), "steps": [{"query": {"order_id": "A1"}}]}),
    );
    for (width, lines) in [("40", 3), ("80", 2), ("120", 1)] {
        let out = ok(["run", path.to_str().unwrap(), "--width", width]);
        let heading: Vec<&str> = out.lines().take_while(|l| !l.starts_with('=')).collect();
        assert_eq!(heading.len(), lines, "--width {width}:\n{out}");
        assert_eq!(heading.concat(), "山田".repeat(30));
        let underline = out.lines().nth(lines).unwrap();
        let widest = heading.iter().map(|l| display_width(l)).max().unwrap();
        assert_eq!(underline, "=".repeat(widest), "--width {width}:\n{out}");
    }
}

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

// ---------------------------------------------------------------------------------------
// Shell completions and the man page

/// Every subcommand, as a user types it.
const SUBCOMMANDS: [&str; 13] = [
    "run",
    "diff",
    "scenarios",
    "reports",
    "show",
    "check",
    "log",
    "verify",
    "bench",
    "generate",
    "replay",
    "completions",
    "man",
];

#[test]
fn completions_offer_every_subcommand() {
    let bash = ok(["completions", "bash"]);
    assert!(bash.contains("complete -F _eslab"), "{bash}");
    for command in SUBCOMMANDS {
        assert!(
            bash.contains(&format!("eslab,{command})")),
            "bash completes no `{command}`"
        );
    }
    // Options and their values complete too.
    assert_contains_all(&bash, &["--db-dir", "--continue", "table json markdown"]);
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let script = ok(["completions", shell]);
        for command in SUBCOMMANDS {
            assert!(script.contains(command), "{shell} completes no `{command}`");
        }
    }
    let out = run(["completions", "tcsh"]);
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.contains("possible values: bash"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_man_page_is_roff_and_names_every_subcommand() {
    let page = ok(["man"]);
    // clap_mangen defines a quote string first (`.ie` / `.el`), then the title.
    let first_macro = page
        .lines()
        .find(|line| !line.starts_with(".ie ") && !line.starts_with(".el "))
        .unwrap();
    assert!(first_macro.starts_with(".TH eslab 1"), "{page}");
    assert_contains_all(&page, &[".SH NAME", ".SH SYNOPSIS", ".SH SUBCOMMANDS"]);
    for command in SUBCOMMANDS {
        assert!(
            page.contains(&format!("eslab\\-{command}(1)")),
            "the man page names no `{command}`"
        );
    }

    // --dir writes the pages eslab.1 refers to, one per subcommand.
    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("man1");
    ok(["man", "--dir", path_str(&pages)]);
    assert_eq!(
        std::fs::read_to_string(pages.join("eslab.1")).unwrap(),
        page
    );
    for command in SUBCOMMANDS {
        let sub = std::fs::read_to_string(pages.join(format!("eslab-{command}.1"))).unwrap();
        assert!(
            sub.contains(&format!(".TH eslab-{command} 1")),
            "eslab-{command}.1: {sub}"
        );
    }
    let run_page = std::fs::read_to_string(pages.join("eslab-run.1")).unwrap();
    assert_contains_all(&run_page, &["\\-\\-db\\-dir", "\\-\\-continue"]);
}
