-- A room on a PostgreSQL server: both designs in one schema, run inside it (search_path).
-- The same columns as the SQLite files (src/crud/schema.sql, src/es/schema.sql), so a row reads
-- the same whichever engine holds it.

-- The room's layout version: an eslab that reads an older one refuses this room.
CREATE TABLE room (
    one_row        boolean PRIMARY KEY DEFAULT true CHECK (one_row),
    schema_version integer NOT NULL
);

-- The event store: an append-only log. Each row is one event of one order's stream.
CREATE TABLE events (
    event_id       bigint  PRIMARY KEY,           -- global order of the log: gap-free, in commit order
    stream_id      text    NOT NULL,              -- the order id
    stream_version bigint  NOT NULL,              -- 1, 2, 3 … within the stream
    event_type     text    NOT NULL,
    payload        text    NOT NULL,              -- the event type's own attributes, as JSON
    hash           bytea   NOT NULL CHECK (length(hash) = 32),
                           -- SHA-256 over the previous event's hash, this envelope and payload
    schema_version bigint  NOT NULL DEFAULT 1 CHECK (schema_version >= 1),
    recorded_at    text,                          -- RFC 3339 UTC, the scenario's time
    actor          text,                          -- who issued the command
    causation_id   text,                          -- the command that caused it: `command-3`
    correlation_id text,                          -- the scenario run it belongs to: `run-…`
    UNIQUE (stream_id, stream_version)            -- a stale expected version cannot land
);

-- The log's head: the id the next event gets and the hash it chains to. Every append locks
-- this one row first (SELECT … FOR UPDATE) and moves it in the same transaction, so writers
-- take turns through their commits: ids are given in commit order, and a transaction that
-- rolls back gives its ids back. A sequence would not do: nextval() is never rolled back (a
-- refused or failed append burns an id, leaving a gap), and a writer that draws 7 may commit
-- after one that drew 8, so a reader that has seen 8 and asks for "after 8" skips 7 for ever.
CREATE TABLE log_head (
    one_row   boolean PRIMARY KEY DEFAULT true CHECK (one_row),
    next_id   bigint,                             -- NULL until the first event: the run says
    last_hash bytea   NOT NULL CHECK (length(last_hash) = 32),
    -- Moved by every append and every deploy: a writer that finds it where it left it knows
    -- that its cached streams and shapes still hold (SQLite's `PRAGMA data_version`).
    version   bigint  NOT NULL DEFAULT 0
);
INSERT INTO log_head (next_id, last_hash) VALUES (NULL, decode(repeat('00', 32), 'hex'));

-- Attendees must UPDATE the head to append, so their role may; this trigger keeps that from
-- meaning anything else. The head moves only to where the log ends (the id after its last
-- event, and that event's hash), and its version only forward; a deploy moves the version
-- alone. Appending first inserts the events, then moves the head, in one transaction, so an
-- append passes; a head moved back (ids given twice), ahead (a gap) or to another hash (a
-- broken chain) is refused, whoever asks.
CREATE FUNCTION log_head_follows_the_log() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last_id   bigint;
    last_hash bytea;
BEGIN
    IF NEW.version <= OLD.version THEN
        RAISE EXCEPTION 'the log''s head only moves forward: version % after %', NEW.version, OLD.version;
    END IF;
    IF NEW.next_id IS NOT DISTINCT FROM OLD.next_id AND NEW.last_hash = OLD.last_hash THEN
        RETURN NEW;
    END IF;
    SELECT event_id, hash INTO last_id, last_hash FROM events ORDER BY event_id DESC LIMIT 1;
    IF last_id IS NULL OR NEW.next_id IS DISTINCT FROM last_id + 1
       OR NEW.last_hash IS DISTINCT FROM last_hash
       OR (OLD.next_id IS NOT NULL AND NEW.next_id <= OLD.next_id) THEN
        RAISE EXCEPTION 'the log''s head moves only to where the log ends (next id %, its last event''s hash)',
            coalesce(last_id + 1, OLD.next_id);
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER log_head_follows_the_log BEFORE UPDATE ON log_head
    FOR EACH ROW EXECUTE FUNCTION log_head_follows_the_log();

-- Append-only: what was written stays as written, whoever asks (the attendees' role has no
-- UPDATE, DELETE or TRUNCATE privilege on the log either: see `eslab room create`).
CREATE FUNCTION events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the event log is append-only: % is not allowed', TG_OP;
END
$$;

CREATE TRIGGER events_are_never_updated BEFORE UPDATE ON events
    FOR EACH ROW EXECUTE FUNCTION events_are_append_only();
CREATE TRIGGER events_are_never_deleted BEFORE DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_are_append_only();
CREATE TRIGGER events_are_never_truncated BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_are_append_only();

-- Whoever follows the room (`eslab live`) is woken when it changes: every transaction that
-- appends events or writes `orders` rows notifies the room's channel, named after its schema,
-- at its commit (LISTEN/NOTIFY; a reader polls as well, for engines without it).
CREATE FUNCTION room_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(TG_TABLE_SCHEMA, TG_TABLE_NAME);
    RETURN NULL;
END
$$;

CREATE TRIGGER events_notify_the_room AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION room_changed();

-- Snapshots of OrderView: a cache beside the log, never part of it, each sealed to the log
-- (`es::snapshot`): the hash of event `checkpoint`, and SHA-256 over it, the checkpoint and
-- `orders`. A rebuild ignores one whose seal does not hold.
CREATE TABLE snapshots (
    checkpoint bigint PRIMARY KEY,                -- the last event id the snapshot includes
    orders     text   NOT NULL,                   -- the view's orders, as JSON
    head       bytea,
    digest     bytea
);

-- The shape the writer writes each event type in, as the last `deploy` left it: a fact of
-- the room, so everyone in it writes what was deployed. A type with no row: shape 1.
CREATE TABLE deployments (
    event_type text   PRIMARY KEY NOT NULL,
    version    bigint NOT NULL CHECK (version >= 1)
);

-- Which steps of which scenario each design has done (`--continue`), written in the same
-- transaction as each step's command. Both designs share the room, so each has its rows.
CREATE TABLE progress (
    design     text   NOT NULL CHECK (design IN ('crud', 'es')),
    scenario   text   NOT NULL,                   -- the scenario's fingerprint (SHA-256)
    steps_done bigint NOT NULL,
    PRIMARY KEY (design, scenario)
);

-- The CRUD store: the latest state of each order, one row each, money in whole cents. Every
-- write moves `version` on; a writer with --crud-locking also checks it (UPDATE … WHERE
-- version = the one read), one without overwrites whatever is there.
CREATE TABLE orders (
    order_id         text   PRIMARY KEY NOT NULL,
    customer         text   NOT NULL,
    product          text   NOT NULL,
    quantity         bigint NOT NULL,
    unit_price_cents bigint NOT NULL,
    total_cents      bigint NOT NULL,
    paid_cents       bigint NOT NULL,
    status           text   NOT NULL CHECK (status IN ('Placed', 'Paid', 'Cancelled')),
    version          bigint NOT NULL DEFAULT 1,
    updated_at       text,
    updated_by       text
);

CREATE TRIGGER orders_notify_the_room AFTER INSERT OR UPDATE ON orders
    FOR EACH STATEMENT EXECUTE FUNCTION room_changed();
