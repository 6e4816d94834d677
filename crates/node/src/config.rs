//! The node's configuration: a TOML file, overridden by environment variables and flags (the
//! binary merges those through clap), with defaults for everything but the data folder.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::uplink::send::UplinkConfig;

/// The default listen address: `[::]` with IPv4 mapped in, so one socket serves both.
pub const DEFAULT_LISTEN: &str = "[::]:8088";

/// The configuration file, as written by an operator. Every field is optional.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub data_dir: Option<PathBuf>,
    /// One or more addresses, e.g. `["0.0.0.0:8088", "[::1]:8088"]` or `["[::]:8088"]`. They
    /// serve HTTPS when `[tls]` is given without its own `listen`, plain HTTP otherwise.
    pub listen: Option<Vec<SocketAddr>>,
    pub tls: Option<TlsConfig>,
    pub tokens: Option<TokenConfig>,
    pub limits: Option<LimitsConfig>,
    pub privacy: Option<PrivacyConfig>,
    pub log: Option<String>,
    pub log_files: Option<LogFilesConfig>,
    pub uplink: Option<UplinkFileConfig>,
    pub backup: Option<ScheduleFileConfig>,
    pub escrow: Option<ScheduleFileConfig>,
    pub secrets: Option<SecretsFileConfig>,
    pub availability: Option<AvailabilityFileConfig>,
    pub proxy: Option<ProxyConfig>,
}

/// `[proxy]`: reverse proxies in front of the node (nginx, a load balancer). Only their
/// `X-Forwarded-For` / `Forwarded` headers are believed, e.g. `trusted = ["10.0.0.5",
/// "192.168.10.0/24", "::1"]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ProxyConfig {
    #[serde(default)]
    pub trusted: Vec<TrustedProxy>,
}

/// An address or a network (`10.0.0.5`, `10.0.0.0/8`, `::1`, `fd00::/8`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedProxy(pub ipnet::IpNet);

impl<'de> Deserialize<'de> for TrustedProxy {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<TrustedProxy, D::Error> {
        let text = String::deserialize(d)?;
        let net = match text.parse::<ipnet::IpNet>() {
            Ok(net) => net,
            Err(_) => text
                .parse::<std::net::IpAddr>()
                .map(ipnet::IpNet::from)
                .map_err(|_| {
                    serde::de::Error::custom(format!(
                        "proxy.trusted: {text} is no address or network (10.0.0.5, 10.0.0.0/8)"
                    ))
                })?,
        };
        Ok(TrustedProxy(net.trunc()))
    }
}

/// `[availability]`: how often the node writes its heartbeat (an outage after a crash is known
/// to within it) and probes its own listener.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityFileConfig {
    /// 1 to 60; 10 when unset.
    pub heartbeat_secs: Option<u64>,
    /// 1 to 3600; 60 when unset.
    pub probe_secs: Option<u64>,
}

/// Structured (JSON lines) log files beside the console log, rotated, the oldest removed.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LogFilesConfig {
    /// Default `<data>/logs`.
    pub dir: Option<PathBuf>,
    /// `daily` (default) or `hourly`.
    pub rotation: Option<String>,
    /// Files kept; 30 when unset.
    pub keep: Option<usize>,
}

/// `[uplink]`: reporting to the top-level node.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct UplinkFileConfig {
    /// `https://…`; when unset, reports are written to `outbox_dir` for manual upload.
    pub endpoint: Option<String>,
    pub token: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub ca_cert: Option<PathBuf>,
    pub timeout_secs: Option<u64>,
    /// Default `<data>/uplink-outbox`.
    pub outbox_dir: Option<PathBuf>,
    pub max_attempts: Option<u32>,
    pub first_backoff_ms: Option<u64>,
    pub max_backoff_secs: Option<u64>,
}

/// `[backup]` and `[escrow]`: a folder, how often (hours; 0 = never), how many to keep.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ScheduleFileConfig {
    pub dir: Option<PathBuf>,
    pub every_hours: Option<u64>,
    pub keep: Option<usize>,
    /// Backups only: numbers every lease counter moves up at a restore, besides the journal.
    pub lease_reserve: Option<i64>,
}

