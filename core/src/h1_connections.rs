//! HTTP/1.1 connections of our own, on which the long polls (and acknowledgements) of
//! event streams travel when HTTP/2 is not spoken: ruled out by the configuration, over
//! plain `http://` without prior knowledge, or refused by the server in TLS negotiation.
//!
//! Over HTTP/1.1 each poll in flight needs a connection of its own, and an idle stream is
//! mostly its waiting poll. Through reqwest that poll holds some 24 KB resident: hyper's
//! read and write buffers (8 KiB each; the write buffer's size cannot be set), the pool's
//! bookkeeping, a task per connection. Here a waiting poll holds its socket, the bytes of
//! its request (kept to send it again should its kept connection turn out closed) and the
//! state of the response's reading (ureq-proto's HTTP/1.1 state machine, which leaves the
//! I/O to its caller), and no buffer: the response is read into one made when the socket
//! turns readable. 10,000 idle streams over HTTP/1.1 then take about the memory they take
//! over HTTP/2.
//!
//! The request's head is written here, not by ureq-proto, which logs every head it writes
//! at trace level: the credentials with it.
//!
//! Only an event stream's requests come here, and only those safe to repeat: its polls, and
//! its acknowledgements, which the poller sends just before its next poll, on the
//! connection the last poll freed. Commands, tokens and the rest stay on reqwest. Each
//! request goes under the deadline the transport puts on every request. A connection
//! whose response ended cleanly is kept for the next request; a request whose kept
//! connection turns out closed (the server's keep-alive ran out) is sent again, once, on
//! a new connection.

use std::collections::VecDeque;
use std::io::ErrorKind;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::BufMut;
use http::{HeaderMap, Method, Request, StatusCode, Uri, Version};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use ureq_proto::client::state::RecvResponse;
use ureq_proto::client::{Call, RecvBodyResult, RecvResponseResult, SendRequestResult};
use ureq_proto::http::Response;
use ureq_proto::BodyMode;
use url::Url;

use crate::error::{Error, Result};
use crate::h2_connection::{Endpoint, SendError};
use crate::sync::lock;
use crate::transport::{deadline_after, LimitedBody};

/// Connections kept between polls, at most: a busy stream takes its connection back at
/// once, so only streams between a response and their next poll hold one here.
const MAX_IDLE: usize = 256;
/// A kept connection older than this is closed rather than reused: servers close idle
/// keep-alive connections after a while (reqwest's pool waits 90 s; many servers 60 s).
const IDLE_TIMEOUT: Duration = Duration::from_secs(55);
/// The first room made for a response; each read that fills the room doubles it, up to
/// [`MAX_READ`], so a large response takes few reads.
const READ_CHUNK: usize = 16 * 1024;
const MAX_READ: usize = 512 * 1024;
/// The most a response's status line and headers may take.
const MAX_HEAD: usize = 64 * 1024;
/// The most a chunk's size line (or the trailer) may take before it ends.
const MAX_CHUNK_LINE: usize = 4 * 1024;

/// A response read whole ([`H1Connections::send`]).
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: LimitedBody,
}

/// The HTTP/1.1 connections of event streams to one server. Shared by every stream of a
/// client.
pub(crate) struct H1Connections {
    /// Its TLS setup offers HTTP/1.1 alone in ALPN.
    endpoint: Endpoint,
    connect_timeout: Duration,
    /// Kept connections, the most recently kept last.
    idle: Mutex<VecDeque<(Instant, Io)>>,
    /// When a lane last found that the server chose HTTP/1.1 in TLS negotiation: the
    /// lanes of a client share these connections, and this answer with them, so that
    /// each does not ask the server on its own.
    http1_chosen: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for H1Connections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("H1Connections")
            .field("endpoint", &self.endpoint)
            .finish()
    }
}

enum Io {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl Io {
    fn tcp(&self) -> &TcpStream {
        match self {
            Io::Plain(tcp) => tcp,
            Io::Tls(tls) => tls.get_ref().0,
        }
    }

    async fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            Io::Plain(tcp) => tcp.write_all(bytes).await,
            Io::Tls(tls) => {
                tls.write_all(bytes).await?;
                tls.flush().await
            }
        }
    }

    /// Reads what has arrived onto the end of `buf`, at most `room` bytes; 0 at the end of
    /// the stream. With `buf` empty it waits for the socket to turn readable before it
    /// makes room: a long poll waits here for minutes, holding no buffer.
    async fn read_into(&mut self, buf: &mut Vec<u8>, room: usize) -> std::io::Result<usize> {
        match self {
            Io::Plain(tcp) => loop {
                tcp.readable().await?;
                buf.reserve(room);
                match tcp.try_read_buf(&mut (&mut *buf).limit(room)) {
                    // The readiness was an old one: the room goes until bytes come.
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        if buf.is_empty() {
                            *buf = Vec::new();
                        }
                    }
                    other => return other,
                }
            },
            Io::Tls(tls) => {
                // rustls hands out one record per read and keeps what else it decrypted:
                // the socket is waited on only when nothing decrypted is in store.
                if buf.is_empty() && tls.get_ref().1.wants_read() {
                    tls.get_ref().0.readable().await?;
                }
                buf.reserve(room);
                tls.read_buf(&mut (&mut *buf).limit(room)).await
            }
        }
    }

    /// Whether a kept connection is still open and quiet: an HTTP/1.1 server sends
    /// nothing between responses but the end of the connection. Over TLS, nothing may wait
    /// decrypted either (what followed a body).
    fn quiet(&self) -> bool {
        let decrypted_nothing = match self {
            Io::Plain(_) => true,
            Io::Tls(tls) => tls.get_ref().1.wants_read(),
        };
        decrypted_nothing
            && matches!(
                self.tcp().try_read(&mut [0u8; 1]),
                Err(e) if e.kind() == ErrorKind::WouldBlock
            )
    }
}

/// `sent`, failing with a timeout past `deadline` (`timeout` after it began).
async fn within(
    deadline: tokio::time::Instant,
    timeout: Duration,
    sent: std::pin::Pin<
        Box<dyn std::future::Future<Output = std::result::Result<Answer, SendError>> + Send + '_>,
    >,
) -> std::result::Result<Answer, SendError> {
    tokio::time::timeout_at(deadline, sent)
        .await
        .unwrap_or_else(|_| Err(timed_out(timeout)))
}

fn timed_out(timeout: Duration) -> SendError {
    SendError::Failed(crate::transport::timed_out(timeout))
}

/// The second request of [`H1Connections::send_pair`], its response still to be read.
pub(crate) struct SecondOfPair {
    /// Its bytes, to be sent again on another connection when they cannot be answered on
    /// the first.
    written: Vec<u8>,
    uri: Uri,
    /// The connection it went on, and what was read there past the first response; `None`
    /// when that connection ended with the first response.
    pipelined: Option<(Io, Vec<u8>)>,
}

