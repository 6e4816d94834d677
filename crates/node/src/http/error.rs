//! The node's two error envelopes and the one place that maps each error to its HTTP status:
//!
//! - the Handle API's `{"responseCode", "handle", "message"}` ([`ApiError`], [`ApiFailure`]),
//!   with Handle protocol response codes and Handle.net's English messages;
//! - the `/api/v1` envelope `{"code", "message", "message_en", "field"}` ([`V1Error`]): a stable
//!   code for programs, the words in zh-CN and English from [`crate::words`].
//!
//! Storage refusals become the refusal a caller can act on; storage failures and failed
//! background tasks become internal errors whose detail goes to the log, not to the client.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::task::TaskFailed;
use crate::accounts::{AccountError, Invalid};
use crate::storage::StorageError;
use crate::sync::PushRejection;
use crate::values::ValueError;
use crate::words::Message;

/// A `/api/v1` error: a stable code, the message in Chinese and in English, and the field at
/// fault when there is one. (Its shape, for the API's description: the
/// responses below build the same object.)
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    pub message_en: String,
    #[schema(nullable = false)]
    pub field: Option<String>,
}

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
    #[error("GS1 key {key} is outside the GS1 company prefixes of enterprise {enterprise}")]
    Gs1NotOwned { key: String, enterprise: String },
    #[error("the values are not a valid instrument record: {0}")]
    NotAnInstrument(String),
    #[error("too many wrong passwords; try again in {0} s")]
    Throttled(u64),
    #[error("the node is busy; try again in a moment")]
    Busy,
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

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> ApiError {
        match e {
            StorageError::HandleNotFound => ApiError::HandleNotFound,
            StorageError::HandleExists => ApiError::HandleExists,
            StorageError::ValueNotFound(i) => ApiError::ValueNotFound(i),
            StorageError::InvalidValue(v) => ApiError::InvalidValue(v),
            StorageError::Gs1KeyTaken { key, handle } => ApiError::Gs1KeyTaken { key, handle },
            StorageError::Gs1NotOwned { key, enterprise } => {
                ApiError::Gs1NotOwned { key, enterprise }
            }
            StorageError::NotAnInstrument(why) => ApiError::NotAnInstrument(why),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<TaskFailed> for ApiError {
    fn from(e: TaskFailed) -> ApiError {
        ApiError::Internal(e.to_string())
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
            Gs1NotOwned { .. } => (code::NOT_AUTHORIZED, StatusCode::FORBIDDEN),
            NotAnInstrument(_) => (code::INVALID_VALUE, StatusCode::BAD_REQUEST),
            Throttled(_) => (code::AUTHENTICATION_FAILED, StatusCode::TOO_MANY_REQUESTS),
            Busy => (code::ERROR, StatusCode::SERVICE_UNAVAILABLE),
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
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"idstation-node\""),
            );
        }
        match self.error {
            ApiError::Throttled(secs) => retry_after(&mut response, secs),
            ApiError::Busy => retry_after(&mut response, 1),
            _ => {}
        }
        response
    }
}

/// Tells a refused client when to try again.
fn retry_after(response: &mut Response, secs: u64) {
    if let Ok(value) = HeaderValue::from_str(&secs.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
}

/// Why a `/api/v1` request failed.
#[derive(Debug, thiserror::Error)]
pub enum V1Error {
    /// Refused, for a reason the caller can act on.
    #[error(transparent)]
    Refused(#[from] AccountError),
    /// Storage failed (its refusals arrive as [`V1Error::Refused`], see the `From` below).
    #[error(transparent)]
    Storage(StorageError),
    /// Something else failed inside the node: a background task that died, a password that
    /// could not be hashed.
    #[error("internal error: {0}")]
    Internal(String),
}

pub type V1Result<T = Response> = Result<T, V1Error>;

impl From<StorageError> for V1Error {
    fn from(e: StorageError) -> V1Error {
        let refused = match e {
            StorageError::UsernameTaken => AccountError::UsernameTaken,
            StorageError::DeviceTaken => AccountError::DeviceTaken,
            StorageError::AlreadyDecided => AccountError::AlreadyDecided,
            StorageError::UnknownEnterprise(p) => AccountError::UnknownEnterprise(p),
            StorageError::NotFound => AccountError::NotFound,
            StorageError::EnterpriseRejected => AccountError::EnterpriseRejected,
            StorageError::TooManyPending => AccountError::RegistrationsFull,
            StorageError::Gs1PrefixTaken { enterprise, .. } => {
                AccountError::Gs1PrefixTaken(enterprise)
            }
            StorageError::StaleRevision(n) => AccountError::StaleRevision(n),
            StorageError::MaintenanceOn => AccountError::MaintenanceOn,
            other => return V1Error::Storage(other),
        };
        V1Error::Refused(refused)
    }
}

impl From<PushRejection> for V1Error {
    fn from(e: PushRejection) -> V1Error {
        V1Error::Refused(AccountError::InvalidInput {
            field: "ops",
            reason: Invalid::Push(e),
        })
    }
}

impl From<TaskFailed> for V1Error {
    fn from(e: TaskFailed) -> V1Error {
        V1Error::Internal(e.to_string())
    }
}

impl V1Error {
    /// A field of the request that is not acceptable.
    pub fn invalid(field: &'static str, reason: Invalid) -> V1Error {
        V1Error::Refused(AccountError::InvalidInput { field, reason })
    }

    /// A field that did not parse, with the parser's words.
    pub fn malformed(field: &'static str, text: impl Into<String>) -> V1Error {
        V1Error::invalid(field, Invalid::Malformed(text.into()))
    }

    pub fn status(&self) -> StatusCode {
        use AccountError::*;
        match self {
            V1Error::Refused(e) => match e {
                InvalidInput { .. } | UnknownEnterprise(_) => StatusCode::BAD_REQUEST,
                UsernameTaken | AlreadyDecided | DeviceTaken | EnterpriseRejected
                | Gs1PrefixTaken(_) | StaleRevision(_) | MaintenanceOn => StatusCode::CONFLICT,
                WrongCredentials | Unauthenticated | TokenExpired => StatusCode::UNAUTHORIZED,
                AccountPending
                | AccountRejected
                | AccountDisabled
                | AccountLocked
                | PasswordChangeRequired
                | DeviceRevoked
                | Forbidden(_) => StatusCode::FORBIDDEN,
                NotFound => StatusCode::NOT_FOUND,
                Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
                Busy | RegistrationsFull => StatusCode::SERVICE_UNAVAILABLE,
                BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            },
            V1Error::Storage(_) | V1Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for V1Error {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = match &self {
            V1Error::Refused(e) => {
                let words = e.words();
                let mut body = json!({
                    "code": e.code(),
                    "message": words.zh,
                    "message_en": words.en,
                });
                if let AccountError::InvalidInput { field, .. } = e {
                    body["field"] = json!(field);
                }
                body
            }
            V1Error::Storage(_) | V1Error::Internal(_) => {
                // The detail goes to the log, not to the client.
                tracing::error!(error = %self, "request failed inside the node");
                let words = Message::Internal.words();
                json!({ "code": "internal", "message": words.zh, "message_en": words.en })
            }
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"idstation-node\""),
            );
        }
        match self {
            V1Error::Refused(AccountError::Throttled { retry_after_secs }) => {
                retry_after(&mut response, retry_after_secs)
            }
            V1Error::Refused(AccountError::Busy | AccountError::RegistrationsFull) => {
                retry_after(&mut response, 1)
            }
            _ => {}
        }
        response
    }
}
