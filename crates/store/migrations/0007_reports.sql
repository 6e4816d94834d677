-- The monthly operating report at the workstation. The figures the node measured, as last
-- pulled through sync (a lab drafts offline from them); the draft's person-written text; and
-- the reports issued here, immutable (a correction is a new version).
CREATE TABLE report_inputs (
    prefix    TEXT NOT NULL,
    month     TEXT NOT NULL,
    input     TEXT NOT NULL,
    pulled_at TEXT NOT NULL,
    PRIMARY KEY (prefix, month)
) WITHOUT ROWID;

CREATE TABLE report_drafts (
    prefix     TEXT NOT NULL,
    month      TEXT NOT NULL,
    draft      TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (prefix, month)
) WITHOUT ROWID;

CREATE TABLE issued_reports (
    number    TEXT PRIMARY KEY,
    prefix    TEXT NOT NULL,
    month     TEXT NOT NULL,
    version   INTEGER NOT NULL,
    issued    TEXT NOT NULL,
    sha256    TEXT NOT NULL,
    pdf       BLOB NOT NULL,
    csv       BLOB NOT NULL,
    issued_at TEXT NOT NULL,
    UNIQUE (prefix, month, version)
);
CREATE TRIGGER issued_reports_immutable_update BEFORE UPDATE ON issued_reports BEGIN
    SELECT RAISE(ABORT, 'an issued report cannot be changed');
END;
CREATE TRIGGER issued_reports_immutable_delete BEFORE DELETE ON issued_reports BEGIN
    SELECT RAISE(ABORT, 'an issued report cannot be deleted');
END;
