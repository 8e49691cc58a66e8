//! Helpers shared by the end-to-end tests: running the binary, reading its output, the
//! documented JSON shapes (strict), scenario files and folder snapshots. Reading the
//! databases is in `db`; running scenarios in process, and the property tests' settings, in
//! `library`; the property tests' random steps in `ops`; a throwaway PostgreSQL server and
//! rooms on it, in `pg`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::cargo::cargo_bin_cmd;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tempfile::TempDir;

pub mod db;
pub mod library;
pub mod ops;
pub mod pg;
pub mod tmux;

/// The bundled scenarios' names, from the library.
pub fn bundled_names() -> Vec<&'static str> {
    eslab::BUNDLED.iter().map(|(name, _)| *name).collect()
}

/// Starts `command`, a tool outside this crate that a test needs. A missing tool fails the
/// test, naming it and its package, rather than letting it pass having checked nothing;
/// `.ci/run` installs both (`sqlite3`, and `script` from bsdutils or util-linux).
pub fn spawn_tool(command: &mut std::process::Command) -> std::process::Child {
    let tool = command.get_program().to_string_lossy().into_owned();
    command.spawn().unwrap_or_else(|e| {
        let install = if tool == "script" {
            "`apt-get install -y bsdutils` on Debian 12, `util-linux` from Debian 13".to_string()
        } else {
            format!("`apt-get install -y {tool}` on Debian")
        };
        panic!(
            "cannot run `{tool}` ({e}): this test needs it. Install it ({install}); `.ci/run` \
             does so when it is missing"
        )
    })
}

/// The crate root: where `scenarios/` lives.
pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The environment a test runs the binary in. The test files were written against different
/// ones; each keeps its own by naming it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Env {
    /// From the crate root, without COLUMNS, LINES, RUST_BACKTRACE or RUST_LIB_BACKTRACE:
    /// nothing in the environment can change the output.
    Clean,
    /// The test's own folder and environment, less RUST_BACKTRACE.
    NoBacktrace,
    /// The test's own folder and environment, untouched.
    Inherited,
}

/// The binary, ready to be given arguments, in `env`.
pub fn eslab_in(env: Env) -> assert_cmd::Command {
    let mut cmd = cargo_bin_cmd!("eslab");
    match env {
        Env::Clean => {
            cmd.current_dir(manifest_dir())
                .env_remove("COLUMNS")
                .env_remove("LINES")
                .env_remove("RUST_BACKTRACE")
                .env_remove("RUST_LIB_BACKTRACE")
                .env_remove("ESLAB_STORE")
                .env_remove("ESLAB_ROOM");
        }
        Env::NoBacktrace => {
            cmd.env_remove("RUST_BACKTRACE");
        }
        Env::Inherited => {}
    }
    cmd
}

