//! [`MonitorStore`] on the embedded SQLite database.

use rusqlite::{params, OptionalExtension};

use super::{corrupt, SqliteStore};
use crate::monitor::DayFigures;
use crate::storage::{MonitorStore, StorageError};

impl MonitorStore for SqliteStore {
    fn save_day(&self, day: &str, figures: &DayFigures, at: &str) -> Result<(), StorageError> {
        let json = serde_json::to_string(figures).map_err(corrupt)?;
        self.lock().execute(
            "INSERT INTO monitor_daily (day, figures, updated_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (day) DO UPDATE SET figures = excluded.figures, \
             updated_at = excluded.updated_at",
            params![day, json, at],
        )?;
        Ok(())
    }

    fn load_day(&self, day: &str) -> Result<Option<DayFigures>, StorageError> {
        let json: Option<String> = self.read(|conn| {
            Ok(conn
                .query_row(
                    "SELECT figures FROM monitor_daily WHERE day = ?1",
                    [day],
                    |r| r.get(0),
                )
                .optional()?)
        })?;
        json.map(|j| {
            serde_json::from_str(&j)
                .map_err(|e| StorageError::Corrupt(format!("figures of {day}: {e}")))
        })
        .transpose()
    }

    fn days_with_whole_ips(&self, before: &str) -> Result<Vec<String>, StorageError> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT day FROM monitor_daily WHERE day < ?1 \
                 AND coalesce(json_extract(figures, '$.ips_truncated'), 0) = 0 ORDER BY day",
            )?;
            let days = stmt.query_map([before], |r| r.get(0))?;
            Ok(days.collect::<rusqlite::Result<Vec<String>>>()?)
        })
    }

    fn count_handles(&self, prefix: &str) -> Result<u64, StorageError> {
        // `/` sorts just before `0`: the range is every handle `<prefix>/…`, read off the key.
        self.read(|conn| {
            let n: i64 = conn.query_row(
                "SELECT count(*) FROM handles WHERE handle >= ?1 AND handle < ?2",
                params![format!("{prefix}/"), format!("{prefix}0")],
                |r| r.get(0),
            )?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
    }
}
