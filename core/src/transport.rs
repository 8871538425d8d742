//! The single HTTP path of ccbridge: auth, headers, retries, rate limits and error mapping.
//!
//! Every request of every API goes through [`Transport::send`] (the engine's polls through
//! its second half, `send_prepared`, with a URL resolved once per session), so the rules
//! live in one place: `x-api-key` on every call, `via-client-sessionid` where the operation
//! needs it, a single token refresh on a 401, full-jitter backoff on 429/5xx/connect
//! errors/timeouts, a retry budget, and pacing from the server's rate-limit headers.

use crate::auth::AuthProvider;
use crate::config::{Http2, RetryPolicy, DEFAULT_MAX_RESPONSE_BYTES};
use crate::error::{Error, ErrorResponse, Recovery, Result};
use crate::h1_connections::{Answer, H1Connections, H1Request, SecondOfPair};
use crate::h2_connection::{H2Connection, Protocol, SendError};
use crate::lanes::{BuildLane, Lane, LaneHttp, Lanes};
use crate::ops::AuthKind;
use crate::secret::Secret;
use crate::sync::lock;
use rand::Rng;
use reqwest::header::{
    HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER, USER_AGENT,
};
use reqwest::Method;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use tracing::Instrument;
use url::Url;

/// Header carrying the streaming session id on session-bound operations.
pub const SESSION_HEADER: &str = "via-client-sessionid";
/// Header carrying the API key on every Via request.
pub const API_KEY_HEADER: &str = "x-api-key";
/// The `User-Agent` of every request.
const USER_AGENT_VALUE: &str = concat!("ccbridge/", env!("CARGO_PKG_VERSION"));
/// The message with which the service reports a dead streaming session.
pub(crate) const INVALID_SESSION: &str = "invalid or expired session";

/// One request, before auth and retries.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    /// Operation name, for logs and spans.
    pub op: &'static str,
    /// HTTP method.
    pub method: Method,
    /// Path relative to the base URL, without a leading slash.
    pub path: String,
    /// Query parameters.
    pub query: Vec<(String, String)>,
    /// JSON body.
    pub body: Option<Value>,
    /// A JSON body encoded already, sent instead of `body` (`Content-Type:
    /// application/json`, as is): for bodies built without a JSON tree, such as the
    /// engine's acknowledgements, whose ids came from the service.
    pub encoded_body: Option<bytes::Bytes>,
    /// Value of `via-client-sessionid`, for session-bound operations.
    pub session_id: Option<String>,
    /// Overrides the configured request timeout (long polls need a longer one).
    pub timeout: Option<Duration>,
    /// Whether the transport may retry. The stream engine turns it off for polls: it runs
    /// its own backoff and must not hide a dead session behind retries.
    pub retry: bool,
    /// Which credential goes in `Authorization`.
    pub auth: AuthKind,
    /// Whether sending the request twice does no harm (the description's
    /// `x-safe-to-retry`; by default GET, PUT, DELETE and HEAD). A request that is not is
    /// sent again only when the service certainly did not act on it: the connection could
    /// not be made, or it answered 429. After a 5xx, a timeout or a dropped connection it
    /// fails with [`Error::OutcomeUnknown`] instead.
    pub idempotent: bool,
    /// Hand a successful body over as bytes ([`ApiResponse::raw`]) instead of decoding it
    /// into [`ApiResponse::body`]: the stream engine decodes event batches straight into
    /// its own types, without a JSON tree in between.
    pub raw_body: bool,
    /// The lane (HTTP/2 connection) of the event stream whose poll it is; `None`: the
    /// client's first pool, which carries every request but the polls (and the
    /// acknowledgements pipelined before them, [`Transport::send_pair`]).
    pub lane: Option<usize>,
    /// A request of an event stream's engine (its poll, its acknowledgements): where
    /// HTTP/2 is not spoken, one safe to repeat goes on the HTTP/1.1 connections of the
    /// transport's own (see `h1_connections`), where the acknowledgement the poller sends
    /// before its next poll finds the poll's connection free.
    pub(crate) of_stream: bool,
}

impl ApiRequest {
    /// A request with no query, body or session, retried by default.
    pub fn new(op: &'static str, method: Method, path: String) -> Self {
        ApiRequest {
            op,
            method: method.clone(),
            path,
            query: Vec::new(),
            body: None,
            encoded_body: None,
            session_id: None,
            timeout: None,
            idempotent: matches!(
                method,
                Method::GET | Method::PUT | Method::DELETE | Method::HEAD
            ),
            retry: true,
            auth: AuthKind::OAuth2,
            raw_body: false,
            lane: None,
            of_stream: false,
        }
    }
}

/// A request with its URL (base URL, path and query) resolved once, to be sent any number
/// of times: the stream engine keeps its poll's for a whole session, so that an idle
/// stream's re-polls skip building and parsing it again.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    req: ApiRequest,
    url: Url,
}

impl Prepared {
    /// The request it was prepared from.
    pub(crate) fn request(&self) -> &ApiRequest {
        &self.req
    }
}

/// A successful response.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    /// HTTP status (2xx).
    pub status: u16,
    /// Decoded JSON body; `None` for an empty body (202, 204), or when the request asked
    /// for the raw body.
    pub body: Option<Value>,
    /// The body as received, when the request asked for it ([`ApiRequest::raw_body`]).
    pub raw: Option<bytes::Bytes>,
    /// `x-correlation-id` response header, when the service sent one.
    pub correlation_id: Option<String>,
}

/// The last rate-limit figures the server reported for one window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimit {
    /// Window name as in the header suffix: `second`, `minute`, `hour`, `day`.
    pub window: String,
    /// `X-RateLimit-Limit-{window}`.
    pub limit: Option<u64>,
    /// `X-RateLimit-Remaining-{window}`.
    pub remaining: Option<u64>,
}

#[derive(Debug, Default)]
struct RateState {
    windows: Vec<RateLimit>,
    /// Requests wait until then: the server said the current window is used up.
    paused_until: Option<Instant>,
}

#[derive(Debug)]
struct RetryBudget {
    tokens: u32,
}

