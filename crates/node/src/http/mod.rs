//! The node's HTTP side. The core every resource shares: [`state`] (what handlers share),
//! [`error`] (both error envelopes and their statuses), [`extract`] (who is calling, what the
//! request carries), `task` (blocking work, time stamps). Beside it, one module per resource:
//! [`handles`] (Handle.net REST API), [`resolver`] (phone scans), [`accounts`], [`sync`],
//! [`monitor`], [`openapi`], [`docking`] and [`uplink`] (issue 17). A resource module imports the core (and the domain and storage),
//! never another resource; this file is the one place that lists every route.

pub mod accounts;
mod availability;
pub mod body_limit;
pub mod docking;
pub mod error;
pub mod extract;
mod favicon;
mod guard;
mod guard_state;
pub mod handles;
pub mod monitor;
pub mod openapi;
pub mod openapi_availability;
pub mod openapi_docking;
pub mod openapi_reports;
mod reports;
pub mod resolver;
pub mod state;
pub mod sync;
mod task;
pub mod updates;
pub mod uplink;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

pub use state::AppState;

/// The node's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        // The Handle.net JSON REST API.
        .route("/api/handles", get(handles::list))
        .route(
            "/api/handles/{*handle}",
            get(handles::get)
                .put(handles::put)
                .delete(handles::delete)
                .layer(DefaultBodyLimit::max(body_limit::HANDLE)),
        )
        // Accounts, enterprises, devices, leases.
        .route(
            "/api/v1/accounts",
            post(accounts::register).get(accounts::list_accounts),
        )
        .route("/api/v1/accounts/{id}/approve", post(accounts::approve))
        .route("/api/v1/accounts/{id}/reject", post(accounts::reject))
        .route("/api/v1/accounts/{id}/disable", post(accounts::disable))
        .route("/api/v1/accounts/{id}/enable", post(accounts::enable))
        .route("/api/v1/accounts/{id}/role", post(accounts::set_role))
        .route(
            "/api/v1/accounts/{id}/password",
            post(accounts::reset_password),
        )
        .route(
            "/api/v1/accounts/{id}/revoke-tokens",
            post(accounts::revoke_tokens),
        )
        .route("/api/v1/accounts/{id}/unlock", post(accounts::unlock))
        .route("/api/v1/login", post(accounts::login))
        .route("/api/v1/login/device", post(accounts::device_login))
        .route("/api/v1/logout", post(accounts::logout))
        .route("/api/v1/me", get(accounts::me))
        .route("/api/v1/me/password", post(accounts::change_password))
        .route("/api/v1/enterprises", get(accounts::enterprises))
        .route(
            "/api/v1/enterprises/{id}/gs1-prefixes",
            get(accounts::gs1_prefixes).put(accounts::set_gs1_prefixes),
        )
        .route(
            "/api/v1/devices",
            post(accounts::register_device).get(accounts::list_devices),
        )
        .route("/api/v1/devices/{id}/leases", get(accounts::device_leases))
        .route("/api/v1/devices/{id}/revoke", post(accounts::revoke_device))
        .route("/api/v1/leases", post(accounts::lease))
        // Sync with workstations.
        .route(
            "/api/v1/sync/push",
            post(sync::push).layer(DefaultBodyLimit::max(body_limit::PUSH)),
        )
        .route("/api/v1/sync/pull", get(sync::pull))
        .route("/api/v1/sync/snapshot", get(sync::snapshot))
        .route("/api/v1/sync/status", get(sync::status))
        .route("/api/v1/sync/report-input", get(reports::input))
        // The monthly operating report: incidents written up, reports issued.
        .route(
            "/api/v1/incidents",
            get(reports::incidents).post(reports::add_incident),
        )
        .route("/api/v1/reports", get(reports::issued))
        .route("/api/v1/reports/{number}/{kind}", get(reports::issued_file))
        // Docking with the top-level node: entity records, attachments, reports, escrow key.
        .route("/api/v1/docking/schema", get(docking::schema_document))
        .route("/api/v1/docking/applications", post(docking::apply))
        .route(
            "/api/v1/docking/attachments",
            post(docking::upload).layer(DefaultBodyLimit::max(docking::UPLOAD_LIMIT)),
        )
        .route(
            "/api/v1/docking/attachments/{sha256}",
            get(docking::download),
        )
        .route(
            "/api/v1/docking/{item}/records",
            get(docking::list_records).post(docking::put_record),
        )
        .route(
            "/api/v1/docking/{item}/records/{key}",
            get(docking::get_record).delete(docking::delete_record),
        )
        .route(
            "/api/v1/docking/{item}/records/{key}/verify",
            post(docking::verify_record),
        )
        .route("/api/v1/uplink/status", get(uplink::status))
        .route("/api/v1/uplink/reports", get(uplink::reports))
        .route("/api/v1/uplink/resend", post(uplink::resend))
        .route("/api/v1/uplink/generate", post(uplink::generate))
        .route("/api/v1/escrow/key", get(uplink::escrow_key))
        // Monitoring and the API's description.
        .route("/api/v1/stats/daily", get(monitor::daily))
        .route("/api/v1/stats/availability", get(availability::log))
        .route(
            "/api/v1/maintenance",
            get(availability::list).post(availability::start),
        )
        .route("/api/v1/maintenance/end", post(availability::end))
        .route("/metrics", get(monitor::metrics))
        .route("/api/openapi.json", get(openapi::document))
        // The desktop app's updates, from the node the workstations sync with.
        .route(
            "/api/v1/updates/{target}/{arch}/{current_version}",
            get(updates::check),
        )
        .route("/api/v1/updates/files/{name}", get(updates::file))
        .route("/favicon.ico", get(favicon::favicon))
        // Phone scans: every other path. Static routes take precedence over the catch-all.
        .route("/{*scanned}", get(resolver::resolve))
        .layer(DefaultBodyLimit::max(body_limit::SMALL))
        .layer(axum::middleware::map_response(close_after_unread_body))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            monitor::observe,
        ))
        .with_state(state)
}

/// A body refused as too large was not read to its end, so the connection cannot carry another
/// request: say so. Without the header a client puts the connection back in its pool and its
/// next request fails on the closed socket (seen with reqwest).
async fn close_after_unread_body(
    mut response: axum::response::Response,
) -> axum::response::Response {
    if response.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        response.headers_mut().insert(
            axum::http::header::CONNECTION,
            axum::http::HeaderValue::from_static("close"),
        );
    }
    response
}
