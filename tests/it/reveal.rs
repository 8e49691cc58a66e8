//! Ask, then reveal: what a room sees before a step's outcome never gives it away, and an
//! exercise can be handed out without its answers.

use serde_json::Value;

use crate::common::{bundled_names, json, ok, run};

/// `eslab show NAME --handout` is the scenario without its answers: every step keeps its
/// command, who and when, and its question, and loses its note and what it expects. It reads
/// back (`eslab check`), and run, each design does exactly what it does in the bundled
/// scenario, step for step.
#[test]
fn a_handout_keeps_every_command_and_question_and_no_answer() {
    let folder = tempfile::tempdir().unwrap();
    for name in bundled_names() {
        let handout = ok(["show", name, "--handout"]);
        let written: Value = serde_json::from_str(&handout).expect(&handout);
        let bundled: Value = serde_json::from_str(&ok(["show", name])).unwrap();
        assert_eq!(written["title"], bundled["title"], "{name}");
        let (steps, given) = (
            written["steps"].as_array().unwrap(),
            bundled["steps"].as_array().unwrap(),
        );
        assert_eq!(steps.len(), given.len(), "{name}");
        for (step, was) in steps.iter().zip(given) {
            assert!(
                step.get("expect").is_none() && step.get("note").is_none(),
                "{name}: an answer is handed out: {step}"
            );
            assert_eq!(step.get("question"), was.get("question"), "{name}");
            assert_eq!(step.get("by"), was.get("by"), "{name}");
            assert_eq!(step.get("at"), was.get("at"), "{name}");
        }
        let path = folder.path().join(format!("{name}.json"));
        std::fs::write(&path, &handout).unwrap();
        let path = path.to_str().unwrap();
        assert!(ok(["check", path]).starts_with("ok: "), "{name}");
        let (ran, original) = (
            json(["run", path, "--format", "json"]),
            json(["run", name, "--format", "json"]),
        );
        for (step, was) in ran["steps"]
            .as_array()
            .unwrap()
            .iter()
            .zip(original["steps"].as_array().unwrap())
        {
            assert_eq!(
                step["results"], was["results"],
                "{name}, step {}",
                was["step"]
            );
            assert_eq!(step["question"], was["question"], "{name}");
        }
    }
    // A file can be handed out too, and a name that is neither says so.
    let path = folder.path().join("exercise.json");
    let again = ok(["show", path.to_str().unwrap(), "--handout"]);
    assert_eq!(again, ok(["show", "exercise", "--handout"]));
    let missing = run(["show", "no-such-scenario", "--handout"]);
    assert_eq!(missing.code, Some(2), "{}", missing.stderr);
    assert!(
        missing.stderr.contains("no-such-scenario"),
        "{}",
        missing.stderr
    );
}

/// Phrases that say how a step came out.
const OUTCOMES: &[&str] = &[
    "rejected",
    "rejects",
    "refused",
    "refuses",
    "accepted",
    "accepts",
    "overwrit",
    "upcast",
    "backfill",
    "is gone",
    "cannot answer",
    "can't answer",
];

/// The sentences of a text, each with its end mark (`.`, `;`, `?`, `!`).
fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut sentence = String::new();
    for c in text.chars() {
        sentence.push(c);
        if matches!(c, '.' | ';' | '?' | '!') {
            out.push(std::mem::take(&mut sentence).trim().to_string());
        }
    }
    if !sentence.trim().is_empty() {
        out.push(sentence.trim().to_string());
    }
    out
}

/// Whether a sentence names a design: CRUD, or event sourcing.
fn names_a_design(sentence: &str) -> bool {
    sentence
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| w == "CRUD")
        || sentence.to_lowercase().contains("event sourcing")
}

