//! Where a run's databases live, and the designs opened on them.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::crud::{self, CrudStore};
use crate::db::{self, Location, Schema};
use crate::es::{self, EventSourcedService};
use crate::pg;
use crate::service::{Backend, OrderService};

pub(crate) const CRUD_FILE: &str = "crud.sqlite3";
pub const EVENTS_FILE: &str = "events.sqlite3";

/// Where the databases live.
#[derive(Debug, Clone, Default)]
pub struct StorageOptions {
    /// Keep the databases as files here; in memory when `None`.
    pub db_dir: Option<PathBuf>,
    /// Carry on from databases already in `db_dir` instead of refusing them.
    pub resume: bool,
    /// Give the CRUD store a version column and refuse stale writes.
    pub crud_locking: bool,
    /// Without `db_dir`: keep the databases as scratch files here instead of in memory (a
    /// long run's log would not fit).
    pub scratch_dir: Option<PathBuf>,
    /// Instead of SQLite: both designs in a room on a PostgreSQL server (`--store`, `--room`).
    pub store: Option<pg::Store>,
    /// OrderView as the pass that verified the log rebuilt it: the run starts from it
    /// instead of reading the log a second time.
    pub verified_view: Option<es::OrderView>,
}

impl StorageOptions {
    fn location(&self, file: &str) -> Location {
        match &self.db_dir {
            None => match &self.scratch_dir {
                Some(dir) => Location::Scratch(dir.join(file)),
                None => Location::InMemory,
            },
            Some(dir) if self.resume => Location::ExistingOrNewFile(dir.join(file)),
            Some(dir) => Location::NewFile(dir.join(file)),
        }
    }

    /// A CRUD store made with the other locking choice is `OtherLocking` (narrate says which
    /// flag opens it); any other error stays as it is.
    fn other_locking(&self, wants_crud: bool, e: anyhow::Error) -> anyhow::Error {
        let crud = self.db_dir.as_ref().map(|dir| dir.join(CRUD_FILE));
        let other = if self.crud_locking {
            &crud::SCHEMA
        } else {
            &crud::VERSIONED_SCHEMA
        };
        match crud {
            Some(path)
                if self.resume
                    && wants_crud
                    && path.is_file()
                    && db::check_identity(&path, other).is_ok() =>
            {
                OtherLocking {
                    path,
                    versioned: !self.crud_locking,
                }
                .into()
            }
            _ => e,
        }
    }

    /// Refuses before anything is created if any database is already there, so a refused
    /// run leaves the folder exactly as it found it.
    /// When carrying on (`resume`), every existing file is checked to be ours before any is created.
    fn prepare(&self, files: &[(&str, &Schema)]) -> anyhow::Result<()> {
        let Some(dir) = &self.db_dir else {
            return Ok(());
        };
        if dir.exists() && !dir.is_dir() {
            bail!("--db-dir {} is not a folder", dir.display());
        }
        for (file, schema) in files {
            let path = dir.join(file);
            // A link to nowhere would be written through, or taken for a database that exists.
            if let (Ok(link), Err(_)) = (std::fs::symlink_metadata(&path), path.metadata())
                && link.file_type().is_symlink()
            {
                let target = std::fs::read_link(&path).unwrap_or_default();
                bail!(
                    "{} is a symbolic link to {}, which does not exist: eslab opens no database through it; remove the link, or point it at the database",
                    path.display(),
                    target.display()
                );
            }
            if self.resume {
                if path.try_exists().unwrap_or(true) {
                    db::check_identity(&path, schema)?;
                }
            } else if path.try_exists().unwrap_or(true) {
                return Err(db::AlreadyExists { path }.into());
            }
        }
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))
    }
}

/// A CRUD store to carry on from that was made with the other locking choice than the
/// run's: `versioned` when it has the version column. `narrate` words it, naming the flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OtherLocking {
    pub path: std::path::PathBuf,
    pub versioned: bool,
}

impl std::error::Error for OtherLocking {}

/// A new run of a scenario in a room that already holds steps of it (run before, by anyone
/// in the room). `narrate` words it, naming the flag that carries on from them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RoomHoldsSteps;

impl std::error::Error for RoomHoldsSteps {}

