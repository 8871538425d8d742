//! Property tests of what reads untrusted input: event envelopes and payloads from the
//! service, and the generic call's parameters from a binding's user. Whatever comes in, the
//! answer is a value or a typed error, never a panic.
//!
//! `make test` runs the default number of cases; for a longer run:
//! `PROPTEST_CASES=100000 cargo test -p ccbridge --test fuzz --release`.

use ccbridge::ops::{Call, OPERATIONS};
use ccbridge::Event;
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Any JSON value, a few levels deep, with the keys and values the decoders look for.
fn json() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("eventId".to_string()),
        Just("eventType".to_string()),
        Just("payload".to_string()),
        Just("schemaVersion".to_string()),
        Just("interactionId".to_string()),
        Just("interactionIdRev".to_string()),
        Just("ehubSessionId".to_string()),
        Just("userId".to_string()),
        Just("body".to_string()),
        Just("sessionId".to_string()),
        Just("query".to_string()),
        "[a-zA-Z]{1,12}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,20}".prop_map(Value::from),
        prop_oneof![
            Just("engagementCenter.ScreenPop"),
            Just("engagementCenter.Error"),
            Just("engagementCenter.AgentStatistics"),
            Just("engagementCenter.Idle"),
            Just(" "),
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// An envelope whose payload is any JSON, sent as a JSON string as the service does.
fn envelope() -> impl Strategy<Value = Value> {
    (json(), json(), any::<bool>()).prop_map(|(mut env, payload, as_text)| {
        if let Value::Object(m) = &mut env {
            m.entry("eventId").or_insert_with(|| Value::from("e-1"));
            m.entry("eventType")
                .or_insert_with(|| Value::from("engagementCenter.ScreenPop"));
            let p = if as_text {
                Value::from(payload.to_string())
            } else {
                payload
            };
            m.insert("payload".into(), p);
        }
        env
    })
}

proptest! {
    #[test]
    fn any_envelope_decodes_or_is_refused(env in envelope()) {
        let from_tree = Event::from_wire(&env);
        let from_text = Event::from_wire_text(&env.to_string());
        // The two decoders of the engine agree.
        prop_assert_eq!(from_tree.is_ok(), from_text.is_ok());
        if let Ok(event) = from_tree {
            let typed = event.typed_payload();
            let _ = typed.to_json();
            let _ = event.to_json();
        }
    }

    #[test]
    fn any_text_as_an_event_is_an_error_not_a_panic(text in ".{0,200}") {
        let _ = Event::from_wire_text(&text);
    }

    #[test]
    fn any_parameters_of_any_operation_are_checked_not_trusted(
        index in 0..OPERATIONS.len(),
        params in json(),
    ) {
        let op = &OPERATIONS[index];
        if let Ok(call) = Call::from_json(op, params) {
            let _ = op.prepare("org", call);
        }
    }
}
