//! Property tests of what reads untrusted input: event envelopes and payloads from the
//! service, the token services' answers, and the generic call's parameters from a binding's
//! user. Whatever comes in, the answer is a value or a typed error, never a panic.
//!
//! `make test` runs the default number of cases; for a longer run:
//! `PROPTEST_CASES=100000 cargo test -p ccbridge --test fuzz --release`.

use ccbridge::auth::{parse_token_response, parse_web_token_response, TokenGrant, MAX_TTL};
use ccbridge::ops::{Call, OPERATIONS};
use ccbridge::{Error, Event};
use proptest::prelude::*;
use serde_json::{json, Map, Value};
use std::time::{Duration, Instant, SystemTime};

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
        // The two decoders of the engine agree, on the payload's text too when it came as
        // a string (the text path unescapes it by itself). A payload sent as an object is
        // left out, as is a numeric schemaVersion: serde_json's reading of a float from
        // text may differ from the float in the tree in the last digit.
        prop_assert_eq!(from_tree.is_ok(), from_text.is_ok());
        if let (Ok(tree), Ok(text)) = (&from_tree, &from_text) {
            prop_assert_eq!(&tree.event_id(), &text.event_id());
            prop_assert_eq!(&tree.event_type(), &text.event_type());
            if env["payload"].is_string() {
                prop_assert_eq!(&tree.raw_payload(), &text.raw_payload());
                prop_assert_eq!(tree.payload(), text.payload());
            }
        }
        if let Ok(event) = from_tree {
            let typed = event.typed_payload();
            let _ = typed.to_json();
            let _ = event.to_json();
        }
    }

    #[test]
    fn a_response_decodes_each_event_as_it_would_decode_alone(
        events in prop::collection::vec(prop_oneof![4 => envelope(), 1 => json()], 0..8),
    ) {
        // The whole response is read in one pass when it can be; whichever way, the answer
        // for each event is the one it gets on its own, so one bad event fails alone.
        let body = json!({"kind": "via#streamingEventCollection", "events": events});
        let decoded = Event::batch_from_response(body.to_string().as_bytes())
            .expect("an events response");
        prop_assert_eq!(decoded.len(), events.len());
        for (got, env) in decoded.iter().zip(&events) {
            match (got, Event::from_wire_text(&env.to_string())) {
                (Ok(a), Ok(b)) => prop_assert_eq!(a, &b),
                (Err(_), Err(_)) => {}
                (a, b) => prop_assert!(false, "{env}: in the response {a:?}, alone {b:?}"),
            }
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

// ---- token services' answers -------------------------------------------------------------

/// What the OAuth2 parser assumes when `expires_in` says nothing usable.
const OAUTH_DEFAULT_TTL: Duration = Duration::from_secs(3600);
/// What the web-token parser assumes when `expirationTime` says nothing usable.
const WEB_DEFAULT_TTL: Duration = Duration::from_secs(300);
/// Every generated token starts so: a message or a `Debug` output that shows one is caught.
const MARK: &str = "ZQXtok";

/// What any grant must be, whatever the answer was: a header value the transport can send,
/// a lifetime the cache can add to an `Instant`, and no token in its `Debug` output.
fn check_grant(grant: &TokenGrant) -> Result<(), TestCaseError> {
    let header = grant.authorization.expose();
    prop_assert!(header.starts_with("Bearer ") && header.len() > 7);
    prop_assert!(reqwest_valid_header(header));
    prop_assert!(
        !grant.ttl.is_zero() && grant.ttl <= MAX_TTL,
        "{:?}",
        grant.ttl
    );
    prop_assert!(Instant::now().checked_add(grant.ttl).is_some());
    let printed = format!("{grant:?}");
    prop_assert!(!printed.contains(MARK), "{printed}");
    Ok(())
}

/// The header-value rule (visible ASCII, space, tab, obs-text), spelled out here so the
/// test does not trust the code it checks.
fn reqwest_valid_header(v: &str) -> bool {
    v.bytes().all(|b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

/// A refusal is a `Decode` error that never shows the token.
fn check_refusal(e: &Error) -> Result<(), TestCaseError> {
    match e {
        Error::Decode { message } => {
            prop_assert!(!message.contains(MARK), "{message}");
            // A huge value never makes a huge message.
            prop_assert!(message.len() < 400, "{} bytes", message.len());
        }
        other => prop_assert!(false, "expected Decode, got {other:?}"),
    }
    let printed = format!("{e:?}");
    prop_assert!(!printed.contains(MARK), "{printed}");
    Ok(())
}

/// A string field's value: short, empty, huge (megabytes), or with characters a header
/// cannot carry.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => ".{0,24}",
        1 => Just(String::new()),
        1 => (0usize..2_000_000).prop_map(|n| "x".repeat(n)),
        1 => "[\\x00-\\x1f\\x7f]{1,4}",
    ]
}

/// A token: usually valid, sometimes empty, huge or unfit for a header; always marked.
fn token_text() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[A-Za-z0-9._~+/=-]{0,40}".prop_map(|t| format!("{MARK}{t}")),
        1 => Just(String::new()),
        1 => (0usize..1_000_000).prop_map(|n| format!("{MARK}{}", "t".repeat(n))),
        1 => ("[\\x00-\\x08\\x0a-\\x1f\\x7f]", ".{0,8}")
            .prop_map(|(bad, rest)| format!("{MARK}{bad}{rest}")),
        1 => ".{0,16}".prop_map(|t| format!("{MARK}{t}")),
    ]
}

