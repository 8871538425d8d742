//! An HTTP/2 connection of our own, on which the long polls of event streams travel.
//!
//! A poll waiting through reqwest holds about 11 KB of heap: reqwest's pending request,
//! hyper-util's pool checkout and send futures, hyper's task per HTTP/2 request, the
//! call's state. The same request sent on an `h2` connection of our own holds a fraction
//! of that (its stream's state and the response future the poll awaits itself), and an
//! idle stream is mostly its waiting poll: over 10,000 idle streams the difference is some
//! 80 MB. Fewer tasks also mean fewer hand-offs, and fewer wake-ups, per response. The
//! lanes ([`crate::lanes`])
//! carry nothing but those polls, so this path needs only what a poll needs: connect (TCP,
//! then TLS with ALPN for `https://`), send, read the body (the transport caps it), and
//! connect again once the connection has ended. Everything else stays on reqwest:
//! commands, acknowledgements, tokens, and every request when a proxy is configured in the
//! environment, which only reqwest follows ([`proxy_in_environment`]).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use h2::client::SendRequest;
use tokio::net::TcpStream;
use url::Url;

use crate::config::Http2;
use crate::error::{Error, Result};

/// The windows and limits hyper's HTTP/2 client (reqwest's) uses, so that a response reads
/// as fast here as there: a stream may receive 2 MiB, the connection 5 MiB, before the
/// reader has released any; push is refused; response headers are capped at 16 KiB.
const STREAM_WINDOW: u32 = 2 * 1024 * 1024;
const CONNECTION_WINDOW: u32 = 5 * 1024 * 1024;
const MAX_HEADER_LIST: u32 = 16 * 1024;

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
    /// The server speaks HTTP/1.1 only (ALPN): never asked again for this connection's life.
    Http1,
}

/// One HTTP/2 connection to the base URL's host, opened on first use and again after it
/// ends. Cheap to share: every stream of a lane sends on it.
pub(crate) struct H2Connection {
    host: String,
    port: u16,
    tls: Option<Arc<rustls::ClientConfig>>,
    connect_timeout: Duration,
    inner: tokio::sync::Mutex<Inner>,
}

struct Inner {
    state: State,
    /// Counts the connections opened, so that a caller who found one closing replaces
    /// that one and not the next, which another caller may just have opened.
    generation: u64,
}

impl std::fmt::Debug for H2Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("H2Connection")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

