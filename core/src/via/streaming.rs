//! Streaming API: the limits the engine relies on, and the engine's own poll.

use crate::error::{Error, Result};
use crate::events::Event;
pub use crate::generated::services::Streaming;
use crate::ops::{self, Call};
use crate::transport::{PairedSecond, Prepared};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
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
        let poll = self.poll_request(session_id, max_events, None, true, None)?;
        let body = self.poll_body(&poll).await?;
        decode_event_batch(&body)?
            .into_iter()
            .map(|r| r.map_err(|m| m.error))
            .collect()
    }

    /// A v3 poll, prepared once and sent by [`Streaming::poll_body`] as often as needed. The
    /// engine's polls have their own read timeout and no transport retries: the engine runs
    /// its own backoff and must see a dead session at once.
    pub(crate) fn poll_request(
        &self,
        session_id: &str,
        max_events: u32,
        timeout: Option<Duration>,
        retry: bool,
        lane: Option<usize>,
    ) -> Result<Prepared> {
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
        req.raw_body = true;
        req.lane = lane;
        req.of_stream = true;
        self.client.transport().prepare(req)
    }

    /// One poll, its body not decoded yet ([`decode_event_batch_into`]).
    pub(crate) async fn poll_body(&self, poll: &Prepared) -> Result<bytes::Bytes> {
        let resp = self.client.transport().send_prepared(poll).await?;
        Ok(resp.raw.unwrap_or_default())
    }
}

impl Streaming {
    /// Acknowledges events for the engine: the body encoded straight from the ids (the
    /// request prepared by the description with the first of them; all are ids of decoded
    /// events, never empty), and of the response only the number of ids the service
    /// acknowledged is read.
    pub(crate) async fn acknowledge_ids<Id: AsRef<str>>(
        &self,
        session_id: &str,
        ids: &[Id],
    ) -> Result<u64> {
        let ack = self.acknowledge_request(session_id, ids)?;
        acknowledged_count(self.client.transport().send_prepared(&ack).await?)
    }

    /// [`Streaming::acknowledge_ids`] with the poll `poll` pipelined behind it on one
    /// HTTP/1.1 connection where the transport can ([`Transport::send_pair`]): the number
    /// acknowledged, and the poll, whose body [`Streaming::poll_after_acknowledgement`]
    /// reads. `None` when the transport cannot (HTTP/2, a proxy): nothing was sent. An
    /// error is the acknowledgement's, tried once: the poll was given up.
    ///
    /// [`Transport::send_pair`]: crate::transport::Transport::send_pair
    pub(crate) async fn acknowledge_then_poll<Id: AsRef<str>>(
        &self,
        session_id: &str,
        ids: &[Id],
        poll: &Prepared,
    ) -> Option<Result<(u64, PairedSecond)>> {
        let ack = match self.acknowledge_request(session_id, ids) {
            Ok(ack) => ack,
            Err(e) => return Some(Err(e)),
        };
        let sent = self.client.transport().send_pair(&ack, poll).await?;
        Some(sent.and_then(|(resp, polled)| Ok((acknowledged_count(resp)?, polled))))
    }

    /// The body of the poll `poll` sent by [`Streaming::acknowledge_then_poll`].
    pub(crate) async fn poll_after_acknowledgement(
        &self,
        polled: PairedSecond,
        poll: &Prepared,
    ) -> Result<bytes::Bytes> {
        let resp = self.client.transport().answer_second(polled, poll).await?;
        Ok(resp.raw.unwrap_or_default())
    }

    /// The acknowledgement of `ids`, prepared ([`Streaming::acknowledge_ids`]).
    fn acknowledge_request<Id: AsRef<str>>(
        &self,
        session_id: &str,
        ids: &[Id],
    ) -> Result<Prepared> {
        /// `AcknowledgePayload`, borrowing the ids.
        #[derive(Serialize)]
        struct Acknowledge<'a> {
            events: Vec<Acknowledged<'a>>,
        }
        /// `AcknowledgeEvent`, borrowing its id.
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Acknowledged<'a> {
            event_id: &'a str,
        }
        let op = ops::require("streaming.acknowledge")?;
        // Prepared by the operation's description (path, session header, credentials, retry
        // rule, schema) with the first id alone, then sent with all the ids encoded in one
        // pass: a JSON tree of a whole batch of ids, each checked against the schema, cost
        // a tenth of a busy stream's time, for ids that came from the service.
        let first: Vec<Value> = ids
            .first()
            .map(|id| serde_json::json!({ "eventId": id.as_ref() }))
            .into_iter()
            .collect();
        let call = Call {
            session_id: Some(session_id.to_string()),
            body: Some(serde_json::json!({ "events": first })),
            ..Call::default()
        };
        let mut req = op.prepare(&self.client.config().org_id, call)?;
        let body = Acknowledge {
            events: ids
                .iter()
                .map(|id| Acknowledged {
                    event_id: id.as_ref(),
                })
                .collect(),
        };
        req.encoded_body = Some(
            serde_json::to_vec(&body)
                .map_err(|e| Error::decode(e.to_string()))?
                .into(),
        );
        req.body = None;
        req.raw_body = true;
        req.of_stream = true;
        self.client.transport().prepare(req)
    }
}

