//! The agent's live state, rebuilt from its events.
//!
//! [`AgentModel::apply`] is a pure function of the events in order: no I/O, no clock, so the
//! rules are unit-tested on their own. It never fails: an event about another agent or an
//! interaction it has not seen is reported in the change it returns, not rejected.

use crate::events::{Event, EventPayload};
use crate::models::{AgentStatisticsItem, EcScreenPopEvent, ScreenPopEmailData};
use serde::Serialize;

/// The agent's state as its events report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum AgentState {
    /// Not logged in (before login, after logout or a forced logout).
    Disconnected,
    /// Login under way (`Connecting` / `ConnectConfirm` / `Connected` seen, no state yet).
    Connecting,
    /// Available for work.
    Idle,
    /// Not ready, with [`AgentSnapshot::reason_id`].
    NotReady,
    /// Parked, with [`AgentSnapshot::reason_id`].
    Park,
    /// Handling work: an interaction is offered, active or held.
    Busy,
    /// Every interaction has ended and one at least waits for its disposition.
    Wrap,
    /// Logged in, state not reported yet: just attached to an existing login.
    Unknown,
}

impl AgentState {
    /// The state's name as the documents spell the matching event (`"NotReady"`).
    pub fn as_str(self) -> &'static str {
        match self {
            AgentState::Disconnected => "Disconnected",
            AgentState::Connecting => "Connecting",
            AgentState::Idle => "Idle",
            AgentState::NotReady => "NotReady",
            AgentState::Park => "Park",
            AgentState::Busy => "Busy",
            AgentState::Wrap => "Wrap",
            AgentState::Unknown => "Unknown",
        }
    }
}

/// A request the service holds until the agent's interactions are over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum PendingRequest {
    /// `NotReadyPending`: the agent goes not ready once its interactions are disposed.
    NotReady,
    /// `DisconnectPending`: the agent is logged out once its interactions are disposed.
    Disconnect,
}

impl PendingRequest {
    /// The name (`"NotReady"`, `"Disconnect"`), as in the snapshot's JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            PendingRequest::NotReady => "NotReady",
            PendingRequest::Disconnect => "Disconnect",
        }
    }
}

/// Where one interaction is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum InteractionState {
    /// Presented to the agent (`ScreenPop`), not accepted yet.
    Offered,
    /// Being dialled (`DialInitiated` / `Dialing`).
    Dialing,
    /// Connected (`Active`).
    Active,
    /// On hold (`Held`).
    Held,
    /// Ended (`InteractionClear`), its wrap not started.
    Cleared,
    /// In wrap-up (`Wrap`): waits for its disposition.
    Wrap,
}

impl InteractionState {
    /// The name (`"Held"`), as in the snapshot's JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            InteractionState::Offered => "Offered",
            InteractionState::Dialing => "Dialing",
            InteractionState::Active => "Active",
            InteractionState::Held => "Held",
            InteractionState::Cleared => "Cleared",
            InteractionState::Wrap => "Wrap",
        }
    }
}

/// One interaction of the agent.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Interaction {
    /// `interactionId`, as text.
    pub interaction_id: String,
    /// `mediaType` of its screen pop (`"InboundACD"`, `"InboundChat"`...), when known.
    pub media_type: Option<String>,
    /// Where it is.
    pub state: InteractionState,
    /// A consultation is under way on it (`ConsultInitiated` / `Consult`).
    pub consulting: bool,
    /// The consultation leg opened from it (`Consult`'s `consultInteractionId`): listed as
    /// an interaction of its own while the consultation lasts; after a `Conference`, the
    /// leg that joined it.
    pub consult_interaction_id: Option<String>,
    /// For a consultation leg: the interaction it consults about (`originalInteractionId`).
    pub original_interaction_id: Option<String>,
    /// It is a conference (`Conference`).
    pub conference: bool,
    /// `conferenceInteractionId` of its `Conference`.
    pub conference_interaction_id: Option<String>,
    /// It was transferred away (`CallReRouted`, `InteractionReleasedXferred`). An
    /// interaction transferred to this agent (`InteractionTransferred`) is listed under its
    /// new id instead.
    pub transferred: bool,
    /// The screen pop that presented it: caller data (`interactionInfo.screenData`), user
    /// fields, email data. `None` for an interaction seen first through a later event.
    pub screen_pop: Option<EcScreenPopEvent>,
    /// The e-mail of an e-mail interaction (`interactionInfo.emailData` of its screen pop).
    pub email: Option<ScreenPopEmailData>,
    /// False when events may have been lost since the last event about it (the stream was
    /// recreated): it may have ended meanwhile. The next event about it confirms it.
    pub in_sync: bool,
}