/// `[secrets]`: where the node's keys live.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SecretsFileConfig {
    /// Default `<data>/secrets`.
    pub dir: Option<PathBuf>,
}

/// HTTPS with rustls: PEM certificate chain and private key, and where HTTPS listens.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    pub cert: PathBuf,
    pub key: PathBuf,
    /// HTTPS addresses. When given, the top-level `listen` stays plain HTTP beside them.
    #[serde(default)]
    pub listen: Option<Vec<SocketAddr>>,
    /// Whether the plain HTTP listeners answer every request with a redirect to HTTPS (labels
    /// carry `HTTPS://`); true unless set to false.
    #[serde(default)]
    pub redirect_http: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    /// How long a sign-in token lasts; 12 hours when unset (a working day plus overtime).
    pub ttl_hours: Option<u64>,
}

/// What one client or many may take of the node; defaults suit a two-core machine.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// Open connections at most (also bounded by the file-descriptor limit).
    pub max_connections: Option<usize>,
    /// Time to send a request's head, and to start the next one on a kept-alive connection.
    pub header_timeout_secs: Option<u64>,
    /// Time from a request's head to its answer (a slow body included).
    pub request_timeout_secs: Option<u64>,
    /// Password hashes (argon2, 19 MiB each) computed at once; by memory when unset.
    pub password_hashes: Option<usize>,
}

/// Personal data the node keeps (GB/T 35273).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PrivacyConfig {
    /// Days the daily figures keep scanners' full IP addresses; older days keep them truncated
    /// (IPv4 /24, IPv6 /48). 30 when unset.
    pub ip_retention_days: Option<u32>,
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
    #[error("--tls-listen needs --tls-cert and --tls-key (or [tls] in the file)")]
    TlsListenWithoutTls,
    #[error("tokens.ttl_hours must be 1 to 8760")]
    TokenTtl,
    #[error("limits.{field} must be {min} to {max}")]
    Limit {
        field: &'static str,
        min: u64,
        max: u64,
    },
    #[error("privacy.ip_retention_days must be 1 to 3650")]
    Retention,
    #[error("{0}")]
    Docking(String),
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
    pub tls_listen: Vec<SocketAddr>,
}

/// The certificate files HTTPS serves with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// What `serve` runs with, after merging.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeConfig {
    pub data_dir: PathBuf,
    /// Plain HTTP addresses.
    pub http: Vec<SocketAddr>,
    /// HTTPS addresses (empty without TLS).
    pub https: Vec<SocketAddr>,
    pub tls: Option<TlsFiles>,
    /// Plain HTTP answers with a redirect to the first HTTPS address.
    pub redirect_http: bool,
    pub limits: Limits,
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub settings: Settings,
    pub log: String,
    pub log_files: LogFiles,
    pub docking: DockingSettings,
    pub availability: crate::availability::AvailabilityConfig,
}

/// Log files as `serve` writes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFiles {
    pub dir: PathBuf,
    pub hourly: bool,
    pub keep: usize,
}

/// A recurring job: where it writes, how often, how many results it keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub dir: PathBuf,
    /// `None`: only on demand.
    pub every: Option<Duration>,
    pub keep: usize,
}

/// Settings of the docking side: reports, escrow, backups, keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockingSettings {
    pub uplink: UplinkConfig,
    pub backup: Schedule,
    pub escrow: Schedule,
    pub secrets_dir: PathBuf,
    pub lease_reserve: i64,
}

/// Numbers a restore moves each lease counter beyond the journal when none says more: more
/// than a node leases between two daily backups.
pub const DEFAULT_LEASE_RESERVE: i64 = 100_000;

