//! Client configuration: builders, defaults and validation.
//!
//! Validation happens once, in `build()`, and names the offending field, so a bad value is
//! reported before any request leaves the process.

use crate::error::{Error, Result};
use crate::secret::Secret;
use std::net::IpAddr;
use std::time::Duration;
use url::Url;

/// Retry behaviour of the transport.
///
/// Retries use full-jitter exponential backoff: attempt `n` sleeps a random duration in
/// `[0, min(max_delay, base_delay * 2^n)]`. A token-bucket retry budget stops a client from
/// hammering a server that fails every request.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Total attempts per request, the first included (1 disables retries).
    pub max_attempts: u32,
    /// Backoff base.
    pub base_delay: Duration,
    /// Backoff cap.
    pub max_delay: Duration,
    /// Longest `Retry-After` the transport honours by waiting; a longer one is returned to
    /// the caller as [`Error::RateLimited`].
    pub max_retry_after: Duration,
    /// Capacity of the retry budget (tokens).
    pub budget_capacity: u32,
    /// Tokens a retry costs (a timeout costs twice as much).
    pub budget_retry_cost: u32,
    /// Tokens a successful request gives back.
    pub budget_success_refund: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(60),
            budget_capacity: 100,
            budget_retry_cost: 5,
            budget_success_refund: 1,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    fn validate(&self) -> Result<()> {
        if self.max_attempts == 0 {
            return Err(Error::invalid("retry.max_attempts", "must be at least 1"));
        }
        if self.base_delay > self.max_delay {
            return Err(Error::invalid(
                "retry.base_delay",
                "must not exceed retry.max_delay",
            ));
        }
        Ok(())
    }
}

/// Validated configuration of a [`crate::ViaClient`].
#[derive(Debug, Clone)]
pub struct ViaConfig {
    pub(crate) org_id: String,
    pub(crate) client_id: String,
    pub(crate) client_secret: Secret,
    pub(crate) api_key: Secret,
    pub(crate) scopes: Vec<String>,
    pub(crate) base_url: Url,
    pub(crate) token_url: Url,
    pub(crate) connect_timeout: Duration,
    pub(crate) request_timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) max_response_bytes: u64,
    pub(crate) http2: Http2,
    pub(crate) http2_streams_per_connection: usize,
    pub(crate) http1_pipelining: bool,
}

/// Which HTTP versions the client speaks ([`ViaConfigBuilder::http2`]). Python names the
/// values as [`Http2::as_str`] does; C, Kotlin and Swift have an enum of the same three.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Http2 {
    /// HTTP/2 offered in TLS negotiation (ALPN) and spoken when the server picks it,
    /// HTTP/1.1 otherwise; over plain `http://`, where nothing can negotiate it, HTTP/1.1.
    #[default]
    Negotiate,
    /// HTTP/1.1 only, also with a server that offers HTTP/2.
    Off,
    /// HTTP/2 from the first byte, without negotiation, also over plain `http://` (prior
    /// knowledge: the simulator, a sidecar proxy that speaks h2c). A server that does not
    /// speak it refuses every request.
    PriorKnowledge,
}

impl Http2 {
    /// Every value, in the order of [`Http2::as_str`]'s names.
    pub const ALL: [Http2; 3] = [Http2::Negotiate, Http2::Off, Http2::PriorKnowledge];

    /// The name the bindings use for it: `"negotiate"`, `"off"`, `"prior_knowledge"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Http2::Negotiate => "negotiate",
            Http2::Off => "off",
            Http2::PriorKnowledge => "prior_knowledge",
        }
    }

    /// Reads a name of [`Http2::as_str`]; anything else is an [`Error::InvalidArgument`]
    /// naming `http2` and the accepted names.
    pub fn parse(name: &str) -> Result<Http2> {
        Http2::ALL
            .into_iter()
            .find(|v| v.as_str() == name)
            .ok_or_else(|| {
                Error::invalid(
                    "http2",
                    format!("{name:?} is not one of \"negotiate\", \"off\", \"prior_knowledge\""),
                )
            })
    }

    /// Whether requests to a base URL of this scheme may travel over HTTP/2.
    pub(crate) fn possible(self, plain_http: bool) -> bool {
        match self {
            Http2::Off => false,
            Http2::Negotiate => !plain_http,
            Http2::PriorKnowledge => true,
        }
    }
}