impl Interaction {
    fn new(id: &str, state: InteractionState) -> Self {
        Interaction {
            interaction_id: id.to_string(),
            media_type: None,
            state,
            consulting: false,
            consult_interaction_id: None,
            original_interaction_id: None,
            conference: false,
            conference_interaction_id: None,
            transferred: false,
            screen_pop: None,
            email: None,
            in_sync: true,
        }
    }
}

/// Everything known about the agent at one moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AgentSnapshot {
    /// The agent (`userId`).
    pub user_id: String,
    /// The login's `ehubSessionId`, once `ConnectConfirm` gave it.
    pub ehub_session_id: Option<String>,
    /// The agent's state.
    pub state: AgentState,
    /// The reason of the NotReady or Park state (`reasonId`).
    pub reason_id: Option<String>,
    /// A not-ready or disconnect request the service holds until the work is over.
    pub pending: Option<PendingRequest>,
    /// The interactions, oldest first.
    pub interactions: Vec<Interaction>,
    /// The last `AgentStatistics` figures, one item per work type.
    pub statistics: Vec<AgentStatisticsItem>,
    /// False after events may have been lost (the stream was recreated) until an event
    /// states the agent's state again; read the state with that in mind.
    pub in_sync: bool,
}

/// What one event changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum AgentChangeKind {
    /// The agent's state, reason, pending request or login changed.
    State,
    /// A new interaction was presented (`ScreenPop`) or dialled.
    InteractionOffered,
    /// An interaction changed (accepted, held, consult, conference, wrap...).
    InteractionChanged,
    /// An interaction is gone (disposed, rejected, transferred and disposed).
    InteractionRemoved,
    /// New statistics (`AgentStatistics`).
    Statistics,
    /// An `engagementCenter.Error` that answered no command of this session (informational
    /// notices such as a far-end hang-up, or the failure of a request made elsewhere).
    Error,
    /// The agent was logged out (`Disconnected`): by its own logout, by the service
    /// (keep-alives missed, forced logout) or after a failed login.
    LoggedOut,
    /// Events may have been lost: the stream was recreated. The session re-attached; the
    /// state is confirmed again by the next events ([`AgentSnapshot::in_sync`]).
    Gap,
    /// An event about another agent, reported and otherwise ignored.
    OtherAgent,
    /// Any other event of the agent (monitoring, recording, messaging...), passed on.
    Other,
}

impl AgentChangeKind {
    /// The name (`"InteractionOffered"`), the same in every binding.
    pub fn as_str(self) -> &'static str {
        match self {
            AgentChangeKind::State => "State",
            AgentChangeKind::InteractionOffered => "InteractionOffered",
            AgentChangeKind::InteractionChanged => "InteractionChanged",
            AgentChangeKind::InteractionRemoved => "InteractionRemoved",
            AgentChangeKind::Statistics => "Statistics",
            AgentChangeKind::Error => "Error",
            AgentChangeKind::LoggedOut => "LoggedOut",
            AgentChangeKind::Gap => "Gap",
            AgentChangeKind::OtherAgent => "OtherAgent",
            AgentChangeKind::Other => "Other",
        }
    }
}

/// One change of the agent's state, with the event that caused it.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentChange {
    /// What changed.
    pub kind: AgentChangeKind,
    /// The agent's state before.
    pub old_state: AgentState,
    /// The agent's state after.
    pub new_state: AgentState,
    /// The interaction concerned, when there is one.
    pub interaction_id: Option<String>,
    /// The event that caused the change; `None` for [`AgentChangeKind::Gap`].
    pub event: Option<Event>,
    /// A sentence for the log: the error's `failReason`, why an event was set aside...
    pub message: Option<String>,
}

/// The state machine behind [`AgentSnapshot`].
#[derive(Debug, Clone)]
pub(crate) struct AgentModel {
    pub snapshot: AgentSnapshot,
    /// Last state event: Idle, NotReady or Park (what the agent returns to without work);
    /// Connecting before the first, Unknown when attached.
    base: AgentState,
    connected: bool,
}

fn text(id: Option<&String>) -> Option<String> {
    id.filter(|s| !s.is_empty() && s.as_str() != "0").cloned()
}

impl AgentModel {
    pub fn new(user_id: &str) -> Self {
        AgentModel {
            snapshot: AgentSnapshot {
                user_id: user_id.to_string(),
                ehub_session_id: None,
                state: AgentState::Disconnected,
                reason_id: None,
                pending: None,
                interactions: Vec::new(),
                statistics: Vec::new(),
                in_sync: true,
            },
            base: AgentState::Connecting,
            connected: false,
        }
    }