/// The HTTP transport shared by all the operations of one client.
#[derive(Debug)]
pub struct Transport {
    http: reqwest::Client,
    /// With HTTP/2, the connections event streams are spread over.
    lanes: Option<Arc<Lanes>>,
    /// Without HTTP/2 (and without a proxy), where the requests of event streams go.
    h1_connections: Option<Arc<H1Connections>>,
    base_url: Url,
    api_key: Secret,
    auth: Arc<dyn AuthProvider>,
    web_tokens: Option<Arc<dyn AuthProvider>>,
    retry: RetryPolicy,
    request_timeout: Duration,
    max_response_bytes: u64,
    budget: Mutex<RetryBudget>,
    rate: Mutex<RateState>,
    /// Until when no requests are pipelined: one pipelined behind another went unanswered
    /// while the one before it was answered, so something on the way (a proxy, a load
    /// balancer) may not take them ([`Transport::answer_second`]).
    pipelining_refused: Mutex<Refused>,
    /// Whether pipelining may be used at all ([`crate::ViaConfigBuilder::http1_pipelining`]).
    pipelining: bool,
    /// The longest a pipelined request is expected to wait for its answer: the service's
    /// long-poll wait. One whose timeout is shorter may run out of time for no other reason.
    pipelined_answer_wait: Duration,
}

impl Transport {
    /// Creates a transport. `http` should be shared with the auth provider.
    pub fn new(
        http: reqwest::Client,
        base_url: Url,
        api_key: Secret,
        auth: Arc<dyn AuthProvider>,
        retry: RetryPolicy,
        request_timeout: Duration,
    ) -> Self {
        let tokens = retry.budget_capacity;
        Transport {
            http,
            lanes: None,
            h1_connections: None,
            base_url,
            api_key,
            auth,
            web_tokens: None,
            retry,
            request_timeout,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            budget: Mutex::new(RetryBudget { tokens }),
            rate: Mutex::new(RateState::default()),
            pipelining_refused: Mutex::new(Refused::default()),
            pipelining: true,
            pipelined_answer_wait: crate::via::streaming::SERVER_POLL_WAIT,
        }
    }

    /// Adds the provider of public-chat web tokens, for [`AuthKind::WebToken`] requests.
    pub fn with_web_tokens(mut self, provider: Arc<dyn AuthProvider>) -> Self {
        self.web_tokens = Some(provider);
        self
    }

    /// Spreads the event streams over HTTP/2 connections built by `build`, at most
    /// `per_lane` streams each (see [`crate::ViaConfigBuilder::http2`]).
    pub(crate) fn with_lanes(mut self, build: BuildLane, per_lane: usize) -> Self {
        self.lanes = Some(Lanes::new(self.http.clone(), build, per_lane));
        self
    }

    /// Sends the polls and acknowledgements of event streams over the HTTP/1.1
    /// connections of `connections` (where there are no lanes).
    pub(crate) fn with_h1_connections(mut self, connections: Arc<H1Connections>) -> Self {
        self.h1_connections = Some(connections);
        self
    }

    /// Allows or forbids pipelining ([`crate::ViaConfigBuilder::http1_pipelining`]); allowed
    /// unless set.
    pub(crate) fn with_pipelining(mut self, allowed: bool) -> Self {
        self.pipelining = allowed;
        self
    }

    /// A place for one event stream's polls: a lane of its own when HTTP/2 may be spoken,
    /// nothing when it is ruled out.
    pub(crate) fn lane(&self) -> Lane {
        self.lanes.as_ref().map(|l| l.take()).unwrap_or_default()
    }

