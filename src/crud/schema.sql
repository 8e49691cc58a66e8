-- The CRUD store: the latest state of each order, one row each. Money is in cents.
CREATE TABLE orders (
    order_id   TEXT    PRIMARY KEY NOT NULL,
    customer   TEXT    NOT NULL,
    product    TEXT    NOT NULL,
    quantity   INTEGER NOT NULL,
    unit_price INTEGER NOT NULL,
    total      INTEGER NOT NULL,
    paid       INTEGER NOT NULL,
    status     TEXT    NOT NULL CHECK (status IN ('Placed', 'Paid', 'Cancelled'))
) STRICT;