    /// The state the events imply: work first, then wrap, then the last state event.
    fn derive(&self) -> AgentState {
        if !self.connected {
            return if self.snapshot.ehub_session_id.is_some() {
                AgentState::Connecting
            } else {
                AgentState::Disconnected
            };
        }
        let s = &self.snapshot.interactions;
        if s.iter().any(|i| {
            matches!(
                i.state,
                InteractionState::Offered
                    | InteractionState::Dialing
                    | InteractionState::Active
                    | InteractionState::Held
            )
        }) {
            AgentState::Busy
        } else if s
            .iter()
            .any(|i| matches!(i.state, InteractionState::Wrap | InteractionState::Cleared))
        {
            AgentState::Wrap
        } else {
            self.base
        }
    }

    /// The interaction `id`, adopted when it was not known (its first events were lost or
    /// came before this session attached).
    fn adopt(&mut self, id: &str, state: InteractionState, adopted: &mut bool) -> &mut Interaction {
        if let Some(pos) = self
            .snapshot
            .interactions
            .iter()
            .position(|i| i.interaction_id == id)
        {
            return &mut self.snapshot.interactions[pos];
        }
        *adopted = true;
        self.snapshot.interactions.push(Interaction::new(id, state));
        self.snapshot.interactions.last_mut().expect("just pushed")
    }

    fn find(&mut self, id: &str) -> Option<&mut Interaction> {
        self.snapshot
            .interactions
            .iter_mut()
            .find(|i| i.interaction_id == id)
    }

    fn remove(&mut self, id: &str) -> bool {
        let before = self.snapshot.interactions.len();
        self.snapshot
            .interactions
            .retain(|i| i.interaction_id != id);
        before != self.snapshot.interactions.len()
    }

    /// Attached to an existing login: logged in, state unknown until its next event.
    pub fn attached(&mut self) {
        self.connected = true;
        self.base = AgentState::Unknown;
        self.snapshot.in_sync = false;
        self.snapshot.state = self.derive();
    }

    /// Marks the model as possibly stale: events were lost.
    pub fn gap(&mut self) -> AgentChange {
        self.snapshot.in_sync = false;
        for i in &mut self.snapshot.interactions {
            i.in_sync = false;
        }
        let state = self.snapshot.state;
        AgentChange {
            kind: AgentChangeKind::Gap,
            old_state: state,
            new_state: state,
            interaction_id: None,
            event: None,
            message: Some(
                "events may have been lost: the stream was recreated and the session re-attached"
                    .into(),
            ),
        }
    }

