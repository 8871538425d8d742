//! An HTTP/2 connection of our own, on which the long polls of event streams travel.
//!
//! A poll waiting through reqwest holds about 11 KB of heap: reqwest's pending request,
//! hyper-util's pool checkout and send futures, hyper's task per HTTP/2 request, the
//! call's state. The same request sent on an `h2` connection of our own holds a fraction
//! of that (its stream's state and the response future the poll awaits itself), and an
//! idle stream is mostly its waiting poll: over 10,000 idle streams the difference is
//! some 90 MB. Fewer tasks also mean fewer hand-offs, and fewer wake-ups, per response.
//!
//! The lanes ([`crate::lanes`]) carry nothing but those polls, so this path needs only
//! what a poll needs: connect (TCP with keep-alive, then TLS with ALPN for `https://`),
//! send, read the body (the transport caps it and bounds the whole request in time), and
//! connect again once the connection has ended. Everything else stays on reqwest:
//! commands, acknowledgements (but one pipelined before its stream's poll where the server
//! chose HTTP/1.1), tokens, and every request when a proxy is configured in the
//! environment, which only reqwest follows ([`proxy_in_environment`]).

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use h2::client::SendRequest;
use tokio::net::TcpStream;
use url::Url;

use crate::config::Http2;
use crate::error::{Error, Result};
use crate::h1_connections::H1Connections;

/// The windows and limits hyper's HTTP/2 client (reqwest's) uses, so that a response reads
/// as fast here as there: a stream may receive 2 MiB, the connection 5 MiB, before the
/// reader has released any; 100 streams in flight until the server says its limit; 1 MiB
/// of request data buffered; push refused; response headers capped at 16 KiB.
const STREAM_WINDOW: u32 = 2 * 1024 * 1024;
const CONNECTION_WINDOW: u32 = 5 * 1024 * 1024;
const INITIAL_MAX_SEND_STREAMS: usize = 100;
const MAX_SEND_BUFFER: usize = 1024 * 1024;
const MAX_HEADER_LIST: u32 = 16 * 1024;
/// TCP keep-alive, as reqwest sets it: the first probe after this much silence, then one
/// every as much, three at most (where the system lets them be counted).
const KEEPALIVE: Duration = Duration::from_secs(15);
const KEEPALIVE_PROBES: u32 = 3;
/// Where the system has it (Linux, Android): how long written data may stay
/// unacknowledged before the kernel closes the connection. A connection a middlebox
/// dropped silently is then closed within this long of the next poll (or of the reset
/// of one that timed out), and the lane connects again, instead of every poll timing out
/// on it until retransmission gives up, some 15 minutes later. Keep-alive alone would
/// not do: no probe goes out while data waits for acknowledgement.
#[cfg(any(target_os = "linux", target_os = "android"))]
const UNACKNOWLEDGED_LIMIT: Duration = Duration::from_secs(30);
/// How long a server's choice of HTTP/1.1 holds before a new connection asks again.
const HTTP1_RECHECK: Duration = Duration::from_secs(300);

/// The protocol a server speaks on a connection ([`H2Connection::open`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Protocol {
    Http1,
    Http2,
}

/// Why no connection is open.
enum Unsent {
    /// The server picked HTTP/1.1 in TLS negotiation.
    Http1,
    /// No connection could be made.
    Failed(Error),
}

enum State {
    /// No connection yet, or the last one ended.
    Closed,
    Open(SendRequest<Bytes>),
    /// The server chose HTTP/1.1 in TLS negotiation, at this instant: asked again once
    /// `http1_recheck` has passed (behind a load balancer, the next node may differ).
    Http1(Instant),
}

/// One HTTP/2 connection to the base URL's host, opened on first use and again after it
/// ends. Cheap to share: every stream of a lane sends on it.
pub(crate) struct H2Connection {
    endpoint: Endpoint,
    connect_timeout: Duration,
    /// Where the polls go while the server speaks HTTP/1.1 only ([`Protocol::Http1`]):
    /// HTTP/1.1 connections of our own, shared by the lanes of a client. Not the client's
    /// general pool, which may speak HTTP/2 with another node behind the same name, and
    /// then carry long polls on the connection its commands need.
    http1: Arc<H1Connections>,
    /// [`HTTP1_RECHECK`], but for tests.
    http1_recheck: Duration,
    inner: tokio::sync::Mutex<Inner>,
}

struct Inner {
    state: State,
    /// The last failed connect: when it ended, and why. A caller that was already
    /// waiting for the lock then takes this answer instead of connecting again, so that
    /// the polls of a lane whose server is down fail together, not one connect timeout
    /// after another.
    failed: Option<(Instant, Error)>,
    /// Counts the connections opened, so that a caller who found one closing replaces
    /// that one and not the next, which another caller may just have opened.
    generation: u64,
}

impl std::fmt::Debug for H2Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("H2Connection")
            .field("endpoint", &self.endpoint)
            .finish()
    }
}

