//! Opening the SQLite files both backends use, under one rule: an existing file is never
//! truncated, overwritten, or written to unless it is the eslab database it claims to be.

use std::fs::OpenOptions;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use rusqlite::{Connection, OpenFlags, OptionalExtension};

/// Which database a file holds; stamped into SQLite's `application_id` so we recognise our own.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    /// For messages: "event store", "CRUD store".
    pub what: &'static str,
    pub application_id: i32,
    /// Stored in `user_version`.
    pub version: i32,
    /// How a file of an older version is brought up to this one: (from version, SQL), each
    /// step to the next version. A file older than the first step is not read; a file newer
    /// than `version` was written by a newer eslab and is refused, never misread.
    pub upgrades: &'static [(i32, &'static str)],
    pub ddl: &'static str,
    /// Tables a database of this schema must have: checked before anything is written.
    pub tables: &'static [&'static str],
}

/// Where a backend keeps its database.
#[derive(Debug, Clone)]
pub enum Location {
    InMemory,
    /// A file that must not exist yet.
    NewFile(PathBuf),
    /// A file to carry on from; created if missing.
    ExistingOrNewFile(PathBuf),
    /// A new file in a run's own temporary folder, for a run too long to keep in memory:
    /// deleted with the folder, so nothing is synced to disk and its page cache is small.
    Scratch(PathBuf),
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::InMemory => f.write_str("in memory"),
            Location::NewFile(path)
            | Location::ExistingOrNewFile(path)
            | Location::Scratch(path) => {
                write!(f, "in {}", path.display())
            }
        }
    }
}

const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// 64 MiB of page cache (SQLite's default is 2 MiB), in KiB as `PRAGMA cache_size` takes it.
const CACHE_SIZE: i64 = -65536;

/// 8 MiB for a scratch database: a long run's memory must not grow with its log.
const SCRATCH_CACHE_SIZE: i64 = -8192;

/// Opens (and, when new, initialises) a database of the given schema.
pub fn open(location: &Location, schema: &Schema) -> anyhow::Result<Connection> {
    match location {
        Location::InMemory => {
            let conn = Connection::open_in_memory()?;
            initialise(&conn, schema)?;
            conn.pragma_update(None, "cache_size", CACHE_SIZE)?;
            Ok(conn)
        }
        Location::NewFile(path) => create_file(path, schema, false),
        Location::Scratch(path) => {
            let conn = create_file(path, schema, false)?;
            // No WAL: a commit writes each page once, into the file, and nothing is synced;
            // no other process opens it, so its lock is taken once, not at every commit.
            conn.pragma_update(None, "journal_mode", "MEMORY")?;
            conn.pragma_update(None, "synchronous", "OFF")?;
            conn.pragma_update(None, "locking_mode", "EXCLUSIVE")?;
            conn.pragma_update(None, "cache_size", SCRATCH_CACHE_SIZE)?;
            Ok(conn)
        }
        Location::ExistingOrNewFile(path) => match path.try_exists() {
            Ok(true) => open_existing(path, schema),
            Ok(false) => create_file(path, schema, true),
            Err(e) => Err(e).with_context(|| format!("cannot look at {}", path.display())),
        },
    }
}

