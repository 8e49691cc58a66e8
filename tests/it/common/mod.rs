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

/// The documented JSON outputs, mirrored strictly: an unknown field, a missing field, a renamed
/// variant or a value of another type fails to deserialize. Nullable fields must be present;
/// optional fields are either absent or hold a value, never null.
// Their fields are read by serde, to check the shape; a test reads only the few it asserts.
#[allow(dead_code)]
pub mod shape {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer};
    use serde_json::{Map, Value};

    /// Required, but may be null.
    fn nullable<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        Option::<T>::deserialize(d)
    }

    /// Optional: absent (with `#[serde(default)]`) or a value, never null, as eslab leaves
    /// out a field it has nothing for.
    fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        T::deserialize(d).map(Some)
    }

    /// Money is a string of dollars with exactly two decimals: "60.00".
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Dollars(pub String);

    impl<'de> Deserialize<'de> for Dollars {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Dollars, D::Error> {
            let text = String::deserialize(d)?;
            let ok = match text.split_once('.') {
                Some((whole, cents)) => {
                    !whole.is_empty()
                        && whole.bytes().all(|b| b.is_ascii_digit())
                        && (whole == "0" || !whole.starts_with('0'))
                        && cents.len() == 2
                        && cents.bytes().all(|b| b.is_ascii_digit())
                }
                None => false,
            };
            if ok {
                Ok(Dollars(text))
            } else {
                Err(serde::de::Error::custom(format!(
                    "{text:?} is not dollars and cents"
                )))
            }
        }
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Backend {
        Crud,
        Es,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
    pub enum Status {
        Placed,
        Paid,
        Cancelled,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
    #[serde(rename_all = "kebab-case")]
    pub enum ReportName {
        RevenuePerCustomer,
        QuantityChanges,
    }

    /// A read model defined in a scenario (`report.define`).
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Projection {
        pub events: Vec<EventType>,
        pub group_by: String,
        pub keep: Vec<BTreeMap<String, Keep>>,
    }

    /// What a defined read model keeps in a column.
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case", deny_unknown_fields)]
    pub enum Keep {
        Count,
        Sum(String),
        Latest(String),
        FirstEventId,
        LastEventId,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct ScenarioInfo {
        pub name: String,
        pub title: String,
        #[serde(deserialize_with = "nullable")]
        pub description: Option<String>,
    }

    /// `{"place_order": {...}}`, the shape a step has in the scenario file.
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case", deny_unknown_fields)]
    pub enum Action {
        PlaceOrder {
            order_id: String,
            customer: String,
            product: String,
            quantity: u64,
            unit_price: Dollars,
        },
        ChangeQuantity {
            order_id: String,
            quantity: u64,
            #[serde(default, deserialize_with = "present")]
            expected_version: Option<u64>,
            #[serde(default, deserialize_with = "present")]
            reason: Option<String>,
        },
        Pay {
            order_id: String,
            amount: Dollars,
            #[serde(default, deserialize_with = "present")]
            expected_version: Option<u64>,
        },
        Cancel {
            order_id: String,
            reason: String,
            #[serde(default, deserialize_with = "present")]
            expected_version: Option<u64>,
        },
        Query {
            order_id: String,
            #[serde(default, deserialize_with = "present")]
            as_of: Option<u64>,
        },
        History {
            order_id: String,
        },
        Report {
            name: String,
            #[serde(default, deserialize_with = "present")]
            define: Option<Projection>,
        },
        CrashView {},
        RebuildView {},
        Snapshot {},
        Deploy {
            event: EventType,
            version: u32,
        },
    }

    impl Action {
        /// The order the step is about, if it is about one.
        pub fn order_id(&self) -> Option<&str> {
            match self {
                Action::PlaceOrder { order_id, .. }
                | Action::ChangeQuantity { order_id, .. }
                | Action::Pay { order_id, .. }
                | Action::Cancel { order_id, .. }
                | Action::Query { order_id, .. }
                | Action::History { order_id } => Some(order_id),
                Action::Report { .. }
                | Action::CrashView {}
                | Action::RebuildView {}
                | Action::Snapshot {}
                | Action::Deploy { .. } => None,
            }
        }

        pub fn is_command(&self) -> bool {
            matches!(
                self,
                Action::PlaceOrder { .. }
                    | Action::ChangeQuantity { .. }
                    | Action::Pay { .. }
                    | Action::Cancel { .. }
            )
        }

        pub fn is_question(&self) -> bool {
            matches!(
                self,
                Action::Query { .. } | Action::History { .. } | Action::Report { .. }
            )
        }
    }

    /// A step's `expect`, as the scenario file has it.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Expect {
        #[serde(default, deserialize_with = "present")]
        pub ok: Option<bool>,
        #[serde(default, deserialize_with = "present")]
        pub rejected: Option<String>,
        #[serde(default, deserialize_with = "present")]
        pub exists: Option<bool>,
        #[serde(default, deserialize_with = "present")]
        pub customer: Option<String>,
        #[serde(default, deserialize_with = "present")]
        pub product: Option<String>,
        #[serde(default, deserialize_with = "present")]
        pub quantity: Option<u64>,
        #[serde(default, deserialize_with = "present")]
        pub unit_price: Option<Dollars>,
        #[serde(default, deserialize_with = "present")]
        pub total: Option<Dollars>,
        #[serde(default, deserialize_with = "present")]
        pub paid: Option<Dollars>,
        #[serde(default, deserialize_with = "present")]
        pub status: Option<Status>,
        #[serde(default, deserialize_with = "present")]
        pub version: Option<u64>,
        #[serde(default, deserialize_with = "present")]
        pub event_id: Option<u64>,
        #[serde(default, deserialize_with = "present")]
        pub row: Option<BTreeMap<String, String>>,
        #[serde(default, deserialize_with = "present")]
        pub last_changed_by: Option<String>,
        #[serde(default, deserialize_with = "present")]
        pub last_changed_at: Option<UtcTime>,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct State {
        pub order_id: String,
        pub customer: String,
        pub product: String,
        pub quantity: u64,
        pub unit_price: Dollars,
        pub total: Dollars,
        pub paid: Dollars,
        pub status: Status,
        #[serde(deserialize_with = "nullable")]
        pub version: Option<u64>,
    }

    /// A column value in a CRUD update, typed by its column as it is everywhere else.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum ColumnValue {
        Count(u64),
        /// Money as SQLite holds it: whole cents (the `*_cents` columns).
        Cents(u64),
        Status(Status),
        Text(String),
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawColumnChange {
        column: String,
        old: Value,
        new: Value,
    }

    #[derive(Debug, Deserialize)]
    #[serde(try_from = "RawColumnChange")]
    pub struct ColumnChange {
        pub column: String,
        pub old: ColumnValue,
        pub new: ColumnValue,
    }

    impl TryFrom<RawColumnChange> for ColumnChange {
        type Error = String;

        fn try_from(raw: RawColumnChange) -> Result<ColumnChange, String> {
            let read = |value: Value| -> Result<ColumnValue, String> {
                let typed = match raw.column.as_str() {
                    // `version` only with --crud-locking.
                    "quantity" | "version" => serde_json::from_value(value).map(ColumnValue::Count),
                    "unit_price_cents" | "total_cents" | "paid_cents" => {
                        serde_json::from_value(value).map(ColumnValue::Cents)
                    }
                    "status" => serde_json::from_value(value).map(ColumnValue::Status),
                    // Added by a migration (`deploy`).
                    "change_reason" => serde_json::from_value(value).map(ColumnValue::Text),
                    // Who last wrote the row, and when, overwritten by an update (schema 6).
                    "updated_by" | "updated_at" => {
                        serde_json::from_value(value).map(ColumnValue::Text)
                    }
                    "customer" | "product" => serde_json::from_value(value).map(ColumnValue::Text),
                    other => return Err(format!("unknown column `{other}`")),
                };
                typed.map_err(|e| format!("column {}: {e}", raw.column))
            };
            Ok(ColumnChange {
                old: read(raw.old.clone())?,
                new: read(raw.new.clone())?,
                column: raw.column,
            })
        }
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct NewOrderEvent {
        pub customer: String,
        pub product: String,
        pub quantity: u64,
        pub unit_price: Dollars,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct ModifyOrderEvent {
        pub quantity: u64,
        /// Shape 2: absent when not recorded, never null.
        #[serde(default, deserialize_with = "present")]
        pub reason: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct OrderPaymentEvent {
        pub amount: Dollars,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct OrderCancelledEvent {
        pub reason: String,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
    pub enum EventType {
        #[serde(rename = "NewOrderEvent")]
        NewOrder,
        #[serde(rename = "ModifyOrderEvent")]
        Modify,
        #[serde(rename = "OrderPaymentEvent")]
        Payment,
        #[serde(rename = "OrderCancelledEvent")]
        Cancelled,
    }

    /// A stored event as printed: the envelope plus `event_type` and `payload`.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawEvent {
        event_id: u64,
        stream_id: String,
        stream_version: u64,
        schema_version: u32,
        event_type: EventType,
        payload: Value,
        #[serde(default, deserialize_with = "present")]
        metadata: Option<Metadata>,
    }

    /// A time as eslab writes it: RFC 3339 in UTC, whole seconds, `Z`.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct UtcTime(pub String);

    impl<'de> Deserialize<'de> for UtcTime {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<UtcTime, D::Error> {
            let text = String::deserialize(d)?;
            let shape = text.len() == 20
                && text.bytes().enumerate().all(|(i, b)| match i {
                    4 | 7 => b == b'-',
                    10 => b == b'T',
                    13 | 16 => b == b':',
                    19 => b == b'Z',
                    _ => b.is_ascii_digit(),
                });
            if shape {
                Ok(UtcTime(text))
            } else {
                Err(serde::de::Error::custom(format!(
                    "{text:?} is not an RFC 3339 UTC time"
                )))
            }
        }
    }

    /// Who and when, in an event's envelope.
    #[derive(Debug, Clone, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Metadata {
        pub recorded_at: UtcTime,
        pub actor: String,
        /// `command-N`: the command of step N.
        pub causation_id: String,
        /// `run-` and 12 hex digits of a digest of the scenario's title.
        pub correlation_id: String,
    }

    /// Who last wrote a CRUD row, and when.
    #[derive(Debug, Clone, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct LastWrite {
        pub at: UtcTime,
        pub by: String,
    }

    #[derive(Debug)]
    pub enum Payload {
        NewOrder(NewOrderEvent),
        Modify(ModifyOrderEvent),
        Payment(OrderPaymentEvent),
        Cancelled(OrderCancelledEvent),
    }

    #[derive(Debug, Deserialize)]
    #[serde(try_from = "RawEvent")]
    pub struct StoredEvent {
        pub event_id: u64,
        pub stream_id: String,
        pub stream_version: u64,
        /// The shape the payload was written in; `payload` is always the newest shape.
        pub schema_version: u32,
        /// Decoded strictly by `event_type`.
        pub payload: Payload,
        /// Absent on events written before envelopes kept who and when.
        pub metadata: Option<Metadata>,
    }

    impl TryFrom<RawEvent> for StoredEvent {
        type Error = String;

        fn try_from(raw: RawEvent) -> Result<StoredEvent, String> {
            let p = raw.payload;
            let payload = match raw.event_type {
                EventType::NewOrder => serde_json::from_value(p).map(Payload::NewOrder),
                EventType::Modify => serde_json::from_value(p).map(Payload::Modify),
                EventType::Payment => serde_json::from_value(p).map(Payload::Payment),
                EventType::Cancelled => serde_json::from_value(p).map(Payload::Cancelled),
            }
            .map_err(|e| format!("event {}: payload: {e}", raw.event_id))?;
            Ok(StoredEvent {
                event_id: raw.event_id,
                stream_id: raw.stream_id,
                stream_version: raw.stream_version,
                schema_version: raw.schema_version,
                payload,
                metadata: raw.metadata,
            })
        }
    }

    /// What a command did to storage: externally tagged.
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case", deny_unknown_fields)]
    pub enum Storage {
        Insert {
            table: String,
            row: State,
        },
        Update {
            table: String,
            order_id: String,
            changes: Vec<ColumnChange>,
        },
        Append {
            events: Vec<StoredEvent>,
        },
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawReport {
        name: String,
        columns: Vec<String>,
        rows: Vec<Vec<String>>,
    }

    /// A report's answer: a small table whose every row has a cell per column.
    #[derive(Debug, PartialEq, Eq, Deserialize)]
    #[serde(try_from = "RawReport")]
    pub struct Report {
        pub name: String,
        pub columns: Vec<String>,
        pub rows: Vec<Vec<String>>,
    }

    impl TryFrom<RawReport> for Report {
        type Error = String;

        fn try_from(raw: RawReport) -> Result<Report, String> {
            if let Some(row) = raw.rows.iter().find(|r| r.len() != raw.columns.len()) {
                return Err(format!(
                    "a row of {} cells under {} columns: {row:?}",
                    row.len(),
                    raw.columns.len()
                ));
            }
            Ok(Report {
                name: raw.name,
                columns: raw.columns,
                rows: raw.rows,
            })
        }
    }

    /// The rule a rejection names, with its values: internally tagged by `rule`.
    #[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
    #[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
    pub enum Rejection {
        UnknownOrder {
            order_id: String,
        },
        DuplicateOrder {
            order_id: String,
        },
        QuantityOutOfRange {
            quantity: u64,
        },
        UnitPriceOutOfRange {
            unit_price: Dollars,
        },
        NotPlaced {
            order_id: String,
            status: Status,
            action: String,
        },
        WrongPayment {
            amount: Dollars,
            total: Dollars,
        },
        VersionConflict {
            order_id: String,
            expected: u64,
            actual: u64,
        },
    }

    /// Something a design could not do for a command it stored. (Variants are written `{}`,
    /// never as units: serde lets a unit variant of a tagged enum carry unknown fields.)
    #[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
    #[serde(tag = "caveat", rename_all = "snake_case", deny_unknown_fields)]
    pub enum Caveat {
        VersionUnchecked {
            expected: u64,
        },
        NotKept {
            field: String,
            value: String,
            #[serde(default, deserialize_with = "present")]
            shape: Option<u32>,
        },
    }

    /// What a design adds about a stale write it refused, flattened beside the rejection.
    #[derive(Debug, Deserialize)]
    #[serde(tag = "evidence", rename_all = "snake_case", deny_unknown_fields)]
    pub enum Evidence {
        MissedEvents { events: Vec<StoredEvent> },
        RowOnlyNewest {},
    }

    /// Where a design read a state from, flattened beside the answer.
    #[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
    #[serde(tag = "from", rename_all = "snake_case", deny_unknown_fields)]
    pub enum Source {
        Row {},
        View {
            #[serde(deserialize_with = "nullable")]
            checkpoint: Option<u64>,
        },
        Replay {
            as_of: u64,
        },
    }

    /// How a design built a report, flattened beside it.
    #[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
    #[serde(tag = "from", rename_all = "snake_case", deny_unknown_fields)]
    pub enum ReportSource {
        Sql {
            #[serde(default, deserialize_with = "present")]
            query: Option<String>,
        },
        ReadModel {
            events: u64,
        },
    }

    /// Why a design cannot answer, flattened beside `outcome: unavailable`.
    #[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
    #[serde(tag = "why", rename_all = "snake_case", deny_unknown_fields)]
    pub enum Unanswerable {
        Overwritten { as_of: u64 },
        HistoryNotKept {},
        ReportNeedsHistory {},
        EventsNotKept { event_type: EventType },
        FieldOverwritten { field: String },
        NoEventOrder {},
        ViewDown {},
    }

    /// Why a step does not apply to a design, flattened beside `outcome: not_applicable`.
    #[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
    #[serde(tag = "why", rename_all = "snake_case", deny_unknown_fields)]
    pub enum Inapplicable {
        NoView {},
        ViewAlreadyDown {},
        DoneEarlier {},
        TableUnchanged {},
    }

    /// What one design did at one step: tagged by `outcome`, some variants with a typed fact
    /// flattened beside their own fields. Read by `TryFrom`, since serde cannot both flatten
    /// and deny unknown fields.
    #[derive(Debug, Deserialize)]
    #[serde(try_from = "Map<String, Value>")]
    // A test's shape check, read once per result: its size does not matter.
    #[allow(clippy::large_enum_variant)]
    pub enum Outcome {
        Applied {
            storage: Storage,
            /// Null while the design cannot read its own answer (the view is down).
            state: Option<State>,
            /// Absent when there is none; never an empty list.
            caveats: Vec<Caveat>,
        },
        Rejected {
            rejection: Rejection,
            /// The rule's own statement.
            reason: String,
            evidence: Option<Evidence>,
        },
        Answered {
            source: Source,
            state: Option<State>,
        },
        History {
            events: Vec<StoredEvent>,
        },
        Report {
            source: ReportSource,
            report: Report,
        },
        Unavailable {
            why: Unanswerable,
            latest: Option<State>,
            /// CRUD's history: who wrote the row last, and when.
            last_write: Option<LastWrite>,
        },
        ViewCrashed {
            orders_lost: usize,
            checkpoint: Option<u64>,
        },
        ViewRebuilt {
            replayed: u64,
            snapshot: Option<SnapshotStart>,
            checkpoint: Option<u64>,
            caught_up: u64,
            matches_live: bool,
            ignored_snapshot: Option<IgnoredSnapshot>,
        },
        SnapshotTaken {
            checkpoint: Option<u64>,
            orders: usize,
        },
        Deployed {
            event_type: EventType,
            from: u32,
            to: u32,
            older_in_log: u64,
        },
        Migrated {
            table: String,
            column: String,
            default: String,
            rows_filled: u64,
        },
        NotApplicable {
            why: Inapplicable,
        },
    }

    /// Where a rebuild started, when it started from a snapshot.
    #[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct SnapshotStart {
        pub checkpoint: u64,
        pub full_replay: u64,
    }

    /// The latest snapshot, when a rebuild did not use it: it does not match the log.
    #[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct IgnoredSnapshot {
        pub checkpoint: i64,
        pub fault: SnapshotFault,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum SnapshotFault {
        Unsealed,
        NoSuchEvent,
        OtherHead,
        Edited,
        DoesNotDecode,
        DiffersFromReplay,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawSnapshotTaken {
        #[serde(deserialize_with = "nullable")]
        checkpoint: Option<u64>,
        orders: usize,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawDeployed {
        event_type: EventType,
        from: u32,
        to: u32,
        older_in_log: u64,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawMigrated {
        table: String,
        column: String,
        default: String,
        rows_filled: u64,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawApplied {
        storage: Storage,
        #[serde(deserialize_with = "nullable")]
        state: Option<State>,
        #[serde(default, deserialize_with = "present")]
        caveats: Option<Vec<Caveat>>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawHistory {
        events: Vec<StoredEvent>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawViewCrashed {
        orders_lost: usize,
        #[serde(deserialize_with = "nullable")]
        checkpoint: Option<u64>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawViewRebuilt {
        replayed: u64,
        #[serde(default, deserialize_with = "present")]
        snapshot: Option<SnapshotStart>,
        #[serde(deserialize_with = "nullable")]
        checkpoint: Option<u64>,
        caught_up: u64,
        matches_live: bool,
        #[serde(default, deserialize_with = "present")]
        ignored_snapshot: Option<IgnoredSnapshot>,
    }

    /// Removes and reads a field that must be there (a null reads as `None` for an `Option`).
    fn take<T: serde::de::DeserializeOwned>(
        fields: &mut Map<String, Value>,
        name: &str,
    ) -> Result<T, String> {
        let value = fields
            .remove(name)
            .ok_or_else(|| format!("missing field `{name}`"))?;
        serde_json::from_value(value).map_err(|e| format!("{name}: {e}"))
    }

    /// Removes and reads a field that is absent or holds a value, never null.
    fn take_present<T: serde::de::DeserializeOwned>(
        fields: &mut Map<String, Value>,
        name: &str,
    ) -> Result<Option<T>, String> {
        match fields.remove(name) {
            None => Ok(None),
            Some(Value::Null) => Err(format!("{name}: null where a value or nothing is due")),
            Some(value) => serde_json::from_value(value)
                .map(Some)
                .map_err(|e| format!("{name}: {e}")),
        }
    }

    /// Reads what is left of a result's fields as `T`, which must take every one of them.
    fn rest<T: serde::de::DeserializeOwned>(fields: Map<String, Value>) -> Result<T, String> {
        serde_json::from_value(Value::Object(fields)).map_err(|e| e.to_string())
    }

    impl TryFrom<Map<String, Value>> for Outcome {
        type Error = String;

        fn try_from(mut fields: Map<String, Value>) -> Result<Outcome, String> {
            let outcome: String = take(&mut fields, "outcome")?;
            Ok(match outcome.as_str() {
                "applied" => {
                    let raw: RawApplied = rest(fields)?;
                    if raw.caveats.as_ref().is_some_and(Vec::is_empty) {
                        return Err("caveats: an empty list where none is due".into());
                    }
                    Outcome::Applied {
                        storage: raw.storage,
                        state: raw.state,
                        caveats: raw.caveats.unwrap_or_default(),
                    }
                }
                "rejected" => Outcome::Rejected {
                    rejection: take(&mut fields, "rejection")?,
                    reason: take(&mut fields, "reason")?,
                    evidence: if fields.is_empty() {
                        None
                    } else {
                        Some(rest(fields)?)
                    },
                },
                "answered" => Outcome::Answered {
                    state: take(&mut fields, "state")?,
                    source: rest(fields)?,
                },
                "history" => {
                    let raw: RawHistory = rest(fields)?;
                    Outcome::History { events: raw.events }
                }
                "report" => Outcome::Report {
                    report: take(&mut fields, "report")?,
                    source: rest(fields)?,
                },
                "unavailable" => Outcome::Unavailable {
                    latest: take_present(&mut fields, "latest")?,
                    last_write: take_present(&mut fields, "last_write")?,
                    why: rest(fields)?,
                },
                "view_crashed" => {
                    let raw: RawViewCrashed = rest(fields)?;
                    Outcome::ViewCrashed {
                        orders_lost: raw.orders_lost,
                        checkpoint: raw.checkpoint,
                    }
                }
                "view_rebuilt" => {
                    let raw: RawViewRebuilt = rest(fields)?;
                    Outcome::ViewRebuilt {
                        replayed: raw.replayed,
                        snapshot: raw.snapshot,
                        checkpoint: raw.checkpoint,
                        caught_up: raw.caught_up,
                        matches_live: raw.matches_live,
                        ignored_snapshot: raw.ignored_snapshot,
                    }
                }
                "snapshot_taken" => {
                    let raw: RawSnapshotTaken = rest(fields)?;
                    Outcome::SnapshotTaken {
                        checkpoint: raw.checkpoint,
                        orders: raw.orders,
                    }
                }
                "deployed" => {
                    let raw: RawDeployed = rest(fields)?;
                    Outcome::Deployed {
                        event_type: raw.event_type,
                        from: raw.from,
                        to: raw.to,
                        older_in_log: raw.older_in_log,
                    }
                }
                "migrated" => {
                    let raw: RawMigrated = rest(fields)?;
                    Outcome::Migrated {
                        table: raw.table,
                        column: raw.column,
                        default: raw.default,
                        rows_filled: raw.rows_filled,
                    }
                }
                "not_applicable" => Outcome::NotApplicable { why: rest(fields)? },
                other => return Err(format!("unknown outcome `{other}`")),
            })
        }
    }

    impl Outcome {
        /// The order state this outcome answers, if it answers one.
        pub fn state(&self) -> Option<&State> {
            match self {
                Outcome::Applied { state, .. } | Outcome::Answered { state, .. } => state.as_ref(),
                _ => None,
            }
        }
    }

    /// A legend mark: each means one thing in every output.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Mark {
        Appended,
        Overwritten,
        Rejected,
        Cannot,
        ViewDown,
        ViewBack,
        Differs,
        Held,
        Failed,
    }

    /// One line of narration: the words a table cell shows, and the mark it carries.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Line {
        #[serde(default, deserialize_with = "present")]
        pub mark: Option<Mark>,
        pub text: String,
    }

    /// A result's words: what the design stored (or where it read), and what it answered.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Narration {
        pub storage: Vec<Line>,
        pub answer: Vec<Line>,
    }

    /// One backend's result at one step: `backend`, the outcome's own fields and its
    /// narration.
    #[derive(Debug, Deserialize)]
    #[serde(try_from = "Map<String, Value>")]
    pub struct StepResult {
        pub backend: Backend,
        pub outcome: Outcome,
        pub narration: Narration,
    }

    impl TryFrom<Map<String, Value>> for StepResult {
        type Error = String;

        fn try_from(mut fields: Map<String, Value>) -> Result<StepResult, String> {
            let backend = take(&mut fields, "backend")?;
            let narration = take(&mut fields, "narration")?;
            let outcome = rest(fields)?;
            Ok(StepResult {
                backend,
                outcome,
                narration,
            })
        }
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Step {
        pub step: usize,
        pub action: Action,
        #[serde(default, deserialize_with = "present")]
        pub question: Option<String>,
        #[serde(deserialize_with = "nullable")]
        pub note: Option<String>,
        #[serde(default, deserialize_with = "present")]
        pub expect: Option<Expect>,
        pub results: Vec<StepResult>,
    }

    impl Step {
        pub fn result(&self, backend: Backend) -> Option<&Outcome> {
            self.results
                .iter()
                .find(|r| r.backend == backend)
                .map(|r| &r.outcome)
        }
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Unit {
        Rows,
        Events,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct StorageCount {
        pub backend: Backend,
        pub unit: Unit,
        pub count: u64,
    }

    /// An expectation that did not hold.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Failure {
        pub step: usize,
        pub backend: Backend,
        pub field: String,
        pub expected: String,
        pub actual: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Expectations {
        pub checked: usize,
        pub failures: Vec<Failure>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Summary {
        pub storage: Vec<StorageCount>,
        pub queries: usize,
        #[serde(deserialize_with = "nullable")]
        pub queries_identical: Option<bool>,
        pub differing_steps: Vec<usize>,
        pub gap_steps: Vec<usize>,
        pub expectations: Expectations,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawHistoryEntry {
        step: usize,
        #[serde(deserialize_with = "nullable")]
        state: Option<State>,
        #[serde(default, deserialize_with = "present")]
        view_down: Option<bool>,
    }

    /// A state a design answered for an order, or a step it stored a command while its view
    /// was down: `state` null exactly when `view_down` is there, and `view_down` is there
    /// only as `true`.
    #[derive(Debug, Deserialize)]
    #[serde(try_from = "RawHistoryEntry")]
    pub struct HistoryEntry {
        pub step: usize,
        pub state: Option<State>,
        pub view_down: bool,
    }

    impl TryFrom<RawHistoryEntry> for HistoryEntry {
        type Error = String;

        fn try_from(raw: RawHistoryEntry) -> Result<HistoryEntry, String> {
            let view_down = match raw.view_down {
                None => false,
                Some(true) => true,
                Some(false) => return Err("view_down: false is left out, never written".into()),
            };
            if raw.state.is_none() != view_down {
                return Err(format!(
                    "step {}: a null state goes with view_down, and only with it",
                    raw.step
                ));
            }
            Ok(HistoryEntry {
                step: raw.step,
                state: raw.state,
                view_down,
            })
        }
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct OrderHistory {
        pub order_id: String,
        pub states: Vec<HistoryEntry>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct BackendHistory {
        pub backend: Backend,
        pub orders: Vec<OrderHistory>,
    }

    /// `eslab run --format json`.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct RunDoc {
        pub schema_version: u32,
        pub scenario: ScenarioInfo,
        pub backends: Vec<Backend>,
        pub steps: Vec<Step>,
        pub summary: Summary,
        pub histories: Vec<BackendHistory>,
        /// The summary's lines as the table prints them.
        pub summary_text: Vec<String>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct DiffEntry {
        pub step: usize,
        pub action: Action,
        pub crud: Outcome,
        pub es: Outcome,
    }

    /// `eslab diff --format json`.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct DiffDoc {
        pub schema_version: u32,
        pub scenario: ScenarioInfo,
        pub identical: bool,
        /// Both designs answered, differently.
        pub differences: Vec<DiffEntry>,
        /// Only one design could answer.
        pub gaps: Vec<DiffEntry>,
    }

    /// A SHA-256 hash in lowercase hex.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Sha256Hex(pub String);

    impl<'de> Deserialize<'de> for Sha256Hex {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Sha256Hex, D::Error> {
            let text = String::deserialize(d)?;
            if text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
                Ok(Sha256Hex(text))
            } else {
                Err(serde::de::Error::custom(format!(
                    "{text:?} is not a SHA-256 hash in hex"
                )))
            }
        }
    }

    /// An event as `eslab log` prints it: the stored event plus its link in the hash chain.
    #[derive(Debug, Deserialize)]
    #[serde(try_from = "Map<String, Value>")]
    pub struct LoggedEvent {
        pub event: StoredEvent,
        pub hash: Sha256Hex,
    }

    impl TryFrom<Map<String, Value>> for LoggedEvent {
        type Error = String;

        fn try_from(mut fields: Map<String, Value>) -> Result<LoggedEvent, String> {
            let hash = fields.remove("hash").ok_or("missing field `hash`")?;
            let hash = serde_json::from_value(hash).map_err(|e| format!("hash: {e}"))?;
            let event = serde_json::from_value(Value::Object(fields)).map_err(|e| e.to_string())?;
            Ok(LoggedEvent { event, hash })
        }
    }

    /// `eslab log --format json`.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct LogDoc {
        pub schema_version: u32,
        pub events: Vec<LoggedEvent>,
    }

    /// One check of `eslab verify`.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Check {
        pub name: String,
        pub holds: bool,
        #[serde(deserialize_with = "nullable")]
        pub first_bad_event: Option<i64>,
        pub detail: String,
    }

    /// `eslab verify --format json`.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct VerifyDoc {
        pub schema_version: u32,
        pub holds: bool,
        #[serde(deserialize_with = "nullable")]
        pub first_bad_event: Option<i64>,
        pub events: u64,
        #[serde(deserialize_with = "nullable")]
        pub head: Option<Sha256Hex>,
        pub checks: Vec<Check>,
    }

    /// `eslab replay --format json`.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct ReplayDoc {
        pub schema_version: u32,
        #[serde(deserialize_with = "nullable")]
        pub until: Option<u64>,
        #[serde(deserialize_with = "nullable")]
        pub checkpoint: Option<u64>,
        pub orders: Vec<State>,
    }

    /// One row of `eslab scenarios --format json`.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Listing {
        pub name: String,
        pub title: String,
        pub steps: usize,
    }

    /// `eslab scenarios --format json`.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct ScenariosDoc {
        pub schema_version: u32,
        pub scenarios: Vec<Listing>,
    }

    /// `eslab reports --format json`.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct ReportsDoc {
        pub schema_version: u32,
        pub reports: Vec<ReportListing>,
    }

    /// One row of `eslab reports --format json`.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct ReportListing {
        pub name: ReportName,
        pub question: String,
        pub columns: Vec<String>,
        pub crud_can_answer: bool,
    }
}

/// Deserializes a JSON text strictly into `T`, naming the path of the first mismatch.
pub fn strict<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, String> {
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de).map_err(|e| format!("{}: {}", e.path(), e.inner()))
}
