-- Docking with the top-level node: entity records of the annex-1 tables, their attachments,
-- the durable outbox of reports, and the restore epochs that keep counters moving forward.

-- One record of an entered docking item (docking/schema.toml), keyed by its key fields. Personal
-- fields are sealed with the node's data key (the key file lives outside this database).
CREATE TABLE entity_records (
    item          TEXT NOT NULL,
    key           TEXT NOT NULL,
    enterprise_id INTEGER REFERENCES enterprises (id),
    fields        TEXT NOT NULL,
    sealed        BLOB,
    status        TEXT NOT NULL CHECK (status IN ('active', 'submitted', 'verified', 'rejected')),
    revision      INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    updated_by    TEXT NOT NULL,
    PRIMARY KEY (item, key)
) WITHOUT ROWID;
CREATE INDEX entity_records_by_enterprise ON entity_records (enterprise_id, item);

-- Attachments, content-addressed by the SHA-256 of their bytes; the bytes (sealed) are files
-- under <data>/attachments/.
CREATE TABLE attachments (
    sha256        TEXT PRIMARY KEY,
    size          INTEGER NOT NULL,
    mime          TEXT NOT NULL,
    name          TEXT NOT NULL,
    enterprise_id INTEGER REFERENCES enterprises (id),
    uploaded_by   TEXT NOT NULL,
    uploaded_at   TEXT NOT NULL
) WITHOUT ROWID;

-- Reports to the top-level node: generated -> stored here -> sent -> acknowledged. The body is
-- kept (sealed) exactly as first generated, so a resend is the same report under the same key.
CREATE TABLE uplink_outbox (
    id              INTEGER PRIMARY KEY,
    key             TEXT NOT NULL UNIQUE,
    item            TEXT NOT NULL,
    cadence         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    period          TEXT,
    body            BLOB NOT NULL,
    sha256          TEXT NOT NULL,
    bytes           INTEGER NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'acked', 'failed', 'filed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    last_sent_at    TEXT,
    acked_at        TEXT,
    file            TEXT
);
CREATE INDEX uplink_outbox_due ON uplink_outbox (state, next_attempt_at);
CREATE INDEX uplink_outbox_by_item ON uplink_outbox (item, subject);

-- The periods each periodic item has been generated for, and how far the event feed has been
-- read (item A2-3, subject = day, period = events taken).
CREATE TABLE uplink_marks (
    item   TEXT NOT NULL,
    period TEXT NOT NULL,
    done   INTEGER NOT NULL,
    at     TEXT NOT NULL,
    PRIMARY KEY (item, period)
) WITHOUT ROWID;

-- Revisions per (item, subject): the idempotency key of a report names its revision.
CREATE TABLE uplink_revisions (
    item     TEXT NOT NULL,
    subject  TEXT NOT NULL,
    revision INTEGER NOT NULL,
    PRIMARY KEY (item, subject)
) WITHOUT ROWID;

-- Each restore of a backup starts an epoch: counters move above anything the lost state could
-- have issued, and sync cursors above `last_cursor` and below `cursor_base` must refetch.
CREATE TABLE restore_epochs (
    epoch         INTEGER PRIMARY KEY,
    restored_at   TEXT NOT NULL,
    backup_file   TEXT NOT NULL,
    backup_at     TEXT NOT NULL,
    last_cursor   INTEGER NOT NULL,
    cursor_base   INTEGER NOT NULL,
    lease_reserve INTEGER NOT NULL
);

-- Master data (table 9) reports the handles written in each hour, page by page along this
-- index (the handle in it lets a page start exactly after the last one).
CREATE INDEX handles_by_updated ON handles (updated_at, handle);
