//! Opening the designs a run needs, as --db-dir, --continue, --trust, --crud-locking, --store,
//! --room and --as say: warning about flags a scenario was not written for, and refusing a
//! log that fails verification before anything builds on it.

use anyhow::Context;

use super::log::{LogAt, read_verified};
use super::settings::room_of;
use crate::cli::StorageArgs;
use crate::es::OrderView;
use crate::runner::{self, Services, StorageOptions, StreamedScenario};
use crate::sanitize::clean_prose;
use crate::scenario::{DesignFlag, LoadedScenario, Scenario};
use crate::service::Backend;

/// Past this many steps, a run without `--db-dir` keeps its databases in scratch files, not
/// in memory, where its log would grow with every step.
const SCRATCH_ABOVE_STEPS: usize = 20_000;

/// Opens the designs for a streamed run: warns about flags the scenario was not written for,
/// refuses to carry on from a log that fails verification, and past `SCRATCH_ABOVE_STEPS`
/// puts in-memory databases in a scratch folder, returned to be kept until the run ends.
pub(super) fn open_streamed(
    streamed: &StreamedScenario,
    backends: &[Backend],
    storage: &StorageArgs,
) -> anyhow::Result<(Services, Option<tempfile::TempDir>)> {
    warn_not_for(&streamed.name, &streamed.scenario, backends, storage);
    let verified_view = refuse_untrusted_log(backends, storage)?;
    let room = room_of(&storage.room)?;
    let scratch =
        (storage.db_dir.is_none() && room.is_none() && streamed.steps > SCRATCH_ABOVE_STEPS)
            .then(|| tempfile::Builder::new().prefix("eslab-run-").tempdir())
            .transpose()
            .context("cannot make a scratch folder for a long run")?;
    let options = StorageOptions {
        db_dir: storage.db_dir.clone(),
        resume: storage.resume,
        crud_locking: storage.crud_locking,
        scratch_dir: scratch.as_ref().map(|dir| dir.path().to_path_buf()),
        store: room,
        verified_view,
    };
    let services = Services::open(backends, &options, streamed.scenario.first_event_id)?;
    Ok((services, scratch))
}

/// The fingerprint a run marks its steps with: needed only where they are recorded.
pub(super) fn fingerprint(
    streamed: &StreamedScenario,
    storage: &StorageArgs,
) -> anyhow::Result<String> {
    match (&storage.db_dir, &storage.room.store) {
        (None, None) => Ok(String::new()),
        _ => streamed.fingerprint(),
    }
}

/// Opens the databases a scenario runs on, as --db-dir, --continue and --trust say.
pub(super) fn open_services(
    loaded: &LoadedScenario,
    backends: &[Backend],
    storage: &StorageArgs,
) -> anyhow::Result<Services> {
    warn_not_for(&loaded.name, &loaded.scenario, backends, storage);
    let verified_view = refuse_untrusted_log(backends, storage)?;
    let storage = StorageOptions {
        db_dir: storage.db_dir.clone(),
        resume: storage.resume,
        crud_locking: storage.crud_locking,
        scratch_dir: None,
        store: room_of(&storage.room)?,
        verified_view,
    };
    Services::open(backends, &storage, loaded.scenario.first_event_id)
}

/// `--as NAME`: the scenario's commands that name no one are issued by NAME.
pub(super) fn as_attendee(scenario: &mut Scenario, storage: &StorageArgs) -> anyhow::Result<()> {
    if let Some(name) = &storage.attendee {
        scenario.by = crate::domain::Actor::new(name.as_str())
            .map_err(anyhow::Error::msg)
            .context("--as")?;
    }
    Ok(())
}

/// Carrying on from a tampered log would build on events nobody can vouch for. The pass
/// that verifies it also rebuilds OrderView, which a run on SQLite then starts from (a room's
/// is verified, and its view built when the room is joined).
fn refuse_untrusted_log(
    backends: &[Backend],
    storage: &StorageArgs,
) -> anyhow::Result<Option<OrderView>> {
    if !storage.resume || storage.trust || !backends.contains(&Backend::Es) {
        return Ok(None);
    }
    if let Some(room) = room_of(&storage.room)? {
        read_verified(&LogAt::Room(Box::new(room)), None, |_, _| Ok(()))?;
        return Ok(None);
    }
    if let Some(db_dir) = &storage.db_dir
        && runner::events_path(db_dir).try_exists().unwrap_or(true)
    {
        return Ok(Some(
            read_verified(&LogAt::Dir(db_dir.clone()), None, |_, _| Ok(()))?.view,
        ));
    }
    Ok(None)
}

/// Warns on stderr when the scenario says it was not written for a flag it is run with: its
/// expectations and notes may not hold then.
fn warn_not_for(name: &str, scenario: &Scenario, backends: &[Backend], storage: &StorageArgs) {
    let used = [
        (
            DesignFlag::CrudLocking,
            storage.crud_locking && backends.contains(&Backend::Crud),
        ),
        (DesignFlag::BackendCrud, backends == [Backend::Crud]),
        (DesignFlag::BackendEs, backends == [Backend::Es]),
    ];
    for (flag, on) in used {
        if let Some(reason) = scenario.not_for.get(&flag).filter(|_| on) {
            eprintln!(
                "eslab: warning: {} was not written for {}: {}",
                clean_prose(name),
                flag.cli(),
                clean_prose(reason)
            );
        }
    }
}
