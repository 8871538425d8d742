//! The agent model behind the Engagement Center commands: per user a state (Idle, NotReady,
//! Park, Disconnected), at most one pending request (NotReady or Disconnect, waiting for the
//! interactions to end), the interactions with their states and consultation legs, a
//! keep-alive monitor and the attached sessions with their expiry.
//!
//! The commands (`ec.rs`) and the control API (`/sim/agents/...`) drive it. A transition the
//! model does not allow is not an HTTP error, as on the real service: the command is
//! accepted (202) and followed by an `engagementCenter.Error` event carrying the documents'
//! failCode and failReason. See "Agent state machine" in README.md.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use ccbridge::models::MediaType;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::ec::example_inner;
use crate::error::ApiError;
use crate::state::{Data, EventTemplate, SimState};

/// `eventCode` of an Error event that reports a failure.
const FAILURE: i64 = 10;
/// `eventCode` of an informational Error event.
const INFORMATIONAL: i64 = 225;

const GENERAL_FAILURE: i64 = 10;
const CALL_DOES_NOT_EXIST: i64 = 11;
const CTI_LOGIN_FAILED: i64 = 16;
const INVALID_STATE: i64 = 20;
const TRANSFER_FAILURE: i64 = 28;
const HOLD_FAILURE: i64 = 31;
const RETRIEVE_FAILURE: i64 = 32;
const HANG_UP_FAILURE: i64 = 34;
const CONSULT_FAILURE: i64 = 38;
const CONFERENCE_FAILURE: i64 = 69;
const PARTY_DISCONNECTED: i64 = 252;
const DISPOSE_WHILE_CONNECTED: i64 = 301;

/// The fail codes the simulator sends (and a few login failures a test may ask for), with
/// their text from the table of the Error event in the streaming document.
const FAIL_REASONS: &[(i64, &str)] = &[
    (GENERAL_FAILURE, "General Failure"),
    (CALL_DOES_NOT_EXIST, "Call does not exist"),
    (CTI_LOGIN_FAILED, "CTI login failed"),
    (17, "Gateway login failed"),
    (18, "CTI server is not running"),
    (
        INVALID_STATE,
        "Agent is not in the valid state to perform the operation",
    ),
    (TRANSFER_FAILURE, "Transfer failure"),
    (HOLD_FAILURE, "Hold failure"),
    (RETRIEVE_FAILURE, "Retrieve failure"),
    (HANG_UP_FAILURE, "Hung up failure"),
    (CONSULT_FAILURE, "Consultation failure"),
    (CONFERENCE_FAILURE, "Call conference request failed"),
    (175, "Agent license has been exceeded"),
    (218, "Your station number is being used by agent"),
    (219, "Agent is already logged in at station"),
    (
        PARTY_DISCONNECTED,
        "Calling/Called party disconnected the call",
    ),
    (260, "CTI agent login failed"),
    (294, "Gateway login failed as switch is down"),
    (
        DISPOSE_WHILE_CONNECTED,
        "Can not disposition the call while call is in active or held state",
    ),
];

/// `(<code>) <text>`, as the documents' table writes a failReason; a code the simulator
/// does not know gets the text of 10.
fn fail_reason(code: i64) -> String {
    let text = FAIL_REASONS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("General Failure", |(_, t)| t);
    format!("({code}) {text}")
}

/// `InteractionClear.state` of an interaction that ended (the documents' example value).
const CLEARED: i64 = 14;

/// `now + d`, or a time far enough away when the sum does not fit (a huge timeout from a
/// request or the control API must not panic).
fn later(now: Instant, d: Duration) -> Instant {
    now.checked_add(d)
        .or_else(|| now.checked_add(Duration::from_secs(100 * 365 * 24 * 3600)))
        .unwrap_or(now)
}

/// Milliseconds from `now` until `t` (0 when past).
fn millis_until(now: Instant, t: Instant) -> u64 {
    u64::try_from(t.saturating_duration_since(now).as_millis()).unwrap_or(u64::MAX)
}

/// Where an agent is, apart from its interactions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) enum AgentState {
    /// Not logged in.
    #[default]
    Disconnected,
    /// Available: the only state work is offered in.
    Idle,
    /// Not ready, with the request's reasonId.
    NotReady(String),
    /// Parked, with the request's reasonId.
    Park(String),
}

impl AgentState {
    fn name(&self) -> &'static str {
        match self {
            AgentState::Disconnected => "Disconnected",
            AgentState::Idle => "Idle",
            AgentState::NotReady(_) => "NotReady",
            AgentState::Park(_) => "Park",
        }
    }

    fn reason_id(&self) -> Option<&str> {
        match self {
            AgentState::NotReady(r) | AgentState::Park(r) => Some(r),
            _ => None,
        }
    }
}

/// A request that waits until the agent has no interaction left.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Pending {
    /// `notReady` while busy: NotReady (or Park) after the last dispose.
    NotReady { reason_id: String, park: bool },
    /// `disconnect` while busy: logged out after the last dispose.
    Disconnect,
}

/// Where an interaction is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum InteractionState {
    /// Presented (screen pop), not accepted yet.
    Offered,
    /// Connected.
    Active,
    /// On hold.
    Held,
    /// Ended, waiting for its disposition.
    Wrap,
}

impl InteractionState {
    fn name(self) -> &'static str {
        match self {
            InteractionState::Offered => "Offered",
            InteractionState::Active => "Active",
            InteractionState::Held => "Held",
            InteractionState::Wrap => "Wrap",
        }
    }

    /// Connected to a party: Active or Held.
    fn connected(self) -> bool {
        matches!(self, InteractionState::Active | InteractionState::Held)
    }
}

/// One interaction of an agent.
#[derive(Clone, Debug)]
pub(crate) struct Interaction {
    pub media_type: String,
    pub state: InteractionState,
    /// The consultation leg opened from this interaction.
    pub consult: Option<u64>,
    /// For a consultation leg: the interaction it was opened from.
    pub primary: Option<u64>,
    /// A consultation was merged into it.
    pub conference: bool,
}

