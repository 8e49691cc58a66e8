//! Pipes, usage errors and exit codes.

use super::*;

// ---------------------------------------------------------------------------------------
// Pipes, usage, exit codes

/// Starts `eslab ARGS` with stdout on a pipe, reads `keep` bytes (none: closes the pipe
/// before eslab gets to write), closes the pipe, and returns the exit code and stderr.
fn run_into_closed_pipe(args: &[&str], keep: usize) -> (Option<i32>, String) {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("eslab"))
        .args(args)
        .current_dir(manifest_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    if keep > 0 {
        let mut head = vec![0; keep];
        stdout.read_exact(&mut head).unwrap();
    }
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    (status.code(), stderr)
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    // `eslab run many-customers | head -c 16`, and a reader gone before the first byte.
    // Both must end quietly with 0, whether or not eslab was still writing by then; the
    // next test makes sure it was.
    for keep in [16, 0] {
        let (code, stderr) = run_into_closed_pipe(&["run", "many-customers"], keep);
        assert_eq!(code, Some(0), "{stderr}");
        assert!(!stderr.contains("error"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn a_closed_pipe_is_always_hit_when_the_output_outgrows_the_pipe() {
    // Far more output than a pipe buffers: whatever the scheduling, eslab is still writing
    // when the reader goes away, so it does meet the closed pipe.
    let dir = tempfile::tempdir().unwrap();
    let steps: Vec<Value> = (0..1000)
        .map(|i| {
            json!({"place_order": {
                "order_id": format!("O{i}"), "customer": "Bob", "product": "Book",
                "quantity": 1 + i % 9, "unit_price": 10
            }, "note": "x ".repeat(100)})
        })
        .collect();
    let file = write_scenario(
        dir.path(),
        "long.json",
        &json!({"title": "Long", "steps": steps}),
    );
    let file = file.to_str().unwrap();
    let full = run(["run", file, "--format", "json"]);
    assert!(
        full.stdout.len() > 2 * 1024 * 1024,
        "{} bytes",
        full.stdout.len()
    );
    let (code, stderr) = run_into_closed_pipe(&["run", file, "--format", "json"], 16);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stderr, "");
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["bogus"],
        vec!["run", "--bogus"],
        vec!["run", "--format", "xml"],
        vec!["run", "--backend", "nosql"],
        vec!["run", "--continue"],
        vec!["run", "bob", "extra"],
        vec!["replay"],
        vec!["replay", "--db-dir", ".", "--until", "-1"],
        vec!["check"],
        vec!["diff", "--format", "mermaid"],
        vec!["scenarios", "--format", "mermaid"],
        vec![],
    ] {
        let out = run(&args);
        assert_eq!(out.code, Some(2), "eslab {args:?}: {out:?}");
        assert!(out.stdout.is_empty(), "eslab {args:?}: {out:?}");
        assert!(!out.stderr.is_empty(), "eslab {args:?}");
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    }
    let help = ok(["--help"]);
    assert!(help.contains("Usage: eslab"), "{help}");
    for command in [
        "run",
        "diff",
        "scenarios",
        "reports",
        "show",
        "check",
        "log",
        "verify",
        "replay",
    ] {
        assert!(help.contains(command), "{command} is not in --help");
    }
    assert!(ok(["--version"]).starts_with("eslab "));
}

#[test]
fn log_and_replay_need_a_stored_log() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    for args in [["log", "--db-dir", d], ["replay", "--db-dir", d]] {
        let stderr = input_error(args);
        assert!(stderr.contains("events.sqlite3"), "{stderr}");
    }
    assert_eq!(folder_snapshot(dir.path()).len(), 0, "nothing was created");
    let missing = dir.path().join("missing");
    let stderr = input_error(["log", "--db-dir", missing.to_str().unwrap()]);
    assert!(stderr.contains("missing"), "{stderr}");
    assert!(!missing.exists());
}
