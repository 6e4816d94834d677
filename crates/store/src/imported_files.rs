//! The ledger of imported files (hot folders and one-shot imports). A file's rows, their outbox
//! ops and audit entries, the ledger row and one audit entry naming the file are ONE transaction,
//! so "was this file imported?" has a single answer that survives a crash at any point: a file
//! whose bytes hash to a ledger row was imported, whatever happened to it afterwards.

use idstation_model::Instrument;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::clock::now;
use crate::instruments::{insert_rows, update_in_tx};
use crate::search::Indexing;
use crate::write::bulk_write;
use crate::{audit, Result, Store, StoreError};

/// One file's rows, validated as a whole by the caller, to write together.
#[derive(Debug, Clone, Copy)]
pub struct FileImport<'a> {
    /// SHA-256 of the file's bytes, lower-case hex: the ledger's key.
    pub sha256: &'a str,
    /// The name the file arrived under.
    pub file_name: &'a str,
    /// Where it came from: the hot folder's path, or the one-shot import's folder.
    pub folder: &'a str,
    /// `register` or `update`, as the folder was configured.
    pub action: &'a str,
    /// New instruments.
    pub register: &'a [Instrument],
    /// New versions of registered instruments, each with the version it was read at: a row
    /// someone changed meanwhile fails the whole file ([`StoreError::VersionConflict`]).
    pub update: &'a [(Instrument, i64)],
    /// The folder prints a label for every row: the rows' identifiers are kept with the ledger
    /// row until [`Store::labels_settled`], so a crash before the labels are queued loses none.
    pub owe_labels: bool,
}

/// An imported file whose labels were never queued (see [`FileImport::owe_labels`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwedLabels {
    pub file: ImportedFile,
    /// The rows' identifiers, in file order.
    pub identifiers: Vec<String>,
}

/// A ledger row: what was imported from a file, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportedFile {
    pub sha256: String,
    pub file_name: String,
    pub folder: String,
    pub action: String,
    pub rows: i64,
    pub registered: i64,
    pub updated: i64,
    /// Update rows whose values the instrument already had (nothing written for them).
    pub unchanged: i64,
    pub actor: String,
    pub imported_at: String,
}

const COLUMNS: &str = "sha256, file_name, folder, action, rows, registered, updated, unchanged,
                       actor, imported_at";

fn imported_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ImportedFile> {
    Ok(ImportedFile {
        sha256: r.get(0)?,
        file_name: r.get(1)?,
        folder: r.get(2)?,
        action: r.get(3)?,
        rows: r.get(4)?,
        registered: r.get(5)?,
        updated: r.get(6)?,
        unchanged: r.get(7)?,
        actor: r.get(8)?,
        imported_at: r.get(9)?,
    })
}

fn ledger_row(conn: &Connection, sha256: &str) -> Result<Option<ImportedFile>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM imported_files WHERE sha256 = ?1"
        ))?
        .query_row([sha256], imported_from_row)
        .optional()?)
}

impl Store {
    /// Imports one file's rows and records the file in the ledger, all in one transaction: all
    /// rows or none. Refuses a file already in the ledger ([`StoreError::AlreadyImported`]), an
    /// identifier already registered ([`StoreError::AlreadyExists`], [`StoreError::Deleted`])
    /// and an instrument changed since it was read ([`StoreError::VersionConflict`]).
    /// `progress(done, total)` is called every 1,000 rows.
    pub fn import_file(
        &mut self,
        actor: &str,
        file: &FileImport<'_>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<ImportedFile> {
        let clock = &self.clock;
        let total = file.register.len() + file.update.len();
        bulk_write(&mut self.conn, total, |conn| {
            let tx = Self::write_tx(conn)?;
            if ledger_row(&tx, file.sha256)?.is_some() {
                return Err(StoreError::AlreadyImported(file.sha256.to_string()));
            }
            let mut chain = audit::Chain::load(&tx)?;
            // A bulk file leaves its index text queued for `index_pending` (see `search`).
            let indexing = Indexing::for_batch(file.register.len());
            let mut done = 0;
            let mut tick = |done: usize| {
                if done.is_multiple_of(1000) {
                    progress(done, total);
                }
            };
            insert_rows(
                clock,
                &tx,
                &mut chain,
                actor,
                file.register,
                indexing,
                &mut |d| {
                    done = d;
                    tick(d);
                },
            )?;
            let (mut updated, mut unchanged) = (0, 0);
            for (inst, version) in file.update {
                if update_in_tx(clock, &tx, &mut chain, actor, "edit", inst, Some(*version))? {
                    updated += 1;
                } else {
                    unchanged += 1;
                }
                done += 1;
                tick(done);
            }
            let labels_owed = file.owe_labels.then(|| {
                file.register
                    .iter()
                    .chain(file.update.iter().map(|(inst, _)| inst))
                    .map(|inst| inst.identifier.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            });
            let record = ImportedFile {
                sha256: file.sha256.to_string(),
                file_name: file.file_name.to_string(),
                folder: file.folder.to_string(),
                action: file.action.to_string(),
                rows: total as i64,
                registered: file.register.len() as i64,
                updated,
                unchanged,
                actor: actor.to_string(),
                imported_at: now(),
            };
            tx.prepare_cached(&format!(
                "INSERT INTO imported_files ({COLUMNS}, labels_owed)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
            ))?
            .execute(params![
                record.sha256,
                record.file_name,
                record.folder,
                record.action,
                record.rows,
                record.registered,
                record.updated,
                record.unchanged,
                record.actor,
                record.imported_at,
                labels_owed
            ])?;
            // The file itself is audited too: who imported what, even when every row was unchanged.
            let after = serde_json::to_string(&record)?;
            chain.append(
                &tx,
                &audit::NewEntry {
                    at: &record.imported_at,
                    actor,
                    action: "import_file",
                    entity: "file",
                    entity_id: &record.sha256,
                    op_id: None,
                    payload_sha256: None,
                    before: None,
                    after: Some(&after),
                },
            )?;
            chain.save(&tx)?;
            tx.commit()?;
            progress(total, total);
            Ok(record)
        })
    }

    /// The ledger row of a file with these bytes, if one was imported.
    pub fn imported_file(&self, sha256: &str) -> Result<Option<ImportedFile>> {
        ledger_row(&self.conn, sha256)
    }

    /// Imported files whose labels were never queued, oldest first.
    pub fn owed_labels(&self) -> Result<Vec<OwedLabels>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS}, labels_owed FROM imported_files
             WHERE labels_owed IS NOT NULL ORDER BY imported_at, rowid"
        ))?;
        let rows = stmt.query_map([], |r| {
            let owed: String = r.get(10)?;
            Ok(OwedLabels {
                file: imported_from_row(r)?,
                identifiers: owed.lines().map(str::to_string).collect(),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The file's labels are in the print queue (or were refused, and the person told): it
    /// owes none any more.
    pub fn labels_settled(&self, sha256: &str) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE imported_files SET labels_owed = NULL WHERE sha256 = ?1")?
            .execute([sha256])?;
        Ok(())
    }

    /// The most recently imported files, newest first.
    pub fn imported_files(&self, limit: u32) -> Result<Vec<ImportedFile>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM imported_files ORDER BY imported_at DESC, rowid DESC LIMIT ?1"
        ))?;
        let rows = stmt.query_map([limit.max(1)], imported_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
