//! The simulator's in-memory state: tokens, streaming sessions with their event queues and
//! subscriptions, engagement-center users, web chats, faults and statistics.
//!
//! Everything lives behind one `std::sync::Mutex`. It is never held across an `.await`, and
//! the operations under it are short, so one lock is both simpler and fast enough (a 100k
//! event injection is a single critical section of a few milliseconds).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{json, Value};
use time::OffsetDateTime;
use tokio::sync::Notify;

use crate::agent::User;
use crate::config::{RuntimeConfig, SimConfig};
use crate::email::EmailRecord;
use crate::error::ApiError;
use crate::faults::{Fault, FaultSpec};
use crate::subscriptions::Subscription;
use crate::webchat::Chat;

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
    pub payload: PayloadText,
}

/// A payload as the documents send it, a JSON document in a string, kept as that string's
/// JSON literal (quoted and escaped) so that every delivery copies it instead of escaping it
/// again.
#[derive(Clone, Debug)]
pub(crate) struct PayloadText(Arc<RawValue>);

impl PayloadText {
    pub fn new(text: &str) -> Self {
        let literal = serde_json::to_string(text).expect("a string serializes");
        PayloadText(Arc::from(
            RawValue::from_string(literal).expect("a string literal is JSON"),
        ))
    }
}

impl Serialize for PayloadText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
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
        st.serialize_field("payload", &self.payload)?;
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
    pub payload: PayloadText,
    /// `userId` of the payload's envelope: what subscriptions with resourceType `users`
    /// match on. Kept apart so filtering never re-parses the payload.
    pub user_id: Option<Arc<str>>,
}

impl EventTemplate {
    pub fn new(event_type: &str, correlation_id: &Arc<str>, payload: &Value) -> Self {
        EventTemplate {
            event_type: Arc::from(event_type),
            correlation_id: Arc::clone(correlation_id),
            payload: PayloadText::new(&payload.to_string()),
            user_id: payload.get("userId").and_then(Value::as_str).map(Arc::from),
        }
    }

    /// A template whose payload text is taken verbatim (it may not even be JSON).
    pub fn raw(event_type: &str, correlation_id: Arc<str>, payload: String) -> Self {
        let user_id = serde_json::from_str::<Value>(&payload)
            .ok()
            .and_then(|v| v.get("userId").and_then(Value::as_str).map(Arc::from));
        EventTemplate {
            event_type: Arc::from(event_type),
            correlation_id,
            payload: PayloadText::new(&payload),
            user_id,
        }
    }
}

/// Which API created a streaming session. v2 and v3 share one store (a session of either
/// can be polled by both); web-client sessions belong to the public chat and answer only
/// requests made with a web token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SessionKind {
    V3,
    V2,
    WebClient,
}

impl SessionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionKind::V3 => "v3",
            SessionKind::V2 => "v2",
            SessionKind::WebClient => "webClient",
        }
    }
}

/// A streaming session.
pub(crate) struct Session {
    pub kind: SessionKind,
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
    /// Filters of the session, in creation order; none = every event is delivered.
    pub subscriptions: Vec<Subscription>,
}

impl Session {
    fn is_expired(&self, now: Instant) -> bool {
        // A poll in progress is activity: a session never expires under a waiting poll.
        self.active_polls == 0
            && now.saturating_duration_since(self.last_activity)
                >= Duration::from_secs(u64::from(self.inactivity_delay))
    }

    /// Whether an event passes the session's subscriptions (any one of them).
    fn accepts(&self, t: &EventTemplate) -> bool {
        self.subscriptions.is_empty()
            || self
                .subscriptions
                .iter()
                .any(|s| s.criteria.matches(&t.event_type, t.user_id.as_deref()))
    }

    /// Queues one event; `seq` is the simulator-wide sequence number that makes its id
    /// unique across sessions (the documents call eventId a unique identifier of the
    /// event, and clients that compare ids across sessions rely on that).
    fn push(&mut self, t: &EventTemplate, published: &Arc<str>, seq: u64) -> String {
        let event_id = format!("{}-{}", unix_millis(), seq);
        self.queue.push_back(Event {
            event_id: event_id.clone(),
            kind: event_kind(&t.event_type),
            event_type: Arc::clone(&t.event_type),
            correlation_id: Arc::clone(&t.correlation_id),
            published_time: Arc::clone(published),
            payload: t.payload.clone(),
        });
        event_id
    }
}