/// Event streams that share one HTTP/2 connection unless configured
/// ([`ViaConfigBuilder::http2_streams_per_connection`]): the least number of requests in
/// flight RFC 9113 recommends a server allow on one connection.
pub const DEFAULT_HTTP2_STREAMS_PER_CONNECTION: usize = 100;

impl ViaConfig {
    /// Starts a builder.
    pub fn builder() -> ViaConfigBuilder {
        ViaConfigBuilder::default()
    }

    /// The organization id.
    pub fn org_id(&self) -> &str {
        &self.org_id
    }

    /// The client id (not a secret).
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The scopes requested with each token.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// Base URL of the API, without a trailing slash.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// The OAuth2 token endpoint.
    pub fn token_url(&self) -> &Url {
        &self.token_url
    }

    /// Timeout of one ordinary request.
    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    /// The retry policy.
    pub fn retry(&self) -> &RetryPolicy {
        &self.retry
    }

    /// Largest response body the client reads, in bytes ([`DEFAULT_MAX_RESPONSE_BYTES`]
    /// unless set).
    pub fn max_response_bytes(&self) -> u64 {
        self.max_response_bytes
    }

    /// Which HTTP versions the client speaks ([`ViaConfigBuilder::http2`]).
    pub fn http2(&self) -> Http2 {
        self.http2
    }

    /// Whether an event stream's acknowledgement and the poll behind it may share one
    /// write on HTTP/1.1 ([`ViaConfigBuilder::http1_pipelining`]).
    pub fn http1_pipelining(&self) -> bool {
        self.http1_pipelining
    }
}

/// Default of [`ViaConfigBuilder::max_response_bytes`]: 16 MiB, far above any answer the
/// documents describe (a full event batch is a few hundred KiB), low enough that a broken or
/// hostile server cannot make the process buffer gigabytes.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;

/// The optional settings of a client, as the bindings take them. Holds no secret, so
/// printing it is harmless; the credentials are separate arguments everywhere.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ClientOptions {
    /// OAuth2 scopes (default: `engagementcenterapi streamingapi`).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub scopes: Option<Vec<String>>,
    /// Overrides `https://{orgId}.via.aspect-cloud.net` (simulator, other domains).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub base_url: Option<String>,
    /// Overrides the token endpoint (default: `{base_url}/via/v2/oauth2/token`).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub token_url: Option<String>,
    /// Timeout of one ordinary request, ms (default 30 000; 0 is refused).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub request_timeout_ms: Option<u64>,
    /// TCP connect timeout, ms (default 10 000; 0 is refused).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub connect_timeout_ms: Option<u64>,
    /// Attempts per request, the first included (default 4; 1 disables retries).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub max_attempts: Option<u32>,
    /// Largest response body read, in bytes (default 16 MiB; 0 is refused). A larger
    /// successful answer fails with [`Error::Decode`]; see
    /// [`ViaConfigBuilder::max_response_bytes`].
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub max_response_bytes: Option<u64>,
    /// Allows `http://` to a host that is not loopback (credentials would travel in clear).
    #[cfg_attr(feature = "uniffi", uniffi(default = false))]
    pub allow_insecure_http: bool,
    /// Which HTTP versions the client speaks (default [`Http2::Negotiate`]); see
    /// [`ViaConfigBuilder::http2`].
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub http2: Option<Http2>,
    /// Whether an event stream's acknowledgement and the poll behind it may share one
    /// write on HTTP/1.1 (default true); see [`ViaConfigBuilder::http1_pipelining`].
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub http1_pipelining: Option<bool>,
}

/// Builder of [`ViaConfig`]. Required: `org_id`, `client_id`, `client_secret`, `api_key`.
#[derive(Debug, Clone, Default)]
pub struct ViaConfigBuilder {
    org_id: Option<String>,
    client_id: Option<String>,
    client_secret: Option<Secret>,
    api_key: Option<Secret>,
    scopes: Option<Vec<String>>,
    base_url: Option<String>,
    token_url: Option<String>,
    connect_timeout: Option<Duration>,
    request_timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    max_response_bytes: Option<u64>,
    allow_insecure_http: bool,
    http2: Http2,
    http2_streams_per_connection: Option<usize>,
    http1_pipelining: Option<bool>,
}

