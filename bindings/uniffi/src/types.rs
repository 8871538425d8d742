//! Records and enums shared by the client and the stream, with their conversions.

use crate::error::CcbError;
use std::time::Duration;

/// One event of a streaming session.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Event {
    /// Serialization kind (`"via#engagementCenterEvent"`).
    pub kind: String,
    /// Unique id of the event.
    pub event_id: String,
    /// Events caused by one command share it.
    pub correlation_id: String,
    /// Wire name of the type (`"engagementCenter.Idle"`).
    pub event_type: String,
    /// When the event was queued (ISO 8601, UTC).
    pub published_time: String,
    /// Payload schema version.
    pub schema_version: String,
    /// The decoded payload as compact JSON (`"null"` when the event had none).
    pub payload_json: String,
    /// The payload exactly as the service sent it.
    pub raw_payload: String,
}

impl From<&ccbridge::Event> for Event {
    fn from(e: &ccbridge::Event) -> Self {
        Event {
            kind: e.kind().to_owned(),
            event_id: e.event_id().to_owned(),
            correlation_id: e.correlation_id().to_owned(),
            event_type: e.event_type().to_owned(),
            published_time: e.published_time().to_owned(),
            schema_version: e.schema_version().to_owned(),
            payload_json: e.payload().to_string(),
            raw_payload: e.raw_payload().to_owned(),
        }
    }
}

/// Something a stream reports besides events, in order with them.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StreamStatusRecord {
    /// Short name, the same in every binding: `started`, `session_recreated`, `retrying`,
    /// `recovered`, `buffer_full`, `events_dropped`, `malformed_event`, `ack_failed`,
    /// `failed`, `stopped`.
    pub name: String,
    /// One-line human description.
    pub description: String,
    /// The session concerned: the new one for `started` and `session_recreated`.
    pub session_id: Option<String>,
    /// The session that died, for `session_recreated`.
    pub old_session_id: Option<String>,
}

impl From<&ccbridge::StreamStatus> for StreamStatusRecord {
    fn from(s: &ccbridge::StreamStatus) -> Self {
        StreamStatusRecord {
            name: s.name().to_string(),
            description: s.describe(),
            session_id: s.session_id().map(str::to_string),
            old_session_id: s.old_session_id().map(str::to_string),
        }
    }
}

/// Counters of a stream.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct StreamStats {
    /// Successful polls.
    pub polls: u64,
    /// Events handed to the consumer.
    pub events_delivered: u64,
    /// Redeliveries hidden by the duplicate window.
    pub duplicates_suppressed: u64,
    /// Event ids acknowledged.
    pub events_acknowledged: u64,
    /// Sessions recreated after expiry.
    pub sessions_recreated: u64,
    /// Events dropped on a full buffer (acknowledgement off only).
    pub events_dropped: u64,
    /// Listener calls that threw (the stream went on).
    pub listener_errors: u64,
}

/// Settings of a stream. Bounds are checked by the core when the stream starts; a value
/// out of range is a `CcbError.InvalidArgument` naming the field.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StreamOptions {
    /// Seconds without a poll after which the service drops the session (60..=600).
    #[uniffi(default = 120)]
    pub inactivity_delay: u32,
    /// Keep events queued on the service until handled, so none is lost.
    #[uniffi(default = true)]
    pub require_ack: bool,
    /// Events per poll (1..=200).
    #[uniffi(default = 50)]
    pub max_events: u32,
    /// Events buffered ahead of the consumer (at least 1).
    #[uniffi(default = 10000)]
    pub buffer_capacity: u64,
}

impl Default for StreamOptions {
    fn default() -> Self {
        let d = ccbridge::StreamConfig::default();
        StreamOptions {
            inactivity_delay: d.inactivity_delay,
            require_ack: d.require_acknowledgement,
            max_events: d.max_events,
            buffer_capacity: d.buffer_capacity as u64,
        }
    }
}

