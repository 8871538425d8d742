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

/// One event of a streaming session (v3 envelope): its text fields through accessors,
/// its payload decoded on first use.
#[derive(Clone)]
pub struct Event {
    // The text fields end to end, so that an event costs one allocation: it is made on the
    // poller's thread and dropped on the handler's, each allocation that crosses threads
    // costs both, and a busy stream handles hundreds of thousands of events a second.
    text: String,
    /// Where each field lies in `text`, by [`Field`].
    spans: [Span; FIELDS],
    /// The payload decoded, on first use ([`Event::payload`]): a consumer that routes on
    /// the type, or decodes the text itself (a binding with a faster JSON reader of its
    /// own), never pays for a JSON tree.
    payload: OnceLock<Value>,
}

/// The envelope's text fields, in the order of [`Event::spans`].
#[derive(Clone, Copy)]
enum Field {
    Kind,
    EventId,
    CorrelationId,
    EventType,
    PublishedTime,
    SchemaVersion,
    RawPayload,
}

const FIELDS: usize = Field::RawPayload as usize + 1;

/// A field's place in [`Event::text`]: start and length, 32 bits each. An event whose text
/// would pass 4 GiB is refused as it is decoded.
#[derive(Clone, Copy, Default)]
struct Span(u32, u32);

impl Event {
    #[inline]
    fn field(&self, f: Field) -> &str {
        let Span(start, len) = self.spans[f as usize];
        &self.text[start as usize..start as usize + len as usize]
    }
}

/// The accessors of the envelope's text fields, one per [`Field`].
macro_rules! field_accessors {
    ($($(#[$doc:meta])* $name:ident => $field:ident;)*) => {
        impl Event {
            $(
                $(#[$doc])*
                #[inline]
                pub fn $name(&self) -> &str {
                    self.field(Field::$field)
                }
            )*
        }
    };
}

field_accessors! {
    /// Serialization kind (`"via#engagementCenterEvent"`).
    kind => Kind;
    /// Unique id of the event; what acknowledgement and duplicate detection key on.
    event_id => EventId;
    /// Correlation id: events caused by one command share it.
    correlation_id => CorrelationId;
    /// Wire name of the type (`"engagementCenter.Idle"`).
    event_type => EventType;
    /// When the event was queued (ISO 8601, UTC).
    published_time => PublishedTime;
    /// Payload schema version (the documents show both `"1"` and `1`; kept as text).
    schema_version => SchemaVersion;
    /// The payload's text: the string the service sent (a JSON document), its escapes
    /// undone; a payload sent as a JSON value instead is kept as that value's JSON text.
    raw_payload => RawPayload;
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("kind", &self.kind())
            .field("event_id", &self.event_id())
            .field("correlation_id", &self.correlation_id())
            .field("event_type", &self.event_type())
            .field("published_time", &self.published_time())
            .field("schema_version", &self.schema_version())
            .field("raw_payload", &self.raw_payload())
            .finish_non_exhaustive()
    }
}

impl PartialEq for Event {
    fn eq(&self, other: &Event) -> bool {
        self.event_id() == other.event_id()
            && self.kind() == other.kind()
            && self.correlation_id() == other.correlation_id()
            && self.event_type() == other.event_type()
            && self.published_time() == other.published_time()
            && self.schema_version() == other.schema_version()
            && self.raw_payload() == other.raw_payload()
            && self.payload() == other.payload()
    }
}

/// The payload text decoded: `Null` when empty, the text itself when it is not JSON (it is
/// kept rather than failing the event: the raw form is always there).
fn decode_payload(raw: &str) -> Value {
    if is_blank(raw) {
        return Value::Null;
    }
    serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string()))
}

/// Whether a payload text is empty or only blanks (its decoded form is null).
fn is_blank(raw: &str) -> bool {
    match raw.as_bytes().first() {
        None => true,
        // Nearly every payload: JSON opens with a visible ASCII character, which settles it
        // without a look at the rest. Anything else (a space, a control character such as
        // the vertical tab, which `trim` counts as blank, non-ASCII) goes the long way.
        Some(&b) if b.is_ascii_graphic() => false,
        Some(_) => raw.trim().is_empty(),
    }
}

