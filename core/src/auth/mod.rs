//! Authentication providers. Every API's credentials sit behind one trait, so the transport
//! treats OAuth2 client credentials, public-chat web tokens and basic auth the same way.

mod cache;
mod oauth;
mod web_token;

pub use oauth::ClientCredentials;
pub use web_token::WebTokens;

use crate::error::Result;
use crate::secret::Secret;
use std::future::Future;
use std::pin::Pin;

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
