//! The desktop app's update feed. Workstations update from the node they sync with, never
//! from the internet: the operator copies a release into `<data folder>/updates/` (the
//! signed installers and Tauri's `latest.json` naming them, as `installer/build-all` writes
//! it) and the app's updater asks
//! `GET /api/v1/updates/{target}/{arch}/{current_version}?bundle={deb|rpm|nsis|msi}`.
//! The answer is 204 when there is nothing newer for that platform, or the one release in the
//! format tauri-plugin-updater reads, with the installer served from
//! `GET /api/v1/updates/files/{name}`. The node only passes the signed files on: the app
//! verifies their signature against the project's public key before installing.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::state::AppState;

/// The folder's index, in Tauri's static update format.
pub const LATEST_FILE: &str = "latest.json";
/// The folder under the data folder that the operator fills.
pub const UPDATES_DIR: &str = "updates";
/// `latest.json` is a few KiB; anything far larger is not one.
const MAX_INDEX_BYTES: u64 = 1024 * 1024;

/// What a file name keeps unescaped in a download URL: RFC 3986's unreserved characters.
const FILE_NAME: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Whether this listener serves HTTPS, for the download URLs the feed hands out (an HTTP/1.1
/// request line carries no scheme). Added as an extension where the listeners are set up.
#[derive(Debug, Clone, Copy)]
pub struct Scheme(pub &'static str);

/// `latest.json`: one version, and an installer per platform key such as `linux-x86_64-deb`,
/// `linux-x86_64` or `windows-x86_64-nsis`.
#[derive(Debug, Clone, Deserialize)]
pub struct Index {
    pub version: String,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub pub_date: Option<String>,
    pub platforms: std::collections::BTreeMap<String, Artifact>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Artifact {
    /// A file name in the updates folder, or an absolute URL.
    pub url: String,
    /// The minisign signature `tauri signer sign` wrote (the `.sig` file's text).
    pub signature: String,
}

/// What tauri-plugin-updater's dynamic endpoint answers.
#[derive(Debug, Serialize)]
struct Release<'a> {
    version: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    notes: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub_date: Option<&'a str>,
    url: String,
    signature: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("no update feed on this node")]
    NoFeed,
    #[error("no such update file")]
    NoFile,
    #[error("invalid version \"{0}\"")]
    BadVersion(String),
    #[error("the update feed's latest.json is unreadable: {0}")]
    BadIndex(String),
}

impl IntoResponse for FeedError {
    fn into_response(self) -> Response {
        let (status, code, zh) = match &self {
            FeedError::NoFeed => (StatusCode::NOT_FOUND, "no_feed", "本节点未提供更新"),
            FeedError::NoFile => (StatusCode::NOT_FOUND, "not_found", "更新文件不存在"),
            FeedError::BadVersion(_) => (StatusCode::BAD_REQUEST, "invalid_input", "版本号无效"),
            FeedError::BadIndex(e) => {
                tracing::error!(error = %e, "update feed index unreadable");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "更新目录的 latest.json 无法读取",
                )
            }
        };
        let body = json!({"code": code, "message": zh, "message_en": self.to_string()});
        (status, Json(body)).into_response()
    }
}

fn folder(state: &AppState) -> Result<PathBuf, FeedError> {
    state
        .data_dir
        .as_deref()
        .map(|d| d.join(UPDATES_DIR))
        .ok_or(FeedError::NoFeed)
}

#[derive(Debug, Deserialize)]
pub(super) struct CheckQuery {
    bundle: Option<String>,
}

/// Reads and parses `latest.json` in `dir`; `None` when the operator has put none there.
pub fn read_index(dir: &Path) -> Result<Option<Index>, FeedError> {
    let path = dir.join(LATEST_FILE);
    let meta = match std::fs::metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(FeedError::BadIndex(e.to_string())),
    };
    if meta.len() > MAX_INDEX_BYTES {
        return Err(FeedError::BadIndex("larger than 1 MiB".into()));
    }
    let text = std::fs::read_to_string(&path).map_err(|e| FeedError::BadIndex(e.to_string()))?;
    let index: Index =
        serde_json::from_str(&text).map_err(|e| FeedError::BadIndex(e.to_string()))?;
    parse_version(&index.version).map_err(|_| FeedError::BadIndex("invalid version".into()))?;
    Ok(Some(index))
}

fn parse_version(v: &str) -> Result<semver::Version, FeedError> {
    semver::Version::parse(v.trim_start_matches('v')).map_err(|_| FeedError::BadVersion(v.into()))
}