impl H2Connection {
    /// A connection to `base`'s host, TLS with `tls` when it is `https://`.
    pub(crate) fn new(
        base: &Url,
        tls: Option<Arc<rustls::ClientConfig>>,
        connect_timeout: Duration,
        http1: Arc<H1Connections>,
    ) -> Result<Self> {
        Ok(H2Connection {
            endpoint: Endpoint::of(base, tls)?,
            connect_timeout,
            http1,
            http1_recheck: HTTP1_RECHECK,
            inner: tokio::sync::Mutex::new(Inner {
                state: State::Closed,
                failed: None,
                generation: 0,
            }),
        })
    }

    /// Opens the connection unless it is open, and says which protocol the server speaks
    /// on it: HTTP/1.1 when it chose so in TLS negotiation, and then requests belong on an
    /// HTTP/1.1 pool.
    pub(crate) async fn open(&self) -> Result<Protocol> {
        match self.sender(None).await {
            Ok(_) => Ok(Protocol::Http2),
            Err(Unsent::Http1) => Ok(Protocol::Http1),
            Err(Unsent::Failed(e)) => Err(e),
        }
    }

    /// Where this connection's polls go while its server speaks HTTP/1.1 only.
    pub(crate) fn http1(&self) -> &Arc<H1Connections> {
        &self.http1
    }

    /// The HTTP/1.1 connections this lane's requests go to now, without waiting: where its
    /// server chose HTTP/1.1 lately. `None` while HTTP/2 is spoken, nothing is known yet,
    /// or a connect is under way.
    pub(crate) fn http1_now(&self) -> Option<&Arc<H1Connections>> {
        let inner = self.inner.try_lock().ok()?;
        self.http1_holds(&inner.state).then_some(&self.http1)
    }

    /// Whether `state` is the server's choice of HTTP/1.1, made lately enough to hold.
    fn http1_holds(&self, state: &State) -> bool {
        matches!(state, State::Http1(at) if at.elapsed() < self.http1_recheck)
    }

    /// Sends `req` (its URI absolute) with `body`, and returns the response, its body
    /// unread. A connection found ended when the request is to go is replaced, once.
    pub(crate) async fn send(
        &self,
        req: http::Request<()>,
        body: Option<Bytes>,
    ) -> std::result::Result<http::Response<h2::RecvStream>, SendError> {
        let mut stale = None;
        for _ in 0..2 {
            let (sender, generation) = match self.sender(stale).await {
                Ok(s) => s,
                // The server changed its mind since `open`: the next attempt learns it there.
                Err(Unsent::Http1) => {
                    return Err(SendError::Unsent(Error::Transport {
                        message: format!(
                            "{}:{} now speaks HTTP/1.1 only; not sent",
                            self.endpoint.host, self.endpoint.port
                        ),
                    }))
                }
                Err(Unsent::Failed(e)) => return Err(SendError::Unsent(e)),
            };
            stale = Some(generation);
            // Fails on a connection that has ended. (A request past the server's limit of
            // streams in flight is queued by h2, under the request's deadline.)
            let Ok(mut sender) = sender.ready().await else {
                continue;
            };
            let end = !matches!(&body, Some(b) if !b.is_empty());
            // Refused (the connection went away since `ready`): nothing was written. The
            // next request finds the connection closed and opens another.
            let (response, mut send) = sender
                .send_request(req, end)
                .map_err(|e| SendError::Unsent(transport_error(&e)))?;
            if let Some(data) = body.filter(|b| !b.is_empty()) {
                send.send_data(data, true)
                    .map_err(|e| SendError::Failed(transport_error(&e)))?;
            }
            return response
                .await
                .map_err(|e| SendError::Failed(transport_error(&e)));
        }
        Err(SendError::Unsent(Error::Transport {
            message: format!(
                "the HTTP/2 connection to {}:{} closed as soon as it opened",
                self.endpoint.host, self.endpoint.port
            ),
        }))
    }

    /// The open connection and its generation, connecting when there is none, it has
    /// ended, or it is the `stale` one a caller found closing. One caller connects at a
    /// time; the others wait and share what it opened.
    async fn sender(
        &self,
        stale: Option<u64>,
    ) -> std::result::Result<(SendRequest<Bytes>, u64), Unsent> {
        let asked = Instant::now();
        let mut inner = self.inner.lock().await;
        match &inner.state {
            state if self.http1_holds(state) => return Err(Unsent::Http1),
            State::Open(s) if stale != Some(inner.generation) => {
                return Ok((s.clone(), inner.generation))
            }
            _ => {}
        }
        // Another lane of the client asked the server lately: its answer holds here too.
        if let Some(at) = self.http1.http1_chosen() {
            if at.elapsed() < self.http1_recheck {
                inner.state = State::Http1(at);
                return Err(Unsent::Http1);
            }
        }
        if let Some((at, error)) = &inner.failed {
            if *at >= asked {
                return Err(Unsent::Failed(error.clone()));
            }
        }
        inner.state = State::Closed;
        // Boxed: a connect (TCP, TLS, the HTTP/2 handshake) is a large future, and inline
        // it would size every request's future, each waiting poll's included.
        let opened = tokio::time::timeout(self.connect_timeout, Box::pin(self.connect()))
            .await
            .unwrap_or_else(|_| {
                Err(Unsent::Failed(Error::Timeout {
                    message: format!(
                        "connecting to {}:{} took longer than {:?}",
                        self.endpoint.host, self.endpoint.port, self.connect_timeout
                    ),
                }))
            });
        inner.failed = None;
        match opened {
            Ok(sender) => {
                inner.generation += 1;
                inner.state = State::Open(sender.clone());
                Ok((sender, inner.generation))
            }
            Err(Unsent::Http1) => {
                tracing::debug!(host = %self.endpoint.host, "the server chose HTTP/1.1; polls go over HTTP/1.1");
                let now = Instant::now();
                inner.state = State::Http1(now);
                self.http1.server_chose_http1(now);
                Err(Unsent::Http1)
            }
            Err(Unsent::Failed(e)) => {
                inner.failed = Some((Instant::now(), e.clone()));
                Err(Unsent::Failed(e))
            }
        }
    }