    /// Applies one event of the stream, in order.
    pub fn apply(&mut self, event: &Event) -> AgentChange {
        let old_state = self.snapshot.state;
        let payload = event.typed_payload();
        let envelope_user = envelope_user(event);
        if let Some(user) = envelope_user.filter(|u| !u.is_empty() && *u != self.snapshot.user_id) {
            return AgentChange {
                kind: AgentChangeKind::OtherAgent,
                old_state,
                new_state: old_state,
                interaction_id: None,
                event: Some(event.clone()),
                message: Some(format!(
                    "event about agent {user}, not {}",
                    self.snapshot.user_id
                )),
            };
        }
        let mut kind = AgentChangeKind::Other;
        let mut interaction_id = None;
        let mut message = None;
        let mut adopted = false;
        let mut states_agent = false;
        use InteractionState as I;
        match &payload {
            EventPayload::EcConnecting(_) => {
                kind = AgentChangeKind::State;
                self.connected = false;
                self.base = AgentState::Connecting;
            }
            EventPayload::EcConnectConfirm(p) => {
                kind = AgentChangeKind::State;
                let inner = p.payload.as_ref().and_then(|i| i.ehub_session_id.clone());
                if let Some(ehub) = inner.or_else(|| p.ehub_session_id.clone()) {
                    self.snapshot.ehub_session_id = Some(ehub);
                }
            }
            EventPayload::EcConnected(_) => {
                kind = AgentChangeKind::State;
                self.connected = true;
            }
            EventPayload::EcIdle(p) => {
                kind = AgentChangeKind::State;
                states_agent = true;
                let disposed = text(p.payload.as_ref().and_then(|i| i.interaction_id.as_ref()));
                self.connected = true;
                self.base = AgentState::Idle;
                self.snapshot.reason_id = None;
                match disposed {
                    Some(id) => {
                        // Idle with an interaction id: that interaction is disposed.
                        if self.remove(&id) {
                            kind = AgentChangeKind::InteractionRemoved;
                        }
                        interaction_id = Some(id);
                    }
                    None => {
                        // Back to idle: rejected or cleared interactions are gone too.
                        self.snapshot
                            .interactions
                            .retain(|i| i.state != InteractionState::Cleared);
                        if self.snapshot.pending == Some(PendingRequest::NotReady) {
                            self.snapshot.pending = None;
                        }
                    }
                }
            }
            EventPayload::EcNotReady(p) => {
                kind = AgentChangeKind::State;
                states_agent = true;
                self.connected = true;
                self.base = AgentState::NotReady;
                self.snapshot.reason_id = p.payload.as_ref().and_then(|i| i.reason_id.clone());
                if self.snapshot.pending == Some(PendingRequest::NotReady) {
                    self.snapshot.pending = None;
                }
            }
            EventPayload::EcPark(p) => {
                kind = AgentChangeKind::State;
                states_agent = true;
                self.connected = true;
                self.base = AgentState::Park;
                self.snapshot.reason_id = p.payload.as_ref().and_then(|i| i.reason_id.clone());
                if self.snapshot.pending == Some(PendingRequest::NotReady) {
                    self.snapshot.pending = None;
                }
            }
            EventPayload::EcNotReadyPending(_) => {
                kind = AgentChangeKind::State;
                self.snapshot.pending = Some(PendingRequest::NotReady);
            }
            EventPayload::EcDisconnectPending(_) => {
                kind = AgentChangeKind::State;
                self.snapshot.pending = Some(PendingRequest::Disconnect);
            }
            EventPayload::EcDisconnected(_) => {
                kind = AgentChangeKind::LoggedOut;
                states_agent = true;
                self.connected = false;
                self.base = AgentState::Connecting;
                self.snapshot.ehub_session_id = None;
                self.snapshot.reason_id = None;
                self.snapshot.pending = None;
                self.snapshot.interactions.clear();
            }
            EventPayload::EcScreenPop(p) => {
                kind = AgentChangeKind::InteractionOffered;
                states_agent = true;
                let inner = p.payload.as_ref();
                if let Some(id) = text(inner.and_then(|i| i.interaction_id.as_ref())) {
                    let media = inner
                        .and_then(|i| i.media_type.as_ref())
                        .map(|m| m.to_string());
                    // A screen pop introduces its interaction: nothing is adopted.
                    let i = self.adopt(&id, I::Offered, &mut false);
                    i.state = I::Offered;
                    i.in_sync = true;
                    i.media_type = media;
                    i.email = inner
                        .and_then(|i| i.interaction_info.as_ref())
                        .and_then(|i| i.email_data.clone());
                    i.screen_pop = Some(p.clone());
                    interaction_id = Some(id);
                }
            }
            EventPayload::EcDialInitiated(_) | EventPayload::EcDialing(_) => {
                kind = AgentChangeKind::InteractionOffered;
                states_agent = true;
                if let Some(id) = interaction_of(event) {
                    let i = self.adopt(&id, I::Dialing, &mut false);
                    i.in_sync = true;
                    if i.state == I::Offered {
                        i.state = I::Dialing;
                    }
                    interaction_id = Some(id);
                }
            }
            EventPayload::EcInteractionTransferred(p) => {
                // This agent was the consulted party: the original interaction is now its
                // own, under a new id that later requests must use.
                kind = AgentChangeKind::InteractionChanged;
                states_agent = true;
                let inner = p.payload.as_ref();
                let new_id = text(inner.and_then(|i| i.new_interaction_id.as_ref()));
                let old = [
                    text(inner.and_then(|i| i.consult_interaction_id.as_ref())),
                    text(inner.and_then(|i| i.interaction_id.as_ref())),
                ];
                if let Some(new_id) = new_id.or_else(|| old[1].clone()) {
                    if let Some(i) = self.find(&new_id) {
                        // Presented already under its new id (its ScreenPop): it stays
                        // where it is, offered or accepted.
                        i.in_sync = true;
                        i.consulting = false;
                        i.original_interaction_id = None;
                        for o in old.iter().flatten().filter(|o| **o != new_id) {
                            self.remove(o);
                        }
                    } else {
                        // The consultation leg this agent held becomes the call.
                        let pos = self
                            .snapshot
                            .interactions
                            .iter()
                            .position(|i| old.iter().flatten().any(|o| *o == i.interaction_id));
                        let mut i = match pos {
                            Some(pos) => self.snapshot.interactions.remove(pos),
                            None => {
                                message = Some("an interaction not seen before: adopted".into());
                                Interaction::new(&new_id, I::Active)
                            }
                        };
                        i.interaction_id = new_id.clone();
                        i.state = I::Active;
                        i.consulting = false;
                        i.original_interaction_id = None;
                        i.in_sync = true;
                        self.snapshot.interactions.push(i);
                    }
                    interaction_id = Some(new_id);
                }
            }
            EventPayload::EcActive(_)
            | EventPayload::EcHeld(_)
            | EventPayload::EcWrap(_)
            | EventPayload::EcConsultInitiated(_)
            | EventPayload::EcConsult(_)
            | EventPayload::EcConference(_)
            | EventPayload::EcCallReRouted(_)
            | EventPayload::EcInteractionReleasedXferred(_)
            | EventPayload::EcInteractionClear(_)
            | EventPayload::EcActivateInteraction(_) => {
                kind = AgentChangeKind::InteractionChanged;
                states_agent = true;
                if let Some(id) = interaction_of(event) {
                    let initial = match &payload {
                        EventPayload::EcHeld(_) => I::Held,
                        EventPayload::EcWrap(_) => I::Wrap,
                        EventPayload::EcInteractionClear(_) => I::Cleared,
                        _ => I::Active,
                    };
                    let i = self.adopt(&id, initial, &mut adopted);
                    i.in_sync = true;
                    // A leg that leaves with this event: merged, transferred, wrapped, ended.
                    let mut leg_gone = None;
                    // A consultation leg that appears with this event.
                    let mut leg_new = None;
                    match &payload {
                        EventPayload::EcActive(_) => {
                            i.state = I::Active;
                            i.consulting = false;
                        }
                        EventPayload::EcHeld(_) => i.state = I::Held,
                        EventPayload::EcWrap(_) => {
                            i.state = I::Wrap;
                            i.consulting = false;
                            leg_gone = i.consult_interaction_id.clone();
                        }
                        EventPayload::EcConsultInitiated(_) => i.consulting = true,
                        EventPayload::EcConsult(c) => {
                            i.consulting = true;
                            let leg = text(
                                c.payload
                                    .as_ref()
                                    .and_then(|c| c.consult_interaction_id.as_ref()),
                            )
                            .filter(|leg| *leg != id);
                            if leg.is_some() {
                                i.consult_interaction_id = leg.clone();
                            }
                            leg_new = leg;
                        }
                        EventPayload::EcConference(c) => {
                            let c = c.payload.as_ref();
                            i.conference = true;
                            i.consulting = false;
                            i.state = I::Active;
                            if let Some(leg) =
                                text(c.and_then(|c| c.consult_interaction_id.as_ref()))
                            {
                                i.consult_interaction_id = Some(leg);
                            }
                            i.conference_interaction_id =
                                text(c.and_then(|c| c.conference_interaction_id.as_ref()))
                                    .or(i.conference_interaction_id.take());
                            leg_gone = i.consult_interaction_id.clone();
                        }
                        EventPayload::EcCallReRouted(_)
                        | EventPayload::EcInteractionReleasedXferred(_) => {
                            i.transferred = true;
                            i.consulting = false;
                            leg_gone = i.consult_interaction_id.clone();
                        }
                        EventPayload::EcInteractionClear(_) => {
                            i.consulting = false;
                            if i.state != I::Wrap {
                                // Also an offer cleared before it was accepted (rejected,
                                // abandoned).
                                i.state = I::Cleared;
                            }
                        }
                        _ => {}
                    }
                    let ended_leg = matches!(payload, EventPayload::EcInteractionClear(_))
                        .then(|| i.original_interaction_id.clone())
                        .flatten();
                    if let Some(primary) = ended_leg {
                        // A consultation leg ends without a wrap of its own: it leaves, and
                        // its primary's consultation is over.
                        self.remove(&id);
                        if let Some(p) = self.find(&primary) {
                            p.consulting = false;
                            p.consult_interaction_id = None;
                        }
                        kind = AgentChangeKind::InteractionRemoved;
                    }
                    if let Some(leg) = leg_gone.filter(|leg| *leg != id) {
                        self.remove(&leg);
                    }
                    if let Some(leg) = leg_new {
                        let l = self.adopt(&leg, I::Active, &mut false);
                        l.original_interaction_id = Some(id.clone());
                    }
                    interaction_id = Some(id);
                }
                if adopted {
                    message = Some("an interaction not seen before: adopted".into());
                }
            }
            EventPayload::EcDispositionInitiated(_) => {
                // The disposition is under way; the Idle naming the interaction ends it.
                kind = AgentChangeKind::InteractionChanged;
                interaction_id = interaction_of(event);
            }
            EventPayload::EcAgentStatistics(p) => {
                kind = AgentChangeKind::Statistics;
                self.snapshot.statistics = p
                    .payload
                    .as_ref()
                    .and_then(|i| i.agent_statistics.clone())
                    .unwrap_or_default();
            }
            EventPayload::EcError(p) => {
                kind = AgentChangeKind::Error;
                let inner = p.payload.as_ref();
                interaction_id = text(inner.and_then(|i| i.interaction_id.as_ref()));
                message = inner.and_then(|i| i.fail_reason.clone());
            }
            _ => {
                interaction_id = interaction_of(event);
            }
        }
        if states_agent {
            self.snapshot.in_sync = true;
        }
        self.snapshot.state = self.derive();
        AgentChange {
            kind,
            old_state,
            new_state: self.snapshot.state,
            interaction_id,
            event: Some(event.clone()),
            message,
        }
    }
}