    /// Sets the largest response body read ([`crate::ViaConfigBuilder::max_response_bytes`]
    /// documents what happens past it); [`DEFAULT_MAX_RESPONSE_BYTES`] unless set.
    pub fn with_max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }

    fn provider(&self, kind: AuthKind) -> Result<Option<&Arc<dyn AuthProvider>>> {
        match kind {
            AuthKind::OAuth2 => Ok(Some(&self.auth)),
            AuthKind::WebToken => self
                .web_tokens
                .as_ref()
                .map(Some)
                .ok_or_else(|| Error::invalid("auth", "this client has no web-token provider")),
            AuthKind::None => Ok(None),
            AuthKind::Basic => Err(Error::invalid(
                "auth",
                "basic auth belongs to the Apps API client",
            )),
        }
    }

    /// Builds the shared reqwest client: rustls, connect timeout, no redirects (a redirect
    /// would resend credentials to a host nobody configured), the HTTP versions of `http2`
    /// (see [`crate::ViaConfigBuilder::http2`]) for a base URL that is `plain_http` or not.
    pub fn http_client(
        connect_timeout: Duration,
        http2: Http2,
        plain_http: bool,
    ) -> Result<reqwest::Client> {
        let builder = reqwest::Client::builder();
        let builder = match http2 {
            Http2::PriorKnowledge => builder.http2_prior_knowledge(),
            // Over TLS, reqwest offers both in ALPN and the server picks.
            Http2::Negotiate if !plain_http => builder,
            Http2::Negotiate | Http2::Off => builder.http1_only(),
        };
        builder
            .use_rustls_tls()
            .connect_timeout(connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(USER_AGENT_VALUE)
            .build()
            .map_err(|e| Error::Transport {
                message: format!("cannot build the HTTP client: {e}"),
            })
    }

    /// The last rate-limit figures seen, one entry per window.
    pub fn rate_limits(&self) -> Vec<RateLimit> {
        lock(&self.rate).windows.clone()
    }

    /// Sends a request with auth, retries and error mapping.
    pub async fn send(&self, req: ApiRequest) -> Result<ApiResponse> {
        let prepared = self.prepare(req)?;
        self.send_prepared(&prepared).await
    }

    /// `req` with its URL resolved against the base URL, query included, ready to be sent
    /// any number of times.
    pub(crate) fn prepare(&self, req: ApiRequest) -> Result<Prepared> {
        let mut url = self
            .base_url
            .join(&req.path)
            .map_err(|e| Error::invalid("path", e.to_string()))?;
        if !req.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&req.query);
        }
        Ok(Prepared { req, url })
    }

    /// Sends a prepared request, as [`Transport::send`] does.
    pub(crate) async fn send_prepared(&self, prepared: &Prepared) -> Result<ApiResponse> {
        let req = &prepared.req;
        let span = tracing::debug_span!("ccbridge.request", op = req.op, method = %req.method);
        self.send_inner(req, &prepared.url, false)
            .instrument(span)
            .await
    }

    /// Whether [`Transport::send_pair`] pipelines the requests of the event stream polling
    /// on `lane`: see [`Transport::pairing_connections`].
    pub(crate) fn pairs_stream_requests(&self, lane: Option<usize>) -> bool {
        self.pairing_connections(lane).is_some()
    }

    /// The HTTP/1.1 connections of the transport's own on which the requests of the event
    /// stream polling on `lane` are pipelined: where pipelining is allowed, no pipelined
    /// request went unanswered lately, and the stream's requests go over HTTP/1.1 (no
    /// lanes, or a lane whose server chose HTTP/1.1 in TLS negotiation).
    fn pairing_connections(&self, lane: Option<usize>) -> Option<Arc<H1Connections>> {
        if !self.pipelining
            || matches!(lock(&self.pipelining_refused).until, Some(until) if Instant::now() < until)
        {
            return None;
        }
        match (&self.lanes, &self.h1_connections) {
            (None, Some(connections)) => Some(connections.clone()),
            (Some(lanes), _) => match lanes.http(Some(lane?)) {
                LaneHttp::Direct(conn) => conn.http1_now().cloned(),
                LaneHttp::Http1(connections) => Some(connections),
                LaneHttp::Pool(_) => None,
            },
            (None, None) => None,
        }
    }

    /// Sends two prepared requests of an event stream, each safe to repeat, the second
    /// sent once (a poll), pipelined on one HTTP/1.1 connection of the transport's own (see
    /// [`H1Connections::send_pair`]): an acknowledgement and the poll behind it cost one
    /// write and one wait. Returns the first's response, and the second, whose response
    /// [`Transport::answer_second`] reads.
    ///
    /// `None` when they would not go there (pipelining turned off, HTTP/2 or nothing known
    /// yet of the poll's lane, the first lane, a proxy in the environment, pipelining
    /// resting after a pipelined poll went unanswered) or cannot be paired (they differ in
    /// credentials or lanes, or the second has retries): nothing was sent.
    /// An error is the first's, tried once here (a refused token is renewed for the next
    /// request): the second is given up, and the caller sends both the usual way, the first
    /// with its whole retry policy.
    pub(crate) async fn send_pair(
        &self,
        first: &Prepared,
        second: &Prepared,
    ) -> Option<Result<(ApiResponse, PairedSecond)>> {
        // The second is the stream's poll, which names its lane; the first, its
        // acknowledgement, goes wherever the poll goes.
        let connections = self.pairing_connections(second.req.lane)?;
        let pairable =
            |p: &Prepared| p.req.of_stream && p.req.idempotent && p.req.auth == first.req.auth;
        let same_lane = first.req.lane.is_none() || first.req.lane == second.req.lane;
        if !(pairable(first) && pairable(second)) || second.req.retry || !same_lane {
            return None;
        }
        let span = tracing::debug_span!(
            "ccbridge.request",
            op = first.req.op,
            method = %first.req.method,
            pipelined = second.req.op
        );
        Some(
            self.send_pair_inner(connections, first, second)
                .instrument(span)
                .await,
        )
    }

    async fn send_pair_inner(
        &self,
        connections: Arc<H1Connections>,
        first: &Prepared,
        second: &Prepared,
    ) -> Result<(ApiResponse, PairedSecond)> {
        self.pace().await;
        let provider = self.provider(first.req.auth)?;
        let authorization = match provider {
            Some(p) => Some(p.authorization().await?),
            None => None,
        };
        let out1 = self.request(&first.req, first.url.clone(), authorization.as_ref())?;
        let out2 = self.request(&second.req, second.url.clone(), authorization.as_ref())?;
        let uri = |out: &Outgoing| {
            out.uri().map_err(|e| match e {
                AttemptError::NotSent(e)
                | AttemptError::Unauthorized(e)
                | AttemptError::Other(e) => e,
            })
        };
        let (uri1, uri2) = (uri(&out1)?, uri(&out2)?);
        let timeout = first.req.timeout.unwrap_or(self.request_timeout);
        let sent = connections.send_pair(
            H1Request {
                method: out1.method,
                uri: uri1,
                headers: out1.headers,
                body: out1.body.as_deref(),
            },
            H1Request {
                method: out2.method,
                uri: uri2,
                headers: out2.headers,
                body: out2.body.as_deref(),
            },
            self.max_response_bytes,
        );
        let (answer, pending) = match tokio::time::timeout(timeout, sent).await {
            Err(_) => return Err(timed_out(timeout)),
            Ok(Err(SendError::Unsent(e) | SendError::Failed(e))) => return Err(e),
            Ok(Ok(answered)) => answered,
        };
        let heard = self.heard(&answer.headers);
        match self.conclude(&first.req, answer.status.as_u16(), heard, answer.body) {
            Ok(resp) => {
                self.refund();
                Ok((
                    resp,
                    PairedSecond {
                        pending,
                        connections,
                        authorization,
                    },
                ))
            }
            Err(AttemptError::Unauthorized(e)) => {
                if let (Some(p), Some(a)) = (provider, &authorization) {
                    p.invalidate(a);
                }
                Err(e)
            }
            Err(AttemptError::NotSent(e) | AttemptError::Other(e)) => Err(e),
        }
    }

    /// The response to the second request of [`Transport::send_pair`], `second`, as
    /// [`Transport::send_prepared`] would return it: a refused token is renewed and the
    /// request sent once more, the usual way; so is a request that went unanswered on its
    /// connection, and pipelining then rests.
    pub(crate) async fn answer_second(
        &self,
        paired: PairedSecond,
        second: &Prepared,
    ) -> Result<ApiResponse> {
        let PairedSecond {
            pending,
            connections,
            authorization,
        } = paired;
        let timeout = second.req.timeout.unwrap_or(self.request_timeout);
        let (answer, unanswered) = connections
            .answer_second(pending, self.max_response_bytes, timeout)
            .await;
        // A long poll is answered within the service's wait: one that is not, within a
        // timeout longer than that wait, behind an answered request on its connection, was
        // not taken. Pipelining rests, longer each time, as it may have been the network;
        // the poll is sent again the usual way at once, as nothing of it was answered.
        if unanswered && timeout > self.pipelined_answer_wait {
            let pause = {
                let mut refused = lock(&self.pipelining_refused);
                let pause = PIPELINING_PAUSE
                    .saturating_mul(1 << refused.times.min(6))
                    .min(PIPELINING_PAUSE_MAX);
                refused.times = refused.times.saturating_add(1);
                refused.until = Some(Instant::now() + pause);
                pause
            };
            tracing::warn!(
                pause_s = pause.as_secs(),
                "a poll pipelined behind an acknowledgement went unanswered; requests of event streams go one at a time for a while"
            );
            let span = tracing::debug_span!("ccbridge.request", op = second.req.op, method = %second.req.method);
            return self
                .send_inner(&second.req, &second.url, false)
                .instrument(span)
                .await;
        }
        let attempt = match answer {
            Ok(answer) => {
                let heard = self.heard(&answer.headers);
                self.conclude(&second.req, answer.status.as_u16(), heard, answer.body)
            }
            Err(SendError::Unsent(e)) => Err(AttemptError::NotSent(e)),
            Err(SendError::Failed(e)) => Err(AttemptError::Other(e)),
        };
        match attempt {
            Ok(resp) => {
                self.refund();
                Ok(resp)
            }
            Err(AttemptError::Unauthorized(e)) => match self.provider(second.req.auth)? {
                Some(p) => {
                    if let Some(a) = &authorization {
                        p.invalidate(a);
                    }
                    let span = tracing::debug_span!("ccbridge.request", op = second.req.op, method = %second.req.method);
                    self.send_inner(&second.req, &second.url, true)
                        .instrument(span)
                        .await
                }
                None => Err(e),
            },
            Err(AttemptError::NotSent(e) | AttemptError::Other(e)) => Err(e),
        }
    }

    /// `refreshed`: the token was renewed for this request already, after a 401 to it.
    async fn send_inner(
        &self,
        req: &ApiRequest,
        url: &Url,
        mut refreshed: bool,
    ) -> Result<ApiResponse> {
        let max_attempts = if req.retry {
            self.retry.max_attempts
        } else {
            1
        };
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            self.pace().await;
            let provider = self.provider(req.auth)?;
            let authorization = match provider {
                Some(p) => p.authorization().await.map(Some),
                None => Ok(None),
            };
            // A token that could not be had (the token endpoint rate-limited, failed or was
            // unreachable) leaves the request unsent: it waits and is tried again under the
            // same policy as a refused connection, whatever the request is.
            let result = match &authorization {
                Ok(a) => self.attempt(req, url.clone(), a.as_ref()).await,
                Err(e) => Err(AttemptError::NotSent(e.clone())),
            };
            let authorization = authorization.ok().flatten();
            let err = match result {
                Ok(resp) => {
                    self.refund();
                    return Ok(resp);
                }
                Err(AttemptError::Unauthorized(err)) if !refreshed && provider.is_some() => {
                    // One refresh per request: the token may have been revoked or expired
                    // early. A second 401 means the credentials or API key are wrong.
                    tracing::debug!("401: refreshing the token once");
                    if let (Some(p), Some(a)) = (provider, &authorization) {
                        p.invalidate(a);
                    }
                    refreshed = true;
                    attempt -= 1;
                    let _ = err;
                    continue;
                }
                Err(AttemptError::NotSent(err)) => err,
                Err(AttemptError::Unauthorized(err)) | Err(AttemptError::Other(err)) => {
                    // Only an answer that says nothing happened (429) leaves a request that
                    // is not safe to repeat free to be sent again.
                    if !req.idempotent
                        && err.recovery() == Recovery::Retry
                        && !matches!(err, Error::RateLimited { .. })
                    {
                        return Err(Error::OutcomeUnknown {
                            message: format!(
                                "{}: {err}; the service may have acted on it, so it was not sent again",
                                req.op
                            ),
                        });
                    }
                    err
                }
            };
            if err.recovery() != Recovery::Retry || attempt >= max_attempts {
                return Err(err);
            }
            let delay = match &err {
                Error::RateLimited {
                    retry_after: Some(ra),
                } => {
                    if *ra > self.retry.max_retry_after {
                        return Err(err);
                    }
                    *ra
                }
                _ => self.backoff(attempt),
            };
            let cost = match err {
                Error::Timeout { .. } => self.retry.budget_retry_cost * 2,
                _ => self.retry.budget_retry_cost,
            };
            if !self.withdraw(cost) {
                tracing::warn!("retry budget exhausted; not retrying");
                return Err(err);
            }
            tracing::debug!(attempt, delay_ms = delay.as_millis() as u64, error = %err, "retrying");
            tokio::time::sleep(delay).await;
        }
    }

    async fn attempt(
        &self,
        req: &ApiRequest,
        url: Url,
        authorization: Option<&Secret>,
    ) -> std::result::Result<ApiResponse, AttemptError> {
        let request = self
            .request(req, url, authorization)
            .map_err(AttemptError::Other)?;
        let timeout = req.timeout.unwrap_or(self.request_timeout);
        let route = match (&self.lanes, req.lane, &self.h1_connections) {
            // Lanes carry polls, and where a lane's server speaks HTTP/1.1 they go on the
            // HTTP/1.1 connections of our own, which take only requests safe to repeat.
            (Some(lanes), Some(_), _) if req.idempotent => lanes.http(req.lane),
            (None, _, Some(connections)) if req.of_stream && req.idempotent => {
                LaneHttp::Http1(connections.clone())
            }
            _ => LaneHttp::Pool(self.http.clone()),
        };
        let reply = match route {
            LaneHttp::Pool(http) => Reply::pooled(&http, request, timeout).await?,
            LaneHttp::Http1(connections) => {
                let deadline = deadline_after(timeout);
                Reply::own_http1(
                    &connections,
                    request,
                    deadline,
                    timeout,
                    self.max_response_bytes,
                )
                .await?
            }
            LaneHttp::Direct(conn) => {
                // The request's timeout covers the connect too, as reqwest's does.
                let deadline = deadline_after(timeout);
                match tokio::time::timeout_at(deadline, conn.open()).await {
                    Err(_) => {
                        return Err(AttemptError::NotSent(Error::Timeout {
                            message: format!(
                                "{}: no connection within {timeout:?}; not sent",
                                req.op
                            ),
                        }))
                    }
                    Ok(Err(e)) => return Err(AttemptError::NotSent(e)),
                    // HTTP/1.1 connections of our own, one per poll in flight as HTTP/1.1
                    // must.
                    Ok(Ok(Protocol::Http1)) => {
                        Reply::own_http1(
                            conn.http1(),
                            request,
                            deadline,
                            timeout,
                            self.max_response_bytes,
                        )
                        .await?
                    }
                    Ok(Ok(Protocol::Http2)) => {
                        Reply::direct(&conn, request, deadline, timeout).await?
                    }
                }
            }
        };
        let status = reply.status();
        let heard = self.heard(reply.headers());
        let body = reply
            .body(self.max_response_bytes, timeout)
            .await
            .map_err(AttemptError::Other)?;
        self.conclude(req, status, heard, body)
    }

    /// What a response's headers tell, read before its body: the rate limits (noted for
    /// pacing), `Retry-After`, the correlation id.
    fn heard(&self, headers: &HeaderMap) -> Heard {
        self.observe_rate_limits(headers);
        Heard {
            retry_after: parse_retry_after(headers),
            correlation_id: headers
                .get("x-correlation-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
        }
    }

    /// A response read whole, as the answer to `req`: its body decoded as asked, or the
    /// error its status says.
    fn conclude(
        &self,
        req: &ApiRequest,
        status: u16,
        heard: Heard,
        body: LimitedBody,
    ) -> std::result::Result<ApiResponse, AttemptError> {
        let Heard {
            retry_after,
            correlation_id,
        } = heard;
        let bytes = body.bytes;
        tracing::debug!(
            status,
            bytes = bytes.len(),
            truncated = body.truncated,
            "response"
        );
        if (200..300).contains(&status) {
            if body.truncated {
                tracing::warn!(
                    limit = self.max_response_bytes,
                    "response body over max_response_bytes; not read"
                );
                return Err(AttemptError::Other(body_too_large(
                    req.op,
                    self.max_response_bytes,
                )));
            }
            if req.raw_body {
                return Ok(ApiResponse {
                    status,
                    body: None,
                    raw: Some(bytes),
                    correlation_id,
                });
            }
            let body = if bytes.iter().all(u8::is_ascii_whitespace) {
                None
            } else {
                Some(serde_json::from_slice(&bytes).map_err(|e| {
                    AttemptError::Other(Error::decode(format!("{} response body: {e}", req.op)))
                })?)
            };
            return Ok(ApiResponse {
                status,
                body,
                raw: None,
                correlation_id,
            });
        }
        let err = map_status(status, &bytes, retry_after);
        if status == 401 && !matches!(err, Error::SessionExpired { .. }) {
            Err(AttemptError::Unauthorized(err))
        } else {
            Err(AttemptError::Other(err))
        }
    }

    /// The HTTP request of `req` to `url` (its query included), whichever way it goes: every
    /// header (credentials marked sensitive, so that no log shows them), the JSON body.
    fn request(
        &self,
        req: &ApiRequest,
        url: Url,
        authorization: Option<&Secret>,
    ) -> Result<Outgoing> {
        // Room for every header below: no growth.
        let mut headers = HeaderMap::with_capacity(6);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
        let mut api_key = HeaderValue::from_str(self.api_key.expose())
            .map_err(|_| Error::invalid("api_key", "not a valid header value"))?;
        api_key.set_sensitive(true);
        headers.insert(API_KEY_HEADER, api_key);
        if let Some(authorization) = authorization {
            let mut v = HeaderValue::from_str(authorization.expose()).map_err(|_| {
                Error::decode("the token contains characters not allowed in a header")
            })?;
            v.set_sensitive(true);
            headers.insert(AUTHORIZATION, v);
        }
        if let Some(sid) = &req.session_id {
            let v = HeaderValue::from_str(sid)
                .map_err(|_| Error::invalid("session_id", "not a valid header value"))?;
            headers.insert(SESSION_HEADER, v);
        }
        let body = match (&req.encoded_body, &req.body) {
            (Some(encoded), _) => Some(encoded.clone()),
            (None, Some(body)) => Some(
                serde_json::to_vec(body)
                    .map_err(|e| Error::decode(e.to_string()))?
                    .into(),
            ),
            (None, None) => None,
        };
        if body.is_some() {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        Ok(Outgoing {
            method: req.method.clone(),
            url,
            headers,
            body,
        })
    }

    /// Full jitter: uniform in [0, min(cap, base * 2^(attempt-1))].
    fn backoff(&self, attempt: u32) -> Duration {
        full_jitter(self.retry.base_delay, self.retry.max_delay, attempt)
    }

    fn withdraw(&self, cost: u32) -> bool {
        let mut b = lock(&self.budget);
        if b.tokens >= cost {
            b.tokens -= cost;
            true
        } else {
            false
        }
    }

    fn refund(&self) {
        let mut b = lock(&self.budget);
        b.tokens = (b.tokens + self.retry.budget_success_refund).min(self.retry.budget_capacity);
    }

    async fn pace(&self) {
        let until = lock(&self.rate).paused_until;
        if let Some(until) = until {
            let now = Instant::now();
            if until > now {
                tracing::debug!(
                    wait_ms = (until - now).as_millis() as u64,
                    "pacing: rate-limit window used up"
                );
                tokio::time::sleep_until(until.into()).await;
            }
        }
    }

    fn observe_rate_limits(&self, headers: &HeaderMap) {
        let mut found: Vec<RateLimit> = Vec::new();
        for (name, value) in headers {
            let name = name.as_str();
            let (is_limit, window) = if let Some(w) = name.strip_prefix("x-ratelimit-limit-") {
                (true, w)
            } else if let Some(w) = name.strip_prefix("x-ratelimit-remaining-") {
                (false, w)
            } else {
                continue;
            };
            let n = value
                .to_str()
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok());
            let entry = match found.iter_mut().find(|r| r.window == window) {
                Some(e) => e,
                None => {
                    found.push(RateLimit {
                        window: window.to_string(),
                        limit: None,
                        remaining: None,
                    });
                    found.last_mut().expect("just pushed")
                }
            };
            if is_limit {
                entry.limit = n;
            } else {
                entry.remaining = n;
            }
        }
        if found.is_empty() {
            return;
        }
        let now = Instant::now();
        let mut st = lock(&self.rate);
        // Pace only short windows: waiting out an hour or a day is the caller's decision.
        st.paused_until = found
            .iter()
            .filter(|r| r.remaining == Some(0))
            .filter_map(|r| match r.window.as_str() {
                "second" | "seconds" => Some(now + Duration::from_secs(1)),
                "minute" | "minutes" => Some(now + Duration::from_secs(60)),
                _ => None,
            })
            .max();
        found.sort_by(|a, b| a.window.cmp(&b.window));
        st.windows = found;
    }
}

