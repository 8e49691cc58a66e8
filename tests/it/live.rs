//! `eslab live` end to end: the stdin mode (a command file's output, bad lines reported and
//! skipped, `:save` refusing to overwrite and replaying exactly), and the full-screen view on
//! a real terminal under tmux.

use crate::common;
use std::path::Path;

use crate::common::*;

/// Runs `eslab live ARGS` with `input` on stdin, from `dir`.
fn live_in(dir: &Path, args: &[&str], input: &str) -> (Option<i32>, String, String) {
    let out = eslab()
        .current_dir(dir)
        .arg("live")
        .args(args)
        .write_stdin(input)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// The step blocks of a printed session: from the first step up to the summary.
fn blocks(text: &str) -> Vec<String> {
    text.split("\n\n")
        .filter(|block| {
            block
                .split_once(". ")
                .is_some_and(|(n, _)| n.parse::<usize>().is_ok())
        })
        .map(str::to_string)
        .collect()
}

const SESSION: &str = "\
# Bob's order has run; now the room types.
query A1 @2001
:change A1 7 @1
ship it
pay A1 10.123
history A1
crash
place B1 Ann Pen 2 3
query B1
rebuild
:query B1
report revenue-per-customer
";

#[test]
fn a_command_file_runs_after_the_scenario_and_bad_lines_are_named_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = live_in(dir.path(), &["bob", "--width", "80"], SESSION);
    let mut settings = insta::Settings::clone_current();
    settings.set_description("eslab live bob --width 80 < SESSION");
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!("live_bob_session_width_80", stdout));
    assert_eq!(
        code,
        Some(2),
        "a bad line makes the session exit 2: {stderr}"
    );
    assert_contains_all(
        &stderr,
        &[
            "stdin line 4: unknown command `ship`",
            "stdin line 5: pay: `10.123` has more than two decimals",
            "2 lines of stdin not run",
        ],
    );
    // Bob's 4 steps, then the 9 good lines: the bad ones ran nothing.
    assert_eq!(blocks(&stdout).len(), 13, "{stdout}");
    assert_contains_all(
        &stdout,
        &[
            "5. query A1 · as of event #2001",
            "6. change_quantity A1 · quantity → 7 · (read at version 1)",
            "✗ rejected: concurrency conflict",
            "↯ OrderView dropped",
            "⟳ OrderView rebuilt",
        ],
    );
    assert!(
        max_line_width(&stdout) <= 80,
        "a line is wider than 80:\n{stdout}"
    );
}

#[test]
fn save_writes_a_scenario_that_eslab_run_reproduces_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let input = format!("{SESSION}:save typed.json\n:save typed.json\n");
    let (code, stdout, stderr) = live_in(dir.path(), &["bob"], &input);
    assert_eq!(code, Some(2), "{stderr}");
    assert_contains_all(
        &stdout,
        &["saved 13 steps to typed.json: `eslab run typed.json` runs them again"],
    );
    assert_contains_all(
        &stderr,
        &["stdin line 14: typed.json already exists: refusing to overwrite it"],
    );
    let saved = std::fs::read_to_string(dir.path().join("typed.json")).unwrap();
    // The same steps, replayed from the file, print the very same blocks.
    let (code, replayed, stderr) = live_in(dir.path(), &["./typed.json"], "");
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(blocks(&replayed), blocks(&stdout));
    // And `eslab run` reads it, with Bob's expectations still holding.
    let run = ok_in(dir.path(), &["run", "./typed.json", "--format", "json"]);
    let run: serde_json::Value = serde_json::from_str(&run).unwrap();
    assert_eq!(run["steps"].as_array().unwrap().len(), 13);
    assert_eq!(run["summary"]["expectations"]["checked"], 8);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("typed.json")).unwrap(),
        saved,
        "the refused save left the file as it was"
    );
}

#[test]
fn an_empty_session_runs_only_what_is_typed_and_refuses_an_empty_save() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = live_in(
        dir.path(),
        &["--empty"],
        "save none.json\nplace A1 Bob Book 5 10\npay A1 50\nsave one.json\n",
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert_contains_all(&stderr, &["stdin line 1: nothing has run yet"]);
    assert!(!dir.path().join("none.json").exists());
    assert_eq!(blocks(&stdout).len(), 2, "{stdout}");
    assert_contains_all(
        &stdout,
        &["+ #1 NewOrderEvent", "saved 2 steps to one.json"],
    );
}

#[test]
fn live_refuses_existing_databases_unless_told_to_continue() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let (code, _, stderr) = live_in(dir.path(), &["bob", "--db-dir", d], "");
    assert_eq!(code, Some(0), "{stderr}");
    let (code, _, stderr) = live_in(dir.path(), &["bob", "--db-dir", d], "");
    assert_eq!(code, Some(2));
    assert_contains_all(&stderr, &["already exists: refusing to overwrite it"]);
    let (code, stdout, stderr) = live_in(
        dir.path(),
        &["bob", "--db-dir", d, "--continue"],
        "pay A1 1\n",
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_contains_all(&stdout, &["done by an earlier run", "✗ rejected"]);
}

