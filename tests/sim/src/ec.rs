//! Engagement Center v2 agent commands. The agent commands (connect, ready, notReady,
//! disconnect, cancel, keepAlive, forceDisconnect), the interaction commands that change
//! an interaction (accept, reject, hold, retrieve, consult, conference, transfer,
//! terminate, dispose, dial and the e-mail ones) and the user commands with state of their
//! own (agentStatistics, monitor, personal greeting, voicemail notifications, composeEmail,
//! reviewEmail, removeEmail, reassignEmail) run through the agent model (`agent.rs` and the
//! modules beside it) that turns them into the documented event sequences; every other
//! command answers 202 and emits its documented confirming events (`confirmed_by`), shaped
//! like the documents' examples with the ids filled in.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};
use std::time::Instant;

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::agent::{self, InteractionOp, Out};
use crate::api::Call;
use crate::email;
use crate::error::ApiError;
use crate::extract::{check_enum, opt_number, opt_str, req_bool, req_str};
use crate::greeting::{self, GreetingOp};
use crate::monitor;
use crate::state::{now_iso, Data, EventTemplate, SimState};
use crate::voicemail;

/// Response header carrying the correlationId of the events a command caused
/// (a simulator extension: the real service does not send it).
pub const CORRELATION_HEADER: &str = "x-correlation-id";

const INITIAL_STATES: &[&str] = &["Idle", "NotReady", "Park"];
const NOT_READY_TYPES: &[&str] = &["NotReady", "Park"];
const CANCEL_TYPES: &[&str] = &["Disconnect", "NotReady"];

/// Every `engagementCenter.*` operation: 202 with the correlation header, and its events.
pub(crate) fn command(state: &SimState, call: &Call) -> Result<Response, ApiError> {
    let sid = call.session()?;
    let body = call.body_object();
    let correlation: Arc<str> = Arc::from(uuid::Uuid::new_v4().to_string());
    let name = call.op.command;
    {
        let mut d = state.lock();
        if d.session_for(sid, false).is_none() {
            return Err(call.invalid_session());
        }
        // The timers that came due act before the command, which sees their effect.
        d.sweep_agents(Instant::now());
        match Command::parse(name, &body)? {
            Some(cmd) => apply(&mut d, call, sid, cmd, &body, &correlation)?,
            None => match call.path_param("interactionId") {
                // No behaviour of its own, but still about an interaction that must exist.
                Some(id) if !d.interaction_exists(id) => {
                    agent::unknown_interaction(&mut d, sid, id, &correlation);
                }
                _ => confirm(&mut d, call, sid, &body, &correlation),
            },
        }
    }
    tracing::info!(op = call.op.name, correlation = %correlation, "agent command accepted");
    let mut resp = StatusCode::ACCEPTED.into_response();
    if let Ok(v) = HeaderValue::from_str(&correlation) {
        resp.headers_mut().insert(CORRELATION_HEADER, v);
    }
    Ok(resp)
}

/// The documents' example payload of each event type, parsed once.
static EXAMPLES: LazyLock<HashMap<&'static str, Value>> = LazyLock::new(|| {
    ccbridge::events::EXAMPLES
        .iter()
        .filter_map(|(t, text)| Some((*t, serde_json::from_str(text).ok()?)))
        .collect()
});

/// The ids an event built from an example is about.
struct Ids<'a> {
    user: &'a str,
    ehub: u64,
    /// The path's interactionId, when the command is about an interaction.
    interaction: Option<&'a str>,
}

/// The same kind of JSON value as `like`: a number where the example has a number, a
/// string otherwise (the documents send ids both ways, with string twins).
fn like(like: &Value, number: i64, text: &str) -> Value {
    if like.is_number() {
        Value::from(number)
    } else {
        Value::from(text)
    }
}

/// Puts the ids into one level of an example (envelope or inner payload), and, in the
/// inner payload, the body's value of any same-named scalar field of the same type (a
/// dispose's dispositionId into DispositionInitiated, a consult's consultType...).
fn fill_level(m: &mut Map<String, Value>, ids: &Ids, body: Option<&Map<String, Value>>) {
    let ehub = i64::try_from(ids.ehub).unwrap_or(0);
    for (k, v) in m.iter_mut() {
        match k.as_str() {
            "userId" => *v = Value::from(ids.user),
            "ehubSessionId" | "ehubSessionIdRev" => *v = like(v, ehub, &ids.ehub.to_string()),
            "interactionId" | "interactionIdRev" if ids.interaction.is_some() => {
                let text = ids.interaction.unwrap_or_default();
                *v = like(v, text.trim().parse().unwrap_or(0), text);
            }
            _ => {
                let Some(given) = body.and_then(|b| b.get(k)) else {
                    continue;
                };
                let same = matches!(
                    (&*v, given),
                    (Value::String(_), Value::String(_))
                        | (Value::Number(_), Value::Number(_))
                        | (Value::Bool(_), Value::Bool(_))
                );
                if same {
                    *v = given.clone();
                }
            }
        }
    }
}

