//! The simulator's in-memory state: tokens, streaming sessions and their event queues,
//! engagement-center users, faults and statistics.
//!
//! Everything lives behind one `std::sync::Mutex`. It is never held across an `.await`, and
//! the operations under it are short, so one lock is both simpler and fast enough (a 100k
//! event injection is a single critical section of a few milliseconds).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use time::OffsetDateTime;
use tokio::sync::Notify;

use crate::config::{RuntimeConfig, SimConfig};
use crate::error::ApiError;
use crate::faults::{Fault, FaultSpec};

/// Cheap, cloneable handle on the simulator state (an `Arc` inside).
///
/// Its methods mirror the `/sim/` control API so Rust tests can drive the simulator
/// without HTTP.
#[derive(Clone)]
pub struct SimState {
    inner: Arc<Inner>,
}

struct Inner {
    config: SimConfig,
    data: Mutex<Data>,
}

/// Formats a timestamp the way the documents do: `1985-04-12T23:20:50.525Z`.
pub(crate) fn iso_millis(t: OffsetDateTime) -> String {
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    // Formatting a UTC OffsetDateTime with this description cannot fail; the fallback
    // only exists so that no request can ever panic.
    t.to_offset(time::UtcOffset::UTC)
        .format(&fmt)
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".to_owned())
}

/// Current time in the documents' format.
pub(crate) fn now_iso() -> String {
    iso_millis(OffsetDateTime::now_utc())
}

fn unix_millis() -> i128 {
    OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000
}

/// One queued streaming event (`EventPayloadV3`). String fields shared between copies are
/// `Arc<str>` so that injecting many copies of one event stays cheap.
#[derive(Clone, Debug)]
pub(crate) struct Event {
    pub event_id: String,
    pub kind: &'static str,
    pub event_type: Arc<str>,
    pub correlation_id: Arc<str>,
    pub published_time: Arc<str>,
    pub payload: Arc<str>,
}

impl Serialize for Event {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("EventPayloadV3", 7)?;
        st.serialize_field("kind", self.kind)?;
        st.serialize_field("eventId", &self.event_id)?;
        st.serialize_field("correlationId", &*self.correlation_id)?;
        st.serialize_field("eventType", &*self.event_type)?;
        st.serialize_field("publishedTime", &*self.published_time)?;
        st.serialize_field("schemaVersion", "1")?;
        st.serialize_field("payload", &*self.payload)?;
        st.end()
    }
}

/// The `kind` of an event, derived from its `eventType` category.
pub(crate) fn event_kind(event_type: &str) -> &'static str {
    match event_type.split('.').next().unwrap_or("") {
        "engagementCenter" => "via#engagementCenterEvent",
        "messaging" => "via#messagingEvent",
        "outreach" => "via#outreachEvent",
        "chat" => "via#chatEvent",
        _ => "via#streamingEvent",
    }
}

/// A template for events about to be queued: type, correlation and stringified payload.
#[derive(Clone)]
pub(crate) struct EventTemplate {
    pub event_type: Arc<str>,
    pub correlation_id: Arc<str>,
    pub payload: Arc<str>,
}

impl EventTemplate {
    pub fn new(event_type: &str, correlation_id: &Arc<str>, payload: &Value) -> Self {
        EventTemplate {
            event_type: Arc::from(event_type),
            correlation_id: Arc::clone(correlation_id),
            payload: Arc::from(payload.to_string()),
        }
    }
}

/// A streaming session (v3).
pub(crate) struct Session {
    pub creation_time: String,
    pub inactivity_delay: u32,
    pub require_ack: bool,
    /// Last `GET /events` (or creation): the inactivity timer runs from here.
    pub last_activity: Instant,
    pub queue: VecDeque<Event>,
    /// Delivered but not yet acknowledged (only with `requireAcknowledgement`).
    pub in_flight: VecDeque<Event>,
    pub notify: Arc<Notify>,
    pub active_polls: u32,
    pub max_active_polls: u32,
    next_seq: u64,
}

impl Session {
    fn is_expired(&self, now: Instant) -> bool {
        // A poll in progress is activity: a session never expires under a waiting poll.
        self.active_polls == 0
            && now.saturating_duration_since(self.last_activity)
                >= Duration::from_secs(u64::from(self.inactivity_delay))
    }

