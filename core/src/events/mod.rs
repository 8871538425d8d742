//! The event catalogue: what a streaming session delivers.
//!
//! [`Event`] keeps the envelope fields of the documents' `EventPayloadV3`, the payload both
//! decoded and raw, and the event type as a closed enum ([`EventType`]) whose `Unknown`
//! fallback keeps any type the documents do not list yet. [`Event::typed_payload`] decodes
//! the payload into the generated model of its type ([`EventPayload`]).

use crate::error::{Error, Result};
use crate::via::streaming::Decoded;
use serde::Deserialize;
use serde_json::Value;
use std::fmt;
use std::sync::OnceLock;

pub use crate::generated::events::{EventPayload, EventType, EXAMPLES};

impl EventType {
    /// The category prefix (`"engagementCenter"`, `"messaging"`, `"outreach"`...).
    pub fn category(&self) -> &str {
        let s = self.as_str();
        s.split_once('.').map_or(s, |(c, _)| c)
    }

    /// The name after the category (`"Idle"`).
    pub fn name(&self) -> &str {
        let s = self.as_str();
        s.split_once('.').map_or(s, |(_, n)| n)
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One event of a streaming session (v3 envelope).
#[derive(Debug, Clone)]
pub struct Event {
    /// Serialization kind (`"via#engagementCenterEvent"`).
    pub kind: String,
    /// Unique id of the event; what acknowledgement and duplicate detection key on.
    pub event_id: String,
    /// Correlation id: events caused by one command share it.
    pub correlation_id: String,
    /// Wire name of the type (`"engagementCenter.Idle"`).
    pub event_type: String,
    /// When the event was queued (ISO 8601, UTC).
    pub published_time: String,
    /// Payload schema version (the documents show both `"1"` and `1`; kept as text).
    pub schema_version: String,
    /// The payload exactly as the service sent it (a JSON document in a string).
    pub raw_payload: String,
    /// The payload decoded, on first use ([`Event::payload`]): a consumer that routes on
    /// the type, or decodes the text itself (a binding with a faster JSON reader of its
    /// own), never pays for a JSON tree.
    payload: OnceLock<Value>,
}

impl PartialEq for Event {
    fn eq(&self, other: &Event) -> bool {
        self.event_id == other.event_id
            && self.kind == other.kind
            && self.correlation_id == other.correlation_id
            && self.event_type == other.event_type
            && self.published_time == other.published_time
            && self.schema_version == other.schema_version
            && self.raw_payload == other.raw_payload
            && self.payload() == other.payload()
    }
}

/// The payload text decoded: `Null` when empty, the text itself when it is not JSON (it is
/// kept rather than failing the event: the raw form is always there).
fn decode_payload(raw: &str) -> Value {
    if raw.trim().is_empty() {
        return Value::Null;
    }
    serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string()))
}

/// One `EventPayloadV3` object as it arrives.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireEvent {
    #[serde(default)]
    kind: Option<String>,
    event_id: Option<String>,
    #[serde(default)]
    correlation_id: Option<String>,
    event_type: Option<String>,
    #[serde(default)]
    published_time: Option<String>,
    #[serde(default)]
    schema_version: Option<Value>,
    #[serde(default)]
    payload: Option<Value>,
}

