//! Engagement Center v2 agent commands. connect, ready, notReady, disconnect and keepAlive
//! run through the agent state machine that turns them into the documented event
//! sequences; every other command answers 202 and emits its documented confirming events
//! (`confirmed_by`), shaped like the documents' examples with the ids filled in.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::api::Call;
use crate::error::ApiError;
use crate::extract::{check_enum, opt_number, opt_str, req_bool, req_str};
use crate::state::{now_iso, Data, EventTemplate, SimState, User};

/// Response header carrying the correlationId of the events a command caused
/// (a simulator extension: the real service does not send it).
pub const CORRELATION_HEADER: &str = "x-correlation-id";

const INITIAL_STATES: &[&str] = &["Idle", "NotReady", "Park"];
const NOT_READY_TYPES: &[&str] = &["NotReady", "Park"];

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
        match Command::parse(name, &body)? {
            Some(cmd) => {
                let user_id = call.path_param("userId").unwrap_or_default();
                apply(&mut d, user_id, sid, cmd, &correlation)?;
            }
            None => confirm(&mut d, call, sid, &body, &correlation),
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
/// removeEmail's emailObjectId into EmailRemoved, a dispose's dispositionId...).
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
/// from the documents' examples, to the user's sessions and the requesting session.
fn confirm(d: &mut Data, call: &Call, sid: &str, body: &Map<String, Value>, corr: &Arc<str>) {
    let user_id = call
        .path_param("userId")
        .map(str::to_owned)
        .or_else(|| d.user_of_session(sid))
        .unwrap_or_default();
    let user = d.users.get(&user_id).filter(|u| u.connected);
    let ehub = user
        .and_then(|u| u.ehub_session_id)
        .or_else(|| body.get("ehubSessionId")?.as_str()?.trim().parse().ok())
        .unwrap_or(0);
    let mut targets = user.map(|u| u.sessions.clone()).unwrap_or_default();
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

/// A validated agent command.
enum Command {
    Connect {
        attach: bool,
        initial_state: String,
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
    KeepAlive {
        ehub: String,
        request_timestamp: Option<String>,
    },
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
                if !attach {
                    for field in ["station", "workgroupId", "routeaccessId", "emailAddress"] {
                        opt_str(m, field)?;
                    }
                }
                Command::Connect {
                    attach,
                    initial_state: initial_state.unwrap_or_else(|| "Idle".to_owned()),
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
            "keepAlive" => {
                let ehub = req_str(m, "ehubSessionId")?;
                opt_number(m, "sessionTimeout")?;
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
                    request_timestamp: ts,
                }
            }
            _ => return Ok(None),
        }))
    }
}

/// The connected user, checking the body's ehubSessionId against the current login.
fn connected_user<'a>(
    d: &'a mut Data,
    user_id: &str,
    ehub: &str,
) -> Result<&'a mut User, ApiError> {
    let user = d
        .users
        .get_mut(user_id)
        .filter(|u| u.connected)
        .ok_or_else(|| ApiError::unprocessable("userNotConnected", "user not connected"))?;
    if user.ehub_session_id.map(|e| e.to_string()).as_deref() != Some(ehub) {
        return Err(ApiError::bad_request(
            "body",
            "ehubSessionId",
            "ehubSessionId does not match the user's current connection",
        ));
    }
    Ok(user)
}

fn state_event(
    d: &Data,
    user_id: &str,
    corr: &Arc<str>,
    event_type: &str,
    inner: Value,
) -> EventTemplate {
    EventTemplate::new(event_type, corr, &d.ec_envelope(user_id, inner))
}