/// What a room sees before a step's outcome, for every bundled scenario — the title and
/// description (before the first step), and each step's question — gives no outcome away, by
/// the checks words allow: no phrase of an outcome (`rejected`, `overwritten`, `cannot
/// answer`, …); no sentence that names a design and is not a question; no event id the step
/// or a later one appends; no words of the step's own rejection.
#[test]
fn nothing_shown_before_a_reveal_gives_its_outcome_away() {
    let mut checked = 0;
    for name in bundled_names() {
        let trace = json(["run", name, "--format", "json"]);
        let scenario = &trace["scenario"];
        let mut asked: Vec<(String, usize)> = Vec::new();
        for field in ["title", "description"] {
            if let Some(text) = scenario[field].as_str() {
                asked.push((text.to_string(), 1));
            }
        }
        let steps = trace["steps"].as_array().unwrap();
        for step in steps {
            if let Some(question) = step["question"].as_str() {
                asked.push((
                    question.to_string(),
                    step["step"].as_u64().unwrap() as usize,
                ));
            }
        }
        for (text, from) in &asked {
            let lower = text.to_lowercase();
            for phrase in OUTCOMES {
                assert!(
                    !lower.contains(phrase),
                    "{name}: {text:?}, shown before step {from}, says {phrase:?}"
                );
            }
            for sentence in sentences(text) {
                assert!(
                    !names_a_design(&sentence) || sentence.ends_with('?'),
                    "{name}: {sentence:?}, shown before step {from}, says what a design does"
                );
            }
            for step in &steps[from - 1..] {
                for result in step["results"].as_array().unwrap() {
                    let appended = result["storage"]["append"]["events"].as_array();
                    for event in appended.into_iter().flatten() {
                        let id = event["event_id"].as_u64().unwrap();
                        assert!(
                            !text.contains(&id.to_string()),
                            "{name}: {text:?}, shown before step {from}, names #{id}, which step {} appends",
                            step["step"]
                        );
                    }
                }
            }
            let own = &steps[from - 1];
            for result in own["results"].as_array().unwrap() {
                if let Some(reason) = result["reason"].as_str() {
                    let words: Vec<&str> = reason.split_whitespace().collect();
                    for window in words.windows(3) {
                        let phrase = window.join(" ");
                        assert!(
                            !text.contains(&phrase),
                            "{name}: {text:?} gives away step {from}'s rejection ({reason})"
                        );
                    }
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 60, "only {checked} texts were checked");
}

/// The columns of the CRUD table a page shows, from the data it embeds.
fn page_crud_columns(name: &str) -> Vec<String> {
    let page = ok(["run", name, "--format", "html"]);
    let start = page.find("\"crud_columns\":").expect(name) + "\"crud_columns\":".len();
    let mut stream = serde_json::Deserializer::from_str(&page[start..]).into_iter::<Vec<String>>();
    stream.next().expect(name).expect(name)
}

/// The page's CRUD table shows who and when (`updated_by`, `updated_at`) where the scenario
/// teaches them, and a column a migration added wherever one is: on a projected pane, two
/// timestamp columns nobody asked about would push `change_reason` out of sight.
#[test]
fn the_page_shows_who_and_when_only_where_the_scenario_teaches_it() {
    let audit = page_crud_columns("audit");
    assert!(
        audit.ends_with(&["updated_by".into(), "updated_at".into()]),
        "{audit:?}"
    );
    for name in ["bob", "lost-update", "schema-evolution"] {
        let columns = page_crud_columns(name);
        assert!(
            !columns.iter().any(|c| c.starts_with("updated_")),
            "{name}: {columns:?}"
        );
    }
    let evolved = page_crud_columns("schema-evolution");
    assert_eq!(evolved.last().map(String::as_str), Some("change_reason"));
}

/// `eslab diff` reads a step as `run` does: what it asks, the designs' answers, then its note
/// and verdict in the last column.
#[test]
fn the_diff_table_tells_a_steps_verdict_after_its_answers() {
    let diff = run(["diff", "lost-update", "--format", "markdown"]);
    assert_eq!(diff.code, Some(1), "{}", diff.stderr);
    let text = diff.stdout_text();
    let header = text.lines().find(|l| l.starts_with("| #")).expect(&text);
    assert!(
        header
            .trim_end_matches([' ', '|'])
            .ends_with("Note and verdict"),
        "{header}"
    );
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("| 5 ")).collect();
    assert_eq!(rows.len(), 1, "{text}");
    let cells: Vec<&str> = rows[0].split(" | ").collect();
    assert!(
        cells.last().unwrap().contains("expect: version 2"),
        "{}",
        rows[0]
    );
    assert!(
        !cells[..cells.len() - 1].join(" ").contains("expect:"),
        "{}",
        rows[0]
    );
}
