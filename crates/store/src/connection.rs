//! Creating and opening the workstation database: the SQLite settings that make a returned write
//! durable, the numbered schema migrations, and the device row that says whose database it is.

use std::path::{Path, PathBuf};

use idstation_model::MetadataTemplate;
use rusqlite::{params, Connection, OptionalExtension};
use rusqlite_migration::{Migrations, M};
use serde::Serialize;
use uuid::Uuid;

use crate::clock::{now, Clock};
use crate::outbox::last_hlc;
use crate::{audit, Result, StoreError};

/// The schema, one numbered file per change, in order. A released file is never edited: a fix
/// is a new file at the end.
pub(crate) const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("../migrations/0001_init.sql")),
    M::up(include_str!("../migrations/0002_sync.sql")),
    M::up(include_str!("../migrations/0003_labels.sql")),
    M::up(include_str!("../migrations/0004_orders.sql")),
    M::up(include_str!("../migrations/0005_imported_files.sql")),
    M::up(include_str!("../migrations/0006_labels_owed.sql")),
    M::up(include_str!("../migrations/0007_reports.sql")),
    M::up(include_str!("../migrations/0008_scan_codes.sql")),
];

pub fn migrations() -> Migrations<'static> {
    Migrations::from_slice(MIGRATIONS)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Device {
    pub device_id: Uuid,
    pub prefix: String,
    pub created_at: String,
}

/// The open workstation database. Each concern adds its methods in its own file (`impl Store`).
pub struct Store {
    pub(crate) conn: Connection,
    pub(crate) path: PathBuf,
    pub(crate) device: Device,
    pub(crate) clock: Clock,
    /// The personal-data key, once loaded or handed in (`personal.rs`).
    pub(crate) personal: crate::personal::SealerCell,
    /// Where the node credentials are kept, never in the database (`secrets.rs`).
    pub(crate) vault: Box<dyn crate::secrets::SecretVault>,
}

fn open_connection(path: &Path) -> Result<Connection> {
    let mut conn = Connection::open(path)?;
    owner_only(path)?;
    // Takes effect only while the file is still empty, i.e. at creation.
    conn.pragma_update(None, "page_size", 8192)?;
    // WAL + FULL: a returned commit survives power loss; readers never block the writer.
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Corrupt(format!(
            "cannot switch to WAL mode ({mode})"
        )));
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // 64 MiB of page cache: a 100k-row import otherwise spills pages to the WAL mid-transaction.
    conn.pragma_update(None, "cache_size", -65536)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    migrations().to_latest(&mut conn)?;
    Ok(conn)
}

/// Only the owner reads or writes the database: it holds customers' personal data. SQLite gives
/// its `-wal` and `-shm` files the database file's mode.
fn owner_only(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

pub(crate) fn read_device(conn: &Connection) -> Result<Option<Device>> {
    let row: Option<(String, String, String)> = conn
        .query_row(
            "SELECT device_id, prefix, created_at FROM device WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    row.map(|(id, prefix, created_at)| {
        let device_id = Uuid::parse_str(&id)
            .map_err(|e| StoreError::Corrupt(format!("device id '{id}': {e}")))?;
        Ok(Device {
            device_id,
            prefix,
            created_at,
        })
    })
    .transpose()
}

impl Store {
    /// Creates a new workstation database. Refuses to touch an existing one.
    pub fn create(path: &Path, prefix: &str, actor: &str) -> Result<Store> {
        if path.exists() {
            if let Ok(conn) = Connection::open(path) {
                if read_device(&conn).ok().flatten().is_some() {
                    return Err(StoreError::AlreadyInitialised(path.to_path_buf()));
                }
            }
        }
        let mut conn = open_connection(path)?;
        let device = Device {
            device_id: Uuid::new_v4(),
            prefix: prefix.to_string(),
            created_at: now(),
        };
        let template = MetadataTemplate::builtin_instrument();
        let tx = Self::write_tx(&mut conn)?;
        let inserted = tx.execute(
            "INSERT OR IGNORE INTO device (id, device_id, prefix, created_at) VALUES (1, ?1, ?2, ?3)",
            params![device.device_id.to_string(), device.prefix, device.created_at],
        )?;
        if inserted == 0 {
            return Err(StoreError::AlreadyInitialised(path.to_path_buf()));
        }
        tx.execute(
            "INSERT INTO metadata_templates (code, version, body, active) VALUES (?1, ?2, ?3, 1)",
            params![
                template.code,
                template.version,
                serde_json::to_string(&template)?
            ],
        )?;
        let after = serde_json::to_string(&device)?;
        audit::append_one(
            &tx,
            &audit::NewEntry {
                at: &device.created_at,
                actor,
                action: "init",
                entity: "device",
                entity_id: &device.device_id.to_string(),
                op_id: None,
                payload_sha256: None,
                before: None,
                after: Some(&after),
            },
        )?;
        tx.commit()?;
        let clock = Clock::new(device.device_id, None);
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            device,
            clock,
            personal: Default::default(),
            vault: Box::new(crate::secrets::FileVault::beside(path)),
        })
    }

    /// Opens an existing workstation database, migrating it to the current schema.
    pub fn open(path: &Path) -> Result<Store> {
        if !path.exists() {
            return Err(StoreError::NotInitialised(path.to_path_buf()));
        }
        let conn = open_connection(path)?;
        let device =
            read_device(&conn)?.ok_or_else(|| StoreError::NotInitialised(path.to_path_buf()))?;
        let clock = Clock::new(device.device_id, last_hlc(&conn)?.as_deref());
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            device,
            clock,
            personal: Default::default(),
            vault: Box::new(crate::secrets::FileVault::beside(path)),
        };
        store.move_secrets_out_of_database()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Read access for checks and reports; writes go through the methods that keep the outbox
    /// and audit trail in step.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Runs `read` inside one read transaction: every lookup sees the same snapshot, and a long
    /// run of them (validating a 100k-row file) takes the database's shared lock once instead of
    /// once per query, which was a third of the validation's time.
    pub fn read_snapshot<T, E: From<StoreError>>(
        &self,
        read: impl FnOnce(&Store) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let snapshot = self
            .conn
            .unchecked_transaction()
            .map_err(StoreError::from)?;
        let out = read(self);
        // Committed, not rolled back: a read-only transaction commits as a no-op.
        snapshot.commit().map_err(StoreError::from)?;
        out
    }
}