    async fn connect(&self) -> std::result::Result<SendRequest<Bytes>, Unsent> {
        let not_made = |e: &dyn std::error::Error| {
            Unsent::Failed(self.endpoint.not_made("speak HTTP/2 to", e))
        };
        let tcp = self
            .endpoint
            .tcp(self.connect_timeout)
            .await
            .map_err(Unsent::Failed)?;
        match &self.endpoint.tls {
            None => handshake(tcp).await.map_err(|e| not_made(&e)),
            Some(config) => {
                let tls = self
                    .endpoint
                    .tls(config, tcp)
                    .await
                    .map_err(Unsent::Failed)?;
                let alpn = tls.get_ref().1.alpn_protocol();
                // Offered h2 alone (prior knowledge), a server that names nothing is taken
                // at its word; offered both, only its explicit h2 means HTTP/2.
                let offered_http1 = config.alpn_protocols.iter().any(|p| p == b"http/1.1");
                if alpn != Some(b"h2".as_slice()) && offered_http1 {
                    return Err(Unsent::Http1);
                }
                handshake(tls).await.map_err(|e| not_made(&e))
            }
        }
    }
}

/// Where connections of our own go.
pub(crate) struct Endpoint {
    /// Without IPv6 brackets.
    pub(crate) host: String,
    pub(crate) port: u16,
    /// For `https://`.
    pub(crate) tls: Option<Arc<rustls::ClientConfig>>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

impl Endpoint {
    /// `base`'s host and port, with `tls` when the scheme is `https` (where it is required).
    pub(crate) fn of(base: &Url, tls: Option<Arc<rustls::ClientConfig>>) -> Result<Endpoint> {
        let host = base
            .host_str()
            .ok_or_else(|| Error::invalid("base_url", "has no host"))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let port = base
            .port_or_known_default()
            .ok_or_else(|| Error::invalid("base_url", "has no port"))?;
        let tls = if base.scheme() == "https" {
            Some(tls.ok_or_else(|| Error::invalid("base_url", "https needs a TLS setup"))?)
        } else {
            None
        };
        Ok(Endpoint { host, port, tls })
    }

    /// The error of a connection that could not be made: what could not be done, where,
    /// and why.
    pub(crate) fn not_made(&self, what: &str, e: &dyn std::error::Error) -> Error {
        Error::Transport {
            message: format!(
                "cannot {what} {}:{}: {}",
                self.host,
                self.port,
                crate::transport::error_chain(e)
            ),
        }
    }

    /// A TCP connection to the endpoint ([`open_tcp`]).
    pub(crate) async fn tcp(&self, connect_timeout: Duration) -> Result<TcpStream> {
        open_tcp(&self.host, self.port, connect_timeout)
            .await
            .map_err(|e| self.not_made("connect to", &e))
    }

    /// TLS with `config` over `tcp`, the endpoint's host named.
    pub(crate) async fn tls(
        &self,
        config: &Arc<rustls::ClientConfig>,
        tcp: TcpStream,
    ) -> Result<tokio_rustls::client::TlsStream<TcpStream>> {
        let name = rustls::pki_types::ServerName::try_from(self.host.clone())
            .map_err(|e| self.not_made("name for TLS", &e))?;
        tokio_rustls::TlsConnector::from(config.clone())
            .connect(name, tcp)
            .await
            .map_err(|e| self.not_made("negotiate TLS with", &e))
    }
}

/// A TCP connection to the first of `host`'s addresses that answers, each given an equal
/// share of `connect_timeout`, so that a dead address (a broken IPv6 route on a dual-stack
/// host) does not use up all of it; set up for polls.
pub(crate) async fn open_tcp(
    host: &str,
    port: u16,
    connect_timeout: Duration,
) -> std::io::Result<TcpStream> {
    let addresses: Vec<_> = tokio::net::lookup_host((host, port)).await?.collect();
    let share = connect_timeout / addresses.len().max(1) as u32;
    let mut last = std::io::Error::new(
        std::io::ErrorKind::NotFound,
        "the host name resolved to no address",
    );
    for address in addresses {
        match tokio::time::timeout(share, TcpStream::connect(address)).await {
            Ok(Ok(tcp)) => {
                set_up(&tcp);
                return Ok(tcp);
            }
            Ok(Err(e)) => last = e,
            Err(_) => {
                last = std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("{address} did not answer within {share:?}"),
                )
            }
        }
    }
    Err(last)
}

