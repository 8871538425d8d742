//! Streaming API v3: sessions, long-poll events, acknowledgement.

use crate::client::ViaClient;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::validate;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::time::Duration;

/// Documented bounds of `inactivityDelay`, in seconds.
pub const INACTIVITY_DELAY_RANGE: (u32, u32) = (60, 600);
/// Documented bounds of `maxEvents`.
pub const MAX_EVENTS_RANGE: (u32, u32) = (1, 200);
/// How long the service holds a `GET /events` open when no event is queued.
pub const SERVER_POLL_WAIT: Duration = Duration::from_secs(15);
/// Margin added to the server's wait for the client read timeout of a poll.
pub const POLL_TIMEOUT_MARGIN: Duration = Duration::from_secs(10);

/// Options of `POST /session` (the documents' `NewSessionV3`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionOptions {
    /// Seconds without a poll after which the service drops the session (60..=600; the
    /// service's default is 60, the documents recommend 120).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inactivity_delay: Option<u32>,
    /// Whether events stay queued until acknowledged.
    pub require_acknowledgement: bool,
}

impl SessionOptions {
    /// Checks the documented bounds.
    pub fn validate(&self) -> Result<()> {
        if let Some(d) = self.inactivity_delay {
            validate::in_range(
                "inactivity_delay",
                d,
                INACTIVITY_DELAY_RANGE.0,
                INACTIVITY_DELAY_RANGE.1,
            )?;
        }
        Ok(())
    }
}

/// A created session (the documents' `SessionResponseV3`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    /// Session id: the `via-client-sessionid` of every later call.
    pub session_id: String,
    /// Creation time (ISO 8601, UTC).
    #[serde(default)]
    pub creation_time: String,
    /// Inactivity delay the service applied, in seconds.
    #[serde(default)]
    pub inactivity_delay: u32,
    /// Whether acknowledgement is on.
    #[serde(default)]
    pub require_acknowledgement: bool,
}

/// Result of `POST /acknowledge`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AckResult {
    /// Ids the service removed from the queue.
    #[serde(default)]
    pub event_ids_acknowledged: Vec<String>,
    /// Ids the service did not know (already acknowledged, or expired).
    #[serde(default)]
    pub event_ids_not_found: Vec<String>,
}

/// Streaming API v3 operations of a client.
#[derive(Debug, Clone)]
pub struct Streaming {
    client: ViaClient,
}

impl Streaming {
    pub(crate) fn new(client: ViaClient) -> Self {
        Streaming { client }
    }

    /// `POST /v3/.../streaming/session`.
    pub async fn create_session(&self, options: &SessionOptions) -> Result<SessionInfo> {
        options.validate()?;
        let mut req = self.client.request("streaming.createSession", &[])?;
        req.body = Some(serde_json::to_value(options).map_err(|e| Error::decode(e.to_string()))?);
        let resp = self.client.transport().send(req).await?;
        let body = resp
            .body
            .ok_or_else(|| Error::decode("create session: empty response body"))?;
        let info: SessionInfo = serde_json::from_value(body)
            .map_err(|e| Error::decode(format!("create session response: {e}")))?;
        validate::non_empty("sessionId", &info.session_id)
            .map_err(|_| Error::decode("create session response: empty sessionId"))?;
        Ok(info)
    }

    /// `DELETE /v3/.../streaming/session`.
    pub async fn delete_session(&self, session_id: &str) -> Result<()> {
        validate::non_empty("session_id", session_id)?;
        let mut req = self.client.request("streaming.deleteSession", &[])?;
        req.session_id = Some(session_id.to_string());
        self.client.transport().send(req).await.map(|_| ())
    }

    /// `GET /v3/.../streaming/events`: returns at once when events are queued, otherwise
    /// after the service's wait (15 s) with an empty list. Fails on any malformed event.
    pub async fn get_events(&self, session_id: &str, max_events: u32) -> Result<Vec<Event>> {
        self.poll(session_id, max_events, None, true)
            .await?
            .into_iter()
            .collect()
    }

    /// One poll, each event decoded on its own so one malformed event does not hide the
    /// others from the engine.
    pub(crate) async fn poll(
        &self,
        session_id: &str,
        max_events: u32,
        timeout: Option<Duration>,
        retry: bool,
    ) -> Result<Vec<Result<Event>>> {
        validate::non_empty("session_id", session_id)?;
        validate::in_range(
            "max_events",
            max_events,
            MAX_EVENTS_RANGE.0,
            MAX_EVENTS_RANGE.1,
        )?;
        let mut req = self.client.request("streaming.getEvents", &[])?;
        req.session_id = Some(session_id.to_string());
        req.query = vec![("maxEvents".into(), max_events.to_string())];
        req.timeout = Some(timeout.unwrap_or(SERVER_POLL_WAIT + POLL_TIMEOUT_MARGIN));
        req.retry = retry;
        let resp = self.client.transport().send(req).await?;
        decode_event_batch(resp.body.unwrap_or(Value::Null))
    }

    /// `POST /v3/.../streaming/acknowledge`.
    pub async fn acknowledge(&self, session_id: &str, event_ids: &[String]) -> Result<AckResult> {
        validate::non_empty("session_id", session_id)?;
        if event_ids.is_empty() {
            return Err(Error::invalid("event_ids", "must not be empty"));
        }
        for id in event_ids {
            validate::non_empty("event_ids", id)?;
        }
        let mut req = self.client.request("streaming.acknowledge", &[])?;
        req.session_id = Some(session_id.to_string());
        req.body = Some(json!({
            "events": event_ids.iter().map(|id| json!({"eventId": id})).collect::<Vec<_>>()
        }));
        let resp = self.client.transport().send(req).await?;
        match resp.body {
            Some(b) => serde_json::from_value(b)
                .map_err(|e| Error::decode(format!("acknowledge response: {e}"))),
            None => Ok(AckResult::default()),
        }
    }
}

fn decode_event_batch(body: Value) -> Result<Vec<Result<Event>>> {
    let events = match body {
        Value::Object(mut m) => match m.remove("events") {
            Some(Value::Array(a)) => a,
            Some(Value::Null) | None => Vec::new(),
            Some(_) => return Err(Error::decode("events response: `events` is not an array")),
        },
        Value::Null => Vec::new(),
        _ => return Err(Error::decode("events response: not a JSON object")),
    };
    Ok(events.iter().map(Event::from_wire).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_decoding_is_strict_on_shape_lenient_per_event() {
        assert!(decode_event_batch(json!([1, 2])).is_err());
        assert!(decode_event_batch(json!({"events": "x"})).is_err());
        assert!(decode_event_batch(json!({"kind": "k", "totalItems": 0}))
            .unwrap()
            .is_empty());
        let b =
            decode_event_batch(json!({"events": [{"eventId": "1", "eventType": "t"}, {"x": 1}]}))
                .unwrap();
        assert!(b[0].is_ok());
        assert!(b[1].is_err());
    }
}
