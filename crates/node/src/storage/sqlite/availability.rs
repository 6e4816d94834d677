//! [`AvailabilityStore`] on the embedded SQLite database.

use rusqlite::{params, OptionalExtension, Row, TransactionBehavior};
use serde_json::json;

use super::audit::append_audit;
use super::SqliteStore;
use crate::storage::availability::{MaintenanceWindow, ProbeDay, Run, RunEnd};
use crate::storage::{Actor, AvailabilityStore, StorageError};

fn run_of(r: &Row<'_>) -> rusqlite::Result<Run> {
    let end: Option<String> = r.get(3)?;
    let ended_at: Option<String> = r.get(2)?;
    let heartbeat: String = r.get(1)?;
    Ok(Run {
        started: r.get(0)?,
        until: ended_at.unwrap_or(heartbeat),
        end: match end.as_deref() {
            Some("stopped") => RunEnd::Stopped,
            Some("crashed") => RunEnd::Crashed,
            _ => RunEnd::Running,
        },
    })
}

fn window_of(r: &Row<'_>) -> rusqlite::Result<MaintenanceWindow> {
    Ok(MaintenanceWindow {
        id: r.get(0)?,
        start: r.get(1)?,
        end: r.get(2)?,
        description: r.get(3)?,
        started_by: r.get(4)?,
        ended_by: r.get(5)?,
    })
}

const WINDOW: &str =
    "SELECT id, started_at, ended_at, description, started_by, ended_by FROM maintenance";

impl AvailabilityStore for SqliteStore {
    fn begin_run(&self, at: &str) -> Result<(i64, Option<Run>), StorageError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let crashed = tx
            .query_row(
                "SELECT started_at, heartbeat_at, NULL, 'crashed' FROM node_runs \
                 WHERE end_kind IS NULL ORDER BY id DESC LIMIT 1",
                [],
                run_of,
            )
            .optional()?;
        // Every open run ends at its own last heartbeat (normally there is at most one).
        tx.execute(
            "UPDATE node_runs SET ended_at = heartbeat_at, end_kind = 'crashed' \
             WHERE end_kind IS NULL",
            [],
        )?;
        tx.execute(
            "INSERT INTO node_runs (started_at, heartbeat_at) VALUES (?1, ?1)",
            [at],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok((id, crashed))
    }

    fn heartbeat(&self, run: i64, at: &str) -> Result<(), StorageError> {
        self.lock().execute(
            "UPDATE node_runs SET heartbeat_at = ?2 WHERE id = ?1 AND end_kind IS NULL",
            params![run, at],
        )?;
        Ok(())
    }

    fn end_run(&self, run: i64, at: &str) -> Result<(), StorageError> {
        self.lock().execute(
            "UPDATE node_runs SET heartbeat_at = ?2, ended_at = ?2, end_kind = 'stopped' \
             WHERE id = ?1 AND end_kind IS NULL",
            params![run, at],
        )?;
        Ok(())
    }

    fn runs(&self, from: &str, to: &str) -> Result<(Vec<Run>, Option<String>), StorageError> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT started_at, heartbeat_at, ended_at, end_kind FROM node_runs \
                 WHERE started_at < ?2 AND coalesce(ended_at, heartbeat_at) >= ?1 ORDER BY id",
            )?;
            let runs = stmt
                .query_map([from, to], run_of)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let first: Option<String> =
                conn.query_row("SELECT min(started_at) FROM node_runs", [], |r| r.get(0))?;
            Ok((runs, first))
        })
    }

    fn start_maintenance(
        &self,
        description: &str,
        actor: &Actor<'_>,
    ) -> Result<MaintenanceWindow, StorageError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let open: Option<i64> = tx
            .query_row(
                "SELECT id FROM maintenance WHERE ended_at IS NULL",
                [],
                |r| r.get(0),
            )
            .optional()?;
        if open.is_some() {
            return Err(StorageError::MaintenanceOn);
        }
        tx.execute(
            "INSERT INTO maintenance (started_at, description, started_by) VALUES (?1, ?2, ?3)",
            params![actor.at, description, actor.user],
        )?;
        let id = tx.last_insert_rowid();
        let detail = json!({ "description": description }).to_string();
        append_audit(&tx, actor, "maintenance_start", &id.to_string(), &detail)?;
        let window = tx.query_row(&format!("{WINDOW} WHERE id = ?1"), [id], window_of)?;
        tx.commit()?;
        Ok(window)
    }

    fn end_maintenance(&self, actor: &Actor<'_>) -> Result<MaintenanceWindow, StorageError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id: i64 = tx
            .query_row(
                "SELECT id FROM maintenance WHERE ended_at IS NULL",
                [],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(StorageError::NotFound)?;
        tx.execute(
            "UPDATE maintenance SET ended_at = ?2, ended_by = ?3 WHERE id = ?1",
            params![id, actor.at, actor.user],
        )?;
        append_audit(&tx, actor, "maintenance_end", &id.to_string(), "{}")?;
        let window = tx.query_row(&format!("{WINDOW} WHERE id = ?1"), [id], window_of)?;
        tx.commit()?;
        Ok(window)
    }

    fn maintenance(&self, from: &str, to: &str) -> Result<Vec<MaintenanceWindow>, StorageError> {
        self.read(|conn| {
            let mut stmt = conn.prepare(&format!(
                "{WINDOW} WHERE started_at < ?2 AND (ended_at IS NULL OR ended_at >= ?1) \
                 ORDER BY id"
            ))?;
            let rows = stmt
                .query_map([from, to], window_of)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
    }

    fn record_probe(&self, day: &str, ok: bool, rtt_ms: u64) -> Result<(), StorageError> {
        let rtt = if ok {
            i64::try_from(rtt_ms).unwrap_or(i64::MAX)
        } else {
            0
        };
        self.lock().execute(
            "INSERT INTO probe_daily (day, probes, ok, rtt_ms_sum) VALUES (?1, 1, ?2, ?3) \
             ON CONFLICT (day) DO UPDATE SET probes = probes + 1, ok = ok + excluded.ok, \
             rtt_ms_sum = rtt_ms_sum + excluded.rtt_ms_sum",
            params![day, i64::from(ok), rtt],
        )?;
        Ok(())
    }

    fn probe_days(&self, from: &str, to: &str) -> Result<Vec<ProbeDay>, StorageError> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT day, probes, ok, rtt_ms_sum FROM probe_daily \
                 WHERE day >= ?1 AND day <= ?2 ORDER BY day",
            )?;
            let rows = stmt
                .query_map([from, to], |r| {
                    let n = |i| -> rusqlite::Result<u64> {
                        Ok(u64::try_from(r.get::<_, i64>(i)?).unwrap_or(0))
                    };
                    Ok(ProbeDay {
                        day: r.get(0)?,
                        count: n(1)?,
                        ok: n(2)?,
                        rtt_ms_sum: n(3)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
    }
}
