//! Anything `eslab generate` writes, eslab runs: scenarios read as a stream, runs written as
//! they go, histories spilled, long tables chunked — and errors deep in a large file still
//! named precisely. Nothing here is timed: `eslab bench` measures speed and memory.

use std::io::{BufReader, Read};
use std::path::Path;

use crate::common::library::run_both_designs;
use crate::common::*;
use eslab::Backend;
use eslab::HistorySpill;
use eslab::StorageOptions;
use eslab::{BUNDLED, Scenario};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Writes `eslab generate ARGS` into `path`.
fn generate(path: &Path, args: &[&str]) {
    let mut all = vec!["generate"];
    all.extend(args);
    let out = run(&all);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    std::fs::write(path, &out.stdout).unwrap();
}

/// Whether a file holds exactly one well-formed JSON document, read as a stream.
fn is_one_json_document(path: &Path) -> bool {
    let file = BufReader::new(std::fs::File::open(path).unwrap());
    let mut documents =
        serde_json::Deserializer::from_reader(file).into_iter::<serde::de::IgnoredAny>();
    matches!(documents.next(), Some(Ok(_))) && documents.next().is_none()
}

/// Runs `eslab ARGS > out` and returns the exit code and stderr.
fn run_to_file(args: &[&str], out: &Path) -> (Option<i32>, String) {
    let file = std::fs::File::create(out).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_eslab"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(file)
        .output()
        .expect("eslab starts");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn sha256_of(path: &Path) -> String {
    let mut hasher = Sha256::new();
    let mut file = std::fs::File::open(path).unwrap();
    let mut buffer = vec![0; 1 << 16];
    loop {
        let n = file.read(&mut buffer).unwrap();
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    hex::encode(hasher.finalize())
}

/// The last `n` lines of a file.
fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// 21,000 steps: past the point where a run keeps its databases in scratch files and prints
/// its table in chunks.
#[test]
fn a_generated_workload_runs_diffs_and_checks_as_a_stream() {
    generated_workload_end_to_end(2100);
}

/// The bench's own default workload, 200,000 steps (22 MB), which eslab once refused.
#[test]
#[ignore = "200,000 steps, run three times: minutes in a debug build; `cargo test --release --test scale -- --ignored`"]
fn the_bench_workload_runs_diffs_and_checks_as_a_stream() {
    generated_workload_end_to_end(20_000);
}

/// Revenue past what an SQLite integer holds, reached through commands: 92,234 orders of the
/// largest total, each paid. CRUD's `sum` failed with "integer overflow" (exit 2, the JSON
/// cut off) where event sourcing answered; both now say they cannot, in a whole document.
/// tests/hostile_input.rs checks the same rule at the boundary in a moment.
#[test]
#[ignore = "184,469 steps: a minute and a half in a debug build; `cargo test --release --test scale -- --ignored`"]
fn revenue_past_an_sqlite_integer_is_refused_alike_through_commands() {
    let orders = 92_234;
    let mut steps = Vec::with_capacity(2 * orders + 1);
    for i in 1..=orders {
        let id = format!("A{i}");
        steps.push(place_order(&id, "Bob", 1_000_000, "1000000"));
        steps.push(serde_json::json!({"pay": {"order_id": id, "amount": "1000000000000"}}));
    }
    steps.push(serde_json::json!({"report": {"name": "revenue-per-customer"}}));
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(
        dir.path(),
        "rich.json",
        &serde_json::json!({"title": "rich", "steps": steps}),
    );
    let run = json(["run", path_str(&scenario), "--format", "json"]);
    let last = run["steps"].as_array().unwrap().last().unwrap().clone();
    for result in last["results"].as_array().unwrap() {
        assert_eq!(result["outcome"], "unavailable", "{result}");
        assert_eq!(result["why"], "sum_too_large", "{result}");
    }
}

/// Past 20,000 steps a run without `--db-dir` keeps its databases in scratch files, in one
/// standing transaction with each command a savepoint: the lessons that change the schema
/// (an `ALTER TABLE`, a deploy) or rebuild OrderView from the log run there exactly as in
/// files where each command commits. Each is run padded with 21,000 generated
/// steps after its own, both ways, and gives the same bytes.
#[test]
fn lessons_in_a_long_run_give_the_same_bytes_in_scratch_files_as_in_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let filler = dir.path().join("filler.json");
    generate(
        &filler,
        &["--orders", "2100", "--changes", "8", "--seed", "5"],
    );
    let filler: Value = serde_json::from_slice(&std::fs::read(&filler).unwrap()).unwrap();
    for name in ["schema-evolution", "crash-and-rebuild"] {
        let (_, text) = BUNDLED.iter().find(|(n, _)| *n == name).unwrap();
        let mut scenario: Value = serde_json::from_str(text).unwrap();
        let steps = scenario["steps"].as_array_mut().unwrap();
        steps.extend(filler["steps"].as_array().unwrap().iter().cloned());
        let path = write_scenario(dir.path(), &format!("{name}.json"), &scenario);
        let in_folder = dir.path().join(format!("{name}.folder.json"));
        let db = dir.path().join(format!("db-{name}"));
        let args = ["run", path_str(&path), "--format", "json"];
        let (code, stderr) = run_to_file(
            &[&args[..], &["--db-dir", path_str(&db)]].concat(),
            &in_folder,
        );
        assert_eq!(code, Some(0), "{name}: {stderr}");
        let in_scratch = dir.path().join(format!("{name}.scratch.json"));
        let (code, stderr) = run_to_file(&args, &in_scratch);
        assert_eq!(code, Some(0), "{name}: {stderr}");
        assert!(is_one_json_document(&in_scratch), "{name}");
        assert_eq!(sha256_of(&in_folder), sha256_of(&in_scratch), "{name}");
    }
}

/// `orders` orders changed 8 times: run, diffed and checked; the final states of both
/// designs equal a replay of the log; the JSON is one document and the same bytes twice.
fn generated_workload_end_to_end(orders: u64) {
    let steps = orders * 10;
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("big.json");
    generate(
        &scenario,
        &["--orders", &orders.to_string(), "--changes", "8"],
    );
    let scenario = path_str(&scenario);

    let check = ok(["check", scenario]);
    assert!(check.contains(&format!("({steps} steps)")), "{check}");

    let db = dir.path().join("db");
    let first = dir.path().join("first.json");
    let (code, stderr) = run_to_file(
        &[
            "run",
            scenario,
            "--format",
            "json",
            "--db-dir",
            path_str(&db),
        ],
        &first,
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(is_one_json_document(&first));
    assert!(
        tail(&first, 6).contains(&format!(
            "Storage: CRUD keeps {orders} rows; ES keeps {steps} events."
        )),
        "{}",
        tail(&first, 6)
    );

    // The same run again, in scratch files this time: the same bytes.
    let second = dir.path().join("second.json");
    let (code, stderr) = run_to_file(&["run", scenario, "--format", "json"], &second);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(sha256_of(&first), sha256_of(&second));

    // What CRUD's rows hold is what replaying the log gives.
    let replay = json(["replay", "--db-dir", path_str(&db), "--format", "json"]);
    let replayed = replay["orders"].as_array().unwrap();
    assert_eq!(replayed.len() as u64, orders);
    let conn = rusqlite::Connection::open(db.join("crud.sqlite3")).unwrap();
    let mut select = conn
        .prepare("SELECT quantity, total_cents, paid_cents, status FROM orders WHERE order_id = ?1")
        .unwrap();
    for order in replayed {
        let id = order["order_id"].as_str().unwrap();
        let (quantity, total, paid, status): (i64, i64, i64, String) = select
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap();
        assert_eq!(order["quantity"], quantity, "{id}");
        assert_eq!(order["total"], Value::from(dollars(total as u64)), "{id}");
        assert_eq!(order["paid"], Value::from(dollars(paid as u64)), "{id}");
        assert_eq!(order["status"], status.as_str(), "{id}");
    }

    let diff = run(["diff", scenario]);
    assert_eq!(diff.code, Some(0), "{}", diff.stderr);
    assert!(diff.stdout_text().starts_with("identical:"));
}

/// The table of a long run is printed a chunk at a time and says what it leaves out.
#[test]
fn a_long_table_says_what_it_leaves_out() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("long.json");
    generate(&scenario, &["--orders", "150", "--changes", "8"]);
    let table = ok(["run", path_str(&scenario), "--width", "100"]);
    assert!(table.contains("This run has 1500 steps"), "{table}");
    assert!(
        table.contains("1500. pay O0000149"),
        "the last step is printed"
    );
    assert!(
        table.contains("… and 130 more orders, left out here: `eslab run … --format json` has every state of every order."),
        "{table}"
    );
    assert!(
        table
            .trim_end()
            .ends_with("Queries: none that both designs could answer.")
    );
}

/// A file too big to read whole (more than 16 MiB) with one bad value near its end: refused
/// with the file, line, column and step, before anything runs.
#[test]
fn a_bad_step_deep_in_a_large_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("large.json");
    generate(&path, &["--orders", "16000", "--changes", "8"]);
    let mut text = std::fs::read_to_string(&path).unwrap();
    assert!(text.len() as u64 > eslab::STREAM_ABOVE_BYTES);
    // The last change of quantity in the file, two rounds from the end.
    let at = text.rfind("\"quantity\": ").unwrap();
    let end = at + text[at..].find('\n').unwrap();
    text.replace_range(at..end, "\"quantity\": \"many\"");
    std::fs::write(&path, &text).unwrap();
    let line = text[..at].matches('\n').count() + 1;
    // serde_json points at the value's last character, its closing quote.
    let column = at - text[..at].rfind('\n').unwrap() + "\"quantity\": \"many\"".len() - 1;
    let step = text[..at].matches("\n    {").count();

    let db = dir.path().join("db");
    let stderr = input_error(["run", path_str(&path), "--db-dir", path_str(&db)]);
    assert!(
        stderr.contains(&format!("large.json:{line}:{column}: step {step}:")),
        "line {line}, column {column}, step {step}: {stderr}"
    );
    assert!(!db.exists(), "nothing may be created for a refused file");
    let check = run(["check", path_str(&path)]);
    assert_eq!(check.code, Some(2));
}

