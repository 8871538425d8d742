//! The cached credential shared by every provider: single-flight refresh, refresh before
//! expiry, and refusals remembered apart from the cache.

use crate::error::Result;
use crate::secret::Secret;
use crate::sync::lock;
use std::future::Future;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// A credential is refreshed this long before it expires, so a request never leaves with
/// one that expires in flight; short-lived credentials refresh at 90% of their life instead.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// A fetched credential: the `Authorization` header value and when to fetch the next one.
#[derive(Debug)]
pub(crate) struct Fetched {
    pub header: Secret,
    pub refresh_at: Instant,
}

impl Fetched {
    /// A credential fetched at `started` that the service honours for `ttl`.
    pub fn new(header: Secret, started: Instant, ttl: Duration) -> Self {
        // Capped again here, so no caller can make the addition overflow (a panic).
        let ttl = ttl.min(super::MAX_TTL);
        let margin = REFRESH_MARGIN.min(ttl / 10);
        Fetched {
            header,
            refresh_at: started.checked_add(ttl - margin).unwrap_or(started),
        }
    }

    /// A checked grant, fetched at `started`.
    pub fn from_grant(grant: super::TokenGrant, started: Instant) -> Self {
        Fetched::new(grant.authorization, started, grant.ttl)
    }
}

/// The cache sits behind an async mutex held across the refresh, so concurrent callers wait
/// for one request to the token service instead of each sending their own.
#[derive(Debug, Default)]
pub(crate) struct TokenCache {
    cache: Mutex<Option<Fetched>>,
    /// The last credential the service refused. Kept apart from the cache so that a refusal
    /// is never lost while another caller holds the cache lock.
    rejected: std::sync::Mutex<Option<Secret>>,
}

impl TokenCache {
    /// The cached header, or a fresh one from `fetch` when it is due or was refused.
    pub async fn get<F: Future<Output = Result<Fetched>>>(
        &self,
        fetch: impl FnOnce() -> F,
    ) -> Result<Secret> {
        let mut cache = self.cache.lock().await;
        if let Some(t) = cache.as_ref() {
            let refused = lock(&self.rejected)
                .as_ref()
                .is_some_and(|r| r == &t.header);
            if Instant::now() < t.refresh_at && !refused {
                return Ok(t.header.clone());
            }
        }
        let fresh = fetch().await?;
        let header = fresh.header.clone();
        *cache = Some(fresh);
        Ok(header)
    }

    /// Remembers that the service refused `rejected`.
    pub fn invalidate(&self, rejected: &Secret) {
        *lock(&self.rejected) = Some(rejected.clone());
    }
}