/// A response body, read up to a limit.
#[derive(Debug)]
pub(crate) struct LimitedBody {
    /// The body, or its first `limit` bytes when it went past the limit (none when its
    /// `Content-Length` already said so and the status was a success: nothing of it would
    /// be used).
    pub bytes: bytes::Bytes,
    /// The body was longer than the limit; the rest was not read.
    pub truncated: bool,
}

/// Reads a response body chunk by chunk and stops once it passes `limit` bytes, so a huge
/// or endless body costs at most `limit` plus one chunk of memory. Dropping the response
/// mid-body closes its connection rather than returning it to the pool, which is what a
/// connection with an unread body must not be.
pub(crate) async fn read_body(mut resp: reqwest::Response, limit: u64) -> Result<LimitedBody> {
    let mut body = Limited::new(resp.status().is_success(), resp.content_length(), limit);
    while !body.truncated {
        match resp.chunk().await.map_err(|e| map_reqwest_error(&e))? {
            Some(chunk) => body.push(chunk),
            None => break,
        }
    }
    Ok(body.finish())
}

/// [`read_body`] of a response on one of our own connections.
async fn read_incoming(resp: http::Response<h2::RecvStream>, limit: u64) -> Result<LimitedBody> {
    let content_length = resp
        .headers()
        .get(reqwest::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse().ok());
    let mut body = Limited::new(resp.status().is_success(), content_length, limit);
    let mut incoming = resp.into_body();
    while !body.truncated {
        match incoming.data().await {
            Some(chunk) => {
                let chunk = chunk.map_err(|e| crate::h2_connection::transport_error(&e))?;
                // Read, so the server may send as much again.
                let _ = incoming.flow_control().release_capacity(chunk.len());
                body.push(chunk);
            }
            None => break,
        }
    }
    Ok(body.finish())
}