/// A request of [`H1Connections::send_pair`].
pub(crate) struct H1Request<'a> {
    pub(crate) method: Method,
    /// Absolute.
    pub(crate) uri: Uri,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<&'a [u8]>,
}

/// How an exchange on one connection failed.
enum Failed {
    /// The connection was closed before any of the response arrived, maybe before the
    /// request was read: on a kept connection, the server closed it while it was idle.
    Closed(Error),
    Other(Error),
}

impl H1Connections {
    /// Connections to `base`'s host, TLS with `tls` (whose ALPN offer is replaced by
    /// HTTP/1.1 alone) when it is `https://`.
    pub(crate) fn new(
        base: &Url,
        tls: Option<Arc<rustls::ClientConfig>>,
        connect_timeout: Duration,
    ) -> Result<Self> {
        let mut endpoint = Endpoint::of(base, tls)?;
        endpoint.tls = endpoint.tls.map(|tls| {
            let mut config = (*tls).clone();
            config.alpn_protocols = vec![b"http/1.1".to_vec()];
            Arc::new(config)
        });
        Ok(H1Connections {
            endpoint,
            connect_timeout,
            idle: Mutex::new(VecDeque::new()),
            http1_chosen: Mutex::new(None),
        })
    }

    /// Sends `method` to `uri` (absolute) with `headers` and `body`, and reads the whole
    /// response, its body up to `limit` bytes. Only for requests that are safe to repeat:
    /// one that finds its kept connection closed is sent again on a new one.
    pub(crate) async fn send(
        &self,
        method: Method,
        uri: Uri,
        headers: HeaderMap,
        body: Option<&[u8]>,
        limit: u64,
    ) -> std::result::Result<Answer, SendError> {
        // Written once, and sent again as it is when a kept connection turns out closed.
        let written = written(&method, &uri, &self.host_header(), headers, body);
        self.send_written(&uri, &written, limit).await
    }

    /// [`H1Connections::send`] of a request written already. Its loop is its own rather
    /// than [`H1Connections::first_of_pair`]'s: a waiting poll's future is then some 128
    /// bytes smaller (`ccbridge-heap`), on every idle stream.
    async fn send_written(
        &self,
        uri: &Uri,
        written: &[u8],
        limit: u64,
    ) -> std::result::Result<Answer, SendError> {
        let (mut io, mut reused) = match self.kept() {
            Some(io) => (io, true),
            None => (self.connect().await.map_err(SendError::Unsent)?, false),
        };
        loop {
            match self.exchange(io, uri, written, limit).await {
                Ok(answer) => return Ok(answer),
                Err(Failed::Closed(e)) if reused => {
                    tracing::debug!(error = %e, "kept HTTP/1.1 connection was closed; sending on a new one");
                    // It may have gone out: a failure now is no longer "not sent".
                    io = self.connect().await.map_err(SendError::Failed)?;
                    reused = false;
                }
                Err(Failed::Closed(e) | Failed::Other(e)) => return Err(SendError::Failed(e)),
            }
        }
    }

    /// Sends two requests safe to repeat on one connection, the second written right behind
    /// the first (HTTP/1.1 pipelining, RFC 9112 section 9.3.2), and reads the first
    /// response: one write and one wait for both where there would be two of each. The
    /// server takes them in order, the second once it is done with the first, whose method
    /// is not a safe one (a proxy that spread them over connections of its own would break
    /// that order; the service would then hand back events the first acknowledges, which a
    /// stream takes for the duplicates they are).
    ///
    /// The second response is read by [`H1Connections::answer_second`]. An error is the
    /// first's: its response did not come or could not be read; the second is then given
    /// up with the connection, for the caller to send again after the first.
    pub(crate) async fn send_pair(
        &self,
        first: H1Request<'_>,
        second: H1Request<'_>,
        limit: u64,
    ) -> std::result::Result<(Answer, SecondOfPair), SendError> {
        let host = self.host_header();
        let mut both = written(&first.method, &first.uri, &host, first.headers, first.body);
        let first_len = both.len();
        both.extend(written(
            &second.method,
            &second.uri,
            &host,
            second.headers,
            second.body,
        ));
        let (answer, rest) = self.first_of_pair(&both, &first.uri, limit).await?;
        both.drain(..first_len);
        Ok((
            answer,
            SecondOfPair {
                written: both,
                uri: second.uri,
                pipelined: rest,
            },
        ))
    }

    /// The response to the second request of [`H1Connections::send_pair`], within
    /// `timeout`, and whether its time ran out on the connection it was pipelined on (for
    /// a long poll, a sign that something on the way does not take pipelined requests).
    /// Asked for again on another connection, with a `timeout` of its own, when it cannot
    /// come on that one: the server closed it after the first response, or closed it
    /// without reading the second.
    pub(crate) async fn answer_second(
        &self,
        second: SecondOfPair,
        limit: u64,
        timeout: Duration,
    ) -> (std::result::Result<Answer, SendError>, bool) {
        let deadline = deadline_after(timeout);
        let resent = |sent| within(deadline, timeout, sent);
        let SecondOfPair {
            written,
            uri,
            pipelined,
        } = second;
        let Some((io, input)) = pipelined else {
            return (
                resent(Box::pin(self.send_written(&uri, &written, limit))).await,
                false,
            );
        };
        match tokio::time::timeout_at(deadline, self.answer(io, &uri, &[], input, limit)).await {
            Err(_) => (Err(timed_out(timeout)), true),
            Ok(Ok((answer, rest))) => {
                self.keep_if_done(rest);
                (Ok(answer), false)
            }
            Ok(Err(Failed::Closed(e))) => {
                tracing::debug!(error = %e, "HTTP/1.1 connection closed after the first of two requests; sending the second on a new one");
                let sent = Box::pin(self.send_written(&uri, &written, limit));
                (within(deadline_after(timeout), timeout, sent).await, false)
            }
            Ok(Err(Failed::Other(e))) => (Err(SendError::Failed(e)), false),
        }
    }

    /// The first answer of two requests written together as `both`, on a kept connection
    /// or a new one (both again on a new one when the kept one turns out closed), with the
    /// connection and what was read past the answer when the connection goes on.
    async fn first_of_pair(
        &self,
        both: &[u8],
        uri: &Uri,
        limit: u64,
    ) -> std::result::Result<(Answer, Option<(Io, Vec<u8>)>), SendError> {
        let (mut io, mut reused) = match self.kept() {
            Some(io) => (io, true),
            None => (self.connect().await.map_err(SendError::Unsent)?, false),
        };
        loop {
            match self.answer(io, uri, both, Vec::new(), limit).await {
                Ok(answered) => return Ok(answered),
                Err(Failed::Closed(e)) if reused => {
                    tracing::debug!(error = %e, "kept HTTP/1.1 connection was closed; sending on a new one");
                    io = self.connect().await.map_err(SendError::Failed)?;
                    reused = false;
                }
                Err(Failed::Closed(e) | Failed::Other(e)) => return Err(SendError::Failed(e)),
            }
        }
    }