/// Scopes requested when none are given: what the agent-control slice needs.
pub const DEFAULT_SCOPES: &[&str] = &["engagementcenterapi", "streamingapi"];

impl ViaConfigBuilder {
    /// Organization id (`{orgId}` in every path). Required.
    pub fn org_id(mut self, v: impl Into<String>) -> Self {
        self.org_id = Some(v.into());
        self
    }
    /// OAuth2 client id. Required.
    pub fn client_id(mut self, v: impl Into<String>) -> Self {
        self.client_id = Some(v.into());
        self
    }
    /// OAuth2 client secret. Required.
    pub fn client_secret(mut self, v: impl Into<Secret>) -> Self {
        self.client_secret = Some(v.into());
        self
    }
    /// The `x-api-key` value. Required.
    pub fn api_key(mut self, v: impl Into<Secret>) -> Self {
        self.api_key = Some(v.into());
        self
    }
    /// Scopes to request (default [`DEFAULT_SCOPES`]).
    pub fn scopes<I, S>(mut self, v: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = Some(v.into_iter().map(Into::into).collect());
        self
    }
    /// Overrides `https://{orgId}.via.aspect-cloud.net` (simulator, other domains).
    pub fn base_url(mut self, v: impl Into<String>) -> Self {
        self.base_url = Some(v.into());
        self
    }
    /// Overrides the token endpoint. When only `base_url` is set, the token URL follows it:
    /// `{base_url}/via/v2/oauth2/token`.
    pub fn token_url(mut self, v: impl Into<String>) -> Self {
        self.token_url = Some(v.into());
        self
    }
    /// TCP connect timeout (default 10 s).
    pub fn connect_timeout(mut self, v: Duration) -> Self {
        self.connect_timeout = Some(v);
        self
    }
    /// Timeout of one ordinary request (default 30 s). Long polls use their own, longer one.
    pub fn request_timeout(mut self, v: Duration) -> Self {
        self.request_timeout = Some(v);
        self
    }
    /// Retry policy (default [`RetryPolicy::default`]).
    pub fn retry(mut self, v: RetryPolicy) -> Self {
        self.retry = Some(v);
        self
    }
    /// Largest response body the client reads, in bytes (default
    /// [`DEFAULT_MAX_RESPONSE_BYTES`]; 0 is refused). It bounds every answer: the API's,
    /// the OAuth2 token endpoint's and the web-token service's. The body is read in chunks
    /// and reading stops as soon as the limit is passed, so an endless or huge body never
    /// sits in memory whole.
    ///
    /// A successful (2xx) answer over the limit fails with [`Error::Decode`], whose message
    /// names `max_response_bytes`: the service answered, but not with anything the client
    /// will read, and the same request would get the same answer, so it is not retried. An
    /// error answer over the limit keeps its category (the status decides it); only its
    /// message is cut at the limit.
    pub fn max_response_bytes(mut self, v: u64) -> Self {
        self.max_response_bytes = Some(v);
        self
    }

    /// Which HTTP versions the client speaks (default [`Http2::Negotiate`]: HTTP/2 where
    /// the server offers it in TLS negotiation, HTTP/1.1 elsewhere). Over HTTP/2 the
    /// requests of the client share a few connections instead of one connection (and one
    /// TLS session) per request in flight, which is what thousands of long polls in one
    /// process cost most.
    ///
    /// A server limits the requests in flight on one connection
    /// (`SETTINGS_MAX_CONCURRENT_STREAMS`, often 100 or 128 behind load balancers) and the
    /// HTTP client does not open a second connection past it. So each event stream polls
    /// on a connection shared by at most
    /// [`ViaConfigBuilder::http2_streams_per_connection`] streams, and more connections
    /// open as streams come: no long poll waits behind the server's limit. Those
    /// connections carry nothing but polls; they are the client's own, lighter than the
    /// general HTTP client's (an idle stream holds less than half the memory), except
    /// when a proxy is set in the environment (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`),
    /// which only the general client follows. Where the server picks HTTP/1.1 in TLS
    /// negotiation, polls go over HTTP/1.1, a connection per poll, and the server is
    /// asked again after 5 minutes. Wherever polls go over HTTP/1.1 (and no proxy is set),
    /// they do on connections of the client's own too, on which a waiting poll holds no
    /// buffer.
    ///
    /// [`Http2::PriorKnowledge`] speaks it over plain `http://` too (the simulator does);
    /// [`Http2::Off`] keeps HTTP/1.1 with a server that offers HTTP/2.
    pub fn http2(mut self, v: Http2) -> Self {
        self.http2 = v;
        self
    }