/// The order ids CRUD holds in a `--db-dir` folder, and the (stream, event type) of every
/// event the log holds, in order.
fn stored(dir: &Path) -> (Vec<String>, Vec<(String, String)>) {
    let rows = common::db::select(
        &common::db::crud_file(dir),
        "SELECT order_id FROM orders ORDER BY order_id",
        |r| r.get(0),
    );
    let events = common::db::event_rows(dir)
        .into_iter()
        .map(|e| (e.1, e.3))
        .collect();
    (rows, events)
}

/// Issue 16, item 1: a command typed in a continued session is a new command, whatever its
/// place in the session: it is stored, never shown as "done by an earlier run".
#[test]
fn a_command_typed_in_a_continued_empty_session_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("D");
    let d = path_str(&db);
    let (code, _, stderr) = live_in(
        dir.path(),
        &["--empty", "--db-dir", d],
        "place A1 Bob Book 5 10
",
    );
    assert_eq!(code, Some(0), "{stderr}");
    let (code, stdout, stderr) = live_in(
        dir.path(),
        &["--empty", "--db-dir", d, "--continue"],
        "place B1 Ann Pen 2 3
query B1
",
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stdout.contains("done by an earlier run"), "{stdout}");
    assert!(!stdout.contains("Nothing was left to run"), "{stdout}");
    assert_contains_all(&stdout, &["answers B1 Placed", "ES keeps 2 events"]);
    let (rows, events) = stored(&db);
    assert_eq!(rows, ["A1", "B1"]);
    assert_eq!(
        events,
        [
            ("A1".into(), "NewOrderEvent".into()),
            ("B1".into(), "NewOrderEvent".into())
        ]
    );
}

/// Issue 16, item 1: with a scenario, `--continue` skips the scenario's steps an earlier
/// session did, and runs every typed command, although earlier sessions typed commands at
/// the same places.
#[test]
fn a_continued_scenario_session_skips_its_steps_and_runs_every_typed_command() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("D");
    let d = path_str(&db);
    let (code, _, stderr) = live_in(
        dir.path(),
        &["bob", "--db-dir", d],
        "place B1 Ann Pen 2 3
place C1 Cy Cup 1 4
",
    );
    assert_eq!(code, Some(0), "{stderr}");
    let (code, stdout, stderr) = live_in(
        dir.path(),
        &["bob", "--db-dir", d, "--continue"],
        "place D1 Di Dye 3 1
pay B1 6
query D1
",
    );
    assert_eq!(code, Some(0), "{stderr}");
    // Bob's three commands were done by the first session; nothing else was.
    assert_eq!(
        stdout.matches("done by an earlier run").count(),
        2 * 3,
        "{stdout}"
    );
    assert_contains_all(&stdout, &["answers D1 Placed", "B1 Paid"]);
    let (rows, events) = stored(&db);
    assert_eq!(rows, ["A1", "B1", "C1", "D1"]);
    let types: Vec<&str> = events.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(
        types,
        [
            "NewOrderEvent",
            "ModifyOrderEvent",
            "OrderPaymentEvent",
            "NewOrderEvent",
            "NewOrderEvent",
            "NewOrderEvent",
            "OrderPaymentEvent"
        ]
    );
    assert_eq!(events[6].0, "B1");
}

