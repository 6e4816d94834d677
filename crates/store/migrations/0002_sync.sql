-- 0002: what sync with the node needs on the workstation. Never edit once released.

-- Where this workstation syncs and how it proves itself: the device secret from registration
-- (a machine credential, like an SSH key) and the short-lived token it buys with it.
CREATE TABLE sync_settings (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    node_url         TEXT,
    username         TEXT,
    device_secret    TEXT,
    token            TEXT,
    token_expires_at TEXT
);
INSERT INTO sync_settings (id) VALUES (1);

-- Pull position; a snapshot in progress after "must refetch" resumes after snapshot_after.
CREATE TABLE pull_state (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    cursor          INTEGER NOT NULL DEFAULT 0,
    refetching      INTEGER NOT NULL DEFAULT 0,
    snapshot_after  TEXT,
    snapshot_cursor INTEGER
);
INSERT INTO pull_state (id) VALUES (1);

-- The node's answer to each pushed op.
CREATE TABLE op_results (
    seq                 INTEGER PRIMARY KEY,
    op_id               TEXT NOT NULL,
    outcome             TEXT NOT NULL,
    reason_code         TEXT,
    reason              TEXT,
    applied_at          TEXT NOT NULL,
    -- For registrations: from the local write to the node making it resolvable.
    resolvable_after_ms INTEGER
);

-- Fields changed here and at the node: a person picks local, server or a merged value.
CREATE TABLE conflicts (
    id          INTEGER PRIMARY KEY,
    identifier  TEXT NOT NULL,
    field       TEXT NOT NULL,
    base        TEXT,
    local       TEXT,
    server      TEXT,
    op_id       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    resolved_at TEXT,
    resolution  TEXT,
    resolved_by TEXT,
    UNIQUE (op_id, field)
);
CREATE INDEX conflicts_open ON conflicts (resolved_at, identifier);

-- The node's version of each record, as last pulled.
CREATE TABLE remote_versions (
    identifier TEXT PRIMARY KEY,
    version    INTEGER NOT NULL
) WITHOUT ROWID;

-- Suffix blocks leased from the node; `next` is the next number to mint.
CREATE TABLE leases (
    lease_id TEXT PRIMARY KEY,
    prefix   TEXT NOT NULL,
    series   TEXT NOT NULL,
    first    INTEGER NOT NULL,
    last     INTEGER NOT NULL,
    width    INTEGER NOT NULL,
    next     INTEGER NOT NULL
) WITHOUT ROWID;

-- How the last sync attempts went, for the status line.
CREATE TABLE sync_log (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    last_success_at TEXT,
    last_error      TEXT,
    last_error_at   TEXT
);
INSERT INTO sync_log (id) VALUES (1);
