//! Both designs on a PostgreSQL server: a room is one schema holding the CRUD `orders` table
//! and the event log with its snapshots and progress, shared by everyone who joins it
//! (`--store URL --room NAME`). The engines here only move rows: the rules, the chain and
//! what each write reports are the same code as on SQLite (`crud::Rows`, `es::Log`).
//!
//! The synchronous `postgres` client is used as it is: no async runtime of eslab's own.

mod db;
mod follow;
mod lesson;
mod log;
mod rows;
mod tls;

use std::fmt;
use std::time::Duration;

use anyhow::{Context, bail};
use postgres::Client;

pub(crate) use self::follow::{Feed, POLL_ALONE, POLL_LISTENING, RowWrite, Wake};
pub(crate) use self::lesson::{LateReader, READ_BEFORE, ReaderStory, in_scratch_room, late_reader};
pub(crate) use self::log::Commits;
pub use self::log::PgLog;
pub(crate) use self::rows::PgRows;
use crate::crud::CrudStore;
use crate::es::EventSourcedService;

/// The room's layout. Stored in the room's own `room` table; an eslab that reads an older
/// version refuses a newer room (its layout may mean things this one would misread).
/// 2: the room notifies its views at each commit, and its head row moves only to where the
/// log ends (triggers in room.sql).
pub(crate) const ROOM_SCHEMA_VERSION: i32 = 2;

/// The tables, triggers and the log's head row of a room (run inside its schema).
const ROOM_DDL: &str = include_str!("room.sql");

/// How long connecting to a server may take before eslab says it cannot.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A server's address as given (`postgres://user:password@host:port/database`). Shown only
/// through `Display`, which never shows the password.
#[derive(Clone)]
pub struct StoreUrl {
    url: String,
    config: postgres::Config,
}

impl StoreUrl {
    pub fn parse(url: &str) -> anyhow::Result<StoreUrl> {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            bail!(
                "--store takes a PostgreSQL URL (postgres://user@host:port/database), not {}",
                redact(url)
            );
        }
        // The client's own message could quote the URL: only ours, redacted, is shown.
        let config: postgres::Config = url.parse().map_err(|_| {
            anyhow::anyhow!("{} is not a PostgreSQL URL eslab can read", redact(url))
        })?;
        let mut config = config;
        config.connect_timeout(CONNECT_TIMEOUT);
        config.application_name("eslab");
        Ok(StoreUrl {
            url: url.to_string(),
            config,
        })
    }

    /// A new connection to the server.
    pub fn connect(&self) -> anyhow::Result<Client> {
        self.config
            .connect(tls::connector()?)
            .map_err(|e| anyhow::anyhow!("{}", redact(&with_causes(&e))))
            .with_context(|| format!("cannot connect to {self}"))
    }

    /// The URL with another user and no password: what attendees type to join.
    fn as_user(&self, user: &str) -> String {
        let (scheme, rest) = self
            .url
            .split_once("://")
            .unwrap_or(("postgres", &self.url));
        let rest = match rest.split_once('@') {
            Some((_, host)) => host,
            None => rest,
        };
        format!("{scheme}://{user}@{rest}")
    }
}

impl fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact(&self.url))
    }
}

impl fmt::Debug for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreUrl({self})")
    }
}

/// The text with every password in a URL (`scheme://user:PASSWORD@…`) or a connection
/// parameter (`password=…`) replaced by `***`. The one place eslab hides passwords: every
/// URL it shows goes through here, and so does every error message (`main`).
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (before, after) = rest.split_at(at + 3);
        out.push_str(before);
        // The authority ends at the first '/', '?', '#' or whitespace; the password sits
        // between the first ':' and the last '@' in it.
        let end = after
            .find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace())
            .unwrap_or(after.len());
        let authority = &after[..end];
        match authority.rfind('@') {
            Some(at) if authority[..at].contains(':') => {
                let user = &authority[..authority.find(':').unwrap_or(0)];
                out.push_str(user);
                out.push_str(":***");
                out.push_str(&authority[at..]);
            }
            _ => out.push_str(authority),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    redact_parameters(&out)
}

/// `password=secret` (in a URL's query or a key=value string) as `password=***`.
fn redact_parameters(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let key = "password=";
    while let Some(at) = rest.to_ascii_lowercase().find(key) {
        out.push_str(&rest[..at + key.len()]);
        let value = &rest[at + key.len()..];
        let end = value
            .find(|c: char| c == '&' || c == '#' || c.is_whitespace())
            .unwrap_or(value.len());
        out.push_str("***");
        rest = &value[end..];
    }
    out.push_str(rest);
    out
}