/// A body being read up to a limit. Chunks are kept as they come and joined once at the
/// end: the common one-chunk body is handed over without a copy.
struct Limited {
    chunks: Vec<bytes::Bytes>,
    total: u64,
    limit: u64,
    /// Past the limit: nothing more is read.
    truncated: bool,
}

impl Limited {
    /// A body whose `Content-Length` already says it is over the limit is not read at all
    /// when the status is a success: nothing of it would be used.
    fn new(success: bool, content_length: Option<u64>, limit: u64) -> Self {
        Limited {
            chunks: Vec::new(),
            total: 0,
            limit,
            truncated: success && content_length.is_some_and(|n| n > limit),
        }
    }

    fn push(&mut self, chunk: bytes::Bytes) {
        let len = chunk.len() as u64;
        if self.total.saturating_add(len) > self.limit {
            // `limit - total` < `len`, which is a usize.
            self.chunks
                .push(chunk.slice(..(self.limit - self.total) as usize));
            self.truncated = true;
            return;
        }
        self.total += len;
        self.chunks.push(chunk);
    }

    fn finish(mut self) -> LimitedBody {
        let bytes = if self.chunks.len() == 1 {
            self.chunks.pop().expect("one chunk")
        } else {
            let mut all = Vec::with_capacity(self.chunks.iter().map(bytes::Bytes::len).sum());
            for c in &self.chunks {
                all.extend_from_slice(c);
            }
            all.into()
        };
        LimitedBody {
            bytes,
            truncated: self.truncated,
        }
    }
}

