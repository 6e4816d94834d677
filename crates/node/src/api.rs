//! The Handle.net-compatible JSON REST API: `GET/PUT/DELETE /api/handles/{handle}`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{SecondsFormat, Utc};
use idstation_model::identifier::{is_valid_prefix, Handle};
use percent_encoding::percent_decode_str;
use serde_json::json;

use crate::accounts::{AccountStatus, AccountStore, Principal};
use crate::auth::{AuthFailure, Authenticator};
use crate::config::Settings;
use crate::error::{code, ApiError, ApiFailure};
use crate::monitor::{Monitor, MonitorStore};
use crate::store::{Actor, HandleStore, PutMode, PutOutcome, StoreError};
use crate::sync::SyncStore;
use crate::values::{filter, parse_values};

/// Largest accepted request body; a handle record is a few KiB at most.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Everything the node stores: handles and accounts (one backend implements both).
pub trait NodeStore: HandleStore + AccountStore + MonitorStore + SyncStore {}
impl<T: HandleStore + AccountStore + MonitorStore + SyncStore> NodeStore for T {}

/// What the API handlers share: the store, the authenticator and the node's settings, read
/// once at start.
#[derive(Clone)]
pub struct AppState {
    pub(crate) store: Arc<dyn NodeStore>,
    pub(crate) auth: Arc<Authenticator>,
    pub(crate) settings: Arc<Settings>,
    pub(crate) monitor: Arc<Monitor>,
    prefix: Arc<str>,
    /// Present while the node serves; found at start, it tells of an unclean stop.
    pub(crate) running_marker: Option<Arc<std::path::Path>>,
    /// The data folder, where the update feed's folder is (`crate::updates`).
    pub(crate) data_dir: Option<Arc<std::path::Path>>,
}

impl AppState {
    pub fn new(store: Arc<dyn NodeStore>, settings: Settings) -> Result<AppState, StoreError> {
        let config = store.config()?;
        let now = Utc::now();
        let today = store.load_day(&crate::monitor::day_of(now).to_string())?;
        Ok(AppState {
            monitor: Arc::new(Monitor::new(now, today)),
            auth: Arc::new(Authenticator::new(
                &config.prefix,
                &config.admin_secret_hash,
            )),
            store,
            settings: Arc::new(settings),
            prefix: config.prefix.into(),
            running_marker: None,
            data_dir: None,
        })
    }

    /// Keeps the "running" marker in `data_dir` (see [`crate::serve`]).
    pub fn with_data_dir(mut self, data_dir: &std::path::Path) -> AppState {
        self.running_marker = Some(data_dir.join("node.running").into());
        self.data_dir = Some(data_dir.into());
        self
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The principal behind the request's `Authorization` header.
    pub(crate) async fn principal(&self, headers: &HeaderMap) -> Result<Principal, AuthFailure> {
        let header = match headers.get(header::AUTHORIZATION) {
            None => return Err(AuthFailure::Missing),
            Some(v) => v.to_str().map_err(|_| AuthFailure::Rejected)?.to_owned(),
        };
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            state
                .auth
                .principal(Some(&header), state.store.as_ref(), &now())
        })
        .await
        .map_err(|e| AuthFailure::Internal(e.to_string()))?
    }
}

/// The node's HTTP routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/handles", get(list_handles))
        .route(
            "/api/handles/{*handle}",
            get(get_handle).put(put_handle).delete(delete_handle),
        )
        .merge(crate::accounts_api::routes())
        .merge(crate::monitor_api::routes())
        .merge(crate::openapi::routes())
        .merge(crate::sync_api::routes())
        .merge(crate::updates::routes())
        .merge(crate::favicon::routes())
        .merge(crate::resolver::routes())
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::monitor_api::observe,
        ))
        .with_state(state)
}

/// A handle named in a request path, in canonical text form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `0.NA/<prefix>`: a prefix handle, carrying the prefix's admin values.
    Prefix(String),
    Handle(Handle),
}

