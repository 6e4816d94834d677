//! API errors and the one place that maps them to Handle responseCodes and HTTP statuses.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::store::StoreError;
use crate::values::ValueError;

/// Handle protocol response codes (Handle Technical Manual; RFC 3652).
pub mod code {
    pub const SUCCESS: u32 = 1;
    pub const ERROR: u32 = 2;
    pub const HANDLE_NOT_FOUND: u32 = 100;
    pub const HANDLE_ALREADY_EXISTS: u32 = 101;
    pub const INVALID_HANDLE: u32 = 102;
    pub const VALUES_NOT_FOUND: u32 = 200;
    pub const INVALID_VALUE: u32 = 202;
    pub const SERVER_NOT_RESPONSIBLE: u32 = 301;
    pub const NOT_AUTHORIZED: u32 = 400;
    pub const AUTHENTICATION_NEEDED: u32 = 402;
    pub const AUTHENTICATION_FAILED: u32 = 403;
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("handle not found")]
    HandleNotFound,
    #[error("handle already exists")]
    HandleExists,
    #[error("invalid handle: {0}")]
    InvalidHandle(String),
    #[error("the handle has no value with index {0}")]
    ValueNotFound(u32),
    #[error("invalid value: {0}")]
    InvalidValue(#[from] ValueError),
    #[error("invalid query parameter: {0}")]
    InvalidParameter(String),
    #[error("GS1 key {key} belongs to {handle} already")]
    Gs1KeyTaken { key: String, handle: String },
    #[error("this node is responsible for prefix {node_prefix} and below only")]
    NotResponsible { node_prefix: String },
    #[error("{0}")]
    NotAuthorized(String),
    #[error("authentication needed: HTTP Basic as 300:0.NA/<prefix>")]
    AuthenticationNeeded,
    #[error("authentication failed")]
    AuthenticationFailed,
    #[error("request body is larger than {limit} bytes")]
    BodyTooLarge { limit: usize },
    #[error("cannot read the request body: {0}")]
    BadBody(String),
    #[error("internal error")]
    Internal(String),
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::HandleNotFound => ApiError::HandleNotFound,
            StoreError::HandleExists => ApiError::HandleExists,
            StoreError::ValueNotFound(i) => ApiError::ValueNotFound(i),
            StoreError::InvalidValue(v) => ApiError::InvalidValue(v),
            StoreError::Gs1KeyTaken { key, handle } => ApiError::Gs1KeyTaken { key, handle },
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl ApiError {
    /// The Handle responseCode and the HTTP status that goes with it.
    pub fn codes(&self) -> (u32, StatusCode) {
        use ApiError::*;
        match self {
            HandleNotFound => (code::HANDLE_NOT_FOUND, StatusCode::NOT_FOUND),
            HandleExists => (code::HANDLE_ALREADY_EXISTS, StatusCode::CONFLICT),
            InvalidHandle(_) => (code::INVALID_HANDLE, StatusCode::BAD_REQUEST),
            // 200 is an HTTP 200 only when resolving; writes report it as a bad request.
            ValueNotFound(_) => (code::VALUES_NOT_FOUND, StatusCode::BAD_REQUEST),
            InvalidValue(_) | BadBody(_) | InvalidParameter(_) => {
                (code::INVALID_VALUE, StatusCode::BAD_REQUEST)
            }
            Gs1KeyTaken { .. } => (code::INVALID_VALUE, StatusCode::CONFLICT),
            BodyTooLarge { .. } => (code::INVALID_VALUE, StatusCode::PAYLOAD_TOO_LARGE),
            NotResponsible { .. } => (code::SERVER_NOT_RESPONSIBLE, StatusCode::BAD_REQUEST),
            NotAuthorized(_) => (code::NOT_AUTHORIZED, StatusCode::FORBIDDEN),
            AuthenticationNeeded => (code::AUTHENTICATION_NEEDED, StatusCode::UNAUTHORIZED),
            AuthenticationFailed => (code::AUTHENTICATION_FAILED, StatusCode::FORBIDDEN),
            Internal(_) => (code::ERROR, StatusCode::INTERNAL_SERVER_ERROR),
        }
    }

    /// Attaches the handle the request was about, for the error body.
    pub fn at(self, handle: impl Into<String>) -> ApiFailure {
        ApiFailure {
            handle: handle.into(),
            error: self,
        }
    }
}

/// An error together with the handle it concerns: `{"responseCode", "handle", "message"}`.
#[derive(Debug)]
pub struct ApiFailure {
    pub handle: String,
    pub error: ApiError,
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let (response_code, status) = self.error.codes();
        let message = match &self.error {
            // Details of internal failures go to the log, not to the client.
            ApiError::Internal(detail) => {
                tracing::error!(handle = %self.handle, %detail, "internal error");
                self.error.to_string()
            }
            other => other.to_string(),
        };
        let mut response = (
            status,
            Json(json!({
                "responseCode": response_code,
                "handle": self.handle,
                "message": message,
            })),
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Basic realm=\"idstation-node\""),
            );
        }
        response
    }
}
