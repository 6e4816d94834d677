-- Sync with workstations: instrument records, applied ops with their stored results, each
-- device's high-water mark, and the change log pulls read.

-- A device proves itself with a secret issued at registration (stored hashed) to get tokens.
ALTER TABLE devices ADD COLUMN secret_sha256 TEXT;

-- The node's copy of each instrument record: what merges run against.
CREATE TABLE records (
    handle     TEXT PRIMARY KEY,
    prefix     TEXT NOT NULL,
    version    INTEGER NOT NULL,
    body       TEXT NOT NULL,
    deleted    INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;

-- Every op that reached the node, with the answer it got: a replay gets the same answer.
CREATE TABLE applied_ops (
    op_id      TEXT PRIMARY KEY,
    device_id  TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    result     TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    UNIQUE (device_id, seq)
) WITHOUT ROWID;

-- Every op of the device up to high_water has a stored result.
CREATE TABLE device_sync (
    device_id  TEXT PRIMARY KEY,
    high_water INTEGER NOT NULL
) WITHOUT ROWID;

-- One row per change to a record; AUTOINCREMENT so a cursor is never reused after pruning.
CREATE TABLE changes (
    cursor        INTEGER PRIMARY KEY AUTOINCREMENT,
    prefix        TEXT NOT NULL,
    handle        TEXT NOT NULL,
    version       INTEGER NOT NULL,
    origin_device TEXT
);
CREATE INDEX changes_by_handle ON changes (handle);

-- Changes below min_cursor were pruned: an older cursor must refetch a snapshot.
CREATE TABLE change_retention (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    min_cursor INTEGER NOT NULL
);
INSERT INTO change_retention (id, min_cursor) VALUES (1, 0);
