//! OAuth2 client credentials grant with a cached token and single-flight refresh.

use super::{AuthProvider, BoxFuture};
use crate::error::{Error, Result};
use crate::secret::Secret;
use serde::Deserialize;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;
use url::Url;

/// A token is refreshed this long before it expires, so a request never leaves with a token
/// that expires in flight; short-lived tokens refresh at 90% of their life instead.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);
/// Lifetime assumed when the token endpoint omits `expires_in`.
const DEFAULT_TTL: Duration = Duration::from_secs(3600);

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    expires_in: Option<f64>,
}

#[derive(Debug)]
struct CachedToken {
    header: Secret,
    refresh_at: Instant,
}

/// OAuth2 client credentials (`grant_type=client_credentials`) against a token endpoint.
///
/// The token is cached and shared by every request of the client. The cache sits behind an
/// async mutex that is held across the refresh, so concurrent callers wait for one request to
/// the token endpoint instead of each sending their own.
#[derive(Debug)]
pub struct ClientCredentials {
    http: reqwest::Client,
    token_url: Url,
    client_id: String,
    client_secret: Secret,
    scopes: Vec<String>,
    cache: Mutex<Option<CachedToken>>,
    /// The last token the service refused. Kept apart from the cache so that a refusal is
    /// never lost while another caller holds the cache lock.
    rejected: std::sync::Mutex<Option<Secret>>,
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
            cache: Mutex::new(None),
            rejected: std::sync::Mutex::new(None),
        }
    }

    async fn fetch(&self) -> Result<CachedToken> {
        let mut form = vec![("grant_type", "client_credentials".to_string())];
        if !self.scopes.is_empty() {
            form.push(("scope", self.scopes.join(" ")));
        }
        let started = Instant::now();
        let resp = self
            .http
            .post(self.token_url.clone())
            .basic_auth(&self.client_id, Some(self.client_secret.expose()))
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
            .map_err(|e| crate::transport::map_reqwest_error(&e))?;
        let status = resp.status();
        let body = resp
            .bytes()
            .await
            .map_err(|e| crate::transport::map_reqwest_error(&e))?;
        if !status.is_success() {
            let message = token_error_message(&body);
            tracing::warn!(status = status.as_u16(), "token request refused");
            return Err(match status.as_u16() {
                500..=599 => Error::Api {
                    status: status.as_u16(),
                    code: None,
                    message: format!("token endpoint: {message}"),
                    errors: Vec::new(),
                },
                429 => Error::RateLimited { retry_after: None },
                s => Error::Auth {
                    status: Some(s),
                    message: format!("token endpoint refused the client credentials: {message}"),
                },
            });
        }
        let token: TokenResponse = serde_json::from_slice(&body)
            .map_err(|e| Error::decode(format!("token response: {e}")))?;
        if token.access_token.is_empty() {
            return Err(Error::decode("token response: empty access_token"));
        }
        if let Some(t) = &token.token_type {
            if !t.eq_ignore_ascii_case("bearer") {
                return Err(Error::decode(format!(
                    "token response: unsupported token_type {t:?}"
                )));
            }
        }
        let ttl = token
            .expires_in
            .filter(|s| s.is_finite() && *s > 0.0)
            .map(Duration::from_secs_f64)
            .unwrap_or(DEFAULT_TTL);
        let margin = REFRESH_MARGIN.min(ttl / 10);
        tracing::debug!(ttl_s = ttl.as_secs(), "token acquired");
        Ok(CachedToken {
            header: Secret::new(format!("Bearer {}", token.access_token)),
            refresh_at: started + ttl - margin,
        })
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
        Ok(e) => [e.error, e.error_description, e.message]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(": "),
        Err(_) => String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
    }
}

impl AuthProvider for ClientCredentials {
    fn authorization(&self) -> BoxFuture<'_, Result<Secret>> {
        Box::pin(async move {
            let mut cache = self.cache.lock().await;
            if let Some(t) = cache.as_ref() {
                let refused = self
                    .rejected
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .as_ref()
                    .is_some_and(|r| r == &t.header);
                if Instant::now() < t.refresh_at && !refused {
                    return Ok(t.header.clone());
                }
            }
            let fresh = self.fetch().await?;
            let header = fresh.header.clone();
            *cache = Some(fresh);
            Ok(header)
        })
    }

    fn invalidate(&self, rejected: &Secret) {
        *self.rejected.lock().unwrap_or_else(|p| p.into_inner()) = Some(rejected.clone());
    }
}
