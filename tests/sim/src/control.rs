//! The control API under `/sim/` (no auth): inject events, route work to agents and hang
//! up their calls, leave voicemails, make logins fail, expire sessions and tokens, inject
//! faults, change configuration, read statistics, agent models and e-mails, play the agent
//! of web chats.
//! See README.md.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::agent::{LoginFailure, OfferBody};
use crate::error::ApiError;
use crate::extract::{JsonBody, PathParams};
use crate::faults::FaultSpec;
use crate::state::{ConfigUpdate, InjectEvent, SimState};
use crate::voicemail::VoicemailRequest;

/// Decodes a control body into `T`, answering 400 with serde's message.
fn decode<T: DeserializeOwned>(body: Option<Value>) -> Result<T, ApiError> {
    serde_json::from_value(body.unwrap_or_else(|| json!({})))
        .map_err(|e| ApiError::bad_request("body", "body", e.to_string()))
}

async fn inject(
    State(state): State<SimState>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let req: InjectEvent = decode(body)?;
    Ok(Json(state.inject_event(req)?).into_response())
}

async fn screen_pop(
    State(state): State<SimState>,
    PathParams(user_id): PathParams<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    if body
        .as_ref()
        .is_some_and(|b| !b.is_object() && !b.is_null())
    {
        return Err(ApiError::bad_request(
            "body",
            "body",
            "body must be a JSON object of payload overrides",
        ));
    }
    let id = state.screen_pop(&user_id, body);
    Ok(Json(json!({"interactionId": id})).into_response())
}

async fn expire_session(
    State(state): State<SimState>,
    PathParams(id): PathParams<String>,
) -> Result<Response, ApiError> {
    match state.expire_session_discarding(&id) {
        Some(discarded) => {
            Ok(Json(json!({"expired": 1, "discardedEventIds": discarded})).into_response())
        }
        None => Err(ApiError::not_found(format!("session {id} not found"))),
    }
}

async fn expire_all_sessions(State(state): State<SimState>) -> Response {
    Json(json!({"expired": state.expire_all_sessions()})).into_response()
}

async fn expire_tokens(State(state): State<SimState>) -> Response {
    state.expire_tokens();
    Json(json!({"expired": true})).into_response()
}

async fn add_fault(
    State(state): State<SimState>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let spec: FaultSpec = decode(body)?;
    state.add_fault(spec)?;
    Ok(Json(json!({"added": true})).into_response())
}

async fn clear_faults(State(state): State<SimState>) -> Response {
    state.clear_faults();
    StatusCode::NO_CONTENT.into_response()
}

async fn set_config(
    State(state): State<SimState>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let update: ConfigUpdate = decode(body)?;
    state.set_config(update);
    let d = state.lock();
    Ok(Json(json!({
        "pollWaitMs": d.runtime.poll_wait.as_millis() as u64,
        "tokenTtlSecs": d.runtime.token_ttl.as_secs(),
        "webTokenTtlSecs": d.runtime.web_token_ttl.as_secs(),
        "rateLimitPerSecond": d.runtime.rate_limit_per_second,
        "attachTtlMs": d.runtime.attach_ttl.as_millis() as u64,
        "keepaliveTimeoutMs": d.runtime.keepalive_timeout.as_millis() as u64,
        "acceptTimeoutMs": d.runtime.accept_timeout.map_or(0, |t| t.as_millis() as u64),
        "wrapTimeoutMs": d.runtime.wrap_timeout.map_or(0, |t| t.as_millis() as u64),
    }))
    .into_response())
}

async fn stats(State(state): State<SimState>) -> Response {
    Json(state.stats()).into_response()
}

async fn session_info(
    State(state): State<SimState>,
    PathParams(id): PathParams<String>,
) -> Result<Response, ApiError> {
    state
        .session_info(&id)
        .map(|i| Json(i).into_response())
        .ok_or_else(|| ApiError::not_found(format!("session {id} not found")))
}

async fn user_info(State(state): State<SimState>, PathParams(id): PathParams<String>) -> Response {
    Json(state.user_info(&id)).into_response()
}

async fn agent_info(State(state): State<SimState>, PathParams(id): PathParams<String>) -> Response {
    Json(state.agent_info(&id)).into_response()
}

