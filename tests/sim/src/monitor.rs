//! `monitor`: a supervisor starts, switches and stops monitoring an agent, and
//! `MonitorState` reports each change with the documents' monitoring states.
//!
//! The agent is named by `monitoringStationId`: the `station` it logged in with, or its
//! user id. A request that cannot be carried out is answered by a `MonitorState` whose state
//! says why (MON_ERROR, MON_AGENT_ALREADY_MONITORED), as the description's x-failed-when
//! reads it; no Error event goes with it (the documents do not say one does).

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::agent::{InteractionState, Out};
use crate::state::Data;

const MON_SILENT: i64 = 1;
const MON_COACHING: i64 = 2;
const MON_BARGED_IN: i64 = 3;
const MON_STOPPED: i64 = 4;
const MON_ERROR: i64 = 5;
/// The first state of a monitored chat or SMS: the supervisor then sends `messageActive`.
const MON_START_ACK: i64 = 6;
const MON_AGENT_ALREADY_MONITORED: i64 = 12;

/// The chat server's address in a chat monitor's MonitorState (the documents' example).
const CHAT_SERVER: &str = "agent=;portal=123.aaa.manhattan.aspect-cloud.net";

/// How a supervisor takes part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Silent,
    Coach,
    BargeIn,
}

impl Mode {
    fn state(self) -> i64 {
        match self {
            Mode::Silent => MON_SILENT,
            Mode::Coach => MON_COACHING,
            Mode::BargeIn => MON_BARGED_IN,
        }
    }
}

/// What the request asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Start,
    Switch,
    Stop,
}

/// `monitorType` (`StartSilent`, `SwitchToCoach`, `StopBargeIn`...): action and mode.
fn parse(monitor_type: &str) -> Option<(Action, Mode)> {
    let (action, rest) = if let Some(r) = monitor_type.strip_prefix("SwitchTo") {
        (Action::Switch, r)
    } else if let Some(r) = monitor_type.strip_prefix("Start") {
        (Action::Start, r)
    } else {
        (Action::Stop, monitor_type.strip_prefix("Stop")?)
    };
    let mode = match rest {
        "Silent" => Mode::Silent,
        "Coach" => Mode::Coach,
        "BargeIn" => Mode::BargeIn,
        _ => return None,
    };
    Some((action, mode))
}

/// A supervisor's monitor of one agent.
#[derive(Clone, Debug)]
pub(crate) struct Monitor {
    target: String,
    monitor_type: String,
    monitoring_id: String,
    state: i64,
}

/// The monitor in `GET /sim/agents/{userId}` (of the supervisor).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct MonitorInfo {
    /// The monitored agent.
    pub user_id: String,
    /// The last request's monitorType (`StartSilent`, `SwitchToCoach`...).
    pub monitor_type: String,
    /// The last monitoringState sent (1 silent, 2 coaching, 3 barged in, 6 start ack).
    pub monitoring_state: i64,
    /// The request's monitoringId.
    pub monitoring_id: String,
}

impl Monitor {
    pub(crate) fn info(&self) -> MonitorInfo {
        MonitorInfo {
            user_id: self.target.clone(),
            monitor_type: self.monitor_type.clone(),
            monitoring_state: self.state,
            monitoring_id: self.monitoring_id.clone(),
        }
    }
}

/// The logged-in agent at `station` (its login's station, else its user id).
fn agent_at(d: &Data, station: &str) -> Option<String> {
    let mut found: Vec<&String> = d
        .users
        .iter()
        .filter(|(id, u)| {
            u.connected() && (u.station.as_deref() == Some(station) || id.as_str() == station)
        })
        .map(|(id, _)| id)
        .collect();
    found.sort();
    found.first().map(|s| (*s).clone())
}

/// The interaction a monitor of `agent` listens to: the active one, else a held one (0 when
/// the agent has none), and whether it is a chat or SMS.
fn monitored_interaction(d: &Data, agent: &str) -> (u64, bool) {
    let Some(u) = d.users.get(agent) else {
        return (0, false);
    };
    let pick = |s: InteractionState| {
        u.interactions
            .iter()
            .find(|(_, i)| i.state == s && i.primary.is_none())
    };
    match pick(InteractionState::Active).or_else(|| pick(InteractionState::Held)) {
        Some((id, i)) => (
            *id,
            matches!(i.media_type.as_str(), "InboundChat" | "InboundSMS"),
        ),
        None => (0, false),
    }
}

