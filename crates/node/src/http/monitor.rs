//! The monitoring endpoints (`/api/v1/stats/daily`, `/metrics`), the middleware that feeds
//! every answered request into the [`Monitor`](crate::monitor::Monitor), and the flush that
//! stores the day's figures.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::time::Instant;

use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{NaiveDate, Utc};
use percent_encoding::percent_decode_str;
use serde::Deserialize;
use serde_json::json;

use super::error::{V1Error, V1Result};
use super::extract::{query, Caller};
use super::state::AppState;
use super::task::blocking;
use crate::accounts::Invalid;
use crate::monitor::{
    day_of, ended_event, event_id, event_type, DayFigures, Event, Latency, RequestKind,
    GS1_SUBJECT, OTHER_BUCKET,
};

/// The part of a path classified: enough for any prefix, so a 64 KiB path costs no more.
const CLASSIFIED_PATH_BYTES: usize = 256;

/// What kind of request this is and which prefix it concerns (bounded text: the monitor maps
/// it to a bucket before counting).
pub fn classify(method: &Method, path: &str) -> (RequestKind, Option<String>) {
    let mut end = path.len().min(CLASSIFIED_PATH_BYTES);
    while !path.is_char_boundary(end) {
        end -= 1;
    }
    let decoded = percent_decode_str(&path[..end]).decode_utf8_lossy();
    if let Some(handle) = decoded.strip_prefix("/api/handles/") {
        let prefix = handle.split('/').next().map(str::to_owned);
        let kind = match *method {
            Method::GET | Method::HEAD => RequestKind::Resolution,
            Method::PUT => RequestKind::Registration,
            _ => RequestKind::Other,
        };
        return (kind, prefix);
    }
    let resolver = (*method == Method::GET || *method == Method::HEAD)
        && !decoded.starts_with("/api/")
        && decoded != "/metrics"
        && decoded.len() > 1;
    // A resolution is a path the resolver reads as an identifier (the same parser): a phone
    // scan `/{prefix}/{suffix}` or a GS1 Digital Link. `/favicon.ico`, `/robots.txt` and a
    // crawler's guesses are not.
    if resolver && is_identifier_path(&path[..end]) {
        // A GS1 Digital Link path names its key, whose company prefix says whose it is.
        let mut parts = decoded[1..].split('/');
        let first = parts.next().unwrap_or("");
        let prefix = match (first, parts.next()) {
            // GTIN-14: an indicator digit, then the company prefix.
            ("01", Some(gtin)) if gtin.len() == 14 && gtin.bytes().all(|b| b.is_ascii_digit()) => {
                Some(format!("{GS1_SUBJECT}{}", &gtin[1..]))
            }
            ("8004", Some(giai)) => Some(format!("{GS1_SUBJECT}{giai}")),
            _ => first.starts_with("88.").then(|| first.to_owned()),
        };
        return (RequestKind::Resolution, prefix);
    }
    (RequestKind::Other, None)
}

/// Whether the resolver reads `path` as an identifier (its own parser, as `resolver.rs` calls it).
fn is_identifier_path(path: &str) -> bool {
    let scanned = format!(
        "https://resolver{}",
        path.replace("%2F", "/").replace("%2f", "/")
    );
    idstation_model::Identifier::parse(&scanned).is_ok()
}

/// Middleware: times the request and records it.
pub async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // The node probing itself is no client's request.
    let probe = req
        .headers()
        .get(crate::availability::PROBE_HEADER)
        .is_some_and(|v| v.as_bytes() == state.probe_token.as_bytes());
    if probe {
        return next.run(req).await;
    }
    let started = Instant::now();
    let (kind, prefix) = classify(req.method(), req.uri().path());
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED));
    let response = next.run(req).await;
    let ended = state.monitor.observe(
        Utc::now(),
        kind,
        prefix.as_deref(),
        ip,
        response.status().as_u16(),
        started.elapsed(),
    );
    if let Some((day, figures)) = ended {
        let store = state.store.clone();
        tokio::task::spawn_blocking(move || {
            if let Err(e) = store.store_day(day, figures) {
                tracing::error!(error = %e, %day, "cannot store the day's figures");
            }
        });
    }
    response
}