    /// The `host` header's value: the port only where it is not the scheme's own.
    fn host_header(&self) -> String {
        let default = if self.endpoint.tls.is_some() { 443 } else { 80 };
        let host = if self.endpoint.host.contains(':') {
            format!("[{}]", self.endpoint.host)
        } else {
            self.endpoint.host.clone()
        };
        if self.endpoint.port == default {
            host
        } else {
            format!("{host}:{}", self.endpoint.port)
        }
    }

    /// A lane found that the server chose HTTP/1.1 in TLS negotiation, at `at`.
    pub(crate) fn server_chose_http1(&self, at: Instant) {
        let mut chosen = lock(&self.http1_chosen);
        *chosen = Some(chosen.map_or(at, |before| before.max(at)));
    }

    /// When a lane last found that the server chose HTTP/1.1, if one did.
    pub(crate) fn http1_chosen(&self) -> Option<Instant> {
        *lock(&self.http1_chosen)
    }

    /// The most recently kept connection that is still open.
    fn kept(&self) -> Option<Io> {
        let mut idle = lock(&self.idle);
        expire(&mut idle);
        while let Some((since, io)) = idle.pop_back() {
            if since.elapsed() < IDLE_TIMEOUT && io.quiet() {
                return Some(io);
            }
        }
        None
    }

    /// Keeps `io` for a next request; those past [`IDLE_TIMEOUT`] go, and the oldest when
    /// [`MAX_IDLE`] are kept.
    fn keep(&self, io: Io) {
        let mut idle = lock(&self.idle);
        expire(&mut idle);
        if idle.len() >= MAX_IDLE {
            idle.pop_front();
        }
        idle.push_back((Instant::now(), io));
    }

    async fn connect(&self) -> Result<Io> {
        let connect = async {
            let tcp = self.endpoint.tcp(self.connect_timeout).await?;
            Ok(match &self.endpoint.tls {
                None => Io::Plain(tcp),
                Some(config) => Io::Tls(Box::new(self.endpoint.tls(config, tcp).await?)),
            })
        };
        // Boxed: a TLS connect is a large future, and inline it would size every poll's.
        tokio::time::timeout(self.connect_timeout, Box::pin(connect))
            .await
            .unwrap_or_else(|_| {
                Err(Error::Timeout {
                    message: format!(
                        "connecting to {}:{} took longer than {:?}",
                        self.endpoint.host, self.endpoint.port, self.connect_timeout
                    ),
                })
            })
    }

    /// What ureq-proto found wrong with an exchange, as the transport reports it.
    fn protocol_error(&self, e: &ureq_proto::Error) -> Error {
        Error::Transport {
            message: format!(
                "HTTP/1.1 with {}:{}: {e}",
                self.endpoint.host, self.endpoint.port
            ),
        }
    }

    /// One request (`written`, to `uri`) and its response on `io`, which is kept afterwards
    /// when the response ended cleanly and the server keeps the connection.
    async fn exchange(
        &self,
        io: Io,
        uri: &Uri,
        written: &[u8],
        limit: u64,
    ) -> std::result::Result<Answer, Failed> {
        let (answer, rest) = self.answer(io, uri, written, Vec::new(), limit).await?;
        self.keep_if_done(rest);
        Ok(answer)
    }

    /// Keeps a connection whose response ended cleanly, unless bytes came after it: without
    /// a request pipelined behind, that is not HTTP/1.1.
    fn keep_if_done(&self, rest: Option<(Io, Vec<u8>)>) {
        if let Some((io, input)) = rest {
            if input.is_empty() {
                self.keep(io);
            }
        }
    }

    /// The error of an I/O failure; `closed` when it says the connection was closed before
    /// any of the response arrived.
    fn io_error(&self, closed: bool, e: std::io::Error) -> Failed {
        let error = Error::Transport {
            message: format!(
                "HTTP/1.1 connection to {}:{}: {}",
                self.endpoint.host,
                self.endpoint.port,
                crate::transport::error_chain(&e)
            ),
        };
        if closed {
            Failed::Closed(error)
        } else {
            Failed::Other(error)
        }
    }

    /// Writes a request; a write refused outright is a connection the server had closed.
    async fn write(&self, io: &mut Io, written: &[u8]) -> std::result::Result<(), Failed> {
        io.write_all(written)
            .await
            .map_err(|e| self.io_error(is_closed(&e), e))
    }

