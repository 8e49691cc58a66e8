//! `--format html` in a real browser: Debian's headless Chromium opens each page from
//! `file://` with the network closed, and the tests press keys and click as a person would.
//!
//! Chromium is driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`:
//! NUL-separated JSON on file descriptors 3 and 4), so no driver or WebSocket crate is
//! needed. A missing `chromium` fails the test, saying how to install it; `.ci/run` does.
//!
//! Screenshots and the step-change timing go to `target/tmp/browser/`.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use crate::common::{Env, bundled_names, run_in, write_generated, write_scenario};
use serde_json::{Value, json};
use tempfile::TempDir;

const CHROMIUM: &str = "chromium";
/// Flags that keep Chromium from reaching out at start (it would be refused here anyway).
const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--mute-audio",
    "--remote-debugging-pipe",
];
const TIMEOUT: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------------------------
// A small DevTools client.

struct Browser {
    child: Child,
    to_browser: ChildStdin,
    from_browser: Receiver<Value>,
    next_id: u64,
    session: String,
    /// Events received so far (console messages, requests, …), oldest first.
    events: Vec<Value>,
    _profile: TempDir,
}

fn find_chromium() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(CHROMIUM))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "cannot find `{CHROMIUM}` on PATH: these tests open the page in a real browser. \
                 Install it (`apt-get install -y chromium` on Debian); `.ci/run` does so when it \
                 is missing"
            )
        })
}