    fn push(&mut self, t: &EventTemplate, published: &Arc<str>) -> String {
        let event_id = format!("{}-{}", unix_millis(), self.next_seq);
        self.next_seq += 1;
        self.queue.push_back(Event {
            event_id: event_id.clone(),
            kind: event_kind(&t.event_type),
            event_type: Arc::clone(&t.event_type),
            correlation_id: Arc::clone(&t.correlation_id),
            published_time: Arc::clone(published),
            payload: Arc::clone(&t.payload),
        });
        event_id
    }
}

/// Agent state of one engagement-center user.
#[derive(Clone, Debug, Default)]
pub(crate) struct User {
    pub connected: bool,
    pub state: String,
    pub ehub_session_id: Option<u64>,
    /// Streaming sessions subscribed to this user's events, in subscription order.
    pub sessions: Vec<String>,
}

#[derive(Default)]
pub(crate) struct Counters {
    pub token_requests: u64,
    pub requests: BTreeMap<String, u64>,
    pub max_concurrent_polls: u32,
    pub acknowledged: u64,
    pub faults_injected: u64,
}

/// The mutable state behind the lock.
pub(crate) struct Data {
    pub runtime: RuntimeConfig,
    /// Access token -> expiry.
    pub tokens: HashMap<String, Instant>,
    pub sessions: HashMap<String, Session>,
    pub users: HashMap<String, User>,
    pub faults: Vec<Fault>,
    pub counters: Counters,
    pub next_ehub: u64,
    pub next_interaction: u64,
    /// Fixed one-second rate-limit window: (start, requests counted in it).
    pub rate_window: (Instant, u32),
}

/// First ehubSessionId handed out.
const FIRST_EHUB_SESSION_ID: u64 = 100;
/// First interactionId handed out by screen pops.
const FIRST_INTERACTION_ID: u64 = 1000;

impl Data {
    fn new(config: &SimConfig) -> Self {
        Data {
            runtime: RuntimeConfig::from(config),
            tokens: HashMap::new(),
            sessions: HashMap::new(),
            users: HashMap::new(),
            faults: Vec::new(),
            counters: Counters::default(),
            next_ehub: FIRST_EHUB_SESSION_ID,
            next_interaction: FIRST_INTERACTION_ID,
            rate_window: (Instant::now(), 0),
        }
    }

    /// The session if it exists and has not expired; an expired one is removed (lazily)
    /// so its waiting polls and later requests all see "Invalid or expired session".
    pub fn live_session(&mut self, id: &str) -> Option<&mut Session> {
        let now = Instant::now();
        if self.sessions.get(id)?.is_expired(now) {
            self.remove_session(id);
            return None;
        }
        self.sessions.get_mut(id)
    }

    /// Removes a session, wakes its pending polls, and drops it from user subscriptions.
    pub fn remove_session(&mut self, id: &str) -> bool {
        let Some(session) = self.sessions.remove(id) else {
            return false;
        };
        session.notify.notify_waiters();
        for user in self.users.values_mut() {
            user.sessions.retain(|s| s != id);
        }
        tracing::debug!(session = id, "streaming session removed");
        true
    }

    /// Removes every session whose inactivity delay has elapsed.
    pub fn sweep(&mut self) {
        let now = Instant::now();
        let expired: Vec<String> = self
            .sessions
            .iter()
            .filter(|(_, s)| s.is_expired(now))
            .map(|(id, _)| id.clone())
            .collect();
        for id in expired {
            tracing::info!(session = %id, "streaming session expired (inactivity)");
            self.remove_session(&id);
        }
        self.tokens.retain(|_, exp| *exp > now);
    }

    /// Queues `count` copies of each template, in order, on one session and wakes its
    /// polls. Returns the new event ids, or `None` when the session is not live.
    pub fn enqueue(
        &mut self,
        session_id: &str,
        templates: &[EventTemplate],
        count: u64,
        collect_ids: bool,
    ) -> Option<Vec<String>> {
        let published: Arc<str> = Arc::from(now_iso());
        let session = self.live_session(session_id)?;
        let mut ids = Vec::new();
        for _ in 0..count {
            for t in templates {
                let id = session.push(t, &published);
                if collect_ids {
                    ids.push(id);
                }
            }
        }
        session.notify.notify_waiters();
        Some(ids)
    }