/// Writes today's figures when they changed, and once a day cuts the source addresses of days
/// past the retention period; the node calls it every few seconds and at shutdown.
pub fn flush(state: &AppState) {
    // A day the attack check rolled over, then today's figures if they changed.
    let ended = state.monitor.end_quiet_attack(Utc::now());
    for (day, figures) in ended.into_iter().chain(state.monitor.take_dirty()) {
        if let Err(e) = state.store.store_day(day, figures) {
            tracing::error!(error = %e, %day, "cannot store the day's figures");
        }
    }
    let today = day_of(Utc::now());
    if state.monitor.retention_due(today) {
        let days = chrono::Days::new(u64::from(state.settings.ip_retention_days));
        let cutoff = today.checked_sub_days(days).unwrap_or(today);
        match state.store.truncate_ips_before(&cutoff.to_string()) {
            Ok(n) if n > 0 => tracing::info!(days = n, %cutoff, "source addresses truncated"),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "cannot truncate old source addresses"),
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct DailyQuery {
    date: Option<String>,
}

fn latency_json(l: &Latency) -> serde_json::Value {
    let ms = |us: u64| us as f64 / 1000.0;
    json!({
        "count": l.count,
        "avg_ms": if l.count == 0 { 0.0 } else { ms(l.total_us) / l.count as f64 },
        "max_ms": ms(l.max_us),
        "max_at": l.max_at,
        "min_ms": ms(l.min_us),
        "min_at": l.min_at,
    })
}

/// The day's events as reported (annex 2 item 3): each with its id (day and place in the day,
/// the same in every view and upstream), its annex type and the abnormal event it ends.
fn events_json(
    day: NaiveDate,
    events: &[Event],
    keep: impl Fn(&Event) -> bool,
) -> Vec<serde_json::Value> {
    events
        .iter()
        .enumerate()
        .filter(|(_, e)| keep(e))
        .map(|(n, e)| {
            json!({
                "id": event_id(day, n),
                "at": e.at,
                "kind": e.kind,
                "category": e.category,
                "type": event_type(&e.category),
                "detail": e.detail,
                "ends": ended_event(events, n).map(|m| event_id(day, m)),
                "prefix": e.prefix,
            })
        })
        .collect()
}

/// `GET /api/v1/stats/daily?date=YYYY-MM-DD`: the day's figures. Operators see the node's
/// figures, every bucket, every event and the source addresses (full within the retention
/// period); everyone else sees their enterprise's bucket only, with addresses cut to their
/// network, the events that concerned its service (see [`Event::concerns`]) and none of the
/// node-wide figures (latency and peak tell of other tenants' traffic).
pub(crate) async fn daily(
    State(state): State<AppState>,
    Caller(principal): Caller,
    q: Result<Query<DailyQuery>, QueryRejection>,
) -> V1Result {
    let q = query(q, "date")?;
    let today = day_of(Utc::now());
    let day = match q.date {
        None => today,
        Some(d) => NaiveDate::parse_from_str(&d, "%Y-%m-%d")
            .map_err(|_| V1Error::invalid("date", Invalid::Date(d)))?,
    };
    let st = state.clone();
    let mut figures: DayFigures = blocking(move || -> V1Result<DayFigures> {
        let (live_day, mut live) = st.monitor.today();
        if live_day != day {
            return Ok(st.store.load_day(&day.to_string())?.unwrap_or_default());
        }
        for (prefix, p) in live.prefixes.iter_mut() {
            if prefix != OTHER_BUCKET {
                p.total_registrations = st.store.count_handles(prefix)?;
            }
        }
        Ok(live)
    })
    .await??;
    let node_wide = principal.is_operator();
    let own = principal.enterprise_prefix.clone().unwrap_or_default();
    if !node_wide {
        figures.prefixes.retain(|p, _| *p == own);
        figures.truncate_ips();
    }
    let prefixes: Vec<_> = figures
        .prefixes
        .iter()
        .map(|(prefix, p)| {
            json!({
                "prefix": prefix,
                "new_registrations": p.new_registrations,
                "total_registrations": p.total_registrations,
                "resolution_requests": p.resolution_requests,
                "successful_responses": p.successful_responses,
                "resolution": latency_json(&p.resolution),
                "registration": latency_json(&p.registration),
                "max_qps": p.max_qps,
                "max_qps_at": p.max_qps_at,
                "source_ips": p.source_ips.iter()
                    .map(|(ip, n)| json!({"ip": ip, "requests": n}))
                    .collect::<Vec<_>>(),
                "event_ids": figures.events.iter().enumerate()
                    .filter(|(_, e)| e.concerns(prefix))
                    .map(|(n, _)| event_id(day, n))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut body = json!({
        "date": day.to_string(),
        "timezone": "+08:00",
        "scope": if node_wide { "node" } else { "enterprise" },
        "prefixes": prefixes,
        "events": if node_wide {
            events_json(day, &figures.events, |_| true)
        } else {
            events_json(day, &figures.events, |e| e.concerns(&own))
        },
    });
    if node_wide {
        body["resolution"] = latency_json(&figures.resolution);
        body["registration"] = latency_json(&figures.registration);
        body["max_qps"] = json!(figures.max_qps);
        body["max_qps_at"] = json!(figures.max_qps_at);
    }
    Ok(Json(body).into_response())
}

/// Prometheus text exposition (no personal data: counts and durations only).
pub(crate) async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.monitor.metrics_text(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_requests() {
        let get = Method::GET;
        assert_eq!(
            classify(&get, "/api/handles/88.118.8%2FA-1"),
            (RequestKind::Resolution, Some("88.118.8".to_owned()))
        );
        assert_eq!(
            classify(&Method::PUT, "/api/handles/88.118.8/A-1").0,
            RequestKind::Registration
        );
        assert_eq!(
            classify(&get, "/88.118.8/CAL-1"),
            (RequestKind::Resolution, Some("88.118.8".to_owned()))
        );
        assert_eq!(
            classify(&get, "/01/09506000134352/21/A1"),
            (
                RequestKind::Resolution,
                Some("gs1:9506000134352".to_owned())
            )
        );
        assert_eq!(classify(&get, "/api/v1/me").0, RequestKind::Other);
        assert_eq!(classify(&get, "/metrics").0, RequestKind::Other);
    }
}