impl H2Connection {
    /// A connection to `base`'s host, TLS with `tls` when it is `https://`.
    pub(crate) fn new(
        base: &Url,
        tls: Option<Arc<rustls::ClientConfig>>,
        connect_timeout: Duration,
    ) -> Result<Self> {
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
        Ok(H2Connection {
            host,
            port,
            tls,
            connect_timeout,
            inner: tokio::sync::Mutex::new(Inner {
                state: State::Closed,
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
                            self.host, self.port
                        ),
                    }))
                }
                Err(Unsent::Failed(e)) => return Err(SendError::Unsent(e)),
            };
            stale = Some(generation);
            // Waits while the server's limit of streams in flight is reached.
            let Ok(mut sender) = sender.ready().await else {
                continue;
            };
            let end = body.as_ref().is_none_or(Bytes::is_empty);
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
                self.host, self.port
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
        let mut inner = self.inner.lock().await;
        match &inner.state {
            State::Http1 => return Err(Unsent::Http1),
            State::Open(s) if stale != Some(inner.generation) => {
                return Ok((s.clone(), inner.generation))
            }
            _ => {}
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
                        self.host, self.port, self.connect_timeout
                    ),
                }))
            });
        match opened {
            Ok(sender) => {
                inner.generation += 1;
                inner.state = State::Open(sender.clone());
                Ok((sender, inner.generation))
            }
            Err(Unsent::Http1) => {
                tracing::debug!(host = %self.host, "the server chose HTTP/1.1; polls use the pool");
                inner.state = State::Http1;
                Err(Unsent::Http1)
            }
            Err(e) => Err(e),
        }
    }

    async fn connect(&self) -> std::result::Result<SendRequest<Bytes>, Unsent> {
        let not_made = |what: &str, e: &dyn std::error::Error| {
            Unsent::Failed(Error::Transport {
                message: format!(
                    "cannot {what} {}:{}: {}",
                    self.host,
                    self.port,
                    crate::transport::error_chain(e)
                ),
            })
        };
        let tcp = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| not_made("connect to", &e))?;
        // Polls are small and latency-bound, as reqwest's connections are set.
        let _ = tcp.set_nodelay(true);
        match &self.tls {
            None => handshake(tcp)
                .await
                .map_err(|e| not_made("speak HTTP/2 to", &e)),
            Some(config) => {
                let name = rustls::pki_types::ServerName::try_from(self.host.clone())
                    .map_err(|e| not_made("name for TLS", &e))?;
                let tls = tokio_rustls::TlsConnector::from(config.clone())
                    .connect(name, tcp)
                    .await
                    .map_err(|e| not_made("negotiate TLS with", &e))?;
                let alpn = tls.get_ref().1.alpn_protocol();
                // Offered h2 alone (prior knowledge), a server that names nothing is taken
                // at its word; offered both, only its explicit h2 means HTTP/2.
                let offered_http1 = config.alpn_protocols.iter().any(|p| p == b"http/1.1");
                if alpn != Some(b"h2".as_slice()) && offered_http1 {
                    return Err(Unsent::Http1);
                }
                handshake(tls)
                    .await
                    .map_err(|e| not_made("speak HTTP/2 to", &e))
            }
        }
    }
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
    //! Against the simulator behind a relay of our own, which can speak TLS with a chosen
    //! ALPN, count the connections made to it, and cut them.

    use super::*;
    use crate::auth::ClientCredentials;
    use crate::lanes::LaneHttp;
    use crate::secret::Secret;
    use crate::transport::{ApiRequest, Transport};
    use crate::{Error, RetryPolicy};
    use std::net::SocketAddr;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    use tokio::net::TcpListener;
    use tokio::task::JoinHandle;

    /// Relays every connection to `target`, terminating TLS when it has an acceptor.
    struct Relay {
        addr: SocketAddr,
        accepted: Arc<AtomicUsize>,
        pipes: Arc<Mutex<Vec<JoinHandle<()>>>>,
        listener: JoinHandle<()>,
    }

    impl Relay {
        async fn start(target: SocketAddr, tls: Option<tokio_rustls::TlsAcceptor>) -> Relay {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let accepted = Arc::new(AtomicUsize::new(0));
            let pipes = Arc::new(Mutex::new(Vec::new()));
            let (a, p) = (accepted.clone(), pipes.clone());
            let listener = tokio::spawn(async move {
                while let Ok((inbound, _)) = listener.accept().await {
                    a.fetch_add(1, Ordering::SeqCst);
                    let tls = tls.clone();
                    p.lock().unwrap().push(tokio::spawn(async move {
                        let Ok(mut outbound) = TcpStream::connect(target).await else {
                            return;
                        };
                        let _ = match tls {
                            Some(acceptor) => match acceptor.accept(inbound).await {
                                Ok(mut s) => {
                                    tokio::io::copy_bidirectional(&mut s, &mut outbound).await
                                }
                                Err(_) => return,
                            },
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
                pipes,
                listener,
            }
        }

        fn connections(&self) -> usize {
            self.accepted.load(Ordering::SeqCst)
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

    /// A certificate for `localhost`, and a TLS acceptor offering `alpn` with it.
    fn certificate(
        alpn: &[&[u8]],
    ) -> (
        rustls::pki_types::CertificateDer<'static>,
        tokio_rustls::TlsAcceptor,
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
        (cert, tokio_rustls::TlsAcceptor::from(Arc::new(server)))
    }

    /// A transport to `base` whose pool and lanes trust `root`, with lanes of our own.
    fn transport(
        sim: &ccbridge_sim::Simulator,
        base: &str,
        http2: Http2,
        root: Option<&rustls::pki_types::CertificateDer<'static>>,
    ) -> Transport {
        let base = Url::parse(base).unwrap();
        let mut pool = reqwest::Client::builder()
            .use_rustls_tls()
            .redirect(reqwest::redirect::Policy::none());
        pool = match http2 {
            Http2::PriorKnowledge => pool.http2_prior_knowledge(),
            _ => pool,
        };
        if let Some(root) = root {
            pool = pool.add_root_certificate(reqwest::Certificate::from_der(root).unwrap());
        }
        let pool = pool.build().unwrap();
        let c = sim.config();
        let auth = Arc::new(ClientCredentials::new(
            pool.clone(),
            base.join("via/v2/oauth2/token").unwrap(),
            c.client_id.clone(),
            Secret::from(c.client_secret.as_str()),
            Vec::new(),
        ));
        let tls = tls_config(
            http2,
            root.into_iter().cloned().collect::<Vec<_>>().as_slice(),
        )
        .unwrap();
        let lane_base = base.clone();
        Transport::new(
            pool,
            base,
            Secret::from(c.api_key.as_str()),
            auth,
            RetryPolicy::default(),
            Duration::from_secs(5),
        )
        .with_lanes(
            Box::new(move || {
                H2Connection::new(&lane_base, Some(tls.clone()), Duration::from_secs(2))
                    .map(|c| LaneHttp::Direct(Arc::new(c)))
            }),
            10,
        )
    }

    async fn new_session(t: &Transport, org: &str) -> String {
        let mut req = ApiRequest::new(
            "test.createSession",
            reqwest::Method::POST,
            format!("via/v3/organizations/{org}/streaming/session"),
        );
        req.body = Some(serde_json::json!({"requireAcknowledgement": false}));
        let resp = t.send(req).await.unwrap();
        resp.body.unwrap()["sessionId"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// One poll on `lane`: its status, or the error.
    async fn poll(t: &Transport, org: &str, sid: &str, lane: Option<usize>) -> crate::Result<u16> {
        poll_within(t, org, sid, lane, None).await
    }

    async fn poll_within(
        t: &Transport,
        org: &str,
        sid: &str,
        lane: Option<usize>,
        timeout: Option<Duration>,
    ) -> crate::Result<u16> {
        let mut req = ApiRequest::new(
            "test.getEvents",
            reqwest::Method::GET,
            format!("via/v3/organizations/{org}/streaming/events"),
        );
        req.session_id = Some(sid.to_string());
        req.retry = false;
        req.lane = lane;
        req.timeout = timeout;
        t.send(req).await.map(|r| r.status)
    }

    fn sim() -> ccbridge_sim::Simulator {
        ccbridge_sim::Simulator::start_blocking(ccbridge_sim::SimConfig {
            poll_wait: Duration::from_millis(100),
            ..ccbridge_sim::SimConfig::default()
        })
        .unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn over_tls_with_h2_chosen_the_polls_of_a_lane_share_one_connection() {
        let sim = sim();
        let org = sim.config().org_id.clone();
        let (root, acceptor) = certificate(&[b"h2", b"http/1.1"]);
        let relay = Relay::start(sim.addr(), Some(acceptor)).await;
        let base = format!("https://localhost:{}/", relay.addr.port());
        let t = Arc::new(transport(&sim, &base, Http2::Negotiate, Some(&root)));
        let sid = new_session(&t, &org).await;
        let before = (relay.connections(), sim.state().stats().http2_requests);
        let lane = t.lane();
        let polls: Vec<_> = (0..5)
            .map(|_| {
                let (t, org, sid, index) = (t.clone(), org.clone(), sid.clone(), lane.index());
                tokio::spawn(async move { poll(&t, &org, &sid, index).await })
            })
            .collect();
        for p in polls {
            assert_eq!(p.await.unwrap().unwrap(), 200);
        }
        let after = (relay.connections(), sim.state().stats().http2_requests);
        assert_eq!(after.0 - before.0, 1, "one connection for the lane's polls");
        assert_eq!(after.1 - before.1, 5, "the polls went over HTTP/2");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn over_tls_with_http1_chosen_the_polls_go_to_the_pool() {
        let sim = sim();
        let org = sim.config().org_id.clone();
        let (root, acceptor) = certificate(&[b"http/1.1"]);
        let relay = Relay::start(sim.addr(), Some(acceptor)).await;
        let base = format!("https://localhost:{}/", relay.addr.port());
        let t = transport(&sim, &base, Http2::Negotiate, Some(&root));
        let sid = new_session(&t, &org).await;
        let lane = t.lane();
        for _ in 0..3 {
            assert_eq!(poll(&t, &org, &sid, lane.index()).await.unwrap(), 200);
        }
        let stats = sim.state().stats();
        assert_eq!(stats.http2_requests, 0, "{stats:?}");
        assert!(stats.total_requests >= 5, "{stats:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_lane_whose_connection_was_cut_opens_another() {
        let sim = sim();
        let org = sim.config().org_id.clone();
        let relay = Relay::start(sim.addr(), None).await;
        let base = format!("http://127.0.0.1:{}/", relay.addr.port());
        let t = transport(&sim, &base, Http2::PriorKnowledge, None);
        let sid = new_session(&t, &org).await;
        let lane = t.lane();
        assert_eq!(poll(&t, &org, &sid, lane.index()).await.unwrap(), 200);
        let before = relay.connections();
        relay.cut();
        // A poll written before the connection task has seen the cut fails, as it would
        // on any client; the engine polls again after its backoff.
        match poll(&t, &org, &sid, lane.index()).await {
            Ok(status) => assert_eq!(status, 200),
            Err(e) => assert!(matches!(e, Error::Transport { .. }), "{e:?}"),
        }
        for _ in 0..3 {
            assert_eq!(poll(&t, &org, &sid, lane.index()).await.unwrap(), 200);
        }
        // The pool's connection was cut too: at most one for it, one for the lane.
        let opened = relay.connections() - before;
        assert!((1..=2).contains(&opened), "{opened}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_lane_that_cannot_connect_fails_as_not_sent() {
        let sim = sim();
        let org = sim.config().org_id.clone();
        // A port nobody listens on: bound, then closed.
        let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        let conn = H2Connection::new(
            &Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap(),
            None,
            Duration::from_secs(2),
        )
        .unwrap();
        let req = http::Request::get(format!("http://127.0.0.1:{port}/x"))
            .body(())
            .unwrap();
        match conn.send(req, None).await {
            Err(SendError::Unsent(Error::Transport { message })) => {
                assert!(message.contains("cannot connect"), "{message}")
            }
            other => panic!("{other:?}"),
        }
        drop((sim, org));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_a_lane_the_body_limit_and_the_timeout_hold() {
        let sim = sim();
        let org = sim.config().org_id.clone();
        let limit = 16 * 1024;
        let t = transport(&sim, &sim.base_url(), Http2::PriorKnowledge, None)
            .with_max_response_bytes(limit);
        let sid = new_session(&t, &org).await;
        let lane = t.lane();
        let queued = reqwest::Client::new()
            .post(format!("{}/sim/events", sim.base_url()))
            .json(&serde_json::json!({
                "sessionId": sid,
                "eventType": "engagementCenter.ScreenPop",
                "payload": {"blob": "b".repeat(64 * 1024)},
            }))
            .send()
            .await
            .unwrap();
        assert!(queued.status().is_success());
        match poll(&t, &org, &sid, lane.index()).await {
            Err(Error::Decode { message }) => {
                assert!(message.contains("max_response_bytes"), "{message}")
            }
            other => panic!("{other:?}"),
        }
        // The simulator holds an empty poll 100 ms.
        let short = Some(Duration::from_millis(20));
        match poll_within(&t, &org, &sid, lane.index(), short).await {
            Err(Error::Timeout { .. }) => {}
            other => panic!("{other:?}"),
        }
        assert_eq!(poll(&t, &org, &sid, lane.index()).await.unwrap(), 200);
        assert_eq!(
            sim.state().stats().http2_connections,
            2,
            "the pool's and the lane's"
        );
    }
}