impl Browser {
    fn launch() -> Browser {
        let chromium = find_chromium();
        let profile = tempfile::tempdir().unwrap();
        let log = std::fs::File::create(profile.path().join("chromium.log")).unwrap();
        // The pipe is fds 3 (commands in) and 4 (answers out): the shell moves our pipes there.
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(r#"exec "$0" "$@" 3<&0 4>&1 </dev/null >/dev/null"#)
            .arg(&chromium)
            .args(FLAGS)
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromium.display()));
        let to_browser = child.stdin.take().unwrap();
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let (send, receive) = channel();
        std::thread::spawn(move || {
            loop {
                let mut message = Vec::new();
                match reader.read_until(0, &mut message) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {
                        message.pop();
                        let Ok(value) = serde_json::from_slice::<Value>(&message) else {
                            continue;
                        };
                        if send.send(value).is_err() {
                            return;
                        }
                    }
                }
            }
        });
        let mut browser = Browser {
            child,
            to_browser,
            from_browser: receive,
            next_id: 0,
            session: String::new(),
            events: Vec::new(),
            _profile: profile,
        };
        let target = browser.call("Target.createTarget", json!({"url": "about:blank"}));
        let target_id = target["targetId"].as_str().unwrap().to_string();
        let attached = browser.call(
            "Target.attachToTarget",
            json!({"targetId": target_id, "flatten": true}),
        );
        browser.session = attached["sessionId"].as_str().unwrap().to_string();
        for domain in ["Page", "Runtime", "Log", "Network"] {
            browser.call(&format!("{domain}.enable"), json!({}));
        }
        browser
    }

    /// Sends a command (to the page's session once attached) and waits for its answer.
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if !self.session.is_empty() {
            message["sessionId"] = json!(self.session);
        }
        let mut bytes = serde_json::to_vec(&message).unwrap();
        bytes.push(0);
        self.to_browser.write_all(&bytes).unwrap();
        self.to_browser.flush().unwrap();
        loop {
            let value = self
                .from_browser
                .recv_timeout(TIMEOUT)
                .unwrap_or_else(|e| panic!("no answer from Chromium to {method}: {e}"));
            if value["id"] == json!(id) {
                if let Some(error) = value.get("error") {
                    panic!("{method} failed: {error}");
                }
                return value["result"].clone();
            }
            self.events.push(value);
        }
    }

    /// Waits for an event of this method that arrives after `since` events.
    fn wait_for(&mut self, method: &str, since: usize) {
        loop {
            if self.events[since..].iter().any(|e| e["method"] == method) {
                return;
            }
            let value = self
                .from_browser
                .recv_timeout(TIMEOUT)
                .unwrap_or_else(|e| panic!("Chromium sent no {method}: {e}"));
            self.events.push(value);
        }
    }

    /// Opens a page and waits until it has loaded; returns the index of its first event.
    fn open(&mut self, url: &str) -> usize {
        let blank = self.events.len();
        self.call("Page.navigate", json!({"url": "about:blank"}));
        self.wait_for("Page.loadEventFired", blank);
        let since = self.events.len();
        self.call("Page.navigate", json!({"url": url}));
        // The page's own script may add `#step=N` to the address.
        let document = url.split('#').next().unwrap_or(url);
        let loaded = format!(
            "location.href.split('#')[0] === {document:?} && document.readyState === 'complete'"
        );
        let start = std::time::Instant::now();
        while self.eval(&loaded) != json!(true) {
            assert!(start.elapsed() < TIMEOUT, "{url} did not load");
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(
            self.eval("document.documentElement.classList.contains('ready')"),
            json!(true),
            "{url}: the page's script did not finish"
        );
        since
    }

    /// Evaluates an expression in the page and returns its value (JSON).
    fn eval(&mut self, expression: &str) -> Value {
        let result = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
        );
        if let Some(details) = result.get("exceptionDetails") {
            panic!("{expression} threw: {details}");
        }
        result["result"]["value"].clone()
    }

    fn press(&mut self, key: &str, code: u32) {
        for kind in ["rawKeyDown", "keyUp"] {
            self.call(
                "Input.dispatchKeyEvent",
                json!({"type": kind, "key": key, "code": key,
                       "windowsVirtualKeyCode": code, "nativeVirtualKeyCode": code}),
            );
        }
    }

    /// Clicks the middle of the element `selector` finds, as a mouse would.
    /// Clicks an element as the page sees a click: a `click` event on it. (Mouse events at
    /// coordinates proved flaky in headless Chromium on a loaded machine, landing on the
    /// neighbouring event now and then; what is under test is the page's answer.)
    fn click(&mut self, selector: &str) {
        let clicked = self.eval(&format!(
            "(() => {{ const e = document.querySelector({selector:?}); \
               if (!e) return false; e.scrollIntoView({{block: 'center'}}); e.click(); \
               return true; }})()"
        ));
        assert_eq!(clicked, json!(true), "nothing matches {selector}");
    }

    fn viewport(&mut self, width: u32, height: u32, mobile: bool) {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}),
        );
    }

    fn color_scheme(&mut self, scheme: &str) {
        self.call(
            "Emulation.setEmulatedMedia",
            json!({"features": [{"name": "prefers-color-scheme", "value": scheme}]}),
        );
    }

    fn screenshot(&mut self, path: &Path) {
        let shot = self.call("Page.captureScreenshot", json!({"format": "png"}));
        std::fs::write(path, base64_decode(shot["data"].as_str().unwrap())).unwrap();
    }

    /// Console errors, uncaught exceptions and browser log errors since event `since`
    /// (a Content-Security-Policy violation is one).
    fn errors_since(&self, since: usize) -> Vec<String> {
        self.events[since..]
            .iter()
            .filter_map(|e| {
                let p = &e["params"];
                match e["method"].as_str()? {
                    "Runtime.exceptionThrown" => Some(p["exceptionDetails"].to_string()),
                    "Runtime.consoleAPICalled"
                        if matches!(p["type"].as_str(), Some("error" | "warning" | "assert")) =>
                    {
                        Some(p["args"].to_string())
                    }
                    "Log.entryAdded"
                        if matches!(p["entry"]["level"].as_str(), Some("error" | "warning")) =>
                    {
                        Some(p["entry"].to_string())
                    }
                    _ => None,
                }
            })
            .collect()
    }

    /// Every URL the page asked for since event `since`.
    fn requests_since(&self, since: usize) -> Vec<String> {
        self.events[since..]
            .iter()
            .filter(|e| e["method"] == "Network.requestWillBeSent")
            .map(|e| {
                e["params"]["request"]["url"]
                    .as_str()
                    .unwrap_or("")
                    .to_string()
            })
            .collect()
    }

    /// The page loaded without an error and asked for nothing but itself.
    #[track_caller]
    fn assert_clean(&self, since: usize, page: &Path) {
        let errors = self.errors_since(since);
        assert!(
            errors.is_empty(),
            "{}: errors in the page: {errors:#?}",
            page.display()
        );
        let own = file_url(page);
        let others: Vec<String> = self
            .requests_since(since)
            .into_iter()
            .filter(|url| url.split('#').next() != Some(own.as_str()))
            .collect();
        assert!(
            others.is_empty(),
            "{}: requests left the page: {others:#?}",
            page.display()
        );
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let bytes: Vec<u8> = text.bytes().filter(|&c| c != b'=').map(value).collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (u32::from(b) << (18 - 6 * i)));
        out.extend(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// Where screenshots and timings go: `target/tmp/browser/`.
fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `eslab ARGS` (a page) to `dir/name.html`; a run whose expectations fail (exit 1)
/// still writes its page.
fn write_page(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let out = run_in(Env::Clean, args);
    assert!(matches!(out.code, Some(0 | 1)), "{}", out.describe(args));
    assert!(
        out.stdout.starts_with(b"<!doctype html>"),
        "{}",
        out.describe(args)
    );
    let path = dir.join(format!("{name}.html"));
    std::fs::write(&path, &out.stdout).unwrap();
    path
}

fn run_json(scenario: &str) -> Value {
    let out = run_in(Env::Clean, ["run", scenario, "--format", "json"]);
    serde_json::from_slice(&out.stdout).expect("eslab run --format json")
}

/// The rows of a table on the page, each as {column: text}.
fn table(browser: &mut Browser, id: &str) -> Vec<Value> {
    let rows = browser.eval(&format!(
        "[...document.querySelectorAll('#{id} tbody tr')].filter(tr => !tr.querySelector('.empty'))\
           .map(tr => Object.fromEntries([...tr.cells].map(td => \
             [td.dataset.label, td.querySelector('.new') ? td.querySelector('.new').textContent : td.textContent])))"
    ));
    rows.as_array().cloned().unwrap_or_default()
}

fn text_of(browser: &mut Browser, id: &str) -> String {
    browser
        .eval(&format!(
            "[...document.querySelectorAll('#{id} .line')].map(l => l.textContent).join('\\n')"
        ))
        .as_str()
        .unwrap()
        .to_string()
}

fn narration(result: &Value, part: &str) -> String {
    result["narration"][part]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line["text"].as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The events appended by the first `steps` steps of a run.
fn events_after(run: &Value, steps: usize) -> usize {
    run["steps"].as_array().unwrap()[..steps]
        .iter()
        .flat_map(|step| step["results"].as_array().unwrap())
        .filter(|result| result["backend"] == "es")
        .map(|result| {
            result["storage"]["append"]["events"]
                .as_array()
                .map_or(0, Vec::len)
        })
        .sum()
}

/// Step `n` asked: its command and question, nothing of its outcome, the panes as they
/// stood before it.
fn assert_step_asked(browser: &mut Browser, scenario: &str, run: &Value, n: usize) {
    let at = format!("{scenario} step {n}, asked");
    let shown = browser.eval(
        "({number: document.getElementById('step-number').textContent, \
           about: document.getElementById('about').textContent, \
           flags: document.getElementById('step-flags').textContent, \
           hint: !document.getElementById('reveal-hint').hidden, \
           said: [...document.querySelectorAll('#payoff .said')].some(e => e.offsetParent !== null), \
           events: document.querySelectorAll('#log .event').length, \
           new: document.querySelectorAll('#log .event.new').length})",
    );
    let total = run["steps"].as_array().unwrap().len();
    assert_eq!(
        shown["number"],
        json!(format!("Step {n} of {total}")),
        "{at}"
    );
    assert_eq!(
        shown["about"],
        json!(""),
        "{at}: the note or a verdict shows"
    );
    assert_eq!(shown["flags"], json!(""), "{at}: a flag tells the outcome");
    assert_eq!(shown["hint"], json!(true), "{at}");
    assert_eq!(shown["said"], json!(false), "{at}: the answers show");
    assert_eq!(shown["new"], json!(0), "{at}: an event is marked new");
    if run["steps"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["backend"] == "es")
    {
        assert_eq!(
            shown["events"],
            json!(events_after(run, n - 1)),
            "{at}: the log"
        );
    }
}

/// What the page must show at `step` (from the run's JSON), checked in the DOM.
fn assert_step_shown(browser: &mut Browser, scenario: &str, run: &Value, n: usize) {
    let total = run["steps"].as_array().unwrap().len();
    let step = &run["steps"][n - 1];
    let at = format!("{scenario} step {n}");
    assert_eq!(
        browser.eval("document.getElementById('slider').value"),
        json!(n.to_string()),
        "{at}"
    );
    assert_eq!(
        browser.eval("document.getElementById('step-number').textContent"),
        json!(format!("Step {n} of {total}")),
        "{at}"
    );
    for result in step["results"].as_array().unwrap() {
        let side = result["backend"].as_str().unwrap();
        let no_failure = !run["summary"]["expectations"]["failures"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["step"] == json!(n) && f["backend"] == result["backend"]);
        // The payoff under the step holds the answer (a failed expectation adds a line of
        // its own under it); where a design answers nothing, what it did.
        let payoff = text_of(browser, &format!("{side}-answer"));
        let answer = narration(result, "answer");
        if no_failure && !answer.ends_with('—') && answer != "(unchanged)" {
            assert!(
                payoff.ends_with(&answer),
                "{at} {side}: {payoff:?} lacks {answer:?}"
            );
        } else {
            assert!(!payoff.is_empty(), "{at} {side}: nothing said");
        }
        // Events appended at this step are said once, in the log, marked new.
        let new_in_log = browser.eval(
            "[...document.querySelectorAll('#log .event.new .event-button > span:not(.snapshot-here)')]\
               .map(s => s.textContent).join('\\n')",
        );
        let storage = if side == "es" && result["storage"]["append"].is_object() {
            // What the step says besides its events (a caveat) stays under the log.
            let besides: Vec<&str> = result["narration"]["storage"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|line| line["mark"] != "appended")
                .map(|line| line["text"].as_str().unwrap())
                .collect();
            let hidden = browser.eval("document.getElementById('es-storage-block').hidden");
            assert_eq!(hidden, json!(besides.is_empty()), "{at}");
            if !besides.is_empty() {
                assert_eq!(text_of(browser, "es-storage"), besides.join("\n"), "{at}");
            }
            let mut said = new_in_log.as_str().unwrap().to_string();
            for line in besides {
                said.push('\n');
                said.push_str(line);
            }
            said
        } else {
            if side == "es" {
                assert_eq!(new_in_log, json!(""), "{at}: nothing was appended");
            }
            text_of(browser, &format!("{side}-storage"))
        };
        assert_eq!(storage, narration(result, "storage"), "{at} {side}");
        let state = &result["state"];
        if result["outcome"] != "applied" || !state.is_object() {
            continue;
        }
        let order = state["order_id"].as_str().unwrap();
        if side == "crud" {
            let rows = table(browser, "crud-table");
            let row = rows
                .iter()
                .find(|r| r["order_id"] == order)
                .unwrap_or_else(|| panic!("{at}: no CRUD row {order}: {rows:?}"));
            assert_eq!(
                row["quantity"],
                json!(state["quantity"].to_string()),
                "{at}"
            );
            assert_eq!(row["status"], state["status"], "{at}");
        } else {
            let rows = table(browser, "view-table");
            let row = rows
                .iter()
                .find(|r| r["Order"] == order)
                .unwrap_or_else(|| panic!("{at}: OrderView has no {order}: {rows:?}"));
            assert_eq!(
                row["Quantity"],
                json!(state["quantity"].to_string()),
                "{at}"
            );
            assert_eq!(row["Version"], json!(state["version"].to_string()), "{at}");
            assert_eq!(row["Status"], state["status"], "{at}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// The tests. One browser each; they run one at a time within this binary's threads.

#[test]
fn every_bundled_page_scrubs_forwards_and_back_offline_without_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut browser = Browser::launch();
    for name in bundled_names() {
        let page = write_page(dir.path(), name, &["run", name, "--format", "html"]);
        let run = run_json(name);
        let total = run["steps"].as_array().unwrap().len();
        let since = browser.open(&file_url(&page));
        // Each step in two beats: asked (as it stood before), then shown.
        for n in 1..=total {
            if n > 1 {
                browser.press("ArrowRight", 39);
            }
            assert_step_asked(&mut browser, name, &run, n);
            browser.press("ArrowRight", 39);
            assert_step_shown(&mut browser, name, &run, n);
        }
        // Past the end, → stays on the last step; ← walks back, each step shown.
        browser.press("ArrowRight", 39);
        assert_step_shown(&mut browser, name, &run, total);
        for n in (1..total).rev() {
            browser.press("ArrowLeft", 37);
            assert_step_shown(&mut browser, name, &run, n);
        }
        browser.assert_clean(since, &page);
    }
}

#[test]
fn an_address_opens_its_step_and_clicking_an_event_travels_back_in_time() {
    let dir = tempfile::tempdir().unwrap();
    let page = write_page(dir.path(), "bob", &["run", "bob", "--format", "html"]);
    let run = run_json("bob");
    let mut browser = Browser::launch();
    let since = browser.open(&format!("{}#step=3", file_url(&page)));
    assert_step_shown(&mut browser, "bob", &run, 3);

    // Event 2002: Bob's change to 6, his order's second version.
    browser.click("[data-event='2002']");
    // The click's handler runs once the browser has taken the input: wait for it, briefly.
    let mut shown = json!(null);
    for _ in 0..40 {
        shown = browser.eval("document.getElementById('travel').hidden === false");
        if shown == json!(true) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    assert_eq!(shown, json!(true), "clicking #2002 shows no time travel");
    assert_eq!(
        browser.eval("document.getElementById('travel-heading').textContent"),
        json!("OrderView as of event #2002")
    );
    let rows = table(&mut browser, "travel-table");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["Order"], "A1");
    assert_eq!(rows[0]["Quantity"], "6");
    assert_eq!(rows[0]["Version"], "2");
    assert_eq!(rows[0]["Status"], "Placed");
    // The CRUD side says what it can: only the latest row.
    let crud = browser.eval(
        "(() => { const e = document.getElementById('crud-travel'); return e.hidden ? null : e.textContent; })()",
    );
    assert_eq!(
        crud,
        json!("! only the latest row is kept: every earlier value was overwritten")
    );
    // The step itself is unchanged: OrderView now is at version 3.
    assert_eq!(table(&mut browser, "view-table")[0]["Version"], "3");
    // A step away closes the journey.
    browser.press("ArrowRight", 39);
    assert_eq!(
        browser.eval("document.getElementById('travel').hidden"),
        json!(true)
    );
    // The address follows, once stepping pauses, so that it can be shared: step 4, asked.
    let hash = browser.eval("new Promise(done => setTimeout(() => done(location.hash), 400))");
    assert_eq!(hash, json!("#step=4&ask"));
    browser.assert_clean(since, &page);
}

#[test]
fn hostile_text_is_shown_as_text_and_runs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mark = "document.documentElement.dataset.pwned='yes';window.eslabPwned=1";
    let script = format!("</script><script>{mark}</script>");
    let img = format!("<img src=x onerror=\"{mark}\">");
    let scenario = json!({
        "title": format!("Hostile {script}"),
        "description": format!("{img} \"quotes\" 'single' \u{1b}[31mred\u{1b}[0m \u{7} & co"),
        "steps": [
            {"place_order": {"order_id": "<b>A1", "customer": script, "product": img,
                             "quantity": 1, "unit_price": 10},
             "note": format!("{script} {img} \u{1b}[2J"),
             "expect": {"customer": script}},
            {"cancel": {"order_id": "<b>A1", "reason": img}},
            {"query": {"order_id": "<b>A1"}}
        ]
    });
    let file = write_scenario(dir.path(), "hostile", &scenario);
    let file = file.to_str().unwrap();
    let page = write_page(dir.path(), "hostile", &["run", file, "--format", "html"]);
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(
        html.matches("</script>").count(),
        2,
        "only the page's own two scripts close"
    );
    let mut browser = Browser::launch();
    let since = browser.open(&file_url(&page));
    for n in 2..=3 {
        // Two beats a step: the one shown, then the next asked.
        browser.press("ArrowRight", 39);
        browser.press("ArrowRight", 39);
        assert_eq!(
            browser.eval("document.getElementById('slider').value"),
            json!(n.to_string())
        );
    }
    browser.click("[data-event='1']");
    assert_eq!(
        browser.eval("[document.documentElement.dataset.pwned, typeof window.eslabPwned]"),
        json!([null, "undefined"]),
        "an injected script ran"
    );
    assert_eq!(
        browser.eval("document.querySelectorAll('img, b, script:not([id]) + script').length"),
        json!(0)
    );
    let text = browser
        .eval("document.body.innerText")
        .as_str()
        .unwrap()
        .to_string();
    for shown in [
        "<img src=x onerror=",
        "</script><script>",
        "\\u{1b}[31mred",
        "\"quotes\" 'single'",
    ] {
        assert!(
            text.contains(shown),
            "the page does not show {shown:?} as text"
        );
    }
    let title = browser.eval("document.title");
    assert!(
        title
            .as_str()
            .unwrap()
            .starts_with("Hostile </script><script>"),
        "{title}"
    );
    browser.assert_clean(since, &page);
}

#[test]
fn readable_on_a_phone_light_and_dark_and_printable() {
    let dir = tempfile::tempdir().unwrap();
    let page = write_page(dir.path(), "bob", &["run", "bob", "--format", "html"]);
    let shots = artifacts();
    let mut browser = Browser::launch();
    for scheme in ["light", "dark"] {
        browser.color_scheme(scheme);
        browser.viewport(1280, 1000, false);
        for step in [1, 4] {
            let since = browser.open(&format!("{}#step={step}", file_url(&page)));
            let background = browser.eval("getComputedStyle(document.body).backgroundColor");
            let dark = background != json!("rgb(253, 253, 252)");
            assert_eq!(dark, scheme == "dark", "{scheme}: background {background}");
            browser.screenshot(&shots.join(format!("bob-step{step}-{scheme}.png")));
            browser.assert_clean(since, &page);
        }
    }
    browser.color_scheme("light");
    browser.viewport(375, 800, true);
    let since = browser.open(&format!("{}#step=2", file_url(&page)));
    let width = browser.eval("document.documentElement.scrollWidth");
    assert!(
        width.as_u64().unwrap() <= 375,
        "the page scrolls sideways at 375 px: {width}"
    );
    browser.screenshot(&shots.join("bob-step2-phone.png"));
    browser.assert_clean(since, &page);

    // Printing draws every step, one a page.
    browser.viewport(1280, 1000, false);
    let pdf = browser.call("Page.printToPDF", json!({"printBackground": false}));
    let pdf = base64_decode(pdf["data"].as_str().unwrap());
    assert!(pdf.starts_with(b"%PDF"));
    std::fs::write(shots.join("bob.pdf"), &pdf).unwrap();
    assert_eq!(
        browser.eval("document.querySelectorAll('#print .print-step').length"),
        json!(4)
    );
}

#[test]
fn a_thousand_step_page_stays_small_and_quick() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("generated.json");
    write_generated(
        Env::Clean,
        &scenario,
        &["--orders", "100", "--changes", "8"],
    );
    let page = write_page(
        dir.path(),
        "generated",
        &["run", scenario.to_str().unwrap(), "--format", "html"],
    );
    let size = std::fs::metadata(&page).unwrap().len();
    assert!(size < 1_000_000, "the 1,000-step page is {size} bytes");
    let bob = write_page(dir.path(), "bob", &["run", "bob", "--format", "html"]);
    let bob_size = std::fs::metadata(&bob).unwrap().len();
    assert!(bob_size < 150_000, "Bob's page is {bob_size} bytes");

    let mut browser = Browser::launch();
    let since = browser.open(&file_url(&page));
    // Each step change timed with performance.now(), layout included: to the end in one
    // jump, then back and forth one step at a time.
    let timing = browser.eval(
        "(() => { \
           const key = k => document.dispatchEvent(new KeyboardEvent('keydown', {key: k, bubbles: true})); \
           const time = k => { const t0 = performance.now(); key(k); void document.body.offsetHeight; \
                               return performance.now() - t0; }; \
           const jump = time('End'); const steps = []; \
           for (let i = 0; i < 200; i++) steps.push(time('ArrowLeft')); \
           for (let i = 0; i < 400; i++) steps.push(time('ArrowRight')); \
           steps.sort((a, b) => a - b); \
           return {jump, median: steps[steps.length >> 1], p95: steps[Math.floor(steps.length * .95)], \
                   max: steps[steps.length - 1], at: document.getElementById('slider').value}; })()",
    );
    assert_eq!(timing["at"], json!("1000"), "{timing}");
    let report = format!(
        "1,000-step page: {size} bytes (Bob's: {bob_size}); step change: median {:.2} ms, \
         p95 {:.2} ms, max {:.2} ms; jump from step 1 to 1,000: {:.2} ms\n",
        timing["median"].as_f64().unwrap(),
        timing["p95"].as_f64().unwrap(),
        timing["max"].as_f64().unwrap(),
        timing["jump"].as_f64().unwrap()
    );
    eprint!("{report}");
    std::fs::write(artifacts().join("timing.txt"), report).unwrap();
    browser.assert_clean(since, &page);
}

#[test]
fn diff_page_opens_at_the_first_divergence() {
    let dir = tempfile::tempdir().unwrap();
    let run = run_json("lost-update");
    let first = run["summary"]["differing_steps"][0]
        .as_u64()
        .expect("lost-update diverges");
    let page = write_page(
        dir.path(),
        "diff",
        &["diff", "lost-update", "--format", "html"],
    );
    let mut browser = Browser::launch();
    let since = browser.open(&file_url(&page));
    assert_eq!(
        browser.eval("document.getElementById('slider').value"),
        json!(first.to_string())
    );
    let headline = browser.eval("document.querySelector('#diff .headline').textContent");
    assert!(
        headline.as_str().unwrap().starts_with("different: "),
        "{headline}"
    );
    let links = browser
        .eval("[...document.querySelectorAll('#diff-steps a')].map(a => a.getAttribute('href'))");
    let expected: Vec<String> = run["summary"]["differing_steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| format!("#step={n}"))
        .collect();
    assert_eq!(links, json!(expected));
    browser.assert_clean(since, &page);
}

/// Waits (briefly) until `expression` is true in the page.
fn wait_true(browser: &mut Browser, expression: &str) {
    for _ in 0..40 {
        if browser.eval(expression) == json!(true) {
            return;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("never true: {expression}");
}

/// Issue 18 §1: on the page, → asks a step (its command and question, the panes as before
/// it), → again shows it; `#step=N` opens step N whole and `#step=N&ask` asks it; with
/// “Ask first” off each step is shown whole at once. A step with no question is asked by
/// its command alone.
#[test]
fn a_step_is_asked_first_then_shown_and_the_reader_can_choose_to_see_it_whole() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_scenario(
        dir.path(),
        "asked",
        &json!({
            "title": "Asked first",
            "steps": [
                {"place_order": {"order_id": "A1", "customer": "Bob", "product": "Book", "quantity": 5, "unit_price": 10},
                 "question": "What will each design keep of this order?",
                 "note": "NOTE-ONE: a row, and an event.",
                 "expect": {"ok": true, "version": 1}},
                {"change_quantity": {"order_id": "A1", "quantity": 7, "expected_version": 9},
                 "question": "Will a change read at version 9 go through?",
                 "note": "NOTE-TWO: the log checks the version."},
                {"query": {"order_id": "A1"}}
            ]
        }),
    );
    let page = write_page(
        dir.path(),
        "asked",
        &["run", file.to_str().unwrap(), "--format", "html"],
    );
    let mut browser = Browser::launch();
    let since = browser.open(&file_url(&page));
    let text = |browser: &mut Browser, id: &str| {
        browser
            .eval(&format!("document.getElementById('{id}').innerText"))
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let main = |browser: &mut Browser| text(browser, "step") + &text(browser, "payoff");
    let asked = main(&mut browser);
    assert!(
        asked.contains("What will each design keep of this order?"),
        "{asked}"
    );
    assert!(
        !asked.contains("NOTE-ONE") && !asked.contains("✓"),
        "{asked}"
    );
    assert_eq!(
        table(&mut browser, "crud-table").len(),
        0,
        "the row shows before the step"
    );
    browser.press("ArrowRight", 39);
    let shown = main(&mut browser);
    assert!(
        shown.contains("NOTE-ONE") && shown.contains("✓ expect"),
        "{shown}"
    );
    assert!(shown.contains("A1 Placed"), "{shown}");
    browser.press("ArrowRight", 39);
    let asked = main(&mut browser);
    assert!(
        asked.contains("Will a change read at version 9 go through?"),
        "{asked}"
    );
    for giveaway in ["NOTE-TWO", "rejected", "✗"] {
        assert!(
            !asked.contains(giveaway),
            "{giveaway:?} before the reveal: {asked}"
        );
    }
    // The panes as before the step: #1 is in the log, no longer new, without its +.
    let log = browser.eval(
        "[...document.querySelectorAll('#log .event')].map(e => [e.className, \
           getComputedStyle(e.querySelector('.plus')).display, e.querySelector('.head').textContent])",
    );
    assert_eq!(
        log,
        json!([["event", "none", "+ #1 NewOrderEvent"]]),
        "{log}"
    );
    browser.press("ArrowRight", 39);
    assert!(main(&mut browser).contains("NOTE-TWO"));
    // ← goes to the step before, shown.
    browser.press("ArrowLeft", 37);
    assert!(main(&mut browser).contains("NOTE-ONE"));
    // A link opens its step whole, or asked with &ask.
    let since2 = browser.open(&format!("{}#step=3", file_url(&page)));
    assert!(
        main(&mut browser).contains("answers") || text(&mut browser, "es-answer").contains("A1")
    );
    assert_eq!(
        browser.eval("document.getElementById('about').textContent === ''"),
        json!(false)
    );
    browser.assert_clean(since2, &page);
    let since3 = browser.open(&format!("{}#step=2&ask", file_url(&page)));
    assert!(!main(&mut browser).contains("NOTE-TWO"));
    // “Ask first” off: the step asked is shown, and → shows the next whole at once.
    browser.click("#ask");
    wait_true(
        &mut browser,
        "document.getElementById('ask').getAttribute('aria-pressed') === 'false'",
    );
    assert!(main(&mut browser).contains("NOTE-TWO"));
    browser.press("ArrowRight", 39);
    let whole = main(&mut browser);
    assert!(
        whole.contains("Step 3 of 3") && whole.contains("A1 Placed"),
        "{whole}"
    );
    assert_eq!(
        browser.eval("!document.getElementById('reveal-hint').hidden"),
        json!(false)
    );
    browser.assert_clean(since3, &page);
    browser.assert_clean(since, &page);
}

/// Issue 18 §3 at 1024 × 768, light and dark: every step's payoff (its answers, a rebuild's
/// result, a report) is on screen once shown; only the events of the step shown are marked
/// new, the last of them ◀, older ones without their +; clicking an event shows OrderView as
/// of it in place of OrderView now; both tables say how they show money.
#[test]
fn at_1024x768_each_payoff_is_on_screen_and_time_travel_takes_orderviews_place() {
    let dir = tempfile::tempdir().unwrap();
    let shots = artifacts();
    let mut browser = Browser::launch();
    browser.viewport(1024, 768, false);
    for name in bundled_names() {
        let page = write_page(dir.path(), name, &["run", name, "--format", "html"]);
        let run = run_json(name);
        let total = run["steps"].as_array().unwrap().len();
        let since = browser.open(&format!("{}#step=1&ask", file_url(&page)));
        for n in 1..=total {
            browser.press("ArrowRight", 39);
            let at = format!("{name} step {n}");
            let seen = browser.eval(
                "new Promise(done => setTimeout(() => requestAnimationFrame(() => { \
                   const r = document.getElementById('payoff').getBoundingClientRect(); \
                   const newest = [...document.querySelectorAll('#log .event.newest')]; \
                   const log = document.getElementById('log'); \
                   const inLog = log.children.length === 0 || (() => { \
                     const l = log.getBoundingClientRect(), e = log.lastElementChild.getBoundingClientRect(); \
                     return e.bottom <= l.bottom + 2 && e.bottom > l.top; })(); \
                   const plus = [...document.querySelectorAll('#log .event:not(.new) .plus')] \
                     .filter(p => getComputedStyle(p).display !== 'none').length; \
                   done({top: r.top, bottom: r.bottom, height: innerHeight, newest: newest.length, \
                         newestIsNew: newest.every(e => e.classList.contains('new')), plus, inLog}); }), 300))",
            );
            let (top, bottom) = (
                seen["top"].as_f64().unwrap(),
                seen["bottom"].as_f64().unwrap(),
            );
            assert!(
                top >= 0.0 && bottom <= 768.0,
                "{at}: the payoff is off screen: {seen}"
            );
            let appended = events_after(&run, n) - events_after(&run, n - 1);
            assert_eq!(
                seen["newest"],
                json!(usize::from(appended > 0)),
                "{at}: {seen}"
            );
            assert_eq!(seen["newestIsNew"], json!(true), "{at}: {seen}");
            assert_eq!(seen["plus"], json!(0), "{at}: an old event keeps its +");
            assert_eq!(
                seen["inLog"],
                json!(true),
                "{at}: the log is not scrolled to its last event"
            );
            if n < total {
                browser.press("ArrowRight", 39);
            }
        }
        browser.assert_clean(since, &page);
    }
    // Time travel in place, and the money labels, on Bob's page.
    let page = write_page(dir.path(), "bob", &["run", "bob", "--format", "html"]);
    for scheme in ["light", "dark"] {
        browser.color_scheme(scheme);
        let since = browser.open(&format!("{}#step=3", file_url(&page)));
        browser.screenshot(&shots.join(format!("bob-step3-1024-{scheme}.png")));
        browser.click("[data-event='2001']");
        wait_true(
            &mut browser,
            "document.getElementById('travel').hidden === false",
        );
        assert_eq!(
            browser.eval("document.getElementById('view-block').hidden"),
            json!(true)
        );
        let travel = browser.eval("document.getElementById('travel').getBoundingClientRect().top");
        assert!(travel.as_f64().unwrap() >= 0.0, "{travel}");
        browser.screenshot(&shots.join(format!("bob-step3-travel-1024-{scheme}.png")));
        browser.press("Escape", 27);
        assert_eq!(
            browser.eval("document.getElementById('view-block').hidden"),
            json!(false)
        );
        let money =
            browser.eval("[...document.querySelectorAll('.money')].map(p => p.textContent)");
        assert_eq!(
            money,
            json!([
                "Money as SQLite stores it: whole cents (6000 is $60.00).",
                "Money in dollars, as OrderView holds it."
            ])
        );
        browser.assert_clean(since, &page);
    }
}

/// Issue 18 §3: an identical diff is not drawn in the colour of a divergence.
#[test]
fn an_identical_diff_page_is_not_drawn_red() {
    let dir = tempfile::tempdir().unwrap();
    let mut browser = Browser::launch();
    let mut colours = Vec::new();
    for name in ["bob", "lost-update"] {
        let page = write_page(dir.path(), name, &["diff", name, "--format", "html"]);
        let since = browser.open(&file_url(&page));
        colours.push(browser.eval(
            "[getComputedStyle(document.getElementById('diff')).borderLeftColor, \
              getComputedStyle(document.querySelector('.legend .m-differs')).color]",
        ));
        browser.assert_clean(since, &page);
    }
    assert_ne!(
        colours[0][0], colours[0][1],
        "bob is identical, drawn as different: {colours:?}"
    );
    assert_eq!(
        colours[1][0], colours[1][1],
        "lost-update differs: {colours:?}"
    );
}

/// Issue 18 §2 on the page: the log marks the event where the snapshot was taken, from the
/// step that took it on (the timeline's `snapshot`), and not before.
#[test]
fn the_log_marks_where_the_snapshot_was_taken() {
    let dir = tempfile::tempdir().unwrap();
    let page = write_page(
        dir.path(),
        "snapshots",
        &["run", "snapshots", "--format", "html"],
    );
    let mut browser = Browser::launch();
    let marked = "[...document.querySelectorAll('#log .event.snapshot')].map(e => \
                  [e.querySelector('.head').textContent, \
                  getComputedStyle(e.querySelector('.snapshot-here')).display === 'none' ? '' : \
                  e.querySelector('.snapshot-here').textContent])";
    let since = browser.open(&format!("{}#step=12", file_url(&page)));
    assert_eq!(browser.eval(marked), json!([]));
    browser.open(&format!("{}#step=17", file_url(&page)));
    assert_eq!(
        browser.eval(marked),
        json!([[
            "+ #2012 ModifyOrderEvent",
            "OrderView's snapshot taken here"
        ]])
    );
    browser.assert_clean(since, &page);
}

/// Issue 18 §2 on the page: the orders table shows the column a migration added at the step
/// of the ALTER TABLE, each row holding its default, then what the next write puts there.
#[test]
fn the_orders_table_shows_a_migrated_column_where_the_migration_happens() {
    let dir = tempfile::tempdir().unwrap();
    let page = write_page(
        dir.path(),
        "schema-evolution",
        &["run", "schema-evolution", "--format", "html"],
    );
    let mut browser = Browser::launch();
    let since = browser.open(&format!("{}#step=2", file_url(&page)));
    let rows = table(&mut browser, "crud-table");
    assert!(rows[0].get("change_reason").is_none(), "{rows:?}");
    browser.open(&format!("{}#step=3", file_url(&page)));
    let rows = table(&mut browser, "crud-table");
    assert_eq!(rows[0]["change_reason"], json!("not recorded"), "{rows:?}");
    browser.open(&format!("{}#step=4", file_url(&page)));
    let rows = table(&mut browser, "crud-table");
    assert_eq!(
        rows[0]["change_reason"],
        json!("the gift is off"),
        "{rows:?}"
    );
    browser.assert_clean(since, &page);
}
