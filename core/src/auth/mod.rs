//! Authentication providers. Every API's credentials sit behind one trait, so the transport
//! treats OAuth2 client credentials, public-chat web tokens and basic auth the same way.

mod cache;
mod oauth;
mod web_token;

#[doc(hidden)]
pub use oauth::parse_token_response;
pub use oauth::ClientCredentials;
#[doc(hidden)]
pub use web_token::parse_web_token_response;
pub use web_token::WebTokens;

use crate::error::{Error, Result};
use crate::secret::Secret;
use reqwest::header::HeaderValue;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// Longest lifetime ccbridge believes a credential has, whatever the token service says.
/// A longer claim costs one early refresh a day; believing it could push the refresh time
/// past what `Instant` arithmetic can hold.
pub const MAX_TTL: Duration = Duration::from_secs(24 * 3600);

/// How long a token request may take unless the provider is told
/// (`with_timeout`; the client passes its `request_timeout`).
pub const DEFAULT_TOKEN_TIMEOUT: Duration = Duration::from_secs(30);

/// A token service's answer, read and checked: what goes in `Authorization`, and for how
/// long. What the parsers return; public only for the property tests.
#[doc(hidden)]
#[derive(Debug)]
pub struct TokenGrant {
    /// `Bearer {token}`, valid as a header value.
    pub authorization: Secret,
    /// How long the service honours it: never zero, at most [`MAX_TTL`].
    pub ttl: Duration,
}

/// `Bearer {token}`, refused here rather than on every request if the token cannot travel
/// in a header. The token is never part of the message.
fn bearer(token: &str, what: &str) -> Result<Secret> {
    let value = format!("Bearer {token}");
    if HeaderValue::from_str(&value).is_err() {
        return Err(Error::decode(format!(
            "{what} contains characters not allowed in a header"
        )));
    }
    Ok(Secret::new(value))
}

/// At most `max` characters of a server-chosen string, for an error message: a huge value
/// must not make a huge message.
fn excerpt(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((end, _)) => format!("{}...", &s[..end]),
        None => s.to_string(),
    }
}

/// A boxed future, as trait objects need.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Supplies the `Authorization` header value of a request.
pub trait AuthProvider: Send + Sync + std::fmt::Debug {
    /// The header value to send (`Bearer ...`, `Basic ...`), fetching or refreshing a
    /// credential when needed. Concurrent callers share one refresh.
    fn authorization(&self) -> BoxFuture<'_, Result<Secret>>;

    /// Tells the provider that the service refused `rejected` with a 401, so the next call to
    /// [`AuthProvider::authorization`] fetches a new credential. A value other than the
    /// cached one is ignored: another caller already refreshed.
    fn invalidate(&self, rejected: &Secret);
}
