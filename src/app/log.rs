//! `eslab log`, `verify` and `replay`: a stored log (a folder's or a room's) read, verified
//! unless --trust says not.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};

use super::settings::Settings;
use super::{DIFFERENT, SUCCESS, print};
use crate::cli::{LogPlaceArgs, OutputArgs};
use crate::domain::Event;
use crate::es::row::RowRef;
use crate::es::{EventStore, OrderView, StoredLog};
use crate::pg;
use crate::render::{self, Format, LoggedEvent};
use crate::runner;
use crate::sanitize::clean_prose;
use crate::verify;

/// Where a stored log is: a folder's `events.sqlite3`, or a room on a server.
pub(super) enum LogAt {
    Dir(PathBuf),
    Room(Box<pg::Store>),
}

impl LogAt {
    pub(super) fn of(args: &LogPlaceArgs) -> anyhow::Result<LogAt> {
        Ok(
            match (&args.db_dir, super::settings::room_of(&args.room)?) {
                (Some(dir), _) => LogAt::Dir(dir.clone()),
                (None, Some(store)) => LogAt::Room(Box::new(store)),
                _ => bail!("say where the log is: --db-dir DIR, or --store URL --room NAME"),
            },
        )
    }

    /// The log, as messages name it.
    fn path(&self) -> String {
        match self {
            LogAt::Dir(dir) => runner::events_path(dir).display().to_string(),
            LogAt::Room(store) => format!("room {} on {}", store.room, store.url),
        }
    }

    /// Where it is, as `eslab verify` takes it.
    fn place(&self) -> String {
        match self {
            LogAt::Dir(dir) => format!("--db-dir {}", dir.display()),
            LogAt::Room(store) => format!("--store {} --room {}", store.url, store.room),
        }
    }

    /// Opens it to read it.
    fn open(&self) -> anyhow::Result<Box<dyn StoredLog>> {
        Ok(match self {
            LogAt::Dir(dir) => Box::new(EventStore::open_read_only(&runner::events_path(dir))?),
            LogAt::Room(store) => Box::new(pg::PgLog::new(store.join()?, 1)),
        })
    }
}

/// Reads a stored log in one pass that verifies it too (`verify::read`), refusing
/// (`Untrusted`) one that does not verify: nothing read is used before the verdict.
pub(super) fn read_verified(
    at: &LogAt,
    until: Option<u64>,
    visit: impl FnMut(&RowRef, &Event) -> anyhow::Result<()> + Send,
) -> anyhow::Result<verify::Reading> {
    let path = at.path();
    let store = at.open()?;
    let reading = verify::read(&*store, until, visit)
        .with_context(|| format!("cannot read the log in {path}"))?;
    reading
        .verdict
        .require_intact(&path, &at.place())
        .with_context(|| format!("cannot read the log in {path}"))?;
    Ok(reading)
}

pub(super) fn log(
    at: &LogAt,
    trust: bool,
    output: &OutputArgs,
    settings: &Settings,
) -> anyhow::Result<u8> {
    let style = settings.style(output.format, output.width);
    let count = at.open()?.count()? as usize;
    if style.format == Format::Json && (trust || count > render::MAX_HELD) {
        // Too long to hold until the verdict: verified in a pass of its own first (the one
        // case that reads the log twice), then written as it is read.
        if !trust {
            read_verified(at, None, |_, _| Ok(()))?;
        }
        return stream_log_json(at);
    }
    render::check_held(
        "a log's table",
        count,
        "events",
        "`eslab log --format json` writes any number as it reads them",
    )?;
    let mut events = Vec::new();
    if trust {
        let store = at.open()?;
        store
            .for_each_row(&mut |row| {
                events.push(LoggedEvent {
                    event: row.decode()?,
                    hash: hex::encode(&row.hash),
                });
                Ok(())
            })
            .with_context(|| format!("cannot read the log in {}", at.path()))?;
    } else {
        read_verified(at, None, |row, _| {
            events.push(LoggedEvent {
                event: row.decode()?,
                hash: hex::encode(row.hash),
            });
            Ok(())
        })?;
    }
    // Where a snapshot of OrderView was taken: the last event each holds.
    let snapshots: Vec<u64> = at
        .open()?
        .snapshots()
        .with_context(|| format!("cannot read the snapshots in {}", at.path()))?
        .iter()
        .filter_map(|s| u64::try_from(s.checkpoint).ok())
        .collect();
    print(&render::log(&events, &snapshots, style))?;
    Ok(SUCCESS)
}

/// `eslab log --format json`, written as it is read: a log of any length. A read that fails
/// midway ends the document it began, never leaves it cut off.
fn stream_log_json(at: &LogAt) -> anyhow::Result<u8> {
    let store = at.open()?;
    let mut stdout = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    let mut json = render::JsonLog::begin(&mut stdout)?;
    let read = store
        .for_each_row(&mut |row| {
            json.event(&LoggedEvent {
                event: row.decode()?,
                hash: hex::encode(&row.hash),
            })
        })
        .with_context(|| format!("cannot read the log in {}", at.path()));
    if let Err(e) = read {
        let _ = json.stop(&clean_prose(&format!("{e:#}")));
        let _ = stdout.flush();
        return Err(e);
    }
    json.finish()?;
    stdout.flush()?;
    Ok(SUCCESS)
}

/// `eslab verify`: exit 1 when the log does not verify, or does not end at `expect_head`.
pub(super) fn verify(
    at: &LogAt,
    expect_head: Option<&str>,
    output: &OutputArgs,
    settings: &Settings,
) -> anyhow::Result<u8> {
    let store = at.open()?;
    let mut verdict =
        verify::verify(&*store).with_context(|| format!("cannot read the log in {}", at.path()))?;
    if let Some(expected) = expect_head {
        verdict.expect_head(expected);
    }
    print(&render::verdict(
        &verdict,
        settings.style(output.format, output.width),
    ))?;
    Ok(if verdict.holds() { SUCCESS } else { DIFFERENT })
}

pub(super) fn replay(
    at: &LogAt,
    trust: bool,
    until: Option<u64>,
    output: &OutputArgs,
    settings: &Settings,
) -> anyhow::Result<u8> {
    let view = if trust {
        let store = at.open()?;
        OrderView::rebuild(&*store, until)
            .with_context(|| format!("cannot replay the log in {}", at.path()))?
    } else {
        read_verified(at, until, |_, _| Ok(()))?.view
    };
    print(&render::replay(
        &view,
        until,
        settings.style(output.format, output.width),
    ))?;
    Ok(SUCCESS)
}