impl Interaction {
    fn new(media_type: &str, state: InteractionState) -> Self {
        Interaction {
            media_type: media_type.to_owned(),
            state,
            consult: None,
            primary: None,
            conference: false,
        }
    }
}

/// The keep-alive monitor, running from the first `keepAlive` on.
#[derive(Clone, Copy, Debug)]
pub(crate) struct KeepAlive {
    pub timeout: Duration,
    pub deadline: Instant,
}

/// The agent model of one engagement-center user.
#[derive(Clone, Debug, Default)]
pub(crate) struct User {
    pub state: AgentState,
    pub ehub_session_id: Option<u64>,
    /// Streaming sessions that receive this user's events, in subscription order: the
    /// login session and the attachments (some possibly expired, until the next sweep).
    pub sessions: Vec<String>,
    /// The session of the login (`connect` with `attach: false`); it never expires.
    pub login_session: Option<String>,
    /// Attached sessions -> end of their time to live.
    pub attachments: HashMap<String, Instant>,
    pub pending: Option<Pending>,
    pub interactions: BTreeMap<u64, Interaction>,
    pub keep_alive: Option<KeepAlive>,
    /// Armed by the control API: the next login fails with this code and reason.
    pub fail_next_login: Option<(i64, String)>,
}

impl User {
    /// Logged in.
    pub fn connected(&self) -> bool {
        self.state != AgentState::Disconnected
    }

    /// Whether `session` receives the user's events at `now`.
    pub fn receives(&self, session: &str, now: Instant) -> bool {
        self.sessions.iter().any(|s| s == session)
            && self.attachments.get(session).map_or(true, |exp| *exp > now)
    }

    /// The sessions that receive the user's events at `now`, in subscription order.
    pub fn live_sessions(&self, now: Instant) -> Vec<String> {
        self.sessions
            .iter()
            .filter(|s| self.attachments.get(*s).map_or(true, |exp| *exp > now))
            .cloned()
            .collect()
    }

    /// Forgets a streaming session that went away.
    pub fn detach(&mut self, session: &str) {
        self.sessions.retain(|s| s != session);
        self.attachments.remove(session);
        if self.login_session.as_deref() == Some(session) {
            self.login_session = None;
        }
    }

    /// An interaction is offered, active or held: the agent is not available.
    fn busy(&self) -> bool {
        self.interactions
            .values()
            .any(|i| i.state != InteractionState::Wrap)
    }
}

impl Data {
    /// A new interaction id (shared by screen pops, offers, dials, consultations and chats).
    pub(crate) fn new_interaction_id(&mut self) -> u64 {
        let id = self.next_interaction;
        self.next_interaction += 1;
        id
    }

    /// The user an interaction of the agent model belongs to.
    pub(crate) fn owner_of(&self, id: u64) -> Option<String> {
        self.users
            .iter()
            .find(|(_, u)| u.interactions.contains_key(&id))
            .map(|(user, _)| user.clone())
    }

    /// Whether an interaction id names an interaction of the agent model or a web chat.
    pub(crate) fn interaction_exists(&self, id: &str) -> bool {
        let Ok(id) = id.trim().parse::<u64>() else {
            return false;
        };
        self.owner_of(id).is_some() || self.chats.values().any(|c| c.interaction_id == Some(id))
    }

    /// The connected user whose login is `ehub`.
    fn user_by_ehub(&self, ehub: &str) -> Option<String> {
        let mut users: Vec<&String> = self
            .users
            .iter()
            .filter(|(_, u)| u.ehub_session_id.map(|e| e.to_string()).as_deref() == Some(ehub))
            .map(|(id, _)| id)
            .collect();
        users.sort();
        users.first().map(|u| (*u).clone())
    }

    fn ehub_of_user(&self, user: &str) -> u64 {
        self.users
            .get(user)
            .and_then(|u| u.ehub_session_id)
            .unwrap_or(0)
    }

    fn interaction(&self, user: &str, id: u64) -> Option<Interaction> {
        self.users.get(user)?.interactions.get(&id).cloned()
    }

    fn interaction_mut(&mut self, user: &str, id: u64) -> Option<&mut Interaction> {
        self.users.get_mut(user)?.interactions.get_mut(&id)
    }

    /// Removes an interaction, with its consultation leg; a leg is unlinked from its
    /// primary.
    fn remove_interaction(&mut self, user: &str, id: u64) {
        let Some(u) = self.users.get_mut(user) else {
            return;
        };
        let Some(it) = u.interactions.remove(&id) else {
            return;
        };
        if let Some(leg) = it.consult {
            u.interactions.remove(&leg);
        }
        if let Some(primary) = it.primary.and_then(|p| u.interactions.get_mut(&p)) {
            primary.consult = None;
        }
    }

    /// Ends the login: no state, interactions, pending request, keep-alive or sessions
    /// any more. An armed login failure stays armed.
    pub(crate) fn log_out(&mut self, user: &str) {
        if let Some(u) = self.users.get_mut(user) {
            let fail_next_login = u.fail_next_login.take();
            *u = User {
                fail_next_login,
                ..User::default()
            };
        }
    }

    /// The agents' timers: drops expired attachments and logs out the agents whose
    /// keep-alive deadline passed.
    pub(crate) fn sweep_agents(&mut self, now: Instant) {
        for u in self.users.values_mut() {
            let expired: Vec<String> = u
                .attachments
                .iter()
                .filter(|(_, exp)| **exp <= now)
                .map(|(s, _)| s.clone())
                .collect();
            for s in expired {
                tracing::info!(session = %s, "attachment expired");
                u.sessions.retain(|x| *x != s);
                u.attachments.remove(&s);
            }
        }
        let mut late: Vec<String> = self
            .users
            .iter()
            .filter(|(_, u)| u.connected() && u.keep_alive.is_some_and(|k| k.deadline <= now))
            .map(|(id, _)| id.clone())
            .collect();
        late.sort();
        for user in late {
            tracing::info!(user = %user, "no keepAlive in time: agent logged out");
            let mut out = Out::unsolicited(&user);
            clear_all(self, &user, &mut out);
            out.error(self, "0", FAILURE, GENERAL_FAILURE);
            out.push(self, "engagementCenter.Disconnected", json!({}));
            out.flush(self);
            self.log_out(&user);
        }
    }
}

