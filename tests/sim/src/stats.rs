//! `agentStatistics`: the figures of the `AgentStatistics` event, derived from what the agent
//! did since its login instead of the documents' fixed example.
//!
//! Time is kept per state the agent is in, as the agent model says it is at each moment
//! (the clocks advance before every command and on every sweep, so a state's time is
//! counted up to the change that ends it). Interaction counts are kept per work type, as
//! the event's items are. See "Statistics" in README.md for the mapping.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use serde_json::{json, Value};

use crate::agent::{AgentState, Interaction, InteractionState, DEFAULT_WORK_TYPE};

/// Where the agent's time goes, one bucket at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Bucket {
    Idle,
    NotReady,
    Park,
    /// Connected to one interaction (ACD, chat, e-mail...), or only holding.
    Active,
    /// Talking on an internal call (a consultation leg, a dial to a user).
    Internal,
    /// On a manual dial.
    Manual,
    /// Connected to more than one interaction.
    Multi,
    Wrap,
    /// Anything else: an interaction ringing, an e-mail being fetched.
    Other,
}

/// The counters of one work type.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Counts {
    chat: u64,
    did: u64,
    email: u64,
    inbound: u64,
    internal: u64,
    manual: u64,
    outreach: u64,
    sms: u64,
    callbacks: u64,
    refusals: u64,
    successes: u64,
}

/// The statistics of one login.
#[derive(Clone, Debug)]
pub(crate) struct AgentStats {
    login: Instant,
    /// Up to when the time has been counted.
    counted_to: Instant,
    millis: HashMap<Bucket, u128>,
    per_work_type: BTreeMap<i64, Counts>,
}

impl Default for AgentStats {
    fn default() -> Self {
        AgentStats::starting(Instant::now())
    }
}

/// The bucket of an agent in `state` with `interactions`: being connected counts first, then
/// work being presented, then wrap, then the agent's own state.
fn bucket(state: &AgentState, interactions: &BTreeMap<u64, Interaction>) -> Bucket {
    let connected: Vec<&Interaction> = interactions
        .values()
        .filter(|i| i.state.connected() && i.primary.is_none())
        .collect();
    // A consultation leg is what the agent talks on while its call is held.
    let talking = interactions
        .values()
        .find(|i| i.state == InteractionState::Active && i.primary.is_some())
        .or_else(|| {
            connected
                .iter()
                .copied()
                .find(|i| i.state == InteractionState::Active)
        });
    if connected.len() > 1 {
        return Bucket::Multi;
    }
    if let Some(i) = talking {
        return match i.media_type.as_str() {
            m if m.starts_with("Internal") => Bucket::Internal,
            "OutboundManual" | "OutboundExternal" => Bucket::Manual,
            _ => Bucket::Active,
        };
    }
    if !connected.is_empty() {
        return Bucket::Active;
    }
    let any = |s: InteractionState| interactions.values().any(|i| i.state == s);
    if any(InteractionState::Offered) || any(InteractionState::Accepted) {
        return Bucket::Other;
    }
    if any(InteractionState::Wrap) {
        return Bucket::Wrap;
    }
    match state {
        AgentState::NotReady(_) => Bucket::NotReady,
        AgentState::Park(_) => Bucket::Park,
        _ => Bucket::Idle,
    }
}

impl AgentStats {
    /// Statistics of a login that starts at `now`.
    pub(crate) fn starting(now: Instant) -> Self {
        AgentStats {
            login: now,
            counted_to: now,
            millis: HashMap::new(),
            per_work_type: BTreeMap::new(),
        }
    }

    /// Counts the time since the last call in the bucket the agent has been in (the model
    /// only changes after this ran, so it is the bucket of that whole stretch).
    pub(crate) fn advance(
        &mut self,
        state: &AgentState,
        interactions: &BTreeMap<u64, Interaction>,
        now: Instant,
    ) {
        if *state == AgentState::Disconnected {
            self.counted_to = now;
            return;
        }
        let elapsed = now.saturating_duration_since(self.counted_to).as_millis();
        *self.millis.entry(bucket(state, interactions)).or_default() += elapsed;
        self.counted_to = now;
    }

    fn counts(&mut self, work_type: i64) -> &mut Counts {
        self.per_work_type.entry(work_type).or_default()
    }

    /// An interaction of `media_type` was handled (it became Active).
    pub(crate) fn handled(&mut self, work_type: i64, media_type: &str) {
        let c = self.counts(work_type);
        let counter = match media_type {
            "InboundChat" => &mut c.chat,
            "InboundSMS" => &mut c.sms,
            "InboundDID" => &mut c.did,
            "OutboundEmail" => &mut c.email,
            m if m.starts_with("InboundEmail") => &mut c.email,
            m if m.starts_with("Internal") => &mut c.internal,
            "OutboundManual" | "OutboundExternal" => &mut c.manual,
            m if m.starts_with("Outbound") => &mut c.outreach,
            _ => &mut c.inbound,
        };
        *counter += 1;
    }

    /// An offer was refused (reject).
    pub(crate) fn refused(&mut self, work_type: i64) {
        self.counts(work_type).refusals += 1;
    }

