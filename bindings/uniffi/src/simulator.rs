//! [`Simulator`]: the simulator of the APIs (crate `ccbridge-sim`) embedded in the library,
//! behind the cargo feature `simulator` (on by default).
//!
//! The simulator runs on a thread with its own runtime, not on the core's (see
//! `runtime.rs`): nothing here is `async`, and starting or stopping it only waits for that
//! thread. The agent helpers (`offer`, `hang_up`, `fail_next_login`, `agent_info`) call its
//! state directly, as its control API does.

use crate::error::CcbError;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The simulator's model of one agent (`Simulator.agentInfo`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SimAgentInfo {
    /// Logged in.
    pub connected: bool,
    /// `Idle`, `NotReady`, `Park` or `Disconnected` (work does not change it).
    pub state: String,
    /// The login's `ehubSessionId`, when logged in.
    pub ehub_session_id: Option<String>,
    /// Streaming sessions receiving the agent's events: the login's, then the attachments.
    pub sessions: Vec<String>,
    /// `reasonId` of the NotReady or Park state.
    pub reason_id: Option<String>,
    /// The request held until the work is over: `NotReady`, `Park` or `Disconnect`.
    pub pending: Option<String>,
    /// The `reasonId` of a pending NotReady or Park.
    pub pending_reason_id: Option<String>,
    /// The streaming session the login came from, while it lives.
    pub login_session_id: Option<String>,
    /// The agent's interactions (consultation legs included).
    pub interactions: Vec<SimInteraction>,
    /// The keep-alive timeout in force, ms, from the first keepAlive on.
    pub keep_alive_timeout_ms: Option<u64>,
    /// Time left before a missing keepAlive logs the agent out, ms.
    pub keep_alive_expires_in_ms: Option<u64>,
    /// The live attachments.
    pub attachments: Vec<SimAttachment>,
    /// The failCode the next login will fail with, when armed (`failNextLogin`).
    pub fail_next_login: Option<i64>,
}

/// One interaction in [`SimAgentInfo`].
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SimInteraction {
    /// Its id.
    pub interaction_id: String,
    /// Its MediaType (`InboundACD`, `InboundChat`...).
    pub media_type: String,
    /// `Offered`, `Active`, `Held` or `Wrap`.
    pub state: String,
    /// The consultation leg opened from it.
    pub consult_interaction_id: Option<String>,
    /// For a consultation leg, the interaction it was opened from.
    pub primary_interaction_id: Option<String>,
    /// A consultation was merged into it.
    pub conference: bool,
}

/// One attachment in [`SimAgentInfo`].
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SimAttachment {
    /// The attached streaming session.
    pub session_id: String,
    /// Time left before it stops receiving the agent's events unless renewed, ms.
    pub expires_in_ms: u64,
}

impl From<ccbridge_sim::UserInfo> for SimAgentInfo {
    fn from(u: ccbridge_sim::UserInfo) -> Self {
        SimAgentInfo {
            connected: u.connected,
            state: u.state,
            ehub_session_id: u.ehub_session_id,
            sessions: u.sessions,
            reason_id: u.reason_id,
            pending_reason_id: u.pending.as_ref().and_then(|p| p.reason_id.clone()),
            pending: u.pending.map(|p| p.kind),
            login_session_id: u.login_session_id,
            interactions: u
                .interactions
                .into_iter()
                .map(|i| SimInteraction {
                    interaction_id: i.interaction_id.to_string(),
                    media_type: i.media_type,
                    state: i.state,
                    consult_interaction_id: i.consult_interaction_id.map(|c| c.to_string()),
                    primary_interaction_id: i.primary_interaction_id.map(|p| p.to_string()),
                    conference: i.conference,
                })
                .collect(),
            keep_alive_timeout_ms: u.keep_alive.as_ref().map(|k| k.timeout_ms),
            keep_alive_expires_in_ms: u.keep_alive.as_ref().map(|k| k.expires_in_ms),
            attachments: u
                .attachments
                .into_iter()
                .map(|a| SimAttachment {
                    session_id: a.session_id,
                    expires_in_ms: a.expires_in_ms,
                })
                .collect(),
            fail_next_login: u.fail_next_login,
        }
    }
}

/// The simulator's refusal as the error its control API would answer.
fn refused(e: ccbridge_sim::ApiError) -> CcbError {
    CcbError::from(ccbridge::Error::from(e))
}

