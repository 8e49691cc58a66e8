-- The CRUD store with optimistic locking (--crud-locking): the same table plus a version
-- column, so a write can say which version it read (`UPDATE … WHERE version = ?`).
CREATE TABLE orders (
    order_id   TEXT    PRIMARY KEY NOT NULL,
    customer   TEXT    NOT NULL,
    product    TEXT    NOT NULL,
    quantity   INTEGER NOT NULL,
    unit_price INTEGER NOT NULL,
    total      INTEGER NOT NULL,
    paid       INTEGER NOT NULL,
    status     TEXT    NOT NULL CHECK (status IN ('Placed', 'Paid', 'Cancelled')),
    version    INTEGER NOT NULL
) STRICT;

-- Which steps of which scenario this database has done, so `--continue` carries on where an
-- interrupted run stopped. Written in the same transaction as each step's command.
CREATE TABLE progress (
    scenario   TEXT    PRIMARY KEY NOT NULL,     -- the scenario's fingerprint (SHA-256)
    steps_done INTEGER NOT NULL
) STRICT;
