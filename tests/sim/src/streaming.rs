//! Streaming Client REST API v3: sessions, long-poll events, acknowledgement.

use std::time::Instant;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::extract::{
    opt_bool, opt_integer, optional_object, require_object, session_header, JsonBody, QueryMap,
};
use crate::state::{Event, PollGuard, SimState};

/// Documented default and bounds of `inactivityDelay` (seconds).
const INACTIVITY_DEFAULT: i64 = 60;
const INACTIVITY_MIN: i64 = 60;
const INACTIVITY_MAX: i64 = 600;
/// Documented bound of `maxEvents`.
const MAX_EVENTS_LIMIT: usize = 200;

/// `POST /via/v3/organizations/{orgId}/streaming/session`.
pub(crate) async fn create_session(
    State(state): State<SimState>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let m = optional_object(body)?;
    let delay = opt_integer(&m, "inactivityDelay")?.unwrap_or(INACTIVITY_DEFAULT);
    if !(INACTIVITY_MIN..=INACTIVITY_MAX).contains(&delay) {
        return Err(ApiError::bad_request(
            "body",
            "inactivityDelay",
            format!("inactivityDelay must be between {INACTIVITY_MIN} and {INACTIVITY_MAX}"),
        ));
    }
    let require_ack = opt_bool(&m, "requireAcknowledgement")?.unwrap_or(false);
    // In range 60..=600, so the conversion cannot fail.
    let delay = u32::try_from(delay).unwrap_or(INACTIVITY_DEFAULT as u32);
    let (id, creation_time) = state.create_session(delay, require_ack);
    tracing::info!(session = %id, delay, require_ack, "streaming session created");
    Ok(Json(json!({
        "sessionId": id,
        "creationTime": creation_time,
        "inactivityDelay": delay,
        "requireAcknowledgement": require_ack,
    }))
    .into_response())
}

/// `DELETE /via/v3/organizations/{orgId}/streaming/session`.
pub(crate) async fn delete_session(
    State(state): State<SimState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let sid = session_header(&headers)?;
    let mut d = state.lock();
    if d.live_session(&sid).is_none() {
        return Err(ApiError::invalid_session());
    }
    d.remove_session(&sid);
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn parse_max_events(q: &QueryMap) -> Result<usize, ApiError> {
    let Some(raw) = q.0.get("maxEvents") else {
        return Ok(1);
    };
    raw.trim()
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=MAX_EVENTS_LIMIT).contains(n))
        .ok_or_else(|| {
            ApiError::bad_request(
                "query",
                "maxEvents",
                format!("maxEvents must be an integer between 1 and {MAX_EVENTS_LIMIT}"),
            )
        })
}

/// `EventResponseV3`, serialized straight from the queued events (no intermediate `Value`:
/// benchmarks drain large queues through this).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EventCollection {
    kind: &'static str,
    total_items: usize,
    events: Vec<Event>,
}

fn collection(events: Vec<Event>) -> Response {
    Json(EventCollection {
        kind: "via#streamingEventCollection",
        total_items: events.len(),
        events,
    })
    .into_response()
}

/// `GET /via/v3/organizations/{orgId}/streaming/events`: answers at once when events are
/// queued, otherwise waits up to the poll wait for one.
pub(crate) async fn get_events(
    State(state): State<SimState>,
    headers: HeaderMap,
    query: QueryMap,
) -> Result<Response, ApiError> {
    let sid = session_header(&headers)?;
    let max = parse_max_events(&query)?;
    let (_guard, notify) = PollGuard::begin(&state, &sid)?;
    let deadline = Instant::now() + state.poll_wait();
    let mut first = true;
    loop {
        // Registered before the queue is checked, so an event queued between the check
        // and the wait still wakes this poll (`notify_waiters` reaches every `Notified`
        // created before it).
        let notified = notify.notified();
        {
            let mut d = state.lock();
            let s = d.live_session(&sid).ok_or_else(ApiError::invalid_session)?;
            if first && !s.in_flight.is_empty() {
                // Unacknowledged deliveries go back to the front, oldest first.
                while let Some(ev) = s.in_flight.pop_back() {
                    s.queue.push_front(ev);
                }
            }
            first = false;
            if !s.queue.is_empty() {
                let n = max.min(s.queue.len());
                let events: Vec<Event> = s.queue.drain(..n).collect();
                if s.require_ack {
                    s.in_flight.extend(events.iter().cloned());
                }
                return Ok(collection(events));
            }
        }
        let now = Instant::now();
        if now >= deadline
            || tokio::time::timeout(deadline - now, notified)
                .await
                .is_err()
        {
            return Ok(collection(Vec::new()));
        }
    }
}

/// `POST /via/v3/organizations/{orgId}/streaming/acknowledge`.
pub(crate) async fn acknowledge(
    State(state): State<SimState>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let sid = session_header(&headers)?;
    let m = require_object(body)?;
    let events = match m.get("events") {
        Some(Value::Array(a)) if !a.is_empty() => a,
        Some(Value::Array(_)) => {
            return Err(ApiError::bad_request(
                "body",
                "events",
                "events must contain at least one event",
            ))
        }
        Some(_) => {
            return Err(ApiError::bad_request(
                "body",
                "events",
                "events must be an array",
            ))
        }
        None => {
            return Err(ApiError::bad_request(
                "body",
                "events",
                "events is required",
            ))
        }
    };
    let mut ids = Vec::with_capacity(events.len());
    for (i, e) in events.iter().enumerate() {
        match e.get("eventId") {
            Some(Value::String(id)) => ids.push(id.clone()),
            Some(_) => {
                return Err(ApiError::bad_request(
                    "body",
                    "eventId",
                    format!("events[{i}].eventId must be a string"),
                ))
            }
            None => {
                return Err(ApiError::bad_request(
                    "body",
                    "eventId",
                    format!("events[{i}].eventId is required"),
                ))
            }
        }
    }
    let mut d = state.lock();
    let s = d.live_session(&sid).ok_or_else(ApiError::invalid_session)?;
    let mut acked = Vec::new();
    let mut not_found = Vec::new();
    for id in ids {
        if let Some(pos) = s.in_flight.iter().position(|e| e.event_id == id) {
            s.in_flight.remove(pos);
            acked.push(id);
        } else if let Some(pos) = s
            .require_ack
            .then(|| s.queue.iter().position(|e| e.event_id == id))
            .flatten()
        {
            // Already put back for redelivery by a poll that raced the acknowledgement.
            s.queue.remove(pos);
            acked.push(id);
        } else {
            not_found.push(id);
        }
    }
    d.counters.acknowledged += acked.len() as u64;
    Ok(Json(json!({
        "eventIdsAcknowledged": acked,
        "eventIdsNotFound": not_found,
    }))
    .into_response())
}
