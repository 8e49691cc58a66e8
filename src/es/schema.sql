-- The event store: an append-only log. Each row is one event of one order's stream.
CREATE TABLE events (
    event_id       INTEGER PRIMARY KEY,          -- global order of the log, strictly increasing
    stream_id      TEXT    NOT NULL,             -- the order id
    stream_version INTEGER NOT NULL,             -- 1, 2, 3 … within the stream
    event_type     TEXT    NOT NULL,
    payload        TEXT    NOT NULL,             -- the event type's own attributes, as JSON
    hash           BLOB    NOT NULL CHECK (length(hash) = 32),
                           -- SHA-256 over the previous event's hash, this envelope and payload
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