/// Opens an existing eslab database to read it (`eslab log`, `replay`, `verify`).
///
/// A read-write connection with `query_only` on: SQLite then cleans up its `-wal` and `-shm`
/// files when it closes, which a read-only connection cannot. Where the file or folder is
/// read-only, a read-only connection it is.
///
/// A file of an older schema version is never changed by reading it: it is copied into
/// memory and upgraded there.
pub fn open_for_reading(path: &Path, schema: &Schema) -> anyhow::Result<Connection> {
    let found = check_identity(path, schema)?;
    if found < schema.version {
        let file = Connection::open_with_flags(
            immutable_uri(path),
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .with_context(|| format!("cannot open {}", path.display()))?;
        let mut conn = Connection::open_in_memory()?;
        rusqlite::backup::Backup::new(&file, &mut conn)
            .and_then(|backup| backup.run_to_completion(1024, Duration::ZERO, None))
            .with_context(|| format!("cannot read {}", path.display()))?;
        upgrade(&mut conn, schema, found).with_context(|| {
            format!(
                "cannot read {} as schema version {}",
                path.display(),
                schema.version
            )
        })?;
        conn.pragma_update(None, "query_only", true)?;
        return Ok(conn);
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .or_else(|_| {
        Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
    })
    .with_context(|| format!("cannot open {}", path.display()))?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "query_only", true)?;
    Ok(conn)
}

/// Creates a database file, fully initialised before it appears under its name: it is built
/// under a temporary name and then hard-linked into place, which fails rather than replace
/// anything. So a kill never leaves a half-made file, and of several processes creating the
/// same file at once exactly one wins (the others, with `--continue`, open the winner's).
fn create_file(path: &Path, schema: &Schema, or_open: bool) -> anyhow::Result<Connection> {
    let file_name = path
        .file_name()
        .with_context(|| format!("{} is not a file name", path.display()))?
        .to_string_lossy();
    let temporary = path.with_file_name(format!(".{file_name}.new-{}", std::process::id()));
    let built = build_file(&temporary, schema);
    let linked = built.and_then(|()| {
        std::fs::hard_link(&temporary, path).map_err(|e| match e.kind() {
            ErrorKind::AlreadyExists => anyhow::anyhow!(
                "{} already exists: refusing to overwrite it (use --continue to carry on from it)",
                path.display()
            ),
            _ => anyhow::Error::new(e).context(format!("cannot create {}", path.display())),
        })
    });
    let _ = std::fs::remove_file(&temporary);
    match linked {
        Ok(()) => {}
        Err(_) if or_open && path.exists() => return open_existing(path, schema),
        Err(e) => return Err(e),
    }
    let conn = Connection::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    configure(&conn)?;
    Ok(conn)
}

/// Writes a new database with its schema and identity at `path`, which must not exist.
fn build_file(path: &Path, schema: &Schema) -> anyhow::Result<()> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    let conn = Connection::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    // Schema and identity go straight into the main file (no WAL yet), so the file is whole
    // the moment the connection closes.
    initialise(&conn, schema).with_context(|| format!("cannot initialise {}", path.display()))?;
    conn.close()
        .map_err(|(_, e)| e)
        .with_context(|| format!("cannot close {}", path.display()))
}

fn open_existing(path: &Path, schema: &Schema) -> anyhow::Result<Connection> {
    let found = check_identity(path, schema)?;
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("cannot open {}", path.display()))?;
    configure(&conn).with_context(|| format!("cannot use {}", path.display()))?;
    if found < schema.version {
        upgrade(&mut conn, schema, found).with_context(|| {
            format!(
                "cannot upgrade {} from schema version {found} to {}",
                path.display(),
                schema.version
            )
        })?;
    }
    Ok(conn)
}

/// Brings a database of an older schema version up to `schema.version`, in one transaction:
/// a failure or a kill leaves it exactly as it was. Another process may have upgraded it
/// meanwhile: the version is read again inside the transaction.
fn upgrade(conn: &mut Connection, schema: &Schema, _found: i32) -> anyhow::Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut version: i32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (from, sql) in schema.upgrades {
        if *from == version {
            tx.execute_batch(sql)?;
            version = from + 1;
        }
    }
    if version != schema.version {
        bail!(
            "no upgrade leads from schema version {version} to {}",
            schema.version
        );
    }
    tx.pragma_update(None, "user_version", version)?;
    tx.commit()?;
    Ok(())
}

