//! One connection, from its first byte to its close: the TLS handshake (bounded in time),
//! HTTP/1 with hyper's timer (a request's head must arrive within the header timeout, which
//! also ends an idle kept-alive connection, so a slowloris trickle cannot hold a place), a
//! timeout over each request, and the gate's bookkeeping (bytes received, requests answering).

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::{header, HeaderValue, Request, Response, StatusCode};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tower::ServiceExt as _;

use super::gate::{Permit, Tracker};
use crate::config::Limits;
use crate::words::Message;

/// Largest request head (request line and headers) a client may send.
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// How long open requests may take to finish once the node stops.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// What a listener does with the requests it receives.
#[derive(Clone)]
pub(crate) enum Serves {
    /// The node's API and pages.
    App(Router),
    /// Every request is redirected to HTTPS on this port.
    RedirectTo(u16),
}

/// Everything a connection needs, shared by the connections of one listener.
pub(crate) struct Listener {
    pub serves: Serves,
    pub tls: Option<tokio_rustls::TlsAcceptor>,
    pub limits: Limits,
    pub trusted_proxies: Arc<[ipnet::IpNet]>,
}

/// Serves one accepted connection until it closes, is evicted by the gate, or the node stops.
pub(crate) async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    permit: Permit,
    listener: Arc<Listener>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let tracker = permit.tracker();
    let io = Tracked {
        inner: stream,
        tracker: tracker.clone(),
    };
    match &listener.tls {
        None => http(TokioIo::new(io), peer, &listener, &tracker, &mut stop).await,
        Some(acceptor) => {
            let handshake =
                tokio::time::timeout(listener.limits.tls_handshake_timeout, acceptor.accept(io));
            let tls = tokio::select! {
                done = handshake => match done {
                    Ok(Ok(tls)) => tls,
                    // A failed or slow handshake: nothing to answer over.
                    _ => return,
                },
                _ = tracker.evicted() => return,
                _ = stop.wait_for(|s| *s) => return,
            };
            http(TokioIo::new(tls), peer, &listener, &tracker, &mut stop).await;
        }
    }
    drop(permit);
}

async fn http<I>(
    io: I,
    peer: SocketAddr,
    listener: &Listener,
    tracker: &Arc<Tracker>,
    stop: &mut tokio::sync::watch::Receiver<bool>,
) where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(listener.limits.header_timeout)
        .keep_alive(true)
        .max_buf_size(MAX_HEAD_BYTES);
    let serves = listener.serves.clone();
    let request_timeout = listener.limits.request_timeout;
    let trusted = listener.trusted_proxies.clone();
    let tracker_for_requests = tracker.clone();
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let busy = tracker_for_requests.busy();
        let serves = serves.clone();
        // Behind a trusted reverse proxy, the client it names (one place: throttling, figures
        // and logs all read `ConnectInfo`).
        let client = if trusted.is_empty() {
            peer
        } else {
            let ip = super::forwarded::client_address(peer.ip(), req.headers(), &trusted);
            if ip == peer.ip().to_canonical() {
                peer
            } else {
                SocketAddr::new(ip, 0)
            }
        };
        async move {
            let _busy = busy;
            Ok::<_, Infallible>(answer(serves, req, client, request_timeout).await)
        }
    });
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => return,
        // Dropping the connection closes the socket.
        _ = tracker.evicted() => return,
        _ = stop.wait_for(|s| *s) => {}
    }
    // Stopping: an idle connection closes now, a request being answered finishes first.
    conn.as_mut().graceful_shutdown();
    let _ = tokio::time::timeout(STOP_GRACE, conn).await;
}

async fn answer(
    serves: Serves,
    mut req: Request<Incoming>,
    peer: SocketAddr,
    request_timeout: Duration,
) -> Response<axum::body::Body> {
    match serves {
        Serves::RedirectTo(port) => redirect(&req, port),
        Serves::App(router) => {
            req.extensions_mut().insert(ConnectInfo(peer));
            let call = router.oneshot(req.map(axum::body::Body::new));
            match tokio::time::timeout(request_timeout, call).await {
                Ok(Ok(response)) => response,
                Ok(Err(never)) => match never {},
                Err(_) => timed_out(),
            }
        }
    }
}

/// The answer to a request that took longer than the request timeout (a body sent too slowly,
/// most likely); the connection closes after it.
fn timed_out() -> Response<axum::body::Body> {
    let words = Message::RequestTimeout.words();
    let body = serde_json::json!({
        "code": "request_timeout",
        "message": words.zh,
        "message_en": words.en,
    });
    let mut response = Response::new(axum::body::Body::from(body.to_string()));
    *response.status_mut() = StatusCode::REQUEST_TIMEOUT;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// `308` to the same path on HTTPS: what the plain HTTP listener answers when HTTPS runs too.
fn redirect<B>(req: &Request<B>, port: u16) -> Response<axum::body::Body> {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .and_then(host_without_port);
    let Some(host) = host else {
        let mut response = Response::new(axum::body::Body::from("a Host header is required"));
        *response.status_mut() = StatusCode::BAD_REQUEST;
        return response;
    };
    let path = req
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let location = if port == 443 {
        format!("https://{host}{path}")
    } else {
        format!("https://{host}:{port}{path}")
    };
    let mut response = Response::new(axum::body::Body::empty());
    *response.status_mut() = StatusCode::PERMANENT_REDIRECT;
    match HeaderValue::from_str(&location) {
        Ok(value) => {
            response.headers_mut().insert(header::LOCATION, value);
        }
        Err(_) => *response.status_mut() = StatusCode::BAD_REQUEST,
    }
    response
}

/// The host part of a `Host` header when it is a plain name or address (nothing a redirect
/// could be bent with).
fn host_without_port(host: &str) -> Option<&str> {
    let name = if let Some(rest) = host.strip_prefix('[') {
        let end = rest.find(']')?;
        &host[..end + 2]
    } else {
        host.split(':').next()?
    };
    let plain = name.len() <= 255
        && !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.[]:".contains(&b));
    plain.then_some(name)
}

/// A socket that tells its connection's tracker when bytes arrive.
struct Tracked {
    inner: TcpStream,
    tracker: Arc<Tracker>,
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.tracker.touch();
        }
        polled
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_keep_the_path_and_refuse_odd_hosts() {
        let req = |host: &str| {
            Request::builder()
                .uri("/88.118.8/CAL-1?x=1")
                .header(header::HOST, host)
                .body(())
                .expect("request")
        };
        let location = |r: Response<axum::body::Body>| {
            r.headers()
                .get(header::LOCATION)
                .map(|v| v.to_str().expect("text").to_owned())
        };
        assert_eq!(
            location(redirect(&req("id.example.cn"), 443)).as_deref(),
            Some("https://id.example.cn/88.118.8/CAL-1?x=1")
        );
        assert_eq!(
            location(redirect(&req("id.example.cn:80"), 8443)).as_deref(),
            Some("https://id.example.cn:8443/88.118.8/CAL-1?x=1")
        );
        assert_eq!(
            location(redirect(&req("[::1]:8080"), 8443)).as_deref(),
            Some("https://[::1]:8443/88.118.8/CAL-1?x=1")
        );
        for bad in ["evil.cn/x", "a b", "evil.cn@x"] {
            assert_eq!(
                redirect(&req(bad), 443).status(),
                StatusCode::BAD_REQUEST,
                "{bad}"
            );
        }
    }
}