/// The events of one transition: about one user, under one correlation id, queued together
/// (see [`Out::flush`] for where).
pub(crate) struct Out {
    user: String,
    corr: Arc<str>,
    requester: Option<String>,
    events: Vec<EventTemplate>,
}

impl Out {
    /// Events caused by a command from `requester`, under its correlation id.
    pub fn new(user: &str, corr: &Arc<str>, requester: Option<&str>) -> Out {
        Out {
            user: user.to_owned(),
            corr: Arc::clone(corr),
            requester: requester.map(str::to_owned),
            events: Vec::new(),
        }
    }

    /// Events nobody asked for (control API, timers), under a fresh correlation id.
    fn unsolicited(user: &str) -> Out {
        let corr: Arc<str> = Arc::from(uuid::Uuid::new_v4().to_string());
        Out::new(user, &corr, None)
    }

    /// An event with `inner` in the EventEC* envelope of the user's current login.
    pub fn push(&mut self, d: &Data, event_type: &str, inner: Value) {
        let envelope = d.ec_envelope(&self.user, inner);
        self.events
            .push(EventTemplate::new(event_type, &self.corr, &envelope));
    }

    /// An event about interaction `id`: the documents' example with the ids filled in (and
    /// the same-named fields of the command's `body`), `interactionId` a number and
    /// `interactionIdRev` its string, then `set` written over it.
    fn interaction(
        &mut self,
        d: &Data,
        event_type: &str,
        id: u64,
        body: &Map<String, Value>,
        set: Value,
    ) {
        let text = id.to_string();
        let ehub = d.ehub_of_user(&self.user);
        let mut inner = example_inner(event_type, &self.user, ehub, Some(&text), body);
        inner.insert("interactionId".to_owned(), json!(id));
        inner.insert("interactionIdRev".to_owned(), json!(text));
        if let Value::Object(set) = set {
            inner.extend(set);
        }
        self.push(d, event_type, Value::Object(inner));
    }

    /// An Error event with the documents' text for `fail_code`.
    fn error(&mut self, d: &Data, interaction: &str, event_code: i64, fail_code: i64) {
        let reason = fail_reason(fail_code);
        self.error_with(d, interaction, event_code, fail_code, &reason);
    }

    fn error_with(
        &mut self,
        d: &Data,
        interaction: &str,
        event_code: i64,
        fail_code: i64,
        reason: &str,
    ) {
        self.push(
            d,
            "engagementCenter.Error",
            json!({
                "interactionId": interaction,
                "eventCode": event_code,
                "failCode": fail_code,
                "failReason": reason,
                "localizedFailReason": reason,
                "worktypeId": "0",
            }),
        );
    }

    /// Queues the events gathered so far (before a logout forgets the user's sessions) on
    /// the user's sessions. The requesting session gets them all when the user has none (a
    /// failed login, no user at all), else only the Error events when it is not one of
    /// them: a command's failure always reaches its sender, other users' events do not.
    pub fn flush(&mut self, d: &mut Data) {
        if self.events.is_empty() {
            return;
        }
        let targets = d.user_sessions(&self.user);
        let events = std::mem::take(&mut self.events);
        match &self.requester {
            Some(r) if targets.is_empty() => {
                d.emit_to_sessions(std::slice::from_ref(r), &events);
            }
            Some(r) if !targets.contains(r) => {
                d.emit_to_sessions(&targets, &events);
                let errors: Vec<EventTemplate> = events
                    .into_iter()
                    .filter(|t| &*t.event_type == "engagementCenter.Error")
                    .collect();
                if !errors.is_empty() {
                    d.emit_to_sessions(std::slice::from_ref(r), &errors);
                }
            }
            _ => {
                d.emit_to_sessions(&targets, &events);
            }
        }
    }
}

/// `InteractionClear` for every interaction of the user (a forced logout).
fn clear_all(d: &Data, user: &str, out: &mut Out) {
    let ids: Vec<u64> = d
        .users
        .get(user)
        .map(|u| u.interactions.keys().copied().collect())
        .unwrap_or_default();
    for id in ids {
        out.interaction(
            d,
            "engagementCenter.InteractionClear",
            id,
            &Map::new(),
            json!({"state": CLEARED}),
        );
    }
}

/// The answer of a user command on a user that is not logged in.
pub(crate) fn user_not_connected() -> ApiError {
    ApiError::unprocessable("userNotConnected", "user not connected")
}

/// `connect` with `attach: false`: a new login, or the armed login failure.
pub(crate) fn log_in(
    d: &mut Data,
    user_id: &str,
    sid: &str,
    initial_state: &str,
    out: &mut Out,
) -> Result<(), ApiError> {
    if d.users.get(user_id).is_some_and(User::connected) {
        return Err(ApiError::unprocessable(
            "userAlreadyConnected",
            "user already connected",
        ));
    }
    if let Some((code, reason)) = d
        .users
        .get_mut(user_id)
        .and_then(|u| u.fail_next_login.take())
    {
        // "if the login process fails, the system will send the user an Error event
        // indicating the cause and will then follow it with a Disconnect event".
        out.push(d, "engagementCenter.Connecting", json!({}));
        out.error_with(d, "0", FAILURE, code, &reason);
        out.push(d, "engagementCenter.Disconnected", json!({}));
        return Ok(());
    }
    let ehub = d.next_ehub;
    d.next_ehub += 1;
    let state = match initial_state {
        "NotReady" => AgentState::NotReady("0".to_owned()),
        "Park" => AgentState::Park("0".to_owned()),
        _ => AgentState::Idle,
    };
    d.users.insert(
        user_id.to_owned(),
        User {
            state: state.clone(),
            ehub_session_id: Some(ehub),
            sessions: vec![sid.to_owned()],
            login_session: Some(sid.to_owned()),
            ..User::default()
        },
    );
    let ehub_s = ehub.to_string();
    out.push(d, "engagementCenter.Connecting", json!({}));
    out.push(
        d,
        "engagementCenter.ConnectConfirm",
        json!({"userId": user_id, "ehubSessionId": ehub_s}),
    );
    out.push(d, "engagementCenter.Connected", json!({}));
    match state {
        AgentState::NotReady(_) => out.push(
            d,
            "engagementCenter.NotReady",
            json!({"reasonId": 0, "reasonIdRev": "0"}),
        ),
        AgentState::Park(_) => out.push(
            d,
            "engagementCenter.Park",
            json!({"reasonId": 0, "reasonIdRev": "0", "ehubSessionId": ehub_s}),
        ),
        _ => out.push(
            d,
            "engagementCenter.Idle",
            json!({"interactionId": 0, "interactionIdRev": "0"}),
        ),
    }
    Ok(())
}