/// An event of `event_type` shaped like the documents' example, about `ids`.
fn from_example(event_type: &str, ids: &Ids, body: &Map<String, Value>) -> Value {
    let mut event = EXAMPLES.get(event_type).cloned().unwrap_or_else(
        || json!({"userId": "", "ehubSessionId": 0, "ehubSessionIdRev": "0", "payload": {}}),
    );
    if let Value::Object(envelope) = &mut event {
        fill_level(envelope, ids, None);
        if let Some(Value::Object(inner)) = envelope.get_mut("payload") {
            fill_level(inner, ids, Some(body));
        }
    }
    event
}

/// The inner payload of an event of `event_type` shaped like the documents' example, about
/// `user` (with the login `ehub`) and `interaction`, with the body's same-named fields.
pub(crate) fn example_inner(
    event_type: &str,
    user: &str,
    ehub: u64,
    interaction: Option<&str>,
    body: &Map<String, Value>,
) -> Map<String, Value> {
    let ids = Ids {
        user,
        ehub,
        interaction,
    };
    match from_example(event_type, &ids, body) {
        Value::Object(mut envelope) => match envelope.remove("payload") {
            Some(Value::Object(inner)) => inner,
            _ => Map::new(),
        },
        _ => Map::new(),
    }
}

/// An event of `event_type` shaped like the documents' example, about `user` (with the
/// login `ehub`) and the interaction `interaction`, with `set` written into its inner
/// payload (the messaging events of a web chat).
pub(crate) fn event_like_example(
    event_type: &str,
    user: &str,
    ehub: u64,
    interaction: &str,
    set: Value,
) -> Value {
    let ids = Ids {
        user,
        ehub,
        interaction: Some(interaction),
    };
    let mut event = from_example(event_type, &ids, &Map::new());
    if let (Some(Value::Object(inner)), Value::Object(set)) = (event.get_mut("payload"), set) {
        inner.extend(set);
    }
    event
}

/// A command without a hand-written behaviour: its `confirmed_by` events, in order, built
/// from the documents' examples, to the user's sessions and the requesting session. The
/// user is the path's, else the owner of the path's interaction, else the requesting
/// session's.
fn confirm(d: &mut Data, call: &Call, sid: &str, body: &Map<String, Value>, corr: &Arc<str>) {
    let user_id = call
        .path_param("userId")
        .map(str::to_owned)
        .or_else(|| {
            let id = call.path_param("interactionId")?.trim().parse().ok()?;
            d.owner_of(id)
        })
        .or_else(|| d.user_of_session(sid))
        .unwrap_or_default();
    let user = d.users.get(&user_id).filter(|u| u.connected());
    let ehub = user
        .and_then(|u| u.ehub_session_id)
        .or_else(|| body.get("ehubSessionId")?.as_str()?.trim().parse().ok())
        .unwrap_or(0);
    let mut targets = if user.is_some() {
        d.user_sessions(&user_id)
    } else {
        Vec::new()
    };
    if !targets.iter().any(|s| s == sid) {
        targets.push(sid.to_owned());
    }
    let ids = Ids {
        user: &user_id,
        ehub,
        interaction: call.path_param("interactionId"),
    };
    let templates: Vec<EventTemplate> = call
        .op
        .confirmed_by
        .iter()
        .map(|t| EventTemplate::new(t, corr, &from_example(t, &ids, body)))
        .collect();
    d.emit_to_sessions(&targets, &templates);
}

