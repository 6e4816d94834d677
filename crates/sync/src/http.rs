//! [`Transport`] over HTTP(S) with reqwest (rustls).

use std::time::Duration;

use idstation_model::lease::SuffixLease;
use idstation_model::sync::{PullResponse, PushRequest, PushResponse, SnapshotPage};
use reqwest::blocking::{Client, RequestBuilder};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::{PullReply, Puller, SyncError, Token, Transport};

pub struct HttpTransport {
    base: String,
    client: Client,
}

impl HttpTransport {
    /// `base` is the node's address, e.g. `https://node.example.cn:8088`.
    pub fn new(base: &str) -> Result<HttpTransport, SyncError> {
        let client = Client::builder()
            // Never follow: a 307/308 would send the sign-in body (password, device secret) and
            // the token to wherever the redirect points.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(60))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| SyncError::Network(e.to_string()))?;
        Ok(HttpTransport {
            base: base.trim_end_matches('/').to_owned(),
            client,
        })
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    pub(crate) fn send<R: DeserializeOwned>(&self, req: RequestBuilder) -> Result<R, SyncError> {
        let resp = req.send().map_err(|e| SyncError::Network(e.to_string()))?;
        not_redirected(&resp)?;
        let status = resp.status();
        let text = resp.text().map_err(|e| SyncError::Network(e.to_string()))?;
        if status.is_success() {
            return serde_json::from_str(&text).map_err(|e| SyncError::Protocol(e.to_string()));
        }
        Err(error_of(status, &text))
    }

    /// Signs in with a user name and password (to register this workstation).
    pub fn login(&self, username: &str, password: &str) -> Result<Token, SyncError> {
        let v: Value = self.send(
            self.client
                .post(self.url("/api/v1/login"))
                .json(&json!({"username": username, "password": password})),
        )?;
        token_of(&v)
    }

    /// Registers this workstation under its own device id; returns the device secret.
    pub fn register_device(
        &self,
        token: &str,
        device_id: &str,
        name: &str,
    ) -> Result<String, SyncError> {
        let v: Value = self.send(
            self.client
                .post(self.url("/api/v1/devices"))
                .bearer_auth(token)
                .json(&json!({"id": device_id, "name": name})),
        )?;
        v["device_secret"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| SyncError::Protocol("no device_secret".into()))
    }
}

/// What a handle's path segment keeps unencoded.
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'.')
    .remove(b'-')
    .remove(b'_');

impl HttpTransport {
    /// Resolves a handle at the node (`GET /api/handles/{handle}`, public, no sign-in): its
    /// values, or `None` when the node has no such handle. A short timeout, as a person waits.
    pub fn resolve_handle(
        &self,
        handle: &str,
    ) -> Result<Option<Vec<idstation_model::HandleValue>>, SyncError> {
        let path: String = handle
            .split('/')
            .map(|seg| percent_encoding::utf8_percent_encode(seg, PATH_SEGMENT).to_string())
            .collect::<Vec<_>>()
            .join("/");
        let resp = self
            .client
            .get(self.url(&format!("/api/handles/{path}")))
            .timeout(Duration::from_secs(5))
            .send()
            .map_err(|e| SyncError::Network(e.to_string()))?;
        not_redirected(&resp)?;
        let status = resp.status();
        let text = resp.text().map_err(|e| SyncError::Network(e.to_string()))?;
        if status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(error_of(status, &text));
        }
        let v: Value =
            serde_json::from_str(&text).map_err(|e| SyncError::Protocol(e.to_string()))?;
        let values = serde_json::from_value(v["values"].clone())
            .map_err(|e| SyncError::Protocol(e.to_string()))?;
        Ok(Some(values))
    }
}

fn token_of(v: &Value) -> Result<Token, SyncError> {
    Ok(Token {
        token: v["token"]
            .as_str()
            .ok_or_else(|| SyncError::Protocol("no token".into()))?
            .to_owned(),
        expires_at: v["expires_at"].as_str().unwrap_or_default().to_owned(),
    })
}