/// `connect` with `attach: true`: the session receives the user's events until the
/// attachment's time to live passes (renewed by the same request); `ConnectConfirm` goes to
/// that session only.
pub(crate) fn attach(
    d: &mut Data,
    user_id: &str,
    sid: &str,
    corr: &Arc<str>,
) -> Result<(), ApiError> {
    let ttl = d.runtime.attach_ttl;
    let user = d
        .users
        .get_mut(user_id)
        .filter(|u| u.connected())
        .ok_or_else(user_not_connected)?;
    // The login session receives the events for as long as the login lasts: attaching it
    // changes nothing.
    if user.login_session.as_deref() != Some(sid) {
        user.attachments
            .insert(sid.to_owned(), later(Instant::now(), ttl));
        if !user.sessions.iter().any(|s| s == sid) {
            user.sessions.push(sid.to_owned());
        }
    }
    let ehub = user.ehub_session_id.unwrap_or(0);
    let envelope = d.ec_envelope(
        user_id,
        json!({"userId": user_id, "ehubSessionId": ehub.to_string()}),
    );
    let confirm = EventTemplate::new("engagementCenter.ConnectConfirm", corr, &envelope);
    d.enqueue(sid, &[confirm], 1, None);
    Ok(())
}

/// `ready`: Idle, unless an interaction is offered, active or held.
pub(crate) fn ready(d: &mut Data, user: &str, out: &mut Out) {
    if d.users.get(user).is_some_and(User::busy) {
        return out.error(d, "0", FAILURE, INVALID_STATE);
    }
    if let Some(u) = d.users.get_mut(user) {
        u.state = AgentState::Idle;
        if matches!(u.pending, Some(Pending::NotReady { .. })) {
            u.pending = None;
        }
    }
    out.push(
        d,
        "engagementCenter.Idle",
        json!({"interactionId": 0, "interactionIdRev": "0"}),
    );
}

/// `notReady`: pending while the agent has any interaction, else NotReady or Park now.
pub(crate) fn not_ready(d: &mut Data, user: &str, reason_id: String, park: bool, out: &mut Out) {
    if let Some(u) = d.users.get_mut(user).filter(|u| !u.interactions.is_empty()) {
        u.pending = Some(Pending::NotReady { reason_id, park });
        return out.push(d, "engagementCenter.NotReadyPending", json!({}));
    }
    enter_not_ready(d, user, reason_id, park, out);
}

fn enter_not_ready(d: &mut Data, user: &str, reason_id: String, park: bool, out: &mut Out) {
    let ehub = d.ehub_of_user(user).to_string();
    let numeric = reason_id.trim().parse::<i64>().unwrap_or(0);
    if let Some(u) = d.users.get_mut(user) {
        u.state = if park {
            AgentState::Park(reason_id.clone())
        } else {
            AgentState::NotReady(reason_id.clone())
        };
    }
    if park {
        out.push(
            d,
            "engagementCenter.Park",
            json!({"reasonId": numeric, "reasonIdRev": reason_id, "ehubSessionId": ehub}),
        );
    } else {
        out.push(
            d,
            "engagementCenter.NotReady",
            json!({"reasonId": numeric, "reasonIdRev": reason_id}),
        );
    }
}

/// `disconnect`: pending while the agent has any interaction, else logged out now.
pub(crate) fn disconnect(d: &mut Data, user: &str, out: &mut Out) {
    if let Some(u) = d.users.get_mut(user).filter(|u| !u.interactions.is_empty()) {
        u.pending = Some(Pending::Disconnect);
        return out.push(d, "engagementCenter.DisconnectPending", json!({}));
    }
    out.push(d, "engagementCenter.Disconnected", json!({}));
    out.flush(d);
    d.log_out(user);
}

/// `cancel`: drops the pending request of that type, silently as the documents say; Error
/// 20 when there is none.
pub(crate) fn cancel(d: &mut Data, user: &str, disconnect: bool, out: &mut Out) {
    let u = d.users.get_mut(user);
    let cancelled = match u {
        Some(u) => {
            let matches = match u.pending {
                Some(Pending::Disconnect) => disconnect,
                Some(Pending::NotReady { .. }) => !disconnect,
                None => false,
            };
            if matches {
                u.pending = None;
            }
            matches
        }
        None => false,
    };
    if !cancelled {
        out.error(d, "0", FAILURE, INVALID_STATE);
    }
}

/// `keepAlive`: echoes the timestamp and (re)arms the monitor for `session_timeout`
/// seconds, or the configured default.
pub(crate) fn keep_alive(
    d: &mut Data,
    user: &str,
    session_timeout: Option<f64>,
    timestamp: String,
    out: &mut Out,
) {
    let timeout = session_timeout
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .unwrap_or(d.runtime.keepalive_timeout);
    if let Some(u) = d.users.get_mut(user) {
        u.keep_alive = Some(KeepAlive {
            timeout,
            deadline: later(Instant::now(), timeout),
        });
    }
    out.push(
        d,
        "engagementCenter.ClientSessionKeepAlive",
        json!({"requestTimestamp": timestamp}),
    );
}

/// `forceDisconnect` of `target`: every interaction ends, then the logout, no pending
/// state. A target that is not logged in is reported as Error 20.
pub(crate) fn force_disconnect(d: &mut Data, target: &str, out: &mut Out) {
    if !d.users.get(target).is_some_and(User::connected) {
        return out.error(d, "0", FAILURE, INVALID_STATE);
    }
    clear_all(d, target, out);
    out.push(d, "engagementCenter.Disconnected", json!({}));
    out.flush(d);
    d.log_out(target);
}