#[derive(Default)]
pub(crate) struct Counters {
    pub token_requests: u64,
    pub total_requests: u64,
    pub requests: BTreeMap<String, u64>,
    pub operations: BTreeMap<String, u64>,
    pub max_concurrent_polls: u32,
    pub acknowledged: u64,
    pub faults_injected: u64,
    pub events_discarded: u64,
    pub http2_requests: u64,
    pub http2_connections: std::collections::BTreeSet<u64>,
    pub pipelined_requests: u64,
}

/// The mutable state behind the lock.
pub(crate) struct Data {
    pub runtime: RuntimeConfig,
    /// Access token -> expiry.
    pub tokens: HashMap<String, Instant>,
    /// Web token (public chat) -> expiry.
    pub web_tokens: HashMap<String, Instant>,
    pub sessions: HashMap<String, Session>,
    pub users: HashMap<String, User>,
    /// Web chats by web-client session id; kept after the session ends so tests can read
    /// the transcript.
    pub chats: HashMap<String, Chat>,
    /// The e-mails the agent model knows (offered, composed, queued), by emailObjectId.
    pub emails: BTreeMap<String, EmailRecord>,
    pub faults: Vec<Fault>,
    pub counters: Counters,
    pub next_ehub: u64,
    pub next_interaction: u64,
    /// Next voicemail id and personal greeting recording index (simulator-wide counters).
    pub next_voicemail: u64,
    pub next_recording: u64,
    /// Sequence number of the next event id, shared by every session.
    pub next_event_seq: u64,
    /// Fixed one-second rate-limit window: (start, requests counted in it).
    pub rate_window: (Instant, u32),
}

/// First ehubSessionId handed out.
const FIRST_EHUB_SESSION_ID: u64 = 100;
/// First interactionId handed out (screen pops, offers, dials, consultations, chats).
const FIRST_INTERACTION_ID: u64 = 1000;