/// A response whose body is still to be read, from whichever connection it came.
enum Reply {
    Pooled(reqwest::Response),
    /// With the instant the request's timeout runs out: our connections have no timeout
    /// of their own.
    Direct(http::Response<h2::RecvStream>, tokio::time::Instant),
    /// Read whole already, body limit applied (a request over HTTP/1.1 of our own).
    Read(Answer),
}

/// A request ready to go, on reqwest's pool or on a connection of our own.
struct Outgoing {
    method: Method,
    /// With the query.
    url: Url,
    headers: HeaderMap,
    body: Option<bytes::Bytes>,
}

impl Outgoing {
    /// The URL as a connection of our own takes it.
    fn uri(&self) -> std::result::Result<http::Uri, AttemptError> {
        self.url
            .as_str()
            .parse()
            .map_err(|e: http::uri::InvalidUri| {
                AttemptError::Other(Error::invalid("path", e.to_string()))
            })
    }
}

impl Reply {
    async fn pooled(
        http: &reqwest::Client,
        outgoing: Outgoing,
        timeout: Duration,
    ) -> std::result::Result<Reply, AttemptError> {
        let mut request = reqwest::Request::new(outgoing.method, outgoing.url);
        *request.headers_mut() = outgoing.headers;
        *request.body_mut() = outgoing.body.map(Into::into);
        *request.timeout_mut() = Some(timeout);
        http.execute(request).await.map(Reply::Pooled).map_err(|e| {
            if e.is_connect() {
                AttemptError::NotSent(map_reqwest_error(&e))
            } else {
                AttemptError::Other(map_reqwest_error(&e))
            }
        })
    }