/// After an interaction went away: with none left, the pending request happens (NotReady,
/// Park or the logout), else the agent is Idle (with `Idle {interactionId: 0}` when
/// `idle_event`).
fn settle(d: &mut Data, user: &str, out: &mut Out, idle_event: bool) {
    let pending = match d.users.get_mut(user) {
        Some(u) if u.interactions.is_empty() => u.pending.take(),
        _ => return,
    };
    match pending {
        Some(Pending::NotReady { reason_id, park }) => {
            enter_not_ready(d, user, reason_id, park, out)
        }
        Some(Pending::Disconnect) => {
            out.push(d, "engagementCenter.Disconnected", json!({}));
            out.flush(d);
            d.log_out(user);
        }
        None => {
            if let Some(u) = d.users.get_mut(user) {
                u.state = AgentState::Idle;
            }
            if idle_event {
                out.push(
                    d,
                    "engagementCenter.Idle",
                    json!({"interactionId": 0, "interactionIdRev": "0"}),
                );
            }
        }
    }
}

/// Interaction commands with a modelled behaviour (`dial` apart: it makes a new one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum InteractionOp {
    Accept,
    Reject,
    Hold,
    Retrieve,
    Consult,
    Conference,
    Transfer,
    Terminate,
    Dispose,
    EmailError,
}

impl InteractionOp {
    /// The modelled command of that name (`emailActive` is `accept` for e-mail).
    pub fn parse(command: &str) -> Option<InteractionOp> {
        Some(match command {
            "accept" | "emailActive" => InteractionOp::Accept,
            "reject" => InteractionOp::Reject,
            "hold" => InteractionOp::Hold,
            "retrieve" => InteractionOp::Retrieve,
            "consult" => InteractionOp::Consult,
            "conference" => InteractionOp::Conference,
            "transfer" => InteractionOp::Transfer,
            "terminate" => InteractionOp::Terminate,
            "dispose" => InteractionOp::Dispose,
            "emailError" => InteractionOp::EmailError,
            _ => return None,
        })
    }
}

/// 400 when the body's ehubSessionId (if any) is not the user's login.
fn check_ehub(d: &Data, user: &str, ehub: Option<&str>) -> Result<(), ApiError> {
    match ehub {
        Some(e) if d.ehub_of_user(user).to_string() != e => Err(ApiError::bad_request(
            "body",
            "ehubSessionId",
            "ehubSessionId does not match the user's current connection",
        )),
        _ => Ok(()),
    }
}

/// An interaction command about an interaction that does not exist: Error 11 to the user
/// of the requesting session (if any) and to that session.
pub(crate) fn unknown_interaction(d: &mut Data, sid: &str, path_id: &str, corr: &Arc<str>) {
    let user = d.user_of_session(sid).unwrap_or_default();
    let mut out = Out::new(&user, corr, Some(sid));
    out.error(d, path_id, FAILURE, CALL_DOES_NOT_EXIST);
    out.flush(d);
}

/// A modelled interaction command: the transition and its events, or Error 11 when the
/// interaction does not exist.
pub(crate) fn interaction_command(
    d: &mut Data,
    sid: &str,
    path_id: &str,
    op: InteractionOp,
    ehub: Option<&str>,
    body: &Map<String, Value>,
    corr: &Arc<str>,
) -> Result<(), ApiError> {
    let found = path_id
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|id| Some((id, d.owner_of(id)?)));
    let Some((id, user)) = found else {
        unknown_interaction(d, sid, path_id, corr);
        return Ok(());
    };
    check_ehub(d, &user, ehub)?;
    let mut out = Out::new(&user, corr, Some(sid));
    transition(d, &user, id, op, body, &mut out);
    out.flush(d);
    Ok(())
}