impl Target {
    /// Parses the path part after `/api/handles/` (already percent-decoded once, so `%2F` and
    /// `/` arrive the same). Minted suffixes are upper-cased, so lower-case scans match.
    pub fn parse(raw: &str) -> Result<Target, ApiError> {
        let (prefix, suffix) = raw
            .split_once('/')
            .ok_or_else(|| ApiError::InvalidHandle("expected <prefix>/<suffix>".to_owned()))?;
        if prefix.eq_ignore_ascii_case("0.NA") {
            return if is_valid_prefix(suffix) {
                Ok(Target::Prefix(suffix.to_owned()))
            } else {
                Err(ApiError::InvalidHandle(format!(
                    "\"{suffix}\" is not a prefix under 88"
                )))
            };
        }
        Handle::new(prefix, suffix)
            .map(Target::Handle)
            .map_err(|e| ApiError::InvalidHandle(e.to_string()))
    }

    pub fn text(&self) -> String {
        match self {
            Target::Prefix(p) => format!("0.NA/{p}"),
            Target::Handle(h) => h.to_string(),
        }
    }
}

/// Query parameters the API understands; repeated `index`/`type` accumulate.
#[derive(Debug, Default)]
struct Params {
    indexes: Vec<u32>,
    types: Vec<String>,
    overwrite: Option<bool>,
    pretty: bool,
}

impl Params {
    fn parse(query: Option<&str>) -> Result<Params, ApiError> {
        let mut params = Params::default();
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = decode_query(value)?;
            match key {
                "index" => {
                    // Handle clients also send `index=1,2`.
                    for part in value.split(',').filter(|p| !p.is_empty()) {
                        let index = part
                            .trim()
                            .parse::<u32>()
                            .ok()
                            .filter(|i| (1..=i32::MAX as u32).contains(i))
                            .ok_or_else(|| ApiError::InvalidParameter(format!("index={part}")))?;
                        params.indexes.push(index);
                    }
                }
                "type" => params.types.push(value),
                "overwrite" => {
                    params.overwrite = Some(match value.to_ascii_lowercase().as_str() {
                        "true" | "" => true,
                        "false" => false,
                        _ => return Err(ApiError::InvalidParameter(format!("overwrite={value}"))),
                    })
                }
                "pretty" => params.pretty = !value.eq_ignore_ascii_case("false"),
                // auth, publicOnly: every value this node stores is public.
                _ => {}
            }
        }
        Ok(params)
    }
}

fn decode_query(s: &str) -> Result<String, ApiError> {
    let s = s.replace('+', " ");
    percent_decode_str(&s)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| ApiError::InvalidParameter("invalid percent-encoding".to_owned()))
}

fn json_response(status: StatusCode, body: serde_json::Value, pretty: bool) -> Response {
    let text = if pretty {
        serde_json::to_string_pretty(&body)
    } else {
        serde_json::to_string(&body)
    };
    match text {
        Ok(text) => (status, [(header::CONTENT_TYPE, "application/json")], text).into_response(),
        Err(e) => ApiError::Internal(e.to_string()).at("").into_response(),
    }
}

/// Runs blocking work (SQLite, argon2) off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(format!("blocking task failed: {e}")))?
}

fn target_of(path: Result<Path<String>, PathRejection>) -> Result<Target, ApiFailure> {
    let Path(raw) = path.map_err(|e| ApiError::InvalidHandle(e.body_text()).at(""))?;
    Target::parse(&raw).map_err(|e| e.at(raw))
}

/// Writes are accepted only for handles under the node's prefix, and never for prefix handles
/// (those are set up by `idstation-node init`).
fn check_writable(state: &AppState, target: &Target) -> Result<(), ApiError> {
    match target {
        Target::Prefix(_) => Err(ApiError::NotAuthorized(
            "prefix handles are managed by the node operator, not through this API".to_owned(),
        )),
        Target::Handle(h) => {
            let p = h.prefix();
            let node = state.prefix();
            let under = p == node
                || (p.len() > node.len()
                    && p.starts_with(node)
                    && p[node.len()..].starts_with('.'));
            if under {
                Ok(())
            } else {
                Err(ApiError::NotResponsible {
                    node_prefix: node.to_owned(),
                })
            }
        }
    }
}

/// The principal behind a Handle API request, or the Handle error that refuses it.
async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Principal, ApiError> {
    state.principal(headers).await.map_err(|f| match f {
        AuthFailure::Missing => ApiError::AuthenticationNeeded,
        AuthFailure::Rejected => ApiError::AuthenticationFailed,
        AuthFailure::Inactive(AccountStatus::Pending) => ApiError::NotAuthorized(
            "the account awaits the operator's approval (账户待审核)".to_owned(),
        ),
        AuthFailure::Inactive(_) => {
            ApiError::NotAuthorized("the account is not active (账户未启用)".to_owned())
        }
        AuthFailure::Internal(e) => ApiError::Internal(e),
    })
}

