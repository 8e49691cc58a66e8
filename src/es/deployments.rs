//! Deploys, kept in the store: the shape the writer writes each event type in is a fact of
//! the log's file, not of the process that deployed it, so whoever writes to the log next (a
//! resumed run, a later run, `eslab live`, another process) writes what was deployed.

use anyhow::Context;
use rusqlite::{Connection, params};

use super::EventStore;
use crate::domain::{Deploy, Shapes};

impl EventStore {
    /// The shapes the last deploys left: shape 1 for a type never deployed. A row naming a
    /// type or shape this eslab does not know is refused, never guessed at.
    pub fn shapes(conn: &Connection) -> anyhow::Result<Shapes> {
        let mut select =
            conn.prepare_cached("SELECT event_type, version FROM deployments ORDER BY event_type")?;
        let rows = select
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        shapes_from(rows)
    }

    /// Records, inside the caller's transaction, that `deploy.event` is written in shape
    /// `deploy.version` from now on.
    pub fn record_deploy(conn: &Connection, deploy: &Deploy) -> anyhow::Result<()> {
        conn.prepare_cached(
            "INSERT INTO deployments (event_type, version) VALUES (?1, ?2) \
             ON CONFLICT (event_type) DO UPDATE SET version = excluded.version",
        )?
        .execute(params![deploy.event, deploy.version])?;
        Ok(())
    }
}

/// The shapes the rows of a `deployments` table (event type, shape) leave, in any engine.
pub(crate) fn shapes_from(rows: Vec<(String, i64)>) -> anyhow::Result<Shapes> {
    let mut shapes = Shapes::default();
    for (event, version) in rows {
        let deploy = u32::try_from(version)
            .map_err(|e| e.to_string())
            .and_then(|version| Deploy::new(event.clone(), version))
            .map_err(anyhow::Error::msg)
            .with_context(|| {
                format!("the deployments table says {event} is written in shape {version}")
            })?;
        shapes.deploy(&deploy);
    }
    Ok(shapes)
}
