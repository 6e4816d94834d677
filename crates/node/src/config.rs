//! The node's configuration: a TOML file, overridden by environment variables and flags (the
//! binary merges those through clap), with defaults for everything but the data folder.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// The default listen address: `[::]` with IPv4 mapped in, so one socket serves both.
pub const DEFAULT_LISTEN: &str = "[::]:8088";

/// The configuration file, as written by an operator. Every field is optional.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub data_dir: Option<PathBuf>,
    /// One or more addresses, e.g. `["0.0.0.0:8088", "[::1]:8088"]` or `["[::]:8088"]`.
    pub listen: Option<Vec<SocketAddr>>,
    pub tls: Option<TlsConfig>,
    pub tokens: Option<TokenConfig>,
    pub log: Option<String>,
}

/// HTTPS with rustls: PEM certificate chain and private key.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    pub cert: PathBuf,
    pub key: PathBuf,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    /// How long a sign-in token lasts; 12 hours when unset (a working day plus overtime).
    pub ttl_hours: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("configuration file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("no data folder: give --data-dir, IDSTATION_NODE_DATA_DIR or data_dir in the file")]
    NoDataDir,
    #[error("--tls-cert and --tls-key go together")]
    HalfTls,
    #[error("tokens.ttl_hours must be 1 to 8760")]
    TokenTtl,
}

impl FileConfig {
    pub fn load(path: &Path) -> Result<FileConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })
    }
}

/// Values given on the command line or in the environment; they win over the file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub data_dir: Option<PathBuf>,
    pub listen: Vec<SocketAddr>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
}

/// What `serve` runs with, after merging.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeConfig {
    pub data_dir: PathBuf,
    pub listen: Vec<SocketAddr>,
    pub tls: Option<TlsConfig>,
    pub settings: Settings,
    pub log: String,
}

/// Settings the request handlers read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub token_ttl: Duration,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            token_ttl: Duration::from_secs(12 * 3600),
        }
    }
}

impl ServeConfig {
    /// Flags and environment over the file over defaults.
    pub fn merge(file: FileConfig, over: Overrides) -> Result<ServeConfig, ConfigError> {
        let data_dir = over
            .data_dir
            .or(file.data_dir)
            .ok_or(ConfigError::NoDataDir)?;
        let listen = if !over.listen.is_empty() {
            over.listen
        } else {
            match file.listen {
                Some(l) if !l.is_empty() => l,
                _ => vec![DEFAULT_LISTEN.parse().expect("valid default address")],
            }
        };
        let tls = match (over.tls_cert, over.tls_key) {
            (Some(cert), Some(key)) => Some(TlsConfig { cert, key }),
            (None, None) => file.tls,
            _ => return Err(ConfigError::HalfTls),
        };
        let mut settings = Settings::default();
        if let Some(hours) = file.tokens.and_then(|t| t.ttl_hours) {
            if !(1..=8760).contains(&hours) {
                return Err(ConfigError::TokenTtl);
            }
            settings.token_ttl = Duration::from_secs(hours * 3600);
        }
        Ok(ServeConfig {
            data_dir,
            listen,
            tls,
            settings,
            log: file.log.unwrap_or_else(|| "info".to_owned()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_file_and_the_file_over_defaults() {
        let file: FileConfig = toml::from_str(
            r#"
            data_dir = "/srv/node"
            listen = ["127.0.0.1:9000", "[::1]:9000"]
            log = "debug"
            [tls]
            cert = "c.pem"
            key = "k.pem"
            [tokens]
            ttl_hours = 2
            "#,
        )
        .expect("parse");
        let merged = ServeConfig::merge(file.clone(), Overrides::default()).expect("merge");
        assert_eq!(merged.data_dir, PathBuf::from("/srv/node"));
        assert_eq!(merged.listen.len(), 2);
        assert_eq!(merged.settings.token_ttl, Duration::from_secs(7200));
        assert!(merged.tls.is_some());
        let over = Overrides {
            data_dir: Some("/tmp/x".into()),
            listen: vec!["127.0.0.1:1".parse().expect("addr")],
            ..Overrides::default()
        };
        let merged = ServeConfig::merge(file, over).expect("merge");
        assert_eq!(merged.data_dir, PathBuf::from("/tmp/x"));
        assert_eq!(merged.listen, vec!["127.0.0.1:1".parse().expect("addr")]);
        let defaults = ServeConfig::merge(
            FileConfig::default(),
            Overrides {
                data_dir: Some("/d".into()),
                ..Overrides::default()
            },
        )
        .expect("merge");
        assert_eq!(defaults.listen, vec![DEFAULT_LISTEN.parse().expect("addr")]);
        assert_eq!(defaults.tls, None);
    }

    #[test]
    fn bad_configuration_is_refused_clearly() {
        assert!(toml::from_str::<FileConfig>("lisen = []").is_err());
        assert!(matches!(
            ServeConfig::merge(FileConfig::default(), Overrides::default()),
            Err(ConfigError::NoDataDir)
        ));
        let half = Overrides {
            data_dir: Some("/d".into()),
            tls_cert: Some("c".into()),
            ..Overrides::default()
        };
        assert!(matches!(
            ServeConfig::merge(FileConfig::default(), half),
            Err(ConfigError::HalfTls)
        ));
        let file: FileConfig = toml::from_str("[tokens]\nttl_hours = 0").expect("parse");
        let over = Overrides {
            data_dir: Some("/d".into()),
            ..Overrides::default()
        };
        assert!(matches!(
            ServeConfig::merge(file, over),
            Err(ConfigError::TokenTtl)
        ));
    }
}