/// The binary, started from the crate root with nothing in the environment that could
/// change its output.
pub fn eslab() -> assert_cmd::Command {
    eslab_in(Env::Clean)
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Output {
    /// `None` when killed by a signal.
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl From<std::process::Output> for Output {
    fn from(out: std::process::Output) -> Output {
        Output {
            code: out.status.code(),
            stdout: out.stdout,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Output {
    pub fn stdout_text(&self) -> String {
        String::from_utf8(self.stdout.clone()).expect("stdout is UTF-8")
    }

    /// The command, its exit and its stderr (stdout left out: it may be long), for a failed
    /// assertion's message.
    pub fn describe(&self, args: &[&str]) -> String {
        format!(
            "eslab {}\nexit: {:?}\n--- stderr ---\n{}",
            args.join(" "),
            self.code,
            self.stderr
        )
    }
}

/// Runs `eslab ARGS` in `env` and captures everything, whatever the exit code.
pub fn run_in<I, S>(env: Env, args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    eslab_in(env)
        .args(args)
        .output()
        .expect("eslab starts")
        .into()
}

/// Runs `eslab ARGS` from the crate root in a clean environment and captures everything,
/// whatever the exit code.
pub fn run<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    run_in(Env::Clean, args)
}

/// Runs `eslab ARGS` in `env`, which must exit 0 (whatever it says on stderr), and parses
/// stdout as JSON.
#[track_caller]
pub fn run_json_in(env: Env, args: &[&str]) -> Value {
    let out = run_in(env, args);
    assert_eq!(out.code, Some(0), "{}", out.describe(args));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("stdout is not JSON: {e}"))
}

/// Runs `eslab generate OPTIONS` in `env`, which must succeed, and writes the scenario it
/// prints to `path`.
pub fn write_generated(env: Env, path: &Path, options: &[&str]) {
    let generated = run_in(env, ["generate"].iter().chain(options));
    assert_eq!(generated.code, Some(0), "{}", generated.stderr);
    std::fs::write(path, &generated.stdout).unwrap();
}

fn describe_with_stdout(args: &[String], out: &Output) -> String {
    format!(
        "eslab {}\nexit: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        args.join(" "),
        out.code,
        String::from_utf8_lossy(&out.stdout),
        out.stderr
    )
}

fn strings<I, S>(args: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    args.into_iter()
        .map(|a| a.as_ref().to_string_lossy().into_owned())
        .collect()
}

/// Runs `eslab ARGS`, which must succeed quietly, and returns stdout.
pub fn ok<I, S>(args: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let args = strings(args);
    let out = run(&args);
    assert_eq!(out.code, Some(0), "{}", describe_with_stdout(&args, &out));
    assert_eq!(out.stderr, "", "{}", describe_with_stdout(&args, &out));
    out.stdout_text()
}

/// Runs `eslab ARGS`, which must succeed, and parses stdout as JSON.
pub fn json<I, S>(args: I) -> Value
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let text = ok(args);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("stdout is not JSON: {e}\n{text}"))
}

/// Runs `eslab ARGS`, which must fail as bad input does: exit 2, nothing on stdout, one
/// message on stderr that starts `eslab: ` and is not a panic. Returns stderr.
pub fn input_error<I, S>(args: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let args = strings(args);
    let out = run(&args);
    let context = describe_with_stdout(&args, &out);
    assert_eq!(out.code, Some(2), "{context}");
    assert!(out.stdout.is_empty(), "stdout must be empty\n{context}");
    assert!(out.stderr.starts_with("eslab: "), "{context}");
    assert!(!out.stderr.contains("panicked"), "{context}");
    assert!(!out.stderr.contains("RUST_BACKTRACE"), "{context}");
    out.stderr
}

/// Everything a design's result in a run's JSON says, as the table words it: its narration
/// (storage, then answer), one line each, free of the table's wrapping.
pub fn said(result: &Value) -> String {
    let mut lines = Vec::new();
    for part in ["storage", "answer"] {
        for line in result["narration"][part]
            .as_array()
            .unwrap_or_else(|| panic!("no narration in {result}"))
        {
            lines.push(line["text"].as_str().expect("a line's text").to_string());
        }
    }
    lines.join("\n")
}

/// Asserts that `haystack` contains every needle, showing the haystack when not.
#[track_caller]
pub fn assert_contains_all(haystack: &str, needles: &[&str]) {
    for needle in needles {
        assert!(
            haystack.contains(needle),
            "expected {needle:?} in:\n{haystack}"
        );
    }
}

/// Columns a line takes on a terminal: wide (East Asian) characters take two, combining
/// marks none, everything else one. Enough for the text eslab prints.
pub fn display_width(line: &str) -> usize {
    line.chars()
        .map(|c| {
            let c = c as u32;
            let combining = matches!(c, 0x0300..=0x036F | 0x200B..=0x200F | 0xFE00..=0xFE0F);
            let wide = matches!(c,
                0x1100..=0x115F
                | 0x2E80..=0x303E
                | 0x3041..=0x33FF
                | 0x3400..=0x4DBF
                | 0x4E00..=0x9FFF
                | 0xA000..=0xA4CF
                | 0xAC00..=0xD7A3
                | 0xF900..=0xFAFF
                | 0xFE30..=0xFE4F
                | 0xFF00..=0xFF60
                | 0xFFE0..=0xFFE6
                | 0x1F300..=0x1F64F
                | 0x1F900..=0x1F9FF
                | 0x20000..=0x3FFFD);
            if combining {
                0
            } else if wide {
                2
            } else {
                1
            }
        })
        .sum()
}

/// The widest line of a text, in terminal columns.
pub fn max_line_width(text: &str) -> usize {
    text.lines().map(display_width).max().unwrap_or(0)
}

/// A path as the `&str` an argument list wants.
pub fn path_str(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

/// Writes any JSON value, pretty-printed, to `path`.
pub fn write_json(path: &Path, value: &Value) {
    std::fs::write(path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
}

/// Writes a scenario (any JSON value) to `dir/name` and returns its path.
pub fn write_scenario(dir: &Path, name: &str, scenario: &Value) -> PathBuf {
    let path = dir.join(name);
    write_json(&path, scenario);
    path
}

/// A scenario file (`scenario.json`) with this text in a fresh folder. Keep the folder alive
/// while using the path.
pub fn file_with(text: impl AsRef<[u8]>) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scenario.json");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

/// A `place_order` step of a Book.
pub fn place_order(
    order_id: &str,
    customer: &str,
    quantity: impl Serialize,
    unit_price: impl Serialize,
) -> Value {
    json!({"place_order": {"order_id": order_id, "customer": customer, "product": "Book",
                           "quantity": quantity, "unit_price": unit_price}})
}

/// Cents as the dollars a scenario writes: 1099 → `"10.99"`.
pub fn dollars(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// Every file under a folder, with its bytes: to show a command left a folder as it was.
pub fn folder_snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path.clone());
                files.insert(path.strip_prefix(dir).unwrap().to_path_buf(), Vec::new());
            } else {
                let bytes = std::fs::read(&path).unwrap();
                files.insert(path.strip_prefix(dir).unwrap().to_path_buf(), bytes);
            }
        }
    }
    files
}