/// A field: absent (`None`), or any of the values a server might put there.
fn field(valid: impl Strategy<Value = Value> + 'static) -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        2 => Just(None),
        1 => Just(Some(Value::Null)),
        6 => valid.prop_map(Some),
        1 => text().prop_map(|t| Some(Value::from(t))),
        1 => any::<bool>().prop_map(|b| Some(Value::from(b))),
        1 => Just(Some(json!({"nested": [1, 2]}))),
        1 => Just(Some(json!([]))),
    ]
}

/// `expires_in` as servers send it and as they should not: any integer, any float (huge,
/// negative, tiny), numeric strings, strings that are not numbers.
fn expires_in() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => (0u64..100_000).prop_map(Value::from),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<u64>().prop_map(Value::from),
        2 => any::<f64>().prop_map(|f| {
            serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
        }),
        1 => prop_oneof![Just(1e300), Just(f64::MAX), Just(1e-300), Just(-0.0), Just(86_400.5)]
            .prop_map(|f| Value::Number(serde_json::Number::from_f64(f).expect("finite"))),
        1 => (0u64..100_000).prop_map(|n| Value::from(format!(" {n} "))),
        1 => prop_oneof![
            Just("1e400"), Just("-5"), Just("NaN"), Just("inf"), Just("3600s"), Just(""),
            Just("99999999999999999999999999")
        ]
        .prop_map(Value::from),
    ]
}

fn token_type() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just("Bearer"),
        Just("bearer"),
        Just("BEARER"),
        Just("mac"),
        Just("Bearer "),
        Just(""),
        Just("N_A"),
    ]
    .prop_map(Value::from)
}

/// Unknown fields the parsers must ignore.
fn extras() -> impl Strategy<Value = Vec<(String, Value)>> {
    prop::collection::vec(("[a-z_]{1,10}", json()), 0..3)
}

fn object(fields: Vec<(&str, Option<Value>)>, extra: Vec<(String, Value)>) -> Value {
    let mut m = Map::new();
    for (k, v) in extra {
        m.insert(k, v);
    }
    for (k, v) in fields {
        if let Some(v) = v {
            m.insert(k.to_string(), v);
        }
    }
    Value::Object(m)
}

/// The lifetime the OAuth2 parser must derive from `expires_in`.
fn expected_oauth_ttl(v: Option<&Value>) -> Duration {
    let secs = match v {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match secs {
        Some(s) if s.is_finite() && s >= MAX_TTL.as_secs_f64() => MAX_TTL,
        Some(s) if s.is_finite() && s >= 1e-9 => Duration::from_secs_f64(s),
        _ => OAUTH_DEFAULT_TTL,
    }
}

fn usable_token(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::String(t)) if !t.is_empty() && reqwest_valid_header(t))
}