    /// With [`ViaConfigBuilder::http2`], how many event streams poll on one connection
    /// (default [`DEFAULT_HTTP2_STREAMS_PER_CONNECTION`]). Keep it at or below the server's
    /// `SETTINGS_MAX_CONCURRENT_STREAMS`: such a connection carries its streams' polls,
    /// one each, and nothing else.
    pub fn http2_streams_per_connection(mut self, v: usize) -> Self {
        self.http2_streams_per_connection = Some(v);
        self
    }
    /// Whether an event stream with acknowledgement on may write its acknowledgement and
    /// the poll behind it together on one HTTP/1.1 connection, and read the two answers in
    /// order (pipelining, RFC 9112 §9.3.2; default true), which saves a round trip per
    /// batch of events. It applies wherever the streams' requests go over HTTP/1.1
    /// connections of the client's own: where [`ViaConfigBuilder::http2`] rules HTTP/2 out
    /// ([`Http2::Off`], or plain `http://` without prior knowledge), and where the server
    /// picks HTTP/1.1 in TLS negotiation; not when a proxy is set in the environment. Both
    /// requests are safe to repeat, so a connection that fails between them costs nothing
    /// but the repeat.
    ///
    /// Something on the way that takes pipelined requests but hands them on over separate
    /// connections could let the poll reach the service before the acknowledgement: the
    /// service would then hand back events already handled, which the stream hides as
    /// duplicates and acknowledges again, at the cost of their places in that poll. The
    /// client stops pipelining for a while by itself when a pipelined poll goes
    /// unanswered; `false` turns it off for good.
    pub fn http1_pipelining(mut self, v: bool) -> Self {
        self.http1_pipelining = Some(v);
        self
    }

    /// Allows `http://` to a host that is not loopback. Off by default: credentials would
    /// cross the network in clear text.
    pub fn allow_insecure_http(mut self, v: bool) -> Self {
        self.allow_insecure_http = v;
        self
    }

    /// Applies the optional settings every binding takes ([`ClientOptions`]): one mapping
    /// for C, Python, Kotlin and Swift.
    pub fn options(mut self, o: ClientOptions) -> Self {
        if let Some(scopes) = o.scopes {
            self = self.scopes(scopes);
        }
        if let Some(u) = o.base_url {
            self = self.base_url(u);
        }
        if let Some(u) = o.token_url {
            self = self.token_url(u);
        }
        if let Some(ms) = o.request_timeout_ms {
            self = self.request_timeout(Duration::from_millis(ms));
        }
        if let Some(ms) = o.connect_timeout_ms {
            self = self.connect_timeout(Duration::from_millis(ms));
        }
        if let Some(n) = o.max_attempts {
            self = self.retry(RetryPolicy {
                max_attempts: n,
                ..RetryPolicy::default()
            });
        }
        if let Some(v) = o.http2 {
            self = self.http2(v);
        }
        if let Some(n) = o.max_response_bytes {
            self = self.max_response_bytes(n);
        }
        if let Some(v) = o.http1_pipelining {
            self = self.http1_pipelining(v);
        }
        self.allow_insecure_http(o.allow_insecure_http)
    }

