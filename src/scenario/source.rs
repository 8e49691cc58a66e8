//! Where a run's steps come from. A scenario small enough to read whole (bundled, or a file or
//! pipe up to `STREAM_ABOVE_BYTES`) is read once and its steps held; a larger file is checked
//! in a pass that holds no step, then read again, a step at a time, by the run.

use std::path::{Path, PathBuf};
use std::sync::mpsc;

use super::bundled::{bundled, is_bundled_name};
use super::fingerprint::Fingerprint;
use super::parse::{Parsed, parse_reader};
use super::reading::Reading;
use super::text::{BOM, CheckedText, MAX_STRING_BYTES, read_file};
use super::{Scenario, ScenarioError, Step};

/// A scenario file above this size is read as a stream, one step at a time, with a cap on
/// each string instead of on the file. Smaller ones are read whole.
pub const STREAM_ABOVE_BYTES: u64 = 16 * 1024 * 1024;

/// A checked scenario's steps, ready to be run: held, or in a file too large to hold.
pub(crate) struct StepSource {
    /// Names the scenario in errors: `bundled scenario `bob``, or the path as given.
    shown: String,
    count: usize,
    /// Taken while the scenario was checked; `None` when a large file's title came after its
    /// steps, so that the fingerprint needs one more pass.
    fingerprint: Option<String>,
    steps: Steps,
}

enum Steps {
    Held(Vec<Step>),
    /// Read again for each pass.
    Large {
        path: PathBuf,
        /// The spool file a pipe was copied into: deleted with this.
        _spool: Option<tempfile::TempPath>,
    },
}

/// Finds a scenario by bundled name or path, as `load` does, and checks it whole before
/// anything runs: returns the scenario without its steps, and where they are. A pipe or a
/// FIFO (`eslab run <(eslab show bob)`) can be read only once: it is copied into a spool
/// file as it comes, and that is read.
pub(crate) fn open(name_or_path: &str) -> anyhow::Result<(Scenario, StepSource)> {
    if is_bundled_name(name_or_path) {
        let shown = format!("bundled scenario `{name_or_path}`");
        let scenario = Scenario::from_json(&shown, bundled(name_or_path)?)?;
        return Ok(held(shown, scenario));
    }
    let given = PathBuf::from(name_or_path);
    let shown = name_or_path.to_string();
    let (path, spooled) = match std::fs::metadata(&given) {
        Ok(meta) if !meta.is_file() && !meta.is_dir() => {
            let spooled = spool(&given)?;
            (spooled.to_path_buf(), Some(spooled))
        }
        // A missing file or a folder is refused by `read_file`, with its name.
        _ => (given, None),
    };
    let size = std::fs::metadata(&path).map(|meta| meta.len()).unwrap_or(0);
    if size <= STREAM_ABOVE_BYTES {
        // Named as given, not as the spool file a pipe was read into.
        let text = read_file(&path).map_err(|e| ScenarioError {
            source: shown.clone(),
            ..e
        })?;
        let scenario = Scenario::from_json(&shown, &text)?;
        return Ok(held(shown, scenario));
    }
    let (parsed, count) = stream(&shown, &path, |_| Ok(()))?;
    let scenario = parsed.scenario.checked(&shown, count)?;
    Ok((
        scenario,
        StepSource {
            shown,
            count,
            fingerprint: parsed.fingerprint,
            steps: Steps::Large {
                path,
                _spool: spooled,
            },
        },
    ))
}

/// A scenario read whole: its steps moved out to be held, its fingerprint taken.
fn held(shown: String, mut scenario: Scenario) -> (Scenario, StepSource) {
    let fingerprint = scenario.fingerprint();
    let steps = std::mem::take(&mut scenario.steps);
    let source = StepSource {
        shown,
        count: steps.len(),
        fingerprint: Some(fingerprint),
        steps: Steps::Held(steps),
    };
    (scenario, source)
}

