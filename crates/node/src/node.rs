//! A node's data folder: [`init`] creates it (database, prefix, admin secret, operator account),
//! [`open`] opens it for serving. Both go through the storage seam; the backend is chosen here.

use std::path::Path;
use std::sync::Arc;

use chrono::{SecondsFormat, Utc};
use idstation_model::identifier::is_valid_prefix;

use crate::auth;
use crate::config::{self, Settings};
use crate::http::AppState;
use crate::secrets::{self, Keys};
use crate::storage::sqlite::SqliteStore;
use crate::storage::{AccountStore, Actor, NodeConfig, NodeStore, StorageError};
use crate::values::{self, HandleValue, ValueData};

/// Index of the public HS_ADMIN value on the prefix handle `0.NA/<prefix>`.
pub const PREFIX_ADMIN_INDEX: u32 = 100;
/// All permissions except adding/removing naming authorities (Handle's usual prefix admin).
pub const PREFIX_ADMIN_PERMISSIONS: &str = "011111110011";

#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error("invalid prefix \"{0}\": expected dot-separated digit groups under 88, e.g. 88.118")]
    InvalidPrefix(String),
    #[error("the admin secret must not be empty")]
    EmptySecret,
    #[error("invalid operator name \"{0}\": 3 to 64 letters, digits or . _ - @")]
    OperatorName(String),
    #[error("cannot hash the admin secret: {0}")]
    Hash(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("admin secret: {0}")]
    SecretFile(String),
    #[error("TLS certificate or key: {0}")]
    Tls(String),
    #[error("network error: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Secret(#[from] crate::secrets::SecretError),
}

/// Creates a node in `data_dir`: its database, its prefix, the argon2 hash of the admin secret,
/// the prefix handle `0.NA/<prefix>` with a public HS_ADMIN value (clients such as pyhandle
/// resolve it before writing), and the operator account `operator` signing in with the same
/// secret.
pub fn init(
    data_dir: &Path,
    prefix: &str,
    operator: &str,
    admin_secret: &str,
) -> Result<NodeConfig, NodeError> {
    if !is_valid_prefix(prefix) {
        return Err(NodeError::InvalidPrefix(prefix.to_owned()));
    }
    if admin_secret.is_empty() {
        return Err(NodeError::EmptySecret);
    }
    if !crate::accounts::is_username(operator) {
        return Err(NodeError::OperatorName(operator.to_owned()));
    }
    let config = NodeConfig {
        prefix: prefix.to_owned(),
        admin_secret_hash: auth::hash_secret(admin_secret)
            .map_err(|e| NodeError::Hash(e.to_string()))?,
    };
    let at = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
    let prefix_handle = format!("0.NA/{prefix}");
    let hs_admin = HandleValue {
        index: PREFIX_ADMIN_INDEX,
        kind: "HS_ADMIN".to_owned(),
        data: ValueData::admin(&prefix_handle, auth::ADMIN_INDEX, PREFIX_ADMIN_PERMISSIONS),
        ttl: values::DEFAULT_TTL,
        timestamp: at.clone(),
        permissions: values::Permissions::PUBLIC,
    };
    let actor = Actor {
        user: "init",
        at: &at,
    };
    let store = SqliteStore::create(data_dir, &config, vec![hs_admin], &actor)?;
    store.create_operator(operator, &config.admin_secret_hash, &actor)?;
    // The keys are made now, so their files exist (0600) before anything is sealed or signed.
    Keys::load_or_create(&data_dir.join(secrets::DEFAULT_DIR))?;
    Ok(config)
}

/// Opens the node in `data_dir` and builds the state its router needs (keys in the default
/// folder, `<data>/secrets`).
pub fn open(data_dir: &Path, settings: Settings) -> Result<AppState, NodeError> {
    open_with_keys(data_dir, settings, &data_dir.join(secrets::DEFAULT_DIR))
}

/// [`open`] with the keys in `secrets_dir` (made there at first use).
pub fn open_with_keys(
    data_dir: &Path,
    settings: Settings,
    secrets_dir: &Path,
) -> Result<AppState, NodeError> {
    let store: Arc<dyn NodeStore> = Arc::new(SqliteStore::open(data_dir)?);
    let keys = Arc::new(Keys::load_or_create(secrets_dir)?);
    Ok(AppState::new(store, settings)?
        .with_data_dir(data_dir)
        .with_keys(keys))
}
