//! OAuth2 client credentials grant with a cached token and single-flight refresh.

use super::cache::{Fetched, TokenCache};
use super::{bearer, excerpt, AuthProvider, BoxFuture, TokenGrant, DEFAULT_TOKEN_TIMEOUT, MAX_TTL};
use crate::config::DEFAULT_MAX_RESPONSE_BYTES;
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::transport::{body_too_large, read_body};
use serde::Deserialize;
use serde_json::Value;
use std::time::{Duration, Instant};
use url::Url;

/// Lifetime assumed when the token endpoint omits `expires_in` or sends one that says
/// nothing usable (not a number, zero, negative).
const DEFAULT_TTL: Duration = Duration::from_secs(3600);

/// Reads the JSON answer of an OAuth2 token endpoint (RFC 6749, 5.1) into the header value
/// to send and the token's lifetime. The real token path uses it; it is public only for the
/// property tests.
///
/// An answer the client cannot use is [`Error::Decode`]: not JSON, not an object, no
/// `access_token`, an empty or non-string one or one that cannot travel in a header, or a
/// `token_type` other than `Bearer` (any case). `token_type` may be absent. `expires_in`
/// is read from a number or a numeric string (some servers send `"3600"`); anything else,
/// zero or negative means one hour; more than [`MAX_TTL`] means [`MAX_TTL`]. No message
/// contains the token.
#[doc(hidden)]
pub fn parse_token_response(body: &[u8]) -> Result<TokenGrant> {
    // Through a JSON tree rather than a derived struct: serde's type errors quote the
    // offending value, which could be the token.
    let v: Value =
        serde_json::from_slice(body).map_err(|e| Error::decode(format!("token response: {e}")))?;
    let Value::Object(map) = v else {
        return Err(Error::decode("token response: not a JSON object"));
    };
    let token = match map.get("access_token") {
        Some(Value::String(s)) if !s.is_empty() => s,
        Some(Value::String(_)) => return Err(Error::decode("token response: empty access_token")),
        None | Some(Value::Null) => return Err(Error::decode("token response: no access_token")),
        Some(_) => {
            return Err(Error::decode(
                "token response: access_token is not a string",
            ))
        }
    };
    match map.get("token_type") {
        None | Some(Value::Null) => {}
        Some(Value::String(t)) if t.eq_ignore_ascii_case("bearer") => {}
        Some(Value::String(t)) => {
            return Err(Error::decode(format!(
                "token response: unsupported token_type {:?}",
                excerpt(t, 40)
            )))
        }
        Some(_) => return Err(Error::decode("token response: token_type is not a string")),
    }
    let seconds = match map.get("expires_in") {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    let ttl = seconds
        .filter(|s| s.is_finite() && *s > 0.0)
        // Compared before converting: Duration::from_secs_f64 panics past u64 seconds.
        .map(|s| {
            if s >= MAX_TTL.as_secs_f64() {
                MAX_TTL
            } else {
                Duration::from_secs_f64(s)
            }
        })
        .filter(|d| !d.is_zero())
        .unwrap_or(DEFAULT_TTL);
    Ok(TokenGrant {
        authorization: bearer(token, "token response: access_token")?,
        ttl,
    })
}

/// OAuth2 client credentials (`grant_type=client_credentials`) against a token endpoint.
///
/// The token is cached and shared by every request of the client; concurrent callers wait
/// for one refresh.
#[derive(Debug)]
pub struct ClientCredentials {
    http: reqwest::Client,
    token_url: Url,
    client_id: String,
    client_secret: Secret,
    scopes: Vec<String>,
    max_response_bytes: u64,
    timeout: Duration,
    cache: TokenCache,
}

impl ClientCredentials {
    /// Creates a provider; no request is sent until the first token is needed.
    pub fn new(
        http: reqwest::Client,
        token_url: Url,
        client_id: String,
        client_secret: Secret,
        scopes: Vec<String>,
    ) -> Self {
        ClientCredentials {
            http,
            token_url,
            client_id,
            client_secret,
            scopes,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            timeout: DEFAULT_TOKEN_TIMEOUT,
            cache: TokenCache::default(),
        }
    }

    /// Bounds a token request as the client's other requests
    /// ([`crate::ViaConfigBuilder::request_timeout`]): a token endpoint that accepts the
    /// connection and never answers must not hold every request waiting for the token.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Bounds the token endpoint's answers as the client's other responses
    /// ([`crate::ViaConfigBuilder::max_response_bytes`]).
    pub fn with_max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }

    async fn fetch(&self) -> Result<Fetched> {
        let mut form = vec![("grant_type", "client_credentials".to_string())];
        if !self.scopes.is_empty() {
            form.push(("scope", self.scopes.join(" ")));
        }
        let started = Instant::now();
        let resp = self
            .http
            .post(self.token_url.clone())
            .timeout(self.timeout)
            .basic_auth(&self.client_id, Some(self.client_secret.expose()))
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
            .map_err(|e| crate::transport::map_reqwest_error(&e))?;
        let status = resp.status();
        let retry_after = crate::transport::parse_retry_after(resp.headers());
        let body = read_body(resp, self.max_response_bytes).await?;
        if !status.is_success() {
            // An oversized refusal is still a refusal: its first bytes make the message.
            let message = token_error_message(&body.bytes);
            tracing::warn!(status = status.as_u16(), "token request refused");
            return Err(match status.as_u16() {
                500..=599 => Error::Api {
                    status: status.as_u16(),
                    code: None,
                    message: format!("token endpoint: {message}"),
                    errors: Vec::new(),
                },
                429 => Error::RateLimited { retry_after },
                s => Error::Auth {
                    status: Some(s),
                    message: format!("token endpoint refused the client credentials: {message}"),
                },
            });
        }
        if body.truncated {
            return Err(body_too_large("token endpoint", self.max_response_bytes));
        }
        let grant = parse_token_response(&body.bytes)?;
        tracing::debug!(ttl_s = grant.ttl.as_secs(), "token acquired");
        Ok(Fetched::from_grant(grant, started))
    }
}

fn token_error_message(body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct OAuthError {
        error: Option<String>,
        error_description: Option<String>,
        message: Option<String>,
    }
    match serde_json::from_slice::<OAuthError>(body) {
        Ok(e) => excerpt(
            &[e.error, e.error_description, e.message]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(": "),
            300,
        ),
        Err(_) => String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
    }
}

impl AuthProvider for ClientCredentials {
    fn authorization(&self) -> BoxFuture<'_, Result<Secret>> {
        Box::pin(self.cache.get(|| self.fetch()))
    }

    fn invalidate(&self, rejected: &Secret) {
        self.cache.invalidate(rejected);
    }
}