/// A fixed "now" for the web-token cases: 2023-11-14T22:13:20Z.
fn fixed_now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

/// `expirationTime` as an RFC 3339 text `offset` seconds after [`fixed_now`], in the UTC
/// offset `tz` minutes; `None` when that instant has no four-digit year.
fn rfc3339_at(offset: i64, tz_minutes: i16) -> Option<String> {
    let at =
        time::OffsetDateTime::from_unix_timestamp(1_700_000_000i64.checked_add(offset)?).ok()?;
    let tz = time::UtcOffset::from_whole_seconds(i32::from(tz_minutes) * 60).ok()?;
    at.to_offset(tz)
        .format(&time::format_description::well_known::Rfc3339)
        .ok()
}

/// `expirationTime` with the instant it stands for, as an offset from [`fixed_now`] (none
/// when the text is not a usable RFC 3339 time).
fn expiration_time() -> impl Strategy<Value = (Option<Value>, Option<i64>)> {
    let at = (
        prop_oneof![
            3 => -100_000i64..100_000,
            2 => -70_000_000_000i64..260_000_000_000,
            1 => Just(MAX_TTL.as_secs() as i64),
            1 => Just(MAX_TTL.as_secs() as i64 + 1),
            1 => Just(0i64),
        ],
        -900i16..900,
    )
        .prop_filter_map("no four-digit year", |(offset, tz)| {
            rfc3339_at(offset, tz).map(|t| (Some(Value::from(t)), Some(offset)))
        });
    prop_oneof![
        6 => at,
        1 => Just((None, None)),
        1 => Just((Some(Value::Null), None)),
        1 => prop_oneof![
            Just("0001-01-01T00:00:00Z"),
            Just("9999-12-31T23:59:59.999999999Z"),
            Just("2023-11-14 22:13:20"),
            Just("tomorrow"),
            Just(""),
            Just("2023-02-30T00:00:00Z"),
        ]
        .prop_map(|t| (Some(Value::from(t)), None)),
        1 => text().prop_map(|t| (Some(Value::from(t)), None)),
        1 => any::<i64>().prop_map(|n| (Some(Value::from(n)), None)),
    ]
}