/// Of an acknowledgement's response, only how many ids the service acknowledged.
fn acknowledged_count(resp: crate::transport::ApiResponse) -> Result<u64> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Counted {
        #[serde(default)]
        event_ids_acknowledged: Option<Vec<serde::de::IgnoredAny>>,
    }
    let raw = resp.raw.as_deref().unwrap_or_default();
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Ok(0);
    }
    let counted: Counted = serde_json::from_slice(raw)
        .map_err(|e| Error::decode(format!("streaming.acknowledge response body: {e}")))?;
    Ok(counted.event_ids_acknowledged.map_or(0, |v| v.len() as u64))
}

impl Event {
    /// Decodes a whole `GET /events` response body (`EventResponseV3`) as the engine decodes
    /// each event, for replaying stored responses and for tests: each element is an event or
    /// why it could not be decoded (a malformed event fails alone); the error is a body that
    /// is not an events response, and then no event is returned (the engine has handed on
    /// the events it read before finding that out).
    pub fn batch_from_response(body: &[u8]) -> Result<Vec<Result<Event>>> {
        Ok(decode_event_batch(body)?
            .into_iter()
            .map(|r| r.map_err(|m| m.error))
            .collect())
    }
}

/// One event of a batch as decoded: the event, or why it could not be.
pub(crate) type Decoded = std::result::Result<Event, Malformed>;

/// An event of a batch that could not be decoded.
#[derive(Debug)]
pub(crate) struct Malformed {
    /// Its `eventId`, when the envelope still names one: enough to acknowledge it, so the
    /// service stops redelivering an event no client can read.
    pub(crate) event_id: Option<String>,
    /// Why it could not be decoded.
    pub(crate) error: Error,
}

impl Malformed {
    fn of(text: &str, error: Error) -> Malformed {
        #[derive(Deserialize)]
        struct IdOnly {
            #[serde(rename = "eventId")]
            event_id: String,
        }
        let event_id = serde_json::from_str::<IdOnly>(text)
            .ok()
            .map(|e| e.event_id)
            .filter(|id| !id.trim().is_empty());
        Malformed { event_id, error }
    }
}

/// Decodes an events response straight into [`Event`]s, without a JSON tree of the batch.
fn decode_event_batch(body: &[u8]) -> Result<Vec<Decoded>> {
    let mut all = Vec::new();
    decode_event_batch_into(body, usize::MAX, &mut |run| all.extend(run))?;
    Ok(all)
}

