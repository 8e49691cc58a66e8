//! docs/workshop.md, the lesson plan, checked against eslab: every command in it runs as
//! written (with the exit code it says), every question it reads out is the scenario's own,
//! and every output it quotes after `Reveal:` is what eslab prints.

use crate::capabilities::eslab_on_a_terminal_typing;
use crate::common::{json, run};

const PLAN: &str = include_str!("../../docs/workshop.md");

/// A part of the plan: its heading, its prose (code blocks left out) and its `sh` blocks.
struct Part {
    heading: String,
    prose: String,
    blocks: Vec<String>,
}

fn parts() -> Vec<Part> {
    let mut parts: Vec<Part> = Vec::new();
    let mut block: Option<String> = None;
    for line in PLAN.lines() {
        if let Some(code) = block.as_mut() {
            if line.starts_with("```") {
                let code = block.take().unwrap();
                parts
                    .last_mut()
                    .expect("a block under a heading")
                    .blocks
                    .push(code);
            } else {
                code.push_str(line);
                code.push('\n');
            }
            continue;
        }
        if line.starts_with("```") {
            assert_eq!(line, "```sh", "the plan's code blocks are shell: {line}");
            block = Some(String::new());
        } else if line.starts_with('#') {
            parts.push(Part {
                heading: line.trim_start_matches('#').trim().to_string(),
                prose: String::new(),
                blocks: Vec::new(),
            });
        } else if let Some(part) = parts.last_mut() {
            part.prose.push_str(line);
            part.prose.push('\n');
        }
    }
    assert!(block.is_none(), "a code block is never closed");
    parts
}

/// The exit code a command's comment promises (`# exit 1`), else 0.
fn promised_exit(line: &str) -> i32 {
    line.split_once("# exit ")
        .and_then(|(_, rest)| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

/// A command without its comment.
fn command_of(line: &str) -> &str {
    line.split(" #").next().unwrap_or(line).trim()
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Every command of every block runs as the plan shows it, in one folder for the whole plan
/// (so `mine.json`, written by one block, is checked by the next), with `eslab` on the PATH.
/// A `--step` command runs on a terminal (script(1)) with Enter pressed for every beat, as a
/// room would.
#[test]
fn every_command_in_the_workshop_plan_runs_as_written() {
    let folder = tempfile::tempdir().unwrap();
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_eslab"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let bash = |script: &str| {
        crate::common::spawn_tool(
            std::process::Command::new("bash")
                .args(["-euo", "pipefail", "-c", script])
                .current_dir(folder.path())
                .env("PATH", &path)
                .env("NO_COLOR", "1")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped()),
        )
        .wait_with_output()
        .unwrap()
    };
    let mut commands = 0;
    for part in parts() {
        for block in &part.blocks {
            // Lines run together through bash, up to a line that promises an exit code or
            // steps on a terminal, which runs on its own.
            let mut chunk = String::new();
            let run_chunk = |chunk: &mut String| {
                if chunk.trim().is_empty() {
                    return;
                }
                let out = bash(chunk);
                assert!(
                    out.status.success(),
                    "{}: these lines failed:\n{chunk}\n{}",
                    part.heading,
                    String::from_utf8_lossy(&out.stderr)
                );
                chunk.clear();
            };
            for line in block.lines() {
                commands += usize::from(line.contains("eslab "));
                if !(line.contains("--step") || line.contains("# exit ")) {
                    chunk.push_str(line);
                    chunk.push('\n');
                    continue;
                }
                run_chunk(&mut chunk);
                let command = command_of(line);
                let code = if command.contains("--step") {
                    let args = command.strip_prefix("eslab ").expect(command);
                    let (code, shown) = eslab_on_a_terminal_typing(
                        &format!("{args} --color never"),
                        &[],
                        &"\n".repeat(80),
                    );
                    assert!(shown.contains("Summary"), "{command}:\n{shown}");
                    code
                } else {
                    bash(command).status.code().unwrap_or(-1)
                };
                assert_eq!(code, promised_exit(line), "{}: `{command}`", part.heading);
            }
            run_chunk(&mut chunk);
        }
    }
    assert!(commands >= 20, "only {commands} commands were run");
}

/// What the part's commands print (each `eslab run` and `eslab diff`, without `--step`, wide
/// enough that no quoted phrase is wrapped), whitespace collapsed.
fn printed_by(part: &Part) -> String {
    let mut printed = String::new();
    for line in part.blocks.iter().flat_map(|block| block.lines()) {
        let command = command_of(line);
        // A command that writes a file or reads a shell variable prints nothing to quote.
        if !(command.starts_with("eslab run ") || command.starts_with("eslab diff "))
            || command.contains(['>', '$'])
        {
            continue;
        }
        let mut args: Vec<&str> = command
            .split_whitespace()
            .skip(1)
            .filter(|arg| *arg != "--step")
            .collect();
        args.extend(["--layout", "stacked", "--width", "200", "--color", "never"]);
        printed.push_str(&run(&args).stdout_text());
    }
    collapse(&printed)
}

/// Each backticked phrase after a `Reveal:` (up to the next question or pause) is in what the
/// part's commands print, so the plan never promises the room something eslab does not show.
#[test]
fn every_reveal_in_the_workshop_plan_quotes_what_eslab_prints() {
    let mut quoted = 0;
    for part in parts() {
        let prose = collapse(&part.prose);
        let reveals: Vec<&str> = prose.split("Reveal:").skip(1).collect();
        if reveals.is_empty() {
            continue;
        }
        let printed = printed_by(&part);
        assert!(
            !printed.is_empty(),
            "{}: reveals, but runs nothing",
            part.heading
        );
        for reveal in reveals {
            let end = ["asks:", "**Pause", "Then ask", "Ask also"]
                .iter()
                .filter_map(|stop| reveal.find(stop))
                .min()
                .unwrap_or(reveal.len());
            for (i, phrase) in reveal[..end].split('`').enumerate() {
                if i % 2 == 1 && !phrase.starts_with("--") {
                    assert!(
                        printed.contains(phrase),
                        "{}: the plan quotes `{phrase}`, which eslab does not print",
                        part.heading
                    );
                    quoted += 1;
                }
            }
        }
    }
    assert!(quoted >= 30, "only {quoted} quoted phrases were checked");
}

/// `Step N asks: *"…"*` reads out step N's own question, from the part's scenario.
#[test]
fn the_questions_the_workshop_plan_reads_out_are_the_scenarios_own() {
    let mut read_out = 0;
    for part in parts() {
        let Some(name) = part
            .blocks
            .iter()
            .flat_map(|block| block.lines())
            .filter(|line| !line.contains('$'))
            .find_map(|line| command_of(line).strip_prefix("eslab run "))
            .and_then(|rest| rest.split_whitespace().next())
        else {
            continue;
        };
        let steps = json(["run", name, "--format", "json"])["steps"].clone();
        let prose = collapse(&part.prose);
        for (before, after) in prose
            .split(" asks: *\"")
            .zip(prose.split(" asks: *\"").skip(1))
        {
            let Some(n) = before
                .rsplit("Step ")
                .next()
                .and_then(|n| n.parse::<usize>().ok())
            else {
                continue;
            };
            let question = after.split("\"*").next().unwrap();
            let asked = steps[n - 1]["question"].as_str();
            assert_eq!(
                asked,
                Some(question),
                "{}: step {n} of {name} asks something else",
                part.heading
            );
            read_out += 1;
        }
    }
    assert!(read_out >= 20, "only {read_out} questions were checked");
}
