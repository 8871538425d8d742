//! Public-chat web tokens: `POST webToken/tokens` answers `{tokenId, expirationTime}`, and
//! `tokenId` is the bearer token of the messaging and web-client streaming operations.

use super::cache::{Fetched, TokenCache};
use super::{bearer, AuthProvider, BoxFuture, TokenGrant, DEFAULT_TOKEN_TIMEOUT, MAX_TTL};
use crate::config::DEFAULT_MAX_RESPONSE_BYTES;
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::transport::{body_too_large, read_body, API_KEY_HEADER};
use serde_json::Value;
use std::time::{Duration, Instant, SystemTime};
use url::Url;

/// Lifetime assumed when `expirationTime` is missing or unreadable: short, so a wrong guess
/// costs one early refresh rather than a refused request.
const DEFAULT_TTL: Duration = Duration::from_secs(300);

/// Reads the answer of `POST webToken/tokens` (`{tokenId, expirationTime}`) into the header
/// value to send and the token's lifetime from `now`. The real token path uses it; it is
/// public only for the property tests.
///
/// An answer the client cannot use is [`Error::Decode`]: not JSON, not an object, no
/// `tokenId`, an empty or non-string one or one that cannot travel in a header.
/// `expirationTime` missing, unreadable (not RFC 3339) or already past means five minutes;
/// more than [`MAX_TTL`] ahead means [`MAX_TTL`]. No message contains the token.
#[doc(hidden)]
pub fn parse_web_token_response(body: &[u8], now: SystemTime) -> Result<TokenGrant> {
    // Through a JSON tree rather than a derived struct: serde's type errors quote the
    // offending value, which could be the token.
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| Error::decode(format!("web token response: {e}")))?;
    let Value::Object(map) = v else {
        return Err(Error::decode("web token response: not a JSON object"));
    };
    let token = match map.get("tokenId") {
        Some(Value::String(s)) if !s.is_empty() => s,
        Some(Value::String(_)) => return Err(Error::decode("web token response: empty tokenId")),
        None | Some(Value::Null) => return Err(Error::decode("web token response: no tokenId")),
        Some(_) => return Err(Error::decode("web token response: tokenId is not a string")),
    };
    let ttl = match map.get("expirationTime") {
        Some(Value::String(t)) => {
            time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
                .ok()
                .and_then(|exp| remaining(exp, now))
        }
        _ => None,
    }
    .unwrap_or(DEFAULT_TTL);
    Ok(TokenGrant {
        authorization: bearer(token, "web token response: tokenId")?,
        ttl,
    })
}

/// Time from `now` until `exp`, capped at [`MAX_TTL`]; `None` when it is not ahead. In
/// integer nanoseconds: converting `exp` to a `SystemTime` can overflow (a panic) on
/// platforms whose clock starts late, and any year from 1 to 9999 parses.
fn remaining(exp: time::OffsetDateTime, now: SystemTime) -> Option<Duration> {
    let now_ns: i128 = match now.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => i128::try_from(d.as_nanos()).ok()?,
        Err(e) => -i128::try_from(e.duration().as_nanos()).ok()?,
    };
    let ahead = exp.unix_timestamp_nanos().checked_sub(now_ns)?;
    if ahead <= 0 {
        return None;
    }
    Some(
        u64::try_from(ahead)
            .map_or(MAX_TTL, Duration::from_nanos)
            .min(MAX_TTL),
    )
}

/// Web tokens of one organization, fetched with the API key alone, cached and refreshed
/// before `expirationTime`.
#[derive(Debug)]
pub struct WebTokens {
    http: reqwest::Client,
    url: Url,
    api_key: Secret,
    max_response_bytes: u64,
    timeout: Duration,
    cache: TokenCache,
}

impl WebTokens {
    /// A provider for the token endpoint `url`; no request is sent until a token is needed.
    pub fn new(http: reqwest::Client, url: Url, api_key: Secret) -> Self {
        WebTokens {
            http,
            url,
            api_key,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            timeout: DEFAULT_TOKEN_TIMEOUT,
            cache: TokenCache::default(),
        }
    }

    /// Bounds a web-token request as the client's other requests
    /// ([`crate::ViaConfigBuilder::request_timeout`]), so a stalled token service cannot
    /// hold the chat's requests for ever.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Bounds the web-token service's answers as the client's other responses
    /// ([`crate::ViaConfigBuilder::max_response_bytes`]).
    pub fn with_max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }

    async fn fetch(&self) -> Result<Fetched> {
        let started = Instant::now();
        let resp = self
            .http
            .post(self.url.clone())
            .timeout(self.timeout)
            .header(API_KEY_HEADER, self.api_key.expose())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| crate::transport::map_reqwest_error(&e))?;
        let status = resp.status().as_u16();
        // A 429's wait, so the retry of the request that needed the token honours it.
        let retry_after = crate::transport::parse_retry_after(resp.headers());
        let body = read_body(resp, self.max_response_bytes).await?;
        if !(200..300).contains(&status) {
            tracing::warn!(status, "web token request refused");
            // An oversized refusal is still a refusal: its first bytes make the message.
            return Err(
                match crate::transport::map_status(status, &body.bytes, retry_after) {
                    Error::Auth { status, message } => Error::Auth {
                        status,
                        message: format!("web token service: {message}"),
                    },
                    other => other,
                },
            );
        }
        if body.truncated {
            return Err(body_too_large("web token service", self.max_response_bytes));
        }
        let grant = parse_web_token_response(&body.bytes, SystemTime::now())?;
        tracing::debug!(ttl_s = grant.ttl.as_secs(), "web token acquired");
        Ok(Fetched::from_grant(grant, started))
    }
}

impl AuthProvider for WebTokens {
    fn authorization(&self) -> BoxFuture<'_, Result<Secret>> {
        Box::pin(self.cache.get(|| self.fetch()))
    }

    fn invalidate(&self, rejected: &Secret) {
        self.cache.invalidate(rejected);
    }
}
