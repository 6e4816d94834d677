-- 0001: the workstation's first schema. Never edit once released; add 0002 instead.

-- This installation: one row.
CREATE TABLE device (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    device_id   TEXT NOT NULL,          -- UUID, identifies this workstation's ops at the node
    prefix      TEXT NOT NULL,          -- the enterprise's handle prefix, e.g. 88.118.8
    created_at  TEXT NOT NULL
);

CREATE TABLE metadata_templates (
    code        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    body        TEXT NOT NULL,          -- MetadataTemplate as JSON
    active      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (code, version)
);

CREATE TABLE instruments (
    id                  INTEGER PRIMARY KEY,
    identifier          TEXT NOT NULL UNIQUE,   -- canonical form (minted suffixes upper-cased)
    name                TEXT NOT NULL,
    status              TEXT NOT NULL,
    category            TEXT,
    owner               TEXT,
    cal_next_due        TEXT,                   -- YYYY-MM-DD, for due-window queries
    body                TEXT NOT NULL,          -- the whole Instrument as JSON
    version             INTEGER NOT NULL,       -- local write count; equals the instrument's outbox ops
    hlc                 TEXT NOT NULL,          -- stamp of the last write
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    deleted_at          TEXT                    -- soft delete only
);
CREATE INDEX instruments_due ON instruments (cal_next_due) WHERE deleted_at IS NULL;
CREATE INDEX instruments_status ON instruments (status) WHERE deleted_at IS NULL;
CREATE INDEX instruments_category ON instruments (category) WHERE deleted_at IS NULL;
CREATE INDEX instruments_owner ON instruments (owner) WHERE deleted_at IS NULL;

-- Every local write, in order, for the node. Rows are never deleted, so seq (max + 1) is never
-- reused without AUTOINCREMENT's extra page write per op; a removed op breaks the audit chain.
CREATE TABLE outbox (
    seq         INTEGER PRIMARY KEY,
    op_id       TEXT NOT NULL UNIQUE,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    payload     TEXT NOT NULL,
    hlc         TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX outbox_entity ON outbox (entity, entity_id);

-- How far the node has confirmed this device's ops. Sequence numbers are contiguous and pushed in
-- order, so everything above the mark is pending: no per-row flag or index to maintain.
CREATE TABLE sync_state (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    pushed_through_seq  INTEGER NOT NULL
);
INSERT INTO sync_state (id, pushed_through_seq) VALUES (1, 0);

-- Hash-chained audit trail: hash = SHA-256 over the previous hash and this entry's fields.
-- An entry for a write names its outbox op and chains the SHA-256 of the op's payload (the
-- record for a registration, {field: [before, after]} for an edit) instead of a third copy of
-- the record; entries without an op (e.g. init) keep their before/after here.
CREATE TABLE audit_log (
    seq             INTEGER PRIMARY KEY,            -- assigned from audit_head, never reused
    at              TEXT NOT NULL,
    actor           TEXT NOT NULL,
    action          TEXT NOT NULL,
    entity          TEXT NOT NULL,
    entity_id       TEXT NOT NULL,
    op_id           TEXT,
    payload_sha256  TEXT,
    before          TEXT,
    after           TEXT,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL
);
CREATE INDEX audit_entity ON audit_log (entity, entity_id);

-- The chain's head, written with each entry, so a truncated tail is detected too.
CREATE TABLE audit_head (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    seq         INTEGER NOT NULL,
    hash        TEXT NOT NULL
);

-- Search: one FTS5 table (rowid = instruments.id). Every non-ASCII letter is a token in `uni`
-- and every adjacent pair one in `bi`, so Chinese substrings of any length are single tokens or
-- phrases of bigrams; ASCII words and their letter/digit parts are tokens found by prefix.
-- Contentless: the text lives in `instruments.body`. The text is tokenised and lower-cased before
-- it gets here (search::ngram_columns), so the plain `ascii` tokenizer only splits on spaces.
CREATE VIRTUAL TABLE search_index USING fts5(
    uni, bi, tokenize = 'ascii', content = '', contentless_delete = 1
);

-- Index text written by single edits, moved into search_index 64 rows at a time: one FTS5
-- segment (and its merge work) per write was half the cost of a registration. Search reads both.
CREATE TABLE search_pending (
    row_id      INTEGER PRIMARY KEY,    -- instruments.id
    uni         TEXT NOT NULL,
    bi          TEXT NOT NULL
);