/// A validated command with a behaviour of the agent model.
enum Command {
    Connect {
        attach: bool,
        initial_state: String,
        station: Option<String>,
    },
    Ready {
        ehub: String,
    },
    NotReady {
        ehub: String,
        reason_id: String,
        park: bool,
    },
    Disconnect {
        ehub: String,
    },
    Cancel {
        ehub: String,
        disconnect: bool,
    },
    KeepAlive {
        ehub: String,
        session_timeout: Option<f64>,
        request_timestamp: Option<String>,
    },
    ForceDisconnect {
        target: String,
    },
    Dial {
        ehub: Option<String>,
    },
    Interaction {
        op: InteractionOp,
        ehub: Option<String>,
    },
    /// A user command with state of its own; the user must be logged in.
    User {
        op: UserOp,
        ehub: String,
    },
}

/// The user commands with a behaviour beyond their confirming events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum UserOp {
    Statistics,
    Monitor,
    Greeting(GreetingOp),
    VoicemailForwarded,
    VoicemailUpdated,
    ComposeEmail,
    ReviewEmail,
    RemoveEmail,
    ReassignEmail,
}

impl UserOp {
    fn parse(command: &str) -> Option<UserOp> {
        Some(match command {
            "agentStatistics" => UserOp::Statistics,
            "monitor" => UserOp::Monitor,
            "voicemailForwarded" => UserOp::VoicemailForwarded,
            "voicemailUpdated" => UserOp::VoicemailUpdated,
            "composeEmail" => UserOp::ComposeEmail,
            "reviewEmail" => UserOp::ReviewEmail,
            "removeEmail" => UserOp::RemoveEmail,
            "reassignEmail" => UserOp::ReassignEmail,
            other => UserOp::Greeting(GreetingOp::parse(other)?),
        })
    }
}

impl Command {
    /// Reads the body of a command with a hand-written behaviour (`None` for the others).
    /// The body passed the schema already; the checks here only keep the reading total.
    fn parse(name: &str, m: &Map<String, Value>) -> Result<Option<Command>, ApiError> {
        Ok(Some(match name {
            "connect" => {
                let attach = req_bool(m, "attach")?;
                let initial_state = opt_str(m, "initialState")?;
                if let (false, Some(s)) = (attach, &initial_state) {
                    check_enum("initialState", s, INITIAL_STATES)?;
                }
                // With attach=true "all other body parameters are ignored".
                let mut station = None;
                if !attach {
                    for field in ["workgroupId", "routeaccessId", "emailAddress"] {
                        opt_str(m, field)?;
                    }
                    station = opt_str(m, "station")?.filter(|s| !s.trim().is_empty());
                }
                Command::Connect {
                    attach,
                    initial_state: initial_state.unwrap_or_else(|| "Idle".to_owned()),
                    station,
                }
            }
            "ready" => Command::Ready {
                ehub: req_str(m, "ehubSessionId")?,
            },
            "notReady" => {
                let ehub = req_str(m, "ehubSessionId")?;
                let reason_id = req_str(m, "reasonId")?;
                let kind = req_str(m, "notReadyType")?;
                check_enum("notReadyType", &kind, NOT_READY_TYPES)?;
                Command::NotReady {
                    ehub,
                    reason_id,
                    park: kind == "Park",
                }
            }
            "disconnect" => {
                let ehub = req_str(m, "ehubSessionId")?;
                req_str(m, "reasonId")?;
                Command::Disconnect { ehub }
            }
            "cancel" => {
                let ehub = req_str(m, "ehubSessionId")?;
                let kind = req_str(m, "cancelType")?;
                check_enum("cancelType", &kind, CANCEL_TYPES)?;
                Command::Cancel {
                    ehub,
                    disconnect: kind == "Disconnect",
                }
            }
            "keepAlive" => {
                let ehub = req_str(m, "ehubSessionId")?;
                let session_timeout = opt_number(m, "sessionTimeout")?;
                let ts = opt_str(m, "requestTimestamp")?;
                if let Some(t) = &ts {
                    OffsetDateTime::parse(t, &Rfc3339).map_err(|_| {
                        ApiError::bad_request(
                            "body",
                            "requestTimestamp",
                            "requestTimestamp must be an ISO 8601 date-time",
                        )
                    })?;
                }
                Command::KeepAlive {
                    ehub,
                    session_timeout,
                    request_timestamp: ts,
                }
            }
            // The path's user executes it; the body's user is the one disconnected.
            "forceDisconnect" => Command::ForceDisconnect {
                target: req_str(m, "userId")?,
            },
            "dial" => Command::Dial {
                ehub: opt_str(m, "ehubSessionId")?,
            },
            other => match (InteractionOp::parse(other), UserOp::parse(other)) {
                (Some(op), _) => Command::Interaction {
                    op,
                    ehub: opt_str(m, "ehubSessionId")?,
                },
                (None, Some(op)) => Command::User {
                    op,
                    ehub: req_str(m, "ehubSessionId")?,
                },
                (None, None) => return Ok(None),
            },
        }))
    }
}