impl DockingSettings {
    /// The settings for `data_dir` from the file's sections (defaults for what is unset).
    pub fn resolve(data_dir: &Path, file: &FileConfig) -> Result<DockingSettings, ConfigError> {
        let u = file.uplink.clone().unwrap_or_default();
        if let Some(e) = &u.endpoint {
            if !(e.starts_with("https://") || e.starts_with("http://")) {
                return Err(ConfigError::Docking(format!(
                    "uplink.endpoint {e}: expected https://…"
                )));
            }
        }
        let mut uplink = UplinkConfig::files_in(
            u.outbox_dir
                .clone()
                .unwrap_or_else(|| data_dir.join("uplink-outbox")),
        );
        uplink.endpoint = u.endpoint;
        uplink.token = u.token;
        uplink.username = u.username;
        uplink.password = u.password;
        uplink.ca_cert = u.ca_cert;
        if let Some(t) = u.timeout_secs {
            uplink.timeout = Duration::from_secs(t.clamp(1, 600));
        }
        if let Some(n) = u.max_attempts {
            uplink.max_attempts = n.max(1);
        }
        if let Some(ms) = u.first_backoff_ms {
            uplink.first_backoff = Duration::from_millis(ms.max(10));
        }
        if let Some(s) = u.max_backoff_secs {
            uplink.max_backoff = Duration::from_secs(s.max(1));
        }
        let schedule = |c: &Option<ScheduleFileConfig>, dir: &str, every: u64, keep: usize| {
            let c = c.clone().unwrap_or_default();
            let hours = c.every_hours.unwrap_or(every);
            Schedule {
                dir: c.dir.unwrap_or_else(|| data_dir.join(dir)),
                every: (hours > 0).then(|| Duration::from_secs(hours * 3600)),
                keep: c.keep.unwrap_or(keep).max(1),
            }
        };
        Ok(DockingSettings {
            uplink,
            backup: schedule(&file.backup, "backups", 24, 7),
            escrow: schedule(&file.escrow, "escrow", 24, 7),
            secrets_dir: file
                .secrets
                .as_ref()
                .and_then(|s| s.dir.clone())
                .unwrap_or_else(|| data_dir.join(crate::secrets::DEFAULT_DIR)),
            lease_reserve: file
                .backup
                .as_ref()
                .and_then(|b| b.lease_reserve)
                .unwrap_or(DEFAULT_LEASE_RESERVE)
                .max(0),
        })
    }
}

/// Bounds on what the network may take (ARCHITECTURE.md: everything that faces it is bounded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub max_connections: usize,
    pub header_timeout: Duration,
    pub request_timeout: Duration,
    pub tls_handshake_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 10_000,
            header_timeout: Duration::from_secs(15),
            request_timeout: Duration::from_secs(30),
            tls_handshake_timeout: Duration::from_secs(10),
        }
    }
}

/// Settings the request handlers read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub token_ttl: Duration,
    /// Password hashes computed at once; `None`: sized to the machine's memory.
    pub password_hashes: Option<usize>,
    pub ip_retention_days: u32,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            token_ttl: Duration::from_secs(12 * 3600),
            password_hashes: None,
            ip_retention_days: 30,
        }
    }
}

/// A number from the file within `min..=max`, or the default.
fn bounded(
    value: Option<u64>,
    field: &'static str,
    min: u64,
    max: u64,
) -> Result<Option<u64>, ConfigError> {
    match value {
        Some(v) if !(min..=max).contains(&v) => Err(ConfigError::Limit { field, min, max }),
        other => Ok(other),
    }
}

