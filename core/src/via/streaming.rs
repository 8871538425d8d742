//! Streaming API: the limits the engine relies on, and the engine's own poll.

use crate::error::{Error, Result};
use crate::events::Event;
pub use crate::generated::services::Streaming;
use crate::ops::{self, Call};
use serde_json::Value;
use std::time::Duration;

/// How long the service holds a `GET /events` open when no event is queued.
pub const SERVER_POLL_WAIT: Duration = Duration::from_secs(15);
/// Margin added to the server's wait for the client read timeout of a poll.
pub const POLL_TIMEOUT_MARGIN: Duration = Duration::from_secs(10);

impl Streaming {
    /// One v3 poll, its events decoded into [`Event`]s (what the engine hands out), failing
    /// on any malformed event. [`Streaming::get_events`] is the same request with the
    /// envelopes as the documents describe them.
    pub async fn poll_events(&self, session_id: &str, max_events: u32) -> Result<Vec<Event>> {
        self.poll(session_id, max_events, None, true)
            .await?
            .into_iter()
            .collect()
    }

    /// One v3 poll for the event engine: its own read timeout, no transport retries (the
    /// engine runs its own backoff and must see a dead session at once), and each event
    /// decoded on its own so one malformed event does not hide the others.
    pub(crate) async fn poll(
        &self,
        session_id: &str,
        max_events: u32,
        timeout: Option<Duration>,
        retry: bool,
    ) -> Result<Vec<Result<Event>>> {
        let op = ops::require("streaming.getEvents")?;
        let mut call = Call {
            session_id: Some(session_id.to_string()),
            ..Call::default()
        };
        call.query
            .insert("maxEvents".into(), Value::from(max_events));
        let mut req = op.prepare(&self.client.config().org_id, call)?;
        req.timeout = Some(timeout.unwrap_or(SERVER_POLL_WAIT + POLL_TIMEOUT_MARGIN));
        req.retry = retry;
        let resp = self.client.transport().send(req).await?;
        decode_event_batch(resp.body.unwrap_or(Value::Null))
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
    use serde_json::json;

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