/// As reqwest sets its connections: polls are small and latency-bound (no Nagle), and
/// keep-alive probes find a connection that went silent while nothing was in flight.
/// (Failing to set either only loses that; the connection still works.)
fn set_up(tcp: &TcpStream) {
    let _ = tcp.set_nodelay(true);
    let keepalive = socket2::TcpKeepalive::new()
        .with_time(KEEPALIVE)
        .with_interval(KEEPALIVE);
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let keepalive = keepalive.with_retries(KEEPALIVE_PROBES);
    let socket = socket2::SockRef::from(tcp);
    let _ = socket.set_tcp_keepalive(&keepalive);
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let _ = socket.set_tcp_user_timeout(Some(UNACKNOWLEDGED_LIMIT));
}

/// Why a request sent with [`H2Connection::send`] has no response.
#[derive(Debug)]
pub(crate) enum SendError {
    /// No connection could be made; the request never left.
    Unsent(Error),
    /// It may have reached the server.
    Failed(Error),
}

async fn handshake<T>(io: T) -> std::result::Result<SendRequest<Bytes>, h2::Error>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let (sender, connection) = h2::client::Builder::new()
        .initial_window_size(STREAM_WINDOW)
        .initial_connection_window_size(CONNECTION_WINDOW)
        .initial_max_send_streams(INITIAL_MAX_SEND_STREAMS)
        .max_send_buffer_size(MAX_SEND_BUFFER)
        .max_header_list_size(MAX_HEADER_LIST)
        .enable_push(false)
        .handshake(io)
        .await?;
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::debug!(%error, "HTTP/2 connection ended");
        }
    });
    Ok(sender)
}

pub(crate) fn transport_error(e: &dyn std::error::Error) -> Error {
    Error::Transport {
        message: crate::transport::error_chain(e),
    }
}

/// The TLS setup of the connections of one client: the same roots as reqwest's (webpki's),
/// HTTP/2 offered in ALPN, HTTP/1.1 too unless `http2` is prior knowledge.
pub(crate) fn tls_config(
    http2: Http2,
    extra_roots: &[rustls::pki_types::CertificateDer<'static>],
) -> Result<Arc<rustls::ClientConfig>> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for root in extra_roots {
        roots.add(root.clone()).map_err(|e| Error::Transport {
            message: format!("cannot trust the certificate: {e}"),
        })?;
    }
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| Error::Transport {
        message: format!("cannot set up TLS: {e}"),
    })?
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.alpn_protocols = match http2 {
        Http2::PriorKnowledge => vec![b"h2".to_vec()],
        Http2::Negotiate | Http2::Off => vec![b"h2".to_vec(), b"http/1.1".to_vec()],
    };
    Ok(Arc::new(config))
}

/// Whether a proxy is set in the environment, as reqwest reads it (`HTTPS_PROXY`,
/// `HTTP_PROXY`, `ALL_PROXY`, in either case): then every request goes through reqwest,
/// which follows it, and none on a connection of ours, which would bypass it.
pub(crate) fn proxy_in_environment() -> bool {
    [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
    ]
    .iter()
    .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()))
}

#[cfg(test)]
mod tests {
    //! Against a small server of the test's own (HTTP/1.1 and HTTP/2 with prior knowledge on
    //! one port, as the simulator speaks them: the simulator itself cannot be linked into
    //! the crate's own tests), behind a relay that can speak TLS with a chosen ALPN, count
    //! the connections made to it and the ALPN offers, and cut the connections.

    use super::*;
    use crate::auth::ClientCredentials;
    use crate::lanes::{Lane, LaneHttp};
    use crate::ops::AuthKind;
    use crate::secret::Secret;
    use crate::transport::{ApiRequest, Prepared, Transport};
    use crate::{Error, RetryPolicy};
    use std::net::SocketAddr;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    use tokio::net::TcpListener;
    use tokio::task::JoinHandle;

    /// How long the server holds a poll before its empty answer.
    const POLL_WAIT: Duration = Duration::from_millis(100);

    /// The server's counts.
    #[derive(Default)]
    struct Counts {
        requests: AtomicUsize,
        http2_requests: AtomicUsize,
        connections: AtomicUsize,
    }

    /// Answers every request like an events poll: `{"events": []}` after [`POLL_WAIT`],
    /// or at once a body of 64 KiB when the path ends in `/big`, or after 10 s when it
    /// ends in `/slow`; 400 at once when the query is not exactly the polls'
    /// `maxEvents=200`, so that every test sees a query lost or sent twice on either route.
    struct Server {
        addr: SocketAddr,
        counts: Arc<Counts>,
        listener: JoinHandle<()>,
    }

