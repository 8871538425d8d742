//! Router assembly and the HTTP accept loop.
//!
//! The loop is our own instead of `axum::serve` so that each connection task can be told
//! to drop its connection mid-request: that is how a `drop` fault makes the client see a
//! transport error rather than any HTTP response.
//!
//! Connections speak HTTP/1.1, or HTTP/2 when the client opens with its preface (prior
//! knowledge: there is no TLS to negotiate it), with no limit on the requests in flight on
//! one connection, so that thousands of long polls can share it. A `drop` fault on an
//! HTTP/2 connection drops the connection, and with it every request on it.

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tower::ServiceExt;

use crate::error::ApiError;
use crate::faults::ConnectionKill;
use crate::state::SimState;
use crate::{api, auth, control};

/// Request extension the accept loop adds to every request: which connection it came on,
/// so the HTTP/2 connections a client opened can be counted (`http2Connections`).
#[derive(Clone, Copy)]
pub(crate) struct ConnectionId(pub u64);

/// How long open connections get to finish when the simulator stops.
const GRACEFUL_TIMEOUT: Duration = Duration::from_secs(1);
/// Period of the inactivity sweeper.
const SWEEP_PERIOD: Duration = Duration::from_millis(250);

async fn not_found() -> impl IntoResponse {
    ApiError::not_found("resource not found")
}

async fn method_not_allowed() -> impl IntoResponse {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method",
        "methodNotAllowed",
        "method not allowed",
    )
}

/// The complete application: the token endpoint, a route for every operation of the
/// description, control routes, 404/405 handlers and the guard middleware (stats, faults,
/// rate limit, auth).
pub(crate) fn router(state: SimState) -> Router {
    Router::new()
        .route("/via/v2/oauth2/token", post(auth::token))
        .merge(api::routes())
        .merge(control::routes())
        // Must come before `layer`: it only reaches routes that are still method routers.
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
        .layer(from_fn_with_state(state.clone(), auth::guard))
        .with_state(state)
}

/// What an HTTP/1.1 connection has carried so far, to tell pipelined requests: requests
/// whose first line arrived before the answer to the one ahead of them was ready.
#[derive(Default)]
struct Exchanges {
    /// Requests whose first line was read (or that reached the service, when the line came
    /// cut between two reads and went unseen).
    asked: AtomicU64,
    /// Requests that reached the service.
    started: AtomicU64,
    /// Requests answered.
    answered: AtomicU64,
}

/// The end of an HTTP/1.1 request line.
const REQUEST_LINE_END: &[u8] = b" HTTP/1.1\r\n";

/// The methods of the APIs' requests, each with the space after it.
const METHODS: [&[u8]; 5] = [b"GET ", b"POST ", b"PUT ", b"DELETE ", b"PATCH "];

/// The request lines in `read`: a line end preceded by a method, a space and a target
/// (which holds no space). A request may follow a body with no line break in between, so
/// the method need not start a line.
fn request_lines(read: &[u8]) -> u64 {
    memchr::memmem::find_iter(read, REQUEST_LINE_END)
        .filter(|&end| {
            memchr::memrchr(b' ', &read[..end]).is_some_and(|space| {
                let before_target = &read[..=space];
                METHODS.iter().any(|m| before_target.ends_with(m))
            })
        })
        .count() as u64
}

/// A connection's socket, whose reads are watched for pipelined requests
/// (`pipelinedRequests` in the stats).
struct Watched {
    tcp: TcpStream,
    exchanges: Arc<Exchanges>,
    state: SimState,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let read = Pin::new(&mut self.tcp).poll_read(cx, buf);
        let lines = request_lines(&buf.filled()[before..]);
        if lines > 0 {
            let asked = self.exchanges.asked.fetch_add(lines, Ordering::SeqCst);
            let answered = self.exchanges.answered.load(Ordering::SeqCst);
            // The requests ahead of each new one that were not answered yet.
            let pipelined = (asked..asked + lines).filter(|&n| n > answered).count() as u64;
            if pipelined > 0 {
                self.state.count_pipelined(pipelined);
            }
        }
        read
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write(cx, buf)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }
}

/// Accepts connections until `shutdown` changes (or its sender is dropped).
pub(crate) async fn serve(
    listener: TcpListener,
    state: SimState,
    app: Router,
    http2_max_streams: Option<u32>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut next_connection: u64 = 0;
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // E.g. out of file descriptors: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => break,
        };
        let _ = stream.set_nodelay(true);
        next_connection += 1;
        let connection = ConnectionId(next_connection);
        let app = app.clone();
        let mut conn_shutdown = shutdown.clone();
        let exchanges = Arc::new(Exchanges::default());
        let stream = Watched {
            tcp: stream,
            exchanges: Arc::clone(&exchanges),
            state: state.clone(),
        };
        tokio::spawn(async move {
            let kill = Arc::new(Notify::new());
            let kill_ext = ConnectionKill(Arc::clone(&kill));
            let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
                req.extensions_mut().insert(kill_ext.clone());
                req.extensions_mut().insert(connection);
                // A request line cut between two reads went unseen: counted now, so that
                // the requests behind it are compared with the right count.
                let started = exchanges.started.fetch_add(1, Ordering::SeqCst) + 1;
                exchanges.asked.fetch_max(started, Ordering::SeqCst);
                let response = app.clone().oneshot(req);
                let exchanges = Arc::clone(&exchanges);
                async move {
                    let response = response.await;
                    exchanges.answered.fetch_add(1, Ordering::SeqCst);
                    response
                }
            });
            let mut builder =
                hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
            builder.http2().max_concurrent_streams(http2_max_streams);
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                res = conn.as_mut() => {
                    if let Err(e) = res {
                        tracing::debug!(error = %e, "connection ended with error");
                    }
                }
                // Dropping the connection future closes the socket with no response.
                _ = kill.notified() => {}
                _ = conn_shutdown.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(GRACEFUL_TIMEOUT, conn).await;
                }
            }
        });
    }
    tracing::info!("simulator stopped accepting connections");
}

/// Expires inactive sessions in the background, so pending polls of an expired session
/// return promptly even when nobody touches it.
pub(crate) async fn sweeper(state: SimState, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(SWEEP_PERIOD);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => state.sweep(),
            _ = shutdown.changed() => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::request_lines;

    #[test]
    fn request_lines_are_told_from_bodies() {
        let get = b"GET /e?maxEvents=200 HTTP/1.1\r\nhost: h\r\n\r\n".as_slice();
        assert_eq!(request_lines(get), 1);
        // An acknowledgement, its body, and the poll right behind it, with no line break
        // between the body and the poll's line.
        let pair = b"POST /ack HTTP/1.1\r\ncontent-length: 2\r\n\r\n{}GET /e HTTP/1.1\r\n\r\n";
        assert_eq!(request_lines(pair), 2);
        // The text in a body, without a method before it, is not a request.
        assert_eq!(request_lines(b"{\"note\":\"see HTTP/1.1\r\n\"}"), 0);
        assert_eq!(request_lines(b"{\"a\":\"x y HTTP/1.1\r\n\"}"), 0);
        // A line cut by the read: its end alone is not counted.
        assert_eq!(request_lines(b"ents=200 HTTP/1.1\r\n\r\n"), 0);
    }
}
