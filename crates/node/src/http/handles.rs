//! The Handle.net-compatible JSON REST API: `GET/PUT/DELETE /api/handles/{handle}` and
//! `GET /api/handles?prefix=P`, answered in the Handle envelope (`http::error::ApiFailure`).
//!
//! Value permissions as Handle.Net keeps them: a value without public read (personal fields:
//! who calibrated and approved, where an instrument is kept) is answered only to the
//! enterprise that owns the handle's prefix and to the operator, when they authenticate; an
//! anonymous GET (what a phone or a plain pyhandle reader sends) gets the public values.

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use idstation_model::identifier::{is_valid_prefix, Handle};
use idstation_model::MetadataTemplate;
use percent_encoding::percent_decode_str;
use serde_json::json;

use super::body_limit;
use super::error::{code, ApiError, ApiFailure};
use super::extract::{handle_principal, handle_writer, ClientIp};
use super::state::AppState;
use super::task::{acting, blocking, now};
use crate::accounts::{is_at_or_below, Principal};
use crate::storage::{Actor, NodeStore, PutMode, PutOutcome, StorageError};
use crate::values::{filter, parse_values, HandleValue};

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
    /// Handle.Net's `publicOnly`: true by default for anonymous readers, false for
    /// authenticated ones.
    public_only: Option<bool>,
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
                "publicOnly" => {
                    params.public_only = Some(match value.to_ascii_lowercase().as_str() {
                        "true" | "" => true,
                        "false" => false,
                        _ => return Err(ApiError::InvalidParameter(format!("publicOnly={value}"))),
                    })
                }
                // auth: this node is the primary, every answer is authoritative.
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

/// Runs a storage call on the blocking pool; a failure of either is reported about `handle`.
async fn on_store<T: Send + 'static>(
    state: &AppState,
    handle: &str,
    f: impl FnOnce(&dyn NodeStore) -> Result<T, StorageError> + Send + 'static,
) -> Result<T, ApiFailure> {
    let fail = |e: ApiError| e.at(handle);
    state
        .with_store(f)
        .await
        .map_err(|e| fail(e.into()))?
        .map_err(|e| fail(e.into()))
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
        Target::Handle(h) if is_at_or_below(h.prefix(), state.prefix()) => Ok(()),
        Target::Handle(_) => Err(ApiError::NotResponsible {
            node_prefix: state.prefix().to_owned(),
        }),
    }
}

/// A write the node accepts to look at: the handle, who writes it, the query's parameters.
struct Write {
    handle: String,
    user: String,
    params: Params,
}

impl Write {
    /// Checks that this node serves the handle, authenticates the caller and checks they may
    /// write under the handle's prefix, in that order, then reads the parameters. Nothing of
    /// the body has been read yet: a stranger's body is refused unread.
    async fn accept(
        state: &AppState,
        path: Result<Path<String>, PathRejection>,
        query: Option<&str>,
        headers: &HeaderMap,
        ip: std::net::IpAddr,
    ) -> Result<Write, ApiFailure> {
        let target = target_of(path)?;
        let handle = target.text();
        let fail = |e: ApiError| e.at(&handle);
        check_writable(state, &target).map_err(fail)?;
        let principal = handle_writer(state, headers, ip).await.map_err(fail)?;
        if let Target::Handle(h) = &target {
            if !principal.can_write_prefix(h.prefix()) {
                return Err(fail(ApiError::NotAuthorized(
                    match &principal.enterprise_prefix {
                        Some(own) if principal.role.writes_handles() => {
                            format!("this account may write handles under {own} only")
                        }
                        _ => "this account may not write handles".to_owned(),
                    },
                )));
            }
        }
        let params = Params::parse(query).map_err(fail)?;
        Ok(Write {
            handle,
            user: principal.username,
            params,
        })
    }

    /// The answer to a write that succeeded.
    fn done(&self, status: StatusCode) -> Response {
        let body = json!({ "responseCode": code::SUCCESS, "handle": self.handle });
        json_response(status, body, self.params.pretty)
    }
}

/// Whether `reader` administers `target`: the operator, or an account (or device) of the
/// enterprise whose prefix the handle lies under.
fn administers(reader: &Principal, target: &Target) -> bool {
    if reader.is_operator() {
        return true;
    }
    match (target, &reader.enterprise_prefix) {
        (Target::Handle(h), Some(own)) => {
            reader.enterprise_active && is_at_or_below(h.prefix(), own)
        }
        _ => false,
    }
}