    impl Server {
        async fn start() -> Server {
            use hyper::service::service_fn;
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let counts = Arc::new(Counts::default());
            let c = counts.clone();
            let listener = tokio::spawn(async move {
                while let Ok((tcp, _)) = listener.accept().await {
                    c.connections.fetch_add(1, Ordering::SeqCst);
                    let c = c.clone();
                    tokio::spawn(async move {
                        let service = service_fn(move |req: hyper::Request<_>| {
                            let c = c.clone();
                            async move {
                                c.requests.fetch_add(1, Ordering::SeqCst);
                                if req.version() == http::Version::HTTP_2 {
                                    c.http2_requests.fetch_add(1, Ordering::SeqCst);
                                }
                                if req.uri().query() != Some("maxEvents=200") {
                                    let mut refused = hyper::Response::new(
                                        http_body_util::Full::new(Bytes::new()),
                                    );
                                    *refused.status_mut() = http::StatusCode::BAD_REQUEST;
                                    return Ok(refused);
                                }
                                let path = req.uri().path();
                                let body = if path.ends_with("/big") {
                                    format!(
                                        "{{\"events\": [], \"pad\": \"{}\"}}",
                                        "b".repeat(64 * 1024)
                                    )
                                } else {
                                    let slow = path.ends_with("/slow");
                                    let wait = if slow {
                                        Duration::from_secs(10)
                                    } else {
                                        POLL_WAIT
                                    };
                                    tokio::time::sleep(wait).await;
                                    "{\"events\": []}".to_string()
                                };
                                Ok::<_, std::convert::Infallible>(hyper::Response::new(
                                    http_body_util::Full::new(Bytes::from(body)),
                                ))
                            }
                        });
                        let _ = hyper_util::server::conn::auto::Builder::new(
                            hyper_util::rt::TokioExecutor::new(),
                        )
                        .serve_connection(hyper_util::rt::TokioIo::new(tcp), service)
                        .await;
                    });
                }
            });
            Server {
                addr,
                counts,
                listener,
            }
        }

        fn requests(&self) -> (usize, usize) {
            (
                self.counts.requests.load(Ordering::SeqCst),
                self.counts.http2_requests.load(Ordering::SeqCst),
            )
        }

        fn base_url(&self) -> String {
            format!("http://{}/", self.addr)
        }
    }

    impl Drop for Server {
        fn drop(&mut self) {
            self.listener.abort();
        }
    }

    /// Relays every connection to `target`, terminating TLS when it has a setup.
    struct Relay {
        addr: SocketAddr,
        accepted: Arc<AtomicUsize>,
        /// TLS connections whose client offered h2 in ALPN.
        offered_h2: Arc<AtomicUsize>,
        pipes: Arc<Mutex<Vec<JoinHandle<()>>>>,
        listener: JoinHandle<()>,
    }

    impl Relay {
        async fn start(target: SocketAddr, tls: Option<Arc<rustls::ServerConfig>>) -> Relay {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let accepted = Arc::new(AtomicUsize::new(0));
            let offered_h2 = Arc::new(AtomicUsize::new(0));
            let pipes = Arc::new(Mutex::new(Vec::new()));
            let (a, h, p) = (accepted.clone(), offered_h2.clone(), pipes.clone());
            let listener = tokio::spawn(async move {
                while let Ok((inbound, _)) = listener.accept().await {
                    a.fetch_add(1, Ordering::SeqCst);
                    let (tls, h) = (tls.clone(), h.clone());
                    p.lock().unwrap().push(tokio::spawn(async move {
                        let Ok(mut outbound) = TcpStream::connect(target).await else {
                            return;
                        };
                        let _ = match tls {
                            Some(config) => {
                                let acceptor = tokio_rustls::LazyConfigAcceptor::new(
                                    rustls::server::Acceptor::default(),
                                    inbound,
                                );
                                let Ok(start) = acceptor.await else { return };
                                let hello = start.client_hello();
                                if hello.alpn().is_some_and(|mut p| p.any(|p| p == b"h2")) {
                                    h.fetch_add(1, Ordering::SeqCst);
                                }
                                let Ok(mut s) = start.into_stream(config).await else {
                                    return;
                                };
                                tokio::io::copy_bidirectional(&mut s, &mut outbound).await
                            }
                            None => {
                                let mut inbound = inbound;
                                tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await
                            }
                        };
                    }));
                }
            });
            Relay {
                addr,
                accepted,
                offered_h2,
                pipes,
                listener,
            }
        }

        fn connections(&self) -> usize {
            self.accepted.load(Ordering::SeqCst)
        }

        fn offered_h2(&self) -> usize {
            self.offered_h2.load(Ordering::SeqCst)
        }

        /// Drops every connection relayed so far, as a server or a middlebox may.
        fn cut(&self) {
            for pipe in self.pipes.lock().unwrap().drain(..) {
                pipe.abort();
            }
        }
    }

    impl Drop for Relay {
        fn drop(&mut self) {
            self.cut();
            self.listener.abort();
        }
    }

