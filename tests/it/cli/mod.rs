//! End-to-end tests of the `eslab` command line: golden output, Bob's story, the JSON
//! contract, determinism, the backends side by side, the subcommands and `--db-dir`.

use std::io::Read;
use std::process::Stdio;

use crate::common::shape::{self, Payload, Storage};
use crate::common::*;
use serde_json::{Value, json};

const FORMATS: [&str; 3] = ["table", "json", "markdown"];

/// Snapshots `text` under `name`, recording the command that printed it.
fn golden(name: &str, command: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_description(command);
    settings.set_omit_expression(true);
    // Beside the other test modules' goldens, where they were before the file became a folder.
    settings.set_snapshot_path("../snapshots");
    settings.bind(|| insta::assert_snapshot!(name, text));
}

mod bob;
mod completions;
mod db_dir;
mod determinism;
mod diff;
mod exit_codes;
mod json_contract;
mod regressions;
mod subcommands;
mod table;
mod width;

// ---------------------------------------------------------------------------------------
// Golden output

#[test]
fn golden_run_default_is_bobs_table() {
    let default = ok(["run"]);
    golden("run_default", "eslab run", &default);
    assert_eq!(
        default,
        ok(["run", "bob"]),
        "`eslab run` is `eslab run bob`"
    );
    assert_eq!(
        default,
        ok(["run", "bob", "--format", "table"]),
        "the default format is the table"
    );
}

#[test]
fn golden_run_every_bundled_scenario_in_every_format() {
    for name in bundled_names() {
        for format in FORMATS {
            let out = ok(["run", name, "--format", format]);
            golden(
                &format!("run_{name}_{format}"),
                &format!("eslab run {name} --format {format}"),
                &out,
            );
        }
    }
}

#[test]
fn golden_run_bob_at_width_80() {
    let out = ok(["run", "--width", "80"]);
    golden("run_bob_width_80", "eslab run --width 80", &out);
}

#[test]
fn golden_scenarios_and_reports_listings() {
    golden("scenarios_table", "eslab scenarios", &ok(["scenarios"]));
    golden("reports_table", "eslab reports", &ok(["reports"]));
}

#[test]
fn golden_log_verify_and_replay_of_bob() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    ok(["run", "bob", "--db-dir", d]);
    golden(
        "log_bob_table",
        "eslab log --db-dir D",
        &ok(["log", "--db-dir", d]),
    );
    golden(
        "replay_bob_table",
        "eslab replay --db-dir D",
        &ok(["replay", "--db-dir", d]),
    );
    golden(
        "verify_bob_table",
        "eslab verify --db-dir D",
        &ok(["verify", "--db-dir", d]),
    );
}