/// Runs one command through the agent state machine and queues its events.
fn apply(
    d: &mut Data,
    user_id: &str,
    sid: &str,
    cmd: Command,
    corr: &Arc<str>,
) -> Result<(), ApiError> {
    match cmd {
        Command::Connect { attach: true, .. } => {
            let user = d
                .users
                .get_mut(user_id)
                .filter(|u| u.connected)
                .ok_or_else(|| ApiError::unprocessable("userNotConnected", "user not connected"))?;
            if !user.sessions.iter().any(|s| s == sid) {
                user.sessions.push(sid.to_owned());
            }
            let ehub = user.ehub_session_id.unwrap_or(0);
            let confirm = state_event(
                d,
                user_id,
                corr,
                "engagementCenter.ConnectConfirm",
                json!({"userId": user_id, "ehubSessionId": ehub.to_string()}),
            );
            // Only the attaching client learns about its attachment.
            d.enqueue(sid, &[confirm], 1, None);
        }
        Command::Connect {
            attach: false,
            initial_state,
        } => {
            if d.users.get(user_id).is_some_and(|u| u.connected) {
                return Err(ApiError::unprocessable(
                    "userAlreadyConnected",
                    "user already connected",
                ));
            }
            let ehub = d.next_ehub;
            d.next_ehub += 1;
            d.users.insert(
                user_id.to_owned(),
                User {
                    connected: true,
                    state: initial_state.clone(),
                    ehub_session_id: Some(ehub),
                    sessions: vec![sid.to_owned()],
                },
            );
            let ehub_s = ehub.to_string();
            let last = match initial_state.as_str() {
                "NotReady" => (
                    "engagementCenter.NotReady",
                    json!({"reasonId": 0, "reasonIdRev": "0"}),
                ),
                "Park" => (
                    "engagementCenter.Park",
                    json!({"reasonId": 0, "reasonIdRev": "0", "ehubSessionId": ehub_s}),
                ),
                _ => (
                    "engagementCenter.Idle",
                    json!({"interactionId": 0, "interactionIdRev": "0"}),
                ),
            };
            let seq = [
                ("engagementCenter.Connecting", json!({})),
                (
                    "engagementCenter.ConnectConfirm",
                    json!({"userId": user_id, "ehubSessionId": ehub_s}),
                ),
                ("engagementCenter.Connected", json!({})),
                last,
            ];
            let templates: Vec<EventTemplate> = seq
                .into_iter()
                .map(|(t, p)| state_event(d, user_id, corr, t, p))
                .collect();
            d.emit_to_user(user_id, &templates);
        }
        Command::Ready { ehub } => {
            connected_user(d, user_id, &ehub)?.state = "Idle".to_owned();
            let t = state_event(
                d,
                user_id,
                corr,
                "engagementCenter.Idle",
                json!({"interactionId": 0, "interactionIdRev": "0"}),
            );
            d.emit_to_user(user_id, &[t]);
        }
        Command::NotReady {
            ehub,
            reason_id,
            park,
        } => {
            let user = connected_user(d, user_id, &ehub)?;
            user.state = if park { "Park" } else { "NotReady" }.to_owned();
            let numeric = reason_id.trim().parse::<i64>().unwrap_or(0);
            let t = if park {
                state_event(
                    d,
                    user_id,
                    corr,
                    "engagementCenter.Park",
                    json!({"reasonId": numeric, "reasonIdRev": reason_id, "ehubSessionId": ehub}),
                )
            } else {
                state_event(
                    d,
                    user_id,
                    corr,
                    "engagementCenter.NotReady",
                    json!({"reasonId": numeric, "reasonIdRev": reason_id}),
                )
            };
            d.emit_to_user(user_id, &[t]);
        }
        Command::Disconnect { ehub } => {
            connected_user(d, user_id, &ehub)?;
            let t = state_event(d, user_id, corr, "engagementCenter.Disconnected", json!({}));
            d.emit_to_user(user_id, &[t]);
            if let Some(user) = d.users.get_mut(user_id) {
                user.connected = false;
                user.state = "Disconnected".to_owned();
                user.ehub_session_id = None;
                user.sessions.clear();
            }
        }
        Command::KeepAlive {
            ehub,
            request_timestamp,
        } => {
            connected_user(d, user_id, &ehub)?;
            let ts = request_timestamp.unwrap_or_else(now_iso);
            let t = state_event(
                d,
                user_id,
                corr,
                "engagementCenter.ClientSessionKeepAlive",
                json!({"requestTimestamp": ts}),
            );
            d.emit_to_user(user_id, &[t]);
        }
    }
    Ok(())
}
