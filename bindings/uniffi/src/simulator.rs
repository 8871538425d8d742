//! [`Simulator`]: the simulator of the APIs (crate `ccbridge-sim`) embedded in the library,
//! behind the cargo feature `simulator` (on by default).
//!
//! The simulator runs on a thread with its own runtime, not on the core's (see
//! `runtime.rs`): nothing here is `async`, and starting or stopping it only waits for that
//! thread.

use crate::error::CcbError;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The simulator of the Alvaria Cloud ("Via") APIs, running inside this process on
/// 127.0.0.1: develop and test without the service.
///
/// It accepts the fixed credentials `orgId()`, `clientId()`, `clientSecret()` and
/// `apiKey()`; give a `ViaClient` those and `ClientOptions(baseUrl = url())`. Its control
/// API (plain HTTP under `url() + "/sim/"`) injects events, customer chats and faults, and
/// expires sessions and tokens.
///
/// Closing it (Kotlin `close()`/`use {}`, Swift releasing the last reference) or `stop()`
/// stops the server; stop the streams using it first, so that they can delete their
/// sessions. It is an in-memory test double: nothing persists.
#[derive(uniffi::Object)]
pub struct Simulator {
    sim: Mutex<Option<ccbridge_sim::Simulator>>,
    url: String,
    org_id: String,
    client_id: String,
    client_secret: String,
    api_key: String,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator").field("url", &self.url).finish()
    }
}

#[uniffi::export]
impl Simulator {
    /// Starts a simulator and returns once it accepts connections.
    ///
    /// `port`: on 127.0.0.1; null picks a free one. `poll_wait_ms`: how long `GET /events`
    /// waits when no event is queued (default: the documented 15 000; shorten it in tests).
    /// `token_ttl_secs` / `web_token_ttl_secs`: lifetime of the access and web tokens it
    /// issues (default 3600). `rate_limit_per_second`: requests per second before it answers
    /// 429 (default 100; 0 means unlimited). Fails with `Transport` when it cannot listen
    /// (the port is taken).
    #[uniffi::constructor(default(
        port = None,
        poll_wait_ms = None,
        token_ttl_secs = None,
        web_token_ttl_secs = None,
        rate_limit_per_second = None
    ))]
    pub fn new(
        port: Option<u16>,
        poll_wait_ms: Option<u64>,
        token_ttl_secs: Option<u64>,
        web_token_ttl_secs: Option<u64>,
        rate_limit_per_second: Option<u32>,
    ) -> Result<Arc<Self>, CcbError> {
        let options = ccbridge_sim::SimOptions {
            port,
            poll_wait: poll_wait_ms.map(Duration::from_millis),
            token_ttl: token_ttl_secs.map(Duration::from_secs),
            web_token_ttl: web_token_ttl_secs.map(Duration::from_secs),
            rate_limit_per_second,
        };
        let sim = ccbridge_sim::Simulator::start_embedded(&options)?;
        let c = sim.config();
        Ok(Arc::new(Simulator {
            url: sim.base_url(),
            org_id: c.org_id.clone(),
            client_id: c.client_id.clone(),
            client_secret: c.client_secret.clone(),
            api_key: c.api_key.clone(),
            sim: Mutex::new(Some(sim)),
        }))
    }

    /// `http://127.0.0.1:PORT`: the `baseUrl` of a client of it.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// The only organization id it knows.
    pub fn org_id(&self) -> String {
        self.org_id.clone()
    }

    /// The OAuth2 client id it accepts.
    pub fn client_id(&self) -> String {
        self.client_id.clone()
    }

    /// The OAuth2 client secret it accepts (a fixed test value).
    pub fn client_secret(&self) -> String {
        self.client_secret.clone()
    }

    /// The `x-api-key` value it requires (a fixed test value).
    pub fn api_key(&self) -> String {
        self.api_key.clone()
    }

    /// Whether it still runs.
    pub fn is_running(&self) -> bool {
        self.lock().is_some()
    }

    /// Stops the server and waits until it has; a client's next request to it fails with
    /// `Transport`. Idempotent. The accessors keep answering.
    pub fn stop(&self) {
        // Taken out of the lock first: the wait must not hold it.
        let sim = self.lock().take();
        drop(sim);
    }
}

impl Simulator {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<ccbridge_sim::Simulator>> {
        self.sim.lock().unwrap_or_else(|p| p.into_inner())
    }
}
