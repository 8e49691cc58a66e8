//! Determinism (the same bytes every run) and one backend at a time.

use super::*;

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