    /// Writes `written` (nothing when empty) and reads the response to a request to `uri`
    /// on `io`, `input` holding what was read of it already. With the response comes the
    /// connection and what was read past the response's end, when the connection may carry
    /// more (it ended cleanly and the server keeps it); `None` when it must go. One future
    /// for both steps: a waiting poll's task holds its connection once.
    async fn answer(
        &self,
        mut io: Io,
        uri: &Uri,
        written: &[u8],
        mut input: Vec<u8>,
        limit: u64,
    ) -> std::result::Result<(Answer, Option<(Io, Vec<u8>)>), Failed> {
        if !written.is_empty() {
            self.write(&mut io, written).await?;
        }
        let protocol = |e: ureq_proto::Error| Failed::Other(self.protocol_error(&e));
        let io_error = |closed: bool, e: std::io::Error| self.io_error(closed, e);
        let mut call = reader(uri).map_err(protocol)?;
        let invalid = |what: &str| {
            Failed::Other(Error::Transport {
                message: format!(
                    "HTTP/1.1 from {}:{}: {what}",
                    self.endpoint.host, self.endpoint.port
                ),
            })
        };

        let mut room = READ_CHUNK;
        // Whether any of the answer has come: until then a close is a closed connection.
        let mut answered = !input.is_empty();
        let response = loop {
            if !input.is_empty() {
                match parse_head(&mut call, &input).map_err(|e| match e {
                    Head::Protocol(e) => protocol(e),
                    Head::Invalid(what) => invalid(what),
                })? {
                    (used, Some(response)) => {
                        input.drain(..used);
                        if response.status() == StatusCode::SWITCHING_PROTOCOLS {
                            return Err(invalid("a switch of protocols nobody asked for"));
                        }
                        if response.status().is_informational() {
                            // The answer is still to come, read by a new call.
                            call = reader(uri).map_err(protocol)?;
                            release_if_empty(&mut input);
                            continue;
                        }
                        break response;
                    }
                    // A 100 Continue: the answer may be in `input` already.
                    (used, None) if used > 0 => {
                        input.drain(..used);
                        release_if_empty(&mut input);
                        continue;
                    }
                    (_, None) => {}
                }
            }
            if input.len() >= MAX_HEAD {
                return Err(invalid("response headers over 65536 bytes"));
            }
            let before = input.len();
            // Headers are read up to MAX_HEAD, no further.
            let head_room = room.min(MAX_HEAD - input.len());
            let n = io
                .read_into(&mut input, head_room)
                .await
                .map_err(|e| io_error(!answered && is_closed(&e), e))?;
            answered |= n > 0;
            room = next_room(room, n);
            if n == 0 {
                return Err(io_error(
                    before == 0 && !answered,
                    std::io::Error::new(
                        ErrorKind::UnexpectedEof,
                        "closed before the response was complete",
                    ),
                ));
            }
        };
        let (parts, ()) = response.into_parts();
        // ureq-proto takes only `connection: close`, in that case, for the end of a
        // connection, and keeps HTTP/1.0 ones: a connection kept wrongly would fail the
        // next request (and send it again), so these are not kept.
        let closing = parts.version == Version::HTTP_10
            || parts
                .headers
                .get_all(http::header::CONNECTION)
                .iter()
                .flat_map(|v| v.as_bytes().split(|b| *b == b','))
                .any(|token| token.trim_ascii().eq_ignore_ascii_case(b"close"));
        let (status, headers) = (parts.status, parts.headers);
        let success = status.is_success();
        let answer = move |body: Vec<u8>, truncated: bool| Answer {
            status,
            headers,
            body: LimitedBody {
                bytes: body.into(),
                truncated,
            },
        };

        let mut call = match call.proceed() {
            Some(RecvResponseResult::RecvBody(call)) => call,
            Some(RecvResponseResult::Cleanup(done)) => {
                let rest = (!closing && !done.must_close_connection()).then_some((io, input));
                return Ok((answer(Vec::new(), false), rest));
            }
            // A redirect is not followed (reqwest's client is set up so too): its body is
            // not read and the connection not kept.
            Some(RecvResponseResult::Redirect(_)) | None => {
                return Ok((answer(Vec::new(), false), None));
            }
        };
        let mut body = match call.body_mode() {
            BodyMode::LengthDelimited(n) if success && n > limit => {
                return Ok((answer(Vec::new(), true), None));
            }
            BodyMode::LengthDelimited(n) => {
                // Its length known, the body is read straight into its place: no copy
                // through `input` and ureq-proto (an event batch is some 80 KB).
                let take = usize::try_from(n.min(limit)).unwrap_or(usize::MAX);
                // Grown as the body comes, not as big as the server says up front.
                let mut body = Vec::with_capacity(take.min(MAX_READ));
                let first = input.len().min(take);
                body.extend_from_slice(&input[..first]);
                input.drain(..first);
                while body.len() < take {
                    // Never more than what is left: nothing past the body is read.
                    let left = (take - body.len()).min(MAX_READ);
                    let got = io
                        .read_into(&mut body, left)
                        .await
                        .map_err(|e| io_error(false, e))?;
                    if got == 0 {
                        return Err(io_error(
                            false,
                            std::io::Error::new(
                                ErrorKind::UnexpectedEof,
                                "closed before the response body was complete",
                            ),
                        ));
                    }
                }
                if (take as u64) < n {
                    return Ok((answer(body, true), None));
                }
                return Ok((answer(body, false), (!closing).then_some((io, input))));
            }
            _ => Vec::new(),
        };
        // Such a body ends with the connection; `can_proceed` holds all along.
        let close_delimited = call.body_mode() == BodyMode::CloseDelimited;
        loop {
            while !input.is_empty() && (close_delimited || !call.can_proceed()) {
                let filled = body.len();
                // A body decoded is never longer than its input.
                body.resize(filled + input.len(), 0);
                let (used, produced) = call.read(&input, &mut body[filled..]).map_err(protocol)?;
                body.truncate(filled + produced);
                input.drain(..used);
                if body.len() as u64 > limit {
                    body.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
                    return Ok((answer(body, true), None));
                }
                if used == 0 && produced == 0 {
                    // Part of a chunk's size line or of the trailer: more is needed, but
                    // not without end.
                    if input.len() > MAX_CHUNK_LINE {
                        return Err(invalid("a chunk's size line without end"));
                    }
                    break;
                }
            }
            if call.can_proceed() && !close_delimited {
                break;
            }
            let n = io
                .read_into(&mut input, room)
                .await
                .map_err(|e| io_error(false, e))?;
            room = next_room(room, n);
            if n == 0 {
                if close_delimited {
                    return Ok((answer(body, false), None));
                }
                return Err(io_error(
                    false,
                    std::io::Error::new(
                        ErrorKind::UnexpectedEof,
                        "closed before the response body was complete",
                    ),
                ));
            }
        }
        let rest = match call.proceed() {
            Some(RecvBodyResult::Cleanup(done)) if !closing && !done.must_close_connection() => {
                Some((io, input))
            }
            _ => None,
        };
        Ok((answer(body, false), rest))
    }
}

fn request(method: Method, uri: &Uri, headers: HeaderMap) -> Request<()> {
    let mut request = Request::new(());
    *request.method_mut() = method;
    *request.uri_mut() = uri.clone();
    *request.headers_mut() = headers;
    request
}