/// Authenticates a Handle API write and checks the principal may write under the handle's
/// prefix; returns the user name for the audit log.
async fn authorize_write(
    state: &AppState,
    headers: &HeaderMap,
    target: &Target,
) -> Result<String, ApiError> {
    let principal = authenticate(state, headers).await?;
    if let Target::Handle(h) = target {
        if !principal.can_write_prefix(h.prefix()) {
            return Err(ApiError::NotAuthorized(
                match &principal.enterprise_prefix {
                    Some(own) if principal.role.writes_handles() => {
                        format!("this account may write handles under {own} only")
                    }
                    _ => "this account may not write handles".to_owned(),
                },
            ));
        }
    }
    Ok(principal.username)
}

pub(crate) fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

async fn get_handle(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiFailure> {
    let target = target_of(path)?;
    let handle = target.text();
    let params = Params::parse(query.as_deref()).map_err(|e| e.at(&handle))?;
    // Inline, not on the blocking pool: a read of a WAL snapshot takes microseconds, less than
    // the two thread switches a hand-off costs on a two-core machine (see HandleStore::get_json).
    let stored = state
        .store
        .get_json(&handle)
        .map_err(|e| ApiError::from(e).at(&handle))?
        .ok_or_else(|| ApiError::HandleNotFound.at(&handle))?;
    let filtered = !params.indexes.is_empty() || !params.types.is_empty();
    if !filtered && !params.pretty {
        // The stored text is the canonical values array: no parse, no re-serialisation.
        let handle_json = serde_json::Value::String(handle).to_string();
        let body = format!(
            r#"{{"responseCode":{},"handle":{handle_json},"values":{stored}}}"#,
            code::SUCCESS
        );
        return Ok((
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response());
    }
    let values: Vec<crate::values::HandleValue> = serde_json::from_str(&stored)
        .map_err(|e| ApiError::Internal(format!("stored values of {handle}: {e}")).at(&handle))?;
    let shown = filter(&values, &params.indexes, &params.types);
    // No value matching the filter is not an error when resolving: HTTP 200, responseCode 200.
    let response_code = if shown.is_empty() && filtered {
        code::VALUES_NOT_FOUND
    } else {
        code::SUCCESS
    };
    Ok(json_response(
        StatusCode::OK,
        json!({ "responseCode": response_code, "handle": handle, "values": shown }),
        params.pretty,
    ))
}

/// `GET /api/handles?prefix=P[&page=N&pageSize=M]`: the handles with prefix P, for the
/// operator and for accounts of the enterprise that owns P (resolution is public, enumeration is
/// not). Pages count from 0; without `pageSize` every handle comes back; `pageSize=0` gives only
/// the count.
async fn list_handles(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiFailure> {
    let mut prefix = None;
    let (mut page, mut page_size) = (0u64, None::<u64>);
    let mut pretty = false;
    for pair in query
        .as_deref()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = decode_query(value).map_err(|e| e.at(""))?;
        let number = |v: &str| {
            v.parse::<u64>()
                .map_err(|_| ApiError::InvalidParameter(format!("{key}={v}")).at(""))
        };
        match key {
            "prefix" => prefix = Some(value),
            "page" => page = number(&value)?,
            "pageSize" => page_size = Some(number(&value)?),
            "pretty" => pretty = !value.eq_ignore_ascii_case("false"),
            _ => {}
        }
    }
    let prefix =
        prefix.ok_or_else(|| ApiError::InvalidParameter("prefix is required".to_owned()).at(""))?;
    let prefix = prefix.strip_prefix("0.NA/").unwrap_or(&prefix).to_owned();
    let fail = |e: ApiError| e.at(&prefix);
    if !is_valid_prefix(&prefix) {
        return Err(fail(ApiError::InvalidHandle(format!(
            "\"{prefix}\" is not a prefix under 88"
        ))));
    }
    if !crate::accounts::is_at_or_below(&prefix, state.prefix()) {
        return Err(fail(ApiError::NotResponsible {
            node_prefix: state.prefix().to_owned(),
        }));
    }
    let principal = authenticate(&state, &headers).await.map_err(fail)?;
    let allowed = principal.is_operator()
        || principal
            .enterprise_prefix
            .as_deref()
            .is_some_and(|own| crate::accounts::is_at_or_below(&prefix, own));
    if !allowed {
        return Err(fail(ApiError::NotAuthorized(
            "this account may list its own enterprise's handles only".to_owned(),
        )));
    }
    let (offset, limit) = match page_size {
        None => (0, u64::MAX),
        Some(size) => (page.saturating_mul(size), size),
    };
    let store = state.store.clone();
    let key = prefix.clone();
    let (total, handles) = blocking(move || Ok(store.list(&key, offset, limit)?))
        .await
        .map_err(fail)?;
    let mut body = json!({
        "responseCode": code::SUCCESS,
        "prefix": prefix,
        // Handle.net servers send the count as text.
        "totalCount": total.to_string(),
        "handles": handles,
    });
    if let Some(size) = page_size {
        body["page"] = json!(page);
        body["pageSize"] = json!(size);
    }
    Ok(json_response(StatusCode::OK, body, pretty))
}

async fn put_handle(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiFailure> {
    let target = target_of(path)?;
    let handle = target.text();
    let fail = |e: ApiError| e.at(&handle);
    check_writable(&state, &target).map_err(fail)?;
    let user = authorize_write(&state, &headers, &target)
        .await
        .map_err(fail)?;
    let params = Params::parse(query.as_deref()).map_err(fail)?;
    let body = body.map_err(|e| {
        fail(if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::BodyTooLarge {
                limit: MAX_BODY_BYTES,
            }
        } else {
            ApiError::BadBody(e.body_text())
        })
    })?;
    let at = now();
    let values = parse_values(&body, &at).map_err(|e| fail(e.into()))?;
    let mode = PutMode {
        overwrite: params.overwrite.unwrap_or(true),
        selected: params.indexes,
    };
    let store = state.store.clone();
    let key = handle.clone();
    let outcome = blocking(move || {
        let actor = Actor {
            user: &user,
            at: &at,
        };
        Ok(store.put(&key, values, &mode, &actor)?)
    })
    .await
    .map_err(fail)?;
    let status = match outcome {
        PutOutcome::Created => StatusCode::CREATED,
        PutOutcome::Modified => StatusCode::OK,
    };
    tracing::info!(%handle, ?outcome, "handle written");
    Ok(json_response(
        status,
        json!({ "responseCode": code::SUCCESS, "handle": handle }),
        params.pretty,
    ))
}

async fn delete_handle(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiFailure> {
    let target = target_of(path)?;
    let handle = target.text();
    let fail = |e: ApiError| e.at(&handle);
    check_writable(&state, &target).map_err(fail)?;
    let user = authorize_write(&state, &headers, &target)
        .await
        .map_err(fail)?;
    let params = Params::parse(query.as_deref()).map_err(fail)?;
    let store = state.store.clone();
    let key = handle.clone();
    let indexes = params.indexes;
    blocking(move || {
        let at = now();
        let actor = Actor {
            user: &user,
            at: &at,
        };
        Ok(store.delete(&key, &indexes, &actor)?)
    })
    .await
    .map_err(fail)?;
    tracing::info!(%handle, "handle deleted");
    Ok(json_response(
        StatusCode::OK,
        json!({ "responseCode": code::SUCCESS, "handle": handle }),
        params.pretty,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_targets() {
        assert_eq!(
            Target::parse("0.na/88.118").expect("prefix").text(),
            "0.NA/88.118"
        );
        assert_eq!(
            Target::parse("88.118.8/cal-1").expect("handle").text(),
            "88.118.8/CAL-1"
        );
        for bad in ["88.118", "99.1/A", "0.NA/12", "88.118/"] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn parses_repeated_query_parameters() {
        let p = Params::parse(Some(
            "index=1&index=2,3&type=URL&type=EMAIL&overwrite=false",
        ))
        .expect("params");
        assert_eq!(p.indexes, vec![1, 2, 3]);
        assert_eq!(p.types, vec!["URL", "EMAIL"]);
        assert_eq!(p.overwrite, Some(false));
        assert!(Params::parse(Some("index=x")).is_err());
        assert!(Params::parse(Some("overwrite=maybe")).is_err());
    }
}
