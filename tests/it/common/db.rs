//! Reading the databases eslab leaves in a `--db-dir` folder, with rusqlite, as they are
//! stored.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, Row};

/// The event store in a `--db-dir` folder.
pub fn events_file(dir: &Path) -> PathBuf {
    dir.join("events.sqlite3")
}

/// The CRUD store in a `--db-dir` folder.
pub fn crud_file(dir: &Path) -> PathBuf {
    dir.join("crud.sqlite3")
}

/// Every row `sql` selects from the database file `db_file`, each read by `row`.
pub fn select<T>(
    db_file: &Path,
    sql: &str,
    row: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> Vec<T> {
    let db = Connection::open(db_file).unwrap();
    let mut select = db.prepare(sql).unwrap();
    select
        .query_map([], row)
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

/// An `events` row exactly as stored: event_id, stream_id, stream_version, event_type,
/// payload, hash.
pub type EventRow = (i64, String, i64, String, String, Vec<u8>);

/// Every event stored in the event store `db_file`, in event-id order.
pub fn read_events(db_file: &Path) -> Vec<EventRow> {
    select(
        db_file,
        "SELECT event_id, stream_id, stream_version, event_type, payload, hash \
         FROM events ORDER BY event_id",
        |r| EventRow::try_from(r),
    )
}

/// Every event stored in a `--db-dir` folder, in event-id order; none when there is no
/// events file.
pub fn event_rows(dir: &Path) -> Vec<EventRow> {
    let path = events_file(dir);
    if !path.exists() {
        return Vec::new();
    }
    read_events(&path)
}
