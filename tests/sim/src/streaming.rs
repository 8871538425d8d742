//! Streaming sessions and long polls: the v3 API (with acknowledgement), the deprecated v2
//! API and the public-chat web-client stream, all on one session store.

use std::time::Instant;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::ser::SerializeStruct;
use serde::Serialize;
use serde_json::{json, Value};

use crate::api::Call;
use crate::checks::{inactivity_delay, INACTIVITY_MAX, INACTIVITY_MIN};
use crate::error::ApiError;
use crate::state::{Event, PollGuard, SessionKind, SimState};

/// Documented default of `inactivityDelay` (seconds).
const INACTIVITY_DEFAULT: i64 = 60;

/// Within the documented bounds (the request was validated), as the session stores it.
fn delay_secs(delay: i64) -> u32 {
    u32::try_from(delay.clamp(INACTIVITY_MIN, INACTIVITY_MAX)).unwrap_or(60)
}

/// `streaming.createSession` (v3): `NewSessionV3` → `SessionResponseV3`.
pub(crate) fn create_session(state: &SimState, call: &Call) -> Result<Response, ApiError> {
    let m = call.body_object();
    let delay = delay_secs(
        m.get("inactivityDelay")
            .and_then(Value::as_i64)
            .unwrap_or(INACTIVITY_DEFAULT),
    );
    let require_ack = m
        .get("requireAcknowledgement")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let (id, creation_time) = state.create_session(SessionKind::V3, delay, require_ack);
    tracing::info!(session = %id, delay, require_ack, "streaming session created");
    Ok(Json(json!({
        "sessionId": id,
        "creationTime": creation_time,
        "inactivityDelay": delay,
        "requireAcknowledgement": require_ack,
    }))
    .into_response())
}

/// `streaming.createSessionV2` and `webClient.createSession`: a `NewSession` array of
/// `{propertyName, propertyValue}` → `SessionResponse`.
pub(crate) fn create_session_v2(state: &SimState, call: &Call) -> Result<Response, ApiError> {
    let delay = delay_secs(inactivity_delay(call.body.as_ref()).unwrap_or(INACTIVITY_DEFAULT));
    let kind = if call.web() {
        SessionKind::WebClient
    } else {
        SessionKind::V2
    };
    let (id, creation_time) = state.create_session(kind, delay, false);
    if kind == SessionKind::WebClient {
        state.open_chat_record(&id);
    }
    tracing::info!(session = %id, delay, kind = kind.as_str(), "streaming session created");
    Ok(Json(json!({
        "sessionId": id,
        "creationTime": creation_time,
        "inactivityDelay": delay,
    }))
    .into_response())
}

/// `streaming.deleteSession` and `streaming.deleteSessionV2`.
pub(crate) fn delete_session(state: &SimState, call: &Call) -> Result<Response, ApiError> {
    let sid = call.session()?;
    let mut d = state.lock();
    if d.session_for(sid, false).is_none() {
        return Err(call.invalid_session());
    }
    d.remove_session(sid);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Which event envelope a poll answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Envelope {
    /// `EventEnvelopeV3`: `eventId`, `correlationId`, `eventType`.
    V3,
    /// `EventEnvelopeV2`: `id` and `type`, no correlation id (v2 agent streaming and the
    /// web-client stream).
    V2,
}

/// One event in the v2 envelope.
struct EventV2(Event);

impl Serialize for EventV2 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = &self.0;
        let mut st = s.serialize_struct("EventEnvelopeV2", 6)?;
        st.serialize_field("kind", e.kind)?;
        st.serialize_field("id", &e.event_id)?;
        st.serialize_field("type", &*e.event_type)?;
        st.serialize_field("publishedTime", &*e.published_time)?;
        st.serialize_field("schemaVersion", "1")?;
        st.serialize_field("payload", &e.payload)?;
        st.end()
    }
}

/// `EventResponseV3` / `EventResponse`, serialized straight from the queued events (no
/// intermediate `Value`: benchmarks drain large queues through this).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EventCollection<E> {
    kind: &'static str,
    total_items: usize,
    events: Vec<E>,
}

fn collection(events: Vec<Event>, envelope: Envelope) -> Response {
    const KIND: &str = "via#streamingEventCollection";
    // About what one queued event takes on the wire: enough that a full batch is written
    // without growing the buffer.
    let size = 128 + events.len() * 512;
    match envelope {
        Envelope::V3 => json_body(
            size,
            &EventCollection {
                kind: KIND,
                total_items: events.len(),
                events,
            },
        ),
        Envelope::V2 => json_body(
            size,
            &EventCollection {
                kind: KIND,
                total_items: events.len(),
                events: events.into_iter().map(EventV2).collect(),
            },
        ),
    }
}

/// A JSON response written into one buffer of about its size: growing a small buffer write
/// by write was the largest cost of answering a poll.
fn json_body<T: Serialize>(size: usize, value: &T) -> Response {
    let mut body = Vec::with_capacity(size);
    match serde_json::to_writer(&mut body, value) {
        Ok(()) => (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// `streaming.getEvents`, `streaming.getEventsV2` and `webClient.getEvents`: answers at once
/// when events are queued, otherwise waits up to the poll wait for one.
pub(crate) async fn get_events(
    state: &SimState,
    call: &Call,
    envelope: Envelope,
) -> Result<Response, ApiError> {
    let sid = call.session()?;
    let web = call.web();
    let max = call.max_events();
    let (_guard, notify) =
        PollGuard::begin(state, sid, web).ok_or_else(|| call.invalid_session())?;
    let deadline = Instant::now() + state.poll_wait();
    let mut first = true;
    loop {
        // Registered before the queue is checked, so an event queued between the check
        // and the wait still wakes this poll (`notify_waiters` reaches every `Notified`
        // created before it).
        let notified = notify.notified();
        {
            let mut d = state.lock();
            let s = d
                .session_for(sid, web)
                .ok_or_else(|| call.invalid_session())?;
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
                return Ok(collection(events, envelope));
            }
        }
        let now = Instant::now();
        if now >= deadline
            || tokio::time::timeout(deadline - now, notified)
                .await
                .is_err()
        {
            return Ok(collection(Vec::new(), envelope));
        }
    }
}

/// `streaming.acknowledge` (body validated as `AcknowledgePayload`).
pub(crate) fn acknowledge(state: &SimState, call: &Call) -> Result<Response, ApiError> {
    let sid = call.session()?;
    let ids: Vec<String> = call
        .body
        .as_ref()
        .and_then(|b| b.get("events"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| e.get("eventId").and_then(Value::as_str).map(str::to_owned))
        .collect();
    let mut d = state.lock();
    let s = d
        .session_for(sid, false)
        .ok_or_else(|| call.invalid_session())?;
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