/// The backends of one run.
pub struct Services {
    pub crud: Option<CrudStore>,
    pub es: Option<EventSourcedService>,
    /// Both designs in a room on a server, instead of the two above.
    pub room: Option<pg::RoomServices>,
    /// Record each step as done, and skip those a database records as done: only files and
    /// rooms can be carried on from (`resume`), or written by two runs at once.
    pub(super) marks: bool,
    /// A room not carried on from (`resume` off): a run refuses a scenario the room already
    /// holds steps of, as a folder not carried on from refuses files that exist.
    pub(super) new_run_only: bool,
}

impl Services {
    pub fn open(
        backends: &[Backend],
        storage: &StorageOptions,
        first_event_id: u64,
    ) -> anyhow::Result<Services> {
        let wants = |b| backends.contains(&b);
        if let Some(store) = &storage.store {
            return Services::open_room(store, backends, storage, first_event_id);
        }
        let files: Vec<(&str, &Schema)> = [
            (
                Backend::Crud,
                CRUD_FILE,
                if storage.crud_locking {
                    &crud::VERSIONED_SCHEMA
                } else {
                    &crud::SCHEMA
                },
            ),
            (Backend::Es, EVENTS_FILE, &es::store::SCHEMA),
        ]
        .into_iter()
        .filter(|(b, _, _)| wants(*b))
        .map(|(_, file, schema)| (file, schema))
        .collect();
        storage
            .prepare(&files)
            .map_err(|e| storage.other_locking(wants(Backend::Crud), e))?;
        let open_crud = || -> anyhow::Result<Option<CrudStore>> {
            wants(Backend::Crud)
                .then(|| CrudStore::open(&storage.location(CRUD_FILE), storage.crud_locking))
                .transpose()
        };
        let open_es = || -> anyhow::Result<Option<EventSourcedService>> {
            wants(Backend::Es)
                .then(|| {
                    EventSourcedService::open_from(
                        &storage.location(EVENTS_FILE),
                        first_event_id,
                        storage.verified_view.clone(),
                    )
                })
                .transpose()
        };
        // Existing files first: if one of them cannot be read, nothing new has been created yet.
        let crud_is_new = storage
            .db_dir
            .as_ref()
            .is_some_and(|dir| !dir.join(CRUD_FILE).exists());
        let (crud, es) = if crud_is_new {
            let es = open_es()?;
            (open_crud()?, es)
        } else {
            let crud = open_crud()?;
            (crud, open_es()?)
        };
        Ok(Services {
            crud,
            es,
            room: None,
            marks: storage.db_dir.is_some(),
            new_run_only: false,
        })
    }

    /// Both designs in a room on a server: shared and kept, so every step is recorded as done.
    fn open_room(
        store: &pg::Store,
        backends: &[Backend],
        storage: &StorageOptions,
        first_event_id: u64,
    ) -> anyhow::Result<Services> {
        let wants = |b| backends.contains(&b);
        let room = pg::RoomServices {
            crud: wants(Backend::Crud)
                .then(|| store.crud(storage.crud_locking))
                .transpose()?,
            es: wants(Backend::Es)
                .then(|| store.es(first_event_id))
                .transpose()?,
        };
        Ok(Services {
            crud: None,
            es: None,
            room: Some(room),
            marks: true,
            new_run_only: !storage.resume,
        })
    }

    /// The designs open, in the order every step runs them.
    pub fn backends(&mut self) -> Vec<Backend> {
        self.each().iter().map(|s| s.backend()).collect()
    }

    pub(super) fn each(&mut self) -> Vec<&mut dyn OrderService> {
        let mut services: Vec<&mut dyn OrderService> = Vec::new();
        if let Some(crud) = &mut self.crud {
            services.push(crud);
        }
        if let Some(es) = &mut self.es {
            services.push(es);
        }
        if let Some(room) = &mut self.room {
            if let Some(crud) = &mut room.crud {
                services.push(crud);
            }
            if let Some(es) = &mut room.es {
                services.push(es);
            }
        }
        services
    }
}

/// The path of a database in a folder, for commands that read one (`log`, `replay`).
pub(crate) fn events_path(db_dir: &Path) -> PathBuf {
    db_dir.join(EVENTS_FILE)
}