pub(crate) async fn get(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
) -> Result<Response, ApiFailure> {
    let target = target_of(path)?;
    let handle = target.text();
    let params = Params::parse(query.as_deref()).map_err(|e| e.at(&handle))?;
    // Anonymous readers (phones, plain Handle clients) cost no authentication at all.
    let reader = if headers.contains_key(header::AUTHORIZATION) {
        Some(
            handle_principal(&state, &headers, ip)
                .await
                .map_err(|e| e.at(&handle))?,
        )
    } else {
        None
    };
    if reader.is_none() && params.public_only == Some(false) {
        return Err(ApiError::AuthenticationNeeded.at(&handle));
    }
    let all = params.public_only != Some(true)
        && reader.as_ref().is_some_and(|r| administers(r, &target));
    // Inline, not on the blocking pool: a read of a WAL snapshot takes microseconds, less than
    // the two thread switches a hand-off costs on a two-core machine (see HandleStore::get_json).
    let stored = state
        .store
        .get_json(&handle, all)
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
    // Parsing, filtering and writing a record again is work in proportion to its size: off the
    // request threads, so a big record filtered many times over cannot hold up resolution.
    let failed = handle.clone();
    blocking(move || {
        let values: Vec<HandleValue> = serde_json::from_str(&stored).map_err(|e| {
            ApiError::Internal(format!("stored values of {handle}: {e}")).at(&handle)
        })?;
        let shown = filter(&values, &params.indexes, &params.types);
        // No value matching the filter is not an error when resolving: HTTP 200, code 200.
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
    })
    .await
    .map_err(|e| ApiError::from(e).at(failed))?
}

/// `GET /api/handles?prefix=P[&page=N&pageSize=M]`: the handles with prefix P, for the
/// operator and for accounts of the enterprise that owns P (resolution is public, enumeration is
/// not). Pages count from 0; without `pageSize` every handle comes back; `pageSize=0` gives only
/// the count.
pub(crate) async fn list(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
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
    if !is_at_or_below(&prefix, state.prefix()) {
        return Err(fail(ApiError::NotResponsible {
            node_prefix: state.prefix().to_owned(),
        }));
    }
    let principal = handle_principal(&state, &headers, ip).await.map_err(fail)?;
    let allowed = principal.is_operator()
        || principal
            .enterprise_prefix
            .as_deref()
            .is_some_and(|own| is_at_or_below(&prefix, own));
    if !allowed {
        return Err(fail(ApiError::NotAuthorized(
            "this account may list its own enterprise's handles only".to_owned(),
        )));
    }
    let (offset, limit) = match page_size {
        None => (0, u64::MAX),
        Some(size) => (page.saturating_mul(size), size),
    };
    let key = prefix.clone();
    let (total, handles) = on_store(&state, &prefix, move |store| {
        store.list(&key, offset, limit)
    })
    .await?;
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

/// `PUT`: the caller is authenticated and authorised (from the head alone) before the body is
/// read, so a stranger cannot make the node take in a megabyte.
pub(crate) async fn put(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    request: axum::extract::Request,
) -> Result<Response, ApiFailure> {
    let write = Write::accept(&state, path, query.as_deref(), &headers, ip).await?;
    let fail = |e: ApiError| e.at(&write.handle);
    let body = <Bytes as axum::extract::FromRequest<()>>::from_request(request, &()).await;
    let body = body.map_err(|e| {
        fail(if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::BodyTooLarge {
                limit: body_limit::HANDLE,
            }
        } else {
            ApiError::BadBody(e.body_text())
        })
    })?;
    let at = now();
    let mode = PutMode {
        overwrite: write.params.overwrite.unwrap_or(true),
        selected: write.params.indexes.clone(),
    };
    let (handle, user) = (write.handle.clone(), write.user.clone());
    // The body is parsed on the blocking pool with the write: a megabyte of values is work.
    let outcome = on_store(&state, &write.handle, move |store| {
        let values = parse_values(&body, &at)?;
        let actor = Actor {
            user: &user,
            at: &at,
        };
        let template = MetadataTemplate::builtin_instrument();
        store.put(&handle, values, &mode, &template, &actor)
    })
    .await?;
    tracing::info!(handle = %write.handle, ?outcome, "handle written");
    Ok(write.done(match outcome {
        PutOutcome::Created => StatusCode::CREATED,
        PutOutcome::Modified => StatusCode::OK,
    }))
}

pub(crate) async fn delete(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
) -> Result<Response, ApiFailure> {
    let write = Write::accept(&state, path, query.as_deref(), &headers, ip).await?;
    let (handle, user) = (write.handle.clone(), write.user.clone());
    let indexes = write.params.indexes.clone();
    on_store(&state, &write.handle, move |store| {
        let template = MetadataTemplate::builtin_instrument();
        acting(&user, |actor| {
            store.delete(&handle, &indexes, &template, actor)
        })
    })
    .await?;
    tracing::info!(handle = %write.handle, "handle deleted");
    Ok(write.done(StatusCode::OK))
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
