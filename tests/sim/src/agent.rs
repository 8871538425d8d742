//! The agent model behind the Engagement Center commands: per user a state (Idle, NotReady,
//! Park, Disconnected), at most one pending request (NotReady or Disconnect, waiting for the
//! interactions to end), the interactions with their states, consultation legs and timers
//! (accept, wrap), a keep-alive monitor, the attached sessions with their expiry, and what
//! the other modules keep per user (statistics, monitor, personal greeting, voicemails).
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
use crate::email::{self, EmailOp};
use crate::error::ApiError;
use crate::greeting::{Greeting, GreetingInfo};
use crate::monitor::{self, Monitor, MonitorInfo};
use crate::state::{Data, EventTemplate, SimState};
use crate::stats::AgentStats;
use crate::voicemail::{Voicemail, VoicemailInfo};

/// `eventCode` of an Error event that reports a failure.
pub(crate) const FAILURE: i64 = 10;
/// `eventCode` of an informational Error event.
pub(crate) const INFORMATIONAL: i64 = 225;

const GENERAL_FAILURE: i64 = 10;
const CALL_DOES_NOT_EXIST: i64 = 11;
const CTI_LOGIN_FAILED: i64 = 16;
pub(crate) const INVALID_STATE: i64 = 20;
pub(crate) const TRANSFER_FAILURE: i64 = 28;
const HOLD_FAILURE: i64 = 31;
const RETRIEVE_FAILURE: i64 = 32;
const HANG_UP_FAILURE: i64 = 34;
const CONSULT_FAILURE: i64 = 38;
const CONFERENCE_FAILURE: i64 = 69;
const LATE_DISPOSITION: i64 = 230;
const PARTY_DISCONNECTED: i64 = 252;
pub(crate) const EMAIL_NOT_FOUND: i64 = 296;
const DISPOSE_WHILE_CONNECTED: i64 = 301;
pub(crate) const RECORDING_STILL_ACTIVE: i64 = 330;
pub(crate) const EMAIL_ACTIVE_ELSEWHERE: i64 = 346;

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
        LATE_DISPOSITION,
        "Your call disposition was received after the maximum allowed wrap time was exceeded, \
         resulting in an incomplete disposition status for this contact",
    ),
    (
        PARTY_DISCONNECTED,
        "Calling/Called party disconnected the call",
    ),
    (260, "CTI agent login failed"),
    (294, "Gateway login failed as switch is down"),
    (EMAIL_NOT_FOUND, "Can not get email by email object id"),
    (
        DISPOSE_WHILE_CONNECTED,
        "Can not disposition the call while call is in active or held state",
    ),
    (
        RECORDING_STILL_ACTIVE,
        "Recording is not allowed as previous recording is still active",
    ),
    (
        EMAIL_ACTIVE_ELSEWHERE,
        "Email already activated by other Agent",
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
pub(crate) const CLEARED: i64 = 14;

/// The work type of routed work when the control API names none (the documents' ScreenPop
/// example).
pub(crate) const DEFAULT_WORK_TYPE: i64 = 191;

/// `now + d`, or a time far enough away when the sum does not fit (a huge timeout from a
/// request or the control API must not panic).
pub(crate) fn later(now: Instant, d: Duration) -> Instant {
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
    /// An e-mail accepted but not active yet: the service waits for `emailActive` (the
    /// client has fetched the message) before it goes Active.
    Accepted,
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
            InteractionState::Accepted => "Accepted",
            InteractionState::Active => "Active",
            InteractionState::Held => "Held",
            InteractionState::Wrap => "Wrap",
        }
    }

    /// Connected to a party: Active or Held.
    pub(crate) fn connected(self) -> bool {
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
    /// Its work type (the statistics are kept per work type).
    pub work_type_id: i64,
    /// `interactionInfo` of its ScreenPop, passed on when it is transferred to another
    /// simulated agent.
    pub info: Option<Value>,
    /// For a consultation leg to a user (`consultType` User): that user, who receives the
    /// call when it is transferred to the consulted party.
    pub consulted_user: Option<String>,
    /// The emailObjectId of an e-mail interaction.
    pub email: Option<String>,
    /// Counted as handled in the statistics (it was Active once).
    pub handled: bool,
    /// When an Offered interaction is withdrawn (`AcceptCallTimeout`).
    pub accept_deadline: Option<Instant>,
    /// When a Wrap interaction gets its `WrapTimeout`.
    pub wrap_deadline: Option<Instant>,
    /// `WrapTimeout` was sent: a dispose now is late.
    pub wrap_timed_out: bool,
}

