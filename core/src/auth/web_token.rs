//! Public-chat web tokens: `POST webToken/tokens` answers `{tokenId, expirationTime}`, and
//! `tokenId` is the bearer token of the messaging and web-client streaming operations.

use super::cache::{Fetched, TokenCache};
use super::{AuthProvider, BoxFuture};
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::transport::API_KEY_HEADER;
use serde::Deserialize;
use std::time::{Duration, Instant, SystemTime};
use url::Url;

/// Lifetime assumed when `expirationTime` is missing or unreadable: short, so a wrong guess
/// costs one early refresh rather than a refused request.
const DEFAULT_TTL: Duration = Duration::from_secs(300);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenResponse {
    #[serde(default)]
    token_id: String,
    #[serde(default)]
    expiration_time: Option<String>,
}

/// Web tokens of one organization, fetched with the API key alone, cached and refreshed
/// before `expirationTime`.
#[derive(Debug)]
pub struct WebTokens {
    http: reqwest::Client,
    url: Url,
    api_key: Secret,
    cache: TokenCache,
}

impl WebTokens {
    /// A provider for the token endpoint `url`; no request is sent until a token is needed.
    pub fn new(http: reqwest::Client, url: Url, api_key: Secret) -> Self {
        WebTokens {
            http,
            url,
            api_key,
            cache: TokenCache::default(),
        }
    }

    async fn fetch(&self) -> Result<Fetched> {
        let started = Instant::now();
        let resp = self
            .http
            .post(self.url.clone())
            .header(API_KEY_HEADER, self.api_key.expose())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| crate::transport::map_reqwest_error(&e))?;
        let status = resp.status().as_u16();
        let body = resp
            .bytes()
            .await
            .map_err(|e| crate::transport::map_reqwest_error(&e))?;
        if !(200..300).contains(&status) {
            tracing::warn!(status, "web token request refused");
            return Err(match crate::transport::map_status(status, &body, None) {
                Error::Auth { status, message } => Error::Auth {
                    status,
                    message: format!("web token service: {message}"),
                },
                other => other,
            });
        }
        let token: TokenResponse = serde_json::from_slice(&body)
            .map_err(|e| Error::decode(format!("web token response: {e}")))?;
        if token.token_id.is_empty() {
            return Err(Error::decode("web token response: empty tokenId"));
        }
        let ttl = token
            .expiration_time
            .as_deref()
            .and_then(|t| {
                time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
            })
            .and_then(|exp| {
                let exp = SystemTime::from(exp);
                exp.duration_since(SystemTime::now()).ok()
            })
            .filter(|d| !d.is_zero())
            .unwrap_or(DEFAULT_TTL);
        tracing::debug!(ttl_s = ttl.as_secs(), "web token acquired");
        Ok(Fetched::new(
            Secret::new(format!("Bearer {}", token.token_id)),
            started,
            ttl,
        ))
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