    /// A certificate for `localhost`, and a server TLS setup offering `alpn` with it.
    fn certificate(
        alpn: &[&[u8]],
    ) -> (
        rustls::pki_types::CertificateDer<'static>,
        Arc<rustls::ServerConfig>,
    ) {
        let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
        let cert = made.cert.der().clone();
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(made.key_pair.serialize_der().into());
        let mut server = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)
        .unwrap();
        server.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        (cert, Arc::new(server))
    }

    /// A transport to `base` whose clients and lanes trust `root`, with lanes of our own.
    fn transport(
        base: &str,
        http2: Http2,
        root: Option<&rustls::pki_types::CertificateDer<'static>>,
    ) -> Transport {
        let base = Url::parse(base).unwrap();
        let client = |http2: Http2| {
            let mut b = reqwest::Client::builder()
                .use_rustls_tls()
                .redirect(reqwest::redirect::Policy::none());
            b = match http2 {
                Http2::PriorKnowledge => b.http2_prior_knowledge(),
                Http2::Off => b.http1_only(),
                Http2::Negotiate => b,
            };
            if let Some(root) = root {
                b = b.add_root_certificate(reqwest::Certificate::from_der(root).unwrap());
            }
            b.build().unwrap()
        };
        let pool = client(http2);
        // Never asked: the requests of these tests carry no credentials.
        let auth = Arc::new(ClientCredentials::new(
            pool.clone(),
            base.join("token").unwrap(),
            "id".into(),
            Secret::from("secret"),
            Vec::new(),
        ));
        let tls = tls_config(
            http2,
            root.into_iter().cloned().collect::<Vec<_>>().as_slice(),
        )
        .unwrap();
        let http1 = h1_connections(&base, tls.clone());
        let lane_base = base.clone();
        Transport::new(
            pool,
            base,
            Secret::from("key"),
            auth,
            RetryPolicy::default(),
            Duration::from_secs(5),
        )
        .with_lanes(
            Box::new(move || {
                H2Connection::new(
                    &lane_base,
                    Some(tls.clone()),
                    Duration::from_secs(2),
                    http1.clone(),
                )
                .map(|c| LaneHttp::Direct(Arc::new(c)))
            }),
            10,
        )
    }

    fn h1_connections(base: &Url, tls: Arc<rustls::ClientConfig>) -> Arc<H1Connections> {
        Arc::new(H1Connections::new(base, Some(tls), Duration::from_secs(2)).unwrap())
    }

    /// One poll of `path` on `lane`, sent once: its status, or the error.
    async fn poll_path(
        t: &Transport,
        path: &str,
        lane: Option<usize>,
        timeout: Option<Duration>,
    ) -> crate::Result<u16> {
        let mut req = ApiRequest::new("test.getEvents", reqwest::Method::GET, path.into());
        req.auth = AuthKind::None;
        req.query = vec![("maxEvents".into(), "200".into())];
        req.retry = false;
        req.lane = lane;
        req.timeout = timeout;
        t.send(req).await.map(|r| r.status)
    }

    async fn poll(t: &Transport, lane: Option<usize>) -> crate::Result<u16> {
        poll_path(t, "events", lane, None).await
    }

    /// `n` polls on `lane` at once; each must answer 200.
    async fn polls_at_once(t: &Arc<Transport>, lane: Option<usize>, n: usize) {
        for status in polls_together(t, lane, n).await {
            assert_eq!(status.unwrap(), 200);
        }
    }

    /// `n` polls on `lane` at once, and their results.
    async fn polls_together(
        t: &Arc<Transport>,
        lane: Option<usize>,
        n: usize,
    ) -> Vec<crate::Result<u16>> {
        at_once(n, || {
            let t = t.clone();
            async move { poll(&t, lane).await }
        })
        .await
    }

    /// `n` tasks made by `task`, run at once; their results in order.
    async fn at_once<F, T>(n: usize, task: impl Fn() -> F) -> Vec<T>
    where
        F: std::future::Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        let tasks: Vec<_> = (0..n).map(|_| tokio::spawn(task())).collect();
        let mut out = Vec::with_capacity(n);
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    }

    /// A server behind a TLS relay that offers `alpn`, a transport of lanes to it that
    /// trusts the relay, and a lane of that transport.
    async fn over_tls(alpn: &[&[u8]]) -> (Server, Relay, Transport, Lane) {
        let server = Server::start().await;
        let (root, tls) = certificate(alpn);
        let relay = Relay::start(server.addr, Some(tls)).await;
        let base = format!("https://localhost:{}/", relay.addr.port());
        let t = transport(&base, Http2::Negotiate, Some(&root));
        let lane = t.lane();
        (server, relay, t, lane)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn over_tls_with_h2_chosen_the_polls_of_a_lane_share_one_connection() {
        let (server, relay, t, lane) = over_tls(&[b"h2", b"http/1.1"]).await;
        let t = Arc::new(t);
        polls_at_once(&t, lane.index(), 5).await;
        assert_eq!(
            relay.connections(),
            1,
            "one connection for the lane's polls"
        );
        assert_eq!(server.requests(), (5, 5), "the polls went over HTTP/2");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn over_tls_with_http1_chosen_the_polls_go_over_http1_connections_of_our_own() {
        let (server, relay, t, lane) = over_tls(&[b"http/1.1"]).await;
        assert_eq!(poll(&t, lane.index()).await.unwrap(), 200);
        assert_eq!(relay.offered_h2(), 1, "the lane asked once");
        // The answer is remembered: the lane does not offer h2 again, and its polls go
        // over HTTP/1.1 connections that never offer it, one kept from poll to poll.
        for _ in 0..3 {
            assert_eq!(poll(&t, lane.index()).await.unwrap(), 200);
        }
        assert_eq!(relay.offered_h2(), 1);
        assert_eq!(server.requests(), (4, 0));
        assert_eq!(relay.connections(), 2, "the lane's, then one of HTTP/1.1");
    }

    /// A stream's request of `method` to `events` on `lane` (the test server answers any
    /// path that asks for 200 events), prepared as the engine prepares its polls and
    /// acknowledgements.
    fn stream_request(t: &Transport, method: reqwest::Method, lane: Option<usize>) -> Prepared {
        let mut req = ApiRequest::new("test.stream", method, "events".into());
        req.auth = AuthKind::None;
        req.query = vec![("maxEvents".into(), "200".into())];
        req.of_stream = true;
        req.idempotent = true;
        req.retry = false;
        req.raw_body = true;
        req.lane = lane;
        t.prepare(req).unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn where_a_lanes_server_chose_http1_an_acknowledgement_and_its_poll_are_pipelined() {
        let (server, relay, t, lane) = over_tls(&[b"http/1.1"]).await;
        let ack = stream_request(&t, reqwest::Method::POST, None);
        let poll_request = stream_request(&t, reqwest::Method::GET, lane.index());
        // Nothing is known of the lane's server yet: one request at a time.
        assert!(!t.pairs_stream_requests(lane.index()));
        assert!(t.send_pair(&ack, &poll_request).await.is_none());
        assert_eq!(poll(&t, lane.index()).await.unwrap(), 200);
        // It chose HTTP/1.1: the pair goes in one write on the connection kept from the
        // poll, and both are answered in order.
        assert!(t.pairs_stream_requests(lane.index()));
        let before = relay.connections();
        let (acked, polled) = t
            .send_pair(&ack, &poll_request)
            .await
            .expect("pipelined")
            .unwrap();
        assert_eq!(acked.status, 200);
        assert_eq!(
            t.answer_second(polled, &poll_request).await.unwrap().status,
            200
        );
        assert_eq!(relay.connections(), before, "on the kept connection");
        assert_eq!(server.requests(), (3, 0));
        // An acknowledgement meant for another lane's stream is not paired with this poll.
        let elsewhere = stream_request(&t, reqwest::Method::POST, Some(0));
        assert!(t.send_pair(&elsewhere, &poll_request).await.is_none());
        // The first lane is the general client's pool: its polls are never pipelined.
        let pooled = stream_request(&t, reqwest::Method::GET, Some(0));
        assert!(t.send_pair(&ack, &pooled).await.is_none());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn where_a_lanes_server_speaks_http2_nothing_is_pipelined() {
        let (_server, _relay, t, lane) = over_tls(&[b"h2", b"http/1.1"]).await;
        assert_eq!(poll(&t, lane.index()).await.unwrap(), 200);
        assert!(!t.pairs_stream_requests(lane.index()));
        let ack = stream_request(&t, reqwest::Method::POST, None);
        let poll_request = stream_request(&t, reqwest::Method::GET, lane.index());
        assert!(t.send_pair(&ack, &poll_request).await.is_none());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_lane_whose_connection_was_cut_opens_another() {
        let server = Server::start().await;
        let relay = Relay::start(server.addr, None).await;
        let base = format!("http://127.0.0.1:{}/", relay.addr.port());
        let t = Arc::new(transport(&base, Http2::PriorKnowledge, None));
        let lane = t.lane();
        assert_eq!(poll(&t, lane.index()).await.unwrap(), 200);
        relay.cut();
        // A poll written before the connection task has seen the cut fails, as it would
        // on any client; the engine polls again after its backoff.
        match poll(&t, lane.index()).await {
            Ok(status) => assert_eq!(status, 200),
            Err(e) => assert!(matches!(e, Error::Transport { .. }), "{e:?}"),
        }
        for _ in 0..3 {
            assert_eq!(poll(&t, lane.index()).await.unwrap(), 200);
        }
        assert_eq!(relay.connections(), 2);

        // Polls that all find the connection gone open one new one between them. (One
        // written before the connection task saw the cut fails, as above.)
        relay.cut();
        for result in polls_together(&t, lane.index(), 5).await {
            match result {
                Ok(status) => assert_eq!(status, 200),
                Err(e) => assert!(matches!(e, Error::Transport { .. }), "{e:?}"),
            }
        }
        assert_eq!(poll(&t, lane.index()).await.unwrap(), 200);
        assert_eq!(relay.connections(), 3);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_lane_that_cannot_connect_fails_each_poll_as_a_transport_error() {
        // A port nobody listens on: bound, then closed.
        let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        let base = format!("http://127.0.0.1:{port}/");
        let t = Arc::new(transport(&base, Http2::PriorKnowledge, None));
        let lane = t.lane();
        for result in polls_together(&t, lane.index(), 4).await {
            match result {
                Err(Error::Transport { message }) => {
                    assert!(message.contains("cannot connect"), "{message}")
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_request_timeout_covers_the_connect_on_a_lane() {
        // Accepts, then says nothing: the TLS handshake never ends.
        let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = silent.local_addr().unwrap().port();
        let held = tokio::spawn(async move {
            let mut open = Vec::new();
            while let Ok((s, _)) = silent.accept().await {
                open.push(s);
            }
        });
        let base = format!("https://localhost:{port}/");
        let t = transport(&base, Http2::Negotiate, None);
        let lane = t.lane();
        // The lanes' connect timeout is 2 s; the request's, shorter, decides.
        let short = Some(Duration::from_millis(300));
        match poll_path(&t, "events", lane.index(), short).await {
            Err(Error::Timeout { message }) => {
                assert!(message.contains("300ms"), "{message}")
            }
            other => panic!("{other:?}"),
        }
        held.abort();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_a_lane_the_body_limit_and_the_timeout_hold() {
        let server = Server::start().await;
        let t = transport(&server.base_url(), Http2::PriorKnowledge, None)
            .with_max_response_bytes(16 * 1024);
        let lane = t.lane();
        match poll_path(&t, "big", lane.index(), None).await {
            Err(Error::Decode { message }) => {
                assert!(message.contains("max_response_bytes"), "{message}")
            }
            other => panic!("{other:?}"),
        }
        let short = Some(Duration::from_millis(200));
        match poll_path(&t, "slow", lane.index(), short).await {
            Err(Error::Timeout { .. }) => {}
            other => panic!("{other:?}"),
        }
        assert_eq!(poll(&t, lane.index()).await.unwrap(), 200);
        assert_eq!(
            server.counts.connections.load(Ordering::SeqCst),
            1,
            "the lane's connection outlived the cut-short answers"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_connect_that_failed_answers_the_polls_that_waited_for_it() {
        // Accepts and counts, then says nothing: every TLS handshake hangs.
        let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = silent.local_addr().unwrap().port();
        let accepts = Arc::new(AtomicUsize::new(0));
        let a = accepts.clone();
        let held = tokio::spawn(async move {
            let mut open = Vec::new();
            while let Ok((s, _)) = silent.accept().await {
                a.fetch_add(1, Ordering::SeqCst);
                open.push(s);
            }
        });
        let base = Url::parse(&format!("https://localhost:{port}/")).unwrap();
        let tls = tls_config(Http2::Negotiate, &[]).unwrap();
        let conn = Arc::new(
            H2Connection::new(
                &base,
                Some(tls.clone()),
                Duration::from_millis(300),
                h1_connections(&base, tls),
            )
            .unwrap(),
        );
        let opens = at_once(4, || {
            let conn = conn.clone();
            async move { conn.open().await }
        })
        .await;
        for result in opens {
            match result {
                Err(Error::Timeout { message }) => {
                    assert!(message.contains("connecting to"), "{message}")
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(
            accepts.load(Ordering::SeqCst),
            1,
            "one connect for the four"
        );
        held.abort();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_choice_of_http1_is_asked_again_once_it_has_aged() {
        let server = Server::start().await;
        let (root, tls) = certificate(&[b"http/1.1"]);
        let relay = Relay::start(server.addr, Some(tls)).await;
        let base = Url::parse(&format!("https://localhost:{}/", relay.addr.port())).unwrap();
        let tls = tls_config(Http2::Negotiate, &[root]).unwrap();
        let mut conn = H2Connection::new(
            &base,
            Some(tls.clone()),
            Duration::from_secs(2),
            h1_connections(&base, tls),
        )
        .unwrap();
        conn.http1_recheck = Duration::ZERO;
        for asked in 1..=3 {
            assert_eq!(conn.open().await.unwrap(), Protocol::Http1);
            assert_eq!(relay.offered_h2(), asked);
            // Past the recheck, nothing is pipelined on the old answer.
            assert!(conn.http1_now().is_none());
        }
    }

    /// The lanes of a client share the server's answer: one asks, the others take it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_lanes_of_a_client_share_a_choice_of_http1() {
        let server = Server::start().await;
        let (root, tls) = certificate(&[b"http/1.1"]);
        let relay = Relay::start(server.addr, Some(tls)).await;
        let base = Url::parse(&format!("https://localhost:{}/", relay.addr.port())).unwrap();
        let tls = tls_config(Http2::Negotiate, &[root]).unwrap();
        let shared = h1_connections(&base, tls.clone());
        let lanes: Vec<H2Connection> = (0..3)
            .map(|_| {
                H2Connection::new(
                    &base,
                    Some(tls.clone()),
                    Duration::from_secs(2),
                    shared.clone(),
                )
                .unwrap()
            })
            .collect();
        for lane in &lanes {
            assert_eq!(lane.open().await.unwrap(), Protocol::Http1);
        }
        assert_eq!(relay.offered_h2(), 1, "asked by the first lane alone");
    }
}
