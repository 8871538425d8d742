//! Simulator configuration.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

/// Static configuration of one simulator instance.
///
/// `poll_wait`, `token_ttl`, `web_token_ttl` and `rate_limit_per_second` are only the initial values: they can
/// be changed at run time through `POST /sim/config` or [`crate::SimState::set_config`].
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
}

impl From<&SimConfig> for RuntimeConfig {
    fn from(c: &SimConfig) -> Self {
        RuntimeConfig {
            poll_wait: c.poll_wait,
            token_ttl: c.token_ttl,
            web_token_ttl: c.web_token_ttl,
            rate_limit_per_second: c.rate_limit_per_second,
        }
    }
}