impl StreamOptions {
    /// The core configuration; validation is the core's, when the stream starts.
    pub(crate) fn to_core(&self) -> Result<ccbridge::StreamConfig, CcbError> {
        let buffer_capacity = usize::try_from(self.buffer_capacity)
            .map_err(|_| CcbError::invalid("buffer_capacity", "is too large for this platform"))?;
        Ok(ccbridge::StreamConfig {
            inactivity_delay: self.inactivity_delay,
            require_acknowledgement: self.require_ack,
            max_events: self.max_events,
            buffer_capacity,
            ..ccbridge::StreamConfig::default()
        })
    }
}

/// The last rate-limit figures the service reported for one window.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RateLimit {
    /// Window name: `second`, `minute`, `hour`, `day`.
    pub window: String,
    /// `X-RateLimit-Limit-{window}`.
    pub limit: Option<u64>,
    /// `X-RateLimit-Remaining-{window}`.
    pub remaining: Option<u64>,
}

impl From<ccbridge::RateLimit> for RateLimit {
    fn from(r: ccbridge::RateLimit) -> Self {
        RateLimit {
            window: r.window,
            limit: r.limit,
            remaining: r.remaining,
        }
    }
}

/// Longest wait a single call accepts; longer requests are clamped so that a caller passing
/// "forever" (`ULong.MAX_VALUE`) waits a long time instead of overflowing a deadline.
pub(crate) const MAX_WAIT: Duration = Duration::from_secs(30 * 24 * 3600);

/// A millisecond count from the foreign side as a bounded duration.
pub(crate) fn millis(ms: u64) -> Duration {
    Duration::from_millis(ms).min(MAX_WAIT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_option_defaults_are_the_cores() {
        let core = StreamOptions::default().to_core().unwrap();
        assert_eq!(core, ccbridge::StreamConfig::default());
        assert_eq!(StreamOptions::default().inactivity_delay, 120);
        assert_eq!(StreamOptions::default().max_events, 50);
        assert_eq!(StreamOptions::default().buffer_capacity, 10_000);
        assert!(StreamOptions::default().require_ack);
    }

    #[test]
    fn out_of_range_options_are_rejected_by_the_core() {
        for (opts, field) in [
            (
                StreamOptions {
                    inactivity_delay: 30,
                    ..Default::default()
                },
                "inactivity_delay",
            ),
            (
                StreamOptions {
                    inactivity_delay: 700,
                    ..Default::default()
                },
                "inactivity_delay",
            ),
            (
                StreamOptions {
                    max_events: 0,
                    ..Default::default()
                },
                "max_events",
            ),
            (
                StreamOptions {
                    max_events: 500,
                    ..Default::default()
                },
                "max_events",
            ),
            (
                StreamOptions {
                    buffer_capacity: 0,
                    ..Default::default()
                },
                "buffer_capacity",
            ),
        ] {
            let err = CcbError::from(opts.to_core().unwrap().validate().unwrap_err());
            assert!(
                matches!(&err, CcbError::InvalidArgument { field: f, .. } if f == field),
                "{err:?}"
            );
        }
    }

    #[test]
    fn events_carry_the_decoded_payload_as_json() {
        let wire = serde_json::json!({
            "kind": "via#engagementCenterEvent",
            "eventId": "1-0",
            "correlationId": "c",
            "eventType": "engagementCenter.Idle",
            "publishedTime": "2018-01-30T14:04:20.539Z",
            "schemaVersion": 1,
            "payload": "{\"userId\": \"u\", \"ehubSessionId\": 215}"
        });
        let e = Event::from(&ccbridge::Event::from_wire(&wire).unwrap());
        let payload: serde_json::Value = serde_json::from_str(&e.payload_json).unwrap();
        assert_eq!(
            payload,
            serde_json::json!({"userId": "u", "ehubSessionId": 215})
        );
        assert_eq!(e.raw_payload, "{\"userId\": \"u\", \"ehubSessionId\": 215}");
        assert_eq!(e.schema_version, "1");
        let empty = serde_json::json!({"eventId": "2", "eventType": "t"});
        assert_eq!(
            Event::from(&ccbridge::Event::from_wire(&empty).unwrap()).payload_json,
            "null"
        );
    }

    #[test]
    fn huge_waits_are_clamped() {
        assert_eq!(millis(u64::MAX), MAX_WAIT);
        assert_eq!(millis(250), Duration::from_millis(250));
    }
}
