//! `eslab log`, `verify` and `replay`: the stored log read, verified unless --trust says not.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::settings::Settings;
use super::{DIFFERENT, SUCCESS, print};
use crate::cli::OutputArgs;
use crate::domain::Event;
use crate::es::store::RowRef;
use crate::es::{EventStore, OrderView};
use crate::render::{self, LoggedEvent};
use crate::runner;
use crate::verify;

/// Opens the log stored in `db_dir` to read it.
fn open_log(db_dir: &Path) -> anyhow::Result<(PathBuf, EventStore)> {
    let path = runner::events_path(db_dir);
    let store = EventStore::open_read_only(&path)?;
    Ok((path, store))
}

/// Reads the log in `db_dir` in one pass that verifies it too (`verify::read`), refusing
/// (`Untrusted`) one that does not verify: nothing read is used before the verdict.
pub(super) fn read_verified(
    db_dir: &Path,
    until: Option<u64>,
    visit: impl FnMut(&RowRef, &Event) -> anyhow::Result<()> + Send,
) -> anyhow::Result<verify::Reading> {
    let (path, store) = open_log(db_dir)?;
    let reading = verify::read(&store, until, visit)
        .with_context(|| format!("cannot read the log in {}", path.display()))?;
    reading
        .verdict
        .require_intact(&path, db_dir)
        .with_context(|| format!("cannot read the log in {}", path.display()))?;
    Ok(reading)
}

pub(super) fn log(
    db_dir: &Path,
    trust: bool,
    output: &OutputArgs,
    settings: &Settings,
) -> anyhow::Result<u8> {
    let mut events = Vec::new();
    if trust {
        let (path, store) = open_log(db_dir)?;
        store
            .for_each_row(|row| {
                events.push(LoggedEvent {
                    event: row.decode()?,
                    hash: hex::encode(&row.hash),
                });
                Ok(())
            })
            .with_context(|| format!("cannot read the log in {}", path.display()))?;
    } else {
        read_verified(db_dir, None, |row, _| {
            events.push(LoggedEvent {
                event: row.decode()?,
                hash: hex::encode(row.hash),
            });
            Ok(())
        })?;
    }
    print(&render::log(
        &events,
        settings.style(output.format, output.width),
    ))?;
    Ok(SUCCESS)
}

/// `eslab verify`: exit 1 when the log does not verify, or does not end at `expect_head`.
pub(super) fn verify(
    db_dir: &Path,
    expect_head: Option<&str>,
    output: &OutputArgs,
    settings: &Settings,
) -> anyhow::Result<u8> {
    let (path, store) = open_log(db_dir)?;
    let mut verdict = verify::verify(&store)
        .with_context(|| format!("cannot read the log in {}", path.display()))?;
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
    db_dir: &Path,
    trust: bool,
    until: Option<u64>,
    output: &OutputArgs,
    settings: &Settings,
) -> anyhow::Result<u8> {
    let view = if trust {
        let (path, store) = open_log(db_dir)?;
        OrderView::rebuild(&store, until)
            .with_context(|| format!("cannot replay the log in {}", path.display()))?
    } else {
        read_verified(db_dir, until, |_, _| Ok(()))?.view
    };
    print(&render::replay(
        &view,
        until,
        settings.style(output.format, output.width),
    ))?;
    Ok(SUCCESS)
}