impl WireEvent {
    fn into_event(self) -> Result<Event> {
        let w = self;
        let event_id = w
            .event_id
            .filter(|s| !s.is_empty())
            .ok_or_else(|| Error::decode("event without eventId"))?;
        let event_type = w
            .event_type
            .filter(|s| !s.is_empty())
            .ok_or_else(|| Error::decode(format!("event {event_id} without eventType")))?;
        let schema_version = match w.schema_version {
            Some(Value::String(s)) => s,
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        let payload = OnceLock::new();
        let raw_payload = match w.payload {
            None | Some(Value::Null) => String::new(),
            // The documents' form: a JSON document in a string, decoded when asked for.
            Some(Value::String(raw)) => raw,
            // Sent as an object already: decoded once here, and its text kept as raw.
            Some(other) => {
                let raw = other.to_string();
                let _ = payload.set(other);
                raw
            }
        };
        Ok(Event {
            kind: w.kind.unwrap_or_default(),
            event_id,
            correlation_id: w.correlation_id.unwrap_or_default(),
            event_type,
            published_time: w.published_time.unwrap_or_default(),
            schema_version,
            raw_payload,
            payload,
        })
    }
}

/// A whole events response (`{"events": [...]}`, an object: checked before) decoded in
/// one pass, its events handed to `sink` in runs of at most `run` as they are decoded, so
/// that a consumer can start on the first while the rest are read. `Err(n)` when something
/// is off, after `n` events were handed: the caller then decodes the rest event by event,
/// so that a malformed event fails alone.
pub(crate) fn decode_batch_in_one_pass(
    body: &str,
    run: usize,
    sink: &mut dyn FnMut(Vec<Decoded>),
) -> std::result::Result<(), usize> {
    use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

    /// Room made for a run at a time: a response holds at most `maxEvents` (200 at most
    /// in the documents), and a run of "all" must not reserve more than that.
    const RUN_ROOM: usize = 200;

    /// The response's fields: `events`, and any other, skipped.
    #[derive(Deserialize)]
    #[serde(field_identifier, rename_all = "camelCase")]
    enum Field {
        Events,
        #[serde(other)]
        Other,
    }
    /// Reads the `events` array (or `null`), handing on each run of events as it fills.
    struct Events<'s> {
        run: usize,
        sink: &'s mut dyn FnMut(Vec<Decoded>),
        handed: usize,
    }
    impl Events<'_> {
        /// Hands on the run so far, and starts the next with room made for it.
        fn hand(&mut self, events: &mut Vec<Decoded>) {
            if !events.is_empty() {
                self.handed += events.len();
                let next = Vec::with_capacity(self.run.min(RUN_ROOM));
                (self.sink)(std::mem::replace(events, next));
            }
        }
    }
    /// The response object, of which only `events` is read, through [`Events`].
    struct Response<'e, 's>(&'e mut Events<'s>);
    impl<'de> Visitor<'de> for Response<'_, '_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an events response")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
            let mut seen = false;
            while let Some(key) = map.next_key::<Field>()? {
                match key {
                    Field::Other => {
                        map.next_value::<IgnoredAny>()?;
                    }
                    Field::Events if std::mem::replace(&mut seen, true) => {
                        return Err(serde::de::Error::duplicate_field("events"));
                    }
                    Field::Events => map.next_value_seed(&mut *self.0)?,
                }
            }
            Ok(())
        }
    }
    impl<'de> DeserializeSeed<'de> for &mut Events<'_> {
        type Value = ();
        fn deserialize<D: serde::Deserializer<'de>>(
            self,
            d: D,
        ) -> std::result::Result<(), D::Error> {
            d.deserialize_option(self)
        }
    }
    impl<'de> Visitor<'de> for &mut Events<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an array of events")
        }
        fn visit_none<E>(self) -> std::result::Result<(), E> {
            Ok(())
        }
        fn visit_some<D: serde::Deserializer<'de>>(
            self,
            d: D,
        ) -> std::result::Result<(), D::Error> {
            d.deserialize_seq(self)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
            let mut events = Vec::with_capacity(self.run.min(RUN_ROOM));
            loop {
                // On any failure the events read so far are handed first: the caller
                // decodes the rest one by one from the count handed.
                let wire = match seq.next_element::<ObjectEvent>() {
                    Ok(Some(ObjectEvent(wire))) => wire,
                    Ok(None) => break,
                    Err(e) => {
                        self.hand(&mut events);
                        return Err(e);
                    }
                };
                match wire.into_event() {
                    Ok(event) => events.push(Ok(event)),
                    Err(_) => {
                        self.hand(&mut events);
                        return Err(serde::de::Error::custom("an event does not decode"));
                    }
                }
                if events.len() >= self.run {
                    self.hand(&mut events);
                }
            }
            self.hand(&mut events);
            Ok(())
        }
    }
    /// An event that must be a JSON object: serde would read an array positionally.
    struct ObjectEvent(WireEvent);
    impl<'de> Deserialize<'de> for ObjectEvent {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
            use serde::de::value::MapAccessDeserializer;
            struct Object;
            impl<'de> Visitor<'de> for Object {
                type Value = ObjectEvent;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("an event object")
                }
                fn visit_map<A: MapAccess<'de>>(
                    self,
                    map: A,
                ) -> std::result::Result<ObjectEvent, A::Error> {
                    WireEvent::deserialize(MapAccessDeserializer::new(map)).map(ObjectEvent)
                }
            }
            d.deserialize_map(Object)
        }
    }
    let mut events = Events {
        run: run.max(1),
        sink,
        handed: 0,
    };
    let mut de = serde_json::Deserializer::from_str(body);
    let read = serde::Deserializer::deserialize_map(&mut de, Response(&mut events))
        .and_then(|()| de.end());
    match read {
        Ok(()) => Ok(()),
        Err(_) => Err(events.handed),
    }
}

