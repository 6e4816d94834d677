-- Tenants, accounts, devices and suffix leases; the audit chain's head.

-- The audit log records every closed-loop operation, not only handle writes.
ALTER TABLE audit_log RENAME COLUMN handle TO subject;

-- The newest audit entry, written in the same transaction as the entry: a removed tail shows
-- as a head that names an entry which is no longer there.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
    SELECT 1, seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1;

-- Enterprise nodes (企业节点): each owns a prefix one level under the node's.
CREATE TABLE enterprises (
    id         INTEGER PRIMARY KEY,
    prefix     TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('pending', 'active', 'rejected')),
    created_at TEXT NOT NULL
);

-- Accounts. Operators have no enterprise; everyone else belongs to exactly one.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL
                  CHECK (role IN ('operator', 'enterprise_admin', 'technician', 'reviewer')),
    enterprise_id INTEGER REFERENCES enterprises (id),
    status        TEXT NOT NULL CHECK (status IN ('pending', 'active', 'rejected', 'disabled')),
    created_at    TEXT NOT NULL,
    decided_by    TEXT,
    decided_at    TEXT,
    decision_note TEXT,
    CHECK ((role = 'operator') = (enterprise_id IS NULL))
);
CREATE INDEX users_by_status ON users (status, enterprise_id);

-- API tokens, stored as the SHA-256 of the token; the token itself is shown once.
CREATE TABLE api_tokens (
    token_sha256 TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    revoked_at   TEXT
) WITHOUT ROWID;
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);

-- Workstations registered by an enterprise.
CREATE TABLE devices (
    id            TEXT PRIMARY KEY,
    enterprise_id INTEGER NOT NULL REFERENCES enterprises (id),
    name          TEXT NOT NULL,
    registered_by INTEGER REFERENCES users (id),  -- NULL: the prefix administrator
    registered_at TEXT NOT NULL
) WITHOUT ROWID;

-- The next unleased number per (prefix, series): it only ever grows.
CREATE TABLE lease_counters (
    prefix TEXT NOT NULL,
    series TEXT NOT NULL,
    next   INTEGER NOT NULL,
    PRIMARY KEY (prefix, series)
) WITHOUT ROWID;

CREATE TABLE leases (
    id        TEXT PRIMARY KEY,
    device_id TEXT NOT NULL REFERENCES devices (id),
    prefix    TEXT NOT NULL,
    series    TEXT NOT NULL,
    first     INTEGER NOT NULL,
    last      INTEGER NOT NULL,
    width     INTEGER NOT NULL,
    issued_at TEXT NOT NULL,
    issued_to INTEGER REFERENCES users (id)  -- NULL: the prefix administrator
) WITHOUT ROWID;
CREATE INDEX leases_by_device ON leases (device_id);