/// The platform keys the app may be served under, most specific first (as the plugin looks).
fn keys(target: &str, arch: &str, bundle: Option<&str>) -> Vec<String> {
    let mut keys = Vec::with_capacity(2);
    if let Some(b) = bundle.filter(|b| !b.is_empty() && *b != "unknown") {
        keys.push(format!("{target}-{arch}-{b}"));
    }
    keys.push(format!("{target}-{arch}"));
    keys
}

pub(super) async fn check(
    State(state): State<AppState>,
    UrlPath((target, arch, current)): UrlPath<(String, String, String)>,
    Query(query): Query<CheckQuery>,
    scheme: Option<Extension<Scheme>>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, FeedError> {
    let current = parse_version(&current)?;
    let dir = folder(&state)?;
    let index = tokio::task::spawn_blocking(move || read_index(&dir))
        .await
        .map_err(|e| FeedError::BadIndex(e.to_string()))??;
    let Some(index) = index else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    let newest = parse_version(&index.version)?;
    let artifact = keys(&target, &arch, query.bundle.as_deref())
        .into_iter()
        .find_map(|k| index.platforms.get(&k));
    let Some(artifact) = artifact.filter(|_| newest > current) else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    let url = if artifact.url.contains("://") {
        artifact.url.clone()
    } else {
        let scheme = uri
            .scheme_str()
            .map(str::to_owned)
            .or_else(|| scheme.map(|Extension(Scheme(s))| s.to_owned()))
            .unwrap_or_else(|| "http".to_owned());
        let host = uri
            .authority()
            .map(|a| a.to_string())
            .or_else(|| {
                headers
                    .get(header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| "localhost".to_owned());
        let name = percent_encoding::utf8_percent_encode(&artifact.url, FILE_NAME);
        format!("{scheme}://{host}/api/v1/updates/files/{name}")
    };
    Ok(Json(Release {
        version: &index.version,
        notes: index.notes.as_deref(),
        pub_date: index.pub_date.as_deref(),
        url,
        signature: &artifact.signature,
    })
    .into_response())
}

/// A file name the operator put in the folder: no paths, no hidden files.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-+~".contains(c))
}

pub(super) async fn file(
    State(state): State<AppState>,
    UrlPath(name): UrlPath<String>,
) -> Result<Response, FeedError> {
    if !valid_name(&name) || name == LATEST_FILE {
        return Err(FeedError::NoFile);
    }
    let path = folder(&state)?.join(&name);
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|_| FeedError::NoFile)?;
    let meta = file.metadata().await.map_err(|_| FeedError::NoFile)?;
    if !meta.is_file() {
        return Err(FeedError::NoFile);
    }
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (header::CONTENT_LENGTH, meta.len().to_string()),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_keys_go_from_the_bundle_to_the_platform() {
        assert_eq!(
            keys("linux", "x86_64", Some("deb")),
            ["linux-x86_64-deb", "linux-x86_64"]
        );
        assert_eq!(
            keys("windows", "x86_64", Some("unknown")),
            ["windows-x86_64"]
        );
        assert_eq!(keys("linux", "x86_64", None), ["linux-x86_64"]);
    }

    #[test]
    fn only_plain_file_names_are_served() {
        assert!(valid_name("IDStation_0.2.0_amd64.deb"));
        assert!(valid_name("IDStation_0.2.0_x64-setup.exe"));
        for bad in ["", ".hidden", "../node.sqlite", "a/b", "a\\b", "x y"] {
            assert!(!valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn a_missing_index_is_no_feed_and_a_broken_one_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(matches!(read_index(dir.path()), Ok(None)));
        std::fs::write(dir.path().join(LATEST_FILE), "{").expect("write");
        assert!(matches!(
            read_index(dir.path()),
            Err(FeedError::BadIndex(_))
        ));
        std::fs::write(
            dir.path().join(LATEST_FILE),
            r#"{"version":"1.2","platforms":{}}"#,
        )
        .expect("write");
        assert!(matches!(
            read_index(dir.path()),
            Err(FeedError::BadIndex(_))
        ));
        std::fs::write(
            dir.path().join(LATEST_FILE),
            r#"{"version":"1.2.0","platforms":{"linux-x86_64":{"url":"a.deb","signature":"s"}}}"#,
        )
        .expect("write");
        let index = read_index(dir.path()).expect("read").expect("some");
        assert_eq!(index.version, "1.2.0");
    }
}
