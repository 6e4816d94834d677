-- 0003: labels and printing. Never edit once released; add 0004 instead.

-- Label templates made on this workstation (the built-in ones live in code). Body: the
-- LabelTemplate as JSON.
CREATE TABLE label_templates (
    name        TEXT PRIMARY KEY,
    body        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- Printer profiles: language, dpi, media, darkness, offset, transport (body: PrinterProfile JSON).
CREATE TABLE printers (
    name        TEXT PRIMARY KEY,
    body        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- Settings for labels: the resolver host in QR payloads and the default QR error correction.
CREATE TABLE label_settings (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    resolver_host   TEXT NOT NULL,
    qr_ecc          TEXT NOT NULL DEFAULT 'M'
);
INSERT INTO label_settings (id, resolver_host) VALUES (1, 'id.idstation.cn');

-- The print queue and its history. A job keeps the exact bytes sent and a PNG preview of the
-- label, so the history shows every printed label and a reprint sends the same bytes.
CREATE TABLE print_jobs (
    id              INTEGER PRIMARY KEY,
    batch_id        TEXT,
    printer         TEXT NOT NULL,
    identifier      TEXT NOT NULL,
    template        TEXT NOT NULL,
    format          TEXT NOT NULL,
    copies          INTEGER NOT NULL,
    payload         BLOB NOT NULL,
    payload_sha256  TEXT NOT NULL,
    preview_png     BLOB NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'done', 'failed', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    reprint_of      INTEGER REFERENCES print_jobs (id),
    reason          TEXT,
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    done_at         TEXT
);
CREATE INDEX print_jobs_open ON print_jobs (state, id) WHERE state IN ('queued', 'sending');
CREATE INDEX print_jobs_identifier ON print_jobs (identifier, id);
CREATE INDEX print_jobs_batch ON print_jobs (batch_id) WHERE batch_id IS NOT NULL;