/// The steps' results of one backend, in step order (`"crud"` or `"es"`).
pub fn results_of<'a>(run: &'a Value, backend: &str) -> Vec<&'a Value> {
    run["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|step| {
            step["results"]
                .as_array()
                .expect("results")
                .iter()
                .find(|r| r["backend"] == backend)
                .unwrap_or_else(|| panic!("no {backend} result in {step}"))
        })
        .collect()
}

/// Each item's `field`, a whole number, of a JSON list: the steps of a diff's differences, the
/// event ids of a log.
pub fn field_u64s(list: &Value, field: &str) -> Vec<u64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| item[field].as_u64().unwrap())
        .collect()
}

/// A state without its `version`, which only event sourcing keeps.
pub fn without_version(state: &Value) -> Value {
    let mut state = state.clone();
    if let Some(object) = state.as_object_mut() {
        object.remove("version");
    }
    state
}

/// The event ids a run's ES side appended, in order.
pub fn appended_event_ids(run: &Value) -> Vec<u64> {
    results_of(run, "es")
        .into_iter()
        .filter_map(|r| r["storage"]["append"]["events"].as_array())
        .flatten()
        .map(|e| e["event_id"].as_u64().expect("event_id"))
        .collect()
}

/// The steps where both designs stored a cancel and CRUD dropped its reason, which its row has
/// no column for: the gaps a run of commands and present-tense queries has. Checks on the way
/// that CRUD says exactly that, with the reason it dropped.
#[track_caller]
pub fn cancels_crud_kept_short(run: &Value) -> Vec<u64> {
    let steps = run["steps"].as_array().expect("steps");
    steps
        .iter()
        .zip(results_of(run, "crud"))
        .zip(results_of(run, "es"))
        .filter(|((step, crud), _)| {
            step["action"].get("cancel").is_some() && crud["outcome"] == "applied"
        })
        .map(|((step, crud), es)| {
            assert_eq!(
                crud["caveats"],
                json!([{"caveat": "not_kept", "field": "reason",
                        "value": step["action"]["cancel"]["reason"]}]),
                "{step}"
            );
            assert_eq!(es["outcome"], "applied", "{step}");
            assert!(es.get("caveats").is_none(), "ES keeps the reason: {es}");
            step["step"].as_u64().expect("step")
        })
        .collect()
}

/// Per order id, the last state event sourcing answered in a run (after a command or a query);
/// a time-travel query (`as_of`) answers a past state and does not count.
pub fn last_es_states(run: &Value) -> BTreeMap<String, Value> {
    let mut states = BTreeMap::new();
    let steps = run["steps"].as_array().expect("steps");
    for (step, result) in steps.iter().zip(results_of(run, "es")) {
        if step["action"]["query"].get("as_of").is_some() {
            continue;
        }
        let state = &result["state"];
        if state.is_object() {
            let id = state["order_id"].as_str().expect("order_id").to_string();
            states.insert(id, state.clone());
        }
    }
    states
}

/// The documented JSON outputs, mirrored strictly (see the module).
// Their fields are read by serde, to check the shape; a test reads only the few it asserts.
#[allow(dead_code)]
pub mod shape;

/// Deserializes a JSON text strictly into `T`, naming the path of the first mismatch.
pub fn strict<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, String> {
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de).map_err(|e| format!("{}: {}", e.path(), e.inner()))
}
