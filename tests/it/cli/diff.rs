//! `eslab diff`: what the two designs answered, side by side, and its exit codes.

use super::*;

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