/// The `userId` of an agent event's envelope.
fn envelope_user(event: &Event) -> Option<&str> {
    event.payload().get("userId")?.as_str()
}

/// The `interactionId` inside an event's payload (its string twin first), when it names
/// one: 0 names none.
pub(super) fn interaction_of(event: &Event) -> Option<String> {
    let inner = event.payload().get("payload")?;
    // `Consult` names the interaction it consults about as the original.
    [
        "interactionIdRev",
        "interactionId",
        "originalInteractionIdRev",
        "originalInteractionId",
    ]
    .iter()
    .find_map(|k| id_text(inner.get(*k)))
}

/// An id as text, from a string or a number; empty and 0 name nothing.
pub(super) fn id_text(v: Option<&serde_json::Value>) -> Option<String> {
    let s = match v? {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => return None,
    };
    (!s.is_empty() && s != "0").then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn ev(event_type: &str, inner: serde_json::Value) -> Event {
        ev_for("u1", event_type, inner)
    }

    pub(crate) fn ev_for(user: &str, event_type: &str, inner: serde_json::Value) -> Event {
        let payload =
            json!({"userId": user, "ehubSessionId": 7, "ehubSessionIdRev": "7", "payload": inner});
        Event::from_wire(&json!({
            "eventId": uuid_like(event_type, &inner),
            "eventType": format!("engagementCenter.{event_type}"),
            "payload": payload.to_string(),
        }))
        .unwrap()
    }

    fn uuid_like(t: &str, v: &serde_json::Value) -> String {
        format!("{t}-{v}")
    }

    fn logged_in() -> AgentModel {
        let mut m = AgentModel::new("u1");
        for (t, p) in [
            ("Connecting", json!({})),
            (
                "ConnectConfirm",
                json!({"userId": "u1", "ehubSessionId": "7"}),
            ),
            ("Connected", json!({})),
            ("Idle", json!({"interactionId": 0, "interactionIdRev": "0"})),
        ] {
            m.apply(&ev(t, p));
        }
        m
    }

    fn one(id: u64) -> serde_json::Value {
        json!({"interactionId": id, "interactionIdRev": id.to_string()})
    }

    #[test]
    fn login_sequence_reaches_idle_with_the_ehub_session() {
        let mut m = AgentModel::new("u1");
        let c = m.apply(&ev("Connecting", json!({})));
        assert_eq!(c.new_state, AgentState::Disconnected);
        let c = m.apply(&ev("ConnectConfirm", json!({"ehubSessionId": "7"})));
        assert_eq!(c.new_state, AgentState::Connecting);
        assert_eq!(m.snapshot.ehub_session_id.as_deref(), Some("7"));
        m.apply(&ev("Connected", json!({})));
        let c = m.apply(&ev(
            "NotReady",
            json!({"reasonId": 15, "reasonIdRev": "15"}),
        ));
        assert_eq!(
            (c.old_state, c.new_state),
            (AgentState::Connecting, AgentState::NotReady)
        );
        assert_eq!(m.snapshot.reason_id.as_deref(), Some("15"));
    }

    #[test]
    fn an_interaction_from_screen_pop_to_disposition() {
        let mut m = logged_in();
        let mut pop = one(151);
        pop["mediaType"] = json!("InboundACD");
        pop["interactionInfo"] = json!({"screenData": {"ani": "6035551212"}});
        let c = m.apply(&ev("ScreenPop", pop));
        assert_eq!(c.kind, AgentChangeKind::InteractionOffered);
        assert_eq!(
            (c.old_state, c.new_state),
            (AgentState::Idle, AgentState::Busy)
        );
        let i = &m.snapshot.interactions[0];
        assert_eq!(
            (i.interaction_id.as_str(), i.state),
            ("151", InteractionState::Offered)
        );
        assert_eq!(i.media_type.as_deref(), Some("InboundACD"));
        assert!(i.screen_pop.is_some());
        m.apply(&ev("Active", one(151)));
        m.apply(&ev("Held", one(151)));
        assert_eq!(m.snapshot.interactions[0].state, InteractionState::Held);
        m.apply(&ev("Active", one(151)));
        m.apply(&ev("ConsultInitiated", one(151)));
        assert!(m.snapshot.interactions[0].consulting);
        m.apply(&ev("Conference", one(151)));
        assert!(m.snapshot.interactions[0].conference);
        m.apply(&ev("NotReadyPending", json!({})));
        assert_eq!(m.snapshot.pending, Some(PendingRequest::NotReady));
        m.apply(&ev("InteractionClear", one(151)));
        let c = m.apply(&ev("Wrap", one(151)));
        assert_eq!(
            (c.old_state, c.new_state),
            (AgentState::Wrap, AgentState::Wrap)
        );
        let c = m.apply(&ev("Idle", one(151)));
        assert_eq!(c.kind, AgentChangeKind::InteractionRemoved);
        assert!(m.snapshot.interactions.is_empty());
        let c = m.apply(&ev("NotReady", json!({"reasonId": 3})));
        assert_eq!(c.new_state, AgentState::NotReady);
        assert_eq!(m.snapshot.pending, None);
    }

    #[test]
    fn consultation_legs_conference_and_transfer() {
        let mut m = logged_in();
        m.apply(&ev("ScreenPop", one(151)));
        m.apply(&ev("Active", one(151)));
        m.apply(&ev("ConsultInitiated", one(151)));
        // The documents' Consult names the original interaction and the new leg only.
        let consult = json!({"consultInteractionId": 152, "consultInteractionIdRev": "152",
            "originalInteractionId": 151, "originalInteractionIdRev": "151"});
        let c = m.apply(&ev("Consult", consult.clone()));
        assert_eq!(c.interaction_id.as_deref(), Some("151"));
        let ids: Vec<_> = m
            .snapshot
            .interactions
            .iter()
            .map(|i| i.interaction_id.as_str())
            .collect();
        assert_eq!(ids, ["151", "152"]);
        let (primary, leg) = (&m.snapshot.interactions[0], &m.snapshot.interactions[1]);
        assert!(primary.consulting);
        assert_eq!(primary.consult_interaction_id.as_deref(), Some("152"));
        assert_eq!(leg.original_interaction_id.as_deref(), Some("151"));
        assert_eq!(leg.state, InteractionState::Active);
        // The leg ends: it leaves, and the consultation with it.
        let c = m.apply(&ev("InteractionClear", one(152)));
        assert_eq!(c.kind, AgentChangeKind::InteractionRemoved);
        assert_eq!(m.snapshot.interactions.len(), 1);
        assert!(!m.snapshot.interactions[0].consulting);
        assert_eq!(m.snapshot.interactions[0].consult_interaction_id, None);
        // A new consultation merges into a conference: the leg joins the primary.
        m.apply(&ev(
            "Consult",
            json!({"interactionId": 151, "consultInteractionId": 153}),
        ));
        assert_eq!(m.snapshot.interactions.len(), 2);
        m.apply(&ev(
            "Conference",
            json!({"interactionId": 151, "consultInteractionId": 153,
            "conferenceInteractionId": 154}),
        ));
        assert_eq!(m.snapshot.interactions.len(), 1);
        let p = &m.snapshot.interactions[0];
        assert!(p.conference && !p.consulting);
        assert_eq!(p.conference_interaction_id.as_deref(), Some("154"));
        assert_eq!(p.consult_interaction_id.as_deref(), Some("153"));
        // Transferred away: the primary wraps up, its leg goes with the transfer.
        m.apply(&ev(
            "Consult",
            json!({"interactionId": 151, "consultInteractionId": 155}),
        ));
        m.apply(&ev("InteractionReleasedXferred", one(151)));
        assert_eq!(m.snapshot.interactions.len(), 1);
        assert!(m.snapshot.interactions[0].transferred);
    }

    #[test]
    fn an_interaction_transferred_to_this_agent_takes_its_new_id() {
        let mut m = logged_in();
        m.apply(&ev("ScreenPop", one(300)));
        m.apply(&ev("Active", one(300)));
        let c = m.apply(&ev(
            "InteractionTransferred",
            json!({"interactionId": 300,
            "consultInteractionId": 300, "newInteractionId": 301, "newInteractionIdRev": "301"}),
        ));
        assert_eq!(c.interaction_id.as_deref(), Some("301"));
        assert_eq!(m.snapshot.interactions.len(), 1);
        let i = &m.snapshot.interactions[0];
        assert_eq!(
            (i.interaction_id.as_str(), i.state),
            ("301", InteractionState::Active)
        );
        assert!(!i.transferred);
        assert!(i.screen_pop.is_some(), "what was known of it stays");
    }

    #[test]
    fn a_transfer_presented_by_its_screen_pop_stays_offered_under_its_new_id() {
        let mut m = logged_in();
        m.apply(&ev("ScreenPop", one(401)));
        let c = m.apply(&ev(
            "InteractionTransferred",
            json!({"interactionId": 400, "consultInteractionId": 0, "newInteractionId": 401}),
        ));
        assert_eq!(c.interaction_id.as_deref(), Some("401"));
        assert_eq!(c.message, None, "nothing adopted");
        let ids: Vec<_> = m
            .snapshot
            .interactions
            .iter()
            .map(|i| (i.interaction_id.as_str(), i.state))
            .collect();
        assert_eq!(ids, [("401", InteractionState::Offered)]);
    }

    #[test]
    fn an_email_offer_carries_its_email_data() {
        let mut m = logged_in();
        let mut pop = one(8);
        pop["mediaType"] = json!("InboundEmail");
        pop["interactionInfo"] =
            json!({"emailData": {"fromAddress": "ann@example.com", "emailObjectId": "e-1"}});
        m.apply(&ev("ScreenPop", pop));
        let email = m.snapshot.interactions[0]
            .email
            .clone()
            .expect("email data");
        assert_eq!(email.from_address.as_deref(), Some("ann@example.com"));
        assert_eq!(email.email_object_id.as_deref(), Some("e-1"));
    }

    #[test]
    fn after_a_gap_each_interaction_is_unconfirmed_until_an_event_about_it() {
        let mut m = logged_in();
        m.apply(&ev("ScreenPop", one(1)));
        m.apply(&ev("ScreenPop", one(2)));
        m.gap();
        assert!(m.snapshot.interactions.iter().all(|i| !i.in_sync));
        m.apply(&ev("Held", one(2)));
        let sync: Vec<_> = m
            .snapshot
            .interactions
            .iter()
            .map(|i| (i.interaction_id.as_str(), i.in_sync))
            .collect();
        assert_eq!(sync, [("1", false), ("2", true)]);
    }

    #[test]
    fn a_rejected_offer_leaves_with_the_next_idle() {
        let mut m = logged_in();
        m.apply(&ev("ScreenPop", one(9)));
        m.apply(&ev("InteractionClear", one(9)));
        assert_eq!(m.snapshot.state, AgentState::Wrap);
        let c = m.apply(&ev("Idle", one(0)));
        assert_eq!(c.new_state, AgentState::Idle);
        assert!(m.snapshot.interactions.is_empty());
    }

    #[test]
    fn other_agents_and_unknown_interactions_are_reported_not_fatal() {
        let mut m = logged_in();
        let c = m.apply(&ev_for("someone-else", "Active", one(5)));
        assert_eq!(c.kind, AgentChangeKind::OtherAgent);
        assert!(m.snapshot.interactions.is_empty());
        let c = m.apply(&ev("Held", one(77)));
        assert_eq!(c.kind, AgentChangeKind::InteractionChanged);
        assert!(c.message.unwrap().contains("adopted"));
        assert_eq!(m.snapshot.interactions[0].state, InteractionState::Held);
        // Garbage payloads change nothing and do not panic.
        let odd = Event::from_wire(
            &json!({"eventId": "x", "eventType": "engagementCenter.Active", "payload": "[1,2]"}),
        )
        .unwrap();
        let c = m.apply(&odd);
        assert_eq!(c.new_state, AgentState::Busy);
    }

    #[test]
    fn logout_clears_everything_and_gap_marks_out_of_sync() {
        let mut m = logged_in();
        m.apply(&ev("ScreenPop", one(1)));
        let g = m.gap();
        assert_eq!(g.kind, AgentChangeKind::Gap);
        assert!(!m.snapshot.in_sync);
        m.apply(&ev("Active", one(1)));
        assert!(m.snapshot.in_sync);
        let c = m.apply(&ev("Disconnected", json!({})));
        assert_eq!(c.kind, AgentChangeKind::LoggedOut);
        assert_eq!(c.new_state, AgentState::Disconnected);
        assert!(m.snapshot.interactions.is_empty());
        assert_eq!(m.snapshot.ehub_session_id, None);
    }

    #[test]
    fn the_snapshot_serializes_with_the_names_of_as_str() {
        let mut m = logged_in();
        m.apply(&ev("ScreenPop", one(4)));
        m.apply(&ev("NotReadyPending", json!({})));
        let v = serde_json::to_value(&m.snapshot).unwrap();
        assert_eq!(v["state"], AgentState::Busy.as_str());
        assert_eq!(v["pending"], PendingRequest::NotReady.as_str());
        assert_eq!(v["ehubSessionId"], "7");
        assert_eq!(v["inSync"], true);
        assert_eq!(v["interactions"][0]["interactionId"], "4");
        assert_eq!(
            v["interactions"][0]["state"],
            InteractionState::Offered.as_str()
        );
        assert!(v["interactions"][0]["screenPop"].is_object());
        for k in [AgentChangeKind::Gap, AgentChangeKind::InteractionOffered] {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
    }

    #[test]
    fn attach_is_logged_in_with_an_unknown_state_until_told() {
        let mut m = AgentModel::new("u1");
        m.apply(&ev("ConnectConfirm", json!({"ehubSessionId": "7"})));
        m.attached();
        assert_eq!(m.snapshot.state, AgentState::Unknown);
        assert!(!m.snapshot.in_sync);
        m.apply(&ev("Park", json!({"reasonId": 2})));
        assert_eq!(m.snapshot.state, AgentState::Park);
        assert!(m.snapshot.in_sync);
    }
}