/// Room made for an event's text before its first field: enough for the documents' events
/// (ids, times and a payload of a few hundred bytes) without growing.
const TEXT_ROOM: usize = 384;

/// One `EventPayloadV3` object as it arrives, read straight into an [`Event`]'s text.
struct WireEvent {
    text: String,
    spans: [Span; FIELDS],
    /// Which fields were present (a second one is an error, as serde's derive has it).
    present: [bool; FIELDS],
    payload: OnceLock<Value>,
}

impl WireEvent {
    fn new() -> Self {
        WireEvent {
            text: String::with_capacity(TEXT_ROOM),
            spans: [Span::default(); FIELDS],
            present: [false; FIELDS],
            payload: OnceLock::new(),
        }
    }

    fn into_event(self) -> Result<Event> {
        let event = Event {
            text: self.text,
            spans: self.spans,
            payload: self.payload,
        };
        if event.event_id().is_empty() {
            return Err(Error::decode("event without eventId"));
        }
        if event.event_type().is_empty() {
            return Err(Error::decode(format!(
                "event {} without eventType",
                event.event_id()
            )));
        }
        Ok(event)
    }
}

impl<'de> Deserialize<'de> for WireEvent {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_map(WireEventVisitor)
    }
}

/// The envelope's keys; any other is skipped.
#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "camelCase")]
enum Key {
    Kind,
    EventId,
    CorrelationId,
    EventType,
    PublishedTime,
    SchemaVersion,
    Payload,
    #[serde(other)]
    Other,
}

struct WireEventVisitor;

impl<'de> serde::de::Visitor<'de> for WireEventVisitor {
    type Value = WireEvent;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an event object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<WireEvent, A::Error> {
        let mut w = WireEvent::new();
        while let Some(key) = map.next_key::<Key>()? {
            let (field, name) = match key {
                Key::Kind => (Field::Kind, "kind"),
                Key::EventId => (Field::EventId, "eventId"),
                Key::CorrelationId => (Field::CorrelationId, "correlationId"),
                Key::EventType => (Field::EventType, "eventType"),
                Key::PublishedTime => (Field::PublishedTime, "publishedTime"),
                Key::SchemaVersion => (Field::SchemaVersion, "schemaVersion"),
                Key::Payload => (Field::RawPayload, "payload"),
                Key::Other => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                    continue;
                }
            };
            if std::mem::replace(&mut w.present[field as usize], true) {
                return Err(serde::de::Error::duplicate_field(name));
            }
            match field {
                Field::SchemaVersion => {
                    if let Some(span) = map.next_value_seed(SchemaVersion(&mut w.text))? {
                        w.spans[field as usize] = span;
                    }
                }
                Field::RawPayload => match map.next_value_seed(Payload(&mut w.text))? {
                    // The documents' form: a JSON document in a string, decoded when
                    // asked for.
                    PayloadRead::Text(span) => w.spans[field as usize] = span,
                    PayloadRead::Absent => {}
                    // Sent as an object already: decoded once here, and its text kept as
                    // raw.
                    PayloadRead::Decoded(v) => {
                        w.spans[field as usize] = append_display(&mut w.text, &v)?;
                        let _ = w.payload.set(v);
                    }
                },
                _ => {
                    if let Some(span) = map.next_value_seed(OptionalText(&mut w.text))? {
                        w.spans[field as usize] = span;
                    }
                }
            }
        }
        Ok(w)
    }
}

/// The span of `len` bytes at `start`, or an error when the event's text would pass what a
/// span can address (4 GiB).
fn span<E: serde::de::Error>(start: usize, len: usize) -> std::result::Result<Span, E> {
    match (u32::try_from(start), u32::try_from(len)) {
        (Ok(start), Ok(len)) if start.checked_add(len).is_some() => Ok(Span(start, len)),
        _ => Err(E::custom("event text larger than 4 GiB")),
    }
}

