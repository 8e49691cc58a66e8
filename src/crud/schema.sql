-- The CRUD store: the latest state of each order, one row each. Money is in whole cents,
-- and the columns say so (the event log writes amounts as "10.00").
CREATE TABLE orders (
    order_id         TEXT    PRIMARY KEY NOT NULL,
    customer         TEXT    NOT NULL,
    product          TEXT    NOT NULL,
    quantity         INTEGER NOT NULL,
    unit_price_cents INTEGER NOT NULL,
    total_cents      INTEGER NOT NULL,
    paid_cents       INTEGER NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('Placed', 'Paid', 'Cancelled'))
) STRICT;

-- Which steps of which scenario this database has done, so `--continue` carries on where an
-- interrupted run stopped. Written in the same transaction as each step's command.
CREATE TABLE progress (
    scenario   TEXT    PRIMARY KEY NOT NULL,     -- the scenario's fingerprint (SHA-256)
    steps_done INTEGER NOT NULL
) STRICT;