    /// Sends on `conn`, by `deadline` (`timeout` after the attempt began).
    async fn direct(
        conn: &H2Connection,
        outgoing: Outgoing,
        deadline: tokio::time::Instant,
        timeout: Duration,
    ) -> std::result::Result<Reply, AttemptError> {
        let mut request = http::Request::new(());
        *request.uri_mut() = outgoing.uri()?;
        *request.method_mut() = outgoing.method;
        *request.headers_mut() = outgoing.headers;
        match tokio::time::timeout_at(deadline, conn.send(request, outgoing.body)).await {
            Ok(Ok(resp)) => Ok(Reply::Direct(resp, deadline)),
            Ok(Err(SendError::Unsent(e))) => Err(AttemptError::NotSent(e)),
            Ok(Err(SendError::Failed(e))) => Err(AttemptError::Other(e)),
            Err(_) => Err(AttemptError::Other(timed_out(timeout))),
        }
    }

    /// Sends on `connections` and reads the whole response (body up to `limit`), by
    /// `deadline` (`timeout` after the attempt began).
    async fn own_http1(
        connections: &H1Connections,
        outgoing: Outgoing,
        deadline: tokio::time::Instant,
        timeout: Duration,
        limit: u64,
    ) -> std::result::Result<Reply, AttemptError> {
        let uri = outgoing.uri()?;
        let sent = connections.send(
            outgoing.method,
            uri,
            outgoing.headers,
            outgoing.body.as_deref(),
            limit,
        );
        match tokio::time::timeout_at(deadline, sent).await {
            Ok(Ok(answer)) => Ok(Reply::Read(answer)),
            Ok(Err(SendError::Unsent(e))) => Err(AttemptError::NotSent(e)),
            Ok(Err(SendError::Failed(e))) => Err(AttemptError::Other(e)),
            Err(_) => Err(AttemptError::Other(timed_out(timeout))),
        }
    }

    fn status(&self) -> u16 {
        match self {
            Reply::Pooled(r) => r.status().as_u16(),
            Reply::Direct(r, _) => r.status().as_u16(),
            Reply::Read(a) => a.status.as_u16(),
        }
    }

    fn headers(&self) -> &HeaderMap {
        match self {
            Reply::Pooled(r) => r.headers(),
            Reply::Direct(r, _) => r.headers(),
            Reply::Read(a) => &a.headers,
        }
    }

    async fn body(self, limit: u64, timeout: Duration) -> Result<LimitedBody> {
        match self {
            Reply::Read(a) => Ok(a.body),
            Reply::Pooled(r) => read_body(r, limit).await,
            Reply::Direct(r, deadline) => {
                tokio::time::timeout_at(deadline, read_incoming(r, limit))
                    .await
                    .unwrap_or_else(|_| Err(timed_out(timeout)))
            }
        }
    }
}

/// `timeout` from now; a timeout too long to add stands for no deadline.
pub(crate) fn deadline_after(timeout: Duration) -> tokio::time::Instant {
    let now = tokio::time::Instant::now();
    now.checked_add(timeout)
        .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600))
}

/// The error of a request with no complete response within `timeout`.
pub(crate) fn timed_out(timeout: Duration) -> Error {
    Error::Timeout {
        message: format!("no complete response within {timeout:?}"),
    }
}

/// The error of a successful answer whose body is over the limit: [`Error::Decode`], since
/// the service did answer (a connection error would invite retries that get the same body).
pub(crate) fn body_too_large(what: &str, limit: u64) -> Error {
    Error::decode(format!(
        "{what}: the response body is larger than max_response_bytes ({limit} bytes); it was not read"
    ))
}

/// How long pipelining rests after a pipelined request went unanswered the first time;
/// each time after, twice as long, up to [`PIPELINING_PAUSE_MAX`].
const PIPELINING_PAUSE: Duration = Duration::from_secs(600);
const PIPELINING_PAUSE_MAX: Duration = Duration::from_secs(6 * 3600);

/// When pipelined requests went unanswered ([`Transport::answer_second`]).
#[derive(Debug, Default)]
struct Refused {
    /// No pipelining until then.
    until: Option<Instant>,
    /// How many times.
    times: u32,
}

/// The second request of [`Transport::send_pair`], its response still to come.
pub(crate) struct PairedSecond {
    pending: SecondOfPair,
    connections: Arc<H1Connections>,
    /// The token it went with, to be renewed if the service refuses it.
    authorization: Option<Secret>,
}

/// What a response's headers said that its conclusion needs ([`Transport::heard`]).
struct Heard {
    retry_after: Option<Duration>,
    correlation_id: Option<String>,
}

enum AttemptError {
    Unauthorized(Error),
    /// The request never reached the service (the connection could not be made).
    NotSent(Error),
    Other(Error),
}

/// Full-jitter backoff delay for `attempt` (1-based).
pub(crate) fn full_jitter(base: Duration, cap: Duration, attempt: u32) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
    let ceiling = exp.min(cap);
    if ceiling.is_zero() {
        return Duration::ZERO;
    }
    let nanos = rand::thread_rng().gen_range(0..=ceiling.as_nanos() as u64);
    Duration::from_nanos(nanos)
}

pub(crate) fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// Maps a reqwest failure to the public enum, without secrets (URLs carry none).
pub(crate) fn map_reqwest_error(e: &reqwest::Error) -> Error {
    let message = error_chain(e);
    if e.is_timeout() {
        Error::Timeout { message }
    } else if e.is_decode() {
        Error::Decode { message }
    } else {
        Error::Transport { message }
    }
}

pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        let t = inner.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        src = inner.source();
    }
    s
}