/// Appends `s` to `text` and returns where it lies.
fn append<E: serde::de::Error>(text: &mut String, s: &str) -> std::result::Result<Span, E> {
    let at = span(text.len(), s.len())?;
    text.push_str(s);
    Ok(at)
}

/// [`append`] of a value's display form, written in place (a number, a JSON value): no
/// string of its own first.
fn append_display<E: serde::de::Error>(
    text: &mut String,
    v: &dyn fmt::Display,
) -> std::result::Result<Span, E> {
    use std::fmt::Write;
    let start = text.len();
    let _ = write!(text, "{v}");
    span(start, text.len() - start).inspect_err(|_| text.truncate(start))
}

/// A string field (or `null`), appended to the event's text as it is read: no string of
/// its own, even when it had escapes to undo.
struct OptionalText<'t>(&'t mut String);

impl<'de> serde::de::DeserializeSeed<'de> for OptionalText<'_> {
    type Value = Option<Span>;
    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Option<Span>, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> serde::de::Visitor<'de> for OptionalText<'_> {
    type Value = Option<Span>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or null")
    }
    fn visit_none<E>(self) -> std::result::Result<Option<Span>, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> std::result::Result<Option<Span>, E> {
        Ok(None)
    }
    fn visit_some<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Option<Span>, D::Error> {
        d.deserialize_str(self)
    }
    fn visit_str<E: serde::de::Error>(self, s: &str) -> std::result::Result<Option<Span>, E> {
        append(self.0, s).map(Some)
    }
}

/// `schemaVersion`: text or a number (the documents show both), kept as text; any other
/// value is skipped, as if absent.
struct SchemaVersion<'t>(&'t mut String);

impl<'de> serde::de::DeserializeSeed<'de> for SchemaVersion<'_> {
    type Value = Option<Span>;
    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Option<Span>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for SchemaVersion<'_> {
    type Value = Option<Span>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a schema version")
    }
    fn visit_str<E: serde::de::Error>(self, s: &str) -> std::result::Result<Option<Span>, E> {
        append(self.0, s).map(Some)
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<Option<Span>, E> {
        append_display(self.0, &v).map(Some)
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<Option<Span>, E> {
        append_display(self.0, &v).map(Some)
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> std::result::Result<Option<Span>, E> {
        // As JSON writes it (`1.0`, not `1`), as the version read from a tree has it.
        append_display(self.0, &Value::from(v)).map(Some)
    }
    fn visit_bool<E>(self, _: bool) -> std::result::Result<Option<Span>, E> {
        Ok(None)
    }
    fn visit_none<E>(self) -> std::result::Result<Option<Span>, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> std::result::Result<Option<Span>, E> {
        Ok(None)
    }
    fn visit_some<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Option<Span>, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        seq: A,
    ) -> std::result::Result<Option<Span>, A::Error> {
        serde::de::Visitor::visit_seq(serde::de::IgnoredAny, seq).map(|_| None)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        map: A,
    ) -> std::result::Result<Option<Span>, A::Error> {
        serde::de::Visitor::visit_map(serde::de::IgnoredAny, map).map(|_| None)
    }
}

/// What a `payload` held.
enum PayloadRead {
    Absent,
    Text(Span),
    Decoded(Value),
}

/// The `payload` field: its text appended to the event's text when it is a string (the
/// documents' form), decoded when it is anything else.
struct Payload<'t>(&'t mut String);