    /// Queues events on every live session subscribed to `user_id`.
    pub fn emit_to_user(&mut self, user_id: &str, templates: &[EventTemplate]) -> Vec<String> {
        let sessions = self
            .users
            .get(user_id)
            .map(|u| u.sessions.clone())
            .unwrap_or_default();
        let mut ids = Vec::new();
        for sid in sessions {
            if let Some(mut new) = self.enqueue(&sid, templates, 1, true) {
                ids.append(&mut new);
            }
        }
        ids
    }

    /// The outer engagement-center envelope for an event payload about `user_id`.
    pub fn ec_envelope(&self, user_id: &str, payload: Value) -> Value {
        let ehub = self
            .users
            .get(user_id)
            .and_then(|u| u.ehub_session_id)
            .unwrap_or(0);
        json!({
            "userId": user_id,
            "ehubSessionId": ehub,
            "ehubSessionIdRev": ehub.to_string(),
            "payload": payload,
        })
    }
}

/// Body of `POST /sim/events` / argument of [`SimState::inject_event`].
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InjectEvent {
    /// Queue on every session subscribed to this user.
    pub user_id: Option<String>,
    /// Queue on this session (takes precedence over `user_id` for addressing).
    pub session_id: Option<String>,
    /// e.g. `engagementCenter.ScreenPop`.
    pub event_type: String,
    /// The payload object; a JSON string is used verbatim as the stringified payload.
    #[serde(default)]
    pub payload: Value,
    /// Correlation id; a new uuid when absent.
    pub correlation_id: Option<String>,
    /// Number of copies (each with its own eventId); default 1.
    pub count: Option<u64>,
}

/// Result of an injection.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct InjectResult {
    /// Events queued in total (copies x sessions).
    pub queued: u64,
    /// The new event ids; omitted when more than 1000 were queued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_ids: Option<Vec<String>>,
}

/// Largest `count` accepted by an injection, to keep a typo from exhausting memory.
pub const MAX_INJECT_COUNT: u64 = 1_000_000;
/// Above this many queued events the ids are not returned.
const MAX_RETURNED_IDS: u64 = 1000;

/// Runtime configuration changes (`POST /sim/config`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfigUpdate {
    /// New long-poll wait in milliseconds.
    pub poll_wait_ms: Option<u64>,
    /// New lifetime of tokens issued from now on, in seconds.
    pub token_ttl_secs: Option<u64>,
    /// New rate limit per second (0 disables).
    pub rate_limit_per_second: Option<u32>,
}

/// Counters answered by `GET /sim/stats`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// Calls of the token endpoint (successful or not).
    pub token_requests: u64,
    /// Requests per `"<METHOD> <route template>"`.
    pub requests: BTreeMap<String, u64>,
    /// Highest number of simultaneous `GET /events` ever seen on one session.
    pub max_concurrent_polls: u32,
    /// Live streaming sessions.
    pub sessions: usize,
    /// Events acknowledged through `POST /acknowledge`.
    pub acknowledged: u64,
    /// Requests answered by an injected fault.
    pub faults_injected: u64,
}

/// `GET /sim/sessions/{id}`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    /// As answered at creation.
    pub creation_time: String,
    /// Events waiting to be delivered.
    pub queued: usize,
    /// Delivered, not yet acknowledged.
    pub in_flight: usize,
    /// As created.
    pub require_acknowledgement: bool,
    /// As created.
    pub inactivity_delay: u32,
    /// `GET /events` currently waiting on this session.
    pub active_polls: u32,
    /// Highest number of simultaneous `GET /events` seen on this session.
    pub max_concurrent_polls: u32,
}

/// `GET /sim/users/{id}`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct UserInfo {
    /// Logged in.
    pub connected: bool,
    /// `Idle`, `NotReady`, `Park`, or `Disconnected`.
    pub state: String,
    /// Current login's id (as a string), `null` when not connected.
    pub ehub_session_id: Option<String>,
    /// Subscribed streaming sessions.
    pub sessions: Vec<String>,
}

impl SimState {
    /// Fresh state for `config`.
    pub fn new(config: SimConfig) -> Self {
        let data = Mutex::new(Data::new(&config));
        SimState {
            inner: Arc::new(Inner { config, data }),
        }
    }

    /// The configuration the simulator was started with.
    pub fn config(&self) -> &SimConfig {
        &self.inner.config
    }