impl ServeConfig {
    /// Flags and environment over the file over defaults.
    pub fn merge(file: FileConfig, over: Overrides) -> Result<ServeConfig, ConfigError> {
        let data_dir = over
            .data_dir
            .or(file.data_dir.clone())
            .ok_or(ConfigError::NoDataDir)?;
        let default_listen = || vec![DEFAULT_LISTEN.parse().expect("valid default address")];
        let docking = DockingSettings::resolve(&data_dir, &file)?;
        let listen = if !over.listen.is_empty() {
            over.listen
        } else {
            match file.listen {
                Some(l) if !l.is_empty() => l,
                _ => default_listen(),
            }
        };
        let file_tls = file.tls;
        let tls = match (over.tls_cert, over.tls_key) {
            (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
            (None, None) => file_tls.as_ref().map(|t| TlsFiles {
                cert: t.cert.clone(),
                key: t.key.clone(),
            }),
            _ => return Err(ConfigError::HalfTls),
        };
        let tls_listen = if !over.tls_listen.is_empty() {
            Some(over.tls_listen)
        } else {
            file_tls
                .as_ref()
                .and_then(|t| t.listen.clone())
                .filter(|l| !l.is_empty())
        };
        let (http, https) = match (&tls, tls_listen) {
            (None, Some(_)) => return Err(ConfigError::TlsListenWithoutTls),
            (None, None) => (listen, Vec::new()),
            // HTTPS only, on the addresses `listen` names (as before HTTPS had its own list).
            (Some(_), None) => (Vec::new(), listen),
            (Some(_), Some(tls_listen)) => (listen, tls_listen),
        };
        let redirect_http = !http.is_empty()
            && !https.is_empty()
            && file_tls
                .as_ref()
                .and_then(|t| t.redirect_http)
                .unwrap_or(true);
        let mut settings = Settings::default();
        if let Some(hours) = file.tokens.and_then(|t| t.ttl_hours) {
            if !(1..=8760).contains(&hours) {
                return Err(ConfigError::TokenTtl);
            }
            settings.token_ttl = Duration::from_secs(hours * 3600);
        }
        if let Some(days) = file.privacy.and_then(|p| p.ip_retention_days) {
            if !(1..=3650).contains(&days) {
                return Err(ConfigError::Retention);
            }
            settings.ip_retention_days = days;
        }
        let file_limits = file.limits.unwrap_or_default();
        let mut limits = Limits::default();
        let as_u64 = |v: Option<usize>| v.map(|v| u64::try_from(v).unwrap_or(u64::MAX));
        if let Some(n) = bounded(
            as_u64(file_limits.max_connections),
            "max_connections",
            16,
            1_000_000,
        )? {
            limits.max_connections = usize::try_from(n).unwrap_or(usize::MAX);
        }
        if let Some(s) = bounded(
            file_limits.header_timeout_secs,
            "header_timeout_secs",
            1,
            600,
        )? {
            limits.header_timeout = Duration::from_secs(s);
        }
        if let Some(s) = bounded(
            file_limits.request_timeout_secs,
            "request_timeout_secs",
            1,
            3600,
        )? {
            limits.request_timeout = Duration::from_secs(s);
        }
        if let Some(n) = bounded(
            as_u64(file_limits.password_hashes),
            "password_hashes",
            1,
            256,
        )? {
            settings.password_hashes = usize::try_from(n).ok();
        }
        let lf = file.log_files.clone().unwrap_or_default();
        let log_files = LogFiles {
            dir: lf.dir.unwrap_or_else(|| data_dir.join("logs")),
            hourly: lf.rotation.as_deref() == Some("hourly"),
            keep: lf.keep.unwrap_or(30).max(1),
        };
        let av = file.availability.clone().unwrap_or_default();
        let mut availability = crate::availability::AvailabilityConfig::default();
        let secs = |v: Option<u64>, field, max, default: Duration| match v {
            None => Ok(default),
            Some(n) if (1..=max).contains(&n) => Ok(Duration::from_secs(n)),
            Some(_) => Err(ConfigError::Limit { field, min: 1, max }),
        };
        availability.heartbeat_every = secs(
            av.heartbeat_secs,
            "availability.heartbeat_secs",
            60,
            availability.heartbeat_every,
        )?;
        availability.probe_every = secs(
            av.probe_secs,
            "availability.probe_secs",
            3600,
            availability.probe_every,
        )?;
        Ok(ServeConfig {
            data_dir,
            http,
            https,
            tls,
            redirect_http,
            limits,
            trusted_proxies: file
                .proxy
                .map(|p| p.trusted.into_iter().map(|t| t.0).collect())
                .unwrap_or_default(),
            settings,
            log: file.log.unwrap_or_else(|| "info".to_owned()),
            log_files,
            docking,
            availability,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data_dir() -> Overrides {
        Overrides {
            data_dir: Some("/d".into()),
            ..Overrides::default()
        }
    }

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
            [limits]
            max_connections = 500
            header_timeout_secs = 5
            [privacy]
            ip_retention_days = 7
            "#,
        )
        .expect("parse");
        let merged = ServeConfig::merge(file.clone(), Overrides::default()).expect("merge");
        assert_eq!(merged.data_dir, PathBuf::from("/srv/node"));
        assert_eq!(
            merged.https.len(),
            2,
            "without tls.listen, listen serves HTTPS"
        );
        assert!(merged.http.is_empty() && !merged.redirect_http);
        assert_eq!(merged.settings.token_ttl, Duration::from_secs(7200));
        assert_eq!(merged.settings.ip_retention_days, 7);
        assert_eq!(merged.limits.max_connections, 500);
        assert_eq!(merged.limits.header_timeout, Duration::from_secs(5));
        assert!(merged.tls.is_some());
        let over = Overrides {
            data_dir: Some("/tmp/x".into()),
            listen: vec!["127.0.0.1:1".parse().expect("addr")],
            ..Overrides::default()
        };
        let merged = ServeConfig::merge(file, over).expect("merge");
        assert_eq!(merged.data_dir, PathBuf::from("/tmp/x"));
        assert_eq!(merged.https, vec!["127.0.0.1:1".parse().expect("addr")]);
        let defaults = ServeConfig::merge(FileConfig::default(), data_dir()).expect("merge");
        assert_eq!(defaults.http, vec![DEFAULT_LISTEN.parse().expect("addr")]);
        assert_eq!((defaults.tls, defaults.https.len()), (None, 0));
        assert_eq!(defaults.limits, Limits::default());
    }

    #[test]
    fn http_and_https_listen_together_and_http_redirects() {
        let file: FileConfig = toml::from_str(
            r#"
            listen = ["0.0.0.0:80"]
            [tls]
            cert = "c.pem"
            key = "k.pem"
            listen = ["0.0.0.0:443"]
            "#,
        )
        .expect("parse");
        let merged = ServeConfig::merge(file, data_dir()).expect("merge");
        assert_eq!(merged.http, vec!["0.0.0.0:80".parse().expect("addr")]);
        assert_eq!(merged.https, vec!["0.0.0.0:443".parse().expect("addr")]);
        assert!(merged.redirect_http);
        let off: FileConfig = toml::from_str(
            "[tls]\ncert = \"c\"\nkey = \"k\"\nlisten = [\"0.0.0.0:443\"]\nredirect_http = false",
        )
        .expect("parse");
        assert!(
            !ServeConfig::merge(off, data_dir())
                .expect("merge")
                .redirect_http
        );
    }

    #[test]
    fn bad_configuration_is_refused_clearly() {
        assert!(toml::from_str::<FileConfig>("lisen = []").is_err());
        assert!(matches!(
            ServeConfig::merge(FileConfig::default(), Overrides::default()),
            Err(ConfigError::NoDataDir)
        ));
        let half = Overrides {
            tls_cert: Some("c".into()),
            ..data_dir()
        };
        assert!(matches!(
            ServeConfig::merge(FileConfig::default(), half),
            Err(ConfigError::HalfTls)
        ));
        let lone = Overrides {
            tls_listen: vec!["127.0.0.1:1".parse().expect("addr")],
            ..data_dir()
        };
        assert!(matches!(
            ServeConfig::merge(FileConfig::default(), lone),
            Err(ConfigError::TlsListenWithoutTls)
        ));
        for (text, field) in [
            ("[tokens]\nttl_hours = 0", "tokens"),
            ("[limits]\nmax_connections = 1", "max_connections"),
            ("[limits]\nheader_timeout_secs = 0", "header_timeout_secs"),
            ("[privacy]\nip_retention_days = 0", "privacy"),
        ] {
            let file: FileConfig = toml::from_str(text).expect("parse");
            let err = ServeConfig::merge(file, data_dir()).expect_err(text);
            assert!(err.to_string().contains(field), "{err}");
        }
    }
}