    /// A disposition: a sale counts as a success, a callback flag as a callback.
    pub(crate) fn disposed(&mut self, work_type: i64, sale: bool, callback: bool) {
        let c = self.counts(work_type);
        c.successes += u64::from(sale);
        c.callbacks += u64::from(callback);
    }

    /// The `agentStatistics` items: one per work type the agent worked in (the default
    /// work type when none yet), each with the agent's times, as the agent is in all its
    /// work types at once. Deprecated fields are 0.
    pub(crate) fn items(&self, now: Instant) -> Value {
        let secs = |b: Bucket| {
            u64::try_from(self.millis.get(&b).copied().unwrap_or(0) / 1000).unwrap_or(u64::MAX)
        };
        let logged_in = now.saturating_duration_since(self.login).as_secs();
        let mut per_work_type = self.per_work_type.clone();
        if per_work_type.is_empty() {
            per_work_type.insert(DEFAULT_WORK_TYPE, Counts::default());
        }
        let items: Vec<Value> = per_work_type
            .iter()
            .map(|(work_type, c)| {
                json!({
                    "workTypeId": work_type,
                    "workTypeName": format!("Sim Work Type {work_type}"),
                    "chatInteractions": c.chat,
                    "ctiInteractions": 0,
                    "didInteractions": c.did,
                    "emailInteractions": c.email,
                    "inboundInteractions": c.inbound,
                    "internalInteractions": c.internal,
                    "manualInteractions": c.manual,
                    "outreachInteractions": c.outreach,
                    "smsInteractions": c.sms,
                    "workflowInteractions": 0,
                    "activeSeconds": secs(Bucket::Active),
                    "idleSeconds": secs(Bucket::Idle),
                    "internalSeconds": secs(Bucket::Internal),
                    "loggedInSeconds": logged_in,
                    "manualSeconds": secs(Bucket::Manual),
                    "multiSeconds": secs(Bucket::Multi),
                    "notReadySeconds": secs(Bucket::NotReady),
                    "otherSeconds": secs(Bucket::Other),
                    "parkSeconds": secs(Bucket::Park),
                    "statusSeconds": 0,
                    "wrapSeconds": secs(Bucket::Wrap),
                    "numberOfCallbacks": c.callbacks,
                    "numberOfRefusals": c.refusals,
                    "numberOfSuccesses": c.successes,
                })
            })
            .collect();
        Value::Array(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn with(media: &str, state: InteractionState, primary: Option<u64>) -> Interaction {
        let mut i = Interaction::new(media, state);
        i.primary = primary;
        i
    }

    #[test]
    fn the_bucket_follows_the_model() {
        let idle = AgentState::Idle;
        let mut ix = BTreeMap::new();
        assert_eq!(bucket(&idle, &ix), Bucket::Idle);
        assert_eq!(bucket(&AgentState::Park("1".into()), &ix), Bucket::Park);
        ix.insert(1, with("InboundACD", InteractionState::Offered, None));
        assert_eq!(bucket(&idle, &ix), Bucket::Other);
        ix.insert(1, with("InboundACD", InteractionState::Held, None));
        assert_eq!(bucket(&idle, &ix), Bucket::Active);
        ix.insert(
            2,
            with("InternalConsult", InteractionState::Active, Some(1)),
        );
        assert_eq!(bucket(&idle, &ix), Bucket::Internal);
        ix.remove(&2);
        ix.insert(3, with("OutboundManual", InteractionState::Active, None));
        assert_eq!(bucket(&idle, &ix), Bucket::Multi);
        ix.remove(&1);
        assert_eq!(bucket(&idle, &ix), Bucket::Manual);
        ix.insert(3, with("OutboundManual", InteractionState::Wrap, None));
        assert_eq!(bucket(&AgentState::NotReady("2".into()), &ix), Bucket::Wrap);
    }

    #[test]
    fn time_and_counts_reach_the_items() {
        let start = Instant::now();
        let mut s = AgentStats::starting(start);
        let ix = BTreeMap::new();
        s.advance(&AgentState::Idle, &ix, start + Duration::from_millis(2500));
        s.advance(
            &AgentState::NotReady("3".into()),
            &ix,
            start + Duration::from_millis(4000),
        );
        s.handled(84, "InboundChat");
        s.handled(84, "InboundEmailNLP");
        s.disposed(84, true, true);
        s.refused(191);
        let items = s.items(start + Duration::from_millis(4000));
        assert_eq!(items.as_array().map(Vec::len), Some(2));
        let chat = &items[0];
        assert_eq!(chat["workTypeId"], 84);
        assert_eq!(chat["chatInteractions"], 1);
        assert_eq!(chat["emailInteractions"], 1);
        assert_eq!(chat["numberOfSuccesses"], 1);
        assert_eq!(chat["numberOfCallbacks"], 1);
        assert_eq!(chat["idleSeconds"], 2);
        assert_eq!(chat["notReadySeconds"], 1);
        assert_eq!(chat["loggedInSeconds"], 4);
        assert_eq!(items[1]["numberOfRefusals"], 1);
    }
}