impl Interaction {
    pub(crate) fn new(media_type: &str, state: InteractionState) -> Self {
        Interaction {
            media_type: media_type.to_owned(),
            state,
            consult: None,
            primary: None,
            conference: false,
            work_type_id: DEFAULT_WORK_TYPE,
            info: None,
            consulted_user: None,
            email: None,
            handled: false,
            accept_deadline: None,
            wrap_deadline: None,
            wrap_timed_out: false,
        }
    }

    /// An e-mail interaction (by its media type).
    pub(crate) fn is_email(&self) -> bool {
        email::is_email_media(&self.media_type)
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
    /// The `station` of the login (what a supervisor's `monitor` names).
    pub station: Option<String>,
    /// The figures `agentStatistics` answers, since the login.
    pub stats: AgentStats,
    /// The agent this user monitors (a supervisor), since a `monitor` Start*.
    pub monitor: Option<Monitor>,
    /// The personal greeting's playback and recording.
    pub greeting: Greeting,
    /// The voicemails left for the user; a mailbox outlives the login.
    pub voicemails: Vec<Voicemail>,
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
    pub(crate) fn busy(&self) -> bool {
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
    pub(crate) fn user_by_ehub(&self, ehub: &str) -> Option<String> {
        let mut users: Vec<&String> = self
            .users
            .iter()
            .filter(|(_, u)| u.ehub_session_id.map(|e| e.to_string()).as_deref() == Some(ehub))
            .map(|(id, _)| id)
            .collect();
        users.sort();
        users.first().map(|u| (*u).clone())
    }

    pub(crate) fn ehub_of_user(&self, user: &str) -> u64 {
        self.users
            .get(user)
            .and_then(|u| u.ehub_session_id)
            .unwrap_or(0)
    }

    pub(crate) fn interaction(&self, user: &str, id: u64) -> Option<Interaction> {
        self.users.get(user)?.interactions.get(&id).cloned()
    }

    pub(crate) fn interaction_mut(&mut self, user: &str, id: u64) -> Option<&mut Interaction> {
        self.users.get_mut(user)?.interactions.get_mut(&id)
    }

    /// Removes an interaction, with its consultation leg; a leg is unlinked from its
    /// primary. An e-mail still held by it goes back to its work type's queue.
    pub(crate) fn remove_interaction(&mut self, user: &str, id: u64) {
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
        email::requeue_if_held(self, user, id);
    }

    /// Ends the login: no state, interactions, pending request, keep-alive, sessions,
    /// statistics, monitor or greeting any more; e-mails it held go back to their queues,
    /// and a supervisor monitoring the user is told the monitor stopped. An armed login
    /// failure and the voicemails stay.
    pub(crate) fn log_out(&mut self, user: &str) {
        let Some(u) = self.users.get_mut(user) else {
            return;
        };
        let ids: Vec<u64> = u.interactions.keys().copied().collect();
        let fail_next_login = u.fail_next_login.take();
        let voicemails = std::mem::take(&mut u.voicemails);
        *u = User {
            fail_next_login,
            voicemails,
            ..User::default()
        };
        for id in ids {
            email::requeue_if_held(self, user, id);
        }
        monitor::target_gone(self, user);
    }

    /// Whether `user` can be given work now (an offer, a transfer): logged in, Idle and
    /// without interactions, as an ACD routes only to idle agents.
    pub(crate) fn available(&self, user: &str) -> bool {
        self.users
            .get(user)
            .is_some_and(|u| u.state == AgentState::Idle && u.interactions.is_empty())
    }

    /// The agents' timers: the statistics' clocks advance, expired attachments are dropped,
    /// agents whose keep-alive deadline passed are logged out, offers not accepted in time
    /// are withdrawn and wraps held too long are reported. Runs from the sweeper and before
    /// every command, so a command never sees a deadline that passed without its effect.
    pub(crate) fn sweep_agents(&mut self, now: Instant) {
        for u in self.users.values_mut() {
            u.stats.advance(&u.state, &u.interactions, now);
        }
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
        self.accept_timeouts(now);
        self.wrap_timeouts(now);
    }

    /// Interactions of `(user, id)` whose timer of `due` passed, oldest id first.
    fn due(
        &self,
        now: Instant,
        due: impl Fn(&Interaction) -> Option<Instant>,
    ) -> Vec<(String, u64)> {
        let mut found: Vec<(String, u64)> = self
            .users
            .iter()
            .flat_map(|(user, u)| {
                u.interactions
                    .iter()
                    .filter(|(_, i)| due(i).is_some_and(|t| t <= now))
                    .map(|(id, _)| (user.clone(), *id))
            })
            .collect();
        found.sort_by_key(|(_, id)| *id);
        found
    }

    /// "If the timeout occurs the interaction will be moved on to another client":
    /// `AcceptCallTimeout`, then the offer is withdrawn as a reject would be
    /// (`InteractionClear`, and the agent is Idle again or its pending request happens).
    fn accept_timeouts(&mut self, now: Instant) {
        let late = self.due(now, |i| {
            (i.state == InteractionState::Offered)
                .then_some(i.accept_deadline)
                .flatten()
        });
        for (user, id) in late {
            // An earlier withdrawal may have ended the login (a pending logout).
            if !self
                .interaction(&user, id)
                .is_some_and(|i| i.state == InteractionState::Offered)
            {
                continue;
            }
            tracing::info!(user = %user, interaction = id, "offer not accepted in time");
            let mut out = Out::unsolicited(&user);
            let none = Map::new();
            out.interaction(
                self,
                "engagementCenter.AcceptCallTimeout",
                id,
                &none,
                json!({}),
            );
            self.remove_interaction(&user, id);
            out.interaction(
                self,
                "engagementCenter.InteractionClear",
                id,
                &none,
                json!({}),
            );
            settle(self, &user, &mut out, true);
            out.flush(self);
        }
    }

    /// `WrapTimeout` once per wrap; the interaction stays in Wrap until it is disposed (the
    /// documents only say the client should signal it to the agent).
    fn wrap_timeouts(&mut self, now: Instant) {
        let late = self.due(now, |i| {
            (i.state == InteractionState::Wrap && !i.wrap_timed_out)
                .then_some(i.wrap_deadline)
                .flatten()
        });
        for (user, id) in late {
            tracing::info!(user = %user, interaction = id, "wrap held too long");
            if let Some(it) = self.interaction_mut(&user, id) {
                it.wrap_timed_out = true;
            }
            let mut out = Out::unsolicited(&user);
            out.interaction(
                self,
                "engagementCenter.WrapTimeout",
                id,
                &Map::new(),
                json!({}),
            );
            out.flush(self);
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
    pub(crate) fn unsolicited(user: &str) -> Out {
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
    pub(crate) fn interaction(
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

    /// Adds an event built elsewhere (one whose envelope is not the usual one).
    pub(crate) fn push_template(&mut self, template: EventTemplate) {
        self.events.push(template);
    }

    /// The correlation id of these events.
    pub(crate) fn correlation(&self) -> &Arc<str> {
        &self.corr
    }

    /// An Error event with the documents' text for `fail_code`.
    pub(crate) fn error(&mut self, d: &Data, interaction: &str, event_code: i64, fail_code: i64) {
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
    station: Option<String>,
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
    let voicemails = d
        .users
        .remove(user_id)
        .map(|u| u.voicemails)
        .unwrap_or_default();
    d.users.insert(
        user_id.to_owned(),
        User {
            state: state.clone(),
            ehub_session_id: Some(ehub),
            sessions: vec![sid.to_owned()],
            login_session: Some(sid.to_owned()),
            station,
            stats: AgentStats::starting(Instant::now()),
            voicemails,
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
pub(crate) fn settle(d: &mut Data, user: &str, out: &mut Out, idle_event: bool) {
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
    /// The e-mail commands about an interaction (`email.rs`).
    Email(EmailOp),
}

impl InteractionOp {
    /// The modelled command of that name.
    pub fn parse(command: &str) -> Option<InteractionOp> {
        Some(match command {
            "accept" => InteractionOp::Accept,
            "reject" => InteractionOp::Reject,
            "hold" => InteractionOp::Hold,
            "retrieve" => InteractionOp::Retrieve,
            "consult" => InteractionOp::Consult,
            "conference" => InteractionOp::Conference,
            "transfer" => InteractionOp::Transfer,
            "terminate" => InteractionOp::Terminate,
            "dispose" => InteractionOp::Dispose,
            other => InteractionOp::Email(EmailOp::parse(other)?),
        })
    }
}

/// 400 when the body's ehubSessionId (if any) is not the user's login.
pub(crate) fn check_ehub(d: &Data, user: &str, ehub: Option<&str>) -> Result<(), ApiError> {
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
            if it.is_email() {
                // "the service moves the interaction to Active only after emailActive":
                // accepted, and silent until the client has fetched the message.
                set_state(d, user, id, InteractionState::Accepted);
                return;
            }
            set_state(d, user, id, Active);
            out.interaction(d, "engagementCenter.Active", id, body, json!({}));
        }
        InteractionOp::Reject => {
            if it.state != Offered {
                return out.error(d, &text, FAILURE, INVALID_STATE);
            }
            if let Some(u) = d.users.get_mut(user) {
                u.stats.refused(it.work_type_id);
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
            let consulted_user = match body.get("consultType").and_then(Value::as_str) {
                Some("User") => body
                    .get("userId")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                _ => None,
            };
            if let Some(u) = d.users.get_mut(user) {
                if let Some(p) = u.interactions.get_mut(&id) {
                    p.state = Held;
                    p.consult = Some(leg);
                }
                let mut l = Interaction::new(media, Active);
                l.primary = Some(id);
                l.work_type_id = it.work_type_id;
                l.consulted_user = consulted_user;
                u.interactions.insert(leg, l);
            }
            count_handled(d, user, leg);
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
            let leg = p.consult;
            let receiver = match body.get("transferType").and_then(Value::as_str) {
                Some("User") => body
                    .get("userId")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                Some("ConsultedParty") => leg
                    .and_then(|l| d.interaction(user, l))
                    .and_then(|l| l.consulted_user),
                _ => None,
            }
            .filter(|r| r != user && d.users.get(r).is_some_and(User::connected));
            // A simulated agent that is logged in must be able to take the call; anyone
            // else is outside the simulation and takes it.
            if receiver.as_ref().is_some_and(|r| !d.available(r)) {
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
            if let Some(r) = receiver {
                let sender_ehub = d.ehub_of_user(user);
                transfer_in(d, &r, &p, primary, leg, sender_ehub, out.correlation());
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
                Offered | InteractionState::Accepted => {
                    return out.error(d, &text, FAILURE, INVALID_STATE)
                }
            }
            if it.wrap_timed_out {
                // Disposed all the same, but the documents' notice tells the agent it came
                // after the maximum wrap time (an informational Error: not a failure).
                out.error(d, &text, INFORMATIONAL, LATE_DISPOSITION);
            }
            let truthy = |name: &str| body.get(name).and_then(Value::as_bool).unwrap_or(false);
            if let Some(u) = d.users.get_mut(user) {
                u.stats
                    .disposed(it.work_type_id, truthy("salesFlag"), truthy("callbackFlag"));
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
        InteractionOp::Email(op) => email::interaction_op(d, user, id, &it, op, body, out),
    }
}

/// An interaction changes state; the first time it is Active it counts as handled.
pub(crate) fn set_state(d: &mut Data, user: &str, id: u64, state: InteractionState) {
    if let Some(it) = d.interaction_mut(user, id) {
        it.state = state;
        it.accept_deadline = None;
    }
    if state == InteractionState::Active {
        count_handled(d, user, id);
    }
}

/// Counts an interaction in the statistics of its work type, once.
pub(crate) fn count_handled(d: &mut Data, user: &str, id: u64) {
    let Some(u) = d.users.get_mut(user) else {
        return;
    };
    if let Some(it) = u.interactions.get_mut(&id).filter(|i| !i.handled) {
        it.handled = true;
        u.stats.handled(it.work_type_id, &it.media_type);
    }
}

/// The interaction goes to Wrap, with its wrap timer; its consultation leg, if any, is
/// dropped.
pub(crate) fn to_wrap(d: &mut Data, user: &str, id: u64) {
    let leg = d.interaction(user, id).and_then(|i| i.consult);
    if let Some(leg) = leg {
        d.remove_interaction(user, leg);
    }
    let deadline = d.runtime.wrap_timeout.map(|t| later(Instant::now(), t));
    if let Some(it) = d.interaction_mut(user, id) {
        it.state = InteractionState::Wrap;
        it.consult = None;
        it.accept_deadline = None;
        it.wrap_deadline = deadline;
        it.wrap_timed_out = false;
    }
}

/// The receiving side of a transfer to a simulated agent who is available: a new
/// interaction, Offered to `receiver` as routed work is (its ScreenPop, with the original's
/// interaction information and `dialModeCode` 6, agent-transferred), then
/// `InteractionTransferred`, which names the original interaction, the consultation leg
/// (0 for a blind transfer) and the new id the receiver uses from now on.
pub(crate) fn transfer_in(
    d: &mut Data,
    receiver: &str,
    original: &Interaction,
    original_id: u64,
    leg: Option<u64>,
    sender_ehub: u64,
    corr: &Arc<str>,
) -> u64 {
    let new_id = d.new_interaction_id();
    let mut info = original
        .info
        .clone()
        .unwrap_or_else(|| interaction_info(new_id, &original.media_type, &PopData::default()));
    if let Some(other) = info.get_mut("otherData").and_then(Value::as_object_mut) {
        other.insert(
            "originalWorktypeId".to_owned(),
            json!(original.work_type_id),
        );
        other.insert(
            "originalWorktypeIdRev".to_owned(),
            json!(original.work_type_id.to_string()),
        );
        if original.is_email() {
            other.insert(
                "screenpopType".to_owned(),
                json!(SCREENPOP_EMAIL_FROM_AGENT),
            );
        }
    }
    if let Some(info) = info.as_object_mut() {
        info.insert(
            "callBackData".to_owned(),
            json!({"callBackFlag": 0, "callBackMemo": "", "dialModeCode": DIAL_MODE_AGENT_XFERRED}),
        );
    }
    let mut it = Interaction::new(&original.media_type, InteractionState::Offered);
    it.work_type_id = original.work_type_id;
    it.email = original.email.clone();
    it.info = Some(info.clone());
    it.accept_deadline = d.runtime.accept_timeout.map(|t| later(Instant::now(), t));
    if let Some(u) = d.users.get_mut(receiver) {
        u.interactions.insert(new_id, it);
    }
    if let Some(object_id) = &original.email {
        email::place_in_interaction(d, object_id, receiver, new_id);
    }
    let inner = pop_inner(new_id, &original.media_type, info, d.runtime.accept_timeout);
    let mut out = Out::new(receiver, corr, None);
    out.push(d, "engagementCenter.ScreenPop", inner);
    let leg = leg.unwrap_or(0);
    out.interaction(
        d,
        "engagementCenter.InteractionTransferred",
        original_id,
        &Map::new(),
        json!({
            "consultInteractionId": leg, "consultInteractionIdRev": leg.to_string(),
            "newInteractionId": new_id, "newInteractionIdRev": new_id.to_string(),
            "originalEhubSessionId": sender_ehub.to_string(),
        }),
    );
    out.flush(d);
    new_id
}

/// An Active or Held interaction ends (terminate, far-end hang-up): `InteractionClear`,
/// then a primary goes to Wrap (its leg dropped) while a consultation leg just goes away.
pub(crate) fn end_connected(
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
        if it.is_email() {
            email::closed(d, user, id);
        }
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
        let mut it = Interaction::new(media, InteractionState::Active);
        it.work_type_id = work_type_of(body);
        u.interactions.insert(id, it);
    }
    count_handled(d, &user, id);
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

/// A request's `workTypeId` (a string in dial, compose, transfer bodies) as the number the
/// events carry; the default work type when absent or not a number.
pub(crate) fn work_type_of(body: &Map<String, Value>) -> i64 {
    match body.get("workTypeId") {
        Some(Value::String(s)) => s.trim().parse().unwrap_or(DEFAULT_WORK_TYPE),
        Some(Value::Number(n)) => n.as_i64().unwrap_or(DEFAULT_WORK_TYPE),
        _ => DEFAULT_WORK_TYPE,
    }
}

/// `otherData.screenpopType` of an e-mail another agent transferred
/// (INCOMING_EMAIL_TRANSFER_FROM_AGENT).
const SCREENPOP_EMAIL_FROM_AGENT: i64 = 50;
/// `otherData.screenpopType` of any other screen pop (OTHER).
const SCREENPOP_OTHER: i64 = 31;
/// `callBackData.dialModeCode` of an interaction another agent transferred
/// (DIAL_MODE_AGENT_XFERRED).
const DIAL_MODE_AGENT_XFERRED: i64 = 6;

/// What a screen pop tells about its interaction besides its id and media type.
#[derive(Clone, Debug, Default)]
pub(crate) struct PopData {
    pub work_type_id: Option<i64>,
    /// Merged over the made-up caller data.
    pub screen_data: Option<Map<String, Value>>,
    pub interaction_data: Option<Vec<InteractionDataItem>>,
    /// `interactionInfo.emailData` of an e-mail.
    pub email_data: Option<Map<String, Value>>,
}

/// `otherData.interactionCategory` (INBOUND 1, OUTBOUND 2, INTERNAL 3) and
/// `otherData.interactionType` of a media type.
fn category_and_type(media_type: &str) -> (i64, &'static str) {
    let category = if media_type.starts_with("Outbound") {
        2
    } else if media_type.starts_with("Internal") {
        3
    } else {
        1
    };
    let kind = match media_type {
        "InboundDID" => "DID",
        "InboundIVR" => "IVR",
        "InboundUndefined" => "UNDEFINED",
        "InboundExternal" | "OutboundExternal" => "EXTERNAL",
        "InboundFax" | "OutboundFax" => "FAX",
        "InboundVoicemail" => "VOICEMAIL",
        "OutboundAOD" => "AOD",
        "OutboundConference" | "InternalConference" => "CONFERENCE",
        "OutboundConsult" | "InternalConsult" => "CONSULTATION",
        "OutboundConsultXfer" | "InternalConsultXfer" => "CONSULTATION_XFER",
        "OutboundTPConXfer" => "THIRD_PARTY_CONSULT_XFER",
        "OutboundManual" | "InternalManual" => "MANUAL",
        "OutboundMessage" => "MESSAGE",
        "InternalMonitoring" => "MONITORING",
        "InternalRecording" => "RECORDING",
        "InboundChat" => "CHAT",
        "InboundEmailNLP" => "EMAIL_MEDIA",
        "InboundEmailAgentSel" => "EMAIL_SELECT",
        "InboundEmailAgentSelfService" => "EMAIL_SELF_SERV",
        "InboundEmailCDReview" => "EMAIL_CDREVIEW",
        "InboundEmailSend" => "EMAIL_SEND",
        "OutboundEmail" => "EMAIL_OUTBOUND",
        "InboundWorkflow" => "WORKFLOW",
        "InboundCTI" => "CTI",
        "InboundIM" => "IM",
        "InboundSMS" => "SMS",
        _ => "ACD",
    };
    (category, kind)
}

/// `interactionInfo` of a ScreenPop, shaped like the documents' ScreenPopInteractionInfo:
/// `otherData` of the media type and work type, `screenData` (the given fields over
/// made-up caller data; an e-mail has no telephone fields), `interactionData` (the given
/// items, else the documents' blank) and, for an e-mail, `emailData`.
pub(crate) fn interaction_info(id: u64, media_type: &str, data: &PopData) -> Value {
    let work_type = data.work_type_id.unwrap_or(DEFAULT_WORK_TYPE);
    let (category, kind) = category_and_type(media_type);
    let mut screen = json!({
        "firstName": "ELLEN",
        "lastName": "FROST",
        "umid": format!("01-0010010000-sim-{id}")
    });
    if !email::is_email_media(media_type) {
        screen["ani"] = json!("6035551212");
        screen["callerId"] = json!("Sim Caller");
        screen["dnis"] = json!("8005550100");
        screen["phoneNumber"] = json!("6035551212");
    }
    if let (Some(over), Value::Object(base)) = (&data.screen_data, &mut screen) {
        base.extend(over.clone());
    }
    let items = match &data.interaction_data {
        Some(items) => serde_json::to_value(items).unwrap_or_else(|_| json!(" ")),
        None => json!(" "),
    };
    let mut info = json!({
        "otherData": {
            "interactionCategory": category,
            "interactionType": kind,
            "screenpopType": SCREENPOP_OTHER,
            "worktypeId": work_type,
            "workTypeIdRev": work_type.to_string()
        },
        "screenData": screen,
        "interactionData": items
    });
    if let Some(email_data) = &data.email_data {
        info["emailData"] = Value::Object(email_data.clone());
    }
    info
}

/// The inner payload of a ScreenPop for interaction `id`, shaped like the documents'
/// EventECScreenPop; `timeoutForAcceptCall` is the accept timeout in whole seconds (rounded
/// up), 0 without one.
pub(crate) fn pop_inner(
    id: u64,
    media_type: &str,
    info: Value,
    accept_timeout: Option<Duration>,
) -> Value {
    let timeout = accept_timeout.map_or(0, |t| t.as_millis().div_ceil(1000));
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
        "timeoutForAcceptCall": u64::try_from(timeout).unwrap_or(u64::MAX),
        "timeoutForAudioAlert": 0,
        "interactionInfo": info
    })
}

/// The inner payload of the control API's bare ScreenPop (`POST /sim/users/{id}/screenPop`),
/// which records no interaction and so arms no timer.
pub(crate) fn screen_pop_inner(id: u64, media_type: &str) -> Value {
    let info = interaction_info(id, media_type, &PopData::default());
    pop_inner(id, media_type, info, None)
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

/// Argument of [`SimState::offer`]: what `POST /sim/agents/{userId}/offer` also takes,
/// with [`OfferDetails`].
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

/// The rest of an offer ([`SimState::offer_with`]; the same-named fields of the body of
/// `POST /sim/agents/{userId}/offer`). Kept apart from [`Offer`], whose fields the language
/// bindings list.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OfferDetails {
    /// The work type (`otherData.worktypeId`; 191, the documents' example, when absent).
    pub work_type_id: Option<i64>,
    /// For an e-mail media type: merged over the made-up `interactionInfo.emailData`
    /// (`fromAddress`, `senderName`, `emailObjectId`...).
    pub email_data: Option<Map<String, Value>>,
}

/// The body of `POST /sim/agents/{userId}/offer`: [`Offer`] and [`OfferDetails`] in one
/// object (serde cannot flatten structs that refuse unknown fields).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct OfferBody {
    media_type: Option<String>,
    screen_data: Option<Map<String, Value>>,
    interaction_data: Option<Vec<InteractionDataItem>>,
    work_type_id: Option<i64>,
    email_data: Option<Map<String, Value>>,
}

impl OfferBody {
    pub(crate) fn split(self) -> (Offer, OfferDetails) {
        (
            Offer {
                media_type: self.media_type,
                screen_data: self.screen_data,
                interaction_data: self.interaction_data,
            },
            OfferDetails {
                work_type_id: self.work_type_id,
                email_data: self.email_data,
            },
        )
    }
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
    /// `Offered`, `Accepted` (an e-mail waiting for emailActive), `Active`, `Held` or
    /// `Wrap`.
    pub state: String,
    /// The consultation leg opened from it.
    pub consult_interaction_id: Option<u64>,
    /// For a consultation leg, the interaction it was opened from.
    pub primary_interaction_id: Option<u64>,
    /// A consultation was merged into it.
    pub conference: bool,
    /// Its work type.
    pub work_type_id: i64,
    /// The emailObjectId of an e-mail.
    pub email_object_id: Option<String>,
    /// `WrapTimeout` was sent for it.
    pub wrap_timed_out: bool,
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
    /// The login's station.
    pub station: Option<String>,
    /// The agent this user monitors.
    pub monitor: Option<MonitorInfo>,
    /// The personal greeting.
    pub greeting: GreetingInfo,
    /// The voicemails in the user's mailbox, oldest first.
    pub voicemails: Vec<VoicemailInfo>,
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
                    work_type_id: i.work_type_id,
                    email_object_id: i.email.clone(),
                    wrap_timed_out: i.wrap_timed_out,
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
            station: u.station.clone(),
            monitor: u.monitor.as_ref().map(Monitor::info),
            greeting: u.greeting.info(),
            voicemails: u.voicemails.iter().map(Voicemail::info).collect(),
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
        self.offer_with(user_id, offer, OfferDetails::default())
    }

    /// [`SimState::offer`] with a work type and, for an e-mail, its `emailData`; an e-mail
    /// becomes known to the e-mail store (`GET /sim/emails`). The accept timer starts when
    /// one is configured.
    pub fn offer_with(
        &self,
        user_id: &str,
        offer: Offer,
        details: OfferDetails,
    ) -> Result<u64, ApiError> {
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
        let work_type_id = details.work_type_id.unwrap_or(DEFAULT_WORK_TYPE);
        let email = email::is_email_media(&media_type)
            .then(|| email::new_inbound(&mut d, id, &media_type, work_type_id, details.email_data));
        let data = PopData {
            work_type_id: Some(work_type_id),
            screen_data: offer.screen_data,
            interaction_data: offer.interaction_data,
            email_data: email.as_ref().map(|(_, data)| data.clone()),
        };
        let info = interaction_info(id, &media_type, &data);
        let mut it = Interaction::new(&media_type, InteractionState::Offered);
        it.work_type_id = work_type_id;
        it.info = Some(info.clone());
        it.accept_deadline = d.runtime.accept_timeout.map(|t| later(Instant::now(), t));
        if let Some((object_id, _)) = email {
            email::place_in_interaction(&mut d, &object_id, user_id, id);
            it.email = Some(object_id);
        }
        if let Some(u) = d.users.get_mut(user_id) {
            u.interactions.insert(id, it);
        }
        let inner = pop_inner(id, &media_type, info, d.runtime.accept_timeout);
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