fn transition(
    d: &mut Data,
    user: &str,
    id: u64,
    op: InteractionOp,
    body: &Map<String, Value>,
    out: &mut Out,
) {
    use InteractionState::{Active, Held, Offered, Wrap};
    let Some(it) = d.interaction(user, id) else {
        return out.error(d, &id.to_string(), FAILURE, CALL_DOES_NOT_EXIST);
    };
    let text = id.to_string();
    let none = Map::new();
    match op {
        InteractionOp::Accept => {
            if it.state != Offered {
                return out.error(d, &text, FAILURE, INVALID_STATE);
            }
            set_state(d, user, id, Active);
            out.interaction(d, "engagementCenter.Active", id, body, json!({}));
        }
        InteractionOp::Reject => {
            if it.state != Offered {
                return out.error(d, &text, FAILURE, INVALID_STATE);
            }
            d.remove_interaction(user, id);
            out.interaction(d, "engagementCenter.InteractionClear", id, body, json!({}));
            settle(d, user, out, true);
        }
        InteractionOp::Hold => {
            if it.state != Active {
                return out.error(d, &text, FAILURE, HOLD_FAILURE);
            }
            set_state(d, user, id, Held);
            out.interaction(d, "engagementCenter.Held", id, body, json!({}));
        }
        InteractionOp::Retrieve => {
            if it.state != Held {
                return out.error(d, &text, FAILURE, RETRIEVE_FAILURE);
            }
            set_state(d, user, id, Active);
            out.interaction(d, "engagementCenter.Active", id, body, json!({}));
        }
        InteractionOp::Consult => {
            // A leg is not consulted from again, and one consultation at a time.
            if it.state != Active || it.primary.is_some() || it.consult.is_some() {
                return out.error(d, &text, FAILURE, CONSULT_FAILURE);
            }
            let media = match body.get("consultType").and_then(Value::as_str) {
                Some("External") => "OutboundConsult",
                _ => "InternalConsult",
            };
            let leg = d.new_interaction_id();
            if let Some(u) = d.users.get_mut(user) {
                if let Some(p) = u.interactions.get_mut(&id) {
                    p.state = Held;
                    p.consult = Some(leg);
                }
                let mut l = Interaction::new(media, Active);
                l.primary = Some(id);
                u.interactions.insert(leg, l);
            }
            let ehub = d.ehub_of_user(user).to_string();
            out.interaction(d, "engagementCenter.ConsultInitiated", id, body, json!({}));
            out.interaction(
                d,
                "engagementCenter.Consult",
                id,
                body,
                json!({
                    "consultInteractionId": leg, "consultInteractionIdRev": leg.to_string(),
                    "originalInteractionId": id, "originalInteractionIdRev": text,
                    "consultedEhubSessionId": ehub,
                }),
            );
        }
        InteractionOp::Conference => {
            // Sent for the primary or for its leg: either way the leg merges into the
            // primary.
            let primary = it.primary.unwrap_or(id);
            let Some(leg) = d.interaction(user, primary).and_then(|p| p.consult) else {
                return out.error(d, &text, FAILURE, CONFERENCE_FAILURE);
            };
            d.remove_interaction(user, leg);
            if let Some(p) = d.interaction_mut(user, primary) {
                p.state = Active;
                p.conference = true;
            }
            let ehub = d.ehub_of_user(user).to_string();
            out.interaction(
                d,
                "engagementCenter.Conference",
                primary,
                body,
                json!({
                    "consultInteractionId": leg, "consultInteractionIdRev": leg.to_string(),
                    "originalInteractionId": primary,
                    "originalInteractionIdRev": primary.to_string(),
                    "conferenceInteractionId": primary,
                    "conferenceInteractionIdRev": primary.to_string(),
                    "consultEhubSessionId": ehub,
                }),
            );
        }
        InteractionOp::Transfer => {
            // Sent for a leg, it transfers the primary to the consulted party.
            let primary = it.primary.unwrap_or(id);
            let Some(p) = d.interaction(user, primary) else {
                return out.error(d, &text, FAILURE, TRANSFER_FAILURE);
            };
            let ok = p.state == Active || (p.state == Held && p.consult.is_some());
            if !ok {
                return out.error(d, &text, FAILURE, TRANSFER_FAILURE);
            }
            to_wrap(d, user, primary);
            for t in [
                "engagementCenter.CallReRouted",
                "engagementCenter.InteractionReleasedXferred",
                "engagementCenter.Wrap",
            ] {
                out.interaction(d, t, primary, body, json!({}));
            }
        }
        InteractionOp::Terminate => {
            if !it.state.connected() {
                return out.error(d, &text, FAILURE, HANG_UP_FAILURE);
            }
            end_connected(d, user, id, &it, body, out);
        }
        InteractionOp::Dispose => {
            match it.state {
                Wrap => {}
                Active | Held => return out.error(d, &text, FAILURE, DISPOSE_WHILE_CONNECTED),
                Offered => return out.error(d, &text, FAILURE, INVALID_STATE),
            }
            let flag = |name: &str| body.get(name).cloned().unwrap_or(json!(false));
            let data = body
                .get("interactionDataCollection")
                .cloned()
                .unwrap_or(json!([]));
            out.interaction(
                d,
                "engagementCenter.DispositionInitiated",
                id,
                body,
                json!({
                    "interactionIdTo": text,
                    "wrapRequiredFlag": flag("wrapRequired"),
                    "callBackFlag": flag("callbackFlag"),
                    "saleflag": flag("salesFlag"),
                    "interactionData": data,
                }),
            );
            // "Idle with a non-zero interactionId": that interaction is disposed.
            out.interaction(d, "engagementCenter.Idle", id, &none, json!({}));
            d.remove_interaction(user, id);
            settle(d, user, out, false);
        }
        InteractionOp::EmailError => {
            d.remove_interaction(user, id);
            out.interaction(
                d,
                "engagementCenter.InteractionClear",
                id,
                &none,
                json!({"state": CLEARED}),
            );
            settle(d, user, out, false);
        }
    }
}

fn set_state(d: &mut Data, user: &str, id: u64, state: InteractionState) {
    if let Some(it) = d.interaction_mut(user, id) {
        it.state = state;
    }
}

/// The interaction goes to Wrap; its consultation leg, if any, is dropped.
fn to_wrap(d: &mut Data, user: &str, id: u64) {
    let leg = d.interaction(user, id).and_then(|i| i.consult);
    if let Some(leg) = leg {
        d.remove_interaction(user, leg);
    }
    if let Some(it) = d.interaction_mut(user, id) {
        it.state = InteractionState::Wrap;
        it.consult = None;
    }
}

/// An Active or Held interaction ends (terminate, far-end hang-up): `InteractionClear`,
/// then a primary goes to Wrap (its leg dropped) while a consultation leg just goes away.
fn end_connected(
    d: &mut Data,
    user: &str,
    id: u64,
    it: &Interaction,
    body: &Map<String, Value>,
    out: &mut Out,
) {
    out.interaction(
        d,
        "engagementCenter.InteractionClear",
        id,
        body,
        json!({"state": CLEARED}),
    );
    if it.primary.is_some() {
        d.remove_interaction(user, id);
    } else {
        to_wrap(d, user, id);
        out.interaction(d, "engagementCenter.Wrap", id, body, json!({}));
    }
}

/// `dial`: a new outbound interaction, Active at once. With no logged-in agent behind the
/// request (neither the requesting session nor the body's ehubSessionId names one), Error
/// 20 to the requesting session: an interaction command never had an HTTP error for that.
pub(crate) fn dial(
    d: &mut Data,
    sid: &str,
    path_id: &str,
    ehub: Option<&str>,
    body: &Map<String, Value>,
    corr: &Arc<str>,
) -> Result<(), ApiError> {
    let found = path_id
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|id| d.owner_of(id))
        .or_else(|| d.user_of_session(sid))
        .or_else(|| ehub.and_then(|e| d.user_by_ehub(e)))
        .filter(|u| d.users.get(u).is_some_and(User::connected));
    let Some(user) = found else {
        let mut out = Out::new("", corr, Some(sid));
        out.error(d, path_id, FAILURE, INVALID_STATE);
        out.flush(d);
        return Ok(());
    };
    check_ehub(d, &user, ehub)?;
    let dial_type = body
        .get("dialType")
        .and_then(Value::as_str)
        .unwrap_or("External");
    let media = match dial_type {
        "User" => "InternalManual",
        "Preview" => "OutboundAOD",
        _ => "OutboundManual",
    };
    let id = d.new_interaction_id();
    if let Some(u) = d.users.get_mut(&user) {
        u.interactions
            .insert(id, Interaction::new(media, InteractionState::Active));
    }
    let wrap = body
        .get("requireWrap")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut out = Out::new(&user, corr, Some(sid));
    out.interaction(
        d,
        "engagementCenter.DialInitiated",
        id,
        body,
        json!({"makeCallType": dial_type, "wrapRequiredFlag": i64::from(wrap)}),
    );
    out.interaction(
        d,
        "engagementCenter.Dialing",
        id,
        body,
        json!({"mediaType": media}),
    );
    out.interaction(d, "engagementCenter.Active", id, body, json!({}));
    out.flush(d);
    Ok(())
}

