//! Opening the SQLite files both backends use, under one rule: an existing file is never
//! truncated, overwritten, or written to unless it is the eslab database it claims to be.

use std::fs::OpenOptions;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use rusqlite::{Connection, OpenFlags, OptionalExtension};

/// Which of eslab's stores a file holds, as a fact; `narrate` words it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    EventStore,
    Crud,
    /// CRUD with a version column that stale writes are checked against.
    CrudVersioned,
}

/// A file that is already there where a new database would be made: it is never
/// overwritten. `narrate` words it (and how to carry on from it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AlreadyExists {
    pub path: std::path::PathBuf,
}

impl std::error::Error for AlreadyExists {}

/// Which database a file holds; stamped into SQLite's `application_id` so we recognise our own.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    /// Which store the file holds, for messages (narrate words it).
    pub what: StoreKind,
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

impl Location {
    /// A scratch database holds one transaction from when it is made to when it is thrown
    /// away, and each write is a savepoint in it (see `WriteTx`).
    pub(crate) fn holds_standing_transaction(&self) -> bool {
        matches!(self, Location::Scratch(_))
    }
}

/// One command's write transaction. On a database others may open, SQLite's own, taken
/// IMMEDIATE: the file is the write lock, so read-then-write never races another writer.
/// A scratch database is opened by nobody else and thrown away at the end of the run, so it
/// holds one standing transaction and each command is a savepoint in it: as atomic (a
/// failed command rolls back to its savepoint), without each commit writing its pages to
/// the file (a long run is a fifth faster). Dropped uncommitted, it rolls back.
///
/// Its statements are prepared once per connection, not parsed again for every command, as
/// `rusqlite::Transaction` and `Savepoint` do.
pub struct WriteTx<'c> {
    conn: &'c Connection,
    /// A savepoint in the standing transaction, not a transaction of its own.
    nested: bool,
    committed: bool,
}

impl WriteTx<'_> {
    /// Begins a command's write on `conn`; `standing` as `Location::holds_standing_transaction`.
    pub(crate) fn begin(conn: &mut Connection, standing: bool) -> rusqlite::Result<WriteTx<'_>> {
        let sql = if standing {
            "SAVEPOINT command"
        } else {
            "BEGIN IMMEDIATE"
        };
        conn.prepare_cached(sql)?.execute([])?;
        Ok(WriteTx {
            conn,
            nested: standing,
            committed: false,
        })
    }

    pub fn commit(mut self) -> rusqlite::Result<()> {
        let sql = if self.nested {
            "RELEASE command"
        } else {
            "COMMIT"
        };
        self.conn.prepare_cached(sql)?.execute([])?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for WriteTx<'_> {
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        // A failed command: what it wrote is undone. Nothing can be reported from a drop;
        // the command's own error is already on its way.
        let sql = if self.nested {
            "ROLLBACK TO command; RELEASE command"
        } else {
            "ROLLBACK"
        };
        let _ = self.conn.execute_batch(sql);
    }
}

impl std::ops::Deref for WriteTx<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.conn
    }
}

const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// 64 MiB of page cache (SQLite's default is 2 MiB), in KiB as `PRAGMA cache_size` takes it.
const CACHE_SIZE: i64 = -65536;

/// 8 MiB for a scratch database: a long run's memory must not grow with its log.
const SCRATCH_CACHE_SIZE: i64 = -8192;