/// The bytes of a request: the request line (origin form), `host`, the headers (values
/// come validated in a `HeaderMap`), the body's length when there is one, then the body.
fn written(
    method: &Method,
    uri: &Uri,
    host: &str,
    headers: HeaderMap,
    body: Option<&[u8]>,
) -> Vec<u8> {
    let target = uri.path_and_query().map_or("/", |p| p.as_str());
    let body = body.unwrap_or_default();
    let mut out = Vec::with_capacity(
        64 + target.len()
            + host.len()
            + headers
                .iter()
                .map(|(k, v)| k.as_str().len() + v.len() + 4)
                .sum::<usize>()
            + body.len(),
    );
    for part in [
        method.as_str(),
        " ",
        target,
        " HTTP/1.1\r\nhost: ",
        host,
        "\r\n",
    ] {
        out.extend_from_slice(part.as_bytes());
    }
    for (name, value) in &headers {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if !body.is_empty() || matches!(*method, Method::POST | Method::PUT | Method::PATCH) {
        out.extend_from_slice(format!("content-length: {}\r\n", body.len()).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

/// What reads the response to a request to `uri`: a call made of a `GET` of `uri` alone
/// (of HTTP/1.1, asking for no close; a response to a `POST` reads alike), so that a
/// waiting poll holds its request once, as the bytes written, not a second time as
/// headers.
fn reader(uri: &Uri) -> std::result::Result<Call<RecvResponse>, ureq_proto::Error> {
    let mut call = Call::new(request(Method::GET, uri, HeaderMap::new()))?.proceed();
    let mut scratch = vec![0u8; 64 + uri.to_string().len()];
    while !call.can_proceed() {
        call.write(&mut scratch)?;
    }
    match call.proceed()? {
        Some(SendRequestResult::RecvResponse(call)) => Ok(call),
        // A `GET` without a body goes straight to its response.
        _ => Err(ureq_proto::Error::BadHeader("a GET with a body".into())),
    }
}

/// Why a response's head could not be read.
enum Head {
    Protocol(ureq_proto::Error),
    Invalid(&'static str),
}

/// [`Call::try_response`] on `input`, with what it would panic on refused first (httparse
/// takes status codes under 100, the `http` crate refuses them) and any other panic of
/// ureq-proto on what a server sent caught: the connection is then given up, and with it
/// the call.
fn parse_head(
    call: &mut Call<RecvResponse>,
    input: &[u8],
) -> std::result::Result<(usize, Option<Response<()>>), Head> {
    // httparse passes over empty lines before the status line.
    let start = input
        .iter()
        .position(|b| *b != b'\r' && *b != b'\n')
        .unwrap_or(input.len());
    let line = &input[start..];
    let status_under_100 =
        line.len() >= 12 && line.starts_with(b"HTTP/") && line[8] == b' ' && line[9] == b'0';
    if status_under_100 {
        return Err(Head::Invalid("a status code under 100"));
    }
    catch_unwind(AssertUnwindSafe(|| call.try_response(input, false)))
        .map_err(|_| Head::Invalid("a response head ureq-proto cannot take"))?
        .map_err(Head::Protocol)
}

/// Drops the kept connections past [`IDLE_TIMEOUT`] (the oldest are first).
fn expire(idle: &mut VecDeque<(Instant, Io)>) {
    while idle
        .front()
        .is_some_and(|(since, _)| since.elapsed() >= IDLE_TIMEOUT)
    {
        idle.pop_front();
    }
}

/// Gives a read buffer's room back once everything in it was used: a poll that got an
/// informational answer first waits for the real one holding no buffer.
fn release_if_empty(input: &mut Vec<u8>) {
    if input.is_empty() {
        *input = Vec::new();
    }
}

/// The room for the next read: doubled when `read` filled `room`.
fn next_room(room: usize, read: usize) -> usize {
    if read >= room {
        (room * 2).min(MAX_READ)
    } else {
        room
    }
}

/// Errors of a socket the other side had closed.
fn is_closed(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::BrokenPipe
            | ErrorKind::ConnectionReset
            | ErrorKind::ConnectionAborted
            | ErrorKind::UnexpectedEof
            | ErrorKind::NotConnected
    )
}

#[cfg(test)]
mod tests {
    //! Against a scripted server of the test's own: each request (read up to the end of its
    //! headers) gets the next answer of the script, written as it is, and the connection
    //! is closed after it when the script says so.

    use super::*;
    use proptest::prelude::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncBufReadExt, AsyncReadExt};
    use tokio::net::TcpListener;

    /// One answer of the script: raw bytes, and whether the server closes afterwards.
    type Step = (&'static [u8], bool);

    struct Server {
        base: Url,
        connections: Arc<AtomicUsize>,
        requests: Arc<Mutex<Vec<String>>>,
    }

    impl Server {
        async fn start(script: Vec<Step>) -> Server {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let base = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
            let connections = Arc::new(AtomicUsize::new(0));
            let requests = Arc::new(Mutex::new(Vec::new()));
            let script = Arc::new(Mutex::new(script.into_iter()));
            let (c, r) = (connections.clone(), requests.clone());
            tokio::spawn(async move {
                while let Ok((tcp, _)) = listener.accept().await {
                    c.fetch_add(1, Ordering::SeqCst);
                    let (script, requests) = (script.clone(), r.clone());
                    tokio::spawn(async move {
                        let mut tcp = tokio::io::BufReader::new(tcp);
                        loop {
                            let mut head = String::new();
                            loop {
                                let mut line = String::new();
                                if tcp.read_line(&mut line).await.unwrap_or(0) == 0 {
                                    return;
                                }
                                head.push_str(&line);
                                if line == "\r\n" {
                                    break;
                                }
                            }
                            let length = head
                                .lines()
                                .find_map(|l| {
                                    l.to_ascii_lowercase()
                                        .strip_prefix("content-length: ")
                                        .map(str::to_string)
                                })
                                .map_or(0, |n| n.trim().parse().unwrap());
                            let mut body = vec![0u8; length];
                            tcp.read_exact(&mut body).await.unwrap();
                            head.push_str(std::str::from_utf8(&body).unwrap());
                            requests.lock().unwrap().push(head);
                            let next = script.lock().unwrap().next();
                            let Some((answer, close)) = next else { return };
                            tcp.get_mut().write_all(answer).await.unwrap();
                            if close {
                                return;
                            }
                        }
                    });
                }
            });
            Server {
                base,
                connections,
                requests,
            }
        }

        fn client(&self) -> H1Connections {
            H1Connections::new(&self.base, None, Duration::from_secs(2)).unwrap()
        }

        fn uri(&self) -> Uri {
            self.base
                .join("events?maxEvents=2")
                .unwrap()
                .as_str()
                .parse()
                .unwrap()
        }

        fn connections(&self) -> usize {
            self.connections.load(Ordering::SeqCst)
        }
    }

    fn headers() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-api-key", "key".parse().unwrap());
        h
    }

    async fn poll(client: &H1Connections, server: &Server, limit: u64) -> Answer {
        client
            .send(Method::GET, server.uri(), headers(), None, limit)
            .await
            .unwrap()
    }

    /// The message of the transport error a poll of `server` fails with, soon.
    async fn failure(client: &H1Connections, server: &Server) -> String {
        let sent = client.send(Method::GET, server.uri(), headers(), None, 100_000);
        match tokio::time::timeout(Duration::from_secs(2), sent).await {
            Ok(Err(SendError::Failed(Error::Transport { message }))) => message,
            other => panic!("{other:?}"),
        }
    }

    const OK: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 13\r\n\r\n{\"events\":[]}";
    /// The body of [`OK`].
    const EMPTY: &[u8] = b"{\"events\":[]}";

    #[tokio::test]
    async fn the_request_is_a_get_with_its_headers_and_a_kept_connection_carries_the_next() {
        let server = Server::start(vec![(OK, false), (OK, false)]).await;
        let client = server.client();
        for _ in 0..2 {
            let a = poll(&client, &server, 1000).await;
            assert_eq!(
                (a.status, &a.body.bytes[..], a.body.truncated),
                (StatusCode::OK, &b"{\"events\":[]}"[..], false)
            );
            assert_eq!(a.headers["content-length"], "13");
        }
        assert_eq!(server.connections(), 1);
        let requests = server.requests.lock().unwrap().clone();
        assert!(
            requests[0].starts_with("GET /events?maxEvents=2 HTTP/1.1\r\n"),
            "{requests:?}"
        );
        assert!(requests[0].contains("x-api-key: key\r\n"), "{requests:?}");
        assert!(
            requests[0].to_ascii_lowercase().contains("host: 127.0.0.1"),
            "{requests:?}"
        );
    }

    /// An acknowledgement: its body follows its head, its length given.
    #[tokio::test]
    async fn a_request_with_a_body_sends_it_with_its_length_on_the_kept_connection() {
        let server = Server::start(vec![(OK, false), (OK, false)]).await;
        let client = server.client();
        poll(&client, &server, 1000).await;
        let body = br#"{"events":[{"eventId":"1-0"}]}"#;
        let a = client
            .send(Method::POST, server.uri(), headers(), Some(body), 1000)
            .await
            .unwrap();
        assert_eq!(a.status, StatusCode::OK);
        let requests = server.requests.lock().unwrap().clone();
        assert!(
            requests[1].starts_with("POST /events?maxEvents=2 HTTP/1.1\r\n"),
            "{requests:?}"
        );
        assert!(
            requests[1].contains("content-length: 30\r\n"),
            "{requests:?}"
        );
        assert!(
            requests[1].ends_with("\r\n\r\n{\"events\":[{\"eventId\":\"1-0\"}]}"),
            "{requests:?}"
        );
        assert_eq!(server.connections(), 1);
    }

    #[tokio::test]
    async fn chunked_bodies_are_decoded_across_reads() {
        let chunked: &[u8] = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\n{\"eve\r\n8\r\nnts\":[]}\r\n0\r\n\r\n";
        let server = Server::start(vec![(chunked, false), (OK, false)]).await;
        let client = server.client();
        assert_eq!(&poll(&client, &server, 1000).await.body.bytes[..], EMPTY);
        assert_eq!(&poll(&client, &server, 1000).await.body.bytes[..], EMPTY);
        assert_eq!(server.connections(), 1, "kept after a chunked body");
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_not_read_and_its_connection_not_kept() {
        let chunked: &[u8] =
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nd\r\n{\"events\":[]}\r\n0\r\n\r\n";
        let refused: &[u8] = b"HTTP/1.1 503 Busy\r\ncontent-length: 13\r\n\r\n{\"events\":[]}";
        let server = Server::start(vec![
            (OK, false),
            (chunked, false),
            (refused, false),
            (OK, false),
        ])
        .await;
        let client = server.client();
        let a = poll(&client, &server, 5).await;
        assert!(
            a.body.truncated && a.body.bytes.is_empty(),
            "its length said so: {a:?}"
        );
        let a = poll(&client, &server, 5).await;
        assert_eq!(
            (&a.body.bytes[..], a.body.truncated),
            (&b"{\"eve"[..], true),
            "the first bytes"
        );
        // An error's body is read up to the limit, for the error's message.
        let a = poll(&client, &server, 5).await;
        assert_eq!(
            (a.status.as_u16(), &a.body.bytes[..], a.body.truncated),
            (503, &b"{\"eve"[..], true)
        );
        assert!(!poll(&client, &server, 1000).await.body.truncated);
        assert_eq!(server.connections(), 4, "no such connection was kept");
    }

    #[tokio::test]
    async fn a_connection_the_server_closes_is_not_kept_and_a_body_may_end_with_it() {
        let closing: &[u8] = b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\n{}";
        let to_the_end: &[u8] = b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n{\"events\":[]}";
        let server = Server::start(vec![(closing, true), (to_the_end, true), (OK, false)]).await;
        let client = server.client();
        assert_eq!(&poll(&client, &server, 1000).await.body.bytes[..], b"{}");
        assert_eq!(&poll(&client, &server, 1000).await.body.bytes[..], EMPTY);
        assert_eq!(&poll(&client, &server, 1000).await.body.bytes[..], EMPTY);
        assert_eq!(server.connections(), 3);
    }

    /// A kept connection the server closed while it was idle (without saying so in its
    /// response) is found closed before use, and the poll goes on a new one.
    #[tokio::test]
    async fn a_kept_connection_found_closed_is_replaced() {
        let server = Server::start(vec![(OK, true), (OK, false)]).await;
        let client = server.client();
        poll(&client, &server, 1000).await;
        // Time for the close to arrive.
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(poll(&client, &server, 1000).await.status, StatusCode::OK);
        assert_eq!(server.connections(), 2);
        assert_eq!(server.requests.lock().unwrap().len(), 2);
    }

    /// One closed just after that check takes the request and ends without an answer: the
    /// poll is sent once more, on a new connection.
    #[tokio::test]
    async fn a_kept_connection_that_closes_on_the_request_is_replaced_once() {
        let server = Server::start(vec![(OK, false), (b"", true), (OK, false)]).await;
        let client = server.client();
        poll(&client, &server, 1000).await;
        assert_eq!(poll(&client, &server, 1000).await.status, StatusCode::OK);
        assert_eq!(server.connections(), 2);
        assert_eq!(server.requests.lock().unwrap().len(), 3);
    }

    /// An acknowledgement's answer, chunked: what comes after its end belongs to the next.
    const ACKED: &[u8] =
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n7\r\n{\"a\":1}\r\n0\r\n\r\n";

    /// An acknowledgement and a poll pipelined; the answers, each unwrapped.
    async fn pair(client: &H1Connections, server: &Server) -> (Answer, Answer) {
        let (ack, poll) = ack_and_poll(&server.base, br#"{"events":[{"eventId":"1-0"}]}"#);
        let sent = async {
            let (first, second) = client.send_pair(ack, poll, 100_000).await.unwrap();
            let (second, unanswered) = client
                .answer_second(second, 100_000, Duration::from_secs(5))
                .await;
            assert!(!unanswered);
            (first, second.unwrap())
        };
        tokio::time::timeout(Duration::from_secs(5), sent)
            .await
            .expect("both answers within 5 s")
    }

    /// An acknowledgement with `body` and a poll, to the server at `base`.
    fn ack_and_poll(base: &Url, body: &'static [u8]) -> (H1Request<'static>, H1Request<'static>) {
        let uri = |path: &str| -> Uri { base.join(path).unwrap().as_str().parse().unwrap() };
        let ack = H1Request {
            method: Method::POST,
            uri: uri("acknowledge"),
            headers: headers(),
            body: Some(body),
        };
        let poll = H1Request {
            method: Method::GET,
            uri: uri("events?maxEvents=2"),
            headers: headers(),
            body: None,
        };
        (ack, poll)
    }

    /// [`pair`], its answers those of [`ACKED`] and [`OK`].
    async fn pair_answered(client: &H1Connections, server: &Server) {
        let (acked, polled) = pair(client, server).await;
        assert_eq!(&acked.body.bytes[..], b"{\"a\":1}");
        assert_eq!(&polled.body.bytes[..], EMPTY);
    }

    fn request_lines(server: &Server) -> Vec<String> {
        let requests = server.requests.lock().unwrap();
        requests
            .iter()
            .map(|r| r.lines().next().unwrap_or_default().to_string())
            .collect()
    }

    /// Two requests written together get their answers in order on one connection, which
    /// is kept, whether the answers come apart or in one packet (the second read with
    /// what was read past the first).
    #[tokio::test]
    async fn two_requests_in_one_write_get_both_answers_in_order_on_one_connection() {
        let both: &'static [u8] = [ACKED, OK].concat().leak();
        let server = Server::start(vec![
            (ACKED, false),
            (OK, false),
            (both, false),
            (b"", false),
            (OK, false),
        ])
        .await;
        let client = server.client();
        for _ in 0..2 {
            let (acked, polled) = pair(&client, &server).await;
            assert_eq!(
                (acked.status, &acked.body.bytes[..]),
                (StatusCode::OK, &b"{\"a\":1}"[..])
            );
            assert_eq!(
                (polled.status, &polled.body.bytes[..]),
                (StatusCode::OK, EMPTY)
            );
        }
        poll(&client, &server, 1000).await;
        assert_eq!(server.connections(), 1, "kept after each pair");
        assert_eq!(
            request_lines(&server),
            [
                "POST /acknowledge HTTP/1.1",
                "GET /events?maxEvents=2 HTTP/1.1",
                "POST /acknowledge HTTP/1.1",
                "GET /events?maxEvents=2 HTTP/1.1",
                "GET /events?maxEvents=2 HTTP/1.1",
            ]
        );
        let requests = server.requests.lock().unwrap();
        assert!(
            requests[0].ends_with(r#"{"events":[{"eventId":"1-0"}]}"#),
            "{requests:?}"
        );
    }

    /// The second request is written before the first answer is awaited: a server that
    /// answers only once it holds both answers both.
    #[tokio::test]
    async fn the_second_request_goes_out_before_the_first_answer() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        tokio::spawn(async move {
            let (mut tcp, _) = listener.accept().await.unwrap();
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            // Both heads and the first's body, the GET's head last.
            while !(got.windows(4).any(|w| w == b"GET ") && got.ends_with(b"\r\n\r\n")) {
                let n = tcp.read(&mut buf).await.unwrap();
                assert!(n > 0, "closed before the second request came");
                got.extend_from_slice(&buf[..n]);
            }
            tcp.write_all(&[ACKED, OK].concat()).await.unwrap();
            let _ = tcp.read(&mut buf).await;
        });
        let client = H1Connections::new(&base, None, Duration::from_secs(2)).unwrap();
        let (ack, poll) = ack_and_poll(&base, b"{}");
        let sent = client.send_pair(ack, poll, 100_000);
        let (acked, second) = tokio::time::timeout(Duration::from_secs(5), sent)
            .await
            .expect("the second request was not sent before the first answer")
            .unwrap();
        assert_eq!(&acked.body.bytes[..], b"{\"a\":1}");
        let (polled, _) = client
            .answer_second(second, 100_000, Duration::from_secs(5))
            .await;
        assert_eq!(&polled.unwrap().body.bytes[..], EMPTY);
    }

    /// The server answers the first and closes: the second goes on a new connection.
    #[tokio::test]
    async fn the_second_of_two_goes_on_a_new_connection_when_the_first_answer_closes_it() {
        const ACKED_CLOSE: &[u8] =
            b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 7\r\n\r\n{\"a\":1}";
        let server = Server::start(vec![(ACKED_CLOSE, true), (OK, false)]).await;
        let client = server.client();
        pair_answered(&client, &server).await;
        assert_eq!(server.connections(), 2);
        assert_eq!(
            request_lines(&server),
            [
                "POST /acknowledge HTTP/1.1",
                "GET /events?maxEvents=2 HTTP/1.1"
            ]
        );
    }

    /// A kept connection the server had closed: both go again, together, on a new one.
    #[tokio::test]
    async fn a_kept_connection_closed_before_the_first_answer_carries_both_again_on_a_new_one() {
        let server =
            Server::start(vec![(OK, false), (b"", true), (ACKED, false), (OK, false)]).await;
        let client = server.client();
        poll(&client, &server, 1000).await;
        pair_answered(&client, &server).await;
        assert_eq!(server.connections(), 2);
        assert_eq!(
            request_lines(&server),
            [
                "GET /events?maxEvents=2 HTTP/1.1",
                "POST /acknowledge HTTP/1.1",
                "POST /acknowledge HTTP/1.1",
                "GET /events?maxEvents=2 HTTP/1.1",
            ]
        );
    }

    /// The first answer is not HTTP: the pair fails, its second request given up with the
    /// connection, for the caller to send after the first.
    #[tokio::test]
    async fn a_first_answer_that_fails_gives_the_second_up() {
        let server = Server::start(vec![(b"SSH-2.0\r\n\r\n", true), (OK, false)]).await;
        let client = server.client();
        let (ack, poll) = ack_and_poll(&server.base, b"{}");
        let failed = client.send_pair(ack, poll, 100_000).await;
        assert!(
            matches!(failed, Err(SendError::Failed(Error::Transport { .. }))),
            "{:?}",
            failed.err()
        );
        assert_eq!(server.connections(), 1);
        assert_eq!(request_lines(&server), ["POST /acknowledge HTTP/1.1"]);
    }

    /// A second request left unanswered on its connection times out, and says so.
    #[tokio::test]
    async fn a_second_request_left_unanswered_times_out_and_says_so() {
        let server = Server::start(vec![(ACKED, false), (b"", false)]).await;
        let client = server.client();
        let (ack, poll) = ack_and_poll(&server.base, b"{}");
        let (_, second) = client.send_pair(ack, poll, 100_000).await.unwrap();
        let (polled, unanswered) = client
            .answer_second(second, 100_000, Duration::from_millis(200))
            .await;
        assert!(matches!(
            polled,
            Err(SendError::Failed(Error::Timeout { .. }))
        ));
        assert!(unanswered);
    }

    #[tokio::test]
    async fn a_fresh_connection_closed_without_an_answer_fails_the_poll_once() {
        let server = Server::start(vec![(b"", true)]).await;
        let client = server.client();
        let message = failure(&client, &server).await;
        assert!(message.contains("closed before the response"), "{message}");
        assert_eq!(server.connections(), 1, "not sent again");
    }

    /// Informational answers before the real one, in the same packet or not, on a
    /// connection the server keeps: the real one is read, without waiting for more.
    #[tokio::test]
    async fn informational_answers_are_passed_over() {
        let continued: &[u8] =
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}";
        let hints: &[u8] = b"HTTP/1.1 103 Early Hints\r\nlink: </x>\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 13\r\n\r\n{\"events\":[]}";
        let server = Server::start(vec![(continued, false), (hints, false), (OK, false)]).await;
        let client = server.client();
        let within = |f| tokio::time::timeout(Duration::from_secs(2), f);
        let a = within(poll(&client, &server, 1000))
            .await
            .expect("not waiting for more");
        assert_eq!((a.status, &a.body.bytes[..]), (StatusCode::OK, &b"{}"[..]));
        let a = within(poll(&client, &server, 1000))
            .await
            .expect("not waiting for more");
        assert_eq!((a.status, &a.body.bytes[..]), (StatusCode::OK, EMPTY));
        assert_eq!(&poll(&client, &server, 1000).await.body.bytes[..], EMPTY);
        assert_eq!(server.connections(), 1);
    }

    /// `Connection: Close` in any case or among other tokens, and HTTP/1.0, end the
    /// connection.
    #[tokio::test]
    async fn a_close_in_any_case_or_in_a_list_or_http_1_0_is_not_kept() {
        let shouting: &[u8] =
            b"HTTP/1.1 200 OK\r\nConnection: Close\r\ncontent-length: 2\r\n\r\n{}";
        let listed: &[u8] =
            b"HTTP/1.1 200 OK\r\nconnection: keep-alive, close\r\ncontent-length: 2\r\n\r\n{}";
        let old: &[u8] = b"HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\n{}";
        let server = Server::start(vec![
            (shouting, false),
            (listed, false),
            (old, false),
            (OK, false),
        ])
        .await;
        let client = server.client();
        for _ in 0..4 {
            assert_eq!(poll(&client, &server, 1000).await.status, StatusCode::OK);
        }
        assert_eq!(server.connections(), 4);
    }

    #[tokio::test]
    async fn a_status_under_100_a_switch_or_a_chunk_size_without_end_is_a_transport_error() {
        let endless: &'static [u8] = Box::leak(
            [
                b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n".as_slice(),
                &b"f".repeat(8000),
            ]
            .concat()
            .into_boxed_slice(),
        );
        let server = Server::start(vec![
            (b"HTTP/1.1 042 Odd\r\n\r\n", false),
            (b"\r\n\r\nHTTP/1.1 007 Odd\r\n\r\n", false),
            (
                b"HTTP/1.1 101 Switching Protocols\r\nupgrade: x\r\n\r\n",
                false,
            ),
            (endless, false),
        ])
        .await;
        let client = server.client();
        for expected in [
            "a status code under 100",
            "a status code under 100",
            "a switch of protocols",
            "a chunk's size line without end",
        ] {
            let message = failure(&client, &server).await;
            assert!(message.contains(expected), "{message}");
        }
    }

    #[tokio::test]
    async fn what_is_not_http_is_a_transport_error() {
        let endless: &'static [u8] = Box::leak(
            [
                b"HTTP/1.1 200 OK\r\nx-pad: ".as_slice(),
                &b"0123456789".repeat(7000),
                b"\r\n",
            ]
            .concat()
            .into_boxed_slice(),
        );
        let server = Server::start(vec![(b"SMTP ready\r\n\r\n", false), (endless, false)]).await;
        let client = server.client();
        for expected in ["HTTP/1.1 with", "over 65536 bytes"] {
            let message = failure(&client, &server).await;
            assert!(message.contains(expected), "{message}");
        }
    }

    /// What a server sends back, from plausible to anything: a status line (or not),
    /// headers that decide the body's framing (lengths, chunked, close), and a body,
    /// chunked with right or wrong sizes, or just bytes.
    fn any_response() -> impl Strategy<Value = Vec<u8>> {
        let status = prop_oneof![
            Just("HTTP/1.1 200 OK\r\n".to_string()),
            Just("HTTP/1.1 503 Busy\r\n".to_string()),
            Just("HTTP/1.0 200 OK\r\n".to_string()),
            Just("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n".to_string()),
            Just("HTTP/1.1 302 Found\r\nlocation: /x\r\n".to_string()),
            Just("HTTP/1.1 204 No Content\r\n".to_string()),
            Just("HTTP/1.1 103 Early Hints\r\n\r\nHTTP/1.1 200 OK\r\n".to_string()),
            (0u16..1000, any::<bool>()).prop_map(|(code, blank)| format!(
                "{}HTTP/1.1 {code:03} X\r\n",
                if blank { "\r\n" } else { "" }
            )),
            "[ -~]{0,30}\r\n",
        ];
        let header = prop_oneof![
            (0u64..5_000).prop_map(|n| format!("content-length: {n}\r\n")),
            Just("content-length: 99999999999999999999\r\n".to_string()),
            Just("transfer-encoding: chunked\r\n".to_string()),
            Just("connection: close\r\n".to_string()),
            "[a-z-]{1,10}: [ -~]{0,20}\r\n",
            "[ -~]{0,30}\r\n",
        ];
        let chunk = (0usize..600, any::<bool>(), any::<u8>()).prop_map(|(n, honest, byte)| {
            let said = if honest { n } else { n / 2 + 1 };
            let mut c = format!("{said:x}\r\n").into_bytes();
            c.resize(c.len() + n, byte);
            c.extend_from_slice(b"\r\n");
            c
        });
        let body = prop_oneof![
            prop::collection::vec(any::<u8>(), 0..3000),
            (prop::collection::vec(chunk, 0..6), any::<bool>()).prop_map(|(chunks, end)| {
                let mut b = chunks.concat();
                if end {
                    b.extend_from_slice(b"0\r\n\r\n");
                }
                b
            }),
        ];
        prop_oneof![
            (
                status,
                prop::collection::vec(header, 0..5),
                any::<bool>(),
                body
            )
                .prop_map(|(status, headers, ended, body)| {
                    let mut r = [status, headers.concat()].concat().into_bytes();
                    if ended {
                        r.extend_from_slice(b"\r\n");
                    }
                    r.extend(body);
                    r
                }),
            prop::collection::vec(any::<u8>(), 0..2000),
        ]
    }

    proptest! {
        /// Whatever the server sends before it closes, a poll ends with a response whose
        /// body is within the limit, or with a transport error: no panic, no hang, no
        /// more memory than the limit. (`make test` runs the default number of cases; for
        /// more: `PROPTEST_CASES=20000 cargo test -p ccbridge --lib h1_connections`.)
        #[test]
        fn any_answer_is_a_response_within_the_limit_or_a_transport_error(
            answer in any_response(),
            limit in 0u64..4096,
        ) {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let outcome = rt.block_on(async {
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                let base = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
                let server = tokio::spawn(async move {
                    let (mut tcp, _) = listener.accept().await.unwrap();
                    let mut request = [0u8; 1024];
                    let _ = tcp.read(&mut request).await;
                    let _ = tcp.write_all(&answer).await;
                });
                let client = H1Connections::new(&base, None, Duration::from_secs(2)).unwrap();
                let uri = base.join("events").unwrap().as_str().parse().unwrap();
                let sent = client.send(Method::GET, uri, headers(), None, limit);
                let outcome = tokio::time::timeout(Duration::from_secs(10), sent).await;
                server.abort();
                outcome
            });
            match outcome {
                Err(_) => prop_assert!(false, "no answer within 10 s"),
                Ok(Ok(a)) => prop_assert!(a.body.bytes.len() as u64 <= limit, "{} > {limit}", a.body.bytes.len()),
                Ok(Err(SendError::Failed(Error::Transport { .. }))) => {}
                Ok(Err(other)) => prop_assert!(false, "{other:?}"),
            }
        }
    }

    #[tokio::test]
    async fn no_connection_is_an_unsent_poll() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        drop(listener);
        let client = H1Connections::new(&base, None, Duration::from_secs(2)).unwrap();
        let uri = base.join("events").unwrap().as_str().parse().unwrap();
        match client.send(Method::GET, uri, headers(), None, 1000).await {
            Err(SendError::Unsent(Error::Transport { message })) => {
                assert!(message.contains("cannot connect to"), "{message}")
            }
            other => panic!("{other:?}"),
        }
    }
}