async fn offer(
    State(state): State<SimState>,
    PathParams(user_id): PathParams<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let req: OfferBody = decode(body)?;
    let (offer, details) = req.split();
    let id = state.offer_with(&user_id, offer, details)?;
    Ok(Json(json!({"interactionId": id})).into_response())
}

async fn hang_up(
    State(state): State<SimState>,
    PathParams((user_id, interaction)): PathParams<(String, String)>,
) -> Result<Response, ApiError> {
    // Interaction ids of the agent model are numbers: anything else names none.
    let id = interaction.trim().parse::<u64>().map_err(|_| {
        ApiError::not_found(format!("agent {user_id} has no interaction {interaction}"))
    })?;
    state.hang_up(&user_id, id)?;
    Ok(Json(json!({"interactionId": id})).into_response())
}

async fn voicemail(
    State(state): State<SimState>,
    PathParams(user_id): PathParams<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let req: VoicemailRequest = decode(body)?;
    Ok(Json(state.leave_voicemail(&user_id, req)?).into_response())
}

async fn emails(State(state): State<SimState>) -> Response {
    Json(state.emails()).into_response()
}

async fn fail_next_login(
    State(state): State<SimState>,
    PathParams(user_id): PathParams<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let req: LoginFailure = decode(body)?;
    Ok(Json(state.fail_next_login(&user_id, req)).into_response())
}

async fn chats(State(state): State<SimState>) -> Response {
    Json(state.chats()).into_response()
}

async fn chat(
    State(state): State<SimState>,
    PathParams(id): PathParams<String>,
) -> Result<Response, ApiError> {
    state
        .chat(&id)
        .map(|c| Json(c).into_response())
        .ok_or_else(|| ApiError::not_found(format!("chat {id} not found")))
}

/// Body of `POST /sim/chats/{sessionId}/agent`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AttachAgent {
    user_id: String,
    name: Option<String>,
}

async fn chat_agent(
    State(state): State<SimState>,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let req: AttachAgent = decode(body)?;
    state.attach_chat_agent(&id, &req.user_id, req.name)?;
    Ok(Json(json!({"attached": req.user_id})).into_response())
}

/// Body of `POST /sim/chats/{sessionId}/reply`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AgentReply {
    text: String,
    name: Option<String>,
}

async fn chat_reply(
    State(state): State<SimState>,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let req: AgentReply = decode(body)?;
    let event_id = state.chat_agent_reply(&id, &req.text, req.name)?;
    Ok(Json(json!({"eventId": event_id})).into_response())
}

async fn reset(State(state): State<SimState>) -> Response {
    state.reset();
    StatusCode::NO_CONTENT.into_response()
}

/// The `/sim/` routes.
pub(crate) fn routes() -> Router<SimState> {
    Router::new()
        .route("/sim/events", post(inject))
        .route("/sim/users/{userId}/screenPop", post(screen_pop))
        .route("/sim/users/{userId}", get(user_info))
        .route("/sim/agents/{userId}", get(agent_info))
        .route("/sim/agents/{userId}/offer", post(offer))
        .route("/sim/agents/{userId}/voicemail", post(voicemail))
        .route("/sim/emails", get(emails))
        .route(
            "/sim/agents/{userId}/interactions/{interactionId}/hangup",
            post(hang_up),
        )
        .route(
            "/sim/agents/{userId}/fail-next-login",
            post(fail_next_login),
        )
        .route("/sim/sessions/expire", post(expire_all_sessions))
        .route("/sim/sessions/{sessionId}/expire", post(expire_session))
        .route("/sim/sessions/{sessionId}", get(session_info))
        .route("/sim/tokens/expire", post(expire_tokens))
        .route("/sim/faults", post(add_fault).delete(clear_faults))
        .route("/sim/config", post(set_config))
        .route("/sim/stats", get(stats))
        .route("/sim/chats", get(chats))
        .route("/sim/chats/{sessionId}", get(chat))
        .route("/sim/chats/{sessionId}/agent", post(chat_agent))
        .route("/sim/chats/{sessionId}/reply", post(chat_reply))
        .route("/sim/reset", post(reset))
}
