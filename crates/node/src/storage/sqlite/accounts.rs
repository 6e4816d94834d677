//! [`AccountStore`] on the embedded SQLite database.

use idstation_model::SuffixLease;
use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};
use serde_json::json;

use super::audit::append_audit;
use super::{corrupt, SqliteStore};
use crate::accounts::{Account, AccountStatus, Device, Enterprise, NewAccount, Principal, Role};
use crate::storage::{AccountStore, Actor, StorageError};

const ACCOUNT_COLUMNS: &str = "u.id, u.username, u.display_name, u.role, u.status, \
     u.enterprise_id, e.prefix, u.created_at, u.decided_by, u.decided_at, u.decision_note, \
     e.status, u.locked_at, u.must_change_password";
/// Registrations awaiting the operator at most: anyone may register, so the list is bounded.
const MAX_PENDING_ACCOUNTS: i64 = 1_000;

/// The column after [`ACCOUNT_COLUMNS`].
const AFTER_ACCOUNT: usize = 14;

fn account_from_row(r: &Row<'_>) -> rusqlite::Result<Account> {
    let role: String = r.get(3)?;
    let status: String = r.get(4)?;
    let corrupt = |what: &str, v: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("unknown {what} {v}").into(),
        )
    };
    Ok(Account {
        id: r.get(0)?,
        username: r.get(1)?,
        display_name: r.get(2)?,
        role: Role::parse(&role).ok_or_else(|| corrupt("role", &role))?,
        status: AccountStatus::parse(&status).ok_or_else(|| corrupt("status", &status))?,
        enterprise_id: r.get(5)?,
        enterprise_prefix: r.get(6)?,
        created_at: r.get(7)?,
        decided_by: r.get(8)?,
        decided_at: r.get(9)?,
        decision_note: r.get(10)?,
        enterprise_status: r.get(11)?,
        locked_at: r.get(12)?,
        must_change_password: r.get(13)?,
    })
}

fn account_by_id(conn: &Connection, id: i64) -> Result<Option<Account>, StorageError> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT {ACCOUNT_COLUMNS} FROM users u \
                 LEFT JOIN enterprises e ON e.id = u.enterprise_id WHERE u.id = ?1"
            ),
            [id],
            account_from_row,
        )
        .optional()?)
}

fn enterprise_from_row(r: &Row<'_>) -> rusqlite::Result<Enterprise> {
    Ok(Enterprise {
        id: r.get(0)?,
        prefix: r.get(1)?,
        name: r.get(2)?,
        status: r.get(3)?,
        created_at: r.get(4)?,
    })
}

fn device_from_row(r: &Row<'_>) -> rusqlite::Result<Device> {
    Ok(Device {
        id: r.get(0)?,
        enterprise_id: r.get(1)?,
        enterprise_prefix: r.get(2)?,
        name: r.get(3)?,
        registered_at: r.get(4)?,
        revoked_at: r.get(5)?,
    })
}

const DEVICE_SELECT: &str = "SELECT d.id, d.enterprise_id, e.prefix, d.name, d.registered_at, \
     d.revoked_at, e.status FROM devices d JOIN enterprises e ON e.id = d.enterprise_id";

fn device_by_id(conn: &Connection, id: &str) -> Result<Option<Device>, StorageError> {
    Ok(conn
        .query_row(
            &format!("{DEVICE_SELECT} WHERE d.id = ?1"),
            [id],
            device_from_row,
        )
        .optional()?)
}

