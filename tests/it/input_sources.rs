//! Where a scenario comes from: a pipe (`eslab run <(eslab show bob)`), a FIFO, as well as
//! a file. A pipe can be read only once, so eslab reads it once (into a spool file) and
//! makes every pass over that; the output is the same as from the file.

use crate::common;
use std::path::Path;
use std::time::Duration;

use crate::common::{Env, eslab_in, path_str, spawn_tool};

/// `eslab ARGS` from the crate root, killed if it has not finished in a minute (a FIFO
/// opened twice waits forever for a second writer).
fn run_with_timeout(args: &[&str]) -> std::process::Output {
    eslab_in(Env::Clean)
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("eslab starts")
}

/// stdout with the scenario's name, which says where it came from, left out.
fn without_name(stdout: &[u8], name: &str) -> String {
    String::from_utf8_lossy(stdout).replace(name, "NAME")
}

#[test]
fn a_scenario_from_process_substitution_runs_as_from_its_file() {
    let eslab = env!("CARGO_BIN_EXE_eslab");
    let by_file = run_with_timeout(&["run", "scenarios/bob.json", "--format", "json"]);
    assert_eq!(by_file.status.code(), Some(0));
    for (command, compare) in [
        ("run", vec!["--format", "json"]),
        ("diff", vec!["--format", "json"]),
        ("check", vec![]),
    ] {
        let script = format!(
            "exec '{eslab}' {command} <('{eslab}' show bob) {}",
            compare.join(" ")
        );
        let out = std::process::Command::new("bash")
            .args(["-c", &script])
            .current_dir(common::manifest_dir())
            .output()
            .expect("bash runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{script}: {stderr}");
        assert_eq!(stderr, "", "{script}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let name = stdout
            .split("\"name\": \"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or("/dev/fd/");
        if command == "run" {
            assert_eq!(
                without_name(&out.stdout, name),
                without_name(&by_file.stdout, "scenarios/bob.json"),
                "{script}"
            );
        } else if command == "check" {
            assert!(stdout.starts_with("ok: /dev/fd/"), "{stdout}");
            assert!(stdout.contains("(4 steps)"), "{stdout}");
        }
    }
}

#[test]
fn a_scenario_from_a_fifo_runs_and_its_errors_name_the_fifo() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("scenario.fifo");
    let status = spawn_tool(std::process::Command::new("mkfifo").arg(&fifo))
        .wait()
        .unwrap();
    assert!(status.success());
    let feed = |fifo: &Path, text: Vec<u8>| {
        let fifo = fifo.to_path_buf();
        std::thread::spawn(move || std::fs::write(fifo, text).unwrap())
    };
    let bob = std::fs::read(common::manifest_dir().join("scenarios/bob.json")).unwrap();
    let writer = feed(&fifo, bob);
    let out = run_with_timeout(&["run", path_str(&fifo), "--format", "json"]);
    writer.join().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let by_file = run_with_timeout(&["run", "scenarios/bob.json", "--format", "json"]);
    assert_eq!(
        without_name(&out.stdout, path_str(&fifo)),
        without_name(&by_file.stdout, "scenarios/bob.json")
    );
    // A mistake in what came down the FIFO is named by the FIFO's name, line and column.
    let writer = feed(
        &fifo,
        br#"{"title": "t", "steps": [{"query": {"order_id": 5}}]}"#.to_vec(),
    );
    let out = run_with_timeout(&["run", path_str(&fifo)]);
    writer.join().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("{}:1:49: step 1: query.order_id", path_str(&fifo))),
        "{stderr}"
    );
}