/// Reads the file's identity from its header through an `immutable` connection, which never
/// writes, locks or creates anything: a foreign or broken file is reported and left exactly
/// as it was, with no `-wal` or `-shm` files beside it. Returns the file's schema version:
/// this one, or an older one that `upgrades` can bring up to it.
pub fn check_identity(path: &Path, schema: &Schema) -> anyhow::Result<i32> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if !meta.is_file() {
        bail!("{} is not a file", path.display());
    }
    let not_ours = |why: String| {
        anyhow::anyhow!(
            "{} is not an eslab {} ({why}); it was left untouched",
            path.display(),
            schema.what
        )
    };
    let conn = Connection::open_with_flags(
        immutable_uri(path),
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("cannot open {}", path.display()))?;
    let identity = conn.query_row("PRAGMA application_id", [], |r| r.get::<_, i32>(0));
    let application_id = identity.map_err(|e| not_ours(e.to_string()))?;
    if application_id != schema.application_id {
        return Err(not_ours(format!("application_id is {application_id}")));
    }
    let version: i32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| not_ours(e.to_string()))?;
    for table in schema.tables {
        let present: bool = conn
            .query_row(
                "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [table],
                |r| r.get(0),
            )
            .map_err(|e| not_ours(e.to_string()))?;
        if !present {
            return Err(not_ours(format!("it has no `{table}` table")));
        }
    }
    if version > schema.version {
        bail!(
            "{} was written by a newer eslab: its {} has schema version {version}, and this eslab reads versions up to {}. Upgrade eslab to open it; the file was left untouched",
            path.display(),
            schema.what,
            schema.version
        );
    }
    let upgradable = schema.upgrades.iter().any(|(from, _)| *from == version);
    if version != schema.version && !upgradable {
        bail!(
            "{} has schema version {version}, this eslab reads version {}",
            path.display(),
            schema.version
        );
    }
    Ok(version)
}

/// `file:PATH?immutable=1`, with the characters a URI gives meaning to escaped.
fn immutable_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => uri.push_str("%25"),
            '?' => uri.push_str("%3f"),
            '#' => uri.push_str("%23"),
            c => uri.push(c),
        }
    }
    uri.push_str("?immutable=1");
    uri
}

fn configure(conn: &Connection) -> anyhow::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // WAL with synchronous=NORMAL: a commit is one WAL append, and a crash loses at most the
    // last commits, never the database's consistency.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "wal_autocheckpoint", 20000)?;
    // A 64 MiB page cache (the default is 2 MiB), the same for both designs: the log is the
    // bigger file and would otherwise re-read index pages from the OS on every command.
    conn.pragma_update(None, "cache_size", CACHE_SIZE)?;
    Ok(())
}

fn initialise(conn: &Connection, schema: &Schema) -> anyhow::Result<()> {
    conn.execute_batch(&format!(
        "BEGIN;\n{}\nPRAGMA application_id = {};\nPRAGMA user_version = {};\nCOMMIT;",
        schema.ddl, schema.application_id, schema.version
    ))?;
    Ok(())
}

/// A scenario step, recorded as done in the transaction of its command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepMark {
    /// The scenario's fingerprint (`Scenario::fingerprint`).
    pub scenario: String,
    /// Counted from 1.
    pub step: u64,
}

/// Whether a scenario's step is done already. Steps are done in order, each recording its
/// number, so a step is done once any step at or after it is. Asked inside the transaction
/// that would do the step, it cannot be done twice, even by two runs at once: the other run's
/// record is either committed before this transaction starts or waits for it to end.
pub fn is_done(conn: &Connection, mark: &StepMark) -> anyhow::Result<bool> {
    Ok(mark.done_by(steps_done(conn, &mark.scenario)?))
}

impl StepMark {
    /// Whether a store that has done `steps_done` steps of the scenario has done this one:
    /// steps are done in order, so once any step at or after it is.
    pub fn done_by(&self, steps_done: u64) -> bool {
        steps_done >= self.step
    }
}

/// Records, inside the caller's transaction, that a scenario's step is done. Progress only
/// moves forward, whoever writes it.
pub fn record_progress(conn: &Connection, mark: &StepMark) -> anyhow::Result<()> {
    conn.prepare_cached(
        "INSERT INTO progress (scenario, steps_done) VALUES (?1, ?2) \
         ON CONFLICT (scenario) DO UPDATE SET steps_done = max(steps_done, excluded.steps_done)",
    )?
    .execute(rusqlite::params![mark.scenario, mark.step as i64])?;
    Ok(())
}

/// How many steps of the scenario this database has done (0 if none).
pub fn steps_done(conn: &Connection, scenario: &str) -> anyhow::Result<u64> {
    let done: Option<i64> = conn
        .prepare_cached("SELECT steps_done FROM progress WHERE scenario = ?1")?
        .query_row([scenario], |r| r.get(0))
        .optional()?;
    Ok(done.unwrap_or(0) as u64)
}
