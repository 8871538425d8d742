//! Simulator configuration.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

/// Lifetime of an attachment, as the documents give it.
pub(crate) const DEFAULT_ATTACH_TTL: Duration = Duration::from_secs(30 * 60);
/// Keep-alive timeout when the `keepAlive` names none.
pub(crate) const DEFAULT_KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(90);

/// Static configuration of one simulator instance.
///
/// `poll_wait`, `token_ttl`, `web_token_ttl`, `rate_limit_per_second`, `attach_ttl`,
/// `keepalive_timeout`, `accept_timeout` and `wrap_timeout` are only the initial values: they
/// can be changed at run time through `POST /sim/config` or [`crate::SimState::set_config`].
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// The only organization the simulator knows; other `{orgId}` path values answer 404.
    pub org_id: String,
    /// OAuth2 client id accepted by `POST /via/v2/oauth2/token`.
    pub client_id: String,
    /// OAuth2 client secret accepted by `POST /via/v2/oauth2/token`.
    pub client_secret: String,
    /// Value every API request must carry in `x-api-key`.
    pub api_key: String,
    /// Lifetime of issued access tokens.
    pub token_ttl: Duration,
    /// Lifetime of the web tokens issued by `webToken.createToken` (public chat).
    pub web_token_ttl: Duration,
    /// How long `GET /events` waits for an event when the queue is empty (the documented
    /// wait is 15 s; tests shorten it).
    pub poll_wait: Duration,
    /// Requests per one-second window before the simulator answers 429. Reported in the
    /// `X-RateLimit-*-second` headers. `0` disables rate limiting (and its headers).
    pub rate_limit_per_second: u32,
    /// Lifetime of an attachment (`connect` with `attach: true`) that is not renewed; the
    /// documents give 30 minutes.
    pub attach_ttl: Duration,
    /// How long an agent may go without a `keepAlive`, once it sent one, before it is logged
    /// out, when the `keepAlive` carries no `sessionTimeout` (the organization's default
    /// of the documents; 90 s here).
    pub keepalive_timeout: Duration,
    /// How long a routed offer (control API `offer`, a transfer to a simulated agent) waits
    /// for its accept before `AcceptCallTimeout` withdraws it; also the ScreenPop's
    /// `timeoutForAcceptCall`. `None` (the default): offers wait for ever, and the ScreenPop
    /// says 0, as for a work type without an accept timeout.
    pub accept_timeout: Option<Duration>,
    /// How long an interaction may stay in Wrap before `WrapTimeout`. `None` (the default):
    /// no limit.
    pub wrap_timeout: Option<Duration>,
    /// Requests in flight on one HTTP/2 connection (`SETTINGS_MAX_CONCURRENT_STREAMS`), as
    /// servers behind load balancers cap them (often 100 or 128). `None` (the default): no
    /// limit.
    pub http2_max_streams: Option<u32>,
    /// Address to bind; port 0 picks a free port.
    pub bind: SocketAddr,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            org_id: "simorg".to_owned(),
            client_id: "sim-client".to_owned(),
            client_secret: "sim-secret".to_owned(),
            api_key: "sim-api-key".to_owned(),
            token_ttl: Duration::from_secs(3600),
            web_token_ttl: Duration::from_secs(3600),
            poll_wait: Duration::from_secs(15),
            rate_limit_per_second: 100,
            attach_ttl: DEFAULT_ATTACH_TTL,
            keepalive_timeout: DEFAULT_KEEPALIVE_TIMEOUT,
            accept_timeout: None,
            wrap_timeout: None,
            http2_max_streams: None,
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        }
    }
}

/// The part of the configuration that can change while the simulator runs.
#[derive(Clone, Debug)]
pub(crate) struct RuntimeConfig {
    pub poll_wait: Duration,
    pub token_ttl: Duration,
    pub web_token_ttl: Duration,
    pub rate_limit_per_second: u32,
    pub attach_ttl: Duration,
    pub keepalive_timeout: Duration,
    pub accept_timeout: Option<Duration>,
    pub wrap_timeout: Option<Duration>,
}

impl From<&SimConfig> for RuntimeConfig {
    fn from(c: &SimConfig) -> Self {
        RuntimeConfig {
            poll_wait: c.poll_wait,
            token_ttl: c.token_ttl,
            web_token_ttl: c.web_token_ttl,
            rate_limit_per_second: c.rate_limit_per_second,
            attach_ttl: c.attach_ttl,
            keepalive_timeout: c.keepalive_timeout,
            accept_timeout: c.accept_timeout,
            wrap_timeout: c.wrap_timeout,
        }
    }
}

/// The settings a language binding offers for an embedded simulator (C, Python, Kotlin,
/// Swift): each one left out keeps the [`SimConfig`] default. The bindings only convert
/// their units; merging and starting happen here, once.
///
/// The agent timers ([`SimConfig::attach_ttl`], [`SimConfig::keepalive_timeout`],
/// [`SimConfig::accept_timeout`], [`SimConfig::wrap_timeout`]) are not among them: an
/// embedded simulator sets them at run time through `POST /sim/config` (`attachTtlMs`,
/// `keepaliveTimeoutMs`, `acceptTimeoutMs`, `wrapTimeoutMs`), so the bindings' option
/// records stay as they are.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimOptions {
    /// Port on 127.0.0.1; `None` or 0 takes a free one.
    pub port: Option<u16>,
    /// How long `GET /events` waits for an event (the documented 15 s by default).
    pub poll_wait: Option<Duration>,
    /// Lifetime of an OAuth2 access token.
    pub token_ttl: Option<Duration>,
    /// Lifetime of a public-chat web token.
    pub web_token_ttl: Option<Duration>,
    /// Requests per second before 429 (0: unlimited).
    pub rate_limit_per_second: Option<u32>,
}

impl SimOptions {
    /// The configuration these options describe.
    pub fn to_config(&self) -> SimConfig {
        let d = SimConfig::default();
        SimConfig {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, self.port.unwrap_or(0))),
            poll_wait: self.poll_wait.unwrap_or(d.poll_wait),
            token_ttl: self.token_ttl.unwrap_or(d.token_ttl),
            web_token_ttl: self.web_token_ttl.unwrap_or(d.web_token_ttl),
            rate_limit_per_second: self
                .rate_limit_per_second
                .unwrap_or(d.rate_limit_per_second),
            ..d
        }
    }
}

/// A timer setting in milliseconds where 0 means "no timer".
pub(crate) fn optional_millis(ms: u64) -> Option<Duration> {
    (ms > 0).then(|| Duration::from_millis(ms))
}