fn ok_in(dir: &Path, args: &[&str]) -> String {
    let out = eslab().current_dir(dir).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "eslab {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// tmux, which the real-terminal test drives; `.ci/run` installs it when missing.
fn tmux(args: &[&str]) -> String {
    let out = spawn_tool(
        std::process::Command::new("tmux")
            .args(args)
            .stdout(std::process::Stdio::piped()),
    )
    .wait_with_output()
    .unwrap();
    assert!(out.status.success(), "tmux {args:?} failed");
    String::from_utf8(out.stdout).unwrap()
}

/// `eslab ARGS` running in a tmux pane of `width` × `height`; the server goes when this does.
struct Pane {
    socket: String,
    _dir: tempfile::TempDir,
}

const PANE: &str = "eslab-live-test";

impl Pane {
    fn start(args: &str, width: u16, height: u16, cwd: &Path) -> Pane {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("tmux.sock").to_str().unwrap().to_string();
        let binary = assert_cmd::cargo::cargo_bin!("eslab");
        let command = format!(
            "cd {} && {} {args}; echo eslab-exited-$?; sleep 30",
            cwd.display(),
            binary.display()
        );
        let (w, h) = (width.to_string(), height.to_string());
        tmux(&[
            "-S",
            &socket,
            "new-session",
            "-d",
            "-s",
            PANE,
            "-x",
            &w,
            "-y",
            &h,
            &command,
        ]);
        Pane { socket, _dir: dir }
    }

    fn keys(&self, keys: &[&str]) {
        for key in keys {
            tmux(&["-S", &self.socket, "send-keys", "-t", PANE, key]);
        }
    }

    /// The pane once `needle` shows on it.
    fn wait(&self, needle: &str) -> String {
        self.wait_all(&[needle])
    }

    /// The screen once every needle shows on it at once: a screen caught half redrawn (on a
    /// loaded machine) is looked at again.
    fn wait_all(&self, needles: &[&str]) -> String {
        let mut screen = String::new();
        for _ in 0..300 {
            screen = tmux(&["-S", &self.socket, "capture-pane", "-p", "-t", PANE]);
            if needles.iter().all(|needle| screen.contains(needle)) {
                return screen;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("{needles:?} never all showed; the pane:\n{screen}");
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = std::process::Command::new("tmux")
            .args(["-S", &self.socket, "kill-server"])
            .status();
    }
}

#[test]
fn on_a_real_terminal_bob_steps_forward_and_q_gives_the_shell_back() {
    let dir = tempfile::tempdir().unwrap();
    let pane = Pane::start("live bob", 80, 24, dir.path());
    pane.wait("step 0/4");
    // Each step in two beats: asked, then revealed.
    pane.keys(&["Right"; 6]);
    let screen = pane.wait("step 3: ES");
    assert!(screen.contains("step 3/4"), "{screen}");
    assert!(screen.contains("2003 OrderPaymentEvent"), "{screen}");
    assert!(screen.contains("Paid"), "{screen}");
    pane.keys(&["q"]);
    let screen = pane.wait("eslab-exited-0");
    assert!(
        !screen.contains("OrderPaymentEvent"),
        "the alternate screen is gone once eslab quits:\n{screen}"
    );
}

/// Issue 18 §1 and §3 on a real terminal at 80 × 24: a step's command and question first,
/// with nothing of its outcome; its outcome on the next key; `?` lists the keys and the
/// commands as they are typed; time travel says how to leave it.
#[test]
fn on_a_real_terminal_a_step_is_asked_then_revealed_and_help_lists_the_commands() {
    let dir = tempfile::tempdir().unwrap();
    write_scenario(
        dir.path(),
        "asked.json",
        &serde_json::json!({
            "title": "Asked first",
            "steps": [
                {"place_order": {"order_id": "A1", "customer": "Bob", "product": "Book", "quantity": 5, "unit_price": 10},
                 "question": "What will each design keep of this order?",
                 "note": "NOTE-ONE: a row, and an event.",
                 "expect": {"ok": true, "version": 1}},
                {"query": {"order_id": "A1"}}
            ]
        }),
    );
    let pane = Pane::start("live ./asked.json", 80, 24, dir.path());
    pane.wait("step 0/2");
    pane.keys(&["Right"]);
    let asked = pane.wait("What will each design keep of this order?");
    for giveaway in ["NOTE-ONE", "✓ expect", "#1 NewOrderEvent", "answers"] {
        assert!(
            !asked.contains(giveaway),
            "{giveaway:?} before the reveal:\n{asked}"
        );
    }
    pane.keys(&["Right"]);
    pane.wait_all(&[
        "NOTE-ONE",
        "✓ expect: applied",
        "+ #1 NewOrderEvent",
        "answers A1 Placed",
    ]);
    pane.keys(&["Up"]);
    let travel = pane.wait("OrderView as of #1");
    assert!(travel.contains("t/Esc back to the step"), "{travel}");
    pane.keys(&["Escape", "?"]);
    let help = pane.wait_all(&[":rebuild", ":history ORDER", ":crash", "Home  End"]);
    assert!(!help.contains("rebuild_view"), "{help}");
}

/// A line of stdin that is not UTF-8 is one bad line, named and skipped like any other: the
/// session goes on with the lines after it (it used to end there, exit 2, the rest unread).
#[test]
fn a_line_that_is_not_utf8_is_skipped_and_the_session_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let out = eslab()
        .current_dir(dir.path())
        .args(["live", "--empty"])
        .write_stdin(&b"place A1 Bob Book 5 10\nplace B1 Ann \xff\xfe 2 3\r\npay A1 50\r\n"[..])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_contains_all(
        &stderr,
        &[
            "eslab: stdin line 2: is not UTF-8 text (byte 0xff); skipped",
            "1 line of stdin not run",
        ],
    );
    assert_eq!(blocks(&stdout).len(), 2, "{stdout}");
    assert_contains_all(&stdout, &["+ #1 NewOrderEvent", "+ #2 OrderPaymentEvent"]);
}

/// Typed commands count as steps a session keeps: the one past `render::MAX_HELD` is
/// refused by the rule every output that holds its steps follows, naming what streams.
#[test]
fn typed_commands_past_the_held_limit_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let limit = eslab::MAX_HELD;
    let mut input = String::from("place A1 Bob Book 1 1\n");
    input.push_str(&"query A1\n".repeat(limit));
    let (code, _, stderr) = live_in(dir.path(), &["--empty"], &input);
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "eslab: error: `eslab live` keeps all its steps in memory, and this has {}, more than the {limit} it takes: `eslab run` writes any number as they run\n",
            limit + 1
        )
    );
}