impl Data {
    fn new(config: &SimConfig) -> Self {
        Data {
            runtime: RuntimeConfig::from(config),
            tokens: HashMap::new(),
            web_tokens: HashMap::new(),
            sessions: HashMap::new(),
            users: HashMap::new(),
            chats: HashMap::new(),
            emails: BTreeMap::new(),
            faults: Vec::new(),
            counters: Counters::default(),
            next_ehub: FIRST_EHUB_SESSION_ID,
            next_interaction: FIRST_INTERACTION_ID,
            next_voicemail: 1,
            next_recording: 1,
            next_event_seq: 0,
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

    /// The live session if it belongs to the family of the request: web-client sessions
    /// for web-token requests, agent (v2/v3) sessions otherwise. A session of the other
    /// family is reported as unknown, as the service does not share them.
    pub fn session_for(&mut self, id: &str, web_client: bool) -> Option<&mut Session> {
        let s = self.live_session(id)?;
        ((s.kind == SessionKind::WebClient) == web_client).then_some(s)
    }

    /// The user whose events the session receives (the first by id when several, so the
    /// answer does not depend on hash order).
    pub fn user_of_session(&self, session_id: &str) -> Option<String> {
        let now = Instant::now();
        let mut users: Vec<(&String, &User)> = self
            .users
            .iter()
            .filter(|(_, u)| u.receives(session_id, now))
            .collect();
        users.sort_by(|a, b| a.0.cmp(b.0));
        users.first().map(|(id, _)| (*id).clone())
    }

    /// Removes a session, wakes its pending polls, detaches it from its users and
    /// ends its web chat.
    pub fn remove_session(&mut self, id: &str) -> bool {
        self.discard_session(id).is_some()
    }

    /// [`Data::remove_session`], answering the ids of the events that died with the
    /// session: delivered but not acknowledged, then still queued, oldest first. `None`
    /// when there was no such session.
    pub fn discard_session(&mut self, id: &str) -> Option<Vec<String>> {
        let session = self.sessions.remove(id)?;
        session.notify.notify_waiters();
        for user in self.users.values_mut() {
            user.detach(id);
        }
        self.end_chat(id);
        let discarded: Vec<String> = session
            .in_flight
            .into_iter()
            .chain(session.queue)
            .map(|e| e.event_id)
            .collect();
        self.counters.events_discarded += discarded.len() as u64;
        tracing::debug!(
            session = id,
            discarded = discarded.len(),
            "streaming session removed"
        );
        Some(discarded)
    }

    /// Removes every session whose inactivity delay has elapsed, drops expired tokens, and
    /// runs the agents' timers (attachments, keep-alive).
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
        self.web_tokens.retain(|_, exp| *exp > now);
        self.sweep_agents(now);
    }

    /// Queues `count` copies of each template that passes the session's subscriptions, in
    /// order, and wakes its polls. The new event ids are appended to `ids` when given.
    /// Returns how many events were queued, or `None` when the session is not live.
    pub fn enqueue(
        &mut self,
        session_id: &str,
        templates: &[EventTemplate],
        count: u64,
        mut ids: Option<&mut Vec<String>>,
    ) -> Option<u64> {
        let published: Arc<str> = Arc::from(now_iso());
        let mut seq = self.next_event_seq;
        let session = self.live_session(session_id)?;
        let accepted: Vec<&EventTemplate> =
            templates.iter().filter(|t| session.accepts(t)).collect();
        let mut queued = 0;
        for _ in 0..count {
            for t in &accepted {
                let id = session.push(t, &published, seq);
                seq += 1;
                queued += 1;
                if let Some(ids) = ids.as_deref_mut() {
                    ids.push(id);
                }
            }
        }
        if queued > 0 {
            session.notify.notify_waiters();
        }
        self.next_event_seq = seq;
        Some(queued)
    }

    /// Queues events on each of `sessions` (skipping those that are gone) and returns the
    /// new event ids.
    pub fn emit_to_sessions(
        &mut self,
        sessions: &[String],
        templates: &[EventTemplate],
    ) -> Vec<String> {
        let mut ids = Vec::new();
        for sid in sessions {
            self.enqueue(sid, templates, 1, Some(&mut ids));
        }
        ids
    }

    /// The sessions that receive `user_id`'s events now: its login session and its
    /// attachments that have not expired.
    pub fn user_sessions(&self, user_id: &str) -> Vec<String> {
        let now = Instant::now();
        self.users
            .get(user_id)
            .map(|u| u.live_sessions(now))
            .unwrap_or_default()
    }

    /// Queues events on every live session subscribed to `user_id`.
    pub fn emit_to_user(&mut self, user_id: &str, templates: &[EventTemplate]) -> Vec<String> {
        let sessions = self.user_sessions(user_id);
        self.emit_to_sessions(&sessions, templates)
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
    /// Queue the events with an empty `eventType`: an envelope no client can decode
    /// (it still has its eventId), to test what a client does with an event it cannot read.
    #[serde(default)]
    pub malformed: bool,
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
    /// New lifetime of web tokens issued from now on, in seconds.
    pub web_token_ttl_secs: Option<u64>,
    /// New rate limit per second (0 disables).
    pub rate_limit_per_second: Option<u32>,
    /// New lifetime of attachments made or renewed from now on, in milliseconds.
    pub attach_ttl_ms: Option<u64>,
    /// New default keep-alive timeout (for `keepAlive`s without `sessionTimeout` from now
    /// on), in milliseconds.
    pub keepalive_timeout_ms: Option<u64>,
    /// New accept timeout for offers made from now on, in milliseconds (0: none).
    pub accept_timeout_ms: Option<u64>,
    /// New wrap timeout for interactions entering Wrap from now on, in milliseconds (0:
    /// none).
    pub wrap_timeout_ms: Option<u64>,
}

/// Counters answered by `GET /sim/stats`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// Calls of the token endpoint (successful or not).
    pub token_requests: u64,
    /// Every request that reached the simulator outside `/sim/`, whatever its answer
    /// (401, 429, 400, injected fault...): a client test asserts that nothing was sent
    /// after a client-side validation failure by seeing this unchanged.
    pub total_requests: u64,
    /// Requests per `"<METHOD> <route template>"`.
    pub requests: BTreeMap<String, u64>,
    /// Requests per operation name of the description (`"engagementCenter.hold"`),
    /// whatever their answer.
    pub operations: BTreeMap<String, u64>,
    /// Highest number of simultaneous `GET /events` ever seen on one session.
    pub max_concurrent_polls: u32,
    /// Live streaming sessions.
    pub sessions: usize,
    /// Events acknowledged through `POST /acknowledge`.
    pub acknowledged: u64,
    /// Requests answered by an injected fault.
    pub faults_injected: u64,
    /// Events that died with their session, whatever ended it (expired through the control
    /// API or by inactivity, deleted, its chat ended): still queued, or delivered and not
    /// acknowledged.
    pub events_discarded: u64,
    /// Of `total_requests`, those that came over HTTP/2.
    pub http2_requests: u64,
    /// The HTTP/2 connections those came on.
    pub http2_connections: u64,
    /// HTTP/1.1 requests that arrived before the answer to the request ahead of them on
    /// their connection was ready: sent pipelined.
    pub pipelined_requests: u64,
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
    /// `v3`, `v2` or `webClient`: which endpoint created it.
    pub kind: String,
    /// Subscriptions (filters) of the session.
    pub subscriptions: usize,
    /// As created.
    pub require_acknowledgement: bool,
    /// As created.
    pub inactivity_delay: u32,
    /// `GET /events` currently waiting on this session.
    pub active_polls: u32,
    /// Highest number of simultaneous `GET /events` seen on this session.
    pub max_concurrent_polls: u32,
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

    /// Current lifetime of newly issued web tokens.
    pub fn web_token_ttl(&self) -> Duration {
        self.lock().runtime.web_token_ttl
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
        // A string payload is taken verbatim so tests can send odd payloads.
        let mut template = match payload {
            Value::String(s) => EventTemplate::raw(&req.event_type, correlation, s),
            other => EventTemplate::new(&req.event_type, &correlation, &other),
        };
        if req.malformed {
            template.event_type = Arc::from("");
        }
        let targets: Vec<String> = match (&req.session_id, &req.user_id) {
            (Some(sid), _) => {
                if d.live_session(sid).is_none() {
                    return Err(ApiError::not_found(format!("session {sid} not found")));
                }
                vec![sid.clone()]
            }
            (None, Some(user)) => d.user_sessions(user),
            (None, None) => {
                return Err(ApiError::bad_request(
                    "body",
                    "userId",
                    "userId or sessionId is required",
                ))
            }
        };
        let collect = count * targets.len() as u64 <= MAX_RETURNED_IDS;
        let mut ids = Vec::new();
        let mut total = 0;
        for sid in targets {
            let sink = if collect { Some(&mut ids) } else { None };
            total += d
                .enqueue(&sid, std::slice::from_ref(&template), count, sink)
                .unwrap_or(0);
        }
        Ok(InjectResult {
            queued: total,
            event_ids: collect.then_some(ids),
        })
    }

    /// Emits an `engagementCenter.ScreenPop` for a new inbound interaction to the user's
    /// sessions and returns the new interactionId. `overrides` (an object) is merged into
    /// the generated inner payload. Only the event: no interaction is recorded in the agent
    /// model, whatever the agent's state (see [`SimState::offer`] for routed work).
    pub fn screen_pop(&self, user_id: &str, overrides: Option<Value>) -> u64 {
        let mut d = self.lock();
        let id = d.new_interaction_id();
        let mut inner = crate::agent::screen_pop_inner(id, "InboundACD");
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

    /// Invalidates one session and answers the ids of the events that died with it
    /// (delivered but not acknowledged, then still queued); `None` when it did not exist.
    /// A soak test needs them to tell an event the engine lost from one that was gone with
    /// its session before any client could have received it.
    pub fn expire_session_discarding(&self, id: &str) -> Option<Vec<String>> {
        self.lock().discard_session(id)
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

    /// Invalidates every issued token: access tokens and web tokens.
    pub fn expire_tokens(&self) {
        let mut d = self.lock();
        d.tokens.clear();
        d.web_tokens.clear();
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
        if let Some(secs) = update.web_token_ttl_secs {
            d.runtime.web_token_ttl = Duration::from_secs(secs);
        }
        if let Some(n) = update.rate_limit_per_second {
            d.runtime.rate_limit_per_second = n;
        }
        if let Some(ms) = update.attach_ttl_ms {
            d.runtime.attach_ttl = Duration::from_millis(ms);
        }
        if let Some(ms) = update.keepalive_timeout_ms {
            d.runtime.keepalive_timeout = Duration::from_millis(ms);
        }
        if let Some(ms) = update.accept_timeout_ms {
            d.runtime.accept_timeout = crate::config::optional_millis(ms);
        }
        if let Some(ms) = update.wrap_timeout_ms {
            d.runtime.wrap_timeout = crate::config::optional_millis(ms);
        }
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> Stats {
        let mut d = self.lock();
        d.sweep();
        Stats {
            token_requests: d.counters.token_requests,
            total_requests: d.counters.total_requests,
            requests: d.counters.requests.clone(),
            operations: d.counters.operations.clone(),
            max_concurrent_polls: d.counters.max_concurrent_polls,
            sessions: d.sessions.len(),
            acknowledged: d.counters.acknowledged,
            faults_injected: d.counters.faults_injected,
            events_discarded: d.counters.events_discarded,
            http2_requests: d.counters.http2_requests,
            http2_connections: d.counters.http2_connections.len() as u64,
            pipelined_requests: d.counters.pipelined_requests,
        }
    }

    /// Counts requests that came pipelined (see [`Stats::pipelined_requests`]).
    pub(crate) fn count_pipelined(&self, n: u64) {
        self.lock().counters.pipelined_requests += n;
    }

    /// Queue sizes of a live session.
    pub fn session_info(&self, id: &str) -> Option<SessionInfo> {
        let mut d = self.lock();
        let s = d.live_session(id)?;
        Some(SessionInfo {
            creation_time: s.creation_time.clone(),
            queued: s.queue.len(),
            in_flight: s.in_flight.len(),
            kind: s.kind.as_str().to_owned(),
            subscriptions: s.subscriptions.len(),
            require_acknowledgement: s.require_ack,
            inactivity_delay: s.inactivity_delay,
            active_polls: s.active_polls,
            max_concurrent_polls: s.max_active_polls,
        })
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
        kind: SessionKind,
        inactivity_delay: u32,
        require_ack: bool,
    ) -> (String, String) {
        let id = uuid::Uuid::new_v4().to_string();
        let creation_time = now_iso();
        let session = Session {
            kind,
            creation_time: creation_time.clone(),
            inactivity_delay,
            require_ack,
            last_activity: Instant::now(),
            queue: VecDeque::new(),
            in_flight: VecDeque::new(),
            notify: Arc::new(Notify::new()),
            active_polls: 0,
            max_active_polls: 0,
            subscriptions: Vec::new(),
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
    /// Registers a poll on a live session of the family (`web_client` or agent); `None`
    /// when there is no such session.
    pub fn begin(
        state: &SimState,
        session_id: &str,
        web_client: bool,
    ) -> Option<(PollGuard, Arc<Notify>)> {
        let mut d = state.lock();
        let s = d.session_for(session_id, web_client)?;
        s.last_activity = Instant::now();
        s.active_polls += 1;
        s.max_active_polls = s.max_active_polls.max(s.active_polls);
        let notify = Arc::clone(&s.notify);
        let active = s.active_polls;
        d.counters.max_concurrent_polls = d.counters.max_concurrent_polls.max(active);
        Some((
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
    use crate::agent::AgentState;

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
        let (id, _) = state.create_session(SessionKind::V3, 60, false);
        state.lock().users.insert(
            "u1".to_owned(),
            User {
                state: AgentState::Idle,
                ehub_session_id: Some(100),
                sessions: vec![id.clone()],
                login_session: Some(id.clone()),
                ..User::default()
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
        let (idle, _) = state.create_session(SessionKind::V3, 60, false);
        let (polled, _) = state.create_session(SessionKind::V3, 60, false);
        let (guard, _notify) = PollGuard::begin(&state, &polled, false).expect("live");
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
        // Two sessions fed in the same millisecond still get different ids.
        let mut ids = Vec::new();
        for _ in 0..2 {
            let (id, _) = state.create_session(SessionKind::V3, 60, false);
            let r = state
                .inject_event(InjectEvent {
                    session_id: Some(id),
                    event_type: "engagementCenter.Idle".to_owned(),
                    count: Some(50),
                    ..Default::default()
                })
                .expect("injected");
            ids.extend(r.event_ids.expect("ids returned"));
        }
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 100);
        assert_eq!(event_kind("messaging.EntityAdded"), "via#messagingEvent");
        assert_eq!(event_kind("outreach.status"), "via#outreachEvent");
        assert_eq!(
            event_kind("engagementCenter.X"),
            "via#engagementCenterEvent"
        );
    }

    #[test]
    fn expiring_a_session_answers_the_events_that_died_with_it() {
        let state = SimState::new(SimConfig::default());
        let (id, _) = state.create_session(SessionKind::V3, 60, true);
        let inject = |count| {
            state
                .inject_event(InjectEvent {
                    session_id: Some(id.clone()),
                    event_type: "engagementCenter.Idle".to_owned(),
                    count: Some(count),
                    ..Default::default()
                })
                .expect("injected")
                .event_ids
                .expect("ids returned")
        };
        let first = inject(3);
        // Two delivered and not acknowledged, one still queued, then two more queued.
        {
            let mut d = state.lock();
            let s = d.live_session(&id).expect("live");
            let delivered: Vec<Event> = s.queue.drain(..2).collect();
            s.in_flight.extend(delivered);
        }
        let later = inject(2);
        let discarded = state.expire_session_discarding(&id).expect("existed");
        let expected: Vec<String> = first.into_iter().chain(later).collect();
        assert_eq!(
            discarded, expected,
            "in flight first, then queued, oldest first"
        );
        assert_eq!(state.stats().events_discarded, 5);
        assert!(state.expire_session_discarding(&id).is_none(), "gone");
    }

    #[test]
    fn timestamps_have_millis_and_z() {
        let t = time::macros::datetime!(1985-04-12 23:20:50.525 UTC);
        assert_eq!(iso_millis(t), "1985-04-12T23:20:50.525Z");
    }
}
