//! Engagement Center v2 agent commands and the agent state machine that turns them into
//! the documented event sequences.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::error::ApiError;
use crate::extract::{
    check_enum, opt_number, opt_str, req_bool, req_str, require_object, session_header, JsonBody,
    PathParams,
};
use crate::state::{now_iso, Data, EventTemplate, SimState, User};

/// Response header carrying the correlationId of the events a command caused
/// (a simulator extension: the real service does not send it).
pub const CORRELATION_HEADER: &str = "x-correlation-id";

/// Commands the simulator implements.
const COMMANDS: &[&str] = &["connect", "ready", "notReady", "disconnect", "keepAlive"];
const INITIAL_STATES: &[&str] = &["Idle", "NotReady", "Park"];
const NOT_READY_TYPES: &[&str] = &["NotReady", "Park"];

/// Route template of the agent commands (`{userId}` then the command name).
const USERS: &str = "/via/v2/organizations/{orgId}/engagementCenter/users/{userId}";

/// The engagement-center routes, one per implemented command so that statistics count
/// each command separately and other documented commands answer 404.
pub(crate) fn routes() -> Router<SimState> {
    COMMANDS.iter().fold(Router::new(), |router, &name| {
        router.route(
            &format!("{USERS}/{name}"),
            post(
                move |state: State<SimState>,
                      path: PathParams<(String, String)>,
                      headers: HeaderMap,
                      body: JsonBody| command(state, path, headers, body, name),
            ),
        )
    })
}

/// `POST .../engagementCenter/users/{userId}/{command}`.
async fn command(
    State(state): State<SimState>,
    PathParams((_org, user_id)): PathParams<(String, String)>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
    command: &'static str,
) -> Result<Response, ApiError> {
    let sid = session_header(&headers)?;
    let body = require_object(body)?;
    let cmd = Command::parse(command, &body)?;
    let correlation: Arc<str> = Arc::from(uuid::Uuid::new_v4().to_string());
    {
        let mut d = state.lock();
        if d.live_session(&sid).is_none() {
            return Err(ApiError::invalid_session());
        }
        apply(&mut d, &user_id, &sid, cmd, &correlation)?;
    }
    tracing::info!(user = %user_id, %command, correlation = %correlation, "agent command accepted");
    let mut resp = StatusCode::ACCEPTED.into_response();
    if let Ok(v) = HeaderValue::from_str(&correlation) {
        resp.headers_mut().insert(CORRELATION_HEADER, v);
    }
    Ok(resp)
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
    /// Validates the body against the command's `*ParmsSchema`.
    fn parse(name: &str, m: &Map<String, Value>) -> Result<Command, ApiError> {
        Ok(match name {
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
            other => {
                return Err(ApiError::not_found(format!(
                    "unknown engagementCenter command {other}"
                )))
            }
        })
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
            d.enqueue(sid, &[confirm], 1, false);
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