/// A JSON text argument (`None` when absent or blank), or `InvalidArgument` naming it.
fn json_arg(field: &str, text: Option<String>) -> Result<Option<serde_json::Value>, CcbError> {
    match text.filter(|t| !t.trim().is_empty()) {
        Some(text) => Ok(Some(ccbridge::validate::json_text(field, &text)?)),
        None => Ok(None),
    }
}

/// `e` (a serde error about the JSON argument `field`) as `InvalidArgument`.
fn bad_json(field: &str) -> impl Fn(serde_json::Error) -> CcbError + '_ {
    move |e| CcbError::invalid(field, e.to_string())
}

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

#[uniffi::export]
impl Simulator {
    /// Routes new work to a logged-in, Idle agent without interactions (as an ACD would):
    /// a new interaction, Offered, and its `engagementCenter.ScreenPop`. Returns its
    /// `interactionId`.
    ///
    /// `media_type`: a MediaType of the description (default `InboundACD`).
    /// `screen_data_json`: an object merged over the default screen data (`ani`, `dnis`...).
    /// `interaction_data_json`: the user fields, `[{"key", "value", "isMasked"?}]`.
    /// Fails with `Conflict` when the agent is not logged in or not Idle,
    /// `InvalidArgument` for an unknown media type or bad JSON, `Closed` once stopped.
    #[uniffi::method(default(
        media_type = None,
        screen_data_json = None,
        interaction_data_json = None
    ))]
    pub fn offer(
        &self,
        user_id: String,
        media_type: Option<String>,
        screen_data_json: Option<String>,
        interaction_data_json: Option<String>,
    ) -> Result<String, CcbError> {
        let screen_data = json_arg("screen_data_json", screen_data_json)?
            .map(serde_json::from_value)
            .transpose()
            .map_err(bad_json("screen_data_json"))?;
        let interaction_data = json_arg("interaction_data_json", interaction_data_json)?
            .map(serde_json::from_value)
            .transpose()
            .map_err(bad_json("interaction_data_json"))?;
        let offer = ccbridge_sim::Offer {
            media_type,
            screen_data,
            interaction_data,
        };
        let id = self.state()?.offer(&user_id, offer).map_err(refused)?;
        Ok(id.to_string())
    }

    /// The far end hangs up an Active or Held interaction: an informational Error (252),
    /// `InteractionClear`, then `Wrap`. `NotFound` for an interaction the agent does not
    /// have, `Conflict` for one that is not Active or Held.
    pub fn hang_up(&self, user_id: String, interaction_id: String) -> Result<(), CcbError> {
        let id = interaction_id
            .trim()
            .parse::<u64>()
            .map_err(|_| CcbError::NotFound {
                detail: format!("agent {user_id} has no interaction {interaction_id}"),
            })?;
        self.state()?.hang_up(&user_id, id).map_err(refused)
    }

    /// Makes the agent's next login fail: `Connecting`, an `Error` with this failCode
    /// (default 16, CTI login failed) and failReason (default: the documents' text for the
    /// code), then `Disconnected`.
    #[uniffi::method(default(fail_code = None, fail_reason = None))]
    pub fn fail_next_login(
        &self,
        user_id: String,
        fail_code: Option<i64>,
        fail_reason: Option<String>,
    ) -> Result<(), CcbError> {
        let failure = ccbridge_sim::LoginFailure {
            fail_code,
            fail_reason,
        };
        self.state()?.fail_next_login(&user_id, failure);
        Ok(())
    }

    /// The simulator's model of the agent (an agent it never saw is reported logged out).
    pub fn agent_info(&self, user_id: String) -> Result<SimAgentInfo, CcbError> {
        Ok(self.state()?.agent_info(&user_id).into())
    }
}

impl Simulator {
    /// Its state, the handle its control API uses; `Closed` once stopped.
    fn state(&self) -> Result<ccbridge_sim::SimState, CcbError> {
        self.lock()
            .as_ref()
            .map(|s| s.state())
            .ok_or_else(|| CcbError::Closed {
                detail: "the simulator is stopped".into(),
            })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<ccbridge_sim::Simulator>> {
        self.sim.lock().unwrap_or_else(|p| p.into_inner())
    }
}