/// Deep nesting in a streamed file is refused as bad input, not a stack overflow.
#[test]
fn deep_nesting_in_a_large_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deep.json");
    let padding = " ".repeat(17 * 1024 * 1024);
    let text = format!(
        "{{\"title\": \"t\",{padding} \"steps\": [{{\"query\": {}}}]}}",
        "[".repeat(100_000)
    );
    std::fs::write(&path, text).unwrap();
    let stderr = input_error(["check", path_str(&path)]);
    assert!(stderr.contains("deep.json:1:"), "{stderr}");
}

/// The spill gives back exactly the histories a run held in memory.
#[test]
fn spilled_histories_are_the_histories() {
    for (name, text) in BUNDLED {
        let scenario = Scenario::from_json(name, text).unwrap();
        let (trace, _services) =
            run_both_designs(name, scenario, &StorageOptions::default()).unwrap();
        let mut spill = HistorySpill::new().unwrap();
        for step in &trace.steps {
            spill.add(step, &trace.backends).unwrap();
        }
        let held = serde_json::to_value(trace.histories()).unwrap();
        for (index, backend) in [Backend::Crud, Backend::Es].into_iter().enumerate() {
            let mut orders = Vec::new();
            let mut expected = Vec::new();
            let count = spill
                .for_each_order(backend, None, |history| {
                    expected.push(serde_json::to_string(&history)?);
                    orders.push(serde_json::to_value(history)?);
                    Ok(())
                })
                .unwrap();
            assert_eq!(count, orders.len(), "{name}");
            // The JSON written from the spilled states' own JSON is that of the same histories.
            let mut written = Vec::new();
            let count = spill
                .for_each_order_json(backend, |json| {
                    written.push(String::from_utf8(json.to_vec())?);
                    Ok(())
                })
                .unwrap();
            assert_eq!(count, orders.len(), "{name}");
            assert_eq!(written, expected, "{name} {backend:?}");
            assert_eq!(
                Value::Array(orders),
                held[index]["orders"],
                "{name} {backend:?}"
            );
        }
    }
}

