-- Monitoring figures per day (the top-level node's docking fields), one JSON document per day,
-- rewritten as the day's counters grow.
CREATE TABLE monitor_daily (
    day        TEXT PRIMARY KEY,
    figures    TEXT NOT NULL,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;
