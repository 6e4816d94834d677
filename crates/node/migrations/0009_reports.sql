-- 标识注册生效时间 (annex 3): per registration, from passing review to resolvable. A
-- workstation's registration passes its review when it is written there (its op's clock); it is
-- resolvable when the node stores it. Days are China days of becoming resolvable.
CREATE TABLE registration_effective (
    handle        TEXT PRIMARY KEY,
    prefix        TEXT NOT NULL,
    reviewed_at   TEXT NOT NULL,
    resolvable_at TEXT NOT NULL,
    day           TEXT NOT NULL,
    seconds       INTEGER NOT NULL CHECK (seconds >= 0)
) WITHOUT ROWID;
CREATE INDEX registration_effective_by_day ON registration_effective (day, prefix);

-- Emergencies as a person wrote them up: cause and fix (annex 3, 三、运行维护情况). Kinds as the
-- annex numbers events: 1 network fault, 2 system error, 3 attack, 4 other.
CREATE TABLE incidents (
    id           INTEGER PRIMARY KEY,
    started_at   TEXT NOT NULL,
    recovered_at TEXT,
    kind         INTEGER NOT NULL CHECK (kind BETWEEN 1 AND 4),
    cause        TEXT NOT NULL,
    fix          TEXT NOT NULL,
    written_by   TEXT NOT NULL,
    written_at   TEXT NOT NULL
);
CREATE INDEX incidents_by_start ON incidents (started_at);

-- Monthly reports issued at workstations and submitted through sync: immutable once stored
-- (a correction is a new version naming the one it supersedes).
CREATE TABLE issued_reports (
    number       TEXT PRIMARY KEY,
    prefix       TEXT NOT NULL,
    month        TEXT NOT NULL,
    version      INTEGER NOT NULL,
    supersedes   TEXT REFERENCES issued_reports (number),
    issued_at    TEXT NOT NULL,
    issued_by    TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    meta         TEXT NOT NULL,
    pdf          BLOB NOT NULL,
    csv          BLOB NOT NULL,
    device_id    TEXT,
    received_at  TEXT NOT NULL,
    UNIQUE (prefix, month, version)
);
CREATE TRIGGER issued_reports_immutable_update BEFORE UPDATE ON issued_reports BEGIN
    SELECT RAISE(ABORT, 'an issued report cannot be changed');
END;
CREATE TRIGGER issued_reports_immutable_delete BEFORE DELETE ON issued_reports BEGIN
    SELECT RAISE(ABORT, 'an issued report cannot be deleted');
END;