    /// Locks the data. A poisoned lock is recovered rather than propagated: every
    /// critical section leaves the data consistent, and a test simulator must not die.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Data> {
        self.inner
            .data
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Current long-poll wait.
    pub fn poll_wait(&self) -> Duration {
        self.lock().runtime.poll_wait
    }

    /// Issues an access token directly (as the token endpoint would) and returns it.
    pub fn issue_token(&self) -> String {
        let mut d = self.lock();
        let token = uuid::Uuid::new_v4().to_string();
        let exp = Instant::now() + d.runtime.token_ttl;
        d.tokens.insert(token.clone(), exp);
        token
    }

    /// Queues an event (see `POST /sim/events`).
    pub fn inject_event(&self, req: InjectEvent) -> Result<InjectResult, ApiError> {
        let count = req.count.unwrap_or(1);
        if !(1..=MAX_INJECT_COUNT).contains(&count) {
            return Err(ApiError::bad_request(
                "body",
                "count",
                format!("count must be between 1 and {MAX_INJECT_COUNT}"),
            ));
        }
        if req.event_type.is_empty() {
            return Err(ApiError::bad_request(
                "body",
                "eventType",
                "eventType is required",
            ));
        }
        let correlation: Arc<str> = Arc::from(
            req.correlation_id
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
        );
        let mut d = self.lock();
        let payload = match (&req.user_id, &req.payload) {
            (Some(user), Value::Object(m))
                if req.event_type.starts_with("engagementCenter.")
                    && !m.contains_key("payload") =>
            {
                d.ec_envelope(user, req.payload.clone())
            }
            (_, Value::Null) => json!({}),
            (_, p) => p.clone(),
        };
        let template = EventTemplate {
            event_type: Arc::from(req.event_type.as_str()),
            correlation_id: correlation,
            // A string payload is taken verbatim so tests can send odd payloads.
            payload: match payload {
                Value::String(s) => Arc::from(s),
                other => Arc::from(other.to_string()),
            },
        };
        let targets: Vec<String> = match (&req.session_id, &req.user_id) {
            (Some(sid), _) => {
                if d.live_session(sid).is_none() {
                    return Err(ApiError::not_found(format!("session {sid} not found")));
                }
                vec![sid.clone()]
            }
            (None, Some(user)) => d
                .users
                .get(user)
                .map(|u| u.sessions.clone())
                .unwrap_or_default(),
            (None, None) => {
                return Err(ApiError::bad_request(
                    "body",
                    "userId",
                    "userId or sessionId is required",
                ))
            }
        };
        let total = count * targets.len() as u64;
        let collect = total <= MAX_RETURNED_IDS;
        let mut ids = Vec::new();
        for sid in targets {
            if let Some(mut new) = d.enqueue(&sid, std::slice::from_ref(&template), count, collect)
            {
                ids.append(&mut new);
            }
        }
        Ok(InjectResult {
            queued: total,
            event_ids: collect.then_some(ids),
        })
    }

    /// Emits an `engagementCenter.ScreenPop` for a new inbound interaction to the user's
    /// sessions and returns the new interactionId. `overrides` (an object) is merged into
    /// the generated inner payload.
    pub fn screen_pop(&self, user_id: &str, overrides: Option<Value>) -> u64 {
        let mut d = self.lock();
        let id = d.next_interaction;
        d.next_interaction += 1;
        let mut inner = json!({
            "interactionId": id,
            "interactionIdRev": id.to_string(),
            "playAudioAlert": false,
            "preemptive": 1,
            "requiredRejectReason": false,
            "requiredResponse": true,
            "mediaType": "InboundACD",
            "switchInteractionId": 0,
            "switchInteractionIdRev": "0",
            "timeoutForAcceptCall": 15,
            "timeoutForAudioAlert": 0,
            "interactionInfo": {
                "otherData": {
                    "interactionCategory": 1,
                    "interactionType": "ACD",
                    "screenpopType": 1,
                    "worktypeId": 191,
                    "workTypeIdRev": "191"
                },
                "screenData": {
                    "ani": "6035551212",
                    "callerId": "Sim Caller",
                    "dnis": "8005550100",
                    "firstName": "ELLEN",
                    "lastName": "FROST",
                    "phoneNumber": "6035551212",
                    "umid": format!("01-0010010000-sim-{id}")
                },
                "interactionData": " "
            }
        });
        if let (Some(Value::Object(over)), Value::Object(base)) = (overrides, &mut inner) {
            for (k, v) in over {
                base.insert(k, v);
            }
        }
        let correlation: Arc<str> = Arc::from(uuid::Uuid::new_v4().to_string());
        let envelope = d.ec_envelope(user_id, inner);
        let t = EventTemplate::new("engagementCenter.ScreenPop", &correlation, &envelope);
        d.emit_to_user(user_id, &[t]);
        id
    }