impl Event {
    /// The payload, decoded from [`Event::raw_payload`] on first use and kept: `Null` when
    /// it was empty, the text itself (`Value::String`) when it is not JSON.
    pub fn payload(&self) -> &Value {
        self.payload
            .get_or_init(|| decode_payload(&self.raw_payload))
    }

    /// The payload if it has been decoded already ([`Event::payload`]), without decoding it.
    pub fn payload_if_decoded(&self) -> Option<&Value> {
        self.payload.get()
    }

    /// The event type as the catalogue enum.
    pub fn typed(&self) -> EventType {
        EventType::parse(&self.event_type)
    }

    /// The payload decoded into the model of its type. Decoded on each call, not when the
    /// event arrives, so consumers that only route on the type pay nothing for it.
    pub fn typed_payload(&self) -> EventPayload {
        EventPayload::decode(&self.event_type, self.payload())
    }

    /// The envelope and decoded payload as one JSON object (camelCase, as on the wire,
    /// with `payload` decoded): the form the C and generic bindings hand out.
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "kind": self.kind,
            "eventId": self.event_id,
            "correlationId": self.correlation_id,
            "eventType": self.event_type,
            "publishedTime": self.published_time,
            "schemaVersion": self.schema_version,
            "payload": self.payload(),
        })
    }

    /// Decodes one `EventPayloadV3` object.
    ///
    /// Lenient where the documents are inconsistent (schemaVersion as number or string,
    /// payload as a JSON string or an object); strict where a field the engine depends on
    /// (`eventId`, `eventType`) is missing.
    pub fn from_wire(v: &Value) -> Result<Event> {
        // Checked first: serde would read an array positionally into the envelope.
        if !v.is_object() {
            return Err(Error::decode("event: not a JSON object"));
        }
        WireEvent::deserialize(v)
            .map_err(|e| Error::decode(format!("event: {e}")))?
            .into_event()
    }

    /// [`Event::from_wire`] from the event's JSON text, without building a JSON tree of
    /// the envelope first: how the engine decodes each event of a batch.
    pub fn from_wire_text(text: &str) -> Result<Event> {
        // Checked first: serde would read an array positionally into the envelope.
        if !text.trim_start().starts_with('{') {
            return Err(Error::decode("event: not a JSON object"));
        }
        serde_json::from_str::<WireEvent>(text)
            .map_err(|e| Error::decode(format!("event: {e}")))?
            .into_event()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_round_trips() {
        assert_eq!(EventType::ALL.len(), 67);
        for t in EventType::ALL {
            assert_eq!(&EventType::parse(t.as_str()), t);
        }
        let u = EventType::parse("engagementCenter.SomethingNew");
        assert_eq!(
            u,
            EventType::Unknown("engagementCenter.SomethingNew".into())
        );
        assert_eq!(u.category(), "engagementCenter");
        assert_eq!(EventType::EcIdle.name(), "Idle");
    }

    #[test]
    fn decodes_the_documented_example() {
        let v: Value = serde_json::from_str(r#"{
            "kind": "via#engagementCenterEvent",
            "eventId": "1519073278252-0",
            "correlationId": "def61349-6f49-4019-918f-2cd2fbfd4e42",
            "eventType": "engagementCenter.Idle",
            "publishedTime": "2018-01-30T14:04:20.539Z",
            "schemaVersion": "1",
            "payload": "{\"userId\":\"5aa0b645c2b3e80\", \"ehubSessionId\":215, \"ehubSessionIdRev\":215, \"payload\":{ \"interactionId\":1030,\"interactionIdRev\":1030}}"
        }"#).unwrap();
        let e = Event::from_wire(&v).unwrap();
        assert_eq!(e.typed(), EventType::EcIdle);
        assert!(e.payload_if_decoded().is_none(), "decoded on first use");
        assert_eq!(e.payload()["payload"]["interactionId"], 1030);
        assert!(e.raw_payload.starts_with("{\"userId\""));
        assert_eq!(e.schema_version, "1");
    }

    #[test]
    fn rejects_events_without_ids_and_keeps_bad_payloads() {
        assert!(Event::from_wire(&serde_json::json!({"eventType": "x"})).is_err());
        assert!(Event::from_wire(&serde_json::json!(42)).is_err());
        let e = Event::from_wire(&serde_json::json!({
            "eventId": "1", "eventType": "t", "schemaVersion": 2, "payload": "not json"
        }))
        .unwrap();
        assert_eq!(e.payload(), &Value::String("not json".into()));
        assert_eq!(e.schema_version, "2");
    }
}