    /// Validates and builds the configuration.
    pub fn build(self) -> Result<ViaConfig> {
        let org_id = required("org_id", self.org_id)?;
        if !org_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(Error::invalid(
                "org_id",
                "may contain only ASCII letters, digits, '-' and '_'",
            ));
        }
        let client_id = required("client_id", self.client_id)?;
        let client_secret = required_secret("client_secret", self.client_secret)?;
        let api_key = required_secret("api_key", self.api_key)?;
        let scopes = self
            .scopes
            .unwrap_or_else(|| DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect());
        for s in &scopes {
            if s.is_empty() || s.contains(char::is_whitespace) {
                return Err(Error::invalid(
                    "scopes",
                    format!("scope {s:?} must be non-empty and contain no whitespace"),
                ));
            }
        }
        let base_url = with_trailing_slash(match self.base_url {
            Some(u) => parse_url("base_url", &u, self.allow_insecure_http)?,
            None => parse_url(
                "base_url",
                &format!("https://{org_id}.via.aspect-cloud.net"),
                false,
            )?,
        });
        let token_url = match self.token_url {
            Some(u) => parse_url("token_url", &u, self.allow_insecure_http)?,
            None => base_url
                .join("via/v2/oauth2/token")
                .map_err(|e| Error::invalid("token_url", e.to_string()))?,
        };
        let http2_streams_per_connection = self
            .http2_streams_per_connection
            .unwrap_or(DEFAULT_HTTP2_STREAMS_PER_CONNECTION);
        if http2_streams_per_connection == 0 {
            return Err(Error::invalid(
                "http2_streams_per_connection",
                "must be at least 1",
            ));
        }
        let connect_timeout = self.connect_timeout.unwrap_or(Duration::from_secs(10));
        let request_timeout = self.request_timeout.unwrap_or(Duration::from_secs(30));
        if connect_timeout.is_zero() {
            return Err(Error::invalid(
                "connect_timeout",
                "must be greater than zero",
            ));
        }
        if request_timeout.is_zero() {
            return Err(Error::invalid(
                "request_timeout",
                "must be greater than zero",
            ));
        }
        let retry = self.retry.unwrap_or_default();
        retry.validate()?;
        let max_response_bytes = self
            .max_response_bytes
            .unwrap_or(DEFAULT_MAX_RESPONSE_BYTES);
        if max_response_bytes == 0 {
            return Err(Error::invalid(
                "max_response_bytes",
                "must be greater than zero",
            ));
        }
        Ok(ViaConfig {
            org_id,
            client_id,
            client_secret,
            api_key,
            scopes,
            base_url,
            token_url,
            connect_timeout,
            request_timeout,
            retry,
            max_response_bytes,
            http2: self.http2,
            http2_streams_per_connection,
            http1_pipelining: self.http1_pipelining.unwrap_or(true),
        })
    }
}

fn required(field: &str, v: Option<String>) -> Result<String> {
    match v {
        Some(s) if !s.trim().is_empty() => Ok(s),
        Some(_) => Err(Error::invalid(field, "must not be empty")),
        None => Err(Error::invalid(field, "is required")),
    }
}

fn required_secret(field: &str, v: Option<Secret>) -> Result<Secret> {
    match v {
        Some(s) if !s.expose().trim().is_empty() => Ok(s),
        Some(_) => Err(Error::invalid(field, "must not be empty")),
        None => Err(Error::invalid(field, "is required")),
    }
}

