-- The node's own settings: one row, written by `idstation-node init`.
CREATE TABLE node_config (
    id                INTEGER PRIMARY KEY CHECK (id = 1),
    prefix            TEXT NOT NULL,
    admin_secret_hash TEXT NOT NULL,
    created_at        TEXT NOT NULL
);

-- One row per handle, keyed by its canonical text; the values are a JSON array of
-- {index, type, data: {format, value}, ttl, timestamp}, sorted by index.
-- A rowid table with a unique index, not WITHOUT ROWID: records run to a few KiB, and in a
-- WITHOUT ROWID b-tree each key comparison on the way down copies the overflowing row
-- (a third of resolution time at 100k records).
CREATE TABLE handles (
    handle      TEXT NOT NULL UNIQUE,
    values_json TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- Every successful write, hash-chained: each hash covers the previous one and this row's fields.
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    handle    TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
