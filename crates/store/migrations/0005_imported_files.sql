-- 0004: the hot folders' ledger of imported files. Never edit once released; add 0005 instead.

-- One row per file whose rows were imported, keyed by the SHA-256 of its bytes and written in the
-- same transaction as the rows: a file seen again (a copy, or the same file after a crash that
-- came between the commit and the move to archive/) is recognised and never imported twice.
CREATE TABLE imported_files (
    sha256      TEXT PRIMARY KEY,
    file_name   TEXT NOT NULL,          -- the name it arrived under
    folder      TEXT NOT NULL,          -- the hot folder (or the one-shot import's source)
    action      TEXT NOT NULL,          -- register | update
    rows        INTEGER NOT NULL,
    registered  INTEGER NOT NULL,
    updated     INTEGER NOT NULL,
    unchanged   INTEGER NOT NULL,       -- update rows that changed nothing
    actor       TEXT NOT NULL,
    imported_at TEXT NOT NULL
);
CREATE INDEX imported_files_at ON imported_files (imported_at);

-- Updates find instruments by asset number as well as by identifier.
CREATE INDEX instruments_asset_no ON instruments (json_extract(body, '$.asset_no'))
    WHERE deleted_at IS NULL;