/// Revokes the live tokens of an account; returns how many.
fn revoke_user_tokens(
    conn: &Connection,
    user_id: i64,
    keep: Option<&str>,
    at: &str,
) -> Result<u64, StorageError> {
    let n = conn.execute(
        "UPDATE api_tokens SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL \
         AND (?3 IS NULL OR token_sha256 <> ?3)",
        params![user_id, at, keep],
    )?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The account (or `NotFound`), for a change inside a transaction.
fn existing_account(conn: &Connection, id: i64) -> Result<Account, StorageError> {
    account_by_id(conn, id)?.ok_or(StorageError::NotFound)
}

fn lease_from_row(r: &Row<'_>) -> rusqlite::Result<SuffixLease> {
    Ok(SuffixLease {
        lease_id: r.get(0)?,
        device_id: r.get(1)?,
        prefix: r.get(2)?,
        series: r.get(3)?,
        first: u64::try_from(r.get::<_, i64>(4)?).unwrap_or(0),
        last: u64::try_from(r.get::<_, i64>(5)?).unwrap_or(0),
        width: u32::try_from(r.get::<_, i64>(6)?).unwrap_or(0),
    })
}

fn to_i64(n: u64) -> Result<i64, StorageError> {
    i64::try_from(n).map_err(|_| corrupt(format!("a count of {n} does not fit the database")))
}

impl AccountStore for SqliteStore {
    fn create_operator(
        &self,
        username: &str,
        password_hash: &str,
        actor: &Actor<'_>,
    ) -> Result<Account, StorageError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO users (username, display_name, password_hash, role, status, created_at, \
             must_change_password) VALUES (?1, ?1, ?2, 'operator', 'active', ?3, 1)",
            params![username, password_hash, actor.at],
        )
        .map_err(|e| unique_violation(e, StorageError::UsernameTaken))?;
        let id = tx.last_insert_rowid();
        append_audit(
            &tx,
            actor,
            "account_create",
            username,
            &json!({"role": "operator"}).to_string(),
        )?;
        let account = account_by_id(&tx, id)?.ok_or(StorageError::NotFound)?;
        tx.commit()?;
        Ok(account)
    }

    fn register_account(
        &self,
        account: &NewAccount,
        actor: &Actor<'_>,
    ) -> Result<Account, StorageError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let pending: i64 = tx.query_row(
            "SELECT count(*) FROM users WHERE status = 'pending'",
            [],
            |r| r.get(0),
        )?;
        if pending >= MAX_PENDING_ACCOUNTS {
            return Err(StorageError::TooManyPending);
        }
        let existing: Option<(i64, String)> = tx
            .query_row(
                "SELECT id, status FROM enterprises WHERE prefix = ?1",
                [&account.enterprise_prefix],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let enterprise_id = match existing {
            Some((_, status)) if status == "rejected" => {
                return Err(StorageError::EnterpriseRejected)
            }
            Some((id, _)) => id,
            None => {
                let name = account.enterprise_name.as_deref().ok_or_else(|| {
                    StorageError::UnknownEnterprise(account.enterprise_prefix.clone())
                })?;
                tx.execute(
                    "INSERT INTO enterprises (prefix, name, status, created_at) \
                     VALUES (?1, ?2, 'pending', ?3)",
                    params![account.enterprise_prefix, name, actor.at],
                )?;
                let id = tx.last_insert_rowid();
                append_audit(
                    &tx,
                    actor,
                    "enterprise_apply",
                    &account.enterprise_prefix,
                    &json!({"name": name}).to_string(),
                )?;
                id
            }
        };
        tx.execute(
            "INSERT INTO users (username, display_name, password_hash, role, enterprise_id, \
             status, created_at) VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6)",
            params![
                account.username,
                account.display_name,
                account.password_hash,
                account.role.as_str(),
                enterprise_id,
                actor.at
            ],
        )
        .map_err(|e| unique_violation(e, StorageError::UsernameTaken))?;
        let id = tx.last_insert_rowid();
        append_audit(
            &tx,
            actor,
            "account_register",
            &account.username,
            &json!({"role": account.role.as_str(), "enterprise": account.enterprise_prefix})
                .to_string(),
        )?;
        let created = account_by_id(&tx, id)?.ok_or(StorageError::NotFound)?;
        tx.commit()?;
        Ok(created)
    }

    fn account_for_login(&self, username: &str) -> Result<Option<(Account, String)>, StorageError> {
        self.read(|conn| {
            Ok(conn
                .query_row(
                    &format!(
                        "SELECT {ACCOUNT_COLUMNS}, u.password_hash FROM users u \
                         LEFT JOIN enterprises e ON e.id = u.enterprise_id \
                         WHERE u.username = ?1"
                    ),
                    [username],
                    |r| Ok((account_from_row(r)?, r.get(AFTER_ACCOUNT)?)),
                )
                .optional()?)
        })
    }

    fn account(&self, id: i64) -> Result<Option<Account>, StorageError> {
        self.read(|conn| account_by_id(conn, id))
    }

    fn record_login(
        &self,
        account: &Account,
        token_sha256: &str,
        expires_at: &str,
        actor: &Actor<'_>,
    ) -> Result<(), StorageError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO api_tokens (token_sha256, user_id, created_at, expires_at) \
             VALUES (?1, ?2, ?3, ?4)",
            params![token_sha256, account.id, actor.at, expires_at],
        )?;
        append_audit(
            &tx,
            actor,
            "login",
            &account.username,
            &json!({"expires_at": expires_at}).to_string(),
        )?;
        tx.commit()?;
        Ok(())
    }

    fn record_login_refused(
        &self,
        username: &str,
        reason: &str,
        actor: &Actor<'_>,
    ) -> Result<(), StorageError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        append_audit(
            &tx,
            actor,
            "login_refused",
            username,
            &json!({"reason": reason}).to_string(),
        )?;
        tx.commit()?;
        Ok(())
    }

    fn principal_for_token(
        &self,
        token_sha256: &str,
        now: &str,
    ) -> Result<Option<Principal>, StorageError> {
        let found = self.read(|conn| {
            Ok(conn
                .query_row(
                    &format!(
                        "SELECT {ACCOUNT_COLUMNS} FROM api_tokens t \
                         JOIN users u ON u.id = t.user_id \
                         LEFT JOIN enterprises e ON e.id = u.enterprise_id \
                         WHERE t.token_sha256 = ?1 AND t.revoked_at IS NULL \
                         AND t.expires_at > ?2"
                    ),
                    params![token_sha256, now],
                    account_from_row,
                )
                .optional()?)
        })?;
        if let Some(account) = found {
            return Ok(
                (account.status == AccountStatus::Active).then(|| Principal::of_account(&account))
            );
        }
        let device = self.read(|conn| {
            Ok(conn
                .query_row(
                    &format!(
                        "{DEVICE_SELECT} JOIN device_tokens t ON t.device_id = d.id \
                         WHERE t.token_sha256 = ?1 AND t.revoked_at IS NULL \
                         AND t.expires_at > ?2 AND d.revoked_at IS NULL"
                    ),
                    params![token_sha256, now],
                    |r| Ok((device_from_row(r)?, r.get::<_, String>(6)?)),
                )
                .optional()?)
        })?;
        Ok(device.map(|(d, status)| Principal::of_device(&d, status == "active")))
    }

    fn revoke_token(&self, token_sha256: &str, actor: &Actor<'_>) -> Result<(), StorageError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed = tx.execute(
            "UPDATE api_tokens SET revoked_at = ?2 WHERE token_sha256 = ?1 AND revoked_at IS NULL",
            params![token_sha256, actor.at],
        )? + tx.execute(
            "UPDATE device_tokens SET revoked_at = ?2 \
             WHERE token_sha256 = ?1 AND revoked_at IS NULL",
            params![token_sha256, actor.at],
        )?;
        if changed == 0 {
            return Err(StorageError::NotFound);
        }
        append_audit(&tx, actor, "logout", actor.user, "{}")?;
        tx.commit()?;
        Ok(())
    }

    fn list_accounts(
        &self,
        status: Option<AccountStatus>,
        enterprise_id: Option<i64>,
    ) -> Result<Vec<Account>, StorageError> {
        self.read(|conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {ACCOUNT_COLUMNS} FROM users u \
                 LEFT JOIN enterprises e ON e.id = u.enterprise_id \
                 WHERE (?1 IS NULL OR u.status = ?1) AND (?2 IS NULL OR u.enterprise_id = ?2) \
                 ORDER BY u.id"
            ))?;
            let rows = stmt.query_map(
                params![status.map(AccountStatus::as_str), enterprise_id],
                account_from_row,
            )?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    fn decide_account(
        &self,
        id: i64,
        approve: bool,
        note: Option<&str>,
        actor: &Actor<'_>,
    ) -> Result<Account, StorageError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let account = account_by_id(&tx, id)?.ok_or(StorageError::NotFound)?;
        if account.status != AccountStatus::Pending {
            return Err(StorageError::AlreadyDecided);
        }
        if approve && account.enterprise_status.as_deref() == Some("rejected") {
            return Err(StorageError::EnterpriseRejected);
        }
        let status = if approve { "active" } else { "rejected" };
        tx.execute(
            "UPDATE users SET status = ?2, decided_by = ?3, decided_at = ?4, decision_note = ?5 \
             WHERE id = ?1",
            params![id, status, actor.user, actor.at, note],
        )?;
        let action = if approve {
            "account_approve"
        } else {
            "account_reject"
        };
        append_audit(
            &tx,
            actor,
            action,
            &account.username,
            &json!({"note": note}).to_string(),
        )?;
        if let Some(enterprise_id) = account.enterprise_id {
            let enterprise_status: String = tx.query_row(
                "SELECT status FROM enterprises WHERE id = ?1",
                [enterprise_id],
                |r| r.get(0),
            )?;
            let others_waiting: i64 = tx.query_row(
                "SELECT count(*) FROM users WHERE enterprise_id = ?1 AND status IN ('pending', 'active')",
                [enterprise_id],
                |r| r.get(0),
            )?;
            let new_status = match (enterprise_status.as_str(), approve) {
                ("pending", true) => Some("active"),
                ("pending", false) if others_waiting == 0 => Some("rejected"),
                _ => None,
            };
            if let Some(new_status) = new_status {
                tx.execute(
                    "UPDATE enterprises SET status = ?2 WHERE id = ?1",
                    params![enterprise_id, new_status],
                )?;
                append_audit(
                    &tx,
                    actor,
                    if approve {
                        "enterprise_approve"
                    } else {
                        "enterprise_reject"
                    },
                    account.enterprise_prefix.as_deref().unwrap_or(""),
                    "{}",
                )?;
            }
        }
        let decided = account_by_id(&tx, id)?.ok_or(StorageError::NotFound)?;
        tx.commit()?;
        Ok(decided)
    }

    fn list_enterprises(&self, only: Option<i64>) -> Result<Vec<Enterprise>, StorageError> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT id, prefix, name, status, created_at FROM enterprises \
                 WHERE ?1 IS NULL OR id = ?1 ORDER BY prefix",
            )?;
            let rows = stmt.query_map([only], enterprise_from_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    fn register_device(
        &self,
        enterprise_id: i64,
        name: &str,
        user_id: Option<i64>,
        id: Option<&str>,
        secret_sha256: &str,
        actor: &Actor<'_>,
    ) -> Result<Device, StorageError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id = id.map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
        match device_by_id(&tx, &id)? {
            None => {
                tx.execute(
                    "INSERT INTO devices (id, enterprise_id, name, registered_by, registered_at, \
                     secret_sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![id, enterprise_id, name, user_id, actor.at, secret_sha256],
                )
                .map_err(|e| unique_violation(e, StorageError::DeviceTaken))?;
                append_audit(
                    &tx,
                    actor,
                    "device_register",
                    &id,
                    &json!({"name": name, "enterprise_id": enterprise_id}).to_string(),
                )?;
            }
            // Another person of the same enterprise signs in at the workstation: the device
            // is theirs from now on, with a new secret; what the old one signed in is revoked.
            Some(d) if d.enterprise_id == enterprise_id && d.revoked_at.is_none() => {
                let from_user: Option<i64> = tx.query_row(
                    "SELECT registered_by FROM devices WHERE id = ?1",
                    [&id],
                    |r| r.get(0),
                )?;
                tx.execute(
                    "UPDATE devices SET name = ?2, registered_by = ?3, registered_at = ?4, \
                     secret_sha256 = ?5 WHERE id = ?1",
                    params![id, name, user_id, actor.at, secret_sha256],
                )?;
                let revoked = tx.execute(
                    "UPDATE device_tokens SET revoked_at = ?2 \
                     WHERE device_id = ?1 AND revoked_at IS NULL",
                    params![id, actor.at],
                )?;
                append_audit(
                    &tx,
                    actor,
                    "device_handover",
                    &id,
                    &json!({"name": name, "from_user": from_user, "to_user": user_id,
                            "tokens_revoked": revoked})
                    .to_string(),
                )?;
            }
            Some(_) => return Err(StorageError::DeviceTaken),
        }
        let device = device_by_id(&tx, &id)?.ok_or(StorageError::NotFound)?;
        tx.commit()?;
        Ok(device)
    }

    fn device_for_login(
        &self,
        device_id: &str,
        secret_sha256: &str,
    ) -> Result<Option<(Device, bool)>, StorageError> {
        self.read(|conn| {
            Ok(conn
                .query_row(
                    &format!("{DEVICE_SELECT} WHERE d.id = ?1 AND d.secret_sha256 = ?2"),
                    params![device_id, secret_sha256],
                    |r| Ok((device_from_row(r)?, r.get::<_, String>(6)? == "active")),
                )
                .optional()?)
        })
    }

    fn record_device_login(
        &self,
        device: &Device,
        token_sha256: &str,
        expires_at: &str,
        actor: &Actor<'_>,
    ) -> Result<(), StorageError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO device_tokens (token_sha256, device_id, created_at, expires_at) \
             VALUES (?1, ?2, ?3, ?4)",
            params![token_sha256, device.id, actor.at, expires_at],
        )?;
        append_audit(
            &tx,
            actor,
            "device_login",
            &device.id,
            &json!({"expires_at": expires_at}).to_string(),
        )?;
        tx.commit()?;
        Ok(())
    }

    fn set_account_status(
        &self,
        id: i64,
        status: AccountStatus,
        actor: &Actor<'_>,
    ) -> Result<Account, StorageError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let account = existing_account(&tx, id)?;
        let allowed = matches!(
            (account.status, status),
            (AccountStatus::Active, AccountStatus::Disabled)
                | (AccountStatus::Disabled, AccountStatus::Active)
        );
        if !allowed {
            return Err(StorageError::AlreadyDecided);
        }
        tx.execute(
            "UPDATE users SET status = ?2 WHERE id = ?1",
            params![id, status.as_str()],
        )?;
        let revoked = if status == AccountStatus::Disabled {
            revoke_user_tokens(&tx, id, None, actor.at)?
        } else {
            0
        };
        let action = if status == AccountStatus::Disabled {
            "account_disable"
        } else {
            "account_enable"
        };
        append_audit(
            &tx,
            actor,
            action,
            &account.username,
            &json!({"tokens_revoked": revoked}).to_string(),
        )?;
        let changed = existing_account(&tx, id)?;
        tx.commit()?;
        Ok(changed)
    }

    fn set_role(&self, id: i64, role: Role, actor: &Actor<'_>) -> Result<Account, StorageError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let account = existing_account(&tx, id)?;
        tx.execute(
            "UPDATE users SET role = ?2 WHERE id = ?1",
            params![id, role.as_str()],
        )?;
        append_audit(
            &tx,
            actor,
            "account_role",
            &account.username,
            &json!({"from": account.role.as_str(), "to": role.as_str()}).to_string(),
        )?;
        let changed = existing_account(&tx, id)?;
        tx.commit()?;
        Ok(changed)
    }

    fn set_password(
        &self,
        id: i64,
        password_hash: &str,
        must_change: bool,
        keep_token: Option<&str>,
        actor: &Actor<'_>,
    ) -> Result<Account, StorageError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let account = existing_account(&tx, id)?;
        tx.execute(
            "UPDATE users SET password_hash = ?2, must_change_password = ?3 WHERE id = ?1",
            params![id, password_hash, must_change],
        )?;
        let revoked = revoke_user_tokens(&tx, id, keep_token, actor.at)?;
        let action = if must_change {
            "password_reset"
        } else {
            "password_change"
        };
        append_audit(
            &tx,
            actor,
            action,
            &account.username,
            &json!({"tokens_revoked": revoked}).to_string(),
        )?;
        let changed = existing_account(&tx, id)?;
        tx.commit()?;
        Ok(changed)
    }

    fn revoke_tokens(&self, id: i64, actor: &Actor<'_>) -> Result<u64, StorageError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let account = existing_account(&tx, id)?;
        let revoked = revoke_user_tokens(&tx, id, None, actor.at)?;
        append_audit(
            &tx,
            actor,
            "tokens_revoke",
            &account.username,
            &json!({"tokens_revoked": revoked}).to_string(),
        )?;
        tx.commit()?;
        Ok(revoked)
    }

    fn lock_account(&self, id: i64, actor: &Actor<'_>) -> Result<(), StorageError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let account = existing_account(&tx, id)?;
        if account.locked_at.is_some() {
            return Ok(());
        }
        tx.execute(
            "UPDATE users SET locked_at = ?2 WHERE id = ?1",
            params![id, actor.at],
        )?;
        append_audit(
            &tx,
            actor,
            "account_lock",
            &account.username,
            &json!({"reason": "wrong_passwords"}).to_string(),
        )?;
        tx.commit()?;
        Ok(())
    }

    fn unlock_account(&self, id: i64, actor: &Actor<'_>) -> Result<Account, StorageError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let account = existing_account(&tx, id)?;
        if account.locked_at.is_none() {
            return Err(StorageError::AlreadyDecided);
        }
        tx.execute("UPDATE users SET locked_at = NULL WHERE id = ?1", [id])?;
        append_audit(&tx, actor, "account_unlock", &account.username, "{}")?;
        let changed = existing_account(&tx, id)?;
        tx.commit()?;
        Ok(changed)
    }

    fn revoke_device(&self, id: &str, actor: &Actor<'_>) -> Result<Device, StorageError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let device = device_by_id(&tx, id)?.ok_or(StorageError::NotFound)?;
        if device.revoked_at.is_some() {
            return Err(StorageError::AlreadyDecided);
        }
        tx.execute(
            "UPDATE devices SET revoked_at = ?2 WHERE id = ?1",
            params![id, actor.at],
        )?;
        let revoked = tx.execute(
            "UPDATE device_tokens SET revoked_at = ?2 WHERE device_id = ?1 AND revoked_at IS NULL",
            params![id, actor.at],
        )?;
        append_audit(
            &tx,
            actor,
            "device_revoke",
            id,
            &json!({"tokens_revoked": revoked}).to_string(),
        )?;
        let changed = device_by_id(&tx, id)?.ok_or(StorageError::NotFound)?;
        tx.commit()?;
        Ok(changed)
    }

    fn set_gs1_prefixes(
        &self,
        enterprise_id: i64,
        prefixes: &[String],
        actor: &Actor<'_>,
    ) -> Result<Vec<String>, StorageError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let enterprise: String = tx
            .query_row(
                "SELECT prefix FROM enterprises WHERE id = ?1",
                [enterprise_id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(StorageError::NotFound)?;
        tx.execute(
            "DELETE FROM gs1_prefixes WHERE enterprise_id = ?1",
            [enterprise_id],
        )?;
        for prefix in prefixes {
            // One prefix may not contain another's digits: each GS1 key has one owner.
            let clash: Option<String> = tx
                .query_row(
                    "SELECT e.prefix FROM gs1_prefixes g JOIN enterprises e \
                     ON e.id = g.enterprise_id \
                     WHERE substr(?1, 1, length(g.company_prefix)) = g.company_prefix \
                        OR substr(g.company_prefix, 1, length(?1)) = ?1",
                    [prefix],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(enterprise) = clash {
                return Err(StorageError::Gs1PrefixTaken {
                    prefix: prefix.clone(),
                    enterprise,
                });
            }
            tx.execute(
                "INSERT INTO gs1_prefixes (company_prefix, enterprise_id, assigned_at) \
                 VALUES (?1, ?2, ?3)",
                params![prefix, enterprise_id, actor.at],
            )?;
        }
        append_audit(
            &tx,
            actor,
            "gs1_prefixes",
            &enterprise,
            &json!({"prefixes": prefixes}).to_string(),
        )?;
        let stored = gs1_prefixes_of(&tx, enterprise_id)?;
        tx.commit()?;
        Ok(stored)
    }

    fn gs1_prefixes(&self, enterprise_id: i64) -> Result<Vec<String>, StorageError> {
        self.read(|conn| gs1_prefixes_of(conn, enterprise_id))
    }

    fn device(&self, id: &str) -> Result<Option<Device>, StorageError> {
        self.read(|conn| device_by_id(conn, id))
    }

    fn list_devices(&self, enterprise_id: Option<i64>) -> Result<Vec<Device>, StorageError> {
        self.read(|conn| {
            let mut stmt = conn.prepare(&format!(
                "{DEVICE_SELECT} WHERE ?1 IS NULL OR d.enterprise_id = ?1 ORDER BY d.registered_at"
            ))?;
            let rows = stmt.query_map([enterprise_id], device_from_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    fn lease_suffixes(
        &self,
        device: &Device,
        series: &str,
        count: u64,
        width: u32,
        user_id: Option<i64>,
        actor: &Actor<'_>,
    ) -> Result<SuffixLease, StorageError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let next: i64 = tx
            .query_row(
                "SELECT next FROM lease_counters WHERE prefix = ?1 AND series = ?2",
                params![device.enterprise_prefix, series],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(1);
        let first = next;
        let last = first + to_i64(count)? - 1;
        tx.execute(
            "INSERT INTO lease_counters (prefix, series, next) VALUES (?1, ?2, ?3) \
             ON CONFLICT (prefix, series) DO UPDATE SET next = excluded.next",
            params![device.enterprise_prefix, series, last + 1],
        )?;
        let lease = SuffixLease {
            lease_id: uuid::Uuid::new_v4().to_string(),
            device_id: device.id.clone(),
            prefix: device.enterprise_prefix.clone(),
            series: series.to_owned(),
            first: u64::try_from(first).unwrap_or(0),
            last: u64::try_from(last).unwrap_or(0),
            width,
        };
        tx.execute(
            "INSERT INTO leases (id, device_id, prefix, series, first, last, width, issued_at, \
             issued_to) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                lease.lease_id,
                lease.device_id,
                lease.prefix,
                lease.series,
                first,
                last,
                width,
                actor.at,
                user_id
            ],
        )?;
        append_audit(
            &tx,
            actor,
            "lease",
            &device.id,
            &serde_json::to_string(&lease).map_err(corrupt)?,
        )?;
        // Journaled outside the database before it is given out: a restore moves above it.
        self.journal_lease(&device.enterprise_prefix, series, last + 1)?;
        tx.commit()?;
        Ok(lease)
    }

    fn leases_of_device(&self, device_id: &str) -> Result<Vec<SuffixLease>, StorageError> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT id, device_id, prefix, series, first, last, width FROM leases \
                 WHERE device_id = ?1 ORDER BY issued_at, first",
            )?;
            let rows = stmt.query_map([device_id], lease_from_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }
}

/// Maps a UNIQUE constraint violation to `taken`; other errors pass through.
fn unique_violation(e: rusqlite::Error, taken: StorageError) -> StorageError {
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
        {
            taken
        }
        _ => e.into(),
    }
}

fn gs1_prefixes_of(conn: &Connection, enterprise_id: i64) -> Result<Vec<String>, StorageError> {
    let mut stmt = conn.prepare(
        "SELECT company_prefix FROM gs1_prefixes WHERE enterprise_id = ?1 ORDER BY company_prefix",
    )?;
    let rows = stmt.query_map([enterprise_id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
}