/// A room's name: a lowercase identifier, so it can name a schema and a role without ever
/// being quoted from user input into SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomName(String);

impl RoomName {
    pub fn parse(name: &str) -> anyhow::Result<RoomName> {
        let valid = !name.is_empty()
            && name.len() <= 40
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            bail!(
                "--room {:?} is not a room name: use 1 to 40 lowercase letters, digits and _, starting with a letter",
                crate::sanitize::clean_prose(name)
            );
        }
        Ok(RoomName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The schema that holds the room's tables.
    pub fn schema(&self) -> String {
        format!("eslab_room_{}", self.0)
    }

    /// The role attendees connect as: it may append to the log, never change it.
    pub fn role(&self) -> String {
        format!("eslab_room_{}", self.0)
    }
}

impl fmt::Display for RoomName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where both designs live: a room on a server.
#[derive(Debug, Clone)]
pub struct Store {
    pub url: StoreUrl,
    pub room: RoomName,
}

impl Store {
    pub fn new(url: &str, room: &str) -> anyhow::Result<Store> {
        Ok(Store {
            url: StoreUrl::parse(url)?,
            room: RoomName::parse(room)?,
        })
    }

    /// A connection into the room: its schema first on the search path, and the room checked
    /// to be one this eslab reads.
    pub fn join(&self) -> anyhow::Result<Client> {
        let mut client = self.url.connect()?;
        let schema = self.room.schema();
        let exists = client
            .query_opt("SELECT 1 FROM pg_namespace WHERE nspname = $1", &[&schema])
            .with_context(|| format!("cannot look for room {} on {}", self.room, self.url))?
            .is_some();
        if !exists {
            bail!(
                "there is no room {} on {} (the instructor makes it: `eslab room create URL --room {}`)",
                self.room,
                self.url,
                self.room
            );
        }
        // `schema` is a checked identifier (`RoomName`): nothing from input reaches SQL as text.
        client
            .batch_execute(&format!("SET search_path TO {schema}"))
            .with_context(|| format!("cannot enter room {} on {}", self.room, self.url))?;
        let version: i32 = client
            .query_one("SELECT schema_version FROM room", &[])
            .with_context(|| format!("room {} on {} is not an eslab room", self.room, self.url))?
            .get(0);
        if version > ROOM_SCHEMA_VERSION {
            bail!(
                "room {} on {} was made by a newer eslab: its layout has schema version {version}, and this eslab reads versions up to {ROOM_SCHEMA_VERSION}. Upgrade eslab to join it; the room was left untouched",
                self.room,
                self.url
            );
        }
        if version != ROOM_SCHEMA_VERSION {
            // Rooms live for a workshop: an older one is made again, not migrated.
            bail!(
                "room {} on {} was made by an earlier eslab (schema version {version}; this eslab reads version {ROOM_SCHEMA_VERSION}, whose views are woken as others write and whose log head only moves forward). Make a new room for the class: `eslab room create URL --room NEW_NAME`; this one was left untouched",
                self.room,
                self.url
            );
        }
        Ok(client)
    }

    /// The CRUD design in the room.
    pub fn crud(&self, locking: bool) -> anyhow::Result<CrudStore<PgRows>> {
        CrudStore::over(PgRows::new(self.join()?), locking)
            .with_context(|| format!("cannot open the orders table of room {}", self.room))
    }

    /// The event-sourced design in the room, its view built from the room's log.
    pub fn es(&self, first_event_id: u64) -> anyhow::Result<EventSourcedService<PgLog>> {
        self.es_with(first_event_id, Commits::Durable)
    }

    /// The event-sourced design in the room, its appends committed as `commits` says
    /// (`Commits::Grouped` only for `eslab bench --store`).
    pub fn es_with(
        &self,
        first_event_id: u64,
        commits: Commits,
    ) -> anyhow::Result<EventSourcedService<PgLog>> {
        EventSourcedService::over(PgLog::with_commits(self.join()?, first_event_id, commits))
            .with_context(|| format!("cannot build OrderView from the log of room {}", self.room))
    }