/// Opens (and, when new, initialises) a database of the given schema.
pub(crate) fn open(location: &Location, schema: &Schema) -> anyhow::Result<Connection> {
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
            // No WAL and nothing synced: pages go to the file only when the cache spills them
            // (the standing transaction below is never committed); no other process opens
            // it, so its lock is taken once.
            conn.pragma_update(None, "journal_mode", "MEMORY")?;
            conn.pragma_update(None, "synchronous", "OFF")?;
            conn.pragma_update(None, "locking_mode", "EXCLUSIVE")?;
            conn.pragma_update(None, "cache_size", SCRATCH_CACHE_SIZE)?;
            // Each write's savepoint journals the pages it changes: in memory, not a file.
            conn.pragma_update(None, "temp_store", "MEMORY")?;
            // The standing transaction every write is a savepoint in (see `WriteTx`).
            conn.execute_batch("BEGIN IMMEDIATE")?;
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
/// A read-write connection with `query_only` on, where it can be had: SQLite then cleans up
/// its `-wal` and `-shm` files when it closes, which a read-only connection cannot. On a
/// read-only medium, or in a folder this user cannot write, a read-only connection; where
/// that cannot open either (SQLite needs a `-shm` file beside a log in WAL mode), an
/// `immutable` one when no `-wal` holds commits the file lacks, else a private copy of the
/// file and its `-wal`, read in memory. Nothing is ever written beside the file then.
///
/// A file of an older schema version is never changed by reading it: it is copied into
/// memory and upgraded there.
pub(crate) fn open_for_reading(path: &Path, schema: &Schema) -> anyhow::Result<Connection> {
    let found = check_identity(path, schema)?;
    if found < schema.version {
        let file = reading_connection(path, Mode::ReadOnly)?;
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
    let conn = reading_connection(path, Mode::ReadWrite)?;
    conn.pragma_update(None, "query_only", true)?;
    Ok(conn)
}

/// How `reading_connection` tries first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Read-write (the caller turns on `query_only`), then read-only.
    ReadWrite,
    /// Never anything that could write: `immutable` when no `-wal` holds commits, else
    /// read-only.
    ReadOnly,
}

/// `PATH-wal`: where SQLite keeps commits not yet copied into the file.
fn wal_path(path: &Path) -> PathBuf {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    PathBuf::from(wal)
}

/// Whether a `-wal` beside the file may hold commits the file itself lacks (a writer was
/// killed, the disk filled up, the power went): then only a connection that reads it sees
/// the database as it was committed.
fn has_wal(path: &Path) -> bool {
    std::fs::metadata(wal_path(path)).is_ok_and(|m| m.len() > 0)
}

/// A connection that reads the database at `path` as committed, its `-wal` included, trying
/// each way in turn (see `open_for_reading`); each is tried with a read of the schema, since
/// SQLite opens lazily and fails only at the first read.
fn reading_connection(path: &Path, mode: Mode) -> anyhow::Result<Connection> {
    let usable = |conn: Connection| -> rusqlite::Result<Connection> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })?;
        Ok(conn)
    };
    let immutable = || {
        Connection::open_with_flags(
            immutable_uri(path),
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .and_then(usable)
    };
    if mode == Mode::ReadOnly && !has_wal(path) {
        // Nothing committed beyond the file, and a read-only connection to a log in WAL mode
        // would leave a `-shm` beside it that it cannot remove.
        return immutable().with_context(|| format!("cannot open {}", path.display()));
    }
    let mut flags = vec![OpenFlags::SQLITE_OPEN_READ_ONLY];
    if mode == Mode::ReadWrite {
        flags.insert(0, OpenFlags::SQLITE_OPEN_READ_WRITE);
    }
    let mut first_error = None;
    for flags in flags {
        match Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .and_then(usable)
        {
            Ok(conn) => return Ok(conn),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    let first_error = first_error.expect("a way was tried");
    if !has_wal(path) {
        // Nothing committed beyond the file: it can be read as it stands.
        return immutable()
            .with_context(|| format!("cannot open {} ({first_error})", path.display()));
    }
    private_copy(path).with_context(|| format!("cannot open {} ({first_error})", path.display()))
}

/// The database at `path` as committed, read from a copy of it and its `-wal` in a private
/// temporary folder into memory: for a `-wal` that SQLite cannot read where it is (a
/// read-only folder with no `-shm` beside it). The copy is deleted once read.
fn private_copy(path: &Path) -> anyhow::Result<Connection> {
    let folder = tempfile::Builder::new()
        .prefix("eslab-read-")
        .tempdir()
        .context("cannot make a temporary folder to read a copy in")?;
    let copy = folder.path().join("copy.sqlite3");
    std::fs::copy(path, &copy).with_context(|| format!("cannot copy {}", path.display()))?;
    std::fs::copy(wal_path(path), wal_path(&copy))
        .with_context(|| format!("cannot copy {}", wal_path(path).display()))?;
    let file = Connection::open(&copy)?;
    let mut conn = Connection::open_in_memory()?;
    rusqlite::backup::Backup::new(&file, &mut conn)
        .and_then(|backup| backup.run_to_completion(1024, Duration::ZERO, None))?;
    Ok(conn)
}

/// Creates a database file, fully initialised before it appears under its name: it is built
/// under a temporary name and then hard-linked into place, which fails rather than replace
/// anything. So a kill never leaves a half-made file, and of several processes creating the
/// same file at once exactly one wins (the others, when carrying on, open the winner's).
fn create_file(path: &Path, schema: &Schema, or_open: bool) -> anyhow::Result<Connection> {
    let file_name = path
        .file_name()
        .with_context(|| format!("{} is not a file name", path.display()))?
        .to_string_lossy();
    let temporary = path.with_file_name(format!(".{file_name}.new-{}", std::process::id()));
    let built = build_file(&temporary, schema);
    let linked = built.and_then(|()| {
        std::fs::hard_link(&temporary, path).map_err(|e| match e.kind() {
            ErrorKind::AlreadyExists => anyhow::Error::new(AlreadyExists {
                path: path.to_path_buf(),
            }),
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
    configure(&conn).map_err(|e| {
        let read_only = e.chain().any(|cause| {
            matches!(
                cause.downcast_ref::<rusqlite::Error>(),
                Some(rusqlite::Error::SqliteFailure(failure, _))
                    if matches!(
                        failure.code,
                        rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::CannotOpen
                    )
            )
        });
        if read_only {
            e.context(format!(
                "cannot write {}: carrying on writes to its folder; `eslab verify`, `log` and `replay` read a log without writing",
                path.display()
            ))
        } else {
            e.context(format!("cannot use {}", path.display()))
        }
    })?;
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

/// Reads the file's identity, never writing, locking or creating anything beside a file
/// that is not ours: a foreign or broken file is reported and left exactly as it was, with
/// no `-wal` or `-shm` files beside it. Without a `-wal`, through an `immutable` connection.
/// With one, the file may be a log whose last commits live only there (a writer killed, a
/// full disk): its header must first say it is ours, read as bytes, and then a read-only
/// connection reads it as committed. Returns the file's schema version: this one, or an
/// older one that `upgrades` can bring up to it.
pub(crate) fn check_identity(path: &Path, schema: &Schema) -> anyhow::Result<i32> {
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
    let conn = if has_wal(path) {
        match header_application_id(path)? {
            None => return Err(not_ours("file is not a database".into())),
            Some(id) if id != schema.application_id => {
                return Err(not_ours(format!("application_id is {id}")));
            }
            Some(_) => {
                reading_connection(path, Mode::ReadOnly).map_err(|e| not_ours(format!("{e:#}")))?
            }
        }
    } else {
        Connection::open_with_flags(
            immutable_uri(path),
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .with_context(|| format!("cannot open {}", path.display()))?
    };
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

/// The `application_id` in a SQLite file's header, read as bytes; `None` when the file
/// does not begin as a SQLite database does.
fn header_application_id(path: &Path) -> anyhow::Result<Option<i32>> {
    use std::io::Read;
    let mut header = [0u8; 100];
    let mut file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    match file.read_exact(&mut header) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
    if &header[..16] != b"SQLite format 3\0" {
        return Ok(None);
    }
    Ok(Some(i32::from_be_bytes([
        header[68], header[69], header[70], header[71],
    ])))
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
pub(crate) fn is_done(conn: &Connection, mark: &StepMark) -> anyhow::Result<bool> {
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
pub(crate) fn record_progress(conn: &Connection, mark: &StepMark) -> anyhow::Result<()> {
    conn.prepare_cached(
        "INSERT INTO progress (scenario, steps_done) VALUES (?1, ?2) \
         ON CONFLICT (scenario) DO UPDATE SET steps_done = max(steps_done, excluded.steps_done)",
    )?
    .execute(rusqlite::params![mark.scenario, mark.step as i64])?;
    Ok(())
}

/// How many steps of the scenario this database has done (0 if none).
pub(crate) fn steps_done(conn: &Connection, scenario: &str) -> anyhow::Result<u64> {
    let done: Option<i64> = conn
        .prepare_cached("SELECT steps_done FROM progress WHERE scenario = ?1")?
        .query_row([scenario], |r| r.get(0))
        .optional()?;
    Ok(done.unwrap_or(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCRATCH_SCHEMA: Schema = Schema {
        what: StoreKind::EventStore,
        application_id: 0x7e57,
        version: 1,
        upgrades: &[],
        ddl: "CREATE TABLE t (n INTEGER NOT NULL);",
        tables: &["t"],
    };

    fn count(conn: &Connection) -> i64 {
        conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap()
    }

    /// In a scratch database each write is a savepoint: a committed one stays, one dropped
    /// half-way (a command that failed) leaves nothing, and the next write still works.
    #[test]
    fn a_scratch_write_is_all_or_nothing_inside_the_standing_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let location = Location::Scratch(dir.path().join("s.sqlite3"));
        assert!(location.holds_standing_transaction());
        let mut conn = open(&location, &SCRATCH_SCHEMA).unwrap();
        let tx = WriteTx::begin(&mut conn, true).unwrap();
        tx.execute("INSERT INTO t VALUES (1)", []).unwrap();
        tx.commit().unwrap();
        let tx = WriteTx::begin(&mut conn, true).unwrap();
        tx.execute("INSERT INTO t VALUES (2)", []).unwrap();
        drop(tx);
        assert_eq!(count(&conn), 1);
        let tx = WriteTx::begin(&mut conn, true).unwrap();
        tx.execute("INSERT INTO t VALUES (3)", []).unwrap();
        tx.commit().unwrap();
        assert_eq!(count(&conn), 2);
        assert!(
            !conn.is_autocommit(),
            "the standing transaction is still open"
        );
    }

    /// A database others may open commits each write as its own transaction: another
    /// connection sees it at once, and one dropped half-way leaves nothing.
    #[test]
    fn a_file_write_commits_on_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.sqlite3");
        let location = Location::NewFile(path.clone());
        assert!(!location.holds_standing_transaction());
        let mut conn = open(&location, &SCRATCH_SCHEMA).unwrap();
        let tx = WriteTx::begin(&mut conn, false).unwrap();
        tx.execute("INSERT INTO t VALUES (1)", []).unwrap();
        tx.commit().unwrap();
        assert!(conn.is_autocommit());
        assert_eq!(count(&Connection::open(&path).unwrap()), 1);
        let tx = WriteTx::begin(&mut conn, false).unwrap();
        tx.execute("INSERT INTO t VALUES (2)", []).unwrap();
        drop(tx);
        assert!(conn.is_autocommit());
        assert_eq!(count(&Connection::open(&path).unwrap()), 1);
        let tx = WriteTx::begin(&mut conn, false).unwrap();
        tx.execute("INSERT INTO t VALUES (3)", []).unwrap();
        tx.commit().unwrap();
        assert_eq!(count(&Connection::open(&path).unwrap()), 2);
    }
}