/// The inner payload of a ScreenPop for interaction `id`, shaped like the documents'
/// EventECScreenPop: `screen_data` is merged over made-up caller data, `interaction_data`
/// (the user fields) replaces the example's blank.
pub(crate) fn screen_pop_inner(
    id: u64,
    media_type: &str,
    screen_data: Option<Map<String, Value>>,
    interaction_data: Option<Vec<InteractionDataItem>>,
) -> Value {
    let mut screen = json!({
        "ani": "6035551212",
        "callerId": "Sim Caller",
        "dnis": "8005550100",
        "firstName": "ELLEN",
        "lastName": "FROST",
        "phoneNumber": "6035551212",
        "umid": format!("01-0010010000-sim-{id}")
    });
    if let (Some(over), Value::Object(base)) = (screen_data, &mut screen) {
        base.extend(over);
    }
    let data = match interaction_data {
        Some(items) => serde_json::to_value(items).unwrap_or_else(|_| json!(" ")),
        None => json!(" "),
    };
    json!({
        "interactionId": id,
        "interactionIdRev": id.to_string(),
        "playAudioAlert": false,
        "preemptive": 1,
        "requiredRejectReason": false,
        "requiredResponse": true,
        "mediaType": media_type,
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
            "screenData": screen,
            "interactionData": data
        }
    })
}

/// One user field of an offered interaction (`interactionInfo.interactionData`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InteractionDataItem {
    /// The field's label.
    pub key: String,
    /// Its value.
    pub value: String,
    /// Whether the value is masked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_masked: Option<bool>,
}

/// Body of `POST /sim/agents/{userId}/offer` / argument of [`SimState::offer`].
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Offer {
    /// A MediaType of the description (`InboundACD` when absent).
    pub media_type: Option<String>,
    /// Merged over the default screen data of the ScreenPop.
    pub screen_data: Option<Map<String, Value>>,
    /// The interaction's user fields.
    pub interaction_data: Option<Vec<InteractionDataItem>>,
}

/// Body of `POST /sim/agents/{userId}/fail-next-login` / argument of
/// [`SimState::fail_next_login`].
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LoginFailure {
    /// The Error event's failCode (16, CTI login failed, when absent).
    pub fail_code: Option<i64>,
    /// The Error event's failReason (the documents' text for the code when absent).
    pub fail_reason: Option<String>,
}

/// A pending request in [`UserInfo`].
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PendingInfo {
    /// `NotReady`, `Park` or `Disconnect`.
    pub kind: String,
    /// The reasonId of a pending NotReady or Park.
    pub reason_id: Option<String>,
}

/// One interaction in [`UserInfo`].
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct InteractionInfo {
    /// Its id.
    pub interaction_id: u64,
    /// Its MediaType.
    pub media_type: String,
    /// `Offered`, `Active`, `Held` or `Wrap`.
    pub state: String,
    /// The consultation leg opened from it.
    pub consult_interaction_id: Option<u64>,
    /// For a consultation leg, the interaction it was opened from.
    pub primary_interaction_id: Option<u64>,
    /// A consultation was merged into it.
    pub conference: bool,
}

/// The keep-alive monitor in [`UserInfo`].
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct KeepAliveInfo {
    /// The timeout in force (the last keepAlive's sessionTimeout or the default).
    pub timeout_ms: u64,
    /// Time left before the agent is logged out.
    pub expires_in_ms: u64,
}

/// One attachment in [`UserInfo`].
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentInfo {
    /// The attached streaming session.
    pub session_id: String,
    /// Time left before it stops receiving the user's events, unless renewed.
    pub expires_in_ms: u64,
}

/// `GET /sim/users/{id}` and `GET /sim/agents/{id}`: the agent model of one user.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct UserInfo {
    /// Logged in.
    pub connected: bool,
    /// `Idle`, `NotReady`, `Park`, or `Disconnected`.
    pub state: String,
    /// Current login's id (as a string), `null` when not connected.
    pub ehub_session_id: Option<String>,
    /// Streaming sessions receiving the user's events: the login session, then the live
    /// attachments.
    pub sessions: Vec<String>,
    /// reasonId of the NotReady or Park state.
    pub reason_id: Option<String>,
    /// The request waiting for the interactions to end.
    pub pending: Option<PendingInfo>,
    /// The session the login came from (while it lives).
    pub login_session_id: Option<String>,
    /// The interactions, by id (consultation legs included).
    pub interactions: Vec<InteractionInfo>,
    /// The keep-alive monitor, from the first keepAlive on.
    pub keep_alive: Option<KeepAliveInfo>,
    /// The live attachments.
    pub attachments: Vec<AttachmentInfo>,
    /// The failCode the next login will fail with, when armed.
    pub fail_next_login: Option<i64>,
}

