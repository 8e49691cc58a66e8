-- The event store: an append-only log. Each row is one event of one order's stream.
CREATE TABLE events (
    event_id       INTEGER PRIMARY KEY,          -- global order of the log, strictly increasing
    stream_id      TEXT    NOT NULL,             -- the order id
    stream_version INTEGER NOT NULL,             -- 1, 2, 3 … within the stream
    event_type     TEXT    NOT NULL,
    payload        TEXT    NOT NULL,             -- the event type's own attributes, as JSON
    hash           BLOB    NOT NULL CHECK (length(hash) = 32),
                           -- SHA-256 over the previous event's hash, this envelope and payload
    schema_version INTEGER NOT NULL DEFAULT 1 CHECK (schema_version >= 1),
                           -- the shape the payload was written in (upcast when read); added
                           -- in schema 4, last so that an upgraded log has the same columns
    -- Who and when (schema 5), NULL on events written before; all four or none:
    recorded_at    TEXT,                         -- RFC 3339 UTC, the scenario's time
    actor          TEXT,                         -- who issued the command
    causation_id   TEXT,                         -- the command that caused it: `command-3`
    correlation_id TEXT,                         -- the scenario run it belongs to: `run-…`
    UNIQUE (stream_id, stream_version)
) STRICT;

-- Append-only: what was written stays as written.
CREATE TRIGGER events_are_never_updated BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only: UPDATE is not allowed');
END;

CREATE TRIGGER events_are_never_deleted BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only: DELETE is not allowed');
END;

-- Snapshots of OrderView, to rebuild it from the latest one plus the events after it. They
-- are a cache, never part of the log: deleting them all loses nothing.
CREATE TABLE snapshots (
    checkpoint INTEGER PRIMARY KEY,              -- the last event id the snapshot includes
    orders     TEXT    NOT NULL,                 -- the view's orders, as JSON
    -- The seal (schema 7; NULL on snapshots taken before, which are not used): the hash of
    -- event `checkpoint`, and SHA-256 over it, the checkpoint and `orders`.
    head       BLOB,
    digest     BLOB
) STRICT;

-- The shape the writer writes each event type in, as the last `deploy` left it (schema 6): a
-- fact of the store, so a resumed run, a later run and `eslab live` all write what was
-- deployed. A type with no row is written in shape 1, as eslab always wrote it.
CREATE TABLE deployments (
    event_type TEXT    PRIMARY KEY NOT NULL,
    version    INTEGER NOT NULL CHECK (version >= 1)
) STRICT;

-- Which steps of which scenario this database has done, so `--continue` carries on where an
-- interrupted run stopped. Written in the same transaction as each step's command.
CREATE TABLE progress (
    scenario   TEXT    PRIMARY KEY NOT NULL,     -- the scenario's fingerprint (SHA-256)
    steps_done INTEGER NOT NULL
) STRICT;