impl<'de> serde::de::DeserializeSeed<'de> for Payload<'_> {
    type Value = PayloadRead;
    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<PayloadRead, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Payload<'_> {
    type Value = PayloadRead;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a payload")
    }
    fn visit_str<E: serde::de::Error>(self, s: &str) -> std::result::Result<PayloadRead, E> {
        append(self.0, s).map(PayloadRead::Text)
    }
    fn visit_none<E>(self) -> std::result::Result<PayloadRead, E> {
        Ok(PayloadRead::Absent)
    }
    fn visit_unit<E>(self) -> std::result::Result<PayloadRead, E> {
        Ok(PayloadRead::Absent)
    }
    fn visit_some<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<PayloadRead, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_bool<E>(self, v: bool) -> std::result::Result<PayloadRead, E> {
        Ok(PayloadRead::Decoded(Value::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> std::result::Result<PayloadRead, E> {
        Ok(PayloadRead::Decoded(Value::from(v)))
    }
    fn visit_u64<E>(self, v: u64) -> std::result::Result<PayloadRead, E> {
        Ok(PayloadRead::Decoded(Value::from(v)))
    }
    fn visit_f64<E>(self, v: f64) -> std::result::Result<PayloadRead, E> {
        Ok(PayloadRead::Decoded(Value::from(v)))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        seq: A,
    ) -> std::result::Result<PayloadRead, A::Error> {
        Value::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
            .map(PayloadRead::Decoded)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        map: A,
    ) -> std::result::Result<PayloadRead, A::Error> {
        Value::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            .map(PayloadRead::Decoded)
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
    enum ResponseKey {
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
            while let Some(key) = map.next_key::<ResponseKey>()? {
                match key {
                    ResponseKey::Other => {
                        map.next_value::<IgnoredAny>()?;
                    }
                    ResponseKey::Events if std::mem::replace(&mut seen, true) => {
                        return Err(serde::de::Error::duplicate_field("events"));
                    }
                    ResponseKey::Events => map.next_value_seed(&mut *self.0)?,
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
                let wire = match seq.next_element::<WireEvent>() {
                    Ok(Some(wire)) => wire,
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
            .get_or_init(|| decode_payload(self.raw_payload()))
    }

    /// Whether the payload is empty or only blanks, so that [`Event::payload`] is null:
    /// for bindings that decode the payload text into objects of their own.
    #[inline]
    pub fn payload_is_blank(&self) -> bool {
        is_blank(self.raw_payload())
    }

    /// The payload if it has been decoded already ([`Event::payload`]), without decoding it.
    pub fn payload_if_decoded(&self) -> Option<&Value> {
        self.payload.get()
    }

    /// The event type as the catalogue enum.
    pub fn typed(&self) -> EventType {
        EventType::parse(self.event_type())
    }

    /// The payload decoded into the model of its type. Decoded on each call, not when the
    /// event arrives, so consumers that only route on the type pay nothing for it.
    pub fn typed_payload(&self) -> EventPayload {
        EventPayload::decode(self.event_type(), self.payload())
    }

    /// The envelope and decoded payload as one JSON object (camelCase, as on the wire,
    /// with `payload` decoded): the form the C and generic bindings hand out.
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "kind": self.kind(),
            "eventId": self.event_id(),
            "correlationId": self.correlation_id(),
            "eventType": self.event_type(),
            "publishedTime": self.published_time(),
            "schemaVersion": self.schema_version(),
            "payload": self.payload(),
        })
    }

    /// Decodes one `EventPayloadV3` object.
    ///
    /// Lenient where the documents are inconsistent (schemaVersion as number or string,
    /// payload as a JSON string or an object); strict where a field the engine depends on
    /// (`eventId`, `eventType`) is missing.
    pub fn from_wire(v: &Value) -> Result<Event> {
        // Checked first, for a message that says what is wrong.
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
        // Checked first, for a message that says what is wrong.
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
        assert!(e.raw_payload().starts_with("{\"userId\""));
        assert_eq!(e.schema_version(), "1");
    }

    #[test]
    fn blank_payloads_are_null_whatever_their_first_character() {
        for (raw, blank) in [
            ("", true),
            (" \t\r\n", true),
            ("\u{a0}\u{3000}", true),
            ("{}", false),
            (" {}", false),
            ("\u{a0}x", false),
            ("é", false),
            ("\u{b}", true),
            ("\u{b} x", false),
            ("\u{7f}", false),
        ] {
            let e = Event::from_wire(
                &serde_json::json!({"eventId": "1", "eventType": "x", "payload": raw}),
            )
            .unwrap();
            assert_eq!(e.payload_is_blank(), blank, "{raw:?}");
            assert_eq!(e.payload().is_null(), blank, "{raw:?}");
        }
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
        assert_eq!(e.schema_version(), "2");
    }

    /// The envelope is read straight into one text: fields in any order, escapes undone,
    /// unknown keys skipped, and the same answers from the text and the tree.
    #[test]
    fn reads_fields_in_any_order_with_escapes_into_one_text() {
        let text = r#"{"payload":"{\"a\":\"\\u00e9\"}","extra":[1,{"x":null}],
            "eventType":"engagementCenter.Idle","schemaVersion":3,"eventId":"id\"1",
            "correlationId":null,"publishedTime":"2024-01-01T00:00:00Z","kind":"k\n"}"#;
        let from_text = Event::from_wire_text(text).unwrap();
        let from_tree = Event::from_wire(&serde_json::from_str(text).unwrap()).unwrap();
        for e in [&from_text, &from_tree] {
            assert_eq!(e.event_id(), "id\"1");
            assert_eq!(e.kind(), "k\n");
            assert_eq!(e.correlation_id(), "");
            assert_eq!(e.event_type(), "engagementCenter.Idle");
            assert_eq!(e.published_time(), "2024-01-01T00:00:00Z");
            assert_eq!(e.schema_version(), "3");
            assert_eq!(e.raw_payload(), r#"{"a":"\u00e9"}"#);
            assert_eq!(e.payload()["a"], "\u{e9}");
        }
        assert_eq!(from_text, from_tree);
        assert!(format!("{from_text:?}").contains("event_id: \"id\\\"1\""));
    }

    #[test]
    fn payloads_and_versions_of_other_shapes() {
        let e = Event::from_wire(&serde_json::json!({
            "eventId": "1", "eventType": "t", "schemaVersion": 1.5,
            "payload": {"n": [1, 2]}
        }))
        .unwrap();
        assert_eq!(e.schema_version(), "1.5");
        assert_eq!(e.raw_payload(), r#"{"n":[1,2]}"#);
        assert!(
            e.payload_if_decoded().is_some(),
            "an object payload is decoded at once"
        );
        for (version, payload, raw) in [
            (serde_json::json!(true), serde_json::json!([1]), "[1]"),
            (serde_json::json!({"v": 1}), serde_json::json!(7), "7"),
            (serde_json::json!([1]), serde_json::json!(null), ""),
        ] {
            let e = Event::from_wire_text(
                &serde_json::json!({
                    "eventId": "1", "eventType": "t", "schemaVersion": version, "payload": payload
                })
                .to_string(),
            )
            .unwrap();
            assert_eq!(e.schema_version(), "", "{version} is not a version");
            assert_eq!(e.raw_payload(), raw);
        }
    }

    #[test]
    fn refuses_repeated_fields_and_text_fields_of_other_types() {
        // A tree keeps one of repeated keys: only the text can show them.
        for bad in [
            r#"{"eventId":"1","eventId":"2","eventType":"t"}"#,
            r#"{"eventId":"1","eventType":"t","payload":"a","payload":"b"}"#,
        ] {
            assert!(Event::from_wire_text(bad).is_err(), "{bad}");
        }
        for bad in [
            r#"{"eventId":"1","eventType":"t","kind":5}"#,
            r#"{"eventId":["1"],"eventType":"t"}"#,
            r#"{"eventId":"","eventType":"t"}"#,
            r#"{"eventId":"1","eventType":null}"#,
            r#"["1","t"]"#,
        ] {
            assert!(Event::from_wire_text(bad).is_err(), "{bad}");
            let tree: Value = serde_json::from_str(bad).unwrap();
            assert!(Event::from_wire(&tree).is_err(), "{bad}");
        }
    }
}