/// Parses a base or token URL and applies the clear-text rule: `http://` only to loopback,
/// unless explicitly allowed.
pub(crate) fn parse_url(field: &str, raw: &str, allow_insecure_http: bool) -> Result<Url> {
    let url = Url::parse(raw.trim()).map_err(|e| Error::invalid(field, format!("{raw:?}: {e}")))?;
    match url.scheme() {
        "https" => {}
        "http" => {
            if !allow_insecure_http && !is_loopback(&url) {
                return Err(Error::invalid(
                    field,
                    format!(
                        "http:// is refused for the non-loopback host {:?}; use https:// or allow insecure HTTP explicitly",
                        url.host_str().unwrap_or_default()
                    ),
                ));
            }
        }
        other => {
            return Err(Error::invalid(
                field,
                format!("unsupported scheme {other:?}; expected https or http"),
            ))
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::invalid(field, "has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::invalid(field, "must not carry credentials"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::invalid(field, "must not have a query or fragment"));
    }
    Ok(url)
}

/// Joining relative paths needs a trailing slash on the base. Only on the base: the token
/// URL is used as given, and `.../oauth2/token/` is another resource.
fn with_trailing_slash(mut url: Url) -> Url {
    if !url.path().ends_with('/') {
        let p = format!("{}/", url.path());
        url.set_path(&p);
    }
    url
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> ViaConfigBuilder {
        ViaConfig::builder()
            .org_id("acme")
            .client_id("cid")
            .client_secret("secret")
            .api_key("key")
    }

    fn field_of(e: Error) -> String {
        match e {
            Error::InvalidArgument { field, .. } => field,
            other => panic!("expected InvalidArgument, got {other:?}"),
        }
    }

    #[test]
    fn defaults_follow_the_documents() {
        let c = base().build().unwrap();
        assert_eq!(c.base_url().as_str(), "https://acme.via.aspect-cloud.net/");
        assert_eq!(
            c.token_url().as_str(),
            "https://acme.via.aspect-cloud.net/via/v2/oauth2/token"
        );
    }

    #[test]
    fn http2_is_negotiated_by_default_and_named_once_for_every_binding() {
        assert_eq!(base().build().unwrap().http2(), Http2::Negotiate);
        for v in Http2::ALL {
            assert_eq!(Http2::parse(v.as_str()).unwrap(), v);
        }
        for bad in ["", "on", "true", "Negotiate", "h2"] {
            assert_eq!(field_of(Http2::parse(bad).unwrap_err()), "http2", "{bad:?}");
        }
        // Negotiation needs TLS: over plain http:// only prior knowledge speaks HTTP/2.
        assert!(Http2::Negotiate.possible(false));
        assert!(!Http2::Negotiate.possible(true));
        assert!(Http2::PriorKnowledge.possible(true));
        assert!(!Http2::Off.possible(false));
        let options = ClientOptions {
            http2: Some(Http2::Off),
            ..ClientOptions::default()
        };
        assert_eq!(base().options(options).build().unwrap().http2(), Http2::Off);
    }

    #[test]
    fn http1_pipelining_is_on_unless_turned_off() {
        assert!(base().build().unwrap().http1_pipelining());
        assert!(!base()
            .http1_pipelining(false)
            .build()
            .unwrap()
            .http1_pipelining());
        for (given, expected) in [(None, true), (Some(true), true), (Some(false), false)] {
            let options = ClientOptions {
                http1_pipelining: given,
                ..ClientOptions::default()
            };
            assert_eq!(
                base().options(options).build().unwrap().http1_pipelining(),
                expected
            );
        }
    }

    #[test]
    fn rejects_bad_values_naming_the_field() {
        assert_eq!(field_of(base().org_id("").build().unwrap_err()), "org_id");
        assert_eq!(
            field_of(base().org_id("a/b").build().unwrap_err()),
            "org_id"
        );
        assert_eq!(
            field_of(base().client_secret("").build().unwrap_err()),
            "client_secret"
        );
        assert_eq!(
            field_of(base().base_url("not a url").build().unwrap_err()),
            "base_url"
        );
        assert_eq!(
            field_of(base().base_url("http://example.com").build().unwrap_err()),
            "base_url"
        );
        assert_eq!(
            field_of(base().token_url("ftp://x/").build().unwrap_err()),
            "token_url"
        );
        assert_eq!(field_of(base().scopes([""]).build().unwrap_err()), "scopes");
        assert_eq!(
            field_of(base().max_response_bytes(0).build().unwrap_err()),
            "max_response_bytes"
        );
    }

    #[test]
    fn max_response_bytes_defaults_and_follows_the_options() {
        assert_eq!(
            base().build().unwrap().max_response_bytes(),
            DEFAULT_MAX_RESPONSE_BYTES
        );
        let c = base()
            .options(ClientOptions {
                max_response_bytes: Some(4096),
                ..Default::default()
            })
            .build()
            .unwrap();
        assert_eq!(c.max_response_bytes(), 4096);
    }

    #[test]
    fn a_token_url_is_used_as_given() {
        let c = base()
            .base_url("https://api.example.com/prefix")
            .token_url("https://auth.example.com/oauth2/token")
            .build()
            .unwrap();
        assert_eq!(c.base_url().as_str(), "https://api.example.com/prefix/");
        assert_eq!(
            c.token_url().as_str(),
            "https://auth.example.com/oauth2/token"
        );
    }

    #[test]
    fn http_allowed_for_loopback_or_when_asked() {
        assert!(base().base_url("http://127.0.0.1:8080").build().is_ok());
        assert!(base().base_url("http://localhost:1").build().is_ok());
        assert!(base().base_url("http://[::1]:1").build().is_ok());
        assert!(base()
            .base_url("http://example.com")
            .allow_insecure_http(true)
            .build()
            .is_ok());
    }

    #[test]
    fn debug_redacts_secrets() {
        let c = base().build().unwrap();
        let s = format!("{c:?}");
        assert!(!s.contains("secret\""), "{s}");
        assert!(!s.contains("\"key\""), "{s}");
    }
}
