//! `eslab run` and `eslab diff`: the scenario streamed through both designs, each step handed
//! to the one sink (`render::RunSink`) the settings pick.

use std::io::{IsTerminal, Write};

use anyhow::bail;

use super::settings::{RunSettings, Settings};
use super::storage::{as_attendee, fingerprint, open_streamed};
use super::{DIFFERENT, SUCCESS};
use crate::bench;
use crate::cli::DiffArgs;
use crate::render::{
    self, Diagram, DiffReport, Document, Format, JsonRun, Kept, Page, RunSink, Style, TABLE_STEPS,
    TableRun,
};
use crate::runner::StreamedScenario;
use crate::sanitize::clean_prose;
use crate::service::Backend;
use crate::trace::{ScenarioInfo, StepRecord, Summary};

/// `eslab run`: exit 1 when an expectation failed.
pub(super) fn run(settings: RunSettings) -> anyhow::Result<u8> {
    if settings.step {
        if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
            bail!(
                "--step waits for Enter after each step, so it needs a terminal on stdin and stdout"
            );
        }
        if settings.style.format != Format::Table {
            bail!("--step shows each step as a table: leave out --format");
        }
    }
    let mut streamed = StreamedScenario::check(&settings.scenario)?;
    as_attendee(&mut streamed.scenario, &settings.storage)?;
    if let Some(name) = held_format(settings.style.format) {
        render::check_held(
            &format!("--format {name}"),
            streamed.steps,
            "steps",
            "--format json, table or markdown writes any number as they run",
        )?;
    }
    let (mut services, _scratch) = open_streamed(&streamed, &settings.backends, &settings.storage)?;
    let fingerprint = fingerprint(&streamed, &settings.storage)?;
    // A long run's JSON is gigabytes: written in large pieces.
    let mut stdout = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    let summary = {
        let mut sink = sink(&settings, &mut stdout, streamed.steps)?;
        sink.begin(&streamed.info(), &settings.backends)?;
        let mut done = 0;
        let ran = streamed.run(&mut services, &fingerprint, |record| {
            done = record.step;
            sink.step(record)
        });
        let end = match ran {
            Ok(end) => end,
            // `q` during --step: nothing more runs, nothing is summed up.
            Err(e) if e.is::<StoppedByKey>() => return Ok(SUCCESS),
            Err(e) => {
                // A document already begun is ended, not cut off; the error is still the
                // run's outcome.
                let _ = sink.stop(done, &clean_prose(&format!("{e:#}")));
                drop(sink);
                let _ = stdout.flush();
                return Err(e);
            }
        };
        sink.finish(&end.summary)?;
        end.summary
    };
    stdout.flush()?;
    // `eslab bench` measures a run's peak memory by asking the run itself.
    if std::env::var_os(bench::REPORT_PEAK_RSS).is_some()
        && let Some(bytes) = bench::peak_rss()
    {
        eprintln!("{}{bytes}", bench::PEAK_RSS_SAID);
    }
    let failures = summary.expectations.failures.len();
    if failures > 0 {
        eprintln!(
            "eslab: {failures} of {} expectations failed (see the summary)",
            summary.expectations.checked
        );
        return Ok(DIFFERENT);
    }
    Ok(SUCCESS)
}

/// The output the settings ask for, for a run of `steps` steps.
fn sink<'w, W: Write>(
    settings: &RunSettings,
    out: &'w mut W,
    steps: usize,
) -> anyhow::Result<Box<dyn RunSink + 'w>> {
    let style = settings.style;
    Ok(match style.format {
        _ if settings.step => Box::new(StepByStep::new(out, style, steps)),
        // Written as the run goes: nothing of a step is kept once it is out.
        Format::Json => Box::new(JsonRun::new(out)?),
        // A table of a long run is printed as it runs, a chunk at a time.
        Format::Table | Format::Markdown if steps > TABLE_STEPS => {
            Box::new(TableRun::new(out, style, steps)?)
        }
        Format::Table | Format::Markdown => Box::new(Document::new(out, style)),
        Format::Html => Box::new(Page::new(out, style)),
        Format::Mermaid => Box::new(Diagram::new(out, style)),
    })
}

/// The outputs that keep every step until they are written, by `--format` name.
fn held_format(format: Format) -> Option<&'static str> {
    match format {
        Format::Mermaid => Some("mermaid"),
        Format::Html => Some("html"),
        Format::Table | Format::Markdown | Format::Json => None,
    }
}

