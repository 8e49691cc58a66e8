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
