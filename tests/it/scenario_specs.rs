//! Scenarios are executable specs: every bundled scenario states its lesson as expectations,
//! and they hold under every flag that changes a design, unless the scenario says (`not_for`)
//! that it was not written for that flag.

use crate::common::*;
use eslab::{BUNDLED, DesignFlag, Scenario};
use serde_json::{Value, json};

/// Every choice that changes a design, with the arguments that make it.
const FLAGS: &[(Option<DesignFlag>, &[&str])] = &[
    (None, &[]),
    (Some(DesignFlag::CrudLocking), &["--crud-locking"]),
    (Some(DesignFlag::BackendCrud), &["--backend", "crud"]),
    (Some(DesignFlag::BackendEs), &["--backend", "es"]),
];

fn bundled(name: &str) -> Scenario {
    let (_, text) = BUNDLED.iter().find(|(n, _)| *n == name).unwrap();
    Scenario::from_json(name, text).unwrap()
}

#[test]
fn every_bundled_scenario_states_its_lesson_as_expectations() {
    for name in bundled_names() {
        let expected = bundled(name)
            .steps
            .iter()
            .filter(|s| s.expect.is_some())
            .count();
        assert!(expected > 0, "{name} expects nothing: say what it teaches");
    }
}

#[test]
fn every_bundled_scenario_holds_under_every_flag_it_is_meant_for() {
    for name in bundled_names() {
        let scenario = bundled(name);
        for (flag, flag_args) in FLAGS {
            let mut args = vec!["run", name, "--format", "json"];
            args.extend(*flag_args);
            let out = run(&args);
            let context = out.describe(&args);
            if let Some(reason) = flag.and_then(|f| scenario.not_for.get(&f)) {
                // Not meant for it: said so, and it still runs (its expectations may fail).
                assert!(matches!(out.code, Some(0 | 1)), "{context}");
                assert_contains_all(&out.stderr, &["was not written for", reason]);
                continue;
            }
            assert_eq!(out.code, Some(0), "{context}");
            assert_eq!(out.stderr, "", "{context}");
            let trace: Value = serde_json::from_slice(&out.stdout).expect("JSON");
            let expectations = &trace["summary"]["expectations"];
            assert_eq!(expectations["failures"], json!([]), "{context}");
            assert!(
                expectations["checked"].as_u64().unwrap() > 0,
                "nothing was checked\n{context}"
            );
        }
    }
}

/// Bob's lesson is the event ids the run shows: a log that numbered them otherwise fails the
/// spec, on event sourcing only (CRUD has no event ids).
#[test]
fn bobs_spec_holds_the_event_ids_to_2001_2002_2003() {
    let text = eslab::bundled("bob")
        .unwrap()
        .replace("\"first_event_id\": 2001", "\"first_event_id\": 3001");
    let (_dir, path) = file_with(&text);
    let out = run(["run", path_str(&path), "--format", "json"]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let trace: Value = serde_json::from_slice(&out.stdout).unwrap();
    let failures = trace["summary"]["expectations"]["failures"]
        .as_array()
        .unwrap();
    let seen: Vec<(u64, &str, &str, &str)> = failures
        .iter()
        .map(|f| {
            (
                f["step"].as_u64().unwrap(),
                f["backend"].as_str().unwrap(),
                f["field"].as_str().unwrap(),
                f["expected"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (1, "es", "event_id", "2001"),
            (2, "es", "event_id", "2002"),
            (3, "es", "event_id", "2003"),
        ]
    );
    // CRUD alone is not held to event ids.
    let out = run(["run", path_str(&path), "--backend", "crud"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
}

/// lost-update's lesson holds whether or not CRUD keeps a version: where a version is kept,
/// Bob's stale write leaves A1 at version 2.
#[test]
fn lost_update_holds_with_and_without_crud_locking() {
    for extra in [&[][..], &["--crud-locking"][..]] {
        let mut args = vec!["run", "lost-update", "--format", "json"];
        args.extend(extra);
        let trace = json(&args);
        let crud = results_of(&trace, "crud");
        let es = results_of(&trace, "es");
        assert_eq!(es[3]["outcome"], "rejected");
        let crud_rejects = !extra.is_empty();
        assert_eq!(
            crud[3]["outcome"],
            if crud_rejects { "rejected" } else { "applied" }
        );
        assert_eq!(trace["summary"]["expectations"]["failures"], json!([]));
    }
}

/// A scenario not meant for a flag warns when run with it, naming itself and the reason, and
/// only then.
#[test]
fn a_scenario_not_meant_for_a_flag_warns_when_run_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_scenario(
        dir.path(),
        "row-only.json",
        &json!({
            "title": "t",
            "not_for": {"crud-locking": "it shows CRUD with no version column",
                        "backend-es": "it compares the two designs"},
            "steps": [place_order("A1", "Bob", 5, 10)]
        }),
    );
    let file = path_str(&path);
    let warned = |args: &[&str]| {
        let out = run(args);
        assert_eq!(out.code, Some(0), "{}", out.describe(args));
        out.stderr
    };
    assert_eq!(warned(&["run", file]), "");
    assert_eq!(warned(&["run", file, "--backend", "crud"]), "");
    // CRUD is not run: its locking changes nothing.
    assert_eq!(
        warned(&["run", file, "--backend", "es", "--crud-locking"])
            .lines()
            .count(),
        1
    );
    for args in [
        &["run", file, "--crud-locking"][..],
        &["diff", file, "--crud-locking"][..],
    ] {
        assert_eq!(
            warned(args),
            format!(
                "eslab: warning: {file} was not written for --crud-locking: it shows CRUD with no version column\n"
            )
        );
    }
    assert_eq!(
        warned(&["run", file, "--backend", "es"]),
        format!(
            "eslab: warning: {file} was not written for --backend es: it compares the two designs\n"
        )
    );
}