proptest! {
    #[test]
    fn any_bytes_as_a_token_response_are_a_grant_or_a_decode_error(
        body in prop::collection::vec(any::<u8>(), 0..256),
    ) {
        match parse_token_response(&body) {
            Ok(grant) => check_grant(&grant)?,
            Err(e) => check_refusal(&e)?,
        }
        match parse_web_token_response(&body, SystemTime::now()) {
            Ok(grant) => check_grant(&grant)?,
            Err(e) => check_refusal(&e)?,
        }
    }

    #[test]
    fn any_json_as_a_token_response_is_a_grant_or_a_decode_error(v in json()) {
        let body = v.to_string();
        match parse_token_response(body.as_bytes()) {
            Ok(grant) => check_grant(&grant)?,
            Err(e) => check_refusal(&e)?,
        }
        match parse_web_token_response(body.as_bytes(), SystemTime::now()) {
            Ok(grant) => check_grant(&grant)?,
            Err(e) => check_refusal(&e)?,
        }
    }

    #[test]
    fn near_valid_oauth_token_responses(
        access_token in field(token_text().prop_map(Value::from)),
        token_type in field(token_type()),
        expires_in in field(expires_in()),
        extra in extras(),
    ) {
        let ok_type = match &token_type {
            None | Some(Value::Null) => true,
            Some(Value::String(t)) => t.eq_ignore_ascii_case("bearer"),
            Some(_) => false,
        };
        let expected_ok = usable_token(access_token.as_ref()) && ok_type;
        let expected_ttl = expected_oauth_ttl(expires_in.as_ref());
        let body = object(
            vec![
                ("access_token", access_token.clone()),
                ("token_type", token_type),
                ("expires_in", expires_in),
            ],
            extra,
        );
        match parse_token_response(body.to_string().as_bytes()) {
            Ok(grant) => {
                prop_assert!(expected_ok, "accepted {body}");
                check_grant(&grant)?;
                let token = access_token.as_ref().and_then(Value::as_str).unwrap_or_default();
                prop_assert_eq!(grant.authorization.expose(), format!("Bearer {token}"));
                let diff = grant.ttl.as_secs_f64() - expected_ttl.as_secs_f64();
                prop_assert!(diff.abs() < 1e-6, "ttl {:?}, expected {:?}", grant.ttl, expected_ttl);
            }
            Err(e) => {
                prop_assert!(!expected_ok, "refused {e}");
                check_refusal(&e)?;
            }
        }
    }

    #[test]
    fn near_valid_web_token_responses(
        token_id in field(token_text().prop_map(Value::from)),
        (expiration, offset) in expiration_time(),
        extra in extras(),
    ) {
        let expected_ok = usable_token(token_id.as_ref());
        let expected_ttl = match offset {
            Some(s) if s > 0 => Duration::from_secs(s as u64).min(MAX_TTL),
            _ => WEB_DEFAULT_TTL,
        };
        let body = object(vec![("tokenId", token_id.clone()), ("expirationTime", expiration)], extra);
        match parse_web_token_response(body.to_string().as_bytes(), fixed_now()) {
            Ok(grant) => {
                prop_assert!(expected_ok, "accepted {body}");
                check_grant(&grant)?;
                let token = token_id.as_ref().and_then(Value::as_str).unwrap_or_default();
                prop_assert_eq!(grant.authorization.expose(), format!("Bearer {token}"));
                // Offsets are whole seconds; a hand-written time elsewhere may not be.
                if offset.is_some() {
                    prop_assert_eq!(grant.ttl, expected_ttl);
                } else {
                    prop_assert!(grant.ttl == WEB_DEFAULT_TTL || grant.ttl <= MAX_TTL);
                }
            }
            Err(e) => {
                prop_assert!(!expected_ok, "refused {e}");
                check_refusal(&e)?;
            }
        }
    }

    /// Any clock, however wrong, against any expiration: never a panic, a bounded lifetime.
    #[test]
    fn web_token_lifetime_from_any_clock(
        now_offset in any::<i64>(),
        expiration in prop_oneof![
            Just("0001-01-01T00:00:00Z".to_string()),
            Just("9999-12-31T23:59:59.999999999Z".to_string()),
            Just("1970-01-01T00:00:00Z".to_string()),
            (-100_000i64..100_000).prop_filter_map("year", |o| rfc3339_at(o, 0)),
        ],
    ) {
        let step = Duration::from_secs(now_offset.unsigned_abs());
        let now = if now_offset >= 0 {
            SystemTime::UNIX_EPOCH.checked_add(step)
        } else {
            SystemTime::UNIX_EPOCH.checked_sub(step)
        };
        prop_assume!(now.is_some());
        let body = json!({"tokenId": format!("{MARK}abc"), "expirationTime": expiration});
        let grant = parse_web_token_response(body.to_string().as_bytes(), now.expect("assumed"))
            .expect("a usable tokenId is accepted");
        check_grant(&grant)?;
    }

    /// A valid answer cut short or with bytes changed: still no panic, and what is accepted
    /// is still a sound grant.
    #[test]
    fn damaged_token_responses(
        cut in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
    ) {
        for valid in [
            json!({"access_token": format!("{MARK}abc.def"), "token_type": "Bearer", "expires_in": 3600, "scope": "a b"}),
            json!({"tokenId": format!("{MARK}abc"), "expirationTime": "2023-11-14T23:13:20.000Z"}),
        ] {
            let mut body = valid.to_string().into_bytes();
            for (at, byte) in &flips {
                let i = at.index(body.len());
                body[i] = *byte;
            }
            let end = cut.index(body.len() + 1);
            let body = &body[..end];
            match parse_token_response(body) {
                Ok(grant) => check_grant(&grant)?,
                Err(e) => check_refusal(&e)?,
            }
            match parse_web_token_response(body, fixed_now()) {
                Ok(grant) => check_grant(&grant)?,
                Err(e) => check_refusal(&e)?,
            }
        }
    }
}
