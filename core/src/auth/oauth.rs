//! OAuth2 client credentials grant with a cached token and single-flight refresh.

use super::cache::{Fetched, TokenCache};
use super::{AuthProvider, BoxFuture};
use crate::error::{Error, Result};
use crate::secret::Secret;
use serde::Deserialize;
use std::time::{Duration, Instant};
use url::Url;

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
            cache: TokenCache::default(),
        }
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
        tracing::debug!(ttl_s = ttl.as_secs(), "token acquired");
        Ok(Fetched::new(
            Secret::new(format!("Bearer {}", token.access_token)),
            started,
            ttl,
        ))
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
        Box::pin(self.cache.get(|| self.fetch()))
    }

    fn invalidate(&self, rejected: &Secret) {
        self.cache.invalidate(rejected);
    }
}
