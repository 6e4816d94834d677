//! `/favicon.ico` for the resolver pages a phone opens from a label: the project's one icon
//! (icons/idstation.svg, rendered by icons/generate), so a browser tab shows the same mark as
//! the desktop app and its installers.

use axum::http::header;
use axum::response::IntoResponse;

static ICON: &[u8] = include_bytes!("../../../../icons/icon.ico");

pub(super) async fn favicon() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/x-icon"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        ICON,
    )
}
