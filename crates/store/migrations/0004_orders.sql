-- 0004: orders, their lines and measurement points, attachments, and the personal-data key's
-- id. Never edit once released; add 0005 instead.
--
-- An order's history (who did what, when) is the hash-chained audit_log (entity 'order',
-- entity_id = the order number): every order write adds an entry with its outbox op in the
-- same transaction, so the timeline and the chain cannot disagree.

CREATE TABLE orders (
    id              INTEGER PRIMARY KEY,
    number          TEXT NOT NULL UNIQUE,   -- WO-2026-XXXXXXXX-000123
    customer        TEXT NOT NULL,          -- organisation: not personal, searchable
    contact         TEXT,                   -- the Contact, sealed (personal.rs); never clear
    service         TEXT NOT NULL,
    priority        TEXT NOT NULL,
    requested_date  TEXT,                   -- YYYY-MM-DD
    promised_date   TEXT,                   -- YYYY-MM-DD; late when open and before today
    notes           TEXT,
    state           TEXT NOT NULL,          -- the order's own state (model OrderState)
    stage           TEXT NOT NULL,          -- the inbox stage (model Stage), kept with the workflow
    open            INTEGER NOT NULL,       -- 0 once rejected, cancelled or returned
    workflow        TEXT NOT NULL,          -- model Workflow as JSON: the machine's whole state
    remote_workflow TEXT,                   -- the node's workflow as last pulled (replay base)
    remote_version  INTEGER,
    version         INTEGER NOT NULL,       -- this device's outbox ops on the order
    hlc             TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    closed_at       TEXT
);
-- Counts per stage and a stage's list, newest first, from the index alone.
CREATE INDEX orders_stage ON orders (stage, id);
-- The open orders' count and list, newest first, late ones too, without reading the (wide)
-- rows: a list walks this index backwards and stops at its page.
CREATE INDEX orders_open ON orders (open, id, promised_date);
-- Late and due-this-week: open orders by promised date, counted from the index alone.
CREATE INDEX orders_promised ON orders (open, promised_date);
CREATE INDEX orders_customer ON orders (customer);

-- Every customer name an order carries (kept with each order write): a search for part of a
-- name scans these few hundred names, not every order, then finds the orders by orders_customer.
CREATE TABLE order_customers (
    name        TEXT PRIMARY KEY
) WITHOUT ROWID;

CREATE TABLE order_lines (
    id          INTEGER PRIMARY KEY,
    order_id    INTEGER NOT NULL REFERENCES orders (id),
    line_id     TEXT NOT NULL UNIQUE,       -- UUIDv7 from the device that added it
    position    INTEGER NOT NULL,           -- 1-based, in the order; names the certificate
    identifier  TEXT,                       -- the registered instrument (NULL for a draft)
    state       TEXT NOT NULL,              -- model LineState, kept with orders.workflow
    technician  TEXT,
    body        TEXT NOT NULL,              -- the OrderLine as JSON, its points left out
    updated_at  TEXT NOT NULL,
    UNIQUE (order_id, position)
);
CREATE INDEX order_lines_identifier ON order_lines (identifier, order_id) WHERE identifier IS NOT NULL;
CREATE INDEX order_lines_state ON order_lines (state, order_id);
CREATE INDEX order_lines_technician ON order_lines (technician, order_id) WHERE technician IS NOT NULL;

-- As-found and as-left points, one row each, with the error and verdict computed at write.
CREATE TABLE order_points (
    line_row    INTEGER NOT NULL REFERENCES order_lines (id),
    phase       TEXT NOT NULL CHECK (phase IN ('as_found', 'as_left')),
    idx         INTEGER NOT NULL,
    quantity    TEXT,
    nominal     TEXT NOT NULL,
    reading     TEXT NOT NULL,
    unit        TEXT NOT NULL,
    mpe         TEXT NOT NULL,
    error       TEXT NOT NULL,
    pass        INTEGER NOT NULL,
    PRIMARY KEY (line_row, phase, idx)
) WITHOUT ROWID;

-- Attachment bytes by content (SHA-256): the same photo attached twice is stored once.
CREATE TABLE blobs (
    id          INTEGER PRIMARY KEY,
    sha256      TEXT NOT NULL UNIQUE,
    size        INTEGER NOT NULL CHECK (size <= 20971520),
    data        BLOB NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE order_attachments (
    order_id    INTEGER NOT NULL REFERENCES orders (id),
    sha256      TEXT NOT NULL REFERENCES blobs (sha256),
    name        TEXT NOT NULL,
    mime        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    added_by    TEXT NOT NULL,
    added_at    TEXT NOT NULL,
    PRIMARY KEY (order_id, sha256)
);

-- This device's order-number sequence, per year.
CREATE TABLE order_sequence (
    year        INTEGER PRIMARY KEY,
    last        INTEGER NOT NULL
);

-- Local order changes that lost a race at the node (or against a pulled change): a person
-- decides. One per op.
CREATE TABLE order_conflicts (
    id          INTEGER PRIMARY KEY,
    number      TEXT NOT NULL,
    op_id       TEXT NOT NULL UNIQUE,
    line_id     TEXT,
    action      TEXT NOT NULL,
    reason      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    resolved_at TEXT,
    resolved_by TEXT
);
CREATE INDEX order_conflicts_open ON order_conflicts (resolved_at, number);

-- The id of the key personal data is sealed with (the key itself lives outside the database).
CREATE TABLE personal_key (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    key_id      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
