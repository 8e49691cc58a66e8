//! The JSON contract: every output mirrored strictly by `common::shape`.

use super::*;

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