fn state_event(d: &Data, out: &mut Out, interaction: u64, state: i64, chat: bool) {
    out.push(
        d,
        "engagementCenter.MonitorState",
        json!({
            "monitoringInteractionId": interaction,
            "monitoringInteractionIdRev": interaction.to_string(),
            "monitoringState": state,
            "portNum": 0,
            "ipAddress": if chat { CHAT_SERVER } else { "" },
        }),
    );
}

/// `monitor` from `supervisor`.
pub(crate) fn command(d: &mut Data, supervisor: &str, body: &Map<String, Value>, out: &mut Out) {
    let field = |name: &str| {
        body.get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let monitor_type = field("monitorType");
    let Some((action, mode)) = parse(&monitor_type) else {
        return state_event(d, out, 0, MON_ERROR, false);
    };
    let current = d.users.get(supervisor).and_then(|u| u.monitor.clone());
    match (action, current) {
        (Action::Start, None) => {
            let target = agent_at(d, &field("monitoringStationId")).filter(|t| t != supervisor);
            let Some(target) = target else {
                return state_event(d, out, 0, MON_ERROR, false);
            };
            let taken = d.users.iter().any(|(id, u)| {
                id != supervisor && u.monitor.as_ref().is_some_and(|m| m.target == target)
            });
            let (interaction, chat) = monitored_interaction(d, &target);
            if taken {
                return state_event(d, out, interaction, MON_AGENT_ALREADY_MONITORED, chat);
            }
            let state = if chat { MON_START_ACK } else { mode.state() };
            if let Some(u) = d.users.get_mut(supervisor) {
                u.monitor = Some(Monitor {
                    target,
                    monitor_type,
                    monitoring_id: field("monitoringId"),
                    state,
                });
            }
            state_event(d, out, interaction, state, chat);
        }
        (Action::Switch, Some(m)) => {
            let (interaction, chat) = monitored_interaction(d, &m.target);
            if let Some(mon) = d.users.get_mut(supervisor).and_then(|u| u.monitor.as_mut()) {
                mon.monitor_type = monitor_type;
                mon.state = mode.state();
            }
            state_event(d, out, interaction, mode.state(), chat);
        }
        (Action::Stop, Some(m)) => {
            let (interaction, chat) = monitored_interaction(d, &m.target);
            if let Some(u) = d.users.get_mut(supervisor) {
                u.monitor = None;
            }
            state_event(d, out, interaction, MON_STOPPED, chat);
        }
        // A second Start while monitoring (switch instead), or a Switch or Stop without a
        // monitor.
        (_, current) => {
            let (interaction, chat) = current
                .map(|m| monitored_interaction(d, &m.target))
                .unwrap_or((0, false));
            state_event(d, out, interaction, MON_ERROR, chat);
        }
    }
}

/// `agent` logged out: whoever monitored it is told the monitor stopped.
pub(crate) fn target_gone(d: &mut Data, agent: &str) {
    let mut supervisors: Vec<String> = d
        .users
        .iter()
        .filter(|(_, u)| u.monitor.as_ref().is_some_and(|m| m.target == agent))
        .map(|(id, _)| id.clone())
        .collect();
    supervisors.sort();
    for s in supervisors {
        if let Some(u) = d.users.get_mut(&s) {
            u.monitor = None;
        }
        let mut out = Out::unsolicited(&s);
        state_event(d, &mut out, 0, MON_STOPPED, false);
        out.flush(d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monitor_types_read_as_action_and_mode() {
        assert_eq!(parse("StartSilent"), Some((Action::Start, Mode::Silent)));
        assert_eq!(
            parse("SwitchToBargeIn"),
            Some((Action::Switch, Mode::BargeIn))
        );
        assert_eq!(parse("StopCoach"), Some((Action::Stop, Mode::Coach)));
        assert_eq!(parse("Listen"), None);
    }
}