    /// Invalidates one session; `false` when it did not exist.
    pub fn expire_session(&self, id: &str) -> bool {
        self.lock().remove_session(id)
    }

    /// Invalidates every session; returns how many there were.
    pub fn expire_all_sessions(&self) -> usize {
        let mut d = self.lock();
        let ids: Vec<String> = d.sessions.keys().cloned().collect();
        for id in &ids {
            d.remove_session(id);
        }
        ids.len()
    }

    /// Invalidates every issued token.
    pub fn expire_tokens(&self) {
        self.lock().tokens.clear();
    }

    /// Adds a fault rule.
    pub fn add_fault(&self, spec: FaultSpec) -> Result<(), ApiError> {
        let fault = Fault::new(spec)?;
        self.lock().faults.push(fault);
        Ok(())
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// Applies runtime configuration changes.
    pub fn set_config(&self, update: ConfigUpdate) {
        let mut d = self.lock();
        if let Some(ms) = update.poll_wait_ms {
            d.runtime.poll_wait = Duration::from_millis(ms);
        }
        if let Some(secs) = update.token_ttl_secs {
            d.runtime.token_ttl = Duration::from_secs(secs);
        }
        if let Some(n) = update.rate_limit_per_second {
            d.runtime.rate_limit_per_second = n;
        }
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> Stats {
        let mut d = self.lock();
        d.sweep();
        Stats {
            token_requests: d.counters.token_requests,
            requests: d.counters.requests.clone(),
            max_concurrent_polls: d.counters.max_concurrent_polls,
            sessions: d.sessions.len(),
            acknowledged: d.counters.acknowledged,
            faults_injected: d.counters.faults_injected,
        }
    }

    /// Queue sizes of a live session.
    pub fn session_info(&self, id: &str) -> Option<SessionInfo> {
        let mut d = self.lock();
        let s = d.live_session(id)?;
        Some(SessionInfo {
            creation_time: s.creation_time.clone(),
            queued: s.queue.len(),
            in_flight: s.in_flight.len(),
            require_acknowledgement: s.require_ack,
            inactivity_delay: s.inactivity_delay,
            active_polls: s.active_polls,
            max_concurrent_polls: s.max_active_polls,
        })
    }

    /// Agent state of a user (a never-seen user is reported as disconnected).
    pub fn user_info(&self, id: &str) -> UserInfo {
        let mut d = self.lock();
        d.sweep();
        let u = d.users.get(id).cloned().unwrap_or_default();
        UserInfo {
            connected: u.connected,
            state: if u.state.is_empty() {
                "Disconnected".to_owned()
            } else {
                u.state
            },
            ehub_session_id: u.ehub_session_id.map(|e| e.to_string()),
            sessions: u.sessions,
        }
    }

    /// Clears all state (tokens, sessions, users, faults, counters) and restores the
    /// runtime configuration to the start configuration.
    pub fn reset(&self) {
        let mut d = self.lock();
        for s in d.sessions.values() {
            s.notify.notify_waiters();
        }
        *d = Data::new(&self.inner.config);
    }

    /// Periodic housekeeping: expires inactive sessions and drops expired tokens.
    pub(crate) fn sweep(&self) {
        self.lock().sweep();
    }

    /// Creates a streaming session and returns its id and creation time.
    pub(crate) fn create_session(
        &self,
        inactivity_delay: u32,
        require_ack: bool,
    ) -> (String, String) {
        let id = uuid::Uuid::new_v4().to_string();
        let creation_time = now_iso();
        let session = Session {
            creation_time: creation_time.clone(),
            inactivity_delay,
            require_ack,
            last_activity: Instant::now(),
            queue: VecDeque::new(),
            in_flight: VecDeque::new(),
            notify: Arc::new(Notify::new()),
            active_polls: 0,
            max_active_polls: 0,
            next_seq: 0,
        };
        self.lock().sessions.insert(id.clone(), session);
        (id, creation_time)
    }
}

/// Marks one `GET /events` in progress on a session; dropping it (also when the client
/// goes away and the handler future is dropped) ends the poll and restarts the inactivity
/// timer.
pub(crate) struct PollGuard {
    state: SimState,
    session_id: String,
}

impl PollGuard {
    /// Registers a poll on a live session, or answers "Invalid or expired session".
    pub fn begin(state: &SimState, session_id: &str) -> Result<(PollGuard, Arc<Notify>), ApiError> {
        let mut d = state.lock();
        let s = d
            .live_session(session_id)
            .ok_or_else(ApiError::invalid_session)?;
        s.last_activity = Instant::now();
        s.active_polls += 1;
        s.max_active_polls = s.max_active_polls.max(s.active_polls);
        let notify = Arc::clone(&s.notify);
        let active = s.active_polls;
        d.counters.max_concurrent_polls = d.counters.max_concurrent_polls.max(active);
        Ok((
            PollGuard {
                state: state.clone(),
                session_id: session_id.to_owned(),
            },
            notify,
        ))
    }
}

impl Drop for PollGuard {
    fn drop(&mut self) {
        let mut d = self.state.lock();
        if let Some(s) = d.sessions.get_mut(&self.session_id) {
            s.active_polls = s.active_polls.saturating_sub(1);
            s.last_activity = Instant::now();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Moves a session's inactivity timer back as if it had not been polled for `secs`.
    fn age(state: &SimState, id: &str, secs: u64) {
        let mut d = state.lock();
        let s = d.sessions.get_mut(id).expect("session exists");
        // `checked_sub` only fails right after boot; then there is nothing to test.
        if let Some(t) = Instant::now().checked_sub(Duration::from_secs(secs)) {
            s.last_activity = t;
        }
    }

    #[test]
    fn inactive_session_expires_and_leaves_subscriptions() {
        let state = SimState::new(SimConfig::default());
        let (id, _) = state.create_session(60, false);
        state.lock().users.insert(
            "u1".to_owned(),
            User {
                connected: true,
                state: "Idle".to_owned(),
                ehub_session_id: Some(100),
                sessions: vec![id.clone()],
            },
        );
        age(&state, &id, 59);
        assert!(state.session_info(&id).is_some(), "not yet expired");
        age(&state, &id, 61);
        assert!(state.session_info(&id).is_none(), "expired lazily");
        assert!(state.user_info("u1").sessions.is_empty());
    }

    #[test]
    fn sweeper_expires_and_polls_keep_sessions_alive() {
        let state = SimState::new(SimConfig::default());
        let (idle, _) = state.create_session(60, false);
        let (polled, _) = state.create_session(60, false);
        let (guard, _notify) = PollGuard::begin(&state, &polled).expect("live");
        age(&state, &idle, 120);
        age(&state, &polled, 120);
        state.sweep();
        let d = state.lock();
        assert!(!d.sessions.contains_key(&idle));
        assert!(
            d.sessions.contains_key(&polled),
            "a waiting poll is activity"
        );
        drop(d);
        drop(guard);
        // Ending the poll restarted the timer.
        state.sweep();
        assert!(state.session_info(&polled).is_some());
    }

    #[test]
    fn event_ids_are_unique_and_kinds_follow_the_category() {
        let state = SimState::new(SimConfig::default());
        let (id, _) = state.create_session(60, false);
        let r = state
            .inject_event(InjectEvent {
                session_id: Some(id),
                event_type: "engagementCenter.Idle".to_owned(),
                count: Some(50),
                ..Default::default()
            })
            .expect("injected");
        let mut ids = r.event_ids.expect("ids returned");
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 50);
        assert_eq!(event_kind("messaging.EntityAdded"), "via#messagingEvent");
        assert_eq!(event_kind("outreach.status"), "via#outreachEvent");
        assert_eq!(
            event_kind("engagementCenter.X"),
            "via#engagementCenterEvent"
        );
    }

    #[test]
    fn timestamps_have_millis_and_z() {
        let t = time::macros::datetime!(1985-04-12 23:20:50.525 UTC);
        assert_eq!(iso_millis(t), "1985-04-12T23:20:50.525Z");
    }
}