/// The outputs that keep every step (or event) until they are written are refused past
/// `render::MAX_HELD`, by one rule, before anything runs, naming what streams: a Mermaid
/// diagram, a page (`run` and `diff`), a live session, a log's table. The log's JSON is
/// written as it is read, so it takes any length. (`eslab bench` and docs/costs.md say the
/// memory this saves.)
#[test]
fn outputs_that_hold_every_step_are_refused_past_one_limit_and_name_what_streams() {
    use eslab::MAX_HELD;
    let orders = MAX_HELD / 10 + 1;
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("long.json");
    generate(
        &scenario,
        &["--orders", &orders.to_string(), "--changes", "8"],
    );
    let scenario = path_str(&scenario);
    let steps = orders * 10;
    let db = dir.path().join("db");
    let refusals: [(Vec<&str>, &str, &str); 4] = [
        (
            vec![
                "run",
                scenario,
                "--format",
                "mermaid",
                "--db-dir",
                path_str(&db),
            ],
            "--format mermaid",
            "--format json, table or markdown writes any number",
        ),
        (
            vec!["run", scenario, "--format", "html"],
            "--format html",
            "--format json, table or markdown writes any number",
        ),
        (
            vec!["diff", scenario, "--format", "html"],
            "`eslab diff --format html`",
            "--format table, markdown or json keeps only the steps where the designs differ",
        ),
        (
            vec!["live", scenario],
            "`eslab live`",
            "`eslab run` writes any number",
        ),
    ];
    for (args, output, instead) in refusals {
        let out = run(&args);
        assert_eq!(out.code, Some(2), "{}", out.describe(&args));
        assert!(out.stdout.is_empty(), "{args:?}");
        assert_eq!(
            out.stderr,
            format!(
                "eslab: error: {output} keeps all its steps in memory, and this has {steps}, more than the {MAX_HELD} it takes: {instead}{}\n",
                if instead.ends_with("any number") {
                    " as they run"
                } else {
                    ""
                }
            ),
            "{args:?}"
        );
    }
    assert!(!db.exists(), "nothing was created before the refusal");

    // `eslab diff` keeps only the steps where the designs differ: past the same limit of
    // those (each history here, which CRUD cannot answer), it is refused alike.
    let mut gaps = vec![place_order("A1", "Bob", 1, 1)];
    gaps.extend(std::iter::repeat_n(
        serde_json::json!({"history": {"order_id": "A1"}}),
        MAX_HELD + 1,
    ));
    let gaps = write_scenario(
        dir.path(),
        "gaps.json",
        &serde_json::json!({"title": "gaps", "steps": gaps}),
    );
    let out = run(["diff", path_str(&gaps)]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert_eq!(
        out.stderr,
        format!(
            "eslab: error: `eslab diff` keeps all its differing steps in memory, and this has {}, more than the {MAX_HELD} it takes: `eslab run --format json` writes every step, each design's answer side by side, as it runs\n",
            MAX_HELD + 1
        )
    );

    // A log of more events than that: its JSON streams, its table is refused alike.
    let out = run_to_file(
        &[
            "run",
            scenario,
            "--db-dir",
            path_str(&db),
            "--format",
            "json",
        ],
        &dir.path().join("run.json"),
    );
    assert_eq!(out.0, Some(0), "{}", out.1);
    let log = json(["log", "--db-dir", path_str(&db), "--format", "json"]);
    let events = log["events"].as_array().unwrap().len();
    assert!(events > MAX_HELD, "{events}");
    let table = run(["log", "--db-dir", path_str(&db)]);
    assert_eq!(table.code, Some(2));
    assert_eq!(
        table.stderr,
        format!(
            "eslab: error: a log's table keeps all its events in memory, and this has {events}, more than the {MAX_HELD} it takes: `eslab log --format json` writes any number as it reads them\n"
        )
    );
}