impl UserInfo {
    fn of(u: &User, now: Instant) -> UserInfo {
        UserInfo {
            connected: u.connected(),
            state: u.state.name().to_owned(),
            ehub_session_id: u.ehub_session_id.map(|e| e.to_string()),
            sessions: u.live_sessions(now),
            reason_id: u.state.reason_id().map(str::to_owned),
            pending: u.pending.as_ref().map(|p| match p {
                Pending::NotReady { reason_id, park } => PendingInfo {
                    kind: if *park { "Park" } else { "NotReady" }.to_owned(),
                    reason_id: Some(reason_id.clone()),
                },
                Pending::Disconnect => PendingInfo {
                    kind: "Disconnect".to_owned(),
                    reason_id: None,
                },
            }),
            login_session_id: u.login_session.clone(),
            interactions: u
                .interactions
                .iter()
                .map(|(id, i)| InteractionInfo {
                    interaction_id: *id,
                    media_type: i.media_type.clone(),
                    state: i.state.name().to_owned(),
                    consult_interaction_id: i.consult,
                    primary_interaction_id: i.primary,
                    conference: i.conference,
                })
                .collect(),
            keep_alive: u.keep_alive.map(|k| KeepAliveInfo {
                timeout_ms: u64::try_from(k.timeout.as_millis()).unwrap_or(u64::MAX),
                expires_in_ms: millis_until(now, k.deadline),
            }),
            attachments: u
                .sessions
                .iter()
                .filter_map(|s| {
                    let exp = *u.attachments.get(s)?;
                    (exp > now).then(|| AttachmentInfo {
                        session_id: s.clone(),
                        expires_in_ms: millis_until(now, exp),
                    })
                })
                .collect(),
            fail_next_login: u.fail_next_login.as_ref().map(|(code, _)| *code),
        }
    }
}

fn conflict(reason: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, "state", reason, message)
}

impl SimState {
    /// The agent model of a user (a never-seen user is reported as disconnected), after the
    /// timers ran.
    pub fn user_info(&self, id: &str) -> UserInfo {
        let mut d = self.lock();
        d.sweep();
        let now = Instant::now();
        let u = d.users.get(id).cloned().unwrap_or_default();
        UserInfo::of(&u, now)
    }

    /// The agent model of a user (`GET /sim/agents/{userId}`); the same as
    /// [`SimState::user_info`].
    pub fn agent_info(&self, id: &str) -> UserInfo {
        self.user_info(id)
    }

    /// Routes new work to an agent (`POST /sim/agents/{userId}/offer`): a new interaction,
    /// Offered, and its ScreenPop. 409 unless the agent is logged in, Idle and without
    /// interactions (an ACD routes only to idle agents); 400 for a mediaType the
    /// description does not know. Returns the interactionId.
    pub fn offer(&self, user_id: &str, offer: Offer) -> Result<u64, ApiError> {
        let media_type = offer.media_type.unwrap_or_else(|| "InboundACD".to_owned());
        if !MediaType::ALL.iter().any(|m| m.as_str() == media_type) {
            return Err(ApiError::bad_request(
                "body",
                "mediaType",
                format!("mediaType {media_type:?} is not a MediaType of the description"),
            ));
        }
        let mut d = self.lock();
        d.sweep();
        let u = d
            .users
            .get(user_id)
            .filter(|u| u.connected())
            .ok_or_else(|| conflict("userNotConnected", "user not connected"))?;
        if u.state != AgentState::Idle || !u.interactions.is_empty() {
            let why = if u.interactions.is_empty() {
                u.state.name()
            } else {
                "busy"
            };
            return Err(conflict(
                "agentNotIdle",
                format!("agent is {why}, not Idle: only idle agents are offered work"),
            ));
        }
        let id = d.new_interaction_id();
        if let Some(u) = d.users.get_mut(user_id) {
            u.interactions
                .insert(id, Interaction::new(&media_type, InteractionState::Offered));
        }
        let inner = screen_pop_inner(id, &media_type, offer.screen_data, offer.interaction_data);
        let mut out = Out::unsolicited(user_id);
        out.push(&d, "engagementCenter.ScreenPop", inner);
        out.flush(&mut d);
        Ok(id)
    }

    /// The far end hangs up an Active or Held interaction
    /// (`POST /sim/agents/{userId}/interactions/{interactionId}/hangup`): Error 252
    /// (informational), InteractionClear, then Wrap (a consultation leg just goes away).
    /// 404 for an interaction the agent does not have, 409 for one not Active or Held.
    pub fn hang_up(&self, user_id: &str, interaction_id: u64) -> Result<(), ApiError> {
        let mut d = self.lock();
        d.sweep();
        let it = d.interaction(user_id, interaction_id).ok_or_else(|| {
            ApiError::not_found(format!(
                "agent {user_id} has no interaction {interaction_id}"
            ))
        })?;
        if !it.state.connected() {
            return Err(conflict(
                "interactionNotConnected",
                format!(
                    "interaction {interaction_id} is {}, not Active or Held",
                    it.state.name()
                ),
            ));
        }
        let mut out = Out::unsolicited(user_id);
        out.error(
            &d,
            &interaction_id.to_string(),
            INFORMATIONAL,
            PARTY_DISCONNECTED,
        );
        end_connected(&mut d, user_id, interaction_id, &it, &Map::new(), &mut out);
        out.flush(&mut d);
        Ok(())
    }

    /// Makes the next login of the user fail
    /// (`POST /sim/agents/{userId}/fail-next-login`): Connecting, Error (eventCode 10 with
    /// this failCode and failReason), Disconnected, and the user stays logged out. Returns
    /// the code and reason in force.
    pub fn fail_next_login(&self, user_id: &str, failure: LoginFailure) -> LoginFailure {
        let code = failure.fail_code.unwrap_or(CTI_LOGIN_FAILED);
        let reason = failure.fail_reason.unwrap_or_else(|| fail_reason(code));
        self.lock()
            .users
            .entry(user_id.to_owned())
            .or_default()
            .fail_next_login = Some((code, reason.clone()));
        LoginFailure {
            fail_code: Some(code),
            fail_reason: Some(reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_reasons_follow_the_documents_table() {
        assert_eq!(fail_reason(11), "(11) Call does not exist");
        assert_eq!(
            fail_reason(301),
            "(301) Can not disposition the call while call is in active or held state"
        );
        assert_eq!(fail_reason(9999), "(9999) General Failure");
    }

    #[test]
    fn huge_timeouts_do_not_overflow() {
        let now = Instant::now();
        assert!(later(now, Duration::MAX) > now);
        assert_eq!(millis_until(now, now), 0);
    }
}
