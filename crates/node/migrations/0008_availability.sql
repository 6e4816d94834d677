-- Availability is measured, not stamped at a restart: each run of the node from its start to a
-- clean stop, or (found open at the next start) to its last heartbeat.
CREATE TABLE node_runs (
    id           INTEGER PRIMARY KEY,
    started_at   TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL,
    ended_at     TEXT,
    -- NULL while running; `stopped` (clean) or `crashed` (its last heartbeat ends it).
    end_kind     TEXT CHECK (end_kind IN ('stopped', 'crashed'))
);

-- Planned maintenance the operator declared (maintenance mode on and off): counted apart from
-- unplanned outage. At most one is open.
CREATE TABLE maintenance (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,
    ended_at    TEXT,
    description TEXT NOT NULL,
    started_by  TEXT NOT NULL,
    ended_by    TEXT
);
CREATE UNIQUE INDEX maintenance_one_open ON maintenance (ended_at IS NULL) WHERE ended_at IS NULL;

-- The in-process probe (it resolves the node's prefix handle over its own listener), one row
-- per China day.
CREATE TABLE probe_daily (
    day        TEXT PRIMARY KEY,
    probes     INTEGER NOT NULL,
    ok         INTEGER NOT NULL,
    rtt_ms_sum INTEGER NOT NULL
) WITHOUT ROWID;