/// Maps an error status and its body to the public enum.
pub(crate) fn map_status(status: u16, body: &[u8], retry_after: Option<Duration>) -> Error {
    let parsed: Option<ErrorResponse> = serde_json::from_slice(body).ok();
    let (message, errors) = match parsed {
        Some(r) => {
            let msg = r
                .message
                .clone()
                .or_else(|| r.errors.iter().find_map(|e| e.message.clone()))
                .unwrap_or_else(|| status_text(status));
            (msg, r.errors)
        }
        None => {
            let text = String::from_utf8_lossy(&body[..body.len().min(300)])
                .trim()
                .to_string();
            (
                if text.is_empty() {
                    status_text(status)
                } else {
                    text
                },
                Vec::new(),
            )
        }
    };
    let mentions_invalid_session = message.to_ascii_lowercase().contains(INVALID_SESSION)
        || errors.iter().any(|e| {
            e.message
                .as_deref()
                .is_some_and(|m| m.to_ascii_lowercase().contains(INVALID_SESSION))
        });
    match status {
        // The streaming document answers 400 and the public-chat one 401 for the same dead
        // session: the message decides, so neither is taken for a credentials problem.
        400 | 401 if mentions_invalid_session => Error::SessionExpired { message },
        401 => Error::Auth {
            status: Some(401),
            message,
        },
        403 => Error::Forbidden { message },
        404 => Error::NotFound { message },
        409 => Error::Conflict { message },
        429 => Error::RateLimited { retry_after },
        _ => Error::Api {
            status,
            code: serde_json::from_slice::<ErrorResponse>(body)
                .ok()
                .and_then(|r| r.code),
            message,
            errors,
        },
    }
}

fn status_text(status: u16) -> String {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("error")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixed bearer token.
    #[derive(Debug)]
    struct Fixed;

    impl AuthProvider for Fixed {
        fn authorization(&self) -> crate::auth::BoxFuture<'_, Result<Secret>> {
            Box::pin(async { Ok(Secret::new("Bearer t")) })
        }
        fn invalidate(&self, _: &Secret) {}
    }

    /// A stream's request to `path` of the server at `base`, answered within `timeout`.
    fn stream_request(t: &Transport, method: Method, path: &str, timeout: Duration) -> Prepared {
        let mut req = ApiRequest::new("test", method.clone(), path.to_string());
        req.of_stream = true;
        req.idempotent = true;
        req.retry = false;
        req.raw_body = true;
        req.timeout = Some(timeout);
        if method == Method::POST {
            req.encoded_body = Some(bytes::Bytes::from_static(b"{}"));
        }
        t.prepare(req).unwrap()
    }

    /// Behind something that answers only the first of pipelined requests, the second
    /// times out once and is sent again alone; from then on, for a while, the transport
    /// sends the requests of streams one at a time.
    #[tokio::test]
    async fn a_pipelined_request_left_unanswered_turns_pipelining_off() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        tokio::spawn(async move {
            while let Ok((mut tcp, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 65536];
                    // One answer per read, whatever the read held: what a server that
                    // drops the rest of its buffer does.
                    while tcp.read(&mut buf).await.unwrap_or(0) > 0 {
                        let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}";
                        if tcp.write_all(ok).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        let connections = H1Connections::new(&base, None, Duration::from_secs(2)).unwrap();
        let mut t = Transport::new(
            reqwest::Client::new(),
            base,
            Secret::new("key"),
            Arc::new(Fixed),
            RetryPolicy::default(),
            Duration::from_secs(2),
        )
        .with_h1_connections(Arc::new(connections));
        let timeout = Duration::from_millis(300);
        let ack = stream_request(&t, Method::POST, "acknowledge", timeout);
        let poll = stream_request(&t, Method::GET, "events", timeout);
        assert!(t.pairs_stream_requests(None));
        // A timeout as short as the answer's wait proves nothing.
        let (_, pending) = t.send_pair(&ack, &poll).await.expect("pipelined").unwrap();
        let polled = t.answer_second(pending, &poll).await;
        assert!(matches!(polled, Err(Error::Timeout { .. })), "{polled:?}");
        assert!(t.pairs_stream_requests(None));
        t.pipelined_answer_wait = Duration::from_millis(100);
        let (acked, pending) = t.send_pair(&ack, &poll).await.expect("pipelined").unwrap();
        assert_eq!(acked.raw.as_deref(), Some(&b"{}"[..]));
        // Sent again at once, alone, and answered.
        let polled = t.answer_second(pending, &poll).await;
        assert_eq!(polled.unwrap().raw.as_deref(), Some(&b"{}"[..]));
        assert!(!t.pairs_stream_requests(None));
        assert!(
            t.send_pair(&ack, &poll).await.is_none(),
            "sent one at a time now"
        );
        assert_eq!(lock(&t.pipelining_refused).times, 1);
    }

    #[test]
    fn jitter_stays_under_the_cap() {
        for attempt in 1..30 {
            let d = full_jitter(Duration::from_millis(200), Duration::from_secs(20), attempt);
            assert!(d <= Duration::from_secs(20));
        }
        let first = full_jitter(Duration::from_millis(200), Duration::from_secs(20), 1);
        assert!(first <= Duration::from_millis(200));
    }

    #[test]
    fn maps_error_bodies() {
        let body = br#"{"code":400,"message":"Invalid or expired session","errors":[]}"#;
        assert!(matches!(
            map_status(400, body, None),
            Error::SessionExpired { .. }
        ));
        // The public-chat document's form of the same answer.
        let body = br#"{"message":"Invalid or expired session"}"#;
        assert!(matches!(
            map_status(401, body, None),
            Error::SessionExpired { .. }
        ));
        assert!(matches!(
            map_status(401, br#"{"message":"Unauthorized"}"#, None),
            Error::Auth { .. }
        ));
        let body = br#"{"code":422,"message":"user not connected","errors":[{"scope":"userId","reason":"state","message":"m"}]}"#;
        match map_status(422, body, None) {
            Error::Api {
                status,
                code,
                message,
                errors,
            } => {
                assert_eq!(status, 422);
                assert_eq!(code, Some(422));
                assert_eq!(message, "user not connected");
                assert_eq!(errors.len(), 1);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(map_status(409, b"", None), Error::Conflict { .. }));
        match map_status(502, b"<html>bad gateway</html>", None) {
            Error::Api { message, .. } => assert!(message.contains("bad gateway")),
            other => panic!("{other:?}"),
        }
    }
}