/// A redirect is refused, naming where it pointed (the client never follows one).
fn not_redirected(resp: &reqwest::blocking::Response) -> Result<(), SyncError> {
    if !resp.status().is_redirection() {
        return Ok(());
    }
    let location = resp
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("?")
        .chars()
        .take(300)
        .collect();
    Err(SyncError::Redirected { location })
}

fn error_of(status: StatusCode, text: &str) -> SyncError {
    let body: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let message = body["message"]
        .as_str()
        .or(body["message_en"].as_str())
        .unwrap_or(text)
        .to_owned();
    let message_en = body["message_en"].as_str().unwrap_or(&message).to_owned();
    if status == StatusCode::UNAUTHORIZED {
        return SyncError::Unauthorized;
    }
    if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
        return SyncError::Server {
            status: status.as_u16(),
            message,
        };
    }
    SyncError::Refused {
        code: body["code"].as_str().unwrap_or("refused").to_owned(),
        message,
        message_en,
        field: body["field"].as_str().map(str::to_owned),
    }
}

impl Transport for HttpTransport {
    fn login_device(&self, device_id: &str, secret: &str) -> Result<Token, SyncError> {
        let v: Value = self.send(
            self.client
                .post(self.url("/api/v1/login/device"))
                .json(&json!({"device_id": device_id, "device_secret": secret})),
        )?;
        token_of(&v)
    }

    fn push(&self, token: &str, request: &PushRequest) -> Result<PushResponse, SyncError> {
        self.send(
            self.client
                .post(self.url("/api/v1/sync/push"))
                .bearer_auth(token)
                .json(request),
        )
    }

    fn pull(
        &self,
        token: &str,
        cursor: u64,
        limit: u32,
        puller: Puller<'_>,
    ) -> Result<PullReply, SyncError> {
        let resp = self
            .client
            .get(self.url("/api/v1/sync/pull"))
            .bearer_auth(token)
            .query(&[
                ("cursor", cursor.to_string()),
                ("limit", limit.to_string()),
                ("device_id", puller.device_id.to_owned()),
                ("pushed_through", puller.pushed_through.to_string()),
            ])
            .send()
            .map_err(|e| SyncError::Network(e.to_string()))?;
        not_redirected(&resp)?;
        let status = resp.status();
        let text = resp.text().map_err(|e| SyncError::Network(e.to_string()))?;
        if status == StatusCode::GONE {
            let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            return Ok(PullReply::MustRefetch {
                high_water: body["high_water"].as_u64(),
            });
        }
        if !status.is_success() {
            return Err(error_of(status, &text));
        }
        serde_json::from_str::<PullResponse>(&text)
            .map(PullReply::Page)
            .map_err(|e| SyncError::Protocol(e.to_string()))
    }

    fn snapshot(
        &self,
        token: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<SnapshotPage, SyncError> {
        let mut query = vec![("limit", limit.to_string())];
        if let Some(after) = after {
            query.push(("after", after.to_owned()));
        }
        self.send(
            self.client
                .get(self.url("/api/v1/sync/snapshot"))
                .bearer_auth(token)
                .query(&query),
        )
    }

    fn report_input(&self, token: &str, month: &str) -> Result<String, SyncError> {
        let resp = self
            .client
            .get(self.url("/api/v1/sync/report-input"))
            .bearer_auth(token)
            .query(&[("month", month)])
            .send()
            .map_err(|e| SyncError::Network(e.to_string()))?;
        not_redirected(&resp)?;
        let status = resp.status();
        let text = resp.text().map_err(|e| SyncError::Network(e.to_string()))?;
        if !status.is_success() {
            return Err(error_of(status, &text));
        }
        Ok(text)
    }

    fn lease(&self, token: &str, device_id: &str, count: u64) -> Result<SuffixLease, SyncError> {
        let v: Value = self.send(
            self.client
                .post(self.url("/api/v1/leases"))
                .bearer_auth(token)
                .json(&json!({"device_id": device_id, "count": count})),
        )?;
        serde_json::from_value(v["lease"].clone()).map_err(|e| SyncError::Protocol(e.to_string()))
    }
}
