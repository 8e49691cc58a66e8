//! `eslab live` without a terminal: the scenario's steps, then one command per line of stdin,
//! each printed as the block `eslab run --layout stacked` prints for it. A bad line is
//! reported on stderr, naming its line number, and skipped.

use std::io::{BufRead, Write};

use super::command::{self, Input};
use super::session::Session;
use crate::narrate;
use crate::render::stacked;

/// How a scripted session went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ended {
    /// Lines that were not commands and were skipped.
    pub bad_lines: usize,
    /// Expectations of the scenario's steps that failed.
    pub failed_expectations: usize,
}

pub(crate) fn run(
    session: &mut Session,
    input: impl BufRead,
    out: &mut impl Write,
    err: &mut impl Write,
    width: usize,
) -> anyhow::Result<Ended> {
    let title = crate::sanitize::clean(&session.loaded().scenario.title);
    writeln!(
        out,
        "{title}\n{}\n",
        "=".repeat(textwrap::core::display_width(&title))
    )?;
    while session.run_next()?.is_some() {
        print_last(session, out, width)?;
    }
    let mut bad_lines = 0;
    for (index, line) in input.split(b'\n').enumerate() {
        let number = index + 1;
        let line = line.map_err(|e| anyhow::anyhow!("stdin line {number}: {e}"))?;
        let skip = |err: &mut dyn Write, message: &str| {
            writeln!(
                err,
                "eslab: stdin line {number}: {}; skipped",
                crate::sanitize::clean_prose(message)
            )
        };
        // A line that is not UTF-8 is one bad line, not the end of the session.
        let line = match String::from_utf8(line) {
            Ok(line) => line,
            Err(e) => {
                bad_lines += 1;
                let byte = e.as_bytes()[e.utf8_error().valid_up_to()];
                skip(err, &format!("is not UTF-8 text (byte 0x{byte:02x})"))?;
                continue;
            }
        };
        let line = line.strip_suffix('\r').unwrap_or(&line);
        match command::parse(line) {
            Ok(None) => {}
            Err(message) => {
                bad_lines += 1;
                skip(err, &message)?;
            }
            Ok(Some(Input::Step(step))) => {
                super::check_steps(session.records().len() + 1)?;
                session.run_typed(*step)?;
                print_last(session, out, width)?;
            }
            Ok(Some(Input::Save(path))) => match session.save(&path) {
                Ok(steps) => writeln!(
                    out,
                    "saved {steps} {} to {}: `eslab run {}` runs them again\n",
                    narrate::plural(steps as u64, "steps"),
                    crate::sanitize::clean_prose(&path.display().to_string()),
                    crate::sanitize::clean_prose(&path.display().to_string()),
                )?,
                Err(e) => {
                    bad_lines += 1;
                    skip(err, &format!("{e:#}"))?;
                }
            },
        }
        out.flush()?;
    }
    let failed_expectations = session.expectation_failures().len();
    let trace = session.trace()?;
    for line in narrate::summary(&trace.summary, &trace.backends) {
        for wrapped in stacked::wrap(&line, width) {
            writeln!(out, "{wrapped}")?;
        }
    }
    Ok(Ended {
        bad_lines,
        failed_expectations,
    })
}

/// The step just run, as its block.
fn print_last(session: &Session, out: &mut impl Write, width: usize) -> anyhow::Result<()> {
    if let Some(record) = session.records().last() {
        let block = stacked::step_block(session.backends(), record, width);
        writeln!(out, "{}", stacked::block_text(&block))?;
    }
    Ok(())
}