/// Checks that the user is logged in (422) and that the body's ehubSessionId is its
/// current login (400).
fn connected_user(d: &Data, user_id: &str, ehub: &str) -> Result<(), ApiError> {
    let user = d
        .users
        .get(user_id)
        .filter(|u| u.connected())
        .ok_or_else(agent::user_not_connected)?;
    if user.ehub_session_id.map(|e| e.to_string()).as_deref() != Some(ehub) {
        return Err(ApiError::bad_request(
            "body",
            "ehubSessionId",
            "ehubSessionId does not match the user's current connection",
        ));
    }
    Ok(())
}

/// Runs one command through the agent model and queues its events.
fn apply(
    d: &mut Data,
    call: &Call,
    sid: &str,
    cmd: Command,
    body: &Map<String, Value>,
    corr: &Arc<str>,
) -> Result<(), ApiError> {
    let user_id = call.path_param("userId").unwrap_or_default();
    let interaction = call.path_param("interactionId").unwrap_or_default();
    let mut out = Out::new(user_id, corr, Some(sid));
    match cmd {
        Command::Connect { attach: true, .. } => agent::attach(d, user_id, sid, corr)?,
        Command::Connect {
            attach: false,
            initial_state,
            station,
        } => agent::log_in(d, user_id, sid, &initial_state, station, &mut out)?,
        Command::Ready { ehub } => {
            connected_user(d, user_id, &ehub)?;
            agent::ready(d, user_id, &mut out);
        }
        Command::NotReady {
            ehub,
            reason_id,
            park,
        } => {
            connected_user(d, user_id, &ehub)?;
            agent::not_ready(d, user_id, reason_id, park, &mut out);
        }
        Command::Disconnect { ehub } => {
            connected_user(d, user_id, &ehub)?;
            agent::disconnect(d, user_id, &mut out);
        }
        Command::Cancel { ehub, disconnect } => {
            connected_user(d, user_id, &ehub)?;
            agent::cancel(d, user_id, disconnect, &mut out);
        }
        Command::KeepAlive {
            ehub,
            session_timeout,
            request_timestamp,
        } => {
            connected_user(d, user_id, &ehub)?;
            let ts = request_timestamp.unwrap_or_else(now_iso);
            agent::keep_alive(d, user_id, session_timeout, ts, &mut out);
        }
        Command::ForceDisconnect { target } => {
            // "supported while not connected": the executing user needs no login.
            let mut out = Out::new(&target, corr, Some(sid));
            agent::force_disconnect(d, &target, &mut out);
            out.flush(d);
        }
        Command::Dial { ehub } => agent::dial(d, sid, interaction, ehub.as_deref(), body, corr)?,
        Command::Interaction { op, ehub } => {
            agent::interaction_command(d, sid, interaction, op, ehub.as_deref(), body, corr)?;
        }
        Command::User { op, ehub } => {
            connected_user(d, user_id, &ehub)?;
            user_command(d, user_id, op, body, &mut out);
        }
    }
    out.flush(d);
    Ok(())
}

/// A user command with state of its own, for a logged-in user.
fn user_command(d: &mut Data, user: &str, op: UserOp, body: &Map<String, Value>, out: &mut Out) {
    match op {
        UserOp::Statistics => {
            let items = d
                .users
                .get(user)
                .map(|u| u.stats.items(Instant::now()))
                .unwrap_or_else(|| json!([]));
            out.push(
                d,
                "engagementCenter.AgentStatistics",
                json!({"agentStatistics": items}),
            );
        }
        UserOp::Monitor => monitor::command(d, user, body, out),
        UserOp::Greeting(op) => greeting::command(d, user, op, body, out),
        UserOp::VoicemailForwarded => voicemail::forwarded(d, user, body, out),
        UserOp::VoicemailUpdated => voicemail::updated(d, user, body),
        UserOp::ComposeEmail => email::compose(d, user, body, out),
        UserOp::ReviewEmail => email::review(d, user, body, out),
        UserOp::RemoveEmail => email::remove(d, body, out),
        UserOp::ReassignEmail => {
            let corr = Arc::clone(out.correlation());
            email::reassign(d, user, body, &corr, out);
        }
    }
}