/// `eslab diff`: exit 1 when the designs answered the same question differently. The run's
/// sink is the report (`render::DiffReport`), which keeps only the steps it reports.
pub(super) fn diff(args: DiffArgs, settings: &Settings) -> anyhow::Result<u8> {
    let backends = [Backend::Crud, Backend::Es];
    let mut streamed = StreamedScenario::check(&args.scenario)?;
    as_attendee(&mut streamed.scenario, &args.storage)?;
    let style = settings.style(args.output.format, args.output.width);
    if let Some(name) = held_format(style.format) {
        render::check_held(
            &format!("`eslab diff --format {name}`"),
            streamed.steps,
            "steps",
            "--format table, markdown or json keeps only the steps where the designs differ",
        )?;
    }
    let (mut services, _scratch) = open_streamed(&streamed, &backends, &args.storage)?;
    let fingerprint = fingerprint(&streamed, &args.storage)?;
    let mut stdout = std::io::stdout().lock();
    let mut report = DiffReport::new(&mut stdout, style);
    report.begin(&streamed.info(), &backends)?;
    let end = streamed.run(&mut services, &fingerprint, |record| report.step(record))?;
    report.finish(&end.summary)?;
    let identical = end.summary.differing_steps.is_empty();
    Ok(if identical { SUCCESS } else { DIFFERENT })
}

/// `eslab run --step`: prints each step as it is done, as one block of the stacked layout
/// under the ones before, in two beats: its command and question, a key, then what each design
/// did, the note and the verdicts, and a key again; `q` (or Esc, Ctrl-C) stops the run there.
/// The histories and summary follow the last step, so the steps are kept.
struct StepByStep<'w, W: Write> {
    out: &'w mut W,
    style: Style,
    /// Steps in the scenario: after the last, no key is waited for.
    steps: usize,
    kept: Kept,
}

impl<'w, W: Write> StepByStep<'w, W> {
    fn new(out: &'w mut W, style: Style, steps: usize) -> StepByStep<'w, W> {
        StepByStep {
            out,
            style,
            steps,
            kept: Kept::default(),
        }
    }

    /// Writes `text` now: the reader is waiting for it.
    fn show(&mut self, text: &str) -> anyhow::Result<()> {
        self.out.write_all(text.as_bytes())?;
        Ok(self.out.flush()?)
    }
}

impl<W: Write> RunSink for StepByStep<'_, W> {
    fn begin(&mut self, scenario: &ScenarioInfo, backends: &[Backend]) -> anyhow::Result<()> {
        self.kept.begin(scenario, backends);
        self.show(&render::run_opening(scenario, self.style))?;
        self.show("\n")
    }

    fn step(&mut self, record: StepRecord) -> anyhow::Result<()> {
        let backends: Vec<Backend> = record.results.iter().map(|r| r.backend).collect();
        let (ask, reveal) = render::run_step(&backends, &record, self.style);
        let (step, steps) = (record.step, self.steps);
        // First what the room is asked, with nothing of the outcome; a step that asks
        // nothing asks what its command will do.
        self.show(&ask)?;
        let asked = if record.question.is_some() {
            ""
        } else {
            "what will each design do? "
        };
        // The prompt is wiped once answered, where it can be, so the block reads whole.
        let wipe = if std::io::stderr().is_terminal() {
            "\r\x1b[2K"
        } else {
            "\n"
        };
        if !wait_for_key(
            &format!("step {step}/{steps}: {asked}Enter to reveal"),
            wipe,
        )? {
            return Err(StoppedByKey.into());
        }
        self.show(&reveal)?;
        self.kept.steps.push(record);
        // A blank line sets the next block apart.
        if step < steps
            && !wait_for_key(
                &format!("step {step}/{steps}: Enter for the next step"),
                "\n\n",
            )?
        {
            return Err(StoppedByKey.into());
        }
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> anyhow::Result<()> {
        let trace = self.kept.trace(summary);
        self.show(&render::run_closing(&trace, self.style))
    }
}

/// `q` pressed during `run --step`.
#[derive(Debug)]
struct StoppedByKey;

impl std::fmt::Display for StoppedByKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("stopped by a key")
    }
}

impl std::error::Error for StoppedByKey {}

/// Asks for a key on stderr (`prompt`, then how to quit) and ends the prompt with `after`:
/// false when the key says stop.
fn wait_for_key(prompt: &str, after: &str) -> anyhow::Result<bool> {
    eprint!("{prompt}, q to quit… ");
    let go_on = next_key()?;
    eprint!("{after}");
    Ok(go_on)
}

/// One key, read in raw mode (restored before returning, whatever happened): false for `q`,
/// Esc or Ctrl-C, true for any other.
fn next_key() -> anyhow::Result<bool> {
    use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
    crossterm::terminal::enable_raw_mode()?;
    let key = loop {
        match event::read() {
            Ok(Event::Key(key)) if key.kind != KeyEventKind::Release => break Ok(key),
            Ok(_) => {}
            Err(e) => break Err(e),
        }
    };
    crossterm::terminal::disable_raw_mode()?;
    let key = key?;
    let ctrl_c = key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c');
    Ok(!(ctrl_c || matches!(key.code, KeyCode::Char('q') | KeyCode::Esc)))
}