impl StepSource {
    /// How many steps the scenario has.
    pub(crate) fn count(&self) -> usize {
        self.count
    }

    /// The scenario's fingerprint (`Scenario::fingerprint`); `title` is the scenario's, for a
    /// large file whose title came after its steps and is fingerprinted in one more pass.
    pub(crate) fn fingerprint(&self, title: &str) -> anyhow::Result<String> {
        if let Some(fingerprint) = &self.fingerprint {
            return Ok(fingerprint.clone());
        }
        let mut fingerprint = Fingerprint::new(title);
        self.for_each(|step| {
            fingerprint.add(&step.action);
            Ok(())
        })?;
        Ok(fingerprint.finish())
    }

    /// Hands each step to `each`, in order. `each`'s error stops the pass and is returned as
    /// it is.
    pub(crate) fn for_each(
        &self,
        each: impl FnMut(Step) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        match &self.steps {
            Steps::Held(steps) => steps.iter().cloned().try_for_each(each),
            Steps::Large { path, .. } => stream(&self.shown, path, each).map(|_| ()),
        }
    }
}

/// Copies what `path` gives, to its end, into a new temporary file: the one read of a pipe.
fn spool(path: &Path) -> Result<tempfile::TempPath, ScenarioError> {
    let error = |message: String| ScenarioError {
        source: path.display().to_string(),
        position: None,
        step: None,
        message,
    };
    let mut input = std::fs::File::open(path).map_err(|e| error(format!("cannot read: {e}")))?;
    let mut spool = tempfile::Builder::new()
        .prefix("eslab-scenario-")
        .tempfile()
        .map_err(|e| error(format!("cannot make a spool file to read it into: {e}")))?;
    std::io::copy(&mut input, spool.as_file_mut())
        .map_err(|e| error(format!("cannot read: {e}")))?;
    Ok(spool.into_temp_path())
}

/// Reads a large scenario file without holding its steps: each is handed to `each` as soon
/// as it is parsed (a parsing thread reads ahead by a few steps, its strings capped at
/// `MAX_STRING_BYTES`). Returns what was parsed, with no steps, and how many there were.
fn stream(
    shown: &str,
    path: &Path,
    mut each: impl FnMut(Step) -> anyhow::Result<()>,
) -> anyhow::Result<(Parsed, usize)> {
    let (sink, batches) = mpsc::sync_channel::<Vec<Step>>(4);
    let parser = {
        let (shown, path) = (shown.to_string(), path.to_path_buf());
        std::thread::spawn(move || read_large(&shown, &path, &Reading::new(Some(sink))))
    };
    let mut count = 0;
    let mut stopped = None;
    'read: for batch in batches.iter() {
        for step in batch {
            count += 1;
            if let Err(e) = each(step) {
                stopped = Some(e);
                break 'read;
            }
        }
    }
    drop(batches);
    let parsed = parser
        .join()
        .map_err(|_| anyhow::anyhow!("the scenario reader of {shown} panicked"))?;
    if let Some(e) = stopped {
        return Err(e);
    }
    Ok((parsed?, count))
}

/// Parses a large file as a stream, through the text checker with capped strings.
fn read_large(shown: &str, path: &Path, reading: &Reading) -> Result<Parsed, ScenarioError> {
    let error = |message: String| ScenarioError {
        source: shown.to_string(),
        position: None,
        step: None,
        message,
    };
    let file = std::fs::File::open(path).map_err(|e| error(format!("cannot read: {e}")))?;
    let mut reader = std::io::BufReader::with_capacity(1 << 16, file);
    // A byte order mark is dropped, as an editor shows it: as nothing.
    if std::io::BufRead::fill_buf(&mut reader)
        .map_err(|e| error(format!("cannot read: {e}")))?
        .starts_with(BOM.as_bytes())
    {
        std::io::BufRead::consume(&mut reader, BOM.len());
    }
    parse_reader(shown, reading, CheckedText::new(reader, MAX_STRING_BYTES))
}