/// Decodes an events response straight into [`Event`]s, without a JSON tree of the batch,
/// handing them to `sink` in runs of at most `run` as they are decoded: in one pass when
/// every event decodes; otherwise each remaining event's text is borrowed from the body
/// and decoded on its own, so a malformed event fails alone. When the response as a whole
/// turns out not to be one (a second `events`, text after the object), the error comes
/// after the events read before it were handed: they came from the service, whole, and
/// the consumer may already be handling them.
pub(crate) fn decode_event_batch_into(
    body: &[u8],
    run: usize,
    sink: &mut dyn FnMut(Vec<Decoded>),
) -> Result<()> {
    #[derive(Deserialize)]
    struct Batch<'a> {
        #[serde(borrow, default)]
        events: Option<Vec<&'a RawValue>>,
    }
    // Checked first: serde would read an array positionally into the struct.
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        None => return Ok(()),
        Some(b'{' | b'n') => {}
        Some(_) => return Err(Error::decode("events response: not a JSON object")),
    }
    // JSON is UTF-8 (RFC 8259). Checked once for the whole body: serde skips the text of
    // fields nobody reads without checking it, so otherwise whether a stray byte fails the
    // response would depend on which of the two paths below read it.
    let body = std::str::from_utf8(body)
        .map_err(|e| Error::decode(format!("events response: not UTF-8 ({e})")))?;
    if body.trim_matches([' ', '\t', '\n', '\r']) == "null" {
        return Ok(());
    }
    let one_pass = crate::events::decode_batch_in_one_pass(body, run, sink);
    let Err(handed) = one_pass else {
        return Ok(());
    };
    let batch: Option<Batch<'_>> = serde_json::from_str(body).map_err(|e| {
        Error::decode(format!(
            "events response: not a JSON object with an `events` array ({e})"
        ))
    })?;
    let events = batch.and_then(|b| b.events).unwrap_or_default();
    // Both readers refuse the same responses, so the one pass cannot have handed more.
    debug_assert!(
        handed <= events.len(),
        "{handed} handed of {}",
        events.len()
    );
    for chunk in events.get(handed..).unwrap_or_default().chunks(run.max(1)) {
        sink(
            chunk
                .iter()
                .map(|raw| {
                    Event::from_wire_text(raw.get()).map_err(|e| Malformed::of(raw.get(), e))
                })
                .collect(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_are_handed_in_runs_in_order_and_a_malformed_one_fails_alone() {
        let event =
            |i: usize| json!({"eventId": format!("e{i}"), "eventType": "t", "payload": "{}"});
        let runs_of = |body: &str, run: usize| {
            let mut runs: Vec<Vec<std::result::Result<String, String>>> = Vec::new();
            let outcome = decode_event_batch_into(body.as_bytes(), run, &mut |r| {
                runs.push(
                    r.into_iter()
                        .map(|e| {
                            e.map(|e| e.event_id().to_owned())
                                .map_err(|m| m.event_id.unwrap_or_default())
                        })
                        .collect(),
                )
            });
            (outcome.is_ok(), runs)
        };
        let ok = |i: usize| Ok(format!("e{i}"));
        let five: Vec<Value> = (0..5).map(event).collect();
        let body = json!({"kind": "k", "events": five}).to_string();
        assert_eq!(
            runs_of(&body, 2),
            (
                true,
                vec![vec![ok(0), ok(1)], vec![ok(2), ok(3)], vec![ok(4)]]
            )
        );
        // The fourth has no eventType: the events before it are handed as decoded, the
        // rest one by one, the bad one as malformed, in the order of the response.
        let mut bad = five.clone();
        bad[3] = json!({"eventId": "e3"});
        let body = json!({"events": bad}).to_string();
        let (whole, runs) = runs_of(&body, 2);
        assert!(whole);
        let flat: Vec<_> = runs.into_iter().flatten().collect();
        assert_eq!(flat, vec![ok(0), ok(1), ok(2), Err("e3".into()), ok(4)]);
        // The fourth is not an object: the same, from a failure of the reader itself.
        for (not_an_event, id) in [
            (json!([1]), ""),
            (json!({"eventId": "e3", "eventType": 5}), "e3"),
        ] {
            let mut bad = five.clone();
            bad[3] = not_an_event;
            let body = json!({"events": bad}).to_string();
            let (whole, runs) = runs_of(&body, 2);
            assert!(whole);
            let flat: Vec<_> = runs.into_iter().flatten().collect();
            assert_eq!(flat, vec![ok(0), ok(1), ok(2), Err(id.into()), ok(4)]);
        }
        // A response that turns out not to be one fails; what was handed before stays.
        let body = format!("{} trailing", json!({"events": five}));
        let (whole, runs) = runs_of(&body, 10);
        assert!(!whole);
        assert_eq!(runs.concat(), (0..5).map(ok).collect::<Vec<_>>());
        assert!(
            decode_event_batch(body.as_bytes()).is_err(),
            "all or nothing when collected"
        );
    }

    #[test]
    fn batch_decoding_is_strict_on_shape_lenient_per_event() {
        let decode = |v: Value| decode_event_batch(v.to_string().as_bytes());
        assert!(decode(json!([1, 2])).is_err());
        assert!(decode(json!({"events": "x"})).is_err());
        assert!(decode(json!({"kind": "k", "totalItems": 0}))
            .unwrap()
            .is_empty());
        assert!(decode(Value::Null).unwrap().is_empty());
        assert!(decode_event_batch(b"  ").unwrap().is_empty());
        assert!(decode_event_batch(b" null\n").unwrap().is_empty());
        assert!(decode_event_batch(b"{\"events\": null}")
            .unwrap()
            .is_empty());
        assert!(decode_event_batch(b"nullx").is_err());
        assert!(decode_event_batch(b"{\"events\": [").is_err());
        // Not UTF-8, even in a field nobody reads: the whole response is refused, whether
        // the other events decode or not.
        let stray = b"{\"events\": [{\"eventId\": \"1\", \"eventType\": \"t\", \"x\": \"\xff\"}]}";
        assert!(decode_event_batch(stray).is_err());
        let stray_with_bad_sibling =
            b"{\"events\": [{\"eventId\": \"1\", \"eventType\": \"t\", \"x\": \"\xff\"}, 5]}";
        assert!(decode_event_batch(stray_with_bad_sibling).is_err());
        let b =
            decode(json!({"events": [{"eventId": "1", "eventType": "t"}, {"x": 1}, 5]})).unwrap();
        assert!(b[0].is_ok());
        assert!(b[1].is_err());
        assert!(b[2].is_err());
        // An event written as an array is refused, not read positionally, whether the rest
        // of the batch is well formed or not.
        let positional = json!(["k", "8", "c", "engagementCenter.Idle", "t", "1", "{}"]);
        let ok = json!({"eventId": "9", "eventType": "engagementCenter.Idle"});
        let b = decode(json!({"events": [positional.clone(), ok.clone()]})).unwrap();
        assert!(b[0].is_err());
        assert!(b[1].is_ok());
        let b = decode(json!({"events": [positional, ok, {"x": 1}]})).unwrap();
        assert!(b[0].is_err());
        let b = decode(json!({"events": [{"eventId": "7"}, {"eventId": ""}]})).unwrap();
        assert_eq!(b[0].as_ref().unwrap_err().event_id.as_deref(), Some("7"));
        assert_eq!(b[1].as_ref().unwrap_err().event_id, None);
    }
}