    /// A reader following the room: what others write, as it arrives (`eslab live`).
    /// `versioned`: rows are shown with their version (`--crud-locking`).
    pub fn feed(&self, versioned: bool) -> anyhow::Result<Feed> {
        Ok(Feed::new(self.join()?, &self.room.schema(), versioned))
    }

    /// `eslab room create`: the room's schema, tables and triggers, and the role attendees
    /// join as, with only the privileges they need: the log takes INSERT and SELECT, never
    /// UPDATE, DELETE or TRUNCATE. Returns the line attendees type.
    pub fn create(&self) -> anyhow::Result<String> {
        let mut client = self.url.connect()?;
        let (schema, role) = (self.room.schema(), self.room.role());
        let mut tx = client.transaction()?;
        let taken = tx
            .query_opt("SELECT 1 FROM pg_namespace WHERE nspname = $1", &[&schema])?
            .is_some();
        if taken {
            bail!(
                "room {} already exists on {}: it was left as it is",
                self.room,
                self.url
            );
        }
        let role_exists = tx
            .query_opt("SELECT 1 FROM pg_roles WHERE rolname = $1", &[&role])?
            .is_some();
        // Identifiers below are `RoomName`'s checked ones; the version is a constant.
        let mut sql = format!(
            "CREATE SCHEMA {schema};\n\
             SET LOCAL search_path TO {schema};\n\
             {ROOM_DDL}\n\
             INSERT INTO room (schema_version) VALUES ({ROOM_SCHEMA_VERSION});\n"
        );
        if !role_exists {
            sql.push_str(&format!("CREATE ROLE {role} LOGIN;\n"));
        }
        sql.push_str(&format!(
            "REVOKE ALL ON SCHEMA {schema} FROM PUBLIC;\n\
             GRANT USAGE ON SCHEMA {schema} TO {role};\n\
             GRANT SELECT ON room TO {role};\n\
             GRANT SELECT, INSERT ON events TO {role};\n\
             GRANT SELECT, UPDATE ON log_head TO {role};\n\
             GRANT SELECT, INSERT, UPDATE ON snapshots, progress, deployments TO {role};\n\
             ALTER TABLE orders OWNER TO {role};\n"
        ));
        tx.batch_execute(&sql)
            .with_context(|| format!("cannot create room {} on {}", self.room, self.url))?;
        tx.commit()?;
        Ok(format!(
            "eslab live --store {} --room {} --as NAME",
            self.url.as_user(&role),
            self.room
        ))
    }
}

/// Both designs of a run in a room, as `runner::Services` holds them.
pub struct RoomServices {
    pub crud: Option<CrudStore<PgRows>>,
    pub es: Option<EventSourcedService<PgLog>>,
}

/// An error and its causes on one line: the client's own message for a failed connection
/// ("error connecting to server") says why only in its source.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}

/// A value of the client's that does not fit the column eslab wrote into it.
fn out_of_range(what: &str) -> anyhow::Error {
    anyhow::anyhow!("{what} is out of range")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        for (text, shown) in [
            (
                "cannot connect to postgres://alice:s3cret@db:5432/lab",
                "cannot connect to postgres://alice:***@db:5432/lab",
            ),
            (
                "postgresql://bob:p@ss:w@rd@host/db?sslmode=require",
                "postgresql://bob:***@host/db?sslmode=require",
            ),
            (
                "postgres://carol@host/db?password=hunter2&sslmode=require",
                "postgres://carol@host/db?password=***&sslmode=require",
            ),
            ("host=db PASSWORD=x user=y", "host=db PASSWORD=*** user=y"),
            ("postgres://dave@host/db", "postgres://dave@host/db"),
        ] {
            assert_eq!(redact(text), shown);
        }
        let url = StoreUrl::parse("postgres://alice:s3cret@db:5432/lab").unwrap();
        assert!(!format!("{url} {url:?}").contains("s3cret"));
        assert_eq!(
            url.as_user("eslab_room_a"),
            "postgres://eslab_room_a@db:5432/lab"
        );
    }

    #[test]
    fn room_names_are_checked_identifiers() {
        for good in ["a", "workshop_1", "room2"] {
            assert_eq!(
                RoomName::parse(good).unwrap().schema(),
                format!("eslab_room_{good}")
            );
        }
        for bad in [
            "",
            "1room",
            "Room",
            "a-b",
            "a;drop",
            "x\"y",
            &"a".repeat(41),
        ] {
            assert!(RoomName::parse(bad).is_err(), "{bad:?}");
        }
    }
}
