//! [`ViaClient`]: the entry point to the Alvaria Cloud APIs.

use crate::auth::{AuthProvider, ClientCredentials, WebTokens};
use crate::config::{Http2, ViaConfig, ViaConfigBuilder};
use crate::error::Result;
use crate::h1_connections::H1Connections;
use crate::h2_connection::H2Connection;
use crate::lanes::{BuildLane, LaneHttp};
use crate::ops::{self, Call, Operation, RawRequest};
use crate::transport::{RateLimit, Transport};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// A client of the Alvaria Cloud ("Via") APIs for one organization.
///
/// Cheap to clone: clones share the HTTP connection pool, the token cache, the retry
/// budget and the rate-limit state.
#[derive(Debug, Clone)]
pub struct ViaClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: ViaConfig,
    transport: Transport,
}

impl ViaClient {
    /// Starts a configuration builder.
    pub fn builder() -> ViaConfigBuilder {
        ViaConfig::builder()
    }

    /// Creates a client. No request is sent until the first call.
    pub fn new(config: ViaConfig) -> Result<Self> {
        let (connect_timeout, http2, plain_http) = (
            config.connect_timeout,
            config.http2,
            config.base_url.scheme() == "http",
        );
        let http = Transport::http_client(connect_timeout, http2, plain_http)?;
        let auth: Arc<dyn AuthProvider> = Arc::new(
            ClientCredentials::new(
                http.clone(),
                config.token_url.clone(),
                config.client_id.clone(),
                config.client_secret.clone(),
                config.scopes.clone(),
            )
            .with_max_response_bytes(config.max_response_bytes)
            .with_timeout(config.request_timeout),
        );
        // The token endpoint is an operation of the table like any other.
        let web_token_path = ops::require("webToken.createToken")?
            .render_path(&config.org_id, &Default::default())?;
        let web_token_url = config
            .base_url
            .join(&web_token_path)
            .map_err(|e| crate::Error::invalid("base_url", e.to_string()))?;
        let web_tokens: Arc<dyn AuthProvider> = Arc::new(
            WebTokens::new(http.clone(), web_token_url, config.api_key.clone())
                .with_max_response_bytes(config.max_response_bytes)
                .with_timeout(config.request_timeout),
        );
        let transport = Transport::new(
            http,
            config.base_url.clone(),
            config.api_key.clone(),
            auth,
            config.retry.clone(),
            config.request_timeout,
        )
        .with_web_tokens(web_tokens)
        .with_max_response_bytes(config.max_response_bytes)
        .with_pipelining(config.http1_pipelining);
        let transport = if http2.possible(plain_http) {
            transport.with_lanes(
                lane_builder(&config.base_url, http2, connect_timeout)?,
                config.http2_streams_per_connection,
            )
        } else if crate::h2_connection::proxy_in_environment() {
            transport
        } else {
            transport.with_h1_connections(Arc::new(h1_connections(
                &config.base_url,
                http2,
                connect_timeout,
            )?))
        };
        Ok(ViaClient {
            inner: Arc::new(Inner { config, transport }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ViaConfig {
        &self.inner.config
    }

    pub(crate) fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    /// The last rate-limit figures the service reported.
    pub fn rate_limits(&self) -> Vec<RateLimit> {
        self.inner.transport.rate_limits()
    }

    /// Calls any operation of the table by name with JSON parameters, and returns the JSON
    /// response body (`null` when the service sent none, as for `202 Accepted`).
    ///
    /// `params` is an object whose keys are the operation's path parameters (`"userId"`),
    /// plus `"sessionId"` (the `via-client-sessionid` header, for session-bound operations),
    /// `"query"` (an object of query parameters), `"body"` (the JSON body) and `"extraBody"`
    /// (body fields the documents do not describe yet). Everything is checked against the
    /// description before anything is sent, exactly as for the typed methods.
    pub async fn call(&self, op_name: &str, params: Value) -> Result<Value> {
        let op = ops::require(op_name)?;
        let call = Call::from_json(op, params)?;
        self.execute(op, call).await
    }

    /// Sends a request to a Via API the description does not cover (provisioning, campaign,
    /// reporting...) through the same transport as every operation: OAuth2 bearer and
    /// `x-api-key`, rate-limit pacing, retries, typed errors. Returns the JSON answer
    /// (`null` when there is none).
    pub async fn raw(&self, request: RawRequest) -> Result<Value> {
        let req = request.prepare(&self.inner.config.org_id)?;
        let resp = self.inner.transport.send(req).await?;
        Ok(resp.body.unwrap_or(Value::Null))
    }

    /// Checks a call against the description of `op`, sends it, and returns the JSON body
    /// of the answer (`null` when there is none).
    pub async fn execute(&self, op: &'static Operation, call: Call) -> Result<Value> {
        let req = op.prepare(&self.inner.config.org_id, call)?;
        if op.deprecated {
            warn_deprecated(op);
        }
        let resp = self.inner.transport.send(req).await?;
        Ok(resp.body.unwrap_or(Value::Null))
    }
}

/// Logs once per process per operation that a legacy operation is in use: once is enough
/// to be seen, and a poll loop on a v2 session must not flood the log.
fn warn_deprecated(op: &'static Operation) {
    static WARNED: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let mut warned = crate::sync::lock(&WARNED);
    if !warned.contains(&op.name) {
        warned.push(op.name);
        tracing::warn!(
            op = op.name,
            "legacy v2 streaming operation; the v3 operations replace it"
        );
    }
}

/// How the lanes of a client's event streams are built: an HTTP/2 connection of our own
/// each, or, with a proxy in the environment (only reqwest follows one), a reqwest pool.
fn lane_builder(base_url: &Url, http2: Http2, connect_timeout: Duration) -> Result<BuildLane> {
    let plain_http = base_url.scheme() == "http";
    if crate::h2_connection::proxy_in_environment() {
        return Ok(Box::new(move || {
            Transport::http_client(connect_timeout, http2, plain_http).map(LaneHttp::Pool)
        }));
    }
    let tls = tls_setup(base_url, http2)?;
    let http1 = Arc::new(H1Connections::new(base_url, tls.clone(), connect_timeout)?);
    let base_url = base_url.clone();
    Ok(Box::new(move || {
        H2Connection::new(&base_url, tls.clone(), connect_timeout, http1.clone())
            .map(|c| LaneHttp::Direct(Arc::new(c)))
    }))
}

/// The TLS setup of a client's connections of our own, for an `https://` base URL.
fn tls_setup(base_url: &Url, http2: Http2) -> Result<Option<Arc<rustls::ClientConfig>>> {
    if base_url.scheme() == "http" {
        return Ok(None);
    }
    crate::h2_connection::tls_config(http2, &[]).map(Some)
}

/// The HTTP/1.1 connections of a client's long polls where HTTP/2 is not spoken.
fn h1_connections(
    base_url: &Url,
    http2: Http2,
    connect_timeout: Duration,
) -> Result<H1Connections> {
    H1Connections::new(base_url, tls_setup(base_url, http2)?, connect_timeout)
}
